//! Istio's `gateway` template: the proxy as the pod's router container, with no traffic
//! capture and no init containers.

use super::*;

/// What Istio's `gateway` template renders: the proxy as the pod's (router) container, no
/// traffic capture, no init containers.
pub(super) fn render_gateway(
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
    let annotations = base_annotations(view, &apps);
    let agent_level = view.or("sidecar.istio.io/agentLogLevel", &st.agent_log_level);
    let args = agent_args(view, "router", &agent_level);
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
    // The gateway template writes `emptyDir: {}` where the sidecar one leaves it empty.
    let volumes = shared_volumes(view, spec)
        .into_iter()
        .filter(|v| v.name != "istio-ca-crl")
        .map(|mut v| {
            if matches!(v.name.as_str(), "credential-socket" | "workload-certs") {
                v.empty_dir = Some(EmptyDirVolumeSource::default());
            }
            v
        })
        .collect();
    Rendered {
        labels,
        annotations,
        init_containers: Vec::new(),
        proxy: Some(proxy),
        app_containers: Vec::new(),
        // Gateways bind ports below 1024 without privileges.
        pod_security: Some(PodSecurityContext {
            sysctls: Some(vec![k8s_openapi::api::core::v1::Sysctl {
                name: s("net.ipv4.ip_unprivileged_port_start"),
                value: s("0"),
            }]),
            ..PodSecurityContext::default()
        }),
        native: false,
        volumes,
        pull_secrets: st.image_pull_secrets.clone(),
    }
}
