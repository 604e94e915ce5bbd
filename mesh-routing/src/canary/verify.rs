//! The step self-check: compile the config before and after a step, route representative
//! requests derived from the rules through both, and compare.

use std::collections::BTreeMap;

use mesh_api::networking::{HttpMatchRequest, VirtualService};
use mesh_api::{Object, StringMatch};

use super::{AbMatch, Canary, CanaryError};
use crate::decision::Decision;
use crate::matchers::host::qualify;
use crate::{Mesh, MeshSettings, Outcome, Request};

/// Shares may differ by this much (percentage points) before a step counts as wrong.
const TOLERANCE: f64 = 0.01;

/// What a step promises: the share of the service's traffic each subset gets.
#[derive(Clone, Debug, PartialEq)]
pub struct StepExpectation {
    host: String,
    namespace: String,
    domain: String,
    stable: String,
    canary: String,
    canary_weight: u32,
    mirror: Option<f64>,
    ab: Option<AbMatch>,
}

impl StepExpectation {
    /// `canary_weight` percent of every request that reached the service before goes to the
    /// canary subset, the rest to the stable one; no mirroring, no A/B.
    pub fn new(canary: &Canary, canary_weight: u32) -> Self {
        Self {
            host: canary.host(),
            namespace: canary.namespace.clone(),
            domain: canary.cluster_domain.clone(),
            stable: canary.stable.name.clone(),
            canary: canary.canary.name.clone(),
            canary_weight,
            mirror: None,
            ab: None,
        }
    }

    /// Also expects `percent` of the service's requests mirrored to the canary.
    pub fn mirror(mut self, percent: Option<f64>) -> Self {
        self.mirror = percent;
        self
    }

    /// Also expects requests matching the canary's A/B match to reach only the canary.
    pub fn ab(mut self, ab: Option<AbMatch>) -> Self {
        self.ab = ab;
        self
    }
}

type Key = (String, Option<String>, u32);

fn shares(d: &Decision<'_>) -> BTreeMap<Key, f64> {
    let mut out = BTreeMap::new();
    for w in d.destinations() {
        *out.entry((w.host.to_owned(), w.subset.map(str::to_owned), w.port)).or_insert(0.0) += w.weight;
    }
    out
}

fn show(map: &BTreeMap<Key, f64>) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|((h, s, p), w)| format!("{h}{}:{p} {w:.2}%", s.as_deref().map(|s| format!("/{s}")).unwrap_or_default()))
        .collect();
    if parts.is_empty() { "nothing".to_owned() } else { parts.join(", ") }
}

fn describe(r: &Request) -> String {
    let mut s = if r.protocol.is_http() {
        format!("{} {}{} from {}", r.method_name(), r.host(), r.path, r.source_namespace_name())
    } else {
        let protocol = format!("{:?}", r.protocol).to_uppercase();
        format!("{protocol} {} from {}", r.host(), r.source_namespace_name())
    };
    if let Some(p) = r.port {
        s.push_str(&format!(" port {p}"));
    }
    if let Some(g) = r.gateway_name() {
        s.push_str(&format!(" via gateway {g}"));
    }
    for (k, v) in &r.headers {
        s.push_str(&format!(" [{k}: {v}]"));
    }
    s
}

fn sample(m: &StringMatch) -> Option<String> {
    match m {
        StringMatch::Exact(v) | StringMatch::Prefix(v) => Some(v.clone()),
        StringMatch::Any => Some("x".to_owned()),
        StringMatch::Regex(_) => None,
    }
}

/// A request meeting `m` as far as it can be written down (regexes are left out).
fn satisfy(mut r: Request, m: &HttpMatchRequest, vs_ns: &str) -> Request {
    if let Some(p) = m.uri.as_ref().and_then(sample) {
        r = r.path(&p);
    }
    if let Some(v) = m.method.as_ref().and_then(sample) {
        r = r.method(&v);
    }
    if let Some(v) = m.scheme.as_ref().and_then(sample) {
        r = r.scheme(&v);
    }
    for (k, v) in &m.headers {
        if let Some(v) = sample(v) {
            r = r.header(k, &v);
        }
    }
    let params: Vec<String> =
        m.query_params.iter().filter_map(|(k, v)| sample(v).map(|v| format!("{k}={v}"))).collect();
    if !params.is_empty() {
        let sep = if r.path.contains('?') { "&" } else { "?" };
        let path = format!("{}{sep}{}", r.path, params.join("&"));
        r = r.path(&path);
    }
    if let Some(p) = m.port {
        r = r.port(p);
    }
    for (k, v) in &m.source_labels {
        r = r.source_label(k, v);
    }
    if let Some(ns) = &m.source_namespace {
        r = r.source_namespace(ns);
    }
    if let Some(g) = m.gateways.iter().find(|g| *g != "mesh") {
        r = r.gateway(&gateway_ref(g, vs_ns));
    }
    r
}

fn gateway_ref(g: &str, ns: &str) -> String {
    if g.contains('/') { g.to_owned() } else { format!("{ns}/{g}") }
}

fn concrete(host: &str) -> String {
    match host.strip_prefix('*') {
        Some("") => "probe.example.com".to_owned(),
        Some(rest) => format!("probe{rest}"),
        None => host.to_owned(),
    }
}

/// Representative requests: per VirtualService, host and gateway, one per match of each
/// rule plus a plain one; and plain requests to the service itself.
fn requests(objects: &[&VirtualService], e: &StepExpectation, ports: &[u32]) -> Vec<Request> {
    let short = e.host.split('.').next().unwrap_or_default().to_owned();
    let at = |r: Request, port: Option<u32>| match port {
        Some(p) => r.port(p),
        None => r,
    };
    let service_ports: Vec<Option<u32>> =
        if ports.is_empty() { vec![None] } else { ports.iter().copied().map(Some).collect() };
    let mut out = Vec::new();
    for port in &service_ports {
        out.push(at(Request::http(&e.host), *port));
        out.push(at(Request::http(&short), *port).source_namespace(&e.namespace));
    }
    for vs in objects {
        let ns = vs.metadata.namespace.as_deref().unwrap_or("default");
        let mut entries: Vec<Option<String>> = Vec::new();
        if vs.spec.gateways.is_empty() || vs.spec.gateways.iter().any(|g| g == "mesh") {
            entries.push(None);
        }
        entries.extend(vs.spec.gateways.iter().filter(|g| *g != "mesh").map(|g| Some(gateway_ref(g, ns))));
        for host in &vs.spec.hosts {
            let is_service = qualify(host, ns, &e.domain) == e.host;
            for entry in &entries {
                // Sidecar requests to the service itself go to its ports; others to the default.
                let ports: &[Option<u32>] = if entry.is_none() && is_service { &service_ports } else { &[None] };
                for port in ports {
                    let mut base = at(Request::http(&concrete(host)).source_namespace(ns), *port);
                    if let Some(g) = entry {
                        base = base.gateway(g);
                    }
                    out.push(base.clone());
                    for rule in &vs.spec.http {
                        for m in &rule.match_ {
                            out.push(satisfy(base.clone(), m, ns));
                        }
                    }
                }
            }
            // Opaque TCP, from sidecars, on the ports the TCP rules name or the service's.
            if !vs.spec.tcp.is_empty() && entries.contains(&None) {
                let mut tcp_ports: Vec<u32> =
                    vs.spec.tcp.iter().flat_map(|r| &r.match_).filter_map(|m| m.port).collect();
                if is_service && tcp_ports.is_empty() {
                    tcp_ports.extend(ports);
                }
                for port in tcp_ports {
                    out.push(Request::tcp(&concrete(host), port).source_namespace(ns));
                }
            }
        }
    }
    out.dedup();
    out
}

/// Compiles `before` and `after` (the objects of `before` replaced or joined by those of
/// `after`) and checks the step keeps its promise for representative requests derived from
/// the VirtualServices' rules: requests that reached the service now split as `expected`
/// says (A/B users and mirrors included), and every other request routes exactly as before
/// (outcome, destinations and shares, timeout).
///
/// # Errors
///
/// [`CanaryError::SelfCheck`] naming the first request that does not route as promised, or
/// the new compile warnings the emitted objects cause.
pub fn verify_step(
    before: &[Object],
    after: &[Object],
    expected: &StepExpectation,
    settings: &MeshSettings,
) -> Result<(), CanaryError> {
    let step = format!("at canary weight {}", expected.canary_weight);
    let fail = |message: String| CanaryError::SelfCheck { step: step.clone(), message };
    let merged = merge(before, after);
    let old = Mesh::compile(before, settings);
    let new = Mesh::compile(&merged, settings);
    // Field paths move when rules are inserted, so warnings compare by object and message.
    let known: Vec<(&str, &str)> = old.warnings().iter().map(|w| (w.object.as_str(), w.message.as_str())).collect();
    if let Some(w) = new.warnings().iter().find(|w| !known.contains(&(w.object.as_str(), w.message.as_str()))) {
        return Err(fail(format!("the emitted config is not usable: {w}")));
    }
    let vss: Vec<&VirtualService> = before
        .iter()
        .chain(after)
        .filter_map(|o| match o {
            Object::VirtualService(vs) => Some(&**vs),
            _ => None,
        })
        .collect();
    let (service, namespace) = expected.host.split_once('.').unwrap_or_default();
    let namespace = namespace.split('.').next().unwrap_or_default();
    let ports: Vec<u32> = before
        .iter()
        .filter_map(|o| match o {
            Object::Service(s)
                if s.metadata.name.as_deref() == Some(service)
                    && s.metadata.namespace.as_deref().unwrap_or("default") == namespace =>
            {
                s.spec.as_ref().and_then(|spec| spec.ports.as_ref())
            }
            _ => None,
        })
        .flatten()
        .filter_map(|p| u32::try_from(p.port).ok())
        .collect();
    let ab_header = expected.ab.as_ref().and_then(AbMatch::sample);
    for plain in requests(&vss, expected, &ports) {
        // A request derived from an A/B rule already carries the A/B header.
        let carries = ab_header.as_ref().is_some_and(|(k, v)| plain.header_value(k) == Some(v.as_str()));
        let mut cases = vec![(plain.clone(), carries)];
        if let Some((k, v)) = &ab_header
            && plain.protocol.is_http()
            && !carries
        {
            cases.push((plain.header(k, v), true));
        }
        for (request, ab) in cases {
            check_one(&old, &new, &request, ab, expected).map_err(|m| fail(format!("{}: {m}", describe(&request))))?;
        }
    }
    Ok(())
}

fn check_one(old: &Mesh, new: &Mesh, request: &Request, ab: bool, e: &StepExpectation) -> Result<(), String> {
    let (d_old, d_new) = (old.route(request), new.route(request));
    if d_old.outcome() != Outcome::Route {
        if d_new.outcome() != d_old.outcome() || d_new.status() != d_old.status() {
            return Err(format!("was {}, now {}", d_old.outcome(), d_new.outcome()));
        }
        return Ok(());
    }
    if d_new.outcome() != Outcome::Route {
        return Err(format!("was routed, now {}", d_new.outcome()));
    }
    let ours = |host: &str, subset: &Option<String>| {
        host == e.host && subset.as_deref().is_none_or(|s| s == e.stable || s == e.canary)
    };
    let mut expected = BTreeMap::new();
    let mut reached = 0.0;
    let mut port = None;
    for ((host, subset, p), share) in shares(&d_old) {
        if ours(&host, &subset) {
            reached += share;
            port.get_or_insert(p);
        } else {
            expected.insert((host, subset, p), share);
        }
    }
    if let Some(p) = port {
        let f = if ab { 1.0 } else { f64::from(e.canary_weight) / 100.0 };
        for (subset, share) in [(&e.stable, reached * (1.0 - f)), (&e.canary, reached * f)] {
            if share > TOLERANCE {
                *expected.entry((e.host.clone(), Some(subset.clone()), p)).or_insert(0.0) += share;
            }
        }
    }
    let actual = shares(&d_new);
    let same = expected.len() == actual.len()
        && expected.iter().all(|(k, v)| actual.get(k).is_some_and(|a| (a - v).abs() <= TOLERANCE));
    if !same {
        return Err(format!("expected {}, the emitted config sends {}", show(&expected), show(&actual)));
    }
    if d_old.timeout() != d_new.timeout() {
        return Err("its route timeout changed".to_owned());
    }
    if let (Some(p), Some(_), true) = (e.mirror.filter(|_| !ab), port, request.protocol.is_http()) {
        let mirrored = d_new
            .mirrors()
            .any(|m| m.host == e.host && m.subset == Some(e.canary.as_str()) && (m.percent - p).abs() <= TOLERANCE);
        if !mirrored {
            return Err(format!("expected {p}% mirrored to subset {}, found none", e.canary));
        }
    }
    Ok(())
}

/// `before` with every object of `after` replacing the one of the same kind, namespace and
/// name (or added).
pub(crate) fn merge(before: &[Object], after: &[Object]) -> Vec<Object> {
    let mut out: Vec<Object> = before.to_vec();
    for object in after {
        let key = object.object_ref();
        match out.iter_mut().find(|o| o.object_ref() == key) {
            Some(slot) => *slot = object.clone(),
            None => out.push(object.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_hosts_get_a_concrete_probe_name() {
        assert_eq!(concrete("*.shop.com"), "probe.shop.com");
        assert_eq!(concrete("reviews"), "reviews");
    }

    #[test]
    fn requests_satisfy_exact_and_prefix_matches() {
        let m: HttpMatchRequest = serde_json::from_str(
            r#"{"uri": {"prefix": "/api"}, "headers": {"x-user": {"exact": "ann"}}, "port": 9080}"#,
        )
        .unwrap();
        let r = satisfy(Request::http("reviews"), &m, "shop");
        assert_eq!(r.path_only(), "/api");
        assert_eq!(r.header_value("x-user"), Some("ann"));
        assert_eq!(r.effective_port(), 9080);
    }
}
