//! `ProxyConfig`: proxy settings for a namespace or for selected workloads.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::rules;
use crate::{IstioStatus, LabelSelector, Problem, Validate, Validator};

/// Settings for the proxies of the selected workloads (or of the whole namespace, or of the mesh
/// when in the root namespace); most need a proxy restart to apply.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "ProxyConfig",
    namespaced,
    status = "IstioStatus",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `ProxyConfig` (`networking.istio.io`): per-workload proxy settings."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyConfigSpec {
    /// The workloads these settings apply to; every workload of the namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// The number of worker threads of the proxy; `0` means one per CPU core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i32>,
    /// Extra environment variables for the proxy.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment_variables: IndexMap<String, String>,
    /// Which proxy image variant to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ProxyImage>,
}

/// The proxy image variant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyImage {
    /// The image type, such as `default` or `distroless`; a suffix added to the image tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
}

/// Longest environment variable value the CRD accepts.
const MAX_ENV_VALUE_LEN: usize = 2048;

impl Validate for ProxyConfig {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "ProxyConfig", &self.metadata);
        let spec = &self.spec;
        v.field("spec", |v| {
            if let Some(selector) = &spec.selector {
                v.field("selector", |v| rules::check_label_selector(v, selector));
            }
            if let Some(n) = spec.concurrency.filter(|n| *n < 0) {
                v.error_at("concurrency", format!("concurrency must be 0 (one thread per core) or more, not {n}"));
            }
            v.field("environmentVariables", |v| {
                for (name, value) in &spec.environment_variables {
                    if value.len() > MAX_ENV_VALUE_LEN {
                        v.error_at(name, format!("values are limited to {MAX_ENV_VALUE_LEN} bytes"));
                    }
                }
            });
        });
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata: {{name: pc, namespace: shop}}\nspec: {spec}\n"
        );
        let pc: ProxyConfig = serde_yaml::from_str(&yaml).expect("test YAML must load");
        pc.validate()
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    #[test]
    fn valid_config_passes() {
        let p = problems(
            "{selector: {matchLabels: {app: a}}, concurrency: 0, environmentVariables: {A: b}, image: {imageType: distroless}}",
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn concurrency_must_not_be_negative() {
        assert!(has(&problems("{concurrency: -1}"), Level::Error, "spec.concurrency"));
    }

    #[test]
    fn selector_keys_must_not_be_empty_or_wildcards() {
        let p = problems("{selector: {matchLabels: {'': bar, app: '*'}}}");
        assert!(has(&p, Level::Error, "spec.selector.matchLabels."), "{p:?}");
        assert!(has(&p, Level::Error, "spec.selector.matchLabels.app"), "{p:?}");
    }

    #[test]
    fn empty_selector_warns() {
        let p = problems("{selector: {}}");
        assert!(p.iter().all(|p| p.level == Level::Warning) && !p.is_empty(), "{p:?}");
    }

    #[test]
    fn environment_values_are_limited_in_length() {
        let long = "x".repeat(MAX_ENV_VALUE_LEN + 1);
        let p = problems(&format!("{{environmentVariables: {{A: {long}}}}}"));
        assert!(has(&p, Level::Error, "spec.environmentVariables.A"), "{p:?}");
    }
}
