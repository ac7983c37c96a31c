//! The model as padlens holds it: named values, and nodes in execution order whose operators
//! carry their attributes already read and checked. ONNX's versions of an operator are
//! brought to one form on import (an attribute that later opsets made an input becomes a
//! constant input), so nothing after import looks at opset numbers.

use super::tensor::Tensor;
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::padding::PaddingMode;
use std::collections::HashMap;

/// Index of a value in [`Graph::values`].
pub type ValueId = usize;

#[derive(Clone, Debug)]
pub struct Graph {
    /// Every value's name (ONNX's, or `node::what` for constants made on import).
    pub values: Vec<String>,
    /// Nodes in an order where every input is produced before it is read.
    pub nodes: Vec<Node>,
    /// The inputs given at run time (f32), with the shapes the model declares: `None` for a
    /// dimension given by name or not at all (a dynamic size).
    pub inputs: Vec<GraphInput>,
    pub outputs: Vec<ValueId>,
    /// Initializers and Constant nodes' values.
    pub constants: HashMap<ValueId, Tensor>,
    /// The default-domain opset the model imports (7–21).
    pub opset: i64,
}

#[derive(Clone, Debug)]
pub struct GraphInput {
    pub value: ValueId,
    pub shape: Vec<Option<usize>>,
    /// The element type the model declares, by ONNX's name (`FLOAT`, `INT64`, …).
    pub elem_type: &'static str,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    /// The ONNX operator's name, as the file says it (for messages).
    pub op_type: String,
    pub op: Op,
    /// `None` for an optional input left out.
    pub inputs: Vec<Option<ValueId>>,
    pub outputs: Vec<ValueId>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    Relu,
    LeakyRelu { alpha: f32 },
    Sigmoid,
    HardSigmoid { alpha: f32, beta: f32 },
    HardSwish,
    Tanh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
}

/// ONNX's `auto_pad`, or explicit `pads`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AutoPad {
    /// `pads`: begins for each spatial axis, then ends. Empty means zeros.
    Explicit(Vec<usize>),
    /// SAME_UPPER: an odd total's extra pixel goes after (TF's SAME).
    SameUpper,
    /// SAME_LOWER: the extra pixel goes before.
    SameLower,
    Valid,
}

/// The window attributes Conv and the pools share. Lists have one entry per spatial axis;
/// an empty `kernel` (Conv only) means "the weights' spatial shape".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pads: AutoPad,
    pub ceil_mode: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    Max,
    Average { count_include_pad: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadMode {
    Constant,
    Reflect,
    Edge,
    Wrap,
}

impl PadMode {
    /// The padding mode (definitions.md §2) that reads what ONNX's Pad writes: `reflect`
    /// mirrors without the edge, `edge` repeats it, `wrap` wraps around, `constant` reads
    /// nothing (its value is Pad's to add).
    pub fn padding_mode(self) -> PaddingMode {
        match self {
            PadMode::Constant => PaddingMode::Zeros,
            PadMode::Reflect => PaddingMode::Reflect,
            PadMode::Edge => PaddingMode::Replicate,
            PadMode::Wrap => PaddingMode::Circular,
        }
    }
}

/// What Cast converts to. padlens holds f32 and i64 values only, so it casts to those two
/// types (what exporters use Cast for: torch turns its computed Pad amounts into INT64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastTo {
    Float,
    Int64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResizeMode {
    Nearest,
    Linear,
}

/// How an output coordinate maps back to the input (ONNX Resize's
/// `coordinate_transformation_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinateTransform {
    HalfPixel,
    HalfPixelSymmetric,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
}

/// How nearest-neighbour resizing rounds (ONNX Resize's `nearest_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NearestRounding {
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
    /// Upsample's and opset 10 Resize's rounding, as ONNX Runtime implements it: truncate
    /// when enlarging, round up when shrinking.
    Legacy,
}

/// How Resize fits given sizes (ONNX's `keep_aspect_ratio_policy`): exactly, or at one
/// scale for all resized axes, the smallest or the largest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AspectPolicy {
    Stretch,
    NotLarger,
    NotSmaller,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resize {
    pub mode: ResizeMode,
    pub transform: CoordinateTransform,
    pub rounding: NearestRounding,
    /// The axes the scales or sizes are for (all, in order, when `None`).
    pub axes: Option<Vec<i64>>,
    pub aspect: AspectPolicy,
}

impl Resize {
    /// Bilinear with half-pixel centres: how padlens resizes an image to a model's size.
    pub fn bilinear() -> Self {
        Resize {
            mode: ResizeMode::Linear,
            transform: CoordinateTransform::HalfPixel,
            rounding: NearestRounding::RoundPreferFloor,
            axes: None,
            aspect: AspectPolicy::Stretch,
        }
    }
}

/// Operators, with their inputs in one fixed order each (the comments list them).
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// x, w, [bias]. `groups` divides both channel counts. `mode` is the convolution's own
    /// padding mode: zeros as ONNX's Conv pads, or the mode of a Pad folded into it
    /// (definitions.md §8).
    Conv {
        window: Window,
        groups: usize,
        mode: PaddingMode,
    },
    /// x, scale, bias, mean, variance (inference form).
    BatchNorm { epsilon: f32 },
    /// x
    Unary(Unary),
    /// x, [min], [max]
    Clip,
    /// x, slope (broadcast to x)
    PRelu,
    /// a, b, broadcast both ways
    Binary(Binary),
    /// x
    Pool { op: PoolOp, window: Window },
    /// x
    GlobalPool(PoolOp),
    /// inputs…
    Concat { axis: i64 },
    /// x
    Flatten { axis: i64 },
    /// data, shape
    Reshape { allow_zero: bool },
    /// x
    Transpose { perm: Option<Vec<usize>> },
    /// data, [axes]
    Squeeze,
    /// data, axes
    Unsqueeze,
    /// a, b, [c]
    Gemm {
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
    },
    /// a, b
    MatMul,
    /// x. Before opset 13 the input is seen as 2-D: axes before `axis` and from it on.
    Softmax { axis: i64, coerce_2d: bool },
    /// data, pads, [constant value], [axes]
    Pad { mode: PadMode },
    /// x, [roi], [scales], [sizes]
    Resize(Resize),
    /// x
    Shape { start: i64, end: Option<i64> },
    /// data, indices
    Gather { axis: i64 },
    /// data, starts, ends, [axes], [steps]
    Slice,
    /// shape
    ConstantOfShape { value: Tensor },
    /// x (also Dropout at inference)
    Identity,
    /// x
    Cast { to: CastTo },
}

impl Op {
    /// Whether the operator's output depends on where in the image a value is: the window
    /// operators and the global pools. Everything else is pointwise or rearranges data.
    pub fn is_spatial(&self) -> bool {
        matches!(
            self,
            Op::Conv { .. } | Op::Pool { .. } | Op::GlobalPool(_) | Op::Resize(_)
        )
    }
}

impl Graph {
    /// The id of the value with this name.
    pub fn value(&self, name: &str) -> Option<ValueId> {
        self.values.iter().position(|v| v == name)
    }

    /// Turns a run-time input into a constant (an index input of a test, a weight given as an
    /// input). Returns false when no input has that name.
    pub fn bind(&mut self, name: &str, tensor: Tensor) -> bool {
        let Some(position) = self
            .inputs
            .iter()
            .position(|i| self.values[i.value] == name)
        else {
            return false;
        };
        let input = self.inputs.remove(position);
        self.constants.insert(input.value, tensor);
        true
    }

    /// The node that produces a value, if a node does (not an input or initializer).
    pub fn producer(&self, value: ValueId) -> Option<usize> {
        self.nodes.iter().position(|n| n.outputs.contains(&value))
    }

    /// Orders `nodes` so that every value is produced before it is read (Kahn's algorithm,
    /// keeping the file's order among nodes that are ready together); a value read but never
    /// produced, or a cycle, is an error naming the node.
    pub fn sort(&mut self) -> Result<()> {
        let mut available = vec![false; self.values.len()];
        for input in &self.inputs {
            available[input.value] = true;
        }
        for &id in self.constants.keys() {
            available[id] = true;
        }
        let mut producer: Vec<Option<usize>> = vec![None; self.values.len()];
        for (index, node) in self.nodes.iter().enumerate() {
            for &out in &node.outputs {
                producer[out] = Some(index);
            }
        }
        let mut waiting_on = vec![0usize; self.nodes.len()];
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); self.values.len()];
        for (index, node) in self.nodes.iter().enumerate() {
            for &input in node.inputs.iter().flatten() {
                if available[input] {
                    continue;
                }
                if producer[input].is_none() {
                    let kind = ModelErrorKind::MissingValue {
                        name: self.values[input].clone(),
                    };
                    return Err(Error::Model(ModelError::at_node(node, kind)));
                }
                waiting_on[index] += 1;
                readers[input].push(index);
            }
        }
        let mut ready: std::collections::BTreeSet<usize> = (0..self.nodes.len())
            .filter(|&i| waiting_on[i] == 0)
            .collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(index) = ready.pop_first() {
            order.push(index);
            for &out in &self.nodes[index].outputs {
                for &reader in &readers[out] {
                    waiting_on[reader] -= 1;
                    if waiting_on[reader] == 0 {
                        ready.insert(reader);
                    }
                }
            }
        }
        if order.len() < self.nodes.len() {
            let stuck = (0..self.nodes.len())
                .find(|i| waiting_on[*i] > 0)
                .unwrap_or_default();
            let error = ModelError::at_node(&self.nodes[stuck], ModelErrorKind::Cycle);
            return Err(Error::Model(error));
        }
        let mut nodes: Vec<Option<Node>> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(Some)
            .collect();
        self.nodes = order.into_iter().filter_map(|i| nodes[i].take()).collect();
        Ok(())
    }
}
