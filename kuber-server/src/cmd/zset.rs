//! Sorted-set commands: the family's table rows, ZADD and ZINCRBY, removal, scores, ranks, counts,
//! range removal and ZSCAN here; ranges in `range`, pops (blocking ones included) in `pop`, set
//! algebra in `algebra`, ZRANDMEMBER in `random`. Redis 7.0's replies throughout: scores are RESP3
//! doubles, and in RESP2 (and in ZSCAN) the `%.17g` text Redis 7.0 prints (`1.1000000000000001`).

use bytes::Bytes;
use kuber_protocol::{Frame, ProtocolVersion};

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::Handler::{Blocking as Block, Sync};
use super::table::{CommandSpec, DENY_OOM, FAST, KEY1, NO_SCRIPT, NOKEYS, READONLY, WRITE};
use crate::notify;
use crate::store::glob::glob_match;
use crate::store::zset::{LexRange, ScoreRange, Scored, ZSet, format_score, parse_score};
use crate::store::{Keyspace, Value};

/// Keys of BZPOPMIN/BZPOPMAX: every argument but the name and the trailing timeout.
const BLOCK_KEYS: (i32, i32, i32) = (1, -2, 1);

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "zadd",
        -4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "sorted-set",
        "Adds members to a sorted set or updates their scores (NX XX GT LT CH INCR).",
        Sync(zadd)
    ),
    cmd!(
        "zincrby",
        4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "sorted-set",
        "Increments the score of a member of a sorted set.",
        Sync(zincrby)
    ),
    cmd!(
        "zrem",
        -3,
        WRITE | FAST,
        KEY1,
        "sorted-set",
        "Removes members from a sorted set.",
        Sync(zrem)
    ),
    cmd!(
        "zscore",
        3,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Returns the score of a member of a sorted set.",
        Sync(zscore)
    ),
    cmd!(
        "zmscore",
        -3,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Returns the scores of several members of a sorted set.",
        Sync(zmscore)
    ),
    cmd!(
        "zcard",
        2,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Returns the number of members of a sorted set.",
        Sync(zcard)
    ),
    cmd!(
        "zcount",
        4,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Counts the members of a sorted set within a score range.",
        Sync(zcount)
    ),
    cmd!(
        "zlexcount",
        4,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Counts the members of a sorted set within a lexicographical range.",
        Sync(zlexcount)
    ),
    cmd!(
        "zrank",
        3,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Returns the rank of a member, scores ascending.",
        Sync(zrank)
    ),
    cmd!(
        "zrevrank",
        3,
        READONLY | FAST,
        KEY1,
        "sorted-set",
        "Returns the rank of a member, scores descending.",
        Sync(zrevrank)
    ),
    cmd!(
        "zrange",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members in a range of ranks, scores or members (BYSCORE BYLEX REV LIMIT WITHSCORES).",
        Sync(range::zrange)
    ),
    cmd!(
        "zrangebyscore",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members within a score range.",
        Sync(range::zrangebyscore)
    ),
    cmd!(
        "zrevrangebyscore",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members within a score range, scores descending.",
        Sync(range::zrevrangebyscore)
    ),
    cmd!(
        "zrevrange",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members in a range of ranks, scores descending.",
        Sync(range::zrevrange)
    ),
    cmd!(
        "zrangebylex",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members within a lexicographical range.",
        Sync(range::zrangebylex)
    ),
    cmd!(
        "zrevrangebylex",
        -4,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns members within a lexicographical range, in reverse order.",
        Sync(range::zrevrangebylex)
    ),
    cmd!(
        "zpopmin",
        -2,
        WRITE | FAST,
        KEY1,
        "sorted-set",
        "Removes and returns the members with the lowest scores.",
        Sync(pop::zpopmin)
    ),
    cmd!(
        "zpopmax",
        -2,
        WRITE | FAST,
        KEY1,
        "sorted-set",
        "Removes and returns the members with the highest scores.",
        Sync(pop::zpopmax)
    ),
    cmd!(
        "zremrangebyrank",
        4,
        WRITE,
        KEY1,
        "sorted-set",
        "Removes the members within a range of ranks.",
        Sync(zremrangebyrank)
    ),
    cmd!(
        "zremrangebyscore",
        4,
        WRITE,
        KEY1,
        "sorted-set",
        "Removes the members within a score range.",
        Sync(zremrangebyscore)
    ),
    cmd!(
        "zremrangebylex",
        4,
        WRITE,
        KEY1,
        "sorted-set",
        "Removes the members within a lexicographical range.",
        Sync(zremrangebylex)
    ),
    cmd!(
        "zscan",
        -3,
        READONLY,
        KEY1,
        "sorted-set",
        "Iterates over the members and scores of a sorted set.",
        Sync(zscan)
    ),
    cmd!(
        "zrangestore",
        -5,
        WRITE | DENY_OOM,
        (1, 2, 1),
        "sorted-set",
        "Stores a range of members of a sorted set in another key.",
        Sync(range::zrangestore)
    ),
    cmd!(
        "zrandmember",
        -2,
        READONLY,
        KEY1,
        "sorted-set",
        "Returns random members of a sorted set (negative count: picks may repeat).",
        Sync(random::zrandmember)
    ),
    // Redis reports 0 0 0 (movablekeys) for the numkeys commands; their STORE forms name the
    // destination only.
    cmd!(
        "zunion",
        -3,
        READONLY,
        NOKEYS,
        "sorted-set",
        "Returns the union of sorted sets (WEIGHTS AGGREGATE WITHSCORES).",
        Sync(algebra::zunion)
    ),
    cmd!(
        "zinter",
        -3,
        READONLY,
        NOKEYS,
        "sorted-set",
        "Returns the intersection of sorted sets (WEIGHTS AGGREGATE WITHSCORES).",
        Sync(algebra::zinter)
    ),
    cmd!(
        "zdiff",
        -3,
        READONLY,
        NOKEYS,
        "sorted-set",
        "Returns the members of the first sorted set that are in none of the others.",
        Sync(algebra::zdiff)
    ),
    cmd!(
        "zunionstore",
        -4,
        WRITE | DENY_OOM,
        KEY1,
        "sorted-set",
        "Stores the union of sorted sets in a key.",
        Sync(algebra::zunionstore)
    ),
    cmd!(
        "zinterstore",
        -4,
        WRITE | DENY_OOM,
        KEY1,
        "sorted-set",
        "Stores the intersection of sorted sets in a key.",
        Sync(algebra::zinterstore)
    ),
    cmd!(
        "zdiffstore",
        -4,
        WRITE | DENY_OOM,
        KEY1,
        "sorted-set",
        "Stores the difference of sorted sets in a key.",
        Sync(algebra::zdiffstore)
    ),
    cmd!(
        "zintercard",
        -3,
        READONLY,
        NOKEYS,
        "sorted-set",
        "Returns the size of the intersection of sorted sets, optionally stopping at a limit.",
        Sync(algebra::zintercard)
    ),
    cmd!(
        "zmpop",
        -4,
        WRITE,
        NOKEYS,
        "sorted-set",
        "Removes and returns members from the first non-empty sorted set (MIN|MAX COUNT).",
        Sync(pop::zmpop)
    ),
    cmd!(
        "bzmpop",
        -5,
        WRITE | NO_SCRIPT,
        NOKEYS,
        "sorted-set",
        "ZMPOP, or waits for a member to be added when every sorted set is empty.",
        Block(pop::bzmpop)
    ),
    cmd!(
        "bzpopmin",
        -3,
        WRITE | FAST | NO_SCRIPT,
        BLOCK_KEYS,
        "sorted-set",
        "Removes and returns the lowest member of the first non-empty sorted set, or waits.",
        Block(pop::bzpopmin)
    ),
    cmd!(
        "bzpopmax",
        -3,
        WRITE | FAST | NO_SCRIPT,
        BLOCK_KEYS,
        "sorted-set",
        "Removes and returns the highest member of the first non-empty sorted set, or waits.",
        Block(pop::bzpopmax)
    ),
];

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

fn resp3(ctx: &Ctx<'_>) -> bool {
    ctx.session.protocol == ProtocolVersion::Resp3
}

/// A score reply: a RESP3 double, or in RESP2 a bulk string of Redis 7.0's `%.17g` text.
fn score_frame(resp3: bool, score: f64) -> Frame {
    if resp3 {
        Frame::Double(score)
    } else {
        Frame::Bulk(Bytes::from(format_score(score)))
    }
}

/// Members, with their scores after each (RESP2) or as `[member, score]` pairs (RESP3).
fn members_reply(items: Vec<Scored>, withscores: bool, resp3: bool) -> Frame {
    if !withscores {
        return Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect());
    }
    if resp3 {
        return Frame::Array(
            items
                .into_iter()
                .map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), Frame::Double(s)]))
                .collect(),
        );
    }
    let mut flat = Vec::with_capacity(items.len() * 2);
    for (m, s) in items {
        flat.push(Frame::Bulk(m));
        flat.push(score_frame(false, s));
    }
    Frame::Array(flat)
}

/// Runs `found` on the sorted set under `key` (or `missing` without one), counting a hit or miss.
fn read(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    missing: impl FnOnce() -> Frame,
    found: impl FnOnce(&ZSet) -> Frame,
) -> Frame {
    let mut ks = ctx.session.region.lock();
    let reply = match ks.get_mut(key, ctx.now) {
        None => None,
        Some(entry) => match &entry.value {
            Value::ZSet(z) => Some(found(z)),
            _ => return err(reply::WRONGTYPE),
        },
    };
    ks.record_read(reply.is_some());
    reply.unwrap_or_else(missing)
}

/// Runs `f` on the sorted set under `key` in place. `f` returns its result and whether it changed
/// the set. Accounts the memory difference, counts the write and notifies `event`, and deletes the
/// key when emptied (notifying `del`). `Ok(None)` when the key does not exist.
fn edit<T>(
    ks: &mut Keyspace,
    key: &[u8],
    now: u64,
    event: &'static str,
    f: impl FnOnce(&mut ZSet) -> (T, bool),
) -> Result<Option<T>, Frame> {
    let Some(entry) = ks.get_mut(key, now) else {
        return Ok(None);
    };
    let Value::ZSet(z) = &mut entry.value else {
        return Err(err(reply::WRONGTYPE));
    };
    let before = z.memory_bytes();
    let (out, changed) = f(z);
    let delta = z.memory_bytes() as i64 - before as i64;
    let emptied = z.is_empty();
    ks.adjust_memory(delta);
    if changed {
        ks.record_write();
        ks.notify(notify::ZSET, event, key);
    }
    if emptied {
        ks.take(key);
        ks.notify(notify::GENERIC, "del", key);
    }
    Ok(Some(out))
}

/// [`edit`] under the region lock, replying `missing` for an absent key.
fn edit_reply(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    missing: Frame,
    event: &'static str,
    f: impl FnOnce(&mut ZSet) -> (Frame, bool),
) -> Frame {
    let mut ks = ctx.session.region.lock();
    match edit(&mut ks, key, ctx.now, event, f) {
        Ok(Some(reply)) => reply,
        Ok(None) => missing,
        Err(e) => e,
    }
}

// ---- ZADD, ZINCRBY ----

#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Added {
    New,
    Updated,
    /// Processed, same score.
    Same,
    /// Skipped by NX, XX, GT or LT.
    Nop,
}

/// Redis's `zsetAdd` for one pair: the outcome and the member's score afterwards, or `Err` when
/// an increment gives NaN.
fn add_one(
    z: &mut ZSet,
    flags: AddFlags,
    score: f64,
    member: &[u8],
) -> Result<(Added, f64), Frame> {
    let Some(current) = z.score(member) else {
        if flags.xx {
            return Ok((Added::Nop, score));
        }
        z.add(member, score);
        return Ok((Added::New, score));
    };
    if flags.nx {
        return Ok((Added::Nop, current));
    }
    let score = if flags.incr { current + score } else { score };
    if score.is_nan() {
        return Err(err(reply::ZSET_NAN));
    }
    if (flags.lt && score >= current) || (flags.gt && score <= current) {
        return Ok((Added::Nop, current));
    }
    if score == current {
        return Ok((Added::Same, score));
    }
    z.add(member, score);
    Ok((Added::Updated, score))
}

/// Totals of one ZADD: (added, updated, processed, last score).
fn add_all(
    z: &mut ZSet,
    flags: AddFlags,
    pairs: &[(f64, &Bytes)],
) -> Result<(i64, i64, i64, f64), Frame> {
    let (mut added, mut updated, mut processed, mut last) = (0, 0, 0, 0.0);
    for &(score, member) in pairs {
        let (outcome, score) = add_one(z, flags, score, member)?;
        added += (outcome == Added::New) as i64;
        updated += (outcome == Added::Updated) as i64;
        processed += (outcome != Added::Nop) as i64;
        last = score;
    }
    Ok((added, updated, processed, last))
}

/// ZADD, and ZINCRBY as ZADD with INCR (Redis parses both the same way, options included).
fn zadd_generic(ctx: &mut Ctx<'_>, args: &[Bytes], incr: bool) -> Frame {
    let mut flags = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if is(a, "NX") {
            flags.nx = true;
        } else if is(a, "XX") {
            flags.xx = true;
        } else if is(a, "CH") {
            ch = true;
        } else if is(a, "INCR") {
            flags.incr = true;
        } else if is(a, "GT") {
            flags.gt = true;
        } else if is(a, "LT") {
            flags.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = &args[i..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return err(reply::SYNTAX);
    }
    if flags.nx && flags.xx {
        return err(reply::ZSET_XX_NX);
    }
    // Any two of GT, LT and NX.
    if u8::from(flags.gt) + u8::from(flags.lt) + u8::from(flags.nx) > 1 {
        return err(reply::ZSET_GT_LT_NX);
    }
    if flags.incr && rest.len() > 2 {
        return err(reply::ZSET_INCR_PAIR);
    }
    let mut pairs = Vec::with_capacity(rest.len() / 2);
    for pair in rest.chunks_exact(2) {
        let Some(score) = parse_score(&pair[0]) else {
            return err(reply::NOT_FLOAT);
        };
        pairs.push((score, &pair[1]));
    }
    let resp3 = resp3(ctx);
    let default = default_expiry(ctx);
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let event = if flags.incr { "zincr" } else { "zadd" };
    let totals = match edit(&mut ks, key, ctx.now, event, |z| {
        match add_all(z, flags, &pairs) {
            Ok(t) => (Ok(t), t.0 + t.1 > 0),
            Err(e) => (Err(e), false),
        }
    }) {
        Err(e) => return e,
        Ok(Some(Err(e))) => return e,
        Ok(Some(Ok(totals))) => totals,
        Ok(None) if flags.xx => (0, 0, 0, 0.0),
        Ok(None) => {
            let longest = pairs.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
            let mut z = ZSet::for_insert(pairs.len(), longest);
            let totals = match add_all(&mut z, flags, &pairs) {
                Ok(t) => t,
                Err(e) => return e,
            };
            if !z.is_empty() {
                ks.set(key, Value::ZSet(z), default, ctx.now);
                ks.notify(notify::ZSET, event, key);
            }
            totals
        }
    };
    if totals.0 > 0 {
        // New members can serve a client blocked in BZPOPMIN/BZMPOP on this key.
        ks.signal_ready(key);
    }
    let (added, updated, processed, last) = totals;
    if flags.incr {
        if processed > 0 {
            score_frame(resp3, last)
        } else {
            Frame::Null
        }
    } else {
        Frame::Integer(if ch { added + updated } else { added })
    }
}

pub(super) fn zadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    zadd_generic(ctx, args, false)
}

pub(super) fn zincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    zadd_generic(ctx, args, true)
}

// ---- removal, scores, counts, ranks ----

pub(super) fn zrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    edit_reply(ctx, &args[1], Frame::Integer(0), "zrem", |z| {
        let removed = args[2..].iter().filter(|m| z.remove(m).is_some()).count() as i64;
        (Frame::Integer(removed), removed > 0)
    })
}

pub(super) fn zscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let resp3 = resp3(ctx);
    read(
        ctx,
        &args[1],
        || Frame::Null,
        |z| {
            z.score(&args[2])
                .map_or(Frame::Null, |s| score_frame(resp3, s))
        },
    )
}

pub(super) fn zmscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let resp3 = resp3(ctx);
    let members = &args[2..];
    read(
        ctx,
        &args[1],
        || Frame::Array(vec![Frame::Null; members.len()]),
        |z| {
            Frame::Array(
                members
                    .iter()
                    .map(|m| z.score(m).map_or(Frame::Null, |s| score_frame(resp3, s)))
                    .collect(),
            )
        },
    )
}

pub(super) fn zcard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    read(
        ctx,
        &args[1],
        || Frame::Integer(0),
        |z| Frame::Integer(z.len() as i64),
    )
}

pub(super) fn zcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = ScoreRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_FLOAT);
    };
    read(
        ctx,
        &args[1],
        || Frame::Integer(0),
        |z| Frame::Integer(z.score_count(&range) as i64),
    )
}

pub(super) fn zlexcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = LexRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_LEX);
    };
    read(
        ctx,
        &args[1],
        || Frame::Integer(0),
        |z| Frame::Integer(z.lex_count(&range) as i64),
    )
}

fn rank_generic(ctx: &mut Ctx<'_>, args: &[Bytes], rev: bool) -> Frame {
    read(
        ctx,
        &args[1],
        || Frame::Null,
        |z| match z.rank(&args[2]) {
            Some(rank) => Frame::Integer(if rev { z.len() - 1 - rank } else { rank } as i64),
            None => Frame::Null,
        },
    )
}

pub(super) fn zrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, false)
}

pub(super) fn zrevrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, true)
}

// ---- range removal ----

fn removed_reply(n: usize) -> (Frame, bool) {
    (Frame::Integer(n as i64), n > 0)
}

pub(super) fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (start, end) = match (int(&args[2]), int(&args[3])) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), "zremrangebyrank", |z| {
        removed_reply(
            range::rank_window(z.len(), start, end).map_or(0, |(s, e)| z.remove_rank_range(s, e)),
        )
    })
}

pub(super) fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = ScoreRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_FLOAT);
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), "zremrangebyscore", |z| {
        removed_reply(z.remove_score_range(&range))
    })
}

pub(super) fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = LexRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_LEX);
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), "zremrangebylex", |z| {
        removed_reply(z.remove_lex_range(&range))
    })
}

// ---- ZSCAN ----

pub(super) fn zscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(cursor) = super::args::scan_cursor(&args[2]) else {
        return err(reply::INVALID_CURSOR);
    };
    let empty = || {
        Frame::Array(vec![
            Frame::Bulk(Bytes::from_static(b"0")),
            Frame::Array(Vec::new()),
        ])
    };
    read(ctx, &args[1], empty, |z| {
        // Options are read after the key, as Redis does: a missing key answers even bad options.
        let mut count = 10usize;
        let mut pattern: Option<&[u8]> = None;
        let mut i = 3;
        while i < args.len() {
            if args.len() - i < 2 {
                return err(reply::SYNTAX);
            }
            let (opt, value) = (&args[i], &args[i + 1]);
            if is(opt, "COUNT") {
                match int(value) {
                    Ok(n) if n >= 1 => count = n as usize,
                    Ok(_) => return err(reply::SYNTAX),
                    Err(e) => return e,
                }
            } else if is(opt, "MATCH") {
                pattern = (value[..] != b"*"[..]).then_some(&value[..]);
            } else {
                return err(reply::SYNTAX);
            }
            i += 2;
        }
        let (next, items) = z.scan(cursor, count);
        let mut flat = Vec::with_capacity(items.len() * 2);
        for (m, s) in items {
            if pattern.is_none_or(|p| glob_match(p, &m)) {
                flat.push(Frame::Bulk(m));
                // ZSCAN sends scores as bulk strings in RESP3 too.
                flat.push(Frame::Bulk(Bytes::from(format_score(s))));
            }
        }
        let next = Bytes::copy_from_slice(itoa::Buffer::new().format(next).as_bytes());
        Frame::Array(vec![Frame::Bulk(next), Frame::Array(flat)])
    })
}

mod algebra;
mod pop;
mod random;
mod range;

#[cfg(test)]
mod tests;
