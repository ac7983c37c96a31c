//! Incremental detectability grids held to full recomputation (definitions.md §5, changed
//! regions) on random models: tiny CNNs built in code — chains of convolutions (any kernel,
//! stride, dilation, per-side or automatic padding, grouped depthwise or not; per-side padding
//! also as a Pad node folded into the convolution, with its own mode), activations
//! (fusable or not), batch normalisation, unfused per-channel affine maps, pooling, residual
//! additions and channel concatenations — under their own padding and all eight modes swapped
//! in, with a classifier or a heatmap head and the score that reads it, scored at random
//! placements that always include the grid's four corners. [`Detector`] under
//! [`Evaluation::Incremental`] must give what [`Evaluation::Full`] gives, bit for bit. (This
//! test found that a batch normalisation reading a convolution broke that: the full plan
//! folded it into the weights and the incremental one did not; now both do, see
//! [`conv_then_batch_norm_is_bit_for_bit`].)
//!
//! `tests/onnx_region.rs` holds the same machinery to the committed torchvision models; these
//! models are random, so layers meet in combinations no zoo model has.

#![cfg(not(target_arch = "wasm32"))]

use padlens::detect::{Background, DetectRequest, Detector, Evaluation, Score, Stimulus};
use padlens::infer::graph::{
    AutoPad, Binary, Graph, GraphInput, Node, Op, PadMode, PoolOp, Unary, ValueId, Window,
};
use padlens::infer::inspect::Normalization;
use padlens::infer::pad_fold::fold_pads;
use padlens::infer::tensor::Tensor;
use padlens::infer::Model;
use padlens::padding::PaddingMode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use std::collections::HashMap;

/// Most channels any value of a random model has.
const MAX_CHANNELS: usize = 8;

/// One layer of a random model, as drawn; [`build`] fits it to the value it follows (a kernel
/// larger than the map shrinks, a stride on a small map becomes 1, channels stay ≤ 8).
#[derive(Clone, Debug)]
enum Layer {
    Conv {
        out: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        dilation: [usize; 2],
        /// Top, left, bottom, right; each taken modulo the axis' kernel (0 … k − 1).
        pads: [usize; 4],
        /// 0–4 explicit `pads`, 5 SAME_UPPER, 6 SAME_LOWER, 7 VALID.
        auto_pad: u8,
        /// With explicit `pads`: 0 the Conv pads itself (zeros); 1–4 a Pad node (constant,
        /// reflect, edge, wrap) pads for it, which import folds into the Conv
        /// (definitions.md §8), so the Conv pads with that mode.
        pad_node: u8,
        depthwise: bool,
        bias: bool,
        seed: u64,
    },
    Relu,
    LeakyRelu,
    /// Clip to [0, 6].
    Relu6,
    BatchNorm {
        seed: u64,
    },
    /// Mul and/or Add by a [1, C, 1, 1] constant: an affine map left unfused.
    Affine {
        mul: bool,
        add: bool,
        constant_first: bool,
        seed: u64,
    },
    Pool {
        max: bool,
        kernel: usize,
        stride: usize,
        pads: [usize; 4],
        count_include_pad: bool,
        ceil_mode: bool,
    },
    /// `x + conv(x)` (and a batch normalisation after the convolution): stride 1, "same" pads.
    Residual {
        kernel: usize,
        dilation: usize,
        depthwise: bool,
        batch_norm: bool,
        seed: u64,
    },
    /// Two branches concatenated on the channels: `x` itself or a stride-1 "same"
    /// convolution, and a second such convolution.
    Concat {
        identity: bool,
        first: (usize, usize),
        second: (usize, usize),
        seed: u64,
    },
}

#[derive(Clone, Debug)]
enum Head {
    /// GlobalAveragePool or GlobalMaxPool → Flatten → Gemm to [1, classes]; scored by
    /// `logit:K` or `class:K` (K modulo the classes).
    Classes {
        classes: usize,
        max: bool,
        logit: bool,
        k: usize,
        seed: u64,
    },
    /// The last [1, C, h, w] map is the output; `heatmap:K` (K modulo C).
    Heatmap { k: usize },
}

#[derive(Clone, Debug)]
struct Case {
    height: usize,
    width: usize,
    layers: Vec<Layer>,
    head: Head,
    padding: Option<PaddingMode>,
    /// `None`: grey; else `noise:SEED`.
    noise: Option<u64>,
    /// 0 square, 1 disk, 2 traffic light.
    stimulus: u8,
    /// The stimulus side is `1 + size % min(H, W)`.
    size: usize,
    stride: usize,
    imagenet: bool,
    /// Placements scored besides the four corners (each modulo the grid's length), in order.
    picks: Vec<usize>,
}

fn seed() -> impl Strategy<Value = u64> {
    any::<u64>()
}

fn layer() -> impl Strategy<Value = Layer> {
    let conv = (
        (
            1usize..=MAX_CHANNELS,
            [1usize..=5, 1usize..=5],
            [1usize..=3, 1usize..=3],
        ),
        (
            [1usize..=2, 1usize..=2],
            [0usize..5, 0usize..5, 0usize..5, 0usize..5],
        ),
        (0u8..8, 0u8..5, any::<bool>(), any::<bool>(), seed()),
    )
        .prop_map(
            |(
                (out, kernel, stride),
                (dilation, pads),
                (auto_pad, pad_node, depthwise, bias, seed),
            )| {
                Layer::Conv {
                    out,
                    kernel,
                    stride,
                    dilation,
                    pads,
                    auto_pad,
                    pad_node,
                    depthwise,
                    bias,
                    seed,
                }
            },
        );
    let pool = (
        any::<bool>(),
        2usize..=3,
        1usize..=2,
        [0usize..3, 0usize..3, 0usize..3, 0usize..3],
        any::<bool>(),
        prop::bool::weighted(0.25),
    )
        .prop_map(
            |(max, kernel, stride, pads, count_include_pad, ceil_mode)| Layer::Pool {
                max,
                kernel,
                stride,
                pads,
                count_include_pad,
                ceil_mode,
            },
        );
    let residual = (0usize..3, 1usize..=2, any::<bool>(), any::<bool>(), seed()).prop_map(
        |(k, dilation, depthwise, batch_norm, seed)| Layer::Residual {
            kernel: 2 * k + 1,
            dilation,
            depthwise,
            batch_norm,
            seed,
        },
    );
    let branch = (1usize..=4, 0usize..3).prop_map(|(out, k)| (out, 2 * k + 1));
    let concat = (any::<bool>(), branch.clone(), branch, seed()).prop_map(
        |(identity, first, second, seed)| Layer::Concat {
            identity,
            first,
            second,
            seed,
        },
    );
    let affine = (any::<bool>(), any::<bool>(), any::<bool>(), seed()).prop_map(
        |(mul, add, constant_first, seed)| Layer::Affine {
            // At least one of the two.
            mul: mul || !add,
            add,
            constant_first,
            seed,
        },
    );
    prop_oneof![
        5 => conv,
        2 => Just(Layer::Relu),
        1 => Just(Layer::LeakyRelu),
        1 => Just(Layer::Relu6),
        2 => seed().prop_map(|seed| Layer::BatchNorm { seed }),
        1 => affine,
        2 => pool,
        2 => residual,
        2 => concat,
    ]
}

fn head() -> impl Strategy<Value = Head> {
    prop_oneof![
        (1usize..=6, any::<bool>(), any::<bool>(), 0usize..6, seed()).prop_map(
            |(classes, max, logit, k, seed)| Head::Classes {
                classes,
                max,
                logit,
                k,
                seed,
            }
        ),
        (0usize..MAX_CHANNELS).prop_map(|k| Head::Heatmap { k }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            12usize..=40,
            12usize..=40,
            prop::collection::vec(layer(), 2..=7),
            head(),
        ),
        (
            0usize..=PaddingMode::ALL.len(),
            prop::option::of(any::<u64>()),
            0u8..3,
        ),
        (0usize..40, 1usize..=5, any::<bool>()),
        prop::collection::vec(any::<usize>(), 0..=6),
    )
        .prop_map(
            |(
                (height, width, layers, head),
                (padding, noise, stimulus),
                (size, stride, imagenet),
                picks,
            )| Case {
                height,
                width,
                layers,
                head,
                padding: padding.checked_sub(1).map(|i| PaddingMode::ALL[i]),
                noise,
                stimulus,
                size,
                stride,
                imagenet,
                picks,
            },
        )
}

/// Uniform values in [−1, 1) from a seed (xorshift64*): weights that shrink with the case.
struct Values(u64);

impl Values {
    fn new(seed: u64) -> Self {
        Values(seed | 1)
    }

    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        bits as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn take(&mut self, n: usize, scale: f32, offset: f32) -> Vec<f32> {
        (0..n).map(|_| offset + scale * self.next()).collect()
    }
}

/// The value being built on: its id, channels and spatial size under the model's own padding.
#[derive(Clone, Copy, Debug)]
struct Current {
    value: ValueId,
    channels: usize,
    size: [usize; 2],
}

/// A graph built node by node, as the ONNX importer would make it.
struct Builder {
    graph: Graph,
}

impl Builder {
    fn new() -> Self {
        Builder {
            graph: Graph {
                values: vec!["image".into()],
                nodes: Vec::new(),
                inputs: vec![GraphInput {
                    value: 0,
                    shape: vec![Some(1), Some(3), None, None],
                    elem_type: "FLOAT",
                }],
                outputs: Vec::new(),
                constants: HashMap::new(),
                opset: 17,
            },
        }
    }

    fn value(&mut self, name: String) -> ValueId {
        self.graph.values.push(name);
        self.graph.values.len() - 1
    }

    fn constant(&mut self, name: String, shape: Vec<usize>, data: Vec<f32>) -> ValueId {
        let value = self.value(name);
        self.graph.constants.insert(value, Tensor::f32(shape, data));
        value
    }

    fn node(&mut self, name: String, op_type: &str, op: Op, inputs: &[ValueId]) -> ValueId {
        let output = self.value(format!("{name}.out"));
        self.graph.nodes.push(Node {
            name,
            op_type: op_type.into(),
            op,
            inputs: inputs.iter().map(|&v| Some(v)).collect(),
            outputs: vec![output],
        });
        output
    }

    /// A convolution of `x` to `out` channels (`groups` 1 or depthwise), weights drawn from
    /// `values` with a fan-in scale.
    #[allow(clippy::too_many_arguments)]
    fn conv(
        &mut self,
        name: String,
        x: ValueId,
        channels: usize,
        out: usize,
        groups: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        dilation: [usize; 2],
        pads: AutoPad,
        bias: bool,
        values: &mut Values,
    ) -> ValueId {
        let per_group = channels / groups;
        let fan_in = per_group * kernel[0] * kernel[1];
        let scale = 1.7 / (fan_in as f32).sqrt();
        let weights = self.constant(
            format!("{name}.weight"),
            vec![out, per_group, kernel[0], kernel[1]],
            values.take(out * fan_in, scale, 0.0),
        );
        let mut inputs = vec![x, weights];
        if bias {
            let b = values.take(out, 0.2, 0.0);
            inputs.push(self.constant(format!("{name}.bias"), vec![out], b));
        }
        let window = Window {
            kernel: kernel.to_vec(),
            strides: stride.to_vec(),
            dilations: dilation.to_vec(),
            pads,
            ceil_mode: false,
        };
        self.node(
            name,
            "Conv",
            Op::Conv {
                window,
                groups,
                mode: PaddingMode::Zeros,
            },
            &inputs,
        )
    }

    /// A Pad of height and width: `pads` top, left, bottom, right.
    fn pad(&mut self, name: String, x: ValueId, mode: PadMode, pads: &[usize]) -> ValueId {
        let amounts = self.value(format!("{name}.pads"));
        let [top, left, bottom, right] = [0, 1, 2, 3].map(|i| pads[i] as i64);
        let tensor = Tensor::i64(vec![8], vec![0, 0, top, left, 0, 0, bottom, right]);
        self.graph.constants.insert(amounts, tensor);
        self.node(name, "Pad", Op::Pad { mode }, &[x, amounts])
    }

    fn batch_norm(
        &mut self,
        name: String,
        x: ValueId,
        channels: usize,
        values: &mut Values,
    ) -> ValueId {
        let scale = values.take(channels, 0.5, 1.0);
        let bias = values.take(channels, 0.3, 0.0);
        let mean = values.take(channels, 0.3, 0.0);
        let variance = values.take(channels, 0.4, 0.6);
        let parameters = [
            ("scale", scale),
            ("bias", bias),
            ("mean", mean),
            ("var", variance),
        ]
        .map(|(what, data)| self.constant(format!("{name}.{what}"), vec![channels], data));
        let inputs = [
            x,
            parameters[0],
            parameters[1],
            parameters[2],
            parameters[3],
        ];
        self.node(
            name,
            "BatchNormalization",
            Op::BatchNorm { epsilon: 1e-5 },
            &inputs,
        )
    }

    /// A stride-1 convolution whose explicit pads keep the size (odd kernels), to `out`
    /// channels or (`None`) depthwise.
    fn same_conv(
        &mut self,
        name: String,
        at: Current,
        out: Option<usize>,
        kernel: usize,
        dilation: usize,
        values: &mut Values,
    ) -> ValueId {
        let fit = |n: usize| {
            let mut k = kernel;
            while k > 1 && dilation * (k - 1) / 2 >= n {
                k -= 2;
            }
            k
        };
        let k = fit(at.size[0]).min(fit(at.size[1]));
        let p = dilation * (k - 1) / 2;
        let (groups, out) = match out {
            Some(out) => (1, out),
            None => (at.channels, at.channels),
        };
        self.conv(
            name,
            at.value,
            at.channels,
            out,
            groups,
            [k, k],
            [1, 1],
            [dilation, dilation],
            AutoPad::Explicit(vec![p, p, p, p]),
            true,
            values,
        )
    }
}

/// Output length of a window along one axis with explicit pads, or 0 when none fits.
fn out_len(n: usize, kernel: usize, stride: usize, dilation: usize, pads: usize) -> usize {
    let effective = dilation * (kernel - 1) + 1;
    if n + pads < effective {
        0
    } else {
        (n + pads - effective) / stride + 1
    }
}

/// The model a case draws, and the score that reads its head.
fn build(case: &Case) -> (Model, Score) {
    let mut b = Builder::new();
    let mut at = Current {
        value: 0,
        channels: 3,
        size: [case.height, case.width],
    };
    for (i, layer) in case.layers.iter().enumerate() {
        let name = format!("l{i}");
        at = match layer.clone() {
            Layer::Conv {
                out,
                kernel,
                stride,
                dilation,
                pads,
                auto_pad,
                pad_node,
                depthwise,
                bias,
                seed,
            } => {
                let mut values = Values::new(seed);
                let (mut kernel, mut stride, mut dilation) = (kernel, stride, dilation);
                let mut size = [0; 2];
                let explicit = |k: [usize; 2]| {
                    vec![
                        pads[0] % k[0],
                        pads[1] % k[1],
                        pads[2] % k[0],
                        pads[3] % k[1],
                    ]
                };
                for axis in 0..2 {
                    let n = at.size[axis];
                    if n <= 6 {
                        stride[axis] = 1;
                    }
                    // Shrink the window until it fits the map (without padding, which a
                    // valid swap drops anyway).
                    while dilation[axis] * (kernel[axis] - 1) + 1 > n {
                        if dilation[axis] > 1 {
                            dilation[axis] = 1;
                        } else {
                            kernel[axis] -= 1;
                        }
                    }
                }
                let explicit_pads = explicit(kernel);
                for axis in 0..2 {
                    let n = at.size[axis];
                    size[axis] = match auto_pad {
                        5 | 6 => n.div_ceil(stride[axis]),
                        7 => out_len(n, kernel[axis], stride[axis], dilation[axis], 0),
                        _ => out_len(
                            n,
                            kernel[axis],
                            stride[axis],
                            dilation[axis],
                            explicit_pads[axis] + explicit_pads[axis + 2],
                        ),
                    };
                }
                let mut x = at.value;
                let pads = match auto_pad {
                    5 => AutoPad::SameUpper,
                    6 => AutoPad::SameLower,
                    7 => AutoPad::Valid,
                    _ if pad_node > 0 => {
                        let mode = [
                            PadMode::Constant,
                            PadMode::Reflect,
                            PadMode::Edge,
                            PadMode::Wrap,
                        ][usize::from(pad_node - 1)];
                        x = b.pad(format!("{name}.pad"), x, mode, &explicit_pads);
                        AutoPad::Explicit(Vec::new())
                    }
                    _ => AutoPad::Explicit(explicit_pads),
                };
                let (groups, out) = if depthwise {
                    let multiplier = if 2 * at.channels <= MAX_CHANNELS && out % 2 == 0 {
                        2
                    } else {
                        1
                    };
                    (at.channels, multiplier * at.channels)
                } else {
                    (1, out)
                };
                let value = b.conv(
                    name,
                    x,
                    at.channels,
                    out,
                    groups,
                    kernel,
                    stride,
                    dilation,
                    pads,
                    bias,
                    &mut values,
                );
                Current {
                    value,
                    channels: out,
                    size,
                }
            }
            Layer::Relu => Current {
                value: b.node(name, "Relu", Op::Unary(Unary::Relu), &[at.value]),
                ..at
            },
            Layer::LeakyRelu => Current {
                value: b.node(
                    name,
                    "LeakyRelu",
                    Op::Unary(Unary::LeakyRelu { alpha: 0.1 }),
                    &[at.value],
                ),
                ..at
            },
            Layer::Relu6 => {
                let min = b.constant(format!("{name}.min"), vec![], vec![0.0]);
                let max = b.constant(format!("{name}.max"), vec![], vec![6.0]);
                Current {
                    value: b.node(name, "Clip", Op::Clip, &[at.value, min, max]),
                    ..at
                }
            }
            Layer::BatchNorm { seed } => Current {
                value: b.batch_norm(name, at.value, at.channels, &mut Values::new(seed)),
                ..at
            },
            Layer::Affine {
                mul,
                add,
                constant_first,
                seed,
            } => {
                let mut values = Values::new(seed);
                let mut x = at.value;
                for (what, op, scale, offset, wanted) in [
                    ("mul", Binary::Mul, 0.5, 1.0, mul),
                    ("add", Binary::Add, 0.3, 0.0, add),
                ] {
                    if !wanted {
                        continue;
                    }
                    let data = values.take(at.channels, scale, offset);
                    let constant =
                        b.constant(format!("{name}.{what}"), vec![1, at.channels, 1, 1], data);
                    let inputs = if constant_first {
                        [constant, x]
                    } else {
                        [x, constant]
                    };
                    let op_type = if op == Binary::Mul { "Mul" } else { "Add" };
                    x = b.node(format!("{name}.{what}"), op_type, Op::Binary(op), &inputs);
                }
                Current { value: x, ..at }
            }
            Layer::Pool {
                max,
                kernel,
                stride,
                pads,
                count_include_pad,
                ceil_mode,
            } => {
                let k = kernel.min(at.size[0]).min(at.size[1]);
                if k < 2 {
                    continue;
                }
                let stride = if at.size[0].min(at.size[1]) <= 6 {
                    1
                } else {
                    stride
                };
                // Pads below half the kernel, as PyTorch and ONNX Runtime require.
                let pads: Vec<usize> = pads.iter().map(|p| p % (k / 2 + 1)).collect();
                let mut size = [0; 2];
                for axis in 0..2 {
                    let n = at.size[axis] + pads[axis] + pads[axis + 2];
                    size[axis] = if ceil_mode {
                        (n - k).div_ceil(stride) + 1
                    } else {
                        (n - k) / stride + 1
                    };
                }
                let window = Window {
                    kernel: vec![k, k],
                    strides: vec![stride, stride],
                    dilations: Vec::new(),
                    pads: AutoPad::Explicit(pads),
                    ceil_mode,
                };
                let (op, op_type) = if max {
                    (PoolOp::Max, "MaxPool")
                } else {
                    (PoolOp::Average { count_include_pad }, "AveragePool")
                };
                Current {
                    value: b.node(name, op_type, Op::Pool { op, window }, &[at.value]),
                    size,
                    ..at
                }
            }
            Layer::Residual {
                kernel,
                dilation,
                depthwise,
                batch_norm,
                seed,
            } => {
                let mut values = Values::new(seed);
                let mut branch = b.same_conv(
                    format!("{name}.conv"),
                    at,
                    (!depthwise).then_some(at.channels),
                    kernel,
                    dilation,
                    &mut values,
                );
                if batch_norm {
                    branch = b.batch_norm(format!("{name}.bn"), branch, at.channels, &mut values);
                }
                Current {
                    value: b.node(name, "Add", Op::Binary(Binary::Add), &[at.value, branch]),
                    ..at
                }
            }
            Layer::Concat {
                identity,
                first,
                second,
                seed,
            } => {
                let mut values = Values::new(seed);
                let (first, first_channels) = if identity && at.channels + second.0 <= MAX_CHANNELS
                {
                    (at.value, at.channels)
                } else {
                    let conv = b.same_conv(
                        format!("{name}.a"),
                        at,
                        Some(first.0),
                        first.1,
                        1,
                        &mut values,
                    );
                    (conv, first.0)
                };
                let second_value = b.same_conv(
                    format!("{name}.b"),
                    at,
                    Some(second.0),
                    second.1,
                    1,
                    &mut values,
                );
                Current {
                    value: b.node(
                        name,
                        "Concat",
                        Op::Concat { axis: 1 },
                        &[first, second_value],
                    ),
                    channels: first_channels + second.0,
                    ..at
                }
            }
        };
        // A map that vanished under the model's own padding: stop the chain here.
        if at.size[0] == 0 || at.size[1] == 0 {
            break;
        }
    }
    if at.value == 0 {
        // Every layer was skipped: the output must not be the input itself.
        at.value = b.node("relu".into(), "Relu", Op::Unary(Unary::Relu), &[at.value]);
    }
    let (output, score) = match case.head {
        Head::Classes {
            classes,
            max,
            logit,
            k,
            seed,
        } => {
            let mut values = Values::new(seed);
            let (op, op_type) = if max {
                (PoolOp::Max, "GlobalMaxPool")
            } else {
                (
                    PoolOp::Average {
                        count_include_pad: false,
                    },
                    "GlobalAveragePool",
                )
            };
            let pooled = b.node("head.pool".into(), op_type, Op::GlobalPool(op), &[at.value]);
            let flat = b.node(
                "head.flatten".into(),
                "Flatten",
                Op::Flatten { axis: 1 },
                &[pooled],
            );
            let scale = 2.0 / (at.channels as f32).sqrt();
            let weights = b.constant(
                "head.weight".into(),
                vec![classes, at.channels],
                values.take(classes * at.channels, scale, 0.0),
            );
            let bias = b.constant(
                "head.bias".into(),
                vec![classes],
                values.take(classes, 0.5, 0.0),
            );
            let gemm = Op::Gemm {
                alpha: 1.0,
                beta: 1.0,
                trans_a: false,
                trans_b: true,
            };
            let output = b.node("head.fc".into(), "Gemm", gemm, &[flat, weights, bias]);
            let k = k % classes;
            (
                output,
                if logit {
                    Score::Logit(k)
                } else {
                    Score::Class(k)
                },
            )
        }
        Head::Heatmap { k } => (at.value, Score::Heatmap(k % at.channels)),
    };
    b.graph.outputs = vec![output];
    fold_pads(&mut b.graph);
    assert!(
        b.graph
            .nodes
            .iter()
            .all(|n| !matches!(n.op, Op::Pad { .. })),
        "every Pad the builder makes reads only height and width and feeds one unpadded Conv"
    );
    (
        Model::new(b.graph).expect("a model with one image input"),
        score,
    )
}

fn request(case: &Case, score: Score) -> DetectRequest {
    DetectRequest {
        size: Some([case.height, case.width]),
        padding: case.padding,
        background: match case.noise {
            None => Background::Grey,
            Some(seed) => Background::Noise { seed },
        },
        stimulus: match case.stimulus {
            0 => Stimulus::Square,
            1 => Stimulus::Disk,
            _ => Stimulus::TrafficLight,
        },
        stimulus_size: 1 + case.size % case.height.min(case.width),
        stride: case.stride,
        score,
        normalization: if case.imagenet {
            Normalization::ImageNet
        } else {
            Normalization::None
        },
    }
}

/// What one case did.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    /// The planner refused the model under the request (a swap that breaks its shapes, a
    /// mirror mode wider than a map…): nothing to compare.
    Refused,
    /// Every placement compared equal, bit for bit.
    Equal,
}

/// Scores the case's placements — the grid's four corners first, then its picks, in order,
/// then the first corner again — both ways, and compares them bit for bit.
fn check(case: &Case) -> Result<Outcome, TestCaseError> {
    let (model, score) = build(case);
    let request = request(case, score);
    let mut full = match Detector::new(&model, &request, Evaluation::Full) {
        Ok(detector) => detector,
        Err(_) => {
            // Refused by the planner: the incremental plan must refuse it too.
            prop_assert!(
                Detector::new(&model, &request, Evaluation::Incremental).is_err(),
                "the full plan was refused but the incremental one was not"
            );
            return Ok(Outcome::Refused);
        }
    };
    let mut incremental = Detector::new(&model, &request, Evaluation::Incremental)
        .map_err(|e| TestCaseError::fail(format!("incremental refused what full took: {e}")))?;
    let placements = full.placements();
    prop_assert_eq!(placements, incremental.placements());
    let (rows, cols, len) = (placements.rows, placements.cols, placements.len());
    let mut indices = vec![0, cols - 1, (rows - 1) * cols, len - 1];
    indices.extend(case.picks.iter().map(|p| p % len));
    // The first corner again: restoring after the others must have been exact.
    indices.push(0);
    for index in indices {
        let a = full
            .score(index)
            .map_err(|e| TestCaseError::fail(format!("full run at {index}: {e}")))?;
        let b = incremental
            .score(index)
            .map_err(|e| TestCaseError::fail(format!("incremental run at {index}: {e}")))?;
        if a.to_bits() != b.to_bits() {
            return Err(TestCaseError::fail(format!(
                "placement {index} (corner {:?}, grid {rows}×{cols}, score {score}): \
                 full {a:e}, incremental {b:e}, relative difference {:e}",
                placements.placed(index).corner,
                (a - b).abs() / a.abs().max(b.abs())
            )));
        }
    }
    Ok(Outcome::Equal)
}

/// Cases drawn (PROPTEST_CASES overrides): about 8 s in a debug build.
const CASES: u32 = 256;

#[test]
fn incremental_grids_equal_full_ones_on_random_models() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    let config = Config {
        cases,
        // A refused case passes (it is counted below), so nothing is rejected; a failure
        // is shrunk and printed, and kept as a named test below.
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcomes = std::cell::RefCell::new(Vec::new());
    let result = runner.run(&case(), |case| {
        let outcome = check(&case)?;
        outcomes.borrow_mut().push((case.padding, outcome));
        Ok(())
    });
    if let Err(error) = result {
        match error {
            TestError::Fail(reason, case) => {
                panic!("{reason}\nminimal case: {case:#?}")
            }
            TestError::Abort(reason) => panic!("aborted: {reason}"),
        }
    }
    // Shrinking runs cases again, but only after a failure: these are the drawn cases.
    let (paddings, outcomes): (Vec<_>, Vec<_>) = outcomes.into_inner().into_iter().unzip();
    let refused = outcomes.iter().filter(|o| **o == Outcome::Refused).count() as u32;
    let equal = cases - refused;
    eprintln!("{cases} cases: {equal} bit for bit, {refused} refused by the planner");
    // The model's own padding and each of the eight modes swapped in were compared.
    let compared: Vec<(String, usize)> = std::iter::once(None)
        .chain(PaddingMode::ALL.map(Some))
        .map(|mode| {
            let n = paddings
                .iter()
                .zip(&outcomes)
                .filter(|(p, o)| **p == mode && **o != Outcome::Refused)
                .count();
            (mode.map_or("own".to_owned(), |m| m.to_string()), n)
        })
        .collect();
    eprintln!("compared per padding: {compared:?}");
    assert!(
        compared.iter().all(|(_, n)| *n > 0),
        "a padding never compared: {compared:?}"
    );
    // Most cases must run: a generator whose models the planner refuses tests nothing.
    assert!(
        equal * 4 >= cases * 3,
        "only {equal} of {cases} cases were compared ({refused} refused)"
    );
}

/// The smallest model where the full plan folds a batch normalisation into a convolution:
/// a 3×3 convolution and a batch normalisation reading it, the map as a heatmap.
fn conv_then_batch_norm_case() -> Case {
    Case {
        height: 12,
        width: 12,
        layers: vec![
            Layer::Conv {
                out: 2,
                kernel: [3, 3],
                stride: [1, 1],
                dilation: [1, 1],
                pads: [1, 1, 1, 1],
                auto_pad: 0,
                pad_node: 0,
                depthwise: false,
                bias: true,
                seed: 1,
            },
            Layer::BatchNorm { seed: 2 },
        ],
        head: Head::Heatmap { k: 0 },
        padding: None,
        noise: Some(1),
        stimulus: 0,
        size: 3,
        stride: 4,
        imagenet: false,
        picks: vec![],
    }
}

/// What `Evaluation::Incremental` promises, and the page's "the same scores, bit for bit",
/// for a convolution followed by a batch normalisation (found by the property test above:
/// the incremental plan kept the convolution's output, so it could not fold the
/// normalisation into the weights as the full plan does, and rounded differently).
#[test]
fn conv_then_batch_norm_is_bit_for_bit() {
    let case = conv_then_batch_norm_case();
    let (model, _) = build(&case);
    assert!(model
        .graph()
        .nodes
        .iter()
        .any(|n| matches!(n.op, Op::BatchNorm { .. })));
    if let Err(error) = check(&case) {
        panic!("{error}");
    }
}
