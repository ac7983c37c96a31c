//! What the Model page and the CLI show of a model: its summary, its convolution layers'
//! mean filters and mean feature maps (definitions.md §6), and a forward pass on an image
//! with its top outputs.

use super::graph::{Graph, Op, ValueId};
use super::model::Model;
use super::ops::resize::{self, Tap};
use super::plan::Plan;
use super::tensor::{element_count, Data};
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::padding::PaddingMode;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use serde::Serialize;
use std::collections::BTreeMap;

/// A convolution layer as the analyses see it: the Conv node, and the value its layer ends
/// in — after a BatchNormalization and an activation that only it feeds (definitions.md §6:
/// "after the layer's activation, if it has one").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvLayer {
    /// The Conv node's name (its ONNX name, or `Conv_<index>` when the file gives none).
    pub name: String,
    #[serde(skip)]
    pub node: usize,
    /// The value the layer ends in, by name.
    pub output: String,
    /// `[height, width]` of the kernel.
    pub kernel: [usize; 2],
    pub in_channels: usize,
    pub out_channels: usize,
    pub groups: usize,
}

/// Per value, how many node inputs and graph outputs read it.
fn readers(graph: &Graph) -> Vec<usize> {
    let mut readers = vec![0usize; graph.values.len()];
    for input in graph.nodes.iter().flat_map(|n| n.inputs.iter().flatten()) {
        readers[*input] += 1;
    }
    for &output in &graph.outputs {
        readers[output] += 1;
    }
    readers
}

/// Every Conv node with constant 4-D weights, in execution order.
pub fn conv_layers(graph: &Graph) -> Vec<ConvLayer> {
    let readers = readers(graph);
    // The node that reads a value, when it is the only reader.
    let mut only_reader: Vec<Option<usize>> = vec![None; graph.values.len()];
    for (index, node) in graph.nodes.iter().enumerate() {
        if let Some(Some(x)) = node.inputs.first() {
            if readers[*x] == 1 {
                only_reader[*x] = Some(index);
            }
        }
    }
    let follows = |value: ValueId, accept: &dyn Fn(&Op) -> bool| -> Option<ValueId> {
        let next = &graph.nodes[only_reader[value]?];
        (accept(&next.op) && !graph.outputs.contains(&value)).then(|| next.outputs[0])
    };
    graph
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let Op::Conv { groups, .. } = node.op else {
                return None;
            };
            let weights = graph.constants.get(&(*node.inputs.get(1)?)?)?;
            let &[out_channels, per_group, kh, kw] = weights.shape.as_slice() else {
                return None;
            };
            let mut output = *node.outputs.first()?;
            if let Some(next) = follows(output, &|op| matches!(op, Op::BatchNorm { .. })) {
                output = next;
            }
            let activation = |op: &Op| matches!(op, Op::Unary(_) | Op::Clip | Op::PRelu);
            if let Some(next) = follows(output, &activation) {
                output = next;
            }
            let name = if node.name.is_empty() {
                format!("Conv_{index}")
            } else {
                node.name.clone()
            };
            Some(ConvLayer {
                name,
                node: index,
                output: graph.values[output].clone(),
                kernel: [kh, kw],
                in_channels: per_group * groups,
                out_channels,
                groups,
            })
        })
        .collect()
}

/// The model at a glance, at one input size.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub input: String,
    pub channels: usize,
    /// As planned: `[height, width]`.
    pub size: [usize; 2],
    /// As the model declares it (`None` where dynamic).
    pub declared: [Option<usize>; 2],
    pub opset: i64,
    pub nodes: usize,
    /// ONNX operator → how many nodes use it.
    pub operators: BTreeMap<String, usize>,
    /// Weights and biases: the elements of every float constant.
    pub parameters: usize,
    /// Of one forward pass at `size`.
    pub multiply_adds: f64,
    pub conv_layers: Vec<ConvLayer>,
    /// Each graph output's name and shape at `size`.
    pub outputs: Vec<(String, Vec<usize>)>,
}

pub fn summary(model: &Model, plan: &Plan) -> Summary {
    let graph = model.graph();
    let mut operators = BTreeMap::new();
    for node in &graph.nodes {
        *operators.entry(node.op_type.clone()).or_insert(0) += 1;
    }
    let parameters = graph
        .constants
        .values()
        .filter(|t| matches!(t.data, Data::F32(_)))
        .map(|t| t.len())
        .sum();
    let (input, shape) = plan
        .inputs()
        .next()
        .map_or((String::new(), &[][..]), |(n, s)| (n.to_owned(), s));
    let size = match shape {
        [_, _, h, w] => [*h, *w],
        _ => [0, 0],
    };
    let outputs = plan
        .output_names()
        .map(|name| {
            let shape = plan
                .value(name)
                .map(|v| v.shape.to_vec())
                .unwrap_or_default();
            (name.to_owned(), shape)
        })
        .collect();
    Summary {
        input,
        channels: model.channels(),
        size,
        declared: model.declared_size(),
        opset: graph.opset,
        nodes: graph.nodes.len(),
        operators,
        parameters,
        multiply_adds: plan.multiply_adds(),
        conv_layers: conv_layers(graph),
        outputs,
    }
}

/// A conv layer's mean filter (definitions.md §6).
#[derive(Clone, Debug, Serialize)]
pub struct MeanFilter {
    pub layer: String,
    /// `[height, width]`.
    pub kernel: [usize; 2],
    /// The signed mean of the weights over output and input channels, row-major.
    pub values: Vec<f32>,
    /// First ÷ last column of the mean absolute weights' column sums (1: balanced).
    pub left_right: f64,
    /// First ÷ last row of the mean absolute weights' row sums.
    pub top_bottom: f64,
}

/// The mean filter of every conv layer whose kernel is at least 2 on both axes.
pub fn mean_filters(graph: &Graph) -> Vec<MeanFilter> {
    conv_layers(graph)
        .into_iter()
        .filter(|layer| layer.kernel[0] >= 2 && layer.kernel[1] >= 2)
        .filter_map(|layer| {
            let node = &graph.nodes[layer.node];
            let weights = graph.constants.get(&node.inputs[1]?)?.to_f32();
            let [kh, kw] = layer.kernel;
            let taps = kh * kw;
            let filters = weights.len() / taps;
            let (mut signed, mut absolute) = (vec![0f64; taps], vec![0f64; taps]);
            for filter in weights.chunks_exact(taps) {
                for ((s, a), &w) in signed.iter_mut().zip(&mut absolute).zip(filter) {
                    *s += f64::from(w);
                    *a += f64::from(w.abs());
                }
            }
            let column = |c: usize| (0..kh).map(|r| absolute[r * kw + c]).sum::<f64>();
            let row = |r: usize| absolute[r * kw..(r + 1) * kw].iter().sum::<f64>();
            Some(MeanFilter {
                layer: layer.name,
                kernel: layer.kernel,
                values: signed.iter().map(|s| (s / filters as f64) as f32).collect(),
                left_right: column(0) / column(kw - 1),
                top_bottom: row(0) / row(kh - 1),
            })
        })
        .collect()
}

/// One layer's mean feature map: `[height, width]` and the values, row-major.
#[derive(Clone, Debug, Serialize)]
pub struct FeatureMap {
    pub layer: String,
    pub size: [usize; 2],
    pub values: Vec<f32>,
}

/// The most random inputs the mean feature maps average: 1024 passes of ResNet-50 are
/// minutes in a browser; beyond that the mean no longer visibly changes.
pub const MAX_FEATURE_SAMPLES: usize = 1024;

/// Mean feature maps over random inputs (definitions.md §6), one sample at a time so that
/// the page can report progress and the CLI and the page get the same numbers for a seed.
pub struct MeanFeatureMaps {
    plan: Plan,
    layers: Vec<(String, String)>,
    sums: Vec<Vec<f64>>,
    input: Vec<f32>,
    rng: Pcg32,
    samples: usize,
}

/// A uniform float in [0, 1) from the top 24 bits of a PCG32 draw: every value is a multiple
/// of 2^−24, exact in f32. The detectability grids' noise background draws the same way.
pub(crate) fn unit(rng: &mut Pcg32) -> f32 {
    (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}

impl MeanFeatureMaps {
    /// Plans `model` at `size` with `padding` (the model's own when `None`), computing every
    /// conv layer's output and nothing after the last (no classifier). Inputs are uniform in [0, 1), drawn by PCG32 seeded with `seed`.
    pub fn new(
        model: &Model,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
        seed: u64,
    ) -> Result<Self> {
        let layers: Vec<(String, String)> = conv_layers(model.graph())
            .into_iter()
            .map(|l| (l.name, l.output))
            .collect();
        let keep: Vec<String> = layers.iter().map(|(_, output)| output.clone()).collect();
        let plan = model.plan_only(size, padding, &keep)?;
        let input_len = plan.inputs().next().map_or(0, |(_, s)| element_count(s));
        let sums = layers
            .iter()
            .map(|(_, output)| {
                let view = plan.value(output)?;
                Ok(vec![0f64; plane_len(view.shape)])
            })
            .collect::<Result<_>>()?;
        Ok(MeanFeatureMaps {
            plan,
            layers,
            sums,
            input: vec![0.0; input_len],
            rng: Pcg32::seed_from_u64(seed),
            samples: 0,
        })
    }

    pub fn layers(&self) -> usize {
        self.layers.len()
    }

    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Runs one more random input and adds its channel means.
    pub fn add_sample(&mut self) -> Result<()> {
        for value in &mut self.input {
            *value = unit(&mut self.rng);
        }
        self.plan.run(&[&self.input])?;
        for ((_, output), sum) in self.layers.iter().zip(&mut self.sums) {
            let view = self.plan.value(output)?;
            let plane = sum.len();
            for channel in view.data.chunks_exact(plane) {
                for (s, &v) in sum.iter_mut().zip(channel) {
                    *s += f64::from(v);
                }
            }
        }
        self.samples += 1;
        Ok(())
    }

    /// The mean over channels and samples so far, per layer.
    pub fn maps(&self) -> Result<Vec<FeatureMap>> {
        self.layers
            .iter()
            .zip(&self.sums)
            .map(|((layer, output), sum)| {
                let view = self.plan.value(output)?;
                let channels = view.data.len() / sum.len().max(1);
                let count = (channels * self.samples.max(1)) as f64;
                let [h, w] = spatial(view.shape);
                Ok(FeatureMap {
                    layer: layer.clone(),
                    size: [h, w],
                    values: sum.iter().map(|s| (s / count) as f32).collect(),
                })
            })
            .collect()
    }
}

/// Height and width of an N×C×H×W value (1×1 for a lower rank: a vector is one pixel).
fn spatial(shape: &[usize]) -> [usize; 2] {
    match shape {
        [.., h, w] if shape.len() >= 3 => [*h, *w],
        _ => [1, 1],
    }
}

fn plane_len(shape: &[usize]) -> usize {
    let [h, w] = spatial(shape);
    h * w
}

/// How an image's [0, 1] values are brought to what the model was trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    None,
    /// torchvision's ImageNet mean and standard deviation, per RGB channel.
    ImageNet,
}

const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

impl Normalization {
    /// A [0, 1] value of RGB channel `channel` (0 red, 1 green, 2 blue) as the model takes it.
    pub fn apply(self, channel: usize, value: f32) -> f32 {
        match self {
            Normalization::None => value,
            Normalization::ImageNet => (value - IMAGENET_MEAN[channel]) / IMAGENET_STD[channel],
        }
    }
}

/// An RGBA image (8 bits per channel, row-major, `width × height`) as a 1×C×H×W input at
/// `size`: resized with bilinear filtering (half-pixel centres, no antialiasing — as ONNX
/// Resize `linear` / `half_pixel`) when its size differs, scaled to [0, 1], normalised. One
/// channel takes the mean of R, G and B; three take RGB.
pub fn image_input(
    rgba: &[u8],
    width: usize,
    height: usize,
    size: [usize; 2],
    channels: usize,
    normalization: Normalization,
) -> Result<Vec<f32>> {
    let bad = |message: String| Error::Model(ModelError::new(ModelErrorKind::Shape { message }));
    if width == 0 || height == 0 || rgba.len() != width * height * 4 {
        return Err(bad(format!(
            "an image of {width}×{height} pixels needs {} RGBA bytes, got {}",
            width * height * 4,
            rgba.len()
        )));
    }
    if channels != 1 && channels != 3 {
        return Err(bad(format!(
            "the model takes {channels} channels; images give 1 (grey) or 3 (RGB)"
        )));
    }
    let plane = width * height;
    let mut planes = vec![0f32; 3 * plane];
    for (i, pixel) in rgba.chunks_exact(4).enumerate() {
        for c in 0..3 {
            planes[c * plane + i] = f32::from(pixel[c]) / 255.0;
        }
    }
    let [h, w] = size;
    let resized = resize_planes(&planes, 3, [height, width], [h, w]);
    let out_plane = h * w;
    let mut input = vec![0f32; channels * out_plane];
    for c in 0..channels {
        let target = &mut input[c * out_plane..(c + 1) * out_plane];
        for (i, t) in target.iter_mut().enumerate() {
            *t = if channels == 1 {
                (resized[i] + resized[out_plane + i] + resized[2 * out_plane + i]) / 3.0
            } else {
                resized[c * out_plane + i]
            };
        }
        if channels == 3 {
            for t in target.iter_mut() {
                *t = normalization.apply(c, *t);
            }
        }
    }
    Ok(input)
}

/// Bilinear resize of `planes` C×H×W to C×`to`, one axis at a time through Resize's taps.
/// Images given to a model and the detectability grids' backgrounds and stimuli share it.
pub(crate) fn resize_planes(
    planes: &[f32],
    channels: usize,
    from: [usize; 2],
    to: [usize; 2],
) -> Vec<f32> {
    if from == to {
        return planes.to_vec();
    }
    let spec = super::graph::Resize::bilinear();
    let taps = |axis: usize| -> Vec<Tap> {
        resize::axis_taps(
            &spec,
            from[axis],
            to[axis],
            to[axis] as f64 / from[axis] as f64,
        )
    };
    let mut rows = vec![0f32; channels * to[0] * from[1]];
    resize::resize_axis(
        planes,
        &[channels, from[0], from[1]],
        1,
        &taps(0),
        &mut rows,
    );
    let mut out = vec![0f32; channels * to[0] * to[1]];
    resize::resize_axis(&rows, &[channels, to[0], from[1]], 2, &taps(1), &mut out);
    out
}

/// One of the top outputs: its index, the softmax probability and the raw value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    pub index: usize,
    pub probability: f32,
    pub logit: f32,
}

/// The `count` largest of `logits`, with their softmax probabilities (over all of them).
pub fn top_outputs(logits: &[f32], count: usize) -> Vec<Prediction> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let total: f64 = logits.iter().map(|&v| f64::from(v - max).exp()).sum();
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(count)
        .map(|index| Prediction {
            index,
            probability: (f64::from(logits[index] - max).exp() / total) as f32,
            logit: logits[index],
        })
        .collect()
}

/// A model planned for forward passes on images at one size and padding.
pub struct Forward {
    plan: Plan,
    size: [usize; 2],
    channels: usize,
    output: String,
}

/// What a forward pass gives: the first output's name and shape, and its largest values.
#[derive(Clone, Debug, Serialize)]
pub struct ForwardResult {
    pub output: String,
    pub shape: Vec<usize>,
    pub top: Vec<Prediction>,
}

impl Forward {
    pub fn new(
        model: &Model,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
    ) -> Result<Self> {
        let plan = model.plan(size, padding, &[])?;
        let output = plan.output_names().next().unwrap_or_default().to_owned();
        let size = plan
            .inputs()
            .next()
            .map_or([0, 0], |(_, shape)| spatial(shape));
        Ok(Forward {
            plan,
            size,
            channels: model.channels(),
            output,
        })
    }

    /// `[height, width]` of the planned input.
    pub fn size(&self) -> [usize; 2] {
        self.size
    }

    /// Runs a 1×C×H×W input at the planned size and returns the first output's values.
    pub fn run(&mut self, input: &[f32]) -> Result<&[f32]> {
        self.plan.run(&[input])?;
        Ok(self.plan.value(&self.output)?.data)
    }

    /// Runs an RGBA image (resized to the planned size) and returns the first output's
    /// `top` largest values with their softmax probabilities over the whole output.
    pub fn run_image(
        &mut self,
        rgba: &[u8],
        width: usize,
        height: usize,
        normalization: Normalization,
        top: usize,
    ) -> Result<ForwardResult> {
        let input = image_input(rgba, width, height, self.size, self.channels, normalization)?;
        self.plan.run(&[&input])?;
        let view = self.plan.value(&self.output)?;
        Ok(ForwardResult {
            output: self.output.clone(),
            shape: view.shape.to_vec(),
            top: top_outputs(view.data, top),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> Model {
        let path = format!(
            "{}/tests/onnx/models/{name}/model.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        Model::from_onnx(std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn conv_layers_end_after_batch_norm_and_activation() {
        let resnet = model("resnet18");
        let layers = conv_layers(resnet.graph());
        assert_eq!(layers.len(), 20);
        // conv1 → (BN folded on export) → Relu; the second conv of a block feeds the Add.
        assert_eq!(layers[0].name, "/conv1/Conv");
        assert_eq!(layers[0].output, "/relu/Relu_output_0");
        assert_eq!(layers[0].kernel, [7, 7]);
        let conv2 = layers
            .iter()
            .find(|l| l.name == "/layer1/layer1.0/conv2/Conv")
            .unwrap();
        assert_eq!(conv2.output, "/layer1/layer1.0/conv2/Conv_output_0");
    }

    #[test]
    fn summary_counts_the_model() {
        let resnet = model("resnet18");
        let plan = resnet.plan(None, None, &[]).unwrap();
        let s = summary(&resnet, &plan);
        assert_eq!(s.size, [224, 224]);
        assert_eq!(s.operators["Conv"], 20);
        // meta.json's PyTorch parameter count (BN folded into the convs on export, so the
        // ONNX file holds fewer: conv weights and biases plus the classifier).
        assert!(
            s.parameters > 0 && s.parameters <= 77772,
            "{}",
            s.parameters
        );
        assert_eq!(s.outputs, [("output".to_owned(), vec![1, 1000])]);
        assert!(s.multiply_adds > 1e6);
    }

    #[test]
    fn mean_filters_measure_asymmetry() {
        let resnet = model("resnet18");
        let filters = mean_filters(resnet.graph());
        // Every 3×3 and the 7×7 stem; the 1×1 downsamples are left out.
        assert_eq!(filters.len(), 17);
        assert!(filters.iter().all(|f| f.kernel[0] >= 2));
        for f in &filters {
            assert_eq!(f.values.len(), f.kernel[0] * f.kernel[1]);
            assert!(f.left_right > 0.0 && f.left_right.is_finite());
        }
    }

    #[test]
    fn feature_maps_average_samples_and_channels() {
        let vgg = model("vgg11");
        let mut maps = MeanFeatureMaps::new(&vgg, Some([32, 32]), None, 7).unwrap();
        assert_eq!(maps.layers(), 8);
        maps.add_sample().unwrap();
        maps.add_sample().unwrap();
        let first = maps.maps().unwrap();
        assert_eq!(first[0].size, [32, 32]);
        assert_eq!(first[7].size, [2, 2]);
        // After a Relu every mean is ≥ 0, and the same seed gives the same maps.
        assert!(first.iter().all(|m| m.values.iter().all(|&v| v >= 0.0)));
        let mut again = MeanFeatureMaps::new(&vgg, Some([32, 32]), None, 7).unwrap();
        again.add_sample().unwrap();
        again.add_sample().unwrap();
        assert_eq!(again.maps().unwrap()[3].values, first[3].values);
    }

    #[test]
    fn images_are_resized_and_normalised() {
        // 2×1 image: black then white; at 1×4 the bilinear ramp is 0, 0.25, 0.75, 1.
        let rgba = [0, 0, 0, 255, 255, 255, 255, 255];
        let input = image_input(&rgba, 2, 1, [1, 4], 3, Normalization::None).unwrap();
        assert_eq!(&input[..4], &[0.0, 0.25, 0.75, 1.0]);
        let grey = image_input(&rgba, 2, 1, [1, 2], 1, Normalization::None).unwrap();
        assert_eq!(grey, [0.0, 1.0]);
        let normalised = image_input(&rgba, 2, 1, [1, 2], 3, Normalization::ImageNet).unwrap();
        assert!((normalised[0] - (-0.485 / 0.229)).abs() < 1e-6);
        assert!(image_input(&rgba, 3, 1, [1, 2], 3, Normalization::None).is_err());
    }

    #[test]
    fn a_forward_pass_on_an_image_ranks_the_outputs() {
        let resnet = model("resnet18");
        let mut forward = Forward::new(&resnet, None, Some(PaddingMode::Reflect)).unwrap();
        let rgba: Vec<u8> = (0..16 * 12 * 4).map(|i| (i * 37 % 256) as u8).collect();
        let result = forward
            .run_image(&rgba, 16, 12, Normalization::ImageNet, 5)
            .unwrap();
        assert_eq!(result.shape, [1, 1000]);
        assert_eq!(result.top.len(), 5);
        assert!(result.top.windows(2).all(|w| w[0].logit >= w[1].logit));
    }

    #[test]
    fn the_catalog_names_every_normalization() {
        let names: Vec<&str> = crate::catalog::catalog()
            .normalizations
            .iter()
            .map(|n| n.name)
            .collect();
        let parsed: Vec<Normalization> = names
            .iter()
            .map(|n| serde_json::from_value(serde_json::json!(n)).unwrap())
            .collect();
        assert_eq!(parsed, [Normalization::None, Normalization::ImageNet]);
    }

    #[test]
    fn top_outputs_are_sorted_softmax() {
        let top = top_outputs(&[1.0, 3.0, 2.0], 2);
        assert_eq!(top.iter().map(|p| p.index).collect::<Vec<_>>(), [1, 2]);
        let total: f32 = [1.0f32, 3.0, 2.0].iter().map(|v| (v - 3.0).exp()).sum();
        assert!((top[0].probability - 1.0 / total).abs() < 1e-6);
    }
}
