//! The engine's own operator implementations (everything but convolution, pooling and the
//! matrix product, which are in `crate::kernels`).

pub mod movement;
pub mod pointwise;
pub mod resize;
