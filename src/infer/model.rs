//! A model that takes images: an imported graph with one float32 N×C×H×W input. The page, the
//! CLI and the analyses work with this; the bare [`Graph`] and [`Plan`] run any graph (ONNX's
//! conformance tests feed vectors and matrices).

use super::graph::Graph;
use super::plan::{Plan, PlanOptions};
use super::tensor::shape_text;
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::padding::PaddingMode;

/// The most an incremental plan may hold: its buffers and the baseline's copy. 3 GiB, so that
/// it fits a WebAssembly memory (at most 4 GiB, each page worker its own) beside the model's
/// weights. ResNet-18 needs 22 MiB at 224×224, 6.7 GiB at 4000×4000.
pub const MAX_INCREMENTAL_BYTES: usize = 3 << 30;

#[derive(Clone, Debug)]
pub struct Model {
    graph: Graph,
    /// The image input's channels, and its height and width as the model declares them
    /// (`None`: chosen by the user).
    channels: usize,
    declared: [Option<usize>; 2],
}

impl Model {
    /// Reads an ONNX file and checks that it takes images.
    pub fn from_onnx(bytes: impl Into<prost::bytes::Bytes>) -> Result<Model> {
        Model::new(crate::onnx::load(bytes)?)
    }

    pub fn new(graph: Graph) -> Result<Model> {
        let found = || {
            let inputs: Vec<String> = graph
                .inputs
                .iter()
                .map(|i| {
                    let dims: Vec<String> = i
                        .shape
                        .iter()
                        .map(|d| d.map_or("?".to_owned(), |d| d.to_string()))
                        .collect();
                    format!(
                        "`{}` is {} ({})",
                        graph.values[i.value],
                        dims.join("×"),
                        i.elem_type
                    )
                })
                .collect();
            if inputs.is_empty() {
                "it has no input".to_owned()
            } else {
                format!("its input {}", inputs.join(", "))
            }
        };
        let image = match graph.inputs.as_slice() {
            [only]
                if only.shape.len() == 4
                    && only.elem_type == "FLOAT"
                    && only.shape[1].is_some() =>
            {
                only
            }
            _ => {
                return Err(Error::Model(ModelError::new(
                    ModelErrorKind::NoImageInput { found: found() },
                )))
            }
        };
        let channels = image.shape[1].unwrap_or(1);
        let declared = [image.shape[2], image.shape[3]];
        Ok(Model {
            graph,
            channels,
            declared,
        })
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The image size the model declares: `[height, width]`, `None` where it is dynamic.
    pub fn declared_size(&self) -> [Option<usize>; 2] {
        self.declared
    }

    /// Plans one image (batch 1) of `size` (`None`: the declared size), with every
    /// convolution's padding swapped to `padding` (`None`: the model's own), keeping `keep`
    /// readable after a run besides the model's outputs.
    pub fn plan(
        &self,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
        keep: &[String],
    ) -> Result<Plan> {
        self.plan_with(size, padding, keep, false)
    }

    /// As [`Model::plan`], computing only the `keep` values and what they need, not the
    /// model's outputs ([`PlanOptions::only_kept`]).
    pub fn plan_only(
        &self,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
        keep: &[String],
    ) -> Result<Plan> {
        self.plan_with(size, padding, keep, true)
    }

    /// As [`Model::plan`], keeping every run-time value in a buffer of its own, as
    /// [`Plan::run_changed`] needs (but for a convolution's raw output where a batch
    /// normalisation or activation is fused into it, as in the full plan). Refused when those buffers and the baseline's copy of
    /// them would pass [`MAX_INCREMENTAL_BYTES`].
    pub fn plan_incremental(
        &self,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
    ) -> Result<Plan> {
        let shared = self.plan(size, padding, &[])?;
        // Checked before the buffers exist: too much memory would abort, not fail.
        let needed = shared.runtime_elements().saturating_mul(2 * 4);
        if needed > MAX_INCREMENTAL_BYTES {
            let [height, width] = shared
                .inputs()
                .next()
                .and_then(|(_, shape)| shape.get(2..4))
                .map_or([0, 0], |hw| [hw[0], hw[1]]);
            return Err(Error::Model(ModelError::new(
                ModelErrorKind::IncrementalTooLarge {
                    height,
                    width,
                    needed_mib: needed >> 20,
                    limit_mib: MAX_INCREMENTAL_BYTES >> 20,
                },
            )));
        }
        let names = shared.values_kept_for_incremental();
        self.plan(size, padding, &names)
    }

    fn plan_with(
        &self,
        size: Option<[usize; 2]>,
        padding: Option<PaddingMode>,
        keep: &[String],
        only_kept: bool,
    ) -> Result<Plan> {
        let [height, width] = match (size, self.declared) {
            (Some(size), _) => size,
            (None, [Some(h), Some(w)]) => [h, w],
            (None, _) => {
                return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
                    message: format!(
                        "the model's image size is dynamic ({}): choose one",
                        shape_text(&[1, self.channels])
                    ),
                })))
            }
        };
        let options = PlanOptions {
            input_shapes: Some(vec![vec![1, self.channels, height, width]]),
            padding,
            keep: keep.to_vec(),
            only_kept,
        };
        Plan::new(&self.graph, &options)
    }
}
