//! Mesh-wide settings the engine reads (a small part of Istio's `MeshConfig`).

/// What a sidecar does with traffic to a host no registry it sees knows (routing.md E3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutboundTrafficPolicy {
    /// Forward to the original destination (Istio's default).
    #[default]
    AllowAny,
    /// Refuse: HTTP gets a 502, other traffic is dropped.
    RegistryOnly,
}

impl std::str::FromStr for OutboundTrafficPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ALLOW_ANY" => Ok(Self::AllowAny),
            "REGISTRY_ONLY" => Ok(Self::RegistryOnly),
            other => Err(format!("unknown outbound traffic policy {other:?}; expected ALLOW_ANY or REGISTRY_ONLY")),
        }
    }
}

/// The mesh-wide values routing depends on.
///
/// # Examples
///
/// ```
/// use mesh_routing::{MeshSettings, OutboundTrafficPolicy};
///
/// let settings = MeshSettings::default().outbound_traffic_policy(OutboundTrafficPolicy::RegistryOnly);
/// assert_eq!(settings.cluster_domain, "cluster.local");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeshSettings {
    /// DNS suffix of Kubernetes services (`cluster.local`).
    pub cluster_domain: String,
    /// Namespace whose Sidecars and DestinationRules apply mesh-wide (`istio-system`).
    pub root_namespace: String,
    /// Mesh default for hosts outside the registry.
    pub outbound_traffic_policy: OutboundTrafficPolicy,
}

impl Default for MeshSettings {
    fn default() -> Self {
        Self {
            cluster_domain: "cluster.local".to_owned(),
            root_namespace: "istio-system".to_owned(),
            outbound_traffic_policy: OutboundTrafficPolicy::AllowAny,
        }
    }
}

impl MeshSettings {
    /// Sets the cluster domain.
    pub fn cluster_domain(mut self, domain: impl Into<String>) -> Self {
        self.cluster_domain = domain.into();
        self
    }

    /// Sets the root namespace.
    pub fn root_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.root_namespace = namespace.into();
        self
    }

    /// The settings an Istio `MeshConfig` gives (`rootNamespace`, `outboundTrafficPolicy.mode`),
    /// the rest left at their defaults.
    ///
    /// ```
    /// use mesh_routing::{MeshSettings, OutboundTrafficPolicy};
    ///
    /// let mc: mesh_api::install::MeshConfig =
    ///     mesh_api::parse_yaml("outboundTrafficPolicy: {mode: REGISTRY_ONLY}\nrootNamespace: mesh-root\n")?;
    /// let settings = MeshSettings::from_mesh_config(&mc);
    /// assert_eq!(settings.outbound_traffic_policy, OutboundTrafficPolicy::RegistryOnly);
    /// assert_eq!(settings.root_namespace, "mesh-root");
    /// # Ok::<(), mesh_api::Error>(())
    /// ```
    pub fn from_mesh_config(mesh_config: &mesh_api::install::MeshConfig) -> Self {
        use mesh_api::install::OutboundTrafficPolicyMode as Mode;
        let mut settings = Self::default();
        if let Some(ns) = mesh_config.root_namespace.as_deref().filter(|ns| !ns.is_empty()) {
            settings.root_namespace = ns.to_owned();
        }
        if let Some(Mode::RegistryOnly) = mesh_config.outbound_traffic_policy.as_ref().and_then(|p| p.mode) {
            settings.outbound_traffic_policy = OutboundTrafficPolicy::RegistryOnly;
        }
        settings
    }

    /// Sets the outbound traffic policy.
    pub fn outbound_traffic_policy(mut self, policy: OutboundTrafficPolicy) -> Self {
        self.outbound_traffic_policy = policy;
        self
    }
}
