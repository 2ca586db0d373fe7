//! XREAD and XREADGROUP, blocking included. A handler serves what it can; otherwise, with BLOCK,
//! it names the streams to wait on and the dispatcher retries it after a write to one of them.
//! XREAD pins `$` to the stream's last ID on the first attempt (`retry_args`), so that a retry
//! sees what arrived meanwhile; XREADGROUP's `>` follows the group, which other consumers move.

use bytes::Bytes;
use kuber_protocol::{Frame, ProtocolVersion};

use super::{edit_stream, entry_frame, id_frame, parse_strict_id, stream_at};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::cmd::table::Blocking;
use crate::notify::STREAM;
use crate::store::stream::{Stream, StreamId};
use crate::store::value::parse_i64;

/// The options of XREAD/XREADGROUP and where the keys and IDs are.
struct ReadArgs<'a> {
    /// `None` without BLOCK; `Some(None)` waits forever.
    block: Option<Option<u64>>,
    /// 0 = no limit.
    count: usize,
    group: Option<(&'a Bytes, &'a Bytes)>,
    noack: bool,
    keys: &'a [Bytes],
    ids: &'a [Bytes],
}

/// Parses the options in Redis's order (`xreadCommand`).
fn parse(args: &[Bytes], grouped: bool) -> Result<ReadArgs<'_>, Frame> {
    let mut read = ReadArgs {
        block: None,
        count: 0,
        group: None,
        noack: false,
        keys: &[],
        ids: &[],
    };
    let mut streams_at = None;
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let opt = &args[i];
        if is(opt, "BLOCK") && more > 0 {
            i += 1;
            let ms = parse_i64(&args[i]).ok_or(err(reply::STREAM_TIMEOUT_NOT_INTEGER))?;
            if ms < 0 {
                return Err(err(reply::STREAM_TIMEOUT_NEGATIVE));
            }
            read.block = Some((ms > 0).then_some(ms as u64));
        } else if is(opt, "COUNT") && more > 0 {
            i += 1;
            read.count = usize::try_from(int(&args[i])?.max(0)).unwrap_or(usize::MAX);
        } else if is(opt, "STREAMS") && more > 0 {
            let rest = args.len() - i - 1;
            if !rest.is_multiple_of(2) {
                let (name, symbol) = if grouped {
                    ("xreadgroup", '>')
                } else {
                    ("xread", '$')
                };
                return Err(reply::stream_unbalanced(name, symbol));
            }
            streams_at = Some(i + 1);
            break;
        } else if is(opt, "GROUP") && more >= 2 {
            if !grouped {
                return Err(err(reply::STREAM_XREAD_GROUP));
            }
            read.group = Some((&args[i + 1], &args[i + 2]));
            i += 2;
        } else if is(opt, "NOACK") {
            if !grouped {
                return Err(err(reply::STREAM_XREAD_NOACK));
            }
            read.noack = true;
        } else {
            return Err(err(reply::SYNTAX));
        }
        i += 1;
    }
    let Some(at) = streams_at else {
        return Err(err(reply::SYNTAX));
    };
    if grouped && read.group.is_none() {
        return Err(err(reply::STREAM_MISSING_GROUP));
    }
    let n = (args.len() - at) / 2;
    read.keys = &args[at..at + n];
    read.ids = &args[at + n..];
    Ok(read)
}

/// `[[key, entries], ...]`, or a map in RESP3.
fn read_reply(served: Vec<(Bytes, Vec<Frame>)>, protocol: ProtocolVersion) -> Frame {
    if protocol == ProtocolVersion::Resp3 {
        Frame::Map(
            served
                .into_iter()
                .map(|(key, entries)| (Frame::Bulk(key), Frame::Array(entries)))
                .collect(),
        )
    } else {
        Frame::Array(
            served
                .into_iter()
                .map(|(key, entries)| Frame::Array(vec![Frame::Bulk(key), Frame::Array(entries)]))
                .collect(),
        )
    }
}

/// Entries of `stream` above `after`, at most `count` (0 = all).
fn entries_after(stream: &Stream, after: StreamId, count: usize) -> Vec<Frame> {
    let Some(start) = after.next() else {
        return Vec::new();
    };
    let limit = if count == 0 { usize::MAX } else { count };
    stream
        .range(start, StreamId::MAX)
        .take(limit)
        .map(|(id, fields)| entry_frame(*id, fields))
        .collect()
}

/// True when the stream holds an entry above `after`.
fn has_entries_after(stream: &Stream, after: StreamId) -> bool {
    stream.last().is_some_and(|(last, _)| *last > after)
}

/// Owned keys to wait on.
fn owned(keys: &[Bytes]) -> Vec<Bytes> {
    keys.iter().map(|k| Bytes::copy_from_slice(k)).collect()
}

/// `XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...`
pub(super) fn xread(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    let read = match parse(args, false) {
        Ok(read) => read,
        Err(e) => return Blocking::Reply(e),
    };
    let (now, woken, protocol) = (ctx.now, ctx.woken, ctx.session.protocol);
    let mut ks = ctx.session.region.lock();
    let mut after = Vec::with_capacity(read.keys.len());
    for (key, id) in read.keys.iter().zip(read.ids) {
        let stream = match stream_at(&mut ks, key, now) {
            // A woken reader keeps waiting on a key that now holds another type (Redis does).
            Err(_) if woken => None,
            Err(e) => return Blocking::Reply(e),
            Ok(stream) => stream,
        };
        if &id[..] == b"$" {
            after.push(stream.map_or(StreamId::MIN, |s| s.last_id));
        } else if &id[..] == b">" {
            return Blocking::Reply(err(reply::STREAM_XREAD_GT));
        } else {
            match parse_strict_id(id) {
                Ok(id) => after.push(id),
                Err(e) => return Blocking::Reply(e),
            }
        }
    }
    let mut served = Vec::new();
    for (key, after) in read.keys.iter().zip(&after) {
        if let Ok(Some(stream)) = stream_at(&mut ks, key, now)
            && has_entries_after(stream, *after)
        {
            served.push((key.clone(), entries_after(stream, *after, read.count)));
        }
    }
    if !served.is_empty() {
        return Blocking::Reply(read_reply(served, protocol));
    }
    let Some(timeout_ms) = read.block else {
        return Blocking::Reply(Frame::NullArray);
    };
    // Pin every ID, `$` included, to what it meant now.
    let at = args.len() - read.ids.len();
    let mut pinned = args[..at].to_vec();
    pinned.extend(after.iter().map(|id| Bytes::from(id.to_string())));
    Blocking::Wait {
        keys: owned(read.keys),
        timeout_ms,
        retry_args: Some(pinned),
    }
}

/// Where a group read starts: new entries (`>`) or the consumer's history above an ID.
#[derive(Clone, Copy)]
enum GroupStart {
    New,
    History(StreamId),
}

/// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...`
pub(super) fn xreadgroup(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    let read = match parse(args, true) {
        Ok(read) => read,
        Err(e) => return Blocking::Reply(e),
    };
    let (group, consumer) = read.group.expect("parse requires GROUP");
    let (now, woken, protocol) = (ctx.now, ctx.woken, ctx.session.protocol);
    let mut ks = ctx.session.region.lock();
    let mut starts = Vec::with_capacity(read.keys.len());
    for (key, id) in read.keys.iter().zip(read.ids) {
        let has_group = match stream_at(&mut ks, key, now) {
            // Woken after the stream was deleted or replaced: Redis unblocks with an error.
            Err(_) | Ok(None) if woken => {
                return Blocking::Reply(err(reply::STREAM_KEY_GONE));
            }
            Err(e) => return Blocking::Reply(e),
            Ok(stream) => stream.is_some_and(|s| s.groups.contains_key(group)),
        };
        if !has_group {
            return Blocking::Reply(if woken {
                err(reply::STREAM_GROUP_GONE)
            } else {
                reply::stream_nogroup(key, group, " in XREADGROUP with GROUP option")
            });
        }
        if &id[..] == b"$" {
            return Blocking::Reply(err(reply::STREAM_XREADGROUP_DOLLAR));
        } else if &id[..] == b">" {
            starts.push(GroupStart::New);
        } else {
            match parse_strict_id(id) {
                Ok(id) => starts.push(GroupStart::History(id)),
                Err(e) => return Blocking::Reply(e),
            }
        }
    }
    let consumer = Bytes::copy_from_slice(consumer);
    let group = Bytes::copy_from_slice(group);
    let mut served = Vec::new();
    for (key, start) in read.keys.iter().zip(starts) {
        let outcome = edit_stream(&mut ks, key, now, |stream| {
            serve_group(stream, &group, &consumer, start, &read, now)
        });
        let Ok(Some((created, entries))) = outcome else {
            continue;
        };
        if created {
            ks.notify(STREAM, "xgroup-createconsumer", key);
        }
        if created || entries.is_some() {
            // No fixed key positions: the handler does the WATCH and persistence bookkeeping.
            ks.touch(key);
        }
        if let Some(entries) = entries {
            served.push((key.clone(), entries));
        }
    }
    if !served.is_empty() {
        return Blocking::Reply(read_reply(served, protocol));
    }
    match read.block {
        None => Blocking::Reply(Frame::NullArray),
        Some(timeout_ms) => Blocking::Wait {
            keys: owned(read.keys),
            timeout_ms,
            retry_args: None,
        },
    }
}

/// Serves one stream of an XREADGROUP: whether the consumer was created, and the entries when
/// the stream is served (a history read always is, even with nothing to show).
fn serve_group(
    stream: &mut Stream,
    group_name: &Bytes,
    consumer: &Bytes,
    start: GroupStart,
    read: &ReadArgs<'_>,
    now: u64,
) -> (bool, Option<Vec<Frame>>) {
    let Some(group) = stream.groups.get_mut(group_name) else {
        return (false, None);
    };
    let created = group.touch_consumer(consumer, now);
    let limit = if read.count == 0 {
        usize::MAX
    } else {
        read.count
    };
    match start {
        GroupStart::History(after) => {
            let Some(from) = after.next() else {
                return (created, Some(Vec::new()));
            };
            let owned: Vec<StreamId> = group.consumers[consumer]
                .pending
                .range(from..)
                .take(limit)
                .copied()
                .collect();
            let mut entries = Vec::with_capacity(owned.len());
            for id in owned {
                match stream.get(id) {
                    Some(fields) => {
                        entries.push(entry_frame(id, fields));
                        let group = stream.groups.get_mut(group_name).expect("found above");
                        if let Some(pending) = group.pending.get_mut(&id) {
                            pending.delivery_time = now;
                            pending.delivery_count += 1;
                        }
                    }
                    // Deleted since delivery: Redis shows the ID with no fields.
                    None => entries.push(Frame::Array(vec![id_frame(id), Frame::NullArray])),
                }
            }
            (created, Some(entries))
        }
        GroupStart::New => {
            let last_delivered = group.last_id;
            if !has_entries_after(stream, last_delivered) {
                return (created, None);
            }
            let Some(from) = last_delivered.next() else {
                return (created, None);
            };
            let ids: Vec<StreamId> = stream
                .range(from, StreamId::MAX)
                .take(limit)
                .map(|(id, _)| *id)
                .collect();
            let mut entries = Vec::with_capacity(ids.len());
            for id in ids {
                entries.push(entry_frame(id, stream.get(id).expect("listed above")));
                stream.advance_group(group_name, id);
                if !read.noack {
                    let group = stream.groups.get_mut(group_name).expect("found above");
                    group.deliver(id, consumer, now);
                }
            }
            (created, Some(entries))
        }
    }
}
