//! What a JSON index can answer for one condition: totally ordered [`IndexKey`]s derived from JSON
//! scalars, and the [`IndexProbe`] a [`Condition`] asks of an index.
//!
//! The contract, checked by a property test: for every document `d` and every condition `c` whose
//! [`Condition::index_probe`] is `Some(p)`, `c.matches(d)` is true exactly when some value that
//! `c.path` reaches in `d` (see [`FieldPath::resolve`]) has an [`IndexKey::from_json`] key that
//! `p` [accepts](IndexProbe::accepts). Arrays and objects have no key, so a path without `[*]` that
//! reaches an array is never served by an index (and never matches a probed condition either).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::{Bound, RangeBounds};

use serde_json::Value;

use super::{Condition, Op, Operand, Scalar};

/// An `f64` with a total order: `-0.0 == 0.0`, and NaN cannot be built (JSON has none).
///
/// The infinities can be built; [`IndexProbe::Range`] uses them as the ends of the number class.
#[derive(Clone, Copy, Debug)]
pub struct OrderedNumber(f64);

impl OrderedNumber {
    /// The number, or `None` for NaN. `-0.0` is stored as `0.0`.
    pub fn new(value: f64) -> Option<OrderedNumber> {
        if value.is_nan() {
            None
        } else if value == 0.0 {
            Some(OrderedNumber(0.0))
        } else {
            Some(OrderedNumber(value))
        }
    }

    /// The number itself.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for OrderedNumber {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OrderedNumber {}

impl PartialOrd for OrderedNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedNumber {
    fn cmp(&self, other: &Self) -> Ordering {
        // `new` removed NaN and -0.0, so total_cmp agrees with the numeric order.
        self.0.total_cmp(&other.0)
    }
}

impl Hash for OrderedNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// A totally ordered key for index maps, derived from a JSON scalar: `Null < Bool < Number < Text`.
///
/// Text orders by bytes, as the `>`/`<` operators compare text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndexKey {
    /// JSON `null`.
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON number, as the query language compares it (through `f64`).
    Number(OrderedNumber),
    /// A JSON string.
    Text(String),
}

impl IndexKey {
    /// The key of a JSON scalar; `None` for arrays and objects, which indexes do not store.
    pub fn from_json(value: &Value) -> Option<IndexKey> {
        match value {
            Value::Null => Some(IndexKey::Null),
            Value::Bool(b) => Some(IndexKey::Bool(*b)),
            Value::Number(n) => n
                .as_f64()
                .and_then(OrderedNumber::new)
                .map(IndexKey::Number),
            Value::String(s) => Some(IndexKey::Text(s.clone())),
            Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn number(value: f64) -> IndexKey {
        // Operands are finite by construction (the parser refuses anything else) and the class
        // ends are infinities, so this cannot be NaN.
        IndexKey::Number(OrderedNumber::new(value).unwrap_or(OrderedNumber(0.0)))
    }
}

/// What an index can answer for a condition.
///
/// A range is confined to the operand's own type class, because `>`/`<` never compare across
/// types (`age>30` must not match the string `"40"`): a number range runs from `Number(-inf)` to
/// `Number(+inf)` at its open ends, a text range from `Text("")` to `Unbounded` (text is the last
/// class). The bounds are always a valid `BTreeMap::range` argument: `lower <= upper`, and never
/// both excluded at the same key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexProbe {
    /// Any of these keys (`=` and `IN`, and `LIKE` without wildcards). A bare number operand
    /// lists both its number key and its text key, as `=` compares it with strings textually.
    Equal(Vec<IndexKey>),
    /// The keys within these bounds (`>`, `>=`, `<`, `<=`).
    Range {
        /// The lower bound.
        lower: Bound<IndexKey>,
        /// The upper bound.
        upper: Bound<IndexKey>,
    },
    /// Text keys that start with this prefix (`LIKE 'abc%'` with no other wildcard).
    Prefix(String),
}

impl IndexProbe {
    /// True when an index entry with this key answers the probe.
    pub fn accepts(&self, key: &IndexKey) -> bool {
        match self {
            IndexProbe::Equal(keys) => keys.contains(key),
            IndexProbe::Range { lower, upper } => (lower.as_ref(), upper.as_ref()).contains(key),
            IndexProbe::Prefix(prefix) => {
                matches!(key, IndexKey::Text(text) if text.starts_with(prefix.as_str()))
            }
        }
    }
}

impl Condition {
    /// What an index can answer for this condition, or `None` when no index kind can serve it
    /// (`!=`, `CONTAINS`, `~=`, `LIKE` with an inner wildcard, `=` against a list).
    pub fn index_probe(&self) -> Option<IndexProbe> {
        match (&self.op, &self.operand) {
            (Op::Eq, Operand::Scalar(scalar)) => Some(IndexProbe::Equal(equal_keys(scalar))),
            (Op::In, Operand::List(items)) => {
                let mut keys: Vec<IndexKey> = Vec::new();
                for key in items.iter().flat_map(equal_keys) {
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                Some(IndexProbe::Equal(keys))
            }
            (Op::Gt | Op::Ge | Op::Lt | Op::Le, Operand::Scalar(scalar)) => range(self.op, scalar),
            (Op::Like, Operand::Pattern(pattern)) => pattern.like_probe(),
            _ => None,
        }
    }
}

/// The keys `=` accepts for this operand.
fn equal_keys(scalar: &Scalar) -> Vec<IndexKey> {
    match scalar {
        Scalar::Null => vec![IndexKey::Null],
        Scalar::Bool(b) => vec![IndexKey::Bool(*b)],
        Scalar::Number(n, text) => vec![IndexKey::number(*n), IndexKey::Text(text.clone())],
        Scalar::Text(text) => vec![IndexKey::Text(text.clone())],
    }
}

fn range(op: Op, scalar: &Scalar) -> Option<IndexProbe> {
    let (at, lowest, highest) = match scalar {
        Scalar::Number(n, _) => (
            IndexKey::number(*n),
            Bound::Included(IndexKey::number(f64::NEG_INFINITY)),
            Bound::Included(IndexKey::number(f64::INFINITY)),
        ),
        Scalar::Text(text) => (
            IndexKey::Text(text.clone()),
            Bound::Included(IndexKey::Text(String::new())),
            Bound::Unbounded,
        ),
        // The parser refuses ranges over null and booleans.
        Scalar::Null | Scalar::Bool(_) => return None,
    };
    let (lower, upper) = match op {
        Op::Gt => (Bound::Excluded(at), highest),
        Op::Ge => (Bound::Included(at), highest),
        Op::Lt => (lowest, Bound::Excluded(at)),
        Op::Le => (lowest, Bound::Included(at)),
        _ => return None,
    };
    Some(IndexProbe::Range { lower, upper })
}

/// True when some value reached by `path` in `doc` has a key the probe accepts: what an index
/// holding `path` answers for `doc`. Tests compare it with [`Condition::matches`].
#[cfg(test)]
pub(crate) fn probe_accepts_doc(probe: &IndexProbe, path: &super::FieldPath, doc: &Value) -> bool {
    let mut reached = Vec::new();
    path.resolve(doc, &mut reached);
    reached
        .into_iter()
        .filter_map(IndexKey::from_json)
        .any(|key| probe.accepts(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn key_order_is_null_bool_number_text() {
        let keys = [
            IndexKey::Null,
            IndexKey::Bool(false),
            IndexKey::Bool(true),
            IndexKey::number(f64::NEG_INFINITY),
            IndexKey::number(-1.5),
            IndexKey::number(0.0),
            IndexKey::number(2.0),
            IndexKey::number(f64::INFINITY),
            IndexKey::Text(String::new()),
            IndexKey::Text("A".into()),
            IndexKey::Text("a".into()),
            IndexKey::Text("é".into()),
        ];
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn negative_zero_is_zero() {
        assert_eq!(IndexKey::number(-0.0), IndexKey::number(0.0));
        assert_eq!(
            OrderedNumber::new(-0.0).unwrap().get().to_bits(),
            0.0f64.to_bits()
        );
        assert!(OrderedNumber::new(f64::NAN).is_none());
        let doc: Value = serde_json::from_str("-0.0").unwrap();
        assert_eq!(IndexKey::from_json(&doc), Some(IndexKey::number(0.0)));
    }

    #[test]
    fn from_json_skips_containers() {
        assert_eq!(IndexKey::from_json(&serde_json::json!([1])), None);
        assert_eq!(IndexKey::from_json(&serde_json::json!({"a": 1})), None);
        assert_eq!(
            IndexKey::from_json(&serde_json::json!("x")),
            Some(IndexKey::Text("x".into()))
        );
    }

    fn probe(query: &str) -> Option<IndexProbe> {
        super::super::parse(query).unwrap().conditions[0].index_probe()
    }

    #[test]
    fn probes_per_operator() {
        assert_eq!(
            probe("age=30"),
            Some(IndexProbe::Equal(vec![
                IndexKey::number(30.0),
                IndexKey::Text("30".into())
            ]))
        );
        assert_eq!(
            probe("age='30'"),
            Some(IndexProbe::Equal(vec![IndexKey::Text("30".into())]))
        );
        assert_eq!(
            probe("ok=true"),
            Some(IndexProbe::Equal(vec![IndexKey::Bool(true)]))
        );
        assert_eq!(
            probe("x=null"),
            Some(IndexProbe::Equal(vec![IndexKey::Null]))
        );
        assert_eq!(
            probe("x IN [a|1|a]"),
            Some(IndexProbe::Equal(vec![
                IndexKey::Text("a".into()),
                IndexKey::number(1.0),
                IndexKey::Text("1".into()),
            ]))
        );
        assert_eq!(
            probe("age>30"),
            Some(IndexProbe::Range {
                lower: Bound::Excluded(IndexKey::number(30.0)),
                upper: Bound::Included(IndexKey::number(f64::INFINITY)),
            })
        );
        assert_eq!(
            probe("name<='m'"),
            Some(IndexProbe::Range {
                lower: Bound::Included(IndexKey::Text(String::new())),
                upper: Bound::Included(IndexKey::Text("m".into())),
            })
        );
        assert_eq!(
            probe("name LIKE 'ab%'"),
            Some(IndexProbe::Prefix("ab".into()))
        );
        assert_eq!(
            probe("name LIKE 'ab%%'"),
            Some(IndexProbe::Prefix("ab".into()))
        );
        assert_eq!(
            probe("name LIKE 'ab'"),
            Some(IndexProbe::Equal(vec![IndexKey::Text("ab".into())]))
        );
        assert_eq!(probe("name LIKE 'a_%'"), None);
        assert_eq!(probe("name LIKE '%b'"), None);
        assert_eq!(probe("name!=a"), None);
        assert_eq!(probe("name CONTAINS a"), None);
        assert_eq!(probe("name ~= a"), None);
        assert_eq!(probe("tags=[a|b]"), None);
    }

    #[test]
    fn ranges_are_confined_to_their_class_in_a_btreemap() {
        let mut map = BTreeMap::new();
        for (i, key) in [
            IndexKey::Null,
            IndexKey::Bool(true),
            IndexKey::number(10.0),
            IndexKey::number(40.0),
            IndexKey::Text("40".into()),
            IndexKey::Text("zz".into()),
        ]
        .into_iter()
        .enumerate()
        {
            map.insert(key, i);
        }
        let hits = |q: &str| -> Vec<usize> {
            let Some(IndexProbe::Range { lower, upper }) = probe(q) else {
                panic!("{q}")
            };
            map.range((lower, upper)).map(|(_, v)| *v).collect()
        };
        assert_eq!(hits("age>30"), vec![3]);
        assert_eq!(hits("age<30"), vec![2]);
        assert_eq!(hits("age<=40"), vec![2, 3]);
        assert_eq!(hits("age>'3'"), vec![4, 5]);
        assert_eq!(hits("age<'4'"), Vec::<usize>::new());
        assert_eq!(hits("age<''"), Vec::<usize>::new());
    }
}
