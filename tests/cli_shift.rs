//! `padlens shift`, run as a user would, on the committed narrow ResNet-18
//! (tests/onnx/models/resnet18: untrained, 1000 outputs), at 48×48 with a 16-px stimulus.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
#[allow(dead_code)]
mod cli_common;
use cli_common::{padlens, resnet18_path as model_path, stderr, stdout, temp_path};

use std::path::Path;
use std::process::Output;

/// What `detect` and `shift` share: the model and the scene at 48×48, a 16-px traffic light on
/// noise, `logit:3`.
fn scene_args(command: &str) -> Vec<String> {
    [
        command,
        "--model",
        model_path().to_str().unwrap(),
        "--size",
        "48",
        "--background",
        "noise:7",
        "--stimulus",
        "traffic-light",
        "--stimulus-size",
        "16",
        "--score",
        "logit:3",
        "--normalize",
        "imagenet",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn shift(corner: &str, max_shift: &str, format: &str, out: &Path) -> Output {
    let mut args = scene_args("shift");
    for extra in [
        "--corner",
        corner,
        "--max-shift",
        max_shift,
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ] {
        args.push(extra.to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    padlens(&args)
}

/// `(direction, shift, score)` from the CSV, after its header.
fn csv_rows(csv: &str) -> Vec<(String, usize, String)> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("direction,shift,score"));
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 3, "{line}");
            (
                fields[0].to_owned(),
                fields[1].parse().unwrap(),
                fields[2].to_owned(),
            )
        })
        .collect()
}

#[test]
fn csv_rows_stop_at_the_border_and_shift_0_is_the_grid_s_cell() {
    // The grid: stride 8, a 5×5 grid; cell (0, 2) has its corner at (0, 16).
    let grid_path = temp_path("grid.csv");
    let mut args = scene_args("detect");
    for extra in [
        "--stride",
        "8",
        "--format",
        "csv",
        "--out",
        grid_path.to_str().unwrap(),
    ] {
        args.push(extra.to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let detect = padlens(&args);
    assert!(detect.status.success(), "{}", stderr(&detect));
    let grid = std::fs::read_to_string(&grid_path).unwrap();
    let cell: Vec<Vec<&str>> = grid.lines().map(|l| l.split(',').collect()).collect();

    let path = temp_path("shift.csv");
    let out = shift("0,16", "5", "csv", &path);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&std::fs::read_to_string(&path).unwrap());
    // Up: at the top border, only shift 0. Down: 48 − 16 − 0 = 32 of room, 5 asked. Left:
    // 16 of room. Right: 48 − 16 − 16 = 16.
    let expected: Vec<(&str, usize)> = [("up", 0), ("down", 5), ("left", 5), ("right", 5)]
        .iter()
        .flat_map(|&(direction, last)| (0..=last).map(move |d| (direction, d)))
        .collect();
    let got: Vec<(&str, usize)> = rows.iter().map(|(dir, d, _)| (dir.as_str(), *d)).collect();
    assert_eq!(got, expected);
    // Shift 0 in every direction is detect's score at that cell, as written.
    for (_, _, score) in rows.iter().filter(|(_, d, _)| *d == 0) {
        assert_eq!(score, cell[0][2]);
    }
    // Shifting noise changes the score.
    assert!(rows.iter().any(|(_, _, score)| score != cell[0][2]));
    let summary = stdout(&out);
    assert!(
        summary.starts_with("shift at corner 0,16: unshifted "),
        "{summary}"
    );
    assert!(
        summary.contains("up no shift (the stimulus touches the border)"),
        "{summary}"
    );
    assert!(summary.contains("down d = 1–5: "), "{summary}");

    // Near the bottom-right corner, (30, 29): down 2 of room, right 3.
    let out = shift("30,29", "4", "csv", &path);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&std::fs::read_to_string(&path).unwrap());
    let count = |direction: &str| rows.iter().filter(|(d, _, _)| d == direction).count();
    assert_eq!(["up", "down", "left", "right"].map(count), [5, 3, 5, 4]);
}

#[test]
fn json_is_the_curve() {
    let path = temp_path("shift.json");
    let out = shift("8,8", "2", "json", &path);
    assert!(out.status.success(), "{}", stderr(&out));
    let curve: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(curve["corner"], serde_json::json!([8, 8]));
    assert_eq!(curve["image"], serde_json::json!([48, 48]));
    assert_eq!(curve["stimulus_size"], 16);
    assert_eq!(curve["max_shift"], 2);
    assert_eq!(
        (curve["done"].clone(), curve["total"].clone()),
        (9.into(), 9.into())
    );
    let directions = curve["directions"].as_array().unwrap();
    let names: Vec<&str> = directions
        .iter()
        .map(|s| s["direction"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["up", "down", "left", "right"]);
    for series in directions {
        assert_eq!(series["last"], 2);
        let scores = series["scores"].as_array().unwrap();
        assert_eq!(scores.len(), 3);
        assert_eq!(scores[0], directions[0]["scores"][0]);
    }
}

#[test]
fn bad_input_is_a_clear_error_with_a_nonzero_exit() {
    let path = temp_path("never.csv");
    let out = shift("33,0", "4", "csv", &path);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "corner: a 16×16 stimulus at row 33, column 0 does not lie inside the 48×48 image: \
             its corner can be at rows 0–32 and columns 0–32"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
    assert!(!path.exists(), "nothing is written on an error");
    // A corner that is not Y,X is clap's error: exit code 2.
    for corner in ["8", "8,x", "-1,2"] {
        let out = shift(corner, "4", "csv", &path);
        assert_eq!(out.status.code(), Some(2), "{corner}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("expected Y,X") || stderr(&out).contains("unexpected argument"),
            "{corner}: {}",
            stderr(&out)
        );
    }
    // The shared settings are checked as `detect` checks them.
    let mut args = scene_args("shift");
    let at = args.iter().position(|a| a == "logit:3").unwrap();
    args[at] = "heatmap:2".into();
    for extra in [
        "--corner",
        "0,0",
        "--max-shift",
        "1",
        "--format",
        "csv",
        "--out",
    ] {
        args.push(extra.to_owned());
    }
    args.push(path.to_str().unwrap().to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = padlens(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("score: heatmap:2 needs a [1, C, h, w] output, got [1, 1000]"),
        "{}",
        stderr(&out)
    );
}
