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

/// A route test file that cannot be run: unreadable, malformed, or with config that does
/// not load. Tests that run and fail are not errors; they are in the report.
#[derive(Debug)]
#[non_exhaustive]
pub enum TestFileError {
    /// The file (or a config path it names) could not be read. Check the path.
    Read {
        /// The path.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid route test file; the message names line, column and field.
    Parse {
        /// The file, when known.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Objects under `config` or `resources` did not load; each error names its document.
    Config {
        /// The file, when known.
        file: String,
        /// One line per bad document.
        errors: Vec<String>,
    },
    /// A test is malformed (duplicate name, unknown protocol, ...).
    Invalid {
        /// The file, when known.
        file: String,
        /// The test's name.
        test: String,
        /// The field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for TestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Parse { file, message } => write!(f, "{file}: {message}"),
            Self::Config { file, errors } => write!(f, "{file}: config does not load:\n  {}", errors.join("\n  ")),
            Self::Invalid { file, test, field, message } => write!(f, "{file}: test {test:?}: {field}: {message}"),
        }
    }
}

impl std::error::Error for TestFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}
