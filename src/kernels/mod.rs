//! Inference kernels: f32, NCHW, one image at a time, for the forward-pass engine.
//!
//! - [`conv2d`]: convolution under any of the eight padding modes (definitions.md §2), the
//!   padding read *in the kernel* through the mode's source mapping (no padded copy of the
//!   input is ever made). Three paths: an implicit im2col feeding the blocked GEMM (general),
//!   the input multiplied directly (1×1, stride 1, unpadded), and a direct depthwise kernel.
//! - [`pool2d`], [`global_pool`]: max and average pooling with ONNX's (PyTorch's) semantics.
//! - [`gemm`]: `c = α·a·b + β·c` on strided views, for Gemm, MatMul and fully connected layers.
//!
//! Every fast path sits beside a plain reference (`*_reference`) that property tests hold it
//! to. The vectors are four f32 lanes ([`simd::F32x4`]): WebAssembly `v128` on wasm32 with
//! simd128, a plain array natively; on x86-64 CPUs with AVX2 and FMA the GEMM micro-kernel
//! uses eight lanes and fused multiply-adds instead, chosen at run time (`gemm.rs`).
//! Temporaries live in a [`Scratch`] that grows on first use and never shrinks, so a forward
//! pass allocates nothing after the first.
//!
//! Geometry is validated once, at plan time ([`ConvGeometry::validate`],
//! [`PoolGeometry::validate`], [`MatRef::validate`]); the kernels then assume it and only
//! debug builds check. An invalid call can panic on a slice index, never cause undefined
//! behaviour.

mod activation;
mod conv;
mod depthwise;
mod gemm;
mod pool;
pub mod simd;

pub use activation::Activation;
pub use conv::{conv2d, conv2d_reference, ConvGeometry, ConvPath, PackedConv};
pub use gemm::{gemm, gemm_packed_b, gemm_reference, MatMut, MatRef, PackedB, MR, NR};
pub use pool::{
    global_pool, global_pool_reference, pool2d, pool2d_reference, GlobalPool, PoolGeometry,
    PoolKind,
};

use crate::error::{Axis, AxisError};
use core::ops::Range;

/// A rectangle of output positions: rows and columns, half-open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputWindow {
    pub rows: Range<usize>,
    pub cols: Range<usize>,
}

impl OutputWindow {
    /// Every position of an `height × width` output.
    pub fn full(height: usize, width: usize) -> Self {
        OutputWindow {
            rows: 0..height,
            cols: 0..width,
        }
    }

    /// The window cut to an `height × width` output (an empty range stays empty).
    pub(crate) fn clamped(&self, height: usize, width: usize) -> Self {
        let cut =
            |r: &Range<usize>, len: usize| r.start.min(len)..r.end.min(len).max(r.start.min(len));
        OutputWindow {
            rows: cut(&self.rows, height),
            cols: cut(&self.cols, width),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() || self.cols.is_empty()
    }

    /// Positions in the window.
    pub fn len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }
}

/// Reusable scratch memory: grows on first use, never shrinks. One per thread of work; a
/// forward pass that reuses it allocates nothing after the first.
#[derive(Default, Debug)]
pub struct Scratch {
    /// GEMM: the packed block of `a` (`MC × KC`).
    a: Vec<f32>,
    /// GEMM: the packed block of `b` (`KC × NC`).
    b: Vec<f32>,
    /// Convolution: per window position and tap, the input offset it reads (or `NONE`).
    offsets: Vec<u32>,
    /// Convolution: per panel and tap, whether its `NR` offsets are consecutive.
    runs: Vec<u8>,
    /// Per-axis source tables: per output position and tap, the input index (or `NONE`).
    row_src: Vec<u32>,
    col_src: Vec<u32>,
    /// Partial convolution: per-axis ratios, then per window position the ratio and whether
    /// the bias is kept (a window with no tap on the input outputs 0).
    row_ratio: Vec<f32>,
    col_ratio: Vec<f32>,
    ratio: Vec<f32>,
    keep: Vec<f32>,
    /// A row of values (the row of `a` of a matrix-vector product).
    row: Vec<f32>,
    /// Accumulators (matrix-vector sums, pooling divisors).
    acc: Vec<f32>,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch::default()
    }

    /// Bytes held, for memory accounting.
    pub fn bytes(&self) -> usize {
        4 * (self.a.capacity()
            + self.b.capacity()
            + self.offsets.capacity()
            + self.row_src.capacity()
            + self.col_src.capacity()
            + self.row_ratio.capacity()
            + self.col_ratio.capacity()
            + self.ratio.capacity()
            + self.keep.capacity()
            + self.row.capacity()
            + self.acc.capacity())
            + self.runs.capacity()
    }
}

/// The first `len` elements of `buffer`, growing it (never shrinking) as needed.
pub(crate) fn grow<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    &mut buffer[..len]
}

/// What is wrong with a kernel's geometry or a matrix view.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    #[error(
        "{groups} groups do not divide {in_channels} input and {out_channels} output \
         channels (all three must be at least 1)"
    )]
    Groups {
        groups: usize,
        in_channels: usize,
        out_channels: usize,
    },
    #[error("{axis} axis: {source}")]
    Axis {
        axis: Axis,
        #[source]
        source: AxisError,
    },
    #[error(
        "{axis} axis: {output} outputs of a {kernel}-tap window (stride {stride}, dilation \
         {dilation}) from {input} pixels padded by {before} and {after} {problem}"
    )]
    Window {
        axis: Axis,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        before: usize,
        after: usize,
        output: usize,
        problem: &'static str,
    },
    #[error("a layer needs at least one channel")]
    NoChannels,
    #[error("an input plane of {pixels} pixels is too large (at most {max})")]
    PlaneTooLarge { pixels: usize, max: usize },
    #[error(
        "a {rows}×{cols} view with strides ({row_stride}, {col_stride}) reaches past its \
         {len} values or overlaps itself"
    )]
    MatrixExtent {
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
        len: usize,
    },
}

/// Marks an input index that reads nothing (zero padding).
pub(crate) const NONE: u32 = u32::MAX;

/// Input planes are indexed with `u32` offsets (half the table of `usize`); `NONE` is reserved.
pub(crate) const MAX_PLANE: usize = (u32::MAX - 1) as usize;

/// Checks one axis of a window layer: sizes at least 1, and every window inside the padded
/// extent (`allow_overhang`: pooling's ceil mode may run past the after-padding).
pub(crate) fn validate_axis(
    axis: Axis,
    r: &crate::geometry::AxisResolution,
    allow_overhang: bool,
) -> Result<(), KernelError> {
    for (field, value) in [
        ("kernel", r.kernel),
        ("stride", r.stride),
        ("dilation", r.dilation),
    ] {
        if value == 0 {
            return Err(KernelError::Axis {
                axis,
                source: AxisError::Zero { field },
            });
        }
    }
    if r.input == 0 {
        return Err(KernelError::Axis {
            axis,
            source: AxisError::EmptyInput,
        });
    }
    let max = crate::geometry::MAX_EXTENT;
    for (field, value) in [
        ("kernel", r.kernel),
        ("stride", r.stride),
        ("dilation", r.dilation),
        ("input", r.input),
        ("padding", r.before.max(r.after)),
    ] {
        if value > max {
            return Err(KernelError::Axis {
                axis,
                source: AxisError::TooLarge { field, value, max },
            });
        }
    }
    let window = |problem| KernelError::Window {
        axis,
        input: r.input,
        kernel: r.kernel,
        stride: r.stride,
        dilation: r.dilation,
        before: r.before,
        after: r.after,
        output: r.output,
        problem,
    };
    if r.output == 0 || r.output > max {
        return Err(window("is not a usable output length"));
    }
    // The last window ends at (o−1)s − pb + ke − 1 (definitions.md §1).
    let last_end = r.position(r.output - 1, r.kernel - 1);
    if !allow_overhang && last_end > (r.input + r.after) as i64 - 1 {
        return Err(window("run past the padding"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_clamp_to_the_output() {
        let w = OutputWindow {
            rows: 2..9,
            cols: 7..9,
        };
        assert_eq!(
            w.clamped(5, 6),
            OutputWindow {
                rows: 2..5,
                cols: 6..6
            }
        );
        assert!(w.clamped(5, 6).is_empty());
        assert_eq!(OutputWindow::full(3, 4).len(), 12);
    }

    #[test]
    fn scratch_grows_and_never_shrinks() {
        let mut s = Scratch::default();
        assert_eq!(grow(&mut s.a, 10).len(), 10);
        assert_eq!(grow(&mut s.a, 4).len(), 4);
        assert_eq!(s.a.len(), 10);
        assert!(s.bytes() >= 40);
    }
}
