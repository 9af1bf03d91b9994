//! What a retry costs in heap allocations (spec §3: "a first-try success emits nothing and
//! costs nothing measurable"): none on a first-try success, none on a retrying call that
//! does not sleep, and no jitter generator seeded until a retry needs one.
//!
//! Linking `allocation-counter` makes its per-thread counting allocator this binary's
//! global allocator (the workspace forbids `unsafe_code`, so the `GlobalAlloc` impl lives
//! in that crate); counts are per thread, so the test harness never pollutes them.

use std::time::Duration;

use allocation_counter::{AllocationInfo, measure};
use retry_runtime::sleep::NoSleep;
use retry_runtime::stop::{attempts, elapsed};
use retry_runtime::wait::{exp_jitter, fixed, full_jitter};
use retry_runtime::{LogLevel, RetryPolicy};
use tokio::runtime::Runtime;

/// A current-thread runtime that has already run once, so that its own first-use
/// set-up is not charged to the call measured.
fn runtime() -> Runtime {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {});
    rt
}

fn assert_no_allocation(what: &str, info: AllocationInfo) {
    assert_eq!((info.count_total, info.bytes_total), (0, 0), "{what} allocated: {info:?}");
}

// Without this the zero counts below could pass because nothing is counted.
#[test]
fn the_counting_allocator_is_installed() {
    let info = measure(|| {
        std::hint::black_box(Box::new(1u64));
    });
    assert_eq!(info.count_total, 1);
}

// A first-try success through the async `retry`, default policy (unseeded full jitter,
// tokio sleeper, WARN events), allocates nothing.
#[test]
fn first_try_success_through_retry_allocates_nothing() {
    let rt = runtime();
    let policy = RetryPolicy::builder().build().unwrap();
    let info = measure(|| {
        let out: Result<u32, String> = rt.block_on(policy.retry(|| async { Ok(7) }));
        assert_eq!(out, Ok(7));
    });
    assert_no_allocation("default policy", info);

    // the configuration of the spec's example: a time-based stop reads the clock
    let policy = RetryPolicy::builder()
        .stop(attempts(5) | elapsed(Duration::from_secs(30)))
        .wait(exp_jitter(Duration::from_secs(1), Duration::from_secs(60), Duration::from_secs(5)))
        .when(|e: &String| e.contains("busy"))
        .build()
        .unwrap();
    let info = measure(|| {
        let out: Result<u32, String> = rt.block_on(policy.retry(|| async { Ok(7) }));
        assert_eq!(out, Ok(7));
    });
    assert_no_allocation("configured policy", info);
}

// A first-try success through `retry_blocking` allocates nothing.
#[test]
fn first_try_success_through_retry_blocking_allocates_nothing() {
    let policy = RetryPolicy::builder().build().unwrap();
    let info = measure(|| {
        let out: Result<u32, String> = policy.retry_blocking(|| Ok(7));
        assert_eq!(out, Ok(7));
    });
    assert_no_allocation("retry_blocking", info);
}

// A call that retries four times without sleeping allocates nothing either: the state
// machine, the stop and wait arithmetic and the (unsubscribed) WARN events are all free.
#[test]
fn retrying_call_with_no_sleep_allocates_nothing() {
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(full_jitter(Duration::from_secs(1), Duration::from_secs(60)))
        .seed(42)
        .sleeper(NoSleep)
        .build()
        .unwrap();
    let rt = runtime();
    let info = measure(|| {
        let mut n = 0;
        let out: Result<u32, &str> = rt.block_on(policy.retry(|| {
            n += 1;
            let a = n;
            async move { if a < 5 { Err("busy") } else { Ok(a) } }
        }));
        assert_eq!(out, Ok(5));
    });
    assert_no_allocation("async retries", info);

    let info = measure(|| {
        let out: Result<u32, &str> = policy.retry_blocking(|| Err("busy"));
        assert_eq!(out, Err("busy"));
    });
    assert_no_allocation("blocking retries", info);

    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(fixed(Duration::from_secs(1)))
        .sleeper(NoSleep)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let info = measure(|| {
        let out: Result<u32, &str> = policy.retry_blocking(|| Err("busy"));
        assert_eq!(out, Err("busy"));
    });
    assert_no_allocation("blocking retries, events off", info);
}

// The thread's jitter generator is seeded from std's `RandomState` on its first draw, which
// allocates nothing (rand's `thread_rng`, which it replaced, did, once a thread): on a fresh
// thread, a first-try success and the first retrying call both allocate nothing.
#[test]
fn a_fresh_thread_s_first_retry_allocates_nothing() {
    std::thread::spawn(|| {
        let policy = RetryPolicy::builder()
            .stop(attempts(3))
            .wait(full_jitter(Duration::from_secs(1), Duration::from_secs(60)))
            .sleeper(NoSleep)
            .log(LogLevel::Off)
            .build()
            .unwrap();
        let first_try = measure(|| {
            let out: Result<u32, &str> = policy.retry_blocking(|| Ok(1));
            assert_eq!(out, Ok(1));
        });
        assert_no_allocation("first-try success", first_try);

        let first_retry = measure(|| {
            let out: Result<u32, &str> = policy.retry_blocking(|| Err("busy"));
            assert_eq!(out, Err("busy"));
        });
        assert_no_allocation("the thread's first retrying call, which seeds its generator", first_retry);

        let later_retry = measure(|| {
            let out: Result<u32, &str> = policy.retry_blocking(|| Err("busy"));
            assert_eq!(out, Err("busy"));
        });
        assert_no_allocation("a later retrying call on the same thread", later_retry);
    })
    .join()
    .unwrap();
}
