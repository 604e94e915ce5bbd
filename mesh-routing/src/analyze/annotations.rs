//! Istio annotations on Kubernetes objects: `annotations.K8sAnalyzer` (IST0108 unknown,
//! IST0107 on a kind it does not apply to, IST0135 deprecated, IST0125 a value the injector
//! rejects) and `annotations.AlphaAnalyzer` (IST0136: an alpha-phase feature).
//!
//! The table of annotations is the list `istio/api` publishes (`annotation/annotations.yaml`):
//! name, kinds, deprecation and feature phase.

use std::collections::BTreeMap;

use mesh_api::Object;

use super::kube::{annotations, labels};
use super::{Context, Message, MessageLevel};

/// One annotation Istio defines.
struct Known {
    name: &'static str,
    /// The kinds it goes on; `Any` for every kind.
    resources: &'static [&'static str],
    deprecated: bool,
    alpha: bool,
}

/// Istio's annotations.
const KNOWN: &[Known] = &[
    Known { name: "prometheus.istio.io/merge-metrics", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "alpha.istio.io/kubernetes-serviceaccounts", resources: &["Service"], deprecated: true, alpha: true },
    Known { name: "alpha.istio.io/canonical-serviceaccounts", resources: &["Service"], deprecated: true, alpha: true },
    Known { name: "networking.istio.io/exportTo", resources: &["Service"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/inject", resources: &["Pod"], deprecated: true, alpha: false },
    Known { name: "sidecar.istio.io/status", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/rewriteAppHTTPProbers", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/discoveryAddress", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "sidecar.istio.io/proxyImage", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/proxyImageType", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/proxyCPU", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/proxyCPULimit", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/proxyMemory", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/proxyMemoryLimit", resources: &["Pod"], deprecated: false, alpha: false },
    Known { name: "sidecar.istio.io/interceptionMode", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/bootstrapOverride", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/statsInclusionPrefixes", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "sidecar.istio.io/statsInclusionSuffixes", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "sidecar.istio.io/statsInclusionRegexps", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "sidecar.istio.io/statsHistogramBuckets", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/statsFlushInterval", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/statsEvictionInterval", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/statsHistogramBins", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/userVolume", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/userVolumeMount", resources: &["Pod"], deprecated: false, alpha: false },
    Known { name: "status.sidecar.istio.io/port", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/logLevel", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/componentLogLevel", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/agentLogLevel", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/nativeSidecar", resources: &["Pod"], deprecated: false, alpha: true },
    Known {
        name: "readiness.status.sidecar.istio.io/initialDelaySeconds",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "readiness.status.sidecar.istio.io/periodSeconds",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "readiness.status.sidecar.istio.io/failureThreshold",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "readiness.status.sidecar.istio.io/applicationPorts",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known { name: "traffic.istio.io/nodeSelector", resources: &["Service"], deprecated: false, alpha: false },
    Known {
        name: "traffic.sidecar.istio.io/includeOutboundIPRanges",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "traffic.sidecar.istio.io/includeInboundPorts",
        resources: &["Pod"],
        deprecated: false,
        alpha: false,
    },
    Known { name: "traffic.sidecar.istio.io/excludeInboundPorts", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "traffic.sidecar.istio.io/excludeInterfaces", resources: &["Pod"], deprecated: false, alpha: true },
    Known {
        name: "traffic.sidecar.istio.io/includeOutboundPorts",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "traffic.sidecar.istio.io/excludeOutboundPorts",
        resources: &["Pod"],
        deprecated: false,
        alpha: true,
    },
    Known { name: "traffic.sidecar.istio.io/kubevirtInterfaces", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "kubernetes.io/ingress.class", resources: &["Ingress"], deprecated: false, alpha: false },
    Known { name: "galley.istio.io/analyze-suppress", resources: &["Any"], deprecated: false, alpha: true },
    Known { name: "proxy.istio.io/config", resources: &["Pod"], deprecated: false, alpha: false },
    Known { name: "istio.io/dry-run", resources: &["AuthorizationPolicy"], deprecated: false, alpha: true },
    Known { name: "istio.io/rev", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "proxy.istio.io/overrides", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "inject.istio.io/templates", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/extraStatTags", resources: &["Pod"], deprecated: true, alpha: true },
    Known { name: "istio.io/autoRegistrationGroup", resources: &["WorkloadEntry"], deprecated: false, alpha: true },
    Known { name: "istio.io/workloadController", resources: &["WorkloadEntry"], deprecated: false, alpha: true },
    Known { name: "istio.io/connectedAt", resources: &["WorkloadEntry"], deprecated: false, alpha: true },
    Known { name: "istio.io/disconnectedAt", resources: &["WorkloadEntry"], deprecated: false, alpha: true },
    Known { name: "topology.istio.io/controlPlaneClusters", resources: &["Namespace"], deprecated: false, alpha: true },
    Known { name: "gateway.istio.io/controller-version", resources: &["Any"], deprecated: false, alpha: true },
    Known { name: "ambient.istio.io/redirection", resources: &["Pod"], deprecated: false, alpha: false },
    Known {
        name: "ambient.istio.io/waypoint-inbound-binding",
        resources: &["GatewayClass", "Gateway"],
        deprecated: false,
        alpha: true,
    },
    Known { name: "gateway.istio.io/service-account", resources: &["Gateway"], deprecated: false, alpha: true },
    Known { name: "gateway.istio.io/name-override", resources: &["Gateway"], deprecated: false, alpha: true },
    Known { name: "networking.istio.io/service-type", resources: &["Gateway"], deprecated: false, alpha: true },
    Known {
        name: "networking.istio.io/traffic-distribution",
        resources: &["Namespace", "Service", "ServiceEntry"],
        deprecated: false,
        alpha: true,
    },
    Known {
        name: "istio.io/use-waypoint-canary-weight",
        resources: &["Service", "ServiceEntry", "Namespace"],
        deprecated: false,
        alpha: true,
    },
    Known { name: "ambient.istio.io/bypass-inbound-capture", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "istio.io/reroute-virtual-interfaces", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "ambient.istio.io/dns-capture", resources: &["Pod"], deprecated: false, alpha: true },
    Known { name: "sidecar.istio.io/statsCompression", resources: &["Pod"], deprecated: true, alpha: true },
];

/// Annotations Istio's own controllers set, never worth a message.
const ALWAYS_IGNORED: [&str; 3] = ["sidecar.istio.io/status", "gateway.istio.io/controller-version", "istio.io/rev"];

/// Annotations istio-cni sets on every pod, ignored by the alpha check on pods without
/// `istio-init`.
const CNI_DEFAULTS: [&str; 4] = [
    "sidecar.istio.io/interceptionMode",
    "traffic.sidecar.istio.io/includeInboundPorts",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
];

/// Whether an annotation belongs to Istio: its prefix ends with `istio.io`, or it is
/// `kubernetes.io/ingress.class`.
fn istio_annotation(name: &str) -> bool {
    name == "kubernetes.io/ingress.class" || name.split('/').next().is_some_and(|p| p.ends_with("istio.io"))
}

/// Whether a comma-separated list holds only ports (or is `*`).
fn ports(value: &str) -> bool {
    value.trim() == "*" || value.split(',').map(str::trim).filter(|p| !p.is_empty()).all(|p| p.parse::<u16>().is_ok())
}

/// The injector's objection to a value, for the annotations it checks.
fn invalid(name: &str, value: &str) -> Option<String> {
    let ok = match name {
        "readiness.status.sidecar.istio.io/initialDelaySeconds"
        | "readiness.status.sidecar.istio.io/periodSeconds"
        | "readiness.status.sidecar.istio.io/failureThreshold" => value.parse::<u32>().is_ok(),
        "status.sidecar.istio.io/port" => value.parse::<u16>().is_ok(),
        "prometheus.istio.io/merge-metrics" => value.parse::<bool>().is_ok(),
        "sidecar.istio.io/interceptionMode" => matches!(value, "REDIRECT" | "TPROXY" | "NONE"),
        "traffic.sidecar.istio.io/includeInboundPorts"
        | "traffic.sidecar.istio.io/excludeInboundPorts"
        | "traffic.sidecar.istio.io/excludeOutboundPorts" => ports(value),
        _ => true,
    };
    (!ok).then(|| format!("{value:?} is not a valid value"))
}

/// The kinds the analyzers look at, with their annotations.
fn annotated(objects: &[Object]) -> impl Iterator<Item = (&Object, BTreeMap<String, String>)> {
    objects
        .iter()
        .filter(|o| matches!(o, Object::Namespace(_) | Object::Service(_) | Object::Pod(_) | Object::Deployment(_)))
        .map(|o| (o, annotations(o)))
}

fn message(
    object: &Object,
    code: &'static str,
    name: &'static str,
    level: MessageLevel,
    annotation: &str,
    text: String,
) -> Message {
    Message::new(code, name, level, object, Some(format!("metadata.annotations.{annotation}")), text)
}

/// Reports unknown, misplaced, deprecated and invalid Istio annotations.
pub fn kubernetes_annotations(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for (object, annotations) in annotated(context.objects) {
        let kind = object.kind();
        for (name, value) in &annotations {
            if !istio_annotation(name) || ALWAYS_IGNORED.contains(&name.as_str()) {
                continue;
            }
            let Some(known) = KNOWN.iter().find(|k| k.name == name) else {
                messages.push(message(
                    object,
                    "IST0108",
                    "UnknownAnnotation",
                    MessageLevel::Warning,
                    name,
                    format!("Unknown annotation: {name}"),
                ));
                continue;
            };
            if known.deprecated
                && !(name == "sidecar.istio.io/inject" && labels(object).contains_key("sidecar.istio.io/inject"))
            {
                let extra = if name == "sidecar.istio.io/inject" {
                    " in favor of the \"sidecar.istio.io/inject\" label"
                } else {
                    ""
                };
                messages.push(message(
                    object,
                    "IST0135",
                    "DeprecatedAnnotation",
                    MessageLevel::Info,
                    name,
                    format!(
                        "Annotation {name:?} has been deprecated{extra} and may not work in future Istio versions."
                    ),
                ));
            }
            if known.resources.contains(&"Any") {
                continue;
            }
            if !known.resources.contains(&kind) {
                messages.push(message(
                    object,
                    "IST0107",
                    "MisplacedAnnotation",
                    MessageLevel::Warning,
                    name,
                    format!("Misplaced annotation: {name} can only be applied to {}", known.resources.join(", ")),
                ));
                continue;
            }
            if let Some(problem) = invalid(name, value) {
                messages.push(message(
                    object,
                    "IST0125",
                    "InvalidAnnotation",
                    MessageLevel::Warning,
                    name,
                    format!("Invalid annotation {name}: {problem}"),
                ));
            }
        }
    }
    messages
}

/// Reports annotations of alpha-phase features.
pub fn alpha_annotations(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for (object, annotations) in annotated(context.objects) {
        let cni = match object {
            Object::Pod(p) => {
                !p.spec.iter().flat_map(|s| s.init_containers.iter().flatten()).any(|c| c.name == "istio-init")
            }
            _ => false,
        };
        for name in annotations.keys() {
            if !istio_annotation(name)
                || ALWAYS_IGNORED.contains(&name.as_str())
                || (cni && CNI_DEFAULTS.contains(&name.as_str()))
            {
                continue;
            }
            if KNOWN.iter().any(|k| k.name == name && k.alpha) {
                messages.push(message(
                    object,
                    "IST0136",
                    "AlphaAnnotation",
                    MessageLevel::Info,
                    name,
                    format!("Annotation {name:?} is part of an alpha-phase feature and may be incompletely supported."),
                ));
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn pod(annotations: &str) -> Vec<Object> {
        objects(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, annotations: {{{annotations}}}}}\nspec: {{containers: [{{name: a}}]}}\n"
        ))
    }

    #[test]
    fn unknown_istio_annotations_are_reported_and_others_ignored() {
        let m = kubernetes_annotations(&Context::new(&pod("networking.istio.io/exportThree: a, example.com/x: b")));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Unknown annotation: networking.istio.io/exportThree");
    }

    #[test]
    fn annotations_must_sit_on_their_kind() {
        let m = kubernetes_annotations(&Context::new(&pod("networking.istio.io/exportTo: a")));
        assert_eq!(m[0].code, "IST0107");
        assert_eq!(m[0].message, "Misplaced annotation: networking.istio.io/exportTo can only be applied to Service");
    }

    #[test]
    fn injector_values_are_checked() {
        let m =
            kubernetes_annotations(&Context::new(&pod("readiness.status.sidecar.istio.io/initialDelaySeconds: bar")));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0125");
    }

    #[test]
    fn alpha_annotations_are_reported() {
        let m = alpha_annotations(&Context::new(&pod("prometheus.istio.io/merge-metrics: 'true'")));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "Annotation \"prometheus.istio.io/merge-metrics\" is part of an alpha-phase feature and may be incompletely supported."
        );
    }
}
