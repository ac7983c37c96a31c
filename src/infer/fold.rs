//! Constant folding: operators whose inputs are all known before the model runs are computed
//! once, while planning. At a fixed input size this removes all of ONNX's shape arithmetic
//! (Shape → Gather → Concat → Reshape chains that exporters emit), which padlens could not
//! run at run time anyway: run-time values are f32 only.

use super::graph::{CastTo, Op};
use super::ops::movement::{self, SliceAxis};
use super::ops::pointwise::{self, Arithmetic};
use super::tensor::{
    broadcast_shapes, broadcast_strides, element_count, normalize_axis, Data, Tensor,
};

/// Why a constant operator could not be folded: the message for a shape error.
pub type FoldError = String;

/// Whether `op` is folded when all its inputs are constants. The others (convolutions,
/// pools, matrix products…) run as steps even on constant inputs: they are rare there and
/// their kernels need no second implementation.
pub fn folds(op: &Op) -> bool {
    matches!(
        op,
        Op::Binary(_)
            | Op::Unary(_)
            | Op::Clip
            | Op::Concat { .. }
            | Op::Flatten { .. }
            | Op::Reshape { .. }
            | Op::Transpose { .. }
            | Op::Squeeze
            | Op::Unsqueeze
            | Op::Gather { .. }
            | Op::Slice
            | Op::ConstantOfShape { .. }
            | Op::Identity
            | Op::Cast { .. }
    )
}

/// Applies `f` to the data whatever its element type.
macro_rules! with_data {
    ($tensor:expr, |$v:ident| $body:expr) => {
        match &$tensor.data {
            Data::F32($v) => Data::F32($body),
            Data::I64($v) => Data::I64($body),
        }
    };
}

/// Output shape of Reshape: `0` copies the input's dimension (unless `allow_zero`), `-1` is
/// inferred from the element count.
pub fn reshaped(
    input: &[usize],
    target: &[i64],
    allow_zero: bool,
) -> Result<Vec<usize>, FoldError> {
    let mut shape = Vec::with_capacity(target.len());
    let mut inferred = None;
    for (axis, &dim) in target.iter().enumerate() {
        match dim {
            -1 if inferred.is_none() => {
                inferred = Some(axis);
                shape.push(1);
            }
            0 if !allow_zero => shape.push(*input.get(axis).ok_or_else(|| {
                format!("Reshape's 0 at axis {axis} copies a dimension the input does not have")
            })?),
            d if d >= 0 => shape.push(d as usize),
            _ => {
                return Err(format!(
                    "Reshape to {target:?}: at most one -1, no other negative"
                ))
            }
        }
    }
    let count = element_count(input);
    if let Some(axis) = inferred {
        let rest = element_count(&shape);
        if rest == 0 || count % rest != 0 {
            return Err(format!(
                "Reshape to {target:?}: {count} elements do not divide into that shape"
            ));
        }
        shape[axis] = count / rest;
    }
    if element_count(&shape) != count {
        return Err(format!(
            "Reshape to {target:?}: the input has {count} elements, the shape {}",
            element_count(&shape)
        ));
    }
    Ok(shape)
}

/// Output shape of Squeeze (`axes` empty: every axis of length 1).
pub fn squeezed(input: &[usize], axes: &[i64]) -> Result<Vec<usize>, FoldError> {
    let rank = input.len();
    let axes = resolve_axes(axes, rank)?;
    for &axis in &axes {
        if input[axis] != 1 {
            return Err(format!(
                "Squeeze of axis {axis}, which has length {}",
                input[axis]
            ));
        }
    }
    Ok(input
        .iter()
        .enumerate()
        .filter(|(axis, &d)| {
            if axes.is_empty() {
                d != 1
            } else {
                !axes.contains(axis)
            }
        })
        .map(|(_, &d)| d)
        .collect())
}

/// Output shape of Unsqueeze: the axes count in the output's rank.
pub fn unsqueezed(input: &[usize], axes: &[i64]) -> Result<Vec<usize>, FoldError> {
    let rank = input.len() + axes.len();
    let axes = resolve_axes(axes, rank)?;
    let mut dims = input.iter();
    Ok((0..rank)
        .map(|axis| {
            if axes.contains(&axis) {
                1
            } else {
                *dims.next().unwrap_or(&1)
            }
        })
        .collect())
}

/// Output shape of Flatten: the axes before `axis` and from it on, each multiplied out.
pub fn flattened(input: &[usize], axis: i64) -> Result<Vec<usize>, FoldError> {
    let rank = input.len() as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0..=rank).contains(&axis) {
        return Err(format!("Flatten axis {axis} for a rank-{rank} input"));
    }
    let axis = axis as usize;
    Ok(vec![
        element_count(&input[..axis]),
        element_count(&input[axis..]),
    ])
}

fn resolve_axes(axes: &[i64], rank: usize) -> Result<Vec<usize>, FoldError> {
    let mut resolved: Vec<usize> = axes
        .iter()
        .map(|&a| normalize_axis(a, rank).ok_or_else(|| format!("axis {a} for rank {rank}")))
        .collect::<Result<_, _>>()?;
    resolved.sort_unstable();
    let before = resolved.len();
    resolved.dedup();
    if resolved.len() != before {
        return Err(format!("axes {axes:?} repeat an axis"));
    }
    Ok(resolved)
}

/// A transpose's permutation: the given one (checked) or the reversed axes.
pub fn permutation(perm: &Option<Vec<usize>>, rank: usize) -> Result<Vec<usize>, FoldError> {
    match perm {
        None => Ok((0..rank).rev().collect()),
        Some(p) => {
            let mut sorted = p.clone();
            sorted.sort_unstable();
            if sorted != (0..rank).collect::<Vec<_>>() {
                return Err(format!("perm {p:?} is not a permutation of {rank} axes"));
            }
            Ok(p.clone())
        }
    }
}

/// Resolves Slice's parameters for a tensor of `shape` into one [`SliceAxis`] per axis.
pub fn slice_axes(
    shape: &[usize],
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> Result<Vec<SliceAxis>, FoldError> {
    let rank = shape.len();
    let default_axes: Vec<i64> = (0..starts.len() as i64).collect();
    let axes = axes.unwrap_or(&default_axes);
    if ends.len() != starts.len() || axes.len() != starts.len() {
        return Err(format!(
            "Slice with {} starts, {} ends and {} axes",
            starts.len(),
            ends.len(),
            axes.len()
        ));
    }
    let mut result: Vec<SliceAxis> = shape.iter().map(|&n| SliceAxis::whole(n)).collect();
    for (k, &axis) in axes.iter().enumerate() {
        let a = normalize_axis(axis, rank)
            .ok_or_else(|| format!("Slice axis {axis} for rank {rank}"))?;
        let step = steps.map_or(1, |s| s.get(k).copied().unwrap_or(1));
        if step == 0 {
            return Err("Slice with a step of 0".to_owned());
        }
        result[a] = SliceAxis::onnx(starts[k], ends[k], step, shape[a]);
    }
    Ok(result)
}

/// Gather's indices, negative ones counted from the end, checked against the axis length.
pub fn gather_indices(indices: &[i64], length: usize) -> Result<Vec<usize>, FoldError> {
    indices
        .iter()
        .map(|&i| {
            let resolved = if i < 0 { i + length as i64 } else { i };
            usize::try_from(resolved)
                .ok()
                .filter(|&r| r < length)
                .ok_or_else(|| format!("Gather index {i} is outside an axis of length {length}"))
        })
        .collect()
}

/// Computes a folded operator. `inputs` has `None` for an optional input left out.
pub fn fold(op: &Op, inputs: &[Option<&Tensor>]) -> Result<Tensor, FoldError> {
    let input = |k: usize| -> Result<&Tensor, FoldError> {
        inputs
            .get(k)
            .copied()
            .flatten()
            .ok_or_else(|| format!("input {k} is missing"))
    };
    let x = input(0);
    match op {
        Op::Binary(binary) => {
            let (a, b) = (input(0)?, input(1)?);
            let shape = broadcast_shapes(&a.shape, &b.shape).ok_or_else(|| {
                format!("shapes {:?} and {:?} do not broadcast", a.shape, b.shape)
            })?;
            let (sa, sb) = (
                broadcast_strides(&a.shape, &shape),
                broadcast_strides(&b.shape, &shape),
            );
            let count = element_count(&shape);
            let data = match (&a.data, &b.data) {
                (Data::I64(x), Data::I64(y)) => {
                    Data::I64(compute(*binary, x, &sa, y, &sb, &shape, count))
                }
                _ => Data::F32(compute(
                    *binary,
                    &a.to_f32(),
                    &sa,
                    &b.to_f32(),
                    &sb,
                    &shape,
                    count,
                )),
            };
            Ok(Tensor { shape, data })
        }
        Op::Unary(unary) => {
            let x = x?;
            Ok(Tensor::f32(
                x.shape.clone(),
                x.to_f32()
                    .into_iter()
                    .map(|v| pointwise::unary(*unary, v))
                    .collect(),
            ))
        }
        Op::Clip => {
            let x = x?;
            let bound = |k: usize, default: f32| {
                inputs
                    .get(k)
                    .copied()
                    .flatten()
                    .and_then(Tensor::scalar_f32)
                    .unwrap_or(default)
            };
            let (min, max) = (bound(1, f32::MIN), bound(2, f32::MAX));
            Ok(match &x.data {
                Data::F32(v) => Tensor::f32(
                    x.shape.clone(),
                    v.iter().map(|&v| v.max(min).min(max)).collect(),
                ),
                Data::I64(v) => Tensor::i64(
                    x.shape.clone(),
                    v.iter().map(|&v| v.clamp(min as i64, max as i64)).collect(),
                ),
            })
        }
        Op::Identity => Ok(x?.clone()),
        Op::Cast { to } => {
            let x = x?;
            Ok(match to {
                CastTo::Float => Tensor::f32(x.shape.clone(), x.to_f32()),
                CastTo::Int64 => Tensor::i64(x.shape.clone(), x.to_i64()),
            })
        }
        Op::Flatten { axis } => {
            let x = x?;
            Ok(Tensor {
                shape: flattened(&x.shape, *axis)?,
                data: x.data.clone(),
            })
        }
        Op::Reshape { allow_zero } => {
            let x = x?;
            Ok(Tensor {
                shape: reshaped(&x.shape, &input(1)?.to_i64(), *allow_zero)?,
                data: x.data.clone(),
            })
        }
        Op::Squeeze => {
            let x = x?;
            let axes = inputs
                .get(1)
                .copied()
                .flatten()
                .map(Tensor::to_i64)
                .unwrap_or_default();
            Ok(Tensor {
                shape: squeezed(&x.shape, &axes)?,
                data: x.data.clone(),
            })
        }
        Op::Unsqueeze => {
            let x = x?;
            Ok(Tensor {
                shape: unsqueezed(&x.shape, &input(1)?.to_i64())?,
                data: x.data.clone(),
            })
        }
        Op::Transpose { perm } => {
            let x = x?;
            let perm = permutation(perm, x.shape.len())?;
            let layout = movement::Transpose::new(&x.shape, &perm);
            let data = with_data!(x, |v| {
                let mut out = v.clone();
                layout.apply(v, &mut out);
                out
            });
            Ok(Tensor {
                shape: layout.shape,
                data,
            })
        }
        Op::Concat { axis } => {
            let parts: Vec<&Tensor> = inputs.iter().flatten().copied().collect();
            let first = parts.first().ok_or("Concat of nothing")?;
            let rank = first.shape.len();
            let axis = normalize_axis(*axis, rank)
                .ok_or_else(|| format!("Concat axis {axis} for rank {rank}"))?;
            let shape = concat_shape(parts.iter().map(|p| p.shape.as_slice()), axis)?;
            let data = if parts.iter().all(|p| p.dtype() == super::tensor::DType::I64) {
                let values: Vec<Vec<i64>> = parts.iter().map(|p| p.to_i64()).collect();
                let mut out = vec![0; element_count(&shape)];
                let views = values
                    .iter()
                    .zip(&parts)
                    .map(|(v, p)| (v.as_slice(), p.shape.as_slice()));
                movement::concat(views, axis, &mut out);
                Data::I64(out)
            } else {
                let values: Vec<Vec<f32>> = parts.iter().map(|p| p.to_f32()).collect();
                let mut out = vec![0.0; element_count(&shape)];
                let views = values
                    .iter()
                    .zip(&parts)
                    .map(|(v, p)| (v.as_slice(), p.shape.as_slice()));
                movement::concat(views, axis, &mut out);
                Data::F32(out)
            };
            Ok(Tensor { shape, data })
        }
        Op::Gather { axis } => {
            let (x, indices) = (x?, input(1)?);
            let rank = x.shape.len();
            let axis = normalize_axis(*axis, rank)
                .ok_or_else(|| format!("Gather axis {axis} for rank {rank}"))?;
            let resolved = gather_indices(&indices.to_i64(), x.shape[axis])?;
            let shape: Vec<usize> = x.shape[..axis]
                .iter()
                .chain(&indices.shape)
                .chain(&x.shape[axis + 1..])
                .copied()
                .collect();
            let count = element_count(&shape);
            let data = with_data!(x, |v| {
                let mut out = vec![v.first().copied().unwrap_or_default(); count];
                movement::gather(v, &x.shape, axis, &resolved, &mut out);
                out
            });
            Ok(Tensor { shape, data })
        }
        Op::Slice => {
            let x = x?;
            let optional = |k: usize| inputs.get(k).copied().flatten().map(Tensor::to_i64);
            let (axes, steps) = (optional(3), optional(4));
            let plan = slice_axes(
                &x.shape,
                &input(1)?.to_i64(),
                &input(2)?.to_i64(),
                axes.as_deref(),
                steps.as_deref(),
            )?;
            let layout = movement::Slice::new(&x.shape, &plan);
            let count = element_count(&layout.shape);
            let data = with_data!(x, |v| {
                let mut out = vec![v.first().copied().unwrap_or_default(); count];
                layout.apply(v, &mut out);
                out
            });
            Ok(Tensor {
                shape: layout.shape,
                data,
            })
        }
        Op::ConstantOfShape { value } => {
            let dims = input(0)?.to_i64();
            let shape: Vec<usize> = dims
                .iter()
                .map(|&d| {
                    usize::try_from(d).map_err(|_| format!("ConstantOfShape with dimension {d}"))
                })
                .collect::<Result<_, _>>()?;
            let count = element_count(&shape);
            Ok(match &value.data {
                Data::F32(v) => Tensor::f32(shape, vec![v[0]; count]),
                Data::I64(v) => Tensor::i64(shape, vec![v[0]; count]),
            })
        }
        _ => Err(format!("{op:?} is not folded")),
    }
}

/// Shape of a concatenation along `axis`; every other axis must agree.
pub fn concat_shape<'a>(
    mut shapes: impl Iterator<Item = &'a [usize]>,
    axis: usize,
) -> Result<Vec<usize>, FoldError> {
    let first = shapes.next().ok_or("Concat of nothing")?;
    let mut shape = first.to_vec();
    for other in shapes {
        let agrees = other.len() == first.len()
            && (0..first.len()).all(|a| a == axis || other[a] == first[a]);
        if !agrees {
            return Err(format!(
                "Concat along axis {axis} of shapes {first:?} and {other:?}, which differ elsewhere"
            ));
        }
        shape[axis] += other[axis];
    }
    Ok(shape)
}

fn compute<T: Arithmetic + Default>(
    op: super::graph::Binary,
    a: &[T],
    sa: &[usize],
    b: &[T],
    sb: &[usize],
    shape: &[usize],
    count: usize,
) -> Vec<T> {
    let mut out = vec![T::default(); count];
    pointwise::binary(op, a, sa, b, sb, shape, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_rules() {
        assert_eq!(reshaped(&[2, 3, 4], &[0, -1], false).unwrap(), [2, 12]);
        assert_eq!(reshaped(&[2, 3, 4], &[-1], false).unwrap(), [24]);
        assert!(reshaped(&[2, 3, 4], &[5, -1], false).is_err());
        assert!(reshaped(&[2, 3, 4], &[-1, -1], false).is_err());
        assert_eq!(reshaped(&[0, 3], &[0, 3], true).unwrap(), [0, 3]);
    }

    #[test]
    fn shape_chain_folds() {
        // Shape → Gather(0) → Unsqueeze → Concat([.., -1]) → Reshape: torch's flatten.
        let dims = Tensor::i64(vec![4], vec![1, 512, 7, 7]);
        let first = fold(
            &Op::Gather { axis: 0 },
            &[Some(&dims), Some(&Tensor::i64(vec![], vec![0]))],
        )
        .unwrap();
        assert_eq!(first, Tensor::i64(vec![], vec![1]));
        let unsq = fold(
            &Op::Unsqueeze,
            &[Some(&first), Some(&Tensor::i64(vec![1], vec![0]))],
        )
        .unwrap();
        let target = fold(
            &Op::Concat { axis: 0 },
            &[Some(&unsq), Some(&Tensor::i64(vec![1], vec![-1]))],
        )
        .unwrap();
        assert_eq!(target, Tensor::i64(vec![2], vec![1, -1]));
        assert_eq!(
            reshaped(&[1, 512, 7, 7], &target.to_i64(), false).unwrap(),
            [1, 25088]
        );
    }

    #[test]
    fn squeeze_and_unsqueeze() {
        assert_eq!(squeezed(&[1, 3, 1, 5], &[]).unwrap(), [3, 5]);
        assert_eq!(squeezed(&[1, 3, 1, 5], &[-2]).unwrap(), [1, 3, 5]);
        assert!(squeezed(&[1, 3], &[1]).is_err());
        assert_eq!(unsqueezed(&[3, 4], &[0, -1]).unwrap(), [1, 3, 4, 1]);
        assert_eq!(flattened(&[2, 3, 4], 0).unwrap(), [1, 24]);
    }
}
