//! Istio installations rendered offline. The renderer is being built; this crate currently holds no API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod inject;
