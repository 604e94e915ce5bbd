//! `Gateway`: the listeners of a load balancer at the edge of the mesh (ingress or egress).

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::IstioStatus;

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
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
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
