//! The engine's simd128 build on real models, in headless Chromium (`./build.sh test` runs it
//! with wasm-bindgen-test-runner): the six width-reduced torchvision models of
//! tests/onnx/models against ONNX Runtime, and with their padding swapped against PyTorch —
//! the same data and bar (max |error| ≤ 1e-4 · max |reference|) as tests/onnx_models.rs
//! natively. The files are compiled in: a wasm test cannot read the disk.
#![cfg(target_arch = "wasm32")]

use padlens::infer::tensor::Tensor;
use padlens::infer::Model;
use padlens::padding::PaddingMode;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! model_files {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("onnx/models/", $name, "/model.onnx")).as_slice(),
            include_bytes!(concat!("onnx/models/", $name, "/input_0.pb")).as_slice(),
            [
                (
                    None,
                    include_bytes!(concat!("onnx/models/", $name, "/output_0.pb")).as_slice(),
                ),
                (
                    Some(PaddingMode::Reflect),
                    include_bytes!(concat!("onnx/models/", $name, "/output_reflect.pb")).as_slice(),
                ),
                (
                    Some(PaddingMode::Symmetric),
                    include_bytes!(concat!("onnx/models/", $name, "/output_symmetric.pb"))
                        .as_slice(),
                ),
                (
                    Some(PaddingMode::Partial),
                    include_bytes!(concat!("onnx/models/", $name, "/output_partial.pb")).as_slice(),
                ),
            ],
        )
    };
}

fn tensor(bytes: &[u8]) -> Tensor {
    padlens::onnx::load_tensor(bytes.to_vec()).unwrap()
}

#[wasm_bindgen_test]
fn torchvision_models_match_their_references_in_the_browser() {
    let models = [
        model_files!("resnet18"),
        model_files!("resnet50"),
        model_files!("mobilenet_v2"),
        model_files!("vgg11"),
        model_files!("googlenet"),
        model_files!("densenet121"),
    ];
    for (name, model, input, outputs) in models {
        let model = Model::from_onnx(model.to_vec()).unwrap();
        let input = tensor(input).to_f32();
        for (padding, expected) in outputs {
            let mut plan = model.plan(None, padding, &[]).unwrap();
            plan.run(&[&input]).unwrap();
            let output = plan.output_names().next().unwrap().to_owned();
            let actual = plan.value(&output).unwrap();
            let expected = tensor(expected);
            assert_eq!(actual.shape, expected.shape.as_slice(), "{name}");
            let expected = expected.to_f32();
            let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
            let error = actual
                .data
                .iter()
                .zip(&expected)
                .fold(0f32, |m, (a, e)| m.max((a - e).abs()));
            let relative = error / scale;
            assert!(
                relative <= 1e-4,
                "{name} {padding:?}: relative error {relative}"
            );
        }
    }
}
