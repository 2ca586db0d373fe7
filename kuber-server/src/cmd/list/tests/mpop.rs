//! Tests of LMPOP, BLMPOP, CLIENT UNBLOCK and of woken clients meeting a key of another type.

use super::*;

const NUMKEYS: &str = "-ERR numkeys should be greater than 0\r\n";
const COUNT: &str = "-ERR count should be greater than 0\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";

#[tokio::test]
async fn lmpop_pops_from_the_first_non_empty_list() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH b 1 2 3 4 5").await;
    assert_eq!(
        c.run("LMPOP 2 a b LEFT").await,
        "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("LMPOP 1 b right COUNT 2").await,
        "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n5\r\n$1\r\n4\r\n"
    );
    c.run("RPUSH a x").await;
    // The first non-empty list wins, whatever the count asks for.
    assert_eq!(
        c.run("LMPOP 2 a b LEFT COUNT 10").await,
        "*2\r\n$1\r\na\r\n*1\r\n$1\r\nx\r\n"
    );
    assert_eq!(c.run("EXISTS a").await, ":0\r\n");
    assert_eq!(
        c.run("LMPOP 2 a b LEFT COUNT 10").await,
        "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_eq!(c.run("EXISTS b").await, ":0\r\n");
    assert_eq!(c.run("LMPOP 2 a b LEFT").await, "*-1\r\n");
    c.resp3();
    assert_eq!(c.run("LMPOP 1 a RIGHT").await, "_\r\n");
    c.run("RPUSH a x").await;
    assert_eq!(
        c.run("LMPOP 1 a RIGHT").await,
        "*2\r\n$1\r\na\r\n*1\r\n$1\r\nx\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn lmpop_errors_in_redis_order() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a").await;
    c.run("SET s x").await;
    for (cmd, reply) in [
        ("LMPOP 0 l LEFT", NUMKEYS),
        ("LMPOP -1 l LEFT", NUMKEYS),
        ("LMPOP x l LEFT", NUMKEYS),
        ("LMPOP 9223372036854775808 l LEFT", NUMKEYS),
        ("LMPOP 9223372036854775807 l LEFT", SYNTAX),
        ("LMPOP 3 l LEFT", SYNTAX),
        ("LMPOP 2 l LEFT", SYNTAX),
        ("LMPOP 1 l MIDDLE", SYNTAX),
        ("LMPOP 1 l LEFT COUNT 0", COUNT),
        ("LMPOP 1 l LEFT COUNT -1", COUNT),
        ("LMPOP 1 l LEFT COUNT x", COUNT),
        ("LMPOP 1 l LEFT COUNT", SYNTAX),
        ("LMPOP 1 l LEFT COUNT 1 COUNT 2", SYNTAX),
        ("LMPOP 1 l LEFT FOO", SYNTAX),
        (
            "LMPOP 1 l",
            "-ERR wrong number of arguments for 'lmpop' command\r\n",
        ),
        ("LMPOP 2 s l LEFT", WRONGTYPE),
        ("LMPOP 2 nokey s LEFT", WRONGTYPE),
        ("BLMPOP 0 0 l LEFT", NUMKEYS),
        ("BLMPOP x 1 l MIDDLE", SYNTAX),
        ("BLMPOP x 1 l LEFT COUNT 0", COUNT),
        (
            "BLMPOP x 1 l LEFT",
            "-ERR timeout is not a float or out of range\r\n",
        ),
        ("BLMPOP -1 1 l LEFT", "-ERR timeout is negative\r\n"),
        ("BLMPOP 0 1 s LEFT", WRONGTYPE),
        (
            "BLMPOP 0 1 l",
            "-ERR wrong number of arguments for 'blmpop' command\r\n",
        ),
    ] {
        assert_eq!(c.run(cmd).await, reply, "{cmd}");
    }
    // A list before a key of another type is popped without looking further.
    assert_eq!(
        c.run("LMPOP 2 l s LEFT").await,
        "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"
    );
}

#[tokio::test]
async fn blmpop_replies_at_once_waits_and_times_out() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c").await;
    assert_eq!(
        c.run("BLMPOP 0 2 nokey l RIGHT COUNT 2").await,
        "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    );
    assert_eq!(c.run("BLMPOP 0.01 1 nokey LEFT").await, "*-1\r\n");
    c.resp3();
    assert_eq!(c.run("BLMPOP 0.01 1 nokey LEFT").await, "_\r\n");
    // Woken by a variadic push: up to COUNT elements, the rest stays.
    let waiter = spawn_run!(s.client(Role::User), "BLMPOP 0 2 x y LEFT COUNT 2");
    settle().await;
    assert!(!waiter.is_finished());
    assert_eq!(c.run("RPUSH y 1 2 3").await, ":3\r\n");
    let (_, reply) = waiter.await.unwrap();
    assert_eq!(reply, "*2\r\n$1\r\ny\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(c.run("LRANGE y 0 -1").await, "*1\r\n$1\r\n3\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn blmpop_in_a_transaction_does_not_block() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("MULTI").await;
    assert_eq!(c.run("BLMPOP 0 1 q LEFT").await, "+QUEUED\r\n");
    assert_eq!(c.run("LMPOP 1 q LEFT").await, "+QUEUED\r\n");
    assert_eq!(c.run("EXEC").await, "*2\r\n*-1\r\n*-1\r\n");
}

#[tokio::test]
async fn lmpop_invalidates_watch_on_the_popped_key_only() {
    let s = server();
    let mut c = s.client(Role::User);
    let mut other = s.client(Role::User);
    c.run("RPUSH b x").await;
    c.run("WATCH a").await;
    other.run("LMPOP 2 a b LEFT").await;
    c.run("MULTI").await;
    c.run("PING").await;
    assert_eq!(c.run("EXEC").await, "*1\r\n+PONG\r\n");
    c.run("RPUSH b x").await;
    c.run("WATCH b").await;
    other.run("LMPOP 2 a b LEFT").await;
    c.run("MULTI").await;
    c.run("PING").await;
    assert_eq!(c.run("EXEC").await, "*-1\r\n");
}

#[tokio::test]
async fn a_woken_client_stays_blocked_on_a_key_of_another_type() {
    // Redis's "LPUSH + DEL + SET should not awake blocked client": the push wakes the client, but
    // by the time it looks the key holds a string, so it waits on instead of answering WRONGTYPE.
    let s = server();
    let mut c = s.client(Role::User);
    for (line, served) in [
        ("BLPOP list 0", "*2\r\n$4\r\nlist\r\n$1\r\nb\r\n"),
        (
            "BLMPOP 0 1 list LEFT",
            "*2\r\n$4\r\nlist\r\n*1\r\n$1\r\nb\r\n",
        ),
        ("BLMOVE list dst LEFT LEFT 0", "$1\r\nb\r\n"),
    ] {
        let mut waiter = s.client(Role::User);
        let task = tokio::spawn(async move { waiter.run(line).await });
        settle().await;
        c.run("MULTI").await;
        c.run("LPUSH list a").await;
        c.run("DEL list").await;
        c.run("SET list foo").await;
        c.run("EXEC").await;
        settle().await;
        assert!(!task.is_finished(), "{line}");
        c.run("DEL list").await;
        c.run("LPUSH list b").await;
        assert_eq!(task.await.unwrap(), served, "{line}");
    }
}

#[tokio::test]
async fn client_unblock_ends_a_wait() {
    let s = server();
    let mut admin = s.client(Role::Admin);
    let mut waiter = s.client(Role::User);
    let id = waiter.session.handle.id;
    let task = tokio::spawn(async move { waiter.run("BLPOP q 0").await });
    settle().await;
    assert!(
        admin
            .run(&format!("CLIENT LIST ID {id}"))
            .await
            .contains(" flags=b ")
    );
    assert_eq!(admin.run(&format!("CLIENT UNBLOCK {id}")).await, ":1\r\n");
    assert_eq!(task.await.unwrap(), "*-1\r\n");
    assert_eq!(admin.run(&format!("CLIENT UNBLOCK {id}")).await, ":0\r\n");

    let mut waiter = s.client(Role::User);
    let id = waiter.session.handle.id;
    let task = tokio::spawn(async move { waiter.run("BLMOVE q d LEFT LEFT 0").await });
    settle().await;
    assert_eq!(
        admin.run(&format!("CLIENT UNBLOCK {id} error")).await,
        ":1\r\n"
    );
    assert_eq!(
        task.await.unwrap(),
        "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    assert!(
        admin
            .run(&format!("CLIENT LIST ID {id}"))
            .await
            .contains(" flags=N ")
    );
    // The unblocked client left no registration: the next push stays in the list.
    admin.run("RPUSH q v").await;
    assert_eq!(admin.run("LLEN q").await, ":1\r\n");

    for (cmd, reply) in [
        ("CLIENT UNBLOCK 99999", ":0\r\n"),
        ("CLIENT UNBLOCK -1 TIMEOUT", ":0\r\n"),
        ("CLIENT UNBLOCK x", NOT_INTEGER),
        (
            "CLIENT UNBLOCK x foo",
            "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
        ),
        (
            "CLIENT UNBLOCK",
            "-ERR wrong number of arguments for 'client|unblock' command\r\n",
        ),
    ] {
        assert_eq!(admin.run(cmd).await, reply, "{cmd}");
    }
    let mut user = s.client(Role::User);
    assert_eq!(
        user.run("CLIENT UNBLOCK 1").await,
        "-NOPERM User app has no permissions to run the 'client|unblock' command\r\n"
    );
}

#[tokio::test]
async fn one_exec_feeding_two_keys_serves_every_waiter_in_order() {
    // Redis's "BLMPOP with multiple blocked clients": every client waits on both keys; the first
    // is woken by both pushes but takes from one key only, so the other key's wake-up goes on.
    let s = server();
    let mut c = s.client(Role::User);
    let mut waiters = Vec::new();
    for line in [
        "BLMPOP 0 2 blist blist2 LEFT COUNT 1",
        "BLMPOP 0 2 blist blist2 RIGHT COUNT 10",
        "BLMPOP 0 2 blist blist2 LEFT COUNT 10",
        "BLMPOP 0 2 blist blist2 RIGHT COUNT 1",
    ] {
        let mut waiter = s.client(Role::User);
        waiters.push(tokio::spawn(async move { waiter.run(line).await }));
        settle().await;
    }
    c.run("MULTI").await;
    c.run("LPUSH blist a b c d e").await;
    c.run("LPUSH blist2 1 2 3 4 5").await;
    c.run("EXEC").await;
    let mut waiters = waiters.into_iter();
    for expected in [
        "*2\r\n$5\r\nblist\r\n*1\r\n$1\r\ne\r\n",
        "*2\r\n$5\r\nblist\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
        "*2\r\n$6\r\nblist2\r\n*5\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n",
    ] {
        let task = waiters.next().unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("served")
            .unwrap();
        assert_eq!(reply, expected);
    }
    let last = waiters.next().unwrap();
    settle().await;
    assert!(!last.is_finished());
    c.run("LPUSH blist2 1 2 3").await;
    assert_eq!(
        last.await.unwrap(),
        "*2\r\n$6\r\nblist2\r\n*1\r\n$1\r\n1\r\n"
    );
    s.assert_memory_consistent();
}
