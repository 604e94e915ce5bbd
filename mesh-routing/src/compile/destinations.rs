//! What compiling learns about each destination once the registry and DestinationRules are
//! known: the port of a single-port service (routing.md D3), and whether the 503 checks give
//! the same answer for every caller (`CompiledDestination::settled`).

use std::collections::HashSet;

use foldhash::fast::FixedState;

use super::destination_rule::CompiledDr;
use super::export::ExportTo;
use super::registry::Service;
use super::virtual_service::{CompiledDestination, CompiledVs};
use crate::mesh::Index;

/// The registry and rules the facts are read from.
pub(crate) struct Facts<'a> {
    pub(crate) services: &'a [Service],
    pub(crate) service_index: &'a Index,
    pub(crate) destination_rules: &'a [CompiledDr],
    pub(crate) dr_exact: &'a Index,
    pub(crate) dr_wildcard: &'a [usize],
    /// Namespaces with at least one workload.
    pub(crate) workload_namespaces: &'a HashSet<String, FixedState>,
}

/// What is known of the last host looked up. A route's destinations usually name one host,
/// so this saves most lookups in indexes far larger than a cache.
struct Last<'a> {
    host: String,
    /// The services of the host.
    services: &'a [usize],
    /// The DestinationRules naming the host exactly.
    rules: &'a [usize],
    /// Whether a wildcard DestinationRule matches the host.
    wildcard_rule: bool,
}

impl<'a> Facts<'a> {
    /// Looks `host` up unless it is the last host.
    fn look_up(&self, host: &str, last: &mut Option<Last<'a>>) {
        if last.as_ref().is_some_and(|l| l.host == host) {
            return;
        }
        let mut l =
            last.take().unwrap_or(Last { host: String::new(), services: &[], rules: &[], wildcard_rule: false });
        l.host.clear();
        l.host.push_str(host);
        l.services = self.service_index.get(host).map_or(&[][..], Vec::as_slice);
        l.rules = self.dr_exact.get(host).map_or(&[][..], Vec::as_slice);
        l.wildcard_rule = self.dr_wildcard.iter().any(|&j| self.destination_rules[j].host.matches(host));
        *last = Some(l);
    }

    /// The port of the host's first service when it has exactly one (D3).
    fn single_port(&self, last: &Last<'_>) -> Option<u32> {
        let &i = last.services.first()?;
        let ports = &self.services[i].ports;
        (ports.len() == 1).then(|| ports[0].number)
    }

    /// The destination's one service, when it has a single service every namespace sees and
    /// every caller finds the subset (if any) defined the same way, with no workload known to
    /// check endpoints against.
    fn settled(&self, last: &Last<'_>, subset: Option<&str>) -> Option<usize> {
        let &[i] = last.services else { return None };
        let service = &self.services[i];
        if service.export_to != ExportTo::Public {
            return None;
        }
        let Some(subset) = subset else { return Some(i) };
        // Every rule for the host is for exactly that host, in the service's namespace,
        // public and without selector: then every caller finds the same set (P2, P3).
        if last.wildcard_rule {
            return None;
        }
        let mut defined = false;
        for &j in last.rules {
            let dr = &self.destination_rules[j];
            if dr.namespace != service.namespace || dr.export_to != ExportTo::Public || dr.selector.is_some() {
                return None;
            }
            defined |= dr.subsets.iter().any(|s| s.name == subset);
        }
        (defined && !self.workload_namespaces.contains(&service.namespace)).then_some(i)
    }

    /// Fills one destination.
    fn fill(&self, d: &mut CompiledDestination, last: &mut Option<Last<'a>>, settle: bool) {
        self.look_up(&d.host, last);
        let Some(l) = last.as_ref() else { return };
        d.single_port = self.single_port(l);
        if settle {
            d.settled = self.settled(l, d.subset.as_deref());
        }
    }

    /// [`CompiledDestination::settled`] for `d`.
    pub(crate) fn settled_for(&self, d: &CompiledDestination) -> Option<usize> {
        let mut last = None;
        self.look_up(&d.host, &mut last);
        last.as_ref().and_then(|l| self.settled(l, d.subset.as_deref()))
    }

    /// Fills every destination of every VirtualService.
    pub(crate) fn fill_all(&self, virtual_services: &mut [CompiledVs]) {
        let mut last = None;
        for vs in virtual_services {
            for rule in &mut vs.http {
                for d in &mut rule.action.destinations {
                    self.fill(d, &mut last, true);
                }
                // Mirrors are not checked for 503s.
                for m in &mut rule.action.mirrors {
                    self.fill(&mut m.destination, &mut last, false);
                }
            }
            for d in vs.tls.iter_mut().flat_map(|r| r.action.destinations.iter_mut()) {
                self.fill(d, &mut last, true);
            }
            for d in vs.tcp.iter_mut().flat_map(|r| r.action.destinations.iter_mut()) {
                self.fill(d, &mut last, true);
            }
        }
    }
}
