//! Every Istio kind is a `kube::Resource`, so `kube::Api<VirtualService>` works for users who
//! bring a kube client, with the group, version and plural the API server serves.

use kube::Resource;
use mesh_api::extensions::{TrafficExtension, WasmPlugin};
use mesh_api::install::IstioOperator;
use mesh_api::networking::{
    DestinationRule, EnvoyFilter, Gateway, ProxyConfig, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
    WorkloadGroup,
};
use mesh_api::security::{AuthorizationPolicy, PeerAuthentication, RequestAuthentication};
use mesh_api::telemetry::Telemetry;

fn coordinates<K: Resource<DynamicType = ()>>() -> (String, String, String) {
    (K::api_version(&()).into_owned(), K::kind(&()).into_owned(), K::plural(&()).into_owned())
}

#[test]
fn every_kind_names_its_storage_version_and_plural() {
    let found = [
        coordinates::<VirtualService>(),
        coordinates::<DestinationRule>(),
        coordinates::<Gateway>(),
        coordinates::<ServiceEntry>(),
        coordinates::<Sidecar>(),
        coordinates::<WorkloadEntry>(),
        coordinates::<WorkloadGroup>(),
        coordinates::<EnvoyFilter>(),
        coordinates::<ProxyConfig>(),
        coordinates::<AuthorizationPolicy>(),
        coordinates::<PeerAuthentication>(),
        coordinates::<RequestAuthentication>(),
        coordinates::<Telemetry>(),
        coordinates::<WasmPlugin>(),
        coordinates::<TrafficExtension>(),
        coordinates::<IstioOperator>(),
    ];
    let expected = [
        ("networking.istio.io/v1", "VirtualService", "virtualservices"),
        ("networking.istio.io/v1", "DestinationRule", "destinationrules"),
        ("networking.istio.io/v1", "Gateway", "gateways"),
        ("networking.istio.io/v1", "ServiceEntry", "serviceentries"),
        ("networking.istio.io/v1", "Sidecar", "sidecars"),
        ("networking.istio.io/v1", "WorkloadEntry", "workloadentries"),
        ("networking.istio.io/v1", "WorkloadGroup", "workloadgroups"),
        ("networking.istio.io/v1alpha3", "EnvoyFilter", "envoyfilters"),
        ("networking.istio.io/v1beta1", "ProxyConfig", "proxyconfigs"),
        ("security.istio.io/v1", "AuthorizationPolicy", "authorizationpolicies"),
        ("security.istio.io/v1", "PeerAuthentication", "peerauthentications"),
        ("security.istio.io/v1", "RequestAuthentication", "requestauthentications"),
        ("telemetry.istio.io/v1alpha1", "Telemetry", "telemetries"),
        ("extensions.istio.io/v1alpha1", "WasmPlugin", "wasmplugins"),
        ("extensions.istio.io/v1alpha1", "TrafficExtension", "trafficextensions"),
        ("install.istio.io/v1alpha1", "IstioOperator", "istiooperators"),
    ];
    for ((api_version, kind, plural), want) in found.iter().zip(expected) {
        assert_eq!((api_version.as_str(), kind.as_str(), plural.as_str()), want);
    }
}

#[test]
fn namespaced_objects_carry_their_metadata() {
    let vs = VirtualService::builder("reviews").namespace("shop").route_to("reviews", None).build().expect("valid");
    assert_eq!(vs.meta().namespace.as_deref(), Some("shop"));
    assert_eq!(vs.meta().name.as_deref(), Some("reviews"));
}
