//! `retry_after = …` and `retry_after_max = …` through the attribute: the next sleep is the
//! larger of the server's delay and the strategy's, and a server delay above the ceiling
//! (or past a deadline) gives up at once (spec §3 "retry_after").

mod attribute_support;

use std::sync::Mutex;
use std::time::Duration;

use attribute_support::{Attempts, ms, secs};
use retry_runtime::retry;
use tokio::time::Instant;

/// An error that may say how long the server asked to wait.
#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Throttled { after: Option<Duration>, attempt: u32 },
    Invalid { after: Duration },
}

impl ApiError {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { after, .. } => *after,
            Self::Invalid { after } => Some(*after),
        }
    }
}

/// Fails on every attempt, asking for `asks[attempt - 1]` (the last one thereafter).
fn throttled(log: &Attempts, asks: &[Option<Duration>]) -> ApiError {
    let attempt = log.begin();
    let i = usize::try_from(attempt - 1).unwrap().min(asks.len() - 1);
    ApiError::Throttled { after: asks[i], attempt }
}

// A server delay longer than the strategy's is slept in full.
#[tokio::test(start_paused = true)]
async fn server_delay_longer_than_the_strategy_wins() {
    #[retry(stop = attempts(3), wait = fixed(1s), retry_after = |e| e.retry_after())]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(5))]))
    }
    let log = Attempts::new();
    assert!(call(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(5), secs(5)]);
}

// A server delay shorter than the strategy's does not shorten the sleep.
#[tokio::test(start_paused = true)]
async fn server_delay_shorter_than_the_strategy_loses() {
    #[retry(stop = attempts(3), wait = fixed(1s), retry_after = |e| e.retry_after())]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(ms(100))]))
    }
    let log = Attempts::new();
    assert!(call(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(1), secs(1)]);
}

// Attempt by attempt, the sleep is max(server, strategy); with no server delay, the
// strategy's alone. The strategy keeps its own progression meanwhile.
#[tokio::test(start_paused = true)]
async fn each_sleep_is_the_larger_of_server_and_strategy() {
    #[retry(stop = attempts(4), wait = exponential(1, 60), retry_after = ApiError::retry_after)]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(3)), None, Some(ms(500))]))
    }
    let log = Attempts::new();
    assert!(call(&log).await.is_err());
    // retry 1: max(3, 1); retry 2: no server delay, 2; retry 3: max(0.5, 4).
    assert_eq!(log.gaps(), [secs(3), secs(2), secs(4)]);
}

// A server delay above `retry_after_max` gives up at once: one attempt, no sleep, and
// the error that asked is returned.
#[tokio::test(start_paused = true)]
async fn server_delay_above_the_ceiling_gives_up_without_sleeping() {
    #[retry(
        stop = attempts(5),
        wait = fixed(1s),
        retry_after = |e| e.retry_after(),
        retry_after_max = 10s,
    )]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(30))]))
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert_eq!(call(&log).await, Err(ApiError::Throttled { after: Some(secs(30)), attempt: 1 }));
    assert_eq!(log.count(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// A server delay exactly at the ceiling is still waited for.
#[tokio::test(start_paused = true)]
async fn server_delay_at_the_ceiling_is_slept() {
    #[retry(
        stop = attempts(2),
        wait = none,
        retry_after = |e| e.retry_after(),
        retry_after_max = 10s,
    )]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(10))]))
    }
    let log = Attempts::new();
    assert!(call(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(10)]);
}

// Without `retry_after_max`, the ceiling is 60 s, as the OpenAI and Anthropic SDKs have it.
#[tokio::test(start_paused = true)]
async fn default_ceiling_is_sixty_seconds() {
    #[retry(stop = attempts(2), wait = none, retry_after = |e| e.retry_after())]
    async fn call(log: &Attempts, ask: Duration) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(ask)]))
    }
    let log = Attempts::new();
    assert!(call(&log, secs(60)).await.is_err());
    assert_eq!(log.gaps(), [secs(60)], "60 s is waited for");

    let log = Attempts::new();
    let start = Instant::now();
    assert!(call(&log, secs(61)).await.is_err());
    assert_eq!(log.count(), 1, "61 s gives up at once");
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// A server delay that would cross a `deadline` gives up at once rather than sleep in vain.
#[tokio::test(start_paused = true)]
async fn server_delay_past_the_deadline_gives_up_without_sleeping() {
    #[retry(stop = deadline(10s), wait = fixed(1s), retry_after = |e| e.retry_after())]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(2)), Some(secs(20))]))
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert!(call(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(2)]);
    assert_eq!(start.elapsed(), secs(2), "no sleep toward the 20 s asked");
}

// An error the call does not retry is returned at once, whatever delay it asks for.
#[tokio::test(start_paused = true)]
async fn server_delay_on_an_error_not_retried_is_ignored() {
    #[retry(stop = attempts(3), wait = none, on = Throttled, retry_after = |e| e.retry_after())]
    async fn call(log: &Attempts) -> Result<(), ApiError> {
        log.begin();
        Err(ApiError::Invalid { after: secs(5) })
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert!(call(&log).await.is_err());
    assert_eq!(log.count(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// Hooks see the server's delay as the next delay, and a give-up on the ceiling.
#[tokio::test(start_paused = true)]
async fn hooks_see_the_server_delay_and_the_ceiling_give_up() {
    #[retry(
        stop = attempts(5),
        wait = fixed(1s),
        retry_after = |e| e.retry_after(),
        retry_after_max = 10s,
        before_sleep = |s| seen.lock().unwrap().push(("sleep", s.attempt(), s.next_delay())),
        on_give_up = |s| seen.lock().unwrap().push(("give up", s.attempt(), s.next_delay())),
    )]
    async fn call(log: &Attempts, seen: &Mutex<Vec<(&'static str, u32, Option<Duration>)>>) -> Result<(), ApiError> {
        Err(throttled(log, &[Some(secs(4)), Some(secs(11))]))
    }
    let (log, seen) = (Attempts::new(), Mutex::default());
    assert!(call(&log, &seen).await.is_err());
    assert_eq!(seen.into_inner().unwrap(), [("sleep", 1, Some(secs(4))), ("give up", 2, None)]);
}
