//! Generated meshes of any size, for mesh's benchmarks, its performance report
//! (`cargo run --release --example perf_report`) and tests. Not published.
//!
//! Service `i` of a mesh of `n` is `svc-<i>` in namespace `ns-<i / 100>` with one HTTP port
//! ([`PORT`]), and comes with three objects:
//!
//! - a Kubernetes `Service` selecting `app: svc-<i>`;
//! - a `DestinationRule` for it with two version subsets, `v1` and `v2`;
//! - a `VirtualService` for it with five HTTP rules, in this order:
//!   1. header `x-canary: true` → `v2`;
//!   2. URI prefix `/api/v2/` and header `x-user` matching `beta-.*` → `v2`;
//!   3. URI prefix `/api/` and header `x-tier: gold` → `v1` 80%, `v2` 20%
//!      ([`third_rule_request`] describes a request that reaches it);
//!   4. exact URI `/health` → `v1`;
//!   5. everything else → `v1` 90%, `v2` 10%.
//!
//! [`objects`] gives the typed objects and [`yaml`] the same objects as one YAML stream.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt::Write as _;

use mesh_api::Object;
use serde_json::{Value, json};

/// The port every generated service listens on.
pub const PORT: u32 = 8080;

/// Services per namespace.
pub const PER_NAMESPACE: usize = 100;

/// The mesh sizes the benchmarks and the report measure.
pub const SIZES: [usize; 3] = [100, 10_000, 100_000];

/// The name of service `i`.
pub fn service_name(i: usize) -> String {
    format!("svc-{i}")
}

/// The namespace of service `i`.
pub fn namespace(i: usize) -> String {
    format!("ns-{}", i / PER_NAMESPACE)
}

/// The fully qualified host of service `i` (`svc-<i>.ns-<k>.svc.cluster.local`).
pub fn fqdn(i: usize) -> String {
    format!("svc-{i}.{}.svc.cluster.local", namespace(i))
}

/// The parts of an HTTP request that the third rule of service `i`'s VirtualService decides
/// and the first two do not: sent from the service's own namespace to its fully qualified host
/// on [`PORT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThirdRuleRequest {
    /// The `Host` header: the service's fully qualified name.
    pub host: String,
    /// The caller's namespace (the service's own).
    pub source_namespace: String,
    /// The path: under `/api/` but not `/api/v2/`.
    pub path: &'static str,
    /// The header the third rule asks for, as `(name, value)`.
    pub header: (&'static str, &'static str),
}

/// A request that service `i`'s third rule decides (`v1` 80%, `v2` 20%).
pub fn third_rule_request(i: usize) -> ThirdRuleRequest {
    ThirdRuleRequest { host: fqdn(i), source_namespace: namespace(i), path: "/api/items", header: ("x-tier", "gold") }
}

/// The Service, DestinationRule and VirtualService of service `i`, as untyped data.
pub fn values(i: usize) -> [Value; 3] {
    let (name, ns) = (service_name(i), namespace(i));
    let meta = json!({"name": name, "namespace": ns});
    let dest = |subset: &str, weight: Option<i32>| match weight {
        Some(w) => json!({"destination": {"host": name, "subset": subset}, "weight": w}),
        None => json!({"destination": {"host": name, "subset": subset}}),
    };
    let service = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": meta,
        "spec": {"ports": [{"name": "http", "port": PORT}], "selector": {"app": name}},
    });
    let rule = json!({
        "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": meta,
        "spec": {"host": name, "subsets": [
            {"name": "v1", "labels": {"version": "v1"}},
            {"name": "v2", "labels": {"version": "v2"}},
        ]},
    });
    let virtual_service = json!({
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": meta,
        "spec": {"hosts": [name], "http": [
            {"name": "canary", "match": [{"headers": {"x-canary": {"exact": "true"}}}], "route": [dest("v2", None)]},
            {"name": "beta", "match": [{"uri": {"prefix": "/api/v2/"}, "headers": {"x-user": {"regex": "beta-.*"}}}],
             "route": [dest("v2", None)]},
            {"name": "gold", "match": [{"uri": {"prefix": "/api/"}, "headers": {"x-tier": {"exact": "gold"}}}],
             "route": [dest("v1", Some(80)), dest("v2", Some(20))]},
            {"name": "health", "match": [{"uri": {"exact": "/health"}}], "route": [dest("v1", None)]},
            {"name": "default", "route": [dest("v1", Some(90)), dest("v2", Some(10))]},
        ]},
    });
    [service, rule, virtual_service]
}

/// The `v1` Deployment behind service `i`: one container serving [`PORT`], labelled with the
/// service's `app` and `version: v1`, ready for sidecar injection.
///
/// # Panics
///
/// Never for the data generated here; a panic means the generator and mesh-api disagree.
pub fn deployment(i: usize) -> Object {
    let name = service_name(i);
    let labels = json!({"app": name, "version": "v1"});
    let value = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": format!("{name}-v1"), "namespace": namespace(i), "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": "server",
                    "image": format!("registry.example.com/{name}:1.0.0"),
                    "ports": [{"containerPort": PORT}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                }]},
            },
        },
    });
    match mesh_api::load_value(&value) {
        Ok(document) => document.object,
        Err(e) => panic!("generated Deployment {i} does not load: {e}"),
    }
}

/// The `3 * n` typed objects of a mesh of `n` services, service by service.
///
/// # Panics
///
/// Never for the data generated here; a panic means the generator and mesh-api disagree.
pub fn objects(n: usize) -> Vec<Object> {
    let mut out = Vec::with_capacity(3 * n);
    for i in 0..n {
        for value in values(i) {
            match mesh_api::load_value(&value) {
                Ok(document) => out.push(document.object),
                Err(e) => panic!("generated object {i} does not load: {e}"),
            }
        }
    }
    out
}

/// The same objects as [`objects`] as one YAML stream, written block style as people do.
pub fn yaml(n: usize) -> String {
    let mut out = String::with_capacity(n * 1600);
    for i in 0..n {
        let _ = write_yaml(&mut out, i);
    }
    out
}

fn write_yaml(out: &mut String, i: usize) -> std::fmt::Result {
    let (name, ns) = (service_name(i), namespace(i));
    write!(
        out,
        "---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  ports:
  - name: http
    port: {PORT}
  selector:
    app: {name}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {name}
  namespace: {ns}
spec:
  host: {name}
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {name}
  namespace: {ns}
spec:
  hosts:
  - {name}
  http:
  - name: canary
    match:
    - headers:
        x-canary:
          exact: \"true\"
    route:
    - destination:
        host: {name}
        subset: v2
  - name: beta
    match:
    - uri:
        prefix: /api/v2/
      headers:
        x-user:
          regex: beta-.*
    route:
    - destination:
        host: {name}
        subset: v2
  - name: gold
    match:
    - uri:
        prefix: /api/
      headers:
        x-tier:
          exact: gold
    route:
    - destination:
        host: {name}
        subset: v1
      weight: 80
    - destination:
        host: {name}
        subset: v2
      weight: 20
  - name: health
    match:
    - uri:
        exact: /health
    route:
    - destination:
        host: {name}
        subset: v1
  - name: default
    route:
    - destination:
        host: {name}
        subset: v1
      weight: 90
    - destination:
        host: {name}
        subset: v2
      weight: 10
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_yaml_stream_loads_to_the_generated_objects() {
        let loaded = mesh_api::load_str(&yaml(3));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let from_text: Vec<Object> = loaded.objects().cloned().collect();
        assert_eq!(from_text, objects(3));
    }

    #[test]
    fn every_generated_object_is_valid() {
        for object in objects(2) {
            let problems = object.validate();
            assert!(problems.is_empty(), "{} {:?}: {problems:?}", object.kind(), object.metadata().name);
        }
    }

    #[test]
    fn the_deployment_is_valid_and_selects_the_v1_pods() {
        let Object::Deployment(d) = deployment(7) else { panic!("not a Deployment") };
        let labels = d.spec.and_then(|s| s.selector.match_labels).unwrap_or_default();
        assert_eq!(labels.get("version").map(String::as_str), Some("v1"));
        assert_eq!(labels.get("app").map(String::as_str), Some("svc-7"));
    }

    #[test]
    fn services_fill_namespaces_of_a_hundred() {
        assert_eq!(namespace(99), "ns-0");
        assert_eq!(namespace(100), "ns-1");
        assert_eq!(fqdn(250), "svc-250.ns-2.svc.cluster.local");
        assert_eq!(objects(5).len(), 15);
    }
}
