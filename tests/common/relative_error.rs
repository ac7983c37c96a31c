//! The agreement measure of the ONNX model tests: max |actual − expected| ÷ max |expected|
//! (the bar is 1e-4).

use padlens::infer::tensor::Tensor;

/// max |actual − expected| ÷ max |expected|; the shapes must be equal.
pub fn relative_error(actual: &Tensor, expected: &Tensor) -> f32 {
    assert_eq!(actual.shape, expected.shape);
    let (a, e) = (actual.to_f32(), expected.to_f32());
    let scale = e.iter().fold(0f32, |m, x| m.max(x.abs()));
    let error = a
        .iter()
        .zip(&e)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    error / scale.max(f32::MIN_POSITIVE)
}
