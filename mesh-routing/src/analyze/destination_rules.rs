//! `virtualservice.DestinationRuleAnalyzer`: a subset a virtual service routes or mirrors to
//! must be defined by a DestinationRule for that host.

use mesh_api::Object;

use super::{Message, fqdn, mirror_destinations, namespace_of, route_destinations, virtual_services};

/// Reports destinations whose `host` and `subset` no DestinationRule defines together.
pub fn destination_rules(objects: &[Object]) -> Vec<Message> {
    let subsets: Vec<(String, &str)> = objects
        .iter()
        .filter_map(|o| match o {
            Object::DestinationRule(dr) => Some((o, dr)),
            _ => None,
        })
        .flat_map(|(o, dr)| {
            let host = fqdn(namespace_of(o), &dr.spec.host);
            dr.spec.subsets.iter().map(move |s| (host.clone(), s.name.as_str()))
        })
        .collect();
    let mut messages = Vec::new();
    for (object, vs) in virtual_services(objects) {
        let namespace = namespace_of(object);
        for d in route_destinations(vs).into_iter().chain(mirror_destinations(vs)) {
            let Some(subset) = d.destination.subset.as_deref() else { continue };
            let host = fqdn(namespace, &d.destination.host);
            if !subsets.iter().any(|(h, s)| *h == host && *s == subset) {
                messages.push(Message::referenced_resource_not_found(
                    object,
                    Some(format!("{}.subset", d.path)),
                    "host+subset in destinationrule",
                    &format!("{}+{subset}", d.destination.host),
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
        destination_rules(&objects)
    }

    const RULE: &str = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: default}\nspec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}\n---\n";

    #[test]
    fn subset_must_be_defined_for_the_host() {
        let m = run(&format!(
            "{RULE}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [reviews]\n  http: [{{route: [{{destination: {{host: reviews, subset: v1}}}}, {{destination: {{host: reviews.default.svc.cluster.local, subset: v2}}}}]}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].path.as_deref(), Some("spec.http[0].route[1].destination.subset"));
        assert_eq!(
            m[0].message,
            "Referenced host+subset in destinationrule not found: \"reviews.default.svc.cluster.local+v2\""
        );
    }

    #[test]
    fn mirror_subset_must_be_defined() {
        let m = run(&format!(
            "{RULE}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [reviews]\n  http: [{{route: [{{destination: {{host: reviews}}}}], mirror: {{host: reviews, subset: v9}}}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].path.as_deref(), Some("spec.http[0].mirror.subset"));
    }
}
