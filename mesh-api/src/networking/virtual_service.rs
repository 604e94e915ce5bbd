//! `VirtualService`: how requests addressed to a set of hosts are matched and routed
//! (`networking.istio.io`, Istio's `virtual_service.proto`).
//!
//! A VirtualService holds ordered HTTP, TLS and TCP rules; the first rule whose match holds picks
//! the destinations. Several messages defined here ([`Destination`], [`Percent`], [`Headers`])
//! are reused by other kinds of the group.
//!
//! # Examples
//!
//! ```
//! use mesh_api::networking::VirtualService;
//!
//! let vs: VirtualService = serde_yaml::from_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - route:
//!     - destination: {host: reviews, subset: v1}
//! "#).unwrap();
//! assert_eq!(vs.spec.hosts, ["reviews"]);
//! assert_eq!(vs.spec.http[0].route[0].destination.subset.as_deref(), Some("v1"));
//! ```

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Duration, IstioStatus, PortSelector, StringMatch};

/// The routing rules for a set of hosts: the spec of the `VirtualService` kind.
///
/// HTTP traffic is tried against [`http`](Self::http) rules in order, TLS passthrough traffic
/// against [`tls`](Self::tls) and other TCP traffic against [`tcp`](Self::tcp); the first rule
/// that matches decides.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "VirtualService",
    printcolumn = r#"{"name":"Gateways","type":"string","description":"The gateways and sidecars the routes apply to.","jsonPath":".spec.gateways"}"#,
    printcolumn = r#"{"name":"Hosts","type":"string","description":"The hosts the routes apply to.","jsonPath":".spec.hosts"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#,
    namespaced,
    status = "IstioStatus",
    shortname = "vs",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    derive = "Default",
    doc = " An Istio `VirtualService`: routing rules for the traffic sent to a set of hosts."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VirtualServiceSpec {
    /// The hosts these rules apply to: short or fully qualified service names, wildcard
    /// names (`*.example.com`) or IP addresses. Short names are read in the namespace of the
    /// VirtualService.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// The gateways (`namespace/name`, or `mesh` for every sidecar) that apply these rules;
    /// empty means the sidecars only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Ordered rules for HTTP/1.1, HTTP/2 and gRPC traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    /// Ordered rules for TLS or HTTPS traffic that is not terminated, matched by SNI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<TlsRoute>,
    /// Ordered rules for opaque TCP traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpRoute>,
    /// The namespaces that can see this VirtualService: `.` for its own, `*` for all, or
    /// namespace names. Empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// A service (and optionally one of its subsets and ports) that traffic is sent to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Destination {
    /// The service name from the registry (Kubernetes service or ServiceEntry host). Short
    /// names are qualified with the namespace of the object holding the destination.
    pub host: String,
    /// A subset defined by a DestinationRule for this host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The service port; needed only when the service exposes more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

impl Destination {
    /// A destination for `host` with no subset or port.
    pub fn new(host: impl Into<String>) -> Self {
        Self { host: host.into(), ..Self::default() }
    }
}

/// One HTTP rule: conditions, then what to do with a request that meets them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRoute {
    /// A name for the rule, shown in access logs and proxy configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Conditions; the rule applies when any one of them holds (each is an AND of its
    /// fields). Empty means every request.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub match_: Vec<HttpMatchRequest>,
    /// Weighted destinations the request is forwarded to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<HttpRouteDestination>,
    /// Answer with a redirect instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Box<HttpRedirect>>,
    /// Answer with a fixed status and body instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<HttpDirectResponse>,
    /// Hand the request to the rules of another VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Delegate>,
    /// Change the path or authority before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<Box<HttpRewrite>>,
    /// How long to wait for the whole response (retries included); unset or zero means no
    /// limit set by the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy for failed requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<Box<HttpRetry>>,
    /// Faults (delays, aborts) injected on the client side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Box<HttpFaultInjection>>,
    /// Also send a copy of each request here, ignoring the answer. Superseded by
    /// [`mirrors`](Self::mirrors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// Send copies of each request to all of these, ignoring their answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<HttpMirrorPolicy>,
    /// Deprecated whole-number percentage of requests mirrored; use
    /// [`mirror_percentage`](Self::mirror_percentage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percent: Option<u32>,
    /// The same deprecated field under its proto spelling `mirror_percent`, which the CRD
    /// schema also admits.
    #[serde(default, rename = "mirror_percent", skip_serializing_if = "Option::is_none")]
    pub mirror_percent_proto: Option<u32>,
    /// Share of requests copied to [`mirror`](Self::mirror), 0 to 100 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
    /// Cross-origin resource sharing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<Box<CorsPolicy>>,
    /// Header changes applied to requests and responses of this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Box<Headers>>,
}

/// Points a rule at another VirtualService whose HTTP rules take over.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delegate {
    /// Name of the delegate VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace; defaults to the namespace of the delegating VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Header changes for the request sent upstream and the response sent back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Headers {
    /// Changes applied to the request before it is forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Changes applied to the response before it is returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Set, add and remove operations on one direction's headers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderOperations {
    /// Headers replaced by these values (created when absent).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub set: IndexMap<String, String>,
    /// Values appended to these headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub add: IndexMap<String, String>,
    /// Headers deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// A rule for TLS traffic that passes through unterminated, chosen by SNI.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsRoute {
    /// Conditions; the rule applies when any one of them holds. Required.
    #[serde(rename = "match")]
    pub match_: Vec<TlsMatchAttributes>,
    /// Weighted destinations the connection is forwarded to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// A rule for opaque TCP traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpRoute {
    /// Conditions; the rule applies when any one of them holds. Empty means every
    /// connection.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub match_: Vec<L4MatchAttributes>,
    /// Weighted destinations the connection is forwarded to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// Conditions on an HTTP request; all set fields must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpMatchRequest {
    /// A name for this condition, joined to the rule's name in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Condition on the request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// Condition on the URI scheme (`http`, `https`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// Condition on the HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Condition on the `Host`/`:authority` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Conditions on request headers, by lower-case name; `{}` means the header is present.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, StringMatch>,
    /// The port the request arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub source_labels: IndexMap<String, String>,
    /// Gateways this condition is limited to; overrides the VirtualService's `gateways`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Conditions on query parameters; `{}` means the parameter is present.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query_params: IndexMap<String, StringMatch>,
    /// Compare the path without regard to letter case (exact and prefix only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
    /// Headers that must not match (or, with `{}`, must be absent).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub without_headers: IndexMap<String, StringMatch>,
    /// The namespace the calling workload must run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// Prefix for the statistics Envoy keeps for this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_prefix: Option<String>,
}

/// An HTTP destination with its share of traffic and its own header changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteDestination {
    /// Where requests go.
    pub destination: Destination,
    /// Relative share of the rule's traffic; with one destination it may be left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Header changes applied only for this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Box<Headers>>,
}

/// A TCP or TLS destination with its share of traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteDestination {
    /// Where connections go.
    pub destination: Destination,
    /// Relative share of the rule's connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// Conditions on a TCP connection; all set fields must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L4MatchAttributes {
    /// Destination addresses or CIDR ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// The destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The source address or CIDR range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_subnet: Option<String>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub source_labels: IndexMap<String, String>,
    /// Gateways this condition is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// The namespace the calling workload must run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// Conditions on a TLS connection; all set fields must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsMatchAttributes {
    /// SNI names to match (wildcards allowed); each must fall under the VirtualService's
    /// hosts. Required.
    pub sni_hosts: Vec<String>,
    /// Destination addresses or CIDR ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// The destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub source_labels: IndexMap<String, String>,
    /// Gateways this condition is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// The namespace the calling workload must run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// Answers the request with a redirect (`Location` header) built from these parts.
///
/// `port` and `derive_port` are alternatives (a proto `oneof`); validation reports both set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRedirect {
    /// Replaces the whole path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replaces the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// A fixed port for the new location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Takes the port from the protocol's default or from the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive_port: Option<RedirectPortSelection>,
    /// Replaces the scheme (`http` or `https`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Status code of the redirect; 301 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_code: Option<u32>,
    /// Replaces only the matched path prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_rewrite: Option<String>,
}

/// Where a redirect takes its port from when no fixed port is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RedirectPortSelection {
    /// The default port of the scheme (80 for http, 443 for https).
    #[serde(rename = "FROM_PROTOCOL_DEFAULT")]
    FromProtocolDefault,
    /// The port the request arrived on.
    #[serde(rename = "FROM_REQUEST_PORT")]
    FromRequestPort,
}

/// Answers the request directly with a status code and optional body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpDirectResponse {
    /// The HTTP status to return. Required.
    pub status: u32,
    /// The body to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<HttpBody>,
}

/// A response body, given as text or as base64-encoded bytes (one of the two).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpBody {
    /// The body as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// The body as bytes, written in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "byte"))]
    pub bytes: Option<String>,
}

/// Changes made to the request before it is forwarded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRewrite {
    /// Replaces the matched path prefix (or the whole path for an exact match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replaces the `Host`/`:authority` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Rewrites the path with a regular expression; excludes [`uri`](Self::uri).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_regex_rewrite: Option<RegexRewrite>,
}

/// A regular-expression replacement of the path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegexRewrite {
    /// RE2 expression applied to the path.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<String>,
    /// Replacement text; `\1` and so on insert capture groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
}

/// When and how often a failed request is tried again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRetry {
    /// How many retries at most; 0 turns retries off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// Time limit of each try, including the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
    /// Comma-separated conditions that trigger a retry (Envoy `x-envoy-retry-on` and gRPC
    /// status names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Whether retries may go to other localities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_remote_localities: Option<bool>,
    /// Whether retries avoid hosts already tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Base interval between retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
}

/// Cross-origin resource sharing settings for a rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CorsPolicy {
    /// Deprecated exact origins; use [`allow_origins`](Self::allow_origins).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origin: Vec<String>,
    /// Origins allowed to make cross-origin requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<StringMatch>,
    /// Methods allowed (`Access-Control-Allow-Methods`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// Request headers allowed (`Access-Control-Allow-Headers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// Response headers browsers may read (`Access-Control-Expose-Headers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// How long browsers may cache a preflight answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// Whether credentials may be sent (`Access-Control-Allow-Credentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// What happens to preflight requests that match no allowed origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched_preflights: Option<UnmatchedPreflights>,
}

/// Treatment of preflight requests whose origin is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnmatchedPreflights {
    /// Not set; behaves as [`Forward`](Self::Forward).
    Unspecified,
    /// Pass the preflight on to the upstream service.
    Forward,
    /// Answer it without CORS headers and do not forward it.
    Ignore,
}

/// Faults injected into requests: delays, aborts, or both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpFaultInjection {
    /// Wait before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    /// Fail the request without forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<Abort>,
}

/// A delay injected before forwarding. `fixed_delay` and `exponential_delay` are
/// alternatives (a proto `oneof`); validation reports both set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delay {
    /// Deprecated whole-number share of delayed requests; use
    /// [`percentage`](Self::percentage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<i32>,
    /// A constant delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_delay: Option<Duration>,
    /// An exponentially distributed delay with this mean (not supported by Istio today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponential_delay: Option<Duration>,
    /// Share of requests delayed, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// An error returned instead of forwarding. `http_status`, `grpc_status` and `http2_error`
/// are alternatives (a proto `oneof`); validation reports more than one set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Abort {
    /// HTTP status code returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i32>,
    /// gRPC status returned, by name (`UNAVAILABLE`) or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    /// HTTP/2 error returned (not supported by Istio today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_error: Option<String>,
    /// Share of requests aborted, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// A mirror target and the share of requests copied to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpMirrorPolicy {
    /// Where the copies go.
    pub destination: Destination,
    /// Share of requests copied, 0 to 100 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// A percentage from 0 to 100 that may have a fraction (`0.5` is one request in 200).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Percent {
    /// The percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl Percent {
    /// `value` percent.
    pub fn new(value: f64) -> Self {
        Self { value: Some(value) }
    }
}

#[cfg(test)]
mod tests {

    use serde_json::{Value, json};

    use super::*;

    /// Rules are read in bulk (100,000 services load 500,000 of them): parts most rules leave
    /// out are boxed, so an absent one costs a pointer rather than its whole size.
    #[test]
    fn rarely_written_parts_of_a_rule_are_boxed() {
        assert!(std::mem::size_of::<HttpRoute>() <= 400, "{}", std::mem::size_of::<HttpRoute>());
        assert!(std::mem::size_of::<HttpRouteDestination>() <= 80, "{}", std::mem::size_of::<HttpRouteDestination>());
    }

    #[test]
    fn crd_names_match_istio() {
        let crd = serde_json::to_value(VirtualService::crd()).unwrap();
        assert_eq!(crd["spec"]["group"], "networking.istio.io");
        assert_eq!(crd["spec"]["names"]["plural"], "virtualservices");
        assert_eq!(crd["spec"]["names"]["shortNames"], json!(["vs"]));
        assert_eq!(crd["spec"]["names"]["categories"], json!(["istio-io", "networking-istio-io"]));
        assert_eq!(crd["spec"]["scope"], "Namespaced");
        assert_eq!(crd["spec"]["versions"][0]["name"], "v1");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let bad = json!({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}, "wieght": 5}]}]});
        let err = serde_json::from_value::<VirtualServiceSpec>(bad).unwrap_err();
        assert!(err.to_string().contains("unknown field `wieght`"), "{err}");
    }

    #[test]
    fn oneof_members_are_kept_side_by_side() {
        let spec: VirtualServiceSpec = serde_json::from_value(json!({
            "http": [{
                "redirect": {"port": 8080, "derivePort": "FROM_REQUEST_PORT"},
                "fault": {
                    "delay": {"fixedDelay": "1s", "exponentialDelay": "2s"},
                    "abort": {"httpStatus": 503, "grpcStatus": "UNAVAILABLE"}
                }
            }]
        }))
        .unwrap();
        let rule = &spec.http[0];
        let redirect = rule.redirect.as_ref().unwrap();
        assert_eq!(redirect.port, Some(8080));
        assert_eq!(redirect.derive_port, Some(RedirectPortSelection::FromRequestPort));
        let fault = rule.fault.as_ref().unwrap();
        assert!(fault.delay.as_ref().is_some_and(|d| d.fixed_delay.is_some() && d.exponential_delay.is_some()));
        assert!(fault.abort.as_ref().is_some_and(|a| a.http_status == Some(503) && a.grpc_status.is_some()));
    }

    #[test]
    fn deprecated_mirror_fields_are_read_and_written() {
        let input = json!({"http": [{
            "route": [{"destination": {"host": "a"}}],
            "mirror": {"host": "b", "port": {"number": 80}},
            "mirrorPercent": 10,
            "mirror_percent": 20,
            "mirrorPercentage": {"value": 12.5}
        }]});
        let spec: VirtualServiceSpec = serde_json::from_value(input.clone()).unwrap();
        let rule = &spec.http[0];
        assert_eq!(rule.mirror_percent, Some(10));
        assert_eq!(rule.mirror_percent_proto, Some(20));
        assert_eq!(rule.mirror_percentage, Some(Percent::new(12.5)));
        assert_eq!(serde_json::to_value(&spec).unwrap(), input);
    }

    #[test]
    fn match_and_tls_route_required_fields() {
        let err = serde_json::from_value::<VirtualServiceSpec>(json!({"tls": [{"route": []}]})).unwrap_err();
        assert!(err.to_string().contains("missing field `match`"), "{err}");
        let err =
            serde_json::from_value::<VirtualServiceSpec>(json!({"tls": [{"match": [{"port": 443}]}]})).unwrap_err();
        assert!(err.to_string().contains("missing field `sniHosts`"), "{err}");
        let err =
            serde_json::from_value::<VirtualServiceSpec>(json!({"http": [{"route": [{"weight": 1}]}]})).unwrap_err();
        assert!(err.to_string().contains("missing field `destination`"), "{err}");
    }

    #[test]
    fn empty_values_survive_a_round_trip() {
        let input: Value = json!({"http": [{"match": [{"headers": {"x-user": {}}}], "retries": {"attempts": 0}}]});
        let spec: VirtualServiceSpec = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(spec.http[0].match_[0].headers["x-user"], StringMatch::Any);
        assert_eq!(serde_json::to_value(&spec).unwrap(), input);
    }
}
