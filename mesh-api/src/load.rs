//! Loading YAML streams, files and folders into typed objects, and writing them back.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::DynamicObject;

use crate::FieldPath;
use crate::error::{Error, Location, ObjectRef, Result};
use crate::object::{Kind, Object, decode};
use crate::validation::Problem;
use crate::yaml::{self, Chunk, DeError};

/// Where a document came from: its file, its index in the stream, its first line, and its
/// text (kept so that any field can later be traced to its line).
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The file, or `None` for text given directly.
    pub file: Option<Arc<Path>>,
    /// Index of the document among the stream's non-empty documents, from 0.
    pub document: usize,
    /// Lines before the document in its stream.
    line_offset: usize,
    /// The document's own text.
    text: Arc<str>,
}

impl Source {
    /// The line (1-based) and column of the field at `path`, or of the document's start when
    /// the field is not written in the text (a default, say).
    pub fn locate(&self, path: &FieldPath) -> Location {
        let (line, column) = yaml::locate(&self.text, path).unwrap_or_else(|| (self.first_line(), 1));
        self.location(line + self.line_offset, column)
    }

    fn first_line(&self) -> usize {
        self.text
            .lines()
            .position(|l| {
                let t = l.trim();
                !(t.is_empty() || t.starts_with('#') || t == "---")
            })
            .map_or(1, |i| i + 1)
    }

    fn location(&self, line: usize, column: usize) -> Location {
        Location { file: self.file.as_deref().map(Path::to_path_buf), document: self.document, line, column }
    }

    /// The document's text as it was read.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// One object read from YAML, with the `apiVersion` it was written as and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The typed object.
    pub object: Object,
    /// The `apiVersion` of the document (`networking.istio.io/v1beta1`, say): kept so the
    /// object writes back as it was read.
    pub api_version: String,
    /// Where the document was read from; `None` for objects built in code.
    pub source: Option<Source>,
}

impl Document {
    /// A document for an object built in code, with its kind's default `apiVersion`.
    pub fn new(object: impl Into<Object>) -> Self {
        let object = object.into();
        Self { api_version: object.default_api_version(), object, source: None }
    }

    /// The object written as one YAML document, with the `apiVersion` it was read as.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] if the object cannot be represented (a bug; please report it).
    pub fn to_yaml(&self) -> Result<String> {
        let fail = |message: String| Error::Serialize { object: self.object.object_ref(), message };
        let value = self.to_json().map_err(|e| fail(e.to_string()))?;
        yaml::to_string(&value).map_err(fail)
    }

    /// The object as a JSON value, with `apiVersion` and `kind` first.
    ///
    /// # Errors
    ///
    /// A serializer error if the object cannot be represented (a bug; please report it).
    pub fn to_json(&self) -> std::result::Result<serde_json::Value, serde_json::Error> {
        let value = self.object.to_json()?;
        let mut out = serde_json::Map::new();
        out.insert("apiVersion".into(), self.api_version.clone().into());
        out.insert("kind".into(), self.object.kind().into());
        if let serde_json::Value::Object(fields) = value {
            for (key, field) in fields {
                if key != "apiVersion" && key != "kind" {
                    out.insert(key, field);
                }
            }
        }
        Ok(serde_json::Value::Object(out))
    }

    /// Every problem Istio's admission rules find in the object.
    pub fn validate(&self) -> Vec<Problem> {
        self.object.validate()
    }

    /// Where the field at `path` is written, when the document came from text.
    pub fn locate(&self, path: &FieldPath) -> Option<Location> {
        self.source.as_ref().map(|s| s.locate(path))
    }
}

/// What loading produced: every document that loaded, and an error for each that did not.
/// One bad document never loses the others.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents that loaded, in stream order (files in path order).
    pub documents: Vec<Document>,
    /// One error per document (or file) that did not load.
    pub errors: Vec<Error>,
}

impl Loaded {
    /// The loaded objects.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.documents.iter().map(|d| &d.object)
    }

    /// The documents when nothing failed, else the errors.
    ///
    /// # Errors
    ///
    /// Every load error, when there is at least one.
    pub fn into_result(self) -> std::result::Result<Vec<Document>, Vec<Error>> {
        if self.errors.is_empty() { Ok(self.documents) } else { Err(self.errors) }
    }

    fn extend(&mut self, other: Loaded) {
        self.documents.extend(other.documents);
        self.errors.extend(other.errors);
    }
}

/// Loads every document of a YAML stream.
///
/// # Examples
///
/// ```
/// let loaded = mesh_api::load_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: DestinationRule
/// metadata: {name: reviews}
/// spec:
///   host: reviews
///   subsets: [{name: v1, labels: {version: v1}}]
/// ---
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: reviews}
/// spec: {hosts: [reviews], htp: []}
/// "#);
/// assert_eq!(loaded.documents.len(), 1);
/// assert_eq!(loaded.errors[0].to_string(),
///     "<input>:12:26: VirtualService reviews: spec.htp: unknown field \"htp\"; did you mean \"http\"?");
/// ```
pub fn load_str(text: &str) -> Loaded {
    load_text(text, None)
}

/// Loads every document of one YAML file.
pub fn load_file(path: impl AsRef<Path>) -> Loaded {
    let path = path.as_ref();
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => load_text(&text, Some(Arc::from(path))),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let at = Location { file: Some(path.to_path_buf()), document: 0, line, column: 0 };
                Loaded {
                    errors: vec![Error::Syntax { at, message: "the file is not UTF-8 text".into() }],
                    ..Loaded::default()
                }
            }
        },
        Err(source) => Loaded { errors: vec![Error::Read { path: path.to_path_buf(), source }], ..Loaded::default() },
    }
}

/// Loads a file, or every `*.yaml` and `*.yml` file under a folder (recursively, in path order).
///
/// # Examples
///
/// ```no_run
/// let loaded = mesh_api::load_path("config/");
/// for error in &loaded.errors {
///     eprintln!("{error}");
/// }
/// ```
pub fn load_path(path: impl AsRef<Path>) -> Loaded {
    let path = path.as_ref();
    if !path.is_dir() {
        return load_file(path);
    }
    let mut files = Vec::new();
    let mut loaded = Loaded::default();
    if let Err(source) = collect_yaml_files(path, &mut files, &mut HashSet::new()) {
        loaded.errors.push(Error::Read { path: path.to_path_buf(), source });
    }
    files.sort();
    for file in files {
        loaded.extend(load_file(&file));
    }
    loaded
}

/// Loads several files or folders, in the order given.
pub fn load_paths<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Loaded {
    let mut loaded = Loaded::default();
    for path in paths {
        loaded.extend(load_path(path));
    }
    loaded
}

/// Walks `dir` for YAML files; `seen` holds the folders already walked (as canonical paths),
/// so symbolic links that lead back up are followed once instead of without end.
fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) -> std::io::Result<()> {
    if !seen.insert(fs::canonicalize(dir)?) {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml_files(&path, out, seen)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads exactly one object of kind `K` from YAML text.
///
/// # Examples
///
/// ```
/// use mesh_api::networking::Gateway;
///
/// let gw: Gateway = mesh_api::from_yaml_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: Gateway
/// metadata: {name: frontend-gateway}
/// spec:
///   selector: {istio: ingressgateway}
///   servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
/// "#)?;
/// assert_eq!(gw.spec.servers[0].hosts, ["*"]);
/// # Ok::<(), mesh_api::Error>(())
/// ```
///
/// # Errors
///
/// The first load error; [`Error::WrongKind`] when the document is of another kind and
/// [`Error::Empty`] when there is no document.
pub fn from_yaml_str<K: Kind>(text: &str) -> Result<K> {
    let mut loaded = load_str(text);
    if !loaded.errors.is_empty() {
        return Err(loaded.errors.remove(0));
    }
    let Some(document) = loaded.documents.into_iter().next() else {
        return Err(Error::Empty { at: Location::default() });
    };
    let at = document.source.as_ref().map(|s| s.locate(&FieldPath::root())).unwrap_or_default();
    let found = document.object.kind().to_owned();
    document.object.downcast::<K>().ok_or(Error::WrongKind { at, expected: K::KIND.to_owned(), found })
}

/// Writes documents as one YAML stream separated by `---`.
///
/// # Errors
///
/// [`Error::Serialize`] if an object cannot be represented (a bug; please report it).
pub fn to_yaml_string<'a>(documents: impl IntoIterator<Item = &'a Document>) -> Result<String> {
    let mut out = String::new();
    for document in documents {
        out.push_str("---\n");
        out.push_str(&document.to_yaml()?);
    }
    Ok(out)
}

/// A top-level string field of a document, as text.
fn text_field(value: &serde_json::Value, path: &[&str]) -> Option<String> {
    let field = path.iter().try_fold(value, |v, key| v.get(key))?;
    match field {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn load_text(text: &str, file: Option<Arc<Path>>) -> Loaded {
    let mut loaded = Loaded::default();
    for chunk in yaml::split_documents(text) {
        let source = Source {
            file: file.clone(),
            document: chunk.index,
            line_offset: chunk.line_offset,
            text: Arc::from(chunk.text),
        };
        if chunk.text.len() > yaml::MAX_DOCUMENT_BYTES {
            let at = source.location(chunk.line_offset + 1, 1);
            let message = format!(
                "document of {} bytes is over the limit of {} bytes",
                chunk.text.len(),
                yaml::MAX_DOCUMENT_BYTES
            );
            loaded.errors.push(Error::Syntax { at, message });
            continue;
        }
        match load_chunk(&chunk, &source) {
            Ok(document) => loaded.documents.push(document),
            Err(error) => loaded.errors.push(error),
        }
    }
    loaded
}

fn load_chunk(chunk: &Chunk<'_>, source: &Source) -> Result<Document> {
    let value = yaml::parse(chunk.text).map_err(|e| {
        let (line, column) = e.position.unwrap_or((source.first_line(), 1));
        let at = source.location(line + chunk.line_offset, column);
        if e.path.is_root() {
            Error::Syntax { at, message: e.message }
        } else {
            // The text is YAML but a value cannot be represented (a number too large, say).
            let object = yaml::sketch_object_ref(chunk.text);
            Error::Invalid { at, object: Box::new(object), field: e.path, message: e.message }
        }
    })?;
    decode_document(&value, Some(source))
}

/// Types one document of untyped data; `source` places errors in the text it came from.
fn decode_document(value: &serde_json::Value, source: Option<&Source>) -> Result<Document> {
    let object = ObjectRef {
        kind: text_field(value, &["kind"]).unwrap_or_default(),
        name: text_field(value, &["metadata", "name"]),
        namespace: text_field(value, &["metadata", "namespace"]),
    };
    let invalid = |e: DeError| invalid(source, &object, e);
    if !value.is_object() {
        let at = source.map(|s| s.location(s.first_line() + s.line_offset, 1)).unwrap_or_default();
        return Err(Error::Syntax { at, message: "a document must be a mapping with apiVersion and kind".into() });
    }
    let Some(api_version) = text_field(value, &["apiVersion"]) else {
        return Err(invalid(DeError {
            path: "apiVersion".into(),
            message: "missing apiVersion".into(),
            position: None,
        }));
    };
    if object.kind.is_empty() {
        return Err(invalid(DeError { path: "kind".into(), message: "missing kind".into(), position: None }));
    }
    // Kubernetes reads both as strings; any other value would load as an object of no kind.
    for field in ["apiVersion", "kind"] {
        if let Some(other) = value.get(field).filter(|v| !v.is_string()) {
            let message = format!("invalid type: {other}, expected a string");
            return Err(invalid(DeError { path: field.into(), message, position: None }));
        }
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version.as_str()));
    let typed = match decode(group, version, &object.kind, value).map_err(invalid)? {
        Some(typed) => typed,
        None => Object::Other(Box::new(yaml::from_value::<DynamicObject>(value).map_err(invalid)?)),
    };
    Ok(Document { object: typed, api_version, source: source.cloned() })
}

/// Types one document given as untyped data (JSON, or YAML already read), whatever its kind:
/// the untyped counterpart of [`load_str`] for a single object.
///
/// # Errors
///
/// [`Error::Invalid`] naming the field, or [`Error::Syntax`] when the value is not a mapping.
pub fn load_value(value: &serde_json::Value) -> Result<Document> {
    decode_document(value, None)
}

/// Reads one YAML document into any deserializable type (a settings file of your own, a test
/// file), with the same YAML typing, field paths and line numbers as Istio objects get.
///
/// # Examples
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Settings { replicas: u32 }
///
/// let err = mesh_api::parse_yaml::<Settings>("replicas: many\n").err().unwrap();
/// assert_eq!(err.to_string(), "<input>:1:1: document: replicas: invalid type: string \"many\", expected u32");
/// # Ok::<(), mesh_api::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Syntax`] when the text is not YAML, [`Error::Invalid`] when it does not fit `T`.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    let chunks = yaml::split_documents(text);
    let Some(chunk) = chunks.first() else {
        return yaml::from_value(&serde_json::Value::Null).map_err(|e| Error::Invalid {
            at: Location::default(),
            object: Box::default(),
            field: e.path,
            message: e.message,
        });
    };
    let source = Source { file: None, document: 0, line_offset: chunk.line_offset, text: Arc::from(chunk.text) };
    let value = yaml::parse(chunk.text).map_err(|e| {
        let (line, column) = e.position.unwrap_or((1, 1));
        Error::Syntax { at: source.location(line + chunk.line_offset, column), message: e.message }
    })?;
    yaml::from_value(&value).map_err(|e| invalid(Some(&source), &ObjectRef::default(), e))
}

/// Types an object given as untyped data (JSON, or YAML already read), with the same checks
/// and errors as loading text; errors carry no line, as there is no text.
///
/// # Examples
///
/// ```
/// use mesh_api::networking::DestinationRule;
///
/// let value = serde_json::json!({
///     "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
///     "metadata": {"name": "cart"}, "spec": {"host": "cart"}
/// });
/// let dr: DestinationRule = mesh_api::from_value(&value)?;
/// assert_eq!(dr.spec.host, "cart");
/// # Ok::<(), mesh_api::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Invalid`] naming the field, and [`Error::WrongKind`] for another kind.
pub fn from_value<K: Kind>(value: &serde_json::Value) -> Result<K> {
    let document = decode_document(value, None)?;
    let found = document.object.kind().to_owned();
    document.object.downcast::<K>().ok_or(Error::WrongKind {
        at: Location::default(),
        expected: K::KIND.to_owned(),
        found,
    })
}

fn invalid(source: Option<&Source>, object: &ObjectRef, e: DeError) -> Error {
    let at = source.map_or_else(Location::default, |source| {
        let located = (!e.path.is_root()).then(|| yaml::locate(&source.text, &e.path)).flatten();
        let (line, column) = located.or(e.position).unwrap_or((source.first_line(), 1));
        source.location(line + source.line_offset, column)
    });
    Error::Invalid { at, object: Box::new(object.clone()), field: e.path, message: e.message }
}

/// Metadata of an object built in code, for builders.
pub(crate) fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta { name: Some(name.to_owned()), namespace: namespace.map(str::to_owned), ..ObjectMeta::default() }
}

/// The 1-based line and column where the field at `path` is written in the first YAML
/// document of `text` (the key of a map entry, the first token of a list item); `None` when
/// it is not written there. For files of one's own read with [`parse_yaml`].
///
/// ```
/// use mesh_api::FieldPath;
///
/// let text = "# two items\nitems:\n  - a\n  - b\n";
/// assert_eq!(mesh_api::locate_in(text, &FieldPath::root().key("items").index(1)), Some((4, 5)));
/// ```
pub fn locate_in(text: &str, path: &FieldPath) -> Option<(usize, usize)> {
    yaml::locate(text, path)
}

/// Writes any serializable value (a CRD, a spec, a list) as one YAML document.
///
/// # Errors
///
/// [`Error::Serialize`] if the value cannot be represented in YAML.
pub fn to_yaml<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    yaml::to_string(value).map_err(|message| Error::Serialize { object: ObjectRef::default(), message })
}

/// Reads every document of a YAML stream as untyped data (order kept), with no kind checks:
/// for comparisons, and for tools that handle kinds mesh does not model. Each document gets
/// its own result, so one that is not YAML does not hide the others.
///
/// # Examples
///
/// ```
/// let values = mesh_api::read_untyped("a: 1\n---\nb: [x\n---\nc: true\n");
/// assert_eq!(values[0].as_ref().unwrap()["a"], 1);
/// assert!(values[1].is_err());
/// assert_eq!(values[2].as_ref().unwrap()["c"], true);
/// ```
pub fn read_untyped(text: &str) -> Vec<Result<serde_json::Value>> {
    yaml::split_documents(text)
        .iter()
        .map(|chunk| {
            yaml::parse(chunk.text).map_err(|e| {
                let (line, column) = e.position.unwrap_or((1, 1));
                Error::Syntax {
                    at: Location { file: None, document: chunk.index, line: line + chunk.line_offset, column },
                    message: e.message,
                }
            })
        })
        .collect()
}
