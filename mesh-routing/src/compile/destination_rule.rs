//! DestinationRules kept for lookup at route time (routing.md §9).

use mesh_api::networking::{DestinationRule, Subset, TrafficPolicy};

use super::export::ExportTo;
use crate::matchers::host::{HostPattern, qualify};

/// A DestinationRule with its host qualified (P1).
#[derive(Clone, Debug)]
pub(crate) struct CompiledDr {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) host: HostPattern,
    pub(crate) export_to: ExportTo,
    pub(crate) selector: Option<Vec<(String, String)>>,
    /// Boxed: most rules have none, and a policy is large.
    pub(crate) traffic_policy: Option<Box<TrafficPolicy>>,
    pub(crate) subsets: Vec<CompiledSubset>,
    /// Creation time; with the name and namespace it gives Istio's age order ([`Self::age`]).
    pub(crate) created: Option<i128>,
}

impl CompiledDr {
    /// (creation time, name, namespace): Istio's age order, oldest first.
    #[inline]
    pub(crate) fn age(&self) -> (Option<i128>, &str, &str) {
        (self.created, &self.name, &self.namespace)
    }
}

/// A subset with its labels as pairs and its policy boxed (most subsets have none).
#[derive(Clone, Debug)]
pub(crate) struct CompiledSubset {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) traffic_policy: Option<Box<TrafficPolicy>>,
}

impl CompiledSubset {
    fn new(s: &Subset) -> Self {
        Self {
            name: s.name.clone(),
            labels: s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            traffic_policy: s.traffic_policy.clone(),
        }
    }
}

/// Compiles one DestinationRule.
pub(crate) fn compile(dr: &DestinationRule, namespace: &str, domain: &str, age: Option<i128>) -> CompiledDr {
    let name = dr.metadata.name.clone().unwrap_or_default();
    CompiledDr {
        host: HostPattern::from_lowercase(qualify(&dr.spec.host, namespace, domain)),
        export_to: ExportTo::new(&dr.spec.export_to, namespace),
        selector: dr
            .spec
            .workload_selector
            .as_ref()
            .map(|s| s.match_labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        traffic_policy: dr.spec.traffic_policy.clone(),
        subsets: dr.spec.subsets.iter().map(CompiledSubset::new).collect(),
        created: age,
        namespace: namespace.to_owned(),
        name,
    }
}
