//! Transcript tests of `meshctl profile`: each runs the binary and checks stdout, stderr and
//! the exit code whole. The dump cases are the inputs of istioctl 1.23's `profile dump`
//! goldens, with today's `default` profile under them.

mod support;

use support::{Run, Scratch, meshctl};

use std::path::Path;

fn ok(stdout: &str) -> Run {
    Run { code: 0, stdout: stdout.to_owned(), stderr: String::new() }
}

fn failed(code: i32, stderr: &str) -> Run {
    Run { code, stdout: String::new(), stderr: stderr.to_owned() }
}

const ALL_OFF: &str = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: default
  components:
    pilot:
      enabled: false
    cni:
      enabled: false
";

const LIST_PATH: &str = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: istio-system
spec:
  values:
    gateways:
      istio-egressgateway:
        secretVolumes:
          - mountPath: /etc/istio/egressgateway-certs
            name: egressgateway-certs
";

#[test]
fn list_names_every_profile() {
    let run = meshctl(&["profile", "list"], Path::new("."));
    assert_eq!(
        run,
        ok("Istio configuration profiles:
    ambient
    default
    demo
    empty
    external
    minimal
    openshift
    openshift-ambient
    preview
    remote
    stable
")
    );
}

#[test]
fn dump_all_off_as_flags() {
    let scratch = Scratch::new("all-off", &[("all_off.yaml", ALL_OFF)]);
    let run = meshctl(&["profile", "dump", "-f", "all_off.yaml", "-o", "flags"], &scratch.0);
    assert_eq!(
        run,
        ok(r#"components.base.enabled=true
components.cni.enabled=false
components.egressGateways[0].enabled=false
components.egressGateways[0].name="istio-egressgateway"
components.ingressGateways[0].enabled=true
components.ingressGateways[0].name="istio-ingressgateway"
components.pilot.enabled=false
hub="registry.istio.io/testing"
profile="default"
tag="latest"
values.defaultRevision=""
values.global.configValidation=true
values.global.istioNamespace="istio-system"
values.ztunnel.resourceName="ztunnel"
"#)
    );
}

#[test]
fn dump_all_off_as_yaml() {
    let scratch = Scratch::new("all-off-yaml", &[("all_off.yaml", ALL_OFF)]);
    let run = meshctl(&["profile", "dump", "-f", "all_off.yaml"], &scratch.0);
    assert_eq!(
        run,
        ok("apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  components:
    base:
      enabled: true
    cni:
      enabled: false
    egressGateways:
    - enabled: false
      name: istio-egressgateway
    ingressGateways:
    - enabled: true
      name: istio-ingressgateway
    pilot:
      enabled: false
  hub: registry.istio.io/testing
  profile: default
  tag: latest
  values:
    defaultRevision: ''
    gateways:
      istio-egressgateway: {}
      istio-ingressgateway: {}
    global:
      configValidation: true
      istioNamespace: istio-system
    ztunnel:
      resourceName: ztunnel
")
    );
}

#[test]
fn dump_config_path_components() {
    let scratch = Scratch::new("config-path", &[("config_path.yaml", ALL_OFF)]);
    let run = meshctl(&["profile", "dump", "-f", "config_path.yaml", "--config-path", "components"], &scratch.0);
    assert_eq!(
        run,
        ok("base:
  enabled: true
cni:
  enabled: false
egressGateways:
- enabled: false
  name: istio-egressgateway
ingressGateways:
- enabled: true
  name: istio-ingressgateway
pilot:
  enabled: false
")
    );
    let run = meshctl(
        &["profile", "dump", "-f", "config_path.yaml", "--config-path", "components", "-o", "flags"],
        &scratch.0,
    );
    assert_eq!(
        run,
        ok(r#"base.enabled=true
cni.enabled=false
egressGateways[0].enabled=false
egressGateways[0].name="istio-egressgateway"
ingressGateways[0].enabled=true
ingressGateways[0].name="istio-ingressgateway"
pilot.enabled=false
"#)
    );
}

#[test]
fn dump_config_path_to_a_list() {
    let scratch = Scratch::new("list-path", &[("list_path.yaml", LIST_PATH)]);
    let path = "values.gateways.istio-egressgateway.secretVolumes";
    let run = meshctl(&["profile", "dump", "-f", "list_path.yaml", "-p", path], &scratch.0);
    assert_eq!(run, ok("- mountPath: /etc/istio/egressgateway-certs\n  name: egressgateway-certs\n"));
    let run = meshctl(&["profile", "dump", "-f", "list_path.yaml", "-p", path, "-o", "flags"], &scratch.0);
    assert_eq!(run, ok("[0].mountPath=\"/etc/istio/egressgateway-certs\"\n[0].name=\"egressgateway-certs\"\n"));
}

#[test]
fn dump_named_profile_as_json_subtree() {
    let run = meshctl(&["profile", "dump", "demo", "-p", "components.egressGateways", "-o", "json"], Path::new("."));
    assert_eq!(
        run,
        ok(r#"[
    {
        "enabled": true,
        "name": "istio-egressgateway"
    }
]
"#)
    );
}

#[test]
fn dump_applies_set_flags_after_files() {
    let scratch = Scratch::new("set", &[("all_off.yaml", ALL_OFF)]);
    let run = meshctl(
        &["profile", "dump", "-f", "all_off.yaml", "--set", "components.pilot.enabled=true", "-p", "components.pilot"],
        &scratch.0,
    );
    assert_eq!(run, ok("enabled: true\n"));
}

#[test]
fn name_takes_precedence_over_the_files() {
    let scratch = Scratch::new("name", &[("all_off.yaml", ALL_OFF)]);
    let run =
        meshctl(&["profile", "dump", "minimal", "-f", "all_off.yaml", "-p", "profile", "-o", "flags"], &scratch.0);
    assert_eq!(run, ok("=\"minimal\"\n"));
}

#[test]
fn dump_reads_profiles_from_a_manifests_folder() {
    let scratch = Scratch::new("manifests", &[]);
    std::fs::create_dir_all(scratch.0.join("pkg/profiles")).unwrap();
    std::fs::write(scratch.0.join("pkg/profiles/default.yaml"), "spec:\n  hub: example.com/istio\n  tag: \"1.0\"\n")
        .unwrap();
    std::fs::write(scratch.0.join("pkg/profiles/tiny.yaml"), "spec:\n  components:\n    pilot: {enabled: true}\n")
        .unwrap();
    let run = meshctl(&["profile", "dump", "tiny", "-d", "pkg", "-o", "flags"], &scratch.0);
    assert_eq!(
        run,
        ok(r#"components.pilot.enabled=true
hub="example.com/istio"
installPackagePath="pkg"
profile="tiny"
tag="1.0"
"#)
    );
    let run = meshctl(&["profile", "dump", "nope", "-d", "pkg"], &scratch.0);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("meshctl: profile \"nope\" in pkg: pkg/profiles/nope.yaml: "), "{}", run.stderr);
}

#[test]
fn dump_refuses_unknown_fields_with_a_suggestion() {
    let run = meshctl(&["profile", "dump", "--set", "values.pilot.autoscaleMinn=2"], Path::new("."));
    assert_eq!(
        run,
        failed(
            1,
            "meshctl: --set values.pilot.autoscaleMinn=2: spec.values.pilot.autoscaleMinn: unknown field \"autoscaleMinn\"; did you mean \"autoscaleMin\"?\n"
        )
    );
}

#[test]
fn dump_names_the_file_at_fault() {
    let scratch = Scratch::new("bad", &[("bad.yaml", "spec:\n  componets: {}\n")]);
    let run = meshctl(&["profile", "dump", "-f", "bad.yaml"], &scratch.0);
    assert_eq!(
        run,
        failed(1, "meshctl: bad.yaml: spec.componets: unknown field \"componets\"; did you mean \"components\"?\n")
    );
}

#[test]
fn dump_of_a_missing_file_exits_2() {
    let scratch = Scratch::new("missing", &[]);
    let run = meshctl(&["profile", "dump", "-f", "nope.yaml"], &scratch.0);
    assert_eq!(run, failed(2, "meshctl: nope.yaml: No such file or directory (os error 2)\n"));
}

#[test]
fn dump_of_an_unknown_profile_suggests_one() {
    let run = meshctl(&["profile", "dump", "minimall"], Path::new("."));
    assert_eq!(run, failed(1, "meshctl: unknown profile \"minimall\"; did you mean \"minimal\"?\n"));
}

#[test]
fn dump_of_a_missing_config_path_says_where_it_stopped() {
    let run = meshctl(&["profile", "dump", "-p", "components.cni"], Path::new("."));
    assert_eq!(run, failed(1, "meshctl: config path \"components.cni\": spec.components has no cni\n"));
}

#[test]
fn diff_of_equal_profiles() {
    let run = meshctl(&["profile", "diff", "preview", "preview"], Path::new("."));
    assert_eq!(run, ok("Profiles are identical\n"));
}

#[test]
fn diff_of_two_profiles() {
    let run = meshctl(&["profile", "diff", "default", "minimal"], Path::new("."));
    assert_eq!(
        run,
        Run {
            code: 1,
            stdout: "The difference between profiles:
--- default
+++ minimal
@@ -8,7 +8,7 @@
     - enabled: false
       name: istio-egressgateway
     ingressGateways:
-    - enabled: true
+    - enabled: false
       name: istio-ingressgateway
     pilot:
       enabled: true
"
            .to_owned(),
            stderr: String::new(),
        }
    );
}

#[test]
fn diff_of_an_unknown_profile_exits_2() {
    let run = meshctl(&["profile", "diff", "default", "prod"], Path::new("."));
    assert_eq!(
        run,
        failed(
            2,
            "meshctl: unknown profile \"prod\"; known profiles: ambient, default, demo, empty, external, minimal, openshift, openshift-ambient, preview, remote, stable\n"
        )
    );
}

#[test]
fn bad_output_format_is_a_usage_error() {
    let run = meshctl(&["profile", "dump", "-o", "text"], Path::new("."));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid value 'text' for '--output <OUTPUT>'"), "{}", run.stderr);
}
