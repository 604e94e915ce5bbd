//! SVG drawing of traffic graphs (feature `svg`).
#![cfg(feature = "svg")]

mod common;

use common::{mesh, svc};
use mesh_routing::graph;

#[test]
fn svg_draws_nodes_and_edge_labels() {
    let config = format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: cart, namespace: shop}}
spec:
  hosts: [cart]
  http:
  - route:
    - {{destination: {{host: cart, subset: v1}}, weight: 90}}
    - {{destination: {{host: cart, subset: v2}}, weight: 10}}
",
        svc("cart", "shop", 80)
    );
    let svg = graph(&mesh(&config)).to_svg();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg "), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    for text in ["cart.shop v1", "cart.shop v2", "90%", "10%"] {
        assert!(svg.contains(text), "{text} missing from {svg}");
    }
}

#[test]
fn svg_of_a_host_routed_to_itself_draws_the_node_without_a_loop() {
    let config = format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: cart, namespace: shop}}
spec:
  hosts: [cart]
  http:
  - route: [{{destination: {{host: cart}}}}]
",
        svc("cart", "shop", 80)
    );
    let g = graph(&mesh(&config));
    assert_eq!(g.edges.len(), 1);
    let svg = g.to_svg();
    assert!(svg.contains("cart.shop"), "{svg}");
    assert!(!svg.contains("100%"), "{svg}");
}

#[test]
fn svg_of_an_empty_mesh_is_an_empty_picture() {
    let svg = graph(&mesh("")).to_svg();
    assert!(svg.contains("<svg ") && svg.trim_end().ends_with("</svg>"), "{svg}");
}
