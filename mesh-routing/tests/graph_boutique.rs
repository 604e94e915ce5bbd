//! The Online Boutique traffic graph before (75/25 canary) and after the rollback (100/0),
//! asserted as rendered DOT and Mermaid text.

use std::path::PathBuf;

use mesh_routing::{Mesh, MeshSettings, graph};

fn boutique_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/online-boutique")
}

fn compile(objects: &[mesh_api::Object]) -> Mesh {
    Mesh::compile(objects, &MeshSettings::default())
}

/// Every object of the example, as checked in (75/25).
fn canary_objects() -> Vec<mesh_api::Object> {
    let loaded = mesh_api::load_path(boutique_dir());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.objects().cloned().collect()
}

/// The rollback: the same objects with the canary VirtualService sending everything to v1.
const ROLLBACK: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productcatalogservice
  namespace: istio-app
spec:
  hosts:
  - productcatalogservice
  http:
  - timeout: 5s
    retries:
      attempts: 2
      perTryTimeout: 2s
      retryOn: unavailable,resource-exhausted
    route:
    - destination:
        host: productcatalogservice
        subset: v1
        port:
          number: 3550
      weight: 100
    - destination:
        host: productcatalogservice
        subset: v2
        port:
          number: 3550
      weight: 0
";

fn rollback_objects() -> Vec<mesh_api::Object> {
    let loaded = mesh_api::load_str(ROLLBACK);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let replacement: Vec<_> = loaded.objects().cloned().collect();
    let mut objects: Vec<_> = canary_objects()
        .into_iter()
        .filter(|o| !(o.kind() == "VirtualService" && o.metadata().name.as_deref() == Some("productcatalogservice")))
        .collect();
    objects.extend(replacement);
    objects
}

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
