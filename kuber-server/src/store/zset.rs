//! The sorted-set value: members with scores, ordered by (score, member) as Redis orders them, with
//! the range specs (`ScoreRange`, `LexRange`) its queries take and Redis's score text in and out.
//!
//! Costs, n members: score lookup O(1); insert/remove O(log n); score and lex ranges O(log n + k)
//! (lex ranges over members with different scores fall back to Redis's listpack walk, O(n)); ranks
//! and rank ranges O(min(r, n - r) + k), because a `BTreeSet` keeps no subtree sizes; a SCAN step
//! O(n log count) (see [`ZSet::scan`]).

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use std::hash::{DefaultHasher, Hasher};
use std::ops::Bound;

use bytes::Bytes;
use hashbrown::HashMap;

use super::value::element_cost;

/// A score with the total order Redis uses (scores are never NaN; -0.0 equals 0.0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

/// Members with scores: a map for O(1) score lookup and an ordered set for ranges and ranks.
#[derive(Clone, Debug, Default)]
pub struct ZSet {
    scores: HashMap<Bytes, f64>,
    order: BTreeSet<(Score, Bytes)>,
    /// Sum of [`member_cost`] over the members, kept up to date so that memory is O(1) to read.
    bytes: usize,
    /// Redis would hold this set in its skiplist encoding: it has had more than
    /// [`LISTPACK_MAX_ENTRIES`] members or a member longer than [`LISTPACK_MAX_VALUE`] bytes (Redis
    /// never converts back). Only visible in one quirk: the small encoding stores -0 as 0.
    skiplist: bool,
}

impl PartialEq for ZSet {
    /// Equal members and scores; the encoding Redis would use does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.scores == other.scores
    }
}

/// `zset-max-listpack-entries`: Redis's small encoding holds at most this many members.
pub const LISTPACK_MAX_ENTRIES: usize = 128;
/// `zset-max-listpack-value`: Redis's small encoding holds members up to this many bytes.
pub const LISTPACK_MAX_VALUE: usize = 64;

/// Memory counted for one member: the member bytes appear in both indexes, plus the score.
pub const fn member_cost(len: usize) -> usize {
    element_cost(len) * 2 + 8
}

/// Sets with at most this many members are scanned in one call, as Redis does for its small
/// encoding.
pub const SCAN_ALL_AT_ONCE: usize = LISTPACK_MAX_ENTRIES;

/// One member and its score, as range queries return them.
pub type Scored = (Bytes, f64);

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The member's score.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// An empty set about to receive `count` members, the longest `longest` bytes long: like
    /// Redis's `zsetTypeCreate`, which picks the big encoding up front for a big ZADD.
    pub fn for_insert(count: usize, longest: usize) -> Self {
        ZSet { skiplist: count > LISTPACK_MAX_ENTRIES || longest > LISTPACK_MAX_VALUE, ..ZSet::default() }
    }

    /// Sets a member's score. Returns the previous score. While Redis would keep the set in its
    /// small (listpack) encoding, -0 is stored as 0, as that encoding does.
    pub fn insert(&mut self, member: Bytes, score: f64) -> Option<f64> {
        if !self.scores.contains_key(&member[..]) && (self.len() >= LISTPACK_MAX_ENTRIES || member.len() > LISTPACK_MAX_VALUE) {
            self.skiplist = true;
        }
        let score = if score == 0.0 && !self.skiplist { 0.0 } else { score };
        if let Some((stored, old)) = self.scores.get_key_value(&member[..]) {
            let (stored, old) = (stored.clone(), *old);
            self.order.remove(&(Score(old), stored.clone()));
            self.order.insert((Score(score), stored.clone()));
            self.scores.insert(stored, score);
            return Some(old);
        }
        self.bytes += member_cost(member.len());
        self.scores.insert(member.clone(), score);
        self.order.insert((Score(score), member));
        None
    }

    /// Like [`ZSet::insert`], copying `member` only when it is new.
    pub fn add(&mut self, member: &[u8], score: f64) -> Option<f64> {
        match self.scores.get_key_value(member) {
            Some((stored, _)) => {
                let stored = stored.clone();
                self.insert(stored, score)
            }
            None => self.insert(Bytes::copy_from_slice(member), score),
        }
    }

    /// Removes a member. Returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (member, score) = self.scores.remove_entry(member)?;
        self.bytes -= member_cost(member.len());
        self.order.remove(&(Score(score), member));
        Some(score)
    }

    /// Members in ascending (score, member) order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Bytes, f64)> {
        self.order.iter().map(|(s, m)| (m, s.0))
    }

    /// The ordered index, for range queries.
    pub fn ordered(&self) -> &BTreeSet<(Score, Bytes)> {
        &self.order
    }

    /// Approximate bytes held: the sum of [`member_cost`], O(1).
    pub fn memory_bytes(&self) -> usize {
        self.bytes
    }

    /// The 0-based ascending rank of `member`, walking from whichever end is nearer.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let (stored, score) = self.scores.get_key_value(member)?;
        let key = (Score(*score), stored.clone());
        let mut below = self.order.range(..key.clone());
        let mut above = self.order.range(key..);
        // `below` holds exactly `rank` items and `above` the other `len - rank`: step both until
        // one runs out.
        let mut k = 0;
        loop {
            if below.next().is_none() {
                return Some(k);
            }
            if above.next().is_none() {
                return Some(self.len() - k);
            }
            k += 1;
        }
    }

    /// Members at ascending ranks `start..=end` (both `< len`), walking from the nearer end.
    pub fn rank_range(&self, start: usize, end: usize) -> Vec<Scored> {
        if start > end || end >= self.len() {
            return Vec::new();
        }
        let n = end - start + 1;
        let from_top = self.len() - 1 - end;
        if start <= from_top {
            self.order.iter().skip(start).take(n).map(scored).collect()
        } else {
            let mut items: Vec<Scored> = self.order.iter().rev().skip(from_top).take(n).map(scored).collect();
            items.reverse();
            items
        }
    }

    fn score_iter(&self, range: &ScoreRange) -> impl DoubleEndedIterator<Item = &(Score, Bytes)> {
        (!range.is_empty()).then(|| self.order.range(range.bounds())).into_iter().flatten()
    }

    /// Members with scores in `range`, ascending or (`rev`) descending, after skipping `offset`
    /// of them and keeping at most `limit`.
    pub fn score_range(&self, range: &ScoreRange, rev: bool, offset: usize, limit: Option<usize>) -> Vec<Scored> {
        let limit = limit.unwrap_or(usize::MAX);
        if rev {
            self.score_iter(range).rev().skip(offset).take(limit).map(scored).collect()
        } else {
            self.score_iter(range).skip(offset).take(limit).map(scored).collect()
        }
    }

    /// Number of members with scores in `range`.
    pub fn score_count(&self, range: &ScoreRange) -> usize {
        self.score_iter(range).count()
    }

    /// The run of members a lex range selects, in the direction asked. When every score is equal
    /// (the only case Redis defines) this is a B-tree range. Otherwise it is Redis's listpack walk:
    /// from the first member at or past the near bound, skip `offset` members whatever they are,
    /// then take members while they stay within the far bound.
    fn lex_iter<'a>(&'a self, range: &'a LexRange, rev: bool, offset: usize) -> Box<dyn Iterator<Item = &'a (Score, Bytes)> + 'a> {
        if range.is_empty() {
            return Box::new(std::iter::empty());
        }
        let (Some(first), Some(last)) = (self.order.first(), self.order.last()) else {
            return Box::new(std::iter::empty());
        };
        if first.0 == last.0 {
            let found = self.order.range(range.bounds(first.0.0));
            return if rev { Box::new(found.rev().skip(offset)) } else { Box::new(found.skip(offset)) };
        }
        // Redis's `zzlIsInLexRange`: nothing matches unless the last member is past the lower end
        // and the first is before the upper end.
        if !range.gte_min(&last.1) || !range.lte_max(&first.1) {
            return Box::new(std::iter::empty());
        }
        if rev {
            let mut walk = self.order.iter().rev().skip_while(move |(_, m)| !range.lte_max(m)).peekable();
            let starts_in = walk.peek().is_some_and(|(_, m)| range.gte_min(m));
            Box::new(walk.skip(offset).take_while(move |(_, m)| starts_in && range.gte_min(m)))
        } else {
            let mut walk = self.order.iter().skip_while(move |(_, m)| !range.gte_min(m)).peekable();
            let starts_in = walk.peek().is_some_and(|(_, m)| range.lte_max(m));
            Box::new(walk.skip(offset).take_while(move |(_, m)| starts_in && range.lte_max(m)))
        }
    }

    /// Members in the lex `range`, ascending or (`rev`) descending, after skipping `offset` and
    /// keeping at most `limit`.
    pub fn lex_range(&self, range: &LexRange, rev: bool, offset: usize, limit: Option<usize>) -> Vec<Scored> {
        let limit = limit.unwrap_or(usize::MAX);
        self.lex_iter(range, rev, offset).take(limit).map(scored).collect()
    }

    /// Number of members in the lex `range`.
    pub fn lex_count(&self, range: &LexRange) -> usize {
        self.lex_iter(range, false, 0).count()
    }

    fn remove_all(&mut self, doomed: Vec<(Score, Bytes)>) -> usize {
        for key in &doomed {
            self.order.remove(key);
            self.scores.remove(&key.1);
            self.bytes -= member_cost(key.1.len());
        }
        doomed.len()
    }

    /// Removes the members at ascending ranks `start..=end`. Returns how many.
    pub fn remove_rank_range(&mut self, start: usize, end: usize) -> usize {
        let doomed = self.rank_range(start, end).into_iter().map(|(m, s)| (Score(s), m)).collect();
        self.remove_all(doomed)
    }

    /// Removes the members with scores in `range`. Returns how many.
    pub fn remove_score_range(&mut self, range: &ScoreRange) -> usize {
        let doomed = self.score_iter(range).cloned().collect();
        self.remove_all(doomed)
    }

    /// Removes the members in the lex `range`. Returns how many.
    pub fn remove_lex_range(&mut self, range: &LexRange) -> usize {
        let doomed = self.lex_iter(range, false, 0).cloned().collect();
        self.remove_all(doomed)
    }

    /// Removes and returns up to `count` members with the lowest scores, or the highest (`max`).
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<Scored> {
        let mut popped = Vec::with_capacity(count.min(self.len()));
        while popped.len() < count {
            let Some((score, member)) = (if max { self.order.pop_last() } else { self.order.pop_first() }) else {
                break;
            };
            self.scores.remove(&member);
            self.bytes -= member_cost(member.len());
            popped.push((member, score.0));
        }
        popped
    }

    /// One ZSCAN step: returns the next cursor (0 when done) and about `count` members.
    ///
    /// Small sets (up to [`SCAN_ALL_AT_ONCE`] members) come whole with cursor 0, as Redis's
    /// listpack-encoded sets do. Larger sets are walked in the order of a fixed-seed 63-bit hash of
    /// each member: cursor `c` returns the `count` members with the smallest keys `>= c` (plus any
    /// sharing the last key) and the next cursor is that last key + 1. The order depends on
    /// nothing but the member bytes, so a member present for the whole scan is returned exactly
    /// once, whatever is added or removed meanwhile. Each step reads every member: O(n log count)
    /// time, O(count) memory; Redis's dictionary scan is O(count) per step but needs a hash table
    /// with bucket access, which the B-tree-plus-hashbrown layout does not give.
    pub fn scan(&self, cursor: u64, count: usize) -> (u64, Vec<Scored>) {
        if self.len() <= SCAN_ALL_AT_ONCE {
            return (0, self.order.iter().map(scored).collect());
        }
        let count = count.max(1);
        // Max-heap of the smallest keys seen; `ties` holds members sharing the heap's largest key
        // that did not fit; `more` records that a member with a larger key than the final largest
        // exists (the heap's largest key only ever decreases).
        let mut heap: BinaryHeap<(u64, &Bytes)> = BinaryHeap::with_capacity(count.min(self.len()) + 1);
        let mut ties: Vec<&Bytes> = Vec::new();
        let mut more = false;
        for member in self.scores.keys() {
            let key = scan_key(member);
            if key < cursor {
                continue;
            }
            if heap.len() < count {
                heap.push((key, member));
                continue;
            }
            let top = heap.peek().map_or(0, |(k, _)| *k);
            match key.cmp(&top) {
                Ordering::Greater => more = true,
                Ordering::Equal => ties.push(member),
                Ordering::Less => {
                    let (old_top, old_member) = heap.pop().expect("heap is full");
                    heap.push((key, member));
                    let new_top = heap.peek().map_or(0, |(k, _)| *k);
                    if new_top == old_top {
                        ties.push(old_member);
                    } else {
                        more = true;
                        ties.clear();
                    }
                }
            }
        }
        let last = heap.peek().map_or(0, |(k, _)| *k);
        let mut found: Vec<&Bytes> = heap.into_iter().map(|(_, m)| m).chain(ties).collect();
        found.sort_unstable_by_key(|m| scan_key(m));
        let items = found.into_iter().map(|m| (m.clone(), self.scores[m])).collect();
        (if more { last + 1 } else { 0 }, items)
    }
}

fn scored((score, member): &(Score, Bytes)) -> Scored {
    (member.clone(), score.0)
}

/// A member's place in the SCAN order: a fixed-key SipHash, shifted into `1..=2^63` so that cursor
/// 0 means "from the start" and `key + 1` never overflows.
fn scan_key(member: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(member);
    (hasher.finish() >> 1) + 1
}

/// The smallest double greater than `x` (`f64::next_up`, which is newer than our MSRV).
fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        x
    } else if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// A score interval as ZRANGEBYSCORE takes it: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// The lower bound is excluded.
    pub min_ex: bool,
    /// Upper bound.
    pub max: f64,
    /// The upper bound is excluded.
    pub max_ex: bool,
}

impl ScoreRange {
    /// Parses `min` and `max` as Redis's `zslParseRange` does (plain `strtod`: leading spaces and
    /// an empty number are accepted, out-of-range values saturate, NaN and trailing text are not).
    pub fn parse(min: &[u8], max: &[u8]) -> Option<Self> {
        let bound = |arg: &[u8]| -> Option<(f64, bool)> {
            let (text, ex) = match arg.first() {
                Some(b'(') => (&arg[1..], true),
                _ => (arg, false),
            };
            let (value, used, _) = strtod(text);
            // Redis stops at a NUL byte, as C strings do.
            let rest_ok = used == text.len() || text[used] == 0;
            (rest_ok && !value.is_nan()).then_some((value, ex))
        };
        let (min, min_ex) = bound(min)?;
        let (max, max_ex) = bound(max)?;
        Some(ScoreRange { min, min_ex, max, max_ex })
    }

    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_ex || self.max_ex))
    }

    /// True when `score` is within the range.
    pub fn contains(&self, score: f64) -> bool {
        let above = if self.min_ex { score > self.min } else { score >= self.min };
        let below = if self.max_ex { score < self.max } else { score <= self.max };
        above && below
    }

    /// B-tree bounds over (score, member) keys; the empty member sorts first among equal scores.
    /// Only for non-empty ranges (an inverted range would make `BTreeSet::range` panic).
    fn bounds(&self) -> (Bound<(Score, Bytes)>, Bound<(Score, Bytes)>) {
        let low = Score(if self.min_ex { next_up(self.min) } else { self.min });
        let high = if self.max_ex {
            Bound::Excluded((Score(self.max), Bytes::new()))
        } else if self.max == f64::INFINITY {
            Bound::Unbounded
        } else {
            Bound::Excluded((Score(next_up(self.max)), Bytes::new()))
        };
        (Bound::Included((low, Bytes::new())), high)
    }
}

/// One end of a lex range: `-`, `+`, `[member` (inclusive) or `(member` (exclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`.
    Inclusive(Bytes),
    /// `(member`.
    Exclusive(Bytes),
}

impl LexBound {
    fn parse(arg: &[u8]) -> Option<Self> {
        // Redis tests `c[1] != '\0'`: `+` or `-` alone, or followed by a NUL byte.
        let alone = arg.len() == 1 || arg.get(1) == Some(&0);
        match arg.first()? {
            b'+' if alone => Some(LexBound::Max),
            b'-' if alone => Some(LexBound::Min),
            b'[' => Some(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
            b'(' => Some(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
            _ => None,
        }
    }

    /// Redis's `sdscmplex`: `-` below everything, `+` above, members by bytes.
    fn cmp_bound(&self, other: &LexBound) -> Ordering {
        use LexBound::*;
        match (self, other) {
            (Min, Min) | (Max, Max) => Ordering::Equal,
            (Min, _) | (_, Max) => Ordering::Less,
            (Max, _) | (_, Min) => Ordering::Greater,
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => a.cmp(b),
        }
    }

    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Inclusive(_))
    }
}

/// A member interval as ZRANGEBYLEX takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower end.
    pub min: LexBound,
    /// Upper end.
    pub max: LexBound,
}

impl LexRange {
    /// Parses `min` and `max`; `None` for anything but `-`, `+`, `[x`, `(x`.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<Self> {
        Some(LexRange { min: LexBound::parse(min)?, max: LexBound::parse(max)? })
    }

    /// True when no member can be in the range.
    pub fn is_empty(&self) -> bool {
        match self.min.cmp_bound(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.exclusive() || self.max.exclusive(),
            Ordering::Less => false,
        }
    }

    /// `member` is at or past the lower end.
    pub fn gte_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// `member` is at or before the upper end.
    pub fn lte_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::Max => true,
            LexBound::Min => false,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }

    /// B-tree bounds for a set whose members all have `score`. Only for non-empty ranges.
    fn bounds(&self, score: f64) -> (Bound<(Score, Bytes)>, Bound<(Score, Bytes)>) {
        let key = |m: &Bytes| (Score(score), m.clone());
        let low = match &self.min {
            LexBound::Inclusive(m) => Bound::Included(key(m)),
            LexBound::Exclusive(m) => Bound::Excluded(key(m)),
            LexBound::Min | LexBound::Max => Bound::Unbounded,
        };
        let high = match &self.max {
            LexBound::Inclusive(m) => Bound::Included(key(m)),
            LexBound::Exclusive(m) => Bound::Excluded(key(m)),
            LexBound::Min | LexBound::Max => Bound::Unbounded,
        };
        (low, high)
    }
}

/// Parses a score argument as Redis's `getDoubleFromObject` does: the whole text must be a C
/// `strtod` number (decimal, hex such as `0x1p-3`, `inf`, `infinity`), with no leading space, not
/// NaN, and not out of range (overflow, or underflow to zero).
pub fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.first().is_none_or(|c| c.is_ascii_whitespace() || *c == 0x0b) {
        return None;
    }
    let (value, used, out_of_range) = strtod(arg);
    (used == arg.len() && !value.is_nan() && !out_of_range).then_some(value)
}

/// C `strtod` on bytes: returns the value, the bytes used (0 when nothing parsed) and whether the
/// result was out of range (`ERANGE` with an infinite or zero result).
fn strtod(text: &[u8]) -> (f64, usize, bool) {
    let mut i = text.iter().take_while(|c| c.is_ascii_whitespace() || **c == 0x0b).count();
    let sign_at = i;
    let negative = text.get(i) == Some(&b'-');
    if matches!(text.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let rest = &text[i..];
    let starts = |word: &str| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes());
    let signed = |v: f64| if negative { -v } else { v };
    if starts("infinity") {
        return (signed(f64::INFINITY), i + 8, false);
    }
    if starts("inf") {
        return (signed(f64::INFINITY), i + 3, false);
    }
    if starts("nan") {
        let mut used = i + 3;
        if text.get(used) == Some(&b'(') {
            if let Some(close) = text[used..].iter().position(|&c| c == b')') {
                if text[used + 1..used + close].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    used += close + 1;
                }
            }
        }
        return (f64::NAN, used, false);
    }
    if (starts("0x") || starts("0X")) && rest.get(2).is_some_and(|c| c.is_ascii_hexdigit() || *c == b'.') {
        if let Some((value, used)) = hex_float(&rest[2..]) {
            let value = signed(value);
            return (value, i + 2 + used, value.is_infinite());
        }
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let digits = |from: usize| text[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_digits = digits(i);
    let mut end = i + int_digits;
    let mut frac_digits = 0;
    if text.get(end) == Some(&b'.') {
        frac_digits = digits(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return (0.0, 0, false);
    }
    let mantissa_nonzero = text[i..end].iter().any(|c| (b'1'..=b'9').contains(c));
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(text.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = digits(e);
        if exp_digits > 0 {
            end = e + exp_digits;
        }
    }
    let literal = std::str::from_utf8(&text[sign_at..end]).unwrap_or("0");
    let value = literal.parse::<f64>().unwrap_or(0.0);
    let out_of_range = value.is_infinite() || (value == 0.0 && mantissa_nonzero);
    (value, end, out_of_range)
}

/// The part of a hex float after `0x`: hex digits with an optional point, then an optional binary
/// exponent `p[sign]digits`. Returns the magnitude and the bytes used.
fn hex_float(text: &[u8]) -> Option<(f64, usize)> {
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut sticky = false;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            seen_digit = true;
            if mantissa >> 58 == 0 {
                mantissa = mantissa << 4 | d as u64;
                if seen_point {
                    exponent -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_point {
                    exponent += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if matches!(text.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let negative = text.get(e) == Some(&b'-');
        if matches!(text.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = text[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            let value: i64 = text[e..e + exp_digits].iter().fold(0i64, |acc, d| (acc * 10 + (d - b'0') as i64).min(100_000));
            exponent += if negative { -value } else { value };
            i = e + exp_digits;
        }
    }
    // The sticky bit below the kept digits makes the u64 → f64 conversion round correctly.
    let value = (mantissa << 1 | sticky as u64) as f64 * 0.5;
    let exponent = exponent.clamp(-2200, 2200) as i32;
    let scaled = if exponent < -1000 { value * 2f64.powi(-1000) * 2f64.powi(exponent + 1000) } else { value * 2f64.powi(exponent) };
    Some((scaled, i))
}

/// A score as Redis 7.0 prints it (`%.17g`): `1.1000000000000001`, `3`, `1e+20`, `inf`, `-0`.
pub fn format_score(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // 17 significant digits, correctly rounded; %g then picks fixed or exponent notation from the
    // exponent of this rounded form.
    let sci = format!("{:.16e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').expect("Rust's {:e} always has an exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut out = String::with_capacity(24);
    if v < 0.0 {
        out.push('-');
    }
    let trim = |s: &[u8]| -> String {
        let kept = s.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
        String::from_utf8_lossy(&s[..kept]).into_owned()
    };
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let split = exp as usize + 1;
            out.push_str(std::str::from_utf8(&digits[..split]).unwrap_or("0"));
            let fraction = trim(&digits[split..]);
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(&fraction);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&trim(&digits));
        }
    } else {
        out.push(digits[0] as char);
        let fraction = trim(&digits[1..]);
        if !fraction.is_empty() {
            out.push('.');
            out.push_str(&fraction);
        }
        out.push_str(&format!("e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, f64)]) -> ZSet {
        let mut z = ZSet::new();
        for (m, s) in pairs {
            z.insert(Bytes::copy_from_slice(m.as_bytes()), *s);
        }
        z
    }

    fn names(items: &[Scored]) -> Vec<String> {
        items.iter().map(|(m, _)| String::from_utf8_lossy(m).into_owned()).collect()
    }

    #[test]
    fn scores_format_like_redis_7_0() {
        assert_eq!(format_score(1.1), "1.1000000000000001");
        assert_eq!(format_score(3.0), "3");
        assert_eq!(format_score(-1.5), "-1.5");
        assert_eq!(format_score(1e20), "1e+20");
        assert_eq!(format_score(1e17), "1e+17");
        assert_eq!(format_score(1e16), "10000000000000000");
        assert_eq!(format_score(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(format_score(0.1), "0.10000000000000001");
        assert_eq!(format_score(0.0001), "0.0001");
        assert_eq!(format_score(0.00001), "1.0000000000000001e-05");
        assert_eq!(format_score(3.0e-7), "2.9999999999999999e-07");
        assert_eq!(format_score(1e-300), "1e-300");
        assert_eq!(format_score(4.9e-324), "4.9406564584124654e-324");
        assert_eq!(format_score(1e-320), "9.9998886718268301e-321");
        assert_eq!(format_score(f64::INFINITY), "inf");
        assert_eq!(format_score(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_score(-0.0), "-0");
        assert_eq!(format_score(9.999999999999999e22), "9.9999999999999992e+22");
    }

    #[test]
    fn scores_parse_like_strtod() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"5."), Some(5.0));
        assert_eq!(parse_score(b"+5"), Some(5.0));
        assert_eq!(parse_score(b"1E3"), Some(1000.0));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b"0x1p-3"), Some(0.125));
        assert_eq!(parse_score(b"-0X.8"), Some(-0.5));
        assert_eq!(parse_score(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"1e-320"), Some(1e-320));
        for bad in ["", " 1", "1 ", "nan", "-nan", "1e400", "1e-400", "abc", "1e", "0x", ".", "1.5x", "+", "0xp3"] {
            assert_eq!(parse_score(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn score_ranges_parse_like_zsl_parse_range() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert_eq!((r.min, r.min_ex, r.max, r.max_ex), (1.0, true, f64::INFINITY, false));
        assert_eq!(ScoreRange::parse(b"", b" 5").unwrap().min, 0.0);
        assert_eq!(ScoreRange::parse(b"(", b"1e400").unwrap().max, f64::INFINITY);
        assert_eq!(ScoreRange::parse(b"0x2", b"5\0junk").map(|r| (r.min, r.max)), Some((2.0, 5.0)));
        assert!(ScoreRange::parse(b"nan", b"1").is_none());
        assert!(ScoreRange::parse(b"1", b"2 ").is_none());
        assert!(ScoreRange::parse(b"a", b"2").is_none());
        assert!(ScoreRange::parse(b"(1", b"(1").unwrap().is_empty());
        assert!(!ScoreRange::parse(b"1", b"1").unwrap().is_empty());
        assert!(ScoreRange::parse(b"2", b"1").unwrap().is_empty());
    }

    #[test]
    fn score_ranges_respect_bounds_and_ties() {
        let z = set(&[("a", 1.0), ("b", 2.0), ("c", 2.0), ("", 2.0), ("d", 3.0), ("i", f64::INFINITY)]);
        let r = |min: &str, max: &str| ScoreRange::parse(min.as_bytes(), max.as_bytes()).unwrap();
        assert_eq!(names(&z.score_range(&r("2", "2"), false, 0, None)), ["", "b", "c"]);
        assert_eq!(names(&z.score_range(&r("(1", "(3"), false, 0, None)), ["", "b", "c"]);
        assert_eq!(names(&z.score_range(&r("(2", "+inf"), false, 0, None)), ["d", "i"]);
        assert_eq!(names(&z.score_range(&r("-inf", "inf"), true, 1, Some(2))), ["d", "c"]);
        assert_eq!(z.score_count(&r("(inf", "+inf")), 0);
        assert_eq!(z.score_count(&r("-0", "(1")), 0);
        assert_eq!(z.score_count(&r("(-0", "1")), 1);
        assert_eq!(z.score_count(&r("(-inf", "(inf")), 5);
        for (min, max) in [("(2", "(2"), ("3", "1"), ("(2", "2"), ("(-inf", "-inf")] {
            assert!(z.score_range(&r(min, max), false, 0, None).is_empty());
        }
    }

    #[test]
    fn lex_ranges_follow_redis_for_equal_and_mixed_scores() {
        let z = set(&[("a", 0.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)]);
        let r = |min: &str, max: &str| LexRange::parse(min.as_bytes(), max.as_bytes()).unwrap();
        assert_eq!(names(&z.lex_range(&r("-", "+"), false, 0, None)), ["a", "b", "c", "d"]);
        assert_eq!(names(&z.lex_range(&r("(a", "[c"), false, 0, None)), ["b", "c"]);
        assert_eq!(names(&z.lex_range(&r("[b", "+"), true, 1, Some(5))), ["c", "b"]);
        assert_eq!(z.lex_count(&r("+", "-")), 0);
        assert_eq!(z.lex_count(&r("[c", "[b")), 0);
        assert_eq!(z.lex_count(&r("(b", "(b")), 0);
        assert_eq!(z.lex_count(&r("[b", "[b")), 1);
        assert!(LexRange::parse(b"a", b"+").is_none());
        assert!(LexRange::parse(b"+x", b"+").is_none());
        assert_eq!(LexRange::parse(b"-\0x", b"+").unwrap().min, LexBound::Min);
        // Mixed scores: Redis's listpack walk from the first member >= min while <= max.
        let mixed = set(&[("c", 1.0), ("a", 2.0), ("b", 3.0)]);
        assert_eq!(names(&mixed.lex_range(&r("[b", "+"), false, 0, None)), ["c", "a", "b"]);
        assert!(mixed.lex_range(&r("[a", "[b"), false, 0, None).is_empty());
        assert!(mixed.lex_range(&r("-", "[b"), true, 0, None).is_empty());
        assert_eq!(names(&mixed.lex_range(&r("-", "+"), true, 1, None)), ["a", "c"]);
        assert_eq!(names(&mixed.lex_range(&r("(a", "[c"), true, 0, None)), ["b"]);
        assert_eq!(names(&mixed.lex_range(&r("(a", "[c"), false, 0, None)), ["c", "a", "b"]);
        let walk = set(&[("a", 0.0), ("m1", 1.0), ("aa", 2.0), ("m2", 3.0), ("c", 4.0), ("x", 5.0)]);
        assert_eq!(names(&walk.lex_range(&r("[a", "[c"), false, 0, None)), ["a"]);
        assert_eq!(names(&walk.lex_range(&r("[a", "[c"), false, 4, Some(3))), ["c"]);
    }

    #[test]
    fn ranks_and_rank_ranges_from_either_end() {
        let mut z = ZSet::new();
        for i in 0..50 {
            z.add(format!("m{i}").as_bytes(), i as f64);
        }
        for i in 0..50 {
            assert_eq!(z.rank(format!("m{i}").as_bytes()), Some(i));
        }
        assert_eq!(z.rank(b"nope"), None);
        assert_eq!(names(&z.rank_range(1, 2)), ["m1", "m2"]);
        assert_eq!(names(&z.rank_range(47, 49)), ["m47", "m48", "m49"]);
        assert_eq!(z.rank_range(3, 2), []);
        assert_eq!(z.rank_range(0, 50), []);
    }

    #[test]
    fn negative_zero_survives_only_in_the_big_encoding() {
        let mut z = ZSet::new();
        z.add(b"a", -0.0);
        assert!(z.score(b"a").is_some_and(|s| s.is_sign_positive()));
        for i in 0..LISTPACK_MAX_ENTRIES {
            z.add(format!("m{i}").as_bytes(), 1.0);
        }
        z.add(b"b", -0.0);
        assert!(z.score(b"b").is_some_and(|s| s.is_sign_negative()));
        assert!(z.score(b"a").is_some_and(|s| s.is_sign_positive()));
        let mut long = ZSet::new();
        long.add(&[b'x'; 65], -0.0);
        assert!(long.score(&[b'x'; 65]).is_some_and(|s| s.is_sign_negative()));
        let mut big = ZSet::for_insert(129, 1);
        big.add(b"c", -0.0);
        assert!(big.score(b"c").is_some_and(|s| s.is_sign_negative()));
        assert_eq!(big, { let mut other = ZSet::new(); other.add(b"c", 0.0); other });
    }

    #[test]
    fn memory_tracks_every_change() {
        let mut z = ZSet::new();
        let recount = |z: &ZSet| z.iter().map(|(m, _)| member_cost(m.len())).sum::<usize>();
        z.insert(Bytes::from_static(b"abc"), 1.0);
        z.add(b"abc", 2.0);
        z.add(b"de", -0.0);
        assert_eq!(z.score(b"de").map(f64::is_sign_negative), Some(false));
        assert_eq!(z.memory_bytes(), recount(&z));
        z.remove(b"abc");
        z.add(b"x", 5.0);
        z.add(b"y", 6.0);
        assert_eq!(z.pop(true, 1)[0].0, "y");
        assert_eq!(z.remove_score_range(&ScoreRange::parse(b"5", b"5").unwrap()), 1);
        assert_eq!(z.memory_bytes(), recount(&z));
        assert_eq!(z.len(), 1);
    }

    #[test]
    fn scan_never_misses_a_member_present_throughout() {
        let mut z = ZSet::new();
        for i in 0..1000 {
            z.add(format!("m{i}").as_bytes(), i as f64);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let (next, items) = z.scan(cursor, 10);
            assert!(items.len() <= 11);
            seen.extend(items.into_iter().map(|(m, _)| m));
            // Churn between calls: remove some early members, add new ones.
            calls += 1;
            z.remove(format!("m{calls}").as_bytes());
            z.add(format!("new{calls}").as_bytes(), 0.5);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert!(calls >= 90, "{calls} calls");
        for i in 200..1000 {
            assert!(seen.contains(format!("m{i}").as_bytes()), "missed m{i}");
        }
        let small = set(&[("a", 1.0), ("b", 2.0)]);
        assert_eq!(small.scan(12345, 1), (0, vec![(Bytes::from_static(b"a"), 1.0), (Bytes::from_static(b"b"), 2.0)]));
    }
}
