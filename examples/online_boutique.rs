//! The Online Boutique story: load the shop's Istio configuration that ships in
//! `examples/online-boutique/`, check it with Istio's rules, and report what it holds.
//!
//! Run it with `cargo run --example online_boutique`.

use std::path::Path;
use std::process::ExitCode;

use mesh_api::networking::{DestinationRule, VirtualService};
use mesh_api::{Level, Object};

fn main() -> ExitCode {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("online-boutique");
    let loaded = mesh_api::load_path(&folder);
    println!("== Loaded {} objects from {}", loaded.documents.len(), folder.display());
    for error in &loaded.errors {
        println!("   load error: {error}");
    }

    let mut errors = loaded.errors.len();
    for document in &loaded.documents {
        let object = &document.object;
        println!("   {}", object.object_ref());
        for problem in document.validate() {
            let at = document.locate(&problem.path).map(|l| l.to_string()).unwrap_or_default();
            println!("     {at}: {problem}");
            errors += usize::from(problem.level == Level::Error);
        }
    }

    println!("\n== Routing it declares");
    for object in loaded.objects() {
        match object {
            Object::DestinationRule(dr) => describe_destination_rule(dr),
            Object::VirtualService(vs) => describe_virtual_service(vs),
            _ => {}
        }
    }

    if errors == 0 {
        println!("\n== All {} objects are valid", loaded.documents.len());
        ExitCode::SUCCESS
    } else {
        println!("\n== {errors} problem(s) found");
        ExitCode::FAILURE
    }
}

fn describe_destination_rule(dr: &DestinationRule) {
    let subsets: Vec<String> = dr
        .spec
        .subsets
        .iter()
        .map(|s| {
            let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{} ({})", s.name, labels.join(","))
        })
        .collect();
    println!(
        "   DestinationRule {}: host {}, subsets {}",
        dr.metadata.name.as_deref().unwrap_or(""),
        dr.spec.host,
        subsets.join(", ")
    );
}

fn describe_virtual_service(vs: &VirtualService) {
    let name = vs.metadata.name.as_deref().unwrap_or("");
    let gateways = if vs.spec.gateways.is_empty() { "mesh".to_owned() } else { vs.spec.gateways.join(", ") };
    println!("   VirtualService {name}: hosts {} via {gateways}", vs.spec.hosts.join(", "));
    for (index, rule) in vs.spec.http.iter().enumerate() {
        let total: i64 = rule.route.iter().map(|r| i64::from(r.weight.unwrap_or(0))).sum();
        for route in &rule.route {
            let weight = route.weight.unwrap_or(0);
            let share = if total == 0 { 100.0 } else { f64::from(weight) * 100.0 / total as f64 };
            let subset = route.destination.subset.as_deref().map(|s| format!(" subset {s}")).unwrap_or_default();
            println!("     http[{index}] -> {}{subset}: {share:.0}%", route.destination.host);
        }
    }
}
