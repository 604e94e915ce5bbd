//! Builders for the objects people write most: a VirtualService that routes or splits a host,
//! a DestinationRule with version subsets, a Gateway that opens a port. `build` checks the
//! result with Istio's rules, so a builder never hands out an object Istio would reject.

use indexmap::IndexMap;

use super::{
    Destination, DestinationRule, DestinationRuleSpec, Gateway, GatewaySpec, HttpRoute, HttpRouteDestination,
    LoadBalancerSettings, Port, Server, ServerTlsMode, ServerTlsSettings, SimpleLb, Subset, TrafficPolicy,
    VirtualService, VirtualServiceSpec,
};
use crate::load::meta;
use crate::{Duration, Error, Level, ObjectRef, PortSelector, Result, Validate};

fn checked<T: Validate>(object: T, object_ref: ObjectRef) -> Result<T> {
    let problems: Vec<_> = object.validate().into_iter().filter(|p| p.level == Level::Error).collect();
    if problems.is_empty() { Ok(object) } else { Err(Error::Rejected { object: object_ref, problems }) }
}

fn object_ref(kind: &str, name: &str, namespace: Option<&str>) -> ObjectRef {
    ObjectRef { kind: kind.to_owned(), namespace: namespace.map(str::to_owned), name: Some(name.to_owned()) }
}

/// The object name a host suggests: its first label, without a wildcard.
fn name_from_host(host: &str) -> String {
    let first = host.trim_start_matches("*.").split('.').next().unwrap_or(host);
    if first.is_empty() || first == "*" { "wildcard".to_owned() } else { first.to_owned() }
}

impl VirtualService {
    /// Starts a VirtualService for `host` (a short name, an FQDN or a wildcard), named after
    /// the host's first label unless [`VirtualServiceBuilder::name`] says otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_api::networking::VirtualService;
    ///
    /// let vs = VirtualService::builder("reviews").namespace("shop").split([("v1", 75), ("v2", 25)]).build()?;
    /// let route = &vs.spec.http[0].route;
    /// assert_eq!((route[0].destination.subset.as_deref(), route[0].weight), (Some("v1"), Some(75)));
    /// assert_eq!(vs.metadata.namespace.as_deref(), Some("shop"));
    /// # Ok::<(), mesh_api::Error>(())
    /// ```
    pub fn builder(host: impl Into<String>) -> VirtualServiceBuilder {
        let host = host.into();
        VirtualServiceBuilder {
            name: name_from_host(&host),
            namespace: None,
            hosts: vec![host],
            gateways: Vec::new(),
            rules: Vec::new(),
        }
    }
}

/// Builds a [`VirtualService`]; see [`VirtualService::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct VirtualServiceBuilder {
    name: String,
    namespace: Option<String>,
    hosts: Vec<String>,
    gateways: Vec<String>,
    rules: Vec<HttpRoute>,
}

impl VirtualServiceBuilder {
    /// Sets the object name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Adds another host the routes apply to.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.hosts.push(host.into());
        self
    }

    /// Binds the routes to a gateway (`name`, `namespace/name`, or `mesh` for sidecars).
    pub fn gateway(mut self, gateway: impl Into<String>) -> Self {
        self.gateways.push(gateway.into());
        self
    }

    /// Adds a rule that sends every request to `host` (on `port`, when given).
    pub fn route_to(mut self, host: impl Into<String>, port: Option<u32>) -> Self {
        let destination =
            Destination { host: host.into(), port: port.map(PortSelector::new), ..Destination::default() };
        self.rules.push(HttpRoute {
            route: vec![HttpRouteDestination { destination, ..HttpRouteDestination::default() }],
            ..HttpRoute::default()
        });
        self
    }

    /// Adds a rule that splits requests for the first host across its subsets by weight,
    /// such as `[("v1", 75), ("v2", 25)]`.
    pub fn split<S: Into<String>>(mut self, subsets: impl IntoIterator<Item = (S, i32)>) -> Self {
        let host = self.hosts[0].clone();
        let route = subsets
            .into_iter()
            .map(|(subset, weight)| HttpRouteDestination {
                destination: Destination { host: host.clone(), subset: Some(subset.into()), ..Destination::default() },
                weight: Some(weight),
                ..HttpRouteDestination::default()
            })
            .collect();
        self.rules.push(HttpRoute { route, ..HttpRoute::default() });
        self
    }

    /// Sets the timeout of the last rule added.
    pub fn timeout(mut self, timeout: impl Into<Duration>) -> Self {
        if let Some(rule) = self.rules.last_mut() {
            rule.timeout = Some(timeout.into());
        }
        self
    }

    /// Adds a rule written out in full.
    pub fn rule(mut self, rule: HttpRoute) -> Self {
        self.rules.push(rule);
        self
    }

    /// The VirtualService, checked with Istio's rules.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with every error Istio's validation finds (a negative weight, a
    /// VirtualService with no rule, ...).
    pub fn build(self) -> Result<VirtualService> {
        let object_ref = object_ref("VirtualService", &self.name, self.namespace.as_deref());
        let spec = VirtualServiceSpec {
            hosts: self.hosts,
            gateways: self.gateways,
            http: self.rules,
            ..VirtualServiceSpec::default()
        };
        let mut vs = VirtualService::new(&self.name, spec);
        vs.metadata = meta(&self.name, self.namespace.as_deref());
        checked(vs, object_ref)
    }
}

impl DestinationRule {
    /// Starts a DestinationRule for `host`, named after the host's first label.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_api::networking::{DestinationRule, SimpleLb};
    ///
    /// let dr = DestinationRule::builder("reviews").namespace("shop").version_subsets(["v1", "v2"])
    ///     .load_balancer(SimpleLb::LeastRequest).build()?;
    /// assert_eq!(dr.spec.subsets[1].labels["version"], "v2");
    /// # Ok::<(), mesh_api::Error>(())
    /// ```
    pub fn builder(host: impl Into<String>) -> DestinationRuleBuilder {
        let host = host.into();
        DestinationRuleBuilder {
            name: name_from_host(&host),
            namespace: None,
            host,
            subsets: Vec::new(),
            simple_lb: None,
        }
    }
}

/// Builds a [`DestinationRule`]; see [`DestinationRule::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct DestinationRuleBuilder {
    name: String,
    namespace: Option<String>,
    host: String,
    subsets: Vec<Subset>,
    simple_lb: Option<SimpleLb>,
}

impl DestinationRuleBuilder {
    /// Sets the object name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Adds a subset selecting pods with all the given labels.
    pub fn subset<K: Into<String>, V: Into<String>>(
        mut self,
        name: impl Into<String>,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let labels: IndexMap<String, String> = labels.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        self.subsets.push(Subset { name: name.into(), labels, ..Subset::default() });
        self
    }

    /// Adds one subset per version, each selecting pods labelled `version: <name>`.
    pub fn version_subsets<S: Into<String>>(mut self, versions: impl IntoIterator<Item = S>) -> Self {
        for version in versions {
            let version = version.into();
            self = self.subset(version.clone(), [("version", version)]);
        }
        self
    }

    /// Sets the load-balancing algorithm for the whole host.
    pub fn load_balancer(mut self, lb: SimpleLb) -> Self {
        self.simple_lb = Some(lb);
        self
    }

    /// The DestinationRule, checked with Istio's rules.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with every error Istio's validation finds (duplicate subset names,
    /// bad label syntax, ...).
    pub fn build(self) -> Result<DestinationRule> {
        let object_ref = object_ref("DestinationRule", &self.name, self.namespace.as_deref());
        let traffic_policy = self.simple_lb.map(|simple| {
            Box::new(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings { simple: Some(simple), ..LoadBalancerSettings::default() }),
                ..TrafficPolicy::default()
            })
        });
        let spec = DestinationRuleSpec {
            host: self.host,
            subsets: self.subsets,
            traffic_policy,
            ..DestinationRuleSpec::default()
        };
        let mut dr = DestinationRule::new(&self.name, spec);
        dr.metadata = meta(&self.name, self.namespace.as_deref());
        checked(dr, object_ref)
    }
}

impl Gateway {
    /// Starts a Gateway named `name`, selecting Istio's default ingress gateway
    /// (`istio: ingressgateway`) unless [`GatewayBuilder::selector`] says otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_api::networking::Gateway;
    ///
    /// let gw = Gateway::builder("frontend-gateway").namespace("istio-app").http(80, ["*"]).build()?;
    /// assert_eq!(gw.spec.servers[0].port.number, 80);
    /// assert_eq!(gw.spec.selector["istio"], "ingressgateway");
    /// # Ok::<(), mesh_api::Error>(())
    /// ```
    pub fn builder(name: impl Into<String>) -> GatewayBuilder {
        GatewayBuilder { name: name.into(), namespace: None, selector: IndexMap::new(), servers: Vec::new() }
    }
}

/// Builds a [`Gateway`]; see [`Gateway::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct GatewayBuilder {
    name: String,
    namespace: Option<String>,
    selector: IndexMap<String, String>,
    servers: Vec<Server>,
}

impl GatewayBuilder {
    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Adds a label the gateway workload must carry.
    pub fn selector(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.selector.insert(key.into(), value.into());
        self
    }

    /// Opens a plain-HTTP server on `port` for `hosts`.
    pub fn http<S: Into<String>>(self, port: u32, hosts: impl IntoIterator<Item = S>) -> Self {
        self.server(port, "HTTP", hosts, None)
    }

    /// Opens an HTTPS server on `port` for `hosts`, terminating TLS with the certificate in
    /// the Kubernetes secret `credential_name`.
    pub fn https<S: Into<String>>(
        self,
        port: u32,
        hosts: impl IntoIterator<Item = S>,
        credential_name: impl Into<String>,
    ) -> Self {
        let tls = ServerTlsSettings {
            mode: Some(ServerTlsMode::Simple),
            credential_name: Some(credential_name.into()),
            ..ServerTlsSettings::default()
        };
        self.server(port, "HTTPS", hosts, Some(tls))
    }

    fn server<S: Into<String>>(
        mut self,
        port: u32,
        protocol: &str,
        hosts: impl IntoIterator<Item = S>,
        tls: Option<ServerTlsSettings>,
    ) -> Self {
        let name = format!("{}-{port}", protocol.to_lowercase());
        self.servers.push(Server {
            port: Port { number: port, protocol: protocol.to_owned(), name, target_port: None },
            hosts: hosts.into_iter().map(Into::into).collect(),
            tls,
            ..Server::default()
        });
        self
    }

    /// The Gateway, checked with Istio's rules.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with every error Istio's validation finds (no server, a port out
    /// of range, duplicate port names, ...).
    pub fn build(mut self) -> Result<Gateway> {
        if self.selector.is_empty() {
            self.selector.insert("istio".to_owned(), "ingressgateway".to_owned());
        }
        let object_ref = object_ref("Gateway", &self.name, self.namespace.as_deref());
        let spec = GatewaySpec { servers: self.servers, selector: self.selector };
        let mut gw = Gateway::new(&self.name, spec);
        gw.metadata = meta(&self.name, self.namespace.as_deref());
        checked(gw, object_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_first_host_label() {
        assert_eq!(name_from_host("reviews.shop.svc.cluster.local"), "reviews");
        assert_eq!(name_from_host("*.example.com"), "example");
        assert_eq!(name_from_host("*"), "wildcard");
    }

    #[test]
    fn a_negative_weight_is_rejected_by_build() {
        let err = VirtualService::builder("reviews").split([("v1", -1), ("v2", 25)]).build().unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "{err}");
        assert!(
            err.to_string().starts_with("VirtualService reviews is invalid: spec.http[0].route[0].weight"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_subsets_are_rejected_by_build() {
        let err = DestinationRule::builder("reviews").version_subsets(["v1", "v1"]).build().unwrap_err();
        assert!(err.to_string().contains("spec.subsets[1]"), "{err}");
    }

    #[test]
    fn a_gateway_without_servers_is_rejected_by_build() {
        assert!(Gateway::builder("empty").build().is_err());
    }

    #[test]
    fn routes_and_timeouts_build() {
        let vs = VirtualService::builder("*")
            .name("frontend-ingress")
            .gateway("frontend-gateway")
            .route_to("frontend", Some(80))
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .unwrap();
        assert_eq!(vs.spec.http[0].timeout.as_ref().map(ToString::to_string).as_deref(), Some("3s"));
        assert_eq!(vs.spec.http[0].route[0].destination.port, Some(PortSelector::new(80)));
    }
}
