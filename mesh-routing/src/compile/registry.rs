//! The service registry: Kubernetes Services, ServiceEntries and the workloads behind them
//! (routing.md E1, E2, E4, L1, P6).

use mesh_api::k8s_openapi::api::apps::v1::Deployment;
use mesh_api::k8s_openapi::api::core::v1::{Pod, Service as KubeService};
use mesh_api::networking::ServiceEntry;

use std::collections::{BTreeMap, HashMap, HashSet};

use indexmap::IndexMap;

use foldhash::fast::FixedState;

use super::export::ExportTo;
use super::virtual_service::CompiledDestination;
use crate::error::CompileWarning;
use crate::matchers::host::HostPattern;
use crate::mesh::Ids;

/// Where a registry entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServiceOrigin {
    /// A Kubernetes Service.
    Kubernetes,
    /// A ServiceEntry host.
    Entry,
}

/// A port of a service.
#[derive(Clone, Debug)]
pub(crate) struct ServicePort {
    pub(crate) number: u32,
    /// Upper-case protocol (`HTTP`, `TCP`, ...), from the declared protocol, `appProtocol` or
    /// the name prefix; `None` when Istio would sniff it.
    pub(crate) protocol: Option<String>,
}

/// One host in the registry.
#[derive(Clone, Debug)]
pub(crate) struct Service {
    pub(crate) host: String,
    pub(crate) pattern: HostPattern,
    pub(crate) namespace: String,
    pub(crate) origin: ServiceOrigin,
    pub(crate) ports: Vec<ServicePort>,
    /// Pod selector; `None` selects nothing known (external entries).
    pub(crate) selector: Option<Vec<(String, String)>>,
    pub(crate) addresses: Vec<String>,
    pub(crate) export_to: ExportTo,
    /// Alias names (ExternalName services pointing here, E4).
    pub(crate) aliases: Vec<String>,
    /// The default route's single destination (S7).
    pub(crate) default_route: Vec<CompiledDestination>,
    /// (creation time, namespace): the older of two services claiming an address wins (E5).
    pub(crate) age: (Option<i128>, String),
    /// The VirtualServices whose hosts name this service exactly (age order), filled once
    /// they are compiled.
    pub(crate) vs_claims: Ids,
    /// The VirtualService every sidecar without a Sidecar resource picks for this service,
    /// when that does not depend on the caller: a single public, mesh-bound claim (S1, S2, V1).
    pub(crate) mesh_vs: Option<usize>,
}

impl Service {
    /// Whether the service exposes `port`.
    #[inline]
    pub(crate) fn has_port(&self, port: u32) -> bool {
        self.ports.iter().any(|p| p.number == port)
    }

    /// The protocol of `port`, if declared.
    #[inline]
    pub(crate) fn port_protocol(&self, port: u32) -> Option<&str> {
        self.ports.iter().find(|p| p.number == port).and_then(|p| p.protocol.as_deref())
    }
}

/// A workload known from a Pod or a Deployment's pod template.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    pub(crate) name: String,
    pub(crate) namespace: String,
    pub(crate) labels: Vec<(String, String)>,
}

/// Reads a protocol from `appProtocol`, else the port name prefix; unnamed ports 25, 53, 3306
/// and 27017 are TCP, other unknown ones are sniffed (`None`) (L1).
pub(crate) fn protocol_from_name(name: &str, app_protocol: Option<&str>, port: u32) -> Option<String> {
    if let Some(p) = app_protocol {
        return Some(p.to_ascii_uppercase());
    }
    let lower = name.to_ascii_lowercase();
    let prefix = if lower.starts_with("grpc-web") { "grpc-web" } else { lower.split('-').next().unwrap_or("") };
    let known = ["http", "http2", "grpc", "grpc-web", "https", "tls", "tcp", "mongo", "mysql", "redis", "udp"];
    if known.contains(&prefix) {
        return Some(prefix.to_ascii_uppercase());
    }
    matches!(port, 25 | 53 | 3306 | 27017).then(|| "TCP".to_owned())
}

/// A Kubernetes Service as a registry entry; `None` for ExternalName services (aliases).
pub(crate) fn from_kube(svc: &KubeService, namespace: &str, domain: &str, age: Option<i128>) -> Option<Service> {
    let name = svc.metadata.name.clone().unwrap_or_default();
    // Cloned on purpose. Borrowing the spec saves 0.25 us a service when compiling, but it
    // slowed the benchmark decision from 60 to 67 ns with the same compiled data, only by where
    // the allocator then put each service's compiled parts (measured 2026-11-27): decisions
    // are sensitive to heap layout.
    let spec = svc.spec.clone().unwrap_or_default();
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    let host = format!("{name}.{namespace}.svc.{domain}");
    let ports: Vec<ServicePort> = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.protocol.as_deref() != Some("UDP"))
        .map(|p| {
            let number = u32::try_from(p.port).unwrap_or(0);
            let protocol = protocol_from_name(p.name.as_deref().unwrap_or(""), p.app_protocol.as_deref(), number);
            ServicePort { number, protocol }
        })
        .collect();
    let export: Vec<String> = svc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("networking.istio.io/exportTo"))
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let mut addresses: Vec<String> = spec.cluster_ips.unwrap_or_default();
    if let Some(ip) = spec.cluster_ip
        && !addresses.contains(&ip)
    {
        addresses.push(ip);
    }
    addresses.retain(|a| a != "None" && !a.is_empty());
    Some(Service {
        pattern: HostPattern::Exact(host.clone()),
        default_route: vec![CompiledDestination::default_for(&host)],
        host,
        namespace: namespace.to_owned(),
        origin: ServiceOrigin::Kubernetes,
        ports,
        selector: spec.selector.map(|s| s.into_iter().collect()),
        addresses,
        export_to: ExportTo::new(&export, namespace),
        aliases: Vec::new(),
        age: (age, name),
        vs_claims: Ids::new(),
        mesh_vs: None,
    })
}

/// The target FQDN of an ExternalName service, when it is one.
pub(crate) fn external_name(svc: &KubeService) -> Option<String> {
    let spec = svc.spec.as_ref()?;
    (spec.type_.as_deref() == Some("ExternalName")).then(|| spec.external_name.clone()).flatten()
}

/// Every host of a ServiceEntry as registry entries (hosts are never qualified, H3).
pub(crate) fn from_entry(se: &ServiceEntry, namespace: &str, age: Option<i128>) -> Vec<Service> {
    let name = se.metadata.name.clone().unwrap_or_default();
    let ports: Vec<ServicePort> = se
        .spec
        .ports
        .iter()
        .map(|p| ServicePort {
            number: p.number,
            protocol: p
                .protocol
                .clone()
                .map(|s| s.to_ascii_uppercase())
                .or_else(|| protocol_from_name(&p.name, None, p.number)),
        })
        .collect();
    let selector =
        se.spec.workload_selector.as_ref().map(|w| w.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    se.spec
        .hosts
        .iter()
        .map(|h| {
            let host = h.to_ascii_lowercase();
            Service {
                pattern: HostPattern::parse(&host),
                default_route: vec![CompiledDestination::default_for(&host)],
                host,
                namespace: namespace.to_owned(),
                origin: ServiceOrigin::Entry,
                ports: ports.clone(),
                selector: selector.clone(),
                addresses: se.spec.addresses.clone(),
                export_to: ExportTo::new(&se.spec.export_to, namespace),
                aliases: Vec::new(),
                age: (age, name.clone()),
                vs_claims: Ids::new(),
                mesh_vs: None,
            }
        })
        .collect()
}

/// Whether Istio merges the ports of two ServiceEntries declaring one host in one namespace:
/// only when nothing else about the services differs (`canMergeServices`, `sidecar.go`).
fn mergeable(a: &ServiceEntry, b: &ServiceEntry, namespace: &str) -> bool {
    // No labels and an empty map are the same to Istio.
    fn labels(se: &ServiceEntry) -> Option<&BTreeMap<String, String>> {
        se.metadata.labels.as_ref().filter(|l| !l.is_empty())
    }
    fn selector(se: &ServiceEntry) -> Option<&IndexMap<String, String>> {
        se.spec.workload_selector.as_ref().map(|w| &w.labels).filter(|l| !l.is_empty())
    }
    let export = |se: &ServiceEntry| match ExportTo::new(&se.spec.export_to, namespace) {
        ExportTo::Public => None,
        ExportTo::Namespaces(mut list) => {
            list.sort_unstable();
            list.dedup();
            Some(list)
        }
    };
    a.spec.resolution.unwrap_or_default() == b.spec.resolution.unwrap_or_default()
        && labels(a) == labels(b)
        && selector(a) == selector(b)
        && export(a) == export(b)
}

/// The registry entries of all ServiceEntries, one per host and namespace. Istio keeps the
/// oldest ServiceEntry's service for a host in a namespace and adds the ports of later ones
/// that differ in nothing else; a later one that differs is ignored for that host (V8,
/// `appendSidecarServices` in `sidecar.go`). Equal creation times are ordered by name, so the
/// result does not depend on the order objects were given in.
fn from_entries(
    mut entries: Vec<(&ServiceEntry, &str, Option<i128>)>,
    warnings: &mut Vec<CompileWarning>,
) -> Vec<Service> {
    let name = |se: &ServiceEntry| se.metadata.name.clone().unwrap_or_default();
    entries.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.metadata.name.cmp(&b.0.metadata.name)));
    let mut out: Vec<Service> = Vec::with_capacity(entries.iter().map(|e| e.0.spec.hosts.len()).sum());
    // (host, namespace) -> (index in `out`, the ServiceEntry it came from)
    let mut first: HashMap<(String, &str), (usize, &ServiceEntry), FixedState> = HashMap::default();
    for &(se, namespace, age) in &entries {
        for (i, service) in from_entry(se, namespace, age).into_iter().enumerate() {
            let &mut (at, older) = first.entry((service.host.clone(), namespace)).or_insert((out.len(), se));
            if at == out.len() {
                out.push(service);
            } else if std::ptr::eq(older, se) || mergeable(older, se, namespace) {
                let ports = &mut out[at].ports;
                for p in service.ports {
                    if !ports.iter().any(|q| q.number == p.number) {
                        ports.push(p);
                    }
                }
            } else {
                warnings.push(CompileWarning {
                    object: format!("ServiceEntry {namespace}/{}", name(se)),
                    field: format!("spec.hosts[{i}]"),
                    message: format!(
                        "host {} is already declared in namespace {namespace} by the older ServiceEntry {}, which differs in resolution, labels, workloadSelector or exportTo; Istio keeps that one and ignores this host",
                        service.host,
                        name(older)
                    ),
                });
            }
        }
    }
    out
}

/// Adds the registry entries of the ServiceEntries to the Kubernetes services. A
/// ServiceEntry host equal to a Kubernetes service's only decorates it (E2).
pub(crate) fn add_entries(
    services: &mut Vec<Service>,
    entries: Vec<(&ServiceEntry, &str, Option<i128>)>,
    warnings: &mut Vec<CompileWarning>,
) {
    // Most meshes have no ServiceEntry: the set below would cost one entry per service.
    if entries.is_empty() {
        return;
    }
    let entries = from_entries(entries, warnings);
    let kubernetes: HashSet<&str, FixedState> = services.iter().map(|s| s.host.as_str()).collect();
    let added: Vec<Service> = entries.into_iter().filter(|e| !kubernetes.contains(e.host.as_str())).collect();
    services.extend(added);
}

/// Adds each ExternalName alias `(alias, target)` to the first service of the target host (E4),
/// or warns that the target is not in the mesh.
pub(crate) fn add_aliases(
    services: &mut [Service],
    aliases: Vec<(String, String)>,
    warnings: &mut Vec<CompileWarning>,
) {
    // Most meshes have no alias: the table below would cost one entry per service.
    if aliases.is_empty() {
        return;
    }
    let mut first_by_host: HashMap<&str, usize, FixedState> =
        HashMap::with_capacity_and_hasher(services.len(), FixedState::default());
    for (i, s) in services.iter().enumerate() {
        first_by_host.entry(s.host.as_str()).or_insert(i);
    }
    let targets: Vec<Option<usize>> =
        aliases.iter().map(|(_, target)| first_by_host.get(target.as_str()).copied()).collect();
    for ((alias, target), first) in aliases.into_iter().zip(targets) {
        match first {
            Some(i) => services[i].aliases.push(alias),
            None => warnings.push(CompileWarning {
                object: format!("Service {alias}"),
                field: "spec.externalName".to_owned(),
                message: format!("{target} is not a service in the mesh; the alias is not routed"),
            }),
        }
    }
}

/// A Pod as a workload.
pub(crate) fn from_pod(pod: &Pod, namespace: &str) -> Workload {
    Workload {
        name: pod.metadata.name.clone().unwrap_or_default(),
        namespace: namespace.to_owned(),
        labels: pod.metadata.labels.clone().unwrap_or_default().into_iter().collect(),
    }
}

/// A Deployment's pod template as a workload named after the Deployment.
pub(crate) fn from_deployment(d: &Deployment, namespace: &str) -> Workload {
    let labels =
        d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default();
    Workload {
        name: d.metadata.name.clone().unwrap_or_default(),
        namespace: namespace.to_owned(),
        labels: labels.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_protocol_comes_from_app_protocol_then_name_prefix() {
        assert_eq!(protocol_from_name("http-web", None, 80).as_deref(), Some("HTTP"));
        assert_eq!(protocol_from_name("tcp", None, 80).as_deref(), Some("TCP"));
        assert_eq!(protocol_from_name("web", Some("grpc"), 80).as_deref(), Some("GRPC"));
        assert_eq!(protocol_from_name("grpc-web-x", None, 80).as_deref(), Some("GRPC-WEB"));
        assert_eq!(protocol_from_name("web", None, 80), None);
        assert_eq!(protocol_from_name("", None, 3306).as_deref(), Some("TCP"));
    }

    fn kube(name: &str, namespace: &str) -> Service {
        let yaml = format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{ports: [{{name: http, port: 80}}]}}\n"
        );
        let loaded = mesh_api::load_str(&yaml);
        let Some(mesh_api::Object::Service(svc)) = loaded.objects().next() else { panic!("not a Service: {yaml}") };
        from_kube(svc, namespace, "cluster.local", None).expect("a ClusterIP service")
    }

    #[test]
    fn e2_an_entry_for_a_kubernetes_host_is_not_added_and_others_are() {
        let loaded = mesh_api::load_str(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se, namespace: shop}\nspec: {hosts: [cart.shop.svc.cluster.local, api.example.com], ports: [{number: 443, name: tls, protocol: TLS}]}\n",
        );
        let Some(mesh_api::Object::ServiceEntry(se)) = loaded.objects().next() else { panic!("not a ServiceEntry") };
        let mut services = vec![kube("cart", "shop")];
        let mut warnings = Vec::new();
        add_entries(&mut services, vec![(&**se, "shop", None)], &mut warnings);
        let hosts: Vec<(&str, ServiceOrigin)> = services.iter().map(|s| (s.host.as_str(), s.origin)).collect();
        assert_eq!(
            hosts,
            [("cart.shop.svc.cluster.local", ServiceOrigin::Kubernetes), ("api.example.com", ServiceOrigin::Entry)]
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn e4_an_alias_joins_the_first_service_of_its_target_or_warns() {
        let mut services = vec![kube("cart", "shop"), kube("cart", "shop")];
        let mut warnings = Vec::new();
        let aliases = vec![
            ("basket.shop.svc.cluster.local".to_owned(), "cart.shop.svc.cluster.local".to_owned()),
            ("gone.shop.svc.cluster.local".to_owned(), "nowhere.example.com".to_owned()),
        ];
        add_aliases(&mut services, aliases, &mut warnings);
        assert_eq!(services[0].aliases, ["basket.shop.svc.cluster.local"]);
        assert!(services[1].aliases.is_empty());
        let [w] = &warnings[..] else { panic!("one warning expected: {warnings:?}") };
        assert_eq!(w.object, "Service gone.shop.svc.cluster.local");
        assert_eq!(w.field, "spec.externalName");
        assert!(w.message.starts_with("nowhere.example.com is not a service in the mesh"), "{}", w.message);
    }
}
