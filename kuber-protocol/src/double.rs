//! The text of a double as Redis 7.0 writes it (`%.17g`): `1.1000000000000001`, `1e+20`, `inf`.
//! Used for RESP3 doubles and for their RESP2 bulk-string form, so both protocols carry the same text
//! and clients see the same digits as from Redis.

/// Formats `v` like C's `printf("%.17g")`, as Redis 7.0 does for scores and RESP3 doubles.
pub fn format_double(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // 17 significant digits, correctly rounded; %g then picks fixed or exponent notation from the
    // exponent of this rounded form.
    let sci = format!("{:.16e}", v.abs());
    let (mantissa, exp) = sci
        .split_once('e')
        .expect("Rust's {:e} always has an exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut out = String::with_capacity(24);
    if v < 0.0 {
        out.push('-');
    }
    let trim = |s: &[u8]| -> String {
        let kept = s.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
        String::from_utf8_lossy(&s[..kept]).into_owned()
    };
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let split = exp as usize + 1;
            out.push_str(std::str::from_utf8(&digits[..split]).unwrap_or("0"));
            let fraction = trim(&digits[split..]);
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(&fraction);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&trim(&digits));
        }
    } else {
        out.push(digits[0] as char);
        let fraction = trim(&digits[1..]);
        if !fraction.is_empty() {
            out.push('.');
            out.push_str(&fraction);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_double;

    #[test]
    fn matches_printf_17g() {
        let cases = [
            (1.5, "1.5"),
            (3.0, "3"),
            (-0.0, "-0"),
            (0.1, "0.10000000000000001"),
            (1.1, "1.1000000000000001"),
            (1e20, "1e+20"),
            (1e300, "1.0000000000000001e+300"),
            (-1.5e-7, "-1.4999999999999999e-07"),
            (1e-7, "9.9999999999999995e-08"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, text) in cases {
            assert_eq!(format_double(v), text, "{v:e}");
        }
        assert_eq!(format_double(f64::NAN), "nan");
    }
}
