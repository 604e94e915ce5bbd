//! Checks on what objects say about themselves: `deprecation.DeprecationAnalyzer` (IST0002:
//! deprecated fields and removed kinds), `conditions.ConditionAnalyzer` (IST0171: negative
//! status conditions written by Istio or the Gateway API) and `k8sgateway.SelectorAnalyzer`
//! (IST0166: policies selecting the pods of a Kubernetes Gateway by label instead of
//! `targetRef`).

use mesh_api::Object;
use mesh_api::{LabelSelector, PolicyTargetReference};

use super::kube::{labels, others, raw_namespace};
use super::{Context, Message, MessageLevel};

fn deprecated(object: &Object, path: Option<String>, detail: &str) -> Message {
    Message::new("IST0002", "Deprecated", MessageLevel::Warning, object, path, format!("Deprecated: {detail}"))
}

/// The RBAC kinds Istio removed.
const REMOVED_KINDS: [&str; 4] = ["ClusterRbacConfig", "RbacConfig", "ServiceRole", "ServiceRoleBinding"];

/// Reports deprecated fields in VirtualServices and Sidecars, and CRDs of removed kinds.
pub fn deprecations(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for object in context.objects {
        match object {
            Object::VirtualService(vs) => {
                for (i, rule) in vs.spec.http.iter().enumerate() {
                    let percent = rule.fault.as_ref().and_then(|f| f.delay.as_ref()).and_then(|d| d.percent);
                    if percent.is_some_and(|p| p > 0) {
                        messages.push(deprecated(
                            object,
                            Some(format!("spec.http[{i}].fault.delay.percent")),
                            "HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage",
                        ));
                    }
                }
            }
            Object::Sidecar(sc)
                if sc.spec.outbound_traffic_policy.as_ref().is_some_and(|p| p.egress_proxy.is_some()) =>
            {
                messages.push(deprecated(
                    object,
                    Some("spec.outboundTrafficPolicy.egressProxy".to_owned()),
                    "OutboundTrafficPolicy.EgressProxy ignored",
                ));
            }
            _ => {}
        }
    }
    for (object, data) in others(context.objects, "CustomResourceDefinition") {
        let group = data["spec"]["group"].as_str().unwrap_or_default();
        let kind = data["spec"]["names"]["kind"].as_str().unwrap_or_default();
        if group == "rbac.istio.io" && REMOVED_KINDS.contains(&kind) {
            messages.push(deprecated(
                object,
                Some("spec.names.kind".to_owned()),
                &format!("Custom resource type {group} {kind} is removed"),
            ));
        }
    }
    messages
}

/// The condition types that are bad news when `False`, by kind (and API group).
fn negative_types(object: &Object) -> &'static [&'static str] {
    match (object.kind(), object.group()) {
        ("Service", "") | ("ServiceEntry", _) | ("WorkloadEntry", _) => &["istio.io/WaypointBound"],
        ("AuthorizationPolicy", _) => &["ZtunnelAccepted", "WaypointAccepted"],
        ("Gateway" | "HTTPRoute" | "GRPCRoute", "gateway.networking.k8s.io") => {
            &["Accepted", "Programmed", "ResolvedRefs"]
        }
        _ => &[],
    }
}

/// The status conditions of an object, as untyped data.
fn conditions(object: &Object) -> Vec<serde_json::Value> {
    let status = match object {
        Object::Other(o) => o.data["status"].clone(),
        Object::Service(s) => serde_json::to_value(&s.status).unwrap_or_default(),
        Object::ServiceEntry(s) => serde_json::to_value(&s.status).unwrap_or_default(),
        Object::WorkloadEntry(s) => serde_json::to_value(&s.status).unwrap_or_default(),
        Object::AuthorizationPolicy(s) => serde_json::to_value(&s.status).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let mut out: Vec<serde_json::Value> = status["conditions"].as_array().cloned().unwrap_or_default();
    for parent in status["parents"].as_array().into_iter().flatten() {
        out.extend(parent["conditions"].as_array().cloned().unwrap_or_default());
    }
    out
}

/// Reports status conditions that say an object is not accepted, bound or programmed.
pub fn negative_conditions(context: &Context<'_>) -> Vec<Message> {
    let mut messages = Vec::new();
    for object in context.objects {
        let negative = negative_types(object);
        if negative.is_empty() {
            continue;
        }
        for condition in conditions(object) {
            let text = |key: &str| condition[key].as_str().unwrap_or_default().to_owned();
            let (kind, status, reason) = (text("type"), text("status"), text("reason"));
            let partial =
                object.kind() == "AuthorizationPolicy" && kind == "WaypointAccepted" && reason == "PartiallyInvalid";
            if (negative.contains(&kind.as_str()) && status == "False") || partial {
                messages.push(Message::new(
                    "IST0171",
                    "NegativeConditionStatus",
                    MessageLevel::Warning,
                    object,
                    Some("status.conditions".to_owned()),
                    format!(
                        "A condition with a negative status is present: type={kind}, reason={reason}, message={}.",
                        text("message")
                    ),
                ));
            }
        }
    }
    messages
}

/// The label Kubernetes Gateway deployments carry with their Gateway's name.
const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// Reports policies whose label selector picks the pods of a Kubernetes Gateway.
pub fn ineffective_gateway_selectors(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let policy = |o: &Object| -> Option<(Option<LabelSelector>, bool)> {
        let targeted =
            |one: &Option<PolicyTargetReference>, many: &Vec<PolicyTargetReference>| one.is_some() || !many.is_empty();
        match o {
            Object::AuthorizationPolicy(p) => {
                Some((p.spec.selector.clone(), targeted(&p.spec.target_ref, &p.spec.target_refs)))
            }
            Object::RequestAuthentication(p) => {
                Some((p.spec.selector.clone(), targeted(&p.spec.target_ref, &p.spec.target_refs)))
            }
            Object::Telemetry(p) => Some((p.spec.selector.clone(), targeted(&p.spec.target_ref, &p.spec.target_refs))),
            Object::WasmPlugin(p) => Some((p.spec.selector.clone(), targeted(&p.spec.target_ref, &p.spec.target_refs))),
            _ => None,
        }
    };
    let mut messages = Vec::new();
    for object in objects {
        let Some((Some(selector), false)) = policy(object) else { continue };
        for pod in objects.iter().filter(|o| matches!(o, Object::Pod(_)) && raw_namespace(o) == raw_namespace(object)) {
            let pod_labels = labels(pod);
            let Some(gateway) = pod_labels.get(GATEWAY_NAME_LABEL) else { continue };
            if selector.match_labels.iter().all(|(k, v)| pod_labels.get(k) == Some(v)) {
                messages.push(Message::new(
                    "IST0166",
                    "IneffectiveSelector",
                    MessageLevel::Warning,
                    object,
                    Some("spec.selector".to_owned()),
                    format!("Ineffective selector on Kubernetes Gateway {gateway}. Use the TargetRef field instead."),
                ));
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    #[test]
    fn delay_percent_is_deprecated() {
        let o = objects(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec: {hosts: [a], http: [{fault: {delay: {percent: 10, fixedDelay: 1s}}, route: [{destination: {host: a}}]}]}\n",
        );
        let m = deprecations(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "Deprecated: HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage"
        );
    }

    #[test]
    fn false_acceptance_conditions_are_reported() {
        let o = objects(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: n}\nspec: {}\nstatus: {parents: [{conditions: [{type: Accepted, status: 'False', reason: NoMatchingParent, message: none}]}]}\n",
        );
        let m = negative_conditions(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "A condition with a negative status is present: type=Accepted, reason=NoMatchingParent, message=none."
        );
    }

    #[test]
    fn selecting_kubernetes_gateway_pods_is_ineffective() {
        let o = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: gw, namespace: n, labels: {gateway.networking.k8s.io/gateway-name: web, app: gw}}\nspec: {containers: [{name: istio-proxy}]}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap, namespace: n}\nspec: {selector: {matchLabels: {app: gw}}}\n",
        );
        let m = ineffective_gateway_selectors(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Ineffective selector on Kubernetes Gateway web. Use the TargetRef field instead.");
    }
}
