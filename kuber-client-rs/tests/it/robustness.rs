//! Reconnect after a server restart (re-AUTH and region re-selection), pool exhaustion,
//! deadlines and a pipeline of 10,000 commands.

use std::time::{Duration, Instant};

use bytes::Bytes;
use kuber_client::{ClientConfig, ErrorKind, Frame, KuberClient, Pipeline};

use crate::server::{ADMIN, TestServer};

fn config(server: &TestServer) -> ClientConfig {
    ClientConfig::new("127.0.0.1", server.port, ADMIN.0, ADMIN.1)
}

#[tokio::test]
async fn reconnects_after_restart_with_auth_and_region() {
    let mut server = TestServer::start();
    let c = KuberClient::with_config(config(&server).with_pool_size(2))
        .await
        .unwrap();
    c.select_region("sessions").await.unwrap();
    c.set("before", "1", None, None).await.unwrap();

    server.restart();
    // The pooled connection is dead; the call reconnects, authenticates, re-selects `sessions`.
    c.set("after", "2", None, None).await.unwrap();
    assert_eq!(c.current_region(), "sessions");
    let other = KuberClient::connect("127.0.0.1", server.port, ADMIN.0, ADMIN.1)
        .await
        .unwrap();
    assert_eq!(
        other.get("after", Some("sessions")).await.unwrap(),
        Some(Bytes::from("2"))
    );
    assert_eq!(
        other.get("after", None).await.unwrap(),
        None,
        "written to `default`"
    );

    // While the server is down calls fail with Connection, and work again once it is back.
    server.stop();
    assert_eq!(
        c.get("after", None).await.unwrap_err().kind(),
        ErrorKind::Connection
    );
    server.restart();
    // The test server keeps data in memory only, so the restart emptied it.
    assert_eq!(c.get("after", None).await.unwrap(), None);
    c.set("again", "3", None, None).await.unwrap();
    assert_eq!(
        other.get("again", Some("sessions")).await.unwrap(),
        Some(Bytes::from("3"))
    );
}

#[tokio::test]
async fn pool_exhaustion_times_out_then_recovers() {
    let server = TestServer::start();
    let mut cfg = config(&server).with_pool_size(1);
    cfg.pool_timeout = Duration::from_millis(200);
    let c = KuberClient::with_config(cfg).await.unwrap();
    let blocker = {
        let c = c.clone();
        tokio::spawn(async move { c.command(&["BLPOP", "queue", "3"], None).await })
    };
    // Long enough for the blocker to hold the only connection even on a loaded machine.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    let err = c.get("k", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.message().starts_with("pool exhausted"), "{err}");
    assert!(start.elapsed() >= Duration::from_millis(150));
    let timed_out = blocker.await.unwrap().unwrap();
    assert!(
        matches!(timed_out, Frame::Null | Frame::NullArray),
        "{timed_out:?}"
    );
    assert_eq!(c.get("k", None).await.unwrap(), None);
}

#[tokio::test]
async fn command_timeout_drops_the_connection_and_the_next_call_works() {
    let server = TestServer::start();
    let mut cfg = config(&server).with_pool_size(1);
    cfg.command_timeout = Duration::from_millis(300);
    let c = KuberClient::with_config(cfg).await.unwrap();
    let start = Instant::now();
    let err = c.command(&["BLPOP", "queue", "5"], None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(2));
    // The late BLPOP reply must not be read as this GET's reply: the connection was dropped.
    c.command(&["RPUSH", "queue", "x"], Some("other"))
        .await
        .unwrap();
    assert_eq!(c.ping().await.unwrap(), "PONG");
}

#[tokio::test]
async fn a_call_abandoned_by_its_caller_does_not_leave_its_reply_to_the_next() {
    let server = TestServer::start();
    let c = KuberClient::with_config(config(&server).with_pool_size(1))
        .await
        .unwrap();
    // The caller gives up after 200 ms; the server still owes the BLPOP reply on that connection.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(200),
        c.command(&["BLPOP", "queue", "2"], None),
    )
    .await;
    assert!(abandoned.is_err(), "the BLPOP should still be waiting");
    let start = Instant::now();
    assert_eq!(c.ping().await.unwrap(), "PONG");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "PING waited behind the BLPOP"
    );
}

#[tokio::test]
async fn connect_timeout() {
    // A listener that never answers the handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg =
        ClientConfig::new("127.0.0.1", port, "u", "p").with_timeout(Duration::from_millis(200));
    let err = KuberClient::with_config(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn pipeline_of_ten_thousand_commands() {
    let server = TestServer::start();
    let c = KuberClient::connect("127.0.0.1", server.port, ADMIN.0, ADMIN.1)
        .await
        .unwrap();
    let mut p = Pipeline::new().region("bulk");
    for i in 0..5_000 {
        p.set(format!("key:{i}"), format!("value:{i}"));
    }
    for i in 0..5_000 {
        p.get(format!("key:{i}"));
    }
    assert_eq!(p.len(), 10_000);
    let replies = c.run_pipeline(&p).await.unwrap();
    assert_eq!(replies.len(), 10_000);
    for r in &replies[..5_000] {
        assert_eq!(r.as_ref().unwrap(), &Frame::Simple(Bytes::from("OK")));
    }
    for (i, r) in replies[5_000..].iter().enumerate() {
        assert_eq!(
            r.as_ref().unwrap(),
            &Frame::Bulk(Bytes::from(format!("value:{i}")))
        );
    }
    assert_eq!(c.dbsize(Some("bulk")).await.unwrap(), 5_000);
    assert_eq!(c.dbsize(None).await.unwrap(), 0);

    // An error reply inside a pipeline is that command's result only.
    let mut p = Pipeline::new();
    p.cmd(&["SET", "s", "v"]).cmd(&["INCR", "s"]).get("s");
    let replies = c.run_pipeline(&p).await.unwrap();
    assert!(replies[0].is_ok());
    assert_eq!(replies[1].as_ref().unwrap_err().kind(), ErrorKind::Server);
    assert_eq!(replies[2].as_ref().unwrap(), &Frame::Bulk(Bytes::from("v")));
}

#[tokio::test]
async fn concurrent_calls_share_the_pool() {
    let server = TestServer::start();
    let c = KuberClient::with_config(config(&server).with_pool_size(4))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..16 {
        let c = c.clone();
        let region = format!("r{}", t % 3);
        tasks.push(tokio::spawn(async move {
            for i in 0..200 {
                let key = format!("t{t}:{i}");
                c.set(&key, &key, None, Some(&region)).await.unwrap();
                assert_eq!(
                    c.get(&key, Some(&region)).await.unwrap(),
                    Some(Bytes::from(key))
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total: i64 = [
        c.dbsize(Some("r0")).await.unwrap(),
        c.dbsize(Some("r1")).await.unwrap(),
        c.dbsize(Some("r2")).await.unwrap(),
    ]
    .iter()
    .sum();
    assert_eq!(total, 16 * 200);
    assert_eq!(c.dbsize(None).await.unwrap(), 0);
}
