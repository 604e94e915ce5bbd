//! The routing table as a picture: gateways, services and subsets as nodes, routes as edges
//! labelled with their conditions and shares; written as Graphviz DOT or Mermaid text.

mod dot;
mod mermaid;
#[cfg(feature = "svg")]
mod svg;

use serde::Serialize;

use crate::compile::virtual_service::{CompiledDestination, CompiledVs, HttpActionKind};
use crate::diff::describe;
use crate::mesh::Mesh;

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum NodeKind {
    /// A Gateway, where traffic enters or leaves.
    Gateway,
    /// A host: a service in the registry, a VirtualService host or a destination host.
    Service,
    /// A DestinationRule subset of a host.
    Subset,
    /// An answer the proxy gives itself (redirect, direct response).
    Response,
}

/// What an edge stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum EdgeKind {
    /// Requests routed there.
    Route,
    /// Requests copied there.
    Mirror,
}

/// A node of the graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    /// Identifier used by the edges (`n0`, `n1`, ... in order of appearance).
    pub id: String,
    /// What it stands for.
    pub kind: NodeKind,
    /// Text shown: `gateway ns/name`, `name.namespace` for a cluster host, `host subset`.
    pub label: String,
}

/// An edge of the graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// What it stands for.
    pub kind: EdgeKind,
    /// Conditions (when the rule has any) and share, separated by `; `.
    pub label: String,
}

/// Gateways, services and subsets with the routes between them; see [`graph`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TrafficGraph {
    /// Nodes in order of appearance: gateways, registry services, then what routes name.
    pub nodes: Vec<Node>,
    /// Edges in rule order.
    pub edges: Vec<Edge>,
    #[serde(skip)]
    keys: Vec<String>,
}

impl TrafficGraph {
    fn node(&mut self, key: String, kind: NodeKind, label: String) -> String {
        if let Some(i) = self.keys.iter().position(|k| *k == key) {
            return self.nodes[i].id.clone();
        }
        let id = format!("n{}", self.nodes.len());
        self.keys.push(key);
        self.nodes.push(Node { id: id.clone(), kind, label });
        id
    }

    fn service(&mut self, host: &str) -> String {
        self.node(format!("host {host}"), NodeKind::Service, describe::short_host(host).to_owned())
    }

    fn gateway(&mut self, key: &str) -> String {
        self.node(format!("gateway {key}"), NodeKind::Gateway, format!("gateway {key}"))
    }

    fn destination(&mut self, d: &CompiledDestination) -> String {
        match &d.subset {
            Some(s) => self.node(
                format!("subset {} {s}", d.host),
                NodeKind::Subset,
                format!("{} {s}", describe::short_host(&d.host)),
            ),
            None => self.service(&d.host),
        }
    }

    fn edge(&mut self, from: &str, to: String, kind: EdgeKind, label: String) {
        self.edges.push(Edge { from: from.to_owned(), to, kind, label });
    }

    /// The graph as Graphviz DOT (`dot -Tsvg` draws it).
    pub fn to_dot(&self) -> String {
        dot::render(self)
    }

    /// The graph as a Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        mermaid::render(self)
    }

    /// The graph drawn as an SVG picture, laid out left to right in Rust (no Graphviz needed).
    /// A route from a host to itself has no arrow in the picture; the DOT and Mermaid texts
    /// keep it.
    #[cfg(feature = "svg")]
    #[cfg_attr(docsrs, doc(cfg(feature = "svg")))]
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }
}

fn join(parts: &[String]) -> String {
    parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join("; ")
}

/// Where the routes of `vs` start: its gateways, and its hosts for sidecars (`mesh`).
fn sources(g: &mut TrafficGraph, vs: &CompiledVs) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for gw in &vs.gateways {
        if gw == "mesh" {
            for h in &vs.hosts {
                out.push((g.service(&h.to_string()), String::new()));
            }
        } else {
            let id = g.gateway(gw);
            let hosts: Vec<String> = vs.hosts.iter().map(ToString::to_string).collect();
            let label =
                if hosts.iter().any(|h| h == "*") { String::new() } else { format!("host {}", hosts.join(",")) };
            out.push((id, label));
        }
    }
    out
}

/// Draws `mesh`'s routing: a node per Gateway, per registry service and per DestinationRule
/// subset, plus the hosts and answers routes lead to; an edge per destination of each rule
/// (from each gateway the VirtualService binds, or from its hosts for sidecars), labelled with
/// the rule's conditions and the destination's share, and a dashed edge per mirror.
///
/// # Examples
///
/// ```
/// use mesh_routing::{Mesh, MeshSettings, graph};
///
/// let loaded = mesh_api::load_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: cart, namespace: shop}
/// spec:
///   hosts: [cart]
///   http:
///   - route:
///     - {destination: {host: cart, subset: v1}, weight: 90}
///     - {destination: {host: cart, subset: v2}, weight: 10}
/// "#);
/// let objects: Vec<_> = loaded.objects().cloned().collect();
/// let g = graph(&Mesh::compile(&objects, &MeshSettings::default()));
/// assert_eq!(g.to_mermaid(), "\
/// flowchart LR
///   n0[\"cart.shop\"]
///   n1([\"cart.shop v1\"])
///   n2([\"cart.shop v2\"])
///   n0 -->|\"90%\"| n1
///   n0 -->|\"10%\"| n2
/// ");
/// ```
pub fn graph(mesh: &Mesh) -> TrafficGraph {
    let mut g = TrafficGraph::default();
    for gw in &mesh.gateways {
        g.gateway(&gw.key);
    }
    for s in &mesh.services {
        g.service(&s.host);
    }
    for vs in mesh.virtual_services.iter().filter(|v| !v.is_delegate) {
        let from = sources(&mut g, vs);
        for rule in &vs.http {
            let matches = if rule.matches.is_empty() { String::new() } else { describe::http_rule_matches(rule) };
            for (src, host) in &from {
                match &rule.action.kind {
                    HttpActionKind::Route => {
                        for d in &rule.action.destinations {
                            let to = g.destination(d);
                            g.edge(
                                src,
                                to,
                                EdgeKind::Route,
                                join(&[host.clone(), matches.clone(), describe::percent(d.share)]),
                            );
                        }
                    }
                    _ => {
                        let text = describe::http_action(rule);
                        let key = format!("answer {}/{} http[{}] {text}", vs.namespace, vs.name, rule.index);
                        let to = g.node(key, NodeKind::Response, text);
                        g.edge(src, to, EdgeKind::Route, join(&[host.clone(), matches.clone()]));
                    }
                }
                for m in &rule.action.mirrors {
                    let to = g.destination(&m.destination);
                    g.edge(src, to, EdgeKind::Mirror, format!("mirror {}", describe::percent(m.percent)));
                }
            }
        }
        for rule in &vs.tls {
            let matches: Vec<String> = rule.matches.iter().map(describe::tls_match).collect();
            for (src, host) in &from {
                for d in &rule.action.destinations {
                    let to = g.destination(d);
                    let label = join(&[host.clone(), matches.join(" | "), describe::percent(d.share)]);
                    g.edge(src, to, EdgeKind::Route, label);
                }
            }
        }
        for rule in &vs.tcp {
            let matches: Vec<String> = rule.matches.iter().map(describe::tcp_match).collect();
            for (src, host) in &from {
                for d in &rule.action.destinations {
                    let to = g.destination(d);
                    let label = join(&[host.clone(), matches.join(" | "), describe::percent(d.share)]);
                    g.edge(src, to, EdgeKind::Route, label);
                }
            }
        }
    }
    for dr in &mesh.destination_rules {
        if dr.host.is_wildcard() {
            continue;
        }
        let host = dr.host.to_string();
        for s in &dr.subsets {
            let d = CompiledDestination {
                host: host.as_str().into(),
                subset: Some(s.name.as_str().into()),
                ..Default::default()
            };
            g.destination(&d);
        }
    }
    g
}
