//! `WasmPlugin`: a WebAssembly filter loaded into the proxies of selected workloads.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::traffic_extension::TrafficSelector;
use crate::{IstioStatus, LabelSelector, PolicyTargetReference};

/// A WebAssembly module added to the HTTP (or network) filter chain of the selected proxies.
///
/// Plugins run in `phase` order, then by descending `priority`; the module comes from `url`
/// (an OCI image by default, or `file://`, `http://`, `https://`).
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "extensions.istio.io",
    version = "v1alpha1",
    kind = "WasmPlugin",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    category = "istio-io",
    category = "extensions-istio-io",
    doc = "An Istio `WasmPlugin` (`extensions.istio.io/v1alpha1`): a WebAssembly filter for the proxies of selected workloads.",
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WasmPluginSpec {
    /// The workloads that load the plugin, by labels; absent (and no target references), every
    /// workload in the namespace, or the mesh in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// A single resource (such as a Gateway API `Gateway`) the plugin attaches to instead of a
    /// selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources the plugin attaches to instead of a selector (at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Where the module comes from: `oci://` (the default when no scheme is given), `file://`,
    /// `http://` or `https://`.
    pub url: String,
    /// Expected SHA-256 of the module, 64 lower-case hex digits; checked after download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When to fetch the image again; like Kubernetes image pull policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Name of a pull secret (in the plugin's namespace) for a private OCI registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secret: Option<String>,
    /// Public key used to verify the module's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_key: Option<String>,
    /// Configuration handed to the plugin as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub plugin_config: Option<serde_json::Map<String, serde_json::Value>>,
    /// The plugin's name inside the module, for modules that hold several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_name: Option<String>,
    /// Where in the filter chain the plugin goes, relative to Istio's own filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<PluginPhase>,
    /// Order among plugins of the same phase: higher runs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// What the proxy does when the module cannot be fetched or fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_strategy: Option<FailStrategy>,
    /// Settings of the virtual machine the plugin runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_config: Option<VmConfig>,
    /// Traffic the plugin applies to (side and ports); any entry may match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(rename = "match")]
    pub match_: Vec<TrafficSelector>,
    /// Whether the plugin is an HTTP or a network filter; HTTP when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub type_: Option<PluginType>,
}

impl WasmPluginSpec {
    /// A plugin loaded from `url`, with nothing else set.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            selector: None,
            target_ref: None,
            target_refs: Vec::new(),
            url: url.into(),
            sha256: None,
            image_pull_policy: None,
            image_pull_secret: None,
            verification_key: None,
            plugin_config: None,
            plugin_name: None,
            phase: None,
            priority: None,
            fail_strategy: None,
            vm_config: None,
            match_: Vec::new(),
            type_: None,
        }
    }
}

/// The kind of filter a plugin is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PluginType {
    /// Not set; taken as `HTTP`.
    #[default]
    UnspecifiedPluginType,
    /// An HTTP filter.
    Http,
    /// A network (TCP) filter.
    Network,
}

/// Where a plugin goes in the filter chain of a [`WasmPlugin`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PluginPhase {
    /// Not set: at the end of the chain, just before the router.
    #[default]
    UnspecifiedPhase,
    /// Before Istio's authentication filters.
    Authn,
    /// Before Istio's authorization filters, after authentication.
    Authz,
    /// Before Istio's stats filters, after authorization.
    Stats,
}

/// When a module image is fetched again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Not set: `Always` for images tagged `latest`, else `IfNotPresent`.
    #[default]
    #[serde(rename = "UNSPECIFIED_POLICY")]
    UnspecifiedPolicy,
    /// Reuse a cached copy when there is one.
    IfNotPresent,
    /// Fetch the image whenever the plugin is (re)applied.
    Always,
}

/// What happens when a plugin cannot be loaded or fails at run time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailStrategy {
    /// Fail the request (the default).
    #[default]
    FailClose,
    /// Skip the plugin and carry on.
    FailOpen,
    /// Reload the plugin and carry on; fail the request if reloading fails.
    FailReload,
}

/// Settings of the virtual machine a plugin runs in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmConfig {
    /// Environment variables visible to the plugin (names unique, at most 256).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

/// An environment variable of a plugin's virtual machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    /// The variable name; unique within `env`.
    pub name: String,
    /// Where the value comes from: `value` (the default) or the proxy's own environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvValueSource>,
    /// The value, for `INLINE` variables only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Where an [`EnvVar`] takes its value from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvValueSource {
    /// From the `value` field.
    #[default]
    Inline,
    /// From the variable of the same name in the proxy's environment.
    Host,
}
