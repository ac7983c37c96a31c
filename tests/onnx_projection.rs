//! The projection of an imported model onto padlens' layer graph (definitions.md §8):
//! - torchvision's resnet18, resnet50, mobilenet_v2, vgg11, googlenet and densenet121 as ONNX
//!   files (width reduced, same spatial structure) give the zoo's utilization maps and
//!   uneven-padding reports exactly, at even, odd and non-square sizes;
//! - every window the projection has is the window the inference engine runs;
//! - hand-built graphs: asymmetric pads, SAME_UPPER and SAME_LOWER, an identity shortcut, a
//!   join fed from two levels of forks, and what is refused (each error names its node).

#![cfg(not(target_arch = "wasm32"))]

#[path = "common/models.rs"]
mod models;

use models::{model, MODELS};

use padlens::analysis::{uneven, utilization};
use padlens::error::{Error, ModelError, ModelErrorKind};
use padlens::geometry::{AxisResolution, AxisWindow, PaddingSpec};
use padlens::infer::graph::{
    AspectPolicy, AutoPad, Binary, CoordinateTransform, Graph, GraphInput, NearestRounding, Node,
    Op, PoolOp, Resize, ResizeMode, Unary, ValueId, Window,
};
use padlens::infer::projection::project;
use padlens::infer::step::Kernel;
use padlens::infer::tensor::Tensor;
use padlens::infer::Model;
use padlens::net::{zoo, Branch, Combine, Layer, Network, Size, Step, WindowKind, WindowLayer};
use padlens::padding::PaddingMode;
use std::collections::HashMap;

/// The export size, the next odd one (every zoo net is even there but GoogLeNet), a small odd
/// one and a non-square one.
const SIZES: [Size; 4] = [[224, 224], [225, 225], [97, 97], [97, 131]];

/// Every window step of a plan of `network`, depth first, with its name.
fn windows(network: &Network, size: Size) -> Vec<(String, [AxisResolution; 2])> {
    let plan = network.plan(size, None, None).unwrap();
    let mut found = Vec::new();
    for step in &plan.steps {
        step.visit(&mut |step| {
            if let Step::Window { name, axes, .. } = step {
                found.push((name.clone(), *axes));
            }
        });
    }
    found
}

/// Every convolution and pooling the inference engine runs at `size`, in execution order.
fn engine_windows(model: &Model, size: Size) -> Vec<(String, [AxisResolution; 2])> {
    let plan = model.plan(Some(size), None, &[]).unwrap();
    plan.steps()
        .iter()
        .filter_map(|step| match &step.kernel {
            Kernel::Conv { geometry, .. } => {
                Some((step.name.clone(), [geometry.rows, geometry.cols]))
            }
            Kernel::Pool { geometry, .. } => {
                Some((step.name.clone(), [geometry.rows, geometry.cols]))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn imported_models_give_the_zoos_maps_and_uneven_reports() {
    // The projections go further than the zoo in three places, none of which changes a map or
    // a report: VGG's adaptive 7×7 average pool, which torch exports at 224 px as a 1×1/1
    // AveragePool (the zoo stops at `features`), and the functional global pool of MobileNetV2
    // and DenseNet-121 (the zoo leaves it out; it has ResNet's and GoogLeNet's). A trailing
    // global pool reads every pixel of the last map once, and a 1×1/1 pool is the identity.
    for name in MODELS {
        let projected = project(&model(name), name).unwrap();
        let reference = zoo::build(name).unwrap();
        for size in SIZES {
            assert_eq!(
                utilization(&projected, size, None, None).unwrap(),
                utilization(&reference, size, None, None).unwrap(),
                "{name} at {size:?}: utilization maps differ"
            );
            let report = |network: &Network| {
                let plan = network.plan(size, None, None).unwrap();
                serde_json::to_value(uneven::report(&plan)).unwrap()
            };
            assert_eq!(
                report(&projected),
                report(&reference),
                "{name} at {size:?}: uneven-padding reports differ"
            );
        }
    }
}

#[test]
fn layers_keep_torchs_module_paths() {
    for name in MODELS {
        let projected = project(&model(name), name).unwrap();
        let reference = zoo::build(name).unwrap();
        let names = |network: &Network| -> Vec<String> {
            windows(network, [224, 224])
                .into_iter()
                .map(|(name, _)| name)
                .collect()
        };
        let mut expected = names(&reference);
        if name == "vgg11" {
            expected.push("avgpool".into());
        }
        assert_eq!(names(&projected), expected, "{name}: window layers");
    }
    // Blocks are named after the node that joins their branches (`/layer1/layer1.0/Add`).
    // DenseNet's dense layer k is joined by the concatenation that opens layer k + 1 (or
    // closes the dense block), so its blocks are named one layer on from the zoo's.
    for (name, extra) in [
        ("resnet18", None),
        ("resnet50", None),
        ("googlenet", None),
        ("mobilenet_v2", Some("/GlobalAveragePool")),
        ("vgg11", Some("avgpool")),
    ] {
        let mut expected = zoo::build(name).unwrap().layer_names();
        expected.extend(extra.map(str::to_owned));
        let projected = project(&model(name), name).unwrap();
        assert_eq!(
            projected.layer_names(),
            expected,
            "{name}: top-level layers"
        );
    }
    let densenet = project(&model("densenet121"), "densenet121").unwrap();
    assert_eq!(
        densenet.layer_names()[2..8],
        [
            "features.denseblock1.denselayer2",
            "features.denseblock1.denselayer3",
            "features.denseblock1.denselayer4",
            "features.denseblock1.denselayer5",
            "features.denseblock1.denselayer6",
            "features.denseblock1",
        ]
    );
}

#[test]
fn every_projected_window_is_the_one_the_engine_runs() {
    for name in MODELS {
        let model = model(name);
        let projected = project(&model, name).unwrap();
        // VGG's classifier takes 7×7 maps only (inputs of 224 to 255 px).
        for size in [[224, 224], [225, 239]] {
            let engine: Vec<[AxisResolution; 2]> = engine_windows(&model, size)
                .into_iter()
                .map(|(_, axes)| axes)
                .collect();
            let ours: Vec<[AxisResolution; 2]> = windows(&projected, size)
                .into_iter()
                .map(|(_, axes)| axes)
                .collect();
            assert_eq!(ours, engine, "{name} at {size:?}");
        }
    }
}

/// A graph built by hand: one 1×1×H×W image input called `image`, constants, and nodes in
/// execution order, each with one output.
struct Builder {
    graph: Graph,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            graph: Graph {
                values: vec!["image".into()],
                nodes: Vec::new(),
                inputs: vec![GraphInput {
                    value: 0,
                    shape: vec![Some(1), Some(1), None, None],
                    elem_type: "FLOAT",
                }],
                outputs: Vec::new(),
                constants: HashMap::new(),
                opset: 17,
            },
        }
    }

    const IMAGE: ValueId = 0;

    fn value(&mut self, name: String) -> ValueId {
        self.graph.values.push(name);
        self.graph.values.len() - 1
    }

    fn constant(&mut self, name: String, tensor: Tensor) -> ValueId {
        let value = self.value(name);
        self.graph.constants.insert(value, tensor);
        value
    }

    fn node(&mut self, name: &str, op_type: &str, op: Op, inputs: &[ValueId]) -> ValueId {
        let output = self.value(format!("{name}.output"));
        self.graph.nodes.push(Node {
            name: name.into(),
            op_type: op_type.into(),
            op,
            inputs: inputs.iter().map(|&input| Some(input)).collect(),
            outputs: vec![output],
        });
        output
    }

    /// A one-channel convolution whose kernel size comes from its weights (no kernel_shape).
    fn conv(
        &mut self,
        name: &str,
        x: ValueId,
        kernel: usize,
        stride: usize,
        pads: AutoPad,
    ) -> ValueId {
        let weights = Tensor::f32(vec![1, 1, kernel, kernel], vec![1.0; kernel * kernel]);
        let weights = self.constant(format!("{name}.weight"), weights);
        let window = Window {
            kernel: Vec::new(),
            strides: vec![stride, stride],
            dilations: Vec::new(),
            pads,
            ceil_mode: false,
        };
        self.node(
            name,
            "Conv",
            Op::Conv {
                window,
                groups: 1,
                mode: PaddingMode::Zeros,
            },
            &[x, weights],
        )
    }

    fn add(&mut self, name: &str, a: ValueId, b: ValueId) -> ValueId {
        self.node(name, "Add", Op::Binary(Binary::Add), &[a, b])
    }

    fn concat(&mut self, name: &str, axis: i64, inputs: &[ValueId]) -> ValueId {
        self.node(name, "Concat", Op::Concat { axis }, inputs)
    }

    fn model(mut self, outputs: &[ValueId]) -> Model {
        self.graph.outputs = outputs.to_vec();
        Model::new(self.graph).unwrap()
    }
}

fn conv_layer(name: &str, kernel: usize, stride: usize, padding: [PaddingSpec; 2]) -> Layer {
    Layer::Window(WindowLayer {
        name: name.into(),
        kind: WindowKind::Conv,
        window: [AxisWindow::new(kernel, stride, 1); 2],
        padding,
        mode: PaddingMode::Zeros,
    })
}

fn branch(name: &str, layers: Vec<Layer>) -> Branch {
    Branch {
        name: name.into(),
        layers,
    }
}

/// The projection's window layers resolve as the engine's do, at every size given.
fn assert_engine_agrees(model: &Model, network: &Network, sizes: &[Size]) {
    for &size in sizes {
        assert_eq!(
            windows(network, size),
            engine_windows(model, size),
            "at {size:?}"
        );
    }
}

#[test]
fn asymmetric_pads_stay_asymmetric() {
    let mut graph = Builder::new();
    // ONNX lists the begins, then the ends: top 0, left 1, bottom 2, right 1.
    let conv = graph.conv(
        "conv",
        Builder::IMAGE,
        3,
        2,
        AutoPad::Explicit(vec![0, 1, 2, 1]),
    );
    let model = graph.model(&[conv]);
    let network = project(&model, "asymmetric").unwrap();
    let padding = [
        PaddingSpec::Explicit {
            before: 0,
            after: 2,
        },
        PaddingSpec::Explicit {
            before: 1,
            after: 1,
        },
    ];
    assert_eq!(network.layers, [conv_layer("conv", 3, 2, padding)]);
    assert_engine_agrees(&model, &network, &[[9, 9], [10, 12]]);
    // At 9 px the height's windows start at 0, 2, 4, 6, 8: the last reads 2 px of the bottom
    // padding and none of the top.
    let report = uneven::report(&network.plan([9, 9], None, None).unwrap());
    assert_eq!(
        report.layers[0].description[0],
        "uneven: reads only the bottom padding (2 px)"
    );
}

#[test]
fn same_upper_and_same_lower_put_the_odd_pixel_on_opposite_sides() {
    let mut graph = Builder::new();
    let upper = graph.conv("upper", Builder::IMAGE, 3, 2, AutoPad::SameUpper);
    let lower = graph.conv("lower", upper, 3, 2, AutoPad::SameLower);
    let model = graph.model(&[lower]);
    let network = project(&model, "same").unwrap();
    assert_eq!(
        network.layers,
        [
            conv_layer("upper", 3, 2, [PaddingSpec::Same; 2]),
            conv_layer("lower", 3, 2, [PaddingSpec::SameLower; 2]),
        ]
    );
    assert_engine_agrees(&model, &network, &[[224, 224], [225, 225], [97, 131]]);
    // 224 px: one pixel of padding each, after for SAME_UPPER, before for SAME_LOWER (112 px).
    let resolved = windows(&network, [224, 224]);
    let amounts: Vec<(usize, usize)> = resolved
        .iter()
        .map(|(_, [height, _])| (height.before, height.after))
        .collect();
    assert_eq!(amounts, [(0, 1), (1, 0)]);
}

#[test]
fn a_residual_block_with_an_identity_shortcut() {
    let mut graph = Builder::new();
    let stem = graph.conv("stem", Builder::IMAGE, 7, 2, AutoPad::Explicit(vec![3; 4]));
    let stem = graph.node("stem.relu", "Relu", Op::Unary(Unary::Relu), &[stem]);
    let first = graph.conv("block.conv1", stem, 3, 1, AutoPad::Explicit(vec![1; 4]));
    let second = graph.conv("block.conv2", first, 3, 1, AutoPad::Explicit(vec![1; 4]));
    // Adding a constant is pointwise: it is no join.
    let bias = graph.constant("bias".into(), Tensor::f32(vec![1], vec![0.5]));
    let second = graph.add("block.bias", second, bias);
    let sum = graph.add("block", second, stem);
    let pooled = graph.node(
        "pool",
        "GlobalAveragePool",
        Op::GlobalPool(PoolOp::Average {
            count_include_pad: false,
        }),
        &[sum],
    );
    // The head: everything from the Flatten on is left out.
    let flat = graph.node("flatten", "Flatten", Op::Flatten { axis: 1 }, &[pooled]);
    let classes = graph.constant("fc.weight".into(), Tensor::f32(vec![1, 2], vec![1.0; 2]));
    let logits = graph.node(
        "fc",
        "Gemm",
        Op::Gemm {
            alpha: 1.0,
            beta: 1.0,
            trans_a: false,
            trans_b: false,
        },
        &[flat, classes],
    );
    let network = project(&graph.model(&[logits]), "residual").unwrap();
    let pad = |amount| [PaddingSpec::symmetric(amount); 2];
    assert_eq!(
        network.layers,
        [
            conv_layer("stem", 7, 2, pad(3)),
            Layer::Block {
                name: "block".into(),
                combine: Combine::Add,
                branches: vec![
                    branch(
                        "block.conv1",
                        vec![
                            conv_layer("block.conv1", 3, 1, pad(1)),
                            conv_layer("block.conv2", 3, 1, pad(1)),
                        ]
                    ),
                    branch("block.identity", Vec::new()),
                ],
            },
            Layer::GlobalPool {
                name: "pool".into()
            },
        ]
    );
}

#[test]
fn a_join_fed_from_two_levels_of_forks_nests_a_block_inside() {
    // cat(f(y), g(y), h(x)) with y computed from x: f and g form a block of their own inside
    // the concatenation's branch through y.
    let mut graph = Builder::new();
    let same = || AutoPad::Explicit(vec![1; 4]);
    let y = graph.conv("y", Builder::IMAGE, 3, 1, same());
    let f = graph.conv("f", y, 3, 1, same());
    let g = graph.conv("g", y, 1, 1, AutoPad::Explicit(Vec::new()));
    let h = graph.conv("h", Builder::IMAGE, 3, 1, same());
    let joined = graph.concat("cat", 1, &[f, g, h]);
    let network = project(&graph.model(&[joined]), "nested").unwrap();
    let pad = |amount| [PaddingSpec::symmetric(amount); 2];
    let inner = Layer::Block {
        name: "cat.part1".into(),
        combine: Combine::Concat,
        branches: vec![
            branch("f", vec![conv_layer("f", 3, 1, pad(1))]),
            branch("g", vec![conv_layer("g", 1, 1, pad(0))]),
        ],
    };
    assert_eq!(
        network.layers,
        [Layer::Block {
            name: "cat".into(),
            combine: Combine::Concat,
            branches: vec![
                branch("y", vec![conv_layer("y", 3, 1, pad(1)), inner]),
                branch("h", vec![conv_layer("h", 3, 1, pad(1))]),
            ],
        }]
    );
}

#[test]
fn layer_names_are_unique() {
    // Two convolutions of one module (a functional call) would both be `stem`: they keep their
    // own names. Two nodes of the same name get the operator and their index.
    let mut graph = Builder::new();
    let pads = || AutoPad::Explicit(Vec::new());
    let first = graph.conv("/stem/Conv", Builder::IMAGE, 1, 1, pads());
    let second = graph.conv("/stem/Conv_1", first, 1, 1, pads());
    let third = graph.conv("same", second, 1, 1, pads());
    let fourth = graph.conv("same", third, 1, 1, pads());
    let fifth = graph.conv("/head/Conv", fourth, 1, 1, pads());
    let network = project(&graph.model(&[fifth]), "names").unwrap();
    assert_eq!(
        network.layer_names(),
        ["/stem/Conv", "/stem/Conv_1", "Conv#2", "Conv#3", "head"]
    );
}

/// The projection's refusal, which must name `node` (`None`: the model as a whole).
fn refusal(model: &Model, node: Option<&str>) -> String {
    let error = project(model, "refused").unwrap_err();
    match &error {
        Error::Model(ModelError {
            node: found,
            kind: ModelErrorKind::NotProjectable { .. },
            ..
        }) => assert_eq!(found.as_deref(), node, "{error}"),
        other => panic!("expected a refusal, got {other}"),
    }
    error.to_string()
}

#[test]
fn a_resize_is_refused_by_name() {
    let mut graph = Builder::new();
    let down = graph.conv("down", Builder::IMAGE, 3, 2, AutoPad::Explicit(vec![1; 4]));
    let scales = graph.constant(
        "scales".into(),
        Tensor::f32(vec![4], vec![1.0, 1.0, 2.0, 2.0]),
    );
    let resize = Resize {
        mode: ResizeMode::Nearest,
        transform: CoordinateTransform::Asymmetric,
        rounding: NearestRounding::Floor,
        axes: None,
        aspect: AspectPolicy::Stretch,
    };
    let up = graph.node("up", "Resize", Op::Resize(resize), &[down, scales]);
    let out = graph.conv("out", up, 3, 1, AutoPad::Explicit(vec![1; 4]));
    let message = refusal(&graph.model(&[out]), Some("up"));
    assert!(
        message.starts_with("model, node `up` (Resize): padlens cannot project it")
            && message.contains("resizes"),
        "{message}"
    );
}

#[test]
fn what_has_no_place_in_a_layer_graph_is_refused_by_name() {
    let pads = || AutoPad::Explicit(vec![1; 4]);

    // A concatenation along the height stacks maps: no block does that.
    let mut graph = Builder::new();
    let a = graph.conv("a", Builder::IMAGE, 3, 1, pads());
    let b = graph.conv("b", Builder::IMAGE, 3, 1, pads());
    let stacked = graph.concat("stack", 2, &[a, b]);
    let message = refusal(&graph.model(&[stacked]), Some("stack"));
    assert!(message.contains("along height"), "{message}");

    // A reshape between convolutions: the map past it may not be an image any more.
    let mut graph = Builder::new();
    let a = graph.conv("a", Builder::IMAGE, 3, 1, pads());
    let shape = graph.constant("shape".into(), Tensor::i64(vec![4], vec![1, 1, -1, 4]));
    let reshaped = graph.node(
        "reshape",
        "Reshape",
        Op::Reshape { allow_zero: false },
        &[a, shape],
    );
    let b = graph.conv("b", reshaped, 3, 1, pads());
    let message = refusal(&graph.model(&[b]), Some("reshape"));
    assert!(
        message.contains("`b` (Conv) reads the result as a map"),
        "{message}"
    );

    // A product of two maps (a gate) has no count of ways.
    let mut graph = Builder::new();
    let a = graph.conv("a", Builder::IMAGE, 3, 1, pads());
    let gate = graph.node("gate", "Sigmoid", Op::Unary(Unary::Sigmoid), &[a]);
    let gated = graph.node("gated", "Mul", Op::Binary(Binary::Mul), &[a, gate]);
    let message = refusal(&graph.model(&[gated]), Some("gated"));
    assert!(message.contains("multiplies two maps"), "{message}");

    // A bridge: `a` feeds both joins, so neither join closes a fork of its own.
    let mut graph = Builder::new();
    let a = graph.conv("a", Builder::IMAGE, 3, 1, pads());
    let b = graph.conv("b", Builder::IMAGE, 3, 1, pads());
    let first = graph.add("first", a, b);
    let c = graph.conv("c", a, 3, 1, pads());
    let second = graph.add("second", c, first);
    let message = refusal(&graph.model(&[second]), Some("first"));
    assert!(message.contains("not series–parallel"), "{message}");

    // Two outputs from two different maps: which one is the last feature map?
    let mut graph = Builder::new();
    let a = graph.conv("a", Builder::IMAGE, 3, 1, pads());
    let b = graph.conv("b", a, 3, 1, pads());
    let message = refusal(&graph.model(&[a, b]), None);
    assert!(message.contains("2 different maps (`a`, `b`)"), "{message}");
}
