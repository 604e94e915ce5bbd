//! Inputs the fuzz targets (`fuzz/`) found failing, kept so the fixes stay.

mod common;

use mesh_routing::Request;

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
