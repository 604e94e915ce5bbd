//! `Request`: what a client sends, described with a builder.

/// The protocol a request is sent with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS that the proxy terminates (gateways); sidecars see it as TLS.
    Https,
    /// gRPC (HTTP/2).
    Grpc,
    /// TLS the proxy does not terminate, routed by SNI.
    Tls,
    /// Opaque TCP.
    Tcp,
}

impl Protocol {
    /// Whether HTTP rules apply to it.
    pub fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Https | Self::Grpc)
    }
}

/// A request to route. Build one with [`Request::http`], [`Request::grpc`], [`Request::tls`]
/// or [`Request::tcp`], then chain setters.
///
/// # Examples
///
/// ```
/// use mesh_routing::Request;
///
/// let r = Request::http("reviews").port(9080).path("/reviews/1?x=1").header("End-User", "jason");
/// assert_eq!(r.header_value("end-user"), Some("jason"));
/// assert_eq!(r.path_only(), "/reviews/1");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub(crate) protocol: Protocol,
    pub(crate) host: String,
    pub(crate) port: Option<u32>,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) scheme: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) sni: Option<String>,
    pub(crate) source_namespace: String,
    pub(crate) source_labels: Vec<(String, String)>,
    pub(crate) gateway: Option<String>,
    pub(crate) random: Option<f64>,
}

impl Request {
    /// An empty request that allocates nothing, for a decision under construction.
    pub(crate) const fn placeholder() -> Self {
        Self {
            protocol: Protocol::Http,
            host: String::new(),
            port: None,
            method: String::new(),
            path: String::new(),
            scheme: None,
            headers: Vec::new(),
            sni: None,
            source_namespace: String::new(),
            source_labels: Vec::new(),
            gateway: None,
            random: None,
        }
    }

    fn new(protocol: Protocol, host: &str) -> Self {
        Self {
            protocol,
            host: host.to_owned(),
            port: None,
            method: if protocol == Protocol::Grpc { "POST" } else { "GET" }.to_owned(),
            path: "/".to_owned(),
            scheme: None,
            headers: Vec::new(),
            sni: None,
            source_namespace: "default".to_owned(),
            source_labels: Vec::new(),
            gateway: None,
            random: None,
        }
    }

    /// An HTTP request with `Host: host` (port 80, `GET /`, from namespace `default`).
    pub fn http(host: &str) -> Self {
        Self::new(Protocol::Http, host)
    }

    /// An HTTPS request terminated by a gateway (port 443).
    pub fn https(host: &str) -> Self {
        Self::new(Protocol::Https, host)
    }

    /// A gRPC request (HTTP/2, `POST`).
    pub fn grpc(host: &str) -> Self {
        Self::new(Protocol::Grpc, host)
    }

    /// A TLS connection with server name `sni` on `port`.
    pub fn tls(sni: &str, port: u32) -> Self {
        let mut r = Self::new(Protocol::Tls, sni);
        r.sni = Some(sni.to_ascii_lowercase());
        r.port = Some(port);
        r
    }

    /// A TCP connection to `host` (a name or the address dialled) on `port`.
    pub fn tcp(host: &str, port: u32) -> Self {
        let mut r = Self::new(Protocol::Tcp, host);
        r.port = Some(port);
        r
    }

    /// Sets the port dialled.
    pub fn port(mut self, port: u32) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the HTTP method.
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.to_owned();
        self
    }

    /// Sets the path, with an optional `?query`.
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }

    /// Adds a header (names are case-insensitive).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Sets the scheme (`http` or `https`).
    pub fn scheme(mut self, scheme: &str) -> Self {
        self.scheme = Some(scheme.to_owned());
        self
    }

    /// Sets the TLS server name.
    pub fn sni(mut self, sni: &str) -> Self {
        self.sni = Some(sni.to_ascii_lowercase());
        self
    }

    /// Sets the namespace of the calling workload.
    pub fn source_namespace(mut self, namespace: &str) -> Self {
        self.source_namespace = namespace.to_owned();
        self
    }

    /// Adds a label of the calling workload.
    pub fn source_label(mut self, key: &str, value: &str) -> Self {
        self.source_labels.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Sends the request through the pods of the Gateway `namespace/name`.
    pub fn gateway(mut self, gateway: &str) -> Self {
        self.gateway = Some(gateway.to_owned());
        self
    }

    /// Pins the draw in `[0, 100)` that picks one destination of a weighted split.
    pub fn random(mut self, draw: f64) -> Self {
        self.random = Some(draw);
        self
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The host as written.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port dialled: as set, else 443 for HTTPS and TLS, else 80.
    #[inline]
    pub fn effective_port(&self) -> u32 {
        self.port.unwrap_or(match self.protocol {
            Protocol::Https | Protocol::Tls => 443,
            _ => 80,
        })
    }

    /// The scheme: as set, else from the protocol.
    #[inline]
    pub fn effective_scheme(&self) -> &str {
        self.scheme.as_deref().unwrap_or(match self.protocol {
            Protocol::Https | Protocol::Tls => "https",
            _ => "http",
        })
    }

    /// The TLS server name: as set, else the host.
    pub fn effective_sni(&self) -> String {
        self.sni.clone().unwrap_or_else(|| self.host.to_ascii_lowercase())
    }

    /// The path without its query string.
    #[inline]
    pub fn path_only(&self) -> &str {
        // A byte scan: paths are short, and this runs for every URI condition.
        match self.path.bytes().position(|b| b == b'?') {
            Some(i) => &self.path[..i],
            None => &self.path,
        }
    }

    /// The query string, without `?`.
    #[inline]
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, q)| q)
    }

    /// The first value of a query parameter (`Some("")` for `?key` with no value).
    #[inline]
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query()?.split('&').find_map(|pair| match pair.split_once('=') {
            Some((k, v)) if k == name => Some(v),
            None if pair == name => Some(""),
            _ => None,
        })
    }

    /// [`Request::header_value`] for a name already lower-cased, as compiled matchers hold
    /// them: names are stored lower-cased, so this compares bytes.
    #[inline]
    pub(crate) fn header_lower(&self, name: &str) -> Option<&str> {
        if name.starts_with(':') {
            return self.header_value(name);
        }
        self.headers
            .iter()
            .find(|(k, _)| crate::matchers::string::same_bytes(k.as_bytes(), name.as_bytes()))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header, by case-insensitive name; the pseudo-headers `:method`,
    /// `:authority`, `:scheme` and `:path` read the request's own fields.
    #[inline]
    pub fn header_value(&self, name: &str) -> Option<&str> {
        if name.starts_with(':') {
            let pseudo = |p: &str| name.eq_ignore_ascii_case(p);
            if pseudo(":method") {
                return Some(&self.method);
            } else if pseudo(":authority") {
                return Some(&self.host);
            } else if pseudo(":scheme") {
                return Some(self.effective_scheme());
            } else if pseudo(":path") {
                return Some(&self.path);
            }
        }
        // Names are stored lower-cased.
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The HTTP method.
    pub fn method_name(&self) -> &str {
        &self.method
    }

    /// The calling workload's namespace.
    pub fn source_namespace_name(&self) -> &str {
        &self.source_namespace
    }

    /// The Gateway (`namespace/name`) the request enters through, if any.
    pub fn gateway_name(&self) -> Option<&str> {
        self.gateway.as_deref()
    }

    /// The pinned draw, if any.
    pub fn draw(&self) -> Option<f64> {
        self.random
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_route_test_contract() {
        let r = Request::http("a");
        assert_eq!(
            (r.effective_port(), r.method_name(), r.path_only(), r.source_namespace_name()),
            (80, "GET", "/", "default")
        );
        assert_eq!(Request::tls("a.com", 443).effective_scheme(), "https");
    }

    #[test]
    fn r4_pseudo_headers_read_the_request_fields() {
        let r = Request::http("a.example.com").method("PUT").path("/x");
        assert_eq!(r.header_value(":method"), Some("PUT"));
        assert_eq!(r.header_value(":authority"), Some("a.example.com"));
        assert_eq!(r.header_value(":path"), Some("/x"));
    }

    #[test]
    fn r4_header_names_match_in_any_case() {
        let r = Request::http("a").header("End-User", "jason").method("PUT");
        assert_eq!(r.header_value("END-USER"), Some("jason"));
        assert_eq!(r.header_value(":METHOD"), Some("PUT"));
        assert_eq!(r.header_value("user"), None);
    }

    #[test]
    fn query_parameters_without_value_read_as_empty() {
        let r = Request::http("a").path("/p?flag&x=1");
        assert_eq!(r.query_param("flag"), Some(""));
        assert_eq!(r.query_param("x"), Some("1"));
        assert_eq!(r.query_param("y"), None);
    }
}
