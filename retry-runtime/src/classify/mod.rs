//! Which errors are worth retrying and how long the server asked to wait: the [`Transient`]
//! trait, its implementations, and the readers of what an HTTP server says.
//!
//! | type | transient when | delay | feature |
//! |---|---|---|---|
//! | `std::io::Error`, `std::io::ErrorKind` | by kind (table on the impl) | never | — |
//! | status as `u16` | [`status_is_transient`]: 408, 425, 429, 500, 502, 503, 504, 529 | — | — |
//! | `http::StatusCode` | the same | never | `http` |
//! | `http::Response<B>`, `reqwest::Response` | [`response`]: `x-should-retry`, then the status | [`server_delay`] | `http`, `reqwest` |
//! | [`HttpFailure`], [`Verdict`] | [`response`]: `x-should-retry`, the body, the status | [`server_delay`] | `http` |
//! | `reqwest::Error` | timeouts, connection failures, a transient status | never | `reqwest` |
//!
//! The header parsers live in [`headers`](crate::headers) and need no feature.
//!
//! The trait's methods fit the attribute's keys as they are:
//! `#[retry(when = Transient::is_transient, retry_after = Transient::retry_after)]`, or
//! without the macro:
//!
//! ```
//! use retry_runtime::{RetryPolicy, classify::Transient, stop::attempts, wait::none};
//! use std::io::{Error, ErrorKind};
//!
//! let policy = RetryPolicy::builder()
//!     .stop(attempts(5))
//!     .wait(none())
//!     .when(Transient::is_transient)
//!     .retry_after(Transient::retry_after)
//!     .build()?;
//! let mut tries = 0;
//! let out: Result<u32, Error> = policy.retry_blocking(|| {
//!     tries += 1;
//!     match tries {
//!         1 => Err(ErrorKind::ConnectionReset.into()),   // transient: retried
//!         2 => Err(ErrorKind::PermissionDenied.into()),  // permanent: returned
//!         _ => Ok(tries),
//!     }
//! });
//! assert_eq!(out.unwrap_err().kind(), ErrorKind::PermissionDenied);
//! assert_eq!(tries, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The docs name the `http` items; without the feature those links have nothing to reach.
#![cfg_attr(not(feature = "http"), allow(rustdoc::broken_intra_doc_links))]

use core::time::Duration;

mod io;
mod sdk;
mod status;

#[cfg(feature = "http")]
mod http;
#[cfg(feature = "http")]
pub(crate) mod provider;
#[cfg(feature = "reqwest")]
mod reqwest;

#[cfg(feature = "http")]
pub use self::http::{HttpFailure, Verdict, response, server_delay};
pub use sdk::{ANTHROPIC_MAX_SERVER_DELAY, FailedRequest, OPENAI_MAX_SERVER_DELAY, Sdk};
pub use status::status_is_transient;

/// An error that knows whether it is worth retrying and how long the server asked to wait.
///
/// Implement it for your own error type, forwarding to the parts that know (an
/// `io::Error`, an [`HttpFailure`], a status), and name its methods in the attribute:
/// `when = Transient::is_transient` is an `Fn(&E) -> bool` and
/// `retry_after = Transient::retry_after` an `Fn(&E) -> Option<Duration>`.
///
/// ```
/// use retry_runtime::classify::{Transient, status_is_transient};
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// enum LlmError {
///     Status { code: u16, retry_after: Option<Duration> },
///     Io(std::io::Error),
///     Parse(String),
/// }
///
/// impl Transient for LlmError {
///     fn is_transient(&self) -> bool {
///         match self {
///             LlmError::Status { code, .. } => status_is_transient(*code),
///             LlmError::Io(e) => e.is_transient(),
///             LlmError::Parse(_) => false,
///         }
///     }
///     fn retry_after(&self) -> Option<Duration> {
///         match self {
///             LlmError::Status { retry_after, .. } => *retry_after,
///             _ => None,
///         }
///     }
/// }
///
/// let limited = LlmError::Status { code: 429, retry_after: Some(Duration::from_secs(2)) };
/// let when: fn(&LlmError) -> bool = Transient::is_transient;
/// let delay: fn(&LlmError) -> Option<Duration> = Transient::retry_after;
/// assert!(when(&limited));
/// assert_eq!(delay(&limited), Some(Duration::from_secs(2)));
/// assert!(!when(&LlmError::Parse("no json".into())));
/// ```
pub trait Transient {
    /// `true` when the same call may succeed if made again later.
    fn is_transient(&self) -> bool;

    /// How long the server asked to wait before the next attempt, if it said.
    ///
    /// # Default
    /// `None`: the wait strategy alone decides.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// Retries the errors whose [`Transient::is_transient`] says so, and reads their
/// [`Transient::retry_after`]: `when = Transient::is_transient, retry_after =
/// Transient::retry_after` as one value that a `const` can hold, for the
/// [`presets`](crate::presets) `interactive` and `background`.
///
/// ```
/// use retry_runtime::classify::TransientErrors;
/// use retry_runtime::predicate::{RetryError, ServerDelay};
/// use std::io::{Error, ErrorKind};
/// assert!(RetryError::<Error>::retry(&TransientErrors, &ErrorKind::TimedOut.into()));
/// assert!(!RetryError::<Error>::retry(&TransientErrors, &ErrorKind::NotFound.into()));
/// assert_eq!(ServerDelay::<Error>::server_delay(&TransientErrors, &ErrorKind::TimedOut.into()), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransientErrors;

impl<E: Transient> crate::predicate::RetryError<E> for TransientErrors {
    #[inline]
    fn retry(&self, error: &E) -> bool {
        error.is_transient()
    }
}

impl<E: Transient> crate::predicate::ServerDelay<E> for TransientErrors {
    #[inline]
    fn server_delay(&self, error: &E) -> Option<Duration> {
        error.retry_after()
    }
}

/// As the value it points to.
///
/// ```
/// use retry_runtime::classify::Transient;
/// use std::io::ErrorKind;
/// let kind = ErrorKind::TimedOut;
/// assert!((&kind).is_transient());
/// ```
impl<T: Transient + ?Sized> Transient for &T {
    fn is_transient(&self) -> bool {
        (**self).is_transient()
    }
    fn retry_after(&self) -> Option<Duration> {
        (**self).retry_after()
    }
}

/// As the value it holds.
///
/// ```
/// use retry_runtime::classify::Transient;
/// let boxed: Box<dyn Transient> = Box::new(std::io::Error::from(std::io::ErrorKind::Interrupted));
/// assert!(boxed.is_transient());
/// ```
impl<T: Transient + ?Sized> Transient for Box<T> {
    fn is_transient(&self) -> bool {
        (**self).is_transient()
    }
    fn retry_after(&self) -> Option<Duration> {
        (**self).retry_after()
    }
}
