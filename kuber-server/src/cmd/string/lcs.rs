//! LCS: the longest common subsequence of two string values, as Redis 7.0's `lcsCommand` computes
//! it (same dynamic-programming table, same backtracking, so the same ranges in the same order).

use bytes::Bytes;
use kuber_protocol::Frame;

use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::store::Value;

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]`.
pub(in crate::cmd) fn lcs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut len, mut idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut i = 3;
    while i < args.len() {
        let a = &args[i];
        if is(a, "IDX") {
            idx = true;
        } else if is(a, "LEN") {
            len = true;
        } else if is(a, "WITHMATCHLEN") {
            with_len = true;
        } else if is(a, "MINMATCHLEN") && i + 1 < args.len() {
            min_len = match int(&args[i + 1]) {
                Ok(n) => n.max(0),
                Err(e) => return e,
            };
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let (a, b) = {
        let mut ks = ctx.session.region.lock();
        let mut fetch = |key: &[u8]| match ks.get_mut(key, ctx.now) {
            None => Ok(Bytes::new()),
            Some(entry) => match &entry.value {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(Frame::error(reply::LCS_NOT_STRINGS)),
            },
        };
        let a = match fetch(&args[1]) {
            Ok(a) => a,
            Err(e) => return e,
        };
        match fetch(&args[2]) {
            Ok(b) => (a, b),
            Err(e) => return e,
        }
    };
    if len && idx {
        return Frame::error(reply::LCS_LEN_AND_IDX);
    }
    // The table is (|a|+1)·(|b|+1) cells of 4 bytes; refuse what would not fit the bulk limit.
    let cells = (a.len() as u128 + 1) * (b.len() as u128 + 1);
    let limit = ctx.state.config.kuber.server.proto_max_bulk_len as u128;
    if cells * 4 > limit {
        return Frame::error(reply::LCS_TOO_LARGE);
    }
    lcs_reply(&a, &b, len, idx, with_len, min_len as u64)
}

fn lcs_reply(a: &[u8], b: &[u8], len: bool, idx: bool, with_len: bool, min_len: u64) -> Frame {
    let (alen, blen) = (a.len(), b.len());
    let width = blen + 1;
    let mut table = vec![0u32; (alen + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 1..=alen {
        for j in 1..=blen {
            table[at(i, j)] = if a[i - 1] == b[j - 1] {
                table[at(i - 1, j - 1)] + 1
            } else {
                table[at(i - 1, j)].max(table[at(i, j - 1)])
            };
        }
    }
    let total = table[at(alen, blen)] as usize;
    if len && !idx {
        return Frame::Integer(total as i64);
    }
    let mut result = vec![0u8; total];
    let mut remaining = total;
    let mut matches = Vec::new();
    // `a_start == alen` means "no range open", as in Redis.
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (alen, 0usize, 0usize, 0usize);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[remaining - 1] = a[i - 1];
            if a_start == alen {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            remaining -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[at(i - 1, j)] > table[at(i, j - 1)] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = (a_end - a_start + 1) as u64;
            if idx && (min_len == 0 || match_len >= min_len) {
                let pair = |x: usize, y: usize| {
                    Frame::Array(vec![Frame::Integer(x as i64), Frame::Integer(y as i64)])
                };
                let mut range = vec![pair(a_start, a_end), pair(b_start, b_end)];
                if with_len {
                    range.push(Frame::Integer(match_len as i64));
                }
                matches.push(Frame::Array(range));
            }
            a_start = alen;
        }
    }
    if idx {
        let key = |s: &'static str| Frame::Bulk(Bytes::from_static(s.as_bytes()));
        return Frame::Map(vec![
            (key("matches"), Frame::Array(matches)),
            (key("len"), Frame::Integer(total as i64)),
        ]);
    }
    Frame::Bulk(Bytes::from(result))
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn lcs_string_len_and_ranges_as_redis() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("MSET a ohmytext b mynewtext").await, "+OK\r\n");
        assert_eq!(c.run("LCS a b").await, "$6\r\nmytext\r\n");
        assert_eq!(c.run("LCS a b LEN").await, ":6\r\n");
        assert_eq!(
            c.run("LCS a b IDX").await,
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(
            c.run("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN").await,
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(c.run("LCS a missing").await, "$0\r\n\r\n");
        assert_eq!(
            c.run("LCS a b LEN IDX").await,
            "-ERR If you want both the length and indexes, please just use IDX.\r\n"
        );
        assert_eq!(c.run("LCS a b FOO").await, "-ERR syntax error\r\n");
        assert_eq!(
            c.run("LCS a b MINMATCHLEN x").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(c.run("RPUSH l x").await, ":1\r\n");
        assert_eq!(
            c.run("LCS a l").await,
            "-ERR The specified keys must contain string values\r\n"
        );
    }
}
