//! The step-through explainer: one small convolution layer (or two stacked), any padding mode,
//! and for every input pixel the windows that read it and through which kernel cells. It is
//! the paper site's hand-drawn widget, computed: the counts are the utilization map of the
//! same net (definitions.md §3), and the tests hold the per-window list to it.

use super::utilization;
use crate::error::{AxisError, Error, Location, Result, SpecError, Subject};
use crate::geometry::{AxisResolution, AxisWindow, PaddingSpec};
use crate::net::{Layer, Network, Plan, Size, Step, WindowKind, WindowLayer};
use crate::padding::PaddingMode;
use serde::{Deserialize, Serialize};

/// Sides and parameters the explainer accepts: small enough to letter every pixel.
pub const MAX_SIDE: usize = 16;
pub const MAX_KERNEL: usize = 7;
pub const MAX_STRIDE: usize = 3;
pub const MAX_DILATION: usize = 3;
pub const MAX_LAYERS: usize = 2;

/// One square layer: the same kernel, stride, dilation and padding on both axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainerLayer {
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    /// Padding before and after on each axis (VALID ignores it, FULL widens it to `ke − 1`).
    pub padding: usize,
    pub mode: PaddingMode,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainerConfig {
    pub height: usize,
    pub width: usize,
    pub layers: Vec<ExplainerLayer>,
}

/// What one padded position of a layer's input holds and whether any window reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PaddedCell {
    /// Position in input coordinates (negative, or past the input, in the padding).
    pub position: [i64; 2],
    /// The input pixel it shows (a copy under circular, reflect, symmetric, replicate), or
    /// `None` for zeros.
    pub source: Option<[usize; 2]>,
    pub padding: bool,
    /// Some window of this layer reads the cell.
    pub read: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerView {
    pub config: ExplainerLayer,
    /// The widest padding the layer may ask for ([`max_padding`]), for the padding control.
    pub max_padding: usize,
    pub axes: [AxisResolution; 2],
    pub input: Size,
    pub output: Size,
    /// The padded input, row-major, `(input + before + after)` per side.
    pub padded_size: Size,
    pub padded: Vec<PaddedCell>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub layers: Vec<LayerView>,
    /// How many convolution operations read each input pixel, through every layer
    /// (row-major): the utilization map of the stack.
    pub counts: Vec<f64>,
    /// The same for the first layer alone, to show how the second compounds it.
    pub first_layer_counts: Vec<f64>,
    /// With two layers: how many ways each output of the first reaches the second's output
    /// (row-major, the first layer's output size) — the `downstream` of its windows.
    pub downstream: Option<Vec<f64>>,
}

/// A kernel cell of a window that reads the chosen pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TapHit {
    /// `[row, column]` in the kernel.
    pub tap: [usize; 2],
    /// The padded position the cell reads (a copy of the pixel when outside the input).
    pub position: [i64; 2],
}

/// One window of the first layer that reads the chosen pixel.
#[derive(Clone, Debug, Serialize)]
pub struct WindowVisit {
    /// The window's output position.
    pub output: [usize; 2],
    /// Its top-left padded position.
    pub origin: [i64; 2],
    pub hits: Vec<TapHit>,
    /// Partial convolution's taps/valid-taps ratio for this window; 1 otherwise.
    pub weight: f64,
    /// How many ways this output reaches the last layer's map (1 with a single layer).
    pub downstream: f64,
    /// `hits · weight · downstream`: this window's share of the pixel's count.
    pub contribution: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PixelExplanation {
    pub pixel: [usize; 2],
    pub windows: Vec<WindowVisit>,
    /// Per kernel cell of the first layer (row-major `k × k`), the sum of the contributions
    /// of the windows reading the pixel through it.
    pub tap_counts: Vec<f64>,
    /// The pixel's count: the sum of the contributions.
    pub total: f64,
}

fn check(config: &ExplainerConfig) -> Result<()> {
    let check = |what: String, value: usize, [lo, hi]: [usize; 2], location: Location| {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(Error::out_of_range(
                what,
                value as f64,
                [lo as f64, hi as f64],
                location,
            ))
        }
    };
    for (axis, value) in [("height", config.height), ("width", config.width)] {
        let location = Location::of(Subject::Size).with_field(axis);
        check(format!("the {axis}"), value, [1, MAX_SIDE], location)?;
    }
    check(
        "the number of layers".into(),
        config.layers.len(),
        [1, MAX_LAYERS],
        Location::of(Subject::Layer).with_field("layers"),
    )?;
    for (i, layer) in config.layers.iter().enumerate() {
        let limits = [
            ("kernel", layer.kernel, [1, MAX_KERNEL]),
            ("stride", layer.stride, [1, MAX_STRIDE]),
            ("dilation", layer.dilation, [1, MAX_DILATION]),
            ("padding", layer.padding, [0, max_padding(layer)]),
        ];
        for (field, value, range) in limits {
            let location = Location::of(Subject::Layer)
                .with_field(field)
                .at_position(i);
            check(format!("layer {}'s {field}", i + 1), value, range, location)?;
        }
    }
    Ok(())
}

/// The widest padding a layer may ask for: one dilated kernel minus one (FULL's amount).
/// Wider padding would only add windows that read nothing but padding.
pub fn max_padding(layer: &ExplainerLayer) -> usize {
    layer.dilation * layer.kernel.saturating_sub(1)
}

/// The nearest configuration the explainer can draw, and why `config` cannot be drawn;
/// `None` when it can. Settings out of range are clamped into it; then, layer by layer,
/// padding a mode cannot make from the input is narrowed and a kernel wider than its padded
/// input is shrunk, one step at a time, so the view changes as little as it must.
pub fn nearest_valid(config: &ExplainerConfig) -> Result<Option<(ExplainerConfig, Error)>> {
    let first = match plan(config) {
        Ok(_) => return Ok(None),
        Err(error) => error,
    };
    let mut current = config.clone();
    current.height = current.height.clamp(1, MAX_SIDE);
    current.width = current.width.clamp(1, MAX_SIDE);
    current.layers.truncate(MAX_LAYERS);
    if current.layers.is_empty() {
        current.layers.push(ExplainerLayer {
            kernel: 3,
            stride: 1,
            dilation: 1,
            padding: 1,
            mode: PaddingMode::Zeros,
        });
    }
    for layer in &mut current.layers {
        layer.kernel = layer.kernel.clamp(1, MAX_KERNEL);
        layer.stride = layer.stride.clamp(1, MAX_STRIDE);
        layer.dilation = layer.dilation.clamp(1, MAX_DILATION);
        layer.padding = layer.padding.min(max_padding(layer));
    }
    // Each step lowers a padding or a kernel by one: bounded by their sum over the layers.
    let steps = MAX_LAYERS * (MAX_KERNEL + MAX_DILATION * MAX_KERNEL) + 1;
    for _ in 0..steps {
        let error = match plan(&current) {
            Ok(_) => return Ok(Some((current, first))),
            Err(error) => error,
        };
        let Error::Layer {
            position: Some(index),
            source,
            ..
        } = &error
        else {
            return Err(first);
        };
        let Some(layer) = current.layers.get_mut(*index) else {
            return Err(first);
        };
        match source {
            AxisError::PaddingTooWide { .. } if layer.padding > 0 => layer.padding -= 1,
            AxisError::KernelLargerThanInput { .. } if layer.kernel > 1 => {
                layer.kernel -= 1;
                layer.padding = layer.padding.min(max_padding(layer));
            }
            _ => return Err(first),
        }
    }
    Err(first)
}

fn network(config: &ExplainerConfig) -> Network {
    let layers = config
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Layer::Window(WindowLayer {
                name: format!("layer {}", i + 1),
                kind: WindowKind::Conv,
                window: [AxisWindow::new(l.kernel, l.stride, l.dilation); 2],
                padding: [PaddingSpec::symmetric(l.padding); 2],
                mode: l.mode,
            })
        })
        .collect();
    Network {
        name: "explainer".into(),
        layers,
    }
}

fn plan(config: &ExplainerConfig) -> Result<Plan> {
    check(config)?;
    network(config).plan([config.height, config.width], None, None)
}

fn window_axes(step: &Step) -> Result<([AxisResolution; 2], PaddingMode)> {
    match step {
        Step::Window { axes, mode, .. } => Ok((*axes, *mode)),
        // `network` builds convolutions only, so this is never reached.
        other => Err(Error::Spec(SpecError {
            path: other.name().to_owned(),
            field: None,
            message: "the explainer takes convolutions only".into(),
        })),
    }
}

/// Positions of one axis that some window reads.
fn read_positions(axis: &AxisResolution) -> Vec<bool> {
    let span = axis.before + axis.input + axis.after;
    let mut read = vec![false; span];
    for out in 0..axis.output {
        for tap in 0..axis.kernel {
            let index = axis.position(out, tap) + axis.before as i64;
            if let Some(cell) = usize::try_from(index).ok().and_then(|i| read.get_mut(i)) {
                *cell = true;
            }
        }
    }
    read
}

/// Lays out every layer and counts how many operations read each pixel.
pub fn explain(config: &ExplainerConfig) -> Result<Explanation> {
    let plan = plan(config)?;
    let mut layers = Vec::with_capacity(plan.steps.len());
    for (step, &layer) in plan.steps.iter().zip(&config.layers) {
        let (axes, mode) = window_axes(step)?;
        let reads = axes.map(|a| read_positions(&a));
        let spans = axes.map(|a| a.before + a.input + a.after);
        let mut padded = Vec::with_capacity(spans[0] * spans[1]);
        for row in 0..spans[0] {
            for col in 0..spans[1] {
                let position = [
                    row as i64 - axes[0].before as i64,
                    col as i64 - axes[1].before as i64,
                ];
                let source = mode
                    .source(position[0], axes[0].input)
                    .zip(mode.source(position[1], axes[1].input))
                    .map(|(y, x)| [y, x]);
                let inside = (0..axes[0].input as i64).contains(&position[0])
                    && (0..axes[1].input as i64).contains(&position[1]);
                padded.push(PaddedCell {
                    position,
                    source,
                    padding: !inside,
                    read: reads[0][row] && reads[1][col],
                });
            }
        }
        layers.push(LayerView {
            config: layer,
            max_padding: max_padding(&layer),
            axes,
            input: [axes[0].input, axes[1].input],
            output: [axes[0].output, axes[1].output],
            padded_size: spans,
            padded,
        });
    }
    let counts = utilization::utilization_of_plan(&plan)?;
    let first = Plan {
        steps: plan.steps[..1].to_vec(),
        output: plan.steps[0].output(),
        ..plan.clone()
    };
    let first_layer_counts = utilization::utilization_of_plan(&first)?;
    Ok(Explanation {
        layers,
        counts: counts.values.iter().copied().collect(),
        first_layer_counts: first_layer_counts.values.iter().copied().collect(),
        downstream: downstream(&plan)?.map(|d| d.iter().copied().collect()),
    })
}

/// What each first-layer output is worth downstream: the utilization map of the layers after
/// it, at its size; `None` when it is the only layer (every output counts once).
fn downstream(plan: &Plan) -> Result<Option<ndarray::Array2<f64>>> {
    if plan.steps.len() < 2 {
        return Ok(None);
    }
    let rest = Plan {
        input: plan.steps[0].output(),
        steps: plan.steps[1..].to_vec(),
        ..plan.clone()
    };
    Ok(Some(utilization::utilization_of_plan(&rest)?.values))
}

/// Every window of the first layer that reads `pixel`, through which kernel cells, and how
/// much each contributes to the pixel's count.
pub fn explain_pixel(config: &ExplainerConfig, pixel: [usize; 2]) -> Result<PixelExplanation> {
    let plan = plan(config)?;
    for (axis, (value, side)) in ["row", "column"]
        .into_iter()
        .zip(pixel.into_iter().zip([config.height, config.width]))
    {
        if value >= side {
            return Err(Error::out_of_range(
                format!("the pixel's {axis}"),
                value as f64,
                [0.0, (side - 1) as f64],
                Location::of(Subject::Request).with_field("pixel"),
            ));
        }
    }
    let (axes, mode) = window_axes(&plan.steps[0])?;
    let downstream = downstream(&plan)?;
    let k = [axes[0].kernel, axes[1].kernel];
    let mut tap_counts = vec![0.0; k[0] * k[1]];
    let mut windows = Vec::new();
    for oy in 0..axes[0].output {
        for ox in 0..axes[1].output {
            let mut hits = Vec::new();
            for ty in 0..k[0] {
                for tx in 0..k[1] {
                    let position = [axes[0].position(oy, ty), axes[1].position(ox, tx)];
                    if mode.source(position[0], axes[0].input) == Some(pixel[0])
                        && mode.source(position[1], axes[1].input) == Some(pixel[1])
                    {
                        hits.push(TapHit {
                            tap: [ty, tx],
                            position,
                        });
                    }
                }
            }
            if hits.is_empty() {
                continue;
            }
            let weight = partial_weight(&axes, mode, [oy, ox]);
            let downstream = downstream.as_ref().map_or(1.0, |d| d[(oy, ox)]);
            for hit in &hits {
                tap_counts[hit.tap[0] * k[1] + hit.tap[1]] += weight * downstream;
            }
            windows.push(WindowVisit {
                output: [oy, ox],
                origin: [axes[0].position(oy, 0), axes[1].position(ox, 0)],
                contribution: hits.len() as f64 * weight * downstream,
                hits,
                weight,
                downstream,
            });
        }
    }
    let total = windows.iter().map(|w| w.contribution).sum();
    Ok(PixelExplanation {
        pixel,
        windows,
        tap_counts,
        total,
    })
}

/// Partial convolution's taps / valid taps for one window (2-D); 1 for other modes.
fn partial_weight(axes: &[AxisResolution; 2], mode: PaddingMode, output: [usize; 2]) -> f64 {
    if mode != PaddingMode::Partial {
        return 1.0;
    }
    let valid = |axis: &AxisResolution, out: usize| {
        (0..axis.kernel)
            .filter(|&t| (0..axis.input as i64).contains(&axis.position(out, t)))
            .count()
    };
    let valid = valid(&axes[0], output[0]) * valid(&axes[1], output[1]);
    if valid == 0 {
        0.0
    } else {
        (axes[0].kernel * axes[1].kernel) as f64 / valid as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_bad_link_lands_on_the_nearest_drawable_layer() {
        // 2×2 with reflect padding 2: reflect needs more input than padding, so padding 1.
        let config = ExplainerConfig {
            height: 2,
            width: 2,
            layers: vec![ExplainerLayer {
                kernel: 3,
                stride: 1,
                dilation: 1,
                padding: 2,
                mode: PaddingMode::Reflect,
            }],
        };
        let (fixed, why) = nearest_valid(&config).unwrap().unwrap();
        assert_eq!(fixed.layers[0].padding, 1);
        let location = why.location();
        assert_eq!(
            (
                location.subject,
                location.position,
                location.field.as_deref()
            ),
            (Subject::Padding, Some(0), Some("padding"))
        );
        // Out of range: clamped, and the error says which layer and field.
        let mut wide = config.clone();
        wide.layers[0].mode = PaddingMode::Zeros;
        wide.layers.push(ExplainerLayer {
            kernel: 9,
            ..wide.layers[0]
        });
        let (fixed, why) = nearest_valid(&wide).unwrap().unwrap();
        assert_eq!(
            fixed.layers[1].kernel,
            MAX_KERNEL.min(fixed.layers[1].kernel)
        );
        assert!(explain(&fixed).is_ok());
        let location = why.location();
        assert_eq!(
            (
                location.subject,
                location.position,
                location.field.as_deref()
            ),
            (Subject::Layer, Some(1), Some("kernel"))
        );
        assert!(nearest_valid(&fixed).unwrap().is_none());
    }

    fn one(kernel: usize, dilation: usize, padding: usize, mode: PaddingMode) -> ExplainerConfig {
        ExplainerConfig {
            height: 7,
            width: 7,
            layers: vec![ExplainerLayer {
                kernel,
                stride: 1,
                dilation,
                padding,
                mode,
            }],
        }
    }

    fn is_uniform(counts: &[f64]) -> bool {
        counts.iter().all(|&c| c == counts[0])
    }

    #[test]
    fn the_original_widgets_examples() {
        // 3×3 zeros: the corner is read by 4 windows, an inner pixel by 9.
        let e = explain(&one(3, 1, 1, PaddingMode::Zeros)).unwrap();
        assert_eq!((e.counts[0], e.counts[3 * 7 + 3]), (4.0, 9.0));
        // Symmetric: uniform counts for 3×3 pad 1, 5×5 pad 2, 3×3 dilation 2 pad 2…
        for config in [
            one(3, 1, 1, PaddingMode::Symmetric),
            one(5, 1, 2, PaddingMode::Symmetric),
            one(3, 2, 2, PaddingMode::Symmetric),
        ] {
            assert!(is_uniform(&explain(&config).unwrap().counts), "{config:?}");
        }
        // …but not uniform kernel cells: the top-left cell reads the corner pixel in four
        // windows ((0,0), (0,1), (1,0), (1,1), through the mirror), the bottom-right in none.
        let p = explain_pixel(&one(3, 1, 1, PaddingMode::Symmetric), [0, 0]).unwrap();
        assert_eq!(p.total, 9.0);
        assert_eq!(p.tap_counts[0], 4.0);
        assert!(p.tap_counts.contains(&0.0));
        // Replicate 5×5 over-weights the border; reflect over-weights the next pixel.
        let e = explain(&one(5, 1, 2, PaddingMode::Replicate)).unwrap();
        assert!(e.counts[0] > e.counts[3 * 7 + 3]);
        let e = explain(&one(3, 1, 1, PaddingMode::Reflect)).unwrap();
        assert!(e.counts[3 * 7 + 1] > e.counts[3 * 7 + 3]);
        assert!(e.counts[3 * 7] < e.counts[3 * 7 + 3]);
    }

    #[test]
    fn uneven_strided_padding_is_marked_unread() {
        // 6 px, 3×3 stride 2 pad 1: windows start at −1, 1, 3; the last ends at 5, so the
        // after-padding (position 6) is never read.
        let config = ExplainerConfig {
            height: 6,
            width: 6,
            layers: vec![ExplainerLayer {
                kernel: 3,
                stride: 2,
                dilation: 1,
                padding: 1,
                mode: PaddingMode::Zeros,
            }],
        };
        let layer = &explain(&config).unwrap().layers[0];
        assert_eq!(layer.padded_size, [8, 8]);
        assert!(layer.padded[0].read && layer.padded[0].padding);
        assert!(!layer.padded[8 * 8 - 1].read);
    }

    #[test]
    fn two_layers_return_the_downstream_map_even_when_full_padding_widens_it() {
        let layer = |padding, mode| ExplainerLayer {
            kernel: 7,
            stride: 1,
            dilation: 3,
            padding,
            mode,
        };
        let config = ExplainerConfig {
            height: 16,
            width: 16,
            layers: vec![layer(0, PaddingMode::Full), layer(1, PaddingMode::Zeros)],
        };
        let e = explain(&config).unwrap();
        // FULL pads 18 on each side: layer 1's output is 16 + 36 − 19 + 1 = 34 wide.
        assert_eq!(e.layers[0].output, [34, 34]);
        let downstream = e.downstream.unwrap();
        assert_eq!(downstream.len(), 34 * 34);
        let p = explain_pixel(&config, [5, 5]).unwrap();
        for w in &p.windows {
            assert_eq!(w.downstream, downstream[w.output[0] * 34 + w.output[1]]);
        }
        assert!(explain(&one(3, 1, 1, PaddingMode::Zeros))
            .unwrap()
            .downstream
            .is_none());
    }

    #[test]
    fn bad_configurations_are_errors() {
        let mut config = one(3, 1, 1, PaddingMode::Reflect);
        config.height = 1;
        assert!(explain(&config)
            .unwrap_err()
            .to_string()
            .contains("reflect"));
        config.height = 40;
        assert!(explain(&config).is_err());
        let config = one(8, 1, 0, PaddingMode::Zeros);
        assert!(explain(&config).unwrap_err().to_string().contains("kernel"));
        assert!(explain_pixel(&one(3, 1, 1, PaddingMode::Zeros), [7, 0]).is_err());
    }

    fn arbitrary_config() -> impl Strategy<Value = ExplainerConfig> {
        let layer = (1usize..=7, 1usize..=3, 1usize..=3, 0usize..8, 0usize..8).prop_map(
            |(kernel, stride, dilation, padding, mode)| ExplainerLayer {
                kernel,
                stride,
                dilation,
                padding: padding.min(dilation * (kernel - 1)),
                mode: PaddingMode::ALL[mode],
            },
        );
        (
            1usize..=12,
            1usize..=12,
            prop::collection::vec(layer, 1..=2),
        )
            .prop_map(|(height, width, layers)| ExplainerConfig {
                height,
                width,
                layers,
            })
    }

    proptest! {
        #[test]
        fn window_lists_add_up_to_the_utilization_map(config in arbitrary_config()) {
            let Ok(explanation) = explain(&config) else { return Ok(()) };
            for y in 0..config.height {
                for x in 0..config.width {
                    let pixel = explain_pixel(&config, [y, x]).unwrap();
                    let expected = explanation.counts[y * config.width + x];
                    prop_assert!((pixel.total - expected).abs() <= 1e-9 * expected.max(1.0));
                    let by_taps: f64 = pixel.tap_counts.iter().sum();
                    prop_assert!((by_taps - expected).abs() <= 1e-9 * expected.max(1.0));
                }
            }
        }
    }
}
