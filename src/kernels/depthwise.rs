//! Depthwise convolution (one input channel per group), computed directly.
//!
//! A depthwise layer does `kh·kw` multiply-adds per output, too few to amortise packing an
//! im2col matrix (MLAS and XNNPACK likewise give it a direct kernel). Each output row is
//! split per definitions.md §1 into an *interior*, whose windows read only real input
//! columns, and the borders. The interior is vectorized along the width, four outputs at a
//! time: stride 1 loads four consecutive inputs, stride 2 loads eight and keeps the even
//! lanes. Border outputs, larger strides, and every row index go through the per-axis
//! source tables ([`PaddingMode::source`]), so all eight modes share the code.
//!
//! Each lane sums its taps in the reference's order (rows, then columns, padding zeros
//! skipped), so fast and reference agree bit for bit.

use super::conv::{axis_ratios, axis_sources, ConvGeometry};
use super::simd::{F32x4, LANES};
use super::{Activation, OutputWindow, Scratch, NONE};
use crate::padding::PaddingMode;

/// Output columns whose windows read only real input: `ox·s − pb ≥ 0` and
/// `ox·s − pb + (k−1)·d ≤ n − 1`, with `extra` more columns of slack on the right.
pub(crate) fn interior(
    r: &crate::geometry::AxisResolution,
    extra: usize,
) -> core::ops::Range<usize> {
    let lo = r.before.div_ceil(r.stride);
    let reach = (r.kernel - 1) * r.dilation + extra;
    let hi = if r.input + r.before > reach {
        (r.input - 1 + r.before - reach) / r.stride + 1
    } else {
        0
    };
    lo..hi.max(lo)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn depthwise(
    g: &ConvGeometry,
    weights: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    act: Activation,
    scratch: &mut Scratch,
) {
    let Scratch {
        row_src,
        col_src,
        row_ratio,
        col_ratio,
        ..
    } = scratch;
    let (r, c) = (&g.rows, &g.cols);
    let (kh, kw) = (r.kernel, c.kernel);
    let taps = kh * kw;
    let (width, plane) = (c.input, r.input * c.input);
    let (ow, out_plane) = (c.output, r.output * c.output);
    let rsrc = axis_sources(r, g.mode, window.rows.clone(), row_src);
    let csrc = axis_sources(c, g.mode, window.cols.clone(), col_src);
    let partial = g.mode == PaddingMode::Partial;
    let (ry, rx): (&[f32], &[f32]) = if partial {
        (
            axis_ratios(r, window.rows.clone(), row_ratio),
            axis_ratios(c, window.cols.clone(), col_ratio),
        )
    } else {
        (&[], &[])
    };
    // Stride 2 reads one column past its last lane (the odd lane it drops).
    let vector = match c.stride {
        1 => Some(interior(c, 0)),
        2 => Some(interior(c, 1)),
        _ => None,
    }
    .map(|i| i.start.max(window.cols.start)..i.end.min(window.cols.end))
    .filter(|i| i.len() >= LANES);
    let multiplier = g.out_per_group();
    let col0 = window.cols.start;

    for oc in 0..g.out_channels {
        let channel = &input[(oc / multiplier) * plane..][..plane];
        let wts = &weights[oc * taps..][..taps];
        let b = bias[oc];
        let out_channel = &mut output[oc * out_plane..][..out_plane];
        for (ly, oy) in window.rows.clone().enumerate() {
            let rows = &rsrc[ly * kh..][..kh];
            let row_ratio = if partial { ry[ly] } else { 1.0 };
            let out_row = &mut out_channel[oy * ow..][..ow];
            let finish = |sum: f32, lx: usize| -> f32 {
                let value = if partial {
                    let ratio = row_ratio * rx[lx];
                    if ratio == 0.0 {
                        0.0
                    } else {
                        ratio * sum + b
                    }
                } else {
                    sum + b
                };
                act.apply(value)
            };
            let scalar = |ox: usize| -> f32 {
                let lx = ox - col0;
                let cols = &csrc[lx * kw..][..kw];
                let mut sum = 0.0f32;
                for (ty, &sy) in rows.iter().enumerate() {
                    if sy == NONE {
                        continue;
                    }
                    let row = &channel[sy as usize * width..][..width];
                    for (tx, &sx) in cols.iter().enumerate() {
                        if sx != NONE {
                            sum += wts[ty * kw + tx] * row[sx as usize];
                        }
                    }
                }
                finish(sum, lx)
            };
            let Some(inner) = vector.clone() else {
                for ox in window.cols.clone() {
                    out_row[ox] = scalar(ox);
                }
                continue;
            };
            let left = window.cols.start..inner.start;
            for (out, ox) in out_row[left.clone()].iter_mut().zip(left) {
                *out = scalar(ox);
            }
            // Interior: the column ratio is exactly 1 (every column tap is on the input), so
            // partial convolution's ratio is the row's.
            let scale = F32x4::splat(row_ratio);
            let shift = F32x4::splat(if partial && row_ratio == 0.0 { 0.0 } else { b });
            let row_taps = Taps {
                rows,
                weights: wts,
                channel,
                width,
                kw,
                stride: c.stride,
                dilation: c.dilation,
            };
            let finish_vec = |acc: F32x4| {
                let value = if partial {
                    acc * scale + shift
                } else {
                    acc + shift
                };
                act.apply_vec(value)
            };
            let mut ox = inner.start;
            while ox + LANES <= inner.end {
                let x0 = ox * c.stride - c.before;
                let mut store = |sums: &[F32x4]| {
                    for (v, &acc) in sums.iter().enumerate() {
                        finish_vec(acc).store_slice(&mut out_row[ox + v * LANES..]);
                    }
                };
                // Up to four vectors summed together (a 14-wide interior has three): independent
                // sums hide the latency of the additions. One vector at a time, each a chain of
                // kh·kw dependent additions, MobileNet-v2's depthwise layers took 14.9 ms
                // (9.8 ms together).
                let vectors = ((inner.end - ox) / LANES).min(4);
                match vectors {
                    1 => store(&row_taps.sums::<1>(x0)),
                    2 => store(&row_taps.sums::<2>(x0)),
                    3 => store(&row_taps.sums::<3>(x0)),
                    _ => store(&row_taps.sums::<4>(x0)),
                }
                ox += vectors * LANES;
            }
            // The interior's last outputs: one more vector ending where it ends, which writes
            // some outputs again (the same values), instead of up to three scalar ones.
            if ox < inner.end {
                ox = inner.end - LANES;
                let [acc] = row_taps.sums::<1>(ox * c.stride - c.before);
                finish_vec(acc).store_slice(&mut out_row[ox..]);
                ox = inner.end;
            }
            let right = ox..window.cols.end;
            for (out, ox) in out_row[right.clone()].iter_mut().zip(right) {
                *out = scalar(ox);
            }
        }
    }
}

/// One output row's taps in the interior of a channel.
struct Taps<'a> {
    /// Per kernel row, the input row it reads ([`NONE`]: padding, skipped).
    rows: &'a [u32],
    weights: &'a [f32],
    channel: &'a [f32],
    width: usize,
    kw: usize,
    stride: usize,
    dilation: usize,
}

impl Taps<'_> {
    /// The sums of `V` consecutive output vectors whose first output's window starts at
    /// input column `x0`; stride 1 or 2. Every lane adds its taps in the reference's order.
    #[inline(always)]
    fn sums<const V: usize>(&self, x0: usize) -> [F32x4; V] {
        let mut acc = [F32x4::zero(); V];
        for (ty, &sy) in self.rows.iter().enumerate() {
            if sy == NONE {
                continue;
            }
            let row = &self.channel[sy as usize * self.width..][..self.width];
            let wrow = &self.weights[ty * self.kw..][..self.kw];
            for (tx, w) in wrow.iter().enumerate() {
                let w = F32x4::splat_from(w);
                let at = &row[x0 + tx * self.dilation..];
                for (v, acc) in acc.iter_mut().enumerate() {
                    let x = if self.stride == 1 {
                        F32x4::load_slice(&at[v * LANES..])
                    } else {
                        let pair = &at[2 * v * LANES..][..2 * LANES];
                        F32x4::even_lanes(
                            F32x4::load_slice(pair),
                            F32x4::load_slice(&pair[LANES..]),
                        )
                    };
                    *acc = acc.mul_add(w, x);
                }
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::tests::{activation, axis, check_conv, sub_range};
    use crate::kernels::conv::ConvPath;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Depthwise layers (channel multiplier 1–3) over every mode, stride, dilation,
        /// kernel and window; wide enough inputs that the vector interior runs.
        #[test]
        fn depthwise_matches_the_reference(
            mode in (0usize..8).prop_map(|i| PaddingMode::ALL[i]),
            (ny, nx) in (1usize..10, 1usize..30),
            (ky, kx) in (1usize..8, 1usize..8),
            (sy, sx) in (1usize..4, 1usize..4),
            (dy, dx) in (1usize..3, 1usize..3),
            (pby, pay, pbx, pax) in (0usize..5, 0usize..5, 0usize..5, 0usize..5),
            channels in 1usize..5, multiplier in 1usize..4,
            (wa, wb, wc, wd) in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
            act in 0u8..4, with_bias in any::<bool>(), seed in any::<u64>(),
        ) {
            let g = ConvGeometry {
                in_channels: channels,
                out_channels: channels * multiplier,
                groups: channels,
                rows: axis(mode, ny, ky, sy, dy, pby, pay),
                cols: axis(mode, nx, kx, sx, dx, pbx, pax),
                mode,
            };
            prop_assert_eq!(g.path(), ConvPath::Depthwise);
            let window = OutputWindow {
                rows: sub_range(g.rows.output, wa, wb),
                cols: sub_range(g.cols.output, wc, wd),
            };
            let act = activation(act, 0.2);
            check_conv(&g, &window, act, with_bias, seed, &mut Scratch::default())
                .map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn interior_columns() {
        // 10 px, 3 taps, stride 1, pad 1: outputs 1..=8 read only real input.
        let r = axis(PaddingMode::Zeros, 10, 3, 1, 1, 1, 1);
        assert_eq!(interior(&r, 0), 1..9);
        // Stride 2 with a column of slack: output o reads 2o − 1 ..= 2o + 1 (+1 slack) ≤ 9.
        let r = axis(PaddingMode::Zeros, 10, 3, 2, 1, 1, 1);
        assert_eq!(interior(&r, 1), 1..4);
        // A kernel wider than the input leaves no interior.
        let r = axis(PaddingMode::Zeros, 2, 5, 1, 1, 2, 2);
        assert!(interior(&r, 0).is_empty());
    }
}
