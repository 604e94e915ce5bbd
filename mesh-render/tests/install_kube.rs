//! The installer, uninstaller, cluster reads and dashboard pod lookup against a mocked API
//! server (`tower_test::mock`): the exact requests, their order, rollout waits on tokio's
//! paused clock, and how refusals and 404s are handled. No cluster is needed.
#![cfg(feature = "kube")]

use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use kube::Client;
use kube::client::Body;
use mesh_render::dashboard::Dashboard;
use mesh_render::install::{Installer, Plan, Progress};
use mesh_render::{Addon, Error, Manifest, Overlays, manifest, verify};
use serde_json::{Value, json};
use tower_test::mock;

/// One request the mock API server received.
#[derive(Clone, Debug)]
struct Exchange {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    content_type: String,
    body: Value,
}

impl Exchange {
    fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

type Log = Arc<Mutex<Vec<Exchange>>>;

/// A client whose API server answers each request with `answer(request, how many requests
/// came before)`, and the log of every request.
fn mock_cluster(mut answer: impl FnMut(&Exchange, usize) -> (u16, Value) + Send + 'static) -> (Client, Log) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    let log: Log = Arc::default();
    let seen = log.clone();
    tokio::spawn(async move {
        let mut handle = pin!(handle);
        while let Some((request, send)) = handle.next_request().await {
            let (parts, body) = request.into_parts();
            let bytes = body.collect_bytes().await.expect("request body");
            let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON") };
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
            let exchange = Exchange {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query,
                content_type,
                body,
            };
            let n = seen.lock().expect("log").len();
            let (code, reply) = answer(&exchange, n);
            seen.lock().expect("log").push(exchange);
            let response = Response::builder()
                .status(code)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&reply).expect("JSON")))
                .expect("response");
            send.send_response(response);
        }
    });
    (Client::new(service, "default"), log)
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message}),
    )
}

fn rendered(flags: &[&str]) -> Manifest {
    let mut overlays = Overlays::new();
    for flag in flags {
        overlays.set(flag).expect("flag");
    }
    manifest::render(&overlays.merge().expect("merge")).expect("render")
}

/// An istiod Deployment as the cluster reports it, rolled out or not.
fn istiod(ready: bool) -> Value {
    let available = i64::from(ready);
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "istiod", "namespace": "istio-system", "generation": 1},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "istiod"}}, "template": {"spec": {"containers": []}}},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": available}
    })
}

/// Answers applies with their body and GETs of istiod with `istiod(ready(n))`.
fn cluster_where_istiod(ready: impl Fn(usize) -> bool + Send + 'static) -> (Client, Log) {
    let mut polls = 0;
    mock_cluster(move |e, _| match e.method.as_str() {
        "PATCH" => (200, e.body.clone()),
        "GET" if e.path.ends_with("/deployments/istiod") => {
            polls += 1;
            (200, istiod(ready(polls)))
        }
        _ => status(404, "NotFound", "not found"),
    })
}

#[tokio::test]
async fn cni_alone_is_applied_in_plan_order_then_its_daemon_set_is_awaited() {
    let plan = Plan::install(&rendered(&["profile=empty", "components.cni.enabled=true"]));
    let (client, log) = mock_cluster(|e, _| match e.method.as_str() {
        "GET" => (
            200,
            json!({
                "apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": {"name": "istio-cni-node", "namespace": "istio-system", "generation": 1},
                "status": {"observedGeneration": 1, "desiredNumberScheduled": 2, "updatedNumberScheduled": 2, "numberAvailable": 2}
            }),
        ),
        _ => (200, e.body.clone()),
    });
    Installer::new(client).run(&plan, |_| {}).await.expect("installed");
    let log = log.lock().expect("log").clone();
    let lines: Vec<String> = log.iter().map(Exchange::line).collect();
    assert_eq!(
        lines,
        [
            "PATCH /api/v1/namespaces/istio-system",
            "PATCH /api/v1/namespaces/istio-system/serviceaccounts/istio-cni",
            "PATCH /apis/rbac.authorization.k8s.io/v1/clusterroles/istio-cni",
            "PATCH /apis/rbac.authorization.k8s.io/v1/clusterroles/istio-cni-repair-role",
            "PATCH /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/istio-cni",
            "PATCH /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/istio-cni-repair-role",
            "PATCH /api/v1/namespaces/istio-system/configmaps/istio-cni-config",
            "PATCH /apis/apps/v1/namespaces/istio-system/daemonsets/istio-cni-node",
            "GET /apis/apps/v1/namespaces/istio-system/daemonsets/istio-cni-node",
        ]
    );
    let apply_query = vec![("force".to_owned(), "true".to_owned()), ("fieldManager".to_owned(), "meshctl".to_owned())];
    for e in log.iter().filter(|e| e.method == "PATCH") {
        assert_eq!(e.query, apply_query, "{}", e.line());
        assert_eq!(e.content_type, "application/apply-patch+yaml", "{}", e.line());
    }
    // The body is the rendered object itself.
    let objects: Vec<_> = plan.steps().iter().flat_map(|s| &s.objects).collect();
    assert_eq!(log[7].body, objects[7].resource.to_json().expect("json"));
    assert_eq!(log[0].body, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}));
}

#[tokio::test]
async fn namespaces_and_crds_come_first_and_each_component_waits_before_the_next() {
    let plan =
        Plan::install(&rendered(&["profile=default", "values.gateways.istio-ingressgateway.autoscaleEnabled=false"]));
    let (client, log) = mock_cluster(|e, _| match (e.method.as_str(), e.path.rsplit('/').next()) {
        ("GET", Some(name)) => {
            let mut d = istiod(true);
            d["metadata"]["name"] = json!(name);
            (200, d)
        }
        _ => (200, e.body.clone()),
    });
    Installer::new(client).run(&plan, |_| {}).await.expect("installed");
    let lines: Vec<String> = log.lock().expect("log").iter().map(Exchange::line).collect();
    assert_eq!(lines[0], "PATCH /api/v1/namespaces/istio-system");
    let crds = lines.iter().skip(1).take_while(|l| l.contains("/customresourcedefinitions/")).count();
    assert!(crds > 10, "{crds} CRDs first");
    let position = |line: &str| lines.iter().position(|l| l == line).unwrap_or_else(|| panic!("{line} not sent"));
    let istiod_wait = position("GET /apis/apps/v1/namespaces/istio-system/deployments/istiod");
    let gateway_apply = position("PATCH /apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway");
    let gateway_wait = position("GET /apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway");
    assert!(position("PATCH /apis/apps/v1/namespaces/istio-system/deployments/istiod") < istiod_wait);
    assert!(istiod_wait < gateway_apply && gateway_apply < gateway_wait);
    assert_eq!(gateway_wait, lines.len() - 1);
    assert_eq!(lines.len(), plan.len() + 2);
}

#[tokio::test(start_paused = true)]
async fn a_deployment_ready_on_the_second_poll_is_awaited_one_interval() {
    let plan = Plan::install(&rendered(&["profile=minimal"]));
    let (client, log) = cluster_where_istiod(|poll| poll >= 2);
    let mut events = Vec::new();
    let start = tokio::time::Instant::now();
    Installer::new(client).run(&plan, |p| events.push(p)).await.expect("installed");
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let waits: Vec<&Progress> =
        events.iter().filter(|p| matches!(p, Progress::Waiting { .. } | Progress::RolledOut { .. })).collect();
    assert_eq!(
        waits,
        [
            &Progress::Waiting {
                object: "Deployment istio-system/istiod".into(),
                reason: "0 of 1 updated replicas available".into()
            },
            &Progress::RolledOut { object: "Deployment istio-system/istiod".into() },
        ]
    );
    let gets = log.lock().expect("log").iter().filter(|e| e.method == "GET").count();
    assert_eq!(gets, 2);
}

#[tokio::test(start_paused = true)]
async fn a_deployment_never_ready_times_out_naming_it_and_why() {
    let plan = Plan::install(&rendered(&["profile=minimal"]));
    let (client, log) = cluster_where_istiod(|_| false);
    let installer = Installer::new(client).timeout(Duration::from_secs(10)).poll_interval(Duration::from_secs(2));
    let start = tokio::time::Instant::now();
    let err = installer.run(&plan, |_| {}).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "not rolled out after 10s: Deployment istio-system/istiod (0 of 1 updated replicas available)"
    );
    assert!(matches!(err, Error::RolloutTimeout { .. }));
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    let gets = log.lock().expect("log").iter().filter(|e| e.method == "GET").count();
    assert_eq!(gets, 6, "polls at 0, 2, 4, 6, 8 and 10 seconds");
}

#[tokio::test]
async fn without_waiting_nothing_is_polled() {
    let plan = Plan::install(&rendered(&["profile=minimal"]));
    let (client, log) = cluster_where_istiod(|_| false);
    Installer::new(client).wait(false).run(&plan, |_| {}).await.expect("installed");
    assert!(log.lock().expect("log").iter().all(|e| e.method == "PATCH"));
}

#[tokio::test]
async fn a_refused_object_stops_the_install_naming_it() {
    let plan = Plan::install(&rendered(&["profile=minimal"]));
    let (client, log) = mock_cluster(|e, _| {
        if e.path.ends_with("/configmaps/istio") {
            status(422, "Invalid", "ConfigMap \"istio\" is invalid: data: Too long")
        } else {
            (200, e.body.clone())
        }
    });
    let err = Installer::new(client).run(&plan, |_| {}).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "ConfigMap istio-system/istio: the API server refused it (422 Invalid): ConfigMap \"istio\" is invalid: data: Too long"
    );
    let last = log.lock().expect("log").last().map(Exchange::line);
    assert_eq!(last.as_deref(), Some("PATCH /api/v1/namespaces/istio-system/configmaps/istio"));
}

#[tokio::test]
async fn uninstall_deletes_in_reverse_order_and_skips_objects_already_gone() {
    let manifest = rendered(&["profile=minimal"]);
    let plan = Plan::uninstall(&manifest, false);
    let (client, log) = mock_cluster(|e, _| {
        if e.path.ends_with("/deployments/istiod") {
            status(404, "NotFound", "deployments.apps \"istiod\" not found")
        } else {
            (200, json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}))
        }
    });
    let mut events = Vec::new();
    Installer::new(client).run(&plan, |p| events.push(p)).await.expect("uninstalled");
    let log = log.lock().expect("log").clone();
    assert!(log.iter().all(|e| e.method == "DELETE"));
    assert_eq!(log.len(), plan.len());
    // Deletion order is the install order reversed, namespaces and CRDs kept.
    let install = Plan::install(&manifest);
    let mut expected: Vec<String> = install
        .steps()
        .iter()
        .flat_map(|s| &s.objects)
        .filter(|o| !matches!(o.resource.kind(), "Namespace" | "CustomResourceDefinition"))
        .map(|o| o.resource.name().to_owned())
        .collect();
    expected.reverse();
    let deleted: Vec<String> = log.iter().map(|e| e.path.rsplit('/').next().unwrap_or_default().to_owned()).collect();
    assert_eq!(deleted, expected);
    assert!(
        log.iter()
            .all(|e| !e.path.contains("customresourcedefinitions") && e.path != "/api/v1/namespaces/istio-system")
    );
    assert!(events.contains(&Progress::AlreadyGone { object: "Deployment istio-system/istiod".into() }));
    assert_eq!(events.iter().filter(|p| matches!(p, Progress::Deleted { .. })).count(), plan.len() - 1);
    assert_eq!(log[0].body, json!({"propagationPolicy": "Background"}));
}

#[tokio::test]
async fn a_failed_delete_other_than_404_is_an_error() {
    let plan = Plan::uninstall(&rendered(&["profile=minimal"]), false);
    let (client, _log) = mock_cluster(|_, _| status(403, "Forbidden", "no"));
    let err = Installer::new(client).run(&plan, |_| {}).await.unwrap_err();
    assert!(matches!(err, Error::Cluster { .. }));
    assert!(err.to_string().ends_with(": the API server refused it (403 Forbidden): no"), "{err}");
}

#[tokio::test]
async fn observed_objects_feed_verify_and_missing_ones_are_reported() {
    let manifest = rendered(&["profile=minimal"]);
    let expected = manifest.clone();
    let (client, log) = mock_cluster(move |e, _| {
        let name = e.path.rsplit('/').next().unwrap_or_default();
        if name == "istiod" && e.path.contains("/deployments/") {
            return status(404, "NotFound", "not found");
        }
        let found = expected
            .objects()
            .iter()
            .find(|o| e.path.ends_with(&format!("/{}/{name}", plural(o.resource.kind()))) && o.resource.name() == name);
        match found {
            Some(o) => (200, o.resource.to_json().expect("json")),
            None => status(404, "NotFound", "not found"),
        }
    });
    let observed = Installer::new(client).observed(&manifest).await.expect("read");
    assert!(log.lock().expect("log").iter().all(|e| e.method == "GET"));
    assert_eq!(observed.len(), manifest.len() - 1);
    let report = verify::verify(&manifest, &observed);
    assert_eq!(report.summary.missing, 1);
    assert_eq!(report.summary.ok, manifest.len() - 1);
}

/// The resource name of a kind in API paths.
fn plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    }
}

fn pod(name: &str, phase: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": "istio-system"}, "status": {"phase": phase}})
}

#[tokio::test]
async fn the_dashboard_pod_is_found_by_label_preferring_a_running_one() {
    let (client, log) = mock_cluster(|_, _| {
        (
            200,
            json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod("kiali-old", "Pending"), pod("kiali-1", "Running")]}),
        )
    });
    let name = Dashboard::of(Addon::Kiali).find_pod(&client, "istio-system").await.expect("pod");
    assert_eq!(name, "kiali-1");
    let log = log.lock().expect("log").clone();
    assert_eq!(log[0].line(), "GET /api/v1/namespaces/istio-system/pods");
    assert_eq!(log[0].query, [("labelSelector".to_owned(), "app%3Dkiali".to_owned())]);
}

#[tokio::test]
async fn no_dashboard_pod_says_to_install_the_addon() {
    let (client, _log) =
        mock_cluster(|_, _| (200, json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": []})));
    let err = Dashboard::of(Addon::Grafana).find_pod(&client, "istio-system").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "grafana pods in istio-system (app.kubernetes.io/name=grafana): no pod found; is the addon installed (`meshctl manifest generate --addons grafana`)?"
    );
}
