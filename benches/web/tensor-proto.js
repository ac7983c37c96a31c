// A minimal reader of ONNX's TensorProto (onnx.proto), enough for the `.input_0.pb` and
// `.output_0.pb` files `tools/onnx_models.py` stores beside each model: dims (field 1),
// data_type (2), float_data (4) or raw_data (9), name (8). Float tensors only.

const FLOAT = 1;

/** Reads a base-128 varint at `pos`; returns [value, next position]. Numbers below 2^53. */
function varint(bytes, pos) {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
}

/**
 * @param {Uint8Array} bytes a serialized TensorProto
 * @returns {{name: string, dims: number[], data: Float32Array}}
 */
export function readTensorProto(bytes) {
  const dims = [];
  let dataType = 0;
  let name = '';
  let data = null;
  const floats = [];
  let pos = 0;
  while (pos < bytes.length) {
    let key;
    [key, pos] = varint(bytes, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let value;
      [value, pos] = varint(bytes, pos);
      if (field === 1) dims.push(value);
      else if (field === 2) dataType = value;
    } else if (wire === 2) {
      let length;
      [length, pos] = varint(bytes, pos);
      const body = bytes.subarray(pos, pos + length);
      pos += length;
      if (field === 1) {
        // packed dims
        for (let p = 0; p < body.length; ) {
          let value;
          [value, p] = varint(body, p);
          dims.push(value);
        }
      } else if (field === 9) {
        // raw_data: little-endian floats; copied so that the array is aligned
        data = new Float32Array(body.slice().buffer);
      } else if (field === 4) {
        const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
        for (let p = 0; p < body.length; p += 4) floats.push(view.getFloat32(p, true));
      } else if (field === 8) {
        name = new TextDecoder().decode(body);
      }
    } else if (wire === 5) {
      if (field === 4) floats.push(new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getFloat32(0, true));
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      throw new Error(`TensorProto: unsupported wire type ${wire}`);
    }
  }
  if (dataType !== FLOAT) throw new Error(`TensorProto ${name}: data type ${dataType}, not float`);
  data ??= Float32Array.from(floats);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`TensorProto ${name}: ${data.length} values for dims ${dims}`);
  return { name, dims, data };
}

/** max |actual − expected| ÷ max |expected| (as tests/onnx_models.rs), and max |actual − expected|. */
export function relativeError(actual, expected) {
  if (actual.length !== expected.length) return { rel: Infinity, abs: Infinity };
  let scale = 0;
  let error = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const d = Math.abs(actual[i] - expected[i]);
    // NaN compares false: count it as infinitely wrong
    error = d <= error ? error : Number.isNaN(d) ? Infinity : d;
  }
  return { rel: error / Math.max(scale, Number.MIN_VALUE), abs: error };
}
