//! Mesh-wide runtime configuration (`istio.mesh.v1alpha1.MeshConfig` and its `defaultConfig`,
//! `ProxyConfig`), as written under `spec.meshConfig` or `spec.values.meshConfig`.
//!
//! Fields whose type belongs to the networking API (TLS settings, connection pool, outlier
//! detection, locality load balancing, retries, TCP keepalive, readiness probe, proxy image) are
//! kept as ordered JSON here.
//!
//! Istio reads mesh configuration leniently: keys it does not know are dropped, not refused.
//! [`MeshConfig`] and [`ProxyConfig`] therefore keep such keys in their `unknown` map (so a
//! document writes back unchanged) and validation warns about them; nested messages are strict.

use indexmap::IndexMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Duration;

/// Mesh-wide settings read by istiod and the proxies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct MeshConfig {
    /// Port the proxy listens on for outbound traffic.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub proxy_listen_port: Option<i32>,
    /// Port the proxy listens on for inbound traffic.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub proxy_inbound_listen_port: Option<i32>,
    /// Port of the proxy's HTTP proxy listener.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub proxy_http_port: Option<i32>,
    /// Connection timeout for upstream clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// Idle timeout of HBONE connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hbone_idle_timeout: Option<Duration>,
    /// How long protocol sniffing waits for the first bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_detection_timeout: Option<Duration>,
    /// TCP keepalive for upstream connections (a networking `TcpKeepalive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tcp_keepalive: Option<Value>,
    /// Ingress class Istio handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
    /// Service that implements Kubernetes Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_service: Option<String>,
    /// How Kubernetes Ingress resources are handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_controller_mode: Option<IngressControllerMode>,
    /// Gateway selector used for Kubernetes Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_selector: Option<String>,
    /// Whether tracing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_tracing: Option<bool>,
    /// Where proxies write access logs (`/dev/stdout`, a path, or empty for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_file: Option<String>,
    /// Access log format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_format: Option<String>,
    /// Access log encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_encoding: Option<AccessLogEncoding>,
    /// Whether the Envoy access log service is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_envoy_access_log_service: Option<bool>,
    /// Whether listener-level access logs are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_envoy_listener_log: Option<bool>,
    /// Default proxy settings; merged field by field with Istio's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_config: Option<ProxyConfig>,
    /// What sidecars do with traffic to unknown destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    /// How inbound traffic reaches the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_traffic_policy: Option<InboundTrafficPolicy>,
    /// Configuration sources besides Kubernetes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_sources: Vec<ConfigSource>,
    /// Whether mutual TLS is used automatically where both ends support it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_auto_mtls: Option<bool>,
    /// Trust domain of the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_domain: Option<String>,
    /// Other trust domains treated as this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domain_aliases: Vec<String>,
    /// Extra root certificates for workloads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<CertificateData>,
    /// Default `exportTo` of services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_service_export_to: Vec<String>,
    /// Default `exportTo` of VirtualServices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_virtual_service_export_to: Vec<String>,
    /// Default `exportTo` of DestinationRules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_destination_rule_export_to: Vec<String>,
    /// Namespace whose configuration applies mesh-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_namespace: Option<String>,
    /// Locality load balancing (a networking `LocalityLoadBalancerSetting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub locality_lb_setting: Option<Value>,
    /// Zone-aware load balancing (a networking `ZoneAwareLoadBalancerSetting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub zone_aware_lb_setting: Option<Value>,
    /// How often DNS names of clusters are resolved again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_refresh_rate: Option<Duration>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Pattern for inbound cluster stat names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_cluster_stat_name: Option<String>,
    /// Pattern for outbound cluster stat names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_cluster_stat_name: Option<String>,
    /// Certificates istiod provisions (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    /// Per-service settings, such as cluster-local services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_settings: Vec<ServiceSettings>,
    /// Which services are local or global in multi-cluster meshes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_scope_configs: Vec<ServiceScopeConfigs>,
    /// Whether application metrics are merged into the proxy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_prometheus_merge: Option<bool>,
    /// Whether clients verify server certificates (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_certificate_at_client: Option<bool>,
    /// The certificate authority workloads use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<Ca>,
    /// Named providers that Telemetry and AuthorizationPolicy resources refer to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension_providers: Vec<ExtensionProvider>,
    /// Providers used when a Telemetry resource names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_providers: Option<DefaultProviders>,
    /// Namespaces istiod watches; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discovery_selectors: Vec<LabelSelector>,
    /// How request paths are normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_normalization: Option<ProxyPathNormalization>,
    /// Default HTTP retry policy (a networking `HTTPRetry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub default_http_retry_policy: Option<Value>,
    /// Default retry policy for inbound HTTP traffic (a networking `HTTPRetry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub default_inbound_http_retry_policy: Option<Value>,
    /// TLS settings of mesh mutual TLS.
    #[serde(default, rename = "meshMTLS", skip_serializing_if = "Option::is_none")]
    pub mesh_mtls: Option<TlsConfig>,
    /// TLS settings of other TLS connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_defaults: Option<TlsConfig>,
    /// Default traffic policy for every destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_traffic_policy: Option<DefaultTrafficPolicy>,
    /// Default visibility of ServiceEntries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_entry_visibility: Option<ServiceEntryVisibility>,
    /// Keys this version does not know. Istio drops them after its strict read fails, so they
    /// are kept here as written and reported as warnings by validation.
    #[serde(flatten, default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(skip)]
    pub unknown: IndexMap<String, Value>,
}

/// How Kubernetes Ingress resources are handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IngressControllerMode {
    /// Not set.
    Unspecified,
    /// Ingress resources are ignored.
    Off,
    /// Ingress resources without a class, or with Istio's class, are handled.
    Default,
    /// Only Ingress resources with Istio's class are handled.
    Strict,
}

/// Access log encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessLogEncoding {
    /// Plain text.
    Text,
    /// JSON.
    Json,
}

/// Whether HTTP/1.1 connections are upgraded to HTTP/2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// Keep HTTP/1.1.
    DoNotUpgrade,
    /// Upgrade to HTTP/2.
    Upgrade,
}

/// What sidecars do with traffic to destinations outside the registry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutboundTrafficPolicy {
    /// The policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficPolicyMode>,
    /// TLS for passthrough traffic (a networking `ClientTLSSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tls: Option<Value>,
}

/// Outbound traffic policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundTrafficPolicyMode {
    /// Only registered destinations are reachable.
    RegistryOnly,
    /// Unknown destinations are passed through.
    AllowAny,
    /// Unknown destinations are passed through, resolved by DNS.
    AllowAnyDynamicDns,
}

/// How inbound traffic reaches the application.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InboundTrafficPolicy {
    /// The policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<InboundTrafficPolicyMode>,
}

/// Inbound traffic policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InboundTrafficPolicyMode {
    /// Traffic goes to the pod IP it was sent to.
    Passthrough,
    /// Traffic goes to localhost.
    Localhost,
}

/// A configuration source besides Kubernetes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigSource {
    /// Address of the source (`xds://host:port`, `k8s://`, `fs://path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// TLS towards the source (a networking `ClientTLSSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tls_settings: Option<Value>,
    /// Resources taken from the source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscribed_resources: Vec<ConfigResource>,
}

/// A kind of resource a configuration source provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigResource {
    /// Service registry entries.
    ServiceRegistry,
}

/// An extra root certificate, given inline or by SPIFFE bundle URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateData {
    /// PEM text of the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pem: Option<String>,
    /// URL of a SPIFFE bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spiffe_bundle_url: Option<String>,
    /// Signers that use this root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_signers: Vec<String>,
    /// Trust domains that use this root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domains: Vec<String>,
}

/// A certificate istiod provisions (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certificate {
    /// Secret the certificate is stored in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// DNS names of the certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
}

/// Settings for a set of services.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSettings {
    /// The settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ServiceSettingsValues>,
    /// Host names (wildcards allowed) they apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// Per-service settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSettingsValues {
    /// Whether the services are reachable only within their cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_local: Option<bool>,
}

/// Which services are local or global.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceScopeConfigs {
    /// Namespaces the setting applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Services the setting applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services_selector: Option<LabelSelector>,
    /// The scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ServiceScope>,
}

/// Scope of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceScope {
    /// Reachable only within the cluster.
    Local,
    /// Reachable from every cluster.
    Global,
}

/// The certificate authority workloads use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ca {
    /// Address of the CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// TLS towards the CA (a networking `ClientTLSSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tls_settings: Option<Value>,
    /// Timeout of requests to the CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout: Option<Duration>,
    /// Whether istiod, rather than the agent, talks to the CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_side: Option<bool>,
}

/// A named extension provider: one tracing, logging, metrics or authorization back end.
///
/// Exactly one of the provider fields should be set; validation warns otherwise.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtensionProvider {
    /// Name other resources use to refer to the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// External authorization over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_ext_authz_http: Option<EnvoyExtAuthzHttpProvider>,
    /// External authorization over gRPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_ext_authz_grpc: Option<EnvoyExtAuthzGrpcProvider>,
    /// Zipkin tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipkin: Option<ZipkinTracingProvider>,
    /// Lightstep tracing (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lightstep: Option<LightstepTracingProvider>,
    /// Datadog tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datadog: Option<DatadogTracingProvider>,
    /// Stackdriver (Google Cloud) tracing, metrics and logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackdriver: Option<StackdriverProvider>,
    /// OpenCensus agent tracing (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opencensus: Option<OpenCensusAgentTracingProvider>,
    /// Apache SkyWalking tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skywalking: Option<SkyWalkingTracingProvider>,
    /// OpenTelemetry tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opentelemetry: Option<OpenTelemetryTracingProvider>,
    /// Prometheus metrics (presence turns it on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<EmptyMessage>,
    /// Access logs written to a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_file_access_log: Option<EnvoyFileAccessLogProvider>,
    /// HTTP access logs sent to a gRPC access log service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_http_als: Option<EnvoyHttpGrpcLogProvider>,
    /// TCP access logs sent to a gRPC access log service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_tcp_als: Option<EnvoyTcpGrpcLogProvider>,
    /// Access logs sent to an OpenTelemetry collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_otel_als: Option<EnvoyOpenTelemetryLogProvider>,
    /// A secret discovery service for certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sds: Option<SdsProvider>,
}

impl ExtensionProvider {
    /// Names of the provider fields that are set (normally one).
    pub fn kinds(&self) -> Vec<&'static str> {
        let set = [
            ("envoyExtAuthzHttp", self.envoy_ext_authz_http.is_some()),
            ("envoyExtAuthzGrpc", self.envoy_ext_authz_grpc.is_some()),
            ("zipkin", self.zipkin.is_some()),
            ("lightstep", self.lightstep.is_some()),
            ("datadog", self.datadog.is_some()),
            ("stackdriver", self.stackdriver.is_some()),
            ("opencensus", self.opencensus.is_some()),
            ("skywalking", self.skywalking.is_some()),
            ("opentelemetry", self.opentelemetry.is_some()),
            ("prometheus", self.prometheus.is_some()),
            ("envoyFileAccessLog", self.envoy_file_access_log.is_some()),
            ("envoyHttpAls", self.envoy_http_als.is_some()),
            ("envoyTcpAls", self.envoy_tcp_als.is_some()),
            ("envoyOtelAls", self.envoy_otel_als.is_some()),
            ("sds", self.sds.is_some()),
        ];
        set.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect()
    }
}

/// What of the request body is sent for external authorization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyExtAuthzRequestBody {
    /// Most body bytes buffered and sent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_request_bytes: Option<u32>,
    /// Whether a body cut at `maxRequestBytes` is sent rather than refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_partial_message: Option<bool>,
    /// Whether the body is sent as raw bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_as_bytes: Option<bool>,
}

/// External authorization over HTTP.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyExtAuthzHttpProvider {
    /// Host name of the authorization service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the authorization service.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Timeout of authorization requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Prefix added to the request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Whether requests are allowed when the service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open: Option<bool>,
    /// Whether the route cache is cleared after the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_route_cache: Option<bool>,
    /// HTTP status returned when the service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_on_error: Option<String>,
    /// Request headers sent to the service (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_headers_in_check: Vec<String>,
    /// Request headers sent to the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_request_headers_in_check: Vec<String>,
    /// Extra headers sent to the service, name to value.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub include_additional_headers_in_check: IndexMap<String, String>,
    /// Whether and how the request body is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_request_body_in_check: Option<EnvoyExtAuthzRequestBody>,
    /// Service response headers copied to the upstream request when allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_upstream_on_allow: Vec<String>,
    /// Service response headers copied to the response when denied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_downstream_on_deny: Vec<String>,
    /// Service response headers copied to the response when allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_downstream_on_allow: Vec<String>,
}

/// External authorization over gRPC.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyExtAuthzGrpcProvider {
    /// Host name of the authorization service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the authorization service.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Timeout of authorization requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Whether requests are allowed when the service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open: Option<bool>,
    /// Whether the route cache is cleared after the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_route_cache: Option<bool>,
    /// HTTP status returned when the service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_on_error: Option<String>,
    /// Whether and how the request body is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_request_body_in_check: Option<EnvoyExtAuthzRequestBody>,
}

/// Zipkin tracing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZipkinTracingProvider {
    /// Host name of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the collector.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Whether 64-bit trace ids are used.
    #[serde(default, rename = "enable64bitTraceId", skip_serializing_if = "Option::is_none")]
    pub enable_64bit_trace_id: Option<bool>,
    /// Path spans are sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Which trace context headers are propagated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_context_option: Option<ZipkinTraceContextOption>,
    /// Timeout of requests to the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Extra headers on requests to the collector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
}

/// Trace context headers a Zipkin provider propagates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ZipkinTraceContextOption {
    /// B3 headers only.
    UseB3,
    /// B3 and W3C trace context headers.
    UseB3WithW3cPropagation,
}

/// Lightstep tracing (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LightstepTracingProvider {
    /// Host name of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the collector.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// Datadog tracing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatadogTracingProvider {
    /// Host name of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the agent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// Apache SkyWalking tracing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkyWalkingTracingProvider {
    /// Host name of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the collector.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Stackdriver (Google Cloud) provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackdriverProvider {
    /// Whether debug tracing is on (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// Most attributes per span (deprecated).
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_attributes: Option<i64>,
    /// Most annotations per span (deprecated).
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_annotations: Option<i64>,
    /// Most message events per span (deprecated).
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_message_events: Option<i64>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Logging settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<StackdriverLogging>,
}

/// Stackdriver logging settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackdriverLogging {
    /// Labels added to log entries, name to expression.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
}

/// OpenCensus agent tracing (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenCensusAgentTracingProvider {
    /// Host name of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the agent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Trace context propagation formats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<TraceContext>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// OpenTelemetry tracing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenTelemetryTracingProvider {
    /// Host name of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the collector.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Longest tag value.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Export over HTTP instead of gRPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpService>,
    /// Settings of gRPC export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcService>,
    /// Resource detectors that add attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_detectors: Option<ResourceDetectors>,
    /// Which attribute conventions describe the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_attribute_enrichment: Option<ServiceAttributeEnrichment>,
    /// Dynatrace sampler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynatrace_sampler: Option<DynatraceSampler>,
}

/// Attribute conventions that describe the service in spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceAttributeEnrichment {
    /// Istio's canonical service labels.
    IstioCanonical,
    /// OpenTelemetry semantic conventions.
    OtelSemanticConventions,
}

/// Resource detectors of an OpenTelemetry provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceDetectors {
    /// Attributes from `OTEL_RESOURCE_ATTRIBUTES` (presence turns it on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EmptyMessage>,
    /// Attributes from Dynatrace (presence turns it on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynatrace: Option<EmptyMessage>,
}

/// The Dynatrace sampler.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DynatraceSampler {
    /// Dynatrace tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Dynatrace cluster id.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i32>,
    /// Root spans sampled per minute.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub root_spans_per_minute: Option<u32>,
    /// The Dynatrace API the sampler reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_service: Option<DynatraceApi>,
}

/// The Dynatrace API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DynatraceApi {
    /// Host name of the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the API.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// HTTP settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpService>,
}

/// HTTP export settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpService {
    /// Request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Request timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
}

/// gRPC export settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcService {
    /// Request timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Extra request metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial_metadata: Vec<HttpHeader>,
}

/// A header: a fixed value or one read from an environment variable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpHeader {
    /// Header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fixed value (exclusive with `envName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Environment variable holding the value (exclusive with `value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_name: Option<String>,
}

/// Access logs written to a file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyFileAccessLogProvider {
    /// File path, such as `/dev/stdout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Log line format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Whether empty values are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_empty_values: Option<bool>,
}

/// An access log format: a text template, or JSON labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogFormat {
    /// Text template with Envoy command operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// JSON object of labels to command operators; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub labels: Option<Map<String, Value>>,
}

/// HTTP access logs sent to a gRPC access log service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyHttpGrpcLogProvider {
    /// Host name of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the service.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Filter state objects logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter_state_objects_to_log: Vec<String>,
    /// Extra request headers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_request_headers_to_log: Vec<String>,
    /// Extra response headers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_response_headers_to_log: Vec<String>,
    /// Extra response trailers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_response_trailers_to_log: Vec<String>,
}

/// TCP access logs sent to a gRPC access log service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyTcpGrpcLogProvider {
    /// Host name of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the service.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Filter state objects logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter_state_objects_to_log: Vec<String>,
}

/// Access logs sent to an OpenTelemetry collector.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyOpenTelemetryLogProvider {
    /// Host name of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the collector.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Log format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

/// A secret discovery service for certificates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SdsProvider {
    /// Name of the SDS resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Host name of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Port of the service.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
}

/// Providers used when a Telemetry resource names none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultProviders {
    /// Tracing providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracing: Vec<String>,
    /// Metrics providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// Access logging providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_logging: Vec<String>,
}

/// How request paths are normalised.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyPathNormalization {
    /// The normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<NormalizationType>,
}

/// A path normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NormalizationType {
    /// Istio's default (currently `BASE`).
    Default,
    /// No normalisation.
    None,
    /// RFC 3986 normalisation.
    Base,
    /// `BASE` and repeated slashes merged.
    MergeSlashes,
    /// `MERGE_SLASHES` and escaped slashes decoded.
    DecodeAndMergeSlashes,
}

/// TLS protocol settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfig {
    /// Lowest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<TlsProtocol>,
    /// ECDH curves offered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecdh_curves: Vec<String>,
    /// Cipher suites offered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
}

/// A TLS version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TlsProtocol {
    /// Envoy's default.
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    /// TLS 1.2.
    #[serde(rename = "TLSV1_2")]
    TlsV1_2,
    /// TLS 1.3.
    #[serde(rename = "TLSV1_3")]
    TlsV1_3,
}

/// Default traffic policy for every destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultTrafficPolicy {
    /// Connection pool (a networking `ConnectionPoolSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub connection_pool: Option<Value>,
    /// Outlier detection (a networking `OutlierDetection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub outlier_detection: Option<Value>,
}

/// Default visibility of ServiceEntries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceEntryVisibility {
    /// Visibility when no policy matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_visibility: Option<Visibility>,
    /// Whether sidecars honour the visibility too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to_sidecars: Option<bool>,
    /// Visibility by namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<VisibilityPolicy>,
}

/// A ServiceEntry visibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Not set.
    VisibilityUnspecified,
    /// Visible nowhere.
    None,
    /// Visible in its own namespace.
    Namespace,
    /// Visible everywhere.
    Public,
}

/// A visibility for matching namespaces.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VisibilityPolicy {
    /// The visibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Which ServiceEntries it applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matching_rules: Vec<VisibilityMatchRule>,
}

/// Matches ServiceEntries by namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VisibilityMatchRule {
    /// Namespaces matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
}

/// Default settings of every proxy (`meshConfig.defaultConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct ProxyConfig {
    /// Directory for generated Envoy configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_path: Option<String>,
    /// Path of the Envoy binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_path: Option<String>,
    /// Service cluster name for tracing (exclusive with `tracingServiceName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cluster: Option<String>,
    /// How the tracing service name is built (exclusive with `serviceCluster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_service_name: Option<TracingServiceName>,
    /// How long Envoy drains connections on restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_duration: Option<Duration>,
    /// Address of the discovery service (`host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_address: Option<String>,
    /// Polling interval of discovery (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_refresh_delay: Option<Duration>,
    /// Zipkin address (deprecated; use `tracing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipkin_address: Option<String>,
    /// Statsd UDP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statsd_udp_address: Option<String>,
    /// Envoy metrics service address (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_metrics_service_address: Option<String>,
    /// Port of Envoy's admin interface.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub proxy_admin_port: Option<i32>,
    /// Availability zone (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Authentication towards the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_auth_policy: Option<AuthenticationPolicy>,
    /// Custom Envoy configuration file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_config_file: Option<String>,
    /// Longest stat name.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub stat_name_length: Option<i32>,
    /// Worker threads; 0 means one per core.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i32>,
    /// Path of the bootstrap template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_bootstrap_template_path: Option<String>,
    /// How inbound traffic is captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interception_mode: Option<InterceptionMode>,
    /// Tracing settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing: Option<Tracing>,
    /// Secret discovery settings (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sds: Option<Sds>,
    /// Envoy access log service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_access_log_service: Option<RemoteService>,
    /// Envoy metrics service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_metrics_service: Option<RemoteService>,
    /// Extra environment for the agent and Envoy metadata.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub proxy_metadata: IndexMap<String, String>,
    /// Envoy runtime values.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub runtime_values: IndexMap<String, String>,
    /// Port of the agent's status endpoint.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub status_port: Option<i32>,
    /// Extra tags on Envoy stats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_stat_tags: Vec<String>,
    /// Network topology of a gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_topology: Option<Topology>,
    /// How long Envoy drains when the pod stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_drain_duration: Option<Duration>,
    /// Mesh identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_id: Option<String>,
    /// Readiness probe of VMs (a networking `ReadinessProbe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub readiness_probe: Option<Value>,
    /// Which Envoy stats are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_stats_matcher: Option<ProxyStatsMatcher>,
    /// Whether applications wait for the proxy to start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_application_until_proxy_starts: Option<bool>,
    /// Extra trusted root certificates (PEM).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates_pem: Vec<String>,
    /// Proxy image type (a networking `ProxyImage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub image: Option<Value>,
    /// Private key provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_provider: Option<PrivateKeyProvider>,
    /// Headers the proxy adds or changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_headers: Option<ProxyHeaders>,
    /// How often access logs are flushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_flush_interval: Option<Duration>,
    /// Buffer size before access logs are flushed, in kB.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub file_flush_min_size_kb: Option<u32>,
    /// Whether stats are compressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats_compression: Option<bool>,
    /// Connection settings of the proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_settings: Option<ConnectionSettings>,
    /// Keys this version does not know. Istio drops them after its strict read fails, so they
    /// are kept here as written and reported as warnings by validation.
    #[serde(flatten, default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(skip)]
    pub unknown: IndexMap<String, Value>,
}

/// How the tracing service name is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TracingServiceName {
    /// `app` label and namespace.
    AppLabelAndNamespace,
    /// Canonical name only.
    CanonicalNameOnly,
    /// Canonical name and namespace.
    CanonicalNameAndNamespace,
}

/// Authentication towards the control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationPolicy {
    /// None.
    None,
    /// Mutual TLS.
    MutualTls,
    /// Taken from the parent.
    Inherit,
}

/// How inbound traffic is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterceptionMode {
    /// iptables REDIRECT.
    Redirect,
    /// iptables TPROXY.
    Tproxy,
    /// No capture.
    None,
}

/// Tracing settings of a proxy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tracing {
    /// Zipkin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipkin: Option<TracingAddress>,
    /// Lightstep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lightstep: Option<TracingLightstep>,
    /// Datadog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datadog: Option<TracingAddress>,
    /// Stackdriver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackdriver: Option<TracingStackdriver>,
    /// OpenCensus agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_census_agent: Option<TracingOpenCensusAgent>,
    /// Custom span tags, name to source.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub custom_tags: IndexMap<String, CustomTag>,
    /// Longest path tag.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_path_tag_length: Option<u32>,
    /// Sampling rate, in percent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub sampling: Option<f64>,
    /// TLS towards the tracer (a networking `ClientTLSSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tls_settings: Option<Value>,
    /// Whether Istio's own tags are added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_istio_tags: Option<bool>,
}

/// A tracer reached at an address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingAddress {
    /// `host:port` of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Lightstep tracer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingLightstep {
    /// `host:port` of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Stackdriver tracer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingStackdriver {
    /// Whether debug tracing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// Most attributes per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_attributes: Option<i64>,
    /// Most annotations per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_annotations: Option<i64>,
    /// Most message events per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_message_events: Option<i64>,
}

/// OpenCensus agent tracer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingOpenCensusAgent {
    /// `host:port` of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Trace context propagation formats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<TraceContext>,
}

/// A trace context propagation format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TraceContext {
    /// Not set.
    Unspecified,
    /// W3C trace context.
    W3cTraceContext,
    /// gRPC binary.
    GrpcBin,
    /// Google Cloud trace context.
    CloudTraceContext,
    /// B3.
    B3,
}

/// Where a custom span tag takes its value (one of the three).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomTag {
    /// A fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<LiteralTag>,
    /// An environment variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<NamedTagSource>,
    /// A request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<NamedTagSource>,
}

/// A fixed tag value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiteralTag {
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A tag value read from a named source, with a fallback.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedTagSource {
    /// Name of the variable or header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Value used when it is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// Secret discovery settings of a proxy (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sds {
    /// Whether SDS is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Path of the service account token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s_sa_jwt_path: Option<String>,
}

/// A remote gRPC service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteService {
    /// `host:port` of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// TLS towards it (a networking `ClientTLSSettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tls_settings: Option<Value>,
    /// TCP keepalive (a networking `TcpKeepalive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tcp_keepalive: Option<Value>,
}

/// Network topology of a gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Topology {
    /// Trusted proxies in front of the gateway.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub num_trusted_proxies: Option<u32>,
    /// How the `x-forwarded-client-cert` header is handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_client_cert_details: Option<ForwardClientCertDetails>,
    /// Whether the PROXY protocol is expected (presence turns it on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<EmptyMessage>,
}

/// A message with no fields, whose presence is the setting.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyMessage {}

/// How the `x-forwarded-client-cert` header is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ForwardClientCertDetails {
    /// Not set.
    Undefined,
    /// Remove the header.
    Sanitize,
    /// Forward it on mutual TLS only.
    ForwardOnly,
    /// Append client details on mutual TLS.
    AppendForward,
    /// Replace it with client details on mutual TLS.
    SanitizeSet,
    /// Always forward it.
    AlwaysForwardOnly,
}

/// Which Envoy stats are kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyStatsMatcher {
    /// Stat name prefixes kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion_prefixes: Vec<String>,
    /// Stat name suffixes kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion_suffixes: Vec<String>,
    /// Stat name regular expressions kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion_regexps: Vec<String>,
}

/// A private key provider (one of the two).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivateKeyProvider {
    /// Intel CryptoMB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptomb: Option<PrivateKeyProviderSettings>,
    /// Intel QAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qat: Option<PrivateKeyProviderSettings>,
}

/// Settings of a private key provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivateKeyProviderSettings {
    /// How often the provider is polled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_delay: Option<Duration>,
    /// Whether software signing is used when the provider fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<bool>,
}

/// Headers the proxy adds or changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyHeaders {
    /// How `x-forwarded-client-cert` is handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_client_cert: Option<ForwardClientCertDetails>,
    /// Which client certificate details are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_current_client_cert_details: Option<SetCurrentClientCertDetails>,
    /// The `x-request-id` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<DisabledSwitch>,
    /// The `server` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerHeader>,
    /// The `x-envoy-attempt-count` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_count: Option<DisabledSwitch>,
    /// Envoy debug headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envoy_debug_headers: Option<DisabledSwitch>,
    /// Metadata exchange headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_exchange_headers: Option<MetadataExchangeHeaders>,
    /// Whether HTTP/1 header case is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_http1_header_case: Option<bool>,
    /// The `x-forwarded-host` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_forwarded_host: Option<EnabledFlag>,
    /// The `x-forwarded-port` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_forwarded_port: Option<EnabledFlag>,
}

/// A header that can be turned off.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisabledSwitch {
    /// Whether the header is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// A header that can be turned on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnabledFlag {
    /// Whether the header is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The `server` header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerHeader {
    /// Whether the header is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Value of the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Metadata exchange headers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetadataExchangeHeaders {
    /// When they are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MetadataExchangeMode>,
}

/// When metadata exchange headers are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetadataExchangeMode {
    /// Always.
    Undefined,
    /// Only to in-mesh destinations.
    InMesh,
}

/// Which client certificate details go into `x-forwarded-client-cert`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetCurrentClientCertDetails {
    /// The subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<bool>,
    /// The whole certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<bool>,
    /// The whole chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<bool>,
    /// DNS SANs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<bool>,
    /// URI SANs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<bool>,
}

/// Connection settings of a proxy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Preset the other settings start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ConnectionProfile>,
    /// Buffer limit per listener connection, in bytes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub listener_per_connection_buffer_limit_bytes: Option<i32>,
    /// Buffer limit per cluster connection, in bytes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub cluster_per_connection_buffer_limit_bytes: Option<i32>,
    /// HTTP idle timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_idle_timeout: Option<Duration>,
    /// Longest HTTP connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_max_connection_duration: Option<Duration>,
    /// HTTP drain timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_drain_timeout: Option<Duration>,
    /// HTTP request timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request_timeout: Option<Duration>,
    /// Timeout for receiving request headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request_headers_timeout: Option<Duration>,
    /// Idle timeout of HTTP streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_stream_idle_timeout: Option<Duration>,
    /// Longest HTTP stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_max_stream_duration: Option<Duration>,
    /// Most concurrent HTTP/2 streams.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub http_max_concurrent_streams: Option<i32>,
    /// HTTP/2 initial stream window.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub http2_initial_stream_window_size: Option<i32>,
    /// HTTP/2 initial connection window.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub http2_initial_connection_window_size: Option<i32>,
    /// What happens to headers with underscores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_headers_with_underscores_action: Option<HeadersWithUnderscoresAction>,
    /// Whether repeated slashes in paths are merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_merge_slashes: Option<bool>,
    /// What happens to escaped slashes in paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_path_with_escaped_slashes_action: Option<PathWithEscapedSlashesAction>,
    /// Most connections per listener.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub listener_connection_limit: Option<i32>,
    /// Most downstream connections overall.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub global_downstream_connection_limit: Option<i32>,
}

/// Connection settings preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionProfile {
    /// Sidecar defaults.
    Sidecar,
    /// Edge (gateway) defaults.
    Edge,
}

/// What happens to headers with underscores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeadersWithUnderscoresAction {
    /// Not set.
    HeadersWithUnderscoresUnspecified,
    /// Allowed.
    HeadersWithUnderscoresAllow,
    /// The request is rejected.
    HeadersWithUnderscoresRejectRequest,
    /// The header is dropped.
    HeadersWithUnderscoresDropHeader,
}

/// What happens to escaped slashes in paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PathWithEscapedSlashesAction {
    /// Not set.
    PathWithEscapedSlashesUnspecified,
    /// Left as they are.
    KeepUnchanged,
    /// The request is rejected.
    RejectRequest,
    /// Unescaped and redirected.
    UnescapeAndRedirect,
    /// Unescaped and forwarded.
    UnescapeAndForward,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::test_corpus;

    #[test]
    fn mesh_config_file_from_corpus_reads_and_round_trips() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let text = std::fs::read_to_string(corpus.join("inject/istioctl-kubeinject/mesh-config.yaml")).unwrap();
        let mesh: MeshConfig = serde_yaml::from_str(&text).unwrap();
        let proxy = mesh.default_config.as_ref().unwrap();
        assert_eq!(proxy.interception_mode, None);
        // A key Istio no longer knows: kept, not refused.
        assert!(proxy.unknown.contains_key("connectTimeout"));
        let input: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&mesh).unwrap(), input);
    }

    #[test]
    fn nested_mesh_messages_refuse_unknown_keys() {
        let err =
            serde_json::from_str::<MeshConfig>(r#"{"outboundTrafficPolicy": {"mood": "ALLOW_ANY"}}"#).unwrap_err();
        assert!(err.to_string().contains("mood"), "{err}");
    }

    #[test]
    fn extension_providers_are_typed() {
        let mesh: MeshConfig = serde_yaml::from_str(
            "extensionProviders:\n- name: otel\n  envoyOtelAls: {service: otel.svc, port: 4317}\n- name: z\n  zipkin: {service: zipkin, port: \"9411\", enable64bitTraceId: true}\n",
        )
        .unwrap();
        assert_eq!(mesh.extension_providers[0].kinds(), ["envoyOtelAls"]);
        assert_eq!(mesh.extension_providers[1].zipkin.as_ref().unwrap().port, Some(9411));
        let err = serde_yaml::from_str::<MeshConfig>("extensionProviders:\n- name: x\n  zipkn: {}\n").unwrap_err();
        assert!(err.to_string().contains("zipkn"), "{err}");
    }

    #[test]
    fn numbers_and_durations_read_alongside_unknown_keys() {
        let mesh: MeshConfig = serde_yaml::from_str(
            "proxyListenPort: \"15001\"\nconnectTimeout: 10s\nnewThing: {a: 1}\ndefaultConfig:\n  concurrency: 2\n  drainDuration: 45s\n  later: true\n",
        )
        .unwrap();
        assert_eq!(mesh.proxy_listen_port, Some(15001));
        assert_eq!(mesh.connect_timeout.as_ref().map(|d| d.as_secs_f64()), Some(10.0));
        let proxy = mesh.default_config.as_ref().unwrap();
        assert_eq!(proxy.concurrency, Some(2));
        assert_eq!(proxy.drain_duration.as_ref().map(ToString::to_string).as_deref(), Some("45s"));
        assert_eq!(proxy.unknown.keys().collect::<Vec<_>>(), ["later"]);
        assert_eq!(mesh.unknown.keys().collect::<Vec<_>>(), ["newThing"]);
        assert!(serde_yaml::from_str::<MeshConfig>("connectTimeout: 10\n").is_err());
    }

    #[test]
    fn enums_use_istio_spellings() {
        let mesh: MeshConfig = serde_json::from_str(
            r#"{"meshMTLS": {"minProtocolVersion": "TLSV1_3"}, "outboundTrafficPolicy": {"mode": "ALLOW_ANY_DYNAMIC_DNS"}}"#,
        )
        .unwrap();
        assert_eq!(mesh.mesh_mtls.unwrap().min_protocol_version, Some(TlsProtocol::TlsV1_3));
        assert_eq!(mesh.outbound_traffic_policy.unwrap().mode, Some(OutboundTrafficPolicyMode::AllowAnyDynamicDns));
    }
}
