//! ONNX `TensorProto` → [`Tensor`]: weights in `raw_data` (little-endian) or in the typed
//! fields, half-precision floats widened to f32, integers to i64. Sizes are checked before
//! anything is allocated, so a file that claims a huge tensor costs nothing.

use super::proto::{tensor_proto, TensorProto};
use crate::error::{Error, ModelError, ModelErrorKind, Result};
use crate::infer::tensor::{Data, Tensor};

/// The largest tensor padlens allocates, in bytes as f32 or i64: VGG-19's first fully
/// connected layer (25088×4096 f32) is 392 MiB; nothing in the zoo is larger.
pub const MAX_TENSOR_BYTES: usize = 512 << 20;

/// Converts one tensor. `name` is for messages (initializers and Constant attributes name
/// their tensor differently).
pub fn convert(proto: &TensorProto, name: &str) -> Result<Tensor> {
    let fail = |message: String| {
        Error::Model(ModelError::new(ModelErrorKind::TensorData {
            tensor: name.to_owned(),
            message,
        }))
    };
    if proto.data_location == Some(tensor_proto::DataLocation::External as i32) {
        let location = proto
            .external_data
            .iter()
            .find(|entry| entry.key.as_deref() == Some("location"))
            .and_then(|entry| entry.value.clone())
            .unwrap_or_default();
        return Err(Error::Model(ModelError::new(
            ModelErrorKind::ExternalData {
                tensor: name.to_owned(),
                location,
            },
        )));
    }
    if proto.segment.is_some() {
        return Err(fail("segmented tensors are not supported".to_owned()));
    }
    let mut shape = Vec::with_capacity(proto.dims.len());
    let mut count: usize = 1;
    for &dim in &proto.dims {
        let dim = usize::try_from(dim).map_err(|_| fail(format!("negative dimension {dim}")))?;
        count = count.saturating_mul(dim);
        shape.push(dim);
    }
    use tensor_proto::DataType as T;
    let data_type = proto.data_type.unwrap_or(0);
    let Ok(kind) = T::try_from(data_type) else {
        return Err(fail(format!("unknown data type {data_type}")));
    };
    // Stored as f32 (4 bytes) or i64 (8 bytes), whatever the file's width.
    let stored = match kind {
        T::Float | T::Double | T::Float16 | T::Bfloat16 => 4,
        _ => 8,
    };
    let bytes = count.saturating_mul(stored);
    if bytes > MAX_TENSOR_BYTES {
        return Err(Error::Model(ModelError::new(
            ModelErrorKind::TensorTooLarge {
                tensor: name.to_owned(),
                megabytes: bytes >> 20,
                limit_megabytes: MAX_TENSOR_BYTES >> 20,
            },
        )));
    }
    let raw = proto.raw_data.as_deref().filter(|r| !r.is_empty());
    let width = match kind {
        T::Float | T::Int32 | T::Uint32 => 4,
        T::Double | T::Int64 | T::Uint64 => 8,
        T::Float16 | T::Bfloat16 | T::Int16 | T::Uint16 => 2,
        T::Int8 | T::Uint8 | T::Bool => 1,
        other => {
            return Err(fail(format!(
            "data type {} is not supported (padlens computes in float32, with int64 for shapes)",
            other.as_str_name()
        )))
        }
    };
    if let Some(raw) = raw {
        if raw.len() != count * width {
            return Err(fail(format!(
                "holds {} bytes of data, but its shape {:?} of {} needs {}",
                raw.len(),
                shape,
                kind.as_str_name(),
                count * width
            )));
        }
    }
    // Typed fields: each kind has its own, and the half types and small integers live in
    // int32_data (ONNX's convention).
    let typed_len = match kind {
        T::Float => proto.float_data.len(),
        T::Double => proto.double_data.len(),
        T::Int64 => proto.int64_data.len(),
        T::Uint32 | T::Uint64 => proto.uint64_data.len(),
        _ => proto.int32_data.len(),
    };
    if raw.is_none() && typed_len != count {
        return Err(fail(format!(
            "holds {typed_len} values, but its shape {shape:?} needs {count}"
        )));
    }
    let chunks = |raw: &[u8]| -> Vec<[u8; 8]> {
        raw.chunks_exact(width)
            .map(|c| {
                let mut bytes = [0u8; 8];
                bytes[..width].copy_from_slice(c);
                bytes
            })
            .collect()
    };
    let data = match (kind, raw) {
        (T::Float, Some(raw)) => Data::F32(
            raw.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        (T::Float, None) => Data::F32(proto.float_data.clone()),
        (T::Double, Some(raw)) => Data::F32(
            chunks(raw)
                .into_iter()
                .map(|b| f64::from_le_bytes(b) as f32)
                .collect(),
        ),
        (T::Double, None) => Data::F32(proto.double_data.iter().map(|&x| x as f32).collect()),
        (T::Float16 | T::Bfloat16, _) => {
            let bits: Vec<u16> = match raw {
                Some(raw) => raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect(),
                None => proto.int32_data.iter().map(|&x| x as u16).collect(),
            };
            Data::F32(if kind == T::Float16 {
                bits.into_iter()
                    .map(|b| half::f16::from_bits(b).to_f32())
                    .collect()
            } else {
                bits.into_iter()
                    .map(|b| half::bf16::from_bits(b).to_f32())
                    .collect()
            })
        }
        (_, Some(raw)) => Data::I64(
            chunks(raw)
                .into_iter()
                .map(|b| match kind {
                    T::Int64 => i64::from_le_bytes(b),
                    T::Uint64 => u64::from_le_bytes(b) as i64,
                    T::Int32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
                    T::Uint32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
                    T::Int16 => i16::from_le_bytes([b[0], b[1]]) as i64,
                    T::Uint16 => u16::from_le_bytes([b[0], b[1]]) as i64,
                    T::Int8 => b[0] as i8 as i64,
                    _ => b[0] as i64,
                })
                .collect(),
        ),
        (T::Int64, None) => Data::I64(proto.int64_data.clone()),
        (T::Uint32 | T::Uint64, None) => {
            Data::I64(proto.uint64_data.iter().map(|&x| x as i64).collect())
        }
        (_, None) => Data::I64(proto.int32_data.iter().map(|&x| x as i64).collect()),
    };
    Ok(Tensor { shape, data })
}

/// The ONNX data type a value info declares, by name, for messages.
pub fn type_name(data_type: i32) -> &'static str {
    tensor_proto::DataType::try_from(data_type)
        .map(|t| t.as_str_name())
        .unwrap_or("UNKNOWN")
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::bytes::Bytes;

    fn tensor(data_type: tensor_proto::DataType, dims: &[i64]) -> TensorProto {
        TensorProto {
            dims: dims.to_vec(),
            data_type: Some(data_type as i32),
            ..Default::default()
        }
    }

    #[test]
    fn raw_and_typed_floats_agree() {
        let mut raw = tensor(tensor_proto::DataType::Float, &[2]);
        raw.raw_data = Some(Bytes::from([1.5f32, -2.0].map(f32::to_le_bytes).concat()));
        let mut typed = tensor(tensor_proto::DataType::Float, &[2]);
        typed.float_data = vec![1.5, -2.0];
        assert_eq!(convert(&raw, "w").unwrap(), convert(&typed, "w").unwrap());
    }

    #[test]
    fn half_precision_is_widened() {
        let mut t = tensor(tensor_proto::DataType::Float16, &[3]);
        // 1.0, -2.5 and 65504 (the largest finite f16) as IEEE half bits.
        t.raw_data = Some(Bytes::from(
            [0x3c00u16, 0xc100, 0x7bff].map(u16::to_le_bytes).concat(),
        ));
        assert_eq!(
            convert(&t, "w").unwrap().data,
            Data::F32(vec![1.0, -2.5, 65504.0])
        );
        let mut typed = tensor(tensor_proto::DataType::Float16, &[1]);
        typed.int32_data = vec![0x3c00];
        assert_eq!(convert(&typed, "w").unwrap().data, Data::F32(vec![1.0]));
    }

    #[test]
    fn small_integers_become_i64() {
        let mut t = tensor(tensor_proto::DataType::Int8, &[2]);
        t.raw_data = Some(Bytes::from(vec![0xff, 7]));
        assert_eq!(convert(&t, "i").unwrap().data, Data::I64(vec![-1, 7]));
    }

    #[test]
    fn huge_claims_and_short_data_are_refused_before_allocating() {
        let t = tensor(tensor_proto::DataType::Float, &[1, 536_870_912]);
        let message = convert(&t, "big").unwrap_err().to_string();
        assert!(message.contains("`big` claims 2048 MB"), "{message}");
        let t = tensor(tensor_proto::DataType::Float, &[i64::MAX, i64::MAX]);
        assert!(convert(&t, "overflow").is_err());
        let mut t = tensor(tensor_proto::DataType::Float, &[4]);
        t.raw_data = Some(Bytes::from(vec![0; 12]));
        let message = convert(&t, "short").unwrap_err().to_string();
        assert!(
            message.contains("12 bytes") && message.contains("16"),
            "{message}"
        );
    }

    #[test]
    fn external_data_is_named() {
        let mut t = tensor(tensor_proto::DataType::Float, &[4]);
        t.data_location = Some(tensor_proto::DataLocation::External as i32);
        t.external_data = vec![super::super::proto::StringStringEntryProto {
            key: Some("location".into()),
            value: Some("weights.bin".into()),
        }];
        let message = convert(&t, "w").unwrap_err().to_string();
        assert!(
            message.contains("`w`") && message.contains("weights.bin"),
            "{message}"
        );
    }
}
