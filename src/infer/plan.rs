//! A model resolved at one input size and one padding: every shape inferred, every constant
//! folded, every operator turned into a [`Step`] with its kernel ready, and every run-time
//! value given a buffer. Buffers are allocated here, once: a run allocates nothing.
//!
//! Planning also fuses, where the result cannot be told apart: a BatchNormalization after a
//! convolution is folded into its weights, a Relu, LeakyRelu or Clip after it becomes the
//! kernel's activation, and element-wise operators whose input is read by nobody else work in
//! place. Values named in [`PlanOptions::keep`] are never fused away or overwritten.

use super::fold::{self, folds};
use super::graph::{
    AspectPolicy, AutoPad, CastTo, Graph, Node, Op, PoolOp, Unary, ValueId, Window,
};
use super::ops::movement::{Pad, Slice, Transpose, MAX_RANK};
use super::ops::{pointwise, resize};
use super::region::Changed;
use super::step::{self, Kernel, Operand, ResizeStage};
use super::tensor::{
    broadcast_shapes, broadcast_strides, element_count, normalize_axis, shape_text, strides, Data,
    Tensor,
};
use crate::error::{Axis, Error, ModelError, ModelErrorKind, Result};
use crate::geometry::{resolve, AxisResolution, AxisWindow, PaddingSpec};
use crate::kernels::{
    Activation, ConvGeometry, GlobalPool, KernelError, OutputWindow, PoolGeometry, PoolKind,
    Scratch,
};
use crate::padding::PaddingMode;
use std::collections::HashMap;

/// How to plan a model.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Every input's shape, in the graph's input order. `None`: the shapes the model declares,
    /// with a dynamic batch taken as 1 (any other dynamic dimension is an error).
    pub input_shapes: Option<Vec<Vec<usize>>>,
    /// Every convolution's padding replaced by this mode (definitions.md §7); pooling keeps
    /// its own. `None`: the model's own (zeros).
    pub padding: Option<PaddingMode>,
    /// Values to keep readable after a run (besides the graph's outputs), by name.
    pub keep: Vec<String>,
    /// Plan only what the kept values need, not the graph's outputs. Mean feature maps need
    /// no classifier, and a classifier sized for the model's own input (VGG's expects 7×7
    /// maps) would refuse any other size.
    pub only_kept: bool,
}

/// Where a value lives once planned.
#[derive(Clone, Debug)]
enum Value {
    /// Not computed (an unused output, or not reached yet while planning).
    Absent,
    Constant(Tensor),
    Runtime {
        storage: usize,
        shape: Vec<usize>,
    },
}

/// One planned operator.
#[derive(Debug)]
pub struct Step {
    /// The node's name and ONNX operator (a fused step is named after its first node).
    pub name: String,
    pub op_type: String,
    pub kernel: Kernel,
    pub inputs: Vec<Operand>,
    pub output: usize,
    /// The output's shape.
    pub shape: Vec<usize>,
    /// An in-place kernel whose operand is still needed works on a copy.
    copy_first: bool,
}

/// A planned model, ready to run.
#[derive(Debug)]
pub struct Plan {
    names: Vec<String>,
    values: Vec<Value>,
    steps: Vec<Step>,
    constants: Vec<Vec<f32>>,
    /// Per storage, the buffer that holds it.
    buffer_of: Vec<usize>,
    buffers: Vec<Vec<f32>>,
    /// The run-time inputs: value and shape, in the graph's order.
    inputs: Vec<(ValueId, Vec<usize>)>,
    outputs: Vec<ValueId>,
    kept: Vec<ValueId>,
    /// Convolution outputs whose reader (a batch normalisation, an activation) was fused in:
    /// they never exist on their own.
    fused_into: Vec<ValueId>,
    scratch: Scratch,
}

/// Every buffer of a plan after a baseline run ([`Plan::baseline`]).
#[derive(Debug)]
pub struct Baseline {
    buffers: Vec<Vec<f32>>,
}

/// A read-only view of a value after a run.
#[derive(Clone, Copy, Debug)]
pub struct TensorView<'a> {
    pub shape: &'a [usize],
    pub data: &'a [f32],
}

struct Lowering<'g> {
    graph: &'g Graph,
    padding: Option<PaddingMode>,
    values: Vec<Value>,
    steps: Vec<Step>,
    constants: Vec<Vec<f32>>,
    constant_of: HashMap<ValueId, usize>,
    /// Per storage: elements, and whether it must survive the whole run.
    storage_len: Vec<usize>,
    pinned: Vec<bool>,
    /// Per storage: reads still to come while planning (for in-place decisions).
    reads_left: Vec<usize>,
    /// Per value: how many node inputs read it (graph outputs and kept values count too).
    readers: Vec<usize>,
    kept: Vec<bool>,
    /// The step that wrote a value directly (fusion candidates).
    written_by: HashMap<ValueId, usize>,
    /// Values whose reader was fused into the convolution that wrote them.
    fused_into: Vec<ValueId>,
}

fn shape_error(node: &Node, message: impl Into<String>) -> Error {
    Error::Model(ModelError::at_node(
        node,
        ModelErrorKind::Shape {
            message: message.into(),
        },
    ))
}

impl Plan {
    /// Plans `graph` with `options`.
    pub fn new(graph: &Graph, options: &PlanOptions) -> Result<Plan> {
        let mut kept = vec![false; graph.values.len()];
        let outputs = if options.only_kept {
            Vec::new()
        } else {
            graph.outputs.clone()
        };
        for &output in &outputs {
            kept[output] = true;
        }
        for name in &options.keep {
            let id = graph.value(name).ok_or_else(|| {
                Error::Model(ModelError::new(ModelErrorKind::UnknownValue {
                    name: name.clone(),
                }))
            })?;
            kept[id] = true;
        }
        let needed = needed_nodes(graph, &kept);
        let mut readers = vec![0usize; graph.values.len()];
        for node in graph
            .nodes
            .iter()
            .zip(&needed)
            .filter_map(|(n, &k)| k.then_some(n))
        {
            for &input in node.inputs.iter().flatten() {
                readers[input] += 1;
            }
        }
        for (id, is_kept) in kept.iter().enumerate() {
            if *is_kept {
                readers[id] += 1;
            }
        }
        let mut lowering = Lowering {
            graph,
            padding: options.padding,
            values: vec![Value::Absent; graph.values.len()],
            steps: Vec::new(),
            constants: Vec::new(),
            constant_of: HashMap::new(),
            storage_len: Vec::new(),
            pinned: Vec::new(),
            reads_left: Vec::new(),
            readers,
            kept,
            written_by: HashMap::new(),
            fused_into: Vec::new(),
        };
        for (&id, tensor) in &graph.constants {
            lowering.values[id] = Value::Constant(tensor.clone());
        }
        let shapes = input_shapes(graph, options)?;
        let mut inputs = Vec::new();
        for (input, shape) in graph.inputs.iter().zip(shapes) {
            let storage = lowering.new_storage(element_count(&shape), true);
            lowering.define(input.value, storage, shape.clone());
            inputs.push((input.value, shape));
        }
        for node in graph
            .nodes
            .iter()
            .zip(&needed)
            .filter_map(|(n, &k)| k.then_some(n))
        {
            lowering
                .node(node)
                .map_err(|error| lowering.explain(error))?;
        }
        let Lowering {
            values,
            mut steps,
            constants,
            storage_len,
            pinned,
            kept,
            fused_into,
            ..
        } = lowering;
        for step in &mut steps {
            step.kernel.finish();
        }
        let (buffer_of, buffers) = assign_buffers(&steps, &storage_len, &pinned);
        for &output in &outputs {
            if matches!(values[output], Value::Absent) {
                return Err(Error::Model(ModelError::new(
                    ModelErrorKind::MissingValue {
                        name: graph.values[output].clone(),
                    },
                )));
            }
        }
        Ok(Plan {
            names: graph.values.clone(),
            values,
            steps,
            constants,
            buffer_of,
            buffers,
            inputs,
            outputs,
            kept: (0..kept.len()).filter(|&v| kept[v]).collect(),
            fused_into,
            scratch: Scratch::default(),
        })
    }

    /// The run-time inputs' names and shapes.
    pub fn inputs(&self) -> impl Iterator<Item = (&str, &[usize])> {
        self.inputs
            .iter()
            .map(|(id, shape)| (self.names[*id].as_str(), shape.as_slice()))
    }

    /// The graph's outputs' names.
    pub fn output_names(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(|&id| self.names[id].as_str())
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Storages of run-time values (a step's `output`, an operand's `Operand::Storage`).
    pub(crate) fn storage_count(&self) -> usize {
        self.buffer_of.len()
    }

    /// The storage and shape of run-time input `index`.
    pub(crate) fn input_storage(&self, index: usize) -> Option<(usize, &[usize])> {
        match self.values.get(self.inputs.get(index)?.0)? {
            Value::Runtime { storage, shape } => Some((*storage, shape.as_slice())),
            _ => None,
        }
    }

    /// Every run-time value's name and storage, in the graph's order (several values share a
    /// storage where a step works in place).
    pub fn runtime_values(&self) -> impl Iterator<Item = (&str, usize)> {
        self.names
            .iter()
            .zip(&self.values)
            .filter_map(|(name, value)| match value {
                Value::Runtime { storage, .. } => Some((name.as_str(), *storage)),
                _ => None,
            })
    }

    /// The run-time values an incremental plan keeps ([`super::Model::plan_incremental`]):
    /// every one but a convolution's raw output that this plan fused its reader into (a
    /// batch normalisation folded into the weights, an activation applied in the last
    /// write). Keeping such a value would stop the fusion, and a folded batch normalisation
    /// rounds differently from the convolution and the affine map run one after the other:
    /// the incremental grid must equal the full one bit for bit. The fused step alone writes
    /// its output, so a run can still recompute it window by window.
    pub(crate) fn values_kept_for_incremental(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.values)
            .enumerate()
            .filter(|(id, (_, value))| {
                matches!(value, Value::Runtime { .. }) && !self.fused_into.contains(id)
            })
            .map(|(_, (name, _))| name.clone())
            .collect()
    }

    /// How many f32 values the run-time values hold together, each counted once: what a plan
    /// that keeps every value ([`super::Model::plan_incremental`]) allocates.
    pub(crate) fn runtime_elements(&self) -> usize {
        let mut counted = vec![false; self.buffer_of.len()];
        self.values
            .iter()
            .filter_map(|value| match value {
                Value::Runtime { storage, shape } if !counted[*storage] => {
                    counted[*storage] = true;
                    Some(element_count(shape))
                }
                _ => None,
            })
            .fold(0usize, usize::saturating_add)
    }

    /// Multiply-adds of one run.
    pub fn multiply_adds(&self) -> f64 {
        self.steps.iter().map(|s| s.kernel.multiply_adds()).sum()
    }

    /// Bytes of the run-time buffers (activations) and scratch.
    pub fn buffer_bytes(&self) -> usize {
        4 * self.buffers.iter().map(Vec::len).sum::<usize>() + self.scratch.bytes()
    }

    /// Runs the model on `inputs` (one slice per run-time input, in order, each of the planned
    /// shape's length).
    pub fn run(&mut self, inputs: &[&[f32]]) -> Result<()> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                message: format!(
                    "the model takes {} inputs, got {}",
                    self.inputs.len(),
                    inputs.len()
                ),
            })));
        }
        for ((id, shape), data) in self.inputs.iter().zip(inputs) {
            let Value::Runtime { storage, .. } = &self.values[*id] else {
                continue;
            };
            let expected = element_count(shape);
            if data.len() != expected {
                return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                    message: format!(
                        "input `{}` is planned as {} ({expected} values), got {} values",
                        self.names[*id],
                        shape_text(shape),
                        data.len()
                    ),
                })));
            }
            self.buffers[self.buffer_of[*storage]][..expected].copy_from_slice(data);
        }
        for index in 0..self.steps.len() {
            self.run_step(index);
        }
        Ok(())
    }

    fn run_step(&mut self, index: usize) {
        let Plan {
            steps,
            buffers,
            buffer_of,
            constants,
            scratch,
            ..
        } = self;
        let step = &mut steps[index];
        let out_buffer = buffer_of[step.output];
        let len = element_count(&step.shape);
        let mut output = std::mem::take(&mut buffers[out_buffer]);
        {
            let read = |operand: &Operand| -> &[f32] {
                match *operand {
                    Operand::Storage(s) => &buffers[buffer_of[s]],
                    Operand::Constant(c) => &constants[c],
                }
            };
            if step.kernel.in_place() {
                if step.copy_first {
                    let source = read(&step.inputs[0]);
                    output[..len].copy_from_slice(&source[..len]);
                }
                // The first operand is `output` itself (in place, or just copied there).
                let other = step.inputs.get(1).map(read);
                step::run_in_place(&step.kernel, &mut output[..len], other);
            } else {
                let inputs = &step.inputs;
                step::run(
                    &mut step.kernel,
                    |i| read(&inputs[i]),
                    &mut output[..len],
                    scratch,
                );
            }
        }
        buffers[out_buffer] = output;
    }

    /// Copies of every buffer after a run: where [`Plan::run_changed`] starts from and what
    /// [`Plan::restore`] puts back. Refused unless every storage has a buffer of its own (a
    /// plan that keeps every run-time value, [`super::Model::plan_incremental`]): a shared
    /// buffer would hold a later value's data, not the baseline's.
    pub fn baseline(&self) -> Result<Baseline> {
        let mut owners = vec![usize::MAX; self.buffers.len()];
        for (storage, &buffer) in self.buffer_of.iter().enumerate() {
            if owners[buffer] != usize::MAX && owners[buffer] != storage {
                return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                    message: "an incremental run needs a plan that keeps every value".into(),
                })));
            }
            owners[buffer] = storage;
        }
        Ok(Baseline {
            buffers: self.buffers.clone(),
        })
    }

    /// Runs again after the first input became `input`, which differs from the baseline run's
    /// only as `regions` ([`Plan::changed_regions`]) says: a step whose output did not change
    /// is skipped, a convolution or pooling step recomputes its output's rectangle, any other
    /// step runs whole. The plan must hold `baseline` (just taken by [`Plan::baseline`], or
    /// put back by [`Plan::restore`]); afterwards every value equals a full run's on `input`.
    pub fn run_changed(
        &mut self,
        baseline: &Baseline,
        input: &[f32],
        regions: &[Changed],
    ) -> Result<()> {
        let Some((id, shape)) = self.inputs.first() else {
            return Ok(());
        };
        let Value::Runtime { storage, .. } = &self.values[*id] else {
            return Ok(());
        };
        if input.len() != element_count(shape) {
            return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                message: format!(
                    "input `{}` is planned as {} ({} values), got {} values",
                    self.names[*id],
                    shape_text(shape),
                    element_count(shape),
                    input.len()
                ),
            })));
        }
        if regions.len() != self.buffer_of.len() || baseline.buffers.len() != self.buffers.len() {
            return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                message: format!(
                    "{} changed regions (or a baseline) for a plan of {} values: take them from \
                     this plan",
                    regions.len(),
                    self.buffer_of.len()
                ),
            })));
        }
        let buffer = self.buffer_of[*storage];
        self.buffers[buffer][..input.len()].copy_from_slice(input);
        for index in 0..self.steps.len() {
            match &regions[self.steps[index].output] {
                Changed::Nothing => {}
                Changed::Rect { rows, cols } => {
                    let window = OutputWindow {
                        rows: rows.clone(),
                        cols: cols.clone(),
                    };
                    if !self.run_step_window(index, &window) {
                        self.run_step(index);
                    }
                }
                Changed::All => self.run_step(index),
            }
        }
        Ok(())
    }

    /// Puts the baseline back where a run after `regions` changed it (the first input whole).
    /// `baseline` and `regions` must come from this plan.
    pub fn restore(&mut self, baseline: &Baseline, regions: &[Changed]) {
        if regions.len() != self.buffer_of.len() || baseline.buffers.len() != self.buffers.len() {
            debug_assert!(false, "a baseline or regions of another plan");
            return;
        }
        if let Some((id, _)) = self.inputs.first() {
            if let Value::Runtime { storage, .. } = &self.values[*id] {
                let buffer = self.buffer_of[*storage];
                self.buffers[buffer].copy_from_slice(&baseline.buffers[buffer]);
            }
        }
        for step in &self.steps {
            let buffer = self.buffer_of[step.output];
            let (now, then) = (&mut self.buffers[buffer], &baseline.buffers[buffer]);
            match &regions[step.output] {
                Changed::Nothing => {}
                Changed::Rect { rows, cols } if step.shape.len() == 4 => {
                    let (h, w) = (step.shape[2], step.shape[3]);
                    let planes = step.shape[0] * step.shape[1];
                    for plane in 0..planes {
                        for y in rows.clone() {
                            let at = plane * h * w + y * w;
                            now[at + cols.start..at + cols.end]
                                .copy_from_slice(&then[at + cols.start..at + cols.end]);
                        }
                    }
                }
                _ => now.copy_from_slice(then),
            }
        }
    }

    /// Runs step `index` for its output's `window` only, if its kernel can.
    fn run_step_window(&mut self, index: usize, window: &OutputWindow) -> bool {
        let step = &self.steps[index];
        let Some(Operand::Storage(input)) = step.inputs.first() else {
            return false;
        };
        let out_buffer = self.buffer_of[step.output];
        let in_buffer = self.buffer_of[*input];
        if out_buffer == in_buffer {
            return false;
        }
        let mut output = std::mem::take(&mut self.buffers[out_buffer]);
        let done = match &step.kernel {
            Kernel::Conv { .. } | Kernel::Pool { .. } => step::run_window(
                &step.kernel,
                &self.buffers[in_buffer],
                &mut output,
                window,
                &mut self.scratch,
            ),
            _ => self.run_element_wise_window(index, &mut output, window),
        };
        self.buffers[out_buffer] = output;
        done
    }

    /// An element-wise step — an activation, Clip or batch normalisation's affine map on a
    /// copy of its operand, or arithmetic on two operands of its own shape — for `window` of
    /// every plane only. Returns `false`, doing nothing, for any other step. Without this,
    /// every residual addition and unfused activation of an incremental run went over whole
    /// tensors, though the stimulus changes a few rows of the early, large ones.
    fn run_element_wise_window(
        &self,
        index: usize,
        output: &mut [f32],
        window: &OutputWindow,
    ) -> bool {
        let step = &self.steps[index];
        let &[.., height, width] = step.shape.as_slice() else {
            return false;
        };
        let plane = height * width;
        let len = element_count(&step.shape);
        if plane == 0 || window.rows.end > height || window.cols.end > width {
            return false;
        }
        let read = |operand: &Operand| -> &[f32] {
            match *operand {
                Operand::Storage(s) => &self.buffers[self.buffer_of[s]],
                Operand::Constant(c) => &self.constants[c],
            }
        };
        // An operand of the output's own shape: its strides are the output's on every axis
        // longer than 1 (broadcasting gives an axis of 1, such as the batch, stride 0).
        let contiguous = strides(&step.shape);
        let own_shape = |operand_strides: &[usize]| {
            operand_strides
                .iter()
                .zip(&contiguous)
                .zip(&step.shape)
                .all(|((s, c), &n)| n == 1 || s == c)
        };
        match &step.kernel {
            Kernel::Unary(_) | Kernel::Clip { .. } if step.copy_first => {}
            Kernel::Affine { pixels, .. } if step.copy_first && *pixels == plane => {}
            Kernel::Binary {
                a_strides,
                b_strides,
                ..
            } if own_shape(a_strides) && own_shape(b_strides) => {}
            _ => return false,
        }
        let first = &read(&step.inputs[0])[..len];
        let second = step.inputs.get(1).map(|o| &read(o)[..len]);
        for p in 0..len / plane {
            for y in window.rows.clone() {
                let at = p * plane + y * width + window.cols.start;
                let segment = at..at + window.cols.len();
                let values = &mut output[segment.clone()];
                match (&step.kernel, second) {
                    (Kernel::Binary { op, .. }, Some(second)) => {
                        for ((v, &a), &b) in values
                            .iter_mut()
                            .zip(&first[segment.clone()])
                            .zip(&second[segment])
                        {
                            *v = <f32 as pointwise::Arithmetic>::apply(*op, a, b);
                        }
                    }
                    // One channel's row: that channel's scale and shift.
                    (Kernel::Affine { scale, shift, .. }, _) => {
                        values.copy_from_slice(&first[segment]);
                        let c = p % scale.len();
                        let n = values.len();
                        pointwise::affine_per_channel(values, &scale[c..=c], &shift[c..=c], n);
                    }
                    (kernel, _) => {
                        values.copy_from_slice(&first[segment]);
                        step::run_in_place(kernel, values, None);
                    }
                }
            }
        }
        true
    }

    /// A copy of a value after a run, constants of either element type included.
    pub fn tensor(&self, name: &str) -> Result<Tensor> {
        if let Some(id) = self.names.iter().position(|n| n == name) {
            if let Value::Constant(tensor) = &self.values[id] {
                return Ok(tensor.clone());
            }
        }
        let view = self.value(name)?;
        Ok(Tensor::f32(view.shape.to_vec(), view.data.to_vec()))
    }

    /// A value after a run: a graph output, an input, a kept value or a constant.
    pub fn value(&self, name: &str) -> Result<TensorView<'_>> {
        let unknown = || {
            Error::Model(ModelError::new(ModelErrorKind::UnknownValue {
                name: name.to_owned(),
            }))
        };
        let id = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(unknown)?;
        match &self.values[id] {
            Value::Runtime { storage, shape } => {
                let readable = self.kept.contains(&id) || self.inputs.iter().any(|(i, _)| *i == id);
                if !readable {
                    return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                        message: format!(
                            "`{name}` is not kept after a run: name it among the values to keep \
                             when planning"
                        ),
                    })));
                }
                let data = &self.buffers[self.buffer_of[*storage]][..element_count(shape)];
                Ok(TensorView { shape, data })
            }
            Value::Constant(tensor) => match &tensor.data {
                Data::F32(data) => Ok(TensorView {
                    shape: &tensor.shape,
                    data,
                }),
                Data::I64(_) => Err(Error::Model(ModelError::new(ModelErrorKind::Unsupported {
                    what: format!("reading the integer constant `{name}`"),
                }))),
            },
            Value::Absent => Err(unknown()),
        }
    }
}

/// Each input's shape: the options' or the declared one (a dynamic batch as 1).
fn input_shapes(graph: &Graph, options: &PlanOptions) -> Result<Vec<Vec<usize>>> {
    if let Some(shapes) = &options.input_shapes {
        if shapes.len() != graph.inputs.len() {
            return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                message: format!(
                    "the model has {} inputs, {} shapes were given",
                    graph.inputs.len(),
                    shapes.len()
                ),
            })));
        }
        return Ok(shapes.clone());
    }
    graph
        .inputs
        .iter()
        .map(|input| {
            input
                .shape
                .iter()
                .enumerate()
                .map(|(axis, dim)| match dim {
                    Some(d) => Ok(*d),
                    None if axis == 0 => Ok(1),
                    None => Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                        message: format!(
                            "input `{}` has a dynamic dimension {axis}: choose an input size",
                            graph.values[input.value]
                        ),
                    }))),
                })
                .collect()
        })
        .collect()
}

impl Lowering<'_> {
    fn new_storage(&mut self, len: usize, pinned: bool) -> usize {
        self.storage_len.push(len);
        self.pinned.push(pinned);
        self.reads_left.push(0);
        self.storage_len.len() - 1
    }

    /// Records that `value` lives in `storage` with `shape`.
    fn define(&mut self, value: ValueId, storage: usize, shape: Vec<usize>) {
        self.storage_len[storage] = self.storage_len[storage].max(element_count(&shape));
        self.reads_left[storage] += self.readers[value];
        if self.kept[value] {
            self.pinned[storage] = true;
        }
        self.values[value] = Value::Runtime { storage, shape };
    }

    /// Whether `value` may be overwritten by the step about to read it: nobody reads its
    /// storage afterwards and it is not kept.
    fn dying(&self, value: ValueId) -> bool {
        match &self.values[value] {
            Value::Runtime { storage, .. } => {
                !self.pinned[*storage] && self.reads_left[*storage] == 1
            }
            _ => false,
        }
    }

    fn constant(&mut self, value: ValueId) -> Option<Operand> {
        let Value::Constant(tensor) = &self.values[value] else {
            return None;
        };
        let index = match self.constant_of.get(&value) {
            Some(&index) => index,
            None => {
                self.constants.push(tensor.to_f32());
                self.constants.len() - 1
            }
        };
        self.constant_of.insert(value, index);
        Some(Operand::Constant(index))
    }

    /// An operand and its shape; the read is counted.
    fn operand(&mut self, node: &Node, value: ValueId) -> Result<(Operand, Vec<usize>)> {
        match self.values[value].clone() {
            Value::Runtime { storage, shape } => {
                self.reads_left[storage] = self.reads_left[storage].saturating_sub(1);
                Ok((Operand::Storage(storage), shape))
            }
            Value::Constant(tensor) => {
                let shape = tensor.shape.clone();
                let operand = self.constant(value).unwrap_or(Operand::Constant(0));
                Ok((operand, shape))
            }
            Value::Absent => Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::MissingValue {
                    name: self.graph.values[value].clone(),
                },
            ))),
        }
    }

    fn shape_of(&self, value: ValueId) -> Option<&[usize]> {
        match &self.values[value] {
            Value::Runtime { shape, .. } => Some(shape),
            Value::Constant(t) => Some(&t.shape),
            Value::Absent => None,
        }
    }

    fn tensor(&self, value: ValueId) -> Option<&Tensor> {
        match &self.values[value] {
            Value::Constant(t) => Some(t),
            _ => None,
        }
    }

    /// A parameter input that must be known while planning (Reshape's shape, Pad's amounts…).
    fn known(&self, node: &Node, position: usize) -> Result<Option<Tensor>> {
        let Some(Some(value)) = node.inputs.get(position) else {
            return Ok(None);
        };
        match &self.values[*value] {
            Value::Constant(t) => Ok(Some(t.clone())),
            _ => Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::NotConstant {
                    input: self.graph.values[*value].clone(),
                },
            ))),
        }
    }

    fn input(&self, node: &Node, position: usize) -> Result<ValueId> {
        node.inputs
            .get(position)
            .copied()
            .flatten()
            .ok_or_else(|| shape_error(node, format!("{} needs input {position}", node.op_type)))
    }

    /// Refuses a value too large to hold, or of more axes than a run walks without allocating.
    fn check_size(node: &Node, shape: &[usize]) -> Result<()> {
        if shape.len() > MAX_RANK {
            return Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::Unsupported {
                    what: format!(
                        "values of more than {MAX_RANK} axes (its output is {})",
                        shape_text(shape)
                    ),
                },
            )));
        }
        let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        match elements {
            Some(n) if n <= super::MAX_VALUE_ELEMENTS => Ok(()),
            _ => Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::TooMuchMemory {
                    what: format!("its output of shape {}", shape_text(shape)),
                    needed_mib: elements.map_or(usize::MAX, |n| n.saturating_mul(4) >> 20),
                    limit_mib: (super::MAX_VALUE_ELEMENTS * 4) >> 20,
                },
            ))),
        }
    }

    /// Adds a step writing a new storage for the node's first output.
    fn push(
        &mut self,
        node: &Node,
        kernel: Kernel,
        inputs: Vec<Operand>,
        shape: Vec<usize>,
    ) -> Result<()> {
        Self::check_size(node, &shape)?;
        let storage = self.new_storage(element_count(&shape), false);
        self.add_step(node, kernel, inputs, storage, shape, false);
        Ok(())
    }

    /// Adds an in-place step on the first input: in its storage when nobody needs it later,
    /// else on a copy.
    fn push_in_place(
        &mut self,
        node: &Node,
        kernel: Kernel,
        x: ValueId,
        others: Vec<Operand>,
    ) -> Result<()> {
        let dying = self.dying(x);
        let (operand, shape) = self.operand(node, x)?;
        Self::check_size(node, &shape)?;
        let (storage, copy_first) = match operand {
            Operand::Storage(s) if dying => (s, false),
            _ => (self.new_storage(element_count(&shape), false), true),
        };
        let mut inputs = vec![operand];
        inputs.extend(others);
        self.add_step(node, kernel, inputs, storage, shape, copy_first);
        Ok(())
    }

    /// Records a step that writes the node's first output into `storage`.
    fn add_step(
        &mut self,
        node: &Node,
        kernel: Kernel,
        inputs: Vec<Operand>,
        storage: usize,
        shape: Vec<usize>,
        copy_first: bool,
    ) {
        let output = node.outputs[0];
        self.written_by.insert(output, self.steps.len());
        self.steps.push(Step {
            name: node.name.clone(),
            op_type: node.op_type.clone(),
            kernel,
            inputs,
            output: storage,
            shape: shape.clone(),
            copy_first,
        });
        self.define(output, storage, shape);
    }

    /// The node's output is its input with another shape (Reshape and friends): no step.
    fn alias(&mut self, node: &Node, x: ValueId, shape: Vec<usize>) -> Result<()> {
        Self::check_size(node, &shape)?;
        let (operand, _) = self.operand(node, x)?;
        match operand {
            Operand::Storage(storage) => self.define(node.outputs[0], storage, shape),
            Operand::Constant(_) => {
                let tensor = self
                    .tensor(x)
                    .cloned()
                    .unwrap_or_else(|| Tensor::f32(vec![0], vec![]));
                self.values[node.outputs[0]] = Value::Constant(Tensor {
                    shape,
                    data: tensor.data,
                });
            }
        }
        Ok(())
    }

    /// The convolution step that wrote `value`, when the value is read by the node being
    /// planned only and is not kept: the node can be fused into it.
    fn fusable_conv(&self, value: ValueId) -> Option<usize> {
        if self.readers[value] != 1 || self.kept[value] {
            return None;
        }
        let &index = self.written_by.get(&value)?;
        matches!(
            self.steps[index].kernel,
            Kernel::Conv {
                activation: Activation::Identity,
                ..
            }
        )
        .then_some(index)
    }

    /// Makes the node's output the output of step `index` (it was fused into it).
    fn fused(&mut self, node: &Node, x: ValueId, index: usize) {
        let Value::Runtime { storage, shape } = self.values[x].clone() else {
            return;
        };
        self.fused_into.push(x);
        self.reads_left[storage] = self.reads_left[storage].saturating_sub(1);
        self.written_by.insert(node.outputs[0], index);
        self.define(node.outputs[0], storage, shape);
    }

    /// Turns an error while planning `node`'s shapes into the swap's error where a padding
    /// swap changed the amounts (valid, full).
    fn explain(&self, error: Error) -> Error {
        match (self.padding, error) {
            (
                Some(mode @ (PaddingMode::Valid | PaddingMode::Full)),
                Error::Model(ModelError {
                    node,
                    op,
                    kind: ModelErrorKind::Shape { message },
                }),
            ) => Error::Model(ModelError {
                node,
                op,
                kind: ModelErrorKind::SwapBreaksShapes {
                    mode: mode.name(),
                    message,
                },
            }),
            (_, error) => error,
        }
    }

    fn node(&mut self, node: &Node) -> Result<()> {
        let Some(&output) = node.outputs.first() else {
            return Ok(());
        };
        // Shape needs only its input's shape, which is always known.
        if let Op::Shape { start, end } = &node.op {
            let x = self.input(node, 0)?;
            let dims = self.shape_of(x).map(<[usize]>::to_vec).unwrap_or_default();
            let rank = dims.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
            let (from, to) = (clamp(*start), clamp(end.unwrap_or(rank)));
            let dims: Vec<i64> = dims[from..to.max(from)].iter().map(|&d| d as i64).collect();
            if let Value::Runtime { storage, .. } = &self.values[x] {
                let storage = *storage;
                self.reads_left[storage] = self.reads_left[storage].saturating_sub(1);
            }
            self.values[output] = Value::Constant(Tensor::i64(vec![dims.len()], dims));
            return Ok(());
        }
        let all_constant = node
            .inputs
            .iter()
            .flatten()
            .all(|&v| matches!(self.values[v], Value::Constant(_)));
        if all_constant && folds(&node.op) {
            let inputs: Vec<Option<&Tensor>> = node
                .inputs
                .iter()
                .map(|v| v.and_then(|v| self.tensor(v)))
                .collect();
            let tensor = fold::fold(&node.op, &inputs).map_err(|m| shape_error(node, m))?;
            self.values[output] = Value::Constant(tensor);
            return Ok(());
        }
        match &node.op {
            Op::Conv {
                window,
                groups,
                mode,
            } => self.conv(node, window, *groups, *mode),
            Op::Pool { op, window } => self.pool(node, *op, window),
            Op::GlobalPool(op) => {
                let x = self.input(node, 0)?;
                let (operand, shape) = self.operand(node, x)?;
                if shape.len() < 3 {
                    return Err(shape_error(
                        node,
                        format!("a global pool of a {}-D input", shape.len()),
                    ));
                }
                let planes = shape[0] * shape[1];
                let pixels = element_count(&shape[2..]);
                let kind = match op {
                    PoolOp::Max => GlobalPool::Max,
                    PoolOp::Average { .. } => GlobalPool::Average,
                };
                let mut out = shape.clone();
                out[2..].iter_mut().for_each(|d| *d = 1);
                self.push(
                    node,
                    Kernel::GlobalPool {
                        kind,
                        planes,
                        pixels,
                    },
                    vec![operand],
                    out,
                )
            }
            Op::BatchNorm { epsilon } => self.batch_norm(node, *epsilon),
            Op::Unary(unary) => {
                let x = self.input(node, 0)?;
                let activation = match unary {
                    Unary::Relu => Some(Activation::Relu),
                    Unary::LeakyRelu { alpha } => Some(Activation::LeakyRelu { alpha: *alpha }),
                    _ => None,
                };
                if let (Some(activation), Some(index)) = (activation, self.fusable_conv(x)) {
                    self.set_activation(index, activation);
                    self.fused(node, x, index);
                    return Ok(());
                }
                self.push_in_place(node, Kernel::Unary(*unary), x, Vec::new())
            }
            Op::Clip => {
                let x = self.input(node, 0)?;
                let bound = |this: &Self, position: usize, default: f32| -> Result<f32> {
                    Ok(this
                        .known(node, position)?
                        .and_then(|t| t.scalar_f32())
                        .unwrap_or(default))
                };
                let (min, max) = (
                    bound(self, 1, f32::NEG_INFINITY)?,
                    bound(self, 2, f32::INFINITY)?,
                );
                if let Some(index) = self.fusable_conv(x) {
                    self.set_activation(index, Activation::Clip { min, max });
                    self.fused(node, x, index);
                    return Ok(());
                }
                self.push_in_place(node, Kernel::Clip { min, max }, x, Vec::new())
            }
            Op::PRelu => {
                let (x, slope) = (self.input(node, 0)?, self.input(node, 1)?);
                let (x_operand, shape) = self.operand(node, x)?;
                let (slope_operand, slope_shape) = self.operand(node, slope)?;
                // ONNX's PRelu broadcasts the slope to x (unidirectionally); a slope of shape
                // [C] for an N×C×H×W input is the per-channel form older exporters write.
                let slope_shape = if slope_shape.len() == 1
                    && shape.len() > 2
                    && slope_shape[0] == shape[1]
                    && slope_shape[0] != 1
                {
                    let mut s = vec![1; shape.len() - 1];
                    s[0] = slope_shape[0];
                    s
                } else {
                    slope_shape
                };
                if broadcast_shapes(&shape, &slope_shape).as_deref() != Some(&shape[..]) {
                    return Err(shape_error(
                        node,
                        format!(
                            "the slope's shape {} does not broadcast to the input's {}",
                            shape_text(&slope_shape),
                            shape_text(&shape)
                        ),
                    ));
                }
                let slope_strides = broadcast_strides(&slope_shape, &shape);
                self.push(
                    node,
                    Kernel::PRelu {
                        x_strides: strides(&shape),
                        slope_strides,
                        shape: shape.clone(),
                    },
                    vec![x_operand, slope_operand],
                    shape,
                )
            }
            Op::Binary(op) => self.binary(node, *op),
            Op::Concat { axis } => {
                let mut operands = Vec::new();
                let mut shapes = Vec::new();
                for &value in node.inputs.iter().flatten() {
                    let (operand, shape) = self.operand(node, value)?;
                    operands.push(operand);
                    shapes.push(shape);
                }
                let rank = shapes.first().map_or(0, Vec::len);
                let axis = normalize_axis(*axis, rank)
                    .ok_or_else(|| shape_error(node, format!("axis {axis} of a {rank}-D input")))?;
                let shape = fold::concat_shape(shapes.iter().map(Vec::as_slice), axis)
                    .map_err(|m| shape_error(node, m))?;
                self.push(node, Kernel::Concat { axis, shapes }, operands, shape)
            }
            Op::Flatten { axis } => {
                let x = self.input(node, 0)?;
                let shape = self.shape_of(x).unwrap_or_default().to_vec();
                let shape = fold::flattened(&shape, *axis).map_err(|m| shape_error(node, m))?;
                self.alias(node, x, shape)
            }
            Op::Reshape { allow_zero } => {
                let x = self.input(node, 0)?;
                let target = self
                    .known(node, 1)?
                    .ok_or_else(|| shape_error(node, "Reshape needs a shape"))?;
                let shape = self.shape_of(x).unwrap_or_default().to_vec();
                let shape = fold::reshaped(&shape, &target.to_i64(), *allow_zero)
                    .map_err(|m| shape_error(node, m))?;
                self.alias(node, x, shape)
            }
            Op::Squeeze | Op::Unsqueeze => {
                let x = self.input(node, 0)?;
                let axes = self.known(node, 1)?.map(|t| t.to_i64()).unwrap_or_default();
                let shape = self.shape_of(x).unwrap_or_default().to_vec();
                let shape = if node.op == Op::Squeeze {
                    fold::squeezed(&shape, &axes)
                } else {
                    fold::unsqueezed(&shape, &axes)
                }
                .map_err(|m| shape_error(node, m))?;
                self.alias(node, x, shape)
            }
            // Run-time values are f32 already: casting one to FLOAT changes nothing.
            Op::Identity | Op::Cast { to: CastTo::Float } => {
                let x = self.input(node, 0)?;
                let shape = self.shape_of(x).unwrap_or_default().to_vec();
                self.alias(node, x, shape)
            }
            Op::Transpose { perm } => {
                let x = self.input(node, 0)?;
                let (operand, shape) = self.operand(node, x)?;
                let perm =
                    fold::permutation(perm, shape.len()).map_err(|m| shape_error(node, m))?;
                let layout = Transpose::new(&shape, &perm);
                let out = layout.shape.clone();
                self.push(node, Kernel::Transpose(layout), vec![operand], out)
            }
            Op::Gemm {
                alpha,
                beta,
                trans_a,
                trans_b,
            } => {
                let (a, b) = (self.input(node, 0)?, self.input(node, 1)?);
                let (a_operand, a_shape) = self.operand(node, a)?;
                let (b_operand, b_shape) = self.operand(node, b)?;
                if a_shape.len() != 2 || b_shape.len() != 2 {
                    return Err(shape_error(
                        node,
                        format!(
                            "Gemm of {} and {}: both must be matrices",
                            shape_text(&a_shape),
                            shape_text(&b_shape)
                        ),
                    ));
                }
                let (m, k) = if *trans_a {
                    (a_shape[1], a_shape[0])
                } else {
                    (a_shape[0], a_shape[1])
                };
                let (k2, n) = if *trans_b {
                    (b_shape[1], b_shape[0])
                } else {
                    (b_shape[0], b_shape[1])
                };
                if k != k2 {
                    return Err(shape_error(
                        node,
                        format!(
                        "Gemm of {} and {} (transA {}, transB {}): inner sizes {k} and {k2} differ",
                        shape_text(&a_shape), shape_text(&b_shape), *trans_a as u8, *trans_b as u8
                    ),
                    ));
                }
                let mut operands = vec![a_operand, b_operand];
                let mut c_strides = None;
                if let Some(Some(c)) = node.inputs.get(2) {
                    let (c_operand, c_shape) = self.operand(node, *c)?;
                    if broadcast_shapes(&c_shape, &[m, n]).as_deref() != Some(&[m, n][..]) {
                        return Err(shape_error(
                            node,
                            format!(
                                "Gemm's C of shape {} does not broadcast to {m}×{n}",
                                shape_text(&c_shape)
                            ),
                        ));
                    }
                    let s = broadcast_strides(&c_shape, &[m, n]);
                    c_strides = Some([s[0], s[1]]);
                    operands.push(c_operand);
                }
                let kernel = Kernel::Gemm {
                    m,
                    n,
                    k,
                    alpha: *alpha,
                    beta: *beta,
                    trans_a: *trans_a,
                    trans_b: *trans_b,
                    c_strides,
                };
                self.push(node, kernel, operands, vec![m, n])
            }
            Op::MatMul => self.matmul(node),
            Op::Softmax { axis, coerce_2d } => {
                let x = self.input(node, 0)?;
                let shape = self.shape_of(x).unwrap_or_default().to_vec();
                let rank = shape.len();
                let axis = normalize_axis(*axis, rank)
                    .ok_or_else(|| shape_error(node, format!("axis {axis} of a {rank}-D input")))?;
                let outer = element_count(&shape[..axis]);
                let (length, inner) = if *coerce_2d {
                    (element_count(&shape[axis..]), 1)
                } else {
                    (shape[axis], element_count(&shape[axis + 1..]))
                };
                self.push_in_place(
                    node,
                    Kernel::Softmax {
                        outer,
                        length,
                        inner,
                    },
                    x,
                    Vec::new(),
                )
            }
            Op::Pad { mode } => self.pad(node, *mode),
            Op::Resize(spec) => self.resize(node, spec),
            Op::Gather { axis } => {
                let x = self.input(node, 0)?;
                let indices = self
                    .known(node, 1)?
                    .ok_or_else(|| shape_error(node, "Gather needs indices"))?;
                let (operand, shape) = self.operand(node, x)?;
                let rank = shape.len();
                let axis = normalize_axis(*axis, rank)
                    .ok_or_else(|| shape_error(node, format!("axis {axis} of a {rank}-D input")))?;
                let resolved = fold::gather_indices(&indices.to_i64(), shape[axis])
                    .map_err(|m| shape_error(node, m))?;
                let out: Vec<usize> = shape[..axis]
                    .iter()
                    .chain(&indices.shape)
                    .chain(&shape[axis + 1..])
                    .copied()
                    .collect();
                self.push(
                    node,
                    Kernel::Gather {
                        shape,
                        axis,
                        indices: resolved,
                    },
                    vec![operand],
                    out,
                )
            }
            Op::Slice => {
                let x = self.input(node, 0)?;
                let param = |this: &Self, k: usize| -> Result<Option<Vec<i64>>> {
                    Ok(this.known(node, k)?.map(|t| t.to_i64()))
                };
                let starts =
                    param(self, 1)?.ok_or_else(|| shape_error(node, "Slice needs starts"))?;
                let ends = param(self, 2)?.ok_or_else(|| shape_error(node, "Slice needs ends"))?;
                let (axes, steps) = (param(self, 3)?, param(self, 4)?);
                let (operand, shape) = self.operand(node, x)?;
                let axes =
                    fold::slice_axes(&shape, &starts, &ends, axes.as_deref(), steps.as_deref())
                        .map_err(|m| shape_error(node, m))?;
                let layout = Slice::new(&shape, &axes);
                let out = layout.shape.clone();
                self.push(node, Kernel::Slice(layout), vec![operand], out)
            }
            Op::ConstantOfShape { .. } | Op::Cast { to: CastTo::Int64 } => {
                let input = node
                    .inputs
                    .first()
                    .copied()
                    .flatten()
                    .map(|v| self.graph.values[v].clone())
                    .unwrap_or_default();
                Err(Error::Model(ModelError::at_node(
                    node,
                    ModelErrorKind::NotConstant { input },
                )))
            }
            Op::Shape { .. } => Ok(()),
        }
    }

    fn set_activation(&mut self, index: usize, new: Activation) {
        if let Kernel::Conv { activation, .. } = &mut self.steps[index].kernel {
            *activation = new;
        }
    }

    /// The per-axis window of a Conv or pool: `[height, width]`, a 1-D operator getting a
    /// height axis of one pixel. Lists are checked against the spatial rank.
    fn axes(
        &self,
        node: &Node,
        window: &Window,
        kernel: &[usize],
        spatial: &[usize],
        padding: Option<PaddingMode>,
    ) -> Result<[AxisResolution; 2]> {
        let rank = spatial.len();
        let list = |name: &str, values: &[usize], default: usize| -> Result<Vec<usize>> {
            match values.len() {
                0 => Ok(vec![default; rank]),
                n if n == rank => Ok(values.to_vec()),
                n => Err(shape_error(
                    node,
                    format!("{name} has {n} entries for {rank} spatial axes"),
                )),
            }
        };
        let strides = list("strides", &window.strides, 1)?;
        let dilations = list("dilations", &window.dilations, 1)?;
        let specs: Vec<PaddingSpec> = match &window.pads {
            AutoPad::Explicit(pads) if pads.is_empty() => vec![PaddingSpec::symmetric(0); rank],
            AutoPad::Explicit(pads) if pads.len() == 2 * rank => (0..rank)
                .map(|a| PaddingSpec::Explicit {
                    before: pads[a],
                    after: pads[a + rank],
                })
                .collect(),
            AutoPad::Explicit(pads) => {
                return Err(shape_error(
                    node,
                    format!("pads has {} entries for {rank} spatial axes", pads.len()),
                ))
            }
            AutoPad::SameUpper => vec![PaddingSpec::Same; rank],
            AutoPad::SameLower => vec![PaddingSpec::SameLower; rank],
            AutoPad::Valid => vec![PaddingSpec::Valid; rank],
        };
        let resolve_axis = |a: usize, axis: Axis| -> Result<AxisResolution> {
            let mut w = AxisWindow::new(kernel[a], strides[a], dilations[a]);
            w.ceil_mode = window.ceil_mode;
            let spec = match padding {
                Some(mode) => mode.amounts(specs[a]),
                None => specs[a],
            };
            resolve(spatial[a], w, spec).map_err(|e| Error::layer(&node.name, axis, e))
        };
        let trivial = || resolve(1, AxisWindow::new(1, 1, 1), PaddingSpec::Valid);
        match rank {
            1 => Ok([
                trivial().map_err(|e| Error::layer(&node.name, Axis::Height, e))?,
                resolve_axis(0, Axis::Width)?,
            ]),
            2 => Ok([
                resolve_axis(0, Axis::Height)?,
                resolve_axis(1, Axis::Width)?,
            ]),
            _ => Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::Unsupported {
                    what: format!(
                        "a {rank}-D {} (padlens runs 1-D and 2-D windows)",
                        node.op_type
                    ),
                },
            ))),
        }
    }

    fn kernel_error(&self, node: &Node, error: KernelError) -> Error {
        match error {
            KernelError::Axis { axis, source } => Error::layer(&node.name, axis, source),
            other => shape_error(node, other.to_string()),
        }
    }

    /// `own` is the convolution's own padding mode (zeros, or a folded Pad's: definitions.md
    /// §8); a swap replaces it (§7).
    fn conv(
        &mut self,
        node: &Node,
        window: &Window,
        groups: usize,
        own: PaddingMode,
    ) -> Result<()> {
        let (x, w) = (self.input(node, 0)?, self.input(node, 1)?);
        let weights = self
            .known(node, 1)?
            .ok_or_else(|| shape_error(node, "Conv needs weights"))?;
        let bias = self.known(node, 2)?;
        let (operand, shape) = self.operand(node, x)?;
        let _ = w;
        if !(3..=4).contains(&shape.len()) || weights.shape.len() != shape.len() {
            return Err(shape_error(node, format!(
                "a convolution of a {} input with {} weights (padlens runs 1-D and 2-D convolutions)",
                shape_text(&shape), shape_text(&weights.shape)
            )));
        }
        let (batch, channels) = (shape[0], shape[1]);
        let (out_channels, per_group) = (weights.shape[0], weights.shape[1]);
        if per_group * groups != channels || out_channels % groups != 0 {
            return Err(shape_error(
                node,
                format!(
                    "weights {} in {groups} groups do not fit an input of {channels} channels",
                    shape_text(&weights.shape)
                ),
            ));
        }
        let kernel = &weights.shape[2..];
        if !window.kernel.is_empty() && window.kernel != kernel {
            return Err(shape_error(
                node,
                format!(
                    "kernel_shape {:?} differs from the weights' {:?}",
                    window.kernel, kernel
                ),
            ));
        }
        let mode = self.padding.unwrap_or(own);
        let [rows, cols] = self.axes(node, window, kernel, &shape[2..], Some(mode))?;
        let geometry = ConvGeometry {
            in_channels: channels,
            out_channels,
            groups,
            rows,
            cols,
            mode,
        };
        geometry
            .validate()
            .map_err(|e| self.kernel_error(node, e))?;
        let bias = match bias {
            Some(b) if b.len() != out_channels => {
                return Err(shape_error(
                    node,
                    format!(
                        "a bias of {} values for {out_channels} output channels",
                        b.len()
                    ),
                ))
            }
            b => b.map(|b| b.to_f32()),
        };
        let mut out = vec![batch, out_channels];
        if shape.len() == 4 {
            out.push(rows.output);
        }
        out.push(cols.output);
        let kernel = Kernel::Conv {
            geometry,
            weights: weights.to_f32(),
            bias,
            packed: None,
            activation: Activation::Identity,
            batch,
        };
        self.push(node, kernel, vec![operand], out)
    }

    fn pool(&mut self, node: &Node, op: PoolOp, window: &Window) -> Result<()> {
        let x = self.input(node, 0)?;
        let (operand, shape) = self.operand(node, x)?;
        if !(3..=4).contains(&shape.len()) {
            return Err(Error::Model(ModelError::at_node(
                node,
                ModelErrorKind::Unsupported {
                    what: format!(
                        "pooling a {} input (padlens pools 1-D and 2-D)",
                        shape_text(&shape)
                    ),
                },
            )));
        }
        if window.kernel.len() != shape.len() - 2 {
            return Err(shape_error(
                node,
                format!(
                    "kernel_shape {:?} for a {} input",
                    window.kernel,
                    shape_text(&shape)
                ),
            ));
        }
        // Pooling keeps its own padding under a swap (definitions.md §2).
        let [rows, cols] = self.axes(node, window, &window.kernel, &shape[2..], None)?;
        let geometry = PoolGeometry {
            channels: shape[1],
            rows,
            cols,
        };
        geometry
            .validate()
            .map_err(|e| self.kernel_error(node, e))?;
        let kind = match op {
            PoolOp::Max => PoolKind::Max,
            PoolOp::Average { count_include_pad } => PoolKind::Average { count_include_pad },
        };
        let mut out = vec![shape[0], shape[1]];
        if shape.len() == 4 {
            out.push(rows.output);
        }
        out.push(cols.output);
        self.push(
            node,
            Kernel::Pool {
                geometry,
                kind,
                batch: shape[0],
            },
            vec![operand],
            out,
        )
    }

    fn batch_norm(&mut self, node: &Node, epsilon: f32) -> Result<()> {
        let x = self.input(node, 0)?;
        let mut parameters = Vec::new();
        for position in 1..5 {
            let t = self.known(node, position)?.ok_or_else(|| {
                shape_error(
                    node,
                    "BatchNormalization needs scale, bias, mean and variance",
                )
            })?;
            parameters.push(t.to_f32());
        }
        let shape = self.shape_of(x).unwrap_or_default().to_vec();
        let channels = *shape.get(1).ok_or_else(|| {
            shape_error(node, "a BatchNormalization of an input without channels")
        })?;
        let pixels = element_count(&shape[2..]);
        // Per channel; or per element of an image (opset 7's spatial = 0, parameters C×H×W).
        let per_element = parameters[0].len() == channels * pixels && pixels > 1;
        let count = if per_element {
            channels * pixels
        } else {
            channels
        };
        if parameters.iter().any(|p| p.len() != count) {
            return Err(shape_error(
                node,
                format!(
                    "parameters of lengths {:?} for {channels} channels",
                    parameters.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            ));
        }
        let (gamma, beta, mean, variance) = (
            &parameters[0],
            &parameters[1],
            &parameters[2],
            &parameters[3],
        );
        let scale: Vec<f32> = (0..count)
            .map(|c| gamma[c] / (variance[c] + epsilon).sqrt())
            .collect();
        let shift: Vec<f32> = (0..count).map(|c| beta[c] - mean[c] * scale[c]).collect();
        if per_element {
            let kernel = Kernel::Affine {
                scale,
                shift,
                pixels: 1,
            };
            return self.push_in_place(node, kernel, x, Vec::new());
        }
        if let Some(index) = self.fusable_conv(x) {
            if let Kernel::Conv {
                weights,
                bias,
                geometry,
                ..
            } = &mut self.steps[index].kernel
            {
                let per_filter = weights.len() / geometry.out_channels.max(1);
                for (c, filter) in weights.chunks_exact_mut(per_filter.max(1)).enumerate() {
                    filter.iter_mut().for_each(|w| *w *= scale[c]);
                }
                let old = bias.take().unwrap_or_else(|| vec![0.0; channels]);
                *bias = Some(
                    (0..channels)
                        .map(|c| old[c] * scale[c] + shift[c])
                        .collect(),
                );
            }
            self.fused(node, x, index);
            return Ok(());
        }
        self.push_in_place(
            node,
            Kernel::Affine {
                scale,
                shift,
                pixels,
            },
            x,
            Vec::new(),
        )
    }

    fn binary(&mut self, node: &Node, op: super::graph::Binary) -> Result<()> {
        let (a, b) = (self.input(node, 0)?, self.input(node, 1)?);
        let a_shape = self.shape_of(a).unwrap_or_default().to_vec();
        let b_shape = self.shape_of(b).unwrap_or_default().to_vec();
        let shape = broadcast_shapes(&a_shape, &b_shape).ok_or_else(|| {
            shape_error(
                node,
                format!(
                    "{} of shapes {} and {}, which do not broadcast",
                    node.op_type,
                    shape_text(&a_shape),
                    shape_text(&b_shape)
                ),
            )
        })?;
        let a_in_place = a != b && a_shape == shape && self.dying(a);
        let b_in_place = a != b && b_shape == shape && self.dying(b);
        if a_in_place || b_in_place {
            let (mine, other, other_shape) = if a_in_place {
                (a, b, &b_shape)
            } else {
                (b, a, &a_shape)
            };
            let other_strides = broadcast_strides(other_shape, &shape);
            let (other_operand, _) = self.operand(node, other)?;
            let kernel = Kernel::BinaryInPlace {
                op,
                own_strides: strides(&shape),
                other_strides,
                shape,
                reversed: !a_in_place,
            };
            return self.push_in_place(node, kernel, mine, vec![other_operand]);
        }
        let (a_operand, _) = self.operand(node, a)?;
        let (b_operand, _) = self.operand(node, b)?;
        let kernel = Kernel::Binary {
            op,
            a_strides: broadcast_strides(&a_shape, &shape),
            b_strides: broadcast_strides(&b_shape, &shape),
            shape: shape.clone(),
        };
        self.push(node, kernel, vec![a_operand, b_operand], shape)
    }

    fn matmul(&mut self, node: &Node) -> Result<()> {
        let (a, b) = (self.input(node, 0)?, self.input(node, 1)?);
        let (a_operand, a_shape) = self.operand(node, a)?;
        let (b_operand, b_shape) = self.operand(node, b)?;
        if a_shape.is_empty() || b_shape.is_empty() {
            return Err(shape_error(node, "MatMul of a scalar"));
        }
        // NumPy's rules: a 1-D a is a row, a 1-D b a column; both are dropped again after.
        let a_matrix: Vec<usize> = if a_shape.len() == 1 {
            vec![1, a_shape[0]]
        } else {
            a_shape.clone()
        };
        let b_matrix: Vec<usize> = if b_shape.len() == 1 {
            vec![b_shape[0], 1]
        } else {
            b_shape.clone()
        };
        let (m, k) = (a_matrix[a_matrix.len() - 2], a_matrix[a_matrix.len() - 1]);
        let (k2, n) = (b_matrix[b_matrix.len() - 2], b_matrix[b_matrix.len() - 1]);
        if k != k2 {
            return Err(shape_error(
                node,
                format!(
                    "MatMul of {} and {}: inner sizes {k} and {k2} differ",
                    shape_text(&a_shape),
                    shape_text(&b_shape)
                ),
            ));
        }
        let (a_batch, b_batch) = (
            &a_matrix[..a_matrix.len() - 2],
            &b_matrix[..b_matrix.len() - 2],
        );
        let batch = broadcast_shapes(a_batch, b_batch).ok_or_else(|| {
            shape_error(
                node,
                format!("MatMul's batch axes {a_batch:?} and {b_batch:?} do not broadcast"),
            )
        })?;
        let scale = |s: Vec<usize>, by: usize| s.into_iter().map(|x| x * by).collect::<Vec<_>>();
        let a_batch_strides = scale(broadcast_strides(a_batch, &batch), m * k);
        let b_batch_strides = scale(broadcast_strides(b_batch, &batch), k * n);
        let mut out = batch.clone();
        if a_shape.len() > 1 {
            out.push(m);
        }
        if b_shape.len() > 1 {
            out.push(n);
        }
        let kernel = Kernel::MatMul {
            m,
            n,
            k,
            batch_strides: strides(&batch),
            batch,
            a_batch_strides,
            b_batch_strides,
        };
        self.push(node, kernel, vec![a_operand, b_operand], out)
    }

    fn pad(&mut self, node: &Node, mode: super::graph::PadMode) -> Result<()> {
        let x = self.input(node, 0)?;
        let pads = self
            .known(node, 1)?
            .ok_or_else(|| shape_error(node, "Pad needs its amounts"))?
            .to_i64();
        let value = self
            .known(node, 2)?
            .and_then(|t| t.scalar_f32())
            .unwrap_or(0.0);
        let axes = self.known(node, 3)?.map(|t| t.to_i64());
        let (operand, shape) = self.operand(node, x)?;
        let rank = shape.len();
        let axes: Vec<usize> = match axes {
            Some(axes) => axes
                .iter()
                .map(|&a| {
                    normalize_axis(a, rank)
                        .ok_or_else(|| shape_error(node, format!("axis {a} of a {rank}-D input")))
                })
                .collect::<Result<_>>()?,
            None => (0..rank).collect(),
        };
        if pads.len() != 2 * axes.len() {
            return Err(shape_error(
                node,
                format!("{} pads for {} axes", pads.len(), axes.len()),
            ));
        }
        let (mut before, mut after) = (vec![0i64; rank], vec![0i64; rank]);
        for (k, &axis) in axes.iter().enumerate() {
            before[axis] = pads[k];
            after[axis] = pads[k + axes.len()];
        }
        for axis in 0..rank {
            let length = shape[axis] as i64;
            if length + before[axis] + after[axis] < 0
                || -before[axis] > length
                || -after[axis] > length
            {
                return Err(shape_error(
                    node,
                    format!("pads {pads:?} crop more than axis {axis}'s {length} elements"),
                ));
            }
            // Reflection needs the amounts smaller than the axis (definitions.md §2); a crop
            // needs nothing.
            if mode == super::graph::PadMode::Reflect {
                let (b, a) = (before[axis].max(0) as usize, after[axis].max(0) as usize);
                PaddingMode::Reflect
                    .validate(shape[axis], b, a)
                    .map_err(|e| {
                        let spatial = if axis + 1 == rank {
                            Axis::Width
                        } else {
                            Axis::Height
                        };
                        Error::layer(&node.name, spatial, e)
                    })?;
            }
            let padded = before[axis] > 0 || after[axis] > 0;
            if shape[axis] == 0 && padded && mode != super::graph::PadMode::Constant {
                return Err(shape_error(
                    node,
                    format!("{mode:?} padding of an empty axis {axis}"),
                ));
            }
        }
        let layout = Pad::new(&shape, &before, &after, mode);
        let out = layout.shape.clone();
        self.push(node, Kernel::Pad { layout, value }, vec![operand], out)
    }

    fn resize(&mut self, node: &Node, spec: &super::graph::Resize) -> Result<()> {
        let x = self.input(node, 0)?;
        let scales = self
            .known(node, 2)?
            .map(|t| t.to_f32())
            .filter(|s| !s.is_empty());
        let sizes = self
            .known(node, 3)?
            .map(|t| t.to_i64())
            .filter(|s| !s.is_empty());
        let (operand, shape) = self.operand(node, x)?;
        let rank = shape.len();
        let axes: Vec<usize> = match &spec.axes {
            None => (0..rank).collect(),
            Some(axes) => axes
                .iter()
                .map(|&a| {
                    normalize_axis(a, rank)
                        .ok_or_else(|| shape_error(node, format!("axis {a} of a {rank}-D input")))
                })
                .collect::<Result<_>>()?,
        };
        let mut out = shape.clone();
        let mut factors = vec![1.0f64; rank];
        match (&scales, &sizes) {
            (_, Some(sizes)) if sizes.len() == axes.len() => {
                for (k, &a) in axes.iter().enumerate() {
                    let size = usize::try_from(sizes[k])
                        .map_err(|_| shape_error(node, format!("size {} on axis {a}", sizes[k])))?;
                    factors[a] = size as f64 / shape[a].max(1) as f64;
                    out[a] = size;
                }
                // One scale for every resized axis keeps the aspect ratio; ONNX rounds the
                // sizes half up.
                let common = match spec.aspect {
                    AspectPolicy::Stretch => None,
                    AspectPolicy::NotLarger => axes.iter().map(|&a| factors[a]).reduce(f64::min),
                    AspectPolicy::NotSmaller => axes.iter().map(|&a| factors[a]).reduce(f64::max),
                };
                if let Some(scale) = common {
                    for &a in &axes {
                        factors[a] = scale;
                        out[a] = (scale * shape[a] as f64 + 0.5) as usize;
                    }
                }
            }
            (Some(scales), None) if scales.len() == axes.len() => {
                for (k, &a) in axes.iter().enumerate() {
                    if !scales[k].is_finite() || scales[k] <= 0.0 {
                        return Err(shape_error(
                            node,
                            format!("scale {} on axis {a}", scales[k]),
                        ));
                    }
                    // ONNX: output = floor(input × scale); the coordinates use the scale given.
                    out[a] = (shape[a] as f64 * scales[k] as f64).floor() as usize;
                    factors[a] = scales[k] as f64;
                }
            }
            _ => {
                return Err(shape_error(
                    node,
                    format!(
                        "{} needs {n} scales or {n} sizes for a {} input",
                        node.op_type,
                        shape_text(&shape),
                        n = axes.len()
                    ),
                ))
            }
        }
        if out.contains(&0) || element_count(&out) > super::MAX_VALUE_ELEMENTS {
            return Err(shape_error(
                node,
                format!("resizing {} to {}", shape_text(&shape), shape_text(&out)),
            ));
        }
        let mut stages = Vec::new();
        let mut current = shape.clone();
        let mut largest = 0;
        for a in 0..rank {
            let taps = resize::axis_taps(spec, shape[a], out[a], factors[a]);
            let identity = out[a] == shape[a]
                && taps
                    .iter()
                    .enumerate()
                    .all(|(i, t)| t.first == i && t.second_weight == 0.0);
            if identity {
                continue;
            }
            let read = current.clone();
            current[a] = out[a];
            let output_len = element_count(&current);
            largest = largest.max(output_len);
            stages.push(ResizeStage {
                shape: read,
                axis: a,
                taps,
                output_len,
            });
        }
        let buffers = [vec![0.0; largest], vec![0.0; largest]];
        self.push(node, Kernel::Resize { stages, buffers }, vec![operand], out)
    }
}

/// Which nodes the `wanted` values depend on (walking back from them; nodes are in
/// execution order, so one backward pass suffices).
fn needed_nodes(graph: &Graph, wanted: &[bool]) -> Vec<bool> {
    let mut wanted = wanted.to_vec();
    let mut needed = vec![false; graph.nodes.len()];
    for (index, node) in graph.nodes.iter().enumerate().rev() {
        if node.outputs.iter().any(|&o| wanted[o]) {
            needed[index] = true;
            for &input in node.inputs.iter().flatten() {
                wanted[input] = true;
            }
        }
    }
    needed
}

/// Gives every storage a buffer: a storage's buffer is free again after the last step that
/// reads it, and the next storage written takes the smallest free buffer that fits (or grows
/// the largest). Pinned storages (inputs, outputs, kept values) keep theirs.
fn assign_buffers(
    steps: &[Step],
    storage_len: &[usize],
    pinned: &[bool],
) -> (Vec<usize>, Vec<Vec<f32>>) {
    let storages = storage_len.len();
    let mut last_read = vec![None; storages];
    for (index, step) in steps.iter().enumerate() {
        for operand in &step.inputs {
            if let Operand::Storage(s) = operand {
                last_read[*s] = Some(index);
            }
        }
    }
    let mut buffer_of = vec![usize::MAX; storages];
    let mut capacity: Vec<usize> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    // Storages that no step writes are the inputs: buffers of their own from the start.
    let written: Vec<bool> = {
        let mut w = vec![false; storages];
        for step in steps {
            w[step.output] = true;
        }
        w
    };
    for s in 0..storages {
        if !written[s] {
            buffer_of[s] = capacity.len();
            capacity.push(storage_len[s]);
        }
    }
    let mut releases: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for s in 0..storages {
        if pinned[s] || !written[s] {
            continue;
        }
        if let Some(index) = last_read[s] {
            releases[index].push(s);
        }
    }
    for (index, step) in steps.iter().enumerate() {
        let s = step.output;
        if buffer_of[s] == usize::MAX {
            let need = storage_len[s];
            let best = free
                .iter()
                .enumerate()
                .filter(|(_, &b)| capacity[b] >= need)
                .min_by_key(|(_, &b)| capacity[b])
                .or_else(|| free.iter().enumerate().max_by_key(|(_, &b)| capacity[b]))
                .map(|(i, _)| i);
            let buffer = match best {
                Some(i) => free.swap_remove(i),
                None => {
                    capacity.push(0);
                    capacity.len() - 1
                }
            };
            capacity[buffer] = capacity[buffer].max(need);
            buffer_of[s] = buffer;
            // A value nobody reads (an unused output) frees its buffer at once.
            if last_read[s].is_none() && !pinned[s] {
                free.push(buffer);
            }
        }
        for &released in &releases[index] {
            free.push(buffer_of[released]);
        }
    }
    let buffers = capacity.into_iter().map(|c| vec![0.0; c]).collect();
    (buffer_of, buffers)
}
