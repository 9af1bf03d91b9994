//! What a hook, or the body through `state = NAME`, can see of the call under way.

use core::time::Duration;

/// A view of one call: which attempt, how long it has run, what the last attempt returned
/// and how long the next sleep will be.
///
/// Hooks receive `&RetryState<'_, T, E>`; `#[retry(state = s)]` binds one inside the body,
/// where [`outcome`](Self::outcome) is `None` because the attempt is still running.
///
/// ```
/// use retry_runtime::{RetryPolicy, RetryState, stop::attempts, wait::none};
/// use std::sync::Mutex;
///
/// let seen = Mutex::new(Vec::new());
/// let policy = RetryPolicy::builder()
///     .stop(attempts(3))
///     .wait(none())
///     .after(|s: &RetryState<'_, (), String>| {
///         seen.lock().unwrap().push((s.attempt(), s.error().cloned()));
///     })
///     .build()
///     .unwrap();
/// let _ = policy.retry_blocking(|| Err::<(), _>("down".to_string()));
/// let down = Some("down".to_string());
/// assert_eq!(*seen.lock().unwrap(), [(1, down.clone()), (2, down.clone()), (3, down)]);
/// ```
#[derive(Debug)]
pub struct RetryState<'a, T, E> {
    pub(crate) function: &'static str,
    pub(crate) attempt: u32,
    pub(crate) elapsed: Duration,
    pub(crate) slept: Duration,
    pub(crate) outcome: Option<&'a Result<T, E>>,
    pub(crate) next_delay: Option<Duration>,
}

impl<T, E> Clone for RetryState<'_, T, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, E> Copy for RetryState<'_, T, E> {}

impl<'a, T, E> RetryState<'a, T, E> {
    /// The retried function's path, module included (`my_crate::client::call_llm`), or the
    /// name given to [`RetryPolicyBuilder::name`](crate::RetryPolicyBuilder::name).
    pub const fn function(&self) -> &'static str {
        self.function
    }

    /// The number of the attempt under way, or just ended in a hook; the first is 1.
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Time since the first attempt began, on the sleeper's clock.
    ///
    /// Zero when the policy reads no clock: a policy whose stop condition is not
    /// time-based and that has no hook reads none, so that a first-try success costs
    /// nothing.
    pub const fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Total time slept between attempts so far.
    pub const fn slept(&self) -> Duration {
        self.slept
    }

    /// What the attempt that just ended returned; `None` inside the body.
    pub const fn outcome(&self) -> Option<&'a Result<T, E>> {
        self.outcome
    }

    /// The error the attempt that just ended returned, if it returned one.
    pub fn error(&self) -> Option<&'a E> {
        match self.outcome {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The sleep before the next attempt: known in `before_sleep`, `None` elsewhere.
    pub const fn next_delay(&self) -> Option<Duration> {
        self.next_delay
    }
}
