//! Tests of ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, through the dispatcher with
//! exact reply bytes (as Redis 7.0.15 gives them).

use crate::auth::Role;
use crate::cmd::testing::server;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[tokio::test]
async fn union_inter_diff_and_intercard_replies() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD za 1 a 2 b 3 c").await, ":3\r\n");
    assert_eq!(c.run("ZADD zb 1 b 2 c 3 d").await, ":3\r\n");
    assert_eq!(c.run("SADD sa a b c").await, ":3\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(
        c.run("ZUNION 2 za zb").await,
        "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nd\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n5\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb weights 2 3 WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n7\r\n$1\r\nd\r\n$1\r\n9\r\n$1\r\nc\r\n$2\r\n12\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za sa WITHSCORES").await,
        "*6\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb AGGREGATE MIN WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb aggregate max withscores").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n3\r\n"
    );
    assert_eq!(c.run("ZUNION 1 nokey").await, "*0\r\n");
    assert_eq!(
        c.run("ZINTER 2 za zb WITHSCORES").await,
        "*4\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n5\r\n"
    );
    assert_eq!(
        c.run("ZINTER 2 za zb WEIGHTS 2 3 WITHSCORES").await,
        "*4\r\n$1\r\nb\r\n$1\r\n7\r\n$1\r\nc\r\n$2\r\n12\r\n"
    );
    assert_eq!(
        c.run("ZINTER 2 za za WITHSCORES").await,
        "*6\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n6\r\n"
    );
    assert_eq!(c.run("ZINTER 2 za nokey WITHSCORES").await, "*0\r\n");
    assert_eq!(
        c.run("ZINTER 3 za zb sa AGGREGATE MAX WEIGHTS 1 2 3 WITHSCORES")
            .await,
        "*4\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("ZDIFF 2 za zb WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(c.run("ZDIFF 2 za za").await, "*0\r\n");
    assert_eq!(c.run("ZDIFF 3 za nokey sa").await, "*0\r\n");
    assert_eq!(c.run("ZDIFF 1 nokey").await, "*0\r\n");
    assert_eq!(c.run("ZINTERCARD 2 za zb").await, ":2\r\n");
    assert_eq!(c.run("ZINTERCARD 2 za zb LIMIT 1").await, ":1\r\n");
    assert_eq!(c.run("ZINTERCARD 2 za zb LIMIT 0").await, ":2\r\n");
    assert_eq!(c.run("ZINTERCARD 2 za nokey").await, ":0\r\n");
    c.resp3();
    assert_eq!(
        c.run("ZUNION 2 za zb WITHSCORES").await,
        "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,3\r\n*2\r\n$1\r\nd\r\n,3\r\n*2\r\n$1\r\nc\r\n,5\r\n"
    );
    assert_eq!(
        c.run("ZINTER 2 za zb").await,
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn errors_in_redis_order() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD za 1 a 2 b 3 c").await, ":3\r\n");
    assert_eq!(c.run("ZADD zb 1 b 2 c 3 d").await, ":3\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZUNION 2 za str").await, WRONGTYPE);
    assert_eq!(c.run("ZINTERCARD 1 str").await, WRONGTYPE);
    // WRONGTYPE comes before the options are read.
    assert_eq!(c.run("ZUNION 2 str nokey WITHSCORES bad").await, WRONGTYPE);
    assert_eq!(
        c.run("ZUNION 0 za").await,
        "-ERR at least 1 input key is needed for 'zunion' command\r\n"
    );
    assert_eq!(
        c.run("ZINTERSTORE dst 0 za").await,
        "-ERR at least 1 input key is needed for 'zinterstore' command\r\n"
    );
    assert_eq!(
        c.run("ZINTERCARD 0 za").await,
        "-ERR at least 1 input key is needed for 'zintercard' command\r\n"
    );
    assert_eq!(
        c.run("ZUNION -1 za").await,
        "-ERR at least 1 input key is needed for 'zunion' command\r\n"
    );
    assert_eq!(
        c.run("ZUNION a za").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("ZUNION 3 za zb").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZUNION 2 za zb AGGREGATE foo").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb AGGREGATE").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb WEIGHTS 2").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZUNION 2 za zb WEIGHTS 2 nan").await,
        "-ERR weight value is not a float\r\n"
    );
    assert_eq!(
        c.run("ZINTER 2 za zb WEIGHTS 1 x").await,
        "-ERR weight value is not a float\r\n"
    );
    assert_eq!(c.run("ZUNION 1 za LIMIT 1").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZUNION 1 za WITHSCORES WITHSCORES").await,
        "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        c.run("ZDIFF 2 za zb WEIGHTS 1 2").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZDIFF 2 za zb AGGREGATE SUM").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZINTERCARD 2 za zb WITHSCORES").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(c.run("ZINTERCARD 1 za za").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZINTERCARD 1 za LIMIT").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZINTERCARD 1 za LIMIT -1").await,
        "-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(
        c.run("ZINTERCARD 1 za LIMIT a").await,
        "-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(
        c.run("ZUNIONSTORE dst 2 za zb WITHSCORES").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZDIFFSTORE dst 2 za zb WEIGHTS 1 1").await,
        "-ERR syntax error\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn store_forms_replace_or_delete_the_destination() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD za 1 a 2 b 3 c").await, ":3\r\n");
    assert_eq!(c.run("ZADD zb 1 b 2 c 3 d").await, ":3\r\n");
    assert_eq!(c.run("SADD sa a b c").await, ":3\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZUNIONSTORE dst 2 za zb").await, ":4\r\n");
    assert_eq!(
        c.run("ZRANGE dst 0 -1 WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n5\r\n"
    );
    assert_eq!(c.run("ZUNIONSTORE dst 2 sa zb WEIGHTS 2 3").await, ":4\r\n");
    assert_eq!(
        c.run("ZRANGE dst 0 -1 WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\nc\r\n$1\r\n8\r\n$1\r\nd\r\n$1\r\n9\r\n"
    );
    assert_eq!(
        c.run("ZINTERSTORE dst 2 za zb AGGREGATE MIN").await,
        ":2\r\n"
    );
    assert_eq!(
        c.run("ZRANGE dst 0 -1 WITHSCORES").await,
        "*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.run("ZDIFFSTORE dst 2 za zb").await, ":1\r\n");
    assert_eq!(
        c.run("ZRANGE dst 0 -1 WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    // An empty result deletes the destination, whatever it held.
    assert_eq!(c.run("ZINTERSTORE dst 2 za nokey").await, ":0\r\n");
    assert_eq!(c.run("EXISTS dst").await, ":0\r\n");
    assert_eq!(c.run("ZUNIONSTORE str 1 za").await, ":3\r\n");
    assert_eq!(c.run("TYPE str").await, "+zset\r\n");
    assert_eq!(c.run("ZDIFFSTORE str 2 za za").await, ":0\r\n");
    assert_eq!(c.run("EXISTS str").await, ":0\r\n");
    // The destination may be one of the inputs.
    assert_eq!(c.run("ZUNIONSTORE za 2 za zb").await, ":4\r\n");
    assert_eq!(
        c.run("ZRANGE za 0 -1 WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n5\r\n"
    );
    // Opposite infinities: a NaN sum or product counts as 0.
    assert_eq!(c.run("ZADD zi -inf x").await, ":1\r\n");
    assert_eq!(c.run("ZADD zj inf x").await, ":1\r\n");
    assert_eq!(c.run("ZUNIONSTORE out 2 zi zj").await, ":1\r\n");
    assert_eq!(c.run("ZSCORE out x").await, "$1\r\n0\r\n");
    assert_eq!(c.run("ZINTERSTORE out 2 zj zj").await, ":1\r\n");
    assert_eq!(c.run("ZSCORE out x").await, "$3\r\ninf\r\n");
    assert_eq!(c.run("ZUNIONSTORE out 1 zi WEIGHTS 0").await, ":1\r\n");
    assert_eq!(
        c.run("ZRANGE out 0 -1 WITHSCORES").await,
        "*2\r\n$1\r\nx\r\n$1\r\n0\r\n"
    );
    assert_eq!(
        c.run("ZINTERSTORE out 2 zi zj WEIGHTS 1 -1 AGGREGATE MAX")
            .await,
        ":1\r\n"
    );
    assert_eq!(c.run("ZSCORE out x").await, "$4\r\n-inf\r\n");
    s.assert_memory_consistent();
}
