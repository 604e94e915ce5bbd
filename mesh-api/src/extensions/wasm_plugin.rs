//! `WasmPlugin`: a WebAssembly filter loaded into the proxies of selected workloads.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::traffic_extension::TrafficSelector;
use crate::security::selection::check_selection;
use crate::security::url::{authority_problem, url_scheme};
use crate::validation::rules;
use crate::{IstioStatus, LabelSelector, PolicyTargetReference, Problem, Validate, Validator};

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

/// Longest image pull secret name.
const MAX_PULL_SECRET_LEN: usize = 253;
/// Longest plugin name, and longest environment variable name.
const MAX_NAME_LEN: usize = 256;
/// Most environment variables.
const MAX_ENV: usize = 256;
/// Longest environment variable value.
const MAX_ENV_VALUE_LEN: usize = 2048;

impl Validate for WasmPlugin {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "WasmPlugin", &self.metadata);
        v.field("spec", |v| {
            let spec = &self.spec;
            check_selection(v, spec.selector.as_ref(), spec.target_ref.as_ref(), &spec.target_refs);
            check_module(
                v,
                Module {
                    url: &spec.url,
                    sha256: spec.sha256.as_deref(),
                    image_pull_secret: spec.image_pull_secret.as_deref(),
                    plugin_name: spec.plugin_name.as_deref(),
                    vm_config: spec.vm_config.as_ref(),
                },
            );
            check_traffic_selectors(v, &spec.match_);
        });
        v.finish()
    }
}

/// The fields of a Wasm module that [`WasmPlugin`] and
/// [`WasmConfig`](super::WasmConfig) share.
pub(super) struct Module<'a> {
    pub(super) url: &'a str,
    pub(super) sha256: Option<&'a str>,
    pub(super) image_pull_secret: Option<&'a str>,
    pub(super) plugin_name: Option<&'a str>,
    pub(super) vm_config: Option<&'a VmConfig>,
}

/// Checks the module fields at the current path.
pub(super) fn check_module(v: &mut Validator, module: Module<'_>) {
    if let Some(problem) = module_url_problem(module.url) {
        v.error_at("url", problem);
    }
    if let Some(sha) = module.sha256.filter(|s| !s.is_empty())
        && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    {
        v.error_at("sha256", "sha256 must be 64 lower-case hexadecimal digits");
    }
    match module.image_pull_secret {
        Some("") => v.error_at("imagePullSecret", "the pull secret name must not be empty"),
        Some(s) if s.len() > MAX_PULL_SECRET_LEN => v.error_at(
            "imagePullSecret",
            format!("the pull secret name is at most {MAX_PULL_SECRET_LEN} characters long"),
        ),
        _ => {}
    }
    match module.plugin_name {
        Some("") => v.error_at("pluginName", "the plugin name must not be empty"),
        Some(s) if s.len() > MAX_NAME_LEN => {
            v.error_at("pluginName", format!("the plugin name is at most {MAX_NAME_LEN} characters long"))
        }
        _ => {}
    }
    if let Some(vm) = module.vm_config {
        v.field("vmConfig", |v| v.field("env", |v| check_env(v, &vm.env)));
    }
}

fn check_env(v: &mut Validator, env: &[EnvVar]) {
    if env.len() > MAX_ENV {
        v.error(format!("{} variables given; at most {MAX_ENV} are allowed", env.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, var) in env.iter().enumerate() {
        v.item(i, |v| {
            if var.name.is_empty() {
                v.error_at("name", "a variable name must not be empty");
            } else if var.name.len() > MAX_NAME_LEN {
                v.error_at("name", format!("a variable name is at most {MAX_NAME_LEN} characters long"));
            } else if !seen.insert(var.name.as_str()) {
                v.error_at("name", format!("variable {:?} is defined twice", var.name));
            }
            if let Some(value) = &var.value {
                if var.value_from == Some(EnvValueSource::Host) {
                    v.error_at("value", "a variable taken from the host takes no value; remove it or use INLINE");
                }
                if value.len() > MAX_ENV_VALUE_LEN {
                    v.error_at("value", format!("a variable value is at most {MAX_ENV_VALUE_LEN} characters long"));
                }
            }
        });
    }
}

/// Checks `match` at the current path: every port has a number from 1 to 65535, listed once.
pub(super) fn check_traffic_selectors(v: &mut Validator, selectors: &[TrafficSelector]) {
    v.field("match", |v| {
        for (i, selector) in selectors.iter().enumerate() {
            v.item(i, |v| {
                v.field("ports", |v| {
                    let mut seen = std::collections::HashSet::new();
                    for (j, port) in selector.ports.iter().enumerate() {
                        v.item(j, |v| {
                            let n = port.number;
                            v.field("number", |v| rules::check_port(v, n));
                            if !seen.insert(n) {
                                v.error_at("number", format!("port {n} is listed twice"));
                            }
                        });
                    }
                });
            });
        }
    });
}

/// Schemes a module URL may use; no scheme means an OCI image.
const MODULE_SCHEMES: [&str; 4] = ["file", "http", "https", "oci"];

/// Why a module URL is not acceptable, or `None`.
///
/// A URL with a scheme followed by `/` (`oci://`, `file:///`) must use one of the supported
/// schemes; anything else is read as an image reference, as if `http://` stood before it
/// (`registry:5000/image:tag`). Either way the authority must be well formed.
fn module_url_problem(url: &str) -> Option<String> {
    if url.is_empty() {
        return Some("a module URL is required".to_owned());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("module URL {url:?} must not contain spaces or control characters"));
    }
    let (scheme, rest) = match url_scheme(url) {
        Some(scheme) if url[scheme.len() + 1..].starts_with('/') => {
            let rest = url[scheme.len() + 1..].to_owned();
            (scheme, rest)
        }
        _ if url.starts_with('/') => return None,
        _ => ("http".to_owned(), format!("//{url}")),
    };
    if !MODULE_SCHEMES.contains(&scheme.as_str()) {
        return Some(format!("module URL scheme {scheme:?} is not supported; use oci, file, http or https"));
    }
    // The authority, when there is one, is what follows `//`, up to the next `/`.
    let authority = rest.strip_prefix("//")?;
    let authority = authority.split('/').next().unwrap_or_default();
    authority_problem(authority).map(|p| format!("module URL {url:?} is invalid: {p}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn check(spec: &str) -> Vec<(String, Level)> {
        let yaml =
            format!("apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {{name: w}}\nspec: {spec}");
        let plugin: WasmPlugin = serde_yaml::from_str(&yaml).expect("test input loads");
        plugin.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn error_at(spec: &str, path: &str) {
        let found = check(spec);
        assert!(found.contains(&(path.to_owned(), Level::Error)), "expected an error at {path}, found {found:?}");
    }

    fn names<T: Serialize>(values: &[T]) -> Vec<String> {
        values.iter().map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn enum_values_are_istios() {
        use super::super::WorkloadMode;
        assert_eq!(
            names(&[PluginType::UnspecifiedPluginType, PluginType::Http, PluginType::Network]),
            ["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"]
        );
        assert_eq!(
            names(&[PluginPhase::UnspecifiedPhase, PluginPhase::Authn, PluginPhase::Authz, PluginPhase::Stats]),
            ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"]
        );
        assert_eq!(
            names(&[PullPolicy::UnspecifiedPolicy, PullPolicy::IfNotPresent, PullPolicy::Always]),
            ["UNSPECIFIED_POLICY", "IfNotPresent", "Always"]
        );
        assert_eq!(
            names(&[FailStrategy::FailClose, FailStrategy::FailOpen, FailStrategy::FailReload]),
            ["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"]
        );
        assert_eq!(names(&[EnvValueSource::Inline, EnvValueSource::Host]), ["INLINE", "HOST"]);
        let modes =
            [WorkloadMode::Undefined, WorkloadMode::Client, WorkloadMode::Server, WorkloadMode::ClientAndServer];
        assert_eq!(names(&modes), ["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"]);
    }

    #[test]
    fn url_is_required() {
        error_at("{url: ''}", "spec.url");
        let yaml =
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: w}\nspec: {phase: AUTHN}";
        assert!(serde_yaml::from_str::<WasmPlugin>(yaml).is_err(), "a spec without url does not load");
    }

    #[test]
    fn url_scheme_is_oci_file_http_or_https() {
        for good in [
            "oci://registry:5000/plugin:latest",
            "file:///opt/filters/openid.wasm",
            "https://example.com/x.wasm",
            "test",
            "registry:5000/plugin:latest",
            "/opt/x.wasm",
        ] {
            assert!(check(&format!("{{url: '{good}'}}")).is_empty(), "{good}");
        }
        for bad in ["fake://example.com", "#%blah$#@", "http://exa mple.com", "http://host:port/x", "http://a%zz/x"] {
            error_at(&format!("{{url: '{bad}'}}"), "spec.url");
        }
    }

    #[test]
    fn sha256_is_64_lower_case_hex_digits() {
        error_at("{url: test, sha256: foo}", "spec.sha256");
        error_at(&format!("{{url: test, sha256: {}}}", "A".repeat(64)), "spec.sha256");
        assert!(check(&format!("{{url: test, sha256: {}}}", "0f".repeat(32))).is_empty());
        assert!(check("{url: test, sha256: ''}").is_empty());
    }

    #[test]
    fn image_pull_secret_is_1_to_253_characters() {
        error_at("{url: test, imagePullSecret: ''}", "spec.imagePullSecret");
        error_at(&format!("{{url: test, imagePullSecret: {}}}", "s".repeat(254)), "spec.imagePullSecret");
    }

    #[test]
    fn plugin_name_is_1_to_256_characters() {
        error_at("{url: test, pluginName: ''}", "spec.pluginName");
        error_at(&format!("{{url: test, pluginName: {}}}", "p".repeat(257)), "spec.pluginName");
    }

    #[test]
    fn env_names_are_set_unique_and_short() {
        error_at("{url: test, vmConfig: {env: [{name: ''}]}}", "spec.vmConfig.env[0].name");
        error_at("{url: test, vmConfig: {env: [{name: a}, {name: a}]}}", "spec.vmConfig.env[1].name");
        error_at(
            &format!("{{url: test, vmConfig: {{env: [{{name: {}}}]}}}}", "n".repeat(257)),
            "spec.vmConfig.env[0].name",
        );
    }

    #[test]
    fn env_from_host_takes_no_value() {
        error_at("{url: test, vmConfig: {env: [{name: a, valueFrom: HOST, value: v}]}}", "spec.vmConfig.env[0].value");
        assert!(check("{url: test, vmConfig: {env: [{name: a, valueFrom: HOST}, {name: b, value: v}]}}").is_empty());
    }

    #[test]
    fn env_values_are_at_most_2048_characters() {
        error_at(
            &format!("{{url: test, vmConfig: {{env: [{{name: a, value: {}}}]}}}}", "v".repeat(2049)),
            "spec.vmConfig.env[0].value",
        );
    }

    #[test]
    fn env_holds_at_most_256_variables() {
        let env = (0..257).map(|i| format!("{{name: v{i}}}")).collect::<Vec<_>>().join(",");
        error_at(&format!("{{url: test, vmConfig: {{env: [{env}]}}}}"), "spec.vmConfig.env");
    }

    #[test]
    fn match_ports_need_a_number_in_range_listed_once() {
        assert!(serde_yaml::from_str::<WasmPluginSpec>("{url: test, match: [{ports: [{}]}]}").is_err());
        error_at("{url: test, match: [{ports: [{number: 0}]}]}", "spec.match[0].ports[0].number");
        error_at("{url: test, match: [{ports: [{number: 70000}]}]}", "spec.match[0].ports[0].number");
        error_at("{url: test, match: [{ports: [{number: 80}, {number: 80}]}]}", "spec.match[0].ports[1].number");
        assert!(check("{url: test, match: [{mode: CLIENT, ports: [{number: 80}, {number: 443}]}]}").is_empty());
    }

    #[test]
    fn selector_and_target_refs_exclude_each_other() {
        error_at(
            "{url: test, selector: {matchLabels: {a: b}}, targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g}]}",
            "spec",
        );
    }

    #[test]
    fn selector_refuses_wildcards() {
        error_at("{url: test, selector: {matchLabels: {istio: 'bar*'}}}", "spec.selector.matchLabels.istio");
    }

    #[test]
    fn plugin_config_keeps_any_json() {
        let yaml = "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: w}\nspec: {url: test, pluginConfig: {a: [1, {b: null}], c: x}}";
        let plugin: WasmPlugin = serde_yaml::from_str(yaml).unwrap();
        let config = plugin.spec.plugin_config.unwrap();
        assert_eq!(serde_json::Value::Object(config), serde_json::json!({"a": [1, {"b": null}], "c": "x"}));
    }
}
