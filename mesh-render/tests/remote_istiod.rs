//! A cluster whose control plane runs elsewhere (profile `remote`), checked the way Istio's
//! `TestManifestGenerateIstiodRemote*` tests check it: the injector and validation webhooks
//! call the primary, and a Service with an EndpointSlice (or an ExternalName Service) points
//! at the primary's address.

use mesh_render::manifest::{self, Manifest};
use mesh_render::{Component, Overlays};
use serde_json::{Value, json};

/// Renders the `remote` profile with these values (YAML under `spec.values`).
fn remote(values: &str) -> Manifest {
    let indented: String = values.lines().map(|l| format!("    {l}\n")).collect();
    let text = format!("spec:\n  profile: remote\n  values:\n{indented}");
    let merged = Overlays::new().yaml("remote.yaml", &text).and_then(|o| o.merge()).expect("valid configuration");
    manifest::render(&merged).expect("renders")
}

fn object(manifest: &Manifest, kind: &str, name: &str) -> Option<Value> {
    manifest.find(kind, name).map(|o| o.to_json().expect("json"))
}

const PRIMARY: &str = "global:\n  multiCluster:\n    clusterName: remote0\n  network: network2\n  remotePilotAddress: 169.10.112.88\n  omitSidecarInjectorConfigMap: false\n";

#[test]
fn remote_cluster_injects_through_the_primary_url() {
    let m = remote(&format!(
        "{PRIMARY}istiodRemote:\n  injectionURL: https://xxx:15017/inject\nbase:\n  validationURL: https://xxx:15017/validate\n"
    ));
    for crd in ["destinationrules.networking.istio.io", "authorizationpolicies.security.istio.io"] {
        assert!(object(&m, "CustomResourceDefinition", crd).is_some(), "{crd}");
    }
    assert!(object(&m, "ConfigMap", "istio-sidecar-injector").is_some());
    assert!(object(&m, "ServiceAccount", "istio-reader-service-account").is_some());
    assert!(object(&m, "Deployment", "istiod").is_none());
    let mwc = object(&m, "MutatingWebhookConfiguration", "istio-sidecar-injector").expect("webhook");
    assert_eq!(mwc["webhooks"][0]["clientConfig"]["url"], "https://xxx:15017/inject");
    let slice = object(&m, "EndpointSlice", "istiod").expect("endpoints");
    assert_eq!(slice["endpoints"][0]["addresses"][0], "169.10.112.88");
    assert_eq!(slice["ports"][0], json!({"name": "tcp-istiod", "port": 15012, "protocol": "TCP"}));
    assert!(object(&m, "Service", "istiod").is_some());
    // Not a config cluster: no validation webhook of its own.
    assert!(object(&m, "ValidatingWebhookConfiguration", "istio-validator-istio-system").is_none());
    assert!(m.component(Component::Pilot).any(|o| o.resource.kind() == "EndpointSlice"));
}

#[test]
fn ipv6_primary_address_gets_an_ipv6_endpoint_slice_and_a_plain_service() {
    let m =
        remote("global:\n  remotePilotAddress: 2001:db8::1\nistiodRemote:\n  injectionURL: https://xxx:15017/inject\n");
    let slice = object(&m, "EndpointSlice", "istiod").expect("endpoints");
    assert_eq!(slice["addressType"], "IPv6");
    assert_eq!(slice["endpoints"][0]["addresses"][0], "2001:db8::1");
    let service = object(&m, "Service", "istiod").expect("service");
    assert!(service["spec"].get("type").is_none() && service["spec"].get("externalName").is_none());
}

#[test]
fn config_cluster_validates_through_the_primary_url() {
    let m = remote(&format!("{PRIMARY}  configCluster: true\nbase:\n  validationURL: https://xxx:15017/validate\n"));
    let mwc = object(&m, "MutatingWebhookConfiguration", "istio-sidecar-injector").expect("webhook");
    assert_eq!(mwc["webhooks"][0]["clientConfig"]["service"]["name"], "istiod");
    let vwc = object(&m, "ValidatingWebhookConfiguration", "istio-validator-istio-system").expect("validator");
    assert_eq!(vwc["webhooks"][0]["clientConfig"]["url"], "https://xxx:15017/validate");
    assert_eq!(
        object(&m, "EndpointSlice", "istiod").expect("endpoints")["endpoints"][0]["addresses"][0],
        "169.10.112.88"
    );
}

#[test]
fn local_injection_keeps_an_istiod_and_names_the_primary_service_remote() {
    let m = remote(&format!("profile: remote\n{PRIMARY}istiodRemote:\n  enabledLocalInjectorIstiod: true\n"));
    assert!(object(&m, "Deployment", "istiod").is_some());
    assert!(object(&m, "Service", "istiod").is_some());
    assert!(object(&m, "Service", "istiod-remote").is_some());
    let slice = object(&m, "EndpointSlice", "istiod-remote").expect("endpoints");
    assert_eq!(slice["endpoints"][0]["addresses"][0], "169.10.112.88");
    let vwc = object(&m, "ValidatingWebhookConfiguration", "istio-validator-istio-system").expect("validator");
    assert_eq!(vwc["webhooks"][0]["clientConfig"]["service"]["name"], "istiod");
}
