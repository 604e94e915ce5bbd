//! Transcript tests of `meshctl diff`: the Online Boutique canary against its rollback.

mod support;

use support::meshctl;

use std::path::PathBuf;

/// The workspace's `examples/` folder: commands run there and name `online-boutique/...`.
fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The canary VirtualService with every request sent to v1.
const ROLLBACK: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productcatalogservice
  namespace: istio-app
spec:
  hosts:
  - productcatalogservice
  http:
  - timeout: 5s
    retries:
      attempts: 2
      perTryTimeout: 2s
      retryOn: unavailable,resource-exhausted
    route:
    - destination:
        host: productcatalogservice
        subset: v1
        port:
          number: 3550
      weight: 100
    - destination:
        host: productcatalogservice
        subset: v2
        port:
          number: 3550
      weight: 0
";

/// A scratch folder holding the rollback, with the example's other files; removed when dropped.
struct Rollback(PathBuf);

impl Rollback {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("meshctl-diff-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        for file in ["namespace.yaml", "gateway.yaml", "egress.yaml"] {
            std::fs::copy(examples().join("online-boutique").join(file), dir.join(file)).expect("copy");
        }
        let canary = std::fs::read_to_string(examples().join("online-boutique/productcatalog-canary.yaml"))
            .expect("canary file");
        let dr = canary.split("\n---\n").next().expect("DestinationRule first");
        std::fs::write(dir.join("productcatalog.yaml"), format!("{dr}\n---\n{ROLLBACK}")).expect("write");
        Self(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Rollback {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[test]
fn diff_of_the_rollback_prints_the_share_move_and_exits_1() {
    let rollback = Rollback::new("text");
    let run = meshctl(&["diff", "-f", "online-boutique", "--to", rollback.path()], &examples());
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "\
routing changes for 1 host

productcatalogservice.istio-app.svc.cluster.local
  shares productcatalogservice: v1 75% → 100%, v2 25% → 0%
    for http GET productcatalogservice.istio-app.svc.cluster.local:80/ from istio-app
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn diff_as_json_prints_the_library_shape() {
    let rollback = Rollback::new("json");
    let run = meshctl(&["diff", "-f", "online-boutique", "--to", rollback.path(), "-o", "json"], &examples());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["hosts"][0]["shares"][0]["moves"][1]["subset"], "v2");
    assert_eq!(json["hosts"][0]["shares"][0]["moves"][1]["before"], 25.0);
    assert_eq!(json["hosts"][0]["shares"][0]["moves"][1]["after"], 0.0);
    assert!(run.stdout.ends_with("}\n"));
}

#[test]
fn diff_of_unchanged_routing_exits_0() {
    let run = meshctl(&["diff", "-f", "online-boutique", "--to", "online-boutique"], &examples());
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "routing unchanged\n", ""));
}

#[test]
fn diff_exits_2_when_an_input_cannot_be_read() {
    let run = meshctl(&["diff", "-f", "online-boutique", "--to", "nope.yaml"], &examples());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(run.stderr.starts_with("new: nope.yaml: No such file or directory"), "{}", run.stderr);
}

#[test]
fn diff_without_to_is_a_usage_error() {
    let run = meshctl(&["diff", "-f", "online-boutique"], &examples());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--to <PATH>..."), "{}", run.stderr);
}
