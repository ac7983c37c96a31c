//! The JSON spec for custom networks (documented in README.md, "Network spec").
//!
//! ```json
//! {"name": "tiny", "layers": [
//!   {"type": "conv", "name": "conv1", "kernel": 7, "stride": 2, "padding": 3},
//!   {"type": "max_pool", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": true},
//!   {"type": "residual", "main": [{"type": "conv", "kernel": 3, "padding": 1}]},
//!   {"type": "concat", "branches": [[], [{"type": "conv", "kernel": 3, "padding": "same"}]]},
//!   {"type": "global_pool"}
//! ]}
//! ```
//! `kernel`, `stride`, `dilation`: a number or `[height, width]`. `padding`: a number, or
//! `[height, width]` amounts (PyTorch's tuple), or `[[top, bottom], [left, right]]`, or one of
//! `"same"`, `"same_lower"`, `"valid"`, `"full"` — per axis or for both. `padding_mode` (conv
//! only): one of the eight mode names. Unnamed layers are named by their path, e.g.
//! `layers.3.main.0`.

use super::{Branch, Combine, Layer, Network, WindowKind, WindowLayer};
use crate::error::{Error, Result};
use crate::geometry::{AxisWindow, PaddingSpec};
use crate::padding::PaddingMode;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkJson {
    #[serde(default)]
    name: Option<String>,
    layers: Vec<LayerJson>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PerAxis {
    Both(usize),
    Each([usize; 2]),
}

impl PerAxis {
    fn get(&self) -> [usize; 2] {
        match *self {
            PerAxis::Both(v) => [v, v],
            PerAxis::Each(v) => v,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum NamedPadding {
    Same,
    SameLower,
    Valid,
    Full,
}

impl From<NamedPadding> for PaddingSpec {
    fn from(named: NamedPadding) -> Self {
        match named {
            NamedPadding::Same => PaddingSpec::Same,
            NamedPadding::SameLower => PaddingSpec::SameLower,
            NamedPadding::Valid => PaddingSpec::Valid,
            NamedPadding::Full => PaddingSpec::Full,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum AxisPaddingJson {
    Amount(usize),
    BeforeAfter([usize; 2]),
    Named(NamedPadding),
}

impl From<AxisPaddingJson> for PaddingSpec {
    fn from(json: AxisPaddingJson) -> Self {
        match json {
            AxisPaddingJson::Amount(p) => PaddingSpec::symmetric(p),
            AxisPaddingJson::BeforeAfter([before, after]) => {
                PaddingSpec::Explicit { before, after }
            }
            AxisPaddingJson::Named(named) => named.into(),
        }
    }
}

/// `Each` comes first: serde tries untagged variants in order, and `[1, 2]` must read as
/// PyTorch's `(height, width)` tuple, not as before/after amounts for both axes.
#[derive(Deserialize)]
#[serde(untagged)]
enum PaddingJson {
    Each([AxisPaddingJson; 2]),
    Both(AxisPaddingJson),
}

impl PaddingJson {
    fn get(&self) -> [PaddingSpec; 2] {
        match *self {
            PaddingJson::Both(p) => [p.into(); 2],
            PaddingJson::Each([h, w]) => [h.into(), w.into()],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowJson {
    #[serde(default)]
    name: Option<String>,
    kernel: PerAxis,
    /// Convolutions default to stride 1; poolings to their kernel, as in PyTorch.
    #[serde(default)]
    stride: Option<PerAxis>,
    #[serde(default)]
    dilation: Option<PerAxis>,
    #[serde(default)]
    padding: Option<PaddingJson>,
    #[serde(default)]
    padding_mode: Option<PaddingMode>,
    #[serde(default)]
    ceil_mode: bool,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum LayerJson {
    Conv(WindowJson),
    MaxPool(WindowJson),
    AvgPool(WindowJson),
    GlobalPool {
        #[serde(default)]
        name: Option<String>,
    },
    Residual {
        #[serde(default)]
        name: Option<String>,
        main: Vec<LayerJson>,
        /// Absent: the identity shortcut.
        #[serde(default)]
        shortcut: Vec<LayerJson>,
    },
    Concat {
        #[serde(default)]
        name: Option<String>,
        branches: Vec<Vec<LayerJson>>,
    },
}

/// Parses a network spec. Errors carry serde's line and column.
pub fn parse_network(text: &str) -> Result<Network> {
    let json: NetworkJson = serde_json::from_str(text).map_err(|e| Error::Spec(e.to_string()))?;
    if json.layers.is_empty() {
        return Err(Error::Spec("`layers` is empty".into()));
    }
    let layers = convert_sequence(json.layers, "layers")?;
    Ok(Network {
        name: json.name.unwrap_or_else(|| "custom".into()),
        layers,
    })
}

fn convert_sequence(layers: Vec<LayerJson>, path: &str) -> Result<Vec<Layer>> {
    layers
        .into_iter()
        .enumerate()
        .map(|(i, layer)| convert_layer(layer, &format!("{path}.{i}")))
        .collect()
}

fn convert_layer(layer: LayerJson, path: &str) -> Result<Layer> {
    let window = |json: WindowJson, kind: WindowKind| -> Result<Layer> {
        let kernel = json.kernel.get();
        let stride = match (&json.stride, kind) {
            (Some(s), _) => s.get(),
            (None, WindowKind::Conv) => [1, 1],
            (None, _) => kernel,
        };
        let dilation = json.dilation.as_ref().map_or([1, 1], PerAxis::get);
        if kind != WindowKind::Conv && json.padding_mode.is_some() {
            return Err(Error::Spec(format!(
                "`{path}`: padding_mode applies to convolutions only; pooling reads nothing \
                 from its padding"
            )));
        }
        let mut axes = [AxisWindow::new(kernel[0], stride[0], dilation[0]); 2];
        axes[1] = AxisWindow::new(kernel[1], stride[1], dilation[1]);
        for axis in &mut axes {
            axis.ceil_mode = json.ceil_mode;
        }
        Ok(Layer::Window(WindowLayer {
            name: json.name.unwrap_or_else(|| path.to_owned()),
            kind,
            window: axes,
            padding: json
                .padding
                .as_ref()
                .map_or([PaddingSpec::symmetric(0); 2], PaddingJson::get),
            mode: json.padding_mode.unwrap_or_default(),
        }))
    };
    match layer {
        LayerJson::Conv(json) => window(json, WindowKind::Conv),
        LayerJson::MaxPool(json) => window(json, WindowKind::MaxPool),
        LayerJson::AvgPool(json) => window(json, WindowKind::AvgPool),
        LayerJson::GlobalPool { name } => Ok(Layer::GlobalPool {
            name: name.unwrap_or_else(|| path.to_owned()),
        }),
        LayerJson::Residual {
            name,
            main,
            shortcut,
        } => {
            let name = name.unwrap_or_else(|| path.to_owned());
            let branches = vec![
                Branch {
                    name: format!("{name}.main"),
                    layers: convert_sequence(main, &format!("{path}.main"))?,
                },
                Branch {
                    name: format!("{name}.shortcut"),
                    layers: convert_sequence(shortcut, &format!("{path}.shortcut"))?,
                },
            ];
            Ok(Layer::Block {
                name,
                combine: Combine::Add,
                branches,
            })
        }
        LayerJson::Concat { name, branches } => {
            let name = name.unwrap_or_else(|| path.to_owned());
            if branches.is_empty() {
                return Err(Error::EmptyBlock { block: name });
            }
            let branches = branches
                .into_iter()
                .enumerate()
                .map(|(i, layers)| {
                    Ok(Branch {
                        name: format!("{name}.branches.{i}"),
                        layers: convert_sequence(layers, &format!("{path}.branches.{i}"))?,
                    })
                })
                .collect::<Result<_>>()?;
            Ok(Layer::Block {
                name,
                combine: Combine::Concat,
                branches,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let net = parse_network(
            r#"{"name": "t", "layers": [
                {"type": "conv", "name": "c1", "kernel": [3, 5], "stride": 2,
                 "padding": [[0, 1], "same"], "padding_mode": "reflect"},
                {"type": "max_pool", "kernel": 3, "padding": 1, "ceil_mode": true},
                {"type": "residual", "main": [{"type": "conv", "kernel": [3, 5], "padding": [1, 2]}]},
                {"type": "concat", "branches": [[], [{"type": "avg_pool", "kernel": 1}]]},
                {"type": "global_pool"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(net.layers.len(), 5);
        let Layer::Window(c1) = &net.layers[0] else {
            panic!()
        };
        assert_eq!(c1.window[1].kernel, 5);
        assert_eq!(
            c1.padding,
            [
                PaddingSpec::Explicit {
                    before: 0,
                    after: 1
                },
                PaddingSpec::Same
            ]
        );
        assert_eq!(c1.mode, PaddingMode::Reflect);
        let Layer::Window(pool) = &net.layers[1] else {
            panic!()
        };
        assert_eq!(
            pool.window[0].stride, 3,
            "pooling stride defaults to its kernel"
        );
        assert_eq!(net.layers[2].name(), "layers.2");
        let plan = net.plan([32, 32], None, None).unwrap();
        assert_eq!(plan.output, [1, 1]);
    }

    #[test]
    fn malformed_specs_are_errors_with_a_position() {
        for bad in [
            "",
            "{",
            r#"{"layers": []}"#,
            r#"{"layers": [{"type": "conv"}]}"#,
            r#"{"layers": [{"type": "conv", "kernel": 3, "strid": 2}]}"#,
            r#"{"layers": [{"type": "deconv", "kernel": 3}]}"#,
            r#"{"layers": [{"type": "conv", "kernel": -3}]}"#,
            r#"{"layers": [{"type": "max_pool", "kernel": 3, "padding_mode": "reflect"}]}"#,
            r#"{"layers": [{"type": "concat", "branches": []}]}"#,
        ] {
            let err = parse_network(bad).unwrap_err();
            assert!(
                matches!(err, Error::Spec(_) | Error::EmptyBlock { .. }),
                "{bad}: {err}"
            );
        }
    }
}
