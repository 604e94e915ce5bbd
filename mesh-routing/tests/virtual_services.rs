//! routing.md §3: which VirtualService decides a host.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

fn vs(name: &str, ns: &str, hosts: &str, gateways: &str, http: &str, ts: &str) -> String {
    format!(
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}, creationTimestamp: '{ts}'}}
spec: {{hosts: [{hosts}], gateways: [{gateways}], http: [{http}]}}
"
    )
}

const OLD: &str = "2020-01-01T00:00:00Z";
const NEW: &str = "2024-01-01T00:00:00Z";

#[test]
fn s1_gateways_without_mesh_are_ignored_by_sidecars() {
    let m = mesh(&format!(
        "{}{}",
        svc("cart", "shop", 80),
        vs("cart", "shop", "cart", "shop/gw", "{route: [{destination: {host: cart, subset: v2}}]}", OLD)
    ));
    let d = m.route(&Request::http("cart").source_namespace("shop"));
    assert!(d.virtual_service().is_none());
    assert!(d.explain().to_string().contains("S1"));
}

#[test]
fn s2_sidecars_take_the_oldest_virtual_service_for_a_host_without_merging() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("cart", "shop", 80),
        vs("newer", "shop", "cart", "mesh", "{match: [{uri: {prefix: /b}}], route: [{destination: {host: b}}]}", NEW),
        vs(
            "older",
            "other",
            "cart.shop.svc.cluster.local",
            "mesh",
            "{match: [{uri: {prefix: /a}}], route: [{destination: {host: a}}]}",
            OLD
        )
    ));
    let d = m.route(&Request::http("cart").source_namespace("shop").path("/b"));
    assert_eq!(d.virtual_service().unwrap().name, "older");
    assert_eq!(d.outcome(), Outcome::NotFound);
}

#[test]
fn s3_exact_host_beats_wildcard_regardless_of_age() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("cart", "shop", 80),
        vs("wild", "shop", "'*.shop.svc.cluster.local'", "mesh", "{route: [{destination: {host: w}}]}", OLD),
        vs("exact", "shop", "cart", "mesh", "{route: [{destination: {host: e}}]}", NEW)
    ));
    assert_eq!(m.route(&Request::http("cart").source_namespace("shop")).virtual_service().unwrap().name, "exact");
}

#[test]
fn s4_gateways_merge_virtual_services_and_move_catch_alls_last() {
    let m = mesh(&format!(
        "---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: default}}
spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['*']}}]}}
{}{}",
        vs(
            "a",
            "default",
            "example.com",
            "gw",
            "{match: [{uri: {prefix: /a}}], route: [{destination: {host: a-svc}}]}, {route: [{destination: {host: fallback}}]}",
            OLD
        ),
        vs("b", "default", "example.com", "gw", "{match: [{uri: {prefix: /b}}], route: [{destination: {host: b-svc}}]}", NEW)
    ));
    let d = m.route(&Request::http("example.com").gateway("default/gw").path("/b"));
    assert_eq!(d.virtual_service().unwrap().name, "b");
    assert_eq!(d.destination().unwrap().host, "b-svc.default.svc.cluster.local");
    let d = m.route(&Request::http("example.com").gateway("default/gw").path("/z"));
    assert_eq!(d.destination().unwrap().host, "fallback.default.svc.cluster.local");
}

#[test]
fn s5_rules_after_a_catch_all_are_unreachable() {
    let m = mesh(&format!(
        "{}{}",
        svc("cart", "shop", 80),
        vs(
            "cart",
            "shop",
            "cart",
            "mesh",
            "{route: [{destination: {host: cart, subset: all}}]}, {match: [{uri: {prefix: /x}}], route: [{destination: {host: cart, subset: x}}]}",
            OLD
        )
    ));
    let d = m.route(&Request::http("cart").source_namespace("shop").path("/x"));
    assert_eq!(d.rule().unwrap().index, 0);
}

#[test]
fn s6_a_mesh_virtual_service_for_a_non_registry_host_works_only_on_port_80() {
    let m = mesh(&vs(
        "ext",
        "default",
        "api.example.com",
        "mesh",
        "{route: [{destination: {host: api.example.com}}]}",
        OLD,
    ));
    assert_eq!(m.route(&Request::http("api.example.com")).virtual_service().unwrap().name, "ext");
    let d = m.route(&Request::http("api.example.com").port(8080));
    assert!(d.virtual_service().is_none());
    assert_eq!(d.outcome(), Outcome::Passthrough);
}

#[test]
fn s7_a_known_service_without_virtual_service_gets_the_default_route() {
    let m = mesh(&svc("cart", "shop", 8080));
    let d = m.route(&Request::http("cart").port(8080).source_namespace("shop"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert!(d.virtual_service().is_none());
    assert!(d.timeout().is_none());
    assert_eq!(d.retries().unwrap().attempts, 2);
    assert_eq!(d.destination().unwrap().cluster(), "outbound|8080||cart.shop.svc.cluster.local");
}

#[test]
fn s8_virtual_service_present_but_no_rule_matches_is_404() {
    let m = mesh(&format!(
        "{}{}",
        svc("cart", "shop", 80),
        vs(
            "cart",
            "shop",
            "cart",
            "mesh",
            "{match: [{uri: {exact: /only}}], route: [{destination: {host: cart}}]}",
            OLD
        )
    ));
    let d = m.route(&Request::http("cart").source_namespace("shop").path("/other"));
    assert_eq!(d.outcome(), Outcome::NotFound);
    assert_eq!(d.status(), Some(404));
    assert_eq!(d.virtual_service().unwrap().name, "cart");
}

#[test]
fn s3_a_wildcard_host_covering_registry_services_gets_no_virtual_host_of_its_own() {
    let m = mesh(&format!(
        "---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: a, namespace: default}}
spec: {{hosts: [a.example.com], ports: [{{number: 80, name: http, protocol: HTTP}}], resolution: DNS, location: MESH_EXTERNAL}}
{}{}",
        vs("covers", "default", "'*.example.com'", "mesh", "{route: [{destination: {host: a.example.com}}]}", OLD),
        vs("alone", "default", "'*.example.org'", "mesh", "{route: [{destination: {host: a.example.com}}]}", OLD)
    ));
    assert_eq!(m.route(&Request::http("a.example.com")).virtual_service().unwrap().name, "covers");
    let b = m.route(&Request::http("b.example.com"));
    assert!(b.virtual_service().is_none(), "{}", b.explain());
    assert_eq!(m.route(&Request::http("b.example.org")).virtual_service().unwrap().name, "alone");
}
