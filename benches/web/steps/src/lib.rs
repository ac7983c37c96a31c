//! Times each heavy step of a padlens plan on its own, in WebAssembly, with the kernels and
//! packed weights the plan itself uses: convolutions (`kernels::conv2d` with the step's
//! geometry, packed weights and fused activation), pooling, global pooling and Gemm (the
//! classifier; its weights are stand-ins of the same shape, as a dense product takes as long
//! whatever the values) and the element-wise steps that work in place (a residual Add, a Relu
//! not fused into a convolution). Inputs are pseudo-random. The rest of a pass (concatenations,
//! flatten, copies) is the whole pass's time less the sum of these.

use padlens::infer::step::{self, Kernel};
use padlens::infer::{Model, Plan};
use padlens::kernels::{self, MatMut, MatRef, OutputWindow, Scratch};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

#[wasm_bindgen]
pub struct StepTimer {
    plan: Plan,
}

#[derive(Serialize)]
struct StepTime {
    index: usize,
    name: String,
    op: String,
    /// conv: gemm, pointwise or depthwise (padlens' kernel path); else the step's kind
    kind: String,
    /// conv: [in channels, out channels, groups, kernel h, kernel w, stride, input h, input w,
    /// output h, output w]
    geometry: Vec<usize>,
    macs: f64,
    /// median of the timed repetitions, ms
    ms: f64,
}

fn fill(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2654435761).max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Median time of one call of `f` over `reps` samples, in ms, after one untimed call. A sample
/// times a batch of calls at least 2 ms long: without a cross-origin-isolated page,
/// `performance.now()` moves in steps of 0.1 ms, a third of a small step's time.
fn time(reps: u32, mut f: impl FnMut()) -> f64 {
    let t = now();
    f();
    let first = (now() - t).max(0.01);
    let batch = (2.0 / first).ceil().clamp(1.0, 1000.0) as u32;
    median(
        (0..reps.max(1))
            .map(|_| {
                let t = now();
                for _ in 0..batch {
                    f();
                }
                (now() - t) / f64::from(batch)
            })
            .collect(),
    )
}

#[wasm_bindgen]
impl StepTimer {
    /// Plans the model at `height × width` with its own padding.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Vec<u8>, height: usize, width: usize) -> Result<StepTimer, JsError> {
        let model = Model::from_onnx(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        let plan = model
            .plan(Some([height, width]), None, &[])
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(StepTimer { plan })
    }

    /// The whole pass: median of `reps` runs, ms.
    pub fn total(&mut self, input: &[f32], reps: u32) -> Result<f64, JsError> {
        let plan = &mut self.plan;
        let mut error = None;
        let ms = time(reps, || {
            if let Err(e) = plan.run(&[input]) {
                error = Some(e.to_string());
            }
        });
        match error {
            Some(e) => Err(JsError::new(&e)),
            None => Ok(ms),
        }
    }

    /// Every step, the heavy ones timed (`reps` each): a JSON array of `StepTime`.
    pub fn steps(&self, reps: u32) -> String {
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        for (index, step) in self.plan.steps().iter().enumerate() {
            let mut entry = StepTime {
                index,
                name: step.name.clone(),
                op: step.op_type.clone(),
                kind: String::new(),
                geometry: Vec::new(),
                macs: step.kernel.multiply_adds(),
                ms: f64::NAN,
            };
            match &step.kernel {
                Kernel::Conv {
                    geometry: g,
                    packed: Some(packed),
                    activation,
                    batch,
                    ..
                } => {
                    entry.kind = format!("{:?}", packed.path()).to_lowercase();
                    entry.geometry = vec![
                        g.in_channels,
                        g.out_channels,
                        g.groups,
                        g.rows.kernel,
                        g.cols.kernel,
                        g.rows.stride,
                        g.rows.input,
                        g.cols.input,
                        g.rows.output,
                        g.cols.output,
                    ];
                    let input = fill(g.input_len(), index as u32 + 1);
                    let mut output = vec![0.0; g.output_len()];
                    let window = OutputWindow::full(g.rows.output, g.cols.output);
                    entry.ms = time(reps, || {
                        for _ in 0..*batch {
                            kernels::conv2d(
                                g,
                                packed,
                                &input,
                                &mut output,
                                &window,
                                *activation,
                                &mut scratch,
                            );
                        }
                    });
                }
                Kernel::Pool {
                    geometry: g, kind, ..
                } => {
                    entry.kind = "pool".into();
                    entry.geometry = vec![
                        g.channels,
                        g.channels,
                        1,
                        g.rows.kernel,
                        g.cols.kernel,
                        g.rows.stride,
                        g.rows.input,
                        g.cols.input,
                        g.rows.output,
                        g.cols.output,
                    ];
                    let input = fill(g.input_len(), index as u32 + 1);
                    let mut output = vec![0.0; g.output_len()];
                    let window = OutputWindow::full(g.rows.output, g.cols.output);
                    entry.ms = time(reps, || {
                        kernels::pool2d(g, *kind, &input, &mut output, &window)
                    });
                }
                Kernel::GlobalPool {
                    kind,
                    planes,
                    pixels,
                } => {
                    entry.kind = "global pool".into();
                    let input = fill(planes * pixels, index as u32 + 1);
                    let mut output = vec![0.0; *planes];
                    entry.ms = time(reps, || {
                        kernels::global_pool(*kind, *planes, *pixels, &input, &mut output)
                    });
                }
                Kernel::Gemm {
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                    trans_a,
                    trans_b,
                    ..
                } => {
                    entry.kind = "gemm".into();
                    entry.geometry = vec![*m, *n, *k];
                    let x = fill(m * k, index as u32 + 1);
                    let w = fill(n * k, index as u32 + 7);
                    let mut output = vec![0.0; m * n];
                    entry.ms = time(reps, || {
                        let a = if *trans_a {
                            MatRef::row_major(&x, *k, *m).t()
                        } else {
                            MatRef::row_major(&x, *m, *k)
                        };
                        let b = if *trans_b {
                            MatRef::row_major(&w, *n, *k).t()
                        } else {
                            MatRef::row_major(&w, *k, *n)
                        };
                        kernels::gemm(
                            *alpha,
                            a,
                            b,
                            *beta,
                            MatMut::row_major(&mut output, *m, *n),
                            &mut scratch,
                        );
                    });
                }
                kernel if kernel.in_place() => {
                    // Element-wise in place (a residual Add, a Relu the plan could not fuse):
                    // on a copy-sized buffer, the other operand (if any) as long as its
                    // broadcast strides reach.
                    entry.kind = "in place".into();
                    let len: usize = step.shape.iter().product();
                    let mut values = fill(len, index as u32 + 1);
                    let other_len = match kernel {
                        Kernel::BinaryInPlace {
                            other_strides,
                            shape,
                            ..
                        } => {
                            1 + shape
                                .iter()
                                .zip(other_strides)
                                .map(|(n, s)| (n - 1) * s)
                                .sum::<usize>()
                        }
                        _ => 0,
                    };
                    let other = fill(other_len, index as u32 + 7);
                    let other = (other_len > 0).then_some(other.as_slice());
                    entry.ms = time(reps, || step::run_in_place(kernel, &mut values, other));
                }
                other => {
                    // Not timed alone (concatenations, copies, …): counted in the rest.
                    entry.kind = match other {
                        Kernel::Binary { .. } => "binary",
                        Kernel::PRelu { .. } => "prelu",
                        Kernel::Concat { .. } => "concat",
                        Kernel::Transpose(_) => "transpose",
                        Kernel::MatMul { .. } => "matmul",
                        Kernel::Pad { .. } => "pad",
                        Kernel::Resize { .. } => "resize",
                        Kernel::Gather { .. } => "gather",
                        Kernel::Slice(_) => "slice",
                        _ => "other",
                    }
                    .into();
                }
            }
            out.push(entry);
        }
        serde_json::to_string(&out).unwrap_or_default()
    }
}
