//! Every `#[wasm_bindgen]` item, and nothing else: convert types, map errors to JS `Error`s
//! (with a `subject` naming the input at fault),
//! call the core. The page's `www/js/engine.js` is the only caller.

use crate::analysis::doctor::{self, DoctorOptions};
use crate::analysis::explainer;
use crate::analysis::marginalization::{self, DEFAULT_THRESHOLD};
use crate::analysis::{self, Summary};
use crate::error::Subject;
use crate::net::transform::Framework;
use crate::net::{self, zoo};
use crate::padding::PaddingMode;
use crate::render::{self, Colormap, RenderOptions};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Maps become plain objects, not `Map`s, so the page can read fields directly.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| error_with_subject(&e.to_string(), Subject::Request))
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| error_with_subject(&format!("{what}: {e}"), Subject::Request))
}

/// A JS `Error` whose `subject` property ("network", "size", "padding", "depth" or
/// "request") tells the page which control the message belongs beside.
fn error_with_subject(message: &str, subject: Subject) -> JsValue {
    let error = js_sys::Error::new(message);
    let name = match subject {
        Subject::Network => "network",
        Subject::Size => "size",
        Subject::Padding => "padding",
        Subject::Depth => "depth",
        Subject::Request => "request",
    };
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"subject".into(), &name.into());
    error.into()
}

fn js_error(error: crate::Error) -> JsValue {
    error_with_subject(&error.to_string(), error.subject())
}

/// A mode name, or `None` for the network's own padding.
fn parse_mode(name: Option<String>) -> Result<Option<PaddingMode>, JsValue> {
    name.map(|name| name.parse::<PaddingMode>())
        .transpose()
        .map_err(js_error)
}

/// The network (zoo name or spec text) and padding mode most requests start from.
fn network_and_mode(
    arch: &str,
    mode: Option<String>,
) -> Result<(net::Network, Option<PaddingMode>), JsValue> {
    Ok((net::load(arch).map_err(js_error)?, parse_mode(mode)?))
}

#[derive(Serialize)]
struct ZooEntryJs {
    name: &'static str,
    description: &'static str,
}

/// `[{name, description}]` for every zoo architecture.
#[wasm_bindgen(js_name = zooEntries)]
pub fn zoo_entries() -> Result<JsValue, JsValue> {
    let entries: Vec<ZooEntryJs> = zoo::ZOO
        .iter()
        .map(|e| ZooEntryJs {
            name: e.name,
            description: e.description,
        })
        .collect();
    to_js(&entries)
}

/// The eight padding mode names.
#[wasm_bindgen(js_name = paddingModes)]
pub fn padding_modes() -> Vec<String> {
    PaddingMode::ALL
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Names of the top-level layers of a zoo name or a spec's JSON text (depth choices).
#[wasm_bindgen(js_name = layerNames)]
pub fn layer_names(arch_or_spec: &str) -> Result<Vec<String>, JsValue> {
    Ok(net::load(arch_or_spec).map_err(js_error)?.layer_names())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UtilizationRequest {
    /// A zoo name or a spec's JSON text.
    arch: String,
    height: usize,
    width: usize,
    /// A mode name, or absent/null for the network's own padding.
    #[serde(default)]
    mode: Option<String>,
    /// First `depth` top-level layers; absent/null for all.
    #[serde(default)]
    depth: Option<usize>,
}

/// A computed utilization map.
#[wasm_bindgen]
pub struct Utilization {
    map: analysis::UtilizationMap,
    summary: Summary,
}

#[wasm_bindgen]
impl Utilization {
    /// Row-major values (a copy). Raw count = value · 2^log2Scale.
    pub fn values(&self) -> js_sys::Float64Array {
        match self.map.values.as_slice() {
            Some(values) => js_sys::Float64Array::from(values),
            None => self
                .map
                .values
                .iter()
                .copied()
                .collect::<Vec<f64>>()
                .as_slice()
                .into(),
        }
    }
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> usize {
        self.map.size()[0]
    }
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> usize {
        self.map.size()[1]
    }
    #[wasm_bindgen(getter, js_name = log2Scale)]
    pub fn log2_scale(&self) -> i32 {
        self.map.log2_scale
    }
    /// `{height, width, centre, min, max, corner_to_centre, left_to_right, top_to_bottom,
    /// log2_scale}` (raw counts).
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.summary)
    }
    /// Colours this map (options as for `renderMap`) without copying it back in from JS.
    pub fn render(&self, options: JsValue) -> Result<Rendered, JsValue> {
        let options = render_options(options)?;
        let values = self
            .map
            .values
            .as_slice()
            .ok_or_else(|| error_with_subject("map is not contiguous", Subject::Request))?;
        let [height, width] = self.map.size();
        let inner = render::render(values, height, width, options).map_err(js_error)?;
        Ok(Rendered { inner })
    }
    /// `{threshold, share, band: [top, bottom, left, right], band_max, band_relative}`.
    pub fn marginalization(&self, threshold: Option<f64>) -> Result<JsValue, JsValue> {
        let threshold = check_threshold(threshold)?;
        to_js(&marginalization::marginalization(&self.map, threshold))
    }
}

fn check_threshold(threshold: Option<f64>) -> Result<f64, JsValue> {
    let threshold = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if threshold > 0.0 && threshold <= 1.0 {
        Ok(threshold)
    } else {
        Err(error_with_subject(
            &format!("the threshold must be in (0, 1], got {threshold}"),
            Subject::Request,
        ))
    }
}

fn render_options(options: JsValue) -> Result<RenderOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        Ok(RenderOptions::default())
    } else {
        from_js(options, "render options")
    }
}

/// Computes a utilization map: `{arch, height, width, mode?, depth?}`.
#[wasm_bindgen(js_name = computeUtilization)]
pub fn compute_utilization(request: JsValue) -> Result<Utilization, JsValue> {
    let request: UtilizationRequest = from_js(request, "utilization request")?;
    let (network, mode) = network_and_mode(&request.arch, request.mode)?;
    let map = analysis::utilization(
        &network,
        [request.height, request.width],
        mode,
        request.depth,
    )
    .map_err(js_error)?;
    let summary = Summary::of(&map);
    Ok(Utilization { map, summary })
}

/// A colour-mapped map.
#[wasm_bindgen]
pub struct Rendered {
    inner: render::Rendered,
}

#[wasm_bindgen]
impl Rendered {
    /// RGBA bytes, row-major, ready for `ImageData` (a copy).
    pub fn rgba(&self) -> js_sys::Uint8Array {
        js_sys::Uint8Array::from(self.inner.rgba.as_slice())
    }
    /// Relative value at the bottom of the colour bar.
    #[wasm_bindgen(getter)]
    pub fn low(&self) -> f64 {
        self.inner.low
    }
    /// Relative value at the top of the colour bar.
    #[wasm_bindgen(getter)]
    pub fn high(&self) -> f64 {
        self.inner.high
    }
    /// What the values were divided by (the maximum, the centre, or 1).
    #[wasm_bindgen(getter, js_name = referenceValue)]
    pub fn reference_value(&self) -> f64 {
        self.inner.reference_value
    }
}

/// Colours a row-major map: options `{colormap: viridis|cividis|magma, reference:
/// max|centre|none, scale: linear|log}`, each optional.
#[wasm_bindgen(js_name = renderMap)]
pub fn render_map(
    values: &[f64],
    height: usize,
    width: usize,
    options: JsValue,
) -> Result<Rendered, JsValue> {
    let inner =
        render::render(values, height, width, render_options(options)?).map_err(js_error)?;
    Ok(Rendered { inner })
}

/// A vertical colour bar, `length` RGBA pixels, top (high) first.
#[wasm_bindgen(js_name = colorbar)]
pub fn colorbar(colormap: &str, length: usize) -> Result<Vec<u8>, JsValue> {
    let colormap: Colormap = from_js(JsValue::from_str(colormap), "colormap")?;
    Ok(render::colorbar(colormap, length))
}

/// `a / b` element by element (NaN where `b` is 0).
#[wasm_bindgen(js_name = ratioMap)]
pub fn ratio_map(a: &[f64], b: &[f64]) -> Result<Vec<f64>, JsValue> {
    render::ratio(a, b).map_err(js_error)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DiagnoseRequest {
    arch: String,
    height: usize,
    width: usize,
    /// "torch" (default) or "tf".
    #[serde(default)]
    framework: Framework,
    /// Inclusive range searched for even input sizes; default 16 to 2048.
    #[serde(default)]
    search: Option<[usize; 2]>,
    /// A padding mode for every convolution, or absent/null for the network's own.
    #[serde(default)]
    mode: Option<String>,
}

/// The uneven-padding doctor: `{arch, height, width, framework?, search?, mode?}` →
/// `{framework, mode, report, sizes, alternatives, depth_profile}` (see `analysis::doctor`).
#[wasm_bindgen]
pub fn diagnose(request: JsValue) -> Result<JsValue, JsValue> {
    let request: DiagnoseRequest = from_js(request, "diagnose request")?;
    let (network, mode) = network_and_mode(&request.arch, request.mode)?;
    let options = DoctorOptions {
        framework: request.framework,
        mode,
        search: request.search.unwrap_or([16, 2048]),
    };
    let diagnosis =
        doctor::diagnose(&network, [request.height, request.width], options).map_err(js_error)?;
    to_js(&diagnosis)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MarginalizationRequest {
    arch: String,
    size: usize,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    threshold: Option<f64>,
}

/// One point of a marginalization sweep, `{arch, size, mode?, threshold?}` → `{size,
/// threshold, share, band, band_max, band_relative, error}`; a size the network cannot run at
/// gives `error` rather than throwing, so a sweep goes on past it. The page's worker calls
/// this once per size, so it can report progress and stop between sizes.
#[wasm_bindgen(js_name = marginalizationAt)]
pub fn marginalization_at(request: JsValue) -> Result<JsValue, JsValue> {
    let request: MarginalizationRequest = from_js(request, "marginalization request")?;
    let (network, mode) = network_and_mode(&request.arch, request.mode)?;
    let threshold = check_threshold(request.threshold)?;
    to_js(&marginalization::sweep_point(
        &network,
        request.size,
        mode,
        threshold,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MapMarginalizationRequest {
    arch: String,
    height: usize,
    width: usize,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    depth: Option<usize>,
    #[serde(default)]
    threshold: Option<f64>,
}

/// Marginalization of one map, any shape and depth: `{arch, height, width, mode?, depth?,
/// threshold?}` → `{threshold, share, band, band_max, band_relative}`; throws for a map the
/// network cannot compute.
#[wasm_bindgen(js_name = marginalizationOfMap)]
pub fn marginalization_of_map(request: JsValue) -> Result<JsValue, JsValue> {
    let request: MapMarginalizationRequest = from_js(request, "marginalization request")?;
    let (network, mode) = network_and_mode(&request.arch, request.mode)?;
    let threshold = check_threshold(request.threshold)?;
    let result = marginalization::of_map(
        &network,
        [request.height, request.width],
        mode,
        request.depth,
        threshold,
    )
    .map_err(js_error)?;
    to_js(&result)
}

/// The step-through explainer: `{height, width, layers: [{kernel, stride, dilation, padding,
/// mode}]}` (1–2 layers, sides ≤ 16) → `{layers: [{config, axes, input, output, padded_size,
/// padded: [{position, source, padding, read}]}], counts, first_layer_counts, downstream}`.
#[wasm_bindgen]
pub fn explain(config: JsValue) -> Result<JsValue, JsValue> {
    let config: explainer::ExplainerConfig = from_js(config, "explainer configuration")?;
    to_js(&explainer::explain(&config).map_err(js_error)?)
}

/// Every first-layer window that reads pixel (`row`, `column`): `{pixel, windows: [{output,
/// origin, hits: [{tap, position}], weight, downstream, contribution}], tap_counts, total}`.
#[wasm_bindgen(js_name = explainPixel)]
pub fn explain_pixel(config: JsValue, row: usize, column: usize) -> Result<JsValue, JsValue> {
    let config: explainer::ExplainerConfig = from_js(config, "explainer configuration")?;
    to_js(&explainer::explain_pixel(&config, [row, column]).map_err(js_error)?)
}
