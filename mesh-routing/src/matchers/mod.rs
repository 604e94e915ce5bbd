//! One small matcher per file, each prepared at compile time so routing only reads.

pub(crate) mod headers;
pub(crate) mod host;
pub(crate) mod port;
pub(crate) mod source;
pub(crate) mod string;
pub(crate) mod subnet;
