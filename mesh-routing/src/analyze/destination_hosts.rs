//! `virtualservice.DestinationHostAnalyzer`: every host a virtual service routes or mirrors
//! to must be a Kubernetes Service or a ServiceEntry host visible from its namespace, and a
//! port it names must be one that service serves (IST0101); a service with several ports
//! needs the port named (IST0112). A gateway-bound virtual service routing without a subset
//! to a host whose own virtual service splits it by subsets gets IST0140: those subsets do
//! not apply to its requests.

use mesh_api::Object;

use super::{
    Message, MessageLevel, fqdn, host_covers, mirror_destinations, namespace_of, resource_name, route_destinations,
    virtual_services,
};

/// A host some service answers for, the namespace it lives in, where it is visible and its ports.
struct KnownHost {
    host: String,
    namespace: String,
    export_to: Vec<String>,
    ports: Vec<u32>,
}

impl KnownHost {
    /// Whether a client in `namespace` may see this host.
    fn visible_from(&self, namespace: &str) -> bool {
        self.export_to.is_empty()
            || self.export_to.iter().any(|e| e == "*" || e == namespace || (e == "." && self.namespace == namespace))
    }
}

fn known_hosts(objects: &[Object]) -> Vec<KnownHost> {
    let mut out = Vec::new();
    for object in objects {
        let namespace = namespace_of(object).to_owned();
        match object {
            Object::Service(svc) => {
                let name = object.name().unwrap_or_default();
                let export_to = svc
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("networking.istio.io/exportTo"))
                    .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                    .unwrap_or_default();
                let ports = svc
                    .spec
                    .as_ref()
                    .and_then(|s| s.ports.as_ref())
                    .map(|ps| ps.iter().filter_map(|p| u32::try_from(p.port).ok()).collect())
                    .unwrap_or_default();
                out.push(KnownHost {
                    host: format!("{name}.{namespace}.svc.cluster.local"),
                    namespace,
                    export_to,
                    ports,
                });
            }
            Object::ServiceEntry(se) => {
                let ports: Vec<u32> = se.spec.ports.iter().map(|p| p.number).collect();
                for host in &se.spec.hosts {
                    out.push(KnownHost {
                        host: fqdn(&namespace, host),
                        namespace: namespace.clone(),
                        export_to: se.spec.export_to.clone(),
                        ports: ports.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The namespaces a virtual service's routes must resolve in: those it is exported to, or its
/// own when it is exported everywhere.
fn viewers(namespace: &str, export_to: &[String]) -> Vec<String> {
    if export_to.is_empty() || export_to.iter().any(|e| e == "*") {
        return vec![namespace.to_owned()];
    }
    export_to.iter().map(|e| if e == "." { namespace.to_owned() } else { e.clone() }).collect()
}

/// Reports route and mirror destinations whose host, or host and port, no service provides.
pub fn destination_hosts(objects: &[Object]) -> Vec<Message> {
    let known = known_hosts(objects);
    let mut messages = Vec::new();
    for (object, vs) in virtual_services(objects) {
        let namespace = namespace_of(object);
        let viewers = viewers(namespace, &vs.spec.export_to);
        for d in route_destinations(vs).into_iter().chain(mirror_destinations(vs)) {
            let host = &d.destination.host;
            let wanted = fqdn(namespace, host);
            let visible = |k: &&KnownHost| viewers.iter().all(|v| k.visible_from(v));
            let found = known
                .iter()
                .filter(visible)
                .find(|k| k.host == wanted)
                .or_else(|| known.iter().filter(visible).find(|k| host_covers(&k.host, &wanted)));
            let Some(service) = found else {
                let reftype = if d.mirror { "mirror host" } else { "host" };
                messages.push(Message::referenced_resource_not_found(
                    object,
                    Some(format!("{}.host", d.path)),
                    reftype,
                    host,
                ));
                continue;
            };
            let Some(port) = d.destination.port.as_ref().and_then(|p| p.number) else {
                if service.ports.len() > 1 {
                    let ports: Vec<String> = service.ports.iter().map(u32::to_string).collect();
                    messages.push(Message {
                        code: "IST0112",
                        name: "VirtualServiceDestinationPortSelectorRequired",
                        level: MessageLevel::Error,
                        resource: resource_name(object),
                        path: Some(format!("{}.host", d.path)),
                        message: format!(
                            "This VirtualService routes to a service {host:?} that exposes multiple ports [{}]. Specifying a port in the destination is required to disambiguate.",
                            ports.join(" ")
                        ),
                                            file: None,
                        line: None,
                    });
                }
                continue;
            };
            if !service.ports.contains(&port) {
                messages.push(Message::referenced_resource_not_found(
                    object,
                    Some(format!("{}.port.number", d.path)),
                    "host:port",
                    &format!("{host}:{port}"),
                ));
            }
        }
    }
    messages.extend(ingress_route_rules_not_affected(objects));
    messages
}

/// `namespace/name` of an object, or `name` alone without a namespace.
fn full_name(object: &Object) -> String {
    let name = object.name().unwrap_or_default();
    match object.namespace() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// IST0140: a gateway-bound HTTP route without a subset to a host that another virtual
/// service routes by subset, for that host as one of its own hosts.
fn ingress_route_rules_not_affected(objects: &[Object]) -> Vec<Message> {
    // Virtual services routing one of their own hosts to a subset, with those hosts.
    let subset_routed: Vec<(&Object, Vec<&str>)> = virtual_services(objects)
        .map(|(object, vs)| {
            let hosts = vs
                .spec
                .http
                .iter()
                .flat_map(|rule| &rule.route)
                .map(|r| &r.destination)
                .filter(|d| d.subset.is_some() && vs.spec.hosts.contains(&d.host))
                .map(|d| d.host.as_str())
                .collect();
            (object, hosts)
        })
        .filter(|(_, hosts): &(&Object, Vec<&str>)| !hosts.is_empty())
        .collect();
    let mut messages = Vec::new();
    for (object, vs) in virtual_services(objects) {
        if vs.spec.gateways.is_empty() {
            continue;
        }
        for (i, rule) in vs.spec.http.iter().enumerate() {
            for (j, route) in rule.route.iter().enumerate() {
                if route.destination.subset.is_some() {
                    continue;
                }
                for (other, hosts) in &subset_routed {
                    for _ in hosts.iter().filter(|h| **h == route.destination.host) {
                        messages.push(Message {
                            code: "IST0140",
                            name: "IngressRouteRulesNotAffected",
                            level: MessageLevel::Warning,
                            resource: resource_name(object),
                            path: Some(format!("spec.http[{i}].route[{j}].destination.host")),
                            message: format!(
                                "Subset in virtual service {} has no effect on ingress gateway {} requests",
                                full_name(other),
                                full_name(object)
                            ),
                            file: None,
                            line: None,
                        });
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

    fn run(yaml: &str) -> Vec<Message> {
        let loaded = mesh_api::load_str(yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<Object> = loaded.objects().cloned().collect();
        destination_hosts(&objects)
    }

    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: default}\nspec: {ports: [{name: http, port: 9080}]}\n---\n";

    #[test]
    fn destination_host_must_name_a_service() {
        let m = run(&format!(
            "{SERVICE}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [reviews]\n  http: [{{route: [{{destination: {{host: reviews}}}}, {{destination: {{host: bogus}}}}]}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0101");
        assert_eq!(m[0].resource, "VirtualService default/vs");
        assert_eq!(m[0].path.as_deref(), Some("spec.http[0].route[1].destination.host"));
        assert_eq!(m[0].message, "Referenced host not found: \"bogus\"");
    }

    #[test]
    fn destination_port_must_be_served() {
        let m = run(&format!(
            "{SERVICE}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [reviews]\n  http: [{{route: [{{destination: {{host: reviews, port: {{number: 80}}}}}}]}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Referenced host:port not found: \"reviews:80\"");
    }

    #[test]
    fn port_is_required_when_the_service_has_several() {
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: two, namespace: default}\nspec: {ports: [{name: a, port: 9080}, {name: b, port: 9090}]}\n---\n";
        let m = run(&format!(
            "{svc}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [two]\n  http: [{{route: [{{destination: {{host: two}}}}, {{destination: {{host: two, port: {{number: 9090}}}}}}]}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0112");
        assert_eq!(
            m[0].message,
            "This VirtualService routes to a service \"two\" that exposes multiple ports [9080 9090]. Specifying a port in the destination is required to disambiguate."
        );
    }

    #[test]
    fn subsets_do_not_apply_to_gateway_routes_without_one() {
        let split = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: split, namespace: default}\nspec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}\n---\n";
        let ingress = |subset: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: ingress, namespace: default}}\nspec: {{hosts: [a.com], gateways: [gw], http: [{{route: [{{destination: {{host: reviews{subset}}}}}]}}]}}\n"
            )
        };
        let m = run(&format!("{SERVICE}{split}{}", ingress("")));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0140");
        assert_eq!(
            m[0].message,
            "Subset in virtual service default/split has no effect on ingress gateway default/ingress requests"
        );
        assert!(run(&format!("{SERVICE}{split}{}", ingress(", subset: v1"))).is_empty());
    }

    #[test]
    fn mirror_host_must_name_a_service() {
        let m = run(&format!(
            "{SERVICE}apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: default}}\nspec:\n  hosts: [reviews]\n  http: [{{route: [{{destination: {{host: reviews}}}}], mirror: {{host: gone}}}}]\n"
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Referenced mirror host not found: \"gone\"");
    }

    #[test]
    fn service_entry_hosts_count_when_exported() {
        let se = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: other}\nspec: {hosts: ['*.example.com'], exportTo: ['.'], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}\n---\n";
        let vs = |ns: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: {ns}}}\nspec:\n  hosts: [a.example.com]\n  tcp: [{{route: [{{destination: {{host: a.example.com}}}}]}}]\n"
            )
        };
        assert!(run(&format!("{se}{}", vs("other"))).is_empty());
        assert_eq!(run(&format!("{se}{}", vs("default"))).len(), 1);
    }

    #[test]
    fn destination_must_be_visible_where_the_virtual_service_is_exported() {
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: hello, namespace: hello, annotations: {networking.istio.io/exportTo: 'a,.'}}\nspec: {ports: [{name: http, port: 9080}]}\n---\n";
        let vs = |export: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: hello}}\nspec:\n  hosts: [hello]\n  exportTo: [{export}]\n  http: [{{route: [{{destination: {{host: hello}}}}]}}]\n"
            )
        };
        assert!(run(&format!("{svc}{}", vs("a"))).is_empty());
        assert!(run(&format!("{svc}{}", vs("'*'"))).is_empty());
        assert_eq!(run(&format!("{svc}{}", vs("bogus"))).len(), 1);
    }
}
