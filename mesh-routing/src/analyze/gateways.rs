//! `virtualservice.GatewayAnalyzer` (the reference part): every gateway a virtual service
//! names, other than `mesh`, must exist.

use mesh_api::Object;

use super::{Message, namespace_of, virtual_services};

/// The namespace and name a gateway reference resolves to, read from `namespace`.
fn resolve(namespace: &str, reference: &str) -> (String, String) {
    match reference.split_once('/') {
        Some((ns, name)) => (ns.to_owned(), name.to_owned()),
        None => match reference.split_once('.') {
            Some((name, ns)) => (ns.to_owned(), name.to_owned()),
            None => (namespace.to_owned(), reference.to_owned()),
        },
    }
}

/// Reports gateway references, top-level or in route matches, that name no Gateway.
pub fn gateways(objects: &[Object]) -> Vec<Message> {
    let existing: Vec<(&str, &str)> = objects
        .iter()
        .filter(|o| matches!(o, Object::Gateway(_)))
        .map(|o| (namespace_of(o), o.name().unwrap_or_default()))
        .collect();
    let mut messages = Vec::new();
    for (object, vs) in virtual_services(objects) {
        let namespace = namespace_of(object);
        for (i, reference) in vs.spec.gateways.iter().enumerate() {
            if reference == "mesh" {
                continue;
            }
            let (ns, name) = resolve(namespace, reference);
            if !existing.iter().any(|(n, g)| *n == ns && *g == name) {
                messages.push(Message::referenced_resource_not_found(
                    object,
                    Some(format!("spec.gateways[{i}]")),
                    "gateway",
                    reference,
                ));
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(yaml: &str) -> Vec<Message> {
        let loaded = mesh_api::load_str(yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<Object> = loaded.objects().cloned().collect();
        gateways(&objects)
    }

    const GATEWAY: &str = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: istio-system}\nspec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]}\n---\n";

    #[test]
    fn referenced_gateway_must_exist() {
        let m = run(&format!(
            "{GATEWAY}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec: {{hosts: ['*'], gateways: [mesh, istio-system/gw, gw, bogus]}}\n"
        ));
        let texts: Vec<_> = m.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(texts, ["Referenced gateway not found: \"gw\"", "Referenced gateway not found: \"bogus\""]);
        assert_eq!(m[1].path.as_deref(), Some("spec.gateways[3]"));
    }

    #[test]
    fn dotted_gateway_reference_names_the_namespace() {
        assert_eq!(resolve("default", "gw.istio-system"), ("istio-system".to_owned(), "gw".to_owned()));
        assert_eq!(resolve("default", "gw"), ("default".to_owned(), "gw".to_owned()));
    }
}
