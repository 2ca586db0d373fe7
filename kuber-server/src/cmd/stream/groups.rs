//! Consumer groups: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP), XACK and
//! XPENDING. Claims (XCLAIM, XAUTOCLAIM) live in `claim`.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{edit_stream, id_frame, parse_bound, parse_id, parse_strict_id, stream_at};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::notify::STREAM;
use crate::store::stream::{Group, PendingEntry, Stream, StreamId, UNKNOWN_ENTRIES_READ};
use crate::store::{Keyspace, Value};

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
    match int(arg)? {
        n if n < 0 && n != UNKNOWN_ENTRIES_READ => Err(err(reply::STREAM_ENTRIES_READ)),
        n => Ok(n),
    }
}

/// `XGROUP subcommand ...`: checks the subcommand's arity, CREATE's options, the key and (for
/// SETID, CREATECONSUMER, DELCONSUMER) the group, in Redis's order, then runs the subcommand.
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
    let create = if sub == "create" {
        match parse_create_options(args) {
            Ok(options) => Some(options),
            Err(e) => return e,
        }
    } else {
        None
    };
    let mkstream = create.is_some_and(|(mkstream, _)| mkstream);
    let (key, group) = (&args[2], &args[3]);
    let now = ctx.now;
    let expiry = ctx
        .region()
        .default_ttl_ms()
        .map(|ttl| now.saturating_add(ttl));
    let mut ks = ctx.session.region.lock();
    let has_group = match stream_at(&mut ks, key, now) {
        Err(e) => return e,
        Ok(None) if mkstream => false,
        Ok(None) => return err(reply::STREAM_XGROUP_NO_KEY),
        Ok(Some(stream)) => stream.groups.contains_key(group),
    };
    if !has_group && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer") {
        return reply::stream_nogroup_for_key(group, key);
    }
    let at = GroupAt {
        ks: &mut ks,
        key,
        group,
        now,
    };
    match (sub.as_str(), create) {
        ("create", Some((_, entries_read))) => {
            create_group(at, args, has_group, entries_read, expiry)
        }
        ("setid", _) => set_group_id(at, args),
        ("destroy", _) if !has_group => Frame::Integer(0),
        ("destroy", _) => destroy_group(at),
        ("createconsumer", _) => create_consumer(at, &args[4]),
        ("delconsumer", _) => delete_consumer(at, &args[4]),
        _ => unreachable!("subcommands are listed in xgroup_arity"),
    }
}

/// CREATE's options after the ID: MKSTREAM and ENTRIESREAD (default unknown).
fn parse_create_options(args: &[Bytes]) -> Result<(bool, i64), Frame> {
    if args.len() > 8 {
        return Err(reply::subcommand_syntax("xgroup", &args[1]));
    }
    let (mut mkstream, mut entries_read) = (false, UNKNOWN_ENTRIES_READ);
    let mut i = 5;
    while i < args.len() {
        if is(&args[i], "MKSTREAM") {
            mkstream = true;
            i += 1;
        } else if is(&args[i], "ENTRIESREAD") && i + 1 < args.len() {
            entries_read = entries_read_arg(&args[i + 1])?;
            i += 2;
        } else {
            return Err(reply::subcommand_syntax("xgroup", &args[1]));
        }
    }
    Ok((mkstream, entries_read))
}

/// The locked keyspace and the key and group an XGROUP subcommand acts on.
struct GroupAt<'a, 'k> {
    ks: &'a mut Keyspace,
    key: &'k [u8],
    group: &'k [u8],
    now: u64,
}

/// `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]`
fn create_group(
    at: GroupAt<'_, '_>,
    args: &[Bytes],
    exists: bool,
    entries_read: i64,
    expiry: Option<u64>,
) -> Frame {
    let GroupAt {
        ks,
        key,
        group,
        now,
    } = at;
    let last_id = stream_at(ks, key, now).ok().flatten().map(|s| s.last_id);
    let id = if &args[4][..] == b"$" {
        last_id.unwrap_or(StreamId::MIN)
    } else {
        match parse_strict_id(&args[4]) {
            Ok(id) => id,
            Err(e) => return e,
        }
    };
    if exists {
        return err(reply::STREAM_BUSYGROUP);
    }
    if last_id.is_none() {
        // MKSTREAM, now that nothing can fail.
        ks.set(key, Value::Stream(Box::default()), expiry, now);
    }
    let name = Bytes::copy_from_slice(group);
    let _ = edit_stream(ks, key, now, |s| {
        s.groups.insert(name, Group::new(id, entries_read));
    });
    ks.record_write();
    ks.notify(STREAM, "xgroup-create", key);
    Frame::ok()
}

/// `XGROUP SETID key group id|$ [ENTRIESREAD n]`
fn set_group_id(at: GroupAt<'_, '_>, args: &[Bytes]) -> Frame {
    if args.len() != 5 && args.len() != 7 {
        return reply::subcommand_syntax("xgroup", &args[1]);
    }
    let GroupAt {
        ks,
        key,
        group,
        now,
    } = at;
    let Ok(Some(stream)) = stream_at(ks, key, now) else {
        unreachable!("the caller found the group");
    };
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
    let g = stream.groups.get_mut(group).expect("the caller found it");
    g.last_id = id;
    g.entries_read = entries_read;
    ks.record_write();
    ks.notify(STREAM, "xgroup-setid", key);
    Frame::ok()
}

/// `XGROUP DESTROY key group` of an existing group.
fn destroy_group(at: GroupAt<'_, '_>) -> Frame {
    let GroupAt {
        ks,
        key,
        group,
        now,
    } = at;
    let _ = edit_stream(ks, key, now, |s| s.groups.remove(group));
    ks.record_write();
    ks.notify(STREAM, "xgroup-destroy", key);
    // Clients blocked in XREADGROUP on this group hear that it is gone.
    ks.signal_ready(key);
    Frame::Integer(1)
}

/// `XGROUP CREATECONSUMER key group consumer`: 1 when created, 0 when it existed.
fn create_consumer(at: GroupAt<'_, '_>, consumer: &[u8]) -> Frame {
    let GroupAt {
        ks,
        key,
        group,
        now,
    } = at;
    let name = Bytes::copy_from_slice(consumer);
    let created = edit_stream(ks, key, now, |s| {
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

/// `XGROUP DELCONSUMER key group consumer`: the number of pending entries it had, which leave
/// the group's PEL with it.
fn delete_consumer(at: GroupAt<'_, '_>, consumer: &[u8]) -> Frame {
    let GroupAt {
        ks,
        key,
        group,
        now,
    } = at;
    let deleted = edit_stream(ks, key, now, |s| {
        let g = s.groups.get_mut(group)?;
        let gone = g.consumers.remove(consumer)?;
        for id in &gone.pending {
            g.pending.remove(id);
        }
        Some(gone.pending.len())
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
        // Redis notifies only when a consumer went.
        None => Frame::Integer(0),
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
pub(super) fn group_of<'a>(
    ks: &'a mut Keyspace,
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
            match int(&args[4]) {
                Ok(n) => min_idle = n,
                Err(e) => return e,
            }
            if argc < 8 {
                return err(reply::SYNTAX);
            }
            at += 2;
        }
        let count = match int(&args[at + 2]) {
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
