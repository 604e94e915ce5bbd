//! Transcript tests of `meshctl route`: stdout, stderr and the exit code of each run.

mod support;

use support::{Scratch, meshctl};

const MESH: &str = "apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v2-0, namespace: default, labels: {app: reviews, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: jason
    match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v2}, weight: 10}
";

#[test]
fn text_output_explains_then_lists_the_decision() {
    let dir = Scratch::new("text", &[("mesh.yaml", MESH)]);
    let run = meshctl(
        &["route", "-f", "mesh.yaml", "--host", "reviews", "--port", "9080", "--header", "end-user=jason"],
        &dir.0,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        "1. no Sidecar resource applies: every exported host is visible (V4)
2. host \"reviews\" is service reviews.default.svc.cluster.local (namespace default)
3. VirtualService default/reviews decides this host
4. rule default/reviews http[0] (jason) matches and decides (first match wins, R1)

outcome:         route
virtualService:  default/reviews
rule:            http[0] (jason)
destination:     reviews.default.svc.cluster.local v2 port 9080
timeout:         none
retries:         2 attempts, on connect-failure,refused-stream,unavailable,cancelled
destinationRule: default/reviews
endpoints:       reviews-v2-0
"
    );
}

#[test]
fn a_split_is_listed_and_random_pins_one_destination() {
    let dir = Scratch::new("split", &[("mesh.yaml", MESH)]);
    let args = ["route", "-f", "mesh.yaml", "--host", "reviews", "--port", "9080"];
    let run = meshctl(&args, &dir.0);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("split:           reviews.default.svc.cluster.local v1 port 9080 90.00%\n"));
    assert!(run.stdout.contains("split:           reviews.default.svc.cluster.local v2 port 9080 10.00%\n"));
    assert!(run.stdout.contains("destination:     one of the split (pin one with --random)\n"), "{}", run.stdout);
    let pinned = meshctl(&[&args[..], &["--random", "95"]].concat(), &dir.0);
    assert!(pinned.stdout.contains("destination:     reviews.default.svc.cluster.local v2 port 9080\n"));
    // The split's other subset has no pod: the decision says so.
    assert!(
        pinned.stdout.contains("warning:         subset v1 of reviews.default.svc.cluster.local selects no pods"),
        "{}",
        pinned.stdout
    );
}

#[test]
fn json_output_is_the_decision_view() {
    let dir = Scratch::new("json", &[("mesh.yaml", MESH)]);
    let run = meshctl(
        &["route", "-f", "mesh.yaml", "--host", "reviews.default", "--port", "9080", "--random", "50", "-o", "json"],
        &dir.0,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["outcome"], "route");
    assert_eq!(json["virtualService"], "default/reviews");
    assert_eq!(json["rule"], serde_json::json!({"kind": "http", "index": 1}));
    assert_eq!(json["destination"]["subset"], "v1");
    assert_eq!(json["destination"]["cluster"], "outbound|9080|v1|reviews.default.svc.cluster.local");
    assert_eq!(json["split"][1]["weight"], 10.0);
    assert_eq!(json["retries"]["attempts"], 2);
    assert!(json["explanation"]["steps"].as_array().is_some_and(|s| s.len() >= 3));
}

#[test]
fn yaml_output_goes_through_mesh_api() {
    let dir = Scratch::new("yaml", &[("mesh.yaml", MESH)]);
    let run = meshctl(&["route", "-f", "mesh.yaml", "--host", "ratings", "--port", "9080", "-o", "yaml"], &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.starts_with("outcome: passthrough\nvirtualService: null\n"), "{}", run.stdout);
}

#[test]
fn tcp_and_gateway_requests_are_described_by_flags() {
    let gw = "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}]
";
    let dir = Scratch::new("gateway", &[("mesh.yaml", MESH), ("gw.yaml", gw)]);
    let run = meshctl(
        &[
            "route",
            "-f",
            "mesh.yaml",
            "-f",
            "gw.yaml",
            "--host",
            "x.example.com",
            "--gateway",
            "default/gw",
            "-o",
            "json",
        ],
        &dir.0,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["outcome"], "notFound");
    assert_eq!(json["status"], 404);
    let refused = meshctl(
        &[
            "route",
            "-f",
            "gw.yaml",
            "--host",
            "x.example.com",
            "--gateway",
            "default/gw",
            "--port",
            "8443",
            "--protocol",
            "https",
        ],
        &dir.0,
    );
    assert!(refused.stdout.contains("outcome:         refused\n"), "{}", refused.stdout);
}

#[test]
fn invalid_objects_are_reported_and_the_rest_still_routes_with_exit_1() {
    let bad = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\nspec: {hosts: 3}\n";
    let dir = Scratch::new("invalid", &[("mesh.yaml", MESH), ("bad.yaml", bad)]);
    let run = meshctl(&["route", "-f", "mesh.yaml", "-f", "bad.yaml", "--host", "reviews", "--port", "9080"], &dir.0);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bad.yaml"), "{}", run.stderr);
    assert!(run.stdout.contains("virtualService:  default/reviews\n"), "{}", run.stdout);
}

#[test]
fn unreadable_input_and_bad_flags_exit_2() {
    let dir = Scratch::new("usage", &[("mesh.yaml", MESH)]);
    let missing = meshctl(&["route", "-f", "nope.yaml", "--host", "x"], &dir.0);
    assert_eq!((missing.code, missing.stdout.as_str()), (2, ""));
    assert!(missing.stderr.starts_with("nope.yaml: "), "{}", missing.stderr);
    let header = meshctl(&["route", "-f", "mesh.yaml", "--host", "x", "--header", "novalue"], &dir.0);
    assert_eq!(header.code, 2);
    assert!(header.stderr.contains("\"novalue\" is not of the form key=value"), "{}", header.stderr);
    let random = meshctl(&["route", "-f", "mesh.yaml", "--host", "x", "--random", "100"], &dir.0);
    assert_eq!(random.code, 2);
    assert!(random.stderr.contains("not in [0, 100)"), "{}", random.stderr);
    let protocol = meshctl(&["route", "-f", "mesh.yaml", "--host", "x", "--protocol", "udp"], &dir.0);
    assert_eq!(protocol.code, 2);
    assert!(protocol.stderr.contains("[possible values: http, https, grpc, tls, tcp]"), "{}", protocol.stderr);
    assert_eq!(meshctl(&["route", "-f", "mesh.yaml"], &dir.0).code, 2);
}

#[test]
fn a_mesh_config_file_sets_the_outbound_traffic_policy() {
    let dir = Scratch::new(
        "meshconfig",
        &[
            ("mesh.yaml", MESH),
            ("meshconfig.yaml", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"),
            ("bad-meshconfig.yaml", "outboundTrafficPolicy:\n  mode: SOMETIMES\n"),
        ],
    );
    let args = ["route", "-f", "mesh.yaml", "--host", "example.com", "-o", "json"];
    let allow: serde_json::Value = serde_json::from_str(&meshctl(&args, &dir.0).stdout).expect("JSON");
    assert_eq!(allow["outcome"], "passthrough");
    let run = meshctl(&[&args[..], &["--meshConfigFile", "meshconfig.yaml"]].concat(), &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let blocked: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(blocked["outcome"], "blocked");
    assert_eq!(blocked["status"], 502);
    let bad = meshctl(&[&args[..], &["--meshConfigFile", "bad-meshconfig.yaml"]].concat(), &dir.0);
    assert_eq!((bad.code, bad.stdout.as_str()), (1, ""));
    assert!(bad.stderr.starts_with("bad-meshconfig.yaml:2:"), "{}", bad.stderr);
    assert!(bad.stderr.contains("outboundTrafficPolicy.mode"), "{}", bad.stderr);
    let missing = meshctl(&[&args[..], &["--meshConfigFile", "nope.yaml"]].concat(), &dir.0);
    assert_eq!(missing.code, 2);
}
