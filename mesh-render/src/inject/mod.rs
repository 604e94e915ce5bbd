//! Sidecar injection, offline: what Istio's injector does to a workload, written as code.
//!
//! [`inject`] takes a Pod, Deployment, StatefulSet, DaemonSet, Job, ReplicaSet (also CronJob,
//! ReplicationController, OpenShift DeploymentConfig and `List`s of them) and returns it with
//! the `istio-proxy` sidecar (a native sidecar init container when the settings say so), the
//! `istio-init` init container (or `istio-validation` with the CNI agent), Istio's volumes,
//! labels and annotations, as `istioctl kube-inject` would. [`should_inject`] states whether
//! a pod would be injected in a cluster, and why. [`InjectionSettings`] holds what the
//! installation decides; its default equals the settings of Istio's own injection goldens.
//!
//! The rules follow Istio's `sidecar` template and its webhook's post-processing: overrides
//! of injected containers by the pod's own (recorded in `proxy.istio.io/overrides`), the
//! strategic-merge order of Kubernetes, metrics merge, app probe rewrite, container order,
//! re-injection. The `gateway`, `grpc-agent` and `grpc-simple` templates are modelled too.
//!
//! Templates an installation adds as Go template text (`values.sidecarInjectorWebhook.templates`,
//! `--injectConfigFile`, [`InjectionSettings::templates`]) are evaluated when they use only
//! field references (`.Values.global.tag`, `.Spec.Containers`, `$c.Name`), variables,
//! `range`, `if`/`else` and `with`; their output is merged onto the pod like Istio's own
//! (several templates in turn, `inject.istio.io/templates: sidecar,spire`). Istio's own
//! templates use functions (`annotation`, `toJSON`, ...), which mesh does not evaluate: a
//! text template named `sidecar`, `gateway`, `grpc-agent` or `grpc-simple` that uses them is
//! rendered by mesh's built-in code for that name, and any other such template is refused
//! with [`InjectError::TemplateText`] naming it. [`KubeInject`] turns `istioctl kube-inject`'s
//! offline inputs into settings.
//!
//! Not modelled, on purpose or not yet: the lightstep
//! tracer's certificate volume; reading `forceApplyIptables` from a typed values tree (Istio's
//! values schema does not declare it; set [`InjectionSettings::force_apply_iptables`]).
//!
//! ```
//! use mesh_render::inject::{inject, InjectionSettings};
//!
//! let loaded = mesh_api::load_str(r#"
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: hello}
//! spec:
//!   selector: {matchLabels: {app: hello}}
//!   template:
//!     metadata: {labels: {app: hello}}
//!     spec:
//!       containers: [{name: hello, image: hello:1}]
//! "#);
//! let injected = inject(&loaded.documents[0].object, &InjectionSettings::default())?;
//! assert!(injected.decision.inject);
//! let mesh_api::Object::Deployment(deployment) = &injected.object else { panic!() };
//! let pod = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
//! let inits: Vec<_> = pod.init_containers.iter().flatten().map(|c| c.name.as_str()).collect();
//! assert_eq!(inits, ["istio-init", "istio-proxy"]);
//! # Ok::<(), mesh_render::inject::InjectError>(())
//! ```

mod config;
mod decision;
mod pod;
mod settings;
mod template;

pub use config::{InjectConfig, KubeInject};
pub use decision::{IGNORED_NAMESPACES, InjectionDecision, should_inject_pod};
pub use pod::{INIT, PROXY, STATUS, VALIDATION};
pub use settings::{InjectionSettings, NativeSidecars};

use k8s_openapi::api::core::v1::{Namespace, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use mesh_api::{Document, Kind, Object, k8s_openapi};
use serde_json::Value;

/// What can stop injection. The workload is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// An annotation on the pod holds a value Istio refuses (a malformed CIDR list, port list
    /// or `proxy.istio.io/config`). Fix the annotation named by `key`.
    #[error("annotation {key}: {message}")]
    Annotation {
        /// The annotation.
        key: String,
        /// What is wrong with its value.
        message: String,
    },
    /// The pod asks (`inject.istio.io/templates`) for an injection template that neither
    /// mesh's built-in ones (`sidecar`, `gateway`, `grpc-agent`, `grpc-simple`) nor the
    /// installation's text templates ([`InjectionSettings::templates`]) provide.
    #[error("requested injection template {name:?} not found; have {known}")]
    Template {
        /// The template asked for.
        name: String,
        /// The templates there are, comma-separated.
        known: String,
    },
    /// A text template of the installation cannot be evaluated by mesh: it uses Go template
    /// functions or pipelines (mesh evaluates field references, `range`, `if` and `with`), or
    /// its output is not a pod patch. Templates named like a built-in one fall back to it;
    /// others end here. Rewrite the template with those features, or inject in a cluster.
    #[error("injection template {name:?}: {message}")]
    TemplateText {
        /// The template.
        name: String,
        /// What mesh could not do with it.
        message: String,
    },
    /// An input of the injection settings (values, mesh config, IstioOperator, injection
    /// config, `--set` flag) could not be used; the message names it.
    #[error("{message}")]
    Config {
        /// What failed, starting with the input's name.
        message: String,
    },
    /// The workload does not fit its kind's shape. Check the YAML against the Kubernetes API.
    #[error("{kind}: {message}")]
    Malformed {
        /// The workload's kind.
        kind: String,
        /// What did not fit.
        message: String,
    },
    /// An object could not be converted between its typed and JSON forms (a bug; please report it).
    #[error("internal conversion failed: {message}")]
    Internal {
        /// The serializer's message.
        message: String,
    },
}

/// The result type of this module.
pub type Result<T, E = InjectError> = std::result::Result<T, E>;

/// A workload after injection.
#[derive(Clone, Debug, PartialEq)]
pub struct Injected {
    /// The object, injected or passed through unchanged.
    pub object: Object,
    /// Whether it was injected and why (for a `List`, a summary of its items).
    pub decision: InjectionDecision,
    /// What a person should know, such as a workload skipped for host networking (the
    /// messages `istioctl kube-inject` prints to stderr).
    pub warnings: Vec<String>,
}

/// Where a kind keeps its pod template (`None` for a Pod, whose spec is the pod).
fn template_path(kind: &str) -> Option<Option<&'static [&'static str]>> {
    const TEMPLATE: &[&str] = &["spec", "template"];
    const CRON: &[&str] = &["spec", "jobTemplate", "spec", "template"];
    match kind {
        "Pod" => Some(None),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicaSet"
        | "ReplicationController"
        | "DeploymentConfig" => Some(Some(TEMPLATE)),
        "CronJob" => Some(Some(CRON)),
        _ => None,
    }
}

/// Checks that a kind Kubernetes defines reads as its k8s-openapi type.
fn check_shape(kind: &str, api_version: &str, value: &Value) -> Result<()> {
    use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
    let fail = |e: serde_json::Error| InjectError::Malformed { kind: kind.to_owned(), message: e.to_string() };
    let v = value.clone();
    match (kind, api_version) {
        ("Job", "batch/v1") => serde_json::from_value::<batch::Job>(v).map(drop).map_err(fail),
        ("CronJob", "batch/v1") => serde_json::from_value::<batch::CronJob>(v).map(drop).map_err(fail),
        ("ReplicaSet", "apps/v1") => serde_json::from_value::<apps::ReplicaSet>(v).map(drop).map_err(fail),
        ("ReplicationController", "v1") => {
            serde_json::from_value::<core::ReplicationController>(v).map(drop).map_err(fail)
        }
        _ => Ok(()),
    }
}

fn object_to_json(object: &Object) -> Result<Value> {
    Document::new(object.clone()).to_json().map_err(|e| InjectError::Internal { message: e.to_string() })
}

fn json_to_object(value: Value) -> Result<Object> {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let api_version = value.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    let internal = |e: serde_json::Error| InjectError::Internal { message: e.to_string() };
    Ok(match (kind.as_str(), api_version.as_str()) {
        ("Pod", "v1") => serde_json::from_value::<core::Pod>(value).map_err(internal)?.into_object(),
        ("Deployment", "apps/v1") => serde_json::from_value::<apps::Deployment>(value).map_err(internal)?.into_object(),
        ("StatefulSet", "apps/v1") => {
            serde_json::from_value::<apps::StatefulSet>(value).map_err(internal)?.into_object()
        }
        ("DaemonSet", "apps/v1") => serde_json::from_value::<apps::DaemonSet>(value).map_err(internal)?.into_object(),
        _ => Object::Other(Box::new(serde_json::from_value(value).map_err(internal)?)),
    })
}

fn pointer<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn pointer_mut<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key))
}

/// The pod template of a workload given as JSON, with its location.
fn read_template(value: &Value) -> Result<Option<PodTemplateSpec>> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
    let Some(path) = template_path(kind) else {
        return Ok(None);
    };
    let malformed = |e: serde_json::Error| InjectError::Malformed { kind: kind.to_owned(), message: e.to_string() };
    match path {
        None => {
            let metadata = value.get("metadata").cloned().unwrap_or(Value::Null);
            let spec = value.get("spec").cloned().unwrap_or(Value::Null);
            let metadata: ObjectMeta = if metadata.is_null() {
                ObjectMeta::default()
            } else {
                serde_json::from_value(metadata).map_err(malformed)?
            };
            let spec: Option<PodSpec> =
                if spec.is_null() { None } else { Some(serde_json::from_value(spec).map_err(malformed)?) };
            Ok(Some(PodTemplateSpec { metadata: Some(metadata), spec }))
        }
        Some(_) if kind == "CronJob" => {
            // Istio reads (and writes) a CronJob's pod labels and annotations on the job
            // template's metadata, next to the pod template.
            let metadata = pointer(value, &["spec", "jobTemplate", "metadata"]).cloned();
            let spec = pointer(value, &["spec", "jobTemplate", "spec", "template", "spec"]).cloned();
            let Some(spec) = spec else { return Ok(None) };
            let metadata: ObjectMeta = match metadata {
                Some(m) if !m.is_null() => serde_json::from_value(m).map_err(malformed)?,
                _ => ObjectMeta::default(),
            };
            Ok(Some(PodTemplateSpec {
                metadata: Some(metadata),
                spec: Some(serde_json::from_value(spec).map_err(malformed)?),
            }))
        }
        Some(path) => match pointer(value, path) {
            Some(t) => Ok(Some(serde_json::from_value(t.clone()).map_err(malformed)?)),
            None => Ok(None),
        },
    }
}

fn write_template(value: &mut Value, template: &PodTemplateSpec) -> Result<()> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let internal = |e: serde_json::Error| InjectError::Internal { message: e.to_string() };
    match template_path(&kind) {
        Some(None) => {
            value["metadata"] =
                serde_json::to_value(template.metadata.clone().unwrap_or_default()).map_err(internal)?;
            value["spec"] = serde_json::to_value(&template.spec).map_err(internal)?;
        }
        Some(Some(_)) if kind == "CronJob" => {
            if let Some(job) = pointer_mut(value, &["spec", "jobTemplate"]) {
                job["metadata"] =
                    serde_json::to_value(template.metadata.clone().unwrap_or_default()).map_err(internal)?;
            }
            if let Some(slot) = pointer_mut(value, &["spec", "jobTemplate", "spec", "template"]) {
                slot["spec"] = serde_json::to_value(&template.spec).map_err(internal)?;
            }
        }
        Some(Some(path)) => {
            if let Some(slot) = pointer_mut(value, path) {
                *slot = serde_json::to_value(template).map_err(internal)?;
            }
        }
        None => {}
    }
    Ok(())
}

/// Injects one workload given as JSON; `None` when it is not a workload.
fn inject_value(
    value: &mut Value,
    settings: &InjectionSettings,
    warnings: &mut Vec<String>,
) -> Result<Option<InjectionDecision>> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let api_version = value.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    if kind == "List" {
        let mut count = 0;
        let mut injected = 0;
        if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
            for item in items {
                if let Some(d) = inject_value(item, settings, warnings)? {
                    count += 1;
                    injected += usize::from(d.inject);
                }
            }
        }
        return Ok(Some(InjectionDecision {
            inject: injected > 0,
            reason: format!("injected {injected} of {count} workloads in the list"),
        }));
    }
    check_shape(&kind, &api_version, value)?;
    let Some(mut template) = read_template(value)? else {
        return Ok(None);
    };
    let workload_meta: ObjectMeta =
        value.get("metadata").cloned().and_then(|m| serde_json::from_value(m).ok()).unwrap_or_default();
    let mut meta = template.metadata.take().unwrap_or_default();
    let mut spec = template.spec.take().unwrap_or_default();
    let decision = should_inject_pod(None, &merged_namespace(&meta, &workload_meta), &spec, settings);
    if !decision.inject {
        if spec.host_network == Some(true) {
            let name = workload_meta.name.as_deref().unwrap_or_default();
            let full = match workload_meta.namespace.as_deref() {
                Some(ns) => format!("{ns}/{name}"),
                None => name.to_owned(),
            };
            warnings.push(format!("Skipping injection because {kind} {full:?} has host networking enabled"));
        }
        return Ok(Some(decision));
    }
    let (owner_name, owner_version, owner_kind) = if kind == "Pod" {
        pod_owner(&workload_meta)
    } else {
        (workload_meta.name.clone().unwrap_or_default(), api_version.clone(), kind.clone())
    };
    let owner_ns = workload_meta.namespace.clone().unwrap_or_default();
    pod::inject_pod(
        &mut meta,
        &mut spec,
        &pod::Owner { name: &owner_name, namespace: &owner_ns },
        (&owner_version, &owner_kind),
        settings,
    )?;
    template.metadata = Some(meta);
    template.spec = Some(spec);
    write_template(value, &template)?;
    Ok(Some(decision))
}

/// The workload a bare pod belongs to: its controller (a ReplicaSet made by a Deployment
/// counts as the Deployment), else the pod itself. Name, apiVersion and kind.
fn pod_owner(meta: &ObjectMeta) -> (String, String, String) {
    let controller = meta.owner_references.iter().flatten().find(|r| r.controller == Some(true));
    if let Some(owner) = controller {
        let hash = meta.labels.as_ref().and_then(|l| l.get("pod-template-hash"));
        if owner.kind == "ReplicaSet"
            && let Some(hash) = hash
            && let Some(deployment) = owner.name.strip_suffix(&format!("-{hash}"))
        {
            return (deployment.to_owned(), "apps/v1".to_owned(), "Deployment".to_owned());
        }
        return (owner.name.clone(), owner.api_version.clone(), owner.kind.clone());
    }
    let name = meta
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| meta.generate_name.as_deref().map(|g| g.trim_end_matches('-').to_owned()));
    (name.unwrap_or_default(), "v1".to_owned(), "Pod".to_owned())
}

/// The pod template's metadata with the workload's namespace when the template has none.
fn merged_namespace(meta: &ObjectMeta, workload: &ObjectMeta) -> ObjectMeta {
    let mut out = meta.clone();
    if out.namespace.is_none() {
        out.namespace.clone_from(&workload.namespace);
    }
    out
}

/// Injects the sidecar into a workload, as `istioctl kube-inject` does: namespace labels are
/// not consulted; host-network pods, the system namespaces and pods that opt out are passed
/// through unchanged. Objects that hold no pod (Services, ConfigMaps, Istio kinds) pass
/// through too.
///
/// # Errors
///
/// [`InjectError::Annotation`] when a traffic or proxy-config annotation is malformed,
/// [`InjectError::Template`] when the pod asks for a template other than `sidecar`,
/// [`InjectError::Malformed`] when a Job, CronJob, ReplicaSet or ReplicationController does
/// not fit its Kubernetes type.
pub fn inject(workload: &Object, settings: &InjectionSettings) -> Result<Injected> {
    let mut value = object_to_json(workload)?;
    let mut warnings = Vec::new();
    let Some(decision) = inject_value(&mut value, settings, &mut warnings)? else {
        return Ok(Injected {
            object: workload.clone(),
            decision: InjectionDecision { inject: false, reason: format!("{} holds no pod template", workload.kind()) },
            warnings,
        });
    };
    if !decision.inject && warnings.is_empty() && workload.kind() != "List" {
        return Ok(Injected { object: workload.clone(), decision, warnings });
    }
    Ok(Injected { object: json_to_object(value)?, decision, warnings })
}

/// Whether a workload's pods would get a sidecar in `namespace`, and why. Without a namespace
/// the decision is the one [`inject`] makes (kube-inject's); see [`should_inject_pod`] for the
/// rules.
///
/// # Examples
///
/// ```
/// use mesh_render::inject::{should_inject, InjectionSettings};
///
/// let loaded = mesh_api::load_str("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: a}]\n");
/// let decision = should_inject(None, &loaded.documents[0].object, &InjectionSettings::default());
/// assert!(!decision.inject);
/// assert_eq!(decision.reason, "the pod uses host networking");
/// ```
pub fn should_inject(
    namespace: Option<&Namespace>,
    workload: &Object,
    settings: &InjectionSettings,
) -> InjectionDecision {
    let template = object_to_json(workload).ok().and_then(|v| read_template(&v).ok().flatten());
    let Some(template) = template else {
        return InjectionDecision { inject: false, reason: format!("{} holds no pod template", workload.kind()) };
    };
    let meta = merged_namespace(&template.metadata.unwrap_or_default(), workload.metadata());
    should_inject_pod(namespace, &meta, &template.spec.unwrap_or_default(), settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Object {
        mesh_api::load_str(text).documents.remove(0).object
    }

    const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: pi, image: perl}]\n";

    #[test]
    fn jobs_read_as_generic_objects_are_injected() {
        let injected = inject(&load(JOB), &InjectionSettings::default()).expect("injects");
        assert!(injected.decision.inject);
        let value = object_to_json(&injected.object).expect("json");
        let inits = &value["spec"]["template"]["spec"]["initContainers"];
        assert_eq!(inits[1]["name"], "istio-proxy");
    }

    #[test]
    fn services_pass_through() {
        let svc = load("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n");
        let injected = inject(&svc, &InjectionSettings::default()).expect("passes");
        assert!(!injected.decision.inject);
        assert_eq!(injected.object, svc);
    }

    #[test]
    fn host_network_workloads_warn_and_stay_unchanged() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: h, namespace: sample}\nspec:\n  selector: {}\n  template:\n    spec:\n      hostNetwork: true\n      containers: [{name: a, image: a}]\n";
        let injected = inject(&load(text), &InjectionSettings::default()).expect("passes");
        assert_eq!(
            injected.warnings,
            ["Skipping injection because Deployment \"sample/h\" has host networking enabled"]
        );
    }

    #[test]
    fn malformed_jobs_are_reported_with_their_kind() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  template:\n    spec:\n      containers: 3\n";
        let err = inject(&load(text), &InjectionSettings::default()).expect_err("malformed");
        assert!(err.to_string().starts_with("Job: "), "{err}");
    }

    #[test]
    fn should_inject_reads_the_namespace_labels() {
        let mut ns = Namespace::default();
        ns.metadata.name = Some("shop".into());
        ns.metadata.labels = Some([("istio-injection".to_owned(), "disabled".to_owned())].into());
        let d = should_inject(Some(&ns), &load(JOB), &InjectionSettings::default());
        assert!(!d.inject);
        assert!(d.reason.contains("istio-injection=disabled"), "{d}");
    }
}
