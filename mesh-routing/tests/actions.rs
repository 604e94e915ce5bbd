//! routing.md §7: actions on an HTTP rule.
mod common;
use common::{mesh, svc};
use mesh_routing::{DEFAULT_RETRY_ON, Outcome, Request};

fn m(rule: &str) -> mesh_routing::Mesh {
    mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: r, namespace: default}}
spec: {{hosts: [r], http: [{rule}]}}
",
        svc("r", "default", 80),
        svc("m", "default", 80)
    ))
}

#[test]
fn a2_redirect_defaults_to_301_and_replaces_the_path() {
    let mesh = m("{redirect: {uri: /new, authority: b.example.com}}");
    let d = mesh.route(&Request::http("r").path("/old"));
    assert_eq!(d.outcome(), Outcome::Redirect);
    let r = d.redirect().unwrap();
    assert_eq!((r.code, r.uri.as_str(), r.authority.as_str()), (301, "/new", "b.example.com"));
    assert_eq!(r.location(), "http://b.example.com/new");
}

#[test]
fn a2_prefix_rewrite_replaces_the_matched_prefix_and_default_ports_are_omitted() {
    let mesh = m(
        "{match: [{uri: {prefix: /v1}}], redirect: {prefixRewrite: /v2, scheme: https, derivePort: FROM_PROTOCOL_DEFAULT, redirectCode: 308}}",
    );
    let r = mesh.route(&Request::http("r").path("/v1/items")).redirect().unwrap();
    assert_eq!(r.location(), "https://r/v2/items");
    assert_eq!(r.code, 308);
}

#[test]
fn a3_rewrite_uri_replaces_the_matched_prefix() {
    let mesh =
        m("{match: [{uri: {prefix: /ratings}}], rewrite: {uri: /v1/bookRatings}, route: [{destination: {host: r}}]}");
    let rw = mesh.route(&Request::http("r").path("/ratings/5")).rewrite().unwrap();
    assert_eq!(rw.uri.as_deref(), Some("/v1/bookRatings/5"));
}

#[test]
fn a3_uri_regex_rewrite_uses_capture_references() {
    let mesh = m(
        "{rewrite: {uriRegexRewrite: {match: '^/service/([^/]+)(/.*)$', rewrite: '\\2/instance/\\1'}}, route: [{destination: {host: r}}]}",
    );
    let rw = mesh.route(&Request::http("r").path("/service/foo/v1/api")).rewrite().unwrap();
    assert_eq!(rw.uri.as_deref(), Some("/v1/api/instance/foo"));
}

#[test]
fn a3_authority_rewrite() {
    let mesh = m("{rewrite: {authority: other.example.com}, route: [{destination: {host: r}}]}");
    assert_eq!(mesh.route(&Request::http("r")).rewrite().unwrap().authority.as_deref(), Some("other.example.com"));
}

#[test]
fn a4_direct_response_status_and_body() {
    let mesh = m("{directResponse: {status: 503, body: {string: unavailable}}}");
    let d = mesh.route(&Request::http("r"));
    assert_eq!(d.outcome(), Outcome::DirectResponse);
    assert_eq!(d.status(), Some(503));
    assert_eq!(d.direct_response().unwrap().body, Some("unavailable"));
}

#[test]
fn a5_timeout_absent_means_none() {
    assert!(m("{route: [{destination: {host: r}}]}").route(&Request::http("r")).timeout().is_none());
    let mesh = m("{timeout: 250ms, route: [{destination: {host: r}}]}");
    assert_eq!(mesh.route(&Request::http("r")).timeout().unwrap().to_string(), "250ms");
}

#[test]
fn a6_default_retries_are_two_attempts_on_connection_errors() {
    let mesh = m("{route: [{destination: {host: r}}]}");
    let r = mesh.route(&Request::http("r")).retries().unwrap();
    assert_eq!((r.attempts, r.retry_on.as_ref(), r.per_try_timeout), (2, DEFAULT_RETRY_ON, None));
}

#[test]
fn a6_attempts_zero_disables_retries_and_numeric_codes_become_status_codes() {
    let mesh = m("{retries: {attempts: 0}, route: [{destination: {host: r}}]}");
    let off = mesh.route(&Request::http("r")).retries().unwrap();
    assert_eq!(off.attempts, 0);
    let mesh = m(
        "{retries: {attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,503'}, route: [{destination: {host: r}}]}",
    );
    let r = mesh.route(&Request::http("r")).retries().unwrap();
    assert_eq!(r.attempts, 3);
    assert_eq!(r.retriable_status_codes, [503]);
    assert_eq!(r.retry_on, "gateway-error,connect-failure,retriable-status-codes");
    assert_eq!(r.per_try_timeout.unwrap().to_string(), "2s");
    let mesh = m("{retries: {attempts: 4}, route: [{destination: {host: r}}]}");
    let keep = mesh.route(&Request::http("r")).retries().unwrap();
    assert_eq!(keep.retry_on, DEFAULT_RETRY_ON);
}

#[test]
fn a7_fault_without_percentage_injects_nothing_and_the_outcome_stays_route() {
    let mesh = m(
        "{fault: {abort: {httpStatus: 500}, delay: {fixedDelay: 7s, percentage: {value: 100}}}, route: [{destination: {host: r}}]}",
    );
    let d = mesh.route(&Request::http("r"));
    assert_eq!(d.outcome(), Outcome::Route);
    let f = d.fault().unwrap();
    assert_eq!(f.abort.unwrap().2, 0.0);
    assert_eq!(f.delay.unwrap().1, 100.0);
}

#[test]
fn a8_mirror_percentage_absent_means_all_and_hosts_are_qualified() {
    let mesh = m(
        "{mirrors: [{destination: {host: m}}, {destination: {host: m, subset: v2}, percentage: {value: 5}}], route: [{destination: {host: r}}]}",
    );
    let d = mesh.route(&Request::http("r"));
    let mirrors: Vec<_> = d.mirrors().map(|x| (x.host, x.percent)).collect();
    assert_eq!(mirrors, [("m.default.svc.cluster.local", 100.0), ("m.default.svc.cluster.local", 5.0)]);
}

#[test]
fn a9_rule_and_destination_header_operations_combine() {
    let mesh = m(
        "{headers: {request: {set: {x-a: '1'}, remove: [x-b]}}, route: [{destination: {host: r}, headers: {request: {add: {x-c: '2'}}}}]}",
    );
    let d = mesh.route(&Request::http("r"));
    let h = d.request_headers();
    assert_eq!(h.set, [("x-a", "1")]);
    assert_eq!(h.add, [("x-c", "2")]);
    assert_eq!(h.remove, ["x-b"]);
}

#[test]
fn a11_delegate_rules_replace_the_root_rule_with_merged_matches() {
    let mesh = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: root, namespace: default}}
spec: {{hosts: [r], http: [{{name: api, match: [{{uri: {{prefix: /api}}}}], timeout: 3s, delegate: {{name: leaf, namespace: team}}}}, {{route: [{{destination: {{host: r}}}}]}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: leaf, namespace: team}}
spec: {{http: [{{name: v2, match: [{{headers: {{x-v: {{exact: '2'}}}}}}], route: [{{destination: {{host: api, subset: v2}}}}]}}, {{name: rest, route: [{{destination: {{host: api}}}}]}}]}}
",
        svc("r", "default", 80),
        svc("api", "team", 80)
    ));
    let d = mesh.route(&Request::http("r").path("/api/x").header("x-v", "2"));
    assert_eq!(d.rule().unwrap().name, Some("api-v2"));
    assert_eq!(d.destination().unwrap().host, "api.team.svc.cluster.local");
    assert_eq!(d.timeout().unwrap().to_string(), "3s");
    let d = mesh.route(&Request::http("r").path("/other").header("x-v", "2"));
    assert_eq!(d.destination().unwrap().host, "r.default.svc.cluster.local");
    let d = mesh.route(&Request::http("r").path("/api"));
    assert_eq!(d.rule().unwrap().name, Some("api-rest"));
}

#[test]
fn a11_a_missing_delegate_drops_only_that_rule() {
    let mesh = m("{match: [{uri: {prefix: /api}}], delegate: {name: nowhere}}, {route: [{destination: {host: r}}]}");
    assert!(mesh.warnings().iter().any(|w| w.message.contains("default/nowhere")), "{:?}", mesh.warnings());
    assert_eq!(mesh.route(&Request::http("r").path("/api")).outcome(), Outcome::Route);
}

#[test]
fn a11_a_delegate_rule_with_no_compatible_root_match_is_dropped() {
    let mesh = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: root, namespace: default}}
spec: {{hosts: [r], http: [{{match: [{{uri: {{prefix: /api}}}}], delegate: {{name: leaf}}}}, {{name: tail, route: [{{destination: {{host: r}}}}]}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: leaf, namespace: default}}
spec: {{http: [{{name: web, match: [{{uri: {{prefix: /web}}}}], route: [{{destination: {{host: r, subset: web}}}}]}}, {{name: v1, match: [{{uri: {{prefix: /api/v1}}}}], route: [{{destination: {{host: r, subset: v1}}}}]}}]}}
",
        svc("r", "default", 80)
    ));
    assert_eq!(mesh.route(&Request::http("r").path("/api/v1/x")).destination().unwrap().subset, Some("v1"));
    // The `/web` rule conflicts with the root's `/api` prefix and is gone.
    assert_eq!(mesh.route(&Request::http("r").path("/web")).rule().unwrap().name, Some("tail"));
}

#[test]
fn a1_a_rule_with_two_actions_is_rejected_with_its_virtual_service() {
    let mesh = m("{redirect: {uri: /x}, route: [{destination: {host: r}}]}");
    assert!(
        mesh.warnings().iter().any(|w| w.to_string().contains("Istio rejects this object")),
        "{:?}",
        mesh.warnings()
    );
    assert!(mesh.route(&Request::http("r")).virtual_service().is_none());
}
