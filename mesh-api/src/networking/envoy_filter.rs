//! `EnvoyFilter`: patches applied to the Envoy configuration Istio generates.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{IstioStatus, PolicyTargetReference, WorkloadSelector};

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
