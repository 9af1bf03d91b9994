//! Callbacks around each attempt: `before`, `after`, `before_sleep`, `on_give_up`.

use crate::RetryState;

/// Something called with the call's [`RetryState`]: any `Fn(&RetryState<'_, T, E>)`, or
/// [`NoHook`].
///
/// ```
/// use retry_runtime::{hooks::Hook, RetryState};
/// fn assert_hook<H: Hook<u8, String>>(_: &H) {}
/// assert_hook(&|s: &RetryState<'_, u8, String>| println!("attempt {}", s.attempt()));
/// ```
pub trait Hook<T, E> {
    /// Whether calling this hook does anything; `false` lets the loop skip building the
    /// state for it.
    const ACTIVE: bool = true;

    /// Runs the hook.
    fn call(&self, state: &RetryState<'_, T, E>);
}

/// The hook that does nothing, and costs nothing.
///
/// ```
/// use retry_runtime::hooks::{Hook, NoHook};
/// assert!(!<NoHook as Hook<(), ()>>::ACTIVE);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHook;

impl<T, E> Hook<T, E> for NoHook {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn call(&self, _: &RetryState<'_, T, E>) {}
}

impl<T, E, F> Hook<T, E> for F
where
    F: Fn(&RetryState<'_, T, E>),
{
    #[inline]
    fn call(&self, state: &RetryState<'_, T, E>) {
        self(state)
    }
}

/// The four hooks of a policy: how a [`RetryPolicy`](crate::RetryPolicy) groups them.
/// Mechanics, reached through `__private`: users set hooks with the builder.
///
/// ```
/// use retry_runtime::__private::Hooks;
/// let hooks = Hooks::none();
/// assert!(!hooks.any::<(), ()>());
/// ```
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Hooks<B = NoHook, A = NoHook, S = NoHook, G = NoHook> {
    /// Called before every attempt.
    pub before: B,
    /// Called after every failed attempt: an error the policy retries, or an `Ok` that
    /// `when_ok` rejects, whether or not a retry follows (as Tenacity's `after`). An error
    /// the policy does not retry is returned at once, without this hook.
    pub after: A,
    /// Called before each sleep, with [`RetryState::next_delay`] set.
    pub before_sleep: S,
    /// Called once, when the call gives up on a retryable outcome.
    pub on_give_up: G,
}

impl Hooks {
    /// No hooks at all.
    pub const fn none() -> Self {
        Self { before: NoHook, after: NoHook, before_sleep: NoHook, on_give_up: NoHook }
    }
}

impl<B, A, S, G> Hooks<B, A, S, G> {
    /// Whether any of the four hooks does something.
    pub const fn any<T, E>(&self) -> bool
    where
        B: Hook<T, E>,
        A: Hook<T, E>,
        S: Hook<T, E>,
        G: Hook<T, E>,
    {
        B::ACTIVE || A::ACTIVE || S::ACTIVE || G::ACTIVE
    }
}
