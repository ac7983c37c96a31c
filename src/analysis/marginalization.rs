//! Boundary marginalization (definitions.md §4): how much of the input a map under-uses near
//! its border, and how wide the under-used band is; swept over input sizes.
//!
//! Strided layers print a periodic pattern on the map (ResNet's stride grid). Measured on the
//! raw map it dominates: ResNet-50 at 224 reported 50.7 % of its pixels marginalized, yet 26.5 %
//! of the pixels inside the band were below the threshold too, grid cells far from any
//! border. So everything here is measured on the map averaged over the network's total stride
//! ([`total_stride`], [`period_average`]), which removes such a pattern exactly.

use super::summary::middle;
use super::{utilization_of_plan, UtilizationMap};
use crate::error::{Error, Result};
use crate::net::{ModeOverride, Network, Plan, Step};
use ndarray::Array2;
use serde::Serialize;

/// definitions.md §4's default threshold: a pixel is marginalized below half the centre's count.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Marginalization {
    pub threshold: f64,
    /// Fraction of input pixels whose period-averaged count is below `τ·U∞` ([`interior_log2`]:
    /// the count of a pixel no border reaches).
    pub share: f64,
    /// Distance from each border (top, bottom, left, right) at which the averaged map's centre
    /// column (top, bottom) or centre row (left, right) profile first reaches `τ·U∞`.
    pub band: [usize; 4],
    /// The widest of the four, and it over the shorter side.
    pub band_max: usize,
    pub band_relative: f64,
    /// The averaging window `[height, width]`: the network's total stride per axis.
    pub period: [usize; 2],
    /// log2 of `U∞`, the raw count the share and band are relative to.
    pub interior_log2: f64,
}

/// log2 of `U∞`: the mean count of an input pixel that no border reaches — the
/// period-averaged count in the interior of an unbounded input (definitions.md §4). Per
/// window layer a pixel's mean count is multiplied by `k_h·k_w / (s_h·s_w)`: each output reads
/// `k` taps per axis and there is one output per `s` inputs (the padding mode only changes
/// what happens at the border); a block adds its branches; a global pool passes its one value
/// to every pixel. Computed in log2 so that no depth overflows.
pub fn interior_log2(plan: &Plan) -> Result<f64> {
    let mut log2 = 0.0;
    for (i, step) in plan.steps.iter().enumerate() {
        match step {
            Step::Window { axes, .. } => {
                let taps = (axes[0].kernel * axes[1].kernel) as f64;
                let strides = (axes[0].stride * axes[1].stride) as f64;
                log2 += (taps / strides).log2();
            }
            Step::Block { branches, .. } => {
                let logs = branches
                    .iter()
                    .map(|steps| {
                        interior_log2(&Plan {
                            steps: steps.clone(),
                            ..plan.clone()
                        })
                    })
                    .collect::<Result<Vec<f64>>>()?;
                let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                log2 += top + logs.iter().map(|l| (l - top).exp2()).sum::<f64>().log2();
            }
            // Past a global pool the map is one pixel, where no interior exists: what the rest
            // makes of that pixel is its utilization at 1×1.
            Step::GlobalPool { .. } => {
                let rest = Plan {
                    input: [1, 1],
                    steps: plan.steps[i + 1..].to_vec(),
                    ..plan.clone()
                };
                let map = utilization_of_plan(&rest)?;
                return Ok(log2 + map.values[(0, 0)].log2() + f64::from(map.log2_scale));
            }
        }
    }
    Ok(log2)
}

/// The network's total stride per axis, `[height, width]`: the product of the strides of the
/// plan's window layers, up to a global pool (past it there is one pixel and no grid). A
/// block contributes the stride of its branches, which agree whenever the plan resolved
/// (their outputs have one size); if they do not, the largest.
///
/// This is the period of the pattern strided layers print on the utilization map: every
/// stride-`s` layer repeats its window's footprint every `s` pixels of its input, i.e. every
/// (stride so far)·`s` input pixels, a divisor of the total.
pub fn total_stride(plan: &Plan) -> [usize; 2] {
    stride_of_sequence(&plan.steps).0
}

/// The stride of a sequence of steps, and whether a global pool ended it.
fn stride_of_sequence(steps: &[Step]) -> ([usize; 2], bool) {
    let mut total = [1usize, 1];
    for step in steps {
        let (stride, ended) = match step {
            Step::Window { axes, .. } => ([axes[0].stride, axes[1].stride], false),
            Step::GlobalPool { .. } => return (total, true),
            Step::Block { branches, .. } => branches
                .iter()
                .map(|b| stride_of_sequence(b))
                .fold(([1, 1], false), |(s, e), (b, ended)| {
                    ([s[0].max(b[0]), s[1].max(b[1])], e || ended)
                }),
        };
        for (t, s) in total.iter_mut().zip(stride) {
            *t = t.saturating_mul(s.max(1));
        }
        if ended {
            return (total, true);
        }
    }
    (total, false)
}

/// Weight of the two taps `o ≥ 1` pixels either side of the centre of a period-`t` window
/// (the centre tap weighs 1): 1 inside, ½ at `o = t/2` for even `t`, 0 beyond. The window is
/// a box of width `t` centred on the pixel, each pixel a unit cell: `t` taps of 1 for odd `t`,
/// `t + 1` taps with half weights at both ends for even `t` (the "2×t" centred moving average
/// of time series). Either way its weights sum to `t`, the two ends of an even window share
/// one phase, so every phase of a period-`t` pattern is weighted 1: the pattern cancels.
fn tap_weight(t: usize, o: usize) -> f64 {
    match (2 * o).cmp(&t) {
        std::cmp::Ordering::Less => 1.0,
        std::cmp::Ordering::Equal => 0.5,
        std::cmp::Ordering::Greater => 0.0,
    }
}

/// The furthest tap offset of a period-`t` window that can fall inside `n` pixels.
fn reach_of(t: usize, n: usize) -> usize {
    (t / 2).min(n.saturating_sub(1))
}

/// Per position of an axis of `n` pixels, the sum of the weights of the window's taps that
/// fall inside it (sums of ones and halves: exact, and mirror-symmetric).
fn normalisers(n: usize, t: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            (1..=reach_of(t, n)).fold(1.0, |sum, o| {
                let inside = usize::from(i >= o) + usize::from(i + o < n);
                sum + tap_weight(t, o) * inside as f64
            })
        })
        .collect()
}

/// `map` averaged over a period-`[t_h, t_w]` window (definitions.md §4): separable, down the
/// columns then along the rows, each axis with [`tap_weight`]'s weights. Near the border only
/// the taps inside the image count, their weights renormalised: a border pixel becomes the
/// mean of its neighbourhood inside the image, where padding the sum with zeros would make it
/// lower than anything the network does. That mean still reaches `t/2` pixels inward, so a
/// border band much thinner than `t/2` is lifted: ResNet-50 at 64 px (`t` = 32, half the
/// side) keeps its top/left band of 3 px in the raw map but none after averaging.
///
/// Exact where it matters: each pixel adds the taps `o` pixels either side as one pair sum
/// `(before + after)`, `o` ascending, and addition commutes, so a mirror-symmetric map stays
/// exactly mirror-symmetric; integer counts (what utilization maps hold, below 2^53) sum
/// exactly, so a period-`t` pattern averages to exactly one value in the interior. The cost is
/// O(h·w·t): `t` adds per pixel per axis over contiguous rows, which vectorise. With `t = 32`
/// (ResNet-50, VGG) a 1024×1024 map takes 20 ms natively (release, best of 20), less than
/// ResNet-50's map itself at that size (23 ms). Running sums would be O(h·w), but they carry
/// rounding along the line, so mirror pixels and interior pixels would differ in their last
/// bits.
pub fn period_average(map: &Array2<f64>, period: [usize; 2]) -> Array2<f64> {
    let (h, w) = map.dim();
    let standard = map.as_standard_layout();
    let values = match standard.as_slice() {
        Some(values) => std::borrow::Cow::Borrowed(values),
        None => std::borrow::Cow::Owned(standard.iter().copied().collect()),
    };
    // Weighted sums down the columns, then along the rows, and one division at the end: a
    // division per pass would round each column's mean differently (by a third, say, for
    // `t = 3`), and the interior would no longer be exactly one value.
    let mut sums = column_sums(&values, h, w, period[0]);
    row_sums_in_place(&mut sums, w, period[1]);
    let (down, across) = (normalisers(h, period[0]), normalisers(w, period[1]));
    Array2::from_shape_fn((h, w), |(y, x)| sums[y * w + x] / (down[y] * across[x]))
}

/// Adds `weight · (a + b)` to each `sum`; 1 is the common weight, so it skips the product.
fn add_pairs(sums: &mut [f64], a: &[f64], b: &[f64], weight: f64) {
    if weight == 1.0 {
        for ((s, a), b) in sums.iter_mut().zip(a).zip(b) {
            *s += a + b;
        }
    } else {
        for ((s, a), b) in sums.iter_mut().zip(a).zip(b) {
            *s += weight * (a + b);
        }
    }
}

/// Adds `weight · a` to each `sum`.
fn add_singles(sums: &mut [f64], a: &[f64], weight: f64) {
    for (s, a) in sums.iter_mut().zip(a) {
        *s += weight * a;
    }
}

/// Weighted sums of each column of the row-major `h`×`w` `values` over a period-`t` window.
fn column_sums(values: &[f64], h: usize, w: usize, t: usize) -> Vec<f64> {
    let mut out = values.to_vec();
    let row = |r: usize| &values[r * w..(r + 1) * w];
    for (y, sums) in out.chunks_exact_mut(w.max(1)).enumerate() {
        for o in 1..=reach_of(t, h) {
            let weight = tap_weight(t, o);
            match (y.checked_sub(o).map(row), (y + o < h).then(|| row(y + o))) {
                (Some(before), Some(after)) => add_pairs(sums, before, after, weight),
                (Some(one), None) | (None, Some(one)) => add_singles(sums, one, weight),
                (None, None) => {}
            }
        }
    }
    out
}

/// Replaces each row of the row-major `values`, `w` wide, by its weighted sums over a
/// period-`t` window.
fn row_sums_in_place(values: &mut [f64], w: usize, t: usize) {
    if w == 0 {
        return;
    }
    let mut row = vec![0.0; w];
    for sums in values.chunks_exact_mut(w) {
        row.copy_from_slice(sums);
        for o in 1..=reach_of(t, w) {
            let weight = tap_weight(t, o);
            // Pixels `o..w−o` have both taps; `0..min(o, w−o)` only the one after, and
            // `max(o, w−o)..w` only the one before (`reach_of` keeps `o < w`).
            let split = w - o;
            if o < split {
                add_pairs(
                    &mut sums[o..split],
                    &row[..split - o],
                    &row[2 * o..],
                    weight,
                );
            }
            add_singles(&mut sums[..o.min(split)], &row[o..], weight);
            let from = o.max(split);
            add_singles(&mut sums[from..], &row[from - o..], weight);
        }
    }
}

/// Marginalization of `map` at threshold `τ`, measured on the map averaged over `period`
/// (the network's [`total_stride`]; `[1, 1]` measures the raw map), relative to the raw count
/// `2^reference_log2` (the network's [`interior_log2`]).
pub fn marginalization(
    map: &UtilizationMap,
    period: [usize; 2],
    reference_log2: f64,
    threshold: f64,
) -> Marginalization {
    let values = period_average(&map.values, period);
    let (h, w) = values.dim();
    // In the map's stored units (raw = stored · 2^log2_scale).
    let cut = threshold * (reference_log2 - f64::from(map.log2_scale)).exp2();
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
        period,
        interior_log2: reference_log2,
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
    let plan = network.plan_explained(input, mode, depth)?;
    let map = utilization_of_plan(&plan)?;
    Ok(marginalization(
        &map,
        total_stride(&plan),
        interior_log2(&plan)?,
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
    use crate::geometry::{AxisWindow, PaddingSpec};
    use crate::net::{zoo, Branch, Combine, Layer, WindowKind, WindowLayer};
    use crate::padding::PaddingMode;
    use proptest::prelude::*;

    /// log2 of the centre of `values` (§3): the reference the first definition used.
    fn centre_log2(values: &Array2<f64>) -> f64 {
        let (h, w) = values.dim();
        values
            .slice(ndarray::s![middle(h), middle(w)])
            .mean()
            .unwrap()
            .log2()
    }

    /// Share of the pixels inside the band rectangle (past every border's band) that are below
    /// the cut of `m` in `values` (the map `m` was measured on, log2 scale 0).
    fn below_inside_band(values: &Array2<f64>, m: &Marginalization) -> f64 {
        let (h, w) = values.dim();
        let cut = m.threshold * m.interior_log2.exp2();
        let inside = values.slice(ndarray::s![
            m.band[0]..h - m.band[1],
            m.band[2]..w - m.band[3]
        ]);
        inside.iter().filter(|&&v| v < cut).count() as f64 / inside.len() as f64
    }

    /// Pixels below the cut of `m` that are cut off from the border: with a pixel at or above
    /// it on both sides in their row, or on both sides in their column (a hole in the used
    /// area).
    fn holes(values: &Array2<f64>, m: &Marginalization) -> usize {
        let (h, w) = values.dim();
        let cut = m.threshold * m.interior_log2.exp2();
        let used = values.mapv(|v| v >= cut);
        let enclosed = |line: ndarray::ArrayView1<bool>, i: usize| {
            line.slice(ndarray::s![..i]).iter().any(|&u| u)
                && line.slice(ndarray::s![i + 1..]).iter().any(|&u| u)
        };
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (y, x)))
            .filter(|&(y, x)| {
                !used[(y, x)] && (enclosed(used.row(y), x) || enclosed(used.column(x), y))
            })
            .count()
    }

    fn averaged(map: &UtilizationMap, m: &Marginalization) -> Array2<f64> {
        period_average(&map.values, m.period)
    }

    #[test]
    fn total_stride_multiplies_strides_per_axis_until_a_global_pool() {
        for arch in [
            "resnet50",
            "densenet121",
            "vgg19",
            "googlenet",
            "mobilenet_v2",
        ] {
            let plan = zoo::build(arch)
                .unwrap()
                .plan([224, 224], None, None)
                .unwrap();
            assert_eq!(total_stride(&plan), [32, 32], "{arch}");
        }
        let resnet = zoo::build("resnet50").unwrap();
        // conv1 alone, then with the max-pool.
        for (depth, stride) in [(1, 2), (4, 4)] {
            let plan = resnet.plan([224, 224], None, Some(depth)).unwrap();
            assert_eq!(total_stride(&plan), [stride, stride], "depth {depth}");
        }
        let anisotropic = Layer::Window(WindowLayer {
            name: "wide".into(),
            kind: WindowKind::Conv,
            window: [AxisWindow::new(3, 2, 1), AxisWindow::new(3, 1, 1)],
            padding: [PaddingSpec::symmetric(1); 2],
            mode: PaddingMode::Zeros,
        });
        let block = Layer::Block {
            name: "down".into(),
            combine: Combine::Add,
            branches: vec![
                Branch {
                    name: "main".into(),
                    layers: vec![
                        Layer::conv("main.0", 3, 2, 1),
                        Layer::conv("main.1", 3, 1, 1),
                    ],
                },
                Branch {
                    name: "shortcut".into(),
                    layers: vec![Layer::conv("shortcut.0", 1, 2, 0)],
                },
            ],
        };
        let net = Network {
            name: "tiny".into(),
            layers: vec![
                anisotropic,
                block,
                Layer::GlobalPool {
                    name: "pool".into(),
                },
                Layer::conv("after", 1, 2, 0),
            ],
        };
        let plan = net.plan([32, 32], None, None).unwrap();
        assert_eq!(total_stride(&plan), [4, 2]);
    }

    #[test]
    fn a_periodic_pattern_without_border_effect_is_not_marginalized() {
        // Grid lines every 4 rows and every 3 columns at a fifth/quarter of the count, as
        // stride grids print them, and nothing else.
        let rows = [1.0, 1.0, 1.0, 0.2];
        let columns = [1.0, 0.25, 1.0];
        let values = Array2::from_shape_fn((61, 70), |(y, x)| rows[y % 4] * columns[x % 3]);
        let map = UtilizationMap {
            values,
            log2_scale: 0,
        };
        // The pattern's mean, as interior_log2 gives it for a network.
        let mean = (rows.iter().sum::<f64>() / 4.0 * columns.iter().sum::<f64>() / 3.0).log2();
        let raw = marginalization(&map, [1, 1], mean, 0.5);
        assert!(raw.share > 0.3, "{raw:?}");
        let m = marginalization(&map, [4, 3], mean, 0.5);
        assert_eq!((m.share, m.band, m.period), (0.0, [0; 4], [4, 3]));
    }

    /// The map of a zoo network at a square size, its plan's period and `U∞`, and its
    /// marginalization by the first definition (raw map, relative to the centre) and by §4.
    fn measured(arch: &str, size: usize) -> (UtilizationMap, Marginalization, Marginalization) {
        let net = zoo::build(arch).unwrap();
        let plan = net.plan([size, size], None, None).unwrap();
        let map = utilization_of_plan(&plan).unwrap();
        let first = marginalization(&map, [1, 1], centre_log2(&map.values), 0.5);
        let now = marginalization(
            &map,
            total_stride(&plan),
            interior_log2(&plan).unwrap(),
            0.5,
        );
        (map, first, now)
    }

    #[test]
    fn the_interior_count_is_what_an_unbounded_input_gives_its_centre() {
        // At 1024 px no border reaches the centre of these networks: the period-averaged
        // centre is U∞ (DenseNet-121's receptive field still grazes it: 2e-5 off).
        for (arch, tolerance) in [
            ("resnet50", 1e-12),
            ("vgg19", 1e-12),
            ("googlenet", 1e-12),
            ("densenet121", 1e-4),
        ] {
            let net = zoo::build(arch).unwrap();
            let plan = net.plan([1024, 1024], None, None).unwrap();
            let map = utilization_of_plan(&plan).unwrap();
            let centre = period_average(&map.values, total_stride(&plan))[(512, 512)];
            let interior = (interior_log2(&plan).unwrap() - f64::from(map.log2_scale)).exp2();
            assert!(
                (centre / interior - 1.0).abs() <= tolerance,
                "{arch}: {centre} vs {interior}"
            );
        }
        // VGG-19: 16 3×3 convs and 5 2×2/2 pools, each pool ×4/4.
        let plan = zoo::build("vgg19")
            .unwrap()
            .plan([64, 64], None, None)
            .unwrap();
        assert!((interior_log2(&plan).unwrap() - 16.0 * 9f64.log2()).abs() < 1e-12);
    }

    #[test]
    fn resnet50_at_224_is_marginalized_along_the_border_only() {
        let (map, first, now) = measured("resnet50", 224);
        assert_eq!(now.period, [32, 32]);
        // Measured: on the raw map, relative to the centre, 5903 marginalized pixels are
        // enclosed by used ones (the stride grid) and 26.5 % of the band rectangle is below
        // the cut; averaged and relative to U∞, none are enclosed and 9.8 % are (the corners
        // of the rectangle: the used area is a rounded square).
        assert!(holes(&map.values, &first) > 5000);
        assert_eq!(holes(&averaged(&map, &now), &now), 0);
        assert!(below_inside_band(&map.values, &first) > 0.25, "{first:?}");
        let inside = below_inside_band(&averaged(&map, &now), &now);
        assert!(inside < 0.1, "{inside} {now:?}");
        assert!((now.share - 0.468).abs() < 0.001, "{now:?}");
        assert_eq!(now.band, [16, 36, 16, 36]);
    }

    #[test]
    fn densenet121_is_marginalized_along_the_border_only() {
        // At 224 px DenseNet-121's centre gets less than half of U∞: all of the input is
        // marginalized. At 512 px the band leaves a rectangle to look inside.
        let (_, _, small) = measured("densenet121", 224);
        assert_eq!((small.share, small.band_relative), (1.0, 0.5), "{small:?}");
        let (map, first, now) = measured("densenet121", 512);
        // Measured at 512: 31.5 % of the raw rectangle below the cut, 13.0 % after.
        assert!(below_inside_band(&map.values, &first) > 0.3, "{first:?}");
        let inside = below_inside_band(&averaged(&map, &now), &now);
        assert!(inside < 0.14, "{inside} {now:?}");
        assert!(holes(&map.values, &first) > 5000);
        assert_eq!(holes(&averaged(&map, &now), &now), 0);
    }

    #[test]
    fn resnet50_at_225_stays_mirror_symmetric() {
        let (map, _, now) = measured("resnet50", 225);
        let avg = averaged(&map, &now);
        assert_eq!(avg, avg.slice(ndarray::s![..;-1, ..]));
        assert_eq!(avg, avg.slice(ndarray::s![.., ..;-1]));
        assert_eq!(
            (now.band[0], now.band[2]),
            (now.band[1], now.band[3]),
            "{now:?}"
        );
    }

    #[test]
    fn smaller_inputs_are_marginalized_more_relative_to_their_size() {
        // The slides' claim, for ResNet-50 with torchvision's padding. Sizes 32k + 1 are even
        // (less marginalized than their neighbours), so the claim is checked along one residue.
        let net = zoo::build("resnet50").unwrap();
        let sizes = [32, 64, 96, 128, 160, 192, 224, 256, 384, 512, 1024];
        let points = sweep(&net, &sizes, None, 0.5, &mut |_, _| true);
        let results: Vec<Marginalization> = points.iter().map(|p| p.result.unwrap()).collect();
        let relative: Vec<f64> = results.iter().map(|m| m.band_relative).collect();
        let share: Vec<f64> = results.iter().map(|m| m.share).collect();
        // Measured: up to 96 px all of the input is marginalized (band ÷ side 0.5, share 1);
        // then both fall: 0.445 and 0.906 at 128, 0.161 and 0.468 at 224, 0.034 and 0.099 at
        // 1024.
        assert!(relative.windows(2).all(|w| w[0] >= w[1]), "{relative:?}");
        assert!(share.windows(2).all(|w| w[0] >= w[1]), "{share:?}");
        assert_eq!((relative[0], share[0]), (0.5, 1.0));
        assert!(relative[10] < 0.04 && share[10] < 0.1, "{results:?}");
    }

    #[test]
    fn uniform_maps_have_no_band() {
        let net = zoo::build("vgg19").unwrap();
        let m = of_map(&net, [64, 64], Some(PaddingMode::Symmetric), None, 0.5).unwrap();
        assert_eq!((m.share, m.band, m.period), (0.0, [0; 4], [32, 32]));
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

    /// A map of `h`×`w` made of a `th`×`tw` pattern starting at phase `(py, px)`.
    fn tiled(
        pattern: &[f64],
        [th, tw]: [usize; 2],
        [h, w]: [usize; 2],
        [py, px]: [usize; 2],
    ) -> Array2<f64> {
        Array2::from_shape_fn((h, w), |(y, x)| {
            pattern[((y + py) % th) * tw + (x + px) % tw]
        })
    }

    proptest! {
        #[test]
        fn averaging_cancels_a_period_t_pattern(
            (th, tw, pattern) in (1usize..8, 1usize..8).prop_flat_map(|(th, tw)| {
                (Just(th), Just(tw), proptest::collection::vec(0u32..1000, th * tw))
            }),
            extra in (0usize..20, 0usize..20),
            phase in (0usize..8, 0usize..8),
        ) {
            // Utilization counts are integers: their sums are exact, so the interior (where
            // the whole window fits) is exactly one value, the pattern's mean.
            let pattern: Vec<f64> = pattern.into_iter().map(f64::from).collect();
            let (h, w) = (2 * (th / 2) + 1 + extra.0, 2 * (tw / 2) + 1 + extra.1);
            let avg = period_average(&tiled(&pattern, [th, tw], [h, w], [phase.0, phase.1]), [th, tw]);
            let interior = avg.slice(ndarray::s![th / 2..h - th / 2, tw / 2..w - tw / 2]);
            let first = interior[(0, 0)];
            prop_assert!(interior.iter().all(|&v| v == first));
            let mean = pattern.iter().sum::<f64>() / pattern.len() as f64;
            prop_assert!((first - mean).abs() <= 1e-12 * mean.max(1.0), "{} vs {}", first, mean);
        }

        #[test]
        fn averaging_a_constant_map_changes_nothing(
            value in 0u32..u32::MAX, h in 1usize..40, w in 1usize..40, th in 1usize..80, tw in 1usize..80,
        ) {
            let map = Array2::from_elem((h, w), f64::from(value));
            prop_assert_eq!(period_average(&map, [th, tw]), map);
        }

        #[test]
        fn averaging_keeps_mirror_symmetry(
            seed in proptest::collection::vec(0.0f64..1e6, 20 * 20),
            h in 1usize..40, w in 1usize..40, th in 1usize..40, tw in 1usize..40,
        ) {
            let map = Array2::from_shape_fn((h, w), |(y, x)| {
                seed[y.min(h - 1 - y) * 20 + x.min(w - 1 - x)]
            });
            let avg = period_average(&map, [th, tw]);
            prop_assert_eq!(&avg, &avg.slice(ndarray::s![..;-1, ..]));
            prop_assert_eq!(&avg, &avg.slice(ndarray::s![.., ..;-1]));
        }
    }
}
