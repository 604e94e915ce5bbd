//! Checks istioctl does not make, read from the compiled routing table ([`crate::Mesh`]),
//! with mesh's own codes:
//!
//! | code | name | level | finding |
//! |---|---|---|---|
//! | `MESH0001` | `ShadowedRouteRule` | Warning | an HTTP rule no request reaches: for each of its matches an earlier rule of the same VirtualService has a match that takes every request it would take (a shorter prefix, fewer conditions). Exact duplicates and rules after a catch-all are IST0130 and IST0131 already, so they are left out here. |
//! | `MESH0002` | `ZeroShareDestination` | Warning | a route destination with a weight of 0 (among others with weight) in every rule of the VirtualService that names it: it never receives traffic. |
//! | `MESH0003` | `DestinationWithoutEndpoints` | Warning | a route goes to a Kubernetes Service that no given Pod or Deployment template is selected by (only when some workloads are given). |
//! | `MESH0004` | `CanaryNotACanary` | Warning | a rule splits traffic between subsets of one host that select the same workloads: the split changes nothing. |
//! | `MESH0005` | `HostNeverRouted` | Warning | a VirtualService claims a host that no proxy ever sends to it: bound to `mesh` with a host no Service or ServiceEntry has and TCP or TLS rules only (sidecars route such hosts only as HTTP on port 80, routing.md S6), or that no given workload's sidecar sees (its `exportTo` or their Sidecar resources leave it out), or bound only to Gateways none of whose servers accepts the host (the mesh-wide form of IST0132). |

use std::collections::BTreeSet;

use mesh_api::{Level, Object};

use super::{Context, Message, MessageLevel};
use crate::compile::registry::{ServiceOrigin, Workload};
use crate::compile::virtual_service::{CompiledVs, HttpMatch};
use crate::matchers::headers::HeaderMatcher;
use crate::matchers::host::HostPattern;
use crate::matchers::source::labels_subset;
use crate::matchers::string::StringMatcher;
use crate::{Mesh, MeshSettings};

/// Whether every value `later` accepts, `earlier` accepts too (`None` accepts everything).
fn string_covers(earlier: Option<&StringMatcher>, later: Option<&StringMatcher>) -> bool {
    let Some(earlier) = earlier else { return true };
    if earlier.is_catch_all_path() && matches!(earlier, StringMatcher::Any | StringMatcher::Regex(_)) {
        return true;
    }
    let Some(later) = later else { return false };
    match (earlier, later) {
        (StringMatcher::Any, _) => true,
        (StringMatcher::Exact { value: a, ignore_case: ia }, StringMatcher::Exact { value: b, ignore_case: ib }) => {
            a == b && (ia == ib || *ia)
        }
        (
            StringMatcher::Prefix { value: a, ignore_case: false },
            StringMatcher::Prefix { value: b, ignore_case: false }
            | StringMatcher::Exact { value: b, ignore_case: false },
        ) => b.starts_with(a.as_str()),
        (
            StringMatcher::Prefix { value: a, ignore_case: true },
            StringMatcher::Prefix { value: b, .. } | StringMatcher::Exact { value: b, .. },
        ) => b.len() >= a.len() && b.is_char_boundary(a.len()) && b[..a.len()].eq_ignore_ascii_case(a),
        (StringMatcher::Regex(a), StringMatcher::Regex(b)) => a.as_str() == b.as_str(),
        (StringMatcher::Regex(a), StringMatcher::Exact { value: b, ignore_case: false }) => a.is_match(b),
        _ => false,
    }
}

/// Whether each condition of `earlier` is implied by one of `later` on the same name.
fn conditions_cover(earlier: &[HeaderMatcher], later: &[HeaderMatcher]) -> bool {
    earlier.iter().all(|e| {
        later.iter().any(|l| {
            l.name == e.name
                && match (&e.value, &l.value) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => string_covers(Some(a), Some(b)),
                }
        })
    })
}

/// Whether every request `later` matches, `earlier` matches too.
fn match_covers(earlier: &HttpMatch, later: &HttpMatch) -> bool {
    let uri = earlier.uri.as_ref().is_none_or(StringMatcher::is_catch_all_path)
        || string_covers(earlier.uri.as_ref(), later.uri.as_ref());
    uri && string_covers(earlier.scheme.as_ref(), later.scheme.as_ref())
        && string_covers(earlier.method.as_ref(), later.method.as_ref())
        && string_covers(earlier.authority.as_ref(), later.authority.as_ref())
        && conditions_cover(&earlier.headers, &later.headers)
        && earlier.without_headers.iter().all(|e| {
            later.without_headers.iter().any(|l| l.name == e.name && string_covers(l.value.as_ref(), e.value.as_ref()))
        })
        && conditions_cover(&earlier.query, &later.query)
        && earlier.port.0.is_none_or(|p| later.port.0 == Some(p))
        && labels_subset(&earlier.source.labels, &later.source.labels)
        && earlier.source.namespace.as_ref().is_none_or(|n| later.source.namespace.as_ref() == Some(n))
        && (earlier.source.gateways.is_empty()
            || (!later.source.gateways.is_empty()
                && later.source.gateways.iter().all(|g| earlier.source.gateways.contains(g))))
}

/// The object a compiled VirtualService came from.
fn vs_object<'a>(objects: &'a [Object], vs: &CompiledVs) -> Option<&'a Object> {
    objects.iter().rev().find(|o| {
        matches!(o, Object::VirtualService(_))
            && o.name() == Some(vs.name.as_str())
            && o.namespace().filter(|n| !n.is_empty()).unwrap_or("default") == vs.namespace
    })
}

/// Paths of the HTTP rules (IST0130) and matches (IST0131) Istio's validation already calls unused.
fn reported_unused(object: &Object) -> BTreeSet<String> {
    object
        .validate()
        .into_iter()
        .filter(|p| p.level == Level::Warning && p.message.contains("is never used"))
        .map(|p| p.path.to_string())
        .collect()
}

/// MESH0001.
fn shadowed_rules(mesh: &Mesh, objects: &[Object], out: &mut Vec<Message>) {
    for vs in &mesh.virtual_services {
        let Some(object) = vs_object(objects, vs) else { continue };
        let already = reported_unused(object);
        for (i, rule) in vs.http.iter().enumerate() {
            if rule.matches.is_empty() || i == 0 {
                continue;
            }
            let path = format!("spec.http[{}]", rule.index);
            let matches_reported = (0..rule.matches.len()).all(|j| already.contains(&format!("{path}.match[{j}]")));
            if already.contains(&path) || matches_reported {
                continue;
            }
            let earlier = &vs.http[..i];
            if earlier.iter().any(|r| r.matches.is_empty()) {
                continue;
            }
            let shadows: Vec<usize> = rule
                .matches
                .iter()
                .filter_map(|m| earlier.iter().find(|r| r.matches.iter().any(|e| match_covers(e, m))).map(|r| r.index))
                .collect();
            if shadows.len() == rule.matches.len() {
                let mut by: Vec<String> = shadows.iter().map(|r| format!("#{r}")).collect();
                by.dedup();
                out.push(Message::new(
                    "MESH0001",
                    "ShadowedRouteRule",
                    MessageLevel::Warning,
                    object,
                    Some(path),
                    format!(
                        "HTTP rule #{} is never reached: every request it matches is taken first by rule {}.",
                        rule.index,
                        by.join(", ")
                    ),
                ));
            }
        }
    }
}

/// MESH0002. The compiled table drops destinations without a share (routing.md D2), so this
/// reads the VirtualServices as written.
fn zero_share_destinations(objects: &[Object], out: &mut Vec<Message>) {
    for (object, vs) in super::virtual_services(objects) {
        let spec = &vs.spec;
        // (host, subset, receives traffic somewhere, path of its first zero-weight entry).
        let mut named: Vec<(&str, Option<&str>, bool, String)> = Vec::new();
        let lists =
            spec.http
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (format!("spec.http[{i}]"), r.route.iter().map(|d| (&d.destination, d.weight)).collect::<Vec<_>>())
                })
                .chain(spec.tls.iter().enumerate().map(|(i, r)| {
                    (format!("spec.tls[{i}]"), r.route.iter().map(|d| (&d.destination, d.weight)).collect())
                }))
                .chain(spec.tcp.iter().enumerate().map(|(i, r)| {
                    (format!("spec.tcp[{i}]"), r.route.iter().map(|d| (&d.destination, d.weight)).collect())
                }));
        for (rule, route) in lists {
            let total: i64 = route.iter().map(|(_, w)| i64::from(w.unwrap_or(0).max(0))).sum();
            for (j, (d, weight)) in route.iter().enumerate() {
                let receives = route.len() == 1 || total == 0 || weight.unwrap_or(0) > 0;
                let key = (d.host.as_str(), d.subset.as_deref());
                match named.iter_mut().find(|(h, s, _, _)| (*h, *s) == key) {
                    Some(entry) => entry.2 |= receives,
                    None => named.push((key.0, key.1, receives, format!("{rule}.route[{j}]"))),
                }
            }
        }
        for (host, subset, _, path) in named.into_iter().filter(|n| !n.2) {
            let what = subset.map_or_else(|| host.to_owned(), |s| format!("{host} subset {s}"));
            out.push(Message::new(
                "MESH0002",
                "ZeroShareDestination",
                MessageLevel::Warning,
                object,
                Some(format!("{path}.weight")),
                format!("Destination {what} has a weight of 0 in every rule that names it and never receives traffic."),
            ));
        }
    }
}

/// The workloads a Kubernetes Service selects, with extra subset labels.
fn selected<'a>(
    workloads: &'a [Workload],
    namespace: &str,
    selector: &[(String, String)],
    subset: &[(String, String)],
) -> Vec<&'a Workload> {
    workloads
        .iter()
        .filter(|w| w.namespace == namespace && labels_subset(selector, &w.labels) && labels_subset(subset, &w.labels))
        .collect()
}

/// A subset's name and the workloads it selects.
type SubsetPods<'a> = (&'a str, Vec<&'a str>);

/// MESH0003 and MESH0004.
fn endpoints(mesh: &Mesh, objects: &[Object], out: &mut Vec<Message>) {
    if mesh.workloads.is_empty() {
        return;
    }
    for vs in &mesh.virtual_services {
        let Some(object) = vs_object(objects, vs) else { continue };
        let mut reported = BTreeSet::new();
        for rule in &vs.http {
            let path = format!("spec.http[{}]", rule.index);
            for (j, d) in rule.action.destinations.iter().enumerate() {
                let Some(service) =
                    mesh.service_index.get(&*d.host).and_then(|ids| ids.first()).map(|&i| &mesh.services[i])
                else {
                    continue;
                };
                if service.origin != ServiceOrigin::Kubernetes {
                    continue;
                }
                let Some(selector) = &service.selector else { continue };
                if selected(&mesh.workloads, &service.namespace, selector, &[]).is_empty()
                    && reported.insert(d.host.clone())
                {
                    out.push(Message::new(
                        "MESH0003",
                        "DestinationWithoutEndpoints",
                        MessageLevel::Warning,
                        object,
                        Some(format!("{path}.route[{j}].destination.host")),
                        format!(
                            "Destination host {} is a Service that selects no Pod or Deployment among those given: requests to it fail with 503 UH (no healthy upstream).",
                            d.host
                        ),
                    ));
                }
            }
            // MESH0004: two or more subsets of one host, selecting the same workloads.
            let mut by_host: Vec<(&str, Vec<SubsetPods<'_>>)> = Vec::new();
            for d in rule.action.destinations.iter().filter(|d| d.share > 0.0) {
                let Some(subset) = d.subset.as_deref() else { continue };
                let Some(service) =
                    mesh.service_index.get(&*d.host).and_then(|ids| ids.first()).map(|&i| &mesh.services[i])
                else {
                    continue;
                };
                let Some(selector) = &service.selector else { continue };
                let labels: Option<Vec<(String, String)>> = mesh
                    .destination_rules
                    .iter()
                    .filter(|dr| dr.host.matches(&d.host) && dr.selector.is_none())
                    .flat_map(|dr| dr.subsets.iter())
                    .find(|s| s.name == subset)
                    .map(|s| s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
                let Some(labels) = labels else { continue };
                let pods: Vec<&str> = selected(&mesh.workloads, &service.namespace, selector, &labels)
                    .into_iter()
                    .map(|w| w.name.as_str())
                    .collect();
                match by_host.iter_mut().find(|(h, _)| *h == &*d.host) {
                    Some((_, subsets)) => subsets.push((subset, pods)),
                    None => by_host.push((&d.host, vec![(subset, pods)])),
                }
            }
            for (host, subsets) in by_host {
                for (a, (first, pods)) in subsets.iter().enumerate() {
                    let same: Vec<&str> = subsets[a + 1..]
                        .iter()
                        .filter(|(other, p)| other != first && !pods.is_empty() && p == pods)
                        .map(|(other, _)| *other)
                        .collect();
                    if let Some(other) = same.first() {
                        out.push(Message::new(
                            "MESH0004",
                            "CanaryNotACanary",
                            MessageLevel::Warning,
                            object,
                            Some(format!("{path}.route")),
                            format!(
                                "Subsets {first} and {other} of {host} select the same workloads [{}]: splitting traffic between them changes nothing.",
                                pods.join(" ")
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// MESH0005.
fn hosts_never_routed(mesh: &Mesh, objects: &[Object], out: &mut Vec<Message>) {
    for vs in &mesh.virtual_services {
        if vs.is_delegate {
            continue;
        }
        let Some(object) = vs_object(objects, vs) else { continue };
        for (i, host) in vs.hosts.iter().enumerate() {
            let path = Some(format!("spec.hosts[{i}]"));
            let mesh_bound = vs.binds("mesh");
            let in_registry =
                mesh.services.iter().any(|s| s.pattern.intersects(host) || s.aliases.iter().any(|a| host.matches(a)));
            let accepted_by_gateway = vs.gateways.iter().filter(|g| *g != "mesh").any(|g| {
                mesh.gateways.iter().filter(|gw| gw.key == *g).any(|gw| {
                    gw.servers.iter().flat_map(|s| &s.hosts).any(|h| {
                        h.host.intersects(host) && h.namespace.as_deref().is_none_or(|n| n == "*" || n == vs.namespace)
                    })
                })
            });
            let gateways_known =
                vs.gateways.iter().filter(|g| *g != "mesh").all(|g| mesh.gateways.iter().any(|gw| gw.key == *g));
            // Some workload's sidecar sees the VirtualService for this host: it is exported to
            // the workload's namespace and the workload's Sidecar resource imports the host.
            let ports: Vec<u32> = mesh
                .services
                .iter()
                .filter(|s| s.pattern.intersects(host))
                .flat_map(|s| s.ports.iter().map(|p| p.number))
                .collect();
            let seen_by_a_sidecar = mesh.workloads.is_empty()
                || mesh.workloads.iter().any(|w| {
                    vs.export_to.visible_to(&w.namespace)
                        && mesh.sidecar_for(&w.namespace, &w.labels).is_none_or(|sc| {
                            ports
                                .iter()
                                .chain(ports.is_empty().then_some(&80))
                                .any(|&p| sc.imports(&vs.namespace, host, p))
                        })
                });
            let why = if !mesh_bound {
                (gateways_known && !accepted_by_gateway).then_some("no server of its gateways accepts this host")
            } else if accepted_by_gateway || matches!(host, HostPattern::Any) {
                None
            } else if !in_registry && vs.http.is_empty() {
                // Sidecars route hosts outside the registry on port 80, for HTTP only (S6).
                Some("no Service or ServiceEntry has this host, and sidecars route other hosts only as HTTP on port 80")
            } else if !in_registry {
                None
            } else if !seen_by_a_sidecar {
                Some("no workload given sees it, as its exportTo and their Sidecar resources leave it out")
            } else {
                None
            };
            if let Some(why) = why {
                out.push(Message::new(
                    "MESH0005",
                    "HostNeverRouted",
                    MessageLevel::Warning,
                    object,
                    path,
                    format!("Host {} of this VirtualService never receives traffic: {why}.", host_text(host)),
                ));
            }
        }
    }
}

/// A host pattern as written.
fn host_text(host: &HostPattern) -> String {
    match host {
        HostPattern::Any => "*".to_owned(),
        HostPattern::Suffix(s) => format!("*{s}"),
        HostPattern::Exact(h) => h.clone(),
    }
}

/// Runs every `MESH*` check over a context (compiling it with default settings).
///
/// The stand-in ingress Pod that [`super::default_resources`] adds is left out: it is no
/// workload of the user's, and would make "some workloads are given" true for every input.
pub fn beyond_istio(context: &Context<'_>) -> Vec<Message> {
    let objects: Vec<Object> = context
        .objects
        .iter()
        .filter(|o| {
            !(matches!(o, Object::Pod(_))
                && o.namespace() == Some("istio-system")
                && o.name().is_some_and(|n| n.ends_with("-dummypod")))
        })
        .cloned()
        .collect();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    let mut out = Vec::new();
    shadowed_rules(&mesh, context.objects, &mut out);
    zero_share_destinations(context.objects, &mut out);
    endpoints(&mesh, context.objects, &mut out);
    hosts_never_routed(&mesh, context.objects, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::tests::objects;

    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}]}\n---\n";
    const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: default, labels: {app: web, version: v1}}\nspec: {containers: [{name: web}]}\n---\n";

    fn run(yaml: &str) -> Vec<Message> {
        beyond_istio(&Context::new(&objects(yaml)))
    }

    fn codes(m: &[Message]) -> Vec<&str> {
        m.iter().map(|m| m.code).collect()
    }

    fn vs(http: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: web, namespace: default}}\nspec:\n  hosts: [web]\n  http:\n{http}"
        )
    }

    #[test]
    fn a_rule_behind_a_shorter_prefix_is_shadowed() {
        let m = run(&format!(
            "{SERVICE}{}",
            vs(
                "  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: web}}]\n  - match: [{uri: {prefix: /api/v2}}, {uri: {exact: /api}}]\n    route: [{destination: {host: web}}]\n  - route: [{destination: {host: web}}]\n"
            )
        ));
        assert_eq!(codes(&m), ["MESH0001"]);
        assert_eq!(m[0].path.as_deref(), Some("spec.http[1]"));
        assert_eq!(m[0].message, "HTTP rule #1 is never reached: every request it matches is taken first by rule #0.");
    }

    #[test]
    fn a_rule_with_more_conditions_behind_fewer_is_shadowed_but_not_the_reverse() {
        let shadowed = run(&format!(
            "{SERVICE}{}",
            vs(
                "  - match: [{headers: {x: {exact: a}}}]\n    route: [{destination: {host: web}}]\n  - match: [{headers: {x: {exact: a}}, uri: {prefix: /b}}]\n    route: [{destination: {host: web}}]\n"
            )
        ));
        assert_eq!(codes(&shadowed), ["MESH0001"]);
        let reachable = run(&format!(
            "{SERVICE}{}",
            vs(
                "  - match: [{headers: {x: {exact: a}}, uri: {prefix: /b}}]\n    route: [{destination: {host: web}}]\n  - match: [{headers: {x: {exact: a}}}]\n    route: [{destination: {host: web}}]\n"
            )
        ));
        assert!(reachable.is_empty(), "{reachable:?}");
    }

    #[test]
    fn exact_duplicates_are_left_to_ist0130() {
        let m = run(&format!(
            "{SERVICE}{}",
            vs(
                "  - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: web}}]\n  - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: web}}]\n"
            )
        ));
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn prefix_overlaps_istio_reports_are_left_to_ist0131() {
        let m = run(&format!(
            "{SERVICE}{}",
            vs(
                "  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: web}}]\n  - match: [{uri: {prefix: /api/v2}}]\n    route: [{destination: {host: web}}]\n"
            )
        ));
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn a_destination_with_zero_weight_everywhere_gets_no_traffic() {
        let dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: default}\nspec: {host: web, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}\n---\n";
        let m = run(&format!(
            "{SERVICE}{dr}{}",
            vs(
                "  - route: [{destination: {host: web, subset: v1}, weight: 100}, {destination: {host: web, subset: v2}, weight: 0}]\n"
            )
        ));
        assert_eq!(codes(&m), ["MESH0002"]);
        assert_eq!(m[0].path.as_deref(), Some("spec.http[0].route[1].weight"));
        assert_eq!(
            m[0].message,
            "Destination web subset v2 has a weight of 0 in every rule that names it and never receives traffic."
        );
    }

    #[test]
    fn a_service_without_workloads_has_no_endpoints() {
        let other = "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: default, labels: {app: other}}\nspec: {containers: [{name: x}]}\n---\n";
        let m = run(&format!("{SERVICE}{other}{}", vs("  - route: [{destination: {host: web}}]\n")));
        assert_eq!(codes(&m), ["MESH0003"]);
        assert!(run(&format!("{SERVICE}{PODS}{}", vs("  - route: [{destination: {host: web}}]\n"))).is_empty());
        // No workloads given at all: nothing is known, nothing is said.
        assert!(run(&format!("{SERVICE}{}", vs("  - route: [{destination: {host: web}}]\n"))).is_empty());
    }

    #[test]
    fn subsets_selecting_the_same_pods_are_not_a_canary() {
        let dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: default}\nspec: {host: web, subsets: [{name: stable, labels: {app: web}}, {name: canary, labels: {version: v1}}]}\n---\n";
        let m = run(&format!(
            "{SERVICE}{PODS}{dr}{}",
            vs(
                "  - route: [{destination: {host: web, subset: stable}, weight: 90}, {destination: {host: web, subset: canary}, weight: 10}]\n"
            )
        ));
        assert_eq!(codes(&m), ["MESH0004"]);
        assert_eq!(
            m[0].message,
            "Subsets stable and canary of web.default.svc.cluster.local select the same workloads [web-1]: splitting traffic between them changes nothing."
        );
    }

    #[test]
    fn a_mesh_host_without_a_service_is_never_routed_unless_http() {
        let m = run(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ghost, namespace: default}\nspec: {hosts: [ghost.example.com], tcp: [{route: [{destination: {host: ghost.example.com}}]}]}\n",
        );
        assert_eq!(codes(&m), ["MESH0005"]);
        assert_eq!(m[0].path.as_deref(), Some("spec.hosts[0]"));
        let http = run(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ghost, namespace: default}\nspec: {hosts: [ghost.example.com], http: [{route: [{destination: {host: ghost.example.com}}]}]}\n",
        );
        assert!(http.is_empty(), "{http:?}");
    }

    #[test]
    fn a_gateway_host_no_server_accepts_is_never_routed() {
        let gw = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\nspec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}]}\n---\n";
        let vs = |host: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: in, namespace: default}}\nspec: {{hosts: [{host}], gateways: [gw], http: [{{route: [{{destination: {{host: web}}}}]}}]}}\n"
            )
        };
        assert_eq!(codes(&run(&format!("{SERVICE}{gw}{}", vs("b.example.com")))), ["MESH0005"]);
        assert!(run(&format!("{SERVICE}{gw}{}", vs("a.example.com"))).is_empty());
    }

    #[test]
    fn a_host_no_sidecar_imports_is_never_routed() {
        let client = "apiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: default, labels: {app: client}}\nspec: {containers: [{name: c}]}\n---\n";
        let sidecar = |hosts: &str| {
            format!(
                "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: default, namespace: default}}\nspec: {{egress: [{{hosts: [{hosts}]}}]}}\n---\n"
            )
        };
        let routes = vs("  - route: [{destination: {host: web}}]\n");
        let hidden = run(&format!("{SERVICE}{PODS}{client}{}{routes}", sidecar("'istio-system/*'")));
        assert_eq!(codes(&hidden), ["MESH0005"]);
        assert_eq!(
            hidden[0].message,
            "Host web.default.svc.cluster.local of this VirtualService never receives traffic: no workload given sees it, as its exportTo and their Sidecar resources leave it out."
        );
        assert!(run(&format!("{SERVICE}{PODS}{client}{}{routes}", sidecar("'./*'"))).is_empty());
    }
}
