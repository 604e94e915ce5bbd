//! Checks on how the control plane is installed: `externalcontrolplane.ExternalControlPlaneAnalyzer`
//! (IST0163 a webhook without an address, IST0164 one reached by IP), `authn.BlockedCIDRsAnalyzer`
//! (IST0175: JWKS fetches unrestricted while RequestAuthentications exist),
//! `k8sgateway.CRDVersionAnalyzer` (IST0176: Gateway API CRDs older than Istio needs) and
//! `gateway.SecretAnalyzer` (IST0101 a credential that is not there; IST0161 one without a
//! readable PEM certificate and key, or, given [`Context::now`], an expired certificate).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::k8s_openapi::ByteString;

use super::certificate;
use super::kube::{Selector, full_name, labels, others, pods, raw_namespace};
use super::{Context, Message, MessageLevel};

/// The host of a URL (`https://host:port/path`), without brackets for IPv6.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(host_port.split_once(':').map_or(host_port, |(h, _)| h))
}

/// Reports Istio webhooks with no address and those that reach istiod by IP address.
pub fn external_control_plane(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    let configs = others(context.objects, "ValidatingWebhookConfiguration")
        .filter(|(o, _)| o.name().is_some_and(|n| n == "istiod-default-validator" || n.starts_with("istio-validator")))
        .chain(
            others(context.objects, "MutatingWebhookConfiguration")
                .filter(|(o, _)| o.name().is_some_and(|n| n.starts_with("istio-sidecar-injector"))),
        );
    for (object, data) in configs {
        for (i, hook) in data["webhooks"].as_array().into_iter().flatten().enumerate() {
            let name = hook["name"].as_str().unwrap_or_default();
            let client = &hook["clientConfig"];
            let path = Some(format!("webhooks[{i}].clientConfig"));
            match client["url"].as_str() {
                Some(url) => {
                    let ip = url_host(url).is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok());
                    if ip {
                        messages.push(Message::new(
                            "IST0164",
                            "ExternalControlPlaneAddressIsNotAHostname",
                            MessageLevel::Info,
                            object,
                            path,
                            format!(
                                "The address ({url}) that was provided for the webhook ({name}) to reach the ingress gateway on the external control plane cluster is an IP address. This is not recommended for a production environment."
                            ),
                        ));
                    }
                }
                None if client["service"].is_null() => messages.push(Message::new(
                    "IST0163",
                    "InvalidExternalControlPlaneConfig",
                    MessageLevel::Warning,
                    object,
                    path,
                    format!(
                        "The hostname () that was provided for the webhook ({name}) to reach the ingress gateway on the external control plane cluster is blank. Traffic may not flow properly."
                    ),
                )),
                None => {}
            }
        }
    }
    messages
}

/// Reports istiod Deployments without `BLOCKED_CIDRS_IN_JWKS_URIS` while RequestAuthentications
/// make it fetch JWKS from URLs.
pub fn blocked_cidrs(context: &Context<'_>) -> Vec<Message> {
    let names: Vec<String> =
        context.objects.iter().filter(|o| matches!(o, Object::RequestAuthentication(_))).map(full_name).collect();
    if names.is_empty() {
        return Vec::new();
    }
    let shown = if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{}, and {} more", names[..5].join(", "), names.len() - 5)
    };
    let mut messages = Vec::new();
    for object in context.objects {
        let Object::Deployment(d) = object else { continue };
        if labels(object).get("app").is_none_or(|a| a != "istiod") {
            continue;
        }
        let containers = d.spec.iter().flat_map(|s| s.template.spec.iter()).flat_map(|s| s.containers.iter());
        let set = containers
            .flat_map(|c| c.env.iter().flatten())
            .any(|e| e.name == "BLOCKED_CIDRS_IN_JWKS_URIS" && e.value.as_deref().is_some_and(|v| !v.is_empty()));
        if !set {
            messages.push(Message::new(
                "IST0175",
                "JwksUriFetchUnrestricted",
                MessageLevel::Warning,
                object,
                Some("metadata.name".to_owned()),
                format!(
                    "BLOCKED_CIDRS_IN_JWKS_URIS is not configured but {} RequestAuthentication resource(s) exist ({shown}). Consider configuring it to restrict JWKS URI fetches to trusted networks.",
                    names.len()
                ),
            ));
        }
    }
    messages
}

/// The Gateway API bundle versions Istio needs, per CRD.
const MINIMUM_GATEWAY_API: [(&str, (u64, u64, u64)); 4] = [
    ("grpcroutes.gateway.networking.k8s.io", (1, 1, 0)),
    ("backendtlspolicies.gateway.networking.k8s.io", (1, 4, 0)),
    ("tlsroutes.gateway.networking.k8s.io", (1, 5, 0)),
    ("tcproutes.gateway.networking.k8s.io", (1, 6, 0)),
];

/// `v1.2.3-rc.1` as (1, 2, 3), the pre-release ignored.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

/// Reports Gateway API CRDs whose bundle version is under the one Istio needs.
pub fn gateway_api_crd_versions(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for (object, _) in others(context.objects, "CustomResourceDefinition") {
        let name = object.name().unwrap_or_default();
        let Some((_, minimum)) = MINIMUM_GATEWAY_API.iter().find(|(n, _)| *n == name) else { continue };
        let annotations = object.metadata().annotations.clone().unwrap_or_default();
        let Some(installed) = annotations.get("gateway.networking.k8s.io/bundle-version") else { continue };
        let Some(found) = version(installed) else { continue };
        if found < *minimum {
            let (a, b, c) = minimum;
            messages.push(Message::new(
                "IST0176",
                "GatewayAPICRDVersionBelowMinimum",
                MessageLevel::Warning,
                object,
                Some("metadata.annotations".to_owned()),
                format!(
                    "Gateway API CRD {name:?} is at version {:?} but Istio requires at least \"{a}.{b}.{c}\"; resources of this kind will not be processed. Upgrade the Gateway API CRDs to satisfy the minimum version.",
                    installed.trim_start_matches('v')
                ),
            ));
        }
    }
    messages
}

/// Whether a Secret holds a certificate and key as Istio reads them: `tls.crt` and `tls.key`,
/// or `cert` and `key`, the certificate in PEM form.
/// With `now`, the certificate must also not have expired.
fn usable_secret(data: &serde_json::Value, now: Option<i64>) -> bool {
    let Ok(entries) = serde_json::from_value::<BTreeMap<String, ByteString>>(data["data"].clone()) else {
        return false;
    };
    let pair = |c: &str, k: &str| entries.get(c).zip(entries.get(k));
    let Some((cert, _)) = pair("tls.crt", "tls.key").or_else(|| pair("cert", "key")) else { return false };
    let Some(der) = certificate::pem_certificate(&String::from_utf8_lossy(&cert.0)) else { return false };
    match (certificate::not_after(&der), now) {
        (None, _) => false,
        (Some(not_after), Some(now)) => not_after > now,
        (Some(_), None) => true,
    }
}

/// Reports gateways whose pods are nowhere, and TLS credentials that are missing or unusable.
pub fn gateway_secrets(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    for object in objects {
        let Object::Gateway(gw) = object else { continue };
        let selector = Selector::from_pairs(&gw.spec.selector);
        let Some(namespace) = pods(objects).find(|(p, _)| selector.matches(&labels(p))).map(|(p, _)| raw_namespace(p))
        else {
            messages.push(Message::referenced_resource_not_found(
                object,
                Some("spec.selector".to_owned()),
                "selector",
                &selector.to_string(),
            ));
            continue;
        };
        for (i, server) in gw.spec.servers.iter().enumerate() {
            let Some(credential) =
                server.tls.as_ref().and_then(|t| t.credential_name.as_deref()).filter(|c| !c.is_empty())
            else {
                continue;
            };
            let (ns, name) = credential.split_once('/').unwrap_or((namespace, credential));
            let path = Some(format!("spec.servers[{i}].tls.credentialName"));
            match others(objects, "Secret").find(|(o, _)| raw_namespace(o) == ns && o.name() == Some(name)) {
                None => messages.push(Message::referenced_resource_not_found(object, path, "credentialName", credential)),
                Some((_, data)) if !usable_secret(data, context.now) => messages.push(Message::new(
                    "IST0161",
                    "InvalidGatewayCredential",
                    MessageLevel::Error,
                    object,
                    path,
                    format!(
                        "The credential referenced by the Gateway {} in namespace {namespace} is invalid, which can cause the traffic not to work as expected.",
                        object.name().unwrap_or_default()
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    #[test]
    fn webhook_hosts_are_read_from_urls() {
        assert_eq!(url_host("https://1.1.1.1:5100/inject"), Some("1.1.1.1"));
        assert_eq!(url_host("https://[::1]:15017/x"), Some("::1"));
        assert_eq!(url_host("https://istiod.example.com/validate"), Some("istiod.example.com"));
    }

    #[test]
    fn webhooks_need_an_address_and_should_use_a_name() {
        let o = objects(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: istio-sidecar-injector-x}\nwebhooks:\n- {name: a.istio.io, clientConfig: {url: 'https://1.1.1.1:5100/inject'}}\n- {name: b.istio.io, clientConfig: {}}\n",
        );
        let m = external_control_plane(&Context::new(&o));
        let codes: Vec<&str> = m.iter().map(|m| m.code).collect();
        assert_eq!(codes, ["IST0164", "IST0163"]);
    }

    #[test]
    fn request_authentication_wants_blocked_cidrs_on_istiod() {
        let istiod = |env: &str| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: istiod, namespace: istio-system, labels: {{app: istiod}}}}\nspec:\n  selector: {{matchLabels: {{app: istiod}}}}\n  template:\n    metadata: {{labels: {{app: istiod}}}}\n    spec: {{containers: [{{name: discovery, env: [{env}]}}]}}\n---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: ra, namespace: a}}\nspec: {{jwtRules: [{{issuer: x}}]}}\n"
            )
        };
        let m = blocked_cidrs(&Context::new(&objects(&istiod(""))));
        assert_eq!(m.len(), 1);
        assert!(m[0].message.contains("but 1 RequestAuthentication resource(s) exist (a/ra)"));
        let set = "{name: BLOCKED_CIDRS_IN_JWKS_URIS, value: 10.0.0.0/8}";
        assert!(blocked_cidrs(&Context::new(&objects(&istiod(set)))).is_empty());
    }

    #[test]
    fn old_gateway_api_crds_are_reported() {
        let o = objects(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: tlsroutes.gateway.networking.k8s.io, annotations: {gateway.networking.k8s.io/bundle-version: v1.4.1}}\nspec: {}\n",
        );
        let m = gateway_api_crd_versions(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert!(m[0].message.starts_with("Gateway API CRD \"tlsroutes.gateway.networking.k8s.io\" is at version \"1.4.1\" but Istio requires at least \"1.5.0\""));
    }

    #[test]
    fn gateway_credentials_must_exist_and_hold_a_certificate() {
        let setup = "apiVersion: v1\nkind: Pod\nmetadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}\nspec: {containers: [{name: istio-proxy}]}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: istio-system}\ndata: {cert: aHVzaAo=}\n---\n";
        let gateway = |credential: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: g, namespace: istio-system}}\nspec: {{selector: {{istio: ingressgateway}}, servers: [{{port: {{number: 443, name: https, protocol: HTTPS}}, hosts: ['*'], tls: {{mode: SIMPLE, credentialName: {credential}}}}}]}}\n"
            )
        };
        let missing = gateway_secrets(&Context::new(&objects(&format!("{setup}{}", gateway("nothing")))));
        assert_eq!(missing[0].message, "Referenced credentialName not found: \"nothing\"");
        let invalid = gateway_secrets(&Context::new(&objects(&format!("{setup}{}", gateway("bad")))));
        assert_eq!(invalid[0].code, "IST0161");
    }
}
