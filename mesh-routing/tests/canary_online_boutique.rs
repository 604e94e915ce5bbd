//! The Online Boutique story on the shop's own configuration (`examples/online-boutique/`):
//! productcatalogservice v2 with 3 s of extra latency fails its analysis and is rolled back;
//! a healthy v2 is promoted. The user's 75/25 VirtualService, retries and timeout are kept.

use std::path::Path;

use mesh_api::Object;
use mesh_routing::canary::{Applier, Canary, Check, InMemoryApplier, Phase, Rollout, StaticMetrics};
use mesh_routing::{Behaviour, Mesh, MeshSettings, Outcome, Request, Simulation};

const SERVICES: &str = "
apiVersion: v1
kind: Service
metadata: {name: productcatalogservice, namespace: istio-app}
spec: {selector: {app: productcatalogservice}, ports: [{name: grpc, port: 3550}]}
---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: istio-app}
spec: {selector: {app: frontend}, ports: [{name: http, port: 80, targetPort: 8080}]}
";

fn boutique() -> Vec<Object> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/online-boutique");
    let loaded = mesh_api::load_path(&folder);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut objects: Vec<Object> = loaded.objects().cloned().collect();
    objects.extend(mesh_api::load_str(SERVICES).objects().cloned());
    objects
}

fn catalog() -> Request {
    Request::grpc("productcatalogservice").port(3550).source_namespace("istio-app")
}

fn canary() -> Canary {
    Canary::builder("productcatalogservice.istio-app")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([10, 25, 50, 100])
        .check(Check::success_rate(99.0))
        .check(Check::latency(99.0, 500.0))
        .build()
        .unwrap()
}

fn slow_v2() -> Simulation {
    Simulation::new(10_000, 7)
        .subset("v1", Behaviour::new(40.0))
        .subset("v2", Behaviour::new(40.0).added_latency_ms(3_000.0))
}

#[test]
fn the_shops_own_split_simulates_at_about_75_25() {
    let mesh = Mesh::compile(&boutique(), &MeshSettings::default());
    let report = slow_v2().run(&mesh, &[catalog()]);
    let v2 = report.subset("v2").unwrap();
    assert!((v2.share - 25.0).abs() < 1.5, "{report}");
    assert!(v2.p50_ms > 3_000.0, "{report}");
}

#[test]
fn a_canary_with_3s_latency_is_rolled_back_to_v1() {
    let mut cluster = InMemoryApplier::new(boutique());
    let mut rollout = Rollout::new(canary());
    let t = rollout.advance(cluster.objects(), &StaticMetrics::new()).unwrap();
    assert_eq!(t.weights.canary, 10);
    // The user's retries and timeout stay on the re-split rule.
    let rule = &t.virtual_services[0].spec.http[0];
    assert_eq!(rule.timeout.as_ref().map(|d| d.as_str()), Some("5s"));
    assert!(rule.retries.is_some());
    cluster.apply_transition(&t).unwrap();

    let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
    let report = slow_v2().run(&mesh, &[catalog()]);
    let t = rollout.advance(cluster.objects(), &report).unwrap();
    assert!(matches!(&t.state.phase, Phase::RollingBack { reason } if reason.contains("latency")), "{}", t.note);
    cluster.apply_transition(&t).unwrap();
    let t = rollout.advance(cluster.objects(), &report).unwrap();
    assert!(matches!(t.state.phase, Phase::RolledBack { .. }));
    cluster.apply_transition(&t).unwrap();

    let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
    let d = mesh.route(&catalog());
    let shares: Vec<_> = d.destinations().map(|w| (w.subset, w.weight)).collect();
    assert_eq!(shares, [(Some("v1"), 100.0)]);
    let report = slow_v2().run(&mesh, &[catalog()]);
    assert_eq!(report.subset("v1").map(|d| d.count), Some(10_000));
}

#[test]
fn a_healthy_canary_is_promoted_and_the_ingress_is_untouched() {
    let mut cluster = InMemoryApplier::new(boutique());
    let mut rollout = Rollout::new(canary());
    let healthy = StaticMetrics::new().success_rate("v2", 100.0).latency("v2", 99.0, 80.0);
    let mut seen = Vec::new();
    while !rollout.state().is_finished() {
        let t = rollout.advance(cluster.objects(), &healthy).unwrap();
        assert!(t.virtual_services.iter().all(|v| v.metadata.name.as_deref() == Some("productcatalogservice")));
        cluster.apply_transition(&t).unwrap();
        seen.push(t.weights.canary);
    }
    assert_eq!(seen, [10, 25, 50, 100, 100, 0]);
    let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
    let home = mesh.route(&Request::http("shop.example.com").gateway("istio-app/frontend-gateway"));
    assert_eq!(home.outcome(), Outcome::Route);
    assert_eq!(home.destination().unwrap().host, "frontend.istio-app.svc.cluster.local");
}
