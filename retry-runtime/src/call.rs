//! [`Call`]: one call's progress through a policy, the state machine that both
//! [`RetryPolicy::retry`](crate::RetryPolicy::retry) and the `#[retry]` expansion drive;
//! with what it answers ([`Next`], [`Admit`]) and what it remembers ([`History`]).

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::RetryState;
use crate::budget::RetryKind;
use crate::guards::{self, AttemptPermit, BreakerGuard, BudgetGuard};
use crate::hooks::Hook;
use crate::log::{self, LogLevel};
use crate::nested;
use crate::policy::{DEFAULT_NAME, Spelled};
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::sleep::{AsyncSleep, BlockingSleep};
use crate::stop::{Stop, StopContext};
use crate::timeout::AttemptTimeout;
use crate::wait::{RetryRng, Wait, WaitContext};

/// What the loop does after an attempt.
#[derive(Debug)]
#[doc(hidden)]
pub enum Next<T, E> {
    /// A success, or an outcome the policy does not retry: return it.
    Return(Result<T, E>),
    /// A retryable outcome with no retry left (stop, ceiling or deadline): return it,
    /// or hand the call to a fallback.
    GiveUp(Result<T, E>),
    /// Retry at once.
    Again,
    /// Sleep this long (never zero), then retry.
    Sleep(Duration),
    /// The same for a call with a `deadline`: sleep, then ask [`Call::woke`] whether the
    /// retry may still start, since a sleep that overran the deadline gives up with this
    /// outcome. A call without one gets [`Sleep`](Self::Sleep), and drops the outcome
    /// before its sleep.
    SleepThenCheck(Duration, Result<T, E>),
}

/// What the loop does after an attempt, the outcome staying where the loop holds it
/// ([`Call::decide`]): the `#[retry]` expansion's form of [`Next`], which moved the outcome
/// into and out of the enum (its bytes copied twice more on every attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Decision {
    /// Return the outcome.
    Return,
    /// Give up with the outcome, or hand the call to a fallback.
    GiveUp,
    /// Retry at once.
    Again,
    /// Sleep this long (never zero), then retry.
    Sleep(Duration),
    /// Sleep this long, then ask [`Call::woke`] with the outcome whether the retry may start.
    SleepThenCheck(Duration),
}

impl Decision {
    /// The decision with the outcome it is about: [`Next`].
    #[inline(always)]
    fn with<T, E>(self, outcome: Result<T, E>) -> Next<T, E> {
        match self {
            Self::Return => Next::Return(outcome),
            Self::GiveUp => Next::GiveUp(outcome),
            Self::Again => Next::Again,
            Self::Sleep(delay) => Next::Sleep(delay),
            Self::SleepThenCheck(delay) => Next::SleepThenCheck(delay, outcome),
        }
    }
}

/// Whether the attempt about to start may run.
///
/// The refusal carries the bare error, which [`Call::refused`] turns into the outcome: built
/// inside `Next` through `Admit`, it was copied between the two enums' layouts with
/// overlapping loads of just-stored bytes (store-forwarding stalls, a quarter of a refusal).
#[derive(Debug)]
#[doc(hidden)]
pub enum Admit<E> {
    /// Run it.
    Run,
    /// The circuit breaker refused the attempt: give up with this error.
    Refused(E),
}

/// Formats an error for the default events.
#[doc(hidden)]
pub type Describe<E> = fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result;

/// What gives a call its error formatter: a zero-sized marker whose type names only the
/// error type ([`ByDisplay`] and the rest), so that the calls of two annotated
/// functions with the same keys and error type are one type, compiled once.
#[doc(hidden)]
pub trait Describes<E> {
    /// The formatter.
    fn formatter(&self) -> Describe<E>;
}

/// Formats with `Display`.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct ByDisplay;
/// Formats with `Debug`: what `RetryPolicy::retry` and its kin use, since every error type
/// they take has it (the attribute, which sees the concrete type, prefers `Display`).
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct ByDebug;
/// Formats as a placeholder: the type has neither.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct ByNothing;
/// Formats as a placeholder: the expansion does not name the error type.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct Opaque;

impl<E: fmt::Display> Describes<E> for ByDisplay {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |e, f| fmt::Display::fmt(e, f)
    }
}
impl<E: fmt::Debug> Describes<E> for ByDebug {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |e, f| fmt::Debug::fmt(e, f)
    }
}
impl<E> Describes<E> for ByNothing {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |_, f| f.write_str("<error without Display or Debug>")
    }
}
impl<E> Describes<E> for Opaque {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |_, f| f.write_str("<error>")
    }
}

/// One call's progress through a policy: the state machine the generated loop drives.
///
/// It lives in the future of every annotated `async fn`, across every await, so it holds
/// only what must outlive an attempt: 16 bytes for a policy of keys that read no history
/// and have no breaker. The clock and the error formatter's getter are zero-sized function
/// items, the history is [`Unkept`] where nothing reads it, and the breaker's permit and the
/// budget's withdrawal take no room without them.
#[doc(hidden)]
pub struct Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, R, Q, T, E, C, D, H> {
    policy: &'p Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>,
    pub(crate) clock: C,
    describe: D,
    pub(crate) history: H,
    /// The attempt under way, or about to start: 1 from the start, and counted on where a
    /// retry is decided, so that the first attempt's path does no arithmetic.
    pub(crate) attempt: u32,
    pub(crate) permit: Option<K::Permit>,
    /// What the last retry was paid for as, to refund it on success.
    withdrawal: Option<RetryKind>,
    pub(crate) timed_out: AtomicBool,
    /// What this call's attempts tell the retried calls nested in them, and what they told.
    pub(crate) layer: nested::Layer,
    /// When the running attempt began, if attempts are timed (`telemetry::time_attempts`):
    /// 8 bytes rather than an `Option<Instant>`'s 16, which the future's size bound has no
    /// room for.
    #[cfg(feature = "metrics")]
    attempt_started: core::cell::Cell<crate::telemetry::Started>,
    outcome: PhantomData<fn() -> T>,
}

/// A duration in whole nanoseconds, saturating.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What a call remembers: when it began, how long it slept, the last planned delay and its
/// jitter generator. [`Kept`] keeps it all, for the stops, timeouts, strategies, hooks and
/// seeds that read it; [`Unkept`] keeps nothing, where the attribute's keys show that none
/// does (a seed cannot be given with keys).
#[doc(hidden)]
pub trait History {
    /// Starts the record; `timed` says whether anything will read the elapsed time.
    fn begin(&mut self, timed: bool, seed: Option<u64>, now: impl FnOnce() -> Instant);
    /// When the call began, if it was timed.
    fn start(&self) -> Option<Instant>;
    /// The time slept so far.
    fn slept(&self) -> Duration;
    /// The delay `wait` plans after `attempt`, drawn from this call's generator.
    fn plan<W: Wait>(&mut self, wait: &W, attempt: u32) -> Duration;
    /// Records a sleep about to be taken.
    fn sleep(&mut self, delay: Duration);
    /// The function a shared policy runs for, when the call was told it.
    fn function(&self) -> Option<&'static str> {
        None
    }
    /// The call's key: the same number for every attempt of one call, drawn when first
    /// asked (only a kept history can keep it; without one, every ask draws anew).
    fn call_key(&self) -> u64 {
        crate::state::fresh_key()
    }
    /// Tells the call which function a shared policy runs for (only a kept history can).
    fn name_function(&mut self, _function: &'static str) {}
}

/// The whole record.
#[doc(hidden)]
#[derive(Debug)]
pub struct Kept {
    start: Option<Instant>,
    /// Nanoseconds, saturating (at 584 years).
    slept: u64,
    previous: Duration,
    rng: RetryRng,
    function: Option<&'static str>,
    /// The call's key, `0` until a view first asks for it: an atomic, since the attempt's
    /// future borrows the call across its awaits and a spawned future must be `Send`.
    key: AtomicU64,
}

impl Clone for Kept {
    fn clone(&self) -> Self {
        Self {
            start: self.start,
            slept: self.slept,
            previous: self.previous,
            rng: self.rng.clone(),
            function: self.function,
            key: AtomicU64::new(self.key.load(Ordering::Relaxed)),
        }
    }
}

impl Default for Kept {
    fn default() -> Self {
        Self {
            start: None,
            slept: 0,
            previous: Duration::ZERO,
            rng: RetryRng::from_entropy(),
            function: None,
            key: AtomicU64::new(0),
        }
    }
}

impl History for Kept {
    #[inline]
    fn begin(&mut self, timed: bool, seed: Option<u64>, now: impl FnOnce() -> Instant) {
        if timed {
            self.start = Some(now());
        }
        if let Some(seed) = seed {
            self.rng = RetryRng::seeded(seed);
        }
    }
    #[inline]
    fn start(&self) -> Option<Instant> {
        self.start
    }
    #[inline]
    fn slept(&self) -> Duration {
        Duration::from_nanos(self.slept)
    }
    #[inline]
    fn plan<W: Wait>(&mut self, wait: &W, attempt: u32) -> Duration {
        self.previous = wait.delay(&mut WaitContext::new(attempt, self.previous, &mut self.rng));
        self.previous
    }
    #[inline]
    fn sleep(&mut self, delay: Duration) {
        self.slept = self.slept.saturating_add(nanos(delay));
    }
    #[inline]
    fn function(&self) -> Option<&'static str> {
        self.function
    }
    #[inline]
    fn name_function(&mut self, function: &'static str) {
        self.function = Some(function);
    }
    fn call_key(&self) -> u64 {
        match self.key.load(Ordering::Relaxed) {
            0 => {
                let fresh = crate::state::fresh_key();
                // One call is one task: no other thread races this, but stay exact if one did.
                match self.key.compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => fresh,
                    Err(kept) => kept,
                }
            }
            kept => kept,
        }
    }
}

/// No record: for a policy whose stop, wait and hooks read none and that has no seed (the
/// attribute checks its keys; [`History::begin`] checks again at run time, at no cost once
/// inlined). Jitter comes from the thread's generator.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Unkept;

impl History for Unkept {
    #[inline(always)]
    fn begin(&mut self, timed: bool, seed: Option<u64>, _: impl FnOnce() -> Instant) {
        assert!(
            !timed && seed.is_none(),
            "`#[retry]` kept no history for a policy that reads it; please report this bug"
        );
    }
    #[inline(always)]
    fn start(&self) -> Option<Instant> {
        None
    }
    #[inline(always)]
    fn slept(&self) -> Duration {
        Duration::ZERO
    }
    #[inline(always)]
    fn plan<W: Wait>(&mut self, wait: &W, attempt: u32) -> Duration {
        wait.delay(&mut WaitContext::new(attempt, Duration::ZERO, &mut RetryRng::from_entropy()))
    }
    #[inline(always)]
    fn sleep(&mut self, _: Duration) {}
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, R, Q, T, E, C, D, H: History> fmt::Debug
    for Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.history.function().unwrap_or(self.policy.settings.name))
            .field("attempt", &self.attempt)
            .field("slept", &self.history.slept())
            .finish_non_exhaustive()
    }
}

impl<'p, S: Stop, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, R, Q, T, E, C: Fn(&Z) -> Instant, D, H: History>
    Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
{
    pub(crate) fn elapsed(&self) -> Duration {
        self.history.start().map_or(Duration::ZERO, |start| {
            (self.clock)(&self.policy.execution.sleeper).saturating_duration_since(start)
        })
    }

    /// The policy this call follows.
    #[inline]
    pub fn policy(&self) -> &'p Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
        self.policy
    }

    /// When the call's `deadline` stop ends, on the sleeper's clock (`shaping.rs`).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        Some(self.history.start()? + self.policy.stop.deadline()?)
    }

    /// How long the attempt about to start may run: the policy's `timeout`, shrunk to
    /// what is left of a `deadline`.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.shrunk(self.policy.settings.timeout?)
    }

    /// How long an attempt of a stream may wait for its first item: the smaller of `timeout`
    /// and `first_item_timeout`, shrunk to what is left of a `deadline`.
    pub(crate) fn first_item_timeout(&self) -> Option<Duration> {
        let settings = &self.policy.settings;
        let limit = match (settings.timeout, settings.first_item_timeout) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.shrunk(limit)
    }

    fn shrunk(&self, limit: Duration) -> Option<Duration> {
        Some(match self.policy.stop.deadline() {
            Some(deadline) => limit.min(deadline.saturating_sub(self.elapsed())),
            None => limit,
        })
    }
}

struct Described<'a, E>(&'a E, Describe<E>);

impl<E> fmt::Display for Described<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(self.0, f)
    }
}

struct RejectedValue;

impl fmt::Display for RejectedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value rejected by `when_ok`")
    }
}

impl<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    C: Fn(&Z) -> Instant + Copy,
    D: Describes<E>,
    H: History,
    S: Stop,
    W: Wait,
    P: RetryError<E>,
    V: RetryValue<T>,
    A: ServerDelay<E>,
    B: Hook<T, E>,
    F: Hook<T, E>,
    L: Hook<T, E>,
    G: Hook<T, E>,
    K: BreakerGuard<E>,
    U: BudgetGuard,
{
    /// Starts a call; reads the clock only if something will need it.
    #[inline]
    pub fn new(
        policy: &'p Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>,
        clock: C,
        describe: D,
        mut history: H,
    ) -> Self {
        let timed = policy.settings.track_time
            || policy.settings.timeout.is_some()
            || policy.stop.needs_clock()
            || policy.hooks.any::<T, E>();
        history.begin(timed, policy.settings.seed, || clock(&policy.execution.sleeper));
        Self {
            policy,
            clock,
            describe,
            history,
            attempt: 1,
            permit: None,
            withdrawal: None,
            timed_out: AtomicBool::new(false),
            layer: nested::Layer::new(policy.settings.nested),
            #[cfg(feature = "metrics")]
            attempt_started: core::cell::Cell::new(crate::telemetry::Started::NOT),
            outcome: PhantomData,
        }
    }

    /// Starts the clock now if [`new`](Self::new) did not, so that `state = NAME` sees the
    /// time since the first attempt whatever the policy (one given with `policy = …` may
    /// read no clock of its own).
    #[inline]
    pub fn track_time(&mut self) {
        if self.history.start().is_none() {
            let (clock, sleeper) = (&self.clock, &self.policy.execution.sleeper);
            self.history.begin(true, None, || clock(sleeper));
        }
    }

    /// Reports `function` as the function in the state and the events, unless the policy
    /// was given a name of its own: the attribute knows the function a shared
    /// `policy = …` is running for, and the policy's default name cannot tell them apart.
    #[inline]
    pub fn name_function(&mut self, function: &'static str) {
        if self.policy.settings.name == DEFAULT_NAME {
            self.history.name_function(function);
        }
    }

    /// The function the state and the events report.
    #[inline]
    pub(crate) fn name(&self) -> &'static str {
        self.history.function().unwrap_or(self.policy.settings.name)
    }

    pub(crate) fn view<'o>(
        &self,
        outcome: Option<&'o Result<T, E>>,
        next_delay: Option<Duration>,
    ) -> RetryState<'o, T, E> {
        RetryState {
            function: self.name(),
            key: self.history.call_key(),
            attempt: self.attempt,
            elapsed: self.elapsed(),
            slept: self.history.slept(),
            outcome,
            next_delay,
        }
    }

    /// The state as the body sees it (`state = NAME`): the attempt under way. It holds no
    /// outcome, so it has any lifetime: a hedged attempt's future owns its own, whatever `T`.
    #[inline]
    pub fn state<'o>(&self) -> RetryState<'o, T, E> {
        self.view(None, None)
    }

    /// Whether the attempt under way is the last the stop allows ([`Stop::max_attempts`]):
    /// it takes the by-value arguments instead of a clone.
    #[inline]
    pub fn is_last(&self) -> bool {
        self.policy.stop.max_attempts().is_some_and(|last| self.attempt >= last)
    }

    /// Marks the start of the attempt: asks the breaker, runs the `before` hook.
    #[inline]
    pub fn before_attempt(&mut self) -> Admit<E> {
        if K::ACTIVE {
            let (clock, sleeper) = (&self.clock, &self.policy.execution.sleeper);
            match self.policy.guards.breaker.admit(|| clock(sleeper), &mut self.permit) {
                Ok(()) => {}
                Err(refused) => return Admit::Refused(refused),
            }
        }
        if B::ACTIVE {
            self.policy.hooks.before.call(&self.view(None, None));
        }
        Admit::Run
    }

    /// Counts the call's request for the budget (a percent budget saves from requests).
    #[inline]
    pub(crate) fn count_request(&self) {
        if U::ACTIVE {
            self.policy.guards.budget.record_request();
        }
    }

    /// The call gave up and hands over to its fallback: one event says so, at the give-up
    /// level, after the give-up event.
    #[cold]
    pub fn falling_back(&self) {
        let level = self.level();
        if log::enabled(level.give_up_level()) {
            log::falling_back(level, self.name(), self.attempt);
        }
    }

    /// Gives up on an attempt the circuit breaker refused: the outcome to give up with.
    #[inline]
    pub fn refused(&self, error: E) -> Result<T, E> {
        self.give_up_unrun(Err(error), "circuit breaker is open")
    }

    /// Gives up on an attempt the limiter or the bulkhead refused (`shaping.rs`); a
    /// breaker's permit is given back unreported, since nothing reached the dependency.
    pub fn shaping_refused(&mut self, error: E) -> Result<T, E> {
        if let Some(permit) = &mut self.permit {
            permit.ignore();
        }
        self.give_up_unrun(Err(error), "no rate permit or bulkhead place before the deadline")
    }

    /// Gives up before the attempt just counted ran: the event reports the attempts that
    /// ran (`attempt = 0` for a call refused at once), not one that never did.
    fn give_up_unrun(&self, outcome: Result<T, E>, reason: &'static str) -> Result<T, E> {
        self.gave_up(&outcome, reason, self.attempt.saturating_sub(1));
        outcome
    }

    pub(crate) fn level(&self) -> LogLevel {
        // Hooks do not turn the default events off: a hook added for metrics would silently
        // lose the log. `log = off` does.
        self.policy.settings.log.unwrap_or(LogLevel::Warn)
    }

    fn describe<'o>(&self, outcome: &'o Result<T, E>) -> Result<Described<'o, E>, RejectedValue> {
        match outcome {
            Err(e) => Ok(Described(e, self.describe.formatter())),
            Ok(_) => Err(RejectedValue),
        }
    }

    fn give_up(&self, outcome: &Result<T, E>, reason: &'static str) -> Decision {
        self.gave_up(outcome, reason, self.attempt);
        Decision::GiveUp
    }

    /// The events, hooks and metrics of giving up with `outcome` after `ran` attempts.
    fn gave_up(&self, outcome: &Result<T, E>, reason: &'static str, ran: u32) {
        #[cfg(feature = "metrics")]
        crate::telemetry::give_up(self.name(), reason);
        if G::ACTIVE {
            self.policy.hooks.on_give_up.call(&self.view(Some(outcome), None));
        }
        self.log_give_up(outcome, reason, ran);
        nested::gave_up();
    }

    /// After the sleep of [`Next::SleepThenCheck`]: `None` when the retry may start, or the outcome
    /// `last` to give up with when the sleep ended past the `deadline` (a real clock, or a
    /// sleeper that oversleeps), where the retry would start late or with no time left for a
    /// `timeout`. The retry's budget tokens go back, since it never runs.
    #[inline]
    pub fn woke(&mut self, last: Result<T, E>) -> Option<Result<T, E>> {
        let deadline = self.policy.stop.deadline()?;
        let elapsed = self.elapsed();
        let timed = self.policy.settings.timeout.is_some() || self.policy.settings.first_item_timeout.is_some();
        if elapsed < deadline || (elapsed == deadline && !timed) {
            return None;
        }
        self.late(last)
    }

    #[cold]
    fn late(&mut self, last: Result<T, E>) -> Option<Result<T, E>> {
        if U::ACTIVE
            && let Some(kind) = self.withdrawal.take()
        {
            self.policy.guards.budget.give_back(kind);
        }
        // The retry was counted when it was decided, and never runs.
        self.attempt = self.attempt.saturating_sub(1);
        self.gave_up(&last, "the sleep before the next attempt ended past the deadline", self.attempt);
        Some(last)
    }

    fn log_give_up(&self, outcome: &Result<T, E>, reason: &'static str, ran: u32) {
        let level = self.level();
        if log::enabled(level.give_up_level()) {
            match self.describe(outcome) {
                Ok(e) => log::giving_up(level, self.name(), ran, reason, &e),
                Err(v) => log::giving_up(level, self.name(), ran, reason, &v),
            }
        }
    }

    /// Decides what follows the attempt that returned `outcome`, and hands it on in [`Next`].
    ///
    /// Always inlined in an optimised build: the calls of annotated functions with the same
    /// keys and error type share one `Call` type, and LLVM would otherwise keep one shared
    /// copy of this and of `retry_or_give_up` out of line, where the policy's constants do
    /// not fold. A debug build keeps the one copy, which is what makes each annotated
    /// function cheaper to compile (BENCHMARKS.md, "A user's clean build").
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn after(&mut self, outcome: Result<T, E>) -> Next<T, E> {
        self.decide(&outcome).with(outcome)
    }

    /// Decides what follows the attempt that returned `outcome`, which stays with the caller.
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn decide(&mut self, outcome: &Result<T, E>) -> Decision {
        // The call's request, counted once its first attempt has returned, so that a call
        // refused before any ran, or whose body panicked, counts for nothing (a hedged first
        // round counts its own: `hedge.rs`).
        if self.attempt == 1 {
            self.count_request();
        }
        let retryable = match outcome {
            Ok(value) => self.policy.retry_value.retry(value),
            Err(error) => self.policy.retry_error.retry(error),
        };
        #[cfg(feature = "metrics")]
        {
            let label = crate::telemetry::attempt_outcome(retryable, outcome.is_ok());
            crate::telemetry::attempt(self.name(), label);
            let started = self.attempt_started.take();
            if started.is_timed()
                && let Some(took) = started.until((self.clock)(&self.policy.execution.sleeper))
            {
                crate::telemetry::attempt_duration(self.name(), label, took);
            }
        }
        if !retryable {
            #[cfg(feature = "metrics")]
            if outcome.is_err() {
                crate::telemetry::not_retried(self.name());
            }
            // Reported in place: the settled permit stays until the next attempt's replaces it.
            if K::ACTIVE
                && let Some(permit) = &mut self.permit
            {
                let (clock, sleeper) = (&self.clock, &self.policy.execution.sleeper);
                match outcome {
                    Ok(_) => permit.success(|| clock(sleeper)),
                    Err(_) => permit.ignore(),
                }
            }
            if outcome.is_ok() && U::ACTIVE {
                self.policy.guards.budget.on_success(self.withdrawal.take());
            }
            return Decision::Return;
        }
        self.retry_or_give_up(outcome)
    }

    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn retry_or_give_up(&mut self, outcome: &Result<T, E>) -> Decision {
        if F::ACTIVE {
            self.policy.hooks.after.call(&self.view(Some(outcome), None));
        }
        let planned = self.history.plan(&self.policy.wait, self.attempt);
        let server = match outcome {
            Err(error) => self.policy.server_delay.server_delay(error),
            Ok(_) => None,
        };
        if K::ACTIVE
            && let Some(permit) = &mut self.permit
        {
            // A server that says when to come back is up: that is no failure of its health.
            let (clock, sleeper) = (&self.clock, &self.policy.execution.sleeper);
            match (outcome, server) {
                (Err(_), None) => permit.failure(|| clock(sleeper)),
                _ => permit.ignore(),
            }
        }
        let delay = match server {
            // Waiting less than the server asked only earns another refusal, and waiting
            // longer than the ceiling is waiting in vain: give up now.
            Some(asked) if asked > self.policy.settings.retry_after_max => {
                return self.give_up(outcome, "the server asked for a delay above `retry_after_max`");
            }
            // The SDKs' rule: the server knows when it will have room.
            Some(asked) if self.policy.settings.retry_after_exact => asked,
            Some(asked) => asked.max(planned),
            None => planned,
        };
        if let Some(reason) = self.layer.refusal() {
            return self.give_up(outcome, reason);
        }
        let ctx = StopContext::new(self.attempt, self.elapsed(), delay);
        // `is_last`: a stop's `max_attempts` binds even where its `should_stop` disagrees,
        // since that attempt took the arguments.
        if self.policy.stop.should_stop(&ctx) || self.is_last() {
            // Say so when it is the server's delay that would cross the deadline.
            let past_deadline = server.is_some()
                && self.policy.stop.deadline().is_some_and(|d| ctx.elapsed().saturating_add(delay) > d)
                && !self.policy.stop.should_stop(&StopContext::new(self.attempt, ctx.elapsed(), planned));
            let reason = if past_deadline {
                "the server asked for a delay past the deadline"
            } else {
                "the stop condition is met"
            };
            return self.give_up(outcome, reason);
        }
        // With a per-attempt timeout, an attempt that would start with nothing left of the
        // deadline would be cut before it ran; on a clock that does not move (tokio's
        // paused clock) such empty attempts would repeat forever.
        if (self.policy.settings.timeout.is_some() || self.policy.settings.first_item_timeout.is_some())
            && let Some(deadline) = self.policy.stop.deadline()
            && ctx.elapsed().saturating_add(delay) >= deadline
        {
            return self.give_up(outcome, "no time is left of the deadline for another attempt");
        }
        // A retry the breaker will refuse is neither slept for nor paid: give up now, with
        // the last real error, not the breaker's refusal.
        if K::ACTIVE {
            let (clock, sleeper) = (&self.clock, &self.policy.execution.sleeper);
            if self.policy.guards.breaker.refuses_after(|| clock(sleeper), delay) {
                return self.give_up(outcome, "the circuit breaker is open past the next attempt");
            }
        }
        // `&mut self`: a plain read and write, not an atomic swap.
        let kind = if core::mem::take(self.timed_out.get_mut()) { RetryKind::Timeout } else { RetryKind::Error };
        if !guards::pay(&self.policy.guards.budget, kind, &mut self.withdrawal) {
            return self.give_up(outcome, "the retry budget is empty");
        }
        #[cfg(feature = "metrics")]
        crate::telemetry::retry(self.name(), kind, delay);
        if L::ACTIVE {
            self.policy.hooks.before_sleep.call(&self.view(Some(outcome), Some(delay)));
        }
        let level = self.level();
        if log::enabled(level) {
            match self.describe(outcome) {
                Ok(e) => log::retrying(level, self.name(), self.attempt, delay, &e),
                Err(v) => log::retrying(level, self.name(), self.attempt, delay, &v),
            }
        }
        self.history.sleep(delay);
        self.attempt = self.attempt.saturating_add(1);
        if delay.is_zero() {
            Decision::Again
        } else if self.policy.stop.deadline().is_some() {
            Decision::SleepThenCheck(delay)
        } else {
            Decision::Sleep(delay)
        }
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    S: Stop,
    Z: AsyncSleep,
    K: BreakerGuard<E>,
    C: Fn(&Z) -> Instant,
    H: History,
{
    /// The sleeper's future for `delay`.
    #[inline]
    pub fn sleep_async(&self, delay: Duration) -> Z::Sleep {
        self.policy.execution.sleeper.sleep(delay)
    }

    /// Runs one attempt, cut after `limit` ([`attempt_timeout`](Self::attempt_timeout), or a
    /// stream's [`first_item_timeout`](Self::first_item_timeout)), as the retried calls
    /// nested in it see it (see [`nested`]).
    #[inline]
    pub fn run<X, Fut>(
        &self,
        limit: Option<Duration>,
        attempt: Fut,
    ) -> impl Future<Output = Result<X, E>> + use<'_, X, Fut, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    where
        Fut: Future<Output = Result<X, E>>,
        O: AttemptTimeout<E>,
    {
        #[cfg(feature = "metrics")]
        self.time_attempt();
        self.layer.attempt(crate::timeout::bound::<O, _, _>(
            limit,
            &self.policy.execution.sleeper,
            attempt,
            &self.timed_out,
        ))
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    Z: BlockingSleep,
    K: BreakerGuard<E>,
{
    /// Blocks for `delay`.
    #[inline]
    pub fn sleep_blocking(&self, delay: Duration) {
        self.policy.execution.sleeper.sleep(delay);
    }

    /// Runs one attempt of blocking code, as the layer that retried calls inside it see.
    #[inline]
    pub fn run_blocking<X>(&self, attempt: impl FnOnce() -> X) -> X
    where
        C: Fn(&Z) -> Instant,
    {
        #[cfg(feature = "metrics")]
        self.time_attempt();
        self.layer.within(attempt)
    }
}

#[cfg(feature = "metrics")]
impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    K: BreakerGuard<E>,
    C: Fn(&Z) -> Instant,
{
    /// Notes when the attempt about to run begins, if attempts are timed
    /// (`telemetry::time_attempts`); [`after`](Self::after) records how long it ran.
    #[inline]
    fn time_attempt(&self) {
        if crate::telemetry::timing_attempts() {
            self.attempt_started.set(crate::telemetry::Started::at((self.clock)(&self.policy.execution.sleeper)));
        }
    }
}
