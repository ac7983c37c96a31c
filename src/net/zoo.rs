//! Architectures whose spatial structure matches torchvision's exactly: the same layers in
//! the same order, with the same kernel, stride, padding, dilation and ceil mode, and the
//! same names (`features.0`, `layer1.0.conv2`, …) so a user can find them in their code.
//! Channels are not modelled (definitions.md §3 takes every layer with one channel).

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
    ZooEntry {
        name: "mobilenet_v2",
        description: "MobileNetV2: a 3×3/2 stem and 4 strided 3×3 depthwise convs, 10 residual inverted blocks; uneven at 224 (skewed top-left more than ResNet-50), even at 225",
        build: mobilenet_v2,
    },
    ZooEntry {
        name: "googlenet",
        description: "GoogLeNet: 4-branch Inception concatenations; its ceil-mode max-pools overhang the bottom/right at 224, so it is skewed toward the bottom-right; even at 32k+13 (e.g. 237)",
        build: googlenet,
    },
    ZooEntry {
        name: "densenet121",
        description: "DenseNet-121: dense layers [6, 12, 24, 16] as concatenations (counts grow ~10× per layer); uneven stem at 224; even and fully read at 32k+29 (e.g. 221)",
        build: || densenet("densenet121", [6, 12, 24, 16]),
    },
    ZooEntry {
        name: "alexnet",
        description: "AlexNet (features): 11×11/4 conv, 3×3/2 max-pools; at 227 the first pool drops its last row/column, leaving the input's last 2 unread; even and fully read at 32k+31 (e.g. 223)",
        build: alexnet,
    },
];

impl ZooEntry {
    /// The family the page groups the entry under, e.g. "ResNet".
    pub fn family(&self) -> &'static str {
        const FAMILIES: [(&str, &str); 6] = [
            ("vgg", "VGG"),
            ("resnet", "ResNet"),
            ("mobilenet", "MobileNet"),
            ("googlenet", "GoogLeNet"),
            ("densenet", "DenseNet"),
            ("alexnet", "AlexNet"),
        ];
        FAMILIES
            .iter()
            .find(|(prefix, _)| self.name.starts_with(prefix))
            .map_or(self.name, |(_, family)| family)
    }
}

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

/// torchvision's VGG `cfgs` without the channel counts, which do not matter spatially: how
/// many 3×3 pad-1 convs each of the five stages has, each stage ending in a 2×2/2 max pool.
const VGG11: [usize; 5] = [1, 1, 2, 2, 2];
const VGG13: [usize; 5] = [2, 2, 2, 2, 2];
const VGG16: [usize; 5] = [2, 2, 3, 3, 3];
const VGG19: [usize; 5] = [2, 2, 4, 4, 4];

/// torchvision's `vgg*` `features`: index counts every module (conv, ReLU, pool), so a conv
/// at index i is followed by its ReLU at i + 1. The classifier's adaptive pool and linear
/// layers are not spatial and are left out: the last feature map is `features`' output.
fn vgg(name: &str, convs_per_stage: &[usize; 5]) -> Network {
    let mut index = 0;
    let mut layers = Vec::new();
    for &convs in convs_per_stage {
        for _ in 0..convs {
            layers.push(Layer::conv(format!("features.{index}"), 3, 1, 1));
            index += 2;
        }
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

/// torchvision's MobileNetV2 `features` (width multiplier 1). `features.0` is a 3×3/2 conv
/// (`Conv2dNormActivation`, so the conv is `features.0.0`); `features.1`–`features.17` are
/// inverted residuals built from this table of (expansion t, channels c, repeats n, stride s);
/// `features.18.0` is the last 1×1 conv. An inverted residual's `conv` is an optional 1×1
/// expansion (`conv.0.0`, absent when t = 1), a 3×3 depthwise conv carrying the stride
/// (`conv.{0,1}.0`, padding 1; depthwise is a plain conv at one channel), and a 1×1
/// projection (`conv.{1,2}`).
///
/// Only a block with torchvision's `use_res_connect` (stride 1, same channels in and out) adds
/// its input back, so only those are residual [`Layer::Block`]s named `features.i`; the
/// others (the first block of every row of the table) are plain sequences, whose convs go
/// straight into the top level under their own names. The classifier's functional global
/// pool is not a module and is left out (a global pool does not change a utilization map).
fn mobilenet_v2() -> Network {
    const SETTINGS: [(usize, usize, usize, usize); 7] = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ];
    let mut layers = vec![Layer::conv("features.0.0", 3, 2, 1)];
    let mut channels = 32;
    let mut index = 1;
    for (expansion, out_channels, repeats, first_stride) in SETTINGS {
        for i in 0..repeats {
            let stride = if i == 0 { first_stride } else { 1 };
            let prefix = format!("features.{index}");
            let mut convs = Vec::new();
            if expansion != 1 {
                convs.push(Layer::conv(format!("{prefix}.conv.0.0"), 1, 1, 0));
            }
            let depthwise = convs.len();
            convs.push(Layer::conv(
                format!("{prefix}.conv.{depthwise}.0"),
                3,
                stride,
                1,
            ));
            convs.push(Layer::conv(
                format!("{prefix}.conv.{}", depthwise + 1),
                1,
                1,
                0,
            ));
            if stride == 1 && channels == out_channels {
                layers.push(Layer::Block {
                    name: prefix.clone(),
                    combine: Combine::Add,
                    branches: vec![
                        Branch {
                            name: format!("{prefix}.conv"),
                            layers: convs,
                        },
                        Branch {
                            name: format!("{prefix}.identity"),
                            layers: Vec::new(),
                        },
                    ],
                });
            } else {
                layers.extend(convs);
            }
            channels = out_channels;
            index += 1;
        }
    }
    layers.push(Layer::conv(format!("features.{index}.0"), 1, 1, 0));
    Network {
        name: "mobilenet_v2".into(),
        layers,
    }
}

/// torchvision's GoogLeNet (Inception v1) without its auxiliary classifiers (`aux1`, `aux2`:
/// they only run in training) and without dropout and `fc`. Every `BasicConv2d` wraps its
/// conv as `.conv`. The stem's and stages' max-pools use ceil mode with no padding, so at some
/// sizes their last window hangs over the bottom/right edge.
///
/// An Inception block concatenates four branches read from the same input: a 1×1 conv; 1×1
/// then 3×3 (pad 1); 1×1 then 3×3 (pad 1; the paper has 5×5 there, torchvision keeps a 3×3
/// for compatibility with its weights); a 3×3/1 pad-1 ceil-mode max-pool then a 1×1 conv.
fn googlenet() -> Network {
    let max_pool = |name: &str, k: usize| Layer::pool(name, WindowKind::MaxPool, k, 2, 0, true);
    let mut layers = vec![
        Layer::conv("conv1.conv", 7, 2, 3),
        max_pool("maxpool1", 3),
        Layer::conv("conv2.conv", 1, 1, 0),
        Layer::conv("conv3.conv", 3, 1, 1),
        max_pool("maxpool2", 3),
        inception("inception3a"),
        inception("inception3b"),
        max_pool("maxpool3", 3),
    ];
    layers.extend(["4a", "4b", "4c", "4d", "4e"].map(|id| inception(&format!("inception{id}"))));
    layers.push(max_pool("maxpool4", 2));
    layers.push(inception("inception5a"));
    layers.push(inception("inception5b"));
    layers.push(Layer::GlobalPool {
        name: "avgpool".into(),
    });
    Network {
        name: "googlenet".into(),
        layers,
    }
}

fn inception(name: &str) -> Layer {
    let branch = |index: usize, layers: Vec<Layer>| Branch {
        name: format!("{name}.branch{index}"),
        layers,
    };
    Layer::Block {
        name: name.into(),
        combine: Combine::Concat,
        branches: vec![
            branch(
                1,
                vec![Layer::conv(format!("{name}.branch1.conv"), 1, 1, 0)],
            ),
            branch(
                2,
                vec![
                    Layer::conv(format!("{name}.branch2.0.conv"), 1, 1, 0),
                    Layer::conv(format!("{name}.branch2.1.conv"), 3, 1, 1),
                ],
            ),
            branch(
                3,
                vec![
                    Layer::conv(format!("{name}.branch3.0.conv"), 1, 1, 0),
                    Layer::conv(format!("{name}.branch3.1.conv"), 3, 1, 1),
                ],
            ),
            branch(
                4,
                vec![
                    Layer::pool(
                        format!("{name}.branch4.0"),
                        WindowKind::MaxPool,
                        3,
                        1,
                        1,
                        true,
                    ),
                    Layer::conv(format!("{name}.branch4.1.conv"), 1, 1, 0),
                ],
            ),
        ],
    }
}

/// torchvision's DenseNet `features`: a 7×7/2 pad-3 `conv0`, a 3×3/2 pad-1 max `pool0`, then
/// dense blocks separated by transitions (1×1 `conv` and a 2×2/2 average `pool`).
///
/// A dense layer computes `new_features` (1×1 `conv1`, then 3×3 pad-1 `conv2`) from the
/// concatenation of everything before it in its block, and the block outputs the
/// concatenation of its input and every layer's new features. At one channel per tensor
/// (definitions.md §3) that is the same as each dense layer returning `cat(x, new_features(x))`, so
/// each dense layer is a [`Combine::Concat`] block of the identity and its two convs. The
/// final `norm5` and the classifier's functional global pool are not spatial and are left out.
fn densenet(name: &str, block_config: [usize; 4]) -> Network {
    let mut layers = vec![
        Layer::conv("features.conv0", 7, 2, 3),
        Layer::pool("features.pool0", WindowKind::MaxPool, 3, 2, 1, false),
    ];
    for (block, &count) in block_config.iter().enumerate() {
        let block = block + 1;
        for layer in 1..=count {
            let prefix = format!("features.denseblock{block}.denselayer{layer}");
            layers.push(Layer::Block {
                name: prefix.clone(),
                combine: Combine::Concat,
                branches: vec![
                    Branch {
                        name: format!("{prefix}.input"),
                        layers: Vec::new(),
                    },
                    Branch {
                        name: format!("{prefix}.new_features"),
                        layers: vec![
                            Layer::conv(format!("{prefix}.conv1"), 1, 1, 0),
                            Layer::conv(format!("{prefix}.conv2"), 3, 1, 1),
                        ],
                    },
                ],
            });
        }
        if block < block_config.len() {
            let prefix = format!("features.transition{block}");
            layers.push(Layer::conv(format!("{prefix}.conv"), 1, 1, 0));
            layers.push(Layer::pool(
                format!("{prefix}.pool"),
                WindowKind::AvgPool,
                2,
                2,
                0,
                false,
            ));
        }
    }
    Network {
        name: name.into(),
        layers,
    }
}

/// torchvision's AlexNet `features` (the one-GPU variant of Krizhevsky's "one weird trick"
/// paper): indices count every module, ReLUs included, as in [`vgg`]. The classifier's
/// adaptive 6×6 pool and linear layers are left out.
fn alexnet() -> Network {
    let max_pool = |index: usize| {
        Layer::pool(
            format!("features.{index}"),
            WindowKind::MaxPool,
            3,
            2,
            0,
            false,
        )
    };
    Network {
        name: "alexnet".into(),
        layers: vec![
            Layer::conv("features.0", 11, 4, 2),
            max_pool(2),
            Layer::conv("features.3", 5, 1, 2),
            max_pool(5),
            Layer::conv("features.6", 3, 1, 1),
            Layer::conv("features.8", 3, 1, 1),
            Layer::conv("features.10", 3, 1, 1),
            max_pool(12),
        ],
    }
}
