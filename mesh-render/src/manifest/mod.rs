//! Kubernetes manifests for a merged configuration, built in Rust the way Istio's charts
//! render them for `istioctl manifest generate`.
//!
//! [`render`] walks the enabled components of a [`Merged`] configuration (base, istiod, each
//! ingress and egress gateway, CNI, ztunnel) and builds their objects as typed
//! `k8s-openapi` values. The component `k8s` settings (resources, replicas, autoscaling,
//! env, scheduling, service, annotations) are applied to each component's main objects,
//! then its `k8s.overlays` patches. The result is a [`Manifest`] sorted as istioctl sorts
//! its output, with a reverse order for deletion.
//!
//! ```
//! use mesh_render::{Component, Overlays, manifest};
//!
//! let merged = Overlays::new()
//!     .set("profile=minimal")?
//!     .set("components.pilot.k8s.replicaCount=2")?
//!     .set("values.pilot.autoscaleEnabled=false")?
//!     .merge()?;
//! let manifest = manifest::render(&merged)?;
//! let istiod = manifest.component(Component::Pilot).find(|o| o.resource.kind() == "Deployment").unwrap();
//! let replicas = match &istiod.resource {
//!     manifest::Resource::Deployment(d) => d.spec.as_ref().and_then(|s| s.replicas),
//!     _ => None,
//! };
//! assert_eq!(replicas, Some(2));
//! // Two replicas without autoscaling: Istio adds a PodDisruptionBudget.
//! assert!(manifest.find("PodDisruptionBudget", "istiod").is_some());
//! # Ok::<(), mesh_render::Error>(())
//! ```
//!
//! What the objects hold follows the chart snapshot Istio's `manifest generate` goldens were
//! rendered from (`mesh-render/tests/manifest_corpus.rs` compares them). Known differences
//! (each one the tests allow is explained in `docs/install-differences.md`):
//!
//! - The `istio-sidecar-injector` ConfigMap carries the injection policy and selectors but
//!   not Istio's Go injection templates (mesh injects in Rust, see [`crate::inject`]); the
//!   `values` ConfigMaps hold mesh's whole Helm values tree rather than the istiod chart's
//!   own flattened layout.
//! - Objects are typed, so fields a kind does not have are dropped (an overlay that writes
//!   `spec.automountServiceAccountToken` on a ServiceAccount), and `hpaSpec` metrics without
//!   a `type` get the one their source names (Kubernetes requires it; istioctl omits it).
//! - Not rendered yet: ztunnel's OpenShift RBAC and CNI's NetworkAttachmentDefinition (a
//!   Multus kind k8s-openapi does not type). The node agents' ResourceQuotas and
//!   NetworkPolicies, the JWKS ConfigMap, revision
//!   tags (`values.revisionTags`), the remote istiod's Service and EndpointSlice
//!   (`istiodRemote.enabled` with `global.remotePilotAddress`) and the `stable` channel's
//!   ValidatingAdmissionPolicies are rendered.

use std::cmp::Ordering;

use mesh_api::k8s_openapi;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::overlays::{Component, Merged};

mod base;
mod gateway;
mod istiod;
mod k8s;
mod node;
mod values;

pub use k8s::apply_overlay_patch;

/// The Helm values istiod's chart renders with for a merged configuration (chart defaults,
/// chart profile, user values), as untyped data.
pub(crate) fn effective_values(merged: &Merged) -> Value {
    values::Values::new(merged).into_tree()
}

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
    ValidatingWebhookConfiguration,
};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ResourceQuota, Service, ServiceAccount};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

macro_rules! resources {
    ($( $variant:ident ),* $(,)?) => {
        /// One rendered Kubernetes object, typed.
        ///
        /// Values are boxed so the enum stays small whatever the kind.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Resource {
            $(
                #[doc = concat!("A `", stringify!($variant), "`.")]
                $variant(Box<$variant>),
            )*
        }

        impl Resource {
            /// The kind, such as `Deployment`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => <$variant as k8s_openapi::Resource>::KIND, )*
                }
            }

            /// The API group (`""` for the core group).
            pub fn group(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => <$variant as k8s_openapi::Resource>::GROUP, )*
                }
            }

            /// The `apiVersion`, such as `apps/v1`.
            pub fn api_version(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => <$variant as k8s_openapi::Resource>::API_VERSION, )*
                }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &ObjectMeta {
                match self {
                    $( Self::$variant(o) => &o.metadata, )*
                }
            }

            /// The object as data, with `apiVersion` and `kind` first.
            ///
            /// # Errors
            ///
            /// A serializer error (a bug; please report it).
            pub fn to_json(&self) -> std::result::Result<Value, serde_json::Error> {
                match self {
                    $( Self::$variant(o) => serde_json::to_value(o), )*
                }
            }

            /// Reads an object of a known kind from data (`apiVersion` and `kind` set).
            fn from_json(value: Value) -> std::result::Result<Self, String> {
                let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
                match kind.as_str() {
                    $(
                        stringify!($variant) => serde_json::from_value::<$variant>(value)
                            .map(|o| Self::$variant(Box::new(o)))
                            .map_err(|e| format!("{kind}: {e}")),
                    )*
                    other => Err(format!("kind {other:?} is not one mesh renders")),
                }
            }
        }
    };
}

resources!(
    Namespace,
    CustomResourceDefinition,
    ServiceAccount,
    ClusterRole,
    ClusterRoleBinding,
    Role,
    RoleBinding,
    ValidatingWebhookConfiguration,
    MutatingWebhookConfiguration,
    ConfigMap,
    Deployment,
    DaemonSet,
    Service,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    NetworkPolicy,
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    EndpointSlice,
    ResourceQuota,
);

impl Resource {
    /// The object's name (empty when unset).
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// The object's namespace, for namespaced kinds.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// The key istioctl's output filters match: `Kind:namespace:name`, or `Kind:name` for
    /// cluster roles and their bindings.
    pub fn key(&self) -> String {
        match self.kind() {
            "ClusterRole" | "ClusterRoleBinding" => format!("{}:{}", self.kind(), self.name()),
            kind => format!("{kind}:{}:{}", self.namespace().unwrap_or_default(), self.name()),
        }
    }
}

/// A rendered object and the component that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestObject {
    /// The component whose chart renders the object.
    pub component: Component,
    /// The object.
    pub resource: Resource,
}

/// The objects of an installation, in an order `kubectl apply` accepts.
///
/// The order is istioctl's: CRDs first, then service accounts and cluster roles, cluster role
/// bindings, validating webhooks, config maps, every other kind, autoscalers, and services
/// last; ties by API group, kind, namespace and name. [`Manifest::reverse`] gives the order
/// for deletion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifest {
    objects: Vec<ManifestObject>,
}

impl Manifest {
    /// The objects, in apply order.
    pub fn objects(&self) -> &[ManifestObject] {
        &self.objects
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether nothing was rendered.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The objects one component made, in apply order.
    pub fn component(&self, component: Component) -> impl Iterator<Item = &ManifestObject> {
        self.objects.iter().filter(move |o| o.component == component)
    }

    /// The first object of a kind and name (any namespace).
    pub fn find(&self, kind: &str, name: &str) -> Option<&Resource> {
        self.objects.iter().map(|o| &o.resource).find(|r| r.kind() == kind && r.name() == name)
    }

    /// The same objects in deletion order: the apply order reversed, so services and
    /// workloads go before the roles and CRDs they rely on.
    pub fn reverse(&self) -> Manifest {
        Manifest { objects: self.objects.iter().rev().cloned().collect() }
    }

    /// The objects as a YAML stream, each document followed by `---`, as
    /// `istioctl manifest generate` prints them (keys sorted within each object).
    ///
    /// # Errors
    ///
    /// [`Error::Render`] when an object cannot be written (a bug; please report it).
    pub fn to_yaml(&self) -> Result<String> {
        let mut out = String::new();
        for object in &self.objects {
            let value = object
                .resource
                .to_json()
                .map_err(|e| Error::Render { message: format!("{}: {e}", object.resource.key()) })?;
            let text = mesh_api::to_yaml(&sorted(value))
                .map_err(|e| Error::Render { message: format!("{}: {e}", object.resource.key()) })?;
            out.push_str(&text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("---\n");
        }
        Ok(out)
    }

    /// The same objects preceded by a `Namespace` for each namespace they use, so that
    /// `kubectl apply` works on an empty cluster (istioctl creates the namespace itself and
    /// never prints it). Each namespace is attributed to the first component using it.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_render::{Overlays, manifest};
    ///
    /// let merged = Overlays::new().set("profile=minimal")?.merge()?;
    /// let manifest = manifest::render(&merged)?.with_namespaces();
    /// assert_eq!(manifest.objects()[0].resource.key(), "Namespace::istio-system");
    /// # Ok::<(), mesh_render::Error>(())
    /// ```
    pub fn with_namespaces(&self) -> Manifest {
        let mut objects = self.objects.clone();
        let mut seen: Vec<&str> = Vec::new();
        for object in &self.objects {
            let Some(namespace) = object.resource.namespace().filter(|n| !seen.contains(n)) else { continue };
            seen.push(namespace);
            if self.objects.iter().any(|o| o.resource.kind() == "Namespace" && o.resource.name() == namespace) {
                continue;
            }
            let resource = Namespace {
                metadata: ObjectMeta { name: Some(namespace.to_owned()), ..ObjectMeta::default() },
                ..Namespace::default()
            };
            objects.push(ManifestObject {
                component: object.component,
                resource: Resource::Namespace(Box::new(resource)),
            });
        }
        let mut manifest = Manifest { objects };
        manifest.sort();
        manifest
    }

    fn sort(&mut self) {
        self.objects.sort_by(|a, b| apply_order(&a.resource, &b.resource));
    }
}

/// istioctl's rank of a kind in its output.
fn rank(kind: &str) -> i32 {
    match kind {
        "Namespace" => -2000,
        "CustomResourceDefinition" => -1000,
        "ServiceAccount" | "ClusterRole" => 1,
        "ClusterRoleBinding" => 2,
        "ValidatingWebhookConfiguration" => 3,
        "ConfigMap" => 100,
        "HorizontalPodAutoscaler" => 1001,
        "Service" => 10000,
        _ => 1000,
    }
}

fn apply_order(a: &Resource, b: &Resource) -> Ordering {
    rank(a.kind())
        .cmp(&rank(b.kind()))
        .then_with(|| a.group().cmp(b.group()))
        .then_with(|| a.kind().cmp(b.kind()))
        .then_with(|| a.name().cmp(b.name()))
        .then_with(|| a.namespace().cmp(&b.namespace()))
}

/// A copy with every map's keys sorted, as Go's YAML writer prints maps.
pub(crate) fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Renders every enabled component of a merged configuration.
///
/// # Examples
///
/// ```
/// use mesh_render::{Component, Overlays, manifest};
///
/// let merged = Overlays::new().set("profile=demo")?.set("revision=canary")?.merge()?;
/// let manifest = manifest::render(&merged)?;
/// let istiod = manifest.find("Deployment", "istiod-canary").unwrap();
/// assert_eq!(istiod.namespace(), Some("istio-system"));
/// assert!(manifest.find("Service", "istio-egressgateway").is_some());
/// // CRDs come first, services last.
/// assert_eq!(manifest.objects()[0].resource.kind(), "CustomResourceDefinition");
/// assert_eq!(manifest.objects().last().unwrap().resource.kind(), "Service");
/// assert!(manifest.to_yaml()?.contains("image: registry.istio.io/testing/pilot:latest"));
/// # Ok::<(), mesh_render::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Render`] when a component's `k8s` settings or overlays cannot be applied (an
/// overlay path that does not resolve, a patched object that no longer fits its kind).
pub fn render(merged: &Merged) -> Result<Manifest> {
    let values = values::Values::new(merged);
    let mut out = Vec::new();
    let mut push = |component: Component, crds: Vec<CustomResourceDefinition>, objects: Vec<Value>| -> Result<()> {
        for crd in crds {
            out.push(ManifestObject { component, resource: Resource::CustomResourceDefinition(Box::new(crd)) });
        }
        for object in objects {
            let resource = Resource::from_json(object).map_err(|message| Error::Render { message })?;
            out.push(ManifestObject { component, resource });
        }
        Ok(())
    };
    if merged.is_enabled(Component::Base) {
        let spec = component_k8s(merged, Component::Base);
        let namespace = namespace_of(merged, Component::Base);
        let overlays = spec.get("overlays").and_then(Value::as_array).into_iter().flatten();
        if overlays.clone().any(|o| o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")) {
            // Overlays patch data, so CRDs they may target go through it.
            let objects = base::render(&values, &namespace);
            push(Component::Base, Vec::new(), k8s::apply(objects, &spec, &k8s::Targets::none())?)?;
        } else {
            // The CRDs stay typed: no overlay can touch them.
            let (crds, objects) = base::render_parts(&values, &namespace);
            push(Component::Base, crds, k8s::apply(objects, &spec, &k8s::Targets::none())?)?;
        }
    }
    if merged.is_enabled(Component::Pilot) {
        let spec = component_k8s(merged, Component::Pilot);
        let pilot = values.for_pilot(merged, &spec);
        let namespace = namespace_of(merged, Component::Pilot);
        let (objects, targets) = istiod::render(&pilot, &namespace);
        push(Component::Pilot, Vec::new(), k8s::apply(objects, &spec, &targets)?)?;
    }
    for component in [Component::IngressGateways, Component::EgressGateways] {
        for entry in merged.gateways(component) {
            let spec = gateway_k8s(merged, component, entry.name.as_deref());
            let gateway = values.for_gateway(component, &entry, &spec);
            let (objects, targets) = gateway::render(&gateway);
            push(component, Vec::new(), k8s::apply(objects, &spec, &targets)?)?;
        }
    }
    for component in [Component::Cni, Component::Ztunnel] {
        if merged.is_enabled(component) {
            let spec = component_k8s(merged, component);
            let namespace = namespace_of(merged, component);
            let (objects, targets) = node::render(component, &values.with_k8s(&spec), &namespace);
            push(component, Vec::new(), k8s::apply(objects, &spec, &targets)?)?;
        }
    }
    let mut manifest = Manifest { objects: out };
    manifest.sort();
    Ok(manifest)
}

/// A component's `k8s` block as data (null when absent).
fn component_k8s(merged: &Merged, component: Component) -> Value {
    merged.tree().pointer(&format!("/spec/components/{}/k8s", component.spec_name())).cloned().unwrap_or(Value::Null)
}

/// A gateway entry's `k8s` block as written (null when absent), found by the entry's name.
fn gateway_k8s(merged: &Merged, component: Component, name: Option<&str>) -> Value {
    let list = merged.tree().pointer(&format!("/spec/components/{}", component.spec_name())).and_then(Value::as_array);
    let entry = list.into_iter().flatten().find(|e| e.get("name").and_then(Value::as_str) == name);
    entry.and_then(|e| e.get("k8s")).cloned().unwrap_or(Value::Null)
}

/// A component's namespace: its own, else `metadata.namespace`, else `istio-system`
/// (CNI and ztunnel follow the same rule in current Istio).
fn namespace_of(merged: &Merged, component: Component) -> String {
    let tree = merged.tree();
    let own = tree.pointer(&format!("/spec/components/{}/namespace", component.spec_name())).and_then(Value::as_str);
    let meta = tree.pointer("/metadata/namespace").and_then(Value::as_str);
    own.filter(|n| !n.is_empty()).or(meta.filter(|n| !n.is_empty())).unwrap_or("istio-system").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;

    fn render_with(flags: &[&str]) -> Manifest {
        let mut overlays = Overlays::new();
        for flag in flags {
            overlays.set(flag).unwrap();
        }
        render(&overlays.merge().unwrap()).unwrap()
    }

    fn keys(manifest: &Manifest) -> Vec<String> {
        manifest.objects().iter().map(|o| o.resource.key()).collect()
    }

    #[test]
    fn empty_profile_renders_nothing() {
        assert!(render_with(&["profile=empty"]).is_empty());
    }

    #[test]
    fn crds_come_first_and_services_last() {
        let manifest = render_with(&[]);
        let kinds: Vec<&str> = manifest.objects().iter().map(|o| o.resource.kind()).collect();
        let first_other = kinds.iter().position(|k| *k != "CustomResourceDefinition").unwrap();
        assert!(kinds[..first_other].len() >= 14);
        assert!(kinds[first_other..].iter().all(|k| *k != "CustomResourceDefinition"));
        let first_service = kinds.iter().position(|k| *k == "Service").unwrap();
        assert!(kinds[first_service..].iter().all(|k| *k == "Service"));
    }

    #[test]
    fn reverse_is_the_apply_order_backwards() {
        let manifest = render_with(&[]);
        let mut forward = keys(&manifest);
        forward.reverse();
        assert_eq!(keys(&manifest.reverse()), forward);
    }

    #[test]
    fn default_profile_has_istiod_and_the_ingress_gateway() {
        let manifest = render_with(&[]);
        let keys = keys(&manifest);
        for key in [
            "ServiceAccount:istio-system:istiod",
            "ServiceAccount:istio-system:istio-reader-service-account",
            "ServiceAccount:istio-system:istio-ingressgateway-service-account",
            "ClusterRole:istiod-clusterrole-istio-system",
            "ValidatingWebhookConfiguration::istio-validator-istio-system",
            "ConfigMap:istio-system:istio",
            "ConfigMap:istio-system:istio-sidecar-injector",
            "MutatingWebhookConfiguration::istio-sidecar-injector",
            "Deployment:istio-system:istiod",
            "Deployment:istio-system:istio-ingressgateway",
            "Role:istio-system:istio-ingressgateway-sds",
            "HorizontalPodAutoscaler:istio-system:istiod",
            "Service:istio-system:istio-ingressgateway",
        ] {
            assert!(keys.contains(&key.to_owned()), "missing {key}");
        }
        assert!(!keys.iter().any(|k| k.starts_with("PodDisruptionBudget")));
    }

    #[test]
    fn every_object_names_its_component() {
        let manifest = render_with(&["profile=demo"]);
        let egress = manifest.find("Deployment", "istio-egressgateway").unwrap();
        let made_by = manifest.objects().iter().find(|o| &o.resource == egress).unwrap().component;
        assert_eq!(made_by, Component::EgressGateways);
        assert!(manifest.component(Component::Base).all(|o| o.resource.kind() != "Deployment"));
    }

    #[test]
    fn yaml_stream_ends_each_document_with_a_separator() {
        let text = render_with(&["profile=minimal"]).to_yaml().unwrap();
        assert!(text.ends_with("---\n"));
        assert!(text.starts_with("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"));
    }

    fn json_of(manifest: &Manifest, kind: &str, name: &str) -> Value {
        manifest.find(kind, name).unwrap().to_json().unwrap()
    }

    #[test]
    fn component_hub_and_tag_override_the_global_ones() {
        let manifest = render_with(&[
            "hub=docker.io/istio",
            "tag=1.24.0",
            "components.pilot.hub=my.registry/istio",
            "components.pilot.tag=1.24.1",
            "components.ingressGateways[0].name=istio-ingressgateway",
            "components.ingressGateways[0].tag=1.24.2",
        ]);
        let istiod = json_of(&manifest, "Deployment", "istiod");
        assert_eq!(istiod["spec"]["template"]["spec"]["containers"][0]["image"], "my.registry/istio/pilot:1.24.1");
        let gateway = json_of(&manifest, "Deployment", "istio-ingressgateway");
        assert_eq!(gateway["spec"]["template"]["spec"]["containers"][0]["image"], "docker.io/istio/proxyv2:1.24.2");
    }

    #[test]
    fn gateway_k8s_settings_land_on_its_deployment_and_service() {
        let manifest = render_with(&[
            "components.ingressGateways[0].name=istio-ingressgateway",
            "components.ingressGateways[0].k8s.nodeSelector.disk=ssd",
            "components.ingressGateways[0].k8s.podAnnotations.team=edge",
            "components.ingressGateways[0].k8s.service.type=NodePort",
            "components.ingressGateways[0].k8s.replicaCount=3",
            "components.ingressGateways[0].k8s.resources.limits.memory=2Gi",
        ]);
        let deployment = json_of(&manifest, "Deployment", "istio-ingressgateway");
        let pod = &deployment["spec"]["template"];
        assert_eq!(pod["spec"]["nodeSelector"]["disk"], "ssd");
        assert_eq!(pod["metadata"]["annotations"]["team"], "edge");
        assert_eq!(pod["spec"]["containers"][0]["resources"]["limits"]["memory"], "2Gi");
        assert_eq!(pod["spec"]["containers"][0]["resources"]["requests"]["cpu"], "100m");
        assert_eq!(deployment["spec"]["replicas"], 3);
        assert_eq!(json_of(&manifest, "Service", "istio-ingressgateway")["spec"]["type"], "NodePort");
    }

    #[test]
    fn gateway_service_ports_set_the_container_ports() {
        let manifest = render_with(&[
            "components.ingressGateways[0].name=istio-ingressgateway",
            "components.ingressGateways[0].k8s.service.ports[0].port=8443",
            "components.ingressGateways[0].k8s.service.ports[0].targetPort=9443",
            "components.ingressGateways[0].k8s.service.ports[0].name=https",
        ]);
        let deployment = json_of(&manifest, "Deployment", "istio-ingressgateway");
        let ports = &deployment["spec"]["template"]["spec"]["containers"][0]["ports"];
        assert_eq!(ports[0]["containerPort"], 9443);
        assert_eq!(ports.as_array().unwrap().len(), 2);
        let service = json_of(&manifest, "Service", "istio-ingressgateway");
        assert_eq!(service["spec"]["ports"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn overlays_patch_the_named_object() {
        let manifest = render_with(&[
            "components.pilot.k8s.overlays[0].kind=Service",
            "components.pilot.k8s.overlays[0].name=istiod",
            "components.pilot.k8s.overlays[0].patches[0].path=spec.ports.[name:grpc-xds].port",
            "components.pilot.k8s.overlays[0].patches[0].value=16010",
        ]);
        assert_eq!(json_of(&manifest, "Service", "istiod")["spec"]["ports"][0]["port"], 16010);
    }

    #[test]
    fn a_patched_object_that_no_longer_fits_its_kind_is_an_error() {
        let merged = Overlays::new()
            .set("components.pilot.k8s.overlays[0].kind=Deployment")
            .unwrap()
            .set("components.pilot.k8s.overlays[0].name=istiod")
            .unwrap()
            .set("components.pilot.k8s.overlays[0].patches[0].path=spec.replicas")
            .unwrap()
            .set("components.pilot.k8s.overlays[0].patches[0].value=many")
            .unwrap()
            .merge()
            .unwrap();
        assert!(matches!(render(&merged), Err(Error::Render { .. })));
    }

    #[test]
    fn cluster_roles_key_without_namespace() {
        let manifest = render_with(&["profile=minimal"]);
        let role = manifest.find("ClusterRole", "istiod-clusterrole-istio-system").unwrap();
        assert_eq!(role.key(), "ClusterRole:istiod-clusterrole-istio-system");
    }
}
