//! The export encoders (src/export.rs): the `.npy` bytes equal `ndarray-npy`'s, and the CLI's
//! `--format npy` and `--format csv` are exactly the core encoders' bytes for the same values
//! (the page calls the same encoders through wasm.rs, so the two export identical files).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
#[allow(dead_code)]
mod cli_common;
use cli_common::{padlens, stderr, temp_path};

use ndarray::{Array1, Array2, Array3};
use ndarray_npy::WriteNpyExt;
use padlens::analysis;
use padlens::export;
use padlens::net::zoo;
use padlens::padding::PaddingMode;

fn ndarray_npy_bytes<A: WriteNpyExt>(array: &A) -> Vec<u8> {
    let mut bytes = Vec::new();
    array.write_npy(&mut bytes).unwrap();
    bytes
}

#[test]
fn npy_bytes_equal_ndarray_npy_for_every_rank_and_header_length() {
    // Shapes whose header text lands on both sides of the 64-byte boundary.
    for (h, w) in [(1, 1), (2, 3), (224, 225), (1024, 1024), (12345, 7)] {
        let values: Vec<f64> = (0..h * w).map(|i| (i as f64).sqrt() - 3.5).collect();
        let array = Array2::from_shape_vec([h, w], values.clone()).unwrap();
        assert_eq!(
            export::npy(&values, &[h, w]).unwrap(),
            ndarray_npy_bytes(&array),
            "{h}×{w}"
        );
    }
    let values: Vec<f32> = (0..24).map(|i| i as f32 * 0.25).collect();
    let array = Array3::from_shape_vec([2, 3, 4], values.clone()).unwrap();
    assert_eq!(
        export::npy(&values, &[2, 3, 4]).unwrap(),
        ndarray_npy_bytes(&array)
    );
    let array = Array1::from_vec(vec![1.5f64, -2.0]);
    assert_eq!(
        export::npy(&[1.5f64, -2.0], &[2]).unwrap(),
        ndarray_npy_bytes(&array)
    );
}

/// The map `padlens utilization --arch resnet50 --size 96x97 --padding zeros` computes.
fn core_map() -> (Vec<f64>, [usize; 2]) {
    let network = zoo::build("resnet50").unwrap();
    let plan = network
        .plan([96, 97], Some(PaddingMode::Zeros), None)
        .unwrap();
    let map = analysis::utilization_of_plan(&plan).unwrap();
    (map.values.iter().copied().collect(), map.size())
}

fn utilization(format: &str) -> Vec<u8> {
    let path = temp_path(&format!("map.{format}"));
    let out = padlens(&[
        "utilization",
        "--arch",
        "resnet50",
        "--size",
        "96x97",
        "--padding",
        "zeros",
        "--format",
        format,
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read(&path).unwrap()
}

#[test]
fn cli_utilization_npy_and_csv_are_the_core_encoders_bytes() {
    let (values, size) = core_map();
    assert_eq!(size, [96, 97]);
    assert_eq!(utilization("npy"), export::npy(&values, &size).unwrap());
    let csv = utilization("csv");
    assert_eq!(csv, export::csv_grid(&values, size).unwrap().into_bytes());
    // And it reads back to the same doubles.
    let text = String::from_utf8(csv).unwrap();
    let back: Vec<f64> = text
        .lines()
        .flat_map(|line| line.split(',').map(|v| v.parse::<f64>().unwrap()))
        .collect();
    assert_eq!(back, values);
    assert_eq!(text.lines().count(), 96);
}

/// The page tests (tests/e2e/export.test.mjs) compare the page's downloads with files the CLI
/// wrote, checked in under tests/e2e/export-golden; this keeps them the core's current bytes.
/// Regenerate with the commands below (`--out` the golden file; `uneven` to stdout).
#[test]
fn the_page_tests_golden_files_are_the_cli_s_current_output() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/export-golden");
    let map = [
        "--arch",
        "resnet18",
        "--size",
        "20x21",
        "--padding",
        "zeros",
    ];
    for format in ["npy", "csv", "png"] {
        let path = temp_path(&format!("golden.{format}"));
        let mut args = vec!["utilization"];
        args.extend_from_slice(&map);
        args.extend_from_slice(&["--format", format, "--out", path.to_str().unwrap()]);
        let out = padlens(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(golden.join(format!("resnet18_20x21_zeros.{format}"))).unwrap(),
            "tests/e2e/export-golden/resnet18_20x21_zeros.{format} is out of date: regenerate it"
        );
    }
    let mut args = vec!["uneven"];
    args.extend_from_slice(&map);
    args.extend_from_slice(&["--format", "csv"]);
    let out = padlens(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(golden.join("resnet18_20x21_zeros_torch_uneven_layers.csv")).unwrap(),
        "tests/e2e/export-golden/resnet18_20x21_zeros_torch_uneven_layers.csv is out of date"
    );
}

#[test]
fn cli_uneven_csv_is_the_core_table_of_the_report_s_layers() {
    use padlens::analysis::doctor::{diagnose, DoctorOptions};
    use padlens::net::transform::Framework;
    let network = zoo::build("resnet50").unwrap();
    let options = DoctorOptions {
        framework: Framework::Torch,
        mode: None,
        search: [16, 2048],
    };
    let diagnosis = diagnose(&network, [224, 224], options).unwrap();
    let json = serde_json::to_value(&diagnosis).unwrap();
    let layers = json["report"]["layers"].as_array().unwrap();
    let expected = export::objects_csv(layers).unwrap();
    let out = padlens(&[
        "uneven", "--arch", "resnet50", "--size", "224", "--format", "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, expected);
    assert_eq!(text.lines().count(), layers.len() + 1);
    assert!(text.lines().next().unwrap().contains("name"));
}
