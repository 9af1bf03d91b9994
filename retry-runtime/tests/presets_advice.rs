//! `presets::interactive()` and `presets::background()` on tokio's paused clock, and a key
//! set after any preset replacing that part only.

use std::cell::{Cell, RefCell};
use std::io::{Error, ErrorKind};
use std::time::Duration;

use retry_runtime::classify::Transient;
use retry_runtime::{RetryState, presets, stop::attempts};
use tokio::time::Instant;

/// An error that is transient and asks for `retry_after`.
#[derive(Debug, Clone, Copy)]
struct Busy(Option<Duration>);

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "busy, retry after {:?}", self.0)
    }
}

impl Transient for Busy {
    fn is_transient(&self) -> bool {
        true
    }
    fn retry_after(&self) -> Option<Duration> {
        self.0
    }
}

#[tokio::test(start_paused = true)]
async fn interactive_makes_three_attempts_within_jittered_bounds() {
    let sleeps = RefCell::new(Vec::new());
    let policy = presets::interactive()
        .before_sleep(|s: &RetryState<'_, (), Error>| sleeps.borrow_mut().push(s.next_delay().unwrap()))
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let out = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async { Err::<(), Error>(ErrorKind::TimedOut.into()) }
        })
        .await;
    assert_eq!(out.unwrap_err().kind(), ErrorKind::TimedOut);
    assert_eq!(calls.get(), 3);
    let sleeps = sleeps.into_inner();
    // Full jitter over 0.5 s doubling, capped at 5 s: U(0, 0.5 s) then U(0, 1 s).
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_millis(500) && sleeps[1] <= Duration::from_secs(1), "{sleeps:?}");
}

#[tokio::test(start_paused = true)]
async fn interactive_gives_up_rather_than_wait_past_thirty_seconds() {
    // The server asks for 20 s each time: the first wait fits in 30 s, the second would not.
    let policy = presets::interactive().build().unwrap();
    let start = Instant::now();
    let calls = Cell::new(0);
    let out = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async { Err::<(), Busy>(Busy(Some(Duration::from_secs(20)))) }
        })
        .await;
    assert!(out.is_err());
    assert_eq!(calls.get(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(20));
}

#[tokio::test(start_paused = true)]
async fn interactive_does_not_retry_a_permanent_error() {
    let policy = presets::interactive().build().unwrap();
    let calls = Cell::new(0);
    let out = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async { Err::<(), Error>(ErrorKind::PermissionDenied.into()) }
        })
        .await;
    assert_eq!(out.unwrap_err().kind(), ErrorKind::PermissionDenied);
    assert_eq!(calls.get(), 1);
}

#[tokio::test(start_paused = true)]
async fn background_makes_seven_attempts_with_backoff_capped_at_a_minute() {
    let sleeps = RefCell::new(Vec::new());
    let policy = presets::background()
        .before_sleep(|s: &RetryState<'_, (), Error>| sleeps.borrow_mut().push(s.next_delay().unwrap()))
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let _ = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async { Err::<(), Error>(ErrorKind::ConnectionReset.into()) }
        })
        .await;
    assert_eq!(calls.get(), 7);
    let sleeps = sleeps.into_inner();
    assert_eq!(sleeps.len(), 6);
    for (n, slept) in sleeps.iter().enumerate() {
        let cap = Duration::from_secs(1 << n).min(Duration::from_secs(60));
        assert!(*slept <= cap, "sleep {n}: {slept:?} above {cap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn background_keeps_its_overall_deadline() {
    // Five-minute waits asked by the server: one fits in ten minutes, a second would end at
    // ten minutes plus the attempts' time, so the call gives up instead of sleeping.
    let policy = presets::background().retry_after_max(Duration::from_secs(3600)).build().unwrap();
    let start = Instant::now();
    let calls = Cell::new(0);
    let _ = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err::<(), Busy>(Busy(Some(Duration::from_secs(300))))
            }
        })
        .await;
    assert_eq!(calls.get(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(302));
    assert!(start.elapsed() <= Duration::from_secs(600));
}

#[tokio::test(start_paused = true)]
async fn a_key_after_a_preset_replaces_that_part_only() {
    // `stop` replaced; the SDK's statuses and exact server delay kept.
    let policy = presets::openai().stop(attempts(5)).build().unwrap();
    let calls = Cell::new(0);
    let start = Instant::now();
    let out = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            async { Err::<(), Error>(ErrorKind::ConnectionRefused.into()) }
        })
        .await;
    assert!(out.is_err());
    assert_eq!(calls.get(), 5);
    // Four backoffs of the SDK's: each within (0.75, 1] of 0.5 s, 1 s, 2 s, 4 s.
    let elapsed = start.elapsed().as_secs_f64();
    assert!(elapsed > 0.75 * 7.5 && elapsed <= 7.5, "{elapsed}");
}
