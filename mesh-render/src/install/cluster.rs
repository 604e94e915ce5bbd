//! Carrying out a [`Plan`] against a cluster (cargo feature `kube`).

use std::time::Duration;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind, TypeMeta};
use kube::{Client, Error as KubeError};
use mesh_api::Object;
use serde_json::Value;

use super::{Action, FIELD_MANAGER, Plan, Stage, describe, is_cluster_scoped, rollout_status};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, ManifestObject, Resource};

/// What the [`Installer`] is doing, reported as it goes (for a progress display).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// A step starts.
    Step {
        /// Its position, from 1.
        index: usize,
        /// How many steps there are.
        of: usize,
        /// What it holds.
        stage: Stage,
    },
    /// An object was applied.
    Applied {
        /// The object, as `Kind namespace/name`.
        object: String,
    },
    /// A workload is not rolled out yet; the installer polls again.
    Waiting {
        /// The workload, as `Kind namespace/name`.
        object: String,
        /// What it waits for (`0 of 1 replicas updated`).
        reason: String,
    },
    /// A workload is rolled out.
    RolledOut {
        /// The workload.
        object: String,
    },
    /// An object was deleted.
    Deleted {
        /// The object.
        object: String,
    },
    /// An object to delete was not there (404); uninstalling goes on.
    AlreadyGone {
        /// The object.
        object: String,
    },
}

/// Installs and uninstalls [`Plan`]s with a Kubernetes client: server-side apply as
/// [`FIELD_MANAGER`] (forcing, as Istio's installer does, so the installation owns its
/// fields), waiting after each step for its Deployments and DaemonSets to roll out, and
/// deletion that tolerates objects already gone.
///
/// Waiting polls the workloads (first at once, then every poll interval) until they are
/// rolled out ([`rollout_status`](super::rollout_status)) or the step's timeout passes. It
/// sleeps with tokio's clock, so tests run it with time paused.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// use mesh_render::install::{Installer, Plan, Progress};
/// use mesh_render::{Overlays, manifest};
///
/// # async fn install() -> Result<(), Box<dyn std::error::Error>> {
/// let merged = Overlays::new().set("profile=demo")?.merge()?;
/// let plan = Plan::install(&manifest::render(&merged)?);
/// let installer = Installer::new(kube::Client::try_default().await?).timeout(Duration::from_secs(600));
/// installer
///     .run(&plan, |progress| {
///         if let Progress::Waiting { object, reason } = progress {
///             eprintln!("waiting for {object}: {reason}");
///         }
///     })
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Installer {
    client: Client,
    field_manager: String,
    timeout: Duration,
    poll_interval: Duration,
    wait: bool,
}

impl std::fmt::Debug for Installer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installer")
            .field("field_manager", &self.field_manager)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Installer {
    /// An installer writing through `client` as `meshctl`, waiting up to 5 minutes per step
    /// (istioctl's default readiness timeout) and polling every 2 seconds.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            field_manager: FIELD_MANAGER.to_owned(),
            timeout: Duration::from_secs(300),
            poll_interval: Duration::from_secs(2),
            wait: true,
        }
    }

    /// Writes as another field manager.
    pub fn field_manager(mut self, name: impl Into<String>) -> Self {
        self.field_manager = name.into();
        self
    }

    /// How long each step may wait for its workloads.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long to sleep between two polls of a step's workloads.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Whether to wait for workloads after each step (default `true`).
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// Carries out the plan step by step, calling `progress` as it goes: applies (waiting for
    /// each step's workloads) or deletes, as [`Plan::action`] says.
    ///
    /// # Errors
    ///
    /// [`Error::Cluster`] naming the first object the API server refused (or could not be
    /// reached for); [`Error::RolloutTimeout`] when a step's workloads are not rolled out in
    /// time, naming each with what it waits for. Steps before the failure stay done.
    pub async fn run(&self, plan: &Plan, mut progress: impl FnMut(Progress)) -> Result<()> {
        let of = plan.steps().len();
        for (i, step) in plan.steps().iter().enumerate() {
            progress(Progress::Step { index: i + 1, of, stage: step.stage });
            for object in &step.objects {
                match plan.action() {
                    Action::Apply => {
                        self.apply(&object.resource).await?;
                        progress(Progress::Applied { object: describe(&object.resource) });
                    }
                    Action::Delete => progress(self.delete(&object.resource).await?),
                }
            }
            if plan.action() == Action::Apply && self.wait {
                let workloads: Vec<&ManifestObject> = step.workloads().collect();
                self.wait_for(&workloads, &mut progress).await?;
            }
        }
        Ok(())
    }

    fn api(&self, resource: &Resource) -> Api<DynamicObject> {
        let api_resource = api_resource(resource);
        match resource.namespace().filter(|_| !is_cluster_scoped(resource.kind())) {
            Some(namespace) => Api::namespaced_with(self.client.clone(), namespace, &api_resource),
            None => Api::all_with(self.client.clone(), &api_resource),
        }
    }

    async fn apply(&self, resource: &Resource) -> Result<()> {
        let fail = |message: String| Error::Cluster { object: describe(resource), message };
        let body = resource.to_json().map_err(|e| fail(e.to_string()))?;
        let params = PatchParams::apply(&self.field_manager).force();
        self.api(resource)
            .patch(resource.name(), &params, &Patch::Apply(&body))
            .await
            .map(drop)
            .map_err(|e| fail(refusal(&e)))
    }

    async fn delete(&self, resource: &Resource) -> Result<Progress> {
        let object = describe(resource);
        match self.api(resource).delete(resource.name(), &DeleteParams::background()).await {
            Ok(_) => Ok(Progress::Deleted { object }),
            Err(KubeError::Api(status)) if status.code == 404 => Ok(Progress::AlreadyGone { object }),
            Err(e) => Err(Error::Cluster { object, message: refusal(&e) }),
        }
    }

    /// Polls the workloads until all are rolled out or the timeout passes.
    async fn wait_for(&self, workloads: &[&ManifestObject], progress: &mut impl FnMut(Progress)) -> Result<()> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut pending: Vec<&ManifestObject> = workloads.to_vec();
        loop {
            let mut waiting = Vec::new();
            for object in pending {
                let name = describe(&object.resource);
                let observed = self.get(&object.resource).await?;
                match observed.as_ref().map(rollout_status) {
                    Some(Ok(())) => progress(Progress::RolledOut { object: name }),
                    Some(Err(reason)) => waiting.push((object, name, reason)),
                    None => waiting.push((object, name, "not found".to_owned())),
                }
            }
            if waiting.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() + self.poll_interval > deadline {
                return Err(Error::RolloutTimeout {
                    timeout: self.timeout,
                    waiting: waiting.into_iter().map(|(_, name, reason)| format!("{name} ({reason})")).collect(),
                });
            }
            for (_, name, reason) in &waiting {
                progress(Progress::Waiting { object: name.clone(), reason: reason.clone() });
            }
            tokio::time::sleep(self.poll_interval).await;
            pending = waiting.into_iter().map(|(object, _, _)| object).collect();
        }
    }

    /// The object as the cluster has it, as data with `apiVersion` and `kind`; `None` when
    /// it does not exist.
    async fn get(&self, resource: &Resource) -> Result<Option<Value>> {
        let fail = |message: String| Error::Cluster { object: describe(resource), message };
        let found = match self.api(resource).get_opt(resource.name()).await {
            Ok(found) => found,
            Err(e) => return Err(fail(refusal(&e))),
        };
        let Some(mut object) = found else { return Ok(None) };
        object.types =
            Some(TypeMeta { api_version: resource.api_version().to_owned(), kind: resource.kind().to_owned() });
        object.metadata.managed_fields = None;
        serde_json::to_value(&object).map(Some).map_err(|e| fail(e.to_string()))
    }

    /// The objects of `manifest` as the cluster has them (status included, `managedFields`
    /// left out), for [`verify`](crate::verify::verify); objects the cluster lacks are left
    /// out, so the report lists them as missing.
    ///
    /// # Errors
    ///
    /// [`Error::Cluster`] naming the object when a read fails for another reason than 404,
    /// or when what was read does not fit mesh's types.
    pub async fn observed(&self, manifest: &Manifest) -> Result<Vec<Object>> {
        let mut out = Vec::new();
        for object in manifest.objects() {
            if let Some(value) = self.get(&object.resource).await? {
                let document = mesh_api::load_value(&value)
                    .map_err(|e| Error::Cluster { object: describe(&object.resource), message: e.to_string() })?;
                out.push(document.object);
            }
        }
        Ok(out)
    }
}

fn api_resource(resource: &Resource) -> ApiResource {
    let version = resource.api_version().rsplit('/').next().unwrap_or_default();
    ApiResource::from_gvk(&GroupVersionKind::gvk(resource.group(), version, resource.kind()))
}

/// What the API server (or the connection) said, in one line.
pub(crate) fn refusal(error: &KubeError) -> String {
    match error {
        KubeError::Api(status) => {
            let mut text = format!("the API server refused it ({}", status.code);
            if !status.reason.is_empty() {
                text.push(' ');
                text.push_str(&status.reason);
            }
            text.push(')');
            if !status.message.is_empty() {
                text.push_str(": ");
                text.push_str(&status.message);
            }
            text
        }
        other => other.to_string(),
    }
}
