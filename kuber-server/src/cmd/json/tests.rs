//! Tests of the JSON commands through the dispatcher: exact replies, TTLs, errors that store
//! nothing, and index maintenance on every write path (shown through EXPLAIN and JINDEX LIST).

use bytes::Bytes;

use crate::auth::Role;
use crate::cmd::testing::{TestClient, server, server_with};
use crate::config::Config;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

async fn run(c: &mut TestClient, parts: &[&str]) -> String {
    c.run_args(parts.iter().map(|p| Bytes::from(p.to_string())).collect())
        .await
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// Loads `n` people `p0000…` with city, age and roles derived from the number.
async fn people(c: &mut TestClient, n: usize) {
    for i in 0..n {
        let city = ["Oslo", "Lima", "Pune", "Kyiv"][i % 4];
        let roles = if i % 3 == 0 {
            r#"["admin","dev"]"#
        } else {
            r#"["dev"]"#
        };
        let doc = format!(
            r#"{{"id":{i},"name":"n{i}","age":{},"city":"{city}","roles":{roles}}}"#,
            20 + i % 40
        );
        assert_eq!(
            run(c, &["JSET", &format!("p{i:04}"), &doc]).await,
            "+OK\r\n"
        );
    }
}

/// The keys of a flat `key json key json …` RESP2 reply.
fn keys_of(reply: &str) -> Vec<String> {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    let mut keys = Vec::new();
    let mut i = 1; // after the array header
    while i + 1 < lines.len() {
        if lines[i].starts_with('$') {
            keys.push(lines[i + 1].to_owned());
            i += 4; // key header, key, doc header, doc
        } else {
            i += 1;
        }
    }
    keys
}

#[tokio::test]
async fn jset_jget_whole_documents_and_paths() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        run(
            &mut c,
            &["JSET", "u", r#"{"name":"Ann","age":30,"tags":["a","b"]}"#]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JGET", "u"]).await,
        bulk(r#"{"name":"Ann","age":30,"tags":["a","b"]}"#),
        "member order is kept"
    );
    assert_eq!(
        run(&mut c, &["JGET", "u", "$.name"]).await,
        bulk(r#""Ann""#)
    );
    assert_eq!(run(&mut c, &["JGET", "u", "age"]).await, bulk("30"));
    assert_eq!(
        run(&mut c, &["JGET", "u", "$.tags[-1]"]).await,
        bulk(r#""b""#)
    );
    assert_eq!(
        run(&mut c, &["JGET", "u", "$.tags[*]"]).await,
        bulk(r#"["a","b"]"#)
    );
    assert_eq!(run(&mut c, &["JGET", "u", "$.missing"]).await, "$-1\r\n");
    assert_eq!(run(&mut c, &["JGET", "nokey"]).await, "$-1\r\n");
    assert_eq!(run(&mut c, &["TYPE", "u"]).await, "+json\r\n");

    // A path set creates missing objects and keeps the rest.
    assert_eq!(
        run(&mut c, &["JSET", "u", r#""Oslo""#, "$.address.city"]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["JSET", "u", "31", "age"]).await, "+OK\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "u", r#""c""#, "$.tags[2]"]).await,
        "+OK\r\n",
        "append"
    );
    assert_eq!(
        run(&mut c, &["JGET", "u"]).await,
        bulk(r#"{"name":"Ann","age":31,"tags":["a","b","c"],"address":{"city":"Oslo"}}"#)
    );
    // A path set on a missing key starts from an empty object.
    assert_eq!(
        run(&mut c, &["JSET", "fresh", "1", "$.a.b"]).await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JGET", "fresh"]).await,
        bulk(r#"{"a":{"b":1}}"#)
    );
    // Filters and recursive descent go through jsonpath-rust and answer arrays.
    assert_eq!(
        run(
            &mut c,
            &[
                "JSET",
                "shop",
                r#"{"items":[{"p":5,"n":"a"},{"p":15,"n":"b"}]}"#
            ]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JGET", "shop", "$.items[?(@.p > 10)].n"]).await,
        bulk(r#"["b"]"#)
    );
    assert_eq!(
        run(&mut c, &["JGET", "shop", "$..n"]).await,
        bulk(r#"["a","b"]"#)
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn jset_ttls_positional_and_ex() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        run(&mut c, &["JSET", "a", "{}", "$", "10"]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["TTL", "a"]).await, ":10\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "b", "{}", "EX", "20"]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["TTL", "b"]).await, ":20\r\n");
    // A path edit keeps the TTL; a whole-document JSET without one clears it, as SET does.
    assert_eq!(run(&mut c, &["JSET", "b", "1", "$.x"]).await, "+OK\r\n");
    assert_eq!(run(&mut c, &["TTL", "b"]).await, ":20\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "b", "2", "$.x", "EX", "5"]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["TTL", "b"]).await, ":5\r\n");
    assert_eq!(run(&mut c, &["JSET", "b", "{}"]).await, "+OK\r\n");
    assert_eq!(run(&mut c, &["TTL", "b"]).await, ":-1\r\n");
    s.clock.advance(10_000);
    assert_eq!(run(&mut c, &["JGET", "a"]).await, "$-1\r\n");
    for bad in [
        &["JSET", "c", "{}", "$", "0"][..],
        &["JSET", "c", "{}", "EX", "-1"],
    ] {
        assert_eq!(
            run(&mut c, bad).await,
            "-ERR invalid expire time in 'jset' command\r\n"
        );
    }
    assert_eq!(
        run(&mut c, &["JSET", "c", "{}", "$", "x"]).await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSET", "c", "{}", "$", "1", "2"]).await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(run(&mut c, &["EXISTS", "c"]).await, ":0\r\n");
}

#[tokio::test]
async fn region_default_ttl_applies_to_new_documents() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("RCREATE sessions TTL 60").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT sessions").await, "+OK\r\n");
    assert_eq!(run(&mut c, &["JSET", "s1", r#"{"u":1}"#]).await, "+OK\r\n");
    assert_eq!(run(&mut c, &["TTL", "s1"]).await, ":60\r\n");
    assert_eq!(
        run(&mut c, &["JUPDATE", "s2", r#"{"u":2}"#]).await,
        bulk(r#"{"u":2}"#)
    );
    assert_eq!(run(&mut c, &["TTL", "s2"]).await, ":60\r\n");
}

#[tokio::test]
async fn jdel_jupdate_jremove() {
    let s = server();
    let mut c = s.client(Role::User);
    let doc = r#"{"a":1,"b":{"c":2,"d":[1,2]},"e":"x"}"#;
    assert_eq!(run(&mut c, &["JSET", "k", doc]).await, "+OK\r\n");
    assert_eq!(
        run(
            &mut c,
            &["JUPDATE", "k", r#"{"b":{"d":[9],"n":null},"f":true}"#]
        )
        .await,
        bulk(r#"{"a":1,"b":{"c":2,"d":[9],"n":null},"e":"x","f":true}"#),
        "objects merge, arrays and scalars replace"
    );
    assert_eq!(run(&mut c, &["JDEL", "k", "$.b.c"]).await, ":1\r\n");
    assert_eq!(run(&mut c, &["JDEL", "k", "$.b.c"]).await, ":0\r\n");
    assert_eq!(run(&mut c, &["JDEL", "k", "$.b.d[0]"]).await, ":1\r\n");
    assert_eq!(
        run(&mut c, &["JREMOVE", "k", "e", "f", "nope"]).await,
        bulk(r#"{"a":1,"b":{"d":[],"n":null}}"#)
    );
    assert_eq!(run(&mut c, &["JREMOVE", "nokey", "a"]).await, "$-1\r\n");
    assert_eq!(run(&mut c, &["JDEL", "k"]).await, ":1\r\n");
    assert_eq!(run(&mut c, &["JDEL", "k"]).await, ":0\r\n");
    assert_eq!(run(&mut c, &["EXISTS", "k"]).await, ":0\r\n");
    assert_eq!(
        run(&mut c, &["JUPDATE", "k", r#"{"z":1}"#, "EX", "7"]).await,
        bulk(r#"{"z":1}"#)
    );
    assert_eq!(run(&mut c, &["TTL", "k"]).await, ":7\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn bad_input_is_refused_and_stores_nothing() {
    let mut config = Config::default();
    config.kuber.cache.max_json_document_bytes = 1000;
    let s = server_with(config);
    let mut c = s.client(Role::User);
    assert_eq!(run(&mut c, &["JSET", "k", r#"{"ok":1}"#]).await, "+OK\r\n");
    let reply = run(&mut c, &["JSET", "k", r#"{"a":"#]).await;
    assert!(
        reply.starts_with("-JSONERR invalid JSON: EOF while parsing"),
        "{reply}"
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = run(&mut c, &["JSET", "k", &deep]).await;
    assert!(reply.starts_with("-JSONERR "), "{reply}");
    let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(2000));
    assert_eq!(
        run(&mut c, &["JSET", "k", &big]).await,
        "-JSONERR document of 2008 bytes is over the limit of 1000 bytes\r\n"
    );
    let reply = run(&mut c, &["JGET", "k", "$[?(@.a"]).await;
    assert!(reply.starts_with("-JSONPATHERR invalid path"), "{reply}");
    assert_eq!(
        run(&mut c, &["JSET", "k", "1", "$.ok.deeper"]).await,
        "-JSONPATHERR cannot set $.ok.deeper: $.ok holds a number, not an object\r\n"
    );
    let reply = run(&mut c, &["JSET", "k", "1", "$..ok"]).await;
    assert!(
        reply.starts_with("-JSONPATHERR JSET needs a path of fields and indexes"),
        "{reply}"
    );
    // Nesting past the limit through a path edit is refused too.
    let nested = format!("{}1{}", "[".repeat(120), "]".repeat(120));
    assert_eq!(run(&mut c, &["JSET", "n", &nested]).await, "+OK\r\n");
    let long_path = format!("${}", ".a".repeat(20));
    assert_eq!(
        run(&mut c, &["JSET", "n2", &nested, &long_path]).await,
        "-JSONERR document would nest deeper than 128 levels\r\n"
    );
    assert_eq!(run(&mut c, &["EXISTS", "n2"]).await, ":0\r\n");
    assert_eq!(
        run(&mut c, &["JGET", "k"]).await,
        bulk(r#"{"ok":1}"#),
        "nothing was stored"
    );
    // Wrong types both ways.
    assert_eq!(c.run("SET s v").await, "+OK\r\n");
    assert_eq!(run(&mut c, &["JGET", "s"]).await, WRONGTYPE);
    assert_eq!(run(&mut c, &["JSET", "s", "1", "$.a"]).await, WRONGTYPE);
    assert_eq!(run(&mut c, &["JUPDATE", "s", "{}"]).await, WRONGTYPE);
    assert_eq!(run(&mut c, &["JREMOVE", "s", "a"]).await, WRONGTYPE);
    assert_eq!(run(&mut c, &["JDEL", "s"]).await, WRONGTYPE);
    assert_eq!(c.run("GET k").await, WRONGTYPE);
    assert_eq!(c.run("HSET k f v").await, WRONGTYPE);
    // A whole-document JSET replaces any type, as SET does.
    assert_eq!(run(&mut c, &["JSET", "s", "[1]"]).await, "+OK\r\n");
    assert_eq!(run(&mut c, &["TYPE", "s"]).await, "+json\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn jsearch_full_scan_pages_in_key_order() {
    let s = server();
    let mut c = s.client(Role::User);
    people(&mut c, 40).await;
    assert_eq!(c.run("SET p0001x not-json").await, "+OK\r\n");
    let all = run(&mut c, &["JSEARCH", "$.city=Oslo"]).await;
    let keys = keys_of(&all);
    let expected: Vec<String> = (0..40).step_by(4).map(|i| format!("p{i:04}")).collect();
    assert_eq!(keys, expected);
    assert!(all.contains(r#"{"id":0,"name":"n0","age":20,"city":"Oslo","roles":["admin","dev"]}"#));

    let limited = run(&mut c, &["JSEARCH", "city=Oslo", "LIMIT", "3"]).await;
    assert_eq!(keys_of(&limited), ["p0000", "p0004", "p0008"]);

    // Unquoted query split by redis-cli into several arguments.
    let split = run(
        &mut c,
        &[
            "JSEARCH",
            "$.roles",
            "CONTAINS",
            "admin,$.age",
            ">",
            "50",
            "LIMIT",
            "100",
        ],
    )
    .await;
    let expected: Vec<String> = (0..40)
        .filter(|i| i % 3 == 0 && 20 + i % 40 > 50)
        .map(|i| format!("p{i:04}"))
        .collect();
    assert_eq!(keys_of(&split), expected);

    // Cursor walk: every match exactly once, in order.
    let mut cursor = "0".to_owned();
    let mut walked = Vec::new();
    loop {
        let reply = run(
            &mut c,
            &["JSEARCH", "$.age>=30", "CURSOR", &cursor, "LIMIT", "4"],
        )
        .await;
        let lines: Vec<&str> = reply.split("\r\n").collect();
        assert_eq!(lines[0], "*2");
        cursor = lines[2].to_owned();
        walked.extend(keys_of(&lines[3..].join("\r\n")));
        if cursor == "0" {
            break;
        }
    }
    let expected: Vec<String> = (0..40)
        .filter(|i| 20 + i % 40 >= 30)
        .map(|i| format!("p{i:04}"))
        .collect();
    assert_eq!(walked, expected);

    for (query, error) in [
        ("$.age", "-ERR query: "),
        ("", "-ERR query: "),
        ("$.a=1,,$.b=2", "-ERR query: "),
    ] {
        let reply = run(&mut c, &["JSEARCH", query]).await;
        assert!(
            reply.starts_with(error) && reply.contains(" at "),
            "{query}: {reply}"
        );
    }
    assert_eq!(
        run(&mut c, &["JSEARCH", "a=1", "CURSOR", "zz"]).await,
        "-ERR invalid cursor\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSEARCH", "a=1", "LIMIT", "0"]).await,
        "-ERR LIMIT must be between 1 and 100000\r\n"
    );
}

#[tokio::test]
async fn cursor_pages_stay_stable_while_writers_change_the_region() {
    let s = server();
    let mut c = s.client(Role::User);
    let mut writer = s.client(Role::User);
    people(&mut c, 20).await;
    let first = run(
        &mut c,
        &[
            "JSEARCH",
            "$.roles CONTAINS dev",
            "CURSOR",
            "0",
            "LIMIT",
            "5",
        ],
    )
    .await;
    let lines: Vec<&str> = first.split("\r\n").collect();
    let cursor = lines[2].to_owned();
    assert_eq!(
        keys_of(&lines[3..].join("\r\n")),
        ["p0000", "p0001", "p0002", "p0003", "p0004"]
    );
    // Between pages: a key before the cursor appears, one after it is deleted, one is added.
    assert_eq!(
        run(&mut writer, &["JSET", "p0000a", r#"{"roles":["dev"]}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut writer, &["DEL", "p0005"]).await, ":1\r\n");
    assert_eq!(
        run(&mut writer, &["JSET", "p0006a", r#"{"roles":["dev"]}"#]).await,
        "+OK\r\n"
    );
    let next = run(
        &mut c,
        &[
            "JSEARCH",
            "$.roles CONTAINS dev",
            "CURSOR",
            &cursor,
            "LIMIT",
            "3",
        ],
    )
    .await;
    let lines: Vec<&str> = next.split("\r\n").collect();
    assert_eq!(
        keys_of(&lines[3..].join("\r\n")),
        ["p0006", "p0006a", "p0007"]
    );
}

async fn oslo(c: &mut TestClient) -> Vec<String> {
    keys_of(&run(c, &["JSEARCH", "$.city=Oslo"]).await)
}

/// The EXPLAIN lines of a query.
async fn explain(c: &mut TestClient, query: &str) -> String {
    run(c, &["JSEARCH", query, "EXPLAIN"]).await
}

/// `entries` of the first index JINDEX LIST reports.
async fn index_entries(c: &mut TestClient, region: &str) -> Vec<i64> {
    let reply = run(c, &["JINDEX", "LIST", region]).await;
    let lines: Vec<&str> = reply.split("\r\n").collect();
    lines
        .windows(3)
        .filter(|w| w[1] == "entries")
        .map(|w| w[2].trim_start_matches(':').parse().unwrap())
        .collect()
}

#[tokio::test]
async fn indexes_serve_queries_and_answer_like_a_scan() {
    let s = server();
    let mut c = s.client(Role::User);
    people(&mut c, 200).await;
    let queries = [
        "$.city=Oslo",
        "$.city IN [Oslo|Kyiv],$.age<25",
        "$.age>30,$.roles CONTAINS admin",
        "$.age>=55",
        "$.name LIKE 'n1%'",
        "$.age<=21,$.city!=Oslo",
    ];
    let mut before = Vec::new();
    for q in queries {
        assert!(explain(&mut c, q).await.contains("full scan"), "{q}");
        before.push(run(&mut c, &["JSEARCH", q, "LIMIT", "1000"]).await);
    }
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "by_city", "$.city", "HASH"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "by_age", "age", "SORTED"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "by_name", "$.name", "SORTED"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(index_entries(&mut c, "default").await, [200, 200, 200]);
    let plans = [
        "by_city (HASH on $.city)",
        // 25 documents are under 25, 100 in Oslo or Kyiv: the smaller candidate set wins.
        "by_age (SORTED on $.age)",
        "by_age (SORTED on $.age)",
        "by_age (SORTED on $.age)",
        "by_name (SORTED on $.name)",
        "by_age (SORTED on $.age)",
    ];
    for ((q, plan), expected) in queries.iter().zip(plans).zip(&before) {
        let shown = explain(&mut c, q).await;
        assert!(shown.contains(plan), "{q}: {shown}");
        assert_eq!(
            &run(&mut c, &["JSEARCH", q, "LIMIT", "1000"]).await,
            expected,
            "{q}"
        );
    }
    let shown = explain(&mut c, "$.age>30,$.roles CONTAINS admin").await;
    assert!(
        shown.contains("filter: $.roles CONTAINS admin") || shown.contains("filter: $.roles"),
        "{shown}"
    );
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "by_city", "$.x", "HASH"]
        )
        .await,
        "-ERR index 'by_city' already exists\r\n"
    );
    assert_eq!(
        run(&mut c, &["JINDEX", "DROP", "default", "by_name"]).await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JINDEX", "DROP", "default", "by_name"]).await,
        "-ERR no index 'by_name' in region 'default'\r\n"
    );
    assert_eq!(
        run(&mut c, &["JINDEX", "CREATE", "nowhere", "i", "$.x", "HASH"]).await,
        "-ERR region 'nowhere' does not exist\r\n"
    );
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "i", "$.x", "BTREE"]
        )
        .await,
        "-ERR index kind must be HASH or SORTED\r\n"
    );
    let mut reader = s.client(Role::Reader);
    assert!(
        run(&mut reader, &["JINDEX", "DROP", "default", "by_city"])
            .await
            .starts_with("-NOPERM")
    );
    assert!(
        run(&mut reader, &["JINDEX", "LIST"])
            .await
            .starts_with("*2\r\n")
    );
}

#[tokio::test]
async fn every_write_path_keeps_indexes_current() {
    let s = server();
    let mut c = s.client(Role::Admin);
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "by_city", "$.city", "HASH"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSET", "a", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSET", "b", r#"{"city":"Lima"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSET", "b", r#""Oslo""#, "$.city"]).await,
        "+OK\r\n"
    );
    assert_eq!(oslo(&mut c).await, ["a", "b"], "JSET and path JSET");
    assert_eq!(
        run(&mut c, &["JUPDATE", "a", r#"{"city":"Pune"}"#]).await,
        bulk(r#"{"city":"Pune"}"#)
    );
    assert_eq!(oslo(&mut c).await, ["b"], "JUPDATE");
    assert_eq!(run(&mut c, &["JREMOVE", "b", "city"]).await, bulk("{}"));
    assert_eq!(oslo(&mut c).await, Vec::<String>::new(), "JREMOVE");
    assert_eq!(
        run(&mut c, &["JSET", "c", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["JDEL", "c", "$.city"]).await, ":1\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "d", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(run(&mut c, &["JDEL", "d"]).await, ":1\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "e", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(c.run("DEL e").await, ":1\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "f", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(c.run("SET f overwritten").await, "+OK\r\n");
    assert_eq!(
        run(&mut c, &["JSET", "g", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(c.run("RENAME g h").await, "+OK\r\n");
    assert_eq!(oslo(&mut c).await, ["h"], "RENAME moves the entry");
    // Left: a (Pune) and h (Oslo).
    assert_eq!(index_entries(&mut c, "default").await, [2]);

    // Expiry, active and lazy.
    assert_eq!(
        run(&mut c, &["JSET", "t1", r#"{"city":"Oslo"}"#, "$", "1"]).await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JSET", "t2", r#"{"city":"Oslo"}"#, "$", "1"]).await,
        "+OK\r\n"
    );
    assert_eq!(index_entries(&mut c, "default").await, [4]);
    s.clock.advance(1500);
    assert_eq!(oslo(&mut c).await, ["h"], "expired documents never match");
    s.state
        .store
        .default_region()
        .lock()
        .expire_due(s.state.store.now(), 100);
    assert_eq!(
        index_entries(&mut c, "default").await,
        [2],
        "expiry removes index entries"
    );

    // Purge keeps the definition, empties it; drop removes it with the region.
    assert_eq!(c.run("RPURGE default").await, "+OK\r\n");
    assert_eq!(index_entries(&mut c, "default").await, [0]);
    assert_eq!(
        run(&mut c, &["JSET", "i", r#"{"city":"Oslo"}"#]).await,
        "+OK\r\n"
    );
    assert_eq!(oslo(&mut c).await, ["i"]);
    assert_eq!(c.run("FLUSHDB").await, "+OK\r\n");
    assert_eq!(index_entries(&mut c, "default").await, [0]);
    assert_eq!(c.run("RCREATE other").await, "+OK\r\n");
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "other", "x", "$.city", "HASH"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(c.run("RDROP other").await, "+OK\r\n");
    assert_eq!(
        run(&mut c, &["JINDEX", "LIST", "other"]).await,
        "-ERR region 'other' does not exist\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn eviction_removes_index_entries() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("RCREATE small MAXENTRIES 5").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT small").await, "+OK\r\n");
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "small", "by_city", "$.city", "HASH"]
        )
        .await,
        "+OK\r\n"
    );
    for i in 0..20 {
        assert_eq!(
            run(&mut c, &["JSET", &format!("k{i}"), r#"{"city":"Oslo"}"#]).await,
            "+OK\r\n"
        );
    }
    assert_eq!(index_entries(&mut c, "small").await, [5]);
    assert_eq!(
        keys_of(&run(&mut c, &["JSEARCH", "$.city=Oslo"]).await).len(),
        5
    );
}

#[tokio::test]
async fn ksearch_lists_keys_with_type_and_ttl() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        run(&mut c, &["JSET", "user:2", "{}", "$", "100"]).await,
        "+OK\r\n"
    );
    assert_eq!(c.run("SET user:1 x").await, "+OK\r\n");
    assert_eq!(c.run("SET order:1 x").await, "+OK\r\n");
    assert_eq!(
        run(&mut c, &["KSEARCH", "^user:[0-9]+$"]).await,
        "*2\r\n*3\r\n$6\r\nuser:1\r\n$6\r\nstring\r\n:-1\r\n*3\r\n$6\r\nuser:2\r\n$4\r\njson\r\n:100\r\n"
    );
    assert_eq!(
        run(&mut c, &["KSEARCH", ":1$", "LIMIT", "1"]).await,
        "*1\r\n*3\r\n$7\r\norder:1\r\n$6\r\nstring\r\n:-1\r\n"
    );
    assert!(
        run(&mut c, &["KSEARCH", "(unclosed"])
            .await
            .starts_with("-ERR invalid regex: ")
    );
    assert_eq!(
        run(&mut c, &["KSEARCH", "x", "LIMIT"]).await,
        "-ERR syntax error\r\n"
    );
}

#[tokio::test]
async fn resp3_jindex_list_is_a_map() {
    let s = server();
    let mut c = s.client(Role::User);
    c.resp3();
    assert_eq!(
        run(
            &mut c,
            &["JINDEX", "CREATE", "default", "i", "$.a", "SORTED"]
        )
        .await,
        "+OK\r\n"
    );
    assert_eq!(
        run(&mut c, &["JINDEX", "LIST"]).await,
        "*1\r\n%6\r\n$6\r\nregion\r\n$7\r\ndefault\r\n$4\r\nname\r\n$1\r\ni\r\n$4\r\npath\r\n$3\r\n$.a\r\n$4\r\nkind\r\n$6\r\nSORTED\r\n$7\r\nentries\r\n:0\r\n$12\r\nmemory_bytes\r\n:0\r\n"
    );
    assert_eq!(
        run(&mut c, &["JINDEX", "NOPE"]).await,
        "-ERR unknown subcommand 'NOPE'. Try JINDEX CREATE, JINDEX DROP or JINDEX LIST.\r\n"
    );
}

#[tokio::test]
async fn commands_typed_as_redis_cli_sends_them() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        c.run("JSET u '{\"n\":\"A B\",\"age\":40}'").await,
        "+OK\r\n"
    );
    assert_eq!(c.run("JGET u $.n").await, bulk(r#""A B""#));
    assert_eq!(
        c.run("JUPDATE u '{\"age\":41}'").await,
        bulk(r#"{"n":"A B","age":41}"#)
    );
    assert_eq!(c.run("JREMOVE u n").await, bulk(r#"{"age":41}"#));
    assert_eq!(
        c.run("JSEARCH $.age > 40").await,
        format!("*2\r\n$1\r\nu\r\n{}", bulk(r#"{"age":41}"#))
    );
    assert_eq!(
        c.run("KSEARCH ^u$").await,
        "*1\r\n*3\r\n$1\r\nu\r\n$4\r\njson\r\n:-1\r\n"
    );
    assert_eq!(
        c.run("JINDEX CREATE default by_age $.age SORTED").await,
        "+OK\r\n"
    );
    assert_eq!(c.run("JDEL u").await, ":1\r\n");
}
