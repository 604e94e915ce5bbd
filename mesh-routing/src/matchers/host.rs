//! Host names as Istio compares them: exact names, a leading `*` wildcard, or `*` alone
//! (routing.md H4, H5).

use std::cmp::Ordering;

/// A host name or host pattern, lower-cased when built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// `*`: every host.
    Any,
    /// `*.example.com` (kept as `.example.com`) or a partial `*foo.com` (kept as `foo.com`).
    Suffix(String),
    /// A literal name or IP address.
    Exact(String),
}

impl HostPattern {
    /// Reads a host as written (no qualification here).
    pub(crate) fn parse(text: &str) -> Self {
        Self::from_lowercase(text.to_ascii_lowercase())
    }

    /// Reads a host already lower-cased, such as [`qualify`] returns, keeping its text.
    pub(crate) fn from_lowercase(text: String) -> Self {
        if text == "*" {
            Self::Any
        } else if let Some(rest) = text.strip_prefix('*') {
            Self::Suffix(rest.to_owned())
        } else {
            Self::Exact(text)
        }
    }

    /// Whether a concrete host (already lower-cased) falls under this pattern. A wildcard
    /// never matches its own bare suffix domain (`*.a.com` does not match `a.com`).
    #[inline]
    pub(crate) fn matches(&self, host: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Suffix(suffix) => host.ends_with(suffix.as_str()),
            Self::Exact(name) => name == host,
        }
    }

    /// Whether two patterns share at least one host.
    pub(crate) fn intersects(&self, other: &Self) -> bool {
        self.intersection(other).is_some()
    }

    /// The more specific of two intersecting patterns (routing.md G5), or `None` when they
    /// share no host.
    pub(crate) fn intersection(&self, other: &Self) -> Option<Self> {
        match (self, other) {
            (Self::Any, x) | (x, Self::Any) => Some(x.clone()),
            (Self::Exact(a), Self::Exact(b)) => (a == b).then(|| self.clone()),
            (Self::Exact(a), pattern @ Self::Suffix(_)) | (pattern @ Self::Suffix(_), Self::Exact(a)) => {
                pattern.matches(a).then(|| Self::Exact(a.clone()))
            }
            (Self::Suffix(a), Self::Suffix(b)) => {
                if a.ends_with(b.as_str()) {
                    Some(self.clone())
                } else if b.ends_with(a.as_str()) {
                    Some(other.clone())
                } else {
                    None
                }
            }
        }
    }

    /// Whether this is a wildcard pattern.
    pub(crate) fn is_wildcard(&self) -> bool {
        !matches!(self, Self::Exact(_))
    }

    /// Orders patterns from most to least specific (routing.md H5): exact names first, then
    /// wildcards by longer suffix, then `*`; ties alphabetical.
    pub(crate) fn specificity(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Exact(a), Self::Exact(b)) => a.cmp(b),
            (Self::Exact(_), _) => Ordering::Less,
            (_, Self::Exact(_)) => Ordering::Greater,
            (Self::Suffix(a), Self::Suffix(b)) => b.len().cmp(&a.len()).then_with(|| a.cmp(b)),
            (Self::Suffix(_), Self::Any) => Ordering::Less,
            (Self::Any, Self::Suffix(_)) => Ordering::Greater,
            (Self::Any, Self::Any) => Ordering::Equal,
        }
    }
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Suffix(s) => write!(f, "*{s}"),
            Self::Exact(s) => f.write_str(s),
        }
    }
}

/// Qualifies a host written in an object of `namespace` (routing.md H1, H2): a name without a
/// dot becomes `<name>.<namespace>.svc.<domain>`; anything else stays as written.
/// The result is lower-cased.
pub(crate) fn qualify(host: &str, namespace: &str, domain: &str) -> String {
    let mut out = String::new();
    qualify_into(host, namespace, domain, &mut out);
    out
}

/// [`qualify`] into `out`, replacing what it held: compiling qualifies every host of every
/// object, and a reused buffer allocates only when it must grow.
pub(crate) fn qualify_into(host: &str, namespace: &str, domain: &str, out: &mut String) {
    out.clear();
    if host.contains(['.', ':']) || host.starts_with('*') || host.is_empty() {
        out.push_str(host);
        out.make_ascii_lowercase();
        return;
    }
    let parts = [host, ".", namespace, ".svc.", domain];
    out.reserve(parts.iter().map(|p| p.len()).sum());
    out.push_str(host);
    out.make_ascii_lowercase();
    for part in &parts[1..] {
        out.push_str(part);
    }
}

/// Removes a `:port` suffix from a Host header (ports are ignored when matching hosts, H6).
pub(crate) fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(ip, _)| &ip[1..]);
    }
    // Only a run of digits after the last `:` is a port: scan back over digits first, so that
    // a name ending in a letter, as most do, costs one byte's look.
    let digits = host.bytes().rev().take_while(u8::is_ascii_digit).count();
    match host.len().checked_sub(digits + 1).map(|colon| (colon, host.as_bytes()[colon])) {
        Some((colon, b':')) if !host[..colon].contains(':') => &host[..colon],
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h4_wildcard_matches_deeper_names_but_not_the_bare_domain() {
        let p = HostPattern::parse("*.example.com");
        assert!(p.matches("a.example.com"));
        assert!(p.matches("a.b.example.com"));
        assert!(!p.matches("example.com"));
        assert!(HostPattern::parse("*").matches("anything"));
    }

    #[test]
    fn h5_exact_before_longer_wildcards_before_star() {
        let mut v = ["*", "*.example.com", "a.example.com", "*.a.example.com"].map(HostPattern::parse).to_vec();
        v.sort_by(HostPattern::specificity);
        let names: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["a.example.com", "*.a.example.com", "*.example.com", "*"]);
    }

    #[test]
    fn g5_intersection_keeps_the_more_specific_side() {
        let vs = HostPattern::parse("a.example.com");
        let server = HostPattern::parse("*.example.com");
        assert_eq!(vs.intersection(&server), Some(vs.clone()));
        assert_eq!(server.intersection(&vs), Some(vs));
        assert_eq!(HostPattern::parse("*.a.com").intersection(&HostPattern::parse("*.b.com")), None);
    }

    #[test]
    fn h1_h2_short_names_are_qualified_dotted_names_are_not() {
        assert_eq!(qualify("cart", "shop", "cluster.local"), "cart.shop.svc.cluster.local");
        assert_eq!(qualify("reviews.default", "shop", "cluster.local"), "reviews.default");
        assert_eq!(qualify("*", "shop", "cluster.local"), "*");
        assert_eq!(
            qualify("Cart", "Shop", "cluster.local"),
            "cart.Shop.svc.cluster.local",
            "only the host is lower-cased"
        );
        assert_eq!(qualify("Cart.Shop", "x", "cluster.local"), "cart.shop");
    }

    #[test]
    fn h6_ports_are_ignored_in_host_headers() {
        assert_eq!(strip_port("reviews:9080"), "reviews");
        assert_eq!(strip_port("reviews"), "reviews");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("reviews:"), "reviews", "an empty port is a port");
        assert_eq!(strip_port("10.0.0.1:80"), "10.0.0.1");
        assert_eq!(strip_port("10.0.0.1"), "10.0.0.1");
        assert_eq!(strip_port("::1"), "::1", "an IPv6 address without brackets has no port");
        assert_eq!(strip_port(":80"), "");
        assert_eq!(strip_port("a:b"), "a:b");
        assert_eq!(strip_port(""), "");
    }
}
