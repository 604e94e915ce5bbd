//! Routing decisions over fuzzed meshes and requests: an arbitrary-derived description is
//! turned into Services, DestinationRules, VirtualServices, Gateways and ServiceEntries,
//! compiled, and asked where requests go; explanations, views, graphs, diffs and analysis
//! run on the result.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_routing::{Mesh, MeshSettings, OutboundTrafficPolicy, Request};
use serde_json::{Value, json};

const HOSTS: [&str; 8] = [
    "reviews",
    "ratings",
    "reviews.default.svc.cluster.local",
    "*.example.com",
    "api.example.com",
    "*",
    "reviews.shop",
    "*.svc.cluster.local",
];
const NAMESPACES: [&str; 3] = ["default", "shop", "istio-system"];
const SUBSETS: [&str; 3] = ["v1", "v2", "v3"];
const PORTS: [u32; 4] = [80, 443, 9080, 15443];

/// A name from a small pool (so objects meet) or, now and then, any text.
#[derive(Arbitrary, Debug)]
enum Name {
    Pool(u8),
    Free(String),
}

impl Name {
    fn of<'a>(&'a self, pool: &'a [&'a str]) -> &'a str {
        match self {
            Name::Pool(i) => pool[usize::from(*i) % pool.len()],
            Name::Free(s) => s,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Port {
    Pool(u8),
    Free(u32),
}

impl Port {
    fn get(&self) -> u32 {
        match self {
            Port::Pool(i) => PORTS[usize::from(*i) % PORTS.len()],
            Port::Free(p) => *p,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum StringMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
}

impl StringMatch {
    fn json(&self) -> Value {
        match self {
            StringMatch::Exact(s) => json!({"exact": s}),
            StringMatch::Prefix(s) => json!({"prefix": s}),
            StringMatch::Regex(s) => json!({"regex": s}),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Match {
    uri: Option<StringMatch>,
    header: Option<(String, StringMatch)>,
    method: Option<StringMatch>,
    port: Option<Port>,
    source_namespace: Option<Name>,
    gateway: Option<Name>,
    without_header: Option<String>,
    ignore_uri_case: bool,
}

#[derive(Arbitrary, Debug)]
struct Destination {
    host: Name,
    subset: Option<Name>,
    port: Option<Port>,
    weight: Option<i32>,
}

impl Destination {
    fn json(&self) -> Value {
        let mut d = json!({"destination": {"host": self.host.of(&HOSTS)}});
        if let Some(s) = &self.subset {
            d["destination"]["subset"] = json!(s.of(&SUBSETS));
        }
        if let Some(p) = &self.port {
            d["destination"]["port"] = json!({"number": p.get()});
        }
        if let Some(w) = self.weight {
            d["weight"] = json!(w);
        }
        d
    }
}

#[derive(Arbitrary, Debug)]
enum Action {
    Route(Vec<Destination>),
    Redirect { uri: String, authority: Option<String> },
    DirectResponse { status: u32, body: Option<String> },
}

#[derive(Arbitrary, Debug)]
struct HttpRule {
    name: Option<String>,
    matches: Vec<Match>,
    action: Action,
    rewrite: Option<String>,
    timeout_ms: Option<u16>,
    retries: Option<(i32, Option<String>)>,
    fault_percent: Option<f64>,
    mirror: Option<(Name, Option<f64>)>,
    delegate: Option<(Name, Name)>,
}

impl HttpRule {
    fn json(&self) -> Value {
        let mut r = json!({});
        if let Some(n) = &self.name {
            r["name"] = json!(n);
        }
        let matches: Vec<Value> = self
            .matches
            .iter()
            .take(4)
            .map(|m| {
                let mut j = json!({});
                if let Some(u) = &m.uri {
                    j["uri"] = u.json();
                }
                if let Some((k, v)) = &m.header {
                    j["headers"] = json!({ k: v.json() });
                }
                if let Some(v) = &m.method {
                    j["method"] = v.json();
                }
                if let Some(p) = &m.port {
                    j["port"] = json!(p.get());
                }
                if let Some(ns) = &m.source_namespace {
                    j["sourceNamespace"] = json!(ns.of(&NAMESPACES));
                }
                if let Some(g) = &m.gateway {
                    j["gateways"] = json!([g.of(&["mesh", "istio-system/ingress", "ingress"])]);
                }
                if let Some(h) = &m.without_header {
                    j["withoutHeaders"] = json!({ h: {} });
                }
                if m.ignore_uri_case {
                    j["ignoreUriCase"] = json!(true);
                }
                j
            })
            .collect();
        if !matches.is_empty() {
            r["match"] = json!(matches);
        }
        match &self.action {
            Action::Route(ds) => r["route"] = json!(ds.iter().take(5).map(Destination::json).collect::<Vec<_>>()),
            Action::Redirect { uri, authority } => {
                r["redirect"] = json!({"uri": uri});
                if let Some(a) = authority {
                    r["redirect"]["authority"] = json!(a);
                }
            }
            Action::DirectResponse { status, body } => {
                r["directResponse"] = json!({"status": status});
                if let Some(b) = body {
                    r["directResponse"]["body"] = json!({"string": b});
                }
            }
        }
        if let Some(u) = &self.rewrite {
            r["rewrite"] = json!({"uri": u});
        }
        if let Some(t) = self.timeout_ms {
            r["timeout"] = json!(format!("{t}ms"));
        }
        if let Some((attempts, on)) = &self.retries {
            r["retries"] = json!({"attempts": attempts});
            if let Some(on) = on {
                r["retries"]["retryOn"] = json!(on);
            }
        }
        if let Some(p) = self.fault_percent.filter(|p| p.is_finite()) {
            r["fault"] = json!({"abort": {"httpStatus": 503, "percentage": {"value": p}}});
        }
        if let Some((h, p)) = &self.mirror {
            r["mirror"] = json!({"host": h.of(&HOSTS)});
            if let Some(p) = p.filter(|p| p.is_finite()) {
                r["mirrorPercentage"] = json!({"value": p});
            }
        }
        if let Some((name, ns)) = &self.delegate {
            r["delegate"] = json!({"name": name.of(&["reviews", "ratings"]), "namespace": ns.of(&NAMESPACES)});
        }
        r
    }
}

#[derive(Arbitrary, Debug)]
struct L4Rule {
    port: Option<Port>,
    sni: Vec<Name>,
    route: Vec<Destination>,
}

#[derive(Arbitrary, Debug)]
struct VirtualService {
    name: Name,
    namespace: Name,
    hosts: Vec<Name>,
    gateways: Vec<Name>,
    export_to: Option<Vec<Name>>,
    http: Vec<HttpRule>,
    tls: Vec<L4Rule>,
    tcp: Vec<L4Rule>,
}

#[derive(Arbitrary, Debug)]
struct Subset {
    name: Name,
    version: Name,
    lb: Option<u8>,
}

#[derive(Arbitrary, Debug)]
struct DestinationRule {
    name: Name,
    namespace: Name,
    host: Name,
    subsets: Vec<Subset>,
    tls_mode: Option<u8>,
    export_to: Option<Vec<Name>>,
}

#[derive(Arbitrary, Debug)]
struct Service {
    name: Name,
    namespace: Name,
    ports: Vec<(Port, Option<Name>)>,
    workloads: Vec<Name>,
}

#[derive(Arbitrary, Debug)]
struct Gateway {
    name: Name,
    namespace: Name,
    servers: Vec<(Port, u8, Vec<Name>)>,
}

#[derive(Arbitrary, Debug)]
struct ServiceEntry {
    name: Name,
    namespace: Name,
    hosts: Vec<Name>,
    ports: Vec<(Port, u8)>,
    resolution: u8,
    location: bool,
}

#[derive(Arbitrary, Debug)]
struct FuzzRequest {
    kind: u8,
    host: Name,
    port: Option<Port>,
    method: Option<String>,
    path: Option<String>,
    headers: Vec<(String, String)>,
    sni: Option<Name>,
    source_namespace: Option<Name>,
    source_label: Option<(String, String)>,
    gateway: Option<Name>,
    draw: Option<f64>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    services: Vec<Service>,
    destination_rules: Vec<DestinationRule>,
    virtual_services: Vec<VirtualService>,
    gateways: Vec<Gateway>,
    service_entries: Vec<ServiceEntry>,
    requests: Vec<FuzzRequest>,
    registry_only: bool,
}

fn pick(list: &[&'static str], i: u8) -> &'static str {
    list[usize::from(i) % list.len()]
}

fn meta(name: &Name, namespace: &Name) -> Value {
    json!({"name": name.of(&["reviews", "ratings", "ingress", "egress"]), "namespace": namespace.of(&NAMESPACES)})
}

fn export(list: &Option<Vec<Name>>) -> Option<Value> {
    list.as_ref().map(|l| json!(l.iter().take(3).map(|n| n.of(&[".", "*", "shop", "~"])).collect::<Vec<_>>()))
}

fn l4(rules: &[L4Rule], tls: bool) -> Vec<Value> {
    rules
        .iter()
        .take(3)
        .map(|r| {
            let mut m = json!({});
            if let Some(p) = &r.port {
                m["port"] = json!(p.get());
            }
            if tls {
                let sni: Vec<&str> = r.sni.iter().take(3).map(|n| n.of(&HOSTS)).collect();
                m["sniHosts"] = json!(if sni.is_empty() { vec!["reviews"] } else { sni });
            }
            json!({"match": [m], "route": r.route.iter().take(4).map(Destination::json).collect::<Vec<_>>()})
        })
        .collect()
}

impl Input {
    fn objects(&self) -> Vec<mesh_api::Object> {
        let mut values = Vec::new();
        for s in self.services.iter().take(6) {
            let ports: Vec<Value> = s
                .ports
                .iter()
                .take(3)
                .enumerate()
                .map(|(i, (p, n))| {
                    let mut j = json!({"port": p.get(), "name": n.as_ref().map_or(format!("p{i}"), |n| n.of(&["http", "grpc", "tcp", "https", "tls"]).to_owned())});
                    j["targetPort"] = json!(p.get());
                    j
                })
                .collect();
            values.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(&s.name, &s.namespace),
                "spec": {"ports": ports, "selector": {"app": s.name.of(&["reviews", "ratings"])}}}));
            for (i, w) in s.workloads.iter().take(3).enumerate() {
                values.push(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("pod-{i}"), "namespace": s.namespace.of(&NAMESPACES),
                                 "labels": {"app": s.name.of(&["reviews", "ratings"]), "version": w.of(&SUBSETS)}},
                    "spec": {"containers": [{"name": "app"}]}}));
            }
        }
        for d in self.destination_rules.iter().take(6) {
            let subsets: Vec<Value> = d
                .subsets
                .iter()
                .take(4)
                .map(|s| {
                    let mut j = json!({"name": s.name.of(&SUBSETS), "labels": {"version": s.version.of(&SUBSETS)}});
                    if let Some(lb) = s.lb {
                        j["trafficPolicy"] = json!({"loadBalancer": {"simple": pick(&["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH"], lb)}});
                    }
                    j
                })
                .collect();
            let mut j = json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": meta(&d.name, &d.namespace), "spec": {"host": d.host.of(&HOSTS), "subsets": subsets}});
            if let Some(mode) = d.tls_mode {
                j["spec"]["trafficPolicy"] =
                    json!({"tls": {"mode": pick(&["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"], mode)}});
            }
            if let Some(e) = export(&d.export_to) {
                j["spec"]["exportTo"] = e;
            }
            values.push(j);
        }
        for v in self.virtual_services.iter().take(6) {
            let mut spec = json!({
                "hosts": v.hosts.iter().take(3).map(|h| h.of(&HOSTS)).collect::<Vec<_>>(),
                "http": v.http.iter().take(6).map(HttpRule::json).collect::<Vec<_>>(),
                "tls": l4(&v.tls, true),
                "tcp": l4(&v.tcp, false),
            });
            if !v.gateways.is_empty() {
                spec["gateways"] = json!(
                    v.gateways
                        .iter()
                        .take(3)
                        .map(|g| g.of(&["mesh", "istio-system/ingress", "ingress"]))
                        .collect::<Vec<_>>()
                );
            }
            if let Some(e) = export(&v.export_to) {
                spec["exportTo"] = e;
            }
            values.push(json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": meta(&v.name, &v.namespace), "spec": spec}));
        }
        for g in self.gateways.iter().take(3) {
            let servers: Vec<Value> = g
                .servers
                .iter()
                .take(3)
                .map(|(p, proto, hosts)| {
                    let protocol = pick(&["HTTP", "HTTPS", "TLS", "TCP", "GRPC"], *proto);
                    let mut s = json!({"port": {"number": p.get(), "name": "p", "protocol": protocol},
                        "hosts": hosts.iter().take(3).map(|h| h.of(&["*", "*/reviews", "./api.example.com", "shop/*"])).collect::<Vec<_>>()});
                    if protocol == "HTTPS" || protocol == "TLS" {
                        s["tls"] = json!({"mode": if proto & 0x10 == 0 { "SIMPLE" } else { "PASSTHROUGH" }, "credentialName": "c"});
                    }
                    s
                })
                .collect();
            values.push(json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                "metadata": meta(&g.name, &g.namespace), "spec": {"selector": {"istio": "ingressgateway"}, "servers": servers}}));
        }
        for e in self.service_entries.iter().take(3) {
            let ports: Vec<Value> = e
                .ports
                .iter()
                .take(3)
                .map(|(p, proto)| json!({"number": p.get(), "name": "p", "protocol": pick(&["HTTP", "HTTPS", "TLS", "TCP"], *proto)}))
                .collect();
            values.push(json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": meta(&e.name, &e.namespace),
                "spec": {"hosts": e.hosts.iter().take(3).map(|h| h.of(&HOSTS)).collect::<Vec<_>>(), "ports": ports,
                         "resolution": pick(&["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"], e.resolution),
                         "location": if e.location { "MESH_INTERNAL" } else { "MESH_EXTERNAL" }}}));
        }
        // A snapshot holds one object per kind, namespace and name.
        let mut seen = std::collections::HashSet::new();
        values
            .iter()
            .filter_map(|v| mesh_api::load_value(v).ok())
            .map(|d| d.object)
            .filter(|o| {
                seen.insert((o.kind().to_owned(), o.namespace().map(str::to_owned), o.name().map(str::to_owned)))
            })
            .collect()
    }
}

fn request(r: &FuzzRequest) -> Request {
    let host = r.host.of(&HOSTS);
    let mut q = match r.kind % 5 {
        0 => Request::http(host),
        1 => Request::https(host),
        2 => Request::grpc(host),
        3 => Request::tls(host, r.port.as_ref().map_or(443, Port::get)),
        _ => Request::tcp(host, r.port.as_ref().map_or(80, Port::get)),
    };
    if let Some(p) = &r.port {
        q = q.port(p.get());
    }
    if let Some(m) = &r.method {
        q = q.method(m);
    }
    if let Some(p) = &r.path {
        q = q.path(p);
    }
    for (k, v) in r.headers.iter().take(4) {
        q = q.header(k, v);
    }
    if let Some(s) = &r.sni {
        q = q.sni(s.of(&HOSTS));
    }
    if let Some(ns) = &r.source_namespace {
        q = q.source_namespace(ns.of(&NAMESPACES));
    }
    if let Some((k, v)) = &r.source_label {
        q = q.source_label(k, v);
    }
    if let Some(g) = &r.gateway {
        q = q.gateway(g.of(&["istio-system/ingress", "ingress", "default/ingress"]));
    }
    if let Some(d) = r.draw {
        q = q.random(d);
    }
    q
}

fuzz_target!(|input: Input| {
    let objects = input.objects();
    let mut settings = MeshSettings::default();
    if input.registry_only {
        settings = settings.outbound_traffic_policy(OutboundTrafficPolicy::RegistryOnly);
    }
    let mesh = Mesh::compile(&objects, &settings);
    let _ = mesh.warnings();
    let mut reversed = objects.clone();
    reversed.reverse();
    let other = Mesh::compile(&reversed, &settings);
    for r in input.requests.iter().take(8) {
        let request = request(r);
        let decision = mesh.route(&request);
        let _ = decision.outcome();
        let _ = decision.destination();
        let _ = decision.explain().to_string();
        // Compiling the same objects in another order gives the same decisions.
        assert_eq!(decision.view(), other.route(&request).view(), "{request:?}");
    }
    let _ = mesh_routing::diff(&mesh, &other);
    let _ = mesh_routing::graph(&mesh);
    let _ = mesh_routing::analyze(&objects);
});
