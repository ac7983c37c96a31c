//! Operators that move data without arithmetic: Transpose, Concat, Slice, Gather, Pad and
//! broadcasting. Generic over the element type, so one implementation serves f32 activations
//! at run time and i64 shape arithmetic folded on import.

use crate::infer::graph::PadMode;
use crate::infer::tensor::{element_count, strides};
use crate::padding::PaddingMode;

/// Calls `visit(output_index, input_offset)` for every element of an output of `shape`, where
/// the input offset advances by `input_strides` per axis. The innermost axis runs as a plain
/// loop; the outer ones as an odometer.
pub fn for_each_offset(
    shape: &[usize],
    input_strides: &[usize],
    mut visit: impl FnMut(usize, usize),
) {
    let count = element_count(shape);
    if count == 0 {
        return;
    }
    let rank = shape.len();
    if rank == 0 {
        visit(0, 0);
        return;
    }
    let inner = shape[rank - 1];
    let inner_stride = input_strides[rank - 1];
    let mut index = vec![0usize; rank - 1];
    let mut base = 0usize;
    let mut out = 0usize;
    loop {
        for i in 0..inner {
            visit(out + i, base + i * inner_stride);
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
            base += input_strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            base -= input_strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
}

/// Output shape of a transpose.
pub fn transposed_shape(shape: &[usize], perm: &[usize]) -> Vec<usize> {
    perm.iter().map(|&p| shape[p]).collect()
}

/// `output = input.transpose(perm)`.
pub fn transpose<T: Copy>(input: &[T], shape: &[usize], perm: &[usize], output: &mut [T]) {
    let in_strides = strides(shape);
    let out_shape = transposed_shape(shape, perm);
    let permuted: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    for_each_offset(&out_shape, &permuted, |o, i| output[o] = input[i]);
}

/// Concatenates `parts` (each with its shape) along `axis` into `output`.
pub fn concat<T: Copy>(parts: &[(&[T], &[usize])], axis: usize, output: &mut [T]) {
    let Some((_, first)) = parts.first() else {
        return;
    };
    let outer: usize = first[..axis].iter().product();
    let total_axis: usize = parts.iter().map(|(_, s)| s[axis]).sum();
    let inner: usize = first[axis + 1..].iter().product();
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

/// `output = input[slices]`, one [`SliceAxis`] per axis.
pub fn slice<T: Copy>(input: &[T], shape: &[usize], axes: &[SliceAxis], output: &mut [T]) {
    let in_strides = strides(shape);
    let out_shape: Vec<usize> = axes.iter().map(|a| a.count).collect();
    if element_count(&out_shape) == 0 {
        return;
    }
    let base: usize = axes.iter().zip(&in_strides).map(|(a, s)| a.start * s).sum();
    // Negative steps walk backwards: offsets are computed in i64 and stay in range because
    // every visited index lies inside the input.
    let steps: Vec<i64> = axes
        .iter()
        .zip(&in_strides)
        .map(|(a, &s)| a.step * s as i64)
        .collect();
    let mut index = vec![0usize; shape.len()];
    for value in output.iter_mut().take(element_count(&out_shape)) {
        let offset = base as i64
            + index
                .iter()
                .zip(&steps)
                .map(|(&i, &s)| i as i64 * s)
                .sum::<i64>();
        *value = input[offset as usize];
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < out_shape[axis] {
                break;
            }
            index[axis] = 0;
        }
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

/// ONNX Pad: `before[axis]` and `after[axis]` elements added (a negative amount crops).
/// Constant mode writes `value`; the others read the input through the padding modes of
/// definitions.md §2 (ONNX's `reflect` is padlens' reflect, `edge` replicate, `wrap` circular).
pub fn pad<T: Copy>(
    input: &[T],
    shape: &[usize],
    before: &[i64],
    after: &[i64],
    mode: PadMode,
    value: T,
    output: &mut [T],
) {
    let out_shape: Vec<usize> = (0..shape.len())
        .map(|a| (shape[a] as i64 + before[a] + after[a]).max(0) as usize)
        .collect();
    let padding = match mode {
        PadMode::Constant => PaddingMode::Zeros,
        PadMode::Reflect => PaddingMode::Reflect,
        PadMode::Edge => PaddingMode::Replicate,
        PadMode::Wrap => PaddingMode::Circular,
    };
    // Per axis, the input index each output index reads (None: the constant).
    let sources: Vec<Vec<Option<usize>>> = (0..shape.len())
        .map(|a| {
            (0..out_shape[a])
                .map(|o| padding.source(o as i64 - before[a], shape[a]))
                .collect()
        })
        .collect();
    let in_strides = strides(shape);
    let mut index = vec![0usize; shape.len()];
    for slot in output.iter_mut().take(element_count(&out_shape)) {
        let mut offset = Some(0usize);
        for (axis, &i) in index.iter().enumerate() {
            offset = match (offset, sources[axis][i]) {
                (Some(o), Some(s)) => Some(o + s * in_strides[axis]),
                _ => None,
            };
        }
        *slot = offset.map_or(value, |o| input[o]);
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < out_shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
}

/// `output = input` broadcast to `target` (ONNX's Expand, and binary operators' operands).
pub fn broadcast_into<T: Copy>(
    input: &[T],
    input_strides: &[usize],
    target: &[usize],
    output: &mut [T],
) {
    for_each_offset(target, input_strides, |o, i| output[o] = input[i]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_moves_axes() {
        let input: Vec<i64> = (0..6).collect(); // 2×3
        let mut out = vec![0; 6];
        transpose(&input, &[2, 3], &[1, 0], &mut out);
        assert_eq!(out, [0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn concat_along_the_middle_axis() {
        let a: Vec<i64> = (0..4).collect(); // 2×2
        let b: Vec<i64> = (10..12).collect(); // 2×1
        let mut out = vec![0; 6];
        concat(&[(&a, &[2, 2]), (&b, &[2, 1])], 1, &mut out);
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
        slice(
            &input,
            &[2, 5],
            &[SliceAxis::whole(2), SliceAxis::onnx(-1, 0, -2, 5)],
            &mut out,
        );
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
        pad(&input, &[3], &[2], &[2], PadMode::Reflect, 0, &mut out);
        assert_eq!(out, [3, 2, 1, 2, 3, 2, 1]);
        pad(&input, &[3], &[2], &[2], PadMode::Edge, 0, &mut out);
        assert_eq!(out, [1, 1, 1, 2, 3, 3, 3]);
        pad(&input, &[3], &[2], &[2], PadMode::Wrap, 0, &mut out);
        assert_eq!(out, [2, 3, 1, 2, 3, 1, 2]);
        pad(&input, &[3], &[2], &[2], PadMode::Constant, 9, &mut out);
        assert_eq!(out, [9, 9, 1, 2, 3, 9, 9]);
        let mut cropped = vec![0; 3];
        pad(
            &input,
            &[3],
            &[-1],
            &[1],
            PadMode::Constant,
            9,
            &mut cropped,
        );
        assert_eq!(cropped, [2, 3, 9]);
    }

    #[test]
    fn broadcasting_repeats() {
        let mut out = vec![0; 6];
        broadcast_into(&[1, 2, 3], &[0, 1], &[2, 3], &mut out);
        assert_eq!(out, [1, 2, 3, 1, 2, 3]);
    }
}
