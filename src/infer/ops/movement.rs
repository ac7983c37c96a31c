//! Operators that move data without arithmetic: Transpose, Concat, Slice, Gather, Pad and
//! broadcasting. Generic over the element type, so one implementation serves f32 activations
//! at run time and i64 shape arithmetic folded on import.

use crate::infer::graph::PadMode;
use crate::infer::tensor::{element_count, strides};

/// The most axes a run-time value may have: the odometers below keep their index in a fixed
/// array, so that a run allocates nothing. CNNs use 4; ONNX's tests go up to 6.
pub const MAX_RANK: usize = 8;

/// Calls `visit(output_index, input_offset)` for every element of an output of `shape`, the
/// input offset starting at `base` and moving by `input_strides` (which may be negative) per
/// axis. The innermost axis runs as a plain loop; the outer ones as an odometer.
pub fn for_each_offset(
    shape: &[usize],
    input_strides: &[isize],
    base: isize,
    mut visit: impl FnMut(usize, usize),
) {
    let rank = shape.len();
    debug_assert!(rank <= MAX_RANK && input_strides.len() == rank);
    if element_count(shape) == 0 {
        return;
    }
    if rank == 0 {
        visit(0, base as usize);
        return;
    }
    let inner = shape[rank - 1];
    let inner_stride = input_strides[rank - 1];
    let mut index = [0usize; MAX_RANK];
    let mut offset = base;
    let mut out = 0usize;
    loop {
        for i in 0..inner {
            visit(out + i, (offset + i as isize * inner_stride) as usize);
        }
        out += inner;
        // Advance the odometer over the outer axes.
        let mut axis = rank - 1;
        loop {
            if axis == 0 {
                return;
            }
            axis -= 1;
            index[axis] += 1;
            offset += input_strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            offset -= input_strides[axis] * shape[axis] as isize;
            index[axis] = 0;
        }
    }
}

/// Row-major strides as `isize`, for [`for_each_offset`].
pub fn signed_strides(shape: &[usize]) -> Vec<isize> {
    strides(shape).into_iter().map(|s| s as isize).collect()
}

/// A transpose, laid out once: the output's shape and, per output axis, the input's stride.
#[derive(Clone, Debug, PartialEq)]
pub struct Transpose {
    pub shape: Vec<usize>,
    strides: Vec<isize>,
}

impl Transpose {
    pub fn new(shape: &[usize], perm: &[usize]) -> Self {
        let own = signed_strides(shape);
        Transpose {
            shape: perm.iter().map(|&p| shape[p]).collect(),
            strides: perm.iter().map(|&p| own[p]).collect(),
        }
    }

    pub fn apply<T: Copy>(&self, input: &[T], output: &mut [T]) {
        for_each_offset(&self.shape, &self.strides, 0, |o, i| output[o] = input[i]);
    }
}

/// Concatenates `parts` (each with its shape) along `axis` into `output`.
pub fn concat<'a, T: Copy + 'a>(
    parts: impl Iterator<Item = (&'a [T], &'a [usize])> + Clone,
    axis: usize,
    output: &mut [T],
) {
    let Some((_, first)) = parts.clone().next() else {
        return;
    };
    let outer: usize = first[..axis].iter().product();
    let inner: usize = first[axis + 1..].iter().product();
    let total_axis: usize = parts.clone().map(|(_, s)| s[axis]).sum();
    let mut offset = 0;
    for (data, shape) in parts {
        let block = shape[axis] * inner;
        for o in 0..outer {
            let dst = o * total_axis * inner + offset;
            output[dst..dst + block].copy_from_slice(&data[o * block..(o + 1) * block]);
        }
        offset += block;
    }
}

/// One axis of a slice: the first index, the step (may be negative) and the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliceAxis {
    pub start: usize,
    pub step: i64,
    pub count: usize,
}

impl SliceAxis {
    pub fn whole(length: usize) -> Self {
        SliceAxis {
            start: 0,
            step: 1,
            count: length,
        }
    }

    /// ONNX Slice's clamping for one axis of `length`: negative starts and ends count from
    /// the end, then are clamped to `[0, length]` (`[−1, length − 1]` for negative steps).
    pub fn onnx(start: i64, end: i64, step: i64, length: usize) -> Self {
        let n = length as i64;
        let wrap = |v: i64| if v < 0 { v.saturating_add(n) } else { v };
        let (start, end) = (wrap(start), wrap(end));
        let (start, end) = if step > 0 {
            (start.clamp(0, n), end.clamp(0, n))
        } else {
            (start.clamp(-1, n - 1), end.clamp(-1, n - 1))
        };
        let count = match step {
            s if s > 0 && end > start => (end - start + s - 1) / s,
            s if s < 0 && start > end => (start - end - s - 1) / -s,
            _ => 0,
        };
        SliceAxis {
            start: start.max(0) as usize,
            step,
            count: count as usize,
        }
    }
}

/// A slice, laid out once: the first element read, the output's shape, and per axis the
/// input stride times the step (negative steps walk backwards; every visited index lies
/// inside the input).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub shape: Vec<usize>,
    base: isize,
    strides: Vec<isize>,
}

impl Slice {
    pub fn new(shape: &[usize], axes: &[SliceAxis]) -> Self {
        let own = signed_strides(shape);
        Slice {
            shape: axes.iter().map(|a| a.count).collect(),
            base: axes
                .iter()
                .zip(&own)
                .map(|(a, s)| a.start as isize * s)
                .sum(),
            strides: axes
                .iter()
                .zip(&own)
                .map(|(a, &s)| a.step as isize * s)
                .collect(),
        }
    }

    pub fn apply<T: Copy>(&self, input: &[T], output: &mut [T]) {
        for_each_offset(&self.shape, &self.strides, self.base, |o, i| {
            output[o] = input[i]
        });
    }
}

/// ONNX Gather: `output[outer, indices…, inner] = input[outer, indices[…], inner]`.
/// `indices` are already resolved to `0..shape[axis]`.
pub fn gather<T: Copy>(
    input: &[T],
    shape: &[usize],
    axis: usize,
    indices: &[usize],
    output: &mut [T],
) {
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let axis_len = shape[axis];
    for o in 0..outer {
        for (k, &index) in indices.iter().enumerate() {
            let src = (o * axis_len + index) * inner;
            let dst = (o * indices.len() + k) * inner;
            output[dst..dst + inner].copy_from_slice(&input[src..src + inner]);
        }
    }
}

/// ONNX Pad, laid out once: `before[axis]` and `after[axis]` elements added (a negative
/// amount crops). Constant mode writes the value; the others read the input through the
/// padding modes of definitions.md §2 (ONNX's `reflect` is padlens' reflect, `edge`
/// replicate, `wrap` circular). Per axis, the input index each output index reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Pad {
    pub shape: Vec<usize>,
    strides: Vec<usize>,
    sources: Vec<Vec<Option<usize>>>,
}

impl Pad {
    pub fn new(shape: &[usize], before: &[i64], after: &[i64], mode: PadMode) -> Self {
        let out: Vec<usize> = (0..shape.len())
            .map(|a| (shape[a] as i64 + before[a] + after[a]).max(0) as usize)
            .collect();
        let padding = mode.padding_mode();
        let sources = (0..shape.len())
            .map(|a| {
                (0..out[a])
                    .map(|o| padding.source(o as i64 - before[a], shape[a]))
                    .collect()
            })
            .collect();
        Pad {
            shape: out,
            strides: strides(shape),
            sources,
        }
    }

    pub fn apply<T: Copy>(&self, input: &[T], value: T, output: &mut [T]) {
        let rank = self.shape.len();
        let mut index = [0usize; MAX_RANK];
        for slot in output.iter_mut().take(element_count(&self.shape)) {
            let mut offset = Some(0usize);
            for ((sources, stride), &i) in self.sources.iter().zip(&self.strides).zip(&index) {
                offset = match (offset, sources[i]) {
                    (Some(o), Some(s)) => Some(o + s * stride),
                    _ => None,
                };
            }
            *slot = offset.map_or(value, |o| input[o]);
            for axis in (0..rank).rev() {
                index[axis] += 1;
                if index[axis] < self.shape[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_moves_axes() {
        let input: Vec<i64> = (0..6).collect(); // 2×3
        let mut out = vec![0; 6];
        Transpose::new(&[2, 3], &[1, 0]).apply(&input, &mut out);
        assert_eq!(out, [0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn concat_along_the_middle_axis() {
        let a: Vec<i64> = (0..4).collect(); // 2×2
        let b: Vec<i64> = (10..12).collect(); // 2×1
        let mut out = vec![0; 6];
        let parts: [(&[i64], &[usize]); 2] = [(&a, &[2, 2]), (&b, &[2, 1])];
        concat(parts.into_iter(), 1, &mut out);
        assert_eq!(out, [0, 1, 10, 2, 3, 11]);
    }

    #[test]
    fn slices_follow_onnx_clamping() {
        assert_eq!(
            SliceAxis::onnx(1, 1000, 1, 5),
            SliceAxis {
                start: 1,
                step: 1,
                count: 4
            }
        );
        assert_eq!(
            SliceAxis::onnx(-1, -1000, -1, 5),
            SliceAxis {
                start: 4,
                step: -1,
                count: 5
            }
        );
        assert_eq!(SliceAxis::onnx(0, 5, 2, 5).count, 3);
        assert_eq!(SliceAxis::onnx(3, 1, 1, 5).count, 0);
        let input: Vec<i64> = (0..10).collect(); // 2×5
        let mut out = vec![0; 4];
        Slice::new(
            &[2, 5],
            &[SliceAxis::whole(2), SliceAxis::onnx(-1, 0, -2, 5)],
        )
        .apply(&input, &mut out);
        assert_eq!(out, [4, 2, 9, 7]);
    }

    #[test]
    fn gather_takes_rows() {
        let input: Vec<i64> = (0..6).collect(); // 3×2
        let mut out = vec![0; 4];
        gather(&input, &[3, 2], 0, &[2, 0], &mut out);
        assert_eq!(out, [4, 5, 0, 1]);
    }

    #[test]
    fn pad_modes_read_like_the_padding_modes() {
        let input = [1, 2, 3];
        let mut out = vec![0; 7];
        Pad::new(&[3], &[2], &[2], PadMode::Reflect).apply(&input, 0, &mut out);
        assert_eq!(out, [3, 2, 1, 2, 3, 2, 1]);
        Pad::new(&[3], &[2], &[2], PadMode::Edge).apply(&input, 0, &mut out);
        assert_eq!(out, [1, 1, 1, 2, 3, 3, 3]);
        Pad::new(&[3], &[2], &[2], PadMode::Wrap).apply(&input, 0, &mut out);
        assert_eq!(out, [2, 3, 1, 2, 3, 1, 2]);
        Pad::new(&[3], &[2], &[2], PadMode::Constant).apply(&input, 9, &mut out);
        assert_eq!(out, [9, 9, 1, 2, 3, 9, 9]);
        let mut cropped = vec![0; 3];
        Pad::new(&[3], &[-1], &[1], PadMode::Constant).apply(&input, 9, &mut cropped);
        assert_eq!(cropped, [2, 3, 9]);
    }
}
