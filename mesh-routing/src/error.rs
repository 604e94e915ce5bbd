//! Problems found while compiling a mesh: what could not be used, and why.

use std::fmt;

/// Something `Mesh::compile` could not use; the rest of the mesh still routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileWarning {
    /// The object, as `Kind namespace/name`.
    pub object: String,
    /// The field at fault (`spec.http[0].match[1].uri`), empty for the whole object.
    pub field: String,
    /// What is wrong and what happens because of it.
    pub message: String,
}

impl fmt::Display for CompileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.object, self.message)
        } else {
            write!(f, "{}: {}: {}", self.object, self.field, self.message)
        }
    }
}
