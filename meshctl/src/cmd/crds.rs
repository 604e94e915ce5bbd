//! `meshctl crds`

use std::io::{self, Write};

/// Prints every Istio CRD, each with all its served versions, as a YAML stream.
pub fn run(out: &mut impl Write) -> io::Result<u8> {
    for crd in mesh_api::crds() {
        let text = mesh_api::to_yaml(&crd).map_err(io::Error::other)?;
        write!(out, "---\n{text}")?;
    }
    Ok(0)
}
