//! Tests of sorted-set commands, through the dispatcher with exact reply bytes.

use crate::auth::Role;
use crate::cmd::testing::{TestClient, TestServer, server};

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

async fn seeded() -> (TestServer, TestClient) {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z 1 a 2 b 3 c 4 d 5 e").await, ":5\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    (s, c)
}

#[tokio::test]
async fn zadd_options_and_replies() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z 1 a 2 b").await, ":2\r\n");
    assert_eq!(c.run("ZADD z NX 5 a 3 c").await, ":1\r\n");
    assert_eq!(c.run("ZSCORE z a").await, "$1\r\n1\r\n");
    assert_eq!(c.run("ZADD z XX 7 a 9 new").await, ":0\r\n");
    assert_eq!(c.run("ZSCORE z a").await, "$1\r\n7\r\n");
    assert_eq!(c.run("ZSCORE z new").await, "$-1\r\n");
    assert_eq!(c.run("ZADD z CH 10 a 2 b 100 d").await, ":2\r\n");
    assert_eq!(c.run("ZADD z GT CH 1 a 20 b").await, ":1\r\n");
    assert_eq!(c.run("ZADD z LT CH 1 a 30 b").await, ":1\r\n");
    assert_eq!(c.run("ZADD z XX GT 0 a").await, ":0\r\n");
    assert_eq!(c.run("ZADD z GT 5 newgt").await, ":1\r\n");
    assert_eq!(c.run("ZADD z INCR 2.5 a").await, "$3\r\n3.5\r\n");
    assert_eq!(c.run("ZADD z INCR NX 1 a").await, "$-1\r\n");
    assert_eq!(c.run("ZADD z INCR XX 1 nope").await, "$-1\r\n");
    assert_eq!(c.run("ZADD z INCR GT -1 a").await, "$-1\r\n");
    assert_eq!(c.run("ZADD z INCR GT 0 a").await, "$-1\r\n");
    assert_eq!(c.run("ZADD z INCR LT -1 a").await, "$3\r\n2.5\r\n");
    assert_eq!(c.run("ZADD z 2.5 a").await, ":0\r\n");
    assert_eq!(c.run("ZADD z CH 2.5 a").await, ":0\r\n");
    assert_eq!(c.run("zadd z nx ch 1 brandnew").await, ":1\r\n");
    assert_eq!(c.run("ZADD xxkey XX 1 a").await, ":0\r\n");
    assert_eq!(c.run("ZADD xxkey XX INCR 1 a").await, "$-1\r\n");
    assert_eq!(c.run("EXISTS xxkey").await, ":0\r\n");
    assert_eq!(c.run("ZADD dup 1 a 2 a").await, ":1\r\n");
    assert_eq!(c.run("ZSCORE dup a").await, "$1\r\n2\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn zadd_errors_in_redis_order() {
    let (_s, mut c) = seeded().await;
    assert_eq!(
        c.run("ZADD z 1").await,
        "-ERR wrong number of arguments for 'zadd' command\r\n"
    );
    assert_eq!(c.run("ZADD z 1 a 2").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("ZADD z NX XX").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("ZADD z foo 1 a").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZADD z NX XX 1 a").await,
        "-ERR XX and NX options at the same time are not compatible\r\n"
    );
    let gtlt = "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n";
    assert_eq!(c.run("ZADD z GT LT 1 a").await, gtlt);
    assert_eq!(c.run("ZADD z NX GT 1 a").await, gtlt);
    assert_eq!(c.run("ZADD z NX LT 1 a").await, gtlt);
    assert_eq!(
        c.run("ZADD z INCR 1 a 2 b").await,
        "-ERR INCR option supports a single increment-element pair\r\n"
    );
    assert_eq!(
        c.run("ZADD z abc a").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        c.run("ZADD z 1 a nan b").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        c.run("ZADD z 1e400 a").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        c.run_args(vec!["ZADD".into(), "z".into(), " 1".into(), "a".into()])
            .await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(c.run("ZADD str 1 a").await, WRONGTYPE);
    assert_eq!(c.run("ZADD z 0x10 hex inf top").await, ":2\r\n");
    assert_eq!(c.run("ZSCORE z hex").await, "$2\r\n16\r\n");
    assert_eq!(
        c.run("ZADD z INCR -inf top").await,
        "-ERR resulting score is not a number (NaN)\r\n"
    );
    assert_eq!(
        c.run("ZINCRBY z -inf top").await,
        "-ERR resulting score is not a number (NaN)\r\n"
    );
    assert_eq!(c.run("ZSCORE z top").await, "$3\r\ninf\r\n");
}

#[tokio::test]
async fn zincrby_creates_and_increments() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZINCRBY z 1.5 m").await, "$3\r\n1.5\r\n");
    assert_eq!(
        c.run("ZINCRBY z 1.1 m").await,
        "$18\r\n2.6000000000000001\r\n"
    );
    assert_eq!(
        c.run("ZINCRBY z 0.5 m").await,
        "$18\r\n3.1000000000000001\r\n"
    );
    assert_eq!(
        c.run("ZINCRBY z abc m").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(c.run("ZINCRBY z nx m").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZINCRBY str 1 m").await, WRONGTYPE);
    c.resp3();
    assert_eq!(c.run("ZINCRBY z 1 n").await, ",1\r\n");
    assert_eq!(c.run("ZADD z INCR NX 1 n").await, "_\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn scores_print_as_redis_7_0_in_both_protocols() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        c.run("ZADD z 1.1 a -0 zero 1e20 big 3.0e-7 small -inf low")
            .await,
        ":5\r\n"
    );
    assert_eq!(c.run("ZSCORE z a").await, "$18\r\n1.1000000000000001\r\n");
    assert_eq!(c.run("ZSCORE z zero").await, "$1\r\n0\r\n");
    assert_eq!(
        c.run("ZRANGE z 0 -1 WITHSCORES").await,
        "*10\r\n$3\r\nlow\r\n$4\r\n-inf\r\n$4\r\nzero\r\n$1\r\n0\r\n$5\r\nsmall\r\n$22\r\n2.9999999999999999e-07\r\n\
         $1\r\na\r\n$18\r\n1.1000000000000001\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n"
    );
    assert_eq!(
        c.run("ZMSCORE z a nope").await,
        "*2\r\n$18\r\n1.1000000000000001\r\n$-1\r\n"
    );
    c.resp3();
    // RESP3 doubles carry the same `%.17g` text as Redis 7.0.
    assert_eq!(c.run("ZSCORE z big").await, ",1e+20\r\n");
    assert_eq!(c.run("ZSCORE z a").await, ",1.1000000000000001\r\n");
    assert_eq!(c.run("ZSCORE z low").await, ",-inf\r\n");
    assert_eq!(
        c.run("ZMSCORE z small nope").await,
        "*2\r\n,2.9999999999999999e-07\r\n_\r\n"
    );
    assert_eq!(c.run("ZSCORE z nope").await, "_\r\n");
    assert_eq!(
        c.run("ZRANGE z 0 1 WITHSCORES").await,
        "*2\r\n*2\r\n$3\r\nlow\r\n,-inf\r\n*2\r\n$4\r\nzero\r\n,0\r\n"
    );
    assert_eq!(
        c.run("ZSCAN z 0 MATCH a").await,
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n"
    );
}

#[tokio::test]
async fn zrem_zcard_zscore_zmscore_and_empty_key_deletion() {
    let (s, mut c) = seeded().await;
    assert_eq!(c.run("ZREM z a nope a").await, ":1\r\n");
    assert_eq!(c.run("ZCARD z").await, ":4\r\n");
    assert_eq!(c.run("ZCARD missing").await, ":0\r\n");
    assert_eq!(c.run("ZREM missing a").await, ":0\r\n");
    assert_eq!(c.run("ZSCORE missing a").await, "$-1\r\n");
    assert_eq!(c.run("ZMSCORE missing a b").await, "*2\r\n$-1\r\n$-1\r\n");
    for cmd in ["ZREM str a", "ZCARD str", "ZSCORE str a", "ZMSCORE str a"] {
        assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
    }
    s.assert_memory_consistent();
    assert_eq!(c.run("ZREM z b c d e").await, ":4\r\n");
    assert_eq!(c.run("EXISTS z").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn reads_count_hits_and_misses() {
    let (s, mut c) = seeded().await;
    let stats = || s.state.store.default_region().lock().stats;
    let before = stats();
    c.run("ZSCORE z a").await;
    c.run("ZRANGE missing 0 -1").await;
    c.run("ZCARD z").await;
    let after = stats();
    assert_eq!(
        (after.hits - before.hits, after.misses - before.misses),
        (2, 1)
    );
}

#[tokio::test]
async fn zcount_and_zlexcount_bounds() {
    let (_s, mut c) = seeded().await;
    assert_eq!(c.run("ZCOUNT z -inf +inf").await, ":5\r\n");
    assert_eq!(c.run("ZCOUNT z (2 (4").await, ":1\r\n");
    assert_eq!(c.run("ZCOUNT z (-inf (+inf").await, ":5\r\n");
    assert_eq!(c.run("ZCOUNT z 5 1").await, ":0\r\n");
    assert_eq!(c.run("ZCOUNT z \"\" 5").await, ":5\r\n");
    assert_eq!(c.run("ZCOUNT z \" 2\" 5").await, ":4\r\n");
    assert_eq!(c.run("ZCOUNT z ( 5").await, ":5\r\n");
    assert_eq!(c.run("ZCOUNT z 1e400 inf").await, ":0\r\n");
    assert_eq!(c.run("ZCOUNT z 0x2 5").await, ":4\r\n");
    for bad in [
        "ZCOUNT z a 5",
        "ZCOUNT z \"2 \" 5",
        "ZCOUNT z nan 5",
        "ZCOUNT missing a 5",
        "ZCOUNT str a 5",
    ] {
        assert_eq!(
            c.run(bad).await,
            "-ERR min or max is not a float\r\n",
            "{bad}"
        );
    }
    assert_eq!(c.run("ZCOUNT str 1 5").await, WRONGTYPE);
    assert_eq!(c.run("ZCOUNT missing 1 5").await, ":0\r\n");
    assert_eq!(c.run("ZLEXCOUNT z - +").await, ":5\r\n");
    assert_eq!(c.run("ZLEXCOUNT z + -").await, ":0\r\n");
    assert_eq!(c.run("ZLEXCOUNT z [a [c").await, ":3\r\n");
    assert_eq!(c.run("ZLEXCOUNT z (a [c").await, ":2\r\n");
    assert_eq!(c.run("ZLEXCOUNT z [ (c").await, ":2\r\n");
    for bad in [
        "ZLEXCOUNT z a +",
        "ZLEXCOUNT z +x [c",
        "ZLEXCOUNT missing a +",
    ] {
        assert_eq!(
            c.run(bad).await,
            "-ERR min or max not valid string range item\r\n",
            "{bad}"
        );
    }
    assert_eq!(c.run("ZLEXCOUNT str - +").await, WRONGTYPE);
    assert_eq!(c.run("ZLEXCOUNT missing - +").await, ":0\r\n");
}

#[tokio::test]
async fn zrank_and_zrevrank() {
    let (_s, mut c) = seeded().await;
    assert_eq!(c.run("ZRANK z c").await, ":2\r\n");
    assert_eq!(c.run("ZRANK z a").await, ":0\r\n");
    assert_eq!(c.run("ZREVRANK z a").await, ":4\r\n");
    assert_eq!(c.run("ZREVRANK z e").await, ":0\r\n");
    assert_eq!(c.run("ZRANK z nope").await, "$-1\r\n");
    assert_eq!(c.run("ZRANK missing a").await, "$-1\r\n");
    assert_eq!(c.run("ZRANK str a").await, WRONGTYPE);
    assert_eq!(
        c.run("ZRANK z c WITHSCORE").await,
        "-ERR wrong number of arguments for 'zrank' command\r\n"
    );
    c.resp3();
    assert_eq!(c.run("ZREVRANK missing a").await, "_\r\n");
}

#[tokio::test]
async fn zrange_by_rank() {
    let (_s, mut c) = seeded().await;
    assert_eq!(c.run("ZRANGE z 0 1").await, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_eq!(
        c.run("ZRANGE z -100 100").await,
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"
    );
    assert_eq!(c.run("ZRANGE z 3 1").await, "*0\r\n");
    assert_eq!(c.run("ZRANGE z 5 10").await, "*0\r\n");
    assert_eq!(
        c.run("ZRANGE z -2 -1 REV").await,
        "*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z 3 -1 WITHSCORES").await,
        "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z 0 0 WITHSCORES WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGE z 0 1 WITHSCORES").await,
        "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGE z 3 10").await,
        "*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    );
    // Redis only rejects LIMIT on rank ranges when the count is not -1.
    assert_eq!(
        c.run("ZRANGE z 0 1 LIMIT 3 -1").await,
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    let limit = "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n";
    assert_eq!(c.run("ZRANGE z 0 -1 LIMIT 0 2").await, limit);
    assert_eq!(c.run("ZREVRANGE z 0 1 LIMIT 0 1").await, limit);
    assert_eq!(c.run("ZRANGE missing 0 1 LIMIT 0 1").await, limit);
    assert_eq!(
        c.run("ZRANGE z a b").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("ZRANGE str a b").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGE missing a 1").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("ZRANGE str 0 1").await, WRONGTYPE);
    assert_eq!(c.run("ZRANGE missing 0 1").await, "*0\r\n");
    for bad in [
        "ZRANGE z 0 1 foo",
        "ZRANGE z 1 5 REV REV",
        "ZRANGE z 1 5 BYSCORE BYLEX",
        "ZREVRANGE z 0 1 BYSCORE",
        "ZREVRANGE z 0 1 REV",
        "ZRANGE z 1 5 BYSCORE LIMIT 2",
    ] {
        assert_eq!(c.run(bad).await, "-ERR syntax error\r\n", "{bad}");
    }
}

#[tokio::test]
async fn zrange_by_rank_on_a_large_set_from_both_ends() {
    let s = server();
    let mut c = s.client(Role::User);
    let args: Vec<String> = (0..300)
        .flat_map(|i| [i.to_string(), format!("m{i:03}")])
        .collect();
    assert_eq!(
        c.run(&format!("ZADD big {}", args.join(" "))).await,
        ":300\r\n"
    );
    assert_eq!(
        c.run("ZRANGE big 297 298").await,
        "*2\r\n$4\r\nm297\r\n$4\r\nm298\r\n"
    );
    assert_eq!(
        c.run("ZRANGE big 1 2").await,
        "*2\r\n$4\r\nm001\r\n$4\r\nm002\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGE big 1 2").await,
        "*2\r\n$4\r\nm298\r\n$4\r\nm297\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGE big -2 -1").await,
        "*2\r\n$4\r\nm001\r\n$4\r\nm000\r\n"
    );
    assert_eq!(c.run("ZRANK big m250").await, ":250\r\n");
    assert_eq!(c.run("ZREVRANK big m250").await, ":49\r\n");
    assert_eq!(c.run("ZREMRANGEBYRANK big 10 289").await, ":280\r\n");
    assert_eq!(c.run("ZCARD big").await, ":20\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn zrange_by_score_and_the_old_forms() {
    let (_s, mut c) = seeded().await;
    assert_eq!(c.run("ZRANGE z 0 -1 BYSCORE").await, "*0\r\n");
    assert_eq!(
        c.run("ZRANGE z (1 5 BYSCORE LIMIT 1 2 WITHSCORES").await,
        "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z 5 (1 BYSCORE REV LIMIT 1 2 WITHSCORES")
            .await,
        "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z 5 (1 BYSCORE REV LIMIT -1 2").await,
        "*0\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z 1 5 BYSCORE LIMIT 0 -5").await,
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"
    );
    assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 10 1").await, "*0\r\n");
    assert_eq!(
        c.run("ZRANGE z 1 5 BYSCORE LIMIT 4 10").await,
        "*1\r\n$1\r\ne\r\n"
    );
    assert_eq!(c.run("ZRANGE z 1 5 BYSCORE LIMIT 0 0").await, "*0\r\n");
    assert_eq!(
        c.run("ZRANGE z 1 5 BYSCORE LIMIT a 1").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z (1 abc BYSCORE").await,
        "-ERR min or max is not a float\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYSCORE z 1 5 WITHSCORES LIMIT 1 1").await,
        "*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYSCORE z -inf +inf LIMIT 0 -1").await,
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"
    );
    assert_eq!(c.run("ZRANGEBYSCORE z (4 inf").await, "*1\r\n$1\r\ne\r\n");
    assert_eq!(
        c.run("ZRANGEBYSCORE z 1 5 REV").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYSCORE z 1 5 BYLEX").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYSCORE z a 5").await,
        "-ERR min or max is not a float\r\n"
    );
    assert_eq!(c.run("ZRANGEBYSCORE str 1 5").await, WRONGTYPE);
    assert_eq!(
        c.run("ZREVRANGEBYSCORE z 5 1 WITHSCORES LIMIT 1 2").await,
        "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(c.run("ZREVRANGEBYSCORE z 1 5").await, "*0\r\n");
    assert_eq!(
        c.run("ZREVRANGEBYSCORE z +inf (4").await,
        "*1\r\n$1\r\ne\r\n"
    );
    c.resp3();
    assert_eq!(
        c.run("ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 2")
            .await,
        "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n"
    );
    assert_eq!(c.run("ZRANGE missing 0 1 WITHSCORES").await, "*0\r\n");
}

#[tokio::test]
async fn zrange_by_lex() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD l 0 a 0 b 0 c 0 d 0 e").await, ":5\r\n");
    assert_eq!(
        c.run("ZRANGE l - + BYLEX").await,
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"
    );
    assert_eq!(
        c.run("ZRANGE l + - BYLEX REV LIMIT 1 2").await,
        "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        c.run("ZRANGE l - + BYLEX WITHSCORES").await,
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"
    );
    assert_eq!(
        c.run("ZRANGE l 0 -1 LIMIT 0 -1 BYLEX").await,
        "-ERR min or max not valid string range item\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYLEX l [b (d LIMIT 1 5").await,
        "*1\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYLEX l (b [d").await,
        "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYLEX l - + WITHSCORES").await,
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"
    );
    assert_eq!(
        c.run("ZRANGEBYLEX l b d").await,
        "-ERR min or max not valid string range item\r\n"
    );
    assert_eq!(c.run("ZRANGEBYLEX l [c [b").await, "*0\r\n");
    assert_eq!(
        c.run("ZREVRANGEBYLEX l + - LIMIT 0 2").await,
        "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"
    );
    assert_eq!(
        c.run("ZREVRANGEBYLEX l (d [b").await,
        "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    );
    assert_eq!(c.run("ZREVRANGEBYLEX l - +").await, "*0\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZRANGEBYLEX str - +").await, WRONGTYPE);
    assert_eq!(c.run("ZREVRANGEBYLEX missing + -").await, "*0\r\n");
}

#[tokio::test]
async fn zpopmin_and_zpopmax() {
    let (s, mut c) = seeded().await;
    assert_eq!(c.run("ZPOPMIN z").await, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    assert_eq!(
        c.run("ZPOPMAX z 2").await,
        "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(c.run("ZPOPMIN z 0").await, "*0\r\n");
    assert_eq!(
        c.run("ZPOPMIN z -1").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("ZPOPMIN z abc").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("ZPOPMIN missing -1").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(c.run("ZPOPMIN z 1 2").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("ZPOPMIN str 0").await, WRONGTYPE);
    assert_eq!(c.run("ZPOPMAX str").await, WRONGTYPE);
    assert_eq!(c.run("ZPOPMIN missing").await, "*0\r\n");
    assert_eq!(c.run("ZPOPMAX missing 2").await, "*0\r\n");
    c.resp3();
    assert_eq!(c.run("ZPOPMIN z").await, "*2\r\n$1\r\nb\r\n,2\r\n");
    assert_eq!(c.run("ZADD z 7 x").await, ":1\r\n");
    assert_eq!(
        c.run("ZPOPMAX z 5").await,
        "*2\r\n*2\r\n$1\r\nx\r\n,7\r\n*2\r\n$1\r\nc\r\n,3\r\n"
    );
    assert_eq!(c.run("EXISTS z").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn zremrange_by_rank_score_and_lex() {
    let (s, mut c) = seeded().await;
    assert_eq!(c.run("ZREMRANGEBYRANK z 1 2").await, ":2\r\n");
    assert_eq!(
        c.run("ZRANGE z 0 -1").await,
        "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"
    );
    assert_eq!(c.run("ZREMRANGEBYRANK z 5 10").await, ":0\r\n");
    assert_eq!(
        c.run("ZREMRANGEBYRANK z a 1").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("ZREMRANGEBYRANK str 0 1").await, WRONGTYPE);
    assert_eq!(c.run("ZREMRANGEBYRANK missing 0 -1").await, ":0\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("ZREMRANGEBYRANK z -100 100").await, ":3\r\n");
    assert_eq!(c.run("EXISTS z").await, ":0\r\n");
    assert_eq!(c.run("ZADD z 1 a 2 b 3 c 4 d 5 e").await, ":5\r\n");
    assert_eq!(c.run("ZREMRANGEBYSCORE z (1 3").await, ":2\r\n");
    assert_eq!(
        c.run("ZREMRANGEBYSCORE z a 3").await,
        "-ERR min or max is not a float\r\n"
    );
    assert_eq!(c.run("ZREMRANGEBYSCORE str 1 3").await, WRONGTYPE);
    assert_eq!(c.run("ZREMRANGEBYSCORE missing 1 3").await, ":0\r\n");
    assert_eq!(c.run("ZREMRANGEBYLEX z [d +").await, ":2\r\n");
    assert_eq!(
        c.run("ZREMRANGEBYLEX z x +").await,
        "-ERR min or max not valid string range item\r\n"
    );
    assert_eq!(c.run("ZREMRANGEBYLEX str - +").await, WRONGTYPE);
    assert_eq!(c.run("ZREMRANGEBYLEX missing - +").await, ":0\r\n");
    assert_eq!(
        c.run("ZRANGE z 0 -1 WITHSCORES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    s.assert_memory_consistent();
    assert_eq!(c.run("ZREMRANGEBYSCORE z -inf inf").await, ":1\r\n");
    assert_eq!(c.run("EXISTS z").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn zscan_small_sets_and_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z 1 a 2 b 10 ab").await, ":3\r\n");
    let all = "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$2\r\n10\r\n";
    assert_eq!(c.run("ZSCAN z 0").await, all);
    assert_eq!(c.run("ZSCAN z 5 COUNT 1").await, all);
    assert_eq!(c.run("ZSCAN z 007").await, all);
    assert_eq!(c.run("ZSCAN z +0").await, all);
    assert_eq!(
        c.run("ZSCAN z 0 MATCH a*").await,
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$2\r\n10\r\n"
    );
    assert_eq!(c.run("ZSCAN z 0 MATCH *").await, all);
    assert_eq!(c.run("ZSCAN z -1").await, all);
    assert_eq!(c.run("ZSCAN z 18446744073709551615").await, all);
    for bad in [
        "ZSCAN z abc",
        "ZSCAN z 18446744073709551616",
        "ZSCAN z \" 0\"",
        "ZSCAN z -",
        "ZSCAN missing abc",
    ] {
        assert_eq!(c.run(bad).await, "-ERR invalid cursor\r\n", "{bad}");
    }
    for bad in [
        "ZSCAN z 0 COUNT 0",
        "ZSCAN z 0 TYPE zset",
        "ZSCAN z 0 MATCH",
        "ZSCAN z 0 NOVALUES",
    ] {
        assert_eq!(c.run(bad).await, "-ERR syntax error\r\n", "{bad}");
    }
    assert_eq!(
        c.run("ZSCAN z 0 COUNT abc").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("ZSCAN missing 0 COUNT 0").await,
        "*2\r\n$1\r\n0\r\n*0\r\n"
    );
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZSCAN str 0 COUNT 0").await, WRONGTYPE);
}

#[tokio::test]
async fn zscan_large_set_returns_everything_in_steps() {
    let s = server();
    let mut c = s.client(Role::User);
    let args: Vec<String> = (0..500)
        .flat_map(|i| [i.to_string(), format!("m{i}")])
        .collect();
    assert_eq!(
        c.run(&format!("ZADD big {}", args.join(" "))).await,
        ":500\r\n"
    );
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    let mut steps = 0;
    loop {
        let reply = c.run(&format!("ZSCAN big {cursor} COUNT 50")).await;
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        // Pairs: $len, member, $len, score.
        for pair in lines[4..].chunks(4).filter(|p| p.len() == 4) {
            let (member, score) = (pair[1], pair[3]);
            assert_eq!(format!("m{score}"), member);
            seen.insert(member.to_string());
        }
        steps += 1;
        if cursor == "0" {
            break;
        }
        // A member removed mid-scan may or may not appear; every other one must.
        c.run(&format!("ZREM big m{steps}")).await;
    }
    assert!((10..=12).contains(&steps), "{steps} steps");
    for i in 20..500 {
        assert!(seen.contains(&format!("m{i}")), "missed m{i}");
    }
    s.assert_memory_consistent();
}

#[tokio::test]
async fn new_keys_take_the_region_default_ttl() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("RCREATE short TTL 10").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT short").await, "+OK\r\n");
    assert_eq!(c.run("ZADD z 1 a").await, ":1\r\n");
    assert_eq!(c.run("TTL z").await, ":10\r\n");
    s.clock.advance(11_000);
    assert_eq!(c.run("ZCARD z").await, ":0\r\n");
}

#[tokio::test]
async fn readers_may_read_but_not_write() {
    let (s, _c) = seeded().await;
    let mut r = s.client(Role::Reader);
    assert_eq!(r.run("ZCARD z").await, ":5\r\n");
    assert_eq!(
        r.run("ZADD z 1 a").await,
        "-NOPERM User reader has no permissions to run the 'zadd' command\r\n"
    );
}

#[tokio::test]
async fn zrangestore_writes_the_selected_range() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z1 1 a 2 b 3 c 4 d").await, ":4\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZRANGESTORE z2 z1 0 -1").await, ":4\r\n");
    assert_eq!(
        c.run("ZRANGE z2 0 -1 WITHSCORES").await,
        "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(c.run("ZRANGESTORE z2 z1 1 2").await, ":2\r\n");
    assert_eq!(
        c.run("ZRANGE z2 0 -1 WITHSCORES").await,
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(c.run("ZRANGESTORE z2 z1 [b [c BYLEX").await, ":2\r\n");
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 5 0 BYSCORE REV LIMIT 0 2").await,
        ":2\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z2 0 -1 WITHSCORES").await,
        "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 (1 +inf BYSCORE LIMIT 1 1").await,
        ":1\r\n"
    );
    assert_eq!(
        c.run("ZRANGE z2 0 -1 WITHSCORES").await,
        "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(c.run("ZRANGESTORE z2 str 0 -1").await, WRONGTYPE);
    assert_eq!(c.run("ZRANGE z2 0 -1").await, "*1\r\n$1\r\nc\r\n");
    assert_eq!(c.run("ZRANGESTORE z2 z1 5 6").await, ":0\r\n");
    assert_eq!(c.run("EXISTS z2").await, ":0\r\n");
    assert_eq!(c.run("ZRANGESTORE str z1 0 0").await, ":1\r\n");
    assert_eq!(c.run("TYPE str").await, "+zset\r\n");
    assert_eq!(c.run("ZRANGESTORE z2 nokey 0 -1").await, ":0\r\n");
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 0 -1 WITHSCORES").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 0 -1 LIMIT 1 2").await,
        "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"
    );
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 a b BYSCORE").await,
        "-ERR min or max is not a float\r\n"
    );
    assert_eq!(
        c.run("ZRANGESTORE z2 z1 a b").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("ZRANGESTORE z1 z1 0 1").await, ":2\r\n");
    assert_eq!(
        c.run("ZRANGE z1 0 -1 WITHSCORES").await,
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        c.run("ZRANGESTORE z2 z1").await,
        "-ERR wrong number of arguments for 'zrangestore' command\r\n"
    );
    s.assert_memory_consistent();
}
