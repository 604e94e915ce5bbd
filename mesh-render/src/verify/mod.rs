//! Installation checks: a rendered [`Manifest`] compared with the objects a cluster holds, as
//! `istioctl verify-install` did up to Istio 1.23, but offline and field by field.
//!
//! The observed objects are ordinary [`mesh_api::Object`]s, usually read from the output of
//! `kubectl get -o yaml` ([`observed_objects`] unwraps its `kind: List` documents). For each
//! expected object the report says whether it is there and, when it is, which of the fields the
//! manifest sets hold other values, and, for Deployments and DaemonSets observed with a
//! `status`, whether they are rolled out; fields only the cluster sets (defaults the API server
//! fills in, `status`, extra annotations) never count. Observed objects that carry Istio's
//! install labels but that the manifest does not hold are listed as extra.
//!
//! ```
//! use mesh_render::{Overlays, manifest, verify};
//!
//! let merged = Overlays::new().set("profile=minimal")?.merge()?;
//! let expected = manifest::render(&merged)?;
//! let loaded = mesh_api::load_str(&expected.to_yaml()?);
//! let (observed, errors) = verify::observed_objects(loaded);
//! assert!(errors.is_empty());
//! let report = verify::verify(&expected, &observed);
//! assert!(report.is_success());
//! assert_eq!(report.summary.ok, expected.len());
//! # Ok::<(), mesh_render::Error>(())
//! ```

use std::collections::HashSet;
use std::fmt;

use mesh_api::{Document, Loaded, Object};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::install::{DeploymentWait, deployment_wait};
use crate::manifest::Manifest;

/// Which object a check is about: kind, namespace (none for cluster-scoped kinds) and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectId {
    /// The kind, such as `Deployment`.
    pub kind: String,
    /// The namespace, for namespaced objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
}

impl ObjectId {
    fn of(kind: &str, namespace: Option<&str>, name: Option<&str>) -> Self {
        ObjectId {
            kind: kind.to_owned(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_owned),
            name: name.unwrap_or_default().to_owned(),
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}: {}.{}", self.kind, self.name, namespace),
            None => write!(f, "{}: {}", self.kind, self.name),
        }
    }
}

/// The outcome for one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Present, and every field the manifest sets holds the expected value.
    Ok,
    /// Expected but not observed.
    Missing,
    /// Observed, but some fields the manifest sets hold other values.
    Differs,
    /// Observed and matching, but its observed status shows a workload not rolled out (a
    /// Deployment or DaemonSet whose pods are not all updated and available).
    NotReady,
    /// Observed with Istio's install labels, but not in the manifest.
    Extra,
}

/// One field whose observed value is not the expected one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Where the field is, with list items named by their `name` when they have one:
    /// `spec.template.spec.containers[name:discovery].image`.
    pub path: String,
    /// The value the manifest sets (none when the cluster has a list item the manifest lacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// The value observed (none when the field is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "<absent>".to_owned(), Value::to_string);
        write!(f, "{}: expected {}, observed {}", self.path, show(&self.expected), show(&self.observed))
    }
}

/// The check of one object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectCheck {
    /// The object.
    #[serde(flatten)]
    pub id: ObjectId,
    /// The component that renders it (`pilot`, `ingressGateways`, ...); none for extras.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The outcome.
    pub status: Status,
    /// For [`Status::Differs`], every field that differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// For [`Status::NotReady`], what the rollout is waiting for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl fmt::Display for ObjectCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Status::Ok => write!(f, "✔ {} checked successfully", self.id)?,
            Status::Missing => write!(f, "✘ {}: not found", self.id)?,
            Status::Extra => write!(f, "? {}: not in the manifest", self.id)?,
            Status::NotReady => write!(f, "✘ {}: {}", self.id, self.reason.as_deref().unwrap_or("not ready"))?,
            Status::Differs => {
                let n = self.differences.len();
                write!(f, "✘ {}: {n} field{} differ{}", self.id, plural(n), if n == 1 { "s" } else { "" })?;
                for difference in &self.differences {
                    write!(f, "\n    {difference}")?;
                }
            }
        }
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How many objects ended in each state, and the counts istioctl printed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Objects present and matching.
    pub ok: usize,
    /// Objects expected but absent.
    pub missing: usize,
    /// Objects present with other values.
    pub differs: usize,
    /// Workloads present and matching but not rolled out.
    #[serde(default)]
    pub not_ready: usize,
    /// Istio-labelled objects the manifest does not hold.
    pub extra: usize,
    /// CustomResourceDefinitions found as expected.
    pub crds: usize,
    /// Deployments found as expected whose name starts with `istio` (istioctl's "Istio
    /// Deployments").
    pub istio_deployments: usize,
}

/// What [`verify`] found: one check per expected object in manifest order, then the extras.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// The checks.
    pub objects: Vec<ObjectCheck>,
    /// The counts.
    pub summary: Summary,
}

impl VerifyReport {
    /// Whether every expected object is present and matches (extras do not count).
    pub fn is_success(&self) -> bool {
        self.summary.missing == 0 && self.summary.differs == 0 && self.summary.not_ready == 0
    }

    /// The checks with a given outcome.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &ObjectCheck> {
        self.objects.iter().filter(move |c| c.status == status)
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.objects {
            writeln!(f, "{check}")?;
        }
        let s = &self.summary;
        writeln!(f, "Checked {} custom resource definition{}", s.crds, plural(s.crds))?;
        writeln!(f, "Checked {} Istio Deployment{}", s.istio_deployments, plural(s.istio_deployments))?;
        write!(f, "{} ok, {} missing, {} differ", s.ok, s.missing, s.differs)?;
        if s.not_ready > 0 {
            write!(f, ", {} not ready", s.not_ready)?;
        }
        writeln!(f, ", {} extra", s.extra)?;
        if self.is_success() {
            writeln!(f, "✔ Istio is installed and verified successfully")
        } else if s.missing == 0 && s.differs == 0 {
            writeln!(f, "✘ Istio is installed as the manifest says but not rolled out yet")
        } else {
            writeln!(f, "✘ Istio installation does not match the manifest")
        }
    }
}

/// Splits loaded documents into objects, unwrapping `kind: List` documents (as `kubectl get
/// -o yaml` prints several objects) into their items. Items that do not load come back as
/// errors, with the load errors already in `loaded`.
pub fn observed_objects(loaded: Loaded) -> (Vec<Object>, Vec<mesh_api::Error>) {
    let mut objects = Vec::new();
    let mut errors = loaded.errors;
    for document in loaded.documents {
        unwrap_list(document.object, &mut objects, &mut errors);
    }
    (objects, errors)
}

fn unwrap_list(object: Object, objects: &mut Vec<Object>, errors: &mut Vec<mesh_api::Error>) {
    let items = match &object {
        Object::Other(dynamic) if object.kind() == "List" || object.kind().ends_with("List") => {
            dynamic.data.get("items").and_then(Value::as_array).cloned()
        }
        _ => None,
    };
    let Some(items) = items else {
        objects.push(object);
        return;
    };
    for item in items {
        match mesh_api::load_value(&item) {
            Ok(document) => unwrap_list(document.object, objects, errors),
            Err(e) => errors.push(e),
        }
    }
}

/// Labels that mark an object as made by an Istio installation.
const INSTALL_LABELS: [&str; 2] = ["operator.istio.io/component", "install.operator.istio.io/owning-resource"];

/// Kinds a controller makes from an installed object; never reported as extra.
const DERIVED_KINDS: [&str; 6] = ["Pod", "ReplicaSet", "ControllerRevision", "Endpoints", "EndpointSlice", "Event"];

/// Compares a manifest with the objects observed in a cluster.
///
/// Objects are matched by kind, namespace and name. Only the fields the manifest sets are
/// compared (apart from `apiVersion`, `kind` and `status`): an observed object may carry
/// more. Maps compare key by key, lists whose items all have a `name` item by item by name
/// (an observed item the manifest lacks is a difference), other lists position by position;
/// numbers and resource quantities (`2000m` = `2`) compare by value, an empty map or list in
/// the manifest matches an absent field, and a validating webhook rendered with
/// `failurePolicy: Ignore` may read `Fail` (istiod switches it once it serves).
pub fn verify(manifest: &Manifest, observed: &[Object]) -> VerifyReport {
    let observed: Vec<(ObjectId, &Object)> =
        observed.iter().map(|o| (ObjectId::of(o.kind(), o.namespace(), o.name()), o)).collect();
    let mut report = VerifyReport::default();
    let mut matched: HashSet<ObjectId> = HashSet::new();
    for object in manifest.objects() {
        let resource = &object.resource;
        let id = ObjectId::of(resource.kind(), resource.namespace(), Some(resource.name()));
        let component = Some(object.component.spec_name().to_owned());
        let Some((_, found)) = observed.iter().find(|(o, _)| *o == id) else {
            report.summary.missing += 1;
            report.objects.push(ObjectCheck {
                id,
                component,
                status: Status::Missing,
                differences: Vec::new(),
                reason: None,
            });
            continue;
        };
        matched.insert(id.clone());
        let expected = resource.to_json().unwrap_or(Value::Null);
        let actual = Document::new((*found).clone()).to_json().unwrap_or(Value::Null);
        let mut differences = Vec::new();
        if let (Value::Object(expected), Value::Object(actual)) = (&expected, &actual) {
            for (key, value) in expected {
                if !matches!(key.as_str(), "apiVersion" | "kind" | "status") {
                    compare(key, value, actual.get(key), &mut differences);
                }
            }
        }
        let reason = if differences.is_empty() { not_rolled_out(&expected, &actual) } else { None };
        let status = if reason.is_some() {
            report.summary.not_ready += 1;
            Status::NotReady
        } else if differences.is_empty() {
            report.summary.ok += 1;
            match id.kind.as_str() {
                "CustomResourceDefinition" => report.summary.crds += 1,
                "Deployment" if id.name.starts_with("istio") => report.summary.istio_deployments += 1,
                _ => {}
            }
            Status::Ok
        } else {
            report.summary.differs += 1;
            Status::Differs
        };
        report.objects.push(ObjectCheck { id, component, status, differences, reason });
    }
    for (id, object) in &observed {
        let meta = object.metadata();
        let labelled = meta.labels.as_ref().is_some_and(|l| INSTALL_LABELS.iter().any(|k| l.contains_key(*k)));
        let owned = meta.owner_references.as_ref().is_some_and(|r| !r.is_empty());
        if labelled && !owned && !DERIVED_KINDS.contains(&id.kind.as_str()) && !matched.contains(id) {
            matched.insert(id.clone());
            report.summary.extra += 1;
            report.objects.push(ObjectCheck {
                id: id.clone(),
                component: None,
                status: Status::Extra,
                differences: Vec::new(),
                reason: None,
            });
        }
    }
    report
}

/// Why an observed Deployment or DaemonSet is not rolled out, judged from its `status` as
/// istioctl 1.23's verifier did; none when it is, or when no status was observed.
fn not_rolled_out(expected: &Value, observed: &Value) -> Option<String> {
    let status = observed.get("status").filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))?;
    let count = |key: &str| status.get(key).and_then(Value::as_i64).unwrap_or(0);
    match expected.get("kind").and_then(Value::as_str)? {
        "Deployment" => match deployment_wait(observed)? {
            DeploymentWait::Stalled => Some("exceeded its progress deadline".to_owned()),
            DeploymentWait::Pending(why) => Some(format!("not ready: {why}")),
        },
        "DaemonSet" => {
            let desired = count("desiredNumberScheduled");
            let (scheduled, ready) = (count("currentNumberScheduled"), count("numberReady"));
            let rolling = observed
                .pointer("/spec/updateStrategy/type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "RollingUpdate");
            if scheduled != desired {
                Some(format!("not ready: {scheduled} of {desired} pods scheduled"))
            } else if rolling && (desired == 0 || ready < desired) {
                Some(format!("not ready: {ready} of {desired} pods ready"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Records where `observed` fails to hold what `expected` sets.
fn compare(path: &str, expected: &Value, observed: Option<&Value>, out: &mut Vec<Difference>) {
    let differ = |out: &mut Vec<Difference>| {
        out.push(Difference { path: path.to_owned(), expected: Some(expected.clone()), observed: observed.cloned() });
    };
    match expected {
        Value::Null => {}
        Value::Object(fields) if fields.is_empty() => {
            if observed.is_some_and(|o| !o.is_null() && !o.is_object()) {
                differ(out);
            }
        }
        Value::Object(fields) => match observed {
            Some(Value::Object(actual)) => {
                for (key, value) in fields {
                    compare(&format!("{path}.{key}"), value, actual.get(key), out);
                }
            }
            _ => differ(out),
        },
        Value::Array(items) if items.is_empty() => {
            if observed.is_some_and(|o| o.as_array().is_none_or(|a| !a.is_empty()) && !o.is_null()) {
                differ(out);
            }
        }
        Value::Array(items) => match observed {
            Some(Value::Array(actual)) => match (item_names(items), item_names(actual)) {
                (Some(names), Some(actual_names)) => {
                    for (name, item) in names.iter().zip(items) {
                        let found = actual_names.iter().position(|n| n == name).map(|i| &actual[i]);
                        compare(&format!("{path}[name:{name}]"), item, found, out);
                    }
                    for (name, item) in actual_names.iter().zip(actual) {
                        if !names.contains(name) {
                            out.push(Difference {
                                path: format!("{path}[name:{name}]"),
                                expected: None,
                                observed: Some(item.clone()),
                            });
                        }
                    }
                }
                _ if items.len() == actual.len() => {
                    for (i, (item, found)) in items.iter().zip(actual).enumerate() {
                        compare(&format!("{path}[{i}]"), item, Some(found), out);
                    }
                }
                _ => differ(out),
            },
            _ => differ(out),
        },
        Value::Number(n) => {
            let same = observed.and_then(Value::as_f64).zip(n.as_f64()).is_some_and(|(a, b)| a == b);
            if !same {
                differ(out);
            }
        }
        Value::String(text) if is_quantity_path(path) => {
            let same =
                observed.and_then(Value::as_str).zip(quantity(text)).is_some_and(|(o, e)| quantity(o) == Some(e));
            if !same && observed != Some(expected) {
                differ(out);
            }
        }
        scalar => {
            if observed != Some(scalar) && !owned_by_istiod(path, scalar) {
                differ(out);
            }
        }
    }
}

/// Whether a field holds a resource quantity, which the API server rewrites in canonical
/// form (`2000m` reads back as `2`, `1024Mi` as `1Gi`).
fn is_quantity_path(path: &str) -> bool {
    path.contains(".limits.") || path.contains(".requests.")
}

/// A quantity's value, as a number (`500m` is 0.5, `1Ki` is 1024).
fn quantity(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// Fields istiod changes after install: it turns its validating webhooks' `failurePolicy`
/// from `Ignore` to `Fail` once it serves them, so `Ignore` as rendered is never a difference.
fn owned_by_istiod(path: &str, expected: &Value) -> bool {
    path.starts_with("webhooks[") && path.ends_with("].failurePolicy") && expected == "Ignore"
}

/// The items' names, when every item is a map with a string `name`.
fn item_names(items: &[Value]) -> Option<Vec<&str>> {
    items.iter().map(|i| i.get("name").and_then(Value::as_str)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Overlays, manifest};

    fn minimal() -> Manifest {
        let merged = Overlays::new().set("profile=minimal").unwrap().merge().unwrap();
        manifest::render(&merged).unwrap()
    }

    fn observed_yaml(text: &str) -> Vec<Object> {
        let (objects, errors) = observed_objects(mesh_api::load_str(text));
        assert!(errors.is_empty(), "{errors:?}");
        objects
    }

    fn differences(expected: Value, observed: Value) -> Vec<Difference> {
        let mut out = Vec::new();
        compare("spec", &expected, Some(&observed), &mut out);
        out
    }

    #[test]
    fn the_rendered_objects_themselves_match() {
        let manifest = minimal();
        let report = verify(&manifest, &observed_yaml(&manifest.to_yaml().unwrap()));
        assert!(report.is_success());
        assert_eq!(report.summary.ok, manifest.len());
        assert_eq!(report.summary.istio_deployments, 1);
        assert!(report.summary.crds >= 14);
    }

    #[test]
    fn nothing_observed_means_every_object_is_missing() {
        let manifest = minimal();
        let report = verify(&manifest, &[]);
        assert!(!report.is_success());
        assert_eq!(report.summary.missing, manifest.len());
        assert!(report.to_string().contains("✘ Deployment: istiod.istio-system: not found\n"));
    }

    #[test]
    fn fields_only_the_cluster_sets_do_not_count() {
        let found = differences(
            serde_json::json!({"replicas": 1, "ports": [{"name": "http", "port": 80}]}),
            serde_json::json!({"replicas": 1.0, "paused": false, "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn named_list_items_are_compared_by_name() {
        let found = differences(
            serde_json::json!({"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}),
            serde_json::json!({"containers": [{"name": "b", "image": "y:1"}, {"name": "a", "image": "x:2"}]}),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "spec.containers[name:a].image");
        assert_eq!(found[0].to_string(), "spec.containers[name:a].image: expected \"x:1\", observed \"x:2\"");
    }

    #[test]
    fn an_observed_list_item_the_manifest_lacks_is_a_difference() {
        let found = differences(
            serde_json::json!({"env": [{"name": "A", "value": "1"}]}),
            serde_json::json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected, None);
        assert_eq!(found[0].path, "spec.env[name:B]");
    }

    #[test]
    fn quantities_compare_by_value() {
        let expected = serde_json::json!({"limits": {"cpu": "2000m", "memory": "1024Mi"}, "requests": {"cpu": "100m"}});
        let same = serde_json::json!({"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m"}});
        assert!(differences(expected.clone(), same).is_empty());
        let other = serde_json::json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "0.1"}});
        let found = differences(expected, other);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "spec.limits.cpu");
        assert_eq!(quantity("1.5Ki"), Some(1536.0));
        assert_eq!(quantity("lots"), None);
    }

    #[test]
    fn istiod_may_turn_its_webhooks_to_fail() {
        let mut out = Vec::new();
        let expected = serde_json::json!([{"name": "rev.validation.istio.io", "failurePolicy": "Ignore"}]);
        let observed = serde_json::json!([{"name": "rev.validation.istio.io", "failurePolicy": "Fail"}]);
        compare("webhooks", &expected, Some(&observed), &mut out);
        assert!(out.is_empty(), "{out:?}");
        let expected = serde_json::json!([{"name": "rev.validation.istio.io", "failurePolicy": "Fail"}]);
        let observed = serde_json::json!([{"name": "rev.validation.istio.io", "failurePolicy": "Ignore"}]);
        compare("webhooks", &expected, Some(&observed), &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn empty_maps_match_absent_fields() {
        assert!(differences(serde_json::json!({"emptyDir": {}, "args": []}), serde_json::json!({})).is_empty());
    }

    #[test]
    fn list_documents_are_unwrapped() {
        let objects = observed_yaml(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: a, namespace: ns}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b, namespace: ns}\nmetadata: {resourceVersion: \"\"}\n",
        );
        let kinds: Vec<&str> = objects.iter().map(Object::kind).collect();
        assert_eq!(kinds, ["ServiceAccount", "ConfigMap"]);
    }

    #[test]
    fn istio_labelled_objects_outside_the_manifest_are_extra() {
        let objects = observed_yaml(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: old\n  namespace: istio-system\n  labels: {operator.istio.io/component: Pilot}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: default}\n",
        );
        let report = verify(&Manifest::default(), &objects);
        assert_eq!(report.summary.extra, 1);
        assert!(report.is_success());
        assert_eq!(report.objects[0].to_string(), "? ServiceAccount: old.istio-system: not in the manifest");
    }

    fn deployment_with_status(status: Value) -> (Value, Value) {
        let expected = serde_json::json!({"kind": "Deployment", "spec": {"replicas": 2}});
        let observed = serde_json::json!({"kind": "Deployment", "spec": {"replicas": 2}, "status": status});
        (expected, observed)
    }

    #[test]
    fn a_deployment_is_rolled_out_when_every_replica_is_updated_and_available() {
        let (e, o) =
            deployment_with_status(serde_json::json!({"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}));
        assert_eq!(not_rolled_out(&e, &o), None);
        let (e, o) =
            deployment_with_status(serde_json::json!({"replicas": 2, "updatedReplicas": 1, "availableReplicas": 1}));
        assert_eq!(not_rolled_out(&e, &o).as_deref(), Some("not ready: 1 of 2 replicas updated"));
        let (e, o) =
            deployment_with_status(serde_json::json!({"replicas": 3, "updatedReplicas": 2, "availableReplicas": 2}));
        assert_eq!(not_rolled_out(&e, &o).as_deref(), Some("not ready: 1 old replica pending termination"));
        let (e, o) =
            deployment_with_status(serde_json::json!({"replicas": 2, "updatedReplicas": 2, "availableReplicas": 1}));
        assert_eq!(not_rolled_out(&e, &o).as_deref(), Some("not ready: 1 of 2 updated replicas available"));
    }

    #[test]
    fn a_stalled_deployment_is_not_ready_and_without_status_nothing_is_judged() {
        let (e, o) = deployment_with_status(serde_json::json!({
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}],
        }));
        assert_eq!(not_rolled_out(&e, &o).as_deref(), Some("exceeded its progress deadline"));
        let (e, mut o) = deployment_with_status(Value::Null);
        o.as_object_mut().unwrap().remove("status");
        assert_eq!(not_rolled_out(&e, &o), None);
    }

    #[test]
    fn a_daemon_set_needs_every_pod_scheduled_and_ready() {
        let expected = serde_json::json!({"kind": "DaemonSet"});
        let observed = |ready: i64| serde_json::json!({"status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": ready}});
        assert_eq!(not_rolled_out(&expected, &observed(3)), None);
        assert_eq!(not_rolled_out(&expected, &observed(2)).as_deref(), Some("not ready: 2 of 3 pods ready"));
    }

    #[test]
    fn the_report_serializes_with_its_summary() {
        let report = verify(&minimal(), &[]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["objects"][0]["status"], "missing");
        assert!(json["summary"]["missing"].as_u64().unwrap() > 10);
        let back: VerifyReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }
}
