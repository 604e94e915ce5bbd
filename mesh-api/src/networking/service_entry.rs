//! `ServiceEntry`: adds services to Istio's registry, such as external APIs or VMs.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::WorkloadEntrySpec;
use crate::{IstioStatus, WorkloadSelector};

/// A service Istio would not otherwise know about: its host names, addresses, ports and where
/// its endpoints are.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "ServiceEntry",
    namespaced,
    status = "IstioStatus",
    shortname = "se",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `ServiceEntry` (`networking.istio.io`): a service added to the mesh's registry."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceEntrySpec {
    /// The host names of the service (1 to 256); a leading `*.` wildcard is allowed, `*` alone is
    /// not. For HTTP they are matched against the `Host` header, for TLS against the SNI.
    pub hosts: Vec<String>,
    /// Virtual IP addresses or CIDR ranges of the service; traffic to them is treated as going to
    /// this service. CIDRs need `NONE` or `STATIC` resolution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The ports of the service, with unique names and numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// Whether the service is outside the mesh (`MESH_EXTERNAL`, the default) or part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ServiceEntryLocation>,
    /// How the proxy finds the endpoints; `NONE` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// The endpoints of the service; not together with `workloadSelector`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<WorkloadEntrySpec>,
    /// Selects the pods and WorkloadEntries (in this namespace) that are the endpoints; for
    /// `MESH_INTERNAL` services, and not together with `endpoints`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    /// Namespaces that can see the service: `.` for its own, `*` for all (the default), `~` for
    /// none, or namespace names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Subject alternative names the server certificate must carry one of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
}

/// A port of a ServiceEntry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    /// The port number clients use (1 to 65535).
    pub number: u32,
    /// The protocol (`HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP`, `TLS`, ...); when unset
    /// the proxy detects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The port's name, a DNS label unique within the ServiceEntry.
    pub name: String,
    /// The port on the endpoints that receives the traffic; `number` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// Whether a ServiceEntry's service is inside the mesh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceEntryLocation {
    /// Outside the mesh, typically an API reached over the Internet; no mutual TLS is used.
    #[default]
    MeshExternal,
    /// Part of the mesh, such as VMs added by hand; treated like any other mesh service.
    MeshInternal,
}

/// How the proxy finds the endpoints of a ServiceEntry's hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// No resolution: the connection goes to the destination address the caller used.
    #[default]
    None,
    /// Use the addresses given in `endpoints` (or found by `workloadSelector`).
    Static,
    /// Resolve the endpoint addresses (or the hosts, when there are no endpoints) with DNS, and
    /// balance over every address returned.
    Dns,
    /// Resolve with DNS and use only the first address returned, keeping connections open.
    DnsRoundRobin,
    /// Resolve the host name of each request (from `Host` or SNI) when it is handled; only for
    /// wildcard hosts.
    DynamicDns,
}

impl Resolution {
    /// The spelling Istio uses (`STATIC`, `DNS_ROUND_ROBIN`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Static => "STATIC",
            Self::Dns => "DNS",
            Self::DnsRoundRobin => "DNS_ROUND_ROBIN",
            Self::DynamicDns => "DYNAMIC_DNS",
        }
    }
}
