//! Routing decisions and compilation over generated meshes (`mesh-bench`): a request that the
//! third of five rules decides, against one `HashMap<String, _>` lookup of its host alone, at
//! 100, 10,000 and 100,000 services; and compile time per service.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mesh_routing::{Mesh, MeshSettings, Request};

fn request(i: usize) -> Request {
    let r = mesh_bench::third_rule_request(i);
    Request::http(&r.host)
        .port(mesh_bench::PORT)
        .source_namespace(&r.source_namespace)
        .path(r.path)
        .header(r.header.0, r.header.1)
}

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    for n in mesh_bench::SIZES {
        let mesh = Mesh::compile(&mesh_bench::objects(n), &MeshSettings::default());
        let i = n / 2;
        let req = request(i);
        let hosts: HashMap<String, usize> = (0..n).map(|i| (mesh_bench::fqdn(i), i)).collect();
        let host = req.host().to_owned();
        group.bench_with_input(BenchmarkId::new("hashmap_lookup", n), &n, |b, _| {
            b.iter(|| black_box(&hosts).get(black_box(host.as_str())).copied())
        });
        group.bench_with_input(BenchmarkId::new("third_rule", n), &n, |b, _| {
            b.iter(|| black_box(&mesh).decide(black_box(&req)).rule().map(|r| r.index))
        });
        group.bench_with_input(BenchmarkId::new("third_rule_owned", n), &n, |b, _| {
            b.iter(|| black_box(&mesh).route(black_box(&req)).rule().map(|r| r.index))
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for n in [100, 10_000] {
        let objects = mesh_bench::objects(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &objects, |b, objects| {
            b.iter_batched(
                || (),
                |()| Mesh::compile(black_box(objects), &MeshSettings::default()),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, decide, compile);
criterion_main!(benches);
