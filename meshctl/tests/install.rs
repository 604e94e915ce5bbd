//! Transcript tests of `meshctl install`, `uninstall` and `dashboard`: the dry-run plans
//! (which need no cluster and no `kube` feature), and what each build says when there is no
//! cluster to reach.

mod support;

use std::process::{Command, Stdio};

use support::{Run, Scratch, meshctl};

fn here() -> std::path::PathBuf {
    std::env::temp_dir()
}

/// The `[i/n] stage` lines of a plan.
fn stages(plan: &str) -> Vec<&str> {
    plan.lines().filter(|l| l.starts_with('[')).collect()
}

#[test]
fn install_dry_run_prints_every_object_in_order_and_the_waits() {
    let run = meshctl(&["install", "--dry-run", "-s", "profile=empty", "-s", "components.cni.enabled=true"], &here());
    let expected = "\
Plan: apply 8 objects in 2 steps by server-side apply as field manager \"meshctl\"
[1/2] namespaces
  apply Namespace istio-system
[2/2] cni
  apply ServiceAccount istio-system/istio-cni
  apply ClusterRole istio-cni
  apply ClusterRole istio-cni-repair-role
  apply ClusterRoleBinding istio-cni
  apply ClusterRoleBinding istio-cni-repair-role
  apply ConfigMap istio-system/istio-cni-config
  apply DaemonSet istio-system/istio-cni-node
  wait for DaemonSet istio-system/istio-cni-node to roll out
";
    assert_eq!(run, Run { code: 0, stdout: expected.to_owned(), stderr: String::new() });
}

#[test]
fn install_dry_run_of_demo_goes_base_pilot_then_gateways() {
    let run = meshctl(&["install", "--dry-run", "--set", "profile=demo", "-r", "canary"], &here());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        stages(&run.stdout),
        [
            "[1/6] namespaces",
            "[2/6] custom resource definitions",
            "[3/6] base",
            "[4/6] pilot",
            "[5/6] ingressGateways",
            "[6/6] egressGateways"
        ]
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |line: &str| lines.iter().position(|l| *l == line).unwrap_or_else(|| panic!("no line {line:?}"));
    assert!(
        at("  apply Deployment istio-system/istiod-canary")
            < at("  wait for Deployment istio-system/istiod-canary to roll out")
    );
    assert!(at("  wait for Deployment istio-system/istiod-canary to roll out") < at("[5/6] ingressGateways"));
    assert!(lines[0].starts_with("Plan: apply "), "{}", lines[0]);
}

#[test]
fn install_dry_run_reads_overlay_files() {
    let dir = Scratch::new("install", &[("iop.yaml", "spec:\n  profile: minimal\n")]);
    let run = meshctl(&["install", "--dry-run", "-f", "iop.yaml"], &dir.0);
    assert_eq!(run.code, 0);
    assert_eq!(
        stages(&run.stdout),
        ["[1/4] namespaces", "[2/4] custom resource definitions", "[3/4] base", "[4/4] pilot"]
    );
}

#[test]
fn uninstall_dry_run_goes_backwards_and_keeps_namespaces_and_crds() {
    let run = meshctl(&["uninstall", "--dry-run", "-s", "profile=minimal"], &here());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].ends_with(" in 2 steps (namespaces and custom resource definitions are kept)"), "{}", lines[0]);
    assert_eq!(stages(&run.stdout), ["[1/2] pilot", "[2/2] base"]);
    assert_eq!(lines[2], "  delete Service istio-system/istiod");
    assert!(!run.stdout.contains("wait for"));
    assert!(!run.stdout.contains("CustomResourceDefinition"));
}

#[test]
fn uninstall_purge_deletes_the_crds_last() {
    let run = meshctl(&["uninstall", "--dry-run", "--purge", "-s", "profile=minimal"], &here());
    assert_eq!(run.code, 0);
    assert_eq!(stages(&run.stdout).last(), Some(&"[3/3] custom resource definitions"));
    assert!(run.stdout.lines().next().is_some_and(|l| l.ends_with("(namespaces are kept)")));
}

#[test]
fn a_missing_overlay_file_exits_two() {
    let dir = Scratch::new("install-missing", &[]);
    let run = meshctl(&["install", "--dry-run", "-f", "nope.yaml"], &dir.0);
    assert_eq!(
        run,
        Run {
            code: 2,
            stdout: String::new(),
            stderr: "meshctl: nope.yaml: No such file or directory (os error 2)\n".into()
        }
    );
}

#[test]
fn an_unknown_profile_exits_one() {
    let run = meshctl(&["install", "--dry-run", "-s", "profile=demoo"], &here());
    assert_eq!(
        run,
        Run {
            code: 1,
            stdout: String::new(),
            stderr: "meshctl: unknown profile \"demoo\"; did you mean \"demo\"?\n".into()
        }
    );
}

#[test]
fn an_unknown_dashboard_is_a_usage_error() {
    let run = meshctl(&["dashboard", "kibana"], &here());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown addon \"kibana\"; known addons: kiali, prometheus, grafana, jaeger"),
        "{}",
        run.stderr
    );
}

/// Runs meshctl with no cluster configuration at all and nothing on stdin.
fn without_cluster(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(args)
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("HOME", "/nonexistent")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .stdin(Stdio::null())
        .output()
        .expect("meshctl runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[cfg(not(feature = "kube"))]
mod without_the_kube_feature {
    use super::*;

    const REBUILD: &str = "meshctl: this meshctl was built without the `kube` feature, so it cannot reach a cluster; \
                           rebuild it with `cargo install meshctl --features kube`";

    #[test]
    fn install_says_how_to_rebuild() {
        let run = without_cluster(&["install", "-s", "profile=minimal"]);
        let stderr = format!("{REBUILD}; `meshctl install --dry-run` prints the plan without one\n");
        assert_eq!(run, Run { code: 2, stdout: String::new(), stderr });
    }

    #[test]
    fn uninstall_says_how_to_rebuild() {
        let run = without_cluster(&["uninstall", "-y"]);
        let stderr = format!("{REBUILD}; `meshctl uninstall --dry-run` prints the plan without one\n");
        assert_eq!(run, Run { code: 2, stdout: String::new(), stderr });
    }

    #[test]
    fn dashboard_says_how_to_rebuild() {
        let run = without_cluster(&["dashboard", "kiali"]);
        assert_eq!(run, Run { code: 2, stdout: String::new(), stderr: format!("{REBUILD}\n") });
    }

    #[test]
    fn verify_install_from_the_cluster_says_how_to_rebuild() {
        let dir = Scratch::new("verify-cluster", &[("iop.yaml", "spec:\n  profile: minimal\n")]);
        let output = Command::new(env!("CARGO_BIN_EXE_meshctl"))
            .args(["verify-install", "-f", "iop.yaml", "--from-cluster"])
            .current_dir(&dir.0)
            .output()
            .expect("meshctl runs");
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&output.stderr), format!("{REBUILD}\n"));
    }
}

#[cfg(feature = "kube")]
mod with_the_kube_feature {
    use super::*;

    #[test]
    fn install_without_confirmation_changes_nothing() {
        let run = without_cluster(&["install", "-s", "profile=minimal"]);
        assert_eq!(run.code, 1);
        assert!(run.stderr.ends_with("Proceed? (y/N) meshctl: cancelled; nothing was changed\n"), "{}", run.stderr);
    }

    #[test]
    fn install_without_a_cluster_configuration_exits_two() {
        let run = without_cluster(&["install", "-y", "-s", "profile=minimal"]);
        assert_eq!((run.code, run.stdout.as_str()), (2, ""));
        assert!(run.stderr.starts_with("meshctl: cannot reach a cluster: "), "{}", run.stderr);
        assert!(run.stderr.ends_with("(set KUBECONFIG or a current context, or use --dry-run)\n"), "{}", run.stderr);
    }

    #[test]
    fn dashboard_without_a_cluster_configuration_exits_two() {
        let run = without_cluster(&["dashboard", "grafana", "--port", "0"]);
        assert_eq!((run.code, run.stdout.as_str()), (2, ""));
        assert!(run.stderr.starts_with("meshctl: cannot reach a cluster: "), "{}", run.stderr);
    }
}
