//! routing.md §1: host names.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

#[test]
fn h1_short_names_are_qualified_from_the_objects_namespace() {
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: cart, namespace: shop}}
spec: {{hosts: [cart], http: [{{route: [{{destination: {{host: cart}}}}]}}]}}
",
        svc("cart", "shop", 80),
        svc("cart", "web", 80)
    ));
    // A caller in `web` asking for the shop's cart by its FQDN gets the shop's VS.
    let d = m.route(&Request::http("cart.shop.svc.cluster.local").source_namespace("web"));
    assert_eq!(d.virtual_service().unwrap().to_string(), "shop/cart");
    assert_eq!(d.destination().unwrap().host, "cart.shop.svc.cluster.local");
    // The caller's own `cart` is a different service with no VS.
    let d = m.route(&Request::http("cart").source_namespace("web"));
    assert!(d.virtual_service().is_none());
    assert_eq!(d.destination().unwrap().host, "cart.web.svc.cluster.local");
}

#[test]
fn h2_dotted_names_are_taken_literally() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: r, namespace: shop}}
spec: {{hosts: [reviews], http: [{{route: [{{destination: {{host: reviews.default}}}}]}}]}}
",
        svc("reviews", "shop", 80)
    ));
    let d = m.route(&Request::http("reviews").source_namespace("shop"));
    assert_eq!(d.destination().unwrap().host, "reviews.default");
    assert!(d.warnings().iter().any(|w| w.contains("no registry")), "{:?}", d.warnings());
}

#[test]
fn h3_service_entry_hosts_are_never_expanded() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: shop}
spec: {hosts: [api], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS, location: MESH_EXTERNAL, endpoints: [{address: 1.2.3.4}]}
",
    );
    assert_eq!(m.route(&Request::http("api").source_namespace("shop")).outcome(), Outcome::Route);
    assert_eq!(
        m.route(&Request::http("api.shop.svc.cluster.local").source_namespace("shop")).outcome(),
        Outcome::Passthrough
    );
}

#[test]
fn h4_wildcard_does_not_match_bare_domain() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wild, namespace: default}
spec: {hosts: ['*.example.com'], http: [{route: [{destination: {host: backend.example.com}}]}]}
",
    );
    assert_eq!(m.route(&Request::http("a.b.example.com")).virtual_service().unwrap().name, "wild");
    let bare = m.route(&Request::http("example.com"));
    assert!(bare.virtual_service().is_none());
    assert_eq!(bare.outcome(), Outcome::Passthrough);
}

#[test]
fn h5_most_specific_host_wins() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a-broad, namespace: default}
spec: {hosts: ['*.example.com'], http: [{route: [{destination: {host: broad.example.com}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b-narrow, namespace: default}
spec: {hosts: ['*.a.example.com'], http: [{route: [{destination: {host: narrow.example.com}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: c-exact, namespace: default}
spec: {hosts: [x.a.example.com], http: [{route: [{destination: {host: exact.example.com}}]}]}
",
    );
    assert_eq!(m.route(&Request::http("x.a.example.com")).virtual_service().unwrap().name, "c-exact");
    assert_eq!(m.route(&Request::http("y.a.example.com")).virtual_service().unwrap().name, "b-narrow");
    assert_eq!(m.route(&Request::http("y.example.com")).virtual_service().unwrap().name, "a-broad");
}

#[test]
fn h6_short_forms_reach_a_service_from_the_right_namespaces() {
    let m = mesh(&svc("reviews", "default", 9080));
    let route = |host: &str, ns: &str| m.route(&Request::http(host).port(9080).source_namespace(ns)).outcome();
    assert_eq!(route("reviews", "default"), Outcome::Route);
    assert_eq!(route("reviews.default", "default"), Outcome::Route);
    assert_eq!(route("reviews.default.svc", "other"), Outcome::Route);
    assert_eq!(route("Reviews.Default:9080", "other"), Outcome::Route);
    // The bare name from another namespace is not this service.
    assert_eq!(route("reviews", "other"), Outcome::Passthrough);
}

#[test]
fn h7_gateways_match_only_the_literal_host() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: shop}}
spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['*']}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: frontend, namespace: shop}}
spec: {{hosts: [frontend], gateways: [gw], http: [{{route: [{{destination: {{host: frontend}}}}]}}]}}
",
        svc("frontend", "shop", 80)
    ));
    let fqdn = m.route(&Request::http("frontend.shop.svc.cluster.local").gateway("shop/gw"));
    assert_eq!(fqdn.outcome(), Outcome::Route);
    assert_eq!(m.route(&Request::http("frontend").gateway("shop/gw")).outcome(), Outcome::NotFound);
}

#[test]
fn h6_the_cluster_ip_with_or_without_port_reaches_the_service() {
    let m = mesh(
        "apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 10.96.0.12, ports: [{name: http, port: 9080}], selector: {app: reviews}}
",
    );
    for host in ["10.96.0.12", "10.96.0.12:9080"] {
        let d = m.route(&Request::http(host).port(9080).source_namespace("web"));
        assert_eq!(d.destination().unwrap().host, "reviews.default.svc.cluster.local", "{host}");
    }
}
