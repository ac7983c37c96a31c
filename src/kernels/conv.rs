//! 2-D convolution under the eight padding modes (definitions.md §1, §2).
//!
//! Three paths, chosen once per layer ([`ConvGeometry::path`]):
//! - **Gemm** (general): an implicit im2col. The `b` panels of the blocked GEMM are packed
//!   straight from the input: per window position and kernel tap, the input offset it reads,
//!   found through the mode's source mapping per axis ([`PaddingMode::source`], tabulated
//!   once per call for the window's rows and columns). Padded positions are resolved while
//!   packing; no padded copy of the input exists. The pre-packed weights are the `a` panels.
//!   Groups are a loop over the groups, each its own product.
//! - **Pointwise** (1×1, stride 1, no padding): the input *is* the `b` matrix (channels ×
//!   pixels), packed like any matrix, with no offset table.
//! - **Depthwise** (one input channel per group): a direct kernel, `depthwise.rs`.
//!
//! Partial convolution (Liu et al. 2018) multiplies each window's sum by taps ÷ taps on the
//! input, separable as row ratio × column ratio (definitions.md §2), before the bias; a
//! window with no tap on the input outputs 0 (then the activation), as NVIDIA's reference
//! implementation and `analysis::axis_operator` do.

use super::gemm::{drive, tile_row, Epilogue, LhsA, MatB, MatRef, PackB, Tile, MR, NR};
use super::simd::{F32x4, LANES};
use super::{
    depthwise, grow, validate_axis, Activation, KernelError, OutputWindow, Scratch, MAX_PLANE, NONE,
};
use crate::error::Axis;
use crate::geometry::AxisResolution;
use crate::padding::PaddingMode;
use core::ops::Range;

/// A convolution layer's shape, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Total input channels.
    pub in_channels: usize,
    /// Total output channels.
    pub out_channels: usize,
    /// Divides both channel counts; depthwise is `groups == in_channels` (a channel multiplier
    /// `out_channels / in_channels` is allowed).
    pub groups: usize,
    /// Height axis, resolved (amounts, output length).
    pub rows: AxisResolution,
    /// Width axis.
    pub cols: AxisResolution,
    /// What padded positions read (definitions.md §2). Valid and Full have already been
    /// turned into amounts by the caller and read zeros here; Partial reads zeros and
    /// rescales each window.
    pub mode: PaddingMode,
}

/// How [`conv2d`] computes a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvPath {
    /// Implicit im2col and the blocked GEMM.
    Gemm,
    /// 1×1, stride 1, unpadded: the input multiplied directly.
    Pointwise,
    /// One input channel per group: the direct kernel.
    Depthwise,
}

impl ConvGeometry {
    /// Checks what the kernels assume: channels and groups, every axis (sizes at least 1,
    /// windows inside the padded extent), the mode's limits on the amounts
    /// ([`PaddingMode::validate`]), and an input plane small enough for 32-bit offsets.
    /// Call it once at plan time.
    pub fn validate(&self) -> Result<(), KernelError> {
        let (g, i, o) = (self.groups, self.in_channels, self.out_channels);
        if g == 0 || i == 0 || o == 0 || i % g != 0 || o % g != 0 {
            return Err(KernelError::Groups {
                groups: g,
                in_channels: i,
                out_channels: o,
            });
        }
        for (axis, r) in [(Axis::Height, &self.rows), (Axis::Width, &self.cols)] {
            validate_axis(axis, r, false)?;
            self.mode
                .validate(r.input, r.before, r.after)
                .map_err(|source| KernelError::Axis { axis, source })?;
        }
        let pixels = self.rows.input.saturating_mul(self.cols.input);
        if pixels > MAX_PLANE {
            return Err(KernelError::PlaneTooLarge {
                pixels,
                max: MAX_PLANE,
            });
        }
        Ok(())
    }

    pub fn in_per_group(&self) -> usize {
        self.in_channels / self.groups
    }

    pub fn out_per_group(&self) -> usize {
        self.out_channels / self.groups
    }

    /// Kernel taps, `kh·kw`.
    pub fn taps(&self) -> usize {
        self.rows.kernel * self.cols.kernel
    }

    /// The product's depth: `in_channels/groups · kh · kw`.
    pub fn depth(&self) -> usize {
        self.in_per_group() * self.taps()
    }

    /// Weights expected by [`PackedConv::new`]: `out_channels × in_channels/groups × kh × kw`.
    pub fn weights_len(&self) -> usize {
        self.out_channels * self.depth()
    }

    pub fn input_len(&self) -> usize {
        self.in_channels * self.rows.input * self.cols.input
    }

    pub fn output_len(&self) -> usize {
        self.out_channels * self.rows.output * self.cols.output
    }

    /// Multiply-adds × 2 for the whole output.
    pub fn flops(&self) -> f64 {
        2.0 * (self.output_len() as f64) * (self.depth() as f64)
    }

    /// The path [`conv2d`] takes.
    pub fn path(&self) -> ConvPath {
        let (r, c) = (&self.rows, &self.cols);
        // A single input channel per group with few outputs per group: the GEMM would fill
        // fewer than two of its MR-row panels, and its packing (kh·kw copies of the input)
        // would cost as much as the product. Wider multipliers (a 1-channel stem with 64
        // filters) keep the GEMM's register reuse.
        if self.in_per_group() == 1 && self.out_per_group() < 2 * MR {
            ConvPath::Depthwise
        } else if r.kernel == 1
            && c.kernel == 1
            && r.stride == 1
            && c.stride == 1
            && r.before + r.after + c.before + c.after == 0
        {
            ConvPath::Pointwise
        } else {
            ConvPath::Gemm
        }
    }
}

/// Weights prepared once at model load for [`conv2d`].
#[derive(Clone, Debug)]
pub struct PackedConv {
    path: ConvPath,
    out_channels: usize,
    groups: usize,
    depth: usize,
    /// Gemm and Pointwise: per group, `⌈(out/groups)/MR⌉` panels of `depth × MR` (zeros past
    /// the group's last channel). Depthwise: the weights as given.
    weights: Vec<f32>,
    /// One per output channel (zeros without a bias).
    bias: Vec<f32>,
}

impl PackedConv {
    /// `weights`: `out_channels × in_channels/groups × kh × kw` (ONNX and PyTorch order);
    /// `bias`: `out_channels` values. Assumes a validated geometry; missing values (a short
    /// slice, only possible with a caller's bug) read as zeros.
    pub fn new(geometry: &ConvGeometry, weights: &[f32], bias: Option<&[f32]>) -> Self {
        debug_assert_eq!(weights.len(), geometry.weights_len());
        debug_assert!(bias.is_none_or(|b| b.len() == geometry.out_channels));
        let path = geometry.path();
        let depth = geometry.depth();
        let (groups, per_group) = (geometry.groups, geometry.out_per_group());
        let weights = match path {
            ConvPath::Depthwise => weights.to_vec(),
            ConvPath::Gemm | ConvPath::Pointwise => {
                let panels = per_group.div_ceil(MR);
                let mut packed = vec![0.0; groups * panels * depth * MR];
                for (q, panel) in packed.chunks_exact_mut(depth * MR).enumerate() {
                    let (group, local) = (q / panels, q % panels);
                    for i in 0..MR {
                        let channel = local * MR + i;
                        if channel >= per_group {
                            break;
                        }
                        let row = (group * per_group + channel) * depth;
                        for p in 0..depth {
                            panel[p * MR + i] = weights.get(row + p).copied().unwrap_or(0.0);
                        }
                    }
                }
                packed
            }
        };
        let bias = (0..geometry.out_channels)
            .map(|c| bias.and_then(|b| b.get(c)).copied().unwrap_or(0.0))
            .collect();
        PackedConv {
            path,
            out_channels: geometry.out_channels,
            groups,
            depth,
            weights,
            bias,
        }
    }

    pub fn path(&self) -> ConvPath {
        self.path
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        4 * (self.weights.len() + self.bias.len())
    }
}

/// Computes `output[c][y][x]` for every output channel and every `(y, x)` in `window`; leaves
/// the rest of `output` untouched. `input`: `in_channels × rows.input × cols.input`;
/// `output`: `out_channels × rows.output × cols.output`. Padding is read in the kernel through
/// the mode's source mapping. Assumes `g.validate()` passed and `w` was packed for `g`.
pub fn conv2d(
    g: &ConvGeometry,
    w: &PackedConv,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    act: Activation,
    scratch: &mut Scratch,
) {
    debug_assert!(g.validate().is_ok());
    debug_assert!(w.path == g.path() && w.groups == g.groups && w.out_channels == g.out_channels);
    debug_assert!(w.depth == g.depth());
    debug_assert!(input.len() >= g.input_len() && output.len() >= g.output_len());
    let window = window.clamped(g.rows.output, g.cols.output);
    if window.is_empty() {
        return;
    }
    match w.path {
        ConvPath::Depthwise => {
            depthwise::depthwise(g, &w.weights, &w.bias, input, output, &window, act, scratch)
        }
        ConvPath::Pointwise => pointwise(g, w, input, output, &window, act, scratch),
        ConvPath::Gemm => general(g, w, input, output, &window, act, scratch),
    }
}

/// The plain loop, same contract as [`conv2d`], from raw weights (`out × in/groups × kh ×
/// kw`): the reference every fast path is tested against. Every tap goes through
/// [`PaddingMode::source`]; partial convolution counts each window's taps on the input.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_reference(
    g: &ConvGeometry,
    weights: &[f32],
    bias: Option<&[f32]>,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    act: Activation,
) {
    let window = window.clamped(g.rows.output, g.cols.output);
    let (r, c) = (&g.rows, &g.cols);
    let (cin, cout) = (g.in_per_group(), g.out_per_group());
    let (plane, out_plane) = (r.input * c.input, r.output * c.output);
    for oc in 0..g.out_channels {
        let group = oc / cout;
        for oy in window.rows.clone() {
            for ox in window.cols.clone() {
                let mut sum = 0.0f32;
                for ic in 0..cin {
                    let channel = group * cin + ic;
                    for ty in 0..r.kernel {
                        let Some(sy) = g.mode.source(r.position(oy, ty), r.input) else {
                            continue;
                        };
                        for tx in 0..c.kernel {
                            let Some(sx) = g.mode.source(c.position(ox, tx), c.input) else {
                                continue;
                            };
                            let wt = weights[((oc * cin + ic) * r.kernel + ty) * c.kernel + tx];
                            sum += wt * input[channel * plane + sy * c.input + sx];
                        }
                    }
                }
                let b = bias.map_or(0.0, |b| b[oc]);
                let value = if g.mode == PaddingMode::Partial {
                    let ratio = axis_ratio(r, oy) * axis_ratio(c, ox);
                    if ratio == 0.0 {
                        0.0
                    } else {
                        ratio * sum + b
                    }
                } else {
                    sum + b
                };
                output[oc * out_plane + oy * c.output + ox] = act.apply(value);
            }
        }
    }
}

/// Partial convolution's ratio along one axis for output `out`: taps ÷ taps on the input,
/// 0 when no tap is on the input.
pub(crate) fn axis_ratio(r: &AxisResolution, out: usize) -> f32 {
    let valid = (0..r.kernel)
        .filter(|&t| (0..r.input as i64).contains(&r.position(out, t)))
        .count();
    if valid == 0 {
        0.0
    } else {
        r.kernel as f32 / valid as f32
    }
}

/// Per output position in `outs` and tap, the input index it reads ([`NONE`] for zeros):
/// `dst[(o − outs.start)·kernel + tap]`.
pub(crate) fn axis_sources<'a>(
    r: &AxisResolution,
    mode: PaddingMode,
    outs: Range<usize>,
    dst: &'a mut Vec<u32>,
) -> &'a mut [u32] {
    let table = grow(dst, outs.len() * r.kernel);
    for (slot, (o, t)) in table
        .iter_mut()
        .zip(outs.flat_map(|o| (0..r.kernel).map(move |t| (o, t))))
    {
        *slot = mode
            .source(r.position(o, t), r.input)
            .map_or(NONE, |s| s as u32);
    }
    table
}

/// Partial convolution's ratio per output position in `outs` ([`axis_ratio`]).
pub(crate) fn axis_ratios<'a>(
    r: &AxisResolution,
    outs: Range<usize>,
    dst: &'a mut Vec<f32>,
) -> &'a mut [f32] {
    let table = grow(dst, outs.len());
    for (slot, o) in table.iter_mut().zip(outs) {
        *slot = axis_ratio(r, o);
    }
    table
}

/// The general path: implicit im2col into the blocked GEMM.
fn general(
    g: &ConvGeometry,
    w: &PackedConv,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    act: Activation,
    scratch: &mut Scratch,
) {
    let Scratch {
        a,
        b,
        offsets,
        runs,
        row_src,
        col_src,
        row_ratio,
        col_ratio,
        ratio,
        keep,
        ..
    } = scratch;
    let (r, c) = (&g.rows, &g.cols);
    let (kh, kw, taps) = (r.kernel, c.kernel, g.taps());
    let (wh, ww) = (window.rows.len(), window.cols.len());
    let n = wh * ww;
    let n_panels = n.div_ceil(NR);
    let rsrc = axis_sources(r, g.mode, window.rows.clone(), row_src);
    let csrc = axis_sources(c, g.mode, window.cols.clone(), col_src);

    // The offset table: for panel q, tap t and lane jj, the input offset that window
    // position q·NR + jj reads at tap t; `runs` marks the (panel, tap) pairs whose NR offsets
    // are consecutive, which packing copies as two vectors. Its size is n·kh·kw, 1/cin of
    // what packing reads, so building it per call costs little.
    let offsets = grow(offsets, n_panels * taps * NR);
    let runs = grow(runs, n_panels * taps);
    for q in 0..n_panels {
        let mut ly = [0usize; NR];
        let mut lx = [0usize; NR];
        let mut live = [false; NR];
        for jj in 0..NR {
            let j = q * NR + jj;
            if j < n {
                (ly[jj], lx[jj], live[jj]) = (j / ww, j % ww, true);
            }
        }
        for t in 0..taps {
            let (ty, tx) = (t / kw, t % kw);
            let offs = &mut offsets[(q * taps + t) * NR..][..NR];
            for jj in 0..NR {
                let sy = rsrc[ly[jj] * kh + ty];
                let sx = csrc[lx[jj] * kw + tx];
                offs[jj] = if live[jj] && sy != NONE && sx != NONE {
                    sy * c.input as u32 + sx
                } else {
                    NONE
                };
            }
            let consecutive = offs[0] != NONE
                && offs
                    .iter()
                    .enumerate()
                    .all(|(jj, &o)| o != NONE && o == offs[0] + jj as u32);
            runs[q * taps + t] = consecutive as u8;
        }
    }

    let partial = if g.mode == PaddingMode::Partial {
        Some(partial_tables(g, window, row_ratio, col_ratio, ratio, keep))
    } else {
        None
    };

    let (cin, cout) = (g.in_per_group(), g.out_per_group());
    let plane = r.input * c.input;
    let out_plane = r.output * c.output;
    let group_weights = cout.div_ceil(MR) * w.depth * MR;
    for group in 0..g.groups {
        let packer = Im2col {
            input: &input[group * cin * plane..][..cin * plane],
            plane,
            taps,
            offsets,
            runs,
        };
        let mut epilogue = ConvEpilogue {
            output: &mut output[group * cout * out_plane..][..cout * out_plane],
            out_plane,
            out_width: c.output,
            window: (window.rows.start, window.cols.start, ww),
            bias: &w.bias[group * cout..][..cout],
            partial,
            act,
        };
        let lhs = LhsA::Packed {
            data: &w.weights[group * group_weights..][..group_weights],
            depth: w.depth,
        };
        drive(cout, n, w.depth, &lhs, &packer, &mut epilogue, a, b);
    }
}

/// Per window position (row-major), partial convolution's ratio and whether the bias is kept.
fn partial_tables<'a>(
    g: &ConvGeometry,
    window: &OutputWindow,
    row_ratio: &mut Vec<f32>,
    col_ratio: &mut Vec<f32>,
    ratio: &'a mut Vec<f32>,
    keep: &'a mut Vec<f32>,
) -> (&'a [f32], &'a [f32]) {
    let ry = axis_ratios(&g.rows, window.rows.clone(), row_ratio);
    let rx = axis_ratios(&g.cols, window.cols.clone(), col_ratio);
    let n = ry.len() * rx.len();
    let ratio = grow(ratio, n);
    let keep = grow(keep, n);
    for (j, (q, k)) in ratio.iter_mut().zip(keep.iter_mut()).enumerate() {
        *q = ry[j / rx.len()] * rx[j % rx.len()];
        *k = if *q == 0.0 { 0.0 } else { 1.0 };
    }
    (ratio, keep)
}

/// The pointwise path: 1×1, stride 1, unpadded, so output pixel `(y, x)` reads input pixel
/// `(y, x)` of every channel and the input is the `b` matrix itself.
fn pointwise(
    g: &ConvGeometry,
    w: &PackedConv,
    input: &[f32],
    output: &mut [f32],
    window: &OutputWindow,
    act: Activation,
    scratch: &mut Scratch,
) {
    let Scratch { a, b, .. } = scratch;
    let (cin, cout) = (g.in_per_group(), g.out_per_group());
    let width = g.cols.input;
    let plane = g.rows.input * width;
    let out_plane = g.rows.output * g.cols.output;
    let group_weights = cout.div_ceil(MR) * w.depth * MR;
    // A full-width window is one run of pixels; otherwise one product per window row.
    let full_width = window.cols.len() == width;
    let segments = if full_width { 1 } else { window.rows.len() };
    for group in 0..g.groups {
        let channels = &input[group * cin * plane..][..cin * plane];
        for s in 0..segments {
            let (rows, n) = if full_width {
                (window.rows.clone(), window.len())
            } else {
                let y = window.rows.start + s;
                (y..y + 1, window.cols.len())
            };
            let start = rows.start * width + window.cols.start;
            let bmat = MatRef::new(&channels[start..], cin, n, plane, 1);
            let mut epilogue = ConvEpilogue {
                output: &mut output[group * cout * out_plane..][..cout * out_plane],
                out_plane,
                out_width: g.cols.output,
                window: (rows.start, window.cols.start, window.cols.len()),
                bias: &w.bias[group * cout..][..cout],
                partial: None,
                act,
            };
            let lhs = LhsA::Packed {
                data: &w.weights[group * group_weights..][..group_weights],
                depth: w.depth,
            };
            drive(cout, n, w.depth, &lhs, &MatB(bmat), &mut epilogue, a, b);
        }
    }
}

/// Packs `b` panels from the input through the offset table.
struct Im2col<'a> {
    /// The group's input channels.
    input: &'a [f32],
    plane: usize,
    taps: usize,
    offsets: &'a [u32],
    runs: &'a [u8],
}

impl PackB for Im2col<'_> {
    fn pack(&self, dst: &mut [f32], depth: Range<usize>, cols: Range<usize>) {
        let kc = depth.len();
        let first_panel = cols.start / NR;
        for (lq, panel) in dst.chunks_exact_mut(kc * NR).enumerate() {
            let q = first_panel + lq;
            let (mut ci, mut t) = (depth.start / self.taps, depth.start % self.taps);
            for out in panel.chunks_exact_mut(NR) {
                let channel = &self.input[ci * self.plane..][..self.plane];
                let at = q * self.taps + t;
                let offs = &self.offsets[at * NR..][..NR];
                if self.runs[at] != 0 {
                    let src = &channel[offs[0] as usize..][..NR];
                    for v in 0..NR / LANES {
                        F32x4::load_slice(&src[v * LANES..]).store_slice(&mut out[v * LANES..]);
                    }
                } else {
                    // NONE (u32::MAX) is past the end of any channel: `get` reads it as 0.
                    for (o, &off) in out.iter_mut().zip(offs) {
                        *o = channel.get(off as usize).copied().unwrap_or(0.0);
                    }
                }
                t += 1;
                if t == self.taps {
                    t = 0;
                    ci += 1;
                }
            }
        }
    }
}

/// Adds the bias (after partial convolution's ratio), applies the activation on the last
/// depth block, and scatters the tile into the output window.
struct ConvEpilogue<'a> {
    /// The group's output channels.
    output: &'a mut [f32],
    out_plane: usize,
    out_width: usize,
    /// The window's first row, first column and width: column `j` of the product is output
    /// position `(row0 + j / width, col0 + j % width)`.
    window: (usize, usize, usize),
    bias: &'a [f32],
    /// Per window position: the ratio and whether the bias is kept.
    partial: Option<(&'a [f32], &'a [f32])>,
    act: Activation,
}

impl Epilogue for ConvEpilogue<'_> {
    #[inline(always)]
    fn store(
        &mut self,
        rows: Range<usize>,
        cols: Range<usize>,
        tile: &Tile,
        first: bool,
        last: bool,
    ) {
        let (row0, col0, ww) = self.window;
        let j0 = cols.start;
        let (ly, lx) = (j0 / ww, j0 % ww);
        let act = self.act;
        // A window of whole output rows is one run of memory, so a tile that crosses rows
        // is contiguous too. Without this, every tile of a 7-, 14- or 28-wide output took the
        // per-value path below: MobileNet-V2's expanding 1×1 layers (16–160 input channels,
        // a short depth per tile) ran at 19–24 GFLOP/s in Chromium against 29–32 for its
        // projecting ones.
        if cols.len() == NR && (lx + NR <= ww || ww == self.out_width) {
            // The whole tile row lands in one run of the output: vector stores.
            let base = (row0 + ly) * self.out_width + col0 + lx;
            for (i, ch) in rows.enumerate() {
                let dst = &mut self.output[ch * self.out_plane + base..][..NR];
                let bias = F32x4::splat(self.bias[ch]);
                for (v, chunk) in dst.chunks_exact_mut(LANES).enumerate() {
                    let mut x = tile[i][v];
                    let mut b = bias;
                    if let Some((ratio, keep)) = self.partial {
                        x = x * F32x4::load_slice(&ratio[j0 + v * LANES..]);
                        b = b * F32x4::load_slice(&keep[j0 + v * LANES..]);
                    }
                    let mut y = if first {
                        x + b
                    } else {
                        F32x4::load_slice(chunk) + x
                    };
                    if last {
                        y = act.apply_vec(y);
                    }
                    y.store_slice(chunk);
                }
            }
        } else {
            // The tile's columns run across output rows (every tile of a 7- or 14-wide
            // output): their offsets once per tile. A division per value made this path 6 %
            // of ResNet-50's time (3.5 % without; perf).
            let mut offsets = [0usize; NR];
            let (mut y, mut x) = (row0 + ly, lx);
            for at in offsets.iter_mut().take(cols.len()) {
                *at = y * self.out_width + col0 + x;
                x += 1;
                if x == ww {
                    (y, x) = (y + 1, 0);
                }
            }
            for (i, ch) in rows.enumerate() {
                let values = tile_row(tile, i);
                let plane = &mut self.output[ch * self.out_plane..][..self.out_plane];
                for (jj, j) in cols.clone().enumerate() {
                    let at = offsets[jj];
                    let (mut x, mut b) = (values[jj], self.bias[ch]);
                    if let Some((ratio, keep)) = self.partial {
                        x *= ratio[j];
                        b *= keep[j];
                    }
                    let mut y = if first { x + b } else { plane[at] + x };
                    if last {
                        y = act.apply(y);
                    }
                    plane[at] = y;
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::geometry::{resolve, AxisWindow, PaddingSpec};
    use crate::kernels::gemm::tests::{values, PORTABLE};
    use proptest::prelude::*;

    /// One axis: input `n`, kernel, stride, dilation, padding, adjusted so the mode accepts
    /// it and the kernel fits (no rejected cases).
    pub(crate) fn axis(
        mode: PaddingMode,
        n: usize,
        k: usize,
        s: usize,
        d: usize,
        pb: usize,
        pa: usize,
    ) -> AxisResolution {
        let ke = d * (k - 1) + 1;
        let (mut n, mut pb, mut pa) = (n, pb, pa);
        match mode {
            PaddingMode::Reflect => {
                pb = pb.min(n - 1);
                pa = pa.min(n - 1);
            }
            PaddingMode::Symmetric => {
                pb = pb.min(n);
                pa = pa.min(n);
            }
            PaddingMode::Valid => (pb, pa) = (0, 0),
            _ => {}
        }
        // Growing the input keeps the clamps above valid.
        if n + pb + pa < ke {
            n = ke - pb - pa;
        }
        let spec = mode.amounts(PaddingSpec::Explicit {
            before: pb,
            after: pa,
        });
        resolve(n, AxisWindow::new(k, s, d), spec).expect("adjusted to fit")
    }

    pub(crate) fn activation(which: u8, x: f32) -> Activation {
        match which % 4 {
            0 => Activation::Identity,
            1 => Activation::Relu,
            2 => Activation::Clip {
                min: -0.5 * x.abs(),
                max: 0.5 + x.abs(),
            },
            _ => Activation::LeakyRelu { alpha: 0.1 },
        }
    }

    /// A sub-range of `0..len` from two fractions.
    pub(crate) fn sub_range(len: usize, a: f64, b: f64) -> Range<usize> {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let start = ((lo * len as f64) as usize).min(len);
        let end = ((hi * len as f64).ceil() as usize).clamp(start, len);
        start..end
    }

    /// Runs the fast path and the reference from the same sentinel-filled output; checks
    /// the window within `1e-5·(Σ|w·x|·ratio + |b|)` and that nothing else changed.
    pub(crate) fn check_conv(
        g: &ConvGeometry,
        window: &OutputWindow,
        act: Activation,
        with_bias: bool,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        g.validate().map_err(|e| e.to_string())?;
        let weights = values(g.weights_len(), seed);
        let bias = values(g.out_channels, seed ^ 7);
        let bias = with_bias.then_some(&bias[..]);
        let input = values(g.input_len(), seed ^ 3);
        let sentinel = -1234.5f32;
        let mut fast = vec![sentinel; g.output_len()];
        let mut slow = fast.clone();
        let mut magnitude = fast.clone();
        let packed = PackedConv::new(g, &weights, bias);
        conv2d(g, &packed, &input, &mut fast, window, act, scratch);
        conv2d_reference(g, &weights, bias, &input, &mut slow, window, act);
        let abs = |v: &[f32]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
        let abs_bias = bias.map(abs);
        conv2d_reference(
            g,
            &abs(&weights),
            abs_bias.as_deref(),
            &abs(&input),
            &mut magnitude,
            window,
            Activation::Identity,
        );
        let window = window.clamped(g.rows.output, g.cols.output);
        let (oh, ow) = (g.rows.output, g.cols.output);
        for (i, ((&f, &s), &m)) in fast.iter().zip(&slow).zip(&magnitude).enumerate() {
            let (y, x) = ((i / ow) % oh, i % ow);
            let inside = window.rows.contains(&y) && window.cols.contains(&x);
            if !inside {
                if f.to_bits() != sentinel.to_bits() {
                    return Err(format!("position {i} outside the window was written: {f}"));
                }
            } else if (f - s).is_nan() || (f - s).abs() > 1e-5 * m + 1e-6 {
                return Err(format!(
                    "channel {}, ({y}, {x}): fast {f}, reference {s} (magnitude {m}), {:?}",
                    i / (oh * ow),
                    packed.path()
                ));
            }
        }
        Ok(())
    }

    fn mode_strategy() -> impl Strategy<Value = PaddingMode> {
        (0usize..8).prop_map(|i| PaddingMode::ALL[i])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Every mode, asymmetric padding, strides 1–3, dilation 1–2, kernels 1–7 (not
        /// square), groups, random windows, every activation: all three paths.
        #[test]
        fn conv2d_matches_the_reference(
            mode in mode_strategy(),
            (ny, nx) in (1usize..13, 1usize..13),
            (ky, kx) in (1usize..8, 1usize..8),
            (sy, sx) in (1usize..4, 1usize..4),
            (dy, dx) in (1usize..3, 1usize..3),
            (pby, pay, pbx, pax) in (0usize..5, 0usize..5, 0usize..5, 0usize..5),
            groups in 1usize..4, cin in 1usize..5, cout in 1usize..10,
            (wa, wb, wc, wd) in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
            act in 0u8..4, with_bias in any::<bool>(), seed in any::<u64>(),
            portable in any::<bool>(),
        ) {
            PORTABLE.set(portable);
            let g = ConvGeometry {
                in_channels: groups * cin,
                out_channels: groups * cout,
                groups,
                rows: axis(mode, ny, ky, sy, dy, pby, pay),
                cols: axis(mode, nx, kx, sx, dx, pbx, pax),
                mode,
            };
            let window = OutputWindow {
                rows: sub_range(g.rows.output, wa, wb),
                cols: sub_range(g.cols.output, wc, wd),
            };
            let act = activation(act, (seed % 7) as f32 * 0.1);
            let mut scratch = Scratch::default();
            check_conv(&g, &window, act, with_bias, seed, &mut scratch).map_err(TestCaseError::fail)?;
        }

        /// The pointwise path (1×1, stride 1, unpadded) with enough channels to fill panels.
        #[test]
        fn pointwise_matches_the_reference(
            mode in mode_strategy(), ny in 1usize..12, nx in 1usize..20,
            groups in 1usize..3, cin in 1usize..20, cout in 8usize..20,
            (wa, wb, wc, wd) in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
            act in 0u8..4, seed in any::<u64>(), portable in any::<bool>(),
        ) {
            PORTABLE.set(portable);
            let g = ConvGeometry {
                in_channels: groups * cin,
                out_channels: groups * cout,
                groups,
                rows: axis(mode, ny, 1, 1, 1, 0, 0),
                cols: axis(mode, nx, 1, 1, 1, 0, 0),
                mode,
            };
            prop_assert_eq!(g.path(), ConvPath::Pointwise);
            let window = OutputWindow {
                rows: sub_range(g.rows.output, wa, wb),
                cols: sub_range(g.cols.output, wc, wd),
            };
            let act = activation(act, 0.3);
            check_conv(&g, &window, act, true, seed, &mut Scratch::default()).map_err(TestCaseError::fail)?;
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Products deep and wide enough to cross the GEMM's depth (256) and column (1024)
        /// blocks, so the epilogue's first/middle/last stages all run.
        #[test]
        fn conv2d_crosses_gemm_blocks(
            mode in mode_strategy(), n in 30usize..40, cin in 28usize..34,
            k in prop_oneof![Just(1usize), Just(3usize)], act in 0u8..4, seed in any::<u64>(),
            portable in any::<bool>(),
        ) {
            PORTABLE.set(portable);
            let p = k / 2;
            let g = ConvGeometry {
                in_channels: cin,
                out_channels: 9,
                groups: 1,
                rows: axis(mode, n, k, 1, 1, p, p),
                cols: axis(mode, n, k, 1, 1, p, p),
                mode,
            };
            let window = OutputWindow::full(g.rows.output, g.cols.output);
            check_conv(&g, &window, activation(act, 1.0), true, seed, &mut Scratch::default()).map_err(TestCaseError::fail)?;
        }
    }

    /// A 3×3 input, a 3×3 kernel of ones, padding 1, bias 1.
    fn tiny(mode: PaddingMode) -> Vec<f32> {
        let g = ConvGeometry {
            in_channels: 1,
            out_channels: 8,
            groups: 1,
            rows: axis(mode, 3, 3, 1, 1, 1, 1),
            cols: axis(mode, 3, 3, 1, 1, 1, 1),
            mode,
        };
        // Eight identical filters: the GEMM path (one input channel, eight outputs).
        assert_eq!(g.path(), ConvPath::Gemm);
        let input: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let weights = vec![1.0; 8 * 9];
        let bias = vec![1.0; 8];
        let packed = PackedConv::new(&g, &weights, Some(&bias));
        let mut out = vec![0.0; 8 * 9];
        let window = OutputWindow::full(3, 3);
        let mut scratch = Scratch::default();
        conv2d(
            &g,
            &packed,
            &input,
            &mut out,
            &window,
            Activation::Identity,
            &mut scratch,
        );
        assert!(out.chunks(9).all(|c| c == &out[..9]));
        out.truncate(9);
        out
    }

    #[test]
    fn symmetric_padding_by_hand() {
        // Padded input (mirror with the edge):
        //   1 1 2 3 3
        //   1 1 2 3 3
        //   4 4 5 6 6
        //   7 7 8 9 9
        //   7 7 8 9 9
        // Top-left window 1+1+2+1+1+2+4+4+5 = 21, top-middle 27, centre 45; + bias 1.
        assert_eq!(
            tiny(PaddingMode::Symmetric),
            [22.0, 28.0, 34.0, 40.0, 46.0, 52.0, 58.0, 64.0, 70.0]
        );
    }

    #[test]
    fn partial_padding_by_hand() {
        // Corner: (1+2+4+5)·(3/2)·(3/2) = 27; edge: (1+2+3+4+5+6)·(3/2) = 31.5; centre 45.
        assert_eq!(
            tiny(PaddingMode::Partial),
            [28.0, 32.5, 37.0, 41.5, 46.0, 50.5, 55.0, 59.5, 64.0]
        );
    }

    #[test]
    fn reflect_and_zeros_by_hand() {
        // Reflect: row −1 reads row 1, column −1 reads column 1. Top-left window:
        // 5 4 5 / 2 1 2 / 5 4 5 = 33. Zeros: 1+2+4+5 = 12.
        assert_eq!(tiny(PaddingMode::Reflect)[0], 34.0);
        assert_eq!(tiny(PaddingMode::Zeros)[0], 13.0);
        assert_eq!(tiny(PaddingMode::Circular)[0], 45.0 + 1.0);
    }

    #[test]
    fn a_window_entirely_in_the_padding_outputs_zero_under_partial() {
        // 1 px input, kernel 1, 2 px of padding before: outputs 0 and 1 see only padding.
        let r = axis(PaddingMode::Partial, 1, 1, 1, 1, 2, 0);
        let g = ConvGeometry {
            in_channels: 1,
            out_channels: 1,
            groups: 1,
            rows: r,
            cols: axis(PaddingMode::Partial, 1, 1, 1, 1, 0, 0),
            mode: PaddingMode::Partial,
        };
        let w = PackedConv::new(&g, &[2.0], Some(&[5.0]));
        let mut out = vec![9.0; 3];
        let act = Activation::Clip {
            min: -1.0,
            max: 100.0,
        };
        conv2d(
            &g,
            &w,
            &[3.0],
            &mut out,
            &OutputWindow::full(3, 1),
            act,
            &mut Scratch::default(),
        );
        assert_eq!(out, [0.0, 0.0, 11.0]);
    }

    #[test]
    fn validate_names_the_problem() {
        let ok = ConvGeometry {
            in_channels: 4,
            out_channels: 6,
            groups: 2,
            rows: axis(PaddingMode::Reflect, 5, 3, 1, 1, 1, 1),
            cols: axis(PaddingMode::Reflect, 5, 3, 1, 1, 1, 1),
            mode: PaddingMode::Reflect,
        };
        assert!(ok.validate().is_ok());
        assert!(matches!(
            ConvGeometry { groups: 4, ..ok }.validate(),
            Err(KernelError::Groups { .. })
        ));
        let mut wide = ok;
        wide.cols.before = 5;
        assert!(matches!(
            wide.validate(),
            Err(KernelError::Axis {
                axis: Axis::Width,
                ..
            })
        ));
        let mut long = ok;
        long.rows.output = 9;
        assert!(matches!(long.validate(), Err(KernelError::Window { .. })));
    }
}
