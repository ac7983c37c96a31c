//! Colour-mapped pictures of maps, as RGBA bytes, so the page only blits and the CLI only
//! encodes. Only colour-blind-safe, perceptually uniform maps are offered (viridis, cividis,
//! magma; matplotlib's tables via `colorous`).

use crate::analysis::summary::middle;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    #[default]
    Viridis,
    Cividis,
    Magma,
}

impl Colormap {
    fn gradient(self) -> colorous::Gradient {
        match self {
            Colormap::Viridis => colorous::VIRIDIS,
            Colormap::Cividis => colorous::CIVIDIS,
            Colormap::Magma => colorous::MAGMA,
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
    /// Value / the centre value (see [`crate::analysis::Summary::centre`]).
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

/// A colour-mapped map and the range of relative values its colour bar spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub rgba: Vec<u8>,
    /// Relative values (value / reference) at the bottom and top of the colour bar.
    pub low: f64,
    pub high: f64,
    /// The reference value the relative values are divided by.
    pub reference_value: f64,
}

const LEVELS: usize = 1024;

/// Colours a row-major `height × width` map. The colour range is the map's own range of
/// relative values (linear) or of their logarithms (log; values ≤ 0 take the low end), so a
/// near-uniform map still shows its structure; the colour bar states the range.
pub fn render(
    values: &[f64],
    height: usize,
    width: usize,
    options: RenderOptions,
) -> Result<Rendered> {
    if values.len() != height * width || values.is_empty() {
        return Err(Error::MapShape(values.len(), 1, height, width));
    }
    let reference_value = match options.reference {
        Reference::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Reference::Centre => centre(values, height, width),
        Reference::None => 1.0,
    };
    let divisor = if reference_value > 0.0 && reference_value.is_finite() {
        reference_value
    } else {
        1.0
    };
    // The transform is monotonic, so the colour range comes from the raw extremes (the
    // smallest positive value for log) without transforming every pixel.
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (min, min_positive, max) = finite.fold(
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY),
        |(min, min_pos, max), v| {
            let min_pos = if v > 0.0 { min_pos.min(v) } else { min_pos };
            (min.min(v), min_pos, max.max(v))
        },
    );
    let transform = |v: f64| match options.scale {
        Scale::Linear => v / divisor,
        Scale::Log => (v / divisor).log10(),
    };
    let low_raw = match options.scale {
        Scale::Linear => min,
        Scale::Log => min_positive,
    };
    let (lo, hi) = if low_raw.is_finite() && max.is_finite() {
        (transform(low_raw), transform(max))
    } else {
        (0.0, 1.0)
    };
    // A uniform map has no range; each of its values is the top of the colour bar (1 × max).
    let uniform = hi <= lo;
    let span = if uniform { 1.0 } else { hi - lo };
    let colour_low = if uniform { lo - 1.0 } else { lo };
    // 1024 levels are finer than any screen shows; evaluating the colour map's spline per
    // pixel instead made a 512×512 map take 6.7 ms (BENCHMARKS.md).
    let table: Vec<[u8; 4]> = (0..LEVELS)
        .map(|i| options.colormap.rgba(i as f64 / (LEVELS - 1) as f64))
        .collect();
    let top = (LEVELS - 1) as f64;
    // NaN, zeros under log (−∞) and anything below the range take the low end.
    let index = |level: f64| {
        if level >= 0.0 {
            (level + 0.5).min(top) as usize
        } else {
            0
        }
    };
    let mut rgba = vec![0u8; values.len() * 4];
    let pixels = rgba.chunks_exact_mut(4).zip(values);
    match options.scale {
        Scale::Linear => {
            // level = (v / divisor − lo) / span · top, folded into one multiply-add.
            let (gain, offset) = (top / (span * divisor), -colour_low / span * top);
            for (pixel, &v) in pixels {
                pixel.copy_from_slice(&table[index(v * gain + offset)]);
            }
        }
        Scale::Log => {
            for (pixel, &v) in pixels {
                pixel.copy_from_slice(&table[index((transform(v) - colour_low) / span * top)]);
            }
        }
    }
    let untransform = |t: f64| match options.scale {
        Scale::Linear => t,
        Scale::Log => 10f64.powf(t),
    };
    Ok(Rendered {
        rgba,
        low: untransform(lo),
        high: untransform(hi),
        reference_value: divisor,
    })
}

/// Mean of the middle pixel, or of the middle two per even side (mirror-symmetric).
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

/// A vertical colour bar, `length` pixels tall and 1 wide, high values at the top.
pub fn colorbar(colormap: Colormap, length: usize) -> Vec<u8> {
    let steps = length.max(2) - 1;
    (0..length)
        .flat_map(|i| colormap.rgba(1.0 - i as f64 / steps as f64))
        .collect()
}

/// `a / b` element by element (compare mode). Where `b` is 0 the ratio is NaN, drawn as
/// the low end of the colour bar and shown as "n/a" on hover.
pub fn ratio(a: &[f64], b: &[f64]) -> Result<Vec<f64>> {
    if a.len() != b.len() {
        return Err(Error::MapShape(a.len(), 1, b.len(), 1));
    }
    Ok(a.iter()
        .zip(b)
        .map(|(&x, &y)| if y == 0.0 { f64::NAN } else { x / y })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn colorbar_runs_high_to_low() {
        let bar = colorbar(Colormap::Cividis, 3);
        assert_eq!(&bar[0..4], &Colormap::Cividis.rgba(1.0));
        assert_eq!(&bar[8..12], &Colormap::Cividis.rgba(0.0));
    }
}
