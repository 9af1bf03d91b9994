//! `stop = …` through the attribute: how many attempts each stop condition allows, timed on
//! tokio's paused clock (spec §3 "stop").

mod attribute_support;

use attribute_support::{Attempts, LlmError, secs};
use retry_runtime::retry;
use tokio::time::Instant;

/// Fails with the attempt's number until attempt `succeed_at`.
fn outcome(n: u32, succeed_at: u32) -> Result<u32, LlmError> {
    if n >= succeed_at { Ok(n) } else { Err(LlmError::Overload(n)) }
}

// `attempts(n)` is the total number of attempts, and the error returned is the last one.
#[tokio::test(start_paused = true)]
async fn attempts_n_runs_exactly_n_attempts_and_returns_the_last_error() {
    #[retry(stop = attempts(4), wait = none)]
    async fn always_fails(log: &Attempts) -> Result<u32, LlmError> {
        Err(LlmError::Overload(log.begin()))
    }
    let log = Attempts::new();
    assert_eq!(always_fails(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.count(), 4);
}

// `attempts(1)` means "never retry", not "retry once".
#[tokio::test(start_paused = true)]
async fn attempts_one_never_retries() {
    #[retry(stop = attempts(1), wait = none)]
    async fn once(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), 2)
    }
    let log = Attempts::new();
    assert_eq!(once(&log).await, Err(LlmError::Overload(1)));
    assert_eq!(log.count(), 1);
}

// Without `stop`, the default is `attempts(3)`.
#[tokio::test(start_paused = true)]
async fn default_stop_is_three_attempts() {
    #[retry(wait = none)]
    async fn defaults(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), 10)
    }
    let log = Attempts::new();
    assert_eq!(defaults(&log).await, Err(LlmError::Overload(3)));
    assert_eq!(log.count(), 3);
}

// A success ends the call: no attempt runs after it.
#[tokio::test(start_paused = true)]
async fn success_ends_the_call_before_attempts_run_out() {
    #[retry(stop = attempts(5), wait = none)]
    async fn flaky(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), 2)
    }
    let log = Attempts::new();
    assert_eq!(flaky(&log).await, Ok(2));
    assert_eq!(log.count(), 2);
}

// `elapsed(D)` gives up at the first failure at or after D, as Tenacity's stop_after_delay:
// with 3 s sleeps and D = 10 s, attempts start at 0, 3, 6, 9 and 12 s.
#[tokio::test(start_paused = true)]
async fn elapsed_gives_up_at_the_first_failure_past_the_limit() {
    #[retry(stop = elapsed(10s), wait = fixed(3s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(down(&log).await, Err(LlmError::Overload(5)));
    assert_eq!(log.offsets(), [0, 3, 6, 9, 12].map(secs));
    assert_eq!(start.elapsed(), secs(12));
}

// `elapsed` counts the time attempts take, not only the sleeps.
#[tokio::test(start_paused = true)]
async fn elapsed_counts_time_spent_inside_attempts() {
    #[retry(stop = elapsed(10s), wait = none)]
    async fn slow(log: &Attempts) -> Result<u32, LlmError> {
        let n = log.begin();
        tokio::time::sleep(secs(4)).await;
        outcome(n, u32::MAX)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(slow(&log).await, Err(LlmError::Overload(3)));
    assert_eq!(log.offsets(), [0, 4, 8].map(secs));
    assert_eq!(start.elapsed(), secs(12));
}

// `deadline(D)` never starts a sleep that would end after D: the call returns at 9 s
// instead of sleeping to 12 s only to give up there.
#[tokio::test(start_paused = true)]
async fn deadline_never_starts_a_sleep_that_ends_past_it() {
    #[retry(stop = deadline(10s), wait = fixed(3s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(down(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.offsets(), [0, 3, 6, 9].map(secs));
    assert_eq!(start.elapsed(), secs(9));
}

// A sleep that ends exactly at the deadline is still taken.
#[tokio::test(start_paused = true)]
async fn deadline_allows_a_sleep_ending_exactly_at_it() {
    #[retry(stop = deadline(9s), wait = fixed(3s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.offsets(), [0, 3, 6, 9].map(secs));
}

// `never` keeps going well past the default three attempts, until the call succeeds.
#[tokio::test(start_paused = true)]
async fn never_retries_until_success() {
    #[retry(stop = never, wait = fixed(1s))]
    async fn eventually(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), 50)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(eventually(&log).await, Ok(50));
    assert_eq!(log.count(), 50);
    assert_eq!(start.elapsed(), secs(49));
}

// `never` bounded by the caller's own timeout: the call is dropped mid-sleep after 11
// attempts (0 s … 10 s), and nothing runs after that.
#[tokio::test(start_paused = true)]
async fn never_is_bounded_by_the_callers_timeout() {
    #[retry(stop = never, wait = fixed(1s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    let out = tokio::time::timeout(secs(10) + secs(1) / 2, down(&log)).await;
    assert!(out.is_err(), "the caller's timeout ends the call");
    assert_eq!(log.count(), 11);
    tokio::time::sleep(secs(60)).await;
    assert_eq!(log.count(), 11, "a dropped call never runs again");
}

// `A | B` stops as soon as either does: here `attempts` wins.
#[tokio::test(start_paused = true)]
async fn either_stops_when_attempts_run_out_first() {
    #[retry(stop = attempts(3) | elapsed(100s), wait = fixed(2s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(3)));
    assert_eq!(log.offsets(), [0, 2, 4].map(secs));
}

// `A | B` stops as soon as either does: here `elapsed` wins.
#[tokio::test(start_paused = true)]
async fn either_stops_when_time_runs_out_first() {
    #[retry(stop = attempts(10) | elapsed(5s), wait = fixed(2s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.offsets(), [0, 2, 4, 6].map(secs));
}

// `A | deadline` keeps the deadline's look-ahead: no sleep past it even inside `|`.
#[tokio::test(start_paused = true)]
async fn either_with_a_deadline_refuses_a_sleep_past_it() {
    #[retry(stop = attempts(10) | deadline(5s), wait = fixed(2s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(down(&log).await, Err(LlmError::Overload(3)));
    assert_eq!(log.offsets(), [0, 2, 4].map(secs));
    assert_eq!(start.elapsed(), secs(4));
}

// `A & B` stops only once both say stop: three attempts are not enough before 5 s.
#[tokio::test(start_paused = true)]
async fn both_waits_for_time_after_attempts_run_out() {
    #[retry(stop = attempts(3) & elapsed(5s), wait = fixed(1s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(6)));
    assert_eq!(log.offsets(), [0, 1, 2, 3, 4, 5].map(secs));
}

// `A & B` stops only once both say stop: 1 s passing is not enough before 5 attempts.
#[tokio::test(start_paused = true)]
async fn both_waits_for_attempts_after_time_runs_out() {
    #[retry(stop = attempts(5) & elapsed(1s), wait = fixed(1s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(5)));
    assert_eq!(log.count(), 5);
}

// Parentheses group as written: `(2 attempts & 3 s) | 10 attempts` stops at the 4th
// attempt (t = 3 s), long before the 10th.
#[tokio::test(start_paused = true)]
async fn parentheses_group_stop_conditions() {
    #[retry(stop = (attempts(2) & elapsed(3s)) | attempts(10), wait = fixed(1s))]
    async fn down(log: &Attempts) -> Result<u32, LlmError> {
        outcome(log.begin(), u32::MAX)
    }
    let log = Attempts::new();
    assert_eq!(down(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.offsets(), [0, 1, 2, 3].map(secs));
}
