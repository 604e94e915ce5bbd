//! Istio's two templates for proxyless gRPC: `grpc-agent` (the agent runs beside the app and
//! serves it xDS over a socket, no Envoy) and `grpc-simple` (an init container writes a gRPC
//! xDS bootstrap file; nothing runs beside the app).

use k8s_openapi::api::core::v1::{Container, ContainerPort, EmptyDirVolumeSource, PodSpec, SecurityContext, Volume};
use mesh_api::install::ProxyConfig;
use mesh_api::k8s_openapi;

use super::{
    Owner, PodView, Rendered, agent_args, app_containers, base_annotations, ca_address, canonical_revision, empty_dir,
    env, env_field, mount, pod_ports_json, proxy_config_json, resources, s, shared_volumes,
};

/// The annotation both templates set: the app's probes are left alone.
fn no_probe_rewrite() -> (String, String) {
    (s("sidecar.istio.io/rewriteAppHTTPProbers"), s("false"))
}

/// `grpc-agent`: the agent as a regular container, the app pointed at its bootstrap.
pub(super) fn render_agent(
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
    let mut annotations = base_annotations(view, &apps);
    annotations.push(no_probe_rewrite());

    let agent_level = view.or("sidecar.istio.io/agentLogLevel", &st.agent_log_level);
    let args = agent_args(view, "sidecar", &agent_level);

    let mut envs = vec![env("ISTIO_META_GENERATOR", "grpc"), env("OUTPUT_CERTS", "/var/lib/istio/data")];
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
    envs.push(env("PROXY_CONFIG", proxy_config_json(proxy_config)));
    envs.push(env("ISTIO_META_POD_PORTS", pod_ports_json(spec)));
    envs.push(env("ISTIO_META_APP_CONTAINERS", apps.join(",")));
    let cluster = if st.cluster_name.is_empty() { s("Kubernetes") } else { st.cluster_name.clone() };
    envs.push(env("ISTIO_META_CLUSTER_ID", cluster));
    envs.push(env_field("ISTIO_META_NODE_NAME", "spec.nodeName"));
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
    // gRPC resolves names through xDS itself, and there is no Envoy to start.
    envs.push(env("ISTIO_META_DNS_CAPTURE", "false"));
    envs.push(env("DISABLE_ENVOY", "true"));

    let probes = view.status_port() != "0";
    let annotated = |key: &str, default: u32| -> i32 {
        view.annotation(key).and_then(|v| v.parse().ok()).unwrap_or(i32::try_from(default).unwrap_or(i32::MAX))
    };
    let readiness = probes.then(|| {
        let initial =
            annotated("readiness.status.sidecar.istio.io/initialDelaySeconds", st.readiness_initial_delay_seconds);
        k8s_openapi::api::core::v1::Probe {
            http_get: Some(k8s_openapi::api::core::v1::HTTPGetAction {
                path: Some(s("/healthz/ready")),
                port: k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(15020),
                ..Default::default()
            }),
            initial_delay_seconds: (initial != 0).then_some(initial),
            period_seconds: Some(annotated(
                "readiness.status.sidecar.istio.io/periodSeconds",
                st.readiness_period_seconds,
            )),
            timeout_seconds: Some(3),
            failure_threshold: Some(annotated(
                "readiness.status.sidecar.istio.io/failureThreshold",
                st.readiness_failure_threshold,
            )),
            ..Default::default()
        }
    });

    let mut mounts = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials"),
    ];
    if st.pilot_cert_provider == "istiod" {
        mounts.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
    }
    mounts.push(mount("istio-data", "/var/lib/istio/data"));
    mounts.push(mount("istio-xds", "/etc/istio/proxy"));
    mounts.push(mount("istio-token", "/var/run/secrets/tokens"));
    if st.mount_mtls_certs {
        mounts.push(k8s_openapi::api::core::v1::VolumeMount {
            read_only: Some(true),
            ..mount("istio-certs", "/etc/certs/")
        });
    }
    mounts.push(mount("istio-podinfo", "/etc/istio/pod"));

    let proxy = Container {
        name: s(super::PROXY),
        image: Some({
            let annotated = view.or("sidecar.istio.io/proxyImage", &st.proxy_image);
            if annotated.contains('/') { annotated } else { st.proxy_image() }
        }),
        ports: Some(vec![ContainerPort {
            container_port: 15020,
            protocol: Some(s("TCP")),
            name: Some(s("mesh-metrics")),
            ..ContainerPort::default()
        }]),
        args: Some(args),
        lifecycle: Some(k8s_openapi::api::core::v1::Lifecycle {
            post_start: Some(k8s_openapi::api::core::v1::LifecycleHandler {
                exec: Some(k8s_openapi::api::core::v1::ExecAction {
                    command: Some(vec![s("pilot-agent"), s("wait"), s("--url=http://localhost:15020/healthz/ready")]),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        env: Some(envs),
        image_pull_policy: (!st.image_pull_policy.is_empty()).then(|| st.image_pull_policy.clone()),
        readiness_probe: readiness,
        resources: resources(view),
        volume_mounts: Some(mounts),
        security_context: None::<SecurityContext>,
        ..Container::default()
    };

    let app_entries = apps
        .iter()
        .map(|name| Container {
            name: name.clone(),
            env: Some(vec![
                env("GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", "true"),
                env("GRPC_XDS_BOOTSTRAP", "/etc/istio/proxy/grpc-bootstrap.json"),
            ]),
            volume_mounts: Some(vec![
                mount("istio-data", "/var/lib/istio/data"),
                mount("istio-xds", "/etc/istio/proxy"),
                mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials"),
            ]),
            ..Container::default()
        })
        .collect();

    // The shared volumes, with the xDS socket volume in place of Envoy's and no
    // credential socket or CRL.
    let volumes = shared_volumes(view, spec)
        .into_iter()
        .filter(|v| !matches!(v.name.as_str(), "credential-socket" | "istio-ca-crl"))
        .map(|v| if v.name == "istio-envoy" { empty_dir("istio-xds", Some("Memory")) } else { v })
        .collect();

    Rendered {
        labels,
        annotations,
        init_containers: Vec::new(),
        proxy: Some(proxy),
        app_containers: app_entries,
        pod_security: None,
        native: false,
        volumes,
        pull_secrets: st.image_pull_secrets.clone(),
    }
}

/// `grpc-simple`: an init container writes the gRPC xDS bootstrap into a shared volume, and
/// every container is pointed at it.
pub(super) fn render_simple(view: &PodView<'_>, spec: &PodSpec) -> Rendered {
    let st = view.settings;
    let volume = "grpc-io-proxyless-bootstrap";
    let dir = "/var/lib/grpc/data/";
    // A small script of our own: it writes the node id and istiod's plaintext xDS address
    // into the bootstrap file gRPC reads.
    let script = r#"cat > /var/lib/grpc/data/bootstrap.json <<JSON
{"xds_servers": [{"server_uri": "dns:///istiod.$(echo $ISTIO_NAMESPACE).svc:15010", "channel_creds": [{"type": "insecure"}], "server_features": ["xds_v3"]}],
 "node": {"id": "sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local", "metadata": {"GENERATOR": "grpc"}}}
JSON"#;
    let init = Container {
        name: s("grpc-bootstrap-init"),
        image: Some(s("busybox:1.28")),
        volume_mounts: Some(vec![mount(volume, dir)]),
        env: Some(vec![
            env_field("INSTANCE_IP", "status.podIP"),
            env_field("POD_NAME", "metadata.name"),
            env_field("POD_NAMESPACE", "metadata.namespace"),
            env("ISTIO_NAMESPACE", format!("{}\n", st.istio_namespace)),
        ]),
        command: Some(vec![s("sh"), s("-c"), s(script)]),
        ..Container::default()
    };
    let app_entries = spec
        .containers
        .iter()
        .map(|c| Container {
            name: c.name.clone(),
            env: Some(vec![
                env("GRPC_XDS_BOOTSTRAP", "/var/lib/grpc/data/bootstrap.json"),
                env("GRPC_GO_LOG_VERBOSITY_LEVEL", "99"),
                env("GRPC_GO_LOG_SEVERITY_LEVEL", "info"),
            ]),
            volume_mounts: Some(vec![mount(volume, dir)]),
            ..Container::default()
        })
        .collect();
    Rendered {
        labels: Vec::new(),
        annotations: vec![no_probe_rewrite()],
        init_containers: vec![init],
        proxy: None,
        app_containers: app_entries,
        pod_security: None,
        native: false,
        volumes: vec![Volume {
            name: s(volume),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }],
        pull_secrets: Vec::new(),
    }
}
