//! `Mesh::route`: one request in, one decision out. Reads the mesh only.

mod gateway;
mod http;
pub(crate) mod l4;
pub(crate) mod lookup;
pub(crate) mod name;
pub(crate) mod trace;

use crate::compile::sidecar::CompiledSidecar;
use crate::decision::{Decision, HeldRequest, Outcome};
use crate::matchers::host::strip_port;
use crate::mesh::Mesh;
use crate::request::{Protocol, Request};
use crate::settings::OutboundTrafficPolicy;
use trace::Trace;

impl Mesh {
    /// Decides where `request` goes, following Istio's rules (see the crate docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
    ///
    /// let mesh = Mesh::compile(&[], &MeshSettings::default());
    /// assert_eq!(mesh.route(&Request::http("example.com")).outcome(), Outcome::Passthrough);
    /// ```
    pub fn route(&self, request: &Request) -> Decision<'_> {
        self.route_traced(HeldRequest::Owned(Box::new(request.clone())), &mut Trace::off())
    }

    /// Decides like [`Mesh::route`], but the decision borrows `request` instead of keeping a
    /// copy: the form for hot loops. Deciding a request that a VirtualService rule routes, or
    /// that default routing sends to its service, allocates no memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
    ///
    /// let mesh = Mesh::compile(&[], &MeshSettings::default());
    /// let request = Request::http("example.com");
    /// for _ in 0..3 {
    ///     assert_eq!(mesh.decide(&request).outcome(), Outcome::Passthrough);
    /// }
    /// ```
    pub fn decide<'a>(&'a self, request: &'a Request) -> Decision<'a> {
        self.route_traced(HeldRequest::Borrowed(request), &mut Trace::off())
    }

    pub(crate) fn route_traced<'m>(&'m self, request: HeldRequest<'m>, trace: &mut Trace) -> Decision<'m> {
        // Filled in place on the hot path: a decision is large, and copying it as a return
        // value costs a sizeable part of a decision's time.
        let mut decision = Decision::new(self, &request, Outcome::NotFound);
        match request.gateway.as_deref() {
            Some(gateway) => decision = gateway::route(self, &request, gateway, trace),
            None => self.route_sidecar(&request, &mut decision, trace),
        }
        decision.request = request;
        if decision.outcome == Outcome::Route {
            self.check_destinations(&mut decision);
        }
        decision
    }

    /// Fills `d`, made for `request` by [`Decision::new`], at the caller's sidecar.
    fn route_sidecar<'m>(&'m self, request: &Request, d: &mut Decision<'m>, trace: &mut Trace) {
        let namespace = request.source_namespace.as_str();
        let sidecar = self.sidecar_for(namespace, &request.source_labels);
        match sidecar {
            Some(s) => trace.note(|| format!("the caller's Sidecar is {}/{} (V4)", s.namespace, s.name)),
            None => trace.note(|| "no Sidecar resource applies: every exported host is visible (V4)".to_owned()),
        }
        match request.protocol {
            Protocol::Http | Protocol::Grpc => http::sidecar(self, request, sidecar, d, trace),
            Protocol::Https | Protocol::Tls => *d = l4::sidecar_tls(self, request, sidecar, trace),
            Protocol::Tcp => *d = l4::sidecar_tcp(self, request, sidecar, trace),
        }
    }

    /// Applies the outbound traffic policy to a host no registry knows (E3).
    pub(crate) fn outbound_policy<'m>(
        &'m self,
        request: &Request,
        sidecar: Option<&'m CompiledSidecar>,
        trace: &mut Trace,
    ) -> Decision<'m> {
        let policy = sidecar.and_then(|s| s.outbound).unwrap_or(self.settings.outbound_traffic_policy);
        let host = strip_port(&request.host).to_owned();
        let mut d = Decision::new(self, request, Outcome::Passthrough);
        match policy {
            OutboundTrafficPolicy::AllowAny => match sidecar.filter(|s| !s.egress_proxy.is_empty()) {
                Some(s) => {
                    trace.note(|| {
                        format!("host {host:?} is in no registry the caller sees; ALLOW_ANY sends it to the Sidecar's egressProxy (E3)")
                    });
                    d.outcome = Outcome::Route;
                    d.destinations = &s.egress_proxy;
                    return d;
                }
                None => {
                    trace.note(|| {
                        format!("host {host:?} is in no registry the caller sees; ALLOW_ANY passes it through (E3)")
                    });
                }
            },
            OutboundTrafficPolicy::RegistryOnly => {
                trace.note(|| format!("host {host:?} is in no registry the caller sees; REGISTRY_ONLY blocks it (E3)"));
                d.outcome = Outcome::Blocked;
            }
        }
        d.warnings.push(format!("host {host} is in no registry the caller sees"));
        d
    }

    /// Adds a warning for every destination that would get a 503 (D3, D4, P6).
    fn check_destinations(&self, decision: &mut Decision<'_>) {
        let mut warnings = Vec::new();
        for compiled in decision.destinations {
            let d = decision.weighted(compiled);
            if let Some(i) = compiled.settled {
                // Compiling found the service and subset for every caller; only the port is left.
                let service = &self.services[i];
                if service.ports.is_empty() || service.has_port(d.port) {
                    continue;
                }
            }
            let Some(service) = self.service_by_host(d.host, decision.proxy_namespace()) else {
                warnings
                    .push(format!("host {} is in no registry the proxy sees: requests to it would get a 503", d.host));
                continue;
            };
            if !service.ports.is_empty() && !service.has_port(d.port) {
                warnings.push(format!(
                    "service {} has no port {}: requests to cluster {} would get a 503",
                    d.host,
                    d.port,
                    d.cluster()
                ));
            }
            if let Some(subset) = d.subset {
                let rules = self.destination_rules(
                    d.host,
                    Some(&service.namespace),
                    decision.proxy_namespace(),
                    decision.proxy_labels(),
                );
                match rules.subset(subset) {
                    None => warnings.push(format!(
                        "subset {subset} of {} is defined by no DestinationRule: requests to it would get a 503",
                        d.host
                    )),
                    Some(s) if self.knows_workloads_in(&service.namespace) => {
                        let labels: Vec<(String, String)> =
                            s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        if self.endpoints(service, &labels).is_empty() {
                            warnings.push(format!(
                                "subset {subset} of {} selects no pods: requests to it would get a 503",
                                d.host
                            ));
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        if !warnings.is_empty() {
            decision.warnings.extend(warnings);
        }
    }
}

/// The proxy fields of a decision made at a sidecar.
pub(crate) fn sidecar_decision<'m>(mesh: &'m Mesh, request: &Request, outcome: Outcome) -> Decision<'m> {
    // A sidecar's proxy is the caller itself: the decision reads its namespace and labels from
    // the request.
    Decision::new(mesh, request, outcome)
}
