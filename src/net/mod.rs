//! The layer graph: sequential layers, residual additions and concatenations of convolutions
//! and poolings. Only the spatial structure matters here; channels and weights do not (every
//! layer is taken with one channel, definitions.md §3).
//!
//! A [`Network`] is resolved at an input size into a [`Plan`]: every window's per-axis
//! [`AxisResolution`], every block's branch outputs checked to agree.

pub mod spec;
pub mod transform;
pub mod zoo;

use crate::error::{Axis, Error, Result};
use crate::geometry::{resolve, AxisResolution, AxisWindow, PaddingSpec};
use crate::padding::PaddingMode;
use serde::Serialize;

/// Height and width of a map, in that order.
pub type Size = [usize; 2];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    Conv,
    MaxPool,
    AvgPool,
}

/// A convolution or pooling layer: a window per axis and how it pads.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowLayer {
    pub name: String,
    pub kind: WindowKind,
    /// Per axis, `[height, width]`.
    pub window: [AxisWindow; 2],
    pub padding: [PaddingSpec; 2],
    /// The convolution's own padding mode (PyTorch's `padding_mode`). Pooling always pads
    /// with nothing that can win: max-pooling's `−∞` and a sum's zeros read nothing.
    pub mode: PaddingMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Residual addition.
    Add,
    /// Channel concatenation.
    Concat,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    Window(WindowLayer),
    /// Global (adaptive 1×1) pooling: every pixel reaches the single output once.
    GlobalPool {
        name: String,
    },
    /// Branches that read the same input and are added or concatenated. An empty branch is
    /// the identity (a residual shortcut, or DenseNet's pass-through).
    Block {
        name: String,
        combine: Combine,
        branches: Vec<Branch>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    pub name: String,
    pub layers: Vec<Layer>,
}

impl Layer {
    pub fn name(&self) -> &str {
        match self {
            Layer::Window(w) => &w.name,
            Layer::GlobalPool { name } | Layer::Block { name, .. } => name,
        }
    }

    /// A convolution with square kernel `k`, stride `s` and symmetric padding `p`.
    pub fn conv(name: impl Into<String>, k: usize, s: usize, p: usize) -> Layer {
        Layer::Window(WindowLayer {
            name: name.into(),
            kind: WindowKind::Conv,
            window: [AxisWindow::new(k, s, 1); 2],
            padding: [PaddingSpec::symmetric(p); 2],
            mode: PaddingMode::Zeros,
        })
    }

    /// A pooling layer with square window `k`, stride `s`, symmetric padding `p`.
    pub fn pool(
        name: impl Into<String>,
        kind: WindowKind,
        k: usize,
        s: usize,
        p: usize,
        ceil_mode: bool,
    ) -> Layer {
        let mut window = AxisWindow::new(k, s, 1);
        window.ceil_mode = ceil_mode;
        Layer::Window(WindowLayer {
            name: name.into(),
            kind,
            window: [window; 2],
            padding: [PaddingSpec::symmetric(p); 2],
            mode: PaddingMode::Zeros,
        })
    }
}

/// A whole network: its top-level layers run in sequence. "Depth L" means its first L
/// top-level layers, a block counting as one.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub name: String,
    pub layers: Vec<Layer>,
}

/// One layer resolved at its input size.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    Window {
        name: String,
        kind: WindowKind,
        /// `[height, width]`.
        axes: [AxisResolution; 2],
        mode: PaddingMode,
    },
    GlobalPool {
        name: String,
        input: Size,
    },
    Block {
        name: String,
        combine: Combine,
        input: Size,
        output: Size,
        branches: Vec<Vec<Step>>,
    },
}

impl Step {
    pub fn output(&self) -> Size {
        match self {
            Step::Window { axes, .. } => [axes[0].output, axes[1].output],
            Step::GlobalPool { .. } => [1, 1],
            Step::Block { output, .. } => *output,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Step::Window { name, .. }
            | Step::GlobalPool { name, .. }
            | Step::Block { name, .. } => name,
        }
    }

    /// Visits this step and every step nested in it, depth first, in order.
    pub fn visit<'a>(&'a self, visitor: &mut impl FnMut(&'a Step)) {
        visitor(self);
        if let Step::Block { branches, .. } = self {
            for step in branches.iter().flatten() {
                step.visit(visitor);
            }
        }
    }
}

/// A network resolved at one input size: what every layer reads and produces.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub network: String,
    pub input: Size,
    pub output: Size,
    pub steps: Vec<Step>,
    /// How deeply blocks nest (0 for a plain sequence): the backward pass keeps one map
    /// per level alive, which the memory estimate needs.
    pub nesting: usize,
}

/// Which padding to use: the net's own, or one mode for every convolution.
pub type ModeOverride = Option<PaddingMode>;

/// The largest side [`Network::minimum_input`] looks at: far beyond any zoo net's minimum
/// (AlexNet's 63), and cheap to scan (a plan of ResNet-152 takes microseconds).
const MINIMUM_SEARCH_LIMIT: usize = 4096;

impl Network {
    /// Names of the top-level layers, for depth sliders.
    pub fn layer_names(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.name().to_owned()).collect()
    }

    /// Resolves the first `depth` top-level layers (all of them for `None`) at `input`.
    pub fn plan(&self, input: Size, mode: ModeOverride, depth: Option<usize>) -> Result<Plan> {
        let depth = match depth {
            None => self.layers.len(),
            Some(d) if (1..=self.layers.len()).contains(&d) => d,
            Some(d) => {
                return Err(Error::Depth {
                    depth: d,
                    network: self.name.clone(),
                    layers: self.layers.len(),
                })
            }
        };
        if input[0] == 0 || input[1] == 0 {
            return Err(Error::InputSize {
                height: input[0],
                width: input[1],
                reason: "both sides must be at least 1 pixel".into(),
            });
        }
        let mut size = input;
        let mut nesting = 0;
        let mut steps = Vec::with_capacity(depth);
        for (index, layer) in self.layers[..depth].iter().enumerate() {
            let (step, inner) =
                plan_layer(layer, size, mode).map_err(|e| e.in_top_level_layer(index))?;
            size = step.output();
            nesting = nesting.max(inner);
            steps.push(step);
        }
        let output = size;
        Ok(Plan {
            network: self.name.clone(),
            input,
            output,
            steps,
            nesting,
        })
    }

    /// How deeply blocks nest (0 for a plain sequence), as a plan at any size has it.
    pub fn nesting(&self) -> usize {
        fn depth(layers: &[Layer]) -> usize {
            layers
                .iter()
                .map(|layer| match layer {
                    Layer::Block { branches, .. } => {
                        1 + branches.iter().map(|b| depth(&b.layers)).max().unwrap_or(0)
                    }
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        depth(&self.layers)
    }

    /// The smallest input this network can take with this padding and depth: per axis, the
    /// smallest length at which every layer fits, the other axis held at a length that
    /// works. `None` when no square input up to 4096 works (a network that cannot run at
    /// any size, e.g. branches that never agree).
    ///
    /// Scanned, not bisected: a size that works need not make every larger one work (VALID
    /// can put branches out of step at some sizes only).
    pub fn minimum_input(&self, mode: ModeOverride, depth: Option<usize>) -> Option<Size> {
        let works = |size: Size| self.plan(size, mode, depth).is_ok();
        let square = (1..=MINIMUM_SEARCH_LIMIT).find(|&n| works([n, n]))?;
        // Layers are separable: with the other axis at a length that works, only this
        // axis decides.
        let height = (1..=square).find(|&n| works([n, square]))?;
        let width = (1..=square).find(|&n| works([square, n]))?;
        Some([height, width])
    }

    /// As [`Network::plan`], but an input too small for the network also says the smallest
    /// one that fits ([`Error::InputTooSmall`]). For what a user asks for; loops that try
    /// many sizes call `plan`, which does not search.
    pub fn plan_explained(
        &self,
        input: Size,
        mode: ModeOverride,
        depth: Option<usize>,
    ) -> Result<Plan> {
        self.plan(input, mode, depth).map_err(|error| {
            let too_small = matches!(
                &error,
                Error::Layer {
                    source: crate::error::AxisError::KernelLargerThanInput { .. }
                        | crate::error::AxisError::PaddingTooWide { .. },
                    ..
                }
            );
            match self.minimum_input(mode, depth) {
                Some([min_height, min_width])
                    if too_small && (input[0] < min_height || input[1] < min_width) =>
                {
                    Error::InputTooSmall {
                        network: self.name.clone(),
                        height: input[0],
                        width: input[1],
                        min_height,
                        min_width,
                        source: Box::new(error),
                    }
                }
                _ => error,
            }
        })
    }
}

fn plan_sequence(
    layers: &[Layer],
    input: Size,
    mode: ModeOverride,
) -> Result<(Vec<Step>, Size, usize)> {
    let mut size = input;
    let mut nesting = 0;
    let mut steps = Vec::with_capacity(layers.len());
    for layer in layers {
        let (step, inner) = plan_layer(layer, size, mode)?;
        size = step.output();
        nesting = nesting.max(inner);
        steps.push(step);
    }
    Ok((steps, size, nesting))
}

fn plan_layer(layer: &Layer, input: Size, mode: ModeOverride) -> Result<(Step, usize)> {
    match layer {
        Layer::Window(w) => {
            let mode = match w.kind {
                WindowKind::Conv => mode.unwrap_or(w.mode),
                WindowKind::MaxPool | WindowKind::AvgPool => PaddingMode::Zeros,
            };
            let mut axes = Vec::with_capacity(2);
            for (i, axis) in Axis::BOTH.into_iter().enumerate() {
                let spec = mode.amounts(w.padding[i]);
                let resolved = resolve(input[i], w.window[i], spec)
                    .and_then(|r| mode.validate(r.input, r.before, r.after).map(|()| r))
                    .map_err(|e| Error::layer(&w.name, axis, e))?;
                axes.push(resolved);
            }
            let step = Step::Window {
                name: w.name.clone(),
                kind: w.kind,
                axes: [axes[0], axes[1]],
                mode,
            };
            Ok((step, 0))
        }
        Layer::GlobalPool { name } => Ok((
            Step::GlobalPool {
                name: name.clone(),
                input,
            },
            0,
        )),
        Layer::Block {
            name,
            combine,
            branches,
        } => {
            let Some(first) = branches.first() else {
                return Err(Error::EmptyBlock {
                    block: name.clone(),
                });
            };
            let mut planned = Vec::with_capacity(branches.len());
            let mut nesting = 0;
            let mut output = None;
            for branch in branches {
                let (steps, out, inner) = plan_sequence(&branch.layers, input, mode)?;
                match output {
                    None => output = Some(out),
                    Some(expected) if expected != out => {
                        return Err(Error::BranchMismatch {
                            block: name.clone(),
                            position: None,
                            first_branch: first.name.clone(),
                            first_height: expected[0],
                            first_width: expected[1],
                            other_branch: branch.name.clone(),
                            other_height: out[0],
                            other_width: out[1],
                        })
                    }
                    Some(_) => {}
                }
                nesting = nesting.max(inner);
                planned.push(steps);
            }
            let step = Step::Block {
                name: name.clone(),
                combine: *combine,
                input,
                output: output.unwrap_or(input),
                branches: planned,
            };
            Ok((step, nesting + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::zoo;

    fn basic_block(name: &str, stride: usize) -> Layer {
        let main = Branch {
            name: format!("{name}.main"),
            layers: vec![
                Layer::conv(format!("{name}.conv1"), 3, stride, 1),
                Layer::conv(format!("{name}.conv2"), 3, 1, 1),
            ],
        };
        let shortcut = Branch {
            name: format!("{name}.downsample"),
            layers: vec![Layer::conv(format!("{name}.downsample.0"), 1, stride, 0)],
        };
        Layer::Block {
            name: name.into(),
            combine: Combine::Add,
            branches: vec![main, shortcut],
        }
    }

    #[test]
    fn residual_branches_must_agree_under_valid() {
        let net = Network {
            name: "tiny".into(),
            layers: vec![basic_block("layer2.0", 2)],
        };
        let plan = net.plan([9, 9], None, None).unwrap();
        assert_eq!(plan.output, [5, 5]);
        assert_eq!(plan.nesting, 1);
        let err = net
            .plan([9, 9], Some(PaddingMode::Valid), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("layer2.0") && err.contains("2×2") && err.contains("5×5"),
            "{err}"
        );
    }

    #[test]
    fn too_small_inputs_say_the_smallest_that_works() {
        let vgg = zoo::build("vgg19").unwrap();
        assert_eq!(vgg.minimum_input(None, None), Some([32, 32]));
        let err = vgg.plan_explained([7, 7], None, None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`vgg19` needs an input of at least 32×32 pixels, got 7×7"),
            "{err}"
        );
        assert_eq!(err.location().subject, crate::error::Subject::Size);
        // Only the axis that is too short counts.
        let err = vgg.plan_explained([64, 7], None, None).unwrap_err();
        assert!(
            matches!(err, Error::InputTooSmall { min_width: 32, .. }),
            "{err}"
        );
        // A size that works, and an error that is not about size, pass through unchanged.
        assert!(vgg.plan_explained([32, 32], None, None).is_ok());
        let err = vgg.plan_explained([32, 32], None, Some(99)).unwrap_err();
        assert!(matches!(err, Error::Depth { .. }));
        // Fewer layers need less.
        assert_eq!(vgg.minimum_input(None, Some(3)), Some([2, 2]));
    }

    #[test]
    fn errors_name_layer_and_axis() {
        let net = Network {
            name: "tiny".into(),
            layers: vec![Layer::conv("features.0", 3, 1, 2)],
        };
        let err = net
            .plan([2, 9], Some(PaddingMode::Reflect), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("features.0") && err.contains("height") && err.contains("reflect"),
            "{err}"
        );
        let err = net.plan([9, 9], None, Some(3)).unwrap_err().to_string();
        assert!(err.contains("1 to 1"), "{err}");
    }
}
