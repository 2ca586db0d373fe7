//! Property tests of the query language: the index contract agrees with `matches`, the parser
//! never panics, and `Display` writes what `parse` reads back.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use super::index::probe_accepts_doc;
use super::parser::parse_number;
use super::*;

// Small pools, so that random documents and conditions often meet.

fn key() -> impl Strategy<Value = String> {
    select(vec!["a", "b", "c"]).prop_map(String::from)
}

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        select(vec![0.0, -0.0, 1.0, 1.5, 30.0, 40.0, -2.0]).prop_map(|n| json!(n)),
        select(vec![0i64, 1, 30, 40, -2]).prop_map(|n| json!(n)),
        select(vec![
            "", "a", "ab", "b", "30", "40", "1", "01", "é", "aé", "%"
        ])
        .prop_map(|s| json!(s)),
    ]
}

/// An object with most of the keys `a`, `b`, `c`, holding mostly scalars and arrays, so that
/// random conditions often reach a value and often match it.
fn document() -> impl Strategy<Value = Value> {
    let value = json_scalar().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            3 => json_scalar(),
            2 => prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            1 => prop::collection::btree_map(key(), inner, 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key(), value, 1..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn number(text: &str) -> Scalar {
    Scalar::Number(parse_number(text).unwrap(), text.to_owned())
}

fn small_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        Just(Scalar::Null),
        any::<bool>().prop_map(Scalar::Bool),
        small_ordered_scalar(),
    ]
}

fn small_ordered_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        select(vec![
            "0", "-0", "1", "01", "1.5", "30", "30.0", "40", "-2", "1e1"
        ])
        .prop_map(number),
        select(vec!["", "a", "ab", "b", "30", "40", "1", "é", "z"])
            .prop_map(|s| Scalar::Text(s.into())),
    ]
}

fn small_path() -> impl Strategy<Value = FieldPath> {
    let segment = prop_oneof![
        3 => key().prop_map(Segment::Field),
        1 => select(vec![0i64, 1, -1, -2]).prop_map(Segment::Index),
        2 => Just(Segment::AnyElement),
    ];
    let rest = prop_oneof![
        4 => Just(Vec::new()),
        3 => prop::collection::vec(segment.clone(), 1),
        1 => prop::collection::vec(segment, 2),
    ];
    (key(), rest).prop_map(|(first, rest)| {
        let segments = std::iter::once(Segment::Field(first)).chain(rest).collect();
        FieldPath { segments }
    })
}

fn small_op_operand() -> impl Strategy<Value = (Op, Operand)> {
    prop_oneof![
        3 => (select(vec![Op::Eq, Op::Ne]), small_scalar())
            .prop_map(|(op, s)| (op, Operand::Scalar(s))),
        3 => (select(vec![Op::Gt, Op::Ge, Op::Lt, Op::Le]), small_ordered_scalar())
            .prop_map(|(op, s)| (op, Operand::Scalar(s))),
        2 => prop::collection::vec(small_scalar(), 1..4).prop_map(|l| (Op::In, Operand::List(l))),
        1 => (select(vec![Op::Eq, Op::Ne]), prop::collection::vec(small_scalar(), 0..3))
            .prop_map(|(op, l)| (op, Operand::List(l))),
        1 => small_scalar().prop_map(|s| (Op::Contains, Operand::Scalar(s))),
        2 => select(vec!["%", "a%", "ab%", "a", "", "_", "%b", "a_", "\\%", "é%", "3%", "%%"])
            .prop_map(|p| (Op::Like, Operand::Pattern(Pattern::like(p)))),
        1 => select(vec!["a", "^a$", "\\d", "^$"])
            .prop_map(|p| (Op::Regex, Operand::Pattern(Pattern::regex(p, 0).unwrap()))),
    ]
}

fn small_condition() -> impl Strategy<Value = Condition> {
    (small_path(), small_op_operand()).prop_map(|(path, (op, operand))| Condition {
        path,
        op,
        operand,
    })
}

// Wide pools, for the parser.

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z ,'\"\\\\%_|\\[\\]]{0,8}",
        1 => any::<String>(),
    ]
}

fn any_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        Just(Scalar::Null),
        any::<bool>().prop_map(Scalar::Bool),
        any_ordered_scalar(),
    ]
}

fn any_ordered_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        "[+-]?([0-9]{1,6}(\\.[0-9]{0,3})?|\\.[0-9]{1,3})([eE][+-]?[0-9]{1,2})?"
            .prop_map(|t| number(&t)),
        any_text().prop_map(Scalar::Text),
    ]
}

fn any_path() -> impl Strategy<Value = FieldPath> {
    let segment = prop_oneof![
        2 => "[a-z_][a-z0-9_]{0,5}".prop_map(Segment::Field),
        1 => any_text().prop_map(Segment::Field),
        1 => any::<i64>().prop_map(Segment::Index),
        1 => Just(Segment::AnyElement),
    ];
    prop::collection::vec(segment, 0..MAX_PATH_DEPTH).prop_map(|segments| FieldPath { segments })
}

fn any_op_operand() -> impl Strategy<Value = (Op, Operand)> {
    prop_oneof![
        (select(vec![Op::Eq, Op::Ne, Op::Contains]), any_scalar())
            .prop_map(|(op, s)| (op, Operand::Scalar(s))),
        (
            select(vec![Op::Gt, Op::Ge, Op::Lt, Op::Le]),
            any_ordered_scalar()
        )
            .prop_map(|(op, s)| (op, Operand::Scalar(s))),
        prop::collection::vec(any_scalar(), 1..5).prop_map(|l| (Op::In, Operand::List(l))),
        (
            select(vec![Op::Eq, Op::Ne]),
            prop::collection::vec(any_scalar(), 0..4)
        )
            .prop_map(|(op, l)| (op, Operand::List(l))),
        any_text().prop_map(|p| (Op::Like, Operand::Pattern(Pattern::like(&p)))),
        any_text().prop_map(|p| {
            let source = regex::escape(&p);
            (
                Op::Regex,
                Operand::Pattern(Pattern::regex(&source, 0).unwrap()),
            )
        }),
    ]
}

fn any_query() -> impl Strategy<Value = Query> {
    let condition = (any_path(), any_op_operand()).prop_map(|(path, (op, operand))| Condition {
        path,
        op,
        operand,
    });
    prop::collection::vec(condition, 1..5).prop_map(|conditions| Query { conditions })
}

/// Strings made of query fragments, to reach deeper into the parser than random characters do.
fn query_like() -> impl Strategy<Value = String> {
    let fragment = select(vec![
        "a",
        "b.c",
        "$",
        ".",
        "[",
        "]",
        "*",
        "'",
        "\"",
        "\\",
        " ",
        "=",
        "==",
        "!=",
        "<>",
        ">",
        ">=",
        "<",
        "<=",
        "~=",
        " LIKE ",
        " in ",
        " Contains ",
        ",",
        "|",
        "%",
        "_",
        "0",
        "-1",
        "[*]",
        "x y",
        "null",
        "true",
        "1e5",
        "(",
        "é",
        "['n m']",
        "[1|2]",
        "?",
        "..",
        "\t",
    ]);
    prop::collection::vec(fragment, 0..14).prop_map(|parts| parts.concat())
}

fn check_probe(condition: &Condition, doc: &Value) -> Result<(), TestCaseError> {
    if let Some(probe) = condition.index_probe() {
        prop_assert_eq!(
            condition.matches(doc),
            probe_accepts_doc(&probe, &condition.path, doc),
            "condition {} probe {:?} doc {}",
            condition,
            probe,
            doc
        );
    }
    Ok(())
}

/// The same contract over every pairing of the small pools, placed directly, in arrays and in
/// objects, so that each comparison rule is met however the random cases fall.
#[test]
fn index_probes_agree_with_matches_exhaustively() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let scalars = [
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(-0.0),
        json!(1),
        json!(1.5),
        json!(30),
        json!(30.0),
        json!(40),
        json!(-2),
        json!(""),
        json!("a"),
        json!("ab"),
        json!("b"),
        json!("30"),
        json!("30.0"),
        json!("1"),
        json!("01"),
        json!("é"),
        json!("%"),
    ];
    let mut docs = Vec::new();
    for v in &scalars {
        docs.push(json!({"a": v}));
        docs.push(json!({"a": [v, "z"]}));
        docs.push(json!({"a": [[v]]}));
        docs.push(json!({"a": {"b": v}}));
        docs.push(json!({"a": [{"b": v}, {"b": 5}]}));
    }
    docs.push(json!({}));
    docs.push(json!({"a": []}));
    let paths = [
        "a", "a[*]", "a[0]", "a[-1]", "a[*][*]", "a.b", "a[*].b", "a.*", "c",
    ];
    let mut runner = TestRunner::deterministic();
    let (mut probed, mut hits) = (0, 0);
    for _ in 0..400 {
        let (op, operand) = small_op_operand().new_tree(&mut runner).unwrap().current();
        for path in paths {
            let path = FieldPath::parse(path).unwrap();
            let condition = Condition {
                path,
                op,
                operand: operand.clone(),
            };
            if condition.index_probe().is_none() {
                continue;
            }
            for doc in &docs {
                probed += 1;
                hits += usize::from(condition.matches(doc));
                check_probe(&condition, doc).unwrap();
            }
        }
    }
    // Guards the test itself: enough pairings must match for it to mean anything.
    assert!(hits * 50 > probed, "{hits} of {probed}");
}

fn sample() -> Value {
    json!({"a": [1, "x", {"b": null}], "b": {"c": "é"}, "x y": true})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// The index contract: a probed condition matches exactly when some reached value has a key
    /// the probe accepts.
    #[test]
    fn index_probes_agree_with_matches(
        doc in document(),
        conditions in prop::collection::vec(small_condition(), 1..16),
    ) {
        for condition in conditions {
            check_probe(&condition, &doc)?;
        }
    }

    /// `!=` is the negation of `=`, also through `[*]` and for missing fields.
    #[test]
    fn not_equal_is_not_equal(doc in document(), condition in small_condition()) {
        if condition.op == Op::Eq {
            let negated = Condition { op: Op::Ne, ..condition.clone() };
            prop_assert_eq!(negated.matches(&doc), !condition.matches(&doc));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Whatever the text, `parse` returns; what it accepts prints and parses back unchanged.
    #[test]
    fn parser_never_panics(text in prop_oneof![any::<String>(), query_like()]) {
        if let Ok(query) = parse(&text) {
            let printed = query.to_string();
            let reparsed = parse(&printed);
            prop_assert_eq!(reparsed.as_ref(), Ok(&query), "{} printed as {}", text, printed);
            query.matches(&sample());
        }
    }

    /// Every query the parser can produce survives `Display` → `parse`.
    #[test]
    fn display_parses_back(query in any_query()) {
        let printed = query.to_string();
        prop_assert_eq!(parse(&printed), Ok(query), "{}", printed);
    }
}
