//! VirtualServices compiled into ordered rules with prepared matchers (routing.md §3, §5–§8).

use std::sync::Arc;

use mesh_api::networking::{
    Destination, Headers, HttpDirectResponse, HttpFaultInjection, HttpMatchRequest, HttpRedirect, HttpRetry,
    HttpRewrite, HttpRoute, L4MatchAttributes, RouteDestination, TlsMatchAttributes, VirtualService,
};
use mesh_api::{Duration, StringMatch};
use regex::Regex;

use super::export::ExportTo;
use crate::error::CompileWarning;
use crate::matchers::headers::HeaderMatcher;
use crate::matchers::host::{HostPattern, qualify, qualify_into};
use crate::matchers::port::PortMatcher;
use crate::matchers::source::SourceMatcher;
use crate::matchers::string::{RegexCache, StringMatcher};

/// One shape for HTTP, TLS and TCP rules: match entries (OR) and what to do.
#[derive(Clone, Debug)]
pub(crate) struct Rule<M, A> {
    /// Position in the VirtualService's list.
    pub(crate) index: usize,
    pub(crate) name: Option<String>,
    /// Empty matches everything.
    pub(crate) matches: Vec<M>,
    pub(crate) action: A,
}

/// One `HTTPMatchRequest`, prepared.
#[derive(Clone, Debug, Default)]
pub(crate) struct HttpMatch {
    pub(crate) uri: Option<StringMatcher>,
    pub(crate) scheme: Option<StringMatcher>,
    pub(crate) method: Option<StringMatcher>,
    pub(crate) authority: Option<StringMatcher>,
    pub(crate) headers: Vec<HeaderMatcher>,
    pub(crate) without_headers: Vec<HeaderMatcher>,
    pub(crate) query: Vec<HeaderMatcher>,
    pub(crate) port: PortMatcher,
    pub(crate) source: SourceMatcher,
    /// No port, source or gateway condition: the entry holds for every proxy and port.
    pub(crate) any_proxy: bool,
}

impl HttpMatch {
    /// No condition but a match-everything path (routing.md S4, S5).
    pub(crate) fn is_catch_all(&self) -> bool {
        self.uri.as_ref().is_none_or(StringMatcher::is_catch_all_path)
            && self.scheme.is_none()
            && self.method.is_none()
            && self.authority.is_none()
            && self.headers.is_empty()
            && self.without_headers.is_empty()
            && self.query.is_empty()
    }
}

/// What an HTTP rule does.
#[derive(Clone, Debug)]
pub(crate) enum HttpActionKind {
    /// Forward to `destinations`.
    Route,
    /// Answer with a redirect.
    Redirect(Box<HttpRedirect>),
    /// Answer directly.
    DirectResponse(Box<HttpDirectResponse>),
    /// Hand over to another VirtualService (kept only when it could not be resolved).
    Delegate(String),
}

/// An HTTP rule's action and its side effects.
#[derive(Clone, Debug)]
pub(crate) struct HttpAction {
    pub(crate) kind: HttpActionKind,
    pub(crate) destinations: Vec<CompiledDestination>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries: Option<Box<HttpRetry>>,
    pub(crate) fault: Option<Box<HttpFaultInjection>>,
    pub(crate) mirrors: Vec<CompiledMirror>,
    pub(crate) rewrite: Option<Box<HttpRewrite>>,
    /// `uriRegexRewrite` compiled, with its replacement in `regex` syntax.
    pub(crate) rewrite_regex: Option<Box<(Arc<Regex>, String)>>,
    pub(crate) headers: Option<Box<Headers>>,
}

/// A destination with its share of traffic.
#[derive(Clone, Debug, Default)]
pub(crate) struct CompiledDestination {
    /// Qualified host (H1), shared by a VirtualService's destinations of one host.
    pub(crate) host: Arc<str>,
    /// Shared by every destination of the mesh naming the same subset.
    pub(crate) subset: Option<Arc<str>>,
    /// The port written, if any.
    pub(crate) port: Option<u32>,
    /// The port of the destination service when it has exactly one (D3); filled once the
    /// registry is known.
    pub(crate) single_port: Option<u32>,
    /// The destination's one service, when compiling showed that it has a single service
    /// every namespace sees and that the subset (if any) is defined for every caller, with no
    /// workload known to check endpoints against: routing then skips the 503 checks but the
    /// port's.
    pub(crate) settled: Option<usize>,
    /// Share in percent (D1, D2).
    pub(crate) share: f64,
    pub(crate) headers: Option<Box<Headers>>,
}

impl CompiledDestination {
    /// The one destination of a default route (S7).
    pub(crate) fn default_for(host: &str) -> Self {
        Self { host: host.into(), share: 100.0, ..Self::default() }
    }
}

/// A mirror target with its percentage (A8).
#[derive(Clone, Debug)]
pub(crate) struct CompiledMirror {
    pub(crate) destination: CompiledDestination,
    pub(crate) percent: f64,
}

/// One TLS match entry.
#[derive(Clone, Debug)]
pub(crate) struct TlsMatch {
    pub(crate) sni: Vec<HostPattern>,
    pub(crate) subnets: Vec<String>,
    pub(crate) port: PortMatcher,
    pub(crate) source: SourceMatcher,
}

/// One TCP match entry.
#[derive(Clone, Debug)]
pub(crate) struct TcpMatch {
    pub(crate) subnets: Vec<String>,
    pub(crate) port: PortMatcher,
    pub(crate) source: SourceMatcher,
}

/// A TCP or TLS rule's destinations.
#[derive(Clone, Debug)]
pub(crate) struct L4Action {
    pub(crate) destinations: Vec<CompiledDestination>,
}

/// An HTTP rule.
pub(crate) type HttpRule = Rule<HttpMatch, HttpAction>;

/// A VirtualService ready to route.
#[derive(Clone, Debug)]
pub(crate) struct CompiledVs {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) hosts: Vec<HostPattern>,
    /// Resolved gateway names (`mesh`, `ns/name`); `[mesh]` when none are written (S1).
    pub(crate) gateways: Vec<String>,
    pub(crate) export_to: ExportTo,
    /// Creation time; with the name and namespace it gives Istio's age order ([`Self::age`]).
    pub(crate) created: Option<i128>,
    pub(crate) http: Vec<HttpRule>,
    pub(crate) tls: Vec<Rule<TlsMatch, L4Action>>,
    pub(crate) tcp: Vec<Rule<TcpMatch, L4Action>>,
    /// Has no hosts: used only as a delegate (A11).
    pub(crate) is_delegate: bool,
}

impl CompiledVs {
    /// (creation time, name, namespace): Istio's age order, oldest first.
    #[inline]
    pub(crate) fn age(&self) -> (Option<i128>, &str, &str) {
        (self.created, &self.name, &self.namespace)
    }

    /// Whether the VS binds to `gateway` (`mesh` or `ns/name`).
    #[inline]
    pub(crate) fn binds(&self, gateway: &str) -> bool {
        self.gateways.iter().any(|g| g == gateway)
    }
}

/// Resolves a gateway reference written in namespace `namespace` (routing.md G1).
pub(crate) fn resolve_gateway(reference: &str, namespace: &str) -> String {
    if reference == "mesh" {
        return reference.to_owned();
    }
    if let Some(name) = reference.strip_prefix("./") {
        return format!("{namespace}/{name}");
    }
    if reference.contains('/') {
        return reference.to_owned();
    }
    // Legacy `name.namespace.svc.cluster.local`.
    let parts: Vec<&str> = reference.split('.').collect();
    if parts.len() >= 2 {
        return format!("{}/{}", parts[1], parts[0]);
    }
    format!("{namespace}/{reference}")
}

/// Turns a destination list's weights into shares (D1, D2).
fn shares(weights: impl ExactSizeIterator<Item = Option<i32>> + Clone) -> Vec<f64> {
    if weights.len() == 1 {
        return vec![100.0];
    }
    let weight = |w: Option<i32>| f64::from(w.unwrap_or(0).max(0));
    let total: f64 = weights.clone().map(weight).sum();
    weights.map(|w| if total > 0.0 { weight(w) * 100.0 / total } else { 0.0 }).collect()
}

/// Collects compile problems for one object.
pub(crate) struct Ctx<'a> {
    /// The object's name (`VirtualService shop/cart`) for warnings, written only for one.
    pub(crate) object: &'a dyn Fn() -> String,
    pub(crate) namespace: &'a str,
    pub(crate) domain: &'a str,
    pub(crate) warnings: &'a mut Vec<CompileWarning>,
    /// Regexes already compiled for this mesh.
    pub(crate) regexes: &'a mut RegexCache,
    /// Subset names already used in this mesh.
    pub(crate) names: &'a mut Names,
    /// The last destination host qualified for this object, and the buffer it is qualified in.
    pub(crate) last_host: (Arc<str>, String),
}

/// Names written many times across a mesh, each kept once: a mesh of 100,000 services
/// names the subsets `v1` and `v2` half a million times.
#[derive(Default)]
pub(crate) struct Names(std::collections::HashSet<Arc<str>, foldhash::fast::FixedState>);

impl Names {
    /// The shared copy of `name`.
    pub(crate) fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(name) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = name.into();
        self.0.insert(Arc::clone(&shared));
        shared
    }
}

impl Ctx<'_> {
    pub(crate) fn warn(&mut self, field: String, message: impl Into<String>) {
        self.warnings.push(CompileWarning { object: (self.object)(), field, message: message.into() });
    }

    /// `host` qualified; the same allocation as the last destination's when it is the same
    /// host, as it nearly always is within one VirtualService.
    fn destination_host(&mut self, host: &str) -> Arc<str> {
        let (last, buffer) = &mut self.last_host;
        qualify_into(host, self.namespace, self.domain, buffer);
        if **last != **buffer {
            *last = buffer.as_str().into();
        }
        Arc::clone(last)
    }

    fn destination(&mut self, d: &Destination, share: f64, headers: Option<&Headers>) -> CompiledDestination {
        CompiledDestination {
            host: self.destination_host(&d.host),
            subset: d.subset.as_deref().map(|s| self.names.get(s)),
            port: d.port.as_ref().and_then(|p| p.number),
            single_port: None,
            settled: None,
            share,
            headers: headers.map(|h| Box::new(h.clone())),
        }
    }

    fn l4_destinations(&mut self, route: &[RouteDestination]) -> Vec<CompiledDestination> {
        self.destinations(route.iter().map(|r| (&r.destination, r.weight, None)))
    }

    /// A route's destinations with their shares (D1, D2); those with no share are left out
    /// unless they are alone.
    fn destinations<'r>(
        &mut self,
        route: impl ExactSizeIterator<Item = (&'r Destination, Option<i32>, Option<&'r Headers>)> + Clone,
    ) -> Vec<CompiledDestination> {
        let shares = shares(route.clone().map(|(_, w, _)| w));
        let alone = route.len() == 1;
        let mut out = Vec::with_capacity(shares.iter().filter(|&&s| alone || s > 0.0).count());
        for ((d, _, headers), share) in route.zip(shares) {
            if alone || share > 0.0 {
                out.push(self.destination(d, share, headers));
            }
        }
        out
    }

    /// Compiles the string match at `{at}.{field}`.
    fn string(
        &mut self,
        at: &dyn Fn() -> String,
        field: &str,
        m: Option<&StringMatch>,
        ignore_case: bool,
    ) -> Result<Option<StringMatcher>, ()> {
        match m.map(|m| StringMatcher::with_cache(m, ignore_case, self.regexes)).transpose() {
            Ok(m) => Ok(m),
            Err(e) => {
                self.warn(format!("{}.{field}", at()), format!("invalid regex, the match entry is dropped: {e}"));
                Err(())
            }
        }
    }

    /// Compiles the named matches at `{at}.{field}`.
    fn named(
        &mut self,
        at: &dyn Fn() -> String,
        field: &str,
        map: &indexmap::IndexMap<String, StringMatch>,
        negated: bool,
        lower: bool,
    ) -> Result<Vec<HeaderMatcher>, ()> {
        let mut out = Vec::with_capacity(map.len());
        for (name, m) in map {
            match HeaderMatcher::new(name, m, negated, lower, self.regexes) {
                Ok(h) => out.push(h),
                Err(e) => {
                    self.warn(
                        format!("{}.{field}.{name}", at()),
                        format!("invalid regex, the match entry is dropped: {e}"),
                    );
                    return Err(());
                }
            }
        }
        Ok(out)
    }

    fn source(
        &self,
        labels: &indexmap::IndexMap<String, String>,
        namespace: Option<&String>,
        gateways: &[String],
    ) -> SourceMatcher {
        SourceMatcher {
            labels: labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            namespace: namespace.cloned(),
            gateways: gateways.iter().map(|g| resolve_gateway(g, self.namespace)).collect(),
        }
    }

    /// Compiles the match entry at `at` (its path is written only for a warning).
    fn http_match(&mut self, at: &dyn Fn() -> String, m: &HttpMatchRequest) -> Result<HttpMatch, ()> {
        let ignore_case = m.ignore_uri_case.unwrap_or(false);
        Ok(HttpMatch {
            uri: self.string(at, "uri", m.uri.as_ref(), ignore_case)?,
            scheme: self.string(at, "scheme", m.scheme.as_ref(), false)?,
            method: self.string(at, "method", m.method.as_ref(), false)?,
            authority: self.string(at, "authority", m.authority.as_ref(), false)?,
            headers: self.named(at, "headers", &m.headers, false, true)?,
            without_headers: self.named(at, "withoutHeaders", &m.without_headers, true, true)?,
            query: self.named(at, "queryParams", &m.query_params, false, false)?,
            port: PortMatcher(m.port),
            source: self.source(&m.source_labels, m.source_namespace.as_ref(), &m.gateways),
            any_proxy: m.port.is_none()
                && m.source_labels.is_empty()
                && m.source_namespace.is_none()
                && m.gateways.is_empty(),
        })
    }

    fn http_rule(&mut self, index: usize, r: &HttpRoute) -> HttpRule {
        let at = || format!("spec.http[{index}]");
        // Sized for every entry: an entry is dropped only when its regex is invalid.
        let mut matches = Vec::with_capacity(r.match_.len());
        for (i, m) in r.match_.iter().enumerate() {
            if let Ok(m) = self.http_match(&|| format!("{}.match[{i}]", at()), m) {
                matches.push(m);
            }
        }
        let destinations = self.destinations(r.route.iter().map(|d| (&d.destination, d.weight, d.headers.as_deref())));
        let kind = if let Some(redirect) = &r.redirect {
            HttpActionKind::Redirect(redirect.clone())
        } else if let Some(direct) = &r.direct_response {
            HttpActionKind::DirectResponse(Box::new(direct.clone()))
        } else if let Some(delegate) = &r.delegate {
            let ns = delegate.namespace.clone().unwrap_or_else(|| self.namespace.to_owned());
            HttpActionKind::Delegate(format!("{ns}/{}", delegate.name.clone().unwrap_or_default()))
        } else {
            HttpActionKind::Route
        };
        let mut mirrors = Vec::new();
        if let Some(m) = &r.mirror {
            let percent =
                r.mirror_percentage.as_ref().and_then(|p| p.value).or(r.mirror_percent.map(f64::from)).unwrap_or(100.0);
            mirrors.push(CompiledMirror { destination: self.destination(m, 100.0, None), percent });
        }
        for m in &r.mirrors {
            let percent = m.percentage.as_ref().and_then(|p| p.value).unwrap_or(100.0);
            mirrors.push(CompiledMirror { destination: self.destination(&m.destination, 100.0, None), percent });
        }
        let rewrite_regex = match r.rewrite.as_ref().and_then(|w| w.uri_regex_rewrite.as_ref()) {
            Some(rr) => match self.regexes.compile(rr.match_.as_deref().unwrap_or("")) {
                Ok(re) => Some(Box::new((re, backrefs(rr.rewrite.as_deref().unwrap_or(""))))),
                Err(e) => {
                    self.warn(
                        format!("{}.rewrite.uriRegexRewrite.match", at()),
                        format!("invalid regex, ignored: {e}"),
                    );
                    None
                }
            },
            None => None,
        };
        Rule {
            index,
            name: r.name.clone(),
            matches,
            action: HttpAction {
                kind,
                destinations,
                timeout: r.timeout.clone(),
                retries: r.retries.clone(),
                fault: r.fault.clone(),
                mirrors,
                rewrite: r.rewrite.clone(),
                rewrite_regex,
                headers: r.headers.clone(),
            },
        }
    }

    fn tls_match(&self, m: &TlsMatchAttributes) -> TlsMatch {
        TlsMatch {
            sni: m.sni_hosts.iter().map(|h| HostPattern::parse(h)).collect(),
            subnets: m.destination_subnets.clone(),
            port: PortMatcher(m.port),
            source: self.source(&m.source_labels, m.source_namespace.as_ref(), &m.gateways),
        }
    }

    fn tcp_match(&self, m: &L4MatchAttributes) -> TcpMatch {
        TcpMatch {
            subnets: m.destination_subnets.clone(),
            port: PortMatcher(m.port),
            source: self.source(&m.source_labels, m.source_namespace.as_ref(), &m.gateways),
        }
    }
}

/// `\1` capture references (RE2/Envoy) as `${1}` (regex crate).
fn backrefs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                out.push(d);
                chars.next();
            }
            out.push('}');
        } else if c == '$' {
            out.push_str("$$");
        } else {
            out.push(c);
        }
    }
    out
}

/// Compiles one VirtualService.
pub(crate) fn compile(vs: &VirtualService, namespace: &str, age: Option<i128>, ctx: &mut Ctx<'_>) -> CompiledVs {
    let spec = &vs.spec;
    let gateways = if spec.gateways.is_empty() {
        vec!["mesh".to_owned()]
    } else {
        spec.gateways.iter().map(|g| resolve_gateway(g, namespace)).collect()
    };
    let name = vs.metadata.name.clone().unwrap_or_default();
    let http = spec.http.iter().enumerate().map(|(i, r)| ctx.http_rule(i, r)).collect();
    let tls = spec
        .tls
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            index: i,
            name: None,
            matches: r.match_.iter().map(|m| ctx.tls_match(m)).collect(),
            action: L4Action { destinations: ctx.l4_destinations(&r.route) },
        })
        .collect();
    let tcp = spec
        .tcp
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            index: i,
            name: None,
            matches: r.match_.iter().map(|m| ctx.tcp_match(m)).collect(),
            action: L4Action { destinations: ctx.l4_destinations(&r.route) },
        })
        .collect();
    CompiledVs {
        hosts: spec.hosts.iter().map(|h| HostPattern::from_lowercase(qualify(h, namespace, ctx.domain))).collect(),
        gateways,
        export_to: ExportTo::new(&spec.export_to, namespace),
        created: age,
        is_delegate: spec.hosts.is_empty(),
        namespace: namespace.to_owned(),
        name,
        http,
        tls,
        tcp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g1_gateway_references_resolve_to_namespace_and_name() {
        assert_eq!(resolve_gateway("mesh", "shop"), "mesh");
        assert_eq!(resolve_gateway("gw", "shop"), "shop/gw");
        assert_eq!(resolve_gateway("./gw", "shop"), "shop/gw");
        assert_eq!(resolve_gateway("web/gw", "shop"), "web/gw");
        assert_eq!(resolve_gateway("gw.web.svc.cluster.local", "shop"), "web/gw");
    }

    #[test]
    fn d1_d2_shares_normalise_and_single_destination_takes_all() {
        assert_eq!(shares([Some(0)].into_iter()), [100.0]);
        assert_eq!(shares([Some(30), Some(30)].into_iter()), [50.0, 50.0]);
        assert_eq!(shares([Some(75), Some(25), None].into_iter()), [75.0, 25.0, 0.0]);
        assert_eq!(shares([Some(0), None].into_iter()), [0.0, 0.0]);
    }

    #[test]
    fn a3_capture_references_translate() {
        assert_eq!(backrefs(r"/v2/\1/x$"), "/v2/${1}/x$$");
    }
}
