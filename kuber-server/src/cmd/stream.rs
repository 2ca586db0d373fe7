//! Stream commands (Redis 7.0 semantics): the command-table rows and what the families share —
//! ID parsing, access to a key's stream with memory bookkeeping, and entry replies. Entries
//! (XADD, XRANGE, XDEL, XTRIM, XSETID) live in `entries`, reads (XREAD, XREADGROUP, blocking
//! included) in `read`, consumer groups (XGROUP, XACK, XPENDING) in `groups`, claims (XCLAIM,
//! XAUTOCLAIM) in `claim`, XINFO in `info`.
//!
//! Wake-ups: XADD (and anything that moves or deletes a stream) calls `signal_ready`; a blocked
//! reader retries, and the dispatcher hands the wake-up on in arrival order (see `run_blocking`).

mod claim;
mod entries;
mod groups;
mod info;
mod read;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::reply::{self, err};
use super::table::Handler::{Blocking as Block, Sync};
use super::table::{CommandSpec, DENY_OOM, FAST, KEY1, NOKEYS, READONLY, WRITE};
use crate::store::stream::{Fields, Stream, StreamId};
use crate::store::{Keyspace, Value};

/// XGROUP and XINFO name their key after the subcommand.
const KEY2: (i32, i32, i32) = (2, 2, 1);

/// This family's rows of the command table (flags as Redis 7.0's COMMAND INFO).
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "xadd",
        -5,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "stream",
        "Appends an entry to a stream, creating it if needed (NOMKSTREAM, MAXLEN/MINID trimming).",
        Sync(entries::xadd)
    ),
    cmd!(
        "xlen",
        2,
        READONLY | FAST,
        KEY1,
        "stream",
        "Returns the number of entries in a stream.",
        Sync(entries::xlen)
    ),
    cmd!(
        "xrange",
        -4,
        READONLY,
        KEY1,
        "stream",
        "Returns the entries of a stream within a range of IDs.",
        Sync(entries::xrange)
    ),
    cmd!(
        "xrevrange",
        -4,
        READONLY,
        KEY1,
        "stream",
        "Returns the entries of a stream within a range of IDs, in reverse order.",
        Sync(entries::xrevrange)
    ),
    cmd!(
        "xdel",
        -3,
        WRITE | FAST,
        KEY1,
        "stream",
        "Deletes entries from a stream by ID.",
        Sync(entries::xdel)
    ),
    cmd!(
        "xtrim",
        -4,
        WRITE,
        KEY1,
        "stream",
        "Trims a stream by length (MAXLEN) or by ID (MINID).",
        Sync(entries::xtrim)
    ),
    cmd!(
        "xsetid",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "stream",
        "Sets the last generated ID of a stream (ENTRIESADDED, MAXDELETEDID).",
        Sync(entries::xsetid)
    ),
    // Redis reports 0 0 0 (movablekeys) for both reads: the keys follow STREAMS.
    cmd!(
        "xread",
        -4,
        READONLY,
        NOKEYS,
        "stream",
        "Returns entries above the given IDs from one or more streams, optionally waiting (BLOCK).",
        Block(read::xread)
    ),
    cmd!(
        "xreadgroup",
        -7,
        WRITE,
        NOKEYS,
        "stream",
        "Reads entries for a consumer of a group (new ones with >, or its pending history).",
        Block(read::xreadgroup)
    ),
    cmd!(
        "xack",
        -4,
        WRITE | FAST,
        KEY1,
        "stream",
        "Acknowledges pending entries of a consumer group.",
        Sync(groups::xack)
    ),
    cmd!(
        "xpending",
        -3,
        READONLY,
        KEY1,
        "stream",
        "Returns a consumer group's pending entries: a summary, or a range (IDLE, consumer).",
        Sync(groups::xpending)
    ),
    cmd!(
        "xclaim",
        -6,
        WRITE | FAST,
        KEY1,
        "stream",
        "Changes the owner of pending entries (IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID).",
        Sync(claim::xclaim)
    ),
    cmd!(
        "xautoclaim",
        -6,
        WRITE | FAST,
        KEY1,
        "stream",
        "Claims pending entries idle for long enough, scanning from a cursor (COUNT, JUSTID).",
        Sync(claim::xautoclaim)
    ),
    cmd!(
        "xgroup",
        -2,
        WRITE | DENY_OOM,
        KEY2,
        "stream",
        "Manages consumer groups (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP).",
        Sync(groups::xgroup)
    ),
    cmd!(
        "xinfo",
        -2,
        READONLY,
        KEY2,
        "stream",
        "Returns information about a stream, its groups or a group's consumers.",
        Sync(info::xinfo)
    ),
];

/// Parses an ID as Redis's `streamGenericParseIDOrReply`: `ms` (the sequence is then
/// `missing_seq`) or `ms-seq`; `-` and `+` unless `strict`.
fn parse_id(arg: &[u8], missing_seq: u64, strict: bool) -> Result<StreamId, Frame> {
    match arg {
        b"-" if !strict => return Ok(StreamId::MIN),
        b"+" if !strict => return Ok(StreamId::MAX),
        _ => {}
    }
    let bad = || err(reply::STREAM_BAD_ID);
    if arg.len() > 127 {
        return Err(bad());
    }
    let (ms, seq) = match arg.iter().position(|&b| b == b'-') {
        Some(dash) => (&arg[..dash], Some(&arg[dash + 1..])),
        None => (arg, None),
    };
    let ms = parse_u64(ms).ok_or_else(bad)?;
    let seq = match seq {
        Some(seq) => parse_u64(seq).ok_or_else(bad)?,
        None => missing_seq,
    };
    Ok(StreamId::new(ms, seq))
}

/// An ID where `-` and `+` are refused (Redis's strict parse).
fn parse_strict_id(arg: &[u8]) -> Result<StreamId, Frame> {
    parse_id(arg, 0, true)
}

/// XADD's ID: strict, and `ms-*` leaves the sequence to be generated (`false`).
fn parse_add_id(arg: &[u8]) -> Result<(StreamId, bool), Frame> {
    if let Some(ms) = arg.strip_suffix(b"-*") {
        let id = parse_strict_id(ms)?;
        if ms.contains(&b'-') {
            return Err(err(reply::STREAM_BAD_ID));
        }
        return Ok((id, false));
    }
    Ok((parse_strict_id(arg)?, true))
}

/// A range bound: `-`, `+`, an ID (a missing sequence is `missing_seq`), or `(id` excluding it.
fn parse_bound(arg: &[u8], missing_seq: u64, is_start: bool) -> Result<StreamId, Frame> {
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id(&arg[1..], missing_seq, true)?;
        let moved = if is_start { id.next() } else { id.prev() };
        return moved.ok_or_else(|| {
            err(if is_start {
                reply::STREAM_BAD_START
            } else {
                reply::STREAM_BAD_END
            })
        });
    }
    parse_id(arg, missing_seq, false)
}

/// Digits only, as `string2ull` accepts them (leading zeros allowed).
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The stream under `key`: `Ok(None)` when missing, `Err(WRONGTYPE)` for another type.
fn stream_at<'a>(
    ks: &'a mut Keyspace,
    key: &[u8],
    now: u64,
) -> Result<Option<&'a mut Stream>, Frame> {
    match ks.get_mut(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Stream(stream) => Ok(Some(stream)),
            _ => Err(err(reply::WRONGTYPE)),
        },
    }
}

/// Runs `edit` on the stream under `key` and books the change in memory: `Ok(None)` when the key
/// is missing.
fn edit_stream<R>(
    ks: &mut Keyspace,
    key: &[u8],
    now: u64,
    edit: impl FnOnce(&mut Stream) -> R,
) -> Result<Option<R>, Frame> {
    let Some(stream) = stream_at(ks, key, now)? else {
        return Ok(None);
    };
    let before = stream.memory_bytes() as i64;
    let result = edit(stream);
    let delta = stream.memory_bytes() as i64 - before;
    ks.adjust_memory(delta);
    Ok(Some(result))
}

fn id_frame(id: StreamId) -> Frame {
    Frame::Bulk(Bytes::from(id.to_string()))
}

/// `[id, [field, value, ...]]`.
fn entry_frame(id: StreamId, fields: &Fields) -> Frame {
    let mut flat = Vec::with_capacity(fields.len() * 2);
    for (field, value) in fields {
        flat.push(Frame::Bulk(field.clone()));
        flat.push(Frame::Bulk(value.clone()));
    }
    Frame::Array(vec![id_frame(id), Frame::Array(flat)])
}

/// Entries of `stream` in `start..=end` (descending with `rev`), at most `count` (0 = all).
fn range_frames(
    stream: &Stream,
    start: StreamId,
    end: StreamId,
    count: usize,
    rev: bool,
) -> Vec<Frame> {
    let limit = if count == 0 { usize::MAX } else { count };
    let range = stream.range(start, end);
    if rev {
        range
            .rev()
            .take(limit)
            .map(|(id, f)| entry_frame(*id, f))
            .collect()
    } else {
        range
            .take(limit)
            .map(|(id, f)| entry_frame(*id, f))
            .collect()
    }
}

#[cfg(test)]
mod tests;
