//! A routing decision allocates nothing once the mesh is compiled and the request built: the
//! hot path reads the compiled mesh and the request only. Counted with a counting global
//! allocator, so this file holds one test (other tests would allocate concurrently).

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::hint::black_box;

use mesh_routing::{Mesh, MeshSettings, Outcome, Request};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn a_decision_by_the_third_rule_allocates_nothing() {
    let mesh = Mesh::compile(&mesh_bench::objects(200), &MeshSettings::default());
    let r = mesh_bench::third_rule_request(150);
    let request = Request::http(&r.host)
        .port(mesh_bench::PORT)
        .source_namespace(&r.source_namespace)
        .path(r.path)
        .header(r.header.0, r.header.1);
    let short = Request::http("svc-150")
        .port(mesh_bench::PORT)
        .source_namespace(&r.source_namespace)
        .path(r.path)
        .header(r.header.0, r.header.1);

    // Warm-up: lazily built regex caches and the like.
    for _ in 0..10 {
        black_box(mesh.decide(&request));
        black_box(mesh.decide(&short));
    }
    let d = mesh.decide(&request);
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.rule().map(|r| (r.index, r.name)), Some((2, Some("gold"))));
    assert_eq!(d.destinations().map(|d| d.weight).collect::<Vec<_>>(), [80.0, 20.0]);
    assert!(d.warnings().is_empty(), "{:?}", d.warnings());
    assert_eq!(mesh.decide(&short).rule().map(|r| r.index), Some(2));

    let region = Region::new(GLOBAL);
    for _ in 0..1000 {
        let d = mesh.decide(black_box(&request));
        black_box(d.rule());
        let d = mesh.decide(black_box(&short));
        black_box(d.rule());
    }
    let stats = region.change();
    // The counter sees allocations: `route` keeps a copy of the request.
    let copying = Region::new(GLOBAL);
    black_box(mesh.route(&request).rule());
    assert!(copying.change().allocations > 0);
    assert_eq!(
        (stats.allocations, stats.reallocations),
        (0, 0),
        "2000 decisions allocated {} times ({} bytes)",
        stats.allocations,
        stats.bytes_allocated
    );
}
