//! Incremental, size-limited decoding: client requests on the server side (`decode_command`,
//! mirroring Redis 7's `processMultibulkBuffer`/`processInlineBuffer`) and any RESP2/RESP3 frame on
//! the client side (`decode_frame`), plus the `Limits` both enforce and the one `DecodeError`.
//!
//! Both decoders are stateless: each call parses from the start of the buffer, consumes exactly one
//! complete request or frame, and leaves an incomplete one untouched. Lengths announced by the
//! peer are checked against [`Limits`] and never used to allocate ahead of the data.

use bytes::{Buf, Bytes, BytesMut};

use crate::inline::split_inline;

mod reply;

pub use reply::decode_frame;

/// Size limits applied while decoding; exceeding one is a [`DecodeError`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted bulk string, in bytes (Redis `proto-max-bulk-len`).
    pub max_bulk_len: usize,
    /// Largest accepted element count of a multibulk request or an aggregate frame.
    pub max_array_len: usize,
    /// Longest inline request, and longest `*N`/`$N` header line, buffered without a line end
    /// (Redis's `PROTO_INLINE_MAX_SIZE`, which bounds both).
    pub max_inline_len: usize,
    /// Deepest nesting of aggregate frames accepted by [`decode_frame`]. It also bounds the
    /// recursion of encoding and dropping the decoded frame, so keep it in the hundreds.
    pub max_depth: usize,
}

impl Default for Limits {
    /// Redis's defaults for an authenticated client: 512 MiB bulks, 1 Mi elements, 64 KiB
    /// inline requests, nesting depth 128.
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_array_len: 1024 * 1024,
            max_inline_len: 64 * 1024,
            max_depth: 128,
        }
    }
}

impl Limits {
    /// Redis's limits before a client has authenticated: at most 10 arguments of at most
    /// 16 KiB each, so an unauthenticated peer cannot make the server buffer much.
    pub fn unauthenticated() -> Limits {
        Limits {
            max_bulk_len: 16384,
            max_array_len: 10,
            ..Limits::default()
        }
    }
}

/// A malformed or over-limit input. The stream cannot be resynchronised after any of these: reply
/// `-ERR <Display>` and close the connection, as Redis does.
///
/// The `Display` text of the variants Redis has is exactly Redis's, without the `ERR ` prefix.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// `*N` that is not an integer, or whose N exceeds [`Limits::max_array_len`] (also used for
    /// the RESP3 aggregates `%`, `~`, `>`, `|`).
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// `$N` that is not an integer, negative, or above [`Limits::max_bulk_len`].
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An element of a multibulk request that is not a bulk string; holds the byte found.
    #[error("Protocol error: expected '$', got '{}'", printable(*.0))]
    ExpectedDollar(u8),
    /// No line end within [`Limits::max_inline_len`] bytes of a `*N` header.
    #[error("Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    /// No line end within [`Limits::max_inline_len`] bytes of a `$N` header.
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// No newline within [`Limits::max_inline_len`] bytes of an inline request.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// An inline request with an unterminated quote, or a closing quote not followed by a space.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// A CR not followed by LF, or bulk data not followed by CRLF. Redis 7 skips the two bytes
    /// after bulk data unchecked; we refuse them with the text Valkey uses, so that a desynced
    /// stream is caught at the first bad byte rather than executed.
    #[error("Protocol error: invalid CRLF in request")]
    InvalidCrlf,
    /// Aggregates nested deeper than [`Limits::max_depth`].
    #[error("Protocol error: nesting too deep")]
    NestingTooDeep,
    /// Client side only: a line longer than the limits allow (simple strings, errors and big
    /// numbers are bounded by [`Limits::max_bulk_len`], other scalars by
    /// [`Limits::max_inline_len`]).
    #[error("Protocol error: too big line")]
    TooBigLine,
    /// Client side only: an unknown type byte at the start of a frame.
    #[error("Protocol error: invalid type byte '{}'", printable(*.0))]
    InvalidType(u8),
    /// Client side only: a scalar whose text does not parse; holds what was expected
    /// (`"integer"`, `"double"`, `"boolean"`, `"null"`, `"big number"`, `"verbatim string"`).
    #[error("Protocol error: invalid {0}")]
    InvalidValue(&'static str),
}

/// The byte as Redis's `%c` shows it, except CR and LF: Redis turns those into spaces so that
/// the error reply stays one line, and so do we.
fn printable(b: u8) -> char {
    match b {
        b'\r' | b'\n' => ' ',
        _ => char::from(b),
    }
}

/// Server side: decodes one client request, a multibulk `*N\r\n$len\r\n...` of bulk strings or
/// an inline command line, into its arguments.
///
/// `Ok(None)` means no complete request is buffered yet: read more and call again. Empty requests
/// (`*0`, `*-1`, blank inline lines) are consumed and skipped; apart from those, `buf` is left
/// untouched unless a request is returned, in which case exactly that request was consumed.
///
/// The arguments are zero-copy slices of `buf`'s allocation: copy one (`Bytes::copy_from_slice`)
/// before keeping it beyond the command, or it pins the whole read buffer in memory.
///
/// Each call re-parses the headers of the pending request, so a request with many arguments that
/// arrives in many reads costs O(arguments) per call; the body of a large bulk costs O(1) per call
/// once its header is parsed.
pub fn decode_command(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Result<Option<Vec<Bytes>>, DecodeError> {
    loop {
        let step = match buf.first().copied() {
            None => return Ok(None),
            Some(b'*') => decode_multibulk(buf, limits)?,
            Some(_) => decode_inline(buf, limits)?,
        };
        match step {
            Step::Command(args) => return Ok(Some(args)),
            Step::Incomplete => return Ok(None),
            Step::Skipped => continue,
        }
    }
}

/// What one attempt at the request at the front of the buffer produced.
enum Step {
    Command(Vec<Bytes>),
    Incomplete,
    /// An empty request was consumed; the next one may follow.
    Skipped,
}

fn decode_multibulk(buf: &mut BytesMut, limits: &Limits) -> Result<Step, DecodeError> {
    let data: &[u8] = buf;
    let Some(cr) = find_crlf(
        data,
        0,
        limits.max_inline_len,
        DecodeError::TooBigMultibulkCount,
    )?
    else {
        return Ok(Step::Incomplete);
    };
    let count = parse_i64(&data[1..cr]).ok_or(DecodeError::InvalidMultibulkLength)?;
    if count <= 0 {
        // Redis treats every non-positive count as an empty request, not only `*0` and `*-1`
        // (its protocol test "Negative multibulk length" sends `*-10` and expects to go on).
        buf.advance(cr + 2);
        return Ok(Step::Skipped);
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= limits.max_array_len)
        .ok_or(DecodeError::InvalidMultibulkLength)?;

    let mut spans = Spans::new(count);
    let mut pos = cr + 2;
    for _ in 0..count {
        let Some(cr) = find_crlf(
            data,
            pos,
            limits.max_inline_len,
            DecodeError::TooBigBulkCount,
        )?
        else {
            return Ok(Step::Incomplete);
        };
        // Redis looks at the type byte only once the whole header line is in, so a truncated
        // line waits for more input rather than failing early; keep the same order.
        if data[pos] != b'$' {
            return Err(DecodeError::ExpectedDollar(data[pos]));
        }
        let len = parse_i64(&data[pos + 1..cr])
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= limits.max_bulk_len)
            .ok_or(DecodeError::InvalidBulkLength)?;
        let start = cr + 2;
        let end = start
            .checked_add(len)
            .ok_or(DecodeError::InvalidBulkLength)?;
        // This length check is all a partially received bulk costs: its bytes are not scanned.
        if data.len() < end.saturating_add(2) {
            return Ok(Step::Incomplete);
        }
        if &data[end..end + 2] != b"\r\n" {
            return Err(DecodeError::InvalidCrlf);
        }
        spans.push((start, end));
        pos = end + 2;
    }

    let mut request = buf.split_to(pos).freeze();
    let mut args = Vec::with_capacity(spans.len);
    let mut spans = spans.iter();
    let last = spans.next_back();
    args.extend(spans.map(|(start, end)| request.slice(start..end)));
    if let Some((start, end)) = last {
        // The last argument takes over the request's own handle instead of a new slice of it:
        // one reference-count increment and decrement fewer per request.
        request.truncate(end);
        request.advance(start);
        args.push(request);
    }
    Ok(Step::Command(args))
}

fn decode_inline(buf: &mut BytesMut, limits: &Limits) -> Result<Step, DecodeError> {
    let Some(newline) = memchr::memchr(b'\n', buf) else {
        // Like Redis, the limit applies to what is buffered without a newline; a longer line
        // that arrived complete is accepted.
        if buf.len() > limits.max_inline_len {
            return Err(DecodeError::TooBigInline);
        }
        return Ok(Step::Incomplete);
    };
    let end = if newline > 0 && buf[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    let args = split_inline(&buf[..end])?;
    buf.advance(newline + 1);
    if args.is_empty() {
        Ok(Step::Skipped)
    } else {
        Ok(Step::Command(args))
    }
}

/// Argument positions within the request being parsed. The first few live on the stack so that
/// an incomplete request (the common case while reading) costs no allocation.
struct Spans {
    len: usize,
    inline: [(usize, usize); INLINE_SPANS],
    spill: Vec<(usize, usize)>,
    /// The announced count, used only as a capacity hint once the inline slots are full.
    announced: usize,
}

const INLINE_SPANS: usize = 8;

impl Spans {
    fn new(announced: usize) -> Spans {
        Spans {
            len: 0,
            inline: [(0, 0); INLINE_SPANS],
            spill: Vec::new(),
            announced,
        }
    }

    fn push(&mut self, span: (usize, usize)) {
        if self.len < INLINE_SPANS {
            self.inline[self.len] = span;
        } else {
            if self.spill.capacity() == 0 {
                // Reserve from the announced count only up to a bound: it is peer-controlled.
                self.spill
                    .reserve((self.announced - INLINE_SPANS).min(1024));
            }
            self.spill.push(span);
        }
        self.len += 1;
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (usize, usize)> + '_ {
        self.inline[..self.len.min(INLINE_SPANS)]
            .iter()
            .chain(self.spill.iter())
            .copied()
    }
}

/// Finds the CR of the CRLF ending the line that starts at `start`.
///
/// `Ok(None)` means the line is not complete yet; `too_long` is returned once more than `max`
/// bytes are buffered without a CR, which is how Redis bounds header lines.
#[inline]
pub(crate) fn find_crlf(
    data: &[u8],
    start: usize,
    max: usize,
    too_long: DecodeError,
) -> Result<Option<usize>, DecodeError> {
    let rest = data.get(start..).unwrap_or_default();
    match memchr::memchr(b'\r', rest) {
        None if rest.len() > max => Err(too_long),
        None => Ok(None),
        // The limit is on the line, however it arrives: a line that is complete in one read is
        // refused exactly when the same bytes arriving in pieces would be.
        Some(i) if i > max => Err(too_long),
        Some(i) => match rest.get(i + 1).copied() {
            None => Ok(None),
            Some(b'\n') => Ok(Some(start + i)),
            Some(_) => Err(DecodeError::InvalidCrlf),
        },
    }
}

/// Parses a signed decimal exactly as Redis's `string2ll` does: optional `-`, no `+`, no leading
/// zeros, no blanks, no overflow. `-0` is refused too.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !negative => return Some(0),
        [b'1'..=b'9', ..] if digits.len() <= 19 => {}
        _ => return None,
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        // 19 digits fit in a u64, so only the i64 range check below can fail.
        value = value * 10 + u64::from(d - b'0');
    }
    if negative {
        if value <= i64::MAX as u64 + 1 {
            Some((value as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(value).ok()
    }
}

#[cfg(test)]
mod tests;
