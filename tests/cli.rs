//! The `padlens` command line, run as a user would.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn padlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_padlens"))
        .args(args)
        .output()
        .expect("the padlens binary runs")
}

/// The command succeeded; otherwise its stderr is the failure message.
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("padlens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn zoo_lists_torchvision_names() {
    let out = padlens(&["zoo"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["vgg19", "resnet50", "resnet152"] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{text}"
        );
    }
}

#[test]
fn json_has_the_map_and_its_summary() {
    let out = padlens(&[
        "utilization",
        "--arch",
        "vgg19",
        "--size",
        "512",
        "--layers",
        "2",
    ]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["height"], 512);
    assert_eq!(json["layers"], 2);
    // Two 3×3 convs: the centre is read 9² times; per axis the border pixel is read by
    // windows 0 and 1 of the first layer, which the second reads 2 and 3 times: 5² in all.
    assert_eq!(json["summary"]["centre"], 81.0);
    assert_eq!(json["map"][0][0], 25.0);
    assert_eq!(json["map"].as_array().unwrap().len(), 512);
}

#[test]
fn npy_is_height_by_width_little_endian_f64() {
    let path = temp_path("map.npy");
    let out = padlens(&[
        "utilization",
        "--arch",
        "resnet18",
        "--size",
        "97x131",
        "--format",
        "npy",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_success(&out);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header = String::from_utf8_lossy(&bytes[10..128]);
    assert!(
        header.contains("'descr': '<f8'") && header.contains("(97, 131)"),
        "{header}"
    );
    let data_start = bytes.len() - 97 * 131 * 8;
    let first = f64::from_le_bytes(bytes[data_start..data_start + 8].try_into().unwrap());
    assert!(first > 0.0);
}

#[test]
fn png_is_a_png() {
    let path = temp_path("map.png");
    let out = padlens(&[
        "utilization",
        "--arch",
        "resnet50",
        "--size",
        "64",
        "--padding",
        "reflect",
        "--format",
        "png",
        "--log",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_success(&out);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
}

#[test]
fn spec_files_work() {
    let path = temp_path("tiny.json");
    std::fs::write(
        &path,
        r#"{"name": "tiny", "layers": [{"type": "conv", "kernel": 3, "padding": 1}]}"#,
    )
    .unwrap();
    let out = padlens(&[
        "utilization",
        "--arch",
        path.to_str().unwrap(),
        "--size",
        "5",
    ]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["network"], "tiny");
    assert_eq!(json["map"][0], serde_json::json!([4.0, 6.0, 6.0, 6.0, 4.0]));
}

#[test]
fn bad_input_is_a_clear_error_with_a_nonzero_exit() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["utilization", "--arch", "vgg19", "--size", "8"],
            "features.27",
        ),
        (&["utilization", "--arch", "vgg19", "--size", "0"], "size"),
        (
            &["utilization", "--arch", "vgg19", "--size", "12x"],
            "97x131",
        ),
        (
            &[
                "utilization",
                "--arch",
                "vgg19",
                "--size",
                "5",
                "--padding",
                "reflect",
            ],
            "reflect",
        ),
        (
            &[
                "utilization",
                "--arch",
                "vgg19",
                "--size",
                "5",
                "--padding",
                "mirror",
            ],
            "symmetric",
        ),
        (
            &[
                "utilization",
                "--arch",
                "resnet50",
                "--size",
                "224",
                "--padding",
                "valid",
            ],
            "layer1.0",
        ),
        (
            &["utilization", "--arch", "resnet50", "--size", "100000"],
            "MiB",
        ),
        (
            &["utilization", "--arch", "vgg20", "--size", "224"],
            "vgg19",
        ),
        (
            &["utilization", "--arch", "missing.json", "--size", "224"],
            "missing.json",
        ),
        (
            &[
                "utilization",
                "--arch",
                "vgg19",
                "--size",
                "224",
                "--layers",
                "99",
            ],
            "1 to 21",
        ),
    ];
    for (args, expected) in cases {
        let out = padlens(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn uneven_reports_resnet50_at_224_and_advises_225() {
    let out = padlens(&[
        "uneven", "--arch", "resnet50", "--size", "224", "--format", "json",
    ]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let offending: Vec<&str> = json["report"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["offending"] == true)
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(offending.len(), 8);
    assert!(offending.contains(&"layer3.0.conv2"));
    assert_eq!(json["sizes"][0]["above"], 225);
    assert_eq!(json["sizes"][1]["rule"]["modulus"], 32);
    let text = padlens(&["uneven", "--arch", "resnet50", "--size", "225"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("0 of 21"), "{text}");
    let tf = padlens(&[
        "uneven",
        "--arch",
        "resnet50",
        "--size",
        "224",
        "--framework",
        "tf",
    ]);
    assert!(String::from_utf8_lossy(&tf.stdout).contains("reads only the bottom padding"));
}

#[test]
fn sweep_writes_csv_and_json() {
    let out = padlens(&["sweep", "--arch", "vgg19", "--sizes", "16:80:32"]);
    assert_success(&out);
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("size,share,"));
    assert!(lines[0].ends_with(",period_height,period_width,interior_log2,error"));
    assert_eq!(lines.len(), 4);
    // vgg19's five stride-2 poolings: the map is averaged over 32×32, and compared with
    // U∞ = 9^16 (log2 = 16·log2 9 ≈ 50.72).
    let fields: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(&fields[8..10], ["32", "32"], "{}", lines[2]);
    assert!((fields[10].parse::<f64>().unwrap() - 16.0 * 9f64.log2()).abs() < 1e-9);
    assert!(lines[1].starts_with("16,,,,,,,,,,,\""), "{}", lines[1]);
    // vgg19 cannot run at 16 px: the row carries the error instead of numbers.
    assert!(
        lines[1].starts_with("16,,") && lines[1].contains("features"),
        "{}",
        lines[1]
    );
    let out = padlens(&[
        "sweep", "--arch", "vgg19", "--sizes", "48:80:32", "--format", "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(json[0]["share"].as_f64().unwrap() > 0.0);
    assert_eq!(json[0]["period"], serde_json::json!([32, 32]));
    for bad in [
        &["--sizes", "80:16"][..],
        &["--sizes", "16:80", "--threshold", "2"][..],
    ] {
        let mut args = vec!["sweep", "--arch", "vgg19"];
        args.extend_from_slice(bad);
        let out = padlens(&args);
        assert!(!out.status.success(), "{bad:?}");
    }
}
