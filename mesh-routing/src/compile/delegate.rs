//! Delegate VirtualServices (routing.md A11): a root rule with `delegate` is replaced, in
//! place, by the delegate's rules with the root's match conditions and settings merged in.

use super::virtual_service::{CompiledVs, HttpActionKind, HttpMatch, HttpRule, Rule};
use crate::error::CompileWarning;
use crate::matchers::string::StringMatcher;

/// Whether a root and a delegate condition on the same field cannot both be merged (A11).
fn string_conflict(root: Option<&StringMatcher>, leaf: Option<&StringMatcher>) -> bool {
    use StringMatcher::{Any, Exact, Prefix, Regex};
    match (root, leaf) {
        (None, _) | (_, None) | (Some(Any), _) | (_, Some(Any)) => false,
        (Some(Regex(_)), _) | (_, Some(Regex(_))) => true,
        (Some(Exact { value: r, .. }), Some(Exact { value: l, .. })) => r != l,
        (Some(Exact { .. }), Some(Prefix { .. })) => true,
        (Some(Prefix { value: r, .. }), Some(Exact { value: l, .. } | Prefix { value: l, .. })) => {
            !l.starts_with(r.as_str())
        }
    }
}

fn ignore_case(m: Option<&StringMatcher>) -> Option<bool> {
    match m {
        Some(StringMatcher::Exact { ignore_case, .. } | StringMatcher::Prefix { ignore_case, .. }) => {
            Some(*ignore_case)
        }
        _ => None,
    }
}

/// Whether a delegate match is incompatible with a root match (A11).
fn conflicts(root: &HttpMatch, leaf: &HttpMatch) -> bool {
    let case = match (ignore_case(root.uri.as_ref()), ignore_case(leaf.uri.as_ref())) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    let headers = root
        .headers
        .iter()
        .any(|r| leaf.headers.iter().any(|l| l.name == r.name && string_conflict(r.value.as_ref(), l.value.as_ref())));
    let labels = root.source.labels.iter().any(|(k, v)| leaf.source.labels.iter().any(|(lk, lv)| lk == k && lv != v));
    let namespace = matches!((&root.source.namespace, &leaf.source.namespace), (Some(a), Some(b)) if a != b);
    let ports = matches!((root.port.0, leaf.port.0), (Some(a), Some(b)) if a != b);
    let gateways =
        !root.source.gateways.is_empty() && !leaf.source.gateways.iter().all(|g| root.source.gateways.contains(g));
    case || headers
        || labels
        || namespace
        || ports
        || gateways
        || string_conflict(root.uri.as_ref(), leaf.uri.as_ref())
        || string_conflict(root.scheme.as_ref(), leaf.scheme.as_ref())
        || string_conflict(root.method.as_ref(), leaf.method.as_ref())
        || string_conflict(root.authority.as_ref(), leaf.authority.as_ref())
}

/// One delegate match merged under one root match: delegate fields win, lists are unioned.
fn merge_match(root: &HttpMatch, leaf: &HttpMatch) -> HttpMatch {
    let mut headers = root.headers.clone();
    headers.extend(leaf.headers.iter().cloned());
    let mut without_headers = root.without_headers.clone();
    without_headers.extend(leaf.without_headers.iter().cloned());
    let mut query = root.query.clone();
    query.extend(leaf.query.iter().cloned());
    let source_set =
        leaf.source.namespace.is_some() || !leaf.source.labels.is_empty() || !leaf.source.gateways.is_empty();
    HttpMatch {
        uri: leaf.uri.clone().or_else(|| root.uri.clone()),
        scheme: leaf.scheme.clone().or_else(|| root.scheme.clone()),
        method: leaf.method.clone().or_else(|| root.method.clone()),
        authority: leaf.authority.clone().or_else(|| root.authority.clone()),
        headers,
        without_headers,
        query,
        any_proxy: if source_set { leaf.source.is_empty() } else { root.source.is_empty() }
            && leaf.port.0.or(root.port.0).is_none(),
        port: if leaf.port.0.is_some() { leaf.port } else { root.port },
        source: if source_set { leaf.source.clone() } else { root.source.clone() },
    }
}

/// The merged rules replacing `root` (one per delegate rule with a compatible root match).
fn expand(root: &HttpRule, delegate: &CompiledVs) -> Vec<HttpRule> {
    delegate
        .http
        .iter()
        .filter_map(|leaf| {
            let matches = match (root.matches.is_empty(), leaf.matches.is_empty()) {
                (true, _) => leaf.matches.clone(),
                (false, true) => root.matches.clone(),
                (false, false) => root
                    .matches
                    .iter()
                    .flat_map(|r| leaf.matches.iter().filter(|l| !conflicts(r, l)).map(move |l| merge_match(r, l)))
                    .collect(),
            };
            if matches.is_empty() && !(root.matches.is_empty() && leaf.matches.is_empty()) {
                return None; // No compatible root match: the delegate rule is dropped.
            }
            let mut action = leaf.action.clone();
            let inherited = &root.action;
            action.rewrite = action.rewrite.or_else(|| inherited.rewrite.clone());
            if action.rewrite_regex.is_none() {
                action.rewrite_regex = inherited.rewrite_regex.clone();
            }
            action.timeout = action.timeout.or_else(|| inherited.timeout.clone());
            action.retries = action.retries.or_else(|| inherited.retries.clone());
            action.fault = action.fault.or_else(|| inherited.fault.clone());
            if action.mirrors.is_empty() {
                action.mirrors = inherited.mirrors.clone();
            }
            action.headers = action.headers.or_else(|| inherited.headers.clone());
            let name = match (&root.name, &leaf.name) {
                (Some(r), Some(l)) => Some(format!("{r}-{l}")),
                (r, l) => r.clone().or_else(|| l.clone()),
            };
            Some(Rule { index: root.index, name, matches, action })
        })
        .collect()
}

/// Replaces every delegating rule of every root VirtualService; a rule whose delegate is
/// missing or not exported to the root's namespace is dropped with a warning.
pub(crate) fn resolve(virtual_services: &mut [CompiledVs], warnings: &mut Vec<CompileWarning>) {
    let delegates: Vec<CompiledVs> = virtual_services.iter().filter(|v| v.is_delegate).cloned().collect();
    for vs in virtual_services.iter_mut().filter(|v| !v.is_delegate) {
        if !vs.http.iter().any(|r| matches!(r.action.kind, HttpActionKind::Delegate(_))) {
            continue;
        }
        let mut rules = Vec::with_capacity(vs.http.len());
        for rule in std::mem::take(&mut vs.http) {
            let HttpActionKind::Delegate(target) = &rule.action.kind else {
                rules.push(rule);
                continue;
            };
            let found = delegates
                .iter()
                .find(|d| format!("{}/{}", d.namespace, d.name) == *target && d.export_to.visible_to(&vs.namespace));
            match found {
                Some(d) => rules.extend(expand(&rule, d)),
                None => warnings.push(CompileWarning {
                    object: format!("VirtualService {}/{}", vs.namespace, vs.name),
                    field: format!("spec.http[{}].delegate", rule.index),
                    message: format!(
                        "delegate {target} does not exist or is not exported to {}; the rule is dropped",
                        vs.namespace
                    ),
                }),
            }
        }
        vs.http = rules;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_api::StringMatch;

    fn m(s: StringMatch) -> Option<StringMatcher> {
        StringMatcher::new(&s, false).ok()
    }

    #[test]
    fn a11_root_prefix_must_be_a_prefix_of_the_leaf() {
        assert!(!string_conflict(m(StringMatch::prefix("/api")).as_ref(), m(StringMatch::prefix("/api/v1")).as_ref()));
        assert!(string_conflict(m(StringMatch::prefix("/api")).as_ref(), m(StringMatch::exact("/web")).as_ref()));
    }

    #[test]
    fn a11_root_exact_conflicts_with_a_different_or_prefix_leaf() {
        assert!(string_conflict(m(StringMatch::exact("/a")).as_ref(), m(StringMatch::prefix("/a")).as_ref()));
        assert!(!string_conflict(m(StringMatch::exact("/a")).as_ref(), m(StringMatch::exact("/a")).as_ref()));
    }

    #[test]
    fn a11_any_regex_on_the_same_field_conflicts() {
        assert!(string_conflict(m(StringMatch::regex("/a.*")).as_ref(), m(StringMatch::prefix("/a")).as_ref()));
        assert!(!string_conflict(None, m(StringMatch::regex("/a.*")).as_ref()));
    }
}
