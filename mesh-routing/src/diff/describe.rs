//! Short, stable texts for match conditions, destinations and requests, shared by the routing
//! diff and the traffic graph.

use crate::compile::virtual_service::{HttpActionKind, HttpMatch, HttpRule, TcpMatch, TlsMatch};
use crate::matchers::headers::HeaderMatcher;
use crate::matchers::source::SourceMatcher;
use crate::matchers::string::StringMatcher;
use crate::request::{Protocol, Request};

/// The pattern a compiled regex was written with (compilation wraps it in `^(?:...)$`).
pub(crate) fn regex_source(re: &regex::Regex) -> &str {
    let s = re.as_str();
    s.strip_prefix("^(?:").and_then(|s| s.strip_suffix(")$")).unwrap_or(s)
}

/// `exact "v"`, `prefix "v"`, `regex "v"` or `any`.
pub(crate) fn string_matcher(m: &StringMatcher) -> String {
    match m {
        StringMatcher::Exact { value, ignore_case } => format!("exact {value:?}{}", nocase(*ignore_case)),
        StringMatcher::Prefix { value, ignore_case } => format!("prefix {value:?}{}", nocase(*ignore_case)),
        StringMatcher::Regex(re) => format!("regex {:?}", regex_source(re)),
        StringMatcher::Any => "any".to_owned(),
    }
}

fn nocase(ignore_case: bool) -> &'static str {
    if ignore_case { " (any case)" } else { "" }
}

fn named(kind: &str, h: &HeaderMatcher) -> String {
    match &h.value {
        Some(v) => format!("{kind} {} {}", h.name, string_matcher(v)),
        None => format!("{kind} {} present", h.name),
    }
}

fn source(s: &SourceMatcher, out: &mut Vec<String>) {
    if !s.labels.is_empty() {
        let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(format!("sourceLabels {}", labels.join(",")));
    }
    if let Some(ns) = &s.namespace {
        out.push(format!("sourceNamespace {ns}"));
    }
    if !s.gateways.is_empty() {
        out.push(format!("gateways {}", s.gateways.join(",")));
    }
}

/// The conditions of one HTTP match entry, comma separated; `any request` when there are none.
pub(crate) fn http_match(m: &HttpMatch) -> String {
    let mut out = Vec::new();
    if let Some(u) = &m.uri {
        out.push(format!("uri {}", string_matcher(u)));
    }
    if let Some(s) = &m.scheme {
        out.push(format!("scheme {}", string_matcher(s)));
    }
    if let Some(s) = &m.method {
        out.push(format!("method {}", string_matcher(s)));
    }
    if let Some(s) = &m.authority {
        out.push(format!("authority {}", string_matcher(s)));
    }
    out.extend(m.headers.iter().map(|h| named("header", h)));
    out.extend(m.without_headers.iter().map(|h| named("without header", h)));
    out.extend(m.query.iter().map(|h| named("query", h)));
    if let Some(p) = m.port.0 {
        out.push(format!("port {p}"));
    }
    source(&m.source, &mut out);
    if out.is_empty() { "any request".to_owned() } else { out.join(", ") }
}

/// The conditions of one TLS match entry.
pub(crate) fn tls_match(m: &TlsMatch) -> String {
    let mut out = Vec::new();
    if !m.sni.is_empty() {
        let sni: Vec<String> = m.sni.iter().map(ToString::to_string).collect();
        out.push(format!("sni {}", sni.join(",")));
    }
    l4_common(&m.subnets, m.port.0, &m.source, &mut out);
    if out.is_empty() { "any connection".to_owned() } else { out.join(", ") }
}

/// The conditions of one TCP match entry.
pub(crate) fn tcp_match(m: &TcpMatch) -> String {
    let mut out = Vec::new();
    l4_common(&m.subnets, m.port.0, &m.source, &mut out);
    if out.is_empty() { "any connection".to_owned() } else { out.join(", ") }
}

fn l4_common(subnets: &[String], port: Option<u32>, s: &SourceMatcher, out: &mut Vec<String>) {
    if !subnets.is_empty() {
        out.push(format!("destinationSubnets {}", subnets.join(",")));
    }
    if let Some(p) = port {
        out.push(format!("port {p}"));
    }
    source(s, out);
}

/// The match entries of an HTTP rule joined with ` | `; `any request` without entries.
pub(crate) fn http_rule_matches(rule: &HttpRule) -> String {
    if rule.matches.is_empty() {
        return "any request".to_owned();
    }
    rule.matches.iter().map(http_match).collect::<Vec<_>>().join(" | ")
}

/// What an HTTP rule does, in a few words (`route`, `redirect`, `direct response 503`, ...).
pub(crate) fn http_action(rule: &HttpRule) -> String {
    match &rule.action.kind {
        HttpActionKind::Route => "route".to_owned(),
        HttpActionKind::Redirect(r) => {
            let target = format!("{}{}", r.authority.as_deref().unwrap_or(""), r.uri.as_deref().unwrap_or(""));
            let code = r.redirect_code.unwrap_or(301);
            if target.is_empty() { format!("redirect {code}") } else { format!("redirect {code} to {target}") }
        }
        HttpActionKind::DirectResponse(d) => format!("direct response {}", d.status),
        HttpActionKind::Delegate(to) => format!("delegate to {to} (unresolved)"),
    }
}

/// The short form of a host: `name.namespace` for a cluster service, else the host itself.
pub(crate) fn short_host(host: &str) -> &str {
    match host.find(".svc.") {
        Some(at) => &host[..at],
        None => host,
    }
}

/// A destination as people name it: `host`, `host v1`, `host:8080 v1` (port only when written).
pub(crate) fn destination(host: &str, subset: Option<&str>, port: Option<u32>) -> String {
    let mut out = short_host(host).to_owned();
    if let Some(p) = port {
        out.push_str(&format!(":{p}"));
    }
    if let Some(s) = subset {
        out.push(' ');
        out.push_str(s);
    }
    out
}

/// Formats a share without needless decimals: `75%`, `33.3%`.
pub(crate) fn percent(share: f64) -> String {
    // Adding zero turns a negative zero into zero.
    let rounded = (share * 10.0).round() / 10.0 + 0.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}%") } else { format!("{rounded:.1}%") }
}

fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Http => "http",
        Protocol::Https => "https",
        Protocol::Grpc => "grpc",
        Protocol::Tls => "tls",
        Protocol::Tcp => "tcp",
    }
}

/// One line naming everything that sets a request apart: protocol, method, host, port, path,
/// headers, caller and gateway. Equal requests give equal lines.
pub(crate) fn request(r: &Request) -> String {
    let mut out = match r.protocol {
        Protocol::Tls | Protocol::Tcp => {
            format!("{} {}:{}", protocol(r.protocol), r.effective_sni(), r.effective_port())
        }
        _ => format!("{} {} {}:{}{}", protocol(r.protocol), r.method, r.host, r.effective_port(), r.path),
    };
    if let Some(s) = &r.scheme {
        out.push_str(&format!(" scheme={s}"));
    }
    for (k, v) in &r.headers {
        out.push_str(&format!(" {k}={v:?}"));
    }
    match &r.gateway {
        Some(g) => out.push_str(&format!(" via gateway {g}")),
        None => {
            out.push_str(&format!(" from {}", r.source_namespace));
            if !r.source_labels.is_empty() {
                let labels: Vec<String> = r.source_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push_str(&format!(" [{}]", labels.join(",")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_print_without_needless_decimals() {
        assert_eq!(percent(75.0), "75%");
        assert_eq!(percent(100.0 / 3.0), "33.3%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn cluster_hosts_shorten_to_name_and_namespace() {
        assert_eq!(short_host("reviews.shop.svc.cluster.local"), "reviews.shop");
        assert_eq!(short_host("api.example.com"), "api.example.com");
        assert_eq!(destination("reviews.shop.svc.cluster.local", Some("v1"), Some(9080)), "reviews.shop:9080 v1");
    }

    #[test]
    fn requests_describe_caller_and_headers() {
        let r = Request::http("reviews").port(9080).path("/a?x=1").header("end-user", "jason");
        assert_eq!(request(&r), "http GET reviews:9080/a?x=1 end-user=\"jason\" from default");
        let g = Request::http("shop.com").gateway("web/gw");
        assert_eq!(request(&g), "http GET shop.com:80/ via gateway web/gw");
    }
}
