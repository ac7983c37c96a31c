//! One ONNX node → one [`Op`]: attributes read and checked, and every opset's form of the
//! operator brought to one. Where a later opset turned an attribute into an input (Clip's
//! bounds, Pad's amounts, Squeeze's axes, Slice's ranges, Upsample's scales), the attribute
//! becomes a constant input, so the rest of padlens sees only the input form.

use super::proto::tensor_proto::DataType;
use super::proto::{attribute_proto::AttributeType, AttributeProto, NodeProto};
use super::tensor::{convert, type_name};
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::infer::graph::{
    AspectPolicy, AutoPad, Binary, CastTo, CoordinateTransform, NearestRounding, Op, PadMode,
    PoolOp, Resize, ResizeMode, Unary, Window,
};
use crate::infer::tensor::Tensor;
use crate::padding::PaddingMode;

/// The operators padlens runs, as an error message lists them.
pub const SUPPORTED: &[&str] = &[
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "Div",
    "Dropout",
    "Flatten",
    "Gather",
    "Gemm",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "HardSigmoid",
    "HardSwish",
    "Identity",
    "LeakyRelu",
    "MatMul",
    "MaxPool",
    "Mul",
    "Pad",
    "PRelu",
    "Relu",
    "Reshape",
    "Resize",
    "Shape",
    "Sigmoid",
    "Slice",
    "Softmax",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
    "Unsqueeze",
    "Upsample",
];

/// What a node becomes: an operator with inputs, or (Constant) a value.
pub enum Imported {
    Node {
        op: Op,
        /// Constant inputs made from attributes, put at the given positions among the
        /// node's inputs (a position left empty in between is `None`).
        extra_inputs: Vec<(usize, Tensor)>,
        /// An input the old form of the operator had elsewhere: `(from, to)` moves it.
        moved: Option<(usize, usize)>,
    },
    Constant(Tensor),
}

/// Reads a node's attributes by name.
struct Attributes<'a> {
    node: &'a NodeProto,
}

impl<'a> Attributes<'a> {
    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node
            .attribute
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
    }

    fn error(&self, name: &str, message: impl Into<String>) -> Error {
        Error::Model(ModelError {
            node: Some(node_name(self.node)),
            op: self.node.op_type.clone(),
            kind: ModelErrorKind::Attribute {
                name: name.to_owned(),
                message: message.into(),
            },
        })
    }

    fn int(&self, name: &str, default: i64) -> Result<i64> {
        match self.get(name) {
            None => Ok(default),
            Some(a) => a.i.ok_or_else(|| self.error(name, "expected an integer")),
        }
    }

    fn float(&self, name: &str, default: f32) -> Result<f32> {
        match self.get(name) {
            None => Ok(default),
            Some(a) => a.f.ok_or_else(|| self.error(name, "expected a float")),
        }
    }

    fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.get(name).map(|a| a.ints.clone())
    }

    fn floats(&self, name: &str) -> Option<Vec<f32>> {
        self.get(name).map(|a| a.floats.clone())
    }

    fn string(&self, name: &str, default: &str) -> Result<String> {
        match self.get(name) {
            None => Ok(default.to_owned()),
            Some(a) => {
                a.s.as_ref()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .ok_or_else(|| self.error(name, "expected a string"))
            }
        }
    }

    fn flag(&self, name: &str) -> Result<bool> {
        match self.int(name, 0)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.error(name, format!("expected 0 or 1, got {other}"))),
        }
    }

    /// A list of whole numbers ≥ 1 (strides, dilations, kernel sizes).
    fn positive(&self, name: &str) -> Result<Vec<usize>> {
        let values = self.ints(name).unwrap_or_default();
        values
            .iter()
            .map(|&v| {
                usize::try_from(v)
                    .ok()
                    .filter(|&v| v >= 1)
                    .ok_or_else(|| self.error(name, format!("expected values ≥ 1, got {values:?}")))
            })
            .collect()
    }

    fn window(&self, ceil_allowed: bool) -> Result<Window> {
        let pads = match self.string("auto_pad", "NOTSET")?.as_str() {
            "NOTSET" | "" => {
                let pads = self.ints("pads").unwrap_or_default();
                AutoPad::Explicit(
                    pads.iter()
                        .map(|&p| {
                            usize::try_from(p).map_err(|_| {
                                self.error(
                                    "pads",
                                    format!("expected amounts ≥ 0, got {pads:?} (negative padding is not supported)"),
                                )
                            })
                        })
                        .collect::<Result<_>>()?,
                )
            }
            "SAME_UPPER" => AutoPad::SameUpper,
            "SAME_LOWER" => AutoPad::SameLower,
            "VALID" => AutoPad::Valid,
            other => {
                return Err(self.error(
                    "auto_pad",
                    format!("expected NOTSET, SAME_UPPER, SAME_LOWER or VALID, got {other}"),
                ))
            }
        };
        Ok(Window {
            kernel: self.positive("kernel_shape")?,
            strides: self.positive("strides")?,
            dilations: self.positive("dilations")?,
            pads,
            ceil_mode: ceil_allowed && self.flag("ceil_mode")?,
        })
    }
}

pub fn node_name(node: &NodeProto) -> String {
    match node.name.as_deref() {
        Some(name) if !name.is_empty() => name.to_owned(),
        // Unnamed nodes (allowed by ONNX) are called after their first output.
        _ => node.output.first().cloned().unwrap_or_default(),
    }
}

/// Converts a node of the default domain at `opset`.
pub fn import(node: &NodeProto, opset: i64) -> Result<Imported> {
    let attributes = Attributes { node };
    let op_type = node.op_type.as_deref().unwrap_or_default();
    let domain = node.domain.as_deref().unwrap_or_default();
    let unsupported = |what: String| {
        Error::Model(ModelError {
            node: Some(node_name(node)),
            op: Some(op_type.to_owned()),
            kind: ModelErrorKind::Unsupported { what },
        })
    };
    if !matches!(domain, "" | "ai.onnx") {
        return Err(Error::Model(ModelError {
            node: Some(node_name(node)),
            op: Some(op_type.to_owned()),
            kind: ModelErrorKind::UnsupportedOperator {
                op: format!("{domain}.{op_type}"),
                supported: supported_list(),
            },
        }));
    }
    let plain = |op: Op| {
        Ok(Imported::Node {
            op,
            extra_inputs: Vec::new(),
            moved: None,
        })
    };
    match op_type {
        "Conv" => {
            let groups = usize::try_from(attributes.int("group", 1)?)
                .ok()
                .filter(|&g| g >= 1)
                .ok_or_else(|| attributes.error("group", "expected a whole number ≥ 1"))?;
            plain(Op::Conv {
                window: attributes.window(false)?,
                groups,
                mode: PaddingMode::Zeros,
            })
        }
        "BatchNormalization" => {
            if attributes.flag("training_mode")? {
                return Err(unsupported(
                    "BatchNormalization in training mode (padlens runs inference)".into(),
                ));
            }
            plain(Op::BatchNorm {
                epsilon: attributes.float("epsilon", 1e-5)?,
            })
        }
        "Relu" => plain(Op::Unary(Unary::Relu)),
        "LeakyRelu" => plain(Op::Unary(Unary::LeakyRelu {
            alpha: attributes.float("alpha", 0.01)?,
        })),
        "Sigmoid" => plain(Op::Unary(Unary::Sigmoid)),
        "HardSigmoid" => plain(Op::Unary(Unary::HardSigmoid {
            alpha: attributes.float("alpha", 0.2)?,
            beta: attributes.float("beta", 0.5)?,
        })),
        "HardSwish" => plain(Op::Unary(Unary::HardSwish)),
        "Tanh" => plain(Op::Unary(Unary::Tanh)),
        "PRelu" => plain(Op::PRelu),
        "Clip" if opset < 11 => Ok(Imported::Node {
            op: Op::Clip,
            extra_inputs: vec![
                (1, scalar(attributes.float("min", f32::MIN)?)),
                (2, scalar(attributes.float("max", f32::MAX)?)),
            ],
            moved: None,
        }),
        "Clip" => plain(Op::Clip),
        "Add" | "Sub" | "Mul" | "Div" => {
            if attributes.get("broadcast").is_some() {
                return Err(unsupported(format!(
                    "{op_type} with the `broadcast` attribute (opsets before 7)"
                )));
            }
            plain(Op::Binary(match op_type {
                "Add" => Binary::Add,
                "Sub" => Binary::Sub,
                "Mul" => Binary::Mul,
                _ => Binary::Div,
            }))
        }
        "MaxPool" => plain(Op::Pool {
            op: PoolOp::Max,
            window: attributes.window(true)?,
        }),
        "AveragePool" => plain(Op::Pool {
            op: PoolOp::Average {
                count_include_pad: attributes.flag("count_include_pad")?,
            },
            window: attributes.window(true)?,
        }),
        "GlobalAveragePool" => plain(Op::GlobalPool(PoolOp::Average {
            count_include_pad: false,
        })),
        "GlobalMaxPool" => plain(Op::GlobalPool(PoolOp::Max)),
        "Concat" => {
            let axis = attributes
                .get("axis")
                .and_then(|a| a.i)
                .ok_or_else(|| attributes.error("axis", "Concat needs an axis"))?;
            plain(Op::Concat { axis })
        }
        "Flatten" => plain(Op::Flatten {
            axis: attributes.int("axis", 1)?,
        }),
        "Reshape" => plain(Op::Reshape {
            allow_zero: attributes.flag("allowzero")?,
        }),
        "Transpose" => {
            let perm = match attributes.ints("perm") {
                None => None,
                Some(perm) => Some(
                    perm.iter()
                        .map(|&p| usize::try_from(p))
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(|_| {
                            attributes.error("perm", format!("expected axes ≥ 0, got {perm:?}"))
                        })?,
                ),
            };
            plain(Op::Transpose { perm })
        }
        "Squeeze" | "Unsqueeze" => {
            let op = if op_type == "Squeeze" {
                Op::Squeeze
            } else {
                Op::Unsqueeze
            };
            match attributes.ints("axes") {
                Some(axes) if opset < 13 => Ok(Imported::Node {
                    op,
                    extra_inputs: vec![(1, vector(axes))],
                    moved: None,
                }),
                _ => plain(op),
            }
        }
        "Gemm" => plain(Op::Gemm {
            alpha: attributes.float("alpha", 1.0)?,
            beta: attributes.float("beta", 1.0)?,
            trans_a: attributes.flag("transA")?,
            trans_b: attributes.flag("transB")?,
        }),
        "MatMul" => plain(Op::MatMul),
        "Softmax" => {
            let coerce_2d = opset < 13;
            let axis = attributes.int("axis", if coerce_2d { 1 } else { -1 })?;
            plain(Op::Softmax { axis, coerce_2d })
        }
        "Pad" => {
            let mode = match attributes.string("mode", "constant")?.as_str() {
                "constant" => PadMode::Constant,
                "reflect" => PadMode::Reflect,
                "edge" => PadMode::Edge,
                "wrap" => PadMode::Wrap,
                other => {
                    return Err(attributes.error(
                        "mode",
                        format!("expected constant, reflect, edge or wrap, got {other}"),
                    ))
                }
            };
            if opset < 11 {
                let pads = attributes
                    .ints("pads")
                    .ok_or_else(|| attributes.error("pads", "Pad needs its amounts"))?;
                Ok(Imported::Node {
                    op: Op::Pad { mode },
                    extra_inputs: vec![
                        (1, vector(pads)),
                        (2, scalar(attributes.float("value", 0.0)?)),
                    ],
                    moved: None,
                })
            } else {
                plain(Op::Pad { mode })
            }
        }
        "Upsample" => {
            let mode = resize_mode(&attributes)?;
            let op = Op::Resize(Resize {
                mode,
                transform: CoordinateTransform::Asymmetric,
                rounding: NearestRounding::Legacy,
                axes: None,
                aspect: AspectPolicy::Stretch,
            });
            // Opset 7 gives the scales as an attribute; 9 made them the second input.
            match attributes.floats("scales") {
                Some(scales) if opset < 9 => Ok(Imported::Node {
                    op,
                    extra_inputs: vec![(2, Tensor::f32(vec![scales.len()], scales))],
                    moved: None,
                }),
                // Upsample(x, scales) → Resize(x, roi, scales): the scales move one along.
                _ => Ok(Imported::Node {
                    op,
                    extra_inputs: Vec::new(),
                    moved: Some((1, 2)),
                }),
            }
        }
        "Resize" => {
            if opset >= 18 && attributes.flag("antialias")? {
                return Err(unsupported("Resize with antialias".into()));
            }
            let aspect = match attributes
                .string("keep_aspect_ratio_policy", "stretch")?
                .as_str()
            {
                "stretch" => AspectPolicy::Stretch,
                "not_larger" => AspectPolicy::NotLarger,
                "not_smaller" => AspectPolicy::NotSmaller,
                other => {
                    return Err(attributes.error(
                        "keep_aspect_ratio_policy",
                        format!("expected stretch, not_larger or not_smaller, got {other}"),
                    ))
                }
            };
            let mode = resize_mode(&attributes)?;
            // Opset 10's Resize had no coordinate modes: it maps coordinates like Upsample.
            let (transform, rounding) = if opset < 11 {
                (CoordinateTransform::Asymmetric, NearestRounding::Legacy)
            } else {
                let transform = match attributes
                    .string("coordinate_transformation_mode", "half_pixel")?
                    .as_str()
                {
                    "half_pixel" => CoordinateTransform::HalfPixel,
                    "half_pixel_symmetric" => CoordinateTransform::HalfPixelSymmetric,
                    "pytorch_half_pixel" => CoordinateTransform::PytorchHalfPixel,
                    "align_corners" => CoordinateTransform::AlignCorners,
                    "asymmetric" => CoordinateTransform::Asymmetric,
                    other => {
                        return Err(unsupported(format!(
                            "Resize's coordinate_transformation_mode {other}"
                        )))
                    }
                };
                let rounding = match attributes
                    .string("nearest_mode", "round_prefer_floor")?
                    .as_str()
                {
                    "round_prefer_floor" => NearestRounding::RoundPreferFloor,
                    "round_prefer_ceil" => NearestRounding::RoundPreferCeil,
                    "floor" => NearestRounding::Floor,
                    "ceil" => NearestRounding::Ceil,
                    other => {
                        return Err(
                            attributes.error("nearest_mode", format!("unknown rounding {other}"))
                        )
                    }
                };
                (transform, rounding)
            };
            let op = Op::Resize(Resize {
                mode,
                transform,
                rounding,
                axes: attributes.ints("axes"),
                aspect,
            });
            // Opset 10: Resize(x, scales) → Resize(x, roi, scales).
            if opset < 11 {
                return Ok(Imported::Node {
                    op,
                    extra_inputs: Vec::new(),
                    moved: Some((1, 2)),
                });
            }
            plain(op)
        }
        "Shape" => plain(Op::Shape {
            start: attributes.int("start", 0)?,
            end: attributes.get("end").and_then(|a| a.i),
        }),
        "Gather" => plain(Op::Gather {
            axis: attributes.int("axis", 0)?,
        }),
        "Slice" if opset < 10 => {
            let starts = attributes
                .ints("starts")
                .ok_or_else(|| attributes.error("starts", "Slice needs its starts"))?;
            let ends = attributes
                .ints("ends")
                .ok_or_else(|| attributes.error("ends", "Slice needs its ends"))?;
            let mut extra = vec![(1, vector(starts)), (2, vector(ends))];
            if let Some(axes) = attributes.ints("axes") {
                extra.push((3, vector(axes)));
            }
            Ok(Imported::Node {
                op: Op::Slice,
                extra_inputs: extra,
                moved: None,
            })
        }
        "Slice" => plain(Op::Slice),
        "Constant" => constant(node, &attributes).map(Imported::Constant),
        "ConstantOfShape" => {
            let value = match attributes.get("value").and_then(|a| a.t.as_ref()) {
                Some(t) => convert(t, &node_name(node))?,
                None => Tensor::f32(vec![1], vec![0.0]),
            };
            if value.len() != 1 {
                return Err(attributes.error("value", "expected a one-element tensor"));
            }
            plain(Op::ConstantOfShape { value })
        }
        "Identity" => plain(Op::Identity),
        "Cast" => {
            let to = attributes.int("to", 0)?;
            match i32::try_from(to).map(DataType::try_from) {
                Ok(Ok(DataType::Float)) => plain(Op::Cast { to: CastTo::Float }),
                Ok(Ok(DataType::Int64)) => plain(Op::Cast { to: CastTo::Int64 }),
                _ => Err(unsupported(format!(
                    "a Cast to {} (padlens holds FLOAT and INT64 values only)",
                    i32::try_from(to).map_or("UNKNOWN", type_name)
                ))),
            }
        }
        "Dropout" => plain(Op::Identity),
        _ => Err(Error::Model(ModelError {
            node: Some(node_name(node)),
            op: Some(op_type.to_owned()),
            kind: ModelErrorKind::UnsupportedOperator {
                op: op_type.to_owned(),
                supported: supported_list(),
            },
        })),
    }
}

fn supported_list() -> String {
    SUPPORTED.join(", ")
}

fn resize_mode(attributes: &Attributes) -> Result<ResizeMode> {
    match attributes.string("mode", "nearest")?.as_str() {
        "nearest" => Ok(ResizeMode::Nearest),
        "linear" | "bilinear" => Ok(ResizeMode::Linear),
        other => Err(Error::Model(ModelError {
            node: Some(node_name(attributes.node)),
            op: attributes.node.op_type.clone(),
            kind: ModelErrorKind::Unsupported {
                what: format!("{other} resizing (padlens resizes nearest or linear)"),
            },
        })),
    }
}

fn scalar(value: f32) -> Tensor {
    Tensor::f32(Vec::new(), vec![value])
}

fn vector(values: Vec<i64>) -> Tensor {
    Tensor::i64(vec![values.len()], values)
}

/// A Constant node's value, from whichever attribute holds it.
fn constant(node: &NodeProto, attributes: &Attributes) -> Result<Tensor> {
    let name = node.output.first().cloned().unwrap_or_default();
    let Some(attribute) = node.attribute.first() else {
        return Err(attributes.error("value", "a Constant needs a value"));
    };
    let kind = attribute
        .r#type
        .and_then(|t| AttributeType::try_from(t).ok());
    match attribute.name.as_deref().unwrap_or_default() {
        "value" => match &attribute.t {
            Some(t) => convert(t, &name),
            None => Err(attributes.error("value", "expected a tensor")),
        },
        "value_float" => Ok(scalar(attribute.f.unwrap_or_default())),
        "value_floats" => Ok(Tensor::f32(
            vec![attribute.floats.len()],
            attribute.floats.clone(),
        )),
        "value_int" => Ok(Tensor::i64(
            Vec::new(),
            vec![attribute.i.unwrap_or_default()],
        )),
        "value_ints" => Ok(vector(attribute.ints.clone())),
        other => Err(Error::Model(ModelError {
            node: Some(node_name(node)),
            op: Some("Constant".into()),
            kind: ModelErrorKind::Unsupported {
                what: format!(
                    "a Constant given as `{other}`{}",
                    if kind == Some(AttributeType::SparseTensor) {
                        " (a sparse tensor)"
                    } else {
                        ""
                    }
                ),
            },
        })),
    }
}
