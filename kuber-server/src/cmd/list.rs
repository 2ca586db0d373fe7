//! List commands: pushes and pops at both ends, ranges, positional edits, LPOS, LMOVE, and the
//! blocking pops BLPOP, BRPOP, BLMOVE, which the dispatcher retries after a push (`run_blocking`).
//!
//! Wake-ups: every command that adds elements to a list calls `signal_ready`, which wakes the
//! longest-waiting blocked client only; a blocking pop that leaves elements behind passes the
//! signal on, so blocked clients are served one element at a time in arrival order.

use std::collections::VecDeque;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::Handler::{Blocking as Block, Sync};
use super::table::{Blocking, CommandSpec, DENY_OOM, FAST, KEY1, KEY12, READONLY, WRITE};
use crate::store::value::parse_i64;
use crate::store::{Keyspace, Value, element_cost};

/// Keys of BLPOP/BRPOP: every argument but the name and the trailing timeout.
const BLOCK_KEYS: (i32, i32, i32) = (1, -2, 1);

/// This family's rows of the command table (flags as Redis 7.0's COMMAND INFO).
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!("lpush", -3, WRITE | DENY_OOM | FAST, KEY1, "list", "Prepends one or more elements to a list, creating it if needed.", Sync(lpush)),
    cmd!("rpush", -3, WRITE | DENY_OOM | FAST, KEY1, "list", "Appends one or more elements to a list, creating it if needed.", Sync(rpush)),
    cmd!("lpushx", -3, WRITE | DENY_OOM | FAST, KEY1, "list", "Prepends elements to a list only when the list exists.", Sync(lpushx)),
    cmd!("rpushx", -3, WRITE | DENY_OOM | FAST, KEY1, "list", "Appends elements to a list only when the list exists.", Sync(rpushx)),
    cmd!("lpop", -2, WRITE | FAST, KEY1, "list", "Removes and returns the first elements of a list.", Sync(lpop)),
    cmd!("rpop", -2, WRITE | FAST, KEY1, "list", "Removes and returns the last elements of a list.", Sync(rpop)),
    cmd!("llen", 2, READONLY | FAST, KEY1, "list", "Returns the length of a list.", Sync(llen)),
    cmd!("lrange", 4, READONLY, KEY1, "list", "Returns a range of elements of a list.", Sync(lrange)),
    cmd!("lindex", 3, READONLY, KEY1, "list", "Returns an element of a list by its index.", Sync(lindex)),
    cmd!("lset", 4, WRITE | DENY_OOM, KEY1, "list", "Sets the element at an index of a list.", Sync(lset)),
    cmd!("lrem", 4, WRITE, KEY1, "list", "Removes elements equal to a value from a list.", Sync(lrem)),
    cmd!("ltrim", 4, WRITE, KEY1, "list", "Trims a list to a range of indexes.", Sync(ltrim)),
    cmd!("linsert", 5, WRITE | DENY_OOM, KEY1, "list", "Inserts an element before or after another element of a list.", Sync(linsert)),
    cmd!("lpos", -3, READONLY, KEY1, "list", "Returns the indexes of matching elements of a list (RANK, COUNT, MAXLEN).", Sync(lpos)),
    cmd!("lmove", 5, WRITE | DENY_OOM, KEY12, "list", "Pops an element from one end of a list and pushes it to an end of another.", Sync(lmove)),
    cmd!("rpoplpush", 3, WRITE | DENY_OOM, KEY12, "list", "Pops the last element of a list and prepends it to another.", Sync(rpoplpush)),
    cmd!("blpop", -3, WRITE, BLOCK_KEYS, "list", "Removes and returns the first element of the first non-empty list, waiting until one exists.", Block(blpop)),
    cmd!("brpop", -3, WRITE, BLOCK_KEYS, "list", "Removes and returns the last element of the first non-empty list, waiting until one exists.", Block(brpop)),
    cmd!("blmove", 6, WRITE | DENY_OOM, KEY12, "list", "LMOVE that waits for the source list to have an element.", Block(blmove)),
    cmd!("brpoplpush", 4, WRITE | DENY_OOM, KEY12, "list", "RPOPLPUSH that waits for the source list to have an element.", Block(brpoplpush)),
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
    ctx.region().default_ttl_ms().map(|ttl| ctx.now.saturating_add(ttl))
}

/// The list under `key`: `Ok(None)` when missing, `Err(WRONGTYPE)` for another type.
fn list_mut<'a>(ks: &'a mut Keyspace, key: &[u8], now: u64) -> Result<Option<&'a mut VecDeque<Bytes>>, Frame> {
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
    let start = if start < 0 { (len + start).max(0) } else { start };
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
        Ok(None) => return if count.is_some() { Frame::NullArray } else { Frame::Null },
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
                Some(n) => Frame::Array(std::iter::from_fn(take).take(n.min(usize::MAX as u64) as usize).collect()),
            };
            (reply, freed, list.is_empty())
        }
    };
    after_removal(&mut ks, key, freed, emptied);
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
        let Some(value) = value else { return err(reply::SYNTAX) };
        let non_negative = |msg| parse_i64(value).filter(|n| *n >= 0).map(|n| n as u64).ok_or(err(msg));
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
    let (forward, rank) = if rank < 0 { (false, rank.checked_neg().unwrap_or(1) as u64) } else { (true, rank as u64) };
    let element = &args[2];
    let mut ks = ctx.session.region.lock();
    let list = match list_mut(&mut ks, &args[1], ctx.now) {
        Err(e) => return e,
        Ok(Some(list)) => list,
        Ok(None) => {
            ks.record_read(false);
            return if count.is_some() { Frame::Array(Vec::new()) } else { Frame::Null };
        }
    };
    let len = list.len();
    let scan = if maxlen == 0 { len } else { len.min(maxlen.min(usize::MAX as u64) as usize) };
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
            let Some(i) = resolve_index(index, list.len()) else { return err(reply::LIST_INDEX_RANGE) };
            let value = Bytes::copy_from_slice(&args[3]);
            let delta = cost(&value) - cost(&list[i]);
            list[i] = value;
            delta
        }
    };
    ks.adjust_memory(delta);
    ks.record_write();
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
        after_removal(&mut ks, key, removed as i64 * element_cost(element.len()) as i64, emptied);
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
            let Some(pivot) = list.iter().position(|e| e[..] == args[3][..]) else { return Frame::Integer(-1) };
            let value = Bytes::copy_from_slice(&args[4]);
            let added = cost(&value);
            list.insert(pivot + after as usize, value);
            (list.len(), added)
        }
    };
    ks.adjust_memory(added);
    ks.record_write();
    ks.signal_ready(key);
    Frame::Integer(len as i64)
}

// ---- moves ----

/// Pops from `src` at `from` and pushes to `dst` at `to`, as Redis's LMOVE: a missing source is
/// `Ok(None)` before the destination's type is checked; a source that empties is deleted.
fn move_element(ks: &mut Keyspace, src: &[u8], dst: &[u8], from: End, to: End, now: u64, expiry: Option<u64>) -> Result<Option<Bytes>, Frame> {
    if list_mut(ks, src, now)?.is_none_or(|l| l.is_empty()) {
        return Ok(None);
    }
    if src == dst {
        // Rotation in place: same elements, same memory.
        let list = list_mut(ks, src, now)?.expect("checked above");
        let value = pop_at(list, from).expect("checked above");
        push_at(list, to, value.clone());
        ks.record_write();
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
            ks.set(dst, Value::List(VecDeque::from([value.clone()])), expiry, now);
        }
    }
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

// ---- blocking ----

/// A timeout in seconds as Redis 6+ reads it (a long double, truncated to whole milliseconds);
/// `None` waits forever (0, or anything that truncates to 0 ms).
fn timeout_ms(arg: &[u8]) -> Result<Option<u64>, Frame> {
    // Redis's string2ld: at most 5119 characters, no leading space, NaN refused, inf accepted.
    let secs = std::str::from_utf8(arg)
        .ok()
        .filter(|t| !t.is_empty() && t.len() < 5 * 1024)
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| !v.is_nan())
        .ok_or(err(reply::LIST_TIMEOUT_NOT_FLOAT))?;
    let ms = secs * 1000.0;
    // The C cast of an out-of-range product gives LLONG_MIN, which Redis reports as negative.
    if !(ms > -9.223_372_036_854_775_808e18 && ms < 9.223_372_036_854_775_808e18) || (ms as i64) < 0 {
        return Err(err(reply::LIST_TIMEOUT_NEGATIVE));
    }
    let ms = ms as i64 as u64;
    Ok((ms > 0).then_some(ms))
}

/// BLPOP/BRPOP: pops from the first non-empty list among the keys (a key of another type answers
/// WRONGTYPE at once), else waits for a push to any of them.
fn blocking_pop(ctx: &mut Ctx<'_>, args: &[Bytes], end: End) -> Blocking {
    let timeout = match timeout_ms(&args[args.len() - 1]) {
        Ok(timeout) => timeout,
        Err(e) => return Blocking::Reply(e),
    };
    let keys = &args[1..args.len() - 1];
    let mut ks = ctx.session.region.lock();
    for key in keys {
        let (value, left) = match list_mut(&mut ks, key, ctx.now) {
            Err(e) => return Blocking::Reply(e),
            Ok(None) => continue,
            Ok(Some(list)) => match pop_at(list, end) {
                Some(value) => (value, list.len()),
                None => continue,
            },
        };
        after_removal(&mut ks, key, cost(&value), left == 0);
        if left > 0 {
            ks.signal_ready(key);
        }
        return Blocking::Reply(Frame::Array(vec![Frame::Bulk(key.clone()), Frame::Bulk(value)]));
    }
    // Owned copies: the dispatcher keeps these for the whole wait.
    Blocking::Wait { keys: keys.iter().map(|k| Bytes::copy_from_slice(k)).collect(), timeout_ms: timeout }
}

fn blpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_pop(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_pop(ctx, args, End::Right)
}

/// BLMOVE/BRPOPLPUSH: LMOVE when the source has an element, else wait for a push to the source.
fn blocking_move(ctx: &mut Ctx<'_>, args: &[Bytes], from: End, to: End, timeout_arg: &[u8]) -> Blocking {
    let timeout = match timeout_ms(timeout_arg) {
        Ok(timeout) => timeout,
        Err(e) => return Blocking::Reply(e),
    };
    let (src, dst) = (&args[1], &args[2]);
    let (now, expiry) = (ctx.now, default_expiry(ctx));
    let mut ks = ctx.session.region.lock();
    match move_element(&mut ks, src, dst, from, to, now, expiry) {
        Err(e) => Blocking::Reply(e),
        Ok(None) => Blocking::Wait { keys: vec![Bytes::copy_from_slice(src)], timeout_ms: timeout },
        Ok(Some(value)) => {
            if src != dst && ks.peek(src, now).is_some() {
                ks.signal_ready(src);
            }
            Blocking::Reply(Frame::Bulk(value))
        }
    }
}

fn blmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    match (End::parse(&args[3]), End::parse(&args[4])) {
        (Ok(from), Ok(to)) => blocking_move(ctx, args, from, to, &args[5]),
        (Err(e), _) | (_, Err(e)) => Blocking::Reply(e),
    }
}

fn brpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_move(ctx, args, End::Right, End::Left, &args[3])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::auth::Role;
    use crate::cmd::testing::{TestClient, TestServer, server};

    /// Memory counted in place must equal a full recount.
    fn assert_memory(s: &TestServer) {
        let region = s.state.store.default_region();
        let ks = region.lock();
        assert_eq!(ks.memory(), ks.recount_memory());
    }

    /// Lets spawned clients run until they block.
    async fn settle() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    /// Runs a (blocking) command on its own task; the task hands the client back with the reply.
    macro_rules! spawn_run {
        ($client:expr, $line:literal) => {{
            let mut client: TestClient = $client;
            tokio::spawn(async move {
                let reply = client.run($line).await;
                (client, reply)
            })
        }};
    }

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";

    #[tokio::test]
    async fn pushes_lengths_and_ranges() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("LPUSH l b a").await, ":2\r\n");
        assert_eq!(c.run("RPUSH l c d e").await, ":5\r\n");
        assert_eq!(c.run("LPUSHX l z").await, ":6\r\n");
        assert_eq!(c.run("RPUSHX l y x").await, ":8\r\n");
        assert_eq!(c.run("LPUSHX nokey a").await, ":0\r\n");
        assert_eq!(c.run("RPUSHX nokey a").await, ":0\r\n");
        assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
        assert_eq!(c.run("TYPE l").await, "+list\r\n");
        assert_eq!(c.run("LLEN l").await, ":8\r\n");
        assert_eq!(c.run("LLEN nokey").await, ":0\r\n");
        assert_eq!(
            c.run("LRANGE l 0 -1").await,
            "*8\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\ny\r\n$1\r\nx\r\n"
        );
        assert_eq!(c.run("LRANGE l 1 2").await, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(c.run("LRANGE l -2 100").await, "*2\r\n$1\r\ny\r\n$1\r\nx\r\n");
        assert_eq!(c.run("LRANGE l -100 0").await, "*1\r\n$1\r\nz\r\n");
        assert_eq!(c.run("LRANGE l 5 2").await, "*0\r\n");
        assert_eq!(c.run("LRANGE l 8 9").await, "*0\r\n");
        assert_eq!(c.run("LRANGE l -1 -2").await, "*0\r\n");
        assert_eq!(c.run("LRANGE l -9223372036854775808 9223372036854775807").await.lines().next(), Some("*8"));
        assert_eq!(c.run("LRANGE nokey 0 -1").await, "*0\r\n");
        assert_eq!(c.run("LRANGE nokey x 1").await, NOT_INTEGER);
        assert_eq!(c.run("LRANGE l 0 1.5").await, NOT_INTEGER);
        c.run("SET s x").await;
        for cmd in ["LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LLEN s", "LRANGE s 0 -1"] {
            assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
        }
        assert_memory(&s);
    }

    #[tokio::test]
    async fn pops_with_and_without_count() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c d e").await;
        assert_eq!(c.run("LPOP l").await, "$1\r\na\r\n");
        assert_eq!(c.run("RPOP l").await, "$1\r\ne\r\n");
        assert_eq!(c.run("LPOP l 0").await, "*0\r\n");
        assert_eq!(c.run("LPOP l 1").await, "*1\r\n$1\r\nb\r\n");
        assert_eq!(c.run("RPOP l 1").await, "*1\r\n$1\r\nd\r\n");
        assert_memory(&s);
        assert_eq!(c.run("RPOP l 10").await, "*1\r\n$1\r\nc\r\n");
        assert_eq!(c.run("EXISTS l").await, ":0\r\n");
        assert_eq!(c.run("LPOP l").await, "$-1\r\n");
        assert_eq!(c.run("LPOP l 0").await, "*-1\r\n");
        assert_eq!(c.run("RPOP l 2").await, "*-1\r\n");
        assert_eq!(c.run("LPOP l -1").await, "-ERR value is out of range, must be positive\r\n");
        assert_eq!(c.run("RPOP l x").await, "-ERR value is out of range, must be positive\r\n");
        assert_eq!(c.run("LPOP l 1 2").await, "-ERR wrong number of arguments for 'lpop' command\r\n");
        assert_eq!(c.run("RPOP l 1 2").await, "-ERR wrong number of arguments for 'rpop' command\r\n");
        c.run("SET s x").await;
        assert_eq!(c.run("LPOP s").await, WRONGTYPE);
        assert_eq!(c.run("RPOP s 0").await, WRONGTYPE);
        assert_eq!(c.run("LPOP s -1").await, "-ERR value is out of range, must be positive\r\n");
        c.resp3();
        assert_eq!(c.run("LPOP l").await, "_\r\n");
        assert_eq!(c.run("RPOP l 1").await, "_\r\n");
        c.run("LPUSH l a b").await;
        assert_eq!(c.run("LPOP l 5").await, "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        assert_memory(&s);
        assert_eq!(s.state.store.default_region().lock().len(), 1);
    }

    #[tokio::test]
    async fn lindex_and_lset() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c").await;
        assert_eq!(c.run("LINDEX l 0").await, "$1\r\na\r\n");
        assert_eq!(c.run("LINDEX l -1").await, "$1\r\nc\r\n");
        assert_eq!(c.run("LINDEX l 3").await, "$-1\r\n");
        assert_eq!(c.run("LINDEX l -4").await, "$-1\r\n");
        assert_eq!(c.run("LINDEX l x").await, NOT_INTEGER);
        // The key is looked up first: a missing key is nil whatever the index.
        assert_eq!(c.run("LINDEX nokey x").await, "$-1\r\n");
        assert_eq!(c.run("LSET l 1 Bee").await, "+OK\r\n");
        assert_eq!(c.run("LSET l -1 sea").await, "+OK\r\n");
        assert_eq!(c.run("LRANGE l 0 -1").await, "*3\r\n$1\r\na\r\n$3\r\nBee\r\n$3\r\nsea\r\n");
        assert_memory(&s);
        assert_eq!(c.run("LSET l 3 x").await, "-ERR index out of range\r\n");
        assert_eq!(c.run("LSET l -4 x").await, "-ERR index out of range\r\n");
        assert_eq!(c.run("LSET l x y").await, NOT_INTEGER);
        assert_eq!(c.run("LSET nokey x y").await, "-ERR no such key\r\n");
        c.run("SET s x").await;
        assert_eq!(c.run("LSET s 0 y").await, WRONGTYPE);
        assert_eq!(c.run("LINDEX s x").await, WRONGTYPE);
        c.resp3();
        assert_eq!(c.run("LINDEX l 9").await, "_\r\n");
    }

    #[tokio::test]
    async fn lrem_ltrim_linsert() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c a b c a").await;
        assert_eq!(c.run("LREM l 2 a").await, ":2\r\n");
        assert_eq!(c.run("LRANGE l 0 -1").await, "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
        assert_eq!(c.run("LREM l -1 b").await, ":1\r\n");
        assert_eq!(c.run("LRANGE l 0 -1").await, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nc\r\n$1\r\na\r\n");
        assert_eq!(c.run("LREM l 0 c").await, ":2\r\n");
        assert_eq!(c.run("LREM l -9223372036854775808 zz").await, ":0\r\n");
        assert_memory(&s);
        assert_eq!(c.run("LREM l 0 a").await, ":1\r\n");
        assert_eq!(c.run("LREM l 1 b").await, ":1\r\n");
        assert_eq!(c.run("EXISTS l").await, ":0\r\n");
        assert_eq!(c.run("LREM nokey 0 a").await, ":0\r\n");
        assert_eq!(c.run("LREM nokey x a").await, NOT_INTEGER);

        c.run("RPUSH t 1 2 3 4 5").await;
        assert_eq!(c.run("LTRIM t 1 -2").await, "+OK\r\n");
        assert_eq!(c.run("LRANGE t 0 -1").await, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
        assert_eq!(c.run("LTRIM t -100 100").await, "+OK\r\n");
        assert_eq!(c.run("LLEN t").await, ":3\r\n");
        assert_memory(&s);
        assert_eq!(c.run("LTRIM t 5 10").await, "+OK\r\n");
        assert_eq!(c.run("EXISTS t").await, ":0\r\n");
        assert_eq!(c.run("LTRIM nokey 0 1").await, "+OK\r\n");
        assert_eq!(c.run("LTRIM nokey a 1").await, NOT_INTEGER);

        c.run("RPUSH i a b c").await;
        assert_eq!(c.run("LINSERT i BEFORE b X").await, ":4\r\n");
        assert_eq!(c.run("LINSERT i after c Y").await, ":5\r\n");
        assert_eq!(c.run("LINSERT i AFTER zz Y").await, ":-1\r\n");
        assert_eq!(c.run("LRANGE i 0 -1").await, "*5\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nY\r\n");
        assert_eq!(c.run("LINSERT i middle a b").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("LINSERT nokey BEFORE a b").await, ":0\r\n");
        assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
        c.run("SET s x").await;
        for cmd in ["LREM s 0 a", "LTRIM s 0 1", "LINSERT s BEFORE a b"] {
            assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
        }
        assert_eq!(c.run("LINSERT s middle a b").await, "-ERR syntax error\r\n");
        assert_memory(&s);
    }

    #[tokio::test]
    async fn lpos_options_and_errors() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c a b c").await;
        assert_eq!(c.run("LPOS l c").await, ":2\r\n");
        assert_eq!(c.run("LPOS l zz").await, "$-1\r\n");
        assert_eq!(c.run("LPOS l a RANK 2").await, ":3\r\n");
        assert_eq!(c.run("LPOS l a RANK -1").await, ":3\r\n");
        assert_eq!(c.run("LPOS l a RANK -2").await, ":0\r\n");
        assert_eq!(c.run("LPOS l a RANK 3").await, "$-1\r\n");
        assert_eq!(c.run("LPOS l a rank 1 rank 2").await, ":3\r\n");
        assert_eq!(c.run("LPOS l a RANK -9223372036854775808").await, ":3\r\n");
        assert_eq!(c.run("LPOS l c RANK 9223372036854775807").await, "$-1\r\n");
        assert_eq!(c.run("LPOS l a COUNT 0").await, "*2\r\n:0\r\n:3\r\n");
        assert_eq!(c.run("LPOS l a COUNT 1").await, "*1\r\n:0\r\n");
        assert_eq!(c.run("LPOS l a COUNT 0 RANK -1").await, "*2\r\n:3\r\n:0\r\n");
        assert_eq!(c.run("LPOS l zz COUNT 2").await, "*0\r\n");
        assert_eq!(c.run("LPOS l a COUNT 1 RANK -1 MAXLEN 3").await, "*1\r\n:3\r\n");
        assert_eq!(c.run("LPOS l a COUNT 1 RANK -1 MAXLEN 2").await, "*0\r\n");
        assert_eq!(c.run("LPOS l c RANK 2 MAXLEN 3").await, "$-1\r\n");
        assert_eq!(c.run("LPOS l c RANK 2 MAXLEN 0").await, ":5\r\n");
        assert_eq!(c.run("LPOS nokey a").await, "$-1\r\n");
        assert_eq!(c.run("LPOS nokey a COUNT 0").await, "*0\r\n");
        let rank_zero = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n";
        assert_eq!(c.run("LPOS l a RANK 0").await, rank_zero);
        assert_eq!(c.run("LPOS nokey a RANK 0").await, rank_zero);
        assert_eq!(c.run("LPOS l a RANK x").await, NOT_INTEGER);
        assert_eq!(c.run("LPOS l a RANK 9223372036854775808").await, NOT_INTEGER);
        assert_eq!(c.run("LPOS l a COUNT -1").await, "-ERR COUNT can't be negative\r\n");
        assert_eq!(c.run("LPOS l a COUNT abc").await, "-ERR COUNT can't be negative\r\n");
        assert_eq!(c.run("LPOS l a MAXLEN -1").await, "-ERR MAXLEN can't be negative\r\n");
        assert_eq!(c.run("LPOS l a MAXLEN x").await, "-ERR MAXLEN can't be negative\r\n");
        assert_eq!(c.run("LPOS l a FOO 1").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("LPOS l a RANK").await, "-ERR syntax error\r\n");
        c.run("SET s x").await;
        assert_eq!(c.run("LPOS s a").await, WRONGTYPE);
        // Options are checked before the key.
        assert_eq!(c.run("LPOS s a RANK 0").await, rank_zero);
        c.resp3();
        assert_eq!(c.run("LPOS nokey a").await, "_\r\n");
        assert_eq!(c.run("LPOS nokey a COUNT 1").await, "*0\r\n");
    }

    #[tokio::test]
    async fn lmove_and_rpoplpush() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c").await;
        assert_eq!(c.run("LMOVE l l left right").await, "$1\r\na\r\n");
        assert_eq!(c.run("LRANGE l 0 -1").await, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
        assert_eq!(c.run("RPOPLPUSH l l").await, "$1\r\na\r\n");
        assert_eq!(c.run("LRANGE l 0 -1").await, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assert_eq!(c.run("LMOVE l d RIGHT LEFT").await, "$1\r\nc\r\n");
        assert_eq!(c.run("LMOVE l d RIGHT RIGHT").await, "$1\r\nb\r\n");
        assert_eq!(c.run("LRANGE d 0 -1").await, "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
        assert_memory(&s);
        assert_eq!(c.run("RPOPLPUSH l d").await, "$1\r\na\r\n");
        assert_eq!(c.run("EXISTS l").await, ":0\r\n");
        assert_eq!(c.run("LRANGE d 0 -1").await, "*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n");
        assert_eq!(c.run("LMOVE nokey d LEFT LEFT").await, "$-1\r\n");
        assert_eq!(c.run("RPOPLPUSH nokey d").await, "$-1\r\n");
        assert_eq!(c.run("LMOVE nokey d UP LEFT").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("LMOVE d d LEFT DOWN").await, "-ERR syntax error\r\n");
        // A one-element list moved onto itself stays.
        c.run("RPUSH one x").await;
        assert_eq!(c.run("LMOVE one one LEFT LEFT").await, "$1\r\nx\r\n");
        assert_eq!(c.run("LRANGE one 0 -1").await, "*1\r\n$1\r\nx\r\n");
        c.run("SET s x").await;
        assert_eq!(c.run("LMOVE d s LEFT LEFT").await, WRONGTYPE);
        assert_eq!(c.run("LMOVE s d LEFT LEFT").await, WRONGTYPE);
        assert_eq!(c.run("RPOPLPUSH nokey s").await, "$-1\r\n");
        assert_eq!(c.run("LLEN d").await, ":3\r\n");
        assert_memory(&s);
        c.resp3();
        assert_eq!(c.run("LMOVE nokey d LEFT LEFT").await, "_\r\n");
    }

    #[tokio::test]
    async fn expiry_and_region_default_ttl() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a").await;
        c.run("PEXPIRE l 100").await;
        // Pushing onto an existing list keeps its TTL.
        c.run("RPUSH l b").await;
        assert_eq!(c.run("PTTL l").await, ":100\r\n");
        s.clock.advance(100);
        assert_eq!(c.run("LLEN l").await, ":0\r\n");
        assert_eq!(c.run("RPUSH l a").await, ":1\r\n");
        assert_eq!(c.run("PTTL l").await, ":-1\r\n");
        assert_memory(&s);
        // New lists (pushed or moved into) take the region's default TTL; existing ones keep theirs.
        assert_eq!(c.run("RCREATE short TTL 10").await, "+OK\r\n");
        assert_eq!(c.run("RSELECT short").await, "+OK\r\n");
        assert_eq!(c.run("RPUSH l a b").await, ":2\r\n");
        assert_eq!(c.run("PTTL l").await, ":10000\r\n");
        assert_eq!(c.run("LMOVE l moved LEFT LEFT").await, "$1\r\na\r\n");
        assert_eq!(c.run("PTTL moved").await, ":10000\r\n");
        c.run("PERSIST l").await;
        c.run("RPUSH l c").await;
        assert_eq!(c.run("PTTL l").await, ":-1\r\n");
        s.clock.advance(10_000);
        assert_eq!(c.run("LLEN moved").await, ":0\r\n");
        assert_eq!(c.run("LLEN l").await, ":2\r\n");
    }

    #[tokio::test]
    async fn blocking_pops_reply_at_once_when_data_exists() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH l a b c").await;
        assert_eq!(c.run("BLPOP nokey l 0").await, "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
        assert_eq!(c.run("BRPOP l 1").await, "*2\r\n$1\r\nl\r\n$1\r\nc\r\n");
        assert_eq!(c.run("BLMOVE l d LEFT RIGHT 0").await, "$1\r\nb\r\n");
        assert_eq!(c.run("EXISTS l").await, ":0\r\n");
        assert_eq!(c.run("BRPOPLPUSH d l 0").await, "$1\r\nb\r\n");
        assert_eq!(c.run("EXISTS d").await, ":0\r\n");
        assert_memory(&s);
        c.run("SET s x").await;
        // WRONGTYPE is immediate, also after a missing key; a non-empty list before it wins.
        assert_eq!(c.run("BLPOP s 0").await, WRONGTYPE);
        assert_eq!(c.run("BRPOP nokey s 0").await, WRONGTYPE);
        assert_eq!(c.run("BLPOP l s 0").await, "*2\r\n$1\r\nl\r\n$1\r\nb\r\n");
        assert_eq!(c.run("BLMOVE s d LEFT LEFT 0").await, WRONGTYPE);
        c.run("RPUSH l a").await;
        assert_eq!(c.run("BLMOVE l s LEFT LEFT 0").await, WRONGTYPE);
        assert_eq!(c.run("BRPOPLPUSH l s 0").await, WRONGTYPE);
        assert_eq!(c.run("LLEN l").await, ":1\r\n");
        // Timeouts: seconds as a float; Redis's casts for absurd values.
        assert_eq!(c.run("BLPOP l x").await, "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(c.run("BLPOP l nan").await, "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(c.run("BLPOP l \"\"").await, "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(c.run("BLPOP l \" 1\"").await, "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(c.run("BLPOP l -1").await, "-ERR timeout is negative\r\n");
        assert_eq!(c.run("BLPOP l inf").await, "-ERR timeout is negative\r\n");
        assert_eq!(c.run("BLPOP l 1e300").await, "-ERR timeout is negative\r\n");
        assert_eq!(c.run("BLMOVE l d LEFT LEFT -0.5").await, "-ERR timeout is negative\r\n");
        assert_eq!(c.run("BLMOVE l d UP LEFT 0").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("BRPOPLPUSH l d x").await, "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(c.run("BLPOP l -0.0001").await, "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
        assert_eq!(super::timeout_ms(b"1.5e-1"), Ok(Some(150)));
        assert_eq!(super::timeout_ms(b"+2"), Ok(Some(2000)));
        assert_eq!(super::timeout_ms(b"0.0004"), Ok(None));
        assert_eq!(super::timeout_ms(b"0"), Ok(None));
        let mut reader = s.client(Role::Reader);
        assert_eq!(reader.run("BLPOP l 0").await, "-NOPERM User reader has no permissions to run the 'blpop' command\r\n");
    }

    #[tokio::test]
    async fn blocked_client_is_served_by_a_push() {
        let s = server();
        let mut pusher = s.client(Role::User);
        let waiter = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        assert!(!waiter.is_finished());
        assert_eq!(pusher.run("RPUSH q hello").await, ":1\r\n");
        let (_, reply) = waiter.await.unwrap();
        assert_eq!(reply, "*2\r\n$1\r\nq\r\n$5\r\nhello\r\n");
        assert_eq!(pusher.run("EXISTS q").await, ":0\r\n");
        // BRPOP on several keys: a push to any of them serves it.
        let waiter = spawn_run!(s.client(Role::User), "BRPOP a b 0");
        settle().await;
        pusher.run("LPUSH b x y").await;
        assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nb\r\n$1\r\nx\r\n");
        assert_eq!(pusher.run("LRANGE b 0 -1").await, "*1\r\n$1\r\ny\r\n");
        let waiter = spawn_run!(s.client(Role::User), "BLPOP c 0");
        settle().await;
        pusher.run("RPUSH c v").await;
        assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nc\r\n$1\r\nv\r\n");
        assert_memory(&s);
    }

    #[tokio::test]
    async fn blocking_timeouts_return_a_null_array() {
        let s = server();
        let mut c = s.client(Role::User);
        let started = std::time::Instant::now();
        assert_eq!(c.run("BLPOP q 0.05").await, "*-1\r\n");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(c.run("BLMOVE q d LEFT LEFT 0.01").await, "*-1\r\n");
        c.resp3();
        assert_eq!(c.run("BRPOP q 0.01").await, "_\r\n");
        // The timed-out client left no registration behind: the element stays for the next reader.
        c.run("RPUSH q v").await;
        assert_eq!(c.run("LLEN q").await, ":1\r\n");
    }

    #[tokio::test]
    async fn blocked_clients_are_served_in_arrival_order() {
        let s = server();
        let mut pusher = s.client(Role::User);
        let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let second = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let third = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        for value in ["1", "2", "3"] {
            pusher.run_args(vec!["RPUSH".into(), "q".into(), value.into()]).await;
            settle().await;
        }
        assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
        assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n2\r\n");
        assert_eq!(third.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n3\r\n");

        // One push of three elements: each served client passes the wake-up on.
        let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let second = spawn_run!(s.client(Role::User), "BRPOP q 0");
        settle().await;
        let third = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        pusher.run("RPUSH q a b c").await;
        assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
        assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
        assert_eq!(third.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
        assert_eq!(pusher.run("EXISTS q").await, ":0\r\n");
        assert_memory(&s);
    }

    #[tokio::test]
    async fn a_woken_client_that_finds_nothing_keeps_its_place() {
        let s = server();
        let mut other = s.client(Role::User);
        let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let second = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        other.run("RPUSH q stolen").await;
        // Runs before the woken client gets to it.
        assert_eq!(other.run("LPOP q").await, "$6\r\nstolen\r\n");
        settle().await;
        assert!(!first.is_finished() && !second.is_finished());
        other.run("RPUSH q x").await;
        settle().await;
        assert!(first.is_finished());
        assert!(!second.is_finished());
        assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
        other.run("RPUSH q y").await;
        assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
    }

    #[tokio::test]
    async fn an_aborted_waiter_does_not_swallow_a_wake_up() {
        let s = server();
        let mut pusher = s.client(Role::User);
        let doomed = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let survivor = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        doomed.abort();
        assert!(doomed.await.is_err_and(|e| e.is_cancelled()));
        pusher.run("RPUSH q v").await;
        let (_, reply) = tokio::time::timeout(Duration::from_secs(5), survivor).await.expect("survivor was woken").unwrap();
        assert_eq!(reply, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    }

    #[tokio::test]
    async fn a_waiter_dropped_after_its_wake_up_hands_it_on() {
        let s = server();
        let mut pusher = s.client(Role::User);
        let woken = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        let next = spawn_run!(s.client(Role::User), "BLPOP q 0");
        settle().await;
        // The push wakes the first waiter; on this single-threaded runtime it cannot run before
        // it is aborted, so the wake-up it was handed must pass to the next waiter.
        pusher.run("RPUSH q v").await;
        woken.abort();
        assert!(woken.await.is_err_and(|e| e.is_cancelled()));
        let (_, reply) = tokio::time::timeout(Duration::from_secs(5), next).await.expect("next waiter was woken").unwrap();
        assert_eq!(reply, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    }

    #[tokio::test]
    async fn blmove_waits_and_feeds_other_waiters() {
        let s = server();
        let mut pusher = s.client(Role::User);
        let popper = spawn_run!(s.client(Role::User), "BLPOP dst 0");
        settle().await;
        let mover = spawn_run!(s.client(Role::User), "BLMOVE src dst RIGHT LEFT 0");
        settle().await;
        let rotator = spawn_run!(s.client(Role::User), "BRPOPLPUSH src2 dst 0");
        settle().await;
        pusher.run("RPUSH src a b").await;
        assert_eq!(mover.await.unwrap().1, "$1\r\nb\r\n");
        // The move into `dst` woke the client blocked there.
        assert_eq!(popper.await.unwrap().1, "*2\r\n$3\r\ndst\r\n$1\r\nb\r\n");
        assert_eq!(pusher.run("LRANGE src 0 -1").await, "*1\r\n$1\r\na\r\n");
        pusher.run("LPUSH src2 z").await;
        assert_eq!(rotator.await.unwrap().1, "$1\r\nz\r\n");
        assert_eq!(pusher.run("LRANGE dst 0 -1").await, "*1\r\n$1\r\nz\r\n");
        // A destination of the wrong type is only noticed once the source has data.
        pusher.run("SET s x").await;
        let mover = spawn_run!(s.client(Role::User), "BLMOVE empty s LEFT LEFT 0");
        settle().await;
        assert!(!mover.is_finished());
        pusher.run("RPUSH empty v").await;
        assert_eq!(mover.await.unwrap().1, WRONGTYPE);
        assert_eq!(pusher.run("LLEN empty").await, ":1\r\n");
        // RPUSHX and LINSERT on the missing key add nothing, so the waiter stays blocked.
        let waiter = spawn_run!(s.client(Role::User), "BLPOP w 0");
        settle().await;
        pusher.run("RPUSHX w nothing").await;
        pusher.run("LINSERT w BEFORE x y").await;
        settle().await;
        assert!(!waiter.is_finished());
        pusher.run("LPUSH w v").await;
        assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nw\r\n$1\r\nv\r\n");
        assert_memory(&s);
    }
}
