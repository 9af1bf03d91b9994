//! The attribute builds a policy of constant keys at compile time and keeps only the state
//! an attempt's outcome needs; these guard the cases that must take the other roads.

use std::cell::Cell;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use retry_runtime::sleep::{AsyncSleep, NoSleep};
use retry_runtime::{CircuitBreaker, CircuitOpen, retry};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    Busy,
    Fatal,
    Open,
}

impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Error::Open
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[tokio::test]
async fn a_predicate_over_an_argument_is_built_at_run_time() {
    // Guards the fallback from `&const { … }`: a closure naming a parameter cannot be const.
    #[retry(stop = attempts(4), wait = none, when = |e: &Error| *e == retryable)]
    async fn call(retryable: Error, runs: &Cell<u32>) -> Result<(), Error> {
        runs.set(runs.get() + u32::from(retryable == Error::Busy || retryable == Error::Fatal));
        Err(Error::Busy)
    }
    let runs = Cell::new(0);
    assert_eq!(call(Error::Busy, &runs).await, Err(Error::Busy));
    assert_eq!(runs.get(), 4);
    runs.set(0);
    assert_eq!(call(Error::Fatal, &runs).await, Err(Error::Busy));
    assert_eq!(runs.get(), 1);
}

struct Counter(u32);

impl Counter {
    // Guards the attempt's `async` block: with `&mut self` it must not be `move`.
    #[retry(stop = attempts(3), wait = none)]
    async fn bump(&mut self) -> Result<u32, Error> {
        self.0 += 1;
        if self.0 < 3 { Err(Error::Busy) } else { Ok(self.0) }
    }
}

#[tokio::test]
async fn a_mut_self_method_is_retried_on_the_same_value() {
    let mut counter = Counter(0);
    assert_eq!(counter.bump().await, Ok(3));
}

#[tokio::test]
async fn state_sees_the_elapsed_time_and_the_attempt() {
    // Guards the kept history: `state` must read a started clock.
    #[retry(stop = attempts(2), wait = none, state = s)]
    async fn call(seen: &Cell<(u32, bool)>) -> Result<(), Error> {
        seen.set((s.attempt(), s.elapsed() < Duration::from_secs(60)));
        Err(Error::Busy)
    }
    let seen = Cell::new((0, false));
    assert_eq!(call(&seen).await, Err(Error::Busy));
    assert_eq!(seen.get(), (2, true));
}

static DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

/// Never waits; records each delay.
struct Recorder;

impl AsyncSleep for Recorder {
    type Sleep = std::future::Ready<()>;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        DELAYS.lock().unwrap().push(delay);
        std::future::ready(())
    }
    fn now(&self) -> Instant {
        NoSleep.now()
    }
}

#[tokio::test]
async fn decorrelated_jitter_reads_the_previous_delay() {
    // Guards the history choice: without the previous delay every sleep would be BASE.
    #[retry(stop = attempts(6), wait = decorrelated_jitter(1, 600), sleeper = Recorder)]
    async fn call() -> Result<(), Error> {
        Err(Error::Busy)
    }
    assert_eq!(call().await, Err(Error::Busy));
    let delays = DELAYS.lock().unwrap().clone();
    assert_eq!(delays.len(), 5);
    assert!(delays.iter().all(|d| *d >= Duration::from_secs(1)));
    assert!(delays.windows(2).all(|w| w[1] <= (w[0] * 3).max(Duration::from_secs(1))));
    assert!(delays.iter().any(|d| *d > Duration::from_secs(1)), "{delays:?}");
}

static LAZY: LazyLock<CircuitBreaker> = LazyLock::new(|| CircuitBreaker::consecutive(2, Duration::from_secs(30)));

#[tokio::test]
async fn a_breaker_in_a_lazy_lock_is_written_as_a_dereference() {
    // Guards the documented escape from the compile-time policy: `*NAME` is built at run time.
    #[retry(stop = attempts(5), wait = none, breaker = *LAZY)]
    async fn call(runs: &Cell<u32>) -> Result<(), Error> {
        runs.set(runs.get() + 1);
        Err(Error::Busy)
    }
    let runs = Cell::new(0);
    // The second failure opens it: the call gives up with that failure, not the refusal.
    assert_eq!(call(&runs).await, Err(Error::Busy));
    assert_eq!(runs.get(), 2);
    assert_eq!(call(&runs).await, Err(Error::Open));
    assert_eq!(runs.get(), 2);
}
