//! Ranges by rank, score and lex: ZRANGE with every option, the older range commands, and
//! ZRANGESTORE — Redis's `zrangeGenericCommand`.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{default_expiry, members_reply, read, resp3};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::store::Value;
use crate::store::zset::{LexRange, ScoreRange, Scored, ZSet};

/// Redis's index sanitising for rank ranges: negative counts from the end, `None` when empty.
pub(super) fn rank_window(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
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

/// Redis's `zrangeGenericCommand`: ZRANGE with every option, the older range commands with their
/// kind and direction fixed (so that BYSCORE/BYLEX/REV are syntax errors there), and ZRANGESTORE
/// (`store`: destination first, no WITHSCORES).
fn range_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    kind: Option<RangeKind>,
    rev: Option<bool>,
    store: bool,
) -> Frame {
    let (mut kind, mut rev) = (kind, rev);
    let first = if store { 2 } else { 1 };
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut i = first + 3;
    while i < args.len() {
        let a = &args[i];
        if !store && is(a, "WITHSCORES") {
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
    let (min, max) = if rev && kind != RangeKind::Rank {
        (&args[first + 2], &args[first + 1])
    } else {
        (&args[first + 1], &args[first + 2])
    };
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
    // A negative offset skips everything (Redis's `while (offset--)` runs off the end); a
    // negative count means no limit.
    let (offset, limit) = (usize::try_from(offset).ok(), usize::try_from(limit).ok());
    let select = |z: &ZSet| match (&spec, offset) {
        (RangeSpec::Rank(start, end), _) => by_rank(z, *start, *end, rev),
        (_, None) => Vec::new(),
        (RangeSpec::Score(range), Some(offset)) => z.score_range(range, rev, offset, limit),
        (RangeSpec::Lex(range), Some(offset)) => z.lex_range(range, rev, offset, limit),
    };
    if store {
        return range_store(ctx, &args[1], &args[2], select);
    }
    let resp3 = resp3(ctx);
    read(
        ctx,
        &args[1],
        || Frame::Array(Vec::new()),
        |z| members_reply(select(z), withscores, resp3),
    )
}

/// ZRANGESTORE's write: the selected members replace `dst` (deleted when there are none).
fn range_store(
    ctx: &mut Ctx<'_>,
    dst: &[u8],
    src: &[u8],
    select: impl FnOnce(&ZSet) -> Vec<Scored>,
) -> Frame {
    let expiry = default_expiry(ctx);
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    let (found, items) = match ks.get_mut(src, now).map(|e| &e.value) {
        None => (false, Vec::new()),
        Some(Value::ZSet(z)) => (true, select(z)),
        Some(_) => return err(reply::WRONGTYPE),
    };
    ks.record_read(found);
    let n = items.len() as i64;
    if items.is_empty() {
        if ks.remove(dst, now).is_some() {
            ks.notify(crate::notify::GENERIC, "del", dst);
        }
        return Frame::Integer(0);
    }
    let longest = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let mut z = ZSet::for_insert(items.len(), longest);
    for (member, score) in items {
        z.insert(member, score);
    }
    ks.set(dst, Value::ZSet(z), expiry, now);
    ks.notify(crate::notify::ZSET, "zrangestore", dst);
    ks.signal_ready(dst);
    Frame::Integer(n)
}

pub(super) fn zrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, None, None, false)
}

pub(super) fn zrangestore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, None, None, true)
}

pub(super) fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Score), Some(false), false)
}

pub(super) fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Score), Some(true), false)
}

pub(super) fn zrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Rank), Some(true), false)
}

pub(super) fn zrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Lex), Some(false), false)
}

pub(super) fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    range_generic(ctx, args, Some(RangeKind::Lex), Some(true), false)
}
