//! Client side: decoding of any RESP2/RESP3 frame (replies and pushes), iteratively so that
//! hostile nesting cannot overflow the stack.

use bytes::{Bytes, BytesMut};

use super::{DecodeError, Limits, find_crlf, parse_i64};
use crate::frame::Frame;

/// Client side: decodes one RESP2 or RESP3 frame (a reply or a push).
///
/// Same contract as [`super::decode_command`]: `Ok(None)` leaves `buf` untouched and asks for more
/// bytes; `Ok(Some(frame))` consumed exactly that frame. RESP3 attributes (`|`) are decoded and
/// discarded, so the frame they annotate is returned in their place. `$-1` decodes as
/// [`Frame::Null`] and `*-1` as [`Frame::NullArray`]; RESP3 `_` as [`Frame::Null`]. Streamed
/// RESP3 strings and aggregates (`$?`, `*?`) are not supported and are refused as invalid lengths.
///
/// Bulk strings in the frame are zero-copy slices of `buf`'s allocation.
pub fn decode_frame(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Frame>, DecodeError> {
    // Two passes: the first only validates and finds the end, allocating nothing, so that the
    // frequent "not all here yet" answer is cheap; the second runs over the frozen bytes and
    // builds frames whose strings are slices of them instead of copies.
    let Some((end, _)) = Parser {
        data: buf,
        src: None,
        limits,
    }
    .parse()?
    else {
        return Ok(None);
    };
    let src = buf.split_to(end).freeze();
    match (Parser {
        data: &src,
        src: Some(&src),
        limits,
    })
    .parse()?
    {
        Some((_, frame)) => Ok(Some(frame)),
        // The same bytes were complete a moment ago; this cannot happen, but refusing is safer
        // than panicking in a client.
        None => Err(DecodeError::InvalidValue("frame")),
    }
}

struct Parser<'a> {
    data: &'a [u8],
    /// The frozen buffer to slice strings from; `None` in the validating pass, which then only
    /// produces placeholders.
    src: Option<&'a Bytes>,
    limits: &'a Limits,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Set,
    Push,
    Map,
    Attribute,
}

/// An aggregate whose elements are still being read.
struct Level {
    kind: Kind,
    remaining: usize,
    items: Vec<Frame>,
}

enum Item {
    Value(Frame),
    /// An aggregate header: kind and the number of frames that follow (twice the pairs of a map).
    Open(Kind, usize),
}

impl Parser<'_> {
    /// Returns the end of the first complete frame and (when building) the frame.
    fn parse(&self) -> Result<Option<(usize, Frame)>, DecodeError> {
        let mut stack: Vec<Level> = Vec::new();
        let mut pos = 0;
        'items: loop {
            let Some((item, next)) = self.item(pos)? else {
                return Ok(None);
            };
            pos = next;
            let mut value = match item {
                Item::Value(frame) => frame,
                Item::Open(kind, count) => {
                    // Checked before descending, so the stack of pending levels never exceeds
                    // max_depth whatever the input.
                    if stack.len() >= self.limits.max_depth {
                        return Err(DecodeError::NestingTooDeep);
                    }
                    if count > 0 {
                        let items = match self.src {
                            Some(_) => Vec::with_capacity(count.min(1024)),
                            None => Vec::new(),
                        };
                        stack.push(Level {
                            kind,
                            remaining: count,
                            items,
                        });
                        continue 'items;
                    }
                    if kind == Kind::Attribute {
                        continue 'items;
                    }
                    self.finish(kind, Vec::new())
                }
            };
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(Some((pos, value)));
                };
                if self.src.is_some() {
                    top.items.push(value);
                }
                top.remaining -= 1;
                if top.remaining > 0 {
                    continue 'items;
                }
                let Some(done) = stack.pop() else {
                    continue 'items;
                };
                if done.kind == Kind::Attribute {
                    // The attribute is dropped and the frame after it takes its place, so the
                    // enclosing aggregate still waits for this element.
                    continue 'items;
                }
                value = self.finish(done.kind, done.items);
            }
        }
    }

    fn finish(&self, kind: Kind, items: Vec<Frame>) -> Frame {
        if self.src.is_none() {
            return Frame::Null;
        }
        match kind {
            Kind::Array => Frame::Array(items),
            Kind::Set => Frame::Set(items),
            Kind::Push => Frame::Push(items),
            Kind::Map | Kind::Attribute => {
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut items = items.into_iter();
                while let (Some(key), Some(value)) = (items.next(), items.next()) {
                    pairs.push((key, value));
                }
                Frame::Map(pairs)
            }
        }
    }

    /// A string of the frame: a slice of the source when building, a placeholder when validating.
    fn slice(&self, start: usize, end: usize) -> Bytes {
        match self.src {
            Some(src) => src.slice(start..end),
            None => Bytes::new(),
        }
    }

    /// Reads the item at `pos`; returns it and the position after it.
    fn item(&self, pos: usize) -> Result<Option<(Item, usize)>, DecodeError> {
        let Some(&ty) = self.data.get(pos) else {
            return Ok(None);
        };
        let start = pos + 1;
        let limits = self.limits;
        let (max_line, too_long) = match ty {
            b'+' | b'-' | b'(' => (limits.max_bulk_len, DecodeError::TooBigLine),
            b':' | b',' | b'#' | b'_' => (limits.max_inline_len, DecodeError::TooBigLine),
            b'$' | b'!' | b'=' => (limits.max_inline_len, DecodeError::TooBigBulkCount),
            b'*' | b'%' | b'~' | b'>' | b'|' => {
                (limits.max_inline_len, DecodeError::TooBigMultibulkCount)
            }
            _ => return Err(DecodeError::InvalidType(ty)),
        };
        let Some(cr) = find_crlf(self.data, start, max_line, too_long)? else {
            return Ok(None);
        };
        let line = &self.data[start..cr];
        let next = cr + 2;
        let value = match ty {
            b'+' => Frame::Simple(self.slice(start, cr)),
            b'-' => Frame::Error(self.slice(start, cr)),
            b':' => Frame::Integer(parse_i64(line).ok_or(DecodeError::InvalidValue("integer"))?),
            b',' => Frame::Double(parse_double(line).ok_or(DecodeError::InvalidValue("double"))?),
            b'#' => match line {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(DecodeError::InvalidValue("boolean")),
            },
            b'_' if line.is_empty() => Frame::Null,
            b'_' => return Err(DecodeError::InvalidValue("null")),
            b'(' if is_big_number(line) => Frame::BigNumber(self.slice(start, cr)),
            b'(' => return Err(DecodeError::InvalidValue("big number")),
            b'$' | b'!' | b'=' => return self.blob(ty, line, next),
            _ => return self.aggregate(ty, line, next),
        };
        Ok(Some((Item::Value(value), next)))
    }

    /// The body of a `$` bulk string, `!` blob error or `=` verbatim string whose header line
    /// holds `len` and ends before `start`.
    fn blob(&self, ty: u8, len: &[u8], start: usize) -> Result<Option<(Item, usize)>, DecodeError> {
        let len = parse_i64(len).ok_or(DecodeError::InvalidBulkLength)?;
        if len == -1 && ty == b'$' {
            return Ok(Some((Item::Value(Frame::Null), start)));
        }
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= self.limits.max_bulk_len)
            .ok_or(DecodeError::InvalidBulkLength)?;
        let end = start
            .checked_add(len)
            .ok_or(DecodeError::InvalidBulkLength)?;
        if self.data.len() < end.saturating_add(2) {
            return Ok(None);
        }
        if &self.data[end..end + 2] != b"\r\n" {
            return Err(DecodeError::InvalidCrlf);
        }
        let value = match ty {
            b'$' => Frame::Bulk(self.slice(start, end)),
            b'!' => Frame::Error(self.slice(start, end)),
            _ => match &self.data[start..end] {
                [a, b, c, b':', ..] => Frame::Verbatim {
                    format: [*a, *b, *c],
                    text: self.slice(start + 4, end),
                },
                _ => return Err(DecodeError::InvalidValue("verbatim string")),
            },
        };
        Ok(Some((Item::Value(value), end + 2)))
    }

    /// An aggregate header `*N`, `%N`, `~N`, `>N` or `|N`.
    fn aggregate(
        &self,
        ty: u8,
        count: &[u8],
        next: usize,
    ) -> Result<Option<(Item, usize)>, DecodeError> {
        let count = parse_i64(count).ok_or(DecodeError::InvalidMultibulkLength)?;
        if count == -1 && ty == b'*' {
            return Ok(Some((Item::Value(Frame::NullArray), next)));
        }
        let count = usize::try_from(count)
            .ok()
            .filter(|&n| n <= self.limits.max_array_len)
            .ok_or(DecodeError::InvalidMultibulkLength)?;
        let (kind, frames) = match ty {
            b'*' => (Kind::Array, Some(count)),
            b'~' => (Kind::Set, Some(count)),
            b'>' => (Kind::Push, Some(count)),
            b'%' => (Kind::Map, count.checked_mul(2)),
            _ => (Kind::Attribute, count.checked_mul(2)),
        };
        let frames = frames.ok_or(DecodeError::InvalidMultibulkLength)?;
        Ok(Some((Item::Open(kind, frames), next)))
    }
}

/// RESP3 doubles: decimal or exponent notation, `inf`, `-inf`, `nan` (Rust's parser accepts
/// those and a few more spellings, which is harmless on the client side).
fn parse_double(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

fn is_big_number(text: &[u8]) -> bool {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests;
