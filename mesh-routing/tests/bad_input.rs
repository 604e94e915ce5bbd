//! Hostile input through the routing entry points: route test files (text and files) with
//! deep nesting, alias bombs, huge documents, invalid UTF-8, enormous regexes and overlong
//! names; meshes compiled from such objects; requests with absurd fields. Each gives an error
//! or a warning, never a panic, and the loader's limits keep every test quick.

mod common;

use mesh_routing::testing::{run_file, run_str};
use mesh_routing::{Mesh, MeshSettings, Outcome, Request, TestFileError};

const HEAD: &str = "resources:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: ratings, namespace: default}\n    spec: {ports: [{name: http, port: 9080}]}\n";

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mesh-routing-bad-input-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn deeply_nested_route_test_files_are_parse_errors() {
    let flow = format!("{HEAD}tests: {}", "[".repeat(50_000));
    assert!(matches!(run_str(&flow, "."), Err(TestFileError::Parse { .. })));
    let mut block = format!("{HEAD}tests:\n");
    for depth in 1..400 {
        block.push_str(&"  ".repeat(depth));
        block.push_str("- \n");
    }
    assert!(matches!(run_str(&block, "."), Err(TestFileError::Parse { .. })));
}

#[test]
fn alias_bombs_in_route_test_files_are_parse_errors() {
    let mut text = format!("{HEAD}x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n");
    for i in 1..10 {
        text.push_str(&format!("x{i}: &x{i} [{}]\n", vec![format!("*x{}", i - 1); 10].join(", ")));
    }
    text.push_str("tests: []\n");
    let err = run_str(&text, ".").expect_err("refused");
    assert!(matches!(err, TestFileError::Parse { .. }), "{err}");
}

#[test]
fn a_huge_route_test_file_is_refused_by_size() {
    let mut text = format!("{HEAD}tests: []\n#");
    text.extend(std::iter::repeat_n('x', 65 * 1024 * 1024));
    let err = run_str(&text, ".").expect_err("refused");
    assert!(err.to_string().contains("over the limit"), "{err}");
}

#[test]
fn route_test_files_and_their_config_that_are_not_utf8_are_errors() {
    let dir = scratch("utf8");
    std::fs::write(dir.join("bad.yaml"), b"tests: []\n\xff\xfe\n").expect("write");
    std::fs::write(dir.join("config.yaml"), b"apiVersion: v1\nkind: Service\n\xc3\x28\n").expect("write");
    std::fs::write(dir.join("uses-config.yaml"), "config: [config.yaml]\ntests: []\n").expect("write");
    let read = run_file(dir.join("bad.yaml"));
    let config = run_file(dir.join("uses-config.yaml"));
    std::fs::remove_dir_all(&dir).ok();
    assert!(matches!(read, Err(TestFileError::Read { .. })), "{read:?}");
    let Err(TestFileError::Config { errors, .. }) = config else { panic!("{config:?}") };
    assert!(errors[0].ends_with("the file is not UTF-8 text"), "{errors:?}");
}

#[test]
fn overlong_names_in_route_test_files_are_reported() {
    let long = "n".repeat(1_000_000);
    // A test name, host, path and header a megabyte long run, and fail as tests do.
    let text = format!(
        "{HEAD}tests:\n  - name: {long}\n    request:\n      host: {long}\n      port: 9080\n      path: /{long}\n      headers:\n        ? {long}\n        : {long}\n    expect: {{outcome: route}}\n"
    );
    let report = run_str(&text, ".").expect("runs");
    assert_eq!(report.results.len(), 1);
    // A key a megabyte long is an unknown field.
    let err = run_str(&format!("{HEAD}? {long}\n: 1\ntests: []\n"), ".").expect_err("unknown field");
    assert!(matches!(err, TestFileError::Parse { .. }));
}

/// A VirtualService for `ratings` whose first rule matches `uri` with `regex`.
fn regex_mesh(regex: &str) -> Mesh {
    let mut yaml = common::svc("ratings", "default", 9080);
    yaml.push_str(&format!(
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: ratings, namespace: default}}\nspec:\n  hosts: [ratings]\n  http:\n  - match: [{{uri: {{regex: '{}'}}}}]\n    route: [{{destination: {{host: ratings}}}}]\n    headers: {{request: {{set: {{x-rule: regex}}}}}}\n  - route: [{{destination: {{host: ratings}}}}]\n",
        regex.replace('\'', "''")
    ));
    common::mesh(&yaml)
}

#[test]
fn enormous_regexes_become_compile_warnings() {
    for regex in ["(?:a{100}){100}{100}".to_owned(), "\\w{1000}{1000}".to_owned(), "[a-z]".repeat(200_000)] {
        let mesh = regex_mesh(&regex);
        assert!(
            mesh.warnings().iter().any(|w| w.field.contains("uri")),
            "{} bytes of regex: {:?}",
            regex.len(),
            mesh.warnings()
        );
        // The mesh still routes, past the rule it could not use.
        let decision = mesh.route(&Request::http("ratings").port(9080).path("/aaaa"));
        assert_eq!(decision.outcome(), Outcome::Route);
        let _ = decision.explain().to_string();
        let _ = mesh_routing::graph(&mesh).to_dot();
    }
}

#[test]
fn enormous_regexes_in_route_test_files_fail_or_warn_but_run() {
    let text = format!(
        "{HEAD}  - apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata: {{name: ratings, namespace: default}}\n    spec:\n      hosts: [ratings]\n      http: [{{match: [{{uri: {{regex: '(?:a{{100}}){{100}}{{100}}'}}}}], route: [{{destination: {{host: ratings}}}}]}}]\ntests:\n  - name: t\n    request: {{host: ratings, port: 9080, path: /a}}\n    expect: {{outcome: route}}\n"
    );
    let report = run_str(&text, ".").expect("runs");
    assert_eq!(report.results.len(), 1);
}

#[test]
fn meshes_of_hostile_objects_compile_and_route() {
    let long = "h".repeat(100_000);
    let mut yaml = common::svc("ratings", "default", 9080);
    yaml.push_str(&format!(
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {long}, namespace: default}}\nspec:\n  hosts: ['{long}', '*', '*.{long}', ratings]\n  http:\n  - route:\n    - {{destination: {{host: ratings, subset: '{long}'}}, weight: 2147483647}}\n    - {{destination: {{host: ratings}}, weight: 2147483647}}\n    - {{destination: {{host: '{long}', port: {{number: 4294967295}}}}, weight: -5}}\n"
    ));
    yaml.push_str(&format!(
        "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: dr, namespace: default}}\nspec:\n  host: '*'\n  subsets:\n  - name: '{long}'\n    labels:\n      ? '{long}'\n      : '{long}'\n"
    ));
    let loaded = mesh_api::load_str(&yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    for request in [
        Request::http("ratings").port(9080).random(50.0),
        Request::http(&long).port(u32::MAX).path(&long).header(&long, &long).random(f64::NAN),
        Request::http("ratings").port(9080).random(f64::INFINITY),
        Request::http("ratings").port(9080).random(-1.0),
        Request::tls(&long, 0),
        Request::tcp("", 65536),
        Request::grpc("ratings").port(9080).gateway(&long).source_namespace(&long).source_label(&long, ""),
    ] {
        let decision = mesh.route(&request);
        let _ = decision.destination();
        let _ = decision.explain().to_string();
        let _ = decision.view();
    }
    let _ = mesh_routing::analyze(&objects);
    let _ = mesh_routing::diff(&mesh, &Mesh::compile(&[], &MeshSettings::default()));
    let _ = mesh_routing::graph(&mesh).to_mermaid();
}
