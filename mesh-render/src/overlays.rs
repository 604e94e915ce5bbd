//! The user's inputs (`-f` files and `--set` flags) and the merge that lays them over a profile.

use std::path::{Path, PathBuf};

use mesh_api::FieldPath;
use mesh_api::install::{GatewayComponentSpec, IstioOperator};
use serde_json::{Map, Value, json};

use crate::dump::{DumpFormat, dump};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::set::SetFlag;
use crate::tree::{ListMerge, merge};

/// What `istioctl` is given on its command line: overlay files (`-f`, in order) and `--set`
/// flags (in order), merged over a profile.
///
/// The merge follows Istio's order:
///
/// 1. the files, each merged over the previous ones, then the flags, each applied in turn:
///    together the *user configuration*;
/// 2. the profile it names (`spec.profile`, else `default`) merged over `default`; profiles
///    are read from `spec.installPackagePath`'s `profiles/` folder when that is set;
/// 3. the user configuration merged over the profile;
/// 4. the translation of top-level fields into Helm values: `hub` to `values.global.hub`,
///    `tag` to `values.global.tag` (kept a string), `revision` to `values.revision`,
///    `compatibilityVersion` to `values.compatibilityVersion`, `meshConfig` merged into
///    `values.meshConfig`; `values.pilot.enabled` and `values.pilot.cni.enabled` copied from
///    `components.pilot.enabled` and `components.cni.enabled` (false when not written as a
///    boolean, as in Istio); `metadata.namespace` set from `values.global.istioNamespace`;
/// 5. the user's own `spec.values` merged once more, so explicit values win over step 4.
///
/// Maps merge key by key and everything else replaces, lists included; see [`ListMerge`] for
/// the name-merge of gateway lists that Istio 1.12 to 1.23 used. `spec.unvalidatedValues` is
/// carried along untouched.
///
/// Each file is checked against the IstioOperator schema when added, and the user
/// configuration again after each flag, so an error names the file or flag that caused it.
/// [`Overlays::merge`] then runs istioctl's checks on the result (hub, tag, revision, gateway
/// names and ports, values, mesh config): errors stop the merge, warnings are kept in
/// [`Merged::warnings`].
///
/// With [`Overlays::force`] (istioctl's `--force`), errors become warnings and the merge goes
/// on: a field the schema refuses is left out of the configuration (istioctl passes it to the
/// charts, which ignore what they do not read), and the checks' errors are reported, not
/// fatal. Set it before adding files, since files are checked as they are added.
///
/// # Examples
///
/// ```
/// use mesh_render::Overlays;
///
/// let merged = Overlays::new()
///     .yaml("user.yaml", "spec:\n  profile: demo\n  tag: 1.24.0\n")?
///     .set("values.pilot.autoscaleMin=2")?
///     .merge()?;
/// let values = merged.operator().spec.values.as_ref().unwrap();
/// assert_eq!(values.global.as_ref().unwrap().tag, Some(serde_json::json!("1.24.0")));
/// assert_eq!(values.pilot.as_ref().unwrap().autoscale_min, Some(2));
/// assert_eq!(values.profile.as_deref(), Some("demo"));
/// # Ok::<(), mesh_render::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Overlays {
    files: Vec<(String, Value)>,
    flags: Vec<SetFlag>,
    lists: ListMerge,
    force: bool,
    /// What `force` let through while files were added.
    warnings: Vec<String>,
}

impl Overlays {
    /// No files, no flags: merging gives the `default` profile.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an overlay file, read now.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the file cannot be read; otherwise as [`Overlays::yaml`].
    pub fn file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        self.yaml(&path.display().to_string(), &text)
    }

    /// Adds an overlay given as text; `origin` names it in errors.
    ///
    /// An empty document, and `spec: null`, count as no change.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] when it is not YAML, [`Error::MultipleDocuments`] for more than one
    /// document, [`Error::NotAMapping`] for a list or scalar, [`Error::Invalid`] when it does
    /// not fit the IstioOperator schema (unknown fields name the nearest known one).
    pub fn yaml(&mut self, origin: &str, text: &str) -> Result<&mut Self> {
        let documents = mesh_api::read_untyped(text);
        if documents.len() > 1 {
            return Err(Error::MultipleDocuments { origin: origin.to_owned(), count: documents.len() });
        }
        let tree = match documents.into_iter().next() {
            None => Value::Object(Map::new()),
            Some(Err(e)) => return Err(Error::Syntax { origin: origin.to_owned(), message: syntax_message(&e) }),
            Some(Ok(Value::Null)) => Value::Object(Map::new()),
            Some(Ok(Value::Object(mut map))) => {
                if map.get("spec").is_some_and(Value::is_null) {
                    map.remove("spec");
                }
                Value::Object(map)
            }
            Some(Ok(other)) => {
                return Err(Error::NotAMapping {
                    origin: origin.to_owned(),
                    found: crate::set::kind_of(&other).to_owned(),
                });
            }
        };
        let mut tree = tree;
        check_forced(origin, &mut tree, self.force, &mut self.warnings)?;
        self.files.push((origin.to_owned(), tree));
        Ok(self)
    }

    /// Adds a `--set path=value` flag.
    ///
    /// # Errors
    ///
    /// [`Error::SetSyntax`] when the flag is malformed (see [`SetFlag::parse`]).
    pub fn set(&mut self, flag: &str) -> Result<&mut Self> {
        self.flags.push(SetFlag::parse(flag)?);
        Ok(self)
    }

    /// Adds a parsed flag.
    pub fn set_flag(&mut self, flag: SetFlag) -> &mut Self {
        self.flags.push(flag);
        self
    }

    /// istioctl's `--force`: proceed despite validation errors, reporting them as warnings
    /// (see the type's documentation). Set it before adding files.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_render::Overlays;
    ///
    /// let bad = "spec:\n  values:\n    global:\n      badKey: x\n";
    /// assert!(Overlays::new().yaml("bad.yaml", bad).is_err());
    /// let merged = Overlays::new().force(true).yaml("bad.yaml", bad)?.merge()?;
    /// assert!(merged.warnings()[0].contains("badKey"), "{:?}", merged.warnings());
    /// # Ok::<(), mesh_render::Error>(())
    /// ```
    pub fn force(&mut self, force: bool) -> &mut Self {
        self.force = force;
        self
    }

    /// Chooses how lists merge (default: [`ListMerge::Replace`], current Istio).
    pub fn list_merge(&mut self, lists: ListMerge) -> &mut Self {
        self.lists = lists;
        self
    }

    /// The user configuration: the files merged in order, then the flags applied in order,
    /// over an empty IstioOperator.
    ///
    /// # Errors
    ///
    /// [`Error::SetPath`] when a flag's path cannot be followed, [`Error::Invalid`] naming the
    /// flag after which the configuration no longer fits the schema.
    pub fn user_config(&self) -> Result<Value> {
        self.user_config_noting(&mut Vec::new())
    }

    /// [`Overlays::user_config`], keeping what `force` let through in `warnings`.
    fn user_config_noting(&self, warnings: &mut Vec<String>) -> Result<Value> {
        let mut user = json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "metadata": {},
            "spec": {}
        });
        for (_, tree) in &self.files {
            merge(&mut user, tree, self.lists);
        }
        for flag in &self.flags {
            flag.apply(&mut user)?;
            check_forced(&format!("--set {flag}"), &mut user, self.force, warnings)?;
        }
        Ok(user)
    }

    /// The profile merged with the user configuration, before the translation into values
    /// (steps 1 to 3), with `spec.profile` filled in: what a profile dump prints.
    ///
    /// # Errors
    ///
    /// As [`Overlays::user_config`], plus [`Error::UnknownProfile`] and [`Error::ProfileFile`].
    pub fn untranslated(&self) -> Result<Value> {
        let (_, mut tree, profile) = self.layered(&mut Vec::new())?;
        if let Some(spec) = tree.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("profile".into(), Value::String(profile));
        }
        Ok(tree)
    }

    /// Prints [`Overlays::untranslated`] as `istioctl profile dump` did (Istio 1.23).
    ///
    /// # Errors
    ///
    /// As [`Overlays::untranslated`], plus [`Error::ConfigPath`].
    pub fn dump(&self, config_path: Option<&str>, format: DumpFormat) -> Result<String> {
        dump(&self.untranslated()?, config_path, format)
    }

    /// Runs the whole merge, checks the result against the IstioOperator schema, then runs
    /// istioctl's validation on it ([`Merged::validate`]).
    ///
    /// # Errors
    ///
    /// Any error of the steps above; [`Error::Invalid`] with origin `merged configuration`
    /// when only the combination fails the schema; [`Error::Validation`] listing every error
    /// the validation found (unless [`Overlays::force`] is on).
    pub fn merge(&self) -> Result<Merged> {
        let mut warnings = self.warnings.clone();
        let (user, mut tree, profile) = self.layered(&mut warnings)?;
        translate(&mut tree)?;
        if let Some(values) = user.pointer("/spec/values").filter(|v| v.is_object()) {
            merge(&mut tree, &json!({"spec": {"values": values}}), ListMerge::Replace);
        }
        let operator = check_forced("merged configuration", &mut tree, self.force, &mut warnings)?;
        let mut merged = Merged { operator, tree, profile, warnings: Vec::new() };
        let problems = merged.validate();
        let (errors, notes): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| p.level == mesh_api::Level::Error);
        if !errors.is_empty() {
            if !self.force {
                return Err(Error::Validation { problems: errors.iter().map(ToString::to_string).collect() });
            }
            warnings.extend(errors.iter().map(|p| format!("{p} (continuing because of --force)")));
        }
        warnings.extend(notes.iter().map(ToString::to_string));
        merged.warnings = warnings;
        Ok(merged)
    }

    /// Steps 1 to 3: the user configuration, the layered tree and the profile name.
    fn layered(&self, warnings: &mut Vec<String>) -> Result<(Value, Value, String)> {
        let user = self.user_config_noting(warnings)?;
        let text =
            |key: &str| user.get("spec").and_then(|s| s.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty());
        let profile = text("profile").unwrap_or("default").to_owned();
        let mut tree = match text("installPackagePath") {
            Some(dir) => read_package_profile(Path::new(dir), &profile)?,
            None => Profile::named(&profile)?.merged(),
        };
        merge(&mut tree, &user, self.lists);
        Ok((user, tree, profile))
    }
}

/// Reads `profiles/default.yaml` and `profiles/<name>.yaml` of a package folder, merged.
fn read_package_profile(dir: &Path, name: &str) -> Result<Value> {
    let read = |profile: &str| -> Result<Value> {
        let path: PathBuf = dir.join("profiles").join(format!("{profile}.yaml"));
        let fail = |message: String| Error::ProfileFile { name: profile.to_owned(), dir: dir.to_owned(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
        match mesh_api::read_untyped(&text).into_iter().next() {
            Some(Ok(value @ Value::Object(_))) => Ok(value),
            Some(Err(e)) => Err(fail(syntax_message(&e))),
            _ => Err(fail("not an IstioOperator mapping".into())),
        }
    };
    let mut base = read("default")?;
    if name != "default" {
        merge(&mut base, &read(name)?, ListMerge::Replace);
    }
    Ok(base)
}

/// Step 4: top-level fields into Helm values.
fn translate(tree: &mut Value) -> Result<()> {
    let spec = tree.get("spec").cloned().unwrap_or(Value::Null);
    for (from, to) in [
        ("hub", "global.hub"),
        ("tag", "global.tag"),
        ("revision", "revision"),
        ("compatibilityVersion", "compatibilityVersion"),
    ] {
        let text = match spec.get(from) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        SetFlag::parse(&format!("values.{to}={text}"))?.apply(tree)?;
    }
    if let Some(mesh) = spec.get("meshConfig").filter(|m| m.is_object()) {
        merge(tree, &json!({"spec": {"values": {"meshConfig": mesh}}}), ListMerge::Replace);
    }
    let enabled = |component: &str| {
        spec.pointer(&format!("/components/{component}/enabled")).and_then(Value::as_bool).unwrap_or(false)
    };
    let (pilot, cni) = (enabled("pilot"), enabled("cni"));
    SetFlag::parse(&format!("values.pilot.enabled={pilot}"))?.apply(tree)?;
    SetFlag::parse(&format!("values.pilot.cni.enabled={cni}"))?.apply(tree)?;
    let namespace = tree.pointer("/spec/values/global/istioNamespace").and_then(Value::as_str).map(str::to_owned);
    if let Some(namespace) = namespace.filter(|n| !n.is_empty()) {
        if !tree.get("metadata").is_some_and(Value::is_object) {
            tree["metadata"] = Value::Object(Map::new());
        }
        tree["metadata"]["namespace"] = Value::String(namespace);
    }
    Ok(())
}

/// [`check`]; with `force`, a field the schema refuses is removed from `tree` (and noted in
/// `warnings`) until the rest fits.
fn check_forced(origin: &str, tree: &mut Value, force: bool, warnings: &mut Vec<String>) -> Result<IstioOperator> {
    loop {
        match check(origin.to_owned(), tree) {
            Err(Error::Invalid { origin, field, message }) if force && remove_field(tree, &field) => {
                warnings.push(format!("{origin}: {field}: {message}; left out because of --force"));
            }
            other => return other,
        }
    }
}

/// Removes the value at `path` from `tree`; false when there is none (or the path is the root).
fn remove_field(tree: &mut Value, path: &FieldPath) -> bool {
    let Some((last, parents)) = path.segments().split_last() else { return false };
    let mut at = tree;
    for segment in parents {
        let next = match segment {
            mesh_api::Segment::Key(key) => at.get_mut(key.as_str()),
            mesh_api::Segment::Index(i) => at.get_mut(*i),
        };
        match next {
            Some(v) => at = v,
            None => return false,
        }
    }
    match (last, at) {
        (mesh_api::Segment::Key(key), Value::Object(map)) => map.shift_remove(key.as_str()).is_some(),
        (mesh_api::Segment::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}

/// Checks a tree against the IstioOperator schema (through mesh-api's reader, so unknown
/// fields name the nearest known one).
pub(crate) fn check(origin: String, tree: &Value) -> Result<IstioOperator> {
    let mut doc = tree.clone();
    if let Value::Object(map) = &mut doc {
        map.entry("apiVersion").or_insert_with(|| "install.istio.io/v1alpha1".into());
        map.entry("kind").or_insert_with(|| "IstioOperator".into());
        if map.get("metadata").is_none_or(Value::is_null) {
            map.insert("metadata".into(), Value::Object(Map::new()));
        }
    }
    let decoded = mesh_api::from_value::<IstioOperator>(&doc);
    decoded.map_err(|e| match e {
        mesh_api::Error::Invalid { field, message, .. } => Error::Invalid { origin, field, message },
        mesh_api::Error::WrongKind { expected, found, .. } => Error::Invalid {
            origin,
            field: FieldPath::root().key("kind"),
            message: format!("expected {expected}, found {found:?}"),
        },
        other => Error::Invalid { origin, field: FieldPath::root(), message: other.to_string() },
    })
}

/// A YAML syntax error's message with its line and column, without the `<input>` name.
fn syntax_message(error: &mesh_api::Error) -> String {
    match error {
        mesh_api::Error::Syntax { at, message } => format!("line {}, column {}: {message}", at.line, at.column),
        other => other.to_string(),
    }
}

/// An installable component, in Istio's install order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Component {
    /// CRDs and cluster-wide resources; on unless disabled.
    Base,
    /// istiod; on unless disabled.
    Pilot,
    /// Ingress gateways (`components.ingressGateways`).
    IngressGateways,
    /// Egress gateways (`components.egressGateways`).
    EgressGateways,
    /// The CNI node agent; off unless listed.
    Cni,
    /// The ztunnel node proxy; off unless listed.
    Ztunnel,
    /// Pieces for a cluster served by a remote istiod (`components.istiodRemote`). Still in
    /// the IstioOperator type; current Istio renders nothing for it.
    IstiodRemote,
}

impl Component {
    /// The key under `spec.components`.
    pub fn spec_name(self) -> &'static str {
        match self {
            Component::Base => "base",
            Component::Pilot => "pilot",
            Component::IngressGateways => "ingressGateways",
            Component::EgressGateways => "egressGateways",
            Component::Cni => "cni",
            Component::Ztunnel => "ztunnel",
            Component::IstiodRemote => "istiodRemote",
        }
    }
}

/// The result of [`Overlays::merge`]: a typed IstioOperator, and the same as untyped data.
#[derive(Clone, Debug)]
pub struct Merged {
    operator: IstioOperator,
    tree: Value,
    profile: String,
    warnings: Vec<String>,
}

impl Merged {
    /// The merged configuration, typed.
    pub fn operator(&self) -> &IstioOperator {
        &self.operator
    }

    /// The merged configuration, typed, by value.
    pub fn into_operator(self) -> IstioOperator {
        self.operator
    }

    /// The merged configuration as untyped data (key order as merged).
    pub fn tree(&self) -> &Value {
        &self.tree
    }

    /// The profile the configuration started from.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// What the merge reported without failing, one line each: the validation's warnings,
    /// and under [`Overlays::force`] the errors it let through (fields left out, failed
    /// checks). `istioctl` prints these to stderr.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The checks `istioctl` runs on the merged configuration before installing (image hub
    /// and tag, revision, gateway names and ports, ...), each with its field path and level.
    pub fn validate(&self) -> Vec<mesh_api::Problem> {
        mesh_api::Validate::validate(&self.operator)
    }

    /// Whether a component is installed, by Istio's rules: a component absent from
    /// `components` takes its default (base and pilot on, the others off); **present without
    /// `enabled` means on**. For gateways: whether any entry is on (see [`Merged::gateways`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_render::{Component, Overlays};
    ///
    /// let merged = Overlays::new().yaml("cni.yaml", "spec:\n  components:\n    cni:\n      namespace: kube-system\n")?.merge()?;
    /// assert!(merged.is_enabled(Component::Cni));
    /// assert!(!merged.is_enabled(Component::Ztunnel));
    /// # Ok::<(), mesh_render::Error>(())
    /// ```
    pub fn is_enabled(&self, component: Component) -> bool {
        if matches!(component, Component::IngressGateways | Component::EgressGateways) {
            return !self.gateways(component).is_empty();
        }
        match self.tree.pointer(&format!("/spec/components/{}", component.spec_name())) {
            Some(Value::Object(spec)) => spec.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            _ => matches!(component, Component::Base | Component::Pilot),
        }
    }

    /// The gateway entries that are installed, each with its namespace resolved (its own,
    /// else `metadata.namespace`, else `istio-system`).
    ///
    /// Entries are on unless `enabled: false`; `values.gateways.istio-ingressgateway.enabled:
    /// true` (resp. egress) turns every entry of that list on. With no list at all, ingress
    /// gets one unnamed default entry and egress none (unless turned on through values).
    /// Other components give an empty list.
    pub fn gateways(&self, component: Component) -> Vec<GatewayComponentSpec> {
        let values_key = match component {
            Component::IngressGateways => "istio-ingressgateway",
            Component::EgressGateways => "istio-egressgateway",
            _ => return Vec::new(),
        };
        let forced = self
            .tree
            .pointer(&format!("/spec/values/gateways/{values_key}/enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let default_namespace = self
            .tree
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("istio-system")
            .to_owned();
        let components = self.operator.spec.components.as_ref();
        let listed = self.tree.pointer(&format!("/spec/components/{}", component.spec_name())).is_some();
        let mut entries: Vec<GatewayComponentSpec> = if listed {
            let list = components.map(|c| match component {
                Component::IngressGateways => &c.ingress_gateways,
                _ => &c.egress_gateways,
            });
            list.into_iter().flatten().filter(|g| forced || g.enabled != Some(false)).cloned().collect()
        } else if forced || component == Component::IngressGateways {
            vec![GatewayComponentSpec::default()]
        } else {
            Vec::new()
        };
        for entry in &mut entries {
            if entry.namespace.as_deref().is_none_or(str::is_empty) {
                entry.namespace = Some(default_namespace.clone());
            }
        }
        entries
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn merged(files: &[&str], flags: &[&str]) -> Result<Merged> {
        let mut overlays = Overlays::new();
        for (i, text) in files.iter().enumerate() {
            overlays.yaml(&format!("f{i}.yaml"), text)?;
        }
        for flag in flags {
            overlays.set(flag)?;
        }
        overlays.merge()
    }

    #[test]
    fn no_input_gives_the_default_profile_translated() {
        let m = merged(&[], &[]).unwrap();
        assert_eq!(m.profile(), "default");
        let tree = m.tree();
        assert_eq!(tree["spec"]["values"]["global"]["hub"], json!("registry.istio.io/testing"));
        assert_eq!(tree["spec"]["values"]["global"]["tag"], json!("latest"));
        assert_eq!(tree["spec"]["values"]["pilot"]["enabled"], json!(true));
        assert_eq!(tree["spec"]["values"]["pilot"]["cni"]["enabled"], json!(false));
        assert_eq!(tree["metadata"]["namespace"], json!("istio-system"));
    }

    #[test]
    fn files_apply_in_order_and_flags_after_them() {
        let m = merged(&["spec:\n  hub: one\n", "spec:\n  hub: two\n  revision: canary\n"], &["hub=three"]).unwrap();
        assert_eq!(m.tree()["spec"]["hub"], json!("three"));
        assert_eq!(m.tree()["spec"]["values"]["global"]["hub"], json!("three"));
        assert_eq!(m.tree()["spec"]["values"]["revision"], json!("canary"));
    }

    #[test]
    fn explicit_values_beat_the_translation() {
        let m = merged(&["spec:\n  hub: top\n  values:\n    global:\n      hub: explicit\n"], &[]).unwrap();
        assert_eq!(m.tree()["spec"]["values"]["global"]["hub"], json!("explicit"));
    }

    #[test]
    fn mesh_config_merges_into_values_mesh_config() {
        let m = merged(
            &["spec:\n  meshConfig:\n    accessLogFile: /dev/stdout\n  values:\n    meshConfig:\n      enableTracing: false\n"],
            &[],
        )
        .unwrap();
        assert_eq!(
            m.tree()["spec"]["values"]["meshConfig"],
            json!({"enableTracing": false, "accessLogFile": "/dev/stdout"})
        );
    }

    #[test]
    fn numeric_tag_stays_text_in_values() {
        let m = merged(&["spec:\n  tag: 1.24\n"], &[]).unwrap();
        assert_eq!(m.tree()["spec"]["values"]["global"]["tag"], json!("1.24"));
    }

    #[test]
    fn profile_can_be_chosen_by_flag() {
        let m = merged(&["spec:\n  profile: minimal\n"], &["profile=demo"]).unwrap();
        assert_eq!(m.profile(), "demo");
        assert_eq!(m.tree()["spec"]["values"]["profile"], json!("demo"));
        assert!(m.is_enabled(Component::EgressGateways));
    }

    #[test]
    fn a_user_gateway_list_replaces_the_profile_list() {
        let m = merged(&["spec:\n  components:\n    ingressGateways:\n    - name: custom\n"], &[]).unwrap();
        let names: Vec<_> = m.gateways(Component::IngressGateways).into_iter().map(|g| g.name).collect();
        assert_eq!(names, [Some("custom".to_owned())]);
    }

    #[test]
    fn old_list_merge_keeps_the_profile_gateway() {
        let mut overlays = Overlays::new();
        overlays.list_merge(ListMerge::ByName);
        overlays.yaml("u.yaml", "spec:\n  components:\n    ingressGateways:\n    - name: custom\n").unwrap();
        let m = overlays.merge().unwrap();
        let names: Vec<_> = m.gateways(Component::IngressGateways).into_iter().map(|g| g.name.unwrap()).collect();
        assert_eq!(names, ["istio-ingressgateway", "custom"]);
    }

    #[test]
    fn component_present_without_enabled_is_enabled() {
        let m = merged(&["spec:\n  components:\n    ztunnel:\n      namespace: kube-system\n"], &[]).unwrap();
        assert!(m.is_enabled(Component::Ztunnel));
        assert!(!m.is_enabled(Component::Cni));
        assert!(m.is_enabled(Component::Base));
    }

    #[test]
    fn values_enablement_forces_every_gateway_entry_on() {
        let m = merged(&[], &["values.gateways.istio-egressgateway.enabled=true"]).unwrap();
        let egress = m.gateways(Component::EgressGateways);
        assert_eq!(egress.len(), 1);
        assert_eq!(egress[0].namespace.as_deref(), Some("istio-system"));
    }

    #[test]
    fn unknown_value_fields_name_the_file_and_suggest() {
        let err = Overlays::new().yaml("bad.yaml", "spec:\n  values:\n    global:\n      hubb: x\n").unwrap_err();
        assert_eq!(err.to_string(), r#"bad.yaml: spec.values.global.hubb: unknown field "hubb"; did you mean "hub"?"#);
    }

    #[test]
    fn unknown_fields_from_flags_name_the_flag() {
        let err = merged(&[], &["values.global.logging.levle=debug"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"--set values.global.logging.levle=debug: spec.values.global.logging.levle: unknown field "levle"; did you mean "level"?"#
        );
        let err = merged(&[], &["components.pilott.enabled=true"]).unwrap_err();
        assert!(err.to_string().starts_with(r#"--set components.pilott.enabled=true: spec.components.pilott: unknown field "pilott"; did you mean "pilot"?"#), "{err}");
    }

    #[test]
    fn selectors_see_only_the_user_configuration() {
        let err = merged(&[], &["components.ingressGateways[name:istio-ingressgateway].enabled=false"]).unwrap_err();
        assert!(matches!(err, Error::SetPath { .. }), "{err}");
    }

    #[test]
    fn several_documents_in_one_file_are_refused() {
        let err = Overlays::new().yaml("two.yaml", "spec: {}\n---\nspec: {}\n").unwrap_err();
        assert_eq!(err.to_string(), "two.yaml: holds 2 documents; give one IstioOperator per file");
    }

    #[test]
    fn empty_file_and_null_spec_change_nothing() {
        let m = merged(&["", "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n"], &[]).unwrap();
        assert_eq!(m.profile(), "default");
    }

    #[test]
    fn every_root_can_be_set_by_flag() {
        let m = merged(
            &[],
            &[
                "meshConfig.accessLogFile=/dev/stdout",
                "components.cni.enabled=true",
                "hub=docker.io/istio",
                "revision=canary",
                "values.global.proxy.excludeIPRanges=10.0.0.0/8\\,192.168.0.0/16",
            ],
        )
        .unwrap();
        let values = &m.tree()["spec"]["values"];
        assert_eq!(values["meshConfig"]["accessLogFile"], json!("/dev/stdout"));
        assert_eq!(values["pilot"]["cni"]["enabled"], json!(true));
        assert_eq!(values["global"]["hub"], json!("docker.io/istio"));
        assert_eq!(values["revision"], json!("canary"));
        assert_eq!(values["global"]["proxy"]["excludeIPRanges"], json!("10.0.0.0/8,192.168.0.0/16"));
        assert!(m.is_enabled(Component::Cni));
    }

    #[test]
    fn a_flag_of_the_wrong_type_names_the_flag() {
        let err = merged(&[], &["values.pilot.autoscaleMin=many"]).unwrap_err();
        assert!(
            err.to_string().starts_with("--set values.pilot.autoscaleMin=many: spec.values.pilot.autoscaleMin: "),
            "{err}"
        );
    }

    #[test]
    fn another_kind_is_refused() {
        let err = Overlays::new().yaml("d.yaml", "apiVersion: apps/v1\nkind: Deployment\n").unwrap_err();
        assert_eq!(err.to_string(), r#"d.yaml: kind: expected IstioOperator, found "Deployment""#);
    }

    #[test]
    fn validation_errors_stop_the_merge() {
        let err = merged(&[], &["revision=Bad_Revision"]).unwrap_err();
        let Error::Validation { problems } = &err else { panic!("{err}") };
        assert!(problems.iter().any(|p| p.starts_with("spec.revision: ")), "{problems:?}");
        assert!(err.to_string().starts_with("the configuration is not valid (--force renders it anyway):\n  "));
        assert!(merged(&[], &[]).unwrap().validate().iter().all(|p| p.level != mesh_api::Level::Error));
    }

    #[test]
    fn force_turns_validation_errors_into_warnings() {
        let mut overlays = Overlays::new();
        overlays.force(true).set("revision=Bad_Revision").unwrap();
        let m = overlays.merge().unwrap();
        assert!(m.validate().iter().any(|p| p.path.to_string() == "spec.revision"));
        assert!(
            m.warnings()
                .iter()
                .any(|w| w.starts_with("spec.revision: ") && w.ends_with("(continuing because of --force)")),
            "{:?}",
            m.warnings()
        );
    }

    #[test]
    fn force_leaves_out_fields_the_schema_refuses() {
        let mut overlays = Overlays::new();
        overlays.force(true);
        overlays.yaml("bad.yaml", "spec:\n  hub: docker.io/istio\n  values:\n    global:\n      badKey: x\n").unwrap();
        overlays.set("values.pilot.autoscaleMin=many").unwrap();
        let m = overlays.merge().unwrap();
        assert_eq!(m.tree()["spec"]["values"]["global"]["hub"], json!("docker.io/istio"));
        assert!(m.tree()["spec"]["values"]["global"].get("badKey").is_none());
        assert!(m.tree()["spec"]["values"]["pilot"].get("autoscaleMin").is_none());
        let warnings = m.warnings();
        assert!(warnings[0].starts_with("bad.yaml: spec.values.global.badKey: unknown field"), "{warnings:?}");
        assert!(warnings[1].starts_with("--set values.pilot.autoscaleMin=many: spec.values.pilot.autoscaleMin: "));
    }

    #[test]
    fn a_list_document_is_refused() {
        let err = Overlays::new().yaml("l.yaml", "- a\n").unwrap_err();
        assert_eq!(err.to_string(), "l.yaml: expected an IstioOperator mapping, found a list");
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let err = Overlays::new().yaml("s.yaml", "spec: [\n").unwrap_err();
        assert!(err.to_string().starts_with("s.yaml: line "), "{err}");
    }

    #[test]
    fn unknown_profile_is_reported() {
        let err = merged(&["spec:\n  profile: demoo\n"], &[]).unwrap_err();
        assert_eq!(err.to_string(), r#"unknown profile "demoo"; did you mean "demo"?"#);
    }

    #[test]
    fn untranslated_fills_in_the_profile() {
        let mut overlays = Overlays::new();
        overlays.set("profile=empty").unwrap();
        let tree = overlays.untranslated().unwrap();
        assert_eq!(tree["spec"]["profile"], json!("empty"));
        assert!(tree["spec"]["values"].get("pilot").is_none());
    }
}
