//! Unit tests of document edits, limits and the memory estimate.

use serde_json::json;

use super::*;

fn segments(path: &str) -> Vec<Segment> {
    match DocPath::parse(path.as_bytes()).unwrap() {
        DocPath::Definite(s) => s,
        DocPath::General(p) => panic!("{p} is not definite"),
    }
}

#[test]
fn set_at_creates_objects_appends_and_refuses_mismatches() {
    let mut doc = json!({"a": [1, 2]});
    set_at(&mut doc, &segments("$.b.c"), json!(true)).unwrap();
    set_at(&mut doc, &segments("$.a[2]"), json!(3)).unwrap();
    set_at(&mut doc, &segments("$.a[-1]"), json!(4)).unwrap();
    assert_eq!(doc, json!({"a": [1, 2, 4], "b": {"c": true}}));
    assert_eq!(
        set_at(&mut doc, &segments("$.a[9]"), json!(0)),
        Err(JsonError::PathMismatch(
            "index 9 is out of range at $.a[9]".into()
        ))
    );
    assert!(matches!(
        set_at(&mut doc, &segments("$.a.x"), json!(0)),
        Err(JsonError::PathMismatch(_))
    ));
    set_at(&mut doc, &[], json!("root")).unwrap();
    assert_eq!(doc, json!("root"));
}

#[test]
fn remove_at_and_remove_fields() {
    let mut doc = json!({"a": {"b": [1, 2, 3]}, "c": 1, "d": 2});
    assert!(remove_at(&mut doc, &segments("$.a.b[0]")));
    assert!(!remove_at(&mut doc, &segments("$.a.b[7]")));
    assert!(!remove_at(&mut doc, &segments("$.x.y")));
    assert!(remove_at(&mut doc, &segments("a.b")));
    assert_eq!(
        remove_fields(&mut doc, &[Bytes::from("c"), Bytes::from("zz")]),
        1
    );
    assert_eq!(doc, json!({"a": {}, "d": 2}));
    let mut scalar = json!(5);
    assert_eq!(remove_fields(&mut scalar, &[Bytes::from("c")]), 0);
}

#[test]
fn deep_merge_merges_objects_and_replaces_the_rest() {
    let mut doc = json!({"a": {"x": 1, "y": [1]}, "b": 1});
    deep_merge(&mut doc, json!({"a": {"y": [2], "z": null}, "c": "new"}));
    assert_eq!(
        doc,
        json!({"a": {"x": 1, "y": [2], "z": null}, "b": 1, "c": "new"})
    );
    deep_merge(&mut doc, json!([1]));
    assert_eq!(doc, json!([1]));
}

#[test]
fn limits_and_memory_estimate() {
    assert!(matches!(
        JsonDoc::parse(b"{\"a\":1}", 3),
        Err(JsonError::TooLarge { size: 7, limit: 3 })
    ));
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(matches!(
        JsonDoc::parse(deep.as_bytes(), 1 << 20),
        Err(JsonError::Invalid(_))
    ));
    let mut nested = json!(1);
    for _ in 0..MAX_DEPTH {
        nested = json!([nested]);
    }
    assert_eq!(JsonDoc::new(nested), Err(JsonError::TooDeep));
    let small = JsonDoc::parse(br#"{"name":"abc"}"#, 1 << 20).unwrap();
    let large = JsonDoc::parse(
        format!(r#"{{"name":"{}"}}"#, "x".repeat(1000)).as_bytes(),
        1 << 20,
    )
    .unwrap();
    assert_eq!(large.memory_bytes() - small.memory_bytes(), 997);
    assert_eq!(small.to_bytes(), Bytes::from_static(br#"{"name":"abc"}"#));
}
