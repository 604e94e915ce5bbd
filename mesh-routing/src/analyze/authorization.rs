//! `auth.AuthorizationPoliciesAnalyzer`: an AuthorizationPolicy must apply to some workload
//! of the mesh (IST0127), and the namespaces its rules name must exist (IST0101).

use std::collections::BTreeMap;

use mesh_api::Object;

use super::kube::{Selector, annotations, labels, raw_namespace};
use super::services::in_mesh;
use super::sidecars::pod_in_ambient;
use super::{Context, Message, MessageLevel};

/// Whether a namespace name fits a pattern of a rule (`*`, `prefix*`, `*suffix`, or exact).
fn namespace_matches(namespace: &str, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return namespace.ends_with(suffix);
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return namespace.starts_with(prefix);
    }
    namespace.eq_ignore_ascii_case(pattern)
}

fn no_workloads(object: &Object, labels: &str) -> Message {
    Message::new(
        "IST0127",
        "NoMatchingWorkloadsFound",
        MessageLevel::Warning,
        object,
        Some("spec.selector".to_owned()),
        format!("No matching workloads for this resource with the following labels: {labels}"),
    )
}

/// Reports policies that select no workload of the mesh and rules naming unknown namespaces.
pub fn authorization_policies(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let root = context.mesh_config.and_then(|c| c["rootNamespace"].as_str()).unwrap_or("istio-system");
    // Namespace → labels of its pods in the mesh (sidecar or ambient).
    let mut pods: BTreeMap<&str, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for pod in objects {
        let Object::Pod(p) = pod else { continue };
        let namespace = raw_namespace(pod);
        let entry = pods.entry(namespace).or_default();
        let (l, a) = (labels(pod), annotations(pod));
        if in_mesh(objects, namespace, &l, &a, p.spec.as_ref(), true) || pod_in_ambient(pod) {
            entry.push(l);
        }
    }
    let namespaces: Vec<&str> =
        objects.iter().filter(|o| matches!(o, Object::Namespace(_))).filter_map(|o| o.name()).collect();
    let mut messages = Vec::new();
    for object in objects {
        let Object::AuthorizationPolicy(ap) = object else { continue };
        let namespace = raw_namespace(object);
        let selector = ap.spec.selector.as_ref().map(|s| Selector::from_pairs(&s.match_labels));
        match &selector {
            Some(selector) if namespace == root => {
                if !pods.values().flatten().any(|l| selector.matches(l)) {
                    messages.push(no_workloads(object, &selector.to_string()));
                }
            }
            None if namespace == root => {}
            None => {
                if pods.get(namespace).is_none_or(Vec::is_empty) {
                    messages.push(no_workloads(object, ""));
                }
            }
            Some(selector) => {
                if !pods.get(namespace).into_iter().flatten().any(|l| selector.matches(l)) {
                    messages.push(no_workloads(object, &selector.to_string()));
                }
            }
        }
        for (i, rule) in ap.spec.rules.iter().enumerate() {
            for (j, from) in rule.from.iter().enumerate() {
                let Some(source) = &from.source else { continue };
                let named = source
                    .namespaces
                    .iter()
                    .map(|n| ("namespaces", n))
                    .enumerate()
                    .chain(source.not_namespaces.iter().map(|n| ("notNamespaces", n)).enumerate());
                for (k, (field, pattern)) in named {
                    if !namespaces.iter().any(|n| namespace_matches(n, pattern)) {
                        messages.push(Message::referenced_resource_not_found(
                            object,
                            Some(format!("spec.rules[{i}].from[{j}].source.{field}[{k}]")),
                            "namespace",
                            pattern,
                        ));
                    }
                }
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    const POD: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web, labels: {app: web}}\nspec: {containers: [{name: app}, {name: istio-proxy, image: proxyv2}]}\n---\n";

    fn policy(namespace: &str, spec: &str) -> Vec<Message> {
        let o = objects(&format!(
            "{POD}apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: ap, namespace: {namespace}}}\nspec: {spec}\n"
        ));
        authorization_policies(&Context::new(&o))
    }

    #[test]
    fn policies_must_select_a_workload_in_the_mesh() {
        assert!(policy("web", "{selector: {matchLabels: {app: web}}}").is_empty());
        let m = policy("web", "{selector: {matchLabels: {app: other}}}");
        assert_eq!(m[0].message, "No matching workloads for this resource with the following labels: app=other");
        assert_eq!(policy("empty", "{}")[0].code, "IST0127");
        assert!(policy("istio-system", "{selector: {matchLabels: {app: web}}}").is_empty());
    }

    #[test]
    fn rule_namespaces_must_exist() {
        let m = policy("web", "{rules: [{from: [{source: {namespaces: [web, 'w*', bogus]}}]}]}");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Referenced namespace not found: \"bogus\"");
        assert_eq!(m[0].path.as_deref(), Some("spec.rules[0].from[0].source.namespaces[2]"));
    }
}
