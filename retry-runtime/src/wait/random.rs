//! `random(MIN, MAX)`.

use core::time::Duration;

use retry_grammar::RANDOM;

use super::{Wait, WaitContext, ordered};
use crate::PolicyError;

/// A uniform draw from `[min, max]` before every retry (Tenacity `wait_random`).
///
/// ```
/// use retry_runtime::wait::{random, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let w = random(Duration::from_secs(1), Duration::from_secs(2));
/// let mut rng = RetryRng::seeded(5);
/// let d = w.delay(&mut WaitContext::new(1, Duration::ZERO, &mut rng));
/// assert!((Duration::from_secs(1)..=Duration::from_secs(2)).contains(&d));
/// ```
pub const fn random(min: Duration, max: Duration) -> Random {
    Random::new(min, max)
}

/// See [`random`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Random {
    min: Duration,
    max: Duration,
}

impl Random {
    /// Uniform in `[min, max]`.
    pub const fn new(min: Duration, max: Duration) -> Self {
        Self { min, max }
    }
}

impl Wait for Random {
    // Inlined so that a policy built at compile time folds into the loop.
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        ctx.rng().between(self.min, self.max)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        ordered(self.min, self.max, &RANDOM)
    }
}
