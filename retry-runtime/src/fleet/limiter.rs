//! [`FleetLimiter`]: a rate limiter whose pace every process shares.
//!
//! GCRA as redis-cell computes it, in a Lua script: one theoretical arrival time in Redis
//! for the whole fleet. What providers' responses say of their requests window
//! (`x-ratelimit-remaining-requests` and its reset) is written for every process to pace by:
//! once any process reads that the window is used up, all wait for its reset.

use core::fmt;
use core::time::Duration;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use super::{Fleet, FleetError, Inner, check_name};
use crate::limiter::{Outcome, ProviderLimits, RatePermit};
use crate::shaping::{Limiter, LimiterGuard};
use crate::sleep::AsyncSleep;
use crate::{RateLimited, RateLimiter};

/// A rate limiter whose pace every process of the [`Fleet`] shares (`limiter = NAME` and
/// `.limiter(&L)` take it as they take a local one). Needs the `redis` feature.
///
/// Until it [joins](Self::join) a fleet it is its local limiter (a GCRA of the same rate).
/// Joined, each attempt asks Redis for its cell (GCRA in a Lua script, one arrival time
/// for the fleet), bounded by the store's timeout; a refusal says how long to wait, and
/// the wait never crosses the call's deadline. [`observe`](Self::observe) a response's
/// counters and every process waits for the provider's window to reset once it is used up.
///
/// This is the one shared guard that asks Redis on an attempt's path: the pace is what it
/// shares. Cells taken ahead and held locally would spare that round trip, but each process
/// could then send what it holds into a window another process has just found used up, so
/// every attempt asks for its own. While the store is away it paces with its local limiter,
/// so each process goes at the fleet's whole rate: N processes at most N times the rate, as
/// without sharing.
///
/// ```
/// use retry_runtime::fleet::{Fleet, FleetLimiter};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), retry_runtime::fleet::FleetError> {
/// static OPENAI: FleetLimiter = FleetLimiter::per_second("doc-openai", 2);
/// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-fleet-limiter")?;
/// OPENAI.join(&fleet)?;
/// let start = std::time::Instant::now();
/// for _ in 0..3 {
///     OPENAI.acquire(None).await.expect("no deadline").record(retry_runtime::limiter::Outcome::Success);
/// }
/// assert!(start.elapsed() >= std::time::Duration::from_millis(400)); // a burst of 2, then 500 ms
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct FleetLimiter {
    name: &'static str,
    /// The cell's spacing in µs and the burst: the GCRA the script runs.
    interval_us: u64,
    burst: u32,
    local: RateLimiter,
    link: OnceLock<Arc<Inner>>,
    /// A provider's window not yet written: requests left, and the time to its reset.
    window: Mutex<Option<(u64, Duration, Instant)>>,
    window_due: AtomicBool,
}

impl FleetLimiter {
    /// `n` attempts a second fleet-wide, in a burst of up to `n` (as
    /// [`RateLimiter::per_second`]); `n = 0` is read as 1.
    ///
    /// # Default
    /// Local only, until [`join`](Self::join).
    ///
    /// ```
    /// use retry_runtime::fleet::FleetLimiter;
    /// static L: FleetLimiter = FleetLimiter::per_second("openai", 10);
    /// assert_eq!(L.name(), "openai");
    /// ```
    pub const fn per_second(name: &'static str, n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Self::new(name, 1_000_000 / n as u64, n, RateLimiter::per_second(n))
    }

    /// `n` attempts a minute fleet-wide, in a burst of up to `n`; `n = 0` is read as 1.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetLimiter;
    /// static L: FleetLimiter = FleetLimiter::per_minute("anthropic", 50);
    /// assert_eq!(L.name(), "anthropic");
    /// ```
    pub const fn per_minute(name: &'static str, n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Self::new(name, 60_000_000 / n as u64, n, RateLimiter::per_minute(n))
    }

    const fn new(name: &'static str, interval_us: u64, burst: u32, local: RateLimiter) -> Self {
        Self {
            name,
            interval_us: if interval_us == 0 { 1 } else { interval_us },
            burst,
            local,
            link: OnceLock::new(),
            window: Mutex::new(None),
            window_due: AtomicBool::new(false),
        }
    }

    /// Its name in the fleet's keys.
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetLimiter;
    /// assert_eq!(FleetLimiter::per_second("l", 1).name(), "l");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The local limiter: what paces this process while the store is away.
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetLimiter;
    /// static L: FleetLimiter = FleetLimiter::per_second("l", 1);
    /// assert_eq!(L.local().fill_rate(), None); // a fixed rate
    /// ```
    pub const fn local(&self) -> &RateLimiter {
        &self.local
    }

    /// Shares this limiter's pace with every process of `fleet`.
    ///
    /// # Errors
    /// [`FleetError::AlreadyJoined`] if it has joined a fleet already;
    /// [`FleetError::Name`] if its name holds whitespace or is empty.
    ///
    /// ```
    /// use retry_runtime::fleet::{Fleet, FleetLimiter};
    /// static L: FleetLimiter = FleetLimiter::per_second("doc-limiter-join", 5);
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-limiter-join").unwrap();
    /// L.join(&fleet).unwrap();
    /// assert!(L.join(&fleet).is_err());
    /// # }
    /// ```
    pub fn join(&'static self, fleet: &Fleet) -> Result<(), FleetError> {
        check_name(self.name, "limiter name")?;
        self.link.set(Arc::clone(fleet.inner())).map_err(|_| FleetError::AlreadyJoined(self.name))?;
        fleet.inner().add_limiter(self);
        Ok(())
    }

    /// Reads a response's rate-limit counters, for this process (as
    /// [`RateLimiter::observe`]) and, at the next round, for the whole fleet: once the
    /// requests window is used up, every process waits for its reset.
    ///
    /// ```
    /// use retry_runtime::{fleet::FleetLimiter, limiter::ProviderLimits};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// static L: FleetLimiter = FleetLimiter::per_second("l", 100);
    /// L.observe(ProviderLimits { remaining_requests: Some(0), reset_requests: Some(Duration::from_secs(2)), ..ProviderLimits::default() });
    /// assert!(L.local().try_acquire().is_err());
    /// # }
    /// ```
    pub fn observe(&self, limits: ProviderLimits) {
        self.local.observe(limits);
        if let (Some(link), Some(remaining), Some(reset)) =
            (self.link.get(), limits.remaining_requests, limits.reset_requests)
        {
            *self.window.lock().unwrap_or_else(PoisonError::into_inner) = Some((remaining, reset, Instant::now()));
            self.window_due.store(true, Ordering::Release);
            // A used-up window is news every process needs now.
            if remaining == 0 {
                link.wake();
            }
        }
    }

    /// [`observe`](Self::observe) of the counters in a response's headers
    /// ([`ProviderLimits::from_headers`]). Needs the `http` feature.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetLimiter;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// static L: FleetLimiter = FleetLimiter::per_second("l", 100);
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-ratelimit-remaining-requests", "0".parse().unwrap());
    /// headers.insert("x-ratelimit-reset-requests", "2s".parse().unwrap());
    /// L.observe_headers(&headers);
    /// assert!(L.local().try_acquire().is_err());
    /// # }
    /// ```
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn observe_headers(&self, headers: &http::HeaderMap) {
        self.observe(ProviderLimits::from_headers(headers, std::time::SystemTime::now()));
    }

    /// Waits for leave to send one attempt, never past `deadline`: the fleet's cell, or the
    /// local limiter's while the store is away.
    ///
    /// # Errors
    /// [`RateLimited`] at once when the wait would end after `deadline`.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetLimiter;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// static L: FleetLimiter = FleetLimiter::per_second("doc-acquire", 10);
    /// assert!(L.acquire(None).await.is_ok()); // not joined: the local limiter
    /// # }
    /// ```
    pub async fn acquire(&self, deadline: Option<Instant>) -> Result<FleetRatePermit<'_>, RateLimited> {
        self.acquire_with(&crate::sleep::TokioSleep, deadline).await
    }

    /// [`acquire`](Self::acquire) sleeping on `sleeper`.
    async fn acquire_with<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> Result<FleetRatePermit<'_>, RateLimited> {
        let Some(link) = self.link.get() else { return self.local_permit(sleeper, deadline).await };
        loop {
            if !link.store.is_up() {
                return self.local_permit(sleeper, deadline).await;
            }
            let key = |part: &str| format!("{}:limiter:{}:{part}", link.namespace, self.name);
            let mut invocation = link.store.scripts.gcra.prepare_invoke();
            invocation.key(key("tat")).key(key("window")).arg(self.interval_us).arg(self.burst);
            let wait = match link.store.eval::<(i64, i64)>(&invocation).await {
                Ok((1, _)) => return Ok(FleetRatePermit { local: None }),
                Ok((_, wait_us)) => Duration::from_micros(u64::try_from(wait_us).unwrap_or(0).max(1)),
                // The store's event says so; this attempt is paced locally.
                Err(_) => return self.local_permit(sleeper, deadline).await,
            };
            // The deadline is on the limiter's clock, tokio's.
            if deadline.is_some_and(|d| tokio::time::Instant::now().into_std() + wait > d) {
                return Err(RateLimited::new(wait));
            }
            sleeper.sleep(wait).await;
        }
    }

    async fn local_permit<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> Result<FleetRatePermit<'_>, RateLimited> {
        let permit = self.local.acquire_with(sleeper, deadline).await?;
        Ok(FleetRatePermit { local: Some(permit) })
    }

    /// One round: writes the provider's window, if a response described one.
    pub(crate) async fn sync(&self, fleet: &Inner) -> Result<(), FleetError> {
        if !self.window_due.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let Some((remaining, reset, seen)) = *self.window.lock().unwrap_or_else(PoisonError::into_inner) else {
            return Ok(());
        };
        let left = reset.saturating_sub(seen.elapsed());
        if left.is_zero() {
            return Ok(());
        }
        let key = format!("{}:limiter:{}:window", fleet.namespace, self.name);
        let mut invocation = fleet.store.scripts.window.prepare_invoke();
        invocation.key(key).arg(remaining).arg(u64::try_from(left.as_micros()).unwrap_or(u64::MAX));
        if let Err(e) = fleet.store.eval::<i64>(&invocation).await {
            self.window_due.store(true, Ordering::Release);
            return Err(e.into());
        }
        Ok(())
    }
}

impl Fleet {
    /// Removes `limiter`'s shared state from Redis (its arrival time and provider window).
    /// For tests and operators.
    ///
    /// # Errors
    /// [`FleetError::Store`] when the store does not answer.
    ///
    /// ```
    /// use retry_runtime::fleet::{Fleet, FleetLimiter};
    /// static L: FleetLimiter = FleetLimiter::per_second("doc-clear-limiter", 5);
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-clear-limiter").unwrap();
    /// fleet.clear_limiter(&L).await.unwrap();
    /// # }
    /// ```
    pub async fn clear_limiter(&self, limiter: &FleetLimiter) -> Result<(), FleetError> {
        let inner = self.inner();
        let key = |part: &str| format!("{}:limiter:{}:{part}", inner.namespace, limiter.name);
        let mut invocation = inner.store.scripts.delete.prepare_invoke();
        invocation.key(key("tat")).key(key("window"));
        inner.store.eval::<i64>(&invocation).await?;
        Ok(())
    }
}

impl fmt::Debug for FleetLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetLimiter")
            .field("name", &self.name)
            .field("interval", &Duration::from_micros(self.interval_us))
            .field("burst", &self.burst)
            .field("joined", &self.link.get().is_some())
            .finish_non_exhaustive()
    }
}

/// Leave for one attempt from a [`FleetLimiter`]: the fleet's cell, or the local limiter's
/// permit while the store was away. Needs the `redis` feature.
///
/// ```
/// use retry_runtime::{fleet::FleetLimiter, limiter::Outcome};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// static L: FleetLimiter = FleetLimiter::per_second("doc-permit", 10);
/// L.acquire(None).await.unwrap().record(Outcome::Success);
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[must_use = "report the attempt's outcome with `record`"]
pub struct FleetRatePermit<'r> {
    local: Option<RatePermit<'r>>,
}

impl FleetRatePermit<'_> {
    /// Reports how the attempt ended (to the local limiter, if it gave the permit).
    ///
    /// ```
    /// use retry_runtime::{fleet::FleetLimiter, limiter::Outcome};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// static L: FleetLimiter = FleetLimiter::per_second("doc-record", 10);
    /// L.acquire(None).await.unwrap().record(Outcome::Throttled);
    /// # }
    /// ```
    pub fn record(self, outcome: Outcome) {
        if let Some(local) = self.local {
            local.record(outcome);
        }
    }
}

impl fmt::Debug for FleetRatePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetRatePermit").field("local", &self.local.is_some()).finish()
    }
}

impl Limiter for FleetLimiter {}

impl<'r, E: From<RateLimited>> LimiterGuard<E> for &'r FleetLimiter {
    const ACTIVE: bool = true;
    type Permit = FleetRatePermit<'r>;

    fn acquire<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> impl Future<Output = Result<Option<FleetRatePermit<'r>>, E>> {
        let limiter: &'r FleetLimiter = self;
        async move { limiter.acquire_with(sleeper, deadline).await.map(Some).map_err(E::from) }
    }

    fn record(permit: FleetRatePermit<'r>, outcome: Outcome) {
        permit.record(outcome);
    }
}
