//! Every YAML read and write in mesh goes through this module, so the YAML crate can be swapped
//! in one place. It splits streams into documents, deserializes with field paths, finds the
//! line of a field, and writes objects back.

use std::fmt::Write as _;

use saphyr_parser::{Event, Parser, Span};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{FieldPath, Segment};

/// Documents larger than this are refused before parsing, to bound time and memory.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// How deeply collections may nest; serde_yaml refuses deeper documents anyway, and libyaml's
/// scanner slows quadratically with flow nesting, so deeper text is refused before parsing.
const MAX_DEPTH: usize = 128;

/// The line and column where flow collections (`[`, `{`) first nest deeper than `limit`,
/// skipping quoted strings and comments.
fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            line += 1;
            column = 0;
            comment = false;
            previous = c;
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if comment => {}
            None => match c {
                '#' if previous.is_whitespace() => comment = true,
                '"' | '\'' if previous.is_whitespace() || "[{,:".contains(previous) => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > limit {
                        return Some((line, column));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    None
}

/// One document of a YAML stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunk<'a> {
    /// The document's text, including a leading `---` line when there is one.
    pub text: &'a str,
    /// Lines before the document in the stream (add to 1-based lines inside `text`).
    pub line_offset: usize,
    /// Index among the stream's non-empty documents.
    pub index: usize,
}

/// Splits a stream at `---` and `...` lines. Each document is then parsed on its own, so a
/// syntax error in one cannot stop the others from loading.
pub(crate) fn split_documents<'a>(text: &'a str) -> Vec<Chunk<'a>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 0;
    let mut offset = 0;
    let push = |from: usize, to: usize, first_line: usize, chunks: &mut Vec<Chunk<'a>>| {
        let piece = &text[from..to];
        if has_content(piece) {
            let index = chunks.len();
            chunks.push(Chunk { text: piece, line_offset: first_line, index });
        }
    };
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_marker(bare, "---") {
            push(start, offset, start_line, &mut chunks);
            start = offset;
            start_line = line_no;
        } else if is_marker(bare, "...") {
            push(start, offset, start_line, &mut chunks);
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    push(start, text.len(), start_line, &mut chunks);
    chunks
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Whether a piece holds anything but blank lines, comments, directives and document markers.
fn has_content(piece: &str) -> bool {
    piece.lines().any(|line| {
        let t = line.trim();
        let t = t.strip_prefix("---").map_or(t, str::trim_start);
        !(t.is_empty() || t.starts_with('#') || line.starts_with('%'))
    })
}

/// A deserialization failure: the field path serde reached and what went wrong there.
#[derive(Debug)]
pub(crate) struct DeError {
    pub path: FieldPath,
    pub message: String,
    /// 1-based line and column inside the chunk, when the parser knows them.
    pub position: Option<(usize, usize)>,
}

/// Parses one document into untyped data, YAML 1.2 core-schema typed (`null`, booleans,
/// numbers, strings), as Kubernetes and Istio convert YAML to JSON before decoding it.
pub(crate) fn parse(text: &str) -> Result<serde_json::Value, DeError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        let message = format!("document of {} bytes is over the limit of {MAX_DOCUMENT_BYTES} bytes", text.len());
        return Err(DeError { path: FieldPath::root(), message, position: Some((1, 1)) });
    }
    if let Some((line, column)) = too_deep(text, MAX_DEPTH) {
        let message = format!("nesting is deeper than {MAX_DEPTH} levels");
        return Err(DeError { path: FieldPath::root(), message, position: Some((line, column)) });
    }
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = convert_path(err.path());
        let inner = err.into_inner();
        let position = inner.location().map(|l| (l.line(), l.column()));
        let message = clean_message(&inner.to_string(), &path.to_string());
        DeError { path, message, position }
    })
}

/// Decodes untyped data into `T`, tracking the field path of any failure. Going through the
/// untyped form is what makes `url: null` a null rather than the string "null".
pub(crate) fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, DeError> {
    // The plain decode is faster and needs less stack; the path is only tracked to explain a
    // failure, on a second pass.
    if let Ok(typed) = T::deserialize(value) {
        return Ok(typed);
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = convert_path(err.path());
        let message = clean_message(&err.into_inner().to_string(), &path.to_string());
        DeError { path, message, position: None }
    })
}

fn convert_path(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment as S;
    let mut out = FieldPath::root();
    for segment in path.iter() {
        match segment {
            S::Seq { index } => out.push(Segment::Index(*index)),
            S::Map { key } | S::Enum { variant: key } => out.push(Segment::Key(key.clone())),
            S::Unknown => {}
        }
    }
    out
}

/// serde_yaml prefixes messages with the field path and appends " at line L column C"; both
/// are reported apart, so they are cut from the message.
fn clean_message(message: &str, path: &str) -> String {
    let mut text = message;
    if let Some((head, rest)) = text.split_once(": ") {
        // serde_yaml's own path may stop short of ours (at the map holding an unknown key).
        if !head.contains(char::is_whitespace) && (path.starts_with(head) || head == ".") {
            text = rest;
        }
    }
    let text = strip_positions(text).replace("JSON number out of range", "number out of range");
    suggest_field(&text).unwrap_or(text)
}

/// Removes every " at line L column C" that serde_yaml writes into a message.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &after[digits..];
        match tail.strip_prefix(" column ") {
            Some(col) if digits > 0 => {
                let n = col.bytes().take_while(u8::is_ascii_digit).count();
                rest = &col[n..];
            }
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" to name the nearest field.
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let field_lower = field.to_lowercase();
    let bound = |k: &str| (k.len().max(field.len()) / 2).max(2);
    // The distance is at least the difference in length, so names too far apart in length
    // are skipped before the quadratic comparison (a key a megabyte long costs nothing).
    let nearest = known
        .iter()
        .map(|k| (k.to_lowercase(), *k))
        .filter(|(lower, k)| field_lower.chars().count().abs_diff(lower.chars().count()) <= bound(k))
        .map(|(lower, k)| (strsim::damerau_levenshtein(&field_lower, &lower), k))
        .min()
        .filter(|(distance, k)| *distance <= bound(k));
    let mut out = format!("unknown field \"{field}\"");
    match nearest {
        Some((_, k)) => {
            let _ = write!(out, "; did you mean \"{k}\"?");
        }
        None if !known.is_empty() => {
            let _ = write!(out, "; known fields: {}", known.join(", "));
        }
        None => {}
    }
    Some(out)
}

/// Finds the 1-based line and column of the field at `path` in one document: the key for a
/// map entry, the first token for a list item. `None` when the path is not in the text.
pub(crate) fn locate(text: &str, path: &FieldPath) -> Option<(usize, usize)> {
    let mut events = Parser::new_from_str(text).map_while(Result::ok).peekable();
    // Skip the stream and document starts to reach the root node.
    while let Some((event, _)) = events.peek() {
        match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => {
                events.next();
            }
            _ => break,
        }
    }
    let span = find(&mut events, path.segments())?;
    Some((span.start.line(), span.start.col() + 1))
}

type Events<'a, I> = std::iter::Peekable<I>;

fn find<'a, I>(events: &mut Events<'a, I>, path: &[Segment]) -> Option<Span>
where
    I: Iterator<Item = (Event<'a>, Span)>,
{
    let Some((first, rest)) = path.split_first() else {
        return events.peek().map(|(_, span)| *span);
    };
    let (event, _) = events.next()?;
    match (event, first) {
        (Event::MappingStart(..), Segment::Key(want)) => loop {
            let (key, span) = events.next()?;
            match key {
                Event::MappingEnd => return None,
                Event::Scalar(value, ..) if value == want.as_str() => {
                    return if rest.is_empty() { Some(span) } else { find(events, rest) };
                }
                Event::Scalar(..) | Event::Alias(_) => {}
                Event::MappingStart(..) | Event::SequenceStart(..) => skip_rest(events)?,
                _ => return None,
            }
            skip_node(events)?;
        },
        (Event::SequenceStart(..), Segment::Index(want)) => {
            for _ in 0..*want {
                if matches!(events.peek(), Some((Event::SequenceEnd, _)) | None) {
                    return None;
                }
                skip_node(events)?;
            }
            if matches!(events.peek(), Some((Event::SequenceEnd, _))) {
                return None;
            }
            find(events, rest)
        }
        _ => None,
    }
}

fn skip_node<'a, I>(events: &mut Events<'a, I>) -> Option<()>
where
    I: Iterator<Item = (Event<'a>, Span)>,
{
    match events.next()?.0 {
        Event::MappingStart(..) | Event::SequenceStart(..) => skip_rest(events),
        _ => Some(()),
    }
}

/// Skips to the end of a collection whose start was already read.
fn skip_rest<'a, I>(events: &mut Events<'a, I>) -> Option<()>
where
    I: Iterator<Item = (Event<'a>, Span)>,
{
    let mut depth = 1usize;
    while depth > 0 {
        match events.next()?.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

/// Kind, namespace and name read from a document's top-level lines without parsing it, to
/// name the object in an error about a document that could not be parsed.
pub(crate) fn sketch_object_ref(text: &str) -> crate::ObjectRef {
    let mut object = crate::ObjectRef::default();
    let mut in_metadata = false;
    for line in text.lines() {
        let unquote = |v: &str| v.trim().trim_matches(['"', '\'']).to_owned();
        if let Some(kind) = line.strip_prefix("kind:") {
            object.kind = unquote(kind);
        } else if line.starts_with("metadata:") {
            in_metadata = true;
        } else if in_metadata && line.starts_with("  ") && !line.starts_with("   ") {
            if let Some(name) = line.trim_start().strip_prefix("name:") {
                object.name = Some(unquote(name));
            } else if let Some(ns) = line.trim_start().strip_prefix("namespace:") {
                object.namespace = Some(unquote(ns));
            }
        } else if !line.starts_with(' ') && !line.trim().is_empty() {
            in_metadata = false;
        }
    }
    object
}

/// Writes a value as one YAML document (no leading `---`).
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map(|text| quote_yaml11_booleans(&text)).map_err(|e| e.to_string())
}

/// Words that YAML 1.2 reads as strings but YAML 1.1 (Go's yaml.v2, behind kubectl and
/// Kubernetes' own readers) reads as booleans. serde_yaml writes them bare; they are quoted so
/// that `exact: "yes"` stays a string for every reader.
const YAML11_BOOLEANS: &[&str] =
    &["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"];

/// Quotes plain keys and values that YAML 1.1 would read as booleans, leaving block scalars'
/// contents alone.
fn quote_yaml11_booleans(text: &str) -> String {
    let quote = |word: &str| if YAML11_BOOLEANS.contains(&word) { format!("'{word}'") } else { word.to_owned() };
    let mut out = String::with_capacity(text.len());
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        // Only ASCII spaces indent and separate: other Unicode white space is part of a value.
        let indent = content.len() - content.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if content.trim().is_empty() || indent > parent {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        // `- - key: value`: sequence dashes, then an optional key, then the value.
        let mut rest = &content[indent..];
        let mut prefix = String::from(&content[..indent]);
        while let Some(after) = rest.strip_prefix("- ") {
            prefix.push_str("- ");
            rest = after;
        }
        let key_end = if rest.starts_with(['\'', '"']) {
            rest[1..].find(rest.as_bytes()[0] as char).map(|i| i + 2).filter(|&i| rest[i..].starts_with(':'))
        } else {
            rest.find(": ").or_else(|| rest.strip_suffix(':').map(str::len))
        };
        let key_indent = prefix.len();
        let (key, value) = match key_end {
            Some(end) => (Some(&rest[..end]), rest[end + 1..].trim_start_matches(' ')),
            None => (None, rest),
        };
        out.push_str(&prefix);
        if let Some(key) = key {
            out.push_str(&quote(key));
            out.push(':');
            if !value.is_empty() {
                out.push(' ');
            }
        }
        out.push_str(&quote(value));
        if value.starts_with(['|', '>']) {
            block = Some(key_indent);
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_unicode_white_space_are_written_whole() {
        // Found by the round-trip property: U+2000 was trimmed away, leaving `a:` (null).
        for value in ["\u{2000}", "\u{3000}x", "\u{a0}", "\u{85}"] {
            let map: std::collections::BTreeMap<&str, &str> = [("a", value)].into();
            let text = to_string(&map).expect("writes");
            let back: serde_json::Value = parse(&text).map_err(|e| e.message).expect("reads");
            assert_eq!(back["a"], value, "{text:?}");
        }
    }

    #[test]
    fn unknown_fields_far_longer_than_any_known_one_get_the_list_not_a_guess() {
        let long = "x".repeat(1_000_000);
        let message = format!("unknown field `{long}`, expected one of `hosts`, `http`");
        assert_eq!(suggest_field(&message), Some(format!("unknown field \"{long}\"; known fields: hosts, http")));
        let message = "unknown field `htp`, expected one of `hosts`, `http`";
        assert_eq!(suggest_field(message).as_deref(), Some("unknown field \"htp\"; did you mean \"http\"?"));
    }

    #[test]
    fn parse_refuses_a_document_over_the_size_limit_before_reading_it() {
        let text = format!("a: 1\n#{}\n", "x".repeat(MAX_DOCUMENT_BYTES));
        let err = parse(&text).expect_err("over the limit");
        assert!(err.message.contains("over the limit"), "{}", err.message);
        assert!(err.path.is_root());
    }

    #[test]
    fn splits_at_document_markers_and_skips_empty_documents() {
        let text = "# head\n---\na: 1\n---\n---\nb: 2\n...\n--- c: 3\n";
        let chunks = split_documents(text);
        let bodies: Vec<_> = chunks.iter().map(|c| c.text.trim()).collect();
        assert_eq!(bodies, ["---\na: 1", "---\nb: 2", "--- c: 3"]);
        assert_eq!(chunks.iter().map(|c| c.line_offset).collect::<Vec<_>>(), [1, 4, 7]);
        assert_eq!(chunks[2].index, 2);
    }

    #[test]
    fn a_dash_line_inside_text_is_not_a_marker() {
        let chunks = split_documents("a: |\n  ---\n  x\nb: ----\n");
        assert_eq!(chunks.len(), 1);
    }

    #[test]
    fn yaml11_booleans_are_quoted_outside_block_scalars() {
        let value = serde_json::json!({
            "exact": "yes", "on": ["no", "y", "keep"], "text": "line\nyes\n", "list": [{"a": "off"}], "b": true
        });
        let text = to_string(&value).unwrap();
        assert_eq!(
            text,
            "exact: 'yes'\n'on':\n- 'no'\n- 'y'\n- keep\ntext: |\n  line\n  yes\nlist:\n- a: 'off'\nb: true\n"
        );
        let back: serde_json::Value = parse(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let text = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(too_deep(&text, 128), Some((1, 132)));
        assert_eq!(too_deep("a: '[[[[[' # [[[[\nb: [[1]]", 2), None);
        assert!(parse(&text).unwrap_err().message.contains("deeper than 128"));
    }

    #[test]
    fn locates_keys_and_items() {
        let text = "spec:\n  http:\n  - route:\n    - destination: {host: x}\n      weight: -5\n    - destination:\n        host: y\n";
        let at = |p: &str| locate(text, &FieldPath::parse(p));
        assert_eq!(at("spec.http[0].route[0].weight"), Some((5, 7)));
        assert_eq!(at("spec.http[0].route[1].destination.host"), Some((7, 9)));
        assert_eq!(at("spec.http[0].route[1]"), Some((6, 7)));
        assert_eq!(at("spec.http[0].route[0].destination.host"), Some((4, 21)));
        assert_eq!(at("spec.tcp"), None);
        assert_eq!(at("spec.http[3]"), None);
    }

    #[test]
    fn unknown_fields_name_the_nearest_known_one() {
        let msg = clean_message(
            "spec.http[0].route[0]: unknown field `wieght`, expected one of `destination`, `weight`, `headers` at line 3 column 5",
            "spec.http[0].route[0]",
        );
        assert_eq!(msg, "unknown field \"wieght\"; did you mean \"weight\"?");
        let msg = clean_message("unknown field `zzzzzzzz`, expected `a` or `b`", "");
        assert_eq!(msg, "unknown field \"zzzzzzzz\"; known fields: a, b");
        let msg = clean_message("spec.x: unknown field `hostz`, expected `hosts` at line 4 column 5", "spec.x.hostz");
        assert_eq!(msg, "unknown field \"hostz\"; did you mean \"hosts\"?");
        assert_eq!(
            strip_positions(
                "did not find expected ',' at line 3 column 1, while parsing a flow sequence at line 1 column 4"
            ),
            "did not find expected ',', while parsing a flow sequence"
        );
    }
}
