//! `services.MultiClusterServiceAnalyzer`: a Service defined in several clusters must agree
//! on its type, headless mode and ports, or which definition applies depends on the cluster
//! (IST0170). It reads several snapshots at once, so it is not in [`super::ANALYZERS`].

use std::collections::{BTreeMap, BTreeSet};

use mesh_api::Object;
use mesh_api::k8s_openapi::api::core::v1::Service;

use super::kube::services;
use super::{Message, MessageLevel};

/// One service's definition in each cluster that has it.
type PerCluster<'a> = BTreeMap<&'a str, (&'a Object, &'a Service)>;

/// A service's ports as data, sorted by name, for comparison.
fn ports(service: &Service) -> Vec<serde_json::Value> {
    let mut list: Vec<serde_json::Value> = service
        .spec
        .iter()
        .flat_map(|s| s.ports.iter().flatten())
        .filter_map(|p| serde_json::to_value(p).ok())
        .collect();
    list.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    list
}

fn headless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

fn service_type(service: &Service) -> Option<&str> {
    service.spec.as_ref().and_then(|s| s.type_.as_deref())
}

/// Reports Services whose definitions differ between the clusters given (cluster name and
/// its objects).
pub fn multi_cluster_services(clusters: &[(&str, &[Object])]) -> Vec<Message> {
    // (namespace, name) → cluster → (object, service).
    let mut by_name: BTreeMap<(String, String), PerCluster<'_>> = BTreeMap::new();
    for (cluster, objects) in clusters {
        for (object, service) in services(objects) {
            let key = (object.namespace().unwrap_or_default().to_owned(), object.name().unwrap_or_default().to_owned());
            by_name.entry(key).or_default().insert(cluster, (object, service));
        }
    }
    let mut messages = Vec::new();
    for ((namespace, name), found) in by_name {
        let Some((first_cluster, (object, first))) = found.iter().next() else { continue };
        if found.len() < 2 {
            continue;
        }
        let mut clusters = BTreeSet::new();
        let mut reasons = BTreeSet::new();
        for (cluster, (_, service)) in &found {
            if headless(first) != headless(service) {
                clusters.extend(found.keys().copied());
                reasons.insert("service has mixed mode like headless and clusterIP");
            }
            if service_type(first) != service_type(service) {
                clusters.insert(*cluster);
                reasons.insert("service type is inconsistent");
            }
            if ports(first) != ports(service) {
                clusters.insert(*cluster);
                reasons.insert("service ports are inconsistent");
            }
        }
        if clusters.is_empty() {
            continue;
        }
        clusters.insert(first_cluster);
        let quoted: Vec<String> = clusters.iter().map(|c| format!("{c:?}")).collect();
        messages.push(Message::new(
            "IST0170",
            "MultiClusterInconsistentService",
            MessageLevel::Warning,
            object,
            Some("spec".to_owned()),
            format!(
                "The service {name} in namespace {namespace:?} is inconsistent across clusters [{}], which can lead to undefined behaviors. The inconsistent behaviors are: {}.",
                quoted.join(" "),
                reasons.into_iter().collect::<Vec<_>>().join("; ")
            ),
        ));
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    fn service(port: u32) -> Vec<Object> {
        objects(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: shop}}\nspec: {{ports: [{{name: http, port: {port}}}]}}\n"
        ))
    }

    #[test]
    fn a_service_must_agree_across_clusters() {
        let (a, b) = (service(80), service(8080));
        let m = multi_cluster_services(&[("c1", &a), ("c2", &b)]);
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].message,
            "The service web in namespace \"shop\" is inconsistent across clusters [\"c1\" \"c2\"], which can lead to undefined behaviors. The inconsistent behaviors are: service ports are inconsistent."
        );
        let same = service(80);
        assert!(multi_cluster_services(&[("c1", &a), ("c2", &same)]).is_empty());
    }
}
