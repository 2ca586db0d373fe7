//! The sorted-set value: members with scores, ordered by (score, member) as Redis orders them.

use std::cmp::Ordering;
use std::collections::BTreeSet;

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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSet {
    scores: HashMap<Bytes, f64>,
    order: BTreeSet<(Score, Bytes)>,
}

/// Memory counted for one member: the member bytes appear in both indexes, plus the score.
pub const fn member_cost(len: usize) -> usize {
    element_cost(len) * 2 + 8
}

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

    /// Sets a member's score. Returns the previous score.
    pub fn insert(&mut self, member: Bytes, score: f64) -> Option<f64> {
        let previous = self.scores.insert(member.clone(), score);
        if let Some(old) = previous {
            self.order.remove(&(Score(old), member.clone()));
        }
        self.order.insert((Score(score), member));
        previous
    }

    /// Removes a member. Returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (member, score) = self.scores.remove_entry(member)?;
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

    /// Approximate bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.scores.keys().map(|m| member_cost(m.len())).sum()
    }
}
