//! `sidecar.SelectorAnalyzer`: a Sidecar with a workload selector must select at least one
//! pod of its namespace (IST0101); one pod must not be selected by several Sidecars (IST0110);
//! a namespace must have at most one Sidecar without a selector (IST0111); Sidecars on
//! ambient-mode pods or namespaces have no effect (IST0167).

use std::collections::{BTreeMap, BTreeSet};

use mesh_api::Object;

use super::kube::{Selector, annotations, full_name, labels, raw_namespace};
use super::{Context, Message, MessageLevel};

/// Whether a pod is redirected by ambient mode.
pub(crate) fn pod_in_ambient(pod: &Object) -> bool {
    annotations(pod).get("ambient.istio.io/redirection").is_some_and(|v| v == "enabled")
}

/// Whether a namespace is in ambient mode (and not marked for sidecar injection).
pub(crate) fn namespace_in_ambient(namespace: &Object) -> bool {
    let l = labels(namespace);
    if l.get("istio-injection").is_some_and(|v| v == "enabled") || l.get("istio.io/rev").is_some_and(|v| !v.is_empty())
    {
        return false;
    }
    l.get("istio.io/dataplane-mode").is_some_and(|v| v == "ambient")
}

/// Reports Sidecars that select nothing, pods several Sidecars select, and namespaces with
/// several selector-less Sidecars.
pub fn sidecar_selectors(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    // Pod (index) → Sidecars selecting it.
    let mut pod_sidecars: BTreeMap<usize, Vec<&Object>> = BTreeMap::new();
    // Namespace → Sidecars without a selector.
    let mut namespace_sidecars: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for object in objects {
        let Object::Sidecar(sc) = object else { continue };
        let selector = sc.spec.workload_selector.as_ref().map(|s| Selector::from_pairs(&s.labels)).unwrap_or_default();
        if selector.is_empty() {
            namespace_sidecars.entry(raw_namespace(object)).or_default().push(object);
            continue;
        }
        let mut found = false;
        for (i, pod) in objects.iter().enumerate() {
            if matches!(pod, Object::Pod(_))
                && raw_namespace(pod) == raw_namespace(object)
                && selector.matches(&labels(pod))
            {
                found = true;
                pod_sidecars.entry(i).or_default().push(object);
            }
        }
        if !found {
            messages.push(Message::referenced_resource_not_found(
                object,
                Some("spec.workloadSelector".to_owned()),
                "selector",
                &selector.to_string(),
            ));
        }
    }
    let mut reported = BTreeSet::new();
    for (pod_index, sidecars) in &pod_sidecars {
        let pod = &objects[*pod_index];
        let ambient = pod_in_ambient(pod);
        if sidecars.len() == 1 && !ambient {
            continue;
        }
        let names = names(sidecars);
        for sidecar in sidecars {
            if ambient {
                if reported.insert(full_name(sidecar)) {
                    messages
                        .push(ineffective(sidecar, "selected workload is in ambient mode, the policy has no impact"));
                }
                continue;
            }
            messages.push(Message::new(
                "IST0110",
                "ConflictingSidecarWorkloadSelectors",
                MessageLevel::Error,
                sidecar,
                Some("metadata.name".to_owned()),
                format!(
                    "The Sidecars [{}] in namespace {:?} select the same workload pod {:?}, which can lead to undefined behavior.",
                    names.join(" "),
                    raw_namespace(pod),
                    pod.name().unwrap_or_default()
                ),
            ));
        }
    }
    for (namespace, sidecars) in &namespace_sidecars {
        let ns_object = objects.iter().find(|o| matches!(o, Object::Namespace(_)) && o.name() == Some(*namespace));
        if ns_object.is_some_and(namespace_in_ambient) {
            for sidecar in sidecars {
                if reported.insert(full_name(sidecar)) {
                    messages.push(ineffective(sidecar, "namespace is in ambient mode, the policy has no impact"));
                }
            }
            continue;
        }
        if sidecars.len() > 1 {
            let names = names(sidecars);
            for sidecar in sidecars {
                messages.push(Message::new(
                    "IST0111",
                    "MultipleSidecarsWithoutWorkloadSelectors",
                    MessageLevel::Error,
                    sidecar,
                    Some("metadata.name".to_owned()),
                    format!(
                        "The Sidecars [{}] in namespace {namespace:?} have no workload selector, which can lead to undefined behavior.",
                        names.join(" ")
                    ),
                ));
            }
        }
    }
    messages
}

/// IST0167 on `object`.
pub(crate) fn ineffective(object: &Object, reason: &str) -> Message {
    Message::new(
        "IST0167",
        "IneffectivePolicy",
        MessageLevel::Warning,
        object,
        Some("metadata.name".to_owned()),
        format!("The policy has no impact: {reason}."),
    )
}

/// The sorted names of objects.
fn names(objects: &[&Object]) -> Vec<String> {
    let mut names: Vec<String> = objects.iter().map(|o| o.name().unwrap_or_default().to_owned()).collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {app: a}}\nspec: {containers: [{name: app}]}\n---\n";

    fn sidecar(name: &str, selector: &str) -> String {
        let selector =
            if selector.is_empty() { String::new() } else { format!("workloadSelector: {{labels: {{{selector}}}}}, ") };
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: {name}, namespace: default}}\nspec: {{{selector}egress: [{{hosts: ['./*']}}]}}\n---\n"
        )
    }

    fn run(yaml: &str) -> Vec<Message> {
        sidecar_selectors(&Context::new(&objects(yaml)))
    }

    #[test]
    fn sidecar_selector_must_match_a_pod() {
        let m = run(&format!("{POD}{}", sidecar("s", "app: b")));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0101");
        assert_eq!(m[0].message, "Referenced selector not found: \"app=b\"");
    }

    #[test]
    fn one_pod_must_not_have_two_sidecars() {
        let m = run(&format!("{POD}{}{}", sidecar("s1", "app: a"), sidecar("s2", "app: a")));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].message,
            "The Sidecars [s1 s2] in namespace \"default\" select the same workload pod \"p\", which can lead to undefined behavior."
        );
    }

    #[test]
    fn one_namespace_must_not_have_two_default_sidecars() {
        let m = run(&format!("{}{}", sidecar("a", ""), sidecar("b", "")));
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|m| m.code == "IST0111"));
        assert!(run(&sidecar("a", "")).is_empty());
    }

    #[test]
    fn sidecars_in_ambient_namespaces_have_no_effect() {
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: {istio.io/dataplane-mode: ambient}}\n---\n";
        let m = run(&format!("{ns}{}", sidecar("a", "")));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0167");
    }
}
