//! The only names the `#[retry]` expansion uses. Not a public API: anything here may change
//! in any release.

use core::fmt;
use core::future::Future;
use std::time::Instant;

pub use crate::policy::{Call, Describe, Next};
use crate::sleep::{AsyncSleep, BlockingSleep};
pub use crate::{LogLevel, RetryPolicy, RetryPolicyBuilder, RetryState};

pub use core::time::Duration;

/// The builder the expansion starts from, named after the function.
#[inline(always)]
pub const fn builder(name: &'static str) -> RetryPolicyBuilder {
    RetryPolicyBuilder::named(name)
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
pub fn error_predicate<R: ResultParts, P: Fn(&R::Err) -> bool>(p: P) -> P {
    p
}

/// Gives a value predicate its parameter type.
#[inline(always)]
pub fn value_predicate<R: ResultParts, P: Fn(&R::Ok) -> bool>(p: P) -> P {
    p
}

/// Gives a hook its parameter type.
#[inline(always)]
pub fn hook<R: ResultParts, H: Fn(&RetryState<'_, R::Ok, R::Err>)>(h: H) -> H {
    h
}

/// Gives a `retry_after` reader its parameter type.
#[inline(always)]
pub fn server_delay<R: ResultParts, D: Fn(&R::Err) -> Option<Duration>>(d: D) -> D {
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

impl<E: fmt::Display> ViaDisplay<E> for Describer<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Display::fmt(e, f)
    }
}
impl<E: fmt::Debug> ViaDebug<E> for &Describer<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Debug::fmt(e, f)
    }
}
impl<E> ViaNothing<E> for &&Describer<E> {
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
