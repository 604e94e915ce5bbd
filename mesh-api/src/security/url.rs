//! Small URL checks shared by the policy kinds (key set URLs, Wasm module URLs), following how
//! Go's `net/url` reads a URL.

/// Whether `value` is an RFC 3986 scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn is_url_scheme(value: &str) -> bool {
    let mut bytes = value.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The scheme of `url`, lower-cased, when it starts with `<scheme>:`.
pub(crate) fn url_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    is_url_scheme(scheme).then(|| scheme.to_ascii_lowercase())
}

/// Why a URL authority (`user@host:port`) is malformed, or `None`.
pub(crate) fn authority_problem(authority: &str) -> Option<&'static str> {
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    let escapes_ok = |s: &str| {
        let b = s.as_bytes();
        b.iter().enumerate().all(|(i, &c)| {
            c != b'%'
                || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        })
    };
    let sub_delim = |b: u8| b"!$&'()*+,;=".contains(&b);
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if let Some(user) = userinfo
        && !(user.bytes().all(|b| unreserved(b) || sub_delim(b) || b == b':' || b == b'%') && escapes_ok(user))
    {
        return Some("the user part holds characters a URL does not allow");
    }
    let (host, port) = if host_port.starts_with('[') {
        match host_port.split_once(']') {
            Some((host, port)) => (host, port.strip_prefix(':').unwrap_or(port)),
            None => return Some("an IPv6 address is not closed with ']'"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (host_port, ""),
        }
    };
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Some("the port is not a number");
    }
    let host = host.trim_start_matches('[');
    if !(host.bytes().all(|b| unreserved(b) || sub_delim(b) || b == b'%' || b == b':') && escapes_ok(host)) {
        return Some("the host name holds characters a URL does not allow");
    }
    None
}

/// Why `url`, which must use `http` or `https`, is not acceptable, or `None`.
pub(crate) fn http_url_problem(url: &str) -> Option<String> {
    let Some(scheme) = url_scheme(url).filter(|s| s == "http" || s == "https") else {
        return Some(format!("URL {url:?} must start with http:// or https://"));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("URL {url:?} must not contain spaces or control characters"));
    }
    let rest = &url[scheme.len() + 1..];
    let authority = rest.strip_prefix("//")?.split(['/', '?', '#']).next().unwrap_or_default();
    authority_problem(authority).map(|p| format!("URL {url:?} is invalid: {p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes_are_recognised() {
        assert_eq!(url_scheme("HTTPS://x"), Some("https".to_owned()));
        assert_eq!(url_scheme("oci+x://x"), Some("oci+x".to_owned()));
        assert_eq!(url_scheme("host:5000/x"), Some("host".to_owned()));
        assert_eq!(url_scheme("1x://y"), None);
        assert_eq!(url_scheme("noscheme"), None);
    }

    #[test]
    fn http_urls_need_the_scheme_and_a_numeric_port() {
        assert_eq!(http_url_problem("https://foo.com/cert"), None);
        assert_eq!(http_url_problem("http://foo.com:8080/cert?x=1"), None);
        assert!(http_url_problem("foo.com").is_some());
        assert!(http_url_problem("https://foo.com:not-a-number").is_some());
        assert!(http_url_problem("ftp://foo.com").is_some());
    }

    #[test]
    fn authorities_allow_only_url_characters() {
        assert_eq!(authority_problem("user:pw@host:80"), None);
        assert_eq!(authority_problem("[::1]:80"), None);
        assert!(authority_problem("#%blah$#").is_some());
        assert!(authority_problem("[::1").is_some());
        assert!(authority_problem("a%zz").is_some());
    }
}
