//! `DestinationRule`: policies applied to traffic for a service once routing has chosen it
//! (`networking.istio.io`, Istio's `destination_rule.proto`): load balancing, connection
//! pools, outlier detection, client TLS, and named subsets of the service's endpoints.
//!
//! # Examples
//!
//! ```
//! use mesh_api::networking::{DestinationRule, SimpleLb};
//!
//! let dr: DestinationRule = serde_yaml::from_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: reviews}
//! spec:
//!   host: reviews
//!   trafficPolicy:
//!     loadBalancer: {simple: LEAST_REQUEST}
//!   subsets:
//!   - name: v1
//!     labels: {version: v1}
//! "#).unwrap();
//! let lb = dr.spec.traffic_policy.as_ref().and_then(|p| p.load_balancer.as_ref());
//! assert_eq!(lb.and_then(|lb| lb.simple), Some(SimpleLb::LeastRequest));
//! assert_eq!(dr.spec.subsets[0].name, "v1");
//! ```

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Duration, IstioStatus, LabelSelector, PortSelector};

/// The policies for one host: the spec of the `DestinationRule` kind.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "DestinationRule",
    printcolumn = r#"{"name":"Host","type":"string","description":"The service the policies apply to.","jsonPath":".spec.host"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#,
    namespaced,
    status = "IstioStatus",
    shortname = "dr",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    derive = "Default",
    doc = " An Istio `DestinationRule`: traffic policies and subsets for one service host."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DestinationRuleSpec {
    /// The service the rule is for: a registry name (short names are read in the rule's
    /// namespace) or a wildcard such as `*.example.com`. Required.
    pub host: String,
    /// Policies for all traffic to the host (subsets and ports may override them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<Box<TrafficPolicy>>,
    /// Named groups of the host's endpoints, chosen by labels, each with optional policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// The namespaces that can see this rule: `.` for its own, `*` for all, or namespace
    /// names. Empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Applies the rule only to the client workloads carrying these labels (in the rule's
    /// namespace); unset means every workload that sees the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<LabelSelector>,
}

/// The policies applied to connections and requests towards a destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficPolicy {
    /// How endpoints are picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Limits on connections and requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// When unhealthy endpoints are ejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS used when connecting to the endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
    /// Per-port overrides; a port entry replaces the whole matching setting above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 4096))]
    pub port_level_settings: Vec<PortTrafficPolicy>,
    /// Tunnels the connection through a proxy (HTTP CONNECT or POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TrafficPolicyTunnelSettings>,
    /// Sends a PROXY protocol header to the upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocol>,
    /// Caps concurrent retries relative to active requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_budget: Option<RetryBudget>,
}

/// Policies for one port of the destination; they replace the rule-wide ones for that port.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortTrafficPolicy {
    /// The port these policies apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
    /// How endpoints are picked on this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Limits on connections and requests on this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// When unhealthy endpoints are ejected, for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS used on this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// A tunnel through which connections to the destination are carried.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficPolicyTunnelSettings {
    /// `CONNECT` (the default) or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host name or IP address the tunnel leads to. Required.
    pub target_host: String,
    /// Port the tunnel leads to. Required.
    pub target_port: u32,
}

/// PROXY protocol settings for upstream connections.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyProtocol {
    /// Which version of the PROXY protocol header to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<ProxyProtocolVersion>,
}

/// Version of the PROXY protocol header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ProxyProtocolVersion {
    /// The text header of version 1 (the default).
    V1,
    /// The binary header of version 2.
    V2,
}

/// A limit on concurrent retries as a share of active requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryBudget {
    /// Retries allowed, as a percentage (0 to 100) of active and pending requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Retries always allowed concurrently, whatever the percentage gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retry_concurrency: Option<u32>,
    /// The window over which requests are counted for the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_interval: Option<Duration>,
}

/// A named group of the host's endpoints (usually one version), selected by labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subset {
    /// The subset name, referenced by routes; a DNS label. Required.
    pub name: String,
    /// Endpoints carrying all these labels (besides the service's selector) form the subset.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Policies for this subset; they override the rule-wide ones field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<Box<TrafficPolicy>>,
}

/// How requests are spread over the endpoints.
///
/// `simple`, `consistent_hash` and `backend_utilization` are alternatives (a proto `oneof`);
/// validation reports more than one set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancerSettings {
    /// One of the standard algorithms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleLb>,
    /// Hashing a request property, for sticky sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_hash: Option<ConsistentHashLb>,
    /// Weighting endpoints by the load they report (ORCA metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_utilization: Option<BackendUtilizationLb>,
    /// Locality-aware distribution and failover; overrides the mesh-wide setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Zone-aware routing settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
    /// Slow start: how long a new endpoint takes to get its full share of traffic.
    /// Superseded by [`warmup`](Self::warmup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_duration_secs: Option<Duration>,
    /// Slow start for new endpoints, with its curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<WarmupConfiguration>,
}

/// The standard load-balancing algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    /// Not chosen; the proxy's default applies.
    Unspecified,
    /// Deprecated alias of [`LeastRequest`](Self::LeastRequest).
    LeastConn,
    /// A random healthy endpoint.
    Random,
    /// The address the caller connected to, without load balancing.
    Passthrough,
    /// Each healthy endpoint in turn.
    RoundRobin,
    /// The endpoint with fewer active requests among a random pick (the default).
    LeastRequest,
}

/// Consistent-hash load balancing: requests with the same key go to the same endpoint.
///
/// The hash key (`http_header_name`, `http_cookie`, `use_source_ip`,
/// `http_query_parameter_name`) and the algorithm (`ring_hash`, `maglev`) are two proto
/// `oneof`s; validation reports more than one of each set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsistentHashLb {
    /// Hash the value of this request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_header_name: Option<String>,
    /// Hash this cookie, creating it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_cookie: Option<HttpCookie>,
    /// Hash the caller's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_source_ip: Option<bool>,
    /// Hash the value of this query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_query_parameter_name: Option<String>,
    /// Use a hash ring (Ketama).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_hash: Option<RingHash>,
    /// Use Maglev hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maglev: Option<MagLev>,
    /// Deprecated ring size; use [`ring_hash`](Self::ring_hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Ring-hash settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RingHash {
    /// Smallest number of virtual nodes on the ring (1024 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Maglev settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MagLev {
    /// Size of the lookup table; a prime number (65537 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_size: Option<u64>,
}

/// The cookie hashed for consistent-hash load balancing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpCookie {
    /// Cookie name. Required.
    pub name: String,
    /// Path set on a generated cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lifetime of a generated cookie; zero makes it a session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Duration>,
    /// Extra attributes written on a generated cookie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<HttpCookieAttribute>,
}

/// One attribute (`SameSite=Strict`, `Secure`, ...) of a generated cookie.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpCookieAttribute {
    /// Attribute name. Required.
    pub name: String,
    /// Attribute value; empty for flag attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Load balancing weighted by the utilization endpoints report (ORCA).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendUtilizationLb {
    /// Extra utilization charged per error, as a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_utilization_penalty_percent: Option<u32>,
    /// Names of custom ORCA metrics used to compute utilization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_names_for_computing_utilization: Vec<String>,
    /// How long a weight stays valid without fresh reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_expiration_period: Option<Duration>,
    /// How long a new endpoint reports before its weight is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_stabilization_period: Option<Duration>,
    /// How often weights are recomputed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_update_period: Option<Duration>,
}

/// Slow start for endpoints that just joined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WarmupConfiguration {
    /// How long the ramp-up lasts. Required.
    pub duration: Duration,
    /// Share of its full traffic a new endpoint starts with, 0 to 100 (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_percent: Option<f64>,
    /// Shape of the ramp: 1 is linear, larger values grow faster at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggression: Option<f64>,
}

/// Connection and request limits towards the destination (circuit breaking).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionPoolSettings {
    /// Limits common to HTTP and TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// HTTP-only limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// Connection limits common to HTTP and TCP.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpSettings {
    /// Most connections open to the destination at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i32>,
    /// Time allowed to establish a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// TCP keepalive probes on upstream sockets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Longest life of a connection, whatever its activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<Duration>,
    /// How long a connection may stay idle before it is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
}

/// TCP keepalive settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpKeepalive {
    /// Unanswered probes before the connection is considered dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<u32>,
    /// Idle time before the first probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Duration>,
    /// Time between probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// HTTP request limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpSettings {
    /// Most requests queued while waiting for a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<i32>,
    /// Most requests in flight to the destination at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i32>,
    /// Most requests sent over one connection; 1 turns keep-alive off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// Most retries in flight to the destination at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// How long a connection with no active request stays open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Use the protocol the client used (HTTP/1.1 or HTTP/2) towards the upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_client_protocol: Option<bool>,
    /// Most concurrent streams on one HTTP/2 connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_streams: Option<i32>,
    /// HTTP/2 PING keepalive on upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_keep_alive: Option<ConnectionKeepalive>,
}

/// Whether upstream HTTP/1.1 connections are upgraded to HTTP/2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// Follow the mesh-wide default.
    Default,
    /// Never upgrade.
    DoNotUpgrade,
    /// Upgrade when possible.
    Upgrade,
}

/// HTTP/2 keepalive (PING) settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionKeepalive {
    /// Time between PINGs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// How long to wait for a PING answer before closing the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// When endpoints that keep failing are taken out of the pool, and for how long.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutlierDetection {
    /// Deprecated; use [`consecutive_gateway_errors`](Self::consecutive_gateway_errors) or
    /// [`consecutive_5xx_errors`](Self::consecutive_5xx_errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// Count local failures (connect errors, timeouts) apart from upstream answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_external_local_origin_errors: Option<bool>,
    /// Local failures in a row that eject an endpoint (needs the split above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_local_origin_failures: Option<u32>,
    /// Gateway errors (502, 503, 504) in a row that eject an endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_gateway_errors: Option<u32>,
    /// 5xx answers in a row that eject an endpoint.
    #[serde(default, rename = "consecutive5xxErrors", skip_serializing_if = "Option::is_none")]
    pub consecutive_5xx_errors: Option<u32>,
    /// How often endpoints are analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Shortest ejection; it grows with each ejection of the same endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<Duration>,
    /// Largest share of endpoints ejected at once, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// Ejection stops while fewer than this share of endpoints are healthy, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
    /// HTTP status codes counted as errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outlier_detection_http_error_codes: Vec<u32>,
}

/// TLS settings for connections to the destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientTlsSettings {
    /// Whether and how TLS is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsMode>,
    /// Path of the client certificate file (MUTUAL mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// Path of the client private key file (MUTUAL mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path of the CA bundle used to verify the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Name of a secret holding the certificate, key and CA; replaces the file paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names accepted in the server certificate's subject alternative names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// SNI sent in the handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Skip verifying the server certificate and its names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// Path of a certificate revocation list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
}

/// Client TLS modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TlsMode {
    /// Plain text.
    Disable,
    /// TLS that verifies the server.
    Simple,
    /// Mutual TLS with certificates given in the rule.
    Mutual,
    /// Mutual TLS with the certificates Istio issues to workloads.
    IstioMutual,
}

/// Locality-weighted distribution and failover of traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalityLoadBalancerSetting {
    /// How traffic from each origin locality is spread over target localities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribute: Vec<LocalityDistribute>,
    /// Which region takes over when a region's endpoints are unhealthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<LocalityFailover>,
    /// Ordered labels whose matching with the caller ranks endpoints for failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Turns locality load balancing on or off for this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Weights of target localities for traffic from one origin locality.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalityDistribute {
    /// Origin locality `region/zone/subzone`; `*` allowed as a whole trailing segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Target localities and their weights, summing to 100.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub to: IndexMap<String, u32>,
}

/// A failover from one region to another.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalityFailover {
    /// The region whose endpoints became unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The region that takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Zone-aware routing: prefer endpoints in the caller's zone while enough exist there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZoneAwareLoadBalancerSetting {
    /// Turns zone-aware routing on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Which region takes over when a region's endpoints are unhealthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<ZoneAwareFailover>,
    /// Ordered labels whose matching with the caller ranks endpoints for failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Fewest endpoints the local zone needs for zone-aware routing to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cluster_size: Option<u32>,
}

/// A failover from one region to another, for zone-aware routing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZoneAwareFailover {
    /// The region whose endpoints became unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The region that takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[cfg(test)]
mod tests {

    use serde_json::json;

    use super::*;

    /// A traffic policy is over 1 KB and most rules and subsets have none: it is boxed.
    #[test]
    fn an_absent_traffic_policy_costs_a_pointer() {
        assert!(std::mem::size_of::<Subset>() <= 128, "{}", std::mem::size_of::<Subset>());
        assert!(std::mem::size_of::<DestinationRuleSpec>() <= 160, "{}", std::mem::size_of::<DestinationRuleSpec>());
    }

    #[test]
    fn crd_names_match_istio() {
        let crd = serde_json::to_value(DestinationRule::crd()).unwrap();
        assert_eq!(crd["spec"]["group"], "networking.istio.io");
        assert_eq!(crd["spec"]["names"]["plural"], "destinationrules");
        assert_eq!(crd["spec"]["names"]["shortNames"], json!(["dr"]));
        assert_eq!(crd["spec"]["names"]["categories"], json!(["istio-io", "networking-istio-io"]));
        assert_eq!(crd["spec"]["scope"], "Namespaced");
        assert_eq!(crd["spec"]["versions"][0]["name"], "v1");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let bad = json!({"host": "a", "trafficPolicy": {"loadBalancer": {"simpel": "RANDOM"}}});
        let err = serde_json::from_value::<DestinationRuleSpec>(bad).unwrap_err();
        assert!(err.to_string().contains("unknown field `simpel`"), "{err}");
    }

    #[test]
    fn host_is_required() {
        let err = serde_json::from_value::<DestinationRuleSpec>(json!({"subsets": []})).unwrap_err();
        assert!(err.to_string().contains("missing field `host`"), "{err}");
    }

    #[test]
    fn oneof_members_are_kept_side_by_side() {
        let input = json!({"host": "a", "trafficPolicy": {"loadBalancer": {
            "simple": "ROUND_ROBIN",
            "consistentHash": {"httpHeaderName": "x-user", "useSourceIp": true, "ringHash": {}, "maglev": {"tableSize": 7}}
        }}});
        let spec: DestinationRuleSpec = serde_json::from_value(input.clone()).unwrap();
        let lb = spec.traffic_policy.as_ref().and_then(|p| p.load_balancer.as_ref()).unwrap();
        assert_eq!(lb.simple, Some(SimpleLb::RoundRobin));
        let hash = lb.consistent_hash.as_ref().unwrap();
        assert_eq!(hash.use_source_ip, Some(true));
        assert_eq!(hash.maglev.as_ref().and_then(|m| m.table_size), Some(7));
        assert_eq!(serde_json::to_value(&spec).unwrap(), input);
    }

    #[test]
    fn consecutive_5xx_errors_keeps_its_spelling() {
        let input = json!({"host": "a", "trafficPolicy": {"outlierDetection": {"consecutive5xxErrors": 7}}});
        let spec: DestinationRuleSpec = serde_json::from_value(input.clone()).unwrap();
        let outlier = spec.traffic_policy.as_ref().and_then(|p| p.outlier_detection.as_ref()).unwrap();
        assert_eq!(outlier.consecutive_5xx_errors, Some(7));
        assert_eq!(serde_json::to_value(&spec).unwrap(), input);
    }
}
