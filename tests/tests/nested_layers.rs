//! Nested layers through `RetryPolicy` (spec §11): a retried call inside an attempt of
//! another retried call. A 3-attempt layer inside a 3-attempt layer makes 3 attempts at the
//! dependency, not 9; `Nested::Multiply` makes 9; `Nested::InnerOnce` lets the outer retry.
//! Every schedule runs on tokio's paused clock, so the delays are exact. The give-up event's
//! reason is tested in tracing_events.rs, whose tests all record events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::stop::attempts;
use retry_runtime::wait::{fixed, none};
use retry_runtime::{Nested, RetryPolicy};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Overloaded,
    BadRequest,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// The dependency: counts every attempt made at it and fails with `error`.
#[derive(Clone, Default)]
struct Dependency(Arc<AtomicU32>);

impl Dependency {
    fn calls(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
    async fn call(&self, error: Error) -> Result<(), Error> {
        self.0.fetch_add(1, Ordering::Relaxed);
        // A real await, so the attempt is polled more than once (and on a multi-threaded
        // runtime may move to another worker between polls).
        tokio::task::yield_now().await;
        Err(error)
    }
}

fn second(n: u64) -> Duration {
    Duration::from_secs(n)
}

macro_rules! policy {
    ($($key:ident($($arg:expr),*)).*) => {
        RetryPolicy::builder().stop(attempts(3)).wait(fixed(second(1))).log(retry_runtime::LogLevel::Warn)
            $(.$key($($arg),*))*.build().unwrap()
    };
}

#[tokio::test(start_paused = true)]
async fn three_inside_three_makes_three_attempts_not_nine() {
    // Guards the default: the outer layer does not retry what the inner one gave up on.
    let (outer, inner, dep) = (policy!(), policy!(), Dependency::default());
    let start = Instant::now();
    let out = outer.retry(|| inner.retry(|| dep.call(Error::Overloaded))).await;
    assert_eq!(out, Err(Error::Overloaded));
    assert_eq!(dep.calls(), 3);
    assert_eq!(start.elapsed(), second(2), "the inner layer's two sleeps, and no outer sleep");
}

#[tokio::test(start_paused = true)]
async fn multiply_makes_nine_attempts_as_tenacity_does() {
    let (outer, inner, dep) = (policy!(nested(Nested::Multiply)), policy!(), Dependency::default());
    let start = Instant::now();
    let out = outer.retry(|| inner.retry(|| dep.call(Error::Overloaded))).await;
    assert_eq!((out, dep.calls()), (Err(Error::Overloaded), 9));
    assert_eq!(start.elapsed(), second(3 * 2 + 2));
}

#[tokio::test(start_paused = true)]
async fn inner_once_lets_only_the_outer_layer_retry() {
    let (outer, inner, dep) = (policy!(nested(Nested::InnerOnce)), policy!(), Dependency::default());
    let start = Instant::now();
    let out = outer.retry(|| inner.retry(|| dep.call(Error::Overloaded))).await;
    assert_eq!((out, dep.calls()), (Err(Error::Overloaded), 3));
    assert_eq!(start.elapsed(), second(2), "the outer layer's two sleeps");
}

#[tokio::test(start_paused = true)]
async fn inner_once_reaches_a_layer_two_levels_down() {
    let (top, middle, bottom) = (policy!(nested(Nested::InnerOnce)), policy!(), policy!());
    let dep = Dependency::default();
    let out = top.retry(|| middle.retry(|| bottom.retry(|| dep.call(Error::Overloaded)))).await;
    assert_eq!((out, dep.calls()), (Err(Error::Overloaded), 3));
}

#[tokio::test(start_paused = true)]
async fn three_layers_deep_still_make_three_attempts() {
    let (top, middle, bottom, dep) = (policy!(), policy!(), policy!(), Dependency::default());
    let out = top.retry(|| middle.retry(|| bottom.retry(|| dep.call(Error::Overloaded)))).await;
    assert_eq!((out, dep.calls()), (Err(Error::Overloaded), 3));
}

#[tokio::test(start_paused = true)]
async fn an_error_the_inner_layer_does_not_retry_is_still_the_outer_layers_to_retry() {
    // Only a give-up marks the attempt: an inner layer that returned at once retried nothing.
    let outer = policy!();
    let inner = policy!(when(|e: &Error| *e == Error::Overloaded));
    let dep = Dependency::default();
    let out = outer.retry(|| inner.retry(|| dep.call(Error::BadRequest))).await;
    assert_eq!((out, dep.calls()), (Err(Error::BadRequest), 3));
}

#[tokio::test(start_paused = true)]
async fn a_later_outer_attempt_starts_unmarked() {
    // The mark belongs to the attempt it was made in: an outer attempt after a plain failure
    // runs the inner layer in full, and its give-up then ends the call.
    let (outer, inner, dep) = (policy!(), policy!(), Dependency::default());
    let outer_attempts = AtomicU32::new(0);
    let out = outer
        .retry(|| async {
            if outer_attempts.fetch_add(1, Ordering::Relaxed) == 0 {
                return Err(Error::Overloaded); // the outer body's own failure: retried
            }
            inner.retry(|| dep.call(Error::Overloaded)).await
        })
        .await;
    assert_eq!((out, outer_attempts.into_inner(), dep.calls()), (Err(Error::Overloaded), 2, 3));
}

#[tokio::test(start_paused = true)]
async fn blocking_three_inside_three_makes_three_attempts_and_multiply_nine() {
    let (outer, inner) = (policy!(wait(none())), policy!(wait(none())));
    let calls = AtomicU32::new(0);
    let dep = || {
        calls.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Error::Overloaded)
    };
    assert_eq!(outer.retry_blocking(|| inner.retry_blocking(dep)), Err(Error::Overloaded));
    assert_eq!(calls.swap(0, Ordering::Relaxed), 3);

    let multiply = policy!(wait(none()).nested(Nested::Multiply));
    let _ = multiply.retry_blocking(|| inner.retry_blocking(dep));
    assert_eq!(calls.swap(0, Ordering::Relaxed), 9);

    let once = policy!(wait(none()).nested(Nested::InnerOnce));
    let _ = once.retry_blocking(|| inner.retry_blocking(dep));
    assert_eq!(calls.into_inner(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_spawned_task_is_a_new_call_and_sees_no_outer_layer() {
    // The inner call runs in a task of its own: it is not nested, so it retries in full, and
    // its give-up does not reach the outer layer, which retries too.
    let (outer, dep) = (policy!(nested(Nested::InnerOnce)), Dependency::default());
    let out = outer
        .retry(|| {
            let dep = dep.clone();
            async move {
                tokio::spawn(async move { policy!().retry(|| dep.call(Error::Overloaded)).await })
                    .await
                    .expect("the task ran")
            }
        })
        .await;
    assert_eq!((out, dep.calls()), (Err(Error::Overloaded), 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_nested_calls_on_moving_tasks_keep_their_own_count() {
    // Every attempt yields, so tasks move between the two workers between polls and the
    // workers interleave many frames: each call must still see only its own. No waits: a
    // multi-threaded runtime has no paused clock, and no test sleeps for real.
    let policy = || policy!(wait(none()));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            tokio::spawn(async move {
                let dep = Dependency::default();
                if i % 2 == 0 {
                    let _ = policy().retry(|| async { policy().retry(|| dep.call(Error::Overloaded)).await }).await;
                } else {
                    // Not nested: three attempts of its own, never cut short by a neighbour.
                    let _ = policy().retry(|| dep.call(Error::Overloaded)).await;
                }
                dep.calls()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 3);
    }
}

#[test]
fn configuration_says_nested_is_set_on_the_builder() {
    let error = "nested = multiply".parse::<retry_runtime::config::PolicyConfig>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "`nested` is not read from configuration; set it on the builder that `PolicyConfig::builder` returns"
    );
}
