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

#[test]
fn alternatives_for_comparison() {
    // Not a bound: the sizes BENCHMARKS.md reports beside the attribute's.
    use backon::{ExponentialBuilder, Retryable};
    use benches::LlmError;
    use retry_runtime::RetryPolicy;
    use retry_runtime::stop::attempts;
    use retry_runtime::wait::exp_jitter;
    use std::time::Duration;
    use tokio_retry2::strategy::{ExponentialBackoff, jitter};
    use tokio_retry2::{Retry, RetryError};

    let x = 1u64;
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(exp_jitter(Duration::from_secs(1), Duration::from_secs(60), Duration::from_secs(5)))
        .when(|e: &LlmError| matches!(e, LlmError::RateLimit | LlmError::Overload))
        .build()
        .unwrap();
    let value = size_of_val(&policy.retry(|| sized::<1008>(x)));
    let backon = size_of_val(&(|| sized::<1008>(x)).retry(ExponentialBuilder::default().with_jitter()));
    let strategy = ExponentialBackoff::from_millis(2).factor(500).map(jitter).take(4);
    let tokio_retry2 =
        size_of_val(&Retry::spawn(strategy, || async move { sized::<1008>(x).await.map_err(RetryError::transient) }));
    println!("1 KiB attempt: RetryPolicy::retry {value} B, backon {backon} B, tokio-retry2 {tokio_retry2} B");
}

// Measures the hedged form's future: the round (its timer, its list of attempts, the fork of
// the call's layer) lives in the function's future, and each attempt is boxed, so a large
// attempt does not make the hedged future larger; printed with `--nocapture`.
#[test]
fn a_hedged_future_holds_the_round_not_the_attempts() {
    let hedged = size_of_val(&benches::hedged_op(1));
    let plain = size_of_val(&benches::retry_op(1));
    println!("hedged_op {hedged} B, retry_op {plain} B");
    let sleep = size_of::<<DefaultSleep as AsyncSleep>::Sleep>();
    assert!(hedged <= plain + sleep + 128, "the hedged future is {hedged} B");
}

// A by-value argument that is not a primitive is held for the attempt known to be the last
// (`attempts(n)`): the future keeps it twice, as the parameter (rustc keeps an `async fn`'s
// parameters) and as the original held. Printed with `--nocapture`; the bound says no more.
#[test]
fn a_held_argument_is_kept_once_more_in_the_future() {
    #[retry_runtime::retry(stop = attempts(3), wait = none)]
    async fn held(body: String) -> Result<usize, String> {
        Ok(body.len())
    }
    #[retry_runtime::retry(stop = attempts(3), wait = none)]
    #[allow(clippy::ptr_arg)] // the same type, by reference
    async fn by_reference(body: &String) -> Result<usize, String> {
        Ok(body.len())
    }
    let body = String::from("prompt");
    let (held, by_reference) = (size_of_val(&held(body.clone())), size_of_val(&by_reference(&body)));
    println!("a String argument: held {held} B, by reference {by_reference} B");
    assert!(held <= by_reference + 3 * size_of::<String>(), "held {held} B, by reference {by_reference} B");
}
