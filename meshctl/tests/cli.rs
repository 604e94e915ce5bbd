//! Transcript tests: each runs `meshctl` and checks stdout, stderr and the exit code whole.

mod support;

use support::{Scratch, meshctl};

use std::path::Path;
use std::process::Command;

const GOOD: &str = "apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
    timeout: 1.5s
";

const BAD: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: -5
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    lables:
      version: v1
";

#[test]
fn validate_accepts_valid_files() {
    let dir = Scratch::new("valid", &[("good.yaml", GOOD)]);
    let run = meshctl(&["validate", "-f", "good.yaml"], &dir.0);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", "1 of 1 objects valid\n"));
}

#[test]
fn validate_prints_each_problem_with_file_line_object_and_field() {
    let dir = Scratch::new("invalid", &[("bad.yaml", BAD)]);
    let run = meshctl(&["validate", "-f", "bad.yaml"], &dir.0);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "bad.yaml:25:5: DestinationRule shop/reviews: spec.subsets[0].lables: unknown field \"lables\"; did you mean \"labels\"?\n\
         bad.yaml:14: VirtualService shop/reviews: spec.http[0].route[0].weight: weight -5 cannot be negative\n"
    );
    assert_eq!(run.stderr, "0 of 2 objects valid\n");
}

#[test]
fn validate_exits_2_when_a_path_cannot_be_read() {
    let dir = Scratch::new("missing", &[]);
    let run = meshctl(&["validate", "-f", "nope.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("nope.yaml: No such file or directory"), "{}", run.stderr);
}

#[test]
fn fmt_writes_objects_back_as_read() {
    let dir = Scratch::new("fmt", &[("good.yaml", GOOD)]);
    let run = meshctl(&["fmt", "-f", "good.yaml"], &dir.0);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("---\n{GOOD}"));
}

#[test]
fn crds_prints_every_istio_crd() {
    let run = meshctl(&["crds"], Path::new("."));
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.matches("kind: CustomResourceDefinition").count(), 16);
    assert!(run.stdout.contains("name: virtualservices.networking.istio.io"));
}

#[test]
fn version_names_the_istio_api() {
    let run = meshctl(&["version"], Path::new("."));
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("meshctl {}\nIstio API: {}\n", env!("CARGO_PKG_VERSION"), mesh_api::ISTIO_VERSION));
}

#[test]
fn usage_errors_exit_2() {
    let run = meshctl(&["validate"], Path::new("."));
    assert_eq!(run.code, 2);
}

#[test]
fn validate_reads_standard_input_for_a_dash() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["validate", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("meshctl runs");
    child.stdin.take().expect("stdin").write_all(GOOD.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("meshctl ends");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "1 of 1 objects valid\n");
}
