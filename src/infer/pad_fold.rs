//! Folding a Pad node into the Conv that reads it (definitions.md §8). PyTorch exports
//! `Conv2d(padding_mode="reflect" | "replicate")` as a Pad (`reflect`, `edge`) followed by a
//! Conv without padding. padlens knows padding as part of the convolution that reads it: the
//! projection (§8), changed regions (§5) and padding swaps (§7) all look at the convolution's
//! own amounts and mode. So after import such a pair becomes one Conv that pads by the Pad's
//! amounts with the Pad's mode. The numbers do not change: the convolution reads each padded
//! position through the same `PaddingMode::source` the Pad step fills it from.

use super::fold::{self, folds};
use super::graph::{AutoPad, Graph, Op, PadMode, ValueId};
use super::tensor::{normalize_axis, Tensor};
use crate::padding::PaddingMode;

/// Folds every Pad that can be folded, in place. A Pad folds when its amounts and (for
/// `constant`) its value are known before the model runs (initializers, Constant nodes, or
/// computed from them alone, as torch computes them), it pads only the spatial axes of a 3-D
/// or 4-D input by amounts ≥ 0, `constant` pads with 0, its output is no graph output and is
/// read by exactly one node, and that node is a Conv reading it as its input `x` with no
/// padding of its own (`pads` all 0 or VALID; not SAME_*). Any other Pad stays a step.
pub fn fold_pads(graph: &mut Graph) {
    while let Some(fold) = find(graph) {
        apply(graph, fold);
    }
}

struct Fold {
    pad: usize,
    conv: usize,
    /// ONNX's `pads` for the Conv: the begins of the spatial axes, then the ends.
    pads: Vec<usize>,
    mode: PaddingMode,
}

fn find(graph: &Graph) -> Option<Fold> {
    let mut readers = vec![0usize; graph.values.len()];
    for &input in graph.nodes.iter().flat_map(|n| n.inputs.iter().flatten()) {
        readers[input] += 1;
    }
    (0..graph.nodes.len()).find_map(|pad| foldable(graph, &readers, pad))
}

fn foldable(graph: &Graph, readers: &[usize], pad: usize) -> Option<Fold> {
    let node = &graph.nodes[pad];
    let Op::Pad { mode } = node.op else {
        return None;
    };
    let output = *node.outputs.first()?;
    if readers[output] != 1 || graph.outputs.contains(&output) {
        return None;
    }
    let conv = graph
        .nodes
        .iter()
        .position(|n| n.inputs.contains(&Some(output)))?;
    let Op::Conv {
        window,
        mode: PaddingMode::Zeros,
        ..
    } = &graph.nodes[conv].op
    else {
        return None;
    };
    let unpadded = match &window.pads {
        AutoPad::Explicit(pads) => pads.iter().all(|&p| p == 0),
        AutoPad::Valid => true,
        AutoPad::SameUpper | AutoPad::SameLower => false,
    };
    if graph.nodes[conv].inputs.first() != Some(&Some(output)) || !unpadded {
        return None;
    }
    // The weights have the input's rank; Pad's own inputs do not tell it when `axes` is given.
    let weights = graph.nodes[conv].inputs.get(1).copied()??;
    let rank = match graph.constants.get(&weights) {
        Some(weights) => weights.shape.len(),
        None => known(graph, weights)?.shape.len(),
    };
    if !(3..=4).contains(&rank) {
        return None;
    }
    if mode == PadMode::Constant {
        // Zeros are what the convolution reads from its padding; any other value is not.
        let value = match node.inputs.get(2).copied().flatten() {
            Some(value) => known(graph, value)?.scalar_f32()?,
            None => 0.0,
        };
        if value != 0.0 {
            return None;
        }
    }
    let amounts = known(graph, node.inputs.get(1).copied()??)?.to_i64();
    let axes: Vec<usize> = match node.inputs.get(3).copied().flatten() {
        Some(axes) => known(graph, axes)?
            .to_i64()
            .into_iter()
            .map(|a| normalize_axis(a, rank))
            .collect::<Option<_>>()?,
        None => (0..rank).collect(),
    };
    if amounts.len() != 2 * axes.len() {
        return None;
    }
    let (mut before, mut after) = (vec![0i64; rank], vec![0i64; rank]);
    for (k, &axis) in axes.iter().enumerate() {
        // A repeated axis is invalid ONNX; leave it to the Pad step to refuse.
        if before[axis] != 0 || after[axis] != 0 {
            return None;
        }
        before[axis] = amounts[k];
        after[axis] = amounts[k + axes.len()];
    }
    // Batch and channels unpadded; no crop (a negative amount), which a convolution's
    // padding cannot express.
    let batch_and_channels = before[..2].iter().chain(&after[..2]).all(|&p| p == 0);
    if !batch_and_channels || before.iter().chain(&after).any(|&p| p < 0) {
        return None;
    }
    let pads = before[2..]
        .iter()
        .chain(&after[2..])
        .map(|&p| p as usize)
        .collect();
    Some(Fold {
        pad,
        conv,
        pads,
        mode: mode.padding_mode(),
    })
}

/// A value known before the model runs: a constant, or computed from constants alone by
/// operators that fold (torch's Pad amounts: ConstantOfShape, Concat, Reshape, Slice,
/// Transpose, Cast). `None` when it depends on the input or on a shape.
fn known(graph: &Graph, value: ValueId) -> Option<Tensor> {
    if let Some(tensor) = graph.constants.get(&value) {
        return Some(tensor.clone());
    }
    let node = graph.nodes.iter().find(|n| n.outputs.contains(&value))?;
    if !folds(&node.op) {
        return None;
    }
    let inputs: Vec<Option<Tensor>> = node
        .inputs
        .iter()
        .map(|input| match input {
            Some(v) => known(graph, *v).map(Some),
            None => Some(None),
        })
        .collect::<Option<_>>()?;
    let inputs: Vec<Option<&Tensor>> = inputs.iter().map(Option::as_ref).collect();
    fold::fold(&node.op, &inputs).ok()
}

fn apply(graph: &mut Graph, fold: Fold) {
    let pad = graph.nodes.remove(fold.pad);
    let conv = fold.conv - usize::from(fold.conv > fold.pad);
    let node = &mut graph.nodes[conv];
    node.inputs[0] = pad.inputs[0];
    if let Op::Conv { window, mode, .. } = &mut node.op {
        window.pads = AutoPad::Explicit(fold.pads);
        *mode = fold.mode;
    }
    // The nodes that computed only the Pad's amounts (torch's chain of seven) are dead now.
    let mut dead: Vec<ValueId> = pad.inputs[1..].iter().flatten().copied().collect();
    while let Some(value) = dead.pop() {
        let read = graph.outputs.contains(&value)
            || graph.nodes.iter().any(|n| n.inputs.contains(&Some(value)));
        if read {
            continue;
        }
        if let Some(producer) = graph.nodes.iter().position(|n| n.outputs == [value]) {
            let node = graph.nodes.remove(producer);
            dead.extend(node.inputs.iter().flatten());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AxisError, Error};
    use crate::infer::graph::{GraphInput, Node, Window};
    use crate::infer::{Plan, PlanOptions};
    use std::collections::HashMap;

    /// x (1×1×3×3) → Pad reflect by `amount` on height → Conv 3×3 → y; `pad_is_output` also
    /// lists the Pad's output among the graph's outputs.
    fn reflect_then_conv(amount: i64, pad_is_output: bool) -> Graph {
        let values = ["x", "pads", "p", "w", "y"].map(String::from).to_vec();
        let node = |name: &str, op, inputs: &[usize], output| Node {
            name: name.into(),
            op_type: name.into(),
            op,
            inputs: inputs.iter().map(|&v| Some(v)).collect(),
            outputs: vec![output],
        };
        let window = Window {
            kernel: Vec::new(),
            strides: Vec::new(),
            dilations: Vec::new(),
            pads: AutoPad::Explicit(Vec::new()),
            ceil_mode: false,
        };
        let conv = Op::Conv {
            window,
            groups: 1,
            mode: PaddingMode::Zeros,
        };
        let pads = Tensor::i64(vec![8], vec![0, 0, amount, 0, 0, 0, amount, 0]);
        let weights = Tensor::f32(vec![1, 1, 3, 3], vec![1.0; 9]);
        Graph {
            values,
            nodes: vec![
                node(
                    "Pad",
                    Op::Pad {
                        mode: PadMode::Reflect,
                    },
                    &[0, 1],
                    2,
                ),
                node("Conv", conv, &[2, 3], 4),
            ],
            inputs: vec![GraphInput {
                value: 0,
                shape: vec![Some(1), Some(1), Some(3), Some(3)],
                elem_type: "FLOAT",
            }],
            outputs: if pad_is_output { vec![4, 2] } else { vec![4] },
            constants: HashMap::from([(1, pads), (3, weights)]),
            opset: 17,
        }
    }

    #[test]
    fn a_pad_that_is_a_graph_output_stays() {
        let mut graph = reflect_then_conv(1, true);
        fold_pads(&mut graph);
        assert_eq!(graph.nodes.len(), 2);
        let mut graph = reflect_then_conv(1, false);
        fold_pads(&mut graph);
        assert_eq!(graph.nodes.len(), 1);
    }

    /// ONNX Runtime refuses reflect padding as wide as the axis; so does the folded Conv, as
    /// the Pad step did, naming the layer and the axis.
    #[test]
    fn reflect_as_wide_as_the_input_is_refused_at_the_conv() {
        let mut graph = reflect_then_conv(3, false);
        fold_pads(&mut graph);
        assert_eq!(graph.nodes.len(), 1);
        let error = Plan::new(&graph, &PlanOptions::default()).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Layer {
                    layer,
                    source: AxisError::PaddingTooWide { input: 3, .. },
                    ..
                } if layer == "Conv"
            ),
            "{error:?}"
        );
        let mut narrower = reflect_then_conv(2, false);
        fold_pads(&mut narrower);
        assert!(Plan::new(&narrower, &PlanOptions::default()).is_ok());
    }
}
