//! Validation of an [`IstioOperator`] with the checks `istioctl` runs before installing
//! (`operator/pkg/apis/validation` and the mesh configuration checks of
//! `pkg/config/validation/agent` in Istio's sources).
//!
//! Unknown keys under `spec` and `spec.values` are refused earlier, when the document is read.
//! Istio's checks that need a cluster (CNI incompatibility detection) are not run. Beyond
//! Istio, fields its schemas mark deprecated, and mesh configuration keys it silently drops,
//! are reported as warnings.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::{
    Affinity, Lifecycle, NodeSelector, SeccompProfile, Toleration, TopologySpreadConstraint, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString as KubeIntOrString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::de::kubernetes_mismatch;
use super::istio_operator::{GatewayComponentSpec, IstioOperator, IstioOperatorSpec};
use super::mesh_config::{AuthenticationPolicy, MeshConfig, ProxyConfig};
use super::values::Values;
use crate::{Duration, Problem, Validate, Validator};

impl Validate for IstioOperator {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        v.field("spec", |v| validate_spec(&self.spec, v));
        v.finish()
    }
}

fn validate_spec(spec: &IstioOperatorSpec, v: &mut Validator) {
    if let Some(hub) = &spec.hub
        && let Err(e) = check_hub(hub)
    {
        v.error_at("hub", format!("bad hub {hub:?}: {e}"));
    }
    if let Some(tag) = &spec.tag
        && let Err(e) = check_tag(tag)
    {
        v.error_at("tag", format!("bad tag {tag}: {e}"));
    }
    if let Some(revision) = spec.revision.as_deref().filter(|r| !r.is_empty())
        && !is_dns1123_label(revision)
    {
        v.error_at(
            "revision",
            format!(
                "invalid revision {revision:?}: use lower-case letters, digits and '-', \
                     starting and ending with a letter or digit, at most 63 characters"
            ),
        );
    }
    if let Some(components) = &spec.components {
        v.field("components", |v| {
            check_gateway_names(v, "ingressGateways", &components.ingress_gateways);
            check_gateway_names(v, "egressGateways", &components.egress_gateways);
        });
    }
    if let Some(mesh) = &spec.mesh_config {
        v.field("meshConfig", |v| validate_mesh_config(mesh, v));
    }
    let empty = Values::default();
    let values = spec.values.as_deref().unwrap_or(&empty);
    if spec.values.is_some() {
        v.field("values", |v| validate_values(values, v));
    }
    check_service_ports(spec, values, v);
    check_autoscale_and_replica_count(spec, values, v);
}

// ---------------------------------------------------------------------------------------------
// Images and names

/// Whether `hub` is an image repository prefix, read the way container registries are named:
/// an optional registry (`host[:port]`, recognised by a `.` or `:`), then path components of
/// lower-case letters, digits and `_-./`.
fn check_hub(hub: &str) -> Result<(), String> {
    if hub.is_empty() {
        return Ok(());
    }
    let image = format!("{hub}/pilot");
    let (registry, repository) = match image.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') => (first, rest),
        _ => ("", image.as_str()),
    };
    let len = repository.chars().count();
    if !(2..=255).contains(&len) {
        return Err("the repository must be 2 to 255 characters long".into());
    }
    if let Some(c) = repository.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "_-./".contains(*c)))
    {
        return Err(format!("the repository may only hold lower-case letters, digits and `_-./`, not {c:?}"));
    }
    check_registry(registry)
}

/// Whether `registry` is a URI authority (`host[:port]`) with no user part, path or query.
fn check_registry(registry: &str) -> Result<(), String> {
    let host_char = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii() || "-_.~!$&'()*+,;=:[]<>\"".contains(c);
    if let Some(c) = registry.chars().find(|c| !host_char(*c)) {
        return Err(format!("the registry {registry:?} holds {c:?}, which a host name cannot"));
    }
    let after_brackets = registry.rfind(']').map_or(registry, |i| &registry[i..]);
    if let Some(i) = after_brackets.rfind(':') {
        let port = &after_brackets[i + 1..];
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("the registry {registry:?} has an invalid port {port:?}"));
        }
    }
    Ok(())
}

/// The tag as Istio prints it into an image reference.
fn tag_text(tag: &Value) -> Option<String> {
    match tag {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// Whether `tag` can end an image reference: empty, or 1 to 127 of `A-Za-z0-9_.-`.
fn check_tag(tag: &Value) -> Result<(), String> {
    let Some(text) = tag_text(tag) else {
        return Ok(());
    };
    if text.is_empty() {
        return Ok(());
    }
    if text.chars().count() > 127 {
        return Err("a tag is at most 127 characters long".into());
    }
    match text.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c))) {
        Some(c) => Err(format!("a tag may only hold letters, digits and `_.-`, not {c:?}")),
        None => Ok(()),
    }
}

fn check_gateway_names(v: &mut Validator, list: &str, gateways: &[GatewayComponentSpec]) {
    v.field(list, |v| {
        for (i, gw) in gateways.iter().enumerate() {
            let Some(name) = gw.name.as_deref().filter(|n| !n.is_empty()) else {
                continue;
            };
            let ok = name.len() <= 254
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
            if !ok {
                v.item(i, |v| {
                    v.error_at(
                        "name",
                        format!(
                            "invalid gateway name {name:?}: use lower-case letters, digits, '.' \
                             and '-', at most 254 characters"
                        ),
                    )
                });
            }
        }
    });
}

/// A DNS-1123 label: lower-case letters, digits and `-`, alphanumeric at both ends, at most 63.
fn is_dns1123_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

// ---------------------------------------------------------------------------------------------
// Gateways and autoscaling

const ROOT_HINT: &str = "which requires root. Set targetPort to be greater than 1024 or configure values.gateways";

/// Gateways that do not run as root cannot bind ports below 1024.
fn check_service_ports(spec: &IstioOperatorSpec, values: &Values, v: &mut Validator) {
    let gateways = values.gateways.as_ref();
    let ingress = gateways.and_then(|g| g.istio_ingressgateway.as_ref());
    let egress = gateways.and_then(|g| g.istio_egressgateway.as_ref());
    if let Some(components) = &spec.components {
        let lists = [
            (
                "ingressGateways",
                "istio-ingressgateway",
                &components.ingress_gateways,
                ingress.and_then(|g| g.run_as_root),
            ),
            ("egressGateways", "istio-egressgateway", &components.egress_gateways, egress.and_then(|g| g.run_as_root)),
        ];
        for (list, values_name, gws, run_as_root) in lists {
            if run_as_root == Some(true) {
                continue;
            }
            v.field("components", |v| {
                v.field(list, |v| {
                    for (i, gw) in gws.iter().enumerate() {
                        let ports = gw.k8s.as_ref().and_then(|k| k.service.as_ref()).and_then(|s| s.ports.as_ref());
                        let gw_name = gw.name.as_deref().unwrap_or_default();
                        for (j, port) in ports.into_iter().flatten().enumerate() {
                            let target = match &port.target_port {
                                Some(KubeIntOrString::String(_)) => continue,
                                Some(KubeIntOrString::Int(n)) => i64::from(*n),
                                None => 0,
                            };
                            if needs_root(i64::from(port.port), target) {
                                let name = port.name.as_deref().unwrap_or_default();
                                let message = format!(
                                    "port {name}/{} in gateway {gw_name} invalid: targetPort is set to {target}, {ROOT_HINT}.{values_name}.runAsRoot=true",
                                    port.port
                                );
                                v.item(i, |v| {
                                    v.field("k8s", |v| {
                                        v.field("service", |v| {
                                            v.field("ports", |v| v.item(j, |v| v.error(message)))
                                        })
                                    })
                                });
                            }
                        }
                    }
                })
            });
        }
    }
    // The legacy port list is checked whatever runAsRoot says, as Istio does.
    let Some(ports) = ingress.map(|g| &g.ingress_ports) else {
        return;
    };
    for (j, port) in ports.iter().enumerate() {
        let target = match port.get("targetPort") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) => n.as_f64().map_or(0, |f| f as i64),
            Some(_) => continue,
        };
        let Some(number) = port.get("port").and_then(Value::as_f64).map(|f| f as i64) else {
            continue;
        };
        if needs_root(number, target) {
            let message = format!(
                "port {number} is invalid: targetPort is set to {target}, {ROOT_HINT}.istio-ingressgateway.runAsRoot=true"
            );
            at_path(v, "values.gateways.istio-ingressgateway.ingressPorts", |v| v.item(j, |v| v.error(message)));
        }
    }
}

/// Whether a service port needs root: the target (the port itself when unset) is below 1024.
fn needs_root(port: i64, target: i64) -> bool {
    !(target == 0 && port > 1024) && target < 1024
}

/// A replica count next to autoscaling is ignored; Istio warns about it.
fn check_autoscale_and_replica_count(spec: &IstioOperatorSpec, values: &Values, v: &mut Validator) {
    let Some(components) = &spec.components else {
        return;
    };
    let pilot_autoscale = values.pilot.as_ref().and_then(|p| p.autoscale_enabled) == Some(true);
    let pilot_replicas = components.pilot.as_ref().and_then(|p| p.k8s.as_ref()).and_then(|k| k.replica_count);
    if pilot_autoscale && pilot_replicas.is_some_and(|n| n > 1) {
        at_path(v, "components.pilot.k8s.replicaCount", |v| {
            v.warn("should not be set when values.pilot.autoscaleEnabled is true")
        });
    }
    let gateways = values.gateways.as_ref();
    let lists = [
        (
            "ingressGateways",
            "istio-ingressgateway",
            &components.ingress_gateways,
            gateways.and_then(|g| g.istio_ingressgateway.as_ref()).and_then(|g| g.autoscale_enabled),
        ),
        (
            "egressGateways",
            "istio-egressgateway",
            &components.egress_gateways,
            gateways.and_then(|g| g.istio_egressgateway.as_ref()).and_then(|g| g.autoscale_enabled),
        ),
    ];
    for (list, values_name, gws, autoscale) in lists {
        if autoscale != Some(true) {
            continue;
        }
        for (i, gw) in gws.iter().enumerate() {
            if gw.k8s.as_ref().and_then(|k| k.replica_count).is_some_and(|n| n != 0) {
                v.field("components", |v| {
                    v.field(list, |v| {
                        v.item(i, |v| {
                            at_path(v, "k8s.replicaCount", |v| {
                                v.warn(format!(
                                    "should not be set when values.gateways.{values_name}.autoscaleEnabled is true"
                                ))
                            })
                        })
                    })
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values

fn validate_values(values: &Values, v: &mut Validator) {
    if let Some(proxy) = values.global.as_ref().and_then(|g| g.proxy.as_ref()) {
        at_path(v, "global.proxy", |v| {
            for (key, value) in
                [("includeIPRanges", &proxy.include_ip_ranges), ("excludeIPRanges", &proxy.exclude_ip_ranges)]
            {
                if let Some(ranges) = value.as_deref().filter(|s| !s.is_empty() && *s != "*") {
                    for range in ranges.split(',') {
                        if let Err(e) = check_cidr(range) {
                            v.error_at(key, e);
                        }
                    }
                }
            }
            for (key, value) in [
                ("includeInboundPorts", &proxy.include_inbound_ports),
                ("excludeInboundPorts", &proxy.exclude_inbound_ports),
            ] {
                for port in value.as_deref().unwrap_or_default().split(',') {
                    if let Err(e) = check_port_text(port) {
                        v.error_at(key, e);
                    }
                }
            }
        });
    }
    check_kubernetes_parts(values, v);
    if let Some(mesh) = &values.mesh_config {
        v.field("meshConfig", |v| validate_mesh_config(mesh, v));
    }
    warn_deprecated(values, DEPRECATED_VALUES, "values", v);
}

/// Whether `text` is an IP prefix such as `10.0.0.0/8`.
fn check_cidr(text: &str) -> Result<(), String> {
    let (addr, bits) = text.split_once('/').ok_or_else(|| format!("{text:?} is not a CIDR range: no '/'"))?;
    let ip: IpAddr = addr.parse().map_err(|_| format!("{text:?} is not a CIDR range: bad address {addr:?}"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match bits.parse::<u8>() {
        Ok(n) if n <= max && !bits.starts_with('+') => Ok(()),
        _ => Err(format!("{text:?} is not a CIDR range: prefix length out of range")),
    }
}

/// Whether `text` is `*`, empty, or a port number 0 to 65535.
fn check_port_text(text: &str) -> Result<(), String> {
    if text.is_empty() || text == "*" {
        return Ok(());
    }
    match text.parse::<i32>() {
        Ok(n) if (0..=65535).contains(&n) => Ok(()),
        Ok(n) => Err(format!("port {n} is outside 0 to 65535")),
        Err(_) => Err(format!("{text:?} is not a port number")),
    }
}

/// Open parts of the values that Istio reads as Kubernetes objects must fit those objects.
fn check_kubernetes_parts(values: &Values, v: &mut Validator) {
    fn one<T: DeserializeOwned + Serialize>(v: &mut Validator, path: &str, part: Option<&Map<String, Value>>) {
        let Some(part) = part else { return };
        if let Some(e) = kubernetes_mismatch::<T>(&Value::Object(part.clone())) {
            at_path(v, path, |v| v.error(format!("invalid Kubernetes object: {e}")));
        }
    }
    fn list<T: DeserializeOwned + Serialize>(v: &mut Validator, path: &str, parts: &[Map<String, Value>]) {
        for (i, part) in parts.iter().enumerate() {
            if let Some(e) = kubernetes_mismatch::<T>(&Value::Object(part.clone())) {
                at_path(v, path, |v| v.item(i, |v| v.error(format!("invalid Kubernetes object: {e}"))));
            }
        }
    }
    if let Some(cni) = &values.cni {
        one::<Affinity>(v, "cni.affinity", cni.affinity.as_ref());
        one::<SeccompProfile>(v, "cni.seccompProfile", cni.seccomp_profile.as_ref());
    }
    if let Some(gw) = values.gateways.as_ref().and_then(|g| g.istio_egressgateway.as_ref()) {
        list::<LabelSelector>(
            v,
            "gateways.istio-egressgateway.podAntiAffinityLabelSelector",
            &gw.pod_anti_affinity_label_selector,
        );
        list::<LabelSelector>(
            v,
            "gateways.istio-egressgateway.podAntiAffinityTermLabelSelector",
            &gw.pod_anti_affinity_term_label_selector,
        );
        list::<Toleration>(v, "gateways.istio-egressgateway.tolerations", &gw.tolerations);
    }
    if let Some(gw) = values.gateways.as_ref().and_then(|g| g.istio_ingressgateway.as_ref()) {
        list::<LabelSelector>(
            v,
            "gateways.istio-ingressgateway.podAntiAffinityLabelSelector",
            &gw.pod_anti_affinity_label_selector,
        );
        list::<LabelSelector>(
            v,
            "gateways.istio-ingressgateway.podAntiAffinityTermLabelSelector",
            &gw.pod_anti_affinity_term_label_selector,
        );
        list::<Toleration>(v, "gateways.istio-ingressgateway.tolerations", &gw.tolerations);
    }
    if let Some(global) = &values.global {
        list::<Toleration>(v, "global.defaultTolerations", &global.default_tolerations);
        if let Some(proxy) = &global.proxy {
            one::<SeccompProfile>(v, "global.proxy.seccompProfile", proxy.seccomp_profile.as_ref());
            one::<Lifecycle>(v, "global.proxy.lifecycle", proxy.lifecycle.as_ref());
        }
        if let Some(wp) = &global.waypoint {
            one::<Affinity>(v, "global.waypoint.affinity", wp.affinity.as_ref());
            list::<TopologySpreadConstraint>(
                v,
                "global.waypoint.topologySpreadConstraints",
                &wp.topology_spread_constraints,
            );
            one::<NodeSelector>(v, "global.waypoint.nodeSelector", wp.node_selector.as_ref());
            list::<Toleration>(v, "global.waypoint.toleration", &wp.toleration);
        }
    }
    if let Some(pilot) = &values.pilot {
        list::<Toleration>(v, "pilot.tolerations", &pilot.tolerations);
        one::<Affinity>(v, "pilot.affinity", pilot.affinity.as_ref());
        one::<SeccompProfile>(v, "pilot.seccompProfile", pilot.seccomp_profile.as_ref());
        list::<TopologySpreadConstraint>(v, "pilot.topologySpreadConstraints", &pilot.topology_spread_constraints);
        list::<VolumeMount>(v, "pilot.volumeMounts", &pilot.volume_mounts);
        list::<Volume>(v, "pilot.volumes", &pilot.volumes);
    }
    if let Some(inj) = &values.sidecar_injector_webhook {
        list::<LabelSelector>(v, "sidecarInjectorWebhook.neverInjectSelector", &inj.never_inject_selector);
        list::<LabelSelector>(v, "sidecarInjectorWebhook.alwaysInjectSelector", &inj.always_inject_selector);
    }
}

/// Values fields Istio's schema marks deprecated.
const DEPRECATED_VALUES: &[&str] = &[
    "istio_cni",
    "istiodRemote",
    "cni.podAnnotations",
    "cni.logLevel",
    "cni.privileged",
    "cni.repair.createEvents",
    "pilot.cni.chained",
    "pilot.replicaCount",
    "pilot.resources",
    "pilot.cpu",
    "pilot.memory",
    "pilot.nodeSelector",
    "pilot.rollingMaxSurge",
    "pilot.rollingMaxUnavailable",
    "pilot.tolerations",
    "pilot.podAnnotations",
    "global.arch",
    "global.defaultNodeSelector",
    "global.defaultResources",
    "global.defaultTolerations",
    "global.priorityClassName",
    "global.jwtPolicy",
    "global.proxy.enableCoreDump",
    "global.proxy.resources",
    "global.proxy.holdApplicationUntilProxyStarts",
    "global.proxy_init.resources",
    "global.sds.token",
    "gateways.istio-ingressgateway.replicaCount",
    "gateways.istio-ingressgateway.memory",
    "gateways.istio-ingressgateway.cpu",
    "gateways.istio-ingressgateway.nodeSelector",
    "gateways.istio-ingressgateway.podAnnotations",
    "gateways.istio-ingressgateway.podAntiAffinityLabelSelector",
    "gateways.istio-ingressgateway.podAntiAffinityTermLabelSelector",
    "gateways.istio-ingressgateway.resources",
    "gateways.istio-ingressgateway.tolerations",
    "gateways.istio-ingressgateway.rollingMaxSurge",
    "gateways.istio-ingressgateway.rollingMaxUnavailable",
    "gateways.istio-egressgateway.memory",
    "gateways.istio-egressgateway.cpu",
    "gateways.istio-egressgateway.nodeSelector",
    "gateways.istio-egressgateway.podAnnotations",
    "gateways.istio-egressgateway.podAntiAffinityLabelSelector",
    "gateways.istio-egressgateway.podAntiAffinityTermLabelSelector",
    "gateways.istio-egressgateway.resources",
    "gateways.istio-egressgateway.tolerations",
    "gateways.istio-egressgateway.rollingMaxSurge",
    "gateways.istio-egressgateway.rollingMaxUnavailable",
];

/// Mesh configuration fields Istio's schema marks deprecated.
const DEPRECATED_MESH: &[&str] = &[
    "certificates",
    "verifyCertificateAtClient",
    "defaultConfig.discoveryRefreshDelay",
    "defaultConfig.zipkinAddress",
    "defaultConfig.envoyMetricsServiceAddress",
    "defaultConfig.availabilityZone",
    "defaultConfig.sds",
];

/// Warns at each of `paths` set in `object`; `root` names the block in the message.
fn warn_deprecated<T: Serialize>(object: &T, paths: &[&str], root: &str, v: &mut Validator) {
    let Ok(tree) = serde_json::to_value(object) else {
        return;
    };
    for path in paths {
        let set = path.split('.').try_fold(&tree, |node, key| node.get(key)).is_some();
        if set {
            at_path(v, path, |v| v.warn(format!("{root}.{path} is deprecated")));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mesh configuration

fn validate_mesh_config(mesh: &MeshConfig, v: &mut Validator) {
    if let Some(port) = mesh.proxy_listen_port
        && let Err(e) = check_port(port)
    {
        v.error_at("proxyListenPort", format!("invalid proxy listen port: {e}"));
    }
    if let Some(d) = &mesh.connect_timeout {
        let problem = check_ms_duration(d).err().or_else(|| {
            let n = d.as_nanos();
            (!(1_000_000..=3_600_000_000_000).contains(&n)).then(|| format!("time {d} must be between 1ms and 1h"))
        });
        if let Some(e) = problem {
            v.error_at("connectTimeout", format!("invalid connect timeout: {e}"));
        }
    }
    if let Some(d) = &mesh.protocol_detection_timeout
        && d.as_nanos() != 0
        && d.as_nanos() % 1_000_000 != 0
    {
        v.error_at(
            "protocolDetectionTimeout",
            "invalid protocol detection timeout: only durations to ms precision are supported",
        );
    }
    if let Some(proxy) = &mesh.default_config {
        v.field("defaultConfig", |v| validate_proxy_config(proxy, v));
    }
    v.field("serviceSettings", |v| {
        for (i, settings) in mesh.service_settings.iter().enumerate() {
            v.item(i, |v| {
                for (j, host) in settings.hosts.iter().enumerate() {
                    if let Err(e) = check_wildcard_domain(host) {
                        v.field("hosts", |v| v.item(j, |v| v.error(e)));
                    }
                }
            });
        }
    });
    if let Some(domain) = &mesh.trust_domain
        && let Err(e) = check_trust_domain(domain)
    {
        v.error_at("trustDomain", e);
    }
    v.field("trustDomainAliases", |v| {
        for (i, alias) in mesh.trust_domain_aliases.iter().enumerate() {
            if let Err(e) = check_trust_domain(alias) {
                v.item(i, |v| v.error(e));
            }
        }
    });
    if mesh.mesh_mtls.as_ref().is_some_and(|t| !t.ecdh_curves.is_empty()) {
        at_path(v, "meshMTLS.ecdhCurves", |v| v.error("mesh TLS does not support ECDH curves configuration"));
    }
    if let Some(tls) = &mesh.tls_defaults {
        let mut seen = Vec::new();
        for (i, curve) in tls.ecdh_curves.iter().enumerate() {
            let message = if !curve.is_empty() && !ECDH_CURVES.contains(&curve.as_str()) {
                Some(format!("unrecognized ECDH curve {curve:?}"))
            } else if seen.contains(&curve) {
                Some(format!("duplicate ECDH curve {curve:?}"))
            } else {
                None
            };
            seen.push(curve);
            if let Some(message) = message {
                at_path(v, "tlsDefaults.ecdhCurves", |v| v.item(i, |v| v.warn(message)));
            }
        }
    }
    check_extension_providers(mesh, v);
    for key in mesh.unknown.keys() {
        v.warn_at(key, "unknown mesh configuration field; Istio ignores it");
    }
    warn_deprecated(mesh, DEPRECATED_MESH, "meshConfig", v);
}

/// Istio only logs problems with extension providers (a provider nobody uses does no harm), so
/// they are warnings here.
fn check_extension_providers(mesh: &MeshConfig, v: &mut Validator) {
    let mut names: Vec<&str> = Vec::new();
    v.field("extensionProviders", |v| {
        for (i, provider) in mesh.extension_providers.iter().enumerate() {
            v.item(i, |v| {
                match provider.name.as_deref().unwrap_or_default() {
                    "" => v.warn_at("name", "empty extension provider name"),
                    name if names.contains(&name) => {
                        v.warn_at("name", format!("duplicate extension provider name {name}"))
                    }
                    name => names.push(name),
                }
                match provider.kinds().len() {
                    1 => {}
                    0 => v.warn("no provider is set"),
                    _ => v.warn(format!("only one provider may be set, found {}", provider.kinds().join(", "))),
                }
            });
        }
    });
}

/// ECDH curves Envoy accepts in `tlsDefaults`.
const ECDH_CURVES: &[&str] = &["P-224", "P-256", "P-521", "P-384", "X25519", "X25519Kyber768Draft00", "X25519MLKEM768"];

fn validate_proxy_config(proxy: &ProxyConfig, v: &mut Validator) {
    for (key, value) in [("configPath", &proxy.config_path), ("binaryPath", &proxy.binary_path)] {
        if value.as_deref() == Some("") {
            v.error_at(key, "must be set");
        }
    }
    if proxy.service_cluster.as_deref() == Some("") {
        v.error_at("serviceCluster", "service cluster must be specified");
    }
    if proxy.service_cluster.is_some() && proxy.tracing_service_name.is_some() {
        v.error("only one of serviceCluster and tracingServiceName may be set");
    }
    if let Some(d) = &proxy.drain_duration {
        let problem = check_ms_duration(d).err().or_else(|| {
            (d.as_nanos() % 1_000_000_000 != 0)
                .then(|| "drain time only supports durations to seconds precision".to_owned())
        });
        if let Some(e) = problem {
            v.error_at("drainDuration", format!("invalid drain duration: {e}"));
        }
    }
    match proxy.discovery_address.as_deref() {
        Some("") => v.error_at("discoveryAddress", "discovery address must be set to the proxy discovery service"),
        Some(addr) => {
            if let Err(e) = check_proxy_address(addr) {
                v.error_at("discoveryAddress", format!("invalid discovery address: {e}"));
            }
        }
        None => {}
    }
    if let Some(tracing) = &proxy.tracing {
        v.field("tracing", |v| {
            let set = [
                tracing.zipkin.is_some(),
                tracing.lightstep.is_some(),
                tracing.datadog.is_some(),
                tracing.stackdriver.is_some(),
                tracing.open_census_agent.is_some(),
            ];
            if set.iter().filter(|s| **s).count() > 1 {
                v.error("only one tracer may be set");
            }
            if let Some(ls) = &tracing.lightstep {
                let address = ls.address.as_deref().unwrap_or_default();
                if address.is_empty() {
                    at_path(v, "lightstep.address", |v| v.error("address is required"));
                }
                if let Err(e) = check_proxy_address(address) {
                    at_path(v, "lightstep.address", |v| v.error(format!("invalid lightstep address: {e}")));
                }
                if ls.access_token.as_deref().unwrap_or_default().is_empty() {
                    at_path(v, "lightstep.accessToken", |v| v.error("access token is required"));
                }
            }
            for (key, tracer) in [("zipkin", &tracing.zipkin), ("datadog", &tracing.datadog)] {
                let Some(tracer) = tracer else { continue };
                let address = tracer.address.as_deref().unwrap_or_default().replacen("$(HOST_IP)", "127.0.0.1", 1);
                if let Err(e) = check_proxy_address(&address) {
                    at_path(v, &format!("{key}.address"), |v| v.error(format!("invalid {key} config: {e}")));
                }
            }
            v.field("customTags", |v| {
                for (name, tag) in &tracing.custom_tags {
                    let count = [tag.literal.is_some(), tag.environment.is_some(), tag.header.is_some()]
                        .iter()
                        .filter(|s| **s)
                        .count();
                    if count != 1 {
                        v.error_at(name, "set exactly one of literal, environment and header");
                    }
                }
            });
        });
    }
    for (key, value) in [
        ("statsdUdpAddress", &proxy.statsd_udp_address),
        ("envoyMetricsServiceAddress", &proxy.envoy_metrics_service_address),
    ] {
        if let Some(addr) = value.as_deref().filter(|a| !a.is_empty())
            && let Err(e) = check_proxy_address(addr)
        {
            v.error_at(key, format!("invalid address {addr:?}: {e}"));
        }
    }
    if proxy.proxy_metadata.contains_key("ISTIO_META_DNS_AUTO_ALLOCATE") {
        at_path(v, "proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE", |v| {
            v.warn("'ISTIO_META_DNS_AUTO_ALLOCATE' is deprecated; use DNS auto-allocation v2 instead")
        });
    }
    for (key, service) in [
        ("envoyMetricsService", &proxy.envoy_metrics_service),
        ("envoyAccessLogService", &proxy.envoy_access_log_service),
    ] {
        if let Some(addr) = service.as_ref().and_then(|s| s.address.as_deref()).filter(|a| !a.is_empty())
            && let Err(e) = check_proxy_address(addr)
        {
            at_path(v, &format!("{key}.address"), |v| v.error(format!("invalid address {addr:?}: {e}")));
        }
    }
    for (key, port) in [("proxyAdminPort", proxy.proxy_admin_port), ("statusPort", proxy.status_port)] {
        if let Some(port) = port
            && let Err(e) = check_port(port)
        {
            v.error_at(key, e);
        }
    }
    if proxy.control_plane_auth_policy == Some(AuthenticationPolicy::Inherit) {
        v.error_at("controlPlaneAuthPolicy", "invalid authentication policy: use NONE or MUTUAL_TLS");
    }
    if let Some(pkp) = &proxy.private_key_provider {
        v.field("privateKeyProvider", |v| {
            let providers = [("cryptomb", &pkp.cryptomb), ("qat", &pkp.qat)];
            let set: Vec<_> = providers.iter().filter(|(_, p)| p.is_some()).collect();
            match set.len() {
                0 => v.error("private key provider configuration is required"),
                1 => {}
                _ => v.error("only one of cryptomb and qat may be set"),
            }
            for (key, settings) in set {
                let Some(settings) = settings else { continue };
                match &settings.poll_delay {
                    None => at_path(v, &format!("{key}.pollDelay"), |v| v.error("pollDelay is required")),
                    Some(d) if d.as_nanos() == 0 => {
                        at_path(v, &format!("{key}.pollDelay"), |v| v.error("pollDelay must be non zero"))
                    }
                    Some(_) => {}
                }
            }
        });
    }
    if let Some(cs) = &proxy.connection_settings {
        v.field("connectionSettings", |v| {
            let non_negative = [
                ("listenerPerConnectionBufferLimitBytes", cs.listener_per_connection_buffer_limit_bytes),
                ("clusterPerConnectionBufferLimitBytes", cs.cluster_per_connection_buffer_limit_bytes),
            ];
            for (key, value) in non_negative {
                if value.is_some_and(|n| n < 0) {
                    v.error_at(key, "must be non-negative");
                }
            }
            let positive = [
                ("httpMaxConcurrentStreams", cs.http_max_concurrent_streams),
                ("listenerConnectionLimit", cs.listener_connection_limit),
                ("globalDownstreamConnectionLimit", cs.global_downstream_connection_limit),
            ];
            for (key, value) in positive {
                if value.is_some_and(|n| n <= 0) {
                    v.error_at(key, "must be positive");
                }
            }
            let windows = [
                ("http2InitialStreamWindowSize", cs.http2_initial_stream_window_size),
                ("http2InitialConnectionWindowSize", cs.http2_initial_connection_window_size),
            ];
            for (key, value) in windows {
                if value.is_some_and(|n| n < 65535) {
                    v.error_at(key, "must be at least 65535");
                }
            }
        });
    }
    for key in proxy.unknown.keys() {
        v.warn_at(key, "unknown proxy configuration field; Istio ignores it");
    }
}

fn check_port(port: i32) -> Result<(), String> {
    if (1..=65535).contains(&port) { Ok(()) } else { Err(format!("port number {port} must be in the range 1..65535")) }
}

/// At least 1ms, in whole milliseconds.
fn check_ms_duration(d: &Duration) -> Result<(), String> {
    if d.as_nanos() < 1_000_000 {
        Err("duration must be at least 1ms".into())
    } else if d.as_nanos() % 1_000_000 != 0 {
        Err("only durations to ms precision are supported".into())
    } else {
        Ok(())
    }
}

/// `host:port` where host is a domain name or an IP address and port is 1 to 65535.
fn check_proxy_address(address: &str) -> Result<(), String> {
    let (host, port) = split_host_port(address).ok_or_else(|| format!("{address:?} is not of the form host:port"))?;
    let port: i32 = port.parse().map_err(|_| format!("port ({port}) is not a number"))?;
    check_port(port)?;
    if check_fqdn(host).is_err() && host.parse::<IpAddr>().is_err() {
        return Err(format!("{host:?} is not a valid hostname or an IP address"));
    }
    Ok(())
}

fn split_host_port(address: &str) -> Option<(&str, &str)> {
    if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    let (host, port) = address.rsplit_once(':')?;
    (!host.contains(':')).then_some((host, port))
}

/// A domain name of DNS-1123 labels; a trailing dot is allowed and the last label is not all digits.
fn check_fqdn(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 255 {
        return Err(format!("domain name {name:?} must be 1 to 255 characters long"));
    }
    check_dns_labels(name)
}

fn check_dns_labels(domain: &str) -> Result<(), String> {
    let labels: Vec<&str> = domain.split('.').collect();
    let last = labels.last().copied().unwrap_or_default();
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("domain name {domain:?} invalid (top level domain {last:?} cannot be all-numeric)"));
    }
    for (i, label) in labels.iter().enumerate() {
        if i == labels.len() - 1 && label.is_empty() {
            break;
        }
        if !is_dns1123_label(label) {
            return Err(format!("domain name {domain:?} invalid (label {label:?} invalid)"));
        }
    }
    Ok(())
}

/// A domain name whose first label may be `*` or start with `*`.
fn check_wildcard_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() || domain.len() > 255 {
        return Err(format!("domain name {domain:?} must be 1 to 255 characters long"));
    }
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    let wildcard_ok = first == "*"
        || first.strip_prefix('*').is_some_and(|tail| {
            tail.len() <= 62
                && tail.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !tail.ends_with('-')
        })
        || is_dns1123_label(first);
    if !wildcard_ok {
        return Err(format!("domain name {domain:?} invalid (label {first:?} invalid)"));
    }
    rest.map_or(Ok(()), check_dns_labels)
}

/// A trust domain: DNS-1123 labels separated by dots, a trailing dot allowed.
fn check_trust_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("empty trust domain not allowed".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if i == labels.len() - 1 && label.is_empty() {
            break;
        }
        if !is_dns1123_label(label) {
            return Err(format!("trust domain name {domain:?} invalid"));
        }
    }
    Ok(())
}

/// Runs `check` at the dotted `path` below the current one.
fn at_path(v: &mut Validator, path: &str, check: impl FnOnce(&mut Validator)) {
    match path.split_once('.') {
        None => v.field(path, check),
        Some((head, rest)) => v.field(head, |v| at_path(v, rest, check)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;
    use crate::install::test_corpus;

    fn check(spec: &str) -> Vec<Problem> {
        let doc = format!("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n{spec}");
        match crate::from_yaml_str::<IstioOperator>(&doc) {
            Ok(iop) => iop.validate(),
            Err(e) => panic!("{e}\n{doc}"),
        }
    }

    /// `(path, message)` of each problem at `level`.
    fn at(problems: &[Problem], level: Level) -> Vec<(String, String)> {
        problems.iter().filter(|p| p.level == level).map(|p| (p.path.to_string(), p.message.clone())).collect()
    }

    fn error_paths(spec: &str) -> Vec<String> {
        at(&check(spec), Level::Error).into_iter().map(|(p, _)| p).collect()
    }

    fn warning_paths(spec: &str) -> Vec<String> {
        at(&check(spec), Level::Warning).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn corpus_istio_operators_have_no_errors() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let mut files = test_corpus::yaml_files(&corpus.join("profiles"));
        files.extend(test_corpus::yaml_files(&corpus.join("manifest-generate/input")));
        files.extend(
            test_corpus::yaml_files(&corpus.join("inject/cases"))
                .into_iter()
                .filter(|p| p.to_string_lossy().ends_with(".iop.yaml")),
        );
        files.push(corpus.join("inject/istioctl-kubeinject/istio-operator.yaml"));
        let (mut checked, mut warned) = (0, 0);
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            // flag_force.yaml is refused when read (unknown values key), as Istio refuses it.
            let Ok(iop) = crate::from_yaml_str::<IstioOperator>(&text) else {
                continue;
            };
            let problems = iop.validate();
            let errors = at(&problems, Level::Error);
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            checked += 1;
            warned += usize::from(!problems.is_empty());
        }
        println!("{checked} corpus IstioOperators valid, {warned} with warnings");
        assert_eq!(checked, files.len() - 1);
    }

    #[test]
    fn hub_must_name_an_image_repository() {
        assert!(error_paths("  hub: registry.istio.io/testing\n").is_empty());
        assert!(error_paths("  hub: localhost:5000/istio\n").is_empty());
        assert!(error_paths("  hub: docker.io/istio\n").is_empty());
        assert_eq!(error_paths("  hub: docker.io/Istio\n"), ["spec.hub"]);
        assert_eq!(error_paths("  hub: my hub\n"), ["spec.hub"]);
        assert_eq!(error_paths("  hub: gcr.io:abc/istio\n"), ["spec.hub"]);
        assert_eq!(error_paths("  hub: user@gcr.io/istio\n"), ["spec.hub"]);
    }

    #[test]
    fn tag_must_be_an_image_tag() {
        assert!(error_paths("  tag: 1.1.4\n").is_empty());
        assert!(error_paths("  tag: 1\n").is_empty());
        assert!(error_paths("  tag: \"\"\n").is_empty());
        assert!(error_paths("  tag: latest-distroless\n").is_empty());
        assert_eq!(error_paths("  tag: \"1.2:3\"\n"), ["spec.tag"]);
        assert_eq!(error_paths("  tag: a/b\n"), ["spec.tag"]);
        assert_eq!(error_paths(&format!("  tag: {}\n", "x".repeat(128))), ["spec.tag"]);
    }

    #[test]
    fn revision_must_be_a_dns_label() {
        assert!(error_paths("  revision: 1-8-0\n").is_empty());
        assert_eq!(error_paths("  revision: Canary\n"), ["spec.revision"]);
        assert_eq!(error_paths("  revision: \"1.8\"\n"), ["spec.revision"]);
    }

    #[test]
    fn gateway_names_must_be_object_names() {
        let spec = "  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n    - name: Ingress_GW\n    egressGateways:\n    - name: egress.gw\n";
        assert_eq!(error_paths(spec), ["spec.components.ingressGateways[1].name"]);
    }

    #[test]
    fn ip_ranges_must_be_cidrs_or_star() {
        assert!(error_paths("  values:\n    global:\n      proxy:\n        includeIPRanges: \"*\"\n        excludeIPRanges: \"3.3.0.0/16,4.4.0.0/16\"\n").is_empty());
        let bad = "  values:\n    global:\n      proxy:\n        includeIPRanges: \"1.1.0.256/16,2.2.0.0/16\"\n        excludeIPRanges: \"*,1.1.0.0/16\"\n";
        assert_eq!(
            error_paths(bad),
            ["spec.values.global.proxy.includeIPRanges", "spec.values.global.proxy.excludeIPRanges"]
        );
        assert_eq!(
            error_paths("  values:\n    global:\n      proxy:\n        includeIPRanges: \"3.3.0.0/33\"\n"),
            ["spec.values.global.proxy.includeIPRanges"]
        );
    }

    #[test]
    fn inbound_ports_must_be_port_numbers() {
        assert!(error_paths("  values:\n    global:\n      proxy:\n        includeInboundPorts: \"*\"\n        excludeInboundPorts: \"333,444\"\n").is_empty());
        assert_eq!(
            error_paths("  values:\n    global:\n      proxy:\n        excludeInboundPorts: \"-1,444\"\n"),
            ["spec.values.global.proxy.excludeInboundPorts"]
        );
        assert_eq!(
            error_paths("  values:\n    global:\n      proxy:\n        includeInboundPorts: \"111,222x\"\n"),
            ["spec.values.global.proxy.includeInboundPorts"]
        );
    }

    #[test]
    fn kubernetes_parts_of_values_must_fit_their_type() {
        let problems = check("  values:\n    pilot:\n      tolerations:\n      - key: a\n        bogus: 1\n");
        let errors = at(&problems, Level::Error);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "spec.values.pilot.tolerations[0]");
        assert!(errors[0].1.contains("unknown field `bogus`"), "{}", errors[0].1);
        assert_eq!(
            error_paths("  values:\n    cni:\n      affinity:\n        nodeAffinity: 3\n"),
            ["spec.values.cni.affinity"]
        );
        assert!(error_paths("  values:\n    global:\n      proxy:\n        lifecycle:\n          preStop:\n            exec:\n              command: [\"/bin/sh\"]\n").is_empty());
    }

    #[test]
    fn gateway_ports_below_1024_need_root() {
        let unset = "  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n    - name: cluster-local-gateway\n      k8s:\n        service:\n          ports:\n          - port: 15020\n            name: status-port\n          - port: 80\n            name: http2\n";
        let problems = check(unset);
        let errors = at(&problems, Level::Error);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "spec.components.ingressGateways[1].k8s.service.ports[1]");
        assert!(
            errors[0].1.starts_with("port http2/80 in gateway cluster-local-gateway invalid: targetPort is set to 0")
        );
        let egress = "  components:\n    egressGateways:\n    - name: egress-gateway\n      k8s:\n        service:\n          ports:\n          - port: 80\n            name: http2\n            targetPort: 90\n";
        let errors = at(&check(egress), Level::Error);
        assert!(errors[0].1.ends_with("values.gateways.istio-egressgateway.runAsRoot=true"), "{}", errors[0].1);
        let root = format!("{unset}  values:\n    gateways:\n      istio-ingressgateway:\n        runAsRoot: true\n");
        assert!(error_paths(&root).is_empty());
        let named = "  components:\n    ingressGateways:\n    - name: gw\n      k8s:\n        service:\n          ports:\n          - port: 80\n            targetPort: http\n";
        assert!(error_paths(named).is_empty());
    }

    #[test]
    fn legacy_ingress_ports_below_1024_need_root() {
        let bad = "  values:\n    gateways:\n      istio-ingressgateway:\n        ingressPorts:\n        - name: http\n          port: 80\n";
        let errors = at(&check(bad), Level::Error);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "spec.values.gateways.istio-ingressgateway.ingressPorts[0]");
        assert!(errors[0].1.starts_with("port 80 is invalid: targetPort is set to 0"));
        let good = "  values:\n    gateways:\n      istio-ingressgateway:\n        ingressPorts:\n        - name: http\n          port: 80\n          targetPort: 8080\n";
        assert!(error_paths(good).is_empty());
    }

    #[test]
    fn replica_count_next_to_autoscaling_is_a_warning() {
        let spec = "  values:\n    pilot:\n      autoscaleEnabled: true\n    gateways:\n      istio-ingressgateway:\n        autoscaleEnabled: true\n      istio-egressgateway:\n        autoscaleEnabled: true\n  components:\n    pilot:\n      k8s:\n        replicaCount: 2\n    ingressGateways:\n    - name: istio-ingressgateway\n      k8s:\n        replicaCount: 2\n    egressGateways:\n    - name: istio-egressgateway\n      k8s:\n        replicaCount: 2\n";
        let problems = check(spec);
        assert!(at(&problems, Level::Error).is_empty());
        assert_eq!(
            warning_paths(spec),
            [
                "spec.components.pilot.k8s.replicaCount",
                "spec.components.ingressGateways[0].k8s.replicaCount",
                "spec.components.egressGateways[0].k8s.replicaCount",
            ]
        );
        let one = "  values:\n    pilot:\n      autoscaleEnabled: true\n  components:\n    pilot:\n      k8s:\n        replicaCount: 1\n";
        assert!(check(one).is_empty());
    }

    #[test]
    fn deprecated_values_are_warnings() {
        let spec = "  values:\n    pilot:\n      resources:\n        requests:\n          cpu: 1m\n      rollingMaxUnavailable: 30%\n";
        assert_eq!(warning_paths(spec), ["spec.values.pilot.resources", "spec.values.pilot.rollingMaxUnavailable"]);
        assert!(error_paths(spec).is_empty());
    }

    #[test]
    fn mesh_config_durations_must_be_in_range() {
        assert_eq!(error_paths("  meshConfig:\n    connectTimeout: 500us\n"), ["spec.meshConfig.connectTimeout"]);
        assert_eq!(error_paths("  meshConfig:\n    connectTimeout: 2h\n"), ["spec.meshConfig.connectTimeout"]);
        assert!(error_paths("  meshConfig:\n    connectTimeout: 10s\n    protocolDetectionTimeout: 0s\n").is_empty());
        assert_eq!(
            error_paths("  meshConfig:\n    protocolDetectionTimeout: 1500us\n"),
            ["spec.meshConfig.protocolDetectionTimeout"]
        );
        assert_eq!(
            error_paths("  meshConfig:\n    defaultConfig:\n      drainDuration: 1500ms\n"),
            ["spec.meshConfig.defaultConfig.drainDuration"]
        );
    }

    #[test]
    fn mesh_config_ports_and_addresses_must_be_valid() {
        assert_eq!(error_paths("  meshConfig:\n    proxyListenPort: 0\n"), ["spec.meshConfig.proxyListenPort"]);
        assert!(
            error_paths("  meshConfig:\n    defaultConfig:\n      discoveryAddress: my-discovery:123\n").is_empty()
        );
        assert_eq!(
            error_paths("  meshConfig:\n    defaultConfig:\n      discoveryAddress: my-discovery\n"),
            ["spec.meshConfig.defaultConfig.discoveryAddress"]
        );
        assert_eq!(
            error_paths("  meshConfig:\n    defaultConfig:\n      statusPort: 70000\n"),
            ["spec.meshConfig.defaultConfig.statusPort"]
        );
        assert_eq!(
            error_paths(
                "  meshConfig:\n    defaultConfig:\n      tracing:\n        zipkin:\n          address: zipkin:notaport\n"
            ),
            ["spec.meshConfig.defaultConfig.tracing.zipkin.address"]
        );
        assert!(error_paths("  meshConfig:\n    defaultConfig:\n      tracing:\n        datadog:\n          address: $(HOST_IP):8126\n").is_empty());
    }

    #[test]
    fn proxy_config_rules_apply() {
        assert_eq!(
            error_paths("  meshConfig:\n    defaultConfig:\n      controlPlaneAuthPolicy: INHERIT\n"),
            ["spec.meshConfig.defaultConfig.controlPlaneAuthPolicy"]
        );
        assert_eq!(
            error_paths("  meshConfig:\n    defaultConfig:\n      privateKeyProvider:\n        qat: {}\n"),
            ["spec.meshConfig.defaultConfig.privateKeyProvider.qat.pollDelay"]
        );
        assert_eq!(
            error_paths(
                "  meshConfig:\n    defaultConfig:\n      serviceCluster: a\n      tracingServiceName: CANONICAL_NAME_ONLY\n"
            ),
            ["spec.meshConfig.defaultConfig"]
        );
        assert_eq!(
            error_paths(
                "  meshConfig:\n    defaultConfig:\n      connectionSettings:\n        http2InitialStreamWindowSize: 100\n"
            ),
            ["spec.meshConfig.defaultConfig.connectionSettings.http2InitialStreamWindowSize"]
        );
    }

    #[test]
    fn trust_domains_and_service_hosts_must_be_dns_names() {
        assert_eq!(error_paths("  meshConfig:\n    trustDomain: Bad_Domain\n"), ["spec.meshConfig.trustDomain"]);
        assert_eq!(
            error_paths("  meshConfig:\n    trustDomainAliases: [ok.example, \"no way\"]\n"),
            ["spec.meshConfig.trustDomainAliases[1]"]
        );
        let hosts = "  meshConfig:\n    serviceSettings:\n    - settings: {clusterLocal: true}\n      hosts: [\"*.cluster.local\", \"bad_host.local\"]\n";
        assert_eq!(error_paths(hosts), ["spec.meshConfig.serviceSettings[0].hosts[1]"]);
    }

    #[test]
    fn mesh_tls_settings_are_checked() {
        assert_eq!(
            error_paths("  meshConfig:\n    meshMTLS:\n      ecdhCurves: [P-256]\n"),
            ["spec.meshConfig.meshMTLS.ecdhCurves"]
        );
        assert_eq!(
            warning_paths("  meshConfig:\n    tlsDefaults:\n      ecdhCurves: [P-256, P-999, P-256]\n"),
            ["spec.meshConfig.tlsDefaults.ecdhCurves[1]", "spec.meshConfig.tlsDefaults.ecdhCurves[2]"]
        );
    }

    #[test]
    fn unknown_and_deprecated_mesh_fields_are_warnings() {
        let spec = "  meshConfig:\n    futureField: 1\n    defaultConfig:\n      connectTimeout: 1s\n      zipkinAddress: zipkin:9411\n";
        assert!(error_paths(spec).is_empty());
        assert_eq!(
            warning_paths(spec),
            [
                "spec.meshConfig.defaultConfig.connectTimeout",
                "spec.meshConfig.futureField",
                "spec.meshConfig.defaultConfig.zipkinAddress",
            ]
        );
    }

    #[test]
    fn extension_provider_problems_are_warnings() {
        let spec = "  meshConfig:\n    extensionProviders:\n    - name: a\n      prometheus: {}\n    - name: a\n      zipkin: {service: z, port: 9411}\n      datadog: {service: d, port: 8126}\n    - {}\n";
        assert!(error_paths(spec).is_empty());
        assert_eq!(
            warning_paths(spec),
            [
                "spec.meshConfig.extensionProviders[1].name",
                "spec.meshConfig.extensionProviders[1]",
                "spec.meshConfig.extensionProviders[2].name",
                "spec.meshConfig.extensionProviders[2]",
            ]
        );
    }

    #[test]
    fn mesh_config_in_values_is_checked_too() {
        assert_eq!(
            error_paths("  values:\n    meshConfig:\n      proxyListenPort: 0\n"),
            ["spec.values.meshConfig.proxyListenPort"]
        );
    }
}
