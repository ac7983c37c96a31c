//! Rewrites of a network that the uneven-padding doctor proposes: another framework's padding
//! convention, rigid pooling for down-sampling, or new padding amounts for one layer.

use super::{Branch, Layer, Network, WindowKind, WindowLayer};
use crate::geometry::{AxisWindow, PaddingSpec};
use serde::{Deserialize, Serialize};

/// Whose padding convention a network is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// PyTorch: explicit amounts, usually equal on both sides (the zoo's convention).
    #[default]
    Torch,
    /// TF/Keras: `padding="same"` wherever PyTorch pads, `"valid"` where it does not. SAME
    /// puts an odd total's extra pixel after, so the same net is uneven on the other side.
    Tf,
}

impl Framework {
    pub const ALL: [Framework; 2] = [Framework::Torch, Framework::Tf];

    pub fn name(self) -> &'static str {
        match self {
            Framework::Torch => "torch",
            Framework::Tf => "tf",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Framework::Torch => "PyTorch (explicit amounts)",
            Framework::Tf => "TF/Keras SAME",
        }
    }

    /// How the convention places padding, in plain words.
    pub fn hint(self) -> &'static str {
        match self {
            Framework::Torch => {
                "PyTorch: each layer pads by its own amounts, the same on both sides \
                 (torchvision’s definitions)."
            }
            Framework::Tf => {
                "TF/Keras padding=\"same\": a layer pads just enough for ⌈n / stride⌉ \
                 outputs, and an odd total puts the extra pixel after (bottom, right); \
                 unpadded layers are \"valid\"."
            }
        }
    }
}

impl std::str::FromStr for Framework {
    type Err = crate::Error;
    fn from_str(name: &str) -> crate::Result<Self> {
        match name {
            "torch" => Ok(Framework::Torch),
            "tf" => Ok(Framework::Tf),
            other => Err(crate::Error::UnknownFramework(other.to_owned())),
        }
    }
}

/// Applies `rewrite` to every window layer, in branches too; it returns the layers that
/// replace the one it is given.
pub fn map_windows(
    network: &Network,
    rewrite: &mut impl FnMut(&WindowLayer) -> Vec<Layer>,
) -> Network {
    Network {
        name: network.name.clone(),
        layers: map_sequence(&network.layers, rewrite),
    }
}

fn map_sequence(
    layers: &[Layer],
    rewrite: &mut impl FnMut(&WindowLayer) -> Vec<Layer>,
) -> Vec<Layer> {
    let mut out = Vec::with_capacity(layers.len());
    for layer in layers {
        match layer {
            Layer::Window(w) => out.extend(rewrite(w)),
            Layer::GlobalPool { .. } => out.push(layer.clone()),
            Layer::Block {
                name,
                combine,
                branches,
            } => out.push(Layer::Block {
                name: name.clone(),
                combine: *combine,
                branches: branches
                    .iter()
                    .map(|b| Branch {
                        name: b.name.clone(),
                        layers: map_sequence(&b.layers, rewrite),
                    })
                    .collect(),
            }),
        }
    }
    out
}

/// Every layer that pads written with the auto-padding convention `padded` (SAME or
/// SAME_LOWER), whether it was written with explicit amounts or the other convention; layers
/// that do not pad become VALID.
fn auto_pad(network: &Network, padded: PaddingSpec) -> Network {
    map_windows(network, &mut |w| {
        let mut w = w.clone();
        for spec in &mut w.padding {
            *spec = match *spec {
                PaddingSpec::Explicit { before, after } if before + after == 0 => {
                    PaddingSpec::Valid
                }
                PaddingSpec::Explicit { .. } | PaddingSpec::Same | PaddingSpec::SameLower => padded,
                other @ (PaddingSpec::Valid | PaddingSpec::Full) => other,
            };
        }
        vec![Layer::Window(w)]
    })
}

/// The network as the framework would write it.
pub fn to_framework(network: &Network, framework: Framework) -> Network {
    match framework {
        Framework::Torch => network.clone(),
        Framework::Tf => auto_pad(network, PaddingSpec::Same),
    }
}

/// ONNX's SAME_LOWER wherever the network pads: the extra pixel goes before.
pub fn to_same_lower(network: &Network) -> Network {
    auto_pad(network, PaddingSpec::SameLower)
}

/// Every strided layer made stride 1 and followed by an `s×s` average pool of stride `s`
/// (the paper's "rigid" down-sampling): a pooling window that tiles its input reads no
/// padding at all. Returns the rewritten network and the names of the layers it changed.
pub fn rigid_pooling(network: &Network) -> (Network, Vec<String>) {
    let mut changed = Vec::new();
    let net = map_windows(network, &mut |w| {
        let strides = [w.window[0].stride, w.window[1].stride];
        if strides == [1, 1] {
            return vec![Layer::Window(w.clone())];
        }
        changed.push(w.name.clone());
        let mut stride_one = w.clone();
        for axis in &mut stride_one.window {
            axis.stride = 1;
        }
        let pool = WindowLayer {
            name: format!("{}.rigid_pool", w.name),
            kind: WindowKind::AvgPool,
            window: strides.map(|s| AxisWindow::new(s, s, 1)),
            padding: [PaddingSpec::Valid; 2],
            mode: Default::default(),
        };
        vec![Layer::Window(stride_one), Layer::Window(pool)]
    });
    (net, changed)
}

/// The network with layer `name`'s padding on `axis` (0 height, 1 width) replaced.
pub fn with_padding(network: &Network, name: &str, axis: usize, padding: PaddingSpec) -> Network {
    map_windows(network, &mut |w| {
        let mut w = w.clone();
        if w.name == name {
            w.padding[axis] = padding;
        }
        vec![Layer::Window(w)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::zoo;

    #[test]
    fn rigid_pooling_keeps_resnet_consistent() {
        let net = zoo::build("resnet50").unwrap();
        let (rigid, changed) = rigid_pooling(&net);
        assert_eq!(changed.len(), 8);
        let plan = rigid.plan([224, 224], None, None).unwrap();
        assert_eq!(plan.output, [1, 1]);
        let original = net.plan([224, 224], None, None).unwrap();
        let last_block = |p: &crate::net::Plan| p.steps[p.steps.len() - 2].output();
        assert_eq!(last_block(&plan), last_block(&original));
    }

    #[test]
    fn same_lower_rewrites_tf_same_too() {
        let tf = to_framework(&zoo::build("resnet18").unwrap(), Framework::Tf);
        let lower = to_same_lower(&tf);
        let Layer::Window(conv) = &lower.layers[0] else {
            panic!()
        };
        assert_eq!(conv.padding[0], PaddingSpec::SameLower);
    }

    #[test]
    fn tf_keeps_unpadded_layers_valid() {
        let tf = to_framework(&zoo::build("vgg19").unwrap(), Framework::Tf);
        let Layer::Window(conv) = &tf.layers[0] else {
            panic!()
        };
        assert_eq!(conv.padding[0], PaddingSpec::Same);
        let Layer::Window(pool) = &tf.layers[2] else {
            panic!()
        };
        assert_eq!(pool.padding[0], PaddingSpec::Valid);
    }
}
