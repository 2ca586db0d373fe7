//! One client connection: read what has arrived, decode every complete request, execute them in
//! order, write all replies and flush once. Pipelined requests therefore cost one write, not one per
//! reply. A protocol error is answered and the connection closed, as Redis does.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::BytesMut;
use kuber_protocol::{DecodeError, Frame, Limits, decode_command, encode, encode_header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::cmd;
use crate::pubsub::{Subscriber, frame_size};
use crate::session::{ClientHandle, Session};
use crate::state::{ServerState, stopping};
use tokio::sync::mpsc;

/// Read buffer size; also the minimum free space kept before each read.
const READ_CHUNK: usize = 16 * 1024;
/// Replies buffered before a mid-batch flush, so a huge pipeline does not hold every reply in memory.
const MAX_PENDING_OUTPUT: usize = 4 * 1024 * 1024;
/// A reply with more elements than this is encoded and written a piece at a time (see
/// [`write_streaming`]).
const STREAM_ELEMENTS_ABOVE: usize = 4096;
/// Bytes encoded before each write of a streamed reply.
const STREAM_CHUNK: usize = 256 * 1024;
/// An idle connection whose buffer grew past this gives the memory back.
const SHRINK_ABOVE: usize = 1024 * 1024;

/// Serves one accepted connection until the client leaves, is killed, or the server shuts down.
/// The caller registered the client (so `max_clients` counts it from the moment it is accepted);
/// this function unregisters it.
pub async fn serve(state: Arc<ServerState>, stream: TcpStream, handle: Arc<ClientHandle>) {
    let mut shutdown = state.shutdown_signal();
    let mut session = Session::new(handle.clone(), state.store.default_region());
    if let Err(e) = run(&state, &mut session, stream, &mut shutdown).await {
        tracing::debug!(peer = %handle.peer, error = %e, "connection closed with an error");
    }
    session.unwatch_all();
    session.unsubscribe_all(&state.pubsub);
    state.refresh_keyspace_events();
    state.clients.unregister(handle.id);
}

/// Writes `data` unless the client is killed or the server shuts down first: a client that never
/// reads its replies must not hold up CLIENT KILL or shutdown.
async fn write_out(
    stream: &mut TcpStream,
    data: &[u8],
    handle: &ClientHandle,
    shutdown: &mut watch::Receiver<bool>,
) -> std::io::Result<bool> {
    tokio::select! {
        biased;
        written = stream.write_all(data) => written.map(|()| true),
        _ = handle.killed() => Ok(false),
        _ = stopping(shutdown) => Ok(false),
    }
}

/// Where a reply goes: the socket, and what may interrupt a write to it.
struct Io<'a> {
    stream: &'a mut TcpStream,
    handle: &'a ClientHandle,
    shutdown: &'a mut watch::Receiver<bool>,
}

/// Appends `reply` to `output`; a reply with very many elements (`LRANGE k 0 -1` of a million
/// elements) is written out as it is encoded, [`STREAM_CHUNK`] bytes at a time, so the server
/// never holds a second, encoded copy of it: the reply itself holds only shared handles to the
/// stored elements. Returns false when the client was killed or the server is stopping.
async fn write_reply(
    reply: &Frame,
    protocol: kuber_protocol::ProtocolVersion,
    output: &mut BytesMut,
    io: Io<'_>,
) -> std::io::Result<bool> {
    let long = matches!(reply, Frame::Array(items) | Frame::Set(items) | Frame::Push(items)
        if items.len() > STREAM_ELEMENTS_ABOVE);
    if !long {
        encode(reply, protocol, output);
        return Ok(true);
    }
    let elements = encode_header(reply, protocol, output).unwrap_or_default();
    for element in elements {
        encode(element, protocol, output);
        if output.len() >= STREAM_CHUNK {
            if !write_out(io.stream, output, io.handle, io.shutdown).await? {
                return Ok(false);
            }
            output.clear();
        }
    }
    Ok(true)
}

fn limits(state: &ServerState, session: &Session) -> Limits {
    if session.identity.is_some() {
        Limits {
            max_bulk_len: state.live.proto_max_bulk_len.load(Ordering::Relaxed) as usize,
            ..Limits::default()
        }
    } else {
        Limits::unauthenticated()
    }
}

async fn run(
    state: &ServerState,
    session: &mut Session,
    mut stream: TcpStream,
    shutdown: &mut watch::Receiver<bool>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let handle = session.handle.clone();
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut output = BytesMut::with_capacity(READ_CHUNK);
    loop {
        let mut executed = 0u64;
        loop {
            let decoded = decode_command(&mut input, &limits(state, session));
            match decoded {
                Ok(Some(args)) => {
                    let reply = cmd::execute(state, session, &args).await;
                    executed += 1;
                    if session.close_without_reply {
                        write_out(&mut stream, &output, &handle, shutdown).await?;
                        return Ok(());
                    }
                    if session.sends_reply(&reply) {
                        let io = Io {
                            stream: &mut stream,
                            handle: &handle,
                            shutdown,
                        };
                        if !write_reply(&reply, session.protocol, &mut output, io).await? {
                            return Ok(());
                        }
                    }
                    let extras = std::mem::take(&mut session.extra_replies);
                    for extra in extras {
                        if session.sends_reply(&extra) {
                            encode(&extra, session.protocol, &mut output);
                        }
                    }
                    if session.close_after_reply {
                        write_out(&mut stream, &output, &handle, shutdown).await?;
                        return Ok(());
                    }
                    if output.len() >= MAX_PENDING_OUTPUT {
                        if !write_out(&mut stream, &output, &handle, shutdown).await? {
                            return Ok(());
                        }
                        output.clear();
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    let reply = protocol_error_reply(&error, session.identity.is_none());
                    tracing::debug!(peer = %handle.peer, %error, "protocol error; closing connection");
                    encode(&reply, session.protocol, &mut output);
                    if write_out(&mut stream, &output, &handle, shutdown).await? {
                        linger_close(&mut stream).await;
                    }
                    return Ok(());
                }
            }
        }
        if executed > 0 {
            state.count_commands(executed);
            handle
                .last_interaction_ms
                .store(state.store.now(), Ordering::Relaxed);
        }
        if !output.is_empty() {
            if !write_out(&mut stream, &output, &handle, shutdown).await? {
                return Ok(());
            }
            output.clear();
            if output.capacity() > SHRINK_ABOVE {
                output = BytesMut::with_capacity(READ_CHUNK);
            }
        }
        // Checked, not only awaited below: a connection admitted just as shutdown began has
        // never seen the change and must still stop.
        if handle.is_killed() || *shutdown.borrow() {
            return Ok(());
        }
        if input.is_empty() && input.capacity() > SHRINK_ABOVE {
            input = BytesMut::with_capacity(READ_CHUNK);
        }
        if input.capacity() - input.len() < READ_CHUNK / 4 {
            input.reserve(READ_CHUNK);
        }
        // Subscribers wait for messages, so the idle timeout does not apply to them (as in Redis).
        let idle_secs = if session.subscriptions() > 0 {
            0
        } else {
            state.live.idle_timeout_secs.load(Ordering::Relaxed)
        };
        tokio::select! {
            biased;
            read = stream.read_buf(&mut input) => {
                if read? == 0 {
                    return Ok(());
                }
            }
            Some(message) = next_message(&mut session.inbox), if session.inbox.is_some() => {
                take_messages(session, message, &mut output);
            }
            _ = handle.killed() => return Ok(()),
            _ = stopping(shutdown) => return Ok(()),
            _ = tokio::time::sleep(Duration::from_secs(idle_secs)), if idle_secs > 0 => {
                tracing::debug!(peer = %handle.peer, "idle timeout");
                return Ok(());
            }
        }
    }
}

async fn next_message(
    inbox: &mut Option<(Subscriber, mpsc::UnboundedReceiver<Frame>)>,
) -> Option<Frame> {
    match inbox {
        Some((_, receiver)) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Encodes `first` and every other message already waiting, releasing their bytes from the
/// subscriber's output allowance.
fn take_messages(session: &mut Session, first: Frame, output: &mut BytesMut) {
    let protocol = session.protocol;
    let Some((subscriber, receiver)) = session.inbox.as_mut() else {
        return;
    };
    let mut next = Some(first);
    while let Some(frame) = next {
        subscriber
            .queued
            .fetch_sub(frame_size(&frame), Ordering::AcqRel);
        encode(&frame, protocol, output);
        if output.len() >= MAX_PENDING_OUTPUT {
            break;
        }
        next = receiver.try_recv().ok();
    }
}

/// How long a connection closed for a protocol error keeps draining its peer's input.
const LINGER: Duration = Duration::from_secs(2);
/// The most a lingering connection reads (and discards) before it closes anyway.
const LINGER_MAX_BYTES: usize = 4 << 20;

/// Closes a connection whose peer may still be sending, without destroying the error reply.
///
/// Closing a socket with unread input makes the kernel answer with a reset, and a reset can
/// discard the reply that is still in flight or unread at the peer — the client would see a dropped
/// connection instead of `-ERR Protocol error`. So: send FIN after the reply, then read and discard
/// the peer's input until it closes, [`LINGER`] passes or [`LINGER_MAX_BYTES`] have arrived (the
/// "lingering close" web servers use).
async fn linger_close(stream: &mut TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut sink = vec![0u8; 64 * 1024];
        let mut drained = 0usize;
        while drained < LINGER_MAX_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// `-ERR Protocol error: …`, with Redis's wording for the limits that apply before AUTH.
fn protocol_error_reply(error: &DecodeError, unauthenticated: bool) -> Frame {
    let text = error.to_string();
    let text = if unauthenticated {
        text.replace(
            "invalid multibulk length",
            "unauthenticated multibulk length",
        )
        .replace("invalid bulk length", "unauthenticated bulk length")
    } else {
        text
    };
    Frame::error(format!("ERR {text}"))
}
