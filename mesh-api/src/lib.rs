//! Typed Istio resources for Rust: read, build, validate and generate Istio configuration
//! without a cluster.
//!
//! ```
//! use mesh_api::networking::VirtualService;
//! use mesh_api::Validate;
//!
//! let loaded = mesh_api::load_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: shop}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - route:
//!     - {destination: {host: reviews, subset: v1}, weight: 75}
//!     - {destination: {host: reviews, subset: v2}, weight: 25}
//! "#);
//! assert!(loaded.errors.is_empty());
//! let vs: VirtualService = loaded.documents[0].object.clone().downcast().unwrap();
//! assert_eq!(vs.spec.http[0].route[1].weight, Some(25));
//! assert!(vs.validate().is_empty());
//! ```
//!
//! The main pieces, in the order a program meets them:
//!
//! - [`load_str`], [`load_file`], [`load_path`]: YAML streams, files and folders into
//!   [`Document`]s holding typed [`Object`]s; every bad document becomes an [`Error`] naming
//!   file, document, line, column and field path, and the rest still load.
//! - [`networking`], [`security`], [`telemetry`], [`extensions`], [`install`]: every Istio
//!   kind, each a `kube::CustomResource` (so `kube::Api<VirtualService>` works) with a `crd()`
//!   carrying all served versions; [`crds`] lists them all and [`json_schemas`] gives each
//!   spec's JSON Schema.
//! - [`Validate`]: Istio's admission rules, returning every [`Problem`] with its [`FieldPath`]
//!   and [`Level`].
//! - Builders such as [`networking::VirtualService::builder`] for the common objects.
//! - [`Document::to_yaml`] and [`to_yaml_string`]: write objects back, as they were read.
//!
//! # Kubernetes versions
//!
//! Kubernetes types come from `k8s-openapi`, which needs one Kubernetes version feature
//! chosen in the final binary. The default feature `k8s-earliest` selects the oldest one
//! k8s-openapi supports, so `cargo add mesh-api` builds as is. A program that picks its own
//! version (`k8s-openapi = { features = ["v1_35"] }`) turns it off with
//! `mesh-api = { default-features = false }`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod common;
mod crd;
mod error;
mod field_path;
mod load;
mod object;
pub mod validation;
mod yaml;

pub mod extensions;
pub mod install;
pub mod networking;
pub mod security;
pub mod telemetry;

pub use common::*;
pub use error::{Error, Location, ObjectRef, Result};
pub use field_path::{FieldPath, Segment};
pub use load::{
    Document, Loaded, Source, from_value, from_yaml_str, load_file, load_path, load_paths, load_str, load_value,
    locate_in, parse_yaml, read_untyped, to_yaml, to_yaml_string,
};
pub use object::{Kind, Object, crds, crds_ref, json_schemas};
pub use validation::{Level, Problem, Validate, Validator};

// The README's and the guides' snippets run as doc tests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/loading-and-validating.md")]
struct LoadingGuideDoctests;

/// The Istio release whose API these types model.
pub const ISTIO_VERSION: &str = "1.31 (master of 2026-08-22)";

#[doc(inline)]
pub use k8s_openapi;
#[doc(inline)]
pub use kube::CustomResourceExt;
#[doc(inline)]
pub use schemars;
