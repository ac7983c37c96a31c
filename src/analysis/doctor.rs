//! The uneven-padding doctor: is this input size uneven, where, what does it do to the map,
//! and what should change? It combines the report ([`super::uneven`]) with input sizes that
//! are clean, alternatives re-run through the report, and the asymmetry of the utilization map
//! after each layer.

use super::uneven::{report, UnevenReport};
use super::{utilization, Summary};
use crate::error::{Error, Result};
use crate::geometry::{resolve, PaddingSpec};
use crate::net::transform::{rigid_pooling, to_framework, to_same_lower, with_padding, Framework};
use crate::net::{ModeOverride, Network, Size, Step};
use serde::Serialize;

/// Sizes at which every layer reads its padding evenly and drops no input, along one axis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SizeAdvice {
    /// 0 height, 1 width.
    pub axis: usize,
    pub current: usize,
    pub current_is_clean: bool,
    /// The nearest clean sizes below and above `current` within the searched range.
    pub below: Option<usize>,
    pub above: Option<usize>,
    /// When the clean sizes are exactly one residue class from some size on, e.g. ResNet's
    /// `n ≡ 1 (mod 32)` for n ≥ 33.
    pub rule: Option<SizeRule>,
    /// The range searched, inclusive.
    pub range: [usize; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SizeRule {
    pub modulus: usize,
    pub residue: usize,
    pub from: usize,
}

impl std::fmt::Display for SizeRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n ≡ {} (mod {}), n ≥ {}",
            self.residue, self.modulus, self.from
        )
    }
}

/// Which kind of change an [`Alternative`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlternativeKind {
    /// Pad (or resize) the input up to the nearest even size.
    PadInput,
    /// Crop (or resize) the input down to the nearest even size.
    CropInput,
    /// TF/Keras `padding="same"`: an odd total's extra pixel after.
    TfSame,
    /// ONNX `SAME_LOWER`: an odd total's extra pixel before.
    SameLower,
    /// Strided layers made stride 1, each followed by an s×s/s average pool.
    RigidPooling,
    /// New padding amounts for the offending layers.
    LayerPadding,
}

/// One way to remove the unevenness, with the report re-run on it.
#[derive(Clone, Debug, Serialize)]
pub struct Alternative {
    pub kind: AlternativeKind,
    pub title: String,
    pub detail: String,
    pub input: Size,
    pub uneven: [usize; 2],
    pub dropping: [usize; 2],
    /// The utilization map's border ratios under the alternative (None if it cannot run).
    pub left_to_right: Option<f64>,
    pub top_to_bottom: Option<f64>,
    pub error: Option<String>,
}

/// The asymmetry of the utilization map by the first `depth` top-level layers.
#[derive(Clone, Debug, Serialize)]
pub struct DepthPoint {
    pub depth: usize,
    pub layer: String,
    pub left_to_right: f64,
    pub top_to_bottom: f64,
    pub corner_to_centre: f64,
    /// The report flags a layer inside this top-level layer.
    pub offending: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub framework: Framework,
    /// The padding mode every convolution used, or null for the network's own.
    pub mode: ModeOverride,
    pub report: UnevenReport,
    pub sizes: [SizeAdvice; 2],
    pub alternatives: Vec<Alternative>,
    pub depth_profile: Vec<DepthPoint>,
}

/// Options of [`diagnose`].
#[derive(Clone, Copy, Debug)]
pub struct DoctorOptions {
    pub framework: Framework,
    /// One padding mode for every convolution, as in the utilization map; VALID and FULL
    /// change the amounts, so they change the report too.
    pub mode: ModeOverride,
    /// Inclusive range of input sizes to search for clean ones.
    pub search: [usize; 2],
}

/// Above this many top-level layers × pixels, the per-depth profile is skipped: it costs one
/// utilization map per depth (resnet152 at 1024² would be ~50 maps of a million pixels).
const DEPTH_PROFILE_BUDGET: usize = 50 * 512 * 512;

pub fn diagnose(network: &Network, input: Size, options: DoctorOptions) -> Result<Diagnosis> {
    let [lo, hi] = options.search;
    if lo == 0 || lo > hi || hi > crate::geometry::MAX_EXTENT {
        return Err(Error::InputSize {
            height: lo,
            width: hi,
            reason: format!(
                "the search range must be 1 ≤ from ≤ to ≤ {}",
                crate::geometry::MAX_EXTENT
            ),
        });
    }
    let network = to_framework(network, options.framework);
    let mode = options.mode;
    let plan = network.plan_explained(input, mode, None)?;
    let report = report(&plan);
    let sizes = [0, 1].map(|axis| size_advice(&network, input, axis, options.search, mode));
    let alternatives = alternatives(&network, input, &report, &sizes, &options);
    let depth_profile = if network.layers.len() * input[0] * input[1] <= DEPTH_PROFILE_BUDGET {
        depth_profile(&network, input, &report, mode)?
    } else {
        Vec::new()
    };
    Ok(Diagnosis {
        framework: options.framework,
        mode,
        report,
        sizes,
        alternatives,
        depth_profile,
    })
}

/// Whether the network is clean along `axis` at length `n`, the other axis held at `other`.
/// Layers are separable, so the other axis only matters if it makes the plan fail; then the
/// square size is tried.
fn clean_along(network: &Network, axis: usize, n: usize, other: usize, mode: ModeOverride) -> bool {
    let size = |o: usize| if axis == 0 { [n, o] } else { [o, n] };
    let plan = network
        .plan(size(other), mode, None)
        .or_else(|_| network.plan([n, n], mode, None));
    plan.map(|p| report(&p).is_clean(axis)).unwrap_or(false)
}

fn size_advice(
    network: &Network,
    input: Size,
    axis: usize,
    range: [usize; 2],
    mode: ModeOverride,
) -> SizeAdvice {
    let current = input[axis];
    let other = input[1 - axis];
    let clean: Vec<usize> = (range[0]..=range[1])
        .filter(|&n| clean_along(network, axis, n, other, mode))
        .collect();
    SizeAdvice {
        axis,
        current,
        current_is_clean: clean_along(network, axis, current, other, mode),
        below: clean.iter().rev().find(|&&n| n < current).copied(),
        above: clean.iter().find(|&&n| n > current).copied(),
        rule: residue_rule(&clean, range[1]),
        range,
    }
}

/// The residue class the clean sizes form from their first one on, if they form exactly one
/// and it repeats at least three times in the range.
fn residue_rule(clean: &[usize], end: usize) -> Option<SizeRule> {
    if clean.len() < 3 {
        return None;
    }
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let modulus = clean.windows(2).map(|w| w[1] - w[0]).fold(0, gcd);
    let from = clean[0];
    let residue = from % modulus;
    let expected = (end - from) / modulus + 1;
    (expected == clean.len()).then_some(SizeRule {
        modulus,
        residue,
        from,
    })
}

fn alternatives(
    network: &Network,
    input: Size,
    current: &UnevenReport,
    sizes: &[SizeAdvice; 2],
    options: &DoctorOptions,
) -> Vec<Alternative> {
    let mode = options.mode;
    let mut out = Vec::new();
    // Every alternative runs with the padding mode the user chose, as the map does: under
    // `full` or `valid` the amounts, and so the map's asymmetry, differ from the network's own.
    let mut try_it =
        |kind: AlternativeKind, title: String, detail: String, net: &Network, size: Size| {
            let (uneven, dropping, error) = match net.plan(size, mode, None) {
                Ok(plan) => {
                    let r = report(&plan);
                    (r.uneven, r.dropping, None)
                }
                Err(e) => ([0, 0], [0, 0], Some(e.to_string())),
            };
            let summary = error
                .is_none()
                .then(|| {
                    utilization(net, size, mode, None)
                        .ok()
                        .map(|m| Summary::of(&m))
                })
                .flatten();
            out.push(Alternative {
                kind,
                title,
                detail,
                input: size,
                uneven,
                dropping,
                left_to_right: summary.as_ref().map(|s| s.left_to_right),
                top_to_bottom: summary.as_ref().map(|s| s.top_to_bottom),
                error,
            });
        };

    // Resize or pad the input to the nearest clean size.
    let above = [0, 1].map(|a| sizes[a].above.filter(|_| !sizes[a].current_is_clean));
    if above.iter().any(Option::is_some) {
        let size = [0, 1].map(|a| above[a].unwrap_or(input[a]));
        let pad = [size[0] - input[0], size[1] - input[1]];
        try_it(
            AlternativeKind::PadInput,
            format!("Input {}×{}", size[0], size[1]),
            format!(
                "pad the input by {} px at the bottom and {} px at the right (or resize it)",
                pad[0], pad[1]
            ),
            network,
            size,
        );
    }
    let below = [0, 1].map(|a| sizes[a].below.filter(|_| !sizes[a].current_is_clean));
    if below.iter().any(Option::is_some) {
        let size = [0, 1].map(|a| below[a].unwrap_or(input[a]));
        try_it(
            AlternativeKind::CropInput,
            format!("Input {}×{}", size[0], size[1]),
            format!(
                "crop {} px of rows and {} px of columns (or resize)",
                input[0] - size[0],
                input[1] - size[1]
            ),
            network,
            size,
        );
    }

    // The other conventions for where an odd padding total goes.
    match options.framework {
        Framework::Torch => try_it(
            AlternativeKind::TfSame,
            "TF/Keras SAME".into(),
            "padding=\"same\" wherever the layer pads: an odd total puts the extra pixel after"
                .into(),
            &to_framework(network, Framework::Tf),
            input,
        ),
        Framework::Tf => {}
    }
    try_it(
        AlternativeKind::SameLower,
        "ONNX SAME_LOWER".into(),
        "auto_pad=SAME_LOWER wherever the layer pads: an odd total puts the extra pixel before"
            .into(),
        &to_same_lower(network),
        input,
    );

    // Rigid pooling for down-sampling.
    let (rigid, changed) = rigid_pooling(network);
    if !changed.is_empty() {
        try_it(
            AlternativeKind::RigidPooling,
            "Rigid pooling".into(),
            format!(
                "make {} strided layer(s) stride 1 and follow each by an s×s/s average pool: {}",
                changed.len(),
                changed.join(", ")
            ),
            &rigid,
            input,
        );
    }

    // New padding amounts, where some keep the layer's output size and read evenly.
    let mut fixed = network.clone();
    let mut fixes = Vec::new();
    for layer in current.offending() {
        for axis in 0..2 {
            if layer.verdicts[axis].even {
                continue;
            }
            if let Some((before, after)) = even_padding(&layer.axes[axis]) {
                fixed = with_padding(
                    &fixed,
                    &layer.name,
                    axis,
                    PaddingSpec::Explicit { before, after },
                );
                fixes.push(format!(
                    "{} {}: ({before}, {after})",
                    layer.name,
                    if axis == 0 { "height" } else { "width" }
                ));
            }
        }
    }
    if !fixes.is_empty() {
        try_it(
            AlternativeKind::LayerPadding,
            "Change padding amounts".into(),
            format!("(before, after) per layer and axis: {}", fixes.join("; ")),
            &fixed,
            input,
        );
    }
    out
}

/// Explicit amounts that keep the layer's output length and read both sides equally without
/// dropping input, smallest total first.
fn even_padding(axis: &crate::geometry::AxisResolution) -> Option<(usize, usize)> {
    let ke = axis.effective_kernel();
    let window = axis.window();
    (0..=2 * ke)
        .flat_map(|total| (0..=total).map(move |before| (before, total - before)))
        .find(|&(before, after)| {
            resolve(axis.input, window, PaddingSpec::Explicit { before, after })
                .map(|r| r.output == axis.output && r.is_even() && r.input_unread == 0)
                .unwrap_or(false)
        })
}

fn depth_profile(
    network: &Network,
    input: Size,
    report: &UnevenReport,
    mode: ModeOverride,
) -> Result<Vec<DepthPoint>> {
    let plan = network.plan(input, mode, None)?;
    let mut points = Vec::with_capacity(plan.steps.len());
    for (i, step) in plan.steps.iter().enumerate() {
        let mut names = Vec::new();
        step.visit(&mut |s: &Step| names.push(s.name().to_owned()));
        let offending = report.offending().any(|layer| names.contains(&layer.name));
        let map = utilization(network, input, mode, Some(i + 1))?;
        let summary = Summary::of(&map);
        points.push(DepthPoint {
            depth: i + 1,
            layer: step.name().to_owned(),
            left_to_right: summary.left_to_right,
            top_to_bottom: summary.top_to_bottom,
            corner_to_centre: summary.corner_to_centre,
            offending,
        });
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::zoo;

    fn options() -> DoctorOptions {
        DoctorOptions {
            framework: Framework::Torch,
            mode: None,
            search: [32, 1024],
        }
    }

    #[test]
    fn resnet50_at_224_is_told_to_use_225() {
        let d = diagnose(&zoo::build("resnet50").unwrap(), [224, 224], options()).unwrap();
        for advice in &d.sizes {
            assert!(!advice.current_is_clean);
            assert_eq!((advice.below, advice.above), (Some(193), Some(225)));
            assert_eq!(
                advice.rule,
                Some(SizeRule {
                    modulus: 32,
                    residue: 1,
                    from: 33
                })
            );
        }
        let bigger = &d.alternatives[0];
        assert_eq!(bigger.input, [225, 225]);
        assert_eq!((bigger.uneven, bigger.dropping), ([0, 0], [0, 0]));
        assert_eq!(bigger.left_to_right, Some(1.0));
        let rigid = d
            .alternatives
            .iter()
            .find(|a| a.kind == AlternativeKind::RigidPooling)
            .unwrap();
        assert_eq!(
            (rigid.uneven, rigid.dropping),
            ([0, 0], [0, 0]),
            "{rigid:?}"
        );
        // The asymmetry enters at an uneven layer. Not at conv1: it reads 3 px of top and 2 of
        // bottom padding, but both border rows are still read by two windows each; the
        // maxpool that follows is the first to favour the top-left.
        let first_skewed = d
            .depth_profile
            .iter()
            .find(|p| p.left_to_right != 1.0)
            .unwrap();
        assert_eq!(first_skewed.layer, "maxpool");
        assert!(first_skewed.offending && first_skewed.left_to_right > 1.0);
        let at_225 = diagnose(&zoo::build("resnet50").unwrap(), [225, 225], options()).unwrap();
        assert!(at_225.depth_profile.iter().all(|p| p.left_to_right == 1.0));
    }

    #[test]
    fn vgg19_clean_sizes_are_multiples_of_32() {
        let d = diagnose(&zoo::build("vgg19").unwrap(), [224, 224], options()).unwrap();
        assert!(d.sizes[0].current_is_clean);
        assert_eq!(
            d.sizes[0].rule,
            Some(SizeRule {
                modulus: 32,
                residue: 0,
                from: 32
            })
        );
    }

    #[test]
    fn tf_same_is_uneven_on_the_other_side() {
        let mut o = options();
        o.framework = Framework::Tf;
        let d = diagnose(&zoo::build("resnet18").unwrap(), [224, 224], o).unwrap();
        let conv = d
            .report
            .layers
            .iter()
            .find(|l| l.name == "layer2.0.conv1")
            .unwrap();
        assert_eq!(
            conv.verdicts[0].reads_more,
            Some(super::super::uneven::Side::After)
        );
    }

    #[test]
    fn tf_same_lower_leans_the_other_way_from_tf_same() {
        let mut o = options();
        o.framework = Framework::Tf;
        let d = diagnose(&zoo::build("resnet50").unwrap(), [224, 224], o).unwrap();
        let same_lower = d
            .alternatives
            .iter()
            .find(|a| a.kind == AlternativeKind::SameLower)
            .and_then(|a| a.left_to_right)
            .unwrap();
        // The TF net itself favours the bottom-right; SAME_LOWER flips it to the top-left.
        assert!(d.depth_profile.last().unwrap().left_to_right < 1.0);
        assert!(same_lower > 1.0);
    }

    #[test]
    fn alternatives_are_mapped_with_the_chosen_mode() {
        // VGG-11 at 200 under FULL padding: the TF/Keras row once showed the map of the
        // network's own padding (left ÷ right 1.731) instead of the full-mode map's.
        let mut o = options();
        o.mode = Some(crate::padding::PaddingMode::Full);
        let net = zoo::build("vgg11").unwrap();
        let d = diagnose(&net, [200, 200], o).unwrap();
        let tf = d
            .alternatives
            .iter()
            .find(|a| a.kind == AlternativeKind::TfSame)
            .unwrap();
        let tf_net = to_framework(&net, Framework::Tf);
        let expected = Summary::of(&utilization(&tf_net, [200, 200], o.mode, None).unwrap());
        assert_eq!(tf.left_to_right, Some(expected.left_to_right));
        let own = Summary::of(&utilization(&tf_net, [200, 200], None, None).unwrap());
        assert_ne!(tf.left_to_right, Some(own.left_to_right));
    }

    #[test]
    fn a_mode_that_changes_the_amounts_changes_the_report() {
        let mut o = options();
        o.mode = Some(crate::padding::PaddingMode::Full);
        let d = diagnose(&zoo::build("vgg19").unwrap(), [224, 224], o).unwrap();
        let first = &d.report.layers[0];
        assert_eq!((first.axes[0].before, first.axes[0].after), (2, 2));
        assert_eq!(first.output, [226, 226]);
    }

    #[test]
    fn even_padding_finds_a_fix_when_one_exists() {
        // 3×3 stride 2 on 57 px with (1, 0) reads only the top padding; (0, 0) keeps its 28
        // outputs and its last window ends on the last pixel.
        let axis = resolve(
            57,
            crate::geometry::AxisWindow::new(3, 2, 1),
            PaddingSpec::Explicit {
                before: 1,
                after: 0,
            },
        )
        .unwrap();
        assert_eq!(axis.output, 28);
        assert_eq!(even_padding(&axis), Some((0, 0)));
    }
}
