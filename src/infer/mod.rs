//! The inference engine: a model ([`graph::Graph`], from [`crate::onnx`]) planned at one
//! input size and padding ([`plan::Plan`]) and run, f32 NCHW, natively and in WebAssembly.
//!
//! Planning infers every shape and folds every constant; each remaining operator becomes a
//! step whose kernel is ready to run (weights packed, BatchNormalization folded into the
//! preceding convolution, activations fused). Convolutions read their padding in the kernel
//! (`crate::kernels`), under the model's own mode (zeros, or a Pad folded into the
//! convolution on import, [`pad_fold`], definitions.md §8) or any mode of definitions.md §2
//! swapped in (definitions.md §7).

pub mod fold;
pub mod graph;
pub mod inspect;
pub mod model;
pub mod ops;
pub mod pad_fold;
pub mod plan;
pub mod projection;
pub mod region;
pub mod step;
pub mod tensor;

pub use model::Model;
pub use plan::{Baseline, Plan, PlanOptions, TensorView};

/// The most elements any one run-time value may have: 2^28 f32 is 1 GiB, a quarter of a
/// WebAssembly instance's 4 GiB. ResNet-50's largest activation at 224×224 has 802 816.
pub const MAX_VALUE_ELEMENTS: usize = 1 << 28;
