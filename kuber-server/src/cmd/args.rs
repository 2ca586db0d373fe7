//! Argument parsing shared by the command handlers: integers, floats, keywords and expiry options
//! with Redis's exact errors.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::reply::{self, err};
use crate::store::value::parse_i64;

/// Case-insensitive keyword test.
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// A signed 64-bit integer or `ERR value is not an integer or out of range`.
pub fn int(arg: &[u8]) -> Result<i64, Frame> {
    parse_i64(arg).ok_or(err(reply::NOT_INTEGER))
}

/// A finite double or `ERR value is not a valid float`.
pub fn float(arg: &[u8]) -> Result<f64, Frame> {
    parse_f64(arg).ok_or(err(reply::NOT_FLOAT))
}

/// Parses a float as Redis's `strtold` path accepts it: no spaces, not NaN or infinite text.
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(arg).ok()?;
    if text.is_empty() || text.trim() != text {
        return None;
    }
    // Redis reads with strtold: infinities are numbers (the result check refuses them later), NaN
    // is not a number.
    text.parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// Formats a float the way Redis's human-friendly output does: shortest text that reads back the
/// same, no exponent, no trailing zeros.
pub fn format_f64(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e17 {
        format!("{}", v as i128)
    } else {
        format!("{v}")
    }
}

/// Lossy UTF-8 text of an argument.
pub fn text(arg: &Bytes) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// An expiry option parsed from SET/GETEX style arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// No option given.
    None,
    /// Absolute time in ms.
    At(u64),
    /// KEEPTTL.
    Keep,
    /// PERSIST (GETEX).
    Persist,
}

/// Turns `EX/PX/EXAT/PXAT value` into an absolute ms time; `cmd` names the command in errors.
pub fn expiry_at(unit: &[u8], value: &[u8], now: u64, cmd: &str) -> Result<u64, Frame> {
    let n = int(value)?;
    if n <= 0 {
        return Err(reply::invalid_expire(cmd));
    }
    let invalid = || reply::invalid_expire(cmd);
    let at = if is(unit, "EX") {
        n.checked_mul(1000)
            .and_then(|ms| ms.checked_add(now as i64))
            .ok_or_else(invalid)?
    } else if is(unit, "PX") {
        n.checked_add(now as i64).ok_or_else(invalid)?
    } else if is(unit, "EXAT") {
        n.checked_mul(1000).ok_or_else(invalid)?
    } else {
        n
    };
    Ok(at as u64)
}

/// A cursor as Redis reads it with `strtoul`: no leading space, optional sign (`-1` wraps), the
/// empty string is 0, overflow is an error; a NUL byte ends the text.
pub fn scan_cursor(arg: &[u8]) -> Option<u64> {
    let arg = &arg[..arg.iter().position(|&c| c == 0).unwrap_or(arg.len())];
    if arg.is_empty() {
        return Some(0);
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().try_fold(0u64, |v, d| {
        v.checked_mul(10)?.checked_add((d - b'0') as u64)
    })?;
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_redis() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"5.0e3"), Some(5000.0));
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b"+inf"), Some(f64::INFINITY));
        assert_eq!(format_f64(10.5 + 0.1), "10.6");
        assert_eq!(format_f64(3.0), "3");
        assert_eq!(format_f64(-0.5), "-0.5");
    }

    #[test]
    fn expiry_overflow_is_an_error() {
        assert_eq!(expiry_at(b"EX", b"10", 1000, "set"), Ok(11_000));
        assert_eq!(expiry_at(b"pxat", b"5", 1000, "set"), Ok(5));
        assert!(expiry_at(b"EX", b"0", 0, "set").is_err());
        assert!(expiry_at(b"EX", b"9223372036854775807", 0, "set").is_err());
    }
}
