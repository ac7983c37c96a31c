//! The `padlens` command line, run as a user would.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
#[allow(dead_code)]
mod cli_common;
use cli_common::{padlens, temp_path};

use std::process::Output;

/// The command succeeded; otherwise its stderr is the failure message.
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// A committed test model's folder (tools/onnx_models.py).
fn model_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/onnx/models")
        .join(name)
}

fn read_pb(path: &std::path::Path) -> padlens::infer::tensor::Tensor {
    padlens::onnx::load_tensor(std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn infer_writes_the_output_onnx_runtime_gives_and_any_named_value() {
    use ndarray_npy::{ReadNpyExt, WriteNpyExt};
    let dir = model_dir("resnet18");
    let input = read_pb(&dir.join("input_0.pb"));
    let array = ndarray::ArrayD::from_shape_vec(input.shape.clone(), input.to_f32()).unwrap();
    let input_path = temp_path("resnet18_input.npy");
    array
        .write_npy(std::fs::File::create(&input_path).unwrap())
        .unwrap();
    let model = dir.join("model.onnx");
    let (model, input_path) = (model.to_str().unwrap(), input_path.to_str().unwrap());
    for (padding, reference) in [
        (None, "output_0.pb"),
        (Some("partial"), "output_partial.pb"),
    ] {
        let out = temp_path("resnet18_output.npy");
        let mut args = vec!["infer", "--model", model, "--input", input_path];
        args.extend(padding.map(|p| ["--padding", p]).into_iter().flatten());
        args.extend(["--out", out.to_str().unwrap()]);
        assert_success(&padlens(&args));
        let output = ndarray::ArrayD::<f32>::read_npy(std::fs::File::open(&out).unwrap()).unwrap();
        let expected = read_pb(&dir.join(reference));
        assert_eq!(output.shape(), expected.shape.as_slice());
        let scale = expected.to_f32().iter().fold(0f32, |m, v| m.max(v.abs()));
        let error = output
            .iter()
            .zip(expected.to_f32())
            .fold(0f32, |m, (a, e)| m.max((a - e).abs()));
        assert!(error <= 1e-4 * scale, "{padding:?}: {error} of {scale}");
    }
    let out = temp_path("resnet18_relu.npy");
    let named = "/layer1/layer1.0/relu/Relu_output_0";
    assert_success(&padlens(&[
        "infer",
        "--model",
        model,
        "--input",
        input_path,
        "--output",
        named,
        "--out",
        out.to_str().unwrap(),
    ]));
    let value = ndarray::ArrayD::<f32>::read_npy(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!(value.shape(), [1, 4, 56, 56]);
    let failed = padlens(&[
        "infer",
        "--model",
        model,
        "--input",
        input_path,
        "--output",
        "nope",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(
        message.contains("no node or output named `nope`"),
        "{message}"
    );
}

#[test]
fn features_and_filters_write_what_the_core_computes() {
    use ndarray_npy::ReadNpyExt;
    let dir = model_dir("vgg11");
    let model_path = dir.join("model.onnx");
    let model = model_path.to_str().unwrap();
    let out = temp_path("vgg11_features");
    // 64×64: VGG's classifier expects 224, but the feature maps need none of it.
    assert_success(&padlens(&[
        "features",
        "--model",
        model,
        "--size",
        "64",
        "--samples",
        "3",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]));
    let first = out.join("00_features_features.0_Conv.npy");
    let map = ndarray::Array2::<f32>::read_npy(std::fs::File::open(&first).unwrap()).unwrap();
    let graph_model =
        padlens::infer::Model::from_onnx(std::fs::read(&model_path).unwrap()).unwrap();
    let mut expected =
        padlens::infer::inspect::MeanFeatureMaps::new(&graph_model, Some([64, 64]), None, 5)
            .unwrap();
    for _ in 0..3 {
        expected.add_sample().unwrap();
    }
    let expected = &expected.maps().unwrap()[0];
    assert_eq!(map.shape(), [64, 64]);
    assert_eq!(map.iter().copied().collect::<Vec<_>>(), expected.values);

    let json = padlens(&["filters", "--model", model]);
    assert_success(&json);
    let filters: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(filters.as_array().unwrap().len(), 8);
    assert_eq!(filters[0]["layer"], "/features/features.0/Conv");
    assert_eq!(filters[0]["kernel"], serde_json::json!([3, 3]));
    let png = temp_path("vgg11_filters.png");
    assert_success(&padlens(&[
        "filters",
        "--model",
        model,
        "--format",
        "png",
        "--out",
        png.to_str().unwrap(),
    ]));
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
}

#[test]
fn analyses_run_on_an_onnx_models_layer_graph() {
    let model = model_dir("resnet50").join("model.onnx");
    let model = model.to_str().unwrap();
    let from_model = padlens(&[
        "utilization",
        "--model",
        model,
        "--size",
        "97x131",
        "--format",
        "npy",
    ]);
    assert_success(&from_model);
    let from_zoo = padlens(&[
        "utilization",
        "--arch",
        "resnet50",
        "--size",
        "97x131",
        "--format",
        "npy",
    ]);
    assert_success(&from_zoo);
    // The width-reduced export has torchvision's resnet50 structure: the very same map.
    assert_eq!(from_model.stdout, from_zoo.stdout);
    let report = padlens(&[
        "uneven", "--model", model, "--size", "224", "--format", "json",
    ]);
    assert_success(&report);
    let sweep = padlens(&["sweep", "--model", model, "--sizes", "64:72:8"]);
    assert_success(&sweep);
    let both = padlens(&[
        "utilization",
        "--model",
        model,
        "--arch",
        "resnet50",
        "--size",
        "64",
    ]);
    assert!(!both.status.success());
    let broken = temp_path("broken.onnx");
    std::fs::write(&broken, b"not a model").unwrap();
    let failed = padlens(&[
        "uneven",
        "--model",
        broken.to_str().unwrap(),
        "--size",
        "64",
    ]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("this is not an ONNX model"));
}
