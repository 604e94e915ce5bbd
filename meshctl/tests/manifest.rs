//! Transcript tests of `meshctl manifest generate`: each runs the binary and checks stdout,
//! stderr and the exit code (whole where the output is short, else the object sequence).

use std::process::Command;

#[derive(Debug, PartialEq)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn meshctl(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
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
fn empty_profile_prints_nothing() {
    assert_eq!(
        meshctl(&["manifest", "generate", "--set", "profile=empty"]),
        Run { code: 0, stdout: String::new(), stderr: String::new() }
    );
}

#[test]
fn cni_alone_prints_its_account_roles_config_and_daemon_set() {
    let run = meshctl(&["manifest", "generate", "-s", "profile=empty", "-s", "components.cni.enabled=true"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        objects(&run.stdout),
        [
            "ServiceAccount/istio-system/istio-cni",
            "ClusterRole//istio-cni",
            "ClusterRole//istio-cni-repair-role",
            "ClusterRoleBinding//istio-cni",
            "ClusterRoleBinding//istio-cni-repair-role",
            "ConfigMap/istio-system/istio-cni-config",
            "DaemonSet/istio-system/istio-cni-node",
        ]
    );
    assert!(run.stdout.starts_with("apiVersion: v1\nkind: ServiceAccount\n"));
    assert!(run.stdout.ends_with("---\n"));
    assert!(run.stdout.contains("        image: registry.istio.io/testing/install-cni:latest\n"));
}

#[test]
fn revision_flag_names_istiod_after_the_revision() {
    let run = meshctl(&[
        "manifest",
        "generate",
        "--set",
        "profile=minimal",
        "--revision",
        "canary",
        "--set",
        "hub=docker.io/istio",
        "--set",
        "tag=1.24.0",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = objects(&run.stdout);
    assert!(objects.contains(&"Deployment/istio-system/istiod-canary".to_owned()));
    assert!(objects.contains(&"MutatingWebhookConfiguration//istio-sidecar-injector-canary".to_owned()));
    assert!(objects[0].starts_with("CustomResourceDefinition/"));
    assert!(objects.last().unwrap().starts_with("Service/"));
    assert!(run.stdout.contains("image: docker.io/istio/pilot:1.24.0\n"));
}

#[test]
fn default_revision_flag_means_no_revision() {
    let run = meshctl(&["manifest", "generate", "--set", "profile=minimal", "-r", "default"]);
    assert!(objects(&run.stdout).contains(&"Deployment/istio-system/istiod".to_owned()));
}

#[test]
fn reverse_prints_the_deletion_order() {
    let forward = objects(&meshctl(&["manifest", "generate", "-s", "profile=demo"]).stdout);
    let mut backward = objects(&meshctl(&["manifest", "generate", "-s", "profile=demo", "--reverse"]).stdout);
    backward.reverse();
    assert_eq!(forward, backward);
    assert!(forward.contains(&"Deployment/istio-system/istio-egressgateway".to_owned()));
}

#[test]
fn with_namespaces_prints_the_namespace_first() {
    let run = meshctl(&[
        "manifest",
        "generate",
        "-s",
        "profile=empty",
        "-s",
        "components.cni.enabled=true",
        "-s",
        "components.cni.namespace=kube-system",
        "--with-namespaces",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n---\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn missing_file_exits_2() {
    let run = meshctl(&["manifest", "generate", "-f", "/no/such/file.yaml"]);
    assert_eq!(
        run,
        Run {
            code: 2,
            stdout: String::new(),
            stderr: "meshctl: /no/such/file.yaml: No such file or directory (os error 2)\n".into()
        }
    );
}

#[test]
fn unknown_profile_exits_1() {
    let run = meshctl(&["manifest", "generate", "--set", "profile=demoo"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(run.stderr.starts_with("meshctl: "), "{}", run.stderr);
    assert!(run.stderr.contains("demo"), "{}", run.stderr);
}

#[test]
fn bad_overlay_patch_exits_1_naming_it() {
    let run = meshctl(&[
        "manifest",
        "generate",
        "--set",
        "profile=minimal",
        "--set",
        "components.pilot.k8s.overlays[0].kind=Deployment",
        "--set",
        "components.pilot.k8s.overlays[0].name=nope",
    ]);
    assert_eq!(
        run,
        Run {
            code: 1,
            stdout: String::new(),
            stderr: "meshctl: manifest: overlay for Deployment:nope does not match any rendered object\n".into()
        }
    );
}

#[test]
fn validation_errors_stop_generation_unless_forced() {
    let run = meshctl(&["manifest", "generate", "-s", "profile=empty", "-s", "revision=Bad_Rev"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("meshctl: the configuration is not valid (--force renders it anyway):\n  spec.revision: "),
        "{}",
        run.stderr
    );
    let run = meshctl(&["manifest", "generate", "--force", "-s", "profile=empty", "-s", "revision=Bad_Rev"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert!(run.stderr.starts_with("meshctl: warning: spec.revision: "), "{}", run.stderr);
    assert!(run.stderr.trim_end().ends_with("(continuing because of --force)"), "{}", run.stderr);
}

#[test]
fn force_leaves_out_unknown_values_keys() {
    let run = meshctl(&["manifest", "generate", "-s", "profile=empty", "-s", "values.global.badKey=1"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("spec.values.global.badKey: unknown field"), "{}", run.stderr);
    let run = meshctl(&["manifest", "generate", "--force", "-s", "profile=empty", "-s", "values.global.badKey=1"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert!(run.stderr.contains("badKey") && run.stderr.contains("left out because of --force"), "{}", run.stderr);
}
