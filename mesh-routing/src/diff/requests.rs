//! Requests derived from the configuration itself: one per match entry of every rule, plus a
//! plain request per host, so comparisons and checks need no hand-written traffic.

use crate::compile::gateway::{CompiledGateway, ServerKind};
use crate::compile::virtual_service::{CompiledVs, HttpMatch};
use crate::diff::describe;
use crate::diff::sample::sample;
use crate::matchers::host::HostPattern;
use crate::matchers::source::SourceMatcher;
use crate::matchers::string::StringMatcher;
use crate::mesh::Mesh;
use crate::request::Request;

/// A request derived from the configuration, with the host it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRequest {
    /// The host as a VirtualService or the registry names it (`*.example.com` for a wildcard
    /// host, whose request uses a made-up name under it).
    pub host: String,
    /// The request itself.
    pub request: Request,
}

impl SampleRequest {
    /// One line naming what sets this request apart (protocol, method, host, port, path,
    /// headers, caller or gateway); equal requests give equal lines.
    pub fn describe(&self) -> String {
        describe::request(&self.request)
    }
}

/// Derives the requests that exercise `mesh`'s routing: for every VirtualService host, on each
/// gateway it is bound to (`mesh` meaning the sidecars of its own namespace), a plain request
/// and one request per match entry of each HTTP, TLS and TCP rule (path from an exact or prefix
/// uri, or a sample a uri regex matches; headers, query parameters, method, scheme, port and
/// caller labels and namespace as the entry asks); then a plain request per port of every
/// service in the registry. Duplicates are dropped; the order is stable.
///
/// # Examples
///
/// ```
/// use mesh_routing::{Mesh, MeshSettings, representative_requests};
///
/// let loaded = mesh_api::load_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: reviews, namespace: shop}
/// spec:
///   hosts: [reviews]
///   http:
///   - match: [{uri: {prefix: /v2}, headers: {end-user: {exact: jason}}}]
///     route: [{destination: {host: reviews, subset: v2}}]
///   - route: [{destination: {host: reviews, subset: v1}}]
/// "#);
/// let objects: Vec<_> = loaded.objects().cloned().collect();
/// let mesh = Mesh::compile(&objects, &MeshSettings::default());
/// let lines: Vec<String> = representative_requests(&mesh).iter().map(|s| s.describe()).collect();
/// assert_eq!(lines, [
///     "http GET reviews.shop.svc.cluster.local:80/ from shop",
///     "http GET reviews.shop.svc.cluster.local:80/v2 end-user=\"jason\" from shop",
/// ]);
/// ```
pub fn representative_requests(mesh: &Mesh) -> Vec<SampleRequest> {
    let mut out: Vec<SampleRequest> = Vec::new();
    // Requests that describe alike (an unset port and the same port written) count once.
    let mut push = |host: String, request: Request| {
        let line = describe::request(&request);
        if !out.iter().any(|s| s.describe() == line) {
            out.push(SampleRequest { host, request });
        }
    };
    for vs in mesh.virtual_services.iter().filter(|v| !v.is_delegate) {
        for pattern in &vs.hosts {
            let host_text = pattern.to_string();
            for gateway in &vs.gateways {
                for request in for_vs_host(mesh, vs, pattern, gateway) {
                    push(host_text.clone(), request);
                }
            }
        }
    }
    for service in mesh.services.iter().filter(|s| !s.pattern.is_wildcard()) {
        let base = |protocol: Option<&str>, port: u32| {
            let r = match protocol {
                Some("TCP" | "MONGO" | "MYSQL" | "REDIS" | "UDP") => Request::tcp(&service.host, port),
                Some("TLS" | "HTTPS") => Request::tls(&service.host, port),
                _ => Request::http(&service.host).port(port),
            };
            r.source_namespace(&service.namespace)
        };
        if service.ports.is_empty() {
            push(service.host.clone(), Request::http(&service.host).source_namespace(&service.namespace));
        }
        for p in &service.ports {
            push(service.host.clone(), base(p.protocol.as_deref(), p.number));
        }
    }
    out
}

/// A concrete name a host pattern covers.
fn concrete(pattern: &HostPattern) -> String {
    match pattern {
        HostPattern::Exact(h) => h.clone(),
        HostPattern::Suffix(s) => format!("any{s}"),
        HostPattern::Any => "example.com".to_owned(),
    }
}

/// The first port (and whether it terminates TLS) of a gateway server of the wanted kind that
/// accepts `pattern` from the VirtualService's namespace.
fn gateway_port(g: &CompiledGateway, vs: &CompiledVs, pattern: &HostPattern, l4: Option<ServerKind>) -> Option<u32> {
    g.servers
        .iter()
        .filter(|s| match l4 {
            Some(kind) => s.kind == kind,
            None => matches!(s.kind, ServerKind::Http | ServerKind::Https),
        })
        .find(|s| {
            s.hosts
                .iter()
                .any(|h| h.namespace.as_deref().is_none_or(|n| n == vs.namespace) && h.host.intersects(pattern))
        })
        .map(|s| s.port)
}

fn server_kind(g: Option<&CompiledGateway>, port: u32) -> Option<ServerKind> {
    g?.servers.iter().find(|s| s.port == port).map(|s| s.kind)
}

/// The requests one VirtualService host gets on one gateway (`mesh` = sidecars).
fn for_vs_host(mesh: &Mesh, vs: &CompiledVs, pattern: &HostPattern, gateway: &str) -> Vec<Request> {
    let host = concrete(pattern);
    let at_gateway = gateway != "mesh";
    let gw = mesh.gateways.iter().find(|g| g.key == gateway);
    let service_port = |want_http: bool| {
        mesh.service_index.get(&host).and_then(|ids| ids.first()).and_then(|&i| {
            mesh.services[i]
                .ports
                .iter()
                .find(|p| {
                    let http =
                        p.protocol.as_deref().is_none_or(|p| matches!(p, "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB"));
                    http == want_http
                })
                .map(|p| p.number)
        })
    };
    let place = |r: Request| if at_gateway { r.gateway(gateway) } else { r.source_namespace(&vs.namespace) };
    let applies = |s: &SourceMatcher| s.gateways.is_empty() || s.gateways.iter().any(|g| g == gateway);
    let mut out = Vec::new();

    if !vs.http.is_empty() {
        let port = if at_gateway { gw.and_then(|g| gateway_port(g, vs, pattern, None)) } else { service_port(true) };
        let https = at_gateway && port.is_some_and(|p| server_kind(gw, p) == Some(ServerKind::Https));
        let mut base = if https { Request::https(&host) } else { Request::http(&host) };
        if let Some(p) = port {
            base = base.port(p);
        }
        let base = place(base);
        out.push(base.clone());
        for m in vs.http.iter().flat_map(|r| r.matches.iter()).filter(|m| applies(&m.source)) {
            out.push(apply_http(base.clone(), m, pattern));
        }
    }
    for rule in &vs.tls {
        for m in rule.matches.iter().filter(|m| applies(&m.source)) {
            let sni = m.sni.iter().find(|s| s.intersects(pattern)).map_or_else(|| host.clone(), concrete);
            let port = m.port.0.or_else(|| {
                if at_gateway {
                    gw.and_then(|g| gateway_port(g, vs, pattern, Some(ServerKind::TlsPassthrough)))
                } else {
                    service_port(false)
                }
            });
            let r = with_source(place(Request::tls(&sni, port.unwrap_or(443))), &m.source);
            out.push(r);
        }
    }
    if !vs.tcp.is_empty() {
        let default_port = if at_gateway {
            gw.and_then(|g| gateway_port(g, vs, pattern, Some(ServerKind::Tcp)))
        } else {
            service_port(false)
        };
        for rule in &vs.tcp {
            let entries: Vec<(Option<u32>, Option<&SourceMatcher>)> = if rule.matches.is_empty() {
                vec![(None, None)]
            } else {
                rule.matches.iter().filter(|m| applies(&m.source)).map(|m| (m.port.0, Some(&m.source))).collect()
            };
            for (port, source) in entries {
                let Some(port) = port.or(default_port) else { continue };
                let mut r = place(Request::tcp(&host, port));
                if let Some(s) = source {
                    r = with_source(r, s);
                }
                out.push(r);
            }
        }
    }
    out
}

/// A value that `m` accepts: the exact value or prefix itself, a regex sample, else `x`.
fn value_for(m: &StringMatcher) -> Option<String> {
    match m {
        StringMatcher::Exact { value, .. } | StringMatcher::Prefix { value, .. } => Some(value.clone()),
        StringMatcher::Regex(re) => sample(describe::regex_source(re)).filter(|s| re.is_match(s)),
        StringMatcher::Any => Some("x".to_owned()),
    }
}

fn with_source(mut r: Request, s: &SourceMatcher) -> Request {
    if r.gateway.is_none() {
        for (k, v) in &s.labels {
            r = r.source_label(k, v);
        }
        if let Some(ns) = &s.namespace {
            r = r.source_namespace(ns);
        }
    }
    r
}

/// The request `base` changed so that match entry `m` holds.
fn apply_http(mut r: Request, m: &HttpMatch, pattern: &HostPattern) -> Request {
    if let Some(path) = m.uri.as_ref().and_then(value_for) {
        r = r.path(if path.is_empty() { "/" } else { &path });
    }
    if let Some(v) = m.scheme.as_ref().and_then(value_for) {
        r = r.scheme(&v);
    }
    if let Some(v) = m.method.as_ref().and_then(value_for) {
        r = r.method(&v);
    }
    if let Some(v) = m.authority.as_ref().and_then(value_for)
        && pattern.matches(&v.to_ascii_lowercase())
    {
        r.host = v;
    }
    for h in &m.headers {
        let value = h.value.as_ref().map_or(Some("x".to_owned()), value_for);
        if let Some(v) = value {
            r = r.header(&h.name, &v);
        }
    }
    let query: Vec<String> = m
        .query
        .iter()
        .filter_map(|q| {
            let v = q.value.as_ref().map_or(Some("x".to_owned()), value_for)?;
            Some(format!("{}={v}", q.name))
        })
        .collect();
    if !query.is_empty() {
        let path = format!("{}?{}", r.path_only(), query.join("&"));
        r = r.path(&path);
    }
    if let Some(p) = m.port.0 {
        r = r.port(p);
    }
    with_source(r, &m.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_api::StringMatch;

    #[test]
    fn wildcard_hosts_get_a_name_under_them() {
        assert_eq!(concrete(&HostPattern::parse("*.example.com")), "any.example.com");
        assert_eq!(concrete(&HostPattern::parse("*")), "example.com");
        assert_eq!(concrete(&HostPattern::parse("a.b")), "a.b");
    }

    #[test]
    fn values_come_from_exact_prefix_or_a_regex_sample() {
        let value = |m: StringMatch| value_for(&StringMatcher::new(&m, false).unwrap());
        assert_eq!(value(StringMatch::exact("jason")), Some("jason".to_owned()));
        assert_eq!(value(StringMatch::prefix("/api")), Some("/api".to_owned()));
        assert_eq!(value(StringMatch::regex("/v[0-9]+/.*")), Some("/v0/".to_owned()));
        assert_eq!(value(StringMatch::Any), Some("x".to_owned()));
    }

    #[test]
    fn a_regex_beyond_the_sampler_gives_no_value() {
        // A negated class that excludes both letters the sampler tries.
        let m = StringMatcher::new(&StringMatch::regex("[^xy]"), false).unwrap();
        assert_eq!(value_for(&m), None);
    }
}
