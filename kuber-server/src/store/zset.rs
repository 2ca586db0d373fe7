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
        ZSet {
            skiplist: count > LISTPACK_MAX_ENTRIES || longest > LISTPACK_MAX_VALUE,
            ..ZSet::default()
        }
    }

    /// Sets a member's score. Returns the previous score. While Redis would keep the set in its
    /// small (listpack) encoding, -0 is stored as 0, as that encoding does.
    pub fn insert(&mut self, member: Bytes, score: f64) -> Option<f64> {
        if !self.scores.contains_key(&member[..])
            && (self.len() >= LISTPACK_MAX_ENTRIES || member.len() > LISTPACK_MAX_VALUE)
        {
            self.skiplist = true;
        }
        let score = if score == 0.0 && !self.skiplist {
            0.0
        } else {
            score
        };
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
            let mut items: Vec<Scored> = self
                .order
                .iter()
                .rev()
                .skip(from_top)
                .take(n)
                .map(scored)
                .collect();
            items.reverse();
            items
        }
    }

    fn score_iter(&self, range: &ScoreRange) -> impl DoubleEndedIterator<Item = &(Score, Bytes)> {
        (!range.is_empty())
            .then(|| self.order.range(range.bounds()))
            .into_iter()
            .flatten()
    }

    /// Members with scores in `range`, ascending or (`rev`) descending, after skipping `offset`
    /// of them and keeping at most `limit`.
    pub fn score_range(
        &self,
        range: &ScoreRange,
        rev: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> Vec<Scored> {
        let limit = limit.unwrap_or(usize::MAX);
        if rev {
            self.score_iter(range)
                .rev()
                .skip(offset)
                .take(limit)
                .map(scored)
                .collect()
        } else {
            self.score_iter(range)
                .skip(offset)
                .take(limit)
                .map(scored)
                .collect()
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
    fn lex_iter<'a>(
        &'a self,
        range: &'a LexRange,
        rev: bool,
        offset: usize,
    ) -> Box<dyn Iterator<Item = &'a (Score, Bytes)> + 'a> {
        if range.is_empty() {
            return Box::new(std::iter::empty());
        }
        let (Some(first), Some(last)) = (self.order.first(), self.order.last()) else {
            return Box::new(std::iter::empty());
        };
        if first.0 == last.0 {
            let found = self.order.range(range.bounds(first.0.0));
            return if rev {
                Box::new(found.rev().skip(offset))
            } else {
                Box::new(found.skip(offset))
            };
        }
        // Redis's `zzlIsInLexRange`: nothing matches unless the last member is past the lower end
        // and the first is before the upper end.
        if !range.gte_min(&last.1) || !range.lte_max(&first.1) {
            return Box::new(std::iter::empty());
        }
        if rev {
            let mut walk = self
                .order
                .iter()
                .rev()
                .skip_while(move |(_, m)| !range.lte_max(m))
                .peekable();
            let starts_in = walk.peek().is_some_and(|(_, m)| range.gte_min(m));
            Box::new(
                walk.skip(offset)
                    .take_while(move |(_, m)| starts_in && range.gte_min(m)),
            )
        } else {
            let mut walk = self
                .order
                .iter()
                .skip_while(move |(_, m)| !range.gte_min(m))
                .peekable();
            let starts_in = walk.peek().is_some_and(|(_, m)| range.lte_max(m));
            Box::new(
                walk.skip(offset)
                    .take_while(move |(_, m)| starts_in && range.lte_max(m)),
            )
        }
    }

    /// Members in the lex `range`, ascending or (`rev`) descending, after skipping `offset` and
    /// keeping at most `limit`.
    pub fn lex_range(
        &self,
        range: &LexRange,
        rev: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> Vec<Scored> {
        let limit = limit.unwrap_or(usize::MAX);
        self.lex_iter(range, rev, offset)
            .take(limit)
            .map(scored)
            .collect()
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
        let doomed = self
            .rank_range(start, end)
            .into_iter()
            .map(|(m, s)| (Score(s), m))
            .collect();
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
            let Some((score, member)) = (if max {
                self.order.pop_last()
            } else {
                self.order.pop_first()
            }) else {
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
        let mut heap: BinaryHeap<(u64, &Bytes)> =
            BinaryHeap::with_capacity(count.min(self.len()) + 1);
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
        let items = found
            .into_iter()
            .map(|m| (m.clone(), self.scores[m]))
            .collect();
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

mod range;
pub use range::{LexBound, LexRange, ScoreRange, format_score, parse_score};

#[cfg(test)]
mod tests;
