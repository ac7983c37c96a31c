//! A Pad node folded into the Conv that reads it (definitions.md §8), on the models of
//! `tests/onnx/padfold/` (made by `tools/onnx_models.py padfold`, tools/README.md): PyTorch's
//! `padding_mode` reflect and replicate (exported as a Pad before a Conv) and circular (Slice
//! and Concat, which stays as it is), and hand-built Pads that fold and that must not. The
//! numbers must stay ONNX Runtime's; what folds must reach the projection and padding swaps.
//!
//! Agreement: max |error| ≤ 1e-4 · max |reference|, as `tests/onnx_models.rs`.

#![cfg(not(target_arch = "wasm32"))]

#[path = "common/relative_error.rs"]
mod relative_error;
use relative_error::relative_error;

use padlens::analysis::utilization;
use padlens::error::{Error, ModelErrorKind};
use padlens::infer::graph::{Graph, Op};
use padlens::infer::inspect::MeanFeatureMaps;
use padlens::infer::projection::project;
use padlens::infer::tensor::Tensor;
use padlens::infer::{Model, Plan, PlanOptions};
use padlens::net::Layer;
use padlens::padding::PaddingMode;
use std::fs;
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/onnx/padfold")
        .join(name)
}

fn load(name: &str) -> Graph {
    padlens::onnx::load(fs::read(dir(name).join("model.onnx")).unwrap()).unwrap()
}

fn tensor(name: &str, file: &str) -> Tensor {
    padlens::onnx::load_tensor(fs::read(dir(name).join(file)).unwrap()).unwrap()
}

/// The model's output `y` (or `output`) on its committed input, with its own padding or one
/// swapped in.
fn run(name: &str, padding: Option<PaddingMode>) -> Tensor {
    let graph = load(name);
    let input = tensor(name, "input_0.pb");
    let options = PlanOptions {
        input_shapes: Some(vec![input.shape.clone()]),
        padding,
        ..PlanOptions::default()
    };
    let mut plan = Plan::new(&graph, &options).unwrap();
    plan.run(&[&input.to_f32()]).unwrap();
    let output = graph.values[graph.outputs[0]].clone();
    plan.tensor(&output).unwrap()
}

fn pads(graph: &Graph) -> usize {
    graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::Pad { .. }))
        .count()
}

/// Every Conv's own padding mode, in execution order.
fn conv_modes(graph: &Graph) -> Vec<PaddingMode> {
    graph
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            Op::Conv { mode, .. } => Some(mode),
            _ => None,
        })
        .collect()
}

/// The cases of `cases.json`: name and whether its Pads fold.
fn cases() -> Vec<(String, bool)> {
    let text = fs::read_to_string(dir("cases.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["folds"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn folded_and_unfolded_pads_match_onnx_runtime() {
    let cases = cases();
    assert_eq!(cases.len(), 13);
    for (name, folds) in cases {
        let graph = load(&name);
        if folds {
            assert_eq!(pads(&graph), 0, "{name}: a Pad was left unfolded");
        } else {
            assert_eq!(pads(&graph), 1, "{name}: the Pad was folded");
            assert!(
                conv_modes(&graph).iter().all(|&m| m == PaddingMode::Zeros),
                "{name}: a Conv took a mode from a Pad it does not read alone"
            );
        }
        let error = relative_error(&run(&name, None), &tensor(&name, "output_0.pb"));
        assert!(error <= 1e-4, "{name}: relative error {error:e}");
    }
}

#[test]
fn folded_convs_carry_the_pads_modes_and_amounts() {
    use PaddingMode::*;
    let mirror = load("torch_mirror");
    assert_eq!(
        conv_modes(&mirror),
        [Reflect, Replicate, Zeros, Reflect, Replicate]
    );
    // torch's seven nodes computing each Pad's amounts went with it: Conv and Relu are left.
    let ops: Vec<&str> = mirror.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(
        ops,
        ["Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Conv"]
    );
    // torch writes circular padding as Slice and Concat, not a Pad: nothing folds there.
    assert_eq!(
        conv_modes(&load("torch_circular")),
        [Zeros, Reflect, Zeros, Zeros, Zeros]
    );
    let windows = |name: &str| -> Vec<_> {
        load(name)
            .nodes
            .into_iter()
            .filter_map(|n| match n.op {
                Op::Conv { window, mode, .. } => Some((window.pads, mode)),
                _ => None,
            })
            .collect()
    };
    use padlens::infer::graph::AutoPad::Explicit;
    // Begins of the spatial axes, then ends (the Pad's [0, 0, 1, 2, 0, 0, 2, 1]).
    assert_eq!(
        windows("constant_zero"),
        [(Explicit(vec![1, 2, 2, 1]), Zeros)]
    );
    assert_eq!(
        windows("edge_axes_opset18"),
        [(Explicit(vec![2, 1, 1, 2]), Replicate)]
    );
    assert_eq!(
        windows("wrap_opset19"),
        [(Explicit(vec![3, 1, 1, 3]), Circular)]
    );
    assert_eq!(windows("reflect_1d"), [(Explicit(vec![2, 1]), Reflect)]);
    assert_eq!(
        windows("reflect_opset10"),
        [(Explicit(vec![1, 2, 2, 1]), Reflect)]
    );
}

#[test]
fn projection_gives_folded_convs_their_modes() {
    use PaddingMode::*;
    let model = Model::new(load("torch_mirror")).unwrap();
    let network = project(&model, "torch_mirror").unwrap();
    let modes: Vec<PaddingMode> = network
        .layers
        .iter()
        .map(|layer| match layer {
            Layer::Window(w) => w.mode,
            other => panic!("a sequence of convolutions, got {other:?}"),
        })
        .collect();
    assert_eq!(modes, [Reflect, Replicate, Zeros, Reflect, Replicate]);
    // The map reads each layer's own mode: it is neither the all-zeros map nor one mode
    // swapped into every layer.
    let size = [19, 23];
    let own = utilization(&network, size, None, None).unwrap();
    for mode in [Zeros, Reflect, Replicate] {
        let swapped = utilization(&network, size, Some(mode), None).unwrap();
        assert_ne!(
            own, swapped,
            "the map equals the one with {mode} everywhere"
        );
    }
}

#[test]
fn a_pad_that_does_not_fold_is_still_refused_by_the_projection() {
    let model = Model::new(load("constant_value")).unwrap();
    let error = project(&model, "constant_value").unwrap_err();
    let Error::Model(error) = &error else {
        panic!("{error}")
    };
    assert!(matches!(error.kind, ModelErrorKind::NotProjectable { .. }));
    assert!(error.to_string().contains("could not be folded"), "{error}");
}

#[test]
fn swapping_a_folded_model_to_zeros_is_the_model_exported_with_zeros() {
    let own = run("torch_mirror", None);
    let swapped = run("torch_mirror", Some(PaddingMode::Zeros));
    let exported = tensor("torch_mirror", "output_zeros.pb");
    let error = relative_error(&swapped, &exported);
    assert!(error <= 1e-4, "relative error {error:e}");
    // And the swap did something: the model's own padding gives another output.
    assert!(relative_error(&own, &exported) > 1e-2);
}

/// Mean feature maps (definitions.md §6) read folded convs as conv layers, under their own
/// modes: the first layer's map (reflect) is not its map under zeros.
#[test]
fn mean_feature_maps_see_folded_convs() {
    let model = Model::new(load("torch_mirror")).unwrap();
    let first_map = |padding| {
        let mut maps = MeanFeatureMaps::new(&model, Some([19, 23]), padding, 7).unwrap();
        assert_eq!(maps.layers(), 5);
        maps.add_sample().unwrap();
        maps.maps().unwrap().swap_remove(0)
    };
    let (own, zeros) = (first_map(None), first_map(Some(PaddingMode::Zeros)));
    assert_eq!(own.size, [19, 23]);
    assert_ne!(own.values, zeros.values);
}
