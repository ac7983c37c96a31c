//! The plain reference for utilization maps: every output position, every kernel tap, in two
//! dimensions at once, exactly as definitions.md §3 words it. Slow (`O(outputs · k²)` per layer) and
//! kept only to hold the fast separable path to it in property tests and benchmarks.

use crate::geometry::AxisResolution;
use crate::net::{Plan, Step};
use crate::padding::PaddingMode;
use ndarray::Array2;

/// The utilization map of `plan`, without rescaling (use small nets).
pub fn reference_utilization(plan: &Plan) -> Array2<f64> {
    let ones = Array2::ones((plan.output[0], plan.output[1]));
    backward_sequence(&plan.steps, ones)
}

fn backward_sequence(steps: &[Step], mut grad: Array2<f64>) -> Array2<f64> {
    for step in steps.iter().rev() {
        grad = backward_step(step, &grad);
    }
    grad
}

fn positions(r: &AxisResolution, out: usize) -> impl Iterator<Item = i64> + '_ {
    (0..r.kernel).map(move |tap| r.position(out, tap))
}

fn backward_step(step: &Step, grad: &Array2<f64>) -> Array2<f64> {
    match step {
        Step::Window { axes, mode, .. } => {
            let [rows, cols] = axes;
            let mut input = Array2::zeros((rows.input, cols.input));
            for oy in 0..rows.output {
                for ox in 0..cols.output {
                    // Partial convolution: taps / valid taps over the 2-D window.
                    let taps = (rows.kernel * cols.kernel) as f64;
                    let valid = positions(rows, oy)
                        .filter(|&j| (0..rows.input as i64).contains(&j))
                        .count()
                        * positions(cols, ox)
                            .filter(|&j| (0..cols.input as i64).contains(&j))
                            .count();
                    let weight = match (*mode, valid) {
                        (PaddingMode::Partial, 0) => 0.0,
                        (PaddingMode::Partial, valid) => taps / valid as f64,
                        _ => 1.0,
                    };
                    for jy in positions(rows, oy) {
                        for jx in positions(cols, ox) {
                            if let (Some(y), Some(x)) =
                                (mode.source(jy, rows.input), mode.source(jx, cols.input))
                            {
                                input[(y, x)] += weight * grad[(oy, ox)];
                            }
                        }
                    }
                }
            }
            input
        }
        Step::GlobalPool { input, .. } => Array2::from_elem((input[0], input[1]), grad[(0, 0)]),
        Step::Block {
            branches, input, ..
        } => {
            let mut sum = Array2::zeros((input[0], input[1]));
            for branch in branches {
                sum += &backward_sequence(branch, grad.clone());
            }
            sum
        }
    }
}
