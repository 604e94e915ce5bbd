//! `gateway.CertificateAnalyzer`: two Gateways on the same workloads must not serve the same
//! certificate (IST0138): clients reusing an HTTP/2 connection for the other host get 404s.

use mesh_api::Object;
use mesh_api::networking::{Gateway, ServerTlsSettings};

use super::kube::full_name;
use super::{Context, Message, MessageLevel};

/// Whether two TLS settings name the same certificate (credential, or certificate and key).
fn same_certificate(a: &ServerTlsSettings, b: &ServerTlsSettings) -> bool {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (ca, cb) = (text(&a.credential_name), text(&b.credential_name));
    if !ca.is_empty() && !cb.is_empty() {
        return ca == cb;
    }
    if ca.is_empty() && cb.is_empty() {
        let (sa, sb) = (text(&a.server_certificate), text(&b.server_certificate));
        let (ka, kb) = (text(&a.private_key), text(&b.private_key));
        return !sa.is_empty() && sa == sb && !ka.is_empty() && ka == kb;
    }
    false
}

/// Whether every label of `x` is in `y` with the same value.
fn selector_subset(x: &Gateway, y: &Gateway) -> bool {
    x.spec.selector.iter().all(|(k, v)| y.spec.selector.get(k) == Some(v))
}

/// Reports gateways that share a certificate with another gateway on the same workloads.
pub fn gateway_certificates(context: &Context<'_>) -> Vec<Message> {
    let gateways: Vec<(&Object, &Gateway)> = context
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::Gateway(gw) => Some((o, gw.as_ref())),
            _ => None,
        })
        .collect();
    let mut messages = Vec::new();
    for (object, gateway) in &gateways {
        for (other_object, other) in &gateways {
            if std::ptr::eq(*object, *other_object) || !selector_subset(gateway, other) {
                continue;
            }
            for server in &gateway.spec.servers {
                for other_server in &other.spec.servers {
                    let (Some(a), Some(b)) = (&server.tls, &other_server.tls) else { continue };
                    if same_certificate(a, b) {
                        messages.push(Message::new(
                            "IST0138",
                            "GatewayDuplicateCertificate",
                            MessageLevel::Warning,
                            object,
                            Some("metadata.name".to_owned()),
                            format!(
                                "Duplicate certificate in multiple gateways [{} {}] may cause 404s if clients re-use HTTP2 connections.",
                                full_name(object),
                                full_name(other_object)
                            ),
                        ));
                    }
                }
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn gateway(name: &str, credential: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: istio-system}}\nspec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 443, name: https, protocol: HTTPS}}, hosts: ['{name}.com'], tls: {{mode: SIMPLE, credentialName: {credential}}}}}]}}\n---\n"
        )
    }

    #[test]
    fn gateways_on_one_workload_must_not_share_a_certificate() {
        let m =
            gateway_certificates(&Context::new(&objects(&format!("{}{}", gateway("a", "cert"), gateway("b", "cert")))));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].message,
            "Duplicate certificate in multiple gateways [istio-system/a istio-system/b] may cause 404s if clients re-use HTTP2 connections."
        );
        assert!(
            gateway_certificates(&Context::new(&objects(&format!("{}{}", gateway("a", "c1"), gateway("b", "c2")))))
                .is_empty()
        );
    }
}
