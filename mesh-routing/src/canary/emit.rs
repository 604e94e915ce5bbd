//! Builds a step's VirtualServices and DestinationRules from the user's current objects:
//! every route destination that reaches the service's stable or canary pods is re-split,
//! everything else (other routes, matches, policies, destinations) is kept as it is.

use mesh_api::Object;
use mesh_api::networking::{
    Destination, DestinationRule, DestinationRuleSpec, HttpMatchRequest, HttpMirrorPolicy, HttpRoute,
    HttpRouteDestination, Percent, RouteDestination, Subset, VirtualService, VirtualServiceSpec,
};

use super::Canary;
use crate::matchers::host::qualify;

/// Names of the A/B rules this module inserts end with this, so a later step finds and
/// replaces them.
pub(crate) const AB_SUFFIX: &str = "canary-ab";

/// What a step asks of the traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Traffic {
    /// Percent of the service's share sent to the canary.
    pub canary_weight: u32,
    /// Percent of the stable traffic mirrored to the canary.
    pub mirror: Option<f64>,
    /// Whether A/B users go to the canary.
    pub ab: bool,
    /// Whether the stable subset now selects the canary's pods (promotion finalised).
    pub promoted: bool,
}

fn namespace_of(object_ns: Option<&String>) -> &str {
    object_ns.map_or("default", String::as_str)
}

/// The route destinations of one rule, whatever its kind.
trait RouteDest: Clone {
    fn destination(&self) -> &Destination;
    fn destination_mut(&mut self) -> &mut Destination;
    fn weight(&self) -> Option<i32>;
    fn set_weight(&mut self, weight: Option<i32>);
}

impl RouteDest for HttpRouteDestination {
    fn destination(&self) -> &Destination {
        &self.destination
    }
    fn destination_mut(&mut self) -> &mut Destination {
        &mut self.destination
    }
    fn weight(&self) -> Option<i32> {
        self.weight
    }
    fn set_weight(&mut self, weight: Option<i32>) {
        self.weight = weight;
    }
}

impl RouteDest for RouteDestination {
    fn destination(&self) -> &Destination {
        &self.destination
    }
    fn destination_mut(&mut self) -> &mut Destination {
        &mut self.destination
    }
    fn weight(&self) -> Option<i32> {
        self.weight
    }
    fn set_weight(&mut self, weight: Option<i32>) {
        self.weight = weight;
    }
}

/// Reads a canary's view of the objects.
pub(crate) struct Emitter<'a> {
    pub canary: &'a Canary,
    pub fqdn: String,
    pub domain: &'a str,
}

impl<'a> Emitter<'a> {
    pub fn new(canary: &'a Canary) -> Self {
        Self { canary, fqdn: canary.host(), domain: &canary.cluster_domain }
    }

    /// Whether `host`, written in namespace `ns`, is the canary's service.
    pub fn is_host(&self, host: &str, ns: &str) -> bool {
        qualify(host, ns, self.domain) == self.fqdn
    }

    /// Whether a destination carries the service's traffic the rollout splits: to the host,
    /// with no subset, the stable or the canary subset.
    fn is_ours(&self, d: &Destination, ns: &str) -> bool {
        self.is_host(&d.host, ns)
            && d.subset.as_deref().is_none_or(|s| s == self.canary.stable.name || s == self.canary.canary.name)
    }

    fn is_canary_mirror(&self, d: &Destination, ns: &str) -> bool {
        self.is_host(&d.host, ns) && d.subset.as_deref() == Some(self.canary.canary.name.as_str())
    }

    /// Whether a VirtualService sends any of the service's traffic.
    pub fn routes_to_host(&self, vs: &VirtualService) -> bool {
        let ns = namespace_of(vs.metadata.namespace.as_ref());
        let s = &vs.spec;
        s.http.iter().flat_map(|r| &r.route).any(|d| self.is_ours(&d.destination, ns))
            || s.tcp.iter().flat_map(|r| &r.route).any(|d| self.is_ours(&d.destination, ns))
            || s.tls.iter().flat_map(|r| &r.route).any(|d| self.is_ours(&d.destination, ns))
    }

    /// Whether a VirtualService is the one sidecars use for the host.
    fn serves_host_in_mesh(&self, vs: &VirtualService) -> bool {
        let ns = namespace_of(vs.metadata.namespace.as_ref());
        let mesh = vs.spec.gateways.is_empty() || vs.spec.gateways.iter().any(|g| g == "mesh");
        mesh && vs.spec.hosts.iter().any(|h| self.is_host(h, ns))
    }

    /// A name for a new object of `kind` in the service's namespace: the service's own, or
    /// `<service>-canary` when the user already has an object of that name.
    fn free_name(&self, objects: &[Object], kind: &str) -> String {
        let taken = |name: &str| {
            objects.iter().any(|o| {
                o.kind() == kind
                    && o.metadata().name.as_deref() == Some(name)
                    && o.metadata().namespace.as_deref().unwrap_or("default") == self.canary.namespace
            })
        };
        let mut name = self.canary.service.clone();
        while taken(&name) {
            name.push_str("-canary");
        }
        name
    }

    /// Re-splits one list of destinations. `None` when none of them is ours (or ours get
    /// nothing). Weights keep their units when the split is exact, else every weight is
    /// multiplied by 100 so the shares stay exact.
    fn split<T: RouteDest>(&self, list: &[T], ns: &str, weight: u32) -> Option<Vec<T>> {
        let n = list.len();
        let eff = |d: &T| if n == 1 { 100 } else { i64::from(d.weight().unwrap_or(0).max(0)) };
        let ours: Vec<usize> = (0..n).filter(|i| self.is_ours(list[*i].destination(), ns)).collect();
        let first = *ours.first()?;
        let h: i64 = ours.iter().map(|i| eff(&list[*i])).sum();
        if h == 0 {
            return None;
        }
        let w = i64::from(weight);
        let scale = if (h * w) % 100 == 0 { 1 } else { 100 };
        let (cw, sw) = if scale == 1 { (h * w / 100, h * (100 - w) / 100) } else { (h * w, h * (100 - w)) };
        let mut out: Vec<(T, i64)> = Vec::new();
        for (i, d) in list.iter().enumerate() {
            if i == first {
                for (subset, share) in [(&self.canary.stable.name, sw), (&self.canary.canary.name, cw)] {
                    if share > 0 {
                        let mut entry = d.clone();
                        entry.destination_mut().subset = Some(subset.clone());
                        out.push((entry, share));
                    }
                }
            } else if !ours.contains(&i) {
                out.push((d.clone(), eff(d) * scale));
            }
        }
        let single = out.len() == 1;
        Some(
            out.into_iter()
                .map(|(mut d, share)| {
                    let original = d.weight();
                    let kept_unset = original.is_none() && share == 0;
                    d.set_weight(if single || kept_unset {
                        None
                    } else {
                        Some(i32::try_from(share).unwrap_or(i32::MAX))
                    });
                    d
                })
                .collect(),
        )
    }

    fn strip_own(&self, http: &mut Vec<HttpRoute>, ns: &str) {
        http.retain(|r| !r.name.as_deref().is_some_and(|n| n == AB_SUFFIX || n.ends_with(&format!("-{AB_SUFFIX}"))));
        for r in http.iter_mut() {
            r.mirrors.retain(|m| !self.is_canary_mirror(&m.destination, ns));
        }
    }

    fn ab_rule(&self, rule: &HttpRoute, ns: &str) -> Option<HttpRoute> {
        let ab = self.canary.ab.as_ref()?;
        let (name, value) = ab.header();
        let mut copy = rule.clone();
        copy.route = self.split(&rule.route, ns, 100)?;
        copy.mirrors.clear();
        copy.name = Some(match &rule.name {
            Some(n) => format!("{n}-{AB_SUFFIX}"),
            None => AB_SUFFIX.to_owned(),
        });
        if copy.match_.is_empty() {
            copy.match_.push(HttpMatchRequest::default());
        }
        for m in &mut copy.match_ {
            m.headers.insert(name.clone(), value.clone());
            if let Some(n) = &m.name {
                m.name = Some(format!("{n}-{AB_SUFFIX}"));
            }
        }
        Some(copy)
    }

    /// The VirtualService with every route to the service re-split for `traffic`, or `None`
    /// when it does not route to the service.
    pub fn rewrite(&self, vs: &VirtualService, traffic: Traffic) -> Option<VirtualService> {
        if !self.routes_to_host(vs) && !self.serves_host_in_mesh(vs) {
            return None;
        }
        let ns = namespace_of(vs.metadata.namespace.as_ref()).to_owned();
        let mut out = vs.clone();
        out.status = None;
        let mut http = std::mem::take(&mut out.spec.http);
        self.strip_own(&mut http, &ns);
        let mut rules = Vec::with_capacity(http.len());
        for rule in http {
            let Some(route) = self.split(&rule.route, &ns, traffic.canary_weight) else {
                rules.push(rule);
                continue;
            };
            if traffic.ab
                && let Some(ab) = self.ab_rule(&rule, &ns)
            {
                rules.push(ab);
            }
            let template = rule.route.iter().find(|d| self.is_ours(&d.destination, &ns)).map(|d| d.destination.clone());
            let mut rule = HttpRoute { route, ..rule };
            if let (Some(p), Some(mut dest)) = (traffic.mirror, template)
                && rule.mirror.is_none()
            {
                dest.subset = Some(self.canary.canary.name.clone());
                rule.mirrors.push(HttpMirrorPolicy { destination: dest, percentage: Some(Percent::new(p)) });
            }
            rules.push(rule);
        }
        out.spec.http = rules;
        for rule in &mut out.spec.tcp {
            if let Some(route) = self.split(&rule.route, &ns, traffic.canary_weight) {
                rule.route = route;
            }
        }
        for rule in &mut out.spec.tls {
            if let Some(route) = self.split(&rule.route, &ns, traffic.canary_weight) {
                rule.route = route;
            }
        }
        Some(out)
    }

    /// Every VirtualService to apply for `traffic`: the rewritten ones, plus a new one for
    /// the host when no VirtualService serves it inside the mesh.
    pub fn virtual_services(&self, objects: &[Object], traffic: Traffic) -> Vec<VirtualService> {
        let mut out = Vec::new();
        let mut served = false;
        for object in objects {
            if let Object::VirtualService(vs) = object {
                served |= self.serves_host_in_mesh(vs);
                out.extend(self.rewrite(vs, traffic));
            }
        }
        if !served {
            let base = VirtualService::new(
                &self.free_name(objects, "VirtualService"),
                VirtualServiceSpec {
                    hosts: vec![self.canary.service.clone()],
                    http: vec![HttpRoute {
                        route: vec![HttpRouteDestination {
                            destination: Destination { host: self.canary.service.clone(), ..Destination::default() },
                            ..HttpRouteDestination::default()
                        }],
                        ..HttpRoute::default()
                    }],
                    ..VirtualServiceSpec::default()
                },
            );
            let mut base = base;
            base.metadata.namespace = Some(self.canary.namespace.clone());
            out.extend(self.rewrite(&base, traffic));
        }
        out
    }

    /// Every DestinationRule to apply: those for the host (without a workload selector) with
    /// the two subsets set, or a new one in the service's namespace.
    pub fn destination_rules(&self, objects: &[Object], traffic: Traffic) -> Vec<DestinationRule> {
        let stable_labels =
            if traffic.promoted { &self.canary.canary.labels } else { &self.canary.stable.labels }.clone();
        let wanted =
            [(&self.canary.stable.name, stable_labels), (&self.canary.canary.name, self.canary.canary.labels.clone())];
        let mut out: Vec<DestinationRule> = objects
            .iter()
            .filter_map(|o| match o {
                Object::DestinationRule(dr)
                    if dr.spec.workload_selector.is_none()
                        && self.is_host(&dr.spec.host, namespace_of(dr.metadata.namespace.as_ref())) =>
                {
                    Some((**dr).clone())
                }
                _ => None,
            })
            .collect();
        if out.is_empty() {
            let mut dr = DestinationRule::new(
                &self.free_name(objects, "DestinationRule"),
                DestinationRuleSpec { host: self.canary.service.clone(), ..DestinationRuleSpec::default() },
            );
            dr.metadata.namespace = Some(self.canary.namespace.clone());
            out.push(dr);
        }
        for dr in &mut out {
            dr.status = None;
            for (name, labels) in &wanted {
                match dr.spec.subsets.iter_mut().find(|s| &s.name == *name) {
                    Some(s) => s.labels = labels.clone(),
                    None => dr.spec.subsets.push(Subset {
                        name: (*name).clone(),
                        labels: labels.clone(),
                        ..Subset::default()
                    }),
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::Canary;

    fn canary() -> Canary {
        Canary::builder("reviews.shop")
            .stable("v1", [("version", "v1")])
            .canary("v2", [("version", "v2")])
            .steps([10, 50])
            .ab_header("x-canary", mesh_api::StringMatch::exact("1"))
            .build()
            .unwrap()
    }

    fn load(yaml: &str) -> Vec<Object> {
        mesh_api::load_str(yaml).objects().cloned().collect()
    }

    fn traffic(w: u32) -> Traffic {
        Traffic { canary_weight: w, mirror: None, ab: false, promoted: false }
    }

    #[test]
    fn other_destinations_keep_their_weight() {
        let objects = load(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - {destination: {host: reviews, subset: v1}, weight: 60}\n    - {destination: {host: legacy}, weight: 40}\n",
        );
        let c = canary();
        let vs = Emitter::new(&c).virtual_services(&objects, traffic(50));
        let w: Vec<_> = vs[0].spec.http[0]
            .route
            .iter()
            .map(|d| (d.destination.host.as_str(), d.destination.subset.as_deref(), d.weight))
            .collect();
        assert_eq!(
            w,
            [("reviews", Some("v1"), Some(30)), ("reviews", Some("v2"), Some(30)), ("legacy", None, Some(40))]
        );
    }

    #[test]
    fn inexact_splits_scale_every_weight() {
        let objects = load(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - {destination: {host: reviews}, weight: 1}\n    - {destination: {host: legacy}, weight: 1}\n",
        );
        let c = canary();
        let vs = Emitter::new(&c).virtual_services(&objects, traffic(10));
        let w: Vec<_> = vs[0].spec.http[0].route.iter().map(|d| d.weight).collect();
        assert_eq!(w, [Some(90), Some(10), Some(100)]);
    }

    #[test]
    fn ab_rule_is_inserted_once_and_replaced_on_the_next_step() {
        let objects = load(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route: [{destination: {host: reviews}}]\n",
        );
        let c = canary();
        let e = Emitter::new(&c);
        let t = Traffic { ab: true, ..traffic(10) };
        let first = e.virtual_services(&objects, t);
        assert_eq!(first[0].spec.http.len(), 2);
        let again = e.virtual_services(&[first[0].clone().into()], Traffic { canary_weight: 50, ..t });
        assert_eq!(again[0].spec.http.len(), 2);
        assert_eq!(again[0].spec.http[1].route[1].weight, Some(50));
    }

    #[test]
    fn a_new_virtual_service_does_not_replace_one_of_the_same_name() {
        let objects = load(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews.example.com]\n  gateways: [edge]\n  http:\n  - route: [{destination: {host: other}}]\n",
        );
        let c = canary();
        let vs = Emitter::new(&c).virtual_services(&objects, traffic(10));
        assert_eq!(vs.len(), 1);
        assert_eq!(vs[0].metadata.name.as_deref(), Some("reviews-canary"));
    }

    #[test]
    fn missing_objects_are_created_in_the_service_namespace() {
        let c = canary();
        let e = Emitter::new(&c);
        let vs = e.virtual_services(&[], traffic(10));
        let dr = e.destination_rules(&[], traffic(10));
        assert_eq!((vs.len(), dr.len()), (1, 1));
        assert_eq!(vs[0].metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(dr[0].spec.subsets.len(), 2);
    }
}
