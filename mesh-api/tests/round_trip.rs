//! Conformance: every Istio object in the corpus loads and writes back equal to its input as
//! data, key order aside, with its apiVersion and durations as written (requirement 3).

mod common;

use serde_json::Value;

#[test]
fn every_corpus_istio_object_round_trips() {
    let Some(corpus) = common::corpus() else { return };
    let (mut total, mut equal) = (0usize, 0usize);
    let mut failures = Vec::new();
    for folder in ["istio-config", "istio-samples", "online-boutique"] {
        for file in common::yaml_files(&corpus.join(folder)) {
            let loaded = mesh_api::load_file(&file);
            for error in &loaded.errors {
                failures.push(format!("load: {error}"));
            }
            for document in loaded.documents.iter().filter(|d| d.object.is_istio()) {
                total += 1;
                let source = document.source.as_ref().expect("loaded from text");
                let input: Value = serde_yaml_to_json(source.text());
                let written = document.to_yaml().expect("writes");
                let output: Value = serde_yaml_to_json(&written);
                if same_data(&input, &output) {
                    equal += 1;
                } else {
                    failures.push(format!(
                        "{}[{}] {}: written form differs\n--- input\n{}\n--- output\n{}",
                        file.display(),
                        source.document,
                        document.object.object_ref(),
                        serde_json::to_string(&input).unwrap_or_default(),
                        serde_json::to_string(&output).unwrap_or_default()
                    ));
                }
            }
        }
    }
    println!("round trip: {equal}/{total} Istio objects written back equal to their input");
    assert!(total > 250, "too few Istio objects found: {total}");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The document as plain data, read without the typed model.
fn serde_yaml_to_json(text: &str) -> Value {
    mesh_api::read_untyped(text).into_iter().next().expect("one document").expect("valid YAML")
}

/// Equal as data: numbers compare by value (`100` and `100.0` are one number to YAML readers
/// and to Istio's protobuf doubles); everything else compares exactly, map order aside.
fn same_data(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_data(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_data(v, w)))
        }
        _ => a == b,
    }
}
