//! Compatibility with a client we did not write: the `redis` crate's multiplexed connection,
//! typed commands, SCAN iteration, pipelines and authentication errors.

use std::sync::Arc;

use kuber_server::store::ManualClock;
use redis::AsyncCommands;

use crate::support::{Options, TestServer, redis_connect};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_and_key_commands() {
    let server = TestServer::start().await;
    let mut con = server.redis().await;
    let () = con.set("s", "v").await.unwrap();
    assert_eq!(
        con.get::<_, Option<String>>("s").await.unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(con.get::<_, Option<String>>("missing").await.unwrap(), None);
    let n: i64 = redis::cmd("INCR")
        .arg("n")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(con.incr::<_, _, i64>("n", 41).await.unwrap(), 42);
    assert_eq!(con.incr::<_, _, i64>("n", -50).await.unwrap(), -8);
    let err = con.incr::<_, _, i64>("s", 1).await.unwrap_err();
    assert_eq!(err.code(), Some("ERR"));
    assert!(
        err.to_string()
            .contains("value is not an integer or out of range"),
        "{err}"
    );
    assert_eq!(con.ttl::<_, i64>("s").await.unwrap(), -1);
    assert_eq!(con.ttl::<_, i64>("missing").await.unwrap(), -2);
    assert!(con.expire::<_, bool>("s", 100).await.unwrap());
    assert!(!con.expire::<_, bool>("missing", 100).await.unwrap());
    assert_eq!(con.ttl::<_, i64>("s").await.unwrap(), 100);
    let values: Vec<Option<String>> = con.mget(&["s", "missing", "n"]).await.unwrap();
    assert_eq!(
        values,
        vec![Some("v".to_string()), None, Some("-8".to_string())]
    );
    assert_eq!(con.del::<_, i64>(&["s", "n", "missing"]).await.unwrap(), 2);
    assert_eq!(con.exists::<_, i64>(&["s", "n"]).await.unwrap(), 0);
    // The crate's handshake told the server who it is.
    let info: String = redis::cmd("CLIENT")
        .arg("INFO")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(
        info.contains(" user=admin ") && info.contains(" lib-name=redis-rs "),
        "{info}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_follows_the_injected_clock() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let mut con = server.redis().await;
    let () = con.set("s", "v").await.unwrap();
    assert!(con.expire::<_, bool>("s", 100).await.unwrap());
    assert_eq!(con.ttl::<_, i64>("s").await.unwrap(), 100);
    assert_eq!(con.pttl::<_, i64>("s").await.unwrap(), 100_000);
    clock.advance(40_000);
    assert_eq!(con.ttl::<_, i64>("s").await.unwrap(), 60);
    clock.advance(59_999);
    assert_eq!(con.pttl::<_, i64>("s").await.unwrap(), 1);
    assert_eq!(
        con.get::<_, Option<String>>("s").await.unwrap().as_deref(),
        Some("v")
    );
    clock.advance(1);
    assert_eq!(con.get::<_, Option<String>>("s").await.unwrap(), None);
    assert_eq!(con.ttl::<_, i64>("s").await.unwrap(), -2);
    let () = con.set_ex("e", "v", 5).await.unwrap();
    clock.advance(5_000);
    assert_eq!(con.exists::<_, i64>("e").await.unwrap(), 0);
    let size: i64 = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
    assert_eq!(size, 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_match_visits_every_matching_key_once() {
    let server = TestServer::start().await;
    let mut con = server.redis().await;
    let mut pipe = redis::pipe();
    for i in 0..250 {
        pipe.set(format!("user:{i}"), i).ignore();
    }
    for i in 0..50 {
        pipe.set(format!("other:{i}"), i).ignore();
    }
    let () = pipe.query_async(&mut con).await.unwrap();
    let mut seen: Vec<String> = Vec::new();
    {
        let mut iter = con.scan_match::<_, String>("user:*").await.unwrap();
        while let Some(key) = iter.next_item().await {
            seen.push(key);
        }
    }
    seen.sort();
    let mut expected: Vec<String> = (0..250).map(|i| format!("user:{i}")).collect();
    expected.sort();
    assert_eq!(seen, expected);
    let mut all: Vec<String> = Vec::new();
    {
        let mut iter = con.scan::<String>().await.unwrap();
        while let Some(key) = iter.next_item().await {
            all.push(key);
        }
    }
    assert_eq!(all.len(), 300);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_the_url_are_checked() {
    let server = TestServer::start().await;
    let mut con = server.redis().await;
    assert_eq!(
        redis::cmd("PING")
            .query_async::<String>(&mut con)
            .await
            .unwrap(),
        "PONG"
    );

    // redis-rs reports a refused handshake AUTH as its own AuthenticationFailed error and drops the
    // server's text, so the WRONGPASS wording is checked with an explicit AUTH below.
    let wrong = format!("redis://admin:nope@{}/", server.addr);
    let err = redis_connect(&wrong)
        .await
        .expect_err("a wrong password must not connect");
    assert_eq!(err.kind(), redis::ErrorKind::AuthenticationFailed, "{err}");
    let ghost = format!("redis://ghost:secret@{}/", server.addr);
    let err = redis_connect(&ghost)
        .await
        .expect_err("an unknown user must not connect");
    assert_eq!(err.kind(), redis::ErrorKind::AuthenticationFailed, "{err}");

    let mut anonymous = redis_connect(&format!("redis://{}/", server.addr))
        .await
        .unwrap();
    let err = redis::cmd("AUTH")
        .arg("admin")
        .arg("nope")
        .query_async::<()>(&mut anonymous)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("WRONGPASS"), "{err}");
    assert!(
        err.to_string().contains("WRONGPASS")
            && err
                .to_string()
                .contains("invalid username-password pair or user is disabled."),
        "{err}"
    );
    assert_eq!(
        server
            .state
            .stats
            .auth_failures
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_without_credentials_fail_with_noauth() {
    let server = TestServer::start().await;
    let mut con = redis_connect(&format!("redis://{}/", server.addr))
        .await
        .unwrap();
    let err = con.get::<_, Option<String>>("k").await.unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"), "{err}");
    assert!(err.to_string().contains("NOAUTH"), "{err}");
    assert!(
        err.to_string().contains("Authentication required."),
        "{err}"
    );
    let reply: String = redis::cmd("AUTH")
        .arg("admin")
        .arg("secret")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(reply, "OK");
    assert_eq!(con.get::<_, Option<String>>("k").await.unwrap(), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_incr_loses_no_update() {
    let server = TestServer::start().await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let mut con = server.redis().await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..2_000 {
                let _: i64 = redis::cmd("INCR")
                    .arg("hits")
                    .query_async(&mut con)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut con = server.redis().await;
    assert_eq!(con.get::<_, i64>("hits").await.unwrap(), 100_000);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_of_a_thousand_sets() {
    let server = TestServer::start().await;
    let mut con = server.redis().await;
    let mut pipe = redis::pipe();
    for i in 0..1_000 {
        pipe.set(format!("p:{i}"), i);
    }
    pipe.cmd("DBSIZE");
    let mut replies: Vec<redis::Value> = pipe.query_async(&mut con).await.unwrap();
    assert_eq!(replies.pop(), Some(redis::Value::Int(1_000)));
    assert_eq!(replies.len(), 1_000);
    assert!(
        replies.iter().all(|r| *r == redis::Value::Okay),
        "{replies:?}"
    );
    let values: Vec<i64> = con.mget(&["p:0", "p:500", "p:999"]).await.unwrap();
    assert_eq!(values, vec![0, 500, 999]);
    server.stop().await;
}
