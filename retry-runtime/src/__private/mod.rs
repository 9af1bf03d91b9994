//! The only names the `#[retry]` expansion uses, and the mechanics a policy's types carry.
//! Not a public API: anything here may change in any release.
//!
//! Here: the builder and call re-exports, the fences that give the user's code its types,
//! the `const` checks of constant keys, and the guards added to a `policy = …`. The
//! probes (`probe`, `describe`, `timeout_probe`, `breaker_probe`, `shaping_probe`) and the typed callables
//! (`typed`) have files of their own.

mod breaker_probe;
mod describe;
mod held_arg;
mod probe;
mod shaping_probe;
mod timeout_probe;
mod typed;

pub use breaker_probe::{BreakerError, BreakerProbe, ViaFromCircuitOpen, ViaNoBreaker, breaker_error};
pub use describe::{Describer, ViaDebug, ViaDisplay, ViaNothing};
pub use held_arg::{CopiedArg, HeldArg, ViaCopyArg, ViaHeldArg};
pub use probe::Probe;
#[cfg(feature = "tokio")]
pub use shaping_probe::{BulkheadError, BulkheadProbe, ViaFromBulkheadFull, ViaNoBulkhead, bulkhead_error};
pub use shaping_probe::{LimiterError, LimiterProbe, ViaFromRateLimited, ViaNoLimiter, limiter_error};
pub use timeout_probe::{TimeoutError, TimeoutProbe, ViaFromElapsed, ViaNoTimeout, timeout_error};
pub use typed::{ErrorFn, HookFn, Typed, error_fn, error_predicate, hook, server_delay, value_predicate};

use core::future::Future;
use std::time::Instant;

pub use crate::builder::{Checked, Group, KeysBuilder, Prechecked};
pub use crate::call::{
    Admit, ByDebug, ByDisplay, ByNothing, Call, Decision, Describe, History, Kept, Next, Opaque, Unkept,
};
pub use crate::guards::{
    AttemptPermit, Breaker, BreakerGuard, Budget, BudgetGuard, Guards, NoBreaker, NoBudget, NoPermit,
};
pub use crate::hooks::Hooks;
pub use crate::predicate::RetryError;
pub use crate::shaping::{BulkheadGuard, Limiter, LimiterGuard, NoBulkhead, NoLimiter, Shaped, Unshaped};
use crate::sleep::{AsyncSleep, BlockingSleep};
pub use crate::stream::expansion::{Owned, first_item, opened, opened_async, retry_stream};
pub use crate::timeout::{
    AttemptTimeout, Blocking, Convert, Cut, Execution, NoTimeout, Timed, TimeoutKind, Uncut, WithTimeout,
};
pub use crate::wait::WaitList;
pub use crate::{Hedge, LogLevel, Nested, RetryPolicy, RetryPolicyBuilder, RetryState};

pub use core::time::Duration;

/// `preset = NAME`: each preset's keys on the attribute's builder.
pub use crate::presets::on_keys as presets;
pub use crate::{stop, wait};

/// The builder the expansion starts from, named after the function: `const`, so that a
/// policy of constant keys is built at compile time.
#[inline(always)]
pub const fn builder(name: &'static str) -> KeysBuilder {
    KeysBuilder::named(name)
}

/// Reaches the `RetryPolicy` behind `policy = EXPR` by method autoderef: through `&POLICY`,
/// a `LazyLock`, an `Arc`, or a policy returned by value.
pub trait AsPolicy {
    /// The policy itself.
    fn __retry_policy(&self) -> &Self;
}

impl<S, W, P, V, A, X, H, G> AsPolicy for RetryPolicy<S, W, P, V, A, X, H, G> {
    #[inline(always)]
    fn __retry_policy(&self) -> &Self {
        self
    }
}

/// The clock of an async sleeper.
#[inline(always)]
pub fn async_clock<Z: AsyncSleep>(sleeper: &Z) -> Instant {
    sleeper.now()
}

/// The clock of a blocking sleeper.
#[inline(always)]
pub fn blocking_clock<Z: BlockingSleep>(sleeper: &Z) -> Instant {
    sleeper.now()
}

/// Fences an attempt's future to the function's return type, so that `?` and `return` in
/// the body infer against it.
#[inline(always)]
pub fn attempt<R, Fut: Future<Output = R>>(fut: Fut) -> Fut {
    fut
}

// The outcome goes through `ResultParts` both ways rather than relying on the return type
// being `Result`, so that a return type that is none is one error, at the type.

/// An attempt's outcome as the loop's `Result`.
#[inline(always)]
pub fn outcome<R: ResultParts>(r: R) -> Result<R::Ok, R::Err> {
    r.into_result()
}

pin_project_lite::pin_project! {
    /// An attempt's future with its output read as a `Result` ([`outcome`] on each poll's
    /// result): a struct with a pinned field, where an `async` block around the attempt added
    /// a state of its own (8 bytes and a tag) to the function's future.
    #[derive(Debug)]
    pub struct Outcome<F> {
        #[pin]
        attempt: F,
    }
}

impl<F: Future> Future for Outcome<F>
where
    F::Output: ResultParts,
{
    type Output = Result<<F::Output as ResultParts>::Ok, <F::Output as ResultParts>::Err>;

    #[inline(always)]
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<Self::Output> {
        self.project().attempt.poll(cx).map(ResultParts::into_result)
    }
}

/// An async attempt's future, its output read as a `Result`.
#[inline(always)]
pub fn outcome_of<R: ResultParts, Fut: Future<Output = R>>(attempt: Fut) -> Outcome<Fut> {
    Outcome { attempt }
}

/// The loop's `Result` as the function's return type.
#[inline(always)]
pub fn returned<R: ResultParts>(r: Result<R::Ok, R::Err>) -> R {
    R::from_result(r)
}

/// Splits a `Result` type into its halves, so that predicates written in the attribute
/// get their argument types from the function's return type (type aliases included).
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a function that returns `Result<_, _>`; `{Self}` is not a `Result`",
    label = "not a `Result`",
    note = "return `Result<T, E>` so that failed attempts can be told from successful ones"
)]
pub trait ResultParts: Sized {
    /// The `Ok` type.
    type Ok;
    /// The `Err` type.
    type Err;
    /// As a `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
    /// From a `Result`.
    fn from_result(r: Result<Self::Ok, Self::Err>) -> Self;
}

impl<T, E> ResultParts for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline(always)]
    fn into_result(self) -> Self {
        self
    }
    #[inline(always)]
    fn from_result(r: Self) -> Self {
        r
    }
}

/// A parameter taken by value, cloned for each attempt.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` passes each parameter to every attempt, but `{Self}` is not `Clone`",
    label = "taken by value and not `Clone`",
    note = "take this parameter by reference (`&{Self}`), or implement `Clone` for it"
)]
pub trait CloneArg: Sized {
    /// A copy for the next attempt.
    fn clone_arg(&self) -> Self;
}

impl<T: Clone> CloneArg for T {
    #[inline(always)]
    fn clone_arg(&self) -> Self {
        self.clone()
    }
}

/// Clones a by-value parameter for one attempt.
#[inline(always)]
pub fn clone_arg<T: CloneArg>(value: &T) -> T {
    value.clone_arg()
}

/// Checks `attempts(N)` for a constant `N` in a `const` block.
#[track_caller]
pub const fn attempts(n: u32) -> u32 {
    assert!(n > 0, "`attempts(0)` never runs the function; use `attempts(1)` or more");
    n
}

/// Checks an exponential base in a `const` block.
#[track_caller]
pub const fn base(b: f64) -> f64 {
    assert!(b >= 1.0, "the exponential base must be a number of at least 1");
    b
}

/// Checks a `scaled_jitter` fraction given as an expression, at compile time.
#[inline(always)]
pub const fn fraction(f: f64) -> f64 {
    assert!(f >= 0.0 && f <= 1.0, "the fraction of `scaled_jitter` must be a number from 0 to 1");
    f
}

/// Checks `hedges = N` for a constant `N` in a `const` block.
#[track_caller]
pub const fn hedges(n: u32) -> u32 {
    assert!(n > 0 && n <= retry_grammar::HEDGES_MAX, "`hedges` must be a whole number from 1 to 10");
    n
}

/// Gives the attempt maker of a hedged round (`Call::hedged`) its argument's type, the call,
/// so that its body can ask the call for the state.
#[inline(always)]
pub fn attempts_of<C, Fut, M: FnMut(&C) -> Fut>(_: &C, make: M) -> M {
    make
}

/// `policy = …` with `hedge = …`: the run-time policy, hedged too.
#[inline]
pub fn with_hedge<S, W, P, V, A, X, H, G>(
    policy: RetryPolicy<S, W, P, V, A, X, H, G>,
    hedge: crate::Hedge,
) -> RetryPolicy<S, W, P, V, A, X, H, G> {
    policy.into_hedged(hedge)
}

/// Types a duration argument given as an expression.
#[inline(always)]
pub const fn duration(d: Duration) -> Duration {
    d
}

/// Checks a positive duration in a `const` block: a zero one fails the build.
#[track_caller]
pub const fn positive(d: Duration, message: &'static str) -> Duration {
    assert!(!d.is_zero(), "{}", message);
    d
}

/// `policy = …` with `breaker = …`: the run-time policy, guarded by the breaker too (the
/// guard comes from [`BreakerProbe`]).
#[inline]
pub fn with_breaker<S, W, P, V, A, X, H, K, U, R, Q, K2>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R, Q>>,
    guard: K2,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K2, U, R, Q>> {
    policy.map_guards(|Guards { budget, limiter, bulkhead, .. }| Guards { breaker: guard, budget, limiter, bulkhead })
}

/// `policy = …` with `budget = …`: the run-time policy, paying from the budget too.
#[inline]
pub fn with_budget<S, W, P, V, A, X, H, K, U, R, Q, U2: BudgetGuard>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R, Q>>,
    budget: U2,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K, U2, R, Q>> {
    policy.map_guards(|Guards { breaker, limiter, bulkhead, .. }| Guards { breaker, budget, limiter, bulkhead })
}

/// `policy = …` with `limiter = …`: the run-time policy, paced by the limiter too.
#[inline]
pub fn with_limiter<S, W, P, V, A, X, H, K, U, R, Q, R2>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R, Q>>,
    limiter: R2,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R2, Q>> {
    policy.map_guards(|Guards { breaker, budget, bulkhead, .. }| Guards { breaker, budget, limiter, bulkhead })
}

/// `policy = …` with `bulkhead = …`: the run-time policy, bounded by the bulkhead too.
///
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[inline]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub fn with_bulkhead<S, W, P, V, A, X, H, K, U, R, Q>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R, Q>>,
    bulkhead: &crate::Bulkhead,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K, U, R, &crate::Bulkhead>> {
    policy.map_guards(|Guards { breaker, budget, limiter, .. }| Guards { breaker, budget, limiter, bulkhead })
}
