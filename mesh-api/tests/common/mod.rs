//! Finding the shared conformance corpus.

use std::path::PathBuf;

/// The corpus folder: `MESH_CORPUS`, else `../shared/corpus` beside the workspace. `None`
/// (after printing "skipped: corpus not found") when it is missing outside CI; under
/// `CI=true` a missing corpus fails the test.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("MESH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("corpus not found at {} (set MESH_CORPUS)", dir.display());
    }
    println!("skipped: corpus not found");
    None
}

/// Every `*.yaml` file under `dir`, recursively, in path order.
#[allow(dead_code)]
pub fn yaml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("corpus folder readable") {
            let path = entry.expect("corpus entry readable").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
