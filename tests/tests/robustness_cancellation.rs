//! Dropping the future of an annotated `async fn` at any await point (during an attempt,
//! during a sleep, while it holds a half-open probe) leaks nothing: the probe comes back,
//! an attempt cut short counts as no failure, and the budget has paid for exactly the
//! retries decided before the cut (a retry's tokens are withdrawn when it is decided,
//! before its sleep: see `RetryPolicyBuilder::budget`).
//!
//! Everything runs on tokio's paused clock, so each cut lands at an exact instant.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, RetryBudget, retry};
use tokio::time::{Instant, advance, sleep, timeout};

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

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const COOLDOWN: Duration = Duration::from_secs(30);

/// Three attempts of 1 s each (two await points inside), 10 s apart, all failing:
/// attempts run over [0, 1), [11, 12) and [22, 23) s; retries are decided (and paid) at
/// 1 s and 12 s; the call gives up at 23 s.
#[retry(stop = attempts(3), wait = fixed(10s), breaker = *breaker, budget = *budget, log = off)]
async fn slow_down(breaker: &CircuitBreaker, budget: &RetryBudget, ran: &AtomicU32) -> Result<(), Fault> {
    ran.fetch_add(1, SeqCst);
    sleep(ms(1_000)).await;
    tokio::task::yield_now().await;
    Err(Fault::Down)
}

/// Fails `breaker` directly until it opens; returns how many failures that took.
fn failures_to_open(breaker: &CircuitBreaker) -> u32 {
    let mut failures = 0;
    while breaker.state_at(now()) == BreakerState::Closed {
        breaker.try_acquire(now()).expect("a closed breaker admits").failure(now());
        failures += 1;
    }
    failures
}

// Cuts one call at every await point in turn and checks what each cut leaves behind:
// exactly the failures of the attempts that finished, exactly the retries decided.
#[tokio::test(start_paused = true)]
async fn a_call_dropped_at_any_await_point_leaks_no_failure_and_no_token() {
    // (cut after, attempts begun, attempts finished, retries paid)
    let cuts = [
        (ms(0), 1, 0, 0), // the first poll starts the attempt; `timeout` then drops it
        (ms(500), 1, 0, 0),
        (ms(999), 1, 0, 0),
        (ms(1_001), 1, 1, 1), // asleep: the retry was paid before the sleep began
        (ms(6_000), 1, 1, 1),
        (ms(10_999), 1, 1, 1),
        (ms(11_500), 2, 1, 1), // the retry itself, cut: its cost stays spent
        (ms(12_001), 2, 2, 2),
        (ms(15_000), 2, 2, 2),
        (ms(22_500), 3, 2, 2),
    ];
    for (cut, begun, finished, paid) in cuts {
        let breaker = CircuitBreaker::consecutive(3, COOLDOWN);
        let budget = RetryBudget::aws_standard();
        let ran = AtomicU32::new(0);
        let out = timeout(cut, slow_down(&breaker, &budget, &ran)).await;
        assert!(out.is_err(), "cut at {cut:?}: the call was still running");
        assert_eq!(ran.load(SeqCst), begun, "cut at {cut:?}");
        assert_eq!(budget.available(), 500 - 5 * paid, "cut at {cut:?}");
        assert_eq!(failures_to_open(&breaker), 3 - finished, "cut at {cut:?}: only finished attempts count");
    }
    // Uncut, for comparison: three failures (the breaker opens), two retries paid.
    let breaker = CircuitBreaker::consecutive(3, COOLDOWN);
    let budget = RetryBudget::aws_standard();
    let ran = AtomicU32::new(0);
    let started = Instant::now();
    assert_eq!(slow_down(&breaker, &budget, &ran).await, Err(Fault::Down));
    assert_eq!((started.elapsed(), ran.load(SeqCst), budget.available()), (ms(23_000), 3, 490));
    assert_eq!(breaker.state(), BreakerState::Open);
}

/// A breaker opened at the current instant, whose cooldown is already over.
async fn half_open(breaker: &CircuitBreaker) {
    breaker.try_acquire(now()).unwrap().failure(now());
    assert_eq!(breaker.state(), BreakerState::Open);
    advance(COOLDOWN).await;
}

// The probe is held from admission until the attempt ends: cut while it is held, it comes
// back. Uncut, the probe fails at 1 s and re-opens the circuit, and the call ends then with
// that failure: no sleep and no token for a retry the open circuit would refuse.
#[tokio::test(start_paused = true)]
async fn a_call_dropped_while_it_holds_the_half_open_probe_gives_it_back() {
    for cut in [ms(0), ms(500), ms(999)] {
        let breaker = CircuitBreaker::consecutive(1, COOLDOWN);
        let budget = RetryBudget::aws_standard();
        let ran = AtomicU32::new(0);
        half_open(&breaker).await;
        tokio::select! {
            biased; // poll the call first, so that even a cut at 0 finds it started
            out = slow_down(&breaker, &budget, &ran) => panic!("cut at {cut:?}: it ended with {out:?}"),
            () = sleep(cut) => {}
        }
        assert_eq!(ran.load(SeqCst), 1, "cut at {cut:?}: the call probed");
        assert_eq!(breaker.state(), BreakerState::HalfOpen, "cut at {cut:?}: nothing decided");
        assert_eq!(budget.available(), 500);
        let probe = breaker.try_acquire(now()).expect("the next call may probe");
        assert!(probe.is_probe());
        probe.success(now());
        assert_eq!(breaker.state(), BreakerState::Closed, "cut at {cut:?}");
    }
    let breaker = CircuitBreaker::consecutive(1, COOLDOWN);
    let budget = RetryBudget::aws_standard();
    let ran = AtomicU32::new(0);
    half_open(&breaker).await;
    let started = Instant::now();
    assert_eq!(slow_down(&breaker, &budget, &ran).await, Err(Fault::Down));
    assert_eq!((started.elapsed(), ran.load(SeqCst), budget.available()), (ms(1_000), 1, 500));
    assert_eq!(breaker.state(), BreakerState::Open);
}

static TWO_PROBES: CircuitBreaker = CircuitBreaker::consecutive(1, COOLDOWN).with_half_open_probes(2);

#[retry(stop = attempts(1), wait = none, breaker = TWO_PROBES, log = off)]
async fn slow_up(ran: &'static AtomicU32) -> Result<(), Fault> {
    ran.fetch_add(1, SeqCst);
    sleep(ms(1_000)).await;
    Ok(())
}

// With two probes out and one dropped, exactly one slot comes back: a third call takes it,
// and the circuit closes once two probes have succeeded, the dropped one not among them.
#[tokio::test(start_paused = true)]
async fn dropping_one_of_two_probes_frees_exactly_its_slot() {
    static RAN: AtomicU32 = AtomicU32::new(0);
    half_open(&TWO_PROBES).await;
    let first = tokio::spawn(slow_up(&RAN));
    tokio::task::yield_now().await; // the spawned call takes the first probe
    tokio::select! {
        biased;
        out = slow_up(&RAN) => panic!("the second probe ended with {out:?}"),
        () = async {
            sleep(ms(100)).await;
            assert!(TWO_PROBES.try_acquire(now()).is_err(), "both probes are out");
            sleep(ms(400)).await;
        } => {}
    }
    assert_eq!(RAN.load(SeqCst), 2);
    assert_eq!(first.await.unwrap(), Ok(()));
    assert_eq!(TWO_PROBES.state(), BreakerState::HalfOpen, "one success of the two needed");
    assert_eq!(slow_up(&RAN).await, Ok(()), "the dropped probe's slot");
    assert_eq!(TWO_PROBES.state(), BreakerState::Closed);
    assert_eq!(RAN.load(SeqCst), 3);
}
