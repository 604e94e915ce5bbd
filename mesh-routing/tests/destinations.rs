//! routing.md §6: destinations, weights, ports, subsets.
mod common;
use common::{mesh, pod, svc};
use mesh_routing::Request;

const DR: &str = "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: pc, namespace: shop}
spec: {host: pc, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]}
";

fn vs(route: &str) -> String {
    format!(
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: pc, namespace: shop}}
spec: {{hosts: [pc], http: [{{route: [{route}]}}]}}
"
    )
}

fn setup(route: &str) -> mesh_routing::Mesh {
    mesh(&format!(
        "{}{DR}{}{}{}",
        svc("pc", "shop", 3550),
        vs(route),
        pod("pc-v1", "shop", "pc", "v1"),
        pod("pc-v2", "shop", "pc", "v2")
    ))
}

fn req() -> Request {
    Request::grpc("pc").port(3550).source_namespace("shop")
}

#[test]
fn d1_a_single_destination_takes_all_traffic_whatever_its_weight() {
    let m = setup("{destination: {host: pc, subset: v1}, weight: 0}");
    let d = m.route(&req());
    let all: Vec<_> = d.destinations().collect();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].weight, 100.0);
    assert_eq!(d.destination().unwrap().subset, Some("v1"));
}

#[test]
fn d2_weights_are_normalised_and_zero_weights_dropped() {
    let m = setup(
        "{destination: {host: pc, subset: v1}, weight: 30}, {destination: {host: pc, subset: v2}, weight: 30}, {destination: {host: pc, subset: v3}, weight: 0}",
    );
    let d = m.route(&req());
    let shares: Vec<_> = d.destinations().map(|w| (w.subset.unwrap(), w.weight)).collect();
    assert_eq!(shares, [("v1", 50.0), ("v2", 50.0)]);
    // Without a pinned draw there is no single destination.
    assert!(d.destination().is_none());
}

#[test]
fn d2_a_pinned_draw_walks_cumulative_weights() {
    let m =
        setup("{destination: {host: pc, subset: v1}, weight: 75}, {destination: {host: pc, subset: v2}, weight: 25}");
    assert_eq!(m.route(&req().random(74.9)).destination().unwrap().subset, Some("v1"));
    assert_eq!(m.route(&req().random(75.0)).destination().unwrap().subset, Some("v2"));
    assert_eq!(m.route(&req().random(80.0)).endpoints(), ["pc-v2"]);
}

#[test]
fn d3_port_defaults_to_the_listener_port_at_sidecars() {
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: front, namespace: shop}}
spec: {{hosts: [front], http: [{{route: [{{destination: {{host: pc}}}}]}}]}}
",
        svc("front", "shop", 80),
        svc("pc", "shop", 9090)
    ));
    let d = m.route(&Request::http("front").source_namespace("shop"));
    assert_eq!(d.destination().unwrap().cluster(), "outbound|80||pc.shop.svc.cluster.local");
    assert!(d.warnings().iter().any(|w| w.contains("has no port 80")), "{:?}", d.warnings());
}

#[test]
fn d4_a_subset_no_destination_rule_defines_is_a_route_with_a_503_warning() {
    let m = setup("{destination: {host: pc, subset: v9}}");
    let d = m.route(&req());
    assert_eq!(d.outcome(), mesh_routing::Outcome::Route);
    assert!(d.warnings().iter().any(|w| w.contains("subset v9") && w.contains("503")), "{:?}", d.warnings());
}

#[test]
fn d4_a_subset_selecting_no_pod_warns() {
    let m = setup("{destination: {host: pc, subset: v3}}");
    let d = m.route(&req());
    assert!(d.warnings().iter().any(|w| w.contains("selects no pods")), "{:?}", d.warnings());
}

#[test]
fn d5_a_star_destination_host_is_rejected_with_its_virtual_service() {
    let m = setup("{destination: {host: '*'}}");
    assert!(m.warnings().iter().any(|w| w.field.contains("destination.host")), "{:?}", m.warnings());
    assert!(m.route(&req()).virtual_service().is_none());
}
