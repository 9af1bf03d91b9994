//! The jitter source: rand's `SmallRng`, per call when seeded, else one per thread.

use core::cell::RefCell;
use core::hash::Hash;
use core::time::Duration;
use rand::rngs::SmallRng;
use rand::{Rng, RngCore, SeedableRng};

/// The random source of jitter. Seeded, it is rand's `SmallRng` (fast, not
/// cryptographic), created on the first draw, and draws a reproducible sequence. From
/// entropy, it keeps nothing: it draws from a `SmallRng` of the thread's own, seeded once
/// per thread from the operating system's randomness (through std's `RandomState`, so that
/// rand's `ChaCha` thread generator and its dependencies stay out of the build), so that a
/// call carries no generator and no draw pays for seeding or for a division.
///
/// ```
/// use retry_runtime::wait::RetryRng;
/// use std::time::Duration;
/// let (mut a, mut b) = (RetryRng::seeded(42), RetryRng::seeded(42));
/// let hi = Duration::from_secs(10);
/// assert_eq!(a.between(Duration::ZERO, hi), b.between(Duration::ZERO, hi));
/// ```
#[derive(Debug, Clone)]
pub struct RetryRng {
    seed: Option<u64>,
    rng: Option<SmallRng>,
}

impl RetryRng {
    /// Draws from the thread's generator.
    ///
    /// # Default
    /// Every call of a policy without [`seed`](crate::RetryPolicyBuilder::seed).
    pub const fn from_entropy() -> Self {
        Self { seed: None, rng: None }
    }

    /// A reproducible sequence: the same seed draws the same jitter.
    pub const fn seeded(seed: u64) -> Self {
        Self { seed: Some(seed), rng: None }
    }

    /// A uniform draw from `[lo, hi]` (or `lo` when `hi <= lo`), at nanosecond resolution.
    ///
    /// ```
    /// use retry_runtime::wait::RetryRng;
    /// use std::time::Duration;
    /// let mut rng = RetryRng::seeded(3);
    /// let d = rng.between(Duration::from_millis(5), Duration::from_millis(9));
    /// assert!(d >= Duration::from_millis(5) && d <= Duration::from_millis(9));
    /// ```
    pub fn between(&mut self, lo: Duration, hi: Duration) -> Duration {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from((hi - lo).as_nanos()).unwrap_or(u64::MAX);
        lo.saturating_add(Duration::from_nanos(self.below(span)))
    }

    /// A uniform draw from `[0, 1)`, with 53 bits of precision (as Python's
    /// `random.random()`).
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        const BITS: u64 = (1 << 53) - 1;
        // `below` is inclusive: 0..=2^53−1, divided by 2^53.
        self.below(BITS) as f64 / (1u64 << 53) as f64
    }

    /// A uniform draw from `0..=span` nanoseconds: the same draw as
    /// `between(Duration::ZERO, span)`, without `Duration` arithmetic.
    #[inline]
    pub(crate) fn below(&mut self, span: u64) -> u64 {
        match self.seed {
            Some(seed) => self.rng.get_or_insert_with(|| SmallRng::seed_from_u64(seed)).random_range(0..=span),
            None => {
                let draw = THREAD.with(|rng| {
                    let mut rng = rng.borrow_mut();
                    rng.get_or_insert_with(|| SmallRng::seed_from_u64(entropy())).next_u64()
                });
                scale(draw, span)
            }
        }
    }
}

/// 64 bits from the operating system's randomness: std keys each `RandomState` from it (once
/// per thread, then by one step each), and hashing the thread's id and the time with it
/// spreads those keys over the whole word. Seeds generators and names processes; it is not
/// for secrets.
pub(crate) fn entropy() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(std::process::id().into());
    std::thread::current().id().hash(&mut hasher);
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    hasher.write_u128(since.as_nanos());
    hasher.finish()
}

/// Maps a uniform 64-bit `draw` onto `0..=span` by multiplying and keeping the high word
/// (Lemire): no division, unlike rejection sampling, and a bias below `span / 2^64`, which
/// for a span of an hour in nanoseconds is under one in 4 million.
fn scale(draw: u64, span: u64) -> u64 {
    match span.checked_add(1) {
        Some(range) => ((u128::from(draw) * u128::from(range)) >> 64) as u64,
        None => draw,
    }
}

impl Default for RetryRng {
    fn default() -> Self {
        Self::from_entropy()
    }
}

thread_local! {
    /// The thread's generator; `None` until the first unseeded draw seeds it.
    static THREAD: RefCell<Option<SmallRng>> = const { RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_are_rand_small_rng_draws() {
        // Guards every published seeded sequence: seeded jitter must stay SmallRng's.
        let mut ours = RetryRng::seeded(42);
        let mut theirs = SmallRng::seed_from_u64(42);
        for span in [0, 1, 999, 5_000_000_000, u64::MAX] {
            assert_eq!(ours.below(span), theirs.random_range(0..=span));
        }
    }

    #[test]
    fn scaled_draws_stay_within_the_span() {
        for span in [0, 1, 7, 5_000_000_000, u64::MAX - 1, u64::MAX] {
            assert_eq!(scale(0, span), 0);
            assert!(scale(u64::MAX, span) <= span);
        }
        assert_eq!(scale(u64::MAX, u64::MAX), u64::MAX);
        let mut rng = RetryRng::from_entropy();
        assert!((0..1000).all(|_| rng.below(10) <= 10));
    }
}
