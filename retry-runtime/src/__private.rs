//! The only names the `#[retry]` expansion uses. Not a public API: anything here may change
//! in any release.

use core::fmt;
use core::future::Future;
use std::time::Instant;

pub use crate::policy::{Admit, Call, Describe, Kept, Next, Unkept};
use crate::sleep::{AsyncSleep, BlockingSleep};
pub use crate::{LogLevel, RetryPolicy, RetryState};

pub use core::time::Duration;

pub use crate::{stop, wait};

pub use crate::keys::KeysBuilder;

/// The builder the expansion starts from, named after the function: `const`, so that a
/// policy of constant keys is built at compile time.
#[inline(always)]
pub const fn builder(name: &'static str) -> KeysBuilder {
    KeysBuilder::named(name)
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

/// Splits a `Result` type into its halves, so that predicates written in the attribute
/// get their argument types from the function's return type (type aliases included).
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a function that returns `Result<_, _>`; `{Self}` is not a `Result`",
    label = "not a `Result`",
    note = "return `Result<T, E>` so that failed attempts can be told from successful ones"
)]
pub trait ResultParts {
    /// The `Ok` type.
    type Ok;
    /// The `Err` type.
    type Err;
}

impl<T, E> ResultParts for Result<T, E> {
    type Ok = T;
    type Err = E;
}

/// Gives an error predicate its parameter type.
#[inline(always)]
pub const fn error_predicate<E, P: Fn(&E) -> bool>(p: P) -> P {
    p
}

/// Gives a value predicate its parameter type.
#[inline(always)]
pub const fn value_predicate<T, P: Fn(&T) -> bool>(p: P) -> P {
    p
}

/// Gives a hook its parameter type.
#[inline(always)]
pub const fn hook<T, E, H: Fn(&RetryState<'_, T, E>)>(h: H) -> H {
    h
}

/// Gives a `retry_after` reader its parameter type.
#[inline(always)]
pub const fn server_delay<E, D: Fn(&E) -> Option<Duration>>(d: D) -> D {
    d
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
#[derive(Debug, Default)]
pub struct Describer<E>(core::marker::PhantomData<fn(&E)>);

impl<E> Describer<E> {
    /// For the expansion: `(&&&Describer::<E>::new()).describer()`.
    #[inline(always)]
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(core::marker::PhantomData)
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

/// `policy = …` with `breaker = …`: the run-time policy, guarded by the breaker too.
#[inline]
pub fn with_breaker<S, W, P, V, A, B, F, L, G, Z, O, K, U>(
    policy: RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>,
    breaker: &crate::CircuitBreaker,
) -> RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, &crate::CircuitBreaker, U> {
    policy.into_builder().breaker(breaker).build_unchecked()
}

/// `policy = …` with `budget = …`: the run-time policy, paying from the budget too.
#[inline]
pub fn with_budget<S, W, P, V, A, B, F, L, G, Z, O, K, U>(
    policy: RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U>,
    budget: &crate::RetryBudget,
) -> RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, &crate::RetryBudget> {
    policy.into_builder().budget(budget).build_unchecked()
}
