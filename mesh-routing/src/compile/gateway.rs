//! Gateways and their servers (routing.md §4).

use mesh_api::networking::{Gateway, ServerTlsMode};

use crate::matchers::host::HostPattern;

/// A server host `[ns/]dnsName` (G5).
#[derive(Clone, Debug)]
pub(crate) struct ServerHost {
    /// `None` = VirtualServices of any namespace.
    pub(crate) namespace: Option<String>,
    pub(crate) host: HostPattern,
}

/// How a server treats what arrives (L1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerKind {
    /// HTTP rules (HTTP, HTTP2, GRPC, or HTTPS terminated).
    Http,
    /// Terminated HTTPS: HTTP rules, its own route table.
    Https,
    /// TLS passthrough: TLS rules by SNI.
    TlsPassthrough,
    /// TCP rules.
    Tcp,
}

/// One server.
#[derive(Clone, Debug)]
pub(crate) struct CompiledServer {
    pub(crate) port: u32,
    pub(crate) kind: ServerKind,
    pub(crate) hosts: Vec<ServerHost>,
    pub(crate) https_redirect: bool,
}

/// A Gateway.
#[derive(Clone, Debug)]
pub(crate) struct CompiledGateway {
    /// `ns/name`, as VirtualServices refer to it.
    pub(crate) key: String,
    pub(crate) selector: Vec<(String, String)>,
    pub(crate) servers: Vec<CompiledServer>,
    pub(crate) age: (Option<i128>, String, String),
}

impl CompiledGateway {
    /// (creation time, name, namespace): Istio's age order, oldest first.
    #[inline]
    pub(crate) fn age(&self) -> (Option<i128>, &str, &str) {
        (self.age.0, &self.age.1, &self.age.2)
    }
}

fn kind(protocol: &str, tls: Option<ServerTlsMode>) -> ServerKind {
    match protocol.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => ServerKind::Http,
        "HTTPS" => match tls {
            Some(ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough) => ServerKind::TlsPassthrough,
            _ => ServerKind::Https,
        },
        "TLS" => match tls {
            Some(ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough) | None => ServerKind::TlsPassthrough,
            _ => ServerKind::Tcp,
        },
        _ => ServerKind::Tcp,
    }
}

/// Compiles one Gateway.
pub(crate) fn compile(gw: &Gateway, namespace: &str, age: Option<i128>) -> CompiledGateway {
    let name = gw.metadata.name.clone().unwrap_or_default();
    let servers = gw
        .spec
        .servers
        .iter()
        .map(|s| CompiledServer {
            port: s.port.number,
            kind: kind(&s.port.protocol, s.tls.as_ref().and_then(|t| t.mode)),
            hosts: s
                .hosts
                .iter()
                .map(|h| match h.split_once('/') {
                    Some(("*", host)) => ServerHost { namespace: None, host: HostPattern::parse(host) },
                    Some((".", host)) => {
                        ServerHost { namespace: Some(namespace.to_owned()), host: HostPattern::parse(host) }
                    }
                    Some((ns, host)) => ServerHost { namespace: Some(ns.to_owned()), host: HostPattern::parse(host) },
                    None => ServerHost { namespace: None, host: HostPattern::parse(h) },
                })
                .collect(),
            https_redirect: s.tls.as_ref().and_then(|t| t.https_redirect).unwrap_or(false),
        })
        .collect();
    CompiledGateway {
        key: format!("{namespace}/{name}"),
        selector: gw.spec.selector.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        servers,
        age: (age, name, namespace.to_owned()),
    }
}
