//! `Mesh::warnings`: what compiling could not use, while the valid rest still routes.
mod common;
use common::{mesh, svc};
use mesh_routing::{Outcome, Request};

#[test]
fn references_to_nothing_are_warnings_and_the_rest_still_routes() {
    let m = mesh(&format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: cart, namespace: shop}}
spec:
  hosts: [cart]
  gateways: [mesh, missing-gw]
  http:
  - route: [{{destination: {{host: cart, subset: v9}}, weight: 50}}, {{destination: {{host: nowhere}}, weight: 50}}]
",
        svc("cart", "shop", 80)
    ));
    let text: Vec<String> = m.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "VirtualService shop/cart: spec.gateways[1]: Gateway shop/missing-gw does not exist; the VirtualService is not served there",
            "VirtualService shop/cart: spec.http[0].route[0].destination.subset: no DestinationRule defines subset v9 of cart.shop.svc.cluster.local; requests to it would get a 503",
            "VirtualService shop/cart: spec.http[0].route[1].destination.host: nowhere.shop.svc.cluster.local is not a known service; requests to it would get a 503",
        ]
    );
    let d = m.route(&Request::http("cart").source_namespace("shop"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.destinations().count(), 2);
}
