//! The Online Boutique canary (75/25) against its rollback (100/0): the routing diff and the
//! traffic graphs before and after, asserted as rendered text.

mod common;

use common::boutique::{canary_objects, compile, rollback_objects};
use mesh_routing::diff;

#[test]
fn rollback_moves_the_canary_share_back_to_v1() {
    let changes = diff(&compile(&canary_objects()), &compile(&rollback_objects()));
    assert_eq!(
        changes.to_string(),
        "\
routing changes for 1 host

productcatalogservice.istio-app.svc.cluster.local
  shares productcatalogservice: v1 75% → 100%, v2 25% → 0%
    for http GET productcatalogservice.istio-app.svc.cluster.local:80/ from istio-app
"
    );
    assert_eq!(changes.hosts[0].shares[0].to_string(), "productcatalogservice: v1 75% → 100%, v2 25% → 0%");
}

#[test]
fn canary_again_moves_the_share_forward() {
    let changes = diff(&compile(&rollback_objects()), &compile(&canary_objects()));
    assert_eq!(changes.hosts[0].shares[0].to_string(), "productcatalogservice: v1 100% → 75%, v2 0% → 25%");
}

#[test]
fn rollback_diff_serializes_as_json() {
    let changes = diff(&compile(&canary_objects()), &compile(&rollback_objects()));
    let json = serde_json::to_value(&changes).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"hosts": [{
            "host": "productcatalogservice.istio-app.svc.cluster.local",
            "shares": [{
                "moves": [
                    {"host": "productcatalogservice.istio-app.svc.cluster.local", "subset": "v1", "port": 3550,
                     "before": 75.0, "after": 100.0},
                    {"host": "productcatalogservice.istio-app.svc.cluster.local", "subset": "v2", "port": 3550,
                     "before": 25.0, "after": 0.0},
                ],
                "requests": ["http GET productcatalogservice.istio-app.svc.cluster.local:80/ from istio-app"],
            }],
        }]})
    );
}

#[test]
fn the_same_config_has_no_routing_changes() {
    let changes = diff(&compile(&canary_objects()), &compile(&canary_objects()));
    assert!(changes.is_empty());
    assert_eq!(changes.to_string(), "routing unchanged\n");
}

#[test]
fn requests_are_derived_from_the_gateway_the_split_and_the_service_entries() {
    let lines: Vec<String> =
        mesh_routing::representative_requests(&compile(&canary_objects())).iter().map(|s| s.describe()).collect();
    assert_eq!(
        lines,
        [
            "http GET example.com:80/ via gateway istio-app/frontend-gateway",
            "http GET productcatalogservice.istio-app.svc.cluster.local:80/ from istio-app",
            "tls accounts.google.com:443 from istio-app",
        ]
    );
}
