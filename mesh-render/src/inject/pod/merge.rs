//! Kubernetes' strategic merge of containers, and how Go writes them (key order, quantities):
//! what the webhook relies on when it merges its template and a user's overrides.

use super::*;

/// Lists of a container that Kubernetes merges item by item, with the key naming an item.
pub(super) const MERGE_KEYS: [(&str, &str); 5] = [
    ("env", "name"),
    ("ports", "containerPort"),
    ("volumeMounts", "mountPath"),
    ("volumeDevices", "devicePath"),
    ("resizePolicy", "resourceName"),
];

/// A strategic merge of `patch` onto `server`, as Kubernetes does for containers: maps merge,
/// the lists of [`MERGE_KEYS`] merge item by item, other values (and other lists) replace.
pub(super) fn strategic_merge(server: &Container, patch: &Container) -> Result<Container, InjectError> {
    let internal = |e: serde_json::Error| InjectError::Internal { message: e.to_string() };
    let mut base = serde_json::to_value(server).map_err(internal)?;
    let mut overlay = serde_json::to_value(patch).map_err(internal)?;
    if let (Some(base_map), Some(overlay_map)) = (base.as_object_mut(), overlay.as_object_mut()) {
        for (key, merge_key) in MERGE_KEYS {
            let Some(new) = overlay_map.remove(key) else { continue };
            match base_map.get_mut(key) {
                Some(old) => merge_list(old, new, merge_key),
                None => {
                    base_map.insert(key.to_owned(), new);
                }
            }
        }
    }
    merge_json(&mut base, overlay);
    serde_json::from_value(base).map_err(internal)
}

/// Merges a user's container onto the injected one of the same name: what the user set wins;
/// `image: auto` keeps the injected image.
pub(super) fn apply_override(target: &mut Container, user: &Container) -> Result<(), InjectError> {
    let mut user = user.clone();
    if user.image.as_deref() == Some("auto") {
        user.image = None;
    }
    *target = strategic_merge(target, &user)?;
    Ok(())
}

/// Kubernetes' strategic merge of a keyed list: matching items merge; the patch's items keep
/// their order, and the server's other items are slotted in before the first patch item
/// found later in the server list.
pub(super) fn merge_list(old: &mut serde_json::Value, new: serde_json::Value, key: &str) {
    let (Some(server), serde_json::Value::Array(patch)) = (old.as_array_mut(), new) else {
        return;
    };
    let id = |v: &serde_json::Value| v.get(key).cloned().filter(|k| !k.is_null());
    let index = |v: &serde_json::Value| {
        let wanted = id(v)?;
        server.iter().position(|s| id(s).as_ref() == Some(&wanted))
    };
    let patch: Vec<(Option<usize>, serde_json::Value)> = patch
        .into_iter()
        .map(|item| {
            let at = index(&item);
            let merged = match at {
                Some(i) => {
                    let mut base = server[i].clone();
                    merge_json(&mut base, item);
                    base
                }
                None => item,
            };
            (at, merged)
        })
        .collect();
    let server_only: Vec<(usize, serde_json::Value)> = server
        .iter()
        .enumerate()
        .filter(|(i, _)| !patch.iter().any(|(at, _)| *at == Some(*i)))
        .map(|(i, s)| (i, s.clone()))
        .collect();
    let mut out = Vec::with_capacity(patch.len() + server_only.len());
    let (mut left, mut right) = (server_only.into_iter().peekable(), patch.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some((l, _)), Some((r, _))) => r.is_some_and(|r| *l < r),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next().map(|(_, v)| v) } else { right.next().map(|(_, v)| v) };
        out.extend(next);
    }
    *server = out;
}

/// Key order of Kubernetes' Go types, used to write the overrides annotation as Istio does.
pub(super) const GO_FIELD_ORDER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
    "exec",
    "httpGet",
    "tcpSocket",
    "grpc",
    "sleep",
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
    "path",
    "port",
    "host",
    "scheme",
    "httpHeaders",
    "service",
    "postStart",
    "preStop",
    "stopSignal",
    "limits",
    "requests",
    "claims",
    "capabilities",
    "privileged",
    "seLinuxOptions",
    "windowsOptions",
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "procMount",
    "seccompProfile",
    "appArmorProfile",
    "add",
    "drop",
    "readOnly",
    "recursiveReadOnly",
    "mountPath",
    "subPath",
    "mountPropagation",
    "subPathExpr",
    "hostPort",
    "containerPort",
    "protocol",
    "hostIP",
    "value",
    "valueFrom",
];

/// Reorders object keys the way Go writes Kubernetes types.
pub(super) fn go_order(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(map).into_iter().collect();
            for (_, v) in &mut entries {
                go_order(v);
            }
            let rank = |k: &str| GO_FIELD_ORDER.iter().position(|f| *f == k).unwrap_or(usize::MAX);
            entries.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then_with(|| a.0.cmp(&b.0)));
            map.extend(entries);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(go_order),
        _ => {}
    }
}

/// A user's container as Istio records it: Go key order, `resources` always present,
/// quantities in canonical form.
pub(super) fn go_container_json(container: &Container) -> serde_json::Value {
    let mut value = serde_json::to_value(container).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        let resources = map.entry("resources").or_insert_with(|| serde_json::json!({}));
        for group in ["limits", "requests"] {
            if let Some(amounts) = resources.get_mut(group).and_then(|g| g.as_object_mut()) {
                for amount in amounts.values_mut() {
                    if let Some(text) = amount.as_str() {
                        *amount = canonical_quantity(text).into();
                    }
                }
            }
        }
    }
    go_order(&mut value);
    value
}

/// A Kubernetes quantity in the canonical form Kubernetes prints (`3000m` → `3`,
/// `1024Mi` → `1Gi`); text it cannot read is returned unchanged.
pub(crate) fn canonical_quantity(text: &str) -> String {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let Ok(mut mantissa) = format!("{whole}{fraction}").parse::<i128>() else {
        return text.to_owned();
    };
    let binary = [("Ki", 1), ("Mi", 2), ("Gi", 3), ("Ti", 4), ("Pi", 5), ("Ei", 6)];
    if let Some(&(_, mut power)) = binary.iter().find(|(s, _)| *s == suffix) {
        if !fraction.is_empty() {
            return text.to_owned();
        }
        while power < 6 && mantissa != 0 && mantissa % 1024 == 0 {
            mantissa /= 1024;
            power += 1;
        }
        return format!("{mantissa}{}", binary[power - 1].0);
    }
    let decimal =
        [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];
    let Some(&(_, exp)) = decimal.iter().find(|(s, _)| *s == suffix) else {
        return text.to_owned();
    };
    let Ok(digits) = i32::try_from(fraction.len()) else {
        return text.to_owned();
    };
    let mut exp = exp - digits;
    while exp % 3 != 0 {
        mantissa *= 10;
        exp -= 1;
    }
    if mantissa == 0 {
        return "0".to_owned();
    }
    while exp < 18 && mantissa % 1000 == 0 {
        mantissa /= 1000;
        exp += 3;
    }
    match decimal.iter().find(|(_, e)| *e == exp) {
        Some((s, _)) => format!("{mantissa}{s}"),
        None => text.to_owned(),
    }
}

/// Writes a container's resource amounts in canonical form, as Kubernetes does on reading.
pub(super) fn canonical_resources(container: &mut Container) {
    if let Some(resources) = container.resources.as_mut() {
        for map in [resources.limits.as_mut(), resources.requests.as_mut()].into_iter().flatten() {
            for amount in map.values_mut() {
                amount.0 = canonical_quantity(&amount.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_written_in_canonical_form() {
        assert_eq!(canonical_quantity("2000m"), "2");
        assert_eq!(canonical_quantity("1024Mi"), "1Gi");
        assert_eq!(canonical_quantity("100m"), "100m");
        assert_eq!(canonical_quantity("128Mi"), "128Mi");
        assert_eq!(canonical_quantity("0.5"), "500m");
        assert_eq!(canonical_quantity("1000"), "1k");
        assert_eq!(canonical_quantity("0"), "0");
    }

    #[test]
    fn overrides_are_recorded_in_go_field_order() {
        let user = Container {
            name: s(PROXY),
            image: Some(s("auto")),
            tty: Some(true),
            args: Some(vec![s("a")]),
            ..Container::default()
        };
        let text = go_container_json(&user).to_string();
        assert_eq!(text, r#"{"name":"istio-proxy","image":"auto","args":["a"],"resources":{},"tty":true}"#);
    }

    #[test]
    fn keyed_lists_keep_the_patch_order_and_slot_server_items_in() {
        let mut server = serde_json::json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]);
        merge_list(&mut server, serde_json::json!([{"name": "x"}, {"name": "a"}, {"name": "c"}]), "name");
        let names: Vec<&str> = server.as_array().into_iter().flatten().filter_map(|v| v["name"].as_str()).collect();
        assert_eq!(names, ["x", "a", "b", "c"]);
    }
}
