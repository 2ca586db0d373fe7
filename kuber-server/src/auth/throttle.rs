//! Slows down repeated authentication failures from one address.
//!
//! The first few failures answer at once (typos happen); after that each failure waits twice as long
//! as the previous one, up to a cap. A success clears the address's record.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Failures answered without delay.
const FREE_FAILURES: u32 = 3;
/// Delay of the first slowed failure.
const BASE_DELAY: Duration = Duration::from_millis(100);
/// Longest delay.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// A record older than this is forgotten.
const WINDOW: Duration = Duration::from_secs(300);
/// Addresses remembered at most, so a scan from many addresses cannot grow memory without bound.
const MAX_TRACKED: usize = 65_536;

/// Per-address failure counts.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    /// Records a failure and returns how long to wait before answering it.
    pub fn record_failure(&self, addr: IpAddr) -> Duration {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, at)| now.duration_since(*at) < WINDOW);
        }
        let record = failures.entry(addr).or_insert((0, now));
        if now.duration_since(record.1) >= WINDOW {
            *record = (0, now);
        }
        record.0 += 1;
        record.1 = now;
        delay_for(record.0)
    }

    /// Clears the record after a successful login.
    pub fn record_success(&self, addr: IpAddr) {
        self.failures.lock().remove(&addr);
    }
}

fn delay_for(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(16);
    (BASE_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_free_failures_and_reset_on_success() {
        let t = Throttle::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let delays: Vec<_> = (0..6).map(|_| t.record_failure(ip).as_millis()).collect();
        assert_eq!(delays, vec![0, 0, 0, 100, 200, 400]);
        t.record_success(ip);
        assert_eq!(t.record_failure(ip), Duration::ZERO);
        assert_eq!(delay_for(100), MAX_DELAY);
    }
}
