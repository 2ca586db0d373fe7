//! Secondary indexes over the JSON documents of one region (`JINDEX`), kept current by the
//! keyspace on every insert, replace and removal of a document.
//!
//! A HASH index maps each scalar found at its path to the keys holding it, and answers `=` and
//! `IN`. A SORTED index keeps the same map ordered by value, and also answers ranges and
//! `LIKE 'abc%'`. Both keep the keys of one value in a `BTreeSet`, so that a search can return
//! results in key order and stop after one page.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use hashbrown::HashMap;
use serde_json::Value as Json;

use crate::query::{FieldPath, IndexKey};

/// Keys holding one indexed value, in key order.
pub type KeySet = BTreeSet<Bytes>;

/// What an index can answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// Equality and `IN`.
    Hash,
    /// Equality, `IN`, ranges and prefix `LIKE`.
    Sorted,
}

impl IndexKind {
    /// Parses `HASH` / `SORTED` (any case).
    pub fn parse(text: &[u8]) -> Option<IndexKind> {
        if text.eq_ignore_ascii_case(b"hash") {
            Some(IndexKind::Hash)
        } else if text.eq_ignore_ascii_case(b"sorted") {
            Some(IndexKind::Sorted)
        } else {
            None
        }
    }

    /// `HASH` or `SORTED`.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Hash => "HASH",
            IndexKind::Sorted => "SORTED",
        }
    }
}

/// Value → keys, hashed or ordered.
#[derive(Debug)]
pub enum Postings {
    /// For HASH indexes.
    Hash(HashMap<IndexKey, KeySet>),
    /// For SORTED indexes.
    Sorted(BTreeMap<IndexKey, KeySet>),
}

/// One secondary index.
#[derive(Debug)]
pub struct JsonIndex {
    /// Name given at creation, unique in the region.
    pub name: String,
    /// The indexed path.
    pub path: FieldPath,
    /// Canonical text of `path`; a condition is served when its path's canonical text is equal.
    pub path_text: String,
    /// HASH or SORTED.
    pub kind: IndexKind,
    /// (value, key) pairs held.
    pub entries: usize,
    /// The map.
    pub postings: Postings,
}

impl JsonIndex {
    fn new(name: String, path: FieldPath, kind: IndexKind) -> JsonIndex {
        JsonIndex {
            name,
            path_text: path.canonical(),
            path,
            kind,
            entries: 0,
            postings: match kind {
                IndexKind::Hash => Postings::Hash(HashMap::new()),
                IndexKind::Sorted => Postings::Sorted(BTreeMap::new()),
            },
        }
    }

    /// Adds `key` under every indexable value `doc` has at this index's path. A value reached twice
    /// (`roles[*]` holding "a" twice) is a set insert that changes nothing the second time.
    fn insert(&mut self, key: &Bytes, doc: &Json) {
        let JsonIndex {
            path,
            postings,
            entries,
            ..
        } = self;
        path.any(doc, &mut |value| {
            if let Some(value) = IndexKey::from_json(value) {
                let set = match postings {
                    Postings::Hash(map) => map.entry(value).or_default(),
                    Postings::Sorted(map) => map.entry(value).or_default(),
                };
                if set.insert(key.clone()) {
                    *entries += 1;
                }
            }
            false // visit every value
        });
    }

    /// Removes `key` from under every value `doc` has at this index's path.
    fn remove(&mut self, key: &Bytes, doc: &Json) {
        let JsonIndex {
            path,
            postings,
            entries,
            ..
        } = self;
        path.any(doc, &mut |value| {
            let Some(value) = IndexKey::from_json(value) else {
                return false;
            };
            let removal = match postings {
                Postings::Hash(map) => remove_posting(map.get_mut(&value), key),
                Postings::Sorted(map) => remove_posting(map.get_mut(&value), key),
            };
            match removal {
                Removal::Absent => {}
                Removal::Removed => *entries -= 1,
                Removal::Emptied => {
                    *entries -= 1;
                    match postings {
                        Postings::Hash(map) => {
                            map.remove(&value);
                        }
                        Postings::Sorted(map) => {
                            map.remove(&value);
                        }
                    }
                }
            }
            false
        });
    }

    fn clear(&mut self) {
        self.entries = 0;
        match &mut self.postings {
            Postings::Hash(map) => map.clear(),
            Postings::Sorted(map) => map.clear(),
        }
    }

    /// Keys holding exactly `value`.
    pub fn keys_equal(&self, value: &IndexKey) -> Option<&KeySet> {
        match &self.postings {
            Postings::Hash(map) => map.get(value),
            Postings::Sorted(map) => map.get(value),
        }
    }

    /// Approximate heap bytes of the postings (for `JINDEX LIST` and the benchmark's memory figure):
    /// a B-tree key slot per (value, key) pair plus one map slot and set per distinct value.
    pub fn memory_estimate(&self) -> usize {
        const PER_ENTRY: usize = 40; // Bytes handle (32) + B-tree node share
        const PER_VALUE: usize = 96; // map slot, IndexKey, empty set header
        let distinct = match &self.postings {
            Postings::Hash(map) => map.len(),
            Postings::Sorted(map) => map.len(),
        };
        self.entries * PER_ENTRY + distinct * PER_VALUE
    }
}

enum Removal {
    Absent,
    Removed,
    Emptied,
}

fn remove_posting(set: Option<&mut KeySet>, key: &Bytes) -> Removal {
    let Some(set) = set else {
        return Removal::Absent;
    };
    if !set.remove(key) {
        Removal::Absent
    } else if set.is_empty() {
        Removal::Emptied
    } else {
        Removal::Removed
    }
}

/// Why `JINDEX CREATE` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    /// The name is taken in this region.
    #[error("ERR index '{0}' already exists")]
    Exists(String),
}

/// The indexes of one region.
#[derive(Debug, Default)]
pub struct JsonCatalog {
    indexes: Vec<JsonIndex>,
}

impl JsonCatalog {
    /// True when the region has no index (the common case: writes then do nothing here).
    pub fn is_empty(&self) -> bool {
        self.indexes.is_empty()
    }

    /// The indexes, in creation order.
    pub fn indexes(&self) -> &[JsonIndex] {
        &self.indexes
    }

    /// A document was stored under `key`.
    pub fn insert(&mut self, key: &Bytes, doc: &Json) {
        for index in &mut self.indexes {
            index.insert(key, doc);
        }
    }

    /// The document under `key` left (deleted, replaced, expired, evicted).
    pub fn remove(&mut self, key: &Bytes, doc: &Json) {
        for index in &mut self.indexes {
            index.remove(key, doc);
        }
    }

    /// Every document left (purge, flush); the definitions stay.
    pub fn clear_entries(&mut self) {
        for index in &mut self.indexes {
            index.clear();
        }
    }

    /// Adds an index and fills it from `docs`.
    pub fn create<'a>(
        &mut self,
        name: &str,
        path: FieldPath,
        kind: IndexKind,
        docs: impl Iterator<Item = (&'a Bytes, &'a Json)>,
    ) -> Result<(), IndexError> {
        if self.indexes.iter().any(|i| i.name == name) {
            return Err(IndexError::Exists(name.to_owned()));
        }
        let mut index = JsonIndex::new(name.to_owned(), path, kind);
        for (key, doc) in docs {
            index.insert(key, doc);
        }
        self.indexes.push(index);
        Ok(())
    }

    /// Removes an index; false when there is none of that name.
    pub fn drop_index(&mut self, name: &str) -> bool {
        let before = self.indexes.len();
        self.indexes.retain(|i| i.name != name);
        self.indexes.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog_with(kind: IndexKind, path: &str) -> JsonCatalog {
        let mut catalog = JsonCatalog::default();
        catalog
            .create(
                "i",
                FieldPath::parse(path).unwrap(),
                kind,
                std::iter::empty(),
            )
            .unwrap();
        catalog
    }

    fn keys(set: Option<&KeySet>) -> Vec<&[u8]> {
        set.map(|s| s.iter().map(|k| &k[..]).collect())
            .unwrap_or_default()
    }

    #[test]
    fn insert_and_remove_keep_postings_and_counts_exact() {
        let mut catalog = catalog_with(IndexKind::Hash, "$.city");
        let (a, b) = (Bytes::from_static(b"a"), Bytes::from_static(b"b"));
        catalog.insert(&a, &json!({"city": "Oslo"}));
        catalog.insert(&b, &json!({"city": "Oslo"}));
        catalog.insert(&Bytes::from_static(b"c"), &json!({"name": "no city"}));
        let index = &catalog.indexes()[0];
        let oslo = IndexKey::from_json(&json!("Oslo")).unwrap();
        assert_eq!(keys(index.keys_equal(&oslo)), [b"a", b"b"]);
        assert_eq!(index.entries, 2);

        catalog.remove(&a, &json!({"city": "Oslo"}));
        catalog.remove(&b, &json!({"city": "Oslo"}));
        let index = &catalog.indexes()[0];
        assert_eq!(index.entries, 0);
        assert!(index.keys_equal(&oslo).is_none(), "empty sets are dropped");
    }

    #[test]
    fn any_element_paths_index_every_distinct_element_once() {
        let mut catalog = catalog_with(IndexKind::Sorted, "$.roles[*]");
        let key = Bytes::from_static(b"u1");
        let doc = json!({"roles": ["admin", "dev", "admin", {"x": 1}]});
        catalog.insert(&key, &doc);
        assert_eq!(catalog.indexes()[0].entries, 2, "objects are not indexed");
        catalog.remove(&key, &doc);
        assert_eq!(catalog.indexes()[0].entries, 0);
    }

    #[test]
    fn duplicate_names_are_refused_and_drop_forgets() {
        let mut catalog = catalog_with(IndexKind::Hash, "city");
        let again = catalog.create(
            "i",
            FieldPath::parse("age").unwrap(),
            IndexKind::Sorted,
            std::iter::empty(),
        );
        assert_eq!(again, Err(IndexError::Exists("i".into())));
        assert!(catalog.drop_index("i"));
        assert!(!catalog.drop_index("i"));
        assert!(catalog.is_empty());
    }
}
