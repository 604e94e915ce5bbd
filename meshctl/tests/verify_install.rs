//! Transcript tests of `meshctl verify-install`: an IstioOperator that renders one ingress
//! gateway, checked against observed objects written as `kubectl get -o yaml` prints them
//! (a `kind: List` with server-set fields, status and defaults).

use std::process::Command;

#[derive(Debug, PartialEq)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn verify_install(observed: &str, extra: &[&str]) -> Run {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/verify_install");
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .current_dir(dir)
        .args(["verify-install", "-f", "gateway-iop.yaml", "--observed", observed])
        .args(extra)
        .output()
        .expect("meshctl runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const CHECKED: &str = "\
✔ ServiceAccount: istio-ingressgateway-service-account.istio-system checked successfully
✔ Deployment: istio-ingressgateway.istio-system checked successfully
✔ Role: istio-ingressgateway-sds.istio-system checked successfully
✔ RoleBinding: istio-ingressgateway-sds.istio-system checked successfully
✔ Service: istio-ingressgateway.istio-system checked successfully
";

#[test]
fn a_complete_match_exits_zero() {
    let run = verify_install("observed-match.yaml", &[]);
    let expected = format!(
        "{CHECKED}Checked 0 custom resource definitions\nChecked 1 Istio Deployment\n\
         5 ok, 0 missing, 0 differ, 0 extra\n✔ Istio is installed and verified successfully\n"
    );
    assert_eq!(run, Run { code: 0, stdout: expected, stderr: String::new() });
}

#[test]
fn a_missing_deployment_exits_one() {
    let run = verify_install("observed-missing-deployment.yaml", &[]);
    let expected = CHECKED.replace(
        "✔ Deployment: istio-ingressgateway.istio-system checked successfully",
        "✘ Deployment: istio-ingressgateway.istio-system: not found",
    ) + "Checked 0 custom resource definitions\nChecked 0 Istio Deployments\n\
         4 ok, 1 missing, 0 differ, 0 extra\n✘ Istio installation does not match the manifest\n";
    assert_eq!(run, Run { code: 1, stdout: expected, stderr: String::new() });
}

#[test]
fn a_changed_image_is_shown_with_both_values_and_leftovers_are_extra() {
    let run = verify_install("observed-changed-image.yaml", &[]);
    let expected = CHECKED.replace(
        "✔ Deployment: istio-ingressgateway.istio-system checked successfully",
        "✘ Deployment: istio-ingressgateway.istio-system: 1 field differs\n    \
         spec.template.spec.containers[name:istio-proxy].image: \
         expected \"registry.istio.io/testing/proxyv2:latest\", observed \"docker.io/istio/proxyv2:1.23.0\"",
    ) + "? ServiceAccount: istiod-old.istio-system: not in the manifest\n\
         Checked 0 custom resource definitions\nChecked 0 Istio Deployments\n\
         4 ok, 0 missing, 1 differ, 1 extra\n✘ Istio installation does not match the manifest\n";
    assert_eq!(run, Run { code: 1, stdout: expected, stderr: String::new() });
}

#[test]
fn a_rollout_in_progress_is_not_ready() {
    let run = verify_install("observed-rolling-out.yaml", &[]);
    let expected = CHECKED.replace(
        "✔ Deployment: istio-ingressgateway.istio-system checked successfully",
        "✘ Deployment: istio-ingressgateway.istio-system: not ready: 1 old replica pending termination",
    ) + "Checked 0 custom resource definitions\nChecked 0 Istio Deployments\n\
         4 ok, 0 missing, 0 differ, 1 not ready, 0 extra\n\
         ✘ Istio is installed as the manifest says but not rolled out yet\n";
    assert_eq!(run, Run { code: 1, stdout: expected, stderr: String::new() });
}

#[test]
fn json_output_carries_each_difference_and_the_summary() {
    let run = verify_install("observed-changed-image.yaml", &["-o", "json"]);
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    let deployment = &report["objects"][1];
    assert_eq!(deployment["kind"], "Deployment");
    assert_eq!(deployment["status"], "differs");
    assert_eq!(deployment["component"], "ingressGateways");
    assert_eq!(deployment["differences"][0]["observed"], "docker.io/istio/proxyv2:1.23.0");
    assert_eq!(report["summary"]["differs"], 1);
    assert_eq!(report["summary"]["extra"], 1);
}

#[test]
fn several_observed_files_add_up() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/verify_install");
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .current_dir(dir)
        .args(["verify-install", "-f", "gateway-iop.yaml", "--observed"])
        .args(["observed-missing-deployment.yaml", "observed-match.yaml"])
        .output()
        .expect("meshctl runs");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn an_unreadable_observed_file_exits_two() {
    let run = verify_install("no-such-file.yaml", &[]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(run.stderr.starts_with("meshctl: "), "{}", run.stderr);
    assert!(run.stderr.contains("no-such-file.yaml"), "{}", run.stderr);
}

#[test]
fn an_unreadable_operator_file_exits_two() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/verify_install");
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .current_dir(dir)
        .args(["verify-install", "-f", "missing-iop.yaml", "--observed", "observed-match.yaml"])
        .output()
        .expect("meshctl runs");
    assert_eq!(output.status.code(), Some(2));
}
