//! `limiter = …` and `bulkhead = …`: the checks that the error type can carry a refusal, and
//! the probes that pick each guard without repeating that error (as `breaker_probe.rs`).

use super::Probe;
use crate::shaping::{Limiter, NoLimiter};

/// An error type that a call the limiter cannot pace before its deadline can become.
#[diagnostic::on_unimplemented(
    message = "`limiter` needs `{Self}: From<retry_runtime::RateLimited>`",
    label = "a call this limiter refuses must become the error type `{Self}`",
    note = "add `impl From<retry_runtime::RateLimited> for {Self}`, so that a refused call is returned as your error"
)]
pub trait LimiterError: From<crate::RateLimited> {}

impl<E: From<crate::RateLimited>> LimiterError for E {}

/// Checks, where `limiter = …` is written, that the error type can carry a refusal.
///
/// ```
/// retry_runtime::__private::limiter_error::<retry_runtime::RateLimited>();
/// ```
#[inline(always)]
pub const fn limiter_error<E: LimiterError>() {}

/// Picks the policy's limiter guard for `E`: the limiter when `E: From<RateLimited>`, else
/// [`NoLimiter`], so that a missing impl is reported once, by [`limiter_error`]. The
/// expansion writes `(&&LimiterProbe::<E>::new()).guard(&LIMITER)`.
pub type LimiterProbe<E> = Probe<E>;

/// Picks the limiter.
pub trait ViaFromRateLimited {
    /// The guard.
    fn guard<'r, R: Limiter + ?Sized>(&self, limiter: &'r R) -> &'r R;
}
/// Picks no limiter.
pub trait ViaNoLimiter {
    /// The guard.
    fn guard<R: Limiter + ?Sized>(&self, limiter: &R) -> NoLimiter;
}

impl<E: From<crate::RateLimited>> ViaFromRateLimited for &Probe<E> {
    #[inline(always)]
    fn guard<'r, R: Limiter + ?Sized>(&self, limiter: &'r R) -> &'r R {
        limiter
    }
}
impl<E> ViaNoLimiter for Probe<E> {
    #[inline(always)]
    fn guard<R: Limiter + ?Sized>(&self, _: &R) -> NoLimiter {
        NoLimiter
    }
}

/// An error type that a call the full bulkhead refuses can become.
#[cfg(feature = "tokio")]
#[diagnostic::on_unimplemented(
    message = "`bulkhead` needs `{Self}: From<retry_runtime::BulkheadFull>`",
    label = "a call this bulkhead refuses must become the error type `{Self}`",
    note = "add `impl From<retry_runtime::BulkheadFull> for {Self}`, so that a refused call is returned as your error"
)]
/// Needs the `tokio` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub trait BulkheadError: From<crate::BulkheadFull> {}

/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<E: From<crate::BulkheadFull>> BulkheadError for E {}

/// Checks, where `bulkhead = …` is written, that the error type can carry a refusal.
///
/// ```
/// retry_runtime::__private::bulkhead_error::<retry_runtime::BulkheadFull>();
/// ```
///
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[inline(always)]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub const fn bulkhead_error<E: BulkheadError>() {}

/// Picks the policy's bulkhead guard for `E`, as [`LimiterProbe`] does.
///
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub type BulkheadProbe<E> = Probe<E>;

/// Picks the bulkhead.
///
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub trait ViaFromBulkheadFull {
    /// The guard.
    fn guard<'q>(&self, bulkhead: &'q crate::Bulkhead) -> &'q crate::Bulkhead;
}
/// Picks no bulkhead.
///
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub trait ViaNoBulkhead {
    /// The guard.
    fn guard(&self, bulkhead: &crate::Bulkhead) -> crate::shaping::NoBulkhead;
}

/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<E: From<crate::BulkheadFull>> ViaFromBulkheadFull for &Probe<E> {
    #[inline(always)]
    fn guard<'q>(&self, bulkhead: &'q crate::Bulkhead) -> &'q crate::Bulkhead {
        bulkhead
    }
}
/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<E> ViaNoBulkhead for Probe<E> {
    #[inline(always)]
    fn guard(&self, _: &crate::Bulkhead) -> crate::shaping::NoBulkhead {
        crate::shaping::NoBulkhead
    }
}
