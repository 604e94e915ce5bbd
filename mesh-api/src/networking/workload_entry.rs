//! `WorkloadEntry`: a workload that is not a Kubernetes pod, such as a VM, described to Istio.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{IstioStatus, Labels};

/// One workload (a VM or bare-metal host) with its address, ports and labels.
///
/// The same message describes the endpoints of a ServiceEntry and the template of a
/// WorkloadGroup.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "WorkloadEntry",
    namespaced,
    status = "IstioStatus",
    shortname = "we",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `WorkloadEntry` (`networking.istio.io`): a non-Kubernetes workload."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadEntrySpec {
    /// The address of the workload: an IP, a DNS name (with DNS resolution) or a Unix domain
    /// socket (`unix:///absolute/path` or `unix://@abstract`). May be left out when `network`
    /// is set and the workload is reached through that network's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port numbers on this workload, keyed by the name of the service port they serve
    /// (overriding the service's `targetPort`). Not allowed with Unix sockets.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ports: IndexMap<String, u32>,
    /// Labels of the workload.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: Labels,
    /// The network the workload is in; workloads on the same network reach each other
    /// directly, others go through the network's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The workload's locality, `region/zone/subzone`, used for locality-aware load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load-balancing weight relative to the other endpoints of the same service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// The service account the workload's sidecar runs as (in the entry's namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}
