//! What compiling learns about each destination once the registry and DestinationRules are
//! known: the port of a single-port service (routing.md D3), whether the 503 checks give the
//! same answer for every caller (`CompiledDestination::settled`), and, through
//! [`super::references`], whether the destination leads anywhere. One pass, one lookup per
//! host.

use std::collections::HashSet;

use foldhash::fast::FixedState;

use super::destination_rule::CompiledDr;
use super::export::ExportTo;
use super::references::{At, Checker};
use super::registry::Service;
use super::virtual_service::{CompiledDestination, CompiledVs};
use crate::mesh::{Ids, Index};

/// The registry and rules the facts are read from.
pub(crate) struct Facts<'a> {
    pub(crate) services: &'a [Service],
    /// Exact hosts and aliases to services.
    pub(crate) service_index: &'a Index,
    pub(crate) wildcard_services: &'a [usize],
    pub(crate) destination_rules: &'a [CompiledDr],
    pub(crate) dr_exact: &'a Index,
    pub(crate) dr_wildcard: &'a [usize],
    /// Namespaces with at least one workload.
    pub(crate) workload_namespaces: &'a HashSet<String, FixedState>,
}

/// What is known of one host. A route's destinations usually name one host, so the last one
/// is kept: that saves most lookups in indexes far larger than a cache.
pub(crate) struct HostFacts<'a> {
    host: String,
    /// The services of the host (by exact name or alias).
    services: &'a [usize],
    /// The DestinationRules naming the host exactly.
    rules: &'a [usize],
    /// Whether a wildcard DestinationRule matches the host.
    wildcard_rule: bool,
    /// Whether any registry entry (exact, alias or wildcard) knows the host.
    pub(crate) known: bool,
}

impl<'a> Facts<'a> {
    /// Looks `host` up unless it is the last host.
    fn look_up(&self, host: &str, last: &mut Option<HostFacts<'a>>) {
        if last.as_ref().is_some_and(|l| l.host == host) {
            return;
        }
        let mut l = last.take().unwrap_or(HostFacts {
            host: String::new(),
            services: &[],
            rules: &[],
            wildcard_rule: false,
            known: false,
        });
        l.host.clear();
        l.host.push_str(host);
        l.services = self.service_index.get(host).map_or(&[][..], Ids::as_slice);
        l.rules = self.dr_exact.get(host).map_or(&[][..], Ids::as_slice);
        l.wildcard_rule = self.dr_wildcard.iter().any(|&j| self.destination_rules[j].host.matches(host));
        l.known = !l.services.is_empty()
            || self
                .wildcard_services
                .iter()
                .map(|&i| &self.services[i])
                .any(|s| s.host == host || s.aliases.iter().any(|a| a == host) || s.pattern.matches(host));
        *last = Some(l);
    }

    /// Whether a DestinationRule whose host matches the host defines `subset`.
    pub(crate) fn defines(&self, facts: &HostFacts<'_>, subset: &str) -> bool {
        let wildcard: &[usize] = if facts.wildcard_rule { self.dr_wildcard } else { &[] };
        facts
            .rules
            .iter()
            .chain(wildcard)
            .map(|&i| &self.destination_rules[i])
            .any(|dr| dr.host.matches(&facts.host) && dr.subsets.iter().any(|s| s.name == subset))
    }

    /// The port of the host's first service when it has exactly one (D3).
    fn single_port(&self, last: &HostFacts<'_>) -> Option<u32> {
        let &i = last.services.first()?;
        let ports = &self.services[i].ports;
        (ports.len() == 1).then(|| ports[0].number)
    }

    /// The destination's one service, when it has a single service every namespace sees and
    /// every caller finds the subset (if any) defined the same way, with no workload known to
    /// check endpoints against.
    fn settled(&self, last: &HostFacts<'_>, subset: Option<&str>) -> Option<usize> {
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

    /// Fills one destination and checks where it leads.
    fn fill(
        &self,
        d: &mut CompiledDestination,
        last: &mut Option<HostFacts<'a>>,
        settle: bool,
        check: &mut Checker<'_>,
        vs: (&str, &str),
        at: At,
    ) {
        self.look_up(&d.host, last);
        let Some(l) = last.as_ref() else { return };
        d.single_port = self.single_port(l);
        if settle {
            d.settled = self.settled(l, d.subset.as_deref());
        }
        check.destination(vs, at, d, self, l);
    }

    /// [`CompiledDestination::settled`] for `d`.
    pub(crate) fn settled_for(&self, d: &CompiledDestination) -> Option<usize> {
        let mut last = None;
        self.look_up(&d.host, &mut last);
        last.as_ref().and_then(|l| self.settled(l, d.subset.as_deref()))
    }

    /// Fills every destination of every VirtualService, and checks its references.
    pub(crate) fn fill_all(&self, virtual_services: &mut [CompiledVs], check: &mut Checker<'_>) {
        let mut last = None;
        for vs in virtual_services {
            check.gateways(vs);
            let CompiledVs { namespace, name, http, tls, tcp, .. } = vs;
            let vs = (namespace.as_str(), name.as_str());
            for rule in http {
                let r = rule.index;
                for (j, d) in rule.action.destinations.iter_mut().enumerate() {
                    self.fill(d, &mut last, true, check, vs, At::Http(r, j));
                }
                // Mirrors are not checked for 503s.
                for m in &mut rule.action.mirrors {
                    self.fill(&mut m.destination, &mut last, false, check, vs, At::Mirror(r));
                }
            }
            for rule in tls {
                for (j, d) in rule.action.destinations.iter_mut().enumerate() {
                    self.fill(d, &mut last, true, check, vs, At::Tls(rule.index, j));
                }
            }
            for rule in tcp {
                for (j, d) in rule.action.destinations.iter_mut().enumerate() {
                    self.fill(d, &mut last, true, check, vs, At::Tcp(rule.index, j));
                }
            }
        }
    }
}
