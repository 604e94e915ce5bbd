//! Conformance: route tests for the Istio samples in the corpus, each asserting what Istio's
//! documentation and tasks say the sample does. The files are in `tests/routes/`; their
//! `config` paths are relative to the corpus root (`MESH_CORPUS`, else `shared/corpus` found
//! above this crate). Without the corpus the suite fails under `CI=true` and is skipped
//! otherwise.

use std::path::PathBuf;

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
fn istio_samples_route_as_istio_documents() {
    let Some(root) = corpus() else { return };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/routes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/routes exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut failed = Vec::new();
    let mut total = 0;
    for file in &files {
        let report = mesh_routing::testing::run_file_in(file, &root).unwrap_or_else(|e| panic!("{e}"));
        println!("{}:\n{report}", file.display());
        assert!(report.results.len() >= 3, "{}: too few tests", file.display());
        total += report.results.len();
        if report.failed() > 0 {
            failed.push(file.display().to_string());
        }
    }
    println!("{total} route tests over {} sample files", files.len());
    assert!(failed.is_empty(), "route tests failed in {failed:?}");
    for sample in ["helloworld", "httpbin", "tcp-echo", "curl", "sleep", "bookinfo"] {
        let covered = files
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(&format!("istio-samples/{sample}/"))));
        assert!(covered, "no route test file reads istio-samples/{sample}");
    }
}
