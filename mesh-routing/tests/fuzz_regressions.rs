//! Inputs the fuzz targets (`fuzz/`) found failing, kept so the fixes stay.

mod common;

use mesh_routing::{Outcome, Request};

/// Found by routing_decision: a Service's endpoints were listed in the order the pods were
/// given, so compiling the same objects in another order changed the decision's endpoints.
#[test]
fn endpoints_do_not_depend_on_the_order_pods_are_given() {
    let service = common::svc("reviews", "default", 80);
    let pods: Vec<String> = (0..3).map(|i| common::pod(&format!("pod-{i}"), "default", "reviews", "v1")).collect();
    let forward = common::mesh(&format!("{service}{}", pods.concat()));
    let backward = common::mesh(&format!("{}{service}", pods.iter().rev().cloned().collect::<String>()));
    let request = Request::http("reviews").port(80);
    let (a, b) = (forward.route(&request), backward.route(&request));
    assert_eq!(a.endpoints(), ["pod-0", "pod-1", "pod-2"]);
    assert_eq!(a.view(), b.view());
}

/// Found by routing_decision (debug build, 2026-11-27): a Service port name whose eighth byte
/// falls inside a character (`grpc-𢕭`, the character taking bytes 5 to 8) made the port-name
/// analyzer slice the name inside that character and panic.
#[test]
fn a_port_name_with_a_wide_character_across_byte_eight_is_analyzed() {
    // (port name, whether IST0118 reports it)
    let cases = [("grpc-\u{2256d}", false), ("abcde\u{2256d}", true), ("grpc-web-é", false), ("grpc-wé", false)];
    for (name, reported) in cases {
        let yaml = format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: n}}\nspec: {{ports: [{{name: \"{name}\", port: 81}}]}}\n"
        );
        let loaded = mesh_api::load_str(&yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<_> = loaded.objects().cloned().collect();
        let messages = mesh_routing::analyze(&objects);
        assert_eq!(messages.iter().any(|m| m.code == "IST0118"), reported, "{name}: {messages:?}");
    }
}

fn entry(name: &str, namespace: &str, host: &str, port: u32, protocol: &str, resolution: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{hosts: [\"{host}\"], ports: [{{number: {port}, name: p, protocol: {protocol}}}], resolution: {resolution}}}\n"
    )
}

/// Found by routing_decision (debug build, 2026-11-27): two ServiceEntries in one namespace
/// declared `*.example.com` with different ports and resolutions, and which one a lookup
/// found depended on the order the objects were given in. Istio keeps the oldest for a
/// host in a namespace (equal creation times: we order by name).
#[test]
fn two_entries_for_one_host_in_one_namespace_do_not_depend_on_order() {
    let a = entry("egress", "default", "*.example.com", 15443, "TLS", "STATIC");
    let b = entry("-", "default", "*.example.com", 80, "HTTP", "NONE");
    let forward = common::mesh(&format!("{a}{b}"));
    let backward = common::mesh(&format!("{b}{a}"));
    for request in [Request::tls("*.example.com", 15443), Request::http("api.example.com").port(80)] {
        assert_eq!(forward.route(&request).view(), backward.route(&request).view(), "{request:?}");
    }
    // `-` sorts before `egress`: its service is kept, and `egress`'s host is reported.
    assert!(
        forward.warnings().iter().any(|w| w.object == "ServiceEntry default/egress" && w.field == "spec.hosts[0]"),
        "{:?}",
        forward.warnings()
    );
    assert_eq!(forward.route(&Request::http("api.example.com").port(80)).outcome(), Outcome::Route);
}

/// Istio merges the ports of ServiceEntries that declare one host in one namespace and differ
/// in nothing else (`appendSidecarServices`, `sidecar.go`): a route to the second one's port
/// finds it on the merged service.
#[test]
fn entries_that_differ_only_in_ports_are_merged() {
    let a = entry("a", "default", "api.example.com", 80, "HTTP", "DNS");
    let b = entry("b", "default", "api.example.com", 8080, "HTTP", "DNS");
    let c = entry("c", "default", "api.example.com", 9090, "HTTP", "STATIC");
    let vs = "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: default}\nspec: {hosts: [api.example.com], http: [{route: [{destination: {host: api.example.com, port: {number: 8080}}}]}]}\n";
    for yaml in [format!("{a}{b}{c}{vs}"), format!("{vs}{c}{b}{a}")] {
        let mesh = common::mesh(&yaml);
        // `c` differs in resolution: not merged, and said so.
        let warned: Vec<_> = mesh.warnings().iter().map(|w| w.object.as_str()).collect();
        assert_eq!(warned, ["ServiceEntry default/c"]);
        let d = mesh.route(&Request::http("api.example.com").port(80));
        assert_eq!(d.destination().map(|d| d.cluster()).as_deref(), Some("outbound|8080||api.example.com"));
        assert!(d.view().warnings.is_empty(), "{:?}", d.view().warnings);
        // ... and its port is not the host's: the request leaves the mesh as unknown traffic.
        assert_eq!(mesh.route(&Request::http("api.example.com").port(9090)).outcome(), Outcome::Passthrough);
    }
}
