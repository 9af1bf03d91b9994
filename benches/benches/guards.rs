//! Overload protection: what a closed circuit breaker and a retry budget add to a
//! first-try success, and how fast an open breaker refuses a call.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench guards`

use std::cell::Cell;
use std::time::{Duration, Instant};

use benches::{BUDGET, CLOSED, LlmError, guarded_op, isolated_op, poll_once, refused_op, retry_op};
use divan::black_box;
use retry_runtime::breaker::SlidingWindow;
use retry_runtime::{CircuitBreaker, retry};

fn main() {
    benches::open_breakers();
    benches::warm_up();
    divan::main();
}

/// The attribute alone: the reference for the two below.
#[divan::bench]
fn first_try_unguarded() -> Result<u64, LlmError> {
    poll_once(retry_op(black_box(7)))
}

/// The same, behind a closed `consecutive` breaker and the AWS standard budget.
#[divan::bench]
fn first_try_breaker_and_budget() -> Result<u64, LlmError> {
    poll_once(guarded_op(black_box(7)))
}

static RATIO: CircuitBreaker =
    CircuitBreaker::failure_ratio(0.5, 100, SlidingWindow::Calls(100), Duration::from_secs(60));

#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, breaker = RATIO)]
async fn ratio_op(x: u64) -> Result<u64, LlmError> {
    benches::op(x).await
}

/// Behind a failure-ratio breaker, which must record every outcome in its window: the
/// lock and the clock on every call.
#[divan::bench]
fn first_try_ratio_breaker() -> Result<u64, LlmError> {
    poll_once(ratio_op(black_box(7)))
}

/// An open breaker, its cooldown running: the call fails fast and the body never runs.
#[divan::bench]
fn open_breaker_rejects() -> Result<u64, LlmError> {
    let runs = Cell::new(0);
    let out = poll_once(refused_op(black_box(7), &runs));
    debug_assert_eq!((out, runs.get()), (Err(LlmError::CircuitOpen), 0));
    out
}

/// An isolated breaker (held open by hand): no clock to read.
#[divan::bench]
fn isolated_breaker_rejects() -> Result<u64, LlmError> {
    let runs = Cell::new(0);
    let out = poll_once(isolated_op(black_box(7), &runs));
    debug_assert_eq!((out, runs.get()), (Err(LlmError::CircuitOpen), 0));
    out
}

/// The breaker's own closed path, through its public API (the clock read by the caller).
#[divan::bench]
fn breaker_acquire_and_success() {
    let now = Instant::now();
    CLOSED.try_acquire(black_box(now)).expect("closed").success(now);
}

/// The budget's share of a first-try success: one request, one success.
#[divan::bench]
fn budget_request_and_success() {
    BUDGET.record_request();
    BUDGET.on_success(black_box(None));
}
