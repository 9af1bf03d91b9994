//! [`FleetBreaker`]: a circuit breaker whose open state every process shares.
//!
//! Each process keeps its own [`CircuitBreaker`], which counts its own failures and decides
//! when to open. An opening is published as an open-until time (only ever raised, expiring
//! after it); every process that reads it refuses at once until then. Past that time the
//! fleet is half-open: a call runs only with one of the fleet's probe permits (a count in
//! Redis with a TTL). A probe's success closes the circuit for all; its failure opens it
//! for another cooldown.

use core::fmt;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::store::Synced;
use super::{Fleet, FleetError, Inner, check_name, millis, wall_ms};
use crate::breaker::BreakerPermit;
use crate::guards::{AttemptPermit, Breaker, BreakerGuard};
use crate::{BreakerState, CircuitBreaker, CircuitOpen};

/// What a fleet probe reported, for the next round to write.
const REPORT_NONE: u8 = 0;
const REPORT_SUCCESS: u8 = 1;
const REPORT_FAILURE: u8 = 2;

/// A [`CircuitBreaker`] whose *open* decision every process of the [`Fleet`] shares
/// (`breaker = NAME` and `.breaker(&B)` take it as they take a local one).
/// Needs the `redis` feature.
///
/// Until it [joins](Self::join) a fleet it is its local breaker and nothing more. Joined:
/// - its local breaker still counts this process's failures and decides to open;
/// - an opening is published as an open-until time, which only ever rises and expires
///   [`key_ttl`](super::FleetOptions::with_key_ttl) after it; each process reads it at
///   least every [`refresh`](super::FleetOptions::with_refresh) and refuses at once
///   (no Redis on the call's path) until then;
/// - past it, the fleet is half-open: at most [`half_open_probes`](CircuitBreaker::half_open_probes)
///   calls fleet-wide run, each on a permit taken from a count in Redis that expires after
///   [`probe_ttl`](super::FleetOptions::with_probe_ttl) (a crashed prober frees it); a
///   probe's success closes the circuit everywhere (and closes a local breaker that is
///   open or half-open, unless isolated), its failure opens it again for the cooldown.
///
/// While the store is down it is its local breaker again, except that an open-until time
/// already read still refuses until it passes.
///
/// ```
/// use retry_runtime::fleet::{Fleet, FleetBreaker};
/// use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, RetryPolicy, stop::attempts, wait::none};
/// use std::time::Duration;
///
/// #[derive(Debug, PartialEq)]
/// enum Error { Down, Open }
/// impl From<CircuitOpen> for Error { fn from(_: CircuitOpen) -> Self { Error::Open } }
/// impl std::fmt::Display for Error {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
/// }
///
/// static PROVIDER_A: FleetBreaker =
///     FleetBreaker::new("doc-provider-a", CircuitBreaker::consecutive(2, Duration::from_secs(30)));
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), retry_runtime::fleet::FleetError> {
/// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-fleet-breaker")?;
/// PROVIDER_A.join(&fleet)?;
/// let policy = RetryPolicy::builder().stop(attempts(5)).wait(none()).breaker(&PROVIDER_A).build().unwrap();
/// let out: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
/// assert_eq!(out, Err(Error::Down)); // two failures opened it: the call ends with the second
/// fleet.sync().await?;                 // published: every process now refuses
/// assert!(PROVIDER_A.fleet_open_for().is_some());
/// # PROVIDER_A.local().reset(); fleet.clear_breaker(&PROVIDER_A).await?;
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct FleetBreaker {
    name: &'static str,
    local: CircuitBreaker,
    link: OnceLock<Arc<Inner>>,
    /// The fleet's open-until time as last read, in ms on this machine's clock; 0 when the
    /// fleet's circuit is closed. The one word a call reads.
    shared_until: AtomicU64,
    /// An opening of this process not yet written, in ms on this machine's clock.
    publish_until: AtomicU64,
    /// Fleet probe permits this process holds and has not used.
    grants: AtomicU32,
    /// A call was refused for want of a probe permit: ask for one.
    wants_probe: AtomicBool,
    /// What a fleet probe reported: success, failure (which wins), or nothing.
    report: AtomicU8,
    /// Fleet probe permits to give back (the probe was cancelled or said nothing).
    releases: AtomicU32,
    /// The Redis clock minus this machine's, in ms, as last measured.
    skew: AtomicI64,
    /// Whether the last round could read the fleet's state.
    synced: Synced,
}

impl FleetBreaker {
    /// A shared breaker named `name` (its part of the keys, unique in the namespace) over
    /// `local`, which counts this process's failures.
    ///
    /// # Default
    /// Local only, until [`join`](Self::join).
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, fleet::FleetBreaker};
    /// static A: FleetBreaker = FleetBreaker::new("provider-a", CircuitBreaker::polly());
    /// assert_eq!(A.name(), "provider-a");
    /// ```
    pub const fn new(name: &'static str, local: CircuitBreaker) -> Self {
        Self {
            name,
            local,
            link: OnceLock::new(),
            shared_until: AtomicU64::new(0),
            publish_until: AtomicU64::new(0),
            grants: AtomicU32::new(0),
            wants_probe: AtomicBool::new(false),
            report: AtomicU8::new(REPORT_NONE),
            releases: AtomicU32::new(0),
            skew: AtomicI64::new(0),
            synced: Synced::new(),
        }
    }

    /// Its name in the fleet's keys.
    ///
    /// ```
    /// # use retry_runtime::{CircuitBreaker, fleet::FleetBreaker};
    /// assert_eq!(FleetBreaker::new("b", CircuitBreaker::polly()).name(), "b");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The local breaker: this process's count and state.
    ///
    /// ```
    /// # use retry_runtime::{BreakerState, CircuitBreaker, fleet::FleetBreaker};
    /// static A: FleetBreaker = FleetBreaker::new("a", CircuitBreaker::polly());
    /// assert_eq!(A.local().state(), BreakerState::Closed);
    /// ```
    pub const fn local(&self) -> &CircuitBreaker {
        &self.local
    }

    /// Shares this breaker's open state with every process of `fleet`.
    ///
    /// # Errors
    /// [`FleetError::AlreadyJoined`] if it has joined a fleet already;
    /// [`FleetError::Name`] if its name holds whitespace or is empty.
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, fleet::{Fleet, FleetBreaker, FleetError}};
    /// static A: FleetBreaker = FleetBreaker::new("doc-join", CircuitBreaker::polly());
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-join").unwrap();
    /// A.join(&fleet).unwrap();
    /// assert_eq!(A.join(&fleet), Err(FleetError::AlreadyJoined("doc-join")));
    /// # }
    /// ```
    pub fn join(&'static self, fleet: &Fleet) -> Result<(), FleetError> {
        check_name(self.name, "breaker name")?;
        self.link.set(Arc::clone(fleet.inner())).map_err(|_| FleetError::AlreadyJoined(self.name))?;
        fleet.inner().add_breaker(self);
        Ok(())
    }

    /// How long the fleet's circuit stays open as this process last read it; `None` when
    /// the fleet's circuit is closed or half-open.
    ///
    /// ```
    /// # use retry_runtime::{CircuitBreaker, fleet::FleetBreaker};
    /// static A: FleetBreaker = FleetBreaker::new("a", CircuitBreaker::polly());
    /// assert_eq!(A.fleet_open_for(), None);
    /// ```
    pub fn fleet_open_for(&self) -> Option<Duration> {
        let until = self.shared_until.load(Ordering::Acquire);
        let now = wall_ms();
        (until > now).then(|| Duration::from_millis(until - now))
    }

    /// The state as this process sees it: open while the fleet's open-until time is ahead
    /// or the local breaker is open, half-open while the fleet is, else the local state.
    ///
    /// ```
    /// # use retry_runtime::{BreakerState, CircuitBreaker, fleet::FleetBreaker};
    /// static A: FleetBreaker = FleetBreaker::new("a", CircuitBreaker::polly());
    /// assert_eq!(A.state(), BreakerState::Closed);
    /// ```
    pub fn state(&self) -> BreakerState {
        let local = self.local.state();
        match self.shared_until.load(Ordering::Acquire) {
            0 => local,
            until if until > wall_ms() => BreakerState::Open,
            _ if local == BreakerState::Open => local,
            _ => BreakerState::HalfOpen,
        }
    }

    /// The cold path of a call when the fleet's circuit is not closed: refused while open;
    /// past its time, a probe if this process holds a permit (or the store is away, when
    /// the local breaker decides alone).
    #[inline(never)]
    fn fleet_gate(&self, until: u64, now: Instant) -> Result<bool, CircuitOpen> {
        let wall = wall_ms();
        if wall < until {
            let retry_in = Duration::from_millis(until - wall);
            return Err(CircuitOpen::new(now.checked_add(retry_in), now));
        }
        let Some(link) = self.link.get() else { return Ok(false) };
        if !self.synced.get() {
            return Ok(false);
        }
        let took = self.grants.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok();
        if took {
            return Ok(true);
        }
        self.wants_probe.store(true, Ordering::Release);
        link.wake();
        Err(CircuitOpen::new(None, now))
    }

    /// A failure was counted: if it opened the local breaker, publish the opening.
    fn after_failure(&self, now: Instant) {
        let Some(link) = self.link.get() else { return };
        if let Some(until) = self.local.opened_until() {
            let wall = wall_ms().saturating_add(millis(until.saturating_duration_since(now)));
            if self.publish_until.fetch_max(wall, Ordering::AcqRel) < wall {
                // This process refuses for the fleet's reasons as well as its own from now.
                self.shared_until.fetch_max(wall, Ordering::AcqRel);
                link.wake();
            }
        }
    }

    fn probe_reported(&self, report: u8) {
        if report == REPORT_NONE {
            self.releases.fetch_add(1, Ordering::AcqRel);
        } else {
            self.report.fetch_max(report, Ordering::AcqRel);
        }
        if let Some(link) = self.link.get() {
            link.wake();
        }
    }

    /// One round: writes this process's news and reads the fleet's state.
    pub(crate) async fn sync(&self, fleet: &Inner) -> Result<(), FleetError> {
        let shared = self.shared_until.load(Ordering::Acquire);
        // Permits left over once the fleet closed are given back.
        let stale = if shared == 0 { self.grants.swap(0, Ordering::AcqRel) } else { 0 };
        let publish = self.publish_until.swap(0, Ordering::AcqRel);
        let report = self.report.swap(REPORT_NONE, Ordering::AcqRel);
        let releases = self.releases.swap(0, Ordering::AcqRel) + stale;
        let wants = self.wants_probe.swap(false, Ordering::AcqRel);
        let open_for = publish.saturating_sub(wall_ms());
        let key = |part: &str| format!("{}:breaker:{}:{part}", fleet.namespace, self.name);
        let mut invocation = fleet.store.scripts.breaker.prepare_invoke();
        invocation
            .key(key("open"))
            .key(key("probes"))
            .arg(open_for)
            .arg(report)
            .arg(millis(self.local.cooldown()))
            .arg(u8::from(wants))
            .arg(self.local.half_open_probes())
            .arg(millis(fleet.options.probe_ttl))
            .arg(millis(fleet.options.key_ttl))
            .arg(releases);
        let outcome = fleet.store.eval::<(i64, i64, i64)>(&invocation).await;
        match self.synced.record(outcome, "FleetBreaker", self.name) {
            Ok((until, granted, redis_now)) => {
                let skew = redis_now - i64::try_from(wall_ms()).unwrap_or(i64::MAX);
                self.skew.store(skew, Ordering::Release);
                let local_until = if until <= 0 { 0 } else { u64::try_from(until - skew).unwrap_or(1).max(1) };
                let was = self.shared_until.swap(local_until, Ordering::AcqRel);
                if granted == 1 {
                    self.grants.fetch_add(1, Ordering::AcqRel);
                }
                // Closed by a probe elsewhere: this process follows, even if it had opened (an
                // isolated breaker is held open by hand, and stays so).
                if was != 0
                    && local_until == 0
                    && self.local.state() != BreakerState::Closed
                    && !self.local.is_isolated()
                {
                    self.local.reset();
                }
                Ok(())
            }
            Err(e) => {
                // Kept for the next round: nothing is lost while the store is away.
                if publish > wall_ms() {
                    self.publish_until.fetch_max(publish, Ordering::AcqRel);
                }
                self.report.fetch_max(report, Ordering::AcqRel);
                self.releases.fetch_add(releases, Ordering::AcqRel);
                if wants {
                    self.wants_probe.store(true, Ordering::Release);
                }
                Err(e)
            }
        }
    }
}

impl Fleet {
    /// Removes `breaker`'s shared state from Redis (its open-until time and probe count)
    /// and closes it as this process sees it: for tests and operators, as
    /// [`CircuitBreaker::reset`] is.
    ///
    /// # Errors
    /// [`FleetError::Store`] when the store does not answer.
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, fleet::{Fleet, FleetBreaker}};
    /// static A: FleetBreaker = FleetBreaker::new("doc-clear", CircuitBreaker::polly());
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-clear").unwrap();
    /// fleet.clear_breaker(&A).await.unwrap();
    /// # }
    /// ```
    pub async fn clear_breaker(&self, breaker: &FleetBreaker) -> Result<(), FleetError> {
        let inner = self.inner();
        let key = |part: &str| format!("{}:breaker:{}:{part}", inner.namespace, breaker.name);
        // A probe success is what closes the fleet's circuit: the script's own words.
        let mut invocation = inner.store.scripts.breaker.prepare_invoke();
        invocation
            .key(key("open"))
            .key(key("probes"))
            .arg(0)
            .arg(REPORT_SUCCESS)
            .arg(1)
            .arg(0)
            .arg(1)
            .arg(1)
            .arg(1)
            .arg(0);
        inner.store.eval::<(i64, i64, i64)>(&invocation).await?;
        breaker.shared_until.store(0, Ordering::Release);
        breaker.publish_until.store(0, Ordering::Release);
        Ok(())
    }
}

impl fmt::Debug for FleetBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetBreaker")
            .field("name", &self.name)
            .field("local", &self.local)
            .field("joined", &self.link.get().is_some())
            .field("fleet_open_for", &self.fleet_open_for())
            .finish()
    }
}

impl Breaker for FleetBreaker {}

impl<'b, E: From<CircuitOpen>> BreakerGuard<E> for &'b FleetBreaker {
    const ACTIVE: bool = true;
    type Permit = FleetBreakerPermit<'b>;

    #[inline]
    fn admit(&self, now: impl FnOnce() -> Instant, permit: &mut Option<FleetBreakerPermit<'b>>) -> Result<(), E> {
        let breaker: &'b FleetBreaker = self;
        let until = breaker.shared_until.load(Ordering::Acquire);
        let mut inner = None;
        if until == 0 {
            breaker.local.acquire_into(now, &mut inner).map_err(E::from)?;
            *permit = inner.map(|inner| FleetBreakerPermit { inner, breaker, fleet_probe: false });
            return Ok(());
        }
        let now = now();
        let fleet_probe = breaker.fleet_gate(until, now).map_err(E::from)?;
        if let Err(refused) = breaker.local.acquire_into(|| now, &mut inner) {
            if fleet_probe {
                breaker.probe_reported(REPORT_NONE);
            }
            return Err(E::from(refused));
        }
        *permit = inner.map(|inner| FleetBreakerPermit { inner, breaker, fleet_probe });
        Ok(())
    }

    #[inline]
    fn refuses_after(&self, now: impl FnOnce() -> Instant, delay: Duration) -> bool {
        self.local.refuses_after(now, delay) || self.fleet_open_for().is_some_and(|left| left > delay)
    }
}

/// Leave for one attempt from a [`FleetBreaker`]: the local breaker's permit, and the
/// fleet's probe permit when the fleet is half-open. Needs the `redis` feature.
///
/// Dropped unreported (the attempt was cancelled), it gives both back.
///
/// ```
/// use retry_runtime::{CircuitBreaker, CircuitOpen, fleet::FleetBreaker, __private::{AttemptPermit, BreakerGuard}};
/// use std::time::Instant;
/// static A: FleetBreaker = FleetBreaker::new("a", CircuitBreaker::polly());
/// let mut permit = None;
/// BreakerGuard::<CircuitOpen>::admit(&&A, Instant::now, &mut permit).unwrap();
/// permit.unwrap().success(Instant::now);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[must_use = "report the attempt's outcome on the permit"]
pub struct FleetBreakerPermit<'b> {
    inner: BreakerPermit<'b>,
    breaker: &'b FleetBreaker,
    fleet_probe: bool,
}

impl FleetBreakerPermit<'_> {
    fn settle_probe(&mut self, report: u8) {
        if core::mem::take(&mut self.fleet_probe) {
            self.breaker.probe_reported(report);
        }
    }
}

impl AttemptPermit for FleetBreakerPermit<'_> {
    #[inline]
    fn success(&mut self, now: impl Fn() -> Instant) {
        self.inner.report_success(now);
        self.settle_probe(REPORT_SUCCESS);
    }

    fn failure(&mut self, now: impl Fn() -> Instant) {
        let now = now();
        self.inner.report_failure(|| now);
        self.settle_probe(REPORT_FAILURE);
        self.breaker.after_failure(now);
    }

    fn ignore(&mut self) {
        self.inner.release();
        self.settle_probe(REPORT_NONE);
    }
}

impl Drop for FleetBreakerPermit<'_> {
    fn drop(&mut self) {
        self.settle_probe(REPORT_NONE);
    }
}

impl fmt::Debug for FleetBreakerPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetBreakerPermit")
            .field("fleet_breaker", &self.breaker.name)
            .field("fleet_probe", &self.fleet_probe)
            .finish()
    }
}
