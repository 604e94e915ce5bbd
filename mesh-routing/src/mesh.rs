//! `Mesh`: the compiled, immutable routing table.

use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

use crate::compile::destination_rule::CompiledDr;
use crate::compile::gateway::CompiledGateway;
use crate::compile::registry::{Service, Workload};
use crate::compile::sidecar::CompiledSidecar;
use crate::compile::virtual_service::CompiledVs;
use crate::error::CompileWarning;
use crate::settings::MeshSettings;

/// Names to positions. Hashed with a fixed seed: fast for the short keys of host names, and
/// the same on every run.
pub(crate) type Index<V = Ids> = HashMap<String, V, FixedState>;

/// Positions under one name. Nearly every name has one, kept inline: at 100,000 services a
/// separate allocation per name costs a cache miss on every lookup and a `malloc` per entry.
pub(crate) type Ids = smallvec::SmallVec<[usize; 1]>;

/// A snapshot of mesh configuration compiled for routing. Build it once with
/// [`Mesh::compile`], then call [`Mesh::route`] as often as needed, from any thread.
///
/// # Examples
///
/// ```
/// use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
///
/// let loaded = mesh_api::load_str(r#"
/// apiVersion: v1
/// kind: Service
/// metadata: {name: ratings, namespace: default}
/// spec: {ports: [{name: http, port: 9080}], selector: {app: ratings}}
/// "#);
/// let objects: Vec<_> = loaded.objects().cloned().collect();
/// let mesh = Mesh::compile(&objects, &MeshSettings::default());
/// let d = mesh.route(&Request::http("ratings").port(9080));
/// assert_eq!(d.outcome(), Outcome::Route);
/// assert!(d.virtual_service().is_none()); // default route (no VirtualService)
/// ```
#[derive(Debug)]
pub struct Mesh {
    pub(crate) settings: MeshSettings,
    pub(crate) services: Vec<Service>,
    /// Exact host and alias names to services.
    pub(crate) service_index: Index,
    /// Addresses (ClusterIPs, ServiceEntry addresses) to services.
    pub(crate) address_index: Index,
    /// Services whose host is a wildcard.
    pub(crate) wildcard_services: Vec<usize>,
    pub(crate) workloads: Vec<Workload>,
    /// Namespaces with at least one workload.
    pub(crate) workload_namespaces: HashSet<String, FixedState>,
    /// In age order.
    pub(crate) virtual_services: Vec<CompiledVs>,
    /// Exact VirtualService hosts to VirtualServices (age order).
    pub(crate) vs_exact: Index,
    /// VirtualServices with at least one wildcard host (age order).
    pub(crate) vs_wildcard: Vec<usize>,
    /// In age order.
    pub(crate) destination_rules: Vec<CompiledDr>,
    /// Exact DestinationRule hosts to DestinationRules (age order).
    pub(crate) dr_exact: Index,
    /// DestinationRules whose host is a wildcard (age order).
    pub(crate) dr_wildcard: Vec<usize>,
    /// In age order.
    pub(crate) gateways: Vec<CompiledGateway>,
    /// In age order.
    pub(crate) sidecars: Vec<CompiledSidecar>,
    pub(crate) warnings: Vec<CompileWarning>,
}

impl Mesh {
    /// What compiling could not use (invalid objects, unresolvable references).
    pub fn warnings(&self) -> &[CompileWarning] {
        &self.warnings
    }

    /// The settings the mesh was compiled with.
    pub fn settings(&self) -> &MeshSettings {
        &self.settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Mesh>();
    }
}
