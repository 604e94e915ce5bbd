//! The addons as YAML: every object loads back typed, each pod's ServiceAccount and
//! ConfigMaps exist among the rendered objects, and each Service selects its Deployment's pods.

use mesh_render::addons::{self, Addon};
use serde_json::Value;

fn rendered() -> Vec<Value> {
    let text = addons::to_yaml(&addons::render(&Addon::ALL).unwrap()).unwrap();
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.documents.iter().map(|d| d.to_json().unwrap()).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

#[test]
fn pods_refer_only_to_rendered_accounts_and_config_maps() {
    let objects = rendered();
    for deployment in objects.iter().filter(|o| o["kind"] == "Deployment") {
        let pod = &deployment["spec"]["template"]["spec"];
        if let Some(account) = pod["serviceAccountName"].as_str() {
            assert!(named(&objects, "ServiceAccount", account).is_some(), "account {account}");
        }
        for volume in pod["volumes"].as_array().into_iter().flatten() {
            let Some(map) = volume["configMap"].as_object() else { continue };
            if map.get("optional") != Some(&Value::Bool(true)) {
                let name = map["name"].as_str().unwrap();
                assert!(named(&objects, "ConfigMap", name).is_some(), "config map {name}");
            }
        }
    }
}

#[test]
fn every_service_selects_the_pods_of_one_deployment() {
    let objects = rendered();
    for service in objects.iter().filter(|o| o["kind"] == "Service") {
        let selector = service["spec"]["selector"].as_object().unwrap();
        let matching = objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .filter(|d| selector.iter().all(|(k, v)| &d["spec"]["template"]["metadata"]["labels"][k] == v))
            .count();
        assert_eq!(matching, 1, "{}", service["metadata"]["name"]);
    }
}

#[test]
fn the_images_are_those_of_istios_samples() {
    let objects = rendered();
    let mut images: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .flat_map(|d| d["spec"]["template"]["spec"]["containers"].as_array().unwrap())
        .map(|c| c["image"].as_str().unwrap())
        .collect();
    images.sort_unstable();
    assert_eq!(
        images,
        [
            "docker.io/grafana/grafana:12.0.1",
            "docker.io/jaegertracing/jaeger:2.17.0",
            "docker.io/prom/prometheus:v3.10.0",
            "ghcr.io/prometheus-operator/prometheus-config-reloader:v0.89.0",
            "quay.io/kiali/kiali:v2.27",
        ]
    );
}
