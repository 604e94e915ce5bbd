//! `envoyfilter.EnvoyPatchAnalyzer`: patch operations that Envoy ignores where they are
//! applied (IST0152, IST0153, IST0154), and relative operations without a priority, which
//! depend on the order filters are applied (IST0151; IST0155 when an earlier patch on the same
//! filter is tied to a proxy version).

use mesh_api::Object;
use mesh_api::networking::{ApplyTo, PatchOperation};

use super::{Context, Message, MessageLevel};

/// The message for a patch without a priority and with a relative operation.
fn relative(object: &Object, index: usize, versioned: bool) -> Message {
    let path = Some(format!("spec.configPatches[{index}].patch.operation"));
    if versioned {
        Message::new(
            "IST0155",
            "EnvoyFilterUsesRelativeOperationWithProxyVersion",
            MessageLevel::Warning,
            object,
            path,
            "This EnvoyFilter does not have a priority and has a relative patch operation (NSTERT_BEFORE/AFTER, REPLACE, MERGE, DELETE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.".to_owned(),
        )
    } else {
        Message::new(
            "IST0151",
            "EnvoyFilterUsesRelativeOperation",
            MessageLevel::Warning,
            object,
            path,
            "This EnvoyFilter does not have a priority and has a relative patch operation set which can cause the EnvoyFilter not to be applied. Using the INSERT_FIRST of ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.".to_owned(),
        )
    }
}

/// The message for an operation Envoy ignores where it is applied.
fn misplaced(object: &Object, index: usize, code: &'static str, name: &'static str, text: &str) -> Message {
    Message::new(
        code,
        name,
        MessageLevel::Error,
        object,
        Some(format!("spec.configPatches[{index}].applyTo")),
        text.to_owned(),
    )
}

/// Reports EnvoyFilter patches whose operation does not fit where it applies, and relative
/// operations without a priority.
pub fn envoy_filter_patches(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    // Names of the filters patched with a proxy version condition so far.
    let mut versioned: Vec<String> = Vec::new();
    for object in context.objects {
        let Object::EnvoyFilter(ef) = object else { continue };
        let no_priority = ef.spec.priority.unwrap_or(0) == 0;
        for (index, patch) in ef.spec.config_patches.iter().enumerate() {
            let Some(body) = &patch.patch else { break };
            let filter_chain_filter = || {
                patch
                    .match_
                    .as_ref()
                    .and_then(|m| m.listener.as_ref())
                    .and_then(|l| l.filter_chain.as_ref())
                    .map(|fc| fc.filter.as_ref().and_then(|f| f.name.clone()).unwrap_or_default())
            };
            let name = match &body.value {
                Some(value) => match value.get("name") {
                    Some(name) => format!("value {name}"),
                    None => filter_chain_filter().unwrap_or_default(),
                },
                None => String::new(),
            };
            let apply_to = patch.apply_to.unwrap_or_default();
            let route_level = matches!(apply_to, ApplyTo::RouteConfiguration | ApplyTo::HttpRoute);
            let relative_here = |messages: &mut Vec<Message>| {
                if no_priority {
                    messages.push(relative(object, index, versioned.contains(&name)));
                }
            };
            match body.operation.unwrap_or_default() {
                PatchOperation::Add if route_level => messages.push(misplaced(
                    object,
                    index,
                    "IST0153",
                    "EnvoyFilterUsesAddOperationIncorrectly",
                    "The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.",
                )),
                PatchOperation::Remove if route_level => messages.push(misplaced(
                    object,
                    index,
                    "IST0154",
                    "EnvoyFilterUsesRemoveOperationIncorrectly",
                    "The REMOVE operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.",
                )),
                PatchOperation::Replace
                    if !matches!(apply_to, ApplyTo::NetworkFilter | ApplyTo::HttpFilter | ApplyTo::VirtualHost) =>
                {
                    messages.push(misplaced(
                        object,
                        index,
                        "IST0152",
                        "EnvoyFilterUsesReplaceOperationIncorrectly",
                        "The REPLACE operation is only valid for HTTP_FILTER and NETWORK_FILTER.",
                    ))
                }
                PatchOperation::Remove
                | PatchOperation::Replace
                | PatchOperation::InsertBefore
                | PatchOperation::InsertAfter => relative_here(&mut messages),
                _ => {}
            }
            if patch
                .match_
                .as_ref()
                .and_then(|m| m.proxy.as_ref())
                .is_some_and(|p| p.proxy_version.as_deref().is_some_and(|v| !v.is_empty()))
            {
                versioned.push(name);
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn filter(priority: &str, patches: &str) -> Vec<Message> {
        let o = objects(&format!(
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {{name: f, namespace: n}}\nspec: {{{priority}configPatches: [{patches}]}}\n"
        ));
        envoy_filter_patches(&Context::new(&o))
    }

    #[test]
    fn relative_operations_need_a_priority() {
        let patch = "{applyTo: HTTP_FILTER, patch: {operation: INSERT_BEFORE, value: {name: lua}}}";
        let m = filter("", patch);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0151");
        assert!(filter("priority: 10, ", patch).is_empty());
    }

    #[test]
    fn route_level_add_and_remove_are_ignored() {
        let m = filter(
            "",
            "{applyTo: HTTP_ROUTE, patch: {operation: ADD, value: {name: r}}}, {applyTo: ROUTE_CONFIGURATION, patch: {operation: REMOVE}}",
        );
        let codes: Vec<&str> = m.iter().map(|m| m.code).collect();
        assert_eq!(codes, ["IST0153", "IST0154"]);
    }

    #[test]
    fn replace_applies_to_filters_only() {
        let m = filter("", "{applyTo: CLUSTER, patch: {operation: REPLACE, value: {name: c}}}");
        assert_eq!(m[0].code, "IST0152");
        assert_eq!(m[0].message, "The REPLACE operation is only valid for HTTP_FILTER and NETWORK_FILTER.");
    }

    #[test]
    fn an_earlier_versioned_patch_makes_the_warning_about_upgrades() {
        let m = filter(
            "",
            "{applyTo: HTTP_FILTER, match: {proxy: {proxyVersion: '^1\\.2.*'}}, patch: {operation: INSERT_FIRST, value: {name: lua}}}, {applyTo: HTTP_FILTER, patch: {operation: INSERT_AFTER, value: {name: lua}}}",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0155");
    }
}
