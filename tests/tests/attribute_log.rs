//! `log = …` through the attribute: exactly one `tracing` event per retry at the level, one
//! a level higher on giving up, none on a first-try success (spec §3 "Hooks and logging").
//!
//! Each test records events with its own thread-local subscriber, so tests running in
//! parallel never see each other's events.

mod attribute_support;

use std::sync::Mutex;

use attribute_support::LlmError;
use retry_runtime::retry;
use tracing::Level;

use tests_integration::capture::{Capture, giving_up, retrying};

// Without `log`, each retry warns once with the function, attempt, delay and error (as
// Display), and giving up is one ERROR.
#[tokio::test(start_paused = true)]
async fn default_log_warns_per_retry_and_errors_on_give_up() {
    #[retry(stop = attempts(3), wait = fixed(2s))]
    async fn down(attempt: &Mutex<u32>) -> Result<(), LlmError> {
        let mut n = attempt.lock().unwrap();
        *n += 1;
        Err(LlmError::Overload(*n))
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert!(down(&Mutex::new(0)).await.is_err());
    let f = "attribute_log::down";
    assert_eq!(
        capture.events(),
        [
            retrying(Level::WARN, f, 1, "2s", "overloaded (attempt 1)"),
            retrying(Level::WARN, f, 2, "2s", "overloaded (attempt 2)"),
            giving_up(Level::ERROR, f, 3, "overloaded (attempt 3)"),
        ]
    );
}

// `log = warn` written out is the default.
#[tokio::test(start_paused = true)]
async fn log_warn_is_the_default_written_out() {
    #[retry(stop = attempts(3), wait = none, log = warn)]
    async fn down() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert!(down().await.is_err());
    let f = "attribute_log::down";
    assert_eq!(
        capture.events(),
        [
            retrying(Level::WARN, f, 1, "0ns", "rate limited"),
            retrying(Level::WARN, f, 2, "0ns", "rate limited"),
            giving_up(Level::ERROR, f, 3, "rate limited"),
        ]
    );
}

// `log = debug`: retries at DEBUG, giving up one level higher, at INFO.
#[tokio::test(start_paused = true)]
async fn log_debug_retries_at_debug_and_gives_up_at_info() {
    #[retry(stop = attempts(3), wait = fixed(1s), log = debug)]
    async fn down() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert!(down().await.is_err());
    let f = "attribute_log::down";
    assert_eq!(
        capture.events(),
        [
            retrying(Level::DEBUG, f, 1, "1s", "rate limited"),
            retrying(Level::DEBUG, f, 2, "1s", "rate limited"),
            giving_up(Level::INFO, f, 3, "rate limited"),
        ]
    );
}

// The other levels follow the same rule; ERROR has nothing above it.
#[tokio::test(start_paused = true)]
async fn every_level_gives_up_one_level_higher() {
    #[retry(stop = attempts(2), wait = none, log = trace)]
    async fn trace() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    #[retry(stop = attempts(2), wait = none, log = info)]
    async fn info() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    #[retry(stop = attempts(2), wait = none, log = error)]
    async fn error() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    /// Records one call's event levels.
    macro_rules! levels_of {
        ($call:expr) => {{
            let capture = Capture::default();
            let guard = capture.install();
            assert!($call.await.is_err());
            drop(guard);
            capture.levels()
        }};
    }
    assert_eq!(levels_of!(trace()), [Level::TRACE, Level::DEBUG]);
    assert_eq!(levels_of!(info()), [Level::INFO, Level::WARN]);
    assert_eq!(levels_of!(error()), [Level::ERROR, Level::ERROR]);
}

// `log = off` silences both kinds of event.
#[tokio::test(start_paused = true)]
async fn log_off_emits_nothing() {
    #[retry(stop = attempts(3), wait = fixed(1s), log = off)]
    async fn down() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert!(down().await.is_err());
    assert_eq!(capture.events(), []);
}

// A first-try success emits nothing, whatever the level.
#[tokio::test(start_paused = true)]
async fn first_try_success_emits_nothing() {
    #[retry(stop = attempts(3), wait = fixed(1s))]
    async fn fine() -> Result<u32, LlmError> {
        Ok(1)
    }
    #[retry(stop = attempts(3), wait = fixed(1s), log = trace)]
    async fn fine_traced() -> Result<u32, LlmError> {
        Ok(1)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert_eq!(fine().await, Ok(1));
    assert_eq!(fine_traced().await, Ok(1));
    assert_eq!(capture.events(), []);
}

// A success after one retry: one WARN for the retry, and no give-up event.
#[tokio::test(start_paused = true)]
async fn late_success_emits_one_event_per_retry_only() {
    #[retry(stop = attempts(3), wait = fixed(1s))]
    async fn flaky(attempt: &Mutex<u32>) -> Result<u32, LlmError> {
        let mut n = attempt.lock().unwrap();
        *n += 1;
        if *n == 1 { Err(LlmError::RateLimit) } else { Ok(*n) }
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert_eq!(flaky(&Mutex::new(0)).await, Ok(2));
    assert_eq!(capture.events(), [retrying(Level::WARN, "attribute_log::flaky", 1, "1s", "rate limited")]);
}

// An error that is not retried is the call's answer, not a retry or a give-up: silent.
#[tokio::test(start_paused = true)]
async fn error_not_retried_emits_nothing() {
    #[retry(stop = attempts(3), wait = fixed(1s), on = RateLimit)]
    async fn bad() -> Result<u32, LlmError> {
        Err(LlmError::BadRequest)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert_eq!(bad().await, Err(LlmError::BadRequest));
    assert_eq!(capture.events(), []);
}

// An error type without `Display` is described with `Debug`; one with neither still logs.
#[tokio::test(start_paused = true)]
async fn error_without_display_is_described_by_debug_or_a_placeholder() {
    #[derive(Debug)]
    #[allow(dead_code)] // read only through `Debug`
    struct DebugOnly {
        code: u8,
    }
    struct Neither;
    #[retry(stop = attempts(2), wait = none)]
    async fn debug_only() -> Result<(), DebugOnly> {
        Err(DebugOnly { code: 7 })
    }
    #[retry(stop = attempts(2), wait = none)]
    async fn neither() -> Result<(), Neither> {
        Err(Neither)
    }
    let capture = Capture::default();
    let guard = capture.install();
    assert!(debug_only().await.is_err());
    assert!(neither().await.is_err());
    drop(guard);
    let errors: Vec<String> = capture.events().iter().map(|e| e.fields["error"].clone()).collect();
    let placeholder = "<error without Display or Debug>";
    assert_eq!(errors, ["DebugOnly { code: 7 }", "DebugOnly { code: 7 }", placeholder, placeholder]);
}

// A rejected `Ok` is logged like an error, with a description that says why.
#[tokio::test(start_paused = true)]
async fn rejected_ok_is_logged_as_rejected_by_when_ok() {
    #[retry(stop = attempts(2), wait = none, when_ok = |n| *n == 0)]
    async fn empty() -> Result<u32, LlmError> {
        Ok(0)
    }
    let capture = Capture::default();
    let _guard = capture.install();
    assert_eq!(empty().await, Ok(0));
    let f = "attribute_log::empty";
    let why = "value rejected by `when_ok`";
    assert_eq!(capture.events(), [retrying(Level::WARN, f, 1, "0ns", why), giving_up(Level::ERROR, f, 2, why),]);
}

// Hooks keep the default events (they once turned them off silently, so a hook added for
// metrics lost the log); `log = off` beside a hook silences them.
#[tokio::test(start_paused = true)]
async fn hooks_keep_the_default_events_unless_log_is_off() {
    #[retry(stop = attempts(2), wait = none, after = |_| ())]
    async fn hooked() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    #[retry(stop = attempts(2), wait = none, after = |_| (), log = off)]
    async fn hooked_and_silenced() -> Result<(), LlmError> {
        Err(LlmError::RateLimit)
    }
    let capture = Capture::default();
    let guard = capture.install();
    assert!(hooked().await.is_err());
    assert_eq!(capture.levels(), [Level::WARN, Level::ERROR]);
    assert!(hooked_and_silenced().await.is_err());
    drop(guard);
    assert_eq!(capture.levels(), [Level::WARN, Level::ERROR], "nothing more with `log = off`");
}

// The fallback's run is in the log: once it said nothing, so the log ended at "giving up".
#[tokio::test(start_paused = true)]
async fn the_fallback_s_run_has_its_own_event() {
    #[retry(stop = attempts(2), wait = none, fallback = backup)]
    async fn primary() -> Result<u32, LlmError> {
        Err(LlmError::RateLimit)
    }
    async fn backup() -> Result<u32, LlmError> {
        Ok(9)
    }
    let capture = Capture::default();
    let guard = capture.install();
    assert_eq!(primary().await, Ok(9));
    drop(guard);
    let events = capture.events();
    assert_eq!(events.len(), 3, "{events:?}");
    let last = &events[2];
    assert_eq!(last.level, Level::ERROR);
    assert_eq!(last.fields["message"], "gave up; calling the fallback");
    assert_eq!(last.fields["attempt"], "2");
}
