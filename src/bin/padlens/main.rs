//! `padlens`, the command-line face of the core: the same computations as the page.

use clap::{Parser, Subcommand, ValueEnum};
use ndarray_npy::WriteNpyExt;
use padlens::analysis::{self, Summary};
use padlens::net::{self, zoo, Network};
use padlens::padding::PaddingMode;
use padlens::render::{self, Colormap, Reference, RenderOptions, Scale};
use padlens::Error;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod label_font;

#[derive(Parser)]
#[command(
    name = "padlens",
    version,
    about = "Where is a CNN blind because of its padding? (Mind the Pad, ICLR 2021)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the architectures of the zoo.
    Zoo,
    /// Compute a utilization (foveation) map: how many ways each input pixel reaches the last
    /// feature map.
    Utilization(UtilizationArgs),
}

#[derive(Parser)]
struct UtilizationArgs {
    /// A zoo name (see `padlens zoo`) or the path of a network spec (JSON, see README).
    #[arg(long)]
    arch: String,
    /// Input size: N (square) or HxW, height first, e.g. 97x131.
    #[arg(long, value_parser = parse_size)]
    size: [usize; 2],
    /// Replace every convolution's padding mode (same amounts; pooling keeps its own).
    /// Omitted: as the network defines it.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    /// Only the first L top-level layers (a residual or concatenating block counts as one).
    #[arg(long = "layers", value_name = "L")]
    layers: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Output file; standard output if omitted (binary formats refuse a terminal).
    #[arg(long)]
    out: Option<PathBuf>,
    /// PNG only: colour map.
    #[arg(long, value_enum, default_value_t = ColormapArg::Viridis)]
    colormap: ColormapArg,
    /// PNG only: colours relative to the maximum or to the centre.
    #[arg(long, value_enum, default_value_t = ReferenceArg::Max)]
    relative_to: ReferenceArg,
    /// PNG only: logarithmic colour scale.
    #[arg(long)]
    log: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// The H×W map as little-endian f64 (NumPy .npy).
    Npy,
    /// The map (row-major rows) and its summary figures.
    Json,
    /// A colour-mapped picture with a labelled colour bar.
    Png,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColormapArg {
    Viridis,
    Cividis,
    Magma,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReferenceArg {
    Max,
    Centre,
}

fn parse_size(text: &str) -> Result<[usize; 2], String> {
    let parse = |part: &str| part.trim().parse::<usize>().ok().filter(|&n| n > 0);
    let size = match text.split_once(['x', 'X', '×']) {
        Some((h, w)) => parse(h).zip(parse(w)).map(|(h, w)| [h, w]),
        None => parse(text).map(|n| [n, n]),
    };
    size.ok_or_else(|| Error::SizeSyntax(text.to_owned()).to_string())
}

fn parse_mode(text: &str) -> Result<PaddingMode, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("padlens: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Zoo => {
            let width = zoo::ZOO.iter().map(|e| e.name.len()).max().unwrap_or(0);
            for entry in zoo::ZOO {
                println!("{:width$}  {}", entry.name, entry.description);
            }
            Ok(())
        }
        Command::Utilization(args) => utilization(args),
    }
}

fn load_network(arch: &str) -> Result<Network, String> {
    let path = Path::new(arch);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return net::spec::parse_network(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    if arch.ends_with(".json") || arch.contains('/') {
        return Err(format!("no such spec file: {arch}"));
    }
    zoo::build(arch).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct UtilizationJson<'a> {
    network: &'a str,
    height: usize,
    width: usize,
    /// The mode every convolution used, or null for the network's own.
    padding: Option<PaddingMode>,
    layers: usize,
    summary: &'a Summary,
    /// Raw count = map value · 2^log2_scale.
    log2_scale: i32,
    map: Vec<Vec<f64>>,
}

fn utilization(args: UtilizationArgs) -> Result<(), String> {
    let network = load_network(&args.arch)?;
    let plan = network
        .plan(args.size, args.padding, args.layers)
        .map_err(|e| e.to_string())?;
    let map = analysis::utilization_of_plan(&plan).map_err(|e| e.to_string())?;
    let summary = Summary::of(&map);
    let mut bytes = Vec::new();
    match args.format {
        Format::Json => {
            let json = UtilizationJson {
                network: &network.name,
                height: args.size[0],
                width: args.size[1],
                padding: args.padding,
                layers: plan.steps.len(),
                summary: &summary,
                log2_scale: map.log2_scale,
                map: map.values.rows().into_iter().map(|r| r.to_vec()).collect(),
            };
            serde_json::to_writer(&mut bytes, &json).map_err(|e| e.to_string())?;
            bytes.push(b'\n');
        }
        Format::Npy => map
            .values
            .write_npy(&mut bytes)
            .map_err(|e| e.to_string())?,
        Format::Png => {
            let options = RenderOptions {
                colormap: match args.colormap {
                    ColormapArg::Viridis => Colormap::Viridis,
                    ColormapArg::Cividis => Colormap::Cividis,
                    ColormapArg::Magma => Colormap::Magma,
                },
                reference: match args.relative_to {
                    ReferenceArg::Max => Reference::Max,
                    ReferenceArg::Centre => Reference::Centre,
                },
                scale: if args.log { Scale::Log } else { Scale::Linear },
            };
            bytes = png_with_colorbar(&map, options)?;
        }
    }
    write_output(
        args.out.as_deref(),
        &bytes,
        matches!(args.format, Format::Json),
    )
}

fn write_output(out: Option<&Path>, bytes: &[u8], text: bool) -> Result<(), String> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if !text && stdout.is_terminal() {
                return Err("refusing to write binary output to a terminal: use --out FILE".into());
            }
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                // `padlens … | head` closing the pipe early is not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| e.to_string()),
            }
        }
    }
}

/// The map at one pixel per input pixel (at least 256 px tall, scaled by whole numbers), and a
/// colour bar with its top, middle and bottom values written beside it.
fn png_with_colorbar(
    map: &analysis::UtilizationMap,
    options: RenderOptions,
) -> Result<Vec<u8>, String> {
    let [h, w] = map.size();
    let values: Vec<f64> = map.values.iter().copied().collect();
    let rendered = render::render(&values, h, w, options).map_err(|e| e.to_string())?;
    let zoom = (256 / h.max(w)).clamp(1, 16);
    let (map_h, map_w) = (h * zoom, w * zoom);
    let bar_h = map_h.max(128);
    let labels = colorbar_labels(&rendered, options.scale);
    let label_w = labels
        .iter()
        .map(|l| label_font::width(l))
        .max()
        .unwrap_or(0);
    let (gap, bar_w) = (12, 16);
    let width = map_w + gap + bar_w + 6 + label_w + 4;
    let height = bar_h.max(map_h) + 8;
    let mut canvas = vec![255u8; width * height * 4];
    let mut put = |x: usize, y: usize, rgba: &[u8]| {
        let i = (y * width + x) * 4;
        canvas[i..i + 4].copy_from_slice(rgba);
    };
    for y in 0..map_h {
        for x in 0..map_w {
            let i = ((y / zoom) * w + x / zoom) * 4;
            put(x, y + 4, &rendered.rgba[i..i + 4]);
        }
    }
    let bar = render::colorbar(options.colormap, bar_h);
    let bar_x = map_w + gap;
    for y in 0..bar_h {
        for x in 0..bar_w {
            put(bar_x + x, y + 4, &bar[y * 4..y * 4 + 4]);
        }
    }
    let text_x = bar_x + bar_w + 6;
    let rows = [
        4,
        4 + bar_h / 2 - label_font::HEIGHT / 2,
        4 + bar_h - label_font::HEIGHT,
    ];
    for (label, y) in labels.iter().zip(rows) {
        label_font::draw(label, text_x, y, &mut put);
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .add_text_chunk(
                "Description".into(),
                format!(
                    "padlens utilization map {h}x{w}; colour bar from {} to {} relative to the {}",
                    rendered.low,
                    rendered.high,
                    if options.reference == Reference::Centre {
                        "centre"
                    } else {
                        "maximum"
                    }
                ),
            )
            .map_err(|e| e.to_string())?;
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&canvas)
            .map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// Top, middle and bottom of the colour bar, as relative values.
fn colorbar_labels(rendered: &render::Rendered, scale: Scale) -> [String; 3] {
    let middle = match scale {
        Scale::Linear => (rendered.low + rendered.high) / 2.0,
        Scale::Log => (rendered.low * rendered.high).sqrt(),
    };
    [rendered.high, middle, rendered.low].map(format_relative)
}

fn format_relative(value: f64) -> String {
    if value != 0.0 && !(1e-3..1e4).contains(&value.abs()) {
        format!("{value:.2e}")
    } else {
        format!("{value:.3}")
    }
}
