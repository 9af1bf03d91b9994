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

/// The current time on the limiter's clock: tokio's with the `tokio` feature (so a paused
/// test clock paces it), else `std::time::Instant`'s.
#[inline]
pub(super) fn now() -> Instant {
    #[cfg(feature = "tokio")]
    return tokio::time::Instant::now().into_std();
    #[cfg(not(feature = "tokio"))]
    return Instant::now();
}

/// governor's view of [`now`]: the time since the limiter was built, as a `Duration`, which
/// governor reads without its `std` feature (whose asynchronous waiting, unused here, brings
/// `futures-util`, `futures-timer` and `parking_lot` into every user's build).
#[derive(Debug, Clone, Copy)]
struct LimiterClock {
    built: Instant,
}

impl Clock for LimiterClock {
    type Instant = Duration;

    #[inline]
    fn now(&self) -> Duration {
        now().saturating_duration_since(self.built)
    }
}

type Governor = governor::RateLimiter<NotKeyed, InMemoryState, LimiterClock, NoOpMiddleware<Duration>>;

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
        let limiter =
            self.limiter.get_or_init(|| Governor::direct_with_clock(self.quota, LimiterClock { built: now() }));
        limiter.check().map_err(|refused: NotUntil<Duration>| refused.wait_time_from(limiter.clock().now()))
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
