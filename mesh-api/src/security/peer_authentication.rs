//! `PeerAuthentication`: whether workloads accept plaintext, mutual TLS, or both.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::rules;
use crate::{IstioStatus, LabelSelector, Problem, Validate, Validator};

/// Sets the mutual TLS mode of the workloads it selects, for the whole workload and per port.
///
/// A policy without a selector applies to its namespace, or to the whole mesh when it lives in
/// the root namespace. A workload-specific policy wins over the namespace one, which wins over
/// the mesh one.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1",
    kind = "PeerAuthentication",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    shortname = "pa",
    category = "istio-io",
    category = "security-istio-io",
    doc = "An Istio `PeerAuthentication` (`security.istio.io/v1`): the mutual TLS mode of workloads.",
    printcolumn = r#"{"name":"Mode","type":"string","description":"The mutual TLS mode of the policy.","jsonPath":".spec.mtls.mode"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeerAuthenticationSpec {
    /// The workloads this policy applies to; absent, it applies to every workload in the
    /// namespace (or the mesh, in the root namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// The mutual TLS mode for every port of the selected workloads; absent, the mode is
    /// inherited from the enclosing scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTls>,
    /// Modes for single ports of the workload (the container port, not the service port), keyed
    /// by port number written as text. Only allowed together with a non-empty selector.
    ///
    /// This map is an `Option` (unlike most maps in this crate) because Istio tells `{}` apart
    /// from an absent map and rejects the former.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_level_mtls: Option<IndexMap<String, MutualTls>>,
}

/// A mutual TLS setting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MutualTls {
    /// The mode; absent or `UNSET`, it is inherited from the enclosing scope (`PERMISSIVE` at
    /// the top).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MtlsMode>,
}

/// Whether a workload accepts plaintext, mutual TLS, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MtlsMode {
    /// Take the mode of the enclosing scope.
    Unset,
    /// Plaintext only; mutual TLS is not offered.
    Disable,
    /// Both plaintext and mutual TLS are accepted.
    Permissive,
    /// Only mutual TLS is accepted.
    Strict,
}

impl Validate for PeerAuthentication {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "PeerAuthentication", &self.metadata);
        v.field("spec", |v| self.spec.check(v));
        v.finish()
    }
}

impl PeerAuthenticationSpec {
    fn check(&self, v: &mut Validator) {
        if let Some(selector) = &self.selector {
            v.field("selector", |v| super::selection::check_label_selector(v, selector));
        }
        let Some(ports) = &self.port_level_mtls else { return };
        v.field("portLevelMtls", |v| {
            if ports.is_empty() {
                v.error("portLevelMtls, when present, needs at least one port");
            }
            let has_labels = self.selector.as_ref().is_some_and(|s| !s.match_labels.is_empty());
            if !ports.is_empty() && !has_labels {
                v.error("port-level modes need a selector with labels; a namespace or mesh policy cannot have them");
            }
            for port in ports.keys() {
                let number = port.bytes().all(|b| b.is_ascii_digit()).then(|| port.parse::<u64>().ok()).flatten();
                match number {
                    None => v.error_at(port, format!("{port:?} is not a port number")),
                    Some(n) if !(1..=65535).contains(&n) => {
                        v.error_at(port, format!("port {n} is out of range; use a number from 1 to 65535"))
                    }
                    Some(_) => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn check(spec: &str) -> Vec<(String, Level)> {
        let yaml =
            format!("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: p}}\nspec: {spec}");
        let policy: PeerAuthentication = serde_yaml::from_str(&yaml).expect("test input loads");
        policy.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn error_at(spec: &str, path: &str) {
        let found = check(spec);
        assert!(found.contains(&(path.to_owned(), Level::Error)), "expected an error at {path}, found {found:?}");
    }

    #[test]
    fn mode_values_are_istios() {
        let names: Vec<String> = [MtlsMode::Unset, MtlsMode::Disable, MtlsMode::Permissive, MtlsMode::Strict]
            .iter()
            .map(|m| serde_json::to_value(m).unwrap().as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"]);
    }

    #[test]
    fn unknown_mode_does_not_load() {
        let yaml = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec: {mtls: {mode: BLAH}}";
        assert!(serde_yaml::from_str::<PeerAuthentication>(yaml).is_err());
    }

    #[test]
    fn port_level_mtls_needs_a_selector_with_labels() {
        error_at("{portLevelMtls: {'80': {mode: STRICT}}}", "spec.portLevelMtls");
        error_at("{selector: {}, portLevelMtls: {'80': {mode: STRICT}}}", "spec.portLevelMtls");
        assert!(check("{selector: {matchLabels: {app: a}}, portLevelMtls: {'80': {mode: STRICT}}}").is_empty());
    }

    #[test]
    fn port_level_mtls_must_not_be_empty() {
        error_at("{selector: {matchLabels: {app: a}}, portLevelMtls: {}}", "spec.portLevelMtls");
    }

    #[test]
    fn port_level_keys_are_ports_from_1_to_65535() {
        for port in ["acd", "0", "65536", "42949672", "-1"] {
            error_at(
                &format!("{{selector: {{matchLabels: {{app: a}}}}, portLevelMtls: {{'{port}': {{mode: STRICT}}}}}}"),
                &format!("spec.portLevelMtls.{port}"),
            );
        }
    }

    #[test]
    fn unquoted_port_keys_load() {
        let found = check("{selector: {matchLabels: {app: a}}, portLevelMtls: {8080: {mode: DISABLE}}}");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn empty_selector_only_warns() {
        assert_eq!(check("{selector: {}}"), vec![("spec.selector.matchLabels".to_owned(), Level::Warning)]);
    }

    #[test]
    fn selector_refuses_wildcards() {
        error_at("{selector: {matchLabels: {app: 'a*'}}}", "spec.selector.matchLabels.app");
    }
}
