//! How well one placement is detected, from the model's outputs (definitions.md §5).

use super::SCORES;
use crate::error::{DetectErrorKind, DetectField, Error, Result};
use crate::infer::TensorView;
use std::fmt;

/// IoU a box needs with the placed stimulus when `boxes:K` gives no `@τ`.
pub const DEFAULT_IOU: f64 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Score {
    /// The softmax of the first output, of shape [1, C], at class K.
    Class(usize),
    /// The first output's raw value at K.
    Logit(usize),
    /// The largest value of channel K of the first [1, C, h, w] output over the cells the
    /// stimulus covers.
    Heatmap(usize),
    /// The best score of class K among the first [1, N, 6] output's boxes
    /// (`x1 y1 x2 y2 score class`) that overlap the stimulus by IoU ≥ `iou`; 0 if none.
    Boxes { class: usize, iou: f64 },
}

/// Where the stimulus is: its top-left corner, its side and the image's size, in input
/// pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlacedBox {
    pub corner: [usize; 2],
    pub size: usize,
    /// `[height, width]` of the input.
    pub image: [usize; 2],
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Score::Class(k) => write!(f, "class:{k}"),
            Score::Logit(k) => write!(f, "logit:{k}"),
            Score::Heatmap(k) => write!(f, "heatmap:{k}"),
            Score::Boxes { class, iou } => write!(f, "boxes:{class}@{iou}"),
        }
    }
}

/// A shape as `[1, 1000]`.
fn bracketed(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// Intersection over union of two boxes `[x1, y1, x2, y2]`; a box whose corners are not in
/// order is empty. 0 when both are empty.
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let area = |[x1, y1, x2, y2]: [f64; 4]| (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
    let overlap = [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ];
    let both = if a[2] > a[0] && a[3] > a[1] && b[2] > b[0] && b[3] > b[1] {
        area(overlap)
    } else {
        0.0
    };
    let union = area(a) + area(b) - both;
    if union > 0.0 {
        both / union
    } else {
        0.0
    }
}

impl Score {
    /// `class:K`, `logit:K`, `heatmap:K`, `boxes:K` or `boxes:K@τ` (0 < τ ≤ 1).
    pub fn parse(text: &str) -> Result<Self> {
        let error = |kind| Error::detect(DetectField::Score, kind);
        let Some((name, argument)) = text.split_once(':') else {
            return Err(error(DetectErrorKind::Unknown {
                text: text.to_owned(),
                expected: super::expected(&SCORES),
            }));
        };
        let malformed = |expected: &str| {
            error(DetectErrorKind::Malformed {
                text: text.to_owned(),
                expected: expected.to_owned(),
            })
        };
        let class = |k: &str| {
            k.parse::<usize>().map_err(|_| {
                malformed(&format!("{name}:K with K a class (channel) index, 0, 1, …"))
            })
        };
        match name {
            "class" => Ok(Score::Class(class(argument)?)),
            "logit" => Ok(Score::Logit(class(argument)?)),
            "heatmap" => Ok(Score::Heatmap(class(argument)?)),
            "boxes" => {
                let (k, iou) = match argument.split_once('@') {
                    Some((k, tau)) => {
                        let tau: f64 = tau
                            .parse()
                            .ok()
                            .filter(|t| *t > 0.0 && *t <= 1.0)
                            .ok_or_else(|| {
                                malformed(
                                    "boxes:K@τ with an IoU threshold 0 < τ ≤ 1, e.g. boxes:1@0.6",
                                )
                            })?;
                        (k, tau)
                    }
                    None => (argument, DEFAULT_IOU),
                };
                Ok(Score::Boxes {
                    class: class(k)?,
                    iou,
                })
            }
            _ => Err(error(DetectErrorKind::Unknown {
                text: text.to_owned(),
                expected: super::expected(&SCORES),
            })),
        }
    }

    /// Which of the model's outputs the score reads, by their shapes in the model's order,
    /// checked to fit: shapes are fixed once a model is planned, so a grid checks this before
    /// it runs anything.
    pub fn select<'s>(&self, shapes: impl Iterator<Item = &'s [usize]> + Clone) -> Result<usize> {
        let error = |kind| Error::detect(DetectField::Score, kind);
        let (needs, fits): (&'static str, fn(&[usize]) -> bool) = match self {
            Score::Class(_) | Score::Logit(_) => ("a [1, C]", |s| matches!(s, [1, _])),
            Score::Heatmap(_) => ("a [1, C, h, w]", |s| matches!(s, [1, _, _, _])),
            Score::Boxes { .. } => ("a [1, N, 6]", |s| matches!(s, [1, _, 6])),
        };
        // Classes are the first output's (definitions.md §5); a heatmap or boxes are the first
        // output of their shape, as detectors give several.
        let first_only = matches!(self, Score::Class(_) | Score::Logit(_));
        let candidates = shapes.take(if first_only { 1 } else { usize::MAX });
        let Some((index, shape)) = candidates.clone().enumerate().find(|(_, s)| fits(s)) else {
            let shapes: Vec<String> = candidates.map(bracketed).collect();
            return Err(error(DetectErrorKind::OutputShape {
                score: self.to_string(),
                needs,
                got: if shapes.is_empty() {
                    "no output".to_owned()
                } else {
                    shapes.join(" and ")
                },
            }));
        };
        let classes = shape[1];
        if let Score::Class(k) | Score::Logit(k) | Score::Heatmap(k) = *self {
            if k >= classes {
                let which = if first_only {
                    "the first output"
                } else {
                    "the output"
                };
                return Err(error(DetectErrorKind::ClassOutOfRange {
                    score: self.to_string(),
                    output: format!("{which} {}", bracketed(shape)),
                    classes,
                }));
            }
        }
        Ok(index)
    }

    /// The score of one placement from the model's outputs (in the model's order; a grid
    /// passes only the one [`Score::select`] chose).
    pub fn evaluate(&self, outputs: &[TensorView], placed: PlacedBox) -> Result<f64> {
        let output = outputs[self.select(outputs.iter().map(|o| o.shape))?];
        let k = match *self {
            Score::Class(k) | Score::Logit(k) | Score::Heatmap(k) => k,
            Score::Boxes { class, .. } => class,
        };
        let data = output.data;
        Ok(match *self {
            Score::Logit(_) => f64::from(data[k]),
            Score::Class(_) => {
                let max = data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exp = |v: f32| f64::from(v - max).exp();
                exp(data[k]) / data.iter().map(|&v| exp(v)).sum::<f64>()
            }
            Score::Heatmap(_) => {
                // `select` chose a 4-axis output; said again as an error rather than a panic.
                let &[_, _, h, w] = output.shape else {
                    return Err(Error::detect(
                        DetectField::Score,
                        DetectErrorKind::OutputShape {
                            score: self.to_string(),
                            needs: "a [1, C, h, w]",
                            got: bracketed(output.shape),
                        },
                    ));
                };
                let [height, width] = placed.image;
                let [y0, x0] = placed.corner;
                let last = placed.size - 1;
                let rows = (y0 * h / height)..=((y0 + last) * h / height);
                let columns = (x0 * w / width)..=((x0 + last) * w / width);
                let plane = &data[k * h * w..(k + 1) * h * w];
                rows.flat_map(|y| columns.clone().map(move |x| y * w + x))
                    .map(|i| f64::from(plane[i]))
                    .fold(f64::NEG_INFINITY, f64::max)
            }
            Score::Boxes { iou: tau, .. } => {
                let [y0, x0] = placed.corner.map(|v| v as f64);
                let s = placed.size as f64;
                let stimulus = [x0, y0, x0 + s, y0 + s];
                data.chunks_exact(6)
                    .filter(|b| f64::from(b[5]).round() == k as f64)
                    .filter(|b| {
                        let corners = [b[0], b[1], b[2], b[3]].map(f64::from);
                        iou(corners, stimulus) >= tau
                    })
                    .map(|b| f64::from(b[4]))
                    .fold(None, |best: Option<f64>, v| {
                        Some(best.map_or(v, |b| b.max(v)))
                    })
                    .unwrap_or(0.0)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(shape: &'a [usize], data: &'a [f32]) -> TensorView<'a> {
        TensorView { shape, data }
    }

    const PLACED: PlacedBox = PlacedBox {
        corner: [4, 8],
        size: 4,
        image: [16, 16],
    };

    #[test]
    fn parsing_reads_every_form_and_says_what_is_allowed() {
        assert_eq!(Score::parse("class:3").unwrap(), Score::Class(3));
        assert_eq!(Score::parse("logit:0").unwrap(), Score::Logit(0));
        assert_eq!(Score::parse("heatmap:2").unwrap(), Score::Heatmap(2));
        assert_eq!(
            Score::parse("boxes:1@0.6").unwrap(),
            Score::Boxes { class: 1, iou: 0.6 }
        );
        assert_eq!(
            Score::parse("boxes:1").unwrap(),
            Score::Boxes { class: 1, iou: 0.5 }
        );
        for (bad, says) in [
            ("class", "unknown `class`; expected class:K"),
            ("prob:1", "unknown `prob:1`"),
            (
                "class:-1",
                "malformed `class:-1`: expected class:K with K a class",
            ),
            ("boxes:1@0", "0 < τ ≤ 1"),
            ("boxes:1@1.5", "0 < τ ≤ 1"),
            ("boxes:x@0.5", "malformed `boxes:x@0.5`"),
        ] {
            let message = Score::parse(bad).unwrap_err().to_string();
            assert!(message.starts_with("score: "), "{message}");
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn class_is_the_softmax_and_logit_the_raw_value() {
        let logits = [1.0, 3.0, 2.0];
        let output = [view(&[1, 3], &logits)];
        let total: f64 = logits.iter().map(|&v: &f32| f64::from(v).exp()).sum();
        let p = Score::Class(1).evaluate(&output, PLACED).unwrap();
        assert!((p - 3f64.exp() / total).abs() < 1e-12);
        assert_eq!(Score::Logit(2).evaluate(&output, PLACED).unwrap(), 2.0);
        // Large logits do not overflow.
        let large = [view(&[1, 2], &[1000.0, 1000.0])];
        assert_eq!(Score::Class(0).evaluate(&large, PLACED).unwrap(), 0.5);
    }

    #[test]
    fn bad_shapes_and_classes_say_what_fits() {
        let logits = vec![0f32; 1000];
        let output = [view(&[1, 1000], &logits)];
        let error = Score::Class(1000).evaluate(&output, PLACED).unwrap_err();
        assert_eq!(
            error.to_string(),
            "score: class:1000 but the first output [1, 1000] has 1000 classes (0–999)"
        );
        assert_eq!(error.location().field.as_deref(), Some("score"));
        assert_eq!(
            Score::Heatmap(2)
                .evaluate(&output, PLACED)
                .unwrap_err()
                .to_string(),
            "score: heatmap:2 needs a [1, C, h, w] output, got [1, 1000]"
        );
        assert_eq!(
            Score::Boxes { class: 0, iou: 0.5 }
                .evaluate(&output, PLACED)
                .unwrap_err()
                .to_string(),
            "score: boxes:0@0.5 needs a [1, N, 6] output, got [1, 1000]"
        );
        let map = vec![0f32; 2 * 4 * 4];
        let maps = [view(&[1, 2, 4, 4], &map)];
        assert!(Score::Logit(0)
            .evaluate(&maps, PLACED)
            .unwrap_err()
            .to_string()
            .contains("needs a [1, C] output, got [1, 2, 4, 4]"));
        assert!(Score::Heatmap(2)
            .evaluate(&maps, PLACED)
            .unwrap_err()
            .to_string()
            .contains("has 2 classes (0–1)"));
    }

    #[test]
    fn heatmap_reads_the_cells_the_stimulus_covers() {
        // A 1×2×4×4 map over a 16×16 image: the stimulus at rows 4–7, columns 8–11 covers
        // cell row 1 and cell column 2 (⌊4·4/16⌋ … ⌊7·4/16⌋ = 1 … 1; ⌊8/4⌋ … ⌊11/4⌋ = 2 … 2).
        let mut data = vec![0f32; 32];
        data[16 + 4 + 2] = 0.7; // channel 1, cell (1, 2)
        data[16 + 4 + 3] = 0.9; // channel 1, cell (1, 3): not covered
        data[4 + 2] = 5.0; // channel 0
        let maps = [view(&[1, 1000], &[0.0; 1000]), view(&[1, 2, 4, 4], &data)];
        assert_eq!(
            Score::Heatmap(1).evaluate(&maps, PLACED).unwrap(),
            0.7f32 as f64
        );
        assert_eq!(Score::Heatmap(0).evaluate(&maps, PLACED).unwrap(), 5.0);
        // Straddling cells: rows 2–5 cover cells 0 and 1.
        let straddling = PlacedBox {
            corner: [2, 8],
            ..PLACED
        };
        data[16 + 2] = 0.8; // channel 1, cell (0, 2)
        let maps = [view(&[1, 2, 4, 4], &data)];
        assert_eq!(
            Score::Heatmap(1).evaluate(&maps, straddling).unwrap(),
            0.8f32 as f64
        );
        // The largest value even when all are negative.
        let negative = vec![-1f32; 32];
        let maps = [view(&[1, 2, 4, 4], &negative)];
        assert_eq!(Score::Heatmap(1).evaluate(&maps, PLACED).unwrap(), -1.0);
    }

    #[test]
    fn iou_edge_cases() {
        let a = [0.0, 0.0, 4.0, 4.0];
        assert_eq!(iou(a, a), 1.0);
        assert_eq!(iou(a, [4.0, 0.0, 8.0, 4.0]), 0.0, "touching edges");
        assert_eq!(iou(a, [10.0, 10.0, 12.0, 12.0]), 0.0, "apart");
        assert_eq!(iou(a, [2.0, 0.0, 6.0, 4.0]), 8.0 / 24.0, "half overlap");
        assert_eq!(iou(a, [1.0, 1.0, 3.0, 3.0]), 4.0 / 16.0, "inside");
        assert_eq!(iou(a, [4.0, 4.0, 0.0, 0.0]), 0.0, "corners reversed: empty");
        assert_eq!(
            iou([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
            0.0,
            "both empty"
        );
        assert_eq!(iou(a, [f64::NAN, 0.0, 4.0, 4.0]), 0.0, "NaN is no box");
    }

    #[test]
    fn boxes_take_the_best_overlapping_box_of_the_class() {
        // The stimulus is x 8–12, y 4–8.
        #[rustfmt::skip]
        let boxes = [
            8.0, 4.0, 12.0, 8.0, 0.6, 1.0, // exact, class 1
            9.0, 4.0, 13.0, 8.0, 0.9, 1.0, // IoU 12/20 = 0.6, class 1
            8.0, 4.0, 12.0, 8.0, 0.95, 2.0, // exact, class 2
            0.0, 0.0, 4.0, 4.0, 0.99, 1.0, // elsewhere
        ];
        let output = [view(&[1, 4, 6], &boxes)];
        let score = |class, iou| {
            Score::Boxes { class, iou }
                .evaluate(&output, PLACED)
                .unwrap()
        };
        assert_eq!(score(1, 0.5), 0.9f32 as f64);
        assert_eq!(score(1, 0.6), 0.9f32 as f64, "IoU exactly τ counts");
        assert_eq!(score(1, 0.7), 0.6f32 as f64);
        assert_eq!(score(2, 0.5), 0.95f32 as f64);
        assert_eq!(score(3, 0.5), 0.0, "no box of the class");
        let empty = [view(&[1, 0, 6], &[])];
        assert_eq!(
            Score::Boxes { class: 1, iou: 0.5 }
                .evaluate(&empty, PLACED)
                .unwrap(),
            0.0
        );
    }
}
