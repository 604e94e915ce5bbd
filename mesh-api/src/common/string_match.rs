//! `StringMatch`: how Istio compares a string (URI, header, query parameter, authority, ...).

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string comparison, written in YAML as a one-key map: `exact: v`, `prefix: v` or `regex: v`.
///
/// Istio also accepts an empty map `{}`; for headers and query parameters it means "present with
/// any value", so it is kept as [`StringMatch::Any`] rather than refused.
///
/// # Examples
///
/// ```
/// use mesh_api::StringMatch;
///
/// let m: StringMatch = serde_json::from_str(r#"{"prefix": "/api"}"#).unwrap();
/// assert_eq!(m, StringMatch::Prefix("/api".into()));
/// assert_eq!(m.value(), Some("/api"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StringMatch {
    /// The whole string equals the value (case-sensitive).
    Exact(String),
    /// The string starts with the value.
    Prefix(String),
    /// The whole string matches the RE2-syntax regular expression.
    Regex(String),
    /// `{}`: no comparison; for headers and query parameters, presence alone.
    Any,
}

impl StringMatch {
    /// An exact match.
    pub fn exact(value: impl Into<String>) -> Self {
        Self::Exact(value.into())
    }

    /// A prefix match.
    pub fn prefix(value: impl Into<String>) -> Self {
        Self::Prefix(value.into())
    }

    /// A regular-expression match.
    pub fn regex(value: impl Into<String>) -> Self {
        Self::Regex(value.into())
    }

    /// The compared value, or `None` for [`StringMatch::Any`].
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::Exact(v) | Self::Prefix(v) | Self::Regex(v) => Some(v),
            Self::Any => None,
        }
    }

    /// The YAML key of this kind of match (`exact`, `prefix`, `regex`), or `None` for `{}`.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            Self::Exact(_) => Some("exact"),
            Self::Prefix(_) => Some("prefix"),
            Self::Regex(_) => Some("regex"),
            Self::Any => None,
        }
    }
}

impl fmt::Display for StringMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind(), self.value()) {
            (Some(kind), Some(value)) => write!(f, "{kind} {value:?}"),
            _ => f.write_str("any"),
        }
    }
}

impl Serialize for StringMatch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.kind(), self.value()) {
            (Some(kind), Some(value)) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(kind, value)?;
                map.end()
            }
            _ => serializer.serialize_map(Some(0))?.end(),
        }
    }
}

impl<'de> Deserialize<'de> for StringMatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MatchVisitor;

        impl<'de> Visitor<'de> for MatchVisitor {
            type Value = StringMatch;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with one of `exact`, `prefix` or `regex`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMatch, A::Error> {
                let mut found: Option<StringMatch> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let build: fn(String) -> StringMatch = match key.as_str() {
                        "exact" => StringMatch::Exact,
                        "prefix" => StringMatch::Prefix,
                        "regex" => StringMatch::Regex,
                        _ => return Err(de::Error::unknown_field(&key, FIELDS)),
                    };
                    let value: String = map.next_value()?;
                    if let Some(previous) = &found {
                        return Err(de::Error::custom(format!(
                            "only one of `exact`, `prefix` or `regex` may be set, found `{}` and `{key}`",
                            previous.kind().unwrap_or("?")
                        )));
                    }
                    found = Some(build(value));
                }
                Ok(found.unwrap_or(StringMatch::Any))
            }
        }

        const FIELDS: &[&str] = &["exact", "prefix", "regex"];
        deserializer.deserialize_map(MatchVisitor)
    }
}

impl JsonSchema for StringMatch {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StringMatch".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "Describes how to match a given string. Exactly one of `exact`, `prefix` or `regex`; `{}` matches any value.",
            "properties": {
                "exact": { "type": "string" },
                "prefix": { "type": "string" },
                "regex": { "type": "string", "description": "RE2 style regex-based match." }
            },
            "oneOf": [
                { "not": { "anyOf": [
                    { "required": ["exact"] }, { "required": ["prefix"] }, { "required": ["regex"] }
                ] } },
                { "required": ["exact"] },
                { "required": ["prefix"] },
                { "required": ["regex"] }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_form() {
        let read = |s: &str| serde_json::from_str::<StringMatch>(s).unwrap();
        assert_eq!(read(r#"{"exact":"a"}"#), StringMatch::exact("a"));
        assert_eq!(read(r#"{"prefix":"/"}"#), StringMatch::prefix("/"));
        assert_eq!(read(r#"{"regex":".*"}"#), StringMatch::regex(".*"));
        assert_eq!(read("{}"), StringMatch::Any);
    }

    #[test]
    fn refuses_two_kinds_and_unknown_keys() {
        let err = serde_json::from_str::<StringMatch>(r#"{"exact":"a","prefix":"b"}"#).unwrap_err();
        assert!(err.to_string().contains("only one of"), "{err}");
        let err = serde_json::from_str::<StringMatch>(r#"{"exat":"a"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `exat`"), "{err}");
    }

    #[test]
    fn writes_back_what_it_read() {
        for s in [r#"{"exact":"a"}"#, r#"{"regex":"x+"}"#, "{}"] {
            let m: StringMatch = serde_json::from_str(s).unwrap();
            assert_eq!(serde_json::to_string(&m).unwrap(), s);
        }
    }
}
