//! `padlens detect`: the stimulus-detectability grid (definitions.md §5) of an ONNX model,
//! from the core's `detect` module.

use crate::model_commands::read_model;
use crate::{format_relative, map_png, parse_mode, parse_size, write_output};
use clap::{Parser, ValueEnum};
use ndarray_npy::WriteNpyExt;
use padlens::detect::{
    self, Background, DetectGrid, DetectRequest, Evaluation, RgbImage, RgbaImage, Score, Stimulus,
};
use padlens::infer::inspect::Normalization;
use padlens::padding::PaddingMode;
use padlens::render::{self, Colormap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser)]
pub struct DetectArgs {
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
    /// Pixels between placements, down and across.
    #[arg(long)]
    stride: usize,
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
    let request = DetectRequest {
        size: args.size,
        padding: args.padding,
        background: background(&args.background)?,
        stimulus: stimulus(&args.stimulus)?,
        stimulus_size: args.stimulus_size,
        stride: args.stride,
        score: args.score,
        normalization: match args.normalize {
            NormalizeArg::None => Normalization::None,
            NormalizeArg::Imagenet => Normalization::ImageNet,
        },
    };
    let model = read_model(&args.model)?;
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
        GridFormat::Npy => {
            let array =
                ndarray::Array2::from_shape_vec([grid.rows, grid.cols], grid.scores.clone())
                    .map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            array.write_npy(&mut bytes).map_err(|e| e.to_string())?;
            bytes
        }
        GridFormat::Csv => {
            let mut csv = String::new();
            for row in grid.scores.chunks_exact(grid.cols) {
                // Debug is f64's shortest round-trip form, in exponent notation when tiny
                // (softmax scores of 1e-24 would otherwise print 24 zeros).
                let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
                csv += &cells.join(",");
                csv.push('\n');
            }
            csv.into_bytes()
        }
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
                args.score,
                args.stimulus,
                args.background,
                args.stimulus_size,
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
