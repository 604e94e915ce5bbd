//! Conformance: the schema our types generate has every property Istio's CRDs have, with the
//! same value type, enum values and required fields, and nothing Istio lacks; names, versions,
//! categories and printer columns match too (requirement 2 of the mesh-api issue).

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

/// What a schema says about one property path: its type and its enum values.
#[derive(Debug, PartialEq)]
struct Shape {
    kind: String,
    enum_values: Option<Vec<String>>,
    required: Vec<String>,
}

fn shape(schema: &Value) -> Shape {
    let kind = if schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
        "int-or-string".to_owned()
    } else if let Some(t) = schema.get("type").and_then(Value::as_str) {
        t.to_owned()
    } else if schema.get("properties").is_some() {
        "object".to_owned()
    } else {
        "any".to_owned()
    };
    let enum_values = schema.get("enum").and_then(Value::as_array).map(|values| {
        let mut v: Vec<String> =
            values.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned)).collect();
        v.sort();
        v
    });
    let mut required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    required.sort();
    Shape { kind, enum_values, required }
}

fn walk(schema: &Value, path: String, out: &mut BTreeMap<String, Shape>) {
    out.insert(path.clone(), shape(schema));
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            walk(sub, format!("{path}.{name}"), out);
        }
    }
    if let Some(items) = schema.get("items") {
        walk(items, format!("{path}[]"), out);
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        walk(extra, format!("{path}{{}}"), out);
    }
}

fn schema_of(crd: &Value) -> &Value {
    &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
}

#[test]
fn every_istio_property_path_exists_with_the_same_type() {
    let Some(corpus) = common::corpus() else { return };
    let text = std::fs::read_to_string(corpus.join("crds/crd-all.gen.yaml")).expect("crd file");
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let ours: BTreeMap<String, Value> = mesh_api::crds()
        .into_iter()
        .map(|crd| (crd.metadata.name.clone().unwrap_or_default(), serde_json::to_value(crd).expect("crd json")))
        .collect();

    let (mut total, mut covered) = (0usize, 0usize);
    let mut failures = Vec::new();
    for document in &loaded.documents {
        let theirs = document.to_json().expect("corpus crd json");
        let name = theirs["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        let Some(mine) = ours.get(&name) else {
            failures.push(format!("{name}: no CRD generated"));
            continue;
        };
        let theirs_versions: Vec<(&str, bool, bool)> = versions(&theirs);
        let mine_versions: Vec<(&str, bool, bool)> = versions(mine);
        let mut a = theirs_versions.clone();
        let mut b = mine_versions.clone();
        a.sort();
        b.sort();
        if a != b {
            failures.push(format!("{name}: versions {theirs_versions:?} != ours {mine_versions:?}"));
        }
        for key in ["group", "scope"] {
            if theirs["spec"][key] != mine["spec"][key] {
                failures.push(format!("{name}: spec.{key} differs"));
            }
        }
        for key in ["kind", "plural", "singular", "shortNames", "listKind"] {
            if theirs["spec"]["names"][key] != mine["spec"]["names"][key] {
                failures.push(format!(
                    "{name}: names.{key} {} != ours {}",
                    theirs["spec"]["names"][key], mine["spec"]["names"][key]
                ));
            }
        }
        let mut their_paths = BTreeMap::new();
        walk(schema_of(&theirs), String::new(), &mut their_paths);
        let mut my_paths = BTreeMap::new();
        walk(schema_of(mine), String::new(), &mut my_paths);
        for path in my_paths.keys().filter(|p| !their_paths.contains_key(*p)) {
            failures.push(format!("{name}: {path} is ours only; Istio has no such property"));
        }
        let columns = |crd: &Value| -> Vec<Value> {
            let version = crd["spec"]["versions"].as_array().and_then(|v| v.iter().find(|v| v["storage"] == true));
            let mut columns: Vec<Value> = version
                .and_then(|v| v["additionalPrinterColumns"].as_array())
                .map(|cols| cols.iter().map(|c| serde_json::json!([c["name"], c["type"], c["jsonPath"]])).collect())
                .unwrap_or_default();
            columns.sort_by_key(ToString::to_string);
            columns
        };
        if columns(&theirs) != columns(mine) {
            failures.push(format!("{name}: printer columns {:?} != ours {:?}", columns(&theirs), columns(mine)));
        }
        for key in ["categories"] {
            if theirs["spec"]["names"][key] != mine["spec"]["names"][key] {
                failures.push(format!(
                    "{name}: names.{key} {} != ours {}",
                    theirs["spec"]["names"][key], mine["spec"]["names"][key]
                ));
            }
        }
        for (path, their_shape) in &their_paths {
            total += 1;
            match my_paths.get(path) {
                None => failures.push(format!("{name}: missing {path}")),
                Some(my_shape) if my_shape != their_shape => {
                    failures.push(format!("{name}: {path}: Istio {their_shape:?}, ours {my_shape:?}"));
                }
                Some(_) => covered += 1,
            }
        }
    }
    println!("schema coverage: {covered}/{total} property paths match Istio's CRDs");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

fn versions(crd: &Value) -> Vec<(&str, bool, bool)> {
    crd["spec"]["versions"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| {
                    (
                        v["name"].as_str().unwrap_or_default(),
                        v["served"].as_bool().unwrap_or_default(),
                        v["storage"].as_bool().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
