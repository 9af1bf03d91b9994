//! How a by-value parameter reaches the attempts: each attempt but the last gets a clone,
//! the attempt known to be the last ([`Call::is_last`](crate::__private::Call::is_last))
//! takes the original, so a call that cannot retry copies nothing. A `Copy` parameter is
//! copied into every attempt and kept as it is, with no room for "taken".
//!
//! The expansion writes, before the loop, `let mut held = (&&Probe::of(&n)).hold(n);` with
//! [`ViaCopyArg`] and [`ViaHeldArg`] in scope, and in each attempt
//! `let n = match held.last(call.is_last()) { Some(n) => n, None => clone_arg(held.get()) };`.

use super::Probe;

/// A parameter that is not `Copy`, until the last attempt takes it.
#[derive(Debug)]
pub struct HeldArg<T>(Option<T>);

impl<T> HeldArg<T> {
    /// The original, if this attempt is the last.
    #[inline(always)]
    pub fn last(&mut self, last: bool) -> Option<T> {
        if last { self.0.take() } else { None }
    }

    /// The original, to clone for an attempt that is not the last.
    ///
    /// # Panics
    /// If an attempt ran after the one known to be the last, which the call's loop rules
    /// out (it gives up after that attempt whatever the stop says).
    #[inline(always)]
    pub fn get(&self) -> &T {
        self.0.as_ref().expect("`#[retry]` ran an attempt after the last one; please report this bug")
    }
}

/// A `Copy` parameter: each attempt copies it.
#[derive(Debug)]
pub struct CopiedArg<T>(T);

impl<T: Copy> CopiedArg<T> {
    /// A copy: the same as a clone, at no cost.
    #[inline(always)]
    pub fn last(&mut self, _last: bool) -> Option<T> {
        Some(self.0)
    }

    /// The value (never cloned: [`last`](Self::last) always answers).
    #[inline(always)]
    pub fn get(&self) -> &T {
        &self.0
    }
}

/// Holds a `Copy` parameter as it is.
pub trait ViaCopyArg<T> {
    /// The parameter, held.
    fn hold(&self, value: T) -> CopiedArg<T>;
}

/// Holds any other parameter until the last attempt takes it.
pub trait ViaHeldArg<T> {
    /// The parameter, held.
    fn hold(&self, value: T) -> HeldArg<T>;
}

impl<T: Copy> ViaCopyArg<T> for &Probe<T> {
    #[inline(always)]
    fn hold(&self, value: T) -> CopiedArg<T> {
        CopiedArg(value)
    }
}

impl<T> ViaHeldArg<T> for Probe<T> {
    #[inline(always)]
    fn hold(&self, value: T) -> HeldArg<T> {
        HeldArg(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_borrow)] // the expansion's autoref probe, written out
    fn a_copy_parameter_is_held_as_it_is_and_any_other_until_the_last_attempt() {
        let n = 7u64;
        let mut copied = (&&Probe::of(&n)).hold(n);
        assert_eq!((copied.last(false), copied.last(true), *copied.get()), (Some(7), Some(7), 7));
        assert_eq!(size_of_val(&copied), size_of::<u64>());

        let s = String::from("prompt");
        let mut held = (&&Probe::of(&s)).hold(s);
        assert_eq!(held.last(false), None);
        assert_eq!(held.get(), "prompt");
        assert_eq!(held.last(true).as_deref(), Some("prompt"));
        assert_eq!(held.last(true), None);
    }
}
