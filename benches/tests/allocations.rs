//! Allocations per call, counted on this thread by a counting global allocator: none on a
//! first-try success, none on the retry path with the sleeper stubbed out, guarded or not.

use std::cell::Cell;

use allocation_counter::measure;
use benches::{CLOSED, block_on, guarded_op, poll_once, retry_flaky, retry_op};

/// Allocations made by `calls` calls of `f`, after one call that may initialise the
/// thread's state (its jitter generator, `tracing`'s registry of call sites).
fn allocations(calls: u32, mut f: impl FnMut()) -> u64 {
    f();
    measure(|| {
        for _ in 0..calls {
            f();
        }
    })
    .count_total
}

#[test]
fn first_try_success_allocates_nothing() {
    assert_eq!(measure(|| assert_eq!(poll_once(retry_op(7)), Ok(7))).count_total, 0, "even on the first call");
    assert_eq!(allocations(100, || assert_eq!(poll_once(retry_op(7)), Ok(7))), 0);
}

#[test]
fn retry_path_with_a_stubbed_sleeper_allocates_nothing() {
    let allocated = allocations(100, || {
        let left = Cell::new(3);
        assert_eq!(block_on(retry_flaky(&left)), Ok(0));
        assert_eq!(left.get(), 0);
    });
    assert_eq!(allocated, 0);
}

#[test]
fn guarded_first_try_success_allocates_nothing() {
    assert_eq!(allocations(100, || assert_eq!(poll_once(guarded_op(7)), Ok(7))), 0);
    assert_eq!(CLOSED.state(), retry_runtime::BreakerState::Closed);
}

// Measures what a hedged first-try success allocates: the round's list of attempts and the
// first attempt's box (a round starts a number of attempts known only at run time).
#[test]
fn hedged_first_try_success_allocates_the_round_and_its_first_attempt() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let _entered = runtime.enter();
    assert_eq!(allocations(100, || assert_eq!(poll_once(benches::hedged_op(7)), Ok(7))), 200);
    let policy = benches::hedged_card_policy();
    // The value form boxes the round's future too.
    assert_eq!(allocations(100, || assert_eq!(poll_once(policy.retry(|| benches::op(7))), Ok(7))), 300);
}

/// The user's view (`benches/src/users.rs`): `#[retry]` awaited in a real current-thread
/// runtime allocates nothing on the success path, the retry path without waits, or the
/// retry path slept on tokio's paused clock (the timer's entry lives in the future), nor
/// with a breaker and budget, a limiter or a bulkhead; a box made inside the same
/// `block_on` is counted, so the counter sees what runs there.
#[test]
fn the_users_view_allocates_nothing_in_a_real_runtime() {
    use benches::users::{Path, case, run, runtime};
    for name in [
        "success/retry",
        "retry/retry",
        "paused/retry",
        "blocking/retry",
        "blocking_retry/retry",
        "features_success/breaker_budget",
        "features_retry/breaker_budget",
        "features_success/limiter",
        "features_retry/limiter",
        "features_success/adaptive",
        "features_retry/adaptive",
        "features_success/bulkhead",
        "features_retry/bulkhead",
    ] {
        let case = case(name);
        let runtime = runtime(case.path);
        let _ = run(&runtime, case, 10);
        assert_eq!(
            allocations(1, || {
                let _ = run(&runtime, case, 100);
            }),
            0,
            "{name}"
        );
        let boxed = allocations(1, || runtime.block_on(async { drop(core::hint::black_box(Box::new(1_u8))) }));
        assert_eq!(boxed, 1, "{name}: the counter sees the runtime's thread");
    }
    assert_eq!(case("paused/retry").path, Path::Paused);
}

/// A hedged round keeps its attempts, each boxed, in a `Vec` (`hedge.rs`), since it runs
/// them side by side: two allocations for a round whose hedge never starts, eight for the
/// four rounds of the retry path, counted in the same runtime as the calls above.
#[test]
fn a_hedged_call_allocates_two_a_round_in_a_real_runtime() {
    use benches::users::{case, run, runtime};
    for (name, per_call) in [("features_success/hedge", 2), ("features_retry/hedge", 8)] {
        let case = case(name);
        let runtime = runtime(case.path);
        let _ = run(&runtime, case, 10);
        let counted = allocations(1, || {
            let _ = run(&runtime, case, 100);
        });
        assert_eq!(counted, 100 * per_call, "{name}");
    }
}
