//! routing.md §10: ServiceEntry and the outbound traffic policy.
mod common;
use common::{mesh, mesh_with, svc};
use mesh_routing::{MeshSettings, OutboundTrafficPolicy, Outcome, Request};

#[test]
fn e1_a_service_entry_makes_its_hosts_known() {
    let yaml = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: google, namespace: shop}
spec: {hosts: [accounts.google.com, '*.googleapis.com'], ports: [{number: 443, name: https, protocol: HTTPS}], resolution: NONE, location: MESH_EXTERNAL}
";
    let m = mesh_with(yaml, &MeshSettings::default().outbound_traffic_policy(OutboundTrafficPolicy::RegistryOnly));
    assert_eq!(m.route(&Request::tls("storage.googleapis.com", 443)).outcome(), Outcome::Route);
    assert_eq!(m.route(&Request::tls("accounts.google.com", 443)).outcome(), Outcome::Route);
    assert_eq!(m.route(&Request::tls("googleapis.com", 443)).outcome(), Outcome::Blocked);
}

#[test]
fn e2_a_service_entry_for_a_kubernetes_service_only_decorates_it() {
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: extra, namespace: shop}}
spec: {{hosts: [cart.shop.svc.cluster.local], ports: [{{number: 80, name: http, protocol: HTTP}}], resolution: DNS, location: MESH_INTERNAL}}
",
        svc("cart", "shop", 80),
        common::pod("cart-1", "shop", "cart", "v1")
    ));
    assert_eq!(m.route(&Request::http("cart").source_namespace("shop")).endpoints(), ["cart-1"]);
}

#[test]
fn e3_unknown_hosts_pass_through_with_allow_any_and_are_blocked_with_registry_only() {
    let allow = mesh("");
    let d = allow.route(&Request::http("example.com"));
    assert_eq!(d.outcome(), Outcome::Passthrough);
    assert!(d.status().is_none());
    let strict = mesh_with("", &MeshSettings::default().outbound_traffic_policy(OutboundTrafficPolicy::RegistryOnly));
    assert_eq!(strict.route(&Request::http("example.com")).status(), Some(502));
    let tcp = strict.route(&Request::tcp("1.2.3.4", 5432));
    assert_eq!(tcp.outcome(), Outcome::Blocked);
    assert!(tcp.status().is_none());
}

#[test]
fn e3_a_sidecar_outbound_policy_overrides_the_mesh_and_defaults_to_registry_only() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec: {egress: [{hosts: ['*/*']}], outboundTrafficPolicy: {}}
",
    );
    assert_eq!(m.route(&Request::http("example.com").source_namespace("shop")).outcome(), Outcome::Blocked);
    assert_eq!(m.route(&Request::http("example.com").source_namespace("web")).outcome(), Outcome::Passthrough);
}

#[test]
fn e4_external_name_services_are_aliases_of_the_concrete_service() {
    let m = mesh(&format!(
        "{}---
apiVersion: v1
kind: Service
metadata: {{name: alias, namespace: shop}}
spec: {{type: ExternalName, externalName: cart.shop.svc.cluster.local}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: cart, namespace: shop}}
spec: {{hosts: [cart], http: [{{route: [{{destination: {{host: cart, subset: v1}}}}]}}]}}
",
        svc("cart", "shop", 80)
    ));
    let d = m.route(&Request::http("alias").source_namespace("shop"));
    assert_eq!(d.virtual_service().unwrap().name, "cart");
}

#[test]
fn e5_two_services_claiming_one_address_the_older_wins() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: newer, namespace: a, creationTimestamp: '2024-01-01T00:00:00Z'}
spec: {hosts: [new.internal], addresses: [240.0.0.1], ports: [{number: 9000, name: tcp, protocol: TCP}], resolution: STATIC, location: MESH_INTERNAL, endpoints: [{address: 10.1.1.1}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: older, namespace: b, creationTimestamp: '2020-01-01T00:00:00Z'}
spec: {hosts: [old.internal], addresses: [240.0.0.1], ports: [{number: 9000, name: tcp, protocol: TCP}], resolution: STATIC, location: MESH_INTERNAL, endpoints: [{address: 10.1.1.2}]}
",
    );
    assert_eq!(m.route(&Request::tcp("240.0.0.1", 9000)).destination().unwrap().host, "old.internal");
}

#[test]
fn e3_a_sidecar_egress_proxy_receives_unknown_traffic_under_allow_any() {
    let m = mesh(
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ['*/*']}]
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: egress.istio-system.svc.cluster.local, port: {number: 80}}}
",
    );
    let d = m.route(&Request::http("example.com").source_namespace("shop"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.destination().unwrap().host, "egress.istio-system.svc.cluster.local");
}
