//! What the injector needs to know about the installation: the values and mesh settings Istio's
//! injection template reads, with the defaults of the istio-discovery chart.

use indexmap::IndexMap;
use mesh_api::install::{
    InboundTrafficPolicyMode, InterceptionMode, IstioOperator, MeshConfig, ProxyConfig, Resources,
    ServiceAttributeEnrichment, Values,
};
use mesh_api::k8s_openapi;

/// Whether the proxy runs as a native sidecar (an init container with `restartPolicy: Always`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NativeSidecars {
    /// Istio's `auto`: on when every node's kubelet is 1.33 or newer. Offline there are no
    /// nodes to ask, so the setting in [`InjectionSettings::kubelet_supports_native`] decides.
    #[default]
    Auto,
    /// Always a native sidecar (unless the pod opts out).
    On,
    /// Always a regular container (unless the pod opts in).
    Off,
}

impl NativeSidecars {
    /// Reads `auto`, `true` or `false` (Istio's spellings of `ENABLE_NATIVE_SIDECARS`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "true" | "on" => Some(Self::On),
            "false" | "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// Everything the injector reads: chart values (`values.global.*`, `values.pilot.cni`,
/// `values.sidecarInjectorWebhook`), mesh settings (`meshConfig` and its `defaultConfig`), the
/// revision, and the native-sidecar switch.
///
/// [`InjectionSettings::default`] equals what Istio's injection goldens were produced with:
/// profile `empty` with pilot on, the istio-discovery chart's values, the mesh config the chart
/// writes, and native sidecars on (a cluster whose kubelets are all 1.33 or newer).
///
/// # Examples
///
/// ```
/// use mesh_render::inject::{InjectionSettings, NativeSidecars};
///
/// let settings = InjectionSettings::default();
/// assert_eq!(settings.proxy_image(), "registry.istio.io/testing/proxyv2:latest");
/// assert!(settings.native_sidecars_enabled());
/// let old = InjectionSettings { native_sidecars: NativeSidecars::Off, ..InjectionSettings::default() };
/// assert!(!old.native_sidecars_enabled());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InjectionSettings {
    /// Image registry (`values.global.hub`).
    pub hub: String,
    /// Image tag (`values.global.tag`).
    pub tag: String,
    /// Image variant such as `distroless` (`values.global.variant`), appended to the tag.
    pub variant: String,
    /// Proxy image name or full reference (`values.global.proxy.image`).
    pub proxy_image: String,
    /// Init container image name or full reference (`values.global.proxy_init.image`).
    pub proxy_init_image: String,
    /// `imagePullPolicy` set on injected containers, empty for none.
    pub image_pull_policy: String,
    /// Pull secrets added to the pod (`values.global.imagePullSecrets`).
    pub image_pull_secrets: Vec<String>,
    /// Namespace of the control plane (`values.global.istioNamespace`).
    pub istio_namespace: String,
    /// Control-plane revision; empty for the default revision.
    pub revision: String,
    /// Cluster DNS domain (`values.global.proxy.clusterDomain`).
    pub cluster_domain: String,
    /// Envoy log level (`values.global.proxy.logLevel`).
    pub log_level: String,
    /// Envoy component log levels (`values.global.proxy.componentLogLevel`).
    pub component_log_level: String,
    /// Agent log levels (`values.global.logging.level`).
    pub agent_log_level: String,
    /// Whether agent logs are JSON (`values.global.logAsJson`).
    pub log_as_json: bool,
    /// Resources of the proxy and init containers (`values.global.proxy.resources`); a `None`
    /// amount is an explicit `null` and is dropped.
    pub proxy_resources: Option<Resources>,
    /// Status port of the agent (`values.global.proxy.statusPort`); 0 turns probes off.
    pub status_port: u32,
    /// Readiness probe initial delay.
    pub readiness_initial_delay_seconds: u32,
    /// Readiness probe period.
    pub readiness_period_seconds: u32,
    /// Readiness probe failure threshold.
    pub readiness_failure_threshold: u32,
    /// Whether the proxy gets a startup probe.
    pub startup_probe_enabled: bool,
    /// Startup probe failure threshold.
    pub startup_failure_threshold: u32,
    /// Outbound IP ranges captured (`values.global.proxy.includeIPRanges`).
    pub include_ip_ranges: String,
    /// Outbound IP ranges not captured.
    pub exclude_ip_ranges: String,
    /// Inbound ports captured.
    pub include_inbound_ports: String,
    /// Inbound ports not captured.
    pub exclude_inbound_ports: String,
    /// Outbound ports captured.
    pub include_outbound_ports: String,
    /// Outbound ports not captured.
    pub exclude_outbound_ports: String,
    /// Whether injected containers run privileged.
    pub privileged: bool,
    /// Whether applications wait for the proxy (`values.global.proxy.holdApplicationUntilProxyStarts`).
    pub hold_application_until_proxy_starts: bool,
    /// Whether the proxy may bind ports below 1024.
    pub cap_net_bind_service: bool,
    /// Whether the Istio CNI agent sets up traffic capture (`values.pilot.cni.enabled`).
    pub cni_enabled: bool,
    /// CNI provider (`default` or `multus`).
    pub cni_provider: String,
    /// Network name (`values.global.network`).
    pub network: String,
    /// Mesh id (`values.global.meshID`).
    pub mesh_id: String,
    /// Cluster name (`values.global.multiCluster.clusterName`); empty means `Kubernetes`.
    pub cluster_name: String,
    /// Certificate provider (`values.global.pilotCertProvider`).
    pub pilot_cert_provider: String,
    /// CA address; empty means istiod's.
    pub ca_address: String,
    /// CA name (`values.global.caName`).
    pub ca_name: String,
    /// Whether mTLS certificates from a secret are mounted (`values.global.mountMtlsCerts`).
    pub mount_mtls_certs: bool,
    /// Port of the security token service; 0 for none.
    pub sts_port: u32,
    /// Outlier log path; empty for none.
    pub outlier_log_path: String,
    /// Lifecycle hooks set on the proxy instead of the built-in ones.
    pub proxy_lifecycle: Option<serde_json::Value>,
    /// Seccomp profile of injected containers; `None` or empty for none.
    pub seccomp_profile: Option<serde_json::Value>,
    /// Whether the init container always applies iptables rules.
    pub force_apply_iptables: bool,
    /// Whether nftables are used.
    pub native_nftables: bool,
    /// Name of the ConfigMap holding the root certificate; empty means `istio-ca-root-cert`.
    pub trust_bundle_name: String,
    /// Name of the CRL ConfigMap; empty means `istio-ca-crl`.
    pub crl_config_map_name: String,
    /// Audience of the projected token.
    pub token_audience: String,
    /// `values.global.proxy.autoInject`: `enabled` injects unless told not to, `disabled` only
    /// when asked.
    pub auto_inject: String,
    /// Whether namespaces without injection labels are injected.
    pub enable_namespaces_by_default: bool,
    /// Whether app probes are rewritten to go through the agent.
    pub rewrite_app_http_probe: bool,
    /// Pods matching one of these label selectors are never injected.
    pub never_inject_selector: Vec<serde_json::Value>,
    /// Pods matching one of these label selectors are injected even when the policy is off.
    pub always_inject_selector: Vec<serde_json::Value>,
    /// Annotations added to every injected pod.
    pub injected_annotations: IndexMap<String, String>,
    /// Injection templates given as Go template text, by name: added through
    /// `values.sidecarInjectorWebhook.templates` or an injection config
    /// ([`InjectionSettings::apply_inject_config`]). A text mesh can evaluate (plain YAML with
    /// field references, `range`, `if`, `with`; see the module documentation) is used as
    /// written, also in place of a built-in template of the same name; a text using functions
    /// or pipelines is replaced by the built-in template of that name (`sidecar`, `gateway`,
    /// `grpc-agent`, `grpc-simple`), and refused for any other name.
    pub templates: IndexMap<String, String>,
    /// Templates for pods that name none (`defaultTemplates`); empty means `sidecar`.
    pub default_templates: Vec<String>,
    /// Template aliases (`aliases` of the injection config): a name standing for several.
    pub aliases: IndexMap<String, Vec<String>>,
    /// The chart values as given, untyped: what text templates read as `.Values` (keys the
    /// typed values do not declare included).
    pub values_tree: serde_json::Value,
    /// Native sidecar switch (`ENABLE_NATIVE_SIDECARS`).
    pub native_sidecars: NativeSidecars,
    /// What `auto` means offline: whether the cluster's kubelets support native sidecars.
    pub kubelet_supports_native: bool,
    /// Compliance policy (`COMPLIANCE_POLICY`), empty for none.
    pub compliance_policy: String,
    /// Trust domain (`meshConfig.trustDomain`).
    pub trust_domain: String,
    /// Port of the outbound listener (`meshConfig.proxyListenPort`).
    pub proxy_listen_port: i32,
    /// Port of the inbound listener (`meshConfig.proxyInboundListenPort`).
    pub proxy_inbound_listen_port: i32,
    /// Whether proxy and app metrics are merged (`meshConfig.enablePrometheusMerge`).
    pub enable_prometheus_merge: bool,
    /// Whether inbound traffic goes to localhost (`meshConfig.inboundTrafficPolicy.mode`).
    pub inbound_localhost: bool,
    /// The proxy's default settings (`meshConfig.defaultConfig`).
    pub proxy_config: ProxyConfig,
    /// Whether an OpenTelemetry provider asks for semantic-convention service attributes
    /// (`serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS`), which adds
    /// `OTEL_RESOURCE_ATTRIBUTES` to the proxy.
    pub otel_semantic_conventions: bool,
    /// Tracer of the proxy (`values.global.proxy.tracer`): `none`, `zipkin`, `datadog`, ...
    pub tracer: String,
    /// Whether the root certificate comes from a ClusterTrustBundle instead of a ConfigMap
    /// (`values.pilot.env.ENABLE_CLUSTER_TRUST_BUNDLE_API`).
    pub cluster_trust_bundle: bool,
    /// User id the proxy runs as; `None` means 1337. On OpenShift it comes from the
    /// namespace's uid range ([`InjectionSettings::apply_openshift_namespace`]).
    pub proxy_uid: Option<i64>,
    /// Group id the proxy runs as; `None` means 1337.
    pub proxy_gid: Option<i64>,
}

impl Default for InjectionSettings {
    fn default() -> Self {
        let resources = Resources {
            requests: [("cpu", "100m"), ("memory", "128Mi")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Some(v.to_owned())))
                .collect(),
            limits: [("cpu", "2000m"), ("memory", "1024Mi")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Some(v.to_owned())))
                .collect(),
        };
        Self {
            hub: "registry.istio.io/testing".into(),
            tag: "latest".into(),
            variant: String::new(),
            proxy_image: "proxyv2".into(),
            proxy_init_image: "proxyv2".into(),
            image_pull_policy: String::new(),
            image_pull_secrets: Vec::new(),
            istio_namespace: "istio-system".into(),
            revision: String::new(),
            cluster_domain: "cluster.local".into(),
            log_level: "warning".into(),
            component_log_level: "misc:error".into(),
            agent_log_level: "default:info".into(),
            log_as_json: false,
            proxy_resources: Some(resources),
            status_port: 15020,
            readiness_initial_delay_seconds: 0,
            readiness_period_seconds: 15,
            readiness_failure_threshold: 4,
            startup_probe_enabled: true,
            startup_failure_threshold: 600,
            include_ip_ranges: "*".into(),
            exclude_ip_ranges: String::new(),
            include_inbound_ports: "*".into(),
            exclude_inbound_ports: String::new(),
            include_outbound_ports: String::new(),
            exclude_outbound_ports: String::new(),
            privileged: false,
            hold_application_until_proxy_starts: false,
            cap_net_bind_service: false,
            cni_enabled: false,
            cni_provider: "default".into(),
            network: String::new(),
            mesh_id: String::new(),
            cluster_name: String::new(),
            pilot_cert_provider: "istiod".into(),
            ca_address: String::new(),
            ca_name: String::new(),
            mount_mtls_certs: false,
            sts_port: 0,
            outlier_log_path: String::new(),
            proxy_lifecycle: None,
            seccomp_profile: None,
            force_apply_iptables: false,
            native_nftables: false,
            trust_bundle_name: String::new(),
            crl_config_map_name: String::new(),
            token_audience: "istio-ca".into(),
            auto_inject: "enabled".into(),
            enable_namespaces_by_default: false,
            rewrite_app_http_probe: true,
            never_inject_selector: Vec::new(),
            always_inject_selector: Vec::new(),
            injected_annotations: IndexMap::new(),
            templates: IndexMap::new(),
            default_templates: Vec::new(),
            aliases: IndexMap::new(),
            values_tree: serde_json::Value::Object(serde_json::Map::new()),
            native_sidecars: NativeSidecars::On,
            kubelet_supports_native: true,
            compliance_policy: String::new(),
            trust_domain: "cluster.local".into(),
            proxy_listen_port: 15001,
            proxy_inbound_listen_port: 15006,
            enable_prometheus_merge: true,
            inbound_localhost: false,
            proxy_config: ProxyConfig::default(),
            otel_semantic_conventions: false,
            tracer: "none".into(),
            cluster_trust_bundle: false,
            proxy_uid: None,
            proxy_gid: None,
        }
    }
}

fn set_string(target: &mut String, value: &Option<String>) {
    if let Some(v) = value {
        v.clone_into(target);
    }
}

fn set<T: Copy>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

fn tag_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl InjectionSettings {
    /// Settings for `istioctl kube-inject` run without a cluster: the chart defaults, but
    /// native sidecars only when asked (`ENABLE_NATIVE_SIDECARS=true`).
    pub fn offline() -> Self {
        Self { native_sidecars: NativeSidecars::Auto, kubelet_supports_native: false, ..Self::default() }
    }

    /// Whether the proxy is a native sidecar for pods that do not say otherwise.
    pub fn native_sidecars_enabled(&self) -> bool {
        match self.native_sidecars {
            NativeSidecars::On => true,
            NativeSidecars::Off => false,
            NativeSidecars::Auto => self.kubelet_supports_native,
        }
    }

    /// The proxy image: `proxy_image` as is when it holds a `/`, else `hub/proxy_image:tag`.
    pub fn proxy_image(&self) -> String {
        self.image(&self.proxy_image)
    }

    /// The init container image, built like [`proxy_image`](Self::proxy_image).
    pub fn proxy_init_image(&self) -> String {
        self.image(&self.proxy_init_image)
    }

    fn image(&self, name: &str) -> String {
        if name.contains('/') {
            return name.to_owned();
        }
        let mut tag = self.tag.clone();
        if !self.variant.is_empty() {
            tag = format!("{tag}-{}", self.variant);
        }
        format!("{}/{name}:{tag}", self.hub)
    }

    /// The interception mode of the mesh's default proxy settings (`REDIRECT` unless set).
    pub fn interception_mode(&self) -> &'static str {
        match self.proxy_config.interception_mode {
            Some(InterceptionMode::Tproxy) => "TPROXY",
            Some(InterceptionMode::None) => "NONE",
            _ => "REDIRECT",
        }
    }

    /// Applies a mesh config over these settings: the fields it sets win; `defaultConfig` is
    /// merged field by field, `proxyMetadata` key by key.
    pub fn apply_mesh_config(&mut self, mesh: &MeshConfig) -> &mut Self {
        set_string(&mut self.trust_domain, &mesh.trust_domain);
        set(&mut self.proxy_listen_port, mesh.proxy_listen_port);
        set(&mut self.proxy_inbound_listen_port, mesh.proxy_inbound_listen_port);
        set(&mut self.enable_prometheus_merge, mesh.enable_prometheus_merge);
        if let Some(mode) = mesh.inbound_traffic_policy.as_ref().and_then(|p| p.mode) {
            self.inbound_localhost = mode == InboundTrafficPolicyMode::Localhost;
        }
        if let Some(config) = &mesh.default_config {
            self.proxy_config = merge_proxy_config(&self.proxy_config, config);
        }
        if mesh.extension_providers.iter().any(|p| {
            p.opentelemetry.as_ref().and_then(|o| o.service_attribute_enrichment)
                == Some(ServiceAttributeEnrichment::OtelSemanticConventions)
        }) {
            self.otel_semantic_conventions = true;
        }
        self
    }

    /// Applies a Helm values tree over these settings: every value it sets wins.
    pub fn apply_values(&mut self, values: &Values) -> &mut Self {
        if let Ok(tree) = serde_json::to_value(values) {
            merge_json(&mut self.values_tree, tree);
        }
        if let Some(rev) = &values.revision {
            rev.clone_into(&mut self.revision);
        }
        if let Some(global) = &values.global {
            set_string(&mut self.hub, &global.hub);
            if let Some(tag) = &global.tag {
                self.tag = tag_text(tag);
            }
            set_string(&mut self.variant, &global.variant);
            set_string(&mut self.image_pull_policy, &global.image_pull_policy);
            if !global.image_pull_secrets.is_empty() {
                self.image_pull_secrets.clone_from(&global.image_pull_secrets);
            }
            set_string(&mut self.istio_namespace, &global.istio_namespace);
            if let Some(level) = global.logging.as_ref().and_then(|l| l.level.clone()) {
                self.agent_log_level = level;
            }
            set(&mut self.log_as_json, global.log_as_json);
            set_string(&mut self.network, &global.network);
            set_string(&mut self.mesh_id, &global.mesh_id);
            if let Some(name) = global.multi_cluster.as_ref().and_then(|m| m.cluster_name.clone()) {
                self.cluster_name = name;
            }
            set_string(&mut self.pilot_cert_provider, &global.pilot_cert_provider);
            set_string(&mut self.ca_address, &global.ca_address);
            set_string(&mut self.ca_name, &global.ca_name);
            set(&mut self.mount_mtls_certs, global.mount_mtls_certs);
            if let Some(port) = global.sts.as_ref().and_then(|s| s.service_port) {
                self.sts_port = port;
            }
            set_string(&mut self.trust_bundle_name, &global.trust_bundle_name);
            set(&mut self.native_nftables, global.native_nftables);
            if let Some(aud) =
                global.sds.as_ref().and_then(|s| s.token.as_ref()).and_then(|t| t.get("aud")).and_then(|a| a.as_str())
            {
                self.token_audience = aud.to_owned();
            }
            if let Some(init) = &global.proxy_init {
                set_string(&mut self.proxy_init_image, &init.image);
            }
            if let Some(proxy) = &global.proxy {
                self.apply_proxy_values(proxy);
            }
        }
        if let Some(pilot) = &values.pilot {
            if let Some(cni) = &pilot.cni {
                set(&mut self.cni_enabled, cni.enabled);
                set_string(&mut self.cni_provider, &cni.provider);
            }
            set_string(&mut self.crl_config_map_name, &pilot.crl_config_map_name);
            if let Some(flag) = pilot.env.as_ref().and_then(|e| e.get("ENABLE_CLUSTER_TRUST_BUNDLE_API")) {
                self.cluster_trust_bundle = flag.as_bool().unwrap_or_else(|| flag.as_str() == Some("true"));
            }
        }
        if let Some(cni) = &values.cni {
            set_string(&mut self.cni_provider, &cni.provider);
        }
        if let Some(hook) = &values.sidecar_injector_webhook {
            set(&mut self.enable_namespaces_by_default, hook.enable_namespaces_by_default);
            set(&mut self.rewrite_app_http_probe, hook.rewrite_app_http_probe);
            if !hook.never_inject_selector.is_empty() {
                self.never_inject_selector =
                    hook.never_inject_selector.iter().cloned().map(serde_json::Value::Object).collect();
            }
            if !hook.always_inject_selector.is_empty() {
                self.always_inject_selector =
                    hook.always_inject_selector.iter().cloned().map(serde_json::Value::Object).collect();
            }
            if let Some(annotations) = &hook.injected_annotations {
                for (key, value) in annotations {
                    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                    self.injected_annotations.insert(key.clone(), text);
                }
            }
            if let Some(templates) = &hook.templates {
                for (name, text) in templates {
                    let text = text.as_str().map_or_else(|| text.to_string(), str::to_owned);
                    self.templates.insert(name.clone(), text);
                }
            }
            if !hook.default_templates.is_empty() {
                self.default_templates.clone_from(&hook.default_templates);
            }
        }
        if let Some(mesh) = &values.mesh_config {
            self.apply_mesh_config(mesh);
        }
        self
    }

    fn apply_proxy_values(&mut self, proxy: &mesh_api::install::GlobalProxyConfig) {
        set_string(&mut self.proxy_image, &proxy.image);
        set_string(&mut self.auto_inject, &proxy.auto_inject);
        set_string(&mut self.cluster_domain, &proxy.cluster_domain);
        set_string(&mut self.component_log_level, &proxy.component_log_level);
        set_string(&mut self.log_level, &proxy.log_level);
        set_string(&mut self.exclude_inbound_ports, &proxy.exclude_inbound_ports);
        set_string(&mut self.include_inbound_ports, &proxy.include_inbound_ports);
        set_string(&mut self.exclude_ip_ranges, &proxy.exclude_ip_ranges);
        set_string(&mut self.include_ip_ranges, &proxy.include_ip_ranges);
        set_string(&mut self.exclude_outbound_ports, &proxy.exclude_outbound_ports);
        set_string(&mut self.include_outbound_ports, &proxy.include_outbound_ports);
        set_string(&mut self.outlier_log_path, &proxy.outlier_log_path);
        set(&mut self.privileged, proxy.privileged);
        set(&mut self.readiness_initial_delay_seconds, proxy.readiness_initial_delay_seconds);
        set(&mut self.readiness_period_seconds, proxy.readiness_period_seconds);
        set(&mut self.readiness_failure_threshold, proxy.readiness_failure_threshold);
        set(&mut self.status_port, proxy.status_port);
        set(&mut self.hold_application_until_proxy_starts, proxy.hold_application_until_proxy_starts);
        if let Some(probe) = &proxy.startup_probe {
            set(&mut self.startup_probe_enabled, probe.enabled);
            set(&mut self.startup_failure_threshold, probe.failure_threshold);
        }
        if let Some(resources) = &proxy.resources {
            self.proxy_resources = Some(merge_resources(self.proxy_resources.as_ref(), resources));
        }
        if let Some(lifecycle) = &proxy.lifecycle {
            self.proxy_lifecycle = Some(serde_json::Value::Object(lifecycle.clone()));
        }
        if let Some(tracer) = proxy.tracer
            && let Ok(serde_json::Value::String(name)) = serde_json::to_value(tracer)
        {
            self.tracer = name;
        }
        if let Some(profile) = &proxy.seccomp_profile {
            // `{}` (the chart's default) means none.
            self.seccomp_profile = (!profile.is_empty()).then(|| serde_json::Value::Object(profile.clone()));
        }
    }

    /// Applies an IstioOperator over these settings the way `istioctl` translates it into
    /// chart values: `hub`, `tag`, `revision`, `meshConfig`, `components.cni.enabled`, then
    /// the explicit `values`.
    pub fn apply_operator(&mut self, operator: &IstioOperator) -> &mut Self {
        let spec = &operator.spec;
        set_string(&mut self.hub, &spec.hub);
        if let Some(tag) = &spec.tag {
            self.tag = tag_text(tag);
        }
        if let Some(rev) = &spec.revision {
            self.revision = if rev == "default" { String::new() } else { rev.clone() };
        }
        if let Some(cni) = spec.components.as_ref().and_then(|c| c.cni.as_ref()) {
            self.cni_enabled = cni.enabled.unwrap_or(true);
        }
        if let Some(mesh) = &spec.mesh_config {
            self.apply_mesh_config(mesh);
        }
        if let Some(values) = &spec.values {
            self.apply_values(values);
        }
        self
    }
}

/// The last id of an OpenShift range annotation such as `1000620000/10000`.
fn last_of_range(text: &str) -> Option<i64> {
    let (start, size) = text.trim().split_once('/')?;
    let start: i64 = start.trim().parse().ok()?;
    let size: i64 = size.trim().parse().ok()?;
    (size > 0).then(|| start + size - 1)
}

impl InjectionSettings {
    /// On OpenShift the proxy runs with ids the namespace allows: the last uid of
    /// `openshift.io/sa.scc.uid-range` and the last gid of
    /// `openshift.io/sa.scc.supplemental-groups` (Istio's rule when `PLATFORM=openshift`).
    pub fn apply_openshift_namespace(&mut self, namespace: &k8s_openapi::api::core::v1::Namespace) -> &mut Self {
        let annotations = namespace.metadata.annotations.as_ref();
        let get = |key: &str| annotations.and_then(|a| a.get(key)).and_then(|v| last_of_range(v));
        if let Some(uid) = get("openshift.io/sa.scc.uid-range") {
            self.proxy_uid = Some(uid);
        }
        if let Some(gid) = get("openshift.io/sa.scc.supplemental-groups") {
            self.proxy_gid = Some(gid);
        }
        self
    }
}

/// Resources where the overlay's amounts win key by key; an explicit `null` stays as `None`.
fn merge_resources(base: Option<&Resources>, overlay: &Resources) -> Resources {
    let mut out = base.cloned().unwrap_or_default();
    for (key, value) in &overlay.requests {
        out.requests.insert(key.clone(), value.clone());
    }
    for (key, value) in &overlay.limits {
        out.limits.insert(key.clone(), value.clone());
    }
    out
}

/// `overlay` over `base`, field by field, through their JSON form (maps merge, the rest
/// replaces).
fn merge_proxy_config(base: &ProxyConfig, overlay: &ProxyConfig) -> ProxyConfig {
    let (Ok(mut left), Ok(right)) = (serde_json::to_value(base), serde_json::to_value(overlay)) else {
        return overlay.clone();
    };
    merge_json(&mut left, right);
    serde_json::from_value(left).unwrap_or_else(|_| overlay.clone())
}

/// Deep merge of JSON maps: keys of `overlay` replace or merge into `base`.
pub(crate) fn merge_json(base: &mut serde_json::Value, overlay: serde_json::Value) {
    match (base, overlay) {
        (serde_json::Value::Object(left), serde_json::Value::Object(right)) => {
            for (key, value) in right {
                match left.get_mut(&key) {
                    Some(slot) => merge_json(slot, value),
                    None => {
                        left.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_istio_discovery_chart() {
        let s = InjectionSettings::default();
        assert_eq!(s.proxy_image(), "registry.istio.io/testing/proxyv2:latest");
        assert_eq!(s.proxy_init_image(), "registry.istio.io/testing/proxyv2:latest");
        assert_eq!(s.status_port, 15020);
        assert_eq!(s.interception_mode(), "REDIRECT");
        assert!(s.native_sidecars_enabled());
    }

    #[test]
    fn an_image_with_a_slash_is_used_as_is() {
        let s = InjectionSettings { proxy_image: "docker.io/me/proxy:1".into(), ..InjectionSettings::default() };
        assert_eq!(s.proxy_image(), "docker.io/me/proxy:1");
        let s = InjectionSettings { proxy_image: "proxyTest".into(), ..InjectionSettings::default() };
        assert_eq!(s.proxy_image(), "registry.istio.io/testing/proxyTest:latest");
    }

    #[test]
    fn offline_kube_inject_keeps_the_proxy_a_regular_container() {
        assert!(!InjectionSettings::offline().native_sidecars_enabled());
    }

    #[test]
    fn operator_values_override_the_defaults() {
        let iop = mesh_api::from_yaml_str::<IstioOperator>(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    cni:\n      enabled: true\n  values:\n    global:\n      imagePullSecrets: [barSecret]\n      proxy:\n        resources:\n          limits:\n            memory: null\n",
        )
        .expect("valid operator");
        let mut s = InjectionSettings::default();
        s.apply_operator(&iop);
        assert!(s.cni_enabled);
        assert_eq!(s.image_pull_secrets, vec!["barSecret".to_owned()]);
        let resources = s.proxy_resources.expect("resources");
        assert_eq!(resources.limits.get("memory"), Some(&None));
        assert_eq!(resources.limits.get("cpu"), Some(&Some("2000m".to_owned())));
    }

    #[test]
    fn mesh_proxy_metadata_merges_key_by_key() {
        let mut s = InjectionSettings::default();
        let mesh: MeshConfig = serde_json::from_value(
            serde_json::json!({"defaultConfig": {"interceptionMode": "TPROXY", "proxyMetadata": {"A": "b"}}}),
        )
        .expect("mesh");
        s.apply_mesh_config(&mesh);
        assert_eq!(s.interception_mode(), "TPROXY");
        assert_eq!(s.proxy_config.proxy_metadata.get("A").map(String::as_str), Some("b"));
    }

    #[test]
    fn openshift_ids_are_the_last_of_the_namespace_ranges() {
        let mut ns = k8s_openapi::api::core::v1::Namespace::default();
        ns.metadata.annotations = Some(
            [
                ("openshift.io/sa.scc.uid-range".to_owned(), "1000620000/10000".to_owned()),
                ("openshift.io/sa.scc.supplemental-groups".to_owned(), "1000620000/10000".to_owned()),
            ]
            .into(),
        );
        let mut s = InjectionSettings::default();
        s.apply_openshift_namespace(&ns);
        assert_eq!((s.proxy_uid, s.proxy_gid), (Some(1_000_629_999), Some(1_000_629_999)));
    }

    #[test]
    fn native_sidecar_switch_reads_istio_spellings() {
        assert_eq!(NativeSidecars::parse("auto"), Some(NativeSidecars::Auto));
        assert_eq!(NativeSidecars::parse("TRUE"), Some(NativeSidecars::On));
        assert_eq!(NativeSidecars::parse("false"), Some(NativeSidecars::Off));
        assert_eq!(NativeSidecars::parse("maybe"), None);
    }
}
