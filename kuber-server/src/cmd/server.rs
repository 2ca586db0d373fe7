//! Server commands: COMMAND, INFO, CONFIG, TIME, ROLE, LASTSAVE, SAVE, SHUTDOWN, STATUS.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is, text};
use super::connection::REDIS_VERSION;
use super::reply::{self, err};
use super::table::{self, COMMANDS, CommandSpec};
use crate::auth::Role;
use crate::store::RegionStats;
use crate::store::glob::glob_match;

fn command_info(spec: &CommandSpec) -> Frame {
    let category = if spec.has(table::WRITE) {
        "@write"
    } else if spec.has(table::READONLY) {
        "@read"
    } else {
        "@connection"
    };
    let mut categories = vec![Frame::simple(category)];
    if spec.has(table::FAST) {
        categories.push(Frame::simple("@fast"));
    }
    if spec.has(table::ADMIN) {
        categories.push(Frame::simple("@admin"));
        categories.push(Frame::simple("@dangerous"));
    }
    Frame::Array(vec![
        Frame::bulk(spec.name),
        Frame::Integer(spec.arity as i64),
        Frame::Set(spec.flag_names().into_iter().map(Frame::simple).collect()),
        Frame::Integer(spec.first_key as i64),
        Frame::Integer(spec.last_key as i64),
        Frame::Integer(spec.step as i64),
        Frame::Set(categories),
        Frame::Array(vec![]),
        Frame::Array(vec![]),
        Frame::Array(vec![]),
    ])
}

fn command_docs(spec: &CommandSpec) -> Frame {
    Frame::Map(vec![
        (Frame::bulk("summary"), Frame::bulk(spec.summary)),
        (Frame::bulk("since"), Frame::bulk("1.0.0")),
        (Frame::bulk("group"), Frame::bulk(spec.group)),
    ])
}

/// `COMMAND [COUNT | INFO name… | DOCS name… | LIST]`, answered from the command table.
pub(super) fn command(_: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() == 1 {
        return Frame::Array(COMMANDS.iter().map(|c| command_info(c)).collect());
    }
    let sub = &args[1];
    let named = |names: &[Bytes]| {
        names
            .iter()
            .map(|n| table::lookup(n).map(|i| COMMANDS[i]))
            .collect::<Vec<_>>()
    };
    if is(sub, "COUNT") && args.len() == 2 {
        Frame::Integer(COMMANDS.len() as i64)
    } else if is(sub, "INFO") {
        if args.len() == 2 {
            return Frame::Array(COMMANDS.iter().map(|c| command_info(c)).collect());
        }
        Frame::Array(
            named(&args[2..])
                .into_iter()
                .map(|c| c.map_or(Frame::NullArray, command_info))
                .collect(),
        )
    } else if is(sub, "DOCS") {
        let specs: Vec<&CommandSpec> = if args.len() == 2 {
            COMMANDS.iter().copied().collect()
        } else {
            named(&args[2..]).into_iter().flatten().collect()
        };
        Frame::Map(
            specs
                .into_iter()
                .map(|c| (Frame::bulk(c.name), command_docs(c)))
                .collect(),
        )
    } else if is(sub, "LIST") {
        Frame::Array(COMMANDS.iter().map(|c| Frame::bulk(c.name)).collect())
    } else {
        reply::unknown_subcommand("command", sub)
    }
}

fn region_totals(ctx: &Ctx<'_>) -> (RegionStats, usize, usize) {
    let mut total = RegionStats::default();
    let (mut keys, mut volatile) = (0, 0);
    for region in ctx.state.store.regions() {
        let ks = region.lock();
        let s = ks.stats;
        total.hits += s.hits;
        total.misses += s.misses;
        total.sets += s.sets;
        total.deletes += s.deletes;
        total.expired += s.expired;
        total.evicted += s.evicted;
        keys += ks.len();
        volatile += ks.volatile_len();
    }
    (total, keys, volatile)
}

/// INFO sections in Redis's order; `false` marks those left out of the default set (Redis shows
/// `commandstats` only for `all`, `everything` or by name).
const INFO_SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("commandstats", false),
    ("errorstats", true),
    ("keyspace", true),
    ("regions", true),
];

/// `INFO [section …]`
pub(super) fn info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let wanted: Vec<String> = args[1..]
        .iter()
        .map(|a| text(a).to_ascii_lowercase())
        .collect();
    let every = wanted.iter().any(|w| w == "all" || w == "everything");
    let defaults = wanted.is_empty() || every || wanted.iter().any(|w| w == "default");
    let mut out = String::new();
    for &(section, in_default) in INFO_SECTIONS {
        let chosen = (defaults && in_default) || every || wanted.iter().any(|w| w == section);
        if chosen {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            info_section(ctx, section, &mut out);
        }
    }
    Frame::Verbatim {
        format: *b"txt",
        text: Bytes::from(out),
    }
}

fn info_section(ctx: &Ctx<'_>, section: &str, out: &mut String) {
    let state = ctx.state;
    let config = &state.config.kuber;
    let uptime = state.started.elapsed().as_secs();
    match section {
        "server" => {
            out.push_str("# Server\r\n");
            kv(out, "redis_version", REDIS_VERSION);
            kv(out, "kuber_version", env!("CARGO_PKG_VERSION"));
            kv(out, "redis_mode", "standalone");
            kv(out, "os", std::env::consts::OS);
            kv(out, "arch_bits", 64);
            kv(out, "process_id", std::process::id());
            kv(out, "tcp_port", state.port.load(Ordering::Relaxed));
            kv(out, "uptime_in_seconds", uptime);
            kv(out, "uptime_in_days", uptime / 86_400);
        }
        "clients" => {
            out.push_str("# Clients\r\n");
            kv(out, "connected_clients", state.clients.len());
            kv(
                out,
                "maxclients",
                state.live.max_clients.load(Ordering::Relaxed),
            );
            kv(
                out,
                "blocked_clients",
                state.stats.blocked_clients.load(Ordering::Relaxed),
            );
        }
        "memory" => {
            let used = state.store.used_memory();
            out.push_str("# Memory\r\n");
            kv(out, "used_memory", used);
            kv(out, "used_memory_human", human_bytes(used));
            let max_memory = state.store.limits().max_memory;
            kv(out, "maxmemory", max_memory);
            kv(out, "maxmemory_human", human_bytes(max_memory));
            kv(out, "number_of_cached_scripts", state.scripts.cached());
            kv(out, "maxmemory_policy", policy_name(state));
        }
        "persistence" => {
            out.push_str("# Persistence\r\n");
            kv(out, "loading", 0);
            match state.persistence.get() {
                Some(p) => {
                    let status = p.status();
                    let info = p.info();
                    kv(out, "persistence_backend", info.name);
                    kv(out, "persistence_location", &info.location);
                    kv(out, "persistence_mode", mode_name(p.mode()));
                    kv(
                        out,
                        "persistence",
                        if p.is_degraded() { "degraded" } else { "ok" },
                    );
                    kv(out, "persistence_queue_depth", p.journal().depth());
                    kv(out, "persistence_flushes", status.flushes);
                    kv(out, "persistence_changes_written", status.changes_written);
                    kv(out, "persistence_errors", status.errors);
                    kv(out, "persistence_last_flush_time_ms", status.last_flush_ms);
                    kv(
                        out,
                        "persistence_last_flush_duration_ms",
                        status.last_flush_duration_ms,
                    );
                    kv(
                        out,
                        "persistence_last_flush_changes",
                        status.last_flush_changes,
                    );
                    kv(
                        out,
                        "persistence_last_error",
                        status.last_error.as_deref().unwrap_or(""),
                    );
                    kv(out, "rdb_changes_since_last_save", p.journal().depth());
                    kv(
                        out,
                        "rdb_last_save_time",
                        status.last_flush_ms.max(state.started_ms) / 1000,
                    );
                }
                None => {
                    kv(out, "persistence_backend", "memory");
                    kv(out, "persistence_mode", mode_name(config.persistence.mode));
                    kv(out, "persistence", "ok");
                    kv(out, "persistence_queue_depth", 0);
                    kv(out, "rdb_changes_since_last_save", 0);
                    kv(out, "rdb_last_save_time", state.started_ms / 1000);
                }
            }
            kv(out, "aof_enabled", 0);
        }
        "stats" => {
            let (totals, _, _) = region_totals(ctx);
            let stats = &state.stats;
            out.push_str("# Stats\r\n");
            kv(
                out,
                "total_connections_received",
                stats.connections_received.load(Ordering::Relaxed),
            );
            kv(
                out,
                "total_commands_processed",
                stats.commands_processed.load(Ordering::Relaxed),
            );
            kv(out, "total_error_replies", state.metrics.error_replies());
            kv(
                out,
                "rejected_connections",
                stats.rejected_connections.load(Ordering::Relaxed),
            );
            kv(out, "expired_keys", totals.expired);
            kv(out, "evicted_keys", totals.evicted);
            kv(out, "keyspace_hits", totals.hits);
            kv(out, "keyspace_misses", totals.misses);
            kv(
                out,
                "auth_failures",
                stats.auth_failures.load(Ordering::Relaxed),
            );
        }
        "replication" => {
            out.push_str("# Replication\r\n");
            kv(out, "role", "master");
            kv(out, "connected_slaves", 0);
            kv(out, "master_repl_offset", 0);
        }
        "cpu" => {
            out.push_str("# CPU\r\n");
            let [user, system, children_user, children_system] = cpu_seconds();
            kv(out, "used_cpu_sys", format!("{system:.6}"));
            kv(out, "used_cpu_user", format!("{user:.6}"));
            kv(
                out,
                "used_cpu_sys_children",
                format!("{children_system:.6}"),
            );
            kv(out, "used_cpu_user_children", format!("{children_user:.6}"));
        }
        "commandstats" => {
            out.push_str("# Commandstats\r\n");
            for (i, spec) in COMMANDS.iter().enumerate() {
                let m = state.metrics.since_reset(i);
                if m.calls + m.rejected == 0 {
                    continue;
                }
                let per_call = if m.calls == 0 {
                    0.0
                } else {
                    m.usec as f64 / m.calls as f64
                };
                kv(
                    out,
                    &format!("cmdstat_{}", spec.name),
                    format!(
                        "calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                        m.calls, m.usec, m.rejected, m.failed
                    ),
                );
            }
        }
        "errorstats" => {
            out.push_str("# Errorstats\r\n");
            for (code, count) in state.metrics.error_codes() {
                kv(out, &format!("errorstat_{code}"), format!("count={count}"));
            }
        }
        "keyspace" => {
            out.push_str("# Keyspace\r\n");
            for region in state.store.regions() {
                let db = match region.name() {
                    crate::store::DEFAULT_REGION => Some(0),
                    name => name.strip_prefix("db").and_then(|n| n.parse::<u64>().ok()),
                };
                let ks = region.lock();
                if let Some(db) = db.filter(|_| !ks.is_empty()) {
                    kv(
                        out,
                        &format!("db{db}"),
                        format!("keys={},expires={},avg_ttl=0", ks.len(), ks.volatile_len()),
                    );
                }
            }
        }
        "regions" => {
            out.push_str("# Regions\r\n");
            for region in state.store.regions() {
                let ks = region.lock();
                let s = ks.stats;
                kv(
                    out,
                    &format!("region_{}", region.name()),
                    format!(
                        "keys={},expires={},memory={},hits={},misses={},sets={},deletes={},expired={},evicted={}",
                        ks.len(),
                        ks.volatile_len(),
                        ks.memory(),
                        s.hits,
                        s.misses,
                        s.sets,
                        s.deletes,
                        s.expired,
                        s.evicted
                    ),
                );
            }
        }
        _ => {}
    }
}

/// A Redis memory value: bytes with an optional unit (`k`/`m`/`g` are powers of 1000, `kb`/`mb`/`gb`
/// powers of 1024, any case), as `CONFIG SET maxmemory` takes it.
fn parse_memory(arg: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(arg).ok()?.to_ascii_lowercase();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let multiplier: u64 = match &text[digits.len()..] {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// CPU seconds used by this process and its waited-for children (user, system, children user,
/// children system), from `/proc/self/stat` in clock ticks of 1/100 s (Linux's `USER_HZ`).
fn cpu_seconds() -> [f64; 4] {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14–17 of the line, 12–15 after the name.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    [tick(11), tick(12), tick(13), tick(14)]
}

fn kv(out: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{key}:{value}\r\n");
}

fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.2}{}", UNITS[unit])
}

/// Parameters CONFIG GET knows, with their current values.
fn config_params(ctx: &Ctx<'_>) -> Vec<(&'static str, String)> {
    let state = ctx.state;
    let config = &state.config.kuber;
    vec![
        ("bind", config.server.bind.clone()),
        ("port", state.port.load(Ordering::Relaxed).to_string()),
        (
            "maxclients",
            state.live.max_clients.load(Ordering::Relaxed).to_string(),
        ),
        (
            "timeout",
            state
                .live
                .idle_timeout_secs
                .load(Ordering::Relaxed)
                .to_string(),
        ),
        (
            "proto-max-bulk-len",
            state
                .live
                .proto_max_bulk_len
                .load(Ordering::Relaxed)
                .to_string(),
        ),
        ("maxmemory", ctx.state.store.limits().max_memory.to_string()),
        ("maxmemory-policy", policy_name(ctx.state).into()),
        (
            "notify-keyspace-events",
            crate::notify::flags_to_string(
                state.live.notify_keyspace_events.load(Ordering::Relaxed),
            ),
        ),
        (
            "stream-node-max-entries",
            state
                .live
                .stream_node_max_entries
                .load(Ordering::Relaxed)
                .to_string(),
        ),
        ("databases", "16".into()),
        (
            "busy-reply-threshold",
            state
                .scripts
                .time_limit_ms
                .load(Ordering::Relaxed)
                .to_string(),
        ),
        (
            "lua-time-limit",
            state
                .scripts
                .time_limit_ms
                .load(Ordering::Relaxed)
                .to_string(),
        ),
        ("save", String::new()),
        ("appendonly", "no".into()),
    ]
}

/// `CONFIG GET pattern… | SET name value… | RESETSTAT | HELP`
pub(super) fn config(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    if is(sub, "GET") && args.len() >= 3 {
        let params = config_params(ctx);
        let mut pairs = Vec::new();
        for (name, value) in &params {
            if args[2..]
                .iter()
                .any(|p| glob_match(&p.to_ascii_lowercase(), name.as_bytes()))
            {
                pairs.push((Frame::bulk(*name), Frame::bulk(value.clone())));
            }
        }
        Frame::Map(pairs)
    } else if is(sub, "SET") && args.len() >= 4 && args.len().is_multiple_of(2) {
        if ctx.role() != Role::Admin {
            return ctx.noperm("config|set");
        }
        for pair in args[2..].chunks(2) {
            let name = text(&pair[0]).to_ascii_lowercase();
            let live = &ctx.state.live;
            let number = || {
                int(&pair[1])
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| reply::config_not_integer(&name))
            };
            match name.as_str() {
                "maxclients" => match number() {
                    Ok(n) if n > 0 => live.max_clients.store(n as usize, Ordering::Relaxed),
                    Ok(_) => return reply::config_out_of_range("maxclients", 1, 4294967295),
                    Err(e) => return e,
                },
                "timeout" => match number() {
                    Ok(n) => live.idle_timeout_secs.store(n as u64, Ordering::Relaxed),
                    Err(e) => return e,
                },
                "stream-node-max-entries" => match number() {
                    Ok(n) => live
                        .stream_node_max_entries
                        .store(n as u64, Ordering::Relaxed),
                    Err(e) => return e,
                },
                "notify-keyspace-events" => match crate::notify::parse_flags(&pair[1]) {
                    Some(flags) => {
                        live.notify_keyspace_events.store(flags, Ordering::Relaxed);
                        ctx.state.refresh_keyspace_events();
                    }
                    None => {
                        return reply::config_invalid(&name, crate::notify::INVALID_FLAGS);
                    }
                },
                // Two names for one setting, as in Redis 7.
                "busy-reply-threshold" | "lua-time-limit" => match number() {
                    Ok(n) => ctx
                        .state
                        .scripts
                        .time_limit_ms
                        .store(n as u64, Ordering::Relaxed),
                    Err(e) => return e,
                },
                "maxmemory-policy" => {
                    let policy = text(&pair[1]).to_ascii_lowercase();
                    match policy.as_str() {
                        "noeviction" => ctx.state.store.set_noeviction(true),
                        "allkeys-lru" => ctx.state.store.set_noeviction(false),
                        _ => {
                            return reply::config_invalid(
                                &name,
                                "Kuber supports the policies noeviction and allkeys-lru",
                            );
                        }
                    }
                }
                "maxmemory" => match parse_memory(&pair[1]) {
                    Some(bytes) => ctx.state.store.set_max_memory(bytes),
                    None => return reply::config_not_memory(&name),
                },
                "proto-max-bulk-len" => match number() {
                    Ok(n) if n >= 1024 => {
                        live.proto_max_bulk_len.store(n as u64, Ordering::Relaxed)
                    }
                    Ok(_) => {
                        return reply::config_out_of_range("proto-max-bulk-len", 1024, i64::MAX);
                    }
                    Err(e) => return e,
                },
                // Lenient, as documented: parameters Kuber does not have are accepted and ignored so
                // that tools which tune Redis settings keep working.
                _ => {
                    tracing::debug!(param = %name, "CONFIG SET of an unsupported parameter ignored")
                }
            }
        }
        Frame::ok()
    } else if is(sub, "RESETSTAT") && args.len() == 2 {
        if ctx.role() != Role::Admin {
            return ctx.noperm("config|resetstat");
        }
        for region in ctx.state.store.regions() {
            region.lock().stats = RegionStats::default();
        }
        ctx.state.metrics.reset_stats();
        let stats = &ctx.state.stats;
        for counter in [
            &stats.commands_processed,
            &stats.connections_received,
            &stats.rejected_connections,
            &stats.auth_failures,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        Frame::ok()
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(
            [
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "SET <directive> <value>",
                "RESETSTAT",
                "HELP",
            ]
            .iter()
            .map(|l| Frame::simple(l))
            .collect(),
        )
    } else if ["GET", "SET", "RESETSTAT", "HELP"]
        .iter()
        .any(|s| is(sub, s))
    {
        reply::wrong_arity(&format!("config|{}", text(sub).to_ascii_lowercase()))
    } else {
        reply::unknown_subcommand("config", sub)
    }
}

pub(super) fn time(_: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Frame::Array(vec![
        Frame::bulk(now.as_secs().to_string()),
        Frame::bulk(now.subsec_micros().to_string()),
    ])
}

pub(super) fn role(_: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    Frame::Array(vec![
        Frame::bulk("master"),
        Frame::Integer(0),
        Frame::Array(vec![]),
    ])
}

/// The current `maxmemory-policy` in Redis's words.
fn policy_name(state: &crate::state::ServerState) -> &'static str {
    if state.store.limits().noeviction {
        crate::config::EvictionPolicy::Noeviction.as_str()
    } else {
        crate::config::EvictionPolicy::AllkeysLru.as_str()
    }
}

/// `CLUSTER …`: Kuber has no Redis Cluster mode; every subcommand answers as a Redis started
/// without `cluster-enabled`, so clients that probe for a cluster learn there is none.
pub(super) fn cluster(_: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    err("ERR This instance has cluster support disabled")
}

pub(super) fn lastsave(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    Frame::Integer((ctx.state.started_ms / 1000) as i64)
}

/// SAVE/BGSAVE: with the in-memory store there is nothing pending to flush.
/// SAVE / BGSAVE: force a flush of the persistence journal. SAVE's reply waits for it (the
/// dispatcher does the waiting, see `cmd::durability`); BGSAVE only starts it.
pub(super) fn save(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if let Some(p) = ctx.state.persistence.get() {
        p.journal().request_flush();
    }
    if is(&args[0], "BGSAVE") {
        Frame::simple("Background saving started")
    } else {
        Frame::ok()
    }
}

/// SHUTDOWN: starts a graceful shutdown; like Redis, the caller gets no reply, the connection closes.
pub(super) fn shutdown(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    for a in &args[1..] {
        if !["NOSAVE", "SAVE", "NOW", "FORCE", "ABORT"]
            .iter()
            .any(|k| is(a, k))
        {
            return err(reply::SYNTAX);
        }
        if is(a, "ABORT") {
            return err(reply::NO_SHUTDOWN);
        }
    }
    tracing::info!(user = ?ctx.session.identity.as_ref().map(|i| i.username.clone()), "SHUTDOWN requested");
    // A running script (SHUTDOWN is served while one is busy) stops rather than hold shutdown up.
    ctx.state.scripts.kill_for_shutdown();
    ctx.state.trigger_shutdown();
    ctx.session.close_without_reply = true;
    Frame::ok()
}

/// DEBUG: Redis's internal debugging hooks do not exist in Kuber; every subcommand answers a clear
/// error (test harnesses probe them), except the no-op `DEBUG SLEEP 0`.
pub(super) fn debug(_: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() == 3 && is(&args[1], "SLEEP") && args[2].as_ref() == b"0" {
        return Frame::ok();
    }
    reply::debug_unsupported(&args[1])
}

/// `MEMORY USAGE key [SAMPLES n]` (bytes Kuber counts for the key, nil if missing) and `MEMORY HELP`.
pub(super) fn memory(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    if is(sub, "USAGE") && (args.len() == 3 || (args.len() == 5 && is(&args[3], "SAMPLES"))) {
        if args.len() == 5 && int(&args[4]).is_err() {
            return err(reply::NOT_INTEGER);
        }
        let mut ks = ctx.session.region.lock();
        ks.peek(&args[2], ctx.now)
            .map_or(Frame::Null, |e| Frame::Integer(e.memory_bytes() as i64))
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(
            [
                "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "USAGE <key> [SAMPLES <count>]",
                "HELP",
            ]
            .iter()
            .map(|l| Frame::simple(l))
            .collect(),
        )
    } else if is(sub, "USAGE") {
        err(reply::SYNTAX)
    } else {
        reply::unknown_subcommand("memory", sub)
    }
}

fn mode_name(mode: crate::config::PersistenceMode) -> &'static str {
    match mode {
        crate::config::PersistenceMode::WriteBehind => "write-behind",
        crate::config::PersistenceMode::WriteThrough => "write-through",
    }
}

/// The `persistence` member of STATUS and `/api/v1/status`.
pub fn persistence_status(state: &crate::state::ServerState) -> serde_json::Value {
    let Some(p) = state.persistence.get() else {
        return serde_json::json!({
            "backend": "memory",
            "mode": mode_name(state.config.kuber.persistence.mode),
            "status": "ok",
            "queueDepth": 0,
        });
    };
    let status = p.status();
    let info = p.info();
    serde_json::json!({
        "backend": info.name,
        "location": info.location,
        "mode": mode_name(p.mode()),
        "status": if p.is_degraded() { "degraded" } else { "ok" },
        "queueDepth": p.journal().depth(),
        "flushes": status.flushes,
        "changesWritten": status.changes_written,
        "errors": status.errors,
        "lastFlushMs": status.last_flush_ms,
        "lastFlushDurationMs": status.last_flush_duration_ms,
        "lastError": status.last_error,
    })
}

/// STATUS: readiness and health as JSON (the same document `/api/v1/status` will serve).
pub(super) fn status(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    let (_, keys, _) = region_totals(ctx);
    let state = ctx.state;
    let doc = serde_json::json!({
        "status": if state.is_shutting_down() { "shutting-down" } else { "ok" },
        "ready": true,
        "version": env!("CARGO_PKG_VERSION"),
        "role": "primary",
        "uptimeSeconds": state.started.elapsed().as_secs(),
        "regions": state.store.region_names().len(),
        "keys": keys,
        "clients": state.clients.len(),
        "usedMemory": state.store.used_memory(),
        "persistence": persistence_status(state),
    });
    Frame::Bulk(Bytes::from(doc.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn command_is_answered_from_the_table() {
        let s = server();
        let mut c = s.client(Role::Reader);
        assert_eq!(
            c.run("COMMAND COUNT").await,
            format!(":{}\r\n", super::COMMANDS.len())
        );
        let info = c.run("COMMAND INFO get nosuch").await;
        assert!(
            info.starts_with(
                "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            ),
            "{info}"
        );
        assert!(info.ends_with("*-1\r\n"), "{info}");
        let docs = c.run("COMMAND DOCS set").await;
        assert!(
            docs.starts_with("*2\r\n$3\r\nset\r\n*6\r\n$7\r\nsummary\r\n"),
            "{docs}"
        );
        assert!(c.run("COMMAND LIST").await.contains("$7\r\nrcreate\r\n"));
        assert!(
            c.run("COMMAND")
                .await
                .starts_with(&format!("*{}\r\n", super::COMMANDS.len()))
        );
        assert_eq!(
            c.run("COMMAND NOPE").await,
            "-ERR unknown subcommand 'NOPE'. Try COMMAND HELP.\r\n"
        );
    }

    #[tokio::test]
    async fn commandstats_and_errorstats_tell_rejected_from_failed() {
        let s = server();
        let mut c = s.client(Role::User);
        let mut admin = s.client(Role::Admin);
        c.run("SET s v").await;
        assert!(c.run("LPUSH s x").await.starts_with("-WRONGTYPE"));
        assert!(c.run("LPUSH").await.starts_with("-ERR wrong number"));
        assert!(c.run("FLUSHALL").await.starts_with("-NOPERM"));
        c.run("MULTI").await;
        c.run("INCR s").await;
        c.run("SET s 1").await;
        // One error inside EXEC's reply counts as one more error reply.
        assert!(c.run("EXEC").await.contains("-ERR value is not an integer"));
        let stats = c.run("INFO commandstats").await;
        assert!(
            stats.contains("cmdstat_lpush:calls=1,")
                && stats.contains(",rejected_calls=1,failed_calls=1\r\n"),
            "{stats}"
        );
        assert!(
            stats.contains("cmdstat_flushall:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,"),
            "{stats}"
        );
        let errors = c.run("INFO errorstats").await;
        for line in [
            "errorstat_ERR:count=2",
            "errorstat_NOPERM:count=1",
            "errorstat_WRONGTYPE:count=1",
        ] {
            assert!(errors.contains(line), "{line} in {errors}");
        }
        assert!(
            c.run("INFO stats")
                .await
                .contains("total_error_replies:4\r\n")
        );
        // RESETSTAT starts INFO's counts again; /metrics keeps counting.
        assert_eq!(admin.run("CONFIG RESETSTAT").await, "+OK\r\n");
        assert!(!c.run("INFO commandstats").await.contains("cmdstat_lpush"));
        assert!(!c.run("INFO errorstats").await.contains("errorstat_"));
        assert!(
            c.run("INFO stats")
                .await
                .contains("total_error_replies:0\r\n")
        );
        let mut text = String::new();
        s.state
            .metrics
            .render(&mut text, |i| crate::cmd::table::COMMANDS[i].name);
        assert!(
            text.contains("kuber_commands_total{command=\"lpush\",result=\"error\"} 2"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn info_sections() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("SET k v EX 100").await;
        c.run("GET k").await;
        let all = c.run("INFO").await;
        for section in [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# Keyspace",
            "# Regions",
        ] {
            assert!(all.contains(section), "{section} missing");
        }
        assert!(all.contains("redis_version:7.0.15\r\n"));
        assert!(all.contains("db0:keys=1,expires=1,avg_ttl=0\r\n"));
        assert!(all.contains("keyspace_hits:1\r\n"));
        let one = c.run("INFO keyspace").await;
        assert!(one.contains("# Keyspace") && !one.contains("# Server"));
        let two = c.run("INFO SERVER clients").await;
        assert!(two.contains("# Server") && two.contains("# Clients") && !two.contains("# Memory"));
        // commandstats only with all/everything or by name; cpu in the default set.
        assert!(all.contains("used_cpu_user:") && !all.contains("cmdstat_"));
        let stats = c.run("INFO commandSTATS").await;
        assert!(
            stats.contains("cmdstat_set:calls=1,")
                && stats.contains(",rejected_calls=0,failed_calls=0\r\n"),
            "{stats}"
        );
        assert!(!stats.contains("used_memory"));
        let every = c.run("INFO cpu all").await;
        assert_eq!(
            every.matches("used_cpu_user_children").count(),
            1,
            "each section once"
        );
        assert!(every.contains("cmdstat_get:") && every.contains("used_memory:"));
        assert!(!c.run("INFO cpu default").await.contains("cmdstat_"));
    }

    #[tokio::test]
    async fn noeviction_refuses_writes_past_maxmemory_and_evicts_nothing() {
        const OOM: &str = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
        let s = server();
        let mut admin = s.client(Role::Admin);
        let mut c = s.client(Role::User);
        assert!(
            admin
                .run("INFO memory")
                .await
                .contains("maxmemory_policy:allkeys-lru\r\n")
        );
        assert_eq!(
            admin.run("CONFIG SET maxmemory-policy volatile-ttl").await,
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - Kuber supports the policies noeviction and allkeys-lru\r\n"
        );
        assert_eq!(
            admin.run("CONFIG SET maxmemory-policy NoEviction").await,
            "+OK\r\n"
        );
        assert_eq!(
            admin.run("CONFIG GET maxmemory-policy").await,
            "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"
        );
        for i in 0..100 {
            c.run(&format!("SET key{i} {}", "v".repeat(100))).await;
        }
        c.run("MULTI").await;
        assert_eq!(c.run("SET queued-before 1").await, "+QUEUED\r\n");
        assert_eq!(admin.run("CONFIG SET maxmemory 1000").await, "+OK\r\n");
        // EXEC of a queue that adds data is refused, and the transaction is gone.
        assert_eq!(
            c.run("EXEC").await,
            "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n"
        );
        assert_eq!(c.run("SET more data").await, OOM);
        assert!(
            c.run("EVAL \"return redis.call('set', 'x', 'y')\" 0")
                .await
                .starts_with("-OOM")
        );
        // Reads and deletions still run; nothing was evicted.
        assert_eq!(c.run("DBSIZE").await, ":100\r\n");
        assert!(c.run("GET key1").await.starts_with("$100\r\n"));
        assert_eq!(c.run("DEL key1").await, ":1\r\n");
        // Inside MULTI nothing but transaction control may be queued.
        c.run("MULTI").await;
        assert_eq!(c.run("GET key2").await, OOM);
        assert!(
            c.run("EXEC")
                .await
                .starts_with("-EXECABORT Transaction discarded because of previous errors")
        );
        assert!(
            admin
                .run("INFO memory")
                .await
                .contains("maxmemory_policy:noeviction\r\n")
        );
        // Back to a cache: the next write evicts down to the bound.
        assert_eq!(
            admin.run("CONFIG SET maxmemory-policy allkeys-lru").await,
            "+OK\r\n"
        );
        assert_eq!(c.run("SET more data").await, "+OK\r\n");
        assert!(s.state.store.used_memory() <= 1000);
        assert_eq!(admin.run("CONFIG SET maxmemory 0").await, "+OK\r\n");
    }

    #[tokio::test]
    async fn noeviction_comes_from_the_configuration() {
        let mut config = crate::config::Config::default();
        config.kuber.cache.max_memory = 1;
        config.kuber.cache.eviction_policy = crate::config::EvictionPolicy::Noeviction;
        let s = crate::cmd::testing::server_with(config);
        let mut c = s.client(Role::User);
        assert_eq!(c.run("SET first x").await, "+OK\r\n");
        assert!(c.run("SET second x").await.starts_with("-OOM "));
        assert_eq!(c.run("GET first").await, "$1\r\nx\r\n");
    }

    #[tokio::test]
    async fn config_set_maxmemory_takes_memory_units_and_evicts() {
        let s = server();
        let mut admin = s.client(Role::Admin);
        assert_eq!(admin.run("CONFIG SET maxmemory 1mb").await, "+OK\r\n");
        assert_eq!(
            admin.run("CONFIG GET maxmemory").await,
            "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n"
        );
        assert_eq!(
            admin.run("CONFIG SET maxmemory bla").await,
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"
        );
        // Inside MULTI the failure is the command's own reply at EXEC; the rest still runs.
        assert_eq!(admin.run("MULTI").await, "+OK\r\n");
        assert_eq!(admin.run("SET foo bar").await, "+QUEUED\r\n");
        assert_eq!(admin.run("CONFIG SET maxmemory 2x").await, "+QUEUED\r\n");
        let exec = admin.run("EXEC").await;
        assert!(
            exec.starts_with("*2\r\n+OK\r\n-ERR CONFIG SET failed"),
            "{exec}"
        );
        // A small bound evicts on the next write.
        for i in 0..200 {
            admin.run(&format!("SET key{i} {}", "v".repeat(100))).await;
        }
        assert_eq!(admin.run("CONFIG SET maxmemory 5000").await, "+OK\r\n");
        admin.run("SET trigger x").await;
        assert!(s.state.store.used_memory() <= 5000);
        assert_eq!(admin.run("CONFIG SET maxmemory 0").await, "+OK\r\n");
    }

    #[tokio::test]
    async fn config_get_set_is_lenient_and_admin_only_for_set() {
        let s = server();
        let mut user = s.client(Role::User);
        assert_eq!(
            user.run("CONFIG GET save").await,
            "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
        );
        assert_eq!(
            user.run("CONFIG GET appendonly").await,
            "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
        );
        assert_eq!(user.run("CONFIG GET nosuchparam").await, "*0\r\n");
        assert!(user.run("CONFIG GET max*").await.contains("maxclients"));
        assert_eq!(
            user.run("CONFIG SET timeout 5").await,
            "-NOPERM User app has no permissions to run the 'config|set' command\r\n"
        );
        let mut admin = s.client(Role::Admin);
        assert_eq!(
            admin
                .run("CONFIG SET timeout 5 maxclients 7 some-redis-only-setting yes")
                .await,
            "+OK\r\n"
        );
        assert_eq!(
            admin.run("CONFIG GET timeout").await,
            "*2\r\n$7\r\ntimeout\r\n$1\r\n5\r\n"
        );
        assert_eq!(
            admin.run("CONFIG GET maxclients").await,
            "*2\r\n$10\r\nmaxclients\r\n$1\r\n7\r\n"
        );
        assert_eq!(
            admin.run("CONFIG SET maxclients x").await,
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"
        );
        assert_eq!(
            admin.run("CONFIG SET timeout").await,
            "-ERR wrong number of arguments for 'config|set' command\r\n"
        );
        assert_eq!(admin.run("CONFIG RESETSTAT").await, "+OK\r\n");
        assert_eq!(
            admin.run("CONFIG NOPE").await,
            "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n"
        );
        admin.resp3();
        assert_eq!(
            admin.run("CONFIG GET timeout").await,
            "%1\r\n$7\r\ntimeout\r\n$1\r\n5\r\n"
        );
    }

    #[tokio::test]
    async fn small_server_commands() {
        let s = server();
        let mut admin = s.client(Role::Admin);
        let time = admin.run("TIME").await;
        assert!(time.starts_with("*2\r\n$10\r\n"), "{time}");
        assert_eq!(
            admin.run("ROLE").await,
            "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"
        );
        assert_eq!(
            admin.run("CLUSTER INFO").await,
            "-ERR This instance has cluster support disabled\r\n"
        );
        for line in ["CLUSTER SLOTS", "CLUSTER RESET HARD"] {
            assert_eq!(
                admin.run(line).await,
                "-ERR This instance has cluster support disabled\r\n"
            );
        }
        assert!(
            admin
                .run("EVAL \"return redis.pcall('cluster', 'reset', 'hard')['err']\" 0")
                .await
                .contains("command is not allowed from script")
        );
        assert_eq!(
            admin.run("LASTSAVE").await,
            format!(":{}\r\n", s.state.started_ms / 1000)
        );
        assert_eq!(admin.run("SAVE").await, "+OK\r\n");
        assert_eq!(admin.run("BGSAVE").await, "+Background saving started\r\n");
        let status = admin.run("STATUS").await;
        assert!(
            status.contains("\"ready\":true") && status.contains("\"status\":\"ok\""),
            "{status}"
        );
        assert_eq!(admin.run("DEBUG SLEEP 0").await, "+OK\r\n");
        admin.run("SET sized 12345").await;
        assert_eq!(admin.run("MEMORY USAGE sized").await, ":74\r\n");
        assert_eq!(admin.run("MEMORY USAGE sized SAMPLES 0").await, ":74\r\n");
        assert_eq!(admin.run("MEMORY USAGE nope").await, "$-1\r\n");
        assert_eq!(
            admin.run("MEMORY USAGE sized x").await,
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            admin.run("MEMORY DOCTOR").await,
            "-ERR unknown subcommand 'DOCTOR'. Try MEMORY HELP.\r\n"
        );
        assert_eq!(
            admin.run("DEBUG RELOAD").await,
            "-ERR DEBUG RELOAD is not supported by Kuber\r\n"
        );
        let mut user = s.client(Role::User);
        assert_eq!(
            user.run("SHUTDOWN").await,
            "-NOPERM User app has no permissions to run the 'shutdown' command\r\n"
        );
        assert_eq!(admin.run("SHUTDOWN BOGUS").await, "-ERR syntax error\r\n");
        admin.run("SHUTDOWN NOSAVE").await;
        assert!(admin.session.close_without_reply);
        assert!(s.state.is_shutting_down());
    }

    #[tokio::test]
    async fn readers_cannot_write() {
        let s = server();
        let mut reader = s.client(Role::Reader);
        assert_eq!(
            reader.run("SET k v").await,
            "-NOPERM User reader has no permissions to run the 'set' command\r\n"
        );
        assert_eq!(
            reader.run("DEL k").await,
            "-NOPERM User reader has no permissions to run the 'del' command\r\n"
        );
        assert_eq!(reader.run("GET k").await, "$-1\r\n");
        assert_eq!(
            reader.run("FLUSHALL").await,
            "-NOPERM User reader has no permissions to run the 'flushall' command\r\n"
        );
    }
}
