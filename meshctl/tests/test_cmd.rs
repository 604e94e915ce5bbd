//! Transcript tests of `meshctl test`: stdout, stderr and the exit code of each run.

mod support;

use support::{Scratch, meshctl};

use std::path::PathBuf;

const CONFIG: &str = "resources:
  - apiVersion: v1
    kind: Service
    metadata: {name: reviews, namespace: default}
    spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: reviews, namespace: default}
    spec:
      hosts: [reviews]
      http:
      - route:
        - {destination: {host: reviews, subset: v1}, weight: 75}
        - {destination: {host: reviews, subset: v2}, weight: 25}
";

fn file(tests: &str) -> String {
    format!("{CONFIG}tests:\n{tests}")
}

const PASS_AND_FAIL: &str = "  - name: a draw of 10 lands on v1
    request: {host: reviews, port: 9080, random: 10}
    expect: {destination: {host: reviews, subset: v1}}
  - name: wrong on purpose
    request: {host: reviews, port: 9080, random: 80}
    expect: {destination: {host: reviews, subset: v1}, timeout: 1s}
";

#[test]
fn every_example_route_test_file_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<String> = std::fs::read_dir(root.join("examples/routes"))
        .expect("examples/routes")
        .filter_map(Result::ok)
        .map(|e| format!("examples/routes/{}", e.file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    // The examples reach every rule and weighted destination they configure.
    let mut args = vec!["test", "--coverage", "--fail-under", "100"];
    args.extend(files.iter().map(String::as_str));
    let run = meshctl(&args, &root);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let tests: Vec<&&str> = lines.iter().filter(|l| l.starts_with("ok   ") || l.starts_with("FAIL ")).collect();
    assert!(tests.iter().all(|l| l.starts_with("ok   ")), "{}", run.stdout);
    for f in &files {
        assert!(tests.iter().any(|l| l.starts_with(&format!("ok   {f}: "))), "no test of {f} ran");
    }
    assert_eq!(lines.last(), Some(&format!("{} passed, 0 failed", tests.len()).as_str()));
    assert!(run.stdout.contains("\ncoverage: 100.0% of "), "{}", run.stdout);
    assert!(!run.stdout.contains("not reached"), "{}", run.stdout);
}

#[test]
fn a_failed_test_shows_expected_and_actual_on_its_line_and_exits_1() {
    let dir = Scratch::new("fail", &[("reviews.yaml", &file(PASS_AND_FAIL))]);
    let run = meshctl(&["test", "reviews.yaml"], &dir.0);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "ok   a draw of 10 lands on v1
FAIL wrong on purpose: destination: expected reviews.default.svc.cluster.local v1, actual reviews.default.svc.cluster.local v2 port 9080; timeout: expected 1s, actual none
1 passed, 1 failed
"
    );
}

#[test]
fn all_passing_exits_0() {
    let one = "  - name: split\n    request: {host: reviews, port: 9080}\n    expect: {virtualService: default/reviews, rule: 0}\n";
    let dir = Scratch::new("pass", &[("reviews.yaml", &file(one))]);
    let run = meshctl(&["test", "reviews.yaml"], &dir.0);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "ok   split\n1 passed, 0 failed\n", ""));
}

#[test]
fn coverage_lists_what_no_test_reached_before_the_summary() {
    let one = "  - name: v1 only\n    request: {host: reviews, port: 9080, random: 1}\n";
    let dir = Scratch::new("coverage", &[("reviews.yaml", &file(one))]);
    let run = meshctl(&["test", "--coverage", "reviews.yaml"], &dir.0);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "ok   v1 only
not reached: default/reviews http[0] -> reviews.default.svc.cluster.local v2
coverage: 66.7% of 3 rules and weighted destinations
1 passed, 0 failed
"
    );
    let under = meshctl(&["test", "--coverage", "--fail-under", "80", "reviews.yaml"], &dir.0);
    assert_eq!(under.code, 1);
    assert_eq!(under.stdout, run.stdout);
    assert_eq!(under.stderr, "coverage 66.7% is under --fail-under 80%\n");
    let over = meshctl(&["test", "--fail-under", "60", "reviews.yaml"], &dir.0);
    assert_eq!((over.code, over.stdout.as_str(), over.stderr.as_str()), (0, run.stdout.as_str(), ""));
}

#[test]
fn json_output_carries_results_mismatches_and_coverage() {
    let dir = Scratch::new("json", &[("reviews.yaml", &file(PASS_AND_FAIL))]);
    let run = meshctl(&["test", "-o", "json", "reviews.yaml"], &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["passed"], 1);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(json["coverage"]["percent"], 100.0);
    let results = &json["files"][0]["results"];
    assert_eq!(results[0], serde_json::json!({"name": "a draw of 10 lands on v1", "passed": true, "mismatches": []}));
    assert_eq!(results[1]["passed"], false);
    assert_eq!(
        results[1]["mismatches"][1],
        serde_json::json!({"field": "timeout", "expected": "1s", "actual": "none"})
    );
    let yaml = meshctl(&["test", "-o", "yaml", "reviews.yaml"], &dir.0);
    assert_eq!(yaml.code, 1);
    assert!(yaml.stdout.starts_with("passed: 1\nfailed: 1\n"), "{}", yaml.stdout);
}

#[test]
fn a_malformed_file_exits_2_naming_file_line_and_field() {
    let typo = "tests:\n  - name: a\n    request: {host: x}\n    expect: {outcom: route}\n";
    let dir = Scratch::new("typo", &[("typo.yaml", typo), ("good.yaml", &file(PASS_AND_FAIL))]);
    let run = meshctl(&["test", "typo.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "0 passed, 0 failed\n");
    assert!(run.stderr.starts_with("typo.yaml: line 4:"), "{}", run.stderr);
    assert!(run.stderr.contains("tests[0].expect.outcom"), "{}", run.stderr);
    // The other files still run; the exit status says a file could not.
    let both = meshctl(&["test", "good.yaml", "typo.yaml"], &dir.0);
    assert_eq!(both.code, 2);
    assert!(both.stdout.ends_with("1 passed, 1 failed\n"), "{}", both.stdout);
}

#[test]
fn unreadable_files_and_config_exit_2() {
    let dir = Scratch::new("missing", &[("cfg.yaml", "config: [missing/]\ntests: []\n")]);
    let run = meshctl(&["test", "nope.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("nope.yaml: "), "{}", run.stderr);
    let cfg = meshctl(&["test", "cfg.yaml"], &dir.0);
    assert_eq!(cfg.code, 2);
    assert!(cfg.stderr.starts_with("cfg.yaml: config does not load:\n  missing/"), "{}", cfg.stderr);
}

#[test]
fn an_inline_resource_that_does_not_load_exits_2_at_its_line() {
    let bad = "resources:
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: a}
    spec:
      hosts: 3
tests: []
";
    let dir = Scratch::new("resource", &[("bad.yaml", bad)]);
    let run = meshctl(&["test", "bad.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "0 passed, 0 failed\n");
    assert_eq!(
        run.stderr,
        "bad.yaml: config does not load:
  bad.yaml:6:7: resources[0]: VirtualService a: spec.hosts: invalid type: integer `3`, expected a sequence
"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = Scratch::new("usage", &[]);
    assert_eq!(meshctl(&["test"], &dir.0).code, 2);
    let bad = meshctl(&["test", "--fail-under", "120", "x.yaml"], &dir.0);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not in [0, 100]"), "{}", bad.stderr);
    let output = meshctl(&["test", "-o", "xml", "x.yaml"], &dir.0);
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("[possible values: text, yaml, json]"), "{}", output.stderr);
}
