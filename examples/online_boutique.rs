//! The Online Boutique story, end to end and offline: install Istio with the `demo` profile,
//! deploy the shop's 11 services into `istio-app` with sidecars injected, expose the
//! storefront through the ingress gateway, split `productcatalogservice` 75/25 between v1 and
//! a v2 canary, see in simulated traffic that v2 is 3 s slower, and let the canary analysis
//! roll it back to 100% v1.
//!
//! Run it with `cargo run --example online_boutique`. The shop's Istio configuration is in
//! `examples/online-boutique/`; the Kubernetes workloads are built in code below.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_api::k8s_openapi;
use mesh_api::{Level, Object};
use mesh_render::inject::{InjectionSettings, inject, should_inject};
use mesh_render::{Component, Overlays, render};
use mesh_routing::canary::{Applier, Canary, Check, InMemoryApplier, Metrics, Rollout, StaticMetrics};
use mesh_routing::{Behaviour, Mesh, MeshSettings, Request, Simulation, TrafficReport, diff, graph};

const NAMESPACE: &str = "istio-app";

/// The shop's services: name, service port, container port, and whether it speaks gRPC.
const SERVICES: &[(&str, i32, i32)] = &[
    ("frontend", 80, 8080),
    ("adservice", 9555, 9555),
    ("cartservice", 7070, 7070),
    ("checkoutservice", 5050, 5050),
    ("currencyservice", 7000, 7000),
    ("emailservice", 5000, 8080),
    ("paymentservice", 50051, 50051),
    ("productcatalogservice", 3550, 3550),
    ("recommendationservice", 8080, 8080),
    ("shippingservice", 50051, 50051),
    ("redis-cart", 6379, 6379),
];

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("online_boutique: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let installed = install()?;
    let workloads = deploy()?;
    let config = load_config()?;
    let Some(mut objects) = config else { return Ok(ExitCode::FAILURE) };
    objects.extend(installed);
    objects.extend(workloads);
    expose(&objects);
    let observed = canary(&objects);
    write_graph(&objects, "graph-canary")?;
    let rolled_back = rollback(&objects, &observed)?;
    write_graph(&rolled_back, "graph-rolled-back")?;
    let before = Mesh::compile(&objects, &MeshSettings::default());
    let after = Mesh::compile(&rolled_back, &MeshSettings::default());
    println!("\n== What the rollback changed");
    print_indented(&diff(&before, &after).to_string());
    Ok(ExitCode::SUCCESS)
}

/// 1. The `demo` profile, merged the way `istioctl install --set profile=demo` merges it.
fn install() -> Result<Vec<Object>, mesh_render::Error> {
    println!("== 1. Install Istio with the demo profile");
    let merged = Overlays::new().set("profile=demo")?.merge()?;
    let errors = merged.validate().iter().filter(|p| p.level == Level::Error).count();
    println!("   merged IstioOperator: {errors} validation error(s)");
    let manifest = render(&merged)?;
    let components = [
        Component::Base,
        Component::Pilot,
        Component::IngressGateways,
        Component::EgressGateways,
        Component::Cni,
        Component::Ztunnel,
    ];
    for component in components {
        if !merged.is_enabled(component) {
            println!("   {:<16} off", format!("{component:?}"));
            continue;
        }
        let kinds: Vec<String> = manifest.component(component).map(|o| o.resource.kind().to_owned()).collect();
        println!("   {:<16} {:>2} objects: {}", format!("{component:?}"), kinds.len(), summarize(&kinds));
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/online-boutique");
    let file = out.join("istio-demo.yaml");
    let yaml = manifest.to_yaml()?;
    let write = std::fs::create_dir_all(&out).and_then(|()| std::fs::write(&file, yaml));
    write.map_err(|e| mesh_render::Error::Render { message: format!("{}: {e}", file.display()) })?;
    println!("   {} objects written to target/online-boutique/istio-demo.yaml", manifest.len());
    // The gateway workloads and services join the mesh snapshot, so routing finds the pods a
    // Gateway selects.
    let installed = manifest
        .objects()
        .iter()
        .filter(|o| matches!(o.resource.kind(), "Deployment" | "Service"))
        .filter_map(|o| o.resource.to_json().ok())
        .filter_map(|value| mesh_api::load_value(&value).ok())
        .map(|document| document.object)
        .collect();
    Ok(installed)
}

/// 2. The shop's Deployments and Services, each Deployment with the sidecar injected.
fn deploy() -> Result<Vec<Object>, mesh_render::inject::InjectError> {
    println!("\n== 2. Deploy the shop into namespace {NAMESPACE} (istio-injection: enabled)");
    let namespace = namespace();
    let settings = InjectionSettings::default();
    let mut objects = Vec::new();
    let mut deployments: Vec<Deployment> =
        SERVICES.iter().map(|(name, _, port)| deployment(name, "v1", *port)).collect();
    deployments.push(deployment("productcatalogservice-v2", "v2", 3550));
    deployments.push(deployment("loadgenerator", "v1", 8089));
    println!("   {:<28} {:>5}  injected because", "workload", "ready");
    for d in deployments {
        let object = Object::from(d);
        let decision = should_inject(Some(&namespace), &object, &settings);
        let injected = inject(&object, &settings)?;
        println!("   {:<28} {:>5}  {}", object.name().unwrap_or(""), ready(&injected.object), decision.reason);
        objects.push(injected.object);
    }
    objects.extend(SERVICES.iter().map(|(name, port, target)| Object::from(service(name, *port, *target))));
    Ok(objects)
}

/// The shop's Istio configuration from `examples/online-boutique/`, checked with Istio's rules.
fn load_config() -> Result<Option<Vec<Object>>, Box<dyn std::error::Error>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("online-boutique");
    let loaded = mesh_api::load_path(&folder);
    println!("\n== 3. Load and validate the shop's Istio configuration ({})", folder.display());
    let mut errors = loaded.errors.len();
    for error in &loaded.errors {
        println!("   load error: {error}");
    }
    for document in &loaded.documents {
        println!("   {}", document.object.object_ref());
        for problem in document.validate() {
            let at = document.locate(&problem.path).map(|l| l.to_string()).unwrap_or_default();
            println!("     {at}: {problem}");
            errors += usize::from(problem.level == Level::Error);
        }
    }
    if errors > 0 {
        println!("   {errors} problem(s): stopping");
        return Ok(None);
    }
    Ok(Some(loaded.documents.into_iter().map(|d| d.object).collect()))
}

/// 4. A browser's request enters through the ingress gateway.
fn expose(objects: &[Object]) {
    let mesh = Mesh::compile(objects, &MeshSettings::default());
    println!("\n== 4. http://shop.example.com/ through istio-app/frontend-gateway");
    let decision = mesh.route(&Request::http("shop.example.com").gateway("istio-app/frontend-gateway"));
    for line in decision.explain().to_string().lines() {
        println!("   {line}");
    }
}

/// 5. productcatalogservice v2 takes a quarter of the calls, and turns out 3 s slower.
fn canary(objects: &[Object]) -> TrafficReport {
    let mesh = Mesh::compile(objects, &MeshSettings::default());
    println!("\n== 5. Canary: productcatalogservice v1 75% / v2 25%, 10,000 simulated calls");
    let report = traffic().run(&mesh, &[catalog()]);
    print_indented(&report.to_string());
    report
}

/// 6. The analysis sees v2's latency, the rollout rolls back, and every call goes to v1.
fn rollback(objects: &[Object], observed: &TrafficReport) -> Result<Vec<Object>, Box<dyn std::error::Error>> {
    println!("\n== 6. Analysis and rollback");
    let canary = Canary::builder(&format!("productcatalogservice.{NAMESPACE}"))
        .stable("v1", [("version", "v1")])
        .canary("v2", [("version", "v2")])
        .steps([25])
        .check(Check::success_rate(99.0))
        .check(Check::latency(99.0, 500.0))
        .build()?;
    let mut cluster = InMemoryApplier::new(objects.to_vec());
    let mut rollout = Rollout::new(canary);
    // The shop already sends 25% to v2: the first step states it; from then on the analysis
    // reads the simulated traffic.
    let none = StaticMetrics::new();
    let mut metrics: &dyn Metrics = &none;
    while !rollout.state().is_finished() {
        let transition = rollout.advance(cluster.objects(), metrics)?;
        println!(
            "   {:<13} v1 {:>3}% / v2 {:>3}%  {}",
            phase(&transition),
            transition.weights.stable,
            transition.weights.canary,
            transition.note
        );
        for check in &transition.analysis {
            let value = check.value.map_or_else(|| "no data".to_owned(), |v| format!("{v:.1}"));
            println!("     {} {}: {value}", if check.passed { "pass" } else { "FAIL" }, check.check);
        }
        cluster.apply_transition(&transition)?;
        metrics = observed;
    }
    let objects = cluster.objects().to_vec();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    println!("   after the rollback, 10,000 simulated calls:");
    print_indented(&traffic().run(&mesh, &[catalog()]).to_string());
    Ok(objects)
}

fn phase(transition: &mesh_routing::canary::Transition) -> String {
    let text = format!("{:?}", transition.state.phase);
    text.split([' ', '{', '(']).next().unwrap_or_default().to_owned()
}

/// v1 answers in about 40 ms; v2 adds 3 s.
fn traffic() -> Simulation {
    Simulation::new(10_000, 7)
        .subset("v1", Behaviour::new(40.0))
        .subset("v2", Behaviour::new(40.0).added_latency_ms(3_000.0))
}

fn catalog() -> Request {
    Request::grpc("productcatalogservice").port(3550).source_namespace(NAMESPACE)
}

/// The routing graph, as Graphviz DOT and Mermaid, under `target/online-boutique/`.
fn write_graph(objects: &[Object], name: &str) -> std::io::Result<()> {
    let mesh = Mesh::compile(objects, &MeshSettings::default());
    let graph = graph(&mesh);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/online-boutique");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join(format!("{name}.dot")), graph.to_dot())?;
    std::fs::write(out.join(format!("{name}.mmd")), graph.to_mermaid())?;
    println!("   routing graph written to target/online-boutique/{name}.dot and {name}.mmd");
    Ok(())
}

fn print_indented(text: &str) {
    for line in text.lines() {
        println!("   {line}");
    }
}

/// `Deployment, 2 × Service, ...`: kinds in order of first appearance, counted.
fn summarize(kinds: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for kind in kinds {
        match counted.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => *n += 1,
            None => counted.push((kind, 1)),
        }
    }
    counted
        .iter()
        .map(|(k, n)| if *n == 1 { (*k).to_owned() } else { format!("{n} × {k}") })
        .collect::<Vec<_>>()
        .join(", ")
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn namespace() -> k8s_openapi::api::core::v1::Namespace {
    k8s_openapi::api::core::v1::Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.to_owned()),
            labels: Some(labels(&[("istio-injection", "enabled")])),
            ..ObjectMeta::default()
        },
        ..Default::default()
    }
}

fn deployment(name: &str, version: &str, port: i32) -> Deployment {
    let app = name.trim_end_matches("-v2");
    let pod_labels = labels(&[("app", app), ("version", version)]);
    Deployment {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            selector: LabelSelector { match_labels: Some(pod_labels.clone()), ..LabelSelector::default() },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(pod_labels), ..ObjectMeta::default() }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "server".to_owned(),
                        image: Some(format!(
                            "us-central1-docker.pkg.dev/google-samples/microservices-demo/{app}:v0.10.3"
                        )),
                        ports: Some(vec![ContainerPort { container_port: port, ..ContainerPort::default() }]),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

fn service(name: &str, port: i32, target: i32) -> Service {
    let port_name = match name {
        "frontend" => "http",
        "redis-cart" => "tcp-redis",
        _ => "grpc",
    };
    Service {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(labels(&[("app", name)])),
            ports: Some(vec![ServicePort {
                name: Some(port_name.to_owned()),
                port,
                target_port: Some(IntOrString::Int(target)),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// `ready` as `kubectl get pods` counts it: app containers plus native sidecars (init
/// containers that keep running).
fn ready(object: &Object) -> String {
    let Object::Deployment(deployment) = object else { return "-".to_owned() };
    let spec = deployment.spec.as_ref().and_then(|s| s.template.spec.as_ref());
    let containers = spec.map_or(0, |s| s.containers.len());
    let sidecars = spec
        .and_then(|s| s.init_containers.as_ref())
        .map_or(0, |inits| inits.iter().filter(|c| c.restart_policy.as_deref() == Some("Always")).count());
    let total = containers + sidecars;
    format!("{total}/{total}")
}
