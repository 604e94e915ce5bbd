//! YAML streams through every loading entry point, then validation and writing back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = mesh_api::load_str(text);
    for document in &loaded.documents {
        let problems = document.validate();
        for problem in &problems {
            let _ = problem.to_string();
            let _ = document.locate(&problem.path);
        }
        let _ = document.object.validate();
        let _ = document.to_json();
        if let Ok(yaml) = document.to_yaml() {
            // What we wrote must read back.
            let again = mesh_api::load_str(&yaml);
            assert!(again.errors.is_empty(), "written YAML does not load back: {:?}\n{yaml}", again.errors);
        }
    }
    for error in &loaded.errors {
        let _ = error.to_string();
    }
    let _ = mesh_api::to_yaml_string(&loaded.documents);
    for value in mesh_api::read_untyped(text).into_iter().flatten() {
        let _ = mesh_api::load_value(&value);
    }
    let _ = mesh_api::parse_yaml::<serde_json::Value>(text);
    let _ = mesh_api::from_yaml_str::<mesh_api::networking::VirtualService>(text);
    let _ = mesh_api::from_yaml_str::<mesh_api::install::IstioOperator>(text);
});
