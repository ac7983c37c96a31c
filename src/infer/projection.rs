//! The projection of an imported model onto padlens' layer graph (definitions.md §8), so that
//! the utilization map and the uneven-padding report, computed on a [`Network`], work for a
//! user's own ONNX model.
//!
//! The graph is traced from the image input in execution order. Every value is static
//! (weights, constants, shape arithmetic), a map (the image after some layers), or part of the
//! head (past the spatial part). Convolutions, poolings and global pools become layers;
//! additions and channel concatenations of maps become joins; pointwise operators pass the
//! map through. The spatial part ends at the one map the model's outputs are computed from,
//! and the layers up to it are arranged into nested blocks by series–parallel reduction.

use super::graph::{AutoPad, Binary, CastTo, Graph, Node, Op, PoolOp, Window};
use super::model::Model;
use super::tensor::normalize_axis;
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::geometry::{AxisWindow, PaddingSpec};
use crate::net::{Branch, Combine, Layer, Network, WindowKind, WindowLayer};
use crate::padding::PaddingMode;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The image's axes: batch, channels, height, width ([`Model`] checks the rank).
const IMAGE_RANK: usize = 4;
const CHANNEL_AXIS: usize = 1;

/// Projects `model`'s spatial structure onto a [`Network`] called `name` (definitions.md §8):
/// the layers from the image input to the last map the outputs are computed from. What cannot
/// be projected (a Resize, a Pad node not folded into its Conv, a join that is not
/// series–parallel, a reshape followed by more convolutions…) is an error naming the node and
/// why.
pub fn project(model: &Model, name: &str) -> Result<Network> {
    let graph = model.graph();
    let mut tracer = Tracer {
        graph,
        flows: vec![Flow::Static; graph.values.len()],
        vertices: vec![Vertex {
            content: Content::Image,
            inputs: Vec::new(),
            node: None,
        }],
        concatenations: Vec::new(),
    };
    tracer.flows[graph.inputs[0].value] = Flow::Map(IMAGE);
    for (index, node) in graph.nodes.iter().enumerate() {
        let flow = tracer.node(index, node)?;
        for &output in &node.outputs {
            tracer.flows[output] = flow;
        }
    }
    let end = tracer.end()?;
    let names = layer_names(graph, &tracer.vertices);
    let layers = Reduction::new(&tracer.vertices, names, end).run(graph)?;
    Ok(Network {
        name: name.to_owned(),
        layers,
    })
}

/// The image input's vertex.
const IMAGE: usize = 0;

/// What a value is, seen from the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Not computed from the image's pixels: weights, constants, shapes.
    Static,
    /// The map after vertex `.0` (the image itself for [`IMAGE`]).
    Map(usize),
    /// Past the spatial part: computed by node `start` and what follows it from the map after
    /// vertex `source`.
    Head { start: usize, source: usize },
}

enum Content {
    Image,
    Window {
        kind: WindowKind,
        window: [AxisWindow; 2],
        padding: [PaddingSpec; 2],
        mode: PaddingMode,
    },
    GlobalPool,
    Join(Combine),
}

/// A point of the spatial graph: the image, a layer, or a join of maps.
struct Vertex {
    content: Content,
    /// The vertices whose maps it reads, in the node's input order: one for a layer, two or
    /// more for a join.
    inputs: Vec<usize>,
    /// The node that makes it (`None` for the image).
    node: Option<usize>,
}

fn refuse(node: &Node, reason: impl Into<String>) -> Error {
    Error::Model(ModelError::at_node(
        node,
        ModelErrorKind::NotProjectable {
            reason: reason.into(),
        },
    ))
}

fn refuse_model(reason: String) -> Error {
    Error::Model(ModelError::new(ModelErrorKind::NotProjectable { reason }))
}

struct Tracer<'g> {
    graph: &'g Graph,
    flows: Vec<Flow>,
    vertices: Vec<Vertex>,
    /// Every channel concatenation's vertex and the maps it reads, before factoring.
    concatenations: Vec<(usize, Vec<usize>)>,
}

impl Tracer<'_> {
    fn node(&mut self, index: usize, node: &Node) -> Result<Flow> {
        let flows: Vec<Flow> = node
            .inputs
            .iter()
            .map(|value| value.map_or(Flow::Static, |v| self.flows[v]))
            .collect();
        if flows.iter().all(|flow| *flow == Flow::Static) {
            return Ok(Flow::Static);
        }
        if let Some(head) = self.head(node, &flows)? {
            return Ok(head);
        }
        let maps: Vec<usize> = flows
            .iter()
            .filter_map(|flow| match flow {
                Flow::Map(vertex) => Some(*vertex),
                _ => None,
            })
            .collect();
        match &node.op {
            // The convolution's own mode: zeros, or that of a Pad folded into it on import.
            Op::Conv { window, mode, .. } => {
                let x = self.map_input(node, &flows, &maps)?;
                let kernel = if window.kernel.is_empty() {
                    self.weights_kernel(node)?
                } else {
                    window.kernel.clone()
                };
                let content = self.window(node, WindowKind::Conv, window, &kernel, *mode)?;
                Ok(self.push(index, content, vec![x]))
            }
            // Pooling pads with nothing that wins (definitions.md §2): zeros.
            Op::Pool { op, window } => {
                let x = self.map_input(node, &flows, &maps)?;
                let kind = match op {
                    PoolOp::Max => WindowKind::MaxPool,
                    PoolOp::Average { .. } => WindowKind::AvgPool,
                };
                let content =
                    self.window(node, kind, window, &window.kernel, PaddingMode::Zeros)?;
                Ok(self.push(index, content, vec![x]))
            }
            Op::GlobalPool(_) => {
                let x = self.map_input(node, &flows, &maps)?;
                Ok(self.push(index, Content::GlobalPool, vec![x]))
            }
            Op::Resize(_) => Err(refuse(
                node,
                "it resizes the map, which no convolution, pooling, addition or concatenation \
                 does",
            )),
            // A Pad that could be folded into the Conv reading it was, on import (§8).
            Op::Pad { .. } => Err(refuse(
                node,
                "it pads the map by itself and could not be folded into a convolution (it \
                 must pad only height and width, by constant amounts ≥ 0, with zeros, reflect, \
                 edge or wrap, and feed one Conv without padding of its own); padlens knows \
                 padding only as part of the convolution or pooling that reads it",
            )),
            Op::Binary(op) if maps.len() == 2 => {
                let verb = match op {
                    Binary::Add => return Ok(self.push(index, Content::Join(Combine::Add), maps)),
                    Binary::Sub => "subtracts",
                    Binary::Mul => "multiplies",
                    Binary::Div => "divides",
                };
                Err(refuse(
                    node,
                    format!(
                        "it {verb} two maps computed from the image; only an addition or a \
                         concatenation along channels joins branches"
                    ),
                ))
            }
            // A map and a constant: the constant reaches no pixel.
            Op::Binary(_) => Ok(Flow::Map(maps[0])),
            Op::Concat { axis } => self.concat(index, node, *axis, maps),
            Op::BatchNorm { .. }
            | Op::Unary(_)
            | Op::Clip
            | Op::PRelu
            | Op::Identity
            | Op::Cast { to: CastTo::Float } => self.map_input(node, &flows, &maps).map(Flow::Map),
            // Pointwise in space: they move or mix channels only.
            Op::Transpose { perm: Some(perm) } if perm.get(2..) == Some(&[2, 3][..]) => {
                self.map_input(node, &flows, &maps).map(Flow::Map)
            }
            Op::Softmax {
                axis,
                coerce_2d: false,
            } if normalize_axis(*axis, IMAGE_RANK) == Some(CHANNEL_AXIS) => {
                self.map_input(node, &flows, &maps).map(Flow::Map)
            }
            Op::Slice if self.slices_channels_only(node) => {
                self.map_input(node, &flows, &maps).map(Flow::Map)
            }
            // Shapes are known before any pixel is.
            Op::Shape { .. } | Op::ConstantOfShape { .. } => Ok(Flow::Static),
            Op::Flatten { .. }
            | Op::Reshape { .. }
            | Op::Squeeze
            | Op::Unsqueeze
            | Op::Transpose { .. }
            | Op::Softmax { .. }
            | Op::Slice
            | Op::Gather { .. }
            | Op::Gemm { .. }
            | Op::MatMul
            | Op::Cast { to: CastTo::Int64 } => self.start_head(index, node, &maps),
        }
    }

    /// The flow of a node that reads the head: still the head, unless the node treats it as a
    /// map (a convolution after a Reshape, or a head added to a map).
    fn head(&self, node: &Node, flows: &[Flow]) -> Result<Option<Flow>> {
        let mut heads = flows.iter().filter_map(|flow| match flow {
            Flow::Head { start, source } => Some((*start, *source)),
            _ => None,
        });
        let Some((start, source)) = heads.next() else {
            return Ok(None);
        };
        let reads_a_map = flows.iter().any(|flow| matches!(flow, Flow::Map(_)));
        if node.op.is_spatial() || reads_a_map {
            return Err(refuse(
                &self.graph.nodes[start],
                format!(
                    "past it the map is no longer an image (its height and width may be \
                     merged, moved or cut), yet `{}` ({}) reads the result as a map",
                    node.name, node.op_type
                ),
            ));
        }
        if let Some((_, other)) = heads.find(|&(_, other)| other != source) {
            return Err(self.two_maps(node, source, other));
        }
        Ok(Some(Flow::Head { start, source }))
    }

    fn two_maps(&self, node: &Node, first: usize, second: usize) -> Error {
        refuse(
            node,
            format!(
                "it combines what follows two maps (`{}` and `{}`); padlens maps a network \
                 with one last feature map",
                self.label(first),
                self.label(second)
            ),
        )
    }

    /// The node (or image input) that makes a vertex, for messages.
    fn label(&self, vertex: usize) -> &str {
        match self.vertices[vertex].node {
            Some(node) => &self.graph.nodes[node].name,
            None => &self.graph.values[self.graph.inputs[0].value],
        }
    }

    /// The map a one-input operator reads: its first input (`maps` holds it); any other input
    /// (weights, bounds, slopes) must not be computed from the image.
    fn map_input(&self, node: &Node, flows: &[Flow], maps: &[usize]) -> Result<usize> {
        if let Some(position) = (1..flows.len()).find(|&p| flows[p] != Flow::Static) {
            let value = node.inputs[position].map_or("", |v| &self.graph.values[v]);
            return Err(refuse(
                node,
                format!(
                    "its input {position} (`{value}`) is computed from the image; padlens \
                     follows the image through the first input only"
                ),
            ));
        }
        Ok(maps[0])
    }

    /// A Conv without `kernel_shape` has the weights' spatial shape.
    fn weights_kernel(&self, node: &Node) -> Result<Vec<usize>> {
        node.inputs
            .get(1)
            .copied()
            .flatten()
            .and_then(|w| self.graph.constants.get(&w))
            .map(|weights| weights.shape.iter().skip(2).copied().collect())
            .ok_or_else(|| {
                refuse(
                    node,
                    "it has no kernel_shape and its weights are not a constant, so its \
                     kernel's size is unknown",
                )
            })
    }

    fn window(
        &self,
        node: &Node,
        kind: WindowKind,
        window: &Window,
        kernel: &[usize],
        mode: PaddingMode,
    ) -> Result<Content> {
        let per_axis = |what: &str, values: &[usize], default: usize| match values {
            [] => Ok([default; 2]),
            &[height, width] => Ok([height, width]),
            _ => Err(refuse(
                node,
                format!(
                    "its {what} has {} entries; the image has 2 spatial axes",
                    values.len()
                ),
            )),
        };
        let kernel: [usize; 2] = kernel.try_into().map_err(|_| {
            refuse(
                node,
                format!("a {}-D window; the image is 2-D", kernel.len()),
            )
        })?;
        let strides = per_axis("strides", &window.strides, 1)?;
        let dilations = per_axis("dilations", &window.dilations, 1)?;
        // ONNX lists the begins of every axis, then the ends.
        let padding = match &window.pads {
            AutoPad::Explicit(pads) => match pads.as_slice() {
                [] => [PaddingSpec::symmetric(0); 2],
                &[top, left, bottom, right] => [
                    PaddingSpec::Explicit {
                        before: top,
                        after: bottom,
                    },
                    PaddingSpec::Explicit {
                        before: left,
                        after: right,
                    },
                ],
                _ => {
                    return Err(refuse(
                        node,
                        format!(
                            "its pads has {} entries; the image has 2 spatial axes",
                            pads.len()
                        ),
                    ))
                }
            },
            AutoPad::SameUpper => [PaddingSpec::Same; 2],
            AutoPad::SameLower => [PaddingSpec::SameLower; 2],
            AutoPad::Valid => [PaddingSpec::Valid; 2],
        };
        let window = [0, 1].map(|axis| AxisWindow {
            kernel: kernel[axis],
            stride: strides[axis],
            dilation: dilations[axis],
            ceil_mode: window.ceil_mode,
        });
        Ok(Content::Window {
            kind,
            window,
            padding,
            mode,
        })
    }

    fn push(&mut self, node: usize, content: Content, inputs: Vec<usize>) -> Flow {
        self.vertices.push(Vertex {
            content,
            inputs,
            node: Some(node),
        });
        Flow::Map(self.vertices.len() - 1)
    }

    fn concat(&mut self, index: usize, node: &Node, axis: i64, maps: Vec<usize>) -> Result<Flow> {
        let along = match normalize_axis(axis, IMAGE_RANK) {
            Some(CHANNEL_AXIS) => None,
            Some(0) => Some("the batch axis".to_owned()),
            Some(2) => Some("height".to_owned()),
            Some(3) => Some("width".to_owned()),
            _ => Some(format!("axis {axis}")),
        };
        if let Some(along) = along {
            return Err(refuse(
                node,
                format!(
                    "it concatenates along {along}; only a concatenation along channels \
                     joins branches"
                ),
            ));
        }
        // Constant channels beside a single map reach no pixel.
        if let [map] = maps[..] {
            return Ok(Flow::Map(map));
        }
        let inputs = self.factor(maps.clone());
        // The same concatenation as an earlier one.
        if let [earlier] = inputs[..] {
            return Ok(Flow::Map(earlier));
        }
        let flow = self.push(index, Content::Join(Combine::Concat), inputs);
        self.concatenations.push((self.vertices.len() - 1, maps));
        Ok(flow)
    }

    /// Concatenation is associative, and at one channel (definitions.md §3) it counts each of
    /// its inputs once: an earlier concatenation of some of these maps stands for them. This
    /// turns DenseNet, where every layer concatenates all the maps before it afresh, into a
    /// chain of blocks `cat(x, f(x))`.
    fn factor(&self, mut maps: Vec<usize>) -> Vec<usize> {
        fn without(maps: &[usize], parts: &[usize]) -> Option<Vec<usize>> {
            let mut rest = maps.to_vec();
            for part in parts {
                let position = rest.iter().position(|map| map == part)?;
                rest.remove(position);
            }
            Some(rest)
        }
        // Every recorded concatenation reads at least two maps, so each step shortens the list.
        while let Some((vertex, _, rest)) = self
            .concatenations
            .iter()
            .filter_map(|(vertex, parts)| Some((*vertex, parts.len(), without(&maps, parts)?)))
            .max_by_key(|&(_, size, _)| size)
        {
            maps = std::iter::once(vertex).chain(rest).collect();
        }
        maps
    }

    /// A Slice that leaves height and width whole: its axes are known and none is spatial.
    fn slices_channels_only(&self, node: &Node) -> bool {
        let constant = |position: usize| {
            node.inputs
                .get(position)
                .copied()
                .flatten()
                .and_then(|value| self.graph.constants.get(&value))
                .map(|tensor| tensor.to_i64())
        };
        let axes = match (constant(3), constant(1)) {
            (Some(axes), _) => axes,
            // Without axes, the starts are for the first axes in order.
            (None, Some(starts)) if node.inputs.get(3).copied().flatten().is_none() => {
                (0..starts.len() as i64).collect()
            }
            _ => return false,
        };
        axes.iter().all(|&axis| {
            !matches!(
                normalize_axis(axis, IMAGE_RANK),
                Some(axis) if axis > CHANNEL_AXIS
            )
        })
    }

    fn start_head(&self, index: usize, node: &Node, maps: &[usize]) -> Result<Flow> {
        let source = maps[0];
        if let Some(&other) = maps.iter().find(|&&map| map != source) {
            return Err(self.two_maps(node, source, other));
        }
        Ok(Flow::Head {
            start: index,
            source,
        })
    }

    /// The last map: the one vertex the model's outputs are computed from.
    fn end(&self) -> Result<usize> {
        let mut ends: Vec<usize> = self
            .graph
            .outputs
            .iter()
            .filter_map(|&output| match self.flows[output] {
                Flow::Map(vertex) | Flow::Head { source: vertex, .. } => Some(vertex),
                Flow::Static => None,
            })
            .collect();
        ends.sort_unstable();
        ends.dedup();
        match ends[..] {
            [IMAGE] => Err(refuse_model(
                "the image reaches the outputs without passing a convolution or pooling".into(),
            )),
            [end] => Ok(end),
            [] => Err(refuse_model(
                "none of its outputs is computed from the image".into(),
            )),
            _ => {
                let labels: Vec<String> = ends
                    .iter()
                    .map(|&end| format!("`{}`", self.label(end)))
                    .collect();
                Err(refuse_model(format!(
                    "its outputs are computed from {} different maps ({}); padlens maps a \
                     network with one last feature map",
                    ends.len(),
                    labels.join(", ")
                )))
            }
        }
    }
}

/// torch's exporter names a node after its module's scope and its operator:
/// `/layer1/layer1.0/conv1/Conv`, `/features/features.1/conv/conv.0/conv.0.0/Conv`. A scope
/// that extends the one before it with `.` replaces it (`layer1` → `layer1.0`), and the rest
/// join with `.`: `layer1.0.conv1`, `features.1.conv.0.0`, the module's path in the model
/// (definitions.md §8). `None` for a name that is not a scope path.
fn module_path(name: &str) -> Option<String> {
    let scopes = name.strip_prefix('/')?;
    let (scopes, _operator) = scopes.rsplit_once('/')?;
    let mut path: Vec<&str> = Vec::new();
    for scope in scopes.split('/').filter(|scope| !scope.is_empty()) {
        let extends = path.last().is_some_and(|last| {
            scope
                .strip_prefix(last)
                .is_some_and(|rest| rest.starts_with('.'))
        });
        if extends {
            path.pop();
        }
        path.push(scope);
    }
    (!path.is_empty()).then(|| path.join("."))
}

/// Every vertex's layer name: its node's module path where no other node of the network
/// claims the same name; else the node's own name where unique; else the operator and the
/// node's index.
fn layer_names(graph: &Graph, vertices: &[Vertex]) -> Vec<String> {
    let candidates: Vec<Option<(usize, &Node, Option<String>)>> = vertices
        .iter()
        .map(|vertex| {
            let index = vertex.node?;
            let node = &graph.nodes[index];
            Some((index, node, module_path(&node.name)))
        })
        .collect();
    let mut claims: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (vertex, (_, node, path)) in candidates
        .iter()
        .enumerate()
        .filter_map(|(vertex, candidate)| Some((vertex, candidate.as_ref()?)))
    {
        for name in path.iter().map(String::as_str).chain([node.name.as_str()]) {
            claims.entry(name).or_default().insert(vertex);
        }
    }
    let only = |name: &str, vertex: usize| {
        !name.is_empty()
            && claims
                .get(name)
                .is_some_and(|owners| owners.len() == 1 && owners.contains(&vertex))
    };
    candidates
        .iter()
        .enumerate()
        .map(|(vertex, candidate)| match candidate {
            None => String::new(),
            Some((_, _, Some(path))) if only(path, vertex) => path.clone(),
            Some((_, node, _)) if only(&node.name, vertex) => node.name.clone(),
            Some((index, node, _)) => format!("{}#{index}", node.op_type),
        })
        .collect()
}

/// An edge of the spatial graph: the layers that take the map at `from` to an input of
/// `to`.
struct Edge {
    from: usize,
    to: usize,
    layers: Vec<Layer>,
    /// Which of `to`'s inputs it is (the smallest, once edges are merged): branches keep the
    /// join's order.
    position: usize,
}

/// Series–parallel reduction (Valdes, Tarjan and Lawler's, definitions.md §8): two edges in a
/// row through a vertex that nothing else reads or feeds become one edge carrying both
/// edges' layers; parallel edges between two vertices become one edge carrying a block. A
/// series–parallel graph ends as one edge from the image to the end, carrying the network.
struct Reduction {
    edges: Vec<Edge>,
    names: Vec<String>,
    combines: Vec<Option<Combine>>,
    nodes: Vec<Option<usize>>,
    /// A vertex past the end, reached from the end only: the end's own layer is then an edge's.
    sink: usize,
    /// Per join, how many blocks that combine only some of its inputs it has given (their names
    /// are numbered).
    partial_blocks: HashMap<usize, usize>,
}

impl Reduction {
    fn new(vertices: &[Vertex], names: Vec<String>, end: usize) -> Reduction {
        // Only what reaches the end counts; inputs come before the vertices that read them.
        let mut live = vec![false; vertices.len()];
        live[end] = true;
        for vertex in (0..=end).rev() {
            if live[vertex] {
                for &input in &vertices[vertex].inputs {
                    live[input] = true;
                }
            }
        }
        let mut edges = Vec::new();
        for (to, vertex) in vertices.iter().enumerate().filter(|(v, _)| live[*v]) {
            let name = &names[to];
            let layers = match &vertex.content {
                Content::Window {
                    kind,
                    window,
                    padding,
                    mode,
                } => vec![Layer::Window(WindowLayer {
                    name: name.clone(),
                    kind: *kind,
                    window: *window,
                    padding: *padding,
                    mode: *mode,
                })],
                Content::GlobalPool => vec![Layer::GlobalPool { name: name.clone() }],
                Content::Image | Content::Join(_) => Vec::new(),
            };
            for (position, &from) in vertex.inputs.iter().enumerate() {
                edges.push(Edge {
                    from,
                    to,
                    layers: layers.clone(),
                    position,
                });
            }
        }
        let sink = vertices.len();
        edges.push(Edge {
            from: end,
            to: sink,
            layers: Vec::new(),
            position: 0,
        });
        Reduction {
            edges,
            names,
            combines: vertices
                .iter()
                .map(|vertex| match vertex.content {
                    Content::Join(combine) => Some(combine),
                    _ => None,
                })
                .collect(),
            nodes: vertices.iter().map(|vertex| vertex.node).collect(),
            sink,
            partial_blocks: HashMap::new(),
        }
    }

    fn run(mut self, graph: &Graph) -> Result<Vec<Layer>> {
        // Series first, so that every branch is one edge before parallel edges are merged;
        // then joins whose inputs all come from one fork, so that a block holds all its
        // branches; only then part of a join's inputs (a join fed from several levels of
        // forks, e.g. `cat(f(y), g(y), h(x))` with `y` computed from `x`).
        while self.series() || self.parallel(true) || self.parallel(false) {}
        // Stuck without a join left would be a path, which `series` reduces: a join is left
        // exactly when the graph is not series–parallel.
        let (into, _) = self.degrees();
        let stuck =
            (0..self.sink).find_map(|vertex| (into[vertex] > 1).then_some(self.nodes[vertex]?));
        if let Some(node) = stuck {
            return Err(refuse(
                &graph.nodes[node],
                "the maps it joins do not all come from one fork whose other branches it \
                 joins too (the graph is not series–parallel)",
            ));
        }
        Ok(self.edges.pop().map(|edge| edge.layers).unwrap_or_default())
    }

    fn degrees(&self) -> (Vec<usize>, Vec<usize>) {
        let mut into = vec![0; self.sink + 1];
        let mut out_of = vec![0; self.sink + 1];
        for edge in &self.edges {
            into[edge.to] += 1;
            out_of[edge.from] += 1;
        }
        (into, out_of)
    }

    /// Merges the two edges through a vertex with one input and one reader.
    fn series(&mut self) -> bool {
        let (into, out_of) = self.degrees();
        let Some(first) = self
            .edges
            .iter()
            .position(|edge| edge.to != self.sink && into[edge.to] == 1 && out_of[edge.to] == 1)
        else {
            return false;
        };
        let first = self.edges.swap_remove(first);
        if let Some(second) = self.edges.iter_mut().find(|edge| edge.from == first.to) {
            second.from = first.from;
            second.layers.splice(0..0, first.layers);
        }
        true
    }

    /// Merges parallel edges into the join's block: all of a join's inputs when they come
    /// from one vertex (`whole`), else those of one join's inputs that come from one vertex.
    fn parallel(&mut self, whole: bool) -> bool {
        let mut sources: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for edge in &self.edges {
            sources.entry(edge.to).or_default().push(edge.from);
        }
        let found = sources.iter().find_map(|(&to, froms)| {
            let combine = self.combines.get(to).copied().flatten()?;
            let from = *froms.iter().find(|&&from| {
                let count = froms.iter().filter(|&&other| other == from).count();
                count >= 2 && (!whole || count == froms.len())
            })?;
            Some((from, to, combine))
        });
        let Some((from, to, combine)) = found else {
            return false;
        };
        let (mut merged, kept): (Vec<Edge>, Vec<Edge>) = std::mem::take(&mut self.edges)
            .into_iter()
            .partition(|edge| edge.from == from && edge.to == to);
        self.edges = kept;
        merged.sort_by_key(|edge| edge.position);
        let name = if whole {
            self.names[to].clone()
        } else {
            let count = self.partial_blocks.entry(to).or_default();
            *count += 1;
            format!("{}.part{count}", self.names[to])
        };
        let position = merged[0].position;
        let branches = merged
            .into_iter()
            .map(|edge| Branch {
                name: match edge.layers.first() {
                    Some(layer) => layer.name().to_owned(),
                    None => format!("{name}.identity"),
                },
                layers: edge.layers,
            })
            .collect();
        self.edges.push(Edge {
            from,
            to,
            layers: vec![Layer::Block {
                name,
                combine,
                branches,
            }],
            position,
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_scope_names_become_module_paths() {
        for (name, path) in [
            ("/layer1/layer1.0/conv1/Conv", Some("layer1.0.conv1")),
            (
                "/layer2/layer2.0/downsample/downsample.0/Conv",
                Some("layer2.0.downsample.0"),
            ),
            (
                "/features/features.1/conv/conv.0/conv.0.0/Conv",
                Some("features.1.conv.0.0"),
            ),
            (
                "/inception3a/branch4/branch4.0/MaxPool",
                Some("inception3a.branch4.0"),
            ),
            ("/layer1/layer1.0/Add", Some("layer1.0")),
            ("/maxpool/MaxPool", Some("maxpool")),
            // A sibling whose name merely starts like the scope before it is not its child.
            ("/conv/conv1/Conv", Some("conv.conv1")),
            ("/Conv", None),
            ("conv1", None),
        ] {
            assert_eq!(module_path(name).as_deref(), path, "{name}");
        }
    }
}
