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
/// A process takes its cells a few at a time ([`limiter_lease`](super::FleetOptions::with_limiter_lease),
/// 4 by default, at most a quarter of the burst) and holds them, so that an attempt with a
/// cell in hand sends nothing to Redis and waits on nothing; the background round tops the
/// lease up once a cell is spent, and gives back to the fleet's pace the cells held longer
/// than one [`refresh`](super::FleetOptions::with_refresh) unspent. Every cell is still
/// counted by the one GCRA when it is taken, so over any time `W` the fleet sends at most
/// `burst + rate × W` attempts, plus the cells its processes held when `W` began (at most a
/// lease each). A provider's window found used up stops the cells in hand: at once in the
/// process that read it, at its next round (within a refresh) in the others.
///
/// While the store is away it paces with its local limiter, so each process goes at the
/// fleet's whole rate: N processes at most N times the rate, as without sharing.
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
    lease: Mutex<Lease>,
}

/// Cells taken from the fleet's pace and not yet spent.
struct Lease {
    held: u32,
    /// When the cells in hand stop being spent (the next round gives them back).
    until: Option<Instant>,
    /// A cell was spent since the last round, which tops the lease up.
    spent: bool,
    /// The provider's window is used up: the cells in hand are not spent.
    stopped: bool,
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
            lease: Mutex::new(Lease { held: 0, until: None, spent: false, stopped: false }),
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
            *lock(&self.window) = Some((remaining, reset, Instant::now()));
            self.window_due.store(true, Ordering::Release);
            // A used-up window is news every process needs now, and this one has read it.
            if remaining == 0 {
                lock(&self.lease).stopped = true;
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
        if self.spend_held(link) {
            return Ok(FleetRatePermit { local: None });
        }
        loop {
            if !link.store.is_up() {
                return self.local_permit(sleeper, deadline).await;
            }
            let wanted = self.lease_size(link).max(1);
            let wait = match self.ask(link, wanted, 0).await {
                Ok((granted @ 1.., _, _)) => {
                    self.hold(link, granted - 1);
                    return Ok(FleetRatePermit { local: None });
                }
                Ok((_, wait_us, _)) => Duration::from_micros(wait_us.max(1)),
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

    /// The lease a process holds: the fleet's option, at most a quarter of the burst.
    fn lease_size(&self, link: &Inner) -> u32 {
        link.options.limiter_lease().min((self.burst / 4).max(1))
    }

    /// Spends a cell in hand, if one is and may be; at half the lease left it wakes the round to
    /// top it up before it runs out.
    fn spend_held(&self, link: &Inner) -> bool {
        let mut lease = lock(&self.lease);
        if lease.held == 0 || lease.stopped || lease.until.is_none_or(|until| Instant::now() >= until) {
            return false;
        }
        lease.held -= 1;
        lease.spent = true;
        let low = lease.held <= self.lease_size(link) / 2;
        drop(lease);
        if low {
            link.wake();
        }
        true
    }

    /// Holds `cells` just taken from the fleet, which has just said its window is not used up.
    fn hold(&self, link: &Inner, cells: u32) {
        let mut lease = lock(&self.lease);
        lease.spent = true;
        lease.stopped = false;
        if cells > 0 {
            lease.held += cells;
            lease.until = Some(Instant::now() + link.options.refresh());
        }
    }

    /// Asks the fleet's GCRA for `wanted` cells and gives back `given`: the cells granted, the
    /// µs to wait when none was, and whether the provider's window is used up.
    async fn ask(&self, link: &Inner, wanted: u32, given: u32) -> Result<(u32, u64, bool), FleetError> {
        let key = |part: &str| format!("{}:limiter:{}:{part}", link.namespace, self.name);
        let mut invocation = link.store.scripts.gcra.prepare_invoke();
        invocation.key(key("tat")).key(key("window")).arg(self.interval_us).arg(self.burst).arg(wanted).arg(given);
        let (granted, wait_us, used_up) = link.store.eval::<(i64, i64, i64)>(&invocation).await?;
        // A reply out of range (a store that answers garbage) grants nothing it was not asked.
        let granted = u32::try_from(granted).unwrap_or(0).min(wanted);
        Ok((granted, u64::try_from(wait_us).unwrap_or(0), used_up == 1))
    }

    async fn local_permit<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> Result<FleetRatePermit<'_>, RateLimited> {
        let permit = self.local.acquire_with(sleeper, deadline).await?;
        Ok(FleetRatePermit { local: Some(permit) })
    }

    /// One round: writes the provider's window, if a response described one, then tops the
    /// lease up (once a cell was spent since the last round) and gives back the cells held
    /// too long or stopped; `last` gives back every cell.
    pub(crate) async fn sync(&self, fleet: &Inner, last: bool) -> Result<(), FleetError> {
        let written = self.write_window(fleet).await;
        let now = Instant::now();
        let (given, wanted, held, stopped) = {
            let mut lease = lock(&self.lease);
            let stale = last || lease.stopped || lease.until.is_none_or(|until| now >= until);
            let given = if stale { core::mem::take(&mut lease.held) } else { 0 };
            let wanted = if lease.spent && !lease.stopped && !last {
                self.lease_size(fleet).saturating_sub(lease.held)
            } else {
                0
            };
            lease.spent = false;
            (given, wanted, lease.held, lease.stopped)
        };
        if given == 0 && wanted == 0 && held == 0 && !stopped {
            return written;
        }
        // Cells given back are not sent again if this fails: the reply may have been lost
        // after Redis applied it, and given back twice they would let the fleet go faster.
        let (granted, _, used_up) = self.ask(fleet, wanted, given).await?;
        let mut lease = lock(&self.lease);
        lease.stopped = used_up;
        if granted > 0 {
            lease.held += granted;
            lease.until = Some(now + fleet.options.refresh());
        }
        written
    }

    async fn write_window(&self, fleet: &Inner) -> Result<(), FleetError> {
        if !self.window_due.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let Some((remaining, reset, seen)) = *lock(&self.window) else {
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

    /// Cells this process holds, taken from the fleet's pace and not yet spent.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetLimiter;
    /// static L: FleetLimiter = FleetLimiter::per_second("doc-held", 10);
    /// assert_eq!(L.held(), 0); // not joined: no lease
    /// ```
    pub fn held(&self) -> u32 {
        lock(&self.lease).held
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
