//! Offline checks in the spirit of `istioctl analyze`: each analyzer looks at a snapshot of
//! objects (Istio's kinds, and the Kubernetes Namespaces, Services, Pods, Deployments,
//! ConfigMaps, webhooks and CRDs given with them) and reports [`Message`]s carrying
//! istioctl's code, name, level and wording, the resource (`Kind namespace/name`), the field
//! path and, through [`analyze_documents`], the file and line.
//!
//! [`ANALYZERS`] lists them under istioctl's names: virtual services (IST0101, IST0109,
//! IST0112, IST0132, IST0140, IST0149, IST0165), gateways (IST0101, IST0138, IST0145,
//! IST0162), sidecars (IST0101, IST0110, IST0111, IST0167), destination rules (IST0128,
//! IST0129, IST0173, IST0174), service entries (IST0134, IST0177), Kubernetes services and
//! workloads (IST0116, IST0118, IST0137, IST0144, IST0150), injection (IST0102, IST0103,
//! IST0123, IST0146, IST0147, IST0148), annotations (IST0107, IST0108, IST0125, IST0135,
//! IST0136), telemetry (IST0101, IST0157, IST0159, IST0160), authorization (IST0101,
//! IST0127), EnvoyFilters (IST0151–IST0155), schema validation (IST0106, IST0130, IST0131,
//! IST0133), deprecations (IST0002), status conditions (IST0171) and Kubernetes Gateway
//! selectors (IST0166). [`beyond`] adds checks of the compiled routing table with mesh's own
//! codes (MESH0001–MESH0005).
//!
//! ```
//! let loaded = mesh_api::load_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: default}
//! spec:
//!   hosts: [reviews]
//!   http: [{route: [{destination: {host: reviews}}]}]
//! "#);
//! let objects: Vec<_> = loaded.objects().cloned().collect();
//! let messages = mesh_routing::analyze(&objects);
//! assert_eq!(messages[0].code, "IST0101");
//! assert_eq!(messages[0].to_string(),
//!     "Error [IST0101] (VirtualService default/reviews) Referenced host not found: \"reviews\"");
//! ```

use std::fmt;
use std::path::PathBuf;

use mesh_api::networking::{Destination, VirtualService};
use mesh_api::{Document, FieldPath, Object};
use serde::Serialize;

mod annotations;
mod authorization;
pub mod beyond;
mod certificate;
mod conflicting_gateways;
mod conflicting_mesh_gateway_hosts;
mod control_plane;
mod destination_hosts;
mod destination_rule_checks;
mod destination_rules;
mod envoy_filters;
mod gateway_certificates;
mod gateway_ports;
mod gateways;
mod injection;
mod jwt_claim_routes;
mod kube;
mod mesh_networks;
mod multicluster;
mod schema;
mod service_entries;
mod services;
mod sidecars;
mod status;
mod telemetry;
mod webhooks;

pub use annotations::{alpha_annotations, kubernetes_annotations};
pub use authorization::authorization_policies;
pub use conflicting_gateways::conflicting_gateways;
pub use conflicting_mesh_gateway_hosts::conflicting_mesh_gateway_hosts;
pub use control_plane::{blocked_cidrs, external_control_plane, gateway_api_crd_versions, gateway_secrets};
pub use destination_hosts::destination_hosts;
pub use destination_rule_checks::{ca_certificates, subset_pods};
pub use destination_rules::destination_rules;
pub use envoy_filters::envoy_filter_patches;
pub use gateway_certificates::gateway_certificates;
pub use gateway_ports::gateway_ports;
pub use gateways::gateways;
pub use injection::{image_auto, injection, proxy_images};
pub use jwt_claim_routes::jwt_claim_routes;
pub use mesh_networks::mesh_networks;
pub use multicluster::multi_cluster_services;
pub use schema::{schema_validation, virtual_service_schema};
pub use service_entries::{conflicting_service_entry_protocols, service_entry_addresses};
pub use services::{application_uid, multi_service, port_names};
pub use sidecars::sidecar_selectors;
pub use status::{deprecations, ineffective_gateway_selectors, negative_conditions};
pub use telemetry::{lightstep_providers, telemetry_default_selectors, telemetry_providers, telemetry_selectors};
pub use webhooks::webhooks;

/// How serious a message is, as istioctl grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum MessageLevel {
    /// The configuration is wrong and will misbehave.
    Error,
    /// The configuration is likely a mistake.
    Warning,
    /// Worth knowing; not a fault.
    Info,
}

impl MessageLevel {
    /// Whether this level is at least as serious as `threshold` (`Error` ≥ `Warning` ≥ `Info`).
    pub fn at_least(self, threshold: MessageLevel) -> bool {
        self <= threshold
    }
}

impl fmt::Display for MessageLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "Error",
            Self::Warning => "Warning",
            Self::Info => "Info",
        })
    }
}

/// One finding of an analyzer. Serializes with the fields below (`file` and `line` only when
/// known), as `meshctl analyze -o json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// istioctl's code, such as `IST0101`.
    pub code: &'static str,
    /// istioctl's name for the message, such as `ReferencedResourceNotFound`.
    pub name: &'static str,
    /// How serious it is.
    pub level: MessageLevel,
    /// The object the message is about: `Kind namespace/name`, or `Kind name` without a
    /// namespace.
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The field the message points at, when known (`spec.http[0].route[1].destination.host`).
    pub path: Option<String>,
    /// The text, in istioctl's wording.
    pub message: String,
    /// The file the object was read from, when known (filled by [`analyze_documents`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The line of [`Message::path`] (or of the object) in that text, counting from 1, when
    /// known (filled by [`analyze_documents`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl fmt::Display for Message {
    /// istioctl's text form: `Error [IST0101] (VirtualService ns/name file.yaml:12) text`; the
    /// file and line appear when the object was read from a file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] ({}", self.level, self.code, self.resource)?;
        if let Some(file) = &self.file {
            write!(f, " {}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
        }
        write!(f, ") {}", self.message)
    }
}

impl Message {
    /// A message about `object`, without a location yet.
    pub(crate) fn new(
        code: &'static str,
        name: &'static str,
        level: MessageLevel,
        object: &Object,
        path: Option<String>,
        message: String,
    ) -> Self {
        Self { code, name, level, resource: resource_name(object), path, message, file: None, line: None }
    }

    /// `IST0101`: something an object names does not exist.
    pub(crate) fn referenced_resource_not_found(
        object: &Object,
        path: Option<String>,
        reftype: &str,
        refval: &str,
    ) -> Self {
        Self {
            code: "IST0101",
            name: "ReferencedResourceNotFound",
            level: MessageLevel::Error,
            resource: resource_name(object),
            path,
            message: format!("Referenced {reftype} not found: {refval:?}"),
            file: None,
            line: None,
        }
    }
}

/// What analyzers read: the objects of a snapshot and, when given, the mesh configuration
/// (`meshConfig`, as untyped data: istioctl's `--meshConfigFile`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// Istio and Kubernetes objects (Namespaces, Services, Pods, Deployments, ConfigMaps, ...).
    pub objects: &'a [Object],
    /// The mesh configuration, when known.
    pub mesh_config: Option<&'a serde_json::Value>,
    /// The mesh networks (`meshNetworks`, as untyped data), when known.
    pub mesh_networks: Option<&'a serde_json::Value>,
    /// The time to judge certificates by, in seconds since 1970 (an input, so analysis stays
    /// pure); `None` skips expiry checks.
    pub now: Option<i64>,
}

impl<'a> Context<'a> {
    /// A context over `objects` with the default mesh configuration.
    pub fn new(objects: &'a [Object]) -> Self {
        Self { objects, mesh_config: None, mesh_networks: None, now: None }
    }

    /// The same context with a mesh configuration.
    pub fn with_mesh_config(mut self, mesh_config: &'a serde_json::Value) -> Self {
        self.mesh_config = Some(mesh_config);
        self
    }
}

/// One analyzer: a name (istioctl's, such as `gateway.ConflictingGatewayAnalyzer`, or ours,
/// `mesh.*`), the codes it can give, and the check itself.
#[derive(Clone, Copy, Debug)]
pub struct Analyzer {
    /// The analyzer's name.
    pub name: &'static str,
    /// The codes it reports.
    pub codes: &'static [&'static str],
    /// Whether [`analyze`] runs it (istioctl leaves some out of its default set).
    pub default: bool,
    /// The check.
    pub run: fn(&Context<'_>) -> Vec<Message>,
}

/// Every analyzer, istioctl's first (by their istioctl names), then ours (`MESH*` codes, see
/// [`beyond`]).
pub const ANALYZERS: &[Analyzer] = &[
    Analyzer {
        name: "virtualservice.DestinationHostAnalyzer",
        codes: &["IST0101", "IST0112", "IST0140"],
        default: true,
        run: |c| destination_hosts(c.objects),
    },
    Analyzer {
        name: "virtualservice.DestinationRuleAnalyzer",
        codes: &["IST0101"],
        default: true,
        run: |c| destination_rules(c.objects),
    },
    Analyzer {
        name: "virtualservice.GatewayAnalyzer",
        codes: &["IST0101", "IST0132", "IST0165"],
        default: true,
        run: |c| gateways(c.objects),
    },
    Analyzer {
        name: "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        codes: &["IST0109"],
        default: true,
        run: |c| conflicting_mesh_gateway_hosts(c.objects),
    },
    Analyzer {
        name: "gateway.IngressGatewayPortAnalyzer",
        codes: &["IST0101", "IST0162"],
        default: true,
        run: gateway_ports,
    },
    Analyzer {
        name: "gateway.ConflictingGatewayAnalyzer",
        codes: &["IST0101", "IST0145"],
        default: true,
        run: conflicting_gateways,
    },
    Analyzer {
        name: "sidecar.SelectorAnalyzer",
        codes: &["IST0101", "IST0110", "IST0111", "IST0167"],
        default: true,
        run: sidecar_selectors,
    },
    Analyzer { name: "service.PortNameAnalyzer", codes: &["IST0118", "IST0150"], default: true, run: port_names },
    Analyzer {
        name: "deployment.MultiServiceAnalyzer",
        codes: &["IST0116", "IST0137"],
        default: true,
        run: multi_service,
    },
    Analyzer { name: "applicationUID.Analyzer", codes: &["IST0144"], default: true, run: application_uid },
    Analyzer {
        name: "injection.Analyzer",
        codes: &["IST0102", "IST0103", "IST0123", "IST0148"],
        default: true,
        run: injection,
    },
    Analyzer { name: "serviceentry.Analyzer", codes: &["IST0134"], default: true, run: service_entry_addresses },
    Analyzer {
        name: "serviceentry.ConflictingServiceEntryProtocolAnalyzer",
        codes: &["IST0177"],
        default: true,
        run: conflicting_service_entry_protocols,
    },
    Analyzer {
        name: "destinationrule.CaCertificateAnalyzer",
        codes: &["IST0128", "IST0129"],
        default: true,
        run: ca_certificates,
    },
    Analyzer {
        name: "destinationrule.SubsetSelectPodAnalyzer",
        codes: &["IST0173", "IST0174"],
        default: true,
        run: subset_pods,
    },
    Analyzer {
        name: "virtualservice.JWTClaimRouteAnalyzer",
        codes: &["IST0149"],
        default: true,
        run: jwt_claim_routes,
    },
    Analyzer {
        name: "schema.ValidationAnalyzer",
        codes: &["IST0106", "IST0130", "IST0131", "IST0133"],
        default: true,
        run: schema_validation,
    },
    Analyzer {
        name: "schema.ValidationAnalyzer.VirtualService",
        codes: &["IST0106", "IST0130", "IST0131", "IST0133"],
        default: false,
        run: virtual_service_schema,
    },
    Analyzer {
        name: "telemetry.SelectorAnalyzer",
        codes: &["IST0101", "IST0159"],
        default: true,
        run: telemetry_selectors,
    },
    Analyzer {
        name: "telemetry.DefaultSelectorAnalyzer",
        codes: &["IST0160"],
        default: true,
        run: telemetry_default_selectors,
    },
    Analyzer { name: "telemetry.LightstepAnalyzer", codes: &["IST0002"], default: true, run: lightstep_providers },
    Analyzer { name: "telemetry.ProviderAnalyzer", codes: &["IST0157"], default: true, run: telemetry_providers },
    Analyzer {
        name: "envoyfilter.EnvoyPatchAnalyzer",
        codes: &["IST0151", "IST0152", "IST0153", "IST0154", "IST0155"],
        default: true,
        run: envoy_filter_patches,
    },
    Analyzer { name: "gateway.CertificateAnalyzer", codes: &["IST0138"], default: true, run: gateway_certificates },
    Analyzer { name: "deprecation.DeprecationAnalyzer", codes: &["IST0002"], default: true, run: deprecations },
    Analyzer { name: "conditions.ConditionAnalyzer", codes: &["IST0171"], default: true, run: negative_conditions },
    Analyzer {
        name: "k8sgateway.SelectorAnalyzer",
        codes: &["IST0166"],
        default: true,
        run: ineffective_gateway_selectors,
    },
    Analyzer {
        name: "auth.AuthorizationPoliciesAnalyzer",
        codes: &["IST0101", "IST0127"],
        default: true,
        run: authorization_policies,
    },
    Analyzer { name: "injection.ImageAutoAnalyzer", codes: &["IST0146", "IST0147"], default: true, run: image_auto },
    Analyzer {
        name: "annotations.K8sAnalyzer",
        codes: &["IST0107", "IST0108", "IST0125", "IST0135"],
        default: true,
        run: kubernetes_annotations,
    },
    Analyzer { name: "annotations.AlphaAnalyzer", codes: &["IST0136"], default: false, run: alpha_annotations },
    Analyzer { name: "injection.ImageAnalyzer", codes: &["IST0158"], default: true, run: proxy_images },
    Analyzer {
        name: "externalcontrolplane.ExternalControlPlaneAnalyzer",
        codes: &["IST0163", "IST0164"],
        default: true,
        run: external_control_plane,
    },
    Analyzer { name: "authn.BlockedCIDRsAnalyzer", codes: &["IST0175"], default: true, run: blocked_cidrs },
    Analyzer {
        name: "k8sgateway.CRDVersionAnalyzer",
        codes: &["IST0176"],
        default: true,
        run: gateway_api_crd_versions,
    },
    Analyzer { name: "gateway.SecretAnalyzer", codes: &["IST0101", "IST0161"], default: true, run: gateway_secrets },
    Analyzer { name: "meshnetworks.MeshNetworksAnalyzer", codes: &["IST0126"], default: true, run: mesh_networks },
    Analyzer { name: "webhook.Analyzer", codes: &["IST0139"], default: true, run: webhooks },
    Analyzer {
        name: "mesh.RoutingTableAnalyzer",
        codes: &["MESH0001", "MESH0002", "MESH0003", "MESH0004", "MESH0005"],
        default: true,
        run: beyond::beyond_istio,
    },
];

/// Runs every analyzer of the default set over `objects`, with the default mesh
/// configuration.
pub fn analyze(objects: &[Object]) -> Vec<Message> {
    analyze_with(&Context::new(objects))
}

/// Runs every analyzer of the default set over a context. Messages come sorted (errors
/// first, then by code and resource) and without duplicates (two analyzers may find the same
/// fault, as istioctl's gateway analyzers do for a selector that matches nothing).
pub fn analyze_with(context: &Context<'_>) -> Vec<Message> {
    let mut messages: Vec<Message> = ANALYZERS.iter().filter(|a| a.default).flat_map(|a| (a.run)(context)).collect();
    messages.sort_by(|a, b| (a.level, a.code, &a.resource).cmp(&(b.level, b.code, &b.resource)));
    let mut seen = std::collections::HashSet::new();
    messages.retain(|m| seen.insert((m.code, m.resource.clone(), m.message.clone())));
    messages
}

/// The objects istioctl adds to an offline analysis unless the mesh configuration turns the
/// ingress controller off (`ingressControllerMode: OFF`): the ingress gateway's Service
/// (`ingressService`, default `istio-ingressgateway`) in `istio-system`, selecting
/// `istio: ingressgateway` on ports 80, 443, 31400 and 15443, and one Pod it selects.
pub fn default_resources(mesh_config: Option<&serde_json::Value>) -> Vec<Object> {
    if mesh_config.is_some_and(|c| c["ingressControllerMode"] == "OFF") {
        return Vec::new();
    }
    let service = mesh_config.and_then(|c| c["ingressService"].as_str()).unwrap_or("istio-ingressgateway");
    let ports = [("http2", 80, 31380), ("https", 443, 31390), ("tcp", 31400, 31400), ("tls", 15443, 31447)];
    let ports: Vec<serde_json::Value> = ports
        .iter()
        .map(|(name, port, node)| {
            serde_json::json!({"name": name, "port": port, "targetPort": port, "nodePort": node, "protocol": "TCP"})
        })
        .collect();
    let values = [
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{service}-dummypod"), "namespace": "istio-system",
                         "labels": {"istio": "ingressgateway"}},
            "spec": {"containers": [{"name": "istio-proxy"}]}
        }),
        serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": service, "namespace": "istio-system"},
            "spec": {"selector": {"istio": "ingressgateway"}, "ports": ports}
        }),
    ];
    values.iter().filter_map(|v| mesh_api::load_value(v).ok()).map(|d| d.object).collect()
}

/// Runs the default analyzers over loaded documents, as `istioctl analyze` does offline: `List`
/// documents are expanded and [`default_resources`] are added. Each message gets the file and
/// line of its object (of the field at [`Message::path`] when that is written in the text).
/// `now` (seconds since 1970) is the time certificates are judged by; `None` skips expiry.
pub fn analyze_documents(
    documents: &[Document],
    mesh_config: Option<&serde_json::Value>,
    now: Option<i64>,
) -> Vec<Message> {
    let documents = expand_lists(documents.to_vec());
    let mut objects = default_resources(mesh_config);
    objects.extend(documents.iter().map(|d| d.object.clone()));
    let mut context = Context::new(&objects);
    context.mesh_config = mesh_config;
    context.now = now;
    let mut messages = analyze_with(&context);
    locate(&mut messages, &documents);
    messages
}

/// Replaces each `kind: List` document by the objects of its `items`, as `kubectl` reads
/// them; an item that does not load is dropped.
pub fn expand_lists(documents: Vec<Document>) -> Vec<Document> {
    let mut out = Vec::with_capacity(documents.len());
    for document in documents {
        let items = match &document.object {
            Object::Other(list) if document.object.kind() == "List" => list.data["items"].as_array().cloned(),
            _ => None,
        };
        match items {
            Some(items) => out.extend(items.iter().filter_map(|item| mesh_api::load_value(item).ok()).map(|mut d| {
                d.source.clone_from(&document.source);
                d
            })),
            None => out.push(document),
        }
    }
    out
}

/// Fills [`Message::file`] and [`Message::line`] from the documents the objects came from.
pub fn locate(messages: &mut [Message], documents: &[Document]) {
    for message in messages {
        let Some(document) = documents.iter().find(|d| resource_name(&d.object) == message.resource) else {
            continue;
        };
        let Some(source) = &document.source else { continue };
        let path = message.path.as_deref().map(FieldPath::parse).unwrap_or_else(FieldPath::root);
        let at = source.locate(&path);
        message.file = at.file;
        message.line = (at.line > 0).then_some(at.line);
    }
}

/// The origin name istioctl prints: `Kind namespace/name`, or `Kind name`.
pub(crate) fn resource_name(object: &Object) -> String {
    let name = object.name().unwrap_or_default();
    match object.namespace() {
        Some(ns) if !ns.is_empty() => format!("{} {ns}/{name}", object.kind()),
        _ => format!("{} {name}", object.kind()),
    }
}

/// The namespace of an object, `default` when unset.
pub(crate) fn namespace_of(object: &Object) -> &str {
    object.namespace().filter(|ns| !ns.is_empty()).unwrap_or("default")
}

/// The virtual services among `objects`, with the objects they came from.
pub(crate) fn virtual_services(objects: &[Object]) -> impl Iterator<Item = (&Object, &VirtualService)> {
    objects.iter().filter_map(|o| match o {
        Object::VirtualService(vs) => Some((o, vs.as_ref())),
        _ => None,
    })
}

/// A short host name completed with the namespace it is read in; names with a dot, and
/// wildcards, stay as written.
pub(crate) fn fqdn(namespace: &str, host: &str) -> String {
    if host.contains('.') || host.contains('*') {
        host.to_owned()
    } else {
        format!("{host}.{namespace}.svc.cluster.local")
    }
}

/// Whether the wildcard-or-exact `pattern` covers the exact or wildcard `host`.
pub(crate) fn host_covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" || pattern == host {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => host.strip_prefix('*').unwrap_or(host).ends_with(suffix),
        None => false,
    }
}

/// Where a destination sits in a virtual service, and whether it is a mirror.
pub(crate) struct RouteDestination<'a> {
    pub(crate) destination: &'a Destination,
    pub(crate) path: String,
    pub(crate) mirror: bool,
}

/// Every route destination (HTTP, TLS, TCP) of a virtual service, in order.
pub(crate) fn route_destinations(vs: &VirtualService) -> Vec<RouteDestination<'_>> {
    let spec = &vs.spec;
    let mut out = Vec::new();
    for (i, rule) in spec.http.iter().enumerate() {
        for (j, d) in rule.route.iter().enumerate() {
            out.push(RouteDestination {
                destination: &d.destination,
                path: format!("spec.http[{i}].route[{j}].destination"),
                mirror: false,
            });
        }
    }
    for (i, rule) in spec.tls.iter().enumerate() {
        for (j, d) in rule.route.iter().enumerate() {
            out.push(RouteDestination {
                destination: &d.destination,
                path: format!("spec.tls[{i}].route[{j}].destination"),
                mirror: false,
            });
        }
    }
    for (i, rule) in spec.tcp.iter().enumerate() {
        for (j, d) in rule.route.iter().enumerate() {
            out.push(RouteDestination {
                destination: &d.destination,
                path: format!("spec.tcp[{i}].route[{j}].destination"),
                mirror: false,
            });
        }
    }
    out
}

/// Every HTTP mirror destination (`mirror` and `mirrors`) of a virtual service.
pub(crate) fn mirror_destinations(vs: &VirtualService) -> Vec<RouteDestination<'_>> {
    let mut out = Vec::new();
    for (i, rule) in vs.spec.http.iter().enumerate() {
        if let Some(d) = &rule.mirror {
            out.push(RouteDestination { destination: d, path: format!("spec.http[{i}].mirror"), mirror: true });
        }
        for (j, m) in rule.mirrors.iter().enumerate() {
            out.push(RouteDestination {
                destination: &m.destination,
                path: format!("spec.http[{i}].mirrors[{j}].destination"),
                mirror: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objects of a YAML stream that must load.
    pub(crate) fn objects(yaml: &str) -> Vec<Object> {
        let loaded = mesh_api::load_str(yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects().cloned().collect()
    }

    #[test]
    fn short_hosts_are_completed_with_the_namespace() {
        assert_eq!(fqdn("default", "reviews"), "reviews.default.svc.cluster.local");
        assert_eq!(fqdn("default", "reviews.other"), "reviews.other");
        assert_eq!(fqdn("default", "*.example.com"), "*.example.com");
    }

    #[test]
    fn wildcards_cover_their_suffixes() {
        assert!(host_covers("*.example.com", "a.example.com"));
        assert!(host_covers("*.d", "*.productpage.d"));
        assert!(!host_covers("*.productpage.d", "*.d"));
        assert!(!host_covers("a.example.com", "b.example.com"));
    }
}
