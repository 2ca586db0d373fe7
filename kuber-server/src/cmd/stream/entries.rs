//! The entry commands: XADD (with NOMKSTREAM and MAXLEN/MINID trimming), XLEN, XRANGE,
//! XREVRANGE, XDEL, XTRIM and XSETID.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{
    edit_stream, id_frame, parse_add_id, parse_bound, parse_strict_id, range_frames, stream_at,
};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::notify::STREAM;
use crate::store::Value;
use crate::store::stream::{Fields, Stream, StreamId, Trim};

/// Entries an approximate trim may remove without an explicit LIMIT: 100 times
/// `stream-node-max-entries`, or 10000 when that is 0 or the product exceeds a million (Redis).
fn default_approx_limit(node_max_entries: u64) -> u64 {
    match node_max_entries.saturating_mul(100) {
        0 | 1_000_001.. => 10_000,
        limit => limit,
    }
}

/// The current `stream-node-max-entries`.
fn node_max_entries(ctx: &Ctx<'_>) -> u64 {
    ctx.state
        .live
        .stream_node_max_entries
        .load(std::sync::atomic::Ordering::Relaxed)
}

/// What XADD and XTRIM parsed (Redis's `streamParseAddOrTrimArgsOrReply`).
struct AddOrTrim {
    trim: Option<Trim>,
    approx: bool,
    /// 0 = no limit.
    limit: u64,
    no_mkstream: bool,
    /// XADD's explicit ID, and whether its sequence was given (`ms-*` leaves it out).
    id: Option<(StreamId, bool)>,
    /// Position of the ID argument (XADD).
    id_at: usize,
}

fn parse_add_or_trim(args: &[Bytes], xadd: bool, node_max: u64) -> Result<AddOrTrim, Frame> {
    let mut parsed = AddOrTrim {
        trim: None,
        approx: false,
        limit: 0,
        no_mkstream: false,
        id: None,
        id_at: args.len(),
    };
    let mut limit_given = false;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        if xadd && &opt[..] == b"*" {
            parsed.id_at = i;
            break;
        } else if (is(opt, "MAXLEN") || is(opt, "MINID")) && more > 0 {
            if parsed.trim.is_some() {
                return Err(err(reply::STREAM_MAXLEN_MINID));
            }
            parsed.approx = false;
            let next = &args[i + 1][..];
            if more >= 2 && (next == b"~" || next == b"=") {
                parsed.approx = next == b"~";
                i += 1;
            }
            let threshold = &args[i + 1];
            parsed.trim = Some(if is(opt, "MAXLEN") {
                let max = int(threshold)?;
                if max < 0 {
                    return Err(err(reply::STREAM_MAXLEN_NEGATIVE));
                }
                Trim::MaxLen(max as u64)
            } else {
                Trim::MinId(parse_strict_id(threshold)?)
            });
            i += 1;
        } else if is(opt, "LIMIT") && more > 0 {
            let limit = int(&args[i + 1])?;
            if limit < 0 {
                return Err(err(reply::STREAM_LIMIT_NEGATIVE));
            }
            parsed.limit = limit as u64;
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "NOMKSTREAM") {
            parsed.no_mkstream = true;
        } else if xadd {
            parsed.id = Some(parse_add_id(opt)?);
            parsed.id_at = i;
            break;
        } else {
            return Err(err(reply::SYNTAX));
        }
        i += 1;
    }
    if parsed.limit > 0 && parsed.trim.is_none() {
        return Err(err(reply::STREAM_LIMIT_NO_STRATEGY));
    }
    if !xadd && parsed.trim.is_none() {
        return Err(err(reply::STREAM_XTRIM_NO_STRATEGY));
    }
    if limit_given {
        if !parsed.approx {
            return Err(err(reply::STREAM_LIMIT_NO_APPROX));
        }
    } else if parsed.approx {
        parsed.limit = default_approx_limit(node_max);
    }
    Ok(parsed)
}

/// The ID XADD gives the new entry, or the error Redis answers.
fn new_entry_id(
    stream: &Stream,
    given: Option<(StreamId, bool)>,
    now: u64,
) -> Result<StreamId, Frame> {
    if stream.last_id == StreamId::MAX {
        return Err(err(reply::STREAM_EXHAUSTED));
    }
    let id = match given {
        None => stream.next_id(now).ok_or(err(reply::STREAM_EXHAUSTED))?,
        Some((id, true)) => id,
        // `ms-*`: the next sequence within the last ID's millisecond, else 0.
        Some((id, false)) if id.ms == stream.last_id.ms => {
            if stream.last_id.seq == u64::MAX {
                return Err(err(reply::STREAM_ID_SMALL));
            }
            StreamId::new(id.ms, stream.last_id.seq + 1)
        }
        Some((id, false)) => StreamId::new(id.ms, 0),
    };
    if id <= stream.last_id {
        return Err(err(reply::STREAM_ID_SMALL));
    }
    Ok(id)
}

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...`
pub(super) fn xadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let node_max_entries = node_max_entries(ctx);
    let parsed = match parse_add_or_trim(args, true, node_max_entries) {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    let pairs = args.len().saturating_sub(parsed.id_at + 1);
    if pairs < 2 || pairs % 2 == 1 {
        return reply::wrong_arity("xadd");
    }
    if let Some((id, true)) = parsed.id
        && id.is_zero()
    {
        return err(reply::STREAM_ID_ZERO);
    }
    let fields: Fields = args[parsed.id_at + 1..]
        .chunks(2)
        .map(|pair| {
            (
                Bytes::copy_from_slice(&pair[0]),
                Bytes::copy_from_slice(&pair[1]),
            )
        })
        .collect();
    let key = &args[1];
    let now = ctx.now;
    let expiry = ctx
        .region()
        .default_ttl_ms()
        .map(|ttl| now.saturating_add(ttl));
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, key, now) {
        Err(e) => return e,
        Ok(Some(_)) => {}
        Ok(None) if parsed.no_mkstream => return Frame::Null,
        Ok(None) => {
            ks.set(key, Value::Stream(Box::default()), expiry, now);
        }
    }
    let added = edit_stream(&mut ks, key, now, |stream| {
        let id = new_entry_id(stream, parsed.id, now)?;
        stream.append(id, fields, node_max_entries);
        let trimmed = parsed
            .trim
            .map_or(0, |trim| stream.trim(trim, parsed.approx, parsed.limit));
        Ok::<_, Frame>((id, trimmed))
    });
    let (id, trimmed) = match added {
        Ok(Some(Ok(added))) => added,
        Ok(Some(Err(e))) | Err(e) => return e,
        Ok(None) => unreachable!("the stream exists"),
    };
    ks.record_write();
    ks.notify(STREAM, "xadd", key);
    if trimmed > 0 {
        ks.notify(STREAM, "xtrim", key);
    }
    ks.signal_ready(key);
    id_frame(id)
}

/// `XLEN key`
pub(super) fn xlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, &args[1], ctx.now) {
        Err(e) => e,
        Ok(stream) => Frame::Integer(stream.map_or(0, |s| s.len() as i64)),
    }
}

fn range(ctx: &mut Ctx<'_>, args: &[Bytes], rev: bool) -> Frame {
    let (start_arg, end_arg) = if rev {
        (&args[3], &args[2])
    } else {
        (&args[2], &args[3])
    };
    let bounds = parse_bound(start_arg, 0, true)
        .and_then(|start| Ok((start, parse_bound(end_arg, u64::MAX, false)?)));
    let (start, end) = match bounds {
        Ok(bounds) => bounds,
        Err(e) => return e,
    };
    let mut count = None;
    let mut i = 4;
    while i < args.len() {
        if is(&args[i], "COUNT") && i + 1 < args.len() {
            match int(&args[i + 1]) {
                Ok(n) => count = Some(n.max(0) as usize),
                Err(e) => return e,
            }
            i += 2;
        } else {
            return err(reply::SYNTAX);
        }
    }
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, &args[1], ctx.now) {
        Err(e) => e,
        Ok(None) => Frame::Array(Vec::new()),
        Ok(Some(_)) if count == Some(0) => Frame::NullArray,
        Ok(Some(stream)) => Frame::Array(range_frames(stream, start, end, count.unwrap_or(0), rev)),
    }
}

/// `XRANGE key start end [COUNT n]`
pub(super) fn xrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range(ctx, args, false)
}

/// `XREVRANGE key end start [COUNT n]`
pub(super) fn xrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range(ctx, args, true)
}

/// `XDEL key id ...`: every ID is checked before any entry goes.
pub(super) fn xdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(_)) => {}
    }
    let ids = match args[2..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let deleted = edit_stream(&mut ks, key, ctx.now, |stream| {
        ids.iter().filter(|id| stream.delete(**id)).count()
    })
    .ok()
    .flatten()
    .unwrap_or(0);
    if deleted > 0 {
        ks.record_write();
        ks.notify(STREAM, "xdel", key);
    }
    Frame::Integer(deleted as i64)
}

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
pub(super) fn xtrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let key = &args[1];
    let node_max = node_max_entries(ctx);
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(_)) => {}
    }
    let parsed = match parse_add_or_trim(args, false, node_max) {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    let trim = parsed.trim.expect("XTRIM parsing requires a strategy");
    let deleted = edit_stream(&mut ks, key, ctx.now, |stream| {
        stream.trim(trim, parsed.approx, parsed.limit)
    })
    .ok()
    .flatten()
    .unwrap_or(0);
    if deleted > 0 {
        ks.record_write();
        ks.notify(STREAM, "xtrim", key);
    }
    Frame::Integer(deleted as i64)
}

/// `XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]`
pub(super) fn xsetid(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let id = match parse_strict_id(&args[2]) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let (mut entries_added, mut max_deleted) = (None, None);
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if is(&args[i], "ENTRIESADDED") && more > 0 {
            match int(&args[i + 1]) {
                Ok(n) if n < 0 => return err(reply::STREAM_ENTRIES_ADDED_NEGATIVE),
                Ok(n) => entries_added = Some(n as u64),
                Err(e) => return e,
            }
        } else if is(&args[i], "MAXDELETEDID") && more > 0 {
            match parse_strict_id(&args[i + 1]) {
                Ok(deleted) if id < deleted => return err(reply::STREAM_SETID_DELETED_ABOVE),
                Ok(deleted) => max_deleted = Some(deleted),
                Err(e) => return e,
            }
        } else {
            return err(reply::SYNTAX);
        }
        i += 2;
    }
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let stream = match stream_at(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return err(reply::NO_SUCH_KEY),
        Ok(Some(stream)) => stream,
    };
    if id < stream.max_deleted_id {
        return err(reply::STREAM_SETID_BELOW_DELETED);
    }
    if let Some((last, _)) = stream.last() {
        if id < *last {
            return err(reply::STREAM_SETID_SMALL);
        }
        if entries_added.is_some_and(|n| n < stream.len() as u64) {
            return err(reply::STREAM_SETID_ADDED_SMALL);
        }
    }
    stream.last_id = id;
    if let Some(n) = entries_added {
        stream.entries_added = n;
    }
    if let Some(deleted) = max_deleted.filter(|d| !d.is_zero()) {
        stream.max_deleted_id = deleted;
    }
    ks.record_write();
    ks.notify(STREAM, "xsetid", key);
    Frame::ok()
}
