//! `timeout = …`: the check that the error type can carry a timed-out attempt, and the probe
//! that picks the timeout marker without repeating that error.

use super::Probe;
use crate::timeout::{NoTimeout, WithTimeout};

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
/// `E: From<Elapsed>`, else [`NoTimeout`], so that a missing impl is reported once, by
/// [`timeout_error`], and not again wherever the policy is used. The expansion writes
/// `(&&TimeoutProbe::<E>::new()).marker()`.
pub type TimeoutProbe<E> = Probe<E>;

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

impl<E: From<crate::Elapsed>> ViaFromElapsed for &Probe<E> {
    #[inline(always)]
    fn marker(&self) -> WithTimeout {
        WithTimeout
    }
}
impl<E> ViaNoTimeout for Probe<E> {
    #[inline(always)]
    fn marker(&self) -> NoTimeout {
        NoTimeout
    }
}
