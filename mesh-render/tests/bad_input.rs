//! Hostile overlays and `--set` flags: deep nesting, alias bombs, huge documents, invalid
//! UTF-8, overlong keys and paths. Each gives an error (or a bounded result), never a panic;
//! the loader's limits bound time and memory, so every test finishes quickly.

use mesh_render::{Error, Overlays, SetFlag};

fn overlay(text: &str) -> Result<(), Error> {
    Overlays::new().yaml("hostile.yaml", text).map(|_| ())
}

#[test]
fn deeply_nested_overlays_are_syntax_errors() {
    let flow = format!("spec:\n  values: {}", "{a: ".repeat(50_000));
    assert!(matches!(overlay(&flow), Err(Error::Syntax { .. })));
    let mut block = String::from("spec:\n  values:\n");
    for depth in 2..400 {
        block.push_str(&" ".repeat(depth * 2));
        block.push_str("a:\n");
    }
    assert!(matches!(overlay(&block), Err(Error::Syntax { .. })));
}

#[test]
fn alias_bombs_in_overlays_are_syntax_errors() {
    let mut text = String::from("spec:\n  values:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        text.push_str(&format!("    a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    let err = overlay(&text).expect_err("refused");
    assert!(matches!(err, Error::Syntax { .. }), "{err}");
}

#[test]
fn a_huge_overlay_is_refused_by_size() {
    let mut text = String::from("spec:\n  hub: x\n#");
    text.extend(std::iter::repeat_n('x', 65 * 1024 * 1024));
    let err = overlay(&text).expect_err("refused");
    assert!(err.to_string().contains("over the limit"), "{err}");
}

#[test]
fn an_overlay_file_that_is_not_utf8_is_a_read_error() {
    let dir = std::env::temp_dir().join(format!("mesh-render-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("overlay.yaml");
    std::fs::write(&file, b"spec:\n  hub: \xff\xfe\n").expect("write");
    let result = Overlays::new().file(&file).map(|_| ());
    std::fs::remove_dir_all(&dir).ok();
    assert!(matches!(result, Err(Error::Read { .. })), "{result:?}");
}

#[test]
fn overlong_keys_and_values_are_schema_errors_or_text() {
    let long = "k".repeat(1_000_000);
    // A key a megabyte long: YAML caps implicit keys at 1024 characters; written as an
    // explicit key (`? key`), it is an unknown field.
    let err = overlay(&format!("spec:\n  {long}: 1\n")).expect_err("too long a key");
    assert!(matches!(err, Error::Syntax { .. }), "{}", err.to_string().chars().take(200).collect::<String>());
    let err = overlay(&format!("spec:\n  ? {long}\n  : 1\n")).expect_err("unknown field");
    assert!(matches!(err, Error::Invalid { .. }), "{}", err.to_string().chars().take(200).collect::<String>());
    // A long value where text is allowed is kept, whole.
    let mut overlays = Overlays::new();
    overlays.yaml("long.yaml", &format!("spec:\n  hub: {long}\n")).expect("a string field");
    let user = overlays.user_config().expect("merges");
    assert_eq!(user["spec"]["hub"].as_str().map(str::len), Some(long.len()));
}

#[test]
fn many_documents_and_non_mappings_are_refused() {
    assert!(matches!(overlay(&"a: 1\n---\n".repeat(10_000)), Err(Error::MultipleDocuments { count: 10_000, .. })));
    for text in ["- a\n", "just text\n", "42\n", "!!binary aGVsbG8=\n"] {
        assert!(overlay(text).is_err(), "{text:?}");
    }
}

#[test]
fn deep_set_paths_are_refused_when_parsed() {
    // A path of a hundred thousand keys would build a tree as deep, which serde and Drop walk
    // by recursion; it is refused before any tree is built.
    let flag = format!("values.{}=1", "a.".repeat(100_000));
    let err = SetFlag::parse(&flag).expect_err("too deep");
    assert!(matches!(err, Error::SetSyntax { .. }), "{}", err.to_string().chars().take(200).collect::<String>());
    let flag = format!("components.ingressGateways{}=1", "[0]".repeat(100_000));
    assert!(SetFlag::parse(&flag).is_err());
    // Paths of ordinary depth still parse.
    assert!(SetFlag::parse(&format!("values.{}=1", "a.".repeat(60))).is_ok());
}

#[test]
fn hostile_set_flags_are_errors_not_panics() {
    let long = "x".repeat(1_000_000);
    let huge_index = "components.ingressGateways[9223372036854775807].enabled=true";
    let flags = [
        "",
        "=",
        "==",
        ".",
        "[0]=1",
        "a[=1",
        "a[]=1",
        "a[0=1",
        "a]0[=1",
        "a[x]=1",
        "a[-1]=1",
        "a[99999999999999999999999]=1",
        huge_index,
        "components.ingressGateways[name:]=1",
        "values.global.hub=\u{0}",
        "\\.\\.\\.=1",
        "values.global.proxy.resources.requests.cpu=1e999999",
        "values.global.hub=-9223372036854775809",
        &format!("values.{long}=1"),
        &format!("values.global.hub={long}"),
    ];
    for flag in flags {
        let mut overlays = Overlays::new();
        if overlays.set(flag).is_ok() {
            let _ = overlays.user_config();
            let _ = overlays.merge();
        }
    }
    // An index past the end appends one element, whatever its size.
    let mut overlays = Overlays::new();
    overlays.set(huge_index).expect("parses");
    let user = overlays.user_config().expect("appends");
    assert_eq!(user["spec"]["components"]["ingressGateways"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_set_flag_that_meets_a_scalar_is_a_path_error() {
    let mut overlays = Overlays::new();
    overlays.set("hub=x").expect("parses");
    overlays.set("hub.inner=y").expect("parses");
    let err = overlays.user_config().expect_err("hub is a string");
    assert!(matches!(err, Error::SetPath { .. }), "{err}");
}
