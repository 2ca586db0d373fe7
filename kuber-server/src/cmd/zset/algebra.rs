//! ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD: Redis's
//! `zunionInterDiffGenericCommand`, with plain sets as inputs (every member scored 1), WEIGHTS,
//! AGGREGATE SUM|MIN|MAX, WITHSCORES and LIMIT, and Redis's NaN rule (a NaN product or sum is 0).

use bytes::Bytes;
use hashbrown::{HashMap, HashSet};
use kuber_protocol::Frame;

use super::{default_expiry, members_reply, resp3};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::store::value::parse_i64;
use crate::store::zset::{ZSet, parse_score};
use crate::store::{Entry, Keyspace, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`: a sum of opposite infinities is 0, not NaN.
    fn fold(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input, lent out of the keyspace for the command's duration.
enum Source {
    ZSet(ZSet),
    Set(HashSet<Bytes>),
}

impl Source {
    fn len(&self) -> usize {
        match self {
            Source::ZSet(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::ZSet(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }

    fn members(&self) -> Box<dyn Iterator<Item = (&Bytes, f64)> + '_> {
        match self {
            Source::ZSet(z) => Box::new(z.iter()),
            Source::Set(s) => Box::new(s.iter().map(|m| (m, 1.0))),
        }
    }
}

/// The input keys' values, taken out of the keyspace (no copy) and put back on drop. A key named
/// twice is lent once.
struct Lent<'k, 'a> {
    ks: &'k mut Keyspace,
    now: u64,
    owners: Vec<(&'a [u8], Source)>,
    /// For each key argument, its index in `owners`; `None` for a missing key.
    slots: Vec<Option<usize>>,
}

impl<'k, 'a> Lent<'k, 'a> {
    /// Looks every key up; WRONGTYPE for a key holding neither a zset nor a set (Redis checks
    /// them all before reading any option).
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
                    Value::ZSet(z) => Some(Source::ZSet(std::mem::take(z))),
                    Value::Set(s) => Some(Source::Set(std::mem::take(s))),
                    _ => {
                        lent.ks.record_read(true);
                        return Err(err(reply::WRONGTYPE));
                    }
                },
            };
            lent.ks.record_read(found.is_some());
            lent.slots.push(found.map(|source| {
                lent.owners.push((&key[..], source));
                seen.insert(&key[..], lent.owners.len() - 1);
                lent.owners.len() - 1
            }));
        }
        Ok(lent)
    }
}

impl Drop for Lent<'_, '_> {
    fn drop(&mut self) {
        for (key, source) in self.owners.drain(..) {
            if let Some(Entry { value, .. }) = self.ks.get_mut(key, self.now) {
                match (value, source) {
                    (Value::ZSet(slot), Source::ZSet(z)) => *slot = z,
                    (Value::Set(slot), Source::Set(s)) => *slot = s,
                    _ => unreachable!("a lent key keeps its type"),
                }
            }
        }
    }
}

/// The parsed command.
struct Request<'a> {
    op: Op,
    keys: &'a [Bytes],
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// ZINTERCARD only: 0 = no limit.
    limit: Option<usize>,
}

/// Everything before the key lookups: numkeys, as Redis checks it.
fn parse_numkeys(args: &[Bytes], at: usize) -> Result<&[Bytes], Frame> {
    let numkeys = int(&args[at])?;
    if numkeys < 1 {
        return Err(reply::zset_at_least_one_key(&String::from_utf8_lossy(
            &args[0].to_ascii_lowercase(),
        )));
    }
    if numkeys as u64 > (args.len() - at - 1) as u64 {
        return Err(err(reply::SYNTAX));
    }
    Ok(&args[at + 1..at + 1 + numkeys as usize])
}

/// The options after the keys, in Redis's order of checks.
fn parse_options<'a>(
    op: Op,
    keys: &'a [Bytes],
    options: &[Bytes],
    store: bool,
    card: bool,
) -> Result<Request<'a>, Frame> {
    let mut request = Request {
        op,
        keys,
        weights: vec![1.0; keys.len()],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: card.then_some(0),
    };
    let mut i = 0;
    while i < options.len() {
        let left = options.len() - i;
        let a = &options[i];
        if op != Op::Diff && !card && left > keys.len() && is(a, "WEIGHTS") {
            for (w, arg) in request.weights.iter_mut().zip(&options[i + 1..]) {
                *w = parse_score(arg).ok_or(err(reply::ZSET_WEIGHT_FLOAT))?;
            }
            i += 1 + keys.len();
        } else if op != Op::Diff && !card && left >= 2 && is(a, "AGGREGATE") {
            let b = &options[i + 1];
            request.aggregate = if is(b, "SUM") {
                Aggregate::Sum
            } else if is(b, "MIN") {
                Aggregate::Min
            } else if is(b, "MAX") {
                Aggregate::Max
            } else {
                return Err(err(reply::SYNTAX));
            };
            i += 2;
        } else if !store && !card && is(a, "WITHSCORES") {
            request.withscores = true;
            i += 1;
        } else if card && left >= 2 && is(a, "LIMIT") {
            let limit = match parse_i64(&options[i + 1]) {
                Some(n) if n >= 0 => n,
                _ => return Err(err(reply::SET_LIMIT_NEGATIVE)),
            };
            request.limit = Some(usize::try_from(limit).unwrap_or(usize::MAX));
            i += 2;
        } else {
            return Err(err(reply::SYNTAX));
        }
    }
    Ok(request)
}

/// The result of a request on lent inputs: a sorted set, or with `card` only its size.
fn compute(request: &Request<'_>, lent: &Lent<'_, '_>) -> (ZSet, usize) {
    let source = |i: usize| lent.slots[i].map(|o| (o, &lent.owners[o].1));
    let mut pairs: Vec<(Bytes, f64)> = Vec::new();
    let mut cardinality = 0;
    match request.op {
        Op::Union => {
            // Smallest first, as Redis orders them (it matters only for float rounding).
            let mut order: Vec<usize> = (0..request.keys.len()).collect();
            order.sort_by_key(|&i| source(i).map_or(0, |(_, s)| s.len()));
            let mut acc: HashMap<Bytes, f64> = HashMap::new();
            for i in order {
                let Some((_, src)) = source(i) else { continue };
                for (member, score) in src.members() {
                    let mut value = request.weights[i] * score;
                    if value.is_nan() {
                        value = 0.0;
                    }
                    match acc.get_mut(&member[..]) {
                        Some(target) => request.aggregate.fold(target, value),
                        None => {
                            acc.insert(member.clone(), value);
                        }
                    }
                }
            }
            pairs.extend(acc);
        }
        Op::Inter => {
            let mut order: Vec<usize> = (0..request.keys.len()).collect();
            order.sort_by_key(|&i| source(i).map_or(0, |(_, s)| s.len()));
            let all: Option<Vec<(usize, (usize, &Source))>> =
                order.iter().map(|&i| source(i).map(|s| (i, s))).collect();
            if let Some(all) = all
                && let Some(&(first_i, (first_owner, first))) = all.first()
            {
                let limit = request.limit.filter(|&l| l > 0).unwrap_or(usize::MAX);
                'members: for (member, score) in first.members() {
                    let mut total = request.weights[first_i] * score;
                    if total.is_nan() {
                        total = 0.0;
                    }
                    for &(i, (owner, src)) in &all[1..] {
                        // The same key again: Redis reuses the first score without a lookup.
                        let found = if owner == first_owner {
                            Some(score)
                        } else {
                            src.score(member)
                        };
                        let Some(found) = found else {
                            continue 'members;
                        };
                        request
                            .aggregate
                            .fold(&mut total, found * request.weights[i]);
                    }
                    cardinality += 1;
                    if request.limit.is_some() {
                        if cardinality >= limit {
                            break;
                        }
                    } else {
                        pairs.push((member.clone(), total));
                    }
                }
            }
        }
        Op::Diff => {
            if let Some((first_owner, first)) = source(0) {
                let others: Vec<(usize, &Source)> =
                    (1..request.keys.len()).filter_map(source).collect();
                // The first key named again leaves nothing.
                if others.iter().all(|&(o, _)| o != first_owner) {
                    pairs.extend(
                        first
                            .members()
                            .filter(|(m, _)| others.iter().all(|(_, s)| s.score(m).is_none()))
                            .map(|(m, s)| (m.clone(), s)),
                    );
                }
            }
        }
    }
    let longest = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let mut z = ZSet::for_insert(pairs.len(), longest);
    for (member, score) in pairs {
        z.insert(member, score);
    }
    (z, cardinality)
}

/// ZUNION/ZINTER/ZDIFF/ZINTERCARD (`dst` None) and their STORE forms.
fn generic(ctx: &mut Ctx<'_>, args: &[Bytes], op: Op, store: bool, card: bool) -> Frame {
    let numkeys_at = if store { 2 } else { 1 };
    let keys = match parse_numkeys(args, numkeys_at) {
        Ok(keys) => keys,
        Err(e) => return e,
    };
    let options = &args[numkeys_at + 1 + keys.len()..];
    let resp3 = resp3(ctx);
    let expiry = default_expiry(ctx);
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    let (result, cardinality, withscores) = {
        let lent = match Lent::new(&mut ks, keys, now) {
            Ok(lent) => lent,
            Err(e) => return e,
        };
        let request = match parse_options(op, keys, options, store, card) {
            Ok(request) => request,
            Err(e) => return e,
        };
        let (result, cardinality) = compute(&request, &lent);
        (result, cardinality, request.withscores)
    };
    if card {
        return Frame::Integer(cardinality as i64);
    }
    if !store {
        let items = result.iter().map(|(m, s)| (m.clone(), s)).collect();
        return members_reply(items, withscores, resp3);
    }
    let dst = &args[1];
    let n = result.len() as i64;
    if result.is_empty() {
        if ks.remove(dst, now).is_some() {
            ks.notify(crate::notify::GENERIC, "del", dst);
        }
    } else {
        ks.set(dst, Value::ZSet(result), expiry, now);
        let event = match op {
            Op::Union => "zunionstore",
            Op::Inter => "zinterstore",
            Op::Diff => "zdiffstore",
        };
        ks.notify(crate::notify::ZSET, event, dst);
        ks.signal_ready(dst);
    }
    Frame::Integer(n)
}

pub(super) fn zunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Union, false, false)
}

pub(super) fn zinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Inter, false, false)
}

pub(super) fn zdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Diff, false, false)
}

pub(super) fn zunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Union, true, false)
}

pub(super) fn zinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Inter, true, false)
}

pub(super) fn zdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Diff, true, false)
}

pub(super) fn zintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    generic(ctx, args, Op::Inter, false, true)
}

#[cfg(test)]
mod tests;
