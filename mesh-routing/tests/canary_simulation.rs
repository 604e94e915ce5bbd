//! Traffic simulation over a compiled mesh: shares, success rates and latency percentiles
//! per destination, reproducible for a seed.

use mesh_routing::canary::Metrics;
use mesh_routing::{Behaviour, Mesh, MeshSettings, Request, Simulation};

const SPLIT: &str = "
apiVersion: v1
kind: Service
metadata: {name: catalog, namespace: shop}
spec: {ports: [{name: grpc, port: 3550}], selector: {app: catalog}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: catalog, namespace: shop}
spec:
  host: catalog
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: catalog, namespace: shop}
spec:
  hosts: [catalog]
  http:
  - timeout: 5s
    route:
    - {destination: {host: catalog, subset: v1}, weight: 75}
    - {destination: {host: catalog, subset: v2}, weight: 25}
";

fn mesh(yaml: &str) -> Mesh {
    let loaded = mesh_api::load_str(yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    Mesh::compile(&objects, &MeshSettings::default())
}

fn request() -> Request {
    Request::http("catalog").port(3550).source_namespace("shop")
}

fn slow_v2() -> Simulation {
    Simulation::new(10_000, 42)
        .subset("v1", Behaviour::new(20.0).error_rate(0.1))
        .subset("v2", Behaviour::new(20.0).added_latency_ms(3_000.0))
}

#[test]
fn shares_follow_the_weights_within_tolerance() {
    let report = slow_v2().run(&mesh(SPLIT), &[request()]);
    let (v1, v2) = (report.subset("v1").unwrap(), report.subset("v2").unwrap());
    assert_eq!(v1.count + v2.count, 10_000);
    assert_eq!(report.unrouted, 0);
    assert!((v1.share - 75.0).abs() < 1.5, "{report}");
    assert!((v2.share - 25.0).abs() < 1.5, "{report}");
    assert_eq!(v1.host, "catalog.shop.svc.cluster.local");
    assert_eq!(v1.port, 3550);
}

#[test]
fn latency_percentiles_show_the_slow_version() {
    let report = slow_v2().run(&mesh(SPLIT), &[request()]);
    let (v1, v2) = (report.subset("v1").unwrap(), report.subset("v2").unwrap());
    assert!(v1.p50_ms >= 20.0 && v1.p99_ms < 200.0, "{report}");
    assert!(v2.p50_ms > 3_000.0 && v2.p50_ms <= v2.p90_ms && v2.p90_ms <= v2.p99_ms, "{report}");
    assert_eq!(report.latency_ms("v2", 99.0), Some(v2.p99_ms));
}

#[test]
fn error_rates_and_timeouts_lower_the_success_rate() {
    let report = slow_v2().run(&mesh(SPLIT), &[request()]);
    let v1 = report.subset("v1").unwrap();
    assert!(v1.success_rate > 99.5 && v1.success_rate < 100.0, "{report}");
    // With 5 s extra, v2 passes the route's 5 s timeout: every request fails at 5 s.
    let timed_out = Simulation::new(1_000, 1)
        .subset("v2", Behaviour::new(20.0).added_latency_ms(5_000.0))
        .run(&mesh(SPLIT), &[request()]);
    let v2 = timed_out.subset("v2").unwrap();
    assert_eq!(v2.success_rate, 0.0);
    assert_eq!(v2.p99_ms, 5_000.0);
    assert_eq!(timed_out.success_rate("v1"), Some(100.0));
}

#[test]
fn a_seed_gives_the_same_report_every_time() {
    let m = mesh(SPLIT);
    let a = slow_v2().run(&m, &[request()]);
    let b = slow_v2().run(&m, &[request()]);
    assert_eq!(a, b);
    assert_eq!(a.to_string(), b.to_string());
    let other = Simulation::new(10_000, 43).run(&m, &[request()]);
    assert_ne!(a.subset("v1").map(|d| d.count), other.subset("v1").map(|d| d.count));
}

#[test]
fn requests_that_reach_no_destination_are_counted_apart() {
    let yaml = SPLIT.replace("  - timeout: 5s\n", "  - match: [{uri: {prefix: /api}}]\n    timeout: 5s\n");
    let report = Simulation::new(100, 1).run(&mesh(&yaml), &[request(), request().path("/api/x")]);
    assert_eq!(report.unrouted, 50);
    assert_eq!(report.destinations.iter().map(|d| d.count).sum::<usize>(), 50);
    assert!(report.to_string().contains("(not routed)"));
}

#[test]
fn the_report_prints_one_row_per_destination() {
    let text = slow_v2().run(&mesh(SPLIT), &[request()]).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("destination"));
    assert!(lines[1].starts_with("catalog.shop.svc.cluster.local/v1:3550"), "{text}");
}
