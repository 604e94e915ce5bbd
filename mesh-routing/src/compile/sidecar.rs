//! Sidecar resources: which hosts a workload imports (routing.md V4–V7, E3).

use mesh_api::networking::{OutboundTrafficPolicyMode, Sidecar};

use super::virtual_service::CompiledDestination;
use crate::matchers::host::{HostPattern, qualify};
use crate::settings::OutboundTrafficPolicy;

/// One egress host `[~]ns/dnsName` (V5).
#[derive(Clone, Debug)]
pub(crate) struct EgressHost {
    /// `None` = any namespace.
    pub(crate) namespace: Option<String>,
    pub(crate) host: HostPattern,
    pub(crate) exclude: bool,
}

/// One egress listener.
#[derive(Clone, Debug)]
pub(crate) struct EgressListener {
    pub(crate) port: Option<u32>,
    pub(crate) hosts: Vec<EgressHost>,
}

/// A Sidecar.
#[derive(Clone, Debug)]
pub(crate) struct CompiledSidecar {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) selector: Option<Vec<(String, String)>>,
    pub(crate) egress: Vec<EgressListener>,
    pub(crate) outbound: Option<OutboundTrafficPolicy>,
    /// `outboundTrafficPolicy.egressProxy`: where ALLOW_ANY sends unknown traffic (E3).
    pub(crate) egress_proxy: Vec<CompiledDestination>,
    /// Creation time; with the name and namespace it gives Istio's age order ([`Self::age`]).
    pub(crate) created: Option<i128>,
}

impl CompiledSidecar {
    /// (creation time, name, namespace): Istio's age order, oldest first.
    #[inline]
    pub(crate) fn age(&self) -> (Option<i128>, &str, &str) {
        (self.created, &self.name, &self.namespace)
    }

    /// The listener serving `port`: one naming the port, else the port-less one.
    fn listener(&self, port: u32) -> Option<&EgressListener> {
        self.egress.iter().find(|l| l.port == Some(port)).or_else(|| self.egress.iter().find(|l| l.port.is_none()))
    }

    /// Whether an object in `namespace` with host `host` is imported on `port`. A Sidecar with
    /// no egress section imports everything.
    pub(crate) fn imports(&self, namespace: &str, host: &HostPattern, port: u32) -> bool {
        if self.egress.is_empty() {
            return true;
        }
        let Some(listener) = self.listener(port) else { return false };
        let ns_ok = |h: &EgressHost| h.namespace.as_deref().is_none_or(|n| n == namespace);
        let included = listener.hosts.iter().any(|h| !h.exclude && ns_ok(h) && h.host.intersects(host));
        let excluded = listener.hosts.iter().any(|h| h.exclude && ns_ok(h) && h.host.intersects(host));
        included && !excluded
    }
}

/// Compiles one Sidecar.
pub(crate) fn compile(sc: &Sidecar, namespace: &str, domain: &str, age: Option<i128>) -> CompiledSidecar {
    let name = sc.metadata.name.clone().unwrap_or_default();
    let egress = sc
        .spec
        .egress
        .iter()
        .map(|l| EgressListener {
            port: l.port.as_ref().and_then(|p| p.number),
            hosts: l
                .hosts
                .iter()
                .map(|h| {
                    let (ns, host) = h.split_once('/').unwrap_or(("*", h.as_str()));
                    let (exclude, ns) = match ns.strip_prefix('~') {
                        Some(rest) => (true, rest),
                        None => (false, ns),
                    };
                    let namespace = match ns {
                        "*" | "" => None,
                        "." => Some(namespace.to_owned()),
                        other => Some(other.to_owned()),
                    };
                    EgressHost { namespace, host: HostPattern::parse(host), exclude }
                })
                .collect(),
        })
        .collect();
    let outbound = sc.spec.outbound_traffic_policy.as_ref().map(|p| match p.mode {
        Some(OutboundTrafficPolicyMode::AllowAny) => OutboundTrafficPolicy::AllowAny,
        _ => OutboundTrafficPolicy::RegistryOnly,
    });
    let egress_proxy = sc
        .spec
        .outbound_traffic_policy
        .as_ref()
        .and_then(|p| p.egress_proxy.as_ref())
        .map(|d| CompiledDestination {
            host: qualify(&d.host, namespace, domain).into(),
            subset: d.subset.as_deref().map(Into::into),
            port: d.port.as_ref().and_then(|p| p.number),
            share: 100.0,
            ..CompiledDestination::default()
        })
        .into_iter()
        .collect();
    CompiledSidecar {
        egress_proxy,
        selector: sc
            .spec
            .workload_selector
            .as_ref()
            .map(|w| w.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        egress,
        outbound,
        created: age,
        namespace: namespace.to_owned(),
        name,
    }
}
