//! Faults found by trying to break the runtime, each fixed, each guarded here: no sleep and
//! no tokens for a retry the breaker will refuse; budgets that count only what ran; no
//! attempt after a sleep that ended past the deadline.
//!
//! Each test has its own breaker, budget and counters: tests run in parallel.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use retry_runtime::{CircuitBreaker, CircuitOpen, RetryBudget, RetryPolicy, retry, stop::attempts, wait::fixed};

#[derive(Debug, Clone, PartialEq)]
enum Fault {
    Status(u16),
    Open,
}

impl From<CircuitOpen> for Fault {
    fn from(_: CircuitOpen) -> Self {
        Self::Open
    }
}

const SECOND: Duration = Duration::from_secs(1);

static OPENS_ON_FIRST: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
static NOT_PAID: RetryBudget = RetryBudget::token_bucket(100, 5, 10, 1);
static RUNS: AtomicU32 = AtomicU32::new(0);

#[retry(stop = attempts(5), wait = fixed(1s), breaker = OPENS_ON_FIRST, budget = NOT_PAID)]
async fn opens_its_own_breaker() -> Result<u32, Fault> {
    RUNS.fetch_add(1, SeqCst);
    Err(Fault::Status(500))
}

// The failure that opens the breaker ends the call at once: no 1 s sleep, no 5 tokens paid
// for a retry the open circuit would refuse, and the caller gets the 500, not "circuit open".
#[tokio::test(start_paused = true)]
async fn a_retry_the_breaker_will_refuse_is_neither_slept_for_nor_paid() {
    let start = tokio::time::Instant::now();
    assert_eq!(opens_its_own_breaker().await, Err(Fault::Status(500)));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(RUNS.load(SeqCst), 1);
    assert_eq!(NOT_PAID.available(), 100);
}

static VALUE_BREAKER: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
static VALUE_BUDGET: RetryBudget = RetryBudget::token_bucket(100, 5, 10, 1);

// The same through the value form: the second failure opens the circuit, and the call gives
// up with it after one sleep and one retry paid, not after a third sleep.
#[tokio::test(start_paused = true)]
async fn the_value_form_gives_up_with_the_last_real_error_when_the_breaker_opens() {
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(fixed(SECOND))
        .breaker(&VALUE_BREAKER)
        .budget(&VALUE_BUDGET)
        .build()
        .unwrap();
    let runs = AtomicU32::new(0);
    let start = tokio::time::Instant::now();
    let out: Result<(), Fault> = policy
        .retry(|| {
            let n = runs.fetch_add(1, SeqCst) + 1;
            async move { Err(Fault::Status(500 + u16::try_from(n).unwrap())) }
        })
        .await;
    assert_eq!(out, Err(Fault::Status(502)));
    assert_eq!(start.elapsed(), SECOND);
    assert_eq!(runs.load(SeqCst), 2);
    assert_eq!(VALUE_BUDGET.available(), 95);
}

static SHORT_COOLDOWN: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_millis(500));
static SHORT_RUNS: AtomicU32 = AtomicU32::new(0);

#[retry(stop = attempts(2), wait = fixed(1s), breaker = SHORT_COOLDOWN)]
async fn probes_after_its_sleep() -> Result<u32, Fault> {
    if SHORT_RUNS.fetch_add(1, SeqCst) == 0 { Err(Fault::Status(503)) } else { Ok(7) }
}

// A circuit that will be half-open when the sleep ends is no reason to give up: the retry
// sleeps and runs as the probe.
#[tokio::test(start_paused = true)]
async fn a_breaker_that_will_admit_a_probe_by_then_is_slept_for() {
    let start = tokio::time::Instant::now();
    assert_eq!(probes_after_its_sleep().await, Ok(7));
    assert_eq!(start.elapsed(), SECOND);
}

static FALLBACK_BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));

#[retry(stop = attempts(5), wait = fixed(1s), breaker = FALLBACK_BREAKER, fallback = second_provider)]
async fn first_provider(prompt: &str) -> Result<String, Fault> {
    let _ = prompt;
    Err(Fault::Status(529))
}

async fn second_provider(prompt: &str) -> Result<String, Fault> {
    Ok(format!("B: {prompt}"))
}

// With a fallback, the open breaker hands the call over at once.
#[tokio::test(start_paused = true)]
async fn an_open_breaker_goes_to_the_fallback_at_once() {
    let start = tokio::time::Instant::now();
    assert_eq!(first_provider("hi").await, Ok("B: hi".to_owned()));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

static SAVES_FROM_REQUESTS: RetryBudget = RetryBudget::percent_with_reserve(10, 0, 100);
static ISOLATED: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));

#[retry(stop = attempts(2), wait = none, breaker = ISOLATED, budget = SAVES_FROM_REQUESTS)]
async fn behind_an_isolated_breaker() -> Result<u32, Fault> {
    Ok(1)
}

static PANIC_BUDGET: RetryBudget = RetryBudget::percent_with_reserve(10, 0, 100);

#[retry(stop = attempts(2), wait = none, budget = PANIC_BUDGET)]
async fn panics_or_answers(panic: bool) -> Result<u32, Fault> {
    assert!(!panic, "the body's own panic");
    Ok(2)
}

// A percent budget saves from the requests that reached the dependency: 10 000 calls the
// breaker refused once saved its maximum of 100 retries, and a body that panicked added to
// it, though the guarantees say a panic takes or adds no token.
#[tokio::test(start_paused = true)]
async fn a_percent_budget_counts_no_refused_call_and_no_panicked_body() {
    ISOLATED.isolate();
    for _ in 0..10_000 {
        assert_eq!(behind_an_isolated_breaker().await, Err(Fault::Open));
    }
    assert_eq!(SAVES_FROM_REQUESTS.available(), 0);

    let panicked = tokio::spawn(panics_or_answers(true)).await;
    assert!(panicked.unwrap_err().is_panic());
    assert_eq!(PANIC_BUDGET.available(), 0);
    assert_eq!(panics_or_answers(false).await, Ok(2));
    assert_eq!(PANIC_BUDGET.available(), 10, "one request: a tenth of a retry, in hundredths");
}

/// Sleeps on tokio's clock three times as long as it is asked (a loaded machine, a sleeper
/// that rounds up), and records every delay it is asked for.
#[derive(Clone, Copy)]
struct Oversleeps(&'static std::sync::Mutex<Vec<Duration>>);

impl retry_runtime::sleep::AsyncSleep for Oversleeps {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        self.0.lock().unwrap().push(delay);
        tokio::time::sleep(delay * 3)
    }
    fn now(&self) -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }
}

impl From<retry_runtime::Elapsed> for Fault {
    fn from(_: retry_runtime::Elapsed) -> Self {
        Self::Status(408)
    }
}

static OVERSLEPT: std::sync::Mutex<Vec<Duration>> = std::sync::Mutex::new(Vec::new());
static OVERSLEPT_RUNS: AtomicU32 = AtomicU32::new(0);
static OVERSLEPT_BUDGET: RetryBudget = RetryBudget::token_bucket(100, 5, 10, 1);

#[retry(
    stop = deadline(10s),
    wait = fixed(4s),
    timeout = 2s,
    budget = OVERSLEPT_BUDGET,
    sleeper = Oversleeps(&OVERSLEPT)
)]
async fn oversleeps_past_its_deadline() -> Result<u32, Fault> {
    OVERSLEPT_RUNS.fetch_add(1, SeqCst);
    Err(Fault::Status(503))
}

// The 4 s sleep fits the 10 s deadline when planned but ends at 12 s: the retry would start
// past the deadline with a zero time limit and come back as a timeout. The call gives up
// with the 503 instead, the sleeper is never asked for zero, and the unrun retry's 5 tokens
// go back.
#[tokio::test(start_paused = true)]
async fn a_sleep_that_ends_past_the_deadline_gives_up_with_the_previous_error() {
    let start = tokio::time::Instant::now();
    assert_eq!(oversleeps_past_its_deadline().await, Err(Fault::Status(503)));
    assert_eq!(start.elapsed(), Duration::from_secs(12));
    assert_eq!(OVERSLEPT_RUNS.load(SeqCst), 1);
    // The first attempt's timer (2 s), then the 4 s sleep: no zero, no second timer.
    assert_eq!(*OVERSLEPT.lock().unwrap(), [Duration::from_secs(2), Duration::from_secs(4)]);
    assert_eq!(OVERSLEPT_BUDGET.available(), 100);
}

static VALUE_OVERSLEPT: std::sync::Mutex<Vec<Duration>> = std::sync::Mutex::new(Vec::new());

/// The attempts' start times of a value-form call under `deadline(limit)`, `fixed(1 s)` and
/// the oversleeping sleeper, with its outcome.
async fn value_form_starts(limit: Duration) -> (Result<(), Fault>, Vec<Duration>) {
    let policy = RetryPolicy::builder()
        .stop(retry_runtime::stop::deadline(limit))
        .wait(fixed(SECOND))
        .sleeper(Oversleeps(&VALUE_OVERSLEPT))
        .build()
        .unwrap();
    let starts = std::sync::Mutex::new(Vec::new());
    let start = tokio::time::Instant::now();
    let out = policy
        .retry(|| {
            let mut starts = starts.lock().unwrap();
            starts.push(start.elapsed());
            let n = u16::try_from(starts.len()).unwrap();
            async move { Err(Fault::Status(500 + n)) }
        })
        .await;
    (out, starts.into_inner().unwrap())
}

// The same through the value form, without a timeout: an attempt never starts past the
// deadline. A 1 s sleep that ends at 3 s gives up under a 2.5 s deadline, with the first
// attempt's error; one that ends exactly at a 3 s deadline lets the retry run, as it would
// on a clock that keeps time.
#[tokio::test(start_paused = true)]
async fn the_value_form_starts_no_attempt_past_the_deadline() {
    let (out, starts) = value_form_starts(Duration::from_millis(2500)).await;
    assert_eq!(out, Err(Fault::Status(501)));
    assert_eq!(starts, [Duration::ZERO]);

    let (out, starts) = value_form_starts(Duration::from_secs(3)).await;
    assert_eq!(out, Err(Fault::Status(502)));
    assert_eq!(starts, [Duration::ZERO, Duration::from_secs(3)]);
    // After the second attempt, 3 s + 1 s would cross the deadline: the stop ends it unslept.
    assert_eq!(*VALUE_OVERSLEPT.lock().unwrap(), [SECOND, SECOND]);
}

static LATE_OVERSLEPT: std::sync::Mutex<Vec<Duration>> = std::sync::Mutex::new(Vec::new());

// The attempt is counted when a retry is decided; a sleep that ends past the deadline takes
// that retry back, so the hooks see the attempts that ran: `before_sleep` and `on_give_up`
// both report attempt 1, and the retry count stays 0.
#[tokio::test(start_paused = true)]
async fn a_give_up_after_a_late_sleep_reports_the_attempt_that_ran() {
    let seen = std::sync::Mutex::new(Vec::new());
    let policy = RetryPolicy::builder()
        .stop(retry_runtime::stop::deadline(Duration::from_millis(2500)))
        .wait(fixed(SECOND))
        .sleeper(Oversleeps(&LATE_OVERSLEPT))
        .before_sleep(|s: &retry_runtime::RetryState<'_, (), Fault>| {
            seen.lock().unwrap().push(("before_sleep", s.attempt(), s.retries()));
        })
        .on_give_up(|s: &retry_runtime::RetryState<'_, (), Fault>| {
            seen.lock().unwrap().push(("on_give_up", s.attempt(), s.retries()));
        })
        .build()
        .unwrap();
    let out = policy.retry(|| async { Err(Fault::Status(503)) }).await;
    assert_eq!(out, Err(Fault::Status(503)));
    assert_eq!(seen.into_inner().unwrap(), [("before_sleep", 1, 0), ("on_give_up", 1, 0)]);
    assert_eq!(*LATE_OVERSLEPT.lock().unwrap(), [SECOND]);
}
