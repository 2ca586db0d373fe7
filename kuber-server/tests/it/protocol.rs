//! Raw RESP over TCP: exact reply bytes for multibulk, inline, pipelined and RESP3 requests, and for
//! malformed input, which must close only the offending connection.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::{Raw, TestServer, assert_bytes_eq, resp, show};

/// An authenticated client connected before the bad input, which must keep being served.
struct Bystander {
    conn: Raw,
}

impl Bystander {
    async fn connect(server: &TestServer) -> Bystander {
        let mut conn = server.admin().await;
        conn.call(&resp(["SET", "bystander", "still here"]), b"+OK\r\n")
            .await;
        Bystander { conn }
    }

    async fn still_served(&mut self) {
        self.conn.call(b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n").await;
        self.conn
            .call(&resp(["GET", "bystander"]), b"$10\r\nstill here\r\n")
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multibulk_set_requires_auth_then_succeeds() {
    let server = TestServer::start().await;
    let mut c = server.raw().await;
    c.call(
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
        b"-NOAUTH Authentication required.\r\n",
    )
    .await;
    c.call(
        b"*3\r\n$4\r\nAUTH\r\n$5\r\nadmin\r\n$5\r\nwrong\r\n",
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    )
    .await;
    c.call(
        b"*3\r\n$4\r\nAUTH\r\n$5\r\nadmin\r\n$6\r\nsecret\r\n",
        b"+OK\r\n",
    )
    .await;
    c.call(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", b"+OK\r\n")
        .await;
    c.call(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", b"$1\r\nv\r\n")
        .await;
    // Binary-safe values: CR, LF and NUL inside a bulk are data.
    c.call(&resp([&b"SET"[..], b"bin", b"a\r\nb\0c"]), b"+OK\r\n")
        .await;
    c.call(&resp(["GET", "bin"]), b"$6\r\na\r\nb\0c\r\n").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_commands_split_quotes_like_redis() {
    let server = TestServer::start().await;
    let mut c = server.raw().await;
    c.call(b"AUTH admin secret\r\n", b"+OK\r\n").await;
    c.call(b"set \"a b\" 'c d'\r\n", b"+OK\r\n").await;
    c.call(b"get \"a b\"\r\n", b"$3\r\nc d\r\n").await;
    c.call(&resp(["GET", "a b"]), b"$3\r\nc d\r\n").await;
    // A bare LF ends a line too; double quotes understand escapes, single quotes do not.
    c.call(b"set esc \"x\\ty\\x41\" \n", b"+OK\r\n").await;
    c.call(b"get esc\n", b"$4\r\nx\tyA\r\n").await;
    c.call(b"set raw 'x\\ty'\r\n", b"+OK\r\n").await;
    c.call(b"get raw\r\n", b"$4\r\nx\\ty\r\n").await;
    // Blank lines are skipped, and an unknown inline command is an ordinary error.
    c.call(b"\r\n   \r\nPING\r\n", b"+PONG\r\n").await;
    c.call(
        b"$99999999999\r\n",
        b"-ERR unknown command '$99999999999', with args beginning with: \r\n",
    )
    .await;
    // An unbalanced quote cannot be resynchronised: error, then close.
    c.send(b"get \"open\r\n").await;
    c.expect_then_close(b"-ERR Protocol error: unbalanced quotes in request\r\n")
        .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_of_ten_thousand_incr_in_one_write() {
    let server = TestServer::start().await;
    let mut c = server.admin().await;
    let request = resp(["INCR", "counter"]).repeat(10_000);
    let expected: Vec<u8> = (1..=10_000)
        .flat_map(|i| format!(":{i}\r\n").into_bytes())
        .collect();
    let got = c.send_and_read(&request, expected.len()).await;
    assert_bytes_eq(&got, &expected);
    c.call(&resp(["GET", "counter"]), b"$5\r\n10000\r\n").await;
    // AUTH + 10,000 INCR + GET, each counted once.
    assert_eq!(
        server
            .state
            .stats
            .commands_processed
            .load(Ordering::Relaxed),
        10_002
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_pipeline_keeps_order_across_inline_and_multibulk() {
    let server = TestServer::start().await;
    let mut c = server.admin().await;
    let mut request = Vec::new();
    request.extend_from_slice(b"SET a 1\r\n");
    request.extend_from_slice(&resp(["INCRBY", "a", "41"]));
    request.extend_from_slice(b"GET a\r\n");
    request.extend_from_slice(&resp(["NOSUCH", "x"]));
    request.extend_from_slice(&resp(["GET"]));
    request.extend_from_slice(b"DEL a\r\n");
    c.call(
        &request,
        b"+OK\r\n:42\r\n$2\r\n42\r\n-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n-ERR wrong number of arguments for 'get' command\r\n:1\r\n",
    )
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_3_switches_to_resp3_replies() {
    let server = TestServer::start().await;
    let mut c = server.admin().await;
    c.send(&resp(["CLIENT", "ID"])).await;
    let id: i64 = c
        .read_line()
        .await
        .strip_prefix(':')
        .expect("an integer reply")
        .parse()
        .unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let hello = |proto: u8, header: &str| {
        format!(
            "{header}$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:{proto}\r\n\
             $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
             $7\r\nmodules\r\n*0\r\n$5\r\nkuber\r\n${}\r\n{version}\r\n",
            version.len()
        )
    };
    c.call(&resp(["HELLO", "3"]), hello(3, "%8\r\n").as_bytes())
        .await;
    c.call(&resp(["GET", "missing"]), b"_\r\n").await;
    c.call(&resp(["MGET", "missing", "missing"]), b"*2\r\n_\r\n_\r\n")
        .await;
    c.call(&resp(["SET", "k", "v"]), b"+OK\r\n").await;
    c.call(&resp(["GET", "k"]), b"$1\r\nv\r\n").await;
    c.call(&resp(["HELLO", "2"]), hello(2, "*16\r\n").as_bytes())
        .await;
    c.call(&resp(["GET", "missing"]), b"$-1\r\n").await;
    c.call(
        &resp(["HELLO", "4"]),
        b"-NOPROTO unsupported protocol version\r\n",
    )
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_with_auth_logs_in_and_switches_protocol_in_one_step() {
    let server = TestServer::start().await;
    let mut c = server.raw().await;
    c.call(&resp(["HELLO", "3"]), b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n").await;
    c.send(&resp(["HELLO", "3", "AUTH", "admin", "secret"]))
        .await;
    assert_eq!(c.read_line().await, "%8");
    c.read(b"$6\r\nserver\r\n$5\r\nredis\r\n".len()).await;
    // Drain the rest of the map (seven more pairs) by asking for something after it.
    c.send(&resp(["ECHO", "end-of-hello"])).await;
    let mut seen = Vec::new();
    while !seen.ends_with(b"$12\r\nend-of-hello\r\n") {
        seen.extend(c.read(1).await);
        assert!(seen.len() < 1000, "{}", show(&seen));
    }
    c.call(&resp(["GET", "missing"]), b"_\r\n").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bulk_lengths_close_only_that_connection() {
    let server = TestServer::start().await;
    let mut bystander = Bystander::connect(&server).await;
    let cases: [&[u8]; 4] = [
        b"*1\r\n$99999999999\r\n",
        b"*2\r\n$3\r\nGET\r\n$1073741824\r\n",
        b"*2\r\n$3\r\nGET\r\n$-1\r\n",
        b"*2\r\n$3\r\nGET\r\n$1x\r\n",
    ];
    for request in cases {
        let mut c = server.admin().await;
        c.send(request).await;
        c.expect_then_close(b"-ERR Protocol error: invalid bulk length\r\n")
            .await;
        bystander.still_served().await;
    }
    server
        .eventually("the closed clients to unregister", |s| s.clients.len() == 1)
        .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_clients_get_tighter_limits() {
    let server = TestServer::start().await;
    let mut bystander = Bystander::connect(&server).await;

    let mut c = server.raw().await;
    c.send(b"*11\r\n").await;
    c.expect_then_close(b"-ERR Protocol error: unauthenticated multibulk length\r\n")
        .await;
    bystander.still_served().await;

    let mut c = server.raw().await;
    c.send(b"*2\r\n$3\r\nGET\r\n$16385\r\n").await;
    c.expect_then_close(b"-ERR Protocol error: unauthenticated bulk length\r\n")
        .await;
    bystander.still_served().await;

    // The same requests are fine once logged in: eleven arguments, and a 16 KiB + 1 value.
    let mut c = server.admin().await;
    c.call(
        &resp([
            "MSET", "k1", "1", "k2", "2", "k3", "3", "k4", "4", "k5", "5",
        ]),
        b"+OK\r\n",
    )
    .await;
    let big = "x".repeat(16_385);
    c.call(&resp(["SET", "big", &big]), b"+OK\r\n").await;
    c.call(&resp(["STRLEN", "big"]), b":16385\r\n").await;
    c.call(&resp(["MGET", "k1", "k5"]), b"*2\r\n$1\r\n1\r\n$1\r\n5\r\n")
        .await;
    bystander.still_served().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_garbage_is_a_protocol_error() {
    let server = TestServer::start().await;
    let mut bystander = Bystander::connect(&server).await;

    // 100 KB of pseudo-random bytes without a newline: more than an inline request may buffer.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let garbage: Vec<u8> = (0..100_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            match (seed >> 56) as u8 {
                b'\n' | b'*' => 0xff,
                b => b,
            }
        })
        .collect();
    let mut c = server.raw().await;
    let got = c.send_and_read_to_close(&garbage).await;
    assert_eq!(
        show(&got),
        show(b"-ERR Protocol error: too big inline request\r\n")
    );
    bystander.still_served().await;

    let cases: [(&[u8], &[u8]); 4] = [
        (
            b"*\xff\xfe\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\nX3\r\nGET\r\n",
            b"-ERR Protocol error: expected '$', got 'X'\r\n",
        ),
        (
            b"*1\r\n$3\r\nGETxx",
            b"-ERR Protocol error: invalid CRLF in request\r\n",
        ),
        (
            b"*1\r\n$4\rPING\r\n",
            b"-ERR Protocol error: invalid CRLF in request\r\n",
        ),
    ];
    for (request, reply) in cases {
        let mut c = server.admin().await;
        c.send(request).await;
        c.expect_then_close(reply).await;
        bystander.still_served().await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_arrays_are_refused_at_the_first_level() {
    let server = TestServer::start().await;
    let mut bystander = Bystander::connect(&server).await;
    let mut c = server.admin().await;
    let got = c.send_and_read_to_close(&b"*1\r\n".repeat(100_000)).await;
    assert_eq!(
        show(&got),
        show(b"-ERR Protocol error: expected '$', got '*'\r\n")
    );
    bystander.still_served().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_positive_multibulk_counts_are_skipped_like_redis() {
    let server = TestServer::start().await;
    let mut c = server.raw().await;
    // Before AUTH too: an empty request is not a command.
    c.call(
        b"*-5\r\n*1\r\n$4\r\nPING\r\n",
        b"-NOAUTH Authentication required.\r\n",
    )
    .await;
    c.call(&resp(["AUTH", "admin", "secret"]), b"+OK\r\n").await;
    c.send(b"*-5\r\n").await;
    c.call(b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n").await;
    c.call(
        b"*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nECHO\r\n",
        b"-ERR wrong number of arguments for 'echo' command\r\n",
    )
    .await;
    c.call(
        b"*-1\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*0\r\n",
        b"$2\r\nhi\r\n",
    )
    .await;
    // Nothing else was sent for the skipped requests.
    c.expect_silence(Duration::from_millis(100)).await;
    c.call(b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_half_frame_does_not_delay_other_clients() {
    let server = TestServer::start().await;
    let mut staller = server.admin().await;
    staller.send(b"*2\r\n$3\r\nGE").await;
    let mut other = server.admin().await;
    let started = Instant::now();
    for i in 0..50 {
        other
            .call(&resp(["SET", &format!("k{i}"), &i.to_string()]), b"+OK\r\n")
            .await;
        let value = i.to_string();
        other
            .call(
                &resp(["GET", &format!("k{i}")]),
                format!("${}\r\n{value}\r\n", value.len()).as_bytes(),
            )
            .await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "100 commands took {elapsed:?} while another client stalled"
    );
    // The stalled request is still buffered and completes when the rest arrives.
    staller.expect_silence(Duration::from_millis(50)).await;
    staller.call(b"T\r\n$2\r\nk7\r\n", b"$1\r\n7\r\n").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_its_replies_does_not_delay_others() {
    let server = TestServer::start().await;
    let mut other = server.admin().await;
    other
        .call(&resp(["SET", "big", &"v".repeat(10_000)]), b"+OK\r\n")
        .await;
    // 2,000 GETs of 10 KB: 20 MB of replies that are never read, far more than socket buffers hold.
    let mut slow = server.admin().await;
    slow.send(&resp(["GET", "big"]).repeat(2_000)).await;
    let started = Instant::now();
    for i in 0..100 {
        other
            .call(&resp(["INCR", "n"]), format!(":{}\r\n", i + 1).as_bytes())
            .await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "100 commands took {elapsed:?} beside a client that does not read"
    );
    // Closing the slow client ends its blocked write, so shutdown does not wait for it.
    drop(slow);
    server
        .eventually("the slow client to unregister", |s| s.clients.len() == 1)
        .await;
    server.stop().await;
}

/// Redis's "protocol desync" tests: a client keeps writing an endless inline request and only reads
/// after its writes fail. Closing with its input unread would reset the connection and could throw
/// away the error reply still queued for sending; the server must send the reply and linger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_still_writing_after_protocol_error_receives_the_error() {
    let server = TestServer::start().await;
    for attempt in 0..3 {
        let mut c = server.raw().await;
        c.send(b"\x00").await;
        let chunk = [b'A'; 1024];
        let written = c.write_until_refused(&chunk, 8 << 20).await;
        // A reset would make the writes fail right after the 64 KiB inline limit; a lingering
        // server keeps taking (and discarding) input for a while after its reply.
        assert!(
            written >= 1 << 20,
            "attempt {attempt}: writes refused after only {written} bytes (reset, not a linger)"
        );
        let got = c.read_to_close().await;
        assert_eq!(
            show(&got),
            show(b"-ERR Protocol error: too big inline request\r\n"),
            "attempt {attempt}"
        );
    }
}

/// CLIENT REPLY OFF / SKIP / ON drop exactly the replies Redis drops (the suite's pubsub unit checks
/// that RESP3 pushes still arrive with replies off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reply_off_skip_and_on() {
    let server = TestServer::start().await;
    let mut c = server.admin().await;
    c.send(&resp(["CLIENT", "REPLY", "OFF"])).await;
    c.send(&resp(["SET", "k", "1"])).await;
    c.send(&resp(["INCR", "k"])).await;
    c.expect_silence(Duration::from_millis(200)).await;
    c.call(&resp(["CLIENT", "REPLY", "ON"]), b"+OK\r\n").await;
    c.call(&resp(["GET", "k"]), b"$1\r\n2\r\n").await;
    c.send(&resp(["CLIENT", "REPLY", "SKIP"])).await;
    c.send(&resp(["INCR", "k"])).await;
    c.call(&resp(["GET", "k"]), b"$1\r\n3\r\n").await;
    c.call(
        &resp(["CLIENT", "REPLY", "MAYBE"]),
        b"-ERR syntax error\r\n",
    )
    .await;
}
