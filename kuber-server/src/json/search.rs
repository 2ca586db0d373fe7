//! JSEARCH execution: choose a plan (an index for the most selective condition it can serve, or a
//! full scan), then produce one page of matches in key order.
//!
//! Results are ordered by key so that pages are stable while writers work between them: a cursor is
//! the last key returned, and the next page continues after it. An index keeps the keys of each
//! value in order, so an index plan merges a few ordered key sets and stops after one page; a full
//! scan has to look at every document and keeps only the smallest keys it finds.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Bound;

use bytes::Bytes;

use super::JsonDoc;
use super::index::{IndexKind, JsonIndex, KeySet, Postings};
use crate::query::{Condition, IndexKey, IndexProbe, Query};
use crate::store::{Keyspace, Value};

/// Up to this many ordered key sets are merged lazily; beyond, the candidates are collected and
/// sorted (a range over a high-cardinality field).
const MERGE_FANIN: usize = 1024;

/// One page of results.
#[derive(Debug, Default)]
pub struct Page {
    /// (key, JSON text) in key order.
    pub items: Vec<(Bytes, Bytes)>,
    /// The last key of this page when more matches follow; `None` when the search is complete.
    pub next_after: Option<Bytes>,
}

/// How a query will run.
enum Plan<'a> {
    Scan,
    Index {
        index: &'a JsonIndex,
        condition: usize,
        sets: Vec<&'a KeySet>,
        candidates: usize,
    },
}

fn plan<'a>(ks: &'a Keyspace, query: &Query) -> Plan<'a> {
    let mut best: Option<Plan<'a>> = None;
    let mut best_candidates = usize::MAX;
    for (position, condition) in query.conditions.iter().enumerate() {
        let Some(probe) = condition.index_probe() else {
            continue;
        };
        let path = condition.path.canonical();
        for index in ks.json_catalog().indexes() {
            if index.path_text != path {
                continue;
            }
            let Some(sets) = sets_for(index, &probe) else {
                continue;
            };
            let candidates = sets.iter().map(|s| s.len()).sum::<usize>();
            if candidates < best_candidates {
                best_candidates = candidates;
                best = Some(Plan::Index {
                    index,
                    condition: position,
                    sets,
                    candidates,
                });
            }
        }
    }
    match best {
        // Collecting and sorting most of the region costs more than one pass over it.
        Some(Plan::Index {
            ref sets,
            candidates,
            ..
        }) if sets.len() > MERGE_FANIN && candidates > ks.len() / 2 => Plan::Scan,
        Some(plan) => plan,
        None => Plan::Scan,
    }
}

/// The key sets of `index` that hold the values `probe` accepts; `None` when this kind of index
/// cannot answer the probe.
fn sets_for<'a>(index: &'a JsonIndex, probe: &IndexProbe) -> Option<Vec<&'a KeySet>> {
    match (probe, &index.postings) {
        (IndexProbe::Equal(values), _) => {
            let mut wanted: Vec<&IndexKey> = values.iter().collect();
            wanted.sort_unstable();
            wanted.dedup();
            Some(wanted.into_iter().filter_map(|v| index.keys_equal(v)).collect())
        }
        (IndexProbe::Range { lower, upper }, Postings::Sorted(map)) => {
            if !range_is_valid(lower, upper) {
                return Some(Vec::new());
            }
            Some(
                map.range((lower.clone(), upper.clone()))
                    .map(|(_, keys)| keys)
                    .collect(),
            )
        }
        (IndexProbe::Prefix(prefix), Postings::Sorted(map)) => Some(
            map.range(IndexKey::Text(prefix.clone())..)
                .take_while(|(value, _)| matches!(value, IndexKey::Text(t) if t.starts_with(prefix.as_str())))
                .map(|(_, keys)| keys)
                .collect(),
        ),
        _ => None,
    }
}

/// `BTreeMap::range` panics on an inverted range or on equal excluded bounds.
fn range_is_valid(lower: &Bound<IndexKey>, upper: &Bound<IndexKey>) -> bool {
    match (lower, upper) {
        (Bound::Included(l), Bound::Included(u)) => l <= u,
        (Bound::Included(l), Bound::Excluded(u))
        | (Bound::Excluded(l), Bound::Included(u))
        | (Bound::Excluded(l), Bound::Excluded(u)) => l < u,
        _ => true,
    }
}

/// Runs `query` over the JSON documents of `ks`: matches whose key sorts after `after`, at most
/// `limit` of them.
pub fn search(ks: &Keyspace, query: &Query, after: Option<&[u8]>, limit: usize, now: u64) -> Page {
    match plan(ks, query) {
        Plan::Scan => scan(ks, query, after, limit, now),
        Plan::Index { sets, .. } => {
            let mut page = Page::default();
            let mut accept = |key: &Bytes| -> bool {
                let Some(doc) = live_doc(ks, key, now) else {
                    return true;
                };
                if !query.matches(doc.value()) {
                    return true;
                }
                if page.items.len() == limit {
                    // One more match exists: the page is full and not the last.
                    page.next_after = page.items.last().map(|(k, _)| k.clone());
                    return false;
                }
                page.items.push((key.clone(), doc.to_bytes()));
                true
            };
            for_each_candidate(&sets, after, &mut accept);
            page
        }
    }
}

fn live_doc<'a>(ks: &'a Keyspace, key: &[u8], now: u64) -> Option<&'a JsonDoc> {
    match &ks.live_entry(key, now)?.value {
        Value::Json(doc) => Some(doc),
        _ => None,
    }
}

/// Calls `visit` with each key of the union of `sets` that sorts after `after`, in order, without
/// repeats, until it returns false.
fn for_each_candidate<'a>(
    sets: &[&'a KeySet],
    after: Option<&[u8]>,
    visit: &mut impl FnMut(&'a Bytes) -> bool,
) {
    let lower = match after {
        Some(key) => Bound::Excluded(key),
        None => Bound::Unbounded,
    };
    let range = |set: &&'a KeySet| set.range::<[u8], _>((lower, Bound::Unbounded));
    match sets.len() {
        0 => {}
        1 => {
            for key in range(&sets[0]) {
                if !visit(key) {
                    return;
                }
            }
        }
        n if n <= MERGE_FANIN => {
            let mut cursors: Vec<_> = sets.iter().map(range).collect();
            let mut heap = BinaryHeap::with_capacity(n);
            for (i, cursor) in cursors.iter_mut().enumerate() {
                if let Some(key) = cursor.next() {
                    heap.push(Reverse((key, i)));
                }
            }
            let mut previous: Option<&Bytes> = None;
            while let Some(Reverse((key, i))) = heap.pop() {
                if let Some(next) = cursors[i].next() {
                    heap.push(Reverse((next, i)));
                }
                if previous == Some(key) {
                    continue;
                }
                previous = Some(key);
                if !visit(key) {
                    return;
                }
            }
        }
        _ => {
            let mut all: Vec<&Bytes> = sets.iter().flat_map(range).collect();
            all.sort_unstable();
            all.dedup();
            for key in all {
                if !visit(key) {
                    return;
                }
            }
        }
    }
}

/// Regions with at least this many keys are scanned by several threads at once.
const PARALLEL_SCAN_MIN_KEYS: usize = 20_000;
/// Most threads one scan uses.
const MAX_SCAN_THREADS: usize = 4;

/// A full scan: every live document is tested; each part keeps the `limit + 1` smallest matching
/// keys it saw (one more than the page, to know whether another page follows) and the parts'
/// winners are merged. Large regions are split across threads: a scan is bound by memory latency
/// (a few dependent cache misses per document), which more cores hide well.
fn scan(ks: &Keyspace, query: &Query, after: Option<&[u8]>, limit: usize, now: u64) -> Page {
    let slots = ks.slot_count();
    let threads = if ks.len() >= PARALLEL_SCAN_MIN_KEYS {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_SCAN_THREADS)
            .min(slots)
    } else {
        1
    };
    let mut found = if threads <= 1 {
        scan_part(ks, query, after, limit, now, 0..slots)
    } else {
        let chunk = slots.div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * chunk).min(slots)..((t + 1) * chunk).min(slots);
                    scope.spawn(move || scan_part(ks, query, after, limit, now, range))
                })
                .collect();
            let mut all = Vec::new();
            for part in parts {
                // A scan part only reads; a panic there is a bug to surface, not to hide.
                all.extend(part.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            all.sort_unstable();
            all
        })
    };
    let mut page = Page::default();
    if found.len() > limit {
        found.truncate(limit);
        page.next_after = found.last().map(|top| top.0.clone());
    }
    page.items = found
        .into_iter()
        .map(|ByKey(key, doc)| (key.clone(), doc.to_bytes()))
        .collect();
    page
}

/// One part of a full scan: the `limit + 1` smallest matching keys of the slots in `slots`, sorted.
fn scan_part<'a>(
    ks: &'a Keyspace,
    query: &Query,
    after: Option<&[u8]>,
    limit: usize,
    now: u64,
    slots: std::ops::Range<usize>,
) -> Vec<ByKey<'a>> {
    let mut best: BinaryHeap<ByKey<'a>> = BinaryHeap::with_capacity(limit.min(4096) + 1);
    for entry in ks.iter_live_slots(slots, now) {
        let Value::Json(doc) = &entry.value else {
            continue;
        };
        if after.is_some_and(|a| entry.key.as_ref() <= a) {
            continue;
        }
        // Once the heap is full, a key above its largest cannot make the page: skip the test.
        if best.len() > limit && best.peek().is_some_and(|top| top.0 < &entry.key) {
            continue;
        }
        if !query.matches(doc.value()) {
            continue;
        }
        best.push(ByKey(&entry.key, doc));
        if best.len() > limit + 1 {
            best.pop();
        }
    }
    best.into_sorted_vec()
}

/// A match ordered by its key alone (keys are unique within a region).
struct ByKey<'a>(&'a Bytes, &'a JsonDoc);

impl PartialEq for ByKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for ByKey<'_> {}

impl PartialOrd for ByKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByKey<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(other.0)
    }
}

/// `JSEARCH … EXPLAIN`: one line per step of the plan.
pub fn explain(ks: &Keyspace, query: &Query) -> Vec<String> {
    let describe = |c: &Condition| c.to_string();
    match plan(ks, query) {
        Plan::Scan => {
            let mut lines = vec![format!("full scan of {} keys", ks.len())];
            lines.push(format!("filter: {query}"));
            lines
        }
        Plan::Index {
            index,
            condition,
            sets,
            candidates,
        } => {
            let mut lines = vec![format!(
                "index {} ({} on {}) serves: {}",
                index.name,
                index.kind.name(),
                index.path_text,
                describe(&query.conditions[condition])
            )];
            let order = match (index.kind, sets.len()) {
                (_, 0 | 1) => "in key order",
                (IndexKind::Hash | IndexKind::Sorted, n) if n <= MERGE_FANIN => {
                    "merged in key order"
                }
                _ => "collected and sorted",
            };
            lines.push(format!(
                "candidates: {candidates} keys from {} value(s), {order}",
                sets.len()
            ));
            let rest: Vec<String> = query
                .conditions
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != condition)
                .map(|(_, c)| describe(c))
                .collect();
            if rest.is_empty() {
                lines.push("filter: none".to_owned());
            } else {
                lines.push(format!("filter: {}", rest.join(", ")));
            }
            lines
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicI64;

    use serde_json::json;

    use super::*;
    use crate::json::index::IndexKind;
    use crate::query::{FieldPath, parse};

    /// A keyspace large enough for the parallel scan, with documents and a few other values.
    fn region(n: usize) -> Keyspace {
        let mut ks = Keyspace::new(Arc::new(AtomicI64::new(0)), 0);
        for i in 0..n {
            let doc =
                JsonDoc::new(json!({"n": i, "even": i % 2 == 0, "tag": format!("t{}", i % 7)}))
                    .unwrap();
            ks.set(format!("k{i:06}").as_bytes(), Value::Json(doc), None, 1);
            if i % 1000 == 0 {
                ks.set(
                    format!("k{i:06}s").as_bytes(),
                    Value::Str(Bytes::from_static(b"x")),
                    None,
                    1,
                );
            }
        }
        ks
    }

    /// Every page of a walk, concatenated.
    fn walk(ks: &Keyspace, query: &Query, limit: usize) -> Vec<Bytes> {
        let mut after: Option<Bytes> = None;
        let mut keys = Vec::new();
        loop {
            let page = search(ks, query, after.as_deref(), limit, 1);
            keys.extend(page.items.into_iter().map(|(k, _)| k));
            match page.next_after {
                Some(next) => after = Some(next),
                None => return keys,
            }
        }
    }

    #[test]
    fn parallel_scan_and_index_plans_agree_with_a_plain_filter() {
        let mut ks = region(PARALLEL_SCAN_MIN_KEYS + 5_000);
        let n = PARALLEL_SCAN_MIN_KEYS + 5_000;
        let query = parse("$.n<3000,$.tag=t3").unwrap();
        let expected: Vec<Bytes> = (0..n)
            .filter(|i| *i < 3000 && i % 7 == 3)
            .map(|i| Bytes::from(format!("k{i:06}")))
            .collect();
        assert!(explain(&ks, &query)[0].starts_with("full scan"));
        assert_eq!(walk(&ks, &query, 50), expected);
        assert_eq!(walk(&ks, &query, 100_000), expected);

        ks.create_json_index("by_tag", FieldPath::parse("tag").unwrap(), IndexKind::Hash)
            .unwrap();
        let plan = explain(&ks, &query);
        assert!(plan[0].starts_with("index by_tag"), "{plan:?}");
        assert_eq!(walk(&ks, &query, 50), expected);
        ks.create_json_index("by_n", FieldPath::parse("n").unwrap(), IndexKind::Sorted)
            .unwrap();
        // 3000 candidates from the range against 3572 from the tag: the range wins.
        let plan = explain(&ks, &query);
        assert!(plan[0].starts_with("index by_n"), "{plan:?}");
        assert_eq!(
            plan[1],
            "candidates: 3000 keys from 3000 value(s), collected and sorted"
        );
        assert_eq!(walk(&ks, &query, 50), expected);
        let wide = parse("$.n>=3000,$.tag=t3").unwrap();
        let plan = explain(&ks, &wide);
        assert!(plan[0].starts_with("index by_tag"), "{plan:?}");
        let narrow = parse("$.n<30,$.tag=t3").unwrap();
        assert!(explain(&ks, &narrow)[0].starts_with("index by_n"));
        assert_eq!(
            walk(&ks, &narrow, 2),
            [3, 10, 17, 24].map(|i| Bytes::from(format!("k{i:06}")))
        );
    }

    #[test]
    fn inverted_and_empty_ranges_answer_nothing_without_panicking() {
        let mut ks = region(100);
        ks.create_json_index("by_n", FieldPath::parse("n").unwrap(), IndexKind::Sorted)
            .unwrap();
        for q in ["$.n>50,$.n<10", "$.n>5,$.n<5", "$.n>=7,$.n<=7"] {
            let query = parse(q).unwrap();
            let expected: Vec<Bytes> = (0..100)
                .filter(|i| query.conditions.iter().all(|c| c.matches(&json!({"n": i}))))
                .map(|i| Bytes::from(format!("k{i:06}")))
                .collect();
            assert_eq!(walk(&ks, &query, 10), expected, "{q}");
        }
    }
}
