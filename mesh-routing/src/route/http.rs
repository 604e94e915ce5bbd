//! HTTP rule evaluation (routing.md §5) and the sidecar HTTP path (§1, §3, S6–S8).

use super::trace::Trace;
use crate::compile::sidecar::CompiledSidecar;
use crate::compile::virtual_service::{CompiledVs, HttpActionKind, HttpMatch, HttpRule};
use crate::decision::{Decision, Outcome, RuleKind, RuleRef};
use crate::matchers::host::strip_port;
use crate::matchers::source::Proxy;
use crate::mesh::Mesh;
use crate::request::Request;

/// Whether the request-time conditions of a match entry hold (R1, R3, R4).
#[inline]
pub(crate) fn dynamic_ok(m: &HttpMatch, request: &Request) -> bool {
    m.uri.as_ref().is_none_or(|u| u.matches(request.path_only()))
        && m.scheme.as_ref().is_none_or(|s| s.matches(request.effective_scheme()))
        && m.method.as_ref().is_none_or(|s| s.matches(&request.method))
        && m.authority.as_ref().is_none_or(|s| s.matches(&request.host))
        && m.headers.iter().all(|h| h.matches(request.header_lower(&h.name)))
        && m.without_headers.iter().all(|h| h.matches(request.header_lower(&h.name)))
        && m.query.iter().all(|q| q.matches(request.query_param(&q.name)))
}

/// Whether the per-proxy conditions of a match entry hold (R2).
#[inline]
pub(crate) fn static_ok(m: &HttpMatch, port: u32, proxy: Proxy<'_>) -> bool {
    m.any_proxy || (m.port.matches(port) && m.source.matches_http(proxy))
}

/// Which match entry of a rule applies, if any: `Some(None)` when the rule has no match list.
#[inline]
fn rule_matches<'m>(
    rule: &'m HttpRule,
    port: u32,
    proxy: Proxy<'_>,
    request: &Request,
) -> Option<Option<&'m HttpMatch>> {
    if rule.matches.is_empty() {
        return Some(None);
    }
    rule.matches.iter().find(|m| static_ok(m, port, proxy) && dynamic_ok(m, request)).map(Some)
}

/// Fills a decision from the rule that matched.
#[inline]
pub(crate) fn apply<'m>(d: &mut Decision<'m>, vs: &'m CompiledVs, rule: &'m HttpRule, matched: Option<&'m HttpMatch>) {
    d.virtual_service = Some(vs);
    d.rule = Some(RuleRef { kind: RuleKind::Http, index: rule.index, name: rule.name.as_deref() });
    d.http = Some(&rule.action);
    d.matched = matched;
    d.outcome = match &rule.action.kind {
        HttpActionKind::Route => {
            d.destinations = &rule.action.destinations;
            Outcome::Route
        }
        HttpActionKind::Redirect(_) => Outcome::Redirect,
        HttpActionKind::DirectResponse(_) => Outcome::DirectResponse,
        HttpActionKind::Delegate(_) => Outcome::NotFound,
    };
}

/// Evaluates rules in order; the first matching one decides (R1). `rules` carry their VS.
pub(crate) fn evaluate<'m>(
    d: &mut Decision<'m>,
    rules: impl IntoIterator<Item = (&'m CompiledVs, &'m HttpRule)>,
    port: u32,
    proxy: Proxy<'_>,
    request: &Request,
    trace: &mut Trace,
) -> bool {
    for (vs, rule) in rules {
        let label = || match &rule.name {
            Some(n) => format!("{}/{} http[{}] ({n})", vs.namespace, vs.name, rule.index),
            None => format!("{}/{} http[{}]", vs.namespace, vs.name, rule.index),
        };
        match rule_matches(rule, port, proxy, request) {
            Some(matched) => {
                trace.note(|| format!("rule {} matches and decides (first match wins, R1)", label()));
                apply(d, vs, rule, matched);
                return true;
            }
            None => {
                trace.note(|| {
                    if rule.matches.iter().all(|m| !static_ok(m, port, proxy)) {
                        format!("rule {} skipped: its port/gateways/source conditions exclude this proxy (R2)", label())
                    } else {
                        format!("rule {} skipped: no match entry fits the request", label())
                    }
                });
            }
        }
    }
    false
}

/// HTTP from a sidecar: fills `d`, made for `request` by [`Decision::new`].
pub(crate) fn sidecar<'m>(
    mesh: &'m Mesh,
    request: &Request,
    sidecar: Option<&'m CompiledSidecar>,
    d: &mut Decision<'m>,
    trace: &mut Trace,
) {
    let port = request.effective_port();
    let mut buf = None;
    let host = super::name::lowercase(strip_port(&request.host), &mut buf);
    let namespace = request.source_namespace.as_str();
    let proxy = Proxy { gateway: "mesh", namespace, labels: &request.source_labels };
    let service = mesh.sidecar_service(host, namespace, port, sidecar, trace);
    // L1: the service port's protocol picks the rule list.
    match service.and_then(|s| s.port_protocol(port)) {
        Some("TCP" | "MONGO" | "MYSQL" | "REDIS") => {
            trace.note(|| format!("port {port} is declared as TCP: tcp rules apply (L1)"));
            *d = super::l4::sidecar_tcp(mesh, request, sidecar, trace);
            return;
        }
        Some("HTTPS" | "TLS") => {
            trace.note(|| format!("port {port} is declared as TLS: tls rules apply (L1)"));
            *d = super::l4::sidecar_tls(mesh, request, sidecar, trace);
            return;
        }
        _ => {}
    }
    let vs = match service {
        Some(s) => mesh.service_vs(s, namespace, port, sidecar, trace),
        None => mesh.sidecar_literal_vs(host, namespace, port, sidecar, trace),
    };
    match (vs, service) {
        (Some(vs), _) => {
            trace.note(|| format!("VirtualService {}/{} decides this host", vs.namespace, vs.name));
            if !evaluate(d, vs.http.iter().map(|r| (vs, r)), port, proxy, request, trace) {
                trace.note(|| "no rule matched: 404 (S8)".to_owned());
                d.outcome = Outcome::NotFound;
                d.virtual_service = Some(vs);
            }
        }
        (None, Some(s)) => {
            trace.note(|| format!("no VirtualService claims {}: default route to all its endpoints (S7)", s.host));
            d.outcome = Outcome::Route;
            d.destinations = &s.default_route;
        }
        (None, None) => *d = mesh.outbound_policy(request, sidecar, trace),
    }
}
