//! Hedging (§10) through the value form, on tokio's paused clock: when hedges start, who
//! wins, what a failed hedge does, how hedges count for `stop`, the budget and the breaker,
//! and what a dropped call leaves behind.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{
    BreakerState, Bulkhead, BulkheadFull, CircuitBreaker, CircuitOpen, Elapsed, Hedge, RetryBudget, RetryPolicy,
    stop::attempts, wait::fixed, wait::none,
};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy,
    BadRequest,
    Open,
    Full,
    TimedOut,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}
impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Error::Open
    }
}
impl From<BulkheadFull> for Error {
    fn from(_: BulkheadFull) -> Self {
        Error::Full
    }
}
impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Error::TimedOut
    }
}

/// When each attempt started, from the test's start, and how many there were.
#[derive(Clone, Default)]
struct Starts(Arc<Mutex<Vec<Duration>>>);

impl Starts {
    /// Records a start; returns its number, from 1.
    fn record(&self, origin: Instant) -> usize {
        let mut starts = self.0.lock().unwrap();
        starts.push(origin.elapsed());
        starts.len()
    }
    fn get(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

/// Counts its drops: a loser's future is dropped when the drop is observed.
struct DropGuard(Arc<Mutex<Vec<Duration>>>, Instant);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(self.1.elapsed());
    }
}

fn hedged(
    after: u64,
    hedges: u32,
    stop: u32,
) -> RetryPolicy<retry_runtime::stop::Attempts, retry_runtime::wait::NoWait> {
    RetryPolicy::builder()
        .stop(attempts(stop))
        .wait(none())
        .hedge(Hedge::after(ms(after)).hedges(hedges))
        .build()
        .unwrap()
}

// Guards the schedule: the k-th hedge starts exactly k·D after the round began.
#[tokio::test(start_paused = true)]
async fn hedges_start_exactly_at_d_then_2d() {
    let policy = hedged(100, 2, 5);
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            async move {
                match n {
                    3 => sleep(ms(50)).await,
                    _ => std::future::pending().await,
                }
                Ok(n)
            }
        })
        .await;
    assert_eq!(out, Ok(3));
    assert_eq!(starts.get(), [ms(0), ms(100), ms(200)]);
    assert_eq!(origin.elapsed(), ms(250));
}

// Guards "the rest are dropped at once": the slow primary's future is dropped the moment
// the hedge wins, not when it would have finished.
#[tokio::test(start_paused = true)]
async fn the_loser_is_dropped_when_the_hedge_wins() {
    let policy = hedged(100, 1, 3);
    let (origin, starts) = (Instant::now(), Starts::default());
    let drops = Arc::new(Mutex::new(Vec::new()));
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            let guard = DropGuard(drops.clone(), origin);
            async move {
                let _guard = guard;
                sleep(if n == 1 { ms(10_000) } else { ms(20) }).await;
                Ok(n)
            }
        })
        .await;
    assert_eq!(out, Ok(2));
    assert_eq!(origin.elapsed(), ms(120));
    // Both guards dropped at 120 ms: the winner's as it returned, the loser's with it.
    assert_eq!(*drops.lock().unwrap(), [ms(120), ms(120)]);
}

// Guards "a failed hedge does not end the call while another runs": the primary's later
// success is returned.
#[tokio::test(start_paused = true)]
async fn a_failed_hedge_does_not_end_the_call_while_the_primary_runs() {
    let policy = hedged(100, 1, 5);
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            async move {
                if n == 1 {
                    sleep(ms(300)).await;
                    Ok(n)
                } else {
                    Err(Error::Busy)
                }
            }
        })
        .await;
    assert_eq!(out, Ok(1));
    assert_eq!(origin.elapsed(), ms(300));
    assert_eq!(starts.get(), [ms(0), ms(100)], "no retry round started while the primary ran");
}

// Guards the first outcome the policy does not retry: a permanent error ends the round as a
// success would.
#[tokio::test(start_paused = true)]
async fn an_error_not_retried_ends_the_round() {
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(none())
        .when(|e: &Error| *e == Error::Busy)
        .hedge(Hedge::after(ms(100)))
        .build()
        .unwrap();
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            async move {
                if n == 1 {
                    sleep(ms(300)).await;
                    Ok(n)
                } else {
                    Err(Error::BadRequest)
                }
            }
        })
        .await;
    assert_eq!(out, Err(Error::BadRequest));
    assert_eq!(origin.elapsed(), ms(100));
}

// Guards "when all in flight have failed, the policy decides": the round's last failure is
// retried after the policy's wait, and the next round hedges again.
#[tokio::test(start_paused = true)]
async fn a_failed_round_is_retried_after_the_wait_and_hedges_again() {
    let policy =
        RetryPolicy::builder().stop(attempts(4)).wait(fixed(ms(1_000))).hedge(Hedge::after(ms(100))).build().unwrap();
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            async move {
                sleep(ms(150)).await;
                if n < 4 { Err(Error::Busy) } else { Ok(n) }
            }
        })
        .await;
    assert_eq!(out, Ok(4));
    // Round 1: 0 and 100, failing at 150 and 250; the wait of 1 s; round 2: 1250 and 1350.
    assert_eq!(starts.get(), [ms(0), ms(100), ms(1_250), ms(1_350)]);
    assert_eq!(origin.elapsed(), ms(1_500));
}

// Guards "hedges count as attempts for stop": with attempts(2) a round starts one hedge of
// the three allowed, and no round follows.
#[tokio::test(start_paused = true)]
async fn hedges_count_as_attempts_for_stop() {
    let policy = hedged(100, 3, 2);
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            starts.record(origin);
            async move {
                sleep(ms(500)).await;
                Err(Error::Busy)
            }
        })
        .await;
    assert_eq!(out, Err(Error::Busy));
    assert_eq!(starts.get(), [ms(0), ms(100)]);
    assert_eq!(origin.elapsed(), ms(600), "the call ends with the hedge's failure");
}

// Guards the budget: each hedge withdraws a retry's cost; an empty budget means no hedge,
// and the primary goes on.
#[tokio::test(start_paused = true)]
async fn each_hedge_is_paid_from_the_budget_and_a_refusal_starts_none() {
    static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
    let policy = RetryPolicy::builder()
        .stop(attempts(10))
        .wait(none())
        .budget(&BUDGET)
        .hedge(Hedge::after(ms(100)).hedges(5))
        .build()
        .unwrap();
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            let n = starts.record(origin);
            async move {
                if n == 1 {
                    sleep(ms(1_000)).await;
                    Ok(n)
                } else {
                    std::future::pending().await
                }
            }
        })
        .await;
    assert_eq!(out, Ok(1), "the primary won once the budget refused the third hedge");
    assert_eq!(starts.get(), [ms(0), ms(100), ms(200)]);
    // Two hedges of 5 tokens each; the winner was the primary, which refunds nothing, and
    // a first-try success adds 1.
    assert_eq!(BUDGET.available(), 1);
}

// Guards the breaker: each hedge asks for a permit of its own, so a half-open breaker
// that admits one probe runs the primary alone.
#[tokio::test(start_paused = true)]
async fn each_hedge_asks_the_breaker() {
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(5));
    let policy = RetryPolicy::builder().stop(attempts(1)).wait(none()).breaker(&BREAKER).build().unwrap();
    let _: Result<(), Error> = policy.retry(|| async { Err(Error::Busy) }).await;
    assert_eq!(BREAKER.state(), BreakerState::Open);
    sleep(Duration::from_secs(5)).await;
    let hedged = policy.clone().into_builder().stop(attempts(3)).hedge(Hedge::after(ms(100))).build().unwrap();
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = hedged
        .retry(|| {
            let n = starts.record(origin);
            async move {
                sleep(ms(300)).await;
                Ok(n)
            }
        })
        .await;
    assert_eq!(out, Ok(1));
    assert_eq!(starts.get(), [ms(0)], "the half-open breaker's one probe was the primary's");
    assert_eq!(BREAKER.state(), BreakerState::Closed);
}

// Guards the per-attempt timeout: each attempt of a round is cut at its own limit.
#[tokio::test(start_paused = true)]
async fn each_attempt_of_a_round_is_cut_at_its_own_timeout() {
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(none())
        .timeout(ms(250))
        .hedge(Hedge::after(ms(100)))
        .build()
        .unwrap();
    let (origin, starts) = (Instant::now(), Starts::default());
    let out: Result<usize, Error> = policy
        .retry(|| {
            starts.record(origin);
            std::future::pending()
        })
        .await;
    assert_eq!(out, Err(Error::TimedOut));
    assert_eq!(starts.get(), [ms(0), ms(100)]);
    assert_eq!(origin.elapsed(), ms(350), "the hedge was cut 250 ms after it started");
}

// Guards cancellation: dropping the call mid-hedge gives back the bulkhead's places and
// the breaker's permits, and counts nothing against the breaker.
#[tokio::test(start_paused = true)]
async fn a_call_dropped_mid_hedge_gives_back_its_places_and_permits() {
    static POOL: Bulkhead = Bulkhead::new(4);
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(none())
        .breaker(&BREAKER)
        .bulkhead(&POOL)
        .hedge(Hedge::after(ms(100)).hedges(2))
        .build()
        .unwrap();
    let held = Arc::new(AtomicU32::new(0));
    let call = policy.retry(|| {
        held.store(4 - u32::try_from(POOL.available()).unwrap(), Ordering::Relaxed);
        std::future::pending::<Result<(), Error>>()
    });
    let cut = tokio::time::timeout(ms(250), call).await;
    assert!(cut.is_err(), "still hedging when dropped");
    assert_eq!(held.load(Ordering::Relaxed), 2, "two places were held when the second hedge was made");
    assert_eq!(POOL.available(), 4, "every place given back");
    assert_eq!(BREAKER.state(), BreakerState::Closed, "a dropped attempt is no failure");
    // Nothing is held: the next call is admitted, and its one failure opens the breaker.
    let once = policy.clone().into_builder().stop(attempts(1)).build().unwrap();
    let _: Result<(), Error> = once.retry(|| async { Err(Error::Busy) }).await;
    assert_eq!(BREAKER.state(), BreakerState::Open);
}

// Guards the blocking form: it never hedges (a blocking call cannot run beside itself).
#[test]
fn retry_blocking_runs_one_attempt_at_a_time() {
    let policy = hedged(1, 2, 3);
    let mut calls = 0;
    let out: Result<(), Error> = policy.retry_blocking(|| {
        calls += 1;
        Err(Error::Busy)
    });
    assert_eq!((out, calls), (Err(Error::Busy), 3));
}

// Guards the builder's checks, in the attribute's words.
#[test]
fn a_zero_delay_or_count_out_of_range_is_refused() {
    let zero = RetryPolicy::builder().hedge(Hedge::after(Duration::ZERO)).build().unwrap_err();
    assert_eq!(zero.to_string(), "`hedge` needs a positive duration, found zero");
    let none = RetryPolicy::builder().hedge(Hedge::after(ms(1)).hedges(0)).build().unwrap_err();
    assert_eq!(none.to_string(), "`hedges = 0` starts no hedge; use `hedges = 1` or more, or remove `hedge`");
    let absurd = RetryPolicy::builder().hedge(Hedge::after(ms(1)).hedges(1_000)).build().unwrap_err();
    assert_eq!(
        absurd.to_string(),
        "`hedges` must be at most 10, found `1000`; each hedge is one more request in flight at once"
    );
}
