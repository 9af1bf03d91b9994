//! `preset = NAME` on the attribute: the runtime's `presets::NAME()`, with the keys written
//! beside it replacing their part only, on tokio's paused clock.

use std::cell::Cell;
use std::io::{Error, ErrorKind};
use std::time::Duration;

use retry_runtime::retry;
use tokio::time::Instant;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

fn calls() -> u32 {
    CALLS.with(Cell::get)
}

fn reset() {
    CALLS.with(|c| c.set(0));
}

fn count() {
    CALLS.with(|c| c.set(c.get() + 1));
}

#[retry(preset = openai)]
async fn openai_like() -> Result<(), Error> {
    count();
    Err(ErrorKind::ConnectionReset.into())
}

#[retry(preset = anthropic, stop = attempts(5))]
async fn anthropic_five() -> Result<(), Error> {
    count();
    Err(ErrorKind::ConnectionReset.into())
}

#[retry(preset = interactive)]
async fn interactive_slow() -> Result<(), Error> {
    count();
    tokio::time::sleep(Duration::from_secs(20)).await;
    Err(ErrorKind::TimedOut.into())
}

#[retry(preset = background, wait = none)]
fn background_blocking() -> Result<(), Error> {
    count();
    Err(ErrorKind::Interrupted.into())
}

#[tokio::test(start_paused = true)]
async fn preset_openai_makes_the_sdks_three_attempts_with_its_backoff() {
    reset();
    let start = Instant::now();
    assert!(openai_like().await.is_err());
    assert_eq!(calls(), 3);
    // Two backoffs: 0.5 s and 1 s, each shortened by at most a quarter.
    let slept = start.elapsed().as_secs_f64();
    assert!(slept > 0.75 * 1.5 && slept <= 1.5, "{slept}");
}

#[tokio::test(start_paused = true)]
async fn a_stop_beside_a_preset_replaces_its_stop_only() {
    reset();
    let start = Instant::now();
    assert!(anthropic_five().await.is_err());
    assert_eq!(calls(), 5);
    // The preset's backoff kept: 0.5 + 1 + 2 + 4 s, each shortened by at most a quarter.
    let slept = start.elapsed().as_secs_f64();
    assert!(slept > 0.75 * 7.5 && slept <= 7.5, "{slept}");
}

#[tokio::test(start_paused = true)]
async fn preset_interactive_keeps_its_thirty_second_deadline() {
    reset();
    let start = Instant::now();
    assert!(interactive_slow().await.is_err());
    // 20 s, a short sleep, 20 s more: a third attempt could not start before 30 s ran out
    // and end within it.
    assert_eq!(calls(), 2);
    assert!(start.elapsed() <= Duration::from_secs(41), "{:?}", start.elapsed());
}

#[test]
fn preset_background_on_a_plain_fn_makes_seven_attempts() {
    reset();
    assert!(background_blocking().is_err());
    assert_eq!(calls(), 7);
}
