//! `install.istio.io`: the IstioOperator that describes an installation.
//!
//! [`IstioOperator`] is the root; its `spec.values` tree is [`Values`] and its `spec.meshConfig`
//! is [`MeshConfig`].

mod de;
mod istio_operator;
mod istio_operator_validation;
mod mesh_config;
mod values;

pub use istio_operator::{
    BaseComponentSpec, ComponentSpec, GatewayComponentSpec, HorizontalPodAutoscalerSpec,
    IstioComponentSpec, IstioOperator, IstioOperatorSpec, KubernetesOverlay, KubernetesResources,
    MetricSpec, MetricTarget, Patch, ResourceMetricSource, ScaleTargetRef,
};
pub use mesh_config::*;
pub use values::*;

/// Finding the shared test corpus.
#[cfg(test)]
pub(crate) mod test_corpus {
    use std::path::{Path, PathBuf};

    /// `MESH_CORPUS`, else the first `shared/corpus` above this crate; `None` (after saying
    /// so) when there is none, which fails under `CI=true`.
    pub(crate) fn dir() -> Option<PathBuf> {
        if let Ok(dir) = std::env::var("MESH_CORPUS") {
            return Some(PathBuf::from(dir));
        }
        let found = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared/corpus"))
            .find(|dir| dir.is_dir());
        if found.is_none() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "corpus not found"
            );
            println!("skipped: corpus not found");
        }
        found
    }

    /// The `*.yaml` files of `dir`, sorted.
    pub(crate) fn yaml_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
        files.sort();
        files
    }
}
