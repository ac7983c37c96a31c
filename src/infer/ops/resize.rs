//! Resize and Upsample: nearest and linear, one axis at a time. Each resized axis gets a table
//! of where its outputs read (ONNX Resize's coordinate transforms and rounding); an N-linear
//! interpolation is the product of 1-D ones, so applying the axes in turn is exact up to
//! rounding.

#[cfg(test)]
use crate::infer::graph::AspectPolicy;
use crate::infer::graph::{CoordinateTransform, NearestRounding, Resize, ResizeMode};

/// Where one output position of a resized axis reads: two input positions and their weights
/// (nearest: one position with weight 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tap {
    pub first: usize,
    pub second: usize,
    pub first_weight: f32,
    pub second_weight: f32,
}

/// The input coordinate of output position `x` (ONNX Resize's
/// `coordinate_transformation_mode`), with `scale` the factor the model gave (or out ÷ in).
/// ONNX measures the resized length as `scale · input`, a real number: with scales that do
/// not divide evenly, align_corners stretches to it, not to the whole pixels of the output.
fn source_coordinate(
    transform: CoordinateTransform,
    x: usize,
    scale: f64,
    input: usize,
    output: usize,
) -> f64 {
    let x = x as f64;
    let resized = scale * input as f64;
    match transform {
        CoordinateTransform::HalfPixel => (x + 0.5) / scale - 0.5,
        CoordinateTransform::HalfPixelSymmetric => {
            let adjustment = output as f64 / resized;
            let centre = input as f64 / 2.0;
            centre * (1.0 - adjustment) + (x + 0.5) / scale - 0.5
        }
        CoordinateTransform::PytorchHalfPixel if resized == 1.0 => 0.0,
        CoordinateTransform::PytorchHalfPixel => (x + 0.5) / scale - 0.5,
        CoordinateTransform::AlignCorners if resized == 1.0 => 0.0,
        CoordinateTransform::AlignCorners => x * (input as f64 - 1.0) / (resized - 1.0),
        CoordinateTransform::Asymmetric => x / scale,
    }
}

fn round(rounding: NearestRounding, x: f64, shrinking: bool) -> f64 {
    match rounding {
        NearestRounding::RoundPreferFloor if x.fract() == 0.5 => x.floor(),
        NearestRounding::RoundPreferCeil if x.fract() == 0.5 => x.ceil(),
        NearestRounding::RoundPreferFloor | NearestRounding::RoundPreferCeil => x.round(),
        NearestRounding::Floor => x.floor(),
        NearestRounding::Ceil => x.ceil(),
        NearestRounding::Legacy if shrinking => x.ceil(),
        NearestRounding::Legacy => x.trunc(),
    }
}

/// The taps of one axis resized from `input` to `output` positions.
pub fn axis_taps(resize: &Resize, input: usize, output: usize, scale: f64) -> Vec<Tap> {
    let last = input as f64 - 1.0;
    (0..output)
        .map(|x| {
            let source = source_coordinate(resize.transform, x, scale, input, output);
            match resize.mode {
                ResizeMode::Nearest => {
                    let index = round(resize.rounding, source, scale < 1.0).clamp(0.0, last);
                    Tap {
                        first: index as usize,
                        second: index as usize,
                        first_weight: 1.0,
                        second_weight: 0.0,
                    }
                }
                ResizeMode::Linear => {
                    // Outside the input the edge value holds (ONNX's reference pads with the
                    // edge; ONNX Runtime clamps the coordinate: the same).
                    let source = source.clamp(0.0, last);
                    let first = source.floor();
                    let fraction = (source - first) as f32;
                    let first = first as usize;
                    Tap {
                        first,
                        second: (first + 1).min(input - 1),
                        first_weight: 1.0 - fraction,
                        second_weight: fraction,
                    }
                }
            }
        })
        .collect()
}

/// Resizes `axis` of a tensor of `shape` through `taps` (one per output position) into
/// `output`, whose shape is `shape` with `taps.len()` on that axis.
pub fn resize_axis(input: &[f32], shape: &[usize], axis: usize, taps: &[Tap], output: &mut [f32]) {
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let length = shape[axis];
    for o in 0..outer {
        let src = &input[o * length * inner..(o + 1) * length * inner];
        let dst = &mut output[o * taps.len() * inner..(o + 1) * taps.len() * inner];
        for (tap, row) in taps.iter().zip(dst.chunks_exact_mut(inner)) {
            let a = &src[tap.first * inner..(tap.first + 1) * inner];
            if tap.second_weight == 0.0 {
                row.copy_from_slice(a);
            } else {
                let b = &src[tap.second * inner..(tap.second + 1) * inner];
                for ((r, &x), &y) in row.iter_mut().zip(a).zip(b) {
                    *r = x * tap.first_weight + y * tap.second_weight;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resize(mode: ResizeMode, transform: CoordinateTransform) -> Resize {
        Resize {
            mode,
            transform,
            rounding: NearestRounding::RoundPreferFloor,
            axes: None,
            aspect: AspectPolicy::Stretch,
        }
    }

    #[test]
    fn nearest_doubling_repeats_each_pixel() {
        let r = resize(ResizeMode::Nearest, CoordinateTransform::Asymmetric);
        let taps = axis_taps(&r, 2, 4, 2.0);
        let firsts: Vec<usize> = taps.iter().map(|t| t.first).collect();
        assert_eq!(firsts, [0, 0, 1, 1]);
    }

    #[test]
    fn linear_half_pixel_matches_pytorch_bilinear() {
        // torch.nn.functional.interpolate([1, 2, 3, 4], scale_factor=2, mode="linear",
        // align_corners=False) = [1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4].
        let r = resize(ResizeMode::Linear, CoordinateTransform::HalfPixel);
        let taps = axis_taps(&r, 4, 8, 2.0);
        let mut out = vec![0.0; 8];
        resize_axis(&[1.0, 2.0, 3.0, 4.0], &[4], 0, &taps, &mut out);
        assert_eq!(out, [1.0, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.0]);
    }
}
