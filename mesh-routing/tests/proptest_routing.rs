//! Properties of weighted splits and compilation: shares sum to 100 and follow the weights
//! (routing.md D1, D2), a pinned draw walks the cumulative weights in list order, and the
//! order objects are given in never changes a decision.

mod common;

use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
use proptest::prelude::*;

/// A Service `reviews`, a DestinationRule with subsets `v0`..`v5`, and a VirtualService
/// splitting between the subsets with the given weights (`None` = no weight field).
fn split_mesh(weights: &[Option<u32>]) -> Mesh {
    let mut yaml = common::svc("reviews", "default", 9080);
    yaml.push_str(
        "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: default}\nspec:\n  host: reviews\n  subsets:\n",
    );
    for i in 0..6 {
        yaml.push_str(&format!("  - {{name: v{i}, labels: {{version: v{i}}}}}\n"));
    }
    yaml.push_str("---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n");
    for (i, w) in weights.iter().enumerate() {
        match w {
            Some(w) => yaml.push_str(&format!("    - {{destination: {{host: reviews, subset: v{i}}}, weight: {w}}}\n")),
            None => yaml.push_str(&format!("    - {{destination: {{host: reviews, subset: v{i}}}}}\n")),
        }
    }
    common::mesh(&yaml)
}

/// Weights for one to six destinations; with several, at least one is positive (Istio
/// refuses a total of zero).
fn weights() -> impl Strategy<Value = Vec<Option<u32>>> {
    prop::collection::vec(prop_oneof![1 => Just(None), 1 => Just(Some(0)), 6 => (1u32..1000).prop_map(Some)], 1..=6)
        .prop_filter("a split needs a positive total", |w| w.len() == 1 || w.iter().flatten().any(|w| *w > 0))
}

/// The share each subset should get, in list order: one destination takes everything,
/// otherwise weight over total, missing or zero weights dropped.
fn expected_shares(weights: &[Option<u32>]) -> Vec<(String, f64)> {
    if weights.len() == 1 {
        return vec![("v0".to_owned(), 100.0)];
    }
    let total: f64 = weights.iter().flatten().map(|w| f64::from(*w)).sum();
    weights
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.filter(|w| *w > 0).map(|w| (format!("v{i}"), f64::from(w) * 100.0 / total)))
        .collect()
}

proptest! {
    #[test]
    fn shares_sum_to_100_and_match_the_weights(weights in weights()) {
        let mesh = split_mesh(&weights);
        let decision = mesh.route(&Request::http("reviews").port(9080));
        prop_assert_eq!(decision.outcome(), Outcome::Route);
        let shares: Vec<(String, f64)> = decision
            .destinations()
            .filter(|d| d.weight > 0.0)
            .map(|d| (d.subset.unwrap_or("").to_owned(), d.weight))
            .collect();
        let sum: f64 = shares.iter().map(|(_, s)| s).sum();
        prop_assert!((sum - 100.0).abs() < 1e-9, "shares sum to {sum}: {shares:?}");
        let expected = expected_shares(&weights);
        prop_assert_eq!(shares.len(), expected.len(), "{:?} vs {:?}", shares, expected);
        for ((subset, share), (want_subset, want)) in shares.iter().zip(&expected) {
            prop_assert_eq!(subset, want_subset);
            prop_assert!((share - want).abs() < 1e-9, "{subset}: {share} vs {want}");
        }
    }

    #[test]
    fn a_pinned_draw_walks_the_cumulative_weights(weights in weights(), draw in 0.0f64..100.0) {
        let expected = expected_shares(&weights);
        // Away from the boundaries, where rounding of the shares cannot matter.
        let mut cumulative = 0.0;
        let mut want = None;
        for (subset, share) in &expected {
            prop_assume!((draw - cumulative).abs() > 1e-6 || cumulative == 0.0);
            cumulative += share;
            if want.is_none() && draw < cumulative {
                want = Some(subset.clone());
            }
        }
        let want = want.unwrap_or_else(|| expected.last().map(|(s, _)| s.clone()).unwrap_or_default());
        let mesh = split_mesh(&weights);
        let decision = mesh.route(&Request::http("reviews").port(9080).random(draw));
        let taken = decision.destination().and_then(|d| d.subset.map(str::to_owned));
        prop_assert_eq!(taken, Some(want));
    }

    #[test]
    fn the_ends_of_the_draw_range_pick_the_first_and_last_weighted_destinations(weights in weights()) {
        let expected = expected_shares(&weights);
        let mesh = split_mesh(&weights);
        let first = mesh.route(&Request::http("reviews").port(9080).random(0.0));
        prop_assert_eq!(first.destination().and_then(|d| d.subset), Some(expected[0].0.as_str()));
        let last = mesh.route(&Request::http("reviews").port(9080).random(99.999_999));
        prop_assert_eq!(last.destination().and_then(|d| d.subset), expected.last().map(|(s, _)| s.as_str()));
    }
}

/// Hosts, namespaces and subsets the order-independence property draws from.
const HOSTS: [&str; 4] = ["reviews", "ratings", "reviews.default.svc.cluster.local", "*.example.com"];
const NAMESPACES: [&str; 2] = ["default", "shop"];

/// One generated VirtualService: its namespace, hosts, gateways and rules, each rule an
/// optional URI prefix or header match and weighted destinations.
type VsSpec = (usize, Vec<usize>, bool, Vec<(Option<u8>, Option<u8>, Vec<(usize, u8, u32)>)>);

fn vs_spec() -> impl Strategy<Value = VsSpec> {
    (
        0..NAMESPACES.len(),
        prop::collection::vec(0..HOSTS.len(), 1..3),
        any::<bool>(),
        prop::collection::vec(
            (
                prop::option::of(0u8..3),
                prop::option::of(0u8..2),
                prop::collection::vec((0..HOSTS.len(), 0u8..3, 0u32..100), 1..4),
            ),
            1..4,
        ),
    )
}

fn objects_yaml(vss: &[VsSpec], drs: &[(usize, usize)]) -> String {
    let mut yaml = String::new();
    for (i, host) in ["reviews", "ratings"].iter().enumerate() {
        for ns in NAMESPACES {
            yaml.push_str(&common::svc(host, ns, 9080 + i as u32));
        }
    }
    yaml.push_str("---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ingress, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]\n");
    for (i, (ns, host)) in drs.iter().enumerate() {
        yaml.push_str(&format!(
            "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: dr{i}, namespace: {}}}\nspec:\n  host: '{}'\n  subsets: [{{name: v0, labels: {{version: v0}}}}, {{name: v1, labels: {{version: v1}}}}, {{name: v2, labels: {{version: v2}}}}]\n",
            NAMESPACES[*ns], HOSTS[*host]
        ));
    }
    for (i, (ns, hosts, at_gateway, rules)) in vss.iter().enumerate() {
        let hosts: Vec<String> = hosts.iter().map(|h| format!("'{}'", HOSTS[*h])).collect();
        yaml.push_str(&format!(
            "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs{i}, namespace: {}}}\nspec:\n  hosts: [{}]\n",
            NAMESPACES[*ns],
            hosts.join(", ")
        ));
        if *at_gateway {
            yaml.push_str("  gateways: [default/ingress, mesh]\n");
        }
        yaml.push_str("  http:\n");
        for (uri, header, route) in rules {
            yaml.push_str("  - ");
            match (uri, header) {
                (None, None) => {}
                (uri, header) => {
                    yaml.push_str("match: [{");
                    if let Some(u) = uri {
                        yaml.push_str(&format!("uri: {{prefix: /p{u}}}, "));
                    }
                    if let Some(h) = header {
                        yaml.push_str(&format!("headers: {{user: {{exact: u{h}}}}}"));
                    }
                    yaml.push_str("}]\n    ");
                }
            }
            yaml.push_str("route:\n");
            for (host, subset, weight) in route {
                yaml.push_str(&format!(
                    "    - {{destination: {{host: '{}', subset: v{subset}}}, weight: {weight}}}\n",
                    HOSTS[*host].trim_start_matches("*.")
                ));
            }
        }
    }
    yaml
}

/// Requests over every host, path and header the generated rules mention, from both
/// namespaces and through the gateway.
fn requests() -> Vec<Request> {
    let mut out = Vec::new();
    for host in ["reviews", "ratings", "reviews.default.svc.cluster.local", "api.example.com", "reviews.shop"] {
        for path in ["/", "/p0/x", "/p1", "/p2"] {
            for user in [None, Some("u0"), Some("u1")] {
                for ns in NAMESPACES {
                    for draw in [0.0, 37.5, 99.9] {
                        let mut r = Request::http(host).port(9080).path(path).source_namespace(ns).random(draw);
                        if let Some(u) = user {
                            r = r.header("user", u);
                        }
                        out.push(r);
                    }
                }
                out.push(Request::http(host).port(80).path(path).gateway("default/ingress"));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn compiling_objects_in_any_order_gives_the_same_decisions(
        vss in prop::collection::vec(vs_spec(), 1..5),
        drs in prop::collection::vec((0..NAMESPACES.len(), 0..HOSTS.len()), 0..3),
        seed in any::<u64>(),
    ) {
        let loaded = mesh_api::load_str(&objects_yaml(&vss, &drs));
        prop_assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<_> = loaded.objects().cloned().collect();
        // A fixed permutation derived from the seed (Fisher-Yates with a small LCG).
        let mut shuffled = objects.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let settings = MeshSettings::default();
        let (a, b) = (Mesh::compile(&objects, &settings), Mesh::compile(&shuffled, &settings));
        for request in requests() {
            prop_assert_eq!(a.route(&request).view(), b.route(&request).view(), "{:?}", request);
        }
    }
}
