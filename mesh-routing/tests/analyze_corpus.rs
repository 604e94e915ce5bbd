//! Conformance of [`mesh_routing::analyze`] against the expected `istioctl analyze` results
//! in the corpus (`analyze/expected.yaml`). Every case runs its one analyzer (by istioctl's
//! name) over its input files plus the default ingress gateway Pod and Service the harness
//! adds, with the case's mesh configuration; each expected (code, resource) must be among our
//! messages, each of ours matched once. Cases whose analyzer we do not have count as missed.
//! The multi-cluster case runs [`multi_cluster_services`] over its two clusters' files.
//!
//! Printed: the match rate over all cases (expected messages found, and cases matched
//! exactly) and over the cases whose analyzer we implement.
//!
//! The corpus is found through `MESH_CORPUS`, else as `shared/corpus` above this crate.
//! Missing, the test fails under `CI=true` and prints `skipped: corpus not found` otherwise.

use std::path::{Path, PathBuf};

use mesh_api::Object;
use mesh_routing::analyze::{ANALYZERS, Context, Message, default_resources, multi_cluster_services};

fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = here.ancestors().map(|a| a.join("shared/corpus")).find(|p| p.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found (set MESH_CORPUS)");
        println!("skipped: corpus not found");
    }
    found
}

fn text<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

/// The case's objects, after the ingress gateway Pod and Service the harness adds (our
/// [`default_resources`], as istioctl adds them offline).
fn load_case(dir: &Path, case: &serde_json::Value, config: Option<&serde_json::Value>) -> Vec<Object> {
    let mut objects: Vec<Object> = default_resources(config);
    assert_eq!(objects.len(), 2, "default Pod and Service");
    for file in case["inputFiles"].as_array().into_iter().flatten() {
        let loaded = mesh_api::load_file(dir.join(file.as_str().unwrap_or_default()));
        for error in &loaded.errors {
            println!("  load error in {}: {error}", text(case, "name"));
        }
        objects.extend(mesh_routing::analyze::expand_lists(loaded.documents).into_iter().map(|d| d.object));
    }
    objects
}

/// The case's `meshConfigFile` or `meshNetworksFile` (`key`), as untyped data.
fn mesh_file(dir: &Path, case: &serde_json::Value, key: &str) -> Option<serde_json::Value> {
    let file = case[key].as_str()?;
    let source = std::fs::read_to_string(dir.join(file)).expect("mesh config file");
    mesh_api::read_untyped(&source).into_iter().next().and_then(Result::ok)
}

/// The time certificates are judged by: 2026-01-01T00:00:00Z, fixed so the test does not
/// change with the clock.
const NOW: i64 = 1_767_225_600;

/// Expected messages found, expected messages, cases matched exactly, cases.
#[derive(Default)]
struct Tally {
    found: usize,
    expected: usize,
    exact: usize,
    cases: usize,
}

impl Tally {
    fn add(&mut self, found: usize, expected: usize, exact: bool) {
        self.found += found;
        self.expected += expected;
        self.exact += usize::from(exact);
        self.cases += 1;
    }

    fn line(&self, what: &str) -> String {
        let pct = |a: usize, b: usize| if b == 0 { 100.0 } else { 100.0 * a as f64 / b as f64 };
        format!(
            "analyze {what}: {}/{} expected messages found ({:.1}%), {}/{} cases matched exactly ({:.1}%)",
            self.found,
            self.expected,
            pct(self.found, self.expected),
            self.exact,
            self.cases,
            pct(self.exact, self.cases)
        )
    }
}

/// Matches expected (code, resource) pairs against messages, each used once; prints what is
/// missing and extra. Returns (expected found, extra messages).
fn compare(name: &str, expected: &[&serde_json::Value], mut messages: Vec<Message>) -> (usize, usize) {
    let mut found = 0;
    for e in expected {
        let (code, resource) = (text(e, "code"), text(e, "resource"));
        if let Some(i) = messages.iter().position(|m| m.code == code && m.resource == resource) {
            messages.remove(i);
            found += 1;
        } else {
            println!("  missing in {name}: {code} {resource}");
        }
    }
    for m in &messages {
        println!("  extra in {name}: {m}");
    }
    (found, messages.len())
}

#[test]
fn analyzers_find_what_istioctl_finds() {
    let Some(root) = corpus() else { return };
    let dir = root.join("analyze");
    let source = std::fs::read_to_string(dir.join("expected.yaml")).expect("expected.yaml");
    let documents = mesh_api::read_untyped(&source);
    let document = documents.into_iter().next().expect("one document").expect("expected.yaml parses");
    let (mut all, mut ours, mut extra_total) = (Tally::default(), Tally::default(), 0);
    let mut missing_analyzers = std::collections::BTreeSet::new();
    let cases = document["cases"].as_array().expect("cases");
    let multi = document["multiClusterCases"].as_array().cloned().unwrap_or_default();
    for case in cases.iter().chain(&multi) {
        let name = text(case, "name");
        let expected: Vec<&serde_json::Value> = case["expected"].as_array().into_iter().flatten().collect();
        if text(case, "analyzer") == "services.MultiClusterServiceAnalyzer" {
            // Two clusters, each with its own files.
            let load = |key: &str| -> Vec<Object> {
                let files = case[key].as_array().into_iter().flatten();
                files
                    .flat_map(|f| mesh_api::load_file(dir.join(f.as_str().unwrap_or_default())).documents)
                    .map(|d| d.object)
                    .collect()
            };
            let (one, two) = (load("cluster1InputFiles"), load("cluster2InputFiles"));
            let messages = multi_cluster_services(&[("cluster1", &one), ("cluster2", &two)]);
            let (found, extra) = compare(name, &expected, messages);
            extra_total += extra;
            all.add(found, expected.len(), found == expected.len() && extra == 0);
            ours.add(found, expected.len(), found == expected.len() && extra == 0);
            continue;
        }
        let Some(analyzer) = ANALYZERS.iter().find(|a| a.name == text(case, "analyzer")) else {
            missing_analyzers.insert(text(case, "analyzer").to_owned());
            all.add(0, expected.len(), expected.is_empty());
            continue;
        };
        let config = mesh_file(&dir, case, "meshConfigFile");
        let networks = mesh_file(&dir, case, "meshNetworksFile");
        let objects = load_case(&dir, case, config.as_ref());
        let mut context = Context::new(&objects);
        context.mesh_config = config.as_ref();
        context.mesh_networks = networks.as_ref();
        context.now = Some(NOW);
        let mut messages: Vec<Message> = (analyzer.run)(&context);
        // As `analyze` does (and istioctl's harness): one message for identical findings.
        let mut seen = std::collections::HashSet::new();
        messages.retain(|m| seen.insert((m.code, m.resource.clone(), m.message.clone())));
        let (found, extra) = compare(name, &expected, messages);
        extra_total += extra;
        let exact = found == expected.len() && extra == 0;
        all.add(found, expected.len(), exact);
        ours.add(found, expected.len(), exact);
    }
    println!("{}", all.line(&format!("over all {} cases", all.cases)));
    println!("{}", ours.line(&format!("over the {} cases of analyzers we implement", ours.cases)));
    println!("analyze: {extra_total} messages istioctl does not give");
    println!("analyzers not implemented: {}", missing_analyzers.into_iter().collect::<Vec<_>>().join(", "));
    assert_eq!(all.cases, cases.len() + multi.len(), "every case counted");
    assert!(ours.cases >= 100, "only {} cases run", ours.cases);
    assert!(ours.found * 100 >= ours.expected * 95, "{}", ours.line("implemented"));
    assert!(all.found * 100 >= all.expected * 95, "{}", all.line("all"));
    assert_eq!(extra_total, 0, "messages istioctl does not give");
}
