//! `timeout = …` through the attribute: a hung attempt is cut, fails with
//! `E::from(Elapsed)` and is retried; with `stop = deadline(…)` each attempt's limit shrinks
//! to what is left of the deadline (spec §3 "timeout", "stop").

mod attribute_support;

use std::time::Duration;

use attribute_support::{Attempts, LlmError, ms, secs};
use retry_runtime::{Elapsed, retry};
use tokio::time::Instant;

/// An attempt that never finishes on its own; a runaway loop fails the test instead of
/// hanging it.
async fn hang(log: &Attempts) -> Result<u32, LlmError> {
    let n = log.begin();
    assert!(n <= 20, "attempt {n}: the call never stopped");
    std::future::pending().await
}

fn timed_out(limit: Duration) -> LlmError {
    LlmError::TimedOut(Elapsed::new(limit))
}

// A hung attempt is cut at the timeout and the next attempt runs.
#[tokio::test(start_paused = true)]
async fn timeout_cuts_a_hung_attempt_and_retries() {
    #[retry(stop = attempts(3), wait = none, timeout = 1s)]
    async fn first_hangs(log: &Attempts) -> Result<u32, LlmError> {
        if log.count() == 0 {
            return hang(log).await;
        }
        Ok(log.begin())
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(first_hangs(&log).await, Ok(2));
    assert_eq!(start.elapsed(), secs(1));
}

// A cut attempt fails with `E::from(Elapsed)`, carrying the limit; when every attempt
// hangs, that is the error returned, after attempts × timeout (plus the sleeps).
#[tokio::test(start_paused = true)]
async fn timed_out_attempts_fail_with_elapsed_converted_into_the_error() {
    #[retry(stop = attempts(3), wait = fixed(500ms), timeout = 1s)]
    async fn always_hangs(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(always_hangs(&log).await, Err(timed_out(secs(1))));
    assert_eq!(log.offsets(), [ms(0), ms(1500), ms(3000)]);
    assert_eq!(start.elapsed(), secs(4));
}

// An attempt that finishes inside the limit is not cut.
#[tokio::test(start_paused = true)]
async fn timeout_leaves_an_attempt_that_finishes_in_time_alone() {
    #[retry(stop = attempts(3), wait = none, timeout = 1s)]
    async fn just_in_time(log: &Attempts) -> Result<u32, LlmError> {
        let n = log.begin();
        tokio::time::sleep(ms(999)).await;
        Ok(n)
    }
    let log = Attempts::new();
    assert_eq!(just_in_time(&log).await, Ok(1));
    assert_eq!(log.count(), 1);
}

// The timed-out error goes through `on` like any other: retried only when listed.
#[tokio::test(start_paused = true)]
async fn timed_out_error_is_filtered_by_on() {
    #[retry(stop = attempts(3), wait = none, timeout = 1s, on = TimedOut)]
    async fn retried(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    #[retry(stop = attempts(3), wait = none, timeout = 1s, on = RateLimit)]
    async fn not_retried(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    let log = Attempts::new();
    assert_eq!(retried(&log).await, Err(timed_out(secs(1))));
    assert_eq!(log.count(), 3);
    let log = Attempts::new();
    assert_eq!(not_retried(&log).await, Err(timed_out(secs(1))));
    assert_eq!(log.count(), 1);
}

// With a deadline, the last attempt's limit shrinks to what is left: at 1.5 s, 0.7 s of
// the 2.2 s deadline remain, so the attempt is cut at 2.2 s with a 700 ms limit.
#[tokio::test(start_paused = true)]
async fn deadline_shrinks_the_timeout_to_what_is_left() {
    #[retry(stop = deadline(2200ms), wait = fixed(500ms), timeout = 1s)]
    async fn always_hangs(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(always_hangs(&log).await, Err(timed_out(ms(700))));
    assert_eq!(log.offsets(), [ms(0), ms(1500)]);
    assert_eq!(start.elapsed(), ms(2200));
}

// Once the deadline is used up exactly, no attempt is started with no time left: with
// `wait = none` the call ends at the deadline instead of cutting empty attempts forever
// on a clock that no longer moves.
#[tokio::test(start_paused = true)]
async fn deadline_used_up_starts_no_attempt_with_zero_time() {
    #[retry(stop = deadline(2s), wait = none, timeout = 1s)]
    async fn always_hangs(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(always_hangs(&log).await, Err(timed_out(secs(1))));
    assert_eq!(log.offsets(), [secs(0), secs(1)]);
    assert_eq!(start.elapsed(), secs(2));
}

// Nor does a sleep that ends exactly at the deadline lead into an attempt with zero time:
// the call gives up before that sleep.
#[tokio::test(start_paused = true)]
async fn deadline_takes_no_sleep_that_leaves_zero_time_for_the_attempt() {
    #[retry(stop = deadline(2s), wait = fixed(1s), timeout = 1s)]
    async fn always_hangs(log: &Attempts) -> Result<u32, LlmError> {
        hang(log).await
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(always_hangs(&log).await, Err(timed_out(secs(1))));
    assert_eq!(log.count(), 1);
    assert_eq!(start.elapsed(), secs(1));
}

// Hooks and the default event see a cut attempt as its `Elapsed` error, after the limit.
#[tokio::test(start_paused = true)]
async fn hooks_see_a_timed_out_attempt_as_its_error() {
    #[retry(
        stop = attempts(2),
        wait = none,
        timeout = 1s,
        after = |s| seen.lock().unwrap().push((s.attempt(), s.elapsed(), s.error().cloned())),
    )]
    async fn always_hangs(
        log: &Attempts,
        seen: &std::sync::Mutex<Vec<(u32, Duration, Option<LlmError>)>>,
    ) -> Result<u32, LlmError> {
        hang(log).await
    }
    let (log, seen) = (Attempts::new(), std::sync::Mutex::default());
    assert!(always_hangs(&log, &seen).await.is_err());
    let cut = Some(timed_out(secs(1)));
    assert_eq!(seen.into_inner().unwrap(), [(1, secs(1), cut.clone()), (2, secs(2), cut)]);
}
