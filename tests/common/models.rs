//! The committed torchvision models (tests/onnx/models: width reduced, same structure, made by
//! tools/onnx_models.py), shared by the tests that run or project them.

use padlens::infer::Model;

pub const MODELS: [&str; 6] = [
    "resnet18",
    "resnet50",
    "mobilenet_v2",
    "vgg11",
    "googlenet",
    "densenet121",
];

/// The committed model `name`, imported.
pub fn model(name: &str) -> Model {
    let path = format!(
        "{}/tests/onnx/models/{name}/model.onnx",
        env!("CARGO_MANIFEST_DIR")
    );
    Model::from_onnx(std::fs::read(path).unwrap()).unwrap()
}
