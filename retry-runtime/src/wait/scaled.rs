//! `scaled_jitter(INITIAL, MAX, FRACTION)`: the OpenAI and Anthropic SDKs' backoff.

use core::time::Duration;

use retry_grammar::SCALED_JITTER;

use super::{Wait, WaitContext, grow, ordered, positive};
use crate::PolicyError;

/// `min(initial · 2^(n−1), max) · (1 − fraction · U)`, U uniform in [0, 1): exponential
/// backoff shortened by up to `fraction` of itself. It is the jitter of the official
/// OpenAI and Anthropic Python SDKs (`min(0.5 s · 2^(n−1), 8 s) · (1 − 0.25 · U)`), and
/// unlike additive jitter it never waits longer than the plain backoff.
///
/// ```
/// use retry_runtime::wait::{scaled_jitter, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let w = scaled_jitter(Duration::from_millis(500), Duration::from_secs(8), 0.25);
/// let mut rng = RetryRng::seeded(1);
/// let d = w.delay(&mut WaitContext::new(2, Duration::ZERO, &mut rng)); // from 1 s
/// assert!(d > Duration::from_millis(750) && d <= Duration::from_secs(1));
/// ```
pub const fn scaled_jitter(initial: Duration, max: Duration, fraction: f64) -> ScaledJitter {
    ScaledJitter::new(initial, max, fraction)
}

/// See [`scaled_jitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScaledJitter {
    initial: Duration,
    max: Duration,
    // The fraction's bits, so that the strategy stays `Eq` and `Hash`.
    fraction: u64,
}

impl ScaledJitter {
    /// `min(initial · 2^(n−1), max) · (1 − fraction · U)`.
    pub const fn new(initial: Duration, max: Duration, fraction: f64) -> Self {
        Self { initial, max, fraction: fraction.to_bits() }
    }
}

impl Wait for ScaledJitter {
    #[inline]
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let backoff = grow(self.initial, 2.0, ctx.attempt().saturating_sub(1), self.max);
        // Clamped, so that an unchecked policy with a fraction out of range cannot make
        // the factor negative or above 1 (and the multiplication cannot fail).
        let factor = (1.0 - f64::from_bits(self.fraction) * ctx.rng().unit()).clamp(0.0, 1.0);
        Duration::try_from_secs_f64(backoff.as_secs_f64() * factor).map_or(backoff, |d| d.min(backoff))
    }
    fn validate(&self) -> Result<(), PolicyError> {
        positive(self.initial, &SCALED_JITTER)?;
        ordered(self.initial, self.max, &SCALED_JITTER)?;
        let fraction = f64::from_bits(self.fraction);
        if (0.0..=1.0).contains(&fraction) { Ok(()) } else { Err(PolicyError::InvalidJitterFraction { fraction }) }
    }
}
