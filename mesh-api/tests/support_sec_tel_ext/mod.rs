//! Helpers shared by the security, telemetry and extensions corpus tests.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The test corpus: `MESH_CORPUS`, else the first `shared/corpus` found above this crate.
/// `None` (after printing `skipped: corpus not found`) when it is missing outside CI; a panic
/// under `CI=true`.
pub fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("corpus"))
        .find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found (set MESH_CORPUS)");
        println!("skipped: corpus not found");
    }
    found
}

/// Every YAML document of every `*.yaml` file under `dir`, with its file, in a stable order.
pub fn yaml_documents(dir: &Path) -> Vec<(PathBuf, serde_yaml::Value)> {
    let mut files = Vec::new();
    collect_yaml_files(dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("corpus file is readable");
        for doc in serde_yaml::Deserializer::from_str(&text) {
            // Files that are not plain YAML (templates) are not ours to judge.
            let Ok(value) = serde_yaml::Value::deserialize(doc) else {
                break;
            };
            if !value.is_null() {
                out.push((file.clone(), value));
            }
        }
    }
    out
}

fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// `(group, kind)` of a document, from its `apiVersion` and `kind`.
pub fn group_kind(doc: &serde_yaml::Value) -> Option<(String, String)> {
    let api_version = doc.get("apiVersion")?.as_str()?;
    let kind = doc.get("kind")?.as_str()?;
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    Some((group.to_owned(), kind.to_owned()))
}
