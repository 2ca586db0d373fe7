//! The blocking pops BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP, and LMPOP, which shares
//! BLMPOP's arguments. A handler pops when it can and otherwise names the keys to wait on; the
//! dispatcher (`run_blocking`) runs it again after a push to one of them.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{
    End, after_removal, cost, default_expiry, list_mut, move_element, notify_removal, pop_event,
};
use crate::cmd::Ctx;
use crate::cmd::args::is;
use crate::cmd::reply::{self, err};
use crate::cmd::table::Blocking;
use crate::store::Keyspace;
use crate::store::value::parse_i64;

/// A timeout in seconds as Redis 6+ reads it (a long double, truncated to whole milliseconds);
/// `None` waits forever (0, or anything that truncates to 0 ms).
pub(super) fn timeout_ms(arg: &[u8]) -> Result<Option<u64>, Frame> {
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

/// Pops up to `count` elements at `end` from the first non-empty list among `keys`: the key and
/// the elements in pop order. A key of another type answers WRONGTYPE, except for a woken client,
/// which Redis keeps blocked instead (the key may have been replaced after the push that woke it).
fn pop_first(
    ks: &mut Keyspace,
    keys: &[Bytes],
    end: End,
    count: usize,
    now: u64,
    woken: bool,
) -> Result<Option<(Bytes, Vec<Bytes>)>, Frame> {
    for key in keys {
        let (values, left) = match list_mut(ks, key, now) {
            Err(_) if woken => continue,
            Err(e) => return Err(e),
            Ok(None) => continue,
            Ok(Some(list)) => {
                let n = count.min(list.len());
                let values: Vec<Bytes> = match end {
                    End::Left => list.drain(..n).collect(),
                    End::Right => list.drain(list.len() - n..).rev().collect(),
                };
                (values, list.len())
            }
        };
        let freed = values.iter().map(cost).sum();
        after_removal(ks, key, freed, left == 0);
        notify_removal(ks, key, pop_event(end), left == 0);
        // LMPOP and BLMPOP have no fixed key positions for the dispatcher's WATCH bookkeeping.
        ks.touch(key);
        return Ok(Some((key.clone(), values)));
    }
    Ok(None)
}

/// Owned copies of the keys to wait on: the dispatcher keeps them for the whole wait.
fn wait_on(keys: &[Bytes], timeout_ms: Option<u64>) -> Blocking {
    Blocking::Wait {
        keys: keys.iter().map(|k| Bytes::copy_from_slice(k)).collect(),
        timeout_ms,
        retry_args: None,
    }
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
    match pop_first(&mut ks, keys, end, 1, ctx.now, ctx.woken) {
        Err(e) => Blocking::Reply(e),
        Ok(None) => wait_on(keys, timeout),
        Ok(Some((key, mut values))) => Blocking::Reply(Frame::Array(vec![
            Frame::Bulk(key),
            Frame::Bulk(values.pop().expect("a stored list is never empty")),
        ])),
    }
}

pub(super) fn blpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_pop(ctx, args, End::Left)
}

pub(super) fn brpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_pop(ctx, args, End::Right)
}

/// BLMOVE/BRPOPLPUSH: LMOVE when the source has an element, else wait for a push to the source.
fn blocking_move(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    from: End,
    to: End,
    timeout_arg: &[u8],
) -> Blocking {
    let timeout = match timeout_ms(timeout_arg) {
        Ok(timeout) => timeout,
        Err(e) => return Blocking::Reply(e),
    };
    let (src, dst) = (&args[1], &args[2]);
    let (now, expiry) = (ctx.now, default_expiry(ctx));
    let mut ks = ctx.session.region.lock();
    if ctx.woken && list_mut(&mut ks, src, now).is_err() {
        // See `pop_first`: a woken client stays blocked on a source of another type.
        return wait_on(std::slice::from_ref(src), timeout);
    }
    match move_element(&mut ks, src, dst, from, to, now, expiry) {
        Err(e) => Blocking::Reply(e),
        Ok(None) => wait_on(std::slice::from_ref(src), timeout),
        Ok(Some(value)) => Blocking::Reply(Frame::Bulk(value)),
    }
}

pub(super) fn blmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    match (End::parse(&args[3]), End::parse(&args[4])) {
        (Ok(from), Ok(to)) => blocking_move(ctx, args, from, to, &args[5]),
        (Err(e), _) | (_, Err(e)) => Blocking::Reply(e),
    }
}

pub(super) fn brpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    blocking_move(ctx, args, End::Right, End::Left, &args[3])
}

/// The arguments LMPOP and BLMPOP share: `numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
struct Mpop<'a> {
    keys: &'a [Bytes],
    end: End,
    count: usize,
}

/// Parses the LMPOP arguments starting at `numkeys_at`, checking in Redis's order.
fn parse_mpop(args: &[Bytes], numkeys_at: usize) -> Result<Mpop<'_>, Frame> {
    let numkeys = parse_i64(&args[numkeys_at])
        .filter(|n| *n > 0)
        .ok_or(err(reply::SET_NUMKEYS))? as u64;
    let keys_from = numkeys_at + 1;
    let end_at = match usize::try_from(numkeys) {
        Ok(n) if n < args.len() - keys_from => keys_from + n,
        _ => return Err(err(reply::SYNTAX)),
    };
    let end = End::parse(&args[end_at])?;
    let mut count = None;
    let mut i = end_at + 1;
    while i < args.len() {
        if count.is_none() && is(&args[i], "COUNT") && i + 1 < args.len() {
            let n = parse_i64(&args[i + 1])
                .filter(|n| *n > 0)
                .ok_or(err(reply::LIST_MPOP_COUNT))?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
            i += 2;
        } else {
            return Err(err(reply::SYNTAX));
        }
    }
    Ok(Mpop {
        keys: &args[keys_from..end_at],
        end,
        count: count.unwrap_or(1),
    })
}

/// `[key, [element ...]]`, LMPOP's and BLMPOP's reply.
fn mpop_reply(key: Bytes, values: Vec<Bytes>) -> Frame {
    Frame::Array(vec![
        Frame::Bulk(key),
        Frame::Array(values.into_iter().map(Frame::Bulk).collect()),
    ])
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: pops from the first non-empty list, nil
/// array when every list is empty.
pub(super) fn lmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mpop = match parse_mpop(args, 1) {
        Ok(mpop) => mpop,
        Err(e) => return e,
    };
    let mut ks = ctx.session.region.lock();
    match pop_first(&mut ks, mpop.keys, mpop.end, mpop.count, ctx.now, false) {
        Err(e) => e,
        Ok(None) => Frame::NullArray,
        Ok(Some((key, values))) => mpop_reply(key, values),
    }
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: LMPOP that waits for a push.
pub(super) fn blmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Blocking {
    // Redis parses the timeout last.
    let parsed = parse_mpop(args, 2).and_then(|mpop| Ok((mpop, timeout_ms(&args[1])?)));
    let (mpop, timeout) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return Blocking::Reply(e),
    };
    let mut ks = ctx.session.region.lock();
    match pop_first(&mut ks, mpop.keys, mpop.end, mpop.count, ctx.now, ctx.woken) {
        Err(e) => Blocking::Reply(e),
        Ok(None) => wait_on(mpop.keys, timeout),
        Ok(Some((key, values))) => Blocking::Reply(mpop_reply(key, values)),
    }
}
