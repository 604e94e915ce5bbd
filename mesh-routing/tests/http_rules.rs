//! routing.md §5: HTTP rule evaluation.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

fn m(rules: &str) -> mesh_routing::Mesh {
    mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: r, namespace: default}}
spec: {{hosts: [r], http: [{rules}, {{name: fallback, route: [{{destination: {{host: r, subset: other}}}}]}}]}}
",
        svc("r", "default", 80)
    ))
}

fn hit(mesh: &mesh_routing::Mesh, req: Request) -> bool {
    mesh.route(&req).rule().unwrap().name != Some("fallback")
}

const ROUTE: &str = "route: [{destination: {host: r}}]";

#[test]
fn r1_first_matching_rule_wins_and_match_entries_are_ored() {
    let mesh = m(&format!("{{name: first, match: [{{uri: {{exact: /a}}}}, {{uri: {{exact: /b}}}}], {ROUTE}}}"));
    assert_eq!(mesh.route(&Request::http("r").path("/b")).rule().unwrap().name, Some("first"));
    assert!(!hit(&mesh, Request::http("r").path("/c")));
}

#[test]
fn r1_fields_of_one_match_entry_are_anded() {
    let mesh = m(&format!("{{match: [{{uri: {{prefix: /a}}, method: {{exact: POST}}}}], {ROUTE}}}"));
    assert!(hit(&mesh, Request::http("r").path("/a").method("POST")));
    assert!(!hit(&mesh, Request::http("r").path("/a")));
}

#[test]
fn r2_port_and_source_conditions_filter_statically() {
    let mesh = m(&format!("{{match: [{{port: 80, sourceNamespace: shop, sourceLabels: {{app: ui}}}}], {ROUTE}}}"));
    assert!(hit(&mesh, Request::http("r.default").source_namespace("shop").source_label("app", "ui")));
    assert!(!hit(&mesh, Request::http("r.default").source_namespace("shop")));
    assert!(!hit(&mesh, Request::http("r").source_label("app", "ui")));
}

#[test]
fn r3_uri_exact_ignores_the_query_and_regex_is_anchored() {
    let mesh = m(&format!("{{match: [{{uri: {{exact: /a}}}}, {{uri: {{regex: '/n/\\d+'}}}}], {ROUTE}}}"));
    assert!(hit(&mesh, Request::http("r").path("/a?x=1")));
    assert!(hit(&mesh, Request::http("r").path("/n/42")));
    assert!(!hit(&mesh, Request::http("r").path("/n/42/x")));
}

#[test]
fn r3_ignore_uri_case_scheme_and_authority() {
    let mesh = m(&format!(
        "{{match: [{{uri: {{prefix: /API}}, ignoreUriCase: true, scheme: {{exact: http}}, authority: {{prefix: r}}}}], {ROUTE}}}"
    ));
    assert!(hit(&mesh, Request::http("r").path("/api/x")));
    assert!(!hit(&mesh, Request::http("r").path("/api/x").scheme("https")));
}

#[test]
fn r3_query_params_exact_prefix_regex_and_presence() {
    let mesh = m(&format!(
        "{{match: [{{queryParams: {{v: {{exact: '1'}}, flag: {{exact: ''}}, p: {{prefix: ab}}, q: {{regex: '[0-9]+'}}}}}}], {ROUTE}}}"
    ));
    assert!(hit(&mesh, Request::http("r").path("/?v=1&flag&p=abc&q=12")));
    assert!(!hit(&mesh, Request::http("r").path("/?v=1&p=abc&q=12")));
    assert!(!hit(&mesh, Request::http("r").path("/?v=1&flag&p=abc&q=x")));
}

#[test]
fn r4_header_names_are_case_insensitive_and_without_headers_negates() {
    let mesh = m(&format!(
        "{{match: [{{headers: {{End-User: {{exact: jason}}}}, withoutHeaders: {{x-debug: {{}}}}}}], {ROUTE}}}"
    ));
    assert!(hit(&mesh, Request::http("r").header("end-user", "jason")));
    assert!(!hit(&mesh, Request::http("r").header("end-user", "jason").header("X-Debug", "1")));
    assert!(!hit(&mesh, Request::http("r").header("end-user", "Jason")));
}

#[test]
fn r4_empty_header_match_means_present() {
    let mesh = m(&format!("{{match: [{{headers: {{x-canary: {{}}}}}}], {ROUTE}}}"));
    assert!(hit(&mesh, Request::http("r").header("x-canary", "")));
    assert!(!hit(&mesh, Request::http("r")));
}

#[test]
fn r3_an_invalid_regex_is_a_compile_warning_and_the_rest_still_routes() {
    let mesh = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: bad, namespace: default}}
spec: {{hosts: [bad], http: [{{match: [{{uri: {{regex: '('}}}}], route: [{{destination: {{host: bad}}}}]}}]}}
",
        svc("good", "default", 80)
    ));
    assert!(mesh.warnings().iter().any(|w| w.object == "VirtualService default/bad"), "{:?}", mesh.warnings());
    assert_eq!(mesh.route(&Request::http("good")).outcome(), Outcome::Route);
}

#[test]
fn r5_a_match_istio_rejects_drops_the_whole_virtual_service_with_a_warning() {
    let mesh = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: r, namespace: default}}
spec: {{hosts: [r], http: [{{match: [{{headers: {{x: {{prefix: ''}}}}}}], route: [{{destination: {{host: r, subset: v2}}}}]}}]}}
",
        svc("r", "default", 80)
    ));
    assert!(
        mesh.warnings().iter().any(|w| w.to_string().contains("Istio rejects this object")),
        "{:?}",
        mesh.warnings()
    );
    assert!(mesh.route(&Request::http("r")).virtual_service().is_none());
}

#[test]
fn a10_cors_policy_does_not_change_the_decision() {
    let mesh =
        m(&format!("{{name: cors, corsPolicy: {{allowOrigins: [{{exact: 'https://a.example.com'}}]}}, {ROUTE}}}"));
    assert_eq!(
        mesh.route(&Request::http("r").header("origin", "https://b.example.com")).rule().unwrap().name,
        Some("cors")
    );
}
