//! `EnvoyFilter`: patches applied to the Envoy configuration Istio generates.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::rules;
use crate::{IstioStatus, PolicyTargetReference, Problem, Validate, Validator, WorkloadSelector};

/// Changes to the Envoy configuration of selected proxies: each patch finds listeners, routes,
/// clusters or filters and merges, adds, replaces or removes parts of them.
///
/// This exposes Envoy internals that change between releases; other APIs are safer.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1alpha3",
    kind = "EnvoyFilter",
    namespaced,
    status = "IstioStatus",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `EnvoyFilter` (`networking.istio.io`): patches to generated Envoy configuration."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyFilterSpec {
    /// The workloads patched; all in the namespace (or the mesh, from the root namespace) when
    /// unset. Not together with `targetRefs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    /// The resources (such as a Gateway API `Gateway` or a `Service` with a waypoint) whose
    /// proxies are patched; up to 16, in the same namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// The patches, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_patches: Vec<EnvoyConfigObjectPatch>,
    /// Order among EnvoyFilters in the same context: lower first; ties by creation time. Root
    /// namespace filters come before the workload's own at equal priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

/// One patch: what kind of object it applies to, which ones, and the change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyConfigObjectPatch {
    /// The kind of Envoy object patched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to: Option<ApplyTo>,
    /// Which objects are patched; all of the kind when unset.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<EnvoyConfigObjectMatch>,
    /// The change made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Patch>,
}

/// The kind of Envoy object a patch applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplyTo {
    /// Not set; validation rejects it.
    #[default]
    Invalid,
    /// A listener.
    Listener,
    /// A filter chain of a listener.
    FilterChain,
    /// A network filter of a filter chain.
    NetworkFilter,
    /// An HTTP filter of the HTTP connection manager.
    HttpFilter,
    /// A route configuration (RDS).
    RouteConfiguration,
    /// A virtual host of a route configuration.
    VirtualHost,
    /// A route of a virtual host.
    HttpRoute,
    /// A cluster.
    Cluster,
    /// A filter configuration served by the extension config discovery service (ECDS).
    ExtensionConfig,
    /// The proxy's bootstrap configuration.
    Bootstrap,
    /// A listener filter.
    ListenerFilter,
}

impl ApplyTo {
    /// The spelling Istio uses (`HTTP_FILTER`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "INVALID",
            Self::Listener => "LISTENER",
            Self::FilterChain => "FILTER_CHAIN",
            Self::NetworkFilter => "NETWORK_FILTER",
            Self::HttpFilter => "HTTP_FILTER",
            Self::RouteConfiguration => "ROUTE_CONFIGURATION",
            Self::VirtualHost => "VIRTUAL_HOST",
            Self::HttpRoute => "HTTP_ROUTE",
            Self::Cluster => "CLUSTER",
            Self::ExtensionConfig => "EXTENSION_CONFIG",
            Self::Bootstrap => "BOOTSTRAP",
            Self::ListenerFilter => "LISTENER_FILTER",
        }
    }
}

/// Where in the proxy's configuration a patch may apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchContext {
    /// Everywhere: sidecars and gateways, inbound and outbound.
    #[default]
    Any,
    /// A sidecar's inbound listeners, routes and clusters.
    SidecarInbound,
    /// A sidecar's outbound listeners, routes and clusters.
    SidecarOutbound,
    /// A gateway's configuration.
    Gateway,
    /// A waypoint's configuration (matched with `waypoint`).
    Waypoint,
}

/// Which objects a patch applies to. At most one of `listener`, `routeConfiguration`,
/// `cluster` and `waypoint` may be set; `waypoint` only, and always, with context `WAYPOINT`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvoyConfigObjectMatch {
    /// The context the objects belong to; `ANY` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<PatchContext>,
    /// Limits the patch to proxies of a given version or metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyMatch>,
    /// Matches listeners and what they contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener: Option<ListenerMatch>,
    /// Matches route configurations and what they contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_configuration: Option<RouteConfigurationMatch>,
    /// Matches clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterMatch>,
    /// Matches objects of a waypoint proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<WaypointMatch>,
}

/// Selects proxies by version and node metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyMatch {
    /// A regular expression (RE2) the proxy's Istio version must match, such as `^1\.2.*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_version: Option<String>,
    /// Node metadata entries the proxy must have, with these exact values.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub metadata: IndexMap<String, String>,
}

/// Selects clusters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterMatch {
    /// The service port of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    /// The service FQDN of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The DestinationRule subset of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The exact cluster name, as in `outbound|80|v1|reviews.shop.svc.cluster.local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Selects route configurations, their virtual hosts and routes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteConfigurationMatch {
    /// The service port (outbound) or gateway server port the route configuration is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    /// The gateway server port name (gateways only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// The Istio Gateway, as `namespace/name` (gateways only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Selects a virtual host within the route configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<VirtualHostMatch>,
    /// The exact route configuration name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Selects a virtual host of a route configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VirtualHostMatch {
    /// The virtual host name, such as `reviews.shop.svc.cluster.local:80`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A domain the virtual host answers for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// Selects a route of the virtual host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<VirtualHostRouteMatch>,
}

/// Selects a route of a virtual host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VirtualHostRouteMatch {
    /// The route name (a VirtualService HTTP route `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind of action the route takes; any when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RouteMatchAction>,
}

/// The kind of action of a route selected by [`VirtualHostRouteMatch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RouteMatchAction {
    /// Any action.
    #[default]
    Any,
    /// Forwards to a cluster.
    Route,
    /// Redirects.
    Redirect,
    /// Answers directly.
    DirectResponse,
}

/// Selects listeners and their filter chains and filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListenerMatch {
    /// The service port (outbound), workload port (inbound) or gateway server port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    /// Not used by Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// Selects a filter chain of the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_chain: Option<FilterChainMatch>,
    /// The name of a listener filter (such as `envoy.filters.listener.tls_inspector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_filter: Option<String>,
    /// The exact listener name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Selects a filter chain of a listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterChainMatch {
    /// The filter chain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The SNI the chain matches on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// `tls` or `raw_buffer`, the transport protocol the chain matches on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_protocol: Option<String>,
    /// Comma-separated application protocols (ALPN) the chain matches on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_protocols: Option<String>,
    /// Selects a network filter of the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<FilterMatch>,
    /// The destination port the chain matches on (inbound listeners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_port: Option<u32>,
    /// The name of the transport socket the chain uses, such as `envoy.transport_sockets.tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_socket: Option<String>,
}

/// Selects a network filter by name, and optionally one of its HTTP filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterMatch {
    /// The filter name, such as `envoy.filters.network.http_connection_manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Selects an HTTP filter inside the HTTP connection manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<SubFilterMatch>,
}

/// Selects an HTTP filter by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubFilterMatch {
    /// The filter name, such as `envoy.filters.http.router`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Selects objects of a waypoint proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaypointMatch {
    /// The service port (1 to 65535).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    /// Selects a route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<WaypointRouteMatch>,
    /// Selects a filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<WaypointFilterMatch>,
}

/// Selects a waypoint route by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaypointRouteMatch {
    /// The route name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Selects a waypoint filter by name, and optionally one of its HTTP filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaypointFilterMatch {
    /// The filter name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Selects an HTTP filter inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<WaypointSubFilterMatch>,
}

/// Selects an HTTP filter of a waypoint by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaypointSubFilterMatch {
    /// The filter name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The change a patch makes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patch {
    /// How the value is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<PatchOperation>,
    /// The Envoy configuration to merge or insert, in Envoy's JSON form (`@type` for typed
    /// configs). Kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub value: Option<serde_json::Map<String, serde_json::Value>>,
    /// For `INSERT_*` on HTTP filters: where the filter goes relative to Istio's own filters,
    /// by role, instead of by position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_class: Option<PatchFilterClass>,
}

/// How a patch value is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchOperation {
    /// Not set; validation rejects it.
    #[default]
    Invalid,
    /// Merge the value into the matched object (protobuf merge: lists are appended).
    Merge,
    /// Add the value as a new listener, cluster, filter, ...
    Add,
    /// Remove the matched object; no value needed.
    Remove,
    /// Insert before the matched filter or route.
    InsertBefore,
    /// Insert after the matched filter or route.
    InsertAfter,
    /// Insert first in the list.
    InsertFirst,
    /// Replace the matched filter or cluster.
    Replace,
    /// Merge, but lists in the value replace the existing ones instead of extending them.
    MergeAndReplaceList,
}

impl PatchOperation {
    /// The spelling Istio uses (`INSERT_BEFORE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "INVALID",
            Self::Merge => "MERGE",
            Self::Add => "ADD",
            Self::Remove => "REMOVE",
            Self::InsertBefore => "INSERT_BEFORE",
            Self::InsertAfter => "INSERT_AFTER",
            Self::InsertFirst => "INSERT_FIRST",
            Self::Replace => "REPLACE",
            Self::MergeAndReplaceList => "MERGE_AND_REPLACE_LIST",
        }
    }
}

/// Where an inserted HTTP filter goes relative to Istio's filters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchFilterClass {
    /// Use the patch operation's position.
    #[default]
    Unspecified,
    /// After Istio's authentication filters.
    Authn,
    /// After Istio's authorization filters.
    Authz,
    /// Before Istio's statistics filters.
    Stats,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Longest `proxyVersion` pattern Istio compiles; longer ones are ignored.
const MAX_PROXY_VERSION_LEN: usize = 1024;

/// Most `targetRefs` an EnvoyFilter may list (CRD limit).
const MAX_TARGET_REFS: usize = 16;

/// The HTTP connection manager, the only network filter that holds HTTP filters.
const HTTP_CONNECTION_MANAGER: &str = "envoy.filters.network.http_connection_manager";

/// Old filter names Envoy still accepts, with the names to use instead.
const DEPRECATED_FILTER_NAMES: &[(&str, &str)] = &[
    ("envoy.buffer", "envoy.filters.http.buffer"),
    ("envoy.cors", "envoy.filters.http.cors"),
    ("envoy.csrf", "envoy.filters.http.csrf"),
    ("envoy.http_dynamo_filter", "envoy.filters.http.dynamo"),
    ("envoy.ext_authz", "envoy.filters.http.ext_authz"),
    ("envoy.fault", "envoy.filters.http.fault"),
    ("envoy.grpc_http1_bridge", "envoy.filters.http.grpc_http1_bridge"),
    ("envoy.grpc_json_transcoder", "envoy.filters.http.grpc_json_transcoder"),
    ("envoy.grpc_web", "envoy.filters.http.grpc_web"),
    ("envoy.gzip", "envoy.filters.http.gzip"),
    ("envoy.health_check", "envoy.filters.http.health_check"),
    ("envoy.ip_tagging", "envoy.filters.http.ip_tagging"),
    ("envoy.lua", "envoy.filters.http.lua"),
    ("envoy.rate_limit", "envoy.filters.http.ratelimit"),
    ("envoy.router", "envoy.filters.http.router"),
    ("envoy.squash", "envoy.filters.http.squash"),
    ("envoy.listener.http_inspector", "envoy.filters.listener.http_inspector"),
    ("envoy.listener.original_dst", "envoy.filters.listener.original_dst"),
    ("envoy.listener.original_src", "envoy.filters.listener.original_src"),
    ("envoy.listener.proxy_protocol", "envoy.filters.listener.proxy_protocol"),
    ("envoy.listener.tls_inspector", "envoy.filters.listener.tls_inspector"),
    ("envoy.client_ssl_auth", "envoy.filters.network.client_ssl_auth"),
    ("envoy.http_connection_manager", HTTP_CONNECTION_MANAGER),
    ("envoy.mongo_proxy", "envoy.filters.network.mongo_proxy"),
    ("envoy.ratelimit", "envoy.filters.network.ratelimit"),
    ("envoy.redis_proxy", "envoy.filters.network.redis_proxy"),
    ("envoy.tcp_proxy", "envoy.filters.network.tcp_proxy"),
];

/// Warns when `name` is a deprecated filter name.
fn check_filter_name(v: &mut Validator, name: &str) {
    if let Some((_, new)) = DEPRECATED_FILTER_NAMES.iter().find(|(old, _)| *old == name) {
        v.warn(format!("filter name {name:?} is deprecated; use {new:?}"));
    }
}

impl EnvoyConfigObjectMatch {
    /// How many of the object kinds (`listener`, `routeConfiguration`, `cluster`, `waypoint`)
    /// are set.
    fn object_kinds(&self) -> usize {
        [self.listener.is_some(), self.route_configuration.is_some(), self.cluster.is_some(), self.waypoint.is_some()]
            .iter()
            .filter(|k| **k)
            .count()
    }

    /// The schema's rules for a match, recorded at the match's path.
    fn check_schema(&self, v: &mut Validator) {
        if self.object_kinds() > 1 {
            v.error("set only one of listener, routeConfiguration, cluster and waypoint");
        }
        let waypoint_context = self.context == Some(PatchContext::Waypoint);
        if waypoint_context != self.waypoint.is_some() {
            v.error("a waypoint match goes with context WAYPOINT, and context WAYPOINT needs one");
        }
        if let Some(port) = self.waypoint.as_ref().and_then(|w| w.port_number) {
            v.field("waypoint", |v| v.field("portNumber", |v| rules::check_port(v, port)));
        }
    }
}

impl EnvoyConfigObjectPatch {
    /// Istio's checks that `applyTo`, `match` and `patch` fit together.
    fn check(&self, v: &mut Validator) {
        if let Some(m) = &self.match_ {
            v.field("match", |v| m.check_schema(v));
            if m.context == Some(PatchContext::Waypoint) {
                // Istio does not check waypoint patches further yet.
                return;
            }
        }
        let apply_to = self.apply_to.unwrap_or_default();
        if apply_to == ApplyTo::Invalid {
            v.error_at("applyTo", "applyTo is required");
            return;
        }
        let Some(patch) = &self.patch else {
            v.error_at("patch", "a patch is required");
            return;
        };
        let operation = patch.operation.unwrap_or_default();
        if operation == PatchOperation::Invalid {
            v.field("patch", |v| v.error_at("operation", "patch.operation is required"));
            return;
        }
        if operation != PatchOperation::Remove && patch.value.is_none() {
            v.field("patch", |v| v.error_at("value", format!("{} needs a patch value", operation.as_str())));
            return;
        }
        let Some(m) = &self.match_ else { return };
        if let Some(version) = m.proxy.as_ref().and_then(|p| p.proxy_version.as_deref())
            && !version.is_empty()
        {
            let mut failed = false;
            v.field("match", |v| {
                v.field("proxy", |v| {
                    v.field("proxyVersion", |v| {
                        if version.len() > MAX_PROXY_VERSION_LEN {
                            v.warn(format!("patterns longer than {MAX_PROXY_VERSION_LEN} characters are ignored"));
                        } else if let Err(e) = regex::Regex::new(version) {
                            v.error(format!("not a valid regular expression: {e}"));
                            failed = true;
                        }
                    })
                })
            });
            if failed {
                return;
            }
        }
        let has_object = m.object_kinds() > 0;
        match apply_to {
            ApplyTo::Listener | ApplyTo::FilterChain | ApplyTo::NetworkFilter | ApplyTo::HttpFilter if has_object => {
                let Some(listener) = &m.listener else {
                    v.error_at("match", format!("applyTo {} needs a listener match", apply_to.as_str()));
                    return;
                };
                let Some(filter) = listener.filter_chain.as_ref().and_then(|c| c.filter.as_ref()) else {
                    return;
                };
                v.field("match", |v| {
                    v.field("listener", |v| {
                        v.field("filterChain", |v| {
                            v.field("filter", |v| check_filter_match(v, apply_to, filter));
                        })
                    })
                });
            }
            ApplyTo::RouteConfiguration | ApplyTo::VirtualHost | ApplyTo::HttpRoute
                if has_object && m.route_configuration.is_none() =>
            {
                v.error_at("match", format!("applyTo {} needs a routeConfiguration match", apply_to.as_str()));
            }
            ApplyTo::Cluster if has_object && m.cluster.is_none() => {
                v.error_at("match", "applyTo CLUSTER needs a cluster match");
            }
            _ => {}
        }
    }
}

/// Checks a listener filter match for `apply_to`, at the filter match's path.
fn check_filter_match(v: &mut Validator, apply_to: ApplyTo, filter: &FilterMatch) {
    if matches!(apply_to, ApplyTo::Listener | ApplyTo::FilterChain) {
        v.warn(format!("a filter match has no effect with applyTo {}", apply_to.as_str()));
    }
    let name = filter.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        v.error_at("name", "a filter match needs a name");
        return;
    }
    if let Some(sub) = &filter.sub_filter {
        if apply_to != ApplyTo::HttpFilter {
            v.error_at("subFilter", "a subFilter match only works with applyTo HTTP_FILTER");
            return;
        }
        if name != HTTP_CONNECTION_MANAGER && name != "envoy.http_connection_manager" {
            v.error_at("name", format!("a subFilter match needs the filter {HTTP_CONNECTION_MANAGER:?}"));
            return;
        }
        if sub.name.as_deref().unwrap_or_default().is_empty() {
            v.field("subFilter", |v| v.error_at("name", "a subFilter match needs a name"));
            return;
        }
    }
    v.field("name", |v| check_filter_name(v, name));
    if let Some(sub) = filter.sub_filter.as_ref().and_then(|s| s.name.as_deref()) {
        v.field("subFilter", |v| v.field("name", |v| check_filter_name(v, sub)));
    }
}

impl Validate for EnvoyFilter {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "EnvoyFilter", &self.metadata);
        let spec = &self.spec;
        v.field("spec", |v| {
            v.warn(
                "EnvoyFilter depends on Envoy internals that can change in any release; prefer \
                 other APIs, and check every EnvoyFilter when upgrading",
            );
            if let Some(selector) = &spec.workload_selector {
                v.field("workloadSelector", |v| rules::check_workload_selector(v, selector));
                if !spec.target_refs.is_empty() {
                    v.error("set either targetRefs or workloadSelector, not both");
                }
            }
            v.field("targetRefs", |v| {
                if spec.target_refs.len() > MAX_TARGET_REFS {
                    v.error(format!("at most {MAX_TARGET_REFS} targetRefs may be listed"));
                }
                for (i, target) in spec.target_refs.iter().enumerate() {
                    v.item(i, |v| {
                        if target.name.is_empty() {
                            v.error_at("name", "a target reference needs a name");
                        }
                        if target.kind.is_empty() {
                            v.error_at("kind", "a target reference needs a kind");
                        }
                        if target.namespace.as_deref().is_some_and(|ns| !ns.is_empty()) {
                            v.error_at("namespace", "targets in other namespaces are not supported; remove it");
                        }
                    });
                }
            });
            v.field("configPatches", |v| {
                for (i, patch) in spec.config_patches.iter().enumerate() {
                    v.item(i, |v| patch.check(v));
                }
            });
        });
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {{name: ef, namespace: shop}}\nspec: {spec}\n"
        );
        let ef: EnvoyFilter = serde_yaml::from_str(&yaml).expect("test YAML must load");
        ef.validate()
    }

    /// Problems of one patch given as YAML.
    fn patch_problems(patch: &str) -> Vec<Problem> {
        problems(&format!("{{configPatches: [{patch}]}}"))
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    fn errors(problems: &[Problem]) -> Vec<&Problem> {
        problems.iter().filter(|p| p.level == Level::Error).collect()
    }

    const HCM: &str = "envoy.filters.network.http_connection_manager";

    #[test]
    fn valid_filter_passes_with_the_standing_warning() {
        let p = patch_problems(&format!(
            "{{applyTo: HTTP_FILTER, match: {{context: SIDECAR_INBOUND, proxy: {{proxyVersion: '^1\\.2.*'}}, \
             listener: {{portNumber: 8080, filterChain: {{filter: {{name: {HCM}, subFilter: {{name: envoy.filters.http.router}}}}}}}}}}, \
             patch: {{operation: INSERT_BEFORE, value: {{name: envoy.lua, typed_config: {{'@type': type.googleapis.com/x}}}}}}}}"
        ));
        assert!(errors(&p).is_empty(), "{p:?}");
        assert!(has(&p, Level::Warning, "spec"), "{p:?}");
    }

    #[test]
    fn apply_to_is_required() {
        let p = patch_problems("{patch: {operation: MERGE, value: {}}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].applyTo"), "{p:?}");
    }

    #[test]
    fn patch_and_operation_are_required() {
        assert!(has(&patch_problems("{applyTo: CLUSTER}"), Level::Error, "spec.configPatches[0].patch"));
        let p = patch_problems("{applyTo: CLUSTER, patch: {value: {}}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].patch.operation"), "{p:?}");
    }

    #[test]
    fn value_is_required_unless_removing() {
        let p = patch_problems("{applyTo: CLUSTER, patch: {operation: MERGE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].patch.value"), "{p:?}");
        assert!(errors(&patch_problems("{applyTo: CLUSTER, patch: {operation: REMOVE}}")).is_empty());
    }

    #[test]
    fn proxy_version_must_be_a_regex() {
        let p =
            patch_problems("{applyTo: CLUSTER, match: {proxy: {proxyVersion: '1.(2'}}, patch: {operation: REMOVE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match.proxy.proxyVersion"), "{p:?}");
        let long = "a".repeat(MAX_PROXY_VERSION_LEN + 1);
        let p = patch_problems(&format!(
            "{{applyTo: CLUSTER, match: {{proxy: {{proxyVersion: {long}}}}}, patch: {{operation: REMOVE}}}}"
        ));
        assert!(has(&p, Level::Warning, "spec.configPatches[0].match.proxy.proxyVersion"), "{p:?}");
    }

    #[test]
    fn listener_class_patches_need_a_listener_match() {
        let p = patch_problems("{applyTo: NETWORK_FILTER, match: {cluster: {name: c}}, patch: {operation: REMOVE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
    }

    #[test]
    fn filter_match_needs_a_name() {
        let p = patch_problems(
            "{applyTo: NETWORK_FILTER, match: {listener: {filterChain: {filter: {}}}}, patch: {operation: REMOVE}}",
        );
        assert!(has(&p, Level::Error, "spec.configPatches[0].match.listener.filterChain.filter.name"), "{p:?}");
    }

    #[test]
    fn filter_match_on_listener_or_filter_chain_warns() {
        let p = patch_problems(&format!(
            "{{applyTo: LISTENER, match: {{listener: {{filterChain: {{filter: {{name: {HCM}}}}}}}}}, patch: {{operation: REMOVE}}}}"
        ));
        assert!(has(&p, Level::Warning, "spec.configPatches[0].match.listener.filterChain.filter"), "{p:?}");
    }

    #[test]
    fn sub_filter_match_needs_http_filter_and_the_connection_manager() {
        let p = patch_problems(&format!(
            "{{applyTo: NETWORK_FILTER, match: {{listener: {{filterChain: {{filter: {{name: {HCM}, subFilter: {{name: a}}}}}}}}}}, patch: {{operation: REMOVE}}}}"
        ));
        assert!(has(&p, Level::Error, "spec.configPatches[0].match.listener.filterChain.filter.subFilter"), "{p:?}");
        let p = patch_problems(
            "{applyTo: HTTP_FILTER, match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: a}}}}}, patch: {operation: REMOVE}}",
        );
        assert!(has(&p, Level::Error, "spec.configPatches[0].match.listener.filterChain.filter.name"), "{p:?}");
        let p = patch_problems(&format!(
            "{{applyTo: HTTP_FILTER, match: {{listener: {{filterChain: {{filter: {{name: {HCM}, subFilter: {{}}}}}}}}}}, patch: {{operation: REMOVE}}}}"
        ));
        assert!(
            has(&p, Level::Error, "spec.configPatches[0].match.listener.filterChain.filter.subFilter.name"),
            "{p:?}"
        );
    }

    #[test]
    fn deprecated_filter_names_warn() {
        let p = patch_problems(
            "{applyTo: HTTP_FILTER, match: {listener: {filterChain: {filter: {name: envoy.http_connection_manager, subFilter: {name: envoy.router}}}}}, patch: {operation: REMOVE}}",
        );
        let base = "spec.configPatches[0].match.listener.filterChain.filter";
        assert!(has(&p, Level::Warning, &format!("{base}.name")), "{p:?}");
        assert!(has(&p, Level::Warning, &format!("{base}.subFilter.name")), "{p:?}");
        assert!(errors(&p).is_empty(), "{p:?}");
    }

    #[test]
    fn route_patches_need_a_route_configuration_match() {
        let p = patch_problems("{applyTo: VIRTUAL_HOST, match: {listener: {}}, patch: {operation: REMOVE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
    }

    #[test]
    fn cluster_patches_need_a_cluster_match() {
        let p = patch_problems("{applyTo: CLUSTER, match: {routeConfiguration: {}}, patch: {operation: REMOVE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
    }

    #[test]
    fn only_one_object_kind_may_be_matched() {
        let p = patch_problems("{applyTo: CLUSTER, match: {cluster: {}, listener: {}}, patch: {operation: REMOVE}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
    }

    #[test]
    fn waypoint_match_goes_with_the_waypoint_context() {
        let p = patch_problems(
            "{applyTo: HTTP_FILTER, match: {context: SIDECAR_INBOUND, waypoint: {}}, patch: {operation: REMOVE}}",
        );
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
        let p = patch_problems("{applyTo: HTTP_FILTER, match: {context: WAYPOINT}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match"), "{p:?}");
        let p = patch_problems("{applyTo: HTTP_FILTER, match: {context: WAYPOINT, waypoint: {portNumber: 65536}}}");
        assert!(has(&p, Level::Error, "spec.configPatches[0].match.waypoint.portNumber"), "{p:?}");
        let p = patch_problems("{applyTo: HTTP_FILTER, match: {context: WAYPOINT, waypoint: {portNumber: 8080}}}");
        assert!(errors(&p).is_empty(), "{p:?}");
    }

    #[test]
    fn selector_and_target_refs_are_exclusive() {
        let p = problems(
            "{workloadSelector: {labels: {app: a}}, targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]}",
        );
        assert!(has(&p, Level::Error, "spec"), "{p:?}");
    }

    #[test]
    fn target_refs_stay_in_the_namespace() {
        let p = problems("{targetRefs: [{kind: Service, name: s, namespace: other}]}");
        assert!(has(&p, Level::Error, "spec.targetRefs[0].namespace"), "{p:?}");
    }

    #[test]
    fn selector_wildcards_are_rejected() {
        let p = problems("{workloadSelector: {labels: {app: '*'}}}");
        assert!(has(&p, Level::Error, "spec.workloadSelector.labels.app"), "{p:?}");
    }

    #[test]
    fn patch_value_is_kept_as_written() {
        let yaml = "metadata: {name: ef}\nspec: {configPatches: [{applyTo: CLUSTER, patch: {operation: ADD, value: {name: c, z: 1, a: [true, {b: null}]}}}]}";
        let ef: EnvoyFilter = serde_yaml::from_str(yaml).expect("loads");
        let back = serde_json::to_value(&ef.spec).expect("writes");
        assert_eq!(
            back["configPatches"][0]["patch"]["value"],
            serde_json::json!({"name": "c", "z": 1, "a": [true, {"b": null}]})
        );
    }
}
