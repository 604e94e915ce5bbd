//! Offline checks in the spirit of `istioctl analyze`: each analyzer looks at a snapshot of
//! objects and reports [`Message`]s carrying istioctl's code, name, level and wording.
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

use mesh_api::Object;
use mesh_api::networking::{Destination, VirtualService};

mod conflicting_mesh_gateway_hosts;
mod destination_hosts;
mod destination_rules;
mod gateways;

pub use conflicting_mesh_gateway_hosts::conflicting_mesh_gateway_hosts;
pub use destination_hosts::destination_hosts;
pub use destination_rules::destination_rules;
pub use gateways::gateways;

/// How serious a message is, as istioctl grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageLevel {
    /// The configuration is wrong and will misbehave.
    Error,
    /// The configuration is likely a mistake.
    Warning,
    /// Worth knowing; not a fault.
    Info,
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

/// One finding of an analyzer.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The field the message points at, when known (`spec.http[0].route[1].destination.host`).
    pub path: Option<String>,
    /// The text, in istioctl's wording.
    pub message: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] ({}) {}", self.level, self.code, self.resource, self.message)
    }
}

impl Message {
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
        }
    }
}

/// Runs every analyzer this crate has over `objects`, in a fixed order.
pub fn analyze(objects: &[Object]) -> Vec<Message> {
    let mut messages = destination_hosts(objects);
    messages.extend(destination_rules(objects));
    messages.extend(gateways(objects));
    messages.extend(conflicting_mesh_gateway_hosts(objects));
    messages
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
