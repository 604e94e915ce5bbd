//! Injection into one pod template: what Istio's `sidecar` template renders, merged onto the pod
//! the way the webhook does, then its post-processing (metrics merge, probe rewrite, status
//! annotation, container order).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, DownwardAPIVolumeFile, DownwardAPIVolumeSource,
    EmptyDirVolumeSource, EnvVar, EnvVarSource, ExecAction, HTTPGetAction, Lifecycle, LifecycleHandler,
    LocalObjectReference, ObjectFieldSelector, PodSpec, Probe, ProjectedVolumeSource, ResourceFieldSelector,
    ResourceRequirements, SecretVolumeSource, SecurityContext, ServiceAccountTokenProjection, Volume, VolumeMount,
    VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_api::install::ProxyConfig;
use mesh_api::k8s_openapi;

mod grpc;

use super::settings::merge_json;
use super::{InjectError, InjectionSettings};

/// Name of the injected proxy container.
pub const PROXY: &str = "istio-proxy";
/// Name of the init container that sets up traffic capture.
pub const INIT: &str = "istio-init";
/// Name of the init container that checks the CNI agent's capture.
pub const VALIDATION: &str = "istio-validation";
/// The pod annotation recording what was injected.
pub const STATUS: &str = "sidecar.istio.io/status";

/// The workload a pod template belongs to, as the template sees it.
pub(crate) struct Owner<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
}

/// What the pod says, read once.
struct PodView<'a> {
    meta: &'a ObjectMeta,
    settings: &'a InjectionSettings,
}

impl PodView<'_> {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.meta.annotations.as_ref().and_then(|a| a.get(key)).map(String::as_str)
    }

    fn label(&self, key: &str) -> Option<&str> {
        self.meta.labels.as_ref().and_then(|a| a.get(key)).map(String::as_str)
    }

    /// The annotation when set, else the default (Istio's `annotation` template function).
    fn or(&self, key: &str, default: &str) -> String {
        self.annotation(key).map_or_else(|| default.to_owned(), str::to_owned)
    }

    fn interception_mode(&self, proxy: &ProxyConfig) -> String {
        let mesh = match proxy.interception_mode {
            Some(mesh_api::install::InterceptionMode::Tproxy) => "TPROXY",
            Some(mesh_api::install::InterceptionMode::None) => "NONE",
            _ => self.settings.interception_mode(),
        };
        self.or("sidecar.istio.io/interceptionMode", mesh)
    }

    fn status_port(&self) -> String {
        self.or("status.sidecar.istio.io/port", &self.settings.status_port.to_string())
    }

    fn exclude_inbound(&self) -> String {
        let port = self.status_port();
        let port = port.trim();
        let excluded = self.or("traffic.sidecar.istio.io/excludeInboundPorts", &self.settings.exclude_inbound_ports);
        if port.is_empty() || port == "0" {
            excluded
        } else if excluded.is_empty() {
            port.to_owned()
        } else if excluded.split(',').any(|p| p.trim() == port) {
            excluded
        } else {
            format!("{excluded},{port}")
        }
    }
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar { name: name.to_owned(), value: Some(value.into()), value_from: None }
}

fn env_field(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector { field_path: path.to_owned(), api_version: None }),
            ..EnvVarSource::default()
        }),
    }
}

fn env_resource(name: &str, resource: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            resource_field_ref: Some(ResourceFieldSelector {
                resource: resource.to_owned(),
                divisor: Some(Quantity("1".into())),
                container_name: None,
            }),
            ..EnvVarSource::default()
        }),
    }
}

/// Checks a comma-separated list of CIDRs (or `*`), as Istio does for the traffic annotations.
fn check_ip_ranges(key: &str, value: &str) -> Result<(), InjectError> {
    if value.trim() == "*" || value.trim().is_empty() {
        return Ok(());
    }
    for part in value.split(',') {
        let part = part.trim();
        let valid = match part.split_once('/') {
            Some((ip, bits)) => ip.parse::<std::net::IpAddr>().is_ok_and(|addr| {
                let max = if addr.is_ipv4() { 32 } else { 128 };
                bits.parse::<u8>().is_ok_and(|b| b <= max)
            }),
            None => false,
        };
        if !valid {
            return Err(InjectError::Annotation {
                key: key.to_owned(),
                message: format!("{part:?} is not a CIDR range"),
            });
        }
    }
    Ok(())
}

/// Checks a comma-separated list of ports (or `*`).
fn check_ports(key: &str, value: &str) -> Result<(), InjectError> {
    if value.trim() == "*" || value.trim().is_empty() {
        return Ok(());
    }
    for part in value.split(',') {
        let part = part.trim();
        if part.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(InjectError::Annotation {
                key: key.to_owned(),
                message: format!("{part:?} is not a port number"),
            });
        }
    }
    Ok(())
}

fn check_annotations(view: &PodView<'_>) -> Result<(), InjectError> {
    for key in ["traffic.sidecar.istio.io/includeOutboundIPRanges", "traffic.sidecar.istio.io/excludeOutboundIPRanges"]
    {
        if let Some(value) = view.annotation(key) {
            check_ip_ranges(key, value)?;
        }
    }
    for key in [
        "traffic.sidecar.istio.io/includeInboundPorts",
        "traffic.sidecar.istio.io/excludeInboundPorts",
        "traffic.sidecar.istio.io/includeOutboundPorts",
        "traffic.sidecar.istio.io/excludeOutboundPorts",
    ] {
        if let Some(value) = view.annotation(key) {
            check_ports(key, value)?;
        }
    }
    Ok(())
}

/// The proxy settings for this pod: the mesh's `defaultConfig` with the pod's
/// `proxy.istio.io/config` annotation over it.
fn pod_proxy_config(view: &PodView<'_>) -> Result<ProxyConfig, InjectError> {
    let base = &view.settings.proxy_config;
    let Some(text) = view.annotation("proxy.istio.io/config") else {
        return Ok(base.clone());
    };
    let overlay: serde_json::Value = serde_yaml::from_str(text)
        .map_err(|e| InjectError::Annotation { key: "proxy.istio.io/config".into(), message: e.to_string() })?;
    let mut merged = serde_json::to_value(base).unwrap_or_default();
    merge_json(&mut merged, overlay);
    serde_json::from_value(merged)
        .map_err(|e| InjectError::Annotation { key: "proxy.istio.io/config".into(), message: e.to_string() })
}

fn quantity_map(amounts: &indexmap::IndexMap<String, Option<String>>) -> Option<BTreeMap<String, Quantity>> {
    let map: BTreeMap<String, Quantity> =
        amounts.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), Quantity(canonical_quantity(v))))).collect();
    (!map.is_empty()).then_some(map)
}

fn resources(view: &PodView<'_>) -> Option<ResourceRequirements> {
    let keys = [
        ("requests", "cpu", "sidecar.istio.io/proxyCPU"),
        ("requests", "memory", "sidecar.istio.io/proxyMemory"),
        ("limits", "cpu", "sidecar.istio.io/proxyCPULimit"),
        ("limits", "memory", "sidecar.istio.io/proxyMemoryLimit"),
    ];
    if keys.iter().any(|(_, _, key)| view.annotation(key).is_some()) {
        let mut requests = BTreeMap::new();
        let mut limits = BTreeMap::new();
        for (group, resource, key) in keys {
            if let Some(value) = view.annotation(key) {
                let target = if group == "requests" { &mut requests } else { &mut limits };
                target.insert(resource.to_owned(), Quantity(canonical_quantity(value)));
            }
        }
        return Some(ResourceRequirements {
            requests: (!requests.is_empty()).then_some(requests),
            limits: (!limits.is_empty()).then_some(limits),
            ..ResourceRequirements::default()
        });
    }
    let r = view.settings.proxy_resources.as_ref()?;
    Some(ResourceRequirements {
        requests: quantity_map(&r.requests),
        limits: quantity_map(&r.limits),
        ..ResourceRequirements::default()
    })
}

/// The app containers' names, in order, leaving out the proxy.
fn app_containers(spec: &PodSpec) -> Vec<String> {
    spec.containers.iter().filter(|c| c.name != PROXY).map(|c| c.name.clone()).collect()
}

/// What the template renders for one pod, before merging.
struct Rendered {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    init_containers: Vec<Container>,
    proxy: Option<Container>,
    /// The template's own entries for app containers (env and mounts it adds to them).
    app_containers: Vec<Container>,
    native: bool,
    volumes: Vec<Volume>,
    pull_secrets: Vec<String>,
}

fn canonical_name(view: &PodView<'_>, owner: &Owner<'_>) -> String {
    let name = view
        .label("service.istio.io/canonical-name")
        .filter(|v| !v.is_empty())
        .or_else(|| view.label("app.kubernetes.io/name").filter(|v| !v.is_empty()))
        .or_else(|| view.label("app").filter(|v| !v.is_empty()))
        .unwrap_or(owner.name);
    let cut: String = name.chars().take(63).collect();
    cut.trim_matches(|c| matches!(c, '-' | '_' | '.')).to_owned()
}

fn canonical_revision(view: &PodView<'_>) -> String {
    view.label("service.istio.io/canonical-revision")
        .filter(|v| !v.is_empty())
        .or_else(|| view.label("app.kubernetes.io/version").filter(|v| !v.is_empty()))
        .or_else(|| view.label("version").filter(|v| !v.is_empty()))
        .unwrap_or("latest")
        .to_owned()
}

/// Appends `default/istio-cni` to a Multus networks annotation, flat or JSON.
fn append_multus(existing: Option<&str>, network: &str) -> String {
    let Some(existing) = existing.map(str::trim).filter(|e| !e.is_empty()) else {
        return network.to_owned();
    };
    if let Some(body) = existing.strip_prefix('[').and_then(|b| b.trim_end().strip_suffix(']')) {
        let (ns, name) = network.split_once('/').unwrap_or(("", network));
        let entry = format!("{{\"name\": \"{name}\", \"namespace\": \"{ns}\"}}");
        let body = body.trim();
        return if body.is_empty() { format!("[{entry}]") } else { format!("[{body}, {entry}]") };
    }
    if existing.split(',').any(|n| n.trim() == network) {
        return existing.to_owned();
    }
    format!("{existing}, {network}")
}

fn render(
    view: &PodView<'_>,
    spec: &PodSpec,
    owner: &Owner<'_>,
    type_meta: (&str, &str),
    proxy_config: &ProxyConfig,
    native_default: bool,
) -> Rendered {
    let st = view.settings;
    let mode = view.interception_mode(proxy_config);
    let tproxy = mode == "TPROXY";
    let uid = st.proxy_uid.unwrap_or(1337);
    let gid = st.proxy_gid.unwrap_or(1337);
    let cap_bind = view.or("sidecar.istio.io/capNetBindService", "false") == "true";
    let native = view.annotation("sidecar.istio.io/nativeSidecar").map_or(native_default, |v| v != "false");
    let metadata = &proxy_config.proxy_metadata;
    let apps = app_containers(spec);

    let mut labels = vec![(
        s("security.istio.io/tlsMode"),
        view.label("security.istio.io/tlsMode").filter(|v| !v.is_empty()).unwrap_or("istio").to_owned(),
    )];
    if metadata.get("ISTIO_META_ENABLE_HBONE").map(String::as_str) == Some("true") {
        labels.push((
            s("networking.istio.io/tunnel"),
            view.label("networking.istio.io/tunnel").unwrap_or("http").to_owned(),
        ));
    }
    labels.push((s("service.istio.io/canonical-name"), canonical_name(view, owner)));
    labels.push((s("service.istio.io/canonical-revision"), canonical_revision(view)));

    let mut annotations =
        vec![(s("istio.io/rev"), if st.revision.is_empty() { s("default") } else { st.revision.clone() })];
    if let Some(first) = apps.first() {
        for key in ["kubectl.kubernetes.io/default-logs-container", "kubectl.kubernetes.io/default-container"] {
            if view.annotation(key).is_none() {
                annotations.push((s(key), first.clone()));
            }
        }
    }
    if st.cni_enabled {
        if st.cni_provider == "multus" {
            annotations.push((
                s("k8s.v1.cni.cncf.io/networks"),
                append_multus(view.annotation("k8s.v1.cni.cncf.io/networks"), "default/istio-cni"),
            ));
        }
        annotations.push((s("sidecar.istio.io/interceptionMode"), mode.clone()));
        let include = view.or("traffic.sidecar.istio.io/includeOutboundIPRanges", &st.include_ip_ranges);
        if !include.is_empty() {
            annotations.push((s("traffic.sidecar.istio.io/includeOutboundIPRanges"), include));
        }
        let exclude = view.or("traffic.sidecar.istio.io/excludeOutboundIPRanges", &st.exclude_ip_ranges);
        if !exclude.is_empty() {
            annotations.push((s("traffic.sidecar.istio.io/excludeOutboundIPRanges"), exclude));
        }
        annotations.push((
            s("traffic.sidecar.istio.io/includeInboundPorts"),
            view.or("traffic.sidecar.istio.io/includeInboundPorts", &st.include_inbound_ports),
        ));
        annotations.push((s("traffic.sidecar.istio.io/excludeInboundPorts"), view.exclude_inbound()));
        let out_ports = [
            ("traffic.sidecar.istio.io/includeOutboundPorts", &st.include_outbound_ports),
            ("traffic.sidecar.istio.io/excludeOutboundPorts", &st.exclude_outbound_ports),
        ];
        for (key, default) in out_ports {
            if view.annotation(key).is_some() || !default.is_empty() {
                annotations.push((s(key), view.or(key, default)));
            }
        }
        for key in [
            "traffic.sidecar.istio.io/kubevirtInterfaces",
            "istio.io/reroute-virtual-interfaces",
            "traffic.sidecar.istio.io/excludeInterfaces",
        ] {
            if let Some(v) = view.annotation(key).filter(|v| !v.is_empty()) {
                annotations.push((s(key), v.to_owned()));
            }
        }
    }

    let agent_level = view.or("sidecar.istio.io/agentLogLevel", &st.agent_log_level);
    let resources = resources(view);
    let image_for = |default: &str, built: String| {
        let annotated = view.or("sidecar.istio.io/proxyImage", default);
        if annotated.contains('/') { annotated } else { built }
    };
    let pull_policy = (!st.image_pull_policy.is_empty()).then(|| st.image_pull_policy.clone());
    let metadata_env: Vec<EnvVar> = {
        let mut keys: Vec<&String> = metadata.keys().collect();
        keys.sort();
        keys.into_iter().map(|k| env(k, metadata[k].clone())).collect()
    };

    let mut init_containers = Vec::new();
    let no_init = mode == "NONE" && !native;
    if !no_init && mode != "NONE" {
        let mut args = vec![
            s("istio-iptables"),
            s("-p"),
            st.proxy_listen_port.to_string(),
            s("-z"),
            st.proxy_inbound_listen_port.to_string(),
            s("-u"),
            if tproxy { s("1337") } else { uid.to_string() },
            s("-m"),
            mode.clone(),
            s("-i"),
            view.or("traffic.sidecar.istio.io/includeOutboundIPRanges", &st.include_ip_ranges),
            s("-x"),
            view.or("traffic.sidecar.istio.io/excludeOutboundIPRanges", &st.exclude_ip_ranges),
            s("-b"),
            view.or("traffic.sidecar.istio.io/includeInboundPorts", &st.include_inbound_ports),
            s("-d"),
        ];
        let excluded = view.exclude_inbound();
        args.push(if excluded.is_empty() { s("15090,15021") } else { format!("15090,15021,{excluded}") });
        let out_ports = [
            ("-q", "traffic.sidecar.istio.io/includeOutboundPorts", &st.include_outbound_ports),
            ("-o", "traffic.sidecar.istio.io/excludeOutboundPorts", &st.exclude_outbound_ports),
        ];
        for (flag, key, default) in out_ports {
            if view.annotation(key).is_some() || !default.is_empty() {
                args.push(s(flag));
                args.push(view.or(key, default));
            }
        }
        if let Some(v) = view.annotation("istio.io/reroute-virtual-interfaces") {
            args.extend([s("-k"), v.to_owned()]);
        } else if let Some(v) = view.annotation("traffic.sidecar.istio.io/kubevirtInterfaces") {
            args.extend([s("-k"), v.to_owned()]);
        }
        if let Some(v) = view.annotation("traffic.sidecar.istio.io/excludeInterfaces") {
            args.extend([s("-c"), v.to_owned()]);
        }
        args.push(format!("--log_output_level={agent_level}"));
        if st.log_as_json {
            args.push(s("--log_as_json"));
        }
        if st.cni_enabled {
            args.extend([s("--run-validation"), s("--skip-rule-apply")]);
        } else if st.force_apply_iptables {
            args.push(s("--force-apply"));
        }
        if st.native_nftables {
            args.push(s("--native-nftables"));
        }
        let security = if st.cni_enabled {
            let (user, group) = if tproxy { (1337, 1337) } else { (uid, gid) };
            SecurityContext {
                allow_privilege_escalation: Some(st.privileged),
                privileged: Some(st.privileged),
                capabilities: Some(Capabilities { add: None, drop: Some(vec![s("ALL")]) }),
                read_only_root_filesystem: Some(true),
                run_as_group: Some(group),
                run_as_user: Some(user),
                run_as_non_root: Some(true),
                ..SecurityContext::default()
            }
        } else {
            SecurityContext {
                allow_privilege_escalation: Some(st.privileged),
                privileged: Some(st.privileged),
                capabilities: Some(Capabilities {
                    add: Some(vec![s("NET_ADMIN"), s("NET_RAW")]),
                    drop: Some(vec![s("ALL")]),
                }),
                read_only_root_filesystem: Some(false),
                run_as_group: Some(0),
                run_as_user: Some(0),
                run_as_non_root: Some(false),
                ..SecurityContext::default()
            }
        };
        init_containers.push(Container {
            name: s(if st.cni_enabled { VALIDATION } else { INIT }),
            image: Some(image_for(&st.proxy_init_image, st.proxy_init_image())),
            args: Some(args),
            image_pull_policy: pull_policy.clone(),
            env: (!metadata_env.is_empty()).then(|| metadata_env.clone()),
            resources: resources.clone(),
            security_context: Some(security),
            ..Container::default()
        });
    }

    let mut args = vec![
        s("proxy"),
        s("sidecar"),
        s("--domain"),
        format!("$(POD_NAMESPACE).svc.{}", st.cluster_domain),
        format!("--proxyLogLevel={}", view.or("sidecar.istio.io/logLevel", &st.log_level)),
        format!("--proxyComponentLogLevel={}", view.or("sidecar.istio.io/componentLogLevel", &st.component_log_level)),
        format!("--log_output_level={agent_level}"),
    ];
    if st.sts_port != 0 {
        args.push(format!("--stsPort={}", st.sts_port));
    }
    if st.log_as_json {
        args.push(s("--log_as_json"));
    }
    if !st.outlier_log_path.is_empty() {
        args.push(format!("--outlierLogPath={}", st.outlier_log_path));
    }

    let hold = (proxy_config.hold_application_until_proxy_starts == Some(true)
        || st.hold_application_until_proxy_starts)
        && !native;
    let lifecycle = if let Some(custom) = &st.proxy_lifecycle {
        serde_json::from_value::<Lifecycle>(custom.clone()).ok()
    } else if hold {
        Some(Lifecycle {
            post_start: Some(LifecycleHandler {
                exec: Some(ExecAction { command: Some(vec![s("pilot-agent"), s("wait")]) }),
                ..LifecycleHandler::default()
            }),
            ..Lifecycle::default()
        })
    } else if native {
        Some(Lifecycle {
            pre_stop: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec![
                        s("pilot-agent"),
                        s("request"),
                        format!("--debug-port={}", view.status_port()),
                        s("POST"),
                        s("drain"),
                    ]),
                }),
                ..LifecycleHandler::default()
            }),
            ..Lifecycle::default()
        })
    } else {
        None
    };

    let mut envs = Vec::new();
    if st.inbound_localhost {
        envs.push(env("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true"));
    }
    envs.push(env("PILOT_CERT_PROVIDER", st.pilot_cert_provider.clone()));
    envs.push(env("CA_ADDR", ca_address(st)));
    envs.push(env_field("POD_NAME", "metadata.name"));
    envs.push(env_field("POD_NAMESPACE", "metadata.namespace"));
    envs.push(env_field("INSTANCE_IP", "status.podIP"));
    envs.push(env_field("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    envs.push(env_field("HOST_IP", "status.hostIP"));
    envs.push(env_resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    envs.push(env("PROXY_CONFIG", proxy_config_json(proxy_config)));
    envs.push(env("ISTIO_META_POD_PORTS", pod_ports_json(spec)));
    envs.push(env("ISTIO_META_APP_CONTAINERS", apps.join(",")));
    envs.push(env_resource("GOMEMLIMIT", "limits.memory"));
    if !st.compliance_policy.is_empty() {
        envs.push(env("COMPLIANCE_POLICY", st.compliance_policy.clone()));
        if st.compliance_policy == "fips-140-3" {
            envs.push(env("GODEBUG", "fips140=only"));
        }
    }
    let cluster = if st.cluster_name.is_empty() { s("Kubernetes") } else { st.cluster_name.clone() };
    envs.push(env("ISTIO_META_CLUSTER_ID", cluster));
    envs.push(env_field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    envs.push(env(
        "ISTIO_META_INTERCEPTION_MODE",
        view.annotation("sidecar.istio.io/interceptionMode").map_or_else(|| mode.clone(), str::to_owned),
    ));
    let workload = view.label("service.istio.io/workload-name").filter(|v| !v.is_empty()).unwrap_or(owner.name);
    if !workload.is_empty() {
        envs.push(env("ISTIO_META_WORKLOAD_NAME", workload));
    }
    let (api_version, kind) = type_meta;
    if !api_version.is_empty() && !owner.name.is_empty() {
        let ns = if owner.namespace.is_empty() { "default" } else { owner.namespace };
        envs.push(env(
            "ISTIO_META_OWNER",
            format!("kubernetes://apis/{api_version}/namespaces/{ns}/{}s/{}", kind.to_lowercase(), owner.name),
        ));
    }
    if view.annotation("sidecar.istio.io/bootstrapOverride").is_some() {
        envs.push(env("ISTIO_BOOTSTRAP_OVERRIDE", "/etc/istio/custom-bootstrap/custom_bootstrap.json"));
    }
    if !st.mesh_id.is_empty() {
        envs.push(env("ISTIO_META_MESH_ID", st.mesh_id.clone()));
    } else if !st.trust_domain.is_empty() {
        envs.push(env("ISTIO_META_MESH_ID", st.trust_domain.clone()));
    }
    if !st.trust_domain.is_empty() {
        envs.push(env("TRUST_DOMAIN", st.trust_domain.clone()));
    }
    if st.otel_semantic_conventions {
        envs.push(env("OTEL_RESOURCE_ATTRIBUTES", otel_attributes(view, owner, &apps)));
    }
    envs.extend(metadata_env);
    // Cluster information is written after the template (Istio's `overwriteClusterInfo`).
    if !st.network.is_empty() {
        envs.push(env("ISTIO_META_NETWORK", st.network.clone()));
    }

    let probes = view.status_port() != "0";
    let probe = |period: i32, failure: i32, initial: Option<i32>| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(s("/healthz/ready")),
            port: IntOrString::Int(15021),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: initial,
        period_seconds: Some(period),
        timeout_seconds: Some(3),
        failure_threshold: Some(failure),
        ..Probe::default()
    };
    let annotated_int = |key: &str, default: u32| -> i32 {
        view.annotation(key).and_then(|v| v.parse().ok()).unwrap_or(i32::try_from(default).unwrap_or(i32::MAX))
    };
    let readiness = probes.then(|| {
        let initial =
            annotated_int("readiness.status.sidecar.istio.io/initialDelaySeconds", st.readiness_initial_delay_seconds);
        probe(
            annotated_int("readiness.status.sidecar.istio.io/periodSeconds", st.readiness_period_seconds),
            annotated_int("readiness.status.sidecar.istio.io/failureThreshold", st.readiness_failure_threshold),
            (initial != 0).then_some(initial),
        )
    });
    let startup = (probes && st.startup_probe_enabled)
        .then(|| probe(1, i32::try_from(st.startup_failure_threshold).unwrap_or(i32::MAX), None));

    let trace = metadata.get("IPTABLES_TRACE_LOGGING").map(String::as_str) == Some("true");
    let security = if trace {
        SecurityContext {
            allow_privilege_escalation: Some(true),
            capabilities: Some(Capabilities { add: Some(vec![s("NET_ADMIN")]), drop: Some(vec![s("ALL")]) }),
            privileged: Some(true),
            read_only_root_filesystem: Some(true),
            run_as_group: Some(gid),
            run_as_non_root: Some(false),
            run_as_user: Some(0),
            ..SecurityContext::default()
        }
    } else {
        let mut add = Vec::new();
        if tproxy {
            add.push(s("NET_ADMIN"));
        }
        if cap_bind {
            add.push(s("NET_BIND_SERVICE"));
        }
        let root = tproxy || cap_bind;
        SecurityContext {
            allow_privilege_escalation: Some(st.privileged),
            capabilities: Some(Capabilities { add: (!add.is_empty()).then_some(add), drop: Some(vec![s("ALL")]) }),
            privileged: Some(st.privileged),
            read_only_root_filesystem: Some(true),
            run_as_group: Some(if root { 1337 } else { gid }),
            run_as_non_root: Some(!root),
            run_as_user: Some(if root { 0 } else { uid }),
            ..SecurityContext::default()
        }
    };

    let mut mounts = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
    ];
    if st.ca_name == "GkeWorkloadCertificate" {
        mounts.push(VolumeMount {
            read_only: Some(true),
            ..mount("gke-workload-certificate", "/var/run/secrets/workload-spiffe-credentials")
        });
    } else {
        mounts.push(mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials"));
    }
    if st.pilot_cert_provider == "istiod" {
        mounts.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
        mounts.push(mount("istio-ca-crl", "/var/run/secrets/istio/crl"));
    }
    mounts.push(mount("istio-data", "/var/lib/istio/data"));
    if view.annotation("sidecar.istio.io/bootstrapOverride").is_some() {
        mounts.push(mount("custom-bootstrap-volume", "/etc/istio/custom-bootstrap"));
    }
    mounts.push(mount("istio-envoy", "/etc/istio/proxy"));
    mounts.push(mount("istio-token", "/var/run/secrets/tokens"));
    if st.mount_mtls_certs {
        mounts.push(VolumeMount { read_only: Some(true), ..mount("istio-certs", "/etc/certs/") });
    }
    mounts.push(mount("istio-podinfo", "/etc/istio/pod"));
    let user_mounts = user_json(view, "sidecar.istio.io/userVolumeMount");
    for (name, value) in &user_mounts {
        let mut value = value.clone();
        if let Some(map) = value.as_object_mut() {
            map.insert("name".into(), name.clone().into());
        }
        if let Ok(m) = serde_json::from_value::<VolumeMount>(value) {
            mounts.push(m);
        }
    }

    let seccomp = st
        .seccomp_profile
        .as_ref()
        .filter(|p| p.as_object().is_some_and(|m| !m.is_empty()))
        .and_then(|p| serde_json::from_value(p.clone()).ok());
    let mut security = security;
    security.seccomp_profile.clone_from(&seccomp);
    for init in &mut init_containers {
        if let Some(sc) = init.security_context.as_mut() {
            sc.seccomp_profile.clone_from(&seccomp);
        }
    }

    let proxy = Container {
        name: s(PROXY),
        image: Some(image_for(&st.proxy_image, st.proxy_image())),
        restart_policy: native.then(|| s("Always")),
        ports: Some(vec![ContainerPort {
            container_port: 15090,
            protocol: Some(s("TCP")),
            name: Some(s("http-envoy-prom")),
            ..ContainerPort::default()
        }]),
        args: Some(args),
        lifecycle,
        env: Some(envs),
        image_pull_policy: pull_policy,
        startup_probe: startup,
        readiness_probe: readiness,
        security_context: Some(security),
        resources,
        volume_mounts: Some(mounts),
        ..Container::default()
    };

    let mut volumes = shared_volumes(view, spec);
    for (name, value) in user_json(view, "sidecar.istio.io/userVolume") {
        let mut value = value;
        if let Some(map) = value.as_object_mut() {
            map.insert("name".into(), name.into());
        }
        if let Ok(v) = serde_json::from_value::<Volume>(value) {
            volumes.push(v);
        }
    }

    Rendered {
        labels,
        annotations,
        init_containers,
        proxy: Some(proxy),
        app_containers: Vec::new(),
        native,
        volumes,
        pull_secrets: st.image_pull_secrets.clone(),
    }
}

/// What Istio's `gateway` template renders: the proxy as the pod's (router) container, no
/// traffic capture, no init containers.
fn render_gateway(
    view: &PodView<'_>,
    spec: &PodSpec,
    owner: &Owner<'_>,
    type_meta: (&str, &str),
    proxy_config: &ProxyConfig,
) -> Rendered {
    let st = view.settings;
    let apps = app_containers(spec);
    let name = view
        .label("service.istio.io/canonical-name")
        .filter(|v| !v.is_empty())
        .or_else(|| view.label("app.kubernetes.io/name").filter(|v| !v.is_empty()))
        .or_else(|| view.label("app").filter(|v| !v.is_empty()))
        .unwrap_or(owner.name)
        .to_owned();
    let labels = vec![
        (s("service.istio.io/canonical-name"), name),
        (s("service.istio.io/canonical-revision"), canonical_revision(view)),
    ];
    let mut annotations =
        vec![(s("istio.io/rev"), if st.revision.is_empty() { s("default") } else { st.revision.clone() })];
    if let Some(first) = apps.first() {
        for key in ["kubectl.kubernetes.io/default-logs-container", "kubectl.kubernetes.io/default-container"] {
            if view.annotation(key).is_none() {
                annotations.push((s(key), first.clone()));
            }
        }
    }
    let agent_level = view.or("sidecar.istio.io/agentLogLevel", &st.agent_log_level);
    let mut args = vec![
        s("proxy"),
        s("router"),
        s("--domain"),
        format!("$(POD_NAMESPACE).svc.{}", st.cluster_domain),
        format!("--proxyLogLevel={}", view.or("sidecar.istio.io/logLevel", &st.log_level)),
        format!("--proxyComponentLogLevel={}", view.or("sidecar.istio.io/componentLogLevel", &st.component_log_level)),
        format!("--log_output_level={agent_level}"),
    ];
    if st.sts_port != 0 {
        args.push(format!("--stsPort={}", st.sts_port));
    }
    if st.log_as_json {
        args.push(s("--log_as_json"));
    }
    let mut envs = vec![env("PILOT_CERT_PROVIDER", st.pilot_cert_provider.clone()), env("CA_ADDR", ca_address(st))];
    envs.push(env_field("POD_NAME", "metadata.name"));
    envs.push(env_field("POD_NAMESPACE", "metadata.namespace"));
    envs.push(env_field("INSTANCE_IP", "status.podIP"));
    envs.push(env_field("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    envs.push(env_field("HOST_IP", "status.hostIP"));
    envs.push(env_resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    envs.push(env("PROXY_CONFIG", proxy_config_json(proxy_config)));
    envs.push(env("ISTIO_META_POD_PORTS", pod_ports_json(spec)));
    envs.push(env_resource("GOMEMLIMIT", "limits.memory"));
    if !st.compliance_policy.is_empty() {
        envs.push(env("COMPLIANCE_POLICY", st.compliance_policy.clone()));
        if st.compliance_policy == "fips-140-3" {
            envs.push(env("GODEBUG", "fips140=only"));
        }
    }
    envs.push(env("ISTIO_META_APP_CONTAINERS", apps.join(",")));
    let cluster = if st.cluster_name.is_empty() { s("Kubernetes") } else { st.cluster_name.clone() };
    envs.push(env("ISTIO_META_CLUSTER_ID", cluster));
    envs.push(env_field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    envs.push(env("ISTIO_META_INTERCEPTION_MODE", st.interception_mode()));
    if !st.network.is_empty() {
        envs.push(env("ISTIO_META_NETWORK", st.network.clone()));
    }
    if !owner.name.is_empty() {
        envs.push(env("ISTIO_META_WORKLOAD_NAME", owner.name));
    }
    let (api_version, kind) = type_meta;
    if !api_version.is_empty() && !owner.name.is_empty() {
        let ns = if owner.namespace.is_empty() { "default" } else { owner.namespace };
        envs.push(env(
            "ISTIO_META_OWNER",
            format!("kubernetes://apis/{api_version}/namespaces/{ns}/{}s/{}", kind.to_lowercase(), owner.name),
        ));
    }
    let bootstrap = view.annotation("sidecar.istio.io/bootstrapOverride").is_some();
    if bootstrap {
        envs.push(env("ISTIO_BOOTSTRAP_OVERRIDE", "/etc/istio/custom-bootstrap/custom_bootstrap.json"));
    }
    if !st.mesh_id.is_empty() {
        envs.push(env("ISTIO_META_MESH_ID", st.mesh_id.clone()));
    } else if !st.trust_domain.is_empty() {
        envs.push(env("ISTIO_META_MESH_ID", st.trust_domain.clone()));
    }
    if !st.trust_domain.is_empty() {
        envs.push(env("TRUST_DOMAIN", st.trust_domain.clone()));
    }
    let mut keys: Vec<&String> = proxy_config.proxy_metadata.keys().collect();
    keys.sort();
    envs.extend(keys.into_iter().map(|k| env(k, proxy_config.proxy_metadata[k].clone())));

    let readiness = Probe {
        http_get: Some(HTTPGetAction {
            path: Some(s("/healthz/ready")),
            port: IntOrString::Int(15021),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: i32::try_from(st.readiness_initial_delay_seconds).ok().filter(|d| *d != 0),
        period_seconds: i32::try_from(st.readiness_period_seconds).ok(),
        timeout_seconds: Some(3),
        failure_threshold: i32::try_from(st.readiness_failure_threshold).ok(),
        ..Probe::default()
    };
    let mut mounts = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
        mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials"),
    ];
    if st.pilot_cert_provider == "istiod" {
        mounts.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
    }
    mounts.push(mount("istio-data", "/var/lib/istio/data"));
    if bootstrap {
        mounts.push(mount("custom-bootstrap-volume", "/etc/istio/custom-bootstrap"));
    }
    mounts.push(mount("istio-envoy", "/etc/istio/proxy"));
    mounts.push(mount("istio-token", "/var/run/secrets/tokens"));
    if st.mount_mtls_certs {
        mounts.push(VolumeMount { read_only: Some(true), ..mount("istio-certs", "/etc/certs/") });
    }
    mounts.push(mount("istio-podinfo", "/etc/istio/pod"));
    let proxy = Container {
        name: s(PROXY),
        image: Some({
            let annotated = view.or("sidecar.istio.io/proxyImage", &st.proxy_image);
            if annotated.contains('/') { annotated } else { st.proxy_image() }
        }),
        ports: Some(vec![ContainerPort {
            container_port: 15090,
            protocol: Some(s("TCP")),
            name: Some(s("http-envoy-prom")),
            ..ContainerPort::default()
        }]),
        args: Some(args),
        lifecycle: st.proxy_lifecycle.clone().and_then(|l| serde_json::from_value(l).ok()),
        security_context: Some(SecurityContext {
            run_as_user: Some(st.proxy_uid.unwrap_or(1337)),
            run_as_group: Some(st.proxy_gid.unwrap_or(1337)),
            ..SecurityContext::default()
        }),
        env: Some(envs),
        image_pull_policy: (!st.image_pull_policy.is_empty()).then(|| st.image_pull_policy.clone()),
        readiness_probe: Some(readiness),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let all = shared_volumes(view, spec);
    let volumes = all.into_iter().filter(|v| v.name != "istio-ca-crl").collect();
    Rendered {
        labels,
        annotations,
        init_containers: Vec::new(),
        proxy: Some(proxy),
        app_containers: Vec::new(),
        native: false,
        volumes,
        pull_secrets: st.image_pull_secrets.clone(),
    }
}

/// The CA address the proxy uses: the configured one, else istiod's of this revision.
fn ca_address(st: &InjectionSettings) -> String {
    if st.ca_address.is_empty() {
        let rev = if st.revision.is_empty() { String::new() } else { format!("-{}", st.revision) };
        format!("istiod{rev}.{}.svc:15012", st.istio_namespace)
    } else {
        st.ca_address.clone()
    }
}

/// The volumes both templates add.
fn shared_volumes(view: &PodView<'_>, spec: &PodSpec) -> Vec<Volume> {
    let st = view.settings;
    let mut volumes = vec![empty_dir("workload-socket", None), empty_dir("credential-socket", None)];
    if st.ca_name == "GkeWorkloadCertificate" {
        volumes.push(Volume {
            name: s("gke-workload-certificate"),
            csi: Some(k8s_openapi::api::core::v1::CSIVolumeSource {
                driver: s("workloadcertificates.security.cloud.google.com"),
                ..Default::default()
            }),
            ..Volume::default()
        });
    } else {
        volumes.push(empty_dir("workload-certs", None));
    }
    if view.annotation("sidecar.istio.io/bootstrapOverride").is_some() {
        volumes.push(Volume {
            name: s("custom-bootstrap-volume"),
            config_map: Some(ConfigMapVolumeSource {
                name: view.or("sidecar.istio.io/bootstrapOverride", ""),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        });
    }
    volumes.push(empty_dir("istio-envoy", Some("Memory")));
    volumes.push(Volume {
        name: s("istio-data"),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    });
    volumes.push(Volume {
        name: s("istio-podinfo"),
        downward_api: Some(DownwardAPIVolumeSource {
            items: Some(vec![
                DownwardAPIVolumeFile {
                    path: s("labels"),
                    field_ref: Some(ObjectFieldSelector { field_path: s("metadata.labels"), api_version: None }),
                    ..DownwardAPIVolumeFile::default()
                },
                DownwardAPIVolumeFile {
                    path: s("annotations"),
                    field_ref: Some(ObjectFieldSelector { field_path: s("metadata.annotations"), api_version: None }),
                    ..DownwardAPIVolumeFile::default()
                },
            ]),
            ..DownwardAPIVolumeSource::default()
        }),
        ..Volume::default()
    });
    volumes.push(Volume {
        name: s("istio-token"),
        projected: Some(ProjectedVolumeSource {
            sources: Some(vec![VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    path: s("istio-token"),
                    expiration_seconds: Some(43200),
                    audience: Some(st.token_audience.clone()),
                }),
                ..VolumeProjection::default()
            }]),
            ..ProjectedVolumeSource::default()
        }),
        ..Volume::default()
    });
    if st.pilot_cert_provider == "istiod" {
        let name = if st.trust_bundle_name.is_empty() { s("istio-ca-root-cert") } else { st.trust_bundle_name.clone() };
        volumes.push(Volume {
            name: s("istiod-ca-cert"),
            config_map: Some(ConfigMapVolumeSource { name, ..ConfigMapVolumeSource::default() }),
            ..Volume::default()
        });
    }
    let crl = if st.crl_config_map_name.is_empty() { s("istio-ca-crl") } else { st.crl_config_map_name.clone() };
    volumes.push(Volume {
        name: s("istio-ca-crl"),
        config_map: Some(ConfigMapVolumeSource { name: crl, optional: Some(true), ..ConfigMapVolumeSource::default() }),
        ..Volume::default()
    });
    if st.mount_mtls_certs {
        let account = spec.service_account_name.as_deref().filter(|a| !a.is_empty()).unwrap_or("default");
        volumes.push(Volume {
            name: s("istio-certs"),
            secret: Some(SecretVolumeSource {
                optional: Some(true),
                secret_name: Some(format!("istio.{account}")),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
    }
    volumes
}

/// Service attributes in OpenTelemetry's semantic conventions: namespace, version (when the
/// pod is labelled with one) and an instance id naming pod and first app container.
fn otel_attributes(view: &PodView<'_>, owner: &Owner<'_>, apps: &[String]) -> String {
    let ns = if owner.namespace.is_empty() { "default" } else { owner.namespace };
    let mut parts = vec![format!("service.namespace={ns}")];
    let version = view.label("app.kubernetes.io/version").or_else(|| view.label("version")).filter(|v| !v.is_empty());
    if let Some(version) = version {
        parts.push(format!("service.version={version}"));
    }
    let container = apps.first().map_or("", String::as_str);
    parts.push(format!("service.instance.id={ns}.$(POD_NAME).{container}"));
    parts.join(",")
}

fn user_json(view: &PodView<'_>, key: &str) -> Vec<(String, serde_json::Value)> {
    view.annotation(key)
        .and_then(|text| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).ok())
        .map(|map| map.into_iter().collect())
        .unwrap_or_default()
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount { name: s(name), mount_path: s(path), ..VolumeMount::default() }
}

fn empty_dir(name: &str, medium: Option<&str>) -> Volume {
    Volume {
        name: s(name),
        empty_dir: medium.map(|m| EmptyDirVolumeSource { medium: Some(s(m)), ..EmptyDirVolumeSource::default() }),
        ..Volume::default()
    }
}

fn proxy_config_json(config: &ProxyConfig) -> String {
    let text = serde_json::to_string(config).unwrap_or_else(|_| s("{}"));
    format!("{text}\n")
}

fn pod_ports_json(spec: &PodSpec) -> String {
    let ports: Vec<String> = spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| serde_json::to_string(p).ok())
        .collect();
    if ports.is_empty() { s("[\n]") } else { format!("[\n    {}\n]", ports.join("\n    ,")) }
}

/// The containers and volumes a previous injection recorded, removed so injection can run again.
fn remove_previous(meta: &ObjectMeta, spec: &mut PodSpec) {
    let Some(status) = meta.annotations.as_ref().and_then(|a| a.get(STATUS)) else {
        return;
    };
    let Ok(status) = serde_json::from_str::<serde_json::Value>(status) else {
        return;
    };
    let names = |key: &str| -> Vec<String> {
        status
            .get(key)
            .and_then(|v| v.as_array())
            .map(|v| v.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let containers = names("containers");
    let inits = names("initContainers");
    let volumes = names("volumes");
    let secrets = names("imagePullSecrets");
    spec.containers.retain(|c| !containers.contains(&c.name));
    if let Some(list) = spec.init_containers.as_mut() {
        list.retain(|c| !inits.contains(&c.name));
    }
    if let Some(list) = spec.volumes.as_mut() {
        list.retain(|v| !volumes.contains(&v.name));
    }
    if let Some(list) = spec.image_pull_secrets.as_mut() {
        list.retain(|v| !secrets.contains(&v.name));
    }
}

/// Lists of a container that Kubernetes merges item by item, with the key naming an item.
const MERGE_KEYS: [(&str, &str); 5] = [
    ("env", "name"),
    ("ports", "containerPort"),
    ("volumeMounts", "mountPath"),
    ("volumeDevices", "devicePath"),
    ("resizePolicy", "resourceName"),
];

/// A strategic merge of `patch` onto `server`, as Kubernetes does for containers: maps merge,
/// the lists of [`MERGE_KEYS`] merge item by item, other values (and other lists) replace.
fn strategic_merge(server: &Container, patch: &Container) -> Result<Container, InjectError> {
    let internal = |e: serde_json::Error| InjectError::Internal { message: e.to_string() };
    let mut base = serde_json::to_value(server).map_err(internal)?;
    let mut overlay = serde_json::to_value(patch).map_err(internal)?;
    if let (Some(base_map), Some(overlay_map)) = (base.as_object_mut(), overlay.as_object_mut()) {
        for (key, merge_key) in MERGE_KEYS {
            let Some(new) = overlay_map.remove(key) else { continue };
            match base_map.get_mut(key) {
                Some(old) => merge_list(old, new, merge_key),
                None => {
                    base_map.insert(key.to_owned(), new);
                }
            }
        }
    }
    merge_json(&mut base, overlay);
    serde_json::from_value(base).map_err(internal)
}

/// Merges a user's container onto the injected one of the same name: what the user set wins;
/// `image: auto` keeps the injected image.
fn apply_override(target: &mut Container, user: &Container) -> Result<(), InjectError> {
    let mut user = user.clone();
    if user.image.as_deref() == Some("auto") {
        user.image = None;
    }
    *target = strategic_merge(target, &user)?;
    Ok(())
}

/// Kubernetes' strategic merge of a keyed list: matching items merge; the patch's items keep
/// their order, and the server's other items are slotted in before the first patch item
/// found later in the server list.
fn merge_list(old: &mut serde_json::Value, new: serde_json::Value, key: &str) {
    let (Some(server), serde_json::Value::Array(patch)) = (old.as_array_mut(), new) else {
        return;
    };
    let id = |v: &serde_json::Value| v.get(key).cloned().filter(|k| !k.is_null());
    let index = |v: &serde_json::Value| {
        let wanted = id(v)?;
        server.iter().position(|s| id(s).as_ref() == Some(&wanted))
    };
    let patch: Vec<(Option<usize>, serde_json::Value)> = patch
        .into_iter()
        .map(|item| {
            let at = index(&item);
            let merged = match at {
                Some(i) => {
                    let mut base = server[i].clone();
                    merge_json(&mut base, item);
                    base
                }
                None => item,
            };
            (at, merged)
        })
        .collect();
    let server_only: Vec<(usize, serde_json::Value)> = server
        .iter()
        .enumerate()
        .filter(|(i, _)| !patch.iter().any(|(at, _)| *at == Some(*i)))
        .map(|(i, s)| (i, s.clone()))
        .collect();
    let mut out = Vec::with_capacity(patch.len() + server_only.len());
    let (mut left, mut right) = (server_only.into_iter().peekable(), patch.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some((l, _)), Some((r, _))) => r.is_some_and(|r| *l < r),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next().map(|(_, v)| v) } else { right.next().map(|(_, v)| v) };
        out.extend(next);
    }
    *server = out;
}

/// Moves the container named `name` first or last.
fn move_container(list: &mut Vec<Container>, name: &str, first: bool) {
    if let Some(i) = list.iter().position(|c| c.name == name) {
        let c = list.remove(i);
        if first {
            list.insert(0, c);
        } else {
            list.push(c);
        }
    }
}

const PROMETHEUS_KEYS: [&str; 3] = ["prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"];

/// Points Prometheus at the agent, keeping the app's own scrape settings in the proxy's env.
fn prometheus_merge(
    meta: &mut ObjectMeta,
    proxy: Option<&mut Container>,
    settings: &InjectionSettings,
    status_port: &str,
) {
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    let sanitize = |k: &str| k.replace(['.', '/', '-'], "_");
    let find = |annotations: &BTreeMap<String, String>, want: &str| {
        annotations.iter().find(|(k, _)| sanitize(k) == sanitize(want)).map(|(_, v)| v.clone())
    };
    if let Some(scrape) = find(annotations, "prometheus.io/scrape")
        && let Some(value) = parse_bool(&scrape)
        && !value
    {
        return;
    }
    let merge = annotations
        .get("prometheus.istio.io/merge-metrics")
        .map_or(settings.enable_prometheus_merge, |v| parse_bool(v).unwrap_or(settings.enable_prometheus_merge));
    if !merge {
        return;
    }
    if find(annotations, "prometheus.io/port").as_deref() == Some(status_port) {
        return;
    }
    // The app's own settings, in the order Istio's agent reads them.
    let mut scrape = serde_json::Map::new();
    for (key, field) in
        [("prometheus.io/scrape", "scrape"), ("prometheus.io/path", "path"), ("prometheus.io/port", "port")]
    {
        if let Some(v) = find(annotations, key) {
            scrape.insert(field.into(), v.into());
        }
    }
    if let Some(targets) = annotations.remove("prometheus.istio.io/scrape-targets") {
        let list: Vec<serde_json::Value> = targets
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let (port, path) = t.split_once(':').unwrap_or((t, "/metrics"));
                serde_json::json!({"port": port, "path": path})
            })
            .collect();
        if let Some(first) = list.first() {
            scrape.entry("path").or_insert_with(|| first["path"].clone());
            scrape.entry("port").or_insert_with(|| first["port"].clone());
        }
        scrape.insert("targets".into(), list.into());
    }
    if let Some(proxy) = proxy
        && !scrape.is_empty()
    {
        proxy
            .env
            .get_or_insert_with(Vec::new)
            .push(env("ISTIO_PROMETHEUS_ANNOTATIONS", serde_json::Value::Object(scrape).to_string()));
    }
    annotations.retain(|k, _| !PROMETHEUS_KEYS.iter().any(|p| sanitize(p) == sanitize(k)));
    annotations.insert(s("prometheus.io/port"), status_port.to_owned());
    annotations.insert(s("prometheus.io/path"), s("/stats/prometheus"));
    annotations.insert(s("prometheus.io/scrape"), s("true"));
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Sends app probes through the agent: each HTTP, TCP or gRPC probe becomes an HTTP GET on
/// the status port, and the original goes into the proxy's `ISTIO_KUBE_APP_PROBERS`.
fn rewrite_probes(spec: &mut PodSpec, status_port: &str, previously: Option<&str>) -> Option<String> {
    let port: i32 = status_port.parse().ok().filter(|p| *p != 0)?;
    let mut probers = serde_json::Map::new();
    let sidecars = spec.init_containers.iter_mut().flatten().filter(|c| c.restart_policy.as_deref() == Some("Always"));
    for container in spec.containers.iter_mut().chain(sidecars).filter(|c| c.name != PROXY) {
        let name = container.name.clone();
        let named_ports: Vec<(String, i32)> =
            container.ports.iter().flatten().filter_map(|p| p.name.clone().map(|n| (n, p.container_port))).collect();
        for (probe, suffix) in [
            (&mut container.liveness_probe, "livez"),
            (&mut container.readiness_probe, "readyz"),
            (&mut container.startup_probe, "startupz"),
        ] {
            let Some(probe) = probe.as_mut() else { continue };
            let Some(original) = prober_json(
                probe.http_get.as_ref(),
                probe.tcp_socket.as_ref().map(|t| &t.port),
                probe.grpc.as_ref().map(|g| (g.port, g.service.clone())),
                &named_ports,
                probe.timeout_seconds,
            ) else {
                continue;
            };
            let path = format!("/app-health/{name}/{suffix}");
            probers.insert(path.clone(), original);
            let scheme = probe.http_get.as_ref().and_then(|h| h.scheme.clone()).filter(|s| s == "HTTPS");
            let headers = probe.http_get.as_ref().and_then(|h| h.http_headers.clone());
            probe.tcp_socket = None;
            probe.grpc = None;
            probe.http_get = Some(HTTPGetAction {
                path: Some(path),
                port: IntOrString::Int(port),
                scheme: scheme.map(|_| s("HTTP")),
                http_headers: headers,
                host: None,
            });
        }
        if let Some(lifecycle) = container.lifecycle.as_mut() {
            for (handler, suffix) in [(&mut lifecycle.pre_stop, "prestopz"), (&mut lifecycle.post_start, "poststartz")]
            {
                let Some(handler) = handler.as_mut() else { continue };
                let Some(original) = prober_json(
                    handler.http_get.as_ref(),
                    handler.tcp_socket.as_ref().map(|t| &t.port),
                    None,
                    &named_ports,
                    None,
                ) else {
                    continue;
                };
                let path = format!("/app-lifecycle/{name}/{suffix}");
                probers.insert(path.clone(), original);
                handler.tcp_socket = None;
                handler.http_get =
                    Some(HTTPGetAction { path: Some(path), port: IntOrString::Int(port), ..HTTPGetAction::default() });
            }
        }
    }
    if probers.is_empty() {
        return None;
    }
    if let Some(old) =
        previously.and_then(|p| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(p).ok())
    {
        for (k, v) in old {
            probers.insert(k, v);
        }
    }
    let mut sorted: Vec<(String, serde_json::Value)> = probers.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Some(serde_json::Value::Object(sorted.into_iter().collect()).to_string())
}

fn prober_json(
    http: Option<&HTTPGetAction>,
    tcp: Option<&IntOrString>,
    grpc: Option<(i32, Option<String>)>,
    named: &[(String, i32)],
    timeout: Option<i32>,
) -> Option<serde_json::Value> {
    let resolve = |port: &IntOrString| match port {
        IntOrString::Int(p) => serde_json::Value::from(*p),
        IntOrString::String(name) => named
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| serde_json::Value::from(name.clone()), |(_, p)| serde_json::Value::from(*p)),
    };
    let mut out = serde_json::Map::new();
    if let Some(h) = http {
        let mut value = serde_json::to_value(h).ok()?;
        value["port"] = resolve(&h.port);
        out.insert("httpGet".into(), value);
    } else if let Some(port) = tcp {
        out.insert("tcpSocket".into(), serde_json::json!({ "port": resolve(port) }));
    } else if let Some((port, service)) = grpc {
        let mut value = serde_json::json!({ "port": port });
        if let Some(service) = service {
            value["service"] = service.into();
        }
        out.insert("grpc".into(), value);
    } else {
        return None;
    }
    if let Some(t) = timeout {
        out.insert("timeoutSeconds".into(), t.into());
    }
    Some(serde_json::Value::Object(out))
}

/// Names listed under `key` in a status or overrides annotation.
fn status_names(status: Option<&serde_json::Value>, key: &str) -> Vec<String> {
    status
        .and_then(|s| s.get(key))
        .and_then(|v| v.as_array())
        .map(|v| v.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Containers recorded in a `proxy.istio.io/overrides` annotation, by list.
fn recorded_overrides(meta: &ObjectMeta) -> (Vec<Container>, Vec<Container>) {
    let parsed = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(OVERRIDES))
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
    let list = |key: &str| -> Vec<Container> {
        parsed
            .as_ref()
            .and_then(|p| p.get(key).cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    };
    (list("containers"), list("initContainers"))
}

/// The pod annotation recording a user's overrides of injected containers.
pub const OVERRIDES: &str = "proxy.istio.io/overrides";

/// Key order of Kubernetes' Go types, used to write the overrides annotation as Istio does.
const GO_FIELD_ORDER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
    "exec",
    "httpGet",
    "tcpSocket",
    "grpc",
    "sleep",
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
    "path",
    "port",
    "host",
    "scheme",
    "httpHeaders",
    "service",
    "postStart",
    "preStop",
    "stopSignal",
    "limits",
    "requests",
    "claims",
    "capabilities",
    "privileged",
    "seLinuxOptions",
    "windowsOptions",
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "procMount",
    "seccompProfile",
    "appArmorProfile",
    "add",
    "drop",
    "readOnly",
    "recursiveReadOnly",
    "mountPath",
    "subPath",
    "mountPropagation",
    "subPathExpr",
    "hostPort",
    "containerPort",
    "protocol",
    "hostIP",
    "value",
    "valueFrom",
];

/// Reorders object keys the way Go writes Kubernetes types.
fn go_order(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(map).into_iter().collect();
            for (_, v) in &mut entries {
                go_order(v);
            }
            let rank = |k: &str| GO_FIELD_ORDER.iter().position(|f| *f == k).unwrap_or(usize::MAX);
            entries.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then_with(|| a.0.cmp(&b.0)));
            map.extend(entries);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(go_order),
        _ => {}
    }
}

/// A user's container as Istio records it: Go key order, `resources` always present,
/// quantities in canonical form.
fn go_container_json(container: &Container) -> serde_json::Value {
    let mut value = serde_json::to_value(container).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        let resources = map.entry("resources").or_insert_with(|| serde_json::json!({}));
        for group in ["limits", "requests"] {
            if let Some(amounts) = resources.get_mut(group).and_then(|g| g.as_object_mut()) {
                for amount in amounts.values_mut() {
                    if let Some(text) = amount.as_str() {
                        *amount = canonical_quantity(text).into();
                    }
                }
            }
        }
    }
    go_order(&mut value);
    value
}

/// A Kubernetes quantity in the canonical form Kubernetes prints (`3000m` → `3`,
/// `1024Mi` → `1Gi`); text it cannot read is returned unchanged.
pub(crate) fn canonical_quantity(text: &str) -> String {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let Ok(mut mantissa) = format!("{whole}{fraction}").parse::<i128>() else {
        return text.to_owned();
    };
    let binary = [("Ki", 1), ("Mi", 2), ("Gi", 3), ("Ti", 4), ("Pi", 5), ("Ei", 6)];
    if let Some(&(_, mut power)) = binary.iter().find(|(s, _)| *s == suffix) {
        if !fraction.is_empty() {
            return text.to_owned();
        }
        while power < 6 && mantissa != 0 && mantissa % 1024 == 0 {
            mantissa /= 1024;
            power += 1;
        }
        return format!("{mantissa}{}", binary[power - 1].0);
    }
    let decimal =
        [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];
    let Some(&(_, exp)) = decimal.iter().find(|(s, _)| *s == suffix) else {
        return text.to_owned();
    };
    let Ok(digits) = i32::try_from(fraction.len()) else {
        return text.to_owned();
    };
    let mut exp = exp - digits;
    while exp % 3 != 0 {
        mantissa *= 10;
        exp -= 1;
    }
    if mantissa == 0 {
        return "0".to_owned();
    }
    while exp < 18 && mantissa % 1000 == 0 {
        mantissa /= 1000;
        exp += 3;
    }
    match decimal.iter().find(|(_, e)| *e == exp) {
        Some((s, _)) => format!("{mantissa}{s}"),
        None => text.to_owned(),
    }
}

/// Writes a container's resource amounts in canonical form, as Kubernetes does on reading.
fn canonical_resources(container: &mut Container) {
    if let Some(resources) = container.resources.as_mut() {
        for map in [resources.limits.as_mut(), resources.requests.as_mut()].into_iter().flatten() {
            for amount in map.values_mut() {
                amount.0 = canonical_quantity(&amount.0);
            }
        }
    }
}

/// Sets an env entry, replacing one of the same name.
fn set_env(container: &mut Container, var: EnvVar) {
    let list = container.env.get_or_insert_with(Vec::new);
    match list.iter_mut().find(|e| e.name == var.name) {
        Some(slot) => *slot = var,
        None => list.push(var),
    }
}

/// Injects the sidecar into one pod template.
pub(crate) fn inject_pod(
    meta: &mut ObjectMeta,
    spec: &mut PodSpec,
    owner: &Owner<'_>,
    type_meta: (&str, &str),
    settings: &InjectionSettings,
) -> Result<(), InjectError> {
    let original = spec.clone();
    let status: Option<serde_json::Value> =
        meta.annotations.as_ref().and_then(|a| a.get(STATUS)).and_then(|s| serde_json::from_str(s).ok());
    let previously_injected = meta.annotations.as_ref().is_some_and(|a| a.contains_key(STATUS));
    let (recorded_containers, recorded_inits) = recorded_overrides(meta);
    remove_previous(meta, spec);
    let view = PodView { meta, settings };
    check_annotations(&view)?;
    let templates: Vec<&str> = view
        .annotation("inject.istio.io/templates")
        .map(|t| t.split(',').map(str::trim).filter(|t| !t.is_empty()).collect())
        .unwrap_or_default();
    let chosen = if templates.iter().all(|t| *t == "sidecar") {
        "sidecar"
    } else if let [only] = templates.as_slice()
        && ["gateway", "grpc-agent", "grpc-simple"].contains(only)
    {
        *only
    } else if templates.iter().all(|t| *t == "gateway") {
        "gateway"
    } else {
        return Err(InjectError::Template { name: templates.join(",") });
    };
    let proxy_config = pod_proxy_config(&view)?;
    let native_default = settings.native_sidecars_enabled();
    let rendered = match chosen {
        "gateway" => render_gateway(&view, spec, owner, type_meta, &proxy_config),
        "grpc-agent" => grpc::render_agent(&view, spec, owner, type_meta, &proxy_config),
        "grpc-simple" => grpc::render_simple(&view, spec),
        _ => render(&view, spec, owner, type_meta, &proxy_config, native_default),
    };
    let mesh_status_port = proxy_config.status_port.unwrap_or(15020).to_string();
    let probe_port = view.or("status.sidecar.istio.io/port", &mesh_status_port);
    let hold =
        proxy_config.hold_application_until_proxy_starts == Some(true) || settings.hold_application_until_proxy_starts;
    let tproxy = view.interception_mode(&proxy_config) == "TPROXY";

    // The template's containers, by the list they belong to.
    let mut template_inits = rendered.init_containers;
    let mut template_containers = Vec::new();
    if let Some(proxy) = rendered.proxy {
        if rendered.native {
            template_inits.push(proxy);
        } else {
            template_containers.push(proxy);
        }
    }
    template_containers.extend(rendered.app_containers);
    let init_names: Vec<String> = template_inits.iter().map(|c| c.name.clone()).collect();
    let container_names: Vec<String> = template_containers.iter().map(|c| c.name.clone()).collect();

    // Containers of the pod named like injected ones are the user's overrides: they are taken
    // out of the pod and merged over what the template made (unless a previous injection put
    // them there).
    let injected: Vec<&String> = init_names.iter().chain(&container_names).collect();
    spec.containers.retain(|c| !injected.contains(&&c.name));
    if let Some(list) = spec.init_containers.as_mut() {
        list.retain(|c| !injected.contains(&&c.name));
    }
    let find = |name: &str, lists: &[&[Container]]| -> Option<Container> {
        lists.iter().flat_map(|l| l.iter()).find(|c| c.name == name).cloned()
    };
    let original_inits = original.init_containers.clone().unwrap_or_default();
    // The template is first merged onto a container of the same name already in the pod (in
    // either list), as Kubernetes' strategic merge does.
    for container in template_inits.iter_mut().chain(template_containers.iter_mut()) {
        if let Some(existing) = find(&container.name, &[original.containers.as_slice(), original_inits.as_slice()]) {
            *container = strategic_merge(&existing, container)?;
        }
    }
    let mut overrides = serde_json::Map::new();
    for (key, template, skip, recorded, lists) in [
        (
            "containers",
            &mut template_containers,
            status_names(status.as_ref(), "containers"),
            &recorded_containers,
            vec![original.containers.as_slice()],
        ),
        (
            "initContainers",
            &mut template_inits,
            status_names(status.as_ref(), "initContainers"),
            &recorded_inits,
            vec![original.containers.as_slice(), original_inits.as_slice()],
        ),
    ] {
        let mut recorded_here = Vec::new();
        for container in template.iter_mut() {
            if skip.contains(&container.name) {
                continue;
            }
            let Some(mut user) =
                find(&container.name, &[recorded.as_slice()]).or_else(|| find(&container.name, &lists))
            else {
                continue;
            };
            if user.image.as_deref() == Some("auto") {
                user.image = None;
            }
            // On OpenShift the namespace decides the ids; a user's own ones give way.
            if settings.proxy_uid.is_some()
                && let Some(sc) = user.security_context.as_mut()
            {
                sc.run_as_user = None;
                sc.run_as_group = None;
            }
            recorded_here.push(go_container_json(&user));
            apply_override(container, &user)?;
            canonical_resources(container);
        }
        if !recorded_here.is_empty() {
            overrides.insert(key.into(), recorded_here.into());
        }
    }
    if !previously_injected && !overrides.is_empty() {
        meta.annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(s(OVERRIDES), serde_json::Value::Object(overrides).to_string());
    }
    if settings.proxy_uid.is_none() {
        adjust_init_user(&original, &mut template_inits, &mut template_containers, tproxy);
    }

    let labels = meta.labels.get_or_insert_with(BTreeMap::new);
    for (k, v) in &rendered.labels {
        labels.insert(k.clone(), v.clone());
    }
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    for (k, v) in &rendered.annotations {
        annotations.insert(k.clone(), v.clone());
    }
    spec.init_containers.get_or_insert_with(Vec::new).extend(template_inits);
    spec.containers.extend(template_containers);

    // Post-processing on the merged pod: metrics merge, probe rewrite.
    let rewrite = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get("sidecar.istio.io/rewriteAppHTTPProbers"))
        .map_or(settings.rewrite_app_http_probe, |v| parse_bool(v).unwrap_or(settings.rewrite_app_http_probe));
    let mut proxy = take_proxy(spec);
    prometheus_merge(meta, proxy.as_mut(), settings, &mesh_status_port);
    if let Some(proxy) = proxy.as_mut() {
        let previous = proxy
            .env
            .as_ref()
            .and_then(|e| e.iter().find(|v| v.name == "ISTIO_KUBE_APP_PROBERS"))
            .and_then(|v| v.value.clone());
        if rewrite
            && let Some(probers) =
                rewrite_probes(spec, &probe_port, if previously_injected { previous.as_deref() } else { None })
        {
            set_env(proxy, env("ISTIO_KUBE_APP_PROBERS", probers));
        }
    }
    if let Some(proxy) = proxy {
        if rendered.native {
            spec.init_containers.get_or_insert_with(Vec::new).push(proxy);
        } else {
            spec.containers.push(proxy);
        }
    }

    // Injected volumes come first, then the pod's own.
    let volume_names: Vec<String> = rendered.volumes.iter().map(|v| v.name.clone()).collect();
    let own: Vec<Volume> =
        spec.volumes.take().unwrap_or_default().into_iter().filter(|v| !volume_names.contains(&v.name)).collect();
    let mut volumes = rendered.volumes;
    volumes.extend(own);
    spec.volumes = Some(volumes);
    let mut secret_names = Vec::new();
    if !rendered.pull_secrets.is_empty() {
        let secrets = spec.image_pull_secrets.get_or_insert_with(Vec::new);
        for name in rendered.pull_secrets {
            if !secrets.iter().any(|s| s.name == name) {
                secrets.push(LocalObjectReference { name: name.clone() });
            }
            secret_names.push(name);
        }
    }

    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    if !settings.network.is_empty() {
        meta.labels.get_or_insert_with(BTreeMap::new).insert(s("topology.istio.io/network"), settings.network.clone());
    }
    let list = |names: &[String]| {
        if names.is_empty() { serde_json::Value::Null } else { serde_json::Value::from(names.to_vec()) }
    };
    let mut status = serde_json::Map::new();
    status.insert("initContainers".into(), list(&init_names));
    status.insert("containers".into(), list(&container_names));
    status.insert("volumes".into(), list(&volume_names));
    status.insert("imagePullSecrets".into(), list(&secret_names));
    status.insert(
        "revision".into(),
        (if settings.revision.is_empty() { "default" } else { settings.revision.as_str() }).into(),
    );
    annotations.insert(s(STATUS), serde_json::Value::Object(status).to_string());
    for (k, v) in &settings.injected_annotations {
        annotations.insert(k.clone(), v.clone());
    }

    // Order: the proxy last among containers (first when apps wait for it); with a native
    // sidecar, capture set-up then the proxy lead the init containers; otherwise validation
    // leads and istio-init runs last.
    move_container(&mut spec.containers, PROXY, hold);
    let inits = spec.init_containers.get_or_insert_with(Vec::new);
    if inits.iter().any(|c| c.name == PROXY) {
        move_container(inits, "enable-core-dump", true);
        move_container(inits, PROXY, true);
        move_container(inits, VALIDATION, true);
        move_container(inits, INIT, true);
    } else {
        move_container(inits, VALIDATION, true);
        move_container(inits, INIT, false);
        move_container(inits, "enable-core-dump", false);
    }
    if inits.is_empty() {
        spec.init_containers = None;
    }
    Ok(())
}

/// Takes the proxy container out of the pod (from either list).
fn take_proxy(spec: &mut PodSpec) -> Option<Container> {
    if let Some(i) = spec.containers.iter().position(|c| c.name == PROXY) {
        return Some(spec.containers.remove(i));
    }
    let list = spec.init_containers.as_mut()?;
    let i = list.iter().position(|c| c.name == PROXY)?;
    Some(list.remove(i))
}

/// A user's `istio-proxy` running as another uid: the capture rules follow it (`-u`), the
/// validation container runs as it, and in TPROXY mode the proxy stays root.
fn adjust_init_user(original: &PodSpec, inits: &mut [Container], containers: &mut [Container], tproxy: bool) {
    let user = original
        .containers
        .iter()
        .chain(original.init_containers.iter().flatten())
        .find(|c| c.name == PROXY)
        .and_then(|c| c.security_context.as_ref());
    let Some(user) = user else { return };
    if user.run_as_user.is_none() && user.run_as_group.is_none() {
        return;
    }
    if tproxy
        && user.run_as_user.is_some()
        && let Some(proxy) = inits.iter_mut().chain(containers.iter_mut()).find(|c| c.name == PROXY)
    {
        proxy.security_context.get_or_insert_with(SecurityContext::default).run_as_user = Some(0);
    }
    let Some(init) = inits.iter_mut().find(|c| c.name == INIT || c.name == VALIDATION) else {
        return;
    };
    if !tproxy && init.name == VALIDATION {
        let sc = init.security_context.get_or_insert_with(SecurityContext::default);
        if user.run_as_user.is_some() {
            sc.run_as_user = user.run_as_user;
        }
        if user.run_as_group.is_some() {
            sc.run_as_group = user.run_as_group;
        }
    }
    let Some(uid) = user.run_as_user.filter(|u| *u != 0) else { return };
    if let Some(args) = init.args.as_mut()
        && let Some(i) = args.iter().position(|a| a == "-u")
        && i + 1 < args.len()
    {
        args[i + 1] = uid.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(annotations: &[(&str, &str)]) -> (ObjectMeta, PodSpec) {
        let meta = ObjectMeta {
            annotations: Some(annotations.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            labels: Some([("app".to_owned(), "hello".to_owned())].into()),
            ..ObjectMeta::default()
        };
        let spec = PodSpec {
            containers: vec![Container { name: s("hello"), image: Some(s("hello:1")), ..Container::default() }],
            ..PodSpec::default()
        };
        (meta, spec)
    }

    fn run(annotations: &[(&str, &str)], settings: &InjectionSettings) -> (ObjectMeta, PodSpec) {
        let (mut meta, mut spec) = pod(annotations);
        inject_pod(&mut meta, &mut spec, &Owner { name: "hello", namespace: "" }, ("apps/v1", "Deployment"), settings)
            .expect("injects");
        (meta, spec)
    }

    fn names(list: &[Container]) -> Vec<&str> {
        list.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn native_sidecar_is_an_init_container_after_istio_init() {
        let (meta, spec) = run(&[], &InjectionSettings::default());
        assert_eq!(names(spec.init_containers.as_deref().unwrap_or_default()), ["istio-init", "istio-proxy"]);
        assert_eq!(names(&spec.containers), ["hello"]);
        let labels = meta.labels.unwrap_or_default();
        assert_eq!(labels["service.istio.io/canonical-name"], "hello");
        assert_eq!(labels["security.istio.io/tlsMode"], "istio");
    }

    #[test]
    fn without_native_sidecars_the_proxy_follows_the_app() {
        let settings = InjectionSettings { native_sidecars: super::super::NativeSidecars::Off, ..Default::default() };
        let (meta, spec) = run(&[], &settings);
        assert_eq!(names(&spec.containers), ["hello", "istio-proxy"]);
        let status = &meta.annotations.unwrap_or_default()[STATUS];
        assert!(status.starts_with(r#"{"initContainers":["istio-init"],"containers":["istio-proxy"]"#), "{status}");
    }

    #[test]
    fn cni_uses_the_validation_container() {
        let settings = InjectionSettings { cni_enabled: true, ..Default::default() };
        let (meta, spec) = run(&[], &settings);
        let inits = spec.init_containers.unwrap_or_default();
        assert_eq!(inits[0].name, VALIDATION);
        assert!(inits[0].args.as_ref().is_some_and(|a| a.contains(&s("--run-validation"))));
        assert_eq!(meta.annotations.unwrap_or_default()["sidecar.istio.io/interceptionMode"], "REDIRECT");
    }

    #[test]
    fn resource_annotations_replace_the_chart_resources() {
        let (_, spec) = run(&[("sidecar.istio.io/proxyCPU", "1")], &InjectionSettings::default());
        let proxy = spec.init_containers.unwrap_or_default().into_iter().find(|c| c.name == PROXY).expect("proxy");
        let resources = proxy.resources.expect("resources");
        assert_eq!(resources.requests.expect("requests")["cpu"], Quantity(s("1")));
        assert!(resources.limits.is_none());
    }

    #[test]
    fn bad_include_ranges_are_refused_and_named() {
        let (mut meta, mut spec) = pod(&[("traffic.sidecar.istio.io/includeOutboundIPRanges", "1.1.1.1")]);
        let err =
            inject_pod(&mut meta, &mut spec, &Owner { name: "x", namespace: "" }, ("v1", "Pod"), &Default::default())
                .expect_err("refused");
        assert!(err.to_string().to_lowercase().contains("includeoutboundipranges"), "{err}");
    }

    #[test]
    fn canonical_name_is_cut_to_63_characters_and_trimmed() {
        let owner = Owner { name: "a-", namespace: "" };
        let meta = ObjectMeta::default();
        let view = PodView { meta: &meta, settings: &InjectionSettings::default() };
        assert_eq!(canonical_name(&view, &owner), "a");
    }

    #[test]
    fn reinjection_is_idempotent() {
        let (mut meta, mut spec) = run(&[], &InjectionSettings::default());
        let first = (meta.clone(), spec.clone());
        inject_pod(
            &mut meta,
            &mut spec,
            &Owner { name: "hello", namespace: "" },
            ("apps/v1", "Deployment"),
            &Default::default(),
        )
        .expect("injects");
        assert_eq!(names(spec.init_containers.as_deref().unwrap_or_default()), ["istio-init", "istio-proxy"]);
        assert_eq!(first.0.annotations, meta.annotations);
    }

    #[test]
    fn quantities_are_written_in_canonical_form() {
        assert_eq!(canonical_quantity("2000m"), "2");
        assert_eq!(canonical_quantity("1024Mi"), "1Gi");
        assert_eq!(canonical_quantity("100m"), "100m");
        assert_eq!(canonical_quantity("128Mi"), "128Mi");
        assert_eq!(canonical_quantity("0.5"), "500m");
        assert_eq!(canonical_quantity("1000"), "1k");
        assert_eq!(canonical_quantity("0"), "0");
    }

    #[test]
    fn overrides_are_recorded_in_go_field_order() {
        let user = Container {
            name: s(PROXY),
            image: Some(s("auto")),
            tty: Some(true),
            args: Some(vec![s("a")]),
            ..Container::default()
        };
        let text = go_container_json(&user).to_string();
        assert_eq!(text, r#"{"name":"istio-proxy","image":"auto","args":["a"],"resources":{},"tty":true}"#);
    }

    #[test]
    fn a_user_proxy_container_overrides_the_injected_one() {
        let (mut meta, mut spec) = pod(&[]);
        spec.containers.push(Container {
            name: s(PROXY),
            image: Some(s("auto")),
            args: Some(vec![s("custom")]),
            ..Container::default()
        });
        inject_pod(&mut meta, &mut spec, &Owner { name: "hello", namespace: "" }, ("v1", "Pod"), &Default::default())
            .expect("injects");
        let proxy = spec.init_containers.unwrap_or_default().into_iter().find(|c| c.name == PROXY).expect("proxy");
        assert_eq!(proxy.args, Some(vec![s("custom")]));
        assert_eq!(proxy.image.as_deref(), Some("registry.istio.io/testing/proxyv2:latest"));
        assert_eq!(names(&spec.containers), ["hello"]);
        let overrides = &meta.annotations.unwrap_or_default()[OVERRIDES];
        assert_eq!(overrides, r#"{"initContainers":[{"name":"istio-proxy","args":["custom"],"resources":{}}]}"#);
    }

    #[test]
    fn gateway_template_makes_a_router_without_init_containers() {
        let (_, spec) = run(&[("inject.istio.io/templates", "gateway")], &InjectionSettings::default());
        assert!(spec.init_containers.is_none());
        let proxy = spec.containers.iter().find(|c| c.name == PROXY).expect("proxy");
        assert_eq!(proxy.args.as_ref().map(|a| a[1].as_str()), Some("router"));
    }

    #[test]
    fn unknown_templates_are_refused() {
        let (mut meta, mut spec) = pod(&[("inject.istio.io/templates", "spire")]);
        let err =
            inject_pod(&mut meta, &mut spec, &Owner { name: "x", namespace: "" }, ("v1", "Pod"), &Default::default())
                .expect_err("refused");
        assert!(matches!(err, InjectError::Template { .. }), "{err}");
    }

    #[test]
    fn multus_network_is_appended() {
        assert_eq!(append_multus(None, "default/istio-cni"), "default/istio-cni");
        assert_eq!(append_multus(Some("a"), "default/istio-cni"), "a, default/istio-cni");
        assert_eq!(
            append_multus(Some(r#"[{"name": "a"}]"#), "default/istio-cni"),
            r#"[{"name": "a"}, {"name": "istio-cni", "namespace": "default"}]"#
        );
    }
}
