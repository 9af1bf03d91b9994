//! A first-try success: what each way of retrying adds to a plain call of the same
//! `async fn`, polled once with a no-op waker.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench first_try`

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use benches::{LlmError, hand_loop_op, op, poll_once, retry_op};
use divan::black_box;
use tokio_retry2::strategy::{ExponentialBackoff, jitter};
use tokio_retry2::{Retry, RetryError};

fn main() {
    benches::warm_up();
    divan::main();
}

/// The floor: the operation alone.
#[divan::bench]
fn plain() -> Result<u64, LlmError> {
    poll_once(op(black_box(7)))
}

/// The loop a user would write, with the same policy.
#[divan::bench]
fn hand_loop() -> Result<u64, LlmError> {
    poll_once(hand_loop_op(black_box(7)))
}

/// backon 1.6: 5 attempts, exponential from 1 s to 60 s with jitter, the same filter.
#[divan::bench]
fn backon() -> Result<u64, LlmError> {
    let x = black_box(7);
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(60))
        .with_max_times(4)
        .with_jitter();
    poll_once((|| op(x)).retry(backoff).when(|e| matches!(e, LlmError::RateLimit | LlmError::Overload)))
}

/// tokio-retry2 0.9: the same schedule as an iterator; the filter marks errors permanent.
#[divan::bench]
fn tokio_retry2() -> Result<u64, LlmError> {
    let x = black_box(7);
    let strategy =
        ExponentialBackoff::from_millis(2).factor(500).max_delay(Duration::from_secs(60)).map(jitter).take(4);
    poll_once(Retry::spawn(strategy, || async move {
        op(x).await.map_err(|e| match e {
            LlmError::RateLimit | LlmError::Overload => RetryError::transient(e),
            _ => RetryError::permanent(e),
        })
    }))
}

/// `#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]`.
#[divan::bench]
fn retry_attribute() -> Result<u64, LlmError> {
    poll_once(retry_op(black_box(7)))
}
