//! General matrix product `c = α·a·b + β·c` on strided views, and the blocked driver the
//! convolutions share.
//!
//! The layout is GotoBLAS/BLIS's, as rten (`rten-gemm`) and onnxruntime's MLAS use it: the
//! depth is cut into blocks of [`KC`], the columns into blocks of [`NC`]; each `KC × NC` block
//! of `b` is packed into panels [`NR`] columns wide, each `MC × KC` block of `a` into panels
//! [`MR`] rows tall, and a register-blocked micro-kernel multiplies one `a` panel by one `b`
//! panel into an `MR × NR` tile of accumulators. Loop order `jc → pc → ic → jr → ir`: a `b`
//! panel (`KC·NR·4` = 8 KiB) stays in L1 while every `a` panel of the block passes over it,
//! and the `a` block (`MC·KC·4` = 64 KiB) stays in L2 across the `b` panels.
//!
//! Packing pads the last panels with zeros, so the micro-kernel always runs a full tile and
//! the *epilogue* writes only the rows and columns that exist. The epilogue is where the
//! callers differ: [`gemm`] scales by `α` and adds `β·c`; the convolutions add the bias, apply
//! partial convolution's ratio and the activation, and scatter the tile into an output window.

use super::simd::{F32x4, LANES};
use super::{grow, KernelError, Scratch};
use core::ops::Range;

/// Rows of the micro-kernel's tile.
///
/// 4 × 8 (eight accumulators of four lanes) is chosen for V8 on x86-64, the browser engine
/// the speed goal is measured on. V8 allocates 15 of the 16 xmm registers (xmm15 is its
/// scratch register) and baseline simd128 has no fused multiply-add, so each `acc += a·b`
/// needs a temporary for the product. A tile of `MR × NR/4` accumulators then needs
/// `MR·NR/4` (accumulators) + `NR/4` (the `b` row) + 1 (the broadcast `a`) + 1 (the product)
/// registers: 12 for 4 × 8. 6 × 8 needs 16 and 8 × 8 (rten's wasm shape) 20, and V8 spills.
/// Measured in headless Chromium on this crate's kernel (AMD EPYC Zen 3, 512×576×3136):
/// see `benches/kernels.rs` and the report in the module docs of `tests/wasm_kernels.rs`.
pub const MR: usize = 4;
/// Columns of the micro-kernel's tile: two vectors.
pub const NR: usize = 8;
/// Vectors per tile row.
const NV: usize = NR / LANES;
/// Depth block: a `b` panel of `KC·NR` floats (8 KiB) fits L1 beside the `a` panel (4 KiB).
pub(crate) const KC: usize = 256;
/// Row block (a multiple of [`MR`]): an `MC × KC` block of `a` (64 KiB) fits L2.
pub(crate) const MC: usize = 64;
/// Column block (a multiple of [`NR`]): a `KC × NC` block of `b` (1 MiB) sits in L2/L3; the
/// larger it is, the fewer times `a` is repacked.
pub(crate) const NC: usize = 1024;

/// One tile of accumulators, row `i`, vector `v` holding columns `4v .. 4v + 4`.
pub(crate) type Tile = [[F32x4; NV]; MR];

/// A read-only matrix view: element `(r, c)` is `data[r·row_stride + c·col_stride]`.
/// Swapping rows with columns and the strides ([`MatRef::t`]) transposes it for free.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

/// A mutable matrix view, strided like [`MatRef`]. Its elements must not overlap (no zero
/// stride across more than one row or column).
#[derive(Debug)]
pub struct MatMut<'a> {
    pub data: &'a mut [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

/// The index one past the last element a `rows × cols` view with these strides reads.
fn extent(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Option<usize> {
    if rows == 0 || cols == 0 {
        return Some(0);
    }
    (rows - 1)
        .checked_mul(row_stride)?
        .checked_add((cols - 1).checked_mul(col_stride)?)?
        .checked_add(1)
}

impl<'a> MatRef<'a> {
    pub fn new(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        MatRef {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// A dense row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        MatRef::new(data, rows, cols, cols, 1)
    }

    /// The transpose, without moving any data.
    pub fn t(self) -> Self {
        MatRef::new(
            self.data,
            self.cols,
            self.rows,
            self.col_stride,
            self.row_stride,
        )
    }

    /// Every element lies inside `data`.
    pub fn validate(&self) -> Result<(), KernelError> {
        match extent(self.rows, self.cols, self.row_stride, self.col_stride) {
            Some(end) if end <= self.data.len() => Ok(()),
            _ => Err(KernelError::MatrixExtent {
                rows: self.rows,
                cols: self.cols,
                row_stride: self.row_stride,
                col_stride: self.col_stride,
                len: self.data.len(),
            }),
        }
    }

    #[inline(always)]
    fn at(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.row_stride + c * self.col_stride]
    }
}

impl<'a> MatMut<'a> {
    pub fn new(
        data: &'a mut [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        MatMut {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        MatMut::new(data, rows, cols, cols, 1)
    }

    /// Every element lies inside `data`, and no two positions share one (a zero stride
    /// is only allowed along an axis of length 1).
    pub fn validate(&self) -> Result<(), KernelError> {
        let aliased = (self.rows > 1 && self.row_stride == 0)
            || (self.cols > 1 && self.col_stride == 0)
            || (self.rows > 1 && self.cols > 1 && self.row_stride == self.col_stride);
        match extent(self.rows, self.cols, self.row_stride, self.col_stride) {
            Some(end) if end <= self.data.len() && !aliased => Ok(()),
            _ => Err(KernelError::MatrixExtent {
                rows: self.rows,
                cols: self.cols,
                row_stride: self.row_stride,
                col_stride: self.col_stride,
                len: self.data.len(),
            }),
        }
    }
}

/// The plain triple loop: the reference [`gemm`] is tested against. `β = 0` does not read `c`
/// (BLAS's convention: a NaN there does not leak into the result).
pub fn gemm_reference(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: MatMut) {
    debug_assert!(a.rows == c.rows && b.cols == c.cols && a.cols == b.rows);
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut sum = 0.0f32;
            for p in 0..a.cols {
                sum += a.at(i, p) * b.at(p, j);
            }
            let dst = &mut c.data[i * c.row_stride + j * c.col_stride];
            *dst = if beta == 0.0 {
                alpha * sum
            } else {
                alpha * sum + beta * *dst
            };
        }
    }
}

/// `c = α·a·b + β·c` (`a`: m × k, `b`: k × n, `c`: m × n). `β = 0` does not read `c`.
///
/// Assumes the views are consistent (`a.cols == b.rows`, `c` is `a.rows × b.cols`) and inside
/// their slices ([`MatRef::validate`], [`MatMut::validate`]); only debug builds check. A row
/// vector `a` (m = 1) is a matrix-vector product and skips the packing: the fully connected
/// layers of a batch of one are bound by reading `b` once.
pub fn gemm(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: MatMut, scratch: &mut Scratch) {
    debug_assert!(a.rows == c.rows && b.cols == c.cols && a.cols == b.rows);
    debug_assert!(a.validate().is_ok() && b.validate().is_ok() && c.validate().is_ok());
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale(c, beta);
        return;
    }
    if m == 1 && (b.row_stride == 1 || b.col_stride == 1) {
        gemv(alpha, a, b, beta, c, scratch);
        return;
    }
    let Scratch {
        a: abuf, b: bbuf, ..
    } = scratch;
    let mut epilogue = GemmEpilogue { c, alpha, beta };
    drive(m, n, k, &LhsA::Mat(a), &MatB(b), &mut epilogue, abuf, bbuf);
}

/// A right-hand side packed once into [`NR`]-column panels over its whole depth, for a
/// constant `b` (fully connected weights) multiplied many times.
#[derive(Clone, Debug)]
pub struct PackedB {
    rows: usize,
    cols: usize,
    /// Panel `p` is `data[p·rows·NR ..][.. rows·NR]`, row-major `rows × NR`.
    data: Vec<f32>,
}

impl PackedB {
    pub fn new(b: MatRef) -> Self {
        debug_assert!(b.validate().is_ok());
        let panels = b.cols.div_ceil(NR);
        let mut data = vec![0.0; panels * b.rows * NR];
        MatB(b).pack(&mut data, 0..b.rows, 0..b.cols);
        PackedB {
            rows: b.rows,
            cols: b.cols,
            data,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }
}

/// [`gemm`] with a pre-packed right-hand side.
pub fn gemm_packed_b(
    alpha: f32,
    a: MatRef,
    b: &PackedB,
    beta: f32,
    c: MatMut,
    scratch: &mut Scratch,
) {
    debug_assert!(a.rows == c.rows && b.cols == c.cols && a.cols == b.rows);
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale(c, beta);
        return;
    }
    let Scratch {
        a: abuf, b: bbuf, ..
    } = scratch;
    let mut epilogue = GemmEpilogue { c, alpha, beta };
    drive(
        m,
        n,
        k,
        &LhsA::Mat(a),
        &PrepackedB(b),
        &mut epilogue,
        abuf,
        bbuf,
    );
}

/// `c = β·c`, with `β = 0` writing zeros without reading.
fn scale(c: MatMut, beta: f32) {
    for i in 0..c.rows {
        for j in 0..c.cols {
            let dst = &mut c.data[i * c.row_stride + j * c.col_stride];
            *dst = if beta == 0.0 { 0.0 } else { beta * *dst };
        }
    }
}

/// `c = α·a·b + β·c` for a single row `a`, without packing.
fn gemv(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: MatMut, scratch: &mut Scratch) {
    let (n, k) = (b.cols, b.rows);
    // A contiguous copy of the row of `a` (k floats): the loops below read it n/4 times.
    let row = grow(&mut scratch.row, k);
    for (p, x) in row.iter_mut().enumerate() {
        *x = a.at(0, p);
    }
    let sums = grow(&mut scratch.acc, n);
    if b.row_stride == 1 {
        // Column j of b is contiguous: four dot products at a time share the loads of `a`.
        let mut j = 0;
        while j + 4 <= n {
            let cols: [&[f32]; 4] =
                core::array::from_fn(|q| &b.data[(j + q) * b.col_stride..][..k]);
            let mut acc = [F32x4::zero(); 4];
            let mut p = 0;
            while p + LANES <= k {
                let x = F32x4::load_slice(&row[p..]);
                for q in 0..4 {
                    acc[q] = acc[q].mul_add(x, F32x4::load_slice(&cols[q][p..]));
                }
                p += LANES;
            }
            for q in 0..4 {
                let mut s = acc[q].sum();
                for t in p..k {
                    s += row[t] * cols[q][t];
                }
                sums[j + q] = s;
            }
            j += 4;
        }
        for (jj, sum) in sums.iter_mut().enumerate().skip(j) {
            let col = &b.data[jj * b.col_stride..][..k];
            *sum = dot(row, col);
        }
    } else {
        // Row p of b is contiguous: sums += a[p]·b[p, ..], streaming b once.
        sums.fill(0.0);
        for (p, &x) in row.iter().enumerate() {
            axpy(sums, &b.data[p * b.row_stride..][..n], x);
        }
    }
    for (j, &s) in sums.iter().enumerate() {
        let dst = &mut c.data[j * c.col_stride];
        *dst = if beta == 0.0 {
            alpha * s
        } else {
            alpha * s + beta * *dst
        };
    }
}

/// `Σ x[i]·y[i]`, four lanes at a time.
pub(crate) fn dot(x: &[f32], y: &[f32]) -> f32 {
    let len = x.len().min(y.len());
    let mut acc = F32x4::zero();
    let mut i = 0;
    while i + LANES <= len {
        acc = acc.mul_add(F32x4::load_slice(&x[i..]), F32x4::load_slice(&y[i..]));
        i += LANES;
    }
    let mut s = acc.sum();
    for t in i..len {
        s += x[t] * y[t];
    }
    s
}

/// `dst[i] += w·src[i]`, four lanes at a time.
pub(crate) fn axpy(dst: &mut [f32], src: &[f32], w: f32) {
    let len = dst.len().min(src.len());
    let wv = F32x4::splat(w);
    let mut i = 0;
    while i + LANES <= len {
        let d = F32x4::load_slice(&dst[i..]).mul_add(wv, F32x4::load_slice(&src[i..]));
        d.store_slice(&mut dst[i..]);
        i += LANES;
    }
    for t in i..len {
        dst[t] += w * src[t];
    }
}

// ---------------------------------------------------------------------------------------
// The blocked driver, shared by gemm and the convolutions.

/// Where the driver's `a` panels come from.
pub(crate) enum LhsA<'a> {
    /// Packed once (convolution weights): panel `p` is `data[p·depth·MR ..]`, `depth × MR`
    /// (depth-major: the `MR` values of one depth step are adjacent).
    Packed { data: &'a [f32], depth: usize },
    /// Packed block by block from a strided view.
    Mat(MatRef<'a>),
}

/// Packs `b` blocks into [`NR`]-column panels.
pub(crate) trait PackB {
    /// Writes columns `cols` (starting on a multiple of [`NR`]) of depth rows `depth` as
    /// panels: panel `q` at `dst[q·kc·NR ..]`, row-major `kc × NR`, zeros past the last
    /// column.
    fn pack(&self, dst: &mut [f32], depth: Range<usize>, cols: Range<usize>);

    /// Panels packed ahead of time, `(data, depth)` laid out as [`LhsA::Packed`] with `NR`.
    fn prepacked(&self) -> Option<(&[f32], usize)> {
        None
    }
}

/// Receives the finished tiles.
pub(crate) trait Epilogue {
    /// `tile` holds rows `rows.start ..` and columns `cols.start ..` of the product over one
    /// depth block (only `rows.len() × cols.len()` of it are real). `first` and `last` say
    /// whether this is the first and the last depth block.
    fn store(
        &mut self,
        rows: Range<usize>,
        cols: Range<usize>,
        tile: &Tile,
        first: bool,
        last: bool,
    );
}

/// Runs the blocked product of `m × k` `a` by `k × n` `b` into `epilogue`. `k ≥ 1`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn drive<B: PackB, E: Epilogue>(
    m: usize,
    n: usize,
    k: usize,
    a: &LhsA,
    b: &B,
    epilogue: &mut E,
    abuf: &mut Vec<f32>,
    bbuf: &mut Vec<f32>,
) {
    debug_assert!(k >= 1);
    let kernel = Microkernel::detect();
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        let n_panels = nc.div_ceil(NR);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let (first, last) = (pc == 0, pc + kc == k);
            let prepacked = b.prepacked();
            let bblock: &[f32] = match prepacked {
                Some(_) => &[],
                None => {
                    let block = grow(bbuf, n_panels * kc * NR);
                    b.pack(block, pc..pc + kc, jc..jc + nc);
                    block
                }
            };
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                let m_panels = mc.div_ceil(MR);
                let ablock: &[f32] = match a {
                    LhsA::Packed { .. } => &[],
                    LhsA::Mat(mat) => {
                        let block = grow(abuf, m_panels * kc * MR);
                        pack_a(mat, block, ic..ic + mc, pc..pc + kc);
                        block
                    }
                };
                let bpanel = |jr: usize| match prepacked {
                    Some((data, depth)) => {
                        let panel = jc / NR + jr;
                        &data[(panel * depth + pc) * NR..][..kc * NR]
                    }
                    None => &bblock[jr * kc * NR..][..kc * NR],
                };
                for jr in (0..n_panels).step_by(PANELS) {
                    let count = PANELS.min(n_panels - jr);
                    let bpanels: [&[f32]; PANELS] =
                        core::array::from_fn(|q| bpanel(jr + q.min(count - 1)));
                    for ir in 0..m_panels {
                        let apanel = match a {
                            LhsA::Packed { data, depth } => {
                                let panel = ic / MR + ir;
                                &data[(panel * depth + pc) * MR..][..kc * MR]
                            }
                            LhsA::Mat(_) => &ablock[ir * kc * MR..][..kc * MR],
                        };
                        let tiles = kernel.tiles(apanel, &bpanels, count);
                        let row0 = ic + ir * MR;
                        for (q, tile) in tiles.iter().enumerate().take(count) {
                            let col0 = jc + (jr + q) * NR;
                            let cols = col0..(col0 + NR).min(n);
                            epilogue.store(row0..(row0 + MR).min(m), cols, tile, first, last);
                        }
                    }
                }
            }
        }
    }
}

/// The register-blocked micro-kernel: `Σ_p a[p][i]·b[p][j]` over the panels' depth.
///
/// Every depth step loads the `NR/4` vectors of `b`, then for each of the `MR` rows
/// broadcasts one value of `a` (`v128.load32_splat`) and multiplies-adds it into that row's
/// accumulators: per step `NV + MR` loads for `MR·NV` multiply-adds.
#[inline(always)]
pub(crate) fn microkernel(a: &[f32], b: &[f32]) -> Tile {
    let mut acc = [[F32x4::zero(); NV]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        let bv: [F32x4; NV] = core::array::from_fn(|v| F32x4::load_slice(&bp[v * LANES..]));
        for (i, row) in acc.iter_mut().enumerate() {
            let av = F32x4::splat_from(&ap[i]);
            for (v, acc) in row.iter_mut().enumerate() {
                *acc = acc.mul_add(av, bv[v]);
            }
        }
    }
    acc
}

/// `b` panels the micro-kernel multiplies by one `a` panel in a call: two for the AVX2 kernel
/// (below); one elsewhere, which keeps the loop order the wasm build was tuned with.
#[cfg(target_arch = "x86_64")]
const PANELS: usize = 2;
#[cfg(not(target_arch = "x86_64"))]
const PANELS: usize = 1;

/// The micro-kernel [`drive`] runs, chosen from the CPU's features once per product.
#[derive(Clone, Copy, Debug)]
enum Microkernel {
    /// [`microkernel`] on [`F32x4`], one `b` panel at a time.
    Portable,
    /// [`x86::tiles`]: eight lanes and fused multiply-adds.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Microkernel {
    fn detect() -> Self {
        #[cfg(test)]
        if tests::PORTABLE.with(core::cell::Cell::get) {
            return Microkernel::Portable;
        }
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Microkernel::Avx2Fma;
        }
        Microkernel::Portable
    }

    /// The `a` panel by each of the first `count` (1 ..= [`PANELS`]) `b` panels; the other
    /// tiles are zeros.
    #[inline(always)]
    fn tiles(self, a: &[f32], b: &[&[f32]; PANELS], count: usize) -> [Tile; PANELS] {
        match self {
            Microkernel::Portable => core::array::from_fn(|q| {
                if q < count {
                    microkernel(a, b[q])
                } else {
                    [[F32x4::zero(); NV]; MR]
                }
            }),
            // SAFETY: `detect` chose this kernel because the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Microkernel::Avx2Fma => unsafe {
                match count {
                    1 => x86::tiles::<1>(a, b),
                    _ => x86::tiles::<2>(a, b),
                }
            },
        }
    }
}

/// The micro-kernel for x86-64 CPUs with AVX2 and FMA (Intel since 2013, AMD since 2015),
/// chosen at run time. The native build targets baseline x86-64, where the portable
/// [`microkernel`] is four SSE lanes without fused multiply-add: ResNet-50 ran at 25 GFLOP/s
/// against ONNX Runtime's 90 (MLAS, AVX2); 59 with this kernel (`cargo bench --bench engine`,
/// BENCHMARKS.md).
///
/// The packing stays the portable one: a tile row (`NR` = 8 columns) is one 8-lane register,
/// and two `b` panels side by side make a `4 × 16` tile: 8 accumulators, two `b` loads and
/// four broadcasts per depth step for eight fused multiply-adds, as many independent sums as
/// two FMA units of latency 4 keep busy. Three panels (`4 × 24`, 12 accumulators) need all 16
/// ymm registers; LLVM keeps a second broadcast live and spills an accumulator to the stack
/// every step: 43 GFLOP/s against 100 for `4 × 16`, multiplying L1-resident panels of depth
/// 256 in a loop. Fused multiply-adds round once where the portable kernel rounds twice: the
/// property tests' tolerance covers both, and they run both kernels (`tests::PORTABLE`).
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{F32x4, Tile, LANES, MR, NR, NV, PANELS};
    use core::arch::x86_64::{
        __m256, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps,
        _mm256_storeu_ps,
    };

    const _: () = assert!(MR == 4 && NR == 8 && PANELS == 2);

    /// The tiles of the `a` panel (`depth × MR`) by each of the first `P` `b` panels
    /// (`depth × NR` each); tiles past `P` are zeros.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tiles<const P: usize>(a: &[f32], b: &[&[f32]; PANELS]) -> [Tile; PANELS] {
        let depth = a.len() / MR;
        assert!(P <= PANELS && b[..P].iter().all(|panel| panel.len() >= depth * NR));
        let bp: [*const f32; P] = core::array::from_fn(|q| b[q].as_ptr());
        let mut acc = [[_mm256_setzero_ps(); P]; MR];
        for (p, ap) in a.chunks_exact(MR).enumerate() {
            let mut bv = [_mm256_setzero_ps(); P];
            for q in 0..P {
                // In bounds: p < depth and panel q holds depth·NR values (asserted above).
                bv[q] = _mm256_loadu_ps(bp[q].add(p * NR));
            }
            for i in 0..MR {
                let av: __m256 = _mm256_broadcast_ss(&ap[i]);
                for q in 0..P {
                    acc[i][q] = _mm256_fmadd_ps(av, bv[q], acc[i][q]);
                }
            }
        }
        let mut tiles = [[[F32x4::zero(); NV]; MR]; PANELS];
        for i in 0..MR {
            for q in 0..P {
                let mut row = [0.0f32; NR];
                _mm256_storeu_ps(row.as_mut_ptr(), acc[i][q]);
                for v in 0..NV {
                    tiles[q][i][v] = F32x4::load_slice(&row[v * LANES..]);
                }
            }
        }
        tiles
    }
}

/// Packs rows `rows` × depth `depth` of `a` into [`MR`]-row panels (zeros past the last row).
fn pack_a(a: &MatRef, dst: &mut [f32], rows: Range<usize>, depth: Range<usize>) {
    let kc = depth.len();
    for (q, panel) in dst.chunks_exact_mut(kc * MR).enumerate() {
        let row0 = rows.start + q * MR;
        for i in 0..MR {
            let r = row0 + i;
            if r < rows.end {
                if a.col_stride == 1 {
                    let src = &a.data[r * a.row_stride + depth.start..][..kc];
                    for (p, &x) in src.iter().enumerate() {
                        panel[p * MR + i] = x;
                    }
                } else {
                    for p in 0..kc {
                        panel[p * MR + i] = a.at(r, depth.start + p);
                    }
                }
            } else {
                for p in 0..kc {
                    panel[p * MR + i] = 0.0;
                }
            }
        }
    }
}

/// A strided `b` packed block by block.
pub(crate) struct MatB<'a>(pub MatRef<'a>);

impl PackB for MatB<'_> {
    fn pack(&self, dst: &mut [f32], depth: Range<usize>, cols: Range<usize>) {
        let b = &self.0;
        let kc = depth.len();
        if kc == 0 {
            return;
        }
        for (q, panel) in dst.chunks_exact_mut(kc * NR).enumerate() {
            let col0 = cols.start + q * NR;
            let width = NR.min(cols.end - col0);
            if b.col_stride == 1 && width == NR {
                for (p, out) in panel.chunks_exact_mut(NR).enumerate() {
                    let src = &b.data[(depth.start + p) * b.row_stride + col0..][..NR];
                    out.copy_from_slice(src);
                }
            } else if b.row_stride == 1 {
                // Columns contiguous (a transposed view): read down each column.
                for j in 0..NR {
                    if j < width {
                        let src = &b.data[(col0 + j) * b.col_stride + depth.start..][..kc];
                        for (p, &x) in src.iter().enumerate() {
                            panel[p * NR + j] = x;
                        }
                    } else {
                        for p in 0..kc {
                            panel[p * NR + j] = 0.0;
                        }
                    }
                }
            } else {
                for (p, out) in panel.chunks_exact_mut(NR).enumerate() {
                    for (j, o) in out.iter_mut().enumerate() {
                        *o = if j < width {
                            b.at(depth.start + p, col0 + j)
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
}

struct PrepackedB<'a>(&'a PackedB);

impl PackB for PrepackedB<'_> {
    fn pack(&self, _dst: &mut [f32], _depth: Range<usize>, _cols: Range<usize>) {
        debug_assert!(false, "prepacked panels are never packed again");
    }

    fn prepacked(&self) -> Option<(&[f32], usize)> {
        Some((&self.0.data, self.0.rows))
    }
}

/// `c = α·tile + β·c` on the first depth block, `c += α·tile` on the next ones.
struct GemmEpilogue<'a> {
    c: MatMut<'a>,
    alpha: f32,
    beta: f32,
}

impl Epilogue for GemmEpilogue<'_> {
    #[inline(always)]
    fn store(
        &mut self,
        rows: Range<usize>,
        cols: Range<usize>,
        tile: &Tile,
        first: bool,
        _last: bool,
    ) {
        let c = &mut self.c;
        let (alpha, beta) = (self.alpha, self.beta);
        let width = cols.len();
        for (i, r) in rows.enumerate() {
            let base = r * c.row_stride + cols.start * c.col_stride;
            if c.col_stride == 1 && width == NR {
                let dst = &mut c.data[base..][..NR];
                for (v, chunk) in dst.chunks_exact_mut(LANES).enumerate() {
                    let x = tile[i][v] * F32x4::splat(alpha);
                    let y = if !first {
                        F32x4::load_slice(chunk) + x
                    } else if beta == 0.0 {
                        x
                    } else {
                        x.mul_add(F32x4::splat(beta), F32x4::load_slice(chunk))
                    };
                    y.store_slice(chunk);
                }
            } else {
                let values = tile_row(tile, i);
                for (j, &x) in values.iter().enumerate().take(width) {
                    let dst = &mut c.data[base + j * c.col_stride];
                    let x = alpha * x;
                    *dst = if !first {
                        *dst + x
                    } else if beta == 0.0 {
                        x
                    } else {
                        x + beta * *dst
                    };
                }
            }
        }
    }
}

/// Row `i` of a tile as plain values.
#[inline(always)]
pub(crate) fn tile_row(tile: &Tile, i: usize) -> [f32; NR] {
    let mut out = [0.0; NR];
    for (v, chunk) in out.chunks_exact_mut(LANES).enumerate() {
        tile[i][v].store_slice(chunk);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use core::cell::Cell;
    use proptest::prelude::*;

    thread_local! {
        /// Makes [`Microkernel::detect`] choose the portable kernel on this thread: the
        /// property tests hold both kernels to the reference on a CPU that has another.
        pub(crate) static PORTABLE: Cell<bool> = const { Cell::new(false) };
    }

    /// `|fast − ref| ≤ 1e-5·(Σ|a·b|·|α| + |β·c|) + 1e-30`, per element.
    fn check(
        alpha: f32,
        beta: f32,
        a: MatRef,
        b: MatRef,
        c0: &[f32],
        packed: bool,
    ) -> Result<(), TestCaseError> {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let mut fast = c0.to_vec();
        let mut slow = c0.to_vec();
        let mut scratch = Scratch::default();
        if packed {
            let pb = PackedB::new(b);
            gemm_packed_b(
                alpha,
                a,
                &pb,
                beta,
                MatMut::row_major(&mut fast, m, n),
                &mut scratch,
            );
        } else {
            gemm(
                alpha,
                a,
                b,
                beta,
                MatMut::row_major(&mut fast, m, n),
                &mut scratch,
            );
        }
        gemm_reference(alpha, a, b, beta, MatMut::row_major(&mut slow, m, n));
        for i in 0..m {
            for j in 0..n {
                let mag: f32 = (0..k).map(|p| (a.at(i, p) * b.at(p, j)).abs()).sum::<f32>()
                    * alpha.abs()
                    + if beta == 0.0 {
                        0.0
                    } else {
                        (beta * c0[i * n + j]).abs()
                    };
                let (f, s) = (fast[i * n + j], slow[i * n + j]);
                prop_assert!(
                    (f - s).abs() <= 1e-5 * mag + 1e-30,
                    "({i}, {j}) of {m}×{n}×{k}: fast {f}, reference {s}"
                );
            }
        }
        Ok(())
    }

    pub(crate) fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    proptest! {
        #[test]
        fn gemm_matches_the_triple_loop(
            m in 1usize..40, n in 1usize..40, k in 0usize..40,
            ta in any::<bool>(), tb in any::<bool>(), packed in any::<bool>(),
            alpha in prop_oneof![Just(1.0f32), -2.0f32..2.0],
            beta in prop_oneof![Just(0.0f32), Just(1.0f32), -2.0f32..2.0],
            seed in any::<u64>(), portable in any::<bool>(),
        ) {
            PORTABLE.set(portable);
            let adata = values(m * k, seed);
            let bdata = values(k * n, seed ^ 1);
            let c0 = values(m * n, seed ^ 2);
            // Transposed views read the same data column-major.
            let a = if ta { MatRef::row_major(&adata, k, m).t() } else { MatRef::row_major(&adata, m, k) };
            let b = if tb { MatRef::row_major(&bdata, n, k).t() } else { MatRef::row_major(&bdata, k, n) };
            check(alpha, beta, a, b, &c0, packed)?;
        }

    }

    proptest! {
        // Large products: few cases (the triple loop is slow in debug builds).
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Sizes that cross the depth, row and column blocks, and strided (non-unit) views.
        #[test]
        fn gemm_crosses_blocks(
            m in prop_oneof![1usize..3, 60usize..70], n in prop_oneof![1usize..9, 1020usize..1040],
            k in prop_oneof![250usize..262, 510usize..515],
            gap in 0usize..3, beta in prop_oneof![Just(0.0f32), 0.5f32..1.5],
            seed in any::<u64>(), portable in any::<bool>(),
        ) {
            PORTABLE.set(portable);
            // `a` with its rows `k + gap` apart, `b` with columns 2 apart.
            let adata = values(m * (k + gap), seed);
            let bdata = values(k * n * 2, seed ^ 1);
            let c0 = values(m * n, seed ^ 2);
            let a = MatRef::new(&adata, m, k, k + gap, 1);
            let b = MatRef::new(&bdata, k, n, 2 * n, 2);
            check(1.0, beta, a, b, &c0, false)?;
        }
    }

    #[test]
    fn beta_zero_ignores_nan_in_c() {
        let a = [1.0, 2.0];
        let b = [3.0, 4.0];
        let mut c = [f32::NAN];
        gemm(
            1.0,
            MatRef::row_major(&a, 1, 2),
            MatRef::row_major(&b, 2, 1),
            0.0,
            MatMut::row_major(&mut c, 1, 1),
            &mut Scratch::default(),
        );
        assert_eq!(c, [11.0]);
    }

    #[test]
    fn views_outside_their_data_are_refused() {
        let data = [0.0; 6];
        assert!(MatRef::row_major(&data, 2, 3).validate().is_ok());
        assert!(MatRef::row_major(&data, 3, 3).validate().is_err());
        assert!(MatRef::new(&data, 2, 2, usize::MAX, 1).validate().is_err());
        let mut out = [0.0; 6];
        assert!(MatMut::new(&mut out, 2, 3, 0, 1).validate().is_err());
        assert!(MatMut::row_major(&mut out, 2, 3).validate().is_ok());
    }
}
