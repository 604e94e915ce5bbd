//! The corpus's Bookinfo samples routed the way Istio's task docs describe them.
//!
//! The corpus is found through `MESH_CORPUS`, else as `shared/corpus` above this crate
//! (`../../shared/corpus` in the main checkout). Missing, the tests fail under `CI=true` and
//! print `skipped: corpus not found` otherwise.

use std::path::PathBuf;

use mesh_routing::{Mesh, MeshSettings, Outcome, Request};

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

/// Bookinfo's services and deployments, all DestinationRules, and the given networking files.
fn bookinfo(files: &[&str]) -> Option<Mesh> {
    let root = corpus()?.join("istio-samples/bookinfo");
    let mut paths = vec![root.join("platform/kube/bookinfo.yaml"), root.join("networking/destination-rule-all.yaml")];
    paths.extend(files.iter().map(|f| root.join("networking").join(f)));
    let loaded = mesh_api::load_paths(&paths);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    assert!(mesh.warnings().is_empty(), "{:?}", mesh.warnings());
    Some(mesh)
}

fn reviews() -> Request {
    Request::http("reviews").port(9080)
}

#[test]
fn all_v1_sends_every_service_to_v1() {
    let Some(m) = bookinfo(&["virtual-service-all-v1.yaml"]) else { return };
    for host in ["productpage", "reviews", "ratings", "details"] {
        let d = m.route(&Request::http(host).port(9080));
        assert_eq!(d.destination().unwrap().subset, Some("v1"), "{host}");
        assert_eq!(d.endpoints(), [format!("{host}-v1")], "{host}");
        assert!(d.warnings().is_empty(), "{host}: {:?}", d.warnings());
    }
}

#[test]
fn test_v2_sends_jason_to_reviews_v2_and_everyone_else_to_v1() {
    let Some(m) = bookinfo(&["virtual-service-reviews-test-v2.yaml"]) else { return };
    let jason = m.route(&reviews().header("end-user", "jason"));
    assert_eq!(jason.virtual_service().unwrap().to_string(), "default/reviews");
    assert_eq!(jason.destination().unwrap().subset, Some("v2"));
    assert_eq!(jason.endpoints(), ["reviews-v2"]);
    let other = m.route(&reviews().header("end-user", "alice"));
    assert_eq!(other.destination().unwrap().subset, Some("v1"));
    assert_eq!(other.rule().unwrap().index, 1);
}

#[test]
fn jason_v2_v3_sends_others_to_v3() {
    let Some(m) = bookinfo(&["virtual-service-reviews-jason-v2-v3.yaml"]) else { return };
    assert_eq!(m.route(&reviews().header("end-user", "jason")).destination().unwrap().subset, Some("v2"));
    assert_eq!(m.route(&reviews()).destination().unwrap().subset, Some("v3"));
}

#[test]
fn weighted_splits_match_the_traffic_shifting_task() {
    for (file, expected) in [
        ("virtual-service-reviews-80-20.yaml", [("v1", 80.0), ("v2", 20.0)]),
        ("virtual-service-reviews-90-10.yaml", [("v1", 90.0), ("v2", 10.0)]),
        ("virtual-service-reviews-50-v3.yaml", [("v1", 50.0), ("v3", 50.0)]),
    ] {
        let Some(m) = bookinfo(&[file]) else { return };
        let d = m.route(&reviews());
        let split: Vec<_> = d.destinations().map(|w| (w.subset.unwrap(), w.weight)).collect();
        assert_eq!(split, expected, "{file}");
        assert_eq!(m.route(&reviews().random(expected[0].1 + 1.0)).destination().unwrap().subset, Some(expected[1].0));
    }
}

#[test]
fn ratings_abort_injects_a_500_for_jason_only() {
    let Some(m) = bookinfo(&["virtual-service-ratings-test-abort.yaml"]) else { return };
    let d = m.route(&Request::http("ratings").port(9080).header("end-user", "jason"));
    assert_eq!(d.outcome(), Outcome::Route);
    let abort = d.fault().unwrap().abort.unwrap();
    assert_eq!((abort.0, abort.2), (Some(500), 100.0));
    assert!(m.route(&Request::http("ratings").port(9080)).fault().is_none());
}

#[test]
fn ratings_delay_injects_seven_seconds_for_jason() {
    let Some(m) = bookinfo(&["virtual-service-ratings-test-delay.yaml"]) else { return };
    let d = m.route(&Request::http("ratings").port(9080).header("end-user", "jason"));
    let delay = d.fault().unwrap().delay.unwrap();
    assert_eq!(delay.0.unwrap().to_string(), "7s");
    assert_eq!(delay.1, 100.0);
}

#[test]
fn the_gateway_serves_productpage_paths_and_404s_the_rest() {
    let Some(m) = bookinfo(&["bookinfo-gateway.yaml"]) else { return };
    let page = m.route(
        &Request::http("bookinfo.example.com").port(8080).gateway("default/bookinfo-gateway").path("/productpage"),
    );
    assert_eq!(page.outcome(), Outcome::Route);
    let dest = page.destination().unwrap();
    assert_eq!((dest.host, dest.port), ("productpage.default.svc.cluster.local", 9080));
    assert_eq!(page.endpoints(), ["productpage-v1"]);
    let stat = m.route(&Request::http("x").port(8080).gateway("default/bookinfo-gateway").path("/static/app.js"));
    assert_eq!(stat.outcome(), Outcome::Route);
    let other = m.route(&Request::http("x").port(8080).gateway("default/bookinfo-gateway").path("/admin"));
    assert_eq!(other.outcome(), Outcome::NotFound);
    assert_eq!(m.route(&Request::http("x").port(80).gateway("default/bookinfo-gateway")).outcome(), Outcome::Refused);
}

#[test]
fn reviews_subset_policy_from_destination_rule_all() {
    let Some(m) = bookinfo(&["virtual-service-reviews-v3.yaml"]) else { return };
    let d = m.route(&reviews());
    assert_eq!(d.destination().unwrap().subset, Some("v3"));
    assert_eq!(d.destination_rule().unwrap().to_string(), "default/reviews");
    assert!(d.traffic_policy().is_some());
}
