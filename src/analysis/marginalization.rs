//! Boundary marginalization (DESIGN 2.4): how much of the input a map under-uses, and how
//! wide the under-used band along the border is; swept over input sizes.

use super::summary::middle;
use super::{utilization, UtilizationMap};
use crate::error::{Error, Result};
use crate::net::{ModeOverride, Network};
use serde::Serialize;

/// DESIGN 2.4's default threshold: a pixel is marginalized below half the centre's count.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Marginalization {
    pub threshold: f64,
    /// Fraction of input pixels with `U < τ·U_centre`.
    pub share: f64,
    /// Distance from each border (top, bottom, left, right) at which the centre column
    /// (top, bottom) or centre row (left, right) profile first reaches `τ·U_centre`.
    pub band: [usize; 4],
    /// The widest of the four, and it over the shorter side.
    pub band_max: usize,
    pub band_relative: f64,
}

/// Marginalization of `map` at threshold `τ`.
pub fn marginalization(map: &UtilizationMap, threshold: f64) -> Marginalization {
    let values = &map.values;
    let (h, w) = values.dim();
    let centre_block = values.slice(ndarray::s![middle(h), middle(w)]);
    let centre = centre_block.mean().unwrap_or(0.0);
    let cut = threshold * centre;
    let below = values.iter().filter(|&&v| v < cut).count();
    // Profiles through the centre: the mean of the middle one or two columns (rows), as the
    // centre value is, so a mirror-symmetric map has mirror-symmetric bands.
    let column: Vec<f64> = (0..h)
        .map(|y| {
            values
                .slice(ndarray::s![y, middle(w)])
                .mean()
                .unwrap_or(0.0)
        })
        .collect();
    let row: Vec<f64> = (0..w)
        .map(|x| {
            values
                .slice(ndarray::s![middle(h), x])
                .mean()
                .unwrap_or(0.0)
        })
        .collect();
    let band = [
        reach(column.iter(), cut, h / 2),
        reach(column.iter().rev(), cut, h / 2),
        reach(row.iter(), cut, w / 2),
        reach(row.iter().rev(), cut, w / 2),
    ];
    let band_max = band.iter().copied().max().unwrap_or(0);
    Marginalization {
        threshold,
        share: below as f64 / (h * w) as f64,
        band,
        band_max,
        band_relative: band_max as f64 / h.min(w) as f64,
    }
}

/// Steps from the border until the profile reaches `cut`, at most half the side.
fn reach<'a>(mut profile: impl Iterator<Item = &'a f64>, cut: f64, half: usize) -> usize {
    profile.position(|&v| v >= cut).unwrap_or(half).min(half)
}

/// Marginalization of the utilization map of the first `depth` layers at `input` (any shape).
pub fn of_map(
    network: &Network,
    input: crate::net::Size,
    mode: ModeOverride,
    depth: Option<usize>,
    threshold: f64,
) -> Result<Marginalization> {
    Ok(marginalization(
        &utilization(network, input, mode, depth)?,
        threshold,
    ))
}

/// One input size of a sweep: its marginalization, or why the network cannot run there.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    pub size: usize,
    #[serde(flatten)]
    pub result: Option<Marginalization>,
    pub error: Option<String>,
}

/// Parses `A:B` or `A:B:step` (inclusive) into the sizes of a sweep.
pub fn parse_sizes(text: &str) -> Result<Vec<usize>> {
    let bad = || Error::SizeRange(text.to_owned());
    let parts: Vec<usize> = text
        .split(':')
        .map(|p| p.trim().parse::<usize>().map_err(|_| bad()))
        .collect::<Result<_>>()?;
    let (from, to, step) = match parts[..] {
        [from, to] => (from, to, 1),
        [from, to, step] => (from, to, step),
        _ => return Err(bad()),
    };
    if from == 0 || from > to || step == 0 || to > crate::geometry::MAX_EXTENT {
        return Err(bad());
    }
    Ok((from..=to).step_by(step).collect())
}

/// One point of a sweep: marginalization at a square `size`, or why it cannot be computed.
pub fn sweep_point(
    network: &Network,
    size: usize,
    mode: ModeOverride,
    threshold: f64,
) -> SweepPoint {
    match of_map(network, [size, size], mode, None, threshold) {
        Ok(result) => SweepPoint {
            size,
            result: Some(result),
            error: None,
        },
        Err(e) => SweepPoint {
            size,
            result: None,
            error: Some(e.to_string()),
        },
    }
}

/// Marginalization of square inputs of each size. `progress(done, total)` is called after
/// each size; returning `false` stops the sweep early (what is done so far is returned).
pub fn sweep(
    network: &Network,
    sizes: &[usize],
    mode: ModeOverride,
    threshold: f64,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Vec<SweepPoint> {
    let mut points = Vec::with_capacity(sizes.len());
    for (i, &size) in sizes.iter().enumerate() {
        let point = sweep_point(network, size, mode, threshold);
        points.push(point);
        if !progress(i + 1, sizes.len()) {
            break;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::zoo;
    use crate::padding::PaddingMode;

    #[test]
    fn smaller_inputs_are_marginalized_more_relative_to_their_size() {
        let net = zoo::build("resnet50").unwrap();
        let points = sweep(&net, &[64, 128, 256, 512], None, 0.5, &mut |_, _| true);
        let relative: Vec<f64> = points
            .iter()
            .map(|p| p.result.unwrap().band_relative)
            .collect();
        assert!(relative.windows(2).all(|w| w[0] > w[1]), "{relative:?}");
        // The share is relative to the centre's count; at 64 px the centre itself lies in the
        // border band (its count is depressed too), so the share only falls from 128 px on.
        let share: Vec<f64> = points.iter().map(|p| p.result.unwrap().share).collect();
        assert!(share[1..].windows(2).all(|w| w[0] > w[1]), "{share:?}");
    }

    #[test]
    fn uniform_maps_have_no_band() {
        let net = zoo::build("vgg19").unwrap();
        let map = utilization(&net, [64, 64], Some(PaddingMode::Symmetric), None).unwrap();
        let m = marginalization(&map, 0.5);
        assert_eq!((m.share, m.band), (0.0, [0; 4]));
    }

    #[test]
    fn sweep_reports_errors_and_stops_when_asked() {
        let net = zoo::build("vgg19").unwrap();
        let points = sweep(&net, &[8, 64, 96], None, 0.5, &mut |done, _| done < 2);
        assert_eq!(points.len(), 2);
        assert!(points[0].error.as_deref().unwrap().contains("features"));
        assert!(points[1].result.is_some());
    }

    #[test]
    fn sizes_syntax() {
        assert_eq!(parse_sizes("32:40:4").unwrap(), vec![32, 36, 40]);
        assert_eq!(parse_sizes("5:6").unwrap(), vec![5, 6]);
        for bad in ["", "5", "0:4", "9:4", "1:4:0", "a:b", "1:2:3:4"] {
            assert!(parse_sizes(bad).is_err(), "{bad}");
        }
    }
}
