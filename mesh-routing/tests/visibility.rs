//! routing.md §2: exportTo and Sidecar visibility.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

fn vs(name: &str, ns: &str, host: &str, export: &str, to: &str, extra: &str) -> String {
    format!(
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}{extra}}}
spec: {{hosts: [{host}], exportTo: [{export}], http: [{{route: [{{destination: {{host: {to}}}}}]}}]}}
"
    )
}

#[test]
fn v1_export_to_dot_hides_a_virtual_service_from_other_namespaces() {
    let m = mesh(&format!("{}{}", svc("cart", "shop", 80), vs("cart", "shop", "cart", "'.'", "cart-v2", "")));
    let own = m.route(&Request::http("cart").source_namespace("shop"));
    assert_eq!(own.virtual_service().unwrap().name, "cart");
    let other = m.route(&Request::http("cart.shop.svc.cluster.local").source_namespace("web"));
    assert!(other.virtual_service().is_none());
    assert!(other.explain().to_string().contains("not exported to namespace web"));
}

#[test]
fn v1_service_export_to_annotation_hides_the_service() {
    let m = mesh(
        "apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop, annotations: {networking.istio.io/exportTo: '.'}}
spec: {ports: [{name: tcp, port: 5432}]}
",
    );
    assert_eq!(
        m.route(&Request::tcp("db.shop.svc.cluster.local", 5432).source_namespace("shop")).outcome(),
        Outcome::Route
    );
    assert_eq!(
        m.route(&Request::tcp("db.shop.svc.cluster.local", 5432).source_namespace("web")).outcome(),
        Outcome::Passthrough
    );
}

#[test]
fn v2_gateway_visibility_uses_the_gateway_pods_namespace() {
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: ingress, namespace: istio-system}}
spec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['*/*']}}]}}
",
        svc("web", "shop", 80),
        "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec: {hosts: [web.example.com], gateways: [istio-system/ingress], exportTo: ['.'], http: [{route: [{destination: {host: web}}]}]}
"
    ));
    let d = m.route(&Request::http("web.example.com").gateway("istio-system/ingress"));
    assert_eq!(d.outcome(), Outcome::NotFound);
}

#[test]
fn v3_own_namespace_explicit_export_beats_an_older_public_one() {
    let m = mesh(&format!(
        "{}{}{}",
        svc("cart", "shop", 80),
        vs("a-public", "shop", "cart", "'*'", "public", ""),
        vs("b-local", "web", "cart.shop.svc.cluster.local", "'.'", "local", "")
    ));
    let d = m.route(&Request::http("cart.shop.svc.cluster.local").source_namespace("web"));
    assert_eq!(d.virtual_service().unwrap().name, "b-local");
}

#[test]
fn v4_sidecar_with_selector_beats_namespace_default_and_root() {
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: istio-system}}
spec: {{egress: [{{hosts: ['./*']}}]}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: narrow, namespace: web}}
spec: {{workloadSelector: {{labels: {{app: ui}}}}, egress: [{{hosts: ['shop/*']}}]}}
",
        svc("cart", "shop", 80),
        svc("ui", "web", 80)
    ));
    let ui = Request::http("cart.shop.svc.cluster.local").source_namespace("web").source_label("app", "ui");
    assert_eq!(m.route(&ui).outcome(), Outcome::Route);
    // Other workloads in `web` fall back to the root Sidecar, which imports only their namespace.
    let other = Request::http("cart.shop.svc.cluster.local").source_namespace("web");
    assert_eq!(m.route(&other).outcome(), Outcome::Passthrough);
}

#[test]
fn v5_sidecar_egress_limits_imports_and_exclusions_subtract() {
    let m = mesh(&format!(
        "{}{}{}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: shop}}
spec: {{egress: [{{hosts: ['./*', 'istio-system/*', '*/*.payments.svc.cluster.local', '~payments/secret.payments.svc.cluster.local']}}]}}
",
        svc("cart", "shop", 80),
        svc("ui", "web", 80),
        svc("secret", "payments", 80)
    ));
    let route = |host: &str| m.route(&Request::http(host).source_namespace("shop")).outcome();
    assert_eq!(route("cart"), Outcome::Route);
    assert_eq!(route("ui.web.svc.cluster.local"), Outcome::Passthrough);
    assert_eq!(route("secret.payments.svc.cluster.local"), Outcome::Passthrough);
}

#[test]
fn v7_host_not_imported_follows_the_outbound_policy() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: shop}}
spec: {{egress: [{{hosts: ['./*']}}], outboundTrafficPolicy: {{mode: REGISTRY_ONLY}}}}
",
        svc("ui", "web", 80)
    ));
    let d = m.route(&Request::http("ui.web.svc.cluster.local").source_namespace("shop"));
    assert_eq!(d.outcome(), Outcome::Blocked);
    assert_eq!(d.status(), Some(502));
}

#[test]
fn v8_same_hostname_prefers_a_kubernetes_service_over_a_service_entry() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: dup, namespace: other}}
spec: {{hosts: [cart.shop.svc.cluster.local], ports: [{{number: 80, name: http, protocol: HTTP}}], resolution: DNS, location: MESH_INTERNAL}}
",
        svc("cart", "shop", 80)
    ));
    let d = m.route(&Request::http("cart.shop.svc.cluster.local").source_namespace("web"));
    assert_eq!(d.outcome(), Outcome::Route);
}

#[test]
fn v6_once_attached_every_host_of_a_virtual_service_gets_routes() {
    // Istio issue 37087: the Sidecar imports only `a`, yet the VS also routes `b` (port 80).
    let m = mesh(&format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: shop}}
spec: {{egress: [{{hosts: ['./*']}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: both, namespace: shop}}
spec: {{hosts: [a, b.other.svc.cluster.local], http: [{{route: [{{destination: {{host: a}}}}]}}]}}
",
        svc("a", "shop", 80),
        svc("b", "other", 80)
    ));
    let d = m.route(&Request::http("b.other.svc.cluster.local").source_namespace("shop"));
    assert_eq!(d.virtual_service().unwrap().name, "both");
}
