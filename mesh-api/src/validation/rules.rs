//! Checks shared by many kinds: host names, labels, ports, durations, regexes, headers,
//! `exportTo`, selectors, policy targets and object metadata.
//!
//! Each `check_*` function records what it finds on a [`Validator`] at the validator's current
//! path (or at a named field below it, as its documentation says), so a kind's `Validate` impl
//! only has to position the validator and call the check. The `is_*` functions are plain
//! predicates for callers that need to decide on their own wording.
//!
//! The rules follow Istio's admission webhook (`pkg/config/validation`, `pkg/config/labels`,
//! `pkg/config/host`, `pkg/config/protocol`), including its quirks, which are noted where they
//! surprise.

use std::collections::HashSet;
use std::net::IpAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::common::{Duration, LabelSelector, Labels, PolicyTargetReference, StringMatch, WorkloadSelector};
use crate::validation::Validator;

/// Longest DNS label, in bytes.
pub const MAX_LABEL_LEN: usize = 63;
/// Longest host name Istio accepts, in bytes.
pub const MAX_HOST_LEN: usize = 255;
/// Longest regular expression Istio accepts, in bytes (its stand-in for Envoy's program size limit).
pub const MAX_REGEX_LEN: usize = 1024;
/// The gateway name that means "every sidecar in the mesh".
pub const MESH_GATEWAY: &str = "mesh";

const NANOS_PER_MILLI: i64 = 1_000_000;

// ---------------------------------------------------------------------------------------------
// DNS names
// ---------------------------------------------------------------------------------------------

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A label body: starts and ends with a letter or digit, with letters, digits and `-` between.
/// Letters of either case are accepted, as Istio's own pattern does.
fn is_label_body(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => is_alnum(first) && is_alnum(last) && b.iter().all(|&c| is_alnum(c) || c == b'-'),
        _ => false,
    }
}

/// Whether `value` is a DNS-1123 label as Istio checks it: 1 to 63 letters, digits and `-`,
/// starting and ending with a letter or digit.
///
/// Istio's pattern lets upper-case letters through (Kubernetes does not); this follows Istio,
/// since it decides admission of the fields where it is used (subset names, port names,
/// namespaces in `exportTo` and host references).
pub fn is_dns1123_label(value: &str) -> bool {
    value.len() <= MAX_LABEL_LEN && is_label_body(value)
}

/// Whether `value` is a Kubernetes DNS-1123 subdomain, the rule the API server applies to object
/// names: at most 253 characters, dot-separated lower-case labels.
pub fn is_dns1123_subdomain(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| is_label_body(label) && !label.bytes().any(|c| c.is_ascii_uppercase()))
}

/// Kubernetes' lower-case DNS label, the rule for namespace names.
fn is_k8s_dns1123_label(value: &str) -> bool {
    is_dns1123_label(value) && !value.bytes().any(|c| c.is_ascii_uppercase())
}

/// Whether `value` is a DNS label that may carry a wildcard, as Istio allows in the first label
/// of a host: `*`, a label, or a label prefixed by `*` or `*-` (`*foo`, `*-foo`). At most 63
/// characters.
pub fn is_wildcard_dns1123_label(value: &str) -> bool {
    if value.len() > MAX_LABEL_LEN {
        return false;
    }
    if value == "*" {
        return true;
    }
    let body = value.strip_prefix("*-").or_else(|| value.strip_prefix('*')).unwrap_or(value);
    is_label_body(body)
}

/// Why a host name is not acceptable, or `None` when it is a valid FQDN.
fn fqdn_problem(name: &str) -> Option<String> {
    if let Some(p) = host_length_problem(name) {
        return Some(p);
    }
    labels_problem(name, name)
}

fn host_length_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a domain name must not be empty".to_owned())
    } else if name.len() > MAX_HOST_LEN {
        Some(format!("domain name {name:?} is {} characters long; at most {MAX_HOST_LEN} are allowed", name.len()))
    } else {
        None
    }
}

/// Checks each dot-separated label of `domain` (part of `whole`); a trailing dot is allowed.
fn labels_problem(whole: &str, domain: &str) -> Option<String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let last = parts.last().copied().unwrap_or_default();
    // Go's strconv.Atoi decides "all-numeric" there: an optional sign and digits that fit 64 bits.
    if last.parse::<i64>().is_ok() {
        return Some(format!("domain name {whole:?} is invalid: its top-level label {last:?} must not be only digits"));
    }
    for (i, label) in parts.iter().enumerate() {
        if i + 1 == parts.len() && label.is_empty() {
            return None;
        }
        if !is_dns1123_label(label) {
            return Some(format!(
                "domain name {whole:?} is invalid: label {label:?} must be 1-63 letters, digits or '-', \
                 starting and ending with a letter or digit"
            ));
        }
    }
    None
}

/// Why `domain` is not a valid host with an optional wildcard first label, or `None`.
fn wildcard_domain_problem(domain: &str) -> Option<String> {
    if let Some(p) = host_length_problem(domain) {
        return Some(p);
    }
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Some(format!(
            "domain name {domain:?} is invalid: first label {first:?} must be '*', a DNS label, \
             or a DNS label after '*' or '*-'"
        ));
    }
    rest.and_then(|rest| labels_problem(domain, rest))
}

/// Whether `host` is a valid host with an optional wildcard first label (`*`, `*.example.com`,
/// `*foo.example.com`, `reviews`, `reviews.shop.svc.cluster.local`).
pub fn is_wildcard_host(host: &str) -> bool {
    wildcard_domain_problem(host).is_none()
}

/// Checks a fully qualified domain name: 1 to 255 characters, each label a DNS label, the last
/// label not all digits; one trailing dot is allowed. Istio's `ValidateFQDN`.
pub fn check_fqdn(v: &mut Validator, name: &str) {
    if let Some(problem) = fqdn_problem(name) {
        v.error(problem);
    }
}

/// Checks a VirtualService or DestinationRule host: a domain name whose first label may be a
/// wildcard (`*`, `*.example.com`, or the partial form `*foo.example.com`), other labels plain
/// DNS labels, the last not all digits. Short names such as `reviews` are accepted.
/// Istio's `ValidateWildcardDomain`.
pub fn check_wildcard_host(v: &mut Validator, host: &str) {
    if let Some(problem) = wildcard_domain_problem(host) {
        v.error(problem);
    }
}

/// As [`check_wildcard_host`], but an IP address is accepted too (VirtualService hosts).
pub fn check_wildcard_host_or_ip(v: &mut Validator, host: &str) {
    if let Some(problem) = wildcard_domain_problem(host)
        && !is_ip_address(host)
    {
        v.error(format!("{problem}; an IP address is also accepted here"));
    }
}

/// Checks the host name part of a Gateway server or Sidecar egress host: not a short name, a
/// valid (wildcard) domain name without partial wildcards; IPs are accepted when `allow_ip`.
fn check_host_dns_part(v: &mut Validator, dns: &str, allow_ip: bool) {
    if dns != "*" && !dns.contains('.') {
        v.error(format!(
            "host {dns:?} is a short name; write the fully qualified name (such as \
             {dns}.<namespace>.svc.cluster.local) or a wildcard"
        ));
    }
    if let Some(problem) = wildcard_domain_problem(dns)
        && !(allow_ip && is_ip_address(dns))
    {
        v.error(problem);
    }
    if dns.contains('*') && dns != "*" && !dns.starts_with("*.") {
        v.error(format!("partial wildcard {dns:?} is not allowed here; use '*' alone or a '*.' prefix"));
    }
}

/// Checks a Sidecar egress host in `namespace/dnsName` form (also the core of Gateway server
/// hosts): the namespace is `*`, `.`, or a DNS label, optionally prefixed by `~` (exclusion);
/// the DNS part is `*`, or a fully qualified or `*.`-prefixed name (no short names, no partial
/// wildcards such as `*foo.com`). Neither part may be empty.
///
/// Gateway servers have slightly different rules (a bare `dnsName` and IP addresses are allowed,
/// `~` is not): use [`check_gateway_server_host`] for them.
pub fn check_gateway_or_sidecar_host(v: &mut Validator, host: &str) {
    let Some((ns, dns)) = host.split_once('/') else {
        v.error(format!("host {host:?} must be written as namespace/dnsName, such as \"*/{host}\""));
        return;
    };
    if ns.is_empty() || dns.is_empty() {
        v.error(format!("host {host:?}: neither the namespace nor the dnsName may be empty"));
    }
    let bare_ns = ns.strip_prefix('~').unwrap_or(ns);
    if !bare_ns.is_empty() && bare_ns != "*" && bare_ns != "." && !is_dns1123_label(bare_ns) {
        v.error(format!("host {host:?}: namespace {ns:?} must be '*', '.', or a namespace name, optionally after '~'"));
    }
    check_host_dns_part(v, dns, false);
}

/// Checks a Gateway server host: `namespace/dnsName` or a bare `dnsName`; the namespace is `*`,
/// `.` or a DNS label; the DNS part is `*`, a fully qualified or `*.`-prefixed name, or an IP
/// address (no short names, no partial wildcards).
pub fn check_gateway_server_host(v: &mut Validator, host: &str) {
    let Some((ns, dns)) = host.split_once('/') else {
        check_host_dns_part(v, host, true);
        return;
    };
    if ns.is_empty() || dns.is_empty() {
        v.error(format!("host {host:?}: neither the namespace nor the dnsName may be empty"));
    }
    if ns != "*" && ns != "." && !is_dns1123_label(ns) {
        v.error(format!("host {host:?}: namespace {ns:?} must be '*', '.', or a namespace name"));
    }
    check_host_dns_part(v, dns, true);
}

/// Whether host `a` and host `b` overlap: equal, or one wildcard covers the other
/// (`*.foo.com` and `a.foo.com`, `*.com` and `*.foo.com`). Istio's `host.Name.Matches`.
pub fn hosts_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => {
            if a.len() < b.len() {
                sb.ends_with(sa)
            } else {
                sa.ends_with(sb)
            }
        }
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Whether every name host `a` matches is also matched by host `b` (`a.foo.com` within
/// `*.foo.com`, `*.a.foo.com` within `*.foo.com`). Istio's `host.Name.SubsetOf`.
pub fn host_within(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => a.len() >= b.len() && sa.ends_with(sb),
        (Some(_), None) => false,
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/// Whether `value` is an IPv4 or IPv6 address, as Go's `netip.ParseAddr` reads it (an IPv6
/// zone such as `fe80::1%eth0` is accepted; leading zeros in IPv4 octets are not).
pub fn is_ip_address(value: &str) -> bool {
    if let Some((addr, zone)) = value.split_once('%') {
        return !zone.is_empty() && addr.contains(':') && addr.parse::<std::net::Ipv6Addr>().is_ok();
    }
    value.parse::<IpAddr>().is_ok()
}

/// Whether `value` is a CIDR block such as `10.0.0.0/8` or `2001:db8::/32`, as Go's
/// `netip.ParsePrefix` reads it (no zone, prefix length in decimal within the address size).
pub fn is_cidr(value: &str) -> bool {
    let Some((addr, bits)) = value.split_once('/') else {
        return false;
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) || (bits.len() > 1 && bits.starts_with('0')) {
        return false;
    }
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.parse::<u32>().is_ok_and(|n| n <= max)
}

/// Checks an IP address or a CIDR block (a value with one `/` is read as a block).
/// Istio's `ValidateIPSubnet`.
pub fn check_ip_or_cidr(v: &mut Validator, value: &str) {
    if value.matches('/').count() == 1 {
        if !is_cidr(value) {
            v.error(format!("{value:?} is not a valid CIDR block (such as 10.0.0.0/8 or 2001:db8::/32)"));
        }
    } else if !is_ip_address(value) {
        v.error(format!("{value:?} is not a valid IP address"));
    }
}

// ---------------------------------------------------------------------------------------------
// Ports and protocols
// ---------------------------------------------------------------------------------------------

/// Checks a port number: 1 to 65535.
pub fn check_port(v: &mut Validator, port: u32) {
    if !(1..=65535).contains(&port) {
        v.error(format!("port {port} is out of range; use a number from 1 to 65535"));
    }
}

/// Checks a port name: a DNS label (letters, digits, `-`, at most 63 characters).
pub fn check_port_name(v: &mut Validator, name: &str) {
    if !is_dns1123_label(name) {
        v.error(format!(
            "port name {name:?} is invalid: use 1-63 letters, digits or '-', starting and ending \
             with a letter or digit"
        ));
    }
}

/// The protocol names Istio understands on a port, compared without regard to case.
pub const PROTOCOLS: &[&str] =
    &["HTTP", "HTTPS", "GRPC", "GRPC-Web", "HTTP2", "MONGO", "REDIS", "MYSQL", "TCP", "TLS", "UDP", "HTTP_PROXY"];

/// Whether Istio recognises `name` as a port protocol (case-insensitive).
pub fn is_known_protocol(name: &str) -> bool {
    PROTOCOLS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Checks a port protocol name against Istio's list ([`PROTOCOLS`], any case). An empty name is
/// accepted, as Istio does: it means "detect the protocol".
pub fn check_protocol(v: &mut Validator, name: &str) {
    if !name.is_empty() && !is_known_protocol(name) {
        v.error(format!(
            "protocol {name:?} is not supported; use one of HTTP, HTTPS, GRPC, GRPC-Web, HTTP2, \
             TCP, TLS, UDP, Mongo, Redis, MySQL, HTTP_PROXY"
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Labels and selectors
// ---------------------------------------------------------------------------------------------

/// A qualified name: letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit.
fn is_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            is_alnum(f) && is_alnum(l) && b.iter().all(|&c| is_alnum(c) || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// Why `key` is not a valid label key, or `None`.
fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let valid_syntax = is_qualified_name(name) && prefix.is_none_or(|p| p.split('.').all(is_label_body));
    if !valid_syntax {
        return Some(format!(
            "label key {key:?} is invalid: use an optional DNS prefix and '/', then letters, digits, \
             '-', '_' or '.', starting and ending with a letter or digit"
        ));
    }
    if prefix.is_some_and(|p| p.len() > 253) {
        return Some(format!("label key {key:?} is invalid: its prefix is longer than 253 characters"));
    }
    if name.len() > MAX_LABEL_LEN {
        return Some(format!("label key {key:?} is invalid: its name is longer than 63 characters"));
    }
    None
}

/// Whether `key` is a valid label key (`app`, `app.kubernetes.io/name`).
pub fn is_label_key(key: &str) -> bool {
    label_key_problem(key).is_none()
}

/// Whether `value` is a valid label value as Istio checks it: empty, or letters, digits, `-`,
/// `_`, `.`, starting and ending with a letter or digit. (Istio does not limit the length.)
pub fn is_label_value(value: &str) -> bool {
    value.is_empty() || is_qualified_name(value)
}

fn check_label_pairs<'a>(v: &mut Validator, pairs: impl IntoIterator<Item = (&'a str, &'a str)>, k8s_lengths: bool) {
    for (key, value) in pairs {
        v.field(key, |v| {
            if let Some(problem) = label_key_problem(key) {
                v.error(problem);
            }
            if !is_label_value(value) {
                v.error(format!(
                    "label value {value:?} is invalid: use letters, digits, '-', '_' or '.', starting \
                     and ending with a letter or digit, or leave it empty"
                ));
            } else if k8s_lengths && value.len() > MAX_LABEL_LEN {
                v.error(format!("label value {value:?} is longer than 63 characters"));
            }
        });
    }
}

/// Checks label keys and values with Kubernetes syntax, as Istio's `labels.Instance.Validate`;
/// each problem is recorded at the label's key under the current path.
pub fn check_labels(v: &mut Validator, labels: &Labels) {
    check_label_pairs(v, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), false);
}

fn check_selector_labels(v: &mut Validator, labels: &Labels) {
    for (key, value) in labels {
        v.field(key, |v| {
            if key.is_empty() {
                v.error(format!("a selector label key must not be empty (found \"={value}\")"));
            }
            if key.contains('*') || value.contains('*') {
                v.error(format!("wildcards are not supported in selectors (found \"{key}={value}\")"));
            }
        });
    }
}

/// Checks a `workloadSelector` (`labels` map): keys must not be empty, neither keys nor values
/// may hold `*`, and a selector without labels draws a warning (it selects every workload).
/// Problems are recorded under `labels`.
pub fn check_workload_selector(v: &mut Validator, selector: &WorkloadSelector) {
    v.field("labels", |v| {
        check_selector_labels(v, &selector.labels);
        if selector.labels.is_empty() {
            v.warn("the workload selector has no labels, so it selects every workload in the namespace");
        }
    });
}

/// Checks a `selector` (`matchLabels` map) with the same rules as [`check_workload_selector`];
/// problems are recorded under `matchLabels`.
pub fn check_label_selector(v: &mut Validator, selector: &LabelSelector) {
    v.field("matchLabels", |v| {
        check_selector_labels(v, &selector.match_labels);
        if selector.match_labels.is_empty() {
            v.warn("the selector has no labels, so it selects every workload in the namespace");
        }
    });
}

/// The (group, kind) pairs a policy may target; the core group is written `""` or `core`.
pub const TARGET_REF_KINDS: &[(&str, &str)] = &[
    ("core", "Service"),
    ("networking.istio.io", "ServiceEntry"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
];

/// Checks a policy `targetRef`: a name is required, a namespace must not be set (Istio does not
/// support cross-namespace targets), and the group and kind must be a `Service`, `ServiceEntry`,
/// Gateway API `Gateway` or `GatewayClass`. Problems go under `name`, `namespace` and `kind`.
pub fn check_target_ref(v: &mut Validator, target: &PolicyTargetReference) {
    if target.name.is_empty() {
        v.error_at("name", "a target reference needs a name");
    }
    if target.namespace.as_deref().is_some_and(|ns| !ns.is_empty()) {
        v.error_at("namespace", "leave the namespace empty: targets in other namespaces are not supported");
    }
    let group = match target.group.as_deref() {
        None | Some("") => "core",
        Some(g) => g,
    };
    if !TARGET_REF_KINDS.iter().any(|(g, k)| *g == group && *k == target.kind) {
        let shown = target.group.as_deref().unwrap_or_default();
        v.error_at(
            "kind",
            format!(
                "cannot target {shown}/{}: use a Service (core group), a ServiceEntry \
                 (networking.istio.io), or a Gateway or GatewayClass (gateway.networking.k8s.io)",
                target.kind
            ),
        );
    }
}

/// Checks a `targetRefs` list (each entry at its index) and that it is not combined with a
/// selector (`has_selector`), which Istio rejects; that conflict is recorded at the current path.
pub fn check_target_refs(v: &mut Validator, targets: &[PolicyTargetReference], has_selector: bool) {
    if has_selector && !targets.is_empty() {
        v.error("set either targetRefs or a selector, not both");
    }
    for (i, target) in targets.iter().enumerate() {
        v.item(i, |v| check_target_ref(v, target));
    }
}

// ---------------------------------------------------------------------------------------------
// Durations and percentages
// ---------------------------------------------------------------------------------------------

/// Checks a duration as Istio does for timeouts and intervals: at least 1 ms, and a whole number
/// of milliseconds.
pub fn check_duration(v: &mut Validator, duration: &Duration) {
    let nanos = duration.as_nanos();
    if nanos < NANOS_PER_MILLI {
        v.error(format!("duration {duration} is too short; it must be at least 1ms"));
    } else if nanos % NANOS_PER_MILLI != 0 {
        v.error(format!("duration {duration} is finer than a millisecond; only whole milliseconds are supported"));
    }
}

fn show_nanos(nanos: i64) -> String {
    crate::Duration::from(std::time::Duration::from_nanos(nanos.max(0).unsigned_abs())).to_string()
}

/// Checks that a duration lies within `min_nanos..=max_nanos` (bounds in nanoseconds). Combine
/// with [`check_duration`] for the millisecond rules.
pub fn check_duration_range(v: &mut Validator, duration: &Duration, min_nanos: i64, max_nanos: i64) {
    let nanos = duration.as_nanos();
    if nanos < min_nanos || nanos > max_nanos {
        v.error(format!(
            "duration {duration} is out of range; it must be between {} and {}",
            show_nanos(min_nanos),
            show_nanos(max_nanos)
        ));
    }
}

/// Checks a percentage: 0 to 100 inclusive.
pub fn check_percent(v: &mut Validator, percent: f64) {
    if !(0.0..=100.0).contains(&percent) {
        v.error(format!("percentage {percent} is out of range; use a value from 0 to 100"));
    }
}

/// Checks a fractional percentage (`Percent` messages such as fault `percentage`): 0, or from
/// 0.0001 to 100, since Envoy cannot represent smaller fractions.
pub fn check_fractional_percent(v: &mut Validator, percent: f64) {
    if !(0.0..=100.0).contains(&percent) || (percent > 0.0 && percent < 0.0001) {
        v.error(format!("percentage {percent} must be 0 or between 0.0001 and 100"));
    }
}

// ---------------------------------------------------------------------------------------------
// Regular expressions and string matches
// ---------------------------------------------------------------------------------------------

/// The length of a counted repetition (`{n}`, `{n,}`, `{n,m}`) at the start of `rest`, if
/// one is there.
fn counted_repeat_len(rest: &str) -> Option<usize> {
    let body_len = rest[1..].find('}')?;
    let body = &rest[1..1 + body_len];
    let (min, max) = body.split_once(',').unwrap_or((body, "0"));
    let digits = |c: &str| c.bytes().all(|b| b.is_ascii_digit());
    (!min.is_empty() && digits(min) && digits(max)).then_some(body_len + 2)
}

/// Why `pattern` would be refused by RE2 though the `regex` crate reads it, or `None`.
///
/// The two dialects are close. This catches the differences that matter in practice: flags RE2
/// lacks (`x`, `u`, `R`), counted repetitions above 1000, stacked repetition operators, and the
/// `regex` crate's class set operators (`&&`, `--`, `~~`), which RE2 would read literally and
/// so mean something else.
fn re2_difference(pattern: &str) -> Option<String> {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    let mut class_depth = 0usize;
    // Whether the token just read was a repetition operator: RE2 and Go, unlike the `regex`
    // crate, refuse to stack them (`a**`, `x{10}{10}`), which also keeps programs small.
    let mut after_repeat = false;
    while i < bytes.len() {
        if class_depth == 0 {
            let repeat = match bytes[i] {
                b'*' | b'+' | b'?' => Some(1),
                b'{' => counted_repeat_len(&pattern[i..]),
                _ => None,
            };
            if let Some(len) = repeat {
                let operator = &pattern[i..i + len];
                if after_repeat {
                    return Some(format!("invalid nested repetition operator {operator:?}"));
                }
                if operator.starts_with('{') {
                    let body = &operator[1..operator.len() - 1];
                    if body.split(',').any(|c| c.parse::<u32>().is_ok_and(|n| n > 1000)) {
                        return Some(format!("repetition {operator} exceeds RE2's limit of 1000"));
                    }
                }
                i += len;
                if bytes.get(i) == Some(&b'?') {
                    i += 1;
                }
                after_repeat = true;
                continue;
            }
        }
        after_repeat = false;
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' => class_depth += 1,
            b']' if class_depth > 0 => class_depth -= 1,
            b'(' if class_depth == 0 && bytes.get(i + 1) == Some(&b'?') => {
                let flags: String =
                    pattern[i + 2..].chars().take_while(|c| c.is_ascii_alphabetic() || *c == '-').collect();
                if let Some(bad) = flags.chars().find(|c| matches!(c, 'x' | 'u' | 'R')) {
                    return Some(format!("flag '{bad}' is not supported by RE2 (use i, m, s or U)"));
                }
            }
            b'&' | b'-' | b'~' if class_depth > 0 && bytes.get(i + 1) == Some(&bytes[i]) => {
                let op = &pattern[i..i + 2];
                return Some(format!("character class operator {op:?} is not RE2 syntax; escape it"));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Checks a regular expression Istio passes to Envoy: at most [`MAX_REGEX_LEN`] bytes and valid
/// RE2 syntax.
///
/// Istio compiles with Go's RE2 dialect; this compiles with the `regex` crate, which reads
/// almost the same language, and also refuses the main constructs only one of them accepts
/// (see `re2_difference`). Go's `\Q...\E` quoting is not understood by the `regex` crate and is
/// reported as an error here though Istio admits it.
pub fn check_regex(v: &mut Validator, pattern: &str) {
    if pattern.len() > MAX_REGEX_LEN {
        v.error(format!("regular expression is {} bytes long; at most {MAX_REGEX_LEN} are allowed", pattern.len()));
        return;
    }
    if let Some(problem) = re2_difference(pattern) {
        v.error(format!("invalid regular expression {pattern:?}: {problem}"));
        return;
    }
    if plainly_valid(pattern) {
        return;
    }
    // Parsing checks the syntax at a fraction of the time and memory of compiling; the size
    // of the compiled program is bounded by MAX_REGEX_LEN above, as Istio bounds it.
    if let Err(err) = regex_syntax::Parser::new().parse(pattern) {
        let text = err.to_string();
        let detail = text.lines().last().unwrap_or_default().trim().to_owned();
        v.error(format!(
            "invalid regular expression {pattern:?}: {detail} (Istio uses RE2 syntax: \
             https://github.com/google/re2/wiki/Syntax)"
        ));
    }
}

/// Whether `pattern` is made only of literal ASCII characters and `.`, each perhaps followed by
/// one `*`, `+` or `?`, as most patterns in routing rules are (`beta-.*`, `/api/v[0-9]` is not).
/// Such a pattern is valid RE2 and valid for the regex crate, so it needs no parse: parsing
/// allocates a syntax tree, and validation sees every regex of every object.
fn plainly_valid(pattern: &str) -> bool {
    let mut after_atom = false;
    for b in pattern.bytes() {
        after_atom = match b {
            b'*' | b'+' | b'?' if after_atom => false,
            b'.' => true,
            b'\\' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'|' | b'^' | b'$' | b'*' | b'+' | b'?' => return false,
            b' '..=b'~' => true,
            _ => return false,
        };
    }
    true
}

/// Which field of an HTTP match request a [`StringMatch`] belongs to; the rules differ a little.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchField {
    /// `uri`: an empty prefix is allowed (it matches every path).
    Uri,
    /// `scheme`.
    Scheme,
    /// `method`.
    Method,
    /// `authority`.
    Authority,
    /// A value of `headers`.
    Header,
    /// A value of `withoutHeaders`: the regex `*` is allowed (it means "header present").
    WithoutHeader,
    /// A value of `queryParams`.
    QueryParam,
}

impl MatchField {
    /// The field's name as written in YAML.
    pub fn name(self) -> &'static str {
        match self {
            Self::Uri => "uri",
            Self::Scheme => "scheme",
            Self::Method => "method",
            Self::Authority => "authority",
            Self::Header => "headers",
            Self::WithoutHeader => "withoutHeaders",
            Self::QueryParam => "queryParams",
        }
    }
}

/// Checks a string match of an HTTP match request, as Istio's `validateStringMatch`: a prefix must
/// not be empty (except in `uri`), a regex must not be empty and must compile ([`check_regex`]);
/// `withoutHeaders` may use the regex `*`. Exact values and `{}` are always accepted. Problems
/// are recorded under the match kind (`prefix` or `regex`).
pub fn check_string_match(v: &mut Validator, sm: &StringMatch, field: MatchField) {
    match sm {
        StringMatch::Prefix(p) if p.is_empty() && field != MatchField::Uri => {
            v.error_at("prefix", format!("a {} prefix match must not be empty", field.name()));
        }
        StringMatch::Regex(re) if field == MatchField::WithoutHeader && re == "*" => {}
        StringMatch::Regex(re) if re.is_empty() => {
            v.error_at("regex", format!("a {} regex match must not be empty", field.name()));
        }
        StringMatch::Regex(re) => v.field("regex", |v| check_regex(v, re)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// exportTo
// ---------------------------------------------------------------------------------------------

/// Checks an `exportTo` list of an object in `namespace`: each entry is `.`, `*` or a namespace
/// name (`~` only for a ServiceEntry); no duplicates, counting `.` and the own namespace as the
/// same; `*` and `~` must stand alone; a DestinationRule with a workload selector may only be
/// exported to its own namespace. Entry problems are recorded at the entry's index, list-wide
/// ones at the current path.
pub fn check_export_to(
    v: &mut Validator,
    namespace: &str,
    export_to: &[String],
    is_service_entry: bool,
    is_destination_rule_with_selector: bool,
) {
    if export_to.is_empty() {
        return;
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, entry) in export_to.iter().enumerate() {
        let key = if entry == "." { namespace } else { entry.as_str() };
        v.item(i, |v| {
            if seen.contains(key) {
                if export_to[..i].contains(entry) {
                    v.error(format!("{entry:?} appears more than once in exportTo"));
                } else {
                    v.error(format!("exportTo lists both \".\" and the object's own namespace {namespace:?}"));
                }
                return;
            }
            match key {
                "~" if is_service_entry => {
                    seen.insert(key);
                }
                "~" => v.error("exportTo \"~\" (visible to no one) is only allowed on a ServiceEntry"),
                _ if entry == "." || key == "*" => {
                    seen.insert(key);
                }
                _ if is_dns1123_label(key) => {
                    seen.insert(key);
                }
                _ => v.error(format!("exportTo entry {entry:?} is invalid: use \".\", \"*\" or a namespace name")),
            }
        });
    }
    if is_destination_rule_with_selector && !seen.is_empty() {
        if !seen.contains(namespace) {
            v.error("a DestinationRule with a workload selector can only be exported to its own namespace");
        } else if seen.len() > 1 {
            v.error("a DestinationRule with a workload selector can only have one exportTo entry, its own namespace");
        }
    }
    if seen.contains("*") && export_to.len() > 1 {
        v.error("exportTo \"*\" already exports everywhere; it cannot be combined with other entries");
    }
    if seen.contains("~") && export_to.len() > 1 {
        v.error("exportTo \"~\" (visible to no one) cannot be combined with other entries");
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

/// The annotation that turns an AuthorizationPolicy into a dry run.
pub const DRY_RUN_ANNOTATION: &str = "istio.io/dry-run";

/// Annotations reserved for Istio's own generated objects; Istio rejects objects carrying them.
pub const RESERVED_ANNOTATIONS: &[&str] =
    &["internal.istio.io/parents", "internal.istio.io/parent-namespace", "internal.istio.io/webhook-always-reject"];

/// Whether Go's `strconv.ParseBool` accepts `value`.
fn is_go_bool(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false" | "False")
}

/// Checks an object's metadata as the API server and Istio's webhook do, recording under
/// `metadata.`: `name` (required unless `generateName` is set; a DNS-1123 subdomain, and a DNS
/// label for a `Gateway`), `namespace` (a lower-case DNS label), `labels` (Kubernetes syntax),
/// and `annotations`: `istio.io/dry-run` is refused except on an `AuthorizationPolicy` (where it
/// must be a boolean), and Istio's internal `internal.istio.io/parent*` annotations are refused.
pub fn check_metadata(v: &mut Validator, kind: &str, meta: &ObjectMeta) {
    v.field("metadata", |v| {
        match meta.name.as_deref() {
            None | Some("") => {
                if meta.generate_name.as_deref().unwrap_or_default().is_empty() {
                    v.error_at("name", format!("a {kind} needs a name"));
                }
            }
            Some(name) if kind == "Gateway" && !is_dns1123_label(name) => v.error_at(
                "name",
                format!("Gateway name {name:?} must be a DNS label: letters, digits and '-', no dots, at most 63"),
            ),
            // Istio's rules check only Gateway names; the Kubernetes API server refuses the rest.
            Some(name) if !is_dns1123_subdomain(name) => v.warn_at(
                "name",
                format!(
                    "name {name:?} will be refused by Kubernetes: use lower-case letters, digits, '-' \
                     and '.', starting and ending with a letter or digit, at most 253 characters"
                ),
            ),
            Some(_) => {}
        }
        if let Some(ns) = meta.namespace.as_deref().filter(|ns| !ns.is_empty())
            && !is_k8s_dns1123_label(ns)
        {
            v.error_at(
                "namespace",
                format!("namespace {ns:?} is invalid: use lower-case letters, digits and '-', at most 63"),
            );
        }
        if let Some(labels) = &meta.labels {
            v.field("labels", |v| {
                check_label_pairs(v, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), true);
            });
        }
        if let Some(annotations) = &meta.annotations {
            v.field("annotations", |v| {
                for (key, value) in annotations {
                    v.field(key, |v| {
                        if let Some(problem) = label_key_problem(key) {
                            v.error(problem.replacen("label key", "annotation key", 1));
                        }
                        if key == DRY_RUN_ANNOTATION {
                            if kind != "AuthorizationPolicy" {
                                v.error(format!(
                                    "annotation {DRY_RUN_ANNOTATION} is only supported on AuthorizationPolicy; remove it"
                                ));
                            } else if !is_go_bool(value) {
                                v.error(format!("annotation {DRY_RUN_ANNOTATION} must be true or false, not {value:?}"));
                            }
                        }
                        if RESERVED_ANNOTATIONS.contains(&key.as_str()) {
                            v.error(format!("annotation {key} is reserved for Istio's generated objects; remove it"));
                        }
                    });
                }
            });
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/// HTTP/2 pseudo-headers that may be matched on.
pub const PSEUDO_HEADERS: &[&str] = &[":method", ":scheme", ":authority", ":path", ":status"];

/// The header-name prefix that routes on a JWT claim (`@request.auth.claims.group`).
pub const JWT_CLAIM_PREFIX: &str = "@request.auth.claims";

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `name` is an HTTP token (RFC 7230 header name characters).
pub fn is_http_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_token_char)
}

/// Whether a match header name refers to a JWT claim: `@request.auth.claims.a.b` or
/// `@request.auth.claims[a][b]` (the prefix in any case).
pub fn is_jwt_claim_header(name: &str) -> bool {
    let prefix_len = JWT_CLAIM_PREFIX.len();
    if name.len() < prefix_len || !name.is_char_boundary(prefix_len) {
        return false;
    }
    if !name[..prefix_len].eq_ignore_ascii_case(JWT_CLAIM_PREFIX) {
        return false;
    }
    let rest = &name[prefix_len..];
    (rest.starts_with('.') && rest.len() > 1) || (rest.starts_with('[') && rest.ends_with(']') && rest.len() > 2)
}

fn is_internal_header(name: &str) -> bool {
    name.starts_with(':') || name.eq_ignore_ascii_case("host")
}

/// Whether `name` names the request authority (`host` or `:authority`, any case).
pub fn is_authority_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
}

/// Checks a header name in a header operation that cannot touch the authority: request `remove`,
/// and response `set`, `add` and `remove`. It must not be empty, `host`, or start with `:`.
pub fn check_header_name(v: &mut Validator, name: &str) {
    if name.is_empty() {
        v.error("a header name must not be empty");
    } else if name.eq_ignore_ascii_case("host") {
        v.error(format!("header {name:?} cannot be changed here; rewrite the authority instead"));
    } else if name.starts_with(':') {
        v.error(format!("header {name:?} is invalid: pseudo-headers (starting with ':') cannot be changed"));
    }
}

/// Checks a header name in request `set` or `add`: not empty and not a pseudo-header, except
/// that `host` and `:authority` are accepted (they rewrite the authority).
pub fn check_request_header_name(v: &mut Validator, name: &str) {
    if name.is_empty() {
        v.error("a header name must not be empty");
    } else if is_internal_header(name) && !is_authority_header(name) {
        v.error(format!("header {name:?} is invalid: pseudo-headers (starting with ':') cannot be changed"));
    }
}

/// Checks a header name used in a match (`headers`, `withoutHeaders`): an HTTP token, a
/// pseudo-header such as `:method`, or a JWT claim reference (`@request.auth.claims.group`).
pub fn check_match_header_name(v: &mut Validator, name: &str) {
    if name.is_empty() {
        v.error("a header name must not be empty");
    } else if !is_jwt_claim_header(name) && !PSEUDO_HEADERS.contains(&name) && !is_http_token(name) {
        v.error(format!("{name:?} is not a valid header name"));
    }
}

/// Checks a header name in a CORS policy (`allowHeaders`, `exposeHeaders`): an HTTP token or `*`.
pub fn check_cors_header_name(v: &mut Validator, name: &str) {
    if name.is_empty() {
        v.error("a header name must not be empty");
    } else if name != "*" && !is_http_token(name) {
        v.error(format!("{name:?} is not a valid header name"));
    }
}

/// Checks a header name with Istio's strict rule (letters, digits, `-` and `_` only), used
/// where a name is handed to other systems (such as JWT `fromHeaders`).
pub fn check_strict_header_name(v: &mut Validator, name: &str) {
    if name.is_empty() {
        v.error("a header name must not be empty");
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        v.error(format!("{name:?} is not a valid header name: use letters, digits, '-' and '_'"));
    }
}

/// Why an Envoy header value template is malformed, or `None`.
///
/// Envoy reads `%NAME%` and `%NAME(args)%` as variables and `%%` as a literal `%`. The argument
/// list may be a JSON-like array of strings (`%NAME(["a", "b"])%`) or bare text.
fn header_template_problem(value: &str) -> Option<&'static str> {
    #[derive(PartialEq)]
    enum State {
        Text,
        Name,
        ArgsStart,
        ArrayItem,
        Quoted,
        AfterItem,
        ArgsEnd,
        VarEnd,
    }
    let bytes = value.as_bytes();
    let mut state = State::Text;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        state = match state {
            State::Text if c == b'%' => match bytes.get(i + 1) {
                None => {
                    return Some("a lone '%' ends the value; write '%%' for a literal percent sign");
                }
                Some(b'%') => {
                    i += 1;
                    State::Text
                }
                Some(_) => State::Name,
            },
            State::Text => State::Text,
            State::Name if c == b'%' => State::Text,
            State::Name if c == b'(' => State::ArgsStart,
            State::Name => State::Name,
            State::ArgsStart if c == b'[' => State::ArrayItem,
            State::ArgsStart if c == b' ' => State::ArgsStart,
            State::ArgsStart => State::Quoted,
            State::ArrayItem if c == b'"' => State::Quoted,
            State::ArrayItem if c == b' ' => State::ArrayItem,
            State::ArrayItem => return Some("expected '\"' to start an argument"),
            State::Quoted if c == b'\\' => {
                if i + 1 >= bytes.len() {
                    return Some("a backslash ends the value inside an argument");
                }
                i += 1;
                State::Quoted
            }
            State::Quoted if c == b')' => State::VarEnd,
            State::Quoted if c == b'"' => State::AfterItem,
            State::Quoted => State::Quoted,
            State::AfterItem if c == b',' => State::ArrayItem,
            State::AfterItem if c == b']' => State::ArgsEnd,
            State::AfterItem if c == b' ' => State::AfterItem,
            State::AfterItem => return Some("expected ',' or ']' after an argument"),
            State::ArgsEnd if c == b')' => State::VarEnd,
            State::ArgsEnd if c == b' ' => State::ArgsEnd,
            State::ArgsEnd => return Some("expected ')' after the argument list"),
            State::VarEnd if c == b'%' => State::Text,
            State::VarEnd if c == b' ' => State::VarEnd,
            State::VarEnd => return Some("expected '%' to close the variable"),
        };
        i += 1;
    }
    if state != State::Text {
        return Some("a '%' variable is not closed; write '%%' for a literal percent sign");
    }
    None
}

/// Checks a header value Istio hands to Envoy: no control characters other than tab, and a
/// well-formed `%VARIABLE%` template (`%HOSTNAME%`, `100%%`; not `50%` or `%START_TIME%%`).
pub fn check_header_value(v: &mut Validator, value: &str) {
    if value.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}')) {
        v.error(format!("header value {value:?} contains control characters"));
        return;
    }
    if let Some(problem) = header_template_problem(value) {
        v.error(format!("header value {value:?} is invalid: {problem}"));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Level;

    /// Runs `check` at path `x` and returns (path, level) of each problem.
    fn run(check: impl FnOnce(&mut Validator)) -> Vec<(String, Level)> {
        let mut v = Validator::new();
        v.field("x", check);
        v.finish().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn errors(check: impl FnOnce(&mut Validator)) -> usize {
        run(check).iter().filter(|(_, l)| *l == Level::Error).count()
    }

    fn ok(check: impl FnOnce(&mut Validator)) -> bool {
        run(check).is_empty()
    }

    #[test]
    fn dns_labels_follow_istio_pattern() {
        assert!(is_dns1123_label("reviews"));
        assert!(is_dns1123_label("v1-2"));
        assert!(is_dns1123_label("Upper"), "Istio accepts upper case");
        assert!(!is_dns1123_label(""));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("a-"));
        assert!(!is_dns1123_label("a.b"));
        assert!(!is_dns1123_label("a_b"));
        assert!(is_dns1123_label(&"a".repeat(63)));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }

    #[test]
    fn dns_subdomains_are_lower_case_dotted_labels() {
        assert!(is_dns1123_subdomain("reviews.v1"));
        assert!(is_dns1123_subdomain("a"));
        assert!(!is_dns1123_subdomain("Reviews"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain(".a"));
        assert!(!is_dns1123_subdomain(""));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn wildcard_labels_allow_star_prefixes() {
        for ok in ["*", "*foo", "*-foo", "foo"] {
            assert!(is_wildcard_dns1123_label(ok), "{ok}");
        }
        for bad in ["**", "foo*", "f*o", "*-", "*.", ""] {
            assert!(!is_wildcard_dns1123_label(bad), "{bad}");
        }
    }

    #[test]
    fn fqdn_needs_valid_labels_and_non_numeric_tld() {
        assert!(ok(|v| check_fqdn(v, "istio.io")));
        assert!(ok(|v| check_fqdn(v, "istio.io.")));
        assert!(ok(|v| check_fqdn(v, "reviews")));
        assert_eq!(run(|v| check_fqdn(v, "")), vec![("x".into(), Level::Error)]);
        assert_eq!(errors(|v| check_fqdn(v, "a.123")), 1);
        assert_eq!(errors(|v| check_fqdn(v, "*.istio.io")), 1);
        assert_eq!(errors(|v| check_fqdn(v, "a..b")), 1);
        assert_eq!(errors(|v| check_fqdn(v, &format!("{}.com", "a.".repeat(130)))), 1);
    }

    #[test]
    fn wildcard_host_allows_wildcard_first_label_only() {
        for good in ["*", "*.foo.com", "*foo.com", "*-foo.bar.com", "reviews", "reviews.shop.svc.cluster.local", "123"]
        {
            assert!(ok(|v| check_wildcard_host(v, good)), "{good}");
        }
        for bad in ["foo.*.com", "*.*.com", "", "foo*.com", "a.b.123", "-a.com", "1.2.3.4"] {
            assert_eq!(errors(|v| check_wildcard_host(v, bad)), 1, "{bad}");
        }
    }

    #[test]
    fn wildcard_host_or_ip_accepts_addresses() {
        assert!(ok(|v| check_wildcard_host_or_ip(v, "1.2.3.4")));
        assert!(ok(|v| check_wildcard_host_or_ip(v, "2001:db8::1")));
        assert!(ok(|v| check_wildcard_host_or_ip(v, "*.foo.com")));
        assert_eq!(errors(|v| check_wildcard_host_or_ip(v, "1.2.3.4/8")), 1);
        assert_eq!(errors(|v| check_wildcard_host_or_ip(v, "a_b")), 1);
    }

    #[test]
    fn sidecar_hosts_need_namespace_slash_fqdn() {
        for good in [
            "*/*",
            "./foo.com",
            "istio-system/*.example.com",
            "~/foo.com",
            "~ns/*",
            "*/reviews.default.svc.cluster.local",
        ] {
            assert!(ok(|v| check_gateway_or_sidecar_host(v, good)), "{good}");
        }
        assert_eq!(errors(|v| check_gateway_or_sidecar_host(v, "foo.com")), 1, "bare host");
        assert_eq!(errors(|v| check_gateway_or_sidecar_host(v, "*/reviews")), 1, "short name");
        assert_eq!(errors(|v| check_gateway_or_sidecar_host(v, "*/*foo.com")), 1, "partial wildcard");
        assert_eq!(errors(|v| check_gateway_or_sidecar_host(v, "Bad_ns/foo.com")), 1);
        assert!(errors(|v| check_gateway_or_sidecar_host(v, "/foo.com")) >= 1);
        assert!(errors(|v| check_gateway_or_sidecar_host(v, "*/1.2.3.4")) >= 1, "sidecar refuses IPs");
    }

    #[test]
    fn gateway_server_hosts_allow_bare_names_and_ips() {
        for good in ["*", "foo.com", "*.foo.com", "ns/foo.com", "./*", "1.2.3.4", "*/1.2.3.4"] {
            assert!(ok(|v| check_gateway_server_host(v, good)), "{good}");
        }
        assert_eq!(errors(|v| check_gateway_server_host(v, "foo")), 1);
        assert_eq!(errors(|v| check_gateway_server_host(v, "*foo.com")), 1);
        assert_eq!(errors(|v| check_gateway_server_host(v, "~/foo.com")), 1);
        assert_eq!(errors(|v| check_gateway_server_host(v, "~ns/foo.com")), 1);
    }

    #[test]
    fn host_overlap_and_containment_follow_wildcards() {
        assert!(hosts_overlap("*.foo.com", "a.foo.com"));
        assert!(hosts_overlap("*.com", "*.foo.com"));
        assert!(hosts_overlap("a.com", "a.com"));
        assert!(!hosts_overlap("a.com", "b.com"));
        assert!(hosts_overlap("*", "anything"));
        assert!(host_within("a.foo.com", "*.foo.com"));
        assert!(host_within("*.a.foo.com", "*.foo.com"));
        assert!(!host_within("*.foo.com", "*.a.foo.com"));
        assert!(!host_within("*.foo.com", "a.foo.com"));
    }

    #[test]
    fn ip_and_cidr_forms() {
        for good in ["10.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "0.0.0.0/0", "fe80::1%eth0"] {
            assert!(ok(|v| check_ip_or_cidr(v, good)), "{good}");
        }
        for bad in ["10.0.0.0/33", "10.0.0/8", "foo", "1.2.3.4/08", "1.2.3.4/", "::/129", "1/2/3", "01.2.3.4"] {
            assert_eq!(errors(|v| check_ip_or_cidr(v, bad)), 1, "{bad}");
        }
    }

    #[test]
    fn port_must_be_in_range() {
        assert!(ok(|v| check_port(v, 1)));
        assert!(ok(|v| check_port(v, 65535)));
        assert_eq!(run(|v| check_port(v, 0)), vec![("x".into(), Level::Error)]);
        assert_eq!(errors(|v| check_port(v, 65536)), 1);
    }

    #[test]
    fn port_name_must_be_dns_label() {
        assert!(ok(|v| check_port_name(v, "http-web")));
        assert_eq!(errors(|v| check_port_name(v, "http_web")), 1);
        assert_eq!(errors(|v| check_port_name(v, "")), 1);
    }

    #[test]
    fn protocol_names_are_istios_in_any_case() {
        for good in ["HTTP", "http", "grpc-web", "GRPC-Web", "Mongo", "http_proxy", "TLS", ""] {
            assert!(ok(|v| check_protocol(v, good)), "{good}");
        }
        for bad in ["HTTP3", "hbone", "DoubleHBONE", "kafka"] {
            assert_eq!(errors(|v| check_protocol(v, bad)), 1, "{bad}");
        }
    }

    #[test]
    fn label_keys_and_values_use_kubernetes_syntax() {
        let labels: Labels = [
            ("app", "reviews"),
            ("app.kubernetes.io/name", "x"),
            ("empty", ""),
            ("bad key", "v"),
            ("k", "-bad"),
            ("/k", "v"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let found = run(|v| check_labels(v, &labels));
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["x.bad key", "x.k", "x./k"]);
        let long: Labels = [(format!("a/{}", "b".repeat(64)), String::new())].into_iter().collect();
        assert_eq!(errors(|v| check_labels(v, &long)), 1);
        let long_prefix: Labels = [(format!("{}/b", "a.".repeat(127) + "a"), String::new())].into_iter().collect();
        assert_eq!(errors(|v| check_labels(v, &long_prefix)), 1);
    }

    #[test]
    fn workload_selector_refuses_wildcards_and_warns_when_empty() {
        let sel = WorkloadSelector { labels: [("app".to_owned(), "a*".to_owned())].into_iter().collect() };
        assert_eq!(run(|v| check_workload_selector(v, &sel)), vec![("x.labels.app".into(), Level::Error)]);
        let empty = WorkloadSelector::default();
        assert_eq!(run(|v| check_workload_selector(v, &empty)), vec![("x.labels".into(), Level::Warning)]);
        let sel = LabelSelector { match_labels: [(String::new(), "v".to_owned())].into_iter().collect() };
        assert_eq!(run(|v| check_label_selector(v, &sel)), vec![("x.matchLabels.".into(), Level::Error)]);
    }

    #[test]
    fn target_ref_needs_name_no_namespace_and_known_kind() {
        let good = PolicyTargetReference {
            group: Some("gateway.networking.k8s.io".into()),
            kind: "Gateway".into(),
            name: "gw".into(),
            namespace: None,
        };
        assert!(ok(|v| check_target_ref(v, &good)));
        let service = PolicyTargetReference {
            group: Some(String::new()),
            kind: "Service".into(),
            name: "s".into(),
            namespace: None,
        };
        assert!(ok(|v| check_target_ref(v, &service)));
        let bad = PolicyTargetReference {
            group: Some("apps".into()),
            kind: "Deployment".into(),
            name: String::new(),
            namespace: Some("other".into()),
        };
        let paths: Vec<String> = run(|v| check_target_ref(v, &bad)).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["x.name", "x.namespace", "x.kind"]);
    }

    #[test]
    fn target_refs_exclude_selector() {
        let refs =
            vec![PolicyTargetReference { group: None, kind: "Service".into(), name: "s".into(), namespace: None }];
        assert!(ok(|v| check_target_refs(v, &refs, false)));
        assert_eq!(run(|v| check_target_refs(v, &refs, true)), vec![("x".into(), Level::Error)]);
        let bad = vec![PolicyTargetReference::default()];
        assert!(run(|v| check_target_refs(v, &bad, false)).iter().all(|(p, _)| p.starts_with("x[0].")));
    }

    #[test]
    fn duration_must_be_whole_milliseconds_of_at_least_one() {
        let d = |s: &str| s.parse::<Duration>().unwrap();
        assert!(ok(|v| check_duration(v, &d("1ms"))));
        assert!(ok(|v| check_duration(v, &d("1.5s"))));
        assert_eq!(errors(|v| check_duration(v, &d("0s"))), 1);
        assert_eq!(errors(|v| check_duration(v, &d("500us"))), 1);
        assert_eq!(errors(|v| check_duration(v, &d("1500us"))), 1);
        assert_eq!(errors(|v| check_duration(v, &d("-1s"))), 1);
    }

    #[test]
    fn duration_range_is_inclusive() {
        let d = |s: &str| s.parse::<Duration>().unwrap();
        let hour = 3_600_000_000_000;
        assert!(ok(|v| check_duration_range(v, &d("1h"), 1_000_000, hour)));
        assert!(ok(|v| check_duration_range(v, &d("1ms"), 1_000_000, hour)));
        assert_eq!(errors(|v| check_duration_range(v, &d("2h"), 1_000_000, hour)), 1);
    }

    #[test]
    fn percent_within_zero_and_hundred() {
        assert!(ok(|v| check_percent(v, 0.0)));
        assert!(ok(|v| check_percent(v, 100.0)));
        assert_eq!(errors(|v| check_percent(v, 100.5)), 1);
        assert_eq!(errors(|v| check_percent(v, -1.0)), 1);
        assert_eq!(errors(|v| check_percent(v, f64::NAN)), 1);
        assert!(ok(|v| check_fractional_percent(v, 0.0001)));
        assert_eq!(errors(|v| check_fractional_percent(v, 0.00001)), 1);
    }

    #[test]
    fn regex_must_compile_and_fit() {
        assert!(ok(|v| check_regex(v, "/api/v[0-9]+/.*")));
        assert!(ok(|v| check_regex(v, "(?i)foo{2,1000}")));
        assert_eq!(errors(|v| check_regex(v, "a[")), 1);
        assert_eq!(errors(|v| check_regex(v, &"a".repeat(1025))), 1);
        assert_eq!(errors(|v| check_regex(v, "(?x) a b")), 1, "RE2 has no x flag");
        assert_eq!(errors(|v| check_regex(v, "a{1001}")), 1, "RE2 repetition limit");
        assert_eq!(errors(|v| check_regex(v, "a**")), 1, "stacked repetition");
        assert_eq!(errors(|v| check_regex(v, "(?:a{100}){100}{100}")), 1, "stacked counted repetition");
        assert_eq!(errors(|v| check_regex(v, "a*?b+?c{2,3}?(x)*")), 0, "non-greedy operators are not stacked");
        assert_eq!(errors(|v| check_regex(v, "[*+]{2}")), 0, "operators inside a class");
        assert_eq!(errors(|v| check_regex(v, "[a-z&&b]")), 1, "class set operators");
        assert!(ok(|v| check_regex(v, r"\{1001}")), "escaped brace is literal");
    }

    #[test]
    fn string_match_rules_depend_on_field() {
        let prefix = StringMatch::prefix("");
        assert!(ok(|v| check_string_match(v, &prefix, MatchField::Uri)));
        assert_eq!(
            run(|v| check_string_match(v, &prefix, MatchField::Header)),
            vec![("x.prefix".into(), Level::Error)]
        );
        let empty_re = StringMatch::regex("");
        assert_eq!(run(|v| check_string_match(v, &empty_re, MatchField::Uri)), vec![("x.regex".into(), Level::Error)]);
        let star = StringMatch::regex("*");
        assert!(ok(|v| check_string_match(v, &star, MatchField::WithoutHeader)));
        assert_eq!(errors(|v| check_string_match(v, &star, MatchField::Header)), 1);
        assert!(ok(|v| check_string_match(v, &StringMatch::exact(""), MatchField::Method)));
        assert!(ok(|v| check_string_match(v, &StringMatch::Any, MatchField::Header)));
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn export_to_entries_and_duplicates() {
        assert!(ok(|v| check_export_to(v, "ns", &strings(&[".", "other"]), false, false)));
        assert!(ok(|v| check_export_to(v, "ns", &strings(&["*"]), false, false)));
        assert!(ok(|v| check_export_to(v, "ns", &strings(&["~"]), true, false)));
        assert_eq!(
            run(|v| check_export_to(v, "ns", &strings(&[".", "ns"]), false, false)),
            vec![("x[1]".into(), Level::Error)]
        );
        assert_eq!(
            run(|v| check_export_to(v, "ns", &strings(&["a", "a"]), false, false)),
            vec![("x[1]".into(), Level::Error)]
        );
        assert_eq!(
            run(|v| check_export_to(v, "ns", &strings(&["~"]), false, false)),
            vec![("x[0]".into(), Level::Error)]
        );
        assert_eq!(
            run(|v| check_export_to(v, "ns", &strings(&["*", "a"]), false, false)),
            vec![("x".into(), Level::Error)]
        );
        assert_eq!(
            run(|v| check_export_to(v, "ns", &strings(&["~", "a"]), true, false)),
            vec![("x".into(), Level::Error)]
        );
        assert_eq!(errors(|v| check_export_to(v, "ns", &strings(&["bad_ns"]), false, false)), 1);
        assert!(ok(|v| check_export_to(v, "", &strings(&["."]), false, false)), "namespace unknown");
        assert_eq!(errors(|v| check_export_to(v, "", &strings(&[".", "."]), false, false)), 1);
    }

    #[test]
    fn export_to_of_selector_destination_rule_is_own_namespace_only() {
        assert!(ok(|v| check_export_to(v, "ns", &strings(&["."]), false, true)));
        assert_eq!(errors(|v| check_export_to(v, "ns", &strings(&["*"]), false, true)), 1);
        assert_eq!(errors(|v| check_export_to(v, "ns", &strings(&[".", "b"]), false, true)), 1);
    }

    fn meta(name: &str, annotations: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("shop".to_owned()),
            annotations: Some(
                annotations.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
            ),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn metadata_name_rules_depend_on_kind() {
        let m = meta("a.b", &[]);
        let mut v = Validator::new();
        check_metadata(&mut v, "VirtualService", &m);
        assert!(v.finish().is_empty());
        let mut v = Validator::new();
        check_metadata(&mut v, "Gateway", &m);
        let p = v.finish();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path.to_string(), "metadata.name");
        let mut v = Validator::new();
        check_metadata(&mut v, "VirtualService", &meta("Bad", &[]));
        assert_eq!(v.finish()[0].path.to_string(), "metadata.name");
        let mut v = Validator::new();
        check_metadata(
            &mut v,
            "VirtualService",
            &ObjectMeta { namespace: Some("Bad_NS".into()), ..ObjectMeta::default() },
        );
        let paths: Vec<String> = v.finish().iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths, ["metadata.name", "metadata.namespace"]);
    }

    #[test]
    fn metadata_rejects_reserved_annotations() {
        let mut v = Validator::new();
        check_metadata(
            &mut v,
            "VirtualService",
            &meta("a", &[("istio.io/dry-run", "true"), ("internal.istio.io/parents", "x")]),
        );
        let paths: Vec<String> = v.finish().iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths, ["metadata.annotations.internal.istio.io/parents", "metadata.annotations.istio.io/dry-run"]);
        let mut v = Validator::new();
        check_metadata(&mut v, "AuthorizationPolicy", &meta("a", &[("istio.io/dry-run", "true")]));
        assert!(v.finish().is_empty());
        let mut v = Validator::new();
        check_metadata(&mut v, "AuthorizationPolicy", &meta("a", &[("istio.io/dry-run", "yes")]));
        assert_eq!(v.finish().len(), 1);
    }

    #[test]
    fn metadata_labels_use_kubernetes_limits() {
        let m = ObjectMeta {
            name: Some("a".into()),
            labels: Some([("app".to_owned(), "v".repeat(64))].into_iter().collect()),
            ..ObjectMeta::default()
        };
        let mut v = Validator::new();
        check_metadata(&mut v, "Sidecar", &m);
        assert_eq!(v.finish()[0].path.to_string(), "metadata.labels.app");
    }

    #[test]
    fn header_operation_names() {
        assert!(ok(|v| check_header_name(v, "x-foo")));
        assert_eq!(errors(|v| check_header_name(v, "Host")), 1);
        assert_eq!(errors(|v| check_header_name(v, ":path")), 1);
        assert_eq!(errors(|v| check_header_name(v, "")), 1);
        assert!(ok(|v| check_request_header_name(v, "host")));
        assert!(ok(|v| check_request_header_name(v, ":authority")));
        assert_eq!(errors(|v| check_request_header_name(v, ":path")), 1);
    }

    #[test]
    fn match_header_names_allow_pseudo_headers_and_jwt_claims() {
        for good in ["x-user", ":method", "@request.auth.claims.group", "@request.auth.claims[a][b]"] {
            assert!(ok(|v| check_match_header_name(v, good)), "{good}");
        }
        for bad in ["", "x user", ":foo", "@request.auth.claims", "@request.auth.claims."] {
            assert_eq!(errors(|v| check_match_header_name(v, bad)), 1, "{bad}");
        }
        assert!(ok(|v| check_cors_header_name(v, "*")));
        assert_eq!(errors(|v| check_cors_header_name(v, "a b")), 1);
        assert!(ok(|v| check_strict_header_name(v, "x_jwt-1")));
        assert_eq!(errors(|v| check_strict_header_name(v, "x.jwt")), 1);
    }

    #[test]
    fn header_values_must_be_valid_envoy_templates() {
        for good in [
            "foo",
            "%HOSTNAME%",
            "100%%",
            "prefix %HOSTNAME% suffix",
            "%REQ(x-foo)%",
            r#"%FOO(["a", "b"])%"#,
            "tab\there",
            "",
        ] {
            assert!(ok(|v| check_header_value(v, good)), "{good}");
        }
        for bad in ["abc%123", "%START_TIME%%", "50%", "a\nb", r#"%FOO(["a" x])%"#, "%FOO(x) y%"] {
            assert_eq!(errors(|v| check_header_value(v, bad)), 1, "{bad}");
        }
    }
}

#[cfg(test)]
mod plain_patterns {
    use super::plainly_valid;

    #[test]
    fn common_patterns_skip_the_parse_and_others_do_not() {
        for p in ["", "beta-.*", ".*bot.*", "/api/v2/.+", "a?b+c*", "user@example.com", "x y"] {
            assert!(plainly_valid(p), "{p}");
        }
        for p in ["(a)", "a|b", "[a-z]", "a{2}", "^a", "a$", r"a\d", "*a", "a**", "a*?", "é", "a\tb"] {
            assert!(!plainly_valid(p), "{p}");
        }
    }

    #[test]
    fn every_plain_pattern_parses() {
        // Every string of up to four characters over literals, `.` and every operator.
        let alphabet: Vec<char> = "a.-*+?()[]{}|^$\\ #".chars().collect();
        let mut patterns = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                patterns.iter().flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}"))).collect();
            patterns.extend(longer);
            patterns.dedup();
        }
        let mut plain = 0;
        for p in &patterns {
            if plainly_valid(p) {
                plain += 1;
                assert!(regex_syntax::Parser::new().parse(p).is_ok(), "{p:?} skips the parse but does not parse");
            }
        }
        assert!(plain > 1000, "{plain}");
    }
}
