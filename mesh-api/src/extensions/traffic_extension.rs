//! `TrafficExtension`: a WebAssembly or Lua filter for the proxies of selected workloads.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::wasm_plugin::{
    FailStrategy, Module, PluginType, PullPolicy, VmConfig, check_module, check_traffic_selectors,
};
use crate::security::selection::check_selection;
use crate::validation::rules;
use crate::{IstioStatus, LabelSelector, PolicyTargetReference, Problem, Validate, Validator};

/// A filter added to the proxies of the selected workloads, written either as a WebAssembly
/// module (`wasm`) or as inline Lua code (`lua`); exactly one of the two is set.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "extensions.istio.io",
    version = "v1alpha1",
    kind = "TrafficExtension",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    category = "istio-io",
    category = "extensions-istio-io",
    doc = "An Istio `TrafficExtension` (`extensions.istio.io/v1alpha1`): a Wasm or Lua filter for the proxies of selected workloads.",
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficExtensionSpec {
    /// The workloads that load the filter, by labels; absent (and no target references), every
    /// workload in the namespace, or the mesh in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Resources the filter attaches to instead of a selector (at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Where in the filter chain the filter goes, relative to Istio's own filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ExecutionPhase>,
    /// Order among filters of the same phase: higher runs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Traffic the filter applies to (side and ports); any entry may match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(rename = "match")]
    pub match_: Vec<TrafficSelector>,
    /// A WebAssembly module; not together with `lua`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasm: Option<WasmConfig>,
    /// Inline Lua code; not together with `wasm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lua: Option<LuaConfig>,
}

/// Where a [`TrafficExtension`] goes in the filter chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionPhase {
    /// Not set: at the end of the chain, just before the router.
    #[default]
    Unspecified,
    /// Before Istio's authentication filters.
    Authn,
    /// Before Istio's authorization filters, after authentication.
    Authz,
    /// Before Istio's stats filters, after authorization.
    Stats,
}

/// A WebAssembly module for a [`TrafficExtension`]; the fields mean what they mean on a
/// [`WasmPlugin`](crate::extensions::WasmPlugin).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WasmConfig {
    /// Where the module comes from: `oci://` (the default when no scheme is given), `file://`,
    /// `http://` or `https://`.
    pub url: String,
    /// Expected SHA-256 of the module, 64 lower-case hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When to fetch the image again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Name of a pull secret for a private OCI registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secret: Option<String>,
    /// Public key used to verify the module's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_key: Option<String>,
    /// Configuration handed to the plugin as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub plugin_config: Option<serde_json::Map<String, serde_json::Value>>,
    /// The plugin's name inside the module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_name: Option<String>,
    /// What the proxy does when the module cannot be fetched or fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_strategy: Option<FailStrategy>,
    /// Settings of the virtual machine the plugin runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_config: Option<VmConfig>,
    /// Whether the plugin is an HTTP or a network filter; HTTP when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub type_: Option<PluginType>,
}

impl WasmConfig {
    /// A module loaded from `url`, with nothing else set.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            sha256: None,
            image_pull_policy: None,
            image_pull_secret: None,
            verification_key: None,
            plugin_config: None,
            plugin_name: None,
            fail_strategy: None,
            vm_config: None,
            type_: None,
        }
    }
}

/// Inline Lua code for a [`TrafficExtension`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LuaConfig {
    /// The Lua source, defining `envoy_on_request` and/or `envoy_on_response`; 1 to 65536
    /// bytes.
    pub inline_code: String,
}

/// Traffic an extension applies to: one side of the traffic and, optionally, some ports.
/// Shared by [`TrafficExtension`] and [`WasmPlugin`](crate::extensions::WasmPlugin).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficSelector {
    /// Client side, server side or both; both when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
    /// Ports the extension applies to; each needs a number from 1 to 65535. Absent, all ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ExtensionPort>,
}

/// A port of the selected workloads (Istio's `istio.type.v1beta1.PortSelector`, where, unlike
/// the networking port selector, the number is required).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtensionPort {
    /// The port number, from 1 to 65535.
    pub number: u32,
}

/// Which side of the traffic an extension covers (`istio.type.v1beta1.WorkloadMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    /// Not set; both sides.
    #[default]
    Undefined,
    /// Only the client (outbound) side.
    Client,
    /// Only the server (inbound) side.
    Server,
    /// Both the client and the server side.
    ClientAndServer,
}

/// Longest inline Lua code, in bytes.
const MAX_LUA_LEN: usize = 65536;

impl Validate for TrafficExtension {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "TrafficExtension", &self.metadata);
        v.field("spec", |v| {
            let spec = &self.spec;
            if spec.wasm.is_some() == spec.lua.is_some() {
                v.error("set exactly one of wasm and lua");
            }
            check_selection(v, spec.selector.as_ref(), None, &spec.target_refs);
            if let Some(lua) = &spec.lua {
                v.field("lua", |v| {
                    if lua.inline_code.is_empty() {
                        v.error_at("inlineCode", "the Lua code must not be empty");
                    } else if lua.inline_code.len() > MAX_LUA_LEN {
                        v.error_at("inlineCode", format!("the Lua code is at most {MAX_LUA_LEN} bytes long"));
                    }
                });
            }
            if let Some(wasm) = &spec.wasm {
                v.field("wasm", |v| {
                    check_module(
                        v,
                        Module {
                            url: &wasm.url,
                            sha256: wasm.sha256.as_deref(),
                            image_pull_secret: wasm.image_pull_secret.as_deref(),
                            plugin_name: wasm.plugin_name.as_deref(),
                            vm_config: wasm.vm_config.as_ref(),
                        },
                    )
                });
            }
            check_traffic_selectors(v, &spec.match_);
        });
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn check(spec: &str) -> Vec<(String, Level)> {
        let yaml = format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {{name: t}}\nspec: {spec}"
        );
        let extension: TrafficExtension = serde_yaml::from_str(&yaml).expect("test input loads");
        extension.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn error_at(spec: &str, path: &str) {
        let found = check(spec);
        assert!(found.contains(&(path.to_owned(), Level::Error)), "expected an error at {path}, found {found:?}");
    }

    #[test]
    fn phase_values_are_istios() {
        let names: Vec<String> =
            [ExecutionPhase::Unspecified, ExecutionPhase::Authn, ExecutionPhase::Authz, ExecutionPhase::Stats]
                .iter()
                .map(|p| serde_json::to_value(p).unwrap().as_str().unwrap().to_owned())
                .collect();
        assert_eq!(names, ["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"]);
    }

    #[test]
    fn exactly_one_of_wasm_and_lua() {
        error_at("{}", "spec");
        error_at("{wasm: {url: test}, lua: {inlineCode: x}}", "spec");
        assert!(check("{lua: {inlineCode: 'function envoy_on_request(h) end'}}").is_empty());
        assert!(check("{wasm: {url: 'oci://r/p:1'}}").is_empty());
    }

    #[test]
    fn lua_code_is_1_to_65536_bytes() {
        error_at("{lua: {inlineCode: ''}}", "spec.lua.inlineCode");
        error_at(&format!("{{lua: {{inlineCode: {}}}}}", "x".repeat(65537)), "spec.lua.inlineCode");
    }

    #[test]
    fn wasm_module_follows_the_wasm_plugin_rules() {
        error_at("{wasm: {url: 'fake://x'}}", "spec.wasm.url");
        error_at("{wasm: {url: test, sha256: abc}}", "spec.wasm.sha256");
        error_at("{wasm: {url: test, imagePullSecret: ''}}", "spec.wasm.imagePullSecret");
        error_at("{wasm: {url: test, pluginName: ''}}", "spec.wasm.pluginName");
        error_at("{wasm: {url: test, vmConfig: {env: [{name: a}, {name: a}]}}}", "spec.wasm.vmConfig.env[1].name");
    }

    #[test]
    fn selector_and_target_refs_exclude_each_other() {
        error_at(
            "{lua: {inlineCode: x}, selector: {matchLabels: {a: b}}, targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g}]}",
            "spec",
        );
    }

    #[test]
    fn match_ports_need_a_number_in_range() {
        assert!(
            serde_yaml::from_str::<TrafficExtensionSpec>("{lua: {inlineCode: x}, match: [{ports: [{}]}]}").is_err()
        );
        error_at("{lua: {inlineCode: x}, match: [{ports: [{number: 65536}]}]}", "spec.match[0].ports[0].number");
    }

    #[test]
    fn target_ref_is_not_a_field() {
        let yaml = "apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {name: t}\nspec: {lua: {inlineCode: x}, targetRef: {kind: Gateway, name: g}}";
        assert!(serde_yaml::from_str::<TrafficExtension>(yaml).is_err());
    }
}
