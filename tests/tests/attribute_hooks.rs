//! `before` / `after` / `before_sleep` / `on_give_up` and `state = NAME` through the
//! attribute: who is called when, and what each sees of the call (spec §3 "Hooks and
//! logging", "state"). Times are on tokio's paused clock, so they are exact.

mod attribute_support;

use std::sync::Mutex;
use std::time::Duration;

use attribute_support::{Attempts, LlmError, secs};
use retry_runtime::{RetryState, retry};

/// What one hook call saw.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    hook: &'static str,
    attempt: u32,
    elapsed: Duration,
    slept: Duration,
    next_delay: Option<Duration>,
    outcome: Option<Result<u32, LlmError>>,
}

fn note(seen: &Mutex<Vec<Seen>>, hook: &'static str, s: &RetryState<'_, u32, LlmError>) {
    seen.lock().unwrap().push(Seen {
        hook,
        attempt: s.attempt(),
        elapsed: s.elapsed(),
        slept: s.slept(),
        next_delay: s.next_delay(),
        outcome: s.outcome().cloned(),
    });
}

fn seen(
    hook: &'static str,
    attempt: u32,
    elapsed: u64,
    slept: u64,
    next_delay: Option<u64>,
    outcome: Option<Result<u32, LlmError>>,
) -> Seen {
    Seen { hook, attempt, elapsed: secs(elapsed), slept: secs(slept), next_delay: next_delay.map(secs), outcome }
}

fn overload(n: u32) -> Option<Result<u32, LlmError>> {
    Some(Err(LlmError::Overload(n)))
}

// Each hook runs at its moment and sees the attempt number, the time since the first
// attempt (attempt time included), the time slept so far and, before a sleep, its length.
#[tokio::test(start_paused = true)]
async fn hooks_see_attempt_elapsed_slept_and_next_delay() {
    #[retry(
        stop = attempts(3),
        wait = fixed(2s),
        before = |s| note(seen, "before", s),
        after = |s| note(seen, "after", s),
        before_sleep = |s| note(seen, "before_sleep", s),
        on_give_up = |s| note(seen, "on_give_up", s),
    )]
    async fn slow_and_down(log: &Attempts, seen: &Mutex<Vec<Seen>>) -> Result<u32, LlmError> {
        let n = log.begin();
        tokio::time::sleep(secs(1)).await;
        Err(LlmError::Overload(n))
    }
    let (log, calls) = (Attempts::new(), Mutex::default());
    assert_eq!(slow_and_down(&log, &calls).await, Err(LlmError::Overload(3)));
    assert_eq!(
        calls.into_inner().unwrap(),
        [
            seen("before", 1, 0, 0, None, None),
            seen("after", 1, 1, 0, None, overload(1)),
            seen("before_sleep", 1, 1, 0, Some(2), overload(1)),
            seen("before", 2, 3, 2, None, None),
            seen("after", 2, 4, 2, None, overload(2)),
            seen("before_sleep", 2, 4, 2, Some(2), overload(2)),
            seen("before", 3, 6, 4, None, None),
            seen("after", 3, 7, 4, None, overload(3)),
            seen("on_give_up", 3, 7, 4, None, overload(3)),
        ]
    );
}

// A call that succeeds after a retry never gives up: no `on_give_up`, and no `after` for
// the success.
#[tokio::test(start_paused = true)]
async fn hooks_on_a_late_success_skip_on_give_up() {
    #[retry(
        stop = attempts(3),
        wait = fixed(1s),
        before = |s| note(seen, "before", s),
        after = |s| note(seen, "after", s),
        before_sleep = |s| note(seen, "before_sleep", s),
        on_give_up = |s| note(seen, "on_give_up", s),
    )]
    async fn flaky(log: &Attempts, seen: &Mutex<Vec<Seen>>) -> Result<u32, LlmError> {
        match log.begin() {
            1 => Err(LlmError::Overload(1)),
            n => Ok(n),
        }
    }
    let (log, calls) = (Attempts::new(), Mutex::default());
    assert_eq!(flaky(&log, &calls).await, Ok(2));
    assert_eq!(
        calls.into_inner().unwrap(),
        [
            seen("before", 1, 0, 0, None, None),
            seen("after", 1, 0, 0, None, overload(1)),
            seen("before_sleep", 1, 0, 0, Some(1), overload(1)),
            seen("before", 2, 1, 1, None, None),
        ]
    );
}

// An error the call does not retry is returned as the answer, as in Tenacity: no
// `after`, no sleep, and no `on_give_up`, since nothing was given up.
#[tokio::test(start_paused = true)]
async fn hooks_on_an_error_not_retried_see_only_before() {
    #[retry(
        stop = attempts(3),
        wait = fixed(1s),
        on = Overload,
        before = |s| note(seen, "before", s),
        after = |s| note(seen, "after", s),
        before_sleep = |s| note(seen, "before_sleep", s),
        on_give_up = |s| note(seen, "on_give_up", s),
    )]
    async fn bad(seen: &Mutex<Vec<Seen>>) -> Result<u32, LlmError> {
        Err(LlmError::BadRequest)
    }
    let calls = Mutex::default();
    assert_eq!(bad(&calls).await, Err(LlmError::BadRequest));
    assert_eq!(calls.into_inner().unwrap(), [seen("before", 1, 0, 0, None, None)]);
}

// `on_give_up` runs once, with the rejected `Ok` when `when_ok` used up the attempts.
#[tokio::test(start_paused = true)]
async fn on_give_up_sees_the_last_rejected_ok() {
    #[retry(
        stop = attempts(2),
        wait = none,
        when_ok = |n| *n == 0,
        on_give_up = |s| note(seen, "on_give_up", s),
    )]
    async fn empty(seen: &Mutex<Vec<Seen>>) -> Result<u32, LlmError> {
        Ok(0)
    }
    let calls = Mutex::default();
    assert_eq!(empty(&calls).await, Ok(0));
    assert_eq!(calls.into_inner().unwrap(), [seen("on_give_up", 2, 0, 0, None, Some(Ok(0)))]);
}

static BEFORE: Mutex<Vec<(u32, &str)>> = Mutex::new(Vec::new());

fn note_before(s: &RetryState<'_, u32, LlmError>) {
    BEFORE.lock().unwrap().push((s.attempt(), s.function()));
}

// A hook may be a path to a function; the state names the function with its module.
#[tokio::test(start_paused = true)]
async fn hook_given_as_a_function_path_sees_the_function_name() {
    #[retry(stop = attempts(2), wait = none, before = note_before)]
    async fn named(log: &Attempts) -> Result<u32, LlmError> {
        Err(LlmError::Overload(log.begin()))
    }
    let log = Attempts::new();
    assert!(named(&log).await.is_err());
    let name = "attribute_hooks::named";
    assert_eq!(*BEFORE.lock().unwrap(), [(1, name), (2, name)]);
}

// `state = s` gives the body the attempt under way, the time since the first attempt
// and the time slept, and no outcome or next delay (the attempt is still running).
#[tokio::test(start_paused = true)]
async fn state_in_the_body_sees_the_attempt_under_way() {
    type Row = (u32, Duration, Duration, bool, Option<Duration>);
    #[retry(stop = attempts(3), wait = fixed(2s), state = s)]
    async fn observed(rows: &Mutex<Vec<Row>>) -> Result<u32, LlmError> {
        rows.lock().unwrap().push((s.attempt(), s.elapsed(), s.slept(), s.outcome().is_some(), s.next_delay()));
        Err(LlmError::Overload(s.attempt()))
    }
    let rows = Mutex::default();
    assert_eq!(observed(&rows).await, Err(LlmError::Overload(3)));
    assert_eq!(
        rows.into_inner().unwrap(),
        [(1, secs(0), secs(0), false, None), (2, secs(2), secs(2), false, None), (3, secs(4), secs(4), false, None),]
    );
}

// The use the state exists for (Tenacity #344): change the request on a retry, here by
// lowering the temperature until the answer parses.
#[tokio::test(start_paused = true)]
async fn state_lets_the_body_adapt_on_a_retry() {
    #[retry(stop = attempts(5), wait = none, state = s)]
    async fn ask(temperatures: &Mutex<Vec<f32>>) -> Result<f32, LlmError> {
        let temperature = 1.0 - 0.25 * (s.attempt() - 1) as f32;
        temperatures.lock().unwrap().push(temperature);
        if temperature > 0.5 { Err(LlmError::Overload(s.attempt())) } else { Ok(temperature) }
    }
    let temperatures = Mutex::default();
    assert_eq!(ask(&temperatures).await, Ok(0.5));
    assert_eq!(temperatures.into_inner().unwrap(), [1.0, 0.75, 0.5]);
}

// The body's state and the hooks agree on which attempt is which.
#[tokio::test(start_paused = true)]
async fn state_and_hooks_number_attempts_alike() {
    #[retry(
        stop = attempts(3),
        wait = none,
        state = s,
        before = |h| pairs.lock().unwrap().push(("before", h.attempt())),
        after = |h| pairs.lock().unwrap().push(("after", h.attempt())),
    )]
    async fn both(pairs: &Mutex<Vec<(&'static str, u32)>>) -> Result<u32, LlmError> {
        pairs.lock().unwrap().push(("body", s.attempt()));
        Err(LlmError::RateLimit)
    }
    let pairs = Mutex::default();
    assert!(both(&pairs).await.is_err());
    assert_eq!(
        pairs.into_inner().unwrap(),
        [
            ("before", 1),
            ("body", 1),
            ("after", 1),
            ("before", 2),
            ("body", 2),
            ("after", 2),
            ("before", 3),
            ("body", 3),
            ("after", 3),
        ]
    );
}

// A plain `fn` calls the same hooks in the same order, on the thread's clock.
#[test]
fn plain_fn_hooks_see_the_same_attempts() {
    #[retry(
        stop = attempts(2),
        wait = none,
        before = |s| note(seen, "before", s),
        after = |s| note(seen, "after", s),
        before_sleep = |s| note(seen, "before_sleep", s),
        on_give_up = |s| note(seen, "on_give_up", s),
    )]
    fn down(seen: &Mutex<Vec<Seen>>) -> Result<u32, LlmError> {
        Err(LlmError::RateLimit)
    }
    let calls = Mutex::default();
    assert_eq!(down(&calls), Err(LlmError::RateLimit));
    let calls: Vec<(&str, u32, Option<Duration>)> =
        calls.into_inner().unwrap().into_iter().map(|s| (s.hook, s.attempt, s.next_delay)).collect();
    assert_eq!(
        calls,
        [
            ("before", 1, None),
            ("after", 1, None),
            ("before_sleep", 1, Some(Duration::ZERO)),
            ("before", 2, None),
            ("after", 2, None),
            ("on_give_up", 2, None),
        ]
    );
}
