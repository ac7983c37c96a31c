//! The trained demo detectors (`www/models/detector-*.onnx`, made by
//! `tools/train_detectors.py`, DETECTORS.md) and their model cards:
//! - each card's declared input and outputs (names, shapes, order) are the model's;
//! - on a held-out street scene (`tests/onnx/detectors/scene-<size>.png`, 8-bit RGB read as
//!   value / 255) the engine gives ONNX Runtime's heatmap and boxes (`<name>/*.npy`);
//! - the scores the card names (`heatmap:0`, `boxes:0@0.2`) fit the model's outputs, and the
//!   card's padding is the model's own;
//! - `www/models/index.json` lists every card, with the card's label, normalisation and score.
//!
//! Gated on the `cli` feature (a default one): the references are `.npy` files, read with
//! ndarray-npy, and the scene a PNG, decoded with png; both come with it.
#![cfg(feature = "cli")]

use ndarray::ArrayD;
use ndarray_npy::ReadNpyExt;
use padlens::detect::{Background, DetectGrid, DetectRequest, Evaluation, Score, Stimulus};
use padlens::infer::inspect::Normalization;
use padlens::infer::{Model, Plan, PlanOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn models_dir() -> PathBuf {
    root().join("www/models")
}

/// The cards `www/models/index.json` lists, with their index entries.
fn cards() -> Vec<(Value, Value)> {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(models_dir().join("index.json")).unwrap())
            .unwrap();
    let cards: Vec<(Value, Value)> = index["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| {
            let file = entry["card"].as_str()?;
            let text = std::fs::read_to_string(models_dir().join(file)).unwrap();
            Some((entry.clone(), serde_json::from_str(&text).unwrap()))
        })
        .collect();
    assert_eq!(
        cards.len(),
        3,
        "the three detector variants have cards in index.json"
    );
    cards
}

fn shape(value: &Value) -> Vec<usize> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

/// An 8-bit RGB PNG as the 1×3×H×W input the detectors read (value / 255).
fn scene(path: &Path) -> (Vec<f32>, [usize; 2]) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0u8; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let [height, width] = [info.height as usize, info.width as usize];
    let mut planes = vec![0f32; 3 * height * width];
    for (pixel, rgb) in buffer.chunks_exact(3).take(height * width).enumerate() {
        for (channel, &value) in rgb.iter().enumerate() {
            planes[channel * height * width + pixel] = f32::from(value) / 255.0;
        }
    }
    (planes, [height, width])
}

fn reference(path: &Path) -> ArrayD<f32> {
    ArrayD::<f32>::read_npy(std::fs::File::open(path).unwrap()).unwrap()
}

#[test]
fn cards_declare_the_models_inputs_and_outputs() {
    for (entry, card) in cards() {
        let name = card["name"].as_str().unwrap();
        let bytes = std::fs::read(models_dir().join(card["file"].as_str().unwrap())).unwrap();
        let model = Model::from_onnx(bytes).unwrap();
        let input = shape(&card["input"]["shape"]);
        assert_eq!(
            model.declared_size(),
            [Some(input[2]), Some(input[3])],
            "{name}: the card's input size"
        );
        assert_eq!(model.channels(), input[1], "{name}: the card's channels");
        let options = PlanOptions {
            input_shapes: Some(vec![input.clone()]),
            ..PlanOptions::default()
        };
        let mut plan = Plan::new(model.graph(), &options).unwrap();
        plan.run(&[&vec![0.5; input.iter().product()]]).unwrap();
        let outputs: Vec<String> = plan.output_names().map(str::to_owned).collect();
        let declared = card["outputs"].as_array().unwrap();
        let names: Vec<&str> = declared
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(outputs, names, "{name}: the card's outputs, in order");
        for output in declared {
            let tensor = plan.tensor(output["name"].as_str().unwrap()).unwrap();
            assert_eq!(tensor.shape, shape(&output["shape"]), "{name}: {output}");
        }
        // The index shows what the card says.
        assert_eq!(entry["file"], card["file"], "{name}");
        assert_eq!(entry["label"], card["label"], "{name}");
        assert_eq!(
            entry["normalization"], card["input"]["normalization"],
            "{name}"
        );
        assert_eq!(entry["detect"]["score"], card["detect"]["score"], "{name}");
        assert_eq!(
            entry["detect"]["threshold"], card["detect"]["threshold"],
            "{name}"
        );
    }
}

#[test]
fn detectors_match_onnx_runtime_on_a_held_out_scene() {
    for (_, card) in cards() {
        let name = card["name"].as_str().unwrap();
        let data = root().join("tests/onnx/detectors");
        let dir = data.join(name);
        let size = shape(&card["input"]["shape"])[2];
        let (input, [height, width]) = scene(&data.join(format!("scene-{size}.png")));
        let bytes = std::fs::read(models_dir().join(card["file"].as_str().unwrap())).unwrap();
        let model = Model::from_onnx(bytes).unwrap();
        let options = PlanOptions {
            input_shapes: Some(vec![vec![1, 3, height, width]]),
            ..PlanOptions::default()
        };
        let mut plan = Plan::new(model.graph(), &options).unwrap();
        plan.run(&[&input]).unwrap();
        for output in ["heatmap", "boxes"] {
            let expected = reference(&dir.join(format!("{output}.npy")));
            let actual = plan.tensor(output).unwrap();
            assert_eq!(actual.shape, expected.shape(), "{name} {output}");
            let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
            let error = actual
                .to_f32()
                .iter()
                .zip(expected.iter())
                .fold(0f32, |m, (a, e)| m.max((a - e).abs()));
            println!("{name} {output}: max |error| {error:.1e} of {scale:.3}");
            // The repository's bar for imported models: 1e-4 of the largest value.
            assert!(error <= 1e-4 * scale, "{name} {output}: error {error}");
        }
        // The scene has lights, and the detector sees at least one of them.
        let best = reference(&dir.join("heatmap.npy"))
            .iter()
            .fold(0f32, |m, &v| m.max(v));
        assert!(
            best >= 0.5,
            "{name}: the held-out scene's best heatmap score is {best}"
        );
    }
}

#[test]
fn the_scores_cards_name_fit_the_models() {
    for (_, card) in cards() {
        let name = card["name"].as_str().unwrap();
        let bytes = std::fs::read(models_dir().join(card["file"].as_str().unwrap())).unwrap();
        let model = Model::from_onnx(bytes).unwrap();
        let input = shape(&card["input"]["shape"]);
        for output in card["outputs"].as_array().unwrap() {
            let request = DetectRequest {
                size: None,
                padding: None,
                normalization: Normalization::None,
                background: Background::parse("grey").unwrap(),
                stimulus: Stimulus::parse("traffic-light").unwrap(),
                stimulus_size: 16,
                stride: input[2] - 16,
                score: Score::parse(output["score"].as_str().unwrap()).unwrap(),
            };
            let grid =
                DetectGrid::compute(&model, &request, Evaluation::Incremental, &mut |_, _| true)
                    .unwrap_or_else(|e| panic!("{name} {}: {e}", output["score"]));
            assert_eq!(grid.scores.len(), 4, "{name}: the four corners");
        }
    }
}
