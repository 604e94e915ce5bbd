//! Validation with Istio's admission rules (`pkg/config/validation` in Istio's sources).
//!
//! Every kind implements [`Validate`]; it returns every problem found, each with its
//! [`FieldPath`] and the [`Level`] Istio gives it, rather than stopping at the first.

use std::fmt;

use serde::Serialize;

use crate::FieldPath;

pub mod rules;

/// How serious a validation problem is, as Istio ranks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Istio accepts the object but warns about it.
    Warning,
    /// Istio rejects the object.
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// One thing wrong with an object: where, how serious, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub level: Level,
    /// The field at fault, such as `spec.http[0].route[1].weight`.
    #[serde(serialize_with = "crate::field_path::serialize_display")]
    pub path: FieldPath,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level {
            Level::Error => write!(f, "{}: {}", self.path, self.message),
            Level::Warning => write!(f, "{}: warning: {}", self.path, self.message),
        }
    }
}

/// Checks an object against Istio's admission rules.
///
/// # Examples
///
/// ```
/// use mesh_api::{Level, Validate};
/// use mesh_api::networking::VirtualService;
///
/// let vs: VirtualService = mesh_api::from_yaml_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: reviews, namespace: shop}
/// spec:
///   hosts: [reviews]
///   http:
///   - route:
///     - destination: {host: reviews, subset: v1}
///       weight: -5
/// "#)?;
/// let problems = vs.validate();
/// assert!(problems.iter().any(|p| p.level == Level::Error
///     && p.path.to_string() == "spec.http[0].route[0].weight"));
/// # Ok::<(), mesh_api::Error>(())
/// ```
pub trait Validate {
    /// Every problem found, errors and warnings, in document order.
    fn validate(&self) -> Vec<Problem>;

    /// Whether no problem is an error (warnings allowed).
    fn is_valid(&self) -> bool {
        self.validate().iter().all(|p| p.level != Level::Error)
    }
}

/// Collects problems while walking an object, tracking the current field path.
///
/// Kinds use it to implement [`Validate`]; it is public so that tools can write checks of
/// their own with the same paths and levels.
#[derive(Debug)]
pub struct Validator {
    /// The current path's keys, end to end. Entering a field appends to this buffer instead
    /// of allocating a segment: validation visits every field of every object, while a
    /// [`FieldPath`] is needed only for the few that have problems.
    keys: String,
    /// The current path, outermost first.
    steps: Vec<Step>,
    problems: Vec<Problem>,
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

/// One segment of the current path.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// A key: where it starts in [`Validator::keys`] (it ends where the buffer ends, or where
    /// the next key starts).
    Key(usize),
    /// A list index.
    Index(usize),
}

impl Validator {
    /// An empty validator at the document root.
    pub fn new() -> Self {
        // Room for a typical path: validating one object then allocates nothing more.
        Self { keys: String::with_capacity(96), steps: Vec::with_capacity(12), problems: Vec::new() }
    }

    /// Runs `check` with `key` appended to the current path.
    pub fn field<R>(&mut self, key: &str, check: impl FnOnce(&mut Self) -> R) -> R {
        let start = self.keys.len();
        self.keys.push_str(key);
        self.steps.push(Step::Key(start));
        let result = check(self);
        self.steps.pop();
        self.keys.truncate(start);
        result
    }

    /// Runs `check` with list index `index` appended to the current path.
    pub fn item<R>(&mut self, index: usize, check: impl FnOnce(&mut Self) -> R) -> R {
        self.steps.push(Step::Index(index));
        let result = check(self);
        self.steps.pop();
        result
    }

    /// The path being checked.
    pub fn path(&self) -> FieldPath {
        let mut path = FieldPath::root();
        for (i, step) in self.steps.iter().enumerate() {
            match *step {
                Step::Key(start) => {
                    // A key ends where the next one starts.
                    let end = self.steps[i + 1..]
                        .iter()
                        .find_map(|s| match s {
                            Step::Key(next) => Some(*next),
                            Step::Index(_) => None,
                        })
                        .unwrap_or(self.keys.len());
                    path.push(crate::field_path::Segment::Key(self.keys[start..end].to_owned()));
                }
                Step::Index(index) => path.push(crate::field_path::Segment::Index(index)),
            }
        }
        path
    }

    /// Records an error at the current path.
    pub fn error(&mut self, message: impl Into<String>) {
        self.push(Level::Error, message.into());
    }

    /// Records a warning at the current path.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.push(Level::Warning, message.into());
    }

    /// Records an error at `key` under the current path.
    pub fn error_at(&mut self, key: &str, message: impl Into<String>) {
        self.field(key, |v| v.error(message));
    }

    /// Records a warning at `key` under the current path.
    pub fn warn_at(&mut self, key: &str, message: impl Into<String>) {
        self.field(key, |v| v.warn(message));
    }

    /// Records a problem of `level` at the current path.
    pub fn push(&mut self, level: Level, message: String) {
        self.problems.push(Problem { level, path: self.path(), message });
    }

    /// Whether any error (not warning) was recorded so far.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Error)
    }

    /// The problems recorded, in the order found.
    pub fn finish(self) -> Vec<Problem> {
        self.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_the_path_of_nested_fields_and_items() {
        let mut v = Validator::new();
        v.field("spec", |v| {
            v.field("http", |v| {
                v.item(0, |v| v.error_at("timeout", "bad"));
                v.item(2, |v| v.field("route", |v| v.item(1, |v| v.warn_at("weight", "odd"))));
            });
            v.field("", |v| v.error("empty key"));
            v.error("at spec");
        });
        v.error("at the root");
        let paths: Vec<String> = v.finish().iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths[0], "spec.http[0].timeout");
        assert_eq!(paths[1], "spec.http[2].route[1].weight");
        assert_eq!(
            Validator::new().field("a", |v| v.field("", |v| v.field("b", |v| v.path()))).segments(),
            FieldPath::root().key("a").key("").key("b").segments()
        );
        assert_eq!(paths.len(), 5, "{paths:?}");
        assert_eq!(paths[3], "spec");
        assert_eq!(paths[4], FieldPath::root().to_string());
    }

    #[test]
    fn leaving_a_field_restores_the_path() {
        let mut v = Validator::new();
        v.field("metadata", |v| v.field("name", |_| ()));
        v.field("spec", |v| v.item(3, |v| v.error("x")));
        assert_eq!(v.path(), FieldPath::root());
        assert_eq!(v.finish()[0].path.to_string(), "spec[3]");
    }
}
