//! Kubernetes Service and workload checks: `service.PortNameAnalyzer` (IST0118, IST0150),
//! `deployment.MultiServiceAnalyzer` (IST0116, IST0137) and `applicationUID.Analyzer`
//! (IST0144).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::k8s_openapi::api::core::v1::{PodSpec, Service};
use mesh_api::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::kube::{Selector, full_name, is_control_plane, labels, raw_namespace, service_selector, services};
use super::{Context, Message, MessageLevel};

/// Ports Istio treats as TCP when their name says nothing (SMTP, DNS, MySQL, MongoDB).
const WELL_KNOWN_PORTS: [i32; 4] = [25, 53, 3306, 27017];

/// Kubernetes' own namespaces, which istioctl leaves out of its analysis.
pub(crate) const SYSTEM_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "local-path-storage"];

/// Whether Istio can tell a port's protocol from its declared protocol, `appProtocol` or name.
fn protocol_known(port: i32, name: &str, protocol: Option<&str>, app_protocol: Option<&str>) -> bool {
    if protocol == Some("UDP") {
        return true;
    }
    let name = app_protocol.unwrap_or(name);
    if matches!(name, "kubernetes.io/h2c" | "kubernetes.io/ws" | "kubernetes.io/wss") && app_protocol.is_some() {
        return true;
    }
    // By bytes: a name is user input, and byte 8 may fall inside a character.
    if name.as_bytes().get(..8).is_some_and(|head| head.eq_ignore_ascii_case(b"grpc-web")) {
        return true;
    }
    let prefix = name.split('-').next().unwrap_or_default().to_ascii_lowercase();
    let known = matches!(
        prefix.as_str(),
        "tcp" | "udp" | "grpc" | "http" | "http_proxy" | "http2" | "https" | "tls" | "mongo" | "redis" | "mysql"
    );
    known || WELL_KNOWN_PORTS.contains(&port)
}

/// A target port as Kubernetes prints it (`8080`, `http`), empty when unset.
fn target_port_text(target: Option<&IntOrString>) -> String {
    match target {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => String::new(),
    }
}

/// Reports service ports whose protocol Istio cannot tell from their name.
pub fn port_names(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for (object, svc) in services(context.objects) {
        if is_control_plane(object) || SYSTEM_NAMESPACES.contains(&raw_namespace(object)) {
            continue;
        }
        let managed = labels(object).get("gateway.istio.io/managed").cloned().unwrap_or_default();
        if matches!(
            managed.as_str(),
            "istio.io-gateway-controller" | "istio.io-mesh-controller" | "istio.io-eastwest-controller"
        ) {
            continue;
        }
        let Some(spec) = &svc.spec else { continue };
        let external_name = spec.type_.as_deref() == Some("ExternalName");
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            let name = port.name.as_deref().unwrap_or_default();
            let known = protocol_known(port.port, name, port.protocol.as_deref(), port.app_protocol.as_deref());
            if known && !(name == "tcp" && external_name) {
                continue;
            }
            let path = Some(format!("spec.ports[{i}]"));
            messages.push(if external_name {
                Message::new(
                    "IST0150",
                    "ExternalNameServiceTypeInvalidPortName",
                    MessageLevel::Warning,
                    object,
                    path,
                    "Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly".to_owned(),
                )
            } else {
                Message::new(
                    "IST0118",
                    "PortNameIsNotUnderNamingConvention",
                    MessageLevel::Info,
                    object,
                    path,
                    format!(
                        "Port name {name} (port: {}, targetPort: {}) doesn't follow the naming convention of Istio port.",
                        port.port,
                        target_port_text(port.target_port.as_ref())
                    ),
                )
            });
        }
    }
    messages
}

/// Whether a pod (its template's annotations, labels, namespace and containers) is in the
/// mesh: it has a proxy container (init containers count for pods), asks for injection, or
/// its namespace does.
pub(crate) fn in_mesh(
    objects: &[Object],
    namespace: &str,
    pod_labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    spec: Option<&PodSpec>,
    with_init_containers: bool,
) -> bool {
    let has_proxy = spec.is_some_and(|s| {
        let init = s.init_containers.iter().flatten().filter(|_| with_init_containers);
        s.containers
            .iter()
            .chain(init)
            .find(|c| c.name == "istio-proxy")
            .is_some_and(|c| c.image.as_deref().is_some_and(|i| !i.is_empty()))
    });
    if has_proxy {
        return true;
    }
    if let Some(v) = pod_labels.get("sidecar.istio.io/inject") {
        return v == "true";
    }
    if let Some(v) = annotations.get("sidecar.istio.io/inject") {
        return v == "true";
    }
    objects
        .iter()
        .find(|o| matches!(o, Object::Namespace(_)) && o.name() == Some(namespace))
        .is_some_and(|ns| labels(ns).get("istio-injection").is_some_and(|v| v == "enabled"))
}

/// Reports Deployments that several Services select with different protocols on one port
/// (IST0116) or with different ports on one target port (IST0137).
pub fn multi_service(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    for object in objects {
        let Object::Deployment(d) = object else { continue };
        let template = d.spec.as_ref().map(|s| &s.template);
        let meta = template.and_then(|t| t.metadata.as_ref());
        let pod_labels = meta.and_then(|m| m.labels.clone()).unwrap_or_default();
        let pod_annotations = meta.and_then(|m| m.annotations.clone()).unwrap_or_default();
        if labels(object).get("gateway.istio.io/managed").is_some_and(|v| v == "istio.io-mesh-controller") {
            continue;
        }
        let namespace = raw_namespace(object);
        if !in_mesh(objects, namespace, &pod_labels, &pod_annotations, template.and_then(|t| t.spec.as_ref()), false) {
            continue;
        }
        let matching: Vec<(String, &Service)> = services(objects)
            .filter(|(o, svc)| {
                let selector: Selector = service_selector(svc);
                !selector.is_empty() && selector.matches(&pod_labels) && raw_namespace(o) == namespace
            })
            .map(|(o, svc)| (full_name(o), svc))
            .collect();
        // Port → protocol → services.
        let mut by_port: BTreeMap<i32, BTreeMap<String, Vec<&str>>> = BTreeMap::new();
        // Target port → port → service.
        let mut by_target: BTreeMap<String, BTreeMap<i32, &str>> = BTreeMap::new();
        for (name, svc) in &matching {
            for port in svc.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
                let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".to_owned());
                by_port.entry(port.port).or_default().entry(protocol).or_default().push(name);
                let mut target = target_port_text(port.target_port.as_ref());
                if target.is_empty() || target == "0" {
                    target = port.port.to_string();
                }
                by_target.entry(target).or_default().insert(port.port, name);
            }
        }
        let deployment = object.name().unwrap_or_default();
        for (port, protocols) in &by_port {
            if protocols.len() > 1 {
                let mut names: Vec<&str> = protocols.values().flatten().copied().collect();
                names.sort_unstable();
                messages.push(Message::new(
                    "IST0116",
                    "DeploymentAssociatedToMultipleServices",
                    MessageLevel::Warning,
                    object,
                    Some("metadata.name".to_owned()),
                    format!(
                        "This deployment {deployment} is associated with multiple services using port {port} but different protocols: [{}]",
                        names.join(" ")
                    ),
                ));
            }
        }
        for (target, ports) in &by_target {
            if ports.len() > 1 {
                let mut names: Vec<&str> = ports.values().copied().collect();
                names.sort_unstable();
                let numbers: Vec<String> = ports.keys().map(i32::to_string).collect();
                messages.push(Message::new(
                    "IST0137",
                    "DeploymentConflictingPorts",
                    MessageLevel::Warning,
                    object,
                    Some("metadata.name".to_owned()),
                    format!(
                        "This deployment {deployment} is associated with multiple services [{}] using targetPort {target:?} but different ports: [{}].",
                        names.join(" "),
                        numbers.join(" ")
                    ),
                ));
            }
        }
    }
    messages
}

/// Whether a pod spec runs the pod, or an application container, as user 1337 (the proxy's).
fn runs_as_proxy_user(spec: &PodSpec) -> usize {
    let pod = usize::from(spec.security_context.as_ref().and_then(|s| s.run_as_user) == Some(1337));
    let containers = spec
        .containers
        .iter()
        .filter(|c| c.name != "istio-proxy" && c.name != "istio-operator")
        .filter(|c| c.security_context.as_ref().and_then(|s| s.run_as_user) == Some(1337))
        .count();
    pod + containers
}

/// Reports pods and deployments whose application runs as UID 1337, reserved for the proxy.
pub fn application_uid(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for object in context.objects {
        let spec = match object {
            Object::Pod(p) => p.spec.as_ref(),
            Object::Deployment(d) => d.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
            _ => continue,
        };
        if is_control_plane(object) {
            continue;
        }
        // istioctl reports the same message once however many containers run as 1337.
        if spec.is_some_and(|s| runs_as_proxy_user(s) > 0) {
            messages.push(Message::new(
                "IST0144",
                "InvalidApplicationUID",
                MessageLevel::Warning,
                object,
                Some("metadata.name".to_owned()),
                "User ID (UID) 1337 is reserved for the sidecar proxy.".to_owned(),
            ));
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    #[test]
    fn port_names_must_carry_a_protocol() {
        let o = objects(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {ports: [{name: http-web, port: 80}, {name: foo, port: 81, targetPort: 8081}, {port: 3306}, {name: x, port: 82, appProtocol: grpc}]}\n",
        );
        let m = port_names(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0118");
        assert_eq!(
            m[0].message,
            "Port name foo (port: 81, targetPort: 8081) doesn't follow the naming convention of Istio port."
        );
        assert_eq!(m[0].path.as_deref(), Some("spec.ports[1]"));
    }

    #[test]
    fn external_name_services_must_not_name_a_port_tcp() {
        let o = objects(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {type: ExternalName, externalName: a.com, ports: [{name: tcp, port: 80}]}\n",
        );
        assert_eq!(port_names(&Context::new(&o))[0].code, "IST0150");
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}, annotations: {sidecar.istio.io/inject: 'true'}}\n    spec: {containers: [{name: app, image: app}]}\n---\n";

    fn service(name: &str, port: u32, target: u32, protocol: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: n}}\nspec: {{selector: {{app: a}}, ports: [{{port: {port}, targetPort: {target}, protocol: {protocol}}}]}}\n---\n"
        )
    }

    #[test]
    fn one_port_must_not_carry_two_protocols() {
        let o = objects(&format!("{DEPLOYMENT}{}{}", service("s1", 80, 80, "TCP"), service("s2", 80, 80, "UDP")));
        let m = multi_service(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "This deployment d is associated with multiple services using port 80 but different protocols: [n/s1 n/s2]"
        );
    }

    #[test]
    fn one_target_port_must_not_serve_two_ports() {
        let o = objects(&format!("{DEPLOYMENT}{}{}", service("s1", 80, 8080, "TCP"), service("s2", 81, 8080, "TCP")));
        let m = multi_service(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0137");
        assert_eq!(
            m[0].message,
            "This deployment d is associated with multiple services [n/s1 n/s2] using targetPort \"8080\" but different ports: [80 81]."
        );
    }

    #[test]
    fn uid_1337_is_reserved_for_the_proxy() {
        let o = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {securityContext: {runAsUser: 1337}, containers: [{name: app}]}\n",
        );
        assert_eq!(application_uid(&Context::new(&o))[0].code, "IST0144");
    }
}
