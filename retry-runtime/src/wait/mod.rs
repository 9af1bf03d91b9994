//! How long to sleep before the next attempt: every row of the attribute's `wait` table.
//!
//! Strategies are plain data (`Copy`, `const fn` constructors) and draw their jitter from a
//! [`RetryRng`] that a test can seed. No strategy overflows or panics for any attempt
//! number up to `u32::MAX`: growth saturates at the cap.
//!
//! | attribute | value | delay before attempt n+1 |
//! |---|---|---|
//! | `none` | [`none()`] | 0 |
//! | `fixed(D)` | [`fixed`] | D |
//! | `random(MIN, MAX)` | [`random`] | U(MIN, MAX) |
//! | `exponential(I, MAX[, BASE])` | [`exponential`] | min(I·BASE^(n−1), MAX) |
//! | `exp_jitter(I, MAX, J)` | [`exp_jitter`] | min(I·2^(n−1) + U(0, J), MAX) |
//! | `full_jitter(B, CAP)` | [`full_jitter`] | U(0, min(CAP, B·2^(n−1))) |
//! | `equal_jitter(B, CAP)` | [`equal_jitter`] | v/2 + U(0, v/2), v = min(CAP, B·2^(n−1)) |
//! | `decorrelated_jitter(B, CAP)` | [`decorrelated_jitter`] | min(CAP, U(B, 3·previous)) |
//! | `incrementing(S, STEP, MAX)` | [`incrementing`] | min(S + STEP·(n−1), MAX) |
//! | `decrementing(S, STEP, FLOOR)` | [`decrementing`] | max(S − STEP·(n−1), FLOOR) |
//! | `scaled_jitter(I, MAX, F)` | [`scaled_jitter`] | min(I·2^(n−1), MAX)·(1 − F·U(0, 1)) — the OpenAI/Anthropic SDKs' |
//! | `chain(W1, W2, …)` | [`chain`] | Wi for the i-th retry, the last thereafter |
//! | `A + B` | [`Sum`] | the sum |

use core::ops::Add;
use core::time::Duration;

use retry_grammar::Strategy;

use crate::PolicyError;

mod chain;
mod constant;
mod exponential;
mod floor;
mod incrementing;
mod jitter;
mod random;
mod rng;
mod scaled;

pub use chain::{Chain, WaitList, chain};
pub use constant::{Fixed, NoWait, fixed, none};
pub use exponential::{ExpJitter, Exponential, exp_jitter, exponential};
pub use floor::AtLeast;
pub use incrementing::{Decrementing, Incrementing, decrementing, incrementing};
pub use jitter::{DecorrelatedJitter, EqualJitter, FullJitter, decorrelated_jitter, equal_jitter, full_jitter};
pub use random::{Random, random};
pub use rng::RetryRng;
pub(crate) use rng::entropy;
pub use scaled::{ScaledJitter, scaled_jitter};

/// What a wait strategy is told when asked for a delay.
///
/// ```
/// use retry_runtime::wait::{RetryRng, Wait, WaitContext, fixed};
/// use std::time::Duration;
/// let mut rng = RetryRng::seeded(7);
/// let mut ctx = WaitContext::new(1, Duration::ZERO, &mut rng);
/// assert_eq!(fixed(Duration::from_secs(2)).delay(&mut ctx), Duration::from_secs(2));
/// ```
#[derive(Debug)]
pub struct WaitContext<'a> {
    attempt: u32,
    previous: Duration,
    rng: &'a mut RetryRng,
}

impl<'a> WaitContext<'a> {
    /// `attempt` is the number of the attempt that just failed (1 before the first retry);
    /// `previous` the delay this policy's strategy gave last time (zero before the first).
    pub fn new(attempt: u32, previous: Duration, rng: &'a mut RetryRng) -> Self {
        Self { attempt, previous, rng }
    }
    /// The number of the attempt that just failed (≥ 1).
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }
    /// The delay the strategy gave before the previous attempt (zero before the first retry).
    pub const fn previous(&self) -> Duration {
        self.previous
    }
    /// The jitter source: drawn from only by strategies that jitter.
    pub fn rng(&mut self) -> &mut RetryRng {
        self.rng
    }
}

/// A strategy that says how long to sleep before the next attempt.
///
/// ```
/// use retry_runtime::wait::{RetryRng, Wait, WaitContext};
/// use std::time::Duration;
///
/// /// One second per failed attempt so far.
/// struct Linear;
/// impl Wait for Linear {
///     fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
///         Duration::from_secs(ctx.attempt().into())
///     }
/// }
/// let mut rng = RetryRng::from_entropy();
/// assert_eq!(Linear.delay(&mut WaitContext::new(4, Duration::ZERO, &mut rng)), Duration::from_secs(4));
/// ```
pub trait Wait {
    /// The delay before attempt `ctx.attempt() + 1`.
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration;

    /// Checks the parameters; the run-time twin of the attribute's compile errors.
    fn validate(&self) -> Result<(), PolicyError> {
        Ok(())
    }
}

/// `a + b`: the two delays added (Tenacity `wait_combine`), saturating.
///
/// ```
/// use retry_runtime::wait::{RetryRng, Wait, WaitContext, fixed, random};
/// use std::time::Duration;
/// let w = fixed(Duration::from_secs(1)) + random(Duration::ZERO, Duration::from_secs(1));
/// let mut rng = RetryRng::seeded(1);
/// let d = w.delay(&mut WaitContext::new(1, Duration::ZERO, &mut rng));
/// assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sum<A, B>(pub A, pub B);

impl<A: Wait, B: Wait> Wait for Sum<A, B> {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        self.0.delay(ctx).saturating_add(self.1.delay(ctx))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.0.validate()?;
        self.1.validate()
    }
}

impl<W: Wait + ?Sized> Wait for Box<W> {
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        (**self).delay(ctx)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        (**self).validate()
    }
}

impl<W: Wait + ?Sized> Wait for &W {
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        (**self).delay(ctx)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        (**self).validate()
    }
}

macro_rules! summable {
    ($($ty:ident $(<$($g:ident),*>)?),*) => {$(
        impl<$($($g,)*)? Rhs: Wait> Add<Rhs> for $ty $(<$($g),*>)? {
            type Output = Sum<Self, Rhs>;
            fn add(self, rhs: Rhs) -> Self::Output {
                Sum(self, rhs)
            }
        }
    )*};
}
summable!(
    NoWait, Fixed, Random, Exponential, ExpJitter, FullJitter, EqualJitter, DecorrelatedJitter,
    Incrementing, Decrementing, ScaledJitter, AtLeast<W>, Chain<L>, Sum<A, B>
);

/// `initial · base^exp`, capped at `cap`, without overflow for any `exp`.
#[inline]
pub(crate) fn grow(initial: Duration, base: f64, exp: u32, cap: Duration) -> Duration {
    if base == 2.0
        && exp < 64
        && let (Some(initial), Some(cap)) = (nanos(initial), nanos(cap))
    {
        // In whole nanoseconds: a shift and a compare, not `Duration`'s seconds-and-nanos
        // arithmetic with its normalisation at every step.
        return Duration::from_nanos(initial.checked_mul(1 << exp).map_or(cap, |d| d.min(cap)));
    }
    if base == 2.0 && exp < 32 {
        return initial.checked_mul(1 << exp).map_or(cap, |d| d.min(cap));
    }
    let exp = i32::try_from(exp).unwrap_or(i32::MAX);
    let secs = initial.as_secs_f64() * base.powi(exp);
    match Duration::try_from_secs_f64(secs) {
        // An f64 holds 53 bits of nanoseconds: past ~104 days its rounding could undercut
        // `initial`, which a base of at least 1 never does.
        Ok(d) if base >= 1.0 => d.max(initial).min(cap),
        Ok(d) => d.min(cap),
        Err(_) => cap,
    }
}

/// `d` in nanoseconds, when it fits in a `u64` (up to 584 years).
#[inline]
pub(crate) fn nanos(d: Duration) -> Option<u64> {
    u64::try_from(d.as_nanos()).ok()
}

// The strategy is its grammar table entry, so its name in a `PolicyError` is spelled where
// the attribute and configuration read it.

/// Rejects a zero first delay of `strategy`.
pub(crate) fn positive(d: Duration, strategy: &'static Strategy) -> Result<(), PolicyError> {
    if d.is_zero() { Err(PolicyError::ZeroDuration { what: strategy.name }) } else { Ok(()) }
}

/// Rejects a first delay of `strategy` above its cap.
pub(crate) fn ordered(initial: Duration, max: Duration, strategy: &'static Strategy) -> Result<(), PolicyError> {
    if initial > max { Err(PolicyError::InitialExceedsMax { strategy: strategy.name, initial, max }) } else { Ok(()) }
}
