//! `/health` (liveness, no authentication) and `/metrics` (Prometheus text format).

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::state::ServerState;

/// Liveness: 200 while the process serves, 503 once it is shutting down.
pub async fn health(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
    if state.is_shutting_down() {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "shutting-down"})),
        )
    } else {
        (
            axum::http::StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
    }
}

/// Prometheus metrics. Like Redis's INFO it is readable without a login on the HTTP port, so that
/// scrapers need no credentials; it shows counts, never keys or values.
pub async fn metrics(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
    let mut out = String::with_capacity(16 * 1024);
    state
        .metrics
        .render(&mut out, |i| crate::cmd::table::COMMANDS[i].name);
    let gauge = |out: &mut String, name: &str, help: &str, value: f64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    };
    gauge(
        &mut out,
        "kuber_connected_clients",
        "Connected RESP clients.",
        state.clients.len() as f64,
    );
    gauge(
        &mut out,
        "kuber_used_memory_bytes",
        "Bytes of keys and values counted against max_memory.",
        state.store.used_memory() as f64,
    );
    gauge(
        &mut out,
        "kuber_blocked_clients",
        "Clients waiting in a blocking command.",
        state.stats.blocked_clients.load(Ordering::Relaxed) as f64,
    );
    gauge(
        &mut out,
        "kuber_uptime_seconds",
        "Seconds since start.",
        state.started.elapsed().as_secs_f64(),
    );
    gauge(
        &mut out,
        "kuber_replication_role",
        "1 for primary (replication is not enabled on this node).",
        1.0,
    );
    let _ = writeln!(
        out,
        "# HELP kuber_connections_received_total Connections accepted.\n# TYPE kuber_connections_received_total counter\nkuber_connections_received_total {}",
        state.stats.connections_received.load(Ordering::Relaxed)
    );
    let regions = state.store.regions();
    let per_region: [(&str, &str, &str); 5] = [
        ("kuber_region_keys", "gauge", "Keys in the region."),
        (
            "kuber_region_memory_bytes",
            "gauge",
            "Bytes counted for the region.",
        ),
        (
            "kuber_region_hits_total",
            "counter",
            "Reads that found their key.",
        ),
        (
            "kuber_region_misses_total",
            "counter",
            "Reads that did not.",
        ),
        (
            "kuber_region_evicted_total",
            "counter",
            "Keys evicted by memory or entry limits.",
        ),
    ];
    let rows: Vec<(String, [u64; 5])> = regions
        .iter()
        .map(|r| {
            let ks = r.lock();
            let s = ks.stats;
            (
                r.name().to_owned(),
                [
                    ks.len() as u64,
                    ks.memory() as u64,
                    s.hits,
                    s.misses,
                    s.evicted,
                ],
            )
        })
        .collect();
    for (i, (name, kind, help)) in per_region.iter().enumerate() {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (region, values) in &rows {
            let _ = writeln!(out, "{name}{{region=\"{region}\"}} {}", values[i]);
        }
    }
    let (depth, errors, degraded) = state.persistence.get().map_or((0, 0, false), |p| {
        (p.journal().depth(), p.status().errors, p.is_degraded())
    });
    gauge(
        &mut out,
        "kuber_persistence_queue_depth",
        "Changed keys and region operations waiting for the persistence backend.",
        depth as f64,
    );
    gauge(
        &mut out,
        "kuber_persistence_errors",
        "Failed persistence flush attempts since start.",
        errors as f64,
    );
    gauge(
        &mut out,
        "kuber_persistence_degraded",
        "1 while the persistence backend is failing and writes are queued for retry.",
        if degraded { 1.0 } else { 0.0 },
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}
