//! How a policy holds its circuit breaker and retry budget: by reference when it has them,
//! as a zero-sized placeholder when it does not, so an unused guard costs nothing.

use core::time::Duration;
use std::time::Instant;

use crate::breaker::BreakerPermit;
use crate::budget::RetryKind;
use crate::shaping::{NoBulkhead, NoLimiter};
use crate::{CircuitBreaker, CircuitOpen, RetryBudget};

/// A policy's circuit breaker, retry budget, rate limiter and bulkhead, each a placeholder
/// until it is set.
///
/// ```
/// use retry_runtime::__private::{Guards, NoBreaker, NoBudget, NoBulkhead, NoLimiter};
/// let guards: Guards = Guards::none();
/// assert_eq!((guards.breaker, guards.budget), (NoBreaker, NoBudget));
/// assert_eq!((guards.limiter, guards.bulkhead), (NoLimiter, NoBulkhead));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Guards<K = NoBreaker, U = NoBudget, R = NoLimiter, Q = NoBulkhead> {
    /// Admits each attempt: [`NoBreaker`] or `&CircuitBreaker`.
    pub breaker: K,
    /// Pays for each retry: [`NoBudget`] or `&RetryBudget`.
    pub budget: U,
    /// Paces each attempt: [`NoLimiter`] or `&RateLimiter`.
    pub limiter: R,
    /// Bounds the attempts in flight: [`NoBulkhead`] or `&Bulkhead`.
    pub bulkhead: Q,
}

impl Guards {
    /// No guard.
    pub const fn none() -> Self {
        Self { breaker: NoBreaker, budget: NoBudget, limiter: NoLimiter, bulkhead: NoBulkhead }
    }
}

/// The policy has no circuit breaker.
///
/// # Default
/// Every policy until [`breaker`](crate::RetryPolicyBuilder::breaker) is called.
///
/// ```
/// use retry_runtime::__private::{BreakerGuard, NoBreaker};
/// let mut permit = None;
/// let admitted = BreakerGuard::<std::io::Error>::admit(&NoBreaker, std::time::Instant::now, &mut permit);
/// assert!(admitted.is_ok() && permit.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBreaker;

/// The policy has no retry budget.
///
/// # Default
/// Every policy until [`budget`](crate::RetryPolicyBuilder::budget) is called.
///
/// ```
/// use retry_runtime::{budget::RetryKind, __private::{BudgetGuard, NoBudget}};
/// assert!(!NoBudget::ACTIVE && NoBudget.try_pay(RetryKind::Error));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBudget;

/// Admits each attempt through a circuit breaker, if the policy has one; a refusal becomes
/// `E::from(CircuitOpen)`.
///
/// ```
/// use retry_runtime::{CircuitBreaker, CircuitOpen, __private::BreakerGuard};
/// use std::time::{Duration, Instant};
///
/// #[derive(Debug)]
/// struct Refused;
/// impl From<CircuitOpen> for Refused {
///     fn from(_: CircuitOpen) -> Self { Refused }
/// }
/// let breaker = CircuitBreaker::consecutive(3, Duration::from_secs(30));
/// let guard = &breaker;
/// let mut permit = None;
/// BreakerGuard::<Refused>::admit(&guard, Instant::now, &mut permit).unwrap();
/// assert!(permit.is_some());
/// ```
#[diagnostic::on_unimplemented(
    message = "`breaker` needs `{E}: From<retry_runtime::CircuitOpen>`",
    label = "a call the open circuit refuses must become a `{E}`",
    note = "add `impl From<retry_runtime::CircuitOpen> for {E}` so that a refused call can be returned as your error"
)]
pub trait BreakerGuard<E> {
    /// Whether there is a breaker at all.
    const ACTIVE: bool;
    /// What an admitted attempt holds until it reports: a [`BreakerPermit`], or
    /// [`NoPermit`], which cannot exist, so that a call without a breaker keeps no room for
    /// one.
    type Permit: AttemptPermit;
    /// Admits one attempt: puts its permit in `permit` (nothing without a breaker), or
    /// returns the refusal as `E`. `now` is read only when the breaker needs the time (not
    /// while it is closed). The permit is written in place, never moved: copying it through
    /// `Result` and `Option` cost a store-forwarding stall on every call.
    ///
    /// # Errors
    /// `E::from(CircuitOpen)` when the circuit refuses the attempt.
    fn admit(&self, now: impl FnOnce() -> Instant, permit: &mut Option<Self::Permit>) -> Result<(), E>;

    /// Whether an attempt `delay` from now would surely be refused (the circuit open past
    /// then, or isolated): the loop gives up at once instead of sleeping and paying for a
    /// retry that cannot run. `now` is read only when the circuit is not closed.
    #[inline(always)]
    fn refuses_after(&self, now: impl FnOnce() -> Instant, delay: Duration) -> bool {
        let _ = (now, delay);
        false
    }
}

impl<E> BreakerGuard<E> for NoBreaker {
    const ACTIVE: bool = false;
    type Permit = NoPermit;
    #[inline(always)]
    fn admit(&self, _: impl FnOnce() -> Instant, _: &mut Option<NoPermit>) -> Result<(), E> {
        Ok(())
    }
}

impl<'b, E: From<CircuitOpen>> BreakerGuard<E> for &'b CircuitBreaker {
    const ACTIVE: bool = true;
    type Permit = BreakerPermit<'b>;
    #[inline]
    fn admit(&self, now: impl FnOnce() -> Instant, permit: &mut Option<BreakerPermit<'b>>) -> Result<(), E> {
        CircuitBreaker::acquire_into(self, now, permit).map_err(E::from)
    }
    #[inline]
    fn refuses_after(&self, now: impl FnOnce() -> Instant, delay: Duration) -> bool {
        CircuitBreaker::refuses_after(self, now, delay)
    }
}

/// The permit of a policy without a breaker: a type with no value.
///
/// ```
/// use retry_runtime::__private::NoPermit;
/// assert_eq!(size_of::<Option<NoPermit>>(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPermit {}

/// Reports an attempt's outcome on the permit it was admitted with, in place: the first
/// report counts, later ones and the permit's drop do nothing. The time is read only when
/// the breaker needs it.
///
/// ```
/// use retry_runtime::{CircuitBreaker, __private::AttemptPermit};
/// use std::time::{Duration, Instant};
/// let breaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
/// let mut permit = breaker.try_acquire(Instant::now()).unwrap();
/// AttemptPermit::success(&mut permit, Instant::now);
/// ```
pub trait AttemptPermit {
    /// The attempt succeeded; `now` is read only if the breaker needs the time.
    fn success(&mut self, now: impl Fn() -> Instant);
    /// The attempt failed with an error the call would retry.
    fn failure(&mut self, now: impl Fn() -> Instant);
    /// The attempt's outcome says nothing about the dependency's health.
    fn ignore(&mut self);
}

impl AttemptPermit for NoPermit {
    fn success(&mut self, _: impl Fn() -> Instant) {
        match *self {}
    }
    fn failure(&mut self, _: impl Fn() -> Instant) {
        match *self {}
    }
    fn ignore(&mut self) {
        match *self {}
    }
}

impl AttemptPermit for BreakerPermit<'_> {
    #[inline]
    fn success(&mut self, now: impl Fn() -> Instant) {
        self.report_success(now);
    }
    #[inline]
    fn failure(&mut self, now: impl Fn() -> Instant) {
        self.report_failure(now);
    }
    #[inline]
    fn ignore(&mut self) {
        self.release();
    }
}

/// Pays for each retry from a retry budget, if the policy has one: a [`RetryBudget`], or
/// (with the `redis` feature) a budget whose tokens every process shares.
///
/// ```
/// use retry_runtime::{RetryBudget, budget::RetryKind, __private::BudgetGuard};
/// static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
/// let guard = &BUDGET;
/// assert!(guard.try_pay(RetryKind::Error));
/// BudgetGuard::on_success(&guard, Some(RetryKind::Error)); // the retry succeeded: refunded
/// assert_eq!(BUDGET.available(), 10);
/// ```
pub trait BudgetGuard {
    /// Whether there is a budget at all.
    const ACTIVE: bool;
    /// A call made its first attempt ([`RetryBudget::record_request`]).
    fn record_request(&self);
    /// Takes the cost of one retry of `kind`; `false` (taking nothing) when the budget
    /// cannot pay, and the call must not retry.
    fn try_pay(&self, kind: RetryKind) -> bool;
    /// The call succeeded: `paid` is the kind of the retry that succeeded, `None` after a
    /// first-try success ([`RetryBudget::on_success`]).
    fn on_success(&self, paid: Option<RetryKind>);
    /// A retry paid for as `kind` never ran (its sleep ended past the deadline): its cost
    /// goes back whatever the budget's refund rule ([`RetryBudget::give_back`]).
    fn give_back(&self, kind: RetryKind);
}

impl BudgetGuard for NoBudget {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn record_request(&self) {}
    #[inline(always)]
    fn try_pay(&self, _: RetryKind) -> bool {
        true
    }
    #[inline(always)]
    fn on_success(&self, _: Option<RetryKind>) {}
    #[inline(always)]
    fn give_back(&self, _: RetryKind) {}
}

impl BudgetGuard for &RetryBudget {
    const ACTIVE: bool = true;
    #[inline(always)]
    fn record_request(&self) {
        RetryBudget::record_request(self);
    }
    #[inline(always)]
    fn try_pay(&self, kind: RetryKind) -> bool {
        self.try_withdraw(kind).is_some()
    }
    #[inline(always)]
    fn on_success(&self, paid: Option<RetryKind>) {
        RetryBudget::on_success(self, paid.map(|kind| self.withdrawn(kind)));
    }
    fn give_back(&self, kind: RetryKind) {
        RetryBudget::give_back(self, Some(self.withdrawn(kind)));
    }
}

/// A reference to a budget's reference (`budget = b` with `b: &RetryBudget`): the budget it
/// reaches, as deref coercion would.
impl<'c, U: ?Sized> BudgetGuard for &&'c U
where
    &'c U: BudgetGuard,
{
    const ACTIVE: bool = <&'c U as BudgetGuard>::ACTIVE;
    #[inline(always)]
    fn record_request(&self) {
        <&'c U as BudgetGuard>::record_request(*self);
    }
    #[inline(always)]
    fn try_pay(&self, kind: RetryKind) -> bool {
        <&'c U as BudgetGuard>::try_pay(*self, kind)
    }
    #[inline(always)]
    fn on_success(&self, paid: Option<RetryKind>) {
        <&'c U as BudgetGuard>::on_success(*self, paid);
    }
    fn give_back(&self, kind: RetryKind) {
        <&'c U as BudgetGuard>::give_back(*self, kind);
    }
}

/// A retry budget that a policy holds by reference (`budget = NAME`, `.budget(&B)`):
/// [`RetryBudget`], or (with the `redis` feature) one whose tokens every process shares.
/// `&B` is then a [`BudgetGuard`].
///
/// ```
/// use retry_runtime::{RetryBudget, __private::Budget};
/// fn takes<B: Budget + ?Sized>(_: &B) {}
/// takes(&RetryBudget::aws_standard());
/// ```
pub trait Budget {}

impl Budget for RetryBudget {}

impl<U: Budget + ?Sized> Budget for &U {}

/// A circuit breaker that a policy holds by reference (`breaker = NAME`, `.breaker(&B)`):
/// [`CircuitBreaker`], or (with the `redis` feature) one whose open state every process
/// shares. `&B` is then a [`BreakerGuard`].
///
/// ```
/// use retry_runtime::{CircuitBreaker, __private::Breaker};
/// fn takes<B: Breaker + ?Sized>(_: &B) {}
/// takes(&CircuitBreaker::polly());
/// ```
pub trait Breaker {}

impl Breaker for CircuitBreaker {}

/// A reference to a breaker's reference (`breaker = b` with `b: &CircuitBreaker`): the
/// breaker it reaches, as deref coercion would.
impl<K: Breaker + ?Sized> Breaker for &K {}

impl<'c, E, K: ?Sized> BreakerGuard<E> for &&'c K
where
    &'c K: BreakerGuard<E>,
{
    const ACTIVE: bool = <&'c K as BreakerGuard<E>>::ACTIVE;
    type Permit = <&'c K as BreakerGuard<E>>::Permit;
    #[inline(always)]
    fn admit(&self, now: impl FnOnce() -> Instant, permit: &mut Option<Self::Permit>) -> Result<(), E> {
        <&'c K as BreakerGuard<E>>::admit(*self, now, permit)
    }
    #[inline(always)]
    fn refuses_after(&self, now: impl FnOnce() -> Instant, delay: Duration) -> bool {
        <&'c K as BreakerGuard<E>>::refuses_after(*self, now, delay)
    }
}

/// Withdraws for a retry of `kind`; `true` when there is no budget to ask.
/// Records what was paid for in `into` (the cost follows from the kind, so the call keeps
/// one byte instead of the [`Withdrawal`](crate::budget::Withdrawal)).
#[inline]
pub(crate) fn pay<U: BudgetGuard>(budget: &U, kind: RetryKind, into: &mut Option<RetryKind>) -> bool {
    if !U::ACTIVE {
        return true;
    }
    let paid = budget.try_pay(kind);
    if paid {
        *into = Some(kind);
    }
    paid
}
