//! References that lead nowhere, found once at compile time (Istio's analyzer reports them as
//! IST0101): gateways that do not exist, destination hosts no registry knows, subsets no
//! DestinationRule defines. The objects still route; requests to such places get a 503.

use std::collections::HashSet;

use foldhash::fast::FixedState;

use super::destination_rule::CompiledDr;
use super::gateway::CompiledGateway;
use super::registry::Service;
use super::virtual_service::{CompiledDestination, CompiledVs};
use crate::error::CompileWarning;
use crate::mesh::Index;

/// The registry and DestinationRules with the indexes that keep the checks linear.
pub(crate) struct Registry<'a> {
    pub(crate) services: &'a [Service],
    /// Exact hosts and aliases to services.
    pub(crate) service_index: &'a Index,
    pub(crate) wildcard_services: &'a [usize],
    pub(crate) destination_rules: &'a [CompiledDr],
    pub(crate) dr_exact: &'a Index,
    pub(crate) dr_wildcard: &'a [usize],
}

impl Registry<'_> {
    /// Whether a service (by host, alias or wildcard) is known for `host`.
    fn knows(&self, host: &str) -> bool {
        self.service_index.contains_key(host)
            || self
                .wildcard_services
                .iter()
                .map(|&i| &self.services[i])
                .any(|s| s.host == host || s.aliases.iter().any(|a| a == host) || s.pattern.matches(host))
    }

    /// Whether a DestinationRule whose host matches `host` defines `subset`, given the rules
    /// naming `host` exactly.
    fn defines(&self, exact: &[usize], host: &str, subset: &str) -> bool {
        exact
            .iter()
            .chain(self.dr_wildcard)
            .map(|&i| &self.destination_rules[i])
            .any(|dr| dr.host.matches(host) && dr.subsets.iter().any(|s| s.name == subset))
    }
}

/// The answers for the last host asked about. A route's destinations usually name one host,
/// so this saves most lookups in indexes far larger than a cache.
#[derive(Default)]
struct Last<'a> {
    host: String,
    knows: bool,
    /// The DestinationRules naming the host exactly.
    rules: &'a [usize],
}

impl<'a> Last<'a> {
    fn knows(&mut self, registry: &Registry<'a>, host: &str) -> bool {
        if self.host != host || self.host.is_empty() {
            self.host.clear();
            self.host.push_str(host);
            self.knows = registry.knows(host);
            self.rules = registry.dr_exact.get(host).map_or(&[][..], Vec::as_slice);
        }
        self.knows
    }

    /// Whether a rule for `host` defines `subset`; quickest after [`Last::knows`] for `host`.
    fn defines(&self, registry: &Registry<'a>, host: &str, subset: &str) -> bool {
        let exact =
            if self.host == host { self.rules } else { registry.dr_exact.get(host).map_or(&[][..], Vec::as_slice) };
        registry.defines(exact, host, subset)
    }
}

/// Adds a warning for every dangling reference of every VirtualService.
pub(crate) fn check(
    virtual_services: &[CompiledVs],
    registry: &Registry<'_>,
    gateways: &[CompiledGateway],
    warnings: &mut Vec<CompileWarning>,
) {
    let gateway_keys: HashSet<&str, FixedState> = gateways.iter().map(|g| g.key.as_str()).collect();
    let mut seen: HashSet<(String, String, String), FixedState> =
        warnings.iter().map(|w| (w.object.clone(), w.field.clone(), w.message.clone())).collect();
    let mut last = Last::default();
    for vs in virtual_services {
        let mut warn = |field: String, message: String| {
            let object = format!("VirtualService {}/{}", vs.namespace, vs.name);
            if seen.insert((object.clone(), field.clone(), message.clone())) {
                warnings.push(CompileWarning { object, field, message });
            }
        };
        for (i, g) in vs.gateways.iter().enumerate() {
            if g != "mesh" && !gateway_keys.contains(g.as_str()) {
                warn(
                    format!("spec.gateways[{i}]"),
                    format!("Gateway {g} does not exist; the VirtualService is not served there"),
                );
            }
        }
        let mut check_dest = |field: &dyn Fn() -> String, d: &CompiledDestination| {
            if !last.knows(registry, &d.host) {
                warn(
                    format!("{}.host", field()),
                    format!("{} is not a known service; requests to it would get a 503", d.host),
                );
                return;
            }
            if let Some(subset) = &d.subset
                && !last.defines(registry, &d.host, subset)
            {
                warn(
                    format!("{}.subset", field()),
                    format!("no DestinationRule defines subset {subset} of {}; requests to it would get a 503", d.host),
                );
            }
        };
        for r in &vs.http {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(&|| format!("spec.http[{}].route[{j}].destination", r.index), d);
            }
            for m in &r.action.mirrors {
                check_dest(&|| format!("spec.http[{}].mirror", r.index), &m.destination);
            }
        }
        for r in &vs.tls {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(&|| format!("spec.tls[{}].route[{j}].destination", r.index), d);
            }
        }
        for r in &vs.tcp {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(&|| format!("spec.tcp[{}].route[{j}].destination", r.index), d);
            }
        }
    }
}
