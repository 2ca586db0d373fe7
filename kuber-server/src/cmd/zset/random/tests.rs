//! Tests of ZRANDMEMBER, through the dispatcher with exact reply bytes (as Redis 7.0.15 gives
//! them for a one-member set, where the picks are certain).

use crate::auth::Role;
use crate::cmd::testing::server;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[tokio::test]
async fn zrandmember_counts_and_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z 1 a").await, ":1\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZRANDMEMBER z").await, "$1\r\na\r\n");
    assert_eq!(c.run("ZRANDMEMBER z 1").await, "*1\r\n$1\r\na\r\n");
    assert_eq!(
        c.run("ZRANDMEMBER z 5 WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z -3").await,
        "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z -2 WITHSCORES").await,
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(c.run("ZRANDMEMBER z 0").await, "*0\r\n");
    assert_eq!(c.run("ZRANDMEMBER nokey").await, "$-1\r\n");
    assert_eq!(c.run("ZRANDMEMBER nokey 5").await, "*0\r\n");
    assert_eq!(c.run("ZRANDMEMBER nokey -5 WITHSCORES").await, "*0\r\n");
    assert_eq!(c.run("ZRANDMEMBER str").await, WRONGTYPE);
    assert_eq!(c.run("ZRANDMEMBER str 1").await, WRONGTYPE);
    assert_eq!(
        c.run("ZRANDMEMBER z a").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("ZRANDMEMBER z 1 bad").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZRANDMEMBER z 1 WITHSCORES extra").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z -9223372036854775808").await,
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z -9223372036854770000 WITHSCORES").await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z 4611686018427387904 WITHSCORES").await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z 4611686018427387903 WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z 9223372036854775807").await,
        "*1\r\n$1\r\na\r\n"
    );
    c.resp3();
    assert_eq!(
        c.run("ZRANDMEMBER z 1 WITHSCORES").await,
        "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    );
    assert_eq!(
        c.run("ZRANDMEMBER z -2").await,
        "*2\r\n$1\r\na\r\n$1\r\na\r\n"
    );
    assert_eq!(c.run("ZRANDMEMBER nokey").await, "_\r\n");
    // Distinct picks from a larger set: every member once when the count covers the set.
    c.run("ZADD big 1 m1 2 m2 3 m3 4 m4 5 m5").await;
    let all = c.run("ZRANDMEMBER big 10").await;
    assert!(all.starts_with("*5\r\n"));
    for m in ["m1", "m2", "m3", "m4", "m5"] {
        assert_eq!(all.matches(&format!("${}\r\n{m}\r\n", m.len())).count(), 1);
    }
    let some = c.run("ZRANDMEMBER big 3 WITHSCORES").await;
    assert!(some.starts_with("*3\r\n*2\r\n$2\r\nm"));
    // Kuber bounds repeated picks (Redis does not).
    assert_eq!(
        c.run("ZRANDMEMBER big -1048577").await,
        "-ERR value is out of range\r\n"
    );
    s.assert_memory_consistent();
}
