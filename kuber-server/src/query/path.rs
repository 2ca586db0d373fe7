//! Field paths: the JSONPath subset the query language and JSON indexes address values with —
//! `$.a.b`, `a.b`, `$['na me']`, `a[0]`, `a[-1]`, `roles[*]`, `$.items[*].price`.
//!
//! Recursive descent (`..`) and filters (`[?…]`) belong to `JGET`'s full JSONPath, not here: an
//! index must know which values a path reaches without evaluating expressions.

use std::fmt;

use serde_json::Value;

use super::parser::quoted;
use super::{MAX_PATH_DEPTH, QueryError};

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A member of an object (`.name`, `['na me']`).
    Field(String),
    /// An element of an array, counted from the end when negative (`[0]`, `[-1]`).
    Index(i64),
    /// Every element of an array, or every member value of an object (`[*]`, `.*`).
    AnyElement,
}

/// A parsed path; no segments is the document itself (`$`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldPath {
    /// The steps from the document root.
    pub segments: Vec<Segment>,
}

impl FieldPath {
    /// Parses a whole path, e.g. for `JINDEX CREATE`; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<FieldPath, QueryError> {
        let start = text.len() - text.trim_start().len();
        let (path, end) = parse_at(text, start)?;
        let rest = &text[end..];
        if !rest.trim().is_empty() {
            return Err(QueryError::new(end, "unexpected character in path"));
        }
        Ok(path)
    }

    /// The path in one spelling per meaning: `$.address.zip`, `$['na me']`, `$.roles[*]`,
    /// `$.a[-1]`. Names other than ASCII identifiers are bracketed.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// True when the path reaches values only through `[*]`-free steps, so it reaches at most one.
    pub fn is_definite(&self) -> bool {
        !self.segments.contains(&Segment::AnyElement)
    }

    /// Appends every value the path reaches in `doc` to `out` (several when it goes through `[*]`,
    /// none when a step is missing). `out` is not cleared, so a caller can reuse one buffer.
    pub fn resolve<'a>(&self, doc: &'a Value, out: &mut Vec<&'a Value>) {
        self.any(doc, &mut |value| {
            out.push(value);
            false
        });
    }

    /// True when `test` holds for some reached value; stops at the first. Allocates nothing.
    pub(crate) fn any<'a, F>(&self, doc: &'a Value, test: &mut F) -> bool
    where
        F: FnMut(&'a Value) -> bool,
    {
        visit(&self.segments, doc, test)
    }
}

fn visit<'a, F>(segments: &[Segment], value: &'a Value, test: &mut F) -> bool
where
    F: FnMut(&'a Value) -> bool,
{
    let Some((first, rest)) = segments.split_first() else {
        return test(value);
    };
    match (first, value) {
        (Segment::Field(name), Value::Object(map)) => {
            map.get(name).is_some_and(|child| visit(rest, child, test))
        }
        (Segment::Index(index), Value::Array(items)) => {
            let at = if *index < 0 {
                usize::try_from(index.unsigned_abs())
                    .ok()
                    .and_then(|back| items.len().checked_sub(back))
            } else {
                usize::try_from(*index).ok()
            };
            at.and_then(|at| items.get(at))
                .is_some_and(|child| visit(rest, child, test))
        }
        (Segment::AnyElement, Value::Array(items)) => {
            items.iter().any(|child| visit(rest, child, test))
        }
        (Segment::AnyElement, Value::Object(map)) => {
            map.values().any(|child| visit(rest, child, test))
        }
        _ => false,
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.segments {
            match segment {
                Segment::Field(name) if is_identifier(name) => write!(f, ".{name}")?,
                Segment::Field(name) => {
                    f.write_str("['")?;
                    for c in name.chars() {
                        if c == '\'' || c == '\\' {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("']")?;
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::AnyElement => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters a bare name may hold. Everything that can start an operator, a value, a list or
/// another segment ends it.
fn is_name_char(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(
            c,
            '.' | '['
                | ']'
                | '='
                | '!'
                | '<'
                | '>'
                | '~'
                | ','
                | '\''
                | '"'
                | '$'
                | '*'
                | '|'
                | '('
                | ')'
                | '?'
                | '@'
                | '&'
        )
}

/// Parses a path starting at byte `start` of `text` and returns it with the byte offset just
/// past it; the path ends at the first character that cannot continue it.
pub(crate) fn parse_at(text: &str, start: usize) -> Result<(FieldPath, usize), QueryError> {
    let bytes = text.as_bytes();
    let mut pos = start;
    let mut segments = Vec::new();
    let rooted = bytes.get(pos) == Some(&b'$');
    if rooted {
        pos += 1;
    }
    loop {
        let segment_start = pos;
        let Some(c) = text[pos..].chars().next() else {
            break;
        };
        match c {
            '.' => {
                pos += 1;
                match bytes.get(pos) {
                    Some(b'.') => {
                        return Err(QueryError::new(
                            segment_start,
                            "recursive descent (..) is not supported",
                        ));
                    }
                    Some(b'*') => {
                        pos += 1;
                        segments.push(Segment::AnyElement);
                    }
                    _ => {
                        let end = name_end(text, pos);
                        if end == pos {
                            return Err(QueryError::new(pos, "empty path segment"));
                        }
                        segments.push(Segment::Field(text[pos..end].to_owned()));
                        pos = end;
                    }
                }
            }
            '[' => {
                let (segment, end) = bracket(text, pos)?;
                segments.push(segment);
                pos = end;
            }
            c if segments.is_empty() && !rooted && is_name_char(c) => {
                let end = name_end(text, pos);
                segments.push(Segment::Field(text[pos..end].to_owned()));
                pos = end;
            }
            _ => break,
        }
        if segments.len() > MAX_PATH_DEPTH {
            return Err(QueryError::new(segment_start, "path too deep"));
        }
    }
    if !rooted && segments.is_empty() {
        return Err(QueryError::new(start, "empty path"));
    }
    Ok((FieldPath { segments }, pos))
}

fn name_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(text.len(), |(i, _)| from + i)
}

/// A `[…]` segment starting at the `[` at `open`.
fn bracket(text: &str, open: usize) -> Result<(Segment, usize), QueryError> {
    let bytes = text.as_bytes();
    let inner = open + 1;
    let (segment, end) = match bytes.get(inner) {
        Some(b'*') => (Segment::AnyElement, inner + 1),
        Some(b'\'' | b'"') => {
            let (name, end) = quoted(text, inner)?;
            (Segment::Field(name), end)
        }
        Some(b'-' | b'0'..=b'9') => {
            let digits_end = text[inner + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(text.len(), |i| inner + 1 + i);
            let index = text[inner..digits_end]
                .parse::<i64>()
                .map_err(|_| QueryError::new(inner, "bad array index"))?;
            (Segment::Index(index), digits_end)
        }
        Some(b'?') => return Err(QueryError::new(inner, "filters are not supported in paths")),
        None => return Err(QueryError::new(open, "unterminated bracket")),
        Some(_) => return Err(QueryError::new(inner, "bad path segment")),
    };
    match bytes.get(end) {
        Some(b']') => Ok((segment, end + 1)),
        None => Err(QueryError::new(open, "unterminated bracket")),
        Some(_) => Err(QueryError::new(end, "expected ]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str) -> Segment {
        Segment::Field(name.into())
    }

    fn segments(text: &str) -> Vec<Segment> {
        FieldPath::parse(text).unwrap().segments
    }

    fn error(text: &str) -> String {
        FieldPath::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn spellings() {
        assert_eq!(segments("$.a.b"), vec![field("a"), field("b")]);
        assert_eq!(segments("a.b"), vec![field("a"), field("b")]);
        assert_eq!(segments("$['na me']"), vec![field("na me")]);
        assert_eq!(segments("$[\"it's\"]"), vec![field("it's")]);
        assert_eq!(segments("['a\\'b']"), vec![field("a'b")]);
        assert_eq!(segments("a[0]"), vec![field("a"), Segment::Index(0)]);
        assert_eq!(segments("a[-1]"), vec![field("a"), Segment::Index(-1)]);
        assert_eq!(
            segments("roles[*]"),
            vec![field("roles"), Segment::AnyElement]
        );
        assert_eq!(
            segments("$.a.*.b"),
            vec![field("a"), Segment::AnyElement, field("b")]
        );
        assert_eq!(
            segments("$.items[*].price"),
            vec![field("items"), Segment::AnyElement, field("price")]
        );
        assert_eq!(segments("$"), vec![]);
        assert_eq!(
            segments("  städte.größe "),
            vec![field("städte"), field("größe")]
        );
        assert_eq!(segments("$['']"), vec![field("")]);
    }

    #[test]
    fn canonical_spelling() {
        let canon = |t: &str| FieldPath::parse(t).unwrap().canonical();
        assert_eq!(canon("address.zip"), "$.address.zip");
        assert_eq!(canon("$['na me']"), "$['na me']");
        assert_eq!(canon("roles[*]"), "$.roles[*]");
        assert_eq!(canon("a.*"), "$.a[*]");
        assert_eq!(canon("a[-1][2]"), "$.a[-1][2]");
        assert_eq!(canon("['it\\'s']"), "$['it\\'s']");
        assert_eq!(canon("größe"), "$['größe']");
        assert_eq!(canon("$.a1_b"), "$.a1_b");
        assert_eq!(canon("$.1a"), "$['1a']");
        for text in [
            "$.address.zip",
            "$['na me']",
            "$['it\\'s']",
            "$.a[-1][*]",
            "$['a\\\\b']",
        ] {
            assert_eq!(canon(text), text);
            assert_eq!(canon(&canon(text)), text);
        }
    }

    #[test]
    fn errors_carry_positions() {
        assert_eq!(error(""), "empty path at 0");
        assert_eq!(
            error("a..b"),
            "recursive descent (..) is not supported at 1"
        );
        assert_eq!(error("a."), "empty path segment at 2");
        assert_eq!(
            error("a[?(@.x)]"),
            "filters are not supported in paths at 2"
        );
        assert_eq!(error("a[0"), "unterminated bracket at 1");
        assert_eq!(error("a['x'"), "unterminated bracket at 1");
        assert_eq!(error("a['x"), "unterminated quote at 2");
        assert_eq!(error("a[x]"), "bad path segment at 2");
        assert_eq!(error("a[0x]"), "expected ] at 3");
        assert_eq!(error("a[-]"), "bad array index at 2");
        assert_eq!(error("a[99999999999999999999]"), "bad array index at 2");
        assert_eq!(error("a b"), "unexpected character in path at 1");
        assert_eq!(error("a$"), "unexpected character in path at 1");
        let deep = "a".to_owned() + &".a".repeat(MAX_PATH_DEPTH);
        assert_eq!(error(&deep), format!("path too deep at {}", deep.len() - 2));
        assert!(FieldPath::parse(&deep[..deep.len() - 2]).is_ok());
    }

    fn reached(path: &str, doc: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        FieldPath::parse(path).unwrap().resolve(doc, &mut out);
        out.into_iter().cloned().collect()
    }

    #[test]
    fn resolve_walks_objects_arrays_and_wildcards() {
        let doc = json!({
            "a": {"b": 1},
            "list": [10, 20, 30],
            "items": [{"price": 1}, {"price": 2}, {"name": "x"}, 5],
            "na me": true,
        });
        assert_eq!(reached("$", &doc), vec![doc.clone()]);
        assert_eq!(reached("a.b", &doc), vec![json!(1)]);
        assert_eq!(reached("a.c", &doc), Vec::<Value>::new());
        assert_eq!(reached("a.b.c", &doc), Vec::<Value>::new());
        assert_eq!(reached("list[0]", &doc), vec![json!(10)]);
        assert_eq!(reached("list[-1]", &doc), vec![json!(30)]);
        assert_eq!(reached("list[-3]", &doc), vec![json!(10)]);
        assert_eq!(reached("list[-4]", &doc), Vec::<Value>::new());
        assert_eq!(reached("list[3]", &doc), Vec::<Value>::new());
        assert_eq!(
            reached("list[*]", &doc),
            vec![json!(10), json!(20), json!(30)]
        );
        assert_eq!(reached("items[*].price", &doc), vec![json!(1), json!(2)]);
        assert_eq!(reached("a[*]", &doc), vec![json!(1)]);
        assert_eq!(reached("a.b[*]", &doc), Vec::<Value>::new());
        assert_eq!(reached("$['na me']", &doc), vec![json!(true)]);
        assert_eq!(reached("list.x", &doc), Vec::<Value>::new());
        assert_eq!(reached("a[0]", &doc), Vec::<Value>::new());
        assert_eq!(
            reached(&format!("list[{}]", i64::MIN), &doc),
            Vec::<Value>::new()
        );
    }
}
