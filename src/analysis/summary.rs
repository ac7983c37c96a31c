//! Summary figures of a utilization map (README.md, "Summary figures").

use super::UtilizationMap;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub height: usize,
    pub width: usize,
    /// Stored values, as the map's: raw count = value · 2^log2_scale (a deep network's raw
    /// counts pass f64's range, so they are not multiplied out here). The centre is the mean
    /// of the middle pixel, or of the middle two (rows, columns) when a side is even, so that
    /// it is mirror-symmetric (definitions.md §3).
    pub centre: f64,
    pub min: f64,
    pub max: f64,
    /// Mean of the four corner pixels over the centre.
    pub corner_to_centre: f64,
    /// Mean of the first column over the mean of the last: > 1 means the left border is
    /// used more than the right.
    pub left_to_right: f64,
    /// Mean of the first row over the mean of the last.
    pub top_to_bottom: f64,
    /// 0 unless the counts exceed 2^512.
    pub log2_scale: i32,
}

/// The smallest, smallest positive and largest of the finite values (infinities when there
/// are none), in one pass of plain comparisons: folding with `f64::min` and a filter took
/// 0.65 ms for a 512² map, most of a VGG-19 map's own time (BENCHMARKS.md).
pub fn extremes(values: impl IntoIterator<Item = f64>) -> (f64, f64, f64) {
    let (mut min, mut min_positive, mut max) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if v.is_finite() {
            if v < min {
                min = v;
            }
            if v > max {
                max = v;
            }
            if v > 0.0 && v < min_positive {
                min_positive = v;
            }
        }
    }
    (min, min_positive, max)
}

/// The middle index of `0..n`, or the middle two when `n` is even, so that the centre of a
/// mirror-symmetric map is itself mirror-symmetric.
pub fn middle(n: usize) -> std::ops::Range<usize> {
    if n % 2 == 1 {
        n / 2..n / 2 + 1
    } else {
        n / 2 - 1..n / 2 + 1
    }
}

/// The centre row and column profiles of a map (definitions.md §3): the row is the mean of
/// the middle one or two rows, the column of the middle one or two columns, in stored
/// values. Returned with the rows and columns they average.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CentreProfiles {
    pub row: Vec<f64>,
    pub column: Vec<f64>,
    pub rows: Vec<usize>,
    pub columns: Vec<usize>,
}

pub fn centre_profiles(values: &ndarray::Array2<f64>) -> CentreProfiles {
    let (h, w) = values.dim();
    let mean = |view: ndarray::ArrayView1<f64>| view.mean().unwrap_or(0.0);
    CentreProfiles {
        row: (0..w)
            .map(|x| mean(values.slice(ndarray::s![middle(h), x])))
            .collect(),
        column: (0..h)
            .map(|y| mean(values.slice(ndarray::s![y, middle(w)])))
            .collect(),
        rows: middle(h).collect(),
        columns: middle(w).collect(),
    }
}

impl Summary {
    pub fn of(map: &UtilizationMap) -> Self {
        let values = &map.values;
        let (h, w) = values.dim();
        let (min, _, max) = extremes(values.iter().copied());
        let centre_block = values.slice(ndarray::s![middle(h), middle(w)]);
        let centre = centre_block.mean().unwrap_or(0.0);
        let corners =
            (values[(0, 0)] + values[(0, w - 1)] + values[(h - 1, 0)] + values[(h - 1, w - 1)])
                / 4.0;
        let mean = |view: ndarray::ArrayView1<f64>| view.mean().unwrap_or(0.0);
        Summary {
            height: h,
            width: w,
            centre,
            min,
            max,
            corner_to_centre: corners / centre,
            left_to_right: mean(values.column(0)) / mean(values.column(w - 1)),
            top_to_bottom: mean(values.row(0)) / mean(values.row(h - 1)),
            log2_scale: map.log2_scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::utilization;
    use crate::net::zoo;

    #[test]
    fn resnet50_at_224_favours_top_left() {
        let net = zoo::build("resnet50").unwrap();
        let s = Summary::of(&utilization(&net, [224, 224], None, None).unwrap());
        assert!(s.left_to_right > 1.0 && s.top_to_bottom > 1.0, "{s:?}");
        assert!(s.corner_to_centre < 1.0);
        let s = Summary::of(&utilization(&net, [225, 225], None, None).unwrap());
        assert_eq!((s.left_to_right, s.top_to_bottom), (1.0, 1.0));
    }

    #[test]
    fn profiles_run_through_the_centre() {
        let values = ndarray::Array2::from_shape_fn((3, 4), |(y, x)| (10 * y + x) as f64);
        let p = centre_profiles(&values);
        assert_eq!((p.rows, p.columns), (vec![1], vec![1, 2]));
        assert_eq!(p.row, vec![10.0, 11.0, 12.0, 13.0]);
        assert_eq!(p.column, vec![1.5, 11.5, 21.5]);
    }

    #[test]
    fn deep_networks_keep_finite_figures() {
        // 2000 stride-1 3×3 convs: the centre's raw count is about 9^2000, far past f64.
        let layers = (0..2000)
            .map(|i| crate::net::Layer::conv(format!("c{i}"), 3, 1, 1))
            .collect();
        let net = crate::net::Network {
            name: "deep".into(),
            layers,
        };
        let s = Summary::of(&utilization(&net, [16, 16], None, None).unwrap());
        assert!(s.log2_scale > 1024, "{s:?}");
        for value in [s.centre, s.min, s.max, s.corner_to_centre] {
            assert!(value.is_finite() && value > 0.0, "{s:?}");
        }
    }
}
