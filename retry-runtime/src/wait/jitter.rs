//! The AWS jitter family: `full_jitter`, `equal_jitter`, `decorrelated_jitter`.
//!
//! From Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

use core::time::Duration;

use retry_grammar::{DECORRELATED_JITTER, EQUAL_JITTER, FULL_JITTER};

use super::{Wait, WaitContext, grow, ordered, positive};
use crate::PolicyError;

/// `U(0, min(cap, base · 2^(n−1)))`: AWS "Full Jitter", Tenacity `wait_random_exponential`.
///
/// # Default
/// `full_jitter(1s, 60s)` is the policy's wait strategy unless another is given.
///
/// ```
/// use retry_runtime::wait::{full_jitter, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let mut rng = RetryRng::seeded(1);
/// let d = full_jitter(s(1), s(60)).delay(&mut WaitContext::new(4, Duration::ZERO, &mut rng));
/// assert!(d <= s(8));
/// ```
pub const fn full_jitter(base: Duration, cap: Duration) -> FullJitter {
    FullJitter::new(base, cap)
}

/// `v/2 + U(0, v/2)` with `v = min(cap, base · 2^(n−1))`: AWS "Equal Jitter".
///
/// ```
/// use retry_runtime::wait::{equal_jitter, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let mut rng = RetryRng::seeded(1);
/// let d = equal_jitter(s(1), s(60)).delay(&mut WaitContext::new(4, Duration::ZERO, &mut rng));
/// assert!(d >= s(4) && d <= s(8));
/// ```
pub const fn equal_jitter(base: Duration, cap: Duration) -> EqualJitter {
    EqualJitter::new(base, cap)
}

/// `min(cap, U(base, 3 · previous))`, previous starting at `base`: AWS "Decorrelated Jitter".
///
/// `previous` is the delay the policy's wait strategy gave before the previous attempt
/// ([`WaitContext::previous`](super::WaitContext::previous)); inside `+` or `chain` that is
/// the combined delay, which keeps the strategy plain data with no state of its own.
///
/// ```
/// use retry_runtime::wait::{decorrelated_jitter, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let mut rng = RetryRng::seeded(1);
/// let d = decorrelated_jitter(s(1), s(60)).delay(&mut WaitContext::new(2, s(2), &mut rng));
/// assert!(d >= s(1) && d <= s(6));
/// ```
pub const fn decorrelated_jitter(base: Duration, cap: Duration) -> DecorrelatedJitter {
    DecorrelatedJitter::new(base, cap)
}

/// See [`full_jitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FullJitter {
    base: Duration,
    cap: Duration,
}

impl FullJitter {
    /// `U(0, min(cap, base · 2^(n−1)))`.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }
}

impl Default for FullJitter {
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(60))
    }
}

impl Wait for FullJitter {
    // Inlined so that a policy built at compile time folds into the loop.
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let v = grow(self.base, 2.0, ctx.attempt().saturating_sub(1), self.cap);
        ctx.rng().between(Duration::ZERO, v)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.base, &FULL_JITTER)?;
        ordered(self.base, self.cap, &FULL_JITTER)
    }
}

/// See [`equal_jitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EqualJitter {
    base: Duration,
    cap: Duration,
}

impl EqualJitter {
    /// `v/2 + U(0, v/2)`, `v = min(cap, base · 2^(n−1))`.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }
}

impl Wait for EqualJitter {
    // Inlined so that a policy built at compile time folds into the loop.
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let half = grow(self.base, 2.0, ctx.attempt().saturating_sub(1), self.cap) / 2;
        half + ctx.rng().between(Duration::ZERO, half)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.base, &EQUAL_JITTER)?;
        ordered(self.base, self.cap, &EQUAL_JITTER)
    }
}

/// See [`decorrelated_jitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecorrelatedJitter {
    base: Duration,
    cap: Duration,
}

impl DecorrelatedJitter {
    /// `min(cap, U(base, 3 · previous))`.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }
}

impl Wait for DecorrelatedJitter {
    // Inlined so that a policy built at compile time folds into the loop.
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let previous = ctx.previous().max(self.base);
        let hi = previous.saturating_mul(3);
        ctx.rng().between(self.base, hi).min(self.cap)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.base, &DECORRELATED_JITTER)?;
        ordered(self.base, self.cap, &DECORRELATED_JITTER)
    }
}
