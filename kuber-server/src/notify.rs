//! Keyspace notifications: Redis's `notify-keyspace-events` classes (parsing and printing the flag
//! letters), the events a keyspace records, and their publication on Redis's
//! `__keyspace@<db>__:<key>` / `__keyevent@<db>__:<event>` channels and on Kuber's own
//! `__kuber__:<region>:<event>` channels.
//!
//! Recording is switched by one mask shared with every keyspace (see
//! [`crate::state::ServerState::refresh_keyspace_events`]): the Redis classes enabled while someone
//! subscribes to anything, plus [`KUBER`] while someone subscribes to `__kuber__` channels. With the
//! mask at zero a write costs one atomic load and records nothing.

use bytes::Bytes;

use crate::pubsub::PubSub;

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: type-independent commands (DEL, EXPIRE, RENAME …).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted-set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: a key removed because its TTL passed.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: a key removed to respect a memory or entry limit.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands (Kuber has no streams; accepted so that Redis configurations load).
pub const STREAM: u32 = 1 << 10;
/// `m`: key misses (accepted; Kuber does not emit them, as Redis does not by default).
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module events (accepted; Kuber has no modules).
pub const MODULE: u32 = 1 << 13;
/// `n`: a key created.
pub const NEW: u32 = 1 << 14;
/// `A`: Redis's alias for `g$lshzxetd` (not `m` nor `n`).
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
/// Not a Redis class: someone subscribes to `__kuber__` channels.
pub const KUBER: u32 = 1 << 20;
/// Classes whose events change a value in place, reported on `__kuber__` as `set`.
const DATA: u32 = STRING | LIST | SET | HASH | ZSET;

/// Redis's error text for a flag string with an unknown letter.
pub const INVALID_FLAGS: &str = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/// The flags of a `notify-keyspace-events` value, `None` when a letter is unknown (Redis 7.0's
/// `keyspaceEventsStringToFlags`).
pub fn parse_flags(value: &[u8]) -> Option<u32> {
    value.iter().try_fold(0, |flags, letter| {
        let class = match letter {
            b'A' => ALL,
            b'g' => GENERIC,
            b'$' => STRING,
            b'l' => LIST,
            b's' => SET,
            b'h' => HASH,
            b'z' => ZSET,
            b'x' => EXPIRED,
            b'e' => EVICTED,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b't' => STREAM,
            b'm' => KEY_MISS,
            b'd' => MODULE,
            b'n' => NEW,
            _ => return None,
        };
        Some(flags | class)
    })
}

/// The canonical flag string CONFIG GET shows (Redis 7.0's `keyspaceEventsFlagsToString`: `A` when
/// every class of `A` is on, and then — as in Redis — `n` is not shown even when set).
pub fn flags_to_string(flags: u32) -> String {
    let mut out = String::new();
    if flags & ALL == ALL {
        out.push('A');
    } else {
        for (class, letter) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & class != 0 {
                out.push(letter);
            }
        }
    }
    for (class, letter) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & class != 0 {
            out.push(letter);
        }
    }
    out
}

/// The Redis database number of a region: `SELECT 0` is `default` and `SELECT n` is `db<n>`.
/// Other regions (created with RCREATE and entered by name) have no number, so only their
/// `__kuber__` events are published.
pub fn db_number(region: &str) -> Option<u64> {
    if region == crate::store::DEFAULT_REGION {
        return Some(0);
    }
    let n: u64 = region.strip_prefix("db")?.parse().ok()?;
    // `db05` or `db0` is not what `SELECT` names, so it is not that database.
    (n > 0 && format!("db{n}") == region).then_some(n)
}

/// One change recorded by a keyspace, waiting to be published after the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    /// Event name (`set`, `lpush`, `expired` …).
    pub name: &'static str,
    /// The key it happened to.
    pub key: Bytes,
    /// The Redis class it belongs to, 0 when it is only a `__kuber__` event.
    pub class: u32,
    /// Published on `__kuber__:<region>:<name>`.
    pub kuber: bool,
}

/// Appends the events `mask` asks for: the Redis event when its class is enabled, and its
/// `__kuber__` counterpart while `__kuber__` is listened to — a data-type change is a `set`, a `del`
/// or a RENAME's source (`rename_from`) a `del` — unless the keyspace already recorded that
/// `__kuber__` event for the key in this command (a stored value records `set` itself, a command's
/// delete `del`).
pub(crate) fn record(
    events: &mut Vec<KeyEvent>,
    mask: u32,
    class: u32,
    name: &'static str,
    key: &[u8],
) {
    let redis = mask & class != 0;
    let kuber = if mask & KUBER == 0 {
        None
    } else if class & DATA != 0 {
        Some("set")
    } else if class == GENERIC && matches!(name, "del" | "rename_from") {
        Some("del")
    } else {
        None
    }
    .filter(|k| {
        !events
            .iter()
            .any(|e| e.kuber && e.name == *k && e.key == key)
    });
    if redis {
        events.push(KeyEvent {
            name,
            key: Bytes::copy_from_slice(key),
            class,
            kuber: false,
        });
    }
    if let Some(name) = kuber {
        events.push(KeyEvent {
            name,
            key: Bytes::copy_from_slice(key),
            class: 0,
            kuber: true,
        });
    }
}

/// Publishes the events `region` recorded: `__kuber__` ones always, Redis ones when `flags` (the
/// `notify-keyspace-events` setting) still enables their class and the region has a database
/// number. The keyspace channel comes before the keyevent one, as in Redis.
pub fn publish(pubsub: &PubSub, region: &str, flags: u32, events: Vec<KeyEvent>) {
    let db = db_number(region);
    for event in events {
        if event.kuber {
            let channel = format!("__kuber__:{region}:{}", event.name);
            pubsub.publish(channel.as_bytes(), &event.key);
        }
        let Some(db) = db.filter(|_| flags & event.class != 0) else {
            continue;
        };
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(&event.key);
            pubsub.publish(&channel, event.name.as_bytes());
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{}", event.name);
            pubsub.publish(channel.as_bytes(), &event.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_as_redis_prints_them() {
        let shown = |s: &str| flags_to_string(parse_flags(s.as_bytes()).unwrap());
        assert_eq!(shown("gKE"), "gKE");
        assert_eq!(shown("$lshzxeKE"), "$lshzxeKE");
        assert_eq!(shown("KA"), "AK");
        assert_eq!(shown("EA"), "AE");
        assert_eq!(shown("Egn"), "gnE");
        assert_eq!(shown("KEm"), "KEm");
        assert_eq!(shown(""), "");
        assert_eq!(parse_flags(b"KEw"), None);
        assert_eq!(parse_flags(b"k"), None);
    }

    #[test]
    fn database_numbers_follow_select() {
        assert_eq!(db_number("default"), Some(0));
        assert_eq!(db_number("db9"), Some(9));
        assert_eq!(db_number("db0"), None);
        assert_eq!(db_number("db09"), None);
        assert_eq!(db_number("users"), None);
    }
}
