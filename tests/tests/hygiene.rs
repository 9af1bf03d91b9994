//! The expansion is hygienic: it names only absolute paths, honours `crate = …`, and trips
//! no lint of rustc or clippy's pedantic group (`.ci/run` runs clippy with `--all-targets`,
//! so these `deny`s are checked there). `core` is shadowed by a module, and `retry_runtime`
//! names `std`, so a path the expansion did not take from `crate = …` or write as `::core`
//! fails to resolve.
#![deny(warnings, clippy::all, clippy::pedantic, unused_qualifications)]

pub extern crate retry_runtime as renamed_retry;
extern crate std as retry_runtime;

#[allow(dead_code)]
mod core {}

use renamed_retry::{Elapsed, RetryState, retry};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
enum LlmError {
    RateLimit,
    Overload(u16),
    BadRequest { message: String },
    TimedOut,
}

impl From<Elapsed> for LlmError {
    fn from(_: Elapsed) -> Self {
        LlmError::TimedOut
    }
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl LlmError {
    fn server_delay(&self) -> Option<Duration> {
        matches!(self, LlmError::RateLimit).then_some(Duration::from_secs(1))
    }
}

const PAUSE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
struct Client {
    calls: std::sync::Arc<AtomicU32>,
}

impl Client {
    #[retry(
        crate = renamed_retry,
        stop = attempts(3) | elapsed(1m),
        wait = exponential(1, 60) + random(0, 250ms),
        on = RateLimit | LlmError::Overload(500..=599),
        when = |e| !matches!(e, LlmError::BadRequest { .. }),
        retry_after = LlmError::server_delay,
        retry_after_max = 30s,
        timeout = 10s,
        before = |s| assert!(s.attempt() >= 1),
        after = |s: &RetryState<'_, String, LlmError>| assert!(s.error().is_some()),
        before_sleep = |s| assert!(s.next_delay().is_some()),
        on_give_up = |s| assert!(s.attempt() <= 3),
        log = debug,
        state = state,
    )]
    async fn ask(&self, prompt: &str, (retries, _): (u32, u8)) -> Result<String, LlmError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < retries {
            return Err(LlmError::RateLimit);
        }
        Ok(format!("{prompt} after {}", state.attempt()))
    }

    #[retry(crate = renamed_retry, stop = attempts(2), wait = fixed(PAUSE), unless = BadRequest)]
    fn ask_blocking(mut self, mut tries: u32) -> Result<u32, LlmError> {
        tries += self.calls.fetch_add(1, Ordering::SeqCst);
        self.calls = std::sync::Arc::new(AtomicU32::new(tries));
        Ok(tries)
    }

    #[retry(crate = renamed_retry, wait = none, when_ok = |n: &u32| *n == 0)]
    fn counter(&mut self) -> Result<u32, LlmError> {
        Ok(self.calls.fetch_add(1, Ordering::SeqCst))
    }
}

#[retry(crate = renamed_retry, stop = never, wait = chain(fixed(1), fixed(2)))]
async fn generic<T: Clone + Send>(value: T, gate: &AtomicU32) -> Result<T, LlmError> {
    if gate.fetch_add(1, Ordering::SeqCst) == 0 { Err(LlmError::Overload(503)) } else { Ok(value) }
}

// The hedged expansion: its attempt maker, the state read per attempt, `policy = …` beside it.
#[retry(crate = renamed_retry, stop = attempts(3), wait = none, hedge = after(PAUSE), hedges = 2, state = state)]
async fn hedged<T: Clone + Send>(value: T, (first, _): (u32, u8), gate: &AtomicU32) -> Result<T, LlmError> {
    if gate.fetch_add(1, Ordering::SeqCst) < first && state.attempt() == 1 {
        std::future::pending::<()>().await;
    }
    Ok(value)
}

static SHARED: std::sync::LazyLock<renamed_retry::RetryPolicy> =
    std::sync::LazyLock::new(|| renamed_retry::RetryPolicy::builder().build().unwrap());

#[retry(crate = renamed_retry, policy = SHARED, hedge = after(1s))]
async fn hedged_shared(n: u64) -> Result<u64, LlmError> {
    Ok(n)
}

// A one-line body once warned `unused_braces` (the body's braces became an async block's
// tail), which breaks `-D warnings` builds; an unused `_x` parameter tripped clippy's
// `used_underscore_binding` where the expansion reads it.
#[retry(crate = renamed_retry, stop = attempts(2))]
async fn one_line() -> Result<u32, String> {
    Ok(1)
}

#[retry(crate = renamed_retry, stop = attempts(2), wait = none)]
async fn one_line_unused(_unused: u64, _out: &mut Vec<u8>) -> Result<u32, String> {
    Ok(2)
}

#[retry(crate = renamed_retry, stop = attempts(2), wait = none, fallback = plain_fallback)]
fn one_line_blocking(_unused: u64) -> Result<u32, String> {
    Err(String::new())
}

fn plain_fallback(unused: u64) -> Result<u32, String> {
    u32::try_from(unused).map_err(|e| e.to_string())
}

#[retry(crate = renamed_retry, stop = attempts(2), wait = none, hedge = after(1s))]
async fn one_line_hedged(_unused: u64) -> Result<u32, String> {
    Ok(3)
}

#[tokio::test(start_paused = true)]
async fn one_line_bodies_and_unused_parameters_compile_without_warnings() {
    assert_eq!(one_line().await, Ok(1));
    assert_eq!(one_line_unused(0, &mut Vec::new()).await, Ok(2));
    assert_eq!(one_line_blocking(7), Ok(7));
    assert_eq!(one_line_hedged(0).await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn annotated_code_compiles_without_lints_and_runs() {
    let client = Client { calls: std::sync::Arc::default() };
    assert_eq!(client.ask("hi", (2, 0)).await.unwrap(), "hi after 3");
    assert_eq!(client.clone().ask_blocking(1), Ok(4));
    let mut fresh = Client { calls: std::sync::Arc::default() };
    assert_eq!(fresh.counter(), Ok(1));
    let gate = AtomicU32::new(0);
    assert_eq!(generic("x", &gate).await, Ok("x"));
    let gate = AtomicU32::new(0);
    assert_eq!(hedged("y", (1, 0), &gate).await, Ok("y"));
    assert_eq!(hedged_shared(4).await, Ok(4));
    let permanent = LlmError::BadRequest { message: String::new() };
    assert_eq!(permanent.server_delay(), None);
}
