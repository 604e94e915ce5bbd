//! Field paths such as `spec.http[0].route[1].weight`, used by load errors and validation.

use std::fmt;

/// One step of a [`FieldPath`]: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A field or map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Where in a document a value sits, written as `spec.http[0].route[1].weight`.
///
/// # Examples
///
/// ```
/// use mesh_api::FieldPath;
///
/// let path = FieldPath::root().key("spec").key("http").index(0).key("timeout");
/// assert_eq!(path.to_string(), "spec.http[0].timeout");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The empty path: the document itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path followed by the field or map key `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(Segment::Key(key.into()));
        self
    }

    /// This path followed by list index `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Segment::Index(index));
        self
    }

    /// Appends a segment in place.
    pub fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    /// Removes the last segment in place.
    pub fn pop(&mut self) -> Option<Segment> {
        self.0.pop()
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `other` appended to this path.
    #[must_use]
    pub fn join(mut self, other: &FieldPath) -> Self {
        self.0.extend(other.0.iter().cloned());
        self
    }

    /// Reads a path written as `spec.http[0].route[1].weight`.
    pub fn parse(text: &str) -> Self {
        let mut path = Self::root();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
            if !name.is_empty() {
                path.0.push(Segment::Key(name.to_owned()));
            }
            while let Some((index, after)) = rest.split_once(']') {
                match index.parse() {
                    Ok(i) => path.0.push(Segment::Index(i)),
                    Err(_) => path.0.push(Segment::Key(index.to_owned())),
                }
                rest = after.strip_prefix('[').unwrap_or(after);
            }
        }
        path
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl From<&str> for FieldPath {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

pub(crate) fn serialize_display<S: serde::Serializer>(path: &FieldPath, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_the_same_path() {
        for text in ["spec.http[0].route[1].weight", "spec", "metadata.labels.app", "spec.x[0][1]"] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        assert_eq!(FieldPath::root().to_string(), ".");
    }
}
