//! Applying a transition's objects: the caller's choice, through [`Applier`].

use mesh_api::Object;

use super::CanaryError;
use super::rollout::Transition;
use super::verify::merge;

/// Somewhere a transition's objects are applied: a cluster, a Git repository, or memory.
/// [`InMemoryApplier`] keeps a snapshot; with the `kube` feature, `BlockingKubeApplier`
/// server-side applies to a cluster (async code uses `KubeApplier` and awaits it instead).
pub trait Applier {
    /// Creates or replaces each object (by kind, namespace and name).
    ///
    /// # Errors
    ///
    /// [`CanaryError::Apply`] when the target refuses an object.
    fn apply(&mut self, objects: &[Object]) -> Result<(), CanaryError>;

    /// Applies every object of a transition, DestinationRules first.
    ///
    /// # Errors
    ///
    /// As [`Applier::apply`].
    fn apply_transition(&mut self, transition: &Transition) -> Result<(), CanaryError> {
        self.apply(&transition.objects())
    }
}

/// An [`Applier`] holding a snapshot of the mesh in memory, for tests and simulations:
/// applying replaces objects in the snapshot, and [`InMemoryApplier::objects`] is what a
/// rollout reads next.
///
/// # Examples
///
/// ```
/// use mesh_routing::canary::{Applier, InMemoryApplier};
///
/// let loaded = mesh_api::load_str("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: shop}\nspec: {host: reviews}\n");
/// let mut mesh = InMemoryApplier::new(loaded.objects().cloned().collect());
/// let same: Vec<_> = mesh.objects().to_vec();
/// mesh.apply(&same).unwrap();
/// assert_eq!(mesh.objects().len(), 1);
/// assert_eq!(mesh.applied(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemoryApplier {
    objects: Vec<Object>,
    applied: usize,
}

impl InMemoryApplier {
    /// A snapshot starting with `objects`.
    pub fn new(objects: Vec<Object>) -> Self {
        Self { objects, applied: 0 }
    }

    /// The objects now.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// How many objects were applied so far.
    pub fn applied(&self) -> usize {
        self.applied
    }
}

impl Applier for InMemoryApplier {
    fn apply(&mut self, objects: &[Object]) -> Result<(), CanaryError> {
        if let Some(o) = objects.iter().find(|o| o.metadata().name.as_deref().is_none_or(str::is_empty)) {
            return Err(CanaryError::Apply { message: format!("a {} has no name", o.kind()) });
        }
        self.objects = merge(&self.objects, objects);
        self.applied += objects.len();
        Ok(())
    }
}
