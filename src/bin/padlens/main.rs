//! `padlens`, the command-line face of the core: the same computations as the page.

use clap::{Parser, Subcommand, ValueEnum};
use padlens::analysis::doctor::{diagnose, Diagnosis, DoctorOptions};
use padlens::analysis::marginalization;
use padlens::analysis::{self, Summary};
use padlens::export;
use padlens::net::transform::Framework;
use padlens::net::{self, zoo, Network};
use padlens::padding::PaddingMode;
use padlens::render::{self, Colormap, Reference, RenderOptions, Scale};
use padlens::Error;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod detect_commands;
mod label_font;
mod model_commands;

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
    /// Report every layer that pads or down-samples: padding read on each side, input
    /// dropped; the nearest input sizes where all is even, and alternatives.
    Uneven(UnevenArgs),
    /// Boundary marginalization over a range of square input sizes.
    Sweep(SweepArgs),
    /// Run an ONNX model on an input (.npy, f32 NCHW) and write one of its values (.npy).
    Infer(model_commands::InferArgs),
    /// Mean feature maps of an ONNX model's conv layers over random inputs.
    Features(model_commands::FeaturesArgs),
    /// Mean filters of an ONNX model's k×k conv layers, with their asymmetry.
    Filters(model_commands::FiltersArgs),
    /// Stimulus-detectability grid of an ONNX model: a stimulus placed at every position of a
    /// grid over a background, and how well the model detects it there (definitions.md §5).
    /// Each placement recomputes only what the stimulus can change (`--full`: the whole model).
    Detect(detect_commands::DetectArgs),
    /// The shift experiment at one placement of the stimulus: its score as the whole image
    /// (background and stimulus) is shifted up, down, left and right by 0 … --max-shift
    /// pixels, circularly, each direction as far as the stimulus stays inside
    /// (definitions.md §5).
    Shift(detect_commands::ShiftArgs),
}

#[derive(Parser)]
struct UnevenArgs {
    #[command(flatten)]
    source: NetworkSource,
    /// Input size: N (square) or HxW, height first.
    #[arg(long, value_parser = parse_size)]
    size: [usize; 2],
    /// Padding convention: PyTorch's explicit amounts, or TF/Keras SAME wherever a layer pads.
    #[arg(long, value_enum, default_value_t = FrameworkArg::Torch)]
    framework: FrameworkArg,
    /// Replace every convolution's padding mode, as for `utilization` (valid and full change
    /// the amounts, so the report). Omitted: as the network defines it.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    /// Range of input sizes searched for even ones, FROM:TO.
    #[arg(long, default_value = "16:2048", value_parser = parse_range)]
    search: [usize; 2],
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

#[derive(Parser)]
struct SweepArgs {
    #[command(flatten)]
    source: NetworkSource,
    /// Square input sizes FROM:TO[:STEP], inclusive, e.g. 32:1024:8.
    #[arg(long)]
    sizes: String,
    /// Replace every convolution's padding mode; omitted: as the network defines it.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    /// A pixel is marginalized below this fraction of the centre's utilization, both
    /// averaged over the network's total stride (the `period` columns).
    #[arg(long, default_value_t = marginalization::DEFAULT_THRESHOLD)]
    threshold: f64,
    #[arg(long, value_enum, default_value_t = JsonOrCsv::Csv)]
    format: JsonOrCsv,
}

#[derive(Clone, Copy, ValueEnum)]
enum FrameworkArg {
    Torch,
    Tf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    /// The layer table: one row per layer, a column per field of the JSON's `report.layers`
    /// (flattened, keys sorted: as the page's download of the same report).
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum JsonOrCsv {
    Json,
    Csv,
}

#[derive(Parser)]
struct UtilizationArgs {
    #[command(flatten)]
    source: NetworkSource,
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
    /// The H×W map, one line per row, no header (f64's shortest round-trip form).
    Csv,
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

pub(crate) fn parse_size(text: &str) -> Result<[usize; 2], String> {
    let parse = |part: &str| part.trim().parse::<usize>().ok().filter(|&n| n > 0);
    let size = match text.split_once(['x', 'X', '×']) {
        Some((h, w)) => parse(h).zip(parse(w)).map(|(h, w)| [h, w]),
        None => parse(text).map(|n| [n, n]),
    };
    size.ok_or_else(|| Error::SizeSyntax(text.to_owned()).to_string())
}

fn parse_range(text: &str) -> Result<[usize; 2], String> {
    let parse = |part: &str| part.trim().parse::<usize>().ok();
    match text.split_once(':').map(|(a, b)| (parse(a), parse(b))) {
        Some((Some(from), Some(to))) if 1 <= from && from <= to => Ok([from, to]),
        _ => Err(format!(
            "malformed range `{text}`: expected FROM:TO, 1 ≤ FROM ≤ TO"
        )),
    }
}

pub(crate) fn parse_mode(text: &str) -> Result<PaddingMode, String> {
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
        Command::Uneven(args) => uneven(args),
        Command::Sweep(args) => sweep(args),
        Command::Infer(args) => model_commands::infer(args),
        Command::Features(args) => model_commands::features(args),
        Command::Filters(args) => model_commands::filters(args),
        Command::Detect(args) => detect_commands::detect(args),
        Command::Shift(args) => detect_commands::shift(args),
    }
}

/// Where a network comes from: the zoo or a spec (`--arch`), or an ONNX model's layer graph
/// (`--model`, its projection: definitions.md §8).
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct NetworkSource {
    /// A zoo name (see `padlens zoo`) or the path of a network spec (JSON, see README).
    #[arg(long)]
    arch: Option<String>,
    /// An ONNX model: its convolutions and poolings, as padlens projects them.
    #[arg(long)]
    model: Option<PathBuf>,
}

impl NetworkSource {
    fn load(&self) -> Result<Network, String> {
        match (&self.arch, &self.model) {
            (Some(arch), _) => load_network(arch),
            (None, Some(path)) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path
                    .file_stem()
                    .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
                let in_file = |e: padlens::Error| format!("{}: {e}", path.display());
                let model = padlens::infer::Model::from_onnx(bytes).map_err(in_file)?;
                padlens::infer::projection::project(&model, &name).map_err(in_file)
            }
            (None, None) => Err("give --arch or --model".into()),
        }
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
    let network = args.source.load()?;
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
        // The page's downloads call the same two encoders on the same values.
        Format::Npy => {
            bytes = export::npy(&map_values(&map), &map.size()).map_err(|e| e.to_string())?
        }
        Format::Csv => {
            bytes = export::csv_grid(&map_values(&map), map.size())
                .map_err(|e| e.to_string())?
                .into_bytes()
        }
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
        matches!(args.format, Format::Json | Format::Csv),
    )
}

/// A map's stored values, row-major (raw counts · 2^-log2_scale; the zoo's are raw counts).
fn map_values(map: &analysis::UtilizationMap) -> Vec<f64> {
    map.values.iter().copied().collect()
}

pub(crate) fn write_output(out: Option<&Path>, bytes: &[u8], text: bool) -> Result<(), String> {
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

/// The utilization map as a PNG with its colour bar, relative to the maximum or the centre.
fn png_with_colorbar(
    map: &analysis::UtilizationMap,
    options: RenderOptions,
) -> Result<Vec<u8>, String> {
    let [h, w] = map.size();
    let values: Vec<f64> = map.values.iter().copied().collect();
    let rendered = render::render(&values, h, w, options).map_err(|e| e.to_string())?;
    let labels = colorbar_labels(&rendered, options.scale);
    let description = format!(
        "padlens utilization map {h}x{w}; colour bar from {} to {} relative to the {}",
        rendered.low,
        rendered.high,
        if options.reference == Reference::Centre {
            "centre"
        } else {
            "maximum"
        }
    );
    map_png(
        &rendered.rgba,
        [h, w],
        options.colormap,
        &labels,
        &description,
    )
}

/// A coloured map at one pixel per value (at least 256 px tall, scaled by whole numbers), and
/// a colour bar of `colormap` with `labels` (top, middle, bottom) written beside it.
pub(crate) fn map_png(
    rgba: &[u8],
    [h, w]: [usize; 2],
    colormap: Colormap,
    labels: &[String; 3],
    description: &str,
) -> Result<Vec<u8>, String> {
    let zoom = (256 / h.max(w)).clamp(1, 16);
    let (map_h, map_w) = (h * zoom, w * zoom);
    let bar_h = map_h.max(128);
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
            put(x, y + 4, &rgba[i..i + 4]);
        }
    }
    let bar = render::colorbar(colormap, bar_h);
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
    encode_png(&canvas, [height, width], description)
}

/// RGBA pixels (`[height, width]`) as PNG bytes, with a Description text chunk.
pub(crate) fn encode_png(
    rgba: &[u8],
    [height, width]: [usize; 2],
    description: &str,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .add_text_chunk("Description".into(), description.to_owned())
            .map_err(|e| e.to_string())?;
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgba).map_err(|e| e.to_string())?;
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

pub(crate) fn format_relative(value: f64) -> String {
    if value != 0.0 && !(1e-3..1e4).contains(&value.abs()) {
        format!("{value:.2e}")
    } else {
        format!("{value:.3}")
    }
}

fn uneven(args: UnevenArgs) -> Result<(), String> {
    let network = args.source.load()?;
    let options = DoctorOptions {
        framework: match args.framework {
            FrameworkArg::Torch => Framework::Torch,
            FrameworkArg::Tf => Framework::Tf,
        },
        mode: args.padding,
        search: args.search,
    };
    let diagnosis = diagnose(&network, args.size, options).map_err(|e| e.to_string())?;
    let text = match args.format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&diagnosis).map_err(|e| e.to_string())? + "\n"
        }
        ReportFormat::Text => diagnosis_text(&diagnosis),
        ReportFormat::Csv => {
            let json = serde_json::to_value(&diagnosis).map_err(|e| e.to_string())?;
            let layers = json["report"]["layers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            export::objects_csv(&layers).map_err(|e| e.to_string())?
        }
    };
    write_output(None, text.as_bytes(), true)
}

fn diagnosis_text(d: &Diagnosis) -> String {
    use std::fmt::Write as _;
    let r = &d.report;
    let mut out = String::new();
    let framework = match (d.framework, d.mode) {
        (Framework::Torch, None) => "PyTorch explicit padding".to_owned(),
        (Framework::Tf, None) => "TF/Keras SAME padding".to_owned(),
        (Framework::Torch, Some(mode)) => format!("PyTorch amounts, {mode} padding"),
        (Framework::Tf, Some(mode)) => format!("TF/Keras SAME amounts, {mode} padding"),
    };
    let _ = writeln!(
        out,
        "{} at {}×{} ({framework}): {} of {} padding or down-sampling layers are uneven or drop input\n",
        r.network,
        r.input[0],
        r.input[1],
        r.offending().count(),
        r.layers.len()
    );
    let _ = writeln!(
        out,
        "  {:<28} {:>9} {:>9}  {:<14} {:>7} {:>7}  verdict (height | width)",
        "layer", "input", "output", "k/s/p/d", "read h", "read w"
    );
    for layer in &r.layers {
        let [h, w] = layer.axes;
        let kspd = if h.kernel == w.kernel && h.stride == w.stride && h.before == w.before {
            format!("{}/{}/{}", h.kernel, h.stride, h.before)
        } else {
            format!("{}x{}/{}x{}/…", h.kernel, w.kernel, h.stride, w.stride)
        };
        let kspd = if h.dilation > 1 {
            format!("{kspd}/{}", h.dilation)
        } else {
            kspd
        };
        let verdict = if layer.offending {
            format!("{} | {}", layer.description[0], layer.description[1])
        } else {
            "even".into()
        };
        let _ = writeln!(
            out,
            "{} {:<28} {:>9} {:>9}  {:<14} {:>7} {:>7}  {}",
            if layer.offending { "!" } else { " " },
            layer.name,
            format!("{}×{}", layer.input[0], layer.input[1]),
            format!("{}×{}", layer.output[0], layer.output[1]),
            kspd,
            format!("{}/{}", h.consumed_before, h.consumed_after),
            format!("{}/{}", w.consumed_before, w.consumed_after),
            verdict
        );
    }
    let _ = writeln!(
        out,
        "\n  read h/w: padding read before/after (top/bottom, left/right)\n"
    );
    for advice in &d.sizes {
        let axis = if advice.axis == 0 { "height" } else { "width" };
        let show = |n: Option<usize>| n.map_or("none".to_string(), |n| n.to_string());
        let _ = writeln!(
            out,
            "{axis} {}: {}; nearest even sizes in {}–{}: {} below, {} above{}",
            advice.current,
            if advice.current_is_clean {
                "even"
            } else {
                "uneven"
            },
            advice.range[0],
            advice.range[1],
            show(advice.below),
            show(advice.above),
            advice
                .rule
                .map(|rule| format!("; rule: {rule}"))
                .unwrap_or_default()
        );
    }
    if !d.alternatives.is_empty() {
        let _ = writeln!(out, "\nalternatives (the report re-run on each):");
        for alt in &d.alternatives {
            let outcome = match &alt.error {
                Some(e) => format!("cannot run: {e}"),
                None => format!(
                    "{} uneven, {} dropping layer-axes; left/right {:.4}, top/bottom {:.4}",
                    alt.uneven[0] + alt.uneven[1],
                    alt.dropping[0] + alt.dropping[1],
                    alt.left_to_right.unwrap_or(f64::NAN),
                    alt.top_to_bottom.unwrap_or(f64::NAN)
                ),
            };
            let _ = writeln!(out, "  {}: {}\n      → {outcome}", alt.title, alt.detail);
        }
    }
    if !d.depth_profile.is_empty() {
        let _ = writeln!(out, "\nutilization asymmetry after each top-level layer:");
        let _ = writeln!(
            out,
            "  {:>5} {:<28} {:>12} {:>12}",
            "depth", "layer", "left/right", "top/bottom"
        );
        for p in &d.depth_profile {
            let _ = writeln!(
                out,
                "{} {:>5} {:<28} {:>12.6} {:>12.6}",
                if p.offending { "!" } else { " " },
                p.depth,
                p.layer,
                p.left_to_right,
                p.top_to_bottom
            );
        }
    }
    out
}

fn sweep(args: SweepArgs) -> Result<(), String> {
    let network = args.source.load()?;
    let sizes = marginalization::parse_sizes(&args.sizes).map_err(|e| e.to_string())?;
    if !(args.threshold > 0.0 && args.threshold <= 1.0) {
        return Err(format!(
            "--threshold must be in (0, 1], got {}",
            args.threshold
        ));
    }
    let interactive = std::io::stderr().is_terminal();
    let points = marginalization::sweep(
        &network,
        &sizes,
        args.padding,
        args.threshold,
        &mut |done, total| {
            if interactive {
                eprint!("\rsweep: {done}/{total}");
            }
            true
        },
    );
    if interactive {
        eprintln!();
    }
    let text = match args.format {
        JsonOrCsv::Json => serde_json::to_string_pretty(&points).map_err(|e| e.to_string())? + "\n",
        JsonOrCsv::Csv => {
            let mut csv = String::from("size,share,band_top,band_bottom,band_left,band_right,band_max,band_relative,period_height,period_width,interior_log2,error\n");
            for p in &points {
                match (&p.result, &p.error) {
                    (Some(m), _) => csv.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{},{},{},\n",
                        p.size,
                        m.share,
                        m.band[0],
                        m.band[1],
                        m.band[2],
                        m.band[3],
                        m.band_max,
                        m.band_relative,
                        m.period[0],
                        m.period[1],
                        m.interior_log2
                    )),
                    (None, error) => csv.push_str(&format!(
                        "{},,,,,,,,,,,\"{}\"\n",
                        p.size,
                        error.as_deref().unwrap_or("").replace('"', "\"\"")
                    )),
                }
            }
            csv
        }
    };
    write_output(None, text.as_bytes(), true)
}
