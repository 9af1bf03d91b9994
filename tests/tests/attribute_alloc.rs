//! What `#[retry]` costs in heap allocations (spec §3: a first-try success "costs nothing
//! measurable"; §1: no `Box`, no `dyn`): an annotated `async fn` that succeeds at once
//! allocates nothing, and neither does one that retries with `wait = none`; a by-value
//! argument is cloned only for the attempts before the one known to be the last.
//!
//! Using `allocation-counter` makes its per-thread counting allocator this binary's global
//! allocator (the workspace forbids `unsafe_code`, so the `GlobalAlloc` impl lives in that
//! crate), which is why these tests have a file of their own. Futures are polled by hand
//! with a no-op waker, so only the annotated function's own work is measured.

mod attribute_support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};

use allocation_counter::{AllocationInfo, measure};
use attribute_support::LlmError;
use retry_runtime::retry;

/// Polls `future` once; with `wait = none` and no awaits in the body it is ready at once.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the call should finish without waiting"),
    }
}

fn assert_no_allocation(what: &str, info: AllocationInfo) {
    assert_eq!((info.count_total, info.bytes_total), (0, 0), "{what} allocated: {info:?}");
}

/// Fails until attempt `succeed_at`, without allocating.
fn attempt(counter: &AtomicU32, succeed_at: u32) -> Result<u32, LlmError> {
    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
    if n >= succeed_at { Ok(n) } else { Err(LlmError::Overload(n)) }
}

// Without this the zero counts below could pass because nothing is counted.
#[test]
fn the_counting_allocator_is_installed() {
    let info = measure(|| {
        std::hint::black_box(Box::new(1u64));
    });
    assert_eq!(info.count_total, 1);
}

// A first-try success allocates nothing: with the default keys (unseeded full jitter,
// WARN events) and with the spec's own example keys.
#[test]
fn first_try_success_allocates_nothing() {
    #[retry]
    async fn defaults(counter: &AtomicU32) -> Result<u32, LlmError> {
        attempt(counter, 1)
    }
    #[retry(
        stop = attempts(5) | elapsed(30s),
        wait = exp_jitter(1, 60, 5),
        on = RateLimit | Overload,
        state = s,
    )]
    async fn configured(counter: &AtomicU32) -> Result<u32, LlmError> {
        let _ = s.attempt();
        attempt(counter, 1)
    }
    let counter = AtomicU32::new(0);
    let info = measure(|| assert_eq!(ready(defaults(&counter)), Ok(1)));
    assert_no_allocation("default keys", info);

    let counter = AtomicU32::new(0);
    let info = measure(|| assert_eq!(ready(configured(&counter)), Ok(1)));
    assert_no_allocation("the spec's example keys", info);
}

// A call that retries with `wait = none` allocates nothing either, whether it succeeds
// late or gives up: the loop, the stop and wait arithmetic, the predicates and the
// (unsubscribed) WARN events are all free.
#[test]
fn retrying_with_wait_none_allocates_nothing() {
    #[retry(stop = attempts(5), wait = none, on = Overload)]
    async fn flaky(counter: &AtomicU32, succeed_at: u32) -> Result<u32, LlmError> {
        attempt(counter, succeed_at)
    }
    let counter = AtomicU32::new(0);
    let info = measure(|| assert_eq!(ready(flaky(&counter, 5)), Ok(5)));
    assert_no_allocation("success on the fifth attempt", info);

    let counter = AtomicU32::new(0);
    let info = measure(|| assert_eq!(ready(flaky(&counter, 99)), Err(LlmError::Overload(5))));
    assert_no_allocation("giving up after five attempts", info);
}

// The same for a plain `fn`, whose attempts run in a closure.
#[test]
fn plain_fn_retrying_with_wait_none_allocates_nothing() {
    #[retry(stop = attempts(5), wait = none)]
    fn flaky(counter: &AtomicU32) -> Result<u32, LlmError> {
        attempt(counter, 4)
    }
    let counter = AtomicU32::new(0);
    let info = measure(|| assert_eq!(flaky(&counter), Ok(4)));
    assert_no_allocation("plain fn", info);
}

/// Fails until attempt `succeed_at`; reads `body` without allocating.
fn attempt_reading(counter: &AtomicU32, succeed_at: u32, body: &[u8]) -> Result<u32, LlmError> {
    std::hint::black_box(body.len());
    attempt(counter, succeed_at)
}

// A by-value argument goes to the attempt known to be the last: a call that cannot retry
// (`attempts(1)`) copies its 1 MiB `Vec` argument not at all, where it copied it once per
// attempt; with `attempts(3)` the two attempts before the last each clone it (one
// allocation of 1 MiB each), the third takes the original.
#[test]
fn a_by_value_argument_is_moved_into_the_last_attempt() {
    #[retry(stop = attempts(1), wait = none)]
    async fn once(counter: &AtomicU32, body: Vec<u8>) -> Result<u32, LlmError> {
        attempt_reading(counter, 1, &body)
    }
    #[retry(stop = attempts(3), wait = none)]
    async fn thrice(counter: &AtomicU32, body: Vec<u8>) -> Result<u32, LlmError> {
        attempt_reading(counter, 99, &body)
    }
    #[retry(stop = attempts(1), wait = none)]
    fn once_blocking(counter: &AtomicU32, body: Vec<u8>) -> Result<u32, LlmError> {
        attempt_reading(counter, 1, &body)
    }
    const MIB: usize = 1 << 20;

    let counter = AtomicU32::new(0);
    let body = vec![7u8; MIB];
    let info = measure(|| assert_eq!(ready(once(&counter, body)), Ok(1)));
    assert_no_allocation("attempts(1) with a 1 MiB argument", info);

    let counter = AtomicU32::new(0);
    let body = vec![7u8; MIB];
    let info = measure(|| assert_eq!(once_blocking(&counter, body), Ok(1)));
    assert_no_allocation("a plain fn, attempts(1), a 1 MiB argument", info);

    let counter = AtomicU32::new(0);
    let body = vec![7u8; MIB];
    let info = measure(|| assert_eq!(ready(thrice(&counter, body)), Err(LlmError::Overload(3))));
    assert_eq!((info.count_total, info.bytes_total), (2, 2 * MIB as u64), "two clones: {info:?}");
}
