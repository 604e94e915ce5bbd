//! DestinationRule traffic policies compared host by host: load balancing, connection pools,
//! outlier detection, TLS and the other settings, at the host, port and subset level, and the
//! labels that define each subset.

use std::collections::BTreeMap;
use std::fmt;

use mesh_api::networking::TrafficPolicy;
use serde::Serialize;
use serde_json::Value;

use crate::compile::destination_rule::CompiledDr;
use crate::mesh::Mesh;

/// One traffic-policy setting that differs for a host (or one of its subsets or ports).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyChange {
    /// `namespace/name` of the DestinationRule (the new one when both exist).
    pub destination_rule: String,
    /// The subset the setting belongs to; `None` for the host-wide policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The port of a port-level setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The setting as the API spells it: `loadBalancer`, `connectionPool`,
    /// `outlierDetection`, `tls`, `tunnel`, `proxyProtocol`, `retryBudget`, or `labels` for
    /// a subset's definition.
    pub setting: String,
    /// The value before (`None` when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value after (`None` when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

impl fmt::Display for PolicyChange {
    /// `subset v2 port 9080 loadBalancer {"simple":"ROUND_ROBIN"} → {"simple":"LEAST_REQUEST"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.subset {
            write!(f, "subset {s} ")?;
        }
        if let Some(p) = self.port {
            write!(f, "port {p} ")?;
        }
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "unset".to_owned(), Value::to_string);
        write!(
            f,
            "{} {} → {} (DestinationRule {})",
            self.setting,
            show(&self.before),
            show(&self.after),
            self.destination_rule
        )
    }
}

/// A policy's settings by name, without the port-level list; and the port-level ones by port.
fn settings(policy: Option<&TrafficPolicy>) -> (BTreeMap<String, Value>, BTreeMap<u32, BTreeMap<String, Value>>) {
    let Some(Value::Object(mut fields)) = policy.and_then(|p| serde_json::to_value(p).ok()) else {
        return (BTreeMap::new(), BTreeMap::new());
    };
    let mut ports = BTreeMap::new();
    if let Some(Value::Array(list)) = fields.remove("portLevelSettings") {
        for mut entry in list {
            let port = entry["port"]["number"].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            if let Value::Object(map) = &mut entry {
                map.remove("port");
                ports.insert(port, map.clone().into_iter().collect());
            }
        }
    }
    (fields.into_iter().collect(), ports)
}

/// Every setting of a DestinationRule, keyed by (subset, port, setting).
type Flat = BTreeMap<(Option<String>, Option<u32>, String), Value>;

fn flatten(dr: &CompiledDr) -> Flat {
    let mut out = Flat::new();
    let mut add = |subset: Option<&str>, policy: Option<&TrafficPolicy>| {
        let (top, ports) = settings(policy);
        for (k, v) in top {
            out.insert((subset.map(str::to_owned), None, k), v);
        }
        for (port, fields) in ports {
            for (k, v) in fields {
                out.insert((subset.map(str::to_owned), Some(port), k), v);
            }
        }
    };
    add(None, dr.traffic_policy.as_deref());
    for s in &dr.subsets {
        add(Some(&s.name), s.traffic_policy.as_deref());
    }
    for s in &dr.subsets {
        let labels = Value::Object(s.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
        out.insert((Some(s.name.clone()), None, "labels".to_owned()), labels);
    }
    out
}

/// The DestinationRule that applies to each host (the oldest, as Istio picks), by host.
fn by_host(mesh: &Mesh) -> BTreeMap<String, &CompiledDr> {
    let mut out = BTreeMap::new();
    for dr in mesh.destination_rules.iter().filter(|dr| dr.selector.is_none()) {
        out.entry(dr.host.to_string()).or_insert(dr);
    }
    out
}

/// The policy changes between two meshes, by host.
pub(crate) fn policy_changes(old: &Mesh, new: &Mesh) -> BTreeMap<String, Vec<PolicyChange>> {
    let (old, new) = (by_host(old), by_host(new));
    let mut hosts: Vec<&String> = old.keys().chain(new.keys()).collect();
    hosts.sort();
    hosts.dedup();
    let mut out = BTreeMap::new();
    for host in hosts {
        let before = old.get(host).map(|d| flatten(d)).unwrap_or_default();
        let after = new.get(host).map(|d| flatten(d)).unwrap_or_default();
        let name = new.get(host).or(old.get(host)).map(|d| format!("{}/{}", d.namespace, d.name)).unwrap_or_default();
        let mut keys: Vec<&(Option<String>, Option<u32>, String)> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        let changes: Vec<PolicyChange> = keys
            .into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|(subset, port, setting)| PolicyChange {
                destination_rule: name.clone(),
                subset: subset.clone(),
                port: *port,
                setting: setting.clone(),
                before: before.get(&(subset.clone(), *port, setting.clone())).cloned(),
                after: after.get(&(subset.clone(), *port, setting.clone())).cloned(),
            })
            .collect();
        if !changes.is_empty() {
            out.insert(host.clone(), changes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{Mesh, MeshSettings};

    fn mesh(policy: &str, subset_policy: &str) -> Mesh {
        let subset_policy =
            if subset_policy.is_empty() { String::new() } else { format!(", trafficPolicy: {subset_policy}") };
        let loaded = mesh_api::load_str(&format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: cart, namespace: shop}}\nspec:\n  host: cart\n  trafficPolicy: {policy}\n  subsets:\n  - {{name: v1, labels: {{version: v1}}{subset_policy}}}\n"
        ));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<_> = loaded.objects().cloned().collect();
        let mesh = Mesh::compile(&objects, &MeshSettings::default());
        assert!(mesh.warnings().is_empty(), "{:?}", mesh.warnings());
        mesh
    }

    #[test]
    fn load_balancer_changes_are_reported_per_host() {
        let old = mesh("{loadBalancer: {simple: ROUND_ROBIN}}", "");
        let new = mesh("{loadBalancer: {simple: LEAST_REQUEST}}", "");
        let d = crate::diff(&old, &new);
        assert_eq!(d.hosts.len(), 1);
        assert_eq!(d.hosts[0].host, "cart.shop.svc.cluster.local");
        assert_eq!(d.hosts[0].policies.len(), 1);
        assert_eq!(
            d.hosts[0].policies[0].to_string(),
            "loadBalancer {\"simple\":\"ROUND_ROBIN\"} → {\"simple\":\"LEAST_REQUEST\"} (DestinationRule shop/cart)"
        );
        assert!(d.to_string().contains("  policy loadBalancer"));
    }

    #[test]
    fn subset_and_port_level_settings_are_told_apart() {
        let old = mesh("{portLevelSettings: [{port: {number: 80}, tls: {mode: SIMPLE}}]}", "");
        let new = mesh(
            "{portLevelSettings: [{port: {number: 80}, tls: {mode: ISTIO_MUTUAL}}]}",
            "{outlierDetection: {consecutive5xxErrors: 3}}",
        );
        let d = crate::diff(&old, &new);
        let lines: Vec<String> = d.hosts[0].policies.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "port 80 tls {\"mode\":\"SIMPLE\"} → {\"mode\":\"ISTIO_MUTUAL\"} (DestinationRule shop/cart)",
                "subset v1 outlierDetection unset → {\"consecutive5xxErrors\":3} (DestinationRule shop/cart)",
            ]
        );
    }

    #[test]
    fn identical_policies_are_no_change() {
        let a = mesh("{connectionPool: {tcp: {maxConnections: 10}}}", "");
        let b = mesh("{connectionPool: {tcp: {maxConnections: 10}}}", "");
        assert!(crate::diff(&a, &b).is_empty());
    }
}
