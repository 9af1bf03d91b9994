//! `#[retry]` on functions that return a stream of results (spec §11), in the four shapes:
//! `impl Stream<Item = Result<T, E>>` or `Result<impl Stream<…>, E>` ("open, then read"),
//! async or not. Each is retried before its first item and never after.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt};
use retry_runtime::{Elapsed, retry};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Overloaded,
    Cut,
    TimedOut,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Self::TimedOut
    }
}

/// Fails before the first token on the first two openings; then two tokens and a cut.
fn tokens(opened: &AtomicU32) -> BoxStream<'static, Result<&'static str, Error>> {
    if opened.fetch_add(1, Ordering::Relaxed) < 2 {
        stream::iter(vec![Err(Error::Overloaded)]).boxed()
    } else {
        stream::iter(vec![Ok("Hel"), Ok("lo"), Err(Error::Cut), Ok("never")]).boxed()
    }
}

#[retry(stop = attempts(3), wait = fixed(1))]
fn made(opened: &AtomicU32) -> impl Stream<Item = Result<&'static str, Error>> {
    tokens(opened)
}

#[retry(stop = attempts(3), wait = fixed(1))]
async fn made_async(opened: &AtomicU32) -> impl Stream<Item = Result<&'static str, Error>> + Send {
    tokio::task::yield_now().await;
    tokens(opened)
}

#[retry(stop = attempts(3), wait = fixed(1))]
fn opened_plain(opened: &AtomicU32) -> Result<impl Stream<Item = Result<&'static str, Error>>, Error> {
    Ok(tokens(opened))
}

#[retry(stop = attempts(3), wait = fixed(1))]
async fn opened_async(requests: &AtomicU32) -> Result<impl Stream<Item = Result<&'static str, Error>>, Error> {
    // The request itself fails once (a 529 before any byte), then the body streams.
    if requests.fetch_add(1, Ordering::Relaxed) == 0 {
        return Err(Error::Overloaded);
    }
    Ok(stream::iter(vec![Ok("data: hi")]))
}

#[retry(stop = attempts(2), wait = none, first_item_timeout = 10s)]
fn slow_first_token(opened: &AtomicU32) -> impl Stream<Item = Result<&'static str, Error>> {
    let late = opened.fetch_add(1, Ordering::Relaxed) == 0;
    stream::once(async move {
        tokio::time::sleep(Duration::from_secs(if late { 30 } else { 5 })).await;
        Ok("Hel")
    })
}

const EXPECTED: [Result<&str, Error>; 3] = [Ok("Hel"), Ok("lo"), Err(Error::Cut)];

#[tokio::test(start_paused = true)]
async fn a_plain_fn_returning_a_stream_is_retried_before_its_first_item_only() {
    let opened = AtomicU32::new(0);
    let start = tokio::time::Instant::now();
    assert_eq!(made(&opened).collect::<Vec<_>>().await, EXPECTED);
    assert_eq!((opened.into_inner(), start.elapsed()), (3, Duration::from_secs(2)));
}

#[tokio::test(start_paused = true)]
async fn an_async_fn_returning_a_stream_is_retried_before_its_first_item_only() {
    let opened = AtomicU32::new(0);
    let items: Vec<_> = made_async(&opened).await.collect().await;
    assert_eq!((items, opened.into_inner()), (EXPECTED.to_vec(), 3));
}

#[tokio::test(start_paused = true)]
async fn a_plain_fn_that_opens_a_stream_returns_ok_and_retries_inside_it() {
    let opened = AtomicU32::new(0);
    let items: Vec<_> = opened_plain(&opened).unwrap().collect().await;
    assert_eq!((items, opened.into_inner()), (EXPECTED.to_vec(), 3));
}

#[tokio::test(start_paused = true)]
async fn an_async_fn_that_opens_a_stream_returns_once_it_has_the_first_item() {
    let requests = AtomicU32::new(0);
    let events = opened_async(&requests).await.expect("opened on the second request");
    assert_eq!(requests.load(Ordering::Relaxed), 2);
    assert_eq!(events.collect::<Vec<_>>().await, [Ok("data: hi")]);
}

#[tokio::test(start_paused = true)]
async fn first_item_timeout_cuts_a_slow_first_token() {
    let opened = AtomicU32::new(0);
    let start = tokio::time::Instant::now();
    let items: Vec<_> = slow_first_token(&opened).collect().await;
    assert_eq!((items, opened.into_inner()), (vec![Ok("Hel")], 2));
    assert_eq!(start.elapsed(), Duration::from_secs(10 + 5));
}

#[tokio::test(start_paused = true)]
async fn a_stream_fn_inside_an_annotated_fn_does_not_multiply() {
    #[retry(stop = attempts(3), wait = none)]
    async fn first_token(opened: &AtomicU32) -> Result<&'static str, Error> {
        let failing = stream::iter(vec![Err::<&str, _>(Error::Overloaded)]);
        // The stream is not `Unpin` (it holds the retry loop's state): pin it to read it.
        std::pin::pin!(inner(opened, failing)).next().await.unwrap_or(Err(Error::Cut))
    }
    #[retry(stop = attempts(3), wait = none)]
    fn inner(
        opened: &AtomicU32,
        failing: stream::Iter<std::vec::IntoIter<Result<&'static str, Error>>>,
    ) -> impl Stream<Item = Result<&'static str, Error>> {
        opened.fetch_add(1, Ordering::Relaxed);
        failing
    }
    let opened = AtomicU32::new(0);
    assert_eq!(first_token(&opened).await, Err(Error::Overloaded));
    assert_eq!(opened.into_inner(), 3);
}
