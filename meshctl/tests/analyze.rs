//! Transcript tests of `meshctl analyze`: istioctl's text lines with file and line, JSON
//! messages, thresholds and exit codes.

mod support;

use support::{Scratch, meshctl};

const CONFIG: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: default
spec:
  selector:
    app: reviews
  ports:
  - name: http
    port: 9080
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: ratings
";

const SERVICE_ENTRY: &str = "\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
  namespace: default
spec:
  hosts:
  - db.example.com
  ports:
  - number: 5432
    name: tcp
    protocol: TCP
  resolution: DNS
";

#[test]
fn text_lines_name_code_resource_file_and_line() {
    let dir = Scratch::new("analyze-text", &[("config.yaml", CONFIG)]);
    let run = meshctl(&["analyze", "-f", "config.yaml"], &dir.0);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains(
            "Error [IST0101] (VirtualService default/reviews config.yaml:24) Referenced host not found: \"ratings\"\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn json_lists_messages_with_path_file_and_line() {
    let dir = Scratch::new("analyze-json", &[("config.yaml", CONFIG)]);
    let run = meshctl(&["analyze", "-f", "config.yaml", "-o", "json"], &dir.0);
    assert_eq!(run.code, 1, "{run:?}");
    let messages: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let first = messages.as_array().and_then(|m| m.iter().find(|m| m["code"] == "IST0101")).expect("IST0101");
    assert_eq!(first["level"], "Error");
    assert_eq!(first["resource"], "VirtualService default/reviews");
    assert_eq!(first["path"], "spec.http[0].route[0].destination.host");
    assert_eq!(first["file"], "config.yaml");
    assert_eq!(first["line"], 24);
}

#[test]
fn warnings_fail_only_at_a_warning_threshold() {
    let dir = Scratch::new("analyze-threshold", &[("se.yaml", SERVICE_ENTRY)]);
    let run = meshctl(&["analyze", "-f", "se.yaml"], &dir.0);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Warning [IST0134] (ServiceEntry default/db se.yaml:10) ServiceEntry addresses are required for this protocol.\n"), "{}", run.stdout);
    let run = meshctl(&["analyze", "-f", "se.yaml", "--failure-threshold", "Warning"], &dir.0);
    assert_eq!(run.code, 1, "{run:?}");
    let run = meshctl(&["analyze", "-f", "se.yaml", "--output-threshold", "Error"], &dir.0);
    assert_eq!(run.stdout, "No validation issues found when analyzing 1 objects.\n");
}

#[test]
fn mesh_config_file_turns_on_address_allocation() {
    let mesh = "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\n    ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"\n";
    let dir = Scratch::new("analyze-mesh", &[("se.yaml", SERVICE_ENTRY), ("mesh.yaml", mesh)]);
    let run = meshctl(&["analyze", "-f", "se.yaml", "--meshConfigFile", "mesh.yaml", "-o", "json"], &dir.0);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("IST0134"), "{}", run.stdout);
}

#[test]
fn unreadable_input_exits_2() {
    let dir = Scratch::new("analyze-missing", &[]);
    let run = meshctl(&["analyze", "-f", "nothing.yaml"], &dir.0);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn routing_table_checks_use_mesh_codes() {
    let shadowed = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /api/v2}, headers: {x-user: {exact: beta}}}]
    route: [{destination: {host: web}}]
";
    let dir = Scratch::new("analyze-mesh-codes", &[("web.yaml", shadowed)]);
    let run = meshctl(&["analyze", "-f", "."], &dir.0);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "Warning [MESH0001] (VirtualService shop/web ./web.yaml:16) HTTP rule #1 is never reached: every request it matches is taken first by rule #0.\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn yaml_lists_the_same_messages() {
    let dir = Scratch::new("analyze-yaml", &[("config.yaml", CONFIG)]);
    let run = meshctl(&["analyze", "-f", "config.yaml", "-o", "yaml"], &dir.0);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("- code: IST0101\n"), "{}", run.stdout);
    assert!(run.stdout.contains("  resource: VirtualService default/reviews\n"), "{}", run.stdout);
    assert!(run.stdout.contains("  line: 24\n"), "{}", run.stdout);
}
