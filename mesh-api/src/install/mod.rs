//! `install.istio.io`: the IstioOperator that describes an installation.
//!
//! [`IstioOperator`] is the root; its `spec.values` tree is [`Values`] and its `spec.meshConfig`
//! is [`MeshConfig`].

mod de;
mod istio_operator;
mod mesh_config;
mod values;

pub use istio_operator::{
    BaseComponentSpec, ComponentSpec, GatewayComponentSpec, HorizontalPodAutoscalerSpec,
    IstioComponentSpec, IstioOperator, IstioOperatorSpec, KubernetesOverlay, KubernetesResources,
    MetricSpec, MetricTarget, Patch, ResourceMetricSource, ScaleTargetRef,
};
pub use mesh_config::*;
pub use values::*;
