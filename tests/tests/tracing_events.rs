//! The default `tracing` events (spec §3 "Hooks and logging"): one per retry at the
//! policy's level, one a level higher on giving up, none on a first-try success.
//!
//! Every test installs its own thread-local subscriber that records events, so tests in
//! this file run in parallel without seeing each other's events.

use std::time::Duration;

use retry_runtime::stop::attempts;
use retry_runtime::wait::{fixed, none};
use retry_runtime::{LogLevel, RetryPolicy, RetryState};
use tracing::Level;

use tests_integration::capture::{Capture, giving_up, retrying};

/// Runs a call of `policy` whose attempts fail with "down N" until attempt `ok_at`.
macro_rules! run {
    ($policy:expr, ok_at = $ok_at:expr) => {{
        let mut n = 0u32;
        $policy
            .retry(|| {
                n += 1;
                let a = n;
                async move { if a >= $ok_at { Ok(a) } else { Err(format!("down {a}")) } }
            })
            .await
    }};
}

// The default: one WARN event per retry with function, attempt, delay and error (the value
// form formats it with `Debug`, which every error type has), and one
// ERROR event when the call gives up.
#[tokio::test(start_paused = true)]
async fn each_retry_emits_one_warn_event_and_giving_up_one_error_event() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder()
        .name("app::fetch")
        .stop(attempts(3))
        .wait(fixed(Duration::from_millis(1500)))
        .build()
        .unwrap();
    let out = run!(policy, ok_at = u32::MAX);
    assert_eq!(out, Err("down 3".to_owned()));
    assert_eq!(
        capture.events(),
        [
            retrying(Level::WARN, "app::fetch", 1, "1.5s", "\"down 1\""),
            retrying(Level::WARN, "app::fetch", 2, "1.5s", "\"down 2\""),
            giving_up(Level::ERROR, "app::fetch", 3, "\"down 3\""),
        ]
    );
}

// A first-try success emits nothing at all.
#[tokio::test(start_paused = true)]
async fn first_try_success_emits_no_event() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().build().unwrap();
    assert_eq!(run!(policy, ok_at = 1), Ok(1));
    assert_eq!(capture.events(), []);
}

// A success after retries emits the retry events and no give-up event.
#[tokio::test(start_paused = true)]
async fn success_after_retries_emits_only_the_retry_events() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(5)).wait(fixed(Duration::from_secs(2))).build().unwrap();
    assert_eq!(run!(policy, ok_at = 3), Ok(3));
    assert_eq!(
        capture.events(),
        [retrying(Level::WARN, "retry", 1, "2s", "\"down 1\""), retrying(Level::WARN, "retry", 2, "2s", "\"down 2\""),]
    );
}

// `log(LogLevel::Off)` silences both kinds of event.
#[tokio::test(start_paused = true)]
async fn log_off_silences_every_event() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).log(LogLevel::Off).build().unwrap();
    assert!(run!(policy, ok_at = u32::MAX).is_err());
    assert_eq!(capture.events(), []);
}

// An error the policy does not retry is neither a retry nor a give-up: no event.
#[tokio::test(start_paused = true)]
async fn non_retryable_error_emits_no_event() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().when(|e: &String| e.contains("busy")).build().unwrap();
    assert_eq!(run!(policy, ok_at = u32::MAX), Err("down 1".to_owned()));
    assert_eq!(capture.events(), []);
}

// The level chosen is the retry events' level; giving up is one level higher, and
// `Error` stays `Error`.
#[tokio::test(start_paused = true)]
async fn log_level_sets_retry_events_and_giving_up_is_one_higher() {
    for (level, retry_level, give_up_level) in [
        (LogLevel::Trace, Level::TRACE, Level::DEBUG),
        (LogLevel::Debug, Level::DEBUG, Level::INFO),
        (LogLevel::Info, Level::INFO, Level::WARN),
        (LogLevel::Warn, Level::WARN, Level::ERROR),
        (LogLevel::Error, Level::ERROR, Level::ERROR),
    ] {
        let capture = Capture::default();
        let _guard = capture.install();
        let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).log(level).build().unwrap();
        assert!(run!(policy, ok_at = u32::MAX).is_err());
        assert_eq!(
            capture.events(),
            [
                retrying(retry_level, "retry", 1, "0ns", "\"down 1\""),
                giving_up(give_up_level, "retry", 2, "\"down 2\""),
            ],
            "{level:?}"
        );
    }
}

// Hooks keep the default events; `LogLevel::Off` beside a hook silences them.
#[tokio::test(start_paused = true)]
async fn hooks_keep_default_events_unless_the_level_is_off() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(none())
        .after(|_: &RetryState<'_, u32, String>| {})
        .build()
        .unwrap();
    assert!(run!(policy, ok_at = u32::MAX).is_err());
    assert_eq!(capture.events().len(), 2);

    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(none())
        .after(|_: &RetryState<'_, u32, String>| {})
        .log(LogLevel::Off)
        .build()
        .unwrap();
    assert!(run!(policy, ok_at = u32::MAX).is_err());
    assert_eq!(capture.events().len(), 2, "nothing more with the level off");
}

// A retried `Ok` has no error to show: the event says `when_ok` rejected the value.
#[tokio::test(start_paused = true)]
async fn rejected_value_is_described_in_the_events() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).when_ok(|_: &u32| true).build().unwrap();
    assert_eq!(run!(policy, ok_at = 1), Ok(2));
    let rejected = "value rejected by `when_ok`";
    assert_eq!(
        capture.events(),
        [retrying(Level::WARN, "retry", 1, "0ns", rejected), giving_up(Level::ERROR, "retry", 2, rejected),]
    );
}

// The blocking path emits the same events.
#[test]
fn retry_blocking_emits_the_same_events() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(2)).wait(fixed(Duration::from_millis(1))).build().unwrap();
    let out: Result<(), String> = policy.retry_blocking(|| Err("io".to_owned()));
    assert!(out.is_err());
    assert_eq!(
        capture.events(),
        [retrying(Level::WARN, "retry", 1, "1ms", "\"io\""), giving_up(Level::ERROR, "retry", 2, "\"io\""),]
    );
}

// Spec §11: an outer layer that does not retry what a nested layer gave up on says why.
#[tokio::test(start_paused = true)]
async fn an_outer_layer_that_skips_a_nested_give_up_names_the_reason() {
    let capture = Capture::default();
    let _guard = capture.install();
    let layer = |name| RetryPolicy::builder().name(name).stop(attempts(3)).wait(none()).build().unwrap();
    let (outer, inner) = (layer("outer"), layer("inner"));
    let _: Result<(), String> = outer.retry(|| inner.retry(|| async { Err("down".to_owned()) })).await;
    let give_ups: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|e| e.fields.get("message").is_some_and(|m| m == "giving up"))
        .map(|e| (e.level, e.fields["function"].clone(), e.fields["attempt"].clone(), e.fields["reason"].clone()))
        .collect();
    assert_eq!(
        give_ups,
        [
            (Level::ERROR, "inner".to_owned(), "3".to_owned(), "the stop condition is met".to_owned()),
            (
                Level::ERROR,
                "outer".to_owned(),
                "1".to_owned(),
                "a nested retry layer already retried and gave up".to_owned()
            ),
        ]
    );
}

/// An error type with `Debug` and no `Display`, as the README's `LlmError`.
#[derive(Debug, Clone, PartialEq)]
enum DebugOnly {
    Overload(u16),
}

// The value form takes any error the attribute takes (`Debug` is enough; it once asked for
// `Display`, which the README's own error type lacks), and logs it with `Debug`.
#[tokio::test(start_paused = true)]
async fn value_form_takes_an_error_with_only_debug() {
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(2)).wait(fixed(Duration::from_millis(1))).build().unwrap();
    let out: Result<(), DebugOnly> = policy.retry(|| async { Err(DebugOnly::Overload(529)) }).await;
    assert_eq!(out, Err(DebugOnly::Overload(529)));
    let blocking: Result<(), DebugOnly> = policy.retry_blocking(|| Err(DebugOnly::Overload(503)));
    assert_eq!(blocking, Err(DebugOnly::Overload(503)));
    assert_eq!(
        capture.events(),
        [
            retrying(Level::WARN, "retry", 1, "1ms", "Overload(529)"),
            giving_up(Level::ERROR, "retry", 2, "Overload(529)"),
            retrying(Level::WARN, "retry", 1, "1ms", "Overload(503)"),
            giving_up(Level::ERROR, "retry", 2, "Overload(503)"),
        ]
    );
}

// A call refused before any attempt ran reports `attempt = 0`, not an attempt that never
// ran; a server delay past the deadline says so, not "the stop condition is met".
#[tokio::test(start_paused = true)]
async fn give_ups_report_the_attempts_that_ran_and_the_server_s_delay() {
    static OPEN: retry_runtime::CircuitBreaker = retry_runtime::CircuitBreaker::consecutive(1, Duration::from_secs(30));
    OPEN.isolate();
    #[derive(Debug, PartialEq)]
    struct Refused;
    impl From<retry_runtime::CircuitOpen> for Refused {
        fn from(_: retry_runtime::CircuitOpen) -> Self {
            Refused
        }
    }
    let capture = Capture::default();
    let _guard = capture.install();
    let policy = RetryPolicy::builder().stop(attempts(3)).breaker(&OPEN).build().unwrap();
    let out: Result<(), Refused> = policy.retry(|| async { Ok(()) }).await;
    assert_eq!(out, Err(Refused));
    let events = capture.events();
    assert_eq!(events[0].fields["attempt"], "0");
    assert_eq!(events[0].fields["reason"], "circuit breaker is open");

    let policy = RetryPolicy::builder()
        .stop(attempts(5) | retry_runtime::stop::deadline(Duration::from_secs(10)))
        .wait(none())
        .retry_after(|_: &String| Some(Duration::from_secs(60)))
        .retry_after_max(Duration::from_secs(120))
        .build()
        .unwrap();
    let out: Result<(), String> = policy.retry(|| async { Err("slow down".to_owned()) }).await;
    assert!(out.is_err());
    let events = capture.events();
    assert_eq!(events.last().unwrap().fields["reason"], "the server asked for a delay past the deadline");
}
