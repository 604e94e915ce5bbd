//! `networking.istio.io`: traffic routing (VirtualService, DestinationRule, Gateway,
//! ServiceEntry, Sidecar, WorkloadEntry, WorkloadGroup, EnvoyFilter, ProxyConfig).
//!
//! `v1`, `v1beta1` and `v1alpha3` share one schema, so one set of types reads all three.

mod destination_rule;
mod virtual_service;
mod virtual_service_validation;

pub use destination_rule::*;
pub use virtual_service::*;
#[cfg(test)]
mod corpus_check;
