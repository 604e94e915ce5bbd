//! The derived CRDs of the security, telemetry and extensions kinds against Istio's
//! (`crds/crd-all.gen.yaml` in the corpus): names, scope, versions, and every schema property
//! with its type and enum values.

mod support_sec_tel_ext;

use std::collections::BTreeSet;

use mesh_api::{extensions, security, telemetry};
use serde::Deserialize;
use serde_json::Value;

fn derived() -> Vec<Value> {
    [
        security::AuthorizationPolicy::crd(),
        security::PeerAuthentication::crd(),
        security::RequestAuthentication::crd(),
        telemetry::Telemetry::crd(),
        extensions::WasmPlugin::crd(),
        extensions::TrafficExtension::crd(),
    ]
    .into_iter()
    .map(|crd| serde_json::to_value(crd).expect("a CRD serializes"))
    .collect()
}

fn istio_crds() -> Option<Vec<Value>> {
    let corpus = support_sec_tel_ext::corpus()?;
    let text = std::fs::read_to_string(corpus.join("crds/crd-all.gen.yaml")).expect("crd-all.gen.yaml");
    Some(
        serde_yaml::Deserializer::from_str(&text)
            .map(|doc| serde_yaml::from_value::<Value>(serde_yaml::Value::deserialize(doc).unwrap()).unwrap())
            .filter(|v| !v.is_null())
            .collect(),
    )
}

fn find<'a>(crds: &'a [Value], kind: &str) -> &'a Value {
    crds.iter().find(|c| c["spec"]["names"]["kind"] == kind).unwrap_or_else(|| panic!("Istio has no CRD {kind}"))
}

/// What the comparison looks at in one schema node.
fn summary(node: &Value) -> (Option<String>, Option<BTreeSet<String>>) {
    let ty = if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        Some("int-or-string".to_owned())
    } else {
        node.get("type").and_then(Value::as_str).map(str::to_owned)
    };
    let enums = node
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| values.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect());
    (ty, enums)
}

/// Walks Istio's schema node `theirs` and the matching node `ours`, recording every path and
/// every mismatch.
fn compare(path: &str, theirs: &Value, ours: Option<&Value>, seen: &mut usize, problems: &mut Vec<String>) {
    *seen += 1;
    let Some(ours) = ours else {
        problems.push(format!("{path}: missing"));
        return;
    };
    let (their_type, their_enum) = summary(theirs);
    let (our_type, our_enum) = summary(ours);
    if their_type != our_type {
        problems.push(format!("{path}: type {their_type:?}, ours {our_type:?}"));
    }
    if their_enum != our_enum {
        problems.push(format!("{path}: enum {their_enum:?}, ours {our_enum:?}"));
    }
    if theirs.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
        && ours.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true))
    {
        problems.push(format!("{path}: Istio preserves unknown fields, ours does not"));
    }
    if let Some(props) = theirs.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let mine = ours.get("properties").and_then(|p| p.get(name));
            compare(&format!("{path}.{name}"), sub, mine, seen, problems);
        }
    }
    if let Some(items) = theirs.get("items") {
        compare(&format!("{path}[]"), items, ours.get("items"), seen, problems);
    }
    if let Some(values) = theirs.get("additionalProperties").filter(|v| v.is_object()) {
        compare(&format!("{path}{{}}"), values, ours.get("additionalProperties"), seen, problems);
    }
}

#[test]
fn derived_crds_cover_every_property_of_istios() {
    let Some(istio) = istio_crds() else { return };
    let mut total = 0;
    let mut problems = Vec::new();
    for ours in derived() {
        let kind = ours["spec"]["names"]["kind"].as_str().unwrap().to_owned();
        let theirs = find(&istio, &kind);
        let mut seen = 0;
        // Istio serves identical schemas under every version; ours has the storage one.
        let their_schema = &theirs["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        let our_schema = &ours["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        for part in ["spec", "status"] {
            compare(
                &format!("{kind}.{part}"),
                &their_schema["properties"][part],
                our_schema["properties"].get(part),
                &mut seen,
                &mut problems,
            );
        }
        println!("{kind}: {seen} schema nodes compared");
        total += seen;
    }
    println!("{total} schema nodes compared, {} problems", problems.len());
    assert!(problems.is_empty(), "schema differences:\n{}", problems.join("\n"));
}

#[test]
fn derived_crds_have_istios_names_scope_and_storage_version() {
    let Some(istio) = istio_crds() else { return };
    for ours in derived() {
        let kind = ours["spec"]["names"]["kind"].as_str().unwrap();
        let theirs = find(&istio, kind);
        assert_eq!(ours["metadata"]["name"], theirs["metadata"]["name"], "{kind}: CRD name");
        assert_eq!(ours["spec"]["group"], theirs["spec"]["group"], "{kind}: group");
        assert_eq!(ours["spec"]["scope"], theirs["spec"]["scope"], "{kind}: scope");
        for key in ["plural", "singular", "categories", "shortNames"] {
            assert_eq!(ours["spec"]["names"].get(key), theirs["spec"]["names"].get(key), "{kind}: names.{key}");
        }
        let ours_version = ours["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .expect("we mark a storage version");
        let storage = theirs["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .expect("Istio marks a storage version");
        assert_eq!(ours_version["name"], storage["name"], "{kind}: storage version");
        let columns = |v: &Value| -> Vec<Value> {
            v.get("additionalPrinterColumns")
                .and_then(Value::as_array)
                .map(|cols| cols.iter().map(|c| serde_json::json!([c["name"], c["type"], c["jsonPath"]])).collect())
                .unwrap_or_default()
        };
        assert_eq!(columns(ours_version), columns(storage), "{kind}: printer columns");
    }
}
