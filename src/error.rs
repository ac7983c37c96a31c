//! The one error type of the core. Every message names what the user can act on: the layer,
//! the axis and the sizes involved (candle's `error.rs` is the model).

use std::fmt;

/// A spatial axis of a 2-D map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    #[error("{what} must be at least 1, got 0")]
    Zero { what: &'static str },
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
    #[error("{value} is too large (at most {max})")]
    TooLarge { value: usize, max: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("layer `{layer}`, {axis} axis: {source}")]
    Layer {
        layer: String,
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
    #[error(
        "input size {height}×{width} would need about {needed_mib} MiB of memory; the limit is \
         {limit_mib} MiB"
    )]
    TooMuchMemory {
        height: usize,
        width: usize,
        needed_mib: usize,
        limit_mib: usize,
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
    #[error("malformed network spec: {0}")]
    Spec(String),
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
}

/// Which of the user's inputs an error is about, so a user interface can put the message
/// beside the right control instead of guessing from its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
    /// Anything else about the request.
    Request,
}

impl Error {
    pub fn layer(layer: &str, axis: Axis, source: AxisError) -> Self {
        Error::Layer {
            layer: layer.to_owned(),
            axis,
            source,
        }
    }

    pub fn subject(&self) -> Subject {
        match self {
            Error::Layer { source, .. } => match source {
                AxisError::PaddingTooWide { .. } => Subject::Padding,
                // A zero or oversized kernel, stride or dilation comes from the spec.
                AxisError::Zero { .. } => Subject::Network,
                AxisError::KernelLargerThanInput { .. }
                | AxisError::EmptyInput
                | AxisError::TooLarge { .. } => Subject::Size,
            },
            // Branches agree under the network's own padding at a size it can run at; they
            // fall out of step when a mode changes the amounts (valid, full).
            Error::BranchMismatch { .. } | Error::UnknownPaddingMode { .. } => Subject::Padding,
            Error::UnknownFramework(_) => Subject::Padding,
            Error::EmptyBlock { .. } | Error::UnknownArchitecture { .. } | Error::Spec(_) => {
                Subject::Network
            }
            Error::InputSize { .. }
            | Error::TooMuchMemory { .. }
            | Error::SizeSyntax(_)
            | Error::SizeRange(_) => Subject::Size,
            Error::Depth { .. } => Subject::Depth,
            Error::MapShape(..) => Subject::Request,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
