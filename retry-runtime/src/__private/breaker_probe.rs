//! `breaker = …`: the check that the error type can carry a refusal, and the probe that
//! picks the breaker guard without repeating that error.

use super::Probe;
use crate::guards::{Breaker, NoBreaker};

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
/// `E: From<CircuitOpen>`, else [`NoBreaker`], so that a missing impl is reported once, by
/// [`breaker_error`]. The expansion writes `(&&BreakerProbe::<E>::new()).guard(&BREAKER)`.
pub type BreakerProbe<E> = Probe<E>;

/// Picks the breaker.
pub trait ViaFromCircuitOpen {
    /// The guard.
    fn guard<'b, K: Breaker + ?Sized>(&self, breaker: &'b K) -> &'b K;
}
/// Picks no breaker.
pub trait ViaNoBreaker {
    /// The guard.
    fn guard<K: Breaker + ?Sized>(&self, breaker: &K) -> NoBreaker;
}

impl<E: From<crate::CircuitOpen>> ViaFromCircuitOpen for &Probe<E> {
    #[inline(always)]
    fn guard<'b, K: Breaker + ?Sized>(&self, breaker: &'b K) -> &'b K {
        breaker
    }
}
impl<E> ViaNoBreaker for Probe<E> {
    #[inline(always)]
    fn guard<K: Breaker + ?Sized>(&self, _: &K) -> NoBreaker {
        NoBreaker
    }
}
