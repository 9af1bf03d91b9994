//! The future an annotated `async fn` returns holds the arguments, the larger of the
//! attempt's future and the sleep's, and at most 64 bytes of its own: never the attempt's
//! future twice, as a wrapper that keeps both the closure's future and its own does.

use std::mem::size_of_val;

use benches::{
    hand_loop_sized_1k, hand_loop_sized_8k, hand_loop_sized_64, retry_sized_1k, retry_sized_8k, retry_sized_64, sized,
};
use retry_runtime::sleep::{AsyncSleep, DefaultSleep};

const OWN_STATE_LIMIT: usize = 64;

/// `inner`, `retried` and `hand` are the sizes of the attempt's future, of the annotated
/// function's and of the hand-written loop's; every function takes one `u64`.
fn check(label: &str, inner: usize, retried: usize, hand: usize) {
    let args = size_of::<u64>();
    let sleep = size_of::<<DefaultSleep as AsyncSleep>::Sleep>();
    let limit = args + inner.max(sleep) + OWN_STATE_LIMIT;
    println!(
        "{label}: attempt {inner} B, sleep {sleep} B, #[retry] {retried} B (limit {limit} B), hand-written loop {hand} B"
    );
    assert!(retried <= limit, "{label}: the #[retry] future is {retried} B, above {limit} B");
    assert!(retried < 2 * inner.max(sleep), "{label}: the #[retry] future holds the attempt twice");
}

#[test]
fn annotated_future_of_a_64_byte_attempt_stays_within_its_parts() {
    // Guards the promoted policy and the lean call state: the policy value alone is 120 B.
    let inner = size_of_val(&sized::<48>(1));
    assert_eq!(inner, 64);
    check("64 B", inner, size_of_val(&retry_sized_64(1)), size_of_val(&hand_loop_sized_64(1)));
}

#[test]
fn annotated_future_of_a_1_kib_attempt_stays_within_its_parts() {
    let inner = size_of_val(&sized::<1008>(1));
    assert_eq!(inner, 1024);
    check("1 KiB", inner, size_of_val(&retry_sized_1k(1)), size_of_val(&hand_loop_sized_1k(1)));
}

#[test]
fn annotated_future_of_an_8_kib_attempt_stays_within_its_parts() {
    let inner = size_of_val(&sized::<8176>(1));
    assert_eq!(inner, 8192);
    check("8 KiB", inner, size_of_val(&retry_sized_8k(1)), size_of_val(&hand_loop_sized_8k(1)));
}

#[test]
fn annotated_functions_still_retry_and_return() {
    // The size tests measure futures that must also work: run each to its end.
    assert_eq!(benches::block_on(retry_sized_1k(3)), Ok(3));
    assert_eq!(benches::block_on(hand_loop_sized_1k(3)), Ok(3));
}
