//! Whether a pod gets a sidecar, and why: the webhook's namespace and object selectors, then
//! Istio's `injectRequired` rules.

use k8s_openapi::api::core::v1::{Namespace, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use mesh_api::k8s_openapi;

use super::InjectionSettings;

/// Namespaces Istio never injects into.
pub const IGNORED_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "local-path-storage"];

/// The injector's verdict on one pod, with the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectionDecision {
    /// Whether the sidecar is injected.
    pub inject: bool,
    /// Why, in a sentence fit for a person.
    pub reason: String,
}

impl InjectionDecision {
    fn yes(reason: impl Into<String>) -> Self {
        Self { inject: true, reason: reason.into() }
    }

    fn no(reason: impl Into<String>) -> Self {
        Self { inject: false, reason: reason.into() }
    }
}

impl std::fmt::Display for InjectionDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.inject { "inject" } else { "skip" };
        write!(f, "{verdict}: {}", self.reason)
    }
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref().and_then(|l| l.get(key)).map(String::as_str)
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations.as_ref().and_then(|l| l.get(key)).map(String::as_str)
}

/// Reads an opt-in value the way Istio does: `y`, `yes`, `true`, `on` mean yes; anything else
/// written means no.
fn opt_in(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "y" | "yes" | "true" | "on")
}

/// Whether `labels` satisfy a Kubernetes label selector given as JSON (`matchLabels`,
/// `matchExpressions` with `In`, `NotIn`, `Exists`, `DoesNotExist`).
fn selector_matches(selector: &serde_json::Value, meta: &ObjectMeta) -> bool {
    let get = |key: &str| label(meta, key);
    if let Some(map) = selector.get("matchLabels").and_then(|m| m.as_object()) {
        for (key, value) in map {
            if get(key) != value.as_str() {
                return false;
            }
        }
    }
    if let Some(list) = selector.get("matchExpressions").and_then(|m| m.as_array()) {
        for expr in list {
            let key = expr.get("key").and_then(|k| k.as_str()).unwrap_or_default();
            let values: Vec<&str> = expr
                .get("values")
                .and_then(|v| v.as_array())
                .map(|v| v.iter().filter_map(|s| s.as_str()).collect())
                .unwrap_or_default();
            let found = get(key);
            let ok = match expr.get("operator").and_then(|o| o.as_str()).unwrap_or_default() {
                "In" => found.is_some_and(|f| values.contains(&f)),
                "NotIn" => found.is_none_or(|f| !values.contains(&f)),
                "Exists" => found.is_some(),
                "DoesNotExist" => found.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// The webhook's selectors: whether istiod would even be asked about a pod in `namespace`.
fn webhook_selects(namespace: &Namespace, pod: &ObjectMeta, settings: &InjectionSettings) -> Result<(), String> {
    let ns = &namespace.metadata;
    let ns_name = ns.name.as_deref().unwrap_or_default();
    let rev = if settings.revision.is_empty() { "default" } else { settings.revision.as_str() };
    let default_revision = settings.revision.is_empty();
    let pod_inject = label(pod, "sidecar.istio.io/inject");
    match (label(ns, "istio-injection"), label(ns, "istio.io/rev")) {
        (Some("enabled"), _) if default_revision => {
            if pod_inject == Some("false") {
                Err(format!(
                    "namespace {ns_name} has istio-injection=enabled but the pod's label sidecar.istio.io/inject is false"
                ))
            } else {
                Ok(())
            }
        }
        (Some(value), _) => {
            Err(format!("namespace {ns_name} has istio-injection={value}, which no webhook of revision {rev} selects"))
        }
        (None, Some(ns_rev)) => {
            if ns_rev != rev {
                Err(format!("namespace {ns_name} has istio.io/rev={ns_rev}, not this revision ({rev})"))
            } else if pod_inject == Some("false") {
                Err("the pod's label sidecar.istio.io/inject is false".to_owned())
            } else {
                Ok(())
            }
        }
        (None, None) => {
            let pod_rev = label(pod, "istio.io/rev");
            if pod_inject != Some("false") && pod_rev == Some(rev) && !default_revision {
                return Ok(());
            }
            if pod_inject != Some("false") && pod_rev == Some("default") && default_revision {
                return Ok(());
            }
            if default_revision && pod_inject == Some("true") && pod_rev.is_none() {
                return Ok(());
            }
            if settings.enable_namespaces_by_default
                && default_revision
                && !IGNORED_NAMESPACES.contains(&ns_name)
                && pod_inject.is_none()
                && pod_rev.is_none()
            {
                return Ok(());
            }
            Err(format!(
                "namespace {ns_name} has neither istio-injection nor istio.io/rev, and the pod does not opt in with the label sidecar.istio.io/inject=true or istio.io/rev"
            ))
        }
    }
}

/// Decides whether a pod gets a sidecar.
///
/// With a `namespace`, the webhook's selectors on namespace and pod labels apply first
/// (`istio-injection`, `istio.io/rev`, the pod label `sidecar.istio.io/inject`), as a cluster
/// would. Without one, the decision is `istioctl kube-inject`'s: namespace labels are not
/// looked at and the policy is `enabled`. Then Istio's own rules: host-network pods and the
/// system namespaces are skipped; the `sidecar.istio.io/inject` label (or annotation) decides
/// when present; else `neverInjectSelector`, `alwaysInjectSelector`, and finally
/// `values.global.proxy.autoInject`.
///
/// # Examples
///
/// ```
/// use mesh_render::inject::{InjectionSettings, should_inject_pod};
/// use mesh_api::k8s_openapi::api::core::v1::{Namespace, PodSpec};
/// use mesh_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
///
/// let mut ns = Namespace::default();
/// ns.metadata.name = Some("shop".into());
/// ns.metadata.labels = Some([("istio-injection".to_owned(), "enabled".to_owned())].into());
/// let decision = should_inject_pod(Some(&ns), &ObjectMeta::default(), &PodSpec::default(), &InjectionSettings::default());
/// assert!(decision.inject, "{decision}");
/// ```
pub fn should_inject_pod(
    namespace: Option<&Namespace>,
    meta: &ObjectMeta,
    spec: &PodSpec,
    settings: &InjectionSettings,
) -> InjectionDecision {
    let in_cluster = namespace.is_some();
    if let Some(ns) = namespace
        && let Err(reason) = webhook_selects(ns, meta, settings)
    {
        return InjectionDecision::no(reason);
    }
    if spec.host_network == Some(true) {
        return InjectionDecision::no("the pod uses host networking");
    }
    let ns_name = namespace.and_then(|n| n.metadata.name.as_deref()).or(meta.namespace.as_deref()).unwrap_or_default();
    if IGNORED_NAMESPACES.contains(&ns_name) {
        return InjectionDecision::no(format!("namespace {ns_name} is a system namespace Istio never injects"));
    }
    // The label wins over the annotation; an empty value says nothing.
    let explicit = label(meta, "sidecar.istio.io/inject")
        .map(|v| ("label", v))
        .or_else(|| annotation(meta, "sidecar.istio.io/inject").map(|v| ("annotation", v)))
        .filter(|(_, v)| !v.is_empty());
    if let Some((kind, value)) = explicit {
        return if opt_in(value) {
            InjectionDecision::yes(format!("the pod's {kind} sidecar.istio.io/inject is {value:?}"))
        } else {
            InjectionDecision::no(format!("the pod's {kind} sidecar.istio.io/inject is {value:?}"))
        };
    }
    if settings.never_inject_selector.iter().any(|s| selector_matches(s, meta)) {
        return InjectionDecision::no("the pod's labels match neverInjectSelector");
    }
    if settings.always_inject_selector.iter().any(|s| selector_matches(s, meta)) {
        return InjectionDecision::yes("the pod's labels match alwaysInjectSelector");
    }
    if !in_cluster {
        return InjectionDecision::yes("kube-inject injects every pod that does not opt out");
    }
    if settings.auto_inject == "disabled" {
        InjectionDecision::no("values.global.proxy.autoInject is disabled and the pod does not opt in")
    } else {
        InjectionDecision::yes("the namespace selects injection and nothing on the pod opts out")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(labels: &[(&str, &str)]) -> Namespace {
        let mut ns = Namespace::default();
        ns.metadata.name = Some("shop".into());
        ns.metadata.labels = Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        ns
    }

    fn pod(labels: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            labels: Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            ..ObjectMeta::default()
        }
    }

    fn decide(ns_labels: &[(&str, &str)], pod_labels: &[(&str, &str)]) -> InjectionDecision {
        should_inject_pod(Some(&ns(ns_labels)), &pod(pod_labels), &PodSpec::default(), &InjectionSettings::default())
    }

    #[test]
    fn istio_injection_enabled_injects() {
        assert!(decide(&[("istio-injection", "enabled")], &[]).inject);
    }

    #[test]
    fn istio_injection_disabled_blocks_even_a_pod_opting_in() {
        assert!(!decide(&[("istio-injection", "disabled")], &[("sidecar.istio.io/inject", "true")]).inject);
    }

    #[test]
    fn istio_injection_beats_a_revision_label() {
        assert!(decide(&[("istio-injection", "enabled"), ("istio.io/rev", "canary")], &[]).inject);
    }

    #[test]
    fn unlabelled_namespace_needs_the_pod_label() {
        assert!(!decide(&[], &[]).inject);
        assert!(decide(&[], &[("sidecar.istio.io/inject", "true")]).inject);
    }

    #[test]
    fn pod_label_false_opts_out() {
        let d = decide(&[("istio.io/rev", "default")], &[("sidecar.istio.io/inject", "false")]);
        assert!(!d.inject);
        assert!(d.reason.contains("false"), "{d}");
    }

    #[test]
    fn an_empty_inject_label_falls_back_to_the_policy() {
        let d = should_inject_pod(
            None,
            &pod(&[("sidecar.istio.io/inject", "")]),
            &PodSpec::default(),
            &InjectionSettings::default(),
        );
        assert!(d.inject, "{d}");
    }

    #[test]
    fn the_label_wins_over_the_annotation() {
        let mut meta = pod(&[("sidecar.istio.io/inject", "false")]);
        meta.annotations = Some([("sidecar.istio.io/inject".to_owned(), "true".to_owned())].into());
        let d = should_inject_pod(None, &meta, &PodSpec::default(), &InjectionSettings::default());
        assert!(!d.inject);
        assert_eq!(d.reason, "the pod's label sidecar.istio.io/inject is \"false\"");
    }

    #[test]
    fn host_network_pods_are_skipped() {
        let spec = PodSpec { host_network: Some(true), ..PodSpec::default() };
        let d = should_inject_pod(None, &ObjectMeta::default(), &spec, &InjectionSettings::default());
        assert!(!d.inject);
        assert_eq!(d.reason, "the pod uses host networking");
    }

    #[test]
    fn kube_inject_ignores_namespace_labels_and_injects_by_default() {
        let d = should_inject_pod(None, &ObjectMeta::default(), &PodSpec::default(), &InjectionSettings::default());
        assert!(d.inject);
    }

    #[test]
    fn never_inject_selector_applies_without_explicit_label() {
        let settings = InjectionSettings {
            never_inject_selector: vec![serde_json::json!({"matchLabels": {"app": "x"}})],
            ..InjectionSettings::default()
        };
        let d = should_inject_pod(None, &pod(&[("app", "x")]), &PodSpec::default(), &settings);
        assert!(!d.inject);
    }
}
