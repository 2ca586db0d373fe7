//! Per-command counters and latency histograms, recorded by the dispatcher for RESP and REST alike
//! and rendered in the Prometheus text format at `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in microseconds (Prometheus `le`).
pub const BUCKETS_US: [u64; 12] = [
    10, 25, 50, 100, 250, 500, 1_000, 2_500, 10_000, 50_000, 250_000, 1_000_000,
];

/// Counters of one command.
#[derive(Default)]
pub struct CommandMetrics {
    /// Calls answered without an error.
    pub ok: AtomicU64,
    /// Calls answered with an error reply.
    pub failed: AtomicU64,
    /// Calls per latency bucket (the last slot is `+Inf`).
    pub buckets: [AtomicU64; BUCKETS_US.len() + 1],
    /// Sum of latencies in microseconds.
    pub sum_us: AtomicU64,
}

/// Counters for every row of the command table, indexed like `cmd::table::COMMANDS`.
pub struct Metrics {
    commands: Vec<CommandMetrics>,
}

impl Metrics {
    /// Counters for `n` commands.
    pub fn new(n: usize) -> Self {
        Self {
            commands: (0..n).map(|_| CommandMetrics::default()).collect(),
        }
    }

    /// Records one call of command `index`.
    pub fn record(&self, index: usize, failed: bool, elapsed: Duration) {
        let Some(m) = self.commands.get(index) else {
            return;
        };
        if failed {
            m.failed.fetch_add(1, Ordering::Relaxed);
        } else {
            m.ok.fetch_add(1, Ordering::Relaxed);
        }
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_US
            .iter()
            .position(|&le| us <= le)
            .unwrap_or(BUCKETS_US.len());
        m.buckets[slot].fetch_add(1, Ordering::Relaxed);
        m.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// The counters of command `index`.
    pub fn command(&self, index: usize) -> Option<&CommandMetrics> {
        self.commands.get(index)
    }

    /// Appends the command families (`kuber_commands_total`, `kuber_command_duration_seconds`)
    /// for commands that were called at least once. `name(i)` gives command `i`'s name.
    pub fn render(&self, out: &mut String, name: impl Fn(usize) -> &'static str) {
        out.push_str("# HELP kuber_commands_total Commands executed, by name and result.\n");
        out.push_str("# TYPE kuber_commands_total counter\n");
        for (i, m) in self.commands.iter().enumerate() {
            let (ok, failed) = (
                m.ok.load(Ordering::Relaxed),
                m.failed.load(Ordering::Relaxed),
            );
            if ok + failed == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "kuber_commands_total{{command=\"{}\",result=\"ok\"}} {ok}",
                name(i)
            );
            let _ = writeln!(
                out,
                "kuber_commands_total{{command=\"{}\",result=\"error\"}} {failed}",
                name(i)
            );
        }
        out.push_str("# HELP kuber_command_duration_seconds Command latency inside the server.\n");
        out.push_str("# TYPE kuber_command_duration_seconds histogram\n");
        for (i, m) in self.commands.iter().enumerate() {
            let total = m.ok.load(Ordering::Relaxed) + m.failed.load(Ordering::Relaxed);
            if total == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (slot, le) in BUCKETS_US.iter().enumerate() {
                cumulative += m.buckets[slot].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "kuber_command_duration_seconds_bucket{{command=\"{}\",le=\"{}\"}} {cumulative}",
                    name(i),
                    *le as f64 / 1e6
                );
            }
            cumulative += m.buckets[BUCKETS_US.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "kuber_command_duration_seconds_bucket{{command=\"{}\",le=\"+Inf\"}} {cumulative}",
                name(i)
            );
            let _ = writeln!(
                out,
                "kuber_command_duration_seconds_sum{{command=\"{}\"}} {}",
                name(i),
                m.sum_us.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "kuber_command_duration_seconds_count{{command=\"{}\"}} {cumulative}",
                name(i)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_results_split() {
        let m = Metrics::new(2);
        m.record(1, false, Duration::from_micros(5));
        m.record(1, false, Duration::from_micros(300));
        m.record(1, true, Duration::from_secs(5));
        let mut out = String::new();
        m.render(&mut out, |i| ["get", "set"][i]);
        assert!(out.contains("kuber_commands_total{command=\"set\",result=\"ok\"} 2\n"));
        assert!(out.contains("kuber_commands_total{command=\"set\",result=\"error\"} 1\n"));
        assert!(
            out.contains(
                "kuber_command_duration_seconds_bucket{command=\"set\",le=\"0.00001\"} 1\n"
            )
        );
        assert!(
            out.contains(
                "kuber_command_duration_seconds_bucket{command=\"set\",le=\"0.0005\"} 2\n"
            )
        );
        assert!(
            out.contains("kuber_command_duration_seconds_bucket{command=\"set\",le=\"+Inf\"} 3\n")
        );
        assert!(
            !out.contains("command=\"get\""),
            "unused commands are left out"
        );
    }
}
