//! The inputs of Istio's `manifest generate` tests merge over their profiles without error,
//! except the one `CASES.md` says fails (an unknown values key, accepted only with `--force`).

mod common;

use mesh_render::{Component, Error, Overlays};

/// Inputs that Istio refuses without extra flags, with the field it names.
const FAILING: [(&str, &str); 1] = [("flag_force", "spec.values.global.badKey")];

#[test]
fn manifest_generate_inputs_merge() {
    let Some(corpus) = common::corpus() else { return };
    let files = common::yaml_files(&corpus.join("manifest-generate/input"));
    let mut merged = 0;
    for file in &files {
        let name = common::stem(file);
        let result = Overlays::new().file(file).and_then(|o| o.merge());
        match FAILING.iter().find(|(n, _)| *n == name) {
            Some((_, field)) => match result {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f.to_string(), *field, "{name}"),
                other => panic!("{name}: expected an invalid field, got {other:?}"),
            },
            None => {
                result.unwrap_or_else(|e| panic!("{name}: {e}"));
                merged += 1;
            }
        }
    }
    println!("{merged}/{} manifest-generate inputs merged, {} refused as expected", files.len(), FAILING.len());
    assert_eq!(merged + FAILING.len(), files.len());
}

#[test]
fn two_files_merge_in_order() {
    // TestMultiICPSFiles: all_off, then helm_values_enablement over it.
    let Some(corpus) = common::corpus() else { return };
    let input = corpus.join("manifest-generate/input");
    let mut overlays = Overlays::new();
    overlays.file(input.join("all_off.yaml")).unwrap().file(input.join("helm_values_enablement.yaml")).unwrap();
    let merged = overlays.merge().unwrap();
    assert_eq!(merged.profile(), "empty");
    assert!(!merged.is_enabled(Component::Pilot));
    let egress = merged.gateways(Component::EgressGateways);
    assert_eq!(egress.len(), 1);
    assert_eq!(egress[0].name.as_deref(), Some("istio-egressgateway"));
}

#[test]
fn override_values_keep_the_user_values_over_translation() {
    let Some(corpus) = common::corpus() else { return };
    let merged = Overlays::new()
        .file(corpus.join("manifest-generate/input/pilot_override_values.yaml"))
        .unwrap()
        .merge()
        .unwrap();
    let tree = merged.tree();
    assert_eq!(tree["spec"]["values"]["global"]["hub"], "registry.istio.io/release");
    assert_eq!(tree["spec"]["values"]["global"]["tag"], "1.1.4");
    assert_eq!(tree["spec"]["values"]["meshConfig"]["rootNamespace"], "istio-control");
    assert_eq!(tree["spec"]["values"]["pilot"]["autoscaleMin"], 2);
    assert_eq!(tree["spec"]["unvalidatedValues"]["myCustomKey"], "someValue");
    assert!(merged.is_enabled(Component::Pilot));
    assert!(!merged.is_enabled(Component::IngressGateways));
}

#[test]
fn flag_values_enable_egressgateway() {
    // The golden made with no file and `--set values.gateways.istio-egressgateway.enabled=true`.
    let mut overlays = Overlays::new();
    overlays.set("values.gateways.istio-egressgateway.enabled=true").unwrap();
    let merged = overlays.merge().unwrap();
    assert!(merged.is_enabled(Component::EgressGateways));
}

#[test]
fn gateway_flags_from_the_gateways_case() {
    // The flags TestManifestGenerateGateways passes, over a file listing two ingress gateways.
    let mut overlays = Overlays::new();
    overlays
        .yaml(
            "gateways.yaml",
            "spec:\n  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n    - name: user-ingressgateway\n      enabled: true\n",
        )
        .unwrap();
    for flag in [
        "components.ingressGateways.[0].k8s.resources.requests.memory=999Mi",
        "components.ingressGateways.[name:user-ingressgateway].k8s.resources.requests.cpu=555m",
        "values.gateways.istio-ingressgateway.autoscaleMin=2",
    ] {
        overlays.set(flag).unwrap();
    }
    let merged = overlays.merge().unwrap();
    let gateways = merged.gateways(Component::IngressGateways);
    assert_eq!(gateways.len(), 2);
    let memory = |i: usize| {
        let k8s = gateways[i].k8s.as_ref().unwrap();
        serde_json::to_value(k8s.resources.as_ref().unwrap()).unwrap()
    };
    assert_eq!(memory(0)["requests"]["memory"], "999Mi");
    assert_eq!(memory(1)["requests"]["cpu"], "555m");
}
