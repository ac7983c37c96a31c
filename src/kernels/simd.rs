//! The one vector type the kernels are written against: four f32 lanes.
//!
//! Chosen at compile time: on `wasm32` with `simd128` (turned on by `.cargo/config.toml`) it
//! wraps `core::arch::wasm32::v128`; elsewhere it is a plain `[f32; 4]` whose element-wise
//! loops LLVM turns into SSE/NEON instructions by itself. Four lanes everywhere keeps one
//! micro-kernel shape for both builds, so the native property tests exercise the very loops
//! the browser runs (only the lane operations differ, and those are one line each).
//!
//! Comparisons follow WebAssembly's `pmin`/`pmax` ("pseudo" min/max: `b < a ? b : a`), not
//! IEEE `min`/`max`: V8 compiles `f32x4.pmax` to one `maxps`, while `f32x4.max` needs a
//! NaN- and ±0-fixing sequence of about six instructions. The scalar references use the same
//! comparison ([`pmax`], [`pmin`]), so fast and reference agree bit for bit on every input.

/// `a < b ? b : a`, WebAssembly's `f32x4.pmax` on one lane (a NaN `a` is kept, a NaN `b` is not).
#[inline(always)]
pub fn pmax(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

/// `b < a ? b : a`, WebAssembly's `f32x4.pmin` on one lane.
#[inline(always)]
pub fn pmin(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{
        f32x4_add, f32x4_div, f32x4_extract_lane, f32x4_mul, f32x4_pmax, f32x4_pmin, f32x4_splat,
        i32x4_shuffle, v128, v128_load, v128_load32_splat, v128_store,
    };

    /// Four f32 lanes in one WebAssembly `v128`.
    #[derive(Clone, Copy, Debug)]
    pub struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4(f32x4_splat(0.0))
        }

        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4(f32x4_splat(x))
        }

        /// Broadcasts `*x`: one `v128.load32_splat`, which V8 turns into a single
        /// `vbroadcastss` from memory (a load then `f32x4.splat` costs a load and a shuffle).
        #[inline(always)]
        pub fn splat_from(x: &f32) -> Self {
            // SAFETY: `x` is a valid reference to 4 readable bytes; wasm loads have no
            // alignment requirement.
            F32x4(unsafe { v128_load32_splat((x as *const f32).cast()) })
        }

        #[inline(always)]
        pub fn load(src: &[f32; 4]) -> Self {
            // SAFETY: the array is 16 readable bytes; v128 loads need no alignment on wasm32.
            F32x4(unsafe { v128_load(src.as_ptr().cast()) })
        }

        #[inline(always)]
        pub fn store(self, dst: &mut [f32; 4]) {
            // SAFETY: the array is 16 writable bytes; v128 stores need no alignment on wasm32.
            unsafe { v128_store(dst.as_mut_ptr().cast(), self.0) }
        }

        /// `self + a·b`, rounded twice: baseline simd128 has no fused multiply-add (relaxed
        /// SIMD's `f32x4.relaxed_madd` may or may not fuse, which would make results depend on
        /// the machine).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        /// Lane-wise [`super::pmax`].
        #[inline(always)]
        pub fn pmax(self, other: Self) -> Self {
            F32x4(f32x4_pmax(self.0, other.0))
        }

        /// Lane-wise [`super::pmin`].
        #[inline(always)]
        pub fn pmin(self, other: Self) -> Self {
            F32x4(f32x4_pmin(self.0, other.0))
        }

        /// `[a0, a2, b0, b2]`: the even lanes of eight consecutive values, for stride-2 reads.
        #[inline(always)]
        pub fn even_lanes(a: Self, b: Self) -> Self {
            F32x4(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0))
        }

        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
    }

    impl core::ops::Add for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            F32x4(f32x4_add(self.0, other.0))
        }
    }

    impl core::ops::Mul for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, other: Self) -> Self {
            F32x4(f32x4_mul(self.0, other.0))
        }
    }

    impl core::ops::Div for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn div(self, other: Self) -> Self {
            F32x4(f32x4_div(self.0, other.0))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    /// Four f32 lanes as a plain array; LLVM vectorizes the lane loops for the native target.
    #[derive(Clone, Copy, Debug)]
    pub struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4([0.0; 4])
        }

        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4([x; 4])
        }

        #[inline(always)]
        pub fn splat_from(x: &f32) -> Self {
            F32x4([*x; 4])
        }

        #[inline(always)]
        pub fn load(src: &[f32; 4]) -> Self {
            F32x4(*src)
        }

        #[inline(always)]
        pub fn store(self, dst: &mut [f32; 4]) {
            *dst = self.0;
        }

        /// `self + a·b`, rounded twice, as on wasm32 (no fused multiply-add).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            F32x4(core::array::from_fn(|i| self.0[i] + a.0[i] * b.0[i]))
        }

        #[inline(always)]
        pub fn pmax(self, other: Self) -> Self {
            F32x4(core::array::from_fn(|i| super::pmax(self.0[i], other.0[i])))
        }

        #[inline(always)]
        pub fn pmin(self, other: Self) -> Self {
            F32x4(core::array::from_fn(|i| super::pmin(self.0[i], other.0[i])))
        }

        #[inline(always)]
        pub fn even_lanes(a: Self, b: Self) -> Self {
            F32x4([a.0[0], a.0[2], b.0[0], b.0[2]])
        }

        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }
    impl core::ops::Add for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            F32x4(core::array::from_fn(|i| self.0[i] + other.0[i]))
        }
    }

    impl core::ops::Mul for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, other: Self) -> Self {
            F32x4(core::array::from_fn(|i| self.0[i] * other.0[i]))
        }
    }

    impl core::ops::Div for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn div(self, other: Self) -> Self {
            F32x4(core::array::from_fn(|i| self.0[i] / other.0[i]))
        }
    }
}

pub use imp::F32x4;

/// Lanes per vector.
pub const LANES: usize = 4;

impl F32x4 {
    /// The first four values of `src` (which must hold at least four).
    #[inline(always)]
    pub fn load_slice(src: &[f32]) -> Self {
        match src.first_chunk::<LANES>() {
            Some(chunk) => F32x4::load(chunk),
            None => {
                debug_assert!(false, "load_slice needs four values");
                F32x4::zero()
            }
        }
    }

    /// Stores into the first four values of `dst` (which must hold at least four).
    #[inline(always)]
    pub fn store_slice(self, dst: &mut [f32]) {
        match dst.first_chunk_mut::<LANES>() {
            Some(chunk) => self.store(chunk),
            None => debug_assert!(false, "store_slice needs four values"),
        }
    }

    /// The sum of the four lanes, `(l0 + l1) + (l2 + l3)`.
    #[inline(always)]
    pub fn sum(self) -> f32 {
        let [a, b, c, d] = self.to_array();
        (a + b) + (c + d)
    }

    /// The [`pmax`] of the four lanes.
    #[inline(always)]
    pub fn max_lane(self) -> f32 {
        let [a, b, c, d] = self.to_array();
        pmax(pmax(a, b), pmax(c, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_do_what_they_say() {
        let a = F32x4::load(&[1.0, -2.0, 3.0, -4.0]);
        let b = F32x4::load(&[0.5, 0.5, -1.0, 8.0]);
        assert_eq!((a + b).to_array(), [1.5, -1.5, 2.0, 4.0]);
        assert_eq!((a * b).to_array(), [0.5, -1.0, -3.0, -32.0]);
        assert_eq!((a / b).to_array(), [2.0, -4.0, -3.0, -0.5]);
        assert_eq!(
            F32x4::splat(1.0).mul_add(a, b).to_array(),
            [1.5, 0.0, -2.0, -31.0]
        );
        assert_eq!(a.pmax(b).to_array(), [1.0, 0.5, 3.0, 8.0]);
        assert_eq!(a.pmin(b).to_array(), [0.5, -2.0, -1.0, -4.0]);
        assert_eq!(F32x4::even_lanes(a, b).to_array(), [1.0, 3.0, 0.5, -1.0]);
        assert_eq!(a.sum(), -2.0);
        assert_eq!(a.max_lane(), 3.0);
        assert_eq!(F32x4::splat_from(&7.0).to_array(), [7.0; 4]);
        let mut out = [0.0; 6];
        a.store_slice(&mut out[1..]);
        assert_eq!(out, [0.0, 1.0, -2.0, 3.0, -4.0, 0.0]);
        assert_eq!(F32x4::load_slice(&out[1..]).to_array(), a.to_array());
    }

    #[test]
    fn pseudo_min_max_keep_the_first_operand_on_nan_and_ties() {
        assert!(pmax(f32::NAN, 1.0).is_nan());
        assert_eq!(pmax(1.0, f32::NAN), 1.0);
        assert_eq!(pmin(2.0, f32::NAN), 2.0);
        assert_eq!(pmax(-0.0, 0.0).to_bits(), (-0.0f32).to_bits());
    }
}
