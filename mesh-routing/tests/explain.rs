//! `Decision::explain`: which VirtualServices and rules were considered and why each was
//! skipped (routing.md §3, §5).
mod common;
use common::{mesh, svc};
use mesh_routing::Request;

#[test]
fn explain_names_skipped_virtual_services_and_rules_with_the_rule_ids() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: old, namespace: shop, creationTimestamp: '2020-01-01T00:00:00Z'}}
spec: {{hosts: [cart], http: [{{name: admin, match: [{{uri: {{prefix: /admin}}}}], route: [{{destination: {{host: cart, subset: admin}}}}]}}, {{match: [{{port: 8080}}], route: [{{destination: {{host: cart}}}}]}}, {{name: rest, route: [{{destination: {{host: cart}}}}]}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: new, namespace: shop, creationTimestamp: '2024-01-01T00:00:00Z'}}
spec: {{hosts: [cart], http: [{{route: [{{destination: {{host: cart}}}}]}}]}}
",
        svc("cart", "shop", 80)
    ));
    let d = m.route(&Request::http("cart").source_namespace("shop").path("/shop"));
    let text = d.explain().to_string();
    assert!(
        text.contains("VirtualService shop/new skipped: shop/old claims host cart.shop.svc.cluster.local first"),
        "{text}"
    );
    assert!(text.contains("rule shop/old http[0] (admin) skipped: no match entry fits the request"), "{text}");
    assert!(
        text.contains("rule shop/old http[1] skipped: its port/gateways/source conditions exclude this proxy (R2)"),
        "{text}"
    );
    assert!(text.contains("rule shop/old http[2] (rest) matches and decides"), "{text}");
    assert!(
        text.ends_with(
            "outcome: route, VirtualService shop/old, rule 2 (rest), outbound|80||cart.shop.svc.cluster.local 100.00%"
        ),
        "{text}"
    );
}

#[test]
fn explain_tells_why_a_host_is_passed_through() {
    let m = mesh("");
    let text = m.route(&Request::http("example.com")).explain().to_string();
    assert!(text.contains("ALLOW_ANY passes it through (E3)"), "{text}");
}
