//! Stimulus-detectability grids (definitions.md §5): a stimulus placed at every position of a
//! grid over a background, the model run at each, and a score of how well it is detected.
//! Where the grid goes dark, the network has a blind spot (the paper's claim 4).
//!
//! A [`Detector`] plans the model once and scores placements one by one, running the whole
//! model or only what the stimulus changes; [`DetectGrid`] runs it over the whole grid.
//! `shift.rs` holds the slides' shift experiment: one placement, the whole image shifted.

pub mod scene;
pub mod score;
pub mod shift;

pub use scene::{Background, RgbImage, RgbaImage, Scene, Stimulus};
pub use score::{PlacedBox, Score};
pub use shift::{Direction, ShiftCurve, ShiftSeries};

use crate::error::{
    DetectErrorKind, DetectField, Error, Location, ModelError, ModelErrorKind, Result, Subject,
};
use crate::infer::inspect::Normalization;
use crate::infer::plan::{Baseline, Plan};
use crate::infer::Model;
use crate::padding::PaddingMode;
use serde::Serialize;

/// One kind of background, stimulus or score: the page's menus and the CLI's help and errors
/// read these tables, so a name lives here only.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Kind {
    pub name: &'static str,
    /// How it is written, e.g. `noise:SEED`; an image is given as a file.
    pub syntax: &'static str,
    pub label: &'static str,
}

pub const BACKGROUNDS: [Kind; 3] = [
    Kind {
        name: "grey",
        syntax: "grey",
        label: "grey (0.5)",
    },
    Kind {
        name: "noise",
        syntax: "noise:SEED",
        label: "uniform RGB noise, seeded",
    },
    Kind {
        name: "image",
        syntax: "an image",
        label: "an image, resized to the input (bilinear)",
    },
];

pub const STIMULI: [Kind; 4] = [
    Kind {
        name: "traffic-light",
        syntax: "traffic-light",
        label: "traffic light",
    },
    Kind {
        name: "disk",
        syntax: "disk",
        label: "white disk",
    },
    Kind {
        name: "square",
        syntax: "square",
        label: "white square",
    },
    Kind {
        name: "image",
        syntax: "an image",
        label: "an image with alpha, resized to the stimulus size (bilinear)",
    },
];

pub const SCORES: [Kind; 4] = [
    Kind {
        name: "class",
        syntax: "class:K",
        label: "softmax probability of class K ([1, C] output)",
    },
    Kind {
        name: "logit",
        syntax: "logit:K",
        label: "raw output K ([1, C] output)",
    },
    Kind {
        name: "heatmap",
        syntax: "heatmap:K",
        label: "largest value of channel K under the stimulus ([1, C, h, w] output)",
    },
    Kind {
        name: "boxes",
        syntax: "boxes:K[@τ]",
        label: "best score of a class-K box overlapping the stimulus by IoU ≥ τ ([1, N, 6] output)",
    },
];

/// The scores whose values are probabilities, in [0, 1] (a softmax; a detector's box
/// score): the page colours them on that range, the others on the grid's own.
pub const PROBABILITY_SCORES: [&str; 2] = ["class", "boxes"];
/// The scores that take an IoU threshold τ (`boxes:K@τ`).
pub const SCORES_WITH_IOU: [&str; 1] = ["boxes"];

/// The defaults of a detectability grid: the benchmark (16-px stimulus, stride 7).
pub const DEFAULT_STIMULUS_SIZE: usize = 16;
pub const DEFAULT_STRIDE: usize = 7;
/// A placement is detected when its score is at least this.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// `a, b or c` of a table's syntaxes, for errors.
fn expected(kinds: &[Kind]) -> String {
    match kinds {
        [] => String::new(),
        [only] => only.syntax.to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(|k| k.syntax).collect();
            format!("{} or {}", rest.join(", "), last.syntax)
        }
    }
}

/// The placements of an s×s stimulus with stride g over an H×W image: top-left corners
/// `(i·g, j·g)`, `i = 0 … ⌊(H − s)/g⌋`, `j = 0 … ⌊(W − s)/g⌋`. The stimulus always lies fully
/// inside, touching the top and left borders at `i = 0`, `j = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Placements {
    pub size: usize,
    pub stride: usize,
    pub rows: usize,
    pub cols: usize,
    /// `[height, width]` of the image.
    pub image: [usize; 2],
}

impl Placements {
    pub fn new(image: [usize; 2], size: usize, stride: usize) -> Result<Self> {
        if size == 0 {
            return Err(Error::detect(
                DetectField::StimulusSize,
                DetectErrorKind::Zero,
            ));
        }
        if stride == 0 {
            return Err(Error::detect(DetectField::Stride, DetectErrorKind::Zero));
        }
        let [height, width] = image;
        if size > height || size > width {
            return Err(Error::detect(
                DetectField::StimulusSize,
                DetectErrorKind::LargerThanImage {
                    size,
                    height,
                    width,
                },
            ));
        }
        Ok(Placements {
            size,
            stride,
            rows: (height - size) / stride + 1,
            cols: (width - size) / stride + 1,
            image,
        })
    }

    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Placement `index` (row-major over the grid) as a box on the image.
    pub fn placed(&self, index: usize) -> PlacedBox {
        let (i, j) = (index / self.cols, index % self.cols);
        PlacedBox {
            corner: [i * self.stride, j * self.stride],
            size: self.size,
            image: self.image,
        }
    }
}

/// What a detectability grid is of.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectRequest {
    /// The input size, `[height, width]`; `None`: the size the model declares.
    pub size: Option<[usize; 2]>,
    /// Every convolution's padding swapped to this mode (definitions.md §7); `None`: the
    /// model's own.
    pub padding: Option<PaddingMode>,
    pub background: Background,
    pub stimulus: Stimulus,
    pub stimulus_size: usize,
    pub stride: usize,
    pub score: Score,
    pub normalization: Normalization,
}

/// The scores, row-major over the placements.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    /// One per placement; NaN for those not computed (a cancelled run).
    pub scores: Vec<f64>,
    /// Placements computed, in row-major order: all of them unless cancelled.
    pub done: usize,
}

impl Grid {
    /// The share of the computed placements scoring at or above `threshold` (0 when none
    /// was computed).
    pub fn detection_rate(&self, threshold: f64) -> f64 {
        let scores = &self.scores[..self.done];
        if scores.is_empty() {
            return 0.0;
        }
        scores.iter().filter(|&&s| s >= threshold).count() as f64 / scores.len() as f64
    }
}

/// Checks a detection threshold: any finite number (scores are probabilities, logits or a
/// detector's own values).
pub fn check_threshold(threshold: f64) -> Result<f64> {
    if threshold.is_finite() {
        Ok(threshold)
    } else {
        Err(Error::out_of_range(
            "the detection threshold",
            threshold,
            [f64::MIN, f64::MAX],
            Location::of(Subject::Request).with_field("threshold"),
        ))
    }
}

/// How a grid's placements are run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evaluation {
    /// The whole model at every placement.
    Full,
    /// The background once, then per placement only what the stimulus can change
    /// (definitions.md §5, changed regions): equal to [`Evaluation::Full`] bit for bit.
    Incremental,
}

/// What every computation of §5 starts with: `model` planned once at the request's size and
/// padding (as `evaluation` says), the input's `[height, width]`, and the name of the output
/// the score reads. Planned shapes are final, so a model that does not take RGB images or a
/// score that does not fit its outputs is refused here, before any run.
fn prepare(
    model: &Model,
    request: &DetectRequest,
    evaluation: Evaluation,
) -> Result<(Plan, [usize; 2], String)> {
    if model.channels() != 3 {
        return Err(Error::detect(
            DetectField::Model,
            DetectErrorKind::Channels {
                channels: model.channels(),
            },
        ));
    }
    let plan = match evaluation {
        Evaluation::Full => model.plan(request.size, request.padding, &[])?,
        Evaluation::Incremental => model.plan_incremental(request.size, request.padding)?,
    };
    // A `Model` has one N×C×H×W input (it refuses others when it is made).
    let Some((_, &[_, _, h, w])) = plan.inputs().next() else {
        return Err(Error::Model(ModelError::new(ModelErrorKind::Shape {
            message: "the model's input is not one N×C×H×W image".into(),
        })));
    };
    let outputs: Vec<String> = plan.output_names().map(str::to_owned).collect();
    let shapes = outputs
        .iter()
        .map(|name| Ok(plan.value(name)?.shape.to_vec()))
        .collect::<Result<Vec<_>>>()?;
    let output = outputs[request.score.select(shapes.iter().map(Vec::as_slice))?].clone();
    Ok((plan, [h, w], output))
}

/// A model planned once for one request, ready to score any of its placements: what a worker
/// holds while it computes its share of a grid (the page spreads placements over a pool).
pub struct Detector {
    plan: Plan,
    /// The background's run, when incremental: every value a placement does not change.
    baseline: Option<Baseline>,
    scene: Scene,
    placements: Placements,
    /// The output the score reads, chosen once: planned shapes are final.
    output: String,
    score: Score,
    /// The input of the placement being run, reused.
    input: Vec<f32>,
}

impl Detector {
    /// Plans `model` at the request's size and padding, checks that the score fits its
    /// outputs and, when incremental, runs the background once.
    pub fn new(model: &Model, request: &DetectRequest, evaluation: Evaluation) -> Result<Self> {
        let (mut plan, image, output) = prepare(model, request, evaluation)?;
        let placements = Placements::new(image, request.stimulus_size, request.stride)?;
        let scene = Scene::new(
            &request.background,
            &request.stimulus,
            request.stimulus_size,
            image,
            request.normalization,
        );
        let baseline = match evaluation {
            Evaluation::Full => None,
            Evaluation::Incremental => {
                plan.run(&[scene.background_input()])?;
                Some(plan.baseline()?)
            }
        };
        Ok(Detector {
            plan,
            baseline,
            scene,
            placements,
            output,
            score: request.score,
            input: vec![0f32; 3 * image[0] * image[1]],
        })
    }

    pub fn placements(&self) -> Placements {
        self.placements
    }

    /// The background as opaque 8-bit RGBA, H×W row by row: what the grid is drawn over.
    pub fn background_rgba8(&self) -> Vec<u8> {
        self.scene.background_rgba8()
    }

    /// The score of placement `index` (row-major over the grid).
    pub fn score(&mut self, index: usize) -> Result<f64> {
        if index >= self.placements.len() {
            return Err(Error::out_of_range(
                "the placement",
                index as f64,
                [0.0, self.placements.len() as f64 - 1.0],
                Location::of(Subject::Request).with_field("placement"),
            ));
        }
        let placed = self.placements.placed(index);
        self.scene.input_into(placed.corner, &mut self.input);
        let [y0, x0] = placed.corner;
        let s = self.placements.size;
        let regions = match &self.baseline {
            None => {
                self.plan.run(&[&self.input])?;
                None
            }
            Some(baseline) => {
                let regions = self.plan.changed_regions(y0..y0 + s, x0..x0 + s);
                self.plan.run_changed(baseline, &self.input, &regions)?;
                Some(regions)
            }
        };
        let score = self
            .score
            .evaluate(&[self.plan.value(&self.output)?], placed);
        if let (Some(baseline), Some(regions)) = (&self.baseline, &regions) {
            self.plan.restore(baseline, regions);
        }
        score
    }
}

/// A detectability grid.
pub struct DetectGrid;

impl DetectGrid {
    /// Plans `model` once at the request's size and padding, then runs it at every placement
    /// in row-major order, as `evaluation` says. `progress(done, total)` is called after each
    /// placement; returning `false` stops the run, and the grid holds what was done.
    pub fn compute(
        model: &Model,
        request: &DetectRequest,
        evaluation: Evaluation,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Grid> {
        let mut detector = Detector::new(model, request, evaluation)?;
        let placements = detector.placements();
        let total = placements.len();
        let mut grid = Grid {
            rows: placements.rows,
            cols: placements.cols,
            scores: vec![f64::NAN; total],
            done: 0,
        };
        for index in 0..total {
            grid.scores[index] = detector.score(index)?;
            grid.done = index + 1;
            if !progress(grid.done, total) {
                break;
            }
        }
        Ok(grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_include_both_borders() {
        // 224 px, 16-px stimulus, stride 7: corners 0, 7, …, 203 — 30 per axis; the last
        // stimulus covers pixels 203 … 218, 5 px short of the border.
        let p = Placements::new([224, 224], 16, 7).unwrap();
        assert_eq!((p.rows, p.cols, p.len()), (30, 30, 900));
        assert_eq!(p.placed(899).corner, [203, 203]);
        // Stride dividing H − s: the last stimulus touches the bottom and right borders.
        let p = Placements::new([32, 20], 4, 4).unwrap();
        assert_eq!((p.rows, p.cols), (8, 5));
        assert_eq!(p.placed(0).corner, [0, 0]);
        assert_eq!(p.placed(p.len() - 1).corner, [28, 16]);
        assert_eq!(p.placed(6).corner, [4, 4]);
        // A stimulus as large as the image: one placement.
        let one = Placements::new([9, 9], 9, 3).unwrap();
        assert_eq!(one.len(), 1);
        // Stride 1: every position.
        assert_eq!(Placements::new([10, 12], 3, 1).unwrap().len(), 8 * 10);
    }

    #[test]
    fn placements_refuse_what_cannot_be_placed() {
        let message = |r: Result<Placements>| r.unwrap_err().to_string();
        assert_eq!(
            message(Placements::new([32, 20], 21, 4)),
            "stimulus size: a stimulus of 21×21 pixels does not fit in the 32×20 image"
        );
        assert_eq!(
            message(Placements::new([32, 32], 4, 0)),
            "stride: must be at least 1, got 0"
        );
        assert_eq!(
            message(Placements::new([32, 32], 0, 1)),
            "stimulus size: must be at least 1, got 0"
        );
        let error = Placements::new([32, 32], 4, 0).unwrap_err();
        assert_eq!(error.location().field.as_deref(), Some("stride"));
    }

    #[test]
    fn the_detection_rate_counts_scores_at_or_above_the_threshold() {
        let grid = Grid {
            rows: 2,
            cols: 2,
            scores: vec![0.2, 0.5, 0.7, f64::NAN],
            done: 3,
        };
        assert_eq!(grid.detection_rate(0.5), 2.0 / 3.0);
        assert_eq!(grid.detection_rate(0.8), 0.0);
        assert!(check_threshold(f64::NAN).is_err());
    }

    #[test]
    fn the_tables_name_what_parsing_reads() {
        assert_eq!(
            expected(&SCORES),
            "class:K, logit:K, heatmap:K or boxes:K[@τ]"
        );
        for kind in STIMULI.iter().filter(|k| k.name != "image") {
            assert!(Stimulus::parse(kind.syntax).is_ok(), "{}", kind.name);
        }
        assert!(Background::parse("grey").is_ok() && Background::parse("noise:1").is_ok());
        for (kind, example) in SCORES
            .iter()
            .zip(["class:1", "logit:1", "heatmap:1", "boxes:1"])
        {
            assert!(example.starts_with(kind.name));
            assert!(Score::parse(example).is_ok());
        }
    }

    fn model(name: &str) -> Model {
        let path = format!(
            "{}/tests/onnx/models/{name}/model.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        Model::from_onnx(std::fs::read(path).unwrap()).unwrap()
    }

    fn request() -> DetectRequest {
        DetectRequest {
            size: Some([40, 40]),
            padding: None,
            background: Background::Noise { seed: 1 },
            stimulus: Stimulus::Disk,
            stimulus_size: 12,
            stride: 9,
            score: Score::Class(3),
            normalization: Normalization::ImageNet,
        }
    }

    #[test]
    fn a_grid_runs_the_model_at_each_placement() {
        let resnet = model("resnet18");
        let request = request();
        let mut calls = Vec::new();
        let grid = DetectGrid::compute(&resnet, &request, Evaluation::Full, &mut |done, total| {
            calls.push((done, total));
            true
        })
        .unwrap();
        // ⌊(40 − 12)/9⌋ + 1 = 4 per axis.
        assert_eq!((grid.rows, grid.cols, grid.done), (4, 4, 16));
        assert_eq!(calls.len(), 16);
        assert_eq!(calls[15], (16, 16));
        assert!(grid.scores.iter().all(|s| (0.0..=1.0).contains(s)));
        // Each score is the model's on the composited image: placement (1, 2) by hand.
        let scene = Scene::new(
            &request.background,
            &request.stimulus,
            12,
            [40, 40],
            request.normalization,
        );
        let mut input = vec![0f32; 3 * 40 * 40];
        scene.input_into([9, 18], &mut input);
        let mut plan = resnet.plan(Some([40, 40]), None, &[]).unwrap();
        plan.run(&[&input]).unwrap();
        let logits = plan.value("output").unwrap();
        let max = logits
            .data
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let exp = |v: f32| f64::from(v - max).exp();
        let p = exp(logits.data[3]) / logits.data.iter().map(|&v| exp(v)).sum::<f64>();
        assert!(
            (grid.scores[6] - p).abs() < 1e-9,
            "{} vs {p}",
            grid.scores[6]
        );
        // The stimulus changes the output: the scores are not all the same.
        assert!(grid.scores.iter().any(|&s| s != grid.scores[0]));
    }

    #[test]
    fn incremental_grids_equal_full_ones() {
        let resnet = model("resnet18");
        for padding in [
            None,
            Some(PaddingMode::Circular),
            Some(PaddingMode::Reflect),
        ] {
            let request = DetectRequest {
                padding,
                stimulus_size: 8,
                stride: 4,
                ..request()
            };
            let grid = |evaluation| {
                DetectGrid::compute(&resnet, &request, evaluation, &mut |_, _| true).unwrap()
            };
            let (full, incremental) = (grid(Evaluation::Full), grid(Evaluation::Incremental));
            assert_eq!(full.done, 81);
            let same = full
                .scores
                .iter()
                .zip(&incremental.scores)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same,
                "{padding:?}: {:?} vs {:?}",
                full.scores, incremental.scores
            );
        }
    }

    #[test]
    fn a_grid_stops_when_cancelled_and_refuses_bad_requests() {
        let resnet = model("resnet18");
        let grid = DetectGrid::compute(&resnet, &request(), Evaluation::Full, &mut |done, _| {
            done < 5
        })
        .unwrap();
        assert_eq!(grid.done, 5);
        assert!(grid.scores[..5].iter().all(|s| s.is_finite()));
        assert!(grid.scores[5..].iter().all(|s| s.is_nan()));
        assert_eq!(grid.detection_rate(0.0), 1.0);
        let too_large = DetectRequest {
            stimulus_size: 41,
            ..request()
        };
        let error = DetectGrid::compute(&resnet, &too_large, Evaluation::Full, &mut |_, _| true)
            .unwrap_err();
        assert_eq!(error.location().field.as_deref(), Some("stimulus_size"));
        let heatmap = DetectRequest {
            score: Score::Heatmap(0),
            ..request()
        };
        assert_eq!(
            DetectGrid::compute(&resnet, &heatmap, Evaluation::Full, &mut |_, _| true)
                .unwrap_err()
                .to_string(),
            "score: heatmap:0 needs a [1, C, h, w] output, got [1, 1000]"
        );
    }
}
