//! The per-attempt `timeout`: an attempt still running after its limit is dropped and
//! counts as a failure with `E::from(Elapsed)`; and [`Execution`], how a policy holds its
//! sleeper beside the timeout's marker. Only [`Elapsed`] is public (at the crate's root);
//! the markers are mechanics, reached through `__private`.

use core::fmt;
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sleep::{AsyncSleep, DefaultSleep};

/// How a policy's attempts run: what sleeps (and tells the time), and whether an attempt
/// is cut at a per-attempt timeout.
///
/// The type a `static` policy with a sleeper of its own names, as the sixth parameter of
/// [`RetryPolicy`](crate::RetryPolicy); the builder's [`sleeper`](crate::RetryPolicyBuilder::sleeper)
/// sets it.
///
/// ```
/// use retry_runtime::sleep::{Execution, ThreadSleep};
/// use retry_runtime::{RetryPolicy, stop::Attempts, wait::NoWait, predicate::{AnyError, NoValue, NoServerDelay}};
///
/// let policy: RetryPolicy<Attempts, NoWait, AnyError, NoValue, NoServerDelay, Execution<ThreadSleep>> =
///     RetryPolicy::builder().wait(retry_runtime::wait::none()).sleeper(ThreadSleep).build()?;
/// let out: Result<(), &str> = policy.retry_blocking(|| Err("down"));
/// assert_eq!(out, Err("down"));
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Execution<Z = DefaultSleep, O = NoTimeout> {
    /// What sleeps between attempts and tells the time.
    pub sleeper: Z,
    /// Whether attempts are cut at a timeout (a marker; the limit is a setting of the policy).
    pub timeout: O,
}

impl Execution {
    /// The default sleeper, no timeout.
    pub const fn new() -> Self {
        Self { sleeper: DefaultSleep, timeout: NoTimeout }
    }
}

/// The error of an attempt cut at its `timeout`; convert it into your error type with
/// `impl From<Elapsed> for MyError`.
///
/// ```
/// use retry_runtime::Elapsed;
/// use std::time::Duration;
/// let e = Elapsed::new(Duration::from_secs(5));
/// assert_eq!(e.limit(), Duration::from_secs(5));
/// assert_eq!(e.to_string(), "attempt timed out after 5s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed {
    limit: Duration,
}

impl Elapsed {
    /// An attempt cut after `limit`.
    pub const fn new(limit: Duration) -> Self {
        Self { limit }
    }
    /// How long the attempt was allowed to run.
    pub const fn limit(&self) -> Duration {
        self.limit
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt timed out after {:?}", self.limit)
    }
}

impl std::error::Error for Elapsed {}

/// The policy has no per-attempt timeout.
///
/// # Default
/// Every policy until [`timeout`](crate::RetryPolicyBuilder::timeout) is called.
///
/// ```
/// use retry_runtime::__private::NoTimeout;
/// let _ = NoTimeout;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTimeout;

/// The policy cuts each attempt at its timeout.
///
/// ```
/// use retry_runtime::__private::WithTimeout;
/// let _ = WithTimeout;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WithTimeout;

/// How an attempt is bounded in time; [`WithTimeout`] needs `E: From<Elapsed>`.
///
/// ```
/// use retry_runtime::__private::{AttemptTimeout, NoTimeout};
/// fn bounded<E, O: AttemptTimeout<E>>() {}
/// bounded::<std::io::Error, NoTimeout>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`timeout` needs `{E}: From<retry_runtime::Elapsed>`",
    label = "a timed-out attempt must become a `{E}`",
    note = "add `impl From<retry_runtime::Elapsed> for {E}` so that a cut attempt can be returned as your error"
)]
pub trait AttemptTimeout<E> {
    /// Runs `attempt`, cut after `limit` when there is one.
    fn bound<T, F, Z>(
        limit: Option<Duration>,
        sleeper: &Z,
        attempt: F,
        timed_out: &AtomicBool,
    ) -> impl Future<Output = Result<T, E>>
    where
        F: Future<Output = Result<T, E>>,
        Z: AsyncSleep;
}

impl<E> AttemptTimeout<E> for NoTimeout {
    #[inline(always)]
    fn bound<T, F, Z>(_: Option<Duration>, _: &Z, attempt: F, _: &AtomicBool) -> impl Future<Output = Result<T, E>>
    where
        F: Future<Output = Result<T, E>>,
        Z: AsyncSleep,
    {
        attempt
    }
}

impl<E: From<Elapsed>> AttemptTimeout<E> for WithTimeout {
    fn bound<T, F, Z>(
        limit: Option<Duration>,
        sleeper: &Z,
        attempt: F,
        timed_out: &AtomicBool,
    ) -> impl Future<Output = Result<T, E>>
    where
        F: Future<Output = Result<T, E>>,
        Z: AsyncSleep,
    {
        let timer = limit.map(|limit| (limit, sleeper.sleep(limit)));
        async move {
            let Some((limit, timer)) = timer else {
                return attempt.await;
            };
            let mut attempt = pin!(attempt);
            let mut timer = pin!(timer);
            poll_fn(|cx| {
                if let Poll::Ready(outcome) = attempt.as_mut().poll(cx) {
                    return Poll::Ready(outcome);
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        timed_out.store(true, Ordering::Relaxed);
                        Poll::Ready(Err(E::from(Elapsed::new(limit))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            })
            .await
        }
    }
}

/// Policies that [`retry_blocking`](crate::RetryPolicy::retry_blocking) can run: those
/// without a per-attempt timeout, since a blocking call cannot be cut short.
///
/// ```
/// use retry_runtime::__private::{Blocking, NoTimeout};
/// fn blocking<O: Blocking>() {}
/// blocking::<NoTimeout>();
/// ```
#[diagnostic::on_unimplemented(
    message = "a policy with a per-attempt `timeout` cannot run blocking code",
    label = "a blocking call cannot be cut short",
    note = "drop `.timeout(…)` for `retry_blocking`, or bound the call inside the closure"
)]
pub trait Blocking {}

impl Blocking for NoTimeout {}
