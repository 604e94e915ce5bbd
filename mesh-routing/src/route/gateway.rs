//! Requests entering through a Gateway (routing.md §4, S4, L1, L3).

use std::borrow::Cow;

use super::http::{evaluate, static_ok};
use super::lookup::v3_order;
use super::trace::Trace;
use crate::compile::gateway::{CompiledGateway, CompiledServer, ServerKind};
use crate::compile::virtual_service::{CompiledVs, HttpRule};
use crate::decision::{Decision, Outcome, RuleKind, RuleRef};
use crate::matchers::host::{HostPattern, strip_port};
use crate::matchers::source::{Proxy, labels_subset};
use crate::mesh::Mesh;
use crate::request::Request;

/// Whether `vs` may bind to server host `sh` of gateway `g` and is visible to the pod (V2, G5).
fn binds<'a>(
    vs: &CompiledVs,
    g: &CompiledGateway,
    server: &'a CompiledServer,
    pod_ns: &str,
) -> Vec<(&'a HostPattern, HostPattern)> {
    if vs.is_delegate || !vs.binds(&g.key) || !vs.export_to.visible_to(pod_ns) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for sh in &server.hosts {
        if sh.namespace.as_deref().is_some_and(|n| n != vs.namespace) {
            continue;
        }
        for h in &vs.hosts {
            if let Some(domain) = h.intersection(&sh.host) {
                out.push((&sh.host, domain));
            }
        }
    }
    out
}

pub(crate) fn route<'m>(mesh: &'m Mesh, request: &Request, gateway: &str, trace: &mut Trace) -> Decision<'m> {
    let mut d = Decision::new(mesh, request, Outcome::Refused);
    d.at_gateway = true;
    let Some(gw) = mesh.gateways.iter().find(|g| g.key == gateway) else {
        trace.note(|| format!("Gateway {gateway} does not exist: nothing listens"));
        d.warnings.push(format!("Gateway {gateway} does not exist"));
        return d;
    };
    let (pod_ns, pod_labels) = mesh.gateway_pod(gw);
    match &pod_labels {
        Cow::Borrowed(_) => trace.note(|| format!("Gateway {gateway} selects pods in namespace {pod_ns} (G3, V2)")),
        Cow::Owned(_) => trace.note(|| {
            format!(
                "no pod in the config matches Gateway {gateway}'s selector: its pods are assumed in {pod_ns} (G3, V2)"
            )
        }),
    }
    d.proxy_namespace = Some(pod_ns);
    let port = request.effective_port();
    // Every Gateway selecting these pods shares their ports (G4), oldest first.
    let mut servers: Vec<(&CompiledGateway, &CompiledServer)> = mesh
        .gateways
        .iter()
        .filter(|g| {
            g.key == gw.key
                || (!g.selector.is_empty() && labels_subset(&g.selector, &pod_labels))
                || g.selector.is_empty()
        })
        .flat_map(|g| g.servers.iter().map(move |s| (g, s)))
        .filter(|(_, s)| s.port == port)
        .collect();
    let Some(kind) = servers.first().map(|(_, s)| s.kind) else {
        trace.note(|| format!("no server of a Gateway on these pods listens on port {port}"));
        d.proxy_labels = Some(pod_labels);
        return d;
    };
    servers.retain(|(g, s)| {
        let keep = s.kind == kind || (kind == ServerKind::Http && s.kind == ServerKind::Https);
        if !keep {
            trace.note(|| {
                format!(
                    "a server of {} on port {port} is dropped: its protocol conflicts with an older one (G4)",
                    g.key
                )
            });
        }
        keep
    });
    let proxy_labels = pod_labels.clone();
    d.proxy_labels = Some(pod_labels);
    match kind {
        ServerKind::Http | ServerKind::Https => http(mesh, d, request, &servers, pod_ns, &proxy_labels, trace),
        ServerKind::TlsPassthrough => tls(mesh, d, request, &servers, pod_ns, &proxy_labels, trace),
        ServerKind::Tcp => tcp(mesh, d, request, &servers, pod_ns, &proxy_labels, trace),
    }
}

fn http<'m>(
    mesh: &'m Mesh,
    mut d: Decision<'m>,
    request: &Request,
    servers: &[(&'m CompiledGateway, &'m CompiledServer)],
    pod_ns: &str,
    pod_labels: &[(String, String)],
    trace: &mut Trace,
) -> Decision<'m> {
    let port = request.effective_port();
    let host = strip_port(&request.host).to_ascii_lowercase();
    d.outcome = Outcome::NotFound;
    // HTTPS servers each have their own table, reached by SNI (here: the host): the server
    // with the most specific matching host wins, the older one on ties (G4).
    let best_https = servers
        .iter()
        .filter(|(_, s)| s.kind == ServerKind::Https)
        .filter_map(|(g, s)| {
            let best = s.hosts.iter().map(|h| &h.host).filter(|h| h.matches(&host)).min_by(|a, b| a.specificity(b))?;
            Some((best, *g, *s))
        })
        .min_by(|a, b| a.0.specificity(b.0).then_with(|| a.1.age().cmp(&b.1.age())))
        .map(|(_, g, s)| (g, s));
    let servers: Vec<_> = match best_https {
        Some(chosen) => {
            trace.note(|| format!("HTTPS server of {} on port {port} takes SNI {host:?} (G4)", chosen.0.key));
            vec![chosen]
        }
        None => servers.iter().filter(|(_, s)| s.kind != ServerKind::Https).copied().collect(),
    };
    if servers.iter().any(|(_, s)| s.https_redirect && s.hosts.iter().any(|h| h.host.matches(&host))) {
        trace.note(|| "the server has tls.httpsRedirect: every request is redirected to https (G6)".to_owned());
        d.outcome = Outcome::Redirect;
        d.https_redirect = true;
        return d;
    }
    // Virtual hosts: the intersection of VS and server hosts (G5, H7).
    let mut candidates: Vec<(HostPattern, &'m CompiledVs, &'m CompiledGateway)> = Vec::new();
    for (g, s) in &servers {
        for vs in &mesh.virtual_services {
            if vs.binds(&g.key) && !vs.export_to.visible_to(pod_ns) {
                trace.note(|| {
                    format!(
                        "VirtualService {}/{} skipped: not exported to the gateway pod's namespace {pod_ns} (V2)",
                        vs.namespace, vs.name
                    )
                });
            }
            for (_, domain) in binds(vs, g, s, pod_ns) {
                if domain.matches(&host) {
                    candidates.push((domain, vs, g));
                }
            }
        }
    }
    candidates.sort_by(|a, b| a.0.specificity(&b.0).then_with(|| v3_order(a.1, b.1, pod_ns)));
    let Some(best) = candidates.first().map(|c| c.0.clone()) else {
        trace.note(|| format!("no VirtualService bound to this gateway serves host {host:?}: 404 (S8)"));
        return d;
    };
    trace.note(|| format!("virtual host {best} serves {host:?} (H7, H8)"));
    let mut seen: Vec<*const CompiledVs> = Vec::new();
    let mut rules: Vec<(&'m CompiledVs, &'m HttpRule, bool)> = Vec::new();
    for (domain, vs, g) in &candidates {
        if *domain != best || seen.contains(&std::ptr::from_ref(*vs)) {
            continue;
        }
        seen.push(std::ptr::from_ref(*vs));
        trace.note(|| format!("VirtualService {}/{} contributes its rules (S4)", vs.namespace, vs.name));
        let proxy = Proxy { gateway: &g.key, namespace: pod_ns, labels: pod_labels };
        for rule in &vs.http {
            let usable: Vec<_> = rule.matches.iter().filter(|m| static_ok(m, port, proxy)).collect();
            if !rule.matches.is_empty() && usable.is_empty() {
                continue;
            }
            let catch_all = rule.matches.is_empty() || usable.iter().any(|m| m.is_catch_all());
            rules.push((vs, rule, catch_all));
            if catch_all {
                break; // S5: later rules of this VS are unreachable.
            }
        }
    }
    // S4: catch-all routes move to the end, keeping their order.
    let ordered: Vec<_> =
        rules.iter().filter(|r| !r.2).chain(rules.iter().filter(|r| r.2)).map(|r| (r.0, r.1)).collect();
    let first_vs = ordered.first().map(|r| r.0);
    // Each rule is judged with the gateway it was bound through.
    let gw_of = |vs: &CompiledVs| candidates.iter().find(|c| std::ptr::eq(c.1, vs)).map(|c| c.2);
    for (vs, rule) in ordered {
        let Some(g) = gw_of(vs) else { continue };
        let proxy = Proxy { gateway: &g.key, namespace: pod_ns, labels: pod_labels };
        if evaluate(&mut d, [(vs, rule)], port, proxy, request, trace) {
            return d;
        }
    }
    trace.note(|| "no rule matched: 404 (S8)".to_owned());
    d.virtual_service = first_vs;
    d
}

fn tls<'m>(
    mesh: &'m Mesh,
    mut d: Decision<'m>,
    request: &Request,
    servers: &[(&'m CompiledGateway, &'m CompiledServer)],
    pod_ns: &str,
    pod_labels: &[(String, String)],
    trace: &mut Trace,
) -> Decision<'m> {
    let sni = request.effective_sni();
    let port = request.effective_port();
    let mut vses: Vec<(&'m CompiledVs, &'m CompiledGateway)> = Vec::new();
    for (g, s) in servers {
        if !s.hosts.iter().any(|h| h.host.matches(&sni)) {
            continue;
        }
        for vs in &mesh.virtual_services {
            if !binds(vs, g, s, pod_ns).is_empty() {
                vses.push((vs, g));
            }
        }
    }
    vses.sort_by(|a, b| v3_order(a.0, b.0, pod_ns));
    for (vs, g) in vses {
        let proxy = Proxy { gateway: &g.key, namespace: pod_ns, labels: pod_labels };
        for rule in &vs.tls {
            let hit = rule
                .matches
                .iter()
                .any(|m| m.port.matches(port) && m.source.matches_l4(proxy) && m.sni.iter().any(|p| p.matches(&sni)));
            if hit {
                trace.note(|| {
                    format!("tls rule {}/{} tls[{}] matches SNI {sni:?} (L4)", vs.namespace, vs.name, rule.index)
                });
                d.outcome = Outcome::Route;
                d.virtual_service = Some(vs);
                d.rule = Some(RuleRef { kind: RuleKind::Tls, index: rule.index, name: None });
                d.destinations = &rule.action.destinations;
                return d;
            }
        }
    }
    trace.note(|| format!("no tls rule on this gateway matches SNI {sni:?}: the connection is closed"));
    d
}

fn tcp<'m>(
    mesh: &'m Mesh,
    mut d: Decision<'m>,
    request: &Request,
    servers: &[(&'m CompiledGateway, &'m CompiledServer)],
    pod_ns: &str,
    pod_labels: &[(String, String)],
    trace: &mut Trace,
) -> Decision<'m> {
    let port = request.effective_port();
    let mut vses: Vec<(&'m CompiledVs, &'m CompiledGateway)> = Vec::new();
    for (g, s) in servers {
        for vs in &mesh.virtual_services {
            if !binds(vs, g, s, pod_ns).is_empty() {
                vses.push((vs, g));
            }
        }
    }
    vses.sort_by(|a, b| v3_order(a.0, b.0, pod_ns));
    for (vs, g) in vses {
        let proxy = Proxy { gateway: &g.key, namespace: pod_ns, labels: pod_labels };
        // L3: only port and gateways are evaluated at gateways.
        let rule = vs.tcp.iter().find(|r| {
            r.matches.is_empty()
                || r.matches.iter().any(|m| {
                    m.port.matches(port)
                        && (m.source.gateways.is_empty() || m.source.gateways.iter().any(|x| x == proxy.gateway))
                })
        });
        if let Some(rule) = rule {
            trace.note(|| format!("tcp rule {}/{} tcp[{}] decides (L3)", vs.namespace, vs.name, rule.index));
            d.outcome = Outcome::Route;
            d.virtual_service = Some(vs);
            d.rule = Some(RuleRef { kind: RuleKind::Tcp, index: rule.index, name: None });
            d.destinations = &rule.action.destinations;
            return d;
        }
    }
    trace.note(|| "no tcp rule on this gateway applies: the connection is closed".to_owned());
    d
}
