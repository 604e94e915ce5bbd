//! `telemetry.istio.io`: Telemetry (stored as `v1alpha1`, also served as `v1`).
//!
//! [`Telemetry`] sets, per mesh, namespace or workload, which metrics are produced and how they
//! are tagged, how traces are sampled and reported, and which requests are logged.
//!
//! # Examples
//!
//! ```
//! use mesh_api::telemetry::Telemetry;
//! use mesh_api::Validate;
//!
//! let telemetry: Telemetry = serde_yaml::from_str(r#"
//! apiVersion: telemetry.istio.io/v1
//! kind: Telemetry
//! metadata: {name: mesh-default, namespace: istio-system}
//! spec:
//!   tracing: [{providers: [{name: otel}], randomSamplingPercentage: 10}]
//!   accessLogging: [{providers: [{name: envoy}], filter: {expression: "response.code >= 400"}}]
//! "#)?;
//! assert_eq!(telemetry.spec.tracing[0].random_sampling_percentage, Some(10.0));
//! assert!(telemetry.validate().is_empty());
//! # Ok::<(), serde_yaml::Error>(())
//! ```

#[allow(clippy::module_inception)]
mod telemetry;

pub use telemetry::{
    AccessLogFilter, AccessLogging, CustomTag, Environment, Formatter, IstioMetric, Literal, LogSelector,
    MetricSelector, Metrics, MetricsOverrides, ProviderRef, RequestHeader, TagOperation, TagOverride, Telemetry,
    TelemetrySpec, Tracing, TracingSelector, WorkloadMode,
};
