//! padlens: where is a convolutional network blind because of its padding?
//!
//! The core computes, natively and in WebAssembly alike, the quantities of *Mind the Pad —
//! CNNs Can Develop Blind Spots* (ICLR 2021): per-axis convolution arithmetic
//! ([`geometry`]), padding modes ([`padding`]), network graphs and a torchvision-exact zoo
//! ([`net`]), utilization maps ([`analysis`]) and their colour-mapped pictures ([`render`]),
//! ONNX models ([`onnx`]) run by an inference engine ([`infer`]) on f32 kernels
//! (convolution, pooling, GEMM; [`kernels`]) under any padding mode, and the
//! stimulus-detectability grids computed with them ([`detect`]);
//! [`export`] writes values as NPY and CSV for the CLI and the page alike;
//! [`catalog`] lists names, labels and limits for user interfaces. `wasm.rs` only converts
//! types for the browser. The definitions the code cites (`definitions.md §N`) are in
//! `docs/definitions.md`.

pub mod analysis;
pub mod catalog;
pub mod detect;
pub mod error;
pub mod export;
pub mod geometry;
pub mod infer;
pub mod kernels;
pub mod net;
pub mod onnx;
pub mod padding;
pub mod render;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Axis, AxisError, Error, Result};
