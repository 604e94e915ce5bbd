//! `Sidecar`: what a workload's sidecar proxy listens on and which services it can reach.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::destination_rule_validation::check_connection_pool;
use super::gateway::{UNIX_PREFIX, check_unix_path, protocol_is_http, protocol_is_tls};
use super::{ConnectionPoolSettings, Destination, ServerTlsMode, ServerTlsSettings};
use crate::validation::rules;
use crate::{IstioStatus, Problem, Validate, Validator, WorkloadSelector};

/// The inbound and outbound listeners of the sidecars of selected workloads (or of a whole
/// namespace), and which services those sidecars know about.
///
/// Without one, a sidecar accepts traffic on every port of its workload and can reach every
/// service in the mesh.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "Sidecar",
    namespaced,
    status = "IstioStatus",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `Sidecar` (`networking.istio.io`): the scope of a workload's sidecar proxy."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarSpec {
    /// The workloads this applies to; every workload in the namespace when unset (at most one
    /// such Sidecar per namespace; in the root namespace it is the mesh default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    /// Listeners for traffic coming into the workload; derived from the workload's ports when
    /// empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IstioIngressListener>,
    /// Listeners for traffic leaving the workload, and the services each one can reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<IstioEgressListener>,
    /// Connection limits for inbound traffic on every port without settings of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_connection_pool: Option<ConnectionPoolSettings>,
    /// What happens to outbound traffic for destinations the sidecar does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// An inbound listener: a port of the workload and where its traffic is delivered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioIngressListener {
    /// The port the listener accepts traffic on.
    pub port: SidecarPort,
    /// The IP address to bind to; the workload's address when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How inbound traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Where the traffic is delivered: `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`,
    /// `[::]:PORT` or `unix:///path` (`unix://@name` for an abstract socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// TLS termination for the listener (not with `ISTIO_MUTUAL` or `AUTO_PASSTHROUGH`, and
    /// without credential names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// Connection limits for this port, instead of `inboundConnectionPool`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
}

/// An outbound listener and the services reachable through it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioEgressListener {
    /// The port of the listener; without it, the listener catches traffic to every port (then
    /// it must be the last one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<SidecarPort>,
    /// The IP address or Unix socket (`unix://...`, with port number 0) to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How outbound traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// The services this listener can reach, each `namespace/dnsName`: the namespace is a name,
    /// `.` (the Sidecar's) or `*` (any), optionally `~`-prefixed to exclude; `dnsName` is a
    /// fully qualified name, `*.suffix` or `*`.
    pub hosts: Vec<String>,
}

/// A port of a sidecar listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarPort {
    /// The port number (0 only for an egress listener bound to a Unix socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// The protocol (`HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `TCP`, `TLS`, ...); detected when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A name for the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated, and rejected on Sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// How traffic is steered into a sidecar listener.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptureMode {
    /// The environment's default (iptables redirection for pods).
    #[default]
    Default,
    /// Traffic is redirected by iptables.
    Iptables,
    /// Nothing is redirected: the application talks to the listener directly.
    None,
}

/// The policy for outbound traffic to destinations the sidecar does not know.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutboundTrafficPolicy {
    /// Pass unknown traffic through (`ALLOW_ANY`) or block it (`REGISTRY_ONLY`); the mesh
    /// setting applies when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficPolicyMode>,
    /// With `ALLOW_ANY`, send unknown traffic to this service (an egress proxy) instead of
    /// passing it through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_proxy: Option<Destination>,
}

/// Whether a sidecar lets through traffic to destinations it does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundTrafficPolicyMode {
    /// Only services in the registry can be reached; other traffic is refused.
    #[default]
    RegistryOnly,
    /// Traffic to unknown destinations is passed through.
    AllowAny,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Addresses a `defaultEndpoint` may point to.
const LOOPBACK_HOSTS: &[&str] = &["127.0.0.1", "0.0.0.0", "::1", "::"];

/// Splits `host:port` or `[host]:port` as Go's `net.SplitHostPort` does.
fn split_host_port(value: &str) -> Option<(&str, &str)> {
    if let Some(rest) = value.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((host, port));
    }
    let (host, port) = value.rsplit_once(':')?;
    if host.contains(':') {
        return None;
    }
    Some((host, port))
}

fn check_default_endpoint(v: &mut Validator, endpoint: &str) {
    if let Some(path) = endpoint.strip_prefix(UNIX_PREFIX) {
        check_unix_path(v, path);
        return;
    }
    let Some((host, port)) = split_host_port(endpoint) else {
        v.error(format!(
            "defaultEndpoint {endpoint:?} must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, \
             [::]:<port> or unix://<path>"
        ));
        return;
    };
    if !host.is_empty() && !LOOPBACK_HOSTS.contains(&host) {
        v.error(format!("defaultEndpoint host {host:?} must be 127.0.0.1, 0.0.0.0, [::1] or [::]"));
    }
    match port.parse::<u32>() {
        Ok(number) => rules::check_port(v, number),
        Err(_) => v.error(format!("defaultEndpoint port {port:?} is not a number")),
    }
}

/// Checks the parts of a listener port shared by ingress and egress: name, protocol, target
/// port; the number is checked by the caller.
fn check_port_common(v: &mut Validator, port: &SidecarPort) {
    if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
        v.field("name", |v| rules::check_port_name(v, name));
    }
    v.field("protocol", |v| rules::check_protocol(v, port.protocol.as_deref().unwrap_or_default()));
    if port.target_port.unwrap_or(0) > 0 {
        v.error_at("targetPort", "targetPort has no effect on a Sidecar; remove it");
    }
}

impl IstioIngressListener {
    fn check(&self, v: &mut Validator) {
        let number = self.port.number.unwrap_or(0);
        v.field("port", |v| {
            check_port_common(v, &self.port);
            v.field("number", |v| rules::check_port(v, number));
        });
        if let Some(bind) = self.bind.as_deref().filter(|b| !b.is_empty()) {
            v.field("bind", |v| {
                if !rules::is_ip_address(bind) {
                    v.error(format!("bind {bind:?} is not a valid IP address"));
                }
            });
        }
        if let Some(endpoint) = self.default_endpoint.as_deref().filter(|e| !e.is_empty()) {
            v.field("defaultEndpoint", |v| check_default_endpoint(v, endpoint));
        }
        let protocol = self.port.protocol.as_deref().unwrap_or_default();
        if let Some(tls) = &self.tls {
            v.field("tls", |v| {
                if !tls.subject_alt_names.is_empty() {
                    v.error_at("subjectAltNames", "subjectAltNames is not supported on sidecar ingress TLS");
                }
                if tls.https_redirect == Some(true) {
                    v.error_at("httpsRedirect", "httpsRedirect is not supported on a Sidecar");
                }
                if tls.credential_name.as_deref().is_some_and(|c| !c.is_empty()) {
                    v.error_at("credentialName", "credentialName is not supported on a Sidecar");
                }
                if !tls.credential_names.is_empty() {
                    v.error_at("credentialNames", "credentialNames is not supported on a Sidecar");
                }
                if !tls.tls_certificates.is_empty() {
                    v.error_at("tlsCertificates", "tlsCertificates is not supported on a Sidecar");
                }
                let mode = tls.mode.unwrap_or_default();
                if matches!(mode, ServerTlsMode::IstioMutual | ServerTlsMode::AutoPassthrough) {
                    v.error_at("mode", format!("mode {} cannot be used on sidecar ingress TLS", mode.as_str()));
                }
                if !protocol_is_tls(protocol) {
                    v.error(format!("tls settings need an HTTPS or TLS port, not {protocol:?}"));
                }
                tls.check(v);
            });
        }
        if let Some(pool) = &self.connection_pool {
            v.field("connectionPool", |v| {
                check_connection_pool(v, pool);
                if pool.http.is_some() && !protocol_is_http(protocol) {
                    v.warn_at(
                        "http",
                        format!("port {number} has protocol {protocol:?}, not HTTP: only the tcp settings apply"),
                    );
                }
            });
        }
    }
}

impl IstioEgressListener {
    /// Checks the port and bind of an egress listener that has a port.
    fn check_port_and_bind(&self, v: &mut Validator, port: &SidecarPort) {
        let bind = self.bind.as_deref().unwrap_or_default();
        let number = port.number.unwrap_or(0);
        v.field("port", |v| check_port_common(v, port));
        if number == 0 {
            v.field("bind", |v| match bind.strip_prefix(UNIX_PREFIX) {
                Some(path) => check_unix_path(v, path),
                None => v.error("a listener with port 0 must bind to a unix:// socket"),
            });
            if !matches!(self.capture_mode, None | Some(CaptureMode::Default | CaptureMode::None)) {
                v.error_at("captureMode", "a Unix socket listener needs captureMode DEFAULT or NONE");
            }
        } else {
            v.field("port", |v| v.field("number", |v| rules::check_port(v, number)));
            if !bind.is_empty() {
                v.field("bind", |v| {
                    if !rules::is_ip_address(bind) {
                        v.error(format!("bind {bind:?} is not a valid IP address"));
                    }
                });
            }
        }
    }

    /// Checks the hosts of the listener; `namespace` replaces `.` when looking for repeats.
    fn check_hosts(&self, v: &mut Validator, namespace: &str) {
        v.field("hosts", |v| {
            if self.hosts.is_empty() {
                v.error("an egress listener needs at least one host");
                return;
            }
            let mut imported: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (i, host) in self.hosts.iter().enumerate() {
                v.item(i, |v| {
                    if let Some((ns, name)) = host.split_once('/')
                        && !ns.starts_with('~')
                    {
                        let ns = if ns == "." { namespace } else { ns };
                        let names = imported.entry(ns).or_default();
                        let repeated =
                            if name == "*" { !names.is_empty() } else { names.contains(name) || names.contains("*") };
                        if repeated {
                            v.warn(format!("host {host:?} is already covered by another entry"));
                        }
                        names.insert(name);
                    }
                    rules::check_gateway_or_sidecar_host(v, host);
                });
            }
            if imported.get("*").is_some_and(|names| names.contains("*")) && imported.len() != 1 {
                v.warn("\"*/*\" already imports everything; the other hosts add nothing");
            }
        });
    }
}

impl OutboundTrafficPolicy {
    fn check(&self, v: &mut Validator) {
        let Some(proxy) = &self.egress_proxy else {
            return;
        };
        if self.mode != Some(OutboundTrafficPolicyMode::AllowAny) {
            v.error_at("egressProxy", "egressProxy can only be set with mode ALLOW_ANY");
            return;
        }
        v.field("egressProxy", |v| {
            v.field("host", |v| {
                if proxy.host == "*" {
                    v.error("the egress proxy host cannot be \"*\"");
                } else {
                    rules::check_fqdn(v, &proxy.host);
                }
            });
            let Some(port) = &proxy.port else {
                v.error_at("port", "the egress proxy needs a port");
                return;
            };
            if let Some(subset) = proxy.subset.as_deref() {
                v.field("subset", |v| {
                    if !rules::is_dns1123_label(subset) {
                        v.error(format!("subset name {subset:?} must be a DNS label"));
                    }
                });
            }
            v.field("port", |v| v.field("number", |v| rules::check_port(v, port.number.unwrap_or(0))));
        });
    }
}

impl SidecarSpec {
    fn check(&self, v: &mut Validator, namespace: &str) {
        if let Some(selector) = &self.workload_selector {
            v.field("workloadSelector", |v| rules::check_workload_selector(v, selector));
        }
        if self.ingress.is_empty()
            && self.egress.is_empty()
            && self.outbound_traffic_policy.is_none()
            && self.inbound_connection_pool.is_none()
        {
            v.error("a Sidecar needs at least one of ingress, egress, outboundTrafficPolicy and inboundConnectionPool");
            return;
        }
        v.field("ingress", |v| {
            let mut ports = HashSet::new();
            for (i, listener) in self.ingress.iter().enumerate() {
                v.item(i, |v| {
                    listener.check(v);
                    if !ports.insert(listener.port.number.unwrap_or(0)) {
                        v.error_at("port", "ingress listeners must use different ports");
                    }
                });
            }
        });
        if let Some(pool) = &self.inbound_connection_pool {
            v.field("inboundConnectionPool", |v| check_connection_pool(v, pool));
        }
        v.field("egress", |v| {
            let mut ports = HashSet::new();
            let mut sockets = HashSet::new();
            let last = self.egress.len().saturating_sub(1);
            for (i, listener) in self.egress.iter().enumerate() {
                v.item(i, |v| {
                    // A listener without a port catches every other port, so it can only come
                    // last (which also means there is at most one).
                    match &listener.port {
                        None if i != last => {
                            v.error("the egress listener without a port must be the last one");
                        }
                        None => {}
                        Some(port) => {
                            listener.check_port_and_bind(v, port);
                            if port.number.unwrap_or(0) == 0 {
                                if !sockets.insert(listener.bind.as_deref().unwrap_or_default()) {
                                    v.error_at("bind", "egress listeners must use different Unix sockets");
                                }
                            } else if !ports.insert(port.number.unwrap_or(0)) {
                                v.error_at("port", "egress listeners bound to IPs must use different ports");
                            }
                        }
                    }
                    listener.check_hosts(v, namespace);
                });
            }
        });
        if let Some(policy) = &self.outbound_traffic_policy {
            v.field("outboundTrafficPolicy", |v| policy.check(v));
        }
    }
}

impl Validate for Sidecar {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "Sidecar", &self.metadata);
        let namespace = self.metadata.namespace.as_deref().unwrap_or_default();
        v.field("spec", |v| self.spec.check(v, namespace));
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: default, namespace: shop}}\nspec: {spec}\n"
        );
        let sidecar: Sidecar = serde_yaml::from_str(&yaml).expect("test YAML must load");
        sidecar.validate()
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    fn no_errors(problems: &[Problem]) -> bool {
        problems.iter().all(|p| p.level != Level::Error)
    }

    /// An ingress listener list with one listener given as YAML.
    fn ingress(listener: &str) -> String {
        format!("{{ingress: [{listener}]}}")
    }

    #[test]
    fn valid_sidecars_pass() {
        let p = problems(
            "{workloadSelector: {labels: {app: a}}, \
             ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: '127.0.0.1:8080', \
                        connectionPool: {http: {maxRetries: 3}}}, \
                       {port: {number: 9443, protocol: HTTPS, name: https}, defaultEndpoint: 'unix:///var/run/app.sock', \
                        tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}}], \
             egress: [{port: {number: 3306, protocol: MYSQL, name: mysql}, bind: 127.0.0.2, hosts: ['*/mysql.db.svc.cluster.local']}, \
                      {hosts: ['./*', 'istio-system/*', '~prod/*']}], \
             inboundConnectionPool: {tcp: {maxConnections: 100}}, \
             outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.egress.svc.cluster.local, port: {number: 3128}}}}",
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn empty_sidecar_is_rejected() {
        assert!(has(&problems("{}"), Level::Error, "spec"));
        assert!(has(&problems("{workloadSelector: {labels: {a: b}}}"), Level::Error, "spec"));
    }

    #[test]
    fn selector_wildcards_are_rejected() {
        let p = problems("{workloadSelector: {labels: {app: '*'}}, egress: [{hosts: ['*/*']}]}");
        assert!(has(&p, Level::Error, "spec.workloadSelector.labels.app"), "{p:?}");
    }

    #[test]
    fn ingress_port_is_required_and_checked() {
        let yaml = "metadata: {name: s}\nspec: {ingress: [{bind: 0.0.0.0}]}";
        assert!(serde_yaml::from_str::<Sidecar>(yaml).is_err());
        let p = problems(&ingress("{port: {number: 0, protocol: SMTP, name: Bad_Name, targetPort: 80}}"));
        for field in ["number", "protocol", "name", "targetPort"] {
            assert!(has(&p, Level::Error, &format!("spec.ingress[0].port.{field}")), "{field}: {p:?}");
        }
    }

    #[test]
    fn ingress_ports_must_be_unique() {
        let p = problems("{ingress: [{port: {number: 80, protocol: HTTP}}, {port: {number: 80, protocol: TCP}}]}");
        assert!(has(&p, Level::Error, "spec.ingress[1].port"), "{p:?}");
    }

    #[test]
    fn ingress_bind_must_be_an_ip() {
        let p = problems(&ingress("{port: {number: 80, protocol: HTTP}, bind: 'unix:///a.sock'}"));
        assert!(has(&p, Level::Error, "spec.ingress[0].bind"), "{p:?}");
    }

    #[test]
    fn default_endpoint_must_be_loopback_or_a_socket() {
        for endpoint in ["10.0.0.1:8080", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:0", "unix://relative"] {
            let p =
                problems(&ingress(&format!("{{port: {{number: 80, protocol: HTTP}}, defaultEndpoint: '{endpoint}'}}")));
            assert!(has(&p, Level::Error, "spec.ingress[0].defaultEndpoint"), "{endpoint}: {p:?}");
        }
        for endpoint in ["0.0.0.0:8080", "[::1]:8080", "[::]:8080", ":8080", "unix://@sock"] {
            let p =
                problems(&ingress(&format!("{{port: {{number: 80, protocol: HTTP}}, defaultEndpoint: '{endpoint}'}}")));
            assert!(p.is_empty(), "{endpoint}: {p:?}");
        }
    }

    #[test]
    fn ingress_tls_limits() {
        let p = problems(&ingress(
            "{port: {number: 443, protocol: HTTPS}, tls: {mode: ISTIO_MUTUAL, credentialName: c, credentialNames: [d], \
             tlsCertificates: [{serverCertificate: /c}], httpsRedirect: true, subjectAltNames: [x]}}",
        ));
        for field in
            ["mode", "credentialName", "credentialNames", "tlsCertificates", "httpsRedirect", "subjectAltNames"]
        {
            assert!(has(&p, Level::Error, &format!("spec.ingress[0].tls.{field}")), "{field}: {p:?}");
        }
    }

    #[test]
    fn ingress_tls_needs_a_tls_port() {
        let p = problems(&ingress(
            "{port: {number: 80, protocol: HTTP}, tls: {mode: SIMPLE, serverCertificate: /c, privateKey: /k}}",
        ));
        assert!(has(&p, Level::Error, "spec.ingress[0].tls"), "{p:?}");
    }

    #[test]
    fn ingress_tls_settings_are_checked_like_a_gateway() {
        let p = problems(&ingress(
            "{port: {number: 443, protocol: HTTPS}, tls: {mode: MUTUAL, serverCertificate: /c, privateKey: /k}}",
        ));
        assert!(has(&p, Level::Error, "spec.ingress[0].tls.caCertificates"), "{p:?}");
    }

    #[test]
    fn connection_pools_are_checked() {
        let p = problems(&ingress("{port: {number: 80, protocol: HTTP}, connectionPool: {}}"));
        assert!(has(&p, Level::Error, "spec.ingress[0].connectionPool"), "{p:?}");
        let p = problems("{inboundConnectionPool: {tcp: {maxConnections: -1}}}");
        assert!(has(&p, Level::Error, "spec.inboundConnectionPool.tcp.maxConnections"), "{p:?}");
    }

    #[test]
    fn http_pool_settings_on_a_non_http_port_warn() {
        let p = problems(&ingress("{port: {number: 5432, protocol: TCP}, connectionPool: {http: {maxRetries: 1}}}"));
        assert!(has(&p, Level::Warning, "spec.ingress[0].connectionPool.http") && no_errors(&p), "{p:?}");
    }

    #[test]
    fn egress_hosts_need_a_namespace_and_an_fqdn() {
        for host in ["reviews.shop.svc.cluster.local", "shop/reviews", "bad_ns!/a.example.com", "*/*foo.com", "/a.com"]
        {
            let p = problems(&format!("{{egress: [{{hosts: ['{host}']}}]}}"));
            assert!(has(&p, Level::Error, "spec.egress[0].hosts[0]"), "{host}: {p:?}");
        }
    }

    #[test]
    fn egress_listener_needs_a_host() {
        let p = problems("{egress: [{hosts: []}]}");
        assert!(has(&p, Level::Error, "spec.egress[0].hosts"), "{p:?}");
    }

    #[test]
    fn portless_egress_listener_comes_last() {
        let p = problems("{egress: [{hosts: ['*/*']}, {port: {number: 80, protocol: HTTP}, hosts: ['*/*']}]}");
        assert!(has(&p, Level::Error, "spec.egress[0]"), "{p:?}");
        // Two port-less listeners: the first one is out of place.
        let p = problems("{egress: [{hosts: ['./*']}, {hosts: ['*/*']}]}");
        assert!(has(&p, Level::Error, "spec.egress[0]"), "{p:?}");
    }

    #[test]
    fn egress_port_zero_needs_a_unix_socket_and_default_capture() {
        let p = problems("{egress: [{port: {number: 0, protocol: HTTP}, bind: 10.0.0.1, hosts: ['*/*']}]}");
        assert!(has(&p, Level::Error, "spec.egress[0].bind"), "{p:?}");
        let p = problems(
            "{egress: [{port: {number: 0, protocol: HTTP}, bind: 'unix:///a.sock', captureMode: IPTABLES, hosts: ['*/*']}]}",
        );
        assert!(has(&p, Level::Error, "spec.egress[0].captureMode"), "{p:?}");
    }

    #[test]
    fn egress_ports_and_sockets_must_be_unique() {
        let p = problems(
            "{egress: [{port: {number: 80, protocol: HTTP}, hosts: ['./*']}, {port: {number: 80, protocol: HTTP}, hosts: ['./*']}]}",
        );
        assert!(has(&p, Level::Error, "spec.egress[1].port"), "{p:?}");
        let p = problems(
            "{egress: [{port: {number: 0}, bind: 'unix:///a.sock', hosts: ['./*']}, {port: {number: 0}, bind: 'unix:///a.sock', hosts: ['./*']}]}",
        );
        assert!(has(&p, Level::Error, "spec.egress[1].bind"), "{p:?}");
    }

    #[test]
    fn egress_bind_must_be_an_ip() {
        let p = problems("{egress: [{port: {number: 80, protocol: HTTP}, bind: not-an-ip, hosts: ['./*']}]}");
        assert!(has(&p, Level::Error, "spec.egress[0].bind"), "{p:?}");
    }

    #[test]
    fn repeated_egress_hosts_warn() {
        let p = problems("{egress: [{hosts: ['shop/*', './a.example.com']}]}");
        assert!(has(&p, Level::Warning, "spec.egress[0].hosts[1]") && no_errors(&p), "{p:?}");
        let p = problems("{egress: [{hosts: ['*/*', 'shop/a.example.com']}]}");
        assert!(has(&p, Level::Warning, "spec.egress[0].hosts"), "{p:?}");
    }

    #[test]
    fn egress_proxy_needs_allow_any() {
        let p = problems(
            "{outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: p.example.com, port: {number: 3128}}}}",
        );
        assert!(has(&p, Level::Error, "spec.outboundTrafficPolicy.egressProxy"), "{p:?}");
    }

    #[test]
    fn egress_proxy_needs_a_port_and_a_valid_host() {
        let p = problems("{outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: p.example.com}}}");
        assert!(has(&p, Level::Error, "spec.outboundTrafficPolicy.egressProxy.port"), "{p:?}");
        let p = problems(
            "{outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: '*', subset: Bad_Subset, port: {number: 70000}}}}",
        );
        for field in ["host", "subset", "port.number"] {
            assert!(
                has(&p, Level::Error, &format!("spec.outboundTrafficPolicy.egressProxy.{field}")),
                "{field}: {p:?}"
            );
        }
    }

    #[test]
    fn mesh_only_outbound_mode_does_not_load() {
        let yaml = "metadata: {name: s}\nspec: {outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}}";
        assert!(serde_yaml::from_str::<Sidecar>(yaml).is_err());
    }
}
