//! Element-wise operators: activations, Clip, batch normalisation's affine map, the binary
//! arithmetic operators with ONNX's (NumPy's) broadcasting, PRelu, and Softmax.

use crate::infer::graph::{Binary, Unary};
use crate::kernels::Activation;

/// The value of an activation at `x`. HardSwish is `x · HardSigmoid(x)` with α = 1/6, β = ½
/// (ONNX's definition); HardSigmoid is `max(0, min(1, αx + β))`.
#[inline]
pub fn unary(op: Unary, x: f32) -> f32 {
    match op {
        Unary::Relu => Activation::Relu.apply(x),
        Unary::LeakyRelu { alpha } => {
            if x >= 0.0 {
                x
            } else {
                alpha * x
            }
        }
        Unary::Sigmoid => sigmoid(x),
        Unary::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
        Unary::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
        Unary::Tanh => x.tanh(),
    }
}

/// `1 / (1 + e^−x)`, written so that neither branch overflows.
#[inline]
fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Applies an activation in place.
pub fn unary_in_place(op: Unary, data: &mut [f32]) {
    match op {
        // The common case, in vectors. `f32::max` would not do: WebAssembly has no
        // instruction for Rust's NaN-ignoring max, so each call went to libm's `fmaxf` — with
        // the loop around it, 11.5 % of an incremental ResNet-18 grid in V8 (node
        // --cpu-prof), and a NaN became 0 where the fused ReLU of a convolution keeps it.
        Unary::Relu => Activation::Relu.apply_slice(data),
        _ => data.iter_mut().for_each(|x| *x = unary(op, *x)),
    }
}

/// `min(max(x, min), max)` in place, in vectors. NaN stays NaN, as in ONNX Runtime (and the
/// fused Clip of a convolution).
pub fn clip_in_place(data: &mut [f32], min: f32, max: f32) {
    Activation::Clip { min, max }.apply_slice(data);
}

/// `x · scale[c] + shift[c]` in place over `[batch, channels, pixels]`.
pub fn affine_per_channel(data: &mut [f32], scale: &[f32], shift: &[f32], pixels: usize) {
    let channels = scale.len();
    for (index, plane) in data.chunks_exact_mut(pixels).enumerate() {
        let c = index % channels;
        let (a, b) = (scale[c], shift[c]);
        plane.iter_mut().for_each(|x| *x = *x * a + b);
    }
}

/// Arithmetic on the two element types: f32 at run time, i64 for folded shape arithmetic.
pub trait Arithmetic: Copy {
    fn apply(op: Binary, a: Self, b: Self) -> Self;
}

impl Arithmetic for f32 {
    #[inline]
    fn apply(op: Binary, a: f32, b: f32) -> f32 {
        match op {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
        }
    }
}

impl Arithmetic for i64 {
    /// Integer division truncates toward zero (C's and ONNX Runtime's); dividing by zero
    /// gives 0 rather than a panic — ONNX leaves it undefined.
    #[inline]
    fn apply(op: Binary, a: i64, b: i64) -> i64 {
        match op {
            Binary::Add => a.wrapping_add(b),
            Binary::Sub => a.wrapping_sub(b),
            Binary::Mul => a.wrapping_mul(b),
            Binary::Div => a.checked_div(b).unwrap_or(0),
        }
    }
}

/// Calls `visit(output_index, a_offset, b_offset)` over an output of `shape`, the operands
/// read with broadcast strides (0 on broadcast axes).
pub fn for_each_pair(
    shape: &[usize],
    a_strides: &[usize],
    b_strides: &[usize],
    mut visit: impl FnMut(usize, usize, usize),
) {
    let rank = shape.len();
    if shape.contains(&0) {
        return;
    }
    if rank == 0 {
        visit(0, 0, 0);
        return;
    }
    let inner = shape[rank - 1];
    let (sa, sb) = (a_strides[rank - 1], b_strides[rank - 1]);
    let mut index = [0usize; super::movement::MAX_RANK];
    let (mut a, mut b, mut out) = (0usize, 0usize, 0usize);
    loop {
        for i in 0..inner {
            visit(out + i, a + i * sa, b + i * sb);
        }
        out += inner;
        let mut axis = rank - 1;
        loop {
            if axis == 0 {
                return;
            }
            axis -= 1;
            index[axis] += 1;
            a += a_strides[axis];
            b += b_strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            a -= a_strides[axis] * shape[axis];
            b -= b_strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
}

/// `out = a op b` with broadcasting (the strides come from
/// [`broadcast_strides`](crate::infer::tensor::broadcast_strides)).
pub fn binary<T: Arithmetic>(
    op: Binary,
    a: &[T],
    a_strides: &[usize],
    b: &[T],
    b_strides: &[usize],
    shape: &[usize],
    out: &mut [T],
) {
    let same = a.len() == out.len() && b.len() == out.len();
    if same {
        // Equal shapes: a flat loop.
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = T::apply(op, x, y);
        }
        return;
    }
    for_each_pair(shape, a_strides, b_strides, |o, i, j| {
        out[o] = T::apply(op, a[i], b[j]);
    });
}

/// PRelu: `x` where `x ≥ 0`, else `slope · x`, the slope broadcast to x's shape (`x_strides`
/// are x's own).
pub fn prelu(
    x: &[f32],
    x_strides: &[usize],
    slope: &[f32],
    slope_strides: &[usize],
    shape: &[usize],
    out: &mut [f32],
) {
    for_each_pair(shape, x_strides, slope_strides, |o, i, j| {
        let v = x[i];
        out[o] = if v >= 0.0 { v } else { slope[j] * v };
    });
}

/// Softmax over the middle axis of `[outer, length, inner]`, in place; the maximum is
/// subtracted first so that `exp` cannot overflow.
pub fn softmax_in_place(data: &mut [f32], outer: usize, length: usize, inner: usize) {
    for o in 0..outer {
        let block = &mut data[o * length * inner..(o + 1) * length * inner];
        for i in 0..inner {
            let max = (0..length)
                .map(|k| block[k * inner + i])
                .fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for k in 0..length {
                let e = (block[k * inner + i] - max).exp();
                block[k * inner + i] = e;
                sum += e;
            }
            for k in 0..length {
                block[k * inner + i] /= sum;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::tensor::{broadcast_shapes, broadcast_strides};

    #[test]
    fn activations_follow_onnx() {
        assert_eq!(unary(Unary::Relu, -1.0), 0.0);
        assert_eq!(unary(Unary::LeakyRelu { alpha: 0.1 }, -2.0), -0.2);
        assert_eq!(unary(Unary::HardSwish, 3.0), 3.0);
        assert_eq!(unary(Unary::HardSwish, -3.0), -0.0);
        assert_eq!(unary(Unary::HardSwish, 1.0), 1.0 * (1.0 / 6.0 + 0.5));
        assert!((unary(Unary::Sigmoid, -100.0)).abs() < 1e-30);
        assert_eq!(unary(Unary::Sigmoid, 0.0), 0.5);
    }

    #[test]
    fn broadcast_binary_and_integer_division() {
        let shape = broadcast_shapes(&[2, 1], &[3]).unwrap();
        let mut out = vec![0i64; 6];
        binary(
            Binary::Sub,
            &[10, 20],
            &broadcast_strides(&[2, 1], &shape),
            &[1, 2, 3],
            &broadcast_strides(&[3], &shape),
            &shape,
            &mut out,
        );
        assert_eq!(out, [9, 8, 7, 19, 18, 17]);
        assert_eq!(i64::apply(Binary::Div, -7, 2), -3);
        assert_eq!(i64::apply(Binary::Div, 7, 0), 0);
    }

    #[test]
    fn softmax_is_stable() {
        let mut data = vec![1000.0, 1001.0, 0.0, 0.0];
        softmax_in_place(&mut data, 2, 2, 1);
        assert!((data[1] - 0.7310586).abs() < 1e-6 && (data[2] - 0.5).abs() < 1e-7);
    }
}
