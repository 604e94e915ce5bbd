//! Transcript tests of `meshctl manifest generate --addons`.

use std::process::Command;

fn meshctl(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `kind/namespace/name` of every document of a stream, in order.
fn objects(stream: &str) -> Vec<String> {
    mesh_api::read_untyped(stream)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|d| d.is_object())
        .map(|d| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            format!("{}/{}/{}", text(&d["kind"]), text(&d["metadata"]["namespace"]), text(&d["metadata"]["name"]))
        })
        .collect()
}

#[test]
fn addons_follow_the_installation_in_apply_order() {
    let (code, stdout, stderr) = meshctl(&["manifest", "generate", "-s", "profile=empty", "--addons", "kiali,jaeger"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        objects(&stdout),
        [
            "ServiceAccount/istio-system/kiali",
            "ClusterRole//kiali",
            "ClusterRoleBinding//kiali",
            "ConfigMap/istio-system/kiali",
            "ConfigMap/istio-system/jaeger",
            "Deployment/istio-system/kiali",
            "Deployment/istio-system/jaeger",
            "Service/istio-system/kiali",
            "Service/istio-system/tracing",
            "Service/istio-system/zipkin",
            "Service/istio-system/jaeger-collector",
        ]
    );
}

#[test]
fn addons_go_to_the_namespace_of_istiod() {
    let (code, stdout, _) = meshctl(&[
        "manifest",
        "generate",
        "-s",
        "profile=minimal",
        "-s",
        "components.pilot.namespace=mesh",
        "--addons",
        "grafana",
    ]);
    assert_eq!(code, 0);
    let listed = objects(&stdout);
    assert!(listed.contains(&"Deployment/mesh/istiod".to_owned()));
    assert_eq!(listed.last().map(String::as_str), Some("Service/mesh/grafana"));
}

#[test]
fn reverse_puts_the_addons_first() {
    let (code, stdout, _) =
        meshctl(&["manifest", "generate", "-s", "profile=minimal", "--addons", "prometheus", "--reverse"]);
    assert_eq!(code, 0);
    let listed = objects(&stdout);
    assert_eq!(listed[0], "Service/istio-system/prometheus");
    assert_eq!(listed.last().map(String::as_str).map(|s| s.starts_with("CustomResourceDefinition")), Some(true));
}

#[test]
fn an_unknown_addon_is_a_usage_error() {
    let (code, stdout, stderr) = meshctl(&["manifest", "generate", "--addons", "kiali,zipkin"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("unknown addon \"zipkin\"; known addons: kiali, prometheus, grafana, jaeger"), "{stderr}");
}
