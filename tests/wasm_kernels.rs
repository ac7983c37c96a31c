//! The inference kernels' simd128 build against their plain references, in headless Chromium
//! (`./build.sh test` runs it with wasm-bindgen-test-runner). The native property tests
//! (`src/kernels/*`) cover the portable vector code; this file runs the `v128` one. proptest
//! does not build for wasm32, so a small seeded generator picks the cases: the same every run.
//!
//! `speed` (ignored) prints the kernels' GFLOP/s in the browser:
//! `... cargo test --release --target wasm32-unknown-unknown --no-default-features
//! --test wasm_kernels -- --include-ignored speed`.
#![cfg(target_arch = "wasm32")]

use padlens::geometry::{resolve, AxisResolution, AxisWindow, PaddingSpec};
use padlens::kernels::{
    conv2d, conv2d_reference, gemm, gemm_reference, global_pool, global_pool_reference, pool2d,
    pool2d_reference, Activation, ConvGeometry, ConvPath, GlobalPool, MatMut, MatRef, OutputWindow,
    PackedConv, PoolGeometry, PoolKind, Scratch,
};
use padlens::padding::PaddingMode;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// PCG-style 64-bit generator: deterministic cases without proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 ^ (self.0 >> 29)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() >> 33) as usize % (hi - lo)
    }

    fn unit(&mut self) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn values(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.unit()).collect()
    }

    fn sub_range(&mut self, len: usize) -> core::ops::Range<usize> {
        let a = self.range(0, len + 1);
        let b = self.range(0, len + 1);
        a.min(b)..a.max(b).max(a.min(b) + 1).min(len)
    }
}

/// One axis adjusted so the mode accepts it and the kernel fits.
fn axis(
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
        PaddingMode::Reflect => (pb, pa) = (pb.min(n - 1), pa.min(n - 1)),
        PaddingMode::Symmetric => (pb, pa) = (pb.min(n), pa.min(n)),
        PaddingMode::Valid => (pb, pa) = (0, 0),
        _ => {}
    }
    if n + pb + pa < ke {
        n = ke - pb - pa;
    }
    let spec = mode.amounts(PaddingSpec::Explicit {
        before: pb,
        after: pa,
    });
    resolve(n, AxisWindow::new(k, s, d), spec).unwrap()
}

fn activation(rng: &mut Rng) -> Activation {
    match rng.range(0, 4) {
        0 => Activation::Identity,
        1 => Activation::Relu,
        2 => Activation::Clip {
            min: -0.3,
            max: 0.6,
        },
        _ => Activation::LeakyRelu { alpha: 0.1 },
    }
}

/// Fast against reference from a sentinel-filled output: the window within
/// `1e-5·(Σ|w·x|·ratio + |b|)`, everything else untouched.
fn check_conv(
    g: &ConvGeometry,
    window: &OutputWindow,
    act: Activation,
    rng: &mut Rng,
    scratch: &mut Scratch,
) {
    g.validate().unwrap();
    let weights = rng.values(g.weights_len());
    let bias = rng.values(g.out_channels);
    let input = rng.values(g.input_len());
    let sentinel = -1234.5f32;
    let mut fast = vec![sentinel; g.output_len()];
    let mut slow = fast.clone();
    let mut magnitude = fast.clone();
    let packed = PackedConv::new(g, &weights, Some(&bias));
    conv2d(g, &packed, &input, &mut fast, window, act, scratch);
    conv2d_reference(g, &weights, Some(&bias), &input, &mut slow, window, act);
    let abs = |v: &[f32]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
    conv2d_reference(
        g,
        &abs(&weights),
        Some(&abs(&bias)),
        &abs(&input),
        &mut magnitude,
        window,
        Activation::Identity,
    );
    let (oh, ow) = (g.rows.output, g.cols.output);
    for (i, ((&f, &s), &m)) in fast.iter().zip(&slow).zip(&magnitude).enumerate() {
        let (y, x) = ((i / ow) % oh, i % ow);
        if window.rows.contains(&y) && window.cols.contains(&x) {
            assert!(
                (f - s).abs() <= 1e-5 * m + 1e-6,
                "{g:?} {window:?} {act:?} ({:?}) at {i}: fast {f}, reference {s}",
                packed.path()
            );
        } else {
            assert_eq!(
                f.to_bits(),
                sentinel.to_bits(),
                "{g:?} {window:?}: wrote {i}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn conv2d_matches_the_reference_in_every_mode() {
    let mut rng = Rng(0x5eed);
    let mut scratch = Scratch::default();
    let mut paths = [0usize; 3];
    for case in 0..240 {
        let mode = PaddingMode::ALL[case % 8];
        // Thirds: general (groups), depthwise (one input channel per group), pointwise.
        let (groups, cin, cout, k) = match case % 3 {
            0 => (
                rng.range(1, 3),
                rng.range(1, 5),
                rng.range(1, 12),
                [rng.range(1, 8), rng.range(1, 8)],
            ),
            1 => {
                let c = rng.range(1, 6);
                (c, 1, rng.range(1, 4), [rng.range(1, 8), rng.range(1, 8)])
            }
            _ => (1, rng.range(1, 24), rng.range(8, 20), [1, 1]),
        };
        let pointwise = case % 3 == 2;
        let ax = |kernel: usize, rng: &mut Rng| {
            let n = rng.range(1, 30);
            if pointwise {
                axis(mode, n, 1, 1, 1, 0, 0)
            } else {
                let (s, d) = (rng.range(1, 4), rng.range(1, 3));
                axis(mode, n, kernel, s, d, rng.range(0, 5), rng.range(0, 5))
            }
        };
        let rows = ax(k[0], &mut rng);
        let cols = ax(k[1], &mut rng);
        let g = ConvGeometry {
            in_channels: groups * cin,
            out_channels: groups * cout,
            groups,
            rows,
            cols,
            mode,
        };
        paths[match g.path() {
            ConvPath::Gemm => 0,
            ConvPath::Depthwise => 1,
            ConvPath::Pointwise => 2,
        }] += 1;
        let window = if case % 4 == 0 {
            OutputWindow::full(rows.output, cols.output)
        } else {
            OutputWindow {
                rows: rng.sub_range(rows.output),
                cols: rng.sub_range(cols.output),
            }
        };
        let act = activation(&mut rng);
        check_conv(&g, &window, act, &mut rng, &mut scratch);
    }
    assert!(paths.iter().all(|&p| p >= 60), "{paths:?}");
}

#[wasm_bindgen_test]
fn conv2d_crosses_the_gemm_blocks() {
    // Depth 32·9 = 288 > 256 and 35·35 = 1225 > 1024 columns: first, middle and last stages.
    let mut rng = Rng(7);
    let mut scratch = Scratch::default();
    for mode in PaddingMode::ALL {
        let g = ConvGeometry {
            in_channels: 32,
            out_channels: 9,
            groups: 1,
            rows: axis(mode, 35, 3, 1, 1, 1, 1),
            cols: axis(mode, 35, 3, 1, 1, 1, 1),
            mode,
        };
        let window = OutputWindow::full(g.rows.output, g.cols.output);
        check_conv(&g, &window, Activation::Relu, &mut rng, &mut scratch);
    }
}

#[wasm_bindgen_test]
fn gemm_matches_the_triple_loop() {
    let mut rng = Rng(11);
    let mut scratch = Scratch::default();
    let shapes = [
        (1, 1, 1),
        (1, 37, 19),
        (5, 9, 3),
        (13, 17, 29),
        (64, 70, 300),
        (3, 1030, 40),
        (1, 100, 300),
    ];
    for (case, &(m, n, k)) in shapes.iter().enumerate() {
        for variant in 0..4 {
            let (ta, tb) = (variant & 1 == 1, variant & 2 == 2);
            let adata = rng.values(m * k);
            let bdata = rng.values(k * n);
            let c0 = rng.values(m * n);
            let a = if ta {
                MatRef::row_major(&adata, k, m).t()
            } else {
                MatRef::row_major(&adata, m, k)
            };
            let b = if tb {
                MatRef::row_major(&bdata, n, k).t()
            } else {
                MatRef::row_major(&bdata, k, n)
            };
            let (alpha, beta) = if case % 2 == 0 {
                (1.0, 0.0)
            } else {
                (0.5, 1.5)
            };
            let mut fast = c0.clone();
            let mut slow = c0.clone();
            gemm(
                alpha,
                a,
                b,
                beta,
                MatMut::row_major(&mut fast, m, n),
                &mut scratch,
            );
            gemm_reference(alpha, a, b, beta, MatMut::row_major(&mut slow, m, n));
            for i in 0..m {
                for j in 0..n {
                    let mag: f32 = (0..k)
                        .map(|p| {
                            (adata[if ta { p * m + i } else { i * k + p }]
                                * bdata[if tb { j * k + p } else { p * n + j }])
                            .abs()
                        })
                        .sum::<f32>()
                        * alpha
                        + (beta * c0[i * n + j]).abs();
                    let (f, s) = (fast[i * n + j], slow[i * n + j]);
                    assert!(
                        (f - s).abs() <= 1e-5 * mag + 1e-6,
                        "{m}×{n}×{k} {variant} ({i}, {j}): {f} vs {s}"
                    );
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn pooling_matches_the_reference() {
    let mut rng = Rng(99);
    for case in 0..200 {
        let ax = |rng: &mut Rng| {
            let (k, s, d) = (rng.range(1, 8), rng.range(1, 4), rng.range(1, 3));
            let (pb, pa) = (rng.range(0, 4), rng.range(0, 4));
            let ke = d * (k - 1) + 1;
            let n = rng.range(1, 30).max(ke.saturating_sub(pb + pa));
            let mut w = AxisWindow::new(k, s, d);
            w.ceil_mode = case % 2 == 1;
            resolve(
                n,
                w,
                PaddingSpec::Explicit {
                    before: pb,
                    after: pa,
                },
            )
            .unwrap()
        };
        let g = PoolGeometry {
            channels: rng.range(1, 4),
            rows: ax(&mut rng),
            cols: ax(&mut rng),
        };
        g.validate().unwrap();
        let kind = match case % 3 {
            0 => PoolKind::Max,
            1 => PoolKind::Average {
                count_include_pad: false,
            },
            _ => PoolKind::Average {
                count_include_pad: true,
            },
        };
        let window = OutputWindow {
            rows: rng.sub_range(g.rows.output),
            cols: rng.sub_range(g.cols.output),
        };
        let input = rng.values(g.input_len());
        let mut fast = vec![-99.0; g.output_len()];
        let mut slow = fast.clone();
        pool2d(&g, kind, &input, &mut fast, &window);
        pool2d_reference(&g, kind, &input, &mut slow, &window);
        for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
            assert_eq!(
                f.to_bits(),
                s.to_bits(),
                "{g:?} {kind:?} {window:?} at {i}: {f} vs {s}"
            );
        }
    }
    for pixels in [0, 1, 7, 8, 49, 50] {
        let input = rng.values(3 * pixels);
        for kind in [GlobalPool::Max, GlobalPool::Average] {
            let (mut fast, mut slow) = ([0.0; 3], [0.0; 3]);
            global_pool(kind, 3, pixels, &input, &mut fast);
            global_pool_reference(kind, 3, pixels, &input, &mut slow);
            for (f, s) in fast.iter().zip(&slow) {
                assert!(
                    f == s || (f - s).abs() <= 1e-6,
                    "{kind:?} {pixels}: {f} vs {s}"
                );
            }
        }
    }
}

/// Milliseconds from `performance.now()`.
fn now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now = js_sys::Reflect::get(&performance, &"now".into()).unwrap();
    let now: js_sys::Function = now.into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

/// Runs `f` until 300 ms have passed (at least 3 times) and returns the best time in ms.
fn best_ms(mut f: impl FnMut()) -> f64 {
    f();
    let (start, mut best, mut runs) = (now(), f64::INFINITY, 0);
    while runs < 3 || now() - start < 300.0 {
        let t = now();
        f();
        best = best.min(now() - t);
        runs += 1;
    }
    best
}

/// GFLOP/s of the kernels in the browser; a printout, not a check.
#[wasm_bindgen_test]
#[ignore]
fn speed() {
    let mut rng = Rng(1);
    let mut scratch = Scratch::default();
    for (m, n, k) in [
        (64, 3136, 576),
        (512, 49, 4608),
        (256, 784, 1152),
        (1, 1000, 2048),
    ] {
        let a = rng.values(m * k);
        let b = rng.values(k * n);
        let mut c = vec![0.0; m * n];
        let ms = best_ms(|| {
            gemm(
                1.0,
                MatRef::row_major(&a, m, k),
                MatRef::row_major(&b, k, n),
                0.0,
                MatMut::row_major(&mut c, m, n),
                &mut scratch,
            )
        });
        console_log!(
            "gemm {m}×{n}×{k}: {:.2} ms, {:.1} GFLOP/s",
            ms,
            2.0 * (m * n * k) as f64 / ms / 1e6
        );
    }
    let convs = [
        ("resnet50 conv1 7×7/2", 3, 64, 1, 224, 7, 2, 3),
        ("resnet50 3×3 64@56", 64, 64, 1, 56, 3, 1, 1),
        ("resnet50 3×3 256@14", 256, 256, 1, 14, 3, 1, 1),
        ("resnet50 1×1 64→256@56", 64, 256, 1, 56, 1, 1, 0),
        ("resnet50 1×1 1024→256@14", 1024, 256, 1, 14, 1, 1, 0),
        ("mobilenet_v2 dw 3×3 96@112/2", 96, 96, 96, 112, 3, 2, 1),
        ("mobilenet_v2 dw 3×3 144@56", 144, 144, 144, 56, 3, 1, 1),
        ("mobilenet_v2 dw 3×3 960@7", 960, 960, 960, 7, 3, 1, 1),
    ];
    for (name, cin, cout, groups, size, k, s, p) in convs {
        for mode in [PaddingMode::Zeros, PaddingMode::Reflect] {
            let r = resolve(size, AxisWindow::new(k, s, 1), PaddingSpec::symmetric(p)).unwrap();
            let g = ConvGeometry {
                in_channels: cin,
                out_channels: cout,
                groups,
                rows: r,
                cols: r,
                mode,
            };
            let w = PackedConv::new(&g, &rng.values(g.weights_len()), Some(&rng.values(cout)));
            let input = rng.values(g.input_len());
            let mut out = vec![0.0; g.output_len()];
            let window = OutputWindow::full(r.output, r.output);
            let ms = best_ms(|| {
                conv2d(
                    &g,
                    &w,
                    &input,
                    &mut out,
                    &window,
                    Activation::Relu,
                    &mut scratch,
                )
            });
            console_log!(
                "conv {name} {mode}: {:.2} ms, {:.1} GFLOP/s",
                ms,
                g.flops() / ms / 1e6
            );
        }
    }
}
