//! ZRANDMEMBER: one random member, `count` distinct members, or (negative count) `|count|` picks
//! that may repeat, optionally WITHSCORES.

use bytes::Bytes;
use kuber_protocol::Frame;
use rand::Rng;

use super::{members_reply, read, resp3};
use crate::cmd::Ctx;
use crate::cmd::args::is;
use crate::cmd::reply::{self, err};
use crate::store::value::parse_i64;
use crate::store::zset::Scored;

/// Largest number of repeated picks (negative count) served, as HRANDFIELD and SRANDMEMBER bound
/// it: Redis 7.0 would try to build any reply up to 2^62 members; Kuber answers
/// `ERR value is out of range` past this bound instead of exhausting memory.
const MAX_RANDOM_REPEATS: u64 = 1 << 20;

pub(super) fn zrandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let resp3 = resp3(ctx);
    if args.len() == 2 {
        return read(
            ctx,
            &args[1],
            || Frame::Null,
            |z| {
                // `rank_range` walks from the nearer end.
                let at = rand::rng().random_range(0..z.len());
                let (member, _) = z.rank_range(at, at).pop().expect("rank below len");
                Frame::Bulk(member)
            },
        );
    }
    // Redis reads the count first, then the rest of the syntax.
    let count = match parse_i64(&args[2]) {
        Some(i64::MIN) => return err(reply::ZSET_RANDOM_COUNT_RANGE),
        Some(n) => n,
        None => return err(reply::NOT_INTEGER),
    };
    if args.len() > 4 || (args.len() == 4 && !is(&args[3], "WITHSCORES")) {
        return err(reply::SYNTAX);
    }
    let withscores = args.len() == 4;
    if withscores && count.unsigned_abs() > (i64::MAX / 2) as u64 {
        return err(reply::ZSET_OUT_OF_RANGE);
    }
    read(
        ctx,
        &args[1],
        || Frame::Array(Vec::new()),
        |z| {
            if count == 0 {
                return Frame::Array(Vec::new());
            }
            let mut rng = rand::rng();
            let members: Vec<(&Bytes, f64)> = z.iter().collect();
            let picked: Vec<Scored> = if count < 0 {
                let n = count.unsigned_abs();
                if n > MAX_RANDOM_REPEATS {
                    return err(reply::ZSET_OUT_OF_RANGE);
                }
                (0..n)
                    .map(|_| {
                        let (m, s) = members[rng.random_range(0..members.len())];
                        (m.clone(), s)
                    })
                    .collect()
            } else {
                let n = (count as u64).min(members.len() as u64) as usize;
                rand::seq::index::sample(&mut rng, members.len(), n)
                    .into_iter()
                    .map(|i| (members[i].0.clone(), members[i].1))
                    .collect()
            };
            members_reply(picked, withscores, resp3)
        },
    )
}

#[cfg(test)]
mod tests;
