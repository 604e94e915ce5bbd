//! `Gateway`: the listeners of a load balancer at the edge of the mesh (ingress or egress).

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::rules;
use crate::{IstioStatus, Problem, Validate, Validator};

/// The servers (ports, hosts, TLS) that a set of gateway proxies expose.
///
/// A Gateway only opens listeners; the traffic that arrives on them is routed by the
/// VirtualServices bound to it through their `gateways` field.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "Gateway",
    namespaced,
    status = "IstioStatus",
    shortname = "gw",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `Gateway` (`networking.istio.io`): listeners opened on gateway proxies."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewaySpec {
    /// The servers (listeners) to open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Labels of the gateway pods or VMs this configuration applies to. Istio looks for them in
    /// every namespace unless `PILOT_SCOPE_GATEWAY_TO_NAMESPACE` is set.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub selector: IndexMap<String, String>,
}

/// One listener of a gateway: a port, the hosts served on it and how TLS is handled.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Server {
    /// The port the proxy listens on.
    pub port: Port,
    /// The IP address or Unix domain socket (`unix:///path`, `unix://@abstract`) the listener
    /// binds to; with a socket the port number must be 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// The hosts served, each `[namespace/]dnsName`: `dnsName` may start with a `*.` wildcard
    /// or be `*` alone; `namespace` may be `*` (any, the default) or `.` (the gateway's own) and
    /// limits which namespaces' VirtualServices may bind.
    pub hosts: Vec<String>,
    /// TLS settings; required for `HTTPS` and `TLS` ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// Where traffic goes by default (`127.0.0.1:PORT` or a Unix socket). Not implemented by
    /// Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// An optional name, unique among the servers; used, for example, to prefix statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A port of a gateway server: number, protocol and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Port {
    /// The port number (1 to 65535; 0 only with a Unix socket bind).
    pub number: u32,
    /// The protocol: `HTTP`, `HTTPS`, `GRPC`, `GRPC-WEB`, `HTTP2`, `MONGO`, `TCP` or `TLS`
    /// (case-insensitive).
    pub protocol: String,
    /// A name for the port, unique among the gateway's servers.
    pub name: String,
    /// Deprecated, and rejected on gateways: the endpoint port, meaningful only for
    /// ServiceEntry ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// How a gateway server (or a Sidecar ingress listener) terminates or passes through TLS.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerTlsSettings {
    /// Answer every plain HTTP request with a 301 redirect to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
    /// The TLS mode; `PASSTHROUGH` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ServerTlsMode>,
    /// Path of the server certificate file; needed for `SIMPLE` and `MUTUAL` unless a
    /// credential name is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Path of the server private key file; needed for `SIMPLE` and `MUTUAL` unless a
    /// credential name is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path of the CA bundle that verifies client certificates; needed for `MUTUAL` and
    /// `OPTIONAL_MUTUAL` unless a credential name is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Path of a certificate revocation list checked against client certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
    /// Name of the Kubernetes Secret holding the key, certificate and optionally the CA (only
    /// on Kubernetes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Like `credentialName`, for one or two secrets (for example RSA and ECDSA certificates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_names: Vec<String>,
    /// Name of the Secret or ConfigMap holding the CA certificates for mutual TLS; wins over a
    /// CA found in the `credentialName` secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_credential_name: Option<String>,
    /// One or two certificate and key file pairs, as an alternative to `serverCertificate` and
    /// `privateKey`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_certificates: Vec<TlsCertificate>,
    /// Subject alternative names accepted in client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// Base64-encoded SHA-256 hashes of the public keys (SPKI) of accepted client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_certificate_spki: Vec<String>,
    /// Hex-encoded SHA-256 hashes of accepted client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_certificate_hash: Vec<String>,
    /// The lowest TLS version accepted (`TLSV1_2` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<TlsProtocol>,
    /// The highest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_protocol_version: Option<TlsProtocol>,
    /// The cipher suites offered; Envoy's defaults when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
    /// The ECDH curves offered; Envoy's defaults when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecdh_curves: Vec<String>,
    /// Check client certificates but let the connection through even when the check fails
    /// (Gateway API's `AllowInsecureFallback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
}

/// A certificate and key pair given as file paths.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsCertificate {
    /// Path of the server certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Path of the private key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path of a CA bundle (unused by Istio today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
}

/// How a server listener treats TLS connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ServerTlsMode {
    /// Forward the connection untouched, routing on its SNI through a VirtualService `tls`
    /// route.
    #[default]
    #[serde(rename = "PASSTHROUGH")]
    Passthrough,
    /// Terminate TLS with a server certificate; no client certificate is asked for.
    #[serde(rename = "SIMPLE")]
    Simple,
    /// Terminate TLS and require a client certificate signed by the given CA.
    #[serde(rename = "MUTUAL")]
    Mutual,
    /// Pass the connection through, reading the destination cluster from the SNI itself; no
    /// VirtualService needed (used for multi-network east-west gateways).
    #[serde(rename = "AUTO_PASSTHROUGH")]
    AutoPassthrough,
    /// Terminate mutual TLS with the certificates Istio issues to the gateway workload.
    #[serde(rename = "ISTIO_MUTUAL")]
    IstioMutual,
    /// Like `MUTUAL`, but a client without a certificate is let in too.
    #[serde(rename = "OPTIONAL_MUTUAL")]
    OptionalMutual,
}

impl ServerTlsMode {
    /// The spelling Istio uses (`SIMPLE`, `ISTIO_MUTUAL`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passthrough => "PASSTHROUGH",
            Self::Simple => "SIMPLE",
            Self::Mutual => "MUTUAL",
            Self::AutoPassthrough => "AUTO_PASSTHROUGH",
            Self::IstioMutual => "ISTIO_MUTUAL",
            Self::OptionalMutual => "OPTIONAL_MUTUAL",
        }
    }
}

/// A TLS protocol version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum TlsProtocol {
    /// Let the proxy choose.
    #[default]
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    /// TLS 1.0.
    #[serde(rename = "TLSV1_0")]
    TlsV1_0,
    /// TLS 1.1.
    #[serde(rename = "TLSV1_1")]
    TlsV1_1,
    /// TLS 1.2.
    #[serde(rename = "TLSV1_2")]
    TlsV1_2,
    /// TLS 1.3.
    #[serde(rename = "TLSV1_3")]
    TlsV1_3,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// The cipher suites Istio accepts in `cipherSuites` (what Envoy's BoringSSL offers, minus PSK).
const CIPHER_SUITES: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

/// The prefix of a Unix domain socket address.
pub(crate) const UNIX_PREFIX: &str = "unix://";

/// Whether Istio treats `suite` as usable: a known name, `ALL`, or an OpenSSL-style expression
/// starting with an operator such as `-` or `+` (which Istio does not parse).
fn is_valid_cipher_suite(suite: &str) -> bool {
    match suite.chars().next() {
        None => true,
        Some(c) if !c.is_alphanumeric() => true,
        Some(_) => suite == "ALL" || CIPHER_SUITES.contains(&suite),
    }
}

/// Whether a port protocol carries HTTP (HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web; any case).
pub(crate) fn protocol_is_http(protocol: &str) -> bool {
    matches!(protocol.to_ascii_lowercase().as_str(), "http" | "http2" | "http_proxy" | "grpc" | "grpc-web")
}

/// Whether a port protocol runs over TLS (HTTPS, TLS; any case).
pub(crate) fn protocol_is_tls(protocol: &str) -> bool {
    matches!(protocol.to_ascii_lowercase().as_str(), "https" | "tls")
}

/// Whether a port protocol is carried over plain TCP as Istio sees it (TCP, HTTPS, TLS, Mongo,
/// Redis, MySQL; any case).
pub(crate) fn protocol_is_tcp(protocol: &str) -> bool {
    matches!(protocol.to_ascii_lowercase().as_str(), "tcp" | "https" | "tls" | "mongo" | "redis" | "mysql")
}

/// Checks the path of a Unix domain socket (what follows `unix://`): an absolute file path, not
/// a directory, or an abstract socket name starting with `@`.
pub(crate) fn check_unix_path(v: &mut Validator, path: &str) {
    if path.is_empty() {
        v.error("the Unix socket path after unix:// must not be empty");
    } else if path.starts_with('@') {
        // An abstract socket: any name is fine.
    } else if !path.starts_with('/') {
        v.error(format!(
            "Unix socket {path:?} must be an absolute path (unix:///path) or an abstract socket (unix://@name)"
        ));
    } else if path.ends_with('/') {
        v.error(format!("Unix socket {path:?} names a directory; give the path of the socket file"));
    }
}

/// Checks a `bind` address: an IP address, or a Unix socket (`unix://...`).
fn check_bind(v: &mut Validator, bind: &str) {
    if let Some(path) = bind.strip_prefix(UNIX_PREFIX) {
        check_unix_path(v, path);
    } else if !bind.is_empty() && !rules::is_ip_address(bind) {
        v.error(format!("bind {bind:?} is not a valid IP address or unix:// socket"));
    }
}

fn non_empty(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|s| !s.is_empty())
}

impl ServerTlsSettings {
    /// Checks TLS settings of a gateway server or sidecar ingress listener at the current path,
    /// as Istio's `validateTLSOptions` and the CRD's rules do.
    pub(crate) fn check(&self, v: &mut Validator) {
        let mode = self.mode.unwrap_or_default();
        if matches!(self.min_protocol_version, Some(TlsProtocol::TlsV1_0 | TlsProtocol::TlsV1_1))
            && self.cipher_suites.is_empty()
        {
            v.warn_at(
                "minProtocolVersion",
                "TLS versions below 1.2 need cipherSuites set: the default ciphers no longer include compatible ones",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut invalid = std::collections::BTreeSet::new();
        let mut duplicate = std::collections::BTreeSet::new();
        for suite in &self.cipher_suites {
            if !is_valid_cipher_suite(suite) {
                invalid.insert(suite.as_str());
            } else if !seen.insert(suite.as_str()) {
                duplicate.insert(suite.as_str());
            }
        }
        if !invalid.is_empty() {
            v.warn_at("cipherSuites", format!("unknown cipher suites are ignored: {invalid:?}"));
        }
        if !duplicate.is_empty() {
            v.warn_at("cipherSuites", format!("duplicate cipher suites are ignored: {duplicate:?}"));
        }
        if self.credential_names.len() > 2 {
            v.error_at("credentialNames", "at most 2 credential names may be given");
        }
        if self.tls_certificates.len() > 2 {
            v.error_at("tlsCertificates", "at most 2 certificates may be given");
        }

        if mode == ServerTlsMode::IstioMutual {
            let fields = [
                ("serverCertificate", non_empty(&self.server_certificate)),
                ("privateKey", non_empty(&self.private_key)),
                ("caCertificates", non_empty(&self.ca_certificates)),
                ("tlsCertificates", !self.tls_certificates.is_empty()),
                ("credentialName", non_empty(&self.credential_name)),
                ("credentialNames", !self.credential_names.is_empty()),
            ];
            for (field, set) in fields {
                if set {
                    v.error_at(field, format!("ISTIO_MUTUAL uses Istio's own certificates; remove {field}"));
                }
            }
            return;
        }

        if matches!(mode, ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough)
            && (non_empty(&self.ca_crl)
                || non_empty(&self.server_certificate)
                || non_empty(&self.private_key)
                || non_empty(&self.ca_certificates)
                || !self.tls_certificates.is_empty()
                || non_empty(&self.credential_name)
                || !self.credential_names.is_empty())
        {
            v.warn(format!("{} does not terminate TLS, so the certificates given are ignored", mode.as_str()));
        }

        let sources = [
            non_empty(&self.server_certificate) && non_empty(&self.private_key),
            non_empty(&self.credential_name),
            !self.credential_names.is_empty(),
            !self.tls_certificates.is_empty(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            v.error(
                "give certificates one way only: credentialName, credentialNames, \
                 serverCertificate/privateKey or tlsCertificates",
            );
        }

        let terminates = matches!(mode, ServerTlsMode::Simple | ServerTlsMode::Mutual | ServerTlsMode::OptionalMutual);
        if terminates && (non_empty(&self.credential_name) || !self.credential_names.is_empty()) {
            // Certificates come from the secret; nothing else is required.
            return;
        }
        if terminates {
            let what = if mode == ServerTlsMode::Simple { "SIMPLE TLS" } else { "MUTUAL TLS" };
            if mode != ServerTlsMode::Simple && !non_empty(&self.ca_certificates) {
                v.error_at(
                    "caCertificates",
                    format!("{what} needs a CA bundle to verify clients (caCertificates or credentialName)"),
                );
            }
            if self.tls_certificates.is_empty() {
                if !non_empty(&self.server_certificate) {
                    v.error_at(
                        "serverCertificate",
                        format!("{what} needs a server certificate (serverCertificate or credentialName)"),
                    );
                }
                if !non_empty(&self.private_key) {
                    v.error_at("privateKey", format!("{what} needs a private key (privateKey or credentialName)"));
                }
            } else {
                v.field("tlsCertificates", |v| {
                    for (i, cert) in self.tls_certificates.iter().enumerate() {
                        v.item(i, |v| {
                            if !non_empty(&cert.server_certificate) {
                                v.error_at("serverCertificate", format!("{what} needs a server certificate"));
                            }
                            if !non_empty(&cert.private_key) {
                                v.error_at("privateKey", format!("{what} needs a private key"));
                            }
                        });
                    }
                });
            }
        }
        if non_empty(&self.ca_crl) {
            if non_empty(&self.credential_name) {
                v.error_at("caCrl", "a CRL file cannot be combined with credentialName; put the CRL in the secret");
            }
            if mode == ServerTlsMode::Simple {
                v.error_at(
                    "caCrl",
                    "a CRL is only used to check client certificates, which SIMPLE TLS does not ask for",
                );
            }
        }
    }
}

impl Server {
    /// Whether the port passes every check of [`Server::check_port`].
    fn port_is_valid(&self) -> bool {
        let unix = self.bind.as_deref().is_some_and(|b| b.starts_with(UNIX_PREFIX));
        rules::is_known_protocol(&self.port.protocol)
            && ((1..=65535).contains(&self.port.number) || (self.port.number == 0 && unix))
            && self.port.target_port.unwrap_or(0) == 0
            && !self.port.name.is_empty()
    }

    fn check_port(&self, v: &mut Validator) {
        let bind = self.bind.as_deref().unwrap_or_default();
        let port = &self.port;
        if !rules::is_known_protocol(&port.protocol) {
            v.error_at(
                "protocol",
                format!(
                    "protocol {:?} is not supported; use HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, MONGO, \
                     REDIS, MYSQL, TCP or TLS",
                    port.protocol
                ),
            );
        }
        if port.number > 0 || !bind.starts_with(UNIX_PREFIX) {
            v.field("number", |v| rules::check_port(v, port.number));
        }
        if port.target_port.unwrap_or(0) > 0 {
            v.error_at("targetPort", "targetPort has no effect on a Gateway; remove it");
        }
        if port.name.is_empty() {
            v.error_at("name", "a gateway port needs a name");
        }
    }

    fn check(&self, v: &mut Validator) {
        v.field("hosts", |v| {
            if self.hosts.is_empty() {
                v.error("a server needs at least one host");
            }
            for (i, host) in self.hosts.iter().enumerate() {
                v.item(i, |v| rules::check_gateway_server_host(v, host));
            }
        });
        v.field("port", |v| self.check_port(v));
        if let Some(bind) = self.bind.as_deref() {
            v.field("bind", |v| {
                check_bind(v, bind);
                if bind.starts_with(UNIX_PREFIX) && self.port.number != 0 {
                    v.error(format!("with a Unix socket bind the port number must be 0, not {}", self.port.number));
                }
            });
        }
        if let Some(tls) = &self.tls {
            v.field("tls", |v| tls.check(v));
        }
        if self.port_is_valid() {
            let protocol = self.port.protocol.as_str();
            match &self.tls {
                None if protocol_is_tls(protocol) => {
                    v.error_at("tls", format!("a {protocol} server needs tls settings"))
                }
                Some(tls) if !protocol_is_tls(protocol) => {
                    if protocol_is_http(protocol) {
                        let passthrough = matches!(
                            tls.mode.unwrap_or_default(),
                            ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough
                        );
                        if !passthrough
                            || non_empty(&tls.ca_certificates)
                            || non_empty(&tls.private_key)
                            || non_empty(&tls.server_certificate)
                        {
                            v.error_at(
                                "tls",
                                "a plain-text HTTP server may only set tls.httpsRedirect; use HTTPS to terminate TLS",
                            );
                        }
                    } else {
                        v.error_at("tls", format!("a {protocol} server cannot have tls settings; use HTTPS or TLS"));
                    }
                }
                _ => {}
            }
        }
    }
}

impl GatewaySpec {
    fn check(&self, v: &mut Validator) {
        v.field("servers", |v| {
            if self.servers.is_empty() {
                v.error("a gateway needs at least one server");
            }
            let mut names = std::collections::HashSet::new();
            for (i, server) in self.servers.iter().enumerate() {
                v.item(i, |v| {
                    server.check(v);
                    if !names.insert(server.port.name.as_str()) {
                        v.error_at(
                            "port",
                            format!(
                                "port name {:?} is already used by another server; port names must be unique",
                                server.port.name
                            ),
                        );
                    }
                    if !protocol_is_http(&server.port.protocol)
                        && server.tls.as_ref().and_then(|t| t.https_redirect) == Some(true)
                    {
                        v.warn_at("tls", "httpsRedirect only has an effect on HTTP servers");
                    }
                });
            }
        });
    }
}

impl Validate for Gateway {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "Gateway", &self.metadata);
        v.field("spec", |v| self.spec.check(v));
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        problems_named("ingress", spec)
    }

    fn problems_named(name: &str, spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: shop}}\nspec: {spec}\n"
        );
        let gateway: Gateway = serde_yaml::from_str(&yaml).expect("test YAML must load");
        gateway.validate()
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    fn errors(problems: &[Problem]) -> Vec<String> {
        problems.iter().filter(|p| p.level == Level::Error).map(ToString::to_string).collect()
    }

    /// A server on `port` (YAML) with `tls` (YAML or empty).
    fn server(port: &str, tls: &str) -> String {
        let tls = if tls.is_empty() { String::new() } else { format!(", tls: {tls}") };
        format!("{{servers: [{{port: {port}, hosts: ['*.example.com']{tls}}}]}}")
    }

    const HTTPS: &str = "{number: 443, name: https, protocol: HTTPS}";
    const HTTP: &str = "{number: 80, name: http, protocol: HTTP}";

    #[test]
    fn valid_gateways_pass() {
        let p = problems(&server(HTTPS, "{mode: SIMPLE, credentialName: cert}"));
        assert!(p.is_empty(), "{p:?}");
        let p = problems(&server(HTTP, "{httpsRedirect: true}"));
        assert!(p.is_empty(), "{p:?}");
        let p = problems(
            "{servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['prod/*.example.com', './*', '10.0.0.1', '*']}]}",
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn gateway_name_must_be_a_dns_label() {
        let p = problems_named("my.gateway", &server(HTTP, ""));
        assert!(has(&p, Level::Error, "metadata.name"), "{p:?}");
    }

    #[test]
    fn gateway_needs_a_server() {
        assert!(has(&problems("{servers: []}"), Level::Error, "spec.servers"));
    }

    #[test]
    fn server_needs_a_host() {
        let p = problems(&format!("{{servers: [{{port: {HTTP}, hosts: []}}]}}"));
        assert!(has(&p, Level::Error, "spec.servers[0].hosts"), "{p:?}");
    }

    #[test]
    fn server_hosts_must_be_fqdn_without_partial_wildcards() {
        for host in ["reviews", "*foo.example.com", "bad_ns!/a.example.com", "/a.example.com"] {
            let p = problems(&format!("{{servers: [{{port: {HTTP}, hosts: ['{host}']}}]}}"));
            assert!(has(&p, Level::Error, "spec.servers[0].hosts[0]"), "{host}: {p:?}");
        }
    }

    #[test]
    fn port_protocol_must_be_known() {
        let p = problems(&server("{number: 80, name: http, protocol: SMTP}", ""));
        assert!(has(&p, Level::Error, "spec.servers[0].port.protocol"), "{p:?}");
    }

    #[test]
    fn port_number_must_be_in_range() {
        let p = problems(&server("{number: 70000, name: http, protocol: HTTP}", ""));
        assert!(has(&p, Level::Error, "spec.servers[0].port.number"), "{p:?}");
    }

    #[test]
    fn target_port_is_rejected_on_gateways() {
        let p = problems(&server("{number: 80, name: http, protocol: HTTP, targetPort: 8080}", ""));
        assert!(has(&p, Level::Error, "spec.servers[0].port.targetPort"), "{p:?}");
    }

    #[test]
    fn port_name_must_be_set() {
        let p = problems(&server("{number: 80, name: '', protocol: HTTP}", ""));
        assert!(has(&p, Level::Error, "spec.servers[0].port.name"), "{p:?}");
    }

    #[test]
    fn port_name_is_required_by_the_schema() {
        let yaml = "metadata: {name: gw}\nspec: {servers: [{port: {number: 80, protocol: HTTP}, hosts: ['*']}]}";
        assert!(serde_yaml::from_str::<Gateway>(yaml).is_err());
    }

    #[test]
    fn port_names_must_be_unique_across_servers() {
        let p = problems(&format!(
            "{{servers: [{{port: {HTTP}, hosts: ['a.example.com']}}, {{port: {{number: 8080, name: http, protocol: HTTP}}, hosts: ['b.example.com']}}]}}"
        ));
        assert!(has(&p, Level::Error, "spec.servers[1].port"), "{p:?}");
    }

    #[test]
    fn https_server_needs_tls() {
        let p = problems(&server(HTTPS, ""));
        assert!(has(&p, Level::Error, "spec.servers[0].tls"), "{p:?}");
    }

    #[test]
    fn plain_http_server_may_only_redirect() {
        let p = problems(&server(HTTP, "{mode: SIMPLE, credentialName: cert}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls"), "{p:?}");
        let p = problems(&server(HTTP, "{httpsRedirect: true, serverCertificate: /c.pem}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls"), "{p:?}");
    }

    #[test]
    fn tcp_server_cannot_have_tls() {
        let p = problems(&server("{number: 27017, name: mongo, protocol: MONGO}", "{mode: PASSTHROUGH}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls"), "{p:?}");
    }

    #[test]
    fn https_redirect_on_a_non_http_server_warns() {
        let p = problems(&server(HTTPS, "{mode: SIMPLE, credentialName: cert, httpsRedirect: true}"));
        assert!(has(&p, Level::Warning, "spec.servers[0].tls"), "{p:?}");
        assert!(errors(&p).is_empty(), "{p:?}");
    }

    #[test]
    fn bind_must_be_an_ip_or_a_unix_socket() {
        let p = problems(&format!("{{servers: [{{port: {HTTP}, bind: not-an-ip, hosts: ['*']}}]}}"));
        assert!(has(&p, Level::Error, "spec.servers[0].bind"), "{p:?}");
        let p = problems(
            "{servers: [{port: {number: 0, name: uds, protocol: HTTP}, bind: 'unix:///var/run/gw.sock', hosts: ['*']}]}",
        );
        assert!(errors(&p).is_empty(), "{p:?}");
        let p = problems(
            "{servers: [{port: {number: 0, name: uds, protocol: HTTP}, bind: 'unix://relative', hosts: ['*']}]}",
        );
        assert!(has(&p, Level::Error, "spec.servers[0].bind"), "{p:?}");
    }

    #[test]
    fn unix_socket_bind_needs_port_zero() {
        let p = problems(&format!("{{servers: [{{port: {HTTP}, bind: 'unix:///gw.sock', hosts: ['*']}}]}}"));
        assert!(has(&p, Level::Error, "spec.servers[0].bind"), "{p:?}");
    }

    #[test]
    fn istio_mutual_forbids_certificates() {
        let p = problems(&server(HTTPS, "{mode: ISTIO_MUTUAL, credentialName: cert, privateKey: /k.pem}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.credentialName"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.servers[0].tls.privateKey"), "{p:?}");
    }

    #[test]
    fn simple_tls_needs_a_certificate_and_a_key() {
        let p = problems(&server(HTTPS, "{mode: SIMPLE}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.serverCertificate"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.servers[0].tls.privateKey"), "{p:?}");
        let p = problems(&server(HTTPS, "{mode: SIMPLE, tlsCertificates: [{serverCertificate: /c.pem}]}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.tlsCertificates[0].privateKey"), "{p:?}");
    }

    #[test]
    fn mutual_tls_needs_a_ca_bundle() {
        let p = problems(&server(HTTPS, "{mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.caCertificates"), "{p:?}");
        let p = problems(&server(
            HTTPS,
            "{mode: OPTIONAL_MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem}",
        ));
        assert!(errors(&p).is_empty(), "{p:?}");
    }

    #[test]
    fn only_one_certificate_source() {
        let p = problems(&server(
            HTTPS,
            "{mode: SIMPLE, credentialName: a, serverCertificate: /c.pem, privateKey: /k.pem}",
        ));
        assert!(has(&p, Level::Error, "spec.servers[0].tls"), "{p:?}");
    }

    #[test]
    fn at_most_two_certificates() {
        let p = problems(&server(HTTPS, "{mode: SIMPLE, credentialNames: [a, b, c]}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.credentialNames"), "{p:?}");
    }

    #[test]
    fn crl_is_not_allowed_with_simple_tls_or_credential_name() {
        let p =
            problems(&server(HTTPS, "{mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCrl: /crl.pem}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.caCrl"), "{p:?}");
        let p = problems(&server(HTTPS, "{mode: PASSTHROUGH, credentialName: c, caCrl: /crl.pem}"));
        assert!(has(&p, Level::Error, "spec.servers[0].tls.caCrl"), "{p:?}");
    }

    #[test]
    fn passthrough_with_certificates_warns() {
        let p = problems(&server(HTTPS, "{mode: PASSTHROUGH, serverCertificate: /c.pem}"));
        assert!(has(&p, Level::Warning, "spec.servers[0].tls"), "{p:?}");
    }

    #[test]
    fn old_tls_versions_without_ciphers_warn() {
        let p = problems(&server(HTTPS, "{mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}"));
        assert!(has(&p, Level::Warning, "spec.servers[0].tls.minProtocolVersion"), "{p:?}");
    }

    #[test]
    fn unknown_or_repeated_cipher_suites_warn() {
        let p = problems(&server(
            HTTPS,
            "{mode: SIMPLE, credentialName: c, cipherSuites: [AES128-SHA, AES128-SHA, NOT-A-CIPHER, '-ALL']}",
        ));
        let warnings = p.iter().filter(|p| p.path.to_string() == "spec.servers[0].tls.cipherSuites").count();
        assert_eq!(warnings, 2, "{p:?}");
    }

    #[test]
    fn tls_mode_outside_the_schema_does_not_load() {
        let yaml = "metadata: {name: gw}\nspec: {servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ['*'], tls: {mode: STRICT}}]}";
        assert!(serde_yaml::from_str::<Gateway>(yaml).is_err());
    }
}
