//! Native timings of the maps the issue names (resnet50@224, vgg19@512; zeros and reflect),
//! the fast path against the plain reference on a smaller input, and colour mapping.
//! `./build.sh bench` runs this and the in-browser benchmark; figures go to BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use padlens::analysis::{reference::reference_utilization, utilization, utilization_of_plan};
use padlens::net::zoo;
use padlens::padding::PaddingMode;
use padlens::render::{render, RenderOptions};
use std::hint::black_box;

fn maps(c: &mut Criterion) {
    for (arch, size) in [("resnet50", 224), ("vgg19", 512)] {
        let net = zoo::build(arch).unwrap();
        for mode in [PaddingMode::Zeros, PaddingMode::Reflect] {
            c.bench_function(&format!("utilization {arch}@{size} {mode}"), |b| {
                b.iter(|| utilization(black_box(&net), [size, size], Some(mode), None).unwrap())
            });
        }
    }
}

fn fast_against_reference(c: &mut Criterion) {
    let net = zoo::build("resnet18").unwrap();
    let plan = net.plan([64, 64], None, None).unwrap();
    c.bench_function("resnet18@64 fast path", |b| {
        b.iter(|| utilization_of_plan(black_box(&plan)).unwrap())
    });
    c.bench_function("resnet18@64 plain reference", |b| {
        b.iter(|| reference_utilization(black_box(&plan)))
    });
}

fn colour_mapping(c: &mut Criterion) {
    let net = zoo::build("vgg19").unwrap();
    let map = utilization(&net, [512, 512], None, None).unwrap();
    let values: Vec<f64> = map.values.iter().copied().collect();
    c.bench_function("render 512×512 viridis", |b| {
        b.iter(|| render(black_box(&values), 512, 512, RenderOptions::default()).unwrap())
    });
}

criterion_group!(benches, maps, fast_against_reference, colour_mapping);
criterion_main!(benches);
