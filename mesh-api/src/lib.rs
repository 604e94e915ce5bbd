//! Typed Istio resources for Rust: read, build, validate and generate Istio configuration
//! without a cluster.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod common;
mod field_path;
pub mod validation;

pub mod extensions;
pub mod install;
pub mod networking;
pub mod security;
pub mod telemetry;

pub use common::*;
pub use field_path::{FieldPath, Segment};
pub use validation::{Level, Problem, Validate, Validator};
