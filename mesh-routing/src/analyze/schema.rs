//! `schema.ValidationAnalyzer`: Istio's admission rules as messages. Errors are IST0106;
//! warnings are IST0133, except the VirtualService rules and matches that can never be used,
//! which are IST0130 (a whole rule) and IST0131 (one match of a rule).

use mesh_api::{FieldPath, Level, Object, Segment};

use super::{Context, Message, MessageLevel};

/// The rule list and index (`http`, 2), and the match index, of a VirtualService field path.
fn rule_position(path: &FieldPath) -> Option<(usize, Option<usize>)> {
    let segments = path.segments();
    let list = segments.iter().position(|s| matches!(s, Segment::Key(k) if k == "http" || k == "tcp" || k == "tls"))?;
    let Some(Segment::Index(rule)) = segments.get(list + 1) else { return None };
    let matched = match (segments.get(list + 2), segments.get(list + 3)) {
        (Some(Segment::Key(k)), Some(Segment::Index(j))) if k == "match" => Some(*j),
        _ => None,
    };
    Some((*rule, matched))
}

/// Istio's label of a rule or match in its messages: the quoted name where one is set,
/// otherwise `#index`.
fn label(name: Option<&str>, index: usize) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => format!("{name:?}"),
        None => format!("#{index}"),
    }
}

/// Labels of an HTTP rule and, where given, one of its matches (TCP and TLS rules have no
/// names, so only HTTP rules can be labelled by name).
fn rule_labels(object: &Object, path: &FieldPath, rule: usize, matched: Option<usize>) -> (String, Option<String>) {
    let http = path.segments().iter().any(|s| matches!(s, Segment::Key(k) if k == "http"));
    let route = match object {
        Object::VirtualService(vs) if http => vs.spec.http.get(rule),
        _ => None,
    };
    let rule_label = label(route.and_then(|r| r.name.as_deref()), rule);
    let match_label = matched.map(|j| label(route.and_then(|r| r.match_.get(j)).and_then(|m| m.name.as_deref()), j));
    (rule_label, match_label)
}

/// The label of the earlier rule a validation warning names: the last `rule X` after
/// "is never used:", where X is `#N` or a quoted name.
fn earlier_rule_label(message: &str) -> Option<String> {
    let (_, reason) = message.split_once("is never used: ")?;
    let (_, rest) = reason.rsplit_once("rule ")?;
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some(format!("\"{}\"", &quoted[..i])),
                _ => escaped = false,
            }
        }
        None
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// The messages for the problems Istio's admission rules find in one object.
fn object_messages(object: &Object) -> Vec<Message> {
    let mut messages = Vec::new();
    for problem in object.validate() {
        let path = Some(problem.path.to_string());
        let unused = problem.message.contains("is never used");
        let message = match (problem.level, unused.then(|| rule_position(&problem.path)).flatten()) {
            (Level::Warning, Some((rule, Some(matched)))) => {
                let (rule, matched) = rule_labels(object, &problem.path, rule, Some(matched));
                let matched = matched.unwrap_or_default();
                let earlier = earlier_rule_label(&problem.message);
                Message::new(
                    "IST0131",
                    "VirtualServiceIneffectiveMatch",
                    MessageLevel::Info,
                    object,
                    path,
                    format!(
                        "VirtualService rule {rule} match {matched} is not used (duplicate/overlapping match in rule {}).",
                        earlier.as_deref().unwrap_or("?")
                    ),
                )
            }
            (Level::Warning, Some((rule, None))) => {
                let (rule, _) = rule_labels(object, &problem.path, rule, None);
                let reason = problem.message.split_once(": ").map_or(problem.message.as_str(), |(_, r)| r);
                Message::new(
                    "IST0130",
                    "VirtualServiceUnreachableRule",
                    MessageLevel::Warning,
                    object,
                    path,
                    format!("VirtualService rule {rule} not used ({reason})."),
                )
            }
            (Level::Warning, None) => Message::new(
                "IST0133",
                "SchemaWarning",
                MessageLevel::Warning,
                object,
                path,
                format!("Schema validation warning: {}: {}", problem.path, problem.message),
            ),
            (Level::Error, _) => Message::new(
                "IST0106",
                "SchemaValidationError",
                MessageLevel::Error,
                object,
                path,
                format!("Schema validation error: {}: {}", problem.path, problem.message),
            ),
        };
        messages.push(message);
    }
    messages
}

/// Reports what Istio's admission rules reject (IST0106) or warn about in every Istio object.
pub fn schema_validation(context: &Context<'_>) -> Vec<Message> {
    context.objects.iter().filter(|o| o.is_istio()).flat_map(object_messages).collect()
}

/// [`schema_validation`] for VirtualServices only (istioctl runs one validation analyzer per
/// kind; this is `schema.ValidationAnalyzer.VirtualService`).
pub fn virtual_service_schema(context: &Context<'_>) -> Vec<Message> {
    context.objects.iter().filter(|o| matches!(o, Object::VirtualService(_))).flat_map(object_messages).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    #[test]
    fn rules_after_a_catch_all_are_unreachable() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: [a]\n  http:\n  - route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /x}}]\n    route: [{destination: {host: a}}]\n",
        );
        let m = schema_validation(&Context::new(&o));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].code, "IST0130");
        assert!(m[0].message.starts_with("VirtualService rule #1 not used ("), "{}", m[0].message);
    }

    #[test]
    fn duplicate_matches_are_ineffective() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: [a]\n  http:\n  - match: [{uri: {prefix: /x}}]\n    route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /x}}, {uri: {prefix: /y}}]\n    route: [{destination: {host: a}}]\n",
        );
        let m = schema_validation(&Context::new(&o));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].code, "IST0131");
        assert_eq!(
            m[0].message,
            "VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0)."
        );
    }

    #[test]
    fn named_rules_and_matches_are_labelled_by_name() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: [a]\n  http:\n  - name: api\n    match: [{uri: {prefix: /x}}]\n    route: [{destination: {host: a}}]\n  - name: v2\n    match: [{name: again, uri: {prefix: /x}}, {uri: {prefix: /y}}]\n    route: [{destination: {host: a}}]\n",
        );
        let m = schema_validation(&Context::new(&o));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(
            m[0].message,
            "VirtualService rule \"v2\" match \"again\" is not used (duplicate/overlapping match in rule \"api\")."
        );
    }

    #[test]
    fn shorter_prefixes_name_the_earlier_rule() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: [a]\n  http:\n  - name: api\n    match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /api/v2}}, {uri: {prefix: /y}}]\n    route: [{destination: {host: a}}]\n",
        );
        let m = schema_validation(&Context::new(&o));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(
            m[0].message,
            "VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule \"api\")."
        );
    }

    #[test]
    fn invalid_objects_are_schema_errors() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: ['bad..host']\n  http: [{route: [{destination: {host: a}}]}]\n",
        );
        let m = schema_validation(&Context::new(&o));
        assert!(m.iter().any(|m| m.code == "IST0106"), "{m:?}");
    }
}
