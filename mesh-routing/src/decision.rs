//! `Decision`: where a request goes and everything applied on the way, borrowed from the mesh.

use std::borrow::Cow;

use mesh_api::Duration;
use mesh_api::networking::{HeaderOperations, RedirectPortSelection, TrafficPolicy};

use crate::compile::virtual_service::{
    CompiledDestination, CompiledMirror, CompiledVs, HttpAction, HttpActionKind, HttpMatch,
};
use crate::explain::Explanation;
use crate::mesh::Mesh;
use crate::policy::effective_policy;
use crate::request::Request;
use crate::route::trace::Trace;

/// What happens to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Forwarded to a destination (faults included: see [`Decision::fault`]).
    Route,
    /// Answered with a redirect.
    Redirect,
    /// Answered directly by the proxy.
    DirectResponse,
    /// HTTP 404: a VirtualService or gateway claims the host but no rule matches, or a gateway
    /// has no VirtualService for it.
    NotFound,
    /// The host is in no registry the caller sees and the mesh is REGISTRY_ONLY (HTTP 502, or
    /// the connection is dropped).
    Blocked,
    /// The host is in no registry the caller sees and the mesh is ALLOW_ANY: forwarded to the
    /// original destination.
    Passthrough,
    /// Nothing listens: the gateway has no server on that port.
    Refused,
}

impl Outcome {
    /// The spelling route test files use (`route`, `notFound`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Route => "route",
            Self::Redirect => "redirect",
            Self::DirectResponse => "directResponse",
            Self::NotFound => "notFound",
            Self::Blocked => "blocked",
            Self::Passthrough => "passthrough",
            Self::Refused => "refused",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which list a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// `spec.http`.
    Http,
    /// `spec.tls`.
    Tls,
    /// `spec.tcp`.
    Tcp,
}

/// The rule that decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleRef<'m> {
    /// The list it is in.
    pub kind: RuleKind,
    /// Its index in that list.
    pub index: usize,
    /// Its `name`, when it has one.
    pub name: Option<&'m str>,
}

/// The VirtualService that decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VirtualServiceRef<'m> {
    /// Its namespace.
    pub namespace: &'m str,
    /// Its name.
    pub name: &'m str,
}

impl std::fmt::Display for VirtualServiceRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// A destination with its share of the traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedDestination<'m> {
    /// Fully qualified host.
    pub host: &'m str,
    /// Subset name, if any.
    pub subset: Option<&'m str>,
    /// The port traffic goes to (written, else chosen as routing.md D3 says).
    pub port: u32,
    /// Share in percent; the shares of a rule sum to 100.
    pub weight: f64,
}

impl WeightedDestination<'_> {
    /// The Envoy cluster name: `outbound|<port>|<subset>|<host>` (D4).
    pub fn cluster(&self) -> String {
        format!("outbound|{}|{}|{}", self.port, self.subset.unwrap_or(""), self.host)
    }
}

/// The retry policy that takes effect (routing.md A6).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy<'m> {
    /// Retries after the first try; 0 = no retries.
    pub attempts: u32,
    /// Bound on each try, if any.
    pub per_try_timeout: Option<&'m Duration>,
    /// Envoy retry conditions (numeric codes are in `retriable_status_codes`).
    pub retry_on: Cow<'m, str>,
    /// HTTP status codes retried.
    pub retriable_status_codes: Vec<u32>,
}

/// The built-in retry conditions.
pub const DEFAULT_RETRY_ON: &str = "connect-failure,refused-stream,unavailable,cancelled";

/// A fault injected (routing.md A7); percentages absent mean 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault<'m> {
    /// `(fixedDelay, percent)`.
    pub delay: Option<(Option<&'m Duration>, f64)>,
    /// `(httpStatus, grpcStatus, percent)`.
    pub abort: Option<(Option<i32>, Option<&'m str>, f64)>,
}

/// A mirror target (routing.md A8).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mirror<'m> {
    /// Fully qualified host.
    pub host: &'m str,
    /// Subset, if any.
    pub subset: Option<&'m str>,
    /// Port mirrored to.
    pub port: u32,
    /// Share of requests copied, in percent.
    pub percent: f64,
}

/// A redirect as sent (routing.md A2, G6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Path of the Location.
    pub uri: String,
    /// Host of the Location.
    pub authority: String,
    /// Scheme of the Location.
    pub scheme: String,
    /// Port of the Location, when one is written (`:80` with http and `:443` with https never are).
    pub port: Option<u32>,
    /// Status code (301 by default).
    pub code: u32,
}

impl Redirect {
    /// The `Location` header.
    pub fn location(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}{}", self.scheme, self.authority, self.uri),
            None => format!("{}://{}{}", self.scheme, self.authority, self.uri),
        }
    }
}

/// What is rewritten before forwarding (routing.md A3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    /// The path forwarded, when rewritten.
    pub uri: Option<String>,
    /// The Host forwarded, when rewritten.
    pub authority: Option<String>,
}

/// A direct response (routing.md A4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectResponse<'m> {
    /// Status code.
    pub status: u32,
    /// Body text, or the base64 text of `body.bytes` as written.
    pub body: Option<&'m str>,
}

/// Header operations (routing.md A9), rule level then destination level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderOps<'m> {
    /// Headers overwritten.
    pub set: Vec<(&'m str, &'m str)>,
    /// Headers appended.
    pub add: Vec<(&'m str, &'m str)>,
    /// Headers removed.
    pub remove: Vec<&'m str>,
}

impl<'m> HeaderOps<'m> {
    fn extend(&mut self, ops: &'m HeaderOperations) {
        self.set.extend(ops.set.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.add.extend(ops.add.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.remove.extend(ops.remove.iter().map(String::as_str));
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }
}

/// Where a request goes, borrowed from the [`Mesh`] that decided it.
///
/// Cheap accessors read compiled data; [`Decision::explain`] replays the decision with notes.
#[derive(Clone)]
pub struct Decision<'m> {
    pub(crate) mesh: &'m Mesh,
    /// Borrowed by [`Mesh::decide`], owned by [`Mesh::route`].
    pub(crate) request: HeldRequest<'m>,
    pub(crate) outcome: Outcome,
    pub(crate) virtual_service: Option<&'m CompiledVs>,
    pub(crate) rule: Option<RuleRef<'m>>,
    pub(crate) http: Option<&'m HttpAction>,
    pub(crate) matched: Option<&'m HttpMatch>,
    pub(crate) destinations: &'m [CompiledDestination],
    pub(crate) listener_port: u32,
    pub(crate) at_gateway: bool,
    /// The namespace of the proxy that decides; `None` for the request's source namespace
    /// (sidecars).
    pub(crate) proxy_namespace: Option<&'m str>,
    /// The labels of the proxy that decides; `None` for the request's source labels (sidecars).
    pub(crate) proxy_labels: Option<Cow<'m, [(String, String)]>>,
    pub(crate) https_redirect: bool,
    pub(crate) warnings: Vec<String>,
}

impl std::fmt::Debug for Decision<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The mesh is left out: it is large and the same for every decision.
        f.debug_struct("Decision")
            .field("outcome", &self.outcome)
            .field("virtual_service", &self.virtual_service())
            .field("rule", &self.rule)
            .field("destinations", &self.destinations().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// The request a decision holds: borrowed, or a boxed copy (which keeps decisions small).
#[derive(Clone, Debug)]
pub(crate) enum HeldRequest<'m> {
    Borrowed(&'m Request),
    Owned(Box<Request>),
}

impl std::ops::Deref for HeldRequest<'_> {
    type Target = Request;

    fn deref(&self) -> &Request {
        match self {
            Self::Borrowed(r) => r,
            Self::Owned(r) => r,
        }
    }
}

/// Stands in for the request while routing runs; [`Mesh::route_traced`] puts the real one in
/// before the decision is read.
static ROUTING: Request = Request::placeholder();

impl<'m> Decision<'m> {
    /// A decision on `request` (read here for its port only; the request itself is attached
    /// by [`Mesh::route_traced`]).
    #[inline]
    pub(crate) fn new(mesh: &'m Mesh, request: &Request, outcome: Outcome) -> Self {
        Self {
            mesh,
            request: HeldRequest::Borrowed(&ROUTING),
            outcome,
            virtual_service: None,
            rule: None,
            http: None,
            matched: None,
            destinations: &[],
            listener_port: request.effective_port(),
            at_gateway: false,
            proxy_namespace: None,
            proxy_labels: None,
            https_redirect: false,
            warnings: Vec::new(),
        }
    }

    /// The namespace of the proxy that decided.
    #[inline]
    pub(crate) fn proxy_namespace(&self) -> &str {
        self.proxy_namespace.unwrap_or(&self.request.source_namespace)
    }

    /// The labels of the proxy that decided.
    pub(crate) fn proxy_labels(&self) -> &[(String, String)] {
        self.proxy_labels.as_deref().unwrap_or(&self.request.source_labels)
    }

    /// What happens to the request.
    #[inline]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The HTTP status the proxy itself answers with, if it does (404, 502, redirect and
    /// direct-response codes).
    pub fn status(&self) -> Option<u32> {
        match self.outcome {
            Outcome::NotFound => Some(404),
            Outcome::Blocked if self.request.protocol.is_http() => Some(502),
            Outcome::Redirect => self.redirect().map(|r| r.code),
            Outcome::DirectResponse => self.direct_response().map(|d| d.status),
            _ => None,
        }
    }

    /// The request decided.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The deciding VirtualService; `None` for default routing and the outbound policy.
    pub fn virtual_service(&self) -> Option<VirtualServiceRef<'m>> {
        self.virtual_service.map(|v| VirtualServiceRef { namespace: &v.namespace, name: &v.name })
    }

    /// The deciding rule.
    #[inline]
    pub fn rule(&self) -> Option<RuleRef<'m>> {
        self.rule
    }

    #[inline]
    pub(crate) fn weighted(&self, d: &'m CompiledDestination) -> WeightedDestination<'m> {
        let port = d.port.or(if self.at_gateway { d.single_port } else { None }).unwrap_or(self.listener_port);
        WeightedDestination { host: &d.host, subset: d.subset.as_deref(), port, weight: d.share }
    }

    /// Every destination of the deciding rule with its normalised share (empty unless the
    /// outcome is [`Outcome::Route`]).
    pub fn destinations(&self) -> impl Iterator<Item = WeightedDestination<'m>> + '_ {
        self.destinations.iter().map(|d| self.weighted(d))
    }

    fn chosen(&self) -> Option<&'m CompiledDestination> {
        match self.destinations {
            [] => None,
            [one] => Some(one),
            many => {
                let draw = self.request.random?;
                let mut sum = 0.0;
                many.iter()
                    .find(|d| {
                        sum += d.share;
                        draw < sum
                    })
                    .or_else(|| many.iter().rev().find(|d| d.share > 0.0))
            }
        }
    }

    /// The one destination taken: the only one, or the one the pinned
    /// [`Request::random`] draw picks (walking cumulative shares in order).
    pub fn destination(&self) -> Option<WeightedDestination<'m>> {
        self.chosen().map(|d| self.weighted(d))
    }

    /// The route timeout; `None` = no timeout (A5).
    pub fn timeout(&self) -> Option<&'m Duration> {
        self.http.and_then(|a| a.timeout.as_ref())
    }

    /// The retry policy in effect when the request is forwarded (A6): the rule's, else
    /// Istio's default of 2 attempts.
    pub fn retries(&self) -> Option<RetryPolicy<'m>> {
        if self.outcome != Outcome::Route || !self.request.protocol.is_http() {
            return None;
        }
        let Some(r) = self.http.and_then(|a| a.retries.as_deref()) else {
            return Some(RetryPolicy {
                attempts: 2,
                per_try_timeout: None,
                retry_on: Cow::Borrowed(DEFAULT_RETRY_ON),
                retriable_status_codes: Vec::new(),
            });
        };
        let attempts = u32::try_from(r.attempts.unwrap_or(0)).unwrap_or(0);
        if attempts == 0 {
            return Some(RetryPolicy {
                attempts: 0,
                per_try_timeout: None,
                retry_on: Cow::Borrowed(""),
                retriable_status_codes: Vec::new(),
            });
        }
        let (retry_on, codes) = match r.retry_on.as_deref() {
            None | Some("") => (Cow::Borrowed(DEFAULT_RETRY_ON), Vec::new()),
            Some(text) => {
                let codes: Vec<u32> = text.split(',').filter_map(|p| p.trim().parse().ok()).collect();
                if codes.is_empty() {
                    (Cow::Borrowed(text), codes)
                } else {
                    let mut words: Vec<&str> =
                        text.split(',').map(str::trim).filter(|p| p.parse::<u32>().is_err()).collect();
                    words.push("retriable-status-codes");
                    (Cow::Owned(words.join(",")), codes)
                }
            }
        };
        Some(RetryPolicy {
            attempts,
            per_try_timeout: r.per_try_timeout.as_ref(),
            retry_on,
            retriable_status_codes: codes,
        })
    }

    /// The fault injected, if the rule has one (A7).
    pub fn fault(&self) -> Option<Fault<'m>> {
        let f = self.http?.fault.as_deref()?;
        Some(Fault {
            delay: f.delay.as_ref().map(|d| {
                let percent = d.percentage.as_ref().and_then(|p| p.value).or(d.percent.map(f64::from)).unwrap_or(0.0);
                (d.fixed_delay.as_ref(), percent)
            }),
            abort: f.abort.as_ref().map(|a| {
                (a.http_status, a.grpc_status.as_deref(), a.percentage.as_ref().and_then(|p| p.value).unwrap_or(0.0))
            }),
        })
    }

    /// Mirror targets (A8).
    pub fn mirrors(&self) -> impl Iterator<Item = Mirror<'m>> + '_ {
        let list: &'m [CompiledMirror] = self.http.map_or(&[], |a| a.mirrors.as_slice());
        list.iter().map(|m| {
            let w = self.weighted(&m.destination);
            Mirror { host: w.host, subset: w.subset, port: w.port, percent: m.percent }
        })
    }

    /// The redirect sent, when the outcome is [`Outcome::Redirect`] (A2, G6).
    pub fn redirect(&self) -> Option<Redirect> {
        let host = crate::matchers::host::strip_port(&self.request.host).to_owned();
        if self.https_redirect {
            return Some(Redirect {
                uri: self.request.path.clone(),
                authority: host,
                scheme: "https".into(),
                port: None,
                code: 301,
            });
        }
        let HttpActionKind::Redirect(r) = &self.http?.kind else { return None };
        let path = self.request.path_only();
        let uri = match (&r.uri, &r.prefix_rewrite) {
            (Some(uri), _) => uri.clone(),
            (None, Some(prefix)) => {
                let matched = self.matched.and_then(|m| m.uri.as_ref()).and_then(|u| u.prefix()).unwrap_or("");
                format!("{prefix}{}", path.get(matched.len()..).unwrap_or(""))
            }
            (None, None) => self.request.path.clone(),
        };
        let scheme = r.scheme.clone().unwrap_or_else(|| self.request.effective_scheme().to_owned());
        let port = match (r.port, r.derive_port) {
            (Some(p), _) => Some(p),
            (None, Some(RedirectPortSelection::FromRequestPort)) => Some(self.listener_port),
            (None, Some(RedirectPortSelection::FromProtocolDefault)) => Some(if scheme == "https" { 443 } else { 80 }),
            (None, None) => None,
        }
        .filter(|&p| !((p == 80 && scheme == "http") || (p == 443 && scheme == "https")));
        Some(Redirect {
            uri,
            authority: r.authority.clone().unwrap_or(host),
            scheme,
            port,
            code: r.redirect_code.unwrap_or(301),
        })
    }

    /// The rewrite applied before forwarding (A3).
    pub fn rewrite(&self) -> Option<Rewrite> {
        if self.outcome != Outcome::Route {
            return None;
        }
        let action = self.http?;
        let rw = action.rewrite.as_deref();
        let path = self.request.path_only();
        let uri = if let Some((re, with)) = action.rewrite_regex.as_deref() {
            Some(re.replace_all(path, with.as_str()).into_owned())
        } else if let Some(new) = rw.and_then(|r| r.uri.as_ref()) {
            let uri_match = self.matched.and_then(|m| m.uri.as_ref());
            Some(match uri_match {
                Some(m) => match m.prefix() {
                    Some(prefix) => format!("{new}{}", path.get(prefix.len()..).unwrap_or("")),
                    None => new.clone(),
                },
                None => format!("{new}{}", path.get(1..).unwrap_or("")),
            })
        } else {
            None
        };
        let header_host =
            self.request_headers().set.iter().chain(self.request_headers().add.iter()).find_map(|(k, v)| {
                (k.eq_ignore_ascii_case("host") || k.eq_ignore_ascii_case(":authority")).then(|| (*v).to_owned())
            });
        let authority = rw.and_then(|r| r.authority.clone()).or(header_host);
        (uri.is_some() || authority.is_some()).then_some(Rewrite { uri, authority })
    }

    /// The direct response, when the outcome is [`Outcome::DirectResponse`] (A4).
    pub fn direct_response(&self) -> Option<DirectResponse<'m>> {
        let HttpActionKind::DirectResponse(d) = &self.http?.kind else { return None };
        Some(DirectResponse {
            status: d.status,
            body: d.body.as_ref().and_then(|b| b.string.as_deref().or(b.bytes.as_deref())),
        })
    }

    fn header_ops(&self, response: bool) -> HeaderOps<'m> {
        let mut ops = HeaderOps::default();
        let pick =
            |h: &'m mesh_api::networking::Headers| if response { h.response.as_ref() } else { h.request.as_ref() };
        if let Some(h) = self.http.and_then(|a| a.headers.as_deref()).and_then(pick) {
            ops.extend(h);
        }
        if let Some(h) = self.chosen().and_then(|d| d.headers.as_deref()).and_then(pick) {
            ops.extend(h);
        }
        ops
    }

    /// Operations on the request forwarded (A9).
    pub fn request_headers(&self) -> HeaderOps<'m> {
        self.header_ops(false)
    }

    /// Operations on the response returned (A9).
    pub fn response_headers(&self) -> HeaderOps<'m> {
        self.header_ops(true)
    }

    fn rules_for(&self, d: &CompiledDestination) -> crate::route::lookup::DrSet<'m> {
        let service_ns = self.mesh.service_by_host(&d.host, self.proxy_namespace()).map(|s| s.namespace.as_str());
        self.mesh.destination_rules(&d.host, service_ns, self.proxy_namespace(), self.proxy_labels())
    }

    /// The DestinationRule in force for the chosen destination, as `(namespace, name)` of the
    /// oldest one when several merge (P2, P3).
    pub fn destination_rule(&self) -> Option<VirtualServiceRef<'m>> {
        let set = self.rules_for(self.chosen()?);
        set.first().map(|d| VirtualServiceRef { namespace: &d.namespace, name: &d.name })
    }

    /// The traffic policy in force for the chosen destination: subset over port level over
    /// top level (P5). `None` without a DestinationRule.
    pub fn traffic_policy(&self) -> Option<TrafficPolicy> {
        let d = self.chosen()?;
        let set = self.rules_for(d);
        if set.is_empty() {
            return None;
        }
        let subset = d.subset.as_deref().and_then(|s| set.subset(s)).and_then(|s| s.traffic_policy.as_deref());
        Some(effective_policy(set.policy(), subset, self.weighted(d).port))
    }

    /// Names of the pods the chosen destination selects: the service's pods whose labels
    /// include every subset label (P6).
    pub fn endpoints(&self) -> Vec<&'m str> {
        let Some(d) = self.chosen() else { return Vec::new() };
        let Some(service) = self.mesh.service_by_host(&d.host, self.proxy_namespace()) else { return Vec::new() };
        let labels: Vec<(String, String)> = match d.subset.as_deref() {
            Some(name) => match self.rules_for(d).subset(name) {
                Some(s) => s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                None => return Vec::new(),
            },
            None => Vec::new(),
        };
        self.mesh.endpoints(service, &labels)
    }

    /// Why this request may not behave as configured (a subset no DestinationRule defines, a
    /// host no registry knows, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Replays the decision and explains it: which VirtualServices and rules were considered
    /// and why each was skipped.
    pub fn explain(&self) -> Explanation {
        let mut trace = Trace::on();
        let replay = self.mesh.route_traced(HeldRequest::Borrowed(&self.request), &mut trace);
        Explanation::new(&replay, trace.into_lines())
    }
}
