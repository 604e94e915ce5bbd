//! The base component: Istio's CRDs, the reader service account, and the default-revision
//! validating webhook; plus small builders the other components share.

use serde_json::{Map, Value, json};

use super::values::{CHART_VERSION, Values};

/// The labels every chart stamps: `app.kubernetes.io/*`, `helm.sh/chart` and `release`.
pub(crate) fn chart_labels(name: &str, chart: &str) -> Map<String, Value> {
    let mut labels = Map::new();
    for (key, value) in [
        ("app.kubernetes.io/instance", "istio".to_owned()),
        ("app.kubernetes.io/managed-by", "Helm".to_owned()),
        ("app.kubernetes.io/name", name.to_owned()),
        ("app.kubernetes.io/part-of", "istio".to_owned()),
        ("app.kubernetes.io/version", CHART_VERSION.to_owned()),
        ("helm.sh/chart", format!("{chart}-{CHART_VERSION}")),
        ("release", "istio".to_owned()),
    ] {
        labels.insert(key.into(), Value::String(value));
    }
    labels
}

/// Adds `key: value` pairs to a label map.
pub(crate) fn with(mut labels: Map<String, Value>, extra: &[(&str, &str)]) -> Map<String, Value> {
    for (key, value) in extra {
        labels.insert((*key).to_owned(), Value::String((*value).to_owned()));
    }
    labels
}

/// One RBAC rule.
pub(crate) fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// Object metadata; `namespace` empty for cluster-scoped kinds.
pub(crate) fn meta(name: &str, namespace: &str, labels: Map<String, Value>) -> Value {
    let mut meta = json!({"name": name, "labels": labels});
    if !namespace.is_empty() {
        meta["namespace"] = json!(namespace);
    }
    meta
}

/// The webhook rule for Istio's config groups.
pub(crate) fn validation_rules() -> Value {
    json!([{
        "operations": ["CREATE", "UPDATE"],
        "apiGroups": ["security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"],
        "apiVersions": ["*"],
        "resources": ["*"]
    }])
}

/// Renders the base chart's objects.
pub(crate) fn render(values: &Values, namespace: &str) -> Vec<Value> {
    let mut out: Vec<Value> = mesh_api::crds()
        .into_iter()
        .filter(|crd| !crd.spec.group.starts_with("install."))
        .filter_map(|crd| serde_json::to_value(crd).ok())
        .collect();
    out.push(json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(
            "istio-reader-service-account",
            namespace,
            with(chart_labels("istio-reader", "base"), &[("app", "istio-reader")]),
        ),
    }));
    let default_revision = values.text("defaultRevision", "");
    if !default_revision.is_empty() {
        let service =
            if default_revision == "default" { "istiod".to_owned() } else { format!("istiod-{default_revision}") };
        let labels = with(
            chart_labels("istiod", "base"),
            &[("app", "istiod"), ("istio", "istiod"), ("istio.io/rev", &default_revision)],
        );
        let failure = values.text("base.validationFailurePolicy", "Ignore");
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": meta("istiod-default-validator", "", labels),
            "webhooks": [{
                "name": "validation.istio.io",
                "clientConfig": {"service": {
                    "name": service,
                    "namespace": values.text("global.istioNamespace", "istio-system"),
                    "path": "/validate"
                }},
                "rules": validation_rules(),
                "failurePolicy": failure,
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"]
            }]
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;

    #[test]
    fn base_renders_fifteen_crds_and_the_reader_account() {
        let values = Values::new(&Overlays::new().merge().unwrap());
        let objects = render(&values, "istio-system");
        let crds = objects.iter().filter(|o| o["kind"] == "CustomResourceDefinition").count();
        assert_eq!(crds, 15);
        assert!(objects.iter().any(|o| o["metadata"]["name"] == "istio-reader-service-account"));
    }

    #[test]
    fn default_revision_adds_the_default_validator() {
        let merged = Overlays::new().set("values.defaultRevision=canary").unwrap().merge().unwrap();
        let objects = render(&Values::new(&merged), "istio-system");
        let vwc = objects.iter().find(|o| o["kind"] == "ValidatingWebhookConfiguration").unwrap();
        assert_eq!(vwc["webhooks"][0]["clientConfig"]["service"]["name"], "istiod-canary");
    }
}
