//! `meshnetworks.MeshNetworksAnalyzer`: every `fromRegistry` of the mesh networks must name a
//! known service registry: `Kubernetes`, `External`, `Mock`, or a cluster of a remote secret
//! (IST0126).

use super::kube::{labels, others};
use super::{Context, Message, MessageLevel};

/// Reports network endpoints that name an unknown service registry.
pub fn mesh_networks(context: &Context<'_>) -> Vec<Message> {
    let Some(networks) = context.mesh_networks else { return Vec::new() };
    let mut registries: Vec<String> = ["Mock", "Kubernetes", "External"].map(str::to_owned).to_vec();
    for (object, data) in others(context.objects, "Secret") {
        if labels(object).get("istio/multiCluster").is_some_and(|v| v == "true") {
            registries.extend(data["data"].as_object().into_iter().flatten().map(|(k, _)| k.clone()));
        }
    }
    let mut messages = Vec::new();
    for (network, spec) in networks["networks"].as_object().into_iter().flatten() {
        for (j, endpoint) in spec["endpoints"].as_array().into_iter().flatten().enumerate() {
            let Some(registry) = endpoint["fromRegistry"].as_str() else { continue };
            if !registries.iter().any(|r| r == registry) {
                messages.push(Message {
                    code: "IST0126",
                    name: "UnknownMeshNetworksServiceRegistry",
                    level: MessageLevel::Error,
                    resource: "MeshNetworks istio-system/meshnetworks".to_owned(),
                    path: Some(format!("networks.{network}.endpoints[{j}].fromRegistry")),
                    message: format!("Unknown service registry {registry} in network {network}"),
                    file: None,
                    line: None,
                });
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_endpoints_must_name_a_known_registry() {
        let networks = serde_json::json!({"networks": {
            "n1": {"endpoints": [{"fromRegistry": "Kubernetes"}, {"fromRegistry": "other"}]},
        }});
        let mut context = Context::new(&[]);
        context.mesh_networks = Some(&networks);
        let m = mesh_networks(&context);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message, "Unknown service registry other in network n1");
        assert_eq!(m[0].resource, "MeshNetworks istio-system/meshnetworks");
    }
}
