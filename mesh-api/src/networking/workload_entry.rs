//! `WorkloadEntry`: a workload that is not a Kubernetes pod, such as a VM, described to Istio.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::gateway::{UNIX_PREFIX, check_unix_path};
use crate::validation::rules;
use crate::{IstioStatus, Labels, Problem, Validate, Validator};

/// One workload (a VM or bare-metal host) with its address, ports and labels.
///
/// The same message describes the endpoints of a ServiceEntry and the template of a
/// WorkloadGroup.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "WorkloadEntry",
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Address","type":"string","description":"The address of the workload.","jsonPath":".spec.address"}"#,
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

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Where a [`WorkloadEntrySpec`] is used, which decides the rules it must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryUse<'a> {
    /// A `WorkloadEntry` object: the address may be an IP, a host name or a Unix socket.
    WorkloadEntry,
    /// An endpoint of a `STATIC` ServiceEntry with these port names: IPs or Unix sockets only.
    StaticEndpoint(&'a [&'a str]),
    /// An endpoint of a `DNS` or `DNS_ROUND_ROBIN` ServiceEntry with these port names: an IP or
    /// a host name.
    DnsEndpoint(&'a [&'a str]),
    /// An endpoint of a ServiceEntry with another resolution: only the schema's rules apply.
    OtherEndpoint,
    /// A WorkloadGroup template: schema rules only, and the address may be left out.
    Template,
}

/// Whether a port name fits the CRD's pattern (a DNS label shorter than 63 characters).
fn port_name_fits_schema(name: &str) -> bool {
    name.len() < 63 && rules::is_dns1123_label(name)
}

impl WorkloadEntrySpec {
    /// Checks the entry at the current path, as Istio's `validateWorkloadEntry`, the ServiceEntry
    /// endpoint rules and the CRD's rules do for `usage`.
    pub(crate) fn check(&self, v: &mut Validator, usage: EntryUse<'_>) {
        let address = self.address.as_deref().unwrap_or_default();
        let network = self.network.as_deref().unwrap_or_default();
        if address.is_empty() && usage != EntryUse::Template {
            if network.is_empty() {
                v.error_at("address", "an address is required (or a network reached through its gateway)");
                return;
            }
            match usage {
                EntryUse::DnsEndpoint(_) => {
                    v.error_at("address", "DNS resolution needs an address (a host name or an IP) on every endpoint")
                }
                EntryUse::OtherEndpoint => {}
                _ => v.warn_at(
                    "address",
                    format!("no address given; the workload is reached through network {network:?}"),
                ),
            }
        }
        let unix = address.strip_prefix(UNIX_PREFIX);
        if let Some(path) = unix {
            v.field("address", |v| {
                check_unix_path(v, path);
                if matches!(usage, EntryUse::DnsEndpoint(_)) {
                    v.error("DNS resolution cannot use a Unix socket endpoint");
                }
            });
            if !self.ports.is_empty() {
                v.error_at("ports", "a Unix socket endpoint cannot have ports");
            }
        } else if !address.is_empty() && !rules::is_ip_address(address) {
            v.field("address", |v| match usage {
                EntryUse::StaticEndpoint(_) => {
                    v.error(format!("endpoint address {address:?} is not an IP address, which STATIC resolution needs"))
                }
                EntryUse::WorkloadEntry | EntryUse::DnsEndpoint(_) => {
                    let mut probe = Validator::new();
                    rules::check_fqdn(&mut probe, address);
                    if probe.has_errors() {
                        v.error(format!("address {address:?} is neither an IP address nor a valid host name"));
                    }
                }
                EntryUse::OtherEndpoint | EntryUse::Template => {}
            });
        }
        v.field("ports", |v| {
            for (name, port) in &self.ports {
                v.field(name, |v| {
                    if let EntryUse::StaticEndpoint(names) | EntryUse::DnsEndpoint(names) = usage
                        && !names.contains(&name.as_str())
                    {
                        v.error(format!("port {name:?} is not one of the ServiceEntry's port names {names:?}"));
                    }
                    if !port_name_fits_schema(name) {
                        v.error(format!(
                            "port name {name:?} is invalid: use up to 62 letters, digits or '-', \
                             starting and ending with a letter or digit"
                        ));
                    }
                    rules::check_port(v, *port);
                });
            }
        });
        if matches!(usage, EntryUse::WorkloadEntry | EntryUse::StaticEndpoint(_) | EntryUse::DnsEndpoint(_)) {
            v.field("labels", |v| rules::check_labels(v, &self.labels));
        }
        if let (Some(_), EntryUse::StaticEndpoint(names)) = (unix, usage)
            && names.len() != 1
        {
            v.error_at("address", "a Unix socket endpoint needs a ServiceEntry with exactly one port");
        }
    }
}

impl Validate for WorkloadEntry {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "WorkloadEntry", &self.metadata);
        v.field("spec", |v| self.spec.check(v, EntryUse::WorkloadEntry));
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {{name: vm, namespace: shop}}\nspec: {spec}\n"
        );
        let we: WorkloadEntry = serde_yaml::from_str(&yaml).expect("test YAML must load");
        we.validate()
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    #[test]
    fn valid_entries_pass() {
        for spec in [
            "{address: 10.0.0.1, ports: {http: 8080}, labels: {app: vm}, serviceAccount: sa, weight: 2}",
            "{address: vm.example.com}",
            "{address: 'unix:///var/run/app.sock'}",
            "{address: 'unix://@abstract'}",
        ] {
            let p = problems(spec);
            assert!(p.is_empty(), "{spec}: {p:?}");
        }
    }

    #[test]
    fn address_is_required_without_a_network() {
        assert!(has(&problems("{}"), Level::Error, "spec.address"));
    }

    #[test]
    fn missing_address_with_a_network_warns() {
        let p = problems("{network: net1}");
        assert!(has(&p, Level::Warning, "spec.address"), "{p:?}");
        assert!(p.iter().all(|p| p.level == Level::Warning), "{p:?}");
    }

    #[test]
    fn unix_socket_must_be_absolute_and_not_a_directory() {
        assert!(has(&problems("{address: 'unix://relative'}"), Level::Error, "spec.address"));
        assert!(has(&problems("{address: 'unix:///dir/'}"), Level::Error, "spec.address"));
    }

    #[test]
    fn unix_socket_cannot_have_ports() {
        assert!(has(&problems("{address: 'unix://@foo', ports: {http: 80}}"), Level::Error, "spec.ports"));
    }

    #[test]
    fn address_must_be_an_ip_or_a_host_name() {
        assert!(has(&problems("{address: 'bad_host!'}"), Level::Error, "spec.address"));
    }

    #[test]
    fn ports_must_be_in_range_and_well_named() {
        let p = problems("{address: 1.1.1.1, ports: {http: 99999, '@': 80}}");
        assert!(has(&p, Level::Error, "spec.ports.http"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.ports.@"), "{p:?}");
    }

    #[test]
    fn labels_must_be_valid() {
        let p = problems("{address: 1.1.1.1, labels: {'bad key!': v}}");
        assert!(p.iter().any(|p| p.level == Level::Error && p.path.to_string().starts_with("spec.labels")), "{p:?}");
    }
}
