//! `gateway.ConflictingGatewayAnalyzer`: two Gateways selecting the same workloads must not
//! serve the same host on the same port and bind address (IST0145); a selector that matches
//! no other Gateway's nor any pod is reported as not found (IST0101).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::networking::Gateway;

use super::kube::{Selector, full_name, labels, pods};
use super::{Context, Message, MessageLevel};

/// One Gateway's servers grouped by port: host → bind address.
type HostsBind = BTreeMap<String, String>;

/// A selector's text and a port.
type Key = (String, u32);

/// Gateway full name → its hosts and binds on one key.
type ByGateway = BTreeMap<String, HostsBind>;

/// Reports gateways that claim a host another gateway on the same workloads and port claims.
pub fn conflicting_gateways(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let gateways: Vec<(&Object, &Gateway)> = objects
        .iter()
        .filter_map(|o| match o {
            Object::Gateway(gw) => Some((o, gw.as_ref())),
            _ => None,
        })
        .collect();
    // (selector text, port) → gateway full name → hosts and binds.
    let mut by_key: BTreeMap<Key, ByGateway> = BTreeMap::new();
    for (object, gw) in &gateways {
        let selector = Selector::from_pairs(&gw.spec.selector).to_string();
        for server in &gw.spec.servers {
            let bind = server.bind.clone().unwrap_or_default();
            let hosts = server.hosts.iter().map(|h| (h.clone(), bind.clone())).collect();
            by_key.entry((selector.clone(), server.port.number)).or_default().insert(full_name(object), hosts);
        }
    }
    let mut messages = Vec::new();
    for (object, gw) in &gateways {
        let name = full_name(object);
        let selector = Selector::from_pairs(&gw.spec.selector);
        let text = selector.to_string();
        let hits: Vec<(&Key, &ByGateway)> = by_key
            .iter()
            .filter(|((other, _), _)| {
                *other == text
                    || ((other.contains(&text) || text.contains(other.as_str())) && {
                        let other = parse_selector(other);
                        pods(objects).any(|(pod, _)| {
                            let l = labels(pod);
                            selector.matches(&l) && other.matches(&l)
                        })
                    })
            })
            .collect();
        if !text.is_empty() && hits.is_empty() {
            messages.push(Message::referenced_resource_not_found(
                object,
                Some("spec.selector".to_owned()),
                "selector",
                &text,
            ));
            continue;
        }
        for (i, server) in gw.spec.servers.iter().enumerate() {
            let bind = server.bind.clone().unwrap_or_default();
            let mut conflicting: Vec<&str> = hits
                .iter()
                .filter(|((_, port), _)| *port == server.port.number)
                .flat_map(|(_, gateways)| gateways.iter())
                .filter(|(other, hosts)| {
                    **other != name && server.hosts.iter().any(|h| hosts.get(h).is_some_and(|b| *b == bind))
                })
                .map(|(other, _)| other.as_str())
                .collect();
            if conflicting.is_empty() {
                continue;
            }
            conflicting.sort_unstable();
            messages.push(Message::new(
                "IST0145",
                "ConflictingGateways",
                MessageLevel::Error,
                object,
                Some(format!("spec.servers[{i}]")),
                format!(
                    "Conflict with gateways {} (workload selector {text}, port {}, hosts {}).",
                    conflicting.join(","),
                    server.port.number,
                    server.hosts.join(",")
                ),
            ));
        }
    }
    messages
}

/// A selector read back from its text form (`a=b,c=d`).
fn parse_selector(text: &str) -> Selector {
    Selector(
        text.split(',').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn gateway(name: &str, selector: &str, port: u32, host: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}}}\nspec: {{selector: {{{selector}}}, servers: [{{port: {{number: {port}, name: p, protocol: HTTP}}, hosts: ['{host}']}}]}}\n---\n"
        )
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {istio: ingressgateway, app: gw}}\nspec: {containers: [{name: istio-proxy}]}\n---\n";

    #[test]
    fn same_selector_port_and_host_conflict() {
        let o = objects(&format!(
            "{POD}{}{}",
            gateway("alpha", "istio: ingressgateway", 80, "foo.bar"),
            gateway("beta", "istio: ingressgateway", 80, "foo.bar")
        ));
        let m = conflicting_gateways(&Context::new(&o));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].resource, "Gateway alpha");
        assert_eq!(
            m[0].message,
            "Conflict with gateways beta (workload selector istio=ingressgateway, port 80, hosts foo.bar)."
        );
    }

    #[test]
    fn different_ports_do_not_conflict() {
        let o = objects(&format!(
            "{POD}{}{}",
            gateway("alpha", "istio: ingressgateway", 80, "foo.bar"),
            gateway("beta", "istio: ingressgateway", 81, "foo.bar")
        ));
        assert!(conflicting_gateways(&Context::new(&o)).is_empty());
    }

    #[test]
    fn overlapping_selectors_conflict_when_a_pod_has_both() {
        let o = objects(&format!(
            "{POD}{}{}",
            gateway("alpha", "istio: ingressgateway", 80, "foo.bar"),
            gateway("beta", "istio: ingressgateway, app: gw", 80, "foo.bar")
        ));
        assert_eq!(conflicting_gateways(&Context::new(&o)).len(), 2);
    }
}
