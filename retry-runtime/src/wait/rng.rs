//! The jitter source: a small fast generator, seeded on first use.

use core::time::Duration;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The random source of jitter: rand's `SmallRng` (fast, not cryptographic), created only
/// when a strategy first draws from it, so a first-try success costs no seeding.
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
    /// Seeds from the thread's entropy-seeded generator on first use.
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

    fn get(&mut self) -> &mut SmallRng {
        let seed = self.seed;
        self.rng.get_or_insert_with(|| match seed {
            Some(seed) => SmallRng::seed_from_u64(seed),
            None => SmallRng::from_rng(&mut rand::rng()),
        })
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
        lo.saturating_add(Duration::from_nanos(self.get().random_range(0..=span)))
    }
}

impl Default for RetryRng {
    fn default() -> Self {
        Self::from_entropy()
    }
}
