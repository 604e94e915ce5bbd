//! `verify` over the demo profile: the rendered objects read back as a cluster would show
//! them, then changed the ways a cluster drifts from its manifest.

use mesh_api::Object;
use mesh_render::verify::{self, Status};
use mesh_render::{Manifest, Overlays, manifest};
use serde_json::{Value, json};

fn demo() -> Manifest {
    let merged = Overlays::new().set("profile=demo").unwrap().merge().unwrap();
    manifest::render(&merged).unwrap()
}

/// The manifest's objects as data, as a `kubectl get -o yaml` List would hold them.
fn as_list(manifest: &Manifest, change: impl Fn(&mut Vec<Value>)) -> Vec<Object> {
    let mut items: Vec<Value> = manifest.objects().iter().map(|o| o.resource.to_json().unwrap()).collect();
    for item in &mut items {
        item["metadata"]["uid"] = json!("0b1e4c7e-0000-4000-8000-000000000000");
        item["metadata"]["resourceVersion"] = json!("4711");
    }
    change(&mut items);
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
    let (objects, errors) = verify::observed_objects(mesh_api::load_str(&mesh_api::to_yaml(&list).unwrap()));
    assert!(errors.is_empty(), "{errors:?}");
    objects
}

fn find<'a>(items: &'a mut [Value], kind: &str, name: &str) -> &'a mut Value {
    items.iter_mut().find(|i| i["kind"] == kind && i["metadata"]["name"] == name).unwrap()
}

#[test]
fn the_demo_profile_verifies_against_itself() {
    let manifest = demo();
    let report = verify::verify(&manifest, &as_list(&manifest, |_| {}));
    assert!(report.is_success(), "{report}");
    assert_eq!(report.summary.ok, manifest.len());
    assert_eq!(report.summary.istio_deployments, 3);
    assert!(report.to_string().ends_with("✔ Istio is installed and verified successfully\n"));
}

#[test]
fn server_defaults_and_status_do_not_count() {
    let manifest = demo();
    let observed = as_list(&manifest, |items| {
        let istiod = find(items, "Deployment", "istiod");
        istiod["spec"]["progressDeadlineSeconds"] = json!(600);
        istiod["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = json!("/dev/termination-log");
        istiod["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "3"});
        istiod["status"] = json!({"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1});
        let service = find(items, "Service", "istiod");
        service["spec"]["clusterIP"] = json!("10.96.0.10");
    });
    assert!(verify::verify(&manifest, &observed).is_success());
}

#[test]
fn scaled_and_edited_objects_show_each_changed_field() {
    let manifest = demo();
    let observed = as_list(&manifest, |items| {
        let istiod = find(items, "Deployment", "istiod");
        istiod["spec"]["replicas"] = json!(3);
        let mesh = find(items, "ConfigMap", "istio");
        mesh["data"]["mesh"] = json!("accessLogFile: ''\n");
    });
    let report = verify::verify(&manifest, &observed);
    assert_eq!(report.summary.differs, 2);
    let istiod = report.objects.iter().find(|c| c.id.kind == "Deployment" && c.id.name == "istiod").unwrap();
    assert_eq!(istiod.status, Status::Differs);
    assert_eq!(istiod.differences[0].path, "spec.replicas");
    assert_eq!(istiod.differences[0].expected, Some(json!(1)));
    assert_eq!(istiod.differences[0].observed, Some(json!(3)));
    let mesh = report.objects.iter().find(|c| c.id.kind == "ConfigMap" && c.id.name == "istio").unwrap();
    assert_eq!(mesh.differences[0].path, "data.mesh");
}

#[test]
fn a_deleted_gateway_is_missing_with_its_component() {
    let manifest = demo();
    let observed = as_list(&manifest, |items| {
        items.retain(|i| !(i["kind"] == "Deployment" && i["metadata"]["name"] == "istio-egressgateway"));
    });
    let report = verify::verify(&manifest, &observed);
    let missing: Vec<_> = report.with_status(Status::Missing).collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].component.as_deref(), Some("egressGateways"));
    assert_eq!(missing[0].to_string(), "✘ Deployment: istio-egressgateway.istio-system: not found");
}
