//! Colour-mapped pictures of maps, as RGBA bytes, so the page only blits and the CLI only
//! encodes. Only colour-blind-safe, perceptually uniform maps are offered: viridis, cividis
//! and magma for counts, and ColorBrewer's RdBu (marked colour-blind safe) for ratios around
//! 1 (matplotlib's and ColorBrewer's tables via `colorous`).
//!
//! A map is drawn at an integer scale only ([`Viewport`]): each map pixel becomes `k × k`
//! screen pixels, or each screen pixel the mean of `k × k` map pixels. A non-integer scale
//! makes equal map pixels unequal on screen (ResNet's stride grid showed stripes of uneven
//! width). [`draw`] is the fast path; [`draw_reference`] the plain per-pixel version that the
//! property tests hold it to.

use crate::analysis::summary::{extremes, middle};
use crate::error::{Error, Location, Result, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Colormap {
    #[default]
    Viridis,
    Cividis,
    Magma,
    /// Diverging, for ratios: red below the middle, white at it, blue above.
    RedBlue,
}

impl Colormap {
    /// The colour maps for counts (sequential), in the order the page offers them.
    pub const SEQUENTIAL: [Colormap; 3] = [Colormap::Viridis, Colormap::Cividis, Colormap::Magma];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Cividis => "cividis",
            Colormap::Magma => "magma",
            Colormap::RedBlue => "red_blue",
        }
    }

    fn gradient(self) -> colorous::Gradient {
        match self {
            Colormap::Viridis => colorous::VIRIDIS,
            Colormap::Cividis => colorous::CIVIDIS,
            Colormap::Magma => colorous::MAGMA,
            Colormap::RedBlue => colorous::RED_BLUE,
        }
    }

    /// RGBA of `t` in `[0, 1]` (clamped; NaN is drawn as the low end).
    pub fn rgba(self, t: f64) -> [u8; 4] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let c = self.gradient().eval_continuous(t);
        [c.r, c.g, c.b, 255]
    }
}

/// What the colours are relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reference {
    /// Value / maximum.
    #[default]
    Max,
    /// Value / the centre value (definitions.md §3).
    Centre,
    /// The values as they are (ratio maps, already relative).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RenderOptions {
    pub colormap: Colormap,
    pub reference: Reference,
    pub scale: Scale,
}

/// 1024 levels are finer than any screen shows; evaluating the colour map's spline per pixel
/// instead made a 512×512 map take 6.7 ms (BENCHMARKS.md).
const LEVELS: usize = 1024;

/// How values become colours: what they are divided by, the range of relative values the
/// colours span, and the table of colours.
#[derive(Clone, Debug, PartialEq)]
pub struct ColourScale {
    /// What values are divided by to be relative (the maximum, the centre, or 1).
    pub reference_value: f64,
    /// Relative values at the bottom and top of the colour bar.
    pub low: f64,
    pub high: f64,
    log: bool,
    /// `level = transform(v) · gain + offset`, in `[0, LEVELS − 1]`.
    gain: f64,
    offset: f64,
    table: &'static [[u8; 4]],
}

/// What colouring needs to know of a map, found in one pass and kept with it: its finite
/// values' smallest, smallest positive and largest, and its centre (definitions.md §3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapStats {
    pub min: f64,
    pub min_positive: f64,
    pub max: f64,
    pub centre: f64,
}

impl MapStats {
    pub fn of(values: &[f64], size: [usize; 2]) -> Result<Self> {
        check_shape(values, size)?;
        let (min, min_positive, max) = extremes(values.iter().copied());
        Ok(MapStats {
            min,
            min_positive,
            max,
            centre: centre(values, size[0], size[1]),
        })
    }
}

fn check_shape(values: &[f64], [height, width]: [usize; 2]) -> Result<()> {
    if values.len() != height * width || values.is_empty() {
        return Err(Error::MapShape(values.len(), 1, height, width));
    }
    Ok(())
}

impl ColourScale {
    /// The reference value and the range of relative values of a map under `options`: what
    /// the colour bar would span for this map alone.
    pub fn relative_range(stats: &MapStats, options: RenderOptions) -> (f64, [f64; 2]) {
        let reference_value = match options.reference {
            Reference::Max => stats.max,
            Reference::Centre => stats.centre,
            Reference::None => 1.0,
        };
        let divisor = if reference_value > 0.0 && reference_value.is_finite() {
            reference_value
        } else {
            1.0
        };
        // The transform is monotonic, so the range comes from the raw extremes (the smallest
        // positive value for log) without transforming every pixel.
        let low = match options.scale {
            Scale::Linear => stats.min,
            Scale::Log => stats.min_positive,
        };
        let range = if low.is_finite() && stats.max.is_finite() {
            [low / divisor, stats.max / divisor]
        } else {
            [1.0, 1.0]
        };
        (divisor, range)
    }

    /// Colours for a count map: its own range, or `range` (relative values, e.g. the union
    /// of two maps' ranges so that one colour means one value in both).
    pub fn sequential(stats: &MapStats, options: RenderOptions, range: Option<[f64; 2]>) -> Self {
        let (reference_value, own) = Self::relative_range(stats, options);
        let [low, high] = range.unwrap_or(own);
        let log = options.scale == Scale::Log && low > 0.0;
        let (lo, hi) = if log {
            (low.log10(), high.log10())
        } else {
            (low, high)
        };
        // A uniform map has no range; each of its values is the top of the colour bar.
        let (lo, span) = if hi > lo {
            (lo, hi - lo)
        } else {
            (lo - 1.0, 1.0)
        };
        let top = (LEVELS - 1) as f64;
        // level = (v / divisor − lo) / span · top, folded into one multiply-add; under log
        // the divisor goes into the offset (log(v / d) = log v − log d).
        let (gain, offset) = if log {
            (top / span, -(lo + reference_value.log10()) / span * top)
        } else {
            (top / (span * reference_value), -lo / span * top)
        };
        ColourScale {
            reference_value,
            low,
            high,
            log,
            gain,
            offset,
            table: table(options.colormap),
        }
    }

    /// Colours for a ratio map: log-scaled and centred at 1, symmetric (`1/m … m`, `m` the
    /// largest factor either way), on a diverging map.
    pub fn diverging(stats: &MapStats) -> Self {
        let widest = [stats.min_positive, stats.max]
            .into_iter()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v.log10().abs())
            .fold(0.0, f64::max);
        // A map of ones still needs a range; 1 % either way draws it white.
        let m = widest.max(0.004_321); // log10(1.01)
        let top = (LEVELS - 1) as f64;
        ColourScale {
            reference_value: 1.0,
            low: 10f64.powf(-m),
            high: 10f64.powf(m),
            log: true,
            gain: top / (2.0 * m),
            offset: top / 2.0,
            table: table(Colormap::RedBlue),
        }
    }

    /// The colour of one value (NaN, zeros under log and anything below the range take the
    /// low end; anything above, the top).
    #[inline]
    pub fn colour(&self, value: f64) -> [u8; 4] {
        let t = if self.log { value.log10() } else { value };
        self.table[level(t * self.gain + self.offset)]
    }

    /// The colours of a run of values into RGBA bytes, with the scale's branch taken once
    /// for the run.
    fn colour_into(&self, values: &[f64], rgba: &mut [u8]) {
        let (gain, offset, table) = (self.gain, self.offset, self.table);
        let pixels = rgba.chunks_exact_mut(4).zip(values);
        if self.log {
            for (pixel, &v) in pixels {
                pixel.copy_from_slice(&table[level(v.log10() * gain + offset)]);
            }
        } else {
            for (pixel, &v) in pixels {
                pixel.copy_from_slice(&table[level(v * gain + offset)]);
            }
        }
    }
}

/// The table index of a level: rounded, and clamped into the table (NaN goes to 0).
#[inline]
fn level(level: f64) -> usize {
    if level >= 0.0 {
        (level + 0.5).min((LEVELS - 1) as f64) as usize
    } else {
        0
    }
}

/// The colour map's table of [`LEVELS`] colours, made once per colour map: evaluating its
/// spline 1024 times took most of the 0.9 ms a colour scale cost (BENCHMARKS.md).
fn table(colormap: Colormap) -> &'static [[u8; 4]] {
    use std::sync::OnceLock;
    static TABLES: [OnceLock<Vec<[u8; 4]>>; 4] = [const { OnceLock::new() }; 4];
    let index = match colormap {
        Colormap::Viridis => 0,
        Colormap::Cividis => 1,
        Colormap::Magma => 2,
        Colormap::RedBlue => 3,
    };
    TABLES[index].get_or_init(|| {
        (0..LEVELS)
            .map(|i| colormap.rgba(i as f64 / (LEVELS - 1) as f64))
            .collect()
    })
}

/// Mean of the middle pixel, or of the middle two per even side (definitions.md §3).
pub fn centre(values: &[f64], height: usize, width: usize) -> f64 {
    let mut sum = 0.0;
    let mut count = 0.0;
    for y in middle(height) {
        for x in middle(width) {
            sum += values[y * width + x];
            count += 1.0;
        }
    }
    sum / count
}

/// The part of a map a canvas shows, in the canvas's device pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Viewport {
    /// The canvas, in device pixels.
    pub width: usize,
    pub height: usize,
    /// `k ≥ 1`: each map pixel is `k × k` device pixels. `k ≤ −2`: each device pixel is the
    /// mean of a `|k| × |k|` block of map pixels (a map larger than the canvas). 0 and −1
    /// mean 1.
    pub zoom: i32,
    /// Where the scaled map's top-left corner lies on the canvas, in device pixels `[y, x]`
    /// (negative when the map is panned past the canvas's top or left edge).
    pub offset: [i64; 2],
}

/// The largest side of a canvas padlens draws into: far beyond any screen, and a bound on
/// the buffer a malformed request could ask for.
pub const MAX_CANVAS_SIDE: usize = 16_384;

impl Viewport {
    /// The whole map at 1:1, as the CLI's PNG draws it.
    pub fn whole(size: [usize; 2]) -> Self {
        Viewport {
            width: size[1],
            height: size[0],
            zoom: 1,
            offset: [0, 0],
        }
    }

    fn check(&self) -> Result<()> {
        for (field, value) in [("width", self.width), ("height", self.height)] {
            if value == 0 || value > MAX_CANVAS_SIDE {
                return Err(Error::out_of_range(
                    format!("the canvas {field}"),
                    value as f64,
                    [1.0, MAX_CANVAS_SIDE as f64],
                    Location::of(Subject::Request).with_field("viewport"),
                ));
            }
        }
        Ok(())
    }

    /// Device pixels per map pixel (`zoom > 0`), or map pixels per device pixel, as
    /// `(magnify, shrink)`: one of the two is 1.
    fn factors(&self) -> (usize, usize) {
        match self.zoom {
            k if k >= 1 => (k as usize, 1),
            k if k <= -2 => (1, k.unsigned_abs() as usize),
            _ => (1, 1),
        }
    }

    /// The map pixel under device pixel `(y, x)` of the canvas (for shrunk views, the top-left
    /// pixel of its block), or `None` outside the map.
    pub fn map_pixel(&self, size: [usize; 2], [y, x]: [i64; 2]) -> Option<[usize; 2]> {
        let (magnify, shrink) = self.factors();
        let along = |device: i64, offset: i64, side: usize| {
            let scaled = device - offset;
            if scaled < 0 {
                return None;
            }
            let pixel = (scaled as usize / magnify) * shrink;
            (pixel < side).then_some(pixel)
        };
        Some([
            along(y, self.offset[0], size[0])?,
            along(x, self.offset[1], size[1])?,
        ])
    }
}

/// The block of map pixels (along one axis) that canvas pixel `device` shows, clipped to the
/// map; empty outside it.
fn block(device: usize, offset: i64, magnify: usize, shrink: usize, side: usize) -> (usize, usize) {
    let scaled = device as i64 - offset;
    if scaled < 0 {
        return (0, 0);
    }
    let start = (scaled as usize / magnify) * shrink;
    let end = (start + shrink).min(side);
    if start >= side {
        (0, 0)
    } else {
        (start, end)
    }
}

/// Draws the part of a `size` map that `viewport` shows into `out` (RGBA, the canvas's size,
/// row-major); canvas pixels off the map are transparent. A shrunk view averages the finite
/// values of each block before colouring it: the mean, not one sample, so a stride grid
/// finer than a screen pixel does not alias into a false pattern.
///
/// Each visible map pixel is coloured once and copied to its `k × k` device pixels, and each
/// canvas row that repeats the one above is one copy: colouring per device pixel cost 4.5 ms
/// for a 512² map at 1:1 (BENCHMARKS.md). [`draw_reference`] is the plain version.
pub fn draw(
    values: &[f64],
    size: [usize; 2],
    scale: &ColourScale,
    viewport: &Viewport,
    out: &mut Vec<u8>,
) -> Result<()> {
    check_shape(values, size)?;
    viewport.check()?;
    let (magnify, shrink) = viewport.factors();
    let [width, height] = [viewport.width, viewport.height];
    out.clear();
    out.resize(width * height * 4, 0);
    // The canvas columns the map covers, and the map columns (blocks) they show.
    let first_x = viewport.offset[1].max(0) as usize;
    let columns: Vec<(usize, usize)> = (first_x..width)
        .map(|x| block(x, viewport.offset[1], magnify, shrink, size[1]))
        .take_while(|&(start, end)| end > start)
        .collect();
    let (first_column, last_column) = match (columns.first(), columns.last()) {
        (Some(first), Some(last)) => (first.0, last.1),
        _ => return Ok(()),
    };
    let span = last_column - first_column;
    // Magnified views: the visible map pixels of a row, coloured once (RGBA).
    let mut colours = vec![0u8; if magnify > 1 { span * 4 } else { 0 }];
    // Shrunk views: each map column's sum over a block of rows, added row by row along
    // contiguous memory, then per canvas pixel over its columns.
    let mut sums = vec![0.0; if shrink > 1 { span } else { 0 }];
    let row_bytes = width * 4;
    let mut y = 0;
    while y < height {
        let (top, bottom) = block(y, viewport.offset[0], magnify, shrink, size[0]);
        // Canvas rows that show the same map rows (a magnified view) are copies of the first.
        let mut repeat = 1;
        while y + repeat < height
            && block(y + repeat, viewport.offset[0], magnify, shrink, size[0]) == (top, bottom)
        {
            repeat += 1;
        }
        if bottom > top {
            let row = &mut out[y * row_bytes + first_x * 4..(y + 1) * row_bytes];
            let source_row = top * size[1];
            if shrink == 1 && magnify == 1 {
                // 1:1: straight into the row.
                let source = &values[source_row + first_column..source_row + last_column];
                scale.colour_into(source, row);
            } else if shrink == 1 {
                let source = &values[source_row + first_column..source_row + last_column];
                scale.colour_into(source, &mut colours);
                for (pixel, &(start, _)) in row.chunks_exact_mut(4).zip(&columns) {
                    let i = (start - first_column) * 4;
                    pixel.copy_from_slice(&colours[i..i + 4]);
                }
            } else {
                sums.fill(0.0);
                for map_row in top..bottom {
                    let start = map_row * size[1];
                    let source = &values[start + first_column..start + last_column];
                    for (sum, &v) in sums.iter_mut().zip(source) {
                        *sum += v;
                    }
                }
                // Blocks start at multiples of `shrink`, as `first_column` does: chunks of
                // the sums are the canvas pixels' blocks (the last may be narrower).
                for (index, (pixel, block_sums)) in
                    row.chunks_exact_mut(4).zip(sums.chunks(shrink)).enumerate()
                {
                    let sum: f64 = block_sums.iter().sum();
                    let mean = if sum.is_finite() {
                        sum / (block_sums.len() * (bottom - top)) as f64
                    } else {
                        // A NaN or infinity in the block (a ratio where B is 0): the mean
                        // of its finite values, as the reference takes it.
                        let start = first_column + index * shrink;
                        let columns = start..start + block_sums.len();
                        finite_mean(values, size[1], top..bottom, columns)
                    };
                    pixel.copy_from_slice(&scale.colour(mean));
                }
            }
            let (first, rest) =
                out[y * row_bytes..(y + repeat) * row_bytes].split_at_mut(row_bytes);
            for copy in rest.chunks_exact_mut(row_bytes) {
                copy.copy_from_slice(first);
            }
        }
        y += repeat;
    }
    Ok(())
}

/// The mean of the finite values of a block, summed down each column and then across (the
/// order the fast path adds them in), or NaN when there are none.
fn finite_mean(
    values: &[f64],
    width: usize,
    rows: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
) -> f64 {
    let column_sums: Vec<(f64, u32)> = columns
        .map(|c| {
            rows.clone()
                .map(|r| values[r * width + c])
                .filter(|v| v.is_finite())
                .fold((0.0, 0), |(sum, count), v| (sum + v, count + 1))
        })
        .collect();
    let count: u32 = column_sums.iter().map(|&(_, n)| n).sum();
    if count == 0 {
        f64::NAN
    } else {
        column_sums.iter().map(|&(sum, _)| sum).sum::<f64>() / f64::from(count)
    }
}

/// The plain version of [`draw`]: every canvas pixel on its own, from the definition.
pub fn draw_reference(
    values: &[f64],
    size: [usize; 2],
    scale: &ColourScale,
    viewport: &Viewport,
) -> Result<Vec<u8>> {
    check_shape(values, size)?;
    viewport.check()?;
    let (magnify, shrink) = viewport.factors();
    let mut out = vec![0u8; viewport.width * viewport.height * 4];
    for y in 0..viewport.height {
        for x in 0..viewport.width {
            let rows = block(y, viewport.offset[0], magnify, shrink, size[0]);
            let cols = block(x, viewport.offset[1], magnify, shrink, size[1]);
            if rows.1 <= rows.0 || cols.1 <= cols.0 {
                continue;
            }
            // The block's mean of finite values, summed down each column and then across, as
            // the fast path adds them (floating-point sums depend on their order).
            let value = if shrink == 1 {
                values[rows.0 * size[1] + cols.0]
            } else {
                finite_mean(values, size[1], rows.0..rows.1, cols.0..cols.1)
            };
            let i = (y * viewport.width + x) * 4;
            out[i..i + 4].copy_from_slice(&scale.colour(value));
        }
    }
    Ok(out)
}

/// A colour-mapped map at 1:1 and the range of relative values its colour bar spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub rgba: Vec<u8>,
    /// Relative values (value / reference) at the bottom and top of the colour bar.
    pub low: f64,
    pub high: f64,
    /// The reference value the relative values are divided by.
    pub reference_value: f64,
}

/// Colours a whole row-major `height × width` map at 1:1 in its own range (the CLI's PNG).
pub fn render(
    values: &[f64],
    height: usize,
    width: usize,
    options: RenderOptions,
) -> Result<Rendered> {
    let size = [height, width];
    let scale = ColourScale::sequential(&MapStats::of(values, size)?, options, None);
    let mut rgba = Vec::new();
    draw(values, size, &scale, &Viewport::whole(size), &mut rgba)?;
    Ok(Rendered {
        rgba,
        low: scale.low,
        high: scale.high,
        reference_value: scale.reference_value,
    })
}

/// A vertical colour bar, `length` pixels tall and 1 wide, high values at the top.
pub fn colorbar(colormap: Colormap, length: usize) -> Vec<u8> {
    let steps = length.max(2) - 1;
    (0..length)
        .flat_map(|i| colormap.rgba(1.0 - i as f64 / steps as f64))
        .collect()
}

/// RGBA per value on `colormap`, linear from `low` (the bottom of the colour bar) to `high`
/// (its top), clamped outside: for small maps coloured on a range the caller chooses (one
/// scale over several layers' feature maps; a signed mean filter on `[−m, m]`). A value that
/// is not finite, or an empty range, takes the middle colour.
pub fn colour_in_range(values: &[f64], low: f64, high: f64, colormap: Colormap) -> Vec<u8> {
    let span = high - low;
    values
        .iter()
        .flat_map(|&v| {
            let t = if v.is_finite() && span > 0.0 && span.is_finite() {
                ((v - low) / span).clamp(0.0, 1.0)
            } else {
                0.5
            };
            colormap.rgba(t)
        })
        .collect()
}

/// One map of a comparison: its stored values, size and scale (raw = value · 2^log2_scale).
#[derive(Clone, Copy, Debug)]
pub struct ScaledMap<'a> {
    pub values: &'a [f64],
    pub size: [usize; 2],
    pub log2_scale: i32,
}

/// The ratio of two maps' raw counts over their common region, centres aligned.
#[derive(Clone, Debug, PartialEq)]
pub struct CentredRatio {
    pub values: Vec<f64>,
    pub size: [usize; 2],
    /// Where the common region starts in A and in B, `[top, left]`: the larger map is
    /// cropped by ⌊difference / 2⌋ before and the rest after.
    pub offsets: [[usize; 2]; 2],
}

/// A ÷ B of raw counts, pixel by pixel over the centre-aligned common region (NaN where B
/// is 0).
pub fn centred_ratio(a: ScaledMap, b: ScaledMap) -> Result<CentredRatio> {
    check_shape(a.values, a.size)?;
    check_shape(b.values, b.size)?;
    let size = [a.size[0].min(b.size[0]), a.size[1].min(b.size[1])];
    let offset = |map: &ScaledMap| [0, 1].map(|axis| (map.size[axis] - size[axis]) / 2);
    let offsets = [offset(&a), offset(&b)];
    // Stored values are raw counts / 2^log2_scale: bring both to one scale, exactly.
    let factor = 2f64.powi(a.log2_scale - b.log2_scale);
    let mut values = Vec::with_capacity(size[0] * size[1]);
    for y in 0..size[0] {
        fn row<'a>(
            map: &ScaledMap<'a>,
            y: usize,
            [top, left]: [usize; 2],
            width: usize,
        ) -> &'a [f64] {
            let start = (y + top) * map.size[1] + left;
            &map.values[start..start + width]
        }
        let (ra, rb) = (
            row(&a, y, offsets[0], size[1]),
            row(&b, y, offsets[1], size[1]),
        );
        values.extend(ra.iter().zip(rb).map(
            |(&x, &y)| {
                if y == 0.0 {
                    f64::NAN
                } else {
                    x / y * factor
                }
            },
        ));
    }
    Ok(CentredRatio {
        values,
        size,
        offsets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn range_spans_the_map() {
        let r = render(&[1.0, 2.0, 4.0, 8.0], 2, 2, RenderOptions::default()).unwrap();
        assert_eq!((r.low, r.high, r.reference_value), (0.125, 1.0, 8.0));
        assert_eq!(&r.rgba[12..16], &Colormap::Viridis.rgba(1.0));
        assert_eq!(&r.rgba[0..4], &Colormap::Viridis.rgba(0.0));
        let log = RenderOptions {
            scale: Scale::Log,
            reference: Reference::Centre,
            ..RenderOptions::default()
        };
        let r = render(&[1.0, 2.0, 4.0, 8.0], 2, 2, log).unwrap();
        // Centre of a 2×2 map is the mean of all four: 3.75.
        assert!((r.low - 1.0 / 3.75).abs() < 1e-12 && (r.high - 8.0 / 3.75).abs() < 1e-12);
        assert_eq!(&r.rgba[12..16], &Colormap::Viridis.rgba(1.0));
        assert_eq!(&r.rgba[0..4], &Colormap::Viridis.rgba(0.0));
    }

    #[test]
    fn uniform_and_bad_maps_do_not_panic() {
        let r = render(&[5.0; 9], 3, 3, RenderOptions::default()).unwrap();
        assert!(r.rgba.chunks(4).all(|px| px == Colormap::Viridis.rgba(1.0)));
        assert_eq!((r.low, r.high), (1.0, 1.0));
        assert!(render(&[1.0; 5], 2, 2, RenderOptions::default()).is_err());
        assert!(render(&[], 0, 0, RenderOptions::default()).is_err());
        let log = RenderOptions {
            scale: Scale::Log,
            ..RenderOptions::default()
        };
        assert!(render(&[0.0, f64::NAN, 0.0, 0.0], 2, 2, log).is_ok());
    }

    #[test]
    fn a_shared_range_gives_one_colour_one_value() {
        // A spans 0.25…1 and B 0.5…1 of their maxima; on the union 0.25…1 the relative value
        // 0.5 has one colour in both.
        let options = RenderOptions::default();
        let stats = |values: &[f64]| MapStats::of(values, [1, 2]).unwrap();
        let a = ColourScale::sequential(&stats(&[1.0, 4.0]), options, Some([0.25, 1.0]));
        let b = ColourScale::sequential(&stats(&[5.0, 10.0]), options, Some([0.25, 1.0]));
        assert_eq!(a.colour(2.0), b.colour(5.0));
        let own = ColourScale::sequential(&stats(&[5.0, 10.0]), options, None);
        assert_ne!(own.colour(5.0), b.colour(5.0));
    }

    #[test]
    fn ratios_are_centred_at_one_on_a_log_scale() {
        let values = [0.25, 1.0, 2.0, f64::NAN];
        let scale = ColourScale::diverging(&MapStats::of(&values, [2, 2]).unwrap());
        assert!((scale.low - 0.25).abs() < 1e-12 && (scale.high - 4.0).abs() < 1e-12);
        assert_eq!(scale.colour(1.0), Colormap::RedBlue.rgba(0.5));
        assert_eq!(scale.colour(0.25), Colormap::RedBlue.rgba(0.0));
        assert_eq!(scale.colour(4.0), Colormap::RedBlue.rgba(1.0));
        // Twice and half are equally far from the middle.
        let level = |v: f64| v.log10() * scale.gain + scale.offset;
        assert!((level(2.0) - 511.5 - (511.5 - level(0.5))).abs() < 1e-9);
    }

    #[test]
    fn map_pixel_inverts_the_viewport() {
        let viewport = Viewport {
            width: 20,
            height: 10,
            zoom: 3,
            offset: [-4, 2],
        };
        assert_eq!(viewport.map_pixel([5, 7], [0, 2]), Some([1, 0]));
        assert_eq!(viewport.map_pixel([5, 7], [0, 1]), None);
        assert_eq!(viewport.map_pixel([5, 7], [10, 22]), Some([4, 6]));
        assert_eq!(viewport.map_pixel([5, 7], [11, 23]), None);
        let shrunk = Viewport {
            zoom: -4,
            ..viewport
        };
        assert_eq!(shrunk.map_pixel([40, 40], [0, 3]), Some([16, 4]));
    }

    fn arbitrary_view() -> impl Strategy<Value = (Vec<f64>, [usize; 2], Viewport)> {
        (
            1usize..12,
            1usize..12,
            -5i32..5,
            1usize..30,
            1usize..30,
            -20i64..20,
            -20i64..20,
        )
            .prop_flat_map(|(h, w, zoom, vw, vh, oy, ox)| {
                (
                    prop::collection::vec(prop_oneof![0.0..100.0, Just(f64::NAN)], h * w),
                    Just([h, w]),
                    Just(Viewport {
                        width: vw,
                        height: vh,
                        zoom,
                        offset: [oy, ox],
                    }),
                )
            })
    }

    proptest! {
        #[test]
        fn draw_matches_reference((values, size, viewport) in arbitrary_view(), log in any::<bool>()) {
            let options = RenderOptions {
                scale: if log { Scale::Log } else { Scale::Linear },
                ..RenderOptions::default()
            };
            let scale = ColourScale::sequential(&MapStats::of(&values, size).unwrap(), options, None);
            let mut fast = Vec::new();
            draw(&values, size, &scale, &viewport, &mut fast).unwrap();
            let slow = draw_reference(&values, size, &scale, &viewport).unwrap();
            prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn ratios_align_centres_and_scales() {
        let a: Vec<f64> = (0..25).map(|v| v as f64 + 1.0).collect();
        let b = vec![2.0; 9];
        let r = centred_ratio(
            ScaledMap {
                values: &a,
                size: [5, 5],
                log2_scale: 1,
            },
            ScaledMap {
                values: &b,
                size: [3, 3],
                log2_scale: 0,
            },
        )
        .unwrap();
        assert_eq!((r.size, r.offsets), ([3, 3], [[1, 1], [0, 0]]));
        // A's pixel (1, 1) is 7, raw 14; B's raw 2.
        assert_eq!(r.values[0], 7.0);
    }

    #[test]
    fn colours_in_a_chosen_range_clamp() {
        let rgba = colour_in_range(
            &[-1.0, 0.0, 1.0, 5.0, f64::NAN],
            -1.0,
            1.0,
            Colormap::RedBlue,
        );
        let colour = |i: usize| &rgba[i * 4..i * 4 + 4];
        assert_eq!(colour(0), Colormap::RedBlue.rgba(0.0));
        assert_eq!(colour(1), Colormap::RedBlue.rgba(0.5));
        assert_eq!(colour(3), Colormap::RedBlue.rgba(1.0));
        assert_eq!(colour(4), Colormap::RedBlue.rgba(0.5));
    }

    #[test]
    fn colorbar_runs_high_to_low() {
        let bar = colorbar(Colormap::Cividis, 3);
        assert_eq!(&bar[0..4], &Colormap::Cividis.rgba(1.0));
        assert_eq!(&bar[8..12], &Colormap::Cividis.rgba(0.0));
    }
}
