//! How routing changes between two configuration snapshots, per host and per kind of request.

pub(crate) mod describe;
mod policy;
mod requests;
mod sample;

pub use policy::PolicyChange;
pub use requests::{SampleRequest, representative_requests};

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::compile::virtual_service::{CompiledDestination, CompiledVs};
use crate::decision::{Decision, Outcome};
use crate::mesh::Mesh;

/// The routing changes between two meshes, host by host (hosts in alphabetical order).
/// Empty when every derived request is routed the same way and no rule was added or removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoutingDiff {
    /// Hosts whose routing changed.
    pub hosts: Vec<HostDiff>,
}

impl RoutingDiff {
    /// Whether routing is the same in both meshes.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }
}

/// The changes for one host (as a VirtualService or the registry names it).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDiff {
    /// The host.
    pub host: String,
    /// Splits whose shares move.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<ShareChange>,
    /// Requests whose outcome, destination or the rule's settings for them (timeout, retries,
    /// fault, mirrors, rewrite) change, other than a share moving alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestChange>,
    /// Rules only the new mesh has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_added: Vec<RuleChange>,
    /// Rules only the old mesh has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_removed: Vec<RuleChange>,
    /// DestinationRule traffic-policy settings that change for the host, its ports or its
    /// subsets (load balancer, connection pool, outlier detection, TLS, ...), and subsets
    /// whose labels change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyChange>,
}

/// Shares that move, with the requests that see the move.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareChange {
    /// Every destination of either split, with its share before and after.
    pub moves: Vec<ShareMove>,
    /// The derived requests this split applies to (see [`SampleRequest::describe`]).
    pub requests: Vec<String>,
}

/// One destination's share before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareMove {
    /// Fully qualified host.
    pub host: String,
    /// Subset, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port traffic goes to.
    pub port: u32,
    /// Share in percent in the old mesh (0 when absent).
    pub before: f64,
    /// Share in percent in the new mesh (0 when absent).
    pub after: f64,
}

/// A request routed differently.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestChange {
    /// The request (see [`SampleRequest::describe`]).
    pub request: String,
    /// How the old mesh routes it.
    pub before: RouteSummary,
    /// How the new mesh routes it.
    pub after: RouteSummary,
}

/// What a mesh does with a request, reduced to what a change review needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteSummary {
    /// The outcome (`route`, `notFound`, ... as route test files spell it).
    pub outcome: String,
    /// The status the proxy answers with itself, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// The redirect's `Location`, for redirects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Destinations and shares, for routed requests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Share>,
    /// What else the rule does to a routed request, each as one short phrase (`timeout 5s`,
    /// `retries 2 per try 2s`, `fault abort 503 10%`, `mirror cart.shop v2 5%`,
    /// `rewrite uri /v2`); empty when it does nothing more.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub behaviour: Vec<String>,
}

/// A destination with its share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Share {
    /// Fully qualified host.
    pub host: String,
    /// Subset, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port traffic goes to.
    pub port: u32,
    /// Share in percent.
    pub weight: f64,
}

/// A rule present in only one of the meshes. Rules are compared by VirtualService, list and
/// match conditions, so a rule whose destinations change is not reported here (its requests
/// are).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleChange {
    /// `namespace/name` of the VirtualService.
    pub virtual_service: String,
    /// `http`, `tls` or `tcp`.
    pub kind: String,
    /// Position in that list.
    pub index: usize,
    /// The rule's name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its match conditions (entries joined with ` | `).
    pub matches: String,
    /// What it does (`route reviews.shop v2 100%`, `redirect 301`, ...).
    pub action: String,
}

/// Compares how `old` and `new` route the requests derived from both (see
/// [`representative_requests`]), which rules each has, and the DestinationRule traffic
/// policies that apply to each host.
///
/// # Examples
///
/// ```
/// use mesh_routing::{Mesh, MeshSettings, diff};
///
/// let split = |v1: u32, v2: u32| {
///     let loaded = mesh_api::load_str(&format!(r#"
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {{name: cart, namespace: shop}}
/// spec:
///   hosts: [cart]
///   http:
///   - route:
///     - {{destination: {{host: cart, subset: v1}}, weight: {v1}}}
///     - {{destination: {{host: cart, subset: v2}}, weight: {v2}}}
/// "#));
///     let objects: Vec<_> = loaded.objects().cloned().collect();
///     Mesh::compile(&objects, &MeshSettings::default())
/// };
/// let changes = diff(&split(90, 10), &split(50, 50));
/// assert_eq!(changes.hosts[0].shares[0].to_string(), "cart: v1 90% → 50%, v2 10% → 50%");
/// assert!(diff(&split(90, 10), &split(90, 10)).is_empty());
/// ```
pub fn diff(old: &Mesh, new: &Mesh) -> RoutingDiff {
    let mut samples = representative_requests(old);
    for s in representative_requests(new) {
        let line = s.describe();
        if !samples.iter().any(|o| o.describe() == line) {
            samples.push(s);
        }
    }
    let mut hosts: BTreeMap<String, HostDiff> = BTreeMap::new();
    for s in &samples {
        let before_d = old.route(&s.request);
        let after_d = new.route(&s.request);
        let before = summary(&before_d);
        let after = summary(&after_d);
        if before == after {
            continue;
        }
        let h = host_entry(&mut hosts, &s.host);
        let split = before.destinations.len() > 1 || after.destinations.len() > 1;
        let only_shares = before.behaviour == after.behaviour;
        if before_d.outcome() == Outcome::Route && after_d.outcome() == Outcome::Route && split && only_shares {
            let moves = share_moves(&before.destinations, &after.destinations);
            match h.shares.iter_mut().find(|c| c.moves == moves) {
                Some(c) => c.requests.push(s.describe()),
                None => h.shares.push(ShareChange { moves, requests: vec![s.describe()] }),
            }
        } else {
            h.requests.push(RequestChange { request: s.describe(), before, after });
        }
    }
    let old_rules = rules(old);
    let new_rules = rules(new);
    for (host, list) in &old_rules {
        let empty = Vec::new();
        let removed = missing(list, new_rules.get(host).unwrap_or(&empty));
        if !removed.is_empty() {
            host_entry(&mut hosts, host).rules_removed = removed;
        }
    }
    for (host, list) in &new_rules {
        let empty = Vec::new();
        let added = missing(list, old_rules.get(host).unwrap_or(&empty));
        if !added.is_empty() {
            host_entry(&mut hosts, host).rules_added = added;
        }
    }
    for (host, changes) in policy::policy_changes(old, new) {
        host_entry(&mut hosts, &host).policies = changes;
    }
    RoutingDiff { hosts: hosts.into_values().collect() }
}

fn host_entry<'a>(hosts: &'a mut BTreeMap<String, HostDiff>, host: &str) -> &'a mut HostDiff {
    hosts.entry(host.to_owned()).or_insert_with(|| HostDiff { host: host.to_owned(), ..HostDiff::default() })
}

/// The rule's own settings for a routed request (defaults left out, so a rule that spells
/// out a default reads as the rule that leaves it out only when the values agree).
fn behaviour(d: &Decision<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if d.outcome() != Outcome::Route {
        return out;
    }
    if let Some(t) = d.timeout() {
        out.push(format!("timeout {t}"));
    }
    if let Some(r) = d.http.and_then(|a| a.retries.as_ref()) {
        let mut text = format!("retries {}", r.attempts.unwrap_or(0));
        if let Some(p) = &r.per_try_timeout {
            text.push_str(&format!(" per try {p}"));
        }
        if let Some(on) = r.retry_on.as_deref().filter(|on| !on.is_empty()) {
            text.push_str(&format!(" on {on}"));
        }
        out.push(text);
    }
    if let Some(f) = d.fault() {
        if let Some((delay, percent)) = f.delay {
            let delay = delay.map_or_else(String::new, |t| format!(" {t}"));
            out.push(format!("fault delay{delay} {}", describe::percent(percent)));
        }
        if let Some((http, grpc, percent)) = f.abort {
            let code = http.map(|c| c.to_string()).or(grpc.map(str::to_owned)).unwrap_or_default();
            out.push(format!("fault abort {code} {}", describe::percent(percent)));
        }
    }
    for m in d.mirrors() {
        out.push(format!("mirror {} {}", describe::destination(m.host, m.subset, None), describe::percent(m.percent)));
    }
    if let Some(r) = d.rewrite() {
        if let Some(uri) = r.uri {
            out.push(format!("rewrite uri {uri}"));
        }
        if let Some(authority) = r.authority {
            out.push(format!("rewrite authority {authority}"));
        }
    }
    out
}

fn summary(d: &Decision<'_>) -> RouteSummary {
    RouteSummary {
        behaviour: behaviour(d),
        outcome: d.outcome().to_string(),
        status: d.status(),
        location: d.redirect().filter(|_| d.outcome() == Outcome::Redirect).map(|r| r.location()),
        destinations: d
            .destinations()
            .map(|w| Share {
                host: w.host.to_owned(),
                subset: w.subset.map(str::to_owned),
                port: w.port,
                // Adding zero turns a negative zero into zero.
                weight: w.weight + 0.0,
            })
            .collect(),
    }
}

fn share_moves(before: &[Share], after: &[Share]) -> Vec<ShareMove> {
    let same = |a: &Share, b: &Share| a.host == b.host && a.subset == b.subset && a.port == b.port;
    let mut moves: Vec<ShareMove> = before
        .iter()
        .map(|b| ShareMove {
            host: b.host.clone(),
            subset: b.subset.clone(),
            port: b.port,
            before: b.weight,
            after: after.iter().filter(|a| same(a, b)).fold(0.0, |sum, a| sum + a.weight),
        })
        .collect();
    for a in after.iter().filter(|a| !before.iter().any(|b| same(a, b))) {
        moves.push(ShareMove {
            host: a.host.clone(),
            subset: a.subset.clone(),
            port: a.port,
            before: 0.0,
            after: a.weight,
        });
    }
    // A destination listed twice in one split shows once.
    let mut out: Vec<ShareMove> = Vec::new();
    for m in moves {
        if !out.iter().any(|o| o.host == m.host && o.subset == m.subset && o.port == m.port) {
            out.push(m);
        }
    }
    out
}

/// The rules of every VirtualService, under each of its hosts.
fn rules(mesh: &Mesh) -> BTreeMap<String, Vec<RuleChange>> {
    let mut out: BTreeMap<String, Vec<RuleChange>> = BTreeMap::new();
    for vs in &mesh.virtual_services {
        let list = vs_rules(vs);
        for h in &vs.hosts {
            out.entry(h.to_string()).or_default().extend(list.iter().cloned());
        }
        if vs.hosts.is_empty() {
            out.entry(format!("(delegate {}/{})", vs.namespace, vs.name)).or_default().extend(list);
        }
    }
    out
}

fn targets(destinations: &[CompiledDestination]) -> String {
    destinations
        .iter()
        .map(|d| {
            format!("{} {}", describe::destination(&d.host, d.subset.as_deref(), d.port), describe::percent(d.share))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn vs_rules(vs: &CompiledVs) -> Vec<RuleChange> {
    let key = format!("{}/{}", vs.namespace, vs.name);
    let mut out = Vec::new();
    for r in &vs.http {
        let mut action = describe::http_action(r);
        if !r.action.destinations.is_empty() {
            action = format!("{action} {}", targets(&r.action.destinations));
        }
        out.push(RuleChange {
            virtual_service: key.clone(),
            kind: "http".to_owned(),
            index: r.index,
            name: r.name.clone(),
            matches: describe::http_rule_matches(r),
            action,
        });
    }
    for r in &vs.tls {
        let matches: Vec<String> = r.matches.iter().map(describe::tls_match).collect();
        out.push(RuleChange {
            virtual_service: key.clone(),
            kind: "tls".to_owned(),
            index: r.index,
            name: r.name.clone(),
            matches: if matches.is_empty() { "any connection".to_owned() } else { matches.join(" | ") },
            action: format!("route {}", targets(&r.action.destinations)),
        });
    }
    for r in &vs.tcp {
        let matches: Vec<String> = r.matches.iter().map(describe::tcp_match).collect();
        out.push(RuleChange {
            virtual_service: key.clone(),
            kind: "tcp".to_owned(),
            index: r.index,
            name: r.name.clone(),
            matches: if matches.is_empty() { "any connection".to_owned() } else { matches.join(" | ") },
            action: format!("route {}", targets(&r.action.destinations)),
        });
    }
    out
}

/// The rules of `from` that `other` lacks, matching by VirtualService, list and conditions
/// (each rule of `other` pairs with at most one).
fn missing(from: &[RuleChange], other: &[RuleChange]) -> Vec<RuleChange> {
    let mut used = vec![false; other.len()];
    let mut out = Vec::new();
    for r in from {
        let found = other.iter().enumerate().find(|(i, o)| {
            !used[*i] && o.virtual_service == r.virtual_service && o.kind == r.kind && o.matches == r.matches
        });
        match found {
            Some((i, _)) => used[i] = true,
            None => out.push(r.clone()),
        }
    }
    out
}

/// The name people use for a host in a share line: the service name for a cluster host.
fn service_name(host: &str) -> &str {
    if host.contains(".svc.") { host.split('.').next().unwrap_or(host) } else { host }
}

impl fmt::Display for ShareChange {
    /// `productcatalogservice: v1 75% → 100%, v2 25% → 0%`; destinations without a subset
    /// print as `host 50% → 0%`, hosts separated by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
        for m in &self.moves {
            let name = service_name(&m.host);
            let item = match &m.subset {
                Some(s) => format!("{s} {} → {}", describe::percent(m.before), describe::percent(m.after)),
                None => format!("port {} {} → {}", m.port, describe::percent(m.before), describe::percent(m.after)),
            };
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some((_, items)) => items.push(item),
                None => groups.push((name, vec![item])),
            }
        }
        let parts: Vec<String> = groups.into_iter().map(|(n, items)| format!("{n}: {}", items.join(", "))).collect();
        f.write_str(&parts.join("; "))
    }
}

impl fmt::Display for RouteSummary {
    /// `route → reviews.shop v1 100% (timeout 5s)`, `notFound (404)`,
    /// `redirect (301) https://a.com/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.outcome)?;
        if let Some(s) = self.status {
            write!(f, " ({s})")?;
        }
        if let Some(l) = &self.location {
            write!(f, " {l}")?;
        }
        if !self.destinations.is_empty() {
            let list: Vec<String> = self
                .destinations
                .iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        describe::destination(&d.host, d.subset.as_deref(), Some(d.port)),
                        describe::percent(d.weight)
                    )
                })
                .collect();
            write!(f, " → {}", list.join(", "))?;
        }
        if !self.behaviour.is_empty() {
            write!(f, " ({})", self.behaviour.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Display for RuleChange {
    /// `VirtualService shop/reviews http[1] "v2-users": uri prefix "/v2" → route reviews.shop v2 100%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VirtualService {} {}[{}]", self.virtual_service, self.kind, self.index)?;
        if let Some(n) = &self.name {
            write!(f, " {n:?}")?;
        }
        write!(f, ": {} → {}", self.matches, self.action)
    }
}

impl fmt::Display for RoutingDiff {
    /// One block per host: share moves with the requests they apply to, changed requests with
    /// their before and after, rules added (`+`) and removed (`-`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hosts.is_empty() {
            return writeln!(f, "routing unchanged");
        }
        let n = self.hosts.len();
        writeln!(f, "routing changes for {n} host{}", if n == 1 { "" } else { "s" })?;
        for h in &self.hosts {
            writeln!(f)?;
            writeln!(f, "{}", h.host)?;
            for s in &h.shares {
                writeln!(f, "  shares {s}")?;
                for r in &s.requests {
                    writeln!(f, "    for {r}")?;
                }
            }
            for r in &h.requests {
                writeln!(f, "  request {}", r.request)?;
                writeln!(f, "    before {}", r.before)?;
                writeln!(f, "    after  {}", r.after)?;
            }
            for r in &h.rules_added {
                writeln!(f, "  + rule {r}")?;
            }
            for r in &h.rules_removed {
                writeln!(f, "  - rule {r}")?;
            }
            for p in &h.policies {
                writeln!(f, "  policy {p}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(subset: Option<&str>, weight: f64) -> Share {
        Share { host: "cart.shop.svc.cluster.local".into(), subset: subset.map(Into::into), port: 80, weight }
    }

    fn rule(vs: &str, matches: &str, index: usize) -> RuleChange {
        RuleChange {
            virtual_service: vs.into(),
            kind: "http".into(),
            index,
            name: None,
            matches: matches.into(),
            action: "route".into(),
        }
    }

    #[test]
    fn share_moves_list_every_destination_of_either_split() {
        let moves = share_moves(&[share(Some("v1"), 100.0)], &[share(Some("v1"), 50.0), share(Some("v2"), 50.0)]);
        let change = ShareChange { moves, requests: Vec::new() };
        assert_eq!(change.to_string(), "cart: v1 100% → 50%, v2 0% → 50%");
    }

    #[test]
    fn destinations_without_subset_print_their_port() {
        let moves = share_moves(&[share(None, 100.0)], &[share(None, 50.0), share(Some("v2"), 50.0)]);
        let change = ShareChange { moves, requests: Vec::new() };
        assert_eq!(change.to_string(), "cart: port 80 100% → 50%, v2 0% → 50%");
    }

    #[test]
    fn rules_pair_by_virtual_service_kind_and_conditions_not_position() {
        let old = [rule("shop/a", "uri prefix \"/x\"", 0), rule("shop/a", "any request", 1)];
        let new = [rule("shop/a", "any request", 0), rule("shop/b", "uri prefix \"/x\"", 0)];
        assert_eq!(missing(&old, &new), [old[0].clone()]);
        assert_eq!(missing(&new, &old), [new[1].clone()]);
    }

    #[test]
    fn a_duplicated_rule_pairs_only_once() {
        let old = [rule("shop/a", "any request", 0)];
        let new = [rule("shop/a", "any request", 0), rule("shop/a", "any request", 1)];
        assert_eq!(missing(&new, &old), [new[1].clone()]);
    }
}
