//! The inference engine's forward pass on full-size torchvision models exported to ONNX, one
//! thread, 224×224, the models' own zeros padding; and ResNet-50 with reflect padding swapped
//! into every padded convolution (read in the kernel). `./build.sh bench` runs this, then
//! `tools/bench_onnxruntime.py` (ONNX Runtime and PyTorch on the same models, same machine,
//! same run), which reads these results back from criterion's directory to set the engines
//! side by side; figures go to BENCHMARKS.md.
//!
//! The models are the gitignored `tools/.cache/models/<name>.onnx` made by
//! `tools/onnx_models.py full`; absent ones are skipped with a note. Before timing, each
//! zeros-padded run is checked against ONNX Runtime's output stored beside the model, so a
//! fast but wrong engine cannot report a time. Reflect has no stored full-size reference: it
//! runs the same kernels with other source offsets, and `tests/onnx_models.rs` holds it to
//! PyTorch's `padding_mode="reflect"` on the narrowed models.
//!
//! Criterion's throughput is set to the forward pass's floating-point operations
//! (2 × multiply-adds), so its `elem/s` read as FLOP/s.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use padlens::infer::Model;
use padlens::padding::PaddingMode;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The models `tools/onnx_models.py full` makes, smallest first.
const MODELS: [&str; 7] = [
    "mobilenet_v2",
    "googlenet",
    "resnet18",
    "densenet121",
    "resnet50",
    "vgg11",
    "vgg19",
];

/// The largest `max|padlens − ORT| / max|ORT|` accepted.
const TOLERANCE: f32 = 1e-4;

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/.cache/models")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn forward(c: &mut Criterion) {
    let dir = models_dir();
    let mut group = c.benchmark_group("engine");
    // A forward pass takes 20 ms to 2 s: ten samples of one or a few passes each.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let mut missing = Vec::new();
    for name in MODELS {
        let model_path = dir.join(format!("{name}.onnx"));
        if !model_path.exists() {
            missing.push(name);
            continue;
        }
        let model = Model::from_onnx(read(&model_path)).expect("the model imports");
        let input = padlens::onnx::load_tensor(read(&dir.join(format!("{name}.input_0.pb"))))
            .expect("the input reads")
            .to_f32();
        let expected = padlens::onnx::load_tensor(read(&dir.join(format!("{name}.output_0.pb"))))
            .expect("the output reads")
            .to_f32();
        let modes: &[PaddingMode] = if name == "resnet50" {
            &[PaddingMode::Zeros, PaddingMode::Reflect]
        } else {
            &[PaddingMode::Zeros]
        };
        for &mode in modes {
            let mut plan = model
                .plan(Some([224, 224]), Some(mode), &[])
                .expect("the model plans");
            let output = plan.output_names().next().expect("an output").to_owned();
            let start = Instant::now();
            plan.run(&[&input]).expect("the model runs");
            let first = start.elapsed();
            let y = plan.tensor(&output).expect("the output").to_f32();
            let multiply_adds = plan.multiply_adds();
            let mut note = format!(
                "{name} @224 {mode}: {:.3} GMACs, first run {:.0} ms",
                multiply_adds / 1e9,
                first.as_secs_f64() * 1e3
            );
            if mode == PaddingMode::Zeros {
                let scale = expected.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                let error = y
                    .iter()
                    .zip(&expected)
                    .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
                let relative = error / scale;
                assert!(
                    y.len() == expected.len() && relative <= TOLERANCE,
                    "{name}: max|padlens − ONNX Runtime| / max|ONNX Runtime| = {relative:e} \
                     (over {TOLERANCE:e}): not timing a wrong result"
                );
                note += &format!(", max|padlens − ORT| / max|ORT| = {relative:.1e}");
            }
            eprintln!("{note}");
            // About fifteen passes measured, at least three seconds (criterion's estimate
            // of a sample needs a few passes to spread over).
            group.warm_up_time((2 * first).max(Duration::from_secs(1)));
            group.measurement_time((15 * first).max(Duration::from_secs(3)));
            group.throughput(Throughput::Elements((2.0 * multiply_adds) as u64));
            group.bench_function(format!("{name} {mode}"), |b| {
                b.iter(|| plan.run(&[black_box(&input)]).expect("the model runs"))
            });
        }
    }
    group.finish();
    if !missing.is_empty() {
        eprintln!(
            "skipped (not in {}): {}. Make them with `tools/.venv/bin/python \
             tools/onnx_models.py full` (1.3 GB, about a minute; tools/README.md).",
            dir.display(),
            missing.join(", ")
        );
    }
}

criterion_group!(benches, forward);
criterion_main!(benches);
