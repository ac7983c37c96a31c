//! The one error type of the core. Every message names what the user can act on: the layer,
//! the axis and the sizes involved (candle's `error.rs` is the model). Where an error is
//! about — which input, layer, field and axis — is also data ([`Error::location`]), so a user
//! interface puts the message beside the right control without reading its wording.

use serde::Serialize;
use std::fmt;

/// A spatial axis of a 2-D map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Height,
    Width,
}

impl Axis {
    pub const BOTH: [Axis; 2] = [Axis::Height, Axis::Width];
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Height => "height",
            Axis::Width => "width",
        })
    }
}

/// What is wrong with one axis of one layer, before we know which layer it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AxisError {
    /// `field` is `kernel`, `stride` or `dilation`.
    #[error("the {field} must be at least 1, got 0")]
    Zero { field: &'static str },
    #[error(
        "the kernel ({kernel}, dilation {dilation}, so {effective} wide) is larger than the \
         padded input ({input} + {before} + {after} = {padded})"
    )]
    KernelLargerThanInput {
        kernel: usize,
        dilation: usize,
        effective: usize,
        input: usize,
        before: usize,
        after: usize,
        padded: usize,
    },
    #[error(
        "{mode} padding of {before} before and {after} after needs an input of more than \
         {needs_more_than} pixels, got {input}"
    )]
    PaddingTooWide {
        mode: &'static str,
        before: usize,
        after: usize,
        input: usize,
        /// Reflect mirrors without the edge, so it needs `input > pad`; symmetric needs
        /// `input ≥ pad`, i.e. `input > pad − 1`.
        needs_more_than: usize,
    },
    #[error("the input is empty (0 pixels)")]
    EmptyInput,
    /// `field` is `kernel`, `stride`, `dilation`, `padding` or `input`.
    #[error("the {field} ({value}) is too large (at most {max})")]
    TooLarge {
        field: &'static str,
        value: usize,
        max: usize,
    },
}

impl AxisError {
    /// The field of the layer the error is about, if it is one field's fault.
    fn field(&self) -> Option<&'static str> {
        match self {
            AxisError::Zero { field } | AxisError::TooLarge { field, .. } => Some(field),
            AxisError::PaddingTooWide { .. } => Some("padding"),
            AxisError::KernelLargerThanInput { .. } | AxisError::EmptyInput => None,
        }
    }
}

/// A network spec that cannot be read: where in the spec, and what is allowed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The layer's path in the spec, e.g. `layers.2.main.0`; empty for the spec as a whole.
    pub path: String,
    /// The field at fault, e.g. `kernel`; `None` for the layer (or spec) as a whole.
    pub field: Option<String>,
    /// What is wrong and what is allowed, e.g. "expected a whole number ≥ 1 or
    /// [height, width], got -3".
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("network spec")?;
        if !self.path.is_empty() {
            write!(f, ", layer `{}`", self.path)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// An ONNX model padlens cannot read or run: the node (and its operator) at fault, as far as
/// known, and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelError {
    pub node: Option<String>,
    pub op: Option<String>,
    pub kind: ModelErrorKind,
}

impl ModelError {
    pub fn new(kind: ModelErrorKind) -> Self {
        ModelError {
            node: None,
            op: None,
            kind,
        }
    }

    /// An error about one node of the graph.
    pub fn at_node(node: &crate::infer::graph::Node, kind: ModelErrorKind) -> Self {
        ModelError {
            node: Some(node.name.clone()),
            op: Some(node.op_type.clone()),
            kind,
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("model")?;
        match (&self.node, &self.op) {
            (Some(node), Some(op)) => write!(f, ", node `{node}` ({op})")?,
            (Some(node), None) => write!(f, ", node `{node}`")?,
            _ => {}
        }
        write!(f, ": {}", self.kind)
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelErrorKind {
    #[error("this is not an ONNX model (it does not decode as one: {reason})")]
    NotOnnx { reason: String },
    #[error("the file is {megabytes} MB; padlens takes models of up to {limit_megabytes} MB")]
    FileTooLarge {
        megabytes: usize,
        limit_megabytes: usize,
    },
    #[error("it imports ONNX opset {version}; padlens reads opsets {min} to {max}")]
    Opset { version: i64, min: i64, max: i64 },
    #[error(
        "tensor `{tensor}` keeps its data in an external file (`{location}`); padlens reads \
         single-file models only: save the model with its weights inside it \
         (onnx.save(model, path, save_as_external_data=False))"
    )]
    ExternalData { tensor: String, location: String },
    #[error(
        "tensor `{tensor}` claims {megabytes} MB; padlens takes tensors of up to \
         {limit_megabytes} MB"
    )]
    TensorTooLarge {
        tensor: String,
        megabytes: usize,
        limit_megabytes: usize,
    },
    #[error("tensor `{tensor}`: {message}")]
    TensorData { tensor: String, message: String },
    #[error("operator `{op}` is not supported; padlens runs {supported}")]
    UnsupportedOperator { op: String, supported: String },
    #[error("{what} is not supported")]
    Unsupported { what: String },
    #[error("attribute `{name}`: {message}")]
    Attribute { name: String, message: String },
    #[error("it reads `{name}`, which no node, graph input or initializer provides")]
    MissingValue { name: String },
    #[error("it is part of a cycle: nodes of the graph wait on each other's outputs")]
    Cycle,
    #[error("{message}")]
    Shape { message: String },
    #[error(
        "its input `{input}` must be known before the model runs (a constant at a fixed \
         input size), but it is computed from the image"
    )]
    NotConstant { input: String },
    #[error(
        "it has no spatial input: padlens needs one float32 image input of shape N×C×H×W; \
         {found}"
    )]
    NoImageInput { found: String },
    #[error("the model has no node or output named `{name}`")]
    UnknownValue { name: String },
    #[error(
        "{what} would need {needed_mib} MiB; padlens holds at most {limit_mib} MiB in one \
         value (choose a smaller input)"
    )]
    TooMuchMemory {
        what: String,
        needed_mib: usize,
        limit_mib: usize,
    },
    /// An incremental run keeps every layer's output twice (definitions.md §5).
    #[error(
        "at {height}×{width}, keeping every layer's output for incremental runs (and the \
         background's copy) would need {needed_mib} MiB; padlens holds at most {limit_mib} MiB \
         for it (choose a smaller input)"
    )]
    IncrementalTooLarge {
        height: usize,
        width: usize,
        needed_mib: usize,
        limit_mib: usize,
    },
    #[error("with {mode} padding at every convolution, the shapes no longer fit here: {message}")]
    SwapBreaksShapes { mode: &'static str, message: String },
    /// What the projection onto a layer graph (definitions.md §8) cannot represent.
    #[error("padlens cannot project it onto a layer graph: {reason}")]
    NotProjectable { reason: String },
}

/// A stimulus-detectability request (definitions.md §5) that cannot run: the setting at fault
/// and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectError {
    pub field: DetectField,
    pub kind: DetectErrorKind,
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.words(), self.kind)
    }
}

/// The settings of a detectability grid, as a user interface names its controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectField {
    Model,
    Background,
    Stimulus,
    StimulusSize,
    Stride,
    Score,
    /// The placement of the shift experiment: the stimulus's top-left corner.
    Corner,
}

impl DetectField {
    /// The field's name in data (`Location::field`, the page's controls).
    pub fn name(self) -> &'static str {
        match self {
            DetectField::Model => "model",
            DetectField::Background => "background",
            DetectField::Stimulus => "stimulus",
            DetectField::StimulusSize => "stimulus_size",
            DetectField::Stride => "stride",
            DetectField::Score => "score",
            DetectField::Corner => "corner",
        }
    }

    /// The field in a message.
    pub fn words(self) -> &'static str {
        match self {
            DetectField::StimulusSize => "stimulus size",
            other => other.name(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DetectErrorKind {
    /// A name that is not in the table (`crate::detect::BACKGROUNDS`, `STIMULI`, `SCORES`).
    #[error("unknown `{text}`; expected {expected}")]
    Unknown { text: String, expected: String },
    /// A known name with a malformed argument, e.g. `noise:x` or `boxes:1@2`.
    #[error("malformed `{text}`: expected {expected}")]
    Malformed { text: String, expected: String },
    #[error("must be at least 1, got 0")]
    Zero,
    #[error("a stimulus of {size}×{size} pixels does not fit in the {height}×{width} image")]
    LargerThanImage {
        size: usize,
        height: usize,
        width: usize,
    },
    #[error(
        "{score} but {output} has {classes} classes (0–{})",
        classes.saturating_sub(1)
    )]
    ClassOutOfRange {
        score: String,
        /// The output read, in words: "the first output `logits`".
        output: String,
        classes: usize,
    },
    #[error("{score} needs {needs} output, got {got}")]
    OutputShape {
        score: String,
        /// The shape it reads, e.g. "a [1, C, h, w]".
        needs: &'static str,
        /// The model's outputs' shapes.
        got: String,
    },
    #[error("an image of {width}×{height} pixels needs {needed} bytes ({what}), got {got}")]
    ImageData {
        width: usize,
        height: usize,
        what: &'static str,
        needed: usize,
        got: usize,
    },
    /// A placement whose stimulus would cross the image's border.
    #[error(
        "a {size}×{size} stimulus at row {y0}, column {x0} does not lie inside the \
         {height}×{width} image: its corner can be at rows 0–{} and columns 0–{}",
        height.saturating_sub(*size),
        width.saturating_sub(*size)
    )]
    Outside {
        /// The corner asked for.
        y0: usize,
        x0: usize,
        size: usize,
        height: usize,
        width: usize,
    },
    #[error("the model takes {channels} channels; detectability grids compose RGB images (3)")]
    Channels { channels: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("layer `{layer}`, {axis} axis: {source}")]
    Layer {
        layer: String,
        /// Index of the top-level layer that holds it (the layer itself, or its block), once
        /// known: the explainer's layer, a depth slider's position.
        position: Option<usize>,
        axis: Axis,
        #[source]
        source: AxisError,
    },
    #[error(
        "block `{block}`: its branches disagree in output size: {first_branch} gives \
         {first_height}×{first_width}, {other_branch} gives {other_height}×{other_width}"
    )]
    BranchMismatch {
        block: String,
        position: Option<usize>,
        first_branch: String,
        first_height: usize,
        first_width: usize,
        other_branch: String,
        other_height: usize,
        other_width: usize,
    },
    #[error("block `{block}` has no branches")]
    EmptyBlock { block: String },
    #[error("input size {height}×{width}: {reason}")]
    InputSize {
        height: usize,
        width: usize,
        reason: String,
    },
    /// A size the network cannot take, with the smallest one it can.
    #[error(
        "`{network}` needs an input of at least {min_height}×{min_width} pixels, got \
         {height}×{width} ({source})"
    )]
    InputTooSmall {
        network: String,
        height: usize,
        width: usize,
        min_height: usize,
        min_width: usize,
        #[source]
        source: Box<Error>,
    },
    #[error(
        "input size {height}×{width} would need about {needed_mib} MiB of memory; the limit is \
         {limit_mib} MiB (at most {max_side}×{max_side} for this network)"
    )]
    TooMuchMemory {
        height: usize,
        width: usize,
        needed_mib: usize,
        limit_mib: usize,
        /// The largest square this network fits in the limit.
        max_side: usize,
    },
    #[error(
        "depth {depth} is out of range: `{network}` has {layers} layers (choose 1 to {layers})"
    )]
    Depth {
        depth: usize,
        network: String,
        layers: usize,
    },
    #[error("unknown architecture `{name}`; known: {known}")]
    UnknownArchitecture { name: String, known: String },
    #[error("unknown padding mode `{name}`; expected one of: {known}")]
    UnknownPaddingMode { name: String, known: String },
    #[error("unknown framework `{0}`; expected torch or tf")]
    UnknownFramework(String),
    #[error("{0}")]
    Spec(SpecError),
    /// A setting outside the range a tool accepts (the explainer's sides and layers, a
    /// threshold, a pixel).
    #[error("{what} must be {min} to {max}, got {value}")]
    OutOfRange {
        /// Words for the setting, e.g. "layer 2's kernel".
        what: String,
        value: f64,
        min: f64,
        max: f64,
        location: Location,
    },
    #[error(
        "malformed sizes `{0}`: expected FROM:TO or FROM:TO:STEP with whole numbers, \
         1 ≤ FROM ≤ TO, STEP ≥ 1, e.g. 32:1024:8"
    )]
    SizeRange(String),
    #[error(
        "malformed size `{0}`: expected N or HxW with positive whole numbers, e.g. 224 or 97x131"
    )]
    SizeSyntax(String),
    #[error("maps differ in size: {0}×{1} vs {2}×{3}")]
    MapShape(usize, usize, usize, usize),
    #[error("cannot export {values} values as shape {shape:?}")]
    ExportShape { values: usize, shape: Vec<usize> },
    #[error("{0}")]
    Model(ModelError),
    #[error("{0}")]
    Detect(DetectError),
}

/// Which of the user's inputs an error is about, so a user interface can put the message
/// beside the right control instead of guessing from its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// The architecture or the network spec.
    Network,
    /// The input size (or a range of sizes).
    Size,
    /// The padding mode or framework convention.
    Padding,
    /// How many layers to take.
    Depth,
    /// One layer's own settings (the explainer's kernel, stride, dilation, padding).
    Layer,
    /// Anything else about the request (a threshold, a pixel, a malformed message).
    Request,
    /// An imported model (an ONNX file): what it holds, or one of its nodes.
    Model,
}

/// Where an error is: the input it is about and, as far as known, the layer (its name and
/// the index of the top-level layer holding it), the field and the axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub subject: Subject,
    pub layer: Option<String>,
    pub position: Option<usize>,
    pub field: Option<String>,
    pub axis: Option<Axis>,
}

impl Location {
    pub fn of(subject: Subject) -> Self {
        Location {
            subject,
            layer: None,
            position: None,
            field: None,
            axis: None,
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn at_position(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }
}

impl Error {
    /// A detectability setting that cannot be used.
    pub fn detect(field: DetectField, kind: DetectErrorKind) -> Self {
        Error::Detect(DetectError { field, kind })
    }

    pub fn layer(layer: &str, axis: Axis, source: AxisError) -> Self {
        Error::Layer {
            layer: layer.to_owned(),
            position: None,
            axis,
            source,
        }
    }

    /// Records which top-level layer the error happened in, unless a nested call already
    /// did.
    pub fn in_top_level_layer(mut self, index: usize) -> Self {
        if let Error::Layer { position, .. } | Error::BranchMismatch { position, .. } = &mut self {
            position.get_or_insert(index);
        }
        self
    }

    /// A setting out of its range.
    pub fn out_of_range(
        what: impl Into<String>,
        value: f64,
        [min, max]: [f64; 2],
        location: Location,
    ) -> Self {
        Error::OutOfRange {
            what: what.into(),
            value,
            min,
            max,
            location,
        }
    }

    pub fn subject(&self) -> Subject {
        self.location().subject
    }

    /// Where the error is, as data.
    pub fn location(&self) -> Location {
        match self {
            Error::Layer {
                layer,
                position,
                axis,
                source,
            } => Location {
                subject: match source {
                    AxisError::PaddingTooWide { .. } => Subject::Padding,
                    // A zero or oversized kernel, stride or dilation comes from the network.
                    AxisError::Zero { .. } => Subject::Network,
                    AxisError::TooLarge { field, .. } if *field != "input" => Subject::Network,
                    AxisError::KernelLargerThanInput { .. }
                    | AxisError::EmptyInput
                    | AxisError::TooLarge { .. } => Subject::Size,
                },
                layer: Some(layer.clone()),
                position: *position,
                field: source.field().map(str::to_owned),
                axis: Some(*axis),
            },
            // Branches agree under the network's own padding at a size it can run at; they
            // fall out of step when a mode changes the amounts (valid, full).
            Error::BranchMismatch {
                block, position, ..
            } => Location {
                layer: Some(block.clone()),
                position: *position,
                ..Location::of(Subject::Padding)
            },
            Error::UnknownPaddingMode { .. } | Error::UnknownFramework(_) => {
                Location::of(Subject::Padding)
            }
            Error::EmptyBlock { block } => Location {
                layer: Some(block.clone()),
                ..Location::of(Subject::Network)
            },
            Error::UnknownArchitecture { .. } => Location::of(Subject::Network),
            Error::Spec(spec) => Location {
                layer: (!spec.path.is_empty()).then(|| spec.path.clone()),
                field: spec.field.clone(),
                ..Location::of(Subject::Network)
            },
            // The smallest size is the news; the layer that refuses the size is where.
            Error::InputTooSmall { source, .. } => Location {
                subject: Subject::Size,
                ..source.location()
            },
            Error::InputSize { .. }
            | Error::TooMuchMemory { .. }
            | Error::SizeSyntax(_)
            | Error::SizeRange(_) => Location::of(Subject::Size),
            Error::Depth { .. } => Location::of(Subject::Depth),
            Error::OutOfRange { location, .. } => location.clone(),
            Error::MapShape(..) | Error::ExportShape { .. } => Location::of(Subject::Request),
            Error::Model(model) => Location {
                layer: model.node.clone(),
                ..Location::of(match model.kind {
                    ModelErrorKind::SwapBreaksShapes { .. } => Subject::Padding,
                    ModelErrorKind::IncrementalTooLarge { .. } => Subject::Size,
                    _ => Subject::Model,
                })
            },
            Error::Detect(detect) => match detect.field {
                DetectField::Model => Location::of(Subject::Model),
                field => Location::of(Subject::Request).with_field(field.name()),
            },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_name_layer_field_and_axis() {
        let error = Error::layer(
            "features.0",
            Axis::Width,
            AxisError::Zero { field: "stride" },
        )
        .in_top_level_layer(3)
        .in_top_level_layer(7);
        let location = error.location();
        assert_eq!(location.subject, Subject::Network);
        assert_eq!(location.layer.as_deref(), Some("features.0"));
        assert_eq!(location.position, Some(3), "the innermost index wins");
        assert_eq!(location.field.as_deref(), Some("stride"));
        assert_eq!(location.axis, Some(Axis::Width));
        assert_eq!(
            error.to_string(),
            "layer `features.0`, width axis: the stride must be at least 1, got 0"
        );
    }

    #[test]
    fn too_small_keeps_the_layer_and_says_the_minimum() {
        let inner = Error::layer(
            "features.4",
            Axis::Height,
            AxisError::KernelLargerThanInput {
                kernel: 2,
                dilation: 1,
                effective: 2,
                input: 1,
                before: 0,
                after: 0,
                padded: 1,
            },
        )
        .in_top_level_layer(4);
        let error = Error::InputTooSmall {
            network: "vgg19".into(),
            height: 7,
            width: 7,
            min_height: 32,
            min_width: 32,
            source: Box::new(inner),
        };
        assert!(error.to_string().starts_with(
            "`vgg19` needs an input of at least 32×32 pixels, got 7×7 (layer `features.4`"
        ));
        let location = error.location();
        assert_eq!(
            (location.subject, location.position),
            (Subject::Size, Some(4))
        );
    }

    #[test]
    fn spec_errors_say_where() {
        let error = Error::Spec(SpecError {
            path: "layers.0".into(),
            field: Some("kernel".into()),
            message: "expected a whole number ≥ 1 or [height, width], got -3".into(),
        });
        assert_eq!(
            error.to_string(),
            "network spec, layer `layers.0`, `kernel`: expected a whole number ≥ 1 or \
             [height, width], got -3"
        );
        assert_eq!(error.location().field.as_deref(), Some("kernel"));
    }
}
