//! `limiter = NAME` and `bulkhead = NAME` through the attribute, on tokio's paused clock:
//! exact pacing, the deadline never crossed, cancellation, and the bulkhead's bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use retry_runtime::{Bulkhead, BulkheadFull, RateLimited, RateLimiter, retry};
use tokio::time::Instant;

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    Limited,
    Full,
}

impl From<RateLimited> for Error {
    fn from(_: RateLimited) -> Self {
        Error::Limited
    }
}

impl From<BulkheadFull> for Error {
    fn from(_: BulkheadFull) -> Self {
        Error::Full
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

static PACED: RateLimiter = RateLimiter::per_second(2);

#[retry(stop = attempts(1), limiter = PACED)]
async fn paced(start: Instant) -> Result<Duration, Error> {
    Ok(start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_start_exactly_when_their_permits_are_due() {
    // per_second(2): a burst of two, then one every 500 ms; the sixth call starts at 2 s.
    let start = Instant::now();
    let started = futures_join(start, 5).await;
    assert_eq!(
        started,
        [0, 0, 500, 1000, 1500].map(Duration::from_millis).to_vec(),
        "each call starts when its permit is due"
    );
    let sixth = paced(start).await.unwrap();
    assert_eq!(sixth, Duration::from_secs(2));
}

async fn futures_join(start: Instant, n: usize) -> Vec<Duration> {
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(paced(start))).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap().unwrap());
    }
    out.sort();
    out
}

static SLOW: RateLimiter = RateLimiter::per_second(1);

#[retry(stop = attempts(5) | deadline(1500ms), wait = none, limiter = SLOW)]
async fn against_the_deadline(runs: &AtomicUsize) -> Result<(), Error> {
    runs.fetch_add(1, Ordering::Relaxed);
    Err(Error::Down)
}

#[tokio::test(start_paused = true)]
async fn the_limiters_wait_never_crosses_the_deadline() {
    // Attempts at 0 s and 1 s; the third would start at 2 s, past the 1.5 s deadline: the
    // call gives up at once at 1 s instead of sleeping in vain.
    let runs = AtomicUsize::new(0);
    let start = Instant::now();
    let out = against_the_deadline(&runs).await;
    assert_eq!(out, Err(Error::Limited));
    assert_eq!(runs.load(Ordering::Relaxed), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

static HELD: RateLimiter = RateLimiter::per_second(1);

#[retry(stop = attempts(1), limiter = HELD)]
async fn held(start: Instant) -> Result<Duration, Error> {
    Ok(start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_while_waiting_holds_no_permit() {
    let start = Instant::now();
    assert_eq!(held(start).await, Ok(Duration::ZERO));
    // The next permit is due at 1 s; this call waits for it and is dropped at 400 ms.
    let dropped = tokio::time::timeout(Duration::from_millis(400), held(start)).await;
    assert!(dropped.is_err());
    // Had the dropped call kept its reservation, this one would start at 2 s.
    assert_eq!(held(start).await, Ok(Duration::from_secs(1)));
}

static POOL: Bulkhead = Bulkhead::new(7).with_queue(10_000);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

#[retry(stop = attempts(1), bulkhead = POOL)]
async fn bounded() -> Result<(), Error> {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    MOST.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await;
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn the_bulkhead_bounds_ten_thousand_tasks_exactly() {
    let tasks: Vec<_> = (0..10_000).map(|_| tokio::spawn(bounded())).collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(()));
    }
    assert_eq!(MOST.load(Ordering::SeqCst), 7, "never more than 7 at once, and the bound was reached");
    assert_eq!(POOL.available(), 7);
}

static ONE: Bulkhead = Bulkhead::new(1);

#[retry(stop = attempts(3), wait = none, bulkhead = ONE)]
async fn refused_place() -> Result<(), Error> {
    Ok(())
}

#[retry(stop = attempts(1), bulkhead = ONE)]
async fn holds_the_place() -> Result<usize, Error> {
    Ok(ONE.available())
}

#[tokio::test(start_paused = true)]
async fn a_full_bulkhead_refuses_with_the_callers_error_and_a_place_lasts_one_attempt() {
    assert_eq!(holds_the_place().await, Ok(0));
    assert_eq!(ONE.available(), 1);
    let _held = ONE.try_acquire().unwrap();
    assert_eq!(refused_place().await, Err(Error::Full));
}

static STREAMS: RateLimiter = RateLimiter::per_second(1);

/// Fails before its first item on the first two openings, then yields when it opened.
#[retry(stop = attempts(3), wait = none, limiter = STREAMS)]
async fn paced_stream(
    start: Instant,
    opened: &AtomicUsize,
) -> Result<impl futures_util::Stream<Item = Result<Duration, Error>>, Error> {
    let item = if opened.fetch_add(1, Ordering::Relaxed) < 2 { Err(Error::Down) } else { Ok(start.elapsed()) };
    Ok(futures_util::stream::iter([item]))
}

#[tokio::test(start_paused = true)]
async fn a_streams_openings_are_paced_too() {
    // With no wait between attempts, only the limiter spaces the openings: 0 s, 1 s, 2 s.
    use futures_util::StreamExt as _;
    let opened = AtomicUsize::new(0);
    let start = Instant::now();
    let items: Vec<_> = paced_stream(start, &opened).await.unwrap().collect().await;
    assert_eq!(items, [Ok(Duration::from_secs(2))]);
    assert_eq!(opened.load(Ordering::Relaxed), 3);
}
