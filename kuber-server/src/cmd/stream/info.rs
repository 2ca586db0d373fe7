//! XINFO STREAM (with FULL [COUNT n]), XINFO GROUPS, XINFO CONSUMERS and XINFO HELP, with
//! Redis 7.0's field names and order.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::{entry_frame, id_frame, range_frames, stream_at};
use crate::cmd::Ctx;
use crate::cmd::args::{int, is};
use crate::cmd::reply::{self, err};
use crate::store::stream::{Group, Stream, StreamId, UNKNOWN_ENTRIES_READ};

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Print this help.",
];

/// `XINFO subcommand ...`
pub(super) fn xinfo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let arity = match sub.as_str() {
        "consumers" => 4,
        "groups" => 3,
        "stream" => -3,
        "help" => 2,
        _ => return reply::unknown_subcommand("xinfo", &args[1]),
    };
    let argc = args.len() as i32;
    if (arity > 0 && argc != arity) || (arity < 0 && argc < -arity) {
        return reply::wrong_arity(&format!("xinfo|{sub}"));
    }
    if sub == "help" {
        return Frame::Array(XINFO_HELP.iter().map(|l| Frame::simple(l)).collect());
    }
    // STREAM's options are checked before the key.
    let mut full = None;
    if sub == "stream" && args.len() > 3 {
        let opts = &args[3..];
        if (opts.len() != 1 && opts.len() != 3)
            || !is(&opts[0], "FULL")
            || (opts.len() == 3 && !is(&opts[1], "COUNT"))
        {
            return reply::subcommand_syntax("xinfo", &args[1]);
        }
        let mut count = 10;
        if opts.len() == 3 {
            match int(&opts[2]) {
                Ok(n) if n < 0 => count = 10,
                Ok(n) => count = n as usize,
                Err(e) => return e,
            }
        }
        full = Some(count);
    }
    let now = ctx.now;
    let mut ks = ctx.session.region.lock();
    let stream = match stream_at(&mut ks, &args[2], now) {
        Err(e) => return e,
        Ok(None) => return err(reply::NO_SUCH_KEY),
        Ok(Some(stream)) => &*stream,
    };
    match sub.as_str() {
        "groups" => Frame::Array(
            stream
                .groups
                .iter()
                .map(|(name, g)| group_summary(stream, name, g))
                .collect(),
        ),
        "consumers" => match stream.groups.get(&args[3][..]) {
            None => reply::stream_nogroup_for_key(&args[3], &args[2]),
            Some(g) => Frame::Array(
                g.consumers
                    .iter()
                    .map(|(name, c)| {
                        map(vec![
                            ("name", Frame::Bulk(name.clone())),
                            ("pending", Frame::Integer(c.pending.len() as i64)),
                            (
                                "idle",
                                Frame::Integer(now.saturating_sub(c.seen_time) as i64),
                            ),
                        ])
                    })
                    .collect(),
            ),
        },
        _ => match full {
            None => stream_summary(stream),
            Some(count) => stream_full(stream, count),
        },
    }
}

fn map(pairs: Vec<(&'static str, Frame)>) -> Frame {
    Frame::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Frame::Bulk(Bytes::from_static(k.as_bytes())), v))
            .collect(),
    )
}

fn entries_read_frame(g: &Group) -> Frame {
    if g.entries_read == UNKNOWN_ENTRIES_READ {
        Frame::Null
    } else {
        Frame::Integer(g.entries_read)
    }
}

fn lag_frame(stream: &Stream, g: &Group) -> Frame {
    stream.lag(g).map_or(Frame::Null, Frame::Integer)
}

fn group_summary(stream: &Stream, name: &Bytes, g: &Group) -> Frame {
    map(vec![
        ("name", Frame::Bulk(name.clone())),
        ("consumers", Frame::Integer(g.consumers.len() as i64)),
        ("pending", Frame::Integer(g.pending.len() as i64)),
        ("last-delivered-id", id_frame(g.last_id)),
        ("entries-read", entries_read_frame(g)),
        ("lag", lag_frame(stream, g)),
    ])
}

/// The fields XINFO STREAM and XINFO STREAM FULL share.
fn common(stream: &Stream) -> Vec<(&'static str, Frame)> {
    vec![
        ("length", Frame::Integer(stream.len() as i64)),
        (
            "radix-tree-keys",
            Frame::Integer(stream.node_count() as i64),
        ),
        // Redis counts the radix tree's inner nodes too; one root above the keys is close.
        (
            "radix-tree-nodes",
            Frame::Integer(stream.node_count() as i64 + 1),
        ),
        ("last-generated-id", id_frame(stream.last_id)),
        ("max-deleted-entry-id", id_frame(stream.max_deleted_id)),
        ("entries-added", Frame::Integer(stream.entries_added as i64)),
        ("recorded-first-entry-id", id_frame(stream.first_id)),
    ]
}

fn stream_summary(stream: &Stream) -> Frame {
    let mut fields = common(stream);
    fields.push(("groups", Frame::Integer(stream.groups.len() as i64)));
    let edge = |e: Option<(&StreamId, &crate::store::stream::Fields)>| {
        e.map_or(Frame::Null, |(id, f)| entry_frame(*id, f))
    };
    fields.push(("first-entry", edge(stream.first())));
    fields.push(("last-entry", edge(stream.last())));
    map(fields)
}

fn stream_full(stream: &Stream, count: usize) -> Frame {
    let limit = if count == 0 { usize::MAX } else { count };
    let mut fields = common(stream);
    fields.push((
        "entries",
        Frame::Array(range_frames(
            stream,
            StreamId::MIN,
            StreamId::MAX,
            count,
            false,
        )),
    ));
    let groups = stream
        .groups
        .iter()
        .map(|(name, g)| {
            let pending = g
                .pending
                .iter()
                .take(limit)
                .map(|(id, p)| {
                    Frame::Array(vec![
                        id_frame(*id),
                        Frame::Bulk(p.consumer.clone()),
                        Frame::Integer(p.delivery_time as i64),
                        Frame::Integer(p.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| {
                    let own = c
                        .pending
                        .iter()
                        .take(limit)
                        .filter_map(|id| g.pending.get(id).map(|p| (id, p)))
                        .map(|(id, p)| {
                            Frame::Array(vec![
                                id_frame(*id),
                                Frame::Integer(p.delivery_time as i64),
                                Frame::Integer(p.delivery_count as i64),
                            ])
                        })
                        .collect();
                    map(vec![
                        ("name", Frame::Bulk(cname.clone())),
                        ("seen-time", Frame::Integer(c.seen_time as i64)),
                        ("pel-count", Frame::Integer(c.pending.len() as i64)),
                        ("pending", Frame::Array(own)),
                    ])
                })
                .collect();
            map(vec![
                ("name", Frame::Bulk(name.clone())),
                ("last-delivered-id", id_frame(g.last_id)),
                ("entries-read", entries_read_frame(g)),
                ("lag", lag_frame(stream, g)),
                ("pel-count", Frame::Integer(g.pending.len() as i64)),
                ("pending", Frame::Array(pending)),
                ("consumers", Frame::Array(consumers)),
            ])
        })
        .collect();
    fields.push(("groups", Frame::Array(groups)));
    map(fields)
}
