//! The inner loop of the separable pass: `dst += weight · src` over a row.
//!
//! On wasm32 with `simd128` (chosen at compile time, `.cargo/config.toml`), two f64 lanes at a
//! time; elsewhere the plain loop, which LLVM vectorizes for the native target by itself. The
//! plain loop is also the reference the SIMD version is tested against (tests/wasm.rs).

/// `dst[i] += weight * src[i]` for every `i`. The slices have equal lengths.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub fn axpy(dst: &mut [f64], src: &[f64], weight: f64) {
    axpy_scalar(dst, src, weight)
}

/// `dst[i] += weight * src[i]`, two lanes at a time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn axpy(dst: &mut [f64], src: &[f64], weight: f64) {
    use core::arch::wasm32::{f64x2_add, f64x2_mul, f64x2_splat, v128_load, v128_store};
    let len = dst.len().min(src.len());
    let pairs = len / 2;
    let w = f64x2_splat(weight);
    let (dst_pairs, dst_tail) = dst[..len].split_at_mut(pairs * 2);
    let (src_pairs, src_tail) = src[..len].split_at(pairs * 2);
    for (d, s) in dst_pairs.chunks_exact_mut(2).zip(src_pairs.chunks_exact(2)) {
        // SAFETY: each chunk holds exactly two f64 (16 bytes); v128 loads and stores on
        // wasm32 have no alignment requirement.
        unsafe {
            let sum = f64x2_add(
                v128_load(d.as_ptr().cast()),
                f64x2_mul(w, v128_load(s.as_ptr().cast())),
            );
            v128_store(d.as_mut_ptr().cast(), sum);
        }
    }
    axpy_scalar(dst_tail, src_tail, weight);
}

/// The plain loop: the reference for the SIMD kernel.
pub fn axpy_scalar(dst: &mut [f64], src: &[f64], weight: f64) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += weight * s;
    }
}
