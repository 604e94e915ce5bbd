//! Injection templates given as text: which template renders a pod (built-in code or the
//! installation's text), the data a text template sees, and how its output is laid over what
//! earlier templates made.

use super::*;
use crate::inject::template::Template;

/// The templates mesh renders in code.
pub(super) const BUILT_IN: [&str; 4] = ["sidecar", "gateway", "grpc-agent", "grpc-simple"];

/// Where one template named by a pod comes from.
pub(super) enum Source {
    /// Mesh's own code for a built-in name.
    BuiltIn,
    /// The installation's text, parsed.
    Text(Template),
}

/// The template for `name`: the installation's text when mesh can evaluate it, else the
/// built-in code of that name.
pub(super) fn source(settings: &InjectionSettings, name: &str) -> Result<Source, InjectError> {
    if let Some(text) = settings.templates.get(name) {
        return match Template::parse(text) {
            Ok(template) => Ok(Source::Text(template)),
            Err(_) if BUILT_IN.contains(&name) => Ok(Source::BuiltIn),
            Err(e) => Err(InjectError::TemplateText { name: name.to_owned(), message: e.message }),
        };
    }
    if BUILT_IN.contains(&name) {
        return Ok(Source::BuiltIn);
    }
    let mut known: Vec<&str> = BUILT_IN.to_vec();
    known.extend(settings.templates.keys().map(String::as_str).filter(|k| !BUILT_IN.contains(k)));
    Err(InjectError::Template { name: name.to_owned(), known: known.join(", ") })
}

/// What a text template sees, named as Istio's template data names it.
pub(super) fn data(
    view: &PodView<'_>,
    spec: &PodSpec,
    owner: &Owner<'_>,
    type_meta: (&str, &str),
    proxy_config: &ProxyConfig,
    native: bool,
) -> serde_json::Value {
    let st = view.settings;
    let json = |v: serde_json::Result<serde_json::Value>| v.unwrap_or_default();
    let inbound = if st.inbound_localhost { "localhost" } else { "passthrough" };
    serde_json::json!({
        "TypeMeta": {"apiVersion": type_meta.0, "kind": type_meta.1},
        "DeploymentMeta": {"name": owner.name, "namespace": owner.namespace},
        "ObjectMeta": json(serde_json::to_value(view.meta)),
        "Spec": json(serde_json::to_value(spec)),
        "ProxyConfig": json(serde_json::to_value(proxy_config)),
        "MeshConfig": st.values_tree.get("meshConfig").cloned().unwrap_or_default(),
        "Values": st.values_tree,
        "Revision": st.revision,
        "ProxyImage": st.proxy_image(),
        "ProxyInitImage": st.proxy_init_image(),
        "NativeSidecars": native,
        "ProxyUID": st.proxy_uid.unwrap_or(1337),
        "ProxyGID": st.proxy_gid.unwrap_or(1337),
        "InboundTrafficPolicyMode": inbound,
        "CompliancePolicy": st.compliance_policy,
    })
}

/// Renders a text template into its pod patch (`metadata` and `spec` of a pod).
pub(super) fn render_text(
    name: &str,
    template: &Template,
    data: &serde_json::Value,
) -> Result<serde_json::Value, InjectError> {
    let fail = |message: String| InjectError::TemplateText { name: name.to_owned(), message };
    let text = template.render(data).map_err(|e| fail(e.message))?;
    match mesh_api::read_untyped(&text).into_iter().next() {
        None | Some(Ok(serde_json::Value::Null)) => Ok(serde_json::Value::Object(serde_json::Map::new())),
        Some(Ok(value @ serde_json::Value::Object(_))) => Ok(value),
        Some(Ok(_)) => Err(fail("its output is not a pod (a mapping with metadata and spec)".to_owned())),
        Some(Err(e)) => Err(fail(format!("its output is not YAML: {e}"))),
    }
}

/// Nothing rendered yet: the start for a pod whose first template is text.
pub(super) fn empty() -> Rendered {
    Rendered {
        labels: Vec::new(),
        annotations: Vec::new(),
        init_containers: Vec::new(),
        proxy: None,
        app_containers: Vec::new(),
        pod_security: None,
        native: false,
        volumes: Vec::new(),
        pull_secrets: Vec::new(),
    }
}

fn set_pair(list: &mut Vec<(String, String)>, key: &str, value: &serde_json::Value) {
    let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => list.push((key.to_owned(), value)),
    }
}

/// Merges `patch` onto the container of the same name in `list`, else appends it.
fn merge_into(list: &mut Vec<Container>, patch: Container) -> Result<(), InjectError> {
    match list.iter_mut().find(|c| c.name == patch.name) {
        Some(slot) => *slot = strategic_merge(slot, &patch)?,
        None => list.push(patch),
    }
    Ok(())
}

/// Lays a text template's output over what earlier templates made, as Istio's strategic
/// merge of template outputs does: labels and annotations by key, containers by name (the
/// proxy where it sits; a proxy patch in `containers` while the proxy is a native sidecar
/// stays a container of its own, as in Istio), volumes by name. Other pod fields are
/// returned, to be merged onto the pod spec.
pub(super) fn apply_patch(
    name: &str,
    mut rendered: Rendered,
    patch: serde_json::Value,
    extra: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Rendered, InjectError> {
    let fail = |what: &str, e: serde_json::Error| InjectError::TemplateText {
        name: name.to_owned(),
        message: format!("its {what} do not fit a pod: {e}"),
    };
    if let Some(labels) = patch.pointer("/metadata/labels").and_then(serde_json::Value::as_object) {
        for (k, v) in labels {
            set_pair(&mut rendered.labels, k, v);
        }
    }
    if let Some(annotations) = patch.pointer("/metadata/annotations").and_then(serde_json::Value::as_object) {
        for (k, v) in annotations {
            set_pair(&mut rendered.annotations, k, v);
        }
    }
    let Some(serde_json::Value::Object(spec)) = patch.get("spec").cloned() else {
        return Ok(rendered);
    };
    for (key, value) in spec {
        match key.as_str() {
            "initContainers" | "containers" => {
                let init = key == "initContainers";
                let list: Vec<Container> = serde_json::from_value(value).map_err(|e| fail(&key, e))?;
                for container in list {
                    if container.name != PROXY {
                        merge_into(
                            if init { &mut rendered.init_containers } else { &mut rendered.app_containers },
                            container,
                        )?;
                        continue;
                    }
                    match rendered.proxy.as_mut() {
                        None => {
                            rendered.native = init;
                            rendered.proxy = Some(container);
                        }
                        Some(proxy) if rendered.native == init => *proxy = strategic_merge(proxy, &container)?,
                        Some(_) => {
                            let target =
                                if init { &mut rendered.init_containers } else { &mut rendered.app_containers };
                            merge_into(target, container)?;
                        }
                    }
                }
            }
            "volumes" => {
                let list: Vec<serde_json::Value> = serde_json::from_value(value).map_err(|e| fail(&key, e))?;
                for item in list {
                    let mut volumes: Vec<serde_json::Value> = rendered
                        .volumes
                        .iter()
                        .map(serde_json::to_value)
                        .collect::<Result<_, _>>()
                        .map_err(|e| fail(&key, e))?;
                    match volumes.iter_mut().find(|v| v.get("name") == item.get("name")) {
                        Some(slot) => merge_json(slot, item),
                        None => volumes.push(item),
                    }
                    rendered.volumes =
                        serde_json::from_value(serde_json::Value::Array(volumes)).map_err(|e| fail(&key, e))?;
                }
            }
            "imagePullSecrets" => {
                let list: Vec<LocalObjectReference> = serde_json::from_value(value).map_err(|e| fail(&key, e))?;
                for secret in list {
                    if !rendered.pull_secrets.contains(&secret.name) {
                        rendered.pull_secrets.push(secret.name);
                    }
                }
            }
            _ => match extra.get_mut(&key) {
                Some(slot) => merge_json(slot, value),
                None => {
                    extra.insert(key, value);
                }
            },
        }
    }
    Ok(rendered)
}
