//! The libraries Redis adds to its Lua beyond the standard ones, written in Rust: `bit` (LuaBitOp's
//! 32-bit operations) and `cjson` (JSON encode/decode through serde_json). `cmsgpack` is in
//! `msgpack.rs`; `struct` is not provided.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

use super::vm::ScriptError;

/// `cjson.null`: a NULL light userdata, as lua-cjson defines it.
fn json_null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// LuaBitOp's normalisation of a number to a signed 32-bit integer (modulo 2^32).
fn tobit(n: f64) -> i32 {
    let wrapped = n.round_ties_even().rem_euclid(4_294_967_296.0);
    (wrapped as u64 as u32) as i32
}

fn arg(lua: &Lua, args: &MultiValue, i: usize) -> mlua::Result<i32> {
    match args.get(i) {
        Some(Value::Number(n)) => Ok(tobit(*n)),
        Some(Value::Integer(n)) => Ok(*n as i32),
        Some(Value::String(s)) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .map(tobit)
            .ok_or_else(|| {
                ScriptError::at_script(
                    lua,
                    format!("ERR bad argument #{} (number expected)", i + 1),
                )
            }),
        _ => Err(ScriptError::at_script(
            lua,
            format!(
                "ERR bad argument #{} (number expected, got no value)",
                i + 1
            ),
        )),
    }
}

/// The `bit` table.
pub(crate) fn bit(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let unary = |f: fn(i32) -> i32| {
        move |lua: &Lua, args: MultiValue| -> mlua::Result<f64> {
            Ok(f(arg(lua, &args, 0)?) as f64)
        }
    };
    t.raw_set("tobit", lua.create_function(unary(|x| x))?)?;
    t.raw_set("bnot", lua.create_function(unary(|x| !x))?)?;
    t.raw_set("bswap", lua.create_function(unary(i32::swap_bytes))?)?;
    let fold = |f: fn(i32, i32) -> i32| {
        move |lua: &Lua, args: MultiValue| -> mlua::Result<f64> {
            let mut acc = arg(lua, &args, 0)?;
            for i in 1..args.len() {
                acc = f(acc, arg(lua, &args, i)?);
            }
            Ok(acc as f64)
        }
    };
    t.raw_set("band", lua.create_function(fold(|a, b| a & b))?)?;
    t.raw_set("bor", lua.create_function(fold(|a, b| a | b))?)?;
    t.raw_set("bxor", lua.create_function(fold(|a, b| a ^ b))?)?;
    let shift = |f: fn(i32, u32) -> i32| {
        move |lua: &Lua, args: MultiValue| -> mlua::Result<f64> {
            let x = arg(lua, &args, 0)?;
            let n = (arg(lua, &args, 1)? & 31) as u32;
            Ok(f(x, n) as f64)
        }
    };
    t.raw_set(
        "lshift",
        lua.create_function(shift(|x, n| ((x as u32) << n) as i32))?,
    )?;
    t.raw_set(
        "rshift",
        lua.create_function(shift(|x, n| ((x as u32) >> n) as i32))?,
    )?;
    t.raw_set("arshift", lua.create_function(shift(|x, n| x >> n))?)?;
    t.raw_set(
        "rol",
        lua.create_function(shift(|x, n| (x as u32).rotate_left(n) as i32))?,
    )?;
    t.raw_set(
        "ror",
        lua.create_function(shift(|x, n| (x as u32).rotate_right(n) as i32))?,
    )?;
    t.raw_set(
        "tohex",
        lua.create_function(|lua, args: MultiValue| {
            let x = arg(lua, &args, 0)? as u32;
            let mut n = if args.len() > 1 {
                arg(lua, &args, 1)? as i64
            } else {
                8
            };
            // Redis's fix of LuaBitOp: -INT32_MIN overflowed.
            let upper = n < 0;
            n = n.abs().min(8);
            let hex = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            Ok(hex[8 - n as usize..].to_owned())
        })?,
    )?;
    Ok(t)
}

/// The `cjson` table.
pub(crate) fn cjson(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("null", json_null())?;
    // lua-cjson's nesting limits, 1000 unless a script sets them (they persist, as in Redis).
    let encode_depth = Arc::new(AtomicUsize::new(1000));
    let decode_depth = Arc::new(AtomicUsize::new(1000));
    for (name, setting) in [
        ("encode_max_depth", encode_depth.clone()),
        ("decode_max_depth", decode_depth.clone()),
    ] {
        t.raw_set(
            name,
            lua.create_function(move |_, depth: Option<f64>| {
                if let Some(depth) = depth.filter(|d| *d >= 1.0) {
                    setting.store(depth as usize, Ordering::Relaxed);
                }
                Ok(setting.load(Ordering::Relaxed) as f64)
            })?,
        )?;
    }
    // encode_invalid_numbers: 0 refuses NaN and infinities, 1 writes them as `nan`/`inf`, 2 as null.
    let invalid = Arc::new(AtomicUsize::new(0));
    let setting = invalid.clone();
    t.raw_set(
        "encode_invalid_numbers",
        lua.create_function(move |_, mode: Value| {
            let value = match &mode {
                Value::Boolean(b) => Some(*b as usize),
                Value::String(s) => match &*s.to_string_lossy() {
                    "on" => Some(1),
                    "off" => Some(0),
                    "null" => Some(2),
                    _ => None,
                },
                _ => None,
            };
            if let Some(value) = value {
                setting.store(value, Ordering::Relaxed);
            }
            Ok(setting.load(Ordering::Relaxed) != 0)
        })?,
    )?;
    t.raw_set(
        "encode",
        lua.create_function(move |lua, value: Value| {
            let mut out = String::new();
            let settings = Encoding {
                max_depth: encode_depth.load(Ordering::Relaxed),
                invalid_numbers: invalid.load(Ordering::Relaxed),
            };
            encode(lua, &value, &mut out, 1, &settings)?;
            Ok(out)
        })?,
    )?;
    t.raw_set(
        "decode",
        lua.create_function(move |lua, text: mlua::String| {
            let json: serde_json::Value =
                serde_json::from_slice(&text.as_bytes()).map_err(|e| {
                    ScriptError::at_script(
                        lua,
                        format!("ERR Expected value but found invalid token: {e}"),
                    )
                })?;
            decode(lua, &json, 0, decode_depth.load(Ordering::Relaxed))
        })?,
    )?;
    // Settings Redis scripts call; Kuber's encoder has fixed behaviour, so they only answer.
    for name in [
        "encode_keep_buffer",
        "decode_invalid_numbers",
        "encode_sparse_array",
        "encode_number_precision",
        "decode_array_with_array_mt",
    ] {
        t.raw_set(name, lua.create_function(|_, _: MultiValue| Ok(true))?)?;
    }
    Ok(t)
}

/// lua-cjson's number format, `%.14g`.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = super::convert::number_arg(n);
    // %.17g has three digits more than %.14g: reformat through the shorter representation.
    match s.parse::<f64>() {
        Ok(v) => {
            let short = format!("{v:.13e}");
            let (mantissa, exp) = short.split_once('e').unwrap_or((&short, "0"));
            let exp: i32 = exp.parse().unwrap_or(0);
            if (-5..14).contains(&exp) {
                let decimals = (13 - exp).max(0) as usize;
                let fixed = format!("{v:.decimals$}");
                fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                format!(
                    "{mantissa}e{}{:02}",
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            }
        }
        Err(_) => s,
    }
}

/// The encoder's settings at the time of a call.
struct Encoding {
    max_depth: usize,
    invalid_numbers: usize,
}

fn encode(
    lua: &Lua,
    value: &Value,
    out: &mut String,
    depth: usize,
    settings: &Encoding,
) -> mlua::Result<()> {
    match value {
        Value::Nil => out.push_str("null"),
        Value::LightUserData(p) if p.0.is_null() => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(n) => out.push_str(&n.to_string()),
        Value::Number(n) if n.is_finite() => out.push_str(&number(*n)),
        Value::Number(n) if settings.invalid_numbers == 1 => out.push_str(if n.is_nan() {
            "nan"
        } else if *n > 0.0 {
            "inf"
        } else {
            "-inf"
        }),
        Value::Number(_) if settings.invalid_numbers == 2 => out.push_str("null"),
        Value::Number(_) => {
            return Err(ScriptError::at_script(
                lua,
                "ERR Cannot serialise number: must not be NaN or Inf",
            ));
        }
        Value::String(s) => string(&s.to_string_lossy(), out),
        Value::Table(_) if depth > settings.max_depth => {
            return Err(ScriptError::at_script(
                lua,
                format!("ERR Cannot serialise, excessive nesting ({depth})"),
            ));
        }
        Value::Table(t) => {
            let mut max = 0usize;
            let mut count = 0usize;
            let mut is_array = true;
            for pair in t.pairs::<Value, Value>() {
                let (k, _) = pair?;
                count += 1;
                match k {
                    Value::Number(n) if n >= 1.0 && n.fract() == 0.0 => max = max.max(n as usize),
                    Value::Integer(n) if n >= 1 => max = max.max(n as usize),
                    _ => is_array = false,
                }
            }
            // Like lua-cjson: an array unless too sparse; an empty table is an object.
            if is_array && count > 0 && (max <= 10 || max <= count * 2) {
                out.push('[');
                for i in 1..=max {
                    if i > 1 {
                        out.push(',');
                    }
                    encode(lua, &t.raw_get::<Value>(i)?, out, depth + 1, settings)?;
                }
                out.push(']');
            } else {
                out.push('{');
                let mut first = true;
                for pair in t.pairs::<Value, Value>() {
                    let (k, v) = pair?;
                    let key = match &k {
                        Value::String(s) => s.to_string_lossy(),
                        Value::Number(n) => number(*n),
                        Value::Integer(n) => n.to_string(),
                        _ => {
                            return Err(ScriptError::at_script(
                                lua,
                                "ERR Cannot serialise table: table key must be a number or string",
                            ));
                        }
                    };
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    string(&key, out);
                    out.push(':');
                    encode(lua, &v, out, depth + 1, settings)?;
                }
                out.push('}');
            }
        }
        other => {
            return Err(ScriptError::at_script(
                lua,
                format!(
                    "ERR Cannot serialise {}: type not supported",
                    other.type_name()
                ),
            ));
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn decode(lua: &Lua, json: &serde_json::Value, depth: usize, max: usize) -> mlua::Result<Value> {
    use serde_json::Value as J;
    if matches!(json, J::Array(_) | J::Object(_)) && depth + 1 > max {
        return Err(ScriptError::at_script(
            lua,
            format!("ERR Found too many nested data structures ({})", depth + 1),
        ));
    }
    Ok(match json {
        J::Null => json_null(),
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::String(lua.create_string(s)?),
        J::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, decode(lua, item, depth + 1, max)?)?;
            }
            Value::Table(t)
        }
        J::Object(fields) => {
            let t = lua.create_table_with_capacity(0, fields.len())?;
            for (k, v) in fields {
                t.raw_set(k.as_str(), decode(lua, v, depth + 1, max)?)?;
            }
            Value::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_normalises_like_luabitop() {
        assert_eq!(tobit(4_294_967_295.0), -1);
        assert_eq!(tobit(2_147_483_648.0), i32::MIN);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(number(1023.2), "1023.2");
        assert_eq!(number(0.0003), "0.0003");
        assert_eq!(number(-5000.0), "-5000");
    }
}
