//! `gateway.IngressGatewayPortAnalyzer`: a Gateway's selector must match at least one pod
//! (IST0101), and each server port must be a port of a Service selecting those pods
//! (IST0162).

use std::collections::BTreeSet;

use super::kube::{Selector, labels, pods, raw_namespace, service_selector, services};
use super::{Context, Message, MessageLevel};
use mesh_api::Object;

/// Reports gateways that select no pod, and server ports no service of their pods exposes.
pub fn gateway_ports(context: &Context<'_>) -> Vec<Message> {
    let objects = context.objects;
    let mut messages = Vec::new();
    for object in objects {
        let Object::Gateway(gw) = object else { continue };
        let selector = Selector::from_pairs(&gw.spec.selector);
        let mut matched = 0;
        // Target ports (or ports without one), and service ports mapped to a target port.
        let mut ports = BTreeSet::new();
        for (pod, _) in pods(objects) {
            let pod_labels = labels(pod);
            if !selector.matches(&pod_labels) {
                continue;
            }
            matched += 1;
            for (svc_object, svc) in services(objects) {
                if raw_namespace(svc_object) != raw_namespace(pod) || !service_selector(svc).matches(&pod_labels) {
                    continue;
                }
                for port in svc.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
                    if port.protocol.as_deref().unwrap_or("TCP") != "TCP" {
                        continue;
                    }
                    let target = match &port.target_port {
                        Some(mesh_api::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => *n,
                        _ => 0,
                    };
                    if target != 0 {
                        ports.insert(i64::from(target));
                    } else {
                        ports.insert(i64::from(port.port));
                    }
                    ports.insert(i64::from(port.port));
                }
            }
        }
        if matched == 0 {
            messages.push(Message::referenced_resource_not_found(
                object,
                Some("spec.selector".to_owned()),
                "selector",
                &selector.to_string(),
            ));
            continue;
        }
        for (i, server) in gw.spec.servers.iter().enumerate() {
            let number = server.port.number;
            if !ports.contains(&i64::from(number)) {
                messages.push(Message::new(
                    "IST0162",
                    "GatewayPortNotDefinedOnService",
                    MessageLevel::Warning,
                    object,
                    Some(format!("spec.servers[{i}].port.number")),
                    format!(
                        "The gateway is listening on a target port (port {number}) that is not defined in the Service associated with its workload instances (Pod selector {selector}). If you need to access the gateway port through the gateway Service, it will not be available."
                    ),
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

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}\nspec: {containers: [{name: istio-proxy}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: gw, namespace: istio-system}\nspec: {selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}]}\n---\n";

    fn gateway(selector: &str, port: u32) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: g, namespace: default}}\nspec: {{selector: {{{selector}}}, servers: [{{port: {{number: {port}, name: http, protocol: HTTP}}, hosts: ['*']}}]}}\n"
        )
    }

    #[test]
    fn gateway_selector_must_match_a_pod() {
        let o = objects(&format!("{POD}{}", gateway("istio: nothing", 80)));
        let m = gateway_ports(&Context::new(&o));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, "IST0101");
        assert_eq!(m[0].message, "Referenced selector not found: \"istio=nothing\"");
    }

    #[test]
    fn gateway_port_must_be_a_service_port_or_target_port() {
        for (port, expected) in [(80, 0), (8080, 0), (81, 1)] {
            let o = objects(&format!("{POD}{}", gateway("istio: ingressgateway", port)));
            let m = gateway_ports(&Context::new(&o));
            assert_eq!(m.len(), expected, "port {port}");
            if let Some(m) = m.first() {
                assert_eq!(m.code, "IST0162");
                assert!(m.message.contains("(port 81)") && m.message.contains("Pod selector istio=ingressgateway"));
            }
        }
    }
}
