//! References that lead nowhere, found once at compile time (Istio's analyzer reports them as
//! IST0101): gateways that do not exist, destination hosts no registry knows, subsets no
//! DestinationRule defines. The objects still route; requests to such places get a 503.
//! Destinations are checked during [`super::destinations::Facts::fill_all`]'s pass, which
//! looks each host up once for both.

use std::collections::HashSet;

use foldhash::fast::FixedState;

use super::destinations::{Facts, HostFacts};
use super::gateway::CompiledGateway;
use super::virtual_service::{CompiledDestination, CompiledVs};
use crate::error::CompileWarning;

/// Where a destination is written in its VirtualService: rule index, then route index.
#[derive(Clone, Copy)]
pub(crate) enum At {
    Http(usize, usize),
    Mirror(usize),
    Tls(usize, usize),
    Tcp(usize, usize),
}

impl At {
    fn field(self) -> String {
        match self {
            At::Http(r, j) => format!("spec.http[{r}].route[{j}].destination"),
            At::Mirror(r) => format!("spec.http[{r}].mirror"),
            At::Tls(r, j) => format!("spec.tls[{r}].route[{j}].destination"),
            At::Tcp(r, j) => format!("spec.tcp[{r}].route[{j}].destination"),
        }
    }
}

/// Collects the warnings, each once.
pub(crate) struct Checker<'a> {
    gateway_keys: HashSet<&'a str, FixedState>,
    seen: HashSet<(String, String, String), FixedState>,
    warnings: &'a mut Vec<CompileWarning>,
}

impl<'a> Checker<'a> {
    /// A checker adding to `warnings` (never repeating one already there).
    pub(crate) fn new(gateways: &'a [CompiledGateway], warnings: &'a mut Vec<CompileWarning>) -> Self {
        Self {
            gateway_keys: gateways.iter().map(|g| g.key.as_str()).collect(),
            seen: warnings.iter().map(|w| (w.object.clone(), w.field.clone(), w.message.clone())).collect(),
            warnings,
        }
    }

    fn warn(&mut self, (namespace, name): (&str, &str), field: String, message: String) {
        let object = format!("VirtualService {namespace}/{name}");
        if self.seen.insert((object.clone(), field.clone(), message.clone())) {
            self.warnings.push(CompileWarning { object, field, message });
        }
    }

    /// Checks the gateways a VirtualService binds to.
    pub(crate) fn gateways(&mut self, vs: &CompiledVs) {
        for (i, g) in vs.gateways.iter().enumerate() {
            if g != "mesh" && !self.gateway_keys.contains(g.as_str()) {
                self.warn(
                    (&vs.namespace, &vs.name),
                    format!("spec.gateways[{i}]"),
                    format!("Gateway {g} does not exist; the VirtualService is not served there"),
                );
            }
        }
    }

    /// Checks one destination of the VirtualService `vs` (namespace, name), given what is
    /// known of its host.
    pub(crate) fn destination(
        &mut self,
        vs: (&str, &str),
        at: At,
        d: &CompiledDestination,
        facts: &Facts<'_>,
        host: &HostFacts<'_>,
    ) {
        if !host.known {
            self.warn(
                vs,
                format!("{}.host", at.field()),
                format!("{} is not a known service; requests to it would get a 503", d.host),
            );
            return;
        }
        if let Some(subset) = &d.subset
            && !facts.defines(host, subset)
        {
            self.warn(
                vs,
                format!("{}.subset", at.field()),
                format!("no DestinationRule defines subset {subset} of {}; requests to it would get a 503", d.host),
            );
        }
    }
}
