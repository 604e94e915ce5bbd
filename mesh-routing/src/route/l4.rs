//! TCP and TLS from a sidecar (routing.md L2, L4, L5).

use super::trace::Trace;
use crate::compile::sidecar::CompiledSidecar;
use crate::decision::{Decision, Outcome, RuleKind, RuleRef};
use crate::matchers::source::Proxy;
use crate::matchers::subnet;
use crate::mesh::Mesh;
use crate::request::Request;

pub(crate) fn sidecar_tcp<'m>(
    mesh: &'m Mesh,
    request: &Request,
    sidecar: Option<&'m CompiledSidecar>,
    trace: &mut Trace,
) -> Decision<'m> {
    let port = request.effective_port();
    let host = request.host.to_ascii_lowercase();
    let namespace = request.source_namespace.as_str();
    let proxy = Proxy { gateway: "mesh", namespace, labels: &request.source_labels };
    let Some(service) = mesh.sidecar_service(&host, namespace, port, sidecar, trace) else {
        return mesh.outbound_policy(request, sidecar, trace);
    };
    let mut d = super::sidecar_decision(mesh, request, Outcome::Route);
    if let Some(vs) = mesh.service_vs(service, namespace, port, sidecar, trace) {
        for rule in &vs.tcp {
            let hit = rule.matches.is_empty()
                || rule.matches.iter().any(|m| {
                    m.port.matches(port)
                        && m.source.matches_l4(proxy)
                        && (m.subnets.is_empty() || m.subnets.iter().any(|c| subnet::contains(c, &host)))
                });
            if hit {
                trace.note(|| format!("tcp rule {}/{} tcp[{}] decides (L2)", vs.namespace, vs.name, rule.index));
                d.virtual_service = Some(vs);
                d.rule = Some(RuleKind::Tcp).map(|kind| RuleRef { kind, index: rule.index, name: None });
                d.destinations = &rule.action.destinations;
                return d;
            }
            trace.note(|| {
                format!(
                    "tcp rule {}/{} tcp[{}] skipped: its conditions do not hold (L2)",
                    vs.namespace, vs.name, rule.index
                )
            });
        }
    }
    trace.note(|| format!("no tcp rule applies: default route to {} (L2)", service.host));
    d.destinations = &service.default_route;
    d
}

pub(crate) fn sidecar_tls<'m>(
    mesh: &'m Mesh,
    request: &Request,
    sidecar: Option<&'m CompiledSidecar>,
    trace: &mut Trace,
) -> Decision<'m> {
    let port = request.effective_port();
    let sni = request.effective_sni();
    let namespace = request.source_namespace.as_str();
    let proxy = Proxy { gateway: "mesh", namespace, labels: &request.source_labels };
    let service = mesh.sidecar_service(&sni, namespace, port, sidecar, trace);
    let vs = match service {
        Some(s) => mesh.service_vs(s, namespace, port, sidecar, trace),
        None => mesh.sidecar_vs(&sni, namespace, port, sidecar, trace),
    };
    let mut d = super::sidecar_decision(mesh, request, Outcome::Route);
    if let Some(vs) = vs {
        for rule in &vs.tls {
            let hit = rule.matches.iter().any(|m| {
                m.port.matches(port)
                    && m.source.matches_l4(proxy)
                    && m.sni.iter().any(|p| p.matches(&sni))
                    && (m.subnets.is_empty() || m.subnets.iter().any(|c| subnet::contains(c, &request.host)))
            });
            if hit {
                trace.note(|| {
                    format!("tls rule {}/{} tls[{}] matches SNI {sni:?} (L4)", vs.namespace, vs.name, rule.index)
                });
                d.virtual_service = Some(vs);
                d.rule = Some(RuleRef { kind: RuleKind::Tls, index: rule.index, name: None });
                d.destinations = &rule.action.destinations;
                return d;
            }
            trace.note(|| {
                format!(
                    "tls rule {}/{} tls[{}] skipped: SNI or conditions do not match (L4)",
                    vs.namespace, vs.name, rule.index
                )
            });
        }
    }
    match service {
        Some(s) => {
            trace.note(|| format!("no tls rule matches: passed through to {} (L1)", s.host));
            d.destinations = &s.default_route;
            d
        }
        None => mesh.outbound_policy(request, sidecar, trace),
    }
}
