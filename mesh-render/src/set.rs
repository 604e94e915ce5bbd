//! `--set path=value` flags, parsed and applied the way `istioctl` does.
//!
//! A path is relative to the IstioOperator's `spec` (`values.global.hub`, `components.cni.enabled`,
//! `profile`). Segments are split on unescaped dots; `\.` is a literal dot inside a key. A
//! segment may end in a list address: `[2]` picks an element by index (an index at or past the
//! end appends a new element), `[name:istio-ingressgateway]` picks the first element whose field
//! equals the text. Missing maps and lists on the way are created.
//!
//! Values are typed as istioctl types them: an integer if the text is one, else a float, else
//! a boolean (`true`, `false`, `t`, `F`, `TRUE`, ...), else a string in which `\,` becomes `,`.
//! Image tags (`tag`, `values.global.tag`), compatibility versions and proxy metadata stay
//! strings whatever they look like.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Paths (under `spec.`, as written) whose values stay strings.
const ALWAYS_STRING: [&str; 6] = [
    "spec.values.compatibilityVersion",
    "spec.tag",
    "spec.values.global.tag",
    "spec.meshConfig.defaultConfig.proxyMetadata.",
    "spec.values.meshConfig.defaultConfig.proxyMetadata.",
    "spec.compatibilityVersion",
];

/// The most segments a path may have: as deep as mesh-api lets YAML nest. Deeper paths would
/// build trees that serde and `Drop` walk by recursion, so they are refused when parsed.
const MAX_PATH_SEGMENTS: usize = 128;

/// One segment of a `--set` path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathSegment {
    /// A map key.
    Key(String),
    /// A list element by position; a position at or past the end appends.
    Index(i64),
    /// The first list element whose field `key` is the string `value`.
    Select {
        /// The field compared.
        key: String,
        /// The text it must equal.
        value: String,
    },
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Key(key) => f.write_str(&key.replace('.', "\\.")),
            PathSegment::Index(i) => write!(f, "[{i}]"),
            PathSegment::Select { key, value } => write!(f, "[{key}:{value}]"),
        }
    }
}

/// Writes segments as a path: keys joined by dots, list addresses attached to their key.
pub(crate) fn render_path(segments: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in segments {
        if matches!(segment, PathSegment::Key(_)) && !out.is_empty() {
            out.push('.');
        }
        out.push_str(&segment.to_string());
    }
    out
}

/// A parsed `--set path=value` flag.
///
/// # Examples
///
/// ```
/// use mesh_render::{PathSegment, SetFlag};
///
/// let flag: SetFlag = "components.ingressGateways[name:istio-ingressgateway].k8s.replicaCount=3".parse()?;
/// assert_eq!(flag.path()[2], PathSegment::Select { key: "name".into(), value: "istio-ingressgateway".into() });
/// assert_eq!(flag.value(), &serde_json::json!(3));
///
/// // Tags stay text even when they look like numbers.
/// let flag: SetFlag = "tag=1.24".parse()?;
/// assert_eq!(flag.value(), &serde_json::json!("1.24"));
/// # Ok::<(), mesh_render::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SetFlag {
    text: String,
    path: Vec<PathSegment>,
    value: Value,
}

impl SetFlag {
    /// Parses one flag. Text without `=` sets the path to the empty string, as istioctl does.
    ///
    /// # Errors
    ///
    /// [`Error::SetSyntax`] when the path is empty, a list address is malformed (`[x]`,
    /// `[a]b`), or a list address does not follow a field name.
    pub fn parse(flag: &str) -> Result<Self> {
        let (raw_path, raw_value) = match flag.split_once('=') {
            Some((p, v)) => (p.trim(), v.trim()),
            None => (flag.trim(), ""),
        };
        let fail = |message: &str| Error::SetSyntax { flag: flag.to_owned(), message: message.to_owned() };
        let path = split_path(raw_path).map_err(|m| fail(&m))?;
        if path.is_empty() {
            return Err(fail("the path is empty"));
        }
        if path.len() > MAX_PATH_SEGMENTS {
            return Err(fail(&format!("the path has more than {MAX_PATH_SEGMENTS} segments")));
        }
        let spec_path = format!("spec.{raw_path}");
        let value = if ALWAYS_STRING.iter().any(|p| spec_path.starts_with(p)) {
            Value::String(raw_value.to_owned())
        } else {
            type_value(raw_value)
        };
        Ok(Self { text: flag.to_owned(), path, value })
    }

    /// The flag as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The path, relative to `spec`.
    pub fn path(&self) -> &[PathSegment] {
        &self.path
    }

    /// The typed value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Sets the value in an IstioOperator tree (under its `spec`), creating missing maps and
    /// lists on the way.
    ///
    /// # Errors
    ///
    /// [`Error::SetPath`] when a `[key:value]` selector matches no element, or the path meets a
    /// value of the wrong shape (a scalar where a map or list is needed).
    pub fn apply(&self, operator: &mut Value) -> Result<()> {
        let mut path = vec![PathSegment::Key("spec".into())];
        path.extend(self.path.iter().cloned());
        set_path(operator, &path, self.value.clone()).map_err(|(depth, message)| Error::SetPath {
            flag: self.text.clone(),
            path: render_path(&path[..depth.min(path.len())]),
            message,
        })
    }
}

impl FromStr for SetFlag {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for SetFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Splits a path on unescaped dots into keys and list addresses.
pub(crate) fn split_path(path: &str) -> std::result::Result<Vec<PathSegment>, String> {
    let path = path.trim_start_matches('.').trim_end_matches('.');
    let mut out = Vec::new();
    for piece in split_unescaped(path) {
        if piece.is_empty() {
            continue;
        }
        let piece = piece.replace("\\.", ".");
        let (key, address) = match piece.find('[') {
            Some(0) => ("", piece.as_str()),
            Some(i) => (&piece[..i], &piece[i..]),
            None => (piece.as_str(), ""),
        };
        if !key.is_empty() {
            out.push(PathSegment::Key(key.to_owned()));
        }
        if address.is_empty() {
            continue;
        }
        if !matches!(out.last(), Some(PathSegment::Key(_))) {
            return Err(format!("list address {address} must follow a field name"));
        }
        out.push(parse_address(address)?);
    }
    Ok(out)
}

/// Splits at dots not preceded by a backslash.
fn split_unescaped(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous = '\0';
    for (i, c) in path.char_indices() {
        if c == '.' && previous != '\\' {
            out.push(&path[start..i]);
            start = i + 1;
        }
        previous = c;
    }
    out.push(&path[start..]);
    out
}

/// Reads `[N]` or `[key:value]`.
fn parse_address(address: &str) -> std::result::Result<PathSegment, String> {
    let inner = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .ok_or_else(|| format!("malformed list address {address}: write [N] or [key:value]"))?;
    if let Ok(index) = inner.parse::<i64>() {
        return Ok(PathSegment::Index(index));
    }
    match inner.split_once(':') {
        Some((key, value)) => Ok(PathSegment::Select { key: key.to_owned(), value: value.to_owned() }),
        None => Err(format!("malformed list address {address}: write [N] or [key:value]")),
    }
}

/// Types a flag value as istioctl does: integer, float, boolean, else string.
pub(crate) fn type_value(text: &str) -> Value {
    if let Some(n) = parse_go_int(text) {
        return Value::Number(n.into());
    }
    if let Some(n) = parse_go_float(text).and_then(Number::from_f64) {
        return Value::Number(n);
    }
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => return Value::Bool(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => return Value::Bool(false),
        _ => {}
    }
    Value::String(text.replace("\\,", ","))
}

/// A decimal integer with an optional sign, as Go's `strconv.Atoi` reads it.
fn parse_go_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A finite decimal float, as Go's `strconv.ParseFloat` reads the common forms.
fn parse_go_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let plain = !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Sets `value` at `path` in `tree`. On failure returns how many segments were reached and why.
fn set_path(tree: &mut Value, path: &[PathSegment], value: Value) -> std::result::Result<(), (usize, String)> {
    let mut current = tree;
    let mut i = 0;
    while i < path.len() {
        let PathSegment::Key(key) = &path[i] else {
            return Err((i + 1, "a list address must follow a field name".into()));
        };
        let map = as_map(current).map_err(|found| (i, format!("expected a map, found {found}")))?;
        let list_next = matches!(path.get(i + 1), Some(PathSegment::Index(_) | PathSegment::Select { .. }));
        if !list_next {
            if i + 1 == path.len() {
                map.insert(key.clone(), value);
                return Ok(());
            }
            let entry = map.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
            current = entry;
            i += 1;
            continue;
        }
        // A list element: find it (or the place to append), then go on inside it.
        let entry = map.entry(key.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if entry.is_null() {
            *entry = Value::Array(Vec::new());
        }
        let Value::Array(list) = entry else {
            return Err((i + 1, format!("expected a list, found {}", kind_of(entry))));
        };
        let position = match &path[i + 1] {
            PathSegment::Index(n) => usize::try_from(*n).ok().filter(|n| *n < list.len()),
            PathSegment::Select { key, value } => {
                let found = list.iter().position(|item| item.get(key).and_then(Value::as_str) == Some(value));
                if found.is_none() {
                    return Err((i + 2, "no list element matches".into()));
                }
                found
            }
            PathSegment::Key(_) => None,
        };
        let last = i + 2 == path.len();
        match position {
            None if last => {
                list.push(value);
                return Ok(());
            }
            None => {
                list.push(Value::Object(Map::new()));
                let len = list.len();
                current = &mut list[len - 1];
            }
            Some(p) if last => {
                list[p] = value;
                return Ok(());
            }
            Some(p) => current = &mut list[p],
        }
        i += 2;
    }
    Ok(())
}

/// The map inside a value, turning a null into an empty map.
fn as_map(value: &mut Value) -> std::result::Result<&mut Map<String, Value>, &'static str> {
    if value.is_null() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => Ok(map),
        other => Err(kind_of(other)),
    }
}

/// A word for the kind of a value, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_deeper_than_the_limit_are_refused_when_parsed() {
        let at_limit = format!("{}=1", vec!["a"; MAX_PATH_SEGMENTS].join("."));
        assert_eq!(SetFlag::parse(&at_limit).map(|f| f.path().len()).ok(), Some(MAX_PATH_SEGMENTS));
        let over = format!("{}=1", vec!["a"; MAX_PATH_SEGMENTS + 1].join("."));
        let err = SetFlag::parse(&over).expect_err("too deep");
        assert!(err.to_string().contains("more than 128 segments"), "{err}");
    }

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.into())
    }

    fn applied(tree: Value, flags: &[&str]) -> Value {
        let mut tree = tree;
        for flag in flags {
            SetFlag::parse(flag).unwrap().apply(&mut tree).unwrap();
        }
        tree
    }

    #[test]
    fn dots_split_keys_and_escaped_dots_stay_in_the_key() {
        let flag = SetFlag::parse(
            r"values.sidecarInjectorWebhook.injectedAnnotations.container\.apparmor\.security\.beta\.kubernetes\.io/istio-proxy=runtime/default",
        )
        .unwrap();
        assert_eq!(
            flag.path(),
            [
                key("values"),
                key("sidecarInjectorWebhook"),
                key("injectedAnnotations"),
                key("container.apparmor.security.beta.kubernetes.io/istio-proxy")
            ]
        );
        assert_eq!(flag.value(), &json!("runtime/default"));
    }

    #[test]
    fn leading_trailing_and_doubled_dots_are_ignored() {
        let flag = SetFlag::parse(".values..global.hub.=x").unwrap();
        assert_eq!(flag.path(), [key("values"), key("global"), key("hub")]);
    }

    #[test]
    fn index_may_be_attached_or_its_own_segment() {
        let a = SetFlag::parse("components.ingressGateways[0].name=a").unwrap();
        let b = SetFlag::parse("components.ingressGateways.[0].name=a").unwrap();
        assert_eq!(a.path(), b.path());
        assert_eq!(a.path()[2], PathSegment::Index(0));
    }

    #[test]
    fn selector_picks_the_element_by_field() {
        let flag = SetFlag::parse("components.ingressGateways[name:istio-ingressgateway].k8s.replicaCount=3").unwrap();
        assert_eq!(flag.path()[2], PathSegment::Select { key: "name".into(), value: "istio-ingressgateway".into() });
        let tree =
            json!({"spec": {"components": {"ingressGateways": [{"name": "a"}, {"name": "istio-ingressgateway"}]}}});
        let tree = applied(tree, &["components.ingressGateways[name:istio-ingressgateway].k8s.replicaCount=3"]);
        assert_eq!(tree["spec"]["components"]["ingressGateways"][1]["k8s"]["replicaCount"], json!(3));
        assert_eq!(tree["spec"]["components"]["ingressGateways"][0], json!({"name": "a"}));
    }

    #[test]
    fn selector_without_match_is_an_error_naming_the_path() {
        let mut tree = json!({"spec": {"components": {"ingressGateways": [{"name": "a"}]}}});
        let err =
            SetFlag::parse("components.ingressGateways[name:b].enabled=true").unwrap().apply(&mut tree).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set components.ingressGateways[name:b].enabled=true: spec.components.ingressGateways[name:b]: no list element matches"
        );
    }

    #[test]
    fn selector_compares_text_only() {
        let mut tree = json!({"spec": {"ports": [{"port": 80}]}});
        assert!(SetFlag::parse("ports[port:80].name=http").unwrap().apply(&mut tree).is_err());
    }

    #[test]
    fn index_past_the_end_appends() {
        let tree = json!({"spec": {"components": {"ingressGateways": [{"name": "a"}]}}});
        let tree =
            applied(tree, &["components.ingressGateways[5].name=b", "components.ingressGateways[1].enabled=true"]);
        assert_eq!(
            tree["spec"]["components"]["ingressGateways"],
            json!([{"name": "a"}, {"name": "b", "enabled": true}])
        );
    }

    #[test]
    fn missing_lists_and_maps_are_created() {
        let tree =
            applied(json!({}), &["components.egressGateways[0].name=egress", "values.global.hub=docker.io/istio"]);
        assert_eq!(
            tree,
            json!({"spec": {"components": {"egressGateways": [{"name": "egress"}]}, "values": {"global": {"hub": "docker.io/istio"}}}})
        );
    }

    #[test]
    fn index_of_a_scalar_list_replaces_or_appends_the_item() {
        let tree = applied(json!({"spec": {"a": [1, 2]}}), &["a[0]=x", "a[9]=y"]);
        assert_eq!(tree["spec"]["a"], json!(["x", 2, "y"]));
    }

    #[test]
    fn a_scalar_in_the_way_is_an_error() {
        let mut tree = json!({"spec": {"hub": "x"}});
        let err = SetFlag::parse("hub.name=y").unwrap().apply(&mut tree).unwrap_err();
        assert_eq!(err.to_string(), "--set hub.name=y: spec.hub: expected a map, found a string");
    }

    #[test]
    fn values_are_typed_int_float_bool_then_string() {
        assert_eq!(type_value("3"), json!(3));
        assert_eq!(type_value("-7"), json!(-7));
        assert_eq!(type_value("0.5"), json!(0.5));
        assert_eq!(type_value("1e3"), json!(1000.0));
        assert_eq!(type_value("true"), json!(true));
        assert_eq!(type_value("F"), json!(false));
        assert_eq!(type_value("1"), json!(1));
        assert_eq!(type_value("yes"), json!("yes"));
        assert_eq!(type_value("a\\,b"), json!("a,b"));
        assert_eq!(type_value("1.2.3"), json!("1.2.3"));
        assert_eq!(type_value("inf"), json!("inf"));
        assert_eq!(type_value(""), json!(""));
    }

    #[test]
    fn tags_versions_and_proxy_metadata_stay_strings() {
        for flag in [
            "tag=1.24",
            "values.global.tag=123",
            "compatibilityVersion=1.25",
            "values.compatibilityVersion=1.25",
            "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE=true",
            "values.meshConfig.defaultConfig.proxyMetadata.X=1",
        ] {
            assert!(SetFlag::parse(flag).unwrap().value().is_string(), "{flag}");
        }
        assert_eq!(SetFlag::parse("values.pilot.tag=123").unwrap().value(), &json!(123));
    }

    #[test]
    fn flag_without_equals_sets_empty_string_and_sides_are_trimmed() {
        let flag = SetFlag::parse("profile").unwrap();
        assert_eq!(flag.value(), &json!(""));
        let flag = SetFlag::parse(" profile = demo ").unwrap();
        assert_eq!(flag.path(), [key("profile")]);
        assert_eq!(flag.value(), &json!("demo"));
        let flag = SetFlag::parse("values.x=a=b").unwrap();
        assert_eq!(flag.value(), &json!("a=b"));
    }

    #[test]
    fn malformed_paths_are_refused() {
        let err = SetFlag::parse("=x").unwrap_err();
        assert_eq!(err.to_string(), "--set =x: the path is empty");
        let err = SetFlag::parse("a[x]=1").unwrap_err();
        assert_eq!(err.to_string(), "--set a[x]=1: malformed list address [x]: write [N] or [key:value]");
        let err = SetFlag::parse("[0].a=1").unwrap_err();
        assert_eq!(err.to_string(), "--set [0].a=1: list address [0] must follow a field name");
    }

    #[test]
    fn later_flags_override_earlier_ones() {
        let tree = applied(json!({}), &["values.global.hub=a", "values.global.hub=b"]);
        assert_eq!(tree["spec"]["values"]["global"]["hub"], json!("b"));
    }

    #[test]
    fn paths_render_back_with_escapes() {
        let path = split_path(r"a.b\.c[0].d[name:x]").unwrap();
        assert_eq!(render_path(&path), r"a.b\.c[0].d[name:x]");
    }
}
