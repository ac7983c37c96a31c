//! Native timings of the maps the issue names (resnet50@224, vgg19@512; zeros and reflect),
//! the fast path against the plain reference on a smaller input, and colour mapping.
//! `./build.sh bench` runs this and the in-browser benchmark; figures go to BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use padlens::analysis::{reference::reference_utilization, utilization, utilization_of_plan};
use padlens::net::zoo;
use padlens::padding::PaddingMode;
use padlens::render::{draw, ColourScale, MapStats, RenderOptions, Viewport};
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
    let size = [512, 512];
    c.bench_function("map stats 512×512 (extremes and centre)", |b| {
        b.iter(|| MapStats::of(black_box(&values), size).unwrap())
    });
    let stats = MapStats::of(&values, size).unwrap();
    let scale = ColourScale::sequential(&stats, RenderOptions::default(), None);
    let mut pixels = Vec::new();
    // What the explorer draws: the whole map 1:1, shrunk 1:2 into a 256² canvas, and a
    // 224² map magnified 2× (ResNet-50 in a wide panel).
    for (name, viewport) in [
        ("draw 512×512 at 1:1", Viewport::whole(size)),
        (
            "draw 512×512 at 1:2",
            Viewport {
                width: 256,
                height: 256,
                zoom: -2,
                offset: [0, 0],
            },
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| draw(black_box(&values), size, &scale, &viewport, &mut pixels).unwrap())
        });
    }
    let resnet = utilization(&zoo::build("resnet50").unwrap(), [224, 224], None, None).unwrap();
    let small: Vec<f64> = resnet.values.iter().copied().collect();
    let stats = MapStats::of(&small, [224, 224]).unwrap();
    let scale = ColourScale::sequential(&stats, RenderOptions::default(), None);
    let magnified = Viewport {
        width: 448,
        height: 448,
        zoom: 2,
        offset: [0, 0],
    };
    c.bench_function("draw 224×224 at 2:1", |b| {
        b.iter(|| {
            draw(
                black_box(&small),
                [224, 224],
                &scale,
                &magnified,
                &mut pixels,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, maps, fast_against_reference, colour_mapping);
criterion_main!(benches);
