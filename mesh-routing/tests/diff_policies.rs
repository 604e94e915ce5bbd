//! Traffic-policy changes in the routing diff, over Bookinfo's DestinationRules: turning on
//! mutual TLS (`destination-rule-all.yaml` → `destination-rule-all-mtls.yaml`) changes the
//! `tls` setting of every host and nothing else.

use std::path::PathBuf;

use mesh_routing::{Mesh, MeshSettings, diff};

fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = here.ancestors().map(|a| a.join("shared/corpus")).find(|p| p.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found (set MESH_CORPUS)");
        println!("skipped: corpus not found");
    }
    found
}

fn mesh(path: PathBuf) -> Mesh {
    let loaded = mesh_api::load_file(path);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    Mesh::compile(&objects, &MeshSettings::default())
}

#[test]
fn turning_on_mutual_tls_is_a_tls_policy_change_per_host() {
    let Some(root) = corpus() else { return };
    let dir = root.join("istio-samples/bookinfo/networking");
    let plain = mesh(dir.join("destination-rule-all.yaml"));
    let mtls = mesh(dir.join("destination-rule-all-mtls.yaml"));
    let changes = diff(&plain, &mtls);
    let hosts: Vec<&str> = changes.hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "details.default.svc.cluster.local",
            "productpage.default.svc.cluster.local",
            "ratings.default.svc.cluster.local",
            "reviews.default.svc.cluster.local"
        ]
    );
    for host in &changes.hosts {
        assert!(host.shares.is_empty() && host.requests.is_empty(), "{host:?}");
        assert_eq!(host.policies.len(), 1, "{host:?}");
        let policy = &host.policies[0];
        assert_eq!((policy.setting.as_str(), policy.subset.as_deref(), policy.port), ("tls", None, None));
        assert_eq!(policy.before, None);
        assert_eq!(policy.after, Some(serde_json::json!({"mode": "ISTIO_MUTUAL"})));
    }
    let text = changes.to_string();
    assert!(
        text.contains("  policy tls unset → {\"mode\":\"ISTIO_MUTUAL\"} (DestinationRule default/reviews)\n"),
        "{text}"
    );
    assert!(diff(&mtls, &mtls).is_empty());
}
