//! [`BreakerPermit`]: one attempt's leave to run, and where it reports its outcome.

use core::fmt;
use std::time::Instant;

use super::CircuitBreaker;

/// Leave to run one attempt, from [`CircuitBreaker::try_acquire`]; report the attempt's
/// outcome on it.
///
/// Dropping it without reporting (the attempt was cancelled) records nothing; in
/// half-open, it gives its probe slot back so that another call may probe.
///
/// ```
/// use retry_runtime::CircuitBreaker;
/// use std::time::{Duration, Instant};
/// let breaker = CircuitBreaker::polly();
/// let now = Instant::now();
/// match breaker.try_acquire(now) {
///     Ok(permit) => permit.success(now),
///     Err(open) => panic!("{open}"),
/// }
/// ```
#[must_use = "report the attempt's outcome on the permit; dropping it records nothing"]
pub struct BreakerPermit<'a> {
    breaker: &'a CircuitBreaker,
    generation: u64,
    probe: bool,
    settled: bool,
}

impl<'a> BreakerPermit<'a> {
    pub(super) const fn new(breaker: &'a CircuitBreaker, generation: u64, probe: bool) -> Self {
        Self { breaker, generation, probe, settled: false }
    }

    /// Whether this is a half-open probe, whose outcome closes or re-opens the circuit.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::Instant;
    /// let permit = CircuitBreaker::polly().try_acquire(Instant::now()).map(|p| p.is_probe());
    /// assert_eq!(permit, Ok(false));
    /// ```
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// The attempt succeeded: resets a consecutive count, counts toward a ratio, and in
    /// half-open counts toward closing.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::Instant;
    /// let breaker = CircuitBreaker::polly();
    /// let now = Instant::now();
    /// breaker.try_acquire(now).unwrap().success(now);
    /// ```
    pub fn success(mut self, now: Instant) {
        self.report_success(|| now);
    }

    /// [`success`](Self::success) in place, reading the clock only if the breaker needs it;
    /// nothing if the permit has reported already.
    #[inline]
    pub(crate) fn report_success(&mut self, now: impl Fn() -> Instant) {
        if !self.settled {
            self.settled = true;
            self.breaker.settle_success(self.generation, self.probe, now);
        }
    }

    /// [`failure`](Self::failure) in place, reading the clock only if the breaker needs it;
    /// nothing if the permit has reported already.
    #[inline]
    pub(crate) fn report_failure(&mut self, now: impl Fn() -> Instant) {
        if !self.settled {
            self.settled = true;
            self.breaker.settle(self.generation, self.probe, true, now);
        }
    }

    /// [`ignore`](Self::ignore) in place; nothing if the permit has reported already.
    #[inline]
    pub(crate) fn release(&mut self) {
        if !self.settled {
            self.settled = true;
            self.breaker.release(self.probe);
        }
    }

    /// The attempt failed with an error the call would retry (whether or not attempts
    /// are left) and no server-directed delay: counts toward opening, and in half-open
    /// toward re-opening.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let now = Instant::now();
    /// breaker.try_acquire(now).unwrap().failure(now);
    /// assert_eq!(breaker.state(), BreakerState::Open);
    /// ```
    pub fn failure(mut self, now: Instant) {
        self.report_failure(|| now);
    }

    /// The attempt ended in a way that says nothing about the dependency's health (a 400,
    /// or a 429 that says when to come back): counts nothing, resets nothing, and in
    /// half-open gives the probe slot back.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let now = Instant::now();
    /// breaker.try_acquire(now).unwrap().ignore();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// ```
    pub fn ignore(mut self) {
        self.release();
    }
}

impl Drop for BreakerPermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.release();
    }
}

impl fmt::Debug for BreakerPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerPermit").field("breaker", &self.breaker.name).field("probe", &self.probe).finish()
    }
}
