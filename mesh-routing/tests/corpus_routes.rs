//! Robustness over the corpus: every folder of Istio samples and configs compiles, and a
//! request to every VirtualService host (through its gateways too) gets a decision and an
//! explanation without panicking. Prints how many decisions were made.

use std::path::{Path, PathBuf};

use mesh_routing::{Mesh, MeshSettings, Request};

fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = here.ancestors().map(|a| a.join("shared/corpus")).find(|p| p.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found (set MESH_CORPUS)");
        println!("skipped: corpus not found");
    }
    found
}

fn route_everything(dir: &Path) -> (usize, usize) {
    let loaded = mesh_api::load_path(dir);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    let mut decisions = 0;
    for o in &objects {
        let mesh_api::Object::VirtualService(vs) = o else { continue };
        let ns = vs.metadata.namespace.as_deref().unwrap_or("default");
        let gateways: Vec<Option<String>> = if vs.spec.gateways.is_empty() {
            vec![None]
        } else {
            vs.spec
                .gateways
                .iter()
                .map(|g| {
                    if g == "mesh" {
                        None
                    } else if g.contains('/') {
                        Some(g.clone())
                    } else {
                        Some(format!("{ns}/{g}"))
                    }
                })
                .collect()
        };
        for host in &vs.spec.hosts {
            let host = host.replace('*', "any");
            for gateway in &gateways {
                for port in [80, 443, 8080, 9080] {
                    let mut requests =
                        vec![Request::http(&host).port(port), Request::tcp(&host, port), Request::tls(&host, port)];
                    for r in &mut requests {
                        *r = r.clone().source_namespace(ns).random(50.0);
                        if let Some(g) = gateway {
                            *r = r.clone().gateway(g);
                        }
                    }
                    for r in requests {
                        let d = mesh.route(&r);
                        let _ = (
                            d.destinations().count(),
                            d.retries(),
                            d.redirect(),
                            d.rewrite(),
                            d.traffic_policy(),
                            d.endpoints(),
                        );
                        assert!(!d.explain().summary.is_empty());
                        decisions += 1;
                    }
                }
            }
        }
    }
    (decisions, mesh.warnings().len())
}

#[test]
fn every_corpus_folder_routes_without_panicking() {
    let Some(root) = corpus() else { return };
    let mut total = 0;
    for group in ["istio-samples", "istio-config", "online-boutique"] {
        let Ok(entries) = std::fs::read_dir(root.join(group)) else { continue };
        let mut dirs: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let (decisions, warnings) = route_everything(&dir);
            println!("{}: {decisions} decisions, {warnings} compile warnings", dir.display());
            total += decisions;
        }
    }
    println!("{total} decisions made over the corpus");
}
