//! Loading YAML into typed objects against parsing the same text into untyped values, and
//! validation on top, over a generated mesh (`mesh-bench`) and, when present, the corpus's
//! Istio configuration.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The corpus's `istio-config` files as one stream, when the corpus is there.
fn corpus_stream() -> Option<String> {
    let dir = match std::env::var("MESH_CORPUS") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("istio-config"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut text = String::new();
    for file in files {
        text.push_str("---\n");
        text.push_str(&std::fs::read_to_string(file).ok()?);
        text.push('\n');
    }
    Some(text)
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    let mut inputs = vec![("mesh-1000".to_owned(), mesh_bench::yaml(1_000))];
    match corpus_stream() {
        Some(text) => inputs.push(("corpus-istio-config".to_owned(), text)),
        None => println!("skipped: corpus not found (the generated mesh is still measured)"),
    }
    for (name, text) in &inputs {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("untyped_serde_yaml", name), text, |b, text| {
            b.iter(|| {
                let mut parsed = 0usize;
                for doc in serde_yaml::Deserializer::from_str(black_box(text)) {
                    let value: Result<serde_yaml::Value, _> = serde::Deserialize::deserialize(doc);
                    parsed += usize::from(value.is_ok());
                }
                parsed
            })
        });
        group.bench_with_input(BenchmarkId::new("untyped_read_untyped", name), text, |b, text| {
            b.iter(|| mesh_api::read_untyped(black_box(text)).len())
        });
        group.bench_with_input(BenchmarkId::new("typed_load_str", name), text, |b, text| {
            b.iter(|| mesh_api::load_str(black_box(text)).documents.len())
        });
        group.bench_with_input(BenchmarkId::new("typed_load_and_validate", name), text, |b, text| {
            b.iter(|| {
                let loaded = mesh_api::load_str(black_box(text));
                loaded.objects().map(|o| o.validate().len()).sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
