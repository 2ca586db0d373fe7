//! Pub/sub commands: SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB. Messages
//! reach subscribers through `crate::pubsub`; each subscription change is confirmed with a push
//! frame (an array in RESP2), one per channel, as Redis does.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::is;
use super::reply;

fn confirmation(kind: &'static str, name: Option<Bytes>, count: usize) -> Frame {
    Frame::Push(vec![
        Frame::bulk(kind),
        name.map_or(Frame::Null, Frame::Bulk),
        Frame::Integer(count as i64),
    ])
}

/// Returns the first confirmation as the reply and queues the rest after it.
fn confirm_all(ctx: &mut Ctx<'_>, mut frames: Vec<Frame>) -> Frame {
    let first = frames.remove(0);
    ctx.session.extra_replies.extend(frames);
    first
}

fn subscribe_to(ctx: &mut Ctx<'_>, args: &[Bytes], pattern: bool) -> Frame {
    let subscriber = ctx.session.subscriber();
    let mut frames = Vec::with_capacity(args.len() - 1);
    for name in &args[1..] {
        let name = Bytes::copy_from_slice(name);
        ctx.state.pubsub.subscribe(&name, pattern, &subscriber);
        if pattern {
            ctx.session.patterns.insert(name.clone());
        } else {
            ctx.session.channels.insert(name.clone());
        }
        let kind = if pattern { "psubscribe" } else { "subscribe" };
        frames.push(confirmation(kind, Some(name), ctx.session.subscriptions()));
    }
    ctx.state.refresh_keyspace_events();
    confirm_all(ctx, frames)
}

fn unsubscribe_from(ctx: &mut Ctx<'_>, args: &[Bytes], pattern: bool) -> Frame {
    let kind = if pattern {
        "punsubscribe"
    } else {
        "unsubscribe"
    };
    let names: Vec<Bytes> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|a| Bytes::copy_from_slice(a))
            .collect()
    } else if pattern {
        ctx.session.patterns.iter().cloned().collect()
    } else {
        ctx.session.channels.iter().cloned().collect()
    };
    if names.is_empty() {
        return confirmation(kind, None, ctx.session.subscriptions());
    }
    let id = ctx.session.handle.id;
    let mut frames = Vec::with_capacity(names.len());
    for name in names {
        ctx.state.pubsub.unsubscribe(&name, pattern, id);
        if pattern {
            ctx.session.patterns.remove(&name);
        } else {
            ctx.session.channels.remove(&name);
        }
        frames.push(confirmation(kind, Some(name), ctx.session.subscriptions()));
    }
    ctx.state.refresh_keyspace_events();
    confirm_all(ctx, frames)
}

pub(super) fn subscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    subscribe_to(ctx, args, false)
}

pub(super) fn psubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    subscribe_to(ctx, args, true)
}

pub(super) fn unsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unsubscribe_from(ctx, args, false)
}

pub(super) fn punsubscribe(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    unsubscribe_from(ctx, args, true)
}

pub(super) fn publish(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    Frame::Integer(ctx.state.pubsub.publish(&args[1], &args[2]) as i64)
}

/// `PUBSUB CHANNELS [pattern] | NUMSUB [channel …] | NUMPAT | HELP`
pub(super) fn pubsub(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    let broker = &ctx.state.pubsub;
    if is(sub, "CHANNELS") && args.len() <= 3 {
        Frame::Array(
            broker
                .channels(args.get(2).map(|p| p.as_ref()))
                .into_iter()
                .map(Frame::Bulk)
                .collect(),
        )
    } else if is(sub, "NUMSUB") {
        let mut out = Vec::with_capacity((args.len() - 2) * 2);
        for channel in &args[2..] {
            out.push(Frame::Bulk(channel.clone()));
            out.push(Frame::Integer(broker.numsub(channel) as i64));
        }
        Frame::Array(out)
    } else if is(sub, "NUMPAT") && args.len() == 2 {
        Frame::Integer(broker.numpat() as i64)
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(
            [
                "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CHANNELS [<pattern>]",
                "NUMPAT",
                "NUMSUB [<channel> ...]",
                "HELP",
            ]
            .iter()
            .map(|l| Frame::simple(l))
            .collect(),
        )
    } else {
        reply::unknown_subcommand("pubsub", sub)
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use kuber_protocol::{ProtocolVersion, encode};

    use crate::auth::Role;
    use crate::cmd::testing::{TestClient, server};

    fn received(c: &mut TestClient) -> String {
        let mut out = BytesMut::new();
        let (_, inbox) = c.session.inbox.as_mut().expect("subscribed");
        while let Ok(frame) = inbox.try_recv() {
            encode(&frame, c.session.protocol, &mut out);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn subscribe_publish_unsubscribe() {
        let s = server();
        let mut sub = s.client(Role::Reader);
        let mut publisher = s.client(Role::User);
        assert_eq!(
            sub.run("SUBSCRIBE news sport").await,
            "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n"
        );
        assert_eq!(
            sub.run("PSUBSCRIBE n*").await,
            "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n"
        );
        assert_eq!(publisher.run("PUBLISH news hello").await, ":2\r\n");
        assert_eq!(publisher.run("PUBLISH nothing x").await, ":1\r\n");
        assert_eq!(publisher.run("PUBLISH other x").await, ":0\r\n");
        assert_eq!(
            received(&mut sub),
            "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n\
             *4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n\
             *4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$7\r\nnothing\r\n$1\r\nx\r\n"
        );
        assert_eq!(
            publisher.run("PUBSUB CHANNELS").await,
            "*2\r\n$4\r\nnews\r\n$5\r\nsport\r\n"
        );
        assert_eq!(
            publisher.run("PUBSUB CHANNELS s*").await,
            "*1\r\n$5\r\nsport\r\n"
        );
        assert_eq!(
            publisher.run("PUBSUB NUMSUB news none").await,
            "*4\r\n$4\r\nnews\r\n:1\r\n$4\r\nnone\r\n:0\r\n"
        );
        assert_eq!(publisher.run("PUBSUB NUMPAT").await, ":1\r\n");
        // RESP2 subscribed context: only subscription commands, PING, QUIT and RESET.
        assert_eq!(
            sub.run("GET k").await,
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
        );
        assert_eq!(sub.run("PING").await, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        assert_eq!(
            sub.run("UNSUBSCRIBE news").await,
            "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:2\r\n"
        );
        assert_eq!(
            sub.run("PUNSUBSCRIBE").await,
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\nn*\r\n:1\r\n"
        );
        assert_eq!(
            sub.run("UNSUBSCRIBE").await,
            "*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n"
        );
        assert_eq!(
            sub.run("UNSUBSCRIBE").await,
            "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
        );
        assert_eq!(sub.run("PING").await, "+PONG\r\n");
        assert_eq!(publisher.run("PUBSUB NUMPAT").await, ":0\r\n");
        assert_eq!(
            publisher.run("PUBSUB NOPE").await,
            "-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n"
        );
    }

    #[tokio::test]
    async fn resp3_uses_push_frames_and_allows_every_command() {
        let s = server();
        let mut sub = s.client(Role::User);
        sub.resp3();
        assert_eq!(
            sub.run("SUBSCRIBE ch").await,
            ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        );
        assert_eq!(sub.run("GET k").await, "_\r\n");
        let mut publisher = s.client(Role::User);
        publisher.run("PUBLISH ch hi").await;
        assert_eq!(
            received(&mut sub),
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(sub.session.protocol, ProtocolVersion::Resp3);
    }

    #[tokio::test]
    async fn a_subscriber_over_its_output_limit_is_disconnected() {
        let s = server();
        s.state.pubsub.set_limit(1_200); // about three 300-byte messages
        let mut slow = s.client(Role::User);
        let mut publisher = s.client(Role::User);
        slow.run("SUBSCRIBE ch").await;
        let big = "x".repeat(300);
        assert_eq!(publisher.run(&format!("PUBLISH ch {big}")).await, ":1\r\n");
        assert_eq!(publisher.run(&format!("PUBLISH ch {big}")).await, ":1\r\n");
        assert!(!slow.session.handle.is_killed());
        assert_eq!(publisher.run(&format!("PUBLISH ch {big}")).await, ":1\r\n");
        assert_eq!(publisher.run(&format!("PUBLISH ch {big}")).await, ":0\r\n");
        assert!(slow.session.handle.is_killed());
    }
}

#[cfg(test)]
mod notify_tests;

#[cfg(test)]
mod keyspace_event_tests {
    use bytes::BytesMut;
    use kuber_protocol::encode;

    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn region_events_are_published_while_someone_listens() {
        let s = server();
        let mut listener = s.client(Role::Reader);
        let mut writer = s.client(Role::Admin);
        writer.run("SET before 1").await;
        listener.run("PSUBSCRIBE __kuber__:default:*").await;
        writer.run("SET k v").await;
        writer.run("DEL k").await;
        writer.run("SET t v PX 10").await;
        s.clock.advance(10);
        writer.run("GET t").await;
        let mut out = BytesMut::new();
        let (_, inbox) = listener.session.inbox.as_mut().unwrap();
        while let Ok(frame) = inbox.try_recv() {
            encode(&frame, listener.session.protocol, &mut out);
        }
        let text = String::from_utf8_lossy(&out);
        let events: Vec<&str> = text
            .split("\r\n")
            .filter(|l| l.starts_with("__kuber__") && !l.ends_with('*'))
            .collect();
        assert_eq!(
            events,
            [
                "__kuber__:default:set",
                "__kuber__:default:del",
                "__kuber__:default:set",
                "__kuber__:default:expired"
            ]
        );
        listener.run("PUNSUBSCRIBE").await;
        assert!(!s.state.store.keyspace_events());
    }
}
