//! One step of a plan: an operator with everything resolved at the plan's input size — the
//! kernel's geometry, packed weights, broadcast strides, index tables — and how it runs.

use super::graph::{Binary, Unary};
use super::ops::movement::{self, Pad, Slice, Transpose};
use super::ops::pointwise;
use super::ops::resize::{self, Tap};
use crate::kernels::{
    self, Activation, ConvGeometry, GlobalPool, MatMut, MatRef, OutputWindow, PackedConv,
    PoolGeometry, PoolKind, Scratch,
};

/// Where a step reads an operand: a run-time value's storage, or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Storage(usize),
    Constant(usize),
}

#[derive(Debug)]
pub enum Kernel {
    /// x → y. The raw weights are kept until [`Kernel::finish`] packs them, so that a
    /// following BatchNormalization can be folded in first.
    Conv {
        geometry: ConvGeometry,
        weights: Vec<f32>,
        bias: Option<Vec<f32>>,
        packed: Option<PackedConv>,
        activation: Activation,
        batch: usize,
    },
    /// x → y, `planes` = batch × channels.
    Pool {
        geometry: PoolGeometry,
        kind: PoolKind,
        batch: usize,
    },
    GlobalPool {
        kind: GlobalPool,
        planes: usize,
        pixels: usize,
    },
    /// In place: `x · scale[c] + shift[c]` (an unfolded BatchNormalization).
    Affine {
        scale: Vec<f32>,
        shift: Vec<f32>,
        pixels: usize,
    },
    /// In place.
    Unary(Unary),
    /// In place.
    Clip {
        min: f32,
        max: f32,
    },
    /// a, b → y.
    Binary {
        op: Binary,
        a_strides: Vec<usize>,
        b_strides: Vec<usize>,
        shape: Vec<usize>,
    },
    /// In place on the first operand (which has the output's shape, with `own_strides`);
    /// `other` is read with broadcast strides. `reversed`: y = other op x (x was the second
    /// operand).
    BinaryInPlace {
        op: Binary,
        own_strides: Vec<usize>,
        other_strides: Vec<usize>,
        shape: Vec<usize>,
        reversed: bool,
    },
    /// x, slope → y.
    PRelu {
        x_strides: Vec<usize>,
        slope_strides: Vec<usize>,
        shape: Vec<usize>,
    },
    /// parts… → y.
    Concat {
        axis: usize,
        shapes: Vec<Vec<usize>>,
    },
    Transpose(Transpose),
    /// a, b, [c] → y = α·op(a)·op(b) + β·c, c broadcast to m × n.
    Gemm {
        m: usize,
        n: usize,
        k: usize,
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
        c_strides: Option<[usize; 2]>,
    },
    /// a, b → y: a batch of matrix products, the batch axes broadcast (`batch_strides` are
    /// the output's own over the batch axes).
    MatMul {
        m: usize,
        n: usize,
        k: usize,
        batch: Vec<usize>,
        batch_strides: Vec<usize>,
        a_batch_strides: Vec<usize>,
        b_batch_strides: Vec<usize>,
    },
    /// In place.
    Softmax {
        outer: usize,
        length: usize,
        inner: usize,
    },
    /// A negative amount crops.
    Pad {
        layout: Pad,
        value: f32,
    },
    /// Resizes the listed axes in turn, each stage reading a value of the stage's shape; the
    /// intermediate results go to `buffers`.
    Resize {
        stages: Vec<ResizeStage>,
        buffers: [Vec<f32>; 2],
    },
    Gather {
        shape: Vec<usize>,
        axis: usize,
        indices: Vec<usize>,
    },
    Slice(Slice),
}

/// One axis of a Resize: the shape it reads, the axis, each output index's taps, and the
/// elements it writes.
#[derive(Debug)]
pub struct ResizeStage {
    pub shape: Vec<usize>,
    pub axis: usize,
    pub taps: Vec<Tap>,
    pub output_len: usize,
}

impl Kernel {
    /// Whether the kernel updates its first operand's values in place. When the step runs
    /// on a copy (the operand is read later), the copy is made first.
    pub fn in_place(&self) -> bool {
        matches!(
            self,
            Kernel::Affine { .. }
                | Kernel::Unary(_)
                | Kernel::Clip { .. }
                | Kernel::Softmax { .. }
                | Kernel::BinaryInPlace { .. }
        )
    }

    /// Packs what can only be packed once everything is folded in.
    pub fn finish(&mut self) {
        if let Kernel::Conv {
            geometry,
            weights,
            bias,
            packed,
            ..
        } = self
        {
            *packed = Some(PackedConv::new(geometry, weights, bias.as_deref()));
            // The raw weights are not needed any more: a large model would hold them twice.
            *weights = Vec::new();
        }
    }

    /// Multiply-adds of one run.
    pub fn multiply_adds(&self) -> f64 {
        match self {
            Kernel::Conv {
                geometry, batch, ..
            } => geometry.flops() / 2.0 * *batch as f64,
            Kernel::Gemm { m, n, k, .. } => (*m * *n * *k) as f64,
            Kernel::MatMul { m, n, k, batch, .. } => {
                (*m * *n * *k) as f64 * batch.iter().product::<usize>() as f64
            }
            _ => 0.0,
        }
    }
}

/// Runs a convolution or pooling kernel on input `x` for the positions of `window` only (of
/// every image and channel); the rest of `output` is left as it is. Returns `false`, doing
/// nothing, for any other kernel.
pub fn run_window(
    kernel: &Kernel,
    x: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    scratch: &mut Scratch,
) -> bool {
    match kernel {
        Kernel::Conv {
            geometry,
            packed: Some(packed),
            activation,
            batch,
            ..
        } => {
            let (input_len, output_len) = (geometry.input_len(), geometry.output_len());
            for image in 0..*batch {
                kernels::conv2d(
                    geometry,
                    packed,
                    &x[image * input_len..(image + 1) * input_len],
                    &mut output[image * output_len..(image + 1) * output_len],
                    window,
                    *activation,
                    scratch,
                );
            }
            true
        }
        Kernel::Pool {
            geometry,
            kind,
            batch,
        } => {
            let (input_len, output_len) = (geometry.input_len(), geometry.output_len());
            for image in 0..*batch {
                kernels::pool2d(
                    geometry,
                    *kind,
                    &x[image * input_len..(image + 1) * input_len],
                    &mut output[image * output_len..(image + 1) * output_len],
                    window,
                );
            }
            true
        }
        _ => false,
    }
}

/// Runs a kernel that writes `output` (not in place); `operand(i)` is its i-th operand. A
/// closure rather than a list, so that a run allocates nothing.
pub fn run<'a>(
    kernel: &mut Kernel,
    operand: impl Fn(usize) -> &'a [f32],
    output: &mut [f32],
    scratch: &mut Scratch,
) {
    let x = operand(0);
    match kernel {
        Kernel::Conv { geometry, .. } => {
            let window = OutputWindow::full(geometry.rows.output, geometry.cols.output);
            run_window(kernel, x, output, &window, scratch);
        }
        Kernel::Pool { geometry, .. } => {
            let window = OutputWindow::full(geometry.rows.output, geometry.cols.output);
            run_window(kernel, x, output, &window, scratch);
        }
        Kernel::GlobalPool {
            kind,
            planes,
            pixels,
        } => kernels::global_pool(*kind, *planes, *pixels, x, output),
        Kernel::Binary {
            op,
            a_strides,
            b_strides,
            shape,
        } => pointwise::binary(*op, x, a_strides, operand(1), b_strides, shape, output),
        Kernel::PRelu {
            x_strides,
            slope_strides,
            shape,
        } => pointwise::prelu(x, x_strides, operand(1), slope_strides, shape, output),
        Kernel::Concat { axis, shapes } => {
            let parts = shapes
                .iter()
                .enumerate()
                .map(|(i, shape)| (operand(i), shape.as_slice()));
            movement::concat(parts, *axis, output);
        }
        Kernel::Transpose(layout) => layout.apply(x, output),
        Kernel::Gemm {
            m,
            n,
            k,
            alpha,
            beta,
            trans_a,
            trans_b,
            c_strides,
        } => {
            let a = if *trans_a {
                MatRef::row_major(x, *k, *m).t()
            } else {
                MatRef::row_major(x, *m, *k)
            };
            let b_data = operand(1);
            let b = if *trans_b {
                MatRef::row_major(b_data, *n, *k).t()
            } else {
                MatRef::row_major(b_data, *k, *n)
            };
            let beta = match c_strides {
                Some([row, col]) => {
                    let c = operand(2);
                    for i in 0..*m {
                        for j in 0..*n {
                            output[i * *n + j] = c[i * *row + j * *col];
                        }
                    }
                    *beta
                }
                _ => 0.0,
            };
            kernels::gemm(
                *alpha,
                a,
                b,
                beta,
                MatMut::row_major(output, *m, *n),
                scratch,
            );
        }
        Kernel::MatMul {
            m,
            n,
            k,
            batch,
            batch_strides,
            a_batch_strides,
            b_batch_strides,
        } => {
            let b_data = operand(1);
            let count: usize = batch.iter().product();
            for index in 0..count {
                let (mut a_offset, mut b_offset) = (0, 0);
                for axis in 0..batch.len() {
                    let i = index / batch_strides[axis] % batch[axis];
                    a_offset += i * a_batch_strides[axis];
                    b_offset += i * b_batch_strides[axis];
                }
                let mn = *m * *n;
                kernels::gemm(
                    1.0,
                    MatRef::row_major(&x[a_offset..a_offset + *m * *k], *m, *k),
                    MatRef::row_major(&b_data[b_offset..b_offset + *k * *n], *k, *n),
                    0.0,
                    MatMut::row_major(&mut output[index * mn..(index + 1) * mn], *m, *n),
                    scratch,
                );
            }
        }
        Kernel::Pad { layout, value } => layout.apply(x, *value, output),
        Kernel::Resize { stages, buffers } => {
            let last = stages.len().saturating_sub(1);
            for (index, stage) in stages.iter().enumerate() {
                let len = stage.output_len;
                // Stage i writes buffers[i mod 2] (the output, for the last) and reads the
                // other one (the input, for the first).
                let [even, odd] = &mut *buffers;
                let (read, write) = if index % 2 == 0 {
                    (&*odd, even)
                } else {
                    (&*even, odd)
                };
                let source: &[f32] = if index == 0 { x } else { read };
                let target: &mut [f32] = if index == last {
                    &mut output[..len]
                } else {
                    &mut write[..len]
                };
                resize::resize_axis(source, &stage.shape, stage.axis, &stage.taps, target);
            }
            if stages.is_empty() {
                output[..x.len()].copy_from_slice(x);
            }
        }
        Kernel::Gather {
            shape,
            axis,
            indices,
        } => movement::gather(x, shape, *axis, indices, output),
        Kernel::Slice(layout) => layout.apply(x, output),
        Kernel::Affine { .. }
        | Kernel::Unary(_)
        | Kernel::Clip { .. }
        | Kernel::Softmax { .. }
        | Kernel::BinaryInPlace { .. } => {
            debug_assert!(false, "in-place kernels run through run_in_place")
        }
    }
}

/// Runs an in-place kernel on `values` (its first operand); `other` is its second operand,
/// for the kernels that have one.
pub fn run_in_place(kernel: &Kernel, values: &mut [f32], other: Option<&[f32]>) {
    match kernel {
        Kernel::Affine {
            scale,
            shift,
            pixels,
        } => pointwise::affine_per_channel(values, scale, shift, *pixels),
        Kernel::Unary(op) => pointwise::unary_in_place(*op, values),
        Kernel::Clip { min, max } => pointwise::clip_in_place(values, *min, *max),
        Kernel::Softmax {
            outer,
            length,
            inner,
        } => pointwise::softmax_in_place(values, *outer, *length, *inner),
        Kernel::BinaryInPlace {
            op,
            own_strides,
            other_strides,
            shape,
            reversed,
        } => {
            let other = other.unwrap_or(&[]);
            let (op, reversed) = (*op, *reversed);
            if other.len() == values.len() {
                for (v, &o) in values.iter_mut().zip(other) {
                    *v = if reversed {
                        <f32 as pointwise::Arithmetic>::apply(op, o, *v)
                    } else {
                        <f32 as pointwise::Arithmetic>::apply(op, *v, o)
                    };
                }
                return;
            }
            pointwise::for_each_pair(shape, own_strides, other_strides, |index, _, j| {
                let (v, o) = (values[index], other[j]);
                values[index] = if reversed {
                    <f32 as pointwise::Arithmetic>::apply(op, o, v)
                } else {
                    <f32 as pointwise::Arithmetic>::apply(op, v, o)
                };
            });
        }
        _ => debug_assert!(false, "not an in-place kernel"),
    }
}
