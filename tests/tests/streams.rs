//! The stream forms (spec §11): a stream of results is retried as a whole call until its
//! first item and never after it; `first_item_timeout` bounds the wait for that item; and
//! dropping the stream, before or after its first item, leaks nothing. All on tokio's paused
//! clock, so every delay is exact.

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt};
use retry_runtime::stop::attempts;
use retry_runtime::wait::{fixed, none};
use retry_runtime::{CircuitBreaker, CircuitOpen, Elapsed, RetryPolicy};
use tokio::time::{Instant, sleep};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Overloaded,
    Cut,
    BadRequest,
    TimedOut(Duration),
    Open,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<Elapsed> for Error {
    fn from(e: Elapsed) -> Self {
        Self::TimedOut(e.limit())
    }
}

impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Self::Open
    }
}

type Item = Result<&'static str, Error>;

/// A stream that counts its drops.
struct Counted {
    inner: BoxStream<'static, Item>,
    drops: Arc<AtomicU32>,
}

impl Stream for Counted {
    type Item = Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

fn seconds(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Items after a delay each, on the paused clock.
fn paced(items: Vec<(u64, Item)>) -> BoxStream<'static, Item> {
    stream::iter(items)
        .then(|(after, item)| async move {
            sleep(seconds(after)).await;
            item
        })
        .boxed()
}

#[tokio::test(start_paused = true)]
async fn a_stream_is_retried_before_its_first_item_and_never_after() {
    let policy = RetryPolicy::builder().stop(attempts(5)).wait(fixed(seconds(1))).build().unwrap();
    let opened = AtomicU32::new(0);
    let start = Instant::now();
    let items: Vec<_> = policy
        .retry_stream(|| match opened.fetch_add(1, Ordering::Relaxed) {
            0 | 1 => stream::iter(vec![Err(Error::Overloaded)]).boxed(),
            _ => stream::iter(vec![Ok("Hel"), Ok("lo"), Err(Error::Cut), Ok("never read")]).boxed(),
        })
        .collect()
        .await;
    assert_eq!(items, [Ok("Hel"), Ok("lo"), Err(Error::Cut)]);
    assert_eq!(opened.into_inner(), 3, "the error after the first token was not retried");
    assert_eq!(start.elapsed(), seconds(2));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_never_yields_an_item_gives_up_with_the_last_error() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    let opened = AtomicU32::new(0);
    let items: Vec<_> = policy
        .retry_stream(|| {
            opened.fetch_add(1, Ordering::Relaxed);
            stream::iter(vec![Err::<&str, _>(Error::Overloaded)])
        })
        .collect()
        .await;
    assert_eq!((items, opened.into_inner()), (vec![Err(Error::Overloaded)], 3));
}

#[tokio::test(start_paused = true)]
async fn an_error_the_policy_does_not_retry_ends_the_stream_at_once() {
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(none())
        .when(|e: &Error| *e == Error::Overloaded)
        .build()
        .unwrap();
    let opened = AtomicU32::new(0);
    let items: Vec<_> = policy
        .retry_stream(|| {
            opened.fetch_add(1, Ordering::Relaxed);
            stream::iter(vec![Err::<&str, _>(Error::BadRequest)])
        })
        .collect()
        .await;
    assert_eq!((items, opened.into_inner()), (vec![Err(Error::BadRequest)], 1));
}

#[tokio::test(start_paused = true)]
async fn an_empty_stream_is_an_answer_and_is_not_retried() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    let opened = AtomicU32::new(0);
    let items: Vec<Item> = policy
        .retry_stream(|| {
            opened.fetch_add(1, Ordering::Relaxed);
            stream::empty()
        })
        .collect()
        .await;
    assert_eq!((items, opened.into_inner()), (vec![], 1));
}

#[tokio::test(start_paused = true)]
async fn opening_errors_are_retried_like_errors_before_the_first_item() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(fixed(seconds(2))).build().unwrap();
    let requests = AtomicU32::new(0);
    let start = Instant::now();
    let items: Vec<_> = policy
        .retry_stream_open(|| {
            let n = requests.fetch_add(1, Ordering::Relaxed);
            async move {
                if n == 0 {
                    return Err(Error::Overloaded); // a 529 before any byte of the body
                }
                Ok(stream::iter(vec![Ok("data: hi")]))
            }
        })
        .collect()
        .await;
    assert_eq!((items, requests.into_inner()), (vec![Ok("data: hi")], 2));
    assert_eq!(start.elapsed(), seconds(2));
}

#[tokio::test(start_paused = true)]
async fn first_item_timeout_cuts_a_slow_first_token_and_never_a_later_one() {
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(fixed(seconds(1)))
        .first_item_timeout(seconds(10))
        .build()
        .unwrap();
    let opened = AtomicU32::new(0);
    let start = Instant::now();
    let items: Vec<_> = policy
        .retry_stream(|| match opened.fetch_add(1, Ordering::Relaxed) {
            // The first attempt's first token would come after 30 s: cut at 10 s.
            0 => paced(vec![(30, Ok("late"))]),
            // The second's comes after 5 s; the next one a minute later is the caller's wait.
            _ => paced(vec![(5, Ok("Hel")), (60, Ok("lo"))]),
        })
        .collect()
        .await;
    assert_eq!((items, opened.into_inner()), (vec![Ok("Hel"), Ok("lo")], 2));
    assert_eq!(start.elapsed(), seconds(10 + 1 + 5 + 60));
}

#[tokio::test(start_paused = true)]
async fn first_item_timeout_gives_up_with_elapsed_when_no_attempt_yields_in_time() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).first_item_timeout(seconds(10)).build().unwrap();
    let start = Instant::now();
    let items: Vec<_> = policy.retry_stream(|| paced(vec![(30, Ok("late"))])).collect().await;
    assert_eq!(items, [Err(Error::TimedOut(seconds(10)))]);
    assert_eq!(start.elapsed(), seconds(30));
}

#[tokio::test(start_paused = true)]
async fn a_first_item_when_ok_rejects_is_retried_and_its_stream_dropped() {
    let policy =
        RetryPolicy::builder().stop(attempts(3)).wait(none()).when_ok(|first: &&str| first.is_empty()).build().unwrap();
    let drops = Arc::new(AtomicU32::new(0));
    let opened = AtomicU32::new(0);
    let items: Vec<_> = policy
        .retry_stream(|| {
            let first = if opened.fetch_add(1, Ordering::Relaxed) == 0 { "" } else { "Hel" };
            Counted { inner: stream::iter(vec![Ok(first), Ok("lo")]).boxed(), drops: drops.clone() }
        })
        .collect()
        .await;
    assert_eq!(items, [Ok("Hel"), Ok("lo")]);
    assert_eq!(drops.load(Ordering::Relaxed), 2, "the rejected stream and the one read to its end");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_stream_mid_read_drops_the_inner_stream() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    let drops = Arc::new(AtomicU32::new(0));
    let mut tokens = Box::pin(
        policy.retry_stream(|| Counted { inner: paced(vec![(0, Ok("Hel")), (3600, Ok("lo"))]), drops: drops.clone() }),
    );
    assert_eq!(tokens.next().await, Some(Ok("Hel")));
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    drop(tokens); // the reader hung up while the second token was on its way
    assert_eq!(drops.load(Ordering::Relaxed), 1);
}

static HALF_OPEN: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));

#[tokio::test(start_paused = true)]
async fn dropping_the_stream_before_its_first_item_gives_the_half_open_probe_back() {
    let policy = RetryPolicy::builder().stop(attempts(1)).wait(none()).breaker(&HALF_OPEN).build().unwrap();
    // One failure opens the circuit; after its cooldown it admits one probe.
    let failed: Vec<_> = policy.retry_stream(|| stream::iter(vec![Err::<&str, _>(Error::Overloaded)])).collect().await;
    assert_eq!(failed, [Err(Error::Overloaded)]);
    tokio::time::advance(seconds(30)).await;

    let drops = Arc::new(AtomicU32::new(0));
    let mut probe =
        Box::pin(policy.retry_stream(|| Counted { inner: stream::pending().boxed(), drops: drops.clone() }));
    // Polled once: admitted as the probe, and waiting for a first token that never comes.
    assert!(futures_util::FutureExt::now_or_never(probe.next()).is_none());
    assert!(HALF_OPEN.try_acquire(Instant::now().into_std()).is_err(), "the one probe slot is taken");
    drop(probe);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    let again = HALF_OPEN.try_acquire(Instant::now().into_std());
    assert!(again.is_ok(), "the dropped probe gave its slot back");
}

#[tokio::test(start_paused = true)]
async fn a_stream_nested_in_a_retried_call_does_not_multiply() {
    let outer = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    let inner = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
    let opened = AtomicU32::new(0);
    let out = outer
        .retry(|| async {
            let tokens = inner.retry_stream(|| {
                opened.fetch_add(1, Ordering::Relaxed);
                stream::iter(vec![Err::<&str, _>(Error::Overloaded)])
            });
            let mut tokens = pin!(tokens);
            tokens.next().await.unwrap_or(Ok("")).map(str::len)
        })
        .await;
    assert_eq!((out, opened.into_inner()), (Err(Error::Overloaded), 3));
}
