//! Conformance with Istio's injection goldens (`inject/cases` of the shared corpus).
//!
//! Every (input, golden) pair of `inject/CASES.md` runs through [`mesh_render::inject::inject`]
//! with the settings that case was made with; the result is compared with the golden on the
//! pod template's container and init-container names, images, args, ports and env names,
//! volume names, annotations and labels, and on the objects present (kind and name).

use std::path::{Path, PathBuf};

use mesh_api::install::{InterceptionMode, IstioOperator};
use mesh_render::inject::{InjectionSettings, KubeInject, NativeSidecars, inject};
use serde_json::Value;

/// The cases that differ from their golden today, each with the reason. The test fails if any
/// other case differs, and also if one of these starts to match (so the list stays true).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Warnings `istioctl kube-inject` must print for a case (from `CASES.md`).
const EXPECTED_WARNINGS: &[(&str, &str)] = &[(
    "hello-host-network-with-ns.yaml.injected",
    "Skipping injection because Deployment \"sample/hello-host-network\" has host networking enabled",
)];

/// `MESH_CORPUS`, else the first `shared/corpus` above this crate.
fn corpus() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("MESH_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let found =
        Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|dir| dir.join("shared/corpus")).find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus not found");
        println!("skipped: corpus not found");
    }
    found
}

/// How a case's settings differ from the default ones.
#[derive(Clone, Copy)]
enum Setup {
    Default,
    Cni,
    CniNetwork,
    CniMultus,
    ProxyImage,
    ProxyInitImage,
    Tproxy,
    PullPolicy(&'static str),
    NativeOff,
    /// `TestInjectionOlderVersion`: native sidecars left at `auto` in a cluster with a kubelet
    /// older than 1.33.
    AutoOldKubelet,
    DrainDuration,
    TrafficParams,
    StatusParams,
    Operator(&'static str),
    MountMtlsCerts,
    Hold,
    TlsClientKey,
    EmptyTracing,
    Openshift,
    InboundLocalhost,
    OtelSemconv,
    Fips,
    /// Default settings, with an injection config holding Istio's own template files (as the
    /// chart's injector ConfigMap does): mesh renders its built-in templates in their place.
    IstioTemplates,
}

/// The explicit table of `CASES.md` (`TestInjection`, then `TestInjectionOlderVersion`): input,
/// golden, settings.
const EXPLICIT: &[(&str, &str, Setup)] = &[
    ("hello.yaml", "hello.yaml.cni.injected", Setup::CniNetwork),
    ("hello.yaml", "hello.yaml.proxyImageName.injected", Setup::ProxyImage),
    ("hello.yaml", "hello.yaml.proxyInitImageName.injected", Setup::ProxyInitImage),
    ("hello.yaml", "hello-tproxy.yaml.injected", Setup::Tproxy),
    ("hello.yaml", "hello-always.yaml.injected", Setup::PullPolicy("Always")),
    ("hello.yaml", "hello-never.yaml.injected", Setup::PullPolicy("Never")),
    ("hello.yaml", "hello-old-version.yaml.injected", Setup::NativeOff),
    ("format-duration.yaml", "format-duration.yaml.injected", Setup::DrainDuration),
    ("traffic-params.yaml", "traffic-params.yaml.injected", Setup::TrafficParams),
    ("status_params.yaml", "status_params.yaml.injected", Setup::StatusParams),
    ("kubevirtInterfaces.yaml", "kubevirtInterfaces.yaml.injected", Setup::StatusParams),
    ("reroute-virtual-interfaces.yaml", "reroute-virtual-interfaces.yaml.injected", Setup::StatusParams),
    (
        "hello.yaml",
        "hello-image-secrets-in-values.yaml.injected",
        Setup::Operator("hello-image-secrets-in-values.iop.yaml"),
    ),
    (
        "hello-image-pull-secret.yaml",
        "hello-multiple-image-secrets.yaml.injected",
        Setup::Operator("hello-image-secrets-in-values.iop.yaml"),
    ),
    ("hello.yaml", "hello-template-in-values.yaml.injected", Setup::Operator("hello-template-in-values.iop.yaml")),
    ("hello.yaml", "hello-mount-mtls-certs.yaml.injected", Setup::MountMtlsCerts),
    ("hello.yaml", "hello-cncf-networks.yaml.injected", Setup::CniMultus),
    ("hello-existing-cncf-networks.yaml", "hello-existing-cncf-networks.yaml.injected", Setup::CniMultus),
    ("hello-existing-cncf-networks-json.yaml", "hello-existing-cncf-networks-json.yaml.injected", Setup::CniMultus),
    ("hello.yaml", "hello.proxyHoldsApplication.yaml.injected", Setup::Hold),
    ("hello-probes.yaml", "hello-probes.proxyHoldsApplication.yaml.injected", Setup::Hold),
    (
        "hello-probes-proxyHoldApplication-ProxyConfig.yaml",
        "hello-probes-proxyHoldApplication-ProxyConfig.yaml.injected",
        Setup::Default,
    ),
    (
        "hello-probes-noProxyHoldApplication-ProxyConfig.yaml",
        "hello-probes-noProxyHoldApplication-ProxyConfig.yaml.injected",
        Setup::Hold,
    ),
    ("hello-service.yaml", "hello-service.yaml.injected", Setup::Default),
    ("cronjob.yaml", "cronjob.yaml.injected", Setup::Default),
    ("cronjob.yaml", "cronjob-old-version.yaml.injected", Setup::NativeOff),
    ("daemonset.yaml", "daemonset-old-version.yaml.injected", Setup::NativeOff),
    ("job.yaml", "job-old-version.yaml.injected", Setup::NativeOff),
    ("pod.yaml", "pod-old-version.yaml.injected", Setup::NativeOff),
    ("replicaset.yaml", "replicaset-old-version.yaml.injected", Setup::NativeOff),
    ("statefulset.yaml", "statefulset-old-version.yaml.injected", Setup::NativeOff),
    ("traffic-annotations.yaml", "traffic-annotations.yaml.injected", Setup::TlsClientKey),
    ("proxy-override.yaml", "proxy-override.yaml.injected", Setup::Default),
    ("explicit-security-context.yaml", "explicit-security-context.yaml.injected", Setup::Default),
    ("only-proxy-container.yaml", "only-proxy-container.yaml.injected", Setup::Default),
    ("proxy-override-args.yaml", "proxy-override-args.yaml.injected", Setup::Default),
    ("proxy-override-runas.yaml", "proxy-override-runas.yaml.injected", Setup::Default),
    ("proxy-override-runas.yaml", "proxy-override-runas.yaml.cni.injected", Setup::Cni),
    ("proxy-override-runas.yaml", "proxy-override-runas.yaml.tproxy.injected", Setup::Tproxy),
    ("proxy-override-args.yaml", "proxy-override-args-native.yaml.injected", Setup::Default),
    ("gateway.yaml", "gateway.yaml.injected", Setup::Default),
    ("native-sidecar.yaml", "native-sidecar.yaml.injected", Setup::Default),
    ("native-sidecar.yaml", "native-sidecar-old-version.yaml.injected", Setup::NativeOff),
    ("native-sidecar-opt-in.yaml", "native-sidecar-opt-in.yaml.injected", Setup::Default),
    ("native-sidecar-opt-in.yaml", "native-sidecar-opt-in.yaml.injected", Setup::NativeOff),
    ("native-sidecar-opt-out.yaml", "native-sidecar-opt-out.yaml.injected", Setup::Default),
    ("native-sidecar-opt-out.yaml", "native-sidecar-opt-out.yaml.injected", Setup::NativeOff),
    ("custom-template.yaml", "custom-template.yaml.injected", Setup::Operator("custom-template.iop.yaml")),
    ("tcp-probes.yaml", "tcp-probes.yaml.injected", Setup::Default),
    ("hello-host-network-with-ns.yaml", "hello-host-network-with-ns.yaml.injected", Setup::Default),
    ("merge-probers.yaml", "merge-probers.yaml.injected", Setup::Hold),
    ("hello-tracing-disabled.yaml", "hello-tracing-disabled.yaml.injected", Setup::EmptyTracing),
    ("truncate-canonical-name-pod.yaml", "truncate-canonical-name-pod.yaml.injected", Setup::Default),
    (
        "truncate-canonical-name-custom-controller-pod.yaml",
        "truncate-canonical-name-custom-controller-pod.yaml.injected",
        Setup::Default,
    ),
    ("hello-openshift.yaml", "hello-openshift.yaml.injected", Setup::Openshift),
    ("hello-openshift-custom-injection.yaml", "hello-openshift-custom-injection.yaml.injected", Setup::Openshift),
    ("hello-openshift-tproxy.yaml", "hello-openshift-tproxy.yaml.injected", Setup::Openshift),
    ("hello-probes-localhost.yaml", "hello-probes-localhost.yaml.injected", Setup::InboundLocalhost),
    (
        "proxy-resources-null.yaml",
        "proxy-resources-null.yaml.injected",
        Setup::Operator("proxy-resources-null.iop.yaml"),
    ),
    (
        "proxy-resources-null-no-init.yaml",
        "proxy-resources-null-no-init.yaml.injected",
        Setup::Operator("proxy-resources-null.iop.yaml"),
    ),
    (
        "proxy-resources-zero.yaml",
        "proxy-resources-zero.yaml.injected",
        Setup::Operator("proxy-resources-zero.iop.yaml"),
    ),
    (
        "proxy-resources-memory-null.yaml",
        "proxy-resources-memory-null.yaml.injected",
        Setup::Operator("proxy-resources-memory-null.iop.yaml"),
    ),
    (
        "proxy-resources-mixed-null.yaml",
        "proxy-resources-mixed-null.yaml.injected",
        Setup::Operator("proxy-resources-mixed-null.iop.yaml"),
    ),
    ("sidecar-spire.yaml", "sidecar-spire.yaml.injected", Setup::Operator("spire-template.iop.yaml")),
    ("gateway-spire.yaml", "gateway-spire.yaml.injected", Setup::Operator("spire-template.iop.yaml")),
    ("hello-otel-semconv.yaml", "hello-otel-semconv.yaml.injected", Setup::OtelSemconv),
    ("hello.yaml", "hello-fips-140-3.yaml.injected", Setup::Fips),
    // TestInjectionOlderVersion.
    ("native-sidecar.yaml", "native-sidecar-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("cronjob.yaml", "cronjob-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("daemonset.yaml", "daemonset-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("job.yaml", "job-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("pod.yaml", "pod-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("replicaset.yaml", "replicaset-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("statefulset.yaml", "statefulset-old-version.yaml.injected", Setup::AutoOldKubelet),
    ("hello.yaml", "hello-old-version.yaml.injected", Setup::AutoOldKubelet),
];

/// The `--set` flags (or IstioOperator file) a case's settings come from, as `CASES.md`
/// gives them; `None` for cases whose settings are edits of the mesh config or of the
/// injector's switches, which are made on the settings directly.
fn kube_inject_flags(setup: Setup) -> Option<(Vec<&'static str>, Option<&'static str>)> {
    let flags = match setup {
        Setup::Default => vec![],
        Setup::Cni => vec!["components.cni.enabled=true"],
        Setup::CniNetwork => {
            vec!["components.cni.enabled=true", "values.cni.provider=default", "values.global.network=network1"]
        }
        Setup::CniMultus => vec!["components.cni.enabled=true", "values.cni.provider=multus"],
        Setup::ProxyImage => vec!["values.global.proxy.image=proxyTest"],
        Setup::ProxyInitImage => vec!["values.global.proxy_init.image=proxyInitTest"],
        Setup::PullPolicy("Always") => vec!["values.global.imagePullPolicy=Always"],
        Setup::PullPolicy(_) => vec!["values.global.imagePullPolicy=Never"],
        Setup::TrafficParams => vec![
            "values.global.proxy.includeIPRanges=127.0.0.1/24\\,10.96.0.1/24",
            "values.global.proxy.excludeIPRanges=10.96.0.2/24\\,10.96.0.3/24",
            "values.global.proxy.excludeInboundPorts=4\\,5\\,6",
            "values.global.proxy.statusPort=0",
        ],
        Setup::StatusParams => vec![
            "values.global.proxy.statusPort=123",
            "values.global.proxy.readinessInitialDelaySeconds=100",
            "values.global.proxy.readinessPeriodSeconds=200",
            "values.global.proxy.readinessFailureThreshold=300",
        ],
        Setup::MountMtlsCerts => vec!["values.global.mountMtlsCerts=true"],
        Setup::Hold => vec!["values.global.proxy.holdApplicationUntilProxyStarts=true"],
        Setup::Operator(file) => return Some((vec![], Some(file))),
        _ => return None,
    };
    Some((flags, None))
}

/// Settings for a case, or the reason they cannot be modelled. Cases made with flags go
/// through [`KubeInject`] (what `meshctl kube-inject --set/--operatorFileName` runs), with
/// the flags of Istio's harness (`profile=empty`, `components.pilot.enabled=true`) and native
/// sidecars on (the harness's kubelets are 1.33 and 1.34). The other cases edit the default
/// settings directly.
fn settings(setup: Setup, dir: &Path) -> Result<InjectionSettings, String> {
    if matches!(setup, Setup::IstioTemplates) {
        let mut config = String::from("policy: enabled\ntemplates:\n");
        for (name, file) in [
            ("sidecar", "injection-template.yaml"),
            ("gateway", "gateway-injection-template.yaml"),
            ("grpc-agent", "grpc-agent.yaml"),
            ("grpc-simple", "grpc-simple.yaml"),
        ] {
            let text =
                std::fs::read_to_string(dir.join("../templates").join(file)).map_err(|e| format!("{file}: {e}"))?;
            config.push_str(&format!("  {name}: |\n"));
            for line in text.lines() {
                config.push_str(&format!("    {line}\n"));
            }
        }
        let mut inputs = KubeInject::new();
        inputs.inject_config("istio-templates", &config).native_sidecars(NativeSidecars::On);
        inputs.set("profile=empty").set("components.pilot.enabled=true");
        return inputs.settings().map(|(s, _)| s).map_err(|e| e.to_string());
    }
    if let Some((flags, operator)) = kube_inject_flags(setup) {
        let mut inputs = KubeInject::new();
        if let Some(file) = operator {
            let text = std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
            inputs.operator(file, &text);
        }
        for flag in flags.iter().chain(&["profile=empty", "components.pilot.enabled=true"]) {
            inputs.set(flag);
        }
        inputs.native_sidecars(NativeSidecars::On);
        return inputs.settings().map(|(s, _)| s).map_err(|e| e.to_string());
    }
    let mut s = InjectionSettings::default();
    match setup {
        Setup::Default => {}
        Setup::Cni => s.cni_enabled = true,
        Setup::CniNetwork => {
            s.cni_enabled = true;
            s.cni_provider = "default".into();
            s.network = "network1".into();
        }
        Setup::CniMultus => {
            s.cni_enabled = true;
            s.cni_provider = "multus".into();
        }
        Setup::ProxyImage => s.proxy_image = "proxyTest".into(),
        Setup::ProxyInitImage => s.proxy_init_image = "proxyInitTest".into(),
        Setup::Tproxy => s.proxy_config.interception_mode = Some(InterceptionMode::Tproxy),
        Setup::PullPolicy(p) => s.image_pull_policy = p.into(),
        Setup::NativeOff => s.native_sidecars = NativeSidecars::Off,
        Setup::AutoOldKubelet => {
            s.native_sidecars = NativeSidecars::Auto;
            s.kubelet_supports_native = false;
        }
        Setup::DrainDuration => {
            s.proxy_config.drain_duration = Some("23s".parse().map_err(|e| format!("duration: {e:?}"))?);
        }
        Setup::TrafficParams => {
            s.include_ip_ranges = "127.0.0.1/24,10.96.0.1/24".into();
            s.exclude_ip_ranges = "10.96.0.2/24,10.96.0.3/24".into();
            s.exclude_inbound_ports = "4,5,6".into();
            s.status_port = 0;
        }
        Setup::StatusParams => {
            s.status_port = 123;
            s.readiness_initial_delay_seconds = 100;
            s.readiness_period_seconds = 200;
            s.readiness_failure_threshold = 300;
        }
        Setup::Operator(file) => {
            let text = std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
            let iop = mesh_api::from_yaml_str::<IstioOperator>(&text).map_err(|e| format!("{file}: {e}"))?;
            s.apply_operator(&iop);
        }
        Setup::MountMtlsCerts => s.mount_mtls_certs = true,
        Setup::Hold => s.hold_application_until_proxy_starts = true,
        Setup::TlsClientKey => {
            s.proxy_config
                .proxy_metadata
                .insert("ISTIO_META_TLS_CLIENT_KEY".into(), "/etc/identity/client/keys/client-key.pem".into());
        }
        Setup::EmptyTracing => s.proxy_config.tracing = Some(Default::default()),
        Setup::Openshift => {
            // The fake namespace `test-ns` of Istio's harness.
            let ns: mesh_api::k8s_openapi::api::core::v1::Namespace = mesh_api::from_yaml_str(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: test-ns\n  annotations:\n    openshift.io/sa.scc.uid-range: 1000620000/10000\n    openshift.io/sa.scc.supplemental-groups: 1000620000/10000\n",
            )
            .map_err(|e| e.to_string())?;
            s.cni_enabled = true;
            s.apply_openshift_namespace(&ns);
        }
        Setup::InboundLocalhost => s.inbound_localhost = true,
        Setup::OtelSemconv => {
            let mesh: mesh_api::install::MeshConfig = untyped(
                "extensionProviders:\n- name: otel\n  opentelemetry:\n    service: otel-collector.observability.svc.cluster.local\n    port: 4317\n    serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS\n",
            )
            .map_err(|e| e.to_string())?;
            s.apply_mesh_config(&mesh);
        }
        Setup::Fips => s.compliance_policy = "fips-140-3".into(),
        Setup::IstioTemplates => {}
    }
    Ok(s)
}

/// Where a kind keeps its pod template.
fn template(doc: &Value) -> Option<&Value> {
    let kind = doc.get("kind")?.as_str()?;
    match kind {
        "Pod" => Some(doc),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicaSet"
        | "ReplicationController"
        | "DeploymentConfig" => doc.pointer("/spec/template"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

/// The compared view of one container.
fn container_view(c: &Value) -> Value {
    let env: Vec<Value> =
        c.get("env").and_then(Value::as_array).into_iter().flatten().map(|e| e["name"].clone()).collect();
    let ports: Vec<Value> = c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| serde_json::json!([p.get("containerPort"), p.get("name"), p.get("protocol")]))
        .collect();
    serde_json::json!({
        "name": c.get("name"),
        "image": c.get("image"),
        "args": c.get("args").cloned().unwrap_or(Value::Array(vec![])),
        "ports": ports,
        "env": env,
    })
}

fn strings_map(v: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(map) = v.and_then(Value::as_object) {
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for k in keys {
            let mut value = map[k].clone();
            if k == "sidecar.istio.io/status"
                && let Some(text) = value.as_str()
                && let Ok(Value::Object(mut status)) = serde_json::from_str::<Value>(text)
            {
                status.remove("version");
                value = Value::String(Value::Object(status).to_string());
            }
            out.insert(k.clone(), value);
        }
    }
    Value::Object(out)
}

/// Drops what only Go's serializer writes: `null`s and the empty `resources: {}` and
/// `securityContext: {}` of containers.
fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| {
                let empty = v.as_object().is_some_and(|m| m.is_empty());
                !(v.is_null() || (empty && (key == "resources" || key == "securityContext")))
            });
            map.values_mut().for_each(normalize);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// The compared view of one document (a List becomes its items).
fn views(doc: &Value, out: &mut Vec<Value>, whole: bool) {
    if doc.get("kind").and_then(Value::as_str) == Some("List") {
        for item in doc.get("items").and_then(Value::as_array).into_iter().flatten() {
            views(item, out, whole);
        }
        return;
    }
    let mut view = serde_json::json!({
        "kind": doc.get("kind"),
        "name": doc.pointer("/metadata/name"),
    });
    if let Some(t) = template(doc) {
        if whole {
            let mut spec = t.get("spec").cloned().unwrap_or(Value::Null);
            normalize(&mut spec);
            view["spec"] = spec;
        }
        // Istio puts a CronJob's pod labels and annotations on the job template's metadata.
        let meta = if doc.get("kind").and_then(Value::as_str) == Some("CronJob") {
            doc.pointer("/spec/jobTemplate")
        } else {
            Some(t)
        };
        let list = |key: &str| -> Vec<Value> {
            t.pointer(&format!("/spec/{key}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(container_view)
                .collect()
        };
        let volumes: Vec<Value> = t
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| v["name"].clone())
            .collect();
        if !whole {
            view["containers"] = list("containers").into();
            view["initContainers"] = list("initContainers").into();
            view["volumes"] = volumes.into();
        }
        view["annotations"] = strings_map(meta.and_then(|m| m.pointer("/metadata/annotations")));
        view["labels"] = strings_map(meta.and_then(|m| m.pointer("/metadata/labels")));
    }
    out.push(view);
}

/// Runs one case; `Err` says how it differs.
fn run_case(dir: &Path, input: &str, golden: &str, setup: Setup, whole: bool) -> Result<(), String> {
    let settings = settings(setup, dir)?;
    let text = std::fs::read_to_string(dir.join(input)).map_err(|e| format!("{input}: {e}"))?;
    let loaded = mesh_api::load_str(&text);
    if let Some(e) = loaded.errors.first() {
        return Err(format!("input does not load: {e}"));
    }
    let mut ours = Vec::new();
    let mut warnings = Vec::new();
    for doc in &loaded.documents {
        let injected = inject(&doc.object, &settings).map_err(|e| format!("inject failed: {e}"))?;
        warnings.extend(injected.warnings.clone());
        let document =
            mesh_api::Document { object: injected.object, api_version: doc.api_version.clone(), source: None };
        let value = document.to_json().map_err(|e| e.to_string())?;
        views(&value, &mut ours, whole);
    }
    for (case, expected) in EXPECTED_WARNINGS {
        if *case == golden && !warnings.iter().any(|w| w.contains(expected)) {
            return Err(format!("no warning containing {expected:?}; got {warnings:?}"));
        }
    }
    let golden_text = std::fs::read_to_string(dir.join(golden)).map_err(|e| format!("{golden}: {e}"))?;
    let mut theirs = Vec::new();
    for doc in mesh_api::read_untyped(&golden_text) {
        let doc = doc.map_err(|e| format!("golden does not parse: {e}"))?;
        if !doc.is_null() {
            views(&doc, &mut theirs, whole);
        }
    }
    if ours.len() != theirs.len() {
        return Err(format!("{} objects, golden has {}", ours.len(), theirs.len()));
    }
    for (a, b) in ours.iter().zip(&theirs) {
        if a != b {
            return Err(first_difference(a, b, ""));
        }
    }
    Ok(())
}

/// The first path where two views differ, with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (l, r) = (x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null));
                if l != r {
                    return first_difference(l, r, &format!("{path}.{key}"));
                }
            }
            format!("{path}: differs")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                if l != r {
                    return first_difference(l, r, &format!("{path}[{i}]"));
                }
            }
            format!("{path}: differs")
        }
        _ => format!("{path}: ours {a}, golden {b}"),
    }
}

/// Every case of `CASES.md`: the explicit table, then each `X.yaml` with an unused
/// `X.yaml.injected`, run with default settings.
fn all_cases(dir: &Path) -> Vec<(String, String, Setup)> {
    let mut cases: Vec<(String, String, Setup)> =
        EXPLICIT.iter().map(|(i, g, s)| ((*i).to_owned(), (*g).to_owned(), *s)).collect();
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("cases dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for file in &files {
        if !file.ends_with(".yaml") || file.ends_with(".iop.yaml") {
            continue;
        }
        let golden = format!("{file}.injected");
        if files.contains(&golden) && !EXPLICIT.iter().any(|(_, g, _)| *g == golden) {
            cases.push((file.clone(), golden, Setup::Default));
        }
    }
    cases
}

#[test]
fn inject_goldens_match() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("inject/cases");
    let cases = all_cases(&dir);
    let mut matched = 0;
    let mut differing = Vec::new();
    for (input, golden, setup) in &cases {
        match run_case(&dir, input, golden, *setup, false) {
            Ok(()) => matched += 1,
            Err(why) => differing.push((golden.clone(), why)),
        }
    }
    println!("inject: {matched}/{} cases match", cases.len());
    for (golden, why) in &differing {
        println!("  differs: {golden}: {why}");
    }
    let unexpected: Vec<&(String, String)> =
        differing.iter().filter(|(g, _)| !KNOWN_DIFFERENCES.iter().any(|(k, _)| k == g)).collect();
    let fixed: Vec<&str> =
        KNOWN_DIFFERENCES.iter().filter(|(k, _)| !differing.iter().any(|(g, _)| g == k)).map(|(k, _)| *k).collect();
    assert!(unexpected.is_empty(), "cases that differ without being listed: {unexpected:#?}");
    assert!(fixed.is_empty(), "listed as differing but now match (remove them): {fixed:?}");
    assert!(matched >= FLOOR, "match rate fell: {matched} < {FLOOR}");
}

/// The number of cases that match today; the test fails below it.
const FLOOR: usize = 130;

/// The whole-pod comparison checks the entire pod spec of every workload (every container
/// field, env values included, volumes, pull secrets, security context), besides annotations
/// and labels. Cases that differ there (besides [`KNOWN_DIFFERENCES`]) are listed here with why.
const WHOLE_POD_DIFFERENCES: &[(&str, &str)] = &[(
    "grpc-simple.yaml.injected",
    "the init container's bootstrap-writing shell script is our own (same file, same content), not Istio's text",
)];

/// The number of cases whose whole pod spec matches.
const WHOLE_POD_FLOOR: usize = 129;

#[test]
fn inject_goldens_match_whole_pod() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("inject/cases");
    let cases = all_cases(&dir);
    let mut matched = 0;
    let mut differing = Vec::new();
    for (input, golden, setup) in &cases {
        match run_case(&dir, input, golden, *setup, true) {
            Ok(()) => matched += 1,
            Err(why) => differing.push((golden.clone(), why)),
        }
    }
    println!("inject (whole pod): {matched}/{} cases match", cases.len());
    for (golden, why) in &differing {
        println!("  differs: {golden}: {why}");
    }
    let known = |g: &str| KNOWN_DIFFERENCES.iter().chain(WHOLE_POD_DIFFERENCES).any(|(k, _)| *k == g);
    let unexpected: Vec<&(String, String)> = differing.iter().filter(|(g, _)| !known(g)).collect();
    let fixed: Vec<&str> =
        WHOLE_POD_DIFFERENCES.iter().filter(|(k, _)| !differing.iter().any(|(g, _)| g == k)).map(|(k, _)| *k).collect();
    assert!(unexpected.is_empty(), "cases that differ without being listed: {unexpected:#?}");
    assert!(fixed.is_empty(), "listed as differing but now match (remove them): {fixed:?}");
    assert!(matched >= WHOLE_POD_FLOOR, "whole-pod match rate fell: {matched} < {WHOLE_POD_FLOOR}");
}

/// One YAML document decoded into `T`, through mesh-api's reader.
fn untyped<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = mesh_api::read_untyped(text).into_iter().next().ok_or("empty")?.map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn every_known_difference_is_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/install-differences.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (golden, _) in KNOWN_DIFFERENCES.iter().chain(WHOLE_POD_DIFFERENCES) {
        let entry = format!("**`{golden}`.**");
        assert!(doc.contains(&entry), "{} does not explain {entry}", path.display());
    }
}

#[test]
fn istio_own_templates_are_rendered_by_the_built_in_code() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("inject/cases");
    for (input, golden) in [
        ("hello.yaml", "hello.yaml.injected"),
        ("gateway.yaml", "gateway.yaml.injected"),
        ("grpc-agent.yaml", "grpc-agent.yaml.injected"),
        ("multi-container.yaml", "multi-container.yaml.injected"),
    ] {
        if let Err(why) = run_case(&dir, input, golden, Setup::IstioTemplates, true) {
            panic!("{golden}: {why}");
        }
    }
}
