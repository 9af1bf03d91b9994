//! [`CircuitBreaker`]: stop calling a dependency that keeps failing, then probe it.
//!
//! This file holds the breaker's API and its transitions; beside it, `machine` (the state
//! its lock guards), `window` (the failure-ratio windows), `summary` (the atomic word of the
//! lock-free paths), `permit` ([`BreakerPermit`]) and `circuit_open` ([`CircuitOpen`]).
//!
//! ```text
//!            threshold reached                    cooldown over
//!  Closed ────────────────────────▶ Open ─────────────────────────▶ HalfOpen
//!    ▲                               ▲   (next try_acquire)            │
//!    │                               └──── probes fail ────────────────┤
//!    └──────────────────────────────────── probes succeed ─────────────┘
//! ```
//!
//! Each attempt asks for a [`BreakerPermit`] before it runs and reports its outcome on the
//! permit: [`success`](BreakerPermit::success), [`failure`](BreakerPermit::failure) (an
//! error the call would retry), or [`ignore`](BreakerPermit::ignore) (an error that says
//! nothing about the dependency's health: a 400, or a 429 that says when to come back).
//! A permit dropped without an outcome (the attempt's future was cancelled) records
//! nothing and, in half-open, gives its probe slot back.
//!
//! The breaker reads no clock of its own: every call that needs the time takes `now`, which
//! the retry loop reads from its sleeper, so on tokio's paused clock
//! (`tokio::time::Instant::now().into_std()`) a test advances through a cooldown without
//! waiting. An outcome reported on a permit from an earlier state (the breaker opened,
//! or was reset, while the attempt ran) is dropped: it counts toward no later state.
//!
//! Every state change emits one `tracing` event with target `retry` and the fields
//! `breaker` (its [name](CircuitBreaker::with_name)), `new_state`, `old_state` and
//! `isolated`: at `WARN` when the circuit opens, at `INFO` otherwise. The event is
//! emitted once the breaker's lock is released, so that a subscriber may read the breaker
//! (a metrics layer exporting its state); events of one thread appear in the order of its
//! changes.

use core::fmt;
use core::time::Duration;
use std::sync::{OnceLock, PoisonError};
use std::time::Instant;

use crate::sync::{AtomicU64, Mutex, MutexGuard, Ordering, const_unless_loom};

mod circuit_open;
mod machine;
mod permit;
mod summary;
mod window;

pub use circuit_open::CircuitOpen;
use machine::{Change, Machine, Phase, Tally};
pub use permit::BreakerPermit;
use summary::Summary;
#[cfg(all(test, not(retry_loom)))]
use window::{CallWindow, TimeWindow};

/// The state of a [`CircuitBreaker`].
///
/// ```
/// use retry_runtime::{BreakerState, CircuitBreaker};
/// use std::time::Duration;
///
/// static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));
/// assert_eq!(BREAKER.state(), BreakerState::Closed);
/// assert_eq!(BreakerState::HalfOpen.to_string(), "half-open");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls run; their outcomes are counted toward the threshold.
    Closed,
    /// Calls fail fast with [`CircuitOpen`] until the cooldown is over (or, when
    /// [isolated](CircuitBreaker::isolate), until [`reset`](CircuitBreaker::reset)).
    Open,
    /// A set number of probe calls run; their outcomes close or re-open the circuit.
    HalfOpen,
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half-open",
        })
    }
}

/// Which recent calls a failure-ratio breaker looks at.
///
/// ```
/// use retry_runtime::{CircuitBreaker, breaker::SlidingWindow};
/// use std::time::Duration;
///
/// let last_hundred = SlidingWindow::Calls(100);
/// let last_half_minute = SlidingWindow::Time(Duration::from_secs(30));
/// let breaker = CircuitBreaker::failure_ratio(0.5, 20, last_half_minute, Duration::from_secs(10));
/// # let _ = (last_hundred, breaker);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlidingWindow {
    /// The outcomes of the last N calls (resilience4j's `COUNT_BASED` window). Exact: one
    /// bit a call.
    Calls(u32),
    /// The outcomes of the calls made in the last span of time (resilience4j's
    /// `TIME_BASED` window, Polly's sampling duration). The span is kept as ten buckets,
    /// as Polly does, so an outcome is forgotten between 0.9 and 1.0 span after it.
    Time(Duration),
}

/// When a closed circuit opens.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Trip {
    /// After this many failures in a row.
    Consecutive(u32),
    /// When failures make up at least `ppm` millionths of the calls in the window, once
    /// the window holds `minimum_calls` calls.
    Ratio { ppm: u32, minimum_calls: u32, window: SlidingWindow },
}

/// Fails calls fast while a dependency is down, and lets a few probes find out when it is
/// back.
///
/// Closed, it counts the outcomes of the calls that run, and opens once they reach its
/// threshold: [`consecutive`](Self::consecutive) failures in a row, or a
/// [`failure_ratio`](Self::failure_ratio) over a minimum number of calls in a sliding
/// window. Open, it refuses every call with [`CircuitOpen`] until its cooldown is over; the
/// first [`try_acquire`](Self::try_acquire) after that moves it to half-open, where it
/// admits [`half_open_probes`](Self::half_open_probes) probe calls. Their outcomes close it
/// or open it again for another cooldown. [`isolate`](Self::isolate) holds it open by hand
/// until [`reset`](Self::reset).
///
/// It is meant to be a `static` shared by every call to one dependency: the constructors
/// are `const`, and every method takes `&self`. One mutex guards the state; it is held for
/// a few dozen instructions and never across an `await`.
///
/// # Default
/// `#[retry]` uses no breaker unless given `breaker = NAME`. Each constructor documents its
/// own defaults; every one starts closed, with the name `"circuit breaker"`.
///
/// ```
/// use retry_runtime::{BreakerState, CircuitBreaker};
/// use std::time::{Duration, Instant};
///
/// static PROVIDER_A: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
///
/// let t0 = Instant::now(); // the retry loop passes its sleeper's clock
/// for _ in 0..2 {
///     PROVIDER_A.try_acquire(t0).expect("closed").failure(t0);
/// }
/// assert_eq!(PROVIDER_A.state(), BreakerState::Open);
///
/// let refused = PROVIDER_A.try_acquire(t0 + Duration::from_secs(10)).unwrap_err();
/// assert_eq!(refused.retry_in(), Some(Duration::from_secs(20)));
///
/// let probe = PROVIDER_A.try_acquire(t0 + Duration::from_secs(30)).expect("the probe");
/// assert!(probe.is_probe());
/// assert_eq!(PROVIDER_A.state(), BreakerState::HalfOpen);
/// probe.success(t0 + Duration::from_secs(31));
/// assert_eq!(PROVIDER_A.state(), BreakerState::Closed);
/// ```
pub struct CircuitBreaker {
    trip: Trip,
    cooldown: Duration,
    probes: u32,
    name: &'static str,
    machine: Mutex<Machine>,
    /// What the fast paths need of the machine, published under the lock on every change:
    /// see [`Summary`]. It spares a first-try success the lock and the clock, and a refusal
    /// the lock.
    summary: AtomicU64,
    /// While open: when the cooldown ends, in nanoseconds after [`EPOCH`]; 0 if unknown.
    open_until: AtomicU64,
}

/// The origin of [`CircuitBreaker::open_until`]: the clock reading of the first opening of
/// any breaker. A clock that reads earlier (another sleeper's) takes the locked path.
static EPOCH: OnceLock<Instant> = OnceLock::new();

impl CircuitBreaker {
    const_unless_loom! {
        /// Opens after `failures` failed attempts in a row, admits one probe once `cooldown`
        /// has passed, closes when it succeeds and re-opens when it fails.
        ///
        /// A success resets the count; an ignored outcome neither counts nor resets it.
        /// With more probes ([`with_half_open_probes`](Self::with_half_open_probes)), any
        /// failed probe re-opens the circuit at once and it closes when all have succeeded.
        ///
        /// # Default
        /// One half-open probe.
        ///
        /// # Panics
        /// If `failures` is 0; in a `static`, that is a compile error:
        ///
        /// ```compile_fail
        /// # use retry_runtime::CircuitBreaker;
        /// # use std::time::Duration;
        /// static NEVER_CLOSED: CircuitBreaker = CircuitBreaker::consecutive(0, Duration::from_secs(1));
        /// ```
        ///
        /// ```
        /// use retry_runtime::{BreakerState, CircuitBreaker};
        /// use std::time::{Duration, Instant};
        ///
        /// let breaker = CircuitBreaker::consecutive(3, Duration::from_secs(30));
        /// let now = Instant::now();
        /// breaker.try_acquire(now).unwrap().failure(now);
        /// breaker.try_acquire(now).unwrap().failure(now);
        /// breaker.try_acquire(now).unwrap().success(now); // resets the count
        /// breaker.try_acquire(now).unwrap().failure(now);
        /// breaker.try_acquire(now).unwrap().failure(now);
        /// assert_eq!(breaker.state(), BreakerState::Closed);
        /// breaker.try_acquire(now).unwrap().failure(now);
        /// assert_eq!(breaker.state(), BreakerState::Open);
        /// ```
        pub const fn consecutive(failures: u32, cooldown: Duration) -> Self {
            assert!(
                failures > 0,
                "`CircuitBreaker::consecutive(0, …)` would open before any call; use 1 or more"
            );
            Self::new(Trip::Consecutive(failures), cooldown, 1)
        }

        /// Opens when failures make up at least `ratio` of the calls in `window`, once the
        /// window holds at least `minimum_calls` calls (with a [`SlidingWindow::Calls`]
        /// window, at most its size, as resilience4j does). Open for `cooldown`, then
        /// half-open: once every probe has reported, the circuit closes if their failure
        /// ratio is below `ratio` and re-opens otherwise.
        ///
        /// The ratio is checked after every recorded outcome, a success included, as
        /// resilience4j does (Polly checks only after failures, so it would open at the next
        /// failure instead). Opening or closing starts a fresh window.
        ///
        /// # Default
        /// One half-open probe.
        ///
        /// # Panics
        /// If `ratio` is not in `(0, 1]`, `minimum_calls` is 0, or the window is
        /// `Calls(0)` or `Time(Duration::ZERO)` (in a `static`, a compile error).
        ///
        /// ```
        /// use retry_runtime::{BreakerState, CircuitBreaker, breaker::SlidingWindow};
        /// use std::time::{Duration, Instant};
        ///
        /// let breaker = CircuitBreaker::failure_ratio(0.5, 4, SlidingWindow::Calls(10), Duration::from_secs(5));
        /// let now = Instant::now();
        /// for failed in [true, false, true] {
        ///     let permit = breaker.try_acquire(now).unwrap();
        ///     if failed { permit.failure(now) } else { permit.success(now) }
        /// }
        /// assert_eq!(breaker.state(), BreakerState::Closed); // 3 calls: below the minimum
        /// breaker.try_acquire(now).unwrap().success(now);    // 2 of 4 failed: 50 %
        /// assert_eq!(breaker.state(), BreakerState::Open);
        /// ```
        pub const fn failure_ratio(
            ratio: f64,
            minimum_calls: u32,
            window: SlidingWindow,
            cooldown: Duration,
        ) -> Self {
            assert!(
                ratio > 0.0 && ratio <= 1.0,
                "a circuit breaker's failure ratio must be above 0 and at most 1"
            );
            assert!(
                minimum_calls > 0,
                "a circuit breaker's minimum number of calls must be at least 1"
            );
            match window {
                SlidingWindow::Calls(calls) => {
                    assert!(calls > 0, "`SlidingWindow::Calls(0)` holds no call; use 1 or more")
                }
                SlidingWindow::Time(span) => {
                    assert!(!span.is_zero(), "`SlidingWindow::Time` must be a positive duration")
                }
            }
            // Rounded to millionths; never 0, which would open on a window of successes.
            let ppm = (ratio * 1_000_000.0 + 0.5) as u32;
            let ppm = if ppm == 0 { 1 } else { ppm };
            Self::new(
                Trip::Ratio {
                    ppm,
                    minimum_calls,
                    window,
                },
                cooldown,
                1,
            )
        }

        /// resilience4j's defaults: opens when at least 50 % of the last 100 calls failed
        /// (count window of 100, minimum 100 calls), stays open 60 s, then admits 10
        /// probes and closes if fewer than 50 % of them failed.
        ///
        /// # Default
        /// `failure_ratio(0.5, 100, SlidingWindow::Calls(100), 60 s)` with 10 half-open
        /// probes.
        ///
        /// ```
        /// use retry_runtime::CircuitBreaker;
        /// use std::time::Duration;
        /// static BREAKER: CircuitBreaker = CircuitBreaker::resilience4j();
        /// assert_eq!(BREAKER.cooldown(), Duration::from_secs(60));
        /// assert_eq!(BREAKER.half_open_probes(), 10);
        /// ```
        pub const fn resilience4j() -> Self {
            Self::failure_ratio(0.5, 100, SlidingWindow::Calls(100), Duration::from_secs(60))
                .with_half_open_probes(10)
        }

        /// Polly v8's defaults: opens when at least 10 % of the calls in the last 30 s
        /// failed and there were at least 100 of them, breaks for 5 s, then admits one
        /// probe that closes the circuit if it succeeds.
        ///
        /// # Default
        /// `failure_ratio(0.1, 100, SlidingWindow::Time(30 s), 5 s)` with one half-open
        /// probe.
        ///
        /// ```
        /// use retry_runtime::CircuitBreaker;
        /// use std::time::Duration;
        /// static BREAKER: CircuitBreaker = CircuitBreaker::polly();
        /// assert_eq!(BREAKER.cooldown(), Duration::from_secs(5));
        /// assert_eq!(BREAKER.half_open_probes(), 1);
        /// ```
        pub const fn polly() -> Self {
            Self::failure_ratio(0.1, 100, SlidingWindow::Time(Duration::from_secs(30)), Duration::from_secs(5))
        }

        /// Admits `probes` calls when half-open, instead of the constructor's number.
        ///
        /// # Panics
        /// If `probes` is 0: the circuit could never close.
        ///
        /// ```
        /// use retry_runtime::CircuitBreaker;
        /// use std::time::Duration;
        /// let breaker = CircuitBreaker::consecutive(5, Duration::from_secs(30)).with_half_open_probes(3);
        /// assert_eq!(breaker.half_open_probes(), 3);
        /// ```
        #[must_use]
        pub const fn with_half_open_probes(mut self, probes: u32) -> Self {
            assert!(probes > 0, "a half-open circuit breaker must admit at least one probe");
            self.probes = probes;
            self
        }

        /// Stays open for `cooldown` before admitting probes, instead of the constructor's
        /// duration. A cooldown that would run past the end of the clock (`Duration::MAX`)
        /// holds the circuit open until [`reset`](Self::reset).
        ///
        /// ```
        /// use retry_runtime::CircuitBreaker;
        /// use std::time::Duration;
        /// let breaker = CircuitBreaker::polly().with_cooldown(Duration::from_secs(30));
        /// assert_eq!(breaker.cooldown(), Duration::from_secs(30));
        /// ```
        #[must_use]
        pub const fn with_cooldown(mut self, cooldown: Duration) -> Self {
            self.cooldown = cooldown;
            self
        }

        /// Names the breaker in its `tracing` events (field `breaker`).
        ///
        /// # Default
        /// `"circuit breaker"`.
        ///
        /// ```
        /// use retry_runtime::CircuitBreaker;
        /// use std::time::Duration;
        /// static PROVIDER_A: CircuitBreaker =
        ///     CircuitBreaker::consecutive(5, Duration::from_secs(30)).with_name("provider A");
        /// assert_eq!(PROVIDER_A.name(), "provider A");
        /// ```
        #[must_use]
        pub const fn with_name(mut self, name: &'static str) -> Self {
            self.name = name;
            self
        }

        /// A closed breaker.
        const fn new(trip: Trip, cooldown: Duration, probes: u32) -> Self {
            Self {
                trip,
                cooldown,
                probes,
                name: "circuit breaker",
                machine: Mutex::new(Machine::new(trip)),
                // Generation 0, closed, and clean while the count is zero.
                summary: AtomicU64::new(match trip {
                    Trip::Consecutive(_) => Summary::CLOSED | Summary::CLEAN,
                    Trip::Ratio { .. } => Summary::CLOSED,
                }),
                open_until: AtomicU64::new(0),
            }
        }
    }

    /// The name given with [`with_name`](Self::with_name).
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// assert_eq!(CircuitBreaker::polly().name(), "circuit breaker");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// How long the circuit stays open before it admits probes.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::Duration;
    /// assert_eq!(CircuitBreaker::resilience4j().cooldown(), Duration::from_secs(60));
    /// ```
    pub const fn cooldown(&self) -> Duration {
        self.cooldown
    }

    /// How many probe calls a half-open circuit admits.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// assert_eq!(CircuitBreaker::resilience4j().half_open_probes(), 10);
    /// ```
    pub const fn half_open_probes(&self) -> u32 {
        self.probes
    }

    /// The state as last changed. An open circuit whose cooldown is over still reads
    /// [`Open`](BreakerState::Open) until the next [`try_acquire`](Self::try_acquire) (or
    /// [`state_at`](Self::state_at)) moves it to half-open, as resilience4j's does; an
    /// [isolated](Self::isolate) one reads `Open`.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    /// use std::time::Duration;
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(1));
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// breaker.isolate();
    /// assert_eq!(breaker.state(), BreakerState::Open);
    /// ```
    pub fn state(&self) -> BreakerState {
        self.lock().phase.state()
    }

    /// The state at `now`: first makes the change from open to half-open that is due by
    /// then (emitting its event), as [`try_acquire`](Self::try_acquire) would.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let t0 = Instant::now();
    /// breaker.try_acquire(t0).unwrap().failure(t0);
    /// assert_eq!(breaker.state_at(t0 + Duration::from_secs(29)), BreakerState::Open);
    /// assert_eq!(breaker.state_at(t0 + Duration::from_secs(30)), BreakerState::HalfOpen);
    /// ```
    pub fn state_at(&self, now: Instant) -> BreakerState {
        let mut machine = self.lock();
        self.half_open_if_due(&mut machine, now);
        machine.phase.state()
    }

    /// Whether [`isolate`](Self::isolate) holds the circuit open.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// let breaker = CircuitBreaker::polly();
    /// breaker.isolate();
    /// assert!(breaker.is_isolated());
    /// breaker.reset();
    /// assert!(!breaker.is_isolated());
    /// ```
    pub fn is_isolated(&self) -> bool {
        matches!(self.lock().phase, Phase::Isolated)
    }

    /// Asks to run one attempt at `now`: a permit to report its outcome on, or
    /// [`CircuitOpen`] if the circuit refuses it.
    ///
    /// Closed, every call is admitted. Open, none is until the cooldown is over; the first
    /// call after that moves the circuit to half-open. Half-open, calls are admitted as
    /// probes ([`BreakerPermit::is_probe`]) while fewer than
    /// [`half_open_probes`](Self::half_open_probes) are out or have reported; the others
    /// are refused. Isolated, every call is refused.
    ///
    /// `now` is the retry loop's clock (its sleeper's `now()`); under tokio's paused clock
    /// it is `tokio::time::Instant::now().into_std()`.
    ///
    /// # Errors
    /// [`CircuitOpen`] while the circuit is open, isolated, or half-open with all its
    /// probes out.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(5));
    /// let t0 = Instant::now();
    /// let permit = breaker.try_acquire(t0)?;
    /// permit.failure(t0);
    /// let refused = breaker.try_acquire(t0 + Duration::from_secs(1)).unwrap_err();
    /// assert_eq!(refused.until(), Some(t0 + Duration::from_secs(5)));
    /// # Ok::<(), retry_runtime::CircuitOpen>(())
    /// ```
    pub fn try_acquire(&self, now: Instant) -> Result<BreakerPermit<'_>, CircuitOpen> {
        self.acquire_locked(now)
    }

    /// [`try_acquire`](Self::try_acquire) into `permit`, reading the clock only when the
    /// circuit is not closed: a closed circuit admits without the lock.
    #[inline]
    pub(crate) fn acquire_into<'b>(
        &'b self,
        now: impl FnOnce() -> Instant,
        permit: &mut Option<BreakerPermit<'b>>,
    ) -> Result<(), CircuitOpen> {
        let word = self.summary.load(Ordering::Acquire);
        if word & Summary::CLOSED != 0 {
            *permit = Some(BreakerPermit::new(self, Summary::generation(word), false));
            return Ok(());
        }
        if word & Summary::ISOLATED != 0 {
            return Err(CircuitOpen { until: None, retry_in: None });
        }
        let now = now();
        if word & Summary::OPEN != 0 {
            let until = self.open_until.load(Ordering::Acquire);
            // The word read again: `until` belongs to the same opening, or the lock decides.
            if self.summary.load(Ordering::Acquire) == word
                && let Some(epoch) = EPOCH.get()
                && let Some(elapsed) = now.checked_duration_since(*epoch)
                && let Ok(elapsed) = u64::try_from(elapsed.as_nanos())
                && elapsed < until
            {
                // In nanoseconds: one subtraction of instants, not three.
                let retry_in = Duration::from_nanos(until - elapsed);
                return Err(CircuitOpen { until: now.checked_add(retry_in), retry_in: Some(retry_in) });
            }
        }
        *permit = Some(self.acquire_locked(now)?);
        Ok(())
    }

    /// Whether an attempt `delay` after `now` would surely be refused: isolated, or open
    /// until later than that. Without the lock; the clock is read only when not closed.
    #[inline]
    pub(crate) fn refuses_after(&self, now: impl FnOnce() -> Instant, delay: Duration) -> bool {
        let word = self.summary.load(Ordering::Acquire);
        if word & Summary::CLOSED != 0 {
            return false;
        }
        if word & Summary::ISOLATED != 0 {
            return true;
        }
        if word & Summary::OPEN == 0 {
            return false;
        }
        let until = self.open_until.load(Ordering::Acquire);
        // Open for good (a cooldown past the clock's end) is stored as 0: the lock knows.
        if until == 0 {
            return matches!(self.lock().phase, Phase::Open { until: None });
        }
        let at = now().checked_add(delay);
        self.summary.load(Ordering::Acquire) == word
            && EPOCH.get().is_some_and(|epoch| {
                at.and_then(|at| at.checked_duration_since(*epoch))
                    .and_then(|elapsed| u64::try_from(elapsed.as_nanos()).ok())
                    .is_some_and(|elapsed| elapsed < until)
            })
    }

    #[inline(never)]
    fn acquire_locked(&self, now: Instant) -> Result<BreakerPermit<'_>, CircuitOpen> {
        let mut machine = self.lock();
        self.half_open_if_due(&mut machine, now);
        let generation = machine.generation;
        match machine.phase {
            Phase::Closed => Ok(BreakerPermit::new(self, generation, false)),
            Phase::HalfOpen => {
                if machine.probes_out + machine.probe_successes + machine.probe_failures < self.probes {
                    machine.probes_out += 1;
                    Ok(BreakerPermit::new(self, generation, true))
                } else {
                    Err(CircuitOpen::new(None, now))
                }
            }
            Phase::Open { until } => Err(CircuitOpen::new(until, now)),
            Phase::Isolated => Err(CircuitOpen::new(None, now)),
        }
    }

    /// When the circuit, open, will admit a probe; `None` unless it is open with a known end.
    /// What a fleet's breaker publishes after a failure.
    #[cfg(feature = "redis")]
    pub(crate) fn opened_until(&self) -> Option<Instant> {
        match self.lock().phase {
            Phase::Open { until } => until,
            _ => None,
        }
    }

    /// Holds the circuit open until [`reset`](Self::reset), whatever its state (Polly's
    /// `Isolate`): every call is refused, with no [`until`](CircuitOpen::until). Permits
    /// already out report into nothing.
    ///
    /// ```
    /// use retry_runtime::CircuitBreaker;
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));
    /// breaker.isolate();
    /// let refused = breaker.try_acquire(Instant::now() + Duration::from_secs(3600)).unwrap_err();
    /// assert_eq!(refused.until(), None);
    /// ```
    pub fn isolate(&self) {
        let mut machine = self.lock();
        if !matches!(machine.phase, Phase::Isolated) {
            self.enter(&mut machine, Phase::Isolated);
        }
    }

    /// Closes the circuit and forgets every counted outcome, whatever its state (an
    /// isolated circuit included). Permits already out report into nothing.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    /// use std::time::{Duration, Instant};
    /// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    /// let now = Instant::now();
    /// breaker.try_acquire(now).unwrap().failure(now);
    /// assert_eq!(breaker.state(), BreakerState::Open);
    /// breaker.reset();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// ```
    pub fn reset(&self) {
        let mut machine = self.lock();
        self.enter(&mut machine, Phase::Closed);
    }

    /// The machine, even if a panic elsewhere poisoned the lock: every critical section
    /// leaves it consistent before anything that could panic. The changes made under it are
    /// announced when it is released.
    fn lock(&self) -> Locked<'_> {
        Locked { guard: Some(self.machine.lock().unwrap_or_else(PoisonError::into_inner)), name: self.name }
    }

    fn half_open_if_due(&self, machine: &mut Machine, now: Instant) {
        if let Phase::Open { until: Some(until) } = machine.phase
            && now >= until
        {
            self.enter(machine, Phase::HalfOpen);
        }
    }

    fn open(&self, machine: &mut Machine, now: Instant) {
        // A cooldown too long for the clock holds the circuit open for good.
        let until = now.checked_add(self.cooldown);
        self.enter(machine, Phase::Open { until });
    }

    /// Moves to `phase`: a new generation, so that permits of the old one report into
    /// nothing, and a fresh count when closing.
    fn enter(&self, machine: &mut Machine, phase: Phase) {
        let old = machine.phase;
        machine.phase = phase;
        // Kept within the bits `Summary` holds, so that a permit's generation always matches.
        machine.generation = (machine.generation + 1) & Summary::GENERATIONS;
        machine.probe_successes = 0;
        machine.probe_failures = 0;
        if let Phase::Closed = phase {
            machine.tally.clear();
        }
        let open_until = match phase {
            Phase::Open { until: Some(until) } => {
                // The first opening's own start, so that its cooldown is a positive offset.
                let epoch = *EPOCH.get_or_init(|| until.checked_sub(self.cooldown).unwrap_or(until));
                until.checked_duration_since(epoch).and_then(|d| u64::try_from(d.as_nanos()).ok()).unwrap_or(0)
            }
            _ => 0,
        };
        self.open_until.store(open_until, Ordering::Release);
        self.summary.store(Summary::of(machine, open_until), Ordering::Release);
        let isolated = matches!(phase, Phase::Isolated);
        if old.state() != phase.state() || isolated != matches!(old, Phase::Isolated) {
            let change = Some(Change { old: old.state(), new: phase.state(), isolated });
            match &mut machine.changes {
                [first @ None, _] => *first = change,
                [_, second] => *second = change,
            }
        }
    }

    /// A success of a permit of `generation`: without the lock or the clock when it would
    /// change nothing (closed, nothing counted against the circuit).
    #[inline]
    fn settle_success(&self, generation: u64, probe: bool, now: impl Fn() -> Instant) {
        if !probe && Summary::success_is_noop(self.summary.load(Ordering::Acquire), generation) {
            return;
        }
        self.settle(generation, probe, false, now);
    }

    /// A permit of `generation` ignored, or dropped unreported: a probe gives its slot
    /// back, whatever round it was admitted in; a closed-state permit holds nothing to give
    /// back, so it takes no lock.
    fn release(&self, probe: bool) {
        if probe {
            let mut machine = self.lock();
            machine.probes_out = machine.probes_out.saturating_sub(1);
        }
    }

    /// A success or a failure of a permit of `generation`. The clock is read under the lock,
    /// and only where the time is needed (a time window, or a circuit that opens): a
    /// consecutive count and its reset read none.
    fn settle(&self, generation: u64, probe: bool, failed: bool, now: impl Fn() -> Instant) {
        let mut machine = self.lock();
        if probe {
            machine.probes_out = machine.probes_out.saturating_sub(1);
        }
        if machine.generation != generation {
            return;
        }
        match machine.phase {
            Phase::Closed => {
                if machine.tally.record(failed, &now, self.trip) {
                    self.open(&mut machine, now());
                } else {
                    self.summary.store(Summary::of(&machine, 0), Ordering::Release);
                }
            }
            Phase::HalfOpen => {
                if failed {
                    machine.probe_failures += 1;
                } else {
                    machine.probe_successes += 1;
                }
                let (successes, failures) = (machine.probe_successes, machine.probe_failures);
                let reported = successes + failures;
                let reopen = match self.trip {
                    // Any failed probe re-opens at once; all must succeed to close.
                    Trip::Consecutive(_) if failures > 0 => Some(true),
                    Trip::Consecutive(_) if successes >= self.probes => Some(false),
                    // resilience4j: decide once every probe has reported.
                    Trip::Ratio { ppm, .. } if reported >= self.probes => Some(at_or_above(failures, reported, ppm)),
                    Trip::Consecutive(_) | Trip::Ratio { .. } => None,
                };
                match reopen {
                    Some(true) => self.open(&mut machine, now()),
                    Some(false) => self.enter(&mut machine, Phase::Closed),
                    None => {}
                }
            }
            // An open or isolated generation issues no permits.
            Phase::Open { .. } | Phase::Isolated => {}
        }
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `try_lock`: printing must never wait for, or deadlock on, the breaker.
        let state = self.machine.try_lock().ok().map(|m| m.phase.state());
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("trip", &self.trip)
            .field("cooldown", &self.cooldown)
            .field("half_open_probes", &self.probes)
            .field("state", &state)
            .finish()
    }
}

/// The breaker's machine, locked; dropping it releases the lock, then announces the changes
/// made under it (a subscriber that reads the breaker must not find it locked).
struct Locked<'b> {
    guard: Option<MutexGuard<'b, Machine>>,
    name: &'static str,
}

impl core::ops::Deref for Locked<'_> {
    type Target = Machine;
    fn deref(&self) -> &Machine {
        self.guard.as_ref().expect("held until dropped")
    }
}

impl core::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Machine {
        self.guard.as_mut().expect("held until dropped")
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else { return };
        let changes = core::mem::take(&mut guard.changes);
        drop(guard);
        for Change { old, new, isolated } in changes.into_iter().flatten() {
            announce(self.name, old, new, isolated);
        }
    }
}

fn announce(breaker: &'static str, old: BreakerState, new: BreakerState, isolated: bool) {
    #[cfg(feature = "metrics")]
    crate::telemetry::breaker_transition(breaker, old, new);
    match new {
        BreakerState::Open => tracing::warn!(
            target: "retry", breaker, new_state = %new, old_state = %old, isolated,
            "circuit breaker opened"
        ),
        BreakerState::HalfOpen => tracing::info!(
            target: "retry", breaker, new_state = %new, old_state = %old, isolated,
            "circuit breaker half-open: admitting probes"
        ),
        BreakerState::Closed => tracing::info!(
            target: "retry", breaker, new_state = %new, old_state = %old, isolated,
            "circuit breaker closed"
        ),
    }
}

/// `failures / calls ≥ ppm / 1_000_000`, in integers.
const fn at_or_above(failures: u32, calls: u32, ppm: u32) -> bool {
    failures as u64 * 1_000_000 >= ppm as u64 * calls as u64
}

#[cfg(all(test, not(retry_loom)))]
mod tests {
    use super::*;

    #[test]
    fn call_window_forgets_the_oldest_outcome_once_full() {
        // Guards the ring's eviction: a failure leaving the window must leave the count.
        let mut window = CallWindow::new(3);
        for failed in [true, false, false] {
            window.record(failed);
        }
        assert_eq!((window.len, window.failures), (3, 1));
        window.record(false); // evicts the failure
        assert_eq!((window.len, window.failures), (3, 0));
        window.record(true);
        window.record(true);
        window.record(true);
        assert_eq!((window.len, window.failures), (3, 3));
        window.clear();
        assert_eq!((window.len, window.failures, window.next), (0, 0, 0));
    }

    #[test]
    fn call_window_spans_several_words() {
        // Guards the word/bit arithmetic past 64 calls.
        let mut window = CallWindow::new(130);
        for i in 0..300 {
            window.record(i % 3 == 0);
        }
        let expected = (170..300).filter(|i| i % 3 == 0).count() as u32;
        assert_eq!((window.len, window.failures), (130, expected));
    }

    #[test]
    fn time_window_forgets_buckets_older_than_its_span() {
        // Guards the bucket expiry that makes a time window slide.
        let t0 = Instant::now();
        let mut window = TimeWindow::new(Duration::from_secs(10));
        window.record(true, t0);
        window.record(false, t0 + Duration::from_millis(500));
        assert_eq!(window.totals(), (2, 1));
        window.record(false, t0 + Duration::from_millis(9_999));
        assert_eq!(window.totals(), (3, 1));
        window.record(false, t0 + Duration::from_secs(10)); // bucket 0 leaves
        assert_eq!(window.totals(), (2, 0));
        // A late report counts in the newest bucket rather than resurrect an old one.
        window.record(true, t0);
        assert_eq!(window.totals(), (3, 1));
        window.record(false, t0 + Duration::from_secs(60));
        assert_eq!(window.totals(), (1, 0));
    }

    #[test]
    fn failure_ratio_rounds_to_millionths_and_never_to_zero() {
        // Guards a tiny ratio from becoming 0, which would open on a window of successes.
        let breaker = CircuitBreaker::failure_ratio(1e-12, 1, SlidingWindow::Calls(1), Duration::from_secs(1));
        let now = Instant::now();
        breaker.try_acquire(now).unwrap().success(now);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(
            CircuitBreaker::polly().trip,
            Trip::Ratio { ppm: 100_000, minimum_calls: 100, window: SlidingWindow::Time(Duration::from_secs(30)) }
        );
    }

    fn no_clock() -> Instant {
        panic!("the fast path read the clock")
    }

    #[test]
    fn closed_breaker_admits_and_takes_a_clean_success_without_the_clock() {
        // Guards the summary word: a first-try success must cost neither lock nor clock.
        let breaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
        let mut permit = None;
        breaker.acquire_into(no_clock, &mut permit).unwrap();
        permit.as_mut().unwrap().report_success(no_clock);
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn success_after_a_failure_still_resets_the_consecutive_count() {
        // Guards the clean bit: a failure must send the next success through the lock.
        let breaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
        let now = Instant::now();
        breaker.try_acquire(now).unwrap().failure(now);
        breaker.try_acquire(now).unwrap().success(now);
        breaker.try_acquire(now).unwrap().failure(now);
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.try_acquire(now).unwrap().failure(now);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn open_breaker_refuses_lock_free_until_the_cooldown_ends() {
        // Guards the published cooldown end: the refusal must say when, and stop at the end.
        let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
        let t0 = Instant::now();
        breaker.try_acquire(t0).unwrap().failure(t0);
        assert_ne!(breaker.summary.load(Ordering::Acquire) & Summary::OPEN, 0, "no published cooldown end");
        let mut permit = None;
        let refused = breaker.acquire_into(|| t0 + Duration::from_secs(10), &mut permit).unwrap_err();
        assert_eq!(refused, CircuitOpen::new(Some(t0 + Duration::from_secs(30)), t0 + Duration::from_secs(10)));
        breaker.acquire_into(|| t0 + Duration::from_secs(30), &mut permit).unwrap();
        assert!(permit.as_ref().is_some_and(BreakerPermit::is_probe));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
    }

    #[test]
    fn isolated_breaker_refuses_without_the_clock() {
        let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
        breaker.isolate();
        let refused = breaker.acquire_into(no_clock, &mut None).unwrap_err();
        assert_eq!((refused.until(), refused.retry_in()), (None, None));
        breaker.reset();
        assert!(breaker.acquire_into(no_clock, &mut None).is_ok());
    }
}
