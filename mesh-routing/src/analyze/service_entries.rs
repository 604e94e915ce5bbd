//! ServiceEntry checks: `serviceentry.Analyzer` (IST0134: TCP ports without addresses, unless
//! the proxies allocate them) and `serviceentry.ConflictingServiceEntryProtocolAnalyzer`
//! (IST0177: one host and port declared with different protocols where both are visible).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::networking::ServiceEntry;

use super::kube::full_name;
use super::{Context, Message, MessageLevel, namespace_of};

/// Whether the mesh configuration makes proxies allocate addresses to ServiceEntries.
fn addresses_auto_allocated(context: &Context<'_>) -> bool {
    let Some(config) = context.mesh_config else { return false };
    let metadata = &config["defaultConfig"]["proxyMetadata"];
    metadata["ISTIO_META_DNS_CAPTURE"] == "true"
        && (metadata["ISTIO_META_DNS_AUTO_ALLOCATE"] == "true" || metadata["PILOT_ENABLE_IP_AUTOALLOCATE"] == "true")
}

fn service_entries(objects: &[Object]) -> impl Iterator<Item = (&Object, &ServiceEntry)> {
    objects.iter().filter_map(|o| match o {
        Object::ServiceEntry(se) => Some((o, se.as_ref())),
        _ => None,
    })
}

/// Reports TCP ports of ServiceEntries without addresses, once per port.
pub fn service_entry_addresses(context: &Context<'_>) -> Vec<Message> {
    if addresses_auto_allocated(context) {
        return Vec::new();
    }
    let mut messages = Vec::new();
    for (object, se) in service_entries(context.objects) {
        let allocated = se.status.as_ref().is_some_and(|s| {
            serde_json::to_value(s).ok().is_some_and(|v| v["addresses"].as_array().is_some_and(|a| !a.is_empty()))
        });
        if !se.spec.addresses.is_empty() || allocated {
            continue;
        }
        for (i, port) in se.spec.ports.iter().enumerate() {
            let protocol = port.protocol.as_deref().unwrap_or_default();
            if protocol.is_empty() || protocol.eq_ignore_ascii_case("TCP") {
                messages.push(Message::new(
                    "IST0134",
                    "ServiceEntryAddressesRequired",
                    MessageLevel::Warning,
                    object,
                    Some(format!("spec.ports[{i}]")),
                    "ServiceEntry addresses are required for this protocol.".to_owned(),
                ));
            }
        }
    }
    messages
}

/// The namespaces an `exportTo` list reaches from `namespace`; `None` for everywhere.
fn scope(namespace: &str, export_to: &[String]) -> Option<Vec<String>> {
    if export_to.is_empty() || export_to.iter().any(|e| e == "*") {
        return None;
    }
    Some(export_to.iter().map(|e| if e == "." { namespace.to_owned() } else { e.clone() }).collect())
}

/// Whether two export scopes share a namespace.
fn scopes_meet(a: &Option<Vec<String>>, b: &Option<Vec<String>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|n| b.contains(n)),
        _ => true,
    }
}

/// Reports ServiceEntries that give one host and port different protocols.
pub fn conflicting_service_entry_protocols(context: &Context<'_>) -> Vec<Message> {
    // (host, port) → (entry, protocol, scope).
    type Claim<'a> = (&'a Object, String, Option<Vec<String>>);
    let mut claims: BTreeMap<(String, u32), Vec<Claim<'_>>> = BTreeMap::new();
    for (object, se) in service_entries(context.objects) {
        let scope = scope(namespace_of(object), &se.spec.export_to);
        for host in &se.spec.hosts {
            for port in &se.spec.ports {
                let protocol = port.protocol.clone().unwrap_or_default().to_ascii_uppercase();
                claims.entry((host.clone(), port.number)).or_default().push((object, protocol, scope.clone()));
            }
        }
    }
    let mut messages = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    for ((host, port), claims) in &claims {
        for (object, protocol, scope) in claims {
            if reported.contains(&full_name(object)) {
                continue;
            }
            let others: Vec<&Claim<'_>> = claims
                .iter()
                .filter(|(o, p, s)| !std::ptr::eq(*o, *object) && p != protocol && scopes_meet(s, scope))
                .collect();
            if others.is_empty() {
                continue;
            }
            reported.insert(full_name(object));
            let mut names: Vec<String> = others.iter().map(|(o, _, _)| full_name(o)).collect();
            names.push(full_name(object));
            names.sort();
            names.dedup();
            let mut protocols: Vec<&str> = others.iter().map(|(_, p, _)| p.as_str()).collect();
            protocols.push(protocol);
            protocols.sort_unstable();
            protocols.dedup();
            messages.push(Message::new(
                "IST0177",
                "ConflictingServiceEntryProtocol",
                MessageLevel::Warning,
                object,
                Some("spec.ports".to_owned()),
                format!(
                    "Multiple ServiceEntries ({}) define the same host {host:?} and port {port} with conflicting protocols ({}).",
                    names.join(", "),
                    protocols.join(", ")
                ),
            ));
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn entry(name: &str, protocol: &str, extra: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: default}}\nspec: {{hosts: [a.com], ports: [{{number: 80, name: p, protocol: {protocol}}}], resolution: DNS{extra}}}\n---\n"
        )
    }

    #[test]
    fn tcp_ports_need_addresses() {
        let o = objects(&entry("e", "TCP", ""));
        let m = service_entry_addresses(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "ServiceEntry addresses are required for this protocol.");
        assert!(
            service_entry_addresses(&Context::new(&objects(&entry("e", "TCP", ", addresses: [1.1.1.1]")))).is_empty()
        );
        assert!(service_entry_addresses(&Context::new(&objects(&entry("e", "HTTP", "")))).is_empty());
    }

    #[test]
    fn auto_allocation_makes_addresses_optional() {
        let o = objects(&entry("e", "TCP", ""));
        let config = serde_json::json!({"defaultConfig": {"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "true", "ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}});
        assert!(service_entry_addresses(&Context::new(&o).with_mesh_config(&config)).is_empty());
    }

    #[test]
    fn one_host_and_port_must_have_one_protocol() {
        let o = objects(&format!("{}{}", entry("a", "HTTP", ""), entry("b", "HTTPS", "")));
        let m = conflicting_service_entry_protocols(&Context::new(&o));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].message,
            "Multiple ServiceEntries (default/a, default/b) define the same host \"a.com\" and port 80 with conflicting protocols (HTTP, HTTPS)."
        );
        let o =
            objects(&format!("{}{}", entry("a", "HTTP", ", exportTo: [x]"), entry("b", "HTTPS", ", exportTo: [y]")));
        assert!(conflicting_service_entry_protocols(&Context::new(&o)).is_empty());
    }
}
