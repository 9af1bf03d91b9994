//! [`RetryPolicy::retry_stream`](crate::RetryPolicy::retry_stream) and
//! [`RetryPolicy::retry_stream_open`](crate::RetryPolicy::retry_stream_open): a stream of
//! results (an LLM's server-sent events) retried as a whole call until its first item, and
//! never after it.
//!
//! An attempt of a stream is its opening and the wait for its first item: an error there (or
//! a `first_item_timeout`) is a failed attempt, retried with the policy's stop, wait, breaker
//! and budget. The first item is the attempt's outcome (hooks and `when_ok` see it), and once
//! it has been delivered the stream is the caller's: a later error is yielded as it is and
//! ends the stream, because retrying then would deliver the first tokens twice.
//!
//! A stream that ends before its first item is not retried: the returned stream ends too,
//! with no item. An empty stream can be an answer, and it carries no error to return when
//! retries run out; a client that knows an empty answer is a failure (an SSE connection cut
//! before its first event) yields an error item for it, which is then retried.
//!
//! The inner stream is boxed (one allocation an attempt): it is polled, so pinned, inside
//! the attempt that opened it, and must then move into the stream returned. The returned
//! stream's own states are pinned with `pin-project-lite`, without hand-written `unsafe`.
//! Dropping it drops what it holds: the inner stream, and before the first item the call
//! with its breaker permit, which gives a half-open probe slot back.

use core::fmt;
use core::future::{Future, poll_fn};
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use core::time::Duration;

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

use crate::RetryPolicyBuilder;
use crate::builder::{Checked, Prechecked};
use crate::call::{Admit, ByDebug, Call, Kept, Next};
use crate::guards::{BreakerGuard, BudgetGuard, Guards};
use crate::hooks::{Hook, Hooks};
use crate::policy::Spelled;
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::shaping::{BulkheadGuard, LimiterGuard};
use crate::sleep::AsyncSleep;
use crate::stop::Stop;
use crate::timeout::{AttemptTimeout, Execution, WithTimeout};
use crate::wait::Wait;

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U>
    RetryPolicyBuilder<S, W, P, V, A, Execution<Z, O>, Hooks<B, F, L, G>, Guards<K, U>, Checked>
{
    /// Bounds the wait for a stream's first item, from the start of its attempt (time to
    /// first token): an attempt still without an item after `limit` is dropped and fails with
    /// `E::from(Elapsed)`, so the stream forms then need `E: From<`[`Elapsed`](crate::Elapsed)`>`.
    /// With `timeout` too, the smaller bounds it; with a `deadline`, it shrinks to what is left.
    /// Only the stream forms read it.
    ///
    /// ```
    /// use retry_runtime::{Elapsed, RetryPolicy, stop::attempts, wait::none};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Slow;
    /// impl From<Elapsed> for Slow { fn from(_: Elapsed) -> Self { Slow } }
    /// impl std::fmt::Display for Slow {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("slow") }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(2))
    ///     .wait(none())
    ///     .first_item_timeout(Duration::from_secs(10))
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// // A stream that never yields: both attempts wait 10 s for a first token, then give up.
    /// let tokens = policy.retry_stream(futures_util::stream::pending::<Result<&str, Slow>>);
    /// let mut tokens = std::pin::pin!(tokens);
    /// assert_eq!(futures_util::StreamExt::next(&mut tokens).await, Some(Err(Slow)));
    /// assert_eq!(start.elapsed(), Duration::from_secs(20));
    /// # }
    /// ```
    pub fn first_item_timeout(
        self,
        limit: Duration,
    ) -> RetryPolicyBuilder<S, W, P, V, A, Execution<Z, WithTimeout>, Hooks<B, F, L, G>, Guards<K, U>, Checked> {
        // The per-attempt timeout's marker, which asks for `E: From<Elapsed>`; its limit stays.
        let timeout = self.keys.settings.timeout;
        let mut builder = self.optional_timeout(timeout);
        builder.keys.settings.first_item_timeout = Some(limit);
        builder
    }
}

#[doc(hidden)]
impl<S, W, P, V, A, B, F, L, G, Z, O, K, U>
    RetryPolicyBuilder<S, W, P, V, A, Execution<Z, O>, Hooks<B, F, L, G>, Guards<K, U>, Prechecked>
{
    /// The attribute's `first_item_timeout = D`, with the marker it picked from the error
    /// type's `From<Elapsed>` (as for `timeout`).
    pub const fn first_item_timeout_marked<O2>(
        self,
        limit: Duration,
        marker: O2,
    ) -> RetryPolicyBuilder<S, W, P, V, A, Execution<Z, O2>, Hooks<B, F, L, G>, Guards<K, U>, Prechecked> {
        let timeout = self.keys.settings.timeout;
        let mut builder = self.timeout_marked(limit, marker);
        builder.keys.settings.timeout = timeout;
        builder.keys.settings.first_item_timeout = Some(limit);
        builder
    }
}

/// How the first phase of a stream ended.
enum Opened<T, E, St> {
    /// The first item, and the stream that yielded it.
    First(T, Option<Pin<Box<St>>>),
    /// The error the call gives up or returns with.
    Failed(E),
    /// The stream ended before its first item.
    Empty,
}

pin_project! {
    #[project = PhaseProj]
    enum Phase<Fut, St> {
        /// Retrying until the first item.
        Opening { #[pin] first: Fut },
        /// Reading what follows the first item.
        Reading { stream: Option<Pin<Box<St>>> },
        /// Ended: after the last item, an error, or an empty stream.
        Done,
    }
}

pin_project! {
    /// The stream the stream forms return.
    struct RetryStream<Fut, St> {
        #[pin]
        phase: Phase<Fut, St>,
    }
}

impl<Fut, St> fmt::Debug for RetryStream<Fut, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Opening { .. } => "opening",
            Phase::Reading { .. } => "reading",
            Phase::Done => "done",
        };
        f.debug_struct("RetryStream").field("phase", &phase).finish()
    }
}

impl<Fut, St, T, E> Stream for RetryStream<Fut, St>
where
    Fut: Future<Output = Opened<T, E, St>>,
    St: Stream<Item = Result<T, E>>,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        let mut phase = self.project().phase;
        let (item, next) = match phase.as_mut().project() {
            PhaseProj::Opening { first } => match ready!(first.poll(cx)) {
                Opened::First(item, stream) => (Some(Ok(item)), Phase::Reading { stream }),
                Opened::Failed(error) => (Some(Err(error)), Phase::Done),
                Opened::Empty => (None, Phase::Done),
            },
            PhaseProj::Reading { stream: Some(stream) } => match ready!(stream.as_mut().poll_next(cx)) {
                Some(Ok(item)) => return Poll::Ready(Some(Ok(item))),
                // Past the first item: the error is the caller's, and the stream ends.
                Some(Err(error)) => (Some(Err(error)), Phase::Done),
                None => (None, Phase::Done),
            },
            PhaseProj::Reading { stream: None } | PhaseProj::Done => (None, Phase::Done),
        };
        phase.set(next);
        Poll::Ready(item)
    }
}

impl<Fut, St, T, E> FusedStream for RetryStream<Fut, St>
where
    Fut: Future<Output = Opened<T, E, St>>,
    St: Stream<Item = Result<T, E>>,
{
    fn is_terminated(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
    /// Retries the stream `op` makes until its first item: an error before it retries the
    /// whole call with the policy's stop, wait, breaker and budget; after it, an error is
    /// yielded and ends the stream, since a retry would deliver the first items twice.
    /// [`first_item_timeout`](RetryPolicyBuilder::first_item_timeout) bounds the wait for
    /// the first item.
    ///
    /// The first item is the attempt's outcome: the hooks and `when_ok` see it, and the
    /// breaker counts the attempt a success once it arrives. A stream that ends before its
    /// first item is not retried, and the returned stream ends with no item: an empty stream
    /// can be an answer, and it has no error to return once retries run out (a client for
    /// which it is a failure, as for an SSE connection cut before its first event, should
    /// yield an error item instead). Each attempt's stream is boxed, since it is polled inside
    /// the attempt and then handed on. Dropping the returned stream drops the inner one, and
    /// before the first item the call too, whose breaker permit gives a half-open probe slot
    /// back.
    ///
    /// ```
    /// use futures_util::{StreamExt, stream};
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::fixed};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder().stop(attempts(3)).wait(fixed(Duration::from_secs(1))).build().unwrap();
    /// let mut opened = 0;
    /// let tokens = policy.retry_stream(|| {
    ///     opened += 1;
    ///     let items = if opened < 3 {
    ///         vec![Err("overloaded")] // fails before its first token: retried
    ///     } else {
    ///         vec![Ok("Hel"), Ok("lo"), Err("cut")] // fails after it: yielded, then the end
    ///     };
    ///     stream::iter(items)
    /// });
    /// let seen: Vec<_> = tokens.collect().await;
    /// assert_eq!(seen, [Ok("Hel"), Ok("lo"), Err("cut")]);
    /// assert_eq!(opened, 3);
    /// # }
    /// ```
    pub fn retry_stream<T, E, Op, St>(&self, mut op: Op) -> impl FusedStream<Item = Result<T, E>>
    where
        Op: FnMut() -> St,
        St: Stream<Item = Result<T, E>>,
        E: fmt::Debug,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: AsyncSleep,
        O: AttemptTimeout<E>,
        K: BreakerGuard<E>,
        U: BudgetGuard,
        R: LimiterGuard<E>,
        Q: BulkheadGuard<E>,
    {
        self.retry_stream_open(move || core::future::ready(Ok(op())))
    }

    /// [`retry_stream`](Self::retry_stream) for a stream that is opened first (an HTTP
    /// request, then its body): `op` returns a future of the stream, and an error while
    /// opening is a failed attempt like an error before the first item.
    ///
    /// ```
    /// use futures_util::{StreamExt, stream};
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::none};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    /// let requests = std::cell::Cell::new(0);
    /// let events = policy.retry_stream_open(|| {
    ///     requests.set(requests.get() + 1);
    ///     let status = if requests.get() == 1 { Err("503") } else { Ok(()) };
    ///     async move { status.map(|()| stream::iter([Ok::<_, &str>("data: hi")])) }
    /// });
    /// let mut events = std::pin::pin!(events);
    /// assert_eq!(events.next().await, Some(Ok("data: hi")));
    /// assert_eq!(events.next().await, None);
    /// assert_eq!(requests.get(), 2);
    /// # }
    /// ```
    pub fn retry_stream_open<T, E, Op, Fut, St>(&self, op: Op) -> impl FusedStream<Item = Result<T, E>>
    where
        Op: FnMut() -> Fut,
        Fut: Future<Output = Result<St, E>>,
        St: Stream<Item = Result<T, E>>,
        E: fmt::Debug,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: AsyncSleep,
        O: AttemptTimeout<E>,
        K: BreakerGuard<E>,
        U: BudgetGuard,
        R: LimiterGuard<E>,
        Q: BulkheadGuard<E>,
    {
        expansion::retry_stream(self, op)
    }
}

/// What the expansion of a function that returns a stream calls: the stream forms, the policy
/// owned, and the adapters from the function's body to an opening future.
#[doc(hidden)]
pub(crate) mod expansion {
    use super::*;

    /// A policy the returned stream owns: built at run time, or cloned from `policy = …`.
    ///
    /// ```
    /// let policy = retry_runtime::__private::Owned(retry_runtime::RetryPolicy::builder().build().unwrap());
    /// let _: &retry_runtime::RetryPolicy = &policy;
    /// ```
    #[derive(Debug, Clone)]
    pub struct Owned<Pol>(pub Pol);

    impl<Pol> Deref for Owned<Pol> {
        type Target = Pol;
        fn deref(&self) -> &Pol {
            &self.0
        }
    }

    /// The stream form over `policy` held any way: borrowed by the value forms, `&'static`
    /// or [`Owned`] by an annotated function, whose stream outlives its own locals.
    ///
    /// ```
    /// use futures_util::{StreamExt, stream};
    /// use retry_runtime::__private::{Owned, opened, retry_stream};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = Owned(retry_runtime::RetryPolicy::builder().build().unwrap());
    /// let items: Vec<Result<u8, &str>> = retry_stream(policy, || opened(stream::iter([Ok(1)]))).collect().await;
    /// assert_eq!(items, [Ok(1)]);
    /// # }
    /// ```
    #[inline]
    pub fn retry_stream<Pol, S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, T, E, Op, Fut, St>(
        policy: Pol,
        mut op: Op,
    ) -> impl FusedStream<Item = Result<T, E>>
    where
        Pol: Deref<Target = Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>>,
        Op: FnMut() -> Fut,
        Fut: Future<Output = Result<St, E>>,
        St: Stream<Item = Result<T, E>>,
        E: fmt::Debug,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: AsyncSleep,
        O: AttemptTimeout<E>,
        K: BreakerGuard<E>,
        U: BudgetGuard,
        R: LimiterGuard<E>,
        Q: BulkheadGuard<E>,
    {
        // The retry loop of `RetryPolicy::retry`, with an attempt that ends at the stream's
        // first item and hands the stream on.
        let first = async move {
            let policy = &*policy;
            let mut call = Call::new(policy, <Z as AsyncSleep>::now, ByDebug, Kept::default());
            if policy.settings.first_item_timeout.is_some() {
                // A `deadline` shrinks the bound, which needs the time since the first attempt.
                call.track_time();
            }
            let mut opened: Option<Pin<Box<St>>> = None;
            loop {
                let next = match call.before_attempt() {
                    Admit::Run => 'attempt: {
                        // The limiter's permit and the bulkhead's place are held while the
                        // stream opens and until its first item, not while it is read.
                        let shaped = if R::ACTIVE || Q::ACTIVE {
                            match call.shape().await {
                                Ok(shaped) => Some(shaped),
                                Err(error) => break 'attempt Next::GiveUp(call.shaping_refused(error)),
                            }
                        } else {
                            None
                        };
                        let slot = &mut opened;
                        let attempt = async {
                            let mut stream = Box::pin(op().await?);
                            match poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                                Some(Ok(item)) => {
                                    *slot = Some(stream);
                                    Ok(Some(item))
                                }
                                Some(Err(error)) => Err(error),
                                None => Ok(None),
                            }
                        };
                        let outcome = match call.run(call.first_item_timeout(), attempt).await {
                            Ok(Some(item)) => Ok(item),
                            // Dropping the call settles nothing: an empty stream says nothing of the
                            // dependency's health, and a half-open probe slot is given back.
                            Ok(None) => return Opened::Empty,
                            Err(error) => Err(error),
                        };
                        if let Some(shaped) = shaped {
                            call.release_shaped(shaped, &outcome);
                        }
                        call.after(outcome)
                    }
                    Admit::Refused(error) => Next::GiveUp(call.refused(error)),
                };
                match next {
                    Next::Return(Ok(item)) | Next::GiveUp(Ok(item)) => return Opened::First(item, opened),
                    Next::Return(Err(error)) | Next::GiveUp(Err(error)) => return Opened::Failed(error),
                    // A first item `when_ok` rejected: its stream goes before the next attempt opens one.
                    Next::Again => opened = None,
                    Next::Sleep(delay) => {
                        opened = None;
                        call.sleep_async(delay).await;
                    }
                    Next::SleepThenCheck(delay, last) => {
                        opened = None;
                        call.sleep_async(delay).await;
                        match call.woke(last) {
                            // The rejected first item's stream went before the sleep.
                            Some(Ok(item)) => return Opened::First(item, None),
                            Some(Err(error)) => return Opened::Failed(error),
                            None => {}
                        }
                    }
                }
            }
        };
        RetryStream { phase: Phase::Opening { first } }
    }

    /// A stream the body made at once, as an opening that cannot fail.
    ///
    /// ```
    /// let ready = retry_runtime::__private::opened(futures_util::stream::iter([Ok::<u8, ()>(1)]));
    /// # let _ = ready;
    /// ```
    #[inline]
    pub fn opened<St: Stream<Item = Result<T, E>>, T, E>(stream: St) -> core::future::Ready<Result<St, E>> {
        core::future::ready(Ok(stream))
    }

    /// The stream an `async fn`'s body makes, as an opening that cannot fail.
    ///
    /// ```
    /// let open = retry_runtime::__private::opened_async(async { futures_util::stream::iter([Ok::<u8, ()>(1)]) });
    /// # let _ = open;
    /// ```
    #[inline]
    pub async fn opened_async<Fut, St, T, E>(body: Fut) -> Result<St, E>
    where
        Fut: Future<Output = St>,
        St: Stream<Item = Result<T, E>>,
    {
        Ok(body.await)
    }

    /// Waits for `stream`'s first item, for an `async fn` that returns
    /// `Result<impl Stream, E>`: the error it gave up with, or the stream, that first item
    /// included.
    ///
    /// ```
    /// use futures_util::{StreamExt, stream};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let first = retry_runtime::__private::first_item(stream::iter([Ok::<u8, &str>(1), Ok(2)]).fuse()).await;
    /// assert_eq!(first.unwrap().collect::<Vec<_>>().await, [Ok(1), Ok(2)]);
    /// # }
    /// ```
    pub async fn first_item<St, T, E>(stream: St) -> Result<impl FusedStream<Item = Result<T, E>>, E>
    where
        St: FusedStream<Item = Result<T, E>>,
    {
        let mut rest = Box::pin(stream);
        match poll_fn(|cx| rest.as_mut().poll_next(cx)).await {
            Some(Err(error)) => Err(error),
            first => Ok(Prepended { first, rest }),
        }
    }

    pin_project! {
        /// A stream's first item, already read, then the rest of it.
        struct Prepended<I, St> {
            first: Option<I>,
            rest: Pin<Box<St>>,
        }
    }

    impl<I, St: Stream<Item = I>> Stream for Prepended<I, St> {
        type Item = I;
        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I>> {
            let this = self.project();
            match this.first.take() {
                Some(first) => Poll::Ready(Some(first)),
                None => this.rest.as_mut().poll_next(cx),
            }
        }
    }

    impl<I, St: FusedStream<Item = I>> FusedStream for Prepended<I, St> {
        fn is_terminated(&self) -> bool {
            self.first.is_none() && self.rest.is_terminated()
        }
    }
}
