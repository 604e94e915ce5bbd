//! Test helpers shared by the kinds of this group: compare a derived CRD schema with Istio's
//! (`crds/crd-all.gen.yaml` in the corpus), and read every corpus document of a kind.
//!
//! The corpus is found through `MESH_CORPUS`, else as `shared/corpus` in an ancestor of this
//! crate's directory. When it is missing, tests print `skipped: corpus not found` and pass,
//! except under `CI=true`, where they fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The corpus directory, or `None` (after printing why) when it cannot be found outside CI.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("corpus"))
        .find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "corpus not found (set MESH_CORPUS)"
        );
        println!("skipped: corpus not found");
    }
    found
}

/// The `openAPIV3Schema` of `kind`'s first version in Istio's CRD file.
pub(crate) fn istio_schema(corpus: &Path, kind: &str) -> Value {
    let text = std::fs::read_to_string(corpus.join("crds/crd-all.gen.yaml"))
        .expect("read crd-all.gen.yaml");
    for document in serde_yaml::Deserializer::from_str(&text) {
        let Ok(crd) = Value::deserialize_from(document) else {
            break;
        };
        if crd.pointer("/spec/names/kind").and_then(Value::as_str) == Some(kind) {
            return crd
                .pointer("/spec/versions/0/schema/openAPIV3Schema")
                .cloned()
                .expect("schema");
        }
    }
    panic!("no CRD for {kind} in the corpus");
}

/// The `openAPIV3Schema` of a derived CRD.
pub(crate) fn our_schema(crd: &impl serde::Serialize) -> Value {
    let crd = serde_json::to_value(crd).expect("serialize CRD");
    crd.pointer("/spec/versions/0/schema/openAPIV3Schema")
        .cloned()
        .expect("schema")
}

/// What a schema comparison found.
#[derive(Debug, Default)]
pub(crate) struct SchemaReport {
    /// Property paths of Istio's schema that were compared.
    pub checked: usize,
    /// Differences, one line each.
    pub problems: Vec<String>,
}

/// Compares ours with Istio's below `spec`: every Istio property must exist with the same type
/// and enum set, and ours must have no property Istio lacks.
pub(crate) fn compare_spec(ours: &Value, istio: &Value) -> SchemaReport {
    let mut report = SchemaReport::default();
    let (Some(ours), Some(istio)) = (
        ours.pointer("/properties/spec"),
        istio.pointer("/properties/spec"),
    ) else {
        report.problems.push("spec schema missing".into());
        return report;
    };
    compare_node("spec", ours, istio, &mut report);
    report
}

fn kind_of(schema: &Value) -> String {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return "int-or-string".into();
    }
    schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("<none>")
        .to_owned()
}

fn enum_set(schema: &Value) -> Option<BTreeSet<String>> {
    schema.get("enum").and_then(Value::as_array).map(|values| {
        values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect()
    })
}

fn compare_node(path: &str, ours: &Value, istio: &Value, report: &mut SchemaReport) {
    report.checked += 1;
    let (ours_kind, istio_kind) = (kind_of(ours), kind_of(istio));
    if ours_kind != istio_kind {
        report
            .problems
            .push(format!("{path}: type {ours_kind}, Istio has {istio_kind}"));
    }
    if enum_set(ours) != enum_set(istio) {
        report.problems.push(format!(
            "{path}: enum {:?}, Istio has {:?}",
            enum_set(ours),
            enum_set(istio)
        ));
    }
    let empty = serde_json::Map::new();
    let ours_props = ours
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let istio_props = istio
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, theirs) in istio_props {
        match ours_props.get(name) {
            Some(mine) => compare_node(&format!("{path}.{name}"), mine, theirs, report),
            None => report.problems.push(format!("{path}.{name}: missing")),
        }
    }
    for name in ours_props
        .keys()
        .filter(|name| !istio_props.contains_key(*name))
    {
        report
            .problems
            .push(format!("{path}.{name}: not in Istio's schema"));
    }
    match (ours.get("items"), istio.get("items")) {
        (Some(mine), Some(theirs)) => compare_node(&format!("{path}[]"), mine, theirs, report),
        (None, Some(_)) => report.problems.push(format!("{path}[]: items missing")),
        _ => {}
    }
    match (
        ours.get("additionalProperties"),
        istio.get("additionalProperties"),
    ) {
        (Some(mine), Some(theirs)) if theirs.is_object() => {
            compare_node(&format!("{path}{{}}"), mine, theirs, report);
        }
        (None, Some(theirs)) if theirs.is_object() => {
            report
                .problems
                .push(format!("{path}{{}}: map values missing"));
        }
        _ => {}
    }
}

/// Every property path with a type in a schema, for coverage rates.
pub(crate) fn count_paths(schema: &Value) -> usize {
    let mut count = 1;
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        count += props.values().map(count_paths).sum::<usize>();
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = schema.get(key).filter(|s| s.is_object()) {
            count += count_paths(sub);
        }
    }
    count
}

/// One corpus document of a kind.
pub(crate) struct CorpusDocument {
    /// File it came from, relative to the corpus.
    pub file: String,
    /// Its index among the file's documents.
    pub index: usize,
    /// The `_err` note of `*-invalid.yaml` documents (removed from `value`).
    pub expected_error: Option<String>,
    /// The document as JSON data.
    pub value: Value,
}

/// Every document of `networking.istio.io` `kind` in the corpus folders holding Istio objects.
pub(crate) fn corpus_documents(corpus: &Path, kind: &str) -> Vec<CorpusDocument> {
    let mut files = Vec::new();
    for folder in [
        "istio-config",
        "istio-samples",
        "online-boutique",
        "validation",
    ] {
        collect_yaml(&corpus.join(folder), &mut files);
    }
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let name = file
            .strip_prefix(corpus)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (index, document) in serde_yaml::Deserializer::from_str(&text).enumerate() {
            // serde_yaml cannot resume after a broken document, so the rest of the file is skipped.
            let Ok(mut value) = Value::deserialize_from(document) else {
                break;
            };
            let api_version = value
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !api_version.starts_with("networking.istio.io/")
                || value.get("kind").and_then(Value::as_str) != Some(kind)
            {
                continue;
            }
            let expected_error = value
                .as_object_mut()
                .and_then(|map| map.remove("_err"))
                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned));
            found.push(CorpusDocument {
                file: name.clone(),
                index,
                expected_error,
                value,
            });
        }
    }
    found
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Equality of JSON data where numbers compare by value (`50` equals `50.0`).
pub(crate) fn same_data(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_data(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_data(v, w)))
        }
        _ => a == b,
    }
}

/// Reads `value` as `T` and writes it back; `Err` says what failed or what changed.
pub(crate) fn round_trip<T>(value: &Value) -> Result<Value, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let typed: T = serde_path_to_error::deserialize(value.clone()).map_err(|e| e.to_string())?;
    let written = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut expected = value.clone();
    // The derived root always writes the storage version; the rest must come back unchanged.
    if let (Some(map), Some(version)) = (expected.as_object_mut(), written.get("apiVersion")) {
        map.insert("apiVersion".into(), version.clone());
    }
    if same_data(&expected, &written) {
        Ok(written)
    } else {
        Err(format!(
            "changed on the way back:\n  read:    {expected}\n  written: {written}"
        ))
    }
}

/// Deserializing one YAML document straight into JSON data.
trait DeserializeFrom: Sized {
    fn deserialize_from(document: serde_yaml::Deserializer<'_>) -> Result<Self, serde_yaml::Error>;
}

impl DeserializeFrom for Value {
    fn deserialize_from(document: serde_yaml::Deserializer<'_>) -> Result<Self, serde_yaml::Error> {
        serde::Deserialize::deserialize(document)
    }
}
