//! `--set path=value` flags: parsing, printing, applying to a tree and merging over a profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_render::{Overlays, SetFlag};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Several flags, one a line, applied in order.
    let mut overlays = Overlays::new();
    let mut tree = serde_json::json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {}});
    for line in text.lines().take(8) {
        let Ok(flag) = SetFlag::parse(line) else {
            continue;
        };
        let _ = flag.text();
        let _ = flag.path();
        let _ = flag.value();
        // Printed flags parse back to the same path and value.
        let printed = flag.to_string();
        let again = SetFlag::parse(&printed);
        assert!(again.is_ok(), "{printed:?} does not parse back: {again:?}");
        let _ = flag.apply(&mut tree);
        overlays.set_flag(flag);
    }
    let _ = overlays.user_config();
    if let Ok(merged) = overlays.merge() {
        let _ = merged.validate();
    }
});
