//! Everything a user interface needs to know about the core before it asks for anything:
//! the zoo, the padding modes and what each does, the colour maps, the padding conventions,
//! the limits and the defaults. The page builds its menus and checks from this, so a name,
//! label or limit lives in one place (here, and the modules it quotes).

use crate::analysis::explainer;
use crate::analysis::utilization::MEMORY_LIMIT_MIB;
use crate::detect;
use crate::geometry::MAX_EXTENT;
use crate::net::transform::Framework;
use crate::net::zoo::ZOO;
use crate::padding::PaddingMode;
use crate::render::Colormap;
use serde::Serialize;

/// The most sizes one marginalization sweep visits in the page: more points than a chart
/// has pixels would only take longer.
pub const MAX_SWEEP_SIZES: usize = 4096;

/// The range the uneven-padding doctor searches for even input sizes unless told otherwise.
pub const DEFAULT_SEARCH: [usize; 2] = [16, 2048];

#[derive(Clone, Debug, Serialize)]
pub struct Catalog {
    pub zoo: Vec<ZooInfo>,
    pub modes: Vec<ModeInfo>,
    /// Colour maps for counts, colour-blind safe.
    pub colormaps: Vec<&'static str>,
    /// The diverging colour map ratios are drawn with.
    pub ratio_colormap: &'static str,
    pub frameworks: Vec<FrameworkInfo>,
    pub limits: Limits,
    pub defaults: Defaults,
    /// How the centre of a map is taken (definitions.md §3), for labels.
    pub centre_rule: &'static str,
    /// How an image is brought to a model's input (the Model page's menu).
    pub normalizations: Vec<NormalizationInfo>,
    /// Stimulus-detectability grids (definitions.md §5).
    pub detect: DetectInfo,
}

#[derive(Clone, Debug, Serialize)]
pub struct DetectInfo {
    pub backgrounds: Vec<detect::Kind>,
    pub stimuli: Vec<detect::Kind>,
    pub scores: Vec<detect::Kind>,
    /// Scores in [0, 1] ([`detect::PROBABILITY_SCORES`]).
    pub probability_scores: Vec<&'static str>,
    /// Scores that take an IoU threshold ([`detect::SCORES_WITH_IOU`]).
    pub scores_with_iou: Vec<&'static str>,
    pub stimulus_size: usize,
    pub stride: usize,
    pub threshold: f64,
    /// τ of `boxes:K` without `@τ`.
    pub iou: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NormalizationInfo {
    /// As `infer::inspect::Normalization` reads it.
    pub name: &'static str,
    pub label: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZooInfo {
    pub name: &'static str,
    pub family: &'static str,
    pub description: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModeInfo {
    pub name: &'static str,
    pub label: &'static str,
    pub does: &'static str,
    pub effect: &'static str,
    /// The padding amounts the mode implies for a layer: `own` (the layer's), `none`
    /// (valid) or `full` (the dilated kernel minus one on each side).
    pub amounts: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct FrameworkInfo {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// The longest side of any input, kernel or padding.
    pub max_side: usize,
    /// Memory a map may need; [`crate::analysis::utilization::largest_square`] turns it
    /// into a side per network.
    pub memory_limit_mib: usize,
    pub max_sweep_sizes: usize,
    pub explainer: ExplainerLimits,
    /// The largest ONNX file the Model page and the CLI open.
    pub model_bytes: usize,
    /// Random inputs the mean feature maps may average.
    pub max_feature_samples: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExplainerLimits {
    pub side: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub layers: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Defaults {
    pub network: &'static str,
    pub size: usize,
    /// τ of boundary marginalization (definitions.md §4).
    pub threshold: f64,
    pub search: [usize; 2],
    /// Random inputs averaged by the mean feature maps (issue 8: 32).
    pub feature_samples: usize,
}

pub fn catalog() -> Catalog {
    Catalog {
        zoo: ZOO
            .iter()
            .map(|entry| ZooInfo {
                name: entry.name,
                family: entry.family(),
                description: entry.description,
            })
            .collect(),
        modes: PaddingMode::ALL
            .iter()
            .map(|&mode| ModeInfo {
                name: mode.name(),
                label: mode.label(),
                does: mode.does(),
                effect: mode.effect(),
                amounts: match mode {
                    PaddingMode::Valid => "none",
                    PaddingMode::Full => "full",
                    _ => "own",
                },
            })
            .collect(),
        colormaps: Colormap::SEQUENTIAL.iter().map(|c| c.name()).collect(),
        ratio_colormap: Colormap::RedBlue.name(),
        frameworks: Framework::ALL
            .iter()
            .map(|&f| FrameworkInfo {
                name: f.name(),
                label: f.label(),
                hint: f.hint(),
            })
            .collect(),
        limits: Limits {
            max_side: MAX_EXTENT,
            memory_limit_mib: MEMORY_LIMIT_MIB,
            max_sweep_sizes: MAX_SWEEP_SIZES,
            explainer: ExplainerLimits {
                side: explainer::MAX_SIDE,
                kernel: explainer::MAX_KERNEL,
                stride: explainer::MAX_STRIDE,
                dilation: explainer::MAX_DILATION,
                layers: explainer::MAX_LAYERS,
            },
            model_bytes: crate::onnx::MAX_MODEL_BYTES,
            max_feature_samples: crate::infer::inspect::MAX_FEATURE_SAMPLES,
        },
        defaults: Defaults {
            network: "vgg19",
            size: 224,
            threshold: crate::analysis::marginalization::DEFAULT_THRESHOLD,
            search: DEFAULT_SEARCH,
            feature_samples: 32,
        },
        centre_rule: "the middle pixel, or the mean of the middle two rows (columns) when the \
                      height (width) is even",
        normalizations: vec![
            NormalizationInfo {
                name: "none",
                label: "none: pixels in [0, 1]",
            },
            NormalizationInfo {
                name: "imagenet",
                label: "ImageNet mean and std (torchvision)",
            },
        ],
        detect: DetectInfo {
            backgrounds: detect::BACKGROUNDS.to_vec(),
            stimuli: detect::STIMULI.to_vec(),
            scores: detect::SCORES.to_vec(),
            probability_scores: detect::PROBABILITY_SCORES.to_vec(),
            scores_with_iou: detect::SCORES_WITH_IOU.to_vec(),
            stimulus_size: detect::DEFAULT_STIMULUS_SIZE,
            stride: detect::DEFAULT_STRIDE,
            threshold: detect::DEFAULT_THRESHOLD,
            iou: detect::score::DEFAULT_IOU,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_and_network_is_listed_with_its_words() {
        let catalog = catalog();
        assert_eq!(catalog.modes.len(), PaddingMode::ALL.len());
        assert!(catalog
            .modes
            .iter()
            .all(|m| !m.label.is_empty() && m.does.ends_with('.') && m.effect.ends_with('.')));
        assert_eq!(catalog.zoo.len(), ZOO.len());
        let families: Vec<_> = catalog.zoo.iter().map(|z| z.family).collect();
        assert!(families.contains(&"ResNet") && families.contains(&"GoogLeNet"));
        assert!(catalog
            .zoo
            .iter()
            .any(|z| z.name == catalog.defaults.network));
    }
}
