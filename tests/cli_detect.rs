//! `padlens detect`, run as a user would, on the committed narrow ResNet-18
//! (tests/onnx/models/resnet18: untrained, 1000 outputs).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
#[allow(dead_code)]
mod cli_common;
use cli_common::{padlens, resnet18_path as model_path, stderr, temp_path};

use padlens::detect::{
    Background, DetectGrid, DetectRequest, Evaluation, RgbImage, RgbaImage, Score, Stimulus,
};
use padlens::infer::inspect::Normalization;
use padlens::infer::Model;
use std::path::Path;
use std::process::Output;

/// `detect` on the test model at 48×48 with a 16-px stimulus at stride 8 (a 5×5 grid), plus
/// `extra` arguments.
fn detect(extra: &[&str]) -> Output {
    let model = model_path();
    let mut args = vec![
        "detect",
        "--model",
        model.to_str().unwrap(),
        "--size",
        "48",
        "--stimulus-size",
        "16",
        "--stride",
        "8",
    ];
    args.extend_from_slice(extra);
    padlens(&args)
}

/// The same grid from the core.
fn core_grid(background: Background, stimulus: Stimulus, score: Score) -> Vec<f64> {
    let model = Model::from_onnx(std::fs::read(model_path()).unwrap()).unwrap();
    let request = DetectRequest {
        size: Some([48, 48]),
        padding: None,
        background,
        stimulus,
        stimulus_size: 16,
        stride: 8,
        score,
        normalization: Normalization::None,
    };
    DetectGrid::compute(&model, &request, Evaluation::Full, &mut |_, _| true)
        .unwrap()
        .scores
}

#[test]
fn csv_has_one_line_per_grid_row_and_the_core_s_scores() {
    let path = temp_path("grid.csv");
    let out = detect(&[
        "--background",
        "noise:7",
        "--stimulus",
        "traffic-light",
        "--score",
        "logit:3",
        "--threshold",
        "-1e9",
        "--format",
        "csv",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    // ⌊(48 − 16)/8⌋ + 1 = 5 per axis.
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.len() == 5));
    let flat: Vec<f64> = rows.concat();
    let expected = core_grid(
        Background::Noise { seed: 7 },
        Stimulus::TrafficLight,
        Score::Logit(3),
    );
    assert_eq!(flat, expected, "CSV round-trips the core's f64 scores");
    // Byte for byte what the page's grid download writes (the same core encoder).
    assert_eq!(text, padlens::export::csv_grid(&expected, [5, 5]).unwrap());
    // Every logit is above −1e9: all 25 placements detected.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "detection rate 1 at threshold -1000000000: 25 of 25 placements (5×5 grid)\n"
    );
}

#[test]
fn npy_is_rows_by_cols_f64() {
    let path = temp_path("grid.npy");
    let out = detect(&[
        "--background",
        "grey",
        "--stimulus",
        "disk",
        "--score",
        "class:1",
        "--normalize",
        "imagenet",
        "--padding",
        "reflect",
        "--format",
        "npy",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header = String::from_utf8_lossy(&bytes[10..128]);
    assert!(header.contains("'descr': '<f8'"), "{header}");
    assert!(header.contains("'shape': (5, 5)"), "{header}");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let values: Vec<f64> = bytes[10 + header_len..]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values.len(), 25);
    assert!(values.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("detection rate "));
}

/// An RGBA PNG of `width × height` pixels from `pixel(x, y)`.
fn write_png(path: &Path, [width, height]: [u32; 2], pixel: impl Fn(u32, u32) -> [u8; 4]) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let data: Vec<u8> = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .flat_map(|(x, y)| pixel(x, y))
        .collect();
    encoder
        .write_header()
        .unwrap()
        .write_image_data(&data)
        .unwrap();
}

#[test]
fn png_backgrounds_and_stimuli_are_read_and_the_grid_drawn() {
    let background_pixel = |x: u32, y: u32| [(x * 8) as u8, (y * 12) as u8, 128, 255];
    // A stimulus: an opaque red cross on transparency.
    let stimulus_pixel = |x: u32, y: u32| {
        if x == 3 || x == 4 || y == 3 || y == 4 {
            [255, 0, 0, 255]
        } else {
            [0, 0, 0, 0]
        }
    };
    let background = temp_path("background.png");
    write_png(&background, [30, 20], background_pixel);
    let stimulus = temp_path("stimulus.png");
    write_png(&stimulus, [8, 8], stimulus_pixel);
    // The CLI reads the files' pixels as the core takes them.
    let csv_path = temp_path("images.csv");
    let csv = detect(&[
        "--background",
        background.to_str().unwrap(),
        "--stimulus",
        stimulus.to_str().unwrap(),
        "--score",
        "logit:0",
        "--format",
        "csv",
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let scores: Vec<f64> = std::fs::read_to_string(&csv_path)
        .unwrap()
        .lines()
        .flat_map(|l| {
            l.split(',')
                .map(|v| v.parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let rgba = |width: u32, height: u32, pixel: &dyn Fn(u32, u32) -> [u8; 4]| -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| pixel(x, y))
            .collect()
    };
    let expected = core_grid(
        Background::Image(RgbImage::from_rgba8(&rgba(30, 20, &background_pixel), 30, 20).unwrap()),
        Stimulus::Image(RgbaImage::from_rgba8(&rgba(8, 8, &stimulus_pixel), 8, 8).unwrap()),
        Score::Logit(0),
    );
    assert_eq!(scores, expected);
    // And the same with a drawn stimulus differs: the picture was used.
    assert_ne!(
        scores,
        core_grid(
            Background::Image(
                RgbImage::from_rgba8(&rgba(30, 20, &background_pixel), 30, 20).unwrap(),
            ),
            Stimulus::Square,
            Score::Logit(0),
        )
    );
    let out_path = temp_path("grid.png");
    let out = detect(&[
        "--background",
        background.to_str().unwrap(),
        "--stimulus",
        stimulus.to_str().unwrap(),
        "--score",
        "logit:0",
        "--format",
        "png",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&out_path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    // The 5×5 grid at 16 px a cell (80 px), beside a colour bar of 128 px and its labels.
    assert_eq!(reader.info().height, 128 + 8);
    assert!(
        reader.info().width > 80 + 12 + 16,
        "{}",
        reader.info().width
    );
}

#[test]
fn bad_input_is_a_clear_error_with_a_nonzero_exit() {
    let out_path = temp_path("never.npy");
    let out = out_path.to_str().unwrap();
    let not_a_png = temp_path("not-a.png");
    std::fs::write(&not_a_png, b"not an image").unwrap();
    let not_a_model = temp_path("not-a-model.onnx");
    std::fs::write(&not_a_model, b"not a model").unwrap();
    for (settings, says) in [
        (
            [("--stimulus-size", "49")],
            "stimulus size: a stimulus of 49×49 pixels does not fit in the 48×48 image",
        ),
        ([("--stride", "0")], "stride: must be at least 1, got 0"),
        (
            [("--score", "class:1000")],
            "score: class:1000 but the first output [1, 1000] has 1000 classes (0–999)",
        ),
        (
            [("--score", "heatmap:2")],
            "score: heatmap:2 needs a [1, C, h, w] output, got [1, 1000]",
        ),
        (
            [("--score", "boxes:1@0.6")],
            "score: boxes:1@0.6 needs a [1, N, 6] output, got [1, 1000]",
        ),
        (
            [("--background", "gray")],
            "background: unknown `gray`; expected grey, noise:SEED or an image",
        ),
        ([("--stimulus", "missing.png")], "cannot read missing.png"),
        (
            [("--background", not_a_png.to_str().unwrap())],
            "not a PNG image",
        ),
        ([("--threshold", "NaN")], "the detection threshold must be"),
    ] {
        // The 5×5 grid's settings, with one changed.
        let mut args = vec![
            ("--background", "grey"),
            ("--stimulus", "disk"),
            ("--stimulus-size", "16"),
            ("--stride", "8"),
            ("--score", "class:1"),
            ("--format", "npy"),
            ("--out", out),
        ];
        for (flag, value) in settings {
            match args.iter_mut().find(|(f, _)| *f == flag) {
                Some(setting) => setting.1 = value,
                None => args.push((flag, value)),
            }
        }
        let model = model_path();
        let mut argv = vec!["detect", "--model", model.to_str().unwrap(), "--size", "48"];
        argv.extend(args.iter().flat_map(|(f, v)| [*f, *v]));
        let result = padlens(&argv);
        assert_eq!(
            result.status.code(),
            Some(1),
            "{settings:?}: {}",
            stderr(&result)
        );
        assert!(
            stderr(&result).contains(says),
            "{settings:?}: {}",
            stderr(&result)
        );
        assert!(!stderr(&result).contains("panicked"));
    }
    // Malformed arguments are clap's: exit code 2, with the core's words.
    let bad_score = detect(&[
        "--background",
        "grey",
        "--stimulus",
        "disk",
        "--score",
        "boxes:1@2",
        "--format",
        "npy",
        "--out",
        out,
    ]);
    assert_eq!(bad_score.status.code(), Some(2));
    assert!(
        stderr(&bad_score).contains("0 < τ ≤ 1"),
        "{}",
        stderr(&bad_score)
    );
    // Not a model.
    let model = padlens(&[
        "detect",
        "--model",
        not_a_model.to_str().unwrap(),
        "--background",
        "grey",
        "--stimulus",
        "disk",
        "--stimulus-size",
        "4",
        "--stride",
        "4",
        "--score",
        "class:0",
        "--format",
        "npy",
        "--out",
        out,
    ]);
    assert_eq!(model.status.code(), Some(1));
    assert!(stderr(&model).contains("this is not an ONNX model"));
    assert!(!out_path.exists(), "nothing is written on an error");
}

#[test]
fn a_grid_too_large_to_hold_is_refused_before_it_is_allocated() {
    // Every layer's output kept twice at 9000×9000: about 3.9 GiB for the narrow ResNet-18.
    let out_path = temp_path("huge.npy");
    let out = out_path.to_str().unwrap();
    let model = model_path();
    let refused = padlens(&[
        "detect",
        "--model",
        model.to_str().unwrap(),
        "--size",
        "9000",
        "--background",
        "grey",
        "--stimulus",
        "disk",
        "--stimulus-size",
        "16",
        "--stride",
        "4000",
        "--score",
        "class:0",
        "--format",
        "npy",
        "--out",
        out,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("at 9000×9000, keeping every layer's output for incremental runs")
            && message.contains("padlens holds at most 3072 MiB for it (choose a smaller input)"),
        "{message}"
    );
    assert!(!out_path.exists());
}
