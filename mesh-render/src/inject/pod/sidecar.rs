//! Istio's `sidecar` template: the proxy, the traffic-capture init container, Istio's
//! volumes, labels and annotations.

use super::*;

pub(super) fn resources(view: &PodView<'_>) -> Option<ResourceRequirements> {
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

/// The annotations every injected pod gets: its revision, and the app container that
/// `kubectl logs` and `kubectl exec` pick by default (unless the pod already names one).
pub(super) fn base_annotations(view: &PodView<'_>, apps: &[String]) -> Vec<(String, String)> {
    let st = view.settings;
    let mut annotations =
        vec![(s("istio.io/rev"), if st.revision.is_empty() { s("default") } else { st.revision.clone() })];
    if let Some(first) = apps.first() {
        for key in ["kubectl.kubernetes.io/default-logs-container", "kubectl.kubernetes.io/default-container"] {
            if view.annotation(key).is_none() {
                annotations.push((s(key), first.clone()));
            }
        }
    }
    annotations
}

/// The pilot-agent command line shared by every template: `proxy <mode>` and its log settings.
pub(super) fn agent_args(view: &PodView<'_>, mode: &str, agent_level: &str) -> Vec<String> {
    let st = view.settings;
    let mut args = vec![
        s("proxy"),
        s(mode),
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
    args
}

pub(super) fn canonical_name(view: &PodView<'_>, owner: &Owner<'_>) -> String {
    let name = view
        .label("service.istio.io/canonical-name")
        .filter(|v| !v.is_empty())
        .or_else(|| view.label("app.kubernetes.io/name").filter(|v| !v.is_empty()))
        .or_else(|| view.label("app").filter(|v| !v.is_empty()))
        .unwrap_or(owner.name);
    let cut: String = name.chars().take(63).collect();
    cut.trim_matches(|c| matches!(c, '-' | '_' | '.')).to_owned()
}

pub(super) fn canonical_revision(view: &PodView<'_>) -> String {
    view.label("service.istio.io/canonical-revision")
        .filter(|v| !v.is_empty())
        .or_else(|| view.label("app.kubernetes.io/version").filter(|v| !v.is_empty()))
        .or_else(|| view.label("version").filter(|v| !v.is_empty()))
        .unwrap_or("latest")
        .to_owned()
}

/// Appends `default/istio-cni` to a Multus networks annotation, flat or JSON.
pub(super) fn append_multus(existing: Option<&str>, network: &str) -> String {
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

pub(super) fn render(
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

    let mut annotations = base_annotations(view, &apps);
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

    let mut args = agent_args(view, "sidecar", &agent_level);
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
    // Datadog settings the pod passes to the tracer.
    if st.tracer == "datadog"
        && let Some(text) = view.annotation("apm.datadoghq.com/env")
        && let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(text)
    {
        for (key, value) in map {
            envs.push(env(&key, value.as_str().map_or_else(|| value.to_string(), str::to_owned)));
        }
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
        pod_security: None,
        native,
        volumes,
        pull_secrets: st.image_pull_secrets.clone(),
    }
}

/// Service attributes in OpenTelemetry's semantic conventions: namespace, version (when the
/// pod is labelled with one) and an instance id naming pod and first app container.
pub(super) fn otel_attributes(view: &PodView<'_>, owner: &Owner<'_>, apps: &[String]) -> String {
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

pub(super) fn quantity_map(amounts: &indexmap::IndexMap<String, Option<String>>) -> Option<BTreeMap<String, Quantity>> {
    let map: BTreeMap<String, Quantity> =
        amounts.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), Quantity(canonical_quantity(v))))).collect();
    (!map.is_empty()).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_name_is_cut_to_63_characters_and_trimmed() {
        let owner = Owner { name: "a-", namespace: "" };
        let meta = ObjectMeta::default();
        let view = PodView { meta: &meta, settings: &InjectionSettings::default() };
        assert_eq!(canonical_name(&view, &owner), "a");
    }

    #[test]
    fn datadog_settings_from_the_pod_annotation_become_env() {
        let meta = ObjectMeta {
            annotations: Some([(s("apm.datadoghq.com/env"), s(r#"{"DD_ENV": "prod", "DD_SERVICE": "shop"}"#))].into()),
            ..ObjectMeta::default()
        };
        let settings = InjectionSettings { tracer: s("datadog"), ..InjectionSettings::default() };
        let view = PodView { meta: &meta, settings: &settings };
        let spec = PodSpec::default();
        let rendered =
            render(&view, &spec, &Owner { name: "a", namespace: "" }, ("v1", "Pod"), &ProxyConfig::default(), true);
        let names: Vec<String> =
            rendered.proxy.and_then(|p| p.env).unwrap_or_default().into_iter().map(|e| e.name).collect();
        assert!(names.ends_with(&[s("TRUST_DOMAIN"), s("DD_ENV"), s("DD_SERVICE")]), "{names:?}");
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
