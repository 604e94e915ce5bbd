//! The errors of `mesh-api`: what failed, where, and what to do about it.

use std::fmt;
use std::path::PathBuf;

use crate::{FieldPath, Problem};

/// A `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the input a problem sits: file (when there is one), document index within the
/// YAML stream (from 0), and 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file read, or `None` for text given directly.
    pub file: Option<PathBuf>,
    /// Index of the document in its YAML stream, counting from 0.
    pub document: usize,
    /// Line, counting from 1; 0 when unknown.
    pub line: usize,
    /// Column, counting from 1; 0 when unknown.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display())?,
            None => write!(f, "<input>")?,
        }
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

/// Names an object: its kind, namespace and name, as far as they are known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// The kind, such as `VirtualService`; empty when the document has none.
    pub kind: String,
    /// The namespace, when set.
    pub namespace: Option<String>,
    /// The name, when set.
    pub name: Option<String>,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind.is_empty() && self.name.is_none() {
            return f.write_str("document");
        }
        let kind = if self.kind.is_empty() { "object" } else { &self.kind };
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        match &self.namespace {
            Some(ns) => write!(f, "{kind} {ns}/{name}"),
            None => write!(f, "{kind} {name}"),
        }
    }
}

/// Everything that can go wrong when reading, building or checking Istio objects.
///
/// Each variant says where the problem is; `Display` gives the one line that `meshctl`
/// prints, such as
/// `reviews.yaml:14:11: VirtualService shop/reviews: spec.http[0].route[1].weight: invalid type: string "75%", expected i32`.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read, so nothing in it loaded. Check the path and its
    /// permissions.
    #[error("{}: {source}", path.display())]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML (or not UTF-8), so this document did not load; the others in the
    /// stream still did. Fix the syntax at `at`.
    #[error("{at}: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Location,
        /// What the parser expected.
        message: String,
    },
    /// The document is YAML but does not fit its kind (a wrong type, an unknown or missing
    /// field, a value out of range); the other documents still loaded. Fix `field`.
    #[error("{at}: {object}: {field}: {message}")]
    Invalid {
        /// Where the bad value is.
        at: Location,
        /// The object the document describes (boxed to keep `Error` small).
        object: Box<ObjectRef>,
        /// The field at fault.
        field: FieldPath,
        /// What is wrong; unknown fields name the nearest known one.
        message: String,
    },
    /// The document's `apiVersion` and `kind` name a different kind than the caller asked
    /// for. Load it as a generic object instead, or pass the right type.
    #[error("{at}: expected kind {expected}, found {found:?}")]
    WrongKind {
        /// Where the document starts.
        at: Location,
        /// The kind the caller asked for.
        expected: String,
        /// The kind the document names.
        found: String,
    },
    /// The text holds no document where one was required.
    #[error("{at}: no YAML document found")]
    Empty {
        /// Where the input is.
        at: Location,
    },
    /// A builder made an object that Istio would reject. Each problem names the field.
    #[error("{object} is invalid: {}", join_problems(problems))]
    Rejected {
        /// The object that was built.
        object: ObjectRef,
        /// What validation found (errors only).
        problems: Vec<Problem>,
    },
    /// The object could not be written out (an internal inconsistency such as a non-string
    /// map key); this indicates a bug in mesh, please report it.
    #[error("{object}: could not serialize: {message}")]
    Serialize {
        /// The object being written.
        object: ObjectRef,
        /// What the serializer said.
        message: String,
    },
}

fn join_problems(problems: &[Problem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    /// Where the problem is, when it comes from input text.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Syntax { at, .. } | Self::Invalid { at, .. } | Self::WrongKind { at, .. } | Self::Empty { at } => {
                Some(at)
            }
            _ => None,
        }
    }

    /// The field at fault, when one is known.
    pub fn field(&self) -> Option<&FieldPath> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

// A failed `.unwrap()` should show the sentence a person reads, not a struct dump.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
