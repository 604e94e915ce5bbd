//! Finding the shared corpus and reading its YAML as data.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `MESH_CORPUS`, else `../../shared/corpus` from this crate, else the first `shared/corpus`
/// above it. `None` (after printing `skipped: corpus not found`) when there is none, which
/// fails under `CI=true`.
pub fn corpus() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = std::iter::once(manifest.join("../../shared/corpus"))
        .chain(manifest.ancestors().map(|dir| dir.join("shared/corpus")))
        .find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found");
        println!("skipped: corpus not found");
    }
    found
}

/// The single YAML document of a file, as data.
pub fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut docs = mesh_api::read_untyped(&text);
    assert_eq!(docs.len(), 1, "{}", path.display());
    docs.remove(0).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `*.yaml` files of a folder, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The file's name without `.yaml`.
pub fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}
