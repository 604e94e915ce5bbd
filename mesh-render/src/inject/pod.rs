//! Injection into one pod template: what Istio's `sidecar` template renders, merged onto the pod
//! the way the webhook does, then its post-processing (metrics merge, probe rewrite, status
//! annotation, container order).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, DownwardAPIVolumeFile, DownwardAPIVolumeSource,
    EmptyDirVolumeSource, EnvVar, EnvVarSource, ExecAction, HTTPGetAction, Lifecycle, LifecycleHandler,
    LocalObjectReference, ObjectFieldSelector, PodSecurityContext, PodSpec, Probe, ProjectedVolumeSource,
    ResourceFieldSelector, ResourceRequirements, SecretVolumeSource, SecurityContext, ServiceAccountTokenProjection,
    Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_api::install::ProxyConfig;
use mesh_api::k8s_openapi;

mod gateway;
mod grpc;
mod merge;
mod post;
mod sidecar;
mod text;

use gateway::render_gateway;
use merge::{apply_override, canonical_quantity, canonical_resources, go_container_json, strategic_merge};
use post::{parse_bool, prometheus_merge, rewrite_probes};
use sidecar::{agent_args, base_annotations, canonical_revision, render, resources};

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

/// An env entry with a plain value; an empty value is left out, as Kubernetes writes it.
fn env(name: &str, value: impl Into<String>) -> EnvVar {
    let value = value.into();
    EnvVar { name: name.to_owned(), value: (!value.is_empty()).then_some(value), value_from: None }
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

/// The values setting a traffic annotation stands for (`includeIPRanges` for
/// `traffic.sidecar.istio.io/includeOutboundIPRanges`), as Istio's errors name it.
fn setting_name(key: &str) -> &str {
    let short = key.rsplit('/').next().unwrap_or(key);
    match short {
        "includeOutboundIPRanges" => "includeIPRanges",
        "excludeOutboundIPRanges" => "excludeIPRanges",
        other => other,
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
                message: format!("{part:?} is not a CIDR range (invalid {})", setting_name(key)),
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
                message: format!("{part:?} is not a port number (invalid {})", setting_name(key)),
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
    let overlay = match mesh_api::read_untyped(text).into_iter().next() {
        Some(Ok(value)) => value,
        Some(Err(e)) => {
            return Err(InjectError::Annotation { key: "proxy.istio.io/config".into(), message: e.to_string() });
        }
        None => serde_json::Value::Null,
    };
    let mut merged = serde_json::to_value(base).unwrap_or_default();
    merge_json(&mut merged, overlay);
    serde_json::from_value(merged)
        .map_err(|e| InjectError::Annotation { key: "proxy.istio.io/config".into(), message: e.to_string() })
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
    /// Pod-level security settings the template adds (the gateway's unprivileged ports).
    pod_security: Option<PodSecurityContext>,
    native: bool,
    volumes: Vec<Volume>,
    pull_secrets: Vec<String>,
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
        if st.cluster_trust_bundle {
            let bundle = if st.trust_bundle_name.is_empty() { "root-cert" } else { st.trust_bundle_name.as_str() };
            volumes.push(Volume {
                name: s("istiod-ca-cert"),
                projected: Some(ProjectedVolumeSource {
                    sources: Some(vec![VolumeProjection {
                        cluster_trust_bundle: Some(k8s_openapi::api::core::v1::ClusterTrustBundleProjection {
                            name: Some(format!("istio.io:istiod-ca:{bundle}")),
                            path: s("root-cert.pem"),
                            ..Default::default()
                        }),
                        ..VolumeProjection::default()
                    }]),
                    ..ProjectedVolumeSource::default()
                }),
                ..Volume::default()
            });
        } else {
            volumes.push(Volume {
                name: s("istiod-ca-cert"),
                config_map: Some(ConfigMapVolumeSource { name, ..ConfigMapVolumeSource::default() }),
                ..Volume::default()
            });
        }
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

/// The pod's proxy settings as the agent reads them from `PROXY_CONFIG` (map keys sorted, as
/// Go writes maps).
fn proxy_config_json(config: &ProxyConfig) -> String {
    let mut value = serde_json::to_value(config).unwrap_or_default();
    sort_maps(&mut value, &["proxyMetadata", "runtimeValues"]);
    let text = serde_json::to_string(&value).unwrap_or_else(|_| s("{}"));
    format!("{text}\n")
}

/// Sorts the keys of the maps found under `keys`.
fn sort_maps(value: &mut serde_json::Value, keys: &[&str]) {
    if let Some(map) = value.as_object_mut() {
        for key in keys {
            if let Some(serde_json::Value::Object(inner)) = map.get_mut(*key) {
                let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(inner).into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                inner.extend(entries);
            }
        }
    }
}

fn pod_ports_json(spec: &PodSpec) -> String {
    let ports: Vec<String> = spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            let mut value = serde_json::to_value(p).ok()?;
            merge::go_order(&mut value);
            serde_json::to_string(&value).ok()
        })
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
    let names: Vec<String> = match view.annotation("inject.istio.io/templates") {
        Some(list) => list.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        None if settings.default_templates.is_empty() => vec![s("sidecar")],
        None => settings.default_templates.clone(),
    };
    let names: Vec<String> =
        names.into_iter().flat_map(|n| settings.aliases.get(&n).cloned().unwrap_or_else(|| vec![n])).collect();
    let proxy_config = pod_proxy_config(&view)?;
    let native_default = settings.native_sidecars_enabled();
    let native_wanted = view.annotation("sidecar.istio.io/nativeSidecar").map_or(native_default, |v| v != "false");
    let mut rendered: Option<Rendered> = None;
    let mut extra_spec = serde_json::Map::new();
    for name in &names {
        match text::source(settings, name)? {
            text::Source::BuiltIn if rendered.is_none() => {
                rendered = Some(match name.as_str() {
                    "gateway" => render_gateway(&view, spec, owner, type_meta, &proxy_config),
                    "grpc-agent" => grpc::render_agent(&view, spec, owner, type_meta, &proxy_config),
                    "grpc-simple" => grpc::render_simple(&view, spec),
                    _ => render(&view, spec, owner, type_meta, &proxy_config, native_default),
                });
            }
            // The same built-in template again merges the same output: nothing changes.
            text::Source::BuiltIn if names.first() == Some(name) => {}
            text::Source::BuiltIn => {
                return Err(InjectError::TemplateText {
                    name: name.clone(),
                    message: s("mesh renders its built-in templates only as the first of a pod's templates"),
                });
            }
            text::Source::Text(template) => {
                let data = text::data(&view, spec, owner, type_meta, &proxy_config, native_wanted);
                let patch = text::render_text(name, &template, &data)?;
                let base = rendered.take().unwrap_or_else(text::empty);
                rendered = Some(text::apply_patch(name, base, patch, &mut extra_spec)?);
            }
        }
    }
    let rendered = rendered.unwrap_or_else(text::empty);
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
    if let Some(added) = rendered.pod_security {
        let security = spec.security_context.get_or_insert_with(PodSecurityContext::default);
        let sysctls = security.sysctls.get_or_insert_with(Vec::new);
        for sysctl in added.sysctls.into_iter().flatten() {
            match sysctls.iter_mut().find(|s| s.name == sysctl.name) {
                Some(slot) => *slot = sysctl,
                None => sysctls.insert(0, sysctl),
            }
        }
    }
    spec.init_containers.get_or_insert_with(Vec::new).extend(template_inits);
    spec.containers.extend(template_containers);

    // Post-processing on the merged pod: metrics merge, probe rewrite.
    let rewrite = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get("sidecar.istio.io/rewriteAppHTTPProbers"))
        .map_or(settings.rewrite_app_http_probe, |v| parse_bool(v).unwrap_or(settings.rewrite_app_http_probe));
    let mut proxy = take_proxy(spec, rendered.native);
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
    spec.volumes = (!volumes.is_empty()).then_some(volumes);
    if !extra_spec.is_empty() {
        // Pod fields a text template set besides containers, volumes and pull secrets.
        let internal = |e: serde_json::Error| InjectError::Internal { message: e.to_string() };
        let mut value = serde_json::to_value(&*spec).map_err(internal)?;
        merge_json(&mut value, serde_json::Value::Object(std::mem::take(&mut extra_spec)));
        *spec = serde_json::from_value(value).map_err(|e| InjectError::TemplateText {
            name: names.join(","),
            message: format!("its pod fields do not fit a pod: {e}"),
        })?;
    }
    // Pull secrets from the values come before the pod's own (strategic merge order).
    let secret_names = rendered.pull_secrets;
    if !secret_names.is_empty() {
        let own: Vec<LocalObjectReference> = spec
            .image_pull_secrets
            .take()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !secret_names.contains(&s.name))
            .collect();
        let mut secrets: Vec<LocalObjectReference> =
            secret_names.iter().map(|name| LocalObjectReference { name: name.clone() }).collect();
        secrets.extend(own);
        spec.image_pull_secrets = Some(secrets);
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
    if meta.labels.as_ref().is_some_and(BTreeMap::is_empty) {
        meta.labels = None;
    }
    Ok(())
}

/// Takes the proxy container out of the pod: from the init containers first when it is a
/// native sidecar, else from the containers first.
fn take_proxy(spec: &mut PodSpec, native: bool) -> Option<Container> {
    let from_inits = |spec: &mut PodSpec| -> Option<Container> {
        let list = spec.init_containers.as_mut()?;
        let i = list.iter().position(|c| c.name == PROXY)?;
        Some(list.remove(i))
    };
    if native && let Some(proxy) = from_inits(spec) {
        return Some(proxy);
    }
    if let Some(i) = spec.containers.iter().position(|c| c.name == PROXY) {
        return Some(spec.containers.remove(i));
    }
    from_inits(spec)
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
    fn malformed_traffic_annotations_name_the_setting() {
        for (key, value, word) in [
            ("traffic.sidecar.istio.io/includeOutboundIPRanges", "bad", "includeipranges"),
            ("traffic.sidecar.istio.io/excludeOutboundIPRanges", "1.1.1.1/33", "excludeipranges"),
            ("traffic.sidecar.istio.io/includeInboundPorts", "80,x", "includeinboundports"),
            ("traffic.sidecar.istio.io/excludeInboundPorts", "70000", "excludeinboundports"),
            ("traffic.sidecar.istio.io/excludeOutboundPorts", "-1", "excludeoutboundports"),
        ] {
            let (mut meta, mut spec) = pod(&[(key, value)]);
            let err = inject_pod(
                &mut meta,
                &mut spec,
                &Owner { name: "x", namespace: "" },
                ("v1", "Pod"),
                &InjectionSettings::default(),
            )
            .expect_err("refused");
            assert!(err.to_string().to_lowercase().contains(word), "{err}");
        }
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
        assert_eq!(
            err.to_string(),
            r#"requested injection template "spire" not found; have sidecar, gateway, grpc-agent, grpc-simple"#
        );
    }

    #[test]
    fn text_templates_are_laid_over_the_sidecar_in_turn() {
        let mut settings = InjectionSettings::default();
        settings.templates.insert(
            s("extra"),
            s("metadata:\n  labels:\n    team: '{{ .DeploymentMeta.Name }}'\nspec:\n  volumes:\n  - name: istio-envoy\n    emptyDir: {medium: ''}\n"),
        );
        let (meta, spec) = run(&[("inject.istio.io/templates", "sidecar,extra")], &settings);
        assert_eq!(meta.labels.unwrap_or_default()["team"], "hello");
        let envoy = spec.volumes.unwrap_or_default().into_iter().find(|v| v.name == "istio-envoy").expect("volume");
        assert_eq!(envoy.empty_dir.and_then(|e| e.medium).as_deref(), Some(""));
    }

    #[test]
    fn text_templates_with_functions_are_refused_by_name_unless_built_in() {
        let mut settings = InjectionSettings::default();
        settings.templates.insert(s("fancy"), s("spec: {{ toJSON .Spec }}\n"));
        settings.templates.insert(s("sidecar"), s("{{ annotation .ObjectMeta `x` `y` }}\n"));
        let (mut meta, mut spec) = pod(&[("inject.istio.io/templates", "fancy")]);
        let err = inject_pod(&mut meta, &mut spec, &Owner { name: "x", namespace: "" }, ("v1", "Pod"), &settings)
            .expect_err("refused");
        assert!(err.to_string().starts_with(r#"injection template "fancy": function "toJSON""#), "{err}");
        // The `sidecar` text uses a function: mesh's own sidecar template renders instead.
        let (_, spec) = run(&[], &settings);
        assert!(spec.init_containers.unwrap_or_default().iter().any(|c| c.name == PROXY));
    }
}
