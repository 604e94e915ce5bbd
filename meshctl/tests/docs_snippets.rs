//! The guides in `docs/` stay true: every fenced block in them is checked here, by the
//! convention described in CONTRIBUTING.md ("Snippets in docs/").
//!
//! A ```` ```rust ```` block is a doc test of the crate whose `lib.rs` includes the guide under
//! `#[cfg(doctest)]`; this file only checks that such an include exists. Every other block
//! must follow a `<!-- check: KIND ... -->` line naming how it is checked:
//!
//! - `load [file=NAME] [errors=N]`: YAML that loads with `mesh_api` and that Istio's
//!   validation accepts (warnings allowed), or that has exactly N errors, to show them;
//! - `route-test [file=NAME] [failing=N]`: a route test file whose tests all pass (all but
//!   N, to show a failure);
//! - `operator [file=NAME]`: an IstioOperator overlay that merges over its profile;
//! - `mesh-config [file=NAME]`: an Istio MeshConfig (as `--meshConfigFile` reads);
//! - `command`: a `$ meshctl ...` transcript, run with the binary built by this package; the
//!   lines after a command are its standard output then its standard error (a line `...`
//!   stands for any number of lines), and `# exit N` after the command gives its exit status
//!   (0 otherwise);
//! - `excerpt PATH`: lines found, in order and together, in the file PATH of the repository;
//! - `cargo`: `cargo` commands whose packages and examples exist in the workspace.
//!
//! Each guide gets a scratch folder holding a copy of `examples/` (YAML and Markdown files)
//! and every block tagged `file=NAME`, written as it is met; commands and route tests run
//! there, so a guide can show a file and then the command that reads it.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use support::{Scratch, meshctl};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("meshctl sits in the workspace").to_owned()
}

/// One fenced block of a guide.
#[derive(Debug)]
struct Block {
    /// The guide's file name (`routing.md`).
    guide: String,
    /// Line of the opening fence (1-based).
    line: usize,
    /// The info string's first word (`yaml`, `console`, `rust`).
    lang: String,
    /// The words of the `<!-- check: ... -->` line before the block, if any.
    check: Option<Vec<String>>,
    /// The text between the fences, each line ending in `\n`.
    body: String,
}

impl Block {
    fn place(&self) -> String {
        format!("docs/{}:{}", self.guide, self.line)
    }

    /// The value of a `key=value` word of the check line.
    fn option(&self, key: &str) -> Option<&str> {
        let prefix = format!("{key}=");
        self.check.as_ref()?.iter().find_map(|w| w.strip_prefix(prefix.as_str()))
    }
}

/// The fenced blocks of a Markdown text, with the check line that precedes each.
fn blocks(guide: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut previous: Option<Vec<String>> = None;
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("<!-- check:") {
            let Some(words) = rest.trim().strip_suffix("-->") else {
                return Err(format!("docs/{guide}:{}: a check line ends with `-->`", index + 1));
            };
            previous = Some(words.split_whitespace().map(str::to_owned).collect());
            continue;
        }
        if !trimmed.starts_with("```") {
            previous = None;
            continue;
        }
        let fence: String = trimmed.chars().take_while(|c| *c == '`').collect();
        let lang =
            trimmed[fence.len()..].split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or("").to_owned();
        let indent = line.len() - trimmed.len();
        let mut body = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            if inner.trim() == fence {
                closed = true;
                break;
            }
            body.push_str(inner.get(indent..).unwrap_or(inner.trim_start()));
            body.push('\n');
        }
        if !closed {
            return Err(format!("docs/{guide}:{}: the block is never closed", index + 1));
        }
        out.push(Block { guide: guide.to_owned(), line: index + 1, lang, check: previous.take(), body });
    }
    Ok(out)
}

/// Copies the YAML and Markdown files under `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create scratch folder");
    for entry in std::fs::read_dir(from).expect("read examples") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "md") {
            std::fs::copy(&path, &target).expect("copy example file");
        }
    }
}

/// Splits a command line into words: whitespace separates, quotes group.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in `{line}`"));
    }
    if started {
        out.push(word);
    }
    Ok(out)
}

/// Whether `actual` lines match `expected` lines, where an expected `...` line stands for
/// any number of lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((first, rest)) => actual.first() == Some(first) && matches(rest, &actual[1..]),
    }
}

fn trim_trailing_blank(mut lines: Vec<&str>) -> Vec<&str> {
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// One command of a transcript: its words, the exit status it must end with, what it prints.
struct Transcript {
    args: Vec<String>,
    exit: i32,
    output: Vec<String>,
}

fn transcripts(body: &str) -> Result<Vec<Transcript>, String> {
    let mut out: Vec<Transcript> = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(command) = line.strip_prefix("$ ") else {
            match out.last_mut() {
                Some(t) => t.output.push(line.to_owned()),
                None => return Err(format!("output before any `$ meshctl` line: {line:?}")),
            }
            continue;
        };
        let mut command = command.to_owned();
        while command.ends_with('\\') {
            command.pop();
            command.push(' ');
            command.push_str(lines.next().ok_or("a `\\` continues past the block")?.trim());
        }
        let (command, comment) = command.split_once(" #").unwrap_or((&command, ""));
        let exit = match comment.trim().strip_prefix("exit ") {
            Some(rest) => {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().map_err(|_| format!("`# exit N` needs a number: {comment:?}"))?
            }
            None => 0,
        };
        let mut args = words(command)?;
        if args.first().map(String::as_str) != Some("meshctl") {
            return Err(format!("only meshctl commands can be checked: {command:?}"));
        }
        args.remove(0);
        out.push(Transcript { args, exit, output: Vec::new() });
    }
    if out.is_empty() {
        return Err("no `$ meshctl` command in the block".to_owned());
    }
    Ok(out)
}

fn check_command(block: &Block, dir: &Path) -> Result<(), String> {
    for t in transcripts(&block.body)? {
        let args: Vec<&str> = t.args.iter().map(String::as_str).collect();
        let run = meshctl(&args, dir);
        let printed = format!("{}{}", run.stdout, run.stderr);
        let actual = trim_trailing_blank(printed.lines().collect());
        let expected = trim_trailing_blank(t.output.iter().map(String::as_str).collect());
        if run.code != t.exit || !matches(&expected, &actual) {
            return Err(format!(
                "`meshctl {}` exited {} (expected {}) and printed:\n{printed}",
                args.join(" "),
                run.code,
                t.exit
            ));
        }
    }
    Ok(())
}

fn check_load(block: &Block) -> Result<(), String> {
    let loaded = mesh_api::load_str(&block.body);
    if loaded.documents.is_empty() && loaded.errors.is_empty() {
        return Err("holds no object".to_owned());
    }
    let mut problems: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    for object in loaded.objects() {
        for p in object.validate().into_iter().filter(|p| p.level == mesh_api::Level::Error) {
            problems.push(format!("{} {:?}: {p}", object.kind(), object.metadata().name));
        }
    }
    let expected: usize = block.option("errors").unwrap_or("0").parse().map_err(|_| "`errors=N` needs a number")?;
    if problems.len() != expected {
        return Err(format!("{} errors, expected {expected}: {}", problems.len(), problems.join("; ")));
    }
    Ok(())
}

fn check_route_test(block: &Block, dir: &Path) -> Result<(), String> {
    let report = mesh_routing::testing::run_str(&block.body, dir).map_err(|e| e.to_string())?;
    if report.results.is_empty() {
        return Err("holds no test".to_owned());
    }
    let failing: usize = block.option("failing").unwrap_or("0").parse().map_err(|_| "`failing=N` needs a number")?;
    if report.failed() != failing {
        return Err(format!("{} route tests fail, expected {failing}:\n{report}", report.failed()));
    }
    Ok(())
}

fn check_operator(block: &Block) -> Result<(), String> {
    let merged = mesh_render::Overlays::new()
        .yaml(&block.place(), &block.body)
        .and_then(|o| o.merge())
        .map_err(|e| e.to_string())?;
    let errors: Vec<String> =
        merged.validate().into_iter().filter(|p| p.level == mesh_api::Level::Error).map(|p| p.to_string()).collect();
    if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
}

fn check_excerpt(block: &Block) -> Result<(), String> {
    let path = block.check.as_ref().and_then(|c| c.get(1)).ok_or("`excerpt` needs a path")?;
    let text = std::fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}"))?;
    let file: Vec<&str> = text.lines().collect();
    let shown = trim_trailing_blank(block.body.lines().collect());
    if shown.is_empty() {
        return Err("the excerpt is empty".to_owned());
    }
    let found = file.windows(shown.len()).any(|w| w == shown.as_slice());
    if found { Ok(()) } else { Err(format!("these lines are not, together and in order, in {path}")) }
}

fn check_cargo(block: &Block) -> Result<(), String> {
    let manifest = |p: &str| std::fs::read_to_string(root().join(p)).map_err(|e| format!("{p}: {e}"));
    let examples = manifest("examples/Cargo.toml")?;
    let packages = ["mesh-api", "mesh-routing", "mesh-render", "meshctl", "mesh-examples"];
    for line in block.body.lines() {
        let line = line.split_once(" #").map_or(line, |(c, _)| c).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let w = words(line)?;
        if w.first().map(String::as_str) != Some("cargo") {
            return Err(format!("not a cargo command: {line:?}"));
        }
        let sub = w.get(1).map(String::as_str).unwrap_or_default();
        if !["add", "build", "run", "test", "doc", "clippy", "install"].contains(&sub) {
            return Err(format!("unexpected cargo subcommand in {line:?}"));
        }
        let mut it = w.iter().skip(2).peekable();
        while let Some(word) = it.next() {
            let value = it.peek().map_or("", |s| s.as_str());
            match word.as_str() {
                "--features" | "-F" => {
                    let declared = packages.iter().filter_map(|p| manifest(&format!("{p}/Cargo.toml")).ok());
                    let known = |f: &str| declared.clone().any(|m| m.contains(&format!("\n{f} = [")));
                    if let Some(missing) = value.split(',').find(|f| !known(f)) {
                        return Err(format!("no feature {missing:?}"));
                    }
                    it.next();
                }
                "--example" if !examples.contains(&format!("name = \"{value}\"")) => {
                    return Err(format!("no example {value:?}"));
                }
                "-p" | "--package" if !packages.contains(&value) => {
                    return Err(format!("no package {value:?}"));
                }
                w if (sub == "add" || sub == "install") && !w.starts_with('-') && !packages.contains(&w) => {
                    return Err(format!("no package {w:?}"));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Whether some crate's `lib.rs` includes the guide as doc tests.
fn doctested(guide: &str) -> bool {
    let include = format!("include_str!(\"../../docs/{guide}\")");
    ["mesh-api", "mesh-routing", "mesh-render"].iter().any(|krate| {
        let lib = std::fs::read_to_string(root().join(krate).join("src/lib.rs")).unwrap_or_default();
        lib.lines()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0].contains("#[cfg(") && w[0].contains("doctest") && w[1].contains(&include))
    })
}

fn check_guide(path: &Path) -> Vec<String> {
    let guide = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("read guide");
    let blocks = match blocks(&guide, &text) {
        Ok(b) => b,
        Err(e) => return vec![e],
    };
    let scratch = Scratch::new(&format!("docs-{}", guide.trim_end_matches(".md")), &[]);
    copy_tree(&root().join("examples"), &scratch.0.join("examples"));
    let mut failures = Vec::new();
    for block in &blocks {
        if block.lang == "rust" {
            if block.check.is_some() {
                failures.push(format!("{}: rust blocks are doc tests; drop the check line", block.place()));
            } else if !doctested(&guide) {
                failures.push(format!(
                    "{}: a rust block, but no lib.rs includes docs/{guide} under #[cfg(doctest)]",
                    block.place()
                ));
            }
            continue;
        }
        if let Some(name) = block.option("file") {
            std::fs::write(scratch.0.join(name), &block.body).expect("write scratch file");
        }
        let kind = block.check.as_ref().and_then(|c| c.first()).map(String::as_str);
        let result = match kind {
            Some("load") => check_load(block),
            Some("route-test") => check_route_test(block, &scratch.0),
            Some("operator") => check_operator(block),
            Some("mesh-config") => mesh_api::parse_yaml::<mesh_api::install::MeshConfig>(&block.body)
                .map(drop)
                .map_err(|e| format!("not a MeshConfig: {e}")),
            Some("command") => check_command(block, &scratch.0),
            Some("excerpt") => check_excerpt(block),
            Some("cargo") => check_cargo(block),
            Some(other) => Err(format!("unknown check {other:?}")),
            None => Err("no `<!-- check: ... -->` line before this block (see CONTRIBUTING.md)".to_owned()),
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e}", block.place()));
        }
    }
    failures
}

#[test]
fn every_block_of_every_guide_holds() {
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guides.sort();
    assert!(!guides.is_empty());
    let mut report = String::new();
    for guide in &guides {
        for failure in check_guide(guide) {
            writeln!(report, "{failure}").expect("write to string");
        }
    }
    assert!(report.is_empty(), "guide snippets that do not hold:\n{report}");
}

#[test]
fn blocks_are_read_with_their_check_line() {
    let text = "intro\n<!-- check: load file=a.yaml -->\n```yaml\nkind: X\n```\n\n```rust\nlet x = 1;\n```\n";
    let b = blocks("t.md", text).unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!((b[0].lang.as_str(), b[0].line, b[0].body.as_str()), ("yaml", 3, "kind: X\n"));
    assert_eq!(b[0].option("file"), Some("a.yaml"));
    assert_eq!(b[1].check, None);
}

#[test]
fn an_ellipsis_line_stands_for_any_lines() {
    assert!(matches(&["a", "...", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "...", "b"], &["a", "b"]));
    assert!(!matches(&["a", "...", "d"], &["a", "b", "c"]));
    assert!(!matches(&["a"], &["a", "b"]));
}

#[test]
fn transcripts_read_continuations_and_exit_codes() {
    let t = transcripts("$ meshctl test \\\n    'a b.yaml'   # exit 1: fails\nFAIL x\n$ meshctl version\n").unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].args, ["test", "a b.yaml"]);
    assert_eq!((t[0].exit, t[0].output.as_slice()), (1, ["FAIL x".to_owned()].as_slice()));
    assert_eq!((t[1].exit, t[1].output.len()), (0, 0));
    assert!(transcripts("$ kubectl apply -f x.yaml\n").is_err());
}

#[test]
fn an_excerpt_must_be_lines_of_the_file_together_and_in_order() {
    let block = |body: &str| Block {
        guide: "t.md".to_owned(),
        line: 1,
        lang: "toml".to_owned(),
        check: Some(vec!["excerpt".to_owned(), "examples/Cargo.toml".to_owned()]),
        body: body.to_owned(),
    };
    assert!(check_excerpt(&block("[[example]]\nname = \"online_boutique\"\n")).is_ok());
    assert!(check_excerpt(&block("name = \"online_boutique\"\n[[example]]\n")).is_err());
    assert!(check_cargo(&Block { check: None, lang: "sh".to_owned(), ..block("cargo run --example nope\n") }).is_err());
}
