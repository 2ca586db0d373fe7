//! The journal: what changed in memory and has not reached the backend yet.
//!
//! It holds *keys*, not values: marking a key costs a hash-set insert under a short lock, repeated
//! writes to one key between two flushes coalesce into one entry, and the flusher reads each key's
//! current value when it flushes. Region operations (save, purge, drop) are kept in order between
//! runs of keys, so a backend never sees a purge before a write that happened earlier.
//!
//! Every mark takes the next sequence number. The flusher takes everything pending, writes it,
//! and then publishes the highest sequence number it took as durable; write-through commands wait
//! for their own number (group commit: one backend transaction serves every writer that marked
//! before the flush began).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use hashbrown::{HashMap, HashSet};
use parking_lot::Mutex;
use tokio::sync::{Notify, watch};

use super::Change;

/// Keys changed in each region, or one region operation.
#[derive(Clone, Debug)]
pub enum Segment {
    /// Keys whose current value (or absence) must be written, by region.
    Keys(HashMap<Arc<str>, HashSet<Bytes>>),
    /// A region operation, applied after every segment before it.
    Op(Change),
}

/// Where the flusher has got to, published to waiting writers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Every change with a sequence number up to this one is in the backend.
    pub durable: u64,
    /// Failed flush attempts so far; a waiter that sees this grow gives up (`TRYAGAIN`).
    pub failures: u64,
}

/// A write-through wait ended without the write reaching the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

#[derive(Default)]
struct Pending {
    segments: VecDeque<Segment>,
    /// Keys across all `Keys` segments (a key in two segments counts twice).
    keys: usize,
    /// Region operations waiting.
    ops: usize,
}

/// The ordered set of changes waiting for the flusher.
pub struct Journal {
    pending: Mutex<Pending>,
    /// The last sequence number handed out.
    seq: AtomicU64,
    /// Wakes the flusher: work arrived, a batch filled up, or someone asked for a flush now.
    work: Notify,
    /// Set by SAVE, shutdown and write-through waits: flush without waiting for the interval.
    urgent: AtomicBool,
    progress: watch::Sender<Progress>,
    /// Wakes writers waiting for room in a full journal.
    room: Notify,
    /// Keys and operations taken by a flush that has not finished yet: still not durable, so
    /// they count in [`Journal::depth`].
    in_flight: std::sync::atomic::AtomicUsize,
    max_queue: usize,
    batch_size: usize,
}

impl Journal {
    /// An empty journal that makes writers wait beyond `max_queue` keys and wakes the flusher
    /// early once `batch_size` keys wait.
    pub fn new(max_queue: usize, batch_size: usize) -> Self {
        Self {
            pending: Mutex::new(Pending::default()),
            seq: AtomicU64::new(0),
            work: Notify::new(),
            urgent: AtomicBool::new(false),
            progress: watch::channel(Progress::default()).0,
            room: Notify::new(),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            max_queue: max_queue.max(1),
            batch_size: batch_size.max(1),
        }
    }

    /// Records that `key` in `region` changed (written, deleted or expired).
    pub fn mark(&self, region: &Arc<str>, key: &[u8]) {
        let mut pending = self.pending.lock();
        if !matches!(pending.segments.back(), Some(Segment::Keys(_))) {
            pending.segments.push_back(Segment::Keys(HashMap::new()));
        }
        let Some(Segment::Keys(regions)) = pending.segments.back_mut() else {
            unreachable!("a Keys segment was just ensured");
        };
        let keys = match regions.get_mut(region) {
            Some(keys) => keys,
            None => regions.entry(region.clone()).or_default(),
        };
        let added = !keys.contains(key) && keys.insert(Bytes::copy_from_slice(key));
        // The number is taken under the lock so that `take` sees every mark numbered up to the
        // number it reads.
        self.seq.fetch_add(1, Ordering::AcqRel);
        if added {
            pending.keys += 1;
            if pending.keys == 1 || pending.keys == self.flush_threshold() {
                self.work.notify_one();
            }
        }
    }

    /// Queues a region operation after everything marked so far.
    pub fn push_op(&self, change: Change) {
        let mut pending = self.pending.lock();
        pending.segments.push_back(Segment::Op(change));
        pending.ops += 1;
        self.seq.fetch_add(1, Ordering::AcqRel);
        self.work.notify_one();
    }

    /// True when a change to `key` in `region` waits to be flushed.
    pub fn is_pending(&self, region: &Arc<str>, key: &[u8]) -> bool {
        self.pending
            .lock()
            .segments
            .iter()
            .any(|segment| match segment {
                Segment::Keys(regions) => {
                    regions.get(region).is_some_and(|keys| keys.contains(key))
                }
                Segment::Op(_) => false,
            })
    }

    /// The last sequence number handed out: a writer that marked its keys waits for this.
    pub fn current_seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Keys and operations not yet durable: waiting, or taken by a flush still in progress.
    pub fn depth(&self) -> usize {
        let pending = self.pending.lock();
        pending.keys + pending.ops + self.in_flight.load(Ordering::Acquire)
    }

    /// Where the flusher has got to.
    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Takes everything pending, with the sequence number it covers.
    pub fn take(&self) -> (Vec<Segment>, u64) {
        let mut pending = self.pending.lock();
        let seq = self.seq.load(Ordering::Acquire);
        let taken = std::mem::take(&mut *pending);
        self.in_flight
            .store(taken.keys + taken.ops, Ordering::Release);
        drop(pending);
        self.room.notify_waiters();
        (taken.segments.into(), seq)
    }

    /// Puts segments whose flush failed back in front of anything marked since, to be retried.
    pub fn restore(&self, segments: Vec<Segment>) {
        let mut pending = self.pending.lock();
        self.in_flight.store(0, Ordering::Release);
        for segment in segments.into_iter().rev() {
            match &segment {
                Segment::Keys(regions) => {
                    pending.keys += regions.values().map(HashSet::len).sum::<usize>()
                }
                Segment::Op(_) => pending.ops += 1,
            }
            pending.segments.push_front(segment);
        }
    }

    /// Publishes that everything up to `seq` is in the backend.
    pub fn flushed(&self, seq: u64) {
        self.in_flight.store(0, Ordering::Release);
        self.progress
            .send_modify(|p| p.durable = p.durable.max(seq));
    }

    /// Publishes a failed flush attempt.
    pub fn failed(&self) {
        self.progress.send_modify(|p| p.failures += 1);
    }

    /// Asks the flusher to flush now rather than at the end of its interval.
    pub fn request_flush(&self) {
        self.urgent.store(true, Ordering::Release);
        self.work.notify_one();
    }

    /// True (once) when a flush was requested; the flusher calls this.
    pub fn take_urgent(&self) -> bool {
        self.urgent.swap(false, Ordering::AcqRel)
    }

    /// Waits until work arrives, a batch fills up or a flush is requested.
    pub async fn wait_for_work(&self) {
        self.work.notified().await;
    }

    /// Keys that make the flusher start without waiting for its interval: a full batch, or a full
    /// queue when that is smaller (writers are waiting then).
    fn flush_threshold(&self) -> usize {
        self.batch_size.min(self.max_queue)
    }

    /// True when enough keys wait to flush now (see `flush_threshold`).
    pub fn batch_full(&self) -> bool {
        self.pending.lock().keys >= self.flush_threshold()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        let pending = self.pending.lock();
        pending.keys == 0 && pending.ops == 0
    }

    /// Waits while the journal holds `max_queue` keys or more (back-pressure: writers slow down to
    /// the backend's pace rather than the journal growing without bound or dropping changes).
    pub async fn wait_for_room(&self) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending.lock().keys < self.max_queue {
                return;
            }
            self.work.notify_one();
            notified.await;
        }
    }

    /// True when writers would wait for room now.
    pub fn is_full(&self) -> bool {
        self.pending.lock().keys >= self.max_queue
    }

    /// Waits until everything up to `seq` is durable. Fails when a flush attempt fails after the
    /// wait began: the change stays queued and will be retried, but the caller must not claim it
    /// is durable.
    pub async fn wait_durable(&self, seq: u64) -> Result<(), Unavailable> {
        let mut progress = self.progress.subscribe();
        let failures_before = progress.borrow().failures;
        loop {
            {
                let now = *progress.borrow_and_update();
                if now.durable >= seq {
                    return Ok(());
                }
                if now.failures > failures_before {
                    return Err(Unavailable);
                }
            }
            self.request_flush();
            if progress.changed().await.is_err() {
                return Err(Unavailable);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str) -> Arc<str> {
        Arc::from(name)
    }

    #[test]
    fn repeated_marks_coalesce_and_ops_keep_their_place() {
        let journal = Journal::new(100, 10);
        let r = region("default");
        for _ in 0..100 {
            journal.mark(&r, b"k");
        }
        journal.mark(&r, b"other");
        journal.push_op(Change::PurgeRegion(r.clone()));
        journal.mark(&r, b"k");
        assert_eq!(journal.depth(), 4);
        assert_eq!(journal.current_seq(), 103);
        let (segments, seq) = journal.take();
        assert_eq!(seq, 103);
        assert_eq!(segments.len(), 3);
        let Segment::Keys(first) = &segments[0] else {
            panic!("keys first")
        };
        assert_eq!(first[&r].len(), 2);
        assert!(matches!(&segments[1], Segment::Op(Change::PurgeRegion(_))));
        let Segment::Keys(last) = &segments[2] else {
            panic!("keys last")
        };
        assert!(last[&r].contains(&b"k"[..]));
        assert!(journal.is_empty());
    }

    #[test]
    fn restored_segments_go_before_newer_ones() {
        let journal = Journal::new(100, 10);
        let r = region("default");
        journal.mark(&r, b"old");
        let (segments, _) = journal.take();
        journal.push_op(Change::DropRegion(region("gone")));
        journal.restore(segments);
        assert_eq!(journal.depth(), 2);
        let (segments, _) = journal.take();
        assert!(matches!(&segments[0], Segment::Keys(_)));
        assert!(matches!(&segments[1], Segment::Op(Change::DropRegion(_))));
    }

    #[tokio::test]
    async fn durable_waits_end_on_flush_or_on_failure() {
        let journal = Arc::new(Journal::new(100, 10));
        let r = region("default");
        journal.mark(&r, b"k");
        let seq = journal.current_seq();
        let waiter = tokio::spawn({
            let journal = journal.clone();
            async move { journal.wait_durable(seq).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        journal.flushed(seq);
        assert_eq!(waiter.await.unwrap(), Ok(()));

        journal.mark(&r, b"k2");
        let seq = journal.current_seq();
        let waiter = tokio::spawn({
            let journal = journal.clone();
            async move { journal.wait_durable(seq).await }
        });
        tokio::task::yield_now().await;
        journal.failed();
        assert_eq!(waiter.await.unwrap(), Err(Unavailable));
    }

    #[tokio::test]
    async fn a_full_journal_holds_writers_until_a_flush_takes_it() {
        let journal = Arc::new(Journal::new(2, 10));
        let r = region("default");
        journal.mark(&r, b"a");
        journal.mark(&r, b"b");
        assert!(journal.is_full());
        let writer = tokio::spawn({
            let journal = journal.clone();
            async move { journal.wait_for_room().await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(
            !writer.is_finished(),
            "a writer waits while the journal is full"
        );
        let _ = journal.take();
        tokio::time::timeout(std::time::Duration::from_secs(5), writer)
            .await
            .expect("the writer resumes once the flusher took the journal")
            .unwrap();
    }
}
