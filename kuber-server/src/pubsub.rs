//! The publish/subscribe broker: channel and pattern subscriptions, message fan-out, and the
//! per-subscriber output limit that disconnects a subscriber too slow to keep up.
//!
//! Each subscribed connection owns an unbounded queue of frames; what bounds it is the byte count
//! kept beside it. A publisher that would push a subscriber past `limit_bytes` kills that client
//! instead (Redis's `client-output-buffer-limit pubsub`), so one slow reader never grows memory
//! without bound and never slows the publisher.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use hashbrown::HashMap;
use kuber_protocol::Frame;
use parking_lot::RwLock;
use tokio::sync::mpsc;

use crate::session::ClientHandle;
use crate::store::glob::glob_match;

/// A subscribed connection's inbox.
#[derive(Clone)]
pub struct Subscriber {
    /// Frames waiting to be written to the client.
    pub sender: mpsc::UnboundedSender<Frame>,
    /// Bytes queued and not yet taken by the connection.
    pub queued: Arc<AtomicUsize>,
    /// To disconnect the client when it falls too far behind.
    pub handle: Arc<ClientHandle>,
}

impl Subscriber {
    fn deliver(&self, frame: Frame, limit: usize) -> bool {
        let size = frame_size(&frame);
        if self.handle.is_killed() {
            return false;
        }
        if self.queued.fetch_add(size, Ordering::AcqRel) + size > limit {
            tracing::warn!(
                client = self.handle.id,
                limit,
                "subscriber output buffer limit reached; disconnecting"
            );
            self.handle.kill();
            return false;
        }
        self.sender.send(frame).is_ok()
    }
}

/// Approximate encoded size of a pushed frame, counted when queued and again when taken.
pub fn frame_size(frame: &Frame) -> usize {
    match frame {
        Frame::Push(parts) | Frame::Array(parts) => parts.iter().map(frame_size).sum::<usize>() + 8,
        Frame::Bulk(b) => b.len() + 16,
        _ => 16,
    }
}

/// Channel and pattern subscriptions of every connection.
pub struct PubSub {
    channels: RwLock<HashMap<Bytes, HashMap<u64, Subscriber>>>,
    patterns: RwLock<HashMap<Bytes, HashMap<u64, Subscriber>>>,
    limit_bytes: AtomicUsize,
    /// Subscriptions whose name starts with the keyspace-event prefix.
    keyspace_listeners: AtomicUsize,
    /// All channel and pattern subscriptions.
    subscriptions: AtomicUsize,
}

/// Channels of keyspace events start with this: `__kuber__:<region>:<event>`.
pub const KEYSPACE_PREFIX: &[u8] = b"__kuber__";

impl PubSub {
    /// A broker whose subscribers may fall `limit_bytes` behind before being disconnected.
    pub fn new(limit_bytes: usize) -> Self {
        Self {
            channels: RwLock::default(),
            patterns: RwLock::default(),
            limit_bytes: AtomicUsize::new(limit_bytes),
            keyspace_listeners: AtomicUsize::new(0),
            subscriptions: AtomicUsize::new(0),
        }
    }

    /// Subscribes `subscriber` to a channel (or a pattern). Returns false if it already was.
    pub fn subscribe(&self, name: &[u8], pattern: bool, subscriber: &Subscriber) -> bool {
        let map = if pattern {
            &self.patterns
        } else {
            &self.channels
        };
        let added = map
            .write()
            .entry(Bytes::copy_from_slice(name))
            .or_default()
            .insert(subscriber.handle.id, subscriber.clone())
            .is_none();
        if added {
            self.subscriptions.fetch_add(1, Ordering::Relaxed);
            if name.starts_with(KEYSPACE_PREFIX) {
                self.keyspace_listeners.fetch_add(1, Ordering::Relaxed);
            }
        }
        added
    }

    /// True while some subscription asks for `__kuber__` keyspace events.
    pub fn wants_keyspace_events(&self) -> bool {
        self.keyspace_listeners.load(Ordering::Relaxed) > 0
    }

    /// True while any client subscribes to any channel or pattern.
    pub fn has_subscriptions(&self) -> bool {
        self.subscriptions.load(Ordering::Relaxed) > 0
    }

    /// Removes one subscription. Returns false if there was none.
    pub fn unsubscribe(&self, name: &[u8], pattern: bool, client: u64) -> bool {
        let map = if pattern {
            &self.patterns
        } else {
            &self.channels
        };
        let mut map = map.write();
        let Some(subs) = map.get_mut(name) else {
            return false;
        };
        let removed = subs.remove(&client).is_some();
        if subs.is_empty() {
            map.remove(name);
        }
        if removed {
            self.subscriptions.fetch_sub(1, Ordering::Relaxed);
            if name.starts_with(KEYSPACE_PREFIX) {
                self.keyspace_listeners.fetch_sub(1, Ordering::Relaxed);
            }
        }
        removed
    }

    /// Sends `message` to every subscriber of `channel` and of every matching pattern. Returns how
    /// many subscribers received it.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        let limit = self.limit_bytes.load(Ordering::Relaxed);
        let channel_bytes = Bytes::copy_from_slice(channel);
        let message = Bytes::copy_from_slice(message);
        let mut receivers = 0;
        if let Some(subs) = self.channels.read().get(channel) {
            for sub in subs.values() {
                let frame = Frame::Push(vec![
                    Frame::bulk("message"),
                    Frame::Bulk(channel_bytes.clone()),
                    Frame::Bulk(message.clone()),
                ]);
                receivers += usize::from(sub.deliver(frame, limit));
            }
        }
        for (pattern, subs) in self.patterns.read().iter() {
            if !glob_match(pattern, channel) {
                continue;
            }
            for sub in subs.values() {
                let frame = Frame::Push(vec![
                    Frame::bulk("pmessage"),
                    Frame::Bulk(pattern.clone()),
                    Frame::Bulk(channel_bytes.clone()),
                    Frame::Bulk(message.clone()),
                ]);
                receivers += usize::from(sub.deliver(frame, limit));
            }
        }
        receivers
    }

    /// Active channels (with at least one subscriber) matching `pattern`, sorted.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let mut names: Vec<Bytes> = self
            .channels
            .read()
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Subscribers of one channel (patterns not counted, as in Redis).
    pub fn numsub(&self, channel: &[u8]) -> usize {
        self.channels.read().get(channel).map_or(0, |s| s.len())
    }

    /// Number of distinct patterns subscribed.
    pub fn numpat(&self) -> usize {
        self.patterns.read().len()
    }

    /// Changes the per-subscriber output limit.
    pub fn set_limit(&self, limit_bytes: usize) {
        self.limit_bytes.store(limit_bytes, Ordering::Relaxed);
    }
}
