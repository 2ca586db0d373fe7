//! Consumer groups: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP), XACK,
//! XPENDING, XCLAIM and XAUTOCLAIM.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{
    edit_stream, entry_frame, id_frame, int_arg, parse_bound, parse_id, parse_strict_id, stream_at,
};
use crate::cmd::Ctx;
use crate::cmd::args::is;
use crate::cmd::reply::{self, err};
use crate::notify::STREAM;
use crate::store::Value;
use crate::store::stream::{Group, PendingEntry, Stream, StreamId, UNKNOWN_ENTRIES_READ};

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Print this help.",
];

/// Arity of each XGROUP subcommand (Redis 7.0 registers them as `xgroup|sub`).
fn xgroup_arity(sub: &str) -> Option<i32> {
    Some(match sub {
        "create" => -5,
        "setid" => -5,
        "destroy" => 4,
        "createconsumer" | "delconsumer" => 5,
        "help" => 2,
        _ => return None,
    })
}

/// An ENTRIESREAD value: non-negative or -1.
fn entries_read_arg(arg: &[u8]) -> Result<i64, Frame> {
    match int_arg(arg)? {
        n if n < 0 && n != UNKNOWN_ENTRIES_READ => Err(err(reply::STREAM_ENTRIES_READ)),
        n => Ok(n),
    }
}

/// `XGROUP subcommand ...`
pub(super) fn xgroup(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let Some(arity) = xgroup_arity(&sub) else {
        return reply::unknown_subcommand("xgroup", &args[1]);
    };
    let argc = args.len() as i32;
    if (arity > 0 && argc != arity) || (arity < 0 && argc < -arity) {
        return reply::wrong_arity(&format!("xgroup|{sub}"));
    }
    if sub == "help" {
        return Frame::Array(XGROUP_HELP.iter().map(|l| Frame::simple(l)).collect());
    }
    let (key, group) = (&args[2], &args[3]);
    // CREATE's options are checked before the key, as Redis does.
    let (mut mkstream, mut entries_read) = (false, UNKNOWN_ENTRIES_READ);
    if sub == "create" {
        let mut i = 5;
        while i < args.len() {
            if is(&args[i], "MKSTREAM") {
                mkstream = true;
                i += 1;
            } else if is(&args[i], "ENTRIESREAD") && i + 1 < args.len() {
                match entries_read_arg(&args[i + 1]) {
                    Ok(n) => entries_read = n,
                    Err(e) => return e,
                }
                i += 2;
            } else {
                return reply::subcommand_syntax("xgroup", &args[1]);
            }
        }
    }
    let now = ctx.now;
    let expiry = ctx
        .region()
        .default_ttl_ms()
        .map(|ttl| now.saturating_add(ttl));
    let mut ks = ctx.session.region.lock();
    let has_group = match stream_at(&mut ks, key, now) {
        Err(e) => return e,
        Ok(None) if sub == "create" && mkstream => false,
        Ok(None) => return err(reply::STREAM_XGROUP_NO_KEY),
        Ok(Some(stream)) => stream.groups.contains_key(group),
    };
    if !has_group && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer") {
        return reply::stream_nogroup_for_key(group, key);
    }
    match sub.as_str() {
        "create" => {
            if args.len() > 8 {
                return reply::subcommand_syntax("xgroup", &args[1]);
            }
            let id_arg = &args[4];
            let stream_last = stream_at(&mut ks, key, now)
                .ok()
                .flatten()
                .map(|s| s.last_id);
            let id = if &id_arg[..] == b"$" {
                stream_last.unwrap_or(StreamId::MIN)
            } else {
                match parse_strict_id(id_arg) {
                    Ok(id) => id,
                    Err(e) => return e,
                }
            };
            if has_group {
                return err(reply::STREAM_BUSYGROUP);
            }
            if stream_last.is_none() {
                ks.set(key, Value::Stream(Box::default()), expiry, now);
            }
            let name = Bytes::copy_from_slice(group);
            let _ = edit_stream(&mut ks, key, now, |s| {
                s.groups.insert(name, Group::new(id, entries_read));
            });
            ks.record_write();
            ks.notify(STREAM, "xgroup-create", key);
            Frame::ok()
        }
        "setid" => {
            if args.len() != 5 && args.len() != 7 {
                return reply::subcommand_syntax("xgroup", &args[1]);
            }
            let stream = stream_at(&mut ks, key, now)
                .ok()
                .flatten()
                .expect("checked above");
            let id = if &args[4][..] == b"$" {
                stream.last_id
            } else {
                // Unlike CREATE, SETID takes `-` and `+` (Redis's non-strict parse).
                match parse_id(&args[4], 0, false) {
                    Ok(id) => id,
                    Err(e) => return e,
                }
            };
            let mut entries_read = UNKNOWN_ENTRIES_READ;
            if args.len() == 7 {
                if !is(&args[5], "ENTRIESREAD") {
                    return reply::subcommand_syntax("xgroup", &args[1]);
                }
                match entries_read_arg(&args[6]) {
                    Ok(n) => entries_read = n,
                    Err(e) => return e,
                }
            }
            let g = stream.groups.get_mut(group).expect("checked above");
            g.last_id = id;
            g.entries_read = entries_read;
            ks.record_write();
            ks.notify(STREAM, "xgroup-setid", key);
            Frame::ok()
        }
        "destroy" => {
            if !has_group {
                return Frame::Integer(0);
            }
            let _ = edit_stream(&mut ks, key, now, |s| s.groups.remove(group));
            ks.record_write();
            ks.notify(STREAM, "xgroup-destroy", key);
            // Clients blocked in XREADGROUP on this group hear that it is gone.
            ks.signal_ready(key);
            Frame::Integer(1)
        }
        "createconsumer" => {
            let name = Bytes::copy_from_slice(&args[4]);
            let created = edit_stream(&mut ks, key, now, |s| {
                s.groups
                    .get_mut(group)
                    .is_some_and(|g| g.create_consumer(&name, now))
            })
            .ok()
            .flatten()
            .unwrap_or(false);
            if created {
                ks.record_write();
                ks.notify(STREAM, "xgroup-createconsumer", key);
            }
            Frame::Integer(created as i64)
        }
        "delconsumer" => {
            let deleted = edit_stream(&mut ks, key, now, |s| {
                let g = s.groups.get_mut(group)?;
                let consumer = g.consumers.remove(&args[4][..])?;
                for id in &consumer.pending {
                    g.pending.remove(id);
                }
                Some(consumer.pending.len())
            })
            .ok()
            .flatten()
            .flatten();
            match deleted {
                Some(pending) => {
                    ks.record_write();
                    ks.notify(STREAM, "xgroup-delconsumer", key);
                    Frame::Integer(pending as i64)
                }
                None => Frame::Integer(0),
            }
        }
        _ => unreachable!("subcommands are listed in xgroup_arity"),
    }
}

/// `XACK key group id ...`
pub(super) fn xack(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (key, group) = (&args[1], &args[2]);
    let mut ks = ctx.session.region.lock();
    match stream_at(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(Some(stream)) if stream.groups.contains_key(group) => {}
        Ok(_) => return Frame::Integer(0),
    }
    // All or nothing: a bad ID acknowledges none.
    let ids = match args[3..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let acked = edit_stream(&mut ks, key, ctx.now, |s| {
        let g = s.groups.get_mut(group).expect("checked above");
        ids.iter().filter(|id| g.unpend(**id)).count()
    })
    .ok()
    .flatten()
    .unwrap_or(0);
    if acked > 0 {
        ks.record_write();
    }
    Frame::Integer(acked as i64)
}

/// The group `group` of the stream under `key`, or the NOGROUP/WRONGTYPE error.
fn group_of<'a>(
    ks: &'a mut crate::store::Keyspace,
    key: &[u8],
    group: &[u8],
    now: u64,
) -> Result<&'a mut Stream, Frame> {
    match stream_at(ks, key, now)? {
        Some(stream) if stream.groups.contains_key(group) => Ok(stream),
        _ => Err(reply::stream_nogroup(key, group, "")),
    }
}

/// `XPENDING key group [[IDLE ms] start end count [consumer]]`
pub(super) fn xpending(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let argc = args.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return err(reply::SYNTAX);
    }
    let mut extended = None;
    if argc >= 6 {
        let mut at = 3;
        let mut min_idle = 0;
        if is(&args[3], "IDLE") {
            match int_arg(&args[4]) {
                Ok(n) => min_idle = n,
                Err(e) => return e,
            }
            if argc < 8 {
                return err(reply::SYNTAX);
            }
            at += 2;
        }
        let count = match int_arg(&args[at + 2]) {
            Ok(n) => n.max(0) as u64,
            Err(e) => return e,
        };
        let bounds = parse_bound(&args[at], 0, true)
            .and_then(|start| Ok((start, parse_bound(&args[at + 1], u64::MAX, false)?)));
        let (start, end) = match bounds {
            Ok(bounds) => bounds,
            Err(e) => return e,
        };
        let consumer = args.get(at + 3);
        if at + 4 < argc {
            return err(reply::SYNTAX);
        }
        extended = Some((min_idle, start, end, count, consumer));
    }
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    let stream = match group_of(&mut ks, &args[1], &args[2], now) {
        Ok(stream) => stream,
        Err(e) => return e,
    };
    let g = &stream.groups[&args[2][..]];
    let Some((min_idle, start, end, count, consumer)) = extended else {
        return pending_summary(g);
    };
    let pel: Box<dyn Iterator<Item = (StreamId, &PendingEntry)>> = match consumer {
        Some(name) => match g.consumers.get(&name[..]) {
            None => return Frame::Array(Vec::new()),
            Some(c) => Box::new(c.pending.iter().map(|id| (*id, &g.pending[id]))),
        },
        None => Box::new(g.pending.iter().map(|(id, p)| (*id, p))),
    };
    let rows = pel
        .filter(|(id, _)| *id >= start && *id <= end)
        .filter(|(_, p)| min_idle <= 0 || now.saturating_sub(p.delivery_time) as i64 >= min_idle)
        .take(count as usize)
        .map(|(id, p)| {
            Frame::Array(vec![
                id_frame(id),
                Frame::Bulk(p.consumer.clone()),
                Frame::Integer(now.saturating_sub(p.delivery_time) as i64),
                Frame::Integer(p.delivery_count as i64),
            ])
        })
        .collect();
    Frame::Array(rows)
}

/// XPENDING's summary: count, first and last IDs, and pending counts per consumer.
fn pending_summary(g: &Group) -> Frame {
    let (Some(first), Some(last)) = (g.pending.keys().next(), g.pending.keys().next_back()) else {
        return Frame::Array(vec![
            Frame::Integer(0),
            Frame::Null,
            Frame::Null,
            Frame::NullArray,
        ]);
    };
    let consumers = g
        .consumers
        .iter()
        .filter(|(_, c)| !c.pending.is_empty())
        .map(|(name, c)| {
            Frame::Array(vec![
                Frame::Bulk(name.clone()),
                Frame::Bulk(Bytes::from(c.pending.len().to_string())),
            ])
        })
        .collect();
    Frame::Array(vec![
        Frame::Integer(g.pending.len() as i64),
        id_frame(*first),
        id_frame(*last),
        Frame::Array(consumers),
    ])
}

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
