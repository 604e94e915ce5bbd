//! A healthy canary promoted step by step: `productcatalogservice` v2 of the Online Boutique
//! (the configuration in `examples/online-boutique/`) goes from 10% to 25%, 50% and 100% of
//! the traffic, then is promoted. At each step the emitted config is applied to an in-memory
//! mesh, 10,000 simulated requests run through it, and the analysis reads their metrics.
//!
//! Run it with `cargo run --example canary_rollout`.

use std::path::Path;
use std::process::ExitCode;

use mesh_api::Object;
use mesh_routing::canary::{Applier, Canary, Check, InMemoryApplier, Phase, Rollout, StaticMetrics};
use mesh_routing::{Behaviour, Mesh, MeshSettings, Request, Simulation, TrafficReport};

/// The Kubernetes Service of the rolled-out service, as the shop's manifests define it (the
/// folder holds only the Istio configuration).
const SERVICE: &str = "
apiVersion: v1
kind: Service
metadata: {name: productcatalogservice, namespace: istio-app}
spec:
  selector: {app: productcatalogservice}
  ports: [{name: grpc, port: 3550, targetPort: 3550}]
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("online-boutique");
    let mut loaded = mesh_api::load_path(&folder);
    loaded.documents.extend(mesh_api::load_str(SERVICE).documents);
    if let Some(error) = loaded.errors.first() {
        return Err(error.to_string());
    }
    let objects: Vec<Object> = loaded.objects().cloned().collect();
    println!("== Online Boutique: {} objects from {}", objects.len(), folder.display());

    let canary = Canary::builder("productcatalogservice.istio-app")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([10, 25, 50, 100])
        .check(Check::success_rate(99.0))
        .check(Check::latency(99.0, 500.0))
        .failed_check_limit(2)
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "== Canary {}: {} -> {}, steps 10 -> 25 -> 50 -> 100, checks: {}",
        canary.host(),
        canary.stable().name,
        canary.canary().name,
        canary.checks().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    );

    let mut cluster = InMemoryApplier::new(objects);
    let mut rollout = Rollout::new(canary);
    // Both versions are healthy: v2 is a little slower, well within the latency check.
    let simulation = Simulation::new(10_000, 2026)
        .subset("v1", Behaviour::new(40.0).error_rate(0.05))
        .subset("v2", Behaviour::new(55.0).error_rate(0.1));
    let promoted = Simulation::new(10_000, 2026).subset("v1", Behaviour::new(55.0).error_rate(0.1));
    let request = Request::grpc("productcatalogservice").port(3550).source_namespace("istio-app");

    let mut summary = Vec::new();
    let mut metrics: Option<TrafficReport> = None;
    while !rollout.state().is_finished() {
        let t = match &metrics {
            Some(report) => rollout.advance(cluster.objects(), report),
            None => rollout.advance(cluster.objects(), &StaticMetrics::new()),
        }
        .map_err(|e| e.to_string())?;
        cluster.apply_transition(&t).map_err(|e| e.to_string())?;

        println!("\n== {} ({}): {}", t.state.phase, weights(&t.weights), t.note);
        for check in &t.analysis {
            let value = check.value.map_or("no data".to_owned(), |v| format!("{v:.1}"));
            println!("   analysis: {:<28} {:>8}  {}", check.check, value, if check.passed { "pass" } else { "FAIL" });
        }
        let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
        // Once promoted, subset v1 selects the new version's pods, so it behaves like v2.
        let simulation = if t.state.phase == Phase::Promoted { promoted.clone() } else { simulation.clone() };
        let report = simulation.run(&mesh, std::slice::from_ref(&request));
        for line in report.to_string().lines() {
            println!("   {line}");
        }
        let v2 = report.subset("v2").map_or(0.0, |d| d.share);
        summary.push((t.state.phase.clone(), t.weights.canary, v2));
        metrics = Some(report);
    }

    println!("\n== Summary");
    println!("   {:<28} {:>12} {:>14}", "phase", "canary weight", "v2 share seen");
    for (phase, weight, seen) in &summary {
        println!("   {:<28} {:>11}% {:>13.1}%", phase.to_string(), weight, seen);
    }
    if rollout.state().phase != Phase::Promoted {
        return Err(format!("the rollout ended {}", rollout.state().phase));
    }
    println!("\n== Promoted: the stable subset v1 now selects version v2's pods and takes all traffic");
    Ok(())
}

fn weights(w: &mesh_routing::canary::Weights) -> String {
    match w.mirror {
        Some(p) => format!("stable {}%, mirroring {p}%", w.stable),
        None => format!("stable {}%, canary {}%", w.stable, w.canary),
    }
}
