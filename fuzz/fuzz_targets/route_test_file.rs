//! Route test files (`route-tests.md`) run from text: parsing, the objects they carry,
//! compiling, and checking every expectation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `config:` names files to read; fuzzed paths could name any file (or `/dev/zero`),
    // so inputs that list any are left out: the loading they lead to has its own target.
    if let Ok(serde_json::Value::Object(map)) = mesh_api::parse_yaml::<serde_json::Value>(text) {
        if map.get("config").is_some_and(|c| !c.is_null() && c.as_array().is_none_or(|a| !a.is_empty())) {
            return;
        }
    }
    let base = std::env::temp_dir().join("mesh-fuzz-route-tests-empty");
    if let Ok(report) = mesh_routing::testing::run_str(text, &base) {
        let _ = report.passed();
        let _ = report.failed();
        let _ = report.to_string();
    }
});
