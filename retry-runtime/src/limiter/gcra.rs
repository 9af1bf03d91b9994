//! The fixed limiters, `per_second(n)` and `per_minute(n)`: governor's GCRA, on the clock the
//! rest of the limiter reads.
//!
//! governor's limiter cannot be built in a `const fn` (its state starts from its clock's
//! `now()`), so the quota is kept as data and the limiter built on first use, which lets a
//! [`RateLimiter`](super::RateLimiter) be a `static`.

use core::num::NonZeroU32;
use core::time::Duration;
use std::sync::OnceLock;
use std::time::Instant;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota};

/// What a fixed limiter's time is read from: tokio's clock with the `tokio` feature (so a
/// paused test clock paces it), else governor's own `MonotonicClock`.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy)]
pub(super) struct LimiterClock;

#[cfg(feature = "tokio")]
impl Clock for LimiterClock {
    type Instant = Instant;

    #[inline]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

#[cfg(not(feature = "tokio"))]
pub(super) type LimiterClock = governor::clock::MonotonicClock;

#[cfg(feature = "tokio")]
const CLOCK: LimiterClock = LimiterClock;
#[cfg(not(feature = "tokio"))]
const CLOCK: LimiterClock = governor::clock::MonotonicClock;

/// The current time on the limiter's clock.
#[inline]
pub(super) fn now() -> Instant {
    CLOCK.now()
}

type Governor = governor::RateLimiter<NotKeyed, InMemoryState, LimiterClock, NoOpMiddleware<Instant>>;

/// A GCRA quota and the governor limiter that enforces it, built on first use.
#[derive(Debug)]
pub(super) struct Gcra {
    quota: Quota,
    limiter: OnceLock<Governor>,
}

impl Gcra {
    /// `n` attempts each `period`, in a burst of up to `n`; `n = 0` is read as 1.
    pub(super) const fn new(quota: Quota) -> Self {
        Self { quota, limiter: OnceLock::new() }
    }

    /// Takes a cell now, or says how long until one is free (nothing is taken then).
    #[inline]
    pub(super) fn check(&self) -> Result<(), Duration> {
        let limiter = self.limiter.get_or_init(|| Governor::direct_with_clock(self.quota, CLOCK));
        limiter.check().map_err(|refused: NotUntil<Instant>| refused.wait_time_from(now()))
    }
}

/// `n` a `period` as a quota with a burst of `n`, counting 0 as 1 (the constructors are
/// `const`, where a panic on 0 would be a surprise at first use instead of compile time).
pub(super) const fn quota(n: u32, per_minute: bool) -> Quota {
    let n = match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    };
    if per_minute { Quota::per_minute(n) } else { Quota::per_second(n) }
}
