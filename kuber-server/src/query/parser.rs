//! The query parser: text → [`Query`], with the byte position of the fault in every error.
//!
//! It is a hand-written scanner over the text rather than a tokenizer, because what a character
//! means depends on where it stands: `[` opens a list after `=` but is literal text after `~=`
//! (where `[a-z]+` is a regex), and a bare value keeps its inner spaces up to the next comma.

use super::path::parse_at;
use super::pattern::Pattern;
use super::{Condition, MAX_CONDITIONS, MAX_LIST_ITEMS, Op, Operand, Query, QueryError, Scalar};

/// Parses a whole query: conditions separated by commas.
pub(crate) fn parse_query(text: &str) -> Result<Query, QueryError> {
    if text.trim().is_empty() {
        return Err(QueryError::new(0, "empty query"));
    }
    let mut conditions = Vec::new();
    let mut pos = 0;
    loop {
        if conditions.len() == MAX_CONDITIONS {
            return Err(QueryError::new(pos, "too many conditions"));
        }
        let (condition, end) = condition(text, pos)?;
        conditions.push(condition);
        if end >= text.len() {
            return Ok(Query { conditions });
        }
        // `condition` stops only at the end or at a top-level comma.
        pos = end + 1;
    }
}

fn skip_space(text: &str, mut pos: usize) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if !c.is_whitespace() {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// One condition starting at `start`; returns it and the offset of the comma or end after it.
fn condition(text: &str, start: usize) -> Result<(Condition, usize), QueryError> {
    let path_start = skip_space(text, start);
    if matches!(text.as_bytes().get(path_start), None | Some(b',')) {
        return Err(QueryError::new(path_start, "empty condition"));
    }
    let (path, path_end) = parse_at(text, path_start)?;
    let op_start = skip_space(text, path_end);
    let (op, op_end) = operator(text, op_start, op_start > path_end)?;
    let value_start = skip_space(text, op_end);
    let (operand, end) = operand(text, op, value_start)?;
    Ok((Condition { path, op, operand }, end))
}

const SYMBOLS: [(&str, Op); 9] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<>", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("~=", Op::Regex),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
];

fn operator(text: &str, pos: usize, spaced: bool) -> Result<(Op, usize), QueryError> {
    let rest = &text[pos..];
    if rest.is_empty() || rest.starts_with(',') {
        return Err(QueryError::new(pos, "missing operator"));
    }
    if let Some((symbol, op)) = SYMBOLS.iter().find(|(s, _)| rest.starts_with(s)) {
        return Ok((*op, pos + symbol.len()));
    }
    let word_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    let op = [
        ("LIKE", Op::Like),
        ("CONTAINS", Op::Contains),
        ("IN", Op::In),
    ]
    .into_iter()
    .find(|(name, _)| word.eq_ignore_ascii_case(name))
    .map(|(_, op)| op)
    .ok_or_else(|| QueryError::new(pos, "unknown operator"))?;
    let end = pos + word_len;
    if !spaced {
        return Err(QueryError::new(
            pos,
            format!("expected a space before {}", op.keyword()),
        ));
    }
    match text[end..].chars().next() {
        Some(c) if c.is_whitespace() => Ok((op, end)),
        None | Some(',') => Err(QueryError::new(end, "missing value")),
        Some(_) => Err(QueryError::new(
            end,
            format!("expected a space after {}", op.keyword()),
        )),
    }
}

fn operand(text: &str, op: Op, pos: usize) -> Result<(Operand, usize), QueryError> {
    let starts_list = text.as_bytes().get(pos) == Some(&b'[');
    match op {
        Op::In if !starts_list => Err(QueryError::new(pos, "IN needs a list like [a|b]")),
        Op::In | Op::Eq | Op::Ne if starts_list => {
            let (items, end) = list(text, pos)?;
            if op == Op::In && items.is_empty() {
                return Err(QueryError::new(pos, "empty IN list"));
            }
            Ok((Operand::List(items), end))
        }
        Op::Like | Op::Regex => {
            let (source, end) = value_text(text, pos)?;
            let pattern = match op {
                Op::Like => Pattern::like(&source.text),
                _ => Pattern::regex(&source.text, pos)?,
            };
            Ok((Operand::Pattern(pattern), end))
        }
        _ => {
            let (value, end) = value_text(text, pos)?;
            let scalar = value.into_scalar();
            if matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le)
                && matches!(scalar, Scalar::Null | Scalar::Bool(_))
            {
                return Err(QueryError::new(
                    pos,
                    format!("{} needs a number or text", op.symbol().trim()),
                ));
            }
            Ok((Operand::Scalar(scalar), end))
        }
    }
}

/// A value as written: its text, and whether it was quoted (quoted text is always text).
struct ValueText {
    text: String,
    quoted: bool,
}

impl ValueText {
    fn into_scalar(self) -> Scalar {
        if self.quoted {
            return Scalar::Text(self.text);
        }
        match self.text.as_str() {
            "null" => Scalar::Null,
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            other => match parse_number(other) {
                Some(n) => Scalar::Number(n, self.text),
                None => Scalar::Text(self.text),
            },
        }
    }
}

/// A top-level value (not a list): quoted, or bare up to the next comma and trimmed.
fn value_text(text: &str, pos: usize) -> Result<(ValueText, usize), QueryError> {
    match text.as_bytes().get(pos) {
        Some(b'"' | b'\'') => {
            let (value, end) = quoted(text, pos)?;
            Ok((
                ValueText {
                    text: value,
                    quoted: true,
                },
                after_value(text, end)?,
            ))
        }
        _ => {
            let end = text[pos..].find(',').map_or(text.len(), |i| pos + i);
            let value = text[pos..end].trim();
            if value.is_empty() {
                return Err(QueryError::new(pos, "missing value"));
            }
            Ok((
                ValueText {
                    text: value.to_owned(),
                    quoted: false,
                },
                end,
            ))
        }
    }
}

/// After a quoted value or a list only spaces may follow before the comma or the end.
fn after_value(text: &str, end: usize) -> Result<usize, QueryError> {
    let next = skip_space(text, end);
    match text.as_bytes().get(next) {
        None | Some(b',') => Ok(next),
        Some(_) => Err(QueryError::new(next, "unexpected text after value")),
    }
}

/// `[v|v|…]` starting at the `[` at `open`; `[]` is the empty list.
fn list(text: &str, open: usize) -> Result<(Vec<Scalar>, usize), QueryError> {
    let mut items = Vec::new();
    let mut pos = skip_space(text, open + 1);
    if text.as_bytes().get(pos) == Some(&b']') {
        return Ok((items, after_value(text, pos + 1)?));
    }
    loop {
        if items.len() == MAX_LIST_ITEMS {
            return Err(QueryError::new(pos, "list too long"));
        }
        let (item, end) = match text.as_bytes().get(pos) {
            Some(b'"' | b'\'') => {
                let (value, end) = quoted(text, pos)?;
                (
                    ValueText {
                        text: value,
                        quoted: true,
                    },
                    skip_space(text, end),
                )
            }
            _ => {
                let end = text[pos..]
                    .find(['|', ']', ','])
                    .map_or(text.len(), |i| pos + i);
                if text.as_bytes().get(end) == Some(&b',') {
                    return Err(QueryError::new(end, "bad list (separate values with |)"));
                }
                let value = text[pos..end].trim();
                if value.is_empty() && end < text.len() {
                    return Err(QueryError::new(pos, "empty list item"));
                }
                (
                    ValueText {
                        text: value.to_owned(),
                        quoted: false,
                    },
                    end,
                )
            }
        };
        match text.as_bytes().get(end) {
            Some(b'|') => {
                items.push(item.into_scalar());
                pos = skip_space(text, end + 1);
            }
            Some(b']') => {
                items.push(item.into_scalar());
                return Ok((items, after_value(text, end + 1)?));
            }
            None => return Err(QueryError::new(open, "unterminated list")),
            Some(_) => return Err(QueryError::new(end, "bad list (separate values with |)")),
        }
    }
}

/// A quoted string starting at the quote at `open`; returns it unescaped and the offset past
/// the closing quote. `\"`, `\'` and `\\` stand for the character; any other backslash is kept,
/// so regexes like `"\d+"` need no doubling.
pub(crate) fn quoted(text: &str, open: usize) -> Result<(String, usize), QueryError> {
    let quote = text.as_bytes()[open] as char;
    let mut out = String::new();
    let mut chars = text[open + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\'' | '\\'))) => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            c if c == quote => return Ok((out, open + 1 + i + 1)),
            c => out.push(c),
        }
    }
    Err(QueryError::new(open, "unterminated quote"))
}

/// A JSON-like decimal number (`-12`, `+3.5`, `.5`, `1e3`, `007`) that is finite as an `f64`;
/// `inf`, `NaN` and hex are text.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}
