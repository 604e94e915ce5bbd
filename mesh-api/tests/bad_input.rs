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
