//! Sorted-set commands: ZADD and ZINCRBY, removal, scores, ranks, ranges by rank, score and lex,
//! counts, pops, range removal and ZSCAN, with Redis 7.0's replies: scores are RESP3 doubles, and
//! in RESP2 (and in ZSCAN) the `%.17g` text Redis 7.0 prints (`1.1000000000000001`).

use bytes::Bytes;
use kuber_protocol::{Frame, ProtocolVersion};

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::{CommandSpec, DENY_OOM, FAST, Handler::Sync, KEY1, READONLY, WRITE};
use crate::store::glob::glob_match;
use crate::store::zset::{LexRange, ScoreRange, Scored, ZSet, format_score, parse_score};
use crate::store::{Keyspace, Value};

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!("zadd", -4, WRITE | DENY_OOM | FAST, KEY1, "sorted-set", "Adds members to a sorted set or updates their scores (NX XX GT LT CH INCR).", Sync(zadd)),
    cmd!("zincrby", 4, WRITE | DENY_OOM | FAST, KEY1, "sorted-set", "Increments the score of a member of a sorted set.", Sync(zincrby)),
    cmd!("zrem", -3, WRITE | FAST, KEY1, "sorted-set", "Removes members from a sorted set.", Sync(zrem)),
    cmd!("zscore", 3, READONLY | FAST, KEY1, "sorted-set", "Returns the score of a member of a sorted set.", Sync(zscore)),
    cmd!("zmscore", -3, READONLY | FAST, KEY1, "sorted-set", "Returns the scores of several members of a sorted set.", Sync(zmscore)),
    cmd!("zcard", 2, READONLY | FAST, KEY1, "sorted-set", "Returns the number of members of a sorted set.", Sync(zcard)),
    cmd!("zcount", 4, READONLY | FAST, KEY1, "sorted-set", "Counts the members of a sorted set within a score range.", Sync(zcount)),
    cmd!("zlexcount", 4, READONLY | FAST, KEY1, "sorted-set", "Counts the members of a sorted set within a lexicographical range.", Sync(zlexcount)),
    cmd!("zrank", 3, READONLY | FAST, KEY1, "sorted-set", "Returns the rank of a member, scores ascending.", Sync(zrank)),
    cmd!("zrevrank", 3, READONLY | FAST, KEY1, "sorted-set", "Returns the rank of a member, scores descending.", Sync(zrevrank)),
    cmd!("zrange", -4, READONLY, KEY1, "sorted-set", "Returns members in a range of ranks, scores or members (BYSCORE BYLEX REV LIMIT WITHSCORES).", Sync(zrange)),
    cmd!("zrangebyscore", -4, READONLY, KEY1, "sorted-set", "Returns members within a score range.", Sync(zrangebyscore)),
    cmd!("zrevrangebyscore", -4, READONLY, KEY1, "sorted-set", "Returns members within a score range, scores descending.", Sync(zrevrangebyscore)),
    cmd!("zrevrange", -4, READONLY, KEY1, "sorted-set", "Returns members in a range of ranks, scores descending.", Sync(zrevrange)),
    cmd!("zrangebylex", -4, READONLY, KEY1, "sorted-set", "Returns members within a lexicographical range.", Sync(zrangebylex)),
    cmd!("zrevrangebylex", -4, READONLY, KEY1, "sorted-set", "Returns members within a lexicographical range, in reverse order.", Sync(zrevrangebylex)),
    cmd!("zpopmin", -2, WRITE | FAST, KEY1, "sorted-set", "Removes and returns the members with the lowest scores.", Sync(zpopmin)),
    cmd!("zpopmax", -2, WRITE | FAST, KEY1, "sorted-set", "Removes and returns the members with the highest scores.", Sync(zpopmax)),
    cmd!("zremrangebyrank", 4, WRITE, KEY1, "sorted-set", "Removes the members within a range of ranks.", Sync(zremrangebyrank)),
    cmd!("zremrangebyscore", 4, WRITE, KEY1, "sorted-set", "Removes the members within a score range.", Sync(zremrangebyscore)),
    cmd!("zremrangebylex", 4, WRITE, KEY1, "sorted-set", "Removes the members within a lexicographical range.", Sync(zremrangebylex)),
    cmd!("zscan", -3, READONLY, KEY1, "sorted-set", "Iterates over the members and scores of a sorted set.", Sync(zscan)),
];

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region().default_ttl_ms().map(|ttl| ctx.now.saturating_add(ttl))
}

fn resp3(ctx: &Ctx<'_>) -> bool {
    ctx.session.protocol == ProtocolVersion::Resp3
}

/// A score reply: a RESP3 double, or in RESP2 a bulk string of Redis 7.0's `%.17g` text.
fn score_frame(resp3: bool, score: f64) -> Frame {
    if resp3 { Frame::Double(score) } else { Frame::Bulk(Bytes::from(format_score(score))) }
}

/// Members, with their scores after each (RESP2) or as `[member, score]` pairs (RESP3).
fn members_reply(items: Vec<Scored>, withscores: bool, resp3: bool) -> Frame {
    if !withscores {
        return Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect());
    }
    if resp3 {
        return Frame::Array(items.into_iter().map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), Frame::Double(s)])).collect());
    }
    let mut flat = Vec::with_capacity(items.len() * 2);
    for (m, s) in items {
        flat.push(Frame::Bulk(m));
        flat.push(score_frame(false, s));
    }
    Frame::Array(flat)
}

/// Runs `found` on the sorted set under `key` (or `missing` without one), counting a hit or miss.
fn read(ctx: &mut Ctx<'_>, key: &[u8], missing: impl FnOnce() -> Frame, found: impl FnOnce(&ZSet) -> Frame) -> Frame {
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
/// the set. Accounts the memory difference, counts the write, and deletes the key when emptied.
/// `Ok(None)` when the key does not exist.
fn edit<T>(ks: &mut Keyspace, key: &[u8], now: u64, f: impl FnOnce(&mut ZSet) -> (T, bool)) -> Result<Option<T>, Frame> {
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
    }
    if emptied {
        ks.take(key);
    }
    Ok(Some(out))
}

/// [`edit`] under the region lock, replying `missing` for an absent key.
fn edit_reply(ctx: &mut Ctx<'_>, key: &[u8], missing: Frame, f: impl FnOnce(&mut ZSet) -> (Frame, bool)) -> Frame {
    let mut ks = ctx.session.region.lock();
    match edit(&mut ks, key, ctx.now, f) {
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
fn add_one(z: &mut ZSet, flags: AddFlags, score: f64, member: &[u8]) -> Result<(Added, f64), Frame> {
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
fn add_all(z: &mut ZSet, flags: AddFlags, pairs: &[(f64, &Bytes)]) -> Result<(i64, i64, i64, f64), Frame> {
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
    let mut flags = AddFlags { incr, ..AddFlags::default() };
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
    if rest.is_empty() || rest.len() % 2 != 0 {
        return err(reply::SYNTAX);
    }
    if flags.nx && flags.xx {
        return err(reply::ZSET_XX_NX);
    }
    if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
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
    let totals = match edit(&mut ks, key, ctx.now, |z| match add_all(z, flags, &pairs) {
        Ok(t) => (Ok(t), t.0 + t.1 > 0),
        Err(e) => (Err(e), false),
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
            }
            totals
        }
    };
    let (added, updated, processed, last) = totals;
    if flags.incr {
        if processed > 0 { score_frame(resp3, last) } else { Frame::Null }
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
    edit_reply(ctx, &args[1], Frame::Integer(0), |z| {
        let removed = args[2..].iter().filter(|m| z.remove(m).is_some()).count() as i64;
        (Frame::Integer(removed), removed > 0)
    })
}

pub(super) fn zscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let resp3 = resp3(ctx);
    read(ctx, &args[1], || Frame::Null, |z| z.score(&args[2]).map_or(Frame::Null, |s| score_frame(resp3, s)))
}

pub(super) fn zmscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let resp3 = resp3(ctx);
    let members = &args[2..];
    read(
        ctx,
        &args[1],
        || Frame::Array(vec![Frame::Null; members.len()]),
        |z| Frame::Array(members.iter().map(|m| z.score(m).map_or(Frame::Null, |s| score_frame(resp3, s))).collect()),
    )
}

pub(super) fn zcard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    read(ctx, &args[1], || Frame::Integer(0), |z| Frame::Integer(z.len() as i64))
}

pub(super) fn zcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = ScoreRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_FLOAT);
    };
    read(ctx, &args[1], || Frame::Integer(0), |z| Frame::Integer(z.score_count(&range) as i64))
}

pub(super) fn zlexcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = LexRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_LEX);
    };
    read(ctx, &args[1], || Frame::Integer(0), |z| Frame::Integer(z.lex_count(&range) as i64))
}

fn rank_generic(ctx: &mut Ctx<'_>, args: &[Bytes], rev: bool) -> Frame {
    read(ctx, &args[1], || Frame::Null, |z| match z.rank(&args[2]) {
        Some(rank) => Frame::Integer(if rev { z.len() - 1 - rank } else { rank } as i64),
        None => Frame::Null,
    })
}

pub(super) fn zrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, false)
}

pub(super) fn zrevrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    rank_generic(ctx, args, true)
}

// ---- ranges ----

/// Redis's index sanitising for rank ranges: negative counts from the end, `None` when empty.
fn rank_window(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

/// Members at ranks `start..=end` counted from the top (`rev`) or the bottom.
fn by_rank(z: &ZSet, start: i64, end: i64, rev: bool) -> Vec<Scored> {
    let Some((start, end)) = rank_window(z.len(), start, end) else {
        return Vec::new();
    };
    if !rev {
        return z.rank_range(start, end);
    }
    let top = z.len() - 1;
    let mut items = z.rank_range(top - end, top - start);
    items.reverse();
    items
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Rank,
    Score,
    Lex,
}

enum RangeSpec {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// Redis's `zrangeGenericCommand`: ZRANGE with every option, and the older range commands with
/// their kind and direction fixed (so that BYSCORE/BYLEX/REV are syntax errors there).
fn range_generic(ctx: &mut Ctx<'_>, args: &[Bytes], kind: Option<RangeKind>, rev: Option<bool>) -> Frame {
    let (mut kind, mut rev) = (kind, rev);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut i = 4;
    while i < args.len() {
        let a = &args[i];
        if is(a, "WITHSCORES") {
            withscores = true;
        } else if is(a, "LIMIT") && args.len() - i > 2 {
            match (int(&args[i + 1]), int(&args[i + 2])) {
                (Ok(o), Ok(l)) => (offset, limit) = (o, l),
                (Err(e), _) | (_, Err(e)) => return e,
            }
            i += 2;
        } else if rev.is_none() && is(a, "REV") {
            rev = Some(true);
        } else if kind.is_none() && is(a, "BYLEX") {
            kind = Some(RangeKind::Lex);
        } else if kind.is_none() && is(a, "BYSCORE") {
            kind = Some(RangeKind::Score);
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let kind = kind.unwrap_or(RangeKind::Rank);
    let rev = rev.unwrap_or(false);
    // Redis tests the count only: `LIMIT 5 -1` on a rank range passes.
    if limit != -1 && kind == RangeKind::Rank {
        return err(reply::ZSET_LIMIT_RANK);
    }
    if withscores && kind == RangeKind::Lex {
        return err(reply::ZSET_WITHSCORES_LEX);
    }
    // Reversed score and lex ranges are written max first.
    let (min, max) = if rev && kind != RangeKind::Rank { (&args[3], &args[2]) } else { (&args[2], &args[3]) };
    let spec = match kind {
        RangeKind::Rank => match (int(min), int(max)) {
            (Ok(start), Ok(end)) => RangeSpec::Rank(start, end),
            (Err(e), _) | (_, Err(e)) => return e,
        },
        RangeKind::Score => match ScoreRange::parse(min, max) {
            Some(range) => RangeSpec::Score(range),
            None => return err(reply::ZSET_MINMAX_FLOAT),
        },
        RangeKind::Lex => match LexRange::parse(min, max) {
            Some(range) => RangeSpec::Lex(range),
            None => return err(reply::ZSET_MINMAX_LEX),
        },
    };
    let resp3 = resp3(ctx);
    read(ctx, &args[1], || Frame::Array(Vec::new()), |z| {
        // A negative offset skips everything (Redis's `while (offset--)` runs off the end); a
        // negative count means no limit.
        let (offset, limit) = (usize::try_from(offset).ok(), usize::try_from(limit).ok());
        let items = match (&spec, offset) {
            (RangeSpec::Rank(start, end), _) => by_rank(z, *start, *end, rev),
            (_, None) => Vec::new(),
            (RangeSpec::Score(range), Some(offset)) => z.score_range(range, rev, offset, limit),
            (RangeSpec::Lex(range), Some(offset)) => z.lex_range(range, rev, offset, limit),
        };
        members_reply(items, withscores, resp3)
    })
}

pub(super) fn zrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, None, None)
}

pub(super) fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Score), Some(false))
}

pub(super) fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Score), Some(true))
}

pub(super) fn zrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Rank), Some(true))
}

pub(super) fn zrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Lex), Some(false))
}

pub(super) fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Lex), Some(true))
}

// ---- pops and range removal ----

fn pop_generic(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> Frame {
    if args.len() > 3 {
        return err(reply::SYNTAX);
    }
    let count = match args.get(2).map(|a| int(a)) {
        None => None,
        Some(Ok(n)) if n >= 0 => Some(n as usize),
        Some(_) => return err(reply::ZSET_COUNT_POSITIVE),
    };
    let resp3 = resp3(ctx);
    edit_reply(ctx, &args[1], Frame::Array(Vec::new()), |z| {
        let popped = z.pop(max, count.unwrap_or(1));
        let changed = !popped.is_empty();
        // A single pop is a flat [member, score] in both protocols; with a count RESP3 nests pairs.
        let reply = if count.is_some() {
            members_reply(popped, true, resp3)
        } else {
            Frame::Array(popped.into_iter().flat_map(|(m, s)| [Frame::Bulk(m), score_frame(resp3, s)]).collect())
        };
        (reply, changed)
    })
}

pub(super) fn zpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    pop_generic(ctx, args, false)
}

pub(super) fn zpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    pop_generic(ctx, args, true)
}

fn removed_reply(n: usize) -> (Frame, bool) {
    (Frame::Integer(n as i64), n > 0)
}

pub(super) fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (start, end) = match (int(&args[2]), int(&args[3])) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), |z| {
        removed_reply(rank_window(z.len(), start, end).map_or(0, |(s, e)| z.remove_rank_range(s, e)))
    })
}

pub(super) fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = ScoreRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_FLOAT);
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), |z| removed_reply(z.remove_score_range(&range)))
}

pub(super) fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(range) = LexRange::parse(&args[2], &args[3]) else {
        return err(reply::ZSET_MINMAX_LEX);
    };
    edit_reply(ctx, &args[1], Frame::Integer(0), |z| removed_reply(z.remove_lex_range(&range)))
}

// ---- ZSCAN ----

/// A cursor as Redis reads it with `strtoul`: no leading space, optional sign (`-1` wraps), the
/// empty string is 0, overflow is an error; a NUL byte ends the text.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let arg = &arg[..arg.iter().position(|&c| c == 0).unwrap_or(arg.len())];
    if arg.is_empty() {
        return Some(0);
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().try_fold(0u64, |v, d| v.checked_mul(10)?.checked_add((d - b'0') as u64))?;
    Some(if negative { value.wrapping_neg() } else { value })
}

pub(super) fn zscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(cursor) = parse_cursor(&args[2]) else {
        return err(reply::INVALID_CURSOR);
    };
    let empty = || Frame::Array(vec![Frame::Bulk(Bytes::from_static(b"0")), Frame::Array(Vec::new())]);
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

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::{TestClient, TestServer, server};

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    fn memory_consistent(s: &TestServer) {
        let region = s.state.store.default_region();
        let ks = region.lock();
        assert_eq!(ks.memory(), ks.recount_memory());
    }

    async fn seeded() -> (TestServer, TestClient) {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZADD z 1 a 2 b 3 c 4 d 5 e").await, ":5\r\n");
        assert_eq!(c.run("SET str x").await, "+OK\r\n");
        (s, c)
    }

    #[tokio::test]
    async fn zadd_options_and_replies() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZADD z 1 a 2 b").await, ":2\r\n");
        assert_eq!(c.run("ZADD z NX 5 a 3 c").await, ":1\r\n");
        assert_eq!(c.run("ZSCORE z a").await, "$1\r\n1\r\n");
        assert_eq!(c.run("ZADD z XX 7 a 9 new").await, ":0\r\n");
        assert_eq!(c.run("ZSCORE z a").await, "$1\r\n7\r\n");
        assert_eq!(c.run("ZSCORE z new").await, "$-1\r\n");
        assert_eq!(c.run("ZADD z CH 10 a 2 b 100 d").await, ":2\r\n");
        assert_eq!(c.run("ZADD z GT CH 1 a 20 b").await, ":1\r\n");
        assert_eq!(c.run("ZADD z LT CH 1 a 30 b").await, ":1\r\n");
        assert_eq!(c.run("ZADD z XX GT 0 a").await, ":0\r\n");
        assert_eq!(c.run("ZADD z GT 5 newgt").await, ":1\r\n");
        assert_eq!(c.run("ZADD z INCR 2.5 a").await, "$3\r\n3.5\r\n");
        assert_eq!(c.run("ZADD z INCR NX 1 a").await, "$-1\r\n");
        assert_eq!(c.run("ZADD z INCR XX 1 nope").await, "$-1\r\n");
        assert_eq!(c.run("ZADD z INCR GT -1 a").await, "$-1\r\n");
        assert_eq!(c.run("ZADD z INCR GT 0 a").await, "$-1\r\n");
        assert_eq!(c.run("ZADD z INCR LT -1 a").await, "$3\r\n2.5\r\n");
        assert_eq!(c.run("ZADD z 2.5 a").await, ":0\r\n");
        assert_eq!(c.run("ZADD z CH 2.5 a").await, ":0\r\n");
        assert_eq!(c.run("zadd z nx ch 1 brandnew").await, ":1\r\n");
        assert_eq!(c.run("ZADD xxkey XX 1 a").await, ":0\r\n");
        assert_eq!(c.run("ZADD xxkey XX INCR 1 a").await, "$-1\r\n");
        assert_eq!(c.run("EXISTS xxkey").await, ":0\r\n");
        assert_eq!(c.run("ZADD dup 1 a 2 a").await, ":1\r\n");
        assert_eq!(c.run("ZSCORE dup a").await, "$1\r\n2\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn zadd_errors_in_redis_order() {
        let (_s, mut c) = seeded().await;
        assert_eq!(c.run("ZADD z 1").await, "-ERR wrong number of arguments for 'zadd' command\r\n");
        assert_eq!(c.run("ZADD z 1 a 2").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZADD z NX XX").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZADD z foo 1 a").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZADD z NX XX 1 a").await, "-ERR XX and NX options at the same time are not compatible\r\n");
        let gtlt = "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n";
        assert_eq!(c.run("ZADD z GT LT 1 a").await, gtlt);
        assert_eq!(c.run("ZADD z NX GT 1 a").await, gtlt);
        assert_eq!(c.run("ZADD z NX LT 1 a").await, gtlt);
        assert_eq!(c.run("ZADD z INCR 1 a 2 b").await, "-ERR INCR option supports a single increment-element pair\r\n");
        assert_eq!(c.run("ZADD z abc a").await, "-ERR value is not a valid float\r\n");
        assert_eq!(c.run("ZADD z 1 a nan b").await, "-ERR value is not a valid float\r\n");
        assert_eq!(c.run("ZADD z 1e400 a").await, "-ERR value is not a valid float\r\n");
        assert_eq!(c.run_args(vec!["ZADD".into(), "z".into(), " 1".into(), "a".into()]).await, "-ERR value is not a valid float\r\n");
        assert_eq!(c.run("ZADD str 1 a").await, WRONGTYPE);
        assert_eq!(c.run("ZADD z 0x10 hex inf top").await, ":2\r\n");
        assert_eq!(c.run("ZSCORE z hex").await, "$2\r\n16\r\n");
        assert_eq!(c.run("ZADD z INCR -inf top").await, "-ERR resulting score is not a number (NaN)\r\n");
        assert_eq!(c.run("ZINCRBY z -inf top").await, "-ERR resulting score is not a number (NaN)\r\n");
        assert_eq!(c.run("ZSCORE z top").await, "$3\r\ninf\r\n");
    }

    #[tokio::test]
    async fn zincrby_creates_and_increments() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZINCRBY z 1.5 m").await, "$3\r\n1.5\r\n");
        assert_eq!(c.run("ZINCRBY z 1.1 m").await, "$18\r\n2.6000000000000001\r\n");
        assert_eq!(c.run("ZINCRBY z 0.5 m").await, "$18\r\n3.1000000000000001\r\n");
        assert_eq!(c.run("ZINCRBY z abc m").await, "-ERR value is not a valid float\r\n");
        assert_eq!(c.run("ZINCRBY z nx m").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("SET str x").await, "+OK\r\n");
        assert_eq!(c.run("ZINCRBY str 1 m").await, WRONGTYPE);
        c.resp3();
        assert_eq!(c.run("ZINCRBY z 1 n").await, ",1\r\n");
        assert_eq!(c.run("ZADD z INCR NX 1 n").await, "_\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn scores_print_as_redis_7_0_in_both_protocols() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZADD z 1.1 a -0 zero 1e20 big 3.0e-7 small -inf low").await, ":5\r\n");
        assert_eq!(c.run("ZSCORE z a").await, "$18\r\n1.1000000000000001\r\n");
        assert_eq!(c.run("ZSCORE z zero").await, "$1\r\n0\r\n");
        assert_eq!(
            c.run("ZRANGE z 0 -1 WITHSCORES").await,
            "*10\r\n$3\r\nlow\r\n$4\r\n-inf\r\n$4\r\nzero\r\n$1\r\n0\r\n$5\r\nsmall\r\n$22\r\n2.9999999999999999e-07\r\n\
             $1\r\na\r\n$18\r\n1.1000000000000001\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n"
        );
        assert_eq!(c.run("ZMSCORE z a nope").await, "*2\r\n$18\r\n1.1000000000000001\r\n$-1\r\n");
        c.resp3();
        // RESP3 doubles are the protocol crate's shortest round-trip text (Redis 7.0: ",1e+20").
        assert_eq!(c.run("ZSCORE z big").await, ",100000000000000000000\r\n");
        assert_eq!(c.run("ZSCORE z a").await, ",1.1\r\n");
        assert_eq!(c.run("ZSCORE z low").await, ",-inf\r\n");
        assert_eq!(c.run("ZMSCORE z small nope").await, "*2\r\n,3e-7\r\n_\r\n");
        assert_eq!(c.run("ZSCORE z nope").await, "_\r\n");
        assert_eq!(c.run("ZRANGE z 0 1 WITHSCORES").await, "*2\r\n*2\r\n$3\r\nlow\r\n,-inf\r\n*2\r\n$4\r\nzero\r\n,0\r\n");
        assert_eq!(c.run("ZSCAN z 0 MATCH a").await, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n");
    }

    #[tokio::test]
    async fn zrem_zcard_zscore_zmscore_and_empty_key_deletion() {
        let (s, mut c) = seeded().await;
        assert_eq!(c.run("ZREM z a nope a").await, ":1\r\n");
        assert_eq!(c.run("ZCARD z").await, ":4\r\n");
        assert_eq!(c.run("ZCARD missing").await, ":0\r\n");
        assert_eq!(c.run("ZREM missing a").await, ":0\r\n");
        assert_eq!(c.run("ZSCORE missing a").await, "$-1\r\n");
        assert_eq!(c.run("ZMSCORE missing a b").await, "*2\r\n$-1\r\n$-1\r\n");
        for cmd in ["ZREM str a", "ZCARD str", "ZSCORE str a", "ZMSCORE str a"] {
            assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
        }
        memory_consistent(&s);
        assert_eq!(c.run("ZREM z b c d e").await, ":4\r\n");
        assert_eq!(c.run("EXISTS z").await, ":0\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn reads_count_hits_and_misses() {
        let (s, mut c) = seeded().await;
        let stats = || s.state.store.default_region().lock().stats;
        let before = stats();
        c.run("ZSCORE z a").await;
        c.run("ZRANGE missing 0 -1").await;
        c.run("ZCARD z").await;
        let after = stats();
        assert_eq!((after.hits - before.hits, after.misses - before.misses), (2, 1));
    }

    #[tokio::test]
    async fn zcount_and_zlexcount_bounds() {
        let (_s, mut c) = seeded().await;
        assert_eq!(c.run("ZCOUNT z -inf +inf").await, ":5\r\n");
        assert_eq!(c.run("ZCOUNT z (2 (4").await, ":1\r\n");
        assert_eq!(c.run("ZCOUNT z (-inf (+inf").await, ":5\r\n");
        assert_eq!(c.run("ZCOUNT z 5 1").await, ":0\r\n");
        assert_eq!(c.run("ZCOUNT z \"\" 5").await, ":5\r\n");
        assert_eq!(c.run("ZCOUNT z \" 2\" 5").await, ":4\r\n");
        assert_eq!(c.run("ZCOUNT z ( 5").await, ":5\r\n");
        assert_eq!(c.run("ZCOUNT z 1e400 inf").await, ":0\r\n");
        assert_eq!(c.run("ZCOUNT z 0x2 5").await, ":4\r\n");
        for bad in ["ZCOUNT z a 5", "ZCOUNT z \"2 \" 5", "ZCOUNT z nan 5", "ZCOUNT missing a 5", "ZCOUNT str a 5"] {
            assert_eq!(c.run(bad).await, "-ERR min or max is not a float\r\n", "{bad}");
        }
        assert_eq!(c.run("ZCOUNT str 1 5").await, WRONGTYPE);
        assert_eq!(c.run("ZCOUNT missing 1 5").await, ":0\r\n");
        assert_eq!(c.run("ZLEXCOUNT z - +").await, ":5\r\n");
        assert_eq!(c.run("ZLEXCOUNT z + -").await, ":0\r\n");
        assert_eq!(c.run("ZLEXCOUNT z [a [c").await, ":3\r\n");
        assert_eq!(c.run("ZLEXCOUNT z (a [c").await, ":2\r\n");
        assert_eq!(c.run("ZLEXCOUNT z [ (c").await, ":2\r\n");
        for bad in ["ZLEXCOUNT z a +", "ZLEXCOUNT z +x [c", "ZLEXCOUNT missing a +"] {
            assert_eq!(c.run(bad).await, "-ERR min or max not valid string range item\r\n", "{bad}");
        }
        assert_eq!(c.run("ZLEXCOUNT str - +").await, WRONGTYPE);
        assert_eq!(c.run("ZLEXCOUNT missing - +").await, ":0\r\n");
    }

    #[tokio::test]
    async fn zrank_and_zrevrank() {
        let (_s, mut c) = seeded().await;
        assert_eq!(c.run("ZRANK z c").await, ":2\r\n");
        assert_eq!(c.run("ZRANK z a").await, ":0\r\n");
        assert_eq!(c.run("ZREVRANK z a").await, ":4\r\n");
        assert_eq!(c.run("ZREVRANK z e").await, ":0\r\n");
        assert_eq!(c.run("ZRANK z nope").await, "$-1\r\n");
        assert_eq!(c.run("ZRANK missing a").await, "$-1\r\n");
        assert_eq!(c.run("ZRANK str a").await, WRONGTYPE);
        assert_eq!(c.run("ZRANK z c WITHSCORE").await, "-ERR wrong number of arguments for 'zrank' command\r\n");
        c.resp3();
        assert_eq!(c.run("ZREVRANK missing a").await, "_\r\n");
    }

    #[tokio::test]
    async fn zrange_by_rank() {
        let (_s, mut c) = seeded().await;
        assert_eq!(c.run("ZRANGE z 0 1").await, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(c.run("ZRANGE z -100 100").await, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGE z 3 1").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z 5 10").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z -2 -1 REV").await, "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        assert_eq!(c.run("ZRANGE z 3 -1 WITHSCORES").await, "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n");
        assert_eq!(c.run("ZRANGE z 0 0 WITHSCORES WITHSCORES").await, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_eq!(c.run("ZREVRANGE z 0 1 WITHSCORES").await, "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n");
        assert_eq!(c.run("ZREVRANGE z 3 10").await, "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        // Redis only rejects LIMIT on rank ranges when the count is not -1.
        assert_eq!(c.run("ZRANGE z 0 1 LIMIT 3 -1").await, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        let limit = "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n";
        assert_eq!(c.run("ZRANGE z 0 -1 LIMIT 0 2").await, limit);
        assert_eq!(c.run("ZREVRANGE z 0 1 LIMIT 0 1").await, limit);
        assert_eq!(c.run("ZRANGE missing 0 1 LIMIT 0 1").await, limit);
        assert_eq!(c.run("ZRANGE z a b").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZRANGE str a b").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZREVRANGE missing a 1").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZRANGE str 0 1").await, WRONGTYPE);
        assert_eq!(c.run("ZRANGE missing 0 1").await, "*0\r\n");
        for bad in ["ZRANGE z 0 1 foo", "ZRANGE z 1 5 REV REV", "ZRANGE z 1 5 BYSCORE BYLEX", "ZREVRANGE z 0 1 BYSCORE", "ZREVRANGE z 0 1 REV", "ZRANGE z 1 5 BYSCORE LIMIT 2"] {
            assert_eq!(c.run(bad).await, "-ERR syntax error\r\n", "{bad}");
        }
    }

    #[tokio::test]
    async fn zrange_by_rank_on_a_large_set_from_both_ends() {
        let s = server();
        let mut c = s.client(Role::User);
        let args: Vec<String> = (0..300).flat_map(|i| [i.to_string(), format!("m{i:03}")]).collect();
        assert_eq!(c.run(&format!("ZADD big {}", args.join(" "))).await, ":300\r\n");
        assert_eq!(c.run("ZRANGE big 297 298").await, "*2\r\n$4\r\nm297\r\n$4\r\nm298\r\n");
        assert_eq!(c.run("ZRANGE big 1 2").await, "*2\r\n$4\r\nm001\r\n$4\r\nm002\r\n");
        assert_eq!(c.run("ZREVRANGE big 1 2").await, "*2\r\n$4\r\nm298\r\n$4\r\nm297\r\n");
        assert_eq!(c.run("ZREVRANGE big -2 -1").await, "*2\r\n$4\r\nm001\r\n$4\r\nm000\r\n");
        assert_eq!(c.run("ZRANK big m250").await, ":250\r\n");
        assert_eq!(c.run("ZREVRANK big m250").await, ":49\r\n");
        assert_eq!(c.run("ZREMRANGEBYRANK big 10 289").await, ":280\r\n");
        assert_eq!(c.run("ZCARD big").await, ":20\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn zrange_by_score_and_the_old_forms() {
        let (_s, mut c) = seeded().await;
        assert_eq!(c.run("ZRANGE z 0 -1 BYSCORE").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z (1 5 BYSCORE LIMIT 1 2 WITHSCORES").await, "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n");
        assert_eq!(c.run("ZRANGE z 5 (1 BYSCORE REV LIMIT 1 2 WITHSCORES").await, "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n");
        assert_eq!(c.run("ZRANGE z 5 (1 BYSCORE REV LIMIT -1 2").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 0 -5").await, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 10 1").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 4 10").await, "*1\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 0 0").await, "*0\r\n");
        assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT a 1").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZRANGE z (1 abc BYSCORE").await, "-ERR min or max is not a float\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z 1 5 WITHSCORES LIMIT 1 1").await, "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z -inf +inf LIMIT 0 -1").await, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z (4 inf").await, "*1\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z 1 5 REV").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z 1 5 BYLEX").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE z a 5").await, "-ERR min or max is not a float\r\n");
        assert_eq!(c.run("ZRANGEBYSCORE str 1 5").await, WRONGTYPE);
        assert_eq!(c.run("ZREVRANGEBYSCORE z 5 1 WITHSCORES LIMIT 1 2").await, "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n");
        assert_eq!(c.run("ZREVRANGEBYSCORE z 1 5").await, "*0\r\n");
        assert_eq!(c.run("ZREVRANGEBYSCORE z +inf (4").await, "*1\r\n$1\r\ne\r\n");
        c.resp3();
        assert_eq!(
            c.run("ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 2").await,
            "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n"
        );
        assert_eq!(c.run("ZRANGE missing 0 1 WITHSCORES").await, "*0\r\n");
    }

    #[tokio::test]
    async fn zrange_by_lex() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZADD l 0 a 0 b 0 c 0 d 0 e").await, ":5\r\n");
        assert_eq!(c.run("ZRANGE l - + BYLEX").await, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZRANGE l + - BYLEX REV LIMIT 1 2").await, "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
        assert_eq!(c.run("ZRANGE l - + BYLEX WITHSCORES").await, "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
        assert_eq!(c.run("ZRANGE l 0 -1 LIMIT 0 -1 BYLEX").await, "-ERR min or max not valid string range item\r\n");
        assert_eq!(c.run("ZRANGEBYLEX l [b (d LIMIT 1 5").await, "*1\r\n$1\r\nc\r\n");
        assert_eq!(c.run("ZRANGEBYLEX l (b [d").await, "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
        assert_eq!(c.run("ZRANGEBYLEX l - + WITHSCORES").await, "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
        assert_eq!(c.run("ZRANGEBYLEX l b d").await, "-ERR min or max not valid string range item\r\n");
        assert_eq!(c.run("ZRANGEBYLEX l [c [b").await, "*0\r\n");
        assert_eq!(c.run("ZREVRANGEBYLEX l + - LIMIT 0 2").await, "*2\r\n$1\r\ne\r\n$1\r\nd\r\n");
        assert_eq!(c.run("ZREVRANGEBYLEX l (d [b").await, "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
        assert_eq!(c.run("ZREVRANGEBYLEX l - +").await, "*0\r\n");
        assert_eq!(c.run("SET str x").await, "+OK\r\n");
        assert_eq!(c.run("ZRANGEBYLEX str - +").await, WRONGTYPE);
        assert_eq!(c.run("ZREVRANGEBYLEX missing + -").await, "*0\r\n");
    }

    #[tokio::test]
    async fn zpopmin_and_zpopmax() {
        let (s, mut c) = seeded().await;
        assert_eq!(c.run("ZPOPMIN z").await, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_eq!(c.run("ZPOPMAX z 2").await, "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n");
        assert_eq!(c.run("ZPOPMIN z 0").await, "*0\r\n");
        assert_eq!(c.run("ZPOPMIN z -1").await, "-ERR value is out of range, must be positive\r\n");
        assert_eq!(c.run("ZPOPMIN z abc").await, "-ERR value is out of range, must be positive\r\n");
        assert_eq!(c.run("ZPOPMIN missing -1").await, "-ERR value is out of range, must be positive\r\n");
        assert_eq!(c.run("ZPOPMIN z 1 2").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("ZPOPMIN str 0").await, WRONGTYPE);
        assert_eq!(c.run("ZPOPMAX str").await, WRONGTYPE);
        assert_eq!(c.run("ZPOPMIN missing").await, "*0\r\n");
        assert_eq!(c.run("ZPOPMAX missing 2").await, "*0\r\n");
        c.resp3();
        assert_eq!(c.run("ZPOPMIN z").await, "*2\r\n$1\r\nb\r\n,2\r\n");
        assert_eq!(c.run("ZADD z 7 x").await, ":1\r\n");
        assert_eq!(c.run("ZPOPMAX z 5").await, "*2\r\n*2\r\n$1\r\nx\r\n,7\r\n*2\r\n$1\r\nc\r\n,3\r\n");
        assert_eq!(c.run("EXISTS z").await, ":0\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn zremrange_by_rank_score_and_lex() {
        let (s, mut c) = seeded().await;
        assert_eq!(c.run("ZREMRANGEBYRANK z 1 2").await, ":2\r\n");
        assert_eq!(c.run("ZRANGE z 0 -1").await, "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n");
        assert_eq!(c.run("ZREMRANGEBYRANK z 5 10").await, ":0\r\n");
        assert_eq!(c.run("ZREMRANGEBYRANK z a 1").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZREMRANGEBYRANK str 0 1").await, WRONGTYPE);
        assert_eq!(c.run("ZREMRANGEBYRANK missing 0 -1").await, ":0\r\n");
        memory_consistent(&s);
        assert_eq!(c.run("ZREMRANGEBYRANK z -100 100").await, ":3\r\n");
        assert_eq!(c.run("EXISTS z").await, ":0\r\n");
        assert_eq!(c.run("ZADD z 1 a 2 b 3 c 4 d 5 e").await, ":5\r\n");
        assert_eq!(c.run("ZREMRANGEBYSCORE z (1 3").await, ":2\r\n");
        assert_eq!(c.run("ZREMRANGEBYSCORE z a 3").await, "-ERR min or max is not a float\r\n");
        assert_eq!(c.run("ZREMRANGEBYSCORE str 1 3").await, WRONGTYPE);
        assert_eq!(c.run("ZREMRANGEBYSCORE missing 1 3").await, ":0\r\n");
        assert_eq!(c.run("ZREMRANGEBYLEX z [d +").await, ":2\r\n");
        assert_eq!(c.run("ZREMRANGEBYLEX z x +").await, "-ERR min or max not valid string range item\r\n");
        assert_eq!(c.run("ZREMRANGEBYLEX str - +").await, WRONGTYPE);
        assert_eq!(c.run("ZREMRANGEBYLEX missing - +").await, ":0\r\n");
        assert_eq!(c.run("ZRANGE z 0 -1 WITHSCORES").await, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        memory_consistent(&s);
        assert_eq!(c.run("ZREMRANGEBYSCORE z -inf inf").await, ":1\r\n");
        assert_eq!(c.run("EXISTS z").await, ":0\r\n");
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn zscan_small_sets_and_errors() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("ZADD z 1 a 2 b 10 ab").await, ":3\r\n");
        let all = "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$2\r\n10\r\n";
        assert_eq!(c.run("ZSCAN z 0").await, all);
        assert_eq!(c.run("ZSCAN z 5 COUNT 1").await, all);
        assert_eq!(c.run("ZSCAN z 007").await, all);
        assert_eq!(c.run("ZSCAN z +0").await, all);
        assert_eq!(c.run("ZSCAN z 0 MATCH a*").await, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$2\r\n10\r\n");
        assert_eq!(c.run("ZSCAN z 0 MATCH *").await, all);
        assert_eq!(c.run("ZSCAN z -1").await, all);
        assert_eq!(c.run("ZSCAN z 18446744073709551615").await, all);
        for bad in ["ZSCAN z abc", "ZSCAN z 18446744073709551616", "ZSCAN z \" 0\"", "ZSCAN z -", "ZSCAN missing abc"] {
            assert_eq!(c.run(bad).await, "-ERR invalid cursor\r\n", "{bad}");
        }
        for bad in ["ZSCAN z 0 COUNT 0", "ZSCAN z 0 TYPE zset", "ZSCAN z 0 MATCH", "ZSCAN z 0 NOVALUES"] {
            assert_eq!(c.run(bad).await, "-ERR syntax error\r\n", "{bad}");
        }
        assert_eq!(c.run("ZSCAN z 0 COUNT abc").await, "-ERR value is not an integer or out of range\r\n");
        assert_eq!(c.run("ZSCAN missing 0 COUNT 0").await, "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(c.run("SET str x").await, "+OK\r\n");
        assert_eq!(c.run("ZSCAN str 0 COUNT 0").await, WRONGTYPE);
    }

    #[tokio::test]
    async fn zscan_large_set_returns_everything_in_steps() {
        let s = server();
        let mut c = s.client(Role::User);
        let args: Vec<String> = (0..500).flat_map(|i| [i.to_string(), format!("m{i}")]).collect();
        assert_eq!(c.run(&format!("ZADD big {}", args.join(" "))).await, ":500\r\n");
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut steps = 0;
        loop {
            let reply = c.run(&format!("ZSCAN big {cursor} COUNT 50")).await;
            let lines: Vec<&str> = reply.split("\r\n").collect();
            cursor = lines[2].to_string();
            // Pairs: $len, member, $len, score.
            for pair in lines[4..].chunks(4).filter(|p| p.len() == 4) {
                let (member, score) = (pair[1], pair[3]);
                assert_eq!(format!("m{score}"), member);
                seen.insert(member.to_string());
            }
            steps += 1;
            if cursor == "0" {
                break;
            }
            // A member removed mid-scan may or may not appear; every other one must.
            c.run(&format!("ZREM big m{steps}")).await;
        }
        assert!((10..=12).contains(&steps), "{steps} steps");
        for i in 20..500 {
            assert!(seen.contains(&format!("m{i}")), "missed m{i}");
        }
        memory_consistent(&s);
    }

    #[tokio::test]
    async fn new_keys_take_the_region_default_ttl() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("RCREATE short TTL 10").await, "+OK\r\n");
        assert_eq!(c.run("RSELECT short").await, "+OK\r\n");
        assert_eq!(c.run("ZADD z 1 a").await, ":1\r\n");
        assert_eq!(c.run("TTL z").await, ":10\r\n");
        s.clock.advance(11_000);
        assert_eq!(c.run("ZCARD z").await, ":0\r\n");
    }

    #[tokio::test]
    async fn readers_may_read_but_not_write() {
        let (s, _c) = seeded().await;
        let mut r = s.client(Role::Reader);
        assert_eq!(r.run("ZCARD z").await, ":5\r\n");
        assert_eq!(r.run("ZADD z 1 a").await, "-NOPERM User reader has no permissions to run the 'zadd' command\r\n");
    }
}
