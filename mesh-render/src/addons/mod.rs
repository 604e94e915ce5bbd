//! The observability addons Istio ships as samples (`samples/addons`): Kiali, Prometheus,
//! Grafana and Jaeger, as typed Kubernetes objects to add to a rendered installation.
//!
//! Each addon gets the images, ports, probes, Services, ServiceAccounts, RBAC and
//! ConfigMaps of Istio's sample, in the `istio-system` namespace (or the one given to
//! [`render_in`]), without sidecars (`sidecar.istio.io/inject: "false"` on the pods).
//!
//! What is left out on purpose:
//!
//! - Grafana's dashboards: the sample ships them as two large ConfigMaps
//!   (`istio-grafana-dashboards`, `istio-services-grafana-dashboards`). The Deployment still
//!   mounts both, marked optional, so Grafana starts without them and shows them once they are
//!   applied. Grafana's Loki data source is kept as in the sample.
//! - Helm chart bookkeeping (`helm.sh/chart` labels, config checksums).
//! - Prometheus's scrape configuration keeps the jobs Istio's metrics rely on (API servers,
//!   nodes, cAdvisor, annotated pods and service endpoints, Prometheus itself) and drops the
//!   community chart's `*-slow`, `kubernetes-services` and pushgateway jobs.
//! - Kiali's configuration file holds the settings the sample changes from Kiali's defaults.
//!
//! ```
//! use mesh_render::addons::{self, Addon};
//!
//! let objects = addons::render(&[Addon::Prometheus, Addon::Jaeger])?;
//! let service = objects.iter().find(|o| o.resource.kind() == "Service" && o.resource.name() == "tracing").unwrap();
//! assert_eq!(service.addon, Addon::Jaeger);
//! assert!(addons::to_yaml(&objects)?.contains("image: docker.io/prom/prometheus:v3.10.0"));
//! # Ok::<(), mesh_render::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use mesh_api::k8s_openapi;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::manifest::{Resource, sorted};

mod grafana;
mod jaeger;
mod kiali;
mod prometheus;

/// One observability addon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Addon {
    /// Kiali, the mesh console (Service `kiali`, port 20001).
    Kiali,
    /// Prometheus, scraping Istio's metrics (Service `prometheus`, port 9090).
    Prometheus,
    /// Grafana, with Prometheus as its data source (Service `grafana`, port 3000).
    Grafana,
    /// Jaeger, collecting traces (Services `tracing`, `zipkin`, `jaeger-collector`).
    Jaeger,
}

impl Addon {
    /// Every addon, in the order `istioctl dashboard` lists them.
    pub const ALL: [Addon; 4] = [Addon::Kiali, Addon::Prometheus, Addon::Grafana, Addon::Jaeger];

    /// The lower-case name, as `--addons` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Addon::Kiali => "kiali",
            Addon::Prometheus => "prometheus",
            Addon::Grafana => "grafana",
            Addon::Jaeger => "jaeger",
        }
    }

    /// Parses a comma-separated list such as `kiali,prometheus` (spaces allowed, empty
    /// entries ignored, duplicates kept once).
    ///
    /// # Errors
    ///
    /// The first name that is not an addon, with the known names.
    pub fn parse_list(list: &str) -> std::result::Result<Vec<Addon>, String> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let addon = name.parse::<Addon>()?;
            if !out.contains(&addon) {
                out.push(addon);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Addon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Addon {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Addon::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let known: Vec<&str> = Addon::ALL.iter().map(|a| a.name()).collect();
            format!("unknown addon {s:?}; known addons: {}", known.join(", "))
        })
    }
}

/// A rendered addon object and the addon it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct AddonObject {
    /// The addon.
    pub addon: Addon,
    /// The object.
    pub resource: Resource,
}

/// The objects of the given addons in `istio-system`, in apply order (accounts and roles,
/// then ConfigMaps, Deployments and Services).
///
/// # Errors
///
/// [`Error::Render`] when an object does not fit its kind (a bug; please report it).
pub fn render(addons: &[Addon]) -> Result<Vec<AddonObject>> {
    render_in(addons, "istio-system")
}

/// The objects of the given addons in a namespace of your choice.
///
/// # Errors
///
/// [`Error::Render`] when an object does not fit its kind (a bug; please report it).
pub fn render_in(addons: &[Addon], namespace: &str) -> Result<Vec<AddonObject>> {
    let mut out = Vec::new();
    for &addon in addons {
        let objects = match addon {
            Addon::Kiali => kiali::objects(namespace)?,
            Addon::Prometheus => prometheus::objects(namespace)?,
            Addon::Grafana => grafana::objects(namespace)?,
            Addon::Jaeger => jaeger::objects(namespace)?,
        };
        for object in objects {
            let resource = typed(object)?;
            if !out.iter().any(|o: &AddonObject| o.resource.key() == resource.key()) {
                out.push(AddonObject { addon, resource });
            }
        }
    }
    out.sort_by_key(|o| rank(o.resource.kind()));
    Ok(out)
}

/// The objects as a YAML stream, each document followed by `---` (keys sorted), ready to
/// append to `meshctl manifest generate` output.
///
/// # Errors
///
/// [`Error::Render`] when an object cannot be written (a bug; please report it).
pub fn to_yaml(objects: &[AddonObject]) -> Result<String> {
    let mut out = String::new();
    for object in objects {
        let fail = |e: String| Error::Render { message: format!("{}: {e}", object.resource.key()) };
        let value = object.resource.to_json().map_err(|e| fail(e.to_string()))?;
        let text = mesh_api::to_yaml(&sorted(value)).map_err(|e| fail(e.to_string()))?;
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    Ok(out)
}

fn rank(kind: &str) -> u8 {
    match kind {
        "ServiceAccount" | "ClusterRole" => 1,
        "ClusterRoleBinding" => 2,
        "Role" => 3,
        "RoleBinding" => 4,
        "ConfigMap" => 5,
        "Service" => 7,
        _ => 6,
    }
}

/// Types an object written as data in the addon files.
fn typed(value: Value) -> Result<Resource> {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
    fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<Box<T>> {
        serde_json::from_value(value).map(Box::new).map_err(|e| Error::Render { message: format!("addon: {e}") })
    }
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(match kind.as_str() {
        "ServiceAccount" => Resource::ServiceAccount(parse::<ServiceAccount>(value)?),
        "ClusterRole" => Resource::ClusterRole(parse::<ClusterRole>(value)?),
        "ClusterRoleBinding" => Resource::ClusterRoleBinding(parse::<ClusterRoleBinding>(value)?),
        "ConfigMap" => Resource::ConfigMap(parse::<ConfigMap>(value)?),
        "Deployment" => Resource::Deployment(parse::<Deployment>(value)?),
        "Service" => Resource::Service(parse::<Service>(value)?),
        other => return Err(Error::Render { message: format!("addon: kind {other:?} is not rendered") }),
    })
}

/// Object metadata with a name, namespace (none for cluster-scoped kinds) and labels.
fn meta(name: &str, namespace: Option<&str>, labels: &Value) -> Value {
    let mut meta = json!({"name": name, "labels": labels});
    if let Some(namespace) = namespace {
        meta["namespace"] = json!(namespace);
    }
    meta
}

/// A YAML file held in a ConfigMap, written from data.
fn yaml_file(value: &Value) -> Result<String> {
    mesh_api::to_yaml(value).map_err(|e| Error::Render { message: format!("addon config: {e}") })
}

/// A ServiceAccount.
fn service_account(name: &str, namespace: &str, labels: &Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, Some(namespace), labels)})
}

/// A ClusterRoleBinding granting a ClusterRole of the same name to a ServiceAccount.
fn cluster_role_binding(name: &str, namespace: &str, labels: &Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(name, None, labels),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
    })
}

/// A rule of a ClusterRole.
fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Container, Service};

    pub(crate) fn deployment<'a>(objects: &'a [AddonObject], name: &str) -> &'a Deployment {
        objects
            .iter()
            .find_map(|o| match &o.resource {
                Resource::Deployment(d) if o.resource.name() == name => Some(d.as_ref()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no Deployment {name}"))
    }

    pub(crate) fn service<'a>(objects: &'a [AddonObject], name: &str) -> &'a Service {
        objects
            .iter()
            .find_map(|o| match &o.resource {
                Resource::Service(s) if o.resource.name() == name => Some(s.as_ref()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no Service {name}"))
    }

    pub(crate) fn container<'a>(deployment: &'a Deployment, name: &str) -> &'a Container {
        let pod = deployment.spec.as_ref().and_then(|s| s.template.spec.as_ref()).unwrap();
        pod.containers.iter().find(|c| c.name == name).unwrap()
    }

    /// `(name, port, targetPort as text)` of each Service port.
    pub(crate) fn service_ports(service: &Service) -> Vec<(String, i32, String)> {
        let spec = service.spec.as_ref().unwrap();
        spec.ports
            .iter()
            .flatten()
            .map(|p| {
                let target = match &p.target_port {
                    Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i)) => i.to_string(),
                    Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s.clone(),
                    None => String::new(),
                };
                (p.name.clone().unwrap_or_default(), p.port, target)
            })
            .collect()
    }

    /// The Service selector is a subset of the Deployment's pod labels and equals its
    /// selector's match labels.
    pub(crate) fn assert_service_selects(service: &Service, deployment: &Deployment) {
        let selector = service.spec.as_ref().and_then(|s| s.selector.clone()).unwrap();
        let spec = deployment.spec.as_ref().unwrap();
        let labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap();
        for (key, value) in &selector {
            assert_eq!(labels.get(key), Some(value), "pod label {key}");
        }
        assert_eq!(spec.selector.match_labels.as_ref(), Some(&selector));
    }

    #[test]
    fn addon_lists_parse_with_spaces_and_duplicates() {
        assert_eq!(Addon::parse_list("kiali, prometheus,,kiali").unwrap(), [Addon::Kiali, Addon::Prometheus]);
        assert_eq!(
            Addon::parse_list("kiali,zipkin").unwrap_err(),
            "unknown addon \"zipkin\"; known addons: kiali, prometheus, grafana, jaeger"
        );
    }

    #[test]
    fn every_addon_renders_in_apply_order_without_sidecars() {
        let objects = render(&Addon::ALL).unwrap();
        let ranks: Vec<u8> = objects.iter().map(|o| rank(o.resource.kind())).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
        for addon in Addon::ALL {
            let made: Vec<&AddonObject> = objects.iter().filter(|o| o.addon == addon).collect();
            let d = made.iter().find(|o| o.resource.kind() == "Deployment").unwrap();
            let Resource::Deployment(d) = &d.resource else { unreachable!() };
            let labels = d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.as_ref());
            assert_eq!(labels.unwrap().get("sidecar.istio.io/inject").map(String::as_str), Some("false"));
        }
    }

    #[test]
    fn objects_go_to_the_namespace_given() {
        let objects = render_in(&[Addon::Grafana], "observability").unwrap();
        assert!(objects.iter().all(|o| o.resource.namespace() == Some("observability")));
    }

    #[test]
    fn the_yaml_stream_reads_back_as_the_same_objects() {
        let objects = render(&Addon::ALL).unwrap();
        let text = to_yaml(&objects).unwrap();
        let loaded = mesh_api::load_str(&text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.documents.len(), objects.len());
    }
}
