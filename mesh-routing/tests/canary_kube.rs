//! The canary's Kubernetes applier against a mocked API server (`tower_test::mock`): the exact
//! requests it sends for a transition, how refusals become errors, and how the cluster's
//! objects are read back. No cluster is needed.
#![cfg(feature = "kube")]

use std::pin::pin;

use http::{Request, Response};
use kube::Client;
use kube::client::Body;
use mesh_api::Object;
use mesh_routing::canary::{
    Applier, BlockingKubeApplier, Canary, CanaryError, KubeApplier, Rollout, Scope, StaticMetrics, Transition,
};
use serde_json::{Value, json};
use tower_test::mock::{self, Handle};

/// One request the mock API server received.
#[derive(Debug)]
struct Exchange {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    content_type: String,
    body: Value,
}

/// What the mock answers to one request.
enum Reply {
    /// 200 with the request's own body, as an apply returns the object.
    Echo,
    /// This status code and JSON body.
    With(u16, Value),
}

fn status(code: u16, reason: &str, message: &str) -> Reply {
    Reply::With(
        code,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message}),
    )
}

/// Answers the scripted replies in order and returns what was asked.
async fn serve(handle: Handle<Request<Body>, Response<Body>>, replies: Vec<Reply>) -> Vec<Exchange> {
    let mut handle = pin!(handle);
    let mut seen = Vec::new();
    for reply in replies {
        let Some((request, send)) = handle.next_request().await else { break };
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.expect("request body");
        let body: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        let query = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let (code, answer) = match reply {
            Reply::Echo => (200, body.clone()),
            Reply::With(code, answer) => (code, answer),
        };
        seen.push(Exchange {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query,
            content_type,
            body,
        });
        let response = Response::builder()
            .status(code)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&answer).expect("JSON")))
            .expect("response");
        send.send_response(response);
    }
    seen
}

/// A client talking to a mock server that answers `replies`, and the server's task.
fn mock_cluster(replies: Vec<Reply>) -> (Client, tokio::task::JoinHandle<Vec<Exchange>>) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(serve(handle, replies));
    (Client::new(service, "default"), server)
}

const CLUSTER: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
"#;

/// The first transition of a 10/50/100 rollout of `reviews.shop` over the objects above.
fn first_step() -> Transition {
    let objects: Vec<Object> = mesh_api::load_str(CLUSTER).objects().cloned().collect();
    let canary = Canary::builder("reviews.shop")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([10, 50, 100])
        .build()
        .expect("canary");
    Rollout::new(canary).advance(&objects, &StaticMetrics::new()).expect("first step")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn a_transition_is_server_side_applied_destination_rules_first() {
    let step = first_step();
    let (client, server) = mock_cluster(vec![Reply::Echo, Reply::Echo]);
    KubeApplier::new(client).apply_transition(&step).await.expect("applied");
    let seen = server.await.expect("server");
    assert_eq!(seen.len(), 2);
    let apply_query = pairs(&[("force", "true"), ("fieldManager", "mesh-canary")]);
    assert_eq!(seen[0].method, "PATCH");
    assert_eq!(seen[0].path, "/apis/networking.istio.io/v1/namespaces/shop/destinationrules/reviews");
    assert_eq!(seen[0].query, apply_query);
    assert_eq!(seen[0].content_type, "application/apply-patch+yaml");
    assert_eq!(
        seen[0].body,
        json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": {"name": "reviews", "namespace": "shop"},
            "spec": {
                "host": "reviews",
                "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}]
            }
        })
    );
    assert_eq!(seen[1].method, "PATCH");
    assert_eq!(seen[1].path, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/reviews");
    assert_eq!(seen[1].query, apply_query);
    assert_eq!(
        seen[1].body,
        json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "reviews", "namespace": "shop"},
            "spec": {
                "hosts": ["reviews"],
                "http": [{"route": [
                    {"destination": {"host": "reviews", "subset": "v1"}, "weight": 90},
                    {"destination": {"host": "reviews", "subset": "v2"}, "weight": 10}
                ]}]
            }
        })
    );
}

#[tokio::test]
async fn objects_read_back_are_applied_with_their_intent_only() {
    let read = json!({
        "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": "reviews", "namespace": "shop", "resourceVersion": "7", "uid": "u-1", "generation": 2,
            "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [{"manager": "kubectl", "operation": "Update"}],
            "labels": {"team": "books"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "owner": "ann"}},
        "spec": {"host": "reviews"},
        "status": {"observedGeneration": 2}
    });
    let object = mesh_api::load_value(&read).expect("loads").object;
    let (client, server) = mock_cluster(vec![Reply::Echo]);
    KubeApplier::new(client).apply(&[object]).await.expect("applied");
    let seen = server.await.expect("server");
    assert_eq!(
        seen[0].body,
        json!({
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "reviews", "namespace": "shop", "labels": {"team": "books"}, "annotations": {"owner": "ann"}},
            "spec": {"host": "reviews"}
        })
    );
}

#[tokio::test]
async fn an_object_without_a_namespace_goes_to_the_client_default() {
    let object = mesh_api::load_value(&json!({
        "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": "api"}, "spec": {"hosts": ["api.example.com"], "resolution": "DNS"}
    }))
    .expect("loads")
    .object;
    let (client, server) = mock_cluster(vec![Reply::Echo]);
    KubeApplier::new(client).apply(&[object]).await.expect("applied");
    let seen = server.await.expect("server");
    assert_eq!(seen[0].path, "/apis/networking.istio.io/v1/namespaces/default/serviceentries/api");
    assert_eq!(seen[0].body["metadata"], json!({"name": "api", "namespace": "default"}));
}

#[tokio::test]
async fn without_force_the_query_names_only_the_field_manager() {
    let step = first_step();
    let (client, server) = mock_cluster(vec![Reply::Echo, Reply::Echo]);
    let applier = KubeApplier::new(client).field_manager("rollouts").force(false);
    applier.apply(&step.objects()).await.expect("applied");
    let seen = server.await.expect("server");
    assert!(seen.iter().all(|e| e.query == pairs(&[("fieldManager", "rollouts")])), "{seen:?}");
}

#[tokio::test]
async fn a_conflict_is_an_apply_error_naming_the_object_and_stops_the_transition() {
    let step = first_step();
    let conflict = status(409, "Conflict", "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.subsets");
    let (client, server) = mock_cluster(vec![conflict, Reply::Echo]);
    let err = KubeApplier::new(client).force(false).apply_transition(&step).await.unwrap_err();
    assert_eq!(
        err,
        CanaryError::Apply {
            message: "DestinationRule shop/reviews: the API server refused it (409 Conflict): Apply failed with 1 conflict: conflict with \"kubectl\": .spec.subsets".into()
        }
    );
    // The VirtualService was never sent: routes never point at subsets that failed to apply.
    assert_eq!(server.await.expect("server").len(), 1);
}

#[tokio::test]
async fn an_invalid_object_is_an_apply_error_naming_it() {
    let step = first_step();
    let invalid =
        status(422, "Invalid", "VirtualService.networking.istio.io \"reviews\" is invalid: spec.http: too many");
    let (client, server) = mock_cluster(vec![Reply::Echo, invalid]);
    let err = KubeApplier::new(client).apply_transition(&step).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "apply failed: VirtualService shop/reviews: the API server refused it (422 Invalid): VirtualService.networking.istio.io \"reviews\" is invalid: spec.http: too many"
    );
    assert_eq!(server.await.expect("server").len(), 2);
}

/// An empty list of a kind, as the API server returns it.
fn list(kind: &str, items: Value) -> Reply {
    Reply::With(
        200,
        json!({"apiVersion": "v1", "kind": format!("{kind}List"), "metadata": {"resourceVersion": "1"}, "items": items}),
    )
}

#[tokio::test]
async fn a_namespace_is_read_kind_by_kind_into_typed_objects() {
    let service = json!({
        "metadata": {"name": "reviews", "namespace": "shop", "uid": "1", "resourceVersion": "5",
            "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
        "spec": {"ports": [{"name": "http", "port": 9080}], "selector": {"app": "reviews"}},
        "status": {"loadBalancer": {}}
    });
    let vs = json!({
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "shop", "generation": 3},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]},
        "status": {"observedGeneration": 3, "somethingNewer": true}
    });
    let replies = vec![
        list("Service", json!([service])),
        list("ServiceEntry", json!([])),
        list("Gateway", json!([])),
        list("Sidecar", json!([])),
        list("DestinationRule", json!([])),
        list("VirtualService", json!([vs])),
    ];
    let (client, server) = mock_cluster(replies);
    let objects = KubeApplier::new(client).current_objects(&Scope::Namespace("shop".into())).await.expect("read");
    let seen = server.await.expect("server");
    let paths: Vec<(&str, &str)> = seen.iter().map(|e| (e.method.as_str(), e.path.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("GET", "/api/v1/namespaces/shop/services"),
            ("GET", "/apis/networking.istio.io/v1/namespaces/shop/serviceentries"),
            ("GET", "/apis/networking.istio.io/v1/namespaces/shop/gateways"),
            ("GET", "/apis/networking.istio.io/v1/namespaces/shop/sidecars"),
            ("GET", "/apis/networking.istio.io/v1/namespaces/shop/destinationrules"),
            ("GET", "/apis/networking.istio.io/v1/namespaces/shop/virtualservices"),
        ]
    );
    let kinds: Vec<String> = objects.iter().map(|o| o.object_ref().to_string()).collect();
    assert_eq!(kinds, ["Service shop/reviews", "VirtualService shop/reviews"]);
    assert!(matches!(objects[0], Object::Service(_)));
    assert_eq!(objects[0].metadata().managed_fields, None);
    // What was read is what a rollout starts from.
    let canary = Canary::builder("reviews.shop")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([50])
        .build()
        .expect("canary");
    let step = Rollout::new(canary).advance(&objects, &StaticMetrics::new()).expect("step");
    assert_eq!(step.weights.canary, 50);
}

#[tokio::test]
async fn all_namespaces_are_read_without_a_namespace_in_the_path() {
    let replies = ["Service", "ServiceEntry", "Gateway", "Sidecar", "DestinationRule", "VirtualService"]
        .into_iter()
        .map(|k| list(k, json!([])))
        .collect();
    let (client, server) = mock_cluster(replies);
    let objects = KubeApplier::new(client).current_objects(&Scope::AllNamespaces).await.expect("read");
    assert!(objects.is_empty());
    let seen = server.await.expect("server");
    assert_eq!(seen[0].path, "/api/v1/services");
    assert_eq!(seen[5].path, "/apis/networking.istio.io/v1/virtualservices");
}

#[tokio::test]
async fn a_missing_crd_is_a_read_error_naming_the_kind() {
    let (client, server) = mock_cluster(vec![
        list("Service", json!([])),
        status(404, "NotFound", "the server could not find the requested resource"),
    ]);
    let err = KubeApplier::new(client).current_objects(&Scope::Namespace("shop".into())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read the objects: listing ServiceEntry (networking.istio.io/v1): the API server refused it (404 NotFound): the server could not find the requested resource"
    );
    server.await.expect("server");
}

#[test]
fn the_blocking_applier_applies_from_a_plain_thread() {
    let step = first_step();
    let mut server = None;
    let mut applier = BlockingKubeApplier::new(|| {
        let (client, task) = mock_cluster(vec![Reply::Echo, Reply::Echo]);
        server = Some(task);
        KubeApplier::new(client)
    })
    .expect("runtime");
    applier.apply_transition(&step).expect("applied");
    assert_eq!(applier.applier().manager(), "mesh-canary");
    drop(server);
}

#[test]
fn the_blocking_applier_refuses_to_block_inside_a_runtime_instead_of_panicking() {
    let step = first_step();
    let mut applier = BlockingKubeApplier::new(|| KubeApplier::new(mock_cluster(Vec::new()).0)).expect("runtime");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let err = runtime.block_on(async move {
        let err = applier.apply_transition(&step).unwrap_err();
        drop(applier); // dropping inside a runtime must not panic either
        err
    });
    assert_eq!(
        err.to_string(),
        "apply failed: BlockingKubeApplier cannot block inside an async runtime; await KubeApplier::apply instead"
    );
    let inside = runtime
        .block_on(async { BlockingKubeApplier::new(|| KubeApplier::new(mock_cluster(Vec::new()).0)).unwrap_err() });
    assert!(matches!(inside, CanaryError::Apply { .. }));
}
