//! Model-checks the breaker's transitions (and the budget's compare-and-swap) over every
//! interleaving of two threads, with loom's Mutex and atomics swapped in by src/sync.rs.
//!
//! ```text
//! RUSTFLAGS="--cfg retry_loom" cargo test -p retry-runtime --release --test loom_breaker
//! ```
#![cfg(retry_loom)]

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

use loom::sync::Arc;
use loom::thread;
use retry_runtime::budget::RetryKind;
use retry_runtime::{BreakerState, CircuitBreaker, RetryBudget};

const SECOND: Duration = Duration::from_secs(1);

/// A `consecutive(1, 1 s)` breaker opened at `t0`.
fn opened(t0: Instant, probes: u32) -> Arc<CircuitBreaker> {
    let breaker = CircuitBreaker::consecutive(1, SECOND).with_half_open_probes(probes);
    breaker.try_acquire(t0).unwrap().failure(t0);
    Arc::new(breaker)
}

#[test]
fn two_callers_racing_for_one_probe_get_it_once() {
    // Guards the half-open admission: the check and the count are one critical section.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = opened(t0, 1);
        let at = t0 + SECOND;
        let race = || {
            let breaker = breaker.clone();
            thread::spawn(move || match breaker.try_acquire(at) {
                Ok(permit) if permit.is_probe() => {
                    permit.success(at);
                    1
                }
                Ok(permit) => {
                    permit.success(at); // admitted closed, after the probe closed it
                    0
                }
                Err(_) => 0,
            })
        };
        let (a, b) = (race(), race());
        let probes = a.join().unwrap() + b.join().unwrap();
        assert_eq!(probes, 1);
        assert_eq!(breaker.state(), BreakerState::Closed);
    });
}

#[test]
fn a_probe_dropped_while_another_caller_races_is_given_back() {
    // Guards cancellation: whatever the order, the slot comes back and nothing is counted.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = opened(t0, 1);
        let at = t0 + SECOND;
        let dropper = {
            let breaker = breaker.clone();
            thread::spawn(move || drop(breaker.try_acquire(at)))
        };
        let racer = {
            let breaker = breaker.clone();
            thread::spawn(move || {
                if let Ok(permit) = breaker.try_acquire(at) {
                    permit.ignore();
                }
            })
        };
        dropper.join().unwrap();
        racer.join().unwrap();
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let probe = breaker.try_acquire(at).expect("the probe slot came back");
        assert!(probe.is_probe());
        probe.failure(at);
        assert_eq!(breaker.state(), BreakerState::Open);
    });
}

#[test]
fn three_callers_two_probe_slots_one_cancelled() {
    // Guards the slot accounting with three threads: never more than two probes out, a
    // cancelled one given back, and the circuit closed exactly when two probes succeeded.
    // Exhaustive (about 12 s in release). The counters are std's, not loom's: loom runs one
    // thread at a time, so they need no modelling, and loom atomics here would multiply
    // the interleavings to explore past ten minutes.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = opened(t0, 2);
        let at = t0 + SECOND;
        let out = std::sync::Arc::new(AtomicUsize::new(0));
        let succeeded = std::sync::Arc::new(AtomicUsize::new(0));
        let caller = |cancel: bool| {
            let (breaker, out, succeeded) = (breaker.clone(), out.clone(), succeeded.clone());
            thread::spawn(move || {
                let Ok(permit) = breaker.try_acquire(at) else {
                    return;
                };
                if !permit.is_probe() {
                    return; // admitted closed: the two probes already closed it
                }
                assert!(out.fetch_add(1, SeqCst) < 2, "a third probe was admitted");
                out.fetch_sub(1, SeqCst);
                if cancel {
                    drop(permit);
                } else {
                    succeeded.fetch_add(1, SeqCst);
                    permit.success(at);
                }
            })
        };
        let threads = [caller(true), caller(false), caller(false)];
        for thread in threads {
            thread.join().unwrap();
        }
        let expected = match succeeded.load(SeqCst) {
            2 => BreakerState::Closed,
            _ => BreakerState::HalfOpen,
        };
        assert_eq!(breaker.state(), expected);
    });
}

#[test]
fn racing_failures_open_exactly_at_the_threshold() {
    // Guards the consecutive count: no lost update between two failing callers.
    for (threshold, expected) in [(2, BreakerState::Open), (3, BreakerState::Closed)] {
        loom::model(move || {
            let t0 = Instant::now();
            let breaker = Arc::new(CircuitBreaker::consecutive(threshold, SECOND));
            let fail = || {
                let breaker = breaker.clone();
                thread::spawn(move || breaker.try_acquire(t0).unwrap().failure(t0))
            };
            let (a, b) = (fail(), fail());
            a.join().unwrap();
            b.join().unwrap();
            assert_eq!(breaker.state(), expected);
        });
    }
}

#[test]
fn a_late_success_never_closes_a_circuit_that_opened_meanwhile() {
    // Guards the permit generations: an outcome counts only in the state it was admitted in.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = Arc::new(CircuitBreaker::consecutive(1, SECOND));
        let slow = {
            let breaker = breaker.clone();
            thread::spawn(move || {
                if let Ok(permit) = breaker.try_acquire(t0) {
                    thread::yield_now();
                    permit.success(t0);
                }
            })
        };
        let failing = {
            let breaker = breaker.clone();
            thread::spawn(move || {
                if let Ok(permit) = breaker.try_acquire(t0) {
                    permit.failure(t0);
                }
            })
        };
        slow.join().unwrap();
        failing.join().unwrap();
        // The failing caller is always admitted (nothing else can open the circuit first)
        // and opens it; the success, before or after, cannot undo that.
        assert_eq!(breaker.state(), BreakerState::Open);
    });
}

#[test]
fn two_probes_are_judged_together_once_both_report() {
    // Guards the ratio half-open decision: taken once, by whichever probe reports last.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = CircuitBreaker::failure_ratio(0.5, 1, retry_runtime::breaker::SlidingWindow::Calls(1), SECOND)
            .with_half_open_probes(2);
        breaker.try_acquire(t0).unwrap().failure(t0);
        let breaker = Arc::new(breaker);
        let at = t0 + SECOND;
        let probe = |fails: bool| {
            let breaker = breaker.clone();
            thread::spawn(move || {
                let permit = breaker.try_acquire(at).expect("two probe slots");
                assert!(permit.is_probe());
                if fails { permit.failure(at) } else { permit.success(at) }
            })
        };
        let (a, b) = (probe(true), probe(false));
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(breaker.state(), BreakerState::Open, "1 of 2 failed: 50 %");
        assert!(breaker.try_acquire(at).is_err());
    });
}

#[test]
fn isolate_racing_a_probe_leaves_the_circuit_isolated() {
    // Guards isolate against a concurrent half-open decision: the manual override wins.
    loom::model(|| {
        let t0 = Instant::now();
        let breaker = opened(t0, 1);
        let at = t0 + SECOND;
        let probe = {
            let breaker = breaker.clone();
            thread::spawn(move || {
                if let Ok(permit) = breaker.try_acquire(at) {
                    permit.success(at);
                }
            })
        };
        breaker.isolate();
        probe.join().unwrap();
        // The probe either closed the circuit before the isolation, or reported into nothing.
        assert!(breaker.is_isolated());
        assert!(breaker.try_acquire(at + SECOND).is_err());
    });
}

#[test]
fn budget_pays_a_last_retry_to_exactly_one_caller() {
    // Guards the budget's compare-and-swap: tokens never go negative under a race.
    loom::model(|| {
        let budget = Arc::new(RetryBudget::token_bucket(5, 5, 10, 1));
        let withdraw = || {
            let budget = budget.clone();
            thread::spawn(move || budget.try_withdraw(RetryKind::Error).is_some())
        };
        let (a, b) = (withdraw(), withdraw());
        let paid = u32::from(a.join().unwrap()) + u32::from(b.join().unwrap());
        assert_eq!((paid, budget.available()), (1, 0));
    });
}

#[test]
fn budget_deposits_and_refunds_racing_lose_nothing() {
    // Guards the packed (tokens, debt) word: a deposit repaying the reserve races a
    // withdrawal and a refund, and the totals still add up.
    loom::model(|| {
        let budget = Arc::new(RetryBudget::percent_with_reserve(100, 1, 2));
        let depositor = {
            let budget = budget.clone();
            thread::spawn(move || budget.record_request()) // repays the 1-retry reserve
        };
        let spender = {
            let budget = budget.clone();
            thread::spawn(move || {
                let w = budget.try_withdraw(RetryKind::Error);
                assert!(w.is_some(), "the reserve is there from the start");
                budget.on_success(w); // the ratio form refunds nothing
            })
        };
        depositor.join().unwrap();
        spender.join().unwrap();
        budget.record_request();
        // 100 (reserve) - 100 (retry) + 100 (repays the reserve: adds 0) + 100.
        assert_eq!(budget.available(), 100);
    });
}
