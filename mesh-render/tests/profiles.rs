//! Every built-in profile holds the same settings as Istio's, compared as data with the
//! corpus copies of `manifests/profiles/*.yaml` and `manifests/helm-profiles/*.yaml`.

mod common;

use mesh_render::{ChartProfile, Profile};
use serde_json::json;

#[test]
fn operator_profiles_equal_istio_profiles() {
    let Some(corpus) = common::corpus() else { return };
    let files = common::yaml_files(&corpus.join("profiles"));
    let mut matched = 0;
    for file in &files {
        let name = common::stem(file);
        let profile = Profile::named(&name).unwrap_or_else(|e| panic!("corpus profile {name}: {e}"));
        assert_eq!(profile.layer(), common::read_yaml(file), "profile {name} differs from {}", file.display());
        println!("profile {name}: equal");
        matched += 1;
    }
    println!("{matched}/{} IstioOperator profiles equal to the corpus", files.len());
    assert_eq!(matched, 10);
}

#[test]
fn every_builtin_profile_but_external_is_in_the_corpus() {
    let Some(corpus) = common::corpus() else { return };
    for name in Profile::names().filter(|n| *n != "external") {
        assert!(corpus.join("profiles").join(format!("{name}.yaml")).is_file(), "{name}");
    }
}

#[test]
fn external_profile_has_istio_1_12_settings() {
    // Istio 1.12.0, manifests/profiles/external.yaml, as facts.
    let expected = json!({
        "apiVersion": "install.istio.io/v1alpha1",
        "kind": "IstioOperator",
        "spec": {
            "components": {
                "base": {"enabled": false},
                "pilot": {"enabled": false},
                "ingressGateways": [{"name": "istio-ingressgateway", "enabled": false}],
                "istiodRemote": {"enabled": true}
            },
            "values": {
                "global": {"externalIstiod": true, "omitSidecarInjectorConfigMap": true, "configCluster": false},
                "pilot": {"configMap": false},
                "telemetry": {"enabled": false}
            }
        }
    });
    assert_eq!(Profile::named("external").unwrap().layer(), expected);
}

#[test]
fn chart_profiles_equal_istio_helm_profiles() {
    let Some(corpus) = common::corpus() else { return };
    let files = common::yaml_files(&corpus.join("profiles/helm"));
    let mut matched = 0;
    for file in &files {
        let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
        let ours = ChartProfile::all()
            .iter()
            .find(|p| p.file_name() == file_name)
            .unwrap_or_else(|| panic!("no chart profile for {file_name}"));
        assert_eq!(ours.values(), common::read_yaml(file), "chart profile {file_name} differs");
        println!("chart profile {file_name}: equal");
        matched += 1;
    }
    println!("{matched}/{} chart-side profiles equal to the corpus", files.len());
    assert_eq!(matched, ChartProfile::all().len());
}

#[test]
fn every_builtin_profile_is_a_valid_istio_operator() {
    for profile in Profile::all() {
        let operator = profile.operator().unwrap_or_else(|e| panic!("{}: {e}", profile.name()));
        assert_eq!(operator.metadata.namespace.as_deref(), Some("istio-system"), "{}", profile.name());
    }
}

#[test]
fn profiles_from_an_install_package_equal_the_builtin_ones() {
    let Some(corpus) = common::corpus() else { return };
    for name in Profile::names().filter(|n| *n != "external") {
        let mut from_package = mesh_render::Overlays::new();
        from_package.set(&format!("installPackagePath={}", corpus.display())).unwrap();
        from_package.set(&format!("profile={name}")).unwrap();
        let mut builtin = mesh_render::Overlays::new();
        builtin.set(&format!("profile={name}")).unwrap();
        let mut a = from_package.merge().unwrap().into_operator();
        a.spec.install_package_path = None;
        assert_eq!(a, builtin.merge().unwrap().into_operator(), "{name}");
    }
}
