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
//! `kernel`, `stride`, `dilation`: a number or `[height, width]`; a convolution's stride
//! defaults to 1, a pooling's to its kernel. `padding`: a number, or `[height, width]` amounts
//! (PyTorch's tuple), or `[[top, bottom], [left, right]]`, or one of `"same"`, `"same_lower"`,
//! `"valid"`, `"full"` — per axis or for both. `padding_mode` (conv only): one of the eight
//! mode names. `ceil_mode`: poolings only. `main`, `shortcut`: a residual's branches (no
//! shortcut is the identity); `branches`: a concat's, `[]` being the identity. Unnamed
//! layers are named by their path, e.g. `layers.3.main.0`; an unnamed network is `custom`.
//! A `null` optional field is the same as leaving it out.
//!
//! The text is read into a plain JSON tree and walked by hand, not through serde-derived
//! types: every error then says, in the spec's own terms, which layer (its path) and field
//! is wrong and what that field allows ([`SpecError`]). Unknown and repeated fields are
//! errors, so a typo does not silently change the network.

use super::{zoo, Branch, Combine, Layer, Network, WindowKind, WindowLayer};
use crate::error::{Error, Result, SpecError};
use crate::geometry::{AxisWindow, PaddingSpec, MAX_EXTENT};
use crate::padding::PaddingMode;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// What a whole spec looks like, for messages about a spec that is not one.
const SPEC_SHAPE: &str = r#"a JSON object like {"layers": [...]}"#;
const LAYER_SHAPE: &str = r#"an object like {"type": "conv", "kernel": 3}"#;
const PER_AXIS: &str = "a whole number ≥ 1 or [height, width]";
const PADDING: &str = r#"a whole number ≥ 0, [height, width], [[top, bottom], [left, right]], or "same", "same_lower", "valid" or "full" (for both axes or per axis, e.g. [[0, 1], "same"])"#;
const SEQUENCE: &str = "an array of layers ([] for the identity)";
const BRANCHES: &str = "an array of branches, each an array of layers ([] for the identity)";
const TOP_FIELDS: &[&str] = &["name", "layers"];

/// A JSON value that keeps its object's fields in the order written, repeats included:
/// `serde_json::Value` sorts them and keeps only the last of a repeated field, so neither
/// the first unknown field nor a field given twice could be reported.
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        // Only NaN and infinities have no `Number`, and JSON text cannot spell them.
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut fields = Vec::new();
        while let Some(field) = map.next_entry::<String, Json>()? {
            fields.push(field);
        }
        Ok(Json::Object(fields))
    }
}

/// The value as the user wrote it (compact JSON), shortened past a line's worth.
fn got(json: &Json) -> String {
    const LIMIT: usize = 60;
    let mut text = String::new();
    render(json, &mut text, LIMIT);
    if text.chars().count() > LIMIT {
        let mut short: String = text.chars().take(LIMIT - 1).collect();
        short.push('…');
        short
    } else {
        text
    }
}

/// Stops adding items once `out` is past `limit`, so a huge array costs no more than a
/// short one.
fn render(json: &Json, out: &mut String, limit: usize) {
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => out.push_str(&quoted(s)),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > limit {
                    out.push('…');
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out, limit);
            }
            out.push(']');
        }
        Json::Object(fields) => {
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if out.len() > limit {
                    out.push('…');
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quoted(key));
                out.push_str(": ");
                render(value, out, limit);
            }
            out.push('}');
        }
    }
}

/// A string as JSON writes it, escapes included.
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn fail(path: &str, field: Option<&str>, message: impl Into<String>) -> Error {
    Error::Spec(SpecError {
        path: path.to_owned(),
        field: field.map(str::to_owned),
        message: message.into(),
    })
}

/// serde_json's own words for what is wrong, with its position spelled out; "EOF" is the
/// one piece of its jargon a user may not know.
fn syntax_error(error: &serde_json::Error) -> Error {
    let (line, column) = (error.line(), error.column());
    let text = error.to_string();
    let what = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text);
    let what = match what.strip_prefix("EOF while parsing ") {
        Some("an object") => "the text ends inside an object (is a `}` missing?)".to_owned(),
        Some("a list") => "the text ends inside an array (is a `]` missing?)".to_owned(),
        Some("a string") => "the text ends inside a string (is a `\"` missing?)".to_owned(),
        Some(_) => "the text ends where a value should follow".to_owned(),
        None => what.to_owned(),
    };
    let at = if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    };
    fail("", None, format!("the JSON is malformed{at}: {what}"))
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The candidate `word` is most likely a misspelling of, if any is close: at most two edits,
/// and fewer than half the candidate's letters (so `deconv` does not suggest `conv`).
fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().count() > 40 {
        return None;
    }
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(&word, candidate), candidate))
        .filter(|&(distance, candidate)| distance <= 2 && 2 * distance < candidate.len())
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// `a`, `b` and `c`.
fn backticked(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// A field's value; `null` counts as present, so a required field set to null is reported
/// as null rather than as missing.
fn get<'a>(fields: &'a [(String, Json)], key: &str) -> Option<&'a Json> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// An optional field's value. `null` means left out: tools that write JSON emit it for
/// unset values (Python's `None`), and the serde-derived reader took it that way too.
fn optional<'a>(fields: &'a [(String, Json)], key: &str) -> Option<&'a Json> {
    get(fields, key).filter(|v| !matches!(v, Json::Null))
}

fn check_repeats(fields: &[(String, Json)], path: &str) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (key, _) in fields {
        if !seen.insert(key.as_str()) {
            return Err(fail(
                path,
                Some(key),
                "given more than once; each field may appear only once",
            ));
        }
    }
    Ok(())
}

fn string(json: &Json, path: &str, field: &str) -> Result<String> {
    match json {
        Json::String(s) => Ok(s.clone()),
        other => Err(fail(
            path,
            Some(field),
            format!("expected a string, got {}", got(other)),
        )),
    }
}

/// A layer's `type`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Window(WindowKind),
    GlobalPool,
    Residual,
    Concat,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Window(WindowKind::Conv),
        Kind::Window(WindowKind::MaxPool),
        Kind::Window(WindowKind::AvgPool),
        Kind::GlobalPool,
        Kind::Residual,
        Kind::Concat,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Window(WindowKind::Conv) => "conv",
            Kind::Window(WindowKind::MaxPool) => "max_pool",
            Kind::Window(WindowKind::AvgPool) => "avg_pool",
            Kind::GlobalPool => "global_pool",
            Kind::Residual => "residual",
            Kind::Concat => "concat",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Window(WindowKind::Conv) => &[
                "type",
                "name",
                "kernel",
                "stride",
                "dilation",
                "padding",
                "padding_mode",
            ],
            Kind::Window(WindowKind::MaxPool | WindowKind::AvgPool) => &[
                "type",
                "name",
                "kernel",
                "stride",
                "dilation",
                "padding",
                "ceil_mode",
            ],
            Kind::GlobalPool => &["type", "name"],
            Kind::Residual => &["type", "name", "main", "shortcut"],
            Kind::Concat => &["type", "name", "branches"],
        }
    }
}

fn type_names() -> String {
    Kind::ALL.map(Kind::name).join(", ")
}

fn parse_kind(json: Option<&Json>, path: &str) -> Result<Kind> {
    let expected = format!("one of: {}", type_names());
    let message = match json {
        None => format!("missing; expected {expected}"),
        Some(Json::String(s)) => match Kind::ALL.into_iter().find(|k| k.name() == s) {
            Some(kind) => return Ok(kind),
            None => {
                let hint = closest(s, Kind::ALL.map(Kind::name))
                    .map(|name| format!(" (did you mean {name}?)"))
                    .unwrap_or_default();
                format!("expected {expected}; got {}{hint}", quoted(s))
            }
        },
        Some(other) => format!("expected {expected}; got {}", got(other)),
    };
    Err(fail(path, Some("type"), message))
}

/// Fields of another layer type are explained, not just refused: they are the likely
/// mistakes (a pooling's `ceil_mode` copied onto a convolution).
fn check_unknown(fields: &[(String, Json)], path: &str, kind: Kind) -> Result<()> {
    let allowed = kind.fields();
    let Some((key, _)) = fields.iter().find(|(k, _)| !allowed.contains(&k.as_str())) else {
        return Ok(());
    };
    let takes = format!("a {} takes {}", kind.name(), backticked(allowed));
    let message = match key.as_str() {
        "ceil_mode" => format!("applies to pooling only (max_pool, avg_pool); {takes}"),
        "padding_mode" if matches!(kind, Kind::Window(_)) => format!(
            "applies to convolutions only, as pooling reads nothing from its padding; {takes}"
        ),
        "padding_mode" => format!("applies to convolutions only; {takes}"),
        _ => match closest(key, allowed.iter().copied()) {
            Some(near) => format!("unknown field (did you mean `{near}`?); {takes}"),
            None => format!("unknown field; {takes}"),
        },
    };
    Err(fail(path, Some(key), message))
}

/// Why a value is not a whole number in `min..=MAX_EXTENT`: `Err(None)` when the value
/// itself says enough, `Err(Some(note))` when it needs a word.
fn whole(json: &Json, min: usize) -> Result<usize, Option<String>> {
    match json {
        Json::Number(n) => match n.as_u64().map(usize::try_from) {
            Some(Ok(v)) if (min..=MAX_EXTENT).contains(&v) => Ok(v),
            Some(Ok(v)) if v < min => Err(None),
            Some(_) => Err(Some(format!("too large; at most {MAX_EXTENT}"))),
            None => Err(None),
        },
        Json::String(s) if serde_json::from_str::<f64>(s.trim()).is_ok() => {
            Err(Some("a string; write numbers without quotes".into()))
        }
        _ => Err(None),
    }
}

/// `expected …, got <value>` with the note on what is wrong with it.
fn expected_got(expected: &str, json: &Json, note: Option<String>) -> String {
    match note {
        Some(note) => format!("expected {expected}, got {} ({note})", got(json)),
        None => format!("expected {expected}, got {}", got(json)),
    }
}

/// The note for one part of an array, e.g. "the width is 0".
fn part_note(part: &str, json: &Json, note: Option<String>) -> String {
    match note {
        Some(note) => format!("the {part} is {}, {note}", got(json)),
        None => format!("the {part} is {}", got(json)),
    }
}

/// `kernel`, `stride`, `dilation`: one number for both axes, or `[height, width]`.
fn per_axis(json: &Json) -> Result<[usize; 2], String> {
    match json {
        Json::Array(items) => match items.as_slice() {
            [height, width] => {
                let mut out = [0; 2];
                for (slot, (part, item)) in
                    out.iter_mut().zip([("height", height), ("width", width)])
                {
                    *slot = whole(item, 1).map_err(|note| {
                        expected_got(PER_AXIS, json, Some(part_note(part, item, note)))
                    })?;
                }
                Ok(out)
            }
            _ => Err(expected_got(
                PER_AXIS,
                json,
                Some(format!("{}; [height, width] takes 2", count(items.len()))),
            )),
        },
        _ => whole(json, 1)
            .map(|v| [v, v])
            .map_err(|note| expected_got(PER_AXIS, json, note)),
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 value".into()
    } else {
        format!("{n} values")
    }
}

const PADDING_NAMES: [(&str, PaddingSpec); 4] = [
    ("same", PaddingSpec::Same),
    ("same_lower", PaddingSpec::SameLower),
    ("valid", PaddingSpec::Valid),
    ("full", PaddingSpec::Full),
];

fn named_padding(name: &str) -> Result<PaddingSpec, Option<String>> {
    PADDING_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, spec)| spec)
        .ok_or_else(|| {
            closest(name, PADDING_NAMES.map(|(n, _)| n)).map(|n| format!("did you mean \"{n}\"?"))
        })
}

/// Padding for both sides of one axis, or of both axes: an amount or a name.
fn symmetric_padding(json: &Json) -> Result<PaddingSpec, Option<String>> {
    match json {
        Json::String(name) => named_padding(name),
        _ => whole(json, 0).map(PaddingSpec::symmetric),
    }
}

/// One axis of a `[height, width]` padding: `symmetric_padding`'s forms or
/// `[before, after]`. The note names the axis (`part`) and, for a bad amount, its side.
fn axis_padding(json: &Json, part: &str, sides: [&str; 2]) -> Result<PaddingSpec, String> {
    let Json::Array(items) = json else {
        return symmetric_padding(json).map_err(|note| part_note(part, json, note));
    };
    let [before, after] = items.as_slice() else {
        return Err(format!(
            "the {part}, {}, has {}; [{}, {}] takes 2",
            got(json),
            count(items.len()),
            sides[0],
            sides[1]
        ));
    };
    let mut amounts = [0; 2];
    for (slot, (side, item)) in amounts
        .iter_mut()
        .zip(sides.into_iter().zip([before, after]))
    {
        *slot =
            whole(item, 0).map_err(|note| part_note(&format!("{part}'s {side}"), item, note))?;
    }
    Ok(PaddingSpec::Explicit {
        before: amounts[0],
        after: amounts[1],
    })
}

/// `padding`: one form for both axes, or `[height, width]` of them. A two-number array is
/// PyTorch's `(height, width)` tuple, never before/after amounts for both axes.
fn padding(json: &Json) -> Result<[PaddingSpec; 2], String> {
    let Json::Array(items) = json else {
        return symmetric_padding(json)
            .map(|spec| [spec; 2])
            .map_err(|note| expected_got(PADDING, json, note));
    };
    let [height, width] = items.as_slice() else {
        return Err(expected_got(
            PADDING,
            json,
            Some(format!("{}; [height, width] takes 2", count(items.len()))),
        ));
    };
    let explain = |note| expected_got(PADDING, json, Some(note));
    Ok([
        axis_padding(height, "height", ["top", "bottom"]).map_err(explain)?,
        axis_padding(width, "width", ["left", "right"]).map_err(explain)?,
    ])
}

/// Names other tools use for the same modes (NumPy, TF), mapped to ours.
const MODE_ALIASES: [(&str, &str); 5] = [
    ("constant", "zeros"),
    ("zero", "zeros"),
    ("edge", "replicate"),
    ("wrap", "circular"),
    (
        "mirror",
        "reflect, which mirrors without repeating the edge, or symmetric, which repeats it",
    ),
];

fn padding_mode(json: &Json) -> Result<PaddingMode, String> {
    let names = PaddingMode::ALL.map(PaddingMode::name);
    let expected = format!("one of: {}", names.join(", "));
    match json {
        Json::String(s) => {
            if let Some(mode) = PaddingMode::ALL.into_iter().find(|m| m.name() == s) {
                return Ok(mode);
            }
            let lower = s.to_lowercase();
            let hint = MODE_ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower)
                .map(|&(_, ours)| ours)
                .or_else(|| closest(s, names))
                .map(|ours| format!(" (did you mean {ours}?)"))
                .unwrap_or_default();
            Err(format!("expected {expected}; got {}{hint}", quoted(s)))
        }
        other => Err(format!("expected {expected}; got {}", got(other))),
    }
}

/// Parses a network spec. Every error is an [`Error::Spec`] naming the layer's path and the
/// field, and saying what the field allows; JSON syntax errors keep serde_json's line and
/// column.
pub fn parse_network(text: &str) -> Result<Network> {
    // Editors on Windows may save a byte-order mark, which is not JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(fail(
            "",
            None,
            format!("the text is empty; expected {SPEC_SHAPE}"),
        ));
    }
    let json: Json = serde_json::from_str(text).map_err(|e| syntax_error(&e))?;
    let Json::Object(fields) = &json else {
        let hint = match &json {
            Json::String(s) if zoo::ZOO.iter().any(|entry| entry.name == s) => {
                format!(" (to use the built-in {s}, give its name instead of a spec)")
            }
            _ => String::new(),
        };
        return Err(fail(
            "",
            None,
            format!("expected {SPEC_SHAPE}, got {}{hint}", got(&json)),
        ));
    };
    check_repeats(fields, "")?;
    if let Some((key, _)) = fields
        .iter()
        .find(|(k, _)| !TOP_FIELDS.contains(&k.as_str()))
    {
        let near = closest(key, TOP_FIELDS.iter().copied())
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        return Err(fail(
            "",
            Some(key),
            format!(
                "unknown field{near}; a spec takes {}",
                backticked(TOP_FIELDS)
            ),
        ));
    }
    let name = match optional(fields, "name") {
        Some(name) => string(name, "", "name")?,
        None => "custom".into(),
    };
    let layers = match get(fields, "layers") {
        Some(Json::Array(items)) if items.is_empty() => {
            return Err(fail(
                "",
                Some("layers"),
                "is empty; a network needs at least one layer",
            ))
        }
        Some(Json::Array(items)) => parse_layers(items, "layers")?,
        Some(other) => {
            return Err(fail(
                "",
                Some("layers"),
                format!("expected an array of layers, got {}", got(other)),
            ))
        }
        None => {
            return Err(fail(
                "",
                Some("layers"),
                r#"missing; a spec holds its layers in `layers`, e.g. {"layers": [{"type": "conv", "kernel": 3}]}"#,
            ))
        }
    };
    Ok(Network { name, layers })
}

fn parse_layers(items: &[Json], path: &str) -> Result<Vec<Layer>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_layer(item, &format!("{path}.{i}")))
        .collect()
}

fn parse_layer(json: &Json, path: &str) -> Result<Layer> {
    let Json::Object(fields) = json else {
        return Err(fail(
            path,
            None,
            format!("expected a layer, {LAYER_SHAPE}, got {}", got(json)),
        ));
    };
    check_repeats(fields, path)?;
    let kind = parse_kind(get(fields, "type"), path)?;
    let own_name = optional(fields, "name")
        .map(|name| string(name, path, "name"))
        .transpose()?;
    let name = own_name.clone().unwrap_or_else(|| path.to_owned());
    let layer = check_unknown(fields, path, kind).and_then(|()| match kind {
        Kind::Window(window) => parse_window(fields, path, window, name),
        Kind::GlobalPool => Ok(Layer::GlobalPool { name }),
        Kind::Residual => parse_residual(fields, path, name),
        Kind::Concat => parse_concat(fields, path, name),
    });
    // The path is in every message; the user's own name is what they search their file for.
    layer.map_err(|mut error| {
        if let (Error::Spec(spec), Some(own)) = (&mut error, &own_name) {
            if spec.path == path {
                spec.message
                    .push_str(&format!(" (the {} named `{own}`)", kind.name()));
            }
        }
        error
    })
}

fn parse_window(
    fields: &[(String, Json)],
    path: &str,
    kind: WindowKind,
    name: String,
) -> Result<Layer> {
    let per_axis_field = |field: &str| -> Result<Option<[usize; 2]>> {
        optional(fields, field)
            .map(|json| per_axis(json).map_err(|message| fail(path, Some(field), message)))
            .transpose()
    };
    let kernel = match get(fields, "kernel") {
        Some(json) => per_axis(json).map_err(|message| fail(path, Some("kernel"), message))?,
        None => {
            return Err(fail(
                path,
                Some("kernel"),
                format!(
                    "missing; a {} needs one: {PER_AXIS}",
                    Kind::Window(kind).name()
                ),
            ))
        }
    };
    let stride = per_axis_field("stride")?.unwrap_or(match kind {
        WindowKind::Conv => [1, 1],
        // PyTorch's poolings default their stride to the kernel.
        WindowKind::MaxPool | WindowKind::AvgPool => kernel,
    });
    let dilation = per_axis_field("dilation")?.unwrap_or([1, 1]);
    let padding = optional(fields, "padding")
        .map(|json| padding(json).map_err(|message| fail(path, Some("padding"), message)))
        .transpose()?
        .unwrap_or([PaddingSpec::symmetric(0); 2]);
    let mode = optional(fields, "padding_mode")
        .map(|json| padding_mode(json).map_err(|message| fail(path, Some("padding_mode"), message)))
        .transpose()?
        .unwrap_or_default();
    let ceil_mode = match optional(fields, "ceil_mode") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(fail(
                path,
                Some("ceil_mode"),
                format!("expected true or false, got {}", got(other)),
            ))
        }
    };
    let window = [0, 1].map(|axis| {
        let mut window = AxisWindow::new(kernel[axis], stride[axis], dilation[axis]);
        window.ceil_mode = ceil_mode;
        window
    });
    Ok(Layer::Window(WindowLayer {
        name,
        kind,
        window,
        padding,
        mode,
    }))
}

/// A branch: an array of layers, `[]` being the identity.
fn parse_branch(json: &Json, path: &str, field: &str) -> Result<Vec<Layer>> {
    match json {
        Json::Array(items) => parse_layers(items, &format!("{path}.{field}")),
        other => Err(fail(
            path,
            Some(field),
            format!("expected {SEQUENCE}, got {}", got(other)),
        )),
    }
}

fn parse_residual(fields: &[(String, Json)], path: &str, name: String) -> Result<Layer> {
    let main = match get(fields, "main") {
        Some(json) => parse_branch(json, path, "main")?,
        None => {
            return Err(fail(
                path,
                Some("main"),
                format!(
                    "missing; a residual needs its main branch, {SEQUENCE}; only `shortcut` \
                     may be left out (the identity)"
                ),
            ))
        }
    };
    let shortcut = match optional(fields, "shortcut") {
        Some(json) => parse_branch(json, path, "shortcut")?,
        None => Vec::new(),
    };
    Ok(Layer::Block {
        branches: vec![
            Branch {
                name: format!("{name}.main"),
                layers: main,
            },
            Branch {
                name: format!("{name}.shortcut"),
                layers: shortcut,
            },
        ],
        name,
        combine: Combine::Add,
    })
}

fn parse_concat(fields: &[(String, Json)], path: &str, name: String) -> Result<Layer> {
    let branches_field = Some("branches");
    let items = match get(fields, "branches") {
        Some(Json::Array(items)) if items.is_empty() => {
            return Err(fail(
                path,
                branches_field,
                format!("is empty; a concat needs at least one branch, {SEQUENCE}"),
            ))
        }
        Some(Json::Array(items)) => items,
        Some(other) => {
            return Err(fail(
                path,
                branches_field,
                format!("expected {BRANCHES}, got {}", got(other)),
            ))
        }
        None => {
            return Err(fail(
                path,
                branches_field,
                format!("missing; a concat needs {BRANCHES}"),
            ))
        }
    };
    let mut branches = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Json::Array(layers) = item else {
            let hint = match item {
                Json::Object(_) => "; put a branch's layers in an array, e.g. [[{...}], []]",
                _ => "",
            };
            return Err(fail(
                path,
                branches_field,
                format!("expected {BRANCHES}; branch {i} is {}{hint}", got(item)),
            ));
        };
        branches.push(Branch {
            name: format!("{name}.branches.{i}"),
            layers: parse_layers(layers, &format!("{path}.branches.{i}"))?,
        });
    }
    Ok(Layer::Block {
        name,
        combine: Combine::Concat,
        branches,
    })
}

/// A network written as a spec that [`parse_network`] reads back into the same layers (branch
/// names aside), so that a network made elsewhere — an imported model's projection — opens in
/// the explorer as a custom spec. Fails for an addition of other than two branches, which the
/// spec's `residual` (main + shortcut) cannot say.
pub fn write_network(network: &Network) -> std::result::Result<String, String> {
    let layers = write_layers(&network.layers)?;
    let spec = serde_json::json!({ "name": network.name, "layers": layers });
    Ok(spec.to_string())
}

fn write_layers(layers: &[Layer]) -> std::result::Result<Vec<serde_json::Value>, String> {
    layers.iter().map(write_layer).collect()
}

/// A per-axis value: one number when both axes agree, else `[height, width]`.
fn per_axis_json(values: [usize; 2]) -> serde_json::Value {
    if values[0] == values[1] {
        values[0].into()
    } else {
        values.to_vec().into()
    }
}

fn padding_json(padding: PaddingSpec) -> serde_json::Value {
    match padding {
        PaddingSpec::Explicit { before, after } => serde_json::json!([before, after]),
        named => PADDING_NAMES
            .iter()
            .find(|(_, spec)| *spec == named)
            .map(|(name, _)| (*name).into())
            .unwrap_or_default(),
    }
}

fn write_layer(layer: &Layer) -> std::result::Result<serde_json::Value, String> {
    use serde_json::json;
    Ok(match layer {
        Layer::Window(w) => {
            let axis = |pick: fn(&AxisWindow) -> usize| per_axis_json(w.window.map(|a| pick(&a)));
            let mut fields = json!({
                "type": Kind::Window(w.kind).name(),
                "name": w.name,
                "kernel": axis(|a| a.kernel),
                "stride": axis(|a| a.stride),
                "dilation": axis(|a| a.dilation),
                "padding": w.padding.map(padding_json).to_vec(),
            });
            match w.kind {
                WindowKind::Conv => fields["padding_mode"] = w.mode.name().into(),
                WindowKind::MaxPool | WindowKind::AvgPool => {
                    // PyTorch's ceil mode is one flag for both axes.
                    fields["ceil_mode"] = (w.window[0].ceil_mode || w.window[1].ceil_mode).into()
                }
            }
            fields
        }
        Layer::GlobalPool { name } => json!({ "type": "global_pool", "name": name }),
        Layer::Block {
            name,
            combine: Combine::Concat,
            branches,
        } => {
            let branches = branches
                .iter()
                .map(|b| write_layers(&b.layers))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            json!({ "type": "concat", "name": name, "branches": branches })
        }
        Layer::Block {
            name,
            combine: Combine::Add,
            branches,
        } => {
            let [first, second] = branches.as_slice() else {
                return Err(format!(
                    "block `{name}` adds {} branches; a spec's residual adds two",
                    branches.len()
                ));
            };
            // The spec's main branch must hold layers; the shortcut may be the identity.
            let (main, shortcut) = if first.layers.is_empty() {
                (second, first)
            } else {
                (first, second)
            };
            json!({
                "type": "residual",
                "name": name,
                "main": write_layers(&main.layers)?,
                "shortcut": write_layers(&shortcut.layers)?,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every zoo network written as a spec reads back to the same map (and layer names).
    #[test]
    fn written_specs_read_back_to_the_same_network() {
        for entry in zoo::ZOO {
            let network = zoo::build(entry.name).unwrap();
            let text = write_network(&network).unwrap();
            let read = parse_network(&text).unwrap();
            assert_eq!(read.name, network.name);
            assert_eq!(read.layer_names(), network.layer_names(), "{}", entry.name);
            let size = [67, 71];
            let map = |n: &Network| {
                crate::analysis::utilization_of_plan(&n.plan(size, None, None).unwrap()).unwrap()
            };
            let (a, b) = (map(&network), map(&read));
            assert_eq!(
                (a.values, a.log2_scale),
                (b.values, b.log2_scale),
                "{}",
                entry.name
            );
        }
        let mut odd = parse_network(
            r#"{"layers": [{"type": "conv", "kernel": [3, 5], "stride": [1, 2],
                "padding": [[0, 1], "same_lower"], "padding_mode": "reflect"},
                {"type": "max_pool", "kernel": 2, "ceil_mode": true}]}"#,
        )
        .unwrap();
        assert_eq!(parse_network(&write_network(&odd).unwrap()).unwrap(), odd);
        odd.layers.push(Layer::Block {
            name: "three".into(),
            combine: Combine::Add,
            branches: vec![],
        });
        assert!(write_network(&odd).unwrap_err().contains("adds 0 branches"));
    }

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
    fn remaining_forms_and_defaults() {
        let net = parse_network(
            r#"{"layers": [
                {"type": "conv", "kernel": 3, "dilation": [1, 2], "padding": "same_lower",
                 "stride": null, "name": null},
                {"type": "avg_pool", "kernel": [2, 3], "padding": [[1, 0], [0, 1]]},
                {"type": "residual", "name": "r", "main": [], "shortcut": [{"type": "conv", "kernel": 1}]},
                {"type": "concat", "branches": [[{"type": "conv", "kernel": 1, "padding": ["valid", "full"]}]]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(net.name, "custom");
        let Layer::Window(conv) = &net.layers[0] else {
            panic!()
        };
        assert_eq!(conv.name, "layers.0");
        assert_eq!(conv.window[0].stride, 1, "conv stride defaults to 1");
        assert_eq!(conv.window[1].dilation, 2);
        assert_eq!(conv.padding, [PaddingSpec::SameLower; 2]);
        assert_eq!(conv.mode, PaddingMode::Zeros);
        let Layer::Window(pool) = &net.layers[1] else {
            panic!()
        };
        assert_eq!(
            (pool.window[0].stride, pool.window[1].stride),
            (2, 3),
            "per axis"
        );
        assert_eq!(
            pool.padding,
            [
                PaddingSpec::Explicit {
                    before: 1,
                    after: 0
                },
                PaddingSpec::Explicit {
                    before: 0,
                    after: 1
                }
            ]
        );
        let Layer::Block { branches, .. } = &net.layers[2] else {
            panic!()
        };
        assert_eq!(branches[0].name, "r.main");
        assert_eq!(branches[1].layers[0].name(), "layers.2.shortcut.0");
        let Layer::Block { branches, .. } = &net.layers[3] else {
            panic!()
        };
        let Layer::Window(inner) = &branches[0].layers[0] else {
            panic!()
        };
        assert_eq!(inner.name, "layers.3.branches.0.0");
        assert_eq!(inner.padding, [PaddingSpec::Valid, PaddingSpec::Full]);
    }

    /// Every bad spec, with the words its message must contain.
    const BAD: &[(&str, &[&str])] = &[
        ("", &["the text is empty", r#"{"layers": [...]}"#]),
        ("   ", &["empty", r#"{"layers": [...]}"#]),
        ("null", &[r#"JSON object like {"layers": [...]}"#, "got null"]),
        ("[1,2,3]", &[r#"{"layers": [...]}"#, "got [1, 2, 3]"]),
        ("42", &[r#"{"layers": [...]}"#, "got 42"]),
        (
            r#""vgg19""#,
            &[r#"{"layers": [...]}"#, r#"got "vgg19""#, "built-in vgg19"],
        ),
        ("{", &["malformed at line 1, column 1", "inside an object"]),
        (
            "{\"layers\": [\n  {\"type\": \"conv\"\n   \"kernel\": 3}]}",
            &["malformed at line 3, column 4", "expected `,` or `}`"],
        ),
        (r#"{"name": "x"}"#, &["`layers`: missing", r#"{"layers": ["#]),
        (r#"{"layers": []}"#, &["`layers`: is empty", "at least one layer"]),
        (r#"{"layers": {}}"#, &["`layers`", "expected an array of layers, got {}"]),
        (
            r#"{"layers": [], "layer": []}"#,
            &["`layer`: unknown field", "did you mean `layers`?", "`name` and `layers`"],
        ),
        (r#"{"name": 3, "layers": [{"type": "global_pool"}]}"#, &["`name`", "expected a string, got 3"]),
        (r#"{"layers": [3]}"#, &["layer `layers.0`:", "expected a layer", "got 3"]),
        (
            r#"{"layers": [{"kernel": 3}]}"#,
            &["layer `layers.0`, `type`: missing", "conv, max_pool, avg_pool, global_pool, residual, concat"],
        ),
        (
            r#"{"layers": [{"type": "conv"}]}"#,
            &["layer `layers.0`, `kernel`: missing", "a conv needs one", "[height, width]"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "strid": 2}]}"#,
            &[
                "layer `layers.0`, `strid`: unknown field",
                "did you mean `stride`?",
                "a conv takes `type`, `name`, `kernel`, `stride`, `dilation`, `padding` and `padding_mode`",
            ],
        ),
        (
            r#"{"layers": [{"type": "deconv", "kernel": 3}]}"#,
            &["layer `layers.0`, `type`", "conv, max_pool, avg_pool, global_pool, residual, concat", r#"got "deconv""#],
        ),
        (
            r#"{"layers": [{"type": "maxpool", "kernel": 3}]}"#,
            &["`type`", "did you mean max_pool?"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": -3}]}"#,
            &["layer `layers.0`, `kernel`: expected a whole number ≥ 1 or [height, width], got -3"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": "3"}]}"#,
            &["`kernel`", "whole number ≥ 1 or [height, width]", r#"got "3""#, "without quotes"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 0}]}"#,
            &["layer `layers.0`, `kernel`", "≥ 1", "got 0"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": [3]}]}"#,
            &["`kernel`", "≥ 1 or [height, width]", "got [3] (1 value; [height, width] takes 2)"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": [3, 3, 3]}]}"#,
            &["`kernel`", "got [3, 3, 3] (3 values"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": [3, 0]}]}"#,
            &["`kernel`", "got [3, 0] (the width is 0)"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "stride": 1.5}]}"#,
            &["layer `layers.0`, `stride`", "whole number ≥ 1 or [height, width]", "got 1.5"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "dilation": 0}]}"#,
            &["`dilation`", "≥ 1", "got 0"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 2000000}]}"#,
            &["`kernel`", "too large; at most 1048576"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "padding": "sam"}]}"#,
            &[
                "layer `layers.0`, `padding`",
                r#""same", "same_lower", "valid" or "full""#,
                "[[top, bottom], [left, right]]",
                r#"got "sam""#,
                r#"did you mean "same"?"#,
            ],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "padding": [[1, 2, 3], 1]}]}"#,
            &["`padding`", "[[top, bottom], [left, right]]", "the height, [1, 2, 3], has 3 values"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "padding": [[1, -2], 1]}]}"#,
            &["`padding`", "the height's bottom is -2"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "padding": -1}]}"#,
            &["`padding`", "whole number ≥ 0", "got -1"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "padding_mode": "mirror"}]}"#,
            &[
                "layer `layers.0`, `padding_mode`",
                "zeros, valid, full, circular, reflect, symmetric, replicate, partial",
                r#"got "mirror""#,
                "did you mean reflect",
            ],
        ),
        (
            r#"{"layers": [{"type": "max_pool", "kernel": 3, "padding_mode": "reflect"}]}"#,
            &[
                "layer `layers.0`, `padding_mode`",
                "convolutions only",
                "a max_pool takes `type`, `name`, `kernel`, `stride`, `dilation`, `padding` and `ceil_mode`",
            ],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "ceil_mode": true}]}"#,
            &["layer `layers.0`, `ceil_mode`", "pooling only", "a conv takes"],
        ),
        (
            r#"{"layers": [{"type": "max_pool", "kernel": 3, "ceil_mode": 1}]}"#,
            &["`ceil_mode`", "expected true or false, got 1"],
        ),
        (
            r#"{"layers": [{"type": "global_pool", "kernel": 3}]}"#,
            &["`kernel`: unknown field", "a global_pool takes `type` and `name`"],
        ),
        (
            r#"{"layers": [{"type": "conv", "kernel": 3, "kernel": 5}]}"#,
            &["layer `layers.0`, `kernel`", "more than once"],
        ),
        (
            r#"{"layers": [{"type": "conv", "name": "c1", "kernel": -3}]}"#,
            &["layer `layers.0`, `kernel`", "got -3", "the conv named `c1`"],
        ),
        (
            r#"{"layers": [{"type": "residual", "main": [{"type": "conv", "kernel": 3}, {"type": "conv", "kernel": -1}]}]}"#,
            &["layer `layers.0.main.1`, `kernel`", "got -1"],
        ),
        (
            r#"{"layers": [{"type": "residual"}]}"#,
            &["layer `layers.0`, `main`: missing", "array of layers", "only `shortcut`"],
        ),
        (
            r#"{"layers": [{"type": "residual", "main": [], "shortcut": {"type": "conv"}}]}"#,
            &["layer `layers.0`, `shortcut`", "array of layers ([] for the identity)"],
        ),
        (
            r#"{"layers": [{"type": "concat", "branches": [[], [{"type": "avg_pool", "kernel": 2, "stride": 0}]]}]}"#,
            &["layer `layers.0.branches.1.0`, `stride`", "≥ 1", "got 0"],
        ),
        (
            r#"{"layers": [{"type": "concat", "branches": 3}]}"#,
            &["layer `layers.0`, `branches`", "array of branches, each an array of layers", "got 3"],
        ),
        (
            r#"{"layers": [{"type": "concat", "branches": [{"type": "conv", "kernel": 1}]}]}"#,
            &["layer `layers.0`, `branches`", "branch 0 is {", "in an array"],
        ),
        (
            r#"{"layers": [{"type": "concat", "branches": []}]}"#,
            &["layer `layers.0`, `branches`: is empty", "at least one branch"],
        ),
        (
            r#"{"name": "x", "layers": [{"type": "global_pool"}], "input": 32}"#,
            &["`input`: unknown field", "a spec takes `name` and `layers`"],
        ),
    ];

    #[test]
    fn malformed_specs_say_where_and_what_is_allowed() {
        for (bad, needles) in BAD {
            let err = parse_network(bad).unwrap_err();
            assert!(matches!(err, Error::Spec(_)), "{bad}: {err:?}");
            let message = err.to_string();
            for needle in *needles {
                assert!(
                    message.contains(needle),
                    "{bad}\n  gives: {message}\n  lacks: {needle}"
                );
            }
            for jargon in ["untagged", "variant", "enum"] {
                assert!(!message.contains(jargon), "{bad}\n  gives: {message}");
            }
        }
    }

    #[test]
    fn errors_carry_path_and_field_as_data() {
        let Err(Error::Spec(spec)) = parse_network(
            r#"{"layers": [{"type": "residual", "main": [{"type": "conv", "kernel": 3}, {"type": "conv", "kernel": [3, 3, 3]}]}]}"#,
        ) else {
            panic!()
        };
        assert_eq!(spec.path, "layers.0.main.1");
        assert_eq!(spec.field.as_deref(), Some("kernel"));
        assert!(
            !spec.message.contains("layers.0") && !spec.message.contains("`kernel`"),
            "the message does not repeat what Display prints: {}",
            spec.message
        );
        let Err(Error::Spec(spec)) = parse_network("{") else {
            panic!()
        };
        assert_eq!((spec.path.as_str(), spec.field), ("", None));
    }

    #[test]
    fn long_values_are_shortened() {
        let long = format!(
            r#"{{"layers": [{{"type": "conv", "kernel": [{}]}}]}}"#,
            vec!["7"; 10_000].join(", ")
        );
        let message = parse_network(&long).unwrap_err().to_string();
        assert!(message.contains("…") && message.len() < 300, "{message}");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let net = parse_network("\u{feff}{\"layers\": [{\"type\": \"global_pool\"}]}").unwrap();
        assert_eq!(net.layers.len(), 1);
    }
}
