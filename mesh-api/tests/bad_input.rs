//! Bad input never panics: every malformed document becomes an error, and the documents
//! around it still load (requirement 9).

use mesh_api::Error;

const VS_HEAD: &str =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\n";

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let text = format!("{VS_HEAD}spec: {}{}", "[".repeat(depth), "]".repeat(depth));
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.documents.is_empty());
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..10 {
        let prev = i - 1;
        text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.documents.is_empty());
    assert!(loaded.errors[0].to_string().contains("repetition limit"), "{}", loaded.errors[0]);
}

#[test]
fn numbers_out_of_range_name_the_field() {
    let text = format!(
        "{VS_HEAD}spec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {{host: r}}\n      weight: 99999999999999999999\n"
    );
    let errors = mesh_api::load_str(&text).errors;
    assert_eq!(errors.len(), 1);
    let Error::Invalid { field, at, .. } = &errors[0] else { panic!("{:?}", errors[0]) };
    assert_eq!(field.to_string(), "spec.http[0].route[0].weight");
    assert_eq!(at.line, 9);
}

#[test]
fn wrong_types_name_the_field_and_the_expected_type() {
    let text = format!(
        "{VS_HEAD}spec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {{host: r}}\n      weight: \"75%\"\n"
    );
    let errors = mesh_api::load_str(&text).errors;
    assert_eq!(
        errors[0].to_string(),
        "<input>:9:7: VirtualService shop/r: spec.http[0].route[0].weight: invalid type: string \"75%\", expected i32"
    );
}

#[test]
fn binary_garbage_is_an_error() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let text = String::from_utf8_lossy(&garbage);
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.documents.is_empty());
    assert!(!loaded.errors.is_empty());

    let dir = std::env::temp_dir().join(format!("mesh-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("garbage.yaml");
    std::fs::write(&file, b"kind: x\n\xff\xfe\x00garbage").expect("write");
    let loaded = mesh_api::load_file(&file);
    assert!(
        loaded.errors[0].to_string().ends_with("garbage.yaml:2: the file is not UTF-8 text"),
        "{}",
        loaded.errors[0]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn one_bad_document_does_not_lose_the_others() {
    let good = format!("{VS_HEAD}spec: {{hosts: [r], http: [{{route: [{{destination: {{host: r}}}}]}}]}}\n");
    let text =
        format!("{good}---\nkey: [unclosed\n---\n{good}---\n{VS_HEAD}spec: {{hosts: 5}}\n---\n- a list\n---\n{good}");
    let loaded = mesh_api::load_str(&text);
    assert_eq!(loaded.documents.len(), 3);
    assert_eq!(loaded.errors.len(), 3, "{:?}", loaded.errors);
    let docs: Vec<usize> = loaded.errors.iter().filter_map(|e| e.location()).map(|l| l.document).collect();
    assert_eq!(docs, [1, 3, 4]);
}

#[test]
fn missing_kind_and_unknown_versions_are_explained() {
    let errors = mesh_api::load_str("apiVersion: v1\nmetadata: {name: x}\n").errors;
    assert_eq!(errors[0].to_string(), "<input>:1:1: object x: kind: missing kind");
    let errors = mesh_api::load_str("apiVersion: networking.istio.io/v2\nkind: Gateway\nmetadata: {name: g}\n").errors;
    assert_eq!(
        errors[0].to_string(),
        "<input>:1:1: Gateway g: apiVersion: Gateway is not served as networking.istio.io/v2; use one of networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3"
    );
}

#[test]
fn empty_and_comment_only_input_loads_nothing() {
    for text in ["", "\n\n", "# only a comment\n---\n---\n"] {
        let loaded = mesh_api::load_str(text);
        assert!(loaded.documents.is_empty() && loaded.errors.is_empty(), "{text:?}");
    }
    assert!(matches!(mesh_api::from_yaml_str::<mesh_api::networking::Gateway>(""), Err(Error::Empty { .. })));
}

// Hostile input through every public entry point: each gives an error (or a problem) and
// never panics. Time and memory are bounded by the limits the loader applies before parsing
// (nesting depth, alias expansion, document size), so every test here finishes quickly.

/// Every public entry point that reads YAML text, each reporting whether it refused the text.
fn refused_by_every_text_entry_point(text: &str) -> Vec<(&'static str, bool)> {
    vec![
        ("load_str", !mesh_api::load_str(text).errors.is_empty()),
        ("from_yaml_str", mesh_api::from_yaml_str::<mesh_api::networking::VirtualService>(text).is_err()),
        ("parse_yaml", mesh_api::parse_yaml::<serde_json::Value>(text).is_err()),
        ("read_untyped", mesh_api::read_untyped(text).iter().any(Result::is_err)),
        ("load_file", !load_via_file(text.as_bytes()).errors.is_empty()),
    ]
}

/// Writes `bytes` to a file of its own and loads it with `load_file` and `load_path` (file
/// and folder); all three must agree.
fn load_via_file(bytes: &[u8]) -> mesh_api::Loaded {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mesh-bad-input-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("input.yaml");
    std::fs::write(&file, bytes).expect("write");
    let loaded = mesh_api::load_file(&file);
    let by_path = mesh_api::load_path(&file);
    let by_folder = mesh_api::load_path(&dir);
    let by_paths = mesh_api::load_paths([&dir]);
    std::fs::remove_dir_all(&dir).ok();
    for other in [&by_path, &by_folder, &by_paths] {
        assert_eq!(other.errors.len(), loaded.errors.len());
        assert_eq!(other.documents.len(), loaded.documents.len());
    }
    loaded
}

fn assert_all_refuse(text: &str) {
    for (entry, refused) in refused_by_every_text_entry_point(text) {
        assert!(refused, "{entry} accepted {} bytes starting {:?}", text.len(), &text[..text.len().min(60)]);
    }
}

#[test]
fn deep_flow_nesting_is_refused_by_every_entry_point() {
    for open in ["[", "{a: ", "[{a: "] {
        let text = format!("{VS_HEAD}spec: {}", open.repeat(50_000));
        assert_all_refuse(&text);
    }
}

#[test]
fn deep_block_nesting_is_refused_by_every_entry_point() {
    // Indentation, not brackets: a map in a map 400 deep, and a list in a list 10,000 deep.
    let mut maps = format!("{VS_HEAD}spec:\n");
    for depth in 1..400 {
        maps.push_str(&" ".repeat(depth));
        maps.push_str("a:\n");
    }
    assert_all_refuse(&maps);
    let lists = format!("{VS_HEAD}spec:\n  hosts: {}x\n", "- ".repeat(10_000));
    assert_all_refuse(&lists);
}

#[test]
fn alias_bombs_are_refused_by_every_entry_point() {
    // The billion laughs: nine levels of ten references each.
    let mut text = format!("{VS_HEAD}spec:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!("  a{i}: &a{i} [{}]\n", vec![format!("*a{p}"); 10].join(", ")));
    }
    assert_all_refuse(&text);
    // A map key repeated by alias (merge keys) is refused the same way.
    let mut merges = String::from("a0: &a0 {k: v}\n");
    for i in 1..40 {
        let p = i - 1;
        merges.push_str(&format!("a{i}: &a{i} {{<<: [*a{p}, *a{p}], k{i}: [*a{p}, *a{p}]}}\n"));
    }
    assert!(mesh_api::parse_yaml::<serde_json::Value>(&merges).is_err());
    assert!(mesh_api::read_untyped(&merges)[0].is_err());
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_parsing() {
    // 65 MiB of one long comment line after a valid head: refused by size, by every entry point.
    let mut text = String::with_capacity(65 * 1024 * 1024 + 200);
    text.push_str(VS_HEAD);
    text.push_str("spec: {hosts: [r]}\n#");
    text.extend(std::iter::repeat_n('x', 65 * 1024 * 1024));
    text.push('\n');
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.errors[0].to_string().contains("over the limit"), "{}", loaded.errors[0]);
    let err = mesh_api::parse_yaml::<serde_json::Value>(&text).expect_err("too large");
    assert!(err.to_string().contains("over the limit"), "{err}");
    let untyped = mesh_api::read_untyped(&text);
    assert!(untyped[0].as_ref().is_err_and(|e| e.to_string().contains("over the limit")));
    assert!(mesh_api::from_yaml_str::<mesh_api::networking::VirtualService>(&text).is_err());
}

#[test]
fn many_documents_under_the_limit_each_load() {
    // A large stream of small documents is not a reason to refuse: 5,000 load, with one bad one.
    let good = format!("{VS_HEAD}spec: {{hosts: [r]}}\n---\n");
    let mut text = good.repeat(2_500);
    text.push_str("kind: [unclosed\n---\n");
    text.push_str(&good.repeat(2_500));
    let loaded = mesh_api::load_str(&text);
    assert_eq!(loaded.documents.len(), 5_000);
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].location().map(|l| l.document), Some(2_500));
}

#[test]
fn invalid_utf8_is_an_error_through_every_file_entry_point() {
    for bytes in [
        &b"\xff\xfe\x00\x00"[..],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xc3\x28}\n",
        b"a: \xed\xa0\x80\n",
        b"a: b\n\x80",
    ] {
        let loaded = load_via_file(bytes);
        assert!(loaded.documents.is_empty());
        assert_eq!(loaded.errors.len(), 1);
        assert!(loaded.errors[0].to_string().ends_with("the file is not UTF-8 text"), "{}", loaded.errors[0]);
    }
}

#[test]
fn control_characters_and_byte_order_marks_are_errors_or_text() {
    for text in
        ["\u{0}", "a: \u{1}\n", "\u{feff}\u{feff}kind: x\n", "a: \"\\u0000\"\n", "\t- x\n", "%YAML 9.9\n---\na: 1\n"]
    {
        // Whatever each entry point makes of it, it answers.
        let _ = refused_by_every_text_entry_point(text);
    }
}

/// A VirtualService whose one rule matches the URI with `regex`.
fn vs_with_regex(regex: &str) -> String {
    format!(
        "{VS_HEAD}spec:\n  hosts: [r]\n  http:\n  - match: [{{uri: {{regex: '{}'}}}}]\n    route: [{{destination: {{host: r}}}}]\n",
        regex.replace('\'', "''")
    )
}

#[test]
fn enormous_regexes_are_validation_problems() {
    // Each compiles past the regex crate's size limit, or is simply very long.
    for regex in ["(?:a{100}){100}{100}".to_owned(), "\\w{1000}{1000}".to_owned(), "[a-z]".repeat(200_000)] {
        let loaded = mesh_api::load_str(&vs_with_regex(&regex));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let problems = loaded.documents[0].validate();
        assert!(
            problems.iter().any(|p| p.path.to_string() == "spec.http[0].match[0].uri.regex"),
            "{} bytes of regex: {problems:?}",
            regex.len()
        );
    }
}

#[test]
fn overlong_names_are_validation_problems() {
    let long = "a".repeat(1_000_000);
    let text = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {long}, namespace: {long}}}\nspec:\n  hosts: [{long}]\n  http: [{{name: {long}, route: [{{destination: {{host: {long}, subset: {long}}}}}]}}]\n"
    );
    let loaded = mesh_api::load_str(&text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let problems = loaded.documents[0].validate();
    for field in ["metadata.name", "metadata.namespace", "spec.hosts[0]"] {
        assert!(problems.iter().any(|p| p.path.to_string() == field), "{field}: {problems:?}");
    }
    // A key a million bytes long is an unknown field, named briefly enough to read.
    let text = format!("{VS_HEAD}spec:\n  ? {long}\n  : 1\n");
    let errors = mesh_api::load_str(&text).errors;
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(message.contains("unknown field"), "{}", message.chars().take(200).collect::<String>());
}

#[test]
fn hostile_values_are_errors_not_panics() {
    for value in [
        serde_json::json!(null),
        serde_json::json!([1, 2]),
        serde_json::json!({"apiVersion": 5, "kind": {"a": 1}, "metadata": []}),
        serde_json::json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": 1e300}}),
        serde_json::json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": {"http": [{"route": [{"weight": u64::MAX}]}]}}),
    ] {
        assert!(mesh_api::load_value(&value).is_err(), "{value}");
        assert!(mesh_api::from_value::<mesh_api::networking::VirtualService>(&value).is_err(), "{value}");
    }
    // An unknown group is some other kind, not a VirtualService.
    let value = serde_json::json!({"apiVersion": "/", "kind": "VirtualService", "metadata": {}});
    assert!(matches!(
        mesh_api::from_value::<mesh_api::networking::VirtualService>(&value),
        Err(Error::WrongKind { .. })
    ));
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_a_folder_are_read_once() {
    let dir = std::env::temp_dir().join(format!("mesh-bad-input-loop-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
    std::fs::write(dir.join("sub/vs.yaml"), format!("{VS_HEAD}spec: {{hosts: [r]}}\n")).expect("write");
    // Two links back up: without a guard, the walk would branch without end.
    std::os::unix::fs::symlink(&dir, dir.join("sub/up")).expect("symlink");
    std::os::unix::fs::symlink(&dir, dir.join("sub/again")).expect("symlink");
    let loaded = mesh_api::load_path(&dir);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(loaded.documents.len(), 1, "{:?}", loaded.errors);
}
