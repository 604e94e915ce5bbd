//! routing.md §8: TCP and TLS routes at sidecars.
mod common;
use common::mesh;
use mesh_routing::{Outcome, Request, RuleKind};

const SERVICES: &str = "apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {clusterIP: 10.0.0.7, ports: [{name: tcp-pg, port: 5432}, {name: http-admin, port: 8080}], selector: {app: db}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: data}
spec: {hosts: ['*.bank.example'], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE, location: MESH_EXTERNAL}
";

#[test]
fn l1_a_tcp_port_uses_tcp_rules_even_for_an_http_request() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: data}}
spec: {{hosts: [db], tcp: [{{route: [{{destination: {{host: db, subset: primary}}}}]}}]}}
"
    ));
    let d = m.route(&Request::http("db.data").port(5432));
    assert_eq!(d.rule().unwrap().kind, RuleKind::Tcp);
}

#[test]
fn l2_tcp_predicates_are_anded_and_no_rule_means_the_default_route() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: data}}
spec: {{hosts: [db], tcp: [{{match: [{{port: 5432, sourceNamespace: app}}], route: [{{destination: {{host: db, subset: primary}}}}]}}]}}
"
    ));
    let app = m.route(&Request::tcp("10.0.0.7", 5432).source_namespace("app"));
    assert_eq!(app.destination().unwrap().subset, Some("primary"));
    let other = m.route(&Request::tcp("10.0.0.7", 5432).source_namespace("web"));
    assert_eq!(other.outcome(), Outcome::Route);
    assert!(other.rule().is_none());
    assert_eq!(other.destination().unwrap().cluster(), "outbound|5432||db.data.svc.cluster.local");
}

#[test]
fn l2_destination_subnets_match_the_dialled_address() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: data}}
spec: {{hosts: [db], tcp: [{{match: [{{destinationSubnets: [10.0.0.0/24]}}], route: [{{destination: {{host: db, subset: near}}}}]}}]}}
"
    ));
    assert_eq!(m.route(&Request::tcp("10.0.0.7", 5432)).destination().unwrap().subset, Some("near"));
    assert!(m.route(&Request::tcp("db.data", 5432)).rule().is_none());
}

#[test]
fn l4_tls_rules_match_sni_with_wildcards() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: bank, namespace: data}}
spec: {{hosts: ['*.bank.example'], tls: [{{match: [{{sniHosts: [api.bank.example]}}], route: [{{destination: {{host: api.bank.example}}}}]}}]}}
"
    ));
    let d = m.route(&Request::tls("api.bank.example", 443));
    assert_eq!(d.rule().unwrap().kind, RuleKind::Tls);
    // No tls rule for this name: passed through to the ServiceEntry host.
    let other = m.route(&Request::tls("www.bank.example", 443));
    assert!(other.rule().is_none());
    assert_eq!(other.outcome(), Outcome::Route);
}

#[test]
fn l1_unnamed_mysql_port_defaults_to_tcp() {
    let m = mesh(
        "apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: data}
spec: {ports: [{port: 3306}], selector: {app: mysql}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mysql, namespace: data}
spec: {hosts: [mysql], tcp: [{route: [{destination: {host: mysql, subset: primary}}]}]}
",
    );
    let d = m.route(&Request::http("mysql.data").port(3306));
    assert_eq!(d.rule().unwrap().kind, RuleKind::Tcp);
}

#[test]
fn l5_a_tcp_rule_without_route_is_rejected_with_its_virtual_service() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: data}}
spec: {{hosts: [db], tcp: [{{match: [{{port: 5432}}]}}]}}
"
    ));
    assert!(m.warnings().iter().any(|w| w.object == "VirtualService data/db"), "{:?}", m.warnings());
    assert!(m.route(&Request::tcp("10.0.0.7", 5432)).virtual_service().is_none());
}

#[test]
fn l3_gateway_tcp_rules_ignore_source_predicates() {
    let m = mesh(&format!(
        "{SERVICES}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: data}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 9000, name: tcp, protocol: TCP}}, hosts: ['*']}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db-in, namespace: data}}
spec:
  hosts: ['*']
  gateways: [gw]
  tcp:
  - match: [{{port: 9000, sourceNamespace: nowhere}}]
    route: [{{destination: {{host: db, subset: primary, port: {{number: 5432}}}}}}]
"
    ));
    // At a gateway only port and gateways are evaluated: the sourceNamespace that names no
    // caller does not stop the rule (a sidecar would skip it).
    let d = m.route(&Request::tcp("db.example.com", 9000).gateway("data/gw"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.rule().unwrap().kind, RuleKind::Tcp);
    assert_eq!(d.destination().unwrap().subset, Some("primary"));
}
