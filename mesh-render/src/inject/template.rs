//! A small part of Go's `text/template`, enough for injection templates that an installation
//! adds as text (`values.sidecarInjectorWebhook.templates`, `--injectConfigFile`): plain text,
//! field chains (`.Values.global.tag`, `.Spec.Containers`, `$container.Name`), variables,
//! `range`, `if`/`else if`/`else`, `with`, comments and the `{{-`/`-}}` trim markers.
//!
//! Functions and pipelines (`annotation`, `toJSON`, `| indent`, ...) are not evaluated: a
//! template using them is refused with [`TemplateError`] naming what it used, and the caller
//! decides what to do (a built-in template of the same name is rendered in code instead).
//!
//! Data is JSON. A field name is looked up as written, then with its first letter in lower
//! case, so Go's struct fields (`Spec.Containers`, `Name`) find the JSON keys of the
//! Kubernetes objects (`spec.containers`, `name`) while map keys (`.Values.global.tag`) match
//! exactly. A missing map key prints `<no value>`, as Go does.

use serde_json::Value;

/// Why a template text cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct TemplateError {
    /// What failed, naming the action.
    pub message: String,
}

fn fail<T>(message: impl Into<String>) -> Result<T, TemplateError> {
    Err(TemplateError { message: message.into() })
}

/// One operand: a field chain from `.`, from `$` (the root) or from a variable.
#[derive(Clone, Debug, PartialEq)]
enum Operand {
    /// `.` followed by fields.
    Dot(Vec<String>),
    /// `$name` (empty name: `$`) followed by fields.
    Var(String, Vec<String>),
    /// A quoted string.
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Print(Operand),
    If(Vec<(Operand, Vec<Node>)>, Vec<Node>),
    Range { key: Option<String>, value: Option<String>, over: Operand, body: Vec<Node>, otherwise: Vec<Node> },
    With(Operand, Vec<Node>, Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Template {
    nodes: Vec<Node>,
}

/// One `{{ ... }}` action, trimmed of its markers.
#[derive(Clone, Debug)]
enum Token {
    Text(String),
    Action(String),
}

fn tokenize(source: &str) -> Result<Vec<Token>, TemplateError> {
    let mut tokens = Vec::new();
    let mut rest = source;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let mut text = &rest[..start];
        if trim_next {
            text = text.trim_start();
        }
        let after = &rest[start + 2..];
        let trim_before = after.starts_with("- ") || after.starts_with("-\n") || after.starts_with("-\t");
        if trim_before {
            text = text.trim_end();
        }
        if !text.is_empty() {
            tokens.push(Token::Text(text.to_owned()));
        }
        let Some(end) = after.find("}}") else {
            return fail("an action is not closed with }}");
        };
        let mut action = &after[..end];
        if trim_before {
            action = &action[1..];
        }
        trim_next = action.ends_with(" -") || action.ends_with("\n-") || action.ends_with("\t-");
        if trim_next {
            action = &action[..action.len() - 1];
        }
        let action = action.trim();
        if !(action.starts_with("/*") && action.ends_with("*/")) {
            tokens.push(Token::Action(action.to_owned()));
        }
        rest = &after[end + 2..];
    }
    let text = if trim_next { rest.trim_start() } else { rest };
    if !text.is_empty() {
        tokens.push(Token::Text(text.to_owned()));
    }
    Ok(tokens)
}

fn parse_operand(text: &str) -> Result<Operand, TemplateError> {
    let text = text.trim();
    if text.contains('|') {
        return fail(format!("pipelines are not supported: {{{{ {text} }}}}"));
    }
    if text.contains(' ') || text.contains('(') {
        let word = text.split([' ', '(']).next().unwrap_or_default();
        return fail(format!("function {word:?} is not supported: {{{{ {text} }}}}"));
    }
    if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Ok(Operand::Text(quoted.to_owned()));
    }
    let fields =
        |chain: &str| -> Vec<String> { chain.split('.').filter(|f| !f.is_empty()).map(str::to_owned).collect() };
    if let Some(chain) = text.strip_prefix('.') {
        return Ok(Operand::Dot(fields(chain)));
    }
    if let Some(var) = text.strip_prefix('$') {
        let (name, chain) = var.split_once('.').unwrap_or((var, ""));
        return Ok(Operand::Var(name.to_owned(), fields(chain)));
    }
    fail(format!("function {text:?} is not supported"))
}

/// Splits `$a, $b := pipe` into variable names and the pipe.
fn parse_declaration(text: &str) -> Result<(Option<String>, Option<String>, &str), TemplateError> {
    let Some((vars, pipe)) = text.split_once(":=") else {
        return Ok((None, None, text));
    };
    let names: Vec<String> =
        vars.split(',').map(|v| v.trim().trim_start_matches('$').to_owned()).filter(|v| !v.is_empty()).collect();
    match names.as_slice() {
        [value] => Ok((None, Some(value.clone()), pipe)),
        [key, value] => Ok((Some(key.clone()), Some(value.clone()), pipe)),
        _ => fail(format!("cannot read the variables of {{{{ {text} }}}}")),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// How a block's body ended.
enum Close {
    End,
    Else(Option<String>),
    Eof,
}

impl Parser {
    fn block(&mut self) -> Result<(Vec<Node>, Close), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(token) = self.tokens.get(self.at).cloned() {
            self.at += 1;
            let action = match token {
                Token::Text(text) => {
                    nodes.push(Node::Text(text));
                    continue;
                }
                Token::Action(action) => action,
            };
            let (word, rest) = action.split_once(char::is_whitespace).unwrap_or((action.as_str(), ""));
            match word {
                "end" => return Ok((nodes, Close::End)),
                "else" => {
                    let rest = rest.trim();
                    let cond = rest.strip_prefix("if").map(|c| c.trim().to_owned());
                    if !rest.is_empty() && cond.is_none() {
                        return fail(format!("{{{{ else {rest} }}}} is not supported"));
                    }
                    return Ok((nodes, Close::Else(cond)));
                }
                "if" => {
                    let mut branches = vec![(parse_operand(rest)?, Vec::new())];
                    let mut otherwise = Vec::new();
                    loop {
                        let (body, end) = self.block()?;
                        match end {
                            Close::End => {
                                if let Some(last) = branches.last_mut() {
                                    last.1 = body;
                                }
                                break;
                            }
                            Close::Else(Some(cond)) => {
                                if let Some(last) = branches.last_mut() {
                                    last.1 = body;
                                }
                                branches.push((parse_operand(&cond)?, Vec::new()));
                            }
                            Close::Else(None) => {
                                if let Some(last) = branches.last_mut() {
                                    last.1 = body;
                                }
                                let (body, end) = self.block()?;
                                if !matches!(end, Close::End) {
                                    return fail("an {{ if }} is not closed with {{ end }}");
                                }
                                otherwise = body;
                                break;
                            }
                            Close::Eof => return fail("an {{ if }} is not closed with {{ end }}"),
                        }
                    }
                    nodes.push(Node::If(branches, otherwise));
                }
                "range" | "with" => {
                    let (key, value, pipe) = parse_declaration(rest)?;
                    let over = parse_operand(pipe)?;
                    let (body, end) = self.block()?;
                    let otherwise = match end {
                        Close::End => Vec::new(),
                        Close::Else(None) => match self.block()? {
                            (otherwise, Close::End) => otherwise,
                            _ => return fail(format!("a {{{{ {word} }}}} is not closed with {{{{ end }}}}")),
                        },
                        _ => return fail(format!("a {{{{ {word} }}}} is not closed with {{{{ end }}}}")),
                    };
                    if word == "range" {
                        nodes.push(Node::Range { key, value, over, body, otherwise });
                    } else {
                        if key.is_some() || value.is_some() {
                            return fail("variables in {{ with }} are not supported");
                        }
                        nodes.push(Node::With(over, body, otherwise));
                    }
                }
                "define" | "template" | "block" | "break" | "continue" => {
                    return fail(format!("{{{{ {word} }}}} is not supported"));
                }
                _ if action.contains(":=") || action.contains(" = ") => {
                    return fail(format!("variable assignment is not supported: {{{{ {action} }}}}"));
                }
                _ => nodes.push(Node::Print(parse_operand(&action)?)),
            }
        }
        Ok((nodes, Close::Eof))
    }
}

impl Template {
    /// Parses a template text.
    pub(crate) fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parser = Parser { tokens: tokenize(source)?, at: 0 };
        match parser.block()? {
            (nodes, Close::Eof) => Ok(Template { nodes }),
            (_, Close::End) => fail("{{ end }} without a block to close"),
            (_, Close::Else(_)) => fail("{{ else }} outside an {{ if }}, {{ range }} or {{ with }}"),
        }
    }

    /// Renders the template over `data`.
    pub(crate) fn render(&self, data: &Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        let mut scope = Scope { root: data, vars: Vec::new() };
        scope.run(&self.nodes, data, &mut out)?;
        Ok(out)
    }
}

struct Scope<'a> {
    root: &'a Value,
    vars: Vec<(String, Value)>,
}

/// Go's idea of an empty value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A field of a value: the key as written, else with its first letter in lower case.
fn field(value: &Value, name: &str) -> Option<Value> {
    let map = value.as_object()?;
    if let Some(v) = map.get(name) {
        return Some(v.clone());
    }
    let mut chars = name.chars();
    let lower: String = chars.next().map(|c| c.to_ascii_lowercase()).into_iter().chain(chars).collect();
    map.get(&lower).cloned()
}

impl Scope<'_> {
    fn eval(&self, operand: &Operand, dot: &Value) -> Result<Option<Value>, TemplateError> {
        let (start, chain) = match operand {
            Operand::Text(text) => return Ok(Some(Value::String(text.clone()))),
            Operand::Dot(chain) => (dot.clone(), chain),
            Operand::Var(name, chain) if name.is_empty() => (self.root.clone(), chain),
            Operand::Var(name, chain) => match self.vars.iter().rev().find(|(n, _)| n == name) {
                Some((_, v)) => (v.clone(), chain),
                None => return fail(format!("undefined variable ${name}")),
            },
        };
        let mut value = start;
        for name in chain {
            match field(&value, name) {
                Some(next) => value = next,
                None => return Ok(None),
            }
        }
        Ok(Some(value))
    }

    fn run(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Print(operand) => match self.eval(operand, dot)? {
                    None => out.push_str("<no value>"),
                    Some(Value::String(s)) => out.push_str(&s),
                    Some(Value::Null) => out.push_str("<nil>"),
                    Some(v @ (Value::Bool(_) | Value::Number(_))) => out.push_str(&v.to_string()),
                    Some(_) => return fail("printing a map or a list needs a function (toJSON), not supported"),
                },
                Node::If(branches, otherwise) => {
                    let mut chosen = otherwise;
                    for (cond, body) in branches {
                        if self.eval(cond, dot)?.as_ref().is_some_and(truthy) {
                            chosen = body;
                            break;
                        }
                    }
                    self.run(chosen, dot, out)?;
                }
                Node::With(operand, body, otherwise) => match self.eval(operand, dot)? {
                    Some(v) if truthy(&v) => self.run(body, &v, out)?,
                    _ => self.run(otherwise, dot, out)?,
                },
                Node::Range { key, value, over, body, otherwise } => {
                    let items: Vec<(Value, Value)> = match self.eval(over, dot)? {
                        Some(Value::Array(items)) => {
                            items.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect()
                        }
                        Some(Value::Object(map)) => {
                            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                            // Go ranges over maps in key order.
                            entries.sort_by(|a, b| a.0.cmp(&b.0));
                            entries.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                        }
                        None | Some(Value::Null) => Vec::new(),
                        Some(other) => return fail(format!("cannot range over {other}")),
                    };
                    if items.is_empty() {
                        self.run(otherwise, dot, out)?;
                    }
                    for (k, v) in items {
                        let depth = self.vars.len();
                        if let Some(name) = key {
                            self.vars.push((name.clone(), k));
                        }
                        if let Some(name) = value {
                            self.vars.push((name.clone(), v.clone()));
                        }
                        self.run(body, &v, out)?;
                        self.vars.truncate(depth);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(source: &str, data: Value) -> Result<String, TemplateError> {
        Template::parse(source)?.render(&data)
    }

    #[test]
    fn fields_follow_map_keys_and_go_struct_names() {
        let data = json!({"Values": {"global": {"tag": "1.2"}}, "Spec": {"containers": [{"name": "app"}]}});
        assert_eq!(render("t-{{ .Values.global.tag }}", data.clone()).unwrap(), "t-1.2");
        assert_eq!(render("{{ .Values.global.missing }}", data).unwrap(), "<no value>");
    }

    #[test]
    fn range_binds_index_and_element_and_trims_whitespace() {
        let data = json!({"Spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let source = "list:\n{{- range $i, $c := .Spec.Containers }}\n- {{ $i }}={{ $c.Name }}\n{{- end }}\n";
        assert_eq!(render(source, data).unwrap(), "list:\n- 0=a\n- 1=b\n");
    }

    #[test]
    fn if_else_if_else_pick_the_first_true_branch() {
        let source = "{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}";
        assert_eq!(render(source, json!({"A": "", "B": true})).unwrap(), "b");
        assert_eq!(render(source, json!({"A": 0, "B": []})).unwrap(), "c");
        assert_eq!(render("{{ with .A }}{{ .x }}{{ end }}", json!({"A": {"x": 1}})).unwrap(), "1");
    }

    #[test]
    fn functions_and_pipelines_are_refused_with_their_name() {
        let err = Template::parse("{{ annotation .ObjectMeta `x` }}").unwrap_err();
        assert!(err.message.contains("\"annotation\""), "{err}");
        let err = Template::parse("{{ .Values | toJSON }}").unwrap_err();
        assert!(err.message.starts_with("pipelines are not supported"), "{err}");
        assert!(Template::parse("{{ if .A }}x").is_err());
    }

    #[test]
    fn comments_and_plain_text_pass_through() {
        assert_eq!(render("a{{/* note */}}b\n", json!({})).unwrap(), "ab\n");
    }
}
