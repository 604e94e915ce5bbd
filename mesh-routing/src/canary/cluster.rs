//! Canary transitions applied to a Kubernetes cluster, and the cluster's objects read back
//! (cargo feature `kube`).
//!
//! [`KubeApplier`] is the async applier: it server-side applies (`PATCH` with
//! `application/apply-patch+yaml`) each VirtualService and DestinationRule of a transition
//! under its own field manager ([`FIELD_MANAGER`], `mesh-canary`), and lists the objects a
//! rollout needs ([`KubeApplier::current_objects`]) so a rollout starts from what the cluster
//! has. It is cheap to clone and every method takes `&self`, so one applier serves many
//! tasks of an async controller.
//!
//! [`BlockingKubeApplier`] implements the synchronous [`Applier`] trait for programs without
//! an async runtime. It owns a current-thread runtime and never panics: called from inside
//! an async runtime (where blocking on a future would panic or stall the runtime), it returns
//! [`CanaryError::Apply`] saying to await [`KubeApplier::apply`] instead; dropped there, it
//! shuts its runtime down in the background instead of blocking.
//!
//! Force: Kubernetes refuses (409 Conflict) an apply that changes a field another manager
//! owns, such as the route weights `kubectl apply` wrote. A rollout's purpose is to change
//! them, so the applier forces by default and takes ownership of the fields it sends;
//! [`KubeApplier::force`]`(false)` turns conflicts into errors naming the object instead.

use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind, TypeMeta};
use kube::{Client, Error as KubeError};
use mesh_api::{Document, Object};
use serde_json::Value;

use super::rollout::Transition;
use super::{Applier, CanaryError};

/// The field manager the canary applier writes as, unless [`KubeApplier::field_manager`]
/// names another.
pub const FIELD_MANAGER: &str = "mesh-canary";

/// The kinds a rollout reads from the cluster, as (group, version, kind): the Services and
/// Istio objects that decide the service's routing. Istio kinds are read at their `v1`
/// version (served since Istio 1.22).
pub const SNAPSHOT_KINDS: [(&str, &str, &str); 6] = [
    ("", "v1", "Service"),
    ("networking.istio.io", "v1", "ServiceEntry"),
    ("networking.istio.io", "v1", "Gateway"),
    ("networking.istio.io", "v1", "Sidecar"),
    ("networking.istio.io", "v1", "DestinationRule"),
    ("networking.istio.io", "v1", "VirtualService"),
];

/// Where [`KubeApplier::current_objects`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One namespace: enough when every VirtualService routing to the service lives beside it.
    Namespace(String),
    /// Every namespace, so VirtualServices bound to gateways elsewhere are rewritten too
    /// (needs cluster-wide `list` permission).
    AllNamespaces,
}

/// Applies canary transitions to a cluster by server-side apply, and reads the objects a
/// rollout starts from.
///
/// Each object is sent as a `PATCH` with `application/apply-patch+yaml` under the applier's
/// field manager ([`FIELD_MANAGER`], `mesh-canary`, unless [`KubeApplier::field_manager`]
/// names another). The applier is cheap to clone and every method takes `&self`, so one
/// applier serves many tasks of an async controller; the synchronous [`Applier`] trait is
/// implemented by [`BlockingKubeApplier`] instead, for programs without a runtime.
///
/// Kubernetes refuses (409 Conflict) an apply that changes a field another manager owns,
/// such as the route weights `kubectl apply` wrote. A rollout exists to change them, so the
/// applier forces by default and takes ownership of the fields it sends;
/// [`KubeApplier::force`]`(false)` turns such conflicts into errors naming the object.
///
/// # Examples
///
/// ```no_run
/// use mesh_routing::canary::{KubeApplier, Rollout, Scope, StaticMetrics};
/// # async fn step(client: kube::Client, mut rollout: Rollout) -> Result<(), Box<dyn std::error::Error>> {
/// let applier = KubeApplier::new(client);
/// let namespace = Scope::Namespace(rollout.canary().namespace().to_owned());
/// let objects = applier.current_objects(&namespace).await?;
/// let transition = rollout.advance(&objects, &StaticMetrics::new())?;
/// applier.apply_transition(&transition).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct KubeApplier {
    client: Client,
    field_manager: String,
    force: bool,
}

impl std::fmt::Debug for KubeApplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeApplier")
            .field("field_manager", &self.field_manager)
            .field("force", &self.force)
            .finish_non_exhaustive()
    }
}

impl KubeApplier {
    /// An applier writing through `client` as [`FIELD_MANAGER`], forcing conflicts.
    /// Objects without a namespace go to the client's default namespace.
    pub fn new(client: Client) -> Self {
        Self { client, field_manager: FIELD_MANAGER.to_owned(), force: true }
    }

    /// Writes as another field manager.
    pub fn field_manager(mut self, name: impl Into<String>) -> Self {
        self.field_manager = name.into();
        self
    }

    /// Whether to take over fields other managers own (default `true`); with `false`,
    /// a conflict is an error naming the object.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// The field manager this applier writes as.
    pub fn manager(&self) -> &str {
        &self.field_manager
    }

    /// Server-side applies each object in order, stopping at the first refusal. Only the
    /// object's intent is sent: `apiVersion`, `kind`, name, namespace, labels, annotations
    /// (without kubectl's last-applied copy) and `spec`; never `status` or the fields the
    /// server owns (`resourceVersion`, `uid`, `managedFields`, ...).
    ///
    /// # Errors
    ///
    /// [`CanaryError::Apply`] naming the object (kind, namespace and name), with the API
    /// server's code, reason and message (409 for a conflict without force, 422 for an
    /// object the server's validation refuses, 404 when the CRD is not installed).
    pub async fn apply(&self, objects: &[Object]) -> Result<(), CanaryError> {
        for object in objects {
            self.apply_one(object).await?;
        }
        Ok(())
    }

    /// Applies a transition's objects, DestinationRules first (subsets exist before the
    /// routes that use them).
    ///
    /// # Errors
    ///
    /// As [`KubeApplier::apply`].
    pub async fn apply_transition(&self, transition: &Transition) -> Result<(), CanaryError> {
        self.apply(&transition.objects()).await
    }

    async fn apply_one(&self, object: &Object) -> Result<(), CanaryError> {
        let what = describe(object, self.client.default_namespace());
        let fail = |message: String| CanaryError::Apply { message: format!("{what}: {message}") };
        let name = object.name().filter(|n| !n.is_empty()).ok_or_else(|| fail("the object has no name".into()))?;
        let namespace = object.namespace().unwrap_or(self.client.default_namespace()).to_owned();
        let mut body = Document::new(object.clone()).to_json().map_err(|e| fail(e.to_string()))?;
        intent_only(&mut body, &namespace);
        let resource = api_resource(object.group(), &body, object.kind());
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), &namespace, &resource);
        let mut params = PatchParams::apply(&self.field_manager);
        params.force = self.force;
        api.patch(name, &params, &Patch::Apply(&body)).await.map(drop).map_err(|e| fail(refusal(&e)))
    }

    /// The objects of [`SNAPSHOT_KINDS`] in `scope`, as the cluster has them (without
    /// `status` and `managedFields`), ready for [`Rollout::advance`](super::Rollout::advance).
    ///
    /// # Errors
    ///
    /// [`CanaryError::Read`] naming the kind when a list fails (a missing CRD, no
    /// permission), or naming the object when one does not fit mesh's types.
    pub async fn current_objects(&self, scope: &Scope) -> Result<Vec<Object>, CanaryError> {
        let mut out = Vec::new();
        for (group, version, kind) in SNAPSHOT_KINDS {
            let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
            let api: Api<DynamicObject> = match scope {
                Scope::Namespace(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
                Scope::AllNamespaces => Api::all_with(self.client.clone(), &resource),
            };
            let list = api.list(&ListParams::default()).await.map_err(|e| CanaryError::Read {
                message: format!("listing {kind} ({}): {}", resource.api_version, refusal(&e)),
            })?;
            for item in list.items {
                out.push(to_object(item, &resource)?);
            }
        }
        Ok(out)
    }
}

/// A listed object as a mesh [`Object`]: typed with the list's kind (core lists leave it
/// out of their items), without `status` and `managedFields`.
fn to_object(mut item: DynamicObject, resource: &ApiResource) -> Result<Object, CanaryError> {
    item.types = Some(TypeMeta { api_version: resource.api_version.clone(), kind: resource.kind.clone() });
    item.metadata.managed_fields = None;
    let name = format!(
        "{} {}/{}",
        resource.kind,
        item.metadata.namespace.as_deref().unwrap_or_default(),
        item.metadata.name.as_deref().unwrap_or_default()
    );
    let mut value = serde_json::to_value(&item).map_err(|e| CanaryError::Read { message: format!("{name}: {e}") })?;
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }
    mesh_api::load_value(&value)
        .map(|document| document.object)
        .map_err(|e| CanaryError::Read { message: format!("{name}: {e}") })
}

/// `Kind namespace/name`, for messages.
fn describe(object: &Object, default_namespace: &str) -> String {
    format!(
        "{} {}/{}",
        object.kind(),
        object.namespace().unwrap_or(default_namespace),
        object.name().unwrap_or("<unnamed>")
    )
}

/// The API resource of an object about to be applied, from its `apiVersion`.
fn api_resource(group: &str, body: &Value, kind: &str) -> ApiResource {
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind))
}

/// Keeps what the applier means to own: `apiVersion`, `kind`, `spec`, and of the metadata
/// the name, namespace, labels and annotations (kubectl's last-applied copy dropped).
fn intent_only(body: &mut Value, namespace: &str) {
    let Some(map) = body.as_object_mut() else { return };
    map.retain(|key, _| matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "spec"));
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        meta.retain(|key, _| matches!(key.as_str(), "name" | "namespace" | "labels" | "annotations"));
        meta.insert("namespace".into(), namespace.into());
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
        if meta.get("annotations").and_then(Value::as_object).is_some_and(serde_json::Map::is_empty) {
            meta.remove("annotations");
        }
    }
}

/// What the API server (or the connection) said, in one line.
fn refusal(error: &KubeError) -> String {
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

/// A synchronous [`Applier`] over [`KubeApplier`], for programs without an async runtime.
///
/// It owns a current-thread tokio runtime and blocks on it. Blocking on a future from inside
/// an async runtime would panic (or starve the runtime), so every method first checks for
/// one and returns an error instead; in async code, use [`KubeApplier`] directly.
pub struct BlockingKubeApplier {
    runtime: Option<tokio::runtime::Runtime>,
    applier: KubeApplier,
}

impl std::fmt::Debug for BlockingKubeApplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingKubeApplier").field("applier", &self.applier).finish_non_exhaustive()
    }
}

const IN_RUNTIME: &str = "BlockingKubeApplier cannot block inside an async runtime; await KubeApplier::apply instead";

impl BlockingKubeApplier {
    /// Starts the runtime and builds the applier inside it with `make` (kube's `Client`
    /// starts a background task on the runtime it is created in, so the client must be
    /// created there: call `Client::new` or `Client::try_from` inside `make`).
    ///
    /// # Errors
    ///
    /// [`CanaryError::Apply`] when called inside an async runtime or when the runtime
    /// cannot start.
    pub fn new(make: impl FnOnce() -> KubeApplier) -> Result<Self, CanaryError> {
        let runtime = Self::runtime()?;
        let applier = {
            let _entered = runtime.enter();
            make()
        };
        Ok(Self { runtime: Some(runtime), applier })
    }

    /// An applier with the client `kubectl` would use (kubeconfig, or the in-cluster
    /// service account).
    ///
    /// # Errors
    ///
    /// [`CanaryError::Apply`] when no configuration is found, when called inside an async
    /// runtime, or when the runtime cannot start.
    pub fn from_kubeconfig() -> Result<Self, CanaryError> {
        let runtime = Self::runtime()?;
        let client = runtime
            .block_on(Client::try_default())
            .map_err(|e| CanaryError::Apply { message: format!("no Kubernetes client configuration: {e}") })?;
        Ok(Self { runtime: Some(runtime), applier: KubeApplier::new(client) })
    }

    fn runtime() -> Result<tokio::runtime::Runtime, CanaryError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(CanaryError::Apply { message: IN_RUNTIME.to_owned() });
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CanaryError::Apply { message: format!("cannot start a runtime: {e}") })
    }

    /// The async applier inside.
    pub fn applier(&self) -> &KubeApplier {
        &self.applier
    }

    fn block_on<T>(
        &self,
        future: impl std::future::Future<Output = Result<T, CanaryError>>,
        error: impl FnOnce(String) -> CanaryError,
    ) -> Result<T, CanaryError> {
        match &self.runtime {
            Some(runtime) if tokio::runtime::Handle::try_current().is_err() => runtime.block_on(future),
            _ => Err(error(IN_RUNTIME.to_owned())),
        }
    }

    /// [`KubeApplier::current_objects`], blocking.
    ///
    /// # Errors
    ///
    /// As [`KubeApplier::current_objects`]; [`CanaryError::Read`] inside an async runtime.
    pub fn current_objects(&self, scope: &Scope) -> Result<Vec<Object>, CanaryError> {
        self.block_on(self.applier.current_objects(scope), |message| CanaryError::Read { message })
    }
}

impl Applier for BlockingKubeApplier {
    fn apply(&mut self, objects: &[Object]) -> Result<(), CanaryError> {
        self.block_on(self.applier.apply(objects), |message| CanaryError::Apply { message })
    }
}

impl Drop for BlockingKubeApplier {
    fn drop(&mut self) {
        // Dropping a runtime waits for its blocking threads, which panics inside another
        // runtime; shutting down in the background never waits.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
