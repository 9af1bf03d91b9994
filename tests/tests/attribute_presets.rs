//! `preset = NAME` on the attribute: the runtime's `presets::NAME()`, with the keys written
//! beside it replacing their part only, on tokio's paused clock.

mod attribute_support;

use std::io::{Error, ErrorKind};
use std::time::Duration;

use attribute_support::{Attempts, ms, secs};
use retry_runtime::retry;

#[retry(preset = openai)]
async fn openai_like(log: &Attempts) -> Result<(), Error> {
    log.begin();
    Err(ErrorKind::ConnectionReset.into())
}

#[retry(preset = anthropic, stop = attempts(5))]
async fn anthropic_five(log: &Attempts) -> Result<(), Error> {
    log.begin();
    Err(ErrorKind::ConnectionReset.into())
}

#[retry(preset = interactive)]
async fn interactive_slow(log: &Attempts) -> Result<(), Error> {
    log.begin();
    tokio::time::sleep(secs(20)).await;
    Err(ErrorKind::TimedOut.into())
}

#[retry(preset = background, wait = none)]
fn background_blocking(log: &Attempts) -> Result<(), Error> {
    log.begin();
    Err(ErrorKind::Interrupted.into())
}

/// Each gap is the SDKs' backoff before retry `k`: min(0.5 s · 2^(k−1), 8 s), shortened by
/// at most a quarter (tokio's timer rounds up to the millisecond).
fn assert_sdk_backoffs(gaps: &[Duration]) {
    for (k, gap) in gaps.iter().enumerate() {
        let full = ms(500 << k).min(secs(8));
        assert!(*gap >= full.mul_f64(0.75) && *gap <= full + ms(1), "retry {}: {gap:?}", k + 1);
    }
}

#[tokio::test(start_paused = true)]
async fn preset_openai_makes_the_sdks_three_attempts_with_its_backoff() {
    let log = Attempts::new();
    assert!(openai_like(&log).await.is_err());
    assert_eq!(log.count(), 3);
    assert_sdk_backoffs(&log.gaps());
}

#[tokio::test(start_paused = true)]
async fn a_stop_beside_a_preset_replaces_its_stop_only() {
    let log = Attempts::new();
    assert!(anthropic_five(&log).await.is_err());
    assert_eq!(log.count(), 5);
    assert_sdk_backoffs(&log.gaps());
}

#[tokio::test(start_paused = true)]
async fn preset_interactive_keeps_its_thirty_second_deadline() {
    let log = Attempts::new();
    assert!(interactive_slow(&log).await.is_err());
    // 20 s, a jittered sleep of at most 0.5 s, 20 s more: a third sleep would end past 30 s.
    assert_eq!(log.count(), 2);
    let gap = log.gaps()[0];
    assert!(gap >= secs(20) && gap <= secs(20) + ms(501), "{gap:?}");
}

#[test]
fn preset_background_on_a_plain_fn_makes_seven_attempts() {
    let log = Attempts::new();
    assert!(background_blocking(&log).is_err());
    assert_eq!(log.count(), 7);
}
