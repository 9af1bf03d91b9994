//! `on` / `unless` / `when` / `when_ok` through the attribute: which outcomes are retried
//! (spec §3 "on / unless / when"). Each test counts the attempts a given outcome gets:
//! three when it is retried (`attempts(3)`), one when it is returned at once.

mod attribute_support;

use attribute_support::{Attempts, LlmError, secs};
use retry_runtime::retry;
use tokio::time::Instant;

use LlmError::{BadRequest, Http, Overload, RateLimit, Status};

/// Runs `call` with a fresh log and returns how many attempts it made.
macro_rules! attempts_for {
    ($function:ident, $error:expr) => {{
        let log = Attempts::new();
        let error = $error;
        assert_eq!($function(&log, error.clone()).await, Err(error));
        log.count()
    }};
}

fn http(status: u16) -> LlmError {
    Http { status, attempt: 0 }
}

// Bare variant names match their variant whatever its shape: unit, tuple and struct.
#[tokio::test(start_paused = true)]
async fn on_bare_names_match_unit_tuple_and_struct_variants() {
    #[retry(stop = attempts(3), wait = none, on = RateLimit | Overload | Http)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, RateLimit), 3);
    assert_eq!(attempts_for!(call, Overload(7)), 3);
    assert_eq!(attempts_for!(call, http(503)), 3);
    assert_eq!(attempts_for!(call, BadRequest), 1);
    assert_eq!(attempts_for!(call, Status(503)), 1);
}

// A bare name is qualified by the function's error type, so it never becomes a binding
// that silently matches every error, even where the variant is not imported.
#[tokio::test(start_paused = true)]
async fn on_bare_name_is_never_a_catch_all_binding() {
    mod api {
        #[derive(Debug, Clone, PartialEq)]
        pub(crate) enum ApiError {
            Busy,
            Gone,
        }
    }
    #[retry(stop = attempts(3), wait = none, on = Busy)]
    async fn call(log: &Attempts, error: api::ApiError) -> Result<(), api::ApiError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, api::ApiError::Busy), 3);
    assert_eq!(attempts_for!(call, api::ApiError::Gone), 1);
}

// Qualified paths name variants the same way, whatever their fields.
#[tokio::test(start_paused = true)]
async fn on_qualified_paths_match_their_variants() {
    #[retry(stop = attempts(3), wait = none, on = LlmError::RateLimit | LlmError::Http)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, RateLimit), 3);
    assert_eq!(attempts_for!(call, http(400)), 3);
    assert_eq!(attempts_for!(call, Overload(1)), 1);
}

// A full pattern with a range retries only the values inside it.
#[tokio::test(start_paused = true)]
async fn on_a_range_pattern_retries_only_values_in_range() {
    #[retry(stop = attempts(3), wait = none, on = LlmError::Status(500..=599))]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, Status(500)), 3);
    assert_eq!(attempts_for!(call, Status(599)), 3);
    assert_eq!(attempts_for!(call, Status(404)), 1);
    assert_eq!(attempts_for!(call, Status(600)), 1);
    assert_eq!(attempts_for!(call, RateLimit), 1);
}

// A struct pattern with a field value, next to a bare name, in one `on`.
#[tokio::test(start_paused = true)]
async fn on_struct_patterns_and_bare_names_mix() {
    #[retry(stop = attempts(3), wait = none, on = LlmError::Http { status: 429, .. } | Overload)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, http(429)), 3);
    assert_eq!(attempts_for!(call, Overload(2)), 3);
    assert_eq!(attempts_for!(call, http(500)), 1);
}

// An error that is not retried is returned at once: no sleep, even with a long wait.
#[tokio::test(start_paused = true)]
async fn an_error_not_retried_returns_without_sleeping() {
    #[retry(stop = attempts(3), wait = fixed(30s), on = RateLimit)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    let start = Instant::now();
    assert_eq!(attempts_for!(call, BadRequest), 1);
    assert_eq!(start.elapsed(), secs(0));
}

// `unless` retries every error except the ones listed (names and patterns alike).
#[tokio::test(start_paused = true)]
async fn unless_retries_everything_but_the_listed_errors() {
    #[retry(stop = attempts(3), wait = none, unless = BadRequest | LlmError::Status(400..=499))]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, BadRequest), 1);
    assert_eq!(attempts_for!(call, Status(404)), 1);
    assert_eq!(attempts_for!(call, Status(503)), 3);
    assert_eq!(attempts_for!(call, RateLimit), 3);
    assert_eq!(attempts_for!(call, http(400)), 3);
}

// `when` takes a closure; its parameter type comes from the function's error type.
#[tokio::test(start_paused = true)]
async fn when_closure_decides_with_an_inferred_parameter() {
    #[retry(stop = attempts(3), wait = none, when = |e| e.is_transient())]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, Status(503)), 3);
    assert_eq!(attempts_for!(call, RateLimit), 3);
    assert_eq!(attempts_for!(call, Status(404)), 1);
    assert_eq!(attempts_for!(call, BadRequest), 1);
}

// `when` takes a method path such as `LlmError::is_transient`.
#[tokio::test(start_paused = true)]
async fn when_method_path_decides() {
    #[retry(stop = attempts(3), wait = none, when = LlmError::is_transient)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, Overload(1)), 3);
    assert_eq!(attempts_for!(call, http(502)), 3);
    assert_eq!(attempts_for!(call, http(401)), 1);
}

// `on` with `when`: an error is retried only when both agree.
#[tokio::test(start_paused = true)]
async fn on_and_when_must_both_hold() {
    #[retry(stop = attempts(3), wait = none, on = Overload | Status, when = |e| e.is_transient())]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, Overload(1)), 3, "on and when");
    assert_eq!(attempts_for!(call, Status(503)), 3, "on and when");
    assert_eq!(attempts_for!(call, Status(404)), 1, "on only");
    assert_eq!(attempts_for!(call, RateLimit), 1, "when only");
}

// `unless` with `when`: retried when not excluded and `when` agrees.
#[tokio::test(start_paused = true)]
async fn unless_and_when_must_both_hold() {
    #[retry(stop = attempts(3), wait = none, unless = RateLimit, when = LlmError::is_transient)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    assert_eq!(attempts_for!(call, Overload(1)), 3);
    assert_eq!(attempts_for!(call, RateLimit), 1);
    assert_eq!(attempts_for!(call, BadRequest), 1);
}

/// A reply whose text may come back empty.
#[derive(Debug, Clone, PartialEq)]
struct Reply {
    attempt: u32,
    text: &'static str,
}

// `when_ok` retries an `Ok` value it rejects, until one passes.
#[tokio::test(start_paused = true)]
async fn when_ok_retries_a_rejected_value_until_one_passes() {
    #[retry(stop = attempts(5), wait = fixed(1s), when_ok = |n| *n < 3)]
    async fn count(log: &Attempts) -> Result<u32, LlmError> {
        Ok(log.begin())
    }
    let log = Attempts::new();
    assert_eq!(count(&log).await, Ok(3));
    assert_eq!(log.offsets(), [0, 1, 2].map(secs), "rejected values wait like errors");
}

// When attempts run out on rejected values, the last `Ok` is returned as it is.
#[tokio::test(start_paused = true)]
async fn when_ok_returns_the_last_ok_unchanged_when_attempts_run_out() {
    #[retry(stop = attempts(3), wait = none, when_ok = |r: &Reply| r.text.is_empty())]
    async fn ask(log: &Attempts) -> Result<Reply, LlmError> {
        Ok(Reply { attempt: log.begin(), text: "" })
    }
    let log = Attempts::new();
    assert_eq!(ask(&log).await, Ok(Reply { attempt: 3, text: "" }));
    assert_eq!(log.count(), 3);
}

// `when_ok` adds to error retries, it does not replace them: an error, then a rejected
// value, then a good one.
#[tokio::test(start_paused = true)]
async fn when_ok_and_errors_are_both_retried() {
    #[retry(stop = attempts(5), wait = none, when_ok = |r: &Reply| r.text.is_empty())]
    async fn ask(log: &Attempts) -> Result<Reply, LlmError> {
        match log.begin() {
            1 => Err(RateLimit),
            2 => Ok(Reply { attempt: 2, text: "" }),
            n => Ok(Reply { attempt: n, text: "hello" }),
        }
    }
    let log = Attempts::new();
    assert_eq!(ask(&log).await, Ok(Reply { attempt: 3, text: "hello" }));
}

// `when_ok` beside `on`: an error outside `on` is still returned at once.
#[tokio::test(start_paused = true)]
async fn when_ok_keeps_the_error_filter() {
    #[retry(stop = attempts(5), wait = none, on = RateLimit, when_ok = |n| *n == 0)]
    async fn call(log: &Attempts, error: LlmError) -> Result<u32, LlmError> {
        log.begin();
        Err(error)
    }
    let log = Attempts::new();
    assert_eq!(call(&log, BadRequest).await, Err(BadRequest));
    assert_eq!(log.count(), 1);
}
