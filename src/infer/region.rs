//! Which part of each value a change to the input can reach: the first half of issue 9's
//! incremental detectability grids (definitions.md §5). A stimulus changes an s×s box of the
//! input; a convolution or pooling layer passes a change on to the outputs whose windows read
//! a changed pixel (through the padding mode's source mapping, so under circular and mirror
//! modes also outputs near the opposite or the same border); element-wise layers keep the
//! region; layers that mix all positions (global pooling, fully connected, reshapes) change
//! everything after them.
//!
//! The regions are conservative — a position outside its value's region is equal, bit for bit,
//! to the baseline run's — and a rectangle per value (the hull, when a mode's copies make the
//! changed outputs two runs). `tests/onnx_region.rs` holds them to full runs of the committed
//! models under all eight modes.

use super::plan::{Plan, Step};
use super::step::{Kernel, Operand};
use crate::geometry::AxisResolution;
use crate::padding::PaddingMode;
use core::ops::Range;

/// The part of a value that may differ from a baseline run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Changed {
    /// Nothing: equal to the baseline.
    Nothing,
    /// These rows and columns of the last two axes, in every batch and channel.
    Rect {
        rows: Range<usize>,
        cols: Range<usize>,
    },
    /// Anything.
    All,
}

impl Changed {
    /// A rectangle, or [`Changed::Nothing`] when it is empty.
    pub fn rect(rows: Range<usize>, cols: Range<usize>) -> Self {
        if rows.is_empty() || cols.is_empty() {
            Changed::Nothing
        } else {
            Changed::Rect { rows, cols }
        }
    }

    /// The smallest region holding both.
    pub fn union(&self, other: &Changed) -> Changed {
        match (self, other) {
            (Changed::Nothing, x) | (x, Changed::Nothing) => x.clone(),
            (Changed::All, _) | (_, Changed::All) => Changed::All,
            (Changed::Rect { rows: r1, cols: c1 }, Changed::Rect { rows: r2, cols: c2 }) => {
                Changed::Rect {
                    rows: r1.start.min(r2.start)..r1.end.max(r2.end),
                    cols: c1.start.min(c2.start)..c1.end.max(c2.end),
                }
            }
        }
    }

    /// Whether position `(row, col)` of the last two axes may have changed.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        match self {
            Changed::Nothing => false,
            Changed::Rect { rows, cols } => rows.contains(&row) && cols.contains(&col),
            Changed::All => true,
        }
    }
}

/// The outputs along one axis whose windows read an input index in `changed`: every tap's
/// padded position mapped through `mode` (definitions.md §2), their hull.
fn axis_outputs(r: &AxisResolution, mode: PaddingMode, changed: &Range<usize>) -> Range<usize> {
    let reads = |o: usize| {
        (0..r.kernel).any(|t| {
            mode.source(r.position(o, t), r.input)
                .is_some_and(|s| changed.contains(&s))
        })
    };
    match (0..r.output).find(|&o| reads(o)) {
        Some(first) => {
            let last = (first..r.output).rev().find(|&o| reads(o)).unwrap_or(first);
            first..last + 1
        }
        None => 0..0,
    }
}

/// A window layer's output region from its input's.
fn through_window(
    input: &Changed,
    rows: &AxisResolution,
    cols: &AxisResolution,
    mode: PaddingMode,
) -> Changed {
    match input {
        Changed::Rect { rows: r, cols: c } => {
            Changed::rect(axis_outputs(rows, mode, r), axis_outputs(cols, mode, c))
        }
        other => other.clone(),
    }
}

/// How a step sees an operand: its region, or everything when the step reads it as a value of
/// another shape than the storage's own (a reshaped view, a broadcast operand) and it changed.
struct Operands<'a> {
    regions: &'a [Changed],
    /// Per storage, the shape of the value written there (the input's, or its step's).
    shapes: &'a [Vec<usize>],
}

impl Operands<'_> {
    /// The region of `operand` read as `elements` values in `h × w` planes: kept when the
    /// storage holds planes of that size, else everything (if anything changed).
    fn read(&self, operand: &Operand, elements: usize, [h, w]: [usize; 2]) -> Changed {
        let Operand::Storage(s) = *operand else {
            return Changed::Nothing;
        };
        let shape = &self.shapes[s];
        let same_layout = shape.len() == 4
            && shape[2] == h
            && shape[3] == w
            && shape.iter().product::<usize>() == elements;
        match &self.regions[s] {
            Changed::Rect { .. } if !same_layout => Changed::All,
            region => region.clone(),
        }
    }

    /// The region of `operand` read as a value of exactly `shape`.
    fn read_as(&self, operand: &Operand, shape: &[usize]) -> Changed {
        let same = matches!(*operand, Operand::Storage(s) if self.shapes[s] == shape);
        match operand {
            Operand::Constant(_) => Changed::Nothing,
            Operand::Storage(s) => match &self.regions[*s] {
                Changed::Nothing => Changed::Nothing,
                region if same && shape.len() == 4 => region.clone(),
                _ => Changed::All,
            },
        }
    }
}

/// One step's output region from its operands' regions.
fn step_region(step: &Step, operands: &Operands) -> Changed {
    let shape = &step.shape;
    let union_as_output = || {
        step.inputs.iter().fold(Changed::Nothing, |acc, o| {
            acc.union(&operands.read_as(o, shape))
        })
    };
    match &step.kernel {
        Kernel::Conv {
            geometry: g, batch, ..
        } => {
            let (r, c) = (&g.rows, &g.cols);
            let elements = batch * g.in_channels * r.input * c.input;
            let input = operands.read(&step.inputs[0], elements, [r.input, c.input]);
            through_window(&input, r, c, g.mode)
        }
        // Pooling skips positions outside the input: zero padding's sources.
        Kernel::Pool {
            geometry: g, batch, ..
        } => {
            let (r, c) = (&g.rows, &g.cols);
            let elements = batch * g.channels * r.input * c.input;
            let input = operands.read(&step.inputs[0], elements, [r.input, c.input]);
            through_window(&input, r, c, PaddingMode::Zeros)
        }
        // Element-wise: the union of the operands' regions, where each has the output's shape
        // (a changed operand broadcast over the pixels changes them all).
        Kernel::Affine { .. }
        | Kernel::Unary(_)
        | Kernel::Clip { .. }
        | Kernel::Binary { .. }
        | Kernel::BinaryInPlace { .. }
        | Kernel::PRelu { .. } => union_as_output(),
        // Softmax along the channels of an N×C×H×W value works pixel by pixel.
        Kernel::Softmax { inner, .. } if shape.len() == 4 && *inner == shape[2] * shape[3] => {
            union_as_output()
        }
        // Concatenating channels keeps each part's pixels where they were.
        Kernel::Concat { axis: 1, .. } if shape.len() == 4 => {
            step.inputs.iter().fold(Changed::Nothing, |acc, o| {
                let part = match o {
                    Operand::Storage(s) => operands.shapes[*s].iter().product(),
                    Operand::Constant(_) => 0,
                };
                acc.union(&operands.read(o, part, [shape[2], shape[3]]))
            })
        }
        // Everything else moves or mixes positions; conservatively, all of it changes.
        _ => step
            .inputs
            .iter()
            .fold(Changed::Nothing, |acc, o| match operands.read_as(o, &[]) {
                Changed::Nothing => acc,
                _ => Changed::All,
            }),
    }
}

impl Plan {
    /// Per storage (the plan's run-time values, see [`Plan::runtime_values`]), the region that
    /// may differ from a baseline run when the first input changes only inside `rows × cols`
    /// of its last two axes. A region is of the layout of the value written to the storage
    /// (a reshaped view of it shares the storage and the memory, not the axes).
    pub fn changed_regions(&self, rows: Range<usize>, cols: Range<usize>) -> Vec<Changed> {
        let storages = self.storage_count();
        let mut regions = vec![Changed::Nothing; storages];
        let mut shapes = vec![Vec::new(); storages];
        if let Some((storage, shape)) = self.input_storage(0) {
            regions[storage] = Changed::rect(rows, cols);
            shapes[storage] = shape.to_vec();
        }
        for step in self.steps() {
            let changed = step_region(
                step,
                &Operands {
                    regions: &regions,
                    shapes: &shapes,
                },
            );
            regions[step.output] = changed;
            shapes[step.output].clone_from(&step.shape);
        }
        regions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{resolve, AxisWindow, PaddingSpec};

    fn axis(n: usize, k: usize, s: usize, pad: usize) -> AxisResolution {
        resolve(n, AxisWindow::new(k, s, 1), PaddingSpec::symmetric(pad)).unwrap()
    }

    #[test]
    fn a_window_reaches_the_outputs_that_read_the_change() {
        // 10 px, 3 taps, stride 1, pad 1: input 4 is read by outputs 3, 4, 5.
        let r = axis(10, 3, 1, 1);
        assert_eq!(axis_outputs(&r, PaddingMode::Zeros, &(4..5)), 3..6);
        // Stride 2: output o reads 2o − 1 … 2o + 1; input 4 is read by outputs 2 (3…5) only.
        let r = axis(10, 3, 2, 1);
        assert_eq!(axis_outputs(&r, PaddingMode::Zeros, &(4..5)), 2..3);
        // Input 0 under zeros: outputs 0 and 1. Under circular, output 9 reads position 10,
        // which wraps to 0: the hull is everything.
        let r = axis(10, 3, 1, 1);
        assert_eq!(axis_outputs(&r, PaddingMode::Zeros, &(0..1)), 0..2);
        assert_eq!(axis_outputs(&r, PaddingMode::Circular, &(0..1)), 0..10);
        // Reflect copies input 1 to position −1, read by output 0: as zeros would reach.
        assert_eq!(axis_outputs(&r, PaddingMode::Reflect, &(1..2)), 0..3);
        // Replicate copies input 0 to −1: outputs 0 and 1, as before.
        assert_eq!(axis_outputs(&r, PaddingMode::Replicate, &(0..1)), 0..2);
        // A change no window reads (stride past it) reaches nothing.
        let r = resolve(10, AxisWindow::new(1, 3, 1), PaddingSpec::Valid).unwrap();
        assert_eq!(axis_outputs(&r, PaddingMode::Zeros, &(1..3)), 0..0);
    }

    #[test]
    fn unions() {
        let a = Changed::rect(2..4, 5..9);
        let b = Changed::rect(3..7, 0..1);
        assert_eq!(a.union(&b), Changed::rect(2..7, 0..9));
        assert_eq!(a.union(&Changed::Nothing), a);
        assert_eq!(Changed::Nothing.union(&a), a);
        assert_eq!(a.union(&Changed::All), Changed::All);
        assert_eq!(Changed::rect(3..3, 0..4), Changed::Nothing);
        assert!(a.contains(3, 8) && !a.contains(4, 8) && !a.contains(3, 4));
    }
}
