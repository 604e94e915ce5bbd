//! `install.istio.io`: the IstioOperator that describes an installation.
//!
//! [`IstioOperator`] is the root; its `spec.values` tree is [`Values`] and its `spec.meshConfig`
//! is [`MeshConfig`]. Reading refuses unknown keys where Istio does (the top level, `spec`,
//! `spec.values`, Kubernetes settings); [`Validate`](crate::Validate) applies the checks
//! `istioctl` runs before installing.
//!
//! ```
//! use mesh_api::install::IstioOperator;
//! use mesh_api::{Level, Validate};
//!
//! let iop = mesh_api::from_yaml_str::<IstioOperator>(r#"
//! apiVersion: install.istio.io/v1alpha1
//! kind: IstioOperator
//! spec:
//!   revision: Canary
//!   values:
//!     global:
//!       proxy:
//!         excludeIPRanges: "10.0.0.0/8"
//! "#)?;
//! let problems = iop.validate();
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].level, Level::Error);
//! assert_eq!(problems[0].path.to_string(), "spec.revision");
//!
//! // Istio's values schema is closed: a misspelt key is refused, and named.
//! let err = mesh_api::from_yaml_str::<IstioOperator>(
//!     "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    pilot:\n      autoscaleMinn: 2\n",
//! )
//!     .unwrap_err();
//! assert!(err.to_string().contains("autoscaleMinn"));
//! # Ok::<(), mesh_api::Error>(())
//! ```

mod de;
mod istio_operator;
mod istio_operator_validation;
mod mesh_config;
mod values;

pub use istio_operator::{
    BaseComponentSpec, ComponentSpec, GatewayComponentSpec, HorizontalPodAutoscalerSpec, IstioComponentSpec,
    IstioOperator, IstioOperatorSpec, KubernetesOverlay, KubernetesResources, MetricSpec, MetricTarget, Patch,
    ResourceMetricSource, ScaleTargetRef,
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
            assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found");
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
