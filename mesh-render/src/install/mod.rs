//! Installing and uninstalling a rendered [`Manifest`]: the order, as a pure [`Plan`], and
//! (with the `kube` cargo feature) an `Installer` that carries it out against a cluster.
//!
//! The order follows Istio's installer (`operator/pkg/install`): the namespaces first, then
//! the CustomResourceDefinitions, then each component after the ones it depends on (base,
//! then istiod, then the ingress and egress gateways, then CNI and ztunnel). After each step
//! the installer waits until the step's Deployments and DaemonSets are rolled out, so istiod
//! serves its webhooks before the gateways' pods are injected. Uninstalling takes the same
//! steps backwards, keeping the namespaces and, unless purging, the CRDs (deleting a CRD
//! deletes every object of its kind).
//!
//! The plan needs no cluster, which is what `meshctl install --dry-run` prints:
//!
//! ```
//! use mesh_render::install::{Plan, Stage};
//! use mesh_render::{Component, Overlays, manifest};
//!
//! let merged = Overlays::new().set("profile=minimal")?.merge()?;
//! let plan = Plan::install(&manifest::render(&merged)?);
//! let stages: Vec<Stage> = plan.steps().iter().map(|s| s.stage).collect();
//! assert_eq!(stages, [Stage::Namespaces, Stage::Crds, Stage::Component(Component::Base), Stage::Component(Component::Pilot)]);
//! let waits: Vec<String> = plan.steps()[3].workloads().map(|o| o.resource.key()).collect();
//! assert_eq!(waits, ["Deployment:istio-system:istiod"]);
//! assert!(plan.to_string().starts_with("Plan: apply"));
//! # Ok::<(), mesh_render::Error>(())
//! ```

use std::fmt;

use serde_json::Value;

use crate::manifest::{Manifest, ManifestObject, Resource};
use crate::overlays::Component;

#[cfg(feature = "kube")]
mod cluster;
#[cfg(feature = "kube")]
pub(crate) use cluster::refusal as cluster_refusal;
#[cfg(feature = "kube")]
#[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
pub use cluster::{Installer, Progress};

/// The field manager the installer writes as (`meshctl`), unless told otherwise.
pub const FIELD_MANAGER: &str = "meshctl";

/// The components in install order: each after those it depends on in Istio's installer
/// (istiod after base; gateways and CNI after istiod; ztunnel after CNI).
pub const COMPONENT_ORDER: [Component; 7] = [
    Component::Base,
    Component::Pilot,
    Component::IngressGateways,
    Component::EgressGateways,
    Component::Cni,
    Component::Ztunnel,
    Component::IstiodRemote,
];

/// Kinds that live outside namespaces (their API paths have no namespace).
const CLUSTER_SCOPED: [&str; 6] = [
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

/// Whether a kind is cluster-scoped.
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// `Kind namespace/name`, or `Kind name` for cluster-scoped kinds, as plans and errors
/// name objects.
pub fn describe(resource: &Resource) -> String {
    match resource.namespace().filter(|_| !is_cluster_scoped(resource.kind())) {
        Some(namespace) => format!("{} {namespace}/{}", resource.kind(), resource.name()),
        None => format!("{} {}", resource.kind(), resource.name()),
    }
}

/// What a step is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// The namespaces the components use.
    Namespaces,
    /// The CustomResourceDefinitions (rendered by the base component).
    Crds,
    /// The rest of one component's objects.
    Component(Component),
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Namespaces => f.write_str("namespaces"),
            Stage::Crds => f.write_str("custom resource definitions"),
            Stage::Component(c) => f.write_str(c.spec_name()),
        }
    }
}

/// Whether a plan applies or deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Server-side apply every object, then wait for each step's workloads.
    Apply,
    /// Delete every object; objects already gone are skipped.
    Delete,
}

/// One step of a [`Plan`]: objects applied (or deleted) together, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What the step holds.
    pub stage: Stage,
    /// The objects, in the order they are sent.
    pub objects: Vec<ManifestObject>,
}

impl Step {
    /// The step's workloads an install waits for: its Deployments and DaemonSets.
    pub fn workloads(&self) -> impl Iterator<Item = &ManifestObject> {
        self.objects.iter().filter(|o| matches!(o.resource.kind(), "Deployment" | "DaemonSet"))
    }
}

/// The ordered steps of an install or uninstall. Build it with [`Plan::install`] or
/// [`Plan::uninstall`]; `Display` prints it for people, as `meshctl install --dry-run`.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    action: Action,
    purge: bool,
    steps: Vec<Step>,
}

impl Plan {
    /// The install of `manifest`: a Namespace for each namespace used (unless the manifest
    /// has it), the CRDs, then each component's objects in [`COMPONENT_ORDER`], each in
    /// the manifest's own order (service accounts and roles before workloads, services
    /// last). Empty steps are left out.
    pub fn install(manifest: &Manifest) -> Plan {
        let manifest = manifest.with_namespaces();
        let mut steps = Vec::new();
        let mut push = |stage: Stage, objects: Vec<ManifestObject>| {
            if !objects.is_empty() {
                steps.push(Step { stage, objects });
            }
        };
        let of_kind = |kind: &str| -> Vec<ManifestObject> {
            manifest.objects().iter().filter(|o| o.resource.kind() == kind).cloned().collect()
        };
        push(Stage::Namespaces, of_kind("Namespace"));
        push(Stage::Crds, of_kind("CustomResourceDefinition"));
        for component in COMPONENT_ORDER {
            let objects = manifest
                .component(component)
                .filter(|o| !matches!(o.resource.kind(), "Namespace" | "CustomResourceDefinition"))
                .cloned()
                .collect();
            push(Stage::Component(component), objects);
        }
        Plan { action: Action::Apply, purge: false, steps }
    }

    /// The uninstall of `manifest`: the install's component steps backwards, each step's
    /// objects backwards (services and workloads before the roles they use). Namespaces are
    /// kept, as `istioctl uninstall` keeps them; with `purge`, the CRDs are deleted last,
    /// and every Istio object of their kinds with them.
    pub fn uninstall(manifest: &Manifest, purge: bool) -> Plan {
        let install = Plan::install(manifest);
        let steps = install
            .steps
            .into_iter()
            .rev()
            .filter(|s| s.stage != Stage::Namespaces && (purge || s.stage != Stage::Crds))
            .map(|mut s| {
                s.objects.reverse();
                s
            })
            .collect();
        Plan { action: Action::Delete, purge, steps }
    }

    /// Whether the plan applies or deletes.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// How many objects the plan sends.
    pub fn len(&self) -> usize {
        self.steps.iter().map(|s| s.objects.len()).sum()
    }

    /// Whether the plan has nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verb, how) = match self.action {
            Action::Apply => ("apply", format!(" by server-side apply as field manager {FIELD_MANAGER:?}")),
            Action::Delete if self.purge => ("delete", " (namespaces are kept)".to_owned()),
            Action::Delete => ("delete", " (namespaces and custom resource definitions are kept)".to_owned()),
        };
        let steps = self.steps.len();
        writeln!(f, "Plan: {verb} {} objects in {steps} steps{how}", self.len())?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "[{}/{steps}] {}", i + 1, step.stage)?;
            for object in &step.objects {
                writeln!(f, "  {verb} {}", describe(&object.resource))?;
            }
            if self.action == Action::Apply {
                for workload in step.workloads() {
                    writeln!(f, "  wait for {} to roll out", describe(&workload.resource))?;
                }
            }
        }
        Ok(())
    }
}

/// Why a Deployment is not rolled out yet, from its replica counts and conditions; shared by
/// the installer's wait and `verify`, which word it each their own way.
pub(crate) enum DeploymentWait {
    /// Its `Progressing` condition says the progress deadline passed.
    Stalled,
    /// Replicas still to update, to terminate or to become available.
    Pending(String),
}

/// [`DeploymentWait`] for a Deployment object (`spec.replicas` and `status`); none when every
/// wanted replica is updated and available and no old one is left.
pub(crate) fn deployment_wait(object: &Value) -> Option<DeploymentWait> {
    let count = |path: &str| object.pointer(path).and_then(Value::as_i64);
    let status = |key: &str| count(&format!("/status/{key}")).unwrap_or(0);
    let wanted = count("/spec/replicas").unwrap_or(1);
    let (updated, available, total) = (status("updatedReplicas"), status("availableReplicas"), status("replicas"));
    let stalled = object.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("Progressing")
            && c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
    });
    let why = if stalled {
        return Some(DeploymentWait::Stalled);
    } else if updated < wanted {
        format!("{updated} of {wanted} replicas updated")
    } else if total > updated {
        let old = total - updated;
        format!("{old} old replica{} pending termination", if old == 1 { "" } else { "s" })
    } else if available < updated {
        format!("{available} of {updated} updated replicas available")
    } else {
        return None;
    };
    Some(DeploymentWait::Pending(why))
}

/// Whether a workload observed in a cluster is rolled out: `Ok(())`, or what it waits for.
///
/// A Deployment is rolled out when its controller has seen its latest generation
/// (`status.observedGeneration` ≥ `metadata.generation`) and all `spec.replicas` (1 when
/// unset) are updated and available, with no old replica left; one whose rollout exceeded
/// its progress deadline says so. A DaemonSet, as in Istio's
/// installer, when its latest generation is observed and every node it should run on has an
/// updated, available pod (and there is at least one such node). Other kinds are always
/// rolled out.
///
/// # Errors
///
/// The reason, for people: `1 of 2 updated replicas available`.
///
/// # Examples
///
/// ```
/// use serde_json::json;
///
/// let deployment = json!({
///     "kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
///     "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1}
/// });
/// let waiting = mesh_render::install::rollout_status(&deployment).unwrap_err();
/// assert_eq!(waiting, "1 of 2 updated replicas available");
/// ```
pub fn rollout_status(object: &Value) -> Result<(), String> {
    let count = |path: &str| object.pointer(path).and_then(Value::as_i64);
    let status = |key: &str| count(&format!("/status/{key}")).unwrap_or(0);
    let generation = count("/metadata/generation").unwrap_or(0);
    let observed = status("observedGeneration");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
    if matches!(kind, "Deployment" | "DaemonSet") && observed < generation {
        return Err(format!("generation {generation} not yet observed (at {observed})"));
    }
    match kind {
        "Deployment" => match deployment_wait(object) {
            Some(DeploymentWait::Stalled) => Err("exceeded its progress deadline".to_owned()),
            Some(DeploymentWait::Pending(why)) => Err(why),
            None => Ok(()),
        },
        "DaemonSet" => {
            let desired = status("desiredNumberScheduled");
            let updated = status("updatedNumberScheduled");
            let available = status("numberAvailable");
            if desired <= 0 {
                Err("no node scheduled yet".to_owned())
            } else if updated < desired {
                Err(format!("{updated} of {desired} pods updated"))
            } else if available < desired {
                Err(format!("{available} of {desired} pods available"))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Overlays, manifest};

    fn demo() -> Manifest {
        let merged = Overlays::new().set("profile=demo").and_then(|o| o.merge()).expect("demo merges");
        manifest::render(&merged).expect("demo renders")
    }

    #[test]
    fn install_puts_namespaces_then_crds_then_components_in_dependency_order() {
        let plan = Plan::install(&demo());
        let stages: Vec<String> = plan.steps().iter().map(|s| s.stage.to_string()).collect();
        assert_eq!(
            stages,
            ["namespaces", "custom resource definitions", "base", "pilot", "ingressGateways", "egressGateways"]
        );
        assert_eq!(plan.len(), demo().with_namespaces().len());
        assert!(plan.steps()[1].objects.iter().all(|o| o.resource.kind() == "CustomResourceDefinition"));
    }

    #[test]
    fn each_component_step_waits_for_its_own_workloads() {
        let plan = Plan::install(&demo());
        let waits: Vec<Vec<String>> =
            plan.steps().iter().map(|s| s.workloads().map(|o| describe(&o.resource)).collect()).collect();
        assert_eq!(waits[3], ["Deployment istio-system/istiod"]);
        assert_eq!(waits[4], ["Deployment istio-system/istio-ingressgateway"]);
        assert_eq!(waits[5], ["Deployment istio-system/istio-egressgateway"]);
    }

    #[test]
    fn uninstall_reverses_steps_and_objects_and_keeps_namespaces_and_crds() {
        let install = Plan::install(&demo());
        let uninstall = Plan::uninstall(&demo(), false);
        let stages: Vec<String> = uninstall.steps().iter().map(|s| s.stage.to_string()).collect();
        assert_eq!(stages, ["egressGateways", "ingressGateways", "pilot", "base"]);
        let pilot_in: Vec<&ManifestObject> = install.steps()[3].objects.iter().collect();
        let pilot_out: Vec<&ManifestObject> = uninstall.steps()[2].objects.iter().rev().collect();
        assert_eq!(pilot_in, pilot_out);
        assert_eq!(uninstall.steps()[2].objects.last().map(|o| o.resource.kind()), Some("ServiceAccount"));
        assert!(uninstall.to_string().contains("(namespaces and custom resource definitions are kept)"));
    }

    #[test]
    fn purging_deletes_the_crds_last() {
        let uninstall = Plan::uninstall(&demo(), true);
        assert_eq!(uninstall.steps().last().map(|s| s.stage), Some(Stage::Crds));
    }

    #[test]
    fn the_plan_prints_each_object_and_wait() {
        let mut overlays = Overlays::new();
        overlays.set("profile=empty").expect("flag");
        overlays.set("components.cni.enabled=true").expect("flag");
        let plan = Plan::install(&manifest::render(&overlays.merge().expect("merge")).expect("render"));
        assert_eq!(
            plan.to_string(),
            "Plan: apply 8 objects in 2 steps by server-side apply as field manager \"meshctl\"\n\
             [1/2] namespaces\n  apply Namespace istio-system\n\
             [2/2] cni\n  apply ServiceAccount istio-system/istio-cni\n  apply ClusterRole istio-cni\n  \
             apply ClusterRole istio-cni-repair-role\n  apply ClusterRoleBinding istio-cni\n  \
             apply ClusterRoleBinding istio-cni-repair-role\n  apply ConfigMap istio-system/istio-cni-config\n  \
             apply DaemonSet istio-system/istio-cni-node\n  wait for DaemonSet istio-system/istio-cni-node to roll out\n"
        );
    }

    #[test]
    fn an_empty_manifest_plans_nothing() {
        assert!(Plan::install(&Manifest::default()).is_empty());
    }

    #[test]
    fn a_deployment_is_rolled_out_when_all_replicas_are_updated_and_available() {
        let d = |generation: i64, status: Value| json!({"kind": "Deployment", "metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": status});
        let ready = json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2});
        assert_eq!(rollout_status(&d(3, ready.clone())), Ok(()));
        assert_eq!(rollout_status(&d(4, ready)).unwrap_err(), "generation 4 not yet observed (at 3)");
        let surging = json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2});
        assert_eq!(rollout_status(&d(3, surging)).unwrap_err(), "1 old replica pending termination");
        let stalled = json!({"observedGeneration": 3, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]});
        assert_eq!(rollout_status(&d(3, stalled)).unwrap_err(), "exceeded its progress deadline");
        assert_eq!(rollout_status(&d(3, json!({"observedGeneration": 3}))).unwrap_err(), "0 of 2 replicas updated");
    }

    #[test]
    fn unset_replicas_mean_one() {
        let d = json!({"kind": "Deployment", "status": {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}});
        assert_eq!(rollout_status(&d), Ok(()));
    }

    #[test]
    fn a_daemon_set_needs_an_available_updated_pod_on_every_node() {
        let ds = |status: Value| json!({"kind": "DaemonSet", "metadata": {"generation": 1}, "status": status});
        let base = |updated: i64, available: i64, desired: i64| json!({"observedGeneration": 1, "desiredNumberScheduled": desired, "updatedNumberScheduled": updated, "numberAvailable": available});
        assert_eq!(rollout_status(&ds(base(3, 3, 3))), Ok(()));
        assert_eq!(rollout_status(&ds(base(2, 3, 3))).unwrap_err(), "2 of 3 pods updated");
        assert_eq!(rollout_status(&ds(base(3, 1, 3))).unwrap_err(), "1 of 3 pods available");
        assert_eq!(rollout_status(&ds(base(0, 0, 0))).unwrap_err(), "no node scheduled yet");
    }

    #[test]
    fn cluster_scoped_objects_are_named_without_a_namespace() {
        let plan = Plan::install(&demo());
        let crd = &plan.steps()[1].objects[0].resource;
        assert!(!describe(crd).contains('/'));
    }
}
