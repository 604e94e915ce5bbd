//! DestinationRule checks: `destinationrule.CaCertificateAnalyzer` (IST0128, IST0129: TLS
//! towards the server without a CA to verify it) and `destinationrule.SubsetSelectPodAnalyzer`
//! (IST0174: a host no service has; IST0173: a subset that selects no pod; offline, the pod
//! templates of Deployments, StatefulSets and DaemonSets count as pods).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::networking::{ClientTlsSettings, DestinationRule, TlsMode};

use super::kube::{Selector, full_name, labels, others, pods};
use super::{Context, Message, MessageLevel, fqdn, host_covers, namespace_of};

fn destination_rules(objects: &[Object]) -> impl Iterator<Item = (&Object, &DestinationRule)> {
    objects.iter().filter_map(|o| match o {
        Object::DestinationRule(dr) => Some((o, dr.as_ref())),
        _ => None,
    })
}

/// The TLS mode when it is SIMPLE or MUTUAL and no CA verifies the server.
fn unverified(tls: Option<&ClientTlsSettings>, has_selector: bool) -> Option<&'static str> {
    let tls = tls?;
    let mode = match tls.mode {
        Some(TlsMode::Simple) => "SIMPLE",
        Some(TlsMode::Mutual) => "MUTUAL",
        _ => return None,
    };
    let ca = tls.ca_certificates.as_deref().is_some_and(|c| !c.is_empty());
    let credential = tls.credential_name.as_deref().is_some_and(|c| !c.is_empty());
    (!(ca || (credential && has_selector))).then_some(mode)
}

/// Reports SIMPLE or MUTUAL TLS settings without `caCertificates`.
pub fn ca_certificates(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for (object, dr) in destination_rules(context.objects) {
        let name = full_name(object);
        let namespace = object.namespace().unwrap_or_default();
        let host = &dr.spec.host;
        let selector = dr.spec.workload_selector.is_some();
        let policy = dr.spec.traffic_policy.as_ref();
        if let Some(mode) = unverified(policy.and_then(|p| p.tls.as_ref()), selector) {
            messages.push(Message::new(
                "IST0128",
                "NoServerCertificateVerificationDestinationLevel",
                MessageLevel::Warning,
                object,
                Some("spec.trafficPolicy.tls.caCertificates".to_owned()),
                format!(
                    "DestinationRule {name} in namespace {namespace} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {host}"
                ),
            ));
        }
        for (i, port) in policy.iter().flat_map(|p| p.port_level_settings.iter()).enumerate() {
            if let Some(mode) = unverified(port.tls.as_ref(), selector) {
                let number = port.port.as_ref().and_then(|p| p.number).unwrap_or_default();
                messages.push(Message::new(
                    "IST0129",
                    "NoServerCertificateVerificationPortLevel",
                    MessageLevel::Warning,
                    object,
                    Some(format!("spec.trafficPolicy.portLevelSettings[{i}].tls.caCertificates")),
                    format!(
                        "DestinationRule {name} in namespace {namespace} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {host} at port number:{number}"
                    ),
                ));
            }
        }
    }
    messages
}

/// A host a DestinationRule can name, with the pod labels its ServiceEntry selects by.
struct Target {
    host: String,
    namespace: String,
    /// Namespaces it is visible in; `None` for everywhere.
    scope: Option<Vec<String>>,
    selector: BTreeMap<String, String>,
}

impl Target {
    fn visible_from(&self, namespace: &str) -> bool {
        self.scope.as_ref().is_none_or(|s| s.iter().any(|n| n == namespace))
    }
}

fn targets(objects: &[Object]) -> Vec<Target> {
    let mut out = Vec::new();
    for object in objects {
        let namespace = namespace_of(object).to_owned();
        match object {
            Object::ServiceEntry(se) => {
                let export = &se.spec.export_to;
                let scope = (!export.is_empty() && !export.iter().any(|e| e == "*"))
                    .then(|| export.iter().map(|e| if e == "." { namespace.clone() } else { e.clone() }).collect());
                let selector: BTreeMap<String, String> = se
                    .spec
                    .workload_selector
                    .as_ref()
                    .map(|s| s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default();
                for host in &se.spec.hosts {
                    out.push(Target {
                        host: fqdn(&namespace, host),
                        namespace: namespace.clone(),
                        scope: scope.clone(),
                        selector: selector.clone(),
                    });
                }
            }
            Object::Service(_) => {
                let annotation = object
                    .metadata()
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("networking.istio.io/exportTo"))
                    .cloned()
                    .unwrap_or_default();
                let scope = (!annotation.is_empty() && !annotation.split(',').any(|e| e.trim() == "*")).then(|| {
                    annotation
                        .split(',')
                        .map(|e| if e.trim() == "." { namespace.clone() } else { e.trim().to_owned() })
                        .collect()
                });
                out.push(Target {
                    host: format!("{}.{namespace}.svc.cluster.local", object.name().unwrap_or_default()),
                    namespace,
                    scope,
                    selector: BTreeMap::new(),
                });
            }
            _ => {}
        }
    }
    out
}

/// The labels a pod is matched with: its own, plus the topology of its node.
fn augmented_labels(objects: &[Object], pod: &Object, node_name: Option<&str>) -> BTreeMap<String, String> {
    let mut out = labels(pod);
    let Some(node_name) = node_name else { return out };
    out.insert("kubernetes.io/hostname".to_owned(), node_name.to_owned());
    if let Some((node, _)) = others(objects, "Node").find(|(n, _)| n.name() == Some(node_name)) {
        let node_labels = labels(node);
        for key in ["topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone"] {
            if let Some(v) = node_labels.get(key).filter(|v| !v.is_empty()) {
                out.insert(key.to_owned(), v.clone());
            }
        }
    }
    out
}

/// Reports DestinationRules for hosts no service has, and subsets selecting no pod.
pub fn subset_pods(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let targets = targets(objects);
    let mut pod_labels: Vec<BTreeMap<String, String>> = pods(objects)
        .map(|(pod, spec)| augmented_labels(objects, pod, spec.and_then(|s| s.node_name.as_deref())))
        .collect();
    // Offline, the pods of a Deployment are known by its template.
    pod_labels.extend(objects.iter().filter_map(|o| match o {
        Object::Deployment(d) => {
            d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone())
        }
        Object::StatefulSet(d) => {
            d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone())
        }
        Object::DaemonSet(d) => {
            d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone())
        }
        _ => None,
    }));
    let mut messages = Vec::new();
    for (object, dr) in destination_rules(objects) {
        let namespace = namespace_of(object);
        let host = fqdn(namespace, &dr.spec.host);
        let viewers: Vec<String> = if dr.spec.export_to.is_empty() {
            vec![namespace.to_owned()]
        } else {
            dr.spec.export_to.iter().map(|e| if e == "." { namespace.to_owned() } else { e.clone() }).collect()
        };
        let found = targets
            .iter()
            .find(|t| t.host == host && (t.scope.is_none() || viewers.iter().any(|v| t.visible_from(v))))
            .or_else(|| {
                targets.iter().find(|t| {
                    t.host.starts_with('*')
                        && host_covers(&t.host, &host)
                        && (t.scope.is_none() || t.visible_from(namespace) || t.namespace == namespace)
                })
            });
        let Some(target) = found else {
            messages.push(Message::new(
                "IST0174",
                "UnknownDestinationRuleHost",
                MessageLevel::Warning,
                object,
                Some("spec.host".to_owned()),
                format!(
                    "The host {} defined in the DestinationRule does not match any services in the mesh.",
                    dr.spec.host
                ),
            ));
            continue;
        };
        for (i, subset) in dr.spec.subsets.iter().enumerate() {
            let mut wanted = target.selector.clone();
            wanted.extend(subset.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            let selector = Selector(wanted);
            if !pod_labels.iter().any(|l| selector.matches(l)) {
                messages.push(Message::new(
                    "IST0173",
                    "DestinationRuleSubsetNotSelectPods",
                    MessageLevel::Error,
                    object,
                    Some(format!("spec.subsets[{i}]")),
                    format!(
                        "The Subset {} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                        subset.name
                    ),
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

    fn rule(tls: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db, namespace: n}}\nspec: {{host: db, trafficPolicy: {{tls: {tls}, portLevelSettings: [{{port: {{number: 80}}, tls: {tls}}}]}}}}\n"
        )
    }

    #[test]
    fn simple_tls_needs_a_ca_to_verify_the_server() {
        let m = ca_certificates(&Context::new(&objects(&rule("{mode: SIMPLE}"))));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].message,
            "DestinationRule n/db in namespace n has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: db"
        );
        assert!(m[1].message.ends_with("for host: db at port number:80"));
        assert!(ca_certificates(&Context::new(&objects(&rule("{mode: SIMPLE, caCertificates: /ca.pem}")))).is_empty());
        assert!(ca_certificates(&Context::new(&objects(&rule("{mode: ISTIO_MUTUAL}")))).is_empty());
    }

    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: n}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: n, labels: {app: web, version: v1}}\nspec: {containers: [{name: web}]}\n---\n";

    fn subsets(host: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: web, namespace: n}}\nspec: {{host: {host}, subsets: [{{name: v1, labels: {{version: v1}}}}, {{name: v2, labels: {{version: v2}}}}]}}\n"
        )
    }

    #[test]
    fn subsets_must_select_a_pod() {
        let m = subset_pods(&Context::new(&objects(&format!("{SERVICE}{}", subsets("web")))));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0173");
        assert_eq!(m[0].path.as_deref(), Some("spec.subsets[1]"));
    }

    #[test]
    fn destination_rule_host_must_be_a_service() {
        let m = subset_pods(&Context::new(&objects(&format!("{SERVICE}{}", subsets("nothing")))));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "The host nothing defined in the DestinationRule does not match any services in the mesh."
        );
    }
}
