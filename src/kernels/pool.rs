//! Max and average pooling with ONNX's semantics, which follow PyTorch's.
//!
//! Pooling has no padding mode (definitions.md §2: "pooling keeps its own padding"): max
//! pooling never picks a padded position (padding reads −∞), average pooling sums the taps
//! on the input and divides by
//! - `count_include_pad = false`: the taps on the input;
//! - `count_include_pad = true`: the taps inside the padded extent `[−before, input + after)`.
//!   In ceil mode the last window may run past `after` (definitions.md §1); those positions
//!   are not counted, as in PyTorch's `avg_pool2d` (the divisor is clipped to
//!   `input + padding`).
//!
//! Dilation applies to both kinds. The divisor is separable (row taps × column taps). A window
//! with nothing to divide by outputs 0; a max window with no tap on the input outputs −∞.
//!
//! The fast path splits each output row like the depthwise kernel: an interior vectorized
//! along the width (stride 1 and 2), borders per output. Lanes take their taps in the
//! reference's order, so fast and reference agree bit for bit.

use super::depthwise::interior;
use super::simd::{pmax, F32x4, LANES};
use super::{validate_axis, KernelError, OutputWindow, MAX_PLANE};
use crate::error::Axis;
use crate::geometry::AxisResolution;

/// A pooling layer's shape, resolved (ceil mode included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    pub channels: usize,
    pub rows: AxisResolution,
    pub cols: AxisResolution,
}

impl PoolGeometry {
    /// Sizes at least 1 and windows that start inside the padded extent (they may run past
    /// it in ceil mode). Call it once at plan time.
    pub fn validate(&self) -> Result<(), KernelError> {
        if self.channels == 0 {
            return Err(KernelError::NoChannels);
        }
        validate_axis(Axis::Height, &self.rows, true)?;
        validate_axis(Axis::Width, &self.cols, true)?;
        let pixels = self.rows.input.saturating_mul(self.cols.input);
        if pixels > MAX_PLANE {
            return Err(KernelError::PlaneTooLarge {
                pixels,
                max: MAX_PLANE,
            });
        }
        Ok(())
    }

    pub fn input_len(&self) -> usize {
        self.channels * self.rows.input * self.cols.input
    }

    pub fn output_len(&self) -> usize {
        self.channels * self.rows.output * self.cols.output
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average { count_include_pad: bool },
}

/// Pooling over all of a channel's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalPool {
    Max,
    Average,
}

/// Taps of output `out` on the input, and inside the padded extent `[−before, n + after)`.
fn counts(r: &AxisResolution, out: usize) -> (usize, usize) {
    let (n, after) = (r.input as i64, r.after as i64);
    let mut on_input = 0;
    let mut in_extent = 0;
    for t in 0..r.kernel {
        let p = r.position(out, t);
        on_input += (0..n).contains(&p) as usize;
        in_extent += (-(r.before as i64)..n + after).contains(&p) as usize;
    }
    (on_input, in_extent)
}

/// `sum / divisor`, 0 for an empty divisor.
#[inline(always)]
fn mean(sum: f32, divisor: usize) -> f32 {
    if divisor == 0 {
        0.0
    } else {
        sum / divisor as f32
    }
}

/// The plain loop: the reference [`pool2d`] is tested against.
pub fn pool2d_reference(
    g: &PoolGeometry,
    kind: PoolKind,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
) {
    let window = window.clamped(g.rows.output, g.cols.output);
    let (r, c) = (&g.rows, &g.cols);
    let (plane, out_plane) = (r.input * c.input, r.output * c.output);
    let inside = |res: &AxisResolution, p: i64| (0..res.input as i64).contains(&p);
    for ch in 0..g.channels {
        for oy in window.rows.clone() {
            for ox in window.cols.clone() {
                let mut max = f32::NEG_INFINITY;
                let mut sum = 0.0f32;
                for ty in 0..r.kernel {
                    let py = r.position(oy, ty);
                    if !inside(r, py) {
                        continue;
                    }
                    for tx in 0..c.kernel {
                        let px = c.position(ox, tx);
                        if inside(c, px) {
                            let x = input[ch * plane + py as usize * c.input + px as usize];
                            max = pmax(max, x);
                            sum += x;
                        }
                    }
                }
                let (ry, rx) = (counts(r, oy), counts(c, ox));
                output[ch * out_plane + oy * c.output + ox] = match kind {
                    PoolKind::Max => max,
                    PoolKind::Average {
                        count_include_pad: false,
                    } => mean(sum, ry.0 * rx.0),
                    PoolKind::Average {
                        count_include_pad: true,
                    } => mean(sum, ry.1 * rx.1),
                };
            }
        }
    }
}

/// Pools every channel at every position of `window`; leaves the rest of `output` untouched.
/// `input`: `channels × rows.input × cols.input`; `output`: `channels × rows.output ×
/// cols.output`. Assumes `g.validate()` passed. Allocates nothing.
pub fn pool2d(
    g: &PoolGeometry,
    kind: PoolKind,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
) {
    debug_assert!(g.validate().is_ok());
    debug_assert!(input.len() >= g.input_len() && output.len() >= g.output_len());
    let window = window.clamped(g.rows.output, g.cols.output);
    if window.is_empty() {
        return;
    }
    let (r, c) = (&g.rows, &g.cols);
    let (width, plane) = (c.input, r.input * c.input);
    let (ow, out_plane) = (c.output, r.output * c.output);
    let (is_max, include_pad) = match kind {
        PoolKind::Max => (true, false),
        PoolKind::Average { count_include_pad } => (false, count_include_pad),
    };
    let vector = match c.stride {
        1 => Some(interior(c, 0)),
        2 => Some(interior(c, 1)),
        _ => None,
    }
    .map(|i| i.start.max(window.cols.start)..i.end.min(window.cols.end))
    .filter(|i| i.len() >= LANES);
    let row_of = |oy: usize, ty: usize| -> Option<usize> {
        let p = r.position(oy, ty);
        (0..r.input as i64).contains(&p).then_some(p as usize)
    };

    for ch in 0..g.channels {
        let channel = &input[ch * plane..][..plane];
        let out_channel = &mut output[ch * out_plane..][..out_plane];
        for oy in window.rows.clone() {
            let ry = counts(r, oy);
            let row_count = if include_pad { ry.1 } else { ry.0 };
            let out_row = &mut out_channel[oy * ow..][..ow];
            let scalar = |ox: usize| -> f32 {
                let mut max = f32::NEG_INFINITY;
                let mut sum = 0.0f32;
                for ty in 0..r.kernel {
                    let Some(sy) = row_of(oy, ty) else { continue };
                    let row = &channel[sy * width..][..width];
                    for tx in 0..c.kernel {
                        let px = c.position(ox, tx);
                        if (0..width as i64).contains(&px) {
                            let x = row[px as usize];
                            max = pmax(max, x);
                            sum += x;
                        }
                    }
                }
                if is_max {
                    max
                } else {
                    let rx = counts(c, ox);
                    mean(sum, row_count * if include_pad { rx.1 } else { rx.0 })
                }
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
            // Interior: every column tap is on the input (and in the extent), so the divisor
            // is the row's count times the kernel width.
            let divisor = row_count * c.kernel;
            let taps = RowTaps {
                rows: (0..r.kernel).map(|ty| row_of(oy, ty)),
                channel,
                width,
                kw: c.kernel,
                stride: c.stride,
                dilation: c.dilation,
                is_max,
            };
            let finish = |acc: F32x4| {
                if is_max {
                    acc
                } else if divisor == 0 {
                    F32x4::zero()
                } else {
                    acc / F32x4::splat(divisor as f32)
                }
            };
            let mut ox = inner.start;
            while ox + LANES <= inner.end {
                let x0 = ox * c.stride - c.before;
                let mut store = |values: &[F32x4]| {
                    for (v, &acc) in values.iter().enumerate() {
                        finish(acc).store_slice(&mut out_row[ox + v * LANES..]);
                    }
                };
                // Up to four vectors together (a 14-wide interior has three): independent
                // chains of maxima or sums. One at a time, GoogLeNet's 3×3 stride-1 max pools
                // took 1.1 G taps/s (1.9–2.1 together).
                let vectors = ((inner.end - ox) / LANES).min(4);
                match vectors {
                    1 => store(&taps.reduce::<1>(x0)),
                    2 => store(&taps.reduce::<2>(x0)),
                    3 => store(&taps.reduce::<3>(x0)),
                    _ => store(&taps.reduce::<4>(x0)),
                }
                ox += vectors * LANES;
            }
            // The interior's last outputs: one more vector ending where it ends, which writes
            // some outputs again (the same values), instead of up to three scalar ones.
            if ox < inner.end {
                ox = inner.end - LANES;
                let [acc] = taps.reduce::<1>(ox * c.stride - c.before);
                finish(acc).store_slice(&mut out_row[ox..]);
                ox = inner.end;
            }
            let right = ox..window.cols.end;
            for (out, ox) in out_row[right.clone()].iter_mut().zip(right) {
                *out = scalar(ox);
            }
        }
    }
}

/// One output row's windows in the interior of a channel.
struct RowTaps<'a, R> {
    /// Per kernel row, the input row it reads (`None`: padding, skipped).
    rows: R,
    channel: &'a [f32],
    width: usize,
    kw: usize,
    stride: usize,
    dilation: usize,
    is_max: bool,
}

impl<R: Iterator<Item = Option<usize>> + Clone> RowTaps<'_, R> {
    /// The maxima or sums of `V` consecutive output vectors whose first window starts at
    /// input column `x0`; stride 1 or 2. Every lane takes its taps in the reference's order.
    #[inline(always)]
    fn reduce<const V: usize>(&self, x0: usize) -> [F32x4; V] {
        let start = if self.is_max {
            F32x4::splat(f32::NEG_INFINITY)
        } else {
            F32x4::zero()
        };
        let mut acc = [start; V];
        for sy in self.rows.clone().flatten() {
            let row = &self.channel[sy * self.width..][..self.width];
            for tx in 0..self.kw {
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
                    *acc = if self.is_max { acc.pmax(x) } else { *acc + x };
                }
            }
        }
        acc
    }
}

/// The plain loop for [`global_pool`].
pub fn global_pool_reference(
    kind: GlobalPool,
    channels: usize,
    pixels: usize,
    input: &[f32],
    output: &mut [f32],
) {
    for (ch, out) in output.iter_mut().enumerate().take(channels) {
        let values = &input[ch * pixels..][..pixels];
        *out = match kind {
            GlobalPool::Max => values.iter().fold(f32::NEG_INFINITY, |m, &x| pmax(m, x)),
            GlobalPool::Average => mean(values.iter().sum(), pixels),
        };
    }
}

/// Max or mean over each channel's `pixels` values: `input` is `channels × pixels`, `output`
/// gets `channels` values. Zero pixels give −∞ (max) or 0 (average).
pub fn global_pool(
    kind: GlobalPool,
    channels: usize,
    pixels: usize,
    input: &[f32],
    output: &mut [f32],
) {
    debug_assert!(input.len() >= channels * pixels && output.len() >= channels);
    for (ch, out) in output.iter_mut().enumerate().take(channels) {
        let values = &input[ch * pixels..][..pixels];
        let mut chunks = values.chunks_exact(LANES);
        *out = match kind {
            GlobalPool::Max => {
                let mut acc = F32x4::splat(f32::NEG_INFINITY);
                for chunk in &mut chunks {
                    acc = acc.pmax(F32x4::load_slice(chunk));
                }
                let mut m = acc.max_lane();
                for &x in chunks.remainder() {
                    m = pmax(m, x);
                }
                m
            }
            GlobalPool::Average => {
                // Two accumulators: the adds of one chunk do not wait for the previous one.
                let mut acc = [F32x4::zero(); 2];
                let mut pairs = values.chunks_exact(2 * LANES);
                for pair in &mut pairs {
                    acc[0] = acc[0] + F32x4::load_slice(pair);
                    acc[1] = acc[1] + F32x4::load_slice(&pair[LANES..]);
                }
                let mut sum = (acc[0] + acc[1]).sum();
                for &x in pairs.remainder() {
                    sum += x;
                }
                mean(sum, pixels)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{resolve, AxisWindow, PaddingSpec};
    use crate::kernels::conv::tests::sub_range;
    use crate::kernels::gemm::tests::values;
    use proptest::prelude::*;

    fn axis(
        n: usize,
        k: usize,
        s: usize,
        d: usize,
        pb: usize,
        pa: usize,
        ceil: bool,
    ) -> AxisResolution {
        let ke = d * (k - 1) + 1;
        let n = if n + pb + pa < ke { ke } else { n };
        let mut w = AxisWindow::new(k, s, d);
        w.ceil_mode = ceil;
        resolve(
            n,
            w,
            PaddingSpec::Explicit {
                before: pb,
                after: pa,
            },
        )
        .expect("fits")
    }

    fn run(
        g: &PoolGeometry,
        kind: PoolKind,
        input: &[f32],
        window: &OutputWindow,
    ) -> (Vec<f32>, Vec<f32>) {
        let mut fast = vec![-99.0; g.output_len()];
        let mut slow = fast.clone();
        pool2d(g, kind, input, &mut fast, window);
        pool2d_reference(g, kind, input, &mut slow, window);
        (fast, slow)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn pool2d_matches_the_reference(
            (ny, nx) in (1usize..12, 1usize..30),
            (ky, kx) in (1usize..8, 1usize..8),
            (sy, sx) in (1usize..4, 1usize..4),
            (dy, dx) in (1usize..3, 1usize..3),
            (pby, pay, pbx, pax) in (0usize..4, 0usize..4, 0usize..4, 0usize..4),
            ceil in any::<bool>(), channels in 1usize..4, kind in 0u8..3,
            (wa, wb, wc, wd) in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
            seed in any::<u64>(),
        ) {
            let g = PoolGeometry {
                channels,
                rows: axis(ny, ky, sy, dy, pby, pay, ceil),
                cols: axis(nx, kx, sx, dx, pbx, pax, ceil),
            };
            prop_assert!(g.validate().is_ok());
            let kind = match kind {
                0 => PoolKind::Max,
                1 => PoolKind::Average { count_include_pad: false },
                _ => PoolKind::Average { count_include_pad: true },
            };
            let window = OutputWindow {
                rows: sub_range(g.rows.output, wa, wb),
                cols: sub_range(g.cols.output, wc, wd),
            };
            let input = values(g.input_len(), seed);
            let (fast, slow) = run(&g, kind, &input, &window);
            for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
                prop_assert_eq!(f.to_bits(), s.to_bits(), "at {}: fast {}, reference {}", i, f, s);
            }
            // Outside the window nothing moved.
            let (oh, ow) = (g.rows.output, g.cols.output);
            for (i, f) in fast.iter().enumerate() {
                let (y, x) = ((i / ow) % oh, i % ow);
                if !(window.rows.contains(&y) && window.cols.contains(&x)) {
                    prop_assert_eq!(*f, -99.0);
                }
            }
        }

        #[test]
        fn global_pool_matches_the_reference(channels in 1usize..5, pixels in 0usize..80, seed in any::<u64>()) {
            let input = values(channels * pixels, seed);
            for kind in [GlobalPool::Max, GlobalPool::Average] {
                let mut fast = vec![0.0; channels];
                let mut slow = vec![0.0; channels];
                global_pool(kind, channels, pixels, &input, &mut fast);
                global_pool_reference(kind, channels, pixels, &input, &mut slow);
                for (f, s) in fast.iter().zip(&slow) {
                    prop_assert!(f == s || (f - s).abs() <= 1e-6, "{:?}: {} vs {}", kind, f, s);
                }
            }
        }
    }

    /// Values from PyTorch 2 (`tools/.venv`): `avg_pool2d` / `max_pool2d` on `arange(1, n²+1)`.
    #[test]
    fn matches_pytorch_in_ceil_mode() {
        let x5: Vec<f32> = (1..=25).map(|v| v as f32).collect();
        let g = PoolGeometry {
            channels: 1,
            rows: axis(5, 2, 2, 1, 1, 1, true),
            cols: axis(5, 2, 2, 1, 1, 1, true),
        };
        let full = OutputWindow::full(3, 3);
        let include = PoolKind::Average {
            count_include_pad: true,
        };
        let exclude = PoolKind::Average {
            count_include_pad: false,
        };
        assert_eq!(
            run(&g, include, &x5, &full).0,
            [0.25, 1.25, 2.25, 4.25, 10.0, 12.0, 9.25, 20.0, 22.0]
        );
        assert_eq!(
            run(&g, exclude, &x5, &full).0,
            [1.0, 2.5, 4.5, 8.5, 10.0, 12.0, 18.5, 20.0, 22.0]
        );
        // 6×6, 3×3 stride 2 pad 1, ceil: the last window runs one past the after-padding,
        // which the divisor does not count (corner: 36 / 4 = 9).
        let x6: Vec<f32> = (1..=36).map(|v| v as f32).collect();
        let g = PoolGeometry {
            channels: 1,
            rows: axis(6, 3, 2, 1, 1, 1, true),
            cols: axis(6, 3, 2, 1, 1, 1, true),
        };
        let (fast, _) = run(&g, include, &x6, &OutputWindow::full(4, 4));
        let torch = [
            2.0,
            4.0,
            5.333_333_5,
            3.0,
            9.0,
            15.0,
            17.0,
            9.0,
            17.0,
            27.0,
            29.0,
            15.0,
            10.5,
            16.5,
            17.5,
            9.0,
        ];
        for (f, t) in fast.iter().zip(torch) {
            assert!((f - t).abs() < 1e-6, "{f} vs {t}");
        }
        // Max pooling with dilation 2 on −x (padding never wins).
        let neg: Vec<f32> = x6.iter().map(|v| -v).collect();
        let g = PoolGeometry {
            channels: 1,
            rows: axis(6, 3, 2, 2, 1, 1, true),
            cols: axis(6, 3, 2, 2, 1, 1, true),
        };
        assert_eq!(
            run(&g, PoolKind::Max, &neg, &OutputWindow::full(3, 3)).0,
            [-8.0, -8.0, -10.0, -8.0, -8.0, -10.0, -20.0, -20.0, -22.0]
        );
    }
}
