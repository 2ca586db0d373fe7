//! Tests of SORT and SORT_RO, replies checked against Redis 7.0.15.

use super::*;

const NOT_DOUBLE: &str = "-ERR One or more scores can't be converted into double\r\n";

/// `*n` then one bulk per element.
fn bulks(elements: &[&str]) -> String {
    let mut out = format!("*{}\r\n", elements.len());
    for e in elements {
        out.push_str(&format!("${}\r\n{e}\r\n", e.len()));
    }
    out
}

#[tokio::test]
async fn sort_numeric_alpha_desc_and_limit() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l 3 1 2 10").await;
    assert_eq!(c.run("SORT l").await, bulks(&["1", "2", "3", "10"]));
    assert_eq!(c.run("SORT l DESC").await, bulks(&["10", "3", "2", "1"]));
    assert_eq!(c.run("SORT l ALPHA").await, bulks(&["1", "10", "2", "3"]));
    assert_eq!(c.run("SORT l LIMIT 1 2").await, bulks(&["2", "3"]));
    assert_eq!(c.run("SORT l LIMIT -5 2").await, bulks(&["1", "2"]));
    assert_eq!(c.run("SORT l LIMIT 2 -1").await, bulks(&["3", "10"]));
    assert_eq!(c.run("SORT l LIMIT 10 1").await, "*0\r\n");
    assert_eq!(c.run("SORT l LIMIT 0 0").await, "*0\r\n");
    assert_eq!(c.run("SORT_RO l DESC LIMIT 0 1").await, bulks(&["10"]));
    // BY a pattern without `*` keeps the list's order (reversed by DESC).
    assert_eq!(
        c.run("SORT l BY nosort DESC").await,
        bulks(&["10", "2", "1", "3"])
    );
    assert_eq!(
        c.run("SORT l BY nosort LIMIT 1 2 DESC").await,
        bulks(&["2", "1"])
    );
    assert_eq!(c.run("SORT nokey").await, "*0\r\n");
    // The list itself is untouched.
    assert_eq!(c.run("LRANGE l 0 -1").await, bulks(&["3", "1", "2", "10"]));
    c.run("RPUSH bad a 1").await;
    assert_eq!(c.run("SORT bad").await, NOT_DOUBLE);
    assert_eq!(c.run("SORT bad ALPHA").await, bulks(&["1", "a"]));
    c.run("RPUSH odd 1 1e400").await;
    assert_eq!(c.run("SORT odd").await, NOT_DOUBLE);
}

#[tokio::test]
async fn sort_by_and_get_patterns() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l 3 1 2 10").await;
    c.run("SET w_1 30").await;
    c.run("SET w_2 10").await;
    // Missing weights are 0; equal weights order the elements bytewise.
    assert_eq!(c.run("SORT l BY w_*").await, bulks(&["10", "3", "2", "1"]));
    // ALPHA by weights: missing weights first.
    assert_eq!(
        c.run("SORT l BY w_* ALPHA").await,
        bulks(&["3", "10", "2", "1"])
    );
    c.run("HSET h_1 f b").await;
    c.run("HSET h_3 f a").await;
    assert_eq!(
        c.run("SORT l BY h_*->f ALPHA GET # GET h_*->f GET w_*")
            .await,
        "*12\r\n$1\r\n2\r\n$-1\r\n$2\r\n10\r\n$2\r\n10\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$1\r\na\r\n$-1\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n30\r\n"
    );
    assert_eq!(
        c.run("SORT l BY nosort GET nokey_*").await,
        "*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"
    );
    c.run("SET w_3 x").await;
    assert_eq!(c.run("SORT l BY w_*").await, NOT_DOUBLE);
}

#[tokio::test]
async fn sort_sets_and_sorted_sets() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("ZADD z 3 a 1 b 2 c").await;
    assert_eq!(c.run("SORT z BY nosort").await, bulks(&["b", "c", "a"]));
    assert_eq!(
        c.run("SORT z BY nosort DESC").await,
        bulks(&["a", "c", "b"])
    );
    assert_eq!(c.run("SORT z ALPHA DESC").await, bulks(&["c", "b", "a"]));
    c.run("SADD s 5 3 9").await;
    assert_eq!(c.run("SORT s").await, bulks(&["3", "5", "9"]));
    // Storing an unsorted set sorts it anyway (ALPHA), as Redis does.
    c.run("SADD t b c a").await;
    assert_eq!(c.run("SORT t BY nosort STORE o").await, ":3\r\n");
    assert_eq!(c.run("LRANGE o 0 -1").await, bulks(&["a", "b", "c"]));
}

#[tokio::test]
async fn sort_store_replaces_deletes_and_wakes() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l 3 1 2").await;
    c.run("SET w_1 30").await;
    c.run("SET o x").await;
    c.run("EXPIRE o 100").await;
    assert_eq!(c.run("SORT l GET # GET w_* STORE o").await, ":6\r\n");
    assert_eq!(
        c.run("LRANGE o 0 -1").await,
        "*6\r\n$1\r\n1\r\n$2\r\n30\r\n$1\r\n2\r\n$0\r\n\r\n$1\r\n3\r\n$0\r\n\r\n"
    );
    assert_eq!(c.run("TTL o").await, ":-1\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("SORT nokey STORE o").await, ":0\r\n");
    assert_eq!(c.run("EXISTS o").await, ":0\r\n");
    // A refused sort stores nothing.
    c.run("RPUSH bad a").await;
    c.run("RPUSH o keep").await;
    assert_eq!(c.run("SORT bad STORE o").await, NOT_DOUBLE);
    assert_eq!(c.run("LRANGE o 0 -1").await, bulks(&["keep"]));
    // Redis's "BLPOP when result key is created by SORT..STORE".
    c.run("DEL foo").await;
    let waiter = spawn_run!(s.client(Role::User), "BLPOP foo 5");
    settle().await;
    c.run("RPUSH notfoo hello hola aguacate konichiwa zanzibar")
        .await;
    assert_eq!(c.run("SORT notfoo ALPHA STORE foo").await, ":5\r\n");
    assert_eq!(
        waiter.await.unwrap().1,
        "*2\r\n$3\r\nfoo\r\n$8\r\naguacate\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn sort_errors_and_watch() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l 1").await;
    c.run("SET str x").await;
    for (cmd, reply) in [
        ("SORT l LIMIT 1", "-ERR syntax error\r\n"),
        ("SORT l LIMIT x 1", NOT_INTEGER),
        ("SORT l FOO", "-ERR syntax error\r\n"),
        ("SORT l BY w_* GET", "-ERR syntax error\r\n"),
        ("SORT_RO l STORE o", "-ERR syntax error\r\n"),
        ("SORT str", WRONGTYPE),
        ("SORT str STORE o", WRONGTYPE),
        (
            "SORT",
            "-ERR wrong number of arguments for 'sort' command\r\n",
        ),
    ] {
        assert_eq!(c.run(cmd).await, reply, "{cmd}");
    }
    // Sorting only reads its source: a WATCH on it holds; storing fails a WATCH on the target.
    let mut other = s.client(Role::User);
    c.run("WATCH l o").await;
    other.run("SORT l").await;
    c.run("MULTI").await;
    c.run("PING").await;
    assert_eq!(c.run("EXEC").await, "*1\r\n+PONG\r\n");
    c.run("WATCH o").await;
    other.run("SORT l STORE o").await;
    c.run("MULTI").await;
    c.run("PING").await;
    assert_eq!(c.run("EXEC").await, "*-1\r\n");
    // Readers may SORT_RO but not SORT.
    let mut reader = s.client(Role::Reader);
    assert_eq!(reader.run("SORT_RO l").await, bulks(&["1"]));
    assert!(reader.run("SORT l").await.starts_with("-NOPERM"));
}
