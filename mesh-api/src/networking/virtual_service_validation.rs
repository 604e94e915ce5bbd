//! Istio's admission rules for `VirtualService` (`ValidateVirtualService`, `validateHTTPRoute` and
//! the checks they call in Istio's `pkg/config/validation`).
//!
//! Every rule of routing.md §11 (V-VS1 to V-VS15) is applied; Istio stops some checks at the first
//! problem, while this walk reports every problem it finds, each at the field at fault. Where Istio
//! gives a warning (legacy gateway names, unreachable rules, deprecated fields, large bodies, an IP
//! used as SNI), so does this.

use crate::networking::{
    Abort, CorsPolicy, Delay, Destination, HeaderOperations, Headers, HttpDirectResponse, HttpMatchRequest,
    HttpMirrorPolicy, HttpRedirect, HttpRetry, HttpRewrite, HttpRoute, HttpRouteDestination, L4MatchAttributes,
    Percent, RouteDestination, TcpRoute, TlsMatchAttributes, TlsRoute, VirtualService, VirtualServiceSpec,
};
use crate::validation::rules::{self, MatchField};
use crate::{Problem, StringMatch, Validate, Validator};

/// The annotation Istio puts on VirtualServices it generates from Gateway API routes; their rules
/// are checked less strictly.
const ROUTE_SEMANTICS_ANNOTATION: &str = "internal.istio.io/route-semantics";

/// Largest direct-response body Istio accepts.
const MAX_BODY: usize = 1024 * 1024;
/// Direct-response body size above which Istio warns.
const WARN_BODY: usize = 100 * 1024;

/// gRPC status names accepted by fault aborts.
const GRPC_STATUSES: &[&str] = &[
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// `retryOn` policies Envoy understands (HTTP and gRPC families).
const RETRY_ON_POLICIES: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// HTTP status codes that have a standard name (Go's `http.StatusText`), which Istio accepts as
/// `retryOn` entries.
const NAMED_STATUS_CODES: &[u16] = &[
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
    401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
    426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
];

/// Methods a CORS policy may allow.
const CORS_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];

/// Facts about the whole VirtualService that individual rules depend on.
struct Context<'a> {
    spec: &'a VirtualServiceSpec,
    namespace: &'a str,
    /// Generated from a Gateway API route: destinations and gateway names are not checked.
    gateway_semantics: bool,
    /// No hosts: this is a delegate, used only through another VirtualService's `delegate`.
    is_delegate: bool,
    /// Bound to gateways and not to `mesh` (an empty `gateways` list means `mesh`).
    applies_to_gateway: bool,
    /// Istio's test for SNI host checks: `mesh` is not named in `gateways` (true when empty).
    sni_on_gateway: bool,
}

impl<'a> Context<'a> {
    fn new(vs: &'a VirtualService) -> Self {
        let spec = &vs.spec;
        let names_mesh = spec.gateways.iter().any(|g| g == rules::MESH_GATEWAY);
        let gateway_semantics = vs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ROUTE_SEMANTICS_ANNOTATION))
            .is_some_and(|value| value == "gateway");
        Self {
            spec,
            namespace: vs.metadata.namespace.as_deref().unwrap_or_default(),
            gateway_semantics,
            is_delegate: spec.hosts.is_empty(),
            applies_to_gateway: !spec.gateways.is_empty() && !names_mesh,
            sni_on_gateway: !names_mesh,
        }
    }

    /// Whether some TLS match names SNI hosts (then gateway-bound hosts may use the
    /// `outbound_.<port>_._.<host>` form).
    fn has_sni_hosts(&self) -> bool {
        self.spec.tls.iter().any(|t| t.match_.iter().any(|m| !m.sni_hosts.is_empty()))
    }
}

impl Validate for VirtualService {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "VirtualService", &self.metadata);
        let ctx = Context::new(self);
        v.field("spec", |v| check_spec(v, &ctx));
        v.finish()
    }
}

fn check_spec(v: &mut Validator, ctx: &Context<'_>) {
    let spec = ctx.spec;
    // V-VS2: a delegate has no hosts and may carry only HTTP rules.
    if ctx.is_delegate {
        if !spec.gateways.is_empty() {
            v.error_at("gateways", "a delegate VirtualService (one without hosts) cannot name gateways");
        }
        if !spec.tls.is_empty() {
            v.error_at("tls", "a delegate VirtualService (one without hosts) cannot have tls rules");
        }
        if !spec.tcp.is_empty() {
            v.error_at("tcp", "a delegate VirtualService (one without hosts) cannot have tcp rules");
        }
    }
    check_hosts(v, ctx);
    // V-VS6
    if !spec.gateways.is_empty() {
        v.field("gateways", |v| check_gateway_names(v, &spec.gateways, ctx.gateway_semantics));
    }
    // V-VS1
    if spec.http.is_empty() && spec.tcp.is_empty() && spec.tls.is_empty() {
        v.error("a VirtualService needs at least one http, tcp or tls rule");
    }
    v.field("http", |v| {
        for (i, route) in spec.http.iter().enumerate() {
            v.item(i, |v| check_http_route(v, route, ctx));
        }
    });
    v.field("tls", |v| {
        for (i, route) in spec.tls.iter().enumerate() {
            v.item(i, |v| check_tls_route(v, route, ctx));
        }
    });
    v.field("tcp", |v| {
        for (i, route) in spec.tcp.iter().enumerate() {
            v.item(i, |v| check_tcp_route(v, route, ctx));
        }
    });
    v.field("exportTo", |v| rules::check_export_to(v, ctx.namespace, &spec.export_to, false, false));
    // V-VS14
    find_unreachable_http_rules(v, &spec.http);
    find_unreachable_rules(v, "tcp", &spec.tcp, |r: &TcpRoute| r.match_.iter().map(normal_l4_match).collect());
    find_unreachable_rules(v, "tls", &spec.tls, |r: &TlsRoute| r.match_.iter().map(normal_tls_match).collect());
}

// ---------------------------------------------------------------------------------------------
// Hosts and gateways
// ---------------------------------------------------------------------------------------------

/// V-VS3, V-VS4, V-VS5.
fn check_hosts(v: &mut Validator, ctx: &Context<'_>) {
    let hosts = &ctx.spec.hosts;
    let sni = ctx.has_sni_hosts();
    let mut all_valid = true;
    v.field("hosts", |v| {
        for (i, host) in hosts.iter().enumerate() {
            v.item(i, |v| {
                let problem = if ctx.applies_to_gateway {
                    gateway_bound_host_problem(host, sni)
                } else {
                    wildcard_host_problem(host)
                };
                match problem {
                    Some(problem) if !rules::is_ip_address(host) => {
                        v.error(format!("{problem}; an IP address is also accepted here"));
                        all_valid = false;
                    }
                    Some(_) => {}
                    None if !ctx.applies_to_gateway && host == "*" => {
                        v.error(
                            "host \"*\" is not allowed when the VirtualService applies to sidecars (the \
                             mesh gateway); name the services, or bind it to a gateway",
                        );
                        all_valid = false;
                    }
                    None => {}
                }
            });
        }
        if all_valid {
            for (j, later) in hosts.iter().enumerate() {
                for earlier in &hosts[..j] {
                    if rules::hosts_overlap(earlier, later) {
                        v.item(j, |v| {
                            v.error(format!("host {later:?} overlaps host {earlier:?} of the same VirtualService"));
                        });
                    }
                }
            }
        }
    });
}

/// The problem [`rules::check_wildcard_host`] would record, as text.
fn wildcard_host_problem(host: &str) -> Option<String> {
    let mut v = Validator::new();
    rules::check_wildcard_host(&mut v, host);
    v.finish().into_iter().next().map(|p| p.message)
}

/// Host check for a VirtualService bound to gateways: a (wildcard) domain name, or, when the
/// VirtualService routes by SNI, the `outbound_.<port>_._.<host>` names of auto-passthrough.
fn gateway_bound_host_problem(host: &str, sni: bool) -> Option<String> {
    if host.is_empty() || host.len() > rules::MAX_HOST_LEN {
        return wildcard_host_problem(host);
    }
    if sni && host.starts_with("outbound_") {
        let parts: Vec<&str> = host.split('_').collect();
        if parts.len() < 4 {
            return Some(format!("host {host:?} must follow the outbound_.<PORT>_._.<HOSTNAME> form"));
        }
        let port = parts[1].trim_matches('.');
        let name = parts[3].trim_matches('.');
        if !port.bytes().any(|b| b.is_ascii_digit()) || !name.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Some(format!("host {host:?} must follow the outbound_.<PORT>_._.<HOSTNAME> form"));
        }
        return None;
    }
    wildcard_host_problem(host)
}

/// V-VS6: gateway references are `namespace/name`, `mesh`, or (legacy, with a warning) an FQDN.
///
/// Like Istio, the check stops at the first name without a `/` (such as `mesh`).
fn check_gateway_names(v: &mut Validator, names: &[String], gateway_semantics: bool) {
    for (i, name) in names.iter().enumerate() {
        let stop = v.item(i, |v| {
            let Some((ns, gw)) = name.split_once('/') else {
                if name.contains('.') {
                    let mut parts = name.split('.');
                    let short = parts.next().unwrap_or_default();
                    let ns = parts.next().unwrap_or_default();
                    v.warn(format!(
                        "gateway {name:?} uses the legacy FQDN form; write it as namespace/name: \"{ns}/{short}\""
                    ));
                }
                rules::check_fqdn(v, name);
                return true;
            };
            if ns.is_empty() || gw.is_empty() {
                v.error(format!("gateway {name:?}: neither the namespace nor the name may be empty"));
            }
            if !rules::is_dns1123_label(ns) {
                v.error(format!("gateway {name:?}: namespace {ns:?} is not a valid namespace name"));
            }
            if !gateway_semantics && !rules::is_dns1123_label(gw) {
                v.error(format!("gateway {name:?}: name {gw:?} is not a valid gateway name (a DNS label)"));
            }
            false
        });
        if stop {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP rules
// ---------------------------------------------------------------------------------------------

fn check_http_route(v: &mut Validator, route: &HttpRoute, ctx: &Context<'_>) {
    check_action_conflicts(v, route, ctx);
    v.field("match", |v| {
        for (j, m) in route.match_.iter().enumerate() {
            v.item(j, |v| check_http_match(v, m, ctx));
        }
    });
    if let Some(headers) = &route.headers {
        v.field("headers", |v| check_headers(v, headers));
    }
    if let Some(cors) = &route.cors_policy {
        v.field("corsPolicy", |v| check_cors(v, cors));
    }
    if let Some(fault) = &route.fault {
        v.field("fault", |v| {
            if fault.abort.is_none() && fault.delay.is_none() {
                v.error("a fault needs an abort, a delay, or both");
            }
            if let Some(abort) = &fault.abort {
                v.field("abort", |v| check_abort(v, abort));
            }
            if let Some(delay) = &fault.delay {
                v.field("delay", |v| check_delay(v, delay));
            }
        });
    }
    // V-VS15
    for (key, value) in [("mirrorPercent", route.mirror_percent), ("mirror_percent", route.mirror_percent_proto)] {
        if let Some(percent) = value {
            v.field(key, |v| {
                if percent > 100 {
                    v.error(format!("mirror percent {percent} is above 100"));
                }
                v.warn("mirrorPercent is deprecated; use mirrorPercentage");
            });
        }
    }
    if let Some(percentage) = &route.mirror_percentage {
        v.field("mirrorPercentage", |v| check_mirror_percentage(v, percentage));
    }
    if let Some(mirror) = &route.mirror {
        v.field("mirror", |v| check_destination(v, mirror));
    }
    v.field("mirrors", |v| {
        for (i, mirror) in route.mirrors.iter().enumerate() {
            v.item(i, |v| check_mirror_policy(v, mirror));
        }
    });
    if let Some(redirect) = &route.redirect {
        v.field("redirect", |v| check_redirect(v, redirect, &route.match_));
    }
    if let Some(direct) = &route.direct_response {
        v.field("directResponse", |v| check_direct_response(v, direct));
    }
    if let Some(retries) = &route.retries {
        v.field("retries", |v| check_retries(v, retries));
    }
    if let Some(rewrite) = &route.rewrite {
        v.field("rewrite", |v| check_rewrite(v, rewrite));
    }
    check_single_authority(v, route);
    check_http_destinations(v, &route.route, ctx);
    if let Some(timeout) = &route.timeout {
        v.field("timeout", |v| rules::check_duration(v, timeout));
    }
}

/// V-VS8 (routing.md A1, A11): exactly one action, and the delegate restrictions.
fn check_action_conflicts(v: &mut Validator, route: &HttpRoute, ctx: &Context<'_>) {
    let has_route = !route.route.is_empty();
    if route.delegate.is_some() && !ctx.is_delegate {
        // A root rule hands the request to the delegate; it may not act itself.
        if route.redirect.is_some() {
            v.error_at("redirect", "a rule with a delegate cannot also redirect");
        }
        if has_route {
            v.error_at("route", "a rule with a delegate cannot also have route destinations");
        }
        return;
    }
    if ctx.is_delegate && route.delegate.is_some() {
        v.error_at("delegate", "a delegate VirtualService cannot delegate again (only one level is supported)");
    }
    if route.redirect.is_some() {
        let excluded = [
            (has_route, "route"),
            (route.fault.is_some(), "fault"),
            (route.rewrite.is_some(), "rewrite"),
            (route.direct_response.is_some(), "directResponse"),
        ];
        for (present, other) in excluded {
            if present {
                v.error_at("redirect", format!("a rule cannot have both redirect and {other}"));
            }
        }
    } else if route.direct_response.is_some() {
        for (present, other) in
            [(has_route, "route"), (route.fault.is_some(), "fault"), (route.rewrite.is_some(), "rewrite")]
        {
            if present {
                v.error_at("directResponse", format!("a rule cannot have both directResponse and {other}"));
            }
        }
    } else if !has_route {
        v.error("a rule needs an action: route, redirect or directResponse (or delegate)");
    }
    if route.mirror.is_some() && !route.mirrors.is_empty() {
        v.error_at("mirrors", "set either mirror or mirrors, not both");
    }
}

fn check_http_match(v: &mut Validator, m: &HttpMatchRequest, ctx: &Context<'_>) {
    for (key, field, map) in
        [("headers", MatchField::Header, &m.headers), ("withoutHeaders", MatchField::WithoutHeader, &m.without_headers)]
    {
        v.field(key, |v| {
            for (name, sm) in map {
                v.field(name, |v| {
                    rules::check_match_header_name(v, name);
                    // V-VS7
                    if !ctx.applies_to_gateway && rules::is_jwt_claim_header(name) {
                        v.error(format!(
                            "routing on JWT claim {name:?} only works on gateways; this VirtualService \
                             is not bound to one"
                        ));
                    }
                    rules::check_string_match(v, sm, field);
                });
            }
        });
    }
    for (key, field, sm) in [
        ("uri", MatchField::Uri, &m.uri),
        ("scheme", MatchField::Scheme, &m.scheme),
        ("method", MatchField::Method, &m.method),
        ("authority", MatchField::Authority, &m.authority),
    ] {
        if let Some(sm) = sm {
            v.field(key, |v| rules::check_string_match(v, sm, field));
        }
    }
    v.field("queryParams", |v| {
        for (name, sm) in &m.query_params {
            v.field(name, |v| rules::check_string_match(v, sm, MatchField::QueryParam));
        }
    });
    if let Some(port) = m.port.filter(|p| *p != 0) {
        v.field("port", |v| rules::check_port(v, port));
    }
    v.field("sourceLabels", |v| rules::check_labels(v, &m.source_labels));
    v.field("gateways", |v| check_gateway_names(v, &m.gateways, false));
    if let Some(ns) = m.source_namespace.as_deref().filter(|ns| !ns.is_empty())
        && !rules::is_dns1123_label(ns)
    {
        v.error_at("sourceNamespace", format!("sourceNamespace {ns:?} is not a valid namespace name"));
    }
}

/// V-VS12: header names and values of `set`, `add` and `remove`, for requests and responses.
fn check_headers(v: &mut Validator, headers: &Headers) {
    if let Some(request) = &headers.request {
        v.field("request", |v| check_header_operations(v, request, true));
    }
    if let Some(response) = &headers.response {
        v.field("response", |v| check_header_operations(v, response, false));
    }
}

fn check_header_operations(v: &mut Validator, ops: &HeaderOperations, request: bool) {
    for (key, map) in [("set", &ops.set), ("add", &ops.add)] {
        v.field(key, |v| {
            for (name, value) in map {
                v.field(name, |v| {
                    if request {
                        rules::check_request_header_name(v, name);
                    } else {
                        rules::check_header_name(v, name);
                    }
                    rules::check_header_value(v, value);
                });
            }
        });
    }
    v.field("remove", |v| {
        for (i, name) in ops.remove.iter().enumerate() {
            v.item(i, |v| rules::check_header_name(v, name));
        }
    });
}

/// V-VS12: the authority may be set in only one place (`rewrite.authority`, or a `host` /
/// `:authority` entry of the rule's request `set` or `add`).
fn check_single_authority(v: &mut Validator, route: &HttpRoute) {
    let mut places: Vec<(Vec<&str>, &str)> = Vec::new();
    if let Some(authority) = route.rewrite.as_ref().and_then(|r| r.authority.as_deref()).filter(|a| !a.is_empty()) {
        places.push((vec!["rewrite", "authority"], authority));
    }
    if let Some(request) = route.headers.as_ref().and_then(|h| h.request.as_ref()) {
        for (op, map) in [("set", &request.set), ("add", &request.add)] {
            for (name, value) in map {
                if rules::is_authority_header(name) {
                    places.push((vec!["headers", "request", op, name.as_str()], value.as_str()));
                }
            }
        }
    }
    if let [(_, first), (path, second), ..] = places.as_slice() {
        let message = format!("the authority is set more than once: {first:?} and then {second:?}");
        at_path(v, path, |v| v.error(message));
    }
}

/// Runs `check` at the given chain of keys below the current path.
fn at_path(v: &mut Validator, path: &[&str], check: impl FnOnce(&mut Validator)) {
    match path.split_first() {
        Some((first, rest)) => v.field(first, |v| at_path(v, rest, check)),
        None => check(v),
    }
}

/// V-VS11 (A10).
fn check_cors(v: &mut Validator, cors: &CorsPolicy) {
    v.field("allowOrigins", |v| {
        for (i, origin) in cors.allow_origins.iter().enumerate() {
            v.item(i, |v| match origin {
                StringMatch::Exact(s) | StringMatch::Prefix(s) | StringMatch::Regex(s) if !s.is_empty() => {
                    if let StringMatch::Regex(re) = origin {
                        v.field("regex", |v| rules::check_regex(v, re));
                    }
                }
                _ => v.error("an allowed origin needs a non-empty exact, prefix or regex value"),
            });
        }
    });
    v.field("allowMethods", |v| {
        for (i, method) in cors.allow_methods.iter().enumerate() {
            if !CORS_METHODS.contains(&method.as_str()) {
                v.item(i, |v| {
                    v.error(format!(
                        "{method:?} is not a supported method; use GET, HEAD, POST, PUT, PATCH, DELETE, \
                         CONNECT, OPTIONS, TRACE or *"
                    ));
                });
            }
        }
    });
    for (key, names) in [("allowHeaders", &cors.allow_headers), ("exposeHeaders", &cors.expose_headers)] {
        v.field(key, |v| {
            for (i, name) in names.iter().enumerate() {
                v.item(i, |v| rules::check_cors_header_name(v, name));
            }
        });
    }
    if let Some(max_age) = &cors.max_age {
        v.field("maxAge", |v| {
            rules::check_duration(v, max_age);
            if max_age.as_nanos() > 0 && max_age.as_nanos() % 1_000_000_000 != 0 {
                v.error(format!("maxAge {max_age} must be a whole number of seconds"));
            }
        });
    }
    if !cors.allow_origin.is_empty() {
        v.warn_at("allowOrigin", "allowOrigin is deprecated; use allowOrigins");
    }
}

/// V-VS11 (A7): abort percentage, and exactly one supported error kind.
fn check_abort(v: &mut Validator, abort: &Abort) {
    if let Some(percentage) = &abort.percentage {
        v.field("percentage", |v| check_fault_percentage(v, percentage));
    }
    let kinds = [abort.http_status.is_some(), abort.grpc_status.is_some(), abort.http2_error.is_some()];
    if kinds.iter().filter(|set| **set).count() > 1 {
        v.error("an abort takes one of httpStatus, grpcStatus or http2Error, not several");
    }
    if let Some(status) = abort.http_status {
        v.field("httpStatus", |v| check_http_status(v, i64::from(status)));
    } else if let Some(status) = &abort.grpc_status {
        if !GRPC_STATUSES.contains(&status.as_str()) {
            v.error_at(
                "grpcStatus",
                format!("gRPC status {status:?} is not supported; use a code name such as UNAVAILABLE or NOT_FOUND"),
            );
        }
    } else if abort.http2_error.is_some() {
        v.error_at("http2Error", "aborting with an HTTP/2 error is not supported yet; use httpStatus or grpcStatus");
    } else {
        v.warn("the abort has no error to return; set httpStatus or grpcStatus");
    }
}

/// V-VS11 (A7): delay percentage and length; `exponentialDelay` is refused.
fn check_delay(v: &mut Validator, delay: &Delay) {
    if let Some(percentage) = &delay.percentage {
        v.field("percentage", |v| check_fault_percentage(v, percentage));
    }
    if delay.fixed_delay.is_some() && delay.exponential_delay.is_some() {
        v.error("a delay takes one of fixedDelay or exponentialDelay, not both");
    }
    if let Some(fixed) = &delay.fixed_delay {
        v.field("fixedDelay", |v| rules::check_duration(v, fixed));
    } else if let Some(exponential) = &delay.exponential_delay {
        v.field("exponentialDelay", |v| {
            rules::check_duration(v, exponential);
            v.error("exponentialDelay is not supported yet; use fixedDelay");
        });
    }
    if delay.percent.is_some() {
        v.warn_at("percent", "percent is deprecated; use percentage");
    }
}

fn check_fault_percentage(v: &mut Validator, percentage: &Percent) {
    v.field("value", |v| rules::check_fractional_percent(v, percentage.value.unwrap_or_default()));
}

fn check_mirror_percentage(v: &mut Validator, percentage: &Percent) {
    let value = percentage.value.unwrap_or_default();
    if !(0.0..=100.0).contains(&value) {
        v.error_at("value", format!("mirror percentage {value} is out of range; use a value from 0 to 100"));
    }
}

fn check_mirror_policy(v: &mut Validator, mirror: &HttpMirrorPolicy) {
    v.field("destination", |v| check_destination(v, &mirror.destination));
    if let Some(percentage) = &mirror.percentage {
        v.field("percentage", |v| check_mirror_percentage(v, percentage));
    }
}

/// HTTP status Istio accepts for aborts and direct responses (200 to 600; 600 slips through).
fn check_http_status(v: &mut Validator, status: i64) {
    if !(200..=600).contains(&status) {
        v.error(format!("HTTP status {status} is out of range; use 200 to 599"));
    }
}

/// V-VS11 (A2).
fn check_redirect(v: &mut Validator, redirect: &HttpRedirect, matches: &[HttpMatchRequest]) {
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let (uri, prefix, authority, scheme) =
        (set(&redirect.uri), set(&redirect.prefix_rewrite), set(&redirect.authority), set(&redirect.scheme));
    if uri && prefix {
        v.error("a redirect takes one of uri or prefixRewrite, not both");
    }
    if prefix {
        let non_prefix = matches.iter().any(|m| m.uri.as_ref().is_some_and(|u| !matches!(u, StringMatch::Prefix(_))));
        if non_prefix {
            v.error_at("prefixRewrite", "prefixRewrite needs every uri match of the rule to be a prefix match");
        }
    }
    if redirect.port.is_some() && redirect.derive_port.is_some() {
        v.error("a redirect takes one of port or derivePort, not both");
    }
    let has_port = redirect.port.is_some() || redirect.derive_port.is_some();
    if !uri && !prefix && !authority && !has_port && !scheme {
        v.error("a redirect must change something: set uri, prefixRewrite, authority, scheme or port");
    }
    if let Some(code) = redirect.redirect_code.filter(|c| *c != 0)
        && !(300..=399).contains(&code)
    {
        v.error_at("redirectCode", format!("redirect code {code} is not a 3xx code"));
    }
    if let Some(s) = redirect.scheme.as_deref().filter(|s| !s.is_empty())
        && s != "http"
        && s != "https"
    {
        v.error_at("scheme", format!("redirect scheme {s:?} must be \"http\" or \"https\""));
    }
    if let Some(port) = redirect.port.filter(|p| *p > 0) {
        v.field("port", |v| rules::check_port(v, port));
    }
}

/// V-VS11 (A4): status range, one body form, body size.
fn check_direct_response(v: &mut Validator, direct: &HttpDirectResponse) {
    if let Some(body) = &direct.body {
        v.field("body", |v| {
            if body.string.is_some() && body.bytes.is_some() {
                v.error("a body takes one of string or bytes, not both");
            }
            let size = match (&body.string, &body.bytes) {
                (Some(text), _) => text.len(),
                (None, Some(encoded)) => base64_decoded_len(encoded),
                (None, None) => 0,
            };
            if size > MAX_BODY {
                v.error(format!("the body is {size} bytes; direct responses must stay under 1 MiB"));
            } else if size > WARN_BODY {
                v.warn(format!("the body is {size} bytes; large direct responses slow down the control plane"));
            }
        });
    }
    v.field("status", |v| check_http_status(v, i64::from(direct.status)));
}

/// Length of the data a base64 text decodes to.
fn base64_decoded_len(encoded: &str) -> usize {
    let symbols = encoded.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=').count();
    symbols * 3 / 4
}

/// V-VS11 (A6): Istio's `ValidateHTTPRetry`.
fn check_retries(v: &mut Validator, retries: &HttpRetry) {
    let attempts = retries.attempts.unwrap_or_default();
    if attempts < 0 {
        v.error_at("attempts", format!("attempts {attempts} cannot be negative"));
    }
    let retry_on = retries.retry_on.as_deref().unwrap_or_default();
    if attempts == 0
        && (retries.per_try_timeout.is_some() || !retry_on.is_empty() || retries.retry_remote_localities.is_some())
    {
        v.error_at(
            "attempts",
            "attempts is 0, which disables retries, yet perTryTimeout, retryOn or retryRemoteLocalities is set",
        );
    }
    if let Some(timeout) = &retries.per_try_timeout {
        v.field("perTryTimeout", |v| rules::check_duration(v, timeout));
    }
    if !retry_on.is_empty() {
        v.field("retryOn", |v| {
            for policy in retry_on.split(',') {
                let status = policy.parse::<i64>().unwrap_or_default();
                let named_status = u16::try_from(status).is_ok_and(|s| NAMED_STATUS_CODES.contains(&s));
                if !named_status && !RETRY_ON_POLICIES.contains(&policy) {
                    v.error(format!(
                        "{policy:?} is not a retryOn policy Envoy knows (such as 5xx, gateway-error, \
                         connect-failure) nor an HTTP status code; entries are separated by commas without spaces"
                    ));
                }
            }
        });
    }
    if let Some(backoff) = &retries.backoff {
        v.field("backoff", |v| rules::check_duration(v, backoff));
    }
}

/// V-VS11 (A3).
fn check_rewrite(v: &mut Validator, rewrite: &HttpRewrite) {
    let uri = rewrite.uri.as_deref().is_some_and(|u| !u.is_empty());
    let authority = rewrite.authority.as_deref().is_some_and(|a| !a.is_empty());
    if uri && rewrite.uri_regex_rewrite.is_some() {
        v.error("a rewrite takes one of uri or uriRegexRewrite, not both");
    }
    if !uri && rewrite.uri_regex_rewrite.is_none() && !authority {
        v.error("a rewrite must change something: set uri, uriRegexRewrite or authority");
    }
    if let Some(regex) = &rewrite.uri_regex_rewrite {
        v.field("uriRegexRewrite", |v| {
            let pattern = regex.match_.as_deref().unwrap_or_default();
            if pattern.is_empty() || regex.rewrite.as_deref().unwrap_or_default().is_empty() {
                v.error("uriRegexRewrite needs both match and rewrite");
            }
            if !pattern.is_empty() {
                v.field("match", |v| rules::check_regex(v, pattern));
            }
        });
    }
}

/// V-VS9: each destination, its weight and headers, and a non-zero total when split.
fn check_http_destinations(v: &mut Validator, destinations: &[HttpRouteDestination], ctx: &Context<'_>) {
    v.field("route", |v| {
        for (i, d) in destinations.iter().enumerate() {
            v.item(i, |v| {
                if let Some(headers) = &d.headers {
                    v.field("headers", |v| check_headers(v, headers));
                }
                check_weighted_destination(v, &d.destination, d.weight, ctx);
            });
        }
        check_total_weight(v, destinations.iter().map(|d| d.weight));
    });
}

fn check_route_destinations(v: &mut Validator, destinations: &[RouteDestination], ctx: &Context<'_>) {
    v.field("route", |v| {
        for (i, d) in destinations.iter().enumerate() {
            v.item(i, |v| check_weighted_destination(v, &d.destination, d.weight, ctx));
        }
        check_total_weight(v, destinations.iter().map(|d| d.weight));
    });
}

fn check_weighted_destination(v: &mut Validator, destination: &Destination, weight: Option<i32>, ctx: &Context<'_>) {
    if !ctx.gateway_semantics {
        v.field("destination", |v| check_destination(v, destination));
    }
    if let Some(weight) = weight.filter(|w| *w < 0) {
        v.error_at("weight", format!("weight {weight} cannot be negative"));
    }
}

fn check_total_weight(v: &mut Validator, weights: impl ExactSizeIterator<Item = Option<i32>>) {
    let count = weights.len();
    let total: i64 = weights.map(|w| i64::from(w.unwrap_or_default())).sum();
    if count > 1 && total == 0 {
        v.error("the weights of these destinations add up to 0; give at least one a positive weight");
    }
}

/// A destination: host a (wildcard) name but not `*`, subset a DNS label, port in range.
fn check_destination(v: &mut Validator, destination: &Destination) {
    v.field("host", |v| {
        if destination.host == "*" {
            v.error("a destination host cannot be \"*\"; name a service");
        } else {
            rules::check_wildcard_host(v, &destination.host);
        }
    });
    if let Some(subset) = destination.subset.as_deref().filter(|s| !s.is_empty())
        && !rules::is_dns1123_label(subset)
    {
        v.error_at("subset", format!("subset name {subset:?} must be a DNS label"));
    }
    if let Some(port) = &destination.port {
        v.field("port", |v| v.field("number", |v| rules::check_port(v, port.number.unwrap_or_default())));
    }
}

// ---------------------------------------------------------------------------------------------
// TLS and TCP rules
// ---------------------------------------------------------------------------------------------

/// V-VS13 and routing.md L4, L5.
fn check_tls_route(v: &mut Validator, route: &TlsRoute, ctx: &Context<'_>) {
    if route.match_.is_empty() {
        v.error("a tls rule needs at least one match with sniHosts");
    }
    v.field("match", |v| {
        for (j, m) in route.match_.iter().enumerate() {
            v.item(j, |v| check_tls_match(v, m, ctx));
        }
    });
    if route.route.is_empty() {
        v.error_at("route", "a tls rule needs at least one route destination");
    }
    check_route_destinations(v, &route.route, ctx);
}

fn check_tls_match(v: &mut Validator, m: &TlsMatchAttributes, ctx: &Context<'_>) {
    v.field("sniHosts", |v| {
        if m.sni_hosts.is_empty() {
            v.error("a tls match needs at least one SNI host");
        }
        for (i, sni) in m.sni_hosts.iter().enumerate() {
            v.item(i, |v| check_sni_host(v, sni, ctx));
        }
    });
    check_l4_common(v, &m.destination_subnets, m.port, &m.source_labels, &m.gateways);
}

fn check_sni_host(v: &mut Validator, sni: &str, ctx: &Context<'_>) {
    let problem = if ctx.sni_on_gateway { gateway_bound_host_problem(sni, true) } else { wildcard_host_problem(sni) };
    if let Some(problem) = problem {
        if rules::is_ip_address(sni) {
            v.warn(format!("SNI host {sni:?} is an IP address; SNI carries names, and most clients never send an IP"));
        } else {
            v.error(problem);
        }
        return;
    }
    if !ctx.spec.hosts.iter().any(|host| rules::host_within(sni, host)) {
        v.error(format!(
            "SNI host {sni:?} is not within any host of the VirtualService ({})",
            ctx.spec.hosts.join(", ")
        ));
    }
}

fn check_tcp_route(v: &mut Validator, route: &TcpRoute, ctx: &Context<'_>) {
    v.field("match", |v| {
        for (j, m) in route.match_.iter().enumerate() {
            v.item(j, |v| check_l4_common(v, &m.destination_subnets, m.port, &m.source_labels, &m.gateways));
        }
    });
    if route.route.is_empty() {
        v.error_at("route", "a tcp rule needs at least one route destination");
    }
    check_route_destinations(v, &route.route, ctx);
}

/// The match fields TLS and TCP rules share.
fn check_l4_common(
    v: &mut Validator,
    subnets: &[String],
    port: Option<u32>,
    source_labels: &crate::Labels,
    gateways: &[String],
) {
    v.field("destinationSubnets", |v| {
        for (i, subnet) in subnets.iter().enumerate() {
            v.item(i, |v| rules::check_ip_or_cidr(v, subnet));
        }
    });
    if let Some(port) = port.filter(|p| *p != 0) {
        v.field("port", |v| rules::check_port(v, port));
    }
    v.field("sourceLabels", |v| rules::check_labels(v, source_labels));
    v.field("gateways", |v| check_gateway_names(v, gateways, false));
}

// ---------------------------------------------------------------------------------------------
// Unreachable rules and ineffective matches (V-VS14, warnings)
// ---------------------------------------------------------------------------------------------

/// Whether two matches are equal once unset-equivalent values (a zero port, `false`, empty
/// strings) are made uniform, so that two matches Istio would serialise alike compare equal.
/// Compared in place: validation compares every pair of matches of a VirtualService.
fn same_http_match(a: &HttpMatchRequest, b: &HttpMatchRequest) -> bool {
    // Destructured in full: a field added to the type must be considered here.
    let HttpMatchRequest {
        name: _,
        uri,
        scheme,
        method,
        authority,
        headers,
        port,
        source_labels,
        gateways,
        query_params,
        ignore_uri_case,
        without_headers,
        source_namespace,
        stat_prefix,
    } = a;
    let port_set = |p: &Option<u32>| p.filter(|p| *p != 0);
    let flag_set = |f: &Option<bool>| f.filter(|f| *f);
    let text_eq = |x: &Option<String>, y: &Option<String>| {
        x.as_deref().filter(|t| !t.is_empty()) == y.as_deref().filter(|t| !t.is_empty())
    };
    *uri == b.uri
        && *headers == b.headers
        && *scheme == b.scheme
        && *method == b.method
        && *authority == b.authority
        && port_set(port) == port_set(&b.port)
        && *source_labels == b.source_labels
        && *gateways == b.gateways
        && *query_params == b.query_params
        && flag_set(ignore_uri_case) == flag_set(&b.ignore_uri_case)
        && *without_headers == b.without_headers
        && text_eq(source_namespace, &b.source_namespace)
        && text_eq(stat_prefix, &b.stat_prefix)
}

/// A match with unset-equivalent values made uniform, the reference for [`same_http_match`].
#[cfg(test)]
fn normal_http_match(m: &HttpMatchRequest) -> HttpMatchRequest {
    let mut n = m.clone();
    n.name = None;
    n.port = n.port.filter(|p| *p != 0);
    n.ignore_uri_case = n.ignore_uri_case.filter(|b| *b);
    n.source_namespace = n.source_namespace.filter(|s| !s.is_empty());
    n.stat_prefix = n.stat_prefix.filter(|s| !s.is_empty());
    n
}

fn normal_l4_match(m: &L4MatchAttributes) -> L4MatchAttributes {
    let mut n = m.clone();
    n.port = n.port.filter(|p| *p != 0);
    n.source_namespace = n.source_namespace.filter(|s| !s.is_empty());
    n.source_subnet = n.source_subnet.filter(|s| !s.is_empty());
    n
}

fn normal_tls_match(m: &TlsMatchAttributes) -> TlsMatchAttributes {
    let mut n = m.clone();
    n.port = n.port.filter(|p| *p != 0);
    n.source_namespace = n.source_namespace.filter(|s| !s.is_empty());
    n
}

/// How a rule is named in warnings: its `name` in quotes, else `#<index>`.
fn rule_label(name: Option<&str>, index: usize) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => format!("{name:?}"),
        None => format!("#{index}"),
    }
}

/// Finds rules that can never be reached and matches already covered by an earlier identical
/// match. `normal` gives each rule's matches in comparable form.
///
/// Labels are written, and `same` called, only as needed: most rules are reachable and most
/// matches differ.
fn find_unreachable<M>(
    v: &mut Validator,
    list: &str,
    label: &dyn Fn(usize) -> String,
    matches: &[&[M]],
    same: impl Fn(&M, &M) -> bool,
    mut on_new_match: impl FnMut(usize, usize),
) {
    let mut seen: Vec<(&M, usize)> = Vec::new();
    let mut catch_all: Option<usize> = None;
    v.field(list, |v| {
        for (i, rule_matches) in matches.iter().enumerate() {
            if rule_matches.is_empty() {
                if let Some(first) = catch_all {
                    v.item(i, |v| {
                        v.warn(format!(
                            "rule {} is never used: rule {} before it has no match and takes all traffic \
                             (only the last rule may omit match)",
                            label(i),
                            label(first)
                        ));
                    });
                }
                catch_all = Some(i);
                continue;
            }
            let mut duplicates = 0;
            for (j, m) in rule_matches.iter().enumerate() {
                if let Some(first) = catch_all {
                    v.item(i, |v| {
                        v.warn(format!(
                            "rule {} is never used: rule {} before it has no match and takes all traffic",
                            label(i),
                            label(first)
                        ));
                    });
                    break;
                }
                if let Some((_, earlier)) = seen.iter().find(|(s, _)| same(s, m)) {
                    let earlier = *earlier;
                    v.item(i, |v| {
                        v.field("match", |v| {
                            v.item(j, |v| {
                                v.warn(format!(
                                    "match #{j} of rule {} is never used: rule {} has the same match",
                                    label(i),
                                    label(earlier)
                                ));
                            });
                        });
                    });
                    duplicates += 1;
                    continue;
                }
                seen.push((m, i));
                on_new_match(i, j);
            }
            if duplicates == rule_matches.len() {
                v.item(i, |v| {
                    v.warn(format!("rule {} is never used: earlier rules already take all its matches", label(i)));
                });
            }
        }
    });
}

fn find_unreachable_rules<R, M: PartialEq>(v: &mut Validator, list: &str, routes: &[R], normal: impl Fn(&R) -> Vec<M>) {
    let normal: Vec<Vec<M>> = routes.iter().map(normal).collect();
    let matches: Vec<&[M]> = normal.iter().map(Vec::as_slice).collect();
    find_unreachable(v, list, &|i| rule_label(None, i), &matches, |a, b| a == b, |_, _| {});
}

/// The facts of a uri-prefix match used to spot later prefix matches it already covers.
struct PrefixMatch<'a> {
    rule: usize,
    index: usize,
    prefix: &'a str,
    port: u32,
    method: Summary<'a>,
    authority: Summary<'a>,
    headers: &'a indexmap::IndexMap<String, StringMatch>,
    query_params: &'a indexmap::IndexMap<String, StringMatch>,
    without_headers: &'a indexmap::IndexMap<String, StringMatch>,
}

/// Istio's summary of a string match for overlap checks, the text `exact:v`, `prefix:v`, or
/// empty, kept unwritten.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Summary<'a> {
    Empty,
    Exact(&'a str),
    Prefix(&'a str),
}

impl<'a> Summary<'a> {
    fn of(sm: Option<&'a StringMatch>) -> Self {
        match sm {
            Some(StringMatch::Exact(s)) if !s.is_empty() => Self::Exact(s),
            Some(StringMatch::Prefix(s)) if !s.is_empty() => Self::Prefix(s),
            _ => Self::Empty,
        }
    }

    /// Whether this summary's text starts with `other`'s text: `exact:` and `prefix:` texts
    /// never start with one another.
    fn starts_with(self, other: Self) -> bool {
        match (self, other) {
            (_, Self::Empty) => true,
            (Self::Exact(a), Self::Exact(b)) | (Self::Prefix(a), Self::Prefix(b)) => a.starts_with(b),
            _ => false,
        }
    }
}

impl<'a> PrefixMatch<'a> {
    fn new(rule: usize, index: usize, m: &'a HttpMatchRequest) -> Option<Self> {
        let Some(StringMatch::Prefix(prefix)) = &m.uri else {
            return None;
        };
        if prefix.is_empty() {
            return None;
        }
        let method = match Summary::of(m.method.as_ref()) {
            Summary::Empty => Summary::Exact("GET"),
            method => method,
        };
        Some(Self {
            rule,
            index,
            prefix,
            port: m.port.unwrap_or_default(),
            method,
            authority: Summary::of(m.authority.as_ref()),
            headers: &m.headers,
            query_params: &m.query_params,
            without_headers: &m.without_headers,
        })
    }

    /// Istio's `coveredValidation`: whether `self` (earlier) takes every request `later` would.
    fn covers(&self, later: &Self) -> bool {
        type Map = indexmap::IndexMap<String, StringMatch>;
        fn maps_cover(a: &Map, b: &Map) -> bool {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, va)| b.get(k).is_some_and(|vb| Summary::of(Some(va)).starts_with(Summary::of(Some(vb)))))
        }
        later.prefix.starts_with(self.prefix)
            && later.port == self.port
            && self.method.starts_with(later.method)
            && self.authority.starts_with(later.authority)
            && maps_cover(self.headers, later.headers)
            && maps_cover(self.query_params, later.query_params)
            && maps_cover(self.without_headers, later.without_headers)
    }
}

fn find_unreachable_http_rules(v: &mut Validator, routes: &[HttpRoute]) {
    let label = |i: usize| rule_label(routes[i].name.as_deref(), i);
    let matches: Vec<&[HttpMatchRequest]> = routes.iter().map(|r| r.match_.as_slice()).collect();
    let mut prefixes: Vec<PrefixMatch<'_>> = Vec::new();
    find_unreachable(v, "http", &label, &matches, same_http_match, |i, j| {
        if let Some(p) = PrefixMatch::new(i, j, &routes[i].match_[j]) {
            prefixes.push(p);
        }
    });
    for (a, earlier) in prefixes.iter().enumerate() {
        for later in &prefixes[a + 1..] {
            if later.prefix != earlier.prefix && earlier.covers(later) {
                v.field("http", |v| {
                    v.item(later.rule, |v| {
                        v.field("match", |v| {
                            v.item(later.index, |v| {
                                v.warn(format!(
                                    "match #{} (prefix {:?}) of rule {} is never used: match #{} (prefix {:?}) \
                                     of rule {} takes the same requests first",
                                    later.index,
                                    later.prefix,
                                    label(later.rule),
                                    earlier.index,
                                    earlier.prefix,
                                    label(earlier.rule)
                                ));
                            });
                        });
                    });
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    /// Validates a VirtualService `shop/r` whose spec is given in YAML flow style.
    fn check(spec: &str) -> Vec<Problem> {
        check_doc(&format!("metadata: {{name: r, namespace: shop}}\nspec: {spec}"))
    }

    fn check_doc(rest: &str) -> Vec<Problem> {
        let doc = format!("apiVersion: networking.istio.io/v1\nkind: VirtualService\n{rest}");
        let vs: VirtualService = serde_yaml::from_str(&doc).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        vs.validate()
    }

    fn has(problems: &[Problem], path: &str, level: Level) -> bool {
        problems.iter().any(|p| p.path.to_string() == path && p.level == level)
    }

    #[track_caller]
    fn assert_problem(spec: &str, path: &str, level: Level) {
        let problems = check(spec);
        assert!(has(&problems, path, level), "expected {level} at {path}, got {problems:#?}");
    }

    #[track_caller]
    fn assert_clean(spec: &str) {
        let problems = check(spec);
        assert!(problems.is_empty(), "expected no problem, got {problems:#?}");
    }

    const ROUTE: &str = "route: [{destination: {host: a}}]";

    #[test]
    fn simple_virtual_service_is_valid() {
        assert_clean(&format!("{{hosts: [a], http: [{{{ROUTE}}}]}}"));
    }

    #[test]
    fn metadata_name_that_kubernetes_refuses_is_a_warning() {
        let problems = check_doc(&format!("metadata: {{name: Bad_Name}}\nspec: {{hosts: [a], http: [{{{ROUTE}}}]}}"));
        assert!(has(&problems, "metadata.name", Level::Warning), "{problems:#?}");
    }

    #[test]
    fn vs1_some_rule_is_required() {
        assert_problem("{hosts: [a]}", "spec", Level::Error);
    }

    #[test]
    fn vs2_delegate_cannot_have_gateways_tls_or_tcp() {
        let spec = format!(
            "{{gateways: [ns/gw], http: [{{{ROUTE}}}], tcp: [{{{ROUTE}}}], \
             tls: [{{match: [{{sniHosts: [a.com]}}], {ROUTE}}}]}}"
        );
        let problems = check(&spec);
        for path in ["spec.gateways", "spec.tls", "spec.tcp"] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
    }

    #[test]
    fn vs3_host_must_be_a_domain_name_or_ip() {
        assert_problem(&format!("{{hosts: [a.b, 'foo.*.com'], http: [{{{ROUTE}}}]}}"), "spec.hosts[1]", Level::Error);
        assert_problem(&format!("{{hosts: ['a_b'], http: [{{{ROUTE}}}]}}"), "spec.hosts[0]", Level::Error);
        assert_clean(&format!("{{hosts: [10.0.0.1, '*.foo.com', '*bar.com'], http: [{{{ROUTE}}}]}}"));
    }

    #[test]
    fn vs3_gateway_bound_hosts_accept_auto_passthrough_names() {
        let spec = "{hosts: ['outbound_.80_._.a.shop.svc.cluster.local'], gateways: [ns/gw], \
                    tls: [{match: [{sniHosts: ['outbound_.80_._.a.shop.svc.cluster.local']}], \
                    route: [{destination: {host: a}}]}]}";
        assert_clean(spec);
        let bad = "{hosts: ['outbound_.x_._.a'], gateways: [ns/gw], \
                   tls: [{match: [{sniHosts: ['a.com']}], route: [{destination: {host: a}}]}]}";
        assert!(has(&check(bad), "spec.hosts[0]", Level::Error));
    }

    #[test]
    fn vs4_star_host_is_not_allowed_for_the_mesh() {
        assert_problem(&format!("{{hosts: ['*'], http: [{{{ROUTE}}}]}}"), "spec.hosts[0]", Level::Error);
        assert_problem(
            &format!("{{hosts: ['*'], gateways: [mesh, ns/gw], http: [{{{ROUTE}}}]}}"),
            "spec.hosts[0]",
            Level::Error,
        );
        assert_clean(&format!("{{hosts: ['*'], gateways: [ns/gw], http: [{{{ROUTE}}}]}}"));
    }

    #[test]
    fn vs5_hosts_must_not_overlap() {
        assert_problem(
            &format!("{{hosts: ['*.foo.com', a.foo.com], http: [{{{ROUTE}}}]}}"),
            "spec.hosts[1]",
            Level::Error,
        );
        assert_problem(&format!("{{hosts: [a, b, a], http: [{{{ROUTE}}}]}}"), "spec.hosts[2]", Level::Error);
    }

    #[test]
    fn vs6_gateway_references_are_namespace_slash_name() {
        assert_problem(
            &format!("{{hosts: [a], gateways: [ns/Bad_gw], http: [{{{ROUTE}}}]}}"),
            "spec.gateways[0]",
            Level::Error,
        );
        assert_problem(
            &format!("{{hosts: [a], gateways: ['/gw'], http: [{{{ROUTE}}}]}}"),
            "spec.gateways[0]",
            Level::Error,
        );
        assert_problem(
            &format!("{{hosts: [a], gateways: [gw.ns.svc.cluster.local], http: [{{{ROUTE}}}]}}"),
            "spec.gateways[0]",
            Level::Warning,
        );
        assert_clean(&format!("{{hosts: [a], gateways: [mesh, ns/gw, gw], http: [{{{ROUTE}}}]}}"));
        let spec = "{hosts: [a], http: [{match: [{gateways: ['ns/x_y']}], route: [{destination: {host: a}}]}]}";
        assert_problem(spec, "spec.http[0].match[0].gateways[0]", Level::Error);
    }

    #[test]
    fn vs7_jwt_claim_routing_needs_a_gateway() {
        let rule = "http: [{match: [{headers: {'@request.auth.claims.group': {exact: admin}}}], route: [{destination: {host: a}}]}]";
        assert_problem(
            &format!("{{hosts: [a], {rule}}}"),
            "spec.http[0].match[0].headers.@request.auth.claims.group",
            Level::Error,
        );
        assert_clean(&format!("{{hosts: [a], gateways: [ns/gw], {rule}}}"));
    }

    #[test]
    fn vs8_redirect_excludes_route_fault_rewrite_and_direct_response() {
        let spec = "{hosts: [a], http: [{redirect: {uri: /x}, route: [{destination: {host: a}}], \
                    rewrite: {uri: /y}, directResponse: {status: 200}}]}";
        let problems = check(spec);
        let n = problems.iter().filter(|p| p.path.to_string() == "spec.http[0].redirect").count();
        assert_eq!(n, 3, "{problems:#?}");
    }

    #[test]
    fn vs8_direct_response_excludes_route() {
        assert_problem(
            &format!("{{hosts: [a], http: [{{directResponse: {{status: 503}}, {ROUTE}}}]}}"),
            "spec.http[0].directResponse",
            Level::Error,
        );
    }

    #[test]
    fn vs8_a_rule_needs_an_action() {
        assert_problem("{hosts: [a], http: [{timeout: 1s}]}", "spec.http[0]", Level::Error);
    }

    #[test]
    fn vs8_root_rule_with_delegate_cannot_route_or_redirect() {
        let spec =
            "{hosts: [a], http: [{delegate: {name: d}, redirect: {uri: /x}, route: [{destination: {host: a}}]}]}";
        let problems = check(spec);
        assert!(has(&problems, "spec.http[0].redirect", Level::Error), "{problems:#?}");
        assert!(has(&problems, "spec.http[0].route", Level::Error), "{problems:#?}");
        assert_clean("{hosts: [a], http: [{delegate: {name: d, namespace: other}}]}");
    }

    #[test]
    fn vs8_delegate_cannot_delegate_again() {
        assert_problem(
            &format!("{{http: [{{delegate: {{name: d}}, {ROUTE}}}]}}"),
            "spec.http[0].delegate",
            Level::Error,
        );
    }

    #[test]
    fn vs8_mirror_and_mirrors_are_exclusive() {
        let spec = format!(
            "{{hosts: [a], http: [{{{ROUTE}, mirror: {{host: b}}, mirrors: [{{destination: {{host: c}}}}]}}]}}"
        );
        assert_problem(&spec, "spec.http[0].mirrors", Level::Error);
    }

    #[test]
    fn vs9_weight_must_not_be_negative() {
        let spec = "{hosts: [a], http: [{route: [{destination: {host: a}, weight: -5}, {destination: {host: b}, weight: 105}]}]}";
        assert_problem(spec, "spec.http[0].route[0].weight", Level::Error);
    }

    #[test]
    fn vs9_split_weights_must_not_add_up_to_zero() {
        let spec = "{hosts: [a], tcp: [{route: [{destination: {host: a}, weight: 0}, {destination: {host: b}}]}]}";
        assert_problem(spec, "spec.tcp[0].route", Level::Error);
        assert_clean("{hosts: [a], http: [{route: [{destination: {host: a}, weight: 0}]}]}");
    }

    #[test]
    fn vs10_prefix_and_regex_must_not_be_empty_except_uri_prefix() {
        let spec = "{hosts: [a], http: [{match: [{uri: {prefix: ''}, method: {prefix: ''}, headers: {x: {regex: ''}}, \
                    queryParams: {q: {prefix: ''}}}], route: [{destination: {host: a}}]}]}";
        let problems = check(spec);
        for path in [
            "spec.http[0].match[0].method.prefix",
            "spec.http[0].match[0].headers.x.regex",
            "spec.http[0].match[0].queryParams.q.prefix",
        ] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
        assert!(!problems.iter().any(|p| p.path.to_string().contains(".uri")), "{problems:#?}");
    }

    #[test]
    fn vs10_regex_must_compile_and_fit() {
        let spec = "{hosts: [a], http: [{match: [{uri: {regex: '/a['}}], route: [{destination: {host: a}}]}]}";
        assert_problem(spec, "spec.http[0].match[0].uri.regex", Level::Error);
        let long =
            format!("{{hosts: [a], http: [{{match: [{{authority: {{regex: '{}'}}}}], {ROUTE}}}]}}", "a".repeat(1025));
        assert_problem(&long, "spec.http[0].match[0].authority.regex", Level::Error);
        let star =
            "{hosts: [a], http: [{match: [{withoutHeaders: {x: {regex: '*'}}}], route: [{destination: {host: a}}]}]}";
        assert_clean(star);
    }

    #[test]
    fn vs10_match_fields_port_labels_and_source_namespace() {
        let spec = "{hosts: [a], http: [{match: [{port: 70000, sourceLabels: {'bad key': v}, sourceNamespace: 'Bad_ns', \
                    headers: {'bad header': {exact: x}}}], route: [{destination: {host: a}}]}]}";
        let problems = check(spec);
        for path in [
            "spec.http[0].match[0].port",
            "spec.http[0].match[0].sourceLabels.bad key",
            "spec.http[0].match[0].sourceNamespace",
            "spec.http[0].match[0].headers.bad header",
        ] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
    }

    #[test]
    fn vs11_redirect_fields() {
        let bad_code = "{hosts: [a], http: [{redirect: {uri: /x, redirectCode: 200}}]}";
        assert_problem(bad_code, "spec.http[0].redirect.redirectCode", Level::Error);
        let bad_scheme = "{hosts: [a], http: [{redirect: {scheme: ftp}}]}";
        assert_problem(bad_scheme, "spec.http[0].redirect.scheme", Level::Error);
        assert_problem("{hosts: [a], http: [{redirect: {}}]}", "spec.http[0].redirect", Level::Error);
        assert_problem(
            "{hosts: [a], http: [{redirect: {uri: /a, prefixRewrite: /b}}]}",
            "spec.http[0].redirect",
            Level::Error,
        );
        let exact = "{hosts: [a], http: [{match: [{uri: {exact: /a}}], redirect: {prefixRewrite: /b}}]}";
        assert_problem(exact, "spec.http[0].redirect.prefixRewrite", Level::Error);
        assert_clean("{hosts: [a], http: [{redirect: {derivePort: FROM_REQUEST_PORT, redirectCode: 308}}]}");
    }

    #[test]
    fn vs11_rewrite_fields() {
        assert_problem(
            "{hosts: [a], http: [{rewrite: {}, route: [{destination: {host: a}}]}]}",
            "spec.http[0].rewrite",
            Level::Error,
        );
        let both = "{hosts: [a], http: [{rewrite: {uri: /a, uriRegexRewrite: {match: a, rewrite: b}}, route: [{destination: {host: a}}]}]}";
        assert_problem(both, "spec.http[0].rewrite", Level::Error);
        let half =
            "{hosts: [a], http: [{rewrite: {uriRegexRewrite: {match: '('}}, route: [{destination: {host: a}}]}]}";
        let problems = check(half);
        assert!(has(&problems, "spec.http[0].rewrite.uriRegexRewrite", Level::Error), "{problems:#?}");
        assert!(has(&problems, "spec.http[0].rewrite.uriRegexRewrite.match", Level::Error), "{problems:#?}");
    }

    #[test]
    fn vs11_direct_response_status_and_body() {
        assert_problem(
            "{hosts: [a], http: [{directResponse: {status: 700}}]}",
            "spec.http[0].directResponse.status",
            Level::Error,
        );
        assert_clean("{hosts: [a], http: [{directResponse: {status: 600}}]}");
        let big = format!(
            "{{hosts: [a], http: [{{directResponse: {{status: 200, body: {{string: '{}'}}}}}}]}}",
            "x".repeat(200 * 1024)
        );
        assert_problem(&big, "spec.http[0].directResponse.body", Level::Warning);
        let huge = format!(
            "{{hosts: [a], http: [{{directResponse: {{status: 200, body: {{string: '{}'}}}}}}]}}",
            "x".repeat(1024 * 1024 + 1)
        );
        assert_problem(&huge, "spec.http[0].directResponse.body", Level::Error);
    }

    #[test]
    fn vs11_fault_rules() {
        assert_problem(
            &format!("{{hosts: [a], http: [{{fault: {{}}, {ROUTE}}}]}}"),
            "spec.http[0].fault",
            Level::Error,
        );
        let pct = format!(
            "{{hosts: [a], http: [{{fault: {{abort: {{httpStatus: 503, percentage: {{value: 0.00001}}}}}}, {ROUTE}}}]}}"
        );
        assert_problem(&pct, "spec.http[0].fault.abort.percentage.value", Level::Error);
        let grpc = format!("{{hosts: [a], http: [{{fault: {{abort: {{grpcStatus: NOPE}}}}, {ROUTE}}}]}}");
        assert_problem(&grpc, "spec.http[0].fault.abort.grpcStatus", Level::Error);
        let h2 = format!("{{hosts: [a], http: [{{fault: {{abort: {{http2Error: x}}}}, {ROUTE}}}]}}");
        assert_problem(&h2, "spec.http[0].fault.abort.http2Error", Level::Error);
        let none = format!("{{hosts: [a], http: [{{fault: {{abort: {{percentage: {{value: 10}}}}}}, {ROUTE}}}]}}");
        assert_problem(&none, "spec.http[0].fault.abort", Level::Warning);
        let status = format!("{{hosts: [a], http: [{{fault: {{abort: {{httpStatus: 100}}}}, {ROUTE}}}]}}");
        assert_problem(&status, "spec.http[0].fault.abort.httpStatus", Level::Error);
        let exp = format!("{{hosts: [a], http: [{{fault: {{delay: {{exponentialDelay: 1s}}}}, {ROUTE}}}]}}");
        assert_problem(&exp, "spec.http[0].fault.delay.exponentialDelay", Level::Error);
        let fixed = format!(
            "{{hosts: [a], http: [{{fault: {{delay: {{fixedDelay: 0.5ms, percentage: {{value: 50}}}}}}, {ROUTE}}}]}}"
        );
        assert_problem(&fixed, "spec.http[0].fault.delay.fixedDelay", Level::Error);
    }

    #[test]
    fn vs11_retry_rules() {
        let neg = format!("{{hosts: [a], http: [{{retries: {{attempts: -1}}, {ROUTE}}}]}}");
        assert_problem(&neg, "spec.http[0].retries.attempts", Level::Error);
        let zero = format!("{{hosts: [a], http: [{{retries: {{attempts: 0, perTryTimeout: 1s}}, {ROUTE}}}]}}");
        assert_problem(&zero, "spec.http[0].retries.attempts", Level::Error);
        let on = format!("{{hosts: [a], http: [{{retries: {{attempts: 3, retryOn: '5xx, 503'}}, {ROUTE}}}]}}");
        assert_problem(&on, "spec.http[0].retries.retryOn", Level::Error);
        let backoff = format!("{{hosts: [a], http: [{{retries: {{attempts: 3, backoff: 0s}}, {ROUTE}}}]}}");
        assert_problem(&backoff, "spec.http[0].retries.backoff", Level::Error);
        assert_clean(&format!(
            "{{hosts: [a], http: [{{retries: {{attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,503'}}, {ROUTE}}}]}}"
        ));
    }

    #[test]
    fn vs11_mirror_rules() {
        let pct = format!("{{hosts: [a], http: [{{{ROUTE}, mirror: {{host: b}}, mirrorPercentage: {{value: 101}}}}]}}");
        assert_problem(&pct, "spec.http[0].mirrorPercentage.value", Level::Error);
        let list = format!(
            "{{hosts: [a], http: [{{{ROUTE}, mirrors: [{{destination: {{host: '*'}}, percentage: {{value: -1}}}}]}}]}}"
        );
        let problems = check(&list);
        assert!(has(&problems, "spec.http[0].mirrors[0].destination.host", Level::Error), "{problems:#?}");
        assert!(has(&problems, "spec.http[0].mirrors[0].percentage.value", Level::Error), "{problems:#?}");
    }

    #[test]
    fn vs11_cors_rules() {
        let spec = format!(
            "{{hosts: [a], http: [{{{ROUTE}, corsPolicy: {{allowOrigins: [{{exact: ''}}, {{regex: '('}}], \
             allowMethods: [GET, FETCH], allowHeaders: ['bad header'], maxAge: 1500ms}}}}]}}"
        );
        let problems = check(&spec);
        for path in [
            "spec.http[0].corsPolicy.allowOrigins[0]",
            "spec.http[0].corsPolicy.allowOrigins[1].regex",
            "spec.http[0].corsPolicy.allowMethods[1]",
            "spec.http[0].corsPolicy.allowHeaders[0]",
            "spec.http[0].corsPolicy.maxAge",
        ] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
    }

    #[test]
    fn vs11_timeout_must_be_whole_milliseconds() {
        assert_problem(
            &format!("{{hosts: [a], http: [{{{ROUTE}, timeout: 100us}}]}}"),
            "spec.http[0].timeout",
            Level::Error,
        );
    }

    #[test]
    fn vs11_destination_host_subset_and_port() {
        let spec = "{hosts: [a], http: [{route: [{destination: {host: '*', subset: 'v_1', port: {number: 0}}}]}]}";
        let problems = check(spec);
        for path in [
            "spec.http[0].route[0].destination.host",
            "spec.http[0].route[0].destination.subset",
            "spec.http[0].route[0].destination.port.number",
        ] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
    }

    #[test]
    fn vs12_header_operations() {
        let spec = "{hosts: [a], http: [{route: [{destination: {host: a}, headers: {response: {set: {host: x}}}}], \
                    headers: {request: {set: {':path': /x, x: 'bad%'}, remove: [host]}, response: {add: {':status': '200'}}}}]}";
        let problems = check(spec);
        for path in [
            "spec.http[0].headers.request.set.:path",
            "spec.http[0].headers.request.set.x",
            "spec.http[0].headers.request.remove[0]",
            "spec.http[0].headers.response.add.:status",
            "spec.http[0].route[0].headers.response.set.host",
        ] {
            assert!(has(&problems, path, Level::Error), "{path}: {problems:#?}");
        }
    }

    #[test]
    fn vs12_authority_is_set_once() {
        let spec = "{hosts: [a], http: [{rewrite: {authority: b}, headers: {request: {set: {host: c}}}, route: [{destination: {host: a}}]}]}";
        assert_problem(spec, "spec.http[0].headers.request.set.host", Level::Error);
        assert_clean("{hosts: [a], http: [{headers: {request: {set: {host: c}}}, route: [{destination: {host: a}}]}]}");
    }

    #[test]
    fn vs13_tls_match_needs_sni_hosts_within_the_hosts() {
        let route = "route: [{destination: {host: a.com}}]";
        assert_problem(&format!("{{hosts: [a.com], tls: [{{match: [], {route}}}]}}"), "spec.tls[0]", Level::Error);
        assert_problem(
            &format!("{{hosts: [a.com], tls: [{{match: [{{sniHosts: [], port: 443}}], {route}}}]}}"),
            "spec.tls[0].match[0].sniHosts",
            Level::Error,
        );
        assert_problem(
            &format!("{{hosts: [a.com], tls: [{{match: [{{sniHosts: [b.com]}}], {route}}}]}}"),
            "spec.tls[0].match[0].sniHosts[0]",
            Level::Error,
        );
        assert_problem(
            &format!("{{hosts: [a.com], tls: [{{match: [{{sniHosts: [1.2.3.4]}}], {route}}}]}}"),
            "spec.tls[0].match[0].sniHosts[0]",
            Level::Warning,
        );
        assert_problem("{hosts: [a.com], tls: [{match: [{sniHosts: [a.com]}]}]}", "spec.tls[0].route", Level::Error);
        assert_clean(&format!(
            "{{hosts: ['*.a.com'], tls: [{{match: [{{sniHosts: [b.a.com], destinationSubnets: [10.0.0.0/8]}}], {route}}}]}}"
        ));
    }

    #[test]
    fn tcp_rule_needs_a_route_and_valid_subnets() {
        let problems = check("{hosts: [a], tcp: [{match: [{destinationSubnets: [10.0.0.0/40], port: 0}]}]}");
        assert!(has(&problems, "spec.tcp[0].route", Level::Error), "{problems:#?}");
        assert!(has(&problems, "spec.tcp[0].match[0].destinationSubnets[0]", Level::Error), "{problems:#?}");
    }

    #[test]
    fn vs14_rules_after_a_catch_all_are_unreachable() {
        let spec =
            format!("{{hosts: [a], http: [{{{ROUTE}}}, {{{ROUTE}}}, {{match: [{{uri: {{exact: /x}}}}], {ROUTE}}}]}}");
        let problems = check(&spec);
        assert!(has(&problems, "spec.http[1]", Level::Warning), "{problems:#?}");
        assert!(has(&problems, "spec.http[2]", Level::Warning), "{problems:#?}");
        assert!(problems.iter().all(|p| p.level == Level::Warning), "{problems:#?}");
    }

    #[test]
    fn vs14_duplicate_matches_are_ineffective() {
        let spec = format!(
            "{{hosts: [a], http: [{{match: [{{name: one, uri: {{exact: /x}}}}], {ROUTE}}}, \
             {{match: [{{name: two, uri: {{exact: /x}}}}, {{uri: {{exact: /y}}}}], {ROUTE}}}, \
             {{match: [{{uri: {{exact: /y}}, ignoreUriCase: false}}], {ROUTE}}}]}}"
        );
        let problems = check(&spec);
        assert!(has(&problems, "spec.http[1].match[0]", Level::Warning), "{problems:#?}");
        assert!(has(&problems, "spec.http[2].match[0]", Level::Warning), "{problems:#?}");
        assert!(has(&problems, "spec.http[2]", Level::Warning), "all matches taken: {problems:#?}");
        assert!(!has(&problems, "spec.http[1]", Level::Warning), "{problems:#?}");
    }

    #[test]
    fn vs14_covered_prefix_matches_are_ineffective() {
        let spec = format!(
            "{{hosts: [a], http: [{{match: [{{uri: {{prefix: /debug}}}}], {ROUTE}}}, \
             {{match: [{{uri: {{prefix: /debugs}}}}], {ROUTE}}}, {{match: [{{uri: {{prefix: /de}}}}], {ROUTE}}}]}}"
        );
        let problems = check(&spec);
        assert!(has(&problems, "spec.http[1].match[0]", Level::Warning), "{problems:#?}");
        assert!(!has(&problems, "spec.http[2].match[0]", Level::Warning), "{problems:#?}");
    }

    #[test]
    fn vs14_tcp_rules_after_a_catch_all_are_unreachable() {
        let spec = format!("{{hosts: [a], tcp: [{{{ROUTE}}}, {{match: [{{port: 80}}], {ROUTE}}}]}}");
        assert_problem(&spec, "spec.tcp[1]", Level::Warning);
    }

    #[test]
    fn vs15_mirror_percent_is_deprecated() {
        let spec = format!("{{hosts: [a], http: [{{{ROUTE}, mirror: {{host: b}}, mirrorPercent: 50}}]}}");
        let problems = check(&spec);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(has(&problems, "spec.http[0].mirrorPercent", Level::Warning));
        let over = format!("{{hosts: [a], http: [{{{ROUTE}, mirror: {{host: b}}, mirrorPercent: 150}}]}}");
        assert_problem(&over, "spec.http[0].mirrorPercent", Level::Error);
    }

    #[test]
    fn export_to_must_not_repeat_the_namespace() {
        assert_problem(
            &format!("{{hosts: [a], http: [{{{ROUTE}}}], exportTo: ['.', shop]}}"),
            "spec.exportTo[1]",
            Level::Error,
        );
    }

    #[test]
    fn export_to_dot_is_fine_without_a_namespace() {
        let problems =
            check_doc(&format!("metadata: {{name: r}}\nspec: {{hosts: [a], http: [{{{ROUTE}}}], exportTo: ['.']}}"));
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn gateway_route_semantics_skip_destination_checks() {
        let rest = "metadata: {name: r, namespace: shop, annotations: {internal.istio.io/route-semantics: gateway}}\n\
                    spec: {hosts: [a.com], gateways: [ns/gw], http: [{route: [{destination: {host: '*'}}]}]}";
        let problems = check_doc(rest);
        assert!(!problems.iter().any(|p| p.path.to_string().contains("destination")), "{problems:#?}");
    }
}

#[cfg(test)]
mod same_match {
    use super::*;

    #[test]
    fn comparing_in_place_agrees_with_comparing_normal_forms() {
        let base = HttpMatchRequest { uri: Some(StringMatch::Prefix("/a".into())), ..Default::default() };
        let mut variants = vec![base.clone(), HttpMatchRequest::default()];
        let edits: Vec<fn(&mut HttpMatchRequest)> = vec![
            |m| m.name = Some("n".into()),
            |m| m.port = Some(0),
            |m| m.port = Some(80),
            |m| m.ignore_uri_case = Some(false),
            |m| m.ignore_uri_case = Some(true),
            |m| m.source_namespace = Some(String::new()),
            |m| m.source_namespace = Some("shop".into()),
            |m| m.stat_prefix = Some(String::new()),
            |m| m.stat_prefix = Some("p".into()),
            |m| m.scheme = Some(StringMatch::Exact("https".into())),
            |m| m.method = Some(StringMatch::Exact("GET".into())),
            |m| m.authority = Some(StringMatch::Prefix("a".into())),
            |m| _ = m.headers.insert("x".into(), StringMatch::Exact("1".into())),
            |m| _ = m.without_headers.insert("x".into(), StringMatch::Exact("1".into())),
            |m| _ = m.query_params.insert("q".into(), StringMatch::Exact("1".into())),
            |m| _ = m.source_labels.insert("app".into(), "a".into()),
            |m| m.gateways = vec!["mesh".into()],
        ];
        for edit in &edits {
            let mut m = base.clone();
            edit(&mut m);
            variants.push(m);
        }
        for a in &variants {
            for b in &variants {
                assert_eq!(same_http_match(a, b), normal_http_match(a) == normal_http_match(b), "{a:?} {b:?}");
            }
        }
    }
}
