//! `padlens detect`: the stimulus-detectability grid (definitions.md §5) of an ONNX model,
//! from the core's `detect` module.

use crate::model_commands::read_model;
use crate::{format_relative, map_png, parse_mode, parse_size, write_output};
use clap::{Parser, ValueEnum};
use padlens::detect::{
    self, Background, DetectGrid, DetectRequest, Evaluation, RgbImage, RgbaImage, Score,
    ShiftCurve, ShiftSeries, Stimulus,
};
use padlens::export;
use padlens::infer::inspect::Normalization;
use padlens::infer::Model;
use padlens::padding::PaddingMode;
use padlens::render::{self, Colormap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What `detect` and `shift` share: the model, the scene and the score.
#[derive(clap::Args)]
pub struct SceneArgs {
    /// The ONNX file: one 3-channel image input.
    #[arg(long)]
    model: PathBuf,
    /// `grey`, `noise:SEED`, or a PNG file (resized to the input, bilinear).
    #[arg(long)]
    background: String,
    /// `traffic-light`, `disk`, `square`, or a PNG file with alpha (resized to the stimulus
    /// size, bilinear).
    #[arg(long)]
    stimulus: String,
    /// The stimulus's side in input pixels.
    #[arg(long)]
    stimulus_size: usize,
    /// `class:K` (softmax of a [1, C] output), `logit:K`, `heatmap:K` ([1, C, h, w]
    /// output), `boxes:K` or `boxes:K@τ` ([1, N, 6] boxes, IoU ≥ τ, default 0.5).
    #[arg(long, value_parser = parse_score)]
    score: Score,
    #[arg(long, value_enum, default_value_t = NormalizeArg::None)]
    normalize: NormalizeArg,
    /// Replace every convolution's padding mode (same weights). Omitted: the model's own.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    /// Input size: N (square) or HxW, height first. Omitted: the size the model declares.
    #[arg(long, value_parser = parse_size)]
    size: Option<[usize; 2]>,
}

impl SceneArgs {
    /// The core's request (`stride`: the grid's, not read by the shift experiment) and the
    /// model.
    fn load(&self, stride: usize) -> Result<(DetectRequest, Model), String> {
        let request = DetectRequest {
            size: self.size,
            padding: self.padding,
            background: background(&self.background)?,
            stimulus: stimulus(&self.stimulus)?,
            stimulus_size: self.stimulus_size,
            stride,
            score: self.score,
            normalization: match self.normalize {
                NormalizeArg::None => Normalization::None,
                NormalizeArg::Imagenet => Normalization::ImageNet,
            },
        };
        Ok((request, read_model(&self.model)?))
    }
}

#[derive(Parser)]
pub struct DetectArgs {
    #[command(flatten)]
    scene: SceneArgs,
    /// Pixels between placements, down and across.
    #[arg(long)]
    stride: usize,
    /// A placement is detected when it scores at least this; the detection rate is printed.
    /// Negative values are allowed (logits).
    #[arg(long, default_value_t = detect::DEFAULT_THRESHOLD, allow_negative_numbers = true)]
    threshold: f64,
    #[arg(long, value_enum)]
    format: GridFormat,
    /// Run the whole model at every placement instead of only what the stimulus can change
    /// (the same grid, bit for bit: for checking).
    #[arg(long)]
    full: bool,
    /// Where to write the grid.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum NormalizeArg {
    /// Pixels in [0, 1] as they are.
    None,
    /// ImageNet's mean and standard deviation per channel (torchvision's models).
    Imagenet,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GridFormat {
    /// The rows × cols grid as little-endian f64 (NumPy .npy).
    Npy,
    /// One line per grid row, scores separated by commas.
    Csv,
    /// Viridis over the grid's own range, with a labelled colour bar.
    Png,
}

fn parse_score(text: &str) -> Result<Score, String> {
    Score::parse(text).map_err(|e| e.to_string())
}

/// A PNG file as 8-bit RGBA pixels and its `[width, height]`.
fn read_png(path: &Path) -> Result<(Vec<u8>, [usize; 2]), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let not_png = |e: png::DecodingError| format!("{}: not a PNG image ({e})", path.display());
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(not_png)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| format!("{}: the image is too large", path.display()))?;
    let mut buffer = vec![0u8; size];
    let info = reader.next_frame(&mut buffer).map_err(not_png)?;
    buffer.truncate(info.buffer_size());
    let pixels = info.width as usize * info.height as usize;
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => buffer,
        png::ColorType::Rgb => buffer
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buffer
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => {
            return Err(format!(
                "{}: a paletted PNG that did not expand",
                path.display()
            ))
        }
    };
    debug_assert_eq!(rgba.len(), pixels * 4);
    Ok((rgba, [info.width as usize, info.height as usize]))
}

/// A built-in name first (so a file called `disk` does not hide the disk), then a PNG file;
/// text that names neither but looks like a path is reported as a file that cannot be read.
fn built_in_or_png<T>(
    text: &str,
    parse: impl Fn(&str) -> padlens::Result<T>,
    from_png: impl Fn(&[u8], usize, usize) -> Result<T, String>,
) -> Result<T, String> {
    match parse(text) {
        Ok(value) => Ok(value),
        Err(error) if !Path::new(text).is_file() && !text.contains(['.', '/', '\\']) => {
            Err(error.to_string())
        }
        Err(_) => {
            let (rgba, [width, height]) = read_png(Path::new(text))?;
            from_png(&rgba, width, height).map_err(|e| format!("{text}: {e}"))
        }
    }
}

fn background(text: &str) -> Result<Background, String> {
    built_in_or_png(text, Background::parse, |rgba, width, height| {
        RgbImage::from_rgba8(rgba, width, height)
            .map(Background::Image)
            .map_err(|e| e.to_string())
    })
}

fn stimulus(text: &str) -> Result<Stimulus, String> {
    built_in_or_png(text, Stimulus::parse, |rgba, width, height| {
        RgbaImage::from_rgba8(rgba, width, height)
            .map(Stimulus::Image)
            .map_err(|e| e.to_string())
    })
}

pub fn detect(args: DetectArgs) -> Result<(), String> {
    let threshold = detect::check_threshold(args.threshold).map_err(|e| e.to_string())?;
    let (request, model) = args.scene.load(args.stride)?;
    let interactive = std::io::stderr().is_terminal();
    let evaluation = if args.full {
        Evaluation::Full
    } else {
        Evaluation::Incremental
    };
    let grid = DetectGrid::compute(&model, &request, evaluation, &mut |done, total| {
        if interactive {
            eprint!("\rdetect: {done}/{total}");
        }
        true
    })
    .map_err(|e| e.to_string())?;
    if interactive {
        eprintln!();
    }
    let bytes = match args.format {
        // The page's downloads of a grid call the same encoders.
        GridFormat::Npy => {
            export::npy(&grid.scores, &[grid.rows, grid.cols]).map_err(|e| e.to_string())?
        }
        GridFormat::Csv => export::csv_grid(&grid.scores, [grid.rows, grid.cols])
            .map_err(|e| e.to_string())?
            .into_bytes(),
        GridFormat::Png => {
            let (low, high) = grid
                .scores
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let rgba = render::colour_in_range(&grid.scores, low, high, Colormap::Viridis);
            let labels = [high, (low + high) / 2.0, low].map(format_relative);
            let description = format!(
                "padlens detectability grid {}x{}: {} of {} over {}, size {}, stride {}",
                grid.rows,
                grid.cols,
                args.scene.score,
                args.scene.stimulus,
                args.scene.background,
                args.scene.stimulus_size,
                args.stride
            );
            map_png(
                &rgba,
                [grid.rows, grid.cols],
                Colormap::Viridis,
                &labels,
                &description,
            )?
        }
    };
    write_output(Some(&args.out), &bytes, false)?;
    let detected = grid.scores.iter().filter(|&&s| s >= threshold).count();
    let line = format!(
        "detection rate {} at threshold {threshold}: {detected} of {} placements ({}×{} grid)\n",
        grid.detection_rate(threshold),
        grid.done,
        grid.rows,
        grid.cols
    );
    write_output(None, line.as_bytes(), true)
}

#[derive(Parser)]
pub struct ShiftArgs {
    #[command(flatten)]
    scene: SceneArgs,
    /// The placement: the stimulus's top-left corner as `Y,X` in input pixels (row, then
    /// column). `padlens detect`'s grid cell (i, j) at stride G is `i·G,j·G`. The stimulus
    /// must lie inside the image.
    #[arg(long, value_parser = parse_corner)]
    corner: [usize; 2],
    /// The largest shift, in pixels, in each direction; a direction stops earlier where the
    /// stimulus would cross the border.
    #[arg(long)]
    max_shift: usize,
    /// A shifted image counts as detected when it scores at least this; the summary counts
    /// them. Negative values are allowed (logits).
    #[arg(long, default_value_t = detect::DEFAULT_THRESHOLD, allow_negative_numbers = true)]
    threshold: f64,
    #[arg(long, value_enum)]
    format: ShiftFormat,
    /// Where to write the curve.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ShiftFormat {
    /// A `direction,shift,score` header, then one line per direction and shift (up, down,
    /// left, right; 0 … the last shift), shift 0 in every direction.
    Csv,
    /// The curve: corner, stimulus size, image size, max shift, and per direction its last
    /// shift and the scores from shift 0.
    Json,
}

fn parse_corner(text: &str) -> Result<[usize; 2], String> {
    let parse = |part: &str| part.trim().parse::<usize>().ok();
    match text.split_once(',').map(|(y, x)| (parse(y), parse(x))) {
        Some((Some(y), Some(x))) => Ok([y, x]),
        _ => Err(format!(
            "`{text}` is not a corner: expected Y,X, two whole numbers (row, column), e.g. 8,16"
        )),
    }
}

/// `d = 1–3: 0.100–0.900, 2 of 3 detected`, or why no shift was run.
fn shifted_summary(series: &ShiftSeries, max_shift: usize, threshold: f64) -> String {
    let shifted = &series.scores[1..];
    if shifted.is_empty() {
        return if max_shift == 0 {
            "no shift".into()
        } else {
            "no shift (the stimulus touches the border)".into()
        };
    }
    let (low, high) = shifted
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let detected = shifted.iter().filter(|&&s| s >= threshold).count();
    format!(
        "d = 1–{}: {}–{}, {detected} of {} detected",
        shifted.len(),
        format_relative(low),
        format_relative(high),
        shifted.len()
    )
}

pub fn shift(args: ShiftArgs) -> Result<(), String> {
    let threshold = detect::check_threshold(args.threshold).map_err(|e| e.to_string())?;
    let (request, model) = args.scene.load(1)?;
    let interactive = std::io::stderr().is_terminal();
    let curve = ShiftCurve::compute(
        &model,
        &request,
        args.corner,
        args.max_shift,
        &mut |done, total| {
            if interactive {
                eprint!("\rshift: {done}/{total}");
            }
            true
        },
    )
    .map_err(|e| e.to_string())?;
    if interactive {
        eprintln!();
    }
    let bytes = match args.format {
        ShiftFormat::Csv => {
            let mut csv = String::from("direction,shift,score\n");
            for series in &curve.directions {
                for (d, score) in series.scores.iter().enumerate() {
                    // As `detect`'s CSV: f64's shortest round-trip form.
                    csv += &format!(
                        "{},{d},{}\n",
                        series.direction.name(),
                        export::csv_number(*score)
                    );
                }
            }
            csv.into_bytes()
        }
        ShiftFormat::Json => {
            let mut json = serde_json::to_string_pretty(&curve).map_err(|e| e.to_string())?;
            json.push('\n');
            json.into_bytes()
        }
    };
    write_output(Some(&args.out), &bytes, false)?;
    let [y0, x0] = curve.corner;
    let parts: Vec<String> = curve
        .directions
        .iter()
        .map(|series| {
            format!(
                "{} {}",
                series.direction.name(),
                shifted_summary(series, curve.max_shift, threshold)
            )
        })
        .collect();
    let line = format!(
        "shift at corner {y0},{x0}: unshifted {} ({}detected at threshold {threshold}); {}\n",
        format_relative(curve.directions[0].scores[0]),
        if curve.directions[0].scores[0] >= threshold {
            ""
        } else {
            "not "
        },
        parts.join("; ")
    );
    write_output(None, line.as_bytes(), true)
}
