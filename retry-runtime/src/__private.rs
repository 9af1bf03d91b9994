//! The only names the `#[retry]` expansion uses. Not a public API: anything here may change
//! in any release.

use core::fmt;
use core::future::Future;
use std::time::Instant;

pub use crate::builder::{Checked, Group, KeysBuilder, Prechecked};
pub use crate::call::{Admit, Call, Describe, History, Kept, Next, Unkept};
pub use crate::guards::{AttemptPermit, BreakerGuard, BudgetGuard, Guards, NoBreaker, NoBudget, NoPermit};
pub use crate::hooks::Hooks;
pub use crate::predicate::RetryError;
use crate::sleep::{AsyncSleep, BlockingSleep};
pub use crate::timeout::{AttemptTimeout, Blocking, Execution, NoTimeout, WithTimeout};
pub use crate::wait::WaitList;
pub use crate::{LogLevel, RetryPolicy, RetryPolicyBuilder, RetryState};

pub use core::time::Duration;

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

// The four functions below give what the user wrote its parameter type. Each returns a
// `Typed` wrapper whose trait impls name that type, so that a closure of the wrong type is
// reported once, here, and does not go on to infer the policy's error type from its own
// parameter; and, unlike an opaque `impl Fn`, the wrapper is a concrete type that a
// `const` block's policy can still be promoted to a `&'static` with.

/// A user's callable with the parameter type the function's signature gives it. The bound
/// is checked once, where it is built; the trait impls below need none, so a closure of the
/// wrong type is one error, not one more wherever the policy is used.
pub struct Typed<P, A: ?Sized, R> {
    f: P,
    call: fn(&P, &A) -> R,
}

impl<P: Clone, A: ?Sized, R> Clone for Typed<P, A, R> {
    fn clone(&self) -> Self {
        Self { f: self.f.clone(), call: self.call }
    }
}

impl<P: Copy, A: ?Sized, R> Copy for Typed<P, A, R> {}

impl<P, A: ?Sized, R> fmt::Debug for Typed<P, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Typed")
    }
}

#[inline(always)]
fn call_with<P: Fn(&A) -> R, A: ?Sized, R>(f: &P, arg: &A) -> R {
    f(arg)
}

/// Gives an error predicate its parameter type.
#[inline(always)]
pub const fn error_predicate<E, P: Fn(&E) -> bool>(p: P) -> Typed<P, E, bool> {
    Typed { f: p, call: call_with::<P, E, bool> }
}

/// Gives a value predicate its parameter type.
#[inline(always)]
pub const fn value_predicate<T, P: Fn(&T) -> bool>(p: P) -> Typed<P, T, bool> {
    Typed { f: p, call: call_with::<P, T, bool> }
}

/// Gives a hook its parameter type.
#[inline(always)]
pub const fn hook<T, E, H: for<'s> Fn(&RetryState<'s, T, E>)>(h: H) -> HookFn<H, T, E> {
    HookFn { f: h, call: call_hook::<H, T, E> }
}

/// Gives a `retry_after` reader its parameter type.
#[inline(always)]
pub const fn server_delay<E, D: Fn(&E) -> Option<Duration>>(d: D) -> Typed<D, E, Option<Duration>> {
    Typed { f: d, call: call_with::<D, E, Option<Duration>> }
}

/// A hook with its parameter type; see [`Typed`].
pub struct HookFn<H, T, E> {
    f: H,
    call: for<'s> fn(&H, &RetryState<'s, T, E>),
}

impl<H: Clone, T, E> Clone for HookFn<H, T, E> {
    fn clone(&self) -> Self {
        Self { f: self.f.clone(), call: self.call }
    }
}

impl<H: Copy, T, E> Copy for HookFn<H, T, E> {}

impl<H, T, E> fmt::Debug for HookFn<H, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HookFn")
    }
}

#[inline(always)]
fn call_hook<H: for<'s> Fn(&RetryState<'s, T, E>), T, E>(h: &H, state: &RetryState<'_, T, E>) {
    h(state)
}

impl<E, P> crate::predicate::RetryError<E> for Typed<P, E, bool> {
    #[inline(always)]
    fn retry(&self, error: &E) -> bool {
        (self.call)(&self.f, error)
    }
}

impl<T, P> crate::predicate::RetryValue<T> for Typed<P, T, bool> {
    #[inline(always)]
    fn retry(&self, value: &T) -> bool {
        (self.call)(&self.f, value)
    }
}

impl<E, D> crate::predicate::ServerDelay<E> for Typed<D, E, Option<Duration>> {
    #[inline(always)]
    fn server_delay(&self, error: &E) -> Option<Duration> {
        (self.call)(&self.f, error)
    }
}

impl<T, E, H> crate::hooks::Hook<T, E> for HookFn<H, T, E> {
    #[inline(always)]
    fn call(&self, state: &RetryState<'_, T, E>) {
        (self.call)(&self.f, state)
    }
}

/// An error type that an attempt cut at its `timeout` can become.
///
/// Its own trait, with `Self` the error type, so that rustc reports a missing
/// `From<Elapsed>` in these words rather than as an unsatisfied bound of an impl.
#[diagnostic::on_unimplemented(
    message = "`timeout` needs `{Self}: From<retry_runtime::Elapsed>`",
    label = "an attempt cut at this timeout must become the error type `{Self}`",
    note = "add `impl From<retry_runtime::Elapsed> for {Self}`, so that a timed-out attempt is returned as your error"
)]
pub trait TimeoutError: From<crate::Elapsed> {}

impl<E: From<crate::Elapsed>> TimeoutError for E {}

/// Checks, where `timeout = …` is written, that the error type can carry a timed-out
/// attempt.
#[inline(always)]
pub const fn timeout_error<E: TimeoutError>() {}

/// Picks the policy's timeout marker for the error type `E`: [`WithTimeout`] when
/// `E: From<Elapsed>`, else [`NoTimeout`] (autoref specialisation), so that a missing impl is
/// reported once, by [`timeout_error`], and not again wherever the policy is used.
#[derive(Debug)]
pub struct TimeoutProbe<E>(core::marker::PhantomData<fn() -> E>);

impl<E> TimeoutProbe<E> {
    /// For the expansion: `(&&TimeoutProbe::<E>::new()).marker()`.
    #[inline(always)]
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

/// Picks [`WithTimeout`].
pub trait ViaFromElapsed {
    /// The marker.
    fn marker(&self) -> WithTimeout;
}
/// Picks [`NoTimeout`].
pub trait ViaNoTimeout {
    /// The marker.
    fn marker(&self) -> NoTimeout;
}

impl<E: From<crate::Elapsed>> ViaFromElapsed for &TimeoutProbe<E> {
    #[inline(always)]
    fn marker(&self) -> WithTimeout {
        WithTimeout
    }
}
impl<E> ViaNoTimeout for TimeoutProbe<E> {
    #[inline(always)]
    fn marker(&self) -> NoTimeout {
        NoTimeout
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

/// Formats any error as an opaque placeholder, where its type cannot be named.
pub fn opaque<E>() -> Describe<E> {
    |_, f| f.write_str("<error>")
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

/// Types a duration argument given as an expression.
#[inline(always)]
pub const fn duration(d: Duration) -> Duration {
    d
}

/// Formats an error for the default events: with `Display` when the type has it, else with
/// `Debug`, else as an opaque placeholder (autoref specialisation, resolved at the
/// function's concrete error type).
#[derive(Debug)]
pub struct Describer<E>(core::marker::PhantomData<fn(&E)>);

impl<E> Describer<E> {
    /// For the expansion: `(&&&Describer::<E>::new()).describer()`.
    #[inline(always)]
    pub const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

impl<E> Default for Describer<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Picks `Display`.
pub trait ViaDisplay<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}
/// Picks `Debug`.
pub trait ViaDebug<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}
/// Neither.
pub trait ViaNothing<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}

impl<E: fmt::Display> ViaDisplay<E> for &&Describer<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Display::fmt(e, f)
    }
}
impl<E: fmt::Debug> ViaDebug<E> for &Describer<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Debug::fmt(e, f)
    }
}
impl<E> ViaNothing<E> for Describer<E> {
    fn describer(&self) -> Describe<E> {
        |_, f| f.write_str("<error without Display or Debug>")
    }
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
pub fn with_breaker<S, W, P, V, A, X, H, K, U, K2>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U>>,
    guard: K2,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K2, U>> {
    policy.map_guards(|guards| Guards { breaker: guard, budget: guards.budget })
}

/// An error type that a call refused by an open circuit can become.
///
/// Its own trait, with `Self` the error type, so that rustc reports a missing
/// `From<CircuitOpen>` in these words rather than as an unsatisfied bound of an impl.
#[diagnostic::on_unimplemented(
    message = "`breaker` needs `{Self}: From<retry_runtime::CircuitOpen>`",
    label = "a call this breaker refuses must become the error type `{Self}`",
    note = "add `impl From<retry_runtime::CircuitOpen> for {Self}`, so that a refused call is returned as your error"
)]
pub trait BreakerError: From<crate::CircuitOpen> {}

impl<E: From<crate::CircuitOpen>> BreakerError for E {}

/// Checks, where `breaker = …` is written, that the error type can carry a refusal.
#[inline(always)]
pub const fn breaker_error<E: BreakerError>() {}

/// Picks the policy's breaker guard for the error type `E`: the breaker when
/// `E: From<CircuitOpen>`, else [`NoBreaker`] (autoref
/// specialisation), so that a missing impl is reported once, by [`breaker_error`].
#[derive(Debug)]
pub struct BreakerProbe<E>(core::marker::PhantomData<fn() -> E>);

impl<E> BreakerProbe<E> {
    /// For the expansion: `(&&BreakerProbe::<E>::new()).guard(&BREAKER)`.
    #[inline(always)]
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

/// Picks the breaker.
pub trait ViaFromCircuitOpen {
    /// The guard.
    fn guard<'b>(&self, breaker: &'b crate::CircuitBreaker) -> &'b crate::CircuitBreaker;
}
/// Picks no breaker.
pub trait ViaNoBreaker {
    /// The guard.
    fn guard(&self, breaker: &crate::CircuitBreaker) -> NoBreaker;
}

impl<E: From<crate::CircuitOpen>> ViaFromCircuitOpen for &BreakerProbe<E> {
    #[inline(always)]
    fn guard<'b>(&self, breaker: &'b crate::CircuitBreaker) -> &'b crate::CircuitBreaker {
        breaker
    }
}
impl<E> ViaNoBreaker for BreakerProbe<E> {
    #[inline(always)]
    fn guard(&self, _: &crate::CircuitBreaker) -> NoBreaker {
        NoBreaker
    }
}

/// `policy = …` with `budget = …`: the run-time policy, paying from the budget too.
#[inline]
pub fn with_budget<S, W, P, V, A, X, H, K, U>(
    policy: RetryPolicy<S, W, P, V, A, X, H, Guards<K, U>>,
    budget: &crate::RetryBudget,
) -> RetryPolicy<S, W, P, V, A, X, H, Guards<K, &crate::RetryBudget>> {
    policy.map_guards(|guards| Guards { breaker: guards.breaker, budget })
}
