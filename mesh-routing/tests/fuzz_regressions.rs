//! Inputs the fuzz targets (`fuzz/`) found failing, kept so the fixes stay.

mod common;

use mesh_routing::Request;

/// Found by routing_decision: a Service's endpoints were listed in the order the pods were
/// given, so compiling the same objects in another order changed the decision's endpoints.
#[test]
fn endpoints_do_not_depend_on_the_order_pods_are_given() {
    let service = common::svc("reviews", "default", 80);
    let pods: Vec<String> = (0..3).map(|i| common::pod(&format!("pod-{i}"), "default", "reviews", "v1")).collect();
    let forward = common::mesh(&format!("{service}{}", pods.concat()));
    let backward = common::mesh(&format!("{}{service}", pods.iter().rev().cloned().collect::<String>()));
    let request = Request::http("reviews").port(80);
    let (a, b) = (forward.route(&request), backward.route(&request));
    assert_eq!(a.endpoints(), ["pod-0", "pod-1", "pod-2"]);
    assert_eq!(a.view(), b.view());
}
