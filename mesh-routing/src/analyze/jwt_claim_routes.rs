//! `virtualservice.JWTClaimRouteAnalyzer`: a VirtualService routing on JWT claims
//! (`@request.auth.claims.*` headers) through a Gateway needs a RequestAuthentication for
//! every gateway pod, or the claims are never read (IST0149).

use std::collections::BTreeMap;

use mesh_api::Object;

use super::kube::{Selector, labels, pods, raw_namespace};
use super::{Context, Message, MessageLevel, virtual_services};

/// The header prefix Istio reads as a JWT claim.
const CLAIM_PREFIX: &str = "@request.auth.claims";

/// Reports gateway pods without a RequestAuthentication under claim-based routes.
pub fn jwt_claim_routes(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut authentications: BTreeMap<&str, Vec<Selector>> = BTreeMap::new();
    for object in objects {
        if let Object::RequestAuthentication(ra) = object {
            let selector = ra.spec.selector.as_ref().map(|s| Selector::from_pairs(&s.match_labels)).unwrap_or_default();
            authentications.entry(raw_namespace(object)).or_default().push(selector);
        }
    }
    let mut messages = Vec::new();
    for (object, vs) in virtual_services(objects) {
        let key = vs
            .spec
            .http
            .iter()
            .flat_map(|r| &r.match_)
            .find_map(|m| m.headers.keys().chain(m.without_headers.keys()).find(|k| k.starts_with(CLAIM_PREFIX)));
        let Some(key) = key else { continue };
        let namespace = raw_namespace(object);
        for reference in vs.spec.gateways.iter().filter(|g| *g != "mesh") {
            let (gw_ns, gw_name) = reference.split_once('/').unwrap_or((namespace, reference));
            let gateway = objects.iter().find_map(|o| match o {
                Object::Gateway(gw) if raw_namespace(o) == gw_ns && o.name() == Some(gw_name) => Some(gw),
                _ => None,
            });
            let Some(gateway) = gateway else { continue };
            let selector = Selector::from_pairs(&gateway.spec.selector);
            for (pod, _) in pods(objects) {
                let pod_labels = labels(pod);
                if !selector.matches(&pod_labels) {
                    continue;
                }
                let covered = authentications
                    .get("istio-system")
                    .into_iter()
                    .chain(authentications.get(raw_namespace(pod)))
                    .flatten()
                    .any(|s| s.matches(&pod_labels));
                if !covered {
                    let full = if gw_ns.is_empty() { gw_name.to_owned() } else { format!("{gw_ns}/{gw_name}") };
                    messages.push(Message::new(
                        "IST0149",
                        "JwtClaimBasedRoutingWithoutRequestAuthN",
                        MessageLevel::Error,
                        object,
                        Some("spec.gateways".to_owned()),
                        format!(
                            "The virtual service uses the JWT claim based routing (key: {key}) but found no request authentication for the gateway ({full}) pod ({}). The request authentication must first be applied for the gateway pods to validate the JWT token and make the claims available for routing.",
                            pod.name().unwrap_or_default()
                        ),
                    ));
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

    const GATEWAY: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: gw-pod, namespace: istio-system, labels: {app: gw}}\nspec: {containers: [{name: istio-proxy}]}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: istio-system}\nspec: {selector: {app: gw}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: istio-system}\nspec: {hosts: [a.com], gateways: [gw], http: [{match: [{headers: {'@request.auth.claims.group': {exact: admin}}}], route: [{destination: {host: a}}]}]}\n---\n";

    #[test]
    fn claim_routes_need_request_authentication_on_the_gateway() {
        let m = jwt_claim_routes(&Context::new(&objects(GATEWAY)));
        assert_eq!(m.len(), 1);
        assert!(m[0].message.starts_with(
            "The virtual service uses the JWT claim based routing (key: @request.auth.claims.group) but found no request authentication for the gateway (istio-system/gw) pod (gw-pod)."
        ));
        let ra = "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: ra, namespace: istio-system}\nspec: {selector: {matchLabels: {app: gw}}, jwtRules: [{issuer: a}]}\n";
        assert!(jwt_claim_routes(&Context::new(&objects(&format!("{GATEWAY}{ra}")))).is_empty());
    }
}
