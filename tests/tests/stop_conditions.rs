//! Stop conditions and their combinators, on tokio's paused clock: every test knows the
//! exact moment of every attempt, and none sleeps for real.

use std::cell::RefCell;
use std::time::Duration;

use retry_runtime::stop::{Stop, attempts, deadline, elapsed, never};
use retry_runtime::wait::{Wait, exponential, fixed};
use retry_runtime::{LogLevel, RetryPolicy, RetryState};
use tokio::time::Instant;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// When each attempt of a call that always fails began, since the call began.
async fn attempt_times(stop: impl Stop, wait: impl Wait) -> Vec<Duration> {
    attempt_times_taking(stop, wait, Duration::ZERO).await
}

/// As [`attempt_times`], with each attempt running for `runs` before it fails.
async fn attempt_times_taking(stop: impl Stop, wait: impl Wait, runs: Duration) -> Vec<Duration> {
    let policy = RetryPolicy::builder().stop(stop).wait(wait).log(LogLevel::Off).build().expect("valid policy");
    let start = Instant::now();
    let times = RefCell::new(Vec::new());
    let out: Result<(), &str> = policy
        .retry(|| {
            times.borrow_mut().push(start.elapsed());
            async move {
                if !runs.is_zero() {
                    tokio::time::sleep(runs).await;
                }
                Err("down")
            }
        })
        .await;
    assert_eq!(out, Err("down"));
    times.into_inner()
}

fn at(list: &[u64]) -> Vec<Duration> {
    list.iter().copied().map(secs).collect()
}

// `elapsed(10s)` with `fixed(3s)`: the attempt at 9 s is under the limit, so one more runs
// at 12 s, and that one ends the call (Tenacity `stop_after_delay`).
#[tokio::test(start_paused = true)]
async fn elapsed_runs_attempts_until_the_limit_has_passed() {
    let start = Instant::now();
    let times = attempt_times(elapsed(secs(10)), fixed(secs(3))).await;
    assert_eq!(times, at(&[0, 3, 6, 9, 12]));
    assert_eq!(start.elapsed(), secs(12), "no sleep after giving up");
}

// Reaching the limit exactly counts as having passed it (elapsed ≥ limit).
#[tokio::test(start_paused = true)]
async fn elapsed_stops_when_the_limit_is_reached_exactly() {
    let times = attempt_times(elapsed(secs(9)), fixed(secs(3))).await;
    assert_eq!(times, at(&[0, 3, 6, 9]));
}

// `deadline(10s)` with `fixed(3s)`: a fifth attempt would need a sleep ending at 12 s,
// past the deadline, so the call gives up at 9 s instead of sleeping in vain.
#[tokio::test(start_paused = true)]
async fn deadline_never_starts_a_sleep_that_ends_past_it() {
    let start = Instant::now();
    let times = attempt_times(deadline(secs(10)), fixed(secs(3))).await;
    assert_eq!(times, at(&[0, 3, 6, 9]));
    assert_eq!(start.elapsed(), secs(9));
}

// A sleep that ends exactly at the deadline is allowed.
#[tokio::test(start_paused = true)]
async fn deadline_allows_a_sleep_ending_exactly_at_it() {
    let times = attempt_times(deadline(secs(9)), fixed(secs(3))).await;
    assert_eq!(times, at(&[0, 3, 6, 9]));
}

// With growing delays, every sleep the hook is told about ends by the deadline, and the
// call stops before the first one that would not (7 s + 8 s > 10 s).
#[tokio::test(start_paused = true)]
async fn deadline_checks_each_growing_sleep_against_the_time_left() {
    let sleeps = RefCell::new(Vec::new());
    let policy = RetryPolicy::builder()
        .stop(deadline(secs(10)))
        .wait(exponential(secs(1), secs(60)))
        .before_sleep(|s: &RetryState<'_, (), &str>| {
            sleeps.borrow_mut().push((s.elapsed(), s.next_delay().unwrap()));
        })
        .build()
        .unwrap();
    let start = Instant::now();
    let out = policy.retry(|| async { Err("down") }).await;
    assert_eq!(out, Err("down"));
    assert_eq!(start.elapsed(), secs(7));
    let sleeps = sleeps.into_inner();
    assert_eq!(sleeps, [(secs(0), secs(1)), (secs(1), secs(2)), (secs(3), secs(4))]);
    assert!(sleeps.iter().all(|(at, d)| *at + *d <= secs(10)));
}

// The deadline counts the time attempts themselves take, not only the sleeps: attempts of
// 2 s with sleeps of 3 s start at 0, 5 and 10 s, and the third ends past any room left.
#[tokio::test(start_paused = true)]
async fn deadline_counts_the_time_spent_inside_attempts() {
    let times = attempt_times_taking(deadline(secs(10)), fixed(secs(3)), secs(2)).await;
    assert_eq!(times, at(&[0, 5, 10]));
}

// `elapsed` counts attempt time too: 2 s attempts and 1 s sleeps reach 6 s at the end of
// the second attempt.
#[tokio::test(start_paused = true)]
async fn elapsed_counts_the_time_spent_inside_attempts() {
    let times = attempt_times_taking(elapsed(secs(5)), fixed(secs(1)), secs(2)).await;
    assert_eq!(times, at(&[0, 3]));
}

// `attempts(n)` runs exactly n attempts in total; `attempts(1)` never retries.
#[tokio::test(start_paused = true)]
async fn attempts_runs_exactly_that_many() {
    assert_eq!(attempt_times(attempts(1), fixed(secs(2))).await, at(&[0]));
    assert_eq!(attempt_times(attempts(4), fixed(secs(2))).await, at(&[0, 2, 4, 6]));
    assert_eq!(attempt_times(attempts(100), fixed(secs(1))).await.len(), 100);
}

// `a | b` stops as soon as either side says so.
#[tokio::test(start_paused = true)]
async fn either_stops_when_one_side_does() {
    let time_first = attempt_times(attempts(10) | elapsed(secs(5)), fixed(secs(2))).await;
    assert_eq!(time_first, at(&[0, 2, 4, 6]));
    let count_first = attempt_times(attempts(2) | elapsed(secs(100)), fixed(secs(2))).await;
    assert_eq!(count_first, at(&[0, 2]));
    let deadline_first = attempt_times(attempts(10) | deadline(secs(5)), fixed(secs(2))).await;
    assert_eq!(deadline_first, at(&[0, 2, 4]));
}

// `a & b` stops only once both sides say so.
#[tokio::test(start_paused = true)]
async fn both_stops_only_when_both_sides_do() {
    // attempts(2) is satisfied early; elapsed(5s) is what ends it, at the attempt at 5 s
    let time_last = attempt_times(attempts(2) & elapsed(secs(5)), fixed(secs(1))).await;
    assert_eq!(time_last, at(&[0, 1, 2, 3, 4, 5]));
    // elapsed(5s) is satisfied at 5 s; attempts(8) is what ends it
    let count_last = attempt_times(attempts(8) & elapsed(secs(5)), fixed(secs(1))).await;
    assert_eq!(count_last, at(&[0, 1, 2, 3, 4, 5, 6, 7]));
}

// Combinators nest: `attempts(100) | (elapsed(4s) & attempts(3))`.
#[tokio::test(start_paused = true)]
async fn combinators_nest() {
    let times = attempt_times(attempts(100) | (elapsed(secs(4)) & attempts(3)), fixed(secs(1))).await;
    assert_eq!(times, at(&[0, 1, 2, 3, 4]));
    let times = attempt_times((attempts(2) | attempts(5)) & elapsed(secs(3)), fixed(secs(1))).await;
    assert_eq!(times, at(&[0, 1, 2, 3]));
}

// `never` keeps retrying until the operation succeeds.
#[tokio::test(start_paused = true)]
async fn never_retries_until_success() {
    let policy = RetryPolicy::builder().stop(never()).wait(fixed(secs(1))).build().unwrap();
    let start = Instant::now();
    let mut calls = 0u32;
    let out: Result<u32, &str> = policy
        .retry(|| {
            calls += 1;
            let n = calls;
            async move { if n < 50 { Err("down") } else { Ok(n) } }
        })
        .await;
    assert_eq!(out, Ok(50));
    assert_eq!(start.elapsed(), secs(49));
}

// `never` bounded by the caller's own timeout: the call is dropped mid-schedule.
#[tokio::test(start_paused = true)]
async fn never_is_bounded_by_the_callers_timeout() {
    let policy = RetryPolicy::builder().stop(never()).wait(fixed(secs(1))).log(LogLevel::Off).build().unwrap();
    let start = Instant::now();
    let times = RefCell::new(Vec::new());
    let call = policy.retry(|| {
        times.borrow_mut().push(start.elapsed());
        async { Err::<(), _>("down") }
    });
    let out = tokio::time::timeout(Duration::from_millis(10_500), call).await;
    assert!(out.is_err(), "the caller's timeout fired");
    assert_eq!(times.into_inner(), at(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
}

// `never | x` is bounded by x; `never & x` never stops (it needs both).
#[tokio::test(start_paused = true)]
async fn never_combined_with_a_bound() {
    assert_eq!(attempt_times(never() | attempts(4), fixed(secs(1))).await.len(), 4);
    assert_eq!(attempt_times(never() | elapsed(secs(3)), fixed(secs(1))).await, at(&[0, 1, 2, 3]));

    let policy =
        RetryPolicy::builder().stop(never() & attempts(2)).wait(fixed(secs(1))).log(LogLevel::Off).build().unwrap();
    let mut calls = 0u32;
    let out: Result<u32, &str> = policy
        .retry(|| {
            calls += 1;
            let n = calls;
            async move { if n < 10 { Err("down") } else { Ok(n) } }
        })
        .await;
    assert_eq!(out, Ok(10), "`never & attempts(2)` went past 2 attempts");
}
