//! ONNX's own conformance cases (the backend node tests of PyPI's onnx 1.21.0, selected by
//! `tools/onnx_node_tests.py` into `tests/onnx/node/`): every case of every operator padlens
//! supports runs here, natively, and must match ONNX's expected outputs to the backend
//! tests' own tolerance (rtol 1e-3, atol 1e-7). A case padlens does not run is in `SKIPS`
//! with the reason; a skipped case that starts passing fails the test, so the list stays
//! true. The per-operator counts in the README are checked against this run.

#![cfg(not(target_arch = "wasm32"))]

#[path = "common/allocations.rs"]
mod allocations;
#[path = "common/node_case.rs"]
mod node_case;

#[global_allocator]
static ALLOCATOR: allocations::CountingAllocator = allocations::CountingAllocator;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Why a case is skipped; each reason is one sentence of the README.
const THREE_D: &str = "3-D pooling: padlens runs 1-D and 2-D windows";
const TRAINING_BN: &str = "BatchNormalization in training mode: padlens runs inference";
const MASK: &str = "Dropout's mask output: padlens computes each node's first output";
const TRAINING_DROPOUT: &str = "Dropout in training mode drops at random: padlens runs inference";
const ARGMAX: &str = "MaxPool's indices output: padlens computes each node's first output";
const SEQUENCE: &str = "sequence and optional values: padlens computes with tensors";
const CUBIC: &str = "cubic resizing: padlens resizes nearest and linear";
const ANTIALIAS: &str = "antialiased resizing: padlens resizes without a low-pass filter";
const CROP: &str = "tf_crop_and_resize: padlens resizes the whole image";

/// Cases padlens does not run, and why.
const SKIPS: &[(&str, &str)] = &[
    ("test_averagepool_3d_default", THREE_D),
    (
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False",
        THREE_D,
    ),
    (
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True",
        THREE_D,
    ),
    (
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False",
        THREE_D,
    ),
    (
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True",
        THREE_D,
    ),
    ("test_averagepool_3d_dilations_small", THREE_D),
    ("test_batchnorm_epsilon_training_mode", TRAINING_BN),
    ("test_batchnorm_example_training_mode", TRAINING_BN),
    ("test_dropout_default_mask", MASK),
    ("test_dropout_default_mask_ratio", MASK),
    ("test_identity_opt", SEQUENCE),
    ("test_identity_sequence", SEQUENCE),
    ("test_maxpool_3d_default", THREE_D),
    ("test_maxpool_3d_dilations", THREE_D),
    ("test_maxpool_3d_dilations_use_ref_impl", THREE_D),
    ("test_maxpool_3d_dilations_use_ref_impl_large", THREE_D),
    ("test_maxpool_with_argmax_2d_precomputed_pads", ARGMAX),
    ("test_maxpool_with_argmax_2d_precomputed_strides", ARGMAX),
    ("test_resize_downsample_scales_cubic", CUBIC),
    (
        "test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
        CUBIC,
    ),
    ("test_resize_downsample_scales_cubic_align_corners", CUBIC),
    ("test_resize_downsample_scales_cubic_antialias", ANTIALIAS),
    ("test_resize_downsample_scales_linear_antialias", ANTIALIAS),
    ("test_resize_downsample_sizes_cubic", CUBIC),
    ("test_resize_downsample_sizes_cubic_antialias", ANTIALIAS),
    ("test_resize_downsample_sizes_linear_antialias", ANTIALIAS),
    ("test_resize_tf_crop_and_resize", CROP),
    ("test_resize_tf_crop_and_resize_axes_2_3", CROP),
    ("test_resize_tf_crop_and_resize_axes_3_2", CROP),
    ("test_resize_tf_crop_and_resize_extrapolation_value", CROP),
    ("test_resize_upsample_scales_cubic", CUBIC),
    (
        "test_resize_upsample_scales_cubic_A_n0p5_exclude_outside",
        CUBIC,
    ),
    ("test_resize_upsample_scales_cubic_align_corners", CUBIC),
    ("test_resize_upsample_scales_cubic_asymmetric", CUBIC),
    ("test_resize_upsample_sizes_cubic", CUBIC),
    ("test_training_dropout", TRAINING_DROPOUT),
    ("test_training_dropout_default", TRAINING_DROPOUT),
    ("test_training_dropout_default_mask", MASK),
    ("test_training_dropout_mask", MASK),
    ("test_training_dropout_zero_ratio_mask", MASK),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx/node")
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `input_K.pb` or `output_K.pb` files of a data set, in order.
fn numbered(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<(usize, PathBuf)> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let index = name
                .strip_prefix(prefix)?
                .strip_suffix(".pb")?
                .parse()
                .ok()?;
            Some((index, entry.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

/// Runs every data set of one case, twice: the second run must allocate nothing.
fn run_case(dir: &Path) -> Result<(), String> {
    let model = read(&dir.join("model.onnx"))?;
    let mut data_sets: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    data_sets.sort();
    for data_set in data_sets {
        let files = |prefix| -> Result<Vec<Vec<u8>>, String> {
            numbered(&data_set, prefix)
                .iter()
                .map(|p| read(p))
                .collect()
        };
        let (inputs, outputs) = (files("input_")?, files("output_")?);
        let inputs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let mut planned = node_case::plan(&model, &inputs)?;
        planned.run()?;
        let mut again = Ok(());
        let allocated = allocations::allocations_during(|| again = planned.run());
        again?;
        if allocated > 0 {
            return Err(format!("the second run allocated {allocated} times"));
        }
        let outputs: Vec<&[u8]> = outputs.iter().map(Vec::as_slice).collect();
        node_case::check_outputs(&planned.plan, &outputs)?;
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    primary_op: String,
}

#[test]
fn onnx_backend_node_tests() {
    let text = fs::read_to_string(root().join("cases.json")).unwrap();
    let cases: Cases = serde_json::from_str(&text).unwrap();
    let skips: BTreeMap<&str, &str> = SKIPS.iter().copied().collect();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    for case in &cases.cases {
        let outcome = run_case(&root().join(&case.name));
        let entry = counts.entry(case.primary_op.clone()).or_default();
        match (outcome, skips.get(case.name.as_str())) {
            (Ok(()), None) => entry.0 += 1,
            (Err(e), None) => problems.push(format!("{}: {e}", case.name)),
            (Ok(()), Some(_)) => problems.push(format!(
                "{}: passes, but SKIPS lists it: remove it from the list",
                case.name
            )),
            (Err(_), Some(_)) => entry.1 += 1,
        }
    }
    for name in skips.keys() {
        if !cases.cases.iter().any(|c| c.name == *name) {
            problems.push(format!("{name}: in SKIPS but not among the cases"));
        }
    }
    let table = readme_table(&counts);
    println!("{table}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's conformance table is out of date; it should read:\n{table}"
    );
}

/// The README's block: passes per operator, then every skipped case and why.
fn readme_table(counts: &BTreeMap<String, (usize, usize)>) -> String {
    let mut text = String::from("| operator | cases passed | skipped |\n|---|---|---|\n");
    let (mut passed, mut skipped) = (0, 0);
    for (op, (p, s)) in counts {
        text += &format!("| {op} | {p} | {s} |\n");
        passed += p;
        skipped += s;
    }
    text += &format!("| **all** | **{passed}** | **{skipped}** |\n");
    if !SKIPS.is_empty() {
        text += &format!("\nSkipped ({}):\n", SKIPS.len());
        let mut reasons: Vec<&str> = SKIPS.iter().map(|(_, r)| *r).collect();
        reasons.sort_unstable();
        reasons.dedup();
        for reason in reasons {
            let names: Vec<String> = SKIPS
                .iter()
                .filter(|(_, r)| *r == reason)
                .map(|(n, _)| format!("`{n}`"))
                .collect();
            text += &format!("- {reason} ({}): {}\n", names.len(), names.join(", "));
        }
    }
    text
}
