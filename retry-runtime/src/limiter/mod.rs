//! [`RateLimiter`]: client-side pacing of the attempts many calls make to one provider.
//!
//! A limiter is meant to be a `static` shared by every call to one provider. Before each
//! attempt the retry loop asks it for a [`RatePermit`] ([`acquire`](RateLimiter::acquire)),
//! and after the attempt reports the outcome on the permit
//! ([`record`](RatePermit::record)). Three ways to pace:
//!
//! | constructor | pacing | file |
//! |---|---|---|
//! | [`per_second(n)`](RateLimiter::per_second), [`per_minute(n)`](RateLimiter::per_minute) | GCRA (governor), a burst of up to `n` | `gcra.rs` |
//! | [`adaptive()`](RateLimiter::adaptive) | the AWS SDKs' adaptive retry mode: CUBIC, cut by throttles | `cubic.rs` |
//! | any of them, fed the provider's counters ([`observe`](RateLimiter::observe)) | waits for the reset once the window is used up | `provider.rs` |
//!
//! Waiting never crosses the caller's deadline: a wait that would end past it is refused at
//! once with [`RateLimited`]. Waiting is cancel-safe: a dropped [`acquire`](RateLimiter::acquire)
//! future holds nothing (an adaptive token it had reserved is given back).
//!
//! The limiter reads one clock for all of this: tokio's (with the `tokio` feature, the
//! default sleeper's clock, so a paused test clock paces it), else `std::time::Instant`.
//! governor's GCRA must read a clock of its own rather than take `now` from the caller, as the
//! breaker does, so every part of the limiter reads that clock.

mod cubic;
mod gcra;
mod provider;

use core::fmt;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

pub use provider::ProviderLimits;

use crate::sleep::AsyncSleep;
use cubic::Cubic;
use gcra::Gcra;
use provider::Gate;

/// A client-side rate limiter shared by many calls (`limiter = NAME`).
///
/// # Default
/// `#[retry]` uses no limiter unless given one. Every constructor is `const`, so a limiter
/// can be a `static`.
///
/// ```
/// use retry_runtime::limiter::{Outcome, RateLimiter};
///
/// static OPENAI: RateLimiter = RateLimiter::per_second(2);
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let start = tokio::time::Instant::now();
/// for _ in 0..3 {
///     let permit = OPENAI.acquire(None).await.expect("no deadline");
///     // … send the request …
///     permit.record(Outcome::Success);
/// }
/// // A burst of two, then one every 500 ms.
/// assert_eq!(start.elapsed(), std::time::Duration::from_millis(500));
/// # }
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    pace: Pace,
    gate: Gate,
}

#[derive(Debug)]
enum Pace {
    Fixed(Gcra),
    Adaptive(Adaptive),
}

#[derive(Debug)]
struct Adaptive {
    /// Whether the bucket is on (`Cubic::enabled`), readable without the lock: until the
    /// first throttle an attempt neither locks nor reads the clock.
    enabled: AtomicBool,
    cubic: Mutex<Cubic>,
    /// The limiter's first use: CUBIC's times are seconds after it.
    origin: OnceLock<Instant>,
}

impl Adaptive {
    fn seconds(&self, now: Instant) -> f64 {
        now.saturating_duration_since(*self.origin.get_or_init(|| now)).as_secs_f64()
    }

    fn cubic(&self) -> std::sync::MutexGuard<'_, Cubic> {
        self.cubic.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How an attempt ended, as the limiter counts it.
///
/// ```
/// use retry_runtime::limiter::Outcome;
/// assert_ne!(Outcome::Throttled, Outcome::Success);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A response that was not a throttle.
    Success,
    /// A throttling response (429, or a provider's own "slow down"): cuts an adaptive rate.
    Throttled,
    /// Any other error: for an adaptive limiter, a response that is not a throttle (as in
    /// the AWS SDKs).
    Failure,
}

impl RateLimiter {
    /// GCRA at `n` attempts a second, in a burst of up to `n` (governor's
    /// `Quota::per_second`); `n = 0` is read as 1.
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// static LIMITER: RateLimiter = RateLimiter::per_second(10);
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// assert!(LIMITER.try_acquire().is_ok());
    /// # });
    /// ```
    pub const fn per_second(n: u32) -> Self {
        Self::fixed(gcra::quota(n, false))
    }

    /// GCRA at `n` attempts a minute, in a burst of up to `n`; `n = 0` is read as 1.
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// let limiter = RateLimiter::per_minute(1);
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// assert!(limiter.try_acquire().is_ok());
    /// let refused = limiter.try_acquire().unwrap_err();
    /// assert!(refused.retry_in() > std::time::Duration::from_secs(59));
    /// # });
    /// ```
    pub const fn per_minute(n: u32) -> Self {
        Self::fixed(gcra::quota(n, true))
    }

    const fn fixed(quota: governor::Quota) -> Self {
        Self { pace: Pace::Fixed(Gcra::new(quota)), gate: Gate::new() }
    }

    /// The AWS SDKs' adaptive retry mode (smithy-rs's `ClientRateLimiter`): every attempt
    /// goes through at once until the first [`Outcome::Throttled`]; from then on attempts
    /// take tokens from a bucket filled at a rate that a throttle cuts to 70 % of the rate
    /// measured (never below 0.5 a second) and that other outcomes grow back along CUBIC's
    /// curve (scale 0.4), never above twice the measured rate (smoothed 0.8 over half-second
    /// buckets).
    ///
    /// ```
    /// use retry_runtime::limiter::{Outcome, RateLimiter};
    /// static LIMITER: RateLimiter = RateLimiter::adaptive();
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// assert_eq!(LIMITER.fill_rate(), None, "off until a throttle");
    /// LIMITER.acquire(None).await.unwrap().record(Outcome::Throttled);
    /// assert_eq!(LIMITER.fill_rate(), Some(0.5), "cut to the minimum: nothing was measured yet");
    /// # });
    /// ```
    pub const fn adaptive() -> Self {
        Self {
            pace: Pace::Adaptive(Adaptive {
                enabled: AtomicBool::new(false),
                cubic: Mutex::new(Cubic::new()),
                origin: OnceLock::new(),
            }),
            gate: Gate::new(),
        }
    }

    /// The adaptive bucket's fill rate in attempts a second, `None` while it is off (a fixed
    /// limiter, or an adaptive one before its first throttle).
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// assert_eq!(RateLimiter::per_second(5).fill_rate(), None);
    /// ```
    pub fn fill_rate(&self) -> Option<f64> {
        match &self.pace {
            Pace::Fixed(_) => None,
            Pace::Adaptive(a) => {
                let cubic = a.cubic();
                cubic.enabled().then(|| cubic.fill_rate())
            }
        }
    }

    /// A permit for one attempt now, or the wait until one may go; never waits.
    ///
    /// # Errors
    /// [`RateLimited`] when no attempt may go now; nothing is taken then.
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let limiter = RateLimiter::per_second(1);
    /// let permit = limiter.try_acquire()?;
    /// # drop(permit);
    /// assert!(limiter.try_acquire().is_err());
    /// # Ok::<(), retry_runtime::limiter::RateLimited>(())
    /// # }).unwrap();
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Result<RatePermit<'_>, RateLimited> {
        match self.take(Wait::None)? {
            Taken::Now(permit) => Ok(permit),
            Taken::After(wait, pending) => {
                drop(pending);
                Err(RateLimited::new(wait))
            }
        }
    }

    /// Waits for a permit for one attempt, on the default sleeper (tokio's timer), never
    /// past `deadline` (on the limiter's clock: tokio's with the `tokio` feature).
    ///
    /// Needs the `tokio` feature.
    ///
    /// # Errors
    /// [`RateLimited`] at once when the wait would end after `deadline`.
    ///
    /// # Cancellation
    /// Dropping the future while it waits holds nothing: the next caller proceeds as if
    /// this one had never asked.
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = RateLimiter::per_second(1);
    /// let _first = limiter.acquire(None).await.unwrap();
    /// let soon = tokio::time::Instant::now().into_std() + Duration::from_millis(100);
    /// let refused = limiter.acquire(Some(soon)).await.unwrap_err();
    /// assert_eq!(refused.retry_in(), Duration::from_secs(1));
    /// assert_eq!(tokio::time::Instant::now().into_std() + Duration::from_millis(100), soon, "refused at once");
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn acquire(&self, deadline: Option<Instant>) -> Result<RatePermit<'_>, RateLimited> {
        self.acquire_with(&crate::sleep::TokioSleep, deadline).await
    }

    /// [`acquire`](Self::acquire) sleeping on `sleeper`; `deadline` is still on the
    /// limiter's clock.
    ///
    /// # Errors
    /// [`RateLimited`] at once when the wait would end after `deadline`.
    ///
    /// ```
    /// use retry_runtime::{limiter::RateLimiter, sleep::TokioSleep};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = RateLimiter::per_second(1);
    /// assert!(limiter.acquire_with(&TokioSleep, None).await.is_ok());
    /// # }
    /// ```
    pub async fn acquire_with<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> Result<RatePermit<'_>, RateLimited> {
        loop {
            match self.take(Wait::Until(deadline)) {
                Ok(Taken::Now(permit)) => return Ok(permit),
                // Reserved: the token is owed while this sleeps, given back if it is dropped.
                Ok(Taken::After(wait, pending)) => {
                    sleep_for(sleeper, wait).await;
                    return Ok(pending.into_permit());
                }
                Err(refused) if deadline.is_some_and(|d| gcra::now() + refused.retry_in > d) => return Err(refused),
                Err(refused) => sleep_for(sleeper, refused.retry_in).await,
            }
        }
    }

    /// Reads a response's rate-limit counters (see [`ProviderLimits`]). Call it on every
    /// response, successes too, before the attempt's [`record`](RatePermit::record).
    ///
    /// Once the requests window is used up (or the attempts already in flight will use
    /// it up), attempts wait until it resets; once the tokens are used up, until they reset.
    ///
    /// ```
    /// use retry_runtime::limiter::{Outcome, ProviderLimits, RateLimiter};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = RateLimiter::adaptive();
    /// let permit = limiter.acquire(None).await.unwrap();
    /// limiter.observe(ProviderLimits {
    ///     remaining_requests: Some(0),
    ///     reset_requests: Some(Duration::from_secs(2)),
    ///     ..ProviderLimits::default()
    /// });
    /// permit.record(Outcome::Success);
    /// assert_eq!(limiter.try_acquire().unwrap_err().retry_in(), Duration::from_secs(2));
    /// # }
    /// ```
    pub fn observe(&self, limits: ProviderLimits) {
        self.gate.observe(limits, gcra::now());
    }

    /// [`observe`](Self::observe) of the counters in a response's headers
    /// ([`ProviderLimits::from_headers`]: OpenAI's `x-ratelimit-*` and Anthropic's
    /// `anthropic-ratelimit-*`).
    ///
    /// Needs the `http` feature.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use retry_runtime::limiter::RateLimiter;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = RateLimiter::per_second(100);
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-ratelimit-remaining-tokens", "0".parse().unwrap());
    /// headers.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
    /// limiter.observe_headers(&headers);
    /// assert_eq!(limiter.try_acquire().unwrap_err().retry_in(), Duration::from_secs(360));
    /// # }
    /// ```
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn observe_headers(&self, headers: &http::HeaderMap) {
        self.observe(ProviderLimits::from_headers(headers, std::time::SystemTime::now()));
    }

    /// One attempt now, or a reservation that ends within `wait`, or the refusal. Reads the
    /// clock only when the gate or the adaptive bucket is on.
    #[inline]
    fn take(&self, wait: Wait) -> Result<Taken<'_>, RateLimited> {
        let gated = if self.gate.is_active() { self.gate.take(gcra::now()).map_err(RateLimited::new)? } else { false };
        let pending = Pending { limiter: self, gated, reserved: false };
        let wait = match &self.pace {
            Pace::Fixed(gcra) => gcra.check().map(|()| Duration::ZERO),
            Pace::Adaptive(a) if !a.enabled.load(Ordering::Acquire) => Ok(Duration::ZERO),
            Pace::Adaptive(a) => {
                let now = gcra::now();
                let room = match wait {
                    Wait::None => 0.0,
                    Wait::Until(None) => f64::INFINITY,
                    Wait::Until(Some(deadline)) => deadline.saturating_duration_since(now).as_secs_f64(),
                };
                let reserved = a.cubic().reserve(a.seconds(now), room);
                reserved.map(Duration::from_secs_f64).map_err(Duration::from_secs_f64)
            }
        };
        match wait {
            Err(retry_in) => {
                drop(pending);
                Err(RateLimited::new(retry_in))
            }
            Ok(wait) if wait.is_zero() => Ok(Taken::Now(pending.into_permit())),
            Ok(wait) => Ok(Taken::After(wait, Pending { reserved: true, ..pending })),
        }
    }
}

/// How long [`RateLimiter::take`] may reserve ahead.
#[derive(Clone, Copy)]
enum Wait {
    /// Not at all: [`RateLimiter::try_acquire`].
    None,
    /// Until the deadline, if any.
    Until(Option<Instant>),
}

async fn sleep_for<Z: AsyncSleep>(sleeper: &Z, delay: Duration) {
    if !delay.is_zero() {
        #[cfg(feature = "metrics")]
        crate::telemetry::limiter_wait(delay);
        sleeper.sleep(delay).await;
    }
}

enum Taken<'a> {
    Now(RatePermit<'a>),
    /// Reserved, usable after the wait.
    After(Duration, Pending<'a>),
}

/// What an attempt has taken before it may run: its place in the provider's window, and an
/// adaptive token. Dropped, it gives both back.
struct Pending<'a> {
    limiter: &'a RateLimiter,
    gated: bool,
    reserved: bool,
}

impl<'a> Pending<'a> {
    fn into_permit(mut self) -> RatePermit<'a> {
        let counted = self.limiter.gate.is_active();
        if counted {
            self.limiter.gate.started();
        }
        (self.gated, self.reserved) = (false, false);
        RatePermit { limiter: self.limiter, counted }
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.gated {
            self.limiter.gate.give_back();
        }
        if let (true, Pace::Adaptive(a)) = (self.reserved, &self.limiter.pace) {
            a.cubic().refund();
        }
    }
}

/// Leave for one attempt from a [`RateLimiter`]; report the attempt's outcome with
/// [`record`](Self::record). Dropped unreported (the attempt was cancelled), it records
/// nothing.
///
/// ```
/// use retry_runtime::limiter::{Outcome, RateLimiter};
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let limiter = RateLimiter::adaptive();
/// let permit = limiter.acquire(None).await.unwrap();
/// permit.record(Outcome::Failure);
/// # }
/// ```
#[must_use = "report the attempt's outcome with `record`"]
pub struct RatePermit<'a> {
    limiter: &'a RateLimiter,
    /// Counted in the gate's attempts in flight.
    counted: bool,
}

impl RatePermit<'_> {
    /// Reports how the attempt ended: an adaptive limiter's rate follows it.
    ///
    /// ```
    /// use retry_runtime::limiter::{Outcome, RateLimiter};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = RateLimiter::adaptive();
    /// limiter.acquire(None).await.unwrap().record(Outcome::Throttled);
    /// assert!(limiter.fill_rate().is_some());
    /// # }
    /// ```
    pub fn record(self, outcome: Outcome) {
        if let Pace::Adaptive(a) = &self.limiter.pace {
            let seconds = a.seconds(gcra::now());
            let mut cubic = a.cubic();
            cubic.update(seconds, outcome == Outcome::Throttled);
            if cubic.enabled() {
                a.enabled.store(true, Ordering::Release);
            }
        }
    }
}

impl Drop for RatePermit<'_> {
    fn drop(&mut self) {
        if self.counted {
            self.limiter.gate.answered();
        }
    }
}

impl fmt::Debug for RatePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RatePermit").finish_non_exhaustive()
    }
}

/// The refusal of a [`RateLimiter`]: no attempt may go before `retry_in`, and the caller's
/// deadline comes first (or the caller asked [`try_acquire`](RateLimiter::try_acquire)).
///
/// ```
/// use retry_runtime::limiter::RateLimiter;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let limiter = RateLimiter::per_second(1);
/// let _permit = limiter.try_acquire().unwrap();
/// let refused = limiter.try_acquire().unwrap_err();
/// assert_eq!(refused.to_string(), format!("rate limited: next attempt in {:?}", refused.retry_in()));
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimited {
    retry_in: Duration,
}

impl RateLimited {
    pub(crate) const fn new(retry_in: Duration) -> Self {
        Self { retry_in }
    }

    /// How long after the refusal an attempt may go, as far as the limiter knows.
    ///
    /// ```
    /// use retry_runtime::limiter::RateLimiter;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let limiter = RateLimiter::per_second(4);
    /// for _ in 0..4 { let _ = limiter.try_acquire().unwrap(); }
    /// assert_eq!(limiter.try_acquire().unwrap_err().retry_in(), std::time::Duration::from_millis(250));
    /// # });
    /// ```
    pub const fn retry_in(&self) -> Duration {
        self.retry_in
    }
}

impl fmt::Display for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limited: next attempt in {:?}", self.retry_in)
    }
}

impl std::error::Error for RateLimited {}
