//! `telemetry.istio.io`: Telemetry (stored as `v1alpha1`, also served as `v1`).

#[allow(clippy::module_inception)]
mod telemetry;

pub use telemetry::{
    AccessLogFilter, AccessLogging, CustomTag, Environment, Formatter, IstioMetric, Literal, LogSelector,
    MetricSelector, Metrics, MetricsOverrides, ProviderRef, RequestHeader, TagOperation, TagOverride, Telemetry,
    TelemetrySpec, Tracing, TracingSelector, WorkloadMode,
};
