//! Real and hand-built ONNX models against their reference implementations, without Python
//! (the data is made by `tools/onnx_models.py`, tools/README.md):
//! - torchvision's resnet18, resnet50, mobilenet_v2, vgg11, googlenet and densenet121 (width
//!   reduced, same structure) against ONNX Runtime, and with every convolution's padding
//!   swapped to reflect, replicate and circular against PyTorch's `padding_mode`;
//! - the operators' older forms (opsets 7–19) against ONNX Runtime;
//! - malformed models: each gets an error that says what is wrong.
//!
//! Agreement: max |error| ≤ 1e-4 · max |reference| (the bar).

#![cfg(not(target_arch = "wasm32"))]

// Only the list: this file reads each model's files by path, beside their reference data.
#[allow(dead_code)]
#[path = "common/models.rs"]
mod models;

#[path = "common/relative_error.rs"]
mod relative_error;
use relative_error::relative_error;

use models::MODELS;

#[path = "common/allocations.rs"]
mod allocations;

#[global_allocator]
static ALLOCATOR: allocations::CountingAllocator = allocations::CountingAllocator;

use padlens::infer::tensor::Tensor;
use padlens::infer::{Plan, PlanOptions};
use padlens::padding::PaddingMode;
use std::fs;
use std::path::{Path, PathBuf};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/onnx")
        .join(path)
}

fn tensor(path: &Path) -> Tensor {
    padlens::onnx::load_tensor(fs::read(path).unwrap()).unwrap()
}

/// Runs `model` on `input` with the given padding and returns its first output.
fn run(model: &Path, input: &Tensor, padding: Option<PaddingMode>) -> Tensor {
    let graph = padlens::onnx::load(fs::read(model).unwrap()).unwrap();
    let options = PlanOptions {
        input_shapes: Some(vec![input.shape.clone()]),
        padding,
        ..PlanOptions::default()
    };
    let mut plan = Plan::new(&graph, &options).unwrap();
    let data = input.to_f32();
    plan.run(&[&data]).unwrap();
    let allocated = allocations::allocations_during(|| plan.run(&[&data]).unwrap());
    assert_eq!(
        allocated,
        0,
        "{}: the second run allocated",
        model.display()
    );
    let name = plan.output_names().next().unwrap().to_owned();
    plan.tensor(&name).unwrap()
}

#[test]
fn torchvision_models_match_onnx_runtime() {
    for name in MODELS {
        let dir = data(&format!("models/{name}"));
        let input = tensor(&dir.join("input_0.pb"));
        let output = run(&dir.join("model.onnx"), &input, None);
        let error = relative_error(&output, &tensor(&dir.join("output_0.pb")));
        println!("{name}: relative error {error:.1e} against ONNX Runtime");
        assert!(error <= 1e-4, "{name}: relative error {error}");
    }
}

#[test]
fn swapped_padding_matches_pytorch_padding_mode() {
    for name in MODELS {
        let dir = data(&format!("models/{name}"));
        let input = tensor(&dir.join("input_0.pb"));
        // PyTorch's own padding modes, and symmetric and partial convolution built from
        // PyTorch primitives (tools/onnx_models.py).
        for mode in [
            PaddingMode::Reflect,
            PaddingMode::Replicate,
            PaddingMode::Circular,
            PaddingMode::Symmetric,
            PaddingMode::Partial,
        ] {
            let output = run(&dir.join("model.onnx"), &input, Some(mode));
            let expected = tensor(&dir.join(format!("output_{mode}.pb")));
            let error = relative_error(&output, &expected);
            println!("{name} {mode}: relative error {error:.1e} against PyTorch");
            assert!(error <= 1e-4, "{name} {mode}: relative error {error}");
        }
    }
}

/// Plans `model` at `input`'s shape with every convolution's padding swapped to `mode`.
fn plan_swapped(model: &Path, input: &Tensor, mode: PaddingMode) -> Result<Plan, String> {
    let graph = padlens::onnx::load(fs::read(model).unwrap()).unwrap();
    let options = PlanOptions {
        input_shapes: Some(vec![input.shape.clone()]),
        padding: Some(mode),
        ..PlanOptions::default()
    };
    Plan::new(&graph, &options).map_err(|e| e.to_string())
}

/// `valid` and `full` change the amounts (definitions.md §2): each output side shrinks or
/// grows by the dilated kernel's extent less one, and a graph whose shapes then disagree is
/// refused at the first node that breaks, by name.
#[test]
fn valid_and_full_change_the_amounts_or_name_the_node_that_breaks() {
    // conv_dilation_opset11: 3×3 kernel, dilations [2, 3] (extent 5×7), stride 1, on 1×2×7×9
    // with pads [2, 3, 2, 3], so the model's own output is 7×9.
    let dir = data("legacy/conv_dilation_opset11");
    let input = tensor(&dir.join("input_0.pb"));
    let [rows, cols] = [input.shape[2], input.shape[3]];
    for (mode, expected) in [
        (PaddingMode::Zeros, [rows, cols]),
        (PaddingMode::Valid, [rows - 4, cols - 6]),
        (PaddingMode::Full, [rows + 4, cols + 6]),
    ] {
        let mut plan = plan_swapped(&dir.join("model.onnx"), &input, mode).unwrap();
        plan.run(&[&input.to_f32()]).unwrap();
        let name = plan.output_names().next().unwrap().to_owned();
        let output = plan.value(&name).unwrap();
        assert_eq!(output.shape[2..], expected, "{mode}");
        assert!(output.data.iter().all(|v| v.is_finite()), "{mode}");
    }
    // ResNet-18's residual additions no longer line up once the 3×3 convs stop padding; VGG's
    // classifier expects 7×7 maps.
    for (name, mode, phrases) in [
        (
            "resnet18",
            PaddingMode::Valid,
            &[
                "with valid padding at every convolution",
                "node `/layer1/layer1.0/Add`",
            ][..],
        ),
        (
            "vgg11",
            PaddingMode::Full,
            &["with full padding at every convolution", "Gemm"][..],
        ),
    ] {
        let dir = data(&format!("models/{name}"));
        let input = tensor(&dir.join("input_0.pb"));
        let message = plan_swapped(&dir.join("model.onnx"), &input, mode)
            .err()
            .unwrap_or_else(|| panic!("{name} {mode} planned"));
        println!("{name} {mode}: {message}");
        for phrase in phrases {
            assert!(message.contains(phrase), "{name} {mode}: {message}");
        }
    }
}

#[derive(serde::Deserialize)]
struct LegacyCases {
    cases: Vec<LegacyCase>,
}

#[derive(serde::Deserialize)]
struct LegacyCase {
    name: String,
    exercises: String,
}

/// ONNX Runtime's Resize departs from the ONNX spec when the scales do not give whole pixels
/// (it measures the resized length in output pixels, the spec as scale × input); padlens
/// follows the spec, as ONNX's own node tests do (test_resize_downsample_scales_linear_
/// align_corners). For these cases the reference is ONNX's reference implementation.
const SPEC_NOT_ORT: [&str; 3] = [
    "resize_nearest_halfpixel_round_prefer_floor_opset11",
    "resize_nearest_alignc_round_prefer_ceil_opset11",
    "resize_linear_align_corners_opset11",
];

#[test]
fn older_operator_forms_match_onnx_runtime() {
    let text = fs::read_to_string(data("legacy/cases.json")).unwrap();
    let cases: LegacyCases = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for case in &cases.cases {
        let dir = data(&format!("legacy/{}", case.name));
        let input = tensor(&dir.join("input_0.pb"));
        let spec = dir.join("output_spec.pb");
        assert_eq!(
            spec.exists(),
            SPEC_NOT_ORT.contains(&case.name.as_str()),
            "{}",
            case.name
        );
        let expected = tensor(&if spec.exists() {
            spec
        } else {
            dir.join("output_0.pb")
        });
        let outcome = std::panic::catch_unwind(|| run(&dir.join("model.onnx"), &input, None));
        match outcome {
            Ok(output) if output.shape == expected.shape => {
                let error = relative_error(&output, &expected);
                if error > 1e-5 {
                    failures.push(format!(
                        "{} ({}): relative error {error}",
                        case.name, case.exercises
                    ));
                }
            }
            Ok(output) => failures.push(format!(
                "{} ({}): shape {:?}, expected {:?}",
                case.name, case.exercises, output.shape, expected.shape
            )),
            Err(_) => failures.push(format!("{} ({}): failed to run", case.name, case.exercises)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.cases.len(),
        failures.join("\n")
    );
}

#[derive(serde::Deserialize)]
struct BadCases {
    cases: Vec<BadCase>,
}

#[derive(serde::Deserialize)]
struct BadCase {
    file: String,
    wrong: String,
    phrase: String,
}

/// Loads and plans a model as the page and the CLI do.
fn open(bytes: Vec<u8>) -> Result<(), String> {
    let model = padlens::infer::Model::from_onnx(bytes).map_err(|e| e.to_string())?;
    model
        .plan(None, None, &[])
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn malformed_models_say_what_is_wrong() {
    let text = fs::read_to_string(data("bad/cases.json")).unwrap();
    let cases: BadCases = serde_json::from_str(&text).unwrap();
    for case in &cases.cases {
        let bytes = fs::read(data(&format!("bad/{}", case.file))).unwrap();
        let message = open(bytes).expect_err(&case.file);
        println!("{}: {message}", case.file);
        assert!(
            message.to_lowercase().contains(&case.phrase.to_lowercase()),
            "{} ({}): {message}",
            case.file,
            case.wrong
        );
    }
}

#[test]
fn truncated_and_random_files_are_refused() {
    let whole = fs::read(data("models/resnet18/model.onnx")).unwrap();
    assert!(open(whole.clone()).is_ok());
    // Cut at many places, including inside the weights and between fields.
    for cut in [
        0,
        1,
        7,
        100,
        1000,
        whole.len() / 3,
        whole.len() / 2,
        whole.len() - 1,
    ] {
        let message = open(whole[..cut].to_vec()).expect_err(&format!("cut at {cut}"));
        assert!(message.starts_with("model"), "cut at {cut}: {message}");
    }
    // A fixed-seed generator, so the bytes are the same on every run.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for length in [1usize, 16, 1000, 100_000] {
        let bytes: Vec<u8> = (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let message = open(bytes).expect_err("random bytes");
        assert!(message.contains("not an ONNX model"), "{message}");
    }
}
