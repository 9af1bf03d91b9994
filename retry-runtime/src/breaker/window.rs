//! The sliding windows of a failure-ratio breaker: the last N calls, one bit each, or the
//! last span of time, in buckets.

use core::time::Duration;
use std::time::Instant;

/// The outcomes of the last `size` calls, one bit each (set: failed), in a ring.
#[derive(Debug)]
pub(super) struct CallWindow {
    pub(super) size: u32,
    /// Allocated on the first outcome, so that the breaker can be built in a `const`.
    pub(super) bits: Vec<u64>,
    /// Where the next outcome goes.
    pub(super) next: u32,
    pub(super) len: u32,
    pub(super) failures: u32,
}

impl CallWindow {
    pub(super) const fn new(size: u32) -> Self {
        Self { size, bits: Vec::new(), next: 0, len: 0, failures: 0 }
    }

    pub(super) fn record(&mut self, failed: bool) {
        if self.bits.is_empty() {
            self.bits = vec![0; (self.size as usize).div_ceil(64)];
        }
        let word = &mut self.bits[self.next as usize / 64];
        let mask = 1u64 << (self.next % 64);
        if self.len == self.size {
            if *word & mask != 0 {
                self.failures -= 1; // the oldest outcome leaves the window
            }
        } else {
            self.len += 1;
        }
        if failed {
            *word |= mask;
            self.failures += 1;
        } else {
            *word &= !mask;
        }
        self.next = if self.next + 1 == self.size { 0 } else { self.next + 1 };
    }

    pub(super) fn clear(&mut self) {
        self.bits.fill(0);
        self.next = 0;
        self.len = 0;
        self.failures = 0;
    }
}

/// Buckets a [`SlidingWindow::Time`] is kept in (as Polly keeps its sampling duration).
pub(super) const BUCKETS: u64 = 10;

/// The outcomes of the last `span`, in [`BUCKETS`] buckets of `span / BUCKETS` each.
#[derive(Debug)]
pub(super) struct TimeWindow {
    pub(super) span: Duration,
    /// The time bucket 0 starts; set by the first outcome.
    pub(super) origin: Option<Instant>,
    /// The newest bucket seen. An outcome reported with an older `now` (its task read the
    /// clock before another took the lock) counts in this one instead.
    pub(super) latest: u64,
    pub(super) buckets: [Bucket; BUCKETS as usize],
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Bucket {
    /// Which `span / BUCKETS` interval since `origin` this bucket holds.
    pub(super) slot: u64,
    pub(super) calls: u32,
    pub(super) failures: u32,
}

impl TimeWindow {
    pub(super) const fn new(span: Duration) -> Self {
        Self { span, origin: None, latest: 0, buckets: [Bucket { slot: 0, calls: 0, failures: 0 }; BUCKETS as usize] }
    }

    pub(super) fn record(&mut self, failed: bool, now: Instant) {
        let origin = *self.origin.get_or_insert(now);
        let width = (self.span.as_nanos() / u128::from(BUCKETS)).max(1);
        let slot = now.saturating_duration_since(origin).as_nanos() / width;
        self.latest = self.latest.max(u64::try_from(slot).unwrap_or(u64::MAX));
        let slot = self.latest;
        let bucket = &mut self.buckets[(slot % BUCKETS) as usize];
        if bucket.slot != slot {
            *bucket = Bucket { slot, calls: 0, failures: 0 };
        }
        bucket.calls = bucket.calls.saturating_add(1);
        bucket.failures = bucket.failures.saturating_add(u32::from(failed));
    }

    /// `(calls, failures)` in the buckets still inside the window.
    pub(super) fn totals(&self) -> (u32, u32) {
        self.buckets.iter().filter(|b| self.latest - b.slot < BUCKETS).fold((0u32, 0u32), |(calls, failures), b| {
            (calls.saturating_add(b.calls), failures.saturating_add(b.failures))
        })
    }

    pub(super) fn clear(&mut self) {
        *self = Self::new(self.span);
    }
}
