//! Pops: ZPOPMIN and ZPOPMAX, ZMPOP across several keys, and the blocking BZPOPMIN, BZPOPMAX and BZMPOP, which the
//! dispatcher retries after a push (`run_blocking`, the machinery BLPOP uses).
//!
//! Wake-ups: ZADD, ZINCRBY and the STORE commands call `signal_ready` on the key they create or
//! grow, which wakes the longest-waiting client; once served, that client's wake-ups are passed on
//! for every key that still holds a value (`Keyspace::release_wake_ups`).

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{edit, edit_reply, members_reply, resp3, score_frame};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::cmd::table::Blocking;
use crate::store::value::parse_i64;
use crate::store::{Keyspace, Value};

/// How a pop answers: BZPOPMIN's flat `[key, member, score]`, or ZMPOP's
/// `[key, [[member, score], …]]`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Flat,
    Nested,
}

/// One parsed pop request.
struct Pop<'a> {
    keys: &'a [Bytes],
    max: bool,
    count: usize,
    shape: Shape,
}

/// Pops from the first key holding a sorted set, as Redis's `genericZpopCommand`: keys are checked
/// in order up to the first existing one, which answers WRONGTYPE if it is not a sorted set
/// (unless `skip_other_types`: a woken client passes over such keys, see [`Ctx::woken`]).
/// `Ok(None)` when every key is missing.
fn pop_first(
    ks: &mut Keyspace,
    pop: &Pop<'_>,
    now: u64,
    resp3: bool,
    skip_other_types: bool,
) -> Result<Option<Frame>, Frame> {
    for key in pop.keys {
        if skip_other_types
            && ks
                .peek(key, now)
                .is_some_and(|e| !matches!(e.value, Value::ZSet(_)))
        {
            continue;
        }
        let event = if pop.max { "zpopmax" } else { "zpopmin" };
        let popped = match edit(ks, key, now, event, |z| {
            let popped = z.pop(pop.max, pop.count);
            let changed = !popped.is_empty();
            (popped, changed)
        })? {
            None => continue,
            Some(popped) => popped,
        };
        // ZMPOP names its keys after numkeys, so the dispatcher cannot find them for WATCH.
        ks.touch(key);
        let key = Frame::Bulk(key.clone());
        let reply = match pop.shape {
            Shape::Flat => {
                let mut items = vec![key];
                for (m, s) in popped {
                    items.push(Frame::Bulk(m));
                    items.push(score_frame(resp3, s));
                }
                Frame::Array(items)
            }
            Shape::Nested => Frame::Array(vec![
                key,
                Frame::Array(
                    popped
                        .into_iter()
                        .map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), score_frame(resp3, s)]))
                        .collect(),
                ),
            ]),
        };
        return Ok(Some(reply));
    }
    Ok(None)
}

/// ZMPOP/BZMPOP arguments from numkeys on, in Redis's order of checks: numkeys, MIN|MAX, COUNT.
fn parse_mpop(args: &[Bytes], numkeys_at: usize) -> Result<Pop<'_>, Frame> {
    let numkeys = match parse_i64(&args[numkeys_at]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(err(reply::SET_NUMKEYS)),
    };
    let where_at = (numkeys_at as u64)
        .saturating_add(numkeys)
        .saturating_add(1);
    if where_at >= args.len() as u64 {
        return Err(err(reply::SYNTAX));
    }
    let where_at = where_at as usize;
    let max = if is(&args[where_at], "MIN") {
        false
    } else if is(&args[where_at], "MAX") {
        true
    } else {
        return Err(err(reply::SYNTAX));
    };
    let mut count = None;
    let mut i = where_at + 1;
    while i < args.len() {
        if count.is_none() && is(&args[i], "COUNT") && i + 1 < args.len() {
            count = match parse_i64(&args[i + 1]) {
                Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => return Err(err(reply::ZSET_COUNT_GT0)),
            };
            i += 2;
        } else {
            return Err(err(reply::SYNTAX));
        }
    }
    Ok(Pop {
        keys: &args[numkeys_at + 1..where_at],
        max,
        count: count.unwrap_or(1),
        shape: Shape::Nested,
    })
}

pub(super) fn zmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let pop = match parse_mpop(args, 1) {
        Ok(pop) => pop,
        Err(e) => return e,
    };
    let resp3 = resp3(ctx);
    let mut ks = ctx.session.region.lock();
    match pop_first(&mut ks, &pop, ctx.now, resp3, false) {
        Ok(Some(reply)) => reply,
        Ok(None) => Frame::NullArray,
        Err(e) => e,
    }
}

/// A timeout in seconds as Redis 6+ reads it (a long double, truncated to whole milliseconds);
/// `None` waits forever (0, or anything that truncates to 0 ms). The same rules as BLPOP's.
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
    if !(ms > -9.223_372_036_854_776e18 && ms < 9.223_372_036_854_776e18) || (ms as i64) < 0 {
        return Err(err(reply::LIST_TIMEOUT_NEGATIVE));
    }
    let ms = ms as i64 as u64;
    Ok((ms > 0).then_some(ms))
}

/// Pops now if any key holds members, else asks the dispatcher to wait on the keys.
fn blocking(ctx: &mut Ctx<'_>, pop: &Pop<'_>, timeout: Option<u64>) -> Blocking {
    let (resp3, now, woken) = (resp3(ctx), ctx.now, ctx.woken);
    let mut ks = ctx.session.region.lock();
    match pop_first(&mut ks, pop, now, resp3, woken) {
        Err(e) => Blocking::Reply(e),
        // Members left behind are passed on by the dispatcher (`release_wake_ups`).
        Ok(Some(reply)) => Blocking::Reply(reply),
        // Owned copies: the dispatcher keeps these for the whole wait.
        Ok(None) => Blocking::Wait {
            keys: pop.keys.iter().map(|k| Bytes::copy_from_slice(k)).collect(),
            timeout_ms: timeout,
            retry_args: None,
        },
    }
}

fn bzpop(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> Blocking {
    let timeout = match timeout_ms(&args[args.len() - 1]) {
        Ok(timeout) => timeout,
        Err(e) => return Blocking::Reply(e),
    };
    let pop = Pop {
        keys: &args[1..args.len() - 1],
        max,
        count: 1,
        shape: Shape::Flat,
    };
    blocking(ctx, &pop, timeout)
}

pub(super) fn bzpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    bzpop(ctx, args, false)
}

pub(super) fn bzpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    bzpop(ctx, args, true)
}

pub(super) fn bzmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    let pop = match parse_mpop(args, 2) {
        Ok(pop) => pop,
        Err(e) => return Blocking::Reply(e),
    };
    match timeout_ms(&args[1]) {
        Ok(timeout) => blocking(ctx, &pop, timeout),
        Err(e) => Blocking::Reply(e),
    }
}

// ---- ZPOPMIN, ZPOPMAX ----

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
    let event = if max { "zpopmax" } else { "zpopmin" };
    edit_reply(ctx, &args[1], Frame::Array(Vec::new()), event, |z| {
        let popped = z.pop(max, count.unwrap_or(1));
        let changed = !popped.is_empty();
        // A single pop is a flat [member, score] in both protocols; with a count RESP3 nests pairs.
        let reply = if count.is_some() {
            members_reply(popped, true, resp3)
        } else {
            Frame::Array(
                popped
                    .into_iter()
                    .flat_map(|(m, s)| [Frame::Bulk(m), score_frame(resp3, s)])
                    .collect(),
            )
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

#[cfg(test)]
mod tests;
