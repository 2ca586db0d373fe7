//! Set commands: SADD/SREM/SMOVE, membership and cardinality, SPOP/SRANDMEMBER, the algebra
//! (SINTER/SUNION/SDIFF, their STORE forms, SINTERCARD) and SSCAN, with Redis 7.0's replies.
//!
//! Multi-key commands run under one region lock, so they are atomic. Their source sets are lent
//! out of their entries for the command ([`Lent`]) instead of being copied.

use std::hash::Hasher;

use bytes::Bytes;
use hashbrown::{HashMap, HashSet};
use kuber_protocol::Frame;
use rand::Rng;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::{
    ALLKEYS, CommandSpec, DENY_OOM, FAST, Handler::Sync, KEY1, KEY12, OWN_WATCH, READONLY, WRITE,
};
use crate::notify;
use crate::store::value::parse_i64;
use crate::store::{Entry, Keyspace, Value, element_cost};

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "sadd",
        -3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "set",
        "Adds one or more members to a set, creating it if needed.",
        Sync(sadd)
    ),
    cmd!(
        "srem",
        -3,
        WRITE | FAST,
        KEY1,
        "set",
        "Removes one or more members from a set, deleting it when empty.",
        Sync(srem)
    ),
    cmd!(
        "smembers",
        2,
        READONLY,
        KEY1,
        "set",
        "Returns all members of a set.",
        Sync(smembers)
    ),
    cmd!(
        "sismember",
        3,
        READONLY | FAST,
        KEY1,
        "set",
        "Tells whether a member belongs to a set.",
        Sync(sismember)
    ),
    cmd!(
        "smismember",
        -3,
        READONLY | FAST,
        KEY1,
        "set",
        "Tells whether each of several members belongs to a set.",
        Sync(smismember)
    ),
    cmd!(
        "scard",
        2,
        READONLY | FAST,
        KEY1,
        "set",
        "Returns the number of members in a set.",
        Sync(scard)
    ),
    cmd!(
        "spop",
        -2,
        WRITE | FAST,
        KEY1,
        "set",
        "Removes and returns one or more random members of a set.",
        Sync(spop)
    ),
    cmd!(
        "srandmember",
        -2,
        READONLY,
        KEY1,
        "set",
        "Returns random members of a set; a negative count may repeat members.",
        Sync(srandmember)
    ),
    cmd!(
        "sinter",
        -2,
        READONLY,
        ALLKEYS,
        "set",
        "Returns the intersection of sets.",
        Sync(sinter)
    ),
    cmd!(
        "sunion",
        -2,
        READONLY,
        ALLKEYS,
        "set",
        "Returns the union of sets.",
        Sync(sunion)
    ),
    cmd!(
        "sdiff",
        -2,
        READONLY,
        ALLKEYS,
        "set",
        "Returns the members of the first set that are in none of the others.",
        Sync(sdiff)
    ),
    cmd!(
        "sinterstore",
        -3,
        WRITE | DENY_OOM,
        ALLKEYS,
        "set",
        "Stores the intersection of sets in a key.",
        Sync(sinterstore)
    ),
    cmd!(
        "sunionstore",
        -3,
        WRITE | DENY_OOM,
        ALLKEYS,
        "set",
        "Stores the union of sets in a key.",
        Sync(sunionstore)
    ),
    cmd!(
        "sdiffstore",
        -3,
        WRITE | DENY_OOM,
        ALLKEYS,
        "set",
        "Stores the difference of sets in a key.",
        Sync(sdiffstore)
    ),
    // Redis reports 0 0 0 (movablekeys) for SINTERCARD; the first key is always argument 2.
    cmd!(
        "sintercard",
        -3,
        READONLY,
        (2, 2, 1),
        "set",
        "Returns the size of the intersection of sets, optionally stopping at a limit.",
        Sync(sintercard)
    ),
    cmd!(
        "smove",
        4,
        WRITE | FAST | OWN_WATCH,
        KEY12,
        "set",
        "Moves a member from one set to another.",
        Sync(smove)
    ),
    cmd!(
        "sscan",
        -3,
        READONLY,
        KEY1,
        "set",
        "Iterates over the members of a set.",
        Sync(sscan)
    ),
];

type Set = HashSet<Bytes>;

/// Most members SRANDMEMBER returns for a negative count (the same bound as HRANDFIELD's): the
/// reply is built in memory, and Redis 7.0's bound (2^63-1) would let one command exhaust it.
const MAX_RANDOM_REPEATS: u64 = 1 << 20;

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

/// The set under `key` for a write (no hit/miss accounting); `Err(WRONGTYPE)` for another type.
fn write_target<'k>(
    ks: &'k mut Keyspace,
    key: &[u8],
    now: u64,
) -> Result<Option<&'k mut Set>, Frame> {
    match ks.get_mut(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Set(set) => Ok(Some(set)),
            _ => Err(err(reply::WRONGTYPE)),
        },
    }
}

/// Runs `f` on the set under `key` (or `None`), counting a hit or a miss as Redis's
/// `lookupKeyRead` does: a key of another type is a hit that answers WRONGTYPE.
fn read(ks: &mut Keyspace, key: &[u8], now: u64, f: impl FnOnce(Option<&Set>) -> Frame) -> Frame {
    let (hit, reply) = match ks.get_mut(key, now) {
        None => (false, f(None)),
        Some(entry) => match &entry.value {
            Value::Set(set) => (true, f(Some(set))),
            _ => (true, err(reply::WRONGTYPE)),
        },
    };
    ks.record_read(hit);
    reply
}

/// Books an in-place change of `key`'s set: memory returned, and the key deleted if it was emptied
/// (an empty collection is never stored); notifies `event`, then `del` for a deleted set.
fn after_removal(ks: &mut Keyspace, key: &[u8], freed: usize, emptied: bool, event: &'static str) {
    ks.adjust_memory(-(freed as i64));
    ks.notify(notify::SET, event, key);
    if emptied {
        ks.take(key);
        ks.notify(notify::GENERIC, "del", key);
    }
    ks.record_write();
}

fn bulks<'a>(members: impl IntoIterator<Item = &'a Bytes>) -> Vec<Frame> {
    members
        .into_iter()
        .map(|m| Frame::Bulk(m.clone()))
        .collect()
}

pub(super) fn sadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let expiry = default_expiry(ctx);
    let (key, members) = (&args[1], &args[2..]);
    let mut ks = ctx.session.region.lock();
    let mut added = 0;
    let mut grown = 0;
    match write_target(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(Some(set)) => {
            for m in members {
                let before = set.len();
                // One hash lookup per member, and a copy only when it is new.
                set.get_or_insert_with(&m[..], Bytes::copy_from_slice);
                if set.len() > before {
                    added += 1;
                    grown += element_cost(m.len());
                }
            }
        }
        Ok(None) => {
            let mut set = Set::with_capacity(members.len());
            for m in members {
                set.get_or_insert_with(&m[..], Bytes::copy_from_slice);
            }
            let added = set.len() as i64;
            ks.set(key, Value::Set(set), expiry, ctx.now);
            ks.notify(notify::SET, "sadd", key);
            return Frame::Integer(added);
        }
    }
    if added > 0 {
        ks.adjust_memory(grown as i64);
        ks.record_write();
        ks.notify(notify::SET, "sadd", key);
    }
    Frame::Integer(added)
}

pub(super) fn srem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let (removed, freed, emptied) = match write_target(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(set)) => {
            let (mut removed, mut freed) = (0, 0);
            for m in &args[2..] {
                if set.remove(&m[..]) {
                    removed += 1;
                    freed += element_cost(m.len());
                }
            }
            (removed, freed, set.is_empty())
        }
    };
    if removed > 0 {
        after_removal(&mut ks, key, freed, emptied, "srem");
    }
    Frame::Integer(removed)
}

pub(super) fn smembers(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    read(&mut ks, &args[1], ctx.now, |set| {
        Frame::Set(set.map(bulks).unwrap_or_default())
    })
}

pub(super) fn sismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    read(&mut ks, &args[1], ctx.now, |set| {
        Frame::Integer(set.is_some_and(|s| s.contains(&args[2][..])) as i64)
    })
}

pub(super) fn smismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    read(&mut ks, &args[1], ctx.now, |set| {
        Frame::Array(
            args[2..]
                .iter()
                .map(|m| Frame::Integer(set.is_some_and(|s| s.contains(&m[..])) as i64))
                .collect(),
        )
    })
}

pub(super) fn scard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    read(&mut ks, &args[1], ctx.now, |set| {
        Frame::Integer(set.map_or(0, |s| s.len()) as i64)
    })
}

/// One uniformly random member. O(n): hashbrown has no random access to its buckets.
fn random_member(set: &Set) -> Option<&Bytes> {
    if set.is_empty() {
        return None;
    }
    set.iter().nth(rand::rng().random_range(0..set.len()))
}

/// `amount` distinct random members (`amount <= set.len()`), in one pass over the set.
fn sample_members(set: &Set, amount: usize) -> Vec<&Bytes> {
    let mut picks = rand::seq::index::sample(&mut rand::rng(), set.len(), amount).into_vec();
    picks.sort_unstable();
    let mut picks = picks.into_iter().peekable();
    let mut out = Vec::with_capacity(amount);
    for (i, member) in set.iter().enumerate() {
        if picks.peek() == Some(&i) {
            out.push(member);
            picks.next();
        }
    }
    out
}

pub(super) fn spop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() > 3 {
        return err(reply::SYNTAX);
    }
    // Redis parses the count before looking at the key, and words every bad count alike.
    let count = match args.get(2).map(|a| parse_i64(a)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        Some(_) => return err(reply::SET_COUNT_POSITIVE),
    };
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let (popped, emptied) = match write_target(&mut ks, key, ctx.now) {
        Err(e) => return e,
        Ok(None) => {
            return if count.is_some() {
                Frame::Set(Vec::new())
            } else {
                Frame::Null
            };
        }
        Ok(Some(set)) => {
            let popped: Vec<Bytes> = match count {
                Some(0) => return Frame::Set(Vec::new()),
                Some(n) if n >= set.len() => set.drain().collect(),
                Some(n) => sample_members(set, n).into_iter().cloned().collect(),
                None => random_member(set).cloned().into_iter().collect(),
            };
            for m in &popped {
                set.remove(m);
            }
            (popped, set.is_empty())
        }
    };
    let freed = popped.iter().map(|m| element_cost(m.len())).sum();
    after_removal(&mut ks, key, freed, emptied, "spop");
    match count {
        Some(_) => Frame::Set(popped.into_iter().map(Frame::Bulk).collect()),
        None => popped.into_iter().next().map_or(Frame::Null, Frame::Bulk),
    }
}

pub(super) fn srandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() > 3 {
        return err(reply::SYNTAX);
    }
    let count = match args.get(2).map(|a| int(a)) {
        None => None,
        // Redis's range is ±(2^63-1), so that the magnitude of a negative count fits.
        Some(Ok(i64::MIN)) => return err(reply::SET_RANDOM_COUNT_RANGE),
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return e,
    };
    let mut ks = ctx.session.region.lock();
    read(&mut ks, &args[1], ctx.now, |set| {
        let Some(set) = set else {
            return if count.is_some() {
                Frame::Array(Vec::new())
            } else {
                Frame::Null
            };
        };
        match count {
            None => random_member(set).map_or(Frame::Null, |m| Frame::Bulk(m.clone())),
            Some(0) => Frame::Array(Vec::new()),
            // A negative count samples with replacement, so members may repeat.
            Some(n) if n < 0 => {
                let n = n.unsigned_abs();
                if n > MAX_RANDOM_REPEATS {
                    return err(reply::SET_TOO_MANY_REPEATS);
                }
                let members: Vec<&Bytes> = set.iter().collect();
                let mut rng = rand::rng();
                Frame::Array(
                    (0..n)
                        .map(|_| Frame::Bulk(members[rng.random_range(0..members.len())].clone()))
                        .collect(),
                )
            }
            Some(n) if n as u64 >= set.len() as u64 => Frame::Array(bulks(set)),
            Some(n) => Frame::Array(bulks(sample_members(set, n as usize))),
        }
    })
}

/// Source sets lent out of their entries for one multi-key command and put back on drop (even
/// when the command unwinds). Moving a `HashSet` is O(1), so SINTER of a huge set with a tiny one
/// never copies the huge one. The region lock is held throughout, so no client sees the entries
/// while they hold the empty placeholder.
struct Lent<'k, 'a> {
    ks: &'k mut Keyspace,
    now: u64,
    /// Each distinct key that holds a set, with its set.
    owners: Vec<(&'a [u8], Set)>,
    /// For each key argument, its index in `owners`; `None` for a missing key.
    slots: Vec<Option<usize>>,
}

impl<'k, 'a> Lent<'k, 'a> {
    /// Looks every key up, counting hits and misses; WRONGTYPE if any key holds another type
    /// (Redis checks them all, even after a missing key).
    fn new(ks: &'k mut Keyspace, keys: &'a [Bytes], now: u64) -> Result<Self, Frame> {
        let mut lent = Lent {
            ks,
            now,
            owners: Vec::new(),
            slots: Vec::with_capacity(keys.len()),
        };
        let mut seen: HashMap<&'a [u8], usize> = HashMap::new();
        for key in keys {
            if let Some(&i) = seen.get(&key[..]) {
                lent.ks.record_read(true);
                lent.slots.push(Some(i));
                continue;
            }
            let found = match lent.ks.get_mut(key, now) {
                None => None,
                Some(entry) => match &mut entry.value {
                    Value::Set(set) => Some(std::mem::take(set)),
                    _ => {
                        lent.ks.record_read(true);
                        return Err(err(reply::WRONGTYPE));
                    }
                },
            };
            lent.ks.record_read(found.is_some());
            lent.slots.push(found.map(|set| {
                lent.owners.push((&key[..], set));
                seen.insert(&key[..], lent.owners.len() - 1);
                lent.owners.len() - 1
            }));
        }
        Ok(lent)
    }

    /// The sets in argument order; `None` for missing keys.
    fn sets(&self) -> Vec<Option<&Set>> {
        self.slots
            .iter()
            .map(|slot| slot.map(|i| &self.owners[i].1))
            .collect()
    }
}

impl Drop for Lent<'_, '_> {
    fn drop(&mut self) {
        for (key, set) in self.owners.drain(..) {
            if let Some(Entry {
                value: Value::Set(slot),
                ..
            }) = self.ks.get_mut(key, self.now)
            {
                *slot = set;
            }
        }
    }
}

/// The set algebra of SINTER, SUNION and SDIFF.
#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Members in every set: Redis's method, walking the smallest set and probing the others.
/// Empty when any key is missing.
fn intersection<'s>(sets: &[Option<&'s Set>]) -> impl Iterator<Item = &'s Bytes> + use<'s> {
    let mut sets: Vec<&Set> = sets
        .iter()
        .copied()
        .collect::<Option<_>>()
        .unwrap_or_default();
    sets.sort_by_key(|s| s.len());
    let smallest = if sets.is_empty() {
        None
    } else {
        Some(sets.remove(0))
    };
    smallest
        .into_iter()
        .flatten()
        .filter(move |m| sets.iter().all(|s| s.contains(*m)))
}

/// The distinct members of the result of `op`.
fn compute<'s>(op: Op, sets: &[Option<&'s Set>]) -> Vec<&'s Bytes> {
    match op {
        Op::Inter => intersection(sets).collect(),
        Op::Union => {
            let mut out: HashSet<&Bytes> =
                HashSet::with_capacity(sets.iter().flatten().map(|s| s.len()).max().unwrap_or(0));
            out.extend(sets.iter().flatten().flat_map(|s| s.iter()));
            out.into_iter().collect()
        }
        Op::Diff => {
            let Some(first) = sets[0] else {
                return Vec::new();
            };
            let others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
            if others.iter().any(|s| std::ptr::eq(*s, first)) {
                return Vec::new();
            }
            // Redis's choice: probe every other set per member, or subtract whole sets, whichever
            // touches fewer members (probing is favoured by half, as it stops early).
            let probe = first.len() * (others.len() + 1) / 2;
            let subtract = first.len() + others.iter().map(|s| s.len()).sum::<usize>();
            if probe <= subtract {
                first
                    .iter()
                    .filter(|m| !others.iter().any(|s| s.contains(*m)))
                    .collect()
            } else {
                let mut out: HashSet<&Bytes> = first.iter().collect();
                for s in &others {
                    for m in s.iter() {
                        out.remove(m);
                    }
                    if out.is_empty() {
                        break;
                    }
                }
                out.into_iter().collect()
            }
        }
    }
}

fn algebra(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> Frame {
    let mut ks = ctx.session.region.lock();
    match Lent::new(&mut ks, &args[1..], ctx.now) {
        Ok(lent) => Frame::Set(bulks(compute(op, &lent.sets()))),
        Err(e) => e,
    }
}

/// The STORE forms: the result replaces the destination (whatever its type, dropping its TTL), and
/// an empty result deletes it. Replies with the result's size.
fn algebra_store(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op) -> Frame {
    let expiry = default_expiry(ctx);
    let dst = &args[1];
    let mut ks = ctx.session.region.lock();
    let result: Set = match Lent::new(&mut ks, &args[2..], ctx.now) {
        // Members are the stored `Bytes`, shared with their sources, never argument buffers.
        Ok(lent) => compute(op, &lent.sets()).into_iter().cloned().collect(),
        Err(e) => return e,
    };
    let n = result.len() as i64;
    if result.is_empty() {
        if ks.remove(dst, ctx.now).is_some() {
            ks.notify(notify::GENERIC, "del", dst);
        }
    } else {
        ks.set(dst, Value::Set(result), expiry, ctx.now);
        let event = match op {
            Op::Inter => "sinterstore",
            Op::Union => "sunionstore",
            Op::Diff => "sdiffstore",
        };
        ks.notify(notify::SET, event, dst);
    }
    Frame::Integer(n)
}

pub(super) fn sinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra(ctx, args, Op::Inter)
}

pub(super) fn sunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra(ctx, args, Op::Union)
}

pub(super) fn sdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra(ctx, args, Op::Diff)
}

pub(super) fn sinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra_store(ctx, args, Op::Inter)
}

pub(super) fn sunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra_store(ctx, args, Op::Union)
}

pub(super) fn sdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    algebra_store(ctx, args, Op::Diff)
}

pub(super) fn sintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    // Redis answers its range message for non-numbers too.
    let numkeys = match parse_i64(&args[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return err(reply::SET_NUMKEYS),
    };
    if numkeys > (args.len() - 2) as u64 {
        return err(reply::SET_NUMKEYS_ARGS);
    }
    let keys_end = 2 + numkeys as usize;
    let mut limit = 0usize;
    let mut i = keys_end;
    while i < args.len() {
        if is(&args[i], "LIMIT") && i + 1 < args.len() {
            limit = match parse_i64(&args[i + 1]) {
                Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => return err(reply::SET_LIMIT_NEGATIVE),
            };
            i += 2;
        } else {
            return err(reply::SYNTAX);
        }
    }
    let limit = if limit == 0 { usize::MAX } else { limit };
    let mut ks = ctx.session.region.lock();
    match Lent::new(&mut ks, &args[2..keys_end], ctx.now) {
        Ok(lent) => Frame::Integer(intersection(&lent.sets()).take(limit).count() as i64),
        Err(e) => e,
    }
}

pub(super) fn smove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let expiry = default_expiry(ctx);
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    // Redis's order: a missing source answers 0 whatever the destination holds; then the source's
    // type, then the destination's.
    let src_is_set = match ks.get_mut(src, now) {
        None => return Frame::Integer(0),
        Some(entry) => matches!(entry.value, Value::Set(_)),
    };
    if !src_is_set || write_target(&mut ks, dst, now).is_err() {
        return err(reply::WRONGTYPE);
    }
    let src_set = match write_target(&mut ks, src, now) {
        Ok(Some(set)) => set,
        _ => return Frame::Integer(0),
    };
    if src == dst {
        return Frame::Integer(src_set.contains(&member[..]) as i64);
    }
    let Some(moved) = src_set.take(&member[..]) else {
        return Frame::Integer(0);
    };
    let emptied = src_set.is_empty();
    let cost = element_cost(moved.len());
    after_removal(&mut ks, src, cost, emptied, "srem");
    ks.touch(src);
    // The destination changes only if the member was not already in it (Redis touches it, for
    // WATCH, only then).
    match write_target(&mut ks, dst, now) {
        Ok(Some(dst_set)) => {
            if dst_set.insert(moved) {
                ks.adjust_memory(cost as i64);
                ks.touch(dst);
                ks.notify(notify::SET, "sadd", dst);
            }
        }
        _ => {
            ks.set(dst, Value::Set(Set::from_iter([moved])), expiry, now);
            ks.touch(dst);
            ks.notify(notify::SET, "sadd", dst);
        }
    }
    Frame::Integer(1)
}

/// The position of a member in large-set SSCAN order: a fixed-key SipHash, so that it depends on
/// the member alone, never on the set's layout or history.
fn scan_hash(member: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(member);
    hasher.finish()
}

/// One SSCAN page of a large set: the `count` members with the smallest hashes at or after
/// `cursor` (plus any sharing the last one's hash), and the next cursor, one past that hash (0 when
/// nothing is left). A member present for the whole scan is returned exactly once, whatever else is
/// added or removed in between. O(n) per call: every member is hashed to find the page.
fn scan_page(set: &Set, cursor: u64, count: usize) -> (u64, Vec<&Bytes>) {
    let mut ahead: Vec<(u64, &Bytes)> = set
        .iter()
        .map(|m| (scan_hash(m), m))
        .filter(|(h, _)| *h >= cursor)
        .collect();
    if ahead.len() <= count {
        return (0, ahead.into_iter().map(|(_, m)| m).collect());
    }
    ahead.select_nth_unstable_by_key(count - 1, |(h, _)| *h);
    let boundary = ahead[count - 1].0;
    let page: Vec<&Bytes> = ahead
        .iter()
        .filter(|(h, _)| *h <= boundary)
        .map(|(_, m)| *m)
        .collect();
    // When some hash lies past the boundary, the boundary is below u64::MAX.
    let next = if page.len() == ahead.len() {
        0
    } else {
        boundary + 1
    };
    (next, page)
}

fn scan_reply(cursor: u64, members: Vec<Frame>) -> Frame {
    let mut buf = itoa::Buffer::new();
    Frame::Array(vec![
        Frame::Bulk(Bytes::copy_from_slice(buf.format(cursor).as_bytes())),
        Frame::Array(members),
    ])
}

pub(super) fn sscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(cursor) = super::args::scan_cursor(&args[2]) else {
        return err(reply::INVALID_CURSOR);
    };
    let mut ks = ctx.session.region.lock();
    let (hit, reply) = match ks.get_mut(&args[1], ctx.now) {
        None => (false, scan_reply(0, Vec::new())),
        Some(entry) => match &entry.value {
            // Redis parses the options only once it has a set to scan.
            Value::Set(set) => (
                true,
                scan_set(
                    set,
                    entry.value.encoding() == "hashtable",
                    cursor,
                    &args[3..],
                ),
            ),
            _ => (true, err(reply::WRONGTYPE)),
        },
    };
    ks.record_read(hit);
    reply
}

fn scan_set(set: &Set, large: bool, cursor: u64, options: &[Bytes]) -> Frame {
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 0;
    while i < options.len() {
        if is(&options[i], "COUNT") && i + 1 < options.len() {
            count = match int(&options[i + 1]) {
                Ok(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
                Ok(_) => return err(reply::SYNTAX),
                Err(e) => return e,
            };
        } else if is(&options[i], "MATCH") && i + 1 < options.len() {
            pattern = Some(&options[i + 1][..]).filter(|p| *p != b"*");
        } else {
            return err(reply::SYNTAX);
        }
        i += 2;
    }
    // Small sets (Redis's intset and listpack encodings) come back whole in one call, cursor 0.
    let (next, page) = if large {
        scan_page(set, cursor, count)
    } else {
        (0, set.iter().collect())
    };
    let matching = page
        .into_iter()
        .filter(|m| pattern.is_none_or(|p| crate::store::glob::glob_match(p, m)));
    scan_reply(next, bulks(matching))
}

#[cfg(test)]
mod tests;
