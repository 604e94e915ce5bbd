//! Canary rollouts end to end: the state machine, the objects it hands out, and what the
//! compiled mesh does with them.

use std::collections::BTreeMap;

use mesh_api::networking::Destination;
use mesh_api::{Object, StringMatch};
use mesh_routing::canary::{
    Applier, Canary, CanaryError, CanaryState, Check, Hooks, InMemoryApplier, Phase, Rollout, StaticMetrics,
    StepExpectation, verify_step,
};
use mesh_routing::{Behaviour, Mesh, MeshSettings, Request, Simulation};

const BASE: &str = "
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec: {ports: [{name: http, port: 9080}], selector: {app: ratings}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - name: admin
    match: [{uri: {prefix: /admin}}]
    route: [{destination: {host: ratings}}]
  - name: main
    timeout: 5s
    route: [{destination: {host: reviews, subset: v1}}]
";

fn load(yaml: &str) -> Vec<Object> {
    let loaded = mesh_api::load_str(yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.objects().cloned().collect()
}

fn canary() -> mesh_routing::canary::CanaryBuilder {
    Canary::builder("reviews.shop")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([10, 25, 50, 100])
        .check(Check::success_rate(99.0))
        .check(Check::latency(99.0, 500.0))
}

fn healthy() -> StaticMetrics {
    StaticMetrics::new().success_rate("v2", 99.9).latency("v2", 99.0, 120.0)
}

/// Shares per subset of the service for `request` in `objects`.
fn split(objects: &[Object], request: &Request) -> BTreeMap<String, f64> {
    let mesh = Mesh::compile(objects, &MeshSettings::default());
    let d = mesh.route(request);
    d.destinations()
        .map(|w| (format!("{}/{}", w.host.split('.').next().unwrap_or(""), w.subset.unwrap_or("-")), w.weight))
        .collect()
}

fn shares(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn reviews() -> Request {
    Request::http("reviews").port(9080).source_namespace("shop")
}

#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    confirm: bool,
}

impl Hooks for Recorder {
    fn pre_rollout(&mut self, _: &Canary) -> Result<(), String> {
        self.calls.push("pre".into());
        Ok(())
    }
    fn step(&mut self, _: &Canary, _: usize, weight: u32) -> Result<(), String> {
        self.calls.push(format!("step {weight}"));
        Ok(())
    }
    fn confirm_promotion(&mut self, _: &Canary) -> bool {
        self.calls.push("confirm".into());
        self.confirm
    }
    fn post_rollout(&mut self, _: &Canary) {
        self.calls.push("post".into());
    }
    fn rollback(&mut self, _: &Canary, reason: &str) {
        self.calls.push(format!("rollback: {reason}"));
    }
}

#[test]
fn healthy_canary_is_promoted_through_every_step() {
    let mut cluster = InMemoryApplier::new(load(BASE));
    let recorder = Recorder { confirm: true, ..Recorder::default() };
    let mut rollout = Rollout::new(canary().build().unwrap()).with_hooks(recorder);
    let mut weights = Vec::new();
    while !rollout.state().is_finished() {
        let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
        cluster.apply_transition(&t).unwrap();
        weights.push(t.weights.canary);
        if let Phase::Progressing { .. } = t.state.phase {
            let expected = f64::from(t.weights.canary);
            let got = split(cluster.objects(), &reviews());
            assert!((got.get("reviews/v2").copied().unwrap_or(0.0) - expected).abs() < 1e-9, "{got:?}");
        }
        assert!(weights.len() < 20, "rollout does not end");
    }
    // 4 steps, promoting (all to the canary), promoted (stable now selects v2).
    assert_eq!(weights, [10, 25, 50, 100, 100, 0]);
    assert_eq!(rollout.state().phase, Phase::Promoted);
    assert_eq!(split(cluster.objects(), &reviews()), shares(&[("reviews/v1", 100.0)]));
    let dr = cluster
        .objects()
        .iter()
        .find_map(|o| match o {
            Object::DestinationRule(dr) => Some(dr),
            _ => None,
        })
        .unwrap();
    let v1 = dr.spec.subsets.iter().find(|s| s.name == "v1").unwrap();
    assert_eq!(v1.labels.get("version").map(String::as_str), Some("v2"));
    assert!(dr.spec.traffic_policy.is_some(), "the user's policy is kept");
    assert!(dr.spec.subsets.iter().any(|s| s.name == "v3"), "the user's other subsets are kept");
    assert_eq!(rollout.hooks().calls, ["pre", "step 10", "step 25", "step 50", "step 100", "confirm", "post"]);
}

#[test]
fn other_rules_of_the_users_virtual_service_are_kept() {
    let objects = load(BASE);
    let mut rollout = Rollout::new(canary().build().unwrap());
    let t = rollout.advance(&objects, &healthy()).unwrap();
    let vs = &t.virtual_services[0];
    assert_eq!(vs.spec.http.len(), 2);
    assert_eq!(vs.spec.http[0].name.as_deref(), Some("admin"));
    assert_eq!(vs.spec.http[1].timeout.as_ref().map(|d| d.as_str()), Some("5s"));
    let after = {
        let mut c = InMemoryApplier::new(objects);
        c.apply_transition(&t).unwrap();
        c.objects().to_vec()
    };
    assert_eq!(split(&after, &reviews().path("/admin/x")), shares(&[("ratings/-", 100.0)]));
    assert!(t.to_yaml().unwrap().contains("weight: 10"));
}

#[test]
fn slow_canary_fails_analysis_and_rolls_back() {
    let mut cluster = InMemoryApplier::new(load(BASE));
    let mut rollout = Rollout::new(canary().failed_check_limit(2).build().unwrap()).with_hooks(Recorder::default());
    let first = rollout.advance(cluster.objects(), &healthy()).unwrap();
    cluster.apply_transition(&first).unwrap();
    let sim = Simulation::new(2_000, 3)
        .subset("v1", Behaviour::new(20.0))
        .subset("v2", Behaviour::new(20.0).added_latency_ms(3_000.0));
    let mut phases = Vec::new();
    let mut analyses = Vec::new();
    for _ in 0..3 {
        let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
        let report = sim.run(&mesh, &[reviews()]);
        let t = rollout.advance(cluster.objects(), &report).unwrap();
        cluster.apply_transition(&t).unwrap();
        phases.push(t.state.phase.clone());
        analyses.push(t.analysis.clone());
    }
    assert_eq!(phases[0], Phase::Progressing { step: 0 });
    assert!(matches!(&phases[1], Phase::RollingBack { reason } if reason.contains("p99 latency")), "{phases:?}");
    assert!(matches!(phases[2], Phase::RolledBack { .. }));
    assert_eq!(rollout.state().failed_checks, 2);
    // The first failure is counted and the step kept; the second rolls back.
    let failed = &analyses[1];
    assert!(analyses[0].iter().any(|r| !r.passed));
    assert!(failed.iter().any(|r| !r.passed && r.value.is_some_and(|v| v > 3_000.0)), "{failed:?}");
    assert_eq!(split(cluster.objects(), &reviews()), shares(&[("reviews/v1", 100.0)]));
    let calls = &rollout.hooks().calls;
    assert!(calls.iter().any(|c| c.starts_with("rollback: analysis failed")), "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("post"));
}

#[test]
fn rollout_resumes_from_persisted_state() {
    let mut cluster = InMemoryApplier::new(load(BASE));
    let spec = canary().build().unwrap();
    let mut rollout = Rollout::new(spec.clone());
    for _ in 0..2 {
        let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
        cluster.apply_transition(&t).unwrap();
    }
    assert_eq!(rollout.state().phase, Phase::Progressing { step: 1 });
    // A controller stores both and restarts.
    let stored_state = serde_json::to_string(rollout.state()).unwrap();
    let stored_canary = serde_json::to_string(&spec).unwrap();
    drop(rollout);
    let state: CanaryState = serde_json::from_str(&stored_state).unwrap();
    let spec: Canary = serde_json::from_str(&stored_canary).unwrap();
    assert_eq!(
        stored_state,
        r#"{"phase":"progressing","step":1,"failedChecks":0,"passedIterations":0,"lastAnalysis":[{"check":"success rate >= 99%","value":99.9,"passed":true},{"check":"p99 latency <= 500 ms","value":120.0,"passed":true}]}"#
    );
    let mut resumed = Rollout::from_state(spec, state);
    let again = resumed.current(cluster.objects()).unwrap();
    assert_eq!(again.weights.canary, 25);
    let next = resumed.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!(next.weights.canary, 50);
    assert_eq!(next.state.phase, Phase::Progressing { step: 2 });
}

#[test]
fn ab_users_reach_the_canary_first() {
    for (c, header, value) in [
        (canary().ab_header("x-canary", StringMatch::exact("yes")), "x-canary", "yes"),
        (canary().ab_cookie("canary", "always"), "cookie", "theme=dark; canary=always"),
    ] {
        let mut cluster = InMemoryApplier::new(load(BASE));
        let mut rollout = Rollout::new(c.build().unwrap());
        let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
        assert!(t.weights.ab);
        cluster.apply_transition(&t).unwrap();
        assert_eq!(split(cluster.objects(), &reviews().header(header, value)), shares(&[("reviews/v2", 100.0)]));
        assert_eq!(split(cluster.objects(), &reviews()), shares(&[("reviews/v1", 90.0), ("reviews/v2", 10.0)]));
        // The admin rule still wins for A/B users on its paths.
        let admin = reviews().path("/admin").header(header, value);
        assert_eq!(split(cluster.objects(), &admin), shares(&[("ratings/-", 100.0)]));
        // Rolled back, the A/B rule is gone.
        let t = rollout.abort(cluster.objects(), "operator").unwrap();
        cluster.apply_transition(&t).unwrap();
        assert_eq!(t.virtual_services[0].spec.http.len(), 2);
        assert_eq!(split(cluster.objects(), &reviews().header(header, value)), shares(&[("reviews/v1", 100.0)]));
    }
}

#[test]
fn mirroring_comes_before_the_first_weight() {
    let mut cluster = InMemoryApplier::new(load(BASE));
    let mut rollout = Rollout::new(canary().mirror(50.0).build().unwrap());
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    cluster.apply_transition(&t).unwrap();
    assert_eq!((t.weights.canary, t.weights.mirror), (0, Some(50.0)));
    let mesh = Mesh::compile(cluster.objects(), &MeshSettings::default());
    let d = mesh.route(&reviews());
    let mirrors: Vec<_> = d.mirrors().map(|m| (m.subset, m.percent)).collect();
    assert_eq!(mirrors, [(Some("v2"), 50.0)]);
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!((t.weights.canary, t.weights.mirror), (10, None));
    assert!(t.virtual_services[0].spec.http[1].mirrors.is_empty());
}

#[test]
fn self_check_rejects_a_step_that_does_not_split_as_promised() {
    let c = canary().build().unwrap();
    let before = load(BASE);
    let mut rollout = Rollout::new(c.clone());
    let t = rollout.advance(&before, &healthy()).unwrap();
    let mut objects = t.objects();
    // Swap the weights: 90% would go to the canary at a 10% step.
    for o in &mut objects {
        if let Object::VirtualService(vs) = o {
            let route = &mut vs.spec.http[1].route;
            let (a, b) = (route[0].weight, route[1].weight);
            route[0].weight = b;
            route[1].weight = a;
        }
    }
    let err = verify_step(&before, &objects, &StepExpectation::new(&c, 10), &MeshSettings::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CanaryError::SelfCheck { .. }));
    assert!(text.contains("expected reviews.shop.svc.cluster.local/v1:9080 90.00%"), "{text}");
    assert!(text.contains("GET reviews.shop.svc.cluster.local/ from default port 9080"), "{text}");
    // The untouched objects pass.
    verify_step(&before, &t.objects(), &StepExpectation::new(&c, 10), &MeshSettings::default()).unwrap();
}

#[test]
fn self_check_rejects_a_mirror_step_the_users_own_mirror_blocks() {
    let yaml = BASE.replace("    timeout: 5s\n", "    timeout: 5s\n    mirror: {host: ratings}\n");
    let before = load(&yaml);
    let mut rollout = Rollout::new(canary().mirror(100.0).build().unwrap());
    let err = rollout.advance(&before, &healthy()).unwrap_err();
    assert!(err.to_string().contains("mirrored to subset v2, found none"), "{err}");
    assert_eq!(rollout.state().phase, Phase::Pending, "a failed step changes nothing");
}

#[test]
fn routes_with_more_than_two_destinations_split_only_the_services_share() {
    let yaml = BASE.replace(
        "    route: [{destination: {host: reviews, subset: v1}}]\n",
        "    route:\n    - {destination: {host: reviews, subset: v1}, weight: 40}\n    - {destination: {host: reviews, subset: v3}, weight: 20}\n    - {destination: {host: ratings}, weight: 40}\n",
    );
    let mut cluster = InMemoryApplier::new(load(&yaml));
    let mut rollout = Rollout::new(canary().build().unwrap());
    for _ in 0..3 {
        let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
        cluster.apply_transition(&t).unwrap();
    }
    assert_eq!(rollout.state().phase, Phase::Progressing { step: 2 });
    assert_eq!(
        split(cluster.objects(), &reviews()),
        shares(&[("reviews/v1", 20.0), ("reviews/v2", 20.0), ("reviews/v3", 20.0), ("ratings/-", 40.0)])
    );
}

#[test]
fn every_virtual_service_routing_to_the_host_is_rewritten() {
    let yaml = format!(
        "{BASE}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: edge}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ['*']}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: public, namespace: edge}}
spec:
  hosts: [shop.example.com]
  gateways: [gw]
  http:
  - match: [{{uri: {{prefix: /reviews}}}}]
    route: [{{destination: {{host: reviews.shop.svc.cluster.local, port: {{number: 9080}}}}}}]
  - route: [{{destination: {{host: ratings.shop.svc.cluster.local, port: {{number: 9080}}}}}}]
"
    );
    let mut cluster = InMemoryApplier::new(load(&yaml));
    let mut rollout = Rollout::new(canary().build().unwrap());
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    let names: Vec<_> = t.virtual_services.iter().map(|v| v.metadata.name.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["reviews", "public"]);
    cluster.apply_transition(&t).unwrap();
    let edge = Request::http("shop.example.com").gateway("edge/gw").path("/reviews/1");
    assert_eq!(split(cluster.objects(), &edge), shares(&[("reviews/v1", 90.0), ("reviews/v2", 10.0)]));
    let home = Request::http("shop.example.com").gateway("edge/gw");
    assert_eq!(split(cluster.objects(), &home), shares(&[("ratings/-", 100.0)]));
    let Destination { host, .. } = &t.virtual_services[1].spec.http[0].route[0].destination;
    assert_eq!(host, "reviews.shop.svc.cluster.local", "hosts are kept as the user wrote them");
}

#[test]
fn a_missing_virtual_service_and_destination_rule_are_created() {
    let objects = load(&BASE[..BASE.find("---\napiVersion: networking.istio.io/v1").unwrap_or(BASE.len())]);
    let mut cluster = InMemoryApplier::new(objects);
    let mut rollout = Rollout::new(canary().build().unwrap());
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!((t.virtual_services.len(), t.destination_rules.len()), (1, 1));
    cluster.apply_transition(&t).unwrap();
    assert_eq!(split(cluster.objects(), &reviews()), shares(&[("reviews/v1", 90.0), ("reviews/v2", 10.0)]));
}

#[test]
fn pauses_wait_for_resume_and_promote_full_skips_ahead() {
    let mut cluster = InMemoryApplier::new(load(BASE));
    let c = Canary::builder("reviews.shop")
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([20])
        .pause()
        .steps([60])
        .build()
        .unwrap();
    let mut rollout = Rollout::new(c);
    let metrics = StaticMetrics::new();
    let step = |r: &mut Rollout, c: &mut InMemoryApplier| {
        let t = r.advance(c.objects(), &metrics).unwrap();
        c.apply_transition(&t).unwrap();
        (t.state.phase, t.weights.canary)
    };
    assert_eq!(step(&mut rollout, &mut cluster), (Phase::Progressing { step: 0 }, 20));
    assert_eq!(step(&mut rollout, &mut cluster), (Phase::Paused { at: 1, resume_at: 2 }, 20));
    assert_eq!(step(&mut rollout, &mut cluster), (Phase::Paused { at: 1, resume_at: 2 }, 20));
    let t = rollout.resume(cluster.objects()).unwrap();
    assert_eq!((t.state.phase, t.weights.canary), (Phase::Progressing { step: 2 }, 60));
    assert!(matches!(rollout.resume(cluster.objects()), Err(CanaryError::Transition { action: "resume", .. })));
    let t = rollout.pause(cluster.objects()).unwrap();
    assert_eq!(t.state.phase, Phase::Paused { at: 2, resume_at: 2 });
    let t = rollout.promote_full(cluster.objects()).unwrap();
    assert_eq!((t.state.phase, t.weights.canary), (Phase::Promoting, 100));
}

#[test]
fn a_rolled_back_rollout_can_be_retried() {
    let cluster = InMemoryApplier::new(load(BASE));
    let mut rollout = Rollout::new(canary().build().unwrap());
    rollout.advance(cluster.objects(), &healthy()).unwrap();
    let t = rollout.advance(cluster.objects(), &StaticMetrics::new()).unwrap();
    assert!(matches!(t.state.phase, Phase::RollingBack { .. }), "no data fails the analysis");
    rollout.advance(cluster.objects(), &healthy()).unwrap();
    let t = rollout.retry(cluster.objects()).unwrap();
    assert_eq!((t.state.phase, t.state.failed_checks, t.weights.canary), (Phase::Progressing { step: 0 }, 0, 10));
}

#[test]
fn promotion_waits_for_confirmation() {
    let cluster = InMemoryApplier::new(load(BASE));
    let mut rollout = Rollout::new(canary().steps([]).build().unwrap()).with_hooks(Recorder::default());
    let t = rollout.promote_full(cluster.objects()).unwrap();
    assert_eq!(t.state.phase, Phase::Promoting);
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!(t.state.phase, Phase::Promoting, "{}", t.note);
    assert_eq!(rollout.hooks().calls, ["confirm"]);
}

struct FailingHooks {
    pre: bool,
    step: bool,
}

impl Hooks for FailingHooks {
    fn pre_rollout(&mut self, _: &Canary) -> Result<(), String> {
        if self.pre { Err("load test not ready".into()) } else { Ok(()) }
    }
    fn step(&mut self, _: &Canary, _: usize, weight: u32) -> Result<(), String> {
        if self.step && weight > 10 { Err("smoke test failed".into()) } else { Ok(()) }
    }
}

#[test]
fn failing_hooks_count_as_failed_checks() {
    let cluster = InMemoryApplier::new(load(BASE));
    let c = canary().failed_check_limit(2).build().unwrap();
    let mut rollout = Rollout::new(c.clone()).with_hooks(FailingHooks { pre: true, step: false });
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!((t.state.phase, t.state.failed_checks), (Phase::Pending, 1));
    assert!(t.note.contains("pre-rollout hook failed: load test not ready"), "{}", t.note);

    let mut rollout = Rollout::new(c).with_hooks(FailingHooks { pre: false, step: true });
    rollout.advance(cluster.objects(), &healthy()).unwrap();
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert_eq!((t.state.phase, t.weights.canary), (Phase::Progressing { step: 0 }, 10), "stays at 10%");
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    assert!(matches!(&t.state.phase, Phase::RollingBack { reason } if reason.contains("smoke test failed")));
    assert_eq!(t.weights.canary, 0);
}

#[test]
fn each_step_needs_its_iterations_of_passing_analysis() {
    let cluster = InMemoryApplier::new(load(BASE));
    let mut rollout = Rollout::new(canary().iterations(3).build().unwrap());
    let weights: Vec<u32> =
        (0..5).map(|_| rollout.advance(cluster.objects(), &healthy()).unwrap().weights.canary).collect();
    assert_eq!(weights, [10, 10, 10, 25, 25]);
}

#[test]
fn transitions_write_yaml_destination_rules_first() {
    let mut rollout = Rollout::new(canary().build().unwrap());
    let yaml = rollout.advance(&load(BASE), &healthy()).unwrap().to_yaml().unwrap();
    let reread = load(&yaml);
    let kinds: Vec<&str> = reread.iter().map(Object::kind).collect();
    assert_eq!(kinds, ["DestinationRule", "VirtualService"]);
    assert!(yaml.contains("apiVersion: networking.istio.io/v1\nkind: DestinationRule"), "{yaml}");
}

#[test]
fn delegate_virtual_services_are_rewritten_too() {
    let yaml = format!(
        "{}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: root, namespace: shop}}
spec:
  hosts: [reviews]
  http:
  - match: [{{uri: {{prefix: /}}}}]
    delegate: {{name: reviews-routes, namespace: shop}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: reviews-routes, namespace: shop}}
spec:
  http:
  - route: [{{destination: {{host: reviews, subset: v1}}}}]
",
        &BASE[..BASE.find("---\napiVersion: networking.istio.io/v1\nkind: VirtualService").unwrap_or(BASE.len())]
    );
    let mut cluster = InMemoryApplier::new(load(&yaml));
    let mut rollout = Rollout::new(canary().build().unwrap());
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    let names: Vec<_> = t.virtual_services.iter().map(|v| v.metadata.name.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["root", "reviews-routes"]);
    cluster.apply_transition(&t).unwrap();
    assert_eq!(split(cluster.objects(), &reviews()), shares(&[("reviews/v1", 90.0), ("reviews/v2", 10.0)]));
}

#[test]
fn tcp_routes_are_split_as_well() {
    let yaml = BASE
        .replace(
            "  - name: main\n    timeout: 5s\n    route: [{destination: {host: reviews, subset: v1}}]\n",
            "  - name: main\n    timeout: 5s\n    route: [{destination: {host: reviews, subset: v1}}]\n  tcp:\n  - match: [{port: 9090}]\n    route: [{destination: {host: reviews, subset: v1, port: {number: 9090}}}]\n",
        )
        .replacen("{ports: [{name: http, port: 9080}]", "{ports: [{name: http, port: 9080}, {name: tcp, port: 9090}]", 1);
    let mut cluster = InMemoryApplier::new(load(&yaml));
    let mut rollout = Rollout::new(canary().build().unwrap());
    let t = rollout.advance(cluster.objects(), &healthy()).unwrap();
    cluster.apply_transition(&t).unwrap();
    let tcp_request = Request::tcp("reviews", 9090).source_namespace("shop");
    assert_eq!(split(cluster.objects(), &tcp_request), shares(&[("reviews/v1", 90.0), ("reviews/v2", 10.0)]));
    let tcp: Vec<_> = t.virtual_services[0].spec.tcp[0]
        .route
        .iter()
        .map(|d| (d.destination.subset.clone().unwrap_or_default(), d.weight))
        .collect();
    assert_eq!(tcp, [("v1".to_owned(), Some(90)), ("v2".to_owned(), Some(10))]);
}
