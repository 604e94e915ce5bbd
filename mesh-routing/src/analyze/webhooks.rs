//! `webhook.Analyzer`: Istio's injection webhooks must not overlap, or a pod is injected
//! twice, and must point at a Service that exists (IST0139).

use std::collections::{BTreeMap, BTreeSet};

use mesh_api::Object;

use super::kube::{full_name, label_selector_matches, labels, others, raw_namespace};
use super::{Context, Message, MessageLevel};

/// The revisions an injection webhook configuration serves: its `istio.io/rev` label and the
/// values its selectors ask of that label.
fn revisions(object: &Object, data: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(rev) = labels(object).get("istio.io/rev") {
        out.insert(rev.clone());
    }
    for hook in data["webhooks"].as_array().into_iter().flatten() {
        for selector in [&hook["namespaceSelector"], &hook["objectSelector"]] {
            if let Some(rev) = selector["matchLabels"]["istio.io/rev"].as_str() {
                out.insert(rev.to_owned());
            }
            for e in selector["matchExpressions"].as_array().into_iter().flatten() {
                if e["key"] == "istio.io/rev" {
                    out.extend(
                        e["values"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).map(str::to_owned),
                    );
                }
            }
        }
    }
    out
}

/// The label sets namespaces or pods typically carry: none, on, off, and each revision.
fn label_sets(key: &str, on: &str, off: &str, revisions: &BTreeSet<String>) -> Vec<BTreeMap<String, String>> {
    let base = vec![
        BTreeMap::new(),
        BTreeMap::from([(key.to_owned(), on.to_owned())]),
        BTreeMap::from([(key.to_owned(), off.to_owned())]),
    ];
    let mut out = base.clone();
    for rev in revisions {
        for mut set in base.clone() {
            set.insert("istio.io/rev".to_owned(), rev.clone());
            out.push(set);
        }
    }
    out
}

fn invalid(object: &Object, text: String) -> Message {
    Message::new("IST0139", "InvalidWebhook", MessageLevel::Error, object, Some("webhooks".to_owned()), text)
}

/// Reports injection webhooks that overlap and those whose Service does not exist.
pub fn webhooks(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    // `config/webhook` → (configuration object, webhook).
    let mut hooks: BTreeMap<String, (&Object, &serde_json::Value)> = BTreeMap::new();
    let mut all_revisions = BTreeSet::new();
    for (object, data) in others(objects, "MutatingWebhookConfiguration") {
        let revs = revisions(object, data);
        let list = data["webhooks"].as_array();
        let istio = list.into_iter().flatten().any(|w| w["name"].as_str().is_some_and(|n| n.ends_with("istio.io")));
        if revs.is_empty() && !istio {
            continue;
        }
        for hook in list.into_iter().flatten() {
            hooks
                .insert(format!("{}/{}", full_name(object), hook["name"].as_str().unwrap_or_default()), (object, hook));
        }
        all_revisions.extend(revs);
    }
    let mut messages = Vec::new();
    let namespaces = label_sets("istio-injection", "enabled", "disabled", &all_revisions);
    let pods = label_sets("sidecar.istio.io/inject", "true", "false", &all_revisions);
    let mut reported = BTreeSet::new();
    for ns in &namespaces {
        for pod in &pods {
            let matching: Vec<&String> = hooks
                .iter()
                .filter(|(_, (_, h))| {
                    label_selector_matches(&h["namespaceSelector"], ns)
                        && label_selector_matches(&h["objectSelector"], pod)
                })
                .map(|(k, _)| k)
                .collect();
            if matching.len() < 2 {
                continue;
            }
            for key in &matching {
                let rest: Vec<&str> = matching.iter().filter(|k| *k != key).map(|k| k.as_str()).collect();
                let text = format!(
                    "Webhook overlaps with others: [{}]. This may cause injection to occur twice.",
                    rest.join(" ")
                );
                if reported.insert((key.to_string(), text.clone())) {
                    messages.push(invalid(hooks[*key].0, text));
                }
            }
        }
    }
    for (object, hook) in hooks.values() {
        let service = &hook["clientConfig"]["service"];
        if service.is_null() {
            continue;
        }
        let (ns, name) =
            (service["namespace"].as_str().unwrap_or_default(), service["name"].as_str().unwrap_or_default());
        let exists =
            objects.iter().any(|o| matches!(o, Object::Service(_)) && raw_namespace(o) == ns && o.name() == Some(name));
        if !exists {
            messages.push(invalid(
                object,
                format!("Injector refers to a control plane service that does not exist: {ns}/{name}."),
            ));
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn config(name: &str, hooks: &str) -> String {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {{name: {name}}}\nwebhooks: {hooks}\n---\n"
        )
    }

    #[test]
    fn overlapping_injection_webhooks_are_reported() {
        let hook = |n: &str| {
            format!(
                "[{{name: {n}.sidecar-injector.istio.io, namespaceSelector: {{matchLabels: {{istio-injection: enabled}}}}}}]"
            )
        };
        let m = webhooks(&Context::new(&objects(&format!("{}{}", config("a", &hook("a")), config("b", &hook("b"))))));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].message,
            "Webhook overlaps with others: [b/b.sidecar-injector.istio.io]. This may cause injection to occur twice."
        );
    }

    #[test]
    fn injector_service_must_exist() {
        let hooks =
            "[{name: a.sidecar-injector.istio.io, clientConfig: {service: {name: istiod, namespace: istio-system}}}]";
        let m = webhooks(&Context::new(&objects(&config("a", hooks))));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "Injector refers to a control plane service that does not exist: istio-system/istiod."
        );
    }
}
