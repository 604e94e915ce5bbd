//! Transcript tests of `meshctl kube-inject`: command, stdout, stderr and exit code.

mod support;

use support::{Scratch, meshctl};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  containers:
  - name: hello
    image: hello:1
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  ports:
  - port: 80
";

const HOST_NETWORK: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: sample
spec:
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      hostNetwork: true
      containers:
      - name: hello
        image: hello:1
";

fn names_after(stdout: &str, key: &str) -> Vec<String> {
    // The `name:` entries of the list under `key` at two-space indent (`  containers:`).
    let mut out = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line == format!("  {key}:") {
            inside = true;
            continue;
        }
        if inside && !line.starts_with("  ") {
            break;
        }
        if inside && line.starts_with("  ") && !line.starts_with("   ") && !line.starts_with("  -") {
            break;
        }
        if inside && let Some(name) = line.strip_prefix("    name: ") {
            out.push(name.to_owned());
        }
    }
    out
}

#[test]
fn offline_auto_injects_a_regular_proxy_container() {
    let dir = Scratch::new("auto", &[("pod.yaml", POD)]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml"], &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.starts_with("---\napiVersion: v1\nkind: Pod\n"), "{}", run.stdout);
    assert_eq!(names_after(&run.stdout, "containers"), ["hello", "istio-proxy"]);
    assert_eq!(names_after(&run.stdout, "initContainers"), ["istio-init"]);
    assert!(run.stdout.contains("    image: registry.istio.io/testing/proxyv2:latest\n"));
}

#[test]
fn native_sidecars_true_puts_the_proxy_among_init_containers() {
    let dir = Scratch::new("native", &[("pod.yaml", POD)]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml", "--native-sidecars", "true", "--revision", "canary"], &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(names_after(&run.stdout, "containers"), ["hello"]);
    assert_eq!(names_after(&run.stdout, "initContainers"), ["istio-init", "istio-proxy"]);
    assert!(run.stdout.contains("    istio.io/rev: canary\n"), "{}", run.stdout);
    assert!(run.stdout.contains("      value: istiod-canary.istio-system.svc:15012\n"), "{}", run.stdout);
}

#[test]
fn other_kinds_pass_through_unchanged() {
    let dir = Scratch::new("service", &[("svc.yaml", SERVICE)]);
    let run = meshctl(&["kube-inject", "-f", "svc.yaml"], &dir.0);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  ports:\n  - port: 80\n"
    );
}

#[test]
fn host_network_workloads_are_skipped_with_a_warning() {
    let dir = Scratch::new("host", &[("d.yaml", HOST_NETWORK)]);
    let run = meshctl(&["kube-inject", "-f", "d.yaml"], &dir.0);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "Skipping injection because Deployment \"sample/hello\" has host networking enabled\n");
    assert!(!run.stdout.contains("istio-proxy"));
}

#[test]
fn a_missing_file_exits_2() {
    let dir = Scratch::new("missing", &[]);
    let run = meshctl(&["kube-inject", "-f", "missing.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "missing.yaml: No such file or directory (os error 2)\n");
}

#[test]
fn unknown_values_keys_are_kept_for_templates_with_a_warning() {
    let dir = Scratch::new("values", &[("pod.yaml", POD), ("values.yaml", "global:\n  proxyy: {}\n")]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml", "--valuesFile", "values.yaml"], &dir.0);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "values.yaml: unknown key global.proxyy kept for text templates only\n");
    assert!(run.stdout.contains("istio-proxy"));
}

#[test]
fn a_values_file_of_the_wrong_shape_exits_2_and_is_named() {
    let dir = Scratch::new("badvalues", &[("pod.yaml", POD), ("values.yaml", "global:\n  hub: [a]\n")]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml", "--valuesFile", "values.yaml"], &dir.0);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("values.yaml: global.hub: "), "{}", run.stderr);
}

#[test]
fn an_operator_file_sets_hub_and_cni() {
    let iop = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  hub: example.com/istio
  tag: 1.2.3
  components:
    cni:
      enabled: true
";
    let dir = Scratch::new("iop", &[("pod.yaml", POD), ("iop.yaml", iop)]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml", "--operatorFileName", "iop.yaml"], &dir.0);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(names_after(&run.stdout, "initContainers"), ["istio-validation"]);
    assert!(run.stdout.contains("    image: example.com/istio/proxyv2:1.2.3\n"), "{}", run.stdout);
}

#[test]
fn inject_config_templates_and_set_flags_shape_the_sidecar() {
    let template = "spec:\n  containers:\n  - name: istio-proxy\n    image: '{{ .Values.global.hub }}/custom:{{ .Values.global.suffix }}'\n";
    let values = "global:\n  suffix: v1\n";
    let dir = Scratch::new("custom", &[("pod.yaml", POD), ("inject.tmpl", template), ("values.yaml", values)]);
    let run = meshctl(
        &[
            "kube-inject",
            "-f",
            "pod.yaml",
            "--injectConfigFile",
            "inject.tmpl",
            "--valuesFile",
            "values.yaml",
            "--set",
            "values.global.hub=example.com",
        ],
        &dir.0,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "values.yaml: unknown key global.suffix kept for text templates only\n");
    assert_eq!(names_after(&run.stdout, "containers"), ["hello", "istio-proxy"]);
    assert!(run.stdout.contains("image: example.com/custom:v1\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("labels: {}"), "{}", run.stdout);
    assert!(!run.stdout.contains("  initContainers:"), "{}", run.stdout);
}

#[test]
fn a_template_mesh_cannot_evaluate_is_named() {
    let config = "templates:\n  mine: '{{ toJSON .Spec }}'\n";
    let pod = POD.replace("  name: hello\n", "  name: hello\n  annotations:\n    inject.istio.io/templates: mine\n");
    let dir = Scratch::new("unsupported", &[("pod.yaml", pod.as_str()), ("config.yaml", config)]);
    let run = meshctl(&["kube-inject", "-f", "pod.yaml", "--injectConfigFile", "config.yaml"], &dir.0);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("hello: injection template \"mine\": function \"toJSON\""), "{}", run.stderr);
}
