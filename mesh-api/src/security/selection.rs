//! How a policy chooses its workloads (`selector`, `targetRef`, `targetRefs`), checked the same
//! way for every security, telemetry and extensions kind.

use crate::validation::rules;
use crate::{LabelSelector, PolicyTargetReference, Validator};

/// Most labels a selector may hold (the CRD's `maxProperties`).
const MAX_SELECTOR_LABELS: usize = 4096;
/// Longest selector label value (the CRD's `maxLength`).
const MAX_SELECTOR_VALUE_LEN: usize = 63;
/// Most entries of `targetRefs`.
const MAX_TARGET_REFS: usize = 16;
/// Longest target name.
const MAX_TARGET_NAME_LEN: usize = 253;

/// Checks the selection fields of a policy at the current path (the spec): at most one of
/// `selector`, `targetRef` and `targetRefs`, each well formed. Pass `None` for `target_ref` on
/// kinds that have no such field.
pub(crate) fn check_selection(
    v: &mut Validator,
    selector: Option<&LabelSelector>,
    target_ref: Option<&PolicyTargetReference>,
    target_refs: &[PolicyTargetReference],
) {
    let chosen = [selector.is_some(), target_ref.is_some(), !target_refs.is_empty()];
    if chosen.iter().filter(|set| **set).count() > 1 {
        v.error("set only one of selector, targetRef and targetRefs");
    }
    if let Some(selector) = selector {
        v.field("selector", |v| check_label_selector(v, selector));
    }
    if let Some(target) = target_ref {
        v.field("targetRef", |v| check_target(v, target));
    }
    v.field("targetRefs", |v| {
        if target_refs.len() > MAX_TARGET_REFS {
            v.error(format!("{} target references given; at most {MAX_TARGET_REFS} are allowed", target_refs.len()));
        }
        for (i, target) in target_refs.iter().enumerate() {
            v.item(i, |v| check_target(v, target));
        }
    });
}

/// Checks a `selector` at the current path: Istio's selector rules plus the CRD's size limits.
pub(crate) fn check_label_selector(v: &mut Validator, selector: &LabelSelector) {
    rules::check_label_selector(v, selector);
    v.field("matchLabels", |v| {
        if selector.match_labels.len() > MAX_SELECTOR_LABELS {
            v.error(format!(
                "{} labels given; a selector holds at most {MAX_SELECTOR_LABELS}",
                selector.match_labels.len()
            ));
        }
        for (key, value) in &selector.match_labels {
            if value.len() > MAX_SELECTOR_VALUE_LEN {
                v.error_at(key, format!("label value is {} characters long; at most 63 are allowed", value.len()));
            }
        }
    });
}

fn check_target(v: &mut Validator, target: &PolicyTargetReference) {
    rules::check_target_ref(v, target);
    if target.name.len() > MAX_TARGET_NAME_LEN {
        v.error_at("name", format!("a target name is at most {MAX_TARGET_NAME_LEN} characters long"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(
        selector: Option<&LabelSelector>,
        target_ref: Option<&PolicyTargetReference>,
        target_refs: &[PolicyTargetReference],
    ) -> Vec<(String, Level)> {
        let mut v = Validator::new();
        v.field("spec", |v| check_selection(v, selector, target_ref, target_refs));
        v.finish().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn service(name: &str) -> PolicyTargetReference {
        PolicyTargetReference { group: Some(String::new()), kind: "Service".into(), name: name.into(), namespace: None }
    }

    fn selector(key: &str, value: &str) -> LabelSelector {
        LabelSelector { match_labels: [(key.to_owned(), value.to_owned())].into_iter().collect() }
    }

    #[test]
    fn selector_and_target_ref_exclude_each_other() {
        let p = problems(Some(&selector("app", "a")), Some(&service("a")), &[]);
        assert_eq!(p, vec![("spec".to_owned(), Level::Error)]);
        let p = problems(None, Some(&service("a")), &[service("b")]);
        assert_eq!(p, vec![("spec".to_owned(), Level::Error)]);
        assert!(problems(None, None, &[service("b")]).is_empty());
    }

    #[test]
    fn selector_label_values_are_at_most_63_characters() {
        let long = "v".repeat(64);
        let p = problems(Some(&selector("app", &long)), None, &[]);
        assert_eq!(p, vec![("spec.selector.matchLabels.app".to_owned(), Level::Error)]);
    }

    #[test]
    fn selector_labels_refuse_wildcards() {
        let p = problems(Some(&selector("app", "a*")), None, &[]);
        assert_eq!(p, vec![("spec.selector.matchLabels.app".to_owned(), Level::Error)]);
    }

    #[test]
    fn empty_selector_is_only_a_warning() {
        let p = problems(Some(&LabelSelector::default()), None, &[]);
        assert_eq!(p, vec![("spec.selector.matchLabels".to_owned(), Level::Warning)]);
    }

    #[test]
    fn target_refs_hold_at_most_16_entries() {
        let refs: Vec<_> = (0..17).map(|i| service(&format!("s{i}"))).collect();
        assert_eq!(problems(None, None, &refs), vec![("spec.targetRefs".to_owned(), Level::Error)]);
    }

    #[test]
    fn target_names_are_at_most_253_characters() {
        let p = problems(None, Some(&service(&"a".repeat(254))), &[]);
        assert_eq!(p, vec![("spec.targetRef.name".to_owned(), Level::Error)]);
    }

    #[test]
    fn target_refs_must_not_cross_namespaces() {
        let mut target = service("a");
        target.namespace = Some("other".into());
        let p = problems(None, None, &[target]);
        assert_eq!(p, vec![("spec.targetRefs[0].namespace".to_owned(), Level::Error)]);
    }
}
