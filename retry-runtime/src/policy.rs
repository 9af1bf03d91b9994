//! [`RetryPolicy`]: the whole configuration as a value, and the per-call state machine
//! that both [`RetryPolicy::retry`] and the `#[retry]` expansion drive.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::time::Duration;
use std::time::Instant;

use crate::budget::RetryKind;
use crate::guards::AttemptPermit;
use crate::guards::{self, BreakerGuard, BudgetGuard, NoBreaker, NoBudget};
use crate::hooks::{Hook, Hooks, NoHook};
use crate::log::{self, LogLevel};
use crate::predicate::{AnyError, NoServerDelay, NoValue, RetryError, RetryValue, ServerDelay};
use crate::sleep::{AsyncSleep, BlockingSleep, DefaultSleep};
use crate::stop::{Attempts, Stop, StopContext};
use crate::timeout::{AttemptTimeout, Blocking, NoTimeout, WithTimeout};
use crate::wait::{FullJitter, RetryRng, Wait, WaitContext};
use crate::{CircuitBreaker, RetryBudget};
use crate::{PolicyError, RetryState};
use std::sync::atomic::AtomicBool;

/// The name a policy reports until [`RetryPolicyBuilder::name`] gives it another.
const DEFAULT_NAME: &str = "retry";

/// The default ceiling on a server-directed delay: 60 s, as the OpenAI and Anthropic SDKs.
pub(crate) const DEFAULT_RETRY_AFTER_MAX: Duration = Duration::from_secs(60);
/// The default stop: three attempts in all.
pub(crate) const DEFAULT_STOP: Attempts = Attempts(3);
/// The default wait: AWS's full jitter over 1 s to 60 s.
pub(crate) const DEFAULT_WAIT: FullJitter = FullJitter::new(Duration::from_secs(1), Duration::from_secs(60));

/// When to stop, how long to wait, what to retry and whom to tell: the attribute's keys as
/// a value.
///
/// Build one with [`RetryPolicy::builder`]; [`build`](RetryPolicyBuilder::build) checks it
/// with the same rules the attribute applies at compile time. Every type parameter has a
/// default and is inferred from the builder calls.
///
/// # Default
/// `attempts(3)`, `full_jitter(1s, 60s)`, every `Err` retried, no `Ok` retried, no hooks,
/// `tracing` events at `WARN`, `retry_after_max` 60 s, tokio's sleeper (thread sleep for
/// [`retry_blocking`](Self::retry_blocking)).
///
/// ```
/// use retry_runtime::{RetryPolicy, stop::{attempts, elapsed}, wait::fixed};
/// use std::time::Duration;
///
/// let policy = RetryPolicy::builder()
///     .stop(attempts(5) | elapsed(Duration::from_secs(30)))
///     .wait(fixed(Duration::ZERO))
///     .when(|e: &std::io::Error| e.kind() == std::io::ErrorKind::Interrupted)
///     .build()?;
/// let mut tries = 0;
/// let n = policy.retry_blocking(|| {
///     tries += 1;
///     if tries < 3 { Err(std::io::ErrorKind::Interrupted.into()) } else { Ok(tries) }
/// });
/// assert_eq!(n?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy<
    S = Attempts,
    W = FullJitter,
    P = AnyError,
    V = NoValue,
    A = NoServerDelay,
    B = NoHook,
    F = NoHook,
    L = NoHook,
    G = NoHook,
    Z = DefaultSleep,
    O = NoTimeout,
    K = NoBreaker,
    U = NoBudget,
> {
    pub(crate) stop: S,
    pub(crate) wait: W,
    pub(crate) retry_error: P,
    pub(crate) retry_value: V,
    pub(crate) server_delay: A,
    pub(crate) hooks: Hooks<B, F, L, G>,
    pub(crate) sleeper: Z,
    pub(crate) timeout: O,
    pub(crate) breaker: K,
    pub(crate) budget: U,
    pub(crate) settings: Settings,
}

/// The keys whose type never changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) retry_after_max: Duration,
    pub(crate) timeout: Option<Duration>,
    pub(crate) log: Option<LogLevel>,
    pub(crate) seed: Option<u64>,
    pub(crate) name: &'static str,
    pub(crate) track_time: bool,
}

impl Settings {
    /// The defaults, reporting `name` as the function.
    pub(crate) const fn named(name: &'static str) -> Self {
        Self { retry_after_max: DEFAULT_RETRY_AFTER_MAX, timeout: None, log: None, seed: None, name, track_time: false }
    }
}

/// Builds a [`RetryPolicy`]; every setter replaces one key.
///
/// ```
/// use retry_runtime::{RetryPolicy, stop::attempts, wait::none};
/// let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).build().unwrap();
/// let out: Result<(), &str> = policy.retry_blocking(|| Err("no"));
/// assert_eq!(out, Err("no"));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryPolicyBuilder<
    S = Attempts,
    W = FullJitter,
    P = AnyError,
    V = NoValue,
    A = NoServerDelay,
    B = NoHook,
    F = NoHook,
    L = NoHook,
    G = NoHook,
    Z = DefaultSleep,
    O = NoTimeout,
    K = NoBreaker,
    U = NoBudget,
> {
    policy: RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>,
}

impl RetryPolicy {
    /// A builder holding the defaults.
    pub const fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder::new()
    }
}

impl Default for RetryPolicyBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicyBuilder {
    /// The defaults: see [`RetryPolicy`].
    pub const fn new() -> Self {
        Self::named(DEFAULT_NAME)
    }

    /// The defaults, reporting `name` as the function.
    pub(crate) const fn named(name: &'static str) -> Self {
        Self {
            policy: RetryPolicy {
                stop: DEFAULT_STOP,
                wait: DEFAULT_WAIT,
                retry_error: AnyError,
                retry_value: NoValue,
                server_delay: NoServerDelay,
                hooks: Hooks::none(),
                sleeper: DefaultSleep,
                timeout: NoTimeout,
                breaker: NoBreaker,
                budget: NoBudget,
                settings: Settings::named(name),
            },
        }
    }
}

/// Rebuilds the builder with one field's type changed; the other fields are named at the
/// call site so that `macro_rules!` hygiene keeps them apart.
macro_rules! rebuild {
    ($self:ident, $field:ident = $value:expr; $($other:ident),*) => {{
        let p = $self.policy;
        RetryPolicyBuilder { policy: RetryPolicy { $field: $value, $($other: p.$other),* } }
    }};
}

/// Rebuilds the builder with one hook's type changed.
macro_rules! rehook {
    ($self:ident, $hook:ident = $value:expr; $($other:ident),*) => {{
        let p = $self.policy;
        let h = p.hooks;
        RetryPolicyBuilder {
            policy: RetryPolicy {
                hooks: Hooks { $hook: $value, $($other: h.$other),* },
                stop: p.stop,
                wait: p.wait,
                retry_error: p.retry_error,
                retry_value: p.retry_value,
                server_delay: p.server_delay,
                sleeper: p.sleeper,
                timeout: p.timeout,
                breaker: p.breaker,
                budget: p.budget,
                settings: p.settings,
            },
        }
    }};
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
    /// When to give up (`stop = …`): see [`stop`](crate::stop).
    pub fn stop<S2: Stop>(self, stop: S2) -> RetryPolicyBuilder<S2, W, P, V, A, B, F, L, G, Z, O, K, U> {
        rebuild!(self, stop = stop; wait, retry_error, retry_value, server_delay, hooks, sleeper, timeout, breaker, budget, settings)
    }

    /// How long to sleep between attempts (`wait = …`): see [`wait`](crate::wait).
    pub fn wait<W2: Wait>(self, wait: W2) -> RetryPolicyBuilder<S, W2, P, V, A, B, F, L, G, Z, O, K, U> {
        rebuild!(self, wait = wait; stop, retry_error, retry_value, server_delay, hooks, sleeper, timeout, breaker, budget, settings)
    }

    /// Which errors to retry (`when = …`, or what `on` / `unless` expand to).
    pub fn when<P2>(self, retry_error: P2) -> RetryPolicyBuilder<S, W, P2, V, A, B, F, L, G, Z, O, K, U> {
        rebuild!(self, retry_error = retry_error; stop, wait, retry_value, server_delay, hooks, sleeper, timeout, breaker, budget, settings)
    }

    /// Which `Ok` values to retry as well (`when_ok = …`).
    pub fn when_ok<V2>(self, retry_value: V2) -> RetryPolicyBuilder<S, W, P, V2, A, B, F, L, G, Z, O, K, U> {
        rebuild!(self, retry_value = retry_value; stop, wait, retry_error, server_delay, hooks, sleeper, timeout, breaker, budget, settings)
    }

    /// Where to read a server-directed delay (`retry_after = …`): the next sleep is the
    /// larger of it and the wait strategy's delay.
    pub fn retry_after<A2>(self, server_delay: A2) -> RetryPolicyBuilder<S, W, P, V, A2, B, F, L, G, Z, O, K, U> {
        rebuild!(self, server_delay = server_delay; stop, wait, retry_error, retry_value, hooks, sleeper, timeout, breaker, budget, settings)
    }

    /// The largest server-directed delay worth waiting for (`retry_after_max = …`); a
    /// longer one makes the call give up at once.
    ///
    /// # Default
    /// 60 s.
    pub fn retry_after_max(mut self, max: Duration) -> Self {
        self.policy.settings.retry_after_max = max;
        self
    }

    /// Called before every attempt (`before = …`).
    pub fn before<B2>(self, hook: B2) -> RetryPolicyBuilder<S, W, P, V, A, B2, F, L, G, Z, O, K, U> {
        rehook!(self, before = hook; after, before_sleep, on_give_up)
    }

    /// Called after every failed attempt (`after = …`): one whose outcome the policy
    /// retries, whether or not a retry follows; an error not retried returns without it.
    pub fn after<F2>(self, hook: F2) -> RetryPolicyBuilder<S, W, P, V, A, B, F2, L, G, Z, O, K, U> {
        rehook!(self, after = hook; before, before_sleep, on_give_up)
    }

    /// Called before each sleep (`before_sleep = …`).
    pub fn before_sleep<L2>(self, hook: L2) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L2, G, Z, O, K, U> {
        rehook!(self, before_sleep = hook; before, after, on_give_up)
    }

    /// Called once when the call gives up on a retryable outcome (`on_give_up = …`).
    pub fn on_give_up<G2>(self, hook: G2) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G2, Z, O, K, U> {
        rehook!(self, on_give_up = hook; before, after, before_sleep)
    }

    /// Admits every attempt through `breaker` (`breaker = …`): while it is open, the call
    /// fails fast with `E::from(CircuitOpen)` without running the attempt. Only errors the
    /// policy retries, and that carry no server-directed delay, count as failures.
    ///
    /// ```
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
    /// static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
    /// let policy = RetryPolicy::builder().stop(attempts(5)).wait(none()).breaker(&BREAKER).build().unwrap();
    /// let mut runs = 0;
    /// let out: Result<(), Error> = policy.retry_blocking(|| { runs += 1; Err(Error::Down) });
    /// assert_eq!((out, runs), (Err(Error::Open), 2)); // the third attempt was refused
    /// assert_eq!(BREAKER.state(), BreakerState::Open);
    /// ```
    pub fn breaker(
        self,
        breaker: &CircuitBreaker,
    ) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, O, &CircuitBreaker, U> {
        rebuild!(self, breaker = breaker; stop, wait, retry_error, retry_value, server_delay, hooks, sleeper, timeout, budget, settings)
    }

    /// [`breaker`](Self::breaker) with the guard chosen by the attribute: no breaker when the
    /// error type lacks `From<CircuitOpen>`, so that the attribute's own check is the only
    /// error reported for it.
    #[doc(hidden)]
    pub fn breaker_marked<K2>(self, guard: K2) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, O, K2, U> {
        rebuild!(self, breaker = guard; stop, wait, retry_error, retry_value, server_delay, hooks, sleeper, timeout, budget, settings)
    }

    /// Pays for every retry from `budget` (`budget = …`), shared by many calls: when it
    /// cannot pay, the call returns its error instead of retrying.
    ///
    /// A retry's tokens are withdrawn when the retry is decided, before its sleep, and are
    /// refunded only if that retry succeeds. A call dropped (cancelled) during the sleep or
    /// during the retried attempt therefore keeps them spent, as a retry that fails would;
    /// a call dropped during its first attempt, or a body that panics, takes nothing.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, RetryPolicy, stop::attempts, wait::none};
    ///
    /// static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
    /// let policy = RetryPolicy::builder().stop(attempts(10)).wait(none()).budget(&BUDGET).build().unwrap();
    /// let mut runs = 0;
    /// let _: Result<(), &str> = policy.retry_blocking(|| { runs += 1; Err("down") });
    /// assert_eq!(runs, 3); // two retries of 5 tokens each emptied the bucket
    /// ```
    pub fn budget(self, budget: &RetryBudget) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, O, K, &RetryBudget> {
        rebuild!(self, budget = budget; stop, wait, retry_error, retry_value, server_delay, hooks, sleeper, timeout, breaker, settings)
    }

    /// What sleeps and tells the time: see [`sleep`](crate::sleep).
    pub fn sleeper<Z2>(self, sleeper: Z2) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z2, O, K, U> {
        rebuild!(self, sleeper = sleeper; stop, wait, retry_error, retry_value, server_delay, hooks, timeout, breaker, budget, settings)
    }

    /// The level of the default `tracing` events (`log = …`); [`LogLevel::Off`] silences them.
    pub fn log(mut self, level: LogLevel) -> Self {
        self.policy.settings.log = Some(level);
        self
    }

    /// Cuts each attempt after `timeout` (`timeout = …`); the attempt then fails with
    /// `E::from(Elapsed)`, so [`retry`](RetryPolicy::retry) then needs
    /// `E: From<`[`Elapsed`](crate::Elapsed)`>`. With a `deadline`, each attempt's limit shrinks to what is
    /// left of it. Only for async calls: a blocking call cannot be cut short.
    ///
    /// ```
    /// use retry_runtime::{Elapsed, RetryPolicy, stop::attempts, wait::none};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct TimedOut;
    /// impl From<Elapsed> for TimedOut {
    ///     fn from(_: Elapsed) -> Self { TimedOut }
    /// }
    /// impl std::fmt::Display for TimedOut {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("timed out") }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(2))
    ///     .wait(none())
    ///     .timeout(Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// let out: Result<(), TimedOut> = policy
    ///     .retry(|| async { tokio::time::sleep(Duration::from_secs(60)).await; Ok(()) })
    ///     .await;
    /// assert_eq!(out, Err(TimedOut));
    /// assert_eq!(start.elapsed(), Duration::from_secs(2));
    /// # }
    /// ```
    pub fn timeout(self, timeout: Duration) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U> {
        let mut b = rebuild!(self, timeout = WithTimeout; stop, wait, retry_error, retry_value, server_delay, hooks, sleeper, breaker, budget, settings);
        b.policy.settings.timeout = Some(timeout);
        b
    }

    /// A per-attempt timeout that may be absent at run time (from configuration): the
    /// policy then still needs `E: From<Elapsed>`.
    pub(crate) fn optional_timeout(
        self,
        timeout: Option<Duration>,
    ) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U> {
        let mut b = rebuild!(self, timeout = WithTimeout; stop, wait, retry_error, retry_value, server_delay, hooks, sleeper, breaker, budget, settings);
        b.policy.settings.timeout = timeout;
        b
    }

    /// Draws all jitter from a generator seeded with `seed`, so delays are reproducible.
    /// Every call of the policy then draws the same sequence: meant for tests and
    /// simulations, not for spreading real clients apart.
    pub fn seed(mut self, seed: u64) -> Self {
        self.policy.settings.seed = Some(seed);
        self
    }

    /// The name the hooks and events report as the function.
    ///
    /// # Default
    /// `"retry"`; the attribute passes the function's path.
    pub fn name(mut self, name: &'static str) -> Self {
        self.policy.settings.name = name;
        self
    }

    /// Reads the clock at the start of every call even when nothing time-based needs it,
    /// so that [`RetryState::elapsed`] is meaningful in the body.
    pub fn track_time(mut self) -> Self {
        self.policy.settings.track_time = true;
        self
    }

    /// Checks the configuration with the attribute's rules and returns the policy.
    ///
    /// # Errors
    /// A [`PolicyError`] naming the first rule broken.
    pub fn build(self) -> Result<RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>, PolicyError>
    where
        S: Stop,
        W: Wait,
    {
        let p = &self.policy;
        p.stop.validate()?;
        p.wait.validate()?;
        if let Some(timeout) = p.settings.timeout {
            if timeout.is_zero() {
                return Err(PolicyError::ZeroDuration { what: "timeout" });
            }
            if let Some(deadline) = p.stop.deadline()
                && timeout > deadline
            {
                return Err(PolicyError::TimeoutExceedsDeadline { timeout, deadline });
            }
        }
        Ok(self.policy)
    }

    /// The policy without run-time checks: for the attribute, which checked at compile time.
    #[doc(hidden)]
    pub fn build_unchecked(self) -> RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        self.policy
    }
}

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

/// One call's progress through a policy: the state machine the generated loop drives.
///
/// It lives in the future of every annotated `async fn`, across every await, so it holds
/// only what must outlive an attempt: 16 bytes for a policy of keys that read no history
/// and have no breaker. The clock and the error formatter's getter are zero-sized function
/// items, the history is [`Unkept`] where nothing reads it, and the breaker's permit and the
/// budget's withdrawal take no room without them.
#[doc(hidden)]
pub struct Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, T, E, C, D, H> {
    policy: &'p RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>,
    clock: C,
    describe: D,
    history: H,
    attempt: u32,
    permit: Option<K::Permit>,
    /// What the last retry was paid for as, to refund it on success.
    withdrawal: Option<RetryKind>,
    timed_out: AtomicBool,
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
    /// Tells the call which function a shared policy runs for (only a kept history can).
    fn name_function(&mut self, _function: &'static str) {}
}

/// The whole record.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Kept {
    start: Option<Instant>,
    /// Nanoseconds, saturating (at 584 years).
    slept: u64,
    previous: Duration,
    rng: RetryRng,
    function: Option<&'static str>,
}

impl Default for Kept {
    fn default() -> Self {
        Self { start: None, slept: 0, previous: Duration::ZERO, rng: RetryRng::from_entropy(), function: None }
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

impl<S, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, T, E, C, D, H: History> fmt::Debug
    for Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.history.function().unwrap_or(self.policy.settings.name))
            .field("attempt", &self.attempt)
            .field("slept", &self.history.slept())
            .finish_non_exhaustive()
    }
}

impl<S: Stop, W, P, V, A, B, F, L, G, Z, O, K: BreakerGuard<E>, U, T, E, C: Fn(&Z) -> Instant, D, H: History>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
{
    fn elapsed(&self) -> Duration {
        self.history
            .start()
            .map_or(Duration::ZERO, |start| (self.clock)(&self.policy.sleeper).saturating_duration_since(start))
    }

    /// How long the attempt about to start may run: the policy's `timeout`, shrunk to
    /// what is left of a `deadline`.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        let timeout = self.policy.settings.timeout?;
        Some(match self.policy.stop.deadline() {
            Some(deadline) => timeout.min(deadline.saturating_sub(self.elapsed())),
            None => timeout,
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

impl<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
    Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
where
    C: Fn(&Z) -> Instant + Copy,
    D: Fn() -> Describe<E>,
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
        policy: &'p RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>,
        clock: C,
        describe: D,
        mut history: H,
    ) -> Self {
        let timed = policy.settings.track_time
            || policy.settings.timeout.is_some()
            || policy.stop.needs_clock()
            || policy.hooks.any::<T, E>();
        history.begin(timed, policy.settings.seed, || clock(&policy.sleeper));
        Self {
            policy,
            clock,
            describe,
            history,
            attempt: 0,
            permit: None,
            withdrawal: None,
            timed_out: AtomicBool::new(false),
            outcome: PhantomData,
        }
    }

    /// Starts the clock now if [`new`](Self::new) did not, so that `state = NAME` sees the
    /// time since the first attempt whatever the policy (one given with `policy = …` may
    /// read no clock of its own).
    #[inline]
    pub fn track_time(&mut self) {
        if self.history.start().is_none() {
            let (clock, sleeper) = (&self.clock, &self.policy.sleeper);
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
    fn name(&self) -> &'static str {
        self.history.function().unwrap_or(self.policy.settings.name)
    }

    /// The policy this call follows.
    #[inline]
    pub fn policy(&self) -> &'p RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        self.policy
    }

    fn view<'o>(&self, outcome: Option<&'o Result<T, E>>, next_delay: Option<Duration>) -> RetryState<'o, T, E> {
        RetryState {
            function: self.name(),
            attempt: self.attempt,
            elapsed: self.elapsed(),
            slept: self.history.slept(),
            outcome,
            next_delay,
        }
    }

    /// The state as the body sees it (`state = NAME`): the attempt under way.
    #[inline]
    pub fn state(&self) -> RetryState<'static, T, E> {
        self.view(None, None)
    }

    /// Marks the start of the next attempt: counts the request for the budget, asks the
    /// breaker, runs the `before` hook.
    #[inline]
    pub fn before_attempt(&mut self) -> Admit<E> {
        self.attempt = self.attempt.saturating_add(1);
        if self.attempt == 1
            && let Some(budget) = self.policy.budget.budget()
        {
            budget.record_request();
        }
        if K::ACTIVE {
            let (clock, sleeper) = (&self.clock, &self.policy.sleeper);
            match self.policy.breaker.admit(|| clock(sleeper), &mut self.permit) {
                Ok(()) => {}
                Err(refused) => return Admit::Refused(refused),
            }
        }
        if B::ACTIVE {
            self.policy.hooks.before.call(&self.view(None, None));
        }
        Admit::Run
    }

    /// Gives up on an attempt the circuit breaker refused.
    #[inline]
    pub fn refused(&self, error: E) -> Next<T, E> {
        self.give_up(Err(error), "circuit breaker is open")
    }

    fn level(&self) -> LogLevel {
        match self.policy.settings.log {
            Some(level) => level,
            None if self.policy.hooks.any::<T, E>() => LogLevel::Off,
            None => LogLevel::Warn,
        }
    }

    fn describe<'o>(&self, outcome: &'o Result<T, E>) -> Result<Described<'o, E>, RejectedValue> {
        match outcome {
            Err(e) => Ok(Described(e, (self.describe)())),
            Ok(_) => Err(RejectedValue),
        }
    }

    fn give_up(&self, outcome: Result<T, E>, reason: &'static str) -> Next<T, E> {
        if G::ACTIVE {
            self.policy.hooks.on_give_up.call(&self.view(Some(&outcome), None));
        }
        self.log_give_up(&outcome, reason);
        Next::GiveUp(outcome)
    }

    fn log_give_up(&self, outcome: &Result<T, E>, reason: &'static str) {
        let level = self.level();
        if log::enabled(level.give_up_level()) {
            match self.describe(outcome) {
                Ok(e) => log::giving_up(level, self.name(), self.attempt, reason, &e),
                Err(v) => log::giving_up(level, self.name(), self.attempt, reason, &v),
            }
        }
    }

    /// Decides what follows the attempt that returned `outcome`.
    #[inline]
    pub fn after(&mut self, outcome: Result<T, E>) -> Next<T, E> {
        let retryable = match &outcome {
            Ok(value) => self.policy.retry_value.retry(value),
            Err(error) => self.policy.retry_error.retry(error),
        };
        if !retryable {
            // Reported in place: the settled permit stays until the next attempt's replaces it.
            if K::ACTIVE
                && let Some(permit) = &mut self.permit
            {
                let (clock, sleeper) = (&self.clock, &self.policy.sleeper);
                match &outcome {
                    Ok(_) => permit.success(|| clock(sleeper)),
                    Err(_) => permit.ignore(),
                }
            }
            if outcome.is_ok()
                && let Some(budget) = self.policy.budget.budget()
            {
                budget.on_success(self.withdrawal.take().map(|kind| budget.withdrawn(kind)));
            }
            return Next::Return(outcome);
        }
        self.retry_or_give_up(outcome)
    }

    #[inline]
    fn retry_or_give_up(&mut self, outcome: Result<T, E>) -> Next<T, E> {
        if F::ACTIVE {
            self.policy.hooks.after.call(&self.view(Some(&outcome), None));
        }
        let planned = self.history.plan(&self.policy.wait, self.attempt);
        let server = match &outcome {
            Err(error) => self.policy.server_delay.server_delay(error),
            Ok(_) => None,
        };
        if K::ACTIVE
            && let Some(permit) = &mut self.permit
        {
            // A server that says when to come back is up: that is no failure of its health.
            let (clock, sleeper) = (&self.clock, &self.policy.sleeper);
            match (&outcome, server) {
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
            Some(asked) => asked.max(planned),
            None => planned,
        };
        let ctx = StopContext::new(self.attempt, self.elapsed(), delay);
        if self.policy.stop.should_stop(&ctx) {
            return self.give_up(outcome, "the stop condition is met");
        }
        // With a per-attempt timeout, an attempt that would start with nothing left of the
        // deadline would be cut before it ran; on a clock that does not move (tokio's
        // paused clock) such empty attempts would repeat forever.
        if self.policy.settings.timeout.is_some()
            && let Some(deadline) = self.policy.stop.deadline()
            && ctx.elapsed().saturating_add(delay) >= deadline
        {
            return self.give_up(outcome, "no time is left of the deadline for another attempt");
        }
        // `&mut self`: a plain read and write, not an atomic swap.
        let kind = if core::mem::take(self.timed_out.get_mut()) { RetryKind::Timeout } else { RetryKind::Error };
        if !guards::pay(self.policy.budget.budget(), kind, &mut self.withdrawal) {
            return self.give_up(outcome, "the retry budget is empty");
        }
        if L::ACTIVE {
            self.policy.hooks.before_sleep.call(&self.view(Some(&outcome), Some(delay)));
        }
        let level = self.level();
        if log::enabled(level) {
            match self.describe(&outcome) {
                Ok(e) => log::retrying(level, self.name(), self.attempt, delay, &e),
                Err(v) => log::retrying(level, self.name(), self.attempt, delay, &v),
            }
        }
        self.history.sleep(delay);
        if delay.is_zero() { Next::Again } else { Next::Sleep(delay) }
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
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
        self.policy.sleeper.sleep(delay)
    }

    /// Runs one attempt, cut at the policy's per-attempt timeout if it has one.
    #[inline]
    pub fn run<Fut>(
        &self,
        attempt: Fut,
    ) -> impl Future<Output = Result<T, E>> + use<'_, Fut, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
    where
        Fut: Future<Output = Result<T, E>>,
        O: AttemptTimeout<E>,
    {
        let limit = self.attempt_timeout();
        O::bound(limit, &self.policy.sleeper, attempt, &self.timed_out)
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
    Call<'_, S, W, P, V, A, B, F, L, G, Z, O, K, U, T, E, C, D, H>
where
    Z: BlockingSleep,
    K: BreakerGuard<E>,
{
    /// Blocks for `delay`.
    #[inline]
    pub fn sleep_blocking(&self, delay: Duration) {
        self.policy.sleeper.sleep(delay);
    }
}

fn display<E: fmt::Display>(error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Display::fmt(error, f)
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
    /// A builder holding this policy, to change some of its keys.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts};
    /// let three = RetryPolicy::builder().build().unwrap();
    /// let five = three.clone().into_builder().stop(attempts(5)).build().unwrap();
    /// # let _ = five;
    /// ```
    pub fn into_builder(self) -> RetryPolicyBuilder<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        RetryPolicyBuilder { policy: self }
    }

    /// Runs `op` until it succeeds, returns an error the policy does not retry, or the
    /// policy gives up; returns the last outcome unchanged.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::fixed};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(3))
    ///     .wait(fixed(Duration::from_secs(2)))
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// let out: Result<(), &str> = policy.retry(|| async { Err("down") }).await;
    /// assert_eq!(out, Err("down"));
    /// assert_eq!(start.elapsed(), Duration::from_secs(4)); // two sleeps, on the paused clock
    /// # }
    /// ```
    pub async fn retry<T, E, Op, Fut>(&self, mut op: Op) -> Result<T, E>
    where
        Op: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: fmt::Display,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: AsyncSleep,
        O: AttemptTimeout<E>,
        K: BreakerGuard<E>,
        U: BudgetGuard,
    {
        let mut call = Call::new(self, <Z as AsyncSleep>::now, || display::<E> as Describe<E>, Kept::default());
        loop {
            let next = match call.before_attempt() {
                Admit::Run => {
                    let outcome = call.run(op()).await;
                    call.after(outcome)
                }
                Admit::Refused(error) => call.refused(error),
            };
            match next {
                Next::Return(outcome) | Next::GiveUp(outcome) => return outcome,
                Next::Again => {}
                Next::Sleep(delay) => call.sleep_async(delay).await,
            }
        }
    }

    /// [`retry`](Self::retry) for blocking code: sleeps with the sleeper's
    /// [`BlockingSleep`] (the thread, by default).
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::none};
    /// let policy = RetryPolicy::builder().stop(attempts(4)).wait(none()).build().unwrap();
    /// let mut n = 0;
    /// let out: Result<u32, String> = policy.retry_blocking(|| {
    ///     n += 1;
    ///     if n < 4 { Err(format!("try {n}")) } else { Ok(n) }
    /// });
    /// assert_eq!(out, Ok(4));
    /// ```
    pub fn retry_blocking<T, E, Op>(&self, mut op: Op) -> Result<T, E>
    where
        Op: FnMut() -> Result<T, E>,
        E: fmt::Display,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: BlockingSleep,
        O: Blocking,
        K: BreakerGuard<E>,
        U: BudgetGuard,
    {
        let mut call = Call::new(self, <Z as BlockingSleep>::now, || display::<E> as Describe<E>, Kept::default());
        loop {
            let next = match call.before_attempt() {
                Admit::Run => call.after(op()),
                Admit::Refused(error) => call.refused(error),
            };
            match next {
                Next::Return(outcome) | Next::GiveUp(outcome) => return outcome,
                Next::Again => {}
                Next::Sleep(delay) => call.sleep_blocking(delay),
            }
        }
    }
}
