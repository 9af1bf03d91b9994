//! Hedging (`hedge = after(D)`, `hedges = N`): when an attempt is still running after
//! D, start another beside it, and take whichever succeeds first.
//!
//! A *round* is the attempt the loop admitted and up to N hedges, the k-th started k·D after
//! the round began while nothing has succeeded yet:
//!
//! - the first outcome the policy does not retry (a success, or an error such as a 400) ends
//!   the round and the call: every other attempt of the round is dropped at once, mid-flight
//!   (their breaker permits and bulkhead places are given back as they drop);
//! - an attempt that fails with an error the policy retries does not end the round while
//!   another of its attempts runs; no hedge starts early because of it (Polly v8 starts the
//!   next hedge at once on a failure; here a fast failure is retried with the policy's own
//!   wait instead, so a hedge never bypasses backoff);
//! - when every attempt of the round has failed, the last failure goes to the policy as any
//!   attempt's would: it gives up, or sleeps its `wait` and starts a new round.
//!
//! Each hedge is an attempt, started as the loop starts one, with these checks first, in
//! order; the first that refuses means no more hedges this round (the attempts in flight
//! continue):
//! 1. `stop`, asked as before a retry with no delay: with `attempts(3)` a round makes at most
//!    3 attempts, and a later round none beyond them;
//! 2. the circuit breaker, which gives each hedge a permit of its own;
//! 3. the retry budget, which pays for each hedge as for a retry (never refunded: a hedge
//!    adds load whether or not it wins).
//!
//! Then the attempt counter moves on, the `before` hook runs, and the default event says
//! that a hedge started. Inside each hedge, as in any attempt: the limiter's permit, the
//! bulkhead's place, then the body cut at its own per-attempt `timeout`.
//!
//! The attempts of a round share the function's arguments by reference (by-value arguments
//! are cloned for each), so the attribute refuses `hedge` where an attempt needs one mutably.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::PolicyError;
use crate::budget::RetryKind;
use crate::call::{Call, History, Next};
use crate::guards::{AttemptPermit, BreakerGuard, BudgetGuard};
use crate::hooks::Hook;
use crate::log;
use crate::nested::Layer;
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::shaping::{self, BulkheadGuard, LimiterGuard};
use crate::sleep::AsyncSleep;
use crate::stop::{Stop, StopContext};
use crate::timeout::AttemptTimeout;
use crate::wait::Wait;

/// When to start a hedge, and how many a round may start: `hedge = after(D), hedges = N`.
///
/// # Default
/// No hedging. [`Hedge::after`] starts one hedge per round ([`hedges`](Self::hedges) sets
/// more, up to [`HEDGES_MAX`](retry_grammar::HEDGES_MAX)).
///
/// ```
/// use retry_runtime::{Hedge, RetryPolicy, stop::attempts, wait::none};
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = RetryPolicy::builder()
///     .stop(attempts(3))
///     .wait(none())
///     .hedge(Hedge::after(Duration::from_millis(100)))
///     .build()
///     .unwrap();
/// let start = tokio::time::Instant::now();
/// let mut calls = 0;
/// let out: Result<u32, &str> = policy
///     .retry(|| {
///         calls += 1;
///         let n = calls;
///         async move {
///             // The first attempt hangs; the hedge started at 100 ms answers at once.
///             if n == 1 { std::future::pending::<()>().await }
///             Ok(n)
///         }
///     })
///     .await;
/// assert_eq!(out, Ok(2));
/// assert_eq!(start.elapsed(), Duration::from_millis(100));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hedge {
    after: Duration,
    hedges: u32,
}

impl Hedge {
    /// One hedge, started when an attempt has run for `delay` without succeeding.
    ///
    /// ```
    /// use retry_runtime::Hedge;
    /// use std::time::Duration;
    /// assert_eq!(Hedge::after(Duration::from_millis(200)).count(), 1);
    /// ```
    pub const fn after(delay: Duration) -> Self {
        Self { after: delay, hedges: 1 }
    }

    /// At most `hedges` hedges a round, the k-th started k·`delay` after the round began.
    ///
    /// ```
    /// use retry_runtime::Hedge;
    /// use std::time::Duration;
    /// let hedge = Hedge::after(Duration::from_millis(50)).hedges(2);
    /// assert_eq!((hedge.delay(), hedge.count()), (Duration::from_millis(50), 2));
    /// ```
    #[must_use]
    pub const fn hedges(self, hedges: u32) -> Self {
        Self { hedges, ..self }
    }

    /// How long an attempt runs before a hedge starts beside it.
    ///
    /// ```
    /// use retry_runtime::Hedge;
    /// use std::time::Duration;
    /// assert_eq!(Hedge::after(Duration::from_secs(1)).delay(), Duration::from_secs(1));
    /// ```
    pub const fn delay(&self) -> Duration {
        self.after
    }

    /// How many hedges a round may start.
    ///
    /// ```
    /// use retry_runtime::Hedge;
    /// use std::time::Duration;
    /// assert_eq!(Hedge::after(Duration::from_secs(1)).hedges(3).count(), 3);
    /// ```
    pub const fn count(&self) -> u32 {
        self.hedges
    }

    /// The attribute's rules: a positive delay, from 1 to `HEDGES_MAX` hedges.
    pub(crate) fn validate(&self) -> Result<(), PolicyError> {
        if self.after.is_zero() {
            return Err(PolicyError::ZeroDuration { what: retry_grammar::HEDGE.name });
        }
        if self.hedges == 0 || self.hedges > retry_grammar::HEDGES_MAX {
            return Err(PolicyError::InvalidHedges { hedges: self.hedges });
        }
        Ok(())
    }
}

impl<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    C: Fn(&Z) -> Instant + Copy,
    D: crate::call::Describes<E>,
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
    Z: AsyncSleep,
    O: AttemptTimeout<E>,
    K: BreakerGuard<E>,
    U: BudgetGuard,
    R: LimiterGuard<E>,
    Q: BulkheadGuard<E>,
{
    /// Whether the policy hedges: the value form and `policy = …` ask before each round.
    #[inline(always)]
    pub fn hedging(&self) -> bool {
        self.policy().settings.hedge.is_some()
    }

    /// Runs one round (see the module docs) for the attempt [`before_attempt`](Self::before_attempt)
    /// just admitted, each attempt made by `make`, and decides what follows it as
    /// [`after`](Self::after) does. Cancel-safe: dropping the round drops every attempt in
    /// flight with its permits and places.
    pub async fn hedged<M, Fut>(&mut self, mut make: M) -> Next<T, E>
    where
        M: FnMut(&Self) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let policy = self.policy();
        // The first round is the call's request, however many hedges it starts.
        let first_round = self.attempt == 1;
        let (after, mut left) = policy.settings.hedge.map_or((Duration::MAX, 0), |h| (h.after, h.hedges));
        // The attempts run concurrently, so they cannot borrow the call, which admits the
        // hedges between their polls: they share a fork of its layer and timeout flag.
        let layer = self.layer.fork();
        let timed_out = AtomicBool::new(false);
        let deadline = self.deadline();
        let first = attempt(policy, deadline, self.attempt_timeout(), &layer, &timed_out, make(self));
        // Boxed: how many a round starts is known only at run time.
        let mut running = Vec::with_capacity(1);
        running.push((Box::pin(first), self.permit.take()));
        let mut timer = pin!(policy.execution.sleeper.sleep(after));
        loop {
            let event = poll_fn(|cx| {
                for (i, (attempt, _)) in running.iter_mut().enumerate() {
                    if let Poll::Ready(outcome) = attempt.as_mut().poll(cx) {
                        return Poll::Ready(Some((i, outcome)));
                    }
                }
                if left > 0 && timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                Poll::Pending
            })
            .await;
            let Some((i, outcome)) = event else {
                match self.admit_hedge(after) {
                    Some(permit) => {
                        let hedge = attempt(policy, deadline, self.attempt_timeout(), &layer, &timed_out, make(self));
                        running.push((Box::pin(hedge), permit));
                        left -= 1;
                        if left > 0 {
                            timer.as_mut().set(policy.execution.sleeper.sleep(after));
                        }
                    }
                    None => left = 0,
                }
                continue;
            };
            let (_, mut permit) = running.swap_remove(i);
            let outcome = match outcome {
                Ok(outcome) => outcome,
                // The limiter or the bulkhead refused this attempt: nothing was sent.
                Err(refused) => {
                    if let Some(permit) = &mut permit {
                        permit.ignore();
                    }
                    if running.is_empty() {
                        self.end_round(&layer, &timed_out);
                        return Next::GiveUp(self.shaping_refused(refused));
                    }
                    continue;
                }
            };
            let retryable = match &outcome {
                Ok(value) => policy.retry_value.retry(value),
                Err(error) => policy.retry_error.retry(error),
            };
            if !retryable || running.is_empty() {
                // The winner, or the round's last failure: the losers go now, and the policy
                // decides as after any attempt, reporting this one's breaker permit.
                running.clear();
                self.end_round(&layer, &timed_out);
                self.permit = permit;
                if first_round && self.attempt > 1 {
                    self.count_request();
                }
                return self.after(outcome);
            }
            // A failure while another attempt runs: reported, and the round goes on.
            if let Some(permit) = &mut permit {
                let (clock, sleeper) = (self.clock, &policy.execution.sleeper);
                match &outcome {
                    Err(error) if policy.server_delay.server_delay(error).is_none() => {
                        permit.failure(|| clock(sleeper))
                    }
                    _ => permit.ignore(),
                }
            }
            if F::ACTIVE {
                policy.hooks.after.call(&self.view(Some(&outcome), None));
            }
        }
    }

    /// The checks before a hedge starts (module docs); its breaker permit, or `None` for no
    /// hedge.
    fn admit_hedge(&mut self, after: Duration) -> Option<Option<K::Permit>> {
        let policy = self.policy();
        if policy.stop.should_stop(&StopContext::new(self.attempt, self.elapsed(), Duration::ZERO)) {
            return None;
        }
        let mut permit = None;
        if K::ACTIVE {
            let (clock, sleeper) = (self.clock, &policy.execution.sleeper);
            policy.guards.breaker.admit(|| clock(sleeper), &mut permit).ok()?;
        }
        if U::ACTIVE && !policy.guards.budget.try_pay(RetryKind::Error) {
            if let Some(permit) = &mut permit {
                permit.ignore();
            }
            return None;
        }
        self.attempt = self.attempt.saturating_add(1);
        if B::ACTIVE {
            policy.hooks.before.call(&self.view(None, None));
        }
        #[cfg(feature = "metrics")]
        crate::telemetry::hedge(self.name());
        let level = self.level();
        if log::enabled(level) {
            log::hedging(level, self.name(), self.attempt, after);
        }
        Some(permit)
    }

    /// Brings back what the round's attempts saw: a nested layer that gave up, a timeout.
    fn end_round(&mut self, layer: &Layer, timed_out: &AtomicBool) {
        self.layer.absorb(layer);
        if timed_out.load(Ordering::Relaxed) {
            *self.timed_out.get_mut() = true;
        }
    }
}

/// One attempt of a round: its limiter permit and bulkhead place, then `body` cut at
/// `limit`, published as an attempt of `layer`. `Err` is a refusal of the limiter or the
/// bulkhead; `Ok` the attempt's outcome.
async fn attempt<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, Fut>(
    policy: &crate::policy::Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>,
    deadline: Option<Instant>,
    limit: Option<Duration>,
    layer: &Layer,
    timed_out: &AtomicBool,
    body: Fut,
) -> Result<Result<T, E>, E>
where
    Fut: Future<Output = Result<T, E>>,
    P: RetryError<E>,
    A: ServerDelay<E>,
    Z: AsyncSleep,
    O: AttemptTimeout<E>,
    R: LimiterGuard<E>,
    Q: BulkheadGuard<E>,
{
    let shaped = shaping::shape(policy, deadline).await?;
    let outcome =
        layer.attempt(crate::timeout::bound::<O, _, _>(limit, &policy.execution.sleeper, body, timed_out)).await;
    shaping::release(policy, shaped, &outcome);
    Ok(outcome)
}
