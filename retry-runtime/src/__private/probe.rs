//! [`Probe`]: the one shape of the expansion's autoref specialisation.
//!
//! The expansion calls a method on `&&Probe::<E>::new()` (or `&&&…`) with several traits in
//! scope, each implemented for a different number of references and under a different
//! bound on `E`. Method lookup tries the receiver with the most references first, so the
//! impl with the strictest bound that `E` meets wins, at the function's concrete error type
//! and without specialisation. Each use names its traits: [`TimeoutProbe`](super::TimeoutProbe),
//! [`BreakerProbe`](super::BreakerProbe), [`Describer`](super::Describer), and the by-value
//! parameters' holders (`held_arg`).

use core::marker::PhantomData;

/// A value standing for the type `E`, on which the probes' traits are implemented.
#[derive(Debug)]
pub struct Probe<E>(PhantomData<fn() -> E>);

impl<E> Probe<E> {
    /// For the expansion: `(&&Probe::<E>::new()).method()`.
    #[inline(always)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }

    /// For the expansion, where the type is that of a value: `(&&Probe::of(&x)).method(x)`
    /// (a parameter's type may be an `impl Trait`, which cannot be named).
    #[inline(always)]
    pub const fn of(_: &E) -> Self {
        Self(PhantomData)
    }
}

impl<E> Default for Probe<E> {
    fn default() -> Self {
        Self::new()
    }
}
