//! One annotated function hammered at once, its breaker and budget shared: every call ends,
//! the half-open circuit never runs more probes than it admits, the budget stays within
//! its bounds, and every count adds up exactly.
//!
//! The budgets are the ratio form with room to spare (`percent_with_reserve`, saving far
//! more than the test can deposit), whose final balance is a function of the number of
//! calls and of the retries paid, in whatever order they happened; the token-bucket form's
//! first-try rewards are clipped at its capacity, which depends on the order.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use retry_runtime::predicate::{AnyError, NoServerDelay, NoValue};
use retry_runtime::sleep::{AsyncSleep, Execution};
use retry_runtime::stop::{Attempts, attempts};
use retry_runtime::wait::{NoWait, none};
use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, LogLevel, RetryBudget, RetryPolicy, retry};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outage {
    /// The attempt with this number failed.
    Down(u32),
    /// The breaker refused an attempt.
    Open,
}

impl From<CircuitOpen> for Outage {
    fn from(_: CircuitOpen) -> Self {
        Self::Open
    }
}

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Which attempts of call `id` fail.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Script {
    /// Every attempt fails.
    Down,
    /// Every attempt succeeds.
    Up,
    /// Odd calls fail their first attempt, even calls succeed at once.
    Flaky,
}

impl Script {
    const fn fails(self, id: u32, attempt: u32) -> bool {
        match self {
            Self::Down => true,
            Self::Up => false,
            Self::Flaky => id % 2 == 1 && attempt == 1,
        }
    }
}

/// The balance a ratio budget must hold after `calls` calls and `paid` paid retries, if it
/// never reached its cap: the reserve, plus every call's deposit, less the reserve repaid
/// and what the retries cost.
fn ratio_balance(percent: u64, reserve: u64, calls: u64, paid: u64) -> u64 {
    let deposits = calls * percent;
    reserve * 100 + deposits - deposits.min(reserve * 100) - 100 * paid
}

// ---------------------------------------------------------------------------------------
// 10 000 tokio tasks at once, in waves

const TASKS: u32 = 10_000;
const PROBES: u32 = 3;
const COOLDOWN: Duration = Duration::from_secs(30);
const PERCENT: u32 = 20;
const RESERVE: u32 = 10;

static HAMMERED: CircuitBreaker = CircuitBreaker::consecutive(20, COOLDOWN).with_half_open_probes(PROBES);
static SHARED: RetryBudget = RetryBudget::percent_with_reserve(PERCENT, RESERVE, 1_000_000);

/// A clock only the test moves, read by the policy and so by the breaker: it stands still
/// within a wave, so an open circuit can turn half-open only at a wave's start.
#[derive(Debug, Clone, Copy)]
struct WaveClock;

static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);
static CLOCK_MS: AtomicU64 = AtomicU64::new(0);

impl AsyncSleep for WaveClock {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        tokio::time::sleep(delay) // never called: `wait = none`
    }
    fn now(&self) -> Instant {
        *ORIGIN + Duration::from_millis(CLOCK_MS.load(SeqCst))
    }
}

type WavePolicy = RetryPolicy<Attempts, NoWait, AnyError, NoValue, NoServerDelay, Execution<WaveClock>>;

static POLICY: LazyLock<WavePolicy> = LazyLock::new(|| {
    RetryPolicy::builder().stop(attempts(3)).wait(none()).sleeper(WaveClock).log(LogLevel::Off).build().unwrap()
});

static BODY_RUNS: AtomicU64 = AtomicU64::new(0);
static PROBES_SEEN: AtomicU32 = AtomicU32::new(0);
static PROBES_RUNNING: AtomicU32 = AtomicU32::new(0);
static MOST_PROBES_RUNNING: AtomicU32 = AtomicU32::new(0);
static OVER_CAPACITY: AtomicBool = AtomicBool::new(false);

#[retry(policy = POLICY, breaker = HAMMERED, budget = SHARED, state = s)]
async fn hammered(id: u32, script: Script, ran: &mut u32) -> Result<u32, Outage> {
    *ran += 1;
    BODY_RUNS.fetch_add(1, SeqCst);
    if SHARED.available() > SHARED.capacity() {
        OVER_CAPACITY.store(true, SeqCst);
    }
    // Within a wave the circuit is half-open at most once, at its start, before anything
    // else is admitted: a body that finds it half-open holds one of its probes.
    let probing = HAMMERED.state() == BreakerState::HalfOpen;
    if probing {
        PROBES_SEEN.fetch_add(1, SeqCst);
        MOST_PROBES_RUNNING.fetch_max(PROBES_RUNNING.fetch_add(1, SeqCst) + 1, SeqCst);
    }
    tokio::task::yield_now().await; // hold the permit while other tasks race for theirs
    if probing {
        PROBES_RUNNING.fetch_sub(1, SeqCst);
    }
    if script.fails(id, s.attempt()) { Err(Outage::Down(s.attempt())) } else { Ok(s.attempt()) }
}

/// Runs one wave of [`TASKS`] concurrent calls; returns each call's outcome and the number
/// of attempts its body counted.
async fn wave(script: Script) -> Vec<(u32, Result<u32, Outage>, u32)> {
    let tasks: Vec<_> = (0..TASKS)
        .map(|id| {
            tokio::spawn(async move {
                let mut ran = 0;
                let out = hammered(id, script, &mut ran).await;
                (id, out, ran)
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.expect("no call panics"));
    }
    outcomes
}

// Six waves of 10 000 calls at once: down, up, flaky, down, down, up. Probes are counted by
// the bodies themselves, the budget's balance is checked to the token, and a timeout turns
// a call that never ends into a failure rather than a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_tasks_share_one_breaker_and_budget_exactly() {
    let (mut calls, mut paid) = (0_u64, 0_u64);
    let scripts = [Script::Down, Script::Up, Script::Flaky, Script::Down, Script::Down, Script::Up];
    for (w, script) in scripts.into_iter().enumerate() {
        let opened = HAMMERED.state() == BreakerState::Open;
        CLOCK_MS.fetch_add(u64::try_from(COOLDOWN.as_millis()).unwrap(), SeqCst); // any cooldown is over
        PROBES_SEEN.store(0, SeqCst);
        let outcomes = tokio::time::timeout(Duration::from_secs(60), wave(script)).await.expect("every call ends");

        let (mut ran_total, mut requests) = (0_u64, 0_usize);
        for (id, out, ran) in outcomes {
            ran_total += u64::from(ran);
            requests += usize::from(ran > 0);
            let begun = match out {
                Ok(n) | Err(Outage::Down(n)) => {
                    assert_eq!(ran, n, "wave {w}, call {id}: the attempt number is the attempts run");
                    assert_eq!(out.is_ok(), !script.fails(id, n), "wave {w}, call {id}");
                    n
                }
                Err(Outage::Open) => ran + 1, // refused before its next attempt ran
            };
            assert!(begun <= 3);
            paid += u64::from(begun - 1); // every attempt after the first was paid for
        }
        // A percent budget saves from the calls that ran an attempt, not the refused ones.
        calls += u64::try_from(requests).unwrap();
        assert_eq!(BODY_RUNS.swap(0, SeqCst), ran_total, "wave {w}: the bodies ran what the calls report");

        let probes = PROBES_SEEN.load(SeqCst);
        assert!(probes <= PROBES, "wave {w}: {probes} probes ran");
        if opened && script == Script::Up {
            assert_eq!(probes, PROBES, "wave {w}: every probe ran, and closed the circuit");
            assert_eq!(HAMMERED.state(), BreakerState::Closed);
        }
        if script == Script::Down {
            assert_eq!(HAMMERED.state(), BreakerState::Open, "wave {w}");
        }
        assert_eq!(
            u64::from(SHARED.available()),
            ratio_balance(PERCENT.into(), RESERVE.into(), calls, paid),
            "wave {w}: the budget paid exactly the retries made"
        );
    }
    assert!(MOST_PROBES_RUNNING.load(SeqCst) <= PROBES);
    assert!(!OVER_CAPACITY.load(SeqCst), "the budget never went above its capacity");
    assert_eq!(HAMMERED.state(), BreakerState::Closed, "no probe was lost on the way");
}

// ---------------------------------------------------------------------------------------
// 64 OS threads calling a plain fn

const THREADS: u32 = 64;
const CALLS_PER_THREAD: u32 = 250;

static THREAD_BUDGET: RetryBudget = RetryBudget::percent_with_reserve(25, RESERVE, 1_000_000);
static THREAD_RUNS: AtomicU64 = AtomicU64::new(0);
static THREAD_OVER_CAPACITY: AtomicBool = AtomicBool::new(false);

#[retry(stop = attempts(3), wait = none, budget = THREAD_BUDGET, state = s, log = off)]
fn threaded(failures: u32, ran: &mut u32) -> Result<u32, Outage> {
    *ran += 1;
    THREAD_RUNS.fetch_add(1, SeqCst);
    if THREAD_BUDGET.available() > THREAD_BUDGET.capacity() {
        THREAD_OVER_CAPACITY.store(true, SeqCst);
    }
    if s.attempt() <= failures { Err(Outage::Down(s.attempt())) } else { Ok(s.attempt()) }
}

// The same on threads with a blocking loop: 16 000 calls want 20 000 retries from a
// budget that pays for at most 4 000 (a quarter of the calls), every one accounted for.
#[test]
fn sixty_four_threads_share_one_budget_exactly() {
    let paid: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    let (mut paid, mut ran_total) = (0_u64, 0_u64);
                    for i in 0..CALLS_PER_THREAD {
                        let failures = (t + i) % 4; // 3: never succeeds in 3 attempts
                        let mut ran = 0;
                        let out = threaded(failures, &mut ran);
                        let n = match out {
                            Ok(n) => {
                                assert_eq!(n, failures + 1);
                                n
                            }
                            // Either out of attempts, or refused a retry by the budget.
                            Err(Outage::Down(n)) => {
                                assert!(n <= failures && n <= 3);
                                n
                            }
                            Err(Outage::Open) => unreachable!("no breaker"),
                        };
                        assert_eq!(ran, n);
                        ran_total += u64::from(ran);
                        paid += u64::from(n - 1);
                    }
                    (paid, ran_total)
                })
            })
            .collect();
        let (mut paid, mut ran_total) = (0, 0);
        for thread in threads {
            let (p, r) = thread.join().expect("no call panics");
            paid += p;
            ran_total += r;
        }
        assert_eq!(THREAD_RUNS.load(SeqCst), ran_total);
        paid
    });
    let calls = u64::from(THREADS * CALLS_PER_THREAD);
    assert_eq!(u64::from(THREAD_BUDGET.available()), ratio_balance(25, RESERVE.into(), calls, paid));
    assert!(!THREAD_OVER_CAPACITY.load(SeqCst));
    assert!(paid <= 4_000, "at most 25 % of the calls retried: {paid} retries paid");
}
