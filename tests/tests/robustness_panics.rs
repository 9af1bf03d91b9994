//! A panic in the body of an annotated function is the caller's, not the loop's: it
//! propagates with its payload unchanged, is never retried, and leaves a shared circuit
//! breaker and retry budget as they were, a half-open probe it held given back.
//!
//! Each test has breakers, budgets and counters of its own: tests run in parallel.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, RetryBudget, retry};

/// What the bodies panic with: a type of its own, so that the payload caught can only be
/// the one thrown, not a message the loop made up.
#[derive(Debug, PartialEq)]
struct Boom(u32);

#[derive(Debug, PartialEq)]
enum Fault {
    Down,
    Open,
}

impl From<CircuitOpen> for Fault {
    fn from(_: CircuitOpen) -> Self {
        Self::Open
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Keeps the expected panics out of the test output; any other panic still prints.
fn silence_boom() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Boom>() {
                default(info);
            }
        }));
    });
}

/// Runs `f`, which must panic with a [`Boom`], and returns that payload.
fn caught(f: impl FnOnce()) -> Boom {
    silence_boom();
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("the body's panic must reach the caller");
    *payload.downcast::<Boom>().expect("the payload thrown, unchanged")
}

fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

// ---------------------------------------------------------------------------------------
// plain `fn`

static SYNC_BREAKER: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(60));
static SYNC_BUDGET: RetryBudget = RetryBudget::aws_standard();

#[retry(stop = attempts(3), wait = none, breaker = SYNC_BREAKER, budget = SYNC_BUDGET, log = off)]
fn sync_boom(tries: &AtomicU32) -> Result<(), Fault> {
    tries.fetch_add(1, SeqCst);
    panic::panic_any(Boom(1))
}

#[retry(stop = attempts(1), wait = none, breaker = SYNC_BREAKER, log = off)]
fn sync_down(tries: &AtomicU32) -> Result<(), Fault> {
    tries.fetch_add(1, SeqCst);
    Err(Fault::Down)
}

// A panic is neither a failure (the breaker would open at 2) nor a success (it would reset
// the count): a breaker one failure from opening stays exactly that.
#[test]
fn a_sync_panic_propagates_unchanged_runs_once_and_leaves_breaker_and_budget_as_they_were() {
    let (down, boom) = (AtomicU32::new(0), AtomicU32::new(0));
    assert_eq!(sync_down(&down), Err(Fault::Down));
    assert_eq!(caught(|| drop(sync_boom(&boom))), Boom(1));
    assert_eq!(boom.load(SeqCst), 1, "never retried");
    assert_eq!(SYNC_BREAKER.state(), BreakerState::Closed);
    assert_eq!(SYNC_BUDGET.available(), 500, "no token taken or added");

    assert_eq!(sync_down(&down), Err(Fault::Down), "the breaker still admits");
    assert_eq!(down.load(SeqCst), 2);
    assert_eq!(SYNC_BREAKER.state(), BreakerState::Open, "the failure before the panic still counts");
}

static RETRY_BUDGET: RetryBudget = RetryBudget::aws_standard();

#[retry(stop = attempts(5), wait = none, budget = RETRY_BUDGET, state = s, log = off)]
fn boom_on_the_retry(tries: &AtomicU32) -> Result<(), Fault> {
    tries.fetch_add(1, SeqCst);
    if s.attempt() == 1 { Err(Fault::Down) } else { panic::panic_any(Boom(2)) }
}

// A panic in a retry ends the call there; that retry's tokens, withdrawn when it was
// decided, stay spent as a failed retry's would.
#[test]
fn a_panic_in_a_retry_is_not_retried_and_keeps_only_that_retrys_cost() {
    let tries = AtomicU32::new(0);
    assert_eq!(caught(|| drop(boom_on_the_retry(&tries))), Boom(2));
    assert_eq!(tries.load(SeqCst), 2);
    assert_eq!(RETRY_BUDGET.available(), 495);
}

static PROBED: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_millis(20));

#[retry(stop = attempts(1), wait = none, breaker = PROBED, log = off)]
fn probed_down() -> Result<(), Fault> {
    Err(Fault::Down)
}

#[retry(stop = attempts(3), wait = none, breaker = PROBED, log = off)]
fn probed_boom(tries: &AtomicU32) -> Result<(), Fault> {
    tries.fetch_add(1, SeqCst);
    panic::panic_any(Boom(3))
}

#[retry(stop = attempts(1), wait = none, breaker = PROBED, log = off)]
fn probed_up() -> Result<u32, Fault> {
    Ok(7)
}

// The one half-open probe, taken by an attempt that panics, must come back: otherwise the
// breaker would refuse every call for good.
#[test]
fn a_half_open_probe_held_by_a_panicking_sync_attempt_is_given_back() {
    assert_eq!(probed_down(), Err(Fault::Down));
    assert_eq!(PROBED.state(), BreakerState::Open);
    std::thread::sleep(Duration::from_millis(25)); // a plain fn reads the real clock
    let tries = AtomicU32::new(0);
    assert_eq!(caught(|| drop(probed_boom(&tries))), Boom(3));
    assert_eq!(tries.load(SeqCst), 1, "it ran, as the probe");
    assert_eq!(PROBED.state(), BreakerState::HalfOpen, "the panic decided nothing");
    assert_eq!(probed_up(), Ok(7), "the next call gets the probe");
    assert_eq!(PROBED.state(), BreakerState::Closed);
}

// ---------------------------------------------------------------------------------------
// `async fn`, in a spawned task on the paused clock

static ASYNC_BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));
static ASYNC_BUDGET: RetryBudget = RetryBudget::aws_standard();

#[retry(stop = attempts(3), wait = fixed(1s), breaker = ASYNC_BREAKER, budget = ASYNC_BUDGET, log = off)]
async fn async_boom(tries: &'static AtomicU32) -> Result<(), Fault> {
    tries.fetch_add(1, SeqCst);
    tokio::task::yield_now().await; // the permit is held across an await, as in real code
    panic::panic_any(Boom(4))
}

#[retry(stop = attempts(1), wait = none, breaker = ASYNC_BREAKER, log = off)]
async fn async_down() -> Result<(), Fault> {
    Err(Fault::Down)
}

#[retry(stop = attempts(1), wait = none, breaker = ASYNC_BREAKER, log = off)]
async fn async_up() -> Result<u32, Fault> {
    Ok(8)
}

/// Spawns the panicking call and returns its payload, through `JoinError::into_panic`.
async fn joined_boom(tries: &'static AtomicU32) -> Boom {
    silence_boom();
    let err = tokio::spawn(async_boom(tries)).await.expect_err("the task panicked");
    *err.into_panic().downcast::<Boom>().expect("the payload thrown, unchanged")
}

// The same through a tokio task: the payload arrives intact at the JoinHandle, once, and
// the closed breaker (1 failure opens it) and the budget are untouched. Then a probe held
// by a panicking attempt comes back, on the paused clock.
#[tokio::test(start_paused = true)]
async fn an_async_panic_propagates_unchanged_and_gives_back_the_probe_it_held() {
    static TRIES: AtomicU32 = AtomicU32::new(0);
    assert_eq!(joined_boom(&TRIES).await, Boom(4));
    assert_eq!(TRIES.load(SeqCst), 1, "never retried");
    assert_eq!(ASYNC_BREAKER.state(), BreakerState::Closed, "a panic is no failure");
    assert_eq!(ASYNC_BUDGET.available(), 500);

    assert_eq!(async_down().await, Err(Fault::Down));
    assert_eq!(ASYNC_BREAKER.state(), BreakerState::Open);
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(joined_boom(&TRIES).await, Boom(4));
    assert_eq!(TRIES.load(SeqCst), 2, "it ran, as the probe");
    assert_eq!(ASYNC_BREAKER.state_at(now()), BreakerState::HalfOpen);
    assert_eq!(async_up().await, Ok(8), "the next call gets the probe");
    assert_eq!(ASYNC_BREAKER.state(), BreakerState::Closed);
    assert_eq!(ASYNC_BUDGET.available(), 500);
}
