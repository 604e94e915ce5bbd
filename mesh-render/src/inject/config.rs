//! Injection inputs given as text, the way `istioctl kube-inject` reads them offline: the
//! injection config (`--injectConfigFile`), a values tree (`--valuesFile`), a mesh config
//! (`--meshConfigFile`), an IstioOperator (`--operatorFileName`) and `--set` flags.

use indexmap::IndexMap;
use mesh_api::install::{MeshConfig, Values};
use serde_json::Value;

use super::settings::merge_json;
use super::{InjectError, InjectionSettings, NativeSidecars};
use crate::overlays::{Merged, Overlays};

/// The injection config: what the `config` key of Istio's `istio-sidecar-injector` ConfigMap
/// holds.
///
/// # Examples
///
/// ```
/// use mesh_render::inject::InjectConfig;
///
/// let config = InjectConfig::parse("policy: disabled\ntemplates:\n  extra: |\n    metadata:\n      labels: {a: b}\n")?;
/// assert_eq!(config.policy.as_deref(), Some("disabled"));
/// assert!(config.templates.contains_key("extra"));
/// // Text that is not an injection config is a `sidecar` template, as istioctl reads it.
/// let bare = InjectConfig::parse("spec:\n  containers:\n  - name: istio-proxy\n")?;
/// assert_eq!(bare.templates.keys().collect::<Vec<_>>(), ["sidecar"]);
/// # Ok::<(), mesh_render::inject::InjectError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InjectConfig {
    /// Templates by name, as Go template text.
    pub templates: IndexMap<String, String>,
    /// `enabled` or `disabled`: whether pods without an explicit choice are injected.
    pub policy: Option<String>,
    /// Templates for pods that name none.
    pub default_templates: Vec<String>,
    /// Names standing for several templates.
    pub aliases: IndexMap<String, Vec<String>>,
    /// Label selectors of pods never injected.
    pub never_inject_selector: Vec<Value>,
    /// Label selectors of pods always injected.
    pub always_inject_selector: Vec<Value>,
    /// Annotations added to injected pods.
    pub injected_annotations: IndexMap<String, String>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

fn text_of(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

impl InjectConfig {
    /// Reads an injection config from text: a ConfigMap (its `data.config` is read), the
    /// config itself (`templates`, `policy`, `defaultTemplates`, `aliases`, the selectors,
    /// `injectedAnnotations`; the old single `template` counts as `sidecar`), or, when the
    /// text is neither (not YAML, or no templates in it), a bare `sidecar` template, as
    /// `istioctl kube-inject --injectConfigFile` accepts.
    ///
    /// # Errors
    ///
    /// [`InjectError::Config`] when a ConfigMap has no `config` key.
    pub fn parse(text: &str) -> Result<Self, InjectError> {
        let parsed = mesh_api::read_untyped(text).into_iter().next().and_then(Result::ok);
        let parsed = match parsed {
            Some(doc) if doc.get("kind").and_then(Value::as_str) == Some("ConfigMap") => {
                let Some(config) = doc.pointer("/data/config").and_then(Value::as_str) else {
                    return Err(InjectError::Config {
                        message: "the ConfigMap has no `config` key in its data".to_owned(),
                    });
                };
                return Self::parse(config);
            }
            other => other,
        };
        let mut config = InjectConfig::default();
        let Some(Value::Object(map)) = parsed else {
            config.templates.insert("sidecar".to_owned(), text.to_owned());
            return Ok(config);
        };
        if let Some(template) = map.get("template").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            config.templates.insert("sidecar".to_owned(), template.to_owned());
        }
        for (name, template) in map.get("templates").and_then(Value::as_object).into_iter().flatten() {
            config.templates.insert(name.clone(), text_of(template));
        }
        if config.templates.is_empty() {
            config.templates.insert("sidecar".to_owned(), text.to_owned());
            return Ok(config);
        }
        config.policy = map.get("policy").and_then(Value::as_str).map(str::to_owned);
        config.default_templates = strings(map.get("defaultTemplates"));
        for (name, list) in map.get("aliases").and_then(Value::as_object).into_iter().flatten() {
            config.aliases.insert(name.clone(), strings(Some(list)));
        }
        config.never_inject_selector =
            map.get("neverInjectSelector").and_then(Value::as_array).cloned().unwrap_or_default();
        config.always_inject_selector =
            map.get("alwaysInjectSelector").and_then(Value::as_array).cloned().unwrap_or_default();
        for (key, value) in map.get("injectedAnnotations").and_then(Value::as_object).into_iter().flatten() {
            config.injected_annotations.insert(key.clone(), text_of(value));
        }
        Ok(config)
    }

    /// Only the templates: what `istioctl kube-inject` takes from an injection config (it
    /// injects with policy `enabled`, the `sidecar` default template and no extra
    /// annotations, whatever the config says).
    pub fn templates_only(&self) -> Self {
        Self { templates: self.templates.clone(), ..Self::default() }
    }
}

/// Decodes `value` as `T`, leaving out (with a warning each, ending with `note`) keys `T` does
/// not declare, as istioctl's readers ignore them.
fn decode_lenient<T: serde::de::DeserializeOwned>(
    origin: &str,
    mut value: Value,
    note: &str,
    warnings: &mut Vec<String>,
) -> Result<T, InjectError> {
    if value.is_null() {
        value = Value::Object(serde_json::Map::new());
    }
    let fail = |e: &dyn std::fmt::Display| InjectError::Config { message: format!("{origin}: {e}") };
    loop {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(read) => return Ok(read),
            Err(e) if e.inner().to_string().starts_with("unknown field") => {
                let full = e.path().to_string();
                let (parent, key) = full.rsplit_once('.').unwrap_or((".", full.as_str()));
                let removed = locate(&mut value, parent)
                    .and_then(Value::as_object_mut)
                    .and_then(|map| map.shift_remove(key))
                    .is_some();
                if !removed {
                    return Err(fail(&e));
                }
                warnings.push(format!("{origin}: unknown key {full} {note}"));
            }
            Err(e) => return Err(fail(&e)),
        }
    }
}

/// How a values key Istio does not declare is reported: it is kept for text templates.
const TEMPLATES_ONLY: &str = "kept for text templates only";

/// The value at a path as serde_path_to_error prints it (`.` for the root).
fn locate<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    if path == "." {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match key.strip_suffix(']').and_then(|k| k.split_once('[')) {
        Some((name, index)) => v.get_mut(name)?.get_mut(index.parse::<usize>().ok()?),
        None => v.get_mut(key),
    })
}

/// One YAML document as data (an empty text is an empty map).
fn read_document(origin: &str, text: &str) -> Result<Value, InjectError> {
    match mesh_api::read_untyped(text).into_iter().next() {
        None => Ok(Value::Object(serde_json::Map::new())),
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(InjectError::Config { message: format!("{origin}: {e}") }),
    }
}

impl InjectionSettings {
    /// Applies a values tree given as data: the keys the values schema declares are applied
    /// as [`apply_values`](Self::apply_values) does, the others are kept for text templates
    /// (`.Values`) and reported in the returned warnings.
    ///
    /// # Errors
    ///
    /// [`InjectError::Config`] when a declared key has a value of the wrong type.
    pub fn apply_values_tree(&mut self, origin: &str, tree: &Value) -> Result<Vec<String>, InjectError> {
        let mut warnings = Vec::new();
        let values: Values = decode_lenient(origin, tree.clone(), TEMPLATES_ONLY, &mut warnings)?;
        self.apply_values(&values);
        if tree.is_object() {
            merge_json(&mut self.values_tree, tree.clone());
        }
        Ok(warnings)
    }

    /// Applies an injection config: its templates, policy, default templates, aliases,
    /// selectors and injected annotations (what istiod's injector reads from it).
    pub fn apply_inject_config(&mut self, config: &InjectConfig) -> &mut Self {
        for (name, text) in &config.templates {
            self.templates.insert(name.clone(), text.clone());
        }
        if let Some(policy) = &config.policy {
            policy.clone_into(&mut self.auto_inject);
        }
        if !config.default_templates.is_empty() {
            self.default_templates.clone_from(&config.default_templates);
        }
        for (name, list) in &config.aliases {
            self.aliases.insert(name.clone(), list.clone());
        }
        if !config.never_inject_selector.is_empty() {
            self.never_inject_selector.clone_from(&config.never_inject_selector);
        }
        if !config.always_inject_selector.is_empty() {
            self.always_inject_selector.clone_from(&config.always_inject_selector);
        }
        for (key, value) in &config.injected_annotations {
            self.injected_annotations.insert(key.clone(), value.clone());
        }
        self
    }

    /// Applies a merged installation the way its charts hand it to the injector: the values
    /// istiod's chart ends up with (chart defaults, the chart profile, the user's values and
    /// the translated `hub`, `tag`, `revision`, `meshConfig` and CNI switch).
    ///
    /// # Errors
    ///
    /// [`InjectError::Config`] when a value has the wrong type for the injector.
    pub fn apply_merged(&mut self, merged: &Merged) -> Result<Vec<String>, InjectError> {
        let values = crate::manifest::effective_values(merged);
        let mut warnings = Vec::new();
        let typed: Values = decode_lenient("values", values.clone(), TEMPLATES_ONLY, &mut Vec::new())?;
        self.apply_values(&typed);
        if let Some(rev) = merged.operator().spec.revision.as_deref() {
            self.revision = if rev == "default" { String::new() } else { rev.to_owned() };
        }
        merge_json(&mut self.values_tree, values);
        warnings.extend(merged.warnings().iter().cloned());
        Ok(warnings)
    }
}

/// The inputs of `istioctl kube-inject` without a cluster, turned into [`InjectionSettings`].
///
/// Order: the chart defaults with native sidecars left to `auto` (off without a cluster);
/// the installation `--operatorFileName` and the `--set` flags describe, merged over its
/// profile as `manifest generate` merges them; then `--valuesFile` and `--meshConfigFile`;
/// then again what the IstioOperator and the flags set themselves (`hub`, `tag`, `revision`,
/// `meshConfig`, the CNI switch, `values`), so they win over the files, as istioctl lets the
/// IstioOperator override them; then the templates of `--injectConfigFile`; then
/// `--revision` and `--native-sidecars`. Inputs are given as text, each with the name errors
/// should use.
///
/// # Examples
///
/// ```
/// use mesh_render::inject::{KubeInject, NativeSidecars};
///
/// let (settings, warnings) = KubeInject::new()
///     .values("values.yaml", "global:\n  hub: example.com/istio\n  suffix: x\n")
///     .set("values.global.tag=1.0")
///     .native_sidecars(NativeSidecars::On)
///     .settings()?;
/// assert_eq!(settings.proxy_image(), "example.com/istio/proxyv2:1.0");
/// assert_eq!(warnings, ["values.yaml: unknown key global.suffix kept for text templates only"]);
/// # Ok::<(), mesh_render::inject::InjectError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct KubeInject {
    operator: Option<(String, String)>,
    values: Option<(String, String)>,
    mesh_config: Option<(String, String)>,
    inject_config: Option<(String, String)>,
    set: Vec<String>,
    revision: Option<String>,
    native_sidecars: NativeSidecars,
}

impl KubeInject {
    /// No inputs: the chart defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `--operatorFileName`: an IstioOperator.
    pub fn operator(&mut self, origin: &str, text: &str) -> &mut Self {
        self.operator = Some((origin.to_owned(), text.to_owned()));
        self
    }

    /// `--valuesFile`: a Helm values tree (the `values` key of the injector ConfigMap).
    pub fn values(&mut self, origin: &str, text: &str) -> &mut Self {
        self.values = Some((origin.to_owned(), text.to_owned()));
        self
    }

    /// `--meshConfigFile`: a mesh config (the `mesh` key of the `istio` ConfigMap).
    pub fn mesh_config(&mut self, origin: &str, text: &str) -> &mut Self {
        self.mesh_config = Some((origin.to_owned(), text.to_owned()));
        self
    }

    /// `--injectConfigFile`: an injection config, its ConfigMap, or a bare template.
    pub fn inject_config(&mut self, origin: &str, text: &str) -> &mut Self {
        self.inject_config = Some((origin.to_owned(), text.to_owned()));
        self
    }

    /// `--set path=value`, with `manifest generate`'s syntax, over the IstioOperator.
    pub fn set(&mut self, flag: &str) -> &mut Self {
        self.set.push(flag.to_owned());
        self
    }

    /// `--revision`: the control-plane revision (`default` means none).
    pub fn revision(&mut self, revision: &str) -> &mut Self {
        self.revision = Some(revision.to_owned());
        self
    }

    /// `--native-sidecars`: `auto` (the default: off without a cluster), on or off.
    pub fn native_sidecars(&mut self, native: NativeSidecars) -> &mut Self {
        self.native_sidecars = native;
        self
    }

    /// The settings, with the warnings to print (unknown keys left out of the files, the
    /// merge's warnings).
    ///
    /// # Errors
    ///
    /// [`InjectError::Config`] naming the input that failed.
    pub fn settings(&self) -> Result<(InjectionSettings, Vec<String>), InjectError> {
        let mut settings = InjectionSettings::offline();
        let mut warnings = Vec::new();
        // The installation the IstioOperator and flags describe, as the charts see it.
        let mut user = None;
        if self.operator.is_some() || !self.set.is_empty() {
            let config = |e: crate::Error| InjectError::Config { message: e.to_string() };
            let mut overlays = Overlays::new();
            if let Some((origin, text)) = &self.operator {
                overlays.yaml(origin, text).map_err(config)?;
            }
            for flag in &self.set {
                overlays.set(flag).map_err(config)?;
            }
            let merged = overlays.merge().map_err(config)?;
            warnings.extend(settings.apply_merged(&merged)?);
            let own = overlays.user_config().map_err(config)?;
            user = Some(crate::overlays::check("the IstioOperator and --set flags".to_owned(), &own).map_err(config)?);
        }
        if let Some((origin, text)) = &self.values {
            let tree = read_document(origin, text)?;
            warnings.extend(settings.apply_values_tree(origin, &tree)?);
        }
        if let Some((origin, text)) = &self.mesh_config {
            let mesh: MeshConfig = decode_lenient(origin, read_document(origin, text)?, "ignored", &mut warnings)?;
            settings.apply_mesh_config(&mesh);
        }
        // What the IstioOperator and flags say themselves wins over the files.
        if let Some(user) = &user {
            settings.apply_operator(user);
        }
        if let Some((origin, text)) = &self.inject_config {
            let parsed =
                InjectConfig::parse(text).map_err(|e| InjectError::Config { message: format!("{origin}: {e}") })?;
            settings.apply_inject_config(&parsed.templates_only());
        }
        if let Some(revision) = &self.revision {
            settings.revision = if revision == "default" { String::new() } else { revision.clone() };
        }
        settings.native_sidecars = self.native_sidecars;
        Ok((settings, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_map_is_read_through_its_config_key() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio-sidecar-injector}\ndata:\n  config: |\n    policy: enabled\n    defaultTemplates: [sidecar, extra]\n    templates:\n      extra: 'metadata: {}'\n";
        let config = InjectConfig::parse(text).expect("parses");
        assert_eq!(config.default_templates, ["sidecar", "extra"]);
        assert_eq!(config.templates["extra"], "metadata: {}");
        let err = InjectConfig::parse("kind: ConfigMap\ndata: {}\n").expect_err("no config key");
        assert!(err.to_string().contains("`config`"), "{err}");
    }

    #[test]
    fn text_that_is_not_yaml_is_a_sidecar_template() {
        let text = "{{ if .A }}\nspec: {}\n{{ end }}\n";
        assert_eq!(InjectConfig::parse(text).expect("parses").templates["sidecar"], text);
    }

    #[test]
    fn the_whole_config_applies_to_the_webhook_settings() {
        let config = InjectConfig::parse(
            "policy: disabled\nneverInjectSelector: [{matchLabels: {a: b}}]\ninjectedAnnotations: {x: y}\ntemplates: {t: ''}\n",
        )
        .expect("parses");
        let mut settings = InjectionSettings::default();
        settings.apply_inject_config(&config);
        assert_eq!(settings.auto_inject, "disabled");
        assert_eq!(settings.never_inject_selector.len(), 1);
        assert_eq!(settings.injected_annotations["x"], "y");
        let mut kube = InjectionSettings::default();
        kube.apply_inject_config(&config.templates_only());
        assert_eq!(kube.auto_inject, "enabled");
        assert!(kube.templates.contains_key("t"));
    }

    #[test]
    fn the_operator_and_flags_win_over_the_values_file() {
        let (settings, _) = KubeInject::new()
            .values("v.yaml", "global:\n  tag: from-file\n")
            .operator("iop.yaml", "spec:\n  values:\n    global:\n      tag: from-iop\n")
            .set("values.global.hub=example.com")
            .revision("canary")
            .settings()
            .expect("settings");
        assert_eq!(settings.proxy_image(), "example.com/proxyv2:from-iop");
        assert_eq!(settings.revision, "canary");
        assert!(!settings.native_sidecars_enabled());
    }

    #[test]
    fn errors_name_the_input() {
        let err = KubeInject::new().set("values.global.hubb=x").settings().expect_err("unknown field");
        assert!(err.to_string().contains("did you mean \"hub\""), "{err}");
        let err = KubeInject::new().mesh_config("mesh.yaml", "trustDomain: [1]\n").settings().expect_err("bad type");
        assert!(err.to_string().starts_with("mesh.yaml: "), "{err}");
    }
}
