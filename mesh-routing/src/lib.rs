//! Istio's routing decisions as a pure engine. The engine is being built; this crate currently holds no API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
