//! `exponential(INITIAL, MAX[, BASE])` and `exp_jitter(INITIAL, MAX, JITTER)`.

use core::time::Duration;

use retry_grammar::{EXP_JITTER, EXPONENTIAL};

use super::{AtLeast, Wait, WaitContext, grow, ordered, positive};
use crate::PolicyError;

/// `max(min, min(initial · 2^(n−1), max))`, no jitter: Tenacity's `wait_exponential`
/// (`multiplier` is `initial`). [`Exponential::with_base`] changes the base and
/// [`Exponential::with_min`] sets the floor (zero by default).
///
/// Unlike Tenacity, an `initial` above `max` is refused when the policy is built (Tenacity
/// accepts it and waits `max` every time): the two are far more often swapped by mistake
/// than meant, and `fixed(max)` says the other meaning plainly.
///
/// ```
/// use retry_runtime::wait::{exponential, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let w = exponential(Duration::from_secs(1), Duration::from_secs(10));
/// let mut rng = RetryRng::seeded(0);
/// let delays: Vec<u64> = (1..=5)
///     .map(|n| w.delay(&mut WaitContext::new(n, Duration::ZERO, &mut rng)).as_secs())
///     .collect();
/// assert_eq!(delays, [1, 2, 4, 8, 10]);
/// ```
pub const fn exponential(initial: Duration, max: Duration) -> Exponential {
    Exponential::new(initial, max)
}

/// `min(initial · 2^(n−1) + U(0, jitter), max)`: exactly Tenacity's
/// `wait_exponential_jitter`; [`ExpJitter::with_base`] and [`ExpJitter::with_min`] are its
/// `exp_base` and `min`.
///
/// ```
/// use retry_runtime::wait::{exp_jitter, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let w = exp_jitter(s(1), s(60), s(5));
/// let mut rng = RetryRng::seeded(9);
/// let d = w.delay(&mut WaitContext::new(3, Duration::ZERO, &mut rng));
/// assert!(d >= s(4) && d <= s(9));
/// ```
pub const fn exp_jitter(initial: Duration, max: Duration, jitter: Duration) -> ExpJitter {
    ExpJitter::new(initial, max, jitter)
}

/// See [`exponential`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    initial: Duration,
    max: Duration,
    base: f64,
}

impl Exponential {
    /// Base 2.
    ///
    /// # Default
    /// `base` is 2.
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max, base: 2.0 }
    }

    /// Grows by `base` each retry instead of 2.
    ///
    /// ```
    /// use retry_runtime::wait::{exponential, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let w = exponential(Duration::from_secs(1), Duration::from_secs(100)).with_base(3.0);
    /// let mut rng = RetryRng::seeded(0);
    /// assert_eq!(w.delay(&mut WaitContext::new(3, Duration::ZERO, &mut rng)), Duration::from_secs(9));
    /// ```
    #[must_use]
    pub const fn with_base(mut self, base: f64) -> Self {
        self.base = base;
        self
    }

    /// Never waits less than `min` (Tenacity's `min`): the floor is applied after the cap,
    /// so a `min` above `max` is refused when the policy is built.
    ///
    /// ```
    /// use retry_runtime::wait::{exponential, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let s = Duration::from_secs;
    /// let w = exponential(s(1), s(60)).with_min(s(3));
    /// let mut rng = RetryRng::seeded(0);
    /// let d: Vec<u64> = (1..=4).map(|n| w.delay(&mut WaitContext::new(n, s(0), &mut rng)).as_secs()).collect();
    /// assert_eq!(d, [3, 3, 4, 8]);
    /// ```
    #[must_use]
    pub const fn with_min(self, min: Duration) -> AtLeast<Self> {
        AtLeast::new(self, min, self.max, &EXPONENTIAL)
    }
}

impl Wait for Exponential {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        grow(self.initial, self.base, ctx.attempt().saturating_sub(1), self.max)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.initial, &EXPONENTIAL)?;
        ordered(self.initial, self.max, &EXPONENTIAL)?;
        valid_base(self.base)
    }
}

/// Rejects a growth base below 1 or not a number.
pub(crate) fn valid_base(base: f64) -> Result<(), PolicyError> {
    if base.is_finite() && base >= 1.0 { Ok(()) } else { Err(PolicyError::InvalidBase { base }) }
}

/// See [`exp_jitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExpJitter {
    initial: Duration,
    max: Duration,
    jitter: Duration,
    // The base's bits, so that the strategy stays `Eq` and `Hash`.
    base: u64,
    /// `initial`, `max` and `jitter` in whole nanoseconds, computed once (`u64::MAX` when
    /// one does not fit): each delay used to convert all three, 3 `u128` products a retry.
    nanos: [u64; 3],
}

/// `d` in whole nanoseconds, `u64::MAX` when it does not fit.
const fn whole_nanos(d: Duration) -> u64 {
    let n = d.as_nanos();
    if n >= u64::MAX as u128 { u64::MAX } else { n as u64 }
}

const TWO: u64 = 2.0_f64.to_bits();

impl ExpJitter {
    /// `min(initial · 2^(n−1) + U(0, jitter), max)`.
    ///
    /// # Default
    /// Base 2, no floor.
    pub const fn new(initial: Duration, max: Duration, jitter: Duration) -> Self {
        Self { initial, max, jitter, base: TWO, nanos: [whole_nanos(initial), whole_nanos(max), whole_nanos(jitter)] }
    }

    /// Grows by `base` each retry instead of 2 (Tenacity's `exp_base`).
    ///
    /// ```
    /// use retry_runtime::wait::{exp_jitter, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let s = Duration::from_secs;
    /// let w = exp_jitter(s(1), s(60), s(0)).with_base(3.0);
    /// let mut rng = RetryRng::seeded(0);
    /// assert_eq!(w.delay(&mut WaitContext::new(3, s(0), &mut rng)), s(9));
    /// ```
    #[must_use]
    pub const fn with_base(mut self, base: f64) -> Self {
        self.base = base.to_bits();
        self
    }

    /// Never waits less than `min` (Tenacity's `min`), applied after the cap.
    ///
    /// ```
    /// use retry_runtime::wait::{exp_jitter, RetryRng, Wait, WaitContext};
    /// use std::time::Duration;
    /// let s = Duration::from_secs;
    /// let w = exp_jitter(s(1), s(60), s(0)).with_min(s(5));
    /// let mut rng = RetryRng::seeded(0);
    /// assert_eq!(w.delay(&mut WaitContext::new(1, s(0), &mut rng)), s(5));
    /// ```
    #[must_use]
    pub const fn with_min(self, min: Duration) -> AtLeast<Self> {
        AtLeast::new(self, min, self.max, &EXP_JITTER)
    }
}

impl Wait for ExpJitter {
    // Inlined so that a policy built at compile time folds into the loop.
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let exp = ctx.attempt().saturating_sub(1);
        let [initial, max, jitter] = self.nanos;
        if self.base == TWO && exp < 64 && initial != u64::MAX && max != u64::MAX && jitter != u64::MAX {
            // In whole nanoseconds, one conversion back at the end; the draw is the same as
            // `between(ZERO, jitter)`'s.
            let base = initial.checked_mul(1 << exp).map_or(max, |b| b.min(max));
            if base >= max {
                return self.max;
            }
            return Duration::from_nanos(base.saturating_add(ctx.rng().below(jitter)).min(max));
        }
        let base = grow(self.initial, f64::from_bits(self.base), exp, self.max);
        if base >= self.max {
            return self.max;
        }
        let jitter = ctx.rng().between(Duration::ZERO, self.jitter);
        base.saturating_add(jitter).min(self.max)
    }

    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.initial, &EXP_JITTER)?;
        ordered(self.initial, self.max, &EXP_JITTER)?;
        valid_base(f64::from_bits(self.base))
    }
}
