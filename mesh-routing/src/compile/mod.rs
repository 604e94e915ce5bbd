//! `Mesh::compile`: objects in, routing table out. Runs once per configuration snapshot.

pub(crate) mod age_order;
pub(crate) mod delegate;
pub(crate) mod destination_rule;
pub(crate) mod destinations;
pub(crate) mod export;
pub(crate) mod gateway;
pub(crate) mod parts;
pub(crate) mod references;
pub(crate) mod registry;
pub(crate) mod sidecar;
pub(crate) mod virtual_service;

use std::collections::HashSet;

use foldhash::fast::FixedState;
use mesh_api::Object;

use crate::matchers::host::HostPattern;
use crate::mesh::{Index, Mesh};
use crate::settings::MeshSettings;
use parts::Parts;

impl Mesh {
    /// Compiles a snapshot of objects: qualifies names, indexes hosts, compiles regexes and
    /// normalises weights. When several objects share a kind, namespace and name, the last
    /// one is used, as applying them in order would leave it. Objects Istio would reject, and references that lead nowhere,
    /// become [`Mesh::warnings`]; everything else still routes. Kinds routing does not read
    /// are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_routing::{Mesh, MeshSettings};
    ///
    /// let loaded = mesh_api::load_str(r#"
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: bad, namespace: shop}
    /// spec: {hosts: [cart], http: [{match: [{uri: {regex: "("}}], route: [{destination: {host: cart}}]}]}
    /// "#);
    /// let objects: Vec<_> = loaded.objects().cloned().collect();
    /// let mesh = Mesh::compile(&objects, &MeshSettings::default());
    /// assert!(!mesh.warnings().is_empty());
    /// ```
    pub fn compile(objects: &[Object], settings: &MeshSettings) -> Mesh {
        let domain = settings.cluster_domain.as_str();
        let Parts {
            mut warnings,
            mut services,
            entries,
            aliases,
            mut workloads,
            mut virtual_services,
            mut destination_rules,
            mut gateways,
            mut sidecars,
        } = Parts::compile(objects, domain);

        registry::add_entries(&mut services, entries, &mut warnings);
        registry::add_aliases(&mut services, aliases, &mut warnings);

        age_order::sort_by_age(&mut virtual_services, virtual_service::CompiledVs::age);
        age_order::sort_by_age(&mut destination_rules, destination_rule::CompiledDr::age);
        age_order::sort_by_age(&mut gateways, gateway::CompiledGateway::age);
        age_order::sort_by_age(&mut sidecars, sidecar::CompiledSidecar::age);

        delegate::resolve(&mut virtual_services, &mut warnings);

        // Sized up front: growing a table of 100,000 hosts rehashes every key several times.
        let mut service_index: Index = Index::with_capacity_and_hasher(services.len(), FixedState::default());
        let mut address_index: Index = Index::default();
        let mut wildcard_services = Vec::new();
        for (i, s) in services.iter().enumerate() {
            if s.pattern.is_wildcard() {
                wildcard_services.push(i);
            } else {
                service_index.entry(s.host.clone()).or_default().push(i);
            }
            for a in &s.aliases {
                service_index.entry(a.clone()).or_default().push(i);
            }
            for a in &s.addresses {
                address_index.entry(a.clone()).or_default().push(i);
            }
        }

        let mut dr_exact: Index = Index::with_capacity_and_hasher(destination_rules.len(), FixedState::default());
        let mut dr_wildcard = Vec::new();
        for (i, dr) in destination_rules.iter().enumerate() {
            match &dr.host {
                HostPattern::Exact(host) => dr_exact.entry(host.clone()).or_default().push(i),
                _ => dr_wildcard.push(i),
            }
        }

        let workload_namespaces: HashSet<String, FixedState> =
            workloads.iter().map(|w: &registry::Workload| w.namespace.clone()).collect();
        let facts = destinations::Facts {
            services: &services,
            service_index: &service_index,
            wildcard_services: &wildcard_services,
            destination_rules: &destination_rules,
            dr_exact: &dr_exact,
            dr_wildcard: &dr_wildcard,
            workload_namespaces: &workload_namespaces,
        };
        facts.fill_all(&mut virtual_services, &mut references::Checker::new(&gateways, &mut warnings));
        let settled: Vec<Option<usize>> =
            services.iter().flat_map(|s| &s.default_route).map(|d| facts.settled_for(d)).collect();
        for (d, settled) in services.iter_mut().flat_map(|s| &mut s.default_route).zip(settled) {
            d.settled = settled;
        }

        let mut vs_exact: Index = Index::with_capacity_and_hasher(virtual_services.len(), FixedState::default());
        let mut vs_wildcard = Vec::new();
        for (i, vs) in virtual_services.iter().enumerate() {
            for h in &vs.hosts {
                if h.is_wildcard() {
                    if vs_wildcard.last() != Some(&i) {
                        vs_wildcard.push(i);
                    }
                } else {
                    vs_exact.entry(h.to_string()).or_default().push(i);
                }
            }
        }

        for s in &mut services {
            s.vs_claims = vs_exact.get(&s.host).cloned().unwrap_or_default();
            s.mesh_vs = match s.vs_claims[..] {
                [i] => {
                    let vs = &virtual_services[i];
                    (!vs.is_delegate && vs.binds("mesh") && vs.export_to == export::ExportTo::Public).then_some(i)
                }
                _ => None,
            };
        }
        // Endpoints are listed, and gateway pods found, in name order whatever the input order.
        workloads.sort_by(|a, b| (&a.namespace, &a.name, &a.labels).cmp(&(&b.namespace, &b.name, &b.labels)));

        Mesh {
            settings: settings.clone(),
            services,
            service_index,
            address_index,
            wildcard_services,
            workloads,
            workload_namespaces,
            virtual_services,
            vs_exact,
            vs_wildcard,
            destination_rules,
            dr_exact,
            dr_wildcard,
            gateways,
            sidecars,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Mesh, MeshSettings, Request};

    #[test]
    fn a_later_object_with_the_same_kind_namespace_and_name_replaces_the_earlier() {
        let loaded = mesh_api::load_str(
            r"
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v3}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: other}
spec: {hosts: [ratings], http: [{route: [{destination: {host: ratings}}]}]}
",
        );
        let objects: Vec<_> = loaded.objects().cloned().collect();
        let mesh = Mesh::compile(&objects, &MeshSettings::default());
        let d = mesh.route(&Request::http("reviews").port(9080));
        assert_eq!(d.destination().and_then(|d| d.subset), Some("v3"));
        let replaced: Vec<_> =
            mesh.warnings().iter().filter(|w| w.message.starts_with("replaced by a later VirtualService")).collect();
        assert_eq!(replaced.len(), 1, "{:?}", mesh.warnings());
        assert_eq!(replaced[0].object, "VirtualService default/reviews");
    }
}
