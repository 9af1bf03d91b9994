//! How a policy holds its rate limiter and bulkhead: by reference when it has them, as
//! a zero-sized placeholder when it does not; and the step of the call that waits for both
//! before each attempt ([`Call::shape`]) and reports to them after it ([`Call::release_shaped`]).
//!
//! The order is fixed: the breaker admits the attempt and the `before` hook runs
//! ([`Call::before_attempt`]), then the limiter's permit, then the bulkhead's place, then the
//! attempt. The place is held for the attempt only; the permit reports the attempt's outcome:
//! `Ok` is [`Success`](RateOutcome::Success), an error the policy retries whose
//! `retry_after` says when to come back is [`Throttled`](RateOutcome::Throttled), any other
//! error is [`Failure`](RateOutcome::Failure).
//!
//! A refusal (the limiter's wait would cross the deadline, or the bulkhead is full) gives up
//! with `E::from(RateLimited)` / `E::from(BulkheadFull)` whatever the attempt, not with the
//! previous attempt's error: keeping that error for this case would cost every call's future
//! its room. The previous errors were reported to the hooks and events as they happened.

use core::future::Future;
use std::time::Instant;

use crate::call::{Call, History};
use crate::guards::{BreakerGuard, NoPermit};
use crate::limiter::{Outcome as RateOutcome, RatePermit};
use crate::policy::Spelled;
use crate::predicate::{RetryError, ServerDelay};
use crate::sleep::AsyncSleep;
use crate::stop::Stop;
use crate::{RateLimited, RateLimiter};

/// The policy has no rate limiter.
///
/// # Default
/// Every policy until [`limiter`](crate::RetryPolicyBuilder::limiter) is called.
///
/// ```
/// use retry_runtime::__private::{LimiterGuard, NoLimiter};
/// assert!(!<NoLimiter as LimiterGuard<std::io::Error>>::ACTIVE);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoLimiter;

/// The policy has no bulkhead.
///
/// # Default
/// Every policy until `bulkhead` is called.
///
/// ```
/// use retry_runtime::__private::{BulkheadGuard, NoBulkhead};
/// assert!(!<NoBulkhead as BulkheadGuard<std::io::Error>>::ACTIVE);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBulkhead;

/// Paces each attempt through a rate limiter, if the policy has one; a refusal (the wait
/// would cross the call's deadline) becomes `E::from(RateLimited)`.
///
/// ```
/// use retry_runtime::{RateLimited, RateLimiter, __private::LimiterGuard, sleep::TokioSleep};
/// #[derive(Debug)]
/// struct Limited;
/// impl From<RateLimited> for Limited {
///     fn from(_: RateLimited) -> Self { Limited }
/// }
/// static LIMITER: RateLimiter = RateLimiter::per_second(1);
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let permit = LimiterGuard::<Limited>::acquire(&&LIMITER, &TokioSleep, None).await.unwrap();
/// drop(permit);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`limiter` needs `{E}: From<retry_runtime::RateLimited>`",
    label = "a call the limiter cannot pace before its deadline must become a `{E}`",
    note = "add `impl From<retry_runtime::RateLimited> for {E}` so that a refused call can be returned as your error"
)]
pub trait LimiterGuard<E> {
    /// Whether there is a limiter at all.
    const ACTIVE: bool;
    /// What an attempt holds until it reports: a [`RatePermit`], or [`NoPermit`].
    type Permit;
    /// Waits for a permit on `sleeper`, never past `deadline`.
    ///
    /// # Errors
    /// `E::from(RateLimited)` when the wait would end after `deadline`.
    fn acquire<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> impl Future<Output = Result<Option<Self::Permit>, E>>;
    /// Reports the attempt's outcome on its permit.
    fn record(permit: Self::Permit, outcome: RateOutcome);
}

impl<E> LimiterGuard<E> for NoLimiter {
    const ACTIVE: bool = false;
    type Permit = NoPermit;
    #[inline(always)]
    fn acquire<Z: AsyncSleep>(&self, _: &Z, _: Option<Instant>) -> impl Future<Output = Result<Option<NoPermit>, E>> {
        core::future::ready(Ok(None))
    }
    fn record(permit: NoPermit, _: RateOutcome) {
        match permit {}
    }
}

impl<'r, E: From<RateLimited>> LimiterGuard<E> for &'r RateLimiter {
    const ACTIVE: bool = true;
    type Permit = RatePermit<'r>;
    #[inline]
    async fn acquire<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> Result<Option<RatePermit<'r>>, E> {
        let limiter: &'r RateLimiter = self;
        limiter.acquire_with(sleeper, deadline).await.map(Some).map_err(E::from)
    }
    #[inline]
    fn record(permit: RatePermit<'r>, outcome: RateOutcome) {
        permit.record(outcome);
    }
}

/// A rate limiter that a policy holds by reference (`limiter = NAME`, `.limiter(&L)`):
/// [`RateLimiter`], or (with the `redis` feature) one whose pace every process shares.
/// `&L` is then a [`LimiterGuard`].
///
/// ```
/// use retry_runtime::{RateLimiter, __private::Limiter};
/// fn takes<L: Limiter + ?Sized>(_: &L) {}
/// takes(&RateLimiter::per_second(1));
/// ```
pub trait Limiter {}

impl Limiter for RateLimiter {}

/// A reference to a limiter's reference (`limiter = l` with `l: &RateLimiter`): the limiter
/// it reaches, as deref coercion would.
impl<L: Limiter + ?Sized> Limiter for &L {}

impl<'c, E, L: ?Sized> LimiterGuard<E> for &&'c L
where
    &'c L: LimiterGuard<E>,
{
    const ACTIVE: bool = <&'c L as LimiterGuard<E>>::ACTIVE;
    type Permit = <&'c L as LimiterGuard<E>>::Permit;
    #[inline(always)]
    fn acquire<Z: AsyncSleep>(
        &self,
        sleeper: &Z,
        deadline: Option<Instant>,
    ) -> impl Future<Output = Result<Option<Self::Permit>, E>> {
        <&'c L as LimiterGuard<E>>::acquire(*self, sleeper, deadline)
    }
    #[inline(always)]
    fn record(permit: Self::Permit, outcome: RateOutcome) {
        <&'c L as LimiterGuard<E>>::record(permit, outcome);
    }
}

/// Bounds the attempts in flight through a bulkhead, if the policy has one; a refusal
/// becomes `E::from(BulkheadFull)`.
///
/// ```
/// use retry_runtime::{Bulkhead, BulkheadFull, __private::BulkheadGuard};
/// #[derive(Debug)]
/// struct Full;
/// impl From<BulkheadFull> for Full {
///     fn from(_: BulkheadFull) -> Self { Full }
/// }
/// static POOL: Bulkhead = Bulkhead::new(1);
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let place = BulkheadGuard::<Full>::acquire(&&POOL, None).await.unwrap();
/// assert_eq!(POOL.available(), 0);
/// drop(place);
/// assert_eq!(POOL.available(), 1);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`bulkhead` needs `{E}: From<retry_runtime::BulkheadFull>`",
    label = "a call the full bulkhead refuses must become a `{E}`",
    note = "add `impl From<retry_runtime::BulkheadFull> for {E}` so that a refused call can be returned as your error"
)]
pub trait BulkheadGuard<E> {
    /// Whether there is a bulkhead at all.
    const ACTIVE: bool;
    /// What an attempt holds while it runs: a `BulkheadPermit`, or [`NoPermit`].
    type Permit;
    /// Waits for a place, never past `deadline`.
    ///
    /// # Errors
    /// `E::from(BulkheadFull)` when the bulkhead refuses.
    fn acquire(&self, deadline: Option<Instant>) -> impl Future<Output = Result<Option<Self::Permit>, E>>;
}

impl<E> BulkheadGuard<E> for NoBulkhead {
    const ACTIVE: bool = false;
    type Permit = NoPermit;
    #[inline(always)]
    fn acquire(&self, _: Option<Instant>) -> impl Future<Output = Result<Option<NoPermit>, E>> {
        core::future::ready(Ok(None))
    }
}

/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<'q, E: From<crate::BulkheadFull>> BulkheadGuard<E> for &'q crate::Bulkhead {
    const ACTIVE: bool = true;
    type Permit = crate::bulkhead::BulkheadPermit<'q>;
    #[inline]
    async fn acquire(&self, deadline: Option<Instant>) -> Result<Option<Self::Permit>, E> {
        let bulkhead: &'q crate::Bulkhead = self;
        bulkhead.acquire(deadline).await.map(Some).map_err(E::from)
    }
}

/// A policy with neither a limiter nor a bulkhead, which wait asynchronously: what
/// [`retry_blocking`](crate::RetryPolicy::retry_blocking) requires.
///
/// ```
/// use retry_runtime::__private::{NoBulkhead, NoLimiter, Unshaped};
/// fn unshaped<T: Unshaped>() {}
/// unshaped::<NoLimiter>();
/// unshaped::<NoBulkhead>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`limiter` and `bulkhead` wait asynchronously",
    label = "this policy has a limiter or a bulkhead",
    note = "use `RetryPolicy::retry` in async code, or a policy without them"
)]
pub trait Unshaped {}

impl Unshaped for NoLimiter {}
impl Unshaped for NoBulkhead {}

/// What an admitted attempt holds from the limiter and the bulkhead: no room without them.
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "report the attempt with `Call::after_shaped`"]
pub struct Shaped<RP, QP> {
    rate: Option<RP>,
    place: Option<QP>,
}

impl<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
    Call<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H>
where
    S: Stop,
    P: RetryError<E>,
    A: ServerDelay<E>,
    Z: AsyncSleep,
    K: BreakerGuard<E>,
    C: Fn(&Z) -> Instant,
    H: History,
    R: LimiterGuard<E>,
    Q: BulkheadGuard<E>,
{
    /// Waits for the limiter's permit and then the bulkhead's place for the attempt about to
    /// start, neither past the call's deadline (its `deadline` stop, from the call's start).
    /// Cancel-safe: a dropped wait holds nothing. The wait holds the policy, not the call,
    /// so that a call whose future must be `Send` (tower's, reqwest-middleware's) need not be
    /// `Sync`.
    ///
    /// # Errors
    /// `E::from(RateLimited)` or `E::from(BulkheadFull)`: give up with
    /// `Call::shaping_refused`.
    pub fn shape(
        &self,
    ) -> impl Future<Output = Result<Shaped<R::Permit, Q::Permit>, E>>
    + use<'p, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, C, D, H> {
        shape(self.policy(), self.deadline())
    }

    /// Gives the attempt's place back and reports its outcome on its rate permit; the caller
    /// then decides with [`after`](Self::after).
    #[inline]
    pub fn release_shaped(&self, shaped: Shaped<R::Permit, Q::Permit>, outcome: &Result<T, E>) {
        release(self.policy(), shaped, outcome);
    }
}

/// [`Call::shape`] for any attempt of a call whose deadline is `deadline`: also what each
/// attempt of a hedged round waits for on its own (`hedge.rs`).
pub(crate) async fn shape<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, E>(
    policy: &Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>,
    deadline: Option<Instant>,
) -> Result<Shaped<R::Permit, Q::Permit>, E>
where
    Z: AsyncSleep,
    R: LimiterGuard<E>,
    Q: BulkheadGuard<E>,
{
    let rate = if R::ACTIVE { policy.guards.limiter.acquire(&policy.execution.sleeper, deadline).await? } else { None };
    // A refused place drops the rate permit: nothing was sent, so nothing is recorded.
    let place = if Q::ACTIVE { policy.guards.bulkhead.acquire(deadline).await? } else { None };
    Ok(Shaped { rate, place })
}

/// [`Call::release_shaped`] for any attempt of the call `policy` runs.
#[inline]
pub(crate) fn release<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E>(
    policy: &Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>,
    shaped: Shaped<R::Permit, Q::Permit>,
    outcome: &Result<T, E>,
) where
    P: RetryError<E>,
    A: ServerDelay<E>,
    R: LimiterGuard<E>,
    Q: BulkheadGuard<E>,
{
    let Shaped { rate, place } = shaped;
    drop(place);
    if let Some(permit) = rate {
        let reported = match outcome {
            Ok(_) => RateOutcome::Success,
            Err(e) if policy.retry_error.retry(e) && policy.server_delay.server_delay(e).is_some() => {
                RateOutcome::Throttled
            }
            Err(_) => RateOutcome::Failure,
        };
        R::record(permit, reported);
    }
}

#[cfg(test)]
mod tests {
    use super::{NoPermit, Shaped};

    #[test]
    fn an_unshaped_attempt_holds_no_room() {
        // Without a limiter or a bulkhead, the call's future pays nothing for them.
        assert_eq!(size_of::<Shaped<NoPermit, NoPermit>>(), 0);
    }
}
