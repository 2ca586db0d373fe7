//! Tests of the sorted-set value.

use super::*;

fn set(pairs: &[(&str, f64)]) -> ZSet {
    let mut z = ZSet::new();
    for (m, s) in pairs {
        z.insert(Bytes::copy_from_slice(m.as_bytes()), *s);
    }
    z
}

fn names(items: &[Scored]) -> Vec<String> {
    items
        .iter()
        .map(|(m, _)| String::from_utf8_lossy(m).into_owned())
        .collect()
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
    assert_eq!(format_score(1e23), "9.9999999999999992e+22");
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
    for bad in [
        "", " 1", "1 ", "nan", "-nan", "1e400", "1e-400", "abc", "1e", "0x", ".", "1.5x", "+",
        "0xp3",
    ] {
        assert_eq!(parse_score(bad.as_bytes()), None, "{bad:?}");
    }
}

#[test]
fn score_ranges_parse_like_zsl_parse_range() {
    let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
    assert_eq!(
        (r.min, r.min_ex, r.max, r.max_ex),
        (1.0, true, f64::INFINITY, false)
    );
    assert_eq!(ScoreRange::parse(b"", b" 5").unwrap().min, 0.0);
    assert_eq!(
        ScoreRange::parse(b"(", b"1e400").unwrap().max,
        f64::INFINITY
    );
    assert_eq!(
        ScoreRange::parse(b"0x2", b"5\0junk").map(|r| (r.min, r.max)),
        Some((2.0, 5.0))
    );
    assert!(ScoreRange::parse(b"nan", b"1").is_none());
    assert!(ScoreRange::parse(b"1", b"2 ").is_none());
    assert!(ScoreRange::parse(b"a", b"2").is_none());
    assert!(ScoreRange::parse(b"(1", b"(1").unwrap().is_empty());
    assert!(!ScoreRange::parse(b"1", b"1").unwrap().is_empty());
    assert!(ScoreRange::parse(b"2", b"1").unwrap().is_empty());
}

#[test]
fn score_ranges_respect_bounds_and_ties() {
    let z = set(&[
        ("a", 1.0),
        ("b", 2.0),
        ("c", 2.0),
        ("", 2.0),
        ("d", 3.0),
        ("i", f64::INFINITY),
    ]);
    let r = |min: &str, max: &str| ScoreRange::parse(min.as_bytes(), max.as_bytes()).unwrap();
    assert_eq!(
        names(&z.score_range(&r("2", "2"), false, 0, None)),
        ["", "b", "c"]
    );
    assert_eq!(
        names(&z.score_range(&r("(1", "(3"), false, 0, None)),
        ["", "b", "c"]
    );
    assert_eq!(
        names(&z.score_range(&r("(2", "+inf"), false, 0, None)),
        ["d", "i"]
    );
    assert_eq!(
        names(&z.score_range(&r("-inf", "inf"), true, 1, Some(2))),
        ["d", "c"]
    );
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
    assert_eq!(
        names(&z.lex_range(&r("-", "+"), false, 0, None)),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        names(&z.lex_range(&r("(a", "[c"), false, 0, None)),
        ["b", "c"]
    );
    assert_eq!(
        names(&z.lex_range(&r("[b", "+"), true, 1, Some(5))),
        ["c", "b"]
    );
    assert_eq!(z.lex_count(&r("+", "-")), 0);
    assert_eq!(z.lex_count(&r("[c", "[b")), 0);
    assert_eq!(z.lex_count(&r("(b", "(b")), 0);
    assert_eq!(z.lex_count(&r("[b", "[b")), 1);
    assert!(LexRange::parse(b"a", b"+").is_none());
    assert!(LexRange::parse(b"+x", b"+").is_none());
    assert_eq!(LexRange::parse(b"-\0x", b"+").unwrap().min, LexBound::Min);
    // Mixed scores: Redis's listpack walk from the first member >= min while <= max.
    let mixed = set(&[("c", 1.0), ("a", 2.0), ("b", 3.0)]);
    assert_eq!(
        names(&mixed.lex_range(&r("[b", "+"), false, 0, None)),
        ["c", "a", "b"]
    );
    assert!(mixed.lex_range(&r("[a", "[b"), false, 0, None).is_empty());
    assert!(mixed.lex_range(&r("-", "[b"), true, 0, None).is_empty());
    assert_eq!(
        names(&mixed.lex_range(&r("-", "+"), true, 1, None)),
        ["a", "c"]
    );
    assert_eq!(
        names(&mixed.lex_range(&r("(a", "[c"), true, 0, None)),
        ["b"]
    );
    assert_eq!(
        names(&mixed.lex_range(&r("(a", "[c"), false, 0, None)),
        ["c", "a", "b"]
    );
    let walk = set(&[
        ("a", 0.0),
        ("m1", 1.0),
        ("aa", 2.0),
        ("m2", 3.0),
        ("c", 4.0),
        ("x", 5.0),
    ]);
    assert_eq!(
        names(&walk.lex_range(&r("[a", "[c"), false, 0, None)),
        ["a"]
    );
    assert_eq!(
        names(&walk.lex_range(&r("[a", "[c"), false, 4, Some(3))),
        ["c"]
    );
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
    assert!(
        long.score(&[b'x'; 65])
            .is_some_and(|s| s.is_sign_negative())
    );
    let mut big = ZSet::for_insert(129, 1);
    big.add(b"c", -0.0);
    assert!(big.score(b"c").is_some_and(|s| s.is_sign_negative()));
    assert_eq!(big, {
        let mut other = ZSet::new();
        other.add(b"c", 0.0);
        other
    });
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
    assert_eq!(
        z.remove_score_range(&ScoreRange::parse(b"5", b"5").unwrap()),
        1
    );
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
    assert_eq!(
        small.scan(12345, 1),
        (
            0,
            vec![
                (Bytes::from_static(b"a"), 1.0),
                (Bytes::from_static(b"b"), 2.0)
            ]
        )
    );
}
