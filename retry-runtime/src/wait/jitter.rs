//! The AWS jitter family: `full_jitter`, `equal_jitter`, `decorrelated_jitter`.
//!
//! From Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

use core::time::Duration;

use retry_grammar::{DECORRELATED_JITTER, EQUAL_JITTER, FULL_JITTER};

use super::exponential::valid_base;
use super::{Wait, WaitContext, grow, ordered, positive};
use crate::PolicyError;

/// `U(0, min(cap, base · 2^(n−1)))`: AWS "Full Jitter", Tenacity `wait_random_exponential`
/// (whose `exp_base` and `min` are [`FullJitter::with_base`] and [`FullJitter::with_min`]).
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
    // The growth base's bits, so that the strategy stays `Eq` and `Hash`.
    growth: u64,
    min: Duration,
}

const TWO: u64 = 2.0_f64.to_bits();

impl FullJitter {
    /// `U(0, min(cap, base · 2^(n−1)))`.
    ///
    /// # Default
    /// Growth base 2, no floor.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap, growth: TWO, min: Duration::ZERO }
    }

    /// Grows by `growth` each retry instead of 2 (Tenacity's `exp_base`).
    ///
    /// ```
    /// use retry_runtime::wait::{full_jitter, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let s = Duration::from_secs;
    /// let w = full_jitter(s(1), s(60)).with_base(3.0);
    /// let mut rng = RetryRng::seeded(4);
    /// assert!(w.delay(&mut WaitContext::new(3, s(0), &mut rng)) <= s(9));
    /// ```
    #[must_use]
    pub const fn with_base(mut self, growth: f64) -> Self {
        self.growth = growth.to_bits();
        self
    }

    /// Draws from `U(min, max(min, min(cap, base · 2^(n−1))))`: Tenacity's `min`.
    ///
    /// ```
    /// use retry_runtime::wait::{full_jitter, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let s = Duration::from_secs;
    /// let w = full_jitter(s(1), s(60)).with_min(s(2));
    /// let mut rng = RetryRng::seeded(4);
    /// assert_eq!(w.delay(&mut WaitContext::new(1, s(0), &mut rng)), s(2)); // U(2, max(2, 1))
    /// ```
    #[must_use]
    pub const fn with_min(mut self, min: Duration) -> Self {
        self.min = min;
        self
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
        let v = grow(self.base, f64::from_bits(self.growth), ctx.attempt().saturating_sub(1), self.cap);
        ctx.rng().between(self.min, v.max(self.min))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.base, &FULL_JITTER)?;
        ordered(self.base, self.cap, &FULL_JITTER)?;
        ordered(self.min, self.cap, &FULL_JITTER)?;
        valid_base(f64::from_bits(self.growth))
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
