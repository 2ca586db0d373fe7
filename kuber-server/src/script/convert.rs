//! Conversions between replies and Lua values, exactly as Redis documents them for EVAL: a
//! command's reply seen by `redis.call`, and a script's return value sent to the client.

use bytes::Bytes;
use kuber_protocol::Frame;
use mlua::{Lua, Table, Value};

/// Nested tables deeper than this are refused (a table can contain itself).
const MAX_DEPTH: usize = 200;

/// A command's reply as `redis.call` returns it. `resp3` follows `redis.setresp`.
pub(crate) fn frame_to_lua(lua: &Lua, frame: &Frame, resp3: bool) -> mlua::Result<Value> {
    Ok(match frame {
        Frame::Integer(n) => Value::Number(*n as f64),
        Frame::Bulk(b) => Value::String(lua.create_string(b)?),
        Frame::Simple(s) => single_field(lua, "ok", Value::String(lua.create_string(s)?))?,
        Frame::Error(e) => single_field(lua, "err", Value::String(lua.create_string(e)?))?,
        // RESP2 has no null other than the null bulk and null array, which Lua sees as false;
        // RESP3's single null is nil.
        Frame::Null | Frame::NullArray if resp3 => Value::Nil,
        Frame::Null | Frame::NullArray => Value::Boolean(false),
        Frame::Array(items) | Frame::Push(items) => array(lua, items.iter(), resp3)?,
        Frame::Set(items) if resp3 => {
            let set = lua.create_table()?;
            for item in items {
                set.raw_set(frame_to_lua(lua, item, resp3)?, true)?;
            }
            single_field(lua, "set", Value::Table(set))?
        }
        Frame::Set(items) => array(lua, items.iter(), resp3)?,
        Frame::Map(pairs) if resp3 => {
            let map = lua.create_table()?;
            for (k, v) in pairs {
                map.raw_set(frame_to_lua(lua, k, resp3)?, frame_to_lua(lua, v, resp3)?)?;
            }
            single_field(lua, "map", Value::Table(map))?
        }
        Frame::Map(pairs) => array(lua, pairs.iter().flat_map(|(k, v)| [k, v]), resp3)?,
        Frame::Double(d) if resp3 => single_field(lua, "double", Value::Number(*d))?,
        Frame::Double(d) => Value::String(lua.create_string(format_double(*d))?),
        Frame::Boolean(b) if resp3 => Value::Boolean(*b),
        Frame::Boolean(b) => Value::Number(if *b { 1.0 } else { 0.0 }),
        Frame::BigNumber(n) if resp3 => {
            single_field(lua, "big_number", Value::String(lua.create_string(n)?))?
        }
        Frame::BigNumber(n) => Value::String(lua.create_string(n)?),
        Frame::Verbatim { format, text } if resp3 => {
            let inner = lua.create_table()?;
            inner.raw_set("format", lua.create_string(format)?)?;
            inner.raw_set("string", lua.create_string(text)?)?;
            single_field(lua, "verbatim_string", Value::Table(inner))?
        }
        Frame::Verbatim { text, .. } => Value::String(lua.create_string(text)?),
    })
}

fn single_field(lua: &Lua, name: &str, value: Value) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set(name, value)?;
    Ok(Value::Table(t))
}

fn array<'f>(
    lua: &Lua,
    items: impl Iterator<Item = &'f Frame>,
    resp3: bool,
) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    for (i, item) in items.enumerate() {
        t.raw_set(i + 1, frame_to_lua(lua, item, resp3)?)?;
    }
    Ok(Value::Table(t))
}

fn format_double(d: f64) -> String {
    if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{d}")
    }
}

/// A script's return value as the reply the client gets. `resp3` follows `redis.setresp`:
/// booleans are RESP3 booleans only then.
pub(crate) fn lua_to_frame(value: &Value, resp3: bool) -> Frame {
    to_frame(value, resp3, 0)
}

fn to_frame(value: &Value, resp3: bool, depth: usize) -> Frame {
    match value {
        Value::String(s) => Frame::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        Value::Boolean(b) if resp3 => Frame::Boolean(*b),
        Value::Boolean(true) => Frame::Integer(1),
        Value::Boolean(false) => Frame::Null,
        // Redis casts with `(long long)`: the fraction is dropped.
        Value::Number(n) => Frame::Integer(*n as i64),
        Value::Integer(n) => Frame::Integer(*n),
        Value::Table(t) if depth >= MAX_DEPTH => {
            let _ = t;
            Frame::error("ERR reached lua stack limit")
        }
        Value::Table(t) => table_to_frame(t, resp3, depth + 1),
        _ => Frame::Null,
    }
}

fn string_field(t: &Table, name: &str) -> Option<Bytes> {
    match t.raw_get::<Value>(name).ok()? {
        Value::String(s) => Some(Bytes::copy_from_slice(&s.as_bytes())),
        _ => None,
    }
}

fn table_to_frame(t: &Table, resp3: bool, depth: usize) -> Frame {
    if let Some(err) = string_field(t, "err") {
        return Frame::Error(sanitize(err));
    }
    if let Some(ok) = string_field(t, "ok") {
        return Frame::Simple(sanitize(ok));
    }
    if let Ok(Value::Number(d)) = t.raw_get::<Value>("double") {
        return Frame::Double(d);
    }
    if let Some(n) = string_field(t, "big_number") {
        return Frame::BigNumber(n);
    }
    if let Ok(Value::Table(v)) = t.raw_get::<Value>("verbatim_string")
        && let (Some(format), Some(text)) = (string_field(&v, "format"), string_field(&v, "string"))
        && format.len() == 3
    {
        return Frame::Verbatim {
            format: [format[0], format[1], format[2]],
            text,
        };
    }
    if let Ok(Value::Table(map)) = t.raw_get::<Value>("map") {
        let pairs = map
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, v)| (to_frame(&k, resp3, depth), to_frame(&v, resp3, depth)))
            .collect();
        return Frame::Map(pairs);
    }
    if let Ok(Value::Table(set)) = t.raw_get::<Value>("set") {
        let members = set
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, _)| to_frame(&k, resp3, depth))
            .collect();
        return Frame::Set(members);
    }
    // An array: elements 1, 2, … up to the first nil.
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(to_frame(&v, resp3, depth)),
        }
    }
    Frame::Array(items)
}

/// Status and error lines cannot hold CR or LF (Redis replaces them with spaces).
fn sanitize(line: Bytes) -> Bytes {
    if !line.iter().any(|b| *b == b'\r' || *b == b'\n') {
        return line;
    }
    line.iter()
        .map(|b| if *b == b'\r' || *b == b'\n' { b' ' } else { *b })
        .collect::<Vec<u8>>()
        .into()
}

/// A Lua number as a command argument: C's `%.17g`, as Redis formats it (so 0.1 is
/// "0.10000000000000001" and 3 is "3").
pub(crate) fn number_arg(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf" } else { "-inf" }.into();
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // 17 significant digits in scientific form tells the exponent %g uses to choose the style.
    let sci = format!("{n:.16e}");
    let (mantissa, exp) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    if !(-4..17).contains(&exp) {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = (16 - exp).max(0) as usize;
    trim_fraction(&format!("{n:.decimals$}")).to_owned()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_like_printf_17g() {
        assert_eq!(number_arg(3.0), "3");
        assert_eq!(number_arg(-42.0), "-42");
        assert_eq!(number_arg(0.1), "0.10000000000000001");
        assert_eq!(number_arg(1.5), "1.5");
        assert_eq!(number_arg(1e20), "1e+20");
        assert_eq!(number_arg(1.0e-5), "1.0000000000000001e-05");
        assert_eq!(number_arg(123456789012.0), "123456789012");
    }
}
