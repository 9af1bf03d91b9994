//! A call that fails 3 times with a retryable error, then succeeds: 4 attempts, 3 delays
//! computed, the sleeper stubbed out (the delay passed through `black_box`, so that it must
//! still be computed) so that only the bookkeeping is measured.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench retry_path`

use std::cell::Cell;
use std::future::{Ready, ready};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use benches::{LlmError, StubSleep, flaky, hand_loop_flaky, poll_once, retry_flaky};
use divan::black_box;
use retry_runtime::RetryPolicy;
use retry_runtime::stop::attempts;
use retry_runtime::wait::exp_jitter;

fn main() {
    benches::warm_up();
    divan::main();
}

/// The failures each call starts with.
const FAILURES: u32 = 3;

/// The floor: the four attempts, called in a row with no retry logic at all.
#[divan::bench]
fn attempts_only() -> Result<u64, LlmError> {
    let left = Cell::new(black_box(FAILURES));
    let mut outcome = poll_once(flaky(&left));
    while outcome.is_err() {
        outcome = poll_once(flaky(&left));
    }
    outcome
}

#[divan::bench]
fn hand_loop() -> Result<u64, LlmError> {
    let left = Cell::new(black_box(FAILURES));
    poll_once(hand_loop_flaky(&left))
}

/// [`StubSleep`] for backon: the delay through `black_box`.
fn no_sleep(delay: Duration) -> Ready<()> {
    black_box(delay);
    ready(())
}

#[divan::bench]
fn backon() -> Result<u64, LlmError> {
    let left = Cell::new(black_box(FAILURES));
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(60))
        .with_max_times(4)
        .with_jitter();
    poll_once(
        (|| flaky(&left))
            .retry(backoff)
            .sleep(no_sleep)
            .when(|e| matches!(e, LlmError::RateLimit | LlmError::Overload)),
    )
}

#[divan::bench]
fn retry_attribute() -> Result<u64, LlmError> {
    let left = Cell::new(black_box(FAILURES));
    poll_once(retry_flaky(&left))
}

/// The same policy as a value, through `RetryPolicy::retry` and a closure.
#[divan::bench]
fn retry_policy_value(bencher: divan::Bencher) {
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(exp_jitter(Duration::from_secs(1), Duration::from_secs(60), Duration::from_secs(5)))
        .when(|e: &LlmError| matches!(e, LlmError::RateLimit | LlmError::Overload))
        .sleeper(StubSleep)
        .build()
        .expect("a valid policy");
    bencher.bench_local(|| {
        let left = Cell::new(black_box(FAILURES));
        poll_once(policy.retry(|| flaky(&left)))
    });
}
