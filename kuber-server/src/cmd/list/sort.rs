//! SORT and SORT_RO: sort a list, set or sorted set numerically or bytewise (ALPHA), by the
//! element itself or by weights looked up through a `BY` pattern, with LIMIT, GET patterns and
//! STORE into a list. It lives with lists because its STORE result is a list.

use std::cmp::Ordering;
use std::collections::VecDeque;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::default_expiry;
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::store::{Keyspace, Value};

/// Parsed options, in Redis's defaults.
struct SortOptions<'a> {
    /// `BY pattern` with a `*`: weights come from other keys.
    by: Option<&'a [u8]>,
    /// `BY` a pattern without `*`: keep the value's own order.
    dont_sort: bool,
    limit: Option<(i64, i64)>,
    gets: Vec<&'a [u8]>,
    desc: bool,
    alpha: bool,
    store: Option<&'a Bytes>,
}

fn parse(args: &[Bytes], readonly: bool) -> Result<SortOptions<'_>, Frame> {
    let mut opts = SortOptions {
        by: None,
        dont_sort: false,
        limit: None,
        gets: Vec::new(),
        desc: false,
        alpha: false,
        store: None,
    };
    let mut i = 2;
    while i < args.len() {
        let left = args.len() - i - 1;
        let arg = &args[i];
        if is(arg, "ASC") {
            opts.desc = false;
        } else if is(arg, "DESC") {
            opts.desc = true;
        } else if is(arg, "ALPHA") {
            opts.alpha = true;
        } else if is(arg, "LIMIT") && left >= 2 {
            opts.limit = Some((int(&args[i + 1])?, int(&args[i + 2])?));
            i += 2;
        } else if !readonly && is(arg, "STORE") && left >= 1 {
            opts.store = Some(&args[i + 1]);
            i += 1;
        } else if is(arg, "BY") && left >= 1 {
            let pattern = &args[i + 1][..];
            // As Redis: a pattern without `*` cannot name per-element keys, so nothing is sorted.
            opts.dont_sort = !pattern.contains(&b'*');
            opts.by = Some(pattern);
            i += 1;
        } else if is(arg, "GET") && left >= 1 {
            opts.gets.push(&args[i + 1]);
            i += 1;
        } else {
            return Err(err(reply::SYNTAX));
        }
        i += 1;
    }
    Ok(opts)
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` is replaced
/// by the element and the key's string value is read, or with `->field` after the `*` a field
/// of the hash under that key. Anything else (no `*`, missing key, other type) is `None`.
fn lookup(ks: &mut Keyspace, pattern: &[u8], element: &Bytes, now: u64) -> Option<Bytes> {
    if pattern == b"#" {
        return Some(element.clone());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let (prefix, rest) = (&pattern[..star], &pattern[star + 1..]);
    let (suffix, field) = match rest.windows(2).position(|w| w == b"->") {
        Some(arrow) if arrow + 2 < rest.len() => (&rest[..arrow], Some(&rest[arrow + 2..])),
        _ => (rest, None),
    };
    let key = [prefix, &element[..], suffix].concat();
    match (&ks.peek(&key, now)?.value, field) {
        (Value::Str(value), None) => Some(value.clone()),
        (Value::Hash(hash), Some(field)) => hash.get(field).cloned(),
        _ => None,
    }
}

/// A weight as Redis reads it with `strtod`: leading white space allowed, the whole text must be
/// a number, NaN and out-of-range values refused; the empty string is 0.
fn score(text: &[u8]) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    let text = std::str::from_utf8(text).ok()?;
    let number = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let value: f64 = number.parse().ok()?;
    let spelled_infinite = number
        .trim_start_matches(['+', '-'])
        .get(..3)
        .is_some_and(|s| s.eq_ignore_ascii_case("inf"));
    (!value.is_nan() && (value.is_finite() || spelled_infinite)).then_some(value)
}

/// What an element is compared by.
enum Weight {
    Score(f64),
    /// ALPHA with BY: the looked-up text, missing ones first.
    Text(Option<Bytes>),
    /// ALPHA without BY: the element itself.
    Element,
}

/// Redis's `sortCompare`: scores with equal scores ordered bytewise, so the result is fully
/// determined.
fn compare(a: &(Bytes, Weight), b: &(Bytes, Weight)) -> Ordering {
    match (&a.1, &b.1) {
        (Weight::Score(x), Weight::Score(y)) => x
            .partial_cmp(y)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0)),
        (Weight::Text(x), Weight::Text(y)) => x.cmp(y),
        _ => a.0.cmp(&b.0),
    }
}

/// The elements of the value under `key` in its own order (a set's iteration order), or
/// WRONGTYPE.
fn elements(ks: &mut Keyspace, key: &[u8], now: u64) -> Result<(Vec<Bytes>, bool), Frame> {
    let entry = ks.get_mut(key, now);
    let found = entry.is_some();
    let elements = match entry.map(|e| &e.value) {
        None => (Vec::new(), false),
        Some(Value::List(list)) => (list.iter().cloned().collect(), false),
        Some(Value::Set(set)) => (set.iter().cloned().collect(), true),
        Some(Value::ZSet(zset)) => (zset.iter().map(|(m, _)| m.clone()).collect(), false),
        Some(_) => return Err(err(reply::WRONGTYPE)),
    };
    ks.record_read(found);
    Ok(elements)
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]`
pub(super) fn sort(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    sort_command(ctx, args, false)
}

/// SORT without STORE, allowed to read-only users.
pub(super) fn sort_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    sort_command(ctx, args, true)
}

fn sort_command(ctx: &mut Ctx<'_>, args: &[Bytes], readonly: bool) -> Frame {
    let mut opts = match parse(args, readonly) {
        Ok(opts) => opts,
        Err(e) => return e,
    };
    let (now, expiry) = (ctx.now, default_expiry(ctx));
    let mut ks = ctx.session.region.lock();
    let (mut elements, is_set) = match elements(&mut ks, &args[1], now) {
        Ok(found) => found,
        Err(e) => return e,
    };
    if opts.dont_sort && is_set && (opts.store.is_some() || ctx.session.in_script) {
        // Redis sorts a set anyway when storing, so that replicas store the same list, and for
        // scripts, whose replies must not depend on the set's internal order.
        (opts.dont_sort, opts.alpha, opts.by) = (false, true, None);
    }
    if opts.dont_sort {
        if opts.desc {
            elements.reverse();
        }
    } else {
        let mut weighted = Vec::with_capacity(elements.len());
        for element in elements {
            let by = opts
                .by
                .map(|pattern| lookup(&mut ks, pattern, &element, now));
            let weight = match (opts.alpha, by) {
                (true, Some(text)) => Weight::Text(text),
                (true, None) => Weight::Element,
                // A missing weight key counts as 0.
                (false, Some(None)) => Weight::Score(0.0),
                (false, Some(Some(text))) => match score(&text) {
                    Some(s) => Weight::Score(s),
                    None => return err(reply::LIST_SORT_NOT_DOUBLE),
                },
                (false, None) => match score(&element) {
                    Some(s) => Weight::Score(s),
                    None => return err(reply::LIST_SORT_NOT_DOUBLE),
                },
            };
            weighted.push((element, weight));
        }
        weighted.sort_by(|a, b| {
            let order = compare(a, b);
            if opts.desc { order.reverse() } else { order }
        });
        elements = weighted.into_iter().map(|(element, _)| element).collect();
    }
    let len = elements.len() as i64;
    let (start, count) = opts.limit.unwrap_or((0, -1));
    let start = start.max(0);
    let end = if count < 0 {
        len - 1
    } else {
        start.saturating_add(count - 1).min(len - 1)
    };
    let chosen = if start < len && start <= end {
        &elements[start as usize..=end as usize]
    } else {
        &[]
    };
    let mut out: Vec<Option<Bytes>> = Vec::with_capacity(chosen.len() * opts.gets.len().max(1));
    for element in chosen {
        if opts.gets.is_empty() {
            out.push(Some(element.clone()));
        }
        for pattern in &opts.gets {
            out.push(lookup(&mut ks, pattern, element, now));
        }
    }
    let Some(dst) = opts.store else {
        return Frame::Array(
            out.into_iter()
                .map(|v| v.map_or(Frame::Null, Frame::Bulk))
                .collect(),
        );
    };
    let stored = out.len();
    if stored == 0 {
        if ks.remove(dst, now).is_some() {
            ks.notify(crate::notify::GENERIC, "del", dst);
        }
    } else {
        // Missing GET values are stored as empty strings.
        let list: VecDeque<Bytes> = out.into_iter().map(Option::unwrap_or_default).collect();
        ks.set(dst, Value::List(list), expiry, now);
        ks.notify(crate::notify::LIST, "sortstore", dst);
        ks.signal_ready(dst);
    }
    // SORT's row names no keys (the source is only read): the destination's WATCH bookkeeping
    // is done here.
    ks.touch(dst);
    Frame::Integer(stored as i64)
}
