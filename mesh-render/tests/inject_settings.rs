//! The default injection settings equal what the istio-discovery chart in the shared corpus
//! gives the injector (`profiles/chart-values/istio-control-istio-discovery.yaml`).

use std::path::{Path, PathBuf};

use mesh_api::install::Values;
use mesh_render::inject::InjectionSettings;
use serde_json::Value;

/// `MESH_CORPUS`, else the first `shared/corpus` above this crate.
fn corpus() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let found =
        Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|dir| dir.join("shared/corpus")).find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found");
        println!("skipped: corpus not found");
    }
    found
}

/// Keys the chart reads but Istio's values schema does not declare (so `Values` refuses
/// them); none of them changes what the sidecar template renders by default.
const CHART_ONLY: &[&[&str]] = &[
    &["global", "proxy_init", "forceApplyIptables"],
    &["global", "waypoint", "tolerations"],
    &["pilot", "initContainers"],
    &["pilot", "pdb"],
    &["pilot", "trustedZtunnelName"],
    &["pilot", "sidecarInjectorWebhookAnnotations"],
    &["pilot", "deploymentAnnotations"],
];

/// Top-level trees of the values schema that the chart keeps at its top level too.
const SHARED: &[&str] = &[
    "global",
    "sidecarInjectorWebhook",
    "meshConfig",
    "revision",
    "revisionTags",
    "ownerName",
    "istiodRemote",
    "telemetry",
    "base",
    "experimental",
    "gateways",
    "gatewayClasses",
    "profile",
    "compatibilityVersion",
    "defaultRevision",
    "ztunnel",
];

fn remove(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut at = value;
    for key in parents {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(map) = at.as_object_mut() {
        map.remove(*last);
    }
}

#[test]
fn defaults_equal_the_istio_discovery_chart_values() {
    let Some(corpus) = corpus() else { return };
    let text = std::fs::read_to_string(corpus.join("profiles/chart-values/istio-control-istio-discovery.yaml"))
        .expect("chart values");
    let documents = mesh_api::read_untyped(&text);
    let mut chart = documents.into_iter().next().expect("one document").expect("valid YAML");
    let flat = chart["_internal_defaults_do_not_set"].take();
    // The chart's values are istiod's own at the top, next to the shared trees; Istio's
    // values schema keeps istiod's under `pilot`.
    let mut values = serde_json::json!({ "pilot": {} });
    for (key, value) in flat.as_object().expect("a map") {
        if SHARED.contains(&key.as_str()) {
            values[key] = value.clone();
        } else {
            values["pilot"][key] = value.clone();
        }
    }
    assert_eq!(values["global"]["proxy_init"]["forceApplyIptables"], Value::Bool(false));
    for path in CHART_ONLY {
        remove(&mut values, path);
    }
    let values: Values = serde_json::from_value(values).expect("chart values read as Istio's values");

    let mut from_chart = InjectionSettings::default();
    from_chart.apply_values(&values);
    // The untyped copy kept for text templates is the only field the chart values fill in.
    assert_eq!(from_chart.values_tree["global"]["hub"], "registry.istio.io/testing");
    from_chart.values_tree = InjectionSettings::default().values_tree;
    assert_eq!(from_chart, InjectionSettings::default());
    assert!(!InjectionSettings::default().force_apply_iptables);
}
