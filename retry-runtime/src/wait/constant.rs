//! `none` and `fixed(D)`.

use core::time::Duration;

use super::{Wait, WaitContext};

/// No sleep between attempts.
///
/// ```
/// use retry_runtime::wait::{none, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let mut rng = RetryRng::seeded(0);
/// assert_eq!(none().delay(&mut WaitContext::new(9, Duration::ZERO, &mut rng)), Duration::ZERO);
/// ```
pub const fn none() -> NoWait {
    NoWait
}

/// The same delay before every retry.
///
/// ```
/// use retry_runtime::wait::{fixed, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let mut rng = RetryRng::seeded(0);
/// let w = fixed(Duration::from_millis(250));
/// assert_eq!(w.delay(&mut WaitContext::new(u32::MAX, Duration::ZERO, &mut rng)), Duration::from_millis(250));
/// ```
pub const fn fixed(delay: Duration) -> Fixed {
    Fixed::new(delay)
}

/// See [`none`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NoWait;

impl Wait for NoWait {
    #[inline(always)]
    fn delay(&self, _: &mut WaitContext<'_>) -> Duration {
        Duration::ZERO
    }
}

/// See [`fixed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fixed {
    delay: Duration,
}

impl Fixed {
    /// Sleeps `delay` before every retry.
    pub const fn new(delay: Duration) -> Self {
        Self { delay }
    }
}

impl Wait for Fixed {
    #[inline]
    fn delay(&self, _: &mut WaitContext<'_>) -> Duration {
        self.delay
    }
}
