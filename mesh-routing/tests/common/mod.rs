//! Helpers shared by the integration tests: build a mesh from YAML snippets.
#![allow(dead_code)]

use mesh_routing::{Mesh, MeshSettings};

/// Compiles a YAML stream; panics when a document does not load.
pub fn mesh_with(yaml: &str, settings: &MeshSettings) -> Mesh {
    let loaded = mesh_api::load_str(yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    Mesh::compile(&objects, settings)
}

/// Compiles with default settings.
pub fn mesh(yaml: &str) -> Mesh {
    mesh_with(yaml, &MeshSettings::default())
}

/// A Kubernetes Service with one HTTP port selecting `app: <name>`.
pub fn svc(name: &str, namespace: &str, port: u32) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{ports: [{{name: http, port: {port}}}], selector: {{app: {name}}}}}\n"
    )
}

/// A Pod with labels `app: <app>, version: <version>`.
pub fn pod(name: &str, namespace: &str, app: &str, version: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {{app: {app}, version: {version}}}}}\n"
    )
}
pub mod boutique;
