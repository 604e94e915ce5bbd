//! Traffic graphs of small configs: match conditions and gateway hosts on edges, mirrors,
//! answers the proxy gives itself, and TCP routes.

mod common;

use common::{mesh, svc};
use mesh_routing::graph;

fn config() -> String {
    format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: web, namespace: edge}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['*/shop.example.com']}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: shop, namespace: edge}}
spec:
  hosts: [shop.example.com]
  gateways: [web]
  http:
  - match: [{{uri: {{prefix: /old}}}}]
    redirect: {{uri: /new, redirectCode: 302}}
  - match: [{{uri: {{prefix: /cart}}, headers: {{x-canary: {{exact: \"yes\"}}}}}}]
    route: [{{destination: {{host: cart.shop.svc.cluster.local, subset: v2}}}}]
    mirror: {{host: cart.shop.svc.cluster.local, subset: v3}}
    mirrorPercentage: {{value: 10}}
  - route: [{{destination: {{host: cart.shop.svc.cluster.local, subset: v1}}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: shop}}
spec:
  hosts: [db]
  tcp:
  - match: [{{port: 5432}}]
    route: [{{destination: {{host: db-primary}}, weight: 80}}, {{destination: {{host: db-replica}}, weight: 20}}]
",
        svc("cart", "shop", 80),
        svc("db", "shop", 5432),
    )
}

#[test]
fn gateway_routes_redirects_mirrors_and_tcp_splits_as_dot() {
    assert_eq!(
        graph(&mesh(&config())).to_dot(),
        r#"digraph mesh {
  rankdir=LR;
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  n0 [label="gateway edge/web", shape=hexagon];
  n1 [label="cart.shop", shape=box];
  n2 [label="db.shop", shape=box];
  n3 [label="db-primary.shop", shape=box];
  n4 [label="db-replica.shop", shape=box];
  n5 [label="redirect 302 to /new", shape=note];
  n6 [label="cart.shop v2", shape=ellipse];
  n7 [label="cart.shop v3", shape=ellipse];
  n8 [label="cart.shop v1", shape=ellipse];
  n2 -> n3 [label="port 5432; 80%"];
  n2 -> n4 [label="port 5432; 20%"];
  n0 -> n5 [label="host shop.example.com; uri prefix \"/old\""];
  n0 -> n6 [label="host shop.example.com; uri prefix \"/cart\", header x-canary exact \"yes\"; 100%"];
  n0 -> n7 [label="mirror 10%", style=dashed];
  n0 -> n8 [label="host shop.example.com; 100%"];
}
"#
    );
}

#[test]
fn gateway_routes_redirects_mirrors_and_tcp_splits_as_mermaid() {
    assert_eq!(
        graph(&mesh(&config())).to_mermaid(),
        r#"flowchart LR
  n0{{"gateway edge/web"}}
  n1["cart.shop"]
  n2["db.shop"]
  n3["db-primary.shop"]
  n4["db-replica.shop"]
  n5>"redirect 302 to /new"]
  n6(["cart.shop v2"])
  n7(["cart.shop v3"])
  n8(["cart.shop v1"])
  n2 -->|"port 5432; 80%"| n3
  n2 -->|"port 5432; 20%"| n4
  n0 -->|"host shop.example.com; uri prefix #quot;/old#quot;"| n5
  n0 -->|"host shop.example.com; uri prefix #quot;/cart#quot;, header x-canary exact #quot;yes#quot;; 100%"| n6
  n0 -.->|"mirror 10%"| n7
  n0 -->|"host shop.example.com; 100%"| n8
"#
    );
}

#[test]
fn graph_serializes_nodes_and_edges() {
    let g = graph(&mesh(&svc("cart", "shop", 80)));
    assert_eq!(
        serde_json::to_value(&g).unwrap(),
        serde_json::json!({"nodes": [{"id": "n0", "kind": "service", "label": "cart.shop"}], "edges": []})
    );
}

#[test]
fn an_empty_mesh_draws_an_empty_graph() {
    let g = graph(&mesh(""));
    assert_eq!(g.to_mermaid(), "flowchart LR\n");
    assert!(g.to_dot().ends_with("edge [fontname=\"Helvetica\", fontsize=10];\n}\n"));
}
