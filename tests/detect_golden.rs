//! Detectability grids (definitions.md §5) against golden grids from a reference
//! implementation: `tools/detect_goldens.py` re-implements the scene (backgrounds, stimuli,
//! compositing, normalisation) in NumPy from the definitions and runs ONNX Runtime once per
//! placement on the whole model (tests/golden/detect/, listed in cases.json). Each case is
//! computed here by `DetectGrid::compute`, full and incremental, and by `padlens detect
//! --format npy`; no Python runs.
//!
//! Gated like tests/cli_detect.rs: the goldens are `.npy` files, read with ndarray-npy, which
//! comes with the `cli` feature (a default one), and the CLI binary needs it too.
#![cfg(feature = "cli")]

use ndarray::Array2;
use ndarray_npy::ReadNpyExt;
use padlens::detect::{Background, DetectGrid, DetectRequest, Evaluation, Score, Stimulus};
use padlens::infer::inspect::Normalization;
use padlens::infer::Model;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One line of tests/golden/detect/cases.json.
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    /// From the repository's root.
    model: String,
    /// `[height, width]`.
    size: [usize; 2],
    /// Always `model`: ONNX Runtime runs the model's own padding.
    padding: String,
    background: String,
    stimulus: String,
    stimulus_size: usize,
    stride: usize,
    score: String,
    normalization: String,
    /// `[rows, cols]`.
    grid: [usize; 2],
    file: String,
}

#[derive(Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests/golden/detect")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(golden_dir().join("cases.json")).unwrap();
    let cases: Cases = serde_json::from_str(&text).unwrap();
    assert!(cases.cases.len() >= 6, "the goldens list their cases");
    cases.cases
}

fn read_npy(path: &Path) -> Array2<f64> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Array2::<f64>::read_npy(file).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn golden(case: &Case) -> Array2<f64> {
    let grid = read_npy(&golden_dir().join(&case.file));
    assert_eq!(grid.dim(), (case.grid[0], case.grid[1]), "{}", case.name);
    grid
}

fn normalization(case: &Case) -> Normalization {
    match case.normalization.as_str() {
        "none" => Normalization::None,
        "imagenet" => Normalization::ImageNet,
        other => panic!("{}: unknown normalization {other}", case.name),
    }
}

fn request(case: &Case) -> DetectRequest {
    assert_eq!(case.padding, "model", "{}", case.name);
    DetectRequest {
        size: Some(case.size),
        padding: None,
        background: Background::parse(&case.background).unwrap(),
        stimulus: Stimulus::parse(&case.stimulus).unwrap(),
        stimulus_size: case.stimulus_size,
        stride: case.stride,
        score: Score::parse(&case.score).unwrap(),
        normalization: normalization(case),
    }
}

/// The relative tolerance of `logit:K`, `heatmap:K` and `boxes:K` scores, against
/// `max(|golden|, largest |golden| of the grid)`: both engines compute in f32 with different
/// summation orders, so an output's error scales with the magnitudes of the activations that
/// produce it, not with its own value (a logit near 0 among logits of magnitude 5 carries the
/// absolute error of the others). Measured: at most 1.0e-6.
const RELATIVE: f64 = 1e-5;

/// The relative tolerance of `class:K` probabilities, against `|golden|` alone. A softmax turns
/// the logits' absolute errors into a relative error of p (p's relative error is the error of
/// `logit_K − log Σ exp(logits)`, whatever p's size, so no floor is needed), and for
/// MobileNetV2 that is near 1e-5 per engine: at placement (0, 1) of
/// `mobilenet_v2_noise_square_class`, ONNX Runtime gives 0.134229276, padlens 0.134227682
/// and an f64 evaluation of the same model and input (onnx.reference, initializers cast to
/// float64; the inputs are bit-identical) 0.134228380. ONNX Runtime is 7.8e-6 from it,
/// padlens 8.7e-6 (worst placements of the grid), so the two differ by 1.2e-5; the bound is
/// the sum of both engines' errors, not a wider margin for padlens alone.
const RELATIVE_CLASS: f64 = 2e-5;

/// `(tolerance, floor)` of a case: errors are `|got − golden| / max(|golden|, floor)`.
fn tolerance(case: &Case, golden: &Array2<f64>) -> (f64, f64) {
    if case.score.starts_with("class:") {
        (RELATIVE_CLASS, f64::MIN_POSITIVE)
    } else {
        let scale = golden.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        (RELATIVE, scale.max(f64::MIN_POSITIVE))
    }
}

/// The largest `|got − golden| / max(|golden|, floor)`, after checking that every score is
/// finite; panics above the case's tolerance, naming the case, placement and values.
fn compare(case: &Case, what: &str, got: &[f64], golden: &Array2<f64>) -> f64 {
    let [rows, cols] = case.grid;
    assert_eq!(got.len(), rows * cols, "{} ({what}): grid size", case.name);
    let (tolerance, floor) = tolerance(case, golden);
    let mut worst = (0.0, 0);
    for (i, (&g, &want)) in got.iter().zip(golden.iter()).enumerate() {
        assert!(g.is_finite(), "{} ({what}): score {i} is {g}", case.name);
        let error = (g - want).abs() / want.abs().max(floor);
        if error > worst.0 {
            worst = (error, i);
        }
    }
    let (error, i) = worst;
    let (row, col) = (i / cols, i % cols);
    let corner = [row * case.stride, col * case.stride];
    assert!(
        error <= tolerance,
        "{} ({what}): placement ({row}, {col}) at corner {corner:?}: padlens {} vs golden {} \
         (relative error {error:.2e} > {tolerance:e}, floor {floor:e})",
        case.name,
        got[i],
        golden[[row, col]]
    );
    error
}

#[test]
fn core_grids_match_onnx_runtime_full_and_incremental() {
    for case in cases() {
        let golden = golden(&case);
        let model = Model::from_onnx(std::fs::read(root().join(&case.model)).unwrap()).unwrap();
        let request = request(&case);
        let mut errors = Vec::new();
        for evaluation in [Evaluation::Full, Evaluation::Incremental] {
            let grid = DetectGrid::compute(&model, &request, evaluation, &mut |_, _| true)
                .unwrap_or_else(|e| panic!("{} ({evaluation:?}): {e}", case.name));
            assert_eq!([grid.rows, grid.cols], case.grid, "{}", case.name);
            assert_eq!(grid.done, grid.rows * grid.cols, "{}", case.name);
            let what = format!("{evaluation:?}");
            errors.push(compare(&case, &what, &grid.scores, &golden));
        }
        println!(
            "{}: max relative error full {:.1e}, incremental {:.1e}",
            case.name, errors[0], errors[1]
        );
    }
}

#[test]
fn every_golden_grid_is_listed() {
    let listed: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".npy") {
            assert!(listed.contains(&name), "{name} is not in cases.json");
        }
    }
}

#[test]
fn the_cli_writes_the_golden_grids_as_npy() {
    let dir = std::env::temp_dir().join(format!("padlens-detect-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for case in cases() {
        let golden = golden(&case);
        let out = dir.join(&case.file);
        let model = root().join(&case.model);
        let size = format!("{}x{}", case.size[0], case.size[1]);
        let (stimulus_size, stride) = (case.stimulus_size.to_string(), case.stride.to_string());
        let output = Command::new(env!("CARGO_BIN_EXE_padlens"))
            .args(["detect", "--model", model.to_str().unwrap()])
            .args(["--size", &size, "--background", &case.background])
            .args([
                "--stimulus",
                &case.stimulus,
                "--stimulus-size",
                &stimulus_size,
            ])
            .args(["--stride", &stride, "--score", &case.score])
            .args(["--normalize", &case.normalization, "--format", "npy"])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .expect("the padlens binary runs");
        assert!(
            output.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let grid = read_npy(&out);
        assert_eq!(grid.dim(), golden.dim(), "{}", case.name);
        let scores: Vec<f64> = grid.iter().copied().collect();
        compare(&case, "CLI", &scores, &golden);
    }
    std::fs::remove_dir_all(&dir).ok();
}
