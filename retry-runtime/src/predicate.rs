//! Which outcomes are retried: `on` / `unless` / `when` for errors, `when_ok` for values,
//! and `retry_after` for the delay a server asked for.

use core::time::Duration;

/// Decides whether an error is worth another attempt: [`AnyError`], or any
/// `Fn(&E) -> bool`.
///
/// ```
/// use retry_runtime::predicate::{AnyError, RetryError};
/// assert!(RetryError::<&str>::retry(&AnyError, &"boom"));
/// let only_busy = |e: &&str| *e == "busy";
/// assert!(!only_busy.retry(&"bad request"));
/// ```
pub trait RetryError<E> {
    /// `true` to retry `error` (if the stop condition allows).
    fn retry(&self, error: &E) -> bool;
}

/// Retries every error.
///
/// # Default
/// The policy's error predicate unless `on`, `unless` or `when` is given.
///
/// ```
/// use retry_runtime::predicate::{AnyError, RetryError};
/// assert!(RetryError::<i32>::retry(&AnyError, &-1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnyError;

impl<E> RetryError<E> for AnyError {
    #[inline(always)]
    fn retry(&self, _: &E) -> bool {
        true
    }
}

impl<E, F: Fn(&E) -> bool> RetryError<E> for F {
    #[inline]
    fn retry(&self, error: &E) -> bool {
        self(error)
    }
}

/// Decides whether an `Ok` value should be retried too (Tenacity's `retry_if_result`):
/// [`NoValue`], or any `Fn(&T) -> bool`.
///
/// ```
/// use retry_runtime::predicate::{NoValue, RetryValue};
/// assert!(!RetryValue::<u8>::retry(&NoValue, &0));
/// let empty = |s: &String| s.is_empty();
/// assert!(empty.retry(&String::new()));
/// ```
pub trait RetryValue<T> {
    /// `true` to retry although the attempt returned `Ok(value)`.
    fn retry(&self, value: &T) -> bool;
}

/// Never retries an `Ok`.
///
/// # Default
/// The policy's value predicate unless `when_ok` is given.
///
/// ```
/// use retry_runtime::predicate::{NoValue, RetryValue};
/// assert!(!RetryValue::<&str>::retry(&NoValue, &""));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoValue;

impl<T> RetryValue<T> for NoValue {
    #[inline(always)]
    fn retry(&self, _: &T) -> bool {
        false
    }
}

impl<T, F: Fn(&T) -> bool> RetryValue<T> for F {
    #[inline]
    fn retry(&self, value: &T) -> bool {
        self(value)
    }
}

/// Reads how long the server asked to wait from an error (a `Retry-After` header, say):
/// [`NoServerDelay`], or any `Fn(&E) -> Option<Duration>`.
///
/// ```
/// use retry_runtime::predicate::ServerDelay;
/// use std::time::Duration;
/// let read = |e: &u64| Some(Duration::from_secs(*e));
/// assert_eq!(read.server_delay(&2), Some(Duration::from_secs(2)));
/// ```
pub trait ServerDelay<E> {
    /// The delay the server asked for, if it asked.
    fn server_delay(&self, error: &E) -> Option<Duration>;
}

/// The server never says.
///
/// # Default
/// Unless `retry_after` is given.
///
/// ```
/// use retry_runtime::predicate::{NoServerDelay, ServerDelay};
/// assert_eq!(ServerDelay::<()>::server_delay(&NoServerDelay, &()), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoServerDelay;

impl<E> ServerDelay<E> for NoServerDelay {
    #[inline(always)]
    fn server_delay(&self, _: &E) -> Option<Duration> {
        None
    }
}

impl<E, F: Fn(&E) -> Option<Duration>> ServerDelay<E> for F {
    #[inline]
    fn server_delay(&self, error: &E) -> Option<Duration> {
        self(error)
    }
}
