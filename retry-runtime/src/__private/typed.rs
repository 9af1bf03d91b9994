//! What the attribute gives each closure it is passed: the parameter type the function's
//! signature says, as a concrete wrapper a `const` policy can hold.

use core::fmt;
use core::time::Duration;

use crate::RetryState;

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

/// The error predicate of `on = …` / `unless = …`: a plain function, whose type names only
/// the error type. A closure's type is its function's own, which made every annotated
/// function's `Call` a type of its own and every method of it compiled again per function;
/// the call is the same indirect call a `Typed` makes.
pub struct ErrorFn<E>(fn(&E) -> bool);

impl<E> Clone for ErrorFn<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for ErrorFn<E> {}

impl<E> fmt::Debug for ErrorFn<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorFn")
    }
}

/// The error predicate of `on = …` as a plain function.
#[inline(always)]
pub const fn error_fn<E>(p: fn(&E) -> bool) -> ErrorFn<E> {
    ErrorFn(p)
}

impl<E> crate::predicate::RetryError<E> for ErrorFn<E> {
    #[inline(always)]
    fn retry(&self, error: &E) -> bool {
        (self.0)(error)
    }
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
