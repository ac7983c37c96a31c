//! Summary figures of a utilization map (README.md, "Summary figures").

use super::UtilizationMap;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub height: usize,
    pub width: usize,
    /// Raw counts. The centre is the mean of the middle pixel, or of the middle two (rows,
    /// columns) when a side is even, so that it is mirror-symmetric.
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
    /// Raw count = stored value · 2^log2_scale (0 unless the counts exceed 2^512).
    pub log2_scale: i32,
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

impl Summary {
    pub fn of(map: &UtilizationMap) -> Self {
        let values = &map.values;
        let (h, w) = values.dim();
        let scale = 2f64.powi(map.log2_scale);
        let centre_block = values.slice(ndarray::s![middle(h), middle(w)]);
        let centre = centre_block.mean().unwrap_or(0.0);
        let corners =
            (values[(0, 0)] + values[(0, w - 1)] + values[(h - 1, 0)] + values[(h - 1, w - 1)])
                / 4.0;
        let mean = |view: ndarray::ArrayView1<f64>| view.mean().unwrap_or(0.0);
        Summary {
            height: h,
            width: w,
            centre: centre * scale,
            min: values.iter().copied().fold(f64::INFINITY, f64::min) * scale,
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max) * scale,
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
}
