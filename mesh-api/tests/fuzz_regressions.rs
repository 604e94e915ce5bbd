//! Inputs the fuzz targets (`fuzz/`) found failing, kept so the fixes stay. Each file under
//! `tests/fuzz-regressions/` loads without panicking, and every document it yields writes
//! back to YAML that loads again.

use std::path::Path;

#[test]
fn every_fuzz_regression_file_loads_and_writes_back() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("regression folder").flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        let loaded = mesh_api::load_str(&text);
        for document in &loaded.documents {
            assert!(!document.object.kind().is_empty(), "{}: an object of no kind loaded", file.display());
            let yaml = document.to_yaml().expect("writes");
            let again = mesh_api::load_str(&yaml);
            assert!(again.errors.is_empty(), "{}: {:?}\n{yaml}", file.display(), again.errors);
        }
    }
}

#[test]
fn kind_and_api_version_that_are_not_strings_are_errors_naming_the_field() {
    // Found by load_yaml: `kind:` holding a mapping loaded as an object with an empty kind,
    // whose written form then failed to load.
    for (text, field) in [
        ("apiVersion: telemetry.istio.io/v1alpha1\nkind:\n  metrics: []\n", "kind"),
        ("apiVersion: v1\nkind: 5\nmetadata: {name: x}\n", "kind"),
        ("apiVersion: [v1]\nkind: ConfigMap\nmetadata: {name: x}\n", "apiVersion"),
        ("apiVersion: 1\nkind: ConfigMap\nmetadata: {name: x}\n", "apiVersion"),
    ] {
        let loaded = mesh_api::load_str(text);
        assert!(loaded.documents.is_empty(), "{text}");
        let Some(mesh_api::Error::Invalid { field: at, message, .. }) = loaded.errors.first() else {
            panic!("{text}: {:?}", loaded.errors)
        };
        assert_eq!(at.to_string(), field, "{text}");
        assert!(message.contains("expected a string"), "{message}");
    }
}
