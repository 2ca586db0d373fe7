//! Splitting of inline commands (`SET "a b" 'x'` typed into telnet or redis-cli) into arguments,
//! with the quoting rules of Redis's `sdssplitargs`.

use bytes::Bytes;

use crate::decode::DecodeError;

/// Splits one inline command line into arguments, the way Redis's `sdssplitargs` does.
///
/// Arguments are separated by whitespace. `"double quoted"` arguments understand `\n`, `\r`,
/// `\t`, `\b`, `\a`, `\xHH` and `\<any>` (which yields `<any>`, so `\\` and `\"`);
/// `'single quoted'` arguments understand only `\'`. A quote may open in the middle of an
/// argument (`ab"c d"` is `abc d`), but a closing quote must be followed by whitespace or the end
/// of the line. An empty or all-blank line yields no arguments.
///
/// Returns [`DecodeError::UnbalancedQuotes`] for an unterminated quote or a closing quote followed
/// by something other than whitespace.
pub fn split_inline(line: &[u8]) -> Result<Vec<Bytes>, DecodeError> {
    // sdssplitargs works on a C string, so a NUL byte ends the input: after an unquoted NUL the
    // rest is ignored, inside quotes it is an unterminated quote. Cutting at the NUL is the same.
    let line = match memchr::memchr(0, line) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p == line.len() {
            return Ok(args);
        }
        let mut current = Vec::new();
        p = read_token(line, p, &mut current)?;
        args.push(Bytes::from(current));
    }
}

/// Reads one argument starting at `p` (not a blank) into `out`; returns the index after it.
fn read_token(line: &[u8], mut p: usize, out: &mut Vec<u8>) -> Result<usize, DecodeError> {
    let at = |i: usize| line.get(i).copied();
    let mut in_double = false;
    let mut in_single = false;
    loop {
        let Some(c) = at(p) else {
            if in_double || in_single {
                return Err(DecodeError::UnbalancedQuotes);
            }
            return Ok(p);
        };
        if in_double {
            match (c, at(p + 1)) {
                (b'\\', Some(b'x'))
                    if at(p + 2).is_some_and(|h| h.is_ascii_hexdigit())
                        && at(p + 3).is_some_and(|h| h.is_ascii_hexdigit()) =>
                {
                    out.push((hex_value(line[p + 2]) << 4) | hex_value(line[p + 3]));
                    p += 4;
                }
                (b'\\', Some(escaped)) => {
                    out.push(match escaped {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    p += 2;
                }
                (b'"', next) => {
                    return closing_quote(next, p);
                }
                _ => {
                    out.push(c);
                    p += 1;
                }
            }
        } else if in_single {
            match (c, at(p + 1)) {
                (b'\\', Some(b'\'')) => {
                    out.push(b'\'');
                    p += 2;
                }
                (b'\'', next) => return closing_quote(next, p),
                _ => {
                    out.push(c);
                    p += 1;
                }
            }
        } else {
            match c {
                // Only these end an unquoted argument; \v and \f are skipped between arguments
                // but kept inside one (sdssplitargs uses isspace() for one and a switch for the
                // other).
                b' ' | b'\n' | b'\r' | b'\t' => return Ok(p + 1),
                b'"' => in_double = true,
                b'\'' => in_single = true,
                _ => out.push(c),
            }
            p += 1;
        }
    }
}

/// A closing quote at `p` ends the argument only if followed by whitespace or the end of line.
fn closing_quote(next: Option<u8>, p: usize) -> Result<usize, DecodeError> {
    match next {
        Some(c) if !is_space(c) => Err(DecodeError::UnbalancedQuotes),
        _ => Ok(p + 1),
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Result<Vec<Vec<u8>>, DecodeError> {
        split_inline(line.as_bytes()).map(|args| args.into_iter().map(|a| a.to_vec()).collect())
    }

    fn args(list: &[&[u8]]) -> Result<Vec<Vec<u8>>, DecodeError> {
        Ok(list.iter().map(|a| a.to_vec()).collect())
    }

    #[test]
    fn plain_words() {
        assert_eq!(split("set k v"), args(&[b"set", b"k", b"v"]));
        assert_eq!(split("  ping  \t "), args(&[b"ping"]));
        assert_eq!(split(""), args(&[]));
        assert_eq!(split(" \t\r\n\x0b\x0c"), args(&[]));
    }

    #[test]
    fn quoting() {
        assert_eq!(split(r#"set "a b" 'x'"#), args(&[b"set", b"a b", b"x"]));
        assert_eq!(split(r#""\x41\n""#), args(&[b"A\n"]));
        assert_eq!(split(r#""\x4a\x4B""#), args(&[b"JK"]));
        assert_eq!(split(r#""\r\t\b\a\\\"\q""#), args(&[b"\r\t\x08\x07\\\"q"]));
        assert_eq!(split(r#""\xZZ""#), args(&[b"xZZ"]));
        assert_eq!(split(r#""\x4""#), args(&[b"x4"]));
        assert_eq!(split(r"'it\'s' 'a\nb'"), args(&[b"it's", b"a\\nb"]));
        assert_eq!(split(r#""" ''"#), args(&[b"", b""]));
        assert_eq!(split(r#"ab"c d" e"#), args(&[b"abc d", b"e"]));
        assert_eq!(split("\"a\"\x0bb"), args(&[b"a", b"b"]));
    }

    #[test]
    fn unbalanced_quotes() {
        for bad in [
            r#""abc"#,
            r#""a"b"#,
            "'abc",
            "'a'b",
            r#"set foo "b"a"r"#,
            r#""abc\"#,
            r#"'a\'"#,
        ] {
            assert_eq!(split(bad), Err(DecodeError::UnbalancedQuotes), "{bad}");
        }
        assert_eq!(
            DecodeError::UnbalancedQuotes.to_string(),
            "Protocol error: unbalanced quotes in request"
        );
    }

    #[test]
    fn vertical_tab_is_kept_inside_unquoted_argument() {
        assert_eq!(split("a\x0bb c"), args(&[b"a\x0bb", b"c"]));
    }

    #[test]
    fn nul_ends_the_line() {
        assert_eq!(split("get a\0b c"), args(&[b"get", b"a"]));
        assert_eq!(split("get \"a\0\""), Err(DecodeError::UnbalancedQuotes));
        assert_eq!(split(r#"get "\x00""#), args(&[b"get", b"\0"]));
    }
}
