//! A component's `k8s` settings and `k8s.overlays` patches, applied to its rendered objects.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Which rendered objects a component's `k8s` settings land on: its main workload (a
/// Deployment or DaemonSet), that workload's first container, and the Service,
/// HorizontalPodAutoscaler and PodDisruptionBudget of the same name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Targets {
    workload: Option<(&'static str, String)>,
}

impl Targets {
    /// Settings apply to no object (base: only overlays apply).
    pub(crate) fn none() -> Self {
        Targets::default()
    }

    /// Settings apply to the workload of this kind and name and its companions.
    pub(crate) fn workload(kind: &'static str, name: &str) -> Self {
        Targets { workload: Some((kind, name.to_owned())) }
    }
}

fn kind_of(object: &Value) -> &str {
    object.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn name_of(object: &Value) -> &str {
    object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
}

/// Applies the settings of one component's `k8s` block (data, null when absent), then its
/// overlays.
pub(crate) fn apply(mut objects: Vec<Value>, spec: &Value, targets: &Targets) -> Result<Vec<Value>> {
    if let (Some((kind, name)), Value::Object(spec)) = (&targets.workload, spec) {
        for object in &mut objects {
            if name_of(object) != name {
                continue;
            }
            match kind_of(object) {
                k if k == *kind => workload(object, spec),
                "Service" => service(object, spec),
                "HorizontalPodAutoscaler" => {
                    if let Some(hpa) = spec.get("hpaSpec").filter(|v| v.is_object()) {
                        merge_into(object, "/spec", &typed_metrics(hpa));
                    }
                }
                "PodDisruptionBudget" => {
                    if let Some(pdb) = spec.get("podDisruptionBudget").filter(|v| v.is_object()) {
                        merge_into(object, "/spec", pdb);
                        if let Some(spec) = object.pointer_mut("/spec").and_then(Value::as_object_mut)
                            && spec.get("maxUnavailable").is_some_and(|v| !v.is_null())
                            && pdb.get("maxUnavailable").is_some_and(|v| !v.is_null())
                        {
                            spec.remove("minAvailable");
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for overlay in spec.get("overlays").and_then(Value::as_array).into_iter().flatten() {
        let kind = overlay.get("kind").and_then(Value::as_str).unwrap_or_default();
        let name = overlay.get("name").and_then(Value::as_str).unwrap_or_default();
        let api_version = overlay.get("apiVersion").and_then(Value::as_str).filter(|v| !v.is_empty());
        let target = objects.iter_mut().find(|o| {
            kind_of(o) == kind
                && name_of(o) == name
                && api_version.is_none_or(|v| o.get("apiVersion").and_then(Value::as_str) == Some(v))
        });
        let Some(target) = target else {
            return Err(Error::Render {
                message: format!("overlay for {kind}:{name} does not match any rendered object"),
            });
        };
        for patch in overlay.get("patches").and_then(Value::as_array).into_iter().flatten() {
            let path = patch.get("path").and_then(Value::as_str).unwrap_or_default();
            apply_overlay_patch(target, path, patch.get("value")).map_err(|message| Error::Render {
                message: format!("overlay {kind}:{name}, path {path:?}: {message}"),
            })?;
        }
    }
    Ok(objects)
}

/// An `hpaSpec` whose metrics without a `type` get the one their source names
/// (`Resource` for a `resource` source, and so on): Kubernetes requires it, and istioctl
/// passes such metrics on without one.
fn typed_metrics(hpa: &Value) -> Value {
    let mut hpa = hpa.clone();
    for metric in hpa.get_mut("metrics").and_then(Value::as_array_mut).into_iter().flatten() {
        let Value::Object(metric) = metric else { continue };
        if metric.get("type").and_then(Value::as_str).is_some_and(|t| !t.is_empty()) {
            continue;
        }
        let source = [
            ("resource", "Resource"),
            ("pods", "Pods"),
            ("object", "Object"),
            ("external", "External"),
            ("containerResource", "ContainerResource"),
        ]
        .into_iter()
        .find(|(field, _)| metric.contains_key(*field));
        if let Some((_, kind)) = source {
            metric.insert("type".into(), Value::String(kind.to_owned()));
        }
    }
    hpa
}

/// Merges `over` into the map at `pointer` (created when missing), maps by key.
fn merge_into(object: &mut Value, pointer: &str, over: &Value) {
    let mut node = object;
    for key in pointer.split('/').skip(1) {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Value::Object(map) = node else { return };
        node = map.entry(key.to_owned()).or_insert(Value::Null);
    }
    merge_maps(node, over);
}

/// Strategic-merge style: maps merge by key, everything else replaces.
fn merge_maps(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge_maps(existing, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

/// Merges a list by a key field, as a Kubernetes strategic merge does: matching elements
/// merge; a new element goes right after the patch element before it (appended when it is
/// the first), so the patch's own order is kept.
fn merge_list_by(base: &mut Value, over: &Value, key: &str) {
    let Some(items) = over.as_array() else { return };
    if !base.is_array() {
        *base = Value::Array(Vec::new());
    }
    let Value::Array(list) = base else { return };
    let mut previous: Option<usize> = None;
    for item in items {
        let wanted = item.get(key);
        match list.iter().position(|e| wanted.is_some() && e.get(key) == wanted) {
            Some(i) => {
                merge_maps(&mut list[i], item);
                previous = Some(i);
            }
            None => {
                let at = previous.map_or(list.len(), |i| i + 1);
                list.insert(at, item.clone());
                previous = Some(at);
            }
        }
    }
}

/// Settings on the main Deployment or DaemonSet.
fn workload(object: &mut Value, spec: &Map<String, Value>) {
    let get = |key: &str| spec.get(key).filter(|v| !v.is_null());
    if let Some(count) = get("replicaCount") {
        merge_into(object, "/spec", &serde_json::json!({"replicas": count}));
    }
    if let Some(strategy) = get("strategy") {
        merge_into(object, "/spec/strategy", strategy);
    }
    if let Some(annotations) = get("podAnnotations") {
        merge_into(object, "/spec/template/metadata/annotations", annotations);
    }
    for (key, field) in
        [("nodeSelector", "nodeSelector"), ("affinity", "affinity"), ("securityContext", "securityContext")]
    {
        if let Some(value) = get(key) {
            merge_into(object, &format!("/spec/template/spec/{field}"), value);
        }
    }
    if let Some(pod) = object.pointer_mut("/spec/template/spec").and_then(Value::as_object_mut) {
        if let Some(tolerations) = get("tolerations") {
            pod.insert("tolerations".into(), tolerations.clone());
        }
        if let Some(priority) = get("priorityClassName") {
            pod.insert("priorityClassName".into(), priority.clone());
        }
        if let Some(volumes) = get("volumes") {
            merge_list_by(pod.entry("volumes").or_insert(Value::Null), volumes, "name");
        }
    }
    if let Some(container) = object.pointer_mut("/spec/template/spec/containers/0").and_then(Value::as_object_mut) {
        if let Some(resources) = get("resources") {
            merge_maps(container.entry("resources").or_insert(Value::Object(Map::new())), resources);
        }
        if let Some(env) = get("env") {
            merge_list_by(container.entry("env").or_insert(Value::Null), env, "name");
        }
        if let Some(mounts) = get("volumeMounts") {
            merge_list_by(container.entry("volumeMounts").or_insert(Value::Null), mounts, "mountPath");
        }
        if let Some(policy) = get("imagePullPolicy") {
            container.insert("imagePullPolicy".into(), policy.clone());
        }
        if let Some(probe) = get("readinessProbe") {
            merge_maps(container.entry("readinessProbe").or_insert(Value::Object(Map::new())), probe);
        }
    }
}

/// Settings on the Service of the component's name.
fn service(object: &mut Value, spec: &Map<String, Value>) {
    if let Some(annotations) = spec.get("serviceAnnotations").filter(|v| v.is_object()) {
        merge_into(object, "/metadata/annotations", annotations);
    }
    if let Some(Value::Object(service)) = spec.get("service") {
        let mut rest = service.clone();
        let ports = rest.remove("ports");
        merge_into(object, "/spec", &Value::Object(rest));
        if let (Some(ports), Some(spec)) = (ports, object.pointer_mut("/spec").and_then(Value::as_object_mut)) {
            merge_list_by(spec.entry("ports").or_insert(Value::Null), &ports, "port");
        }
    }
}

/// One step of an overlay path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Match(String, String),
    Scalar(String),
}

/// Splits an overlay path: dots separate steps (`\.` is a literal dot), `[N]` indexes a
/// list, `[key:value]` selects the list element whose `key` is `value`, `[value]` or
/// `[:value]` the scalar element equal to `value`.
fn steps(path: &str) -> Vec<Step> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    let mut depth = 0;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                current.push('.');
                chars.next();
            }
            '[' => {
                if depth == 0 && !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
            }
            '.' if depth == 0 => {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
        .into_iter()
        .map(|part| match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            None => Step::Key(part),
            Some(inner) => {
                if let Ok(index) = inner.parse() {
                    Step::Index(index)
                } else if let Some((key, value)) = inner.split_once(':') {
                    if key.is_empty() {
                        Step::Scalar(value.to_owned())
                    } else {
                        Step::Match(key.to_owned(), value.to_owned())
                    }
                } else {
                    Step::Scalar(inner.to_owned())
                }
            }
        })
        .collect()
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn position(list: &[Value], step: &Step) -> Option<usize> {
    match step {
        Step::Index(i) => (*i < list.len()).then_some(*i),
        Step::Match(key, value) => {
            list.iter().position(|e| e.get(key).and_then(scalar_text).as_deref() == Some(value.as_str()))
        }
        Step::Scalar(value) => list.iter().position(|e| scalar_text(e).as_deref() == Some(value.as_str())),
        Step::Key(_) => None,
    }
}

/// Applies one overlay patch to an object: sets the value at `path` (creating missing map
/// keys; an index past the end appends), or deletes what the path names when `value` is
/// absent. A text value holding a YAML mapping or list on several lines is read as data.
///
/// # Examples
///
/// ```
/// use serde_json::json;
///
/// let mut object = json!({"spec": {"containers": [{"name": "app", "args": ["-v", "30m"]}]}});
/// mesh_render::manifest::apply_overlay_patch(&mut object, "spec.containers.[name:app].args.[30m]", Some(&json!("60m")))?;
/// assert_eq!(object["spec"]["containers"][0]["args"][1], "60m");
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
///
/// A message when the path does not resolve.
pub fn apply_overlay_patch(object: &mut Value, path: &str, value: Option<&Value>) -> std::result::Result<(), String> {
    let steps = steps(path);
    let Some((last, walk)) = steps.split_last() else {
        return Err("empty path".into());
    };
    let mut node = object;
    for step in walk {
        node = match (node, step) {
            (node, Step::Key(key)) => {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(map) = node else {
                    return Err(format!("{key:?} is not under a mapping"));
                };
                map.entry(key.clone()).or_insert(Value::Null)
            }
            (Value::Array(list), step) => {
                let i = position(list, step).ok_or_else(|| format!("no list element matches {step:?}"))?;
                &mut list[i]
            }
            (_, step) => return Err(format!("{step:?} is not under a list")),
        };
    }
    let value = value.filter(|v| !v.is_null()).map(|v| match v {
        Value::String(s) if s.contains('\n') => match mesh_api::read_untyped(s).into_iter().next() {
            Some(Ok(parsed @ (Value::Object(_) | Value::Array(_)))) => parsed,
            _ => v.clone(),
        },
        other => other.clone(),
    });
    match (node, last, value) {
        (Value::Object(map), Step::Key(key), None) => {
            map.remove(key);
        }
        (node @ (Value::Object(_) | Value::Null), Step::Key(key), Some(value)) => {
            if node.is_null() {
                *node = Value::Object(Map::new());
            }
            if let Value::Object(map) = node {
                map.insert(key.clone(), value);
            }
        }
        (Value::Array(list), step, value) => match (position(list, step), value) {
            (Some(i), None) => {
                list.remove(i);
            }
            (Some(i), Some(value)) => list[i] = value,
            (None, Some(value)) if matches!(step, Step::Index(_)) => list.push(value),
            (None, _) => return Err(format!("no list element matches {step:?}")),
        },
        (_, step, _) => return Err(format!("cannot apply {step:?} here")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn path_steps_understand_selectors_and_escaped_dots() {
        assert_eq!(
            steps(r"webhooks.[name:a\.b].clientConfig"),
            vec![
                Step::Key("webhooks".into()),
                Step::Match("name".into(), "a.b".into()),
                Step::Key("clientConfig".into())
            ]
        );
        assert_eq!(steps("args[2]"), vec![Step::Key("args".into()), Step::Index(2)]);
        assert_eq!(steps("args.[:x]"), vec![Step::Key("args".into()), Step::Scalar("x".into())]);
    }

    #[test]
    fn patch_without_value_deletes_a_list_element_or_key() {
        let mut object = json!({"env": [{"name": "A"}, {"name": "B"}], "sc": {}});
        apply_overlay_patch(&mut object, "env.[name:A]", None).unwrap();
        apply_overlay_patch(&mut object, "sc", None).unwrap();
        assert_eq!(object, json!({"env": [{"name": "B"}]}));
    }

    #[test]
    fn patch_text_holding_yaml_becomes_data() {
        let mut object = json!({"a": {}});
        apply_overlay_patch(&mut object, "a.b", Some(&json!("fieldRef:\n  fieldPath: x\n"))).unwrap();
        assert_eq!(object["a"]["b"]["fieldRef"]["fieldPath"], "x");
    }

    #[test]
    fn index_past_the_end_appends() {
        let mut object = json!({"l": [1]});
        apply_overlay_patch(&mut object, "l.[5]", Some(&json!(2))).unwrap();
        assert_eq!(object["l"], json!([1, 2]));
    }

    #[test]
    fn unmatched_selector_is_an_error() {
        let mut object = json!({"l": [{"name": "a"}]});
        assert!(apply_overlay_patch(&mut object, "l.[name:b].x", Some(&json!(1))).is_err());
    }

    #[test]
    fn env_merges_by_name_and_appends_new_entries() {
        let objects = vec![json!({
            "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}]}}}
        })];
        let spec = json!({"env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}], "replicaCount": 3});
        let out = apply(objects, &spec, &Targets::workload("Deployment", "d")).unwrap();
        assert_eq!(out[0]["spec"]["replicas"], 3);
        assert_eq!(
            out[0]["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "A", "value": "2"}, {"name": "B", "value": "3"}])
        );
    }

    #[test]
    fn new_list_elements_follow_the_patch_element_before_them() {
        let mut base = json!([{"name": "A"}, {"name": "B"}, {"name": "C"}]);
        merge_list_by(&mut base, &json!([{"name": "B"}, {"name": "X"}, {"name": "Y"}]), "name");
        assert_eq!(base, json!([{"name": "A"}, {"name": "B"}, {"name": "X"}, {"name": "Y"}, {"name": "C"}]));
    }

    #[test]
    fn hpa_metrics_without_a_type_get_their_source_kind() {
        let hpa = typed_metrics(&json!({"metrics": [{"resource": {"name": "cpu"}}]}));
        assert_eq!(hpa["metrics"][0]["type"], "Resource");
    }

    #[test]
    fn pdb_with_max_unavailable_drops_min_available() {
        let objects =
            vec![json!({"kind": "PodDisruptionBudget", "metadata": {"name": "d"}, "spec": {"minAvailable": 1}})];
        let spec = json!({"podDisruptionBudget": {"maxUnavailable": 1}});
        let out = apply(objects, &spec, &Targets::workload("Deployment", "d")).unwrap();
        assert_eq!(out[0]["spec"], json!({"maxUnavailable": 1}));
    }

    #[test]
    fn overlay_for_a_missing_object_is_an_error() {
        let spec = json!({"overlays": [{"kind": "Service", "name": "nope", "patches": []}]});
        assert!(apply(Vec::new(), &spec, &Targets::none()).is_err());
    }
}
