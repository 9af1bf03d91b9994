//! `incrementing(START, STEP, MAX)`.

use core::time::Duration;

use retry_grammar::{DECREMENTING, INCREMENTING};

use super::{Wait, WaitContext, ordered};
use crate::PolicyError;

/// `min(start + step · (n−1), max)` (Tenacity `wait_incrementing`).
///
/// ```
/// use retry_runtime::wait::{incrementing, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let w = incrementing(s(1), s(2), s(6));
/// let mut rng = RetryRng::seeded(0);
/// let d: Vec<u64> = (1..=5).map(|n| w.delay(&mut WaitContext::new(n, s(0), &mut rng)).as_secs()).collect();
/// assert_eq!(d, [1, 3, 5, 6, 6]);
/// ```
pub const fn incrementing(start: Duration, step: Duration, max: Duration) -> Incrementing {
    Incrementing::new(start, step, max)
}

/// See [`incrementing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Incrementing {
    start: Duration,
    step: Duration,
    max: Duration,
}

impl Incrementing {
    /// `min(start + step · (n−1), max)`.
    pub const fn new(start: Duration, step: Duration, max: Duration) -> Self {
        Self { start, step, max }
    }
}

impl Wait for Incrementing {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        self.step
            .checked_mul(ctx.attempt().saturating_sub(1))
            .and_then(|grown| self.start.checked_add(grown))
            .map_or(self.max, |d| d.min(self.max))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        ordered(self.start, self.max, &INCREMENTING)
    }
}

/// `max(start − step · (n−1), floor)`: a delay that shrinks each retry, as Tenacity's
/// `wait_incrementing` does with a negative `increment` (its floor is 0:
/// `wait_incrementing(10, -3)` is `decrementing(10s, 3s, 0s)`).
///
/// ```
/// use retry_runtime::wait::{decrementing, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let w = decrementing(s(10), s(3), s(0));
/// let mut rng = RetryRng::seeded(0);
/// let d: Vec<u64> = (1..=6).map(|n| w.delay(&mut WaitContext::new(n, s(0), &mut rng)).as_secs()).collect();
/// assert_eq!(d, [10, 7, 4, 1, 0, 0]);
/// ```
pub const fn decrementing(start: Duration, step: Duration, floor: Duration) -> Decrementing {
    Decrementing::new(start, step, floor)
}

/// See [`decrementing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decrementing {
    start: Duration,
    step: Duration,
    floor: Duration,
}

impl Decrementing {
    /// `max(start − step · (n−1), floor)`.
    pub const fn new(start: Duration, step: Duration, floor: Duration) -> Self {
        Self { start, step, floor }
    }
}

impl Wait for Decrementing {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        self.step
            .checked_mul(ctx.attempt().saturating_sub(1))
            .and_then(|shrunk| self.start.checked_sub(shrunk))
            .map_or(self.floor, |d| d.max(self.floor))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        // The floor is where it ends: above the start it would be the only delay.
        ordered(self.floor, self.start, &DECREMENTING)
    }
}
