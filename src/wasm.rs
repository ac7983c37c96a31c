//! Every `#[wasm_bindgen]` item, and nothing else: convert types, map errors to JS `Error`s
//! that carry where they are (`subject`, `layer`, `position`, `field`, `axis`; see
//! [`crate::error::Location`]), call the core. The page's `www/js/engine/engine.js` is the
//! only caller.
//!
//! The boundary is stateful where work repeats: a network is parsed once into a [`Network`]
//! the worker keeps, and a computed map stays in WASM memory as a [`MapView`] that colours
//! itself, draws the visible part into the page's canvas, and answers hover queries — the
//! page never copies a map's values out.

use crate::analysis::doctor::{self, DoctorOptions};
use crate::analysis::explainer;
use crate::analysis::marginalization::{self, DEFAULT_THRESHOLD};
use crate::analysis::request::{self, MapQuery};
use crate::analysis::{self, centre_profiles, CentreProfiles, Summary};
use crate::detect::{
    Background, DetectRequest, Detector, Evaluation, RgbImage, RgbaImage, Score, ShiftCurve,
    Stimulus,
};
use crate::error::{Location, Subject};
use crate::export;
use crate::infer::inspect::{self, Forward, MeanFeatureMaps, Normalization};
use crate::infer::{projection, Model};
use crate::net::transform::Framework;
use crate::net::{self, spec, zoo};
use crate::padding::PaddingMode;
use crate::render::{self, Colormap, ColourScale, MapStats, RenderOptions, ScaledMap, Viewport};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::Clamped;
use web_sys::{ImageData, OffscreenCanvasRenderingContext2d};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Maps become plain objects, not `Map`s, so the page can read fields directly.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| error_object(&e.to_string(), &Location::of(Subject::Request)))
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| error_object(&format!("{what}: {e}"), &Location::of(Subject::Request)))
}

/// A JS `Error` with the location's fields as properties, so the page puts the message
/// beside the control, layer and field it is about.
fn error_object(message: &str, location: &Location) -> JsValue {
    let error = js_sys::Error::new(message);
    if let Ok(fields) = to_location_object(location) {
        // Copying plain properties onto a fresh Error object cannot fail.
        let _ = js_sys::Object::assign(&error, &fields);
    }
    error.into()
}

fn to_location_object(location: &Location) -> Result<js_sys::Object, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    location
        .serialize(&serializer)
        .map(Into::into)
        .map_err(|e| JsValue::from_str(&e.to_string()))
}

fn js_error(error: crate::Error) -> JsValue {
    error_object(&error.to_string(), &error.location())
}

fn request_error(message: &str) -> JsValue {
    error_object(message, &Location::of(Subject::Request))
}

/// An error as data (for results that carry a problem rather than throw).
#[derive(Serialize)]
struct Problem {
    message: String,
    #[serde(flatten)]
    location: Location,
}

impl From<crate::Error> for Problem {
    fn from(error: crate::Error) -> Self {
        Problem {
            message: error.to_string(),
            location: error.location(),
        }
    }
}

/// Names, labels, limits and defaults (see `catalog.rs`).
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsValue> {
    to_js(&crate::catalog::catalog())
}

/// A mode name, or `None` for the network's own padding.
fn parse_mode(name: Option<String>) -> Result<Option<PaddingMode>, JsValue> {
    name.map(|name| name.parse::<PaddingMode>())
        .transpose()
        .map_err(js_error)
}

/// `{height, width, mode?, depth?}`: one map of a network; every request about a
/// configuration starts from it.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QueryJs {
    height: usize,
    width: usize,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    depth: Option<usize>,
}

impl QueryJs {
    fn parse(value: JsValue) -> Result<MapQuery, JsValue> {
        let query: QueryJs = from_js(value, "map query")?;
        Ok(MapQuery {
            size: [query.height, query.width],
            mode: parse_mode(query.mode)?,
            depth: query.depth,
        })
    }

    fn of(query: MapQuery) -> Self {
        QueryJs {
            height: query.size[0],
            width: query.size[1],
            mode: query.mode.map(|m| m.name().to_owned()),
            depth: query.depth,
        }
    }
}

/// A network, parsed once and kept by the worker that uses it.
#[wasm_bindgen(js_name = Network)]
pub struct NetworkJs {
    network: net::Network,
}

#[derive(Serialize)]
struct SizeLimits {
    /// The smallest input (`[height, width]`), or null when none up to 4096 works.
    minimum: Option<[usize; 2]>,
    /// The largest square side whose map fits the memory limit.
    largest: usize,
}

#[derive(Serialize)]
struct NearestJs {
    query: QueryJs,
    problem: Problem,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DiagnoseOptionsJs {
    #[serde(default)]
    framework: Framework,
    /// Inclusive range searched for even input sizes.
    #[serde(default)]
    search: Option<[usize; 2]>,
}

#[wasm_bindgen(js_class = Network)]
impl NetworkJs {
    /// A zoo network by its torchvision name.
    #[wasm_bindgen(js_name = fromZoo)]
    pub fn from_zoo(name: &str) -> Result<NetworkJs, JsValue> {
        let network = zoo::build(name.trim()).map_err(js_error)?;
        Ok(NetworkJs { network })
    }

    /// A network spec's JSON text (README, "Network spec").
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(text: &str) -> Result<NetworkJs, JsValue> {
        let network = spec::parse_network(text).map_err(js_error)?;
        Ok(NetworkJs { network })
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.network.name.clone()
    }

    /// The network as a spec's JSON text (README, "Network spec"), for a link that opens it
    /// in the explorer; throws for what a spec cannot say.
    #[wasm_bindgen(js_name = toSpec)]
    pub fn to_spec(&self) -> Result<String, JsValue> {
        spec::write_network(&self.network).map_err(|message| request_error(&message))
    }

    /// Names of the top-level layers (depth choices).
    #[wasm_bindgen(js_name = layerNames)]
    pub fn layer_names(&self) -> Vec<String> {
        self.network.layer_names()
    }

    /// `{minimum: [h, w] | null, largest}`: the sizes this network takes at this padding
    /// and depth.
    #[wasm_bindgen(js_name = sizeLimits)]
    pub fn size_limits(
        &self,
        mode: Option<String>,
        depth: Option<usize>,
    ) -> Result<JsValue, JsValue> {
        let mode = parse_mode(mode)?;
        to_js(&SizeLimits {
            minimum: self.network.minimum_input(mode, depth),
            largest: analysis::utilization::largest_square(self.network.nesting()),
        })
    }

    /// For a query the network cannot answer, `{query, problem}`: the nearest query it can,
    /// and why the asked one fails (`problem`: `{message, subject, layer, position, field,
    /// axis}`); null when the query is fine.
    #[wasm_bindgen(js_name = nearestValid)]
    pub fn nearest_valid(&self, query: JsValue) -> Result<JsValue, JsValue> {
        let query: QueryJs = from_js(query, "map query")?;
        let nearest = request::nearest_valid_named(
            &self.network,
            [query.height, query.width],
            query.mode.as_deref(),
            query.depth,
        )
        .map_err(js_error)?;
        match nearest {
            None => Ok(JsValue::NULL),
            Some((query, problem)) => to_js(&NearestJs {
                query: QueryJs::of(query),
                problem: problem.into(),
            }),
        }
    }

    /// Computes a utilization map; it stays in WASM memory.
    pub fn utilization(&self, query: JsValue) -> Result<MapView, JsValue> {
        let query = QueryJs::parse(query)?;
        let plan = query.plan(&self.network).map_err(js_error)?;
        let map = analysis::utilization_of_plan(&plan).map_err(js_error)?;
        let summary = Summary::of(&map);
        let profiles = centre_profiles(&map.values);
        let size = map.size();
        let values = map.values.into_raw_vec_and_offset().0;
        let stats = MapStats::of(&values, size).map_err(js_error)?;
        Ok(MapView {
            values,
            size,
            log2_scale: map.log2_scale,
            summary: Some(summary),
            profiles: Some(profiles),
            offsets: None,
            stats,
            scale: None,
            pixels: Vec::new(),
        })
    }

    /// The uneven-padding doctor: `(query, {framework?, search?})` → `{framework, mode,
    /// report, sizes, alternatives, depth_profile}` (see `analysis::doctor`).
    pub fn diagnose(&self, query: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let query = QueryJs::parse(query)?;
        let options: DiagnoseOptionsJs = if options.is_undefined() || options.is_null() {
            DiagnoseOptionsJs::default()
        } else {
            from_js(options, "diagnose options")?
        };
        let options = DoctorOptions {
            framework: options.framework,
            mode: query.mode,
            search: options.search.unwrap_or(crate::catalog::DEFAULT_SEARCH),
        };
        let diagnosis = doctor::diagnose(&self.network, query.size, options).map_err(js_error)?;
        to_js(&diagnosis)
    }

    /// Boundary marginalization of one map (definitions.md §4); throws for a map that cannot
    /// be computed.
    pub fn marginalization(
        &self,
        query: JsValue,
        threshold: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let query = QueryJs::parse(query)?;
        let threshold = check_threshold(threshold)?;
        let result = marginalization::of_map(
            &self.network,
            query.size,
            query.mode,
            query.depth,
            threshold,
        )
        .map_err(js_error)?;
        to_js(&result)
    }

    /// One point of a marginalization sweep at a square `size`; a size the network cannot
    /// run at comes back with `error` set rather than throwing, so a sweep goes on past it.
    #[wasm_bindgen(js_name = sweepPoint)]
    pub fn sweep_point(
        &self,
        size: usize,
        mode: Option<String>,
        threshold: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let mode = parse_mode(mode)?;
        let threshold = check_threshold(threshold)?;
        to_js(&marginalization::sweep_point(
            &self.network,
            size,
            mode,
            threshold,
        ))
    }
}

fn check_threshold(threshold: Option<f64>) -> Result<f64, JsValue> {
    let threshold = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if threshold > 0.0 && threshold <= 1.0 {
        Ok(threshold)
    } else {
        Err(error_object(
            &format!("the threshold τ must be above 0 and at most 1, got {threshold}"),
            &Location::of(Subject::Request).with_field("threshold"),
        ))
    }
}

/// A map held in WASM memory — a utilization map, or the ratio of two — with its colours:
/// the page draws it, reads its pixels and profiles, and never copies its values out.
#[wasm_bindgen]
pub struct MapView {
    values: Vec<f64>,
    size: [usize; 2],
    log2_scale: i32,
    /// Count maps only.
    summary: Option<Summary>,
    profiles: Option<CentreProfiles>,
    /// Ratio maps only: where the compared region starts in A and B.
    offsets: Option<[[usize; 2]; 2]>,
    /// Extremes and centre, found once: every recolouring needs them.
    stats: MapStats,
    scale: Option<ColourScale>,
    /// The last drawing's pixels, reused so that panning allocates nothing.
    pixels: Vec<u8>,
}

#[derive(Serialize)]
struct Colours {
    low: f64,
    high: f64,
    #[serde(rename = "referenceValue")]
    reference_value: f64,
}

impl MapView {
    fn scaled(&self) -> ScaledMap<'_> {
        ScaledMap {
            values: &self.values,
            size: self.size,
            log2_scale: self.log2_scale,
        }
    }
}

#[wasm_bindgen]
impl MapView {
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> usize {
        self.size[0]
    }

    #[wasm_bindgen(getter)]
    pub fn width(&self) -> usize {
        self.size[1]
    }

    /// Raw count = value · 2^log2Scale.
    #[wasm_bindgen(getter, js_name = log2Scale)]
    pub fn log2_scale(&self) -> i32 {
        self.log2_scale
    }

    /// `{height, width, centre, min, max, corner_to_centre, left_to_right, top_to_bottom,
    /// log2_scale}` (stored values), or null for a ratio map.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.summary)
    }

    /// `{row, column, rows, columns}`: the centre row and column (stored values) and which
    /// rows and columns they average; null for a ratio map.
    pub fn profiles(&self) -> Result<JsValue, JsValue> {
        to_js(&self.profiles)
    }

    /// Ratio maps: `{a: [top, left], b: [top, left]}`, where the compared region starts in
    /// each; null for a count map.
    pub fn offsets(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Offsets {
            a: [usize; 2],
            b: [usize; 2],
        }
        to_js(&self.offsets.map(|[a, b]| Offsets { a, b }))
    }

    /// `[low, high]`: the relative values this map alone would span under `display`
    /// (`{colormap, reference, scale}`), for a range shared between maps.
    #[wasm_bindgen(js_name = relativeRange)]
    pub fn relative_range(&self, display: JsValue) -> Result<Vec<f64>, JsValue> {
        let display: RenderOptions = from_js(display, "display options")?;
        let (_, range) = ColourScale::relative_range(&self.stats, display);
        Ok(range.to_vec())
    }

    /// Chooses the colours: a count map by `display` over its own range or `range` (relative
    /// `[low, high]`); a ratio map always on the diverging map, log-scaled around 1.
    /// Returns `{low, high, referenceValue}` for the colour bar.
    pub fn colour(
        &mut self,
        display: JsValue,
        range: Option<Vec<f64>>,
    ) -> Result<JsValue, JsValue> {
        let display: RenderOptions = from_js(display, "display options")?;
        let range = match range.as_deref() {
            None => None,
            Some(&[low, high]) => Some([low, high]),
            Some(_) => return Err(request_error("a colour range is [low, high]")),
        };
        let scale = if self.offsets.is_some() {
            ColourScale::diverging(&self.stats)
        } else {
            ColourScale::sequential(&self.stats, display, range)
        };
        let colours = Colours {
            low: scale.low,
            high: scale.high,
            reference_value: scale.reference_value,
        };
        self.scale = Some(scale);
        to_js(&colours)
    }

    /// Draws what `viewport` (`{width, height, zoom, offset: [y, x]}`, device pixels; see
    /// `render::Viewport`) shows of the map into the canvas of `context`, resizing the canvas
    /// to the viewport.
    pub fn draw(
        &mut self,
        context: &OffscreenCanvasRenderingContext2d,
        viewport: JsValue,
    ) -> Result<(), JsValue> {
        let viewport: Viewport = from_js(viewport, "viewport")?;
        let scale = self
            .scale
            .as_ref()
            .ok_or_else(|| request_error("choose the map's colours before drawing it"))?;
        render::draw(&self.values, self.size, scale, &viewport, &mut self.pixels)
            .map_err(js_error)?;
        let canvas = context.canvas();
        let (width, height) = (viewport.width as u32, viewport.height as u32);
        if canvas.width() != width {
            canvas.set_width(width);
        }
        if canvas.height() != height {
            canvas.set_height(height);
        }
        let image =
            ImageData::new_with_u8_clamped_array_and_sh(Clamped(&self.pixels), width, height)?;
        context.put_image_data(&image, 0.0, 0.0)
    }

    /// The stored value at (`row`, `column`), or undefined outside the map.
    pub fn value(&self, row: usize, column: usize) -> Option<f64> {
        (row < self.size[0] && column < self.size[1])
            .then(|| self.values[row * self.size[1] + column])
    }

    /// The stored values as a NumPy `.npy` (f64, height × width): the bytes
    /// `padlens utilization --format npy` writes for the same map.
    pub fn npy(&self) -> Result<Vec<u8>, JsValue> {
        export::npy(&self.values, &self.size).map_err(js_error)
    }

    /// The stored values as CSV, one line per row: as `padlens utilization --format csv`.
    pub fn csv(&self) -> Result<String, JsValue> {
        export::csv_grid(&self.values, self.size).map_err(js_error)
    }

    /// The whole map at one pixel per value, RGBA, in the colours of the last `colour`
    /// call: what a download draws, exactly the pixels the canvas shows at 1:1.
    pub fn rgba(&self) -> Result<Vec<u8>, JsValue> {
        let scale = self
            .scale
            .as_ref()
            .ok_or_else(|| request_error("choose the map's colours before drawing it"))?;
        let mut pixels = Vec::new();
        render::draw(
            &self.values,
            self.size,
            scale,
            &Viewport::whole(self.size),
            &mut pixels,
        )
        .map_err(js_error)?;
        Ok(pixels)
    }

    /// A ÷ B of raw counts over the centre-aligned common region.
    pub fn ratio(a: &MapView, b: &MapView) -> Result<MapView, JsValue> {
        let ratio = render::centred_ratio(a.scaled(), b.scaled()).map_err(js_error)?;
        let stats = MapStats::of(&ratio.values, ratio.size).map_err(js_error)?;
        Ok(MapView {
            values: ratio.values,
            size: ratio.size,
            log2_scale: 0,
            summary: None,
            profiles: None,
            offsets: Some(ratio.offsets),
            stats,
            scale: None,
            pixels: Vec::new(),
        })
    }
}

/// Row-major `values` of `shape` as a NumPy `.npy` (f64): for values the page holds, such as
/// a detectability grid's scores; the bytes `padlens detect --format npy` writes.
#[wasm_bindgen(js_name = exportNpy)]
pub fn export_npy(values: &[f64], shape: Vec<usize>) -> Result<Vec<u8>, JsValue> {
    export::npy(values, &shape).map_err(js_error)
}

/// Row-major `values` (`height × width`) as CSV, one line per row: as the CLI's `--format csv`.
#[wasm_bindgen(js_name = exportCsvGrid)]
pub fn export_csv_grid(values: &[f64], height: usize, width: usize) -> Result<String, JsValue> {
    export::csv_grid(values, [height, width]).map_err(js_error)
}

/// A vertical colour bar, `length` RGBA pixels, top (high) first.
#[wasm_bindgen]
pub fn colorbar(colormap: &str, length: usize) -> Result<Vec<u8>, JsValue> {
    let colormap: Colormap = from_js(JsValue::from_str(colormap), "colormap")?;
    Ok(render::colorbar(
        colormap,
        length.min(render::MAX_CANVAS_SIDE),
    ))
}

/// One RGBA colour per value, coloured as a map is (`display`: `{colormap, reference,
/// scale}`) over the values' own range: for small maps drawn cell by cell (the explainer).
#[wasm_bindgen(js_name = colourValues)]
pub fn colour_values(values: &[f64], display: JsValue) -> Result<Vec<u8>, JsValue> {
    let display: RenderOptions = if display.is_undefined() || display.is_null() {
        RenderOptions::default()
    } else {
        from_js(display, "display options")?
    };
    let stats = MapStats::of(values, [1, values.len()]).map_err(js_error)?;
    let scale = ColourScale::sequential(&stats, display, None);
    Ok(values.iter().flat_map(|&v| scale.colour(v)).collect())
}

/// RGBA per value on `colormap`, linear from `low` to `high` (see
/// [`render::colour_in_range`]).
#[wasm_bindgen(js_name = colourInRange)]
pub fn colour_in_range(
    values: &[f64],
    low: f64,
    high: f64,
    colormap: &str,
) -> Result<Vec<u8>, JsValue> {
    let colormap: Colormap = from_js(JsValue::from_str(colormap), "colormap")?;
    Ok(render::colour_in_range(values, low, high, colormap))
}

/// The widest padding the explainer takes for a layer of this kernel and dilation.
#[wasm_bindgen(js_name = explainMaxPadding)]
pub fn explain_max_padding(kernel: usize, dilation: usize) -> usize {
    explainer::max_padding(&explainer::ExplainerLayer {
        kernel,
        stride: 1,
        dilation,
        padding: 0,
        mode: PaddingMode::Zeros,
    })
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

/// For a configuration the explainer cannot draw, `{config, problem}`: the nearest one it
/// can and why (`problem` as in `Network.nearestValid`); null when it can be drawn.
#[wasm_bindgen(js_name = explainNearestValid)]
pub fn explain_nearest_valid(config: JsValue) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Nearest {
        config: explainer::ExplainerConfig,
        problem: Problem,
    }
    let config: explainer::ExplainerConfig = from_js(config, "explainer configuration")?;
    match explainer::nearest_valid(&config).map_err(js_error)? {
        None => Ok(JsValue::NULL),
        Some((config, problem)) => to_js(&Nearest {
            config,
            problem: problem.into(),
        }),
    }
}

/// An ONNX model, parsed once and kept by the Model page's worker.
#[wasm_bindgen(js_name = Model)]
pub struct ModelJs {
    model: Model,
}

/// `{height?, width?, mode?}`: where a model runs; absent fields are the model's own.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ModelRunJs {
    #[serde(default)]
    height: Option<usize>,
    #[serde(default)]
    width: Option<usize>,
    #[serde(default)]
    mode: Option<String>,
}

impl ModelRunJs {
    fn parse(value: JsValue) -> Result<(Option<[usize; 2]>, Option<PaddingMode>), JsValue> {
        let run: ModelRunJs = if value.is_undefined() || value.is_null() {
            ModelRunJs::default()
        } else {
            from_js(value, "model run")?
        };
        Ok((model_size(run.height, run.width)?, parse_mode(run.mode)?))
    }
}

/// A model's input size from optional height and width: both, or neither (its own).
fn model_size(height: Option<usize>, width: Option<usize>) -> Result<Option<[usize; 2]>, JsValue> {
    match (height, width) {
        (Some(h), Some(w)) => Ok(Some([h, w])),
        (None, None) => Ok(None),
        _ => Err(request_error("give both height and width, or neither")),
    }
}

#[wasm_bindgen(js_class = Model)]
impl ModelJs {
    /// Reads an ONNX file; throws a core error saying what is wrong with it.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Vec<u8>) -> Result<ModelJs, JsValue> {
        let model = Model::from_onnx(bytes).map_err(js_error)?;
        Ok(ModelJs { model })
    }

    /// `[height, width]`, each null where the model leaves it dynamic.
    #[wasm_bindgen(js_name = declaredSize)]
    pub fn declared_size(&self) -> Result<JsValue, JsValue> {
        to_js(&self.model.declared_size())
    }

    /// The summary (src/infer/inspect.rs `Summary`) at `{height?, width?, mode?}`.
    pub fn summary(&self, run: JsValue) -> Result<JsValue, JsValue> {
        let (size, mode) = ModelRunJs::parse(run)?;
        let plan = self.model.plan(size, mode, &[]).map_err(js_error)?;
        to_js(&inspect::summary(&self.model, &plan))
    }

    /// Every k×k conv layer's mean filter and asymmetry (definitions.md §6).
    #[wasm_bindgen(js_name = meanFilters)]
    pub fn mean_filters(&self) -> Result<JsValue, JsValue> {
        to_js(&inspect::mean_filters(self.model.graph()))
    }

    /// Mean feature maps at `{height?, width?, mode?}` over inputs drawn from `seed`; the
    /// caller adds samples one at a time.
    #[wasm_bindgen(js_name = meanFeatureMaps)]
    pub fn mean_feature_maps(&self, run: JsValue, seed: u32) -> Result<MeanFeatureMapsJs, JsValue> {
        let (size, mode) = ModelRunJs::parse(run)?;
        let inner =
            MeanFeatureMaps::new(&self.model, size, mode, u64::from(seed)).map_err(js_error)?;
        Ok(MeanFeatureMapsJs { inner })
    }

    /// The projection of the model's spatial part onto a layer graph (definitions.md §8), as
    /// a `Network` the explorer's analyses take; throws, naming the node, where it cannot be
    /// projected.
    pub fn projection(&self, name: &str) -> Result<NetworkJs, JsValue> {
        let network = projection::project(&self.model, name).map_err(js_error)?;
        Ok(NetworkJs { network })
    }

    /// A detectability grid's placements, ready to be scored (definitions.md §5): the model
    /// planned at the request's size and padding and, unless `full`, the background run once.
    /// Each worker of the Blind spots page holds one and scores its share of the grid.
    pub fn detector(&self, request: JsValue) -> Result<DetectorJs, JsValue> {
        let request: DetectRequestJs = from_js(request, "detectability request")?;
        let evaluation = if request.full {
            Evaluation::Full
        } else {
            Evaluation::Incremental
        };
        let request = request.into_core()?;
        let inner = Detector::new(&self.model, &request, evaluation).map_err(js_error)?;
        Ok(DetectorJs { inner })
    }

    /// The shift experiment (definitions.md §5) for the placement with corner `[y, x]`: the
    /// whole image shifted by 0 … `max_shift` pixels each way, scored; one call (a few dozen
    /// runs of the model), cancelled by terminating the worker.
    pub fn shift(
        &self,
        request: JsValue,
        y: usize,
        x: usize,
        max_shift: usize,
    ) -> Result<JsValue, JsValue> {
        let request: DetectRequestJs = from_js(request, "detectability request")?;
        let request = request.into_core()?;
        let curve = ShiftCurve::compute(&self.model, &request, [y, x], max_shift, &mut |_, _| true)
            .map_err(js_error)?;
        to_js(&curve)
    }

    /// The model planned for forward passes on images at `{height?, width?, mode?}`.
    pub fn forward(&self, run: JsValue) -> Result<ForwardJs, JsValue> {
        let (size, mode) = ModelRunJs::parse(run)?;
        let inner = Forward::new(&self.model, size, mode).map_err(js_error)?;
        Ok(ForwardJs { inner })
    }
}

#[wasm_bindgen(js_name = MeanFeatureMaps)]
pub struct MeanFeatureMapsJs {
    inner: MeanFeatureMaps,
}

#[wasm_bindgen(js_class = MeanFeatureMaps)]
impl MeanFeatureMapsJs {
    /// Runs one more random input.
    #[wasm_bindgen(js_name = addSample)]
    pub fn add_sample(&mut self) -> Result<(), JsValue> {
        self.inner.add_sample().map_err(js_error)
    }

    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.inner.samples()
    }

    /// `[{layer, size: [h, w], values}]`: the means so far.
    pub fn maps(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.maps().map_err(js_error)?)
    }
}

#[wasm_bindgen(js_name = Forward)]
pub struct ForwardJs {
    inner: Forward,
}

#[wasm_bindgen(js_class = Forward)]
impl ForwardJs {
    /// `[height, width]` the image is resized to.
    pub fn size(&self) -> Vec<usize> {
        self.inner.size().to_vec()
    }

    /// Runs a 1×C×H×W float input (as planned) and returns the first output's values: for
    /// callers that prepare their own input, such as the benchmarks.
    #[wasm_bindgen(js_name = runInput)]
    pub fn run_input(&mut self, input: &[f32]) -> Result<Vec<f32>, JsValue> {
        Ok(self.inner.run(input).map_err(js_error)?.to_vec())
    }

    /// Runs an RGBA image of `width × height`, normalised as `normalization` says (`none`
    /// or `imagenet`): `{output, shape, top: [{index, probability, logit}]}`.
    #[wasm_bindgen(js_name = runImage)]
    pub fn run_image(
        &mut self,
        rgba: &[u8],
        width: usize,
        height: usize,
        normalization: JsValue,
        top: usize,
    ) -> Result<JsValue, JsValue> {
        let normalization: Normalization = from_js(normalization, "normalization")?;
        let result = self
            .inner
            .run_image(rgba, width, height, normalization, top)
            .map_err(js_error)?;
        to_js(&result)
    }
}

/// RGBA pixels, 8 bits per channel, row by row: an image the page decoded.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageJs {
    width: usize,
    height: usize,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    data: js_sys::Uint8Array,
}

/// `{height?, width?, mode?, background, backgroundImage?, stimulus, stimulusImage?,
/// stimulusSize, stride, score, normalization, full?}`: a background or stimulus named
/// `image` comes as its `…Image`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DetectRequestJs {
    #[serde(default)]
    height: Option<usize>,
    #[serde(default)]
    width: Option<usize>,
    #[serde(default)]
    mode: Option<String>,
    background: String,
    #[serde(default)]
    background_image: Option<ImageJs>,
    stimulus: String,
    #[serde(default)]
    stimulus_image: Option<ImageJs>,
    stimulus_size: usize,
    stride: usize,
    score: String,
    normalization: Normalization,
    #[serde(default)]
    full: bool,
}

impl DetectRequestJs {
    fn into_core(self) -> Result<DetectRequest, JsValue> {
        let size = model_size(self.height, self.width)?;
        let background = match (self.background.as_str(), self.background_image) {
            ("image", Some(image)) => Background::Image(
                RgbImage::from_rgba8(&image.data.to_vec(), image.width, image.height)
                    .map_err(js_error)?,
            ),
            (name, _) => Background::parse(name).map_err(js_error)?,
        };
        let stimulus = match (self.stimulus.as_str(), self.stimulus_image) {
            ("image", Some(image)) => Stimulus::Image(
                RgbaImage::from_rgba8(&image.data.to_vec(), image.width, image.height)
                    .map_err(js_error)?,
            ),
            (name, _) => Stimulus::parse(name).map_err(js_error)?,
        };
        Ok(DetectRequest {
            size,
            padding: parse_mode(self.mode)?,
            background,
            stimulus,
            stimulus_size: self.stimulus_size,
            stride: self.stride,
            score: Score::parse(&self.score).map_err(js_error)?,
            normalization: self.normalization,
        })
    }
}

#[wasm_bindgen(js_name = Detector)]
pub struct DetectorJs {
    inner: Detector,
}

#[wasm_bindgen(js_class = Detector)]
impl DetectorJs {
    /// `{size, stride, rows, cols, image: [height, width]}`.
    pub fn placements(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.placements())
    }

    /// The background as RGBA pixels (H×W, opaque): what the page draws the grid over.
    #[wasm_bindgen(js_name = backgroundRgba)]
    pub fn background_rgba(&self) -> Vec<u8> {
        self.inner.background_rgba8()
    }

    /// The scores of placements `start … end − 1` (row-major), in order.
    pub fn scores(&mut self, start: usize, end: usize) -> Result<Vec<f64>, JsValue> {
        (start..end)
            .map(|index| self.inner.score(index).map_err(js_error))
            .collect()
    }
}
