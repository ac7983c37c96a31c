//! Activations fused into the kernels' last write, so the engine needs no separate pass.

use super::simd::{pmax, pmin, F32x4};

/// Applied per element after the bias.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    #[default]
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// ONNX `Clip`: `min(max(x, min), max)` (ReLU6 is `Clip { min: 0, max: 6 }`).
    Clip { min: f32, max: f32 },
    /// `x` for `x ≥ 0`, `alpha·x` below.
    LeakyRelu { alpha: f32 },
}

impl Activation {
    /// One element. The comparisons are WebAssembly's pseudo-min/max ([`pmax`]), the same as
    /// the vector form, so both give the same bits (a NaN input stays NaN through ReLU).
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Identity => x,
            Activation::Relu => pmax(x, 0.0),
            Activation::Clip { min, max } => pmin(pmax(x, min), max),
            // max(x, 0) + alpha·min(x, 0): exact for both signs (one of the terms is 0), and
            // branch-free in the vector form.
            Activation::LeakyRelu { alpha } => pmax(x, 0.0) + alpha * pmin(x, 0.0),
        }
    }

    /// Four elements.
    #[inline(always)]
    pub fn apply_vec(self, x: F32x4) -> F32x4 {
        match self {
            Activation::Identity => x,
            Activation::Relu => x.pmax(F32x4::zero()),
            Activation::Clip { min, max } => x.pmax(F32x4::splat(min)).pmin(F32x4::splat(max)),
            Activation::LeakyRelu { alpha } => x
                .pmax(F32x4::zero())
                .mul_add(F32x4::splat(alpha), x.pmin(F32x4::zero())),
        }
    }

    /// Applies the activation to every element of `values` in place.
    pub fn apply_slice(self, values: &mut [f32]) {
        if self == Activation::Identity {
            return;
        }
        let mut chunks = values.chunks_exact_mut(4);
        for chunk in &mut chunks {
            if let Some(lanes) = chunk.first_chunk_mut::<4>() {
                self.apply_vec(F32x4::load(lanes)).store(lanes);
            }
        }
        for x in chunks.into_remainder() {
            *x = self.apply(*x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_and_vector_agree() {
        let xs = [-3.5f32, -0.0, 0.0, 2.25, 7.0, -1e-30, 1e30, -6.5];
        for act in [
            Activation::Identity,
            Activation::Relu,
            Activation::Clip { min: 0.0, max: 6.0 },
            Activation::Clip {
                min: -1.0,
                max: 1.5,
            },
            Activation::LeakyRelu { alpha: 0.1 },
        ] {
            let mut v = xs;
            act.apply_slice(&mut v);
            for (x, y) in xs.iter().zip(v) {
                assert_eq!(act.apply(*x).to_bits(), y.to_bits(), "{act:?} at {x}");
            }
        }
        assert_eq!(Activation::Relu.apply(-2.0), 0.0);
        assert_eq!(Activation::Clip { min: 0.0, max: 6.0 }.apply(7.0), 6.0);
        assert_eq!(Activation::LeakyRelu { alpha: 0.1 }.apply(-2.0), -0.2);
        assert_eq!(Activation::LeakyRelu { alpha: 0.1 }.apply(3.0), 3.0);
    }
}
