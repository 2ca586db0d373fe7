//! Scripts that run long: other clients wait or get BUSY, SCRIPT KILL, UNKILLABLE, SHUTDOWN, and
//! atomicity with respect to other clients.

use std::time::Duration;

use crate::auth::Role;
use crate::cmd::testing::{TestClient, TestServer, server, settle, spawn_run};

/// Starts `EVAL script` on its own task and waits until the script runs.
async fn start_script(
    s: &TestServer,
    script: &'static str,
) -> tokio::task::JoinHandle<(TestClient, String)> {
    let runner = s.client(Role::User);
    let handle = match script {
        "loop" => spawn_run!(runner, "EVAL \"while true do end\" 0"),
        "pcall-loop" => spawn_run!(
            runner,
            "EVAL \"local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end\" 0"
        ),
        _ => spawn_run!(
            runner,
            "EVAL \"redis.call('set', 'w', 1) while true do end\" 0"
        ),
    };
    for _ in 0..200 {
        if s.state.scripts.is_running() {
            break;
        }
        settle().await;
    }
    assert!(s.state.scripts.is_running());
    handle
}

#[tokio::test]
async fn a_busy_script_gets_others_busy_until_script_kill() {
    let s = server();
    let mut admin = s.client(Role::Admin);
    assert_eq!(admin.run("CONFIG SET lua-time-limit 10").await, "+OK\r\n");
    assert_eq!(
        admin.run("CONFIG GET busy-reply-threshold").await,
        "*2\r\n$20\r\nbusy-reply-threshold\r\n$2\r\n10\r\n"
    );
    admin.run("SET xx 1").await;
    let mut other = s.client(Role::User);
    assert_eq!(other.run("MULTI").await, "+OK\r\n");
    assert_eq!(other.run("INCR xx").await, "+QUEUED\r\n");
    let script = start_script(&s, "loop").await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    let busy = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
    let mut third = s.client(Role::User);
    assert_eq!(third.run("GET xx").await, busy);
    assert_eq!(third.run("EVAL \"return 1\" 0").await, busy);
    // EXEC refused while busy discards the transaction.
    assert_eq!(
        other.run("EXEC").await,
        "-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    // allow-busy commands are served.
    assert_eq!(third.run("MULTI").await, "+OK\r\n");
    assert_eq!(third.run("INCR xx").await, busy);
    // (SCRIPT KILL inside MULTI would be queued, as in Redis.)
    assert_eq!(other.run("SCRIPT KILL").await, "+OK\r\n");
    let (_, reply) = script.await.unwrap();
    assert!(
        reply.starts_with("-ERR Script killed by user with SCRIPT KILL... script: f_"),
        "{reply}"
    );
    assert!(!s.state.scripts.is_running());
    // The command refused while busy doomed the transaction.
    assert_eq!(third.run("INCR xx").await, "+QUEUED\r\n");
    assert_eq!(
        third.run("EXEC").await,
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_eq!(other.run("PING x").await, "$1\r\nx\r\n");
    assert_eq!(admin.run("GET xx").await, "$1\r\n1\r\n");
    assert_eq!(
        admin.run("SCRIPT KILL").await,
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
}

#[tokio::test]
async fn a_script_that_wrote_cannot_be_killed() {
    let s = server();
    let mut admin = s.client(Role::Admin);
    admin.run("CONFIG SET busy-reply-threshold 10").await;
    let script = start_script(&s, "write-then-loop").await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        admin
            .run("SCRIPT KILL")
            .await
            .starts_with("-UNKILLABLE Sorry the script already executed write commands")
    );
    assert!(admin.run("GET w").await.starts_with("-BUSY"));
    // SHUTDOWN stops it all the same.
    admin.run("SHUTDOWN NOSAVE").await;
    let (_, reply) = script.await.unwrap();
    assert!(reply.starts_with("-ERR Script killed by user"), "{reply}");
}

#[tokio::test]
async fn a_script_is_atomic_for_other_clients() {
    let s = server();
    let mut a = s.client(Role::User);
    // Before the threshold, other clients wait for the script rather than see half of it.
    let script = spawn_run!(
        s.client(Role::User),
        "EVAL \"redis.call('set', 'k', 'first') local t = 0 for i = 1, 3000000 do t = t + i end redis.call('set', 'k', 'second') return 1\" 0"
    );
    for _ in 0..2000 {
        if s.state.scripts.is_running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(a.run("GET k").await, "$6\r\nsecond\r\n");
    assert_eq!(script.await.unwrap().1, ":1\r\n");
}

#[tokio::test]
async fn script_kill_gets_past_the_scripts_own_pcall() {
    let s = server();
    let mut admin = s.client(Role::Admin);
    admin.run("CONFIG SET lua-time-limit 10").await;
    let script = start_script(&s, "pcall-loop").await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(admin.run("PING").await.starts_with("-BUSY"));
    assert_eq!(admin.run("SCRIPT KILL").await, "+OK\r\n");
    let (_, reply) = script.await.unwrap();
    assert!(
        reply.starts_with("-ERR Script killed by user with SCRIPT KILL..."),
        "{reply}"
    );
    assert_eq!(admin.run("PING").await, "+PONG\r\n");
    assert!(
        admin
            .run("INFO memory")
            .await
            .contains("number_of_cached_scripts:1\r\n")
    );
}
