//! Robustness over the corpus: in every folder of Istio samples and configs, requests are
//! derived from the rules, a config diffed with itself is unchanged, a config diffed with
//! nothing lists every rule as removed, and the traffic graph renders. Prints the counts.

use std::path::PathBuf;

use mesh_routing::{Mesh, MeshSettings, diff, graph, representative_requests};

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

#[test]
fn every_corpus_folder_diffs_and_draws() {
    let Some(root) = corpus() else { return };
    let empty = Mesh::compile(&[], &MeshSettings::default());
    let (mut folders, mut requests, mut edges) = (0, 0, 0);
    for group in ["istio-samples", "istio-config", "online-boutique"] {
        let Ok(entries) = std::fs::read_dir(root.join(group)) else { continue };
        let mut dirs: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let loaded = mesh_api::load_path(&dir);
            let objects: Vec<_> = loaded.objects().cloned().collect();
            let mesh = Mesh::compile(&objects, &MeshSettings::default());
            let samples = representative_requests(&mesh);
            let same = diff(&mesh, &mesh);
            assert!(same.is_empty(), "{}: a config differs from itself:\n{same}", dir.display());
            let gone = diff(&mesh, &empty);
            let has_rules = objects.iter().any(|o| matches!(o, mesh_api::Object::VirtualService(_)));
            if has_rules {
                assert!(gone.hosts.iter().any(|h| !h.rules_removed.is_empty()), "{}: {gone}", dir.display());
            }
            let _ = gone.to_string();
            let g = graph(&mesh);
            assert!(g.to_dot().ends_with("}\n") && g.to_mermaid().starts_with("flowchart LR\n"));
            #[cfg(feature = "svg")]
            assert!(g.to_svg().trim_end().ends_with("</svg>"), "{}", dir.display());
            folders += 1;
            requests += samples.len();
            edges += g.edges.len();
        }
    }
    println!(
        "{folders} folders: {requests} derived requests, {edges} graph edges, each config unchanged against itself"
    );
}
