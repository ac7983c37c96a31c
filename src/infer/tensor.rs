//! Tensors: a shape and row-major data. Runtime values are f32; constants may also be i64
//! (shapes, indices, axes), which is what ONNX's shape arithmetic computes with.

use std::fmt;

/// The element types padlens computes with. ONNX's other float types are converted to f32 on
/// import (float16, bfloat16, double), its other integer types to i64.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Data,
}

/// The element type of a [`Data`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    I64,
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "float32",
            DType::I64 => "int64",
        })
    }
}

impl Data {
    pub fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::I64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dtype(&self) -> DType {
        match self {
            Data::F32(_) => DType::F32,
            Data::I64(_) => DType::I64,
        }
    }
}

impl Tensor {
    pub fn f32(shape: Vec<usize>, values: Vec<f32>) -> Self {
        debug_assert_eq!(element_count(&shape), values.len());
        Tensor {
            shape,
            data: Data::F32(values),
        }
    }

    pub fn i64(shape: Vec<usize>, values: Vec<i64>) -> Self {
        debug_assert_eq!(element_count(&shape), values.len());
        Tensor {
            shape,
            data: Data::I64(values),
        }
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The values as f32 (integers converted), for parameters such as Clip's bounds.
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            Data::F32(v) => v.clone(),
            Data::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// The values as i64 (floats truncated), for shapes, axes and indices.
    pub fn to_i64(&self) -> Vec<i64> {
        match &self.data {
            Data::I64(v) => v.clone(),
            Data::F32(v) => v.iter().map(|&x| x as i64).collect(),
        }
    }

    /// The single value of a one-element tensor, as f32.
    pub fn scalar_f32(&self) -> Option<f32> {
        (self.len() == 1).then(|| self.to_f32()[0])
    }
}

/// Number of elements of a shape (1 for a scalar).
pub fn element_count(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides of a shape, in elements.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    strides
}

/// `[2, 3, 4]` as "2×3×4"; a scalar as "scalar".
pub fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "scalar".to_owned();
    }
    shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("×")
}

/// ONNX's multidirectional (NumPy) broadcast of two shapes, or `None` when they disagree.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |shape: &[usize], axis: usize| {
        let offset = rank - shape.len();
        if axis < offset {
            1
        } else {
            shape[axis - offset]
        }
    };
    (0..rank)
        .map(|axis| match (dim(a, axis), dim(b, axis)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// Strides for reading a tensor of `shape` as if it had the (broadcast) shape `target`:
/// broadcast axes get stride 0. `shape` must broadcast to `target`.
pub fn broadcast_strides(shape: &[usize], target: &[usize]) -> Vec<usize> {
    let own = strides(shape);
    let offset = target.len() - shape.len();
    (0..target.len())
        .map(|axis| {
            if axis < offset || shape[axis - offset] == 1 {
                0
            } else {
                own[axis - offset]
            }
        })
        .collect()
}

/// An axis attribute that may count from the end (`-1` is the last), resolved for `rank`.
pub fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let rank = rank as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    (0..rank).contains(&axis).then_some(axis as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast_shapes(&[1, 3, 4, 4], &[3, 1, 1]),
            Some(vec![1, 3, 4, 4])
        );
        assert_eq!(broadcast_shapes(&[2, 1], &[1, 5]), Some(vec![2, 5]));
        assert_eq!(broadcast_shapes(&[], &[2, 3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[1, 3, 4, 4], &[1, 5, 4, 4]), None);
        assert_eq!(broadcast_strides(&[3, 1, 1], &[1, 3, 4, 4]), [0, 1, 0, 0]);
        assert_eq!(strides(&[2, 3, 4]), [12, 4, 1]);
        assert_eq!(normalize_axis(-1, 4), Some(3));
        assert_eq!(normalize_axis(4, 4), None);
        assert_eq!(shape_text(&[1, 3, 224, 224]), "1×3×224×224");
    }
}
