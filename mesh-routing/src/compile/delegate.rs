//! Delegate VirtualServices (routing.md A11): a root rule with `delegate` is replaced, in
//! place, by the delegate's rules with the root's match conditions and settings merged in.

use super::virtual_service::{CompiledVs, HttpActionKind, HttpMatch, HttpRule, Rule};
use crate::error::CompileWarning;

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
        port: if leaf.port.0.is_some() { leaf.port } else { root.port },
        source: if source_set { leaf.source.clone() } else { root.source.clone() },
    }
}

/// The merged rules replacing `root` (one per delegate rule).
fn expand(root: &HttpRule, delegate: &CompiledVs) -> Vec<HttpRule> {
    delegate
        .http
        .iter()
        .map(|leaf| {
            let matches = match (root.matches.is_empty(), leaf.matches.is_empty()) {
                (true, _) => leaf.matches.clone(),
                (false, true) => root.matches.clone(),
                (false, false) => {
                    root.matches.iter().flat_map(|r| leaf.matches.iter().map(move |l| merge_match(r, l))).collect()
                }
            };
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
            Rule { index: root.index, name, matches, action }
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
