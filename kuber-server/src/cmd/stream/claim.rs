//! Claims: XCLAIM (IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID) and XAUTOCLAIM (a cursor over
//! the group's pending entries, reporting the ones whose entries were deleted).

use bytes::Bytes;
use kuber_protocol::Frame;

use super::groups::group_of;
use super::{edit_stream, entry_frame, id_frame, parse_bound, parse_strict_id};
use crate::cmd::Ctx;
use crate::cmd::args::is;
use crate::cmd::reply::{self, err};
use crate::notify::STREAM;
use crate::store::stream::{PendingEntry, Stream, StreamId};

/// The reply for one claimed entry: its ID with JUSTID, else the entry (nil if deleted).
fn claimed_frame(stream: &Stream, id: StreamId, just_id: bool) -> Frame {
    if just_id {
        id_frame(id)
    } else {
        stream
            .get(id)
            .map_or(Frame::Null, |fields| entry_frame(id, fields))
    }
}

/// XCLAIM's options after the IDs.
struct ClaimOptions {
    delivery_time: Option<i64>,
    retry_count: Option<u64>,
    force: bool,
    just_id: bool,
    last_id: Option<StreamId>,
}

fn parse_claim_options(args: &[Bytes], now: u64) -> Result<ClaimOptions, Frame> {
    let mut opts = ClaimOptions {
        delivery_time: None,
        retry_count: None,
        force: false,
        just_id: false,
        last_id: None,
    };
    let mut i = 0;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        let number = |msg: &'static str| {
            crate::store::value::parse_i64(&args[i + 1]).ok_or_else(|| reply::err_msg(msg))
        };
        if is(opt, "FORCE") {
            opts.force = true;
        } else if is(opt, "JUSTID") {
            opts.just_id = true;
        } else if is(opt, "IDLE") && more > 0 {
            let idle = number("Invalid IDLE option argument for XCLAIM")?;
            opts.delivery_time = Some(now as i64 - idle);
            i += 1;
        } else if is(opt, "TIME") && more > 0 {
            opts.delivery_time = Some(number("Invalid TIME option argument for XCLAIM")?);
            i += 1;
        } else if is(opt, "RETRYCOUNT") && more > 0 {
            let count = number("Invalid RETRYCOUNT option argument for XCLAIM")?;
            opts.retry_count = Some(count.max(0) as u64);
            i += 1;
        } else if is(opt, "LASTID") && more > 0 {
            opts.last_id = Some(parse_strict_id(&args[i + 1])?);
            i += 1;
        } else {
            return Err(reply::err_msg(format!(
                "Unrecognized XCLAIM option '{}'",
                reply::printable(opt, 128)
            )));
        }
        i += 1;
    }
    Ok(opts)
}

/// `XCLAIM key group consumer min-idle-time id ... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
/// [JUSTID] [LASTID id]`
pub(super) fn xclaim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (key, group_name) = (&args[1], &args[2]);
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    if let Err(e) = group_of(&mut ks, key, group_name, now) {
        return e;
    }
    let min_idle = match crate::store::value::parse_i64(&args[4]) {
        Some(n) => n.max(0) as u64,
        None => return reply::err_msg("Invalid min-idle-time argument for XCLAIM"),
    };
    let ids: Vec<StreamId> = args[5..]
        .iter()
        .map_while(|a| parse_strict_id(a).ok())
        .collect();
    let opts = match parse_claim_options(&args[5 + ids.len()..], now) {
        Ok(opts) => opts,
        Err(e) => return e,
    };
    let delivery_time = match opts.delivery_time {
        Some(t) if t >= 0 && (t as u64) <= now => t as u64,
        _ => now,
    };
    let consumer = Bytes::copy_from_slice(&args[3]);
    let outcome = edit_stream(&mut ks, key, now, |stream| {
        let mut created = false;
        let mut seen = false;
        let mut claimed = Vec::new();
        if let Some(last) = opts.last_id {
            let g = stream.groups.get_mut(group_name).expect("checked above");
            if last > g.last_id {
                g.last_id = last;
            }
        }
        for id in ids {
            let exists = stream.get(id).is_some();
            let g = stream.groups.get_mut(group_name).expect("checked above");
            if !exists {
                // The entry is gone: so is its pending record.
                g.unpend(id);
                continue;
            }
            let forced = opts.force && !g.pending.contains_key(&id);
            if forced {
                g.pending.insert(
                    id,
                    PendingEntry {
                        consumer: Bytes::new(),
                        delivery_time: now,
                        delivery_count: 1,
                    },
                );
            }
            let Some(pending) = g.pending.get(&id) else {
                continue;
            };
            if !forced && min_idle > 0 && now.saturating_sub(pending.delivery_time) < min_idle {
                continue;
            }
            if !seen {
                created = g.touch_consumer(&consumer, now);
                seen = true;
            }
            g.assign(id, &consumer);
            let pending = g.pending.get_mut(&id).expect("present above");
            pending.delivery_time = delivery_time;
            match opts.retry_count {
                Some(n) => pending.delivery_count = n,
                None if !opts.just_id => pending.delivery_count += 1,
                None => {}
            }
            claimed.push(claimed_frame(stream, id, opts.just_id));
        }
        (created, claimed)
    });
    let Ok(Some((created, claimed))) = outcome else {
        return Frame::Array(Vec::new());
    };
    if created {
        ks.notify(STREAM, "xgroup-createconsumer", key);
    }
    ks.record_write();
    Frame::Array(claimed)
}

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]`: the next cursor, the
/// claimed entries and the IDs of pending entries that were deleted (now dropped from the PEL).
pub(super) fn xautoclaim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let min_idle = match crate::store::value::parse_i64(&args[4]) {
        Some(n) => n.max(0) as u64,
        None => return reply::err_msg("Invalid min-idle-time argument for XAUTOCLAIM"),
    };
    let start = match parse_bound(&args[5], 0, true) {
        Ok(start) => start,
        Err(e) => return e,
    };
    let (mut count, mut just_id) = (100u64, false);
    let mut i = 6;
    while i < args.len() {
        if is(&args[i], "COUNT") && i + 1 < args.len() {
            // Redis caps COUNT so that COUNT * 10 attempts cannot overflow.
            match crate::store::value::parse_i64(&args[i + 1]) {
                Some(n) if (1..=i64::MAX / 16).contains(&n) => count = n as u64,
                _ => return err(reply::STREAM_AUTOCLAIM_COUNT),
            }
            i += 2;
        } else if is(&args[i], "JUSTID") {
            just_id = true;
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
    }
    let (key, group_name) = (&args[1], &args[2]);
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    if let Err(e) = group_of(&mut ks, key, group_name, now) {
        return e;
    }
    let consumer = Bytes::copy_from_slice(&args[3]);
    let outcome = edit_stream(&mut ks, key, now, |stream| {
        let mut attempts = count.saturating_mul(10);
        let mut left = count;
        let (mut created, mut seen) = (false, false);
        let (mut claimed, mut deleted) = (Vec::new(), Vec::new());
        let mut cursor = start;
        let mut next = None;
        loop {
            let g = stream.groups.get_mut(group_name).expect("checked above");
            let Some((&id, pending)) = g.pending.range(cursor..).next() else {
                break;
            };
            if attempts == 0 || left == 0 {
                next = Some(id);
                break;
            }
            attempts -= 1;
            cursor = match id.next() {
                Some(after) => after,
                None => StreamId::MAX,
            };
            let idle = now.saturating_sub(pending.delivery_time);
            if stream.get(id).is_none() {
                let g = stream.groups.get_mut(group_name).expect("checked above");
                g.unpend(id);
                deleted.push(id_frame(id));
                left -= 1;
            } else if min_idle == 0 || idle >= min_idle {
                let g = stream.groups.get_mut(group_name).expect("checked above");
                if !seen {
                    created = g.touch_consumer(&consumer, now);
                    seen = true;
                }
                g.assign(id, &consumer);
                let pending = g.pending.get_mut(&id).expect("listed above");
                pending.delivery_time = now;
                if !just_id {
                    pending.delivery_count += 1;
                }
                claimed.push(claimed_frame(stream, id, just_id));
                left -= 1;
            }
            if id == StreamId::MAX {
                break;
            }
        }
        (created, next.unwrap_or(StreamId::MIN), claimed, deleted)
    });
    let Ok(Some((created, next, claimed, deleted))) = outcome else {
        return Frame::Array(Vec::new());
    };
    if created {
        ks.notify(STREAM, "xgroup-createconsumer", key);
    }
    ks.record_write();
    Frame::Array(vec![
        id_frame(next),
        Frame::Array(claimed),
        Frame::Array(deleted),
    ])
}
