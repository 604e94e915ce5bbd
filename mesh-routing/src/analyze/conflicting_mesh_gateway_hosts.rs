//! `virtualservice.ConflictingMeshGatewayHostsAnalyzer`: two virtual services bound to the
//! `mesh` gateway must not claim overlapping hosts in a namespace both are visible in, since
//! which one wins is then undefined.

use mesh_api::Object;

use super::{Message, MessageLevel, fqdn, host_covers, namespace_of, resource_name, virtual_services};

/// One host a mesh-bound virtual service claims, within one export scope.
struct Claim<'a> {
    object: &'a Object,
    /// `*` for every namespace, else one namespace.
    scope: String,
    host: String,
}

/// Whether two claims can meet: their scopes share a namespace and their hosts overlap.
fn overlaps(a: &Claim<'_>, b: &Claim<'_>) -> bool {
    let scopes = a.scope == "*" || b.scope == "*" || a.scope == b.scope;
    scopes && (host_covers(&a.host, &b.host) || host_covers(&b.host, &a.host))
}

fn claims(objects: &[Object]) -> Vec<Claim<'_>> {
    let mut out = Vec::new();
    for (object, vs) in virtual_services(objects) {
        let spec = &vs.spec;
        if !(spec.gateways.is_empty() || spec.gateways.iter().any(|g| g == "mesh")) {
            continue;
        }
        let namespace = namespace_of(object);
        let mut scopes: Vec<String> = Vec::new();
        if spec.export_to.is_empty() || spec.export_to.iter().any(|e| e == "*") {
            scopes.push("*".to_owned());
        } else {
            for e in &spec.export_to {
                let scope = if e == "." { namespace.to_owned() } else { e.clone() };
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
        }
        for scope in &scopes {
            for host in &spec.hosts {
                out.push(Claim { object, scope: scope.clone(), host: fqdn(namespace, host) });
            }
        }
    }
    out
}

/// `namespace/name` of a virtual service, as the message lists them.
fn full_name(object: &Object) -> String {
    format!("{}/{}", namespace_of(object), object.name().unwrap_or_default())
}

/// Reports every mesh-bound virtual service whose host overlaps another's, once per virtual
/// service (naming the first host in conflict).
pub fn conflicting_mesh_gateway_hosts(objects: &[Object]) -> Vec<Message> {
    let claims = claims(objects);
    let mut messages = Vec::new();
    let mut reported: Vec<*const Object> = Vec::new();
    for claim in &claims {
        let mut names = vec![full_name(claim.object)];
        for other in &claims {
            if std::ptr::eq(other.object, claim.object) || !overlaps(claim, other) {
                continue;
            }
            let name = full_name(other.object);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let key = std::ptr::from_ref(claim.object);
        if names.len() < 2 || reported.contains(&key) {
            continue;
        }
        reported.push(key);
        messages.push(Message {
            code: "IST0109",
            name: "ConflictingMeshGatewayVirtualServiceHosts",
            level: MessageLevel::Error,
            resource: resource_name(claim.object),
            path: Some("metadata.name".to_owned()),
            message: format!(
                "The VirtualServices {} associated with mesh gateway define the same host {} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
                names.join(","),
                claim.host
            ),
                    file: None,
            line: None,
        });
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
        conflicting_mesh_gateway_hosts(&objects)
    }

    fn vs(ns: &str, name: &str, extra: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{{extra}}}\n---\n"
        )
    }

    #[test]
    fn two_mesh_services_for_one_host_conflict() {
        let m = run(&(vs("foo", "a", "hosts: [ratings]") + &vs("foo", "b", "hosts: [ratings.foo.svc.cluster.local]")));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].resource, "VirtualService foo/a");
        assert_eq!(m[1].resource, "VirtualService foo/b");
        assert!(m[0].message.starts_with(
            "The VirtualServices foo/a,foo/b associated with mesh gateway define the same host ratings.foo.svc.cluster.local"
        ));
    }

    #[test]
    fn gateway_only_services_do_not_conflict() {
        let m = run(&(vs("foo", "a", "hosts: [ratings]") + &vs("foo", "b", "hosts: [ratings], gateways: [gw]")));
        assert!(m.is_empty());
    }

    #[test]
    fn disjoint_export_scopes_do_not_conflict() {
        let m =
            run(&(vs("foo", "a", "hosts: ['*.x'], exportTo: [foo]")
                + &vs("bar", "b", "hosts: ['*.x'], exportTo: ['.']")));
        assert!(m.is_empty());
        let m = run(&(vs("foo", "a", "hosts: ['*.y.x'], exportTo: ['.']") + &vs("bar", "b", "hosts: ['*.x']")));
        assert_eq!(m.len(), 2);
    }
}
