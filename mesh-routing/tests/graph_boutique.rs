//! The Online Boutique traffic graph before (75/25 canary) and after the rollback (100/0),
//! asserted as rendered DOT and Mermaid text.

mod common;

use common::boutique::{canary_objects, compile, rollback_objects};
use mesh_routing::graph;

#[test]
fn canary_graph_as_dot() {
    assert_eq!(
        graph(&compile(&canary_objects())).to_dot(),
        r#"digraph mesh {
  rankdir=LR;
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  n0 [label="gateway istio-app/frontend-gateway", shape=hexagon];
  n1 [label="accounts.google.com", shape=box];
  n2 [label="*.googleapis.com", shape=box];
  n3 [label="frontend.istio-app", shape=box];
  n4 [label="productcatalogservice.istio-app", shape=box];
  n5 [label="productcatalogservice.istio-app v1", shape=ellipse];
  n6 [label="productcatalogservice.istio-app v2", shape=ellipse];
  n0 -> n3 [label="100%"];
  n4 -> n5 [label="75%"];
  n4 -> n6 [label="25%"];
}
"#
    );
}

#[test]
fn canary_graph_as_mermaid() {
    assert_eq!(
        graph(&compile(&canary_objects())).to_mermaid(),
        r#"flowchart LR
  n0{{"gateway istio-app/frontend-gateway"}}
  n1["accounts.google.com"]
  n2["*.googleapis.com"]
  n3["frontend.istio-app"]
  n4["productcatalogservice.istio-app"]
  n5(["productcatalogservice.istio-app v1"])
  n6(["productcatalogservice.istio-app v2"])
  n0 -->|"100%"| n3
  n4 -->|"75%"| n5
  n4 -->|"25%"| n6
"#
    );
}

#[test]
fn rollback_graph_keeps_v2_as_a_node_without_traffic() {
    let g = graph(&compile(&rollback_objects()));
    assert_eq!(
        g.to_mermaid(),
        r#"flowchart LR
  n0{{"gateway istio-app/frontend-gateway"}}
  n1["accounts.google.com"]
  n2["*.googleapis.com"]
  n3["frontend.istio-app"]
  n4["productcatalogservice.istio-app"]
  n5(["productcatalogservice.istio-app v1"])
  n6(["productcatalogservice.istio-app v2"])
  n0 -->|"100%"| n3
  n4 -->|"100%"| n5
"#
    );
    assert_eq!(
        g.to_dot(),
        r#"digraph mesh {
  rankdir=LR;
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  n0 [label="gateway istio-app/frontend-gateway", shape=hexagon];
  n1 [label="accounts.google.com", shape=box];
  n2 [label="*.googleapis.com", shape=box];
  n3 [label="frontend.istio-app", shape=box];
  n4 [label="productcatalogservice.istio-app", shape=box];
  n5 [label="productcatalogservice.istio-app v1", shape=ellipse];
  n6 [label="productcatalogservice.istio-app v2", shape=ellipse];
  n0 -> n3 [label="100%"];
  n4 -> n5 [label="100%"];
}
"#
    );
}
