//! The base component: Istio's CRDs, the reader service account, and the default-revision
//! validating webhook; plus small builders the other components share.

use std::collections::BTreeMap;

use mesh_api::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
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

/// The labels Helm's `istio.labels` helper gives a chart's objects: the standard
/// `app.kubernetes.io/*` set and `helm.sh/chart`, without a name or `release`.
pub(crate) fn helm_labels(chart: &str) -> Map<String, Value> {
    let mut labels = chart_labels("", chart);
    labels.remove("app.kubernetes.io/name");
    labels.remove("release");
    labels
}

/// The labels of `crd-all.gen.yaml` itself, which the chart keeps when it does not template
/// the CRDs (`base.enableCRDTemplates: false`).
const STATIC_CRD_LABELS: [(&str, &str); 4] =
    [("app", "istio-pilot"), ("chart", "istio"), ("heritage", "Tiller"), ("release", "istio")];

/// The ValidatingAdmissionPolicy of the `stable` channel (`experimental.stableValidationPolicy`)
/// and its binding: Istio's alpha APIs (EnvoyFilter, WasmPlugin, ProxyConfig) and the alpha
/// Telemetry fields are refused for objects the selector picks.
pub(crate) fn stable_policy(name: &str, labels: Map<String, Value>, revision: Option<&str>) -> [Value; 2] {
    let mut constraints = json!({
        "resourceRules": [{
            "apiGroups": ["security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["*"]
        }]
    });
    if let Some(revision) = revision {
        constraints["objectSelector"] =
            json!({"matchExpressions": [{"key": "istio.io/rev", "operator": "In", "values": [revision]}]});
    }
    let kind_is = |kind: &str| format!("object.kind == '{kind}'");
    let telemetry = "!(\n  variables.isTelemetry && (\n    (has(object.spec.tracing) ? object.spec.tracing : {}).exists(t, has(t.useRequestIdForTraceSampling)) ||\n    (has(object.spec.metrics) ? object.spec.metrics : {}).exists(m, has(m.reportingInterval)) ||\n    (has(object.spec.accessLogging) ? object.spec.accessLogging : {}).exists(l, has(l.filter))\n  )\n)\n";
    let policy = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": meta(&format!("{name}.istio.io"), "", labels),
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": constraints,
            "variables": [
                {"name": "isEnvoyFilter", "expression": kind_is("EnvoyFilter")},
                {"name": "isWasmPlugin", "expression": kind_is("WasmPlugin")},
                {"name": "isProxyConfig", "expression": kind_is("ProxyConfig")},
                {"name": "isTelemetry", "expression": kind_is("Telemetry")}
            ],
            "validations": [
                {"expression": "!variables.isEnvoyFilter"},
                {"expression": "!variables.isWasmPlugin"},
                {"expression": "!variables.isProxyConfig"},
                {"expression": telemetry}
            ]
        }
    });
    let binding_name = match name.strip_prefix("stable-channel-policy") {
        Some(rest) => format!("stable-channel-policy-binding{rest}.istio.io"),
        None => format!("{}-binding.istio.io", name),
    };
    let binding = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": binding_name},
        "spec": {"policyName": format!("{name}.istio.io"), "validationActions": ["Deny"]}
    });
    [policy, binding]
}

/// Renders the base chart's objects as data.
pub(crate) fn render(values: &Values, namespace: &str) -> Vec<Value> {
    let (crds, others) = render_parts(values, namespace);
    crds.into_iter().filter_map(|crd| serde_json::to_value(crd).ok()).chain(others).collect()
}

/// Renders the base chart's objects: its CRDs typed (cloned from the ones mesh-api generates
/// once, without a round trip through data) and the other objects as data.
pub(crate) fn render_parts(values: &Values, namespace: &str) -> (Vec<CustomResourceDefinition>, Vec<Value>) {
    let scope = values.text("global.resourceScope", "all");
    if scope == "namespace" {
        // Every object of the base chart but the reader account is cluster-scoped.
        let reader = values.get("global.enableReaderRBAC").is_none_or(super::values::truthy);
        return (Vec::new(), if reader { vec![reader_account(namespace)] } else { Vec::new() });
    }
    let templated = values.get("base.enableCRDTemplates").is_none_or(super::values::truthy);
    let excluded: Vec<&str> = values
        .get("base.excludedCRDs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let labels: BTreeMap<String, String> = if templated {
        helm_labels("base").into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect()
    } else {
        STATIC_CRD_LABELS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let annotations = BTreeMap::from([("helm.sh/resource-policy".to_owned(), "keep".to_owned())]);
    let crds = mesh_api::crds_ref()
        .iter()
        .filter(|crd| !crd.spec.group.starts_with("install."))
        .filter(|crd| !templated || !excluded.iter().any(|e| Some(*e) == crd.metadata.name.as_deref()))
        .map(|crd| {
            let mut crd = crd.clone();
            crd.metadata.labels = Some(labels.clone());
            crd.metadata.annotations = Some(annotations.clone());
            crd
        })
        .collect();
    let mut out = Vec::new();
    if scope != "cluster" && values.get("global.enableReaderRBAC").is_none_or(super::values::truthy) {
        out.push(reader_account(namespace));
    }
    out.extend(default_revision_objects(values));
    (crds, out)
}

fn reader_account(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(
            "istio-reader-service-account",
            namespace,
            with(chart_labels("istio-reader", "base"), &[("app", "istio-reader")]),
        ),
    })
}

/// The default revision's validating webhook (and, on the `stable` channel, its admission
/// policy), when `defaultRevision` is set.
fn default_revision_objects(values: &Values) -> Vec<Value> {
    let mut out = Vec::new();
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
        if values.truthy("experimental.stableValidationPolicy") {
            let labels = with(
                with(helm_labels("base"), &[("app.kubernetes.io/name", "istiod")]),
                &[("release", "istio"), ("istio", "istiod"), ("istio.io/rev", &default_revision)],
            );
            out.extend(stable_policy("stable-channel-default-policy", labels, None));
        }
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

    fn render_flags(flags: &[&str]) -> Vec<Value> {
        let mut overlays = Overlays::new();
        for flag in flags {
            overlays.set(flag).unwrap();
        }
        render(&Values::new(&overlays.merge().unwrap()), "istio-system")
    }

    #[test]
    fn templated_crds_carry_the_chart_labels_and_the_keep_policy() {
        let objects = render_flags(&[]);
        let crd = objects.iter().find(|o| o["kind"] == "CustomResourceDefinition").unwrap();
        let labels = crd["metadata"]["labels"].as_object().unwrap();
        assert_eq!(labels["app.kubernetes.io/part-of"], "istio");
        assert_eq!(labels["helm.sh/chart"], json!(format!("base-{CHART_VERSION}")));
        assert!(!labels.contains_key("release") && !labels.contains_key("app.kubernetes.io/name"));
        assert_eq!(crd["metadata"]["annotations"]["helm.sh/resource-policy"], "keep");
        let plain = render_flags(&["values.base.enableCRDTemplates=false"]);
        let crd = plain.iter().find(|o| o["kind"] == "CustomResourceDefinition").unwrap();
        assert_eq!(
            crd["metadata"]["labels"],
            json!({"app": "istio-pilot", "chart": "istio", "heritage": "Tiller", "release": "istio"})
        );
    }

    #[test]
    fn excluded_crds_are_left_out() {
        let objects = render_flags(&["values.base.excludedCRDs[0]=envoyfilters.networking.istio.io"]);
        let names: Vec<&Value> = objects
            .iter()
            .filter(|o| o["kind"] == "CustomResourceDefinition")
            .map(|o| &o["metadata"]["name"])
            .collect();
        assert_eq!(names.len(), 14);
        assert!(!names.contains(&&json!("envoyfilters.networking.istio.io")));
    }

    #[test]
    fn stable_channel_with_a_default_revision_adds_the_default_policy() {
        let objects = render_flags(&["profile=stable", "values.defaultRevision=default"]);
        let policy = objects.iter().find(|o| o["kind"] == "ValidatingAdmissionPolicy").unwrap();
        assert_eq!(policy["metadata"]["name"], "stable-channel-default-policy.istio.io");
        assert!(policy["spec"]["matchConstraints"].get("objectSelector").is_none());
        let binding = objects.iter().find(|o| o["kind"] == "ValidatingAdmissionPolicyBinding").unwrap();
        assert_eq!(binding["metadata"]["name"], "stable-channel-default-policy-binding.istio.io");
        assert_eq!(binding["spec"]["policyName"], "stable-channel-default-policy.istio.io");
    }

    #[test]
    fn resource_scope_splits_cluster_and_namespaced_objects() {
        let cluster = render_flags(&["values.global.resourceScope=cluster"]);
        assert!(cluster.iter().all(|o| o["metadata"]["namespace"].is_null()));
        let namespaced = render_flags(&["values.global.resourceScope=namespace"]);
        assert_eq!(namespaced.len(), 1);
        assert_eq!(namespaced[0]["metadata"]["name"], "istio-reader-service-account");
    }
}
