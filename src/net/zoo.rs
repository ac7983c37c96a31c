//! Architectures whose spatial structure matches torchvision's exactly: the same layers in
//! the same order, with the same kernel, stride, padding, dilation and ceil mode, and the
//! same names (`features.0`, `layer1.0.conv2`, …) so a user can find them in their code.
//! Channels are not modelled (DESIGN 2.3 takes every layer with one channel).

use super::{Branch, Combine, Layer, Network, WindowKind};
use crate::error::{Error, Result};

/// One zoo entry: its torchvision name and a line on what makes it interesting here.
pub struct ZooEntry {
    pub name: &'static str,
    pub description: &'static str,
    build: fn() -> Network,
}

pub const ZOO: &[ZooEntry] = &[
    ZooEntry {
        name: "vgg11",
        description: "VGG-11: 8 3×3 convs (pad 1), 5 max-pools 2×2/2",
        build: || vgg("vgg11", &VGG11),
    },
    ZooEntry {
        name: "vgg13",
        description: "VGG-13: 10 3×3 convs (pad 1), 5 max-pools 2×2/2",
        build: || vgg("vgg13", &VGG13),
    },
    ZooEntry {
        name: "vgg16",
        description: "VGG-16: 13 3×3 convs (pad 1), 5 max-pools 2×2/2",
        build: || vgg("vgg16", &VGG16),
    },
    ZooEntry {
        name: "vgg19",
        description: "VGG-19: 16 3×3 convs (pad 1), 5 max-pools 2×2/2 — the slides' foveation example",
        build: || vgg("vgg19", &VGG19),
    },
    ZooEntry {
        name: "resnet18",
        description: "ResNet-18: basic blocks [2, 2, 2, 2]; uneven padding at 224",
        build: || resnet("resnet18", ResNetBlock::Basic, [2, 2, 2, 2]),
    },
    ZooEntry {
        name: "resnet34",
        description: "ResNet-34: basic blocks [3, 4, 6, 3]",
        build: || resnet("resnet34", ResNetBlock::Basic, [3, 4, 6, 3]),
    },
    ZooEntry {
        name: "resnet50",
        description: "ResNet-50 (v1.5, stride in the 3×3): bottlenecks [3, 4, 6, 3]; skewed at 224, symmetric at 225",
        build: || resnet("resnet50", ResNetBlock::Bottleneck, [3, 4, 6, 3]),
    },
    ZooEntry {
        name: "resnet101",
        description: "ResNet-101: bottlenecks [3, 4, 23, 3]",
        build: || resnet("resnet101", ResNetBlock::Bottleneck, [3, 4, 23, 3]),
    },
    ZooEntry {
        name: "resnet152",
        description: "ResNet-152: bottlenecks [3, 8, 36, 3]",
        build: || resnet("resnet152", ResNetBlock::Bottleneck, [3, 8, 36, 3]),
    },
];

/// Looks an architecture up by its torchvision name.
pub fn build(name: &str) -> Result<Network> {
    ZOO.iter()
        .find(|entry| entry.name == name)
        .map(|entry| (entry.build)())
        .ok_or_else(|| Error::UnknownArchitecture {
            name: name.to_owned(),
            known: ZOO.iter().map(|e| e.name).collect::<Vec<_>>().join(", "),
        })
}

/// `Some(channels)` is a 3×3 conv, `None` a 2×2/2 max-pool (torchvision's `cfgs`).
type VggConfig = [Option<usize>];
const M: Option<usize> = None;
const VGG11: [Option<usize>; 13] = [
    Some(64),
    M,
    Some(128),
    M,
    Some(256),
    Some(256),
    M,
    Some(512),
    Some(512),
    M,
    Some(512),
    Some(512),
    M,
];
const VGG13: [Option<usize>; 15] = [
    Some(64),
    Some(64),
    M,
    Some(128),
    Some(128),
    M,
    Some(256),
    Some(256),
    M,
    Some(512),
    Some(512),
    M,
    Some(512),
    Some(512),
    M,
];
const VGG16: [Option<usize>; 18] = [
    Some(64),
    Some(64),
    M,
    Some(128),
    Some(128),
    M,
    Some(256),
    Some(256),
    Some(256),
    M,
    Some(512),
    Some(512),
    Some(512),
    M,
    Some(512),
    Some(512),
    Some(512),
    M,
];
const VGG19: [Option<usize>; 21] = [
    Some(64),
    Some(64),
    M,
    Some(128),
    Some(128),
    M,
    Some(256),
    Some(256),
    Some(256),
    Some(256),
    M,
    Some(512),
    Some(512),
    Some(512),
    Some(512),
    M,
    Some(512),
    Some(512),
    Some(512),
    Some(512),
    M,
];

/// torchvision's `vgg*` `features`: index counts every module (conv, ReLU, pool), so a conv
/// at index i is followed by its ReLU at i + 1. The classifier's adaptive pool and linear
/// layers are not spatial and are left out: the last feature map is `features`' output.
fn vgg(name: &str, config: &VggConfig) -> Network {
    let mut index = 0;
    let mut layers = Vec::new();
    for item in config {
        match item {
            Some(_) => {
                layers.push(Layer::conv(format!("features.{index}"), 3, 1, 1));
                index += 2;
            }
            None => {
                layers.push(Layer::pool(
                    format!("features.{index}"),
                    WindowKind::MaxPool,
                    2,
                    2,
                    0,
                    false,
                ));
                index += 1;
            }
        }
    }
    Network {
        name: name.into(),
        layers,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ResNetBlock {
    Basic,
    Bottleneck,
}

/// torchvision's ResNet (v1.5: a bottleneck strides in its 3×3 conv2, not its 1×1 conv1).
/// A block has a `downsample` shortcut (1×1 conv, the block's stride) when it strides or
/// changes the channel count: the first block of every stage, except layer1 of the basic
/// nets (64 → 64 channels, stride 1).
fn resnet(name: &str, block: ResNetBlock, counts: [usize; 4]) -> Network {
    let mut layers = vec![
        Layer::conv("conv1", 7, 2, 3),
        Layer::pool("maxpool", WindowKind::MaxPool, 3, 2, 1, false),
    ];
    for (stage, &count) in counts.iter().enumerate() {
        for i in 0..count {
            let prefix = format!("layer{}.{i}", stage + 1);
            let stride = if i == 0 && stage > 0 { 2 } else { 1 };
            let main = match block {
                ResNetBlock::Basic => vec![
                    Layer::conv(format!("{prefix}.conv1"), 3, stride, 1),
                    Layer::conv(format!("{prefix}.conv2"), 3, 1, 1),
                ],
                ResNetBlock::Bottleneck => vec![
                    Layer::conv(format!("{prefix}.conv1"), 1, 1, 0),
                    Layer::conv(format!("{prefix}.conv2"), 3, stride, 1),
                    Layer::conv(format!("{prefix}.conv3"), 1, 1, 0),
                ],
            };
            let has_downsample = i == 0 && (stage > 0 || block == ResNetBlock::Bottleneck);
            let shortcut = if has_downsample {
                vec![Layer::conv(format!("{prefix}.downsample.0"), 1, stride, 0)]
            } else {
                Vec::new()
            };
            layers.push(Layer::Block {
                name: prefix.clone(),
                combine: Combine::Add,
                branches: vec![
                    Branch {
                        name: format!("{prefix}.residual"),
                        layers: main,
                    },
                    Branch {
                        name: if has_downsample {
                            format!("{prefix}.downsample")
                        } else {
                            format!("{prefix}.identity")
                        },
                        layers: shortcut,
                    },
                ],
            });
        }
    }
    layers.push(Layer::GlobalPool {
        name: "avgpool".into(),
    });
    Network {
        name: name.into(),
        layers,
    }
}
