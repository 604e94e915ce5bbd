//! `meshctl version`

use std::io::{self, Write};

/// Prints the SDK version and the Istio API version it models.
pub fn run(out: &mut impl Write) -> io::Result<u8> {
    writeln!(out, "meshctl {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "Istio API: {}", mesh_api::ISTIO_VERSION)?;
    Ok(0)
}
