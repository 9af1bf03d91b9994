//! [`CircuitOpen`]: the error of a call the open circuit refused.

use core::fmt;
use core::time::Duration;
use std::time::Instant;

/// The error of a call the circuit breaker refused: the attempt did not run.
///
/// A function with `breaker = NAME` returns it as `E::from(CircuitOpen)`.
///
/// ```
/// use retry_runtime::{CircuitBreaker, CircuitOpen};
/// use std::time::{Duration, Instant};
///
/// #[derive(Debug)]
/// enum LlmError { Overload, Open(CircuitOpen) }
/// impl From<CircuitOpen> for LlmError {
///     fn from(open: CircuitOpen) -> Self { LlmError::Open(open) }
/// }
///
/// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
/// let t0 = Instant::now();
/// breaker.try_acquire(t0).unwrap().failure(t0);
/// let err = LlmError::from(breaker.try_acquire(t0).unwrap_err());
/// assert!(matches!(err, LlmError::Open(open) if open.to_string() == "circuit breaker is open"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CircuitOpen {
    pub(super) until: Option<Instant>,
    pub(super) retry_in: Option<Duration>,
}

impl CircuitOpen {
    pub(crate) fn new(until: Option<Instant>, now: Instant) -> Self {
        Self { until, retry_in: until.map(|until| until.saturating_duration_since(now)) }
    }

    /// When the circuit will next admit a probe, on the clock `try_acquire` was given:
    /// `None` when no clock can tell (isolated, or half-open with every probe out, when
    /// the next call is admitted as soon as a probe reports or is given back).
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let t0 = Instant::now();
    /// breaker.try_acquire(t0).unwrap().failure(t0);
    /// assert_eq!(breaker.try_acquire(t0).unwrap_err().until(), Some(t0 + Duration::from_secs(30)));
    /// ```
    pub const fn until(&self) -> Option<Instant> {
        self.until
    }

    /// How long after the refused `try_acquire` the circuit will admit a probe: see
    /// [`until`](Self::until).
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let t0 = Instant::now();
    /// breaker.try_acquire(t0).unwrap().failure(t0);
    /// let refused = breaker.try_acquire(t0 + Duration::from_secs(12)).unwrap_err();
    /// assert_eq!(refused.retry_in(), Some(Duration::from_secs(18)));
    /// ```
    pub const fn retry_in(&self) -> Option<Duration> {
        self.retry_in
    }
}

impl fmt::Display for CircuitOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("circuit breaker is open")
    }
}

impl std::error::Error for CircuitOpen {}
