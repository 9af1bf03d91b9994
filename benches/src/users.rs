//! The user's view: every way of retrying one operation, called as a service calls it.
//!
//! The operation is an `#[inline(never)]` `async fn` whose work is an `#[inline(never)]`
//! function touching memory (a [`Service`]'s `Cell` counters), so no variant can fold it
//! away; each call is awaited inside one `block_on` of a real current-thread tokio runtime,
//! many calls to a sample. Three paths, each with the same variants beside each other:
//!
//! - `success`: the first attempt succeeds;
//! - `retry`: three failures, then a success, with no wait between attempts (`wait = none`;
//!   the hand-written loop does not sleep, or, as `hand_loop_sleep0`, awaits
//!   `tokio::time::sleep(Duration::ZERO)` as a loop written around a delay of zero does);
//! - `paused`: the same four attempts on the design card's `exp_jitter(1, 60, 5)`, slept on
//!   tokio's paused clock (the runtime advances it when idle, so the real timer and the
//!   real scheduler run, and no wall time passes);
//! - `blocking`: a plain `fn`, success and retry without waits.
//!
//! [`time_all`] is the timing harness (`cargo bench -p benches --bench users_view`);
//! [`count`] runs one case for callgrind (`examples/users_count.rs`). BENCHMARKS.md gives
//! the commands and the figures.

use core::cell::Cell;
use core::hint::black_box;
use core::time::Duration;
use std::time::Instant;

use backon::{BlockingRetryable, ConstantBuilder, ExponentialBuilder, Retryable};
use rand::Rng;
use retry_runtime::retry;
use tokio_retry2::strategy::{ExponentialBackoff, FixedInterval, jitter};
use tokio_retry2::{Retry, RetryError};

use crate::{ATTEMPTS, LlmError};

/// The remote end: how many calls it has seen, and how many it will still fail.
#[derive(Debug, Default)]
pub struct Service {
    calls: Cell<u64>,
    failures_left: Cell<u32>,
}

impl Service {
    /// A service that fails the next `failures` calls with `RateLimit`.
    pub fn failing(failures: u32) -> Self {
        Self { calls: Cell::new(0), failures_left: Cell::new(failures) }
    }

    /// Makes the service fail the next `failures` calls.
    pub fn fail_next(&self, failures: u32) {
        self.failures_left.set(failures);
    }

    /// Calls seen so far.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }
}

/// One attempt's work, which the compiler cannot see through.
#[inline(never)]
pub fn serve(service: &Service, x: u64) -> Result<u64, LlmError> {
    let calls = service.calls.get() + 1;
    service.calls.set(calls);
    let left = service.failures_left.get();
    if left > 0 {
        service.failures_left.set(left - 1);
        return Err(LlmError::RateLimit);
    }
    Ok(x ^ calls)
}

/// The operation: one attempt.
#[inline(never)]
pub async fn call(service: &Service, x: u64) -> Result<u64, LlmError> {
    serve(service, x)
}

fn transient(e: &LlmError) -> bool {
    matches!(e, LlmError::RateLimit | LlmError::Overload)
}

/// The loop a user writes by hand for the design card's policy, on tokio's timer: the jitter
/// from the thread's generator, as `rand` recommends.
pub async fn hand_loop(service: &Service, x: u64) -> Result<u64, LlmError> {
    let mut n = 1;
    loop {
        match call(service, x).await {
            Err(e) if transient(&e) && n < ATTEMPTS => {
                let base = Duration::from_secs(1).saturating_mul(1 << (n - 1)).min(Duration::from_secs(60));
                let jitter = Duration::from_nanos(rand::rng().random_range(0..=5_000_000_000));
                tokio::time::sleep(base.saturating_add(jitter).min(Duration::from_secs(60))).await;
                n += 1;
            }
            outcome => return outcome,
        }
    }
}

/// The hand-written loop with no wait between attempts.
pub async fn hand_loop_no_wait(service: &Service, x: u64) -> Result<u64, LlmError> {
    let mut n = 1;
    loop {
        match call(service, x).await {
            Err(e) if transient(&e) && n < ATTEMPTS => n += 1,
            outcome => return outcome,
        }
    }
}

/// The hand-written loop around a delay of zero: `tokio::time::sleep(Duration::ZERO)`.
pub async fn hand_loop_sleep0(service: &Service, x: u64) -> Result<u64, LlmError> {
    let mut n = 1;
    loop {
        match call(service, x).await {
            Err(e) if transient(&e) && n < ATTEMPTS => {
                tokio::time::sleep(Duration::ZERO).await;
                n += 1;
            }
            outcome => return outcome,
        }
    }
}

/// The design card's attribute.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
pub async fn retried(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// The design card's attribute with no wait.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload)]
pub async fn retried_no_wait(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// The guards the features measure, each with room to spare: the breaker never opens on
/// three failures in a row, the budget holds more retries than a run makes, the limiter never
/// makes a call wait, the bulkhead is never full, and the hedge's delay never passes.
pub mod guards {
    use core::time::Duration;

    use retry_runtime::{Bulkhead, CircuitBreaker, RateLimiter, RetryBudget};

    /// The breaker beside the budget.
    pub static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));
    /// A token bucket the runs never empty: a billion retries of one token each (a call
    /// that succeeds after three retries gets back only its last one's).
    pub static BUDGET: RetryBudget = RetryBudget::token_bucket(1_000_000_000, 1, 1, 1);
    /// GCRA at a billion attempts a second.
    pub static LIMITER: RateLimiter = RateLimiter::per_second(1_000_000_000);
    /// The AWS SDKs' adaptive limiter, which paces nothing until a throttle.
    pub static ADAPTIVE: RateLimiter = RateLimiter::adaptive();
    /// A bulkhead of a thousand places.
    pub static BULKHEAD: Bulkhead = Bulkhead::new(1000);
}

/// `retried_no_wait` with a breaker and a budget.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload, breaker = guards::BREAKER, budget = guards::BUDGET)]
pub async fn with_breaker_budget(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// `retried_no_wait` with a GCRA limiter (`per_second`).
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload, limiter = guards::LIMITER)]
pub async fn with_limiter(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// `retried_no_wait` with the adaptive limiter.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload, limiter = guards::ADAPTIVE)]
pub async fn with_adaptive(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// `retried_no_wait` with a bulkhead.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload, bulkhead = guards::BULKHEAD)]
pub async fn with_bulkhead(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// `retried_no_wait` with a hedge after 1 s, which no attempt here lasts.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload, hedge = after(1s))]
pub async fn with_hedge(service: &Service, x: u64) -> Result<u64, LlmError> {
    call(service, x).await
}

/// backon 1.6 for the design card's policy, on its tokio sleeper.
pub async fn backon(service: &Service, x: u64) -> Result<u64, LlmError> {
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(60))
        .with_max_times(4)
        .with_jitter();
    (|| call(service, x)).retry(backoff).when(transient).await
}

/// backon with a delay of zero.
pub async fn backon_no_wait(service: &Service, x: u64) -> Result<u64, LlmError> {
    let backoff = ConstantBuilder::default().with_delay(Duration::ZERO).with_max_times(4);
    (|| call(service, x)).retry(backoff).when(transient).await
}

fn marked(outcome: Result<u64, LlmError>) -> Result<u64, RetryError<LlmError>> {
    outcome.map_err(|e| if transient(&e) { RetryError::transient(e) } else { RetryError::permanent(e) })
}

/// tokio-retry2 0.9 for the design card's policy: the schedule as an iterator.
pub async fn tokio_retry2(service: &Service, x: u64) -> Result<u64, LlmError> {
    let strategy =
        ExponentialBackoff::from_millis(2).factor(500).max_delay(Duration::from_secs(60)).map(jitter).take(4);
    Retry::spawn(strategy, || async { marked(call(service, x).await) }).await
}

/// tokio-retry2 with a delay of zero.
pub async fn tokio_retry2_no_wait(service: &Service, x: u64) -> Result<u64, LlmError> {
    Retry::spawn(FixedInterval::new(Duration::ZERO).take(4), || async { marked(call(service, x).await) }).await
}

/// The blocking operation: one attempt.
#[inline(never)]
pub fn call_blocking(service: &Service, x: u64) -> Result<u64, LlmError> {
    serve(service, x)
}

/// The hand-written blocking loop with no wait.
pub fn hand_loop_blocking(service: &Service, x: u64) -> Result<u64, LlmError> {
    let mut n = 1;
    loop {
        match call_blocking(service, x) {
            Err(e) if transient(&e) && n < ATTEMPTS => n += 1,
            outcome => return outcome,
        }
    }
}

/// The attribute on a plain `fn`, with no wait.
#[retry(stop = attempts(5), wait = none, on = RateLimit | Overload)]
pub fn retried_blocking(service: &Service, x: u64) -> Result<u64, LlmError> {
    call_blocking(service, x)
}

/// backon's blocking form with a delay of zero.
pub fn backon_blocking(service: &Service, x: u64) -> Result<u64, LlmError> {
    let backoff = ConstantBuilder::default().with_delay(Duration::ZERO).with_max_times(4);
    (|| call_blocking(service, x)).retry(backoff).when(transient).call()
}

/// The failures a call starts with on each path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The first attempt succeeds.
    Success,
    /// Three failures, then a success, no waits.
    Retry,
    /// Three failures, then a success, slept on the paused clock.
    Paused,
}

impl Path {
    fn failures(self) -> u32 {
        match self {
            Self::Success => 0,
            Self::Retry | Self::Paused => 3,
        }
    }
}

/// One measured case: a path and a variant.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Its name: `path/variant`.
    pub name: &'static str,
    /// The path it runs.
    pub path: Path,
}

// Input:  "success/plain", Success, |s, x| call(s, x).await;
// Output: a `Case`, and in `run` an arm whose loop awaits `call(&service, i)` `calls` times
/// Each case's loop is written out in full, so that no dispatch sits inside the measured
/// loop.
macro_rules! cases {
    ($($name:literal, $path:ident, |$s:ident, $x:ident| $body:expr;)*) => {
        /// Every case, grouped by path, in the order BENCHMARKS.md shows them.
        pub const CASES: &[Case] = &[$(Case { name: $name, path: Path::$path }),*];

        /// Runs `calls` calls of `case` in one `block_on` of `runtime` and returns the time
        /// they took; each call's result and the attempts made are checked, so a variant
        /// that skipped an attempt would panic.
        ///
        /// # Panics
        /// If a call fails, or does not make the attempts its path needs.
        pub fn run(runtime: &tokio::runtime::Runtime, case: Case, calls: u64) -> Duration {
            let service = Service::default();
            let failures = case.path.failures();
            let elapsed = match case.name {
                $($name => runtime.block_on(async {
                    let start = Instant::now();
                    for i in 0..calls {
                        service.fail_next(failures);
                        let ($s, $x) = (&service, black_box(i));
                        let out = $body;
                        black_box(out).expect("the last attempt succeeds");
                    }
                    start.elapsed()
                }),)*
                other => panic!("unknown case `{other}`"),
            };
            assert_eq!(service.calls(), calls * u64::from(failures + 1), "{}: attempts made", case.name);
            elapsed
        }
    };
}

cases! {
    "success/plain", Success, |s, x| call(s, x).await;
    "success/hand_loop", Success, |s, x| hand_loop(s, x).await;
    "success/retry", Success, |s, x| retried(s, x).await;
    "success/backon", Success, |s, x| backon(s, x).await;
    "success/tokio_retry2", Success, |s, x| tokio_retry2(s, x).await;
    "retry/attempts_only", Retry, |s, x| {
        let mut outcome = call(s, x).await;
        while outcome.is_err() {
            outcome = call(s, x).await;
        }
        outcome
    };
    "retry/hand_loop", Retry, |s, x| hand_loop_no_wait(s, x).await;
    "retry/hand_loop_sleep0", Retry, |s, x| hand_loop_sleep0(s, x).await;
    "retry/retry", Retry, |s, x| retried_no_wait(s, x).await;
    "retry/backon", Retry, |s, x| backon_no_wait(s, x).await;
    "retry/tokio_retry2", Retry, |s, x| tokio_retry2_no_wait(s, x).await;
    "paused/hand_loop", Paused, |s, x| hand_loop(s, x).await;
    "paused/retry", Paused, |s, x| retried(s, x).await;
    "paused/backon", Paused, |s, x| backon(s, x).await;
    "paused/tokio_retry2", Paused, |s, x| tokio_retry2(s, x).await;
    "features_success/retry", Success, |s, x| retried_no_wait(s, x).await;
    "features_success/breaker_budget", Success, |s, x| with_breaker_budget(s, x).await;
    "features_success/limiter", Success, |s, x| with_limiter(s, x).await;
    "features_success/adaptive", Success, |s, x| with_adaptive(s, x).await;
    "features_success/bulkhead", Success, |s, x| with_bulkhead(s, x).await;
    "features_success/hedge", Success, |s, x| with_hedge(s, x).await;
    "features_retry/retry", Retry, |s, x| retried_no_wait(s, x).await;
    "features_retry/breaker_budget", Retry, |s, x| with_breaker_budget(s, x).await;
    "features_retry/limiter", Retry, |s, x| with_limiter(s, x).await;
    "features_retry/adaptive", Retry, |s, x| with_adaptive(s, x).await;
    "features_retry/bulkhead", Retry, |s, x| with_bulkhead(s, x).await;
    "features_retry/hedge", Retry, |s, x| with_hedge(s, x).await;
    "blocking/plain", Success, |s, x| call_blocking(s, x);
    "blocking/hand_loop", Success, |s, x| hand_loop_blocking(s, x);
    "blocking/retry", Success, |s, x| retried_blocking(s, x);
    "blocking/backon", Success, |s, x| backon_blocking(s, x);
    "blocking_retry/hand_loop", Retry, |s, x| hand_loop_blocking(s, x);
    "blocking_retry/retry", Retry, |s, x| retried_blocking(s, x);
    "blocking_retry/backon", Retry, |s, x| backon_blocking(s, x);
}

/// The case named `name`.
///
/// # Panics
/// If there is none.
pub fn case(name: &str) -> Case {
    *CASES.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("unknown case `{name}`"))
}

/// A current-thread runtime with tokio's timer, its clock paused on the paths that retry:
/// a delay of zero on tokio's real clock is rounded up to the timer's next millisecond tick,
/// so `hand_loop_sleep0` and backon's zero delay would measure the timer's resolution; on the
/// paused clock the runtime fires them as soon as it is idle. A variant that does not sleep
/// runs the same on either clock.
///
/// # Panics
/// If tokio cannot build one.
pub fn runtime(path: Path) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time();
    if path != Path::Success {
        builder.start_paused(true);
    }
    builder.build().expect("a runtime")
}

/// Runs `calls` calls of the case named `name`, for callgrind (`examples/users_count.rs`).
///
/// # Panics
/// See [`run`].
pub fn count(name: &str, calls: u64) {
    let case = case(name);
    let runtime = runtime(case.path);
    let _ = run(&runtime, case, calls);
}

/// Calls a sample makes on each path: about 10 to 50 ms a sample.
fn calls_per_sample(path: Path) -> u64 {
    match path {
        Path::Success => 1_000_000,
        Path::Retry => 300_000,
        Path::Paused => 20_000,
    }
}

/// Times every case whose name starts with `filter`: `reps` repetitions, interleaved across
/// the cases of a path (each repetition runs every case once, in turn), and prints the
/// median and the range of nanoseconds a call.
///
/// # Panics
/// See [`run`].
pub fn time_all(filter: &str, reps: usize) {
    println!("| case | median ns/call | min | max |");
    println!("|---|---:|---:|---:|");
    let mut groups: Vec<&str> = CASES.iter().map(|c| c.name.split('/').next().unwrap_or_default()).collect();
    groups.dedup();
    for group in groups {
        let cases: Vec<Case> = CASES
            .iter()
            .filter(|c| c.name.split('/').next() == Some(group) && c.name.starts_with(filter))
            .copied()
            .collect();
        let Some(first) = cases.first() else { continue };
        let runtime = runtime(first.path);
        let calls = calls_per_sample(first.path);
        // One unmeasured run each: the thread's generators seeded, the code paged in.
        for case in &cases {
            let _ = run(&runtime, *case, calls / 10);
        }
        let mut samples = vec![Vec::with_capacity(reps); cases.len()];
        for _ in 0..reps {
            for (case, times) in cases.iter().zip(&mut samples) {
                times.push(run(&runtime, *case, calls).as_secs_f64() * 1e9 / calls as f64);
            }
        }
        for (case, mut times) in cases.iter().zip(samples) {
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            println!("| {} | {median:.1} | {:.1} | {:.1} |", case.name, times[0], times[times.len() - 1]);
        }
    }
}
