//! The exported API, in headless Chromium (`./build.sh test` runs it with
//! wasm-bindgen-test-runner). Native builds skip this file.
#![cfg(target_arch = "wasm32")]

use padlens::analysis::kernels::{axpy, axpy_scalar};
use padlens::analysis::{utilization, Summary};
use padlens::net::zoo;
use padlens::padding::PaddingMode;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn simd_axpy_matches_the_scalar_loop() {
    // Lengths around the two-lane boundary, and values whose rounding would show a lane mix-up.
    for len in [0usize, 1, 2, 3, 7, 64, 129] {
        let src: Vec<f64> = (0..len).map(|i| 1.0 / (i as f64 + 3.0)).collect();
        let mut fast: Vec<f64> = (0..len).map(|i| (i as f64).sqrt()).collect();
        let mut slow = fast.clone();
        axpy(&mut fast, &src, 0.3);
        axpy_scalar(&mut slow, &src, 0.3);
        assert_eq!(fast, slow, "length {len}");
    }
}

#[wasm_bindgen_test]
fn vgg19_in_the_browser_matches_the_paper() {
    let net = zoo::build("vgg19").unwrap();
    let map = utilization(&net, [512, 512], None, None).unwrap();
    assert_eq!(map.values[(256, 256)], 9f64.powi(16));
    let uniform = utilization(&net, [64, 64], Some(PaddingMode::Symmetric), None).unwrap();
    let s = Summary::of(&uniform);
    assert_eq!(s.min, s.max);
}

#[wasm_bindgen_test]
fn resnet50_is_skewed_at_224_in_the_browser() {
    let net = zoo::build("resnet50").unwrap();
    let s = Summary::of(&utilization(&net, [224, 224], None, None).unwrap());
    assert!(s.left_to_right > 1.0);
    let s = Summary::of(&utilization(&net, [225, 225], None, None).unwrap());
    assert_eq!(s.left_to_right, 1.0);
}

mod exported_api {
    use super::*;
    use padlens::wasm;
    use wasm_bindgen::{JsCast, JsValue};

    fn js(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap()
    }

    fn message(error: JsValue) -> String {
        error.unchecked_into::<js_sys::Error>().message().into()
    }

    fn subject(error: &JsValue) -> String {
        js_sys::Reflect::get(error, &"subject".into())
            .unwrap()
            .as_string()
            .unwrap()
    }

    #[wasm_bindgen_test]
    fn lists() {
        assert_eq!(wasm::padding_modes().len(), 8);
        let names = wasm::layer_names("resnet50").unwrap();
        assert_eq!(names.first().map(String::as_str), Some("conv1"));
        let entries = wasm::zoo_entries().unwrap();
        assert!(js_sys::Array::from(&entries).length() >= 9);
    }

    #[wasm_bindgen_test]
    fn compute_and_render() {
        let map = wasm::compute_utilization(js(
            r#"{"arch": "vgg19", "height": 512, "width": 512, "mode": null, "depth": null}"#,
        ))
        .unwrap();
        assert_eq!((map.height(), map.width(), map.log2_scale()), (512, 512, 0));
        let values = map.values().to_vec();
        assert_eq!(values[256 * 512 + 256], 9f64.powi(16));
        let summary = map.summary().unwrap();
        let centre = js_sys::Reflect::get(&summary, &"centre".into()).unwrap();
        assert_eq!(centre.as_f64(), Some(9f64.powi(16)));
        let rendered = wasm::render_map(
            &values,
            512,
            512,
            js(r#"{"colormap": "cividis", "reference": "centre", "scale": "log"}"#),
        )
        .unwrap();
        assert_eq!(rendered.rgba().length(), 512 * 512 * 4);
        assert_eq!(rendered.high(), 1.0);
        assert_eq!(wasm::colorbar("magma", 10).unwrap().len(), 40);
        let ratio = wasm::ratio_map(&[2.0, 1.0], &[1.0, 0.0]).unwrap();
        assert_eq!(ratio[0], 2.0);
        assert!(ratio[1].is_nan());
    }

    #[wasm_bindgen_test]
    fn bad_input_is_a_js_error_not_a_panic() {
        // (request, words the message must contain, the input it is about)
        let cases = [
            (
                r#"{"arch": "vgg19", "height": 0, "width": 5}"#,
                "at least 1",
                "size",
            ),
            (
                r#"{"arch": "vgg19", "height": 8, "width": 8}"#,
                "features.27",
                "size",
            ),
            (
                r#"{"arch": "vgg19", "height": 1, "width": 9, "mode": "reflect"}"#,
                "reflect",
                "padding",
            ),
            (
                r#"{"arch": "vgg19", "height": 9, "width": 9, "mode": "mirror"}"#,
                "mirror",
                "padding",
            ),
            (
                r#"{"arch": "resnet50", "height": 64, "width": 64, "mode": "valid"}"#,
                "layer1.0",
                "padding",
            ),
            (
                r#"{"arch": "{\"layers\": [}", "height": 9, "width": 9}"#,
                "malformed",
                "network",
            ),
            (
                r#"{"arch": "resnet50", "height": 90000, "width": 90000}"#,
                "MiB",
                "size",
            ),
            (
                r#"{"arch": "vgg19", "height": -3, "width": 9}"#,
                "request",
                "request",
            ),
            (
                r#"{"arch": "vgg19", "height": 9, "width": 9, "depth": 0}"#,
                "depth",
                "depth",
            ),
        ];
        for (request, expected, expected_subject) in cases {
            let error = wasm::compute_utilization(js(request)).err().expect(request);
            assert_eq!(subject(&error), expected_subject, "{request}");
            let text = message(error);
            assert!(text.contains(expected), "{request}: {text}");
        }
        assert!(wasm::render_map(&[1.0; 3], 2, 2, JsValue::NULL).is_err());
        assert!(wasm::colorbar("jet", 4).is_err());
    }

    #[wasm_bindgen_test]
    fn doctor_and_marginalization() {
        let get = |v: &JsValue, key: &str| js_sys::Reflect::get(v, &key.into()).unwrap();
        let diagnosis = wasm::diagnose(js(
            r#"{"arch": "resnet50", "height": 224, "width": 224, "search": [32, 512]}"#,
        ))
        .unwrap();
        let sizes = js_sys::Array::from(&get(&diagnosis, "sizes"));
        assert_eq!(get(&sizes.get(0), "above").as_f64(), Some(225.0));
        let report = get(&diagnosis, "report");
        assert_eq!(js_sys::Array::from(&get(&report, "layers")).length(), 21);
        let tf = wasm::diagnose(js(
            r#"{"arch": "resnet50", "height": 225, "width": 225, "framework": "tf"}"#,
        ))
        .unwrap();
        assert_eq!(get(&tf, "framework").as_string().as_deref(), Some("tf"));
        let err = wasm::diagnose(js(
            r#"{"arch": "resnet50", "height": 224, "width": 224, "framework": "jax"}"#,
        ));
        assert!(message(err.err().unwrap()).contains("jax"));

        let point = wasm::marginalization_at(js(r#"{"arch": "resnet50", "size": 128}"#)).unwrap();
        assert!(get(&point, "share").as_f64().unwrap() > 0.0);
        let too_small = wasm::marginalization_at(js(r#"{"arch": "vgg19", "size": 8}"#)).unwrap();
        assert!(get(&too_small, "error")
            .as_string()
            .unwrap()
            .contains("features"));

        let oblong = wasm::marginalization_of_map(js(
            r#"{"arch": "resnet50", "height": 97, "width": 131, "depth": 5, "threshold": 0.5}"#,
        ))
        .unwrap();
        assert_eq!(js_sys::Array::from(&get(&oblong, "band")).length(), 4);
        let error =
            wasm::marginalization_of_map(js(r#"{"arch": "vgg19", "height": 8, "width": 64}"#));
        assert_eq!(subject(&error.err().unwrap()), "size");

        let map = wasm::compute_utilization(js(r#"{"arch": "vgg19", "height": 64, "width": 64}"#))
            .unwrap();
        let copied = wasm::render_map(&map.values().to_vec(), 64, 64, JsValue::NULL).unwrap();
        assert_eq!(
            map.render(JsValue::UNDEFINED).unwrap().rgba().to_vec(),
            copied.rgba().to_vec()
        );
        assert!(map.marginalization(Some(0.0)).is_err());
    }

    #[wasm_bindgen_test]
    fn explainer() {
        let get = |v: &JsValue, key: &str| js_sys::Reflect::get(v, &key.into()).unwrap();
        let config = r#"{"height": 5, "width": 5, "layers": [
            {"kernel": 3, "stride": 1, "dilation": 1, "padding": 1, "mode": "symmetric"}]}"#;
        let e = wasm::explain(js(config)).unwrap();
        let counts = js_sys::Array::from(&get(&e, "counts"));
        assert!(counts.iter().all(|c| c.as_f64() == Some(9.0)));
        let p = wasm::explain_pixel(js(config), 0, 0).unwrap();
        assert_eq!(get(&p, "total").as_f64(), Some(9.0));
        assert!(wasm::explain_pixel(js(config), 5, 0).is_err());
        let bad = r#"{"height": 5, "width": 5, "layers": []}"#;
        assert!(message(wasm::explain(js(bad)).err().unwrap()).contains("layers"));
    }
}
