//! The built-in profiles, in both of Istio's layers.
//!
//! * The IstioOperator layer ([`Profile`]): which components a profile turns on, and a few
//!   values. Every profile is merged over `default`.
//! * The chart-side layer ([`ChartProfile`]): Helm values that the charts lay under the user's
//!   values, chosen by `values.profile` (`demo`, `preview`, `remote`, `stable`, `ambient`), by
//!   `values.global.platform` (`platform-openshift`, ...) and by `values.compatibilityVersion`
//!   (`compatibility-version-1.25`, ...). Most of what `demo` changes lives here.
//!
//! The data files are in the crate's `profiles/` folder, written for mesh; tests check that
//! they hold the same settings as Istio's.

use mesh_api::install::IstioOperator;
use serde_json::Value;

use crate::dump::{DumpFormat, diff_text};
use crate::error::{Error, Result};
use crate::overlays::Overlays;
use crate::tree::{ListMerge, merge};

/// A built-in IstioOperator profile.
///
/// # Examples
///
/// ```
/// use mesh_render::Profile;
///
/// let demo = Profile::named("demo")?;
/// let merged = demo.merged();
/// // demo turns the egress gateway on, over default's list.
/// assert_eq!(merged["spec"]["components"]["egressGateways"][0]["enabled"], true);
/// assert_eq!(demo.chart_values().unwrap()["pilot"]["traceSampling"], 100);
/// assert!(Profile::names().any(|n| n == "external"));
/// # Ok::<(), mesh_render::Error>(())
/// ```
#[derive(Debug)]
pub struct Profile {
    name: &'static str,
    summary: &'static str,
    text: &'static str,
}

macro_rules! profile {
    ($name:literal, $summary:literal) => {
        Profile { name: $name, summary: $summary, text: include_str!(concat!("../profiles/operator/", $name, ".yaml")) }
    };
}

static PROFILES: [Profile; 11] = [
    profile!("ambient", "sidecar-less ambient mode: istiod, CNI and ztunnel, no gateway"),
    profile!("default", "istiod and an ingress gateway; the base of every other profile"),
    profile!("demo", "default plus the egress gateway, small requests and extra telemetry, for trying Istio"),
    profile!("empty", "nothing installed; a start for configurations that list every component"),
    profile!("external", "a cluster served by an external istiod (Istio 1.12's profile)"),
    profile!("minimal", "istiod alone, no gateway"),
    profile!("openshift", "default plus the CNI agent in kube-system, with OpenShift's paths"),
    profile!("openshift-ambient", "ambient mode on OpenShift, node agents in kube-system"),
    profile!("preview", "default plus experimental features"),
    profile!("remote", "a cluster whose control plane runs elsewhere: injector and config only"),
    profile!("stable", "default plus admission policies that keep configuration to stable APIs"),
];

impl Profile {
    /// Every built-in profile, sorted by name.
    pub fn all() -> &'static [Profile] {
        &PROFILES
    }

    /// The names of the built-in profiles, sorted.
    pub fn names() -> impl Iterator<Item = &'static str> {
        PROFILES.iter().map(|p| p.name)
    }

    /// The built-in profile of that name.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownProfile`], naming the nearest known profile.
    pub fn named(name: &str) -> Result<&'static Profile> {
        PROFILES.iter().find(|p| p.name == name).ok_or_else(|| Error::UnknownProfile {
            name: name.to_owned(),
            known: Self::names().map(str::to_owned).collect(),
        })
    }

    /// The profile's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// One line saying what the profile installs.
    pub fn summary(&self) -> &'static str {
        self.summary
    }

    /// The profile's IstioOperator layer as written in its data file (before `default` is
    /// laid under it).
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The profile's IstioOperator layer as data.
    pub fn layer(&self) -> Value {
        parse_builtin(self.text)
    }

    /// The profile merged over `default`: what installing it starts from.
    pub fn merged(&self) -> Value {
        let mut base = parse_builtin(PROFILES[1].text);
        if self.name != "default" {
            merge(&mut base, &self.layer(), ListMerge::Replace);
        }
        base
    }

    /// [`merged`](Self::merged) as a typed IstioOperator.
    ///
    /// # Errors
    ///
    /// None for the built-in profiles (the tests make sure); the type says what would fail.
    pub fn operator(&self) -> Result<IstioOperator> {
        crate::overlays::check("profile ".to_owned() + self.name, &self.merged())
    }

    /// The chart-side values this profile selects through `values.profile`, if any.
    pub fn chart_values(&self) -> Option<Value> {
        let merged = self.merged();
        let name = merged.pointer("/spec/values/profile").and_then(Value::as_str)?;
        ChartProfile::named(name).map(ChartProfile::values)
    }

    /// The profile as `istioctl profile dump NAME` printed it (Istio 1.23): the merged
    /// IstioOperator with `spec.profile` filled in, keys sorted, optionally only the subtree
    /// at `config_path` (relative to `spec`).
    ///
    /// # Errors
    ///
    /// [`Error::ConfigPath`] when `config_path` names nothing.
    pub fn dump(&self, config_path: Option<&str>, format: DumpFormat) -> Result<String> {
        let mut overlays = Overlays::new();
        overlays.set(&format!("profile={}", self.name))?;
        overlays.dump(config_path, format)
    }

    /// A unified diff between two profiles' merged configurations (as [`Profile::dump`] writes
    /// them in YAML, without the `profile` field), or `None` when they are the same.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownProfile`] when either name is unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_render::Profile;
    ///
    /// let diff = Profile::diff("default", "minimal")?.unwrap();
    /// assert!(diff.contains("-    - enabled: true\n+    - enabled: false\n"));
    /// assert_eq!(Profile::diff("demo", "demo")?, None);
    /// # Ok::<(), mesh_render::Error>(())
    /// ```
    pub fn diff(a: &str, b: &str) -> Result<Option<String>> {
        let left = crate::dump::render(&Self::named(a)?.merged(), DumpFormat::Yaml)?;
        let right = crate::dump::render(&Self::named(b)?.merged(), DumpFormat::Yaml)?;
        Ok(diff_text(&left, &right, a, b))
    }
}

/// Which chart-side selector picks a [`ChartProfile`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChartLayer {
    /// Chosen by `values.profile`.
    Profile,
    /// Chosen by `values.global.platform`.
    Platform,
    /// Chosen by `values.compatibilityVersion`.
    Compatibility,
}

/// A chart-side values profile: Helm values the charts apply under the user's values.
///
/// The charts layer them as: chart defaults, then the profile's values, then the
/// compatibility version's, then the platform's, then the user's.
///
/// # Examples
///
/// ```
/// use mesh_render::{ChartLayer, ChartProfile};
///
/// let openshift = ChartProfile::find(ChartLayer::Platform, "openshift").unwrap();
/// assert_eq!(openshift.file_name(), "platform-openshift.yaml");
/// assert_eq!(openshift.values()["cni"]["provider"], "multus");
/// ```
#[derive(Debug)]
pub struct ChartProfile {
    layer: ChartLayer,
    name: &'static str,
    text: &'static str,
}

macro_rules! chart {
    ($layer:ident, $name:literal, $file:literal) => {
        ChartProfile {
            layer: ChartLayer::$layer,
            name: $name,
            text: include_str!(concat!("../profiles/chart/", $file, ".yaml")),
        }
    };
}

static CHART_PROFILES: [ChartProfile; 17] = [
    chart!(Profile, "ambient", "ambient"),
    chart!(Profile, "demo", "demo"),
    chart!(Profile, "preview", "preview"),
    chart!(Profile, "remote", "remote"),
    chart!(Profile, "stable", "stable"),
    chart!(Compatibility, "1.25", "compatibility-version-1.25"),
    chart!(Compatibility, "1.26", "compatibility-version-1.26"),
    chart!(Compatibility, "1.27", "compatibility-version-1.27"),
    chart!(Compatibility, "1.28", "compatibility-version-1.28"),
    chart!(Compatibility, "1.29", "compatibility-version-1.29"),
    chart!(Compatibility, "1.30", "compatibility-version-1.30"),
    chart!(Platform, "gke", "platform-gke"),
    chart!(Platform, "k3d", "platform-k3d"),
    chart!(Platform, "k3s", "platform-k3s"),
    chart!(Platform, "microk8s", "platform-microk8s"),
    chart!(Platform, "minikube", "platform-minikube"),
    chart!(Platform, "openshift", "platform-openshift"),
];

impl ChartProfile {
    /// Every chart-side profile.
    pub fn all() -> &'static [ChartProfile] {
        &CHART_PROFILES
    }

    /// The chart-side profile that `values.profile: NAME` selects.
    pub fn named(name: &str) -> Option<&'static ChartProfile> {
        Self::find(ChartLayer::Profile, name)
    }

    /// The chart-side profile of a layer and name (`Platform`/`gke`, `Compatibility`/`1.25`).
    pub fn find(layer: ChartLayer, name: &str) -> Option<&'static ChartProfile> {
        CHART_PROFILES.iter().find(|p| p.layer == layer && p.name == name)
    }

    /// Which selector picks it.
    pub fn layer(&self) -> ChartLayer {
        self.layer
    }

    /// Its name within the layer (`demo`, `openshift`, `1.25`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The file name Istio's charts use for it (`demo.yaml`, `platform-gke.yaml`,
    /// `compatibility-version-1.25.yaml`; inside a chart they carry a `profile-` prefix).
    pub fn file_name(&self) -> String {
        match self.layer {
            ChartLayer::Profile => format!("{}.yaml", self.name),
            ChartLayer::Platform => format!("platform-{}.yaml", self.name),
            ChartLayer::Compatibility => format!("compatibility-version-{}.yaml", self.name),
        }
    }

    /// The values as written in the data file.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The values as data.
    pub fn values(&self) -> Value {
        parse_builtin(self.text)
    }
}

/// Parses a data file of this crate; the tests read every one, so this cannot fail.
fn parse_builtin(text: &str) -> Value {
    match mesh_api::read_untyped(text).into_iter().next() {
        Some(Ok(value)) => value,
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_profile_parses_and_is_a_valid_istio_operator() {
        for profile in Profile::all() {
            assert!(profile.layer().is_object(), "{}", profile.name());
            profile.operator().unwrap();
        }
    }

    #[test]
    fn profiles_are_sorted_and_unique() {
        let names: Vec<_> = Profile::names().collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn every_profile_lies_over_default() {
        let minimal = Profile::named("minimal").unwrap().merged();
        assert_eq!(minimal["spec"]["hub"], json!("registry.istio.io/testing"));
        assert_eq!(
            minimal["spec"]["components"]["ingressGateways"],
            json!([{"name": "istio-ingressgateway", "enabled": false}])
        );
        assert_eq!(minimal["spec"]["components"]["egressGateways"][0]["enabled"], json!(false));
    }

    #[test]
    fn external_turns_on_only_the_remote_pieces() {
        let external = Profile::named("external").unwrap().operator().unwrap();
        let components = external.spec.components.unwrap();
        assert_eq!(components.base.unwrap().enabled, Some(false));
        assert_eq!(components.pilot.unwrap().enabled, Some(false));
        assert_eq!(components.istiod_remote.unwrap().enabled, Some(true));
        let values = external.spec.values.unwrap();
        assert_eq!(values.global.unwrap().external_istiod, Some(true));
    }

    #[test]
    fn chart_values_follow_values_profile() {
        let chart = Profile::named("openshift-ambient").unwrap().chart_values().unwrap();
        assert_eq!(chart["cni"]["ambient"]["enabled"], json!(true));
        assert!(Profile::named("minimal").unwrap().chart_values().is_none());
    }

    #[test]
    fn unknown_profile_suggests_a_name() {
        let err = Profile::named("ambiant").unwrap_err();
        assert_eq!(err.to_string(), r#"unknown profile "ambiant"; did you mean "ambient"?"#);
    }
}
