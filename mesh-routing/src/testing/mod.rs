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

use serde::Serialize;
use serde::ser::SerializeStruct;
use std::path::{Path, PathBuf};

use crate::error::TestFileError;
use crate::mesh::Mesh;
use crate::request::Request;
use crate::settings::MeshSettings;
use file::{RequestSpec, TestFile};

/// One field whose actual value differs from the expected one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

impl TestResult {
    /// Writes the test's line, its name prefixed with `label` when one is given.
    fn write_line(&self, f: &mut impl fmt::Write, label: Option<&str>) -> fmt::Result {
        f.write_str(if self.passed() { "ok   " } else { "FAIL " })?;
        if let Some(label) = label {
            write!(f, "{label}: ")?;
        }
        f.write_str(&self.name)?;
        for (i, m) in self.mismatches.iter().enumerate() {
            let sep = if i == 0 { ":" } else { ";" };
            write!(f, "{sep} {}: expected {}, actual {}", m.field, m.expected, m.actual)?;
        }
        Ok(())
    }
}

impl fmt::Display for TestResult {
    /// One line: `ok   name`, or `FAIL name: field: expected X, actual Y; ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_line(f, None)
    }
}

impl Serialize for TestResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("TestResult", 3)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("passed", &self.passed())?;
        s.serialize_field("mismatches", &self.mismatches)?;
        s.end()
    }
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Report", 5)?;
        s.serialize_field("file", &self.file)?;
        s.serialize_field("passed", &self.passed())?;
        s.serialize_field("failed", &self.failed())?;
        s.serialize_field("results", &self.results)?;
        s.serialize_field("coverage", &self.coverage)?;
        s.end()
    }
}

/// One line per test, then `N passed, M failed` alone on the last line.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            writeln!(f, "{r}")?;
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// The results of several files run together ([`run_files`]): what `meshctl test` prints.
#[derive(Debug, Default)]
pub struct Suite {
    /// One report per file that ran, in the order given.
    pub reports: Vec<Report>,
    /// Files that could not be run (unreadable, malformed, config that does not load).
    pub errors: Vec<TestFileError>,
}

impl Suite {
    /// How many tests passed, over every file.
    pub fn passed(&self) -> usize {
        self.reports.iter().map(Report::passed).sum()
    }

    /// How many tests failed, over every file.
    pub fn failed(&self) -> usize {
        self.reports.iter().map(Report::failed).sum()
    }

    fn several(&self) -> bool {
        self.reports.len() > 1
    }

    fn label(report: &Report) -> String {
        report.file.as_ref().map_or_else(|| "<string>".to_owned(), |p| p.display().to_string())
    }

    /// Coverage over every file; targets are prefixed with their file when there are several.
    pub fn coverage(&self) -> Coverage {
        let several = self.several();
        let items = self
            .reports
            .iter()
            .flat_map(|r| {
                let label = Self::label(r);
                r.coverage.items.iter().map(move |i| CoverageItem {
                    target: if several { format!("{label}: {}", i.target) } else { i.target.clone() },
                    reached: i.reached,
                })
            })
            .collect();
        Coverage { items }
    }

    /// The text report: one line per test (prefixed with its file when there are several),
    /// then, with `coverage`, the rules and weighted destinations no test reached and the
    /// percentage reached, then `N passed, M failed` alone on the last line.
    pub fn text(&self, coverage: bool) -> String {
        let mut out = String::new();
        let several = self.several();
        for report in &self.reports {
            let label = Self::label(report);
            for r in &report.results {
                // Writing to a String cannot fail.
                let _ = r.write_line(&mut out, several.then_some(label.as_str()));
                out.push('\n');
            }
        }
        if coverage {
            out.push_str(&format!("{}\n", self.coverage()));
        }
        out.push_str(&format!("{} passed, {} failed", self.passed(), self.failed()));
        out
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(false))
    }
}

impl Serialize for Suite {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let errors: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        let mut s = serializer.serialize_struct("Suite", 5)?;
        s.serialize_field("passed", &self.passed())?;
        s.serialize_field("failed", &self.failed())?;
        s.serialize_field("errors", &errors)?;
        s.serialize_field("coverage", &self.coverage())?;
        s.serialize_field("files", &self.reports)?;
        s.end()
    }
}

/// Runs several route test files; a file that cannot run is kept in [`Suite::errors`] and
/// the others still run.
pub fn run_files<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Suite {
    let mut suite = Suite::default();
    for path in paths {
        match run_file(path) {
            Ok(report) => suite.reports.push(report),
            Err(e) => suite.errors.push(e),
        }
    }
    suite
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

/// Runs a route test file whose `config` paths are relative to `base` instead of the file's
/// folder: for tests kept apart from the config they check (a conformance suite pointing
/// into a checkout found at run time).
///
/// # Errors
///
/// [`TestFileError`] when the file or its config cannot be read or is malformed.
pub fn run_file_in(path: impl AsRef<Path>, base: impl AsRef<Path>) -> Result<Report, TestFileError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| TestFileError::Read { path: path.to_owned(), source })?;
    let mut report = run(&text, base.as_ref(), &path.display().to_string())?;
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
            Err(e) => loaded.errors.push(resource_error(text, label, index, &e)),
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

/// A `resources[index]` that did not load, placed at the line of the field at fault in the
/// test file (the item's own line when the field is not written).
fn resource_error(text: &str, label: &str, index: usize, error: &mesh_api::Error) -> mesh_api::Error {
    let item = mesh_api::FieldPath::root().key("resources").index(index);
    let (message, field) = match error {
        mesh_api::Error::Invalid { object, field, message, .. } => {
            (format!("resources[{index}]: {object}: {field}: {message}"), Some(item.clone().join(field)))
        }
        other => {
            let text = other.to_string();
            let detail = other.location().map_or(text.as_str(), |at| {
                text.strip_prefix(&at.to_string()).map_or(text.as_str(), |t| t.trim_start_matches(": "))
            });
            (format!("resources[{index}]: {detail}"), None)
        }
    };
    let (line, column) = field
        .and_then(|f| mesh_api::locate_in(text, &f))
        .or_else(|| mesh_api::locate_in(text, &item))
        .unwrap_or((0, 0));
    let file = (label != "<string>").then(|| std::path::PathBuf::from(label));
    mesh_api::Error::Syntax { at: mesh_api::Location { file, document: 0, line, column }, message }
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

    #[test]
    fn suites_prefix_tests_with_their_file_and_serialize_counts() {
        let dir = std::env::temp_dir().join(format!("mesh-suite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.yaml");
        let b = dir.join("b.yaml");
        std::fs::write(&a, FILE).unwrap();
        std::fs::write(&b, "tests: [{name: none, request: {host: x}}]").unwrap();
        let suite = run_files([&a, &b, &dir.join("missing.yaml")]);
        assert_eq!((suite.passed(), suite.failed(), suite.errors.len()), (2, 1, 1));
        let text = suite.text(true);
        assert!(text.contains(&format!("ok   {}: split", a.display())), "{text}");
        assert!(text.contains("coverage: "), "{text}");
        assert!(text.ends_with("2 passed, 1 failed"), "{text}");
        let json = serde_json::to_value(&suite).unwrap();
        assert_eq!(json["failed"], 1);
        assert_eq!(json["files"][0]["results"][1]["passed"], false);
        assert_eq!(json["files"][0]["results"][1]["mismatches"][0]["field"], "destination");
        assert!(json["errors"][0].as_str().unwrap().contains("missing.yaml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "ok   split");
        assert!(lines[1].starts_with("FAIL wrong on purpose: destination: "), "{text}");
        assert!(
            lines[1].contains(
                "expected reviews.default.svc.cluster.local v1, actual reviews.default.svc.cluster.local v2 port 9080"
            ),
            "{text}"
        );
        assert!(lines[1].contains("; timeout: expected 1s, actual none"), "{text}");
        assert_eq!(lines[2], "1 passed, 1 failed");
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
    fn a_resource_that_does_not_load_is_named_with_its_line_and_field() {
        let text = "resources:\n  - apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata: {name: a}\n    spec:\n      hosts: 3\ntests: []\n";
        let err = run_str(text, ".").unwrap_err().to_string();
        assert!(err.contains("<input>:6:7: resources[0]: VirtualService a: spec.hosts: invalid type"), "{err}");
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
