//! When to give up: `attempts`, `elapsed`, `deadline`, `never`, and their `|` / `&`.
//!
//! A stop condition is asked after each failed attempt, once the next delay is known, so
//! `deadline` can refuse a sleep that would end past it.

use core::ops::{BitAnd, BitOr};
use core::time::Duration;

use crate::PolicyError;

/// What a stop condition is told after a failed attempt.
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, attempts};
/// use std::time::Duration;
/// let ctx = StopContext::new(3, Duration::ZERO, Duration::from_secs(1));
/// assert!(attempts(3).should_stop(&ctx));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopContext {
    attempts: u32,
    elapsed: Duration,
    next_delay: Duration,
}

impl StopContext {
    /// `attempts` made so far, `elapsed` since the first began, and the sleep that would
    /// come before the next.
    pub const fn new(attempts: u32, elapsed: Duration, next_delay: Duration) -> Self {
        Self { attempts, elapsed, next_delay }
    }
    /// Attempts made so far (≥ 1).
    pub const fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Time since the first attempt began (zero if the policy reads no clock).
    pub const fn elapsed(&self) -> Duration {
        self.elapsed
    }
    /// The sleep that would come before the next attempt.
    pub const fn next_delay(&self) -> Duration {
        self.next_delay
    }
}

/// A condition for giving up.
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, attempts, elapsed};
/// use std::time::Duration;
/// let stop = attempts(5) | elapsed(Duration::from_secs(30));
/// let ctx = StopContext::new(2, Duration::from_secs(31), Duration::ZERO);
/// assert!(stop.should_stop(&ctx));
/// assert!(stop.needs_clock());
/// ```
pub trait Stop {
    /// `true` to give up now.
    fn should_stop(&self, ctx: &StopContext) -> bool;

    /// Whether this condition reads the elapsed time; if none does (and no hook is set),
    /// the loop reads no clock at all.
    fn needs_clock(&self) -> bool {
        false
    }

    /// The latest moment, since the first attempt began, by which this condition is sure
    /// to have stopped the call: what a per-attempt timeout shrinks to.
    fn deadline(&self) -> Option<Duration> {
        None
    }

    /// The number of attempts after which this condition is sure to have stopped the call,
    /// if there is one: the attempt with that number is known to be the last, and takes the
    /// function's by-value arguments rather than a clone of them. The loop gives up after
    /// it whatever [`should_stop`](Self::should_stop) answers.
    ///
    /// ```
    /// use retry_runtime::stop::{Stop, attempts, elapsed};
    /// use std::time::Duration;
    /// assert_eq!((attempts(5) | elapsed(Duration::from_secs(30))).max_attempts(), Some(5));
    /// assert_eq!((attempts(5) & elapsed(Duration::from_secs(30))).max_attempts(), None);
    /// ```
    fn max_attempts(&self) -> Option<u32> {
        None
    }

    /// Checks the parameters; the run-time twin of the attribute's compile errors.
    fn validate(&self) -> Result<(), PolicyError> {
        Ok(())
    }
}

/// Stops after `n` attempts in total (`attempts(1)` never retries).
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, attempts};
/// use std::time::Duration;
/// let at = |n| StopContext::new(n, Duration::ZERO, Duration::ZERO);
/// assert!(!attempts(3).should_stop(&at(2)));
/// assert!(attempts(3).should_stop(&at(3)));
/// ```
pub const fn attempts(n: u32) -> Attempts {
    Attempts(n)
}

/// Stops once `limit` has passed since the first attempt began (Tenacity
/// `stop_after_delay`: elapsed ≥ limit).
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, elapsed};
/// use std::time::Duration;
/// let s = elapsed(Duration::from_secs(10));
/// assert!(!s.should_stop(&StopContext::new(4, Duration::from_secs(9), Duration::from_secs(3))));
/// assert!(s.should_stop(&StopContext::new(5, Duration::from_secs(10), Duration::ZERO)));
/// ```
pub const fn elapsed(limit: Duration) -> ElapsedLimit {
    ElapsedLimit(limit)
}

/// Never starts a sleep that would end after `limit` since the first attempt began
/// (Tenacity `stop_before_delay`, but a sleep ending exactly at the limit is allowed).
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, deadline};
/// use std::time::Duration;
/// let s = deadline(Duration::from_secs(10));
/// let secs = Duration::from_secs;
/// assert!(!s.should_stop(&StopContext::new(1, secs(7), secs(3))));
/// assert!(s.should_stop(&StopContext::new(1, secs(8), secs(3))));
/// ```
pub const fn deadline(limit: Duration) -> Deadline {
    Deadline(limit)
}

/// Never gives up: bound the call elsewhere (a budget, a breaker, the caller's timeout).
///
/// ```
/// use retry_runtime::stop::{Stop, StopContext, never};
/// use std::time::Duration;
/// assert!(!never().should_stop(&StopContext::new(u32::MAX, Duration::MAX, Duration::MAX)));
/// ```
pub const fn never() -> Never {
    Never
}

/// See [`attempts`].
///
/// # Default
/// `attempts(3)` is the policy's stop condition unless another is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempts(pub u32);

/// See [`elapsed`]; named for its limit, so that it is not confused with
/// [`retry_runtime::Elapsed`](crate::Elapsed), the error of an attempt cut at its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ElapsedLimit(pub Duration);

/// See [`deadline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline(pub Duration);

/// See [`never()`](fn@never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Never;

/// `a | b`: stops when either does.
///
/// ```
/// use retry_runtime::stop::{Either, attempts, never};
/// let s: Either<_, _> = attempts(2) | never();
/// assert_eq!(s.0, attempts(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Either<A, B>(pub A, pub B);

/// `a & b`: stops when both do.
///
/// ```
/// use retry_runtime::stop::{Both, Stop, StopContext, attempts, elapsed};
/// use std::time::Duration;
/// let s: Both<_, _> = attempts(2) & elapsed(Duration::from_secs(5));
/// assert!(!s.should_stop(&StopContext::new(3, Duration::from_secs(1), Duration::ZERO)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Both<A, B>(pub A, pub B);

impl Default for Attempts {
    fn default() -> Self {
        Self(3)
    }
}

impl Stop for Attempts {
    #[inline]
    fn should_stop(&self, ctx: &StopContext) -> bool {
        ctx.attempts >= self.0
    }
    #[inline]
    fn max_attempts(&self) -> Option<u32> {
        Some(self.0)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        if self.0 == 0 { Err(PolicyError::ZeroAttempts) } else { Ok(()) }
    }
}

impl Stop for ElapsedLimit {
    #[inline]
    fn should_stop(&self, ctx: &StopContext) -> bool {
        ctx.elapsed >= self.0
    }
    fn needs_clock(&self) -> bool {
        true
    }
    fn deadline(&self) -> Option<Duration> {
        None
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.0, &retry_grammar::ELAPSED)
    }
}

impl Stop for Deadline {
    #[inline]
    fn should_stop(&self, ctx: &StopContext) -> bool {
        ctx.elapsed.saturating_add(ctx.next_delay) > self.0
    }
    fn needs_clock(&self) -> bool {
        true
    }
    fn deadline(&self) -> Option<Duration> {
        Some(self.0)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.0, &retry_grammar::DEADLINE)
    }
}

impl Stop for Never {
    #[inline]
    fn should_stop(&self, _: &StopContext) -> bool {
        false
    }
}

impl<A: Stop, B: Stop> Stop for Either<A, B> {
    #[inline]
    fn should_stop(&self, ctx: &StopContext) -> bool {
        self.0.should_stop(ctx) || self.1.should_stop(ctx)
    }
    fn needs_clock(&self) -> bool {
        self.0.needs_clock() || self.1.needs_clock()
    }
    fn deadline(&self) -> Option<Duration> {
        match (self.0.deadline(), self.1.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    #[inline]
    fn max_attempts(&self) -> Option<u32> {
        match (self.0.max_attempts(), self.1.max_attempts()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.0.validate()?;
        self.1.validate()
    }
}

impl<A: Stop, B: Stop> Stop for Both<A, B> {
    #[inline]
    fn should_stop(&self, ctx: &StopContext) -> bool {
        self.0.should_stop(ctx) && self.1.should_stop(ctx)
    }
    fn needs_clock(&self) -> bool {
        self.0.needs_clock() || self.1.needs_clock()
    }
    fn deadline(&self) -> Option<Duration> {
        // Both must agree to stop, so the call is bounded only if each side is.
        Some(self.0.deadline()?.max(self.1.deadline()?))
    }
    #[inline]
    fn max_attempts(&self) -> Option<u32> {
        Some(self.0.max_attempts()?.max(self.1.max_attempts()?))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.0.validate()?;
        self.1.validate()
    }
}

impl<S: Stop + ?Sized> Stop for Box<S> {
    fn should_stop(&self, ctx: &StopContext) -> bool {
        (**self).should_stop(ctx)
    }
    fn needs_clock(&self) -> bool {
        (**self).needs_clock()
    }
    fn deadline(&self) -> Option<Duration> {
        (**self).deadline()
    }
    fn max_attempts(&self) -> Option<u32> {
        (**self).max_attempts()
    }
    fn validate(&self) -> Result<(), PolicyError> {
        (**self).validate()
    }
}

fn positive(d: Duration, strategy: &'static retry_grammar::Strategy) -> Result<(), PolicyError> {
    if d.is_zero() { Err(PolicyError::ZeroDuration { what: strategy.name }) } else { Ok(()) }
}

macro_rules! combinators {
    ($($ty:ident $(<$($g:ident),*>)?),*) => {$(
        impl<$($($g,)*)? Rhs: Stop> BitOr<Rhs> for $ty $(<$($g),*>)? {
            type Output = Either<Self, Rhs>;
            fn bitor(self, rhs: Rhs) -> Self::Output {
                Either(self, rhs)
            }
        }
        impl<$($($g,)*)? Rhs: Stop> BitAnd<Rhs> for $ty $(<$($g),*>)? {
            type Output = Both<Self, Rhs>;
            fn bitand(self, rhs: Rhs) -> Self::Output {
                Both(self, rhs)
            }
        }
    )*};
}
combinators!(Attempts, ElapsedLimit, Deadline, Never, Either<A, B>, Both<A, B>);
