//! Reading Kubernetes objects the way the analyzers need them: labels, selectors, pods,
//! services and pod templates.

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::k8s_openapi::api::core::v1::{PodSpec, Service};

/// The labels of an object (empty when it has none).
pub(crate) fn labels(object: &Object) -> BTreeMap<String, String> {
    object.metadata().labels.clone().unwrap_or_default()
}

/// The annotations of an object (empty when it has none).
pub(crate) fn annotations(object: &Object) -> BTreeMap<String, String> {
    object.metadata().annotations.clone().unwrap_or_default()
}

/// The namespace exactly as written, empty when unset (istioctl's analyzers compare it so).
pub(crate) fn raw_namespace(object: &Object) -> &str {
    object.namespace().unwrap_or_default()
}

/// `namespace/name`, or `name` without a namespace: Istio's full name of an object.
pub(crate) fn full_name(object: &Object) -> String {
    let name = object.name().unwrap_or_default();
    match object.namespace() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// A label selector built from a set of labels: every pair must be present. An empty set
/// selects everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Selector(pub(crate) BTreeMap<String, String>);

impl Selector {
    /// A selector from `key: value` pairs.
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// Whether the labels satisfy every pair.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(k, v)| labels.get(k) == Some(v))
    }

    /// Whether the selector has no pair.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Selector {
    /// Kubernetes' spelling: `key=value` pairs sorted by key, joined by commas.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pairs: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&pairs.join(","))
    }
}

/// The pods among `objects`, with their spec (an empty one when unset).
pub(crate) fn pods(objects: &[Object]) -> impl Iterator<Item = (&Object, Option<&PodSpec>)> {
    objects.iter().filter_map(|o| match o {
        Object::Pod(p) => Some((o, p.spec.as_ref())),
        _ => None,
    })
}

/// The Kubernetes services among `objects`.
pub(crate) fn services(objects: &[Object]) -> impl Iterator<Item = (&Object, &Service)> {
    objects.iter().filter_map(|o| match o {
        Object::Service(s) => Some((o, s.as_ref())),
        _ => None,
    })
}

/// A service's pod selector (empty when it has none).
pub(crate) fn service_selector(service: &Service) -> Selector {
    Selector(service.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default())
}

/// The objects of a kind Istio keeps generic (ConfigMap, MutatingWebhookConfiguration, ...),
/// with their untyped data.
pub(crate) fn others<'a>(
    objects: &'a [Object],
    kind: &'a str,
) -> impl Iterator<Item = (&'a Object, &'a serde_json::Value)> {
    objects.iter().filter_map(move |o| match o {
        Object::Other(d) if o.kind() == kind => Some((o, &d.data)),
        _ => None,
    })
}

/// Whether an object belongs to Istio's control plane: labelled `istio`, or `release: istio`.
pub(crate) fn is_control_plane(object: &Object) -> bool {
    let labels = labels(object);
    labels.contains_key("istio") || labels.get("release").is_some_and(|r| r == "istio")
}

/// Whether a Kubernetes `LabelSelector` written as data (`matchLabels`, `matchExpressions`)
/// selects `labels`; a missing selector selects everything, a malformed one nothing.
pub(crate) fn label_selector_matches(selector: &serde_json::Value, labels: &BTreeMap<String, String>) -> bool {
    if selector.is_null() {
        return true;
    }
    let by_labels = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).is_some_and(|l| l == v)));
    let by_expressions = selector["matchExpressions"].as_array().into_iter().flatten().all(|e| {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
        let value = labels.get(key);
        match e["operator"].as_str().unwrap_or_default() {
            "In" => value.is_some_and(|v| values.contains(&v.as_str())),
            "NotIn" => value.is_none_or(|v| !values.contains(&v.as_str())),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    by_labels && by_expressions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_print_sorted_by_key() {
        let s = Selector([("z".to_owned(), "1".to_owned()), ("a".to_owned(), "2".to_owned())].into());
        assert_eq!(s.to_string(), "a=2,z=1");
    }

    #[test]
    fn an_empty_selector_matches_everything() {
        assert!(Selector::default().matches(&BTreeMap::new()));
        let s = Selector([("app".to_owned(), "x".to_owned())].into());
        assert!(!s.matches(&BTreeMap::new()));
    }
}
