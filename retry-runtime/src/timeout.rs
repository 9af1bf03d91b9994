//! The per-attempt `timeout`: an attempt still running after its limit is dropped and
//! counts as a failure with `E::from(Elapsed)`; and [`Execution`], how a policy holds its
//! sleeper beside the timeout's marker. Only [`Elapsed`] is public (at the crate's root);
//! the markers are mechanics, reached through `__private`.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
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
pub trait AttemptTimeout<E>: TimeoutKind<Convert: Convert<E>> {}

impl<E> AttemptTimeout<E> for NoTimeout {}

impl<E: From<Elapsed>> AttemptTimeout<E> for WithTimeout {}

/// What a timeout marker puts beside an attempt, named without the error type: every type
/// that the future of a call holds is reached through this trait, never through one that
/// mentions `E`. Through `AttemptTimeout<E>` (an `impl Future` in the trait, or an
/// associated type of it), rustc lost the higher-ranked lifetimes of an error such as
/// `Box<dyn Error + Send + Sync>` or `&'static str` when the call was spawned ("one type is
/// more general than the other").
///
/// ```
/// use retry_runtime::__private::{NoTimeout, TimeoutKind};
/// assert_eq!(size_of::<Option<<NoTimeout as TimeoutKind>::Timer<'static, std::future::Ready<()>>>>(), 0);
/// ```
pub trait TimeoutKind {
    /// The timer that cuts the attempt: uninhabited without a timeout, so that an
    /// `Option` of it takes no room.
    type Timer<'a, S: Future<Output = ()>>: Future<Output = Elapsed>;
    /// How the cut becomes the caller's error.
    type Convert;
    /// The timer for an attempt limited to `limit`, if the marker cuts attempts and there
    /// is a limit.
    fn timer<'a, Z: AsyncSleep>(
        limit: Option<Duration>,
        sleeper: &Z,
        timed_out: &'a AtomicBool,
    ) -> Option<Self::Timer<'a, Z::Sleep>>;
}

/// A timer that never exists: the attempt of a policy without a timeout is never cut.
#[derive(Debug)]
pub enum Uncut {}

impl Future for Uncut {
    type Output = Elapsed;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Elapsed> {
        match *self {}
    }
}

impl TimeoutKind for NoTimeout {
    type Timer<'a, S: Future<Output = ()>> = Uncut;
    type Convert = Uncut;
    #[inline(always)]
    fn timer<Z: AsyncSleep>(_: Option<Duration>, _: &Z, _: &AtomicBool) -> Option<Uncut> {
        None
    }
}

impl TimeoutKind for WithTimeout {
    type Timer<'a, S: Future<Output = ()>> = Timed<'a, S>;
    type Convert = WithTimeout;
    #[inline]
    fn timer<'a, Z: AsyncSleep>(
        limit: Option<Duration>,
        sleeper: &Z,
        timed_out: &'a AtomicBool,
    ) -> Option<Timed<'a, Z::Sleep>> {
        limit.map(|limit| Timed { sleep: sleeper.sleep(limit), limit, timed_out })
    }
}

/// Turns a cut into the caller's error.
pub trait Convert<E> {
    /// `E::from(elapsed)`.
    fn convert(elapsed: Elapsed) -> E;
}

impl<E: From<Elapsed>> Convert<E> for WithTimeout {
    #[inline]
    fn convert(elapsed: Elapsed) -> E {
        E::from(elapsed)
    }
}

impl<E> Convert<E> for Uncut {
    fn convert(elapsed: Elapsed) -> E {
        let _ = elapsed;
        unreachable!("an `Uncut` timer cannot exist, so no attempt without a timeout is cut")
    }
}

/// Runs `attempt`, cut after `limit` when the marker `O` cuts attempts and there is a limit.
#[inline]
pub(crate) fn bound<'a, O: TimeoutKind, F, Z: AsyncSleep>(
    limit: Option<Duration>,
    sleeper: &Z,
    attempt: F,
    timed_out: &'a AtomicBool,
) -> Cut<F, O::Timer<'a, Z::Sleep>, O::Convert> {
    Cut { attempt, timer: O::timer(limit, sleeper, timed_out), convert: PhantomData }
}

pin_project_lite::pin_project! {
    /// A timeout's timer: fires `Elapsed` after its limit, and says so in `timed_out`.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timed<'a, S> {
        #[pin]
        sleep: S,
        limit: Duration,
        timed_out: &'a AtomicBool,
    }
}

impl<S: Future<Output = ()>> Future for Timed<'_, S> {
    type Output = Elapsed;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Elapsed> {
        let this = self.project();
        match this.sleep.poll(cx) {
            Poll::Ready(()) => {
                this.timed_out.store(true, Ordering::Relaxed);
                Poll::Ready(Elapsed::new(*this.limit))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S> fmt::Debug for Timed<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timed").field("limit", &self.limit).finish_non_exhaustive()
    }
}

pin_project_lite::pin_project! {
    /// An attempt and the timer that cuts it (none without a timeout): the attempt's
    /// outcome if it ends first, else the cut as the caller's error.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Cut<F, Tm, C> {
        #[pin]
        attempt: F,
        #[pin]
        timer: Option<Tm>,
        convert: PhantomData<fn() -> C>,
    }
}

impl<T, E, F, Tm, C> Future for Cut<F, Tm, C>
where
    F: Future<Output = Result<T, E>>,
    Tm: Future<Output = Elapsed>,
    C: Convert<E>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = self.project();
        if let Poll::Ready(outcome) = this.attempt.poll(cx) {
            return Poll::Ready(outcome);
        }
        match this.timer.as_pin_mut().map(|timer| timer.poll(cx)) {
            Some(Poll::Ready(elapsed)) => Poll::Ready(Err(C::convert(elapsed))),
            Some(Poll::Pending) | None => Poll::Pending,
        }
    }
}

impl<F, Tm, C> fmt::Debug for Cut<F, Tm, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cut").field("timed", &self.timer.is_some()).finish_non_exhaustive()
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
