//! The commands on ONNX models: `infer`, `features` and `filters` — the Model page's forward
//! pass, mean feature maps and mean filters, from the same core functions.

use crate::{encode_png, format_relative, map_png, parse_mode, parse_size, write_output};
use clap::{Parser, ValueEnum};
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use padlens::infer::inspect::{self, MeanFeatureMaps};
use padlens::infer::{Model, Plan, PlanOptions};
use padlens::padding::PaddingMode;
use padlens::render::{self, Colormap};
use std::path::{Path, PathBuf};

#[derive(Parser)]
pub struct InferArgs {
    /// The ONNX file.
    #[arg(long)]
    model: PathBuf,
    /// The input: a float32 .npy, N×C×H×W; its shape sets the size the model runs at.
    #[arg(long)]
    input: PathBuf,
    /// Replace every convolution's padding mode (same amounts and weights; pooling keeps its
    /// own). Omitted: the model's own.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    /// The value to write, by its ONNX name (any node's output). Omitted: the model's first
    /// output.
    #[arg(long)]
    output: Option<String>,
    /// Where to write the value (float32 .npy).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Parser)]
pub struct FeaturesArgs {
    /// The ONNX file.
    #[arg(long)]
    model: PathBuf,
    /// Input size: N (square) or HxW, height first. Omitted: the size the model declares.
    #[arg(long, value_parser = parse_size)]
    size: Option<[usize; 2]>,
    /// Random inputs averaged (uniform in [0, 1]).
    #[arg(long, default_value_t = 32)]
    samples: usize,
    /// Seed of the random inputs (PCG32): the page gives the same maps for the same seed.
    #[arg(long, default_value_t = 0)]
    seed: u32,
    /// Replace every convolution's padding mode. Omitted: the model's own.
    #[arg(long, value_parser = parse_mode)]
    padding: Option<PaddingMode>,
    #[arg(long, value_enum, default_value_t = MapFormat::Npy)]
    format: MapFormat,
    /// A directory for one file per conv layer, `NN_<layer>.npy` or `.png`, in layer order.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MapFormat {
    /// The H×W map as little-endian f32 (NumPy .npy).
    Npy,
    /// Viridis over the layer's own range, with a labelled colour bar.
    Png,
}

#[derive(Parser)]
pub struct FiltersArgs {
    /// The ONNX file.
    #[arg(long)]
    model: PathBuf,
    #[arg(long, value_enum, default_value_t = FilterFormat::Json)]
    format: FilterFormat,
    /// Output file; standard output if omitted (PNG refuses a terminal).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FilterFormat {
    /// Every mean filter: layer, kernel, values (row-major), left_right, top_bottom.
    Json,
    /// The mean filters side by side in layer order, each on red–blue around zero.
    Png,
}

pub(crate) fn read_model(path: &Path) -> Result<Model, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Model::from_onnx(bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn infer(args: InferArgs) -> Result<(), String> {
    let model = read_model(&args.model)?;
    let file = std::fs::File::open(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    let input = ArrayD::<f32>::read_npy(file).map_err(|e| {
        format!(
            "{}: not a float32 .npy ({e}); save it with numpy.save(path, x.astype(numpy.float32))",
            args.input.display()
        )
    })?;
    let shape = input.shape().to_vec();
    let keep: Vec<String> = args.output.iter().cloned().collect();
    let options = PlanOptions {
        input_shapes: Some(vec![shape]),
        padding: args.padding,
        keep: keep.clone(),
        only_kept: !keep.is_empty(),
    };
    let mut plan = Plan::new(model.graph(), &options).map_err(|e| e.to_string())?;
    let data: Vec<f32> = input.iter().copied().collect();
    plan.run(&[&data]).map_err(|e| e.to_string())?;
    let name = match args.output {
        Some(name) => name,
        None => plan
            .output_names()
            .next()
            .ok_or("the model has no output")?
            .to_owned(),
    };
    let value = plan.value(&name).map_err(|e| e.to_string())?;
    let array = ArrayD::from_shape_vec(IxDyn(value.shape), value.data.to_vec())
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    array.write_npy(&mut bytes).map_err(|e| e.to_string())?;
    write_output(Some(&args.out), &bytes, false)
}

/// A layer name as a file name: ONNX names such as `/layer1/layer1.0/conv1/Conv` keep their
/// letters, digits and dots; anything else becomes `_`.
fn file_stem(index: usize, layer: &str) -> String {
    let cleaned: String = layer
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{index:02}_{}", cleaned.trim_matches('_'))
}

pub fn features(args: FeaturesArgs) -> Result<(), String> {
    let model = read_model(&args.model)?;
    if args.samples == 0 || args.samples > inspect::MAX_FEATURE_SAMPLES {
        return Err(format!(
            "--samples must be from 1 to {}",
            inspect::MAX_FEATURE_SAMPLES
        ));
    }
    let mut maps = MeanFeatureMaps::new(&model, args.size, args.padding, u64::from(args.seed))
        .map_err(|e| e.to_string())?;
    for _ in 0..args.samples {
        maps.add_sample().map_err(|e| e.to_string())?;
    }
    let mut listing = String::new();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for (index, map) in maps.maps().map_err(|e| e.to_string())?.iter().enumerate() {
        let stem = file_stem(index, &map.layer);
        let (file, bytes) = match args.format {
            MapFormat::Npy => {
                let array = ndarray::Array2::from_shape_vec(map.size, map.values.clone())
                    .map_err(|e| e.to_string())?;
                let mut bytes = Vec::new();
                array.write_npy(&mut bytes).map_err(|e| e.to_string())?;
                (format!("{stem}.npy"), bytes)
            }
            MapFormat::Png => {
                let values: Vec<f64> = map.values.iter().map(|&v| f64::from(v)).collect();
                let (low, high) = values
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    });
                let rgba = render::colour_in_range(&values, low, high, Colormap::Viridis);
                let labels = [high, (low + high) / 2.0, low].map(format_relative);
                let description = format!(
                    "padlens mean feature map of {} ({}x{}), {} random inputs, seed {}",
                    map.layer, map.size[0], map.size[1], args.samples, args.seed
                );
                let png = map_png(&rgba, map.size, Colormap::Viridis, &labels, &description)?;
                (format!("{stem}.png"), png)
            }
        };
        let path = args.out.join(&file);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        listing += &format!(
            "{}\t{}\t{}x{}\n",
            path.display(),
            map.layer,
            map.size[0],
            map.size[1]
        );
    }
    // What was written, one line per layer (through write_output, which takes a closed pipe).
    write_output(None, listing.as_bytes(), true)
}

/// Pixels per filter tap in the PNG, and the gap between filters.
const TAP_PIXELS: usize = 12;
const GAP: usize = 8;

pub fn filters(args: FiltersArgs) -> Result<(), String> {
    let model = read_model(&args.model)?;
    let filters = inspect::mean_filters(model.graph());
    let bytes = match args.format {
        FilterFormat::Json => {
            let mut bytes = serde_json::to_vec(&filters).map_err(|e| e.to_string())?;
            bytes.push(b'\n');
            bytes
        }
        FilterFormat::Png => {
            if filters.is_empty() {
                return Err("the model has no conv layer with a kernel of 2×2 or more".into());
            }
            let cell = |k: usize| k * TAP_PIXELS;
            let height = filters.iter().map(|f| cell(f.kernel[0])).max().unwrap_or(0) + 2 * GAP;
            let width: usize = filters
                .iter()
                .map(|f| cell(f.kernel[1]) + GAP)
                .sum::<usize>()
                + GAP;
            let mut canvas = vec![255u8; width * height * 4];
            let mut x0 = GAP;
            for filter in &filters {
                let extent = filter
                    .values
                    .iter()
                    .fold(0f64, |m, &v| m.max(f64::from(v).abs()));
                let values: Vec<f64> = filter.values.iter().map(|&v| f64::from(v)).collect();
                let rgba = render::colour_in_range(&values, -extent, extent, Colormap::RedBlue);
                let [kh, kw] = filter.kernel;
                for y in 0..cell(kh) {
                    for x in 0..cell(kw) {
                        let tap = (y / TAP_PIXELS) * kw + x / TAP_PIXELS;
                        let i = ((GAP + y) * width + x0 + x) * 4;
                        canvas[i..i + 4].copy_from_slice(&rgba[tap * 4..tap * 4 + 4]);
                    }
                }
                x0 += cell(kw) + GAP;
            }
            let names: Vec<String> = filters
                .iter()
                .map(|f| {
                    format!(
                        "{} (L/R {:.3}, T/B {:.3})",
                        f.layer, f.left_right, f.top_bottom
                    )
                })
                .collect();
            let description = format!(
                "padlens mean filters, left to right, each on red-blue over ±its largest |value|: {}",
                names.join("; ")
            );
            encode_png(&canvas, [height, width], &description)?
        }
    };
    write_output(
        args.out.as_deref(),
        &bytes,
        matches!(args.format, FilterFormat::Json),
    )
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn layer_names_become_file_names() {
        assert_eq!(
            file_stem(3, "/layer1/layer1.0/conv1/Conv"),
            "03_layer1_layer1.0_conv1_Conv"
        );
    }
}
