//! JSON documents: the stored document type, parsing within limits, definite-path edits, deep merge,
//! and JSONPath reads. RESP handlers (`cmd/json.rs`) and the REST routes call these functions, so the
//! two protocols cannot drift apart.

pub mod definitions;
pub mod index;
pub mod search;

use bytes::Bytes;
use jsonpath_rust::JsonPath;
use serde_json::{Map, Value as Json};

use crate::query::{FieldPath, Segment};

/// Deepest nesting a stored document may have. serde_json refuses deeper input while parsing; edits
/// (a path set, a merge) are checked against the same bound, so that serialising, walking and
/// dropping a document never recurse deeper than this.
pub const MAX_DEPTH: usize = 128;

/// Heap bytes counted per JSON node on top of its text (the `serde_json::Value` itself and, for
/// object members, the map slot).
const NODE_COST: usize = 32;

/// A stored JSON document with its memory estimate, computed once (documents are immutable: every
/// edit builds a new one).
#[derive(Clone, Debug, PartialEq)]
pub struct JsonDoc {
    value: Json,
    memory: usize,
}

/// Why a document or path was refused. `Display` gives the message after the error code.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JsonError {
    /// Not valid JSON (or nested deeper than [`MAX_DEPTH`]).
    #[error("JSONERR invalid JSON: {0}")]
    Invalid(String),
    /// Over the configured document size.
    #[error("JSONERR document of {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// Bytes given.
        size: usize,
        /// `json.max_document_bytes`.
        limit: usize,
    },
    /// An edit would nest deeper than [`MAX_DEPTH`].
    #[error("JSONERR document would nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The path does not parse.
    #[error("JSONPATHERR invalid path '{path}': {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The path is valid but cannot be applied to this document.
    #[error("JSONPATHERR {0}")]
    PathMismatch(String),
}

impl JsonDoc {
    /// Wraps a value, checking its depth and computing its memory estimate.
    pub fn new(value: Json) -> Result<JsonDoc, JsonError> {
        let mut memory = 0;
        if !measure(&value, 1, &mut memory) {
            return Err(JsonError::TooDeep);
        }
        Ok(JsonDoc { value, memory })
    }

    /// Parses `text`, refusing more than `max_bytes`.
    pub fn parse(text: &[u8], max_bytes: usize) -> Result<JsonDoc, JsonError> {
        let value = parse_value(text, max_bytes)?;
        JsonDoc::new(value)
    }

    /// The document.
    pub fn value(&self) -> &Json {
        &self.value
    }

    /// Takes the document out (to build an edited copy).
    pub fn into_value(self) -> Json {
        self.value
    }

    /// Compact JSON text.
    pub fn to_bytes(&self) -> Bytes {
        to_bytes(&self.value)
    }

    /// Approximate heap bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.memory
    }
}

/// Parses JSON text within the size limit (serde_json enforces [`MAX_DEPTH`]).
pub fn parse_value(text: &[u8], max_bytes: usize) -> Result<Json, JsonError> {
    if text.len() > max_bytes {
        return Err(JsonError::TooLarge {
            size: text.len(),
            limit: max_bytes,
        });
    }
    serde_json::from_slice(text).map_err(|e| JsonError::Invalid(e.to_string()))
}

/// Compact JSON text of a value.
pub fn to_bytes(value: &Json) -> Bytes {
    // Serialising a serde_json::Value cannot fail (keys are strings, numbers finite).
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

/// Adds `value`'s estimated size to `memory`; false when it nests deeper than [`MAX_DEPTH`].
fn measure(value: &Json, depth: usize, memory: &mut usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    *memory += NODE_COST;
    match value {
        Json::String(s) => *memory += s.len(),
        Json::Array(items) => {
            for item in items {
                if !measure(item, depth + 1, memory) {
                    return false;
                }
            }
        }
        Json::Object(members) => {
            for (name, item) in members {
                *memory += name.len() + NODE_COST;
                if !measure(item, depth + 1, memory) {
                    return false;
                }
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
    true
}

/// A parsed path argument of JSET, JGET, JDEL: either definite (fields and indexes only, which can
/// be written) or a general JSONPath (wildcards, filters, recursive descent), which can only be read.
#[derive(Debug)]
pub enum DocPath {
    /// `$` or a chain of fields and indexes.
    Definite(Vec<Segment>),
    /// Anything else jsonpath-rust accepts; reads give an array of matches.
    General(String),
}

impl DocPath {
    /// Parses a path argument.
    pub fn parse(text: &[u8]) -> Result<DocPath, JsonError> {
        let text = std::str::from_utf8(text).map_err(|_| JsonError::BadPath {
            path: String::from_utf8_lossy(text).into_owned(),
            reason: "not UTF-8".into(),
        })?;
        let trimmed = text.trim();
        if trimmed == "$" || trimmed == "." {
            return Ok(DocPath::Definite(Vec::new()));
        }
        if let Ok(path) = FieldPath::parse(trimmed)
            && path
                .segments
                .iter()
                .all(|s| !matches!(s, Segment::AnyElement))
        {
            return Ok(DocPath::Definite(path.segments));
        }
        // Not a simple chain: let jsonpath-rust judge it (it needs the leading `$`).
        let general = if trimmed.starts_with('$') {
            trimmed.to_owned()
        } else {
            format!("$.{trimmed}")
        };
        match Json::Null.query(&general) {
            Ok(_) => Ok(DocPath::General(general)),
            Err(e) => Err(JsonError::BadPath {
                path: text.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    /// True for `$`.
    pub fn is_root(&self) -> bool {
        matches!(self, DocPath::Definite(s) if s.is_empty())
    }
}

/// JGET: the value at a definite path (`None` when missing), or an array of every match of a
/// general path (`None` when nothing matches).
pub fn read(doc: &Json, path: &DocPath) -> Option<Json> {
    match path {
        DocPath::Definite(segments) => walk(doc, segments).cloned(),
        DocPath::General(path) => {
            let found = doc.query(path).ok()?;
            if found.is_empty() {
                None
            } else {
                Some(Json::Array(found.into_iter().cloned().collect()))
            }
        }
    }
}

fn walk<'a>(mut doc: &'a Json, segments: &[Segment]) -> Option<&'a Json> {
    for segment in segments {
        doc = match (segment, doc) {
            (Segment::Field(name), Json::Object(members)) => members.get(name)?,
            (Segment::Index(i), Json::Array(items)) => items.get(array_index(*i, items.len())?)?,
            _ => return None,
        };
    }
    Some(doc)
}

/// Resolves a possibly negative index against a length.
fn array_index(i: i64, len: usize) -> Option<usize> {
    if i >= 0 {
        usize::try_from(i).ok()
    } else {
        len.checked_sub(usize::try_from(i.unsigned_abs()).ok()?)
    }
}

/// JSET with a path: sets the part of `doc` at `segments` to `value`, creating missing object
/// members along the way. An index may address an existing element or the position just past
/// the end (append).
pub fn set_at(doc: &mut Json, segments: &[Segment], value: Json) -> Result<(), JsonError> {
    let Some((last, parents)) = segments.split_last() else {
        *doc = value;
        return Ok(());
    };
    let mut node = doc;
    for (depth, segment) in parents.iter().enumerate() {
        node = match (segment, node) {
            (Segment::Field(name), Json::Object(members)) => members
                .entry(name.clone())
                .or_insert_with(|| Json::Object(Map::new())),
            (Segment::Index(i), Json::Array(items)) => {
                let len = items.len();
                let at = array_index(*i, len)
                    .filter(|&at| at < len)
                    .ok_or_else(|| out_of_range(*i, segments, depth))?;
                &mut items[at]
            }
            (_, other) => return Err(not_container(segment, other, segments, depth)),
        };
    }
    match (last, node) {
        (Segment::Field(name), Json::Object(members)) => {
            members.insert(name.clone(), value);
        }
        (Segment::Index(i), Json::Array(items)) => {
            let len = items.len();
            match array_index(*i, len) {
                Some(at) if at < len => items[at] = value,
                Some(at) if at == len => items.push(value),
                _ => return Err(out_of_range(*i, segments, parents.len())),
            }
        }
        (segment, other) => return Err(not_container(segment, other, segments, parents.len())),
    }
    Ok(())
}

/// JDEL with a path: removes the part at `segments`. Returns whether something was removed.
pub fn remove_at(doc: &mut Json, segments: &[Segment]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut node = doc;
    for segment in parents {
        node = match (segment, node) {
            (Segment::Field(name), Json::Object(members)) => match members.get_mut(name) {
                Some(child) => child,
                None => return false,
            },
            (Segment::Index(i), Json::Array(items)) => {
                let len = items.len();
                match array_index(*i, len).filter(|&at| at < len) {
                    Some(at) => &mut items[at],
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    match (last, node) {
        (Segment::Field(name), Json::Object(members)) => members.shift_remove(name).is_some(),
        (Segment::Index(i), Json::Array(items)) => {
            let len = items.len();
            match array_index(*i, len).filter(|&at| at < len) {
                Some(at) => {
                    items.remove(at);
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

/// JUPDATE: merges `patch` into `doc`. Objects merge member by member (recursively); arrays and
/// scalars in the patch replace what was there.
pub fn deep_merge(doc: &mut Json, patch: Json) {
    match (doc, patch) {
        (Json::Object(members), Json::Object(patch_members)) => {
            for (name, value) in patch_members {
                match members.get_mut(&name) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        members.insert(name, value);
                    }
                }
            }
        }
        (doc, patch) => *doc = patch,
    }
}

/// JREMOVE: removes top-level members; returns how many existed.
pub fn remove_fields(doc: &mut Json, fields: &[Bytes]) -> usize {
    let Json::Object(members) = doc else {
        return 0;
    };
    fields
        .iter()
        .filter(|f| {
            std::str::from_utf8(f)
                .ok()
                .is_some_and(|name| members.shift_remove(name).is_some())
        })
        .count()
}

fn describe(segments: &[Segment], upto: usize) -> String {
    let path = FieldPath {
        segments: segments[..=upto.min(segments.len().saturating_sub(1))].to_vec(),
    };
    path.canonical()
}

fn out_of_range(i: i64, segments: &[Segment], depth: usize) -> JsonError {
    JsonError::PathMismatch(format!(
        "index {i} is out of range at {}",
        describe(segments, depth)
    ))
}

fn not_container(segment: &Segment, found: &Json, segments: &[Segment], depth: usize) -> JsonError {
    let wanted = match segment {
        Segment::Field(_) => "an object",
        _ => "an array",
    };
    let holder = match depth {
        0 => "$".to_owned(),
        d => describe(segments, d - 1),
    };
    JsonError::PathMismatch(format!(
        "cannot set {}: {holder} holds {}, not {wanted}",
        describe(segments, segments.len()),
        kind_name(found)
    ))
}

/// The JSON type of a value, for messages.
pub fn kind_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
