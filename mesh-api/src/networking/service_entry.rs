//! `ServiceEntry`: adds services to Istio's registry, such as external APIs or VMs.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::WorkloadEntrySpec;
use super::gateway::{protocol_is_http, protocol_is_tcp, protocol_is_tls};
use super::workload_entry::EntryUse;
use crate::validation::rules;
use crate::{IstioStatus, Problem, Validate, Validator, WorkloadSelector};

/// A service Istio would not otherwise know about: its host names, addresses, ports and where
/// its endpoints are.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "ServiceEntry",
    printcolumn = r#"{"name":"Hosts","type":"string","description":"The hosts the entry adds to the registry.","jsonPath":".spec.hosts"}"#,
    printcolumn = r#"{"name":"Location","type":"string","description":"Whether the service is inside or outside the mesh.","jsonPath":".spec.location"}"#,
    printcolumn = r#"{"name":"Resolution","type":"string","description":"How the endpoints are found.","jsonPath":".spec.resolution"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#,
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

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// The label with which a ServiceEntry opts out of automatic address allocation (`"false"`).
const AUTO_ALLOCATE_LABEL: &str = "networking.istio.io/enable-autoallocate-ip";

/// The label that puts a resource behind a waypoint proxy.
const USE_WAYPOINT_LABEL: &str = "istio.io/use-waypoint";

/// Most hosts, addresses and ports a ServiceEntry may list (CRD limit).
const MAX_LIST: usize = 256;

/// Most endpoints a ServiceEntry may list (CRD limit).
const MAX_ENDPOINTS: usize = 4096;

impl ServiceEntry {
    fn label(&self, key: &str) -> Option<&str> {
        self.metadata.labels.as_ref()?.get(key).map(String::as_str)
    }

    /// Whether Istio assigns an address automatically (its default, unless resolution is `NONE`,
    /// addresses are given, or the object opts out by label).
    fn auto_allocates(&self) -> bool {
        self.spec.resolution.unwrap_or_default() != Resolution::None
            && self.spec.addresses.is_empty()
            && !self.label(AUTO_ALLOCATE_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("false"))
    }

    fn uses_waypoint(&self) -> bool {
        self.label(USE_WAYPOINT_LABEL).is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
    }
}

impl ServiceEntrySpec {
    fn check_hosts(&self, v: &mut Validator, resolution: Resolution) {
        v.field("hosts", |v| {
            if self.hosts.is_empty() {
                v.error("a ServiceEntry needs at least one host");
            }
            if self.hosts.len() > MAX_LIST {
                v.error(format!("at most {MAX_LIST} hosts may be listed"));
            }
            for (i, host) in self.hosts.iter().enumerate() {
                v.item(i, |v| {
                    if host == "*" {
                        v.error("a ServiceEntry host cannot be the bare wildcard \"*\"");
                        return;
                    }
                    rules::check_wildcard_host(v, host);
                    if resolution != Resolution::DynamicDns && host.contains('*') && !host.starts_with("*.") {
                        v.warn(format!("partial wildcard {host:?} is not supported; use a \"*.\" prefix"));
                    }
                });
            }
        });
    }

    fn check_ports(&self, v: &mut Validator, auto_allocates: bool) {
        v.field("ports", |v| {
            if self.ports.len() > MAX_LIST {
                v.error(format!("at most {MAX_LIST} ports may be listed"));
            }
            let mut names = std::collections::HashSet::new();
            let mut numbers = std::collections::HashSet::new();
            for (i, port) in self.ports.iter().enumerate() {
                v.item(i, |v| {
                    v.field("name", |v| {
                        if !names.insert(port.name.as_str()) {
                            v.error(format!("port name {:?} is used twice", port.name));
                        }
                        rules::check_port_name(v, &port.name);
                    });
                    v.field("number", |v| {
                        if !numbers.insert(port.number) {
                            v.error(format!("port number {} is used twice", port.number));
                        }
                        rules::check_port(v, port.number);
                    });
                    if let Some(target) = port.target_port.filter(|t| *t != 0) {
                        v.field("targetPort", |v| rules::check_port(v, target));
                    }
                    let protocol = port.protocol.as_deref().unwrap_or_default();
                    v.field("protocol", |v| rules::check_protocol(v, protocol));
                    if self.addresses.is_empty() && !auto_allocates && (protocol.is_empty() || protocol == "TCP") {
                        v.warn(
                            "a TCP (or unset protocol) port needs addresses when automatic address \
                             allocation does not apply; without them any IP on this port matches",
                        );
                    }
                });
            }
        });
    }

    fn check_endpoints(&self, v: &mut Validator, usage: EntryUse<'_>) {
        v.field("endpoints", |v| {
            if self.endpoints.len() > MAX_ENDPOINTS {
                v.error(format!("at most {MAX_ENDPOINTS} endpoints may be listed"));
            }
            for (i, endpoint) in self.endpoints.iter().enumerate() {
                v.item(i, |v| endpoint.check(v, usage));
            }
        });
    }

    fn check_resolution(&self, v: &mut Validator, resolution: Resolution, port_names: &[&str]) {
        match resolution {
            Resolution::None => {
                if !self.endpoints.is_empty() {
                    v.error_at("endpoints", "resolution NONE cannot have endpoints");
                }
                if self.workload_selector.is_some() {
                    v.warn_at("workloadSelector", "a workload selector has no effect with resolution NONE");
                }
                self.check_endpoints(v, EntryUse::OtherEndpoint);
            }
            Resolution::Static => self.check_endpoints(v, EntryUse::StaticEndpoint(port_names)),
            Resolution::Dns | Resolution::DnsRoundRobin => {
                if self.endpoints.is_empty() {
                    let bad = self.hosts.iter().position(|h| {
                        let mut probe = Validator::new();
                        rules::check_fqdn(&mut probe, h);
                        probe.has_errors()
                    });
                    if let Some(i) = bad {
                        v.field("hosts", |v| {
                            v.item(i, |v| {
                                v.error(format!(
                                    "with {} resolution and no endpoints, each host must be a fully \
                                     qualified name the proxy can resolve",
                                    resolution.as_str()
                                ))
                            })
                        });
                    }
                }
                if resolution == Resolution::DnsRoundRobin && self.endpoints.len() > 1 {
                    v.error_at("endpoints", "DNS_ROUND_ROBIN resolution allows at most one endpoint");
                }
                self.check_endpoints(v, EntryUse::DnsEndpoint(port_names));
                if !self.addresses.is_empty()
                    && self.hosts.len() > 1
                    && self.ports.iter().any(|p| protocol_is_tcp(p.protocol.as_deref().unwrap_or_default()))
                {
                    v.warn_at("hosts", "with addresses and a TCP port, only one host can be told apart; list one host");
                }
            }
            Resolution::DynamicDns => {
                v.field("hosts", |v| {
                    for (i, host) in self.hosts.iter().enumerate() {
                        if !host.starts_with('*') {
                            v.item(i, |v| v.error("DYNAMIC_DNS resolution needs wildcard hosts (\"*.example.com\")"));
                        }
                    }
                });
                if !self.addresses.is_empty() {
                    v.error_at("addresses", "DYNAMIC_DNS resolution cannot have addresses; hosts alone are routed");
                }
                if !self.endpoints.is_empty() {
                    v.error_at(
                        "endpoints",
                        "DYNAMIC_DNS resolution cannot have endpoints; each request's host is resolved",
                    );
                }
                self.check_endpoints(v, EntryUse::OtherEndpoint);
                v.field("ports", |v| {
                    for (i, port) in self.ports.iter().enumerate() {
                        let protocol = port.protocol.as_deref().unwrap_or_default().to_ascii_lowercase();
                        if !matches!(protocol.as_str(), "http" | "tls" | "grpc" | "http2") {
                            v.item(i, |v| {
                                v.error_at(
                                    "protocol",
                                    "DYNAMIC_DNS resolution only supports HTTP, TLS, GRPC and HTTP2 ports",
                                )
                            });
                        }
                    }
                });
            }
        }
    }
}

impl Validate for ServiceEntry {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "ServiceEntry", &self.metadata);
        let namespace = self.metadata.namespace.as_deref().unwrap_or_default();
        let spec = &self.spec;
        let resolution = spec.resolution.unwrap_or_default();
        v.field("spec", |v| {
            if let Some(selector) = &spec.workload_selector {
                v.field("workloadSelector", |v| rules::check_workload_selector(v, selector));
                if !spec.endpoints.is_empty() {
                    v.error("set either workloadSelector or endpoints, not both");
                }
            }
            spec.check_hosts(v, resolution);
            v.field("addresses", |v| {
                if spec.addresses.len() > MAX_LIST {
                    v.error(format!("at most {MAX_LIST} addresses may be listed"));
                }
                for (i, address) in spec.addresses.iter().enumerate() {
                    v.item(i, |v| rules::check_ip_or_cidr(v, address));
                }
                if spec.addresses.iter().any(|a| a.contains('/'))
                    && !matches!(resolution, Resolution::None | Resolution::Static)
                {
                    v.error("CIDR addresses are only allowed with NONE or STATIC resolution");
                }
            });
            spec.check_ports(v, self.auto_allocates());
            let port_names: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
            spec.check_resolution(v, resolution, &port_names);
            if resolution == Resolution::DynamicDns
                && spec.location == Some(ServiceEntryLocation::MeshInternal)
                && self.uses_waypoint()
            {
                v.error_at("location", "MESH_INTERNAL with DYNAMIC_DNS resolution is not supported behind a waypoint");
            }
            if resolution != Resolution::None && spec.hosts.len() > 1 {
                let mixed = spec.ports.iter().position(|p| {
                    let protocol = p.protocol.as_deref().unwrap_or_default();
                    !protocol_is_http(protocol) && !protocol_is_tls(protocol)
                });
                if let Some(i) = mixed {
                    v.field("ports", |v| {
                        v.item(i, |v| {
                            v.error(
                                "several hosts need HTTP or TLS ports to tell them apart; this port is \
                                 neither (use one host, or resolution NONE)",
                            )
                        })
                    });
                }
            }
            v.field("exportTo", |v| rules::check_export_to(v, namespace, &spec.export_to, true, false));
        });
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems_with(labels: &str, spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: se, namespace: shop, labels: {{{labels}}}}}\nspec: {spec}\n"
        );
        let se: ServiceEntry = serde_yaml::from_str(&yaml).expect("test YAML must load");
        se.validate()
    }

    fn problems(spec: &str) -> Vec<Problem> {
        problems_with("", spec)
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    fn no_errors(problems: &[Problem]) -> bool {
        problems.iter().all(|p| p.level != Level::Error)
    }

    #[test]
    fn valid_service_entries_pass() {
        // The first document of the corpus's serviceentry-valid.yaml, with the IPv6 address quoted.
        let p = problems(
            "{hosts: [example.com], workloadSelector: {labels: {foo: bar}}, addresses: [1.2.3.4, '001:db8::'], \
             exportTo: [foo, .], location: MESH_EXTERNAL, ports: [{name: foo, protocol: HTTP, number: 1234, targetPort: 2345}], \
             subjectAltNames: [sa], resolution: DNS}",
        );
        assert!(p.is_empty(), "{p:?}");
        let p = problems(
            "{hosts: [db.internal], addresses: [10.0.0.0/24], ports: [{name: tcp, number: 5432, protocol: TCP}], \
             resolution: STATIC, endpoints: [{address: 10.0.0.5, ports: {tcp: 15432}, labels: {app: db}}]}",
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn hosts_are_required() {
        let yaml = "metadata: {name: se}\nspec: {ports: []}";
        assert!(serde_yaml::from_str::<ServiceEntry>(yaml).is_err());
        assert!(has(&problems("{hosts: []}"), Level::Error, "spec.hosts"));
    }

    #[test]
    fn host_cannot_be_the_bare_wildcard() {
        assert!(has(&problems("{hosts: ['*']}"), Level::Error, "spec.hosts[0]"));
    }

    #[test]
    fn host_must_be_a_valid_domain() {
        assert!(has(&problems("{hosts: ['bad_host.com']}"), Level::Error, "spec.hosts[0]"));
    }

    #[test]
    fn partial_wildcard_host_warns_unless_dynamic_dns() {
        let p = problems("{hosts: ['*foo.example.com']}");
        assert!(has(&p, Level::Warning, "spec.hosts[0]") && no_errors(&p), "{p:?}");
    }

    #[test]
    fn addresses_must_be_ips_or_cidrs() {
        let p = problems("{hosts: [a.com], addresses: [1.2.3.4/99, not-an-ip]}");
        assert!(has(&p, Level::Error, "spec.addresses[0]"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.addresses[1]"), "{p:?}");
    }

    #[test]
    fn cidr_addresses_need_none_or_static_resolution() {
        let p = problems("{hosts: [a.com], addresses: [1.2.3.0/24], resolution: DNS}");
        assert!(has(&p, Level::Error, "spec.addresses"), "{p:?}");
    }

    #[test]
    fn port_names_and_numbers_must_be_unique() {
        let p = problems("{hosts: [a.com], ports: [{name: a, number: 1}, {name: a, number: 1}]}");
        assert!(has(&p, Level::Error, "spec.ports[1].name"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.ports[1].number"), "{p:?}");
    }

    #[test]
    fn port_fields_are_checked() {
        let p =
            problems("{hosts: [a.com], ports: [{name: Bad_Name, number: 99999, protocol: SMTP, targetPort: 70000}]}");
        for field in ["name", "number", "protocol", "targetPort"] {
            assert!(has(&p, Level::Error, &format!("spec.ports[0].{field}")), "{field}: {p:?}");
        }
    }

    #[test]
    fn tcp_port_without_addresses_warns_when_no_address_is_allocated() {
        let p = problems("{hosts: [a.com], ports: [{name: tcp, number: 9000, protocol: TCP}], resolution: NONE}");
        assert!(has(&p, Level::Warning, "spec.ports[0]"), "{p:?}");
        let p = problems_with(
            "networking.istio.io/enable-autoallocate-ip: 'false'",
            "{hosts: [a.com], ports: [{name: tcp, number: 9000}], resolution: DNS}",
        );
        assert!(has(&p, Level::Warning, "spec.ports[0]"), "{p:?}");
        let p = problems("{hosts: [a.com], ports: [{name: tcp, number: 9000, protocol: TCP}], resolution: DNS}");
        assert!(!has(&p, Level::Warning, "spec.ports[0]"), "{p:?}");
    }

    #[test]
    fn workload_selector_and_endpoints_are_exclusive() {
        let p = problems(
            "{hosts: [a.com], resolution: STATIC, workloadSelector: {labels: {a: b}}, endpoints: [{address: 1.2.3.4}]}",
        );
        assert!(has(&p, Level::Error, "spec"), "{p:?}");
    }

    #[test]
    fn selector_wildcards_are_rejected() {
        let p = problems("{hosts: [a.com], workloadSelector: {labels: {val: '*'}}}");
        assert!(has(&p, Level::Error, "spec.workloadSelector.labels.val"), "{p:?}");
    }

    #[test]
    fn resolution_none_forbids_endpoints_and_warns_on_selector() {
        let p = problems("{hosts: [a.com], endpoints: [{address: 1.2.3.4}]}");
        assert!(has(&p, Level::Error, "spec.endpoints"), "{p:?}");
        let p = problems("{hosts: [a.com], workloadSelector: {labels: {a: b}}}");
        assert!(has(&p, Level::Warning, "spec.workloadSelector"), "{p:?}");
    }

    #[test]
    fn static_endpoints_must_be_ips() {
        let p = problems("{hosts: [a.com], resolution: STATIC, endpoints: [{address: backend.example.com}]}");
        assert!(has(&p, Level::Error, "spec.endpoints[0].address"), "{p:?}");
    }

    #[test]
    fn endpoint_ports_must_name_service_ports() {
        let p = problems(
            "{hosts: [a.com], resolution: STATIC, ports: [{name: http, number: 80, protocol: HTTP}], \
             endpoints: [{address: 1.2.3.4, ports: {grpc: 8080}}]}",
        );
        assert!(has(&p, Level::Error, "spec.endpoints[0].ports.grpc"), "{p:?}");
        let p = problems(
            "{hosts: [a.com], resolution: DNS, ports: [{name: http, number: 80, protocol: HTTP}], \
             endpoints: [{address: b.com, ports: {grpc: 8080}}]}",
        );
        assert!(has(&p, Level::Error, "spec.endpoints[0].ports.grpc"), "{p:?}");
    }

    #[test]
    fn unix_endpoint_needs_exactly_one_service_port() {
        let p = problems(
            "{hosts: [a.com], resolution: STATIC, ports: [{name: a, number: 80, protocol: HTTP}, {name: b, number: 81, protocol: HTTP}], \
             endpoints: [{address: 'unix:///var/run/a.sock'}]}",
        );
        assert!(has(&p, Level::Error, "spec.endpoints[0].address"), "{p:?}");
    }

    #[test]
    fn endpoint_needs_an_address_or_a_network() {
        let p = problems("{hosts: [a.com], resolution: STATIC, endpoints: [{labels: {a: b}}]}");
        assert!(has(&p, Level::Error, "spec.endpoints[0].address"), "{p:?}");
    }

    #[test]
    fn dns_without_endpoints_needs_fqdn_hosts() {
        let p = problems("{hosts: ['*.example.com'], resolution: DNS}");
        assert!(has(&p, Level::Error, "spec.hosts[0]"), "{p:?}");
    }

    #[test]
    fn dns_endpoint_must_be_an_ip_or_a_host_name() {
        let p = problems("{hosts: [a.com], resolution: DNS, endpoints: [{address: 'bad..name'}]}");
        assert!(has(&p, Level::Error, "spec.endpoints[0].address"), "{p:?}");
    }

    #[test]
    fn dns_round_robin_allows_one_endpoint() {
        let p =
            problems("{hosts: [a.com], resolution: DNS_ROUND_ROBIN, endpoints: [{address: a.com}, {address: b.com}]}");
        assert!(has(&p, Level::Error, "spec.endpoints"), "{p:?}");
    }

    #[test]
    fn dns_with_addresses_and_tcp_port_warns_for_several_hosts() {
        let p = problems(
            "{hosts: [a.com, b.com], addresses: [1.1.1.1], resolution: DNS, ports: [{name: https, number: 443, protocol: HTTPS}]}",
        );
        assert!(has(&p, Level::Warning, "spec.hosts"), "{p:?}");
    }

    #[test]
    fn dynamic_dns_needs_wildcard_hosts_and_no_addresses_or_endpoints() {
        let p = problems(
            "{hosts: [a.example.com], resolution: DYNAMIC_DNS, addresses: [1.1.1.1], endpoints: [{address: 1.1.1.1}], \
             ports: [{name: tcp, number: 9000, protocol: TCP}]}",
        );
        for path in ["spec.hosts[0]", "spec.addresses", "spec.endpoints", "spec.ports[0].protocol"] {
            assert!(has(&p, Level::Error, path), "{path}: {p:?}");
        }
    }

    #[test]
    fn dynamic_dns_mesh_internal_is_not_supported_behind_a_waypoint() {
        let spec = "{hosts: ['*.example.com'], resolution: DYNAMIC_DNS, location: MESH_INTERNAL, ports: [{name: http, number: 80, protocol: HTTP}]}";
        let p = problems_with("istio.io/use-waypoint: waypoint", spec);
        assert!(has(&p, Level::Error, "spec.location"), "{p:?}");
        assert!(no_errors(&problems(spec)));
    }

    #[test]
    fn several_hosts_need_http_or_tls_ports() {
        let p = problems("{hosts: [a.com, b.com], resolution: DNS, ports: [{name: tcp, number: 9000, protocol: TCP}]}");
        assert!(has(&p, Level::Error, "spec.ports[0]"), "{p:?}");
        let p = problems("{hosts: [a.com, b.com], resolution: DNS, ports: [{name: http, number: 80, protocol: HTTP}]}");
        assert!(no_errors(&p), "{p:?}");
    }

    #[test]
    fn export_to_rules_apply_with_nobody_allowed() {
        let p = problems("{hosts: [a.com], exportTo: [., shop]}");
        assert!(has(&p, Level::Error, "spec.exportTo[1]"), "{p:?}");
        assert!(no_errors(&problems("{hosts: [a.com], exportTo: ['~']}")));
    }

    #[test]
    fn resolution_outside_the_schema_does_not_load() {
        let yaml = "metadata: {name: se}\nspec: {hosts: [a.com], resolution: MAGIC}";
        assert!(serde_yaml::from_str::<ServiceEntry>(yaml).is_err());
    }
}
