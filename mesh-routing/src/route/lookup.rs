//! Lookups shared by every routing path: Sidecar scope, services, the VirtualService that
//! owns a host, DestinationRules and endpoints.

use std::borrow::Cow;
use std::cmp::Ordering;

use mesh_api::networking::TrafficPolicy;

use super::name::NameBuf;
use super::trace::Trace;
use crate::compile::destination_rule::{CompiledDr, CompiledSubset};
use crate::compile::export::ExportTo;
use crate::compile::gateway::CompiledGateway;
use crate::compile::registry::{Service, ServiceOrigin};
use crate::compile::sidecar::CompiledSidecar;
use crate::compile::virtual_service::CompiledVs;
use crate::matchers::host::HostPattern;
use crate::matchers::source::labels_subset;
use crate::mesh::{Ids, Mesh};

/// The DestinationRules in force for one host, merged as Istio does (P3): oldest first.
#[derive(Clone, Debug, Default)]
pub(crate) struct DrSet<'m> {
    first: Option<&'m CompiledDr>,
    /// Rules merged after the first; usually none, and then nothing is allocated.
    rest: Vec<&'m CompiledDr>,
}

impl<'m> DrSet<'m> {
    fn push(&mut self, rule: &'m CompiledDr) {
        match self.first {
            None => self.first = Some(rule),
            Some(_) => self.rest.push(rule),
        }
    }

    /// The rules, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'m CompiledDr> + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }

    /// The oldest rule.
    pub(crate) fn first(&self) -> Option<&'m CompiledDr> {
        self.first
    }

    /// Whether no rule applies.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The first definition of a subset.
    pub(crate) fn subset(&self, name: &str) -> Option<&'m CompiledSubset> {
        self.iter().find_map(|d| d.subsets.iter().find(|s| s.name == name))
    }

    /// The oldest top-level policy.
    pub(crate) fn policy(&self) -> Option<&'m TrafficPolicy> {
        self.iter().find_map(|d| d.traffic_policy.as_deref())
    }
}

/// How a proxy in `namespace` orders services of one host (V8): its own namespace's first,
/// then a Kubernetes Service over a ServiceEntry, then those exported to it by name over
/// public ones (the order of `servicesExportedToNamespace`), then the oldest, then by
/// namespace, so the choice never depends on the order objects were given in.
fn preference(a: &Service, b: &Service, namespace: &str) -> Ordering {
    let key = |s: &Service| {
        (s.namespace != namespace, s.origin != ServiceOrigin::Kubernetes, !s.export_to.lists(namespace), s.age.0)
    };
    key(a).cmp(&key(b)).then_with(|| a.namespace.cmp(&b.namespace))
}

/// Where VirtualServices come from relative to the proxy (V3): own namespace listing it, other
/// namespaces listing it, then public ones; oldest first inside each group.
pub(crate) fn v3_order(a: &CompiledVs, b: &CompiledVs, proxy_ns: &str) -> Ordering {
    let group = |v: &CompiledVs| {
        if v.export_to.lists(proxy_ns) { if v.namespace == proxy_ns { 0 } else { 1 } } else { 2 }
    };
    group(a).cmp(&group(b)).then_with(|| a.age().cmp(&b.age()))
}

impl Mesh {
    /// The Sidecar resource of a workload (V4).
    #[inline]
    pub(crate) fn sidecar_for(&self, namespace: &str, labels: &[(String, String)]) -> Option<&CompiledSidecar> {
        if self.sidecars.is_empty() {
            return None;
        }
        let here = |s: &&CompiledSidecar| s.namespace == namespace;
        self.sidecars
            .iter()
            .filter(here)
            .find(|s| s.selector.as_ref().is_some_and(|sel| labels_subset(sel, labels)))
            .or_else(|| self.sidecars.iter().filter(here).find(|s| s.selector.is_none()))
            .or_else(|| {
                self.sidecars.iter().find(|s| s.namespace == self.settings.root_namespace && s.selector.is_none())
            })
    }

    /// Whether a proxy in `namespace` (with `sidecar`) can reach `service` on `port`.
    #[inline]
    fn reachable(&self, service: &Service, namespace: &str, port: u32, sidecar: Option<&CompiledSidecar>) -> bool {
        service.export_to.visible_to(namespace)
            && service.has_port(port)
            && sidecar.is_none_or(|s| s.imports(&service.namespace, &service.pattern, port))
    }

    /// Picks one of several services with the same name (V8).
    #[inline]
    fn prefer<'m>(&'m self, ids: impl Iterator<Item = usize>, namespace: &str) -> Option<&'m Service> {
        // Without `min_by`, a single candidate (the usual case) is not compared at all.
        let mut found = ids.map(|i| &self.services[i]);
        let first = found.next()?;
        Some(found.fold(first, |best, s| if preference(s, best, namespace).is_lt() { s } else { best }))
    }

    /// The preferred of `ids` that a proxy in `namespace` (with `sidecar`) can reach on `port`.
    #[inline]
    fn reachable_service(
        &self,
        ids: &[usize],
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
    ) -> Option<&Service> {
        let ok = ids.iter().copied().filter(|&i| self.reachable(&self.services[i], namespace, port, sidecar));
        self.prefer(ok, namespace)
    }

    /// The service a sidecar reaches for a Host header, SNI or address (H6, V7, V8, E4).
    pub(crate) fn sidecar_service(
        &self,
        host: &str,
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
        trace: &mut Trace,
    ) -> Option<&Service> {
        // The name as written first: requests usually name a service by its full name, and
        // then no qualified name need be built.
        if let Some(s) =
            self.service_index.get(host).and_then(|ids| self.reachable_service(ids, namespace, port, sidecar))
        {
            trace.note(|| format!("host {host:?} is service {} (namespace {})", s.host, s.namespace));
            return Some(s);
        }
        let domain = self.settings.cluster_domain.as_str();
        // Only 0, 1 and 2 dots matter: stop counting at 3.
        let dots = host.bytes().filter(|&b| b == b'.').take(3).count();
        let mut buf = None;
        let mut join = |parts: &[&str]| Some(buf.insert(NameBuf::new()).join(parts).len());
        let qualified_len = if dots == 0 && !host.is_empty() {
            join(&[host, ".", namespace, ".svc.", domain])
        } else if dots == 1 {
            join(&[host, ".svc.", domain])
        } else if dots == 2 && host.ends_with(".svc") {
            join(&[host, ".", domain])
        } else {
            None
        };
        let qualified = qualified_len.and(buf.as_ref()).map(NameBuf::as_str);
        for (n, name) in std::iter::once(host).chain(qualified).enumerate() {
            // The name as written was tried above: look it up again only to explain why it
            // was passed over.
            if n == 0 && !trace.is_on() {
                continue;
            }
            if let Some(ids) = self.service_index.get(name) {
                if n > 0
                    && let Some(s) = self.reachable_service(ids, namespace, port, sidecar)
                {
                    trace.note(|| format!("host {host:?} is service {} (namespace {})", s.host, s.namespace));
                    return Some(s);
                }
                trace.note(|| {
                    format!("service {name} exists but is not reachable from namespace {namespace} on port {port} (exportTo, Sidecar egress or missing port)")
                });
            }
        }
        if let Some(ids) = self.address_index.get(host) {
            // E5: the older of two services claiming one address wins.
            let ok = ids
                .iter()
                .map(|&i| &self.services[i])
                .filter(|s| self.reachable(s, namespace, port, sidecar))
                .min_by(|a, b| a.age.cmp(&b.age).then_with(|| a.namespace.cmp(&b.namespace)));
            if let Some(s) = ok {
                trace.note(|| format!("address {host} belongs to service {}", s.host));
                return Some(s);
            }
        }
        let found = self
            .wildcard_services
            .iter()
            .map(|&i| &self.services[i])
            .filter(|s| s.pattern.matches(host) && self.reachable(s, namespace, port, sidecar))
            .min_by(|a, b| a.pattern.specificity(&b.pattern).then_with(|| preference(a, b, namespace)));
        if let Some(s) = found {
            trace.note(|| format!("host {host:?} falls under ServiceEntry host {}", s.host));
        }
        found
    }

    /// A service by exact host as any proxy in `namespace` sees it (destinations, G7).
    pub(crate) fn service_by_host(&self, host: &str, namespace: &str) -> Option<&Service> {
        if let Some(ids) = self.service_index.get(host) {
            let visible = ids.iter().copied().filter(|&i| self.services[i].export_to.visible_to(namespace));
            if let Some(s) = self.prefer(visible, namespace) {
                return Some(s);
            }
        }
        self.wildcard_services
            .iter()
            .map(|&i| &self.services[i])
            .filter(|s| s.pattern.matches(host) && s.export_to.visible_to(namespace))
            .min_by(|a, b| a.pattern.specificity(&b.pattern).then_with(|| preference(a, b, namespace)))
    }

    /// Whether a mesh-bound VS is usable by a sidecar in `namespace` (S1, V1, V6).
    #[inline]
    fn sidecar_sees(
        &self,
        vs: &CompiledVs,
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
    ) -> Result<(), String> {
        if vs.is_delegate {
            return Err("it is a delegate (no hosts)".to_owned());
        }
        if !vs.binds("mesh") {
            return Err(format!("it is bound to gateways {:?}, not mesh (S1)", vs.gateways));
        }
        if !vs.export_to.visible_to(namespace) {
            return Err(format!("it is not exported to namespace {namespace} (V1)"));
        }
        if let Some(sc) = sidecar
            && !vs.hosts.iter().any(|h| sc.imports(&vs.namespace, h, port))
        {
            return Err(format!("Sidecar {}/{} does not import its hosts (V5)", sc.namespace, sc.name));
        }
        Ok(())
    }

    /// The VirtualService that decides `host` at a sidecar: exact host first, then the most
    /// specific wildcard; among equals the first in V3 order (S2, S3, H5).
    pub(crate) fn sidecar_vs(
        &self,
        host: &str,
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
        trace: &mut Trace,
    ) -> Option<&CompiledVs> {
        let claims = self.vs_exact.get(host).map_or(&[][..], Ids::as_slice);
        self.sidecar_vs_among(host, claims, namespace, port, sidecar, trace)
    }

    /// [`Mesh::sidecar_vs`] for a registry service, whose claims were found when compiling.
    #[inline]
    pub(crate) fn service_vs(
        &self,
        service: &Service,
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
        trace: &mut Trace,
    ) -> Option<&CompiledVs> {
        if let (Some(i), None) = (service.mesh_vs, sidecar) {
            return Some(&self.virtual_services[i]);
        }
        self.sidecar_vs_among(&service.host, &service.vs_claims, namespace, port, sidecar, trace)
    }

    /// [`Mesh::sidecar_vs`] given the VirtualServices claiming `host` exactly.
    #[inline]
    fn sidecar_vs_among(
        &self,
        host: &str,
        claims: &[usize],
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
        trace: &mut Trace,
    ) -> Option<&CompiledVs> {
        // The first in V3 order, as a stable sort would put it.
        let mut first: Option<&CompiledVs> = None;
        for &i in claims {
            let vs = &self.virtual_services[i];
            match self.sidecar_sees(vs, namespace, port, sidecar) {
                Ok(()) => {
                    if first.is_none_or(|f| v3_order(vs, f, namespace) == Ordering::Less) {
                        first = Some(vs);
                    }
                }
                Err(why) => trace.note(|| format!("VirtualService {}/{} skipped: {why}", vs.namespace, vs.name)),
            }
        }
        if let Some(first) = first {
            let mut rest: Vec<&CompiledVs> = Vec::new();
            if trace.is_on() {
                rest = claims
                    .iter()
                    .map(|&i| &self.virtual_services[i])
                    .filter(|vs| !std::ptr::eq(*vs, first) && self.sidecar_sees(vs, namespace, port, sidecar).is_ok())
                    .collect();
                rest.sort_by(|a, b| v3_order(a, b, namespace));
            }
            for vs in rest {
                trace.note(|| {
                    format!(
                        "VirtualService {}/{} skipped: {}/{} claims host {host} first; sidecars do not merge (S2)",
                        vs.namespace, vs.name, first.namespace, first.name
                    )
                });
            }
            return Some(first);
        }
        self.wildcard_vs(host, |_| true, |vs| self.sidecar_sees(vs, namespace, port, sidecar), namespace, trace)
    }

    /// The VS whose most specific wildcard host matches `host`.
    fn wildcard_vs(
        &self,
        host: &str,
        host_ok: impl Fn(&HostPattern) -> bool,
        eligible: impl Fn(&CompiledVs) -> Result<(), String>,
        namespace: &str,
        trace: &mut Trace,
    ) -> Option<&CompiledVs> {
        let mut found: Vec<(&HostPattern, &CompiledVs)> = Vec::new();
        for &i in &self.vs_wildcard {
            let vs = &self.virtual_services[i];
            let Some(best) = vs.hosts.iter().filter(|h| h.matches(host) && host_ok(h)).min_by(|a, b| a.specificity(b))
            else {
                continue;
            };
            match eligible(vs) {
                Ok(()) => found.push((best, vs)),
                Err(why) => trace.note(|| format!("VirtualService {}/{} skipped: {why}", vs.namespace, vs.name)),
            }
        }
        found.sort_by(|a, b| a.0.specificity(b.0).then_with(|| v3_order(a.1, b.1, namespace)));
        let (first, rest) = found.split_first()?;
        for (h, vs) in rest {
            trace.note(|| {
                format!(
                    "VirtualService {}/{} skipped: host {h} is less specific or newer than {} (S3, H5)",
                    vs.namespace, vs.name, first.0
                )
            });
        }
        Some(first.1)
    }

    /// A mesh VS for a host outside the registry: only on port 80 (S6).
    pub(crate) fn sidecar_literal_vs(
        &self,
        host: &str,
        namespace: &str,
        port: u32,
        sidecar: Option<&CompiledSidecar>,
        trace: &mut Trace,
    ) -> Option<&CompiledVs> {
        if port != 80 {
            trace.note(|| {
                format!("host {host:?} is in no registry; VirtualServices for such hosts apply only on port 80 (S6)")
            });
            return None;
        }
        let eligible = |vs: &CompiledVs| self.sidecar_sees(vs, namespace, port, sidecar);
        let exact = self
            .vs_exact
            .get(host)
            .into_iter()
            .flatten()
            .map(|&i| &self.virtual_services[i])
            .filter(|vs| eligible(vs).is_ok())
            .min_by(|a, b| v3_order(a, b, namespace));
        if exact.is_some() {
            return exact;
        }
        // S3: a wildcard host that covers registry services routes those services only; it
        // gets no virtual host of its own.
        let covers_services = |h: &HostPattern| {
            self.services.iter().any(|s| s.export_to.visible_to(namespace) && h.intersects(&s.pattern))
        };
        let found = self.wildcard_vs(host, |h| !covers_services(h), eligible, namespace, trace);
        if found.is_none()
            && self.vs_wildcard.iter().any(|&i| self.virtual_services[i].hosts.iter().any(|h| h.matches(host)))
        {
            trace.note(|| {
                format!("wildcard VirtualService hosts matching {host:?} cover registry services, so they route only those (S3)")
            });
        }
        found
    }

    /// The DestinationRules for `host` as a proxy in `namespace` sees them (P2, P3, P4).
    pub(crate) fn destination_rules(
        &self,
        host: &str,
        service_namespace: Option<&str>,
        namespace: &str,
        labels: &[(String, String)],
    ) -> DrSet<'_> {
        let root = self.settings.root_namespace.as_str();
        // P2: the caller's namespace, the service's, then the root namespace. A root caller's
        // first step sees only root rules exported to the root alone.
        let mut buckets = [namespace; 3];
        let mut count = 1;
        for ns in [service_namespace.unwrap_or(namespace), root] {
            if !buckets[..count].contains(&ns) || (namespace == root && ns == root) {
                buckets[count] = ns;
                count += 1;
            }
        }
        // Rules whose host can match: those for exactly this host, then the wildcard ones. Each
        // list is in age order, and the rules merged below share one host, so one list.
        let exact = self.dr_exact.get(host).map_or(&[][..], Ids::as_slice);
        let candidates = || exact.iter().chain(&self.dr_wildcard).map(|&i| &self.destination_rules[i]);
        let only_root =
            |d: &CompiledDr| matches!(&d.export_to, ExportTo::Namespaces(l) if l.len() == 1 && l[0] == root);
        let order = |a: &CompiledDr, b: &CompiledDr| {
            a.host
                .specificity(&b.host)
                .then_with(|| b.selector.is_some().cmp(&a.selector.is_some()))
                .then_with(|| a.age().cmp(&b.age()))
        };
        // A caller in the root namespace first looks at root rules exported only to itself.
        let private_first = namespace == root;
        for (step, &bucket) in buckets[..count].iter().enumerate() {
            let only_private = private_first && step == 0;
            let applies = |d: &CompiledDr| {
                d.namespace == bucket
                    && d.export_to.visible_to(namespace)
                    && d.host.matches(host)
                    && (!only_private || only_root(d))
                    && match &d.selector {
                        Some(sel) => d.namespace == namespace && labels_subset(sel, labels),
                        None => true,
                    }
            };
            let Some(best) = candidates().filter(|d| applies(d)).min_by(|a, b| order(a, b)) else {
                continue;
            };
            let mut set = DrSet::default();
            candidates()
                .filter(|d| applies(d) && d.host == best.host && d.selector.is_some() == best.selector.is_some())
                .for_each(|d| set.push(d));
            return set;
        }
        DrSet::default()
    }

    /// Names of the pods behind `service` whose labels include `subset` (P6).
    pub(crate) fn endpoints(&self, service: &Service, subset: &[(String, String)]) -> Vec<&str> {
        let Some(selector) = service.selector.as_ref().filter(|s| !s.is_empty()) else { return Vec::new() };
        self.workloads
            .iter()
            .filter(|w| {
                w.namespace == service.namespace
                    && labels_subset(selector, &w.labels)
                    && labels_subset(subset, &w.labels)
            })
            .map(|w| w.name.as_str())
            .collect()
    }

    /// Whether any workload is known in `namespace` (endpoint warnings need some).
    pub(crate) fn knows_workloads_in(&self, namespace: &str) -> bool {
        !self.workload_namespaces.is_empty() && self.workload_namespaces.contains(namespace)
    }

    /// The namespace and labels of the pods a Gateway selects (G3). Without a matching pod in
    /// the configuration, a pod carrying exactly the selector's labels in the root namespace
    /// (where Istio installs its gateways) is assumed.
    pub(crate) fn gateway_pod(&self, gateway: &CompiledGateway) -> (&str, Cow<'_, [(String, String)]>) {
        match self
            .workloads
            .iter()
            .find(|w| labels_subset(&gateway.selector, &w.labels) && !gateway.selector.is_empty())
        {
            Some(w) => (&w.namespace, Cow::Borrowed(&w.labels)),
            None => (&self.settings.root_namespace, Cow::Owned(gateway.selector.clone())),
        }
    }
}
