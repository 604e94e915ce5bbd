//! Every AuthorizationPolicy, PeerAuthentication, RequestAuthentication, Telemetry, WasmPlugin
//! and TrafficExtension in the corpus: valid ones load and write back as the same data; the
//! documents of `validation/crds/*-invalid.yaml` are refused, when loading or when validating.

mod support_sec_tel_ext;

use std::path::Path;

use mesh_api::{Validate, extensions, security, telemetry};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const FOLDERS: [&str; 4] = ["istio-config", "istio-samples", "online-boutique", "validation"];

/// What became of one document.
enum Outcome {
    /// Loaded and passed validation (warnings allowed); carries whether it wrote back equal.
    Accepted { round_trip: Result<(), String> },
    /// Loading failed.
    NotLoaded(String),
    /// Loaded, but validation found errors.
    Rejected(Vec<String>),
}

fn check<K: DeserializeOwned + Serialize + Validate>(doc: &Value) -> Outcome {
    let object: K = match serde_path_to_error::deserialize(doc) {
        Ok(object) => object,
        Err(e) => return Outcome::NotLoaded(e.to_string()),
    };
    let errors: Vec<String> =
        object.validate().into_iter().filter(|p| p.level == mesh_api::Level::Error).map(|p| p.to_string()).collect();
    if !errors.is_empty() {
        return Outcome::Rejected(errors);
    }
    let back = serde_json::to_value(&object).expect("a loaded object serializes");
    // The derived kinds always write their own (storage) version, so `v1beta1` documents come
    // back as `v1`; compare the rest.
    let mut doc = doc.clone();
    doc["apiVersion"] = back["apiVersion"].clone();
    let round_trip = if back == doc {
        Ok(())
    } else {
        Err(format!(
            "wrote back\n{}\nread\n{}",
            serde_json::to_string_pretty(&back).unwrap(),
            serde_json::to_string_pretty(&doc).unwrap()
        ))
    };
    Outcome::Accepted { round_trip }
}

fn check_kind(group: &str, kind: &str, doc: &Value) -> Option<Outcome> {
    Some(match (group, kind) {
        ("security.istio.io", "AuthorizationPolicy") => check::<security::AuthorizationPolicy>(doc),
        ("security.istio.io", "PeerAuthentication") => check::<security::PeerAuthentication>(doc),
        ("security.istio.io", "RequestAuthentication") => check::<security::RequestAuthentication>(doc),
        ("telemetry.istio.io", "Telemetry") => check::<telemetry::Telemetry>(doc),
        ("extensions.istio.io", "WasmPlugin") => check::<extensions::WasmPlugin>(doc),
        ("extensions.istio.io", "TrafficExtension") => check::<extensions::TrafficExtension>(doc),
        _ => return None,
    })
}

/// `(file, document index, kind, expected error)` and the document as JSON, `_err` removed.
struct Case {
    name: String,
    expect_error: Option<String>,
    outcome: Outcome,
}

fn cases(corpus: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for folder in FOLDERS {
        let mut index_in_file = (std::path::PathBuf::new(), 0);
        for (file, doc) in support_sec_tel_ext::yaml_documents(&corpus.join(folder)) {
            if index_in_file.0 != file {
                index_in_file = (file.clone(), 0);
            }
            index_in_file.1 += 1;
            let Some((group, kind)) = support_sec_tel_ext::group_kind(&doc) else { continue };
            let mut json: Value = serde_json::to_value(&doc).expect("YAML converts to JSON");
            let expect_error = json.as_object_mut().and_then(|o| o.remove("_err")).map(|e| e.to_string());
            let Some(outcome) = check_kind(&group, &kind, &json) else { continue };
            let relative = file.strip_prefix(corpus).unwrap_or(&file).display().to_string();
            out.push(Case { name: format!("{relative}#{} {kind}", index_in_file.1), expect_error, outcome });
        }
    }
    out
}

#[test]
fn corpus_documents_load_validate_and_round_trip() {
    let Some(corpus) = support_sec_tel_ext::corpus() else { return };
    let cases = cases(&corpus);
    let mut failures = Vec::new();
    let (mut valid, mut round_tripped, mut invalid, mut refused_loading, mut refused_validating) = (0, 0, 0, 0, 0);
    for case in &cases {
        match (&case.expect_error, &case.outcome) {
            (None, Outcome::Accepted { round_trip }) => {
                valid += 1;
                match round_trip {
                    Ok(()) => round_tripped += 1,
                    Err(diff) => failures.push(format!("{}: does not round-trip: {diff}", case.name)),
                }
            }
            (None, Outcome::NotLoaded(e)) => {
                valid += 1;
                failures.push(format!("{}: valid but not loaded: {e}", case.name));
            }
            (None, Outcome::Rejected(errors)) => {
                valid += 1;
                failures.push(format!("{}: valid but rejected: {errors:?}", case.name));
            }
            (Some(_), Outcome::NotLoaded(_)) => {
                invalid += 1;
                refused_loading += 1;
            }
            (Some(_), Outcome::Rejected(_)) => {
                invalid += 1;
                refused_validating += 1;
            }
            (Some(expected), Outcome::Accepted { .. }) => {
                invalid += 1;
                failures.push(format!("{}: invalid ({expected}) but accepted", case.name));
            }
        }
    }
    println!(
        "{valid} valid documents: {round_tripped}/{valid} round trip; {invalid} invalid documents: \
         {refused_loading} refused when loading, {refused_validating} refused by validation"
    );
    for case in &cases {
        if let Outcome::Rejected(errors) = &case.outcome {
            println!("  {}: {}", case.name, errors.join("; "));
        }
        if let Outcome::NotLoaded(e) = &case.outcome {
            println!("  {}: not loaded: {e}", case.name);
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}
