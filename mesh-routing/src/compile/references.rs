//! References that lead nowhere, found once at compile time (Istio's analyzer reports them as
//! IST0101): gateways that do not exist, destination hosts no registry knows, subsets no
//! DestinationRule defines. The objects still route; requests to such places get a 503.

use super::destination_rule::CompiledDr;
use super::gateway::CompiledGateway;
use super::registry::Service;
use super::virtual_service::{CompiledDestination, CompiledVs};
use crate::error::CompileWarning;

/// Adds a warning for every dangling reference of every VirtualService.
pub(crate) fn check(
    virtual_services: &[CompiledVs],
    services: &[Service],
    destination_rules: &[CompiledDr],
    gateways: &[CompiledGateway],
    warnings: &mut Vec<CompileWarning>,
) {
    for vs in virtual_services {
        let object = format!("VirtualService {}/{}", vs.namespace, vs.name);
        let mut warn = |field: String, message: String| {
            if !warnings.iter().any(|w| w.object == object && w.field == field && w.message == message) {
                warnings.push(CompileWarning { object: object.clone(), field, message });
            }
        };
        for (i, g) in vs.gateways.iter().enumerate() {
            if g != "mesh" && !gateways.iter().any(|gw| gw.key == *g) {
                warn(
                    format!("spec.gateways[{i}]"),
                    format!("Gateway {g} does not exist; the VirtualService is not served there"),
                );
            }
        }
        let mut check_dest = |field: String, d: &CompiledDestination| {
            let known =
                services.iter().any(|s| s.host == d.host || s.aliases.contains(&d.host) || s.pattern.matches(&d.host));
            if !known {
                warn(
                    format!("{field}.host"),
                    format!("{} is not a known service; requests to it would get a 503", d.host),
                );
                return;
            }
            if let Some(subset) = &d.subset {
                let defined = destination_rules
                    .iter()
                    .any(|dr| dr.host.matches(&d.host) && dr.subsets.iter().any(|s| s.name == *subset));
                if !defined {
                    warn(
                        format!("{field}.subset"),
                        format!(
                            "no DestinationRule defines subset {subset} of {}; requests to it would get a 503",
                            d.host
                        ),
                    );
                }
            }
        };
        for r in &vs.http {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(format!("spec.http[{}].route[{j}].destination", r.index), d);
            }
            for m in &r.action.mirrors {
                check_dest(format!("spec.http[{}].mirror", r.index), &m.destination);
            }
        }
        for r in &vs.tls {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(format!("spec.tls[{}].route[{j}].destination", r.index), d);
            }
        }
        for r in &vs.tcp {
            for (j, d) in r.action.destinations.iter().enumerate() {
                check_dest(format!("spec.tcp[{}].route[{j}].destination", r.index), d);
            }
        }
    }
}
