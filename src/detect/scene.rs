//! What the network sees at one placement (definitions.md §5): a background, a stimulus with
//! its alpha mask composited over it at the placement, and the normalisation after that.

use super::{BACKGROUNDS, STIMULI};
use crate::error::{DetectErrorKind, DetectField, Error, Result};
use crate::infer::inspect::{resize_planes, unit, Normalization};
use rand_core::SeedableRng;
use rand_pcg::Pcg32;

/// An RGB picture in [0, 1]: three planes (red, green, blue), each `height × width`,
/// row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct RgbImage {
    /// `[height, width]`.
    pub size: [usize; 2],
    pub rgb: Vec<f32>,
}

/// An RGB picture with its alpha mask, both in [0, 1]; `rgb` is not premultiplied.
#[derive(Clone, Debug, PartialEq)]
pub struct RgbaImage {
    /// `[height, width]`.
    pub size: [usize; 2],
    pub rgb: Vec<f32>,
    pub alpha: Vec<f32>,
}

/// 8-bit RGBA pixels (row-major, as a decoded PNG or a canvas's ImageData give them) as
/// [0, 1] planes: three colour planes and alpha.
fn planes_from_rgba8(
    rgba: &[u8],
    width: usize,
    height: usize,
    field: DetectField,
) -> Result<Vec<f32>> {
    let needed = width * height * 4;
    if width == 0 || height == 0 || rgba.len() != needed {
        return Err(Error::detect(
            field,
            DetectErrorKind::ImageData {
                width,
                height,
                what: "RGBA, 8 bits each",
                needed,
                got: rgba.len(),
            },
        ));
    }
    let plane = width * height;
    let mut planes = vec![0f32; 4 * plane];
    for (i, pixel) in rgba.chunks_exact(4).enumerate() {
        for (c, &byte) in pixel.iter().enumerate() {
            planes[c * plane + i] = f32::from(byte) / 255.0;
        }
    }
    Ok(planes)
}

impl RgbImage {
    /// A background picture from 8-bit RGBA pixels; its alpha is ignored (a background is
    /// opaque).
    pub fn from_rgba8(rgba: &[u8], width: usize, height: usize) -> Result<Self> {
        let mut planes = planes_from_rgba8(rgba, width, height, DetectField::Background)?;
        planes.truncate(3 * width * height);
        Ok(RgbImage {
            size: [height, width],
            rgb: planes,
        })
    }
}

impl RgbaImage {
    pub fn from_rgba8(rgba: &[u8], width: usize, height: usize) -> Result<Self> {
        let mut rgb = planes_from_rgba8(rgba, width, height, DetectField::Stimulus)?;
        let alpha = rgb.split_off(3 * width * height);
        Ok(RgbaImage {
            size: [height, width],
            rgb,
            alpha,
        })
    }
}

/// What the stimulus is placed on.
#[derive(Clone, Debug, PartialEq)]
pub enum Background {
    /// Every channel 0.5.
    Grey,
    /// Uniform RGB in [0, 1), drawn as the mean feature maps' inputs are (definitions.md §6):
    /// PCG32 seeded with `seed`, the red plane row by row, then green, then blue.
    Noise { seed: u64 },
    /// A picture, resized to the input with bilinear filtering when its size differs.
    Image(RgbImage),
}

impl Background {
    /// `grey` or `noise:SEED` (an image comes as pixels: [`RgbImage::from_rgba8`]).
    pub fn parse(text: &str) -> Result<Self> {
        let error = |kind| Error::detect(DetectField::Background, kind);
        let expected = || super::expected(&BACKGROUNDS);
        match text.split_once(':') {
            None if text == "grey" => Ok(Background::Grey),
            Some(("noise", seed)) => {
                seed.parse()
                    .map(|seed| Background::Noise { seed })
                    .map_err(|_| {
                        error(DetectErrorKind::Malformed {
                            text: text.to_owned(),
                            expected: "noise:SEED with SEED a whole number from 0 to 2^64 − 1"
                                .into(),
                        })
                    })
            }
            _ => Err(error(DetectErrorKind::Unknown {
                text: text.to_owned(),
                expected: expected(),
            })),
        }
    }

    /// The background at `[height, width]`: three planes in [0, 1].
    pub fn render(&self, [height, width]: [usize; 2]) -> Vec<f32> {
        let len = 3 * height * width;
        match self {
            Background::Grey => vec![0.5; len],
            Background::Noise { seed } => {
                let mut rng = Pcg32::seed_from_u64(*seed);
                (0..len).map(|_| unit(&mut rng)).collect()
            }
            Background::Image(image) => resize_planes(&image.rgb, 3, image.size, [height, width]),
        }
    }
}

/// What is placed: drawn by the core at any size, or a picture with alpha.
#[derive(Clone, Debug, PartialEq)]
pub enum Stimulus {
    /// A dark housing with rounded corners, as tall as the stimulus and 0.4 as wide,
    /// centred, holding a red, an amber and a green lamp; transparent around it.
    TrafficLight,
    /// A white disk filling the stimulus (diameter `s`); transparent around it.
    Disk,
    /// A white square, the whole stimulus opaque.
    Square,
    /// A picture with alpha, resized to s×s with bilinear filtering (of the colour
    /// premultiplied by alpha, so transparent pixels do not bleed their colour).
    Image(RgbaImage),
}

/// The colours of the drawn stimuli.
const WHITE: [f32; 3] = [1.0, 1.0, 1.0];
const HOUSING: [f32; 3] = [0.12, 0.12, 0.12];
const LAMPS: [[f32; 3]; 3] = [[0.95, 0.1, 0.1], [1.0, 0.75, 0.0], [0.1, 0.85, 0.3]];

/// Sub-pixel samples per axis: a drawn stimulus's alpha is the share of the 4×4 samples of
/// each pixel that fall inside its shape (anti-aliased edges, 17 levels), its colour the mean
/// colour of those samples.
pub const SUPERSAMPLING: usize = 4;

impl Stimulus {
    /// `traffic-light`, `disk` or `square` (an image comes as pixels:
    /// [`RgbaImage::from_rgba8`]).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "traffic-light" => Ok(Stimulus::TrafficLight),
            "disk" => Ok(Stimulus::Disk),
            "square" => Ok(Stimulus::Square),
            _ => Err(Error::detect(
                DetectField::Stimulus,
                DetectErrorKind::Unknown {
                    text: text.to_owned(),
                    expected: super::expected(&STIMULI),
                },
            )),
        }
    }

    /// The stimulus at s×s: three colour planes and the alpha plane, in [0, 1].
    pub fn render(&self, size: usize) -> (Vec<f32>, Vec<f32>) {
        let s = size as f64;
        match self {
            Stimulus::Square => (vec![1.0; 3 * size * size], vec![1.0; size * size]),
            Stimulus::Disk => {
                let r = s / 2.0;
                supersample(size, |y, x| {
                    ((y - r).powi(2) + (x - r).powi(2) <= r * r).then_some(WHITE)
                })
            }
            Stimulus::TrafficLight => {
                let (half_width, corner) = (0.2 * s, 0.08 * s);
                let (left, right) = (s / 2.0 - half_width, s / 2.0 + half_width);
                let lamp_radius = 0.13 * s;
                supersample(size, |y, x| {
                    let lamp = [0.2, 0.5, 0.8].iter().position(|&at| {
                        (y - at * s).powi(2) + (x - s / 2.0).powi(2) <= lamp_radius * lamp_radius
                    });
                    match lamp {
                        Some(i) => Some(LAMPS[i]),
                        None => {
                            in_rounded_rect(y, x, [0.0, left, s, right], corner).then_some(HOUSING)
                        }
                    }
                })
            }
            Stimulus::Image(image) => {
                let plane = image.size[0] * image.size[1];
                let mut premultiplied = image.rgb.clone();
                for (c, value) in premultiplied.iter_mut().enumerate() {
                    *value *= image.alpha[c % plane];
                }
                premultiplied.extend_from_slice(&image.alpha);
                let mut resized = resize_planes(&premultiplied, 4, image.size, [size, size]);
                let out_plane = size * size;
                let alpha = resized.split_off(3 * out_plane);
                for (c, value) in resized.iter_mut().enumerate() {
                    let a = alpha[c % out_plane];
                    *value = if a > 0.0 {
                        (*value / a).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                }
                (resized, alpha)
            }
        }
    }
}

/// Is `(y, x)` inside the rectangle `[top, left, bottom, right]` with corners rounded to
/// `radius`?
fn in_rounded_rect(y: f64, x: f64, [top, left, bottom, right]: [f64; 4], radius: f64) -> bool {
    let dy = (top + radius - y).max(y - (bottom - radius)).max(0.0);
    let dx = (left + radius - x).max(x - (right - radius)).max(0.0);
    y >= top && y <= bottom && x >= left && x <= right && dy * dy + dx * dx <= radius * radius
}

/// Draws an s×s stimulus from `colour_at(y, x)` (continuous pixel coordinates, `None`
/// outside the shape) by [`SUPERSAMPLING`]² samples per pixel.
fn supersample(
    size: usize,
    colour_at: impl Fn(f64, f64) -> Option<[f32; 3]>,
) -> (Vec<f32>, Vec<f32>) {
    let plane = size * size;
    let (mut rgb, mut alpha) = (vec![0f32; 3 * plane], vec![0f32; plane]);
    let n = SUPERSAMPLING;
    for py in 0..size {
        for px in 0..size {
            // Summed in f64, exact for 16 samples: a pixel inside one colour keeps it exactly.
            let (mut sum, mut covered) = ([0f64; 3], 0usize);
            for sy in 0..n {
                for sx in 0..n {
                    let y = py as f64 + (sy as f64 + 0.5) / n as f64;
                    let x = px as f64 + (sx as f64 + 0.5) / n as f64;
                    if let Some(colour) = colour_at(y, x) {
                        covered += 1;
                        for (s, c) in sum.iter_mut().zip(colour) {
                            *s += f64::from(c);
                        }
                    }
                }
            }
            let i = py * size + px;
            alpha[i] = covered as f32 / (n * n) as f32;
            if covered > 0 {
                for (c, s) in sum.iter().enumerate() {
                    rgb[c * plane + i] = (s / covered as f64) as f32;
                }
            }
        }
    }
    (rgb, alpha)
}

/// A background and a stimulus ready to be composited at any placement.
pub struct Scene {
    size: [usize; 2],
    stimulus_size: usize,
    /// 3×H×W in [0, 1].
    background: Vec<f32>,
    /// The background, normalised: what the input is outside the stimulus.
    normalised: Vec<f32>,
    stimulus_rgb: Vec<f32>,
    stimulus_alpha: Vec<f32>,
    normalization: Normalization,
}

impl Scene {
    /// `size` is the input's `[height, width]`; the stimulus is drawn at s×s once.
    pub fn new(
        background: &Background,
        stimulus: &Stimulus,
        stimulus_size: usize,
        size: [usize; 2],
        normalization: Normalization,
    ) -> Self {
        let background = background.render(size);
        let plane = size[0] * size[1];
        let normalised = background
            .iter()
            .enumerate()
            .map(|(i, &v)| normalization.apply(i / plane, v))
            .collect();
        let (stimulus_rgb, stimulus_alpha) = stimulus.render(stimulus_size);
        Scene {
            size,
            stimulus_size,
            background,
            normalised,
            stimulus_rgb,
            stimulus_alpha,
            normalization,
        }
    }

    /// The image with the stimulus's top-left corner at `[y0, x0]`, in [0, 1] (before
    /// normalisation): `α·stimulus + (1 − α)·background`. The stimulus must lie inside.
    pub fn composite(&self, corner: [usize; 2]) -> Vec<f32> {
        let mut image = self.background.clone();
        self.paint(corner, &mut image, Normalization::None);
        image
    }

    /// The background alone, normalised: the baseline run of an incremental grid.
    pub fn background_input(&self) -> &[f32] {
        &self.normalised
    }

    /// The background as opaque 8-bit RGBA, row by row: what a grid is drawn over.
    pub fn background_rgba8(&self) -> Vec<u8> {
        let plane = self.size[0] * self.size[1];
        let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        (0..plane)
            .flat_map(|i| {
                let [r, g, b] = [0, 1, 2].map(|c| byte(self.background[c * plane + i]));
                [r, g, b, 255]
            })
            .collect()
    }

    /// The input's `[height, width]`.
    pub fn size(&self) -> [usize; 2] {
        self.size
    }

    /// The stimulus's side, `s`.
    pub fn stimulus_size(&self) -> usize {
        self.stimulus_size
    }

    /// Writes the model's 1×3×H×W input for the placement at `[y0, x0]` with the whole image
    /// then translated by `offset = [dy, dx]` pixels, circularly (definitions.md §5, the shift
    /// experiment): composited, rolled ([`roll`]), then normalised. `[0, 0]` gives
    /// [`Scene::input_into`]'s input, bit for bit.
    pub fn shifted_input_into(&self, corner: [usize; 2], offset: [isize; 2], input: &mut [f32]) {
        let rolled = roll(&self.composite(corner), self.size, offset);
        let plane = self.size[0] * self.size[1];
        for (i, (value, raw)) in input.iter_mut().zip(rolled).enumerate() {
            *value = self.normalization.apply(i / plane, raw);
        }
    }

    /// Writes the model's 1×3×H×W input for the placement at `[y0, x0]` into `input`:
    /// composited, then normalised.
    pub fn input_into(&self, corner: [usize; 2], input: &mut [f32]) {
        input.copy_from_slice(&self.normalised);
        self.paint(corner, input, self.normalization);
    }

    fn paint(&self, [y0, x0]: [usize; 2], image: &mut [f32], normalization: Normalization) {
        let [h, w] = self.size;
        let s = self.stimulus_size;
        debug_assert!(y0 + s <= h && x0 + s <= w);
        for c in 0..3 {
            for y in 0..s {
                for x in 0..s {
                    let i = (c * h + y0 + y) * w + x0 + x;
                    let a = self.stimulus_alpha[y * s + x];
                    let mixed =
                        a * self.stimulus_rgb[(c * s + y) * s + x] + (1.0 - a) * self.background[i];
                    image[i] = normalization.apply(c, mixed);
                }
            }
        }
    }
}

/// Planes of `[height, width]` (any number, one after another) translated by
/// `offset = [dy, dx]` pixels, circularly: `new(y, x) = old((y − dy) mod H, (x − dx) mod W)`,
/// as `numpy.roll(planes, (dy, dx), axis=(-2, -1))`. Content moves down for `dy > 0` and
/// right for `dx > 0`; what leaves one side re-enters at the other.
pub fn roll(planes: &[f32], [height, width]: [usize; 2], [dy, dx]: [isize; 2]) -> Vec<f32> {
    let plane = height * width;
    debug_assert!(plane == 0 || planes.len() % plane == 0);
    if plane == 0 {
        return planes.to_vec();
    }
    // Reading from `(y − dy) mod H` is reading from `(y + H − dy mod H) mod H`.
    let from = |d: isize, n: usize| n - d.rem_euclid(n as isize) as usize;
    let (sy, sx) = (from(dy, height), from(dx, width));
    let mut out = Vec::with_capacity(planes.len());
    for source in planes.chunks_exact(plane) {
        for y in 0..height {
            let row = &source[((y + sy) % height) * width..][..width];
            let split = sx % width;
            out.extend_from_slice(&row[split..]);
            out.extend_from_slice(&row[..split]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_names_what_is_allowed() {
        assert_eq!(Background::parse("grey").unwrap(), Background::Grey);
        assert_eq!(
            Background::parse("noise:7").unwrap(),
            Background::Noise { seed: 7 }
        );
        let bad = Background::parse("noise:x").unwrap_err().to_string();
        assert_eq!(
            bad,
            "background: malformed `noise:x`: expected noise:SEED with SEED a whole number from \
             0 to 2^64 − 1"
        );
        let unknown = Background::parse("gray").unwrap_err().to_string();
        assert!(
            unknown.contains("unknown `gray`; expected grey, noise:SEED"),
            "{unknown}"
        );
        assert_eq!(Stimulus::parse("disk").unwrap(), Stimulus::Disk);
        let error = Stimulus::parse("circle").unwrap_err();
        assert!(error.to_string().contains("traffic-light, disk, square"));
        assert_eq!(error.location().field.as_deref(), Some("stimulus"));
    }

    #[test]
    fn noise_is_reproducible_by_seed_and_uniform() {
        let a = Background::Noise { seed: 7 }.render([8, 9]);
        assert_eq!(a, Background::Noise { seed: 7 }.render([8, 9]));
        assert_ne!(a, Background::Noise { seed: 8 }.render([8, 9]));
        assert_eq!(a.len(), 3 * 8 * 9);
        assert!(a.iter().all(|&v| (0.0..1.0).contains(&v)));
        let mean = a.iter().map(|&v| f64::from(v)).sum::<f64>() / a.len() as f64;
        assert!((mean - 0.5).abs() < 0.1, "{mean}");
    }

    #[test]
    fn image_backgrounds_are_resized_bilinearly() {
        // 1×2: black then white; at 1×4 the ramp is 0, 0.25, 0.75, 1 in every channel.
        let image = RgbImage::from_rgba8(&[0, 0, 0, 0, 255, 255, 255, 255], 2, 1).unwrap();
        let planes = Background::Image(image).render([1, 4]);
        assert_eq!(planes, [0.0, 0.25, 0.75, 1.0].repeat(3));
        let error = RgbImage::from_rgba8(&[0; 7], 2, 1).unwrap_err().to_string();
        assert_eq!(
            error,
            "background: an image of 2×1 pixels needs 8 bytes (RGBA, 8 bits each), got 7"
        );
    }

    #[test]
    fn a_disk_is_round_and_symmetric() {
        for size in [8, 16, 31, 64] {
            let (rgb, alpha) = Stimulus::Disk.render(size);
            let area: f64 = alpha.iter().map(|&a| f64::from(a)).sum();
            let expected = std::f64::consts::PI * (size as f64 / 2.0).powi(2);
            assert!(
                (area / expected - 1.0).abs() < 0.02,
                "s = {size}: {area} vs {expected}"
            );
            for y in 0..size {
                for x in 0..size {
                    let a = alpha[y * size + x];
                    assert_eq!(a, alpha[y * size + size - 1 - x], "left-right at {y},{x}");
                    assert_eq!(a, alpha[(size - 1 - y) * size + x], "top-bottom at {y},{x}");
                    assert_eq!(a, alpha[x * size + y], "diagonal at {y},{x}");
                }
            }
            // The corner is outside, the centre inside, the edge partly covered.
            assert_eq!(alpha[0], 0.0);
            assert_eq!(alpha[(size / 2) * size + size / 2], 1.0);
            assert!(alpha.iter().any(|&a| a > 0.0 && a < 1.0));
            assert!(rgb.iter().all(|&v| v == 0.0 || v == 1.0));
        }
    }

    #[test]
    fn a_traffic_light_has_its_lamps_in_order() {
        let s = 40;
        let (rgb, alpha) = Stimulus::TrafficLight.render(s);
        let plane = s * s;
        let at = |y: usize, c: usize| rgb[c * plane + y * s + s / 2];
        // Lamp centres at 0.2, 0.5 and 0.8 of the height: red, amber, green.
        assert_eq!([at(8, 0), at(8, 1), at(8, 2)], LAMPS[0]);
        assert_eq!([at(20, 0), at(20, 1), at(20, 2)], LAMPS[1]);
        assert_eq!([at(32, 0), at(32, 1), at(32, 2)], LAMPS[2]);
        // The housing beside the lamps; transparent beside it and in the rounded corners.
        assert_eq!(rgb[20 * s + s / 2 + 6], HOUSING[0]);
        assert_eq!(alpha[20 * s + s / 2 + 6], 1.0);
        assert_eq!(alpha[20 * s], 0.0);
        assert_eq!(alpha[(s - 1) * s + s / 2 - 8], 0.0);
        assert_eq!(alpha[20 * s + s / 2 - 6], 1.0);
        // Mirror-symmetric left to right.
        for y in 0..s {
            for x in 0..s {
                assert_eq!(alpha[y * s + x], alpha[y * s + s - 1 - x]);
            }
        }
    }

    #[test]
    fn image_stimuli_keep_their_alpha_and_do_not_bleed() {
        // A 2×1 stimulus: opaque red, then transparent green. Resized to 4×4, the colour of
        // every visible pixel is red: the green pixel has no weight.
        let image = RgbaImage::from_rgba8(&[255, 0, 0, 255, 0, 255, 0, 0], 2, 1).unwrap();
        let (rgb, alpha) = Stimulus::Image(image).render(4);
        assert_eq!(&alpha[..4], &[1.0, 0.75, 0.25, 0.0]);
        for i in 0..16 {
            if alpha[i] > 0.0 {
                assert_eq!([rgb[i], rgb[16 + i], rgb[32 + i]], [1.0, 0.0, 0.0]);
            }
        }
    }

    #[test]
    fn compositing_mixes_by_alpha_and_normalises_after() {
        // A 2×2 stimulus on a 3×4 noise background at (1, 2): alpha 0 keeps the
        // background, alpha 1 gives the stimulus, 0.25 mixes.
        let background = Background::Noise { seed: 3 };
        let stimulus = Stimulus::Image(
            RgbaImage::from_rgba8(
                &[
                    10, 20, 30, 0, 10, 20, 30, 255, //
                    200, 100, 0, 64, 0, 0, 0, 255,
                ],
                2,
                2,
            )
            .unwrap(),
        );
        let scene = Scene::new(&background, &stimulus, 2, [3, 4], Normalization::ImageNet);
        let bg = background.render([3, 4]);
        let image = scene.composite([1, 2]);
        let at = |c: usize, y: usize, x: usize| (c * 3 + y) * 4 + x;
        for c in 0..3 {
            assert_eq!(image[at(c, 1, 2)], bg[at(c, 1, 2)], "alpha 0");
            assert_eq!(image[at(c, 1, 3)], [10.0, 20.0, 30.0][c] / 255.0, "alpha 1");
            let a = 64.0 / 255.0;
            let mixed = a * [200.0, 100.0, 0.0][c] / 255.0 + (1.0 - a) * bg[at(c, 2, 2)];
            assert!((image[at(c, 2, 2)] - mixed).abs() < 1e-6);
            for (y, x) in [(0, 0), (0, 3), (2, 1)] {
                assert_eq!(image[at(c, y, x)], bg[at(c, y, x)], "outside");
            }
        }
        let mut input = vec![0f32; 36];
        scene.input_into([1, 2], &mut input);
        for (i, (&v, &raw)) in input.iter().zip(&image).enumerate() {
            assert_eq!(v, Normalization::ImageNet.apply(i / 12, raw));
        }
        // The page draws the grid over the background as it is, before normalisation.
        let rgba = scene.background_rgba8();
        assert_eq!(rgba.len(), 3 * 4 * 4);
        for (i, pixel) in rgba.chunks_exact(4).enumerate() {
            for c in 0..3 {
                assert_eq!(pixel[c], (bg[c * 12 + i] * 255.0).round() as u8);
            }
            assert_eq!(pixel[3], 255);
        }
    }

    #[test]
    fn rolling_is_circular_and_exact() {
        // numpy.roll of [[0, 1, 2], [3, 4, 5]] (and the same plus 10 as a second plane).
        let planes: Vec<f32> = (0..6).chain(10..16).map(|v| v as f32).collect();
        let rolled = |offset| roll(&planes, [2, 3], offset);
        assert_eq!(rolled([0, 0]), planes);
        // Right by 1: np.roll(a, 1, axis=-1) = [[2, 0, 1], [5, 3, 4]].
        assert_eq!(
            rolled([0, 1]),
            [2., 0., 1., 5., 3., 4., 12., 10., 11., 15., 13., 14.]
        );
        // Left by 1 (np.roll(a, -1, axis=-1)), up by 1 (np.roll(a, -1, axis=-2)).
        assert_eq!(&rolled([0, -1])[..6], &[1., 2., 0., 4., 5., 3.]);
        assert_eq!(&rolled([-1, 0])[..6], &[3., 4., 5., 0., 1., 2.]);
        // Whole turns change nothing; down by 1 is up by 1 on two rows; both axes at once.
        assert_eq!(rolled([2, -6]), planes);
        assert_eq!(rolled([1, 0]), rolled([-1, 0]));
        assert_eq!(&rolled([1, 2])[..6], &[4., 5., 3., 1., 2., 0.]);

        // A composited scene, shifted: every pixel is the unshifted one's, read circularly,
        // and normalised after; offset [0, 0] is the grid's input bit for bit.
        let (h, w) = (7, 9);
        let scene = Scene::new(
            &Background::Noise { seed: 5 },
            &Stimulus::TrafficLight,
            4,
            [h, w],
            Normalization::ImageNet,
        );
        let image = scene.composite([2, 3]);
        let mut unshifted = vec![0f32; 3 * h * w];
        scene.input_into([2, 3], &mut unshifted);
        let mut input = vec![0f32; 3 * h * w];
        scene.shifted_input_into([2, 3], [0, 0], &mut input);
        assert!(input
            .iter()
            .zip(&unshifted)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        for [dy, dx] in [[-2isize, 0], [3, 0], [0, -3], [0, 2], [-9, 13]] {
            scene.shifted_input_into([2, 3], [dy, dx], &mut input);
            for c in 0..3 {
                for y in 0..h {
                    for x in 0..w {
                        let sy = (y as isize - dy).rem_euclid(h as isize) as usize;
                        let sx = (x as isize - dx).rem_euclid(w as isize) as usize;
                        let expected =
                            Normalization::ImageNet.apply(c, image[(c * h + sy) * w + sx]);
                        assert_eq!(
                            input[(c * h + y) * w + x],
                            expected,
                            "{dy},{dx}: {c},{y},{x}"
                        );
                    }
                }
            }
        }
    }
}
