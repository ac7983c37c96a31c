//! The shift experiment (definitions.md §5): one placement of the stimulus, and its score as
//! the whole image — background and stimulus together — is translated up, down, left and
//! right by 0 … S pixels, circularly. The slides' detector finds a small traffic light 7 % of
//! the time where it is, 44 % shifted up and 82 % shifted down.

use super::{prepare, DetectRequest, Evaluation, PlacedBox, Placements, Scene};
use crate::error::{DetectErrorKind, DetectField, Error, Result};
use crate::infer::Model;
use serde::Serialize;

/// Which way the image's content moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// `new(y, x) = old(y + d, x)`.
    Up,
    /// `new(y, x) = old(y − d, x)`.
    Down,
    /// `new(y, x) = old(y, x + d)`.
    Left,
    /// `new(y, x) = old(y, x − d)`.
    Right,
}

impl Direction {
    /// In the order of [`ShiftCurve::directions`].
    pub const ALL: [Direction; 4] = [
        Direction::Up,
        Direction::Down,
        Direction::Left,
        Direction::Right,
    ];

    /// `up`, `down`, `left` or `right`, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Left => "left",
            Direction::Right => "right",
        }
    }

    /// How far the content moves, `[dy, dx]`, for a shift of `d` pixels.
    pub fn offset(self, d: usize) -> [isize; 2] {
        let d = d as isize;
        match self {
            Direction::Up => [-d, 0],
            Direction::Down => [d, 0],
            Direction::Left => [0, -d],
            Direction::Right => [0, d],
        }
    }

    /// The largest shift that keeps an s×s stimulus at `[y0, x0]` fully inside the
    /// `[height, width]` image (the corner must already put it inside).
    pub fn room(self, [y0, x0]: [usize; 2], size: usize, [height, width]: [usize; 2]) -> usize {
        match self {
            Direction::Up => y0,
            Direction::Down => height - size - y0,
            Direction::Left => x0,
            Direction::Right => width - size - x0,
        }
    }

    /// The stimulus's corner after a shift of `d` pixels (`d` at most [`Direction::room`]).
    pub fn moved(self, [y0, x0]: [usize; 2], d: usize) -> [usize; 2] {
        match self {
            Direction::Up => [y0 - d, x0],
            Direction::Down => [y0 + d, x0],
            Direction::Left => [y0, x0 - d],
            Direction::Right => [y0, x0 + d],
        }
    }
}

/// The scores of one direction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShiftSeries {
    pub direction: Direction,
    /// The last shift run when complete: the requested maximum, or less where the stimulus
    /// would otherwise cross the border (`0`: it touches that border already).
    pub last: usize,
    /// The score at shift `d = 0, 1, …`; `last + 1` of them when complete, fewer when the run
    /// was cancelled. `scores[0]` is the unshifted placement's, the same in every direction.
    pub scores: Vec<f64>,
}

impl ShiftSeries {
    /// The share of the shifts `d ≥ 1` computed that score at or above `threshold` (0 when
    /// none was).
    pub fn detection_rate(&self, threshold: f64) -> f64 {
        let shifted = self.scores.get(1..).unwrap_or_default();
        if shifted.is_empty() {
            return 0.0;
        }
        shifted.iter().filter(|&&s| s >= threshold).count() as f64 / shifted.len() as f64
    }
}

/// The shift experiment at one placement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShiftCurve {
    /// The placement's top-left corner, `[y0, x0]`, unshifted.
    pub corner: [usize; 2],
    pub stimulus_size: usize,
    /// `[height, width]` of the input.
    pub image: [usize; 2],
    /// The largest shift asked for, `S`.
    pub max_shift: usize,
    /// Up, down, left, right.
    pub directions: [ShiftSeries; 4],
    /// Model runs done: the unshifted one, then every shift up, down, left and right in
    /// turn, `d = 1 …`. Fewer than `total` when cancelled; the series hold what was done.
    pub done: usize,
    pub total: usize,
}

impl ShiftCurve {
    /// Plans `model` once at the request's size and padding, then runs it on the placement at
    /// `corner` (`[y0, x0]`, the stimulus's top-left corner) unshifted and shifted by
    /// `1 … max_shift` pixels in each direction, as far as the stimulus stays inside
    /// (definitions.md §5, the shift experiment). `request.stride` is not read.
    /// `progress(done, total)` is called after each run; returning `false` stops, and the
    /// curve holds what was done (see [`ShiftCurve::done`]).
    pub fn compute(
        model: &Model,
        request: &DetectRequest,
        corner: [usize; 2],
        max_shift: usize,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<ShiftCurve> {
        let (mut plan, image, output) = prepare(model, request, Evaluation::Full)?;
        let size = request.stimulus_size;
        // The stimulus size's own errors (0, larger than the image) first.
        Placements::new(image, size, 1)?;
        let [y0, x0] = corner;
        if y0 + size > image[0] || x0 + size > image[1] {
            return Err(Error::detect(
                DetectField::Corner,
                DetectErrorKind::Outside {
                    y0,
                    x0,
                    size,
                    height: image[0],
                    width: image[1],
                },
            ));
        }
        let scene = Scene::new(
            &request.background,
            &request.stimulus,
            size,
            image,
            request.normalization,
        );
        let directions = Direction::ALL.map(|direction| ShiftSeries {
            direction,
            last: direction.room(corner, size, image).min(max_shift),
            scores: Vec::new(),
        });
        let total = 1 + directions.iter().map(|s| s.last).sum::<usize>();
        let mut curve = ShiftCurve {
            corner,
            stimulus_size: size,
            image,
            max_shift,
            directions,
            done: 0,
            total,
        };
        let mut input = vec![0f32; 3 * image[0] * image[1]];
        let mut score = |direction: Direction, d: usize| -> Result<f64> {
            scene.shifted_input_into(corner, direction.offset(d), &mut input);
            plan.run(&[&input])?;
            let placed = PlacedBox {
                corner: direction.moved(corner, d),
                size,
                image,
            };
            request.score.evaluate(&[plan.value(&output)?], placed)
        };
        let unshifted = score(Direction::Up, 0)?;
        for series in &mut curve.directions {
            series.scores.push(unshifted);
        }
        curve.done = 1;
        if !progress(curve.done, total) {
            return Ok(curve);
        }
        for series in &mut curve.directions {
            for d in 1..=series.last {
                series.scores.push(score(series.direction, d)?);
                curve.done += 1;
                if !progress(curve.done, total) {
                    return Ok(curve);
                }
            }
        }
        Ok(curve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Background, DetectGrid, Score, Stimulus};
    use crate::infer::inspect::Normalization;

    fn model() -> Model {
        let path = format!(
            "{}/tests/onnx/models/resnet18/model.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        Model::from_onnx(std::fs::read(path).unwrap()).unwrap()
    }

    fn request(background: Background) -> DetectRequest {
        DetectRequest {
            size: Some([40, 40]),
            padding: None,
            background,
            stimulus: Stimulus::TrafficLight,
            stimulus_size: 12,
            stride: 4,
            score: Score::Class(3),
            normalization: Normalization::ImageNet,
        }
    }

    fn curve(request: &DetectRequest, corner: [usize; 2], max_shift: usize) -> ShiftCurve {
        ShiftCurve::compute(&model(), request, corner, max_shift, &mut |_, _| true).unwrap()
    }

    fn grid(request: &DetectRequest) -> Vec<f64> {
        DetectGrid::compute(&model(), request, Evaluation::Full, &mut |_, _| true)
            .unwrap()
            .scores
    }

    #[test]
    fn unshifted_is_the_grid_s_score_and_directions_stop_at_the_border() {
        let request = request(Background::Noise { seed: 2 });
        let scores = grid(&request);
        // Grid of (40 − 12)/4 + 1 = 8 per axis; placement (2, 5) has its corner at (8, 20).
        let shifted = curve(&request, [8, 20], 10);
        let lasts = shifted
            .directions
            .each_ref()
            .map(|s| (s.direction, s.last, s.scores.len()));
        // Room: up 8, down 40 − 12 − 8 = 20 (capped at 10), left 20 (10), right 8.
        assert_eq!(
            lasts,
            [
                (Direction::Up, 8, 9),
                (Direction::Down, 10, 11),
                (Direction::Left, 10, 11),
                (Direction::Right, 8, 9)
            ]
        );
        assert_eq!((shifted.done, shifted.total), (37, 37));
        for series in &shifted.directions {
            assert_eq!(series.scores[0].to_bits(), scores[2 * 8 + 5].to_bits());
        }
        // Noise is not translation invariant: shifting changes the score.
        assert!(shifted.directions[0].scores[1..]
            .iter()
            .any(|&s| s != shifted.directions[0].scores[0]));

        // At the top-left corner, up and left have only the unshifted placement; a shift of 0
        // is the placement alone.
        let corner = curve(&request, [0, 0], 3);
        let lens = corner.directions.each_ref().map(|s| s.scores.len());
        assert_eq!(lens, [1, 4, 1, 4]);
        assert_eq!(
            corner.directions[0].scores[0].to_bits(),
            scores[0].to_bits()
        );
        let none = curve(&request, [8, 20], 0);
        assert_eq!(none.directions.each_ref().map(|s| s.scores.len()), [1; 4]);
        assert_eq!(none.total, 1);
        // The bottom-right corner: down and right stop at once.
        let last = curve(&request, [28, 28], 2);
        assert_eq!(last.directions.each_ref().map(|s| s.last), [2, 0, 2, 0]);
        assert_eq!(last.directions[0].scores[0].to_bits(), scores[63].to_bits());
    }

    #[test]
    fn on_grey_a_shift_is_a_move_of_the_placement() {
        // Grey is the same however it is rolled, so shifting the image right by d is placing
        // the stimulus d pixels further right: the grid's score there, bit for bit.
        let request = request(Background::Grey);
        let scores = grid(&request);
        let shifted = curve(&request, [8, 4], 100);
        let at = |y: usize, x: usize| scores[(y / 4) * 8 + x / 4].to_bits();
        let series = |direction: Direction| &shifted.directions[direction as usize].scores;
        assert_eq!(series(Direction::Right).len(), 40 - 12 - 4 + 1);
        for d in [4, 8, 24] {
            assert_eq!(
                series(Direction::Right)[d].to_bits(),
                at(8, 4 + d),
                "right {d}"
            );
        }
        for d in [4, 8] {
            assert_eq!(series(Direction::Up)[d].to_bits(), at(8 - d, 4), "up {d}");
        }
        assert_eq!(series(Direction::Left)[4].to_bits(), at(8, 0));
        assert_eq!(series(Direction::Down)[20].to_bits(), at(28, 4));
        // Not trivially: the score depends on where the stimulus is.
        let right = series(Direction::Right);
        assert!(right.iter().any(|&s| s != right[0]));
    }

    #[test]
    fn a_cancelled_curve_holds_what_was_done_and_bad_corners_are_refused() {
        let request = request(Background::Noise { seed: 2 });
        let mut calls = Vec::new();
        let partial = ShiftCurve::compute(&model(), &request, [8, 20], 3, &mut |done, total| {
            calls.push((done, total));
            done < 6
        })
        .unwrap();
        assert_eq!(calls, (1..=6).map(|done| (done, 13)).collect::<Vec<_>>());
        assert_eq!((partial.done, partial.total), (6, 13));
        // The unshifted run, up 1 … 3, down 1 … 2.
        assert_eq!(
            partial.directions.each_ref().map(|s| s.scores.len()),
            [4, 3, 1, 1]
        );
        assert_eq!(partial.directions.each_ref().map(|s| s.last), [3; 4]);
        let full = curve(&request, [8, 20], 3);
        assert_eq!(
            full.directions[1].scores[..3],
            partial.directions[1].scores[..]
        );

        let error =
            ShiftCurve::compute(&model(), &request, [29, 3], 2, &mut |_, _| true).unwrap_err();
        assert_eq!(
            error.to_string(),
            "corner: a 12×12 stimulus at row 29, column 3 does not lie inside the 40×40 \
             image: its corner can be at rows 0–28 and columns 0–28"
        );
        assert_eq!(error.location().field.as_deref(), Some("corner"));
        let too_large = DetectRequest {
            stimulus_size: 41,
            ..request.clone()
        };
        let error =
            ShiftCurve::compute(&model(), &too_large, [0, 0], 2, &mut |_, _| true).unwrap_err();
        assert_eq!(error.location().field.as_deref(), Some("stimulus_size"));
    }

    #[test]
    fn directions_serialise_by_name() {
        let names = Direction::ALL.map(|d| serde_json::to_string(&d).unwrap());
        assert_eq!(names, ["\"up\"", "\"down\"", "\"left\"", "\"right\""]);
        assert_eq!(
            Direction::ALL.map(Direction::name),
            ["up", "down", "left", "right"]
        );
    }
}
