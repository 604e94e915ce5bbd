//! routing.md §9: DestinationRule lookup, merge and policy.
mod common;
use common::{mesh, pod, svc};
use mesh_api::networking::SimpleLb;
use mesh_routing::Request;

fn dr(name: &str, ns: &str, host: &str, body: &str, ts: &str) -> String {
    format!(
        "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}, creationTimestamp: '{ts}'}}
spec: {{host: '{host}', {body}}}
"
    )
}

const VS: &str = "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v2}}]}]}
";

fn lb(d: &mesh_routing::Decision<'_>) -> Option<SimpleLb> {
    d.traffic_policy().and_then(|p| p.load_balancer).and_then(|l| l.simple)
}

#[test]
fn p1_p5_subset_policy_overrides_field_by_field() {
    let m = mesh(&format!(
        "{}{VS}{}",
        svc("reviews", "default", 9080),
        dr(
            "reviews",
            "default",
            "reviews",
            "trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}, connectionPool: {tcp: {maxConnections: 100}}}, subsets: [{name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}]",
            "2020-01-01T00:00:00Z"
        )
    ));
    let d = m.route(&Request::http("reviews").port(9080));
    assert_eq!(lb(&d), Some(SimpleLb::RoundRobin));
    assert_eq!(d.traffic_policy().unwrap().connection_pool.unwrap().tcp.unwrap().max_connections, Some(100));
    assert_eq!(d.destination_rule().unwrap().to_string(), "default/reviews");
}

#[test]
fn p2_a_wildcard_rule_in_the_callers_namespace_beats_an_exact_rule_in_the_services() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("reviews", "default", 9080),
        dr("exact", "default", "reviews", "trafficPolicy: {loadBalancer: {simple: RANDOM}}", "2020-01-01T00:00:00Z"),
        dr(
            "wide",
            "web",
            "*.svc.cluster.local",
            "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}",
            "2020-01-01T00:00:00Z"
        )
    ));
    let from_web = m.route(&Request::http("reviews.default").port(9080).source_namespace("web"));
    assert_eq!(lb(&from_web), Some(SimpleLb::RoundRobin));
    let from_default = m.route(&Request::http("reviews").port(9080));
    assert_eq!(lb(&from_default), Some(SimpleLb::Random));
}

#[test]
fn p2_root_namespace_rules_apply_last() {
    let m = mesh(&format!(
        "{}{}",
        svc("reviews", "default", 9080),
        dr(
            "mesh-wide",
            "istio-system",
            "*.cluster.local",
            "trafficPolicy: {loadBalancer: {simple: RANDOM}}",
            "2020-01-01T00:00:00Z"
        )
    ));
    assert_eq!(lb(&m.route(&Request::http("reviews").port(9080))), Some(SimpleLb::Random));
}

#[test]
fn p3_rules_for_one_host_merge_subsets_and_the_oldest_policy_wins() {
    let m = mesh(&format!(
        "{}{VS}{}{}",
        svc("reviews", "default", 9080),
        dr(
            "b-old",
            "default",
            "reviews",
            "trafficPolicy: {loadBalancer: {simple: RANDOM}}, subsets: [{name: v1, labels: {version: v1}}]",
            "2020-01-01T00:00:00Z"
        ),
        dr(
            "a-new",
            "default",
            "reviews",
            "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}, subsets: [{name: v2, labels: {version: v2}}]",
            "2024-01-01T00:00:00Z"
        )
    ));
    let d = m.route(&Request::http("reviews").port(9080));
    assert!(d.warnings().is_empty(), "{:?}", d.warnings());
    assert_eq!(lb(&d), Some(SimpleLb::Random));
}

#[test]
fn p4_a_workload_selector_rule_applies_only_to_selected_callers_in_its_namespace() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("reviews", "default", 9080),
        dr("plain", "default", "reviews", "trafficPolicy: {loadBalancer: {simple: RANDOM}}", "2020-01-01T00:00:00Z"),
        dr(
            "picky",
            "default",
            "reviews",
            "workloadSelector: {matchLabels: {app: ui}}, exportTo: ['.'], trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}",
            "2024-01-01T00:00:00Z"
        )
    ));
    assert_eq!(
        lb(&m.route(&Request::http("reviews").port(9080).source_label("app", "ui"))),
        Some(SimpleLb::RoundRobin)
    );
    assert_eq!(lb(&m.route(&Request::http("reviews").port(9080))), Some(SimpleLb::Random));
}

#[test]
fn p5_port_level_settings_replace_the_top_level_fields() {
    let m = mesh(&format!(
        "{}{}",
        svc("reviews", "default", 9080),
        dr(
            "reviews",
            "default",
            "reviews",
            "trafficPolicy: {loadBalancer: {simple: RANDOM}, portLevelSettings: [{port: {number: 9080}, loadBalancer: {simple: LEAST_REQUEST}}]}",
            "2020-01-01T00:00:00Z"
        )
    ));
    assert_eq!(lb(&m.route(&Request::http("reviews").port(9080))), Some(SimpleLb::LeastRequest));
}

#[test]
fn p6_subset_endpoints_are_the_services_pods_with_every_subset_label() {
    let m = mesh(&format!(
        "{}{VS}{}{}{}{}",
        svc("reviews", "default", 9080),
        dr("reviews", "default", "reviews", "subsets: [{name: v2, labels: {version: v2}}]", "2020-01-01T00:00:00Z"),
        pod("reviews-v1", "default", "reviews", "v1"),
        pod("reviews-v2", "default", "reviews", "v2"),
        pod("ratings-v2", "default", "ratings", "v2")
    ));
    assert_eq!(m.route(&Request::http("reviews").port(9080)).endpoints(), ["reviews-v2"]);
}

#[test]
fn p2_a_root_namespace_caller_first_sees_root_rules_exported_only_to_itself() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("reviews", "default", 9080),
        dr(
            "public-exact",
            "istio-system",
            "reviews.default.svc.cluster.local",
            "trafficPolicy: {loadBalancer: {simple: RANDOM}}",
            "2020-01-01T00:00:00Z"
        ),
        dr(
            "private-wide",
            "istio-system",
            "*.cluster.local",
            "exportTo: ['.'], trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}",
            "2020-01-01T00:00:00Z"
        )
    ));
    let root = m.route(&Request::http("reviews.default").port(9080).source_namespace("istio-system"));
    assert_eq!(lb(&root), Some(SimpleLb::RoundRobin));
    let other = m.route(&Request::http("reviews").port(9080));
    assert_eq!(lb(&other), Some(SimpleLb::Random));
}
