//! routing.md §4: gateways references and Gateway servers.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

const GW: &str = "---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*.example.com']}
  - {port: {number: 8443, name: tls, protocol: TLS}, hosts: ['*.example.com'], tls: {mode: PASSTHROUGH}}
  - {port: {number: 9000, name: tcp, protocol: TCP}, hosts: ['*']}
";

fn vs(name: &str, hosts: &str, gateways: &str, body: &str) -> String {
    format!(
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: shop}}
spec: {{hosts: [{hosts}], gateways: [{gateways}], {body}}}
"
    )
}

#[test]
fn g1_short_gateway_names_resolve_to_the_virtual_services_namespace() {
    // `./gw` resolves the same way (unit test in compile), but Istio's validation refuses a
    // namespace part that is not a DNS label, so such a VirtualService never gets that far.
    for reference in ["gw", "shop/gw"] {
        let m = mesh(&format!(
            "{GW}{}{}",
            svc("web", "shop", 80),
            vs("web", "a.example.com", reference, "http: [{route: [{destination: {host: web}}]}]")
        ));
        assert_eq!(
            m.route(&Request::http("a.example.com").gateway("shop/gw")).outcome(),
            Outcome::Route,
            "{reference}"
        );
    }
}

#[test]
fn g2_per_match_gateways_only_narrow_the_top_level_list() {
    let m = mesh(&format!(
        "{GW}{}{}",
        svc("web", "shop", 80),
        vs(
            "web",
            "a.example.com",
            "gw",
            "http: [{match: [{gateways: [mesh]}], route: [{destination: {host: web, subset: never}}]}, {route: [{destination: {host: web}}]}]"
        )
    ));
    let d = m.route(&Request::http("a.example.com").gateway("shop/gw"));
    assert_eq!(d.rule().unwrap().index, 1);
    // And the sidecar never sees the VS at all, since `mesh` is not in the top-level list.
    assert!(m.route(&Request::http("web").source_namespace("shop")).virtual_service().is_none());
}

#[test]
fn g3_a_gateways_selector_finds_pods_in_any_namespace() {
    let m = mesh(&format!(
        "{GW}{}{}---
apiVersion: v1
kind: Pod
metadata: {{name: ingress-1, namespace: edge, labels: {{istio: ingressgateway, app: istio-ingressgateway}}}}
",
        svc("web", "shop", 80),
        // Exported only to `edge`, where the selected pod runs.
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec: {hosts: [a.example.com], gateways: [gw], exportTo: [edge], http: [{route: [{destination: {host: web}}]}]}
"
    ));
    assert_eq!(m.route(&Request::http("a.example.com").gateway("shop/gw")).outcome(), Outcome::Route);
}

#[test]
fn g4_a_port_without_server_is_refused() {
    let m = mesh(GW);
    assert_eq!(m.route(&Request::http("a.example.com").port(81).gateway("shop/gw")).outcome(), Outcome::Refused);
    assert_eq!(m.route(&Request::http("a.example.com").gateway("shop/missing")).outcome(), Outcome::Refused);
}

#[test]
fn g4_plain_http_servers_of_every_gateway_on_the_pods_share_one_port() {
    let m = mesh(&format!(
        "{GW}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: other, namespace: web}}
spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['other.io']}}]}}
{}{}",
        svc("o", "web", 80),
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: o, namespace: web}
spec: {hosts: [other.io], gateways: [other], http: [{route: [{destination: {host: o}}]}]}
"
    ));
    // Enters through shop/gw's pods, served by web/other's server on the same port.
    let d = m.route(&Request::http("other.io").gateway("shop/gw"));
    assert_eq!(d.virtual_service().unwrap().to_string(), "web/o");
}

#[test]
fn g5_server_host_namespace_limits_which_virtual_services_bind() {
    let m = mesh(&format!(
        "---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: shop}}
spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['web/*.example.com']}}]}}
{}",
        vs("shopvs", "a.example.com", "gw", "http: [{route: [{destination: {host: web}}]}]")
    ));
    assert_eq!(m.route(&Request::http("a.example.com").gateway("shop/gw")).outcome(), Outcome::NotFound);
}

#[test]
fn g5_virtual_host_is_the_intersection_of_vs_and_server_hosts() {
    let m = mesh(&format!("{GW}{}", vs("any", "'*'", "gw", "http: [{route: [{destination: {host: web}}]}]")));
    assert_eq!(m.route(&Request::http("b.example.com").gateway("shop/gw")).outcome(), Outcome::Route);
    assert_eq!(m.route(&Request::http("example.org").gateway("shop/gw")).outcome(), Outcome::NotFound);
}

#[test]
fn g6_https_redirect_answers_every_host_of_the_server() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], tls: {httpsRedirect: true}}]}
",
    );
    let d = m.route(&Request::http("a.example.com").gateway("shop/gw").path("/x"));
    assert_eq!(d.outcome(), Outcome::Redirect);
    assert_eq!(d.redirect().unwrap().location(), "https://a.example.com/x");
    assert_eq!(d.status(), Some(301));
}

#[test]
fn l1_l3_gateway_tcp_and_tls_passthrough_servers_use_tcp_and_tls_rules() {
    let m = mesh(&format!(
        "{GW}{}{}",
        vs(
            "tls",
            "a.example.com",
            "gw",
            "tls: [{match: [{sniHosts: [a.example.com]}], route: [{destination: {host: a-backend}}]}]"
        ),
        vs(
            "tcp",
            "'*'",
            "gw",
            "tcp: [{match: [{port: 9000}], route: [{destination: {host: db, port: {number: 5432}}}]}]"
        )
    ));
    let d = m.route(&Request::tls("a.example.com", 8443).gateway("shop/gw"));
    assert_eq!(d.virtual_service().unwrap().name, "tls");
    let d = m.route(&Request::tcp("1.2.3.4", 9000).gateway("shop/gw"));
    assert_eq!(d.virtual_service().unwrap().name, "tcp");
    assert_eq!(d.destination().unwrap().port, 5432);
}

#[test]
fn h8_an_exact_domain_beats_a_wildcard_domain_at_a_gateway() {
    let m = mesh(&format!(
        "{GW}{}{}",
        vs("wild", "'*.example.com'", "gw", "http: [{route: [{destination: {host: wild}}]}]"),
        vs("exact", "a.example.com", "gw", "http: [{route: [{destination: {host: exact}}]}]")
    ));
    assert_eq!(m.route(&Request::http("a.example.com").gateway("shop/gw")).virtual_service().unwrap().name, "exact");
    assert_eq!(m.route(&Request::http("b.example.com").gateway("shop/gw")).virtual_service().unwrap().name, "wild");
}

#[test]
fn g4_each_https_server_has_its_own_table_chosen_by_sni() {
    let m = mesh(&format!(
        "---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: shop}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - {{port: {{number: 443, name: https-any, protocol: HTTPS}}, hosts: ['*.example.com'], tls: {{mode: SIMPLE, credentialName: any}}}}
  - {{port: {{number: 443, name: https-api, protocol: HTTPS}}, hosts: [api.example.com], tls: {{mode: SIMPLE, credentialName: api}}}}
{}{}",
        vs("web", "'*.example.com'", "gw", "http: [{route: [{destination: {host: web}}]}]"),
        vs("api", "api.example.com", "gw", "http: [{route: [{destination: {host: api}}]}]")
    ));
    let d = m.route(&Request::https("api.example.com").gateway("shop/gw"));
    assert_eq!(d.virtual_service().unwrap().name, "api");
    let d = m.route(&Request::https("www.example.com").gateway("shop/gw"));
    assert_eq!(d.virtual_service().unwrap().name, "web");
}

#[test]
fn g7_gateway_destinations_resolve_in_the_virtual_services_namespace() {
    let m = mesh(&format!(
        "{GW}{}{}{}",
        svc("web", "shop", 8080),
        svc("web", "other", 9090),
        vs("web", "a.example.com", "gw", "http: [{route: [{destination: {host: web}}]}]")
    ));
    let d = m.route(&Request::http("a.example.com").gateway("shop/gw"));
    let dest = d.destination().unwrap();
    // D3 at a gateway: the single port of the service in the VS's namespace.
    assert_eq!((dest.host, dest.port), ("web.shop.svc.cluster.local", 8080));
    assert!(d.warnings().is_empty(), "{:?}", d.warnings());
}
