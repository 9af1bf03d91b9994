//! [`AtLeast`]: Tenacity's `min`, a floor under a strategy's capped delay.

use core::time::Duration;

use retry_grammar::Strategy;

use super::{Wait, WaitContext, ordered};
use crate::PolicyError;

/// `max(min, inner)`: what [`Exponential::with_min`](super::Exponential::with_min) and
/// [`ExpJitter::with_min`](super::ExpJitter::with_min) return. A type of its own, so that a
/// strategy without a floor carries no field for one and pays no compare for it.
///
/// ```
/// use retry_runtime::wait::{exponential, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let w = exponential(s(1), s(60)).with_min(s(3));
/// let mut rng = RetryRng::seeded(0);
/// assert_eq!(w.delay(&mut WaitContext::new(1, s(0), &mut rng)), s(3));
/// assert!(exponential(s(1), s(2)).with_min(s(3)).validate().is_err()); // floor above the cap
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtLeast<W> {
    inner: W,
    min: Duration,
    /// The inner strategy's cap and table entry, for the check that the floor is below it.
    cap: Duration,
    strategy: &'static Strategy,
}

impl<W> AtLeast<W> {
    pub(crate) const fn new(inner: W, min: Duration, cap: Duration, strategy: &'static Strategy) -> Self {
        Self { inner, min, cap, strategy }
    }
}

impl<W: Wait> Wait for AtLeast<W> {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        self.inner.delay(ctx).max(self.min)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.inner.validate()?;
        // Applied after the cap: a floor above it would be the only delay.
        ordered(self.min, self.cap, self.strategy)
    }
}
