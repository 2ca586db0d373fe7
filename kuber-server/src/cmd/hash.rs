//! Hash commands: HSET, HGET and the rest of the hash family, with Redis 7.0 replies.

use bytes::Bytes;
use kuber_protocol::{Frame, ProtocolVersion};
use rand::seq::{IndexedRandom, IteratorRandom};

use super::Ctx;
use super::args::{format_f64, int, is};
use super::reply::{self, err};
use super::table::Handler::Sync;
use super::table::{CommandSpec, DENY_OOM, FAST, KEY1, READONLY, WRITE};
use crate::notify;
use crate::store::glob::glob_match;
use crate::store::value::parse_i64;
use crate::store::{Keyspace, Value, element_cost};

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "hset",
        -4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "hash",
        "Sets field values of a hash; returns how many fields were new.",
        Sync(hset)
    ),
    cmd!(
        "hsetnx",
        4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "hash",
        "Sets a field of a hash only when the field does not exist.",
        Sync(hsetnx)
    ),
    cmd!(
        "hget",
        3,
        READONLY | FAST,
        KEY1,
        "hash",
        "Returns the value of a field in a hash.",
        Sync(hget)
    ),
    cmd!(
        "hmget",
        -3,
        READONLY | FAST,
        KEY1,
        "hash",
        "Returns the values of several fields in a hash.",
        Sync(hmget)
    ),
    cmd!(
        "hmset",
        -4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "hash",
        "Sets field values of a hash (deprecated form of HSET).",
        Sync(hmset)
    ),
    cmd!(
        "hgetall",
        2,
        READONLY,
        KEY1,
        "hash",
        "Returns all fields and values of a hash.",
        Sync(hgetall)
    ),
    // Redis marks HDEL write + fast but not denyoom: deleting must stay possible when memory is full.
    cmd!(
        "hdel",
        -3,
        WRITE | FAST,
        KEY1,
        "hash",
        "Deletes fields from a hash; deletes the key when it empties.",
        Sync(hdel)
    ),
    cmd!(
        "hexists",
        3,
        READONLY | FAST,
        KEY1,
        "hash",
        "Tells whether a field exists in a hash.",
        Sync(hexists)
    ),
    cmd!(
        "hkeys",
        2,
        READONLY,
        KEY1,
        "hash",
        "Returns all fields of a hash.",
        Sync(hkeys)
    ),
    cmd!(
        "hvals",
        2,
        READONLY,
        KEY1,
        "hash",
        "Returns all values of a hash.",
        Sync(hvals)
    ),
    cmd!(
        "hlen",
        2,
        READONLY | FAST,
        KEY1,
        "hash",
        "Returns the number of fields in a hash.",
        Sync(hlen)
    ),
    cmd!(
        "hstrlen",
        3,
        READONLY | FAST,
        KEY1,
        "hash",
        "Returns the length of a field's value in a hash.",
        Sync(hstrlen)
    ),
    cmd!(
        "hincrby",
        4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "hash",
        "Increments the integer value of a field in a hash.",
        Sync(hincrby)
    ),
    cmd!(
        "hincrbyfloat",
        4,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "hash",
        "Increments the floating point value of a field in a hash.",
        Sync(hincrbyfloat)
    ),
    cmd!(
        "hrandfield",
        -2,
        READONLY,
        KEY1,
        "hash",
        "Returns random fields of a hash, optionally with their values.",
        Sync(hrandfield)
    ),
    cmd!(
        "hscan",
        -3,
        READONLY,
        KEY1,
        "hash",
        "Iterates over the fields and values of a hash.",
        Sync(hscan)
    ),
];

type Fields = crate::store::HashFields;

/// Up to this many fields a hash is "small" (Redis's `hash-max-listpack-entries`, the same threshold
/// `OBJECT ENCODING` reports): HSCAN returns it whole in one call with cursor 0, as Redis does.
const SMALL_HASH: usize = 128;

/// Largest number of repeated picks (negative HRANDFIELD count) served for an existing hash.
/// Redis 7.0 has no bound without WITHVALUES and tries to build any reply; a count of -10^18 must
/// not take the server's memory with it, so Kuber answers `ERR value is out of range` instead.
const MAX_RANDOM_REPEATS: i64 = 1 << 20;

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

fn pair_cost(field: &[u8], value: &[u8]) -> i64 {
    (element_cost(field.len()) + element_cost(value.len())) as i64
}

fn unwrap(reply: Result<Frame, Frame>) -> Frame {
    reply.unwrap_or_else(|e| e)
}

/// Runs `f` on the hash at `key` (`None` when missing) and counts a keyspace hit or miss, as
/// Redis's `lookupKeyRead` does: a key of another type is a hit that answers WRONGTYPE.
fn read<R>(
    ks: &mut Keyspace,
    key: &[u8],
    now: u64,
    f: impl FnOnce(Option<&Fields>) -> R,
) -> Result<R, Frame> {
    let (found, out) = match ks.get_mut(key, now) {
        Some(entry) => match &entry.value {
            Value::Hash(h) => (true, Ok(f(Some(h)))),
            _ => (true, Err(err(reply::WRONGTYPE))),
        },
        None => (false, Ok(f(None))),
    };
    ks.record_read(found);
    out
}

/// The in-place changes a write made, for the keyspace's memory books and statistics.
#[derive(Default)]
struct Edit {
    bytes: i64,
    wrote: bool,
}

impl Edit {
    /// Sets `field` to an owned copy of `value`; true when the field is new.
    fn insert(&mut self, h: &mut Fields, field: &[u8], value: &[u8]) -> bool {
        let value = Bytes::copy_from_slice(value);
        self.wrote = true;
        match h.get_mut(field) {
            Some(old) => {
                self.bytes += element_cost(value.len()) as i64 - element_cost(old.len()) as i64;
                *old = value;
                false
            }
            None => {
                self.bytes += pair_cost(field, &value);
                h.insert(Bytes::copy_from_slice(field), value);
                true
            }
        }
    }

    /// Removes `field`; true when it was there.
    fn remove(&mut self, h: &mut Fields, field: &[u8]) -> bool {
        // A small hash keeps the order of the remaining fields, as Redis's listpack does; a large
        // one (a hash table in Redis, unordered there too) moves the last field into the gap.
        let removed = if h.len() <= SMALL_HASH {
            h.shift_remove_entry(field)
        } else {
            h.swap_remove_entry(field)
        };
        match removed {
            Some((f, v)) => {
                self.bytes -= pair_cost(&f, &v);
                self.wrote = true;
                true
            }
            None => false,
        }
    }
}

/// Runs `f` on the hash at `key`, starting from an empty one when the key is missing. `f` must
/// fail only before it changes anything. A new hash is stored with the region's default TTL (only
/// if `f` left fields in it); a hash `f` empties is deleted, as Redis deletes empty collections.
/// When `f` wrote, the keyspace event `event` is notified (and `del` for a deleted hash).
fn modify<R>(
    ctx: &Ctx<'_>,
    key: &[u8],
    event: &'static str,
    f: impl FnOnce(&mut Fields, &mut Edit) -> Result<R, Frame>,
) -> Result<R, Frame> {
    let expiry = default_expiry(ctx);
    let mut ks = ctx.session.region.lock();
    let mut edit = Edit::default();
    let (out, emptied) = match ks.get_mut(key, ctx.now) {
        Some(entry) => {
            let Value::Hash(h) = &mut entry.value else {
                return Err(err(reply::WRONGTYPE));
            };
            let out = f(h, &mut edit)?;
            (out, h.is_empty())
        }
        None => {
            let mut h = Fields::default();
            let out = f(&mut h, &mut edit)?;
            if !h.is_empty() {
                ks.set(key, Value::Hash(h), expiry, ctx.now);
                ks.notify(notify::HASH, event, key);
            }
            return Ok(out);
        }
    };
    ks.adjust_memory(edit.bytes);
    if edit.wrote {
        ks.notify(notify::HASH, event, key);
    }
    if emptied {
        ks.take(key);
        ks.notify(notify::GENERIC, "del", key);
    } else if edit.wrote {
        ks.record_write();
    }
    Ok(out)
}

fn set_pairs(ctx: &Ctx<'_>, args: &[Bytes], name: &str) -> Result<i64, Frame> {
    if !args.len().is_multiple_of(2) {
        return Err(reply::wrong_arity(name));
    }
    modify(ctx, &args[1], "hset", |h, edit| {
        let mut added = 0;
        for pair in args[2..].chunks(2) {
            added += i64::from(edit.insert(h, &pair[0], &pair[1]));
        }
        Ok(added)
    })
}

pub(super) fn hset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unwrap(set_pairs(ctx, args, "hset").map(Frame::Integer))
}

pub(super) fn hmset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unwrap(set_pairs(ctx, args, "hmset").map(|_| Frame::ok()))
}

pub(super) fn hsetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unwrap(modify(ctx, &args[1], "hset", |h, edit| {
        Ok(Frame::Integer(if h.contains_key(&args[2][..]) {
            0
        } else {
            i64::from(edit.insert(h, &args[2], &args[3]))
        }))
    }))
}

pub(super) fn hdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unwrap(modify(ctx, &args[1], "hdel", |h, edit| {
        Ok(Frame::Integer(
            args[2..]
                .iter()
                .filter(|field| edit.remove(h, field))
                .count() as i64,
        ))
    }))
}

/// A read-only command: locks the region, applies `f` to the hash (or `None`) and replies.
fn query(ctx: &Ctx<'_>, key: &[u8], f: impl FnOnce(Option<&Fields>) -> Frame) -> Frame {
    let mut ks = ctx.session.region.lock();
    unwrap(read(&mut ks, key, ctx.now, f))
}

pub(super) fn hget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        h.and_then(|h| h.get(&args[2][..]))
            .map_or(Frame::Null, |v| Frame::Bulk(v.clone()))
    })
}

pub(super) fn hmget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        let value = |field: &Bytes| {
            h.and_then(|h| h.get(&field[..]))
                .map_or(Frame::Null, |v| Frame::Bulk(v.clone()))
        };
        Frame::Array(args[2..].iter().map(value).collect())
    })
}

pub(super) fn hgetall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        let pairs = h
            .into_iter()
            .flatten()
            .map(|(f, v)| (Frame::Bulk(f.clone()), Frame::Bulk(v.clone())));
        Frame::Map(pairs.collect())
    })
}

pub(super) fn hkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        Frame::Array(
            h.into_iter()
                .flat_map(|h| h.keys())
                .cloned()
                .map(Frame::Bulk)
                .collect(),
        )
    })
}

pub(super) fn hvals(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        Frame::Array(
            h.into_iter()
                .flat_map(|h| h.values())
                .cloned()
                .map(Frame::Bulk)
                .collect(),
        )
    })
}

pub(super) fn hlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        Frame::Integer(h.map_or(0, |h| h.len() as i64))
    })
}

pub(super) fn hexists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        Frame::Integer(i64::from(h.is_some_and(|h| h.contains_key(&args[2][..]))))
    })
}

pub(super) fn hstrlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    query(ctx, &args[1], |h| {
        Frame::Integer(
            h.and_then(|h| h.get(&args[2][..]))
                .map_or(0, |v| v.len() as i64),
        )
    })
}

pub(super) fn hincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let delta = match int(&args[3]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    unwrap(modify(ctx, &args[1], "hincrby", |h, edit| {
        let current = match h.get(&args[2][..]) {
            Some(v) => parse_i64(v).ok_or(err(reply::HASH_NOT_INTEGER))?,
            None => 0,
        };
        let new = current.checked_add(delta).ok_or(err(reply::OVERFLOW))?;
        edit.insert(h, &args[2], itoa::Buffer::new().format(new).as_bytes());
        Ok(Frame::Integer(new))
    }))
}

pub(super) fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let delta = match parse_ld(&args[3]) {
        Some(d) if d.is_finite() => d,
        Some(_) => return err(reply::HASH_INCR_NAN_OR_INF),
        None => return err(reply::NOT_FLOAT),
    };
    unwrap(modify(ctx, &args[1], "hincrbyfloat", |h, edit| {
        let current = match h.get(&args[2][..]) {
            Some(v) => parse_ld(v).ok_or(err(reply::HASH_NOT_FLOAT))?,
            None => 0.0,
        };
        let new = current + delta;
        if !new.is_finite() {
            return Err(err(reply::NAN_OR_INF));
        }
        let text = Bytes::from(format_ld(new));
        edit.insert(h, &args[2], &text);
        Ok(Frame::Bulk(text))
    }))
}

/// Parses a float as Redis's `string2ld` does through `strtold`: no leading space, the whole text
/// consumed, decimal or hexadecimal (`0x1p3`) notation, `inf`/`infinity` accepted (the caller
/// decides what infinity means), `nan` refused. Values past f64's range are refused: Redis's long
/// double would still hold up to about 1e4932, which f64 cannot.
fn parse_ld(arg: &[u8]) -> Option<f64> {
    // MAX_LONG_DOUBLE_CHARS in Redis.
    if arg.is_empty() || arg.len() >= 5 * 1024 || arg[0].is_ascii_whitespace() || arg[0] == 0x0b {
        return None;
    }
    let text = std::str::from_utf8(arg).ok()?.to_ascii_lowercase();
    let (sign, body) = match text.as_bytes()[0] {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, &text[..]),
    };
    let value = if body == "inf" || body == "infinity" {
        return Some(sign * f64::INFINITY);
    } else if let Some(hex) = body.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else if body.starts_with(['+', '-']) || body.contains("inf") || body.contains("nan") {
        return None;
    } else {
        body.parse::<f64>().ok()?
    };
    value.is_finite().then_some(sign * value)
}

/// The part of a C hexadecimal float after `0x`: hex digits with an optional point, then an
/// optional binary exponent `p[+-]digits`.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.split_once('p') {
        Some((m, e)) => (m, Some(e)),
        None => (text, None),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0.0f64;
    for c in whole.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let exponent: i32 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let magnitude = digits.parse::<i32>().unwrap_or(i32::MAX).min(100_000);
            if e.starts_with('-') {
                -magnitude
            } else {
                magnitude
            }
        }
    };
    Some(value * 2f64.powi(exponent))
}

/// Formats like Redis's `ld2string(.., LD_STR_HUMAN)`, which prints `%.17Lf` and cuts trailing
/// zeros: the shortest text that reads back the same f64, rounded to 17 decimals when longer
/// (tiny values), and never `-0`.
fn format_ld(v: f64) -> String {
    let text = format_f64(v);
    match text.split_once('.') {
        Some((_, frac)) if frac.len() > 17 => {
            let fixed = format!("{v:.17}");
            let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "-0" {
                "0".to_string()
            } else {
                trimmed.to_string()
            }
        }
        _ => text,
    }
}

pub(super) fn hrandfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() == 2 {
        return query(ctx, &args[1], |h| {
            h.and_then(|h| h.keys().choose(&mut rand::rng()))
                .map_or(Frame::Null, |f| Frame::Bulk(f.clone()))
        });
    }
    // Redis parses the count as a long in [-LONG_MAX, LONG_MAX], then the option, then the
    // WITHVALUES bound, all before looking at the key.
    let count = match int(&args[2]) {
        Ok(i64::MIN) => return err(reply::HASH_COUNT_RANGE),
        Ok(n) => n,
        Err(e) => return e,
    };
    if args.len() > 4 || (args.len() == 4 && !is(&args[3], "WITHVALUES")) {
        return err(reply::SYNTAX);
    }
    let with_values = args.len() == 4;
    if with_values && count.unsigned_abs() > (i64::MAX / 2) as u64 {
        return err(reply::HASH_OUT_OF_RANGE);
    }
    let resp3 = ctx.session.protocol == ProtocolVersion::Resp3;
    query(ctx, &args[1], |h| {
        let Some(h) = h.filter(|_| count != 0) else {
            return Frame::Array(Vec::new());
        };
        if count < -MAX_RANDOM_REPEATS {
            return err(reply::HASH_OUT_OF_RANGE);
        }
        let mut rng = rand::rng();
        let picked: Vec<(&Bytes, &Bytes)> = if count < 0 {
            // Negative: |count| independent picks, repeats allowed.
            let all: Vec<(&Bytes, &Bytes)> = h.iter().collect();
            (0..count.unsigned_abs())
                .filter_map(|_| all.choose(&mut rng).copied())
                .collect()
        } else if count as u64 >= h.len() as u64 {
            h.iter().collect()
        } else {
            h.iter().choose_multiple(&mut rng, count as usize)
        };
        random_reply(picked, with_values, resp3)
    })
}

/// HRANDFIELD's reply: fields; with values a flat array in RESP2, `[field, value]` pairs in RESP3.
fn random_reply(picked: Vec<(&Bytes, &Bytes)>, with_values: bool, resp3: bool) -> Frame {
    let bulk = |b: &Bytes| Frame::Bulk(b.clone());
    let frames = match (with_values, resp3) {
        (false, _) => picked.into_iter().map(|(f, _)| bulk(f)).collect(),
        (true, false) => picked
            .into_iter()
            .flat_map(|(f, v)| [bulk(f), bulk(v)])
            .collect(),
        (true, true) => picked
            .into_iter()
            .map(|(f, v)| Frame::Array(vec![bulk(f), bulk(v)]))
            .collect(),
    };
    Frame::Array(frames)
}

/// HSCAN's COUNT and MATCH options, parsed as Redis's `scanGenericCommand` does: in order, the
/// first bad one answers.
fn scan_options(opts: &[Bytes]) -> Result<(usize, Option<&[u8]>), Frame> {
    let mut count = 10;
    let mut pattern = None;
    let mut rest = opts;
    while let [opt, value, tail @ ..] = rest {
        if is(opt, "COUNT") {
            count = match int(value)? {
                n if n < 1 => return Err(err(reply::SYNTAX)),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            };
        } else if is(opt, "MATCH") {
            // `*` matches everything: skip the matcher, as Redis does.
            pattern = (&value[..] != b"*").then_some(&value[..]);
        } else {
            return Err(err(reply::SYNTAX));
        }
        rest = tail;
    }
    if rest.is_empty() {
        Ok((count, pattern))
    } else {
        Err(err(reply::SYNTAX))
    }
}

/// A field's place in HSCAN's order: a fixed-seed 64-bit hash of its bytes (FNV-1a, then
/// MurmurHash3's finalizer to spread similar fields). It depends only on the field, never on the
/// map's layout, so rehashing as the hash grows or shrinks cannot move a field behind the cursor.
fn scan_position(field: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in field {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// One HSCAN step over a hash larger than [`SMALL_HASH`]. The cursor is the scan position to
/// resume from: the step returns the `count` fields with the lowest positions at or after it (plus
/// any field sharing the last position, so equal positions are never split across steps) and
/// the position after the last one, or 0 when nothing remains. Every field present for the whole
/// scan is returned exactly once, whatever is added or removed meanwhile.
///
/// Cost: each call hashes every field, O(n) (plus O(count) to select), so a full scan in steps of
/// COUNT costs O(n²/COUNT). Redis walks its table's buckets in O(COUNT) per call instead; that
/// needs access to the map's buckets, which `hashbrown::HashMap` does not give.
fn scan_step(h: &Fields, cursor: u64, count: usize) -> (u64, Vec<(&Bytes, &Bytes)>) {
    let mut ahead: Vec<(u64, &Bytes, &Bytes)> = h
        .iter()
        .map(|(f, v)| (scan_position(f), f, v))
        .filter(|&(p, _, _)| p >= cursor)
        .collect();
    if ahead.len() <= count {
        return (0, ahead.into_iter().map(|(_, f, v)| (f, v)).collect());
    }
    let last = ahead.select_nth_unstable_by_key(count - 1, |e| e.0).1.0;
    let more = ahead.iter().any(|e| e.0 > last);
    ahead.retain(|e| e.0 <= last);
    ahead.sort_unstable_by_key(|e| e.0);
    // `more` implies last < u64::MAX, so the next position cannot wrap to 0.
    let next = if more { last + 1 } else { 0 };
    (next, ahead.into_iter().map(|(_, f, v)| (f, v)).collect())
}

pub(super) fn hscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(cursor) = super::args::scan_cursor(&args[2]) else {
        return err(reply::INVALID_CURSOR);
    };
    // Redis reads the key before the options: a missing key answers an empty scan even with bad
    // options, a key of another type WRONGTYPE.
    query(ctx, &args[1], |h| {
        let Some(h) = h else {
            return scan_reply(0, Vec::new());
        };
        let (count, pattern) = match scan_options(&args[3..]) {
            Ok(options) => options,
            Err(e) => return e,
        };
        let (next, batch) = if h.len() <= SMALL_HASH {
            (0, h.iter().collect())
        } else {
            scan_step(h, cursor, count)
        };
        let mut items = Vec::with_capacity(batch.len() * 2);
        for (f, v) in batch {
            if pattern.is_none_or(|p| glob_match(p, f)) {
                items.push(Frame::Bulk(f.clone()));
                items.push(Frame::Bulk(v.clone()));
            }
        }
        scan_reply(next, items)
    })
}

fn scan_reply(cursor: u64, items: Vec<Frame>) -> Frame {
    let cursor = Bytes::copy_from_slice(itoa::Buffer::new().format(cursor).as_bytes());
    Frame::Array(vec![Frame::Bulk(cursor), Frame::Array(items)])
}

#[cfg(test)]
mod tests;
