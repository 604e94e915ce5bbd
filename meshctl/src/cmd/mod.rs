//! One module per subcommand: its arguments and a `run` that calls the libraries and prints.

pub mod crds;
pub mod fmt;
pub mod kube_inject;
pub mod validate;
pub mod version;

use mesh_api::{Error, Loaded};

/// Exit code for input that was read but is wrong.
pub const INVALID: u8 = 1;
/// Exit code for input that could not be read.
pub const UNREADABLE: u8 = 2;

/// The exit code that a set of load errors calls for: 2 when a path could not be read.
pub fn load_error_code(loaded: &Loaded) -> u8 {
    if loaded.errors.iter().any(|e| matches!(e, Error::Read { .. })) {
        UNREADABLE
    } else if loaded.errors.is_empty() {
        0
    } else {
        INVALID
    }
}
