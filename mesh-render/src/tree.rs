//! Merging untyped configuration trees the way Istio layers profiles and overlays.

use serde_json::Value;

/// How lists in an overlay combine with lists underneath.
///
/// Maps always merge key by key, and scalars always replace. Lists differ between releases:
///
/// * [`ListMerge::Replace`] (the default, Istio 1.24 and later): an overlay's list replaces
///   the one underneath whole. A user file listing `ingressGateways` therefore drops the
///   profile's `istio-ingressgateway` unless it lists it again.
/// * [`ListMerge::ByName`] (Istio 1.12 to 1.23): the gateway lists merge element by element,
///   matching on `name`: `components.ingressGateways`, `components.egressGateways`, and under
///   each `values.gateways.<gateway>` the `ports`, `secretVolumes` and `meshExpansionPorts`.
///   A matching element is merged into (maps by key again); a new name is appended; elements
///   the overlay does not name are kept. Every other list still replaces, as it did then.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListMerge {
    /// Lists replace: current Istio.
    #[default]
    Replace,
    /// Gateway lists merge by `name`: Istio 1.12 to 1.23.
    ByName,
}

/// Merges `overlay` into `base` (both whole IstioOperator trees, so paths are known).
pub(crate) fn merge(base: &mut Value, overlay: &Value, lists: ListMerge) {
    let mut path = Vec::new();
    merge_at(base, overlay, lists, &mut path);
}

fn merge_at(base: &mut Value, overlay: &Value, lists: ListMerge, path: &mut Vec<String>) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                path.push(key.clone());
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge_at(existing, value, lists, path);
                    }
                    Some(Value::Array(existing)) if lists == ListMerge::ByName && merges_by_name(path) => {
                        if let Value::Array(items) = value {
                            merge_named(existing, items, lists, path);
                        } else {
                            base.insert(key.clone(), value.clone());
                        }
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
                path.pop();
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// Whether the list at `path` merges by name under [`ListMerge::ByName`].
fn merges_by_name(path: &[String]) -> bool {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    matches!(p.as_slice(), ["spec", "components", "ingressGateways" | "egressGateways"])
        || matches!(p.as_slice(), ["spec", "values", "gateways", _, "ports" | "secretVolumes" | "meshExpansionPorts"])
}

fn merge_named(base: &mut Vec<Value>, overlay: &[Value], lists: ListMerge, path: &mut Vec<String>) {
    for item in overlay {
        let name = item.get("name").and_then(Value::as_str);
        let existing = name.and_then(|n| base.iter_mut().find(|b| b.get("name").and_then(Value::as_str) == Some(n)));
        match existing {
            Some(existing) => {
                path.push(format!("[name:{}]", name.unwrap_or_default()));
                merge_at(existing, item, lists, path);
                path.pop();
            }
            None => base.push(item.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn maps_merge_key_by_key_and_scalars_replace() {
        let mut base = json!({"spec": {"hub": "a", "values": {"global": {"x": 1, "y": 2}}}});
        merge(&mut base, &json!({"spec": {"hub": "b", "values": {"global": {"y": 3}}}}), ListMerge::Replace);
        assert_eq!(base, json!({"spec": {"hub": "b", "values": {"global": {"x": 1, "y": 3}}}}));
    }

    #[test]
    fn lists_replace_by_default() {
        let mut base =
            json!({"spec": {"components": {"ingressGateways": [{"name": "istio-ingressgateway", "enabled": true}]}}});
        merge(
            &mut base,
            &json!({"spec": {"components": {"ingressGateways": [{"name": "custom"}]}}}),
            ListMerge::Replace,
        );
        assert_eq!(base["spec"]["components"]["ingressGateways"], json!([{"name": "custom"}]));
    }

    #[test]
    fn gateway_lists_merge_by_name_in_the_old_mode() {
        let mut base =
            json!({"spec": {"components": {"ingressGateways": [{"name": "istio-ingressgateway", "enabled": true}]}}});
        let overlay = json!({"spec": {"components": {"ingressGateways": [
            {"name": "istio-ingressgateway", "k8s": {"replicaCount": 2}},
            {"name": "custom"}
        ]}}});
        merge(&mut base, &overlay, ListMerge::ByName);
        assert_eq!(
            base["spec"]["components"]["ingressGateways"],
            json!([{"name": "istio-ingressgateway", "enabled": true, "k8s": {"replicaCount": 2}}, {"name": "custom"}])
        );
    }

    #[test]
    fn gateway_ports_merge_by_name_but_other_lists_replace_in_the_old_mode() {
        let mut base = json!({"spec": {"values": {"gateways": {"istio-ingressgateway": {
            "ports": [{"name": "http2", "port": 80}],
            "tolerations": [{"key": "a"}]
        }}}}});
        let overlay = json!({"spec": {"values": {"gateways": {"istio-ingressgateway": {
            "ports": [{"name": "http2", "targetPort": 8080}, {"name": "tls", "port": 15443}],
            "tolerations": [{"key": "b"}]
        }}}}});
        merge(&mut base, &overlay, ListMerge::ByName);
        let gw = &base["spec"]["values"]["gateways"]["istio-ingressgateway"];
        assert_eq!(
            gw["ports"],
            json!([{"name": "http2", "port": 80, "targetPort": 8080}, {"name": "tls", "port": 15443}])
        );
        assert_eq!(gw["tolerations"], json!([{"key": "b"}]));
    }

    #[test]
    fn null_in_the_overlay_replaces() {
        let mut base = json!({"spec": {"values": {"a": {"b": 1}}}});
        merge(&mut base, &json!({"spec": {"values": {"a": null}}}), ListMerge::Replace);
        assert_eq!(base, json!({"spec": {"values": {"a": null}}}));
    }
}
