//! `#[retry]` stacked above `#[tokio::test]`. A trybuild pass case cannot
//! cover this: outside a test build `#[test]` removes the function before `#[retry]` runs.
//! Each test fails its first attempts and passes only because it is retried.

use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

static RETRY_OUTSIDE: AtomicU32 = AtomicU32::new(0);

fn third_time_lucky(calls: &AtomicU32) -> Result<(), String> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 3 { Err(format!("attempt {n} fails")) } else { Ok(()) }
}

// `#[retry]` expands first and keeps `#[tokio::test]`, which then runs the retrying body.
#[retry(stop = attempts(3), wait = fixed(1s))]
#[tokio::test(start_paused = true)]
async fn retry_outside_tokio_test() -> Result<(), String> {
    tokio::task::yield_now().await;
    third_time_lucky(&RETRY_OUTSIDE)
}

// `#[tokio::test]` above `#[retry]` is a compile error that asks for the order above
// (`tests/tests/ui/fail/retry_below_tokio_main.rs`): tokio's expansion would have
// made the function blocking, each attempt a runtime of its own and a real thread sleep.
