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
    use padlens::render::{
        draw_reference, Colormap, ColourScale, MapStats, Reference, RenderOptions, Scale, Viewport,
    };
    use padlens::wasm::{self, MapView, NetworkJs};
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{OffscreenCanvas, OffscreenCanvasRenderingContext2d};

    fn js(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap()
    }

    fn get(value: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(value, &key.into()).unwrap()
    }

    fn message(error: JsValue) -> String {
        error.unchecked_into::<js_sys::Error>().message().into()
    }

    fn field(error: &JsValue, key: &str) -> Option<String> {
        get(error, key).as_string()
    }

    fn zoo(name: &str) -> NetworkJs {
        NetworkJs::from_zoo(name).unwrap()
    }

    fn canvas_context(width: u32, height: u32) -> OffscreenCanvasRenderingContext2d {
        OffscreenCanvas::new(width, height)
            .unwrap()
            .get_context("2d")
            .unwrap()
            .unwrap()
            .unchecked_into()
    }

    #[wasm_bindgen_test]
    fn catalogue_and_networks() {
        let catalog = wasm::catalog().unwrap();
        assert_eq!(js_sys::Array::from(&get(&catalog, "modes")).length(), 8);
        let limits = get(&catalog, "limits");
        assert_eq!(get(&limits, "max_side").as_f64(), Some(1048576.0));
        let resnet = zoo("resnet50");
        assert_eq!(
            resnet.layer_names().first().map(String::as_str),
            Some("conv1")
        );
        let limits = resnet.size_limits(None, None).unwrap();
        assert_eq!(
            js_sys::Array::from(&get(&limits, "minimum")).to_vec(),
            vec![JsValue::from(1), JsValue::from(1)]
        );
        let spec =
            NetworkJs::from_spec(r#"{"name": "one", "layers": [{"type": "conv", "kernel": 3}]}"#)
                .unwrap();
        assert_eq!(spec.name(), "one");
    }

    #[wasm_bindgen_test]
    fn a_map_draws_itself_into_a_canvas_and_answers_for_its_pixels() {
        let mut map = zoo("vgg19")
            .utilization(js(
                r#"{"height": 512, "width": 512, "mode": null, "depth": null}"#,
            ))
            .unwrap();
        assert_eq!((map.height(), map.width(), map.log2_scale()), (512, 512, 0));
        assert_eq!(map.value(256, 256), Some(9f64.powi(16)));
        assert_eq!(map.value(512, 0), None);
        let summary = map.summary().unwrap();
        assert_eq!(get(&summary, "centre").as_f64(), Some(9f64.powi(16)));
        let profiles = map.profiles().unwrap();
        assert_eq!(js_sys::Array::from(&get(&profiles, "row")).length(), 512);
        let colours = map
            .colour(
                js(r#"{"colormap": "cividis", "reference": "centre", "scale": "log"}"#),
                None,
            )
            .unwrap();
        assert_eq!(get(&colours, "high").as_f64(), Some(1.0));
        // Shrunk 1:2 into a 256² canvas, then magnified 3× with an offset.
        let context = canvas_context(1, 1);
        map.draw(
            &context,
            js(r#"{"width": 256, "height": 256, "zoom": -2, "offset": [0, 0]}"#),
        )
        .unwrap();
        let canvas = context.canvas();
        assert_eq!((canvas.width(), canvas.height()), (256, 256));
        let pixels = context
            .get_image_data(0.0, 0.0, 256.0, 256.0)
            .unwrap()
            .data();
        // The centre is the brightest (cividis' top is yellow); the corner is dark.
        let at = |y: usize, x: usize| pixels[(y * 256 + x) * 4];
        assert!(at(128, 128) > at(0, 0));
        // What reaches the canvas is what the core draws (its plain reference drawing).
        let viewport = Viewport {
            width: 30,
            height: 20,
            zoom: 3,
            offset: [-3, -7],
        };
        map.draw(
            &context,
            js(r#"{"width": 30, "height": 20, "zoom": 3, "offset": [-3, -7]}"#),
        )
        .unwrap();
        let pixels = context.get_image_data(0.0, 0.0, 30.0, 20.0).unwrap().data();
        let native = utilization(&zoo::build("vgg19").unwrap(), [512, 512], None, None).unwrap();
        let values = native.values.as_slice().unwrap();
        let options = RenderOptions {
            colormap: Colormap::Cividis,
            reference: Reference::Centre,
            scale: Scale::Log,
        };
        let stats = MapStats::of(values, [512, 512]).unwrap();
        let scale = ColourScale::sequential(&stats, options, None);
        let expected = draw_reference(values, [512, 512], &scale, &viewport).unwrap();
        assert_eq!(pixels.to_vec(), expected);
        assert!(map
            .draw(
                &context,
                js(r#"{"width": 0, "height": 5, "zoom": 1, "offset": [0, 0]}"#)
            )
            .is_err());
        assert_eq!(wasm::colorbar("magma", 10).unwrap().len(), 40);
        assert!(wasm::colorbar("jet", 4).is_err());
    }

    #[wasm_bindgen_test]
    fn ratios_share_a_scale_and_diverge_around_one() {
        let resnet = zoo("resnet50");
        let a = resnet
            .utilization(js(r#"{"height": 224, "width": 224}"#))
            .unwrap();
        let b = resnet
            .utilization(js(r#"{"height": 225, "width": 225}"#))
            .unwrap();
        let mut ratio = MapView::ratio(&a, &b).unwrap();
        assert_eq!((ratio.height(), ratio.width()), (224, 224));
        let offsets = ratio.offsets().unwrap();
        assert_eq!(
            js_sys::Array::from(&get(&offsets, "b")).get(0).as_f64(),
            Some(0.0)
        );
        let colours = ratio.colour(js("{}"), None).unwrap();
        let (low, high) = (
            get(&colours, "low").as_f64().unwrap(),
            get(&colours, "high").as_f64().unwrap(),
        );
        assert!(
            (low * high - 1.0).abs() < 1e-9,
            "log-symmetric around 1: {low} … {high}"
        );
        let range = a.relative_range(js(r#"{"reference": "max"}"#)).unwrap();
        assert_eq!(range[1], 1.0);
    }

    #[wasm_bindgen_test]
    fn bad_input_is_a_js_error_with_its_location_not_a_panic() {
        // (network, query, words the message must contain, subject, field)
        let cases = [
            (
                "vgg19",
                r#"{"height": 0, "width": 5}"#,
                "at least 1",
                "size",
                None,
            ),
            (
                "vgg19",
                r#"{"height": 8, "width": 8}"#,
                "at least 32×32",
                "size",
                None,
            ),
            (
                "vgg19",
                r#"{"height": 1, "width": 9, "mode": "reflect"}"#,
                "reflect",
                "size",
                Some("padding"),
            ),
            (
                "vgg19",
                r#"{"height": 9, "width": 9, "mode": "mirror"}"#,
                "mirror",
                "padding",
                None,
            ),
            (
                "resnet50",
                r#"{"height": 64, "width": 64, "mode": "valid"}"#,
                "layer1.0",
                "padding",
                None,
            ),
            (
                "resnet50",
                r#"{"height": 90000, "width": 90000}"#,
                "MiB",
                "size",
                None,
            ),
            (
                "vgg19",
                r#"{"height": -3, "width": 9}"#,
                "map query",
                "request",
                None,
            ),
            (
                "vgg19",
                r#"{"height": 9, "width": 9, "depth": 0}"#,
                "depth",
                "depth",
                None,
            ),
        ];
        for (arch, query, expected, subject, field_name) in cases {
            let error = zoo(arch).utilization(js(query)).err().expect(query);
            assert_eq!(
                field(&error, "subject").as_deref(),
                Some(subject),
                "{query}"
            );
            assert_eq!(field(&error, "field").as_deref(), field_name, "{query}");
            let text = message(error);
            assert!(text.contains(expected), "{query}: {text}");
        }
        let error = NetworkJs::from_spec(r#"{"layers": [{"type": "conv", "kernel": -3}]}"#)
            .err()
            .unwrap();
        assert_eq!(field(&error, "subject").as_deref(), Some("network"));
        assert_eq!(field(&error, "field").as_deref(), Some("kernel"));
        assert_eq!(field(&error, "layer").as_deref(), Some("layers.0"));
        assert!(NetworkJs::from_zoo("foo").is_err());
    }

    #[wasm_bindgen_test]
    fn a_bad_link_gets_the_nearest_valid_query() {
        let vgg = zoo("vgg19");
        assert!(vgg
            .nearest_valid(js(r#"{"height": 224, "width": 224}"#))
            .unwrap()
            .is_null());
        let nearest = vgg
            .nearest_valid(js(r#"{"height": 7, "width": 7, "depth": 999}"#))
            .unwrap();
        let query = get(&nearest, "query");
        assert_eq!(get(&query, "height").as_f64(), Some(32.0));
        assert!(get(&query, "depth").is_null());
        // The first thing wrong is reported (the depth); the size is fixed on the way.
        let problem = get(&nearest, "problem");
        assert_eq!(
            get(&problem, "subject").as_string().as_deref(),
            Some("depth")
        );
    }

    #[wasm_bindgen_test]
    fn doctor_and_marginalization() {
        let resnet = zoo("resnet50");
        let query = js(r#"{"height": 224, "width": 224}"#);
        let diagnosis = resnet
            .diagnose(query.clone(), js(r#"{"search": [32, 512]}"#))
            .unwrap();
        let sizes = js_sys::Array::from(&get(&diagnosis, "sizes"));
        assert_eq!(get(&sizes.get(0), "above").as_f64(), Some(225.0));
        let report = get(&diagnosis, "report");
        assert_eq!(js_sys::Array::from(&get(&report, "layers")).length(), 21);
        let alternatives = js_sys::Array::from(&get(&diagnosis, "alternatives"));
        assert_eq!(
            get(&alternatives.get(0), "kind").as_string().as_deref(),
            Some("pad_input")
        );
        let tf = resnet
            .diagnose(
                js(r#"{"height": 225, "width": 225}"#),
                js(r#"{"framework": "tf"}"#),
            )
            .unwrap();
        assert_eq!(get(&tf, "framework").as_string().as_deref(), Some("tf"));
        let err = resnet.diagnose(query.clone(), js(r#"{"framework": "jax"}"#));
        assert!(message(err.err().unwrap()).contains("jax"));

        let point = resnet.sweep_point(128, None, None).unwrap();
        assert!(get(&point, "share").as_f64().unwrap() > 0.0);
        let too_small = zoo("vgg19").sweep_point(8, None, None).unwrap();
        assert!(get(&too_small, "error")
            .as_string()
            .unwrap()
            .contains("at least 32"));
        let oblong = resnet
            .marginalization(js(r#"{"height": 97, "width": 131, "depth": 5}"#), Some(0.5))
            .unwrap();
        assert_eq!(js_sys::Array::from(&get(&oblong, "band")).length(), 4);
        assert!(resnet.marginalization(query, Some(0.0)).is_err());
    }

    #[wasm_bindgen_test]
    fn explainer() {
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
        let wide = r#"{"height": 2, "width": 2, "layers": [
            {"kernel": 3, "stride": 1, "dilation": 1, "padding": 2, "mode": "reflect"}]}"#;
        let error = wasm::explain(js(wide)).err().unwrap();
        assert_eq!(get(&error, "position").as_f64(), Some(0.0));
        let nearest = wasm::explain_nearest_valid(js(wide)).unwrap();
        let layers = js_sys::Array::from(&get(&get(&nearest, "config"), "layers"));
        assert_eq!(get(&layers.get(0), "padding").as_f64(), Some(1.0));
    }
}
