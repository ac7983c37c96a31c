//! One layer along one axis as a sparse matrix: which input pixel each output window's taps
//! read, and with what weight. A 2-D layer is the product of its two axes (definitions.md §2), so
//! the whole utilization computation is built from these.

use crate::geometry::AxisResolution;
use crate::padding::PaddingMode;

/// One tap of one window: output `out` reads input pixel `input` with weight `weight`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TapRead {
    pub out: u32,
    pub tap: u32,
    pub input: u32,
    pub weight: f64,
}

/// Every tap read of a layer along one axis, in order of output then tap. Taps that read
/// nothing (zeros, or a fully padded partial-convolution window) are left out.
#[derive(Clone, Debug)]
pub struct AxisOperator {
    pub inputs: usize,
    pub outputs: usize,
    pub reads: Vec<TapRead>,
}

impl AxisOperator {
    pub fn new(res: &AxisResolution, mode: PaddingMode) -> Self {
        let mut reads = Vec::with_capacity(res.output * res.kernel);
        for out in 0..res.output {
            let positions = (0..res.kernel).map(|tap| res.position(out, tap));
            // Partial convolution rescales a window by taps / valid taps (Liu et al. 2018);
            // a window entirely in the padding has no valid tap and outputs 0, as NVIDIA's
            // reference implementation does.
            let weight = if mode == PaddingMode::Partial {
                let valid = positions
                    .clone()
                    .filter(|&j| (0..res.input as i64).contains(&j))
                    .count();
                if valid == 0 {
                    0.0
                } else {
                    res.kernel as f64 / valid as f64
                }
            } else {
                1.0
            };
            for (tap, position) in positions.enumerate() {
                if let Some(input) = mode.source(position, res.input) {
                    if weight != 0.0 {
                        reads.push(TapRead {
                            out: out as u32,
                            tap: tap as u32,
                            input: input as u32,
                            weight,
                        });
                    }
                }
            }
        }
        AxisOperator {
            inputs: res.input,
            outputs: res.output,
            reads,
        }
    }
}
