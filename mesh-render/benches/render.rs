//! Rendering the `demo` profile's manifest to YAML against writing the same objects to YAML
//! alone, and sidecar injection of one generated Deployment (`mesh-bench`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mesh_render::inject::{InjectionSettings, inject};
use mesh_render::{Overlays, manifest};

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_demo");
    group.sample_size(20);
    let merged = match Overlays::new().set("profile=demo").and_then(|o| o.merge()) {
        Ok(merged) => merged,
        Err(e) => panic!("the demo profile does not merge: {e}"),
    };
    let rendered = match manifest::render(&merged) {
        Ok(m) => m,
        Err(e) => panic!("the demo profile does not render: {e}"),
    };
    group.bench_function("yaml_only", |b| b.iter(|| black_box(&rendered).to_yaml().map(|t| t.len())));
    group.bench_function("render_and_yaml", |b| {
        b.iter(|| manifest::render(black_box(&merged)).and_then(|m| m.to_yaml()).map(|t| t.len()))
    });
    group.bench_function("merge_render_and_yaml", |b| {
        b.iter(|| {
            Overlays::new()
                .set(black_box("profile=demo"))
                .and_then(|o| o.merge())
                .and_then(|m| manifest::render(&m))
                .and_then(|m| m.to_yaml())
                .map(|t| t.len())
        })
    });
    group.finish();
}

fn injection(c: &mut Criterion) {
    let deployment = mesh_bench::deployment(42);
    let settings = InjectionSettings::offline();
    c.bench_function("inject_one_deployment", |b| {
        b.iter(|| inject(black_box(&deployment), &settings).map(|i| i.decision.inject))
    });
}

criterion_group!(benches, render, injection);
criterion_main!(benches);
