//! Per-command counters and latency histograms, recorded by the dispatcher for RESP and REST alike
//! and rendered in the Prometheus text format at `/metrics`; error replies counted by their code for
//! `INFO errorstats`.
//!
//! The counters only grow (Prometheus expects that). `CONFIG RESETSTAT` therefore records a baseline
//! that `INFO commandstats` subtracts, and clears the error-code counts, which only INFO shows.
//!
//! Counts are exact. Latency is timed for every call of a command's first [`EXACT_CALLS`] calls and
//! then for one call in [`SAMPLE_EVERY`] on each thread, recorded with that weight: two clock reads
//! per command cost about 8 % of a pipelined GET's time on this hardware, which the histogram is
//! not worth.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use kuber_protocol::Frame;
use parking_lot::Mutex;
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
    /// Calls that ran and answered with an error reply.
    pub failed: AtomicU64,
    /// Calls refused before running (arity, authentication, permission, a busy script…).
    pub rejected: AtomicU64,
    /// Calls per latency bucket (the last slot is `+Inf`).
    pub buckets: [AtomicU64; BUCKETS_US.len() + 1],
    /// Sum of latencies in microseconds.
    pub sum_us: AtomicU64,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ran and answered without an error.
    Ok,
    /// Ran and answered with an error.
    Failed,
    /// Refused before running.
    Rejected,
}

/// Distinct error codes `INFO errorstats` tracks, as Redis's limit: beyond it a new code is only
/// counted in `total_error_replies`, so a client inventing codes cannot grow the table.
const MAX_ERROR_CODES: usize = 128;

/// One command's counters as `INFO commandstats` shows them since the last `CONFIG RESETSTAT`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinceReset {
    /// Calls that ran (answered without or with an error).
    pub calls: u64,
    /// Of those, calls that answered with an error.
    pub failed: u64,
    /// Calls refused before running.
    pub rejected: u64,
    /// Microseconds spent, as sampled.
    pub usec: u64,
}

/// Counters for every row of the command table, indexed like `cmd::table::COMMANDS`.
pub struct Metrics {
    commands: Vec<CommandMetrics>,
    /// Each command's counters when `CONFIG RESETSTAT` last ran.
    baseline: Mutex<Vec<SinceReset>>,
    /// Error replies by code (the text before the first space: `ERR`, `WRONGTYPE`, …).
    error_codes: Mutex<hashbrown::HashMap<String, u64>>,
    /// Every error reply since the last reset (`total_error_replies`).
    error_replies: AtomicU64,
}

impl Metrics {
    /// Counters for `n` commands.
    pub fn new(n: usize) -> Self {
        Self {
            commands: (0..n).map(|_| CommandMetrics::default()).collect(),
            baseline: Mutex::new(vec![SinceReset::default(); n]),
            error_codes: Mutex::new(hashbrown::HashMap::new()),
            error_replies: AtomicU64::new(0),
        }
    }

    fn totals(m: &CommandMetrics) -> SinceReset {
        let (ok, failed) = (
            m.ok.load(Ordering::Relaxed),
            m.failed.load(Ordering::Relaxed),
        );
        SinceReset {
            calls: ok + failed,
            failed,
            rejected: m.rejected.load(Ordering::Relaxed),
            usec: m.sum_us.load(Ordering::Relaxed),
        }
    }

    /// Command `index`'s counters since the last [`Metrics::reset_stats`].
    pub fn since_reset(&self, index: usize) -> SinceReset {
        let Some(m) = self.commands.get(index) else {
            return SinceReset::default();
        };
        let now = Self::totals(m);
        let base = self.baseline.lock()[index];
        SinceReset {
            calls: now.calls.saturating_sub(base.calls),
            failed: now.failed.saturating_sub(base.failed),
            rejected: now.rejected.saturating_sub(base.rejected),
            usec: now.usec.saturating_sub(base.usec),
        }
    }

    /// `CONFIG RESETSTAT`: command statistics and error counts start again from zero in INFO.
    pub fn reset_stats(&self) {
        let mut baseline = self.baseline.lock();
        for (base, m) in baseline.iter_mut().zip(&self.commands) {
            *base = Self::totals(m);
        }
        self.error_codes.lock().clear();
        self.error_replies.store(0, Ordering::Relaxed);
    }

    /// Counts the error replies in `reply`: the reply itself, or with `nested` (EXEC's reply)
    /// each error among its elements, as Redis counts every error reply it sends.
    pub fn count_error_replies(&self, reply: &Frame, nested: bool) {
        match reply {
            Frame::Error(message) => self.count_error(message),
            Frame::Array(items) if nested => {
                for item in items {
                    if let Frame::Error(message) = item {
                        self.count_error(message);
                    }
                }
            }
            _ => {}
        }
    }

    fn count_error(&self, message: &[u8]) {
        self.error_replies.fetch_add(1, Ordering::Relaxed);
        // Redis's rule: the code is what precedes the first space within 32 bytes, else `ERR`.
        let head = &message[..message.len().min(32)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(end) if end > 0 => String::from_utf8_lossy(&message[..end]),
            _ => "ERR".into(),
        };
        let mut codes = self.error_codes.lock();
        if let Some(count) = codes.get_mut(code.as_ref()) {
            *count += 1;
        } else if codes.len() < MAX_ERROR_CODES {
            codes.insert(code.into_owned(), 1);
        }
    }

    /// Error replies by code since the last reset, sorted by code.
    pub fn error_codes(&self) -> Vec<(String, u64)> {
        let mut codes: Vec<(String, u64)> = self
            .error_codes
            .lock()
            .iter()
            .map(|(code, count)| (code.clone(), *count))
            .collect();
        codes.sort();
        codes
    }

    /// Error replies since the last reset.
    pub fn error_replies(&self) -> u64 {
        self.error_replies.load(Ordering::Relaxed)
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
    pub fn record(&self, index: usize, outcome: Outcome, timed: Option<(Duration, u64)>) {
        let Some(m) = self.commands.get(index) else {
            return;
        };
        match outcome {
            Outcome::Ok => m.ok.fetch_add(1, Ordering::Relaxed),
            Outcome::Failed => m.failed.fetch_add(1, Ordering::Relaxed),
            Outcome::Rejected => {
                // A refused call did not run: no latency to record.
                m.rejected.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
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
            // Refused calls count as errors here: a client got an error reply either way.
            let (ok, failed) = (
                m.ok.load(Ordering::Relaxed),
                m.failed.load(Ordering::Relaxed) + m.rejected.load(Ordering::Relaxed),
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
        m.record(1, Outcome::Ok, Some((Duration::from_micros(5), 1)));
        m.record(1, Outcome::Ok, Some((Duration::from_micros(300), 1)));
        m.record(1, Outcome::Failed, Some((Duration::from_secs(5), 1)));
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
            m.record(0, Outcome::Ok, Some((Duration::from_micros(1), 1)));
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
                Outcome::Ok,
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
