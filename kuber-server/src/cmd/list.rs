//! List commands: pushes and pops at both ends, ranges, positional edits, LPOS, LMOVE; the
//! blocking pops and LMPOP live in `blocking`, which the dispatcher retries after a push
//! (`run_blocking`).
//!
//! Wake-ups: every command that adds elements to a list calls `signal_ready`, which wakes the
//! longest-waiting blocked client only; that client passes the wake-up on once served (see
//! `run_blocking`), so blocked clients are served one at a time in arrival order.

use std::collections::VecDeque;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::Handler::{Blocking as Block, Sync};
use super::table::{CommandSpec, DENY_OOM, FAST, KEY1, KEY12, NO_SCRIPT, NOKEYS, READONLY, WRITE};
use crate::notify::{GENERIC, LIST};
use crate::store::value::parse_i64;
use crate::store::{Keyspace, Value, element_cost};

/// Keys of BLPOP/BRPOP: every argument but the name and the trailing timeout.
const BLOCK_KEYS: (i32, i32, i32) = (1, -2, 1);

/// This family's rows of the command table (flags as Redis 7.0's COMMAND INFO).
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "lpush",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "list",
        "Prepends one or more elements to a list, creating it if needed.",
        Sync(lpush)
    ),
    cmd!(
        "rpush",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "list",
        "Appends one or more elements to a list, creating it if needed.",
        Sync(rpush)
    ),
    cmd!(
        "lpushx",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "list",
        "Prepends elements to a list only when the list exists.",
        Sync(lpushx)
    ),
    cmd!(
        "rpushx",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "list",
        "Appends elements to a list only when the list exists.",
        Sync(rpushx)
    ),
    cmd!(
        "lpop",
        -2,
        WRITE | FAST,
        KEY1,
        "list",
        "Removes and returns the first elements of a list.",
        Sync(lpop)
    ),
    cmd!(
        "rpop",
        -2,
        WRITE | FAST,
        KEY1,
        "list",
        "Removes and returns the last elements of a list.",
        Sync(rpop)
    ),
    cmd!(
        "llen",
        2,
        READONLY | FAST,
        KEY1,
        "list",
        "Returns the length of a list.",
        Sync(llen)
    ),
    cmd!(
        "lrange",
        4,
        READONLY,
        KEY1,
        "list",
        "Returns a range of elements of a list.",
        Sync(lrange)
    ),
    cmd!(
        "lindex",
        3,
        READONLY,
        KEY1,
        "list",
        "Returns an element of a list by its index.",
        Sync(lindex)
    ),
    cmd!(
        "lset",
        4,
        WRITE | DENY_OOM,
        KEY1,
        "list",
        "Sets the element at an index of a list.",
        Sync(lset)
    ),
    cmd!(
        "lrem",
        4,
        WRITE,
        KEY1,
        "list",
        "Removes elements equal to a value from a list.",
        Sync(lrem)
    ),
    cmd!(
        "ltrim",
        4,
        WRITE,
        KEY1,
        "list",
        "Trims a list to a range of indexes.",
        Sync(ltrim)
    ),
    cmd!(
        "linsert",
        5,
        WRITE | DENY_OOM,
        KEY1,
        "list",
        "Inserts an element before or after another element of a list.",
        Sync(linsert)
    ),
    cmd!(
        "lpos",
        -3,
        READONLY,
        KEY1,
        "list",
        "Returns the indexes of matching elements of a list (RANK, COUNT, MAXLEN).",
        Sync(lpos)
    ),
    cmd!(
        "lmove",
        5,
        WRITE | DENY_OOM,
        KEY12,
        "list",
        "Pops an element from one end of a list and pushes it to an end of another.",
        Sync(lmove)
    ),
    cmd!(
        "rpoplpush",
        3,
        WRITE | DENY_OOM,
        KEY12,
        "list",
        "Pops the last element of a list and prepends it to another.",
        Sync(rpoplpush)
    ),
    cmd!(
        "blpop",
        -3,
        WRITE | NO_SCRIPT,
        BLOCK_KEYS,
        "list",
        "Removes and returns the first element of the first non-empty list, waiting until one exists.",
        Block(blocking::blpop)
    ),
    cmd!(
        "brpop",
        -3,
        WRITE | NO_SCRIPT,
        BLOCK_KEYS,
        "list",
        "Removes and returns the last element of the first non-empty list, waiting until one exists.",
        Block(blocking::brpop)
    ),
    cmd!(
        "blmove",
        6,
        WRITE | DENY_OOM | NO_SCRIPT,
        KEY12,
        "list",
        "LMOVE that waits for the source list to have an element.",
        Block(blocking::blmove)
    ),
    cmd!(
        "brpoplpush",
        4,
        WRITE | DENY_OOM | NO_SCRIPT,
        KEY12,
        "list",
        "RPOPLPUSH that waits for the source list to have an element.",
        Block(blocking::brpoplpush)
    ),
    // Redis reports 0 0 0 (movablekeys): the handlers do the WATCH bookkeeping for the key
    // they pop from.
    cmd!(
        "lmpop",
        -4,
        WRITE,
        NOKEYS,
        "list",
        "Pops elements from the first non-empty list among several (LEFT|RIGHT, COUNT).",
        Sync(blocking::lmpop)
    ),
    cmd!(
        "blmpop",
        -5,
        WRITE | NO_SCRIPT,
        NOKEYS,
        "list",
        "LMPOP that waits for one of the lists to have an element.",
        Block(blocking::blmpop)
    ),
    // SORT is Redis's "generic" group; it lives with lists (its STORE result is a list). Redis
    // reports key 1 1 1 (movablekeys); no keys here, so that a SORT that only reads does not
    // fail WATCHes of its source: the handler touches the STORE destination itself.
    cmd!(
        "sort",
        -2,
        WRITE | DENY_OOM,
        NOKEYS,
        "generic",
        "Sorts a list, set or sorted set (BY, LIMIT, GET, ASC|DESC, ALPHA, STORE).",
        Sync(sort::sort)
    ),
    cmd!(
        "sort_ro",
        -2,
        READONLY,
        NOKEYS,
        "generic",
        "SORT without STORE.",
        Sync(sort::sort_ro)
    ),
];

/// One end of a list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Left,
    Right,
}

impl End {
    /// `LEFT` or `RIGHT`, else a syntax error.
    fn parse(arg: &[u8]) -> Result<End, Frame> {
        if is(arg, "LEFT") {
            Ok(End::Left)
        } else if is(arg, "RIGHT") {
            Ok(End::Right)
        } else {
            Err(err(reply::SYNTAX))
        }
    }
}

fn push_at(list: &mut VecDeque<Bytes>, end: End, value: Bytes) {
    match end {
        End::Left => list.push_front(value),
        End::Right => list.push_back(value),
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// The keyspace event of a pop at `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

/// Notifies a removal's `event` and, when it emptied the list (which [`after_removal`] deleted),
/// `del`, in Redis's order.
fn notify_removal(ks: &mut Keyspace, key: &[u8], event: &'static str, emptied: bool) {
    ks.notify(LIST, event, key);
    if emptied {
        ks.notify(GENERIC, "del", key);
    }
}

fn pop_at(list: &mut VecDeque<Bytes>, end: End) -> Option<Bytes> {
    match end {
        End::Left => list.pop_front(),
        End::Right => list.pop_back(),
    }
}

fn cost(value: &Bytes) -> i64 {
    element_cost(value.len()) as i64
}

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

/// The list under `key`: `Ok(None)` when missing, `Err(WRONGTYPE)` for another type.
fn list_mut<'a>(
    ks: &'a mut Keyspace,
    key: &[u8],
    now: u64,
) -> Result<Option<&'a mut VecDeque<Bytes>>, Frame> {
    match ks.get_mut(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::List(list) => Ok(Some(list)),
            _ => Err(err(reply::WRONGTYPE)),
        },
    }
}

/// Books the removal of elements worth `freed` bytes and deletes the key if the list is now
/// empty (Redis never keeps an empty list).
fn after_removal(ks: &mut Keyspace, key: &[u8], freed: i64, emptied: bool) {
    ks.adjust_memory(-freed);
    ks.record_write();
    if emptied {
        ks.take(key);
    }
}

/// Resolves Redis's inclusive `start..=stop` with negative indexes against `len`; `None` when
/// the range is empty.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop.min(len - 1) as usize))
}

/// A negative index counts from the tail; `None` when outside the list.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

// ---- pushes ----

fn push(ctx: &mut Ctx<'_>, args: &[Bytes], end: End, only_existing: bool) -> Frame {
    let key = &args[1];
    let (now, expiry) = (ctx.now, default_expiry(ctx));
    let mut ks = ctx.session.region.lock();
    let len = match list_mut(&mut ks, key, now) {
        Err(e) => return e,
        Ok(Some(list)) => {
            let mut added = 0;
            for value in &args[2..] {
                added += cost(value);
                push_at(list, end, Bytes::copy_from_slice(value));
            }
            let len = list.len();
            ks.adjust_memory(added);
            ks.record_write();
            len
        }
        Ok(None) if only_existing => return Frame::Integer(0),
        Ok(None) => {
            let mut list = VecDeque::with_capacity(args.len() - 2);
            for value in &args[2..] {
                push_at(&mut list, end, Bytes::copy_from_slice(value));
            }
            let len = list.len();
            ks.set(key, Value::List(list), expiry, now);
            len
        }
    };
    ks.notify(LIST, push_event(end), key);
    ks.signal_ready(key);
    Frame::Integer(len as i64)
}

fn lpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    push(ctx, args, End::Left, false)
}

fn rpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    push(ctx, args, End::Right, false)
}

fn lpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    push(ctx, args, End::Left, true)
}

fn rpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    push(ctx, args, End::Right, true)
}

// ---- pops ----

/// LPOP/RPOP: one element as a bulk, or with a count an array (nil array for a missing key,
/// empty array for count 0), as Redis 7.0.
fn pop(ctx: &mut Ctx<'_>, args: &[Bytes], end: End, name: &str) -> Frame {
    // The table allows any number of arguments so that the count is optional; Redis still
    // answers the arity error for more than one.
    if args.len() > 3 {
        return reply::wrong_arity(name);
    }
    let count = match args.get(2) {
        None => None,
        Some(arg) => match parse_i64(arg) {
            Some(n) if n >= 0 => Some(n as u64),
            _ => return err(reply::LIST_COUNT_POSITIVE),
        },
    };
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let (reply, freed, emptied) = match list_mut(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => {
            return if count.is_some() {
                Frame::NullArray
            } else {
                Frame::Null
            };
        }
        Ok(Some(list)) => {
            let mut freed = 0;
            let mut take = || {
                let value = pop_at(list, end)?;
                freed += cost(&value);
                Some(Frame::Bulk(value))
            };
            let reply = match count {
                Some(0) => return Frame::Array(Vec::new()),
                None => take().unwrap_or(Frame::Null),
                Some(n) => Frame::Array(
                    std::iter::from_fn(take)
                        .take(n.min(usize::MAX as u64) as usize)
                        .collect(),
                ),
            };
            (reply, freed, list.is_empty())
        }
    };
    after_removal(&mut ks, key, freed, emptied);
    notify_removal(&mut ks, key, pop_event(end), emptied);
    reply
}

fn lpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    pop(ctx, args, End::Left, "lpop")
}

fn rpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    pop(ctx, args, End::Right, "rpop")
}

// ---- reads ----

fn llen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let len = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        Ok(list) => list.map(|l| l.len()),
    };
    ks.record_read(len.is_some());
    Frame::Integer(len.unwrap_or(0) as i64)
}

fn lrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (start, stop) = match (int(&args[2]), int(&args[3])) {
        (Ok(start), Ok(stop)) => (start, stop),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let mut ks = ctx.session.region.lock();
    let items = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        // Only the requested elements are cloned (reference counts), never the whole list.
        Ok(Some(list)) => Some(match clamp_range(start, stop, list.len()) {
            Some((from, to)) => list.range(from..=to).cloned().map(Frame::Bulk).collect(),
            None => Vec::new(),
        }),
        Ok(None) => None,
    };
    ks.record_read(items.is_some());
    Frame::Array(items.unwrap_or_default())
}

fn lindex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    // Redis looks the key up before parsing the index: a missing key answers nil whatever it is.
    let found = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        Ok(None) => None,
        Ok(Some(list)) => match int(&args[2]) {
            Err(e) => return e,
            Ok(index) => Some(resolve_index(index, list.len()).map(|i| list[i].clone())),
        },
    };
    ks.record_read(found.is_some());
    found.flatten().map_or(Frame::Null, Frame::Bulk)
}

fn lpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<u64>, 0u64);
    let mut i = 3;
    while i < args.len() {
        let (opt, value) = (&args[i], args.get(i + 1));
        let Some(value) = value else {
            return err(reply::SYNTAX);
        };
        let non_negative = |msg| {
            parse_i64(value)
                .filter(|n| *n >= 0)
                .map(|n| n as u64)
                .ok_or(err(msg))
        };
        if is(opt, "RANK") {
            rank = match int(value) {
                Ok(0) => return err(reply::LIST_RANK_ZERO),
                Ok(r) => r,
                Err(e) => return e,
            };
        } else if is(opt, "COUNT") {
            count = match non_negative(reply::LIST_COUNT_NEGATIVE) {
                Ok(n) => Some(n),
                Err(e) => return e,
            };
        } else if is(opt, "MAXLEN") {
            maxlen = match non_negative(reply::LIST_MAXLEN_NEGATIVE) {
                Ok(n) => n,
                Err(e) => return e,
            };
        } else {
            return err(reply::SYNTAX);
        }
        i += 2;
    }
    // Redis negates a negative rank in a C long; RANK -9223372036854775808 stays negative there
    // and so behaves as the first match from the tail.
    let (forward, rank) = if rank < 0 {
        (false, rank.checked_neg().unwrap_or(1) as u64)
    } else {
        (true, rank as u64)
    };
    let element = &args[2];
    let mut ks = ctx.session.region.lock();
    let list = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        Ok(Some(list)) => list,
        Ok(None) => {
            ks.record_read(false);
            return if count.is_some() {
                Frame::Array(Vec::new())
            } else {
                Frame::Null
            };
        }
    };
    let len = list.len();
    let scan = if maxlen == 0 {
        len
    } else {
        len.min(maxlen.min(usize::MAX as u64) as usize)
    };
    let mut matches = 0u64;
    let mut found = Vec::new();
    for step in 0..scan {
        let index = if forward { step } else { len - 1 - step };
        if list[index] != element[..] {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(Frame::Integer(index as i64));
        // Without COUNT the first match at the rank is the answer; COUNT 0 means all matches.
        if count.is_none_or(|c| c != 0 && found.len() as u64 >= c) {
            break;
        }
    }
    ks.record_read(true);
    match count {
        Some(_) => Frame::Array(found),
        None => found.pop().unwrap_or(Frame::Null),
    }
}

// ---- edits ----

fn lset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let delta = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        Ok(None) => return err(reply::NO_SUCH_KEY),
        Ok(Some(list)) => {
            let index = match int(&args[2]) {
                Ok(index) => index,
                Err(e) => return e,
            };
            let Some(i) = resolve_index(index, list.len()) else {
                return err(reply::LIST_INDEX_RANGE);
            };
            let value = Bytes::copy_from_slice(&args[3]);
            let delta = cost(&value) - cost(&list[i]);
            list[i] = value;
            delta
        }
    };
    ks.adjust_memory(delta);
    ks.record_write();
    ks.notify(LIST, "lset", &args[1]);
    Frame::ok()
}

fn lrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let count = match int(&args[2]) {
        Ok(count) => count,
        Err(e) => return e,
    };
    let (key, element) = (&args[1], &args[3][..]);
    let mut ks = ctx.session.region.lock();
    let (removed, emptied) = match list_mut(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(list)) => {
            let limit = count.unsigned_abs();
            // Removing from the tail (count < 0) keeps the last `limit` matches' removal: skip
            // the earlier matches, so one in-order pass serves both directions.
            let mut skip = if count < 0 {
                let total = list.iter().filter(|e| e[..] == *element).count() as u64;
                total.saturating_sub(limit)
            } else {
                0
            };
            let mut removed = 0u64;
            list.retain(|e| {
                if e[..] != *element || (count != 0 && removed >= limit) {
                    return true;
                }
                if skip > 0 {
                    skip -= 1;
                    return true;
                }
                removed += 1;
                false
            });
            (removed, list.is_empty())
        }
    };
    if removed > 0 {
        after_removal(
            &mut ks,
            key,
            removed as i64 * element_cost(element.len()) as i64,
            emptied,
        );
        notify_removal(&mut ks, key, "lrem", emptied);
    }
    Frame::Integer(removed as i64)
}

fn ltrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (start, stop) = match (int(&args[2]), int(&args[3])) {
        (Ok(start), Ok(stop)) => (start, stop),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let (freed, emptied) = match list_mut(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::ok(),
        Ok(Some(list)) => {
            let (keep_from, keep_to) = match clamp_range(start, stop, list.len()) {
                Some((from, to)) => (from, to + 1),
                None => (0, 0),
            };
            let mut freed: i64 = list.drain(keep_to..).map(|e| cost(&e)).sum();
            freed += list.drain(..keep_from).map(|e| cost(&e)).sum::<i64>();
            (freed, list.is_empty())
        }
    };
    after_removal(&mut ks, key, freed, emptied);
    notify_removal(&mut ks, key, "ltrim", emptied);
    Frame::ok()
}

fn linsert(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let after = if is(&args[2], "AFTER") {
        true
    } else if is(&args[2], "BEFORE") {
        false
    } else {
        return err(reply::SYNTAX);
    };
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let (len, added) = match list_mut(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(list)) => {
            let Some(pivot) = list.iter().position(|e| e[..] == args[3][..]) else {
                return Frame::Integer(-1);
            };
            let value = Bytes::copy_from_slice(&args[4]);
            let added = cost(&value);
            list.insert(pivot + after as usize, value);
            (list.len(), added)
        }
    };
    ks.adjust_memory(added);
    ks.record_write();
    ks.notify(LIST, "linsert", key);
    ks.signal_ready(key);
    Frame::Integer(len as i64)
}

// ---- moves ----

/// Pops from `src` at `from` and pushes to `dst` at `to`, as Redis's LMOVE: a missing source is
/// `Ok(None)` before the destination's type is checked; a source that empties is deleted.
fn move_element(
    ks: &mut Keyspace,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    now: u64,
    expiry: Option<u64>,
) -> Result<Option<Bytes>, Frame> {
    if list_mut(ks, src, now)?.is_none_or(|l| l.is_empty()) {
        return Ok(None);
    }
    if src == dst {
        // Rotation in place: same elements, same memory.
        let list = list_mut(ks, src, now)?.expect("checked above");
        let value = pop_at(list, from).expect("checked above");
        push_at(list, to, value.clone());
        ks.record_write();
        ks.notify(LIST, push_event(to), dst);
        ks.notify(LIST, pop_event(from), src);
        ks.signal_ready(dst);
        return Ok(Some(value));
    }
    // The destination's type is checked before anything is popped.
    list_mut(ks, dst, now)?;
    let list = list_mut(ks, src, now)?.expect("checked above");
    let value = pop_at(list, from).expect("checked above");
    let emptied = list.is_empty();
    after_removal(ks, src, cost(&value), emptied);
    match list_mut(ks, dst, now)? {
        Some(list) => {
            push_at(list, to, value.clone());
            ks.adjust_memory(cost(&value));
            ks.record_write();
        }
        None => {
            ks.set(
                dst,
                Value::List(VecDeque::from([value.clone()])),
                expiry,
                now,
            );
        }
    }
    // Redis reports the push before the pop (and the source's deletion).
    ks.notify(LIST, push_event(to), dst);
    notify_removal(ks, src, pop_event(from), emptied);
    ks.signal_ready(dst);
    Ok(Some(value))
}

fn lmove_with(ctx: &mut Ctx<'_>, args: &[Bytes], from: End, to: End) -> Frame {
    let (now, expiry) = (ctx.now, default_expiry(ctx));
    let mut ks = ctx.session.region.lock();
    match move_element(&mut ks, &args[1], &args[2], from, to, now, expiry) {
        Ok(value) => value.map_or(Frame::Null, Frame::Bulk),
        Err(e) => e,
    }
}

fn lmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    match (End::parse(&args[3]), End::parse(&args[4])) {
        (Ok(from), Ok(to)) => lmove_with(ctx, args, from, to),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn rpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    lmove_with(ctx, args, End::Right, End::Left)
}

mod blocking;
mod sort;

#[cfg(test)]
mod tests;
