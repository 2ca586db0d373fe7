//! Per-command counters and latency histograms, recorded by the dispatcher for RESP and REST alike
//! and rendered in the Prometheus text format at `/metrics`.
//!
//! Counts are exact. Latency is timed for every call of a command's first [`EXACT_CALLS`] calls and
//! then for one call in [`SAMPLE_EVERY`] on each thread, recorded with that weight: two clock reads
//! per command cost about 8 % of a pipelined GET's time on this hardware, which the histogram is
//! not worth.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Calls of a command timed one by one before sampling starts.
pub const EXACT_CALLS: u64 = 64;
/// After that, one call in this many is timed (and counts this many times in the histogram).
pub const SAMPLE_EVERY: u64 = 16;

thread_local! {
    static TICK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

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

    /// How much the next call of command `index` weighs in its latency histogram: 1 while the
    /// command is young, then [`SAMPLE_EVERY`] for one call in that many and 0 (not timed) otherwise.
    pub fn timing_weight(&self, index: usize) -> u64 {
        let Some(m) = self.commands.get(index) else {
            return 0;
        };
        if m.ok.load(Ordering::Relaxed) + m.failed.load(Ordering::Relaxed) < EXACT_CALLS {
            return 1;
        }
        let tick = TICK.with(|t| {
            let next = t.get().wrapping_add(1);
            t.set(next);
            next
        });
        if tick.is_multiple_of(SAMPLE_EVERY) {
            SAMPLE_EVERY
        } else {
            0
        }
    }

    /// Records one call of command `index`; `timed` is its latency and weight when it was timed.
    pub fn record(&self, index: usize, failed: bool, timed: Option<(Duration, u64)>) {
        let Some(m) = self.commands.get(index) else {
            return;
        };
        if failed {
            m.failed.fetch_add(1, Ordering::Relaxed);
        } else {
            m.ok.fetch_add(1, Ordering::Relaxed);
        }
        let Some((elapsed, weight)) = timed else {
            return;
        };
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_US
            .iter()
            .position(|&le| us <= le)
            .unwrap_or(BUCKETS_US.len());
        m.buckets[slot].fetch_add(weight, Ordering::Relaxed);
        m.sum_us
            .fetch_add(us.saturating_mul(weight), Ordering::Relaxed);
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
        m.record(1, false, Some((Duration::from_micros(5), 1)));
        m.record(1, false, Some((Duration::from_micros(300), 1)));
        m.record(1, true, Some((Duration::from_secs(5), 1)));
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

#[cfg(test)]
mod sampling_tests {
    use super::*;

    #[test]
    fn young_commands_are_timed_exactly_then_sampled_with_weight() {
        let m = Metrics::new(1);
        let mut histogram_count = 0;
        for _ in 0..EXACT_CALLS {
            assert_eq!(m.timing_weight(0), 1);
            m.record(0, false, Some((Duration::from_micros(1), 1)));
            histogram_count += 1;
        }
        let mut timed = 0;
        for _ in 0..SAMPLE_EVERY * 10 {
            let weight = m.timing_weight(0);
            assert!(weight == 0 || weight == SAMPLE_EVERY);
            if weight > 0 {
                timed += 1;
                histogram_count += weight;
            }
            m.record(
                0,
                false,
                (weight > 0).then(|| (Duration::from_micros(1), weight)),
            );
        }
        assert_eq!(timed, 10, "one call in SAMPLE_EVERY is timed");
        let calls = m.command(0).unwrap().ok.load(Ordering::Relaxed);
        assert_eq!(
            histogram_count, calls,
            "weights keep the histogram count equal to the calls"
        );
    }
}
