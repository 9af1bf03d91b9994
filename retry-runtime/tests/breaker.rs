//! `CircuitBreaker`: the state machine of `consecutive` and of both presets on tokio's
//! paused clock, isolation, cancellation, and 10 000 concurrent tasks (its `tracing` events
//! are `breaker_events.rs`).
#![cfg(not(retry_loom))] // loom's types only work inside `loom::model`: see loom_breaker.rs

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::breaker::SlidingWindow;
use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen};
use tokio::time::advance;

/// The retry loop's clock under a paused runtime.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

fn fail(breaker: &CircuitBreaker) {
    breaker.try_acquire(now()).expect("admitted").failure(now());
}

fn succeed(breaker: &CircuitBreaker) {
    breaker.try_acquire(now()).expect("admitted").success(now());
}

fn refused(breaker: &CircuitBreaker) -> CircuitOpen {
    breaker.try_acquire(now()).expect_err("refused")
}

const SECOND: Duration = Duration::from_secs(1);
const NANO: Duration = Duration::from_nanos(1);

// ---------------------------------------------------------------------------------------
// consecutive

#[tokio::test(start_paused = true)]
async fn consecutive_opens_after_n_failures_in_a_row_and_closes_on_one_good_probe() {
    // Guards §8's `consecutive(n, cooldown)` contract end to end.
    let breaker = CircuitBreaker::consecutive(3, 30 * SECOND);
    fail(&breaker);
    fail(&breaker);
    succeed(&breaker); // a success resets the count
    fail(&breaker);
    fail(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
    fail(&breaker);
    assert_eq!(breaker.state(), BreakerState::Open);

    let open = refused(&breaker);
    assert_eq!(open.retry_in(), Some(30 * SECOND));
    assert_eq!(open.until(), Some(now() + 30 * SECOND));
    assert_eq!(open.to_string(), "circuit breaker is open");

    advance(30 * SECOND - NANO).await;
    assert_eq!(refused(&breaker).retry_in(), Some(NANO));
    assert_eq!(breaker.state(), BreakerState::Open);

    advance(NANO).await;
    let probe = breaker.try_acquire(now()).expect("one probe after the cooldown");
    assert!(probe.is_probe());
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    assert_eq!(refused(&breaker).until(), None, "only one probe");
    probe.success(now());
    assert_eq!(breaker.state(), BreakerState::Closed);

    // Closed again with a fresh count.
    fail(&breaker);
    fail(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn consecutive_failed_probe_reopens_for_a_whole_new_cooldown() {
    // Guards the half-open → open edge and that its cooldown starts at the probe's failure.
    let breaker = CircuitBreaker::consecutive(1, 10 * SECOND);
    fail(&breaker);
    advance(10 * SECOND).await;
    let probe = breaker.try_acquire(now()).unwrap();
    advance(2 * SECOND).await; // the probe takes a while
    probe.failure(now());
    assert_eq!(breaker.state(), BreakerState::Open);
    assert_eq!(refused(&breaker).retry_in(), Some(10 * SECOND));
    advance(10 * SECOND).await;
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn ignored_outcomes_neither_count_nor_reset_the_consecutive_count() {
    // Guards §8: a 400, or a 429 with a server delay, does not break the circuit.
    let breaker = CircuitBreaker::consecutive(2, SECOND);
    fail(&breaker);
    breaker.try_acquire(now()).unwrap().ignore();
    assert_eq!(breaker.state(), BreakerState::Closed);
    fail(&breaker);
    assert_eq!(breaker.state(), BreakerState::Open, "the ignore did not reset the count");
}

#[tokio::test(start_paused = true)]
async fn several_probes_close_only_when_all_succeed() {
    // Guards `with_half_open_probes` on `consecutive`: every probe must succeed.
    let breaker = CircuitBreaker::consecutive(1, SECOND).with_half_open_probes(3);
    fail(&breaker);
    advance(SECOND).await;
    let probes: Vec<_> = (0..3).map(|_| breaker.try_acquire(now()).unwrap()).collect();
    refused(&breaker);
    let mut probes = probes.into_iter();
    probes.next().unwrap().success(now());
    probes.next().unwrap().success(now());
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    probes.next().unwrap().success(now());
    assert_eq!(breaker.state(), BreakerState::Closed);

    fail(&breaker);
    advance(SECOND).await;
    let first = breaker.try_acquire(now()).unwrap();
    let second = breaker.try_acquire(now()).unwrap();
    first.success(now());
    second.failure(now());
    assert_eq!(breaker.state(), BreakerState::Open, "one failed probe re-opens");
}

#[tokio::test(start_paused = true)]
async fn an_outcome_from_an_earlier_state_counts_toward_no_later_one() {
    // Guards the permit generations: a slow attempt admitted while closed must not close
    // a circuit that opened meanwhile, nor count into the window after a reset.
    let breaker = CircuitBreaker::consecutive(1, 10 * SECOND);
    let slow = breaker.try_acquire(now()).unwrap();
    fail(&breaker);
    slow.success(now());
    assert_eq!(breaker.state(), BreakerState::Open);

    advance(10 * SECOND).await;
    let probe = breaker.try_acquire(now()).unwrap();
    breaker.reset();
    let stale_failure = breaker.try_acquire(now()).unwrap();
    breaker.reset();
    probe.failure(now());
    stale_failure.failure(now());
    assert_eq!(breaker.state(), BreakerState::Closed);
}

// ---------------------------------------------------------------------------------------
// resilience4j

#[tokio::test(start_paused = true)]
async fn resilience4j_opens_at_exactly_the_100th_call_with_half_of_them_failed() {
    // Guards the preset's defaults: rate 50 %, count window 100, minimum calls 100.
    let breaker = CircuitBreaker::resilience4j();
    for _ in 0..99 {
        fail(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "99 calls: below the minimum");
    fail(&breaker);
    assert_eq!(breaker.state(), BreakerState::Open);

    let breaker = CircuitBreaker::resilience4j();
    for i in 0..99 {
        if i % 2 == 0 { fail(&breaker) } else { succeed(&breaker) } // 50 failed, 49 succeeded
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    succeed(&breaker); // the 100th: 50 of 100 failed, checked on a success too
    assert_eq!(breaker.state(), BreakerState::Open);

    let breaker = CircuitBreaker::resilience4j();
    for i in 0..100 {
        if i < 49 { fail(&breaker) } else { succeed(&breaker) }
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "49 %: below the threshold");
    for _ in 0..49 {
        fail(&breaker); // each evicts one of the 49 old failures: still 49 of 100
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    fail(&breaker); // evicts a success: 50 of the last 100
    assert_eq!(breaker.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn resilience4j_stays_open_60s_then_admits_exactly_10_probes_judged_together() {
    // Guards the preset's half-open: 60 s open, 10 probes, closed only below 50 % failed.
    let breaker = CircuitBreaker::resilience4j();
    for _ in 0..100 {
        fail(&breaker);
    }
    advance(60 * SECOND - NANO).await;
    assert_eq!(refused(&breaker).retry_in(), Some(NANO));

    advance(NANO).await;
    let probes: Vec<_> = (0..10).map(|_| breaker.try_acquire(now()).unwrap()).collect();
    assert!(probes.iter().all(|p| p.is_probe()));
    assert_eq!(refused(&breaker).until(), None, "exactly 10 probes");
    for (i, probe) in probes.into_iter().enumerate() {
        // 5 of 10 failed: 50 % is not below the threshold.
        if i < 5 {
            probe.failure(now())
        } else {
            probe.success(now())
        }
        let expected = if i < 9 { BreakerState::HalfOpen } else { BreakerState::Open };
        assert_eq!(breaker.state(), expected, "decided only once all 10 reported");
    }
    assert_eq!(refused(&breaker).retry_in(), Some(60 * SECOND));

    advance(60 * SECOND).await;
    for i in 0..10 {
        let probe = breaker.try_acquire(now()).unwrap();
        if i < 4 { probe.failure(now()) } else { probe.success(now()) } // 40 %
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    for _ in 0..99 {
        fail(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "closing started a fresh window");
}

// ---------------------------------------------------------------------------------------
// Polly

#[tokio::test(start_paused = true)]
async fn polly_opens_with_10_percent_failed_over_at_least_100_calls_in_30s() {
    // Guards the preset's defaults: ratio 0.1, minimum throughput 100, sampling 30 s.
    let breaker = CircuitBreaker::polly();
    for i in 0..99 {
        if i % 10 == 0 {
            fail(&breaker)
        } else {
            succeed(&breaker)
        } // 10 failed of 99
        advance(Duration::from_millis(250)).await; // 99 calls over ~25 s
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "99 calls: below the throughput");
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Open, "10 of 100 failed within 30 s");

    let breaker = CircuitBreaker::polly();
    for i in 0..100 {
        if i < 9 { fail(&breaker) } else { succeed(&breaker) }
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "9 % is below the ratio");
}

#[tokio::test(start_paused = true)]
async fn polly_forgets_calls_older_than_its_30s_sampling_duration() {
    // Guards the time window: old calls must stop counting toward the throughput.
    let breaker = CircuitBreaker::polly();
    for _ in 0..60 {
        fail(&breaker);
    }
    advance(30 * SECOND).await;
    for _ in 0..60 {
        succeed(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "only 60 calls in the window");

    // Within the window, the same 120 calls open it.
    let breaker = CircuitBreaker::polly();
    for _ in 0..60 {
        fail(&breaker);
    }
    advance(26 * SECOND).await;
    for _ in 0..39 {
        succeed(&breaker);
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn polly_breaks_for_5s_then_one_probe_decides() {
    // Guards the preset's half-open: 5 s break, one probe.
    let breaker = CircuitBreaker::polly();
    for _ in 0..100 {
        fail(&breaker);
    }
    assert_eq!(refused(&breaker).retry_in(), Some(5 * SECOND));
    advance(5 * SECOND).await;
    let probe = breaker.try_acquire(now()).unwrap();
    refused(&breaker);
    probe.failure(now());
    assert_eq!(refused(&breaker).retry_in(), Some(5 * SECOND));
    advance(5 * SECOND).await;
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

// ---------------------------------------------------------------------------------------
// isolate, reset, state_at

#[tokio::test(start_paused = true)]
async fn isolate_holds_the_circuit_open_until_reset() {
    // Guards the manual override: no cooldown ends an isolation.
    let breaker = CircuitBreaker::consecutive(1, SECOND);
    let before = breaker.try_acquire(now()).unwrap();
    breaker.isolate();
    before.failure(now()); // reports into nothing
    assert!(breaker.is_isolated());
    assert_eq!(breaker.state(), BreakerState::Open);
    advance(Duration::from_secs(3600)).await;
    assert_eq!(breaker.state_at(now()), BreakerState::Open);
    assert_eq!(refused(&breaker).until(), None);
    assert_eq!(refused(&breaker).retry_in(), None);
    breaker.reset();
    assert!(!breaker.is_isolated());
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn state_reads_open_until_a_call_or_state_at_finds_the_cooldown_over() {
    // Guards the documented lazy open → half-open change (resilience4j's default).
    let breaker = CircuitBreaker::consecutive(1, SECOND);
    fail(&breaker);
    advance(SECOND).await;
    assert_eq!(breaker.state(), BreakerState::Open);
    assert_eq!(breaker.state_at(now()), BreakerState::HalfOpen);
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
}

// ---------------------------------------------------------------------------------------
// cancellation

#[tokio::test(start_paused = true)]
async fn a_probe_permit_dropped_unreported_gives_its_slot_back() {
    // Guards §8: a cancelled probe must not leave the circuit half-open for good.
    let breaker = CircuitBreaker::consecutive(1, SECOND);
    fail(&breaker);
    advance(SECOND).await;
    let probe = breaker.try_acquire(now()).unwrap();
    refused(&breaker);
    drop(probe);
    assert_eq!(breaker.state(), BreakerState::HalfOpen, "a drop records nothing");
    let probe = breaker.try_acquire(now()).expect("the slot came back");
    probe.ignore(); // so does an ignored outcome
    succeed(&breaker);
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn aborting_the_task_that_holds_the_probe_gives_the_probe_back() {
    // Guards cancellation through a real future: the permit lives across an await.
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(1));
    fail(&BREAKER);
    advance(SECOND).await;
    static HOLDING: AtomicBool = AtomicBool::new(false);
    let holder = tokio::spawn(async {
        let probe = BREAKER.try_acquire(now()).expect("the probe");
        HOLDING.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3600)).await; // a hung attempt
        probe.success(now());
    });
    while !HOLDING.load(Ordering::SeqCst) {
        tokio::task::yield_now().await;
    }
    assert!(BREAKER.try_acquire(now()).is_err(), "the task holds the only probe");
    holder.abort();
    assert!(holder.await.unwrap_err().is_cancelled());
    assert_eq!(BREAKER.state(), BreakerState::HalfOpen);
    let probe = BREAKER.try_acquire(now()).expect("the probe came back");
    probe.success(now());
    assert_eq!(BREAKER.state(), BreakerState::Closed);
}

// ---------------------------------------------------------------------------------------
// 10 000 concurrent tasks
//
// A paused clock needs the current-thread runtime, so these run on a multi-thread one and
// hand the breaker explicit instants: it reads no clock of its own.

const TASKS: u32 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_racing_for_half_open_get_exactly_the_configured_probes() {
    // Guards the probe count under contention, with probes that succeed (the circuit
    // closes after 10) and with probes that fail (it re-opens after 10).
    for probes_fail in [false, true] {
        let breaker = Arc::new(CircuitBreaker::resilience4j());
        let t0 = Instant::now();
        for _ in 0..100 {
            breaker.try_acquire(t0).unwrap().failure(t0);
        }
        let at = t0 + Duration::from_secs(60);
        let probes = Arc::new(AtomicU32::new(0));
        let out = Arc::new(AtomicU32::new(0));
        let most_out = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (breaker, probes, out, most_out) = (breaker.clone(), probes.clone(), out.clone(), most_out.clone());
                tokio::spawn(async move {
                    let Ok(permit) = breaker.try_acquire(at) else {
                        return;
                    };
                    if !permit.is_probe() {
                        permit.success(at);
                        return;
                    }
                    probes.fetch_add(1, Ordering::SeqCst);
                    let now_out = out.fetch_add(1, Ordering::SeqCst) + 1;
                    most_out.fetch_max(now_out, Ordering::SeqCst);
                    tokio::task::yield_now().await; // hold it while others race
                    out.fetch_sub(1, Ordering::SeqCst);
                    if probes_fail { permit.failure(at) } else { permit.success(at) }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(probes.load(Ordering::SeqCst), 10, "probes_fail = {probes_fail}");
        assert!(most_out.load(Ordering::SeqCst) <= 10);
        let expected = if probes_fail { BreakerState::Open } else { BreakerState::Closed };
        assert_eq!(breaker.state(), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_recording_at_once_lose_no_update() {
    // Guards exact counting under contention: a lost update would leave these closed.
    let t0 = Instant::now();
    let consecutive = Arc::new(CircuitBreaker::consecutive(TASKS + 1, SECOND));
    let ratio = Arc::new(CircuitBreaker::failure_ratio(0.5, TASKS, SlidingWindow::Calls(TASKS), SECOND));
    let tasks: Vec<_> = (0..TASKS - 1)
        .map(|i| {
            let (consecutive, ratio) = (consecutive.clone(), ratio.clone());
            tokio::spawn(async move {
                let a = consecutive.try_acquire(t0).unwrap();
                let b = ratio.try_acquire(t0).unwrap();
                tokio::task::yield_now().await;
                a.failure(t0);
                if i < TASKS / 2 { b.failure(t0) } else { b.success(t0) }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    // 9 999 failures in a row; 5 000 failures in 9 999 calls.
    assert_eq!(consecutive.state(), BreakerState::Closed);
    assert_eq!(ratio.state(), BreakerState::Closed);
    consecutive.try_acquire(t0).unwrap().failure(t0);
    ratio.try_acquire(t0).unwrap().success(t0);
    assert_eq!(ratio.state(), BreakerState::Open, "the 10 000th call: exactly 50 %");
    assert_eq!(consecutive.state(), BreakerState::Closed, "10 000 of 10 001");
    consecutive.try_acquire(t0).unwrap().failure(t0);
    assert_eq!(consecutive.state(), BreakerState::Open);
}

// ---------------------------------------------------------------------------------------
// probes across rounds

#[tokio::test(start_paused = true)]
async fn probes_still_running_from_a_failed_round_count_against_the_next() {
    // Guards the probe limit across rounds: one probe of three failed and re-opened the
    // circuit while two ran on; the next half-open round admitted a full three beside them
    // (five out against a limit of three).
    let breaker = CircuitBreaker::consecutive(1, SECOND).with_half_open_probes(3);
    fail(&breaker);
    advance(SECOND).await;
    let first = breaker.try_acquire(now()).unwrap();
    let second = breaker.try_acquire(now()).unwrap();
    let third = breaker.try_acquire(now()).unwrap();
    assert!(first.is_probe() && second.is_probe() && third.is_probe());
    first.failure(now());
    assert_eq!(breaker.state(), BreakerState::Open);
    advance(SECOND).await;
    let next = breaker.try_acquire(now()).expect("one slot is free");
    refused(&breaker);
    // The old round's probes end: their slots come back, their outcomes count for nothing.
    second.success(now());
    drop(third);
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    let more = breaker.try_acquire(now()).expect("the slots came back");
    let last = breaker.try_acquire(now()).expect("the slots came back");
    refused(&breaker);
    for probe in [next, more, last] {
        probe.success(now());
    }
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_probes_never_exceed_the_limit_across_rounds() {
    // Guards the bound under contention: probes that fail one in three, re-opening the
    // circuit while others still run, never hold more than the limit at once.
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_micros(50)).with_half_open_probes(3);
    static OUT: AtomicU32 = AtomicU32::new(0);
    static MOST: AtomicU32 = AtomicU32::new(0);
    let tasks: Vec<_> = (0..8u32)
        .map(|task| {
            tokio::spawn(async move {
                for i in 0..2_000u32 {
                    let Ok(permit) = BREAKER.try_acquire(Instant::now()) else {
                        tokio::task::yield_now().await;
                        continue;
                    };
                    if permit.is_probe() {
                        let out = OUT.fetch_add(1, Ordering::SeqCst) + 1;
                        MOST.fetch_max(out, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        OUT.fetch_sub(1, Ordering::SeqCst);
                    }
                    if (task + i) % 3 == 0 { permit.failure(Instant::now()) } else { permit.success(Instant::now()) }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let most = MOST.load(Ordering::SeqCst);
    assert!(most <= 3, "{most} probes out at once against a limit of 3");
    assert!(most >= 1, "the stress never reached half-open");
}

/// A report reads the clock only where the breaker needs the time: a consecutive count
/// below its threshold, and the success that resets it, read none; the failure that opens
/// the circuit reads it once; a time window reads it for every report.
#[test]
fn a_report_reads_the_clock_only_where_the_breaker_needs_the_time() {
    use retry_runtime::__private::AttemptPermit;
    use std::cell::Cell;

    let reads = Cell::new(0);
    let clock = || {
        reads.set(reads.get() + 1);
        Instant::now()
    };
    let report = |breaker: &CircuitBreaker, failed: bool| {
        let mut permit = breaker.try_acquire(Instant::now()).expect("admitted");
        if failed { AttemptPermit::failure(&mut permit, clock) } else { AttemptPermit::success(&mut permit, clock) }
    };

    let consecutive = CircuitBreaker::consecutive(3, Duration::from_secs(30));
    report(&consecutive, true);
    report(&consecutive, true);
    report(&consecutive, false);
    assert_eq!(reads.get(), 0, "two failures and the reset");
    for _ in 0..3 {
        report(&consecutive, true);
    }
    assert_eq!(consecutive.state(), BreakerState::Open);
    assert_eq!(reads.get(), 1, "the failure that opened the circuit");

    reads.set(0);
    let timed =
        CircuitBreaker::failure_ratio(0.5, 100, SlidingWindow::Time(Duration::from_secs(30)), Duration::from_secs(5));
    report(&timed, true);
    report(&timed, false);
    assert_eq!(reads.get(), 2, "a time window reads the time of every report");
}
