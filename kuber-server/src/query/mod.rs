//! The JSON query language of `JSEARCH` and REST search (SPEC §5): parsing with positioned
//! errors, evaluation against `serde_json` documents, and the probes JSON indexes answer.
//!
//! ```text
//! query     = condition *( "," condition )          ; comma = AND
//! condition = path SP? op SP? value
//! op        = "=" / "==" / "!=" / "<>" / ">" / ">=" / "<" / "<=" / "~=" / " LIKE " / " CONTAINS " / " IN "
//! path      = JSONPath subset: $.a.b  a.b  $['na me']  a[0]  a[-1]  roles[*]  $.items[*].price
//! value     = bare text (trimmed) / "double" or 'single' quoted / "[" v *("|" v) "]"
//! ```
//!
//! Semantics, where SPEC leaves a choice:
//!
//! - A bare value is `null`, `true`, `false`, a number (`30`, `-1.5`, `1e3`, `007`) or else text;
//!   a quoted value is always text. A bare number equals a JSON number numerically (`30` = `30.0`)
//!   *and* a JSON string with exactly its text (`zip=02134` finds `"02134"`; `30` does not find
//!   `"30.0"`). Bare `true`/`false`/`null` equal only the JSON literal; quote them to find strings.
//! - Numbers compare as `f64` (`30` = `30.0` = `3e1`; integers beyond 2^53 lose precision, as in
//!   JavaScript), `-0` equals `0`.
//! - `>` `>=` `<` `<=` compare a number operand with JSON numbers only and a text operand with
//!   strings only (byte order); against `null` or a boolean they are a parse error.
//! - `LIKE` and `~=` look at strings only; `LIKE` is anchored, `~=` matches anywhere. In `LIKE`,
//!   `\` makes the next character literal. Their operand is always text, and `[` is not special
//!   there (`name ~= [A-Z].*`).
//! - `CONTAINS` holds for an array with an element `=` the operand, or a string holding the
//!   operand's text as a substring.
//! - `=`/`!=` against a list `[a|b]` compares a whole JSON array, element by element, in order.
//! - A path reaches zero or more values (several through `[*]`, which on an object means every
//!   member value). A condition holds when it holds for any reached value, so a missing field
//!   fails everything — except `!=`, which is defined as "no reached value is `=`": a missing
//!   field is `!=` anything, and `roles[*]!=admin` means "admin is not among the roles".
//! - A path without `[*]` that reaches an array compares the array itself: `=` with a list and
//!   `CONTAINS` can hold; `=` with a scalar, ranges, `IN`, `LIKE` and `~=` cannot (so `!=` with a
//!   scalar does: `roles!=admin` is true for `["admin"]`, use `roles[*]!=admin`).
//! - Keywords are case-insensitive and need whitespace on both sides. Quoted text understands
//!   `\"`, `\'` and `\\`; any other backslash is kept as written.
//!
//! Matching allocates nothing per document: paths are walked by recursion with early exit,
//! patterns are compiled at parse time, and comparisons borrow the document. A condition costs
//! O(path length × fan-out of `[*]`) lookups plus the comparison (LIKE is O(pattern × text) at
//! worst, a regex is linear in the text).

mod eval;
mod index;
mod parser;
mod path;
mod pattern;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;

pub use index::{IndexKey, IndexProbe, OrderedNumber};
pub use path::{FieldPath, Segment};
pub use pattern::Pattern;

/// The most steps a path may have.
pub const MAX_PATH_DEPTH: usize = 32;
/// The most conditions a query may have.
pub const MAX_CONDITIONS: usize = 64;
/// The most values an `IN` or `=` list may have.
pub const MAX_LIST_ITEMS: usize = 1024;
/// The compiled-size limit of a `~=` regex, in bytes (both the program and its lazy DFA).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A fault in a query, at a 0-based byte offset into its text. Displays as `unknown operator
/// at 7`; the server prefixes `-ERR query: `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at {pos}")]
pub struct QueryError {
    /// Byte offset of the fault in the query text.
    pub pos: usize,
    /// What is wrong, in lower case without the position.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(pos: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            pos,
            message: message.into(),
        }
    }
}

/// A parsed query: every condition must hold (comma is AND).
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The conditions, in the order written.
    pub conditions: Vec<Condition>,
}

/// One `path op value` condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Where in the document to look.
    pub path: FieldPath,
    /// How to compare.
    pub op: Op,
    /// What to compare with: a scalar, a list (`IN`, or `=`/`!=` against an array), or a
    /// compiled pattern (`LIKE`, `~=`).
    pub operand: Operand,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `LIKE`
    Like,
    /// `CONTAINS`
    Contains,
    /// `IN`
    In,
    /// `~=`
    Regex,
}

impl Op {
    /// The operator as [`Query`]'s `Display` writes it, keywords with their spaces.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Like => " LIKE ",
            Op::Contains => " CONTAINS ",
            Op::In => " IN ",
            Op::Regex => "~=",
        }
    }

    fn keyword(self) -> &'static str {
        self.symbol().trim()
    }
}

/// The right-hand side of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// One value.
    Scalar(Scalar),
    /// `[a|b|c]`: the choices of `IN`, or the elements of an array for `=`/`!=`.
    List(Vec<Scalar>),
    /// A `LIKE` or `~=` pattern, compiled when the query was parsed.
    Pattern(Pattern),
}

/// A value in a query.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// Bare `null`.
    Null,
    /// Bare `true` or `false`.
    Bool(bool),
    /// A bare value that reads as a finite number, with its text as written (`007`, `1e3`),
    /// against which JSON strings are compared.
    Number(f64, String),
    /// Any other bare value, or any quoted value.
    Text(String),
}

impl Scalar {
    /// The value as text: what `CONTAINS` looks for inside strings.
    pub fn as_text(&self) -> &str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(true) => "true",
            Scalar::Bool(false) => "false",
            Scalar::Number(_, text) | Scalar::Text(text) => text,
        }
    }
}

/// Parses a query. Never panics; every error names the byte offset of its fault.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    parser::parse_query(text)
}

impl Query {
    /// True when the document satisfies every condition.
    pub fn matches(&self, doc: &serde_json::Value) -> bool {
        self.conditions.iter().all(|c| c.matches(doc))
    }
}

/// Writes `text` double-quoted, escaping what the parser unescapes.
fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Scalar {
    /// Bare for `null`, booleans and numbers (as written); double-quoted for text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Text(text) => write_quoted(f, text),
            other => f.write_str(other.as_text()),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Scalar(scalar) => write!(f, "{scalar}"),
            Operand::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Operand::Pattern(pattern) => write_quoted(f, pattern.source()),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.path, self.op.symbol(), self.operand)
    }
}

impl fmt::Display for Query {
    /// A canonical spelling that [`parse`] reads back to an equal query (for any query `parse`
    /// can produce): canonical paths, text always quoted, conditions joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, condition) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{condition}")?;
        }
        Ok(())
    }
}
