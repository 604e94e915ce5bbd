//! Routing diffs on small configs: rules added and removed, outcomes that change, splits that
//! move, and the requests derived from each kind of match.

mod common;

use common::{mesh, svc};
use mesh_routing::{diff, representative_requests};

const DR: &str = "---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
";

fn reviews(http: &str) -> String {
    format!(
        "{}{DR}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: reviews, namespace: shop}}
spec:
  hosts: [reviews]
  http:
{http}",
        svc("reviews", "shop", 9080)
    )
}

const V1: &str = "  - route: [{destination: {host: reviews, subset: v1}}]\n";
const JASON_V2: &str =
    "  - match: [{headers: {end-user: {exact: jason}}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n";

const API_ONLY: &str = "  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: reviews, subset: v1}}]\n";
const REDIRECT_AND_SPLIT: &str = "  - match: [{uri: {regex: '/r/[0-9]+'}, queryParams: {debug: {exact: '1'}}, method: {exact: POST}, \
     sourceLabels: {app: web}}]
    redirect: {uri: /new}
  - route: [{destination: {host: reviews, subset: v1}, weight: 50}, {destination: {host: reviews, subset: v2}, weight: 50}]
";

#[test]
fn a_header_rule_added_reroutes_its_request_and_is_listed() {
    let changes = diff(&mesh(&reviews(V1)), &mesh(&reviews(&format!("{JASON_V2}{V1}"))));
    assert_eq!(
        changes.to_string(),
        r#"routing changes for 1 host

reviews.shop.svc.cluster.local
  request http GET reviews.shop.svc.cluster.local:9080/ end-user="jason" from shop
    before route → reviews.shop:9080 v1 100%
    after  route → reviews.shop:9080 v2 100%
  + rule VirtualService shop/reviews http[0]: header end-user exact "jason" → route reviews.shop v2 100%
"#
    );
}

#[test]
fn a_rule_removed_is_listed_and_its_request_falls_through() {
    let changes = diff(&mesh(&reviews(&format!("{JASON_V2}{V1}"))), &mesh(&reviews(V1)));
    assert_eq!(
        changes.to_string(),
        r#"routing changes for 1 host

reviews.shop.svc.cluster.local
  request http GET reviews.shop.svc.cluster.local:9080/ end-user="jason" from shop
    before route → reviews.shop:9080 v2 100%
    after  route → reviews.shop:9080 v1 100%
  - rule VirtualService shop/reviews http[0]: header end-user exact "jason" → route reviews.shop v2 100%
"#
    );
}

#[test]
fn losing_the_catch_all_turns_the_default_request_into_not_found() {
    let changes = diff(&mesh(&reviews(V1)), &mesh(&reviews(API_ONLY)));
    assert_eq!(
        changes.to_string(),
        r#"routing changes for 1 host

reviews.shop.svc.cluster.local
  request http GET reviews.shop.svc.cluster.local:9080/ from shop
    before route → reviews.shop:9080 v1 100%
    after  notFound (404)
  + rule VirtualService shop/reviews http[0]: uri prefix "/api" → route reviews.shop v1 100%
  - rule VirtualService shop/reviews http[0]: any request → route reviews.shop v1 100%
"#
    );
}

#[test]
fn a_split_and_a_redirect_show_as_share_move_and_outcome_change() {
    let changes = diff(&mesh(&reviews(V1)), &mesh(&reviews(REDIRECT_AND_SPLIT)));
    assert_eq!(
        changes.to_string(),
        r#"routing changes for 1 host

reviews.shop.svc.cluster.local
  shares reviews: v1 100% → 50%, v2 0% → 50%
    for http GET reviews.shop.svc.cluster.local:9080/ from shop
  request http POST reviews.shop.svc.cluster.local:9080/r/0?debug=1 from shop [app=web]
    before route → reviews.shop:9080 v1 100%
    after  redirect (301) http://reviews.shop.svc.cluster.local/new
  + rule VirtualService shop/reviews http[0]: uri regex "/r/[0-9]+", method exact "POST", query debug exact "1", sourceLabels app=web → redirect 301 to /new
"#
    );
}

#[test]
fn rule_order_alone_is_not_a_change_when_requests_route_the_same() {
    let both = "  - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: reviews, subset: v1}}]\n  \
                - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n";
    let swapped = "  - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n  \
                   - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: reviews, subset: v1}}]\n";
    assert!(diff(&mesh(&reviews(both)), &mesh(&reviews(swapped))).is_empty());
}

#[test]
fn json_uses_camel_case_and_leaves_out_empty_lists() {
    let changes = diff(&mesh(&reviews(V1)), &mesh(&reviews(&format!("{JASON_V2}{V1}"))));
    let json = serde_json::to_value(&changes).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"hosts": [{
            "host": "reviews.shop.svc.cluster.local",
            "requests": [{
                "request": "http GET reviews.shop.svc.cluster.local:9080/ end-user=\"jason\" from shop",
                "before": {"outcome": "route", "destinations": [
                    {"host": "reviews.shop.svc.cluster.local", "subset": "v1", "port": 9080, "weight": 100.0}]},
                "after": {"outcome": "route", "destinations": [
                    {"host": "reviews.shop.svc.cluster.local", "subset": "v2", "port": 9080, "weight": 100.0}]},
            }],
            "rulesAdded": [{
                "virtualService": "shop/reviews", "kind": "http", "index": 0,
                "matches": "header end-user exact \"jason\"", "action": "route reviews.shop v2 100%",
            }],
        }]})
    );
}

#[test]
fn requests_follow_uri_regex_query_method_and_source_labels() {
    let lines: Vec<String> =
        representative_requests(&mesh(&reviews(REDIRECT_AND_SPLIT))).iter().map(|s| s.describe()).collect();
    assert_eq!(
        lines,
        [
            "http GET reviews.shop.svc.cluster.local:9080/ from shop",
            "http POST reviews.shop.svc.cluster.local:9080/r/0?debug=1 from shop [app=web]",
        ]
    );
}

#[test]
fn requests_cover_gateways_ports_namespaces_and_l4_rules() {
    let config = format!(
        "{}{}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: web, namespace: edge}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 8080, name: http, protocol: HTTP}}, hosts: ['*/shop.example.com']}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: shop, namespace: edge}}
spec:
  hosts: [shop.example.com]
  gateways: [web, mesh]
  http:
  - match: [{{uri: {{exact: /cart}}, port: 8080, gateways: [web]}}, {{headers: {{x-canary: {{}}}}, sourceNamespace: qa}}]
    route: [{{destination: {{host: cart.shop.svc.cluster.local}}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: shop}}
spec:
  hosts: [db]
  tcp:
  - match: [{{port: 5432}}]
    route: [{{destination: {{host: db}}}}]
",
        svc("cart", "shop", 80),
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\nspec: {ports: [{name: tcp, port: 5432}]}\n"
    );
    let samples = representative_requests(&mesh(&config));
    let lines: Vec<String> = samples.iter().map(|s| format!("{} :: {}", s.host, s.describe())).collect();
    assert_eq!(
        lines,
        [
            // VirtualServices in age order (here: by name); a match entry's `gateways` limits
            // it to those, and sourceNamespace only places sidecar requests.
            "db.shop.svc.cluster.local :: tcp db.shop.svc.cluster.local:5432 from shop",
            "shop.example.com :: http GET shop.example.com:8080/ via gateway edge/web",
            "shop.example.com :: http GET shop.example.com:8080/cart via gateway edge/web",
            "shop.example.com :: http GET shop.example.com:8080/ x-canary=\"x\" via gateway edge/web",
            "shop.example.com :: http GET shop.example.com:80/ from edge",
            "shop.example.com :: http GET shop.example.com:80/ x-canary=\"x\" from qa",
            // Then one plain request per registry service port.
            "cart.shop.svc.cluster.local :: http GET cart.shop.svc.cluster.local:80/ from shop",
        ]
    );
}

const GATEWAY: &str = "---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*.example.com']}]
";

const EDGE_VS: &str = "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: edge}
spec:
  hosts: ['*.example.com']
  gateways: [web]
  http:
  - route: [{destination: {host: reviews.shop.svc.cluster.local, subset: v1}}]
";

#[test]
fn a_new_gateway_route_for_a_wildcard_host_is_reported_under_its_pattern() {
    let base = reviews(V1);
    let changes = diff(&mesh(&base), &mesh(&format!("{base}{GATEWAY}{EDGE_VS}")));
    assert_eq!(
        changes.to_string(),
        "routing changes for 1 host

*.example.com
  request http GET any.example.com:80/ via gateway edge/web
    before refused
    after  route → reviews.shop:9080 v1 100%
  + rule VirtualService edge/shop http[0]: any request → route reviews.shop v1 100%
"
    );
}

#[test]
fn removing_the_gateway_refuses_its_requests_once_each() {
    let base = reviews(V1);
    let changes = diff(&mesh(&format!("{base}{GATEWAY}{EDGE_VS}")), &mesh(&format!("{base}{EDGE_VS}")));
    assert_eq!(
        changes.to_string(),
        "routing changes for 1 host

*.example.com
  request http GET any.example.com:80/ via gateway edge/web
    before route → reviews.shop:9080 v1 100%
    after  refused
"
    );
}

#[test]
fn a_timeout_or_retry_change_is_a_change_of_the_requests_it_covers() {
    let old = "  - route: [{destination: {host: reviews, subset: v1}}]\n    timeout: 5s\n";
    let new = "  - route: [{destination: {host: reviews, subset: v1}}]\n    timeout: 1s\n    \
               retries: {attempts: 3, perTryTimeout: 300ms}\n    \
               mirror: {host: reviews, subset: v2}\n    mirrorPercentage: {value: 5}\n";
    let changes = diff(&mesh(&reviews(old)), &mesh(&reviews(new)));
    assert_eq!(
        changes.to_string(),
        "routing changes for 1 host

reviews.shop.svc.cluster.local
  request http GET reviews.shop.svc.cluster.local:9080/ from shop
    before route → reviews.shop:9080 v1 100% (timeout 5s)
    after  route → reviews.shop:9080 v1 100% (timeout 1s, retries 3 per try 300ms, mirror reviews.shop v2 5%)
"
    );
}
