//! Utilization maps against PyTorch autograd (definitions.md §3): `tools/golden.py maps` builds
//! each torchvision net as the one-channel all-ones float64 network and stores the input
//! gradient of `y.sum()` in `tests/golden/<net>_<h>x<w>_<mode>.npy.gz`. No Python runs here.

use flate2::read::GzDecoder;
use padlens::analysis::utilization;
use padlens::net::zoo;
use padlens::padding::PaddingMode;
use std::io::Read;
use std::path::{Path, PathBuf};

/// `(net, height, width, modes)`: must match `MAPS` in tools/golden.py.
const CASES: &[(&str, usize, usize, &[&str])] = &[
    ("vgg19", 512, 512, &ALL_MODES),
    ("resnet50", 224, 224, &ALL_MODES),
    ("resnet50", 225, 225, &ALL_MODES),
    ("alexnet", 97, 131, &["zeros", "reflect"]),
    ("mobilenet_v2", 97, 131, &["zeros", "reflect"]),
    ("googlenet", 97, 131, &["zeros", "reflect"]),
    ("densenet121", 97, 131, &["zeros", "reflect"]),
];
const ALL_MODES: [&str; 4] = ["zeros", "reflect", "replicate", "circular"];

/// Integers up to 2^53 are exact in f64: every partial sum of both computations is then an
/// exact integer, whatever the order of summation, so the maps must agree bit for bit.
const EXACT_BELOW: f64 = 9_007_199_254_740_992.0;
const RELATIVE_TOLERANCE: f64 = 1e-12;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn file_name(net: &str, h: usize, w: usize, mode: &str) -> String {
    format!("{net}_{h}x{w}_{mode}.npy.gz")
}

/// A 2-D `<f8` C-order .npy array (format versions 1–3), as `(shape, values)`.
fn parse_npy(bytes: &[u8]) -> Result<([usize; 2], Vec<f64>), String> {
    let magic = b"\x93NUMPY";
    if bytes.len() < 10 || &bytes[..6] != magic {
        return Err("not a .npy file".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            let len = bytes.get(8..12).ok_or("truncated header")?;
            (u32::from_le_bytes(len.try_into().unwrap()) as usize, 12)
        }
        v => return Err(format!("unknown .npy version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|e| e.to_string())?;
    let compact: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.contains("'descr':'<f8'") {
        return Err(format!("not little-endian float64: {header}"));
    }
    if !compact.contains("'fortran_order':False") {
        return Err(format!("not C order: {header}"));
    }
    let shape_start = compact.find("'shape':(").ok_or("no shape")? + "'shape':(".len();
    let shape_end = shape_start + compact[shape_start..].find(')').ok_or("bad shape")?;
    let dims: Vec<usize> = compact[shape_start..shape_end]
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e| format!("shape {s}: {e}")))
        .collect::<Result<_, _>>()?;
    let [h, w] = dims[..] else {
        return Err(format!("not 2-D: {dims:?}"));
    };
    let data = &bytes[start + header_len..];
    if data.len() != h * w * 8 {
        return Err(format!("{} data bytes for {h}×{w}", data.len()));
    }
    let values = data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Ok(([h, w], values))
}

fn load(name: &str) -> ([usize; 2], Vec<f64>) {
    let path = golden_dir().join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    parse_npy(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares one case; returns a description of the worst disagreement, if any.
fn check(net: &str, h: usize, w: usize, mode: &str) -> Result<(), String> {
    let name = file_name(net, h, w, mode);
    let (shape, golden) = load(&name);
    if shape != [h, w] {
        return Err(format!("{name}: golden map is {}×{}", shape[0], shape[1]));
    }
    let network = zoo::build(net).map_err(|e| e.to_string())?;
    let mode: PaddingMode = mode.parse().map_err(|e: padlens::Error| e.to_string())?;
    let map = utilization(&network, [h, w], Some(mode), None).map_err(|e| e.to_string())?;
    if map.log2_scale != 0 {
        return Err(format!("{name}: log2_scale is {}", map.log2_scale));
    }
    if map.values.dim() != (h, w) {
        return Err(format!("{name}: map is {:?}", map.values.dim()));
    }
    let exact = golden
        .iter()
        .all(|v| v.fract() == 0.0 && v.abs() < EXACT_BELOW);
    let mut worst = (0.0f64, 0, 0.0, 0.0);
    for (i, (&ours, &theirs)) in map.values.iter().zip(&golden).enumerate() {
        let error = if ours == theirs {
            0.0
        } else if theirs == 0.0 {
            f64::INFINITY
        } else {
            ((ours - theirs) / theirs).abs()
        };
        if error > worst.0 {
            worst = (error, i, ours, theirs);
        }
    }
    let (error, i, ours, theirs) = worst;
    let at = (i / w, i % w);
    if exact && error != 0.0 {
        return Err(format!(
            "{name}: integer map below 2^53 differs at {at:?}: {ours} vs autograd {theirs}"
        ));
    }
    if error > RELATIVE_TOLERANCE {
        return Err(format!(
            "{name}: relative error {error:e} at {at:?}: {ours} vs autograd {theirs}"
        ));
    }
    Ok(())
}

#[test]
fn maps_match_pytorch_autograd() {
    let mut failures = Vec::new();
    for &(net, h, w, modes) in CASES {
        for mode in modes {
            if let Err(e) = check(net, h, w, mode) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_golden_map_is_checked() {
    let listed: Vec<String> = CASES
        .iter()
        .flat_map(|&(net, h, w, modes)| modes.iter().map(move |m| file_name(net, h, w, m)))
        .collect();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".npy.gz") {
            assert!(
                listed.contains(&name),
                "{name} is not in CASES (tests/golden.rs)"
            );
        }
    }
}

/// The definitions.md §3 facts, straight from the autograd maps.
#[test]
fn golden_maps_show_the_paper_effects() {
    let (_, vgg) = load(&file_name("vgg19", 512, 512, "zeros"));
    assert_eq!(vgg[256 * 512 + 256], 9f64.powi(16));
    for mode in ["circular", "replicate"] {
        let (_, uniform) = load(&file_name("vgg19", 512, 512, mode));
        assert!(uniform.iter().all(|&v| v == 9f64.powi(16)), "{mode}");
    }
    // ResNet-50 at 224 favours the top-left; at 225 it is mirror-symmetric.
    let (_, skewed) = load(&file_name("resnet50", 224, 224, "zeros"));
    assert!(skewed[0] > skewed[224 * 224 - 1]);
    let (_, even) = load(&file_name("resnet50", 225, 225, "zeros"));
    let flipped: Vec<f64> = even.iter().rev().copied().collect();
    assert_eq!(even, flipped);
}

#[test]
fn npy_parser_rejects_what_it_cannot_read() {
    assert!(parse_npy(b"not numpy at all").is_err());
    let mut v1 = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1), }";
    v1.extend((header.len() as u16).to_le_bytes());
    v1.extend(header.as_bytes());
    v1.extend([0u8; 8]);
    assert!(parse_npy(&v1).unwrap_err().contains("little-endian"));
}
