//! `injection.Analyzer`: namespaces without an injection label (IST0102, or IST0148 when
//! injection is on by default), namespaces with several injection labels (IST0123), and pods
//! of injected namespaces without a proxy (IST0103).

use std::collections::BTreeSet;

use mesh_api::Object;

use super::kube::{annotations, full_name, label_selector_matches, labels, others, pods, raw_namespace};
use super::{Context, Message, MessageLevel};

/// The injector ConfigMap of a revision.
fn injector_config_map(revision: Option<&str>) -> String {
    match revision {
        None | Some("" | "default") => "istio-sidecar-injector".to_owned(),
        Some(rev) => format!("istio-sidecar-injector-{rev}"),
    }
}

/// Whether an injector ConfigMap's `values` turn `enableNamespacesByDefault` on.
fn enabled_by_default(data: &serde_json::Value) -> bool {
    data["data"]["values"]
        .as_str()
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .and_then(|v| v["sidecarInjectorWebhook"]["enableNamespacesByDefault"].as_bool())
        .unwrap_or(false)
}

/// Reports namespaces and pods whose injection is missing or ambiguous.
pub fn injection(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    let mut injected = BTreeSet::new();
    let mut by_default = false;
    for object in objects {
        if !matches!(object, Object::Namespace(_)) {
            continue;
        }
        let ns = object.name().unwrap_or_default();
        if ns == "istio-system" {
            continue;
        }
        let l = labels(object);
        let injection = l.get("istio-injection");
        let revision = l.get("istio.io/rev");
        let mut istio_labels = Vec::new();
        if let Some(v) = injection {
            istio_labels.push(format!("istio-injection={v}"));
        }
        for key in ["istio.io/rev", "istio.io/dataplane-mode"] {
            if let Some(v) = l.get(key)
                && injection.is_none_or(|i| i == "enabled")
            {
                istio_labels.push(format!("{key}={v}"));
            }
        }
        if istio_labels.len() > 1 {
            messages.push(Message::new(
                "IST0123",
                "NamespaceMultipleInjectionLabels",
                MessageLevel::Warning,
                object,
                Some("metadata.labels".to_owned()),
                format!(
                    "The namespace has more than one type of injection labels [{}], which may lead to undefined behavior. Make sure only one injection label exists.",
                    istio_labels.join(" ")
                ),
            ));
        }
        if l.get("istio.io/dataplane-mode").is_some_and(|v| v == "ambient") {
            continue;
        }
        let wanted = injector_config_map(revision.map(String::as_str));
        if let Some((_, data)) = others(objects, "ConfigMap").find(|(o, _)| o.name() == Some(wanted.as_str())) {
            by_default = enabled_by_default(data);
        }
        if injection.is_none_or(String::is_empty) && revision.is_none() {
            messages.push(if by_default {
                Message::new(
                    "IST0148",
                    "NamespaceInjectionEnabledByDefault",
                    MessageLevel::Info,
                    object,
                    Some("metadata.name".to_owned()),
                    "is enabled for Istio injection, as Istio is installed with enableNamespacesByDefault as true."
                        .to_owned(),
                )
            } else {
                Message::new(
                    "IST0102",
                    "NamespaceNotInjected",
                    MessageLevel::Info,
                    object,
                    Some("metadata.name".to_owned()),
                    format!(
                        "The namespace is not enabled for Istio injection. Run 'kubectl label namespace {ns} istio-injection=enabled' to enable it, or 'kubectl label namespace {ns} istio-injection=disabled' to explicitly mark it as not needing injection."
                    ),
                )
            });
            continue;
        }
        if injection.is_some_and(|v| v == "enabled") {
            injected.insert(ns.to_owned());
        }
    }
    for (pod, spec) in pods(objects) {
        if !injected.contains(raw_namespace(pod)) {
            continue;
        }
        let inject = labels(pod)
            .get("sidecar.istio.io/inject")
            .or(annotations(pod).get("sidecar.istio.io/inject"))
            .cloned()
            .unwrap_or_default();
        if inject.eq_ignore_ascii_case("false") || spec.is_some_and(|s| s.host_network == Some(true)) {
            continue;
        }
        let has_proxy = spec.is_some_and(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
                .find(|c| c.name == "istio-proxy")
                .is_some_and(|c| c.image.as_deref().is_some_and(|i| !i.is_empty()))
        });
        if !has_proxy {
            messages.push(Message::new(
                "IST0103",
                "PodMissingProxy",
                MessageLevel::Warning,
                pod,
                Some("metadata.name".to_owned()),
                format!(
                    "The pod {} is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.",
                    full_name(pod)
                ),
            ));
        }
    }
    messages
}

/// The proxy image an injector ConfigMap's `values` name: `global.proxy.image` when it holds
/// a registry path, else `hub/image:tag`.
fn injector_image(data: &serde_json::Value) -> String {
    let values: serde_json::Value =
        data["data"]["values"].as_str().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
    let global = &values["global"];
    let image = global["proxy"]["image"].as_str().unwrap_or_default();
    if image.contains('/') {
        return image.to_owned();
    }
    format!("{}/{image}:{}", global["hub"].as_str().unwrap_or_default(), global["tag"].as_str().unwrap_or_default())
}

/// The proxy image type (`default`, `distroless`, ...) in effect for a pod: its
/// `proxy.istio.io/config` annotation, else a ProxyConfig selecting it, else its namespace's
/// ProxyConfig, else the root namespace's, else the mesh default.
fn image_type(context: &Context<'_>, pod: &Object) -> String {
    let annotation = annotations(pod).get("proxy.istio.io/config").cloned().unwrap_or_default();
    let from_annotation = mesh_api::read_untyped(&annotation)
        .into_iter()
        .next()
        .and_then(Result::ok)
        .and_then(|v| v["image"]["imageType"].as_str().map(str::to_owned));
    if let Some(t) = from_annotation {
        return t;
    }
    let root = context.mesh_config.and_then(|c| c["rootNamespace"].as_str()).unwrap_or("istio-system");
    let pod_labels = labels(pod);
    let configs: Vec<(&Object, &mesh_api::networking::ProxyConfig)> = context
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::ProxyConfig(p) => Some((o, p.as_ref())),
            _ => None,
        })
        .collect();
    let kind = |pc: &mesh_api::networking::ProxyConfig| pc.spec.image.as_ref().and_then(|i| i.image_type.clone());
    let workload = configs.iter().find(|(o, pc)| {
        raw_namespace(o) == raw_namespace(pod)
            && pc.spec.selector.as_ref().is_some_and(|s| {
                !s.match_labels.is_empty() && s.match_labels.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
            })
    });
    let namespace = configs.iter().find(|(o, pc)| raw_namespace(o) == raw_namespace(pod) && pc.spec.selector.is_none());
    let root = configs.iter().find(|(o, pc)| raw_namespace(o) == root && pc.spec.selector.is_none());
    [workload, namespace, root]
        .into_iter()
        .flatten()
        .find_map(|(_, pc)| kind(pc))
        .or_else(|| {
            context.mesh_config.and_then(|c| c["defaultConfig"]["image"]["imageType"].as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| "default".to_owned())
}

/// `injection.ImageAnalyzer`: in namespaces with injection on, pods whose proxy image is not
/// the one the injector would give them now (IST0158: usually pods left from before an
/// upgrade).
pub fn proxy_images(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let images: std::collections::BTreeMap<&str, String> = others(objects, "ConfigMap")
        .filter_map(|(o, data)| {
            o.name().filter(|n| n.starts_with("istio-sidecar-injector")).map(|n| (n, injector_image(data)))
        })
        .collect();
    if images.is_empty() {
        return Vec::new();
    }
    let mut revisions: std::collections::BTreeMap<&str, String> = std::collections::BTreeMap::new();
    for ns in objects.iter().filter(|o| matches!(o, Object::Namespace(_))) {
        let l = labels(ns);
        if let Some(rev) = l.get("istio.io/rev") {
            revisions.insert(ns.name().unwrap_or_default(), rev.clone());
        } else if l.get("istio-injection").is_some_and(|v| v == "enabled") {
            revisions.insert(ns.name().unwrap_or_default(), "default".to_owned());
        }
    }
    let mut mismatched: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for (pod, spec) in pods(objects) {
        let Some(revision) = revisions.get(raw_namespace(pod)) else { continue };
        if annotations(pod).get("sidecar.istio.io/proxyImage").is_some_and(|i| !i.is_empty()) {
            continue;
        }
        let Some(expected) = images.get(injector_config_map(Some(revision)).as_str()) else { continue };
        let variant = image_type(context, pod);
        let proxies = spec.into_iter().flat_map(|s| s.containers.iter().chain(s.init_containers.iter().flatten()));
        for proxy in proxies.filter(|c| c.name == "istio-proxy") {
            let image = proxy.image.as_deref().unwrap_or_default();
            if image != expected && image != format!("{expected}-{variant}") {
                mismatched.entry(raw_namespace(pod)).or_default().push(pod.name().unwrap_or_default());
            }
        }
    }
    let mut messages = Vec::new();
    for (namespace, mut names) in mismatched {
        names.sort_unstable();
        let Some(object) = objects.iter().find(|o| matches!(o, Object::Namespace(_)) && o.name() == Some(namespace))
        else {
            continue;
        };
        messages.push(Message::new(
            "IST0158",
            "PodsIstioProxyImageMismatchInNamespace",
            MessageLevel::Warning,
            object,
            Some("metadata.name".to_owned()),
            format!(
                "The Istio proxy images of the pods running in the namespace do not match the image defined in the injection configuration (pod names: [{}]). This often happens after upgrading the Istio control-plane and can be fixed by redeploying the pods.",
                names.join(" ")
            ),
        ));
    }
    messages
}

/// Whether a pod spec has a proxy container with `image: auto`, to be filled by injection.
fn auto_image(spec: Option<&mesh_api::k8s_openapi::api::core::v1::PodSpec>) -> bool {
    spec.is_some_and(|s| s.containers.iter().any(|c| c.name == "istio-proxy" && c.image.as_deref() == Some("auto")))
}

/// `injection.ImageAutoAnalyzer`: pods with `image: auto` were not injected (IST0147), and
/// Deployments with it that no Istio injection webhook selects never will be (IST0146).
pub fn image_auto(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let webhooks: Vec<&serde_json::Value> = others(objects, "MutatingWebhookConfiguration")
        .flat_map(|(_, data)| data["webhooks"].as_array().into_iter().flatten())
        .filter(|w| w["name"].as_str().is_some_and(|n| n.ends_with("istio.io")))
        .collect();
    let mut messages = Vec::new();
    for object in objects {
        match object {
            Object::Pod(p) if auto_image(p.spec.as_ref()) => {
                let name = object.name().unwrap_or_default();
                messages.push(Message::new(
                    "IST0147",
                    "ImageAutoWithoutInjectionError",
                    MessageLevel::Error,
                    object,
                    Some("metadata.name".to_owned()),
                    format!(
                        "Pod {name} contains `image: auto` but does not match any Istio injection webhook selectors."
                    ),
                ));
            }
            Object::Deployment(d) => {
                let template = d.spec.as_ref().map(|s| &s.template);
                if !auto_image(template.and_then(|t| t.spec.as_ref())) {
                    continue;
                }
                let namespace = Some(raw_namespace(object)).filter(|n| !n.is_empty()).unwrap_or("default");
                let ns_labels = objects
                    .iter()
                    .find(|o| matches!(o, Object::Namespace(_)) && o.name() == Some(namespace))
                    .map(labels)
                    .unwrap_or_default();
                let pod_labels =
                    template.and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default();
                let injected = webhooks.iter().any(|w| {
                    label_selector_matches(&w["namespaceSelector"], &ns_labels)
                        && label_selector_matches(&w["objectSelector"], &pod_labels)
                });
                if !injected {
                    let name = object.name().unwrap_or_default();
                    messages.push(Message::new(
                        "IST0146",
                        "ImageAutoWithoutInjectionWarning",
                        MessageLevel::Warning,
                        object,
                        Some("metadata.name".to_owned()),
                        format!(
                            "Deployment {name} contains `image: auto` but does not match any Istio injection webhook selectors."
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn run(yaml: &str) -> Vec<Message> {
        injection(&Context::new(&objects(yaml)))
    }

    #[test]
    fn namespaces_without_injection_label_are_reported() {
        let m = run("apiVersion: v1\nkind: Namespace\nmetadata: {name: bar}\n");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0102");
        assert!(m[0].message.starts_with("The namespace is not enabled for Istio injection. Run 'kubectl label namespace bar istio-injection=enabled'"));
    }

    #[test]
    fn two_injection_labels_are_ambiguous() {
        let m = run(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {istio-injection: enabled, istio.io/rev: canary}}\n",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "The namespace has more than one type of injection labels [istio-injection=enabled istio.io/rev=canary], which may lead to undefined behavior. Make sure only one injection label exists."
        );
    }

    #[test]
    fn pods_of_injected_namespaces_need_a_proxy() {
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: d, labels: {istio-injection: enabled}}\n---\n";
        let pod = |name: &str, containers: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: d}}\nspec: {{containers: [{containers}]}}\n---\n"
            )
        };
        let m = run(&format!(
            "{ns}{}{}",
            pod("with", "{name: app}, {name: istio-proxy, image: proxyv2}"),
            pod("without", "{name: app}")
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].resource, "Pod d/without");
        assert_eq!(
            m[0].message,
            "The pod d/without is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload."
        );
    }

    #[test]
    fn image_auto_needs_an_injection_webhook() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gw, namespace: n}\nspec:\n  selector: {matchLabels: {app: gw}}\n  template:\n    metadata: {labels: {app: gw}}\n    spec: {containers: [{name: istio-proxy, image: auto}]}\n---\n";
        let m = image_auto(&Context::new(&objects(deployment)));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "Deployment gw contains `image: auto` but does not match any Istio injection webhook selectors."
        );
        let webhook = "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: istio-sidecar-injector}\nwebhooks: [{name: namespace.sidecar-injector.istio.io, objectSelector: {matchExpressions: [{key: app, operator: Exists}]}}]\n";
        assert!(image_auto(&Context::new(&objects(&format!("{deployment}{webhook}")))).is_empty());
    }

    #[test]
    fn proxies_must_run_the_injector_image() {
        let setup = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio-sidecar-injector, namespace: istio-system}\ndata: {values: '{\"global\": {\"hub\": \"docker.io/istio\", \"tag\": \"1.24.0\", \"proxy\": {\"image\": \"proxyv2\"}}}'}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {istio-injection: enabled}}\n---\n";
        let pod = |name: &str, image: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: app}}\nspec: {{containers: [{{name: istio-proxy, image: '{image}'}}]}}\n---\n"
            )
        };
        let o = objects(&format!(
            "{setup}{}{}",
            pod("new", "docker.io/istio/proxyv2:1.24.0"),
            pod("old", "docker.io/istio/proxyv2:1.23.0")
        ));
        let m = proxy_images(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].resource, "Namespace app");
        assert!(m[0].message.contains("(pod names: [old])"), "{}", m[0].message);
    }
}
