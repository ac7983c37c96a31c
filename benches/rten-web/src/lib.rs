//! rten for the browser model benchmark: `new RtenModel(onnxBytes, prepack)` loads an ONNX
//! file (rten's graph optimisations on, as by default); `model.run(input, shape)` runs its
//! first input and returns its first output's values. Built for wasm32 with simd128 (rten
//! picks its WebAssembly SIMD kernels at compile time) and no threads: one thread.

use rten::{Model, ModelOptions, OpRegistry};
use rten_tensor::prelude::*;
use rten_tensor::Tensor;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct RtenModel {
    model: Model,
}

#[wasm_bindgen]
impl RtenModel {
    /// Loads an ONNX model. `prepack` asks rten to copy the weights into its GEMM kernel's
    /// layout once at load time (off by default in rten).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Vec<u8>, prepack: bool) -> Result<RtenModel, JsError> {
        let mut options = ModelOptions::with_ops(OpRegistry::with_all_ops());
        options.prepack_weights(prepack);
        let model = options
            .load(bytes)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(RtenModel { model })
    }

    /// Runs the model's first input (an f32 tensor of `shape`) and returns its first output.
    pub fn run(&self, input: &[f32], shape: &[usize]) -> Result<Vec<f32>, JsError> {
        let tensor = Tensor::from_data(shape, input.to_vec());
        let output = self
            .model
            .run_one(tensor.view().into(), None)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let output: Tensor<f32> = output
            .try_into()
            .map_err(|e: rten::TryFromValueError| JsError::new(&e.to_string()))?;
        Ok(output.to_vec())
    }

    /// Whether this build has WebAssembly SIMD (simd128) compiled in.
    pub fn simd() -> bool {
        cfg!(target_feature = "simd128")
    }
}
