//! The value of one cell of an Arrow column read from Parquet, by what the cell means (a
//! text, a token count, a cost, a time, ...), whichever of the accepted Arrow types the
//! column has.
//!
//! Each meaning is a [`Kind`]: a file's column types are checked against it once, when the file
//! is opened (a wrong type is an error naming the type found and the types accepted), so the
//! getters here only meet accepted types.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal32Type, Decimal64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

use super::parse::{parse_count, parse_time_ms};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A string.
    Text,
    /// A whole number of tokens.
    Count,
    /// A number (USD).
    Number,
    /// A time.
    Time,
    /// true or false.
    Bool,
    /// Block ids: a space-separated string or a list of integers.
    Hashes,
    /// A map from usage keys to token counts.
    CountMap,
    /// A map from keys to numbers.
    NumberMap,
    /// A list of strings.
    TextList,
}

impl Kind {
    /// The Arrow types accepted, in words.
    pub(super) fn accepted(self) -> &'static str {
        match self {
            Kind::Text => "string (utf8, large_utf8, utf8_view, or binary holding UTF-8)",
            Kind::Count => "an integer (int8 to int64, uint8 to uint64) or string",
            Kind::Number => "a float, decimal, integer or string",
            Kind::Time => {
                "timestamp[s/ms/us/ns] (with or without a zone, read as UTC), int64 milliseconds \
                 or an RFC 3339 string"
            }
            Kind::Bool => "bool",
            Kind::Hashes => "a string of space-separated ids or list<uint64 or int64>",
            Kind::CountMap => "map<string, integer> or a string of a JSON object",
            Kind::NumberMap => {
                "map<string, decimal, float or integer> or a string of a JSON object"
            }
            Kind::TextList => "list<string> or a string of a JSON list",
        }
    }

    /// Whether a column of type `t` is read as this kind.
    pub(super) fn accepts(self, t: &DataType) -> bool {
        match self {
            Kind::Text => is_text(t),
            Kind::Count => is_int(t) || is_text(t),
            Kind::Number => is_int(t) || is_float(t) || is_decimal(t) || is_text(t),
            Kind::Time => {
                matches!(
                    t,
                    DataType::Timestamp(_, _) | DataType::Int64 | DataType::Date64
                ) || is_text(t)
            }
            Kind::Bool => matches!(t, DataType::Boolean),
            Kind::Hashes => {
                is_text(t)
                    || matches!(t, DataType::List(f) | DataType::LargeList(f)
                        if matches!(f.data_type(), DataType::UInt64 | DataType::Int64))
            }
            Kind::CountMap | Kind::NumberMap => {
                is_text(t)
                    || match t {
                        DataType::Map(entries, _) => match entries.data_type() {
                            DataType::Struct(fields) if fields.len() == 2 => {
                                let v = fields[1].data_type();
                                is_text(fields[0].data_type())
                                    && (is_int(v)
                                        || (self == Kind::NumberMap
                                            && (is_float(v) || is_decimal(v))))
                            }
                            _ => false,
                        },
                        _ => false,
                    }
            }
            Kind::TextList => {
                is_text(t)
                    || matches!(t, DataType::List(f) | DataType::LargeList(f)
                        if is_text(f.data_type()))
            }
        }
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    )
}

fn is_int(t: &DataType) -> bool {
    t.is_integer()
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float32 | DataType::Float64)
}

fn is_decimal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Decimal32(_, _) | DataType::Decimal64(_, _) | DataType::Decimal128(_, _)
    )
}

/// The string at row `i` of a text column, `None` when null or empty.
#[inline]
pub(super) fn text<'a>(
    col: &'a dyn Array,
    i: usize,
    name: &str,
) -> Result<Option<&'a str>, String> {
    if col.is_null(i) {
        return Ok(None);
    }
    let bytes: &[u8] = match col.data_type() {
        DataType::Utf8 => {
            return Ok(Some(col.as_string::<i32>().value(i)).filter(|s| !s.is_empty()));
        }
        DataType::LargeUtf8 => {
            return Ok(Some(col.as_string::<i64>().value(i)).filter(|s| !s.is_empty()));
        }
        DataType::Utf8View => {
            return Ok(Some(col.as_string_view().value(i)).filter(|s| !s.is_empty()));
        }
        DataType::Binary => col.as_binary::<i32>().value(i),
        DataType::LargeBinary => col.as_binary::<i64>().value(i),
        DataType::BinaryView => col.as_binary_view().value(i),
        t => return Err(format!("{name}: a {t} column is not text")),
    };
    std::str::from_utf8(bytes)
        .map(|s| Some(s).filter(|s| !s.is_empty()))
        .map_err(|e| {
            format!(
                "{name}: not UTF-8 text (a bad byte after the first {} bytes)",
                e.valid_up_to()
            )
        })
}

/// The integer at row `i` of an integer column (not null).
#[inline]
fn int(col: &dyn Array, i: usize) -> Option<i128> {
    Some(match col.data_type() {
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).into(),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).into(),
        DataType::UInt64 => col.as_primitive::<UInt64Type>().value(i).into(),
        _ => return None,
    })
}

/// The token count at row `i`.
#[inline]
pub(super) fn count(col: &dyn Array, i: usize, name: &str) -> Result<Option<u64>, String> {
    if col.is_null(i) {
        return Ok(None);
    }
    if let Some(n) = int(col, i) {
        return u64::try_from(n)
            .map(Some)
            .map_err(|_| format!("{name}: expected a whole number of tokens >= 0, got {n}"));
    }
    match text(col, i, name)? {
        None => Ok(None),
        Some(s) => parse_count(s.trim())
            .map(Some)
            .ok_or_else(|| format!("{name}: expected a whole number of tokens >= 0, got {s:?}")),
    }
}

/// The number at row `i` (a cost).
#[inline]
pub(super) fn number(col: &dyn Array, i: usize, name: &str) -> Result<Option<f64>, String> {
    if col.is_null(i) {
        return Ok(None);
    }
    let scaled = |v: f64, scale: i8| v / 10f64.powi(scale.into());
    let n = match col.data_type() {
        DataType::Float64 => col.as_primitive::<Float64Type>().value(i),
        DataType::Float32 => col.as_primitive::<Float32Type>().value(i).into(),
        DataType::Decimal32(_, s) => {
            scaled(col.as_primitive::<Decimal32Type>().value(i) as f64, *s)
        }
        DataType::Decimal64(_, s) => {
            scaled(col.as_primitive::<Decimal64Type>().value(i) as f64, *s)
        }
        DataType::Decimal128(_, s) => {
            scaled(col.as_primitive::<Decimal128Type>().value(i) as f64, *s)
        }
        _ => match int(col, i) {
            Some(n) => n as f64,
            None => match text(col, i, name)? {
                None => return Ok(None),
                Some(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{name}: expected a number, got {s:?}"))?,
            },
        },
    };
    if n.is_finite() {
        Ok(Some(n))
    } else {
        Err(format!("{name}: expected a finite number, got {n}"))
    }
}

/// The time in ms since the epoch at row `i`: a timestamp (a zone or none: both are instants
/// counted from the epoch), integer milliseconds, or a string.
#[inline]
pub(super) fn time_ms(col: &dyn Array, i: usize, name: &str) -> Result<Option<i64>, String> {
    if col.is_null(i) {
        return Ok(None);
    }
    Ok(Some(match col.data_type() {
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            col.as_primitive::<TimestampMillisecondType>().value(i)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => col
            .as_primitive::<TimestampMicrosecondType>()
            .value(i)
            .div_euclid(1000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => col
            .as_primitive::<TimestampNanosecondType>()
            .value(i)
            .div_euclid(1_000_000),
        DataType::Timestamp(TimeUnit::Second, _) => col
            .as_primitive::<TimestampSecondType>()
            .value(i)
            .saturating_mul(1000),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i),
        DataType::Date64 => col
            .as_primitive::<arrow_array::types::Date64Type>()
            .value(i),
        _ => match text(col, i, name)? {
            None => return Ok(None),
            Some(s) => parse_time_ms(s).ok_or_else(|| {
                format!(
                    "{name}: expected RFC 3339, `YYYY-MM-DD HH:MM:SS.sss` (UTC) or integer \
                     milliseconds, got {s:?}"
                )
            })?,
        },
    }))
}

/// The bool at row `i`.
#[inline]
pub(super) fn boolean(col: &dyn Array, i: usize) -> Option<bool> {
    (!col.is_null(i)).then(|| col.as_boolean().value(i))
}

/// The values column and the range of row `i`'s items, when `col` is a list column.
fn list_at(col: &dyn Array, i: usize) -> Option<(&ArrayRef, std::ops::Range<usize>)> {
    match col.data_type() {
        DataType::List(_) => {
            let l = col.as_list::<i32>();
            let o = l.value_offsets();
            Some((l.values(), o[i] as usize..o[i + 1] as usize))
        }
        DataType::LargeList(_) => {
            let l = col.as_list::<i64>();
            let o = l.value_offsets();
            Some((l.values(), o[i] as usize..o[i + 1] as usize))
        }
        _ => None,
    }
}

/// Refill `out` with the block ids at row `i`.
pub(super) fn hashes(
    col: &dyn Array,
    i: usize,
    name: &str,
    out: &mut Vec<u64>,
) -> Result<(), String> {
    out.clear();
    if col.is_null(i) {
        return Ok(());
    }
    let Some((values, range)) = list_at(col, i) else {
        if let Some(s) = text(col, i, name)? {
            for h in s.split_ascii_whitespace() {
                out.push(
                    h.parse::<u64>()
                        .map_err(|_| format!("{name}: {h:?} is not a block id (whole number)"))?,
                );
            }
        }
        return Ok(());
    };
    for j in range {
        match count(values.as_ref(), j, name)? {
            Some(h) => out.push(h),
            None => return Err(format!("{name}: a null block id")),
        }
    }
    Ok(())
}

/// Each (key, value) entry of the map at row `i`, handed to `each` with the values column and
/// the entry's place in it; a map given as JSON text is parsed and handed over as JSON.
pub(super) fn map_entries(
    col: &dyn Array,
    i: usize,
    name: &str,
    each: &mut dyn FnMut(&str, Entry<'_>) -> Result<(), String>,
) -> Result<(), String> {
    if col.is_null(i) {
        return Ok(());
    }
    let DataType::Map(_, _) = col.data_type() else {
        let Some(s) = text(col, i, name)? else {
            return Ok(());
        };
        let o: serde_json::Map<String, serde_json::Value> = serde_json::from_str(s)
            .map_err(|e| format!("{name}: expected a JSON object, got {s:?} ({e})"))?;
        for (k, v) in &o {
            each(k, Entry::Json(v))?;
        }
        return Ok(());
    };
    let m = col.as_map();
    let o = m.value_offsets();
    let (keys, values) = (m.keys(), m.values());
    for j in o[i] as usize..o[i + 1] as usize {
        let Some(k) = text(keys.as_ref(), j, name)? else {
            continue;
        };
        each(k, Entry::Arrow(values.as_ref(), j))?;
    }
    Ok(())
}

/// One value of a map.
pub(super) enum Entry<'a> {
    /// Row `.1` of an Arrow column.
    Arrow(&'a dyn Array, usize),
    /// A value of a JSON object.
    Json(&'a serde_json::Value),
}

impl Entry<'_> {
    /// The value as a token count (`None` when null).
    pub(super) fn count(&self, name: &str) -> Result<Option<u64>, String> {
        match self {
            Entry::Arrow(c, j) => count(*c, *j, name),
            Entry::Json(serde_json::Value::Null) => Ok(None),
            Entry::Json(v) => super::json_value::json_count(v, name).map(Some),
        }
    }

    /// The value as a number (`None` when null).
    pub(super) fn number(&self, name: &str) -> Result<Option<f64>, String> {
        match self {
            Entry::Arrow(c, j) => number(*c, *j, name),
            Entry::Json(serde_json::Value::Null) => Ok(None),
            Entry::Json(v) => super::json_value::json_number(v, name).map(Some),
        }
    }
}

/// Each string of the list at row `i` (a list column, or JSON text of a list).
pub(super) fn texts(
    col: &dyn Array,
    i: usize,
    name: &str,
    each: &mut dyn FnMut(&str),
) -> Result<(), String> {
    if col.is_null(i) {
        return Ok(());
    }
    let Some((values, range)) = list_at(col, i) else {
        let Some(s) = text(col, i, name)? else {
            return Ok(());
        };
        let list: Vec<String> = serde_json::from_str(s)
            .map_err(|_| format!("{name}: expected a JSON list of strings, got {s:?}"))?;
        list.iter().for_each(|t| each(t));
        return Ok(());
    };
    for j in range {
        if let Some(t) = text(values.as_ref(), j, name)? {
            each(t);
        }
    }
    Ok(())
}
