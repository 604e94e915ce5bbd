//! Telemetry checks: `telemetry.SelectorAnalyzer` (IST0101: a selector matching no pod of its
//! namespace; IST0159: one pod selected by several Telemetries),
//! `telemetry.DefaultSelectorAnalyzer` (IST0160: several selector-less Telemetries in one
//! namespace) and `telemetry.ProviderAnalyzer` (IST0157: access logging without providers
//! while the mesh has no default access-log provider).

use std::collections::BTreeMap;

use mesh_api::Object;
use mesh_api::telemetry::Telemetry;

use super::kube::{Selector, labels, raw_namespace};
use super::{Context, Message, MessageLevel};

fn telemetries(objects: &[Object]) -> impl Iterator<Item = (&Object, &Telemetry)> {
    objects.iter().filter_map(|o| match o {
        Object::Telemetry(t) => Some((o, t.as_ref())),
        _ => None,
    })
}

/// The sorted names of objects, as `[a b]`.
fn names(objects: &[&Object]) -> String {
    let mut names: Vec<&str> = objects.iter().map(|o| o.name().unwrap_or_default()).collect();
    names.sort_unstable();
    format!("[{}]", names.join(" "))
}

/// Reports Telemetry selectors that match no pod, and pods several Telemetries select.
pub fn telemetry_selectors(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    let mut by_pod: BTreeMap<usize, Vec<&Object>> = BTreeMap::new();
    for (object, telemetry) in telemetries(objects) {
        let selector =
            telemetry.spec.selector.as_ref().map(|s| Selector::from_pairs(&s.match_labels)).unwrap_or_default();
        if selector.is_empty() {
            continue;
        }
        let mut found = false;
        for (i, pod) in objects.iter().enumerate() {
            if matches!(pod, Object::Pod(_))
                && raw_namespace(pod) == raw_namespace(object)
                && selector.matches(&labels(pod))
            {
                found = true;
                by_pod.entry(i).or_default().push(object);
            }
        }
        if !found {
            messages.push(Message::referenced_resource_not_found(
                object,
                Some("spec.selector".to_owned()),
                "selector",
                &selector.to_string(),
            ));
        }
    }
    for (pod, list) in &by_pod {
        if list.len() < 2 {
            continue;
        }
        let pod = &objects[*pod];
        for object in list {
            messages.push(Message::new(
                "IST0159",
                "ConflictingTelemetryWorkloadSelectors",
                MessageLevel::Error,
                object,
                Some("metadata.name".to_owned()),
                format!(
                    "The Telemetries {} in namespace {:?} select the same workload pod {:?}, which can lead to undefined behavior.",
                    names(list),
                    raw_namespace(pod),
                    pod.name().unwrap_or_default()
                ),
            ));
        }
    }
    messages
}

/// Reports namespaces with several Telemetries without a selector.
pub fn telemetry_default_selectors(context: &Context<'_>) -> Vec<Message> {
    let mut by_namespace: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for (object, telemetry) in telemetries(context.objects) {
        if telemetry.spec.selector.is_none() {
            by_namespace.entry(raw_namespace(object)).or_default().push(object);
        }
    }
    let mut messages = Vec::new();
    for (namespace, list) in by_namespace.into_iter().filter(|(_, l)| l.len() > 1) {
        for object in &list {
            messages.push(Message::new(
                "IST0160",
                "MultipleTelemetriesWithoutWorkloadSelectors",
                MessageLevel::Error,
                object,
                Some("metadata.name".to_owned()),
                format!(
                    "The Telemetries {} in namespace {namespace:?} have no workload selector, which can lead to undefined behavior.",
                    names(&list)
                ),
            ));
        }
    }
    messages
}

/// Reports access logging without providers when the mesh has no default access-log provider.
pub fn telemetry_providers(context: &Context<'_>) -> Vec<Message> {
    let defaults = context
        .mesh_config
        .and_then(|c| c["defaultProviders"]["accessLogging"].as_array())
        .is_some_and(|a| !a.is_empty());
    if defaults {
        return Vec::new();
    }
    let mut messages = Vec::new();
    for (object, telemetry) in telemetries(context.objects) {
        for (i, logging) in telemetry.spec.access_logging.iter().enumerate() {
            if logging.disabled == Some(true) || !logging.providers.is_empty() {
                continue;
            }
            messages.push(Message::new(
                "IST0157",
                "InvalidTelemetryProvider",
                MessageLevel::Warning,
                object,
                Some(format!("spec.accessLogging[{i}]")),
                format!(
                    "The Telemetry {} in namespace {:?} with empty providers will be ignored.",
                    object.name().unwrap_or_default(),
                    raw_namespace(object)
                ),
            ));
        }
    }
    messages
}

/// `telemetry.LightstepAnalyzer`: tracing through a Lightstep extension provider, which
/// Istio deprecates in favour of OpenTelemetry (IST0002).
pub fn lightstep_providers(context: &Context<'_>) -> Vec<Message> {
    let lightstep: Vec<&str> = context
        .mesh_config
        .and_then(|c| c["extensionProviders"].as_array())
        .into_iter()
        .flatten()
        .filter(|p| !p["lightstep"].is_null())
        .filter_map(|p| p["name"].as_str())
        .collect();
    if lightstep.is_empty() {
        return Vec::new();
    }
    let mut messages = Vec::new();
    for (object, telemetry) in telemetries(context.objects) {
        for (i, tracing) in telemetry.spec.tracing.iter().enumerate() {
            for (j, provider) in tracing.providers.iter().enumerate() {
                if lightstep.contains(&provider.name.as_str()) {
                    messages.push(Message::new(
                        "IST0002",
                        "Deprecated",
                        MessageLevel::Warning,
                        object,
                        Some(format!("spec.tracing[{i}].providers[{j}]")),
                        format!(
                            "Deprecated: The Lightstep provider {} is deprecated, please migrate to OpenTelemetry provider.",
                            provider.name
                        ),
                    ));
                }
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn telemetry(name: &str, selector: &str) -> String {
        let selector =
            if selector.is_empty() { String::new() } else { format!("selector: {{matchLabels: {{{selector}}}}}, ") };
        format!(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: {name}, namespace: n}}\nspec: {{{selector}accessLogging: [{{disabled: false}}]}}\n---\n"
        )
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n, labels: {app: a}}\nspec: {containers: [{name: a}]}\n---\n";

    #[test]
    fn telemetry_selectors_must_match_one_pod_alone() {
        let m = telemetry_selectors(&Context::new(&objects(&format!(
            "{POD}{}{}{}",
            telemetry("t1", "app: a"),
            telemetry("t2", "app: a"),
            telemetry("t3", "app: b")
        ))));
        let codes: Vec<&str> = m.iter().map(|m| m.code).collect();
        assert_eq!(codes, ["IST0101", "IST0159", "IST0159"]);
        assert_eq!(
            m[1].message,
            "The Telemetries [t1 t2] in namespace \"n\" select the same workload pod \"p\", which can lead to undefined behavior."
        );
    }

    #[test]
    fn one_namespace_has_at_most_one_default_telemetry() {
        let o = objects(&format!("{}{}", telemetry("a", ""), telemetry("b", "")));
        let m = telemetry_default_selectors(&Context::new(&o));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].code, "IST0160");
    }

    #[test]
    fn access_logging_needs_a_provider() {
        let o = objects(&telemetry("a", ""));
        let m = telemetry_providers(&Context::new(&o));
        assert_eq!(m[0].message, "The Telemetry a in namespace \"n\" with empty providers will be ignored.");
        let config = serde_json::json!({"defaultProviders": {"accessLogging": ["envoy"]}});
        assert!(telemetry_providers(&Context::new(&o).with_mesh_config(&config)).is_empty());
    }

    #[test]
    fn lightstep_tracing_is_deprecated() {
        let o = objects(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t, namespace: istio-system}\nspec: {tracing: [{providers: [{name: ls}]}]}\n",
        );
        let config =
            serde_json::json!({"extensionProviders": [{"name": "ls", "lightstep": {"service": "a", "port": 443}}]});
        let m = lightstep_providers(&Context::new(&o).with_mesh_config(&config));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "Deprecated: The Lightstep provider ls is deprecated, please migrate to OpenTelemetry provider."
        );
        assert!(lightstep_providers(&Context::new(&o)).is_empty());
    }
}
