//! A sample of ONNX's backend node tests (tests/onnx/node) in headless Chromium, on the
//! simd128 build: one case or more per operator family the torchvision models use, plus the
//! padding forms (asymmetric pads, SAME, ceil mode, Pad's modes). tests/onnx_node.rs runs
//! every case natively; the files are compiled in here, as a wasm test cannot read the disk.
#![cfg(target_arch = "wasm32")]

#[path = "common/node_case.rs"]
mod node_case;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A case's model and first data set: `case!(name, inputs, outputs)` with the file counts.
macro_rules! case {
    ($name:literal, [$($input:literal),*], [$($output:literal),*]) => {
        (
            $name,
            include_bytes!(concat!("onnx/node/", $name, "/model.onnx")).as_slice(),
            &[$(include_bytes!(concat!("onnx/node/", $name, "/test_data_set_0/input_", $input, ".pb")).as_slice()),*][..],
            &[$(include_bytes!(concat!("onnx/node/", $name, "/test_data_set_0/output_", $output, ".pb")).as_slice()),*][..],
        )
    };
}

/// Name, model, inputs and expected outputs.
type Case<'a> = (&'a str, &'a [u8], &'a [&'a [u8]], &'a [&'a [u8]]);

#[wasm_bindgen_test]
fn a_sample_of_onnx_node_tests_pass_in_the_browser() {
    let cases: [Case<'_>; 24] = [
        case!("test_conv_with_autopad_same", ["0", "1"], ["0"]),
        case!(
            "test_conv_with_strides_and_asymmetric_padding",
            ["0", "1"],
            ["0"]
        ),
        case!("test_maxpool_2d_pads", ["0"], ["0"]),
        case!("test_maxpool_2d_ceil", ["0"], ["0"]),
        case!("test_averagepool_2d_pads_count_include_pad", ["0"], ["0"]),
        case!("test_averagepool_2d_same_upper", ["0"], ["0"]),
        case!("test_globalaveragepool", ["0"], ["0"]),
        case!("test_batchnorm_example", ["0", "1", "2", "3", "4"], ["0"]),
        case!("test_relu", ["0"], ["0"]),
        case!("test_leakyrelu", ["0"], ["0"]),
        case!("test_prelu_broadcast", ["0", "1"], ["0"]),
        case!("test_sigmoid", ["0"], ["0"]),
        case!("test_hardswish", ["0"], ["0"]),
        case!("test_add_bcast", ["0", "1"], ["0"]),
        case!("test_div_bcast", ["0", "1"], ["0"]),
        case!("test_concat_2d_axis_0", ["0", "1"], ["0"]),
        case!("test_flatten_axis1", ["0"], ["0"]),
        case!("test_transpose_default", ["0"], ["0"]),
        case!(
            "test_gemm_default_single_elem_vector_bias",
            ["0", "1", "2"],
            ["0"]
        ),
        case!("test_matmul_4d", ["0", "1"], ["0"]),
        case!("test_softmax_axis_1", ["0"], ["0"]),
        case!("test_reflect_pad", ["0", "1"], ["0"]),
        case!("test_wrap_pad", ["0", "1"], ["0"]),
        case!("test_resize_upsample_scales_linear", ["0", "1"], ["0"]),
    ];
    let mut failures = Vec::new();
    for (name, model, inputs, outputs) in cases {
        let outcome = node_case::plan(model, inputs).and_then(|mut planned| {
            planned.run()?;
            node_case::check_outputs(&planned.plan, outputs)
        });
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
