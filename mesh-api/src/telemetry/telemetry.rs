//! `Telemetry`: which metrics, traces and access logs workloads produce, and where they go.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::security::selection::check_selection;
use crate::validation::rules;
use crate::{Duration, IstioStatus, LabelSelector, PolicyTargetReference, Problem, Validate, Validator};

/// Telemetry settings for the selected workloads. A workload takes the mesh-wide object (root
/// namespace, no selector), overlaid by its namespace's, overlaid by one selecting it.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "telemetry.istio.io",
    version = "v1alpha1",
    kind = "Telemetry",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    shortname = "telemetry",
    category = "istio-io",
    category = "telemetry-istio-io",
    doc = "An Istio `Telemetry` (`telemetry.istio.io`, stored as `v1alpha1`, also served as `v1`): metrics, tracing and access logging settings.",
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TelemetrySpec {
    /// The workloads these settings apply to, by labels; absent (and no target references),
    /// every workload in the namespace, or the mesh in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// A single resource (such as a Gateway API `Gateway` or a `Service`) the settings attach to
    /// instead of a selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources the settings attach to instead of a selector (at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Tracing settings; Istio supports only one entry today.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracing: Vec<Tracing>,
    /// Metrics settings, per provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metrics>,
    /// Access logging settings, per provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_logging: Vec<AccessLogging>,
}

/// How spans are produced and reported.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tracing {
    /// Which side of the traffic (client, server, both) these settings cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "match")]
    pub match_: Option<TracingSelector>,
    /// The tracing providers to report to (extension providers of the mesh config); Istio
    /// supports one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Percentage of requests (0.0 to 100.0) that start a new sampled trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_sampling_percentage: Option<f64>,
    /// Whether to stop reporting spans while still propagating trace context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_span_reporting: Option<bool>,
    /// Extra tags added to spans, by tag name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub custom_tags: IndexMap<String, CustomTag>,
    /// Whether the `x-request-id` header decides sampling (consistent across hops).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_request_id_for_trace_sampling: Option<bool>,
    /// Whether Istio's own tags (such as `istio.canonical_service`) are added to spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_istio_tags: Option<bool>,
    /// Whether to stop propagating trace context headers to upstream services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_context_propagation: Option<bool>,
}

/// Chooses the side of the traffic tracing settings apply to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingSelector {
    /// Client side, server side or both (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// Where the value of a custom span tag comes from. Exactly one field is meant to be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomTag {
    /// A fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<Literal>,
    /// An environment variable of the proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// A header of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    /// An Envoy access-log style formatter expression, such as `%REQ(:PATH)%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatter: Option<Formatter>,
}

/// A fixed tag value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Literal {
    /// The value; must not be empty.
    pub value: String,
}

/// A tag value read from an environment variable of the proxy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    /// The variable name; must not be empty.
    pub name: String,
    /// The value used when the variable is not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A tag value read from a request header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestHeader {
    /// The header name; must not be empty.
    pub name: String,
    /// The value used when the header is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A tag value computed by an Envoy formatter expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Formatter {
    /// The expression, such as `%REQ(:PATH)%`; must not be empty.
    pub value: String,
}

/// Names a telemetry provider defined in the mesh config (`extensionProviders`) or a built-in
/// one such as `prometheus`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderRef {
    /// The provider name; must not be empty.
    pub name: String,
}

impl ProviderRef {
    /// A reference to the provider `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

/// Which metrics are produced and how they are tagged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metrics {
    /// The metrics providers these settings apply to; absent, the mesh defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Changes to single metrics, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<MetricsOverrides>,
    /// How often metrics are reported (for push-based providers); at least 1ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_interval: Option<Duration>,
}

/// Which side of the traffic a setting covers (telemetry's own mode list; `CLIENT_AND_SERVER`
/// is the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    /// Both the client and the server side.
    #[default]
    ClientAndServer,
    /// Only the client (outbound) side.
    Client,
    /// Only the server (inbound) side.
    Server,
}

/// Picks the metrics an override changes: a standard Istio metric or a custom one by name,
/// optionally limited to one side of the traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSelector {
    /// A standard Istio metric (`ALL_METRICS` for all of them). Not together with `customMetric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<IstioMetric>,
    /// The name of a metric that is not one of Istio's standard ones, without prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_metric: Option<String>,
    /// Client side, server side or both (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// Istio's standard metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IstioMetric {
    /// Every standard metric.
    #[default]
    AllMetrics,
    /// `requests_total`.
    RequestCount,
    /// `request_duration_milliseconds`.
    RequestDuration,
    /// `request_bytes`.
    RequestSize,
    /// `response_bytes`.
    ResponseSize,
    /// `tcp_connections_opened_total`.
    TcpOpenedConnections,
    /// `tcp_connections_closed_total`.
    TcpClosedConnections,
    /// `tcp_sent_bytes_total`.
    TcpSentBytes,
    /// `tcp_received_bytes_total`.
    TcpReceivedBytes,
    /// `request_messages_total` (gRPC).
    GrpcRequestMessages,
    /// `response_messages_total` (gRPC).
    GrpcResponseMessages,
}

/// Turns selected metrics on or off and changes their tags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsOverrides {
    /// The metrics this override applies to; absent, all of them on both sides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "match")]
    pub match_: Option<MetricSelector>,
    /// Whether the selected metrics are turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Tags to add, change or remove, by tag name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tag_overrides: IndexMap<String, TagOverride>,
}

/// A change to one metric tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagOverride {
    /// Set the tag (the default) or remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<TagOperation>,
    /// For `UPSERT`, a CEL expression giving the tag value; must be empty for `REMOVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// What a [`TagOverride`] does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagOperation {
    /// Add the tag, or replace its value.
    #[default]
    Upsert,
    /// Drop the tag.
    Remove,
}

/// Access logging settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessLogging {
    /// Which side of the traffic (client, server, both) these settings cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "match")]
    pub match_: Option<LogSelector>,
    /// The access log providers these settings apply to; absent, the mesh defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Whether access logging is turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Logs only the requests for which this filter holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<AccessLogFilter>,
}

/// Chooses the side of the traffic access logging settings apply to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogSelector {
    /// Client side, server side or both (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// Decides which requests are logged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessLogFilter {
    /// A CEL expression over request attributes, such as `response.code >= 400`; a request is
    /// logged when it evaluates to true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

impl Validate for Telemetry {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "Telemetry", &self.metadata);
        v.field("spec", |v| {
            let spec = &self.spec;
            check_selection(v, spec.selector.as_ref(), spec.target_ref.as_ref(), &spec.target_refs);
            v.field("metrics", |v| {
                for (i, metrics) in spec.metrics.iter().enumerate() {
                    v.item(i, |v| metrics.check(v));
                }
            });
            v.field("tracing", |v| {
                if spec.tracing.len() > 1 {
                    v.warn("Istio supports only one tracing entry; the others are ignored");
                }
                for (i, tracing) in spec.tracing.iter().enumerate() {
                    v.item(i, |v| tracing.check(v));
                }
            });
            v.field("accessLogging", |v| {
                for (i, logging) in spec.access_logging.iter().enumerate() {
                    v.item(i, |v| logging.check(v));
                }
            });
        });
        v.finish()
    }
}

/// Each provider needs a name.
fn check_providers(v: &mut Validator, providers: &[ProviderRef]) {
    v.field("providers", |v| {
        for (i, provider) in providers.iter().enumerate() {
            if provider.name.is_empty() {
                v.item(i, |v| v.error_at("name", "a provider name must not be empty"));
            }
        }
    });
}

impl Metrics {
    fn check(&self, v: &mut Validator) {
        check_providers(v, &self.providers);
        if let Some(interval) = &self.reporting_interval
            && interval.as_nanos() < 1_000_000
        {
            v.error_at(
                "reportingInterval",
                format!("reporting interval {interval} is too short; it must be at least 1ms"),
            );
        }
        v.field("overrides", |v| {
            for (i, overrides) in self.overrides.iter().enumerate() {
                v.item(i, |v| overrides.check(v));
            }
        });
    }
}

impl MetricsOverrides {
    fn check(&self, v: &mut Validator) {
        if let Some(selector) = &self.match_ {
            v.field("match", |v| {
                if selector.metric.is_some() && selector.custom_metric.is_some() {
                    v.error("set only one of metric and customMetric");
                }
                if selector.custom_metric.as_deref().is_some_and(str::is_empty) {
                    v.error_at("customMetric", "the custom metric name must not be empty");
                }
            });
        }
        v.field("tagOverrides", |v| {
            for (name, tag) in &self.tag_overrides {
                v.field(name, |v| {
                    if name.is_empty() {
                        v.warn("a tag name should not be empty");
                    }
                    match tag.operation.unwrap_or_default() {
                        TagOperation::Upsert if tag.value.as_deref().unwrap_or_default().is_empty() => {
                            v.error_at("value", "a tag set with UPSERT needs a value expression")
                        }
                        TagOperation::Remove if tag.value.is_some() => {
                            v.error_at("value", "a tag removed with REMOVE takes no value")
                        }
                        _ => {}
                    }
                });
            }
        });
    }
}

impl Tracing {
    fn check(&self, v: &mut Validator) {
        if self.providers.len() > 1 {
            v.warn_at("providers", "Istio supports only one tracing provider per entry; the others are ignored");
        }
        check_providers(v, &self.providers);
        if let Some(percent) = self.random_sampling_percentage {
            v.field("randomSamplingPercentage", |v| rules::check_percent(v, percent));
        }
        v.field("customTags", |v| {
            for (name, tag) in &self.custom_tags {
                v.field(name, |v| {
                    if name.is_empty() {
                        v.error("a tag name must not be empty");
                    }
                    tag.check(v);
                });
            }
        });
    }
}

impl CustomTag {
    fn check(&self, v: &mut Validator) {
        let set = [self.literal.is_some(), self.environment.is_some(), self.header.is_some(), self.formatter.is_some()];
        if set.iter().filter(|s| **s).count() > 1 {
            v.error("set only one of literal, environment, header and formatter");
        }
        if self.literal.as_ref().is_some_and(|l| l.value.is_empty()) {
            v.field("literal", |v| v.error_at("value", "a literal tag value must not be empty"));
        }
        if self.environment.as_ref().is_some_and(|e| e.name.is_empty()) {
            v.field("environment", |v| v.error_at("name", "the variable name must not be empty"));
        }
        if self.header.as_ref().is_some_and(|h| h.name.is_empty()) {
            v.field("header", |v| v.error_at("name", "the header name must not be empty"));
        }
        if self.formatter.as_ref().is_some_and(|f| f.value.is_empty()) {
            v.field("formatter", |v| v.error_at("value", "the formatter expression must not be empty"));
        }
    }
}

impl AccessLogging {
    fn check(&self, v: &mut Validator) {
        check_providers(v, &self.providers);
        if let Some(filter) = &self.filter {
            let expression = filter.expression.as_deref().unwrap_or_default();
            if let Some(problem) = cel_syntax_problem(expression) {
                v.field("filter", |v| v.error_at("expression", format!("not a valid CEL expression: {problem}")));
            }
        }
    }
}

/// A light syntax check of a CEL expression: it must not be blank, its string literals must be
/// closed, its brackets balanced, and it must not start or end with a binary operator. (Istio runs the real CEL parser; this catches the usual
/// slips without one.)
fn cel_syntax_problem(expression: &str) -> Option<String> {
    if expression.trim().is_empty() {
        return Some("the expression is empty".to_owned());
    }
    let mut open: Vec<char> = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let triple = chars.clone().take(2).all(|n| n == c);
                if triple {
                    chars.nth(1);
                }
                let mut closed = false;
                let mut run = 0;
                while let Some(n) = chars.next() {
                    if n == '\\' {
                        chars.next();
                        run = 0;
                        continue;
                    }
                    if n == c {
                        run += 1;
                        if !triple || run == 3 {
                            closed = true;
                            break;
                        }
                    } else {
                        run = 0;
                    }
                }
                if !closed {
                    return Some("a string literal is not closed".to_owned());
                }
            }
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let expected = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(expected) {
                    return Some(format!("unexpected '{c}'"));
                }
            }
            _ => {}
        }
    }
    if let Some(c) = open.last() {
        return Some(format!("'{c}' is not closed"));
    }
    let trimmed = expression.trim();
    if trimmed.ends_with(['+', '-', '*', '/', '%', '&', '|', '!', '<', '>', '=', '.', ',', '?', ':']) {
        return Some("the expression ends with an operator".to_owned());
    }
    if trimmed.starts_with(['*', '/', '%', '&', '|', '<', '>', '=', '.', ',', '?', ':']) {
        return Some("the expression starts with an operator".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn check(spec: &str) -> Vec<(String, Level)> {
        let yaml = format!("apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: t}}\nspec: {spec}");
        let telemetry: Telemetry = serde_yaml::from_str(&yaml).expect("test input loads");
        telemetry.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn has(spec: &str, path: &str, level: Level) {
        let found = check(spec);
        assert!(found.contains(&(path.to_owned(), level)), "expected {level} at {path}, found {found:?}");
    }

    fn names<T: Serialize>(values: &[T]) -> Vec<String> {
        values.iter().map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn enum_values_are_istios() {
        use IstioMetric::*;
        assert_eq!(
            names(&[WorkloadMode::ClientAndServer, WorkloadMode::Client, WorkloadMode::Server]),
            ["CLIENT_AND_SERVER", "CLIENT", "SERVER"]
        );
        assert_eq!(names(&[TagOperation::Upsert, TagOperation::Remove]), ["UPSERT", "REMOVE"]);
        let metrics = [
            AllMetrics,
            RequestCount,
            RequestDuration,
            RequestSize,
            ResponseSize,
            TcpOpenedConnections,
            TcpClosedConnections,
            TcpSentBytes,
            TcpReceivedBytes,
            GrpcRequestMessages,
            GrpcResponseMessages,
        ];
        assert_eq!(
            names(&metrics),
            [
                "ALL_METRICS",
                "REQUEST_COUNT",
                "REQUEST_DURATION",
                "REQUEST_SIZE",
                "RESPONSE_SIZE",
                "TCP_OPENED_CONNECTIONS",
                "TCP_CLOSED_CONNECTIONS",
                "TCP_SENT_BYTES",
                "TCP_RECEIVED_BYTES",
                "GRPC_REQUEST_MESSAGES",
                "GRPC_RESPONSE_MESSAGES"
            ]
        );
    }

    #[test]
    fn provider_names_must_not_be_empty() {
        has("{metrics: [{providers: [{name: ''}]}]}", "spec.metrics[0].providers[0].name", Level::Error);
        has("{tracing: [{providers: [{name: ''}]}]}", "spec.tracing[0].providers[0].name", Level::Error);
        has("{accessLogging: [{providers: [{name: ''}]}]}", "spec.accessLogging[0].providers[0].name", Level::Error);
    }

    #[test]
    fn custom_metric_must_not_be_empty() {
        has(
            "{metrics: [{overrides: [{match: {customMetric: ''}}]}]}",
            "spec.metrics[0].overrides[0].match.customMetric",
            Level::Error,
        );
    }

    #[test]
    fn metric_and_custom_metric_exclude_each_other() {
        has(
            "{metrics: [{overrides: [{match: {metric: REQUEST_COUNT, customMetric: x}}]}]}",
            "spec.metrics[0].overrides[0].match",
            Level::Error,
        );
    }

    #[test]
    fn upsert_needs_a_value() {
        let at = "spec.metrics[0].overrides[0].tagOverrides.foo.value";
        has("{metrics: [{overrides: [{tagOverrides: {foo: {operation: UPSERT}}}]}]}", at, Level::Error);
        has("{metrics: [{overrides: [{tagOverrides: {foo: {}}}]}]}", at, Level::Error);
        assert!(check("{metrics: [{overrides: [{tagOverrides: {foo: {value: request.host}}}]}]}").is_empty());
    }

    #[test]
    fn remove_takes_no_value() {
        let at = "spec.metrics[0].overrides[0].tagOverrides.foo.value";
        has("{metrics: [{overrides: [{tagOverrides: {foo: {operation: REMOVE, value: oops}}}]}]}", at, Level::Error);
        assert!(check("{metrics: [{overrides: [{tagOverrides: {foo: {operation: REMOVE}}}]}]}").is_empty());
    }

    #[test]
    fn empty_tag_override_name_warns() {
        has(
            "{metrics: [{overrides: [{tagOverrides: {'': {operation: REMOVE}}}]}]}",
            "spec.metrics[0].overrides[0].tagOverrides.",
            Level::Warning,
        );
    }

    #[test]
    fn reporting_interval_is_at_least_a_millisecond() {
        has("{metrics: [{reportingInterval: 10us}]}", "spec.metrics[0].reportingInterval", Level::Error);
        assert!(check("{metrics: [{reportingInterval: 5s}]}").is_empty());
    }

    #[test]
    fn several_tracing_entries_or_providers_warn() {
        has("{tracing: [{}, {}]}", "spec.tracing", Level::Warning);
        has("{tracing: [{providers: [{name: a}, {name: b}]}]}", "spec.tracing[0].providers", Level::Warning);
    }

    #[test]
    fn sampling_percentage_is_between_0_and_100() {
        has("{tracing: [{randomSamplingPercentage: 100.5}]}", "spec.tracing[0].randomSamplingPercentage", Level::Error);
        has("{tracing: [{randomSamplingPercentage: -1}]}", "spec.tracing[0].randomSamplingPercentage", Level::Error);
        assert!(check("{tracing: [{randomSamplingPercentage: 54.54}]}").is_empty());
    }

    #[test]
    fn custom_tags_are_named_and_filled() {
        has("{tracing: [{customTags: {'': {literal: {value: v}}}}]}", "spec.tracing[0].customTags.", Level::Error);
        has(
            "{tracing: [{customTags: {t: {literal: {value: ''}}}}]}",
            "spec.tracing[0].customTags.t.literal.value",
            Level::Error,
        );
        has(
            "{tracing: [{customTags: {t: {header: {name: ''}}}}]}",
            "spec.tracing[0].customTags.t.header.name",
            Level::Error,
        );
        has(
            "{tracing: [{customTags: {t: {environment: {name: ''}}}}]}",
            "spec.tracing[0].customTags.t.environment.name",
            Level::Error,
        );
        has(
            "{tracing: [{customTags: {t: {formatter: {value: ''}}}}]}",
            "spec.tracing[0].customTags.t.formatter.value",
            Level::Error,
        );
    }

    #[test]
    fn a_custom_tag_has_one_source() {
        has(
            "{tracing: [{customTags: {t: {literal: {value: v}, header: {name: h}}}}]}",
            "spec.tracing[0].customTags.t",
            Level::Error,
        );
    }

    #[test]
    fn access_log_filter_must_be_a_cel_expression() {
        let at = "spec.accessLogging[0].filter.expression";
        for bad in [
            "''",
            "'response.code >= (400'",
            "'request.headers[\"x\"'",
            "'\"open'",
            "{}",
            "')++++'",
            "'a &&'",
            "'== 1'",
        ] {
            let spec = if bad == "{}" {
                "{accessLogging: [{filter: {}}]}".to_owned()
            } else {
                format!("{{accessLogging: [{{filter: {{expression: {bad}}}}}]}}")
            };
            has(&spec, at, Level::Error);
        }
        assert!(
            check(
                r#"{accessLogging: [{filter: {expression: 'response.code >= 400 && request.headers["x"] == "a(b"'}}]}"#
            )
            .is_empty()
        );
    }

    #[test]
    fn selector_and_target_ref_exclude_each_other() {
        has(
            "{selector: {matchLabels: {app: a}}, targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: g}}",
            "spec",
            Level::Error,
        );
    }
}
