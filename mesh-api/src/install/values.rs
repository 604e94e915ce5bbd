//! The `spec.values` tree of an IstioOperator: the Helm values Istio checks against its own
//! schema (`operator/pkg/apis/values_types.proto` in Istio's sources) before rendering.
//!
//! Istio refuses keys this schema does not know, so every message here denies unknown fields.
//! Parts Istio leaves open (`google.protobuf.Struct` and `Value` in the schema, such as
//! `pilot.env` or the whole `ztunnel` block) are kept as ordered JSON. Numbers may be written as
//! numbers or as numeric strings, as Istio's protobuf JSON reader allows.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Duration, IntOrString};

use super::mesh_config::MeshConfig;

/// An open JSON object, kept in the order written.
pub type Struct = Map<String, Value>;

/// The values Istio passes to its Helm charts, checked against Istio's schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Values {
    /// Settings of the CNI node agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<CniConfig>,
    /// Settings of the classic ingress and egress gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<GatewaysConfig>,
    /// Settings every chart shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global: Option<GlobalConfig>,
    /// Settings of istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot: Option<PilotConfig>,
    /// Settings of the ztunnel chart; Istio leaves this block open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub ztunnel: Option<Value>,
    /// Telemetry switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telemetry: Option<TelemetryConfig>,
    /// Settings of the sidecar injection webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_injector_webhook: Option<SidecarInjectorConfig>,
    /// Former CNI switch for istiod (deprecated; use `pilot.cni`).
    #[serde(default, rename = "istio_cni", alias = "istioCni", skip_serializing_if = "Option::is_none")]
    pub istio_cni: Option<CniUsageConfig>,
    /// Control plane revision these values install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Name of the owner of the installed resources, for Helm compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// Mesh-wide runtime configuration; merged with `spec.meshConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_config: Option<MeshConfig>,
    /// Settings of the base chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseConfig>,
    /// Remote istiod settings (deprecated; use `pilot.istiodRemote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_remote: Option<IstiodRemoteConfig>,
    /// Revision tags to create, each pointing at this revision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revision_tags: Vec<String>,
    /// The revision the `default` tag points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_revision: Option<String>,
    /// The Helm profile applied by the charts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Make the charts behave like an older release (`major.minor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_version: Option<String>,
    /// Experimental switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<ExperimentalConfig>,
    /// Per-GatewayClass defaults for automatically deployed gateways; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub gateway_classes: Option<Value>,
}

/// Per-architecture scheduling weights (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchConfig {
    /// Weight for amd64 nodes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub amd64: Option<u32>,
    /// Weight for ppc64le nodes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub ppc64le: Option<u32>,
    /// Weight for s390x nodes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub s390x: Option<u32>,
    /// Weight for arm64 nodes.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub arm64: Option<u32>,
}

/// Settings of the `istio-cni` node agent chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CniConfig {
    /// Whether the CNI agent is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Image registry for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag for the agent (text or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Image variant, such as `distroless`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Image name or full reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Image pull policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<String>,
    /// Host directory holding CNI binaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_bin_dir: Option<String>,
    /// Host directory holding CNI configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_conf_dir: Option<String>,
    /// File name of the CNI configuration to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_conf_file_name: Option<String>,
    /// Host directory holding network namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_netns_dir: Option<String>,
    /// Namespaces whose pods the plugin leaves alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_namespaces: Vec<String>,
    /// Pod affinity of the agent (a Kubernetes `Affinity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub affinity: Option<Struct>,
    /// Extra environment variables, name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub env: Option<Struct>,
    /// Labels for the DaemonSet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub daemon_set_labels: Option<Struct>,
    /// Pod annotations (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_annotations: Option<Struct>,
    /// Pod labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_labels: Option<Struct>,
    /// Cluster role for pod security policies (unused).
    #[serde(default, alias = "psp_cluster_role", skip_serializing_if = "Option::is_none")]
    pub psp_cluster_role: Option<String>,
    /// Log level (deprecated; use `logging.level`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// Logging settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<GlobalLoggingConfig>,
    /// The repair controller for pods started before the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<CniRepairConfig>,
    /// Whether the plugin is chained to an existing CNI configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained: Option<bool>,
    /// A ResourceQuota for the agent's namespace.
    #[serde(default, alias = "resource_quotas", skip_serializing_if = "Option::is_none")]
    pub resource_quotas: Option<ResourceQuotas>,
    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Whether the agent runs privileged (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// Seccomp profile of the agent (a Kubernetes `SeccompProfile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub seccomp_profile: Option<Struct>,
    /// Ambient mode settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambient: Option<CniAmbientConfig>,
    /// The CNI provider, such as `default` or `multus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Rolling update limit of the DaemonSet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_unavailable: Option<IntOrString>,
    /// Whether Istio writes its own CNI configuration file.
    #[serde(default, rename = "istioOwnedCNIConfig", skip_serializing_if = "Option::is_none")]
    pub istio_owned_cni_config: Option<bool>,
    /// File name of Istio's own CNI configuration.
    #[serde(default, rename = "istioOwnedCNIConfigFileName", skip_serializing_if = "Option::is_none")]
    pub istio_owned_cni_config_file_name: Option<String>,
    /// Whether the AppArmor annotation is added to the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_app_armor_annotation: Option<bool>,
}

/// Whether istiod expects a CNI agent, and which.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CniUsageConfig {
    /// Whether the CNI agent is in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether the plugin is chained (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained: Option<bool>,
    /// The CNI provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Ambient mode settings of the CNI agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CniAmbientConfig {
    /// Whether ambient redirection is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Directory for ambient configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dir: Option<String>,
    /// Whether DNS traffic is captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_capture: Option<bool>,
    /// Whether IPv6 rules are installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<bool>,
    /// Whether in-pod iptables rules are reconciled when the agent starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconcile_iptables_on_startup: Option<bool>,
    /// Selectors of pods or namespaces enrolled in ambient mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enablement_selectors: Vec<Struct>,
    /// Whether ztunnel shares the host network namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_host_network_namespace: Option<bool>,
    /// Whether ambient detection is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_ambient_detection_retry: Option<bool>,
}

/// The CNI repair controller.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CniRepairConfig {
    /// Whether the repair controller runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Image registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag (text or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Image name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Whether broken pods are labelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_pods: Option<bool>,
    /// Whether broken pods are repaired in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_pods: Option<bool>,
    /// Whether events are created (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_events: Option<String>,
    /// Whether broken pods are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_pods: Option<bool>,
    /// Label key put on broken pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_pod_label_key: Option<String>,
    /// Label value put on broken pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_pod_label_value: Option<String>,
    /// Name of the init container to watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_container_name: Option<String>,
}

/// A ResourceQuota for a component's namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceQuotas {
    /// Whether the quota is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Maximum number of pods.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub pods: Option<i64>,
}

/// A target utilisation for autoscaling (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetUtilizationConfig {
    /// Average utilisation, in percent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub target_average_utilization: Option<i32>,
}

/// Container resource limits and requests, resource name to quantity.
///
/// A quantity may be `null`, which Istio reads as empty; it is kept as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// Upper bounds, such as `cpu: 2000m`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub limits: IndexMap<String, Option<String>>,
    /// Reserved amounts, such as `memory: 128Mi`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub requests: IndexMap<String, Option<String>>,
}

/// Annotations of a service account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccount {
    /// Annotations to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub annotations: Option<Struct>,
}

/// The default PodDisruptionBudget switch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultPodDisruptionBudgetConfig {
    /// Whether PodDisruptionBudgets are created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Default resource requests (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultResourcesConfig {
    /// Requests applied to every deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourcesRequestsConfig>,
}

/// CPU and memory requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourcesRequestsConfig {
    /// CPU request, such as `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Memory request, such as `128Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// Settings of the classic egress gateway chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EgressGatewayConfig {
    /// Whether the gateway scales automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale_enabled: Option<bool>,
    /// Most replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_max: Option<u32>,
    /// Fewest replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_min: Option<u32>,
    /// Memory target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<TargetUtilizationConfig>,
    /// CPU target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<TargetUtilizationConfig>,
    /// Whether the chart skips its own Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_service: Option<bool>,
    /// Whether the gateway is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Extra environment variables, name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub env: Option<Struct>,
    /// Labels of the gateway pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Name of the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Node selector (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub node_selector: Option<Struct>,
    /// Pod annotations (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_annotations: Option<Struct>,
    /// Required anti-affinity label selectors (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_anti_affinity_label_selector: Vec<Struct>,
    /// Preferred anti-affinity label selectors (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_anti_affinity_term_label_selector: Vec<Struct>,
    /// Service ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortsConfig>,
    /// Container resources (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Secrets mounted into the gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_volumes: Vec<SecretVolume>,
    /// Annotations of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub service_annotations: Option<Struct>,
    /// Service type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Tolerations (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Struct>,
    /// Rolling update surge (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_surge: Option<IntOrString>,
    /// Rolling update limit (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_unavailable: Option<IntOrString>,
    /// Config maps mounted into the gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_volumes: Vec<Struct>,
    /// Extra containers in the gateway pod.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_containers: Vec<Struct>,
    /// Whether the gateway runs as root (needed to bind ports below 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_root: Option<bool>,
    /// Injection template used for the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_template: Option<String>,
    /// Service account settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccount>,
    /// IP families of the Service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// IP family policy of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
}

/// Settings of the classic gateways.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewaysConfig {
    /// The egress gateway.
    #[serde(
        default,
        rename = "istio-egressgateway",
        alias = "istio_egressgateway",
        skip_serializing_if = "Option::is_none"
    )]
    pub istio_egressgateway: Option<EgressGatewayConfig>,
    /// Whether gateways are installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The ingress gateway.
    #[serde(
        default,
        rename = "istio-ingressgateway",
        alias = "istio_ingressgateway",
        skip_serializing_if = "Option::is_none"
    )]
    pub istio_ingressgateway: Option<IngressGatewayConfig>,
    /// Pod security context of gateways; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub security_context: Option<Value>,
    /// Seccomp profile of templated gateways; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub seccomp_profile: Option<Value>,
}

/// Settings every chart shares.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GlobalConfig {
    /// Per-architecture weights (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<ArchConfig>,
    /// Certificate signers istiod may approve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_signers: Vec<String>,
    /// Whether the configuration validation webhook is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_validation: Option<bool>,
    /// Node selector for every component (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub default_node_selector: Option<Struct>,
    /// Default PodDisruptionBudget settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pod_disruption_budget: Option<DefaultPodDisruptionBudgetConfig>,
    /// Default resource requests (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_resources: Option<DefaultResourcesConfig>,
    /// Tolerations for every component (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_tolerations: Vec<Struct>,
    /// Image registry for every component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image pull policy for every component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Image pull secrets for every component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// Namespace of the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istio_namespace: Option<String>,
    /// Whether components log JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_as_json: Option<bool>,
    /// Logging settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<GlobalLoggingConfig>,
    /// Identifier of the mesh.
    #[serde(default, rename = "meshID", skip_serializing_if = "Option::is_none")]
    pub mesh_id: Option<String>,
    /// Networks of a multi-network mesh; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub mesh_networks: Option<Struct>,
    /// Multi-cluster settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_cluster: Option<MultiClusterConfig>,
    /// Network this cluster belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Extra DNS search domains for injected pods.
    #[serde(default, rename = "podDNSSearchNamespaces", skip_serializing_if = "Vec::is_empty")]
    pub pod_dns_search_namespaces: Vec<String>,
    /// Whether the injector ConfigMap is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_sidecar_injector_config_map: Option<bool>,
    /// Whether the installer, not istiod, manages webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_manage_webhooks: Option<bool>,
    /// Priority class of every component (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Sidecar and gateway proxy settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<GlobalProxyConfig>,
    /// Init container settings.
    #[serde(default, rename = "proxy_init", skip_serializing_if = "Option::is_none")]
    pub proxy_init: Option<ProxyInitConfig>,
    /// Secret discovery settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sds: Option<SdsConfig>,
    /// Image tag for every component (text or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Image variant for every component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Tracer settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracer: Option<TracerConfig>,
    /// Address of a remote istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_pilot_address: Option<String>,
    /// istiod settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod: Option<IstiodConfig>,
    /// Who signs control plane certificates (`istiod`, `kubernetes`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot_cert_provider: Option<String>,
    /// JWT policy (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_policy: Option<String>,
    /// Security token service settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts: Option<StsConfig>,
    /// Revision of the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Whether user-provided certificates are mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_mtls_certs: Option<bool>,
    /// Address of the certificate authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_address: Option<String>,
    /// Whether istiod manages remote clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_istiod: Option<bool>,
    /// Whether this cluster holds configuration for an external istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_cluster: Option<bool>,
    /// Name of the certificate authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_name: Option<String>,
    /// Platform name, such as `openshift` or `gke`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// IP families of Services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// IP family policy of Services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
    /// Waypoint proxy settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<WaypointConfig>,
    /// Name of the trust bundle ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_bundle_name: Option<String>,
    /// Whether native nftables rules are used instead of iptables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_nftables: Option<bool>,
    /// Default NetworkPolicy settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicyConfig>,
    /// Which resources the charts render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_scope: Option<ResourceScope>,
    /// Agentgateway settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agentgateway: Option<Agentgateway>,
    /// Whether the reader cluster role is created.
    #[serde(default, rename = "enableReaderRBAC", skip_serializing_if = "Option::is_none")]
    pub enable_reader_rbac: Option<bool>,
    /// The reader service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_service_account: Option<ReaderServiceAccount>,
}

/// Agentgateway image settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Agentgateway {
    /// Image name or full reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// The reader service account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReaderServiceAccount {
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Which resources the charts render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResourceScope {
    /// Not set.
    Undefined,
    /// Every resource.
    All,
    /// Only cluster-scoped resources.
    Cluster,
    /// Only namespaced resources.
    Namespace,
}

/// Security token service settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StsConfig {
    /// Port of the token exchange server; 0 turns it off.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub service_port: Option<u32>,
}

/// istiod settings under `global`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstiodConfig {
    /// Whether istiod runs configuration analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_analysis: Option<bool>,
}

/// Logging settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GlobalLoggingConfig {
    /// Levels per scope, such as `default:info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// Settings of the classic ingress gateway chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressGatewayConfig {
    /// Whether the gateway scales automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale_enabled: Option<bool>,
    /// Most replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_max: Option<u32>,
    /// Fewest replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_min: Option<u32>,
    /// Memory target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<TargetUtilizationConfig>,
    /// CPU target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<TargetUtilizationConfig>,
    /// Whether the chart skips its own Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_service: Option<bool>,
    /// Whether the gateway is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Extra environment variables, name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub env: Option<Struct>,
    /// Labels of the gateway pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Load balancer IP of the Service.
    #[serde(default, rename = "loadBalancerIP", skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    /// Source ranges allowed through the load balancer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_source_ranges: Vec<String>,
    /// Name of the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Node selector (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub node_selector: Option<Struct>,
    /// Pod annotations (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_annotations: Option<Struct>,
    /// Required anti-affinity label selectors (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_anti_affinity_label_selector: Vec<Struct>,
    /// Preferred anti-affinity label selectors (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_anti_affinity_term_label_selector: Vec<Struct>,
    /// Service ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortsConfig>,
    /// Replica count (deprecated).
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// Container resources (deprecated); left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub resources: Option<Struct>,
    /// Secrets mounted into the gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_volumes: Vec<SecretVolume>,
    /// Annotations of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub service_annotations: Option<Struct>,
    /// Service type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Rolling update surge (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_surge: Option<IntOrString>,
    /// Rolling update limit (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_unavailable: Option<IntOrString>,
    /// External traffic policy of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<String>,
    /// Tolerations (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Struct>,
    /// Ports checked for root requirements; left open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress_ports: Vec<Struct>,
    /// Extra containers in the gateway pod.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_containers: Vec<Struct>,
    /// Config maps mounted into the gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_volumes: Vec<Struct>,
    /// Whether the gateway runs as root (needed to bind ports below 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_root: Option<bool>,
    /// Injection template used for the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_template: Option<String>,
    /// Service account settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccount>,
    /// IP families of the Service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// IP family policy of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
}

/// Multi-cluster settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MultiClusterConfig {
    /// Whether multi-cluster support is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Name of this cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<String>,
    /// Domain suffix of global services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_domain_suffix: Option<String>,
    /// Whether the multi-cluster EnvoyFilter is included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_envoy_filter: Option<bool>,
}

/// Settings of istiod.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PilotConfig {
    /// Whether istiod is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether istiod scales automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale_enabled: Option<bool>,
    /// Fewest replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_min: Option<u32>,
    /// Most replicas when autoscaling.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub autoscale_max: Option<u32>,
    /// Scaling behaviour of the autoscaler; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub autoscale_behavior: Option<Struct>,
    /// Replica count (deprecated).
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// Image name or full reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Trace sampling rate, in percent.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub trace_sampling: Option<f64>,
    /// Container resources (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// CPU target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<TargetUtilizationConfig>,
    /// Node selector (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub node_selector: Option<Struct>,
    /// Longest time a proxy may stay connected to one istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_max_server_connection_age: Option<Duration>,
    /// Labels of the Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub deployment_labels: Option<Struct>,
    /// Labels of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_labels: Option<Struct>,
    /// Whether the mesh ConfigMap is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<bool>,
    /// Extra environment variables, name to value; left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub env: Option<Struct>,
    /// Pod affinity (a Kubernetes `Affinity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub affinity: Option<Struct>,
    /// Rolling update surge (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_surge: Option<IntOrString>,
    /// Rolling update limit (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_max_unavailable: Option<IntOrString>,
    /// Tolerations (deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Struct>,
    /// Pod annotations (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub pod_annotations: Option<Struct>,
    /// Annotations of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub service_annotations: Option<Struct>,
    /// Annotations of the service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub service_account_annotations: Option<Struct>,
    /// Extra root certificate (PEM) trusted when fetching JWKS.
    #[serde(default, rename = "jwksResolverExtraRootCA", skip_serializing_if = "Option::is_none")]
    pub jwks_resolver_extra_root_ca: Option<String>,
    /// Image registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Image tag (text or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub tag: Option<Value>,
    /// Image variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Seccomp profile (a Kubernetes `SeccompProfile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub seccomp_profile: Option<Struct>,
    /// Topology spread constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<Struct>,
    /// Extra container arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_container_args: Vec<Struct>,
    /// Extra volume mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<Struct>,
    /// Extra volumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Struct>,
    /// IP families of the Service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// IP family policy of the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
    /// Memory target (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<TargetUtilizationConfig>,
    /// Whether istiod expects a CNI agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni: Option<CniUsageConfig>,
    /// The node untaint controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taint: Option<PilotTaintControllerConfig>,
    /// Namespace of trusted ztunnels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_ztunnel_namespace: Option<String>,
    /// Remote istiod settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_remote: Option<IstiodRemoteConfig>,
    /// Environment variables taken from other sources (Kubernetes `EnvVar` objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_var_from: Vec<Struct>,
    /// Name of the ConfigMap holding certificate revocation lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl_config_map_name: Option<String>,
}

/// The node untaint controller.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PilotTaintControllerConfig {
    /// Whether the controller runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Namespace of the CNI pods it watches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The taint key it removes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Telemetry switches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Whether telemetry is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Telemetry v2 settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2: Option<TelemetryV2Config>,
}

/// Telemetry v2 settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TelemetryV2Config {
    /// Whether telemetry v2 is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Prometheus switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<EnabledSwitch>,
    /// Stackdriver switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackdriver: Option<EnabledSwitch>,
}

/// A block holding only an `enabled` switch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnabledSwitch {
    /// Whether the feature is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A Service port of a classic gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortsConfig {
    /// Port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Service port.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// Node port.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
    /// Container port traffic goes to.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub target_port: Option<i32>,
    /// Protocol, such as `TCP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// Sidecar and gateway proxy settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GlobalProxyConfig {
    /// Injection policy: `enabled` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_inject: Option<String>,
    /// Cluster DNS domain, such as `cluster.local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_domain: Option<String>,
    /// Envoy log levels per component, such as `misc:error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_log_level: Option<String>,
    /// Whether core dumps are on (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_core_dump: Option<bool>,
    /// Inbound ports not captured, comma separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_inbound_ports: Option<String>,
    /// Outbound IP ranges not captured, comma separated CIDRs.
    #[serde(default, rename = "excludeIPRanges", skip_serializing_if = "Option::is_none")]
    pub exclude_ip_ranges: Option<String>,
    /// Image name or full reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Outbound IP ranges captured, comma separated CIDRs or `*`.
    #[serde(default, rename = "includeIPRanges", skip_serializing_if = "Option::is_none")]
    pub include_ip_ranges: Option<String>,
    /// Envoy log level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// Path of the outlier event log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_log_path: Option<String>,
    /// Whether the proxy container is privileged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// Readiness probe initial delay, in seconds.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub readiness_initial_delay_seconds: Option<u32>,
    /// Readiness probe period, in seconds.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub readiness_period_seconds: Option<u32>,
    /// Failed probes before the proxy is unready.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub readiness_failure_threshold: Option<u32>,
    /// Seccomp profile (a Kubernetes `SeccompProfile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub seccomp_profile: Option<Struct>,
    /// Startup probe settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<StartupProbe>,
    /// Port of the agent's health endpoint; 0 turns it off.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub status_port: Option<u32>,
    /// Container resources (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Which tracer the proxy uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracer: Option<Tracer>,
    /// Outbound ports not captured, comma separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_outbound_ports: Option<String>,
    /// Container lifecycle hooks (a Kubernetes `Lifecycle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub lifecycle: Option<Struct>,
    /// Whether applications wait for the proxy (deprecated; use mesh config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_application_until_proxy_starts: Option<bool>,
    /// Inbound ports captured, comma separated or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_inbound_ports: Option<String>,
    /// Outbound ports captured, comma separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_outbound_ports: Option<String>,
}

/// Startup probe settings of the proxy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartupProbe {
    /// Whether the probe is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Failed probes before the container restarts.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
}

/// The tracer a proxy uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Tracer {
    /// Zipkin.
    #[serde(rename = "zipkin")]
    Zipkin,
    /// Lightstep.
    #[serde(rename = "lightstep")]
    Lightstep,
    /// Datadog.
    #[serde(rename = "datadog")]
    Datadog,
    /// Stackdriver.
    #[serde(rename = "stackdriver")]
    Stackdriver,
    /// OpenCensus agent.
    #[serde(rename = "openCensusAgent")]
    OpenCensusAgent,
    /// No tracing.
    #[serde(rename = "none")]
    None,
}

/// Init container settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyInitConfig {
    /// Image name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Container resources (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// Secret discovery settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SdsConfig {
    /// Token settings (deprecated); left open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub token: Option<Struct>,
}

/// A secret mounted into a gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretVolume {
    /// Where it is mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    /// Volume name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Secret name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
}

/// Settings of the sidecar injection webhook.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarInjectorConfig {
    /// Whether every namespace is injected unless it opts out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_namespaces_by_default: Option<bool>,
    /// Webhook reinvocation policy (`Never` or `IfNeeded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reinvocation_policy: Option<String>,
    /// Pods matching any of these label selectors are never injected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_inject_selector: Vec<Struct>,
    /// Pods matching any of these label selectors are always injected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub always_inject_selector: Vec<Struct>,
    /// Whether application HTTP probes are rewritten.
    #[serde(default, rename = "rewriteAppHTTPProbe", skip_serializing_if = "Option::is_none")]
    pub rewrite_app_http_probe: Option<bool>,
    /// Annotations added to injected pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub injected_annotations: Option<Struct>,
    /// URL of an external injector.
    #[serde(default, rename = "injectionURL", skip_serializing_if = "Option::is_none")]
    pub injection_url: Option<String>,
    /// Extra injection templates, name to template text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub templates: Option<Struct>,
    /// Templates applied by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_templates: Vec<String>,
}

/// Tracer back ends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracerConfig {
    /// Datadog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datadog: Option<TracerAddress>,
    /// Lightstep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lightstep: Option<TracerLightStepConfig>,
    /// Zipkin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipkin: Option<TracerAddress>,
    /// Stackdriver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackdriver: Option<TracerStackdriverConfig>,
}

/// A tracer reached at an address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracerAddress {
    /// `host:port` of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Lightstep settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracerLightStepConfig {
    /// `host:port` of the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Stackdriver settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracerStackdriverConfig {
    /// Whether debug tracing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// Most attributes per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_attributes: Option<u32>,
    /// Most annotations per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_annotations: Option<u32>,
    /// Most message events per span.
    #[serde(default, deserialize_with = "super::de::num", skip_serializing_if = "Option::is_none")]
    pub max_number_of_message_events: Option<u32>,
}

/// Settings of the base chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseConfig {
    /// Whether CRDs are rendered from templates.
    #[serde(default, rename = "enableCRDTemplates", skip_serializing_if = "Option::is_none")]
    pub enable_crd_templates: Option<bool>,
    /// CRDs left out.
    #[serde(default, rename = "excludedCRDs", skip_serializing_if = "Vec::is_empty")]
    pub excluded_crds: Vec<String>,
    /// URL of the validation webhook.
    #[serde(default, rename = "validationURL", skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
    /// Whether Istio's configuration CRDs are installed.
    #[serde(default, rename = "enableIstioConfigCRDs", skip_serializing_if = "Option::is_none")]
    pub enable_istio_config_crds: Option<bool>,
    /// Whether Gateway API resources are validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_gateway: Option<bool>,
    /// CA bundle of the validation webhook.
    #[serde(default, rename = "validationCABundle", skip_serializing_if = "Option::is_none")]
    pub validation_ca_bundle: Option<String>,
}

/// Settings for using an istiod in another cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstiodRemoteConfig {
    /// URL of the remote injector.
    #[serde(default, rename = "injectionURL", skip_serializing_if = "Option::is_none")]
    pub injection_url: Option<String>,
    /// Path of the remote injector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_path: Option<String>,
    /// CA bundle of the remote injector.
    #[serde(default, rename = "injectionCABundle", skip_serializing_if = "Option::is_none")]
    pub injection_ca_bundle: Option<String>,
    /// Whether this cluster uses a remote istiod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether a local istiod still injects sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_local_injector_istiod: Option<bool>,
}

/// Experimental switches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentalConfig {
    /// Whether the stable ValidatingAdmissionPolicy is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_validation_policy: Option<bool>,
}

/// Waypoint proxy settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaypointConfig {
    /// Container resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Pod affinity (a Kubernetes `Affinity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub affinity: Option<Struct>,
    /// Topology spread constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<Struct>,
    /// Node selector (a Kubernetes `NodeSelector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub node_selector: Option<Struct>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub toleration: Vec<Struct>,
}

/// Default NetworkPolicy settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkPolicyConfig {
    /// Whether NetworkPolicies are created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::install::test_corpus;

    /// Top-level keys of [`Values`].
    const VALUES_KEYS: &[&str] = &[
        "cni",
        "gateways",
        "global",
        "pilot",
        "ztunnel",
        "telemetry",
        "sidecarInjectorWebhook",
        "istio_cni",
        "revision",
        "ownerName",
        "meshConfig",
        "base",
        "istiodRemote",
        "revisionTags",
        "defaultRevision",
        "profile",
        "compatibilityVersion",
        "experimental",
        "gatewayClasses",
    ];

    /// Charts whose values are flat: the operator nests them under this `values` key.
    fn chart_root(chart: &str) -> Option<&'static str> {
        match chart {
            "istio-control-istio-discovery" => Some("pilot"),
            "istio-cni" => Some("cni"),
            "ztunnel" => Some("ztunnel"),
            _ => None,
        }
    }

    /// Moves the keys of a flat chart under `root`, leaving shared keys where they are.
    fn nest_under(values: &mut Value, root: &str) {
        let Value::Object(top) = values else { return };
        let mut nested = Map::new();
        for key in top.keys().cloned().collect::<Vec<_>>() {
            if key == root {
                if let Some(Value::Object(inner)) = top.remove(&key) {
                    nested.extend(inner);
                }
            } else if !VALUES_KEYS.contains(&key.as_str())
                && let Some(v) = top.remove(&key)
            {
                nested.insert(key, v);
            }
        }
        top.insert(root.to_owned(), Value::Object(nested));
    }

    /// Removes the key at a dotted path (no list indexes needed here).
    fn remove_path(values: &mut Value, path: &str) {
        let mut parts: Vec<&str> = path.split('.').collect();
        let Some(last) = parts.pop() else { return };
        let mut node = values;
        for part in parts {
            match node.get_mut(part) {
                Some(next) => node = next,
                None => return,
            }
        }
        if let Value::Object(map) = node {
            map.remove(last);
        }
    }

    /// Every key of `values` that [`Values`] refuses, found by removing them one at a time.
    fn unknown_keys(mut values: Value) -> Vec<String> {
        let mut unknown = Vec::new();
        loop {
            match serde_path_to_error::deserialize::<_, Values>(values.clone()) {
                Ok(_) => return unknown,
                Err(e) if e.inner().to_string().starts_with("unknown field") => {
                    let path = e.path().to_string();
                    remove_path(&mut values, &path);
                    unknown.push(path);
                }
                Err(e) => panic!("not an unknown key: {e}"),
            }
        }
    }

    /// The keys Istio's values schema does not know, per corpus file. Chart `values.yaml`
    /// files and Helm profiles are read by the charts, never checked against this schema, so
    /// chart-only keys are expected there.
    const EXPECTED_UNKNOWN: &[(&str, &[&str])] = &[
        ("chart-values/base", &[]),
        ("chart-values/default", &[]),
        // The standalone `gateway` chart is not an IstioOperator component at all.
        (
            "chart-values/gateway",
            &[
                "name",
                "replicaCount",
                "lifecycle",
                "priorityClassName",
                "additionalContainers",
                "initContainers",
                "volumeMounts",
                "volumes",
                "terminationGracePeriodSeconds",
                "dnsConfig",
                "dnsPolicy",
                "podDisruptionBudget",
                "imagePullSecrets",
                "imagePullPolicy",
                "networkGatewayPorts",
                "networkGateway",
                "affinity",
                "topologySpreadConstraints",
                "tolerations",
                "nodeSelector",
                "annotations",
                "labels",
                "readinessProbe",
                "minReadySeconds",
                "strategy",
                "envVarFrom",
                "env",
                "autoscaling",
                "resources",
                "service",
                "containerSecurityContext",
                "securityContext",
                "podAnnotations",
                "serviceAccount",
                "rbac",
                "kind",
            ],
        ),
        ("chart-values/gateways-istio-egress", &[]),
        ("chart-values/gateways-istio-ingress", &[]),
        (
            "chart-values/istio-cni",
            &["cni.seLinuxOptions", "cni.tolerations", "cni.terminationGracePeriodSeconds", "cni.updateStrategy"],
        ),
        (
            "chart-values/istio-control-istio-discovery",
            &[
                "global.proxy_init.forceApplyIptables",
                "global.waypoint.tolerations",
                "pilot.initContainers",
                "pilot.pdb",
                "pilot.trustedZtunnelName",
                "pilot.sidecarInjectorWebhookAnnotations",
                "pilot.deploymentAnnotations",
            ],
        ),
        ("chart-values/ztunnel", &[]),
        ("helm/ambient", &[]),
        // Helm profiles apply inside each chart, to its flat values.
        ("helm/compatibility-version-1.25", &["ambient"]),
        ("helm/compatibility-version-1.26", &[]),
        ("helm/compatibility-version-1.27", &[]),
        ("helm/compatibility-version-1.28", &[]),
        ("helm/compatibility-version-1.29", &[]),
        ("helm/compatibility-version-1.30", &[]),
        ("helm/demo", &[]),
        ("helm/platform-gke", &["resourceQuotas"]),
        ("helm/platform-k3d", &[]),
        ("helm/platform-k3s", &[]),
        ("helm/platform-microk8s", &[]),
        ("helm/platform-minikube", &[]),
        ("helm/platform-openshift", &["pilot.terminationMessagePolicy", "seLinuxOptions", "trustedZtunnelNamespace"]),
        ("helm/preview", &[]),
        ("helm/remote", &["configMap"]),
        ("helm/stable", &[]),
    ];

    #[test]
    fn chart_values_and_helm_profiles_fit_values_except_chart_only_keys() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let mut seen = 0;
        let mut clean = 0;
        for sub in ["chart-values", "helm"] {
            for path in test_corpus::yaml_files(&corpus.join("profiles").join(sub)) {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                let name = format!("{sub}/{stem}");
                let text = std::fs::read_to_string(&path).unwrap();
                let doc: Value = serde_yaml::from_str(&text).unwrap();
                let mut values = doc.get("_internal_defaults_do_not_set").cloned().unwrap_or(doc);
                if let Some(root) = chart_root(stem) {
                    nest_under(&mut values, root);
                }
                let unknown = unknown_keys(values);
                let expected = EXPECTED_UNKNOWN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, keys)| *keys)
                    .unwrap_or_else(|| panic!("{name} is not in the table"));
                assert_eq!(unknown, expected, "{name}");
                seen += 1;
                clean += usize::from(unknown.is_empty());
            }
        }
        println!("{clean}/{seen} chart values and helm profiles fit Values with no chart-only key");
        assert_eq!(seen, EXPECTED_UNKNOWN.len());
    }

    #[test]
    fn proxy_resources_keep_null_quantities() {
        let r: Resources = serde_json::from_str(r#"{"limits": {"cpu": null, "memory": "1Gi"}}"#).unwrap();
        assert_eq!(r.limits.get("cpu"), Some(&None));
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"limits":{"cpu":null,"memory":"1Gi"}}"#);
    }

    #[test]
    fn bool_settings_refuse_text() {
        let err = serde_json::from_str::<Values>(r#"{"pilot": {"enabled": "true"}}"#).unwrap_err();
        assert!(err.to_string().contains("expected a boolean"), "{err}");
    }

    #[test]
    fn both_spellings_of_gateway_keys_are_read() {
        let a: Values = serde_json::from_str(r#"{"gateways": {"istio_ingressgateway": {"enabled": true}}}"#).unwrap();
        let b: Values = serde_json::from_str(r#"{"gateways": {"istio-ingressgateway": {"enabled": true}}}"#).unwrap();
        assert_eq!(a, b);
    }
}
