//! `networking.istio.io`: traffic routing (VirtualService, DestinationRule, Gateway,
//! ServiceEntry, Sidecar, WorkloadEntry, WorkloadGroup, EnvoyFilter, ProxyConfig).
//!
//! `v1`, `v1beta1` and `v1alpha3` share one schema, so one set of types reads all three.

mod builders;
mod destination_rule;
mod destination_rule_validation;
mod envoy_filter;
mod gateway;
mod proxy_config;
mod service_entry;
mod sidecar;
mod virtual_service;
mod virtual_service_validation;
mod workload_entry;
mod workload_group;

pub use builders::{DestinationRuleBuilder, GatewayBuilder, VirtualServiceBuilder};
pub use destination_rule::*;
pub use envoy_filter::{
    ApplyTo, ClusterMatch, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilter, EnvoyFilterSpec,
    FilterChainMatch, FilterMatch, ListenerMatch, Patch, PatchContext, PatchFilterClass, PatchOperation, ProxyMatch,
    RouteConfigurationMatch, RouteMatchAction, SubFilterMatch, VirtualHostMatch, VirtualHostRouteMatch,
    WaypointFilterMatch, WaypointMatch, WaypointRouteMatch, WaypointSubFilterMatch,
};
pub use gateway::{Gateway, GatewaySpec, Port, Server, ServerTlsMode, ServerTlsSettings, TlsCertificate, TlsProtocol};
pub use proxy_config::{ProxyConfig, ProxyConfigSpec, ProxyImage};
pub use service_entry::{Resolution, ServiceEntry, ServiceEntryLocation, ServiceEntrySpec, ServicePort};
pub use sidecar::{
    CaptureMode, IstioEgressListener, IstioIngressListener, OutboundTrafficPolicy, OutboundTrafficPolicyMode, Sidecar,
    SidecarPort, SidecarSpec,
};
pub use virtual_service::*;
pub use workload_entry::{WorkloadEntry, WorkloadEntrySpec};
pub use workload_group::{
    ExecHealthCheckConfig, GrpcHealthCheckConfig, HttpHeader, HttpHealthCheckConfig, ReadinessProbe,
    TcpHealthCheckConfig, WorkloadGroup, WorkloadGroupMetadata, WorkloadGroupSpec,
};
