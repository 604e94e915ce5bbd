//! The IstioOperator (`install.istio.io/v1alpha1`): what `istioctl install` and
//! `istioctl manifest generate` read to decide which components to install and how.

use indexmap::IndexMap;
use k8s_openapi::api::apps::v1::DeploymentStrategy;
use k8s_openapi::api::autoscaling::v2::{
    ContainerResourceMetricSource, ExternalMetricSource, HorizontalPodAutoscalerBehavior, ObjectMetricSource,
    PodsMetricSource,
};
use k8s_openapi::api::core::v1::{
    Affinity, EnvVar, PodSecurityContext, Probe, ResourceRequirements, ServiceSpec, Toleration, Volume, VolumeMount,
};
use k8s_openapi::api::policy::v1::PodDisruptionBudgetSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::mesh_config::MeshConfig;
use super::values::Values;

/// What to install: a profile, image settings, mesh configuration, per-component Kubernetes
/// settings and Helm values.
///
/// Every field is optional; an empty spec installs the `default` profile.
///
/// # Examples
///
/// ```
/// use mesh_api::install::IstioOperator;
///
/// let iop = mesh_api::from_yaml_str::<IstioOperator>(r#"
/// apiVersion: install.istio.io/v1alpha1
/// kind: IstioOperator
/// spec:
///   profile: demo
///   components:
///     egressGateways:
///     - name: istio-egressgateway
///       enabled: true
///   values:
///     pilot:
///       autoscaleMin: 2
/// "#)?;
/// assert_eq!(iop.spec.profile.as_deref(), Some("demo"));
/// let pilot = iop.spec.values.as_ref().and_then(|v| v.pilot.as_ref());
/// assert_eq!(pilot.and_then(|p| p.autoscale_min), Some(2));
/// # Ok::<(), mesh_api::Error>(())
/// ```
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "install.istio.io",
    version = "v1alpha1",
    kind = "IstioOperator",
    namespaced,
    schema = "manual",
    shortname = "iop",
    shortname = "io",
    category = "istio-io",
    category = "install-istio-io",
    derive = "PartialEq",
    derive = "Default",
    printcolumn(
        name = "Revision",
        type_ = "string",
        description = "Istio control plane revision",
        json_path = ".spec.revision"
    )
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioOperatorSpec {
    /// Profile to start from: a built-in name (`default`, `demo`, `minimal`, `ambient`, ...) or
    /// a file path. Unset means `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Directory holding the charts and profiles to use instead of the built-in ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_package_path: Option<String>,
    /// Image registry for every component, such as `docker.io/istio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag for every component, such as `1.24.0`; a number is accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Namespace for control plane resources; unset means the IstioOperator's own namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Revision of this control plane, for side-by-side installs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Behave like an older release (`major.minor`, such as `1.23`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_version: Option<String>,
    /// Mesh-wide runtime configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_config: Option<Box<MeshConfig>>,
    /// Which components are installed and their Kubernetes settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Box<IstioComponentSpec>>,
    /// Helm values, checked against Istio's values schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Box<Values>>,
    /// Helm values applied without any check, for custom templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub unvalidated_values: Option<Map<String, Value>>,
}

/// The CRD schema of the whole object: an open object, as in Istio's own IstioOperator CRD.
///
/// A typed schema of the spec is available from `schemars::schema_for!(IstioOperatorSpec)`;
/// it is not put in the CRD because, with the Kubernetes pod and service schemas repeated for
/// every component, it grows past the size Kubernetes stores.
impl JsonSchema for IstioOperator {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IstioOperator".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Describes an Istio installation: profile, components, mesh configuration and Helm values.",
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": true
        })
    }
}

/// Which components are installed, and their settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioComponentSpec {
    /// CRDs and cluster-wide resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseComponentSpec>,
    /// istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot: Option<ComponentSpec>,
    /// The CNI node agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<ComponentSpec>,
    /// The ztunnel node proxy (ambient mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<ComponentSpec>,
    /// Support resources for a cluster served by an istiod elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_remote: Option<ComponentSpec>,
    /// Ingress gateways, each a separate deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress_gateways: Vec<GatewayComponentSpec>,
    /// Egress gateways, each a separate deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress_gateways: Vec<GatewayComponentSpec>,
}

/// Settings of the base component.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseComponentSpec {
    /// Whether the component is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Kubernetes settings (only `overlays` has an effect here).
    #[serde(default, rename = "k8s", skip_serializing_if = "Option::is_none")]
    pub k8s: Option<Box<KubernetesResources>>,
}

/// Settings of one component.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentSpec {
    /// Whether the component is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Namespace the component goes into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Image registry, overriding `spec.hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag, overriding `spec.tag`; a number is accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Kubernetes settings of the component's resources.
    #[serde(default, rename = "k8s", skip_serializing_if = "Option::is_none")]
    pub k8s: Option<Box<KubernetesResources>>,
}

/// Settings of one gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayComponentSpec {
    /// Whether the gateway is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Namespace the gateway goes into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Image registry, overriding `spec.hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag, overriding `spec.tag`; a number is accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Kubernetes settings of the gateway's resources.
    #[serde(default, rename = "k8s", skip_serializing_if = "Option::is_none")]
    pub k8s: Option<Box<KubernetesResources>>,
    /// Name of the gateway deployment and service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels of the gateway pods (the selector of Gateway resources).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub label: IndexMap<String, String>,
}

/// Kubernetes settings applied to a component's rendered resources.
///
/// The Kubernetes objects inside are the `k8s-openapi` types; keys they do not know are
/// refused, as Istio does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubernetesResources {
    /// Pod affinity.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Environment variables of the main container.
    #[serde(default, deserialize_with = "super::de::k8s_list", skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// HorizontalPodAutoscaler settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_spec: Option<HorizontalPodAutoscalerSpec>,
    /// Image pull policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Node selector of the pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub node_selector: IndexMap<String, String>,
    /// PodDisruptionBudget settings.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub pod_disruption_budget: Option<PodDisruptionBudgetSpec>,
    /// Annotations of the pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub pod_annotations: IndexMap<String, String>,
    /// Priority class of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Readiness probe of the main container.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Replica count of the Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// Resources of the main container.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Settings merged into the Service.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceSpec>,
    /// Deployment strategy.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// Tolerations of the pods.
    #[serde(default, deserialize_with = "super::de::k8s_list", skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// Annotations of the Service.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub service_annotations: IndexMap<String, String>,
    /// Security context of the pods.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    /// Extra volumes of the pods.
    #[serde(default, deserialize_with = "super::de::k8s_list", skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// Extra volume mounts of the main container.
    #[serde(default, deserialize_with = "super::de::k8s_list", skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
    /// Patches applied to rendered resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlays: Vec<KubernetesOverlay>,
}

/// HorizontalPodAutoscaler settings merged into the rendered autoscaler.
///
/// Unlike the Kubernetes type, every field may be left out: only what is set is merged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HorizontalPodAutoscalerSpec {
    /// The workload to scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_target_ref: Option<ScaleTargetRef>,
    /// Fewest replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    /// Most replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<i32>,
    /// Metrics that drive scaling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    /// Scaling behaviour.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

/// The workload an autoscaler scales.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScaleTargetRef {
    /// API version of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One metric of an autoscaler.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSpec {
    /// Metric source type (`Resource`, `Pods`, `Object`, `External`, `ContainerResource`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// A resource metric of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
    /// A resource metric of one container.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub container_resource: Option<ContainerResourceMetricSource>,
    /// A custom metric of the pods.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodsMetricSource>,
    /// A metric of another object.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectMetricSource>,
    /// A metric from outside the cluster.
    #[serde(default, deserialize_with = "super::de::k8s", skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalMetricSource>,
}

/// A resource metric (CPU, memory) of the pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceMetricSource {
    /// Resource name, such as `cpu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The target value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<MetricTarget>,
}

/// The target value of a metric.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricTarget {
    /// Target type (`Utilization`, `Value`, `AverageValue`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Average utilisation, in percent of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
    /// Average value per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
    /// Total value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
}

/// Patches for one rendered resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubernetesOverlay {
    /// API version of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the resource, such as `Deployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the resource (its namespace is the component's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The patches, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
}

/// One patch: set, add or (without a value) delete the node at a path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patch {
    /// Path such as `spec.template.spec.containers.[name:discovery].args.[30m]`: `[key:value]`
    /// picks a list item by a field, `[:value]` or `[value]` a scalar list item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// New value; left out, the node is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub value: Option<Value>,
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::install::test_corpus::{dir as corpus, yaml_files};

    /// Reads `path` as an IstioOperator and checks it writes back as the same data.
    fn round_trip(path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path).unwrap();
        let iop = crate::from_yaml_str::<IstioOperator>(&text).map_err(|e| e.to_string())?;
        let mut input = crate::read_untyped(&text).remove(0).unwrap();
        // istioctl reads a missing or empty `metadata` and `spec` as empty; so do we.
        for key in ["metadata", "spec"] {
            if input.get(key).is_none_or(Value::is_null) {
                input[key] = Value::Object(serde_json::Map::new());
            }
        }
        let output = serde_json::to_value(&iop).unwrap();
        if input == output { Ok(()) } else { Err(format!("differs:\n{input:#}\n---\n{output:#}")) }
    }

    /// Inputs Istio itself refuses, with a word the error must contain.
    const REFUSED_INPUTS: &[(&str, &str)] = &[("flag_force.yaml", "badKey")];

    #[test]
    fn every_profile_round_trips() {
        let Some(corpus) = corpus() else { return };
        let files = yaml_files(&corpus.join("profiles"));
        let mut ok = 0;
        for path in &files {
            if let Err(e) = round_trip(path) {
                panic!("{}: {e}", path.display());
            }
            ok += 1;
        }
        println!("{ok}/{} profiles round trip", files.len());
        assert_eq!(ok, 10);
    }

    #[test]
    fn every_accepted_manifest_generate_input_round_trips() {
        let Some(corpus) = corpus() else { return };
        let files = yaml_files(&corpus.join("manifest-generate/input"));
        let (mut ok, mut refused) = (0, 0);
        for path in &files {
            let name = path.file_name().unwrap().to_str().unwrap();
            match (round_trip(path), REFUSED_INPUTS.iter().find(|(n, _)| *n == name)) {
                (Ok(()), None) => ok += 1,
                (Err(e), Some((_, word))) if e.contains(word) => refused += 1,
                (result, _) => panic!("{name}: unexpected {result:?}"),
            }
        }
        println!("{ok}/{} manifest-generate inputs round trip, {refused} refused as Istio does", files.len());
        assert_eq!(ok + refused, files.len());
    }

    #[test]
    fn every_injection_overlay_round_trips() {
        let Some(corpus) = corpus() else { return };
        let mut files: Vec<PathBuf> = yaml_files(&corpus.join("inject/cases"))
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(".iop.yaml"))
            .collect();
        files.push(corpus.join("inject/istioctl-kubeinject/istio-operator.yaml"));
        for path in &files {
            if let Err(e) = round_trip(path) {
                panic!("{}: {e}", path.display());
            }
        }
        println!("{}/{} injection IstioOperators round trip", files.len(), files.len());
        assert_eq!(files.len(), 9);
    }

    #[test]
    fn metadata_and_spec_may_be_left_out() {
        let iop = crate::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n",
        )
        .unwrap();
        assert_eq!(iop.spec, IstioOperatorSpec::default());
    }

    #[test]
    fn unknown_values_key_is_refused_with_its_name() {
        let err = crate::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    pilot:\n      autoscaleMinn: 2\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("autoscaleMinn"), "{err}");
    }

    #[test]
    fn unknown_top_level_key_is_refused() {
        let err = crate::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nstatus: {}\nspec: {}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("status: this kind has no status"), "{err}");
    }

    #[test]
    fn unknown_kubernetes_setting_is_refused_with_its_name() {
        let err = crate::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        resources:\n          request: {cpu: 1}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field \"request\""), "{err}");
    }

    #[test]
    fn numbers_in_values_may_be_text() {
        let iop = crate::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    pilot:\n      autoscaleMax: \"8\"\n",
        )
        .unwrap();
        let pilot = iop.spec.values.unwrap().pilot.unwrap();
        assert_eq!(pilot.autoscale_max, Some(8));
    }

    #[test]
    fn crd_names_the_kind() {
        let crd = IstioOperator::crd();
        assert_eq!(crd.metadata.name.as_deref(), Some("istiooperators.install.istio.io"));
        assert_eq!(crd.spec.names.short_names, Some(vec!["iop".to_owned(), "io".to_owned()]));
        assert_eq!(crd.spec.scope, "Namespaced");
        let schema = serde_json::to_value(&crd.spec.versions[0].schema).unwrap();
        let root = &schema["openAPIV3Schema"];
        assert_eq!(root["type"], "object");
        assert_eq!(root["x-kubernetes-preserve-unknown-fields"], true);
        // The typed schema of the spec stays available on its own.
        let spec = serde_json::to_value(schemars::schema_for!(IstioOperatorSpec)).unwrap();
        assert!(spec["properties"]["values"].is_object());
    }
}
