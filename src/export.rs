//! The bytes of an export: values as NumPy `.npy` and as CSV. The CLI and the page both call
//! these, so a map or grid saved from either holds the same numbers, written the same way.
//!
//! The `.npy` writer is ours rather than `ndarray-npy`'s (which the CLI still uses to *read*
//! inputs): that crate formats its header through `py_literal`, which brings `pest` and
//! `num-bigint` into the WASM bundle for what is here 40 lines. The bytes are the same as
//! `ndarray-npy`'s (tested), header layout included.

use crate::{Error, Result};

/// NumPy's magic string and format version 1.0 (a header shorter than 64 KiB; ours are < 100 B).
const NPY_MAGIC: &[u8] = b"\x93NUMPY\x01\x00";
/// numpy and ndarray-npy pad the header so that the data starts 64-byte aligned.
const NPY_ALIGN: usize = 64;

/// Element types an `.npy` can hold here: little-endian IEEE floats.
pub trait NpyElement: Copy {
    /// NumPy's type descriptor, e.g. `<f8`.
    const DESCR: &'static str;
    fn extend_le(self, out: &mut Vec<u8>);
}

impl NpyElement for f64 {
    const DESCR: &'static str = "<f8";
    fn extend_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    fn extend_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

fn check_shape(len: usize, shape: &[usize]) -> Result<()> {
    let product = shape.iter().try_fold(1usize, |p, &n| p.checked_mul(n));
    if product == Some(len) {
        Ok(())
    } else {
        Err(Error::ExportShape {
            values: len,
            shape: shape.to_vec(),
        })
    }
}

/// `values` (row-major, C order) of `shape` as an `.npy` file.
pub fn npy<T: NpyElement>(values: &[T], shape: &[usize]) -> Result<Vec<u8>> {
    check_shape(values.len(), shape)?;
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    // Python's tuple syntax: a 1-tuple keeps its trailing comma.
    let tuple = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}}}",
        T::DESCR
    );
    // Magic and version (8), header length (2), the dict, padding spaces, one newline. Like
    // ndarray-npy, a header that is already aligned still gets a full block of padding.
    let unpadded = NPY_MAGIC.len() + 2 + dict.len() + 1;
    let total = unpadded + NPY_ALIGN - unpadded % NPY_ALIGN;
    let header_len =
        u16::try_from(total - NPY_MAGIC.len() - 2).map_err(|_| Error::ExportShape {
            values: values.len(),
            shape: shape.to_vec(),
        })?;
    let mut out = Vec::with_capacity(total + std::mem::size_of_val(values));
    out.extend_from_slice(NPY_MAGIC);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    for &v in values {
        v.extend_le(&mut out);
    }
    Ok(out)
}

/// One number as the CSVs write it: f64's shortest form that reads back to the same double
/// (Rust's `Debug`), in exponent notation when tiny or huge — a softmax score of 1e-24 would
/// otherwise print 24 zeros. Python's `float()`, numpy and JavaScript's `Number()` read it.
pub fn csv_number(value: f64) -> String {
    format!("{value:?}")
}

/// A row-major `height × width` map or grid as CSV: one line per row, no header, so that
/// `numpy.loadtxt(path, delimiter=',')` gives the array back.
pub fn csv_grid(values: &[f64], [height, width]: [usize; 2]) -> Result<String> {
    check_shape(values.len(), &[height, width])?;
    let mut out = String::with_capacity(values.len() * 8);
    if width == 0 {
        return Ok(out);
    }
    for row in values.chunks_exact(width) {
        for (i, &v) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&csv_number(v));
        }
        out.push('\n');
    }
    Ok(out)
}

/// One cell of a CSV table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
    Empty,
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Number(v)
    }
}

impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Number(v as f64)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A text field as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
fn csv_text(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A table as CSV: the header line, then one line per row (each as long as the header).
pub fn csv_table(header: &[&str], rows: &[Vec<Cell>]) -> Result<String> {
    let mut out = header
        .iter()
        .map(|h| csv_text(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in rows {
        if row.len() != header.len() {
            return Err(Error::ExportShape {
                values: row.len(),
                shape: vec![header.len()],
            });
        }
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Number(v) => csv_number(*v),
                Cell::Text(t) => csv_text(t),
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// Flattens a JSON value into `(key, cell)` pairs: objects by their keys in sorted order,
/// arrays by index, joined with `.` (`axes.0.kernel`).
fn flatten(value: &serde_json::Value, prefix: &str, out: &mut Vec<(String, Cell)>) {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for k in keys {
                flatten(&map[k], &key(k), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &key(&i.to_string()), out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), Cell::Empty)),
        Value::Bool(b) => out.push((prefix.to_owned(), Cell::Text(b.to_string()))),
        Value::Number(n) => out.push((
            prefix.to_owned(),
            n.as_f64().map_or(Cell::Empty, Cell::Number),
        )),
        Value::String(t) => out.push((prefix.to_owned(), Cell::Text(t.clone()))),
    }
}

/// Objects — a report's layers, its depth profile — as one CSV table: a row per object, a
/// column per flattened key (`axes.0.kernel`: the height axis's kernel), keys sorted within
/// each object (JSON objects have no order every reader keeps), columns in first-seen order,
/// a key an object lacks an empty cell. The page's `objectsCsv` (www/js/shared/export.js)
/// lays its tables out by the same rules.
pub fn objects_csv(objects: &[serde_json::Value]) -> Result<String> {
    let rows: Vec<Vec<(String, Cell)>> = objects
        .iter()
        .map(|o| {
            let mut cells = Vec::new();
            flatten(o, "", &mut cells);
            cells
        })
        .collect();
    let mut header: Vec<&str> = Vec::new();
    for row in &rows {
        for (k, _) in row {
            if !header.contains(&k.as_str()) {
                header.push(k);
            }
        }
    }
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .map(|row| {
            header
                .iter()
                .map(|h| {
                    row.iter()
                        .find(|(k, _)| k == h)
                        .map_or(Cell::Empty, |(_, c)| c.clone())
                })
                .collect()
        })
        .collect();
    csv_table(&header, &table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_npy_header(bytes: &[u8]) -> (String, usize) {
        assert_eq!(&bytes[..8], NPY_MAGIC);
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let header = std::str::from_utf8(&bytes[10..10 + len])
            .unwrap()
            .to_owned();
        (header, 10 + len)
    }

    #[test]
    fn npy_header_is_aligned_and_describes_the_array() {
        let bytes = npy(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
        let (header, start) = parse_npy_header(&bytes);
        assert_eq!(start % 64, 0);
        assert!(header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}"));
        assert!(header.ends_with('\n'));
        let values: Vec<f64> = bytes[start..]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn npy_one_dimensional_and_f32() {
        let bytes = npy(&[0.5f32, -1.0], &[2]).unwrap();
        let (header, start) = parse_npy_header(&bytes);
        assert!(header.contains("'descr': '<f4'"));
        assert!(header.contains("'shape': (2,)"));
        assert_eq!(bytes.len(), start + 8);
    }

    #[test]
    fn npy_rejects_a_shape_that_does_not_match() {
        let err = npy(&[1.0f64, 2.0, 3.0], &[2, 2]).unwrap_err();
        assert!(err.to_string().contains("3 values"), "{err}");
    }

    #[test]
    fn csv_grid_round_trips_every_double() {
        let values = [1.0, 0.1 + 0.2, 1e-24, 123456789012345680.0, -0.0, 2.5e300];
        let csv = csv_grid(&values, [2, 3]).unwrap();
        assert_eq!(csv.lines().count(), 2);
        let back: Vec<f64> = csv
            .lines()
            .flat_map(|l| l.split(','))
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert!(csv.starts_with("1.0,0.30000000000000004,1e-24\n"), "{csv}");
    }

    #[test]
    fn csv_table_quotes_text_and_checks_row_lengths() {
        let csv = csv_table(
            &["layer", "value", "note"],
            &[
                vec!["conv1".into(), 2.0.into(), Cell::Empty],
                vec!["a, \"b\"".into(), 0.5.into(), "x".into()],
            ],
        )
        .unwrap();
        assert_eq!(
            csv,
            "layer,value,note\nconv1,2.0,\n\"a, \"\"b\"\"\",0.5,x\n"
        );
        assert!(csv_table(&["a", "b"], &[vec![1.0.into()]]).is_err());
    }

    #[test]
    fn objects_csv_flattens_sorted_keys_and_leaves_missing_cells_empty() {
        let objects = [
            serde_json::json!({"name": "conv1", "axes": [{"k": 3}, {"k": 5}], "ok": true}),
            serde_json::json!({"name": "pool, 2", "axes": [{"k": 2}, {"k": 2}], "ok": false, "note": null, "extra": 1.5}),
        ];
        assert_eq!(
            objects_csv(&objects).unwrap(),
            "axes.0.k,axes.1.k,name,ok,extra,note\n3.0,5.0,conv1,true,,\n2.0,2.0,\"pool, 2\",false,1.5,\n"
        );
    }
}
