//! Selectors and references shared by many kinds: workload selectors, policy targets, ports.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Labels, in the order they were written.
pub type Labels = IndexMap<String, String>;

/// Selects workloads by labels (`networking.istio.io` style: `workloadSelector.labels`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadSelector {
    /// Pods or VMs carrying all these labels are selected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: Labels,
}

/// Selects workloads by labels (`security`, `telemetry` and `extensions` style: `selector.matchLabels`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Pods or VMs carrying all these labels are selected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub match_labels: Labels,
}

/// Names the resource a policy attaches to (a Gateway API `Gateway`, a `Service`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyTargetReference {
    /// API group of the target; empty for the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the target, such as `Gateway` or `Service`.
    pub kind: String,
    /// Name of the target.
    pub name: String,
    /// Namespace of the target; cross-namespace references are not supported by Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A port number on a service (`port: {number: 9080}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortSelector {
    /// The port number; Istio accepts 1 to 65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
}

impl PortSelector {
    /// Selects `number`.
    pub fn new(number: u32) -> Self {
        Self { number: Some(number) }
    }
}
