//! Printing merged configurations as `istioctl profile dump` did (Istio 1.23): YAML, JSON or
//! `--set` flags, whole or from a `--config-path` subtree, keys sorted.

use std::fmt::Write as _;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::set::{PathSegment, kind_of, render_path, split_path};

/// The output formats of a profile dump.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DumpFormat {
    /// YAML, keys sorted.
    #[default]
    Yaml,
    /// JSON indented by four spaces, keys sorted.
    Json,
    /// One `path=value` line per leaf, sorted, ready to pass back as `--set` flags; strings
    /// are quoted, keys holding dots are escaped (`a\.b`).
    Flags,
}

impl FromStr for DumpFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "yaml" => Ok(DumpFormat::Yaml),
            "json" => Ok(DumpFormat::Json),
            "flags" => Ok(DumpFormat::Flags),
            other => Err(format!("unknown output format {other:?}: expected yaml, json or flags")),
        }
    }
}

/// Writes a whole IstioOperator tree as a dump does: `apiVersion`, `kind` and `spec` (no
/// `metadata`), or, with `config_path`, only that subtree of `spec`.
pub(crate) fn dump(operator: &Value, config_path: Option<&str>, format: DumpFormat) -> Result<String> {
    match config_path.filter(|p| !p.trim().is_empty()) {
        None => render(operator, format),
        Some(path) => {
            let spec = operator.get("spec").cloned().unwrap_or(Value::Object(Map::new()));
            let subtree = subtree(&spec, path)?;
            write(&sorted(subtree), format, false)
        }
    }
}

/// The dump of a whole tree: header and `spec`, keys sorted.
pub(crate) fn render(operator: &Value, format: DumpFormat) -> Result<String> {
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), Value::String("install.istio.io/v1alpha1".into()));
    doc.insert("kind".into(), Value::String("IstioOperator".into()));
    doc.insert("spec".into(), operator.get("spec").cloned().unwrap_or(Value::Object(Map::new())));
    write(&sorted(&Value::Object(doc)), format, true)
}

fn write(value: &Value, format: DumpFormat, whole: bool) -> Result<String> {
    match format {
        DumpFormat::Yaml => mesh_api::to_yaml(value).map_err(|e| Error::Serialize { message: e.to_string() }),
        DumpFormat::Json => {
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(value, &mut serializer)
                .map_err(|e| Error::Serialize { message: e.to_string() })?;
            let mut text = String::from_utf8_lossy(&out).into_owned();
            text.push('\n');
            Ok(text)
        }
        DumpFormat::Flags => {
            let root = if whole { value.get("spec").unwrap_or(value) } else { value };
            let mut lines = Vec::new();
            flags(root, String::new(), &mut lines);
            lines.sort();
            let mut text = lines.join("\n");
            text.push('\n');
            Ok(text)
        }
    }
}

/// The subtree of `spec` at a dotted path (`components.pilot`, `values.gateways.x.ports[0]`).
fn subtree<'a>(spec: &'a Value, path: &str) -> Result<&'a Value> {
    let fail = |message: String| Error::ConfigPath { path: path.to_owned(), message };
    let segments = split_path(path).map_err(fail)?;
    let mut current = spec;
    for (i, segment) in segments.iter().enumerate() {
        let reached = || {
            let mut at = vec![PathSegment::Key("spec".into())];
            at.extend(segments[..i].iter().cloned());
            render_path(&at)
        };
        let next = match (segment, current) {
            (PathSegment::Key(key), Value::Object(map)) => map.get(key),
            (PathSegment::Index(n), Value::Array(list)) => usize::try_from(*n).ok().and_then(|n| list.get(n)),
            (PathSegment::Select { key, value }, Value::Array(list)) => {
                list.iter().find(|item| item.get(key).and_then(Value::as_str) == Some(value))
            }
            (_, other) => {
                return Err(fail(format!(
                    "{} is {}, so {segment} cannot be looked up in it",
                    reached(),
                    kind_of(other)
                )));
            }
        };
        current = next.ok_or_else(|| fail(format!("{} has no {segment}", reached())))?;
    }
    Ok(current)
}

/// A copy with every map's keys sorted, as Go's encoders write maps.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Collects `path=value` lines for every leaf under `value`.
fn flags(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('.', "\\.");
                let child_path = if path.is_empty() { key } else { format!("{path}.{key}") };
                flags(child, child_path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flags(child, format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => out.push(format!("{path}={}", go_quote(s))),
        Value::Null => out.push(format!("{path}=<nil>")),
        Value::Bool(b) => out.push(format!("{path}={b}")),
        Value::Number(n) => out.push(format!("{path}={}", go_number(n))),
    }
}

/// A number as Go prints a float64 with `%v`: whole numbers without a fraction.
fn go_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        Some(f) => f.to_string(),
        None => n.to_string(),
    }
}

/// A string quoted as Go's `%q` does for the usual cases.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A unified diff of two texts, `None` when they are equal.
pub(crate) fn diff_text(left: &str, right: &str, left_name: &str, right_name: &str) -> Option<String> {
    if left == right {
        return None;
    }
    let diff = similar::TextDiff::from_lines(left, right);
    Some(diff.unified_diff().context_radius(3).header(left_name, right_name).to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "metadata": {"namespace": "istio-system"},
            "spec": {
                "profile": "default",
                "hub": "gcr.io/istio-testing",
                "components": {"pilot": {"enabled": false}, "base": {"enabled": true},
                    "ingressGateways": [{"name": "istio-ingressgateway", "enabled": true}]},
                "values": {"defaultRevision": "", "pilot": {"traceSampling": 1.0},
                    "sidecarInjectorWebhook": {"injectedAnnotations": {"a.b/c": "x"}}}
            }
        })
    }

    #[test]
    fn flags_are_sorted_quoted_and_escaped() {
        let text = dump(&sample(), None, DumpFormat::Flags).unwrap();
        assert_eq!(
            text,
            r#"components.base.enabled=true
components.ingressGateways[0].enabled=true
components.ingressGateways[0].name="istio-ingressgateway"
components.pilot.enabled=false
hub="gcr.io/istio-testing"
profile="default"
values.defaultRevision=""
values.pilot.traceSampling=1
values.sidecarInjectorWebhook.injectedAnnotations.a\.b/c="x"
"#
        );
    }

    #[test]
    fn yaml_dump_has_header_and_sorted_keys_but_no_metadata() {
        let text = dump(&sample(), Some("components"), DumpFormat::Yaml).unwrap();
        assert_eq!(
            text,
            "base:\n  enabled: true\ningressGateways:\n- enabled: true\n  name: istio-ingressgateway\npilot:\n  enabled: false\n"
        );
        let whole = dump(&sample(), None, DumpFormat::Yaml).unwrap();
        assert!(
            whole.starts_with("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n")
        );
        assert!(!whole.contains("metadata"));
    }

    #[test]
    fn json_dump_is_indented_by_four() {
        let text = dump(&sample(), Some("components.pilot"), DumpFormat::Json).unwrap();
        assert_eq!(text, "{\n    \"enabled\": false\n}\n");
    }

    #[test]
    fn config_path_reaches_list_elements() {
        let text =
            dump(&sample(), Some("components.ingressGateways[name:istio-ingressgateway].name"), DumpFormat::Flags);
        assert_eq!(text.unwrap(), "=\"istio-ingressgateway\"\n");
        let text = dump(&sample(), Some("components.ingressGateways"), DumpFormat::Flags).unwrap();
        assert_eq!(text, "[0].enabled=true\n[0].name=\"istio-ingressgateway\"\n");
    }

    #[test]
    fn missing_config_path_names_where_it_stopped() {
        let err = dump(&sample(), Some("components.cni.enabled"), DumpFormat::Yaml).unwrap_err();
        assert_eq!(err.to_string(), r#"config path "components.cni.enabled": spec.components has no cni"#);
        let err = dump(&sample(), Some("hub.x"), DumpFormat::Yaml).unwrap_err();
        assert_eq!(err.to_string(), r#"config path "hub.x": spec.hub is a string, so x cannot be looked up in it"#);
    }

    #[test]
    fn output_formats_parse_by_name() {
        assert_eq!("flags".parse::<DumpFormat>(), Ok(DumpFormat::Flags));
        assert!("text".parse::<DumpFormat>().is_err());
    }

    #[test]
    fn go_quoting_escapes_quotes_and_controls() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
    }

    #[test]
    fn identical_texts_have_no_diff() {
        assert_eq!(diff_text("a\n", "a\n", "x", "y"), None);
        assert_eq!(diff_text("a\n", "b\n", "x", "y").unwrap(), "--- x\n+++ y\n@@ -1 +1 @@\n-a\n+b\n");
    }
}
