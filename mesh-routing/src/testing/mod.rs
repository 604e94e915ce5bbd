//! Route test files (the project's `route-tests.md` format) run from Rust: objects under test,
//! requests, and where each must go; and one-line assertions ([`crate::Mesh::assert`]).
//!
//! ```
//! let report = mesh_routing::testing::run_str(r#"
//! resources:
//!   - apiVersion: v1
//!     kind: Service
//!     metadata: {name: ratings, namespace: default}
//!     spec: {ports: [{name: http, port: 9080}]}
//! tests:
//!   - name: ratings has no VirtualService
//!     request: {host: ratings, port: 9080}
//!     expect: {outcome: route, virtualService: null, retries: {attempts: 2}}
//! "#, ".").unwrap();
//! report.assert_passed();
//! ```

mod assert;
mod check;
mod coverage;
mod file;

pub use assert::RouteAssert;
pub use coverage::{Coverage, CoverageItem};

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::TestFileError;
use crate::mesh::Mesh;
use crate::request::Request;
use crate::settings::MeshSettings;
use file::{RequestSpec, TestFile};

/// One field whose actual value differs from the expected one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The `expect` field (`destination`, `split`, ...).
    pub field: String,
    /// What the test expects.
    pub expected: String,
    /// What the engine decided.
    pub actual: String,
}

/// The result of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// Empty when the test passed.
    pub mismatches: Vec<Mismatch>,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// The results of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The file run, when read from disk.
    pub file: Option<PathBuf>,
    /// One result per test, in file order.
    pub results: Vec<TestResult>,
    /// Which VirtualService rules and weighted destinations the tests reached.
    pub coverage: Coverage,
}

impl Report {
    /// How many tests passed.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// How many tests failed.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// Panics with the whole report when a test failed (for `cargo test`).
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.failed() == 0, "route tests failed:\n{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            if r.passed() {
                writeln!(f, "ok   {}", r.name)?;
                continue;
            }
            writeln!(f, "FAIL {}", r.name)?;
            let width = r.mismatches.iter().map(|m| m.field.len()).max().unwrap_or(0);
            for m in &r.mismatches {
                writeln!(f, "     {:width$}  expected: {}", m.field, m.expected)?;
                writeln!(f, "     {:width$}  actual:   {}", "", m.actual)?;
            }
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// Runs a route test file.
///
/// # Errors
///
/// [`TestFileError`] when the file or its config cannot be read or is malformed.
pub fn run_file(path: impl AsRef<Path>) -> Result<Report, TestFileError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| TestFileError::Read { path: path.to_owned(), source })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut report = run(&text, base, &path.display().to_string())?;
    report.file = Some(path.to_owned());
    Ok(report)
}

/// Runs route tests given as text; `config` paths are relative to `base`.
///
/// # Errors
///
/// [`TestFileError`] when the text or its config cannot be read or is malformed.
pub fn run_str(text: &str, base: impl AsRef<Path>) -> Result<Report, TestFileError> {
    run(text, base.as_ref(), "<string>")
}

/// The error without its `<input>` prefix: the caller names the file.
fn parse_message(error: &mesh_api::Error) -> String {
    let text = error.to_string();
    text.strip_prefix("<input>:").map_or(text.clone(), |rest| format!("line {rest}"))
}

fn run(text: &str, base: &Path, label: &str) -> Result<Report, TestFileError> {
    let parsed: TestFile = mesh_api::parse_yaml(text)
        .map_err(|e| TestFileError::Parse { file: label.to_owned(), message: parse_message(&e) })?;
    let mut loaded = mesh_api::load_paths(parsed.config.iter().map(|c| base.join(c)));
    for (index, resource) in parsed.resources.iter().enumerate() {
        match mesh_api::load_value(resource) {
            Ok(document) => loaded.documents.push(document),
            Err(e) => {
                let message = format!("resources[{index}]: {}", e.to_string().trim_start_matches("<input>: "));
                loaded.errors.push(mesh_api::Error::Syntax { at: mesh_api::Location::default(), message });
            }
        }
    }
    if !loaded.errors.is_empty() {
        return Err(TestFileError::Config {
            file: label.to_owned(),
            errors: loaded.errors.iter().map(ToString::to_string).collect(),
        });
    }
    let mut settings = MeshSettings::default();
    let mc = &parsed.mesh_config;
    if let Some(ns) = &mc.root_namespace {
        settings.root_namespace.clone_from(ns);
    }
    if let Some(d) = &mc.cluster_domain {
        settings.cluster_domain.clone_from(d);
    }
    if let Some(p) = &mc.outbound_traffic_policy {
        settings.outbound_traffic_policy = p.parse().map_err(|message| TestFileError::Parse {
            file: label.to_owned(),
            message: format!("meshConfig.outboundTrafficPolicy: {message}"),
        })?;
    }
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &settings);
    let mut results = Vec::with_capacity(parsed.tests.len());
    let mut names = std::collections::HashSet::new();
    let mut tracker = coverage::Tracker::default();
    for t in &parsed.tests {
        let invalid = |field: &str, message: String| TestFileError::Invalid {
            file: label.to_owned(),
            test: t.name.clone(),
            field: field.to_owned(),
            message,
        };
        if !names.insert(t.name.as_str()) {
            return Err(invalid("name", "two tests have this name; names must be unique".to_owned()));
        }
        let request = request(&t.request).map_err(|m| invalid("request.protocol", m))?;
        if request.draw().is_some_and(|r| !(0.0..100.0).contains(&r)) {
            return Err(invalid("request.random", "must be in [0, 100)".to_owned()));
        }
        let decision = mesh.route(&request);
        tracker.record(&decision);
        results.push(TestResult {
            name: t.name.clone(),
            mismatches: check::check(&decision, &t.expect, &settings.cluster_domain),
        });
    }
    Ok(Report { file: None, results, coverage: tracker.finish(&mesh) })
}

fn request(spec: &RequestSpec) -> Result<Request, String> {
    let protocol = spec.protocol.as_deref().unwrap_or("http");
    let mut r = match protocol {
        "http" => Request::http(&spec.host),
        "https" => Request::https(&spec.host),
        "grpc" => Request::grpc(&spec.host),
        "tls" => Request::tls(spec.sni.as_deref().unwrap_or(&spec.host), spec.port.unwrap_or(443)),
        "tcp" => Request::tcp(&spec.host, spec.port.unwrap_or(80)),
        other => return Err(format!("unknown protocol {other:?}; expected http, https, grpc, tls or tcp")),
    };
    if protocol == "tls" {
        r.host = spec.host.clone();
    }
    if let Some(p) = spec.port {
        r = r.port(p);
    }
    if let Some(m) = &spec.method {
        r = r.method(m);
    }
    if let Some(p) = &spec.path {
        r = r.path(p);
    }
    if let Some(s) = &spec.scheme {
        r = r.scheme(s);
    }
    if let Some(s) = &spec.sni {
        r = r.sni(s);
    }
    for (k, v) in &spec.headers {
        r = r.header(k, v);
    }
    if let Some(ns) = &spec.source.namespace {
        r = r.source_namespace(ns);
    }
    for (k, v) in &spec.source.labels {
        r = r.source_label(k, v);
    }
    if let Some(g) = &spec.source.gateway {
        r = r.gateway(g);
    }
    if let Some(x) = spec.random {
        r = r.random(x);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
resources:
  - apiVersion: v1
    kind: Service
    metadata: {name: reviews, namespace: default}
    spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: reviews, namespace: default}
    spec:
      hosts: [reviews]
      http: [{route: [{destination: {host: reviews, subset: v1}, weight: 75}, {destination: {host: reviews, subset: v2}, weight: 25}]}]
tests:
  - name: split
    request: {host: reviews, port: 9080}
    expect:
      virtualService: default/reviews
      rule: 0
      split: [{host: reviews, subset: v1, weight: 75}, {host: reviews, subset: v2, weight: 25}]
      warnings: [subset v1]
  - name: wrong on purpose
    request: {host: reviews, port: 9080, random: 80}
    expect: {destination: {host: reviews, subset: v1}, timeout: 1s}
"#;

    #[test]
    fn failures_show_expected_and_actual_side_by_side() {
        let report = run_str(FILE, ".").unwrap();
        assert_eq!((report.passed(), report.failed()), (1, 1));
        let text = report.to_string();
        assert!(text.contains("ok   split"));
        assert!(text.contains("FAIL wrong on purpose"));
        assert!(text.contains("destination  expected: reviews.default.svc.cluster.local v1"), "{text}");
        assert!(text.contains("actual:   reviews.default.svc.cluster.local v2 port 9080"), "{text}");
        assert!(text.contains("timeout      expected: 1s"), "{text}");
        assert!(text.ends_with("1 passed, 1 failed"));
    }

    #[test]
    fn coverage_counts_rules_and_weighted_destinations_reached() {
        let report = run_str(FILE, ".").unwrap();
        // One rule and its two destinations: the first test reached all three.
        assert_eq!(report.coverage.items.len(), 3);
        assert_eq!(report.coverage.percent(), 100.0);
        let head = &FILE[..FILE.find("tests:").unwrap()];
        let one = format!("{head}tests:\n  - name: draw\n    request: {{host: reviews, port: 9080, random: 1}}\n");
        let partial = run_str(&one, ".").unwrap();
        let unreached: Vec<_> = partial.coverage.unreached().collect();
        assert_eq!(unreached, ["default/reviews http[0] -> reviews.default.svc.cluster.local v2"]);
        assert!((partial.coverage.percent() - 66.67).abs() < 0.01);
        let none = run_str("tests: []", ".").unwrap();
        assert_eq!(none.coverage.percent(), 100.0);
    }

    #[test]
    fn duplicate_names_and_unknown_fields_are_file_errors() {
        let dup = "tests: [{name: a, request: {host: x}}, {name: a, request: {host: x}}]";
        assert!(matches!(run_str(dup, "."), Err(TestFileError::Invalid { .. })));
        let typo = "tests: [{name: a, request: {host: x}, expect: {outcom: route}}]";
        let err = run_str(typo, ".").unwrap_err().to_string();
        assert!(err.contains("outcom"), "{err}");
    }
}
