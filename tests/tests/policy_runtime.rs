//! `RetryPolicy` end to end: which outcomes are retried, what is returned, what the hooks
//! see, server-directed delays, and the blocking path with its sleepers.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::time::Duration;

use retry_runtime::sleep::NoSleep;
use retry_runtime::stop::{attempts, deadline, elapsed};
use retry_runtime::wait::{chain, decorrelated_jitter, exponential, fixed, full_jitter, none, random};
use retry_runtime::{LogLevel, RetryPolicy, RetryState};
use tests_integration::fake_clock::RecordingSleep;
use tests_integration::replay;
use tokio::time::Instant;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// An error that is neither `Clone` nor `PartialEq`-by-accident: it carries the attempt that
/// produced it and a heap payload, so "returned unchanged" means the very value.
#[derive(Debug, PartialEq)]
enum Failure {
    Busy { attempt: u32, detail: Box<str> },
    BadRequest { attempt: u32 },
}

impl Failure {
    fn busy(attempt: u32) -> Self {
        Self::Busy { attempt, detail: format!("busy on attempt {attempt}").into() }
    }
    fn is_busy(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy { detail, .. } => f.write_str(detail),
            Self::BadRequest { attempt } => write!(f, "bad request on attempt {attempt}"),
        }
    }
}

/// Numbers the attempts of one call from 1.
#[derive(Default)]
struct Counter(Cell<u32>);

impl Counter {
    fn next(&self) -> u32 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }
    fn get(&self) -> u32 {
        self.0.get()
    }
}

// --- which outcomes are retried, and what comes back -----------------------------------------

// The last error is returned as it is, not the first one and not a copy.
#[tokio::test(start_paused = true)]
async fn last_error_is_returned_unchanged() {
    let policy = RetryPolicy::builder().stop(attempts(3)).wait(fixed(secs(1))).build().unwrap();
    let n = Counter::default();
    let out: Result<(), Failure> = policy
        .retry(|| {
            let a = n.next();
            async move { Err(Failure::busy(a)) }
        })
        .await;
    assert_eq!(out, Err(Failure::busy(3)));
    assert_eq!(n.get(), 3);
}

// `when` retries only what it accepts: busy errors are retried, the bad request that
// follows them is returned at once.
#[tokio::test(start_paused = true)]
async fn when_retries_only_the_errors_it_accepts() {
    let policy = RetryPolicy::builder().stop(attempts(10)).wait(fixed(secs(1))).when(Failure::is_busy).build().unwrap();
    let n = Counter::default();
    let start = Instant::now();
    let out: Result<(), Failure> = policy
        .retry(|| {
            let a = n.next();
            async move { if a < 3 { Err(Failure::busy(a)) } else { Err(Failure::BadRequest { attempt: a }) } }
        })
        .await;
    assert_eq!(out, Err(Failure::BadRequest { attempt: 3 }));
    assert_eq!(start.elapsed(), secs(2));
}

// An error the policy does not retry comes back after one attempt, with no sleep and
// without the retry hooks (`after`, `before_sleep`, `on_give_up`) running.
#[tokio::test(start_paused = true)]
async fn non_retryable_error_is_returned_after_one_attempt() {
    let hooks = RefCell::new(Vec::new());
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(fixed(secs(1)))
        .when(Failure::is_busy)
        .before(|_: &RetryState<'_, (), Failure>| hooks.borrow_mut().push("before"))
        .after(|_: &RetryState<'_, (), Failure>| hooks.borrow_mut().push("after"))
        .before_sleep(|_: &RetryState<'_, (), Failure>| hooks.borrow_mut().push("before_sleep"))
        .on_give_up(|_: &RetryState<'_, (), Failure>| hooks.borrow_mut().push("on_give_up"))
        .build()
        .unwrap();
    let n = Counter::default();
    let start = Instant::now();
    let out = policy
        .retry(|| {
            let a = n.next();
            async move { Err(Failure::BadRequest { attempt: a }) }
        })
        .await;
    assert_eq!(out, Err(Failure::BadRequest { attempt: 1 }));
    assert_eq!(n.get(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(hooks.into_inner(), ["before"]);
}

// A success after failures is returned, and ends the call there.
#[tokio::test(start_paused = true)]
async fn success_after_failures_is_returned() {
    let policy = RetryPolicy::builder().stop(attempts(5)).wait(fixed(secs(1))).build().unwrap();
    let n = Counter::default();
    let out: Result<u32, Failure> = policy
        .retry(|| {
            let a = n.next();
            async move { if a < 3 { Err(Failure::busy(a)) } else { Ok(a) } }
        })
        .await;
    assert_eq!(out, Ok(3));
    assert_eq!(n.get(), 3);
}

// `when_ok` retries rejected values and returns the first accepted one.
#[tokio::test(start_paused = true)]
async fn when_ok_retries_rejected_values() {
    let policy =
        RetryPolicy::builder().stop(attempts(5)).wait(fixed(secs(1))).when_ok(|v: &u32| *v < 3).build().unwrap();
    let n = Counter::default();
    let out: Result<u32, Failure> = policy
        .retry(|| {
            let a = n.next();
            async move { Ok(a) }
        })
        .await;
    assert_eq!(out, Ok(3));
}

// When attempts run out on rejected values, the last `Ok` comes back as it is (Tenacity
// `retry_if_result`), and `on_give_up` sees it.
#[tokio::test(start_paused = true)]
async fn when_ok_returns_the_last_ok_unchanged_when_attempts_run_out() {
    let gave_up_on = Cell::new(None);
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(fixed(secs(1)))
        .when_ok(|v: &String| v.starts_with("partial"))
        .on_give_up(|s: &RetryState<'_, String, Failure>| {
            gave_up_on.set(Some((s.attempt(), s.outcome().unwrap().is_ok())));
        })
        .build()
        .unwrap();
    let n = Counter::default();
    let out: Result<String, Failure> = policy
        .retry(|| {
            let a = n.next();
            async move { Ok(format!("partial {a}")) }
        })
        .await;
    assert_eq!(out.unwrap(), "partial 3");
    assert_eq!(gave_up_on.get(), Some((3, true)));
}

// `when` and `when_ok` together: errors and values are each judged by their own predicate.
#[test]
fn when_and_when_ok_judge_errors_and_values_separately() {
    let policy = RetryPolicy::builder()
        .stop(attempts(10))
        .wait(none())
        .when(Failure::is_busy)
        .when_ok(|v: &u32| *v % 2 == 1)
        .build()
        .unwrap();
    let n = Counter::default();
    let script = |a: u32| match a {
        1 | 3 => Err(Failure::busy(a)),
        2 => Ok(5),
        _ => Ok(a * 10),
    };
    let out = policy.retry_blocking(|| script(n.next()));
    assert_eq!(out, Ok(40), "busy, odd, busy, then an even value");
    let n = Counter::default();
    let out = policy.retry_blocking(|| match n.next() {
        1 => Ok(1),
        a => Err(Failure::BadRequest { attempt: a }),
    });
    assert_eq!(out, Err(Failure::BadRequest { attempt: 2 }));
}

// --- hooks ------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Seen {
    hook: &'static str,
    function: &'static str,
    attempt: u32,
    elapsed: Duration,
    slept: Duration,
    next_delay: Option<Duration>,
    error: Option<String>,
}

fn seen(hook: &'static str, s: &RetryState<'_, (), Failure>) -> Seen {
    Seen {
        hook,
        function: s.function(),
        attempt: s.attempt(),
        elapsed: s.elapsed(),
        slept: s.slept(),
        next_delay: s.next_delay(),
        error: s.error().map(ToString::to_string),
    }
}

// Each hook runs at its moment and sees the attempt number, the time since the first
// attempt (attempts take 500 ms here, so elapsed and slept differ), the time slept, the
// next delay (only before a sleep) and the outcome.
#[tokio::test(start_paused = true)]
async fn hooks_see_attempt_elapsed_slept_and_next_delay() {
    let log = RefCell::new(Vec::new());
    let policy = RetryPolicy::builder()
        .name("billing::charge")
        .stop(attempts(3))
        .wait(exponential(secs(1), secs(60)))
        .before(|s: &RetryState<'_, (), Failure>| log.borrow_mut().push(seen("before", s)))
        .after(|s: &RetryState<'_, (), Failure>| log.borrow_mut().push(seen("after", s)))
        .before_sleep(|s: &RetryState<'_, (), Failure>| {
            log.borrow_mut().push(seen("before_sleep", s));
        })
        .on_give_up(|s: &RetryState<'_, (), Failure>| log.borrow_mut().push(seen("on_give_up", s)))
        .build()
        .unwrap();
    let n = Counter::default();
    let out = policy
        .retry(|| {
            let a = n.next();
            async move {
                tokio::time::sleep(ms(500)).await;
                Err(Failure::busy(a))
            }
        })
        .await;
    assert_eq!(out, Err(Failure::busy(3)));

    let row = |hook, attempt, elapsed_ms, slept_s, next_delay_s: Option<u64>, failed: bool| Seen {
        hook,
        function: "billing::charge",
        attempt,
        elapsed: ms(elapsed_ms),
        slept: secs(slept_s),
        next_delay: next_delay_s.map(secs),
        error: failed.then(|| format!("busy on attempt {attempt}")),
    };
    assert_eq!(
        log.into_inner(),
        [
            row("before", 1, 0, 0, None, false),
            row("after", 1, 500, 0, None, true),
            row("before_sleep", 1, 500, 0, Some(1), true),
            row("before", 2, 1500, 1, None, false),
            row("after", 2, 2000, 1, None, true),
            row("before_sleep", 2, 2000, 1, Some(2), true),
            row("before", 3, 4000, 3, None, false),
            row("after", 3, 4500, 3, None, true),
            row("on_give_up", 3, 4500, 3, None, true),
        ]
    );
}

// On a first-try success only `before` runs, once.
#[tokio::test(start_paused = true)]
async fn first_try_success_runs_only_the_before_hook() {
    let log = RefCell::new(Vec::new());
    let policy = RetryPolicy::builder()
        .before(|s: &RetryState<'_, u8, Failure>| log.borrow_mut().push(("before", s.attempt())))
        .after(|s: &RetryState<'_, u8, Failure>| log.borrow_mut().push(("after", s.attempt())))
        .before_sleep(|s: &RetryState<'_, u8, Failure>| {
            log.borrow_mut().push(("before_sleep", s.attempt()));
        })
        .on_give_up(|s: &RetryState<'_, u8, Failure>| {
            log.borrow_mut().push(("on_give_up", s.attempt()));
        })
        .build()
        .unwrap();
    assert_eq!(policy.retry(|| async { Ok(7) }).await, Ok(7));
    assert_eq!(log.into_inner(), [("before", 1)]);
}

// --- server-directed delays -------------------------------------------------------------------

/// When each attempt began for a policy whose every error asks for `asked`.
async fn times_with_server_delay<S: retry_runtime::stop::Stop>(
    stop: S,
    planned: Duration,
    asked: Duration,
    ceiling: Option<Duration>,
) -> Vec<Duration> {
    let mut builder =
        RetryPolicy::builder().stop(stop).wait(fixed(planned)).retry_after(move |_: &Failure| Some(asked));
    if let Some(ceiling) = ceiling {
        builder = builder.retry_after_max(ceiling);
    }
    let policy = builder.build().unwrap();
    let start = Instant::now();
    let times = RefCell::new(Vec::new());
    let n = Counter::default();
    let out: Result<(), Failure> = policy
        .retry(|| {
            times.borrow_mut().push(start.elapsed());
            let a = n.next();
            async move { Err(Failure::busy(a)) }
        })
        .await;
    assert!(out.is_err());
    times.into_inner()
}

// The next sleep is the larger of the server's delay and the strategy's (spec §3
// retry_after).
#[tokio::test(start_paused = true)]
async fn retry_after_takes_the_larger_of_server_and_strategy_delay() {
    let server_longer = times_with_server_delay(attempts(3), secs(1), secs(5), None).await;
    assert_eq!(server_longer, [0, 5, 10].map(secs));
    let strategy_longer = times_with_server_delay(attempts(3), secs(3), secs(1), None).await;
    assert_eq!(strategy_longer, [0, 3, 6].map(secs));
}

// A server delay above the ceiling (60 s by default) gives up at once instead of waiting
// in vain; a raised ceiling waits it out.
#[tokio::test(start_paused = true)]
async fn retry_after_above_the_ceiling_gives_up_at_once() {
    let over = times_with_server_delay(attempts(3), secs(1), secs(61), None).await;
    assert_eq!(over, [secs(0)]);
    let at_ceiling = times_with_server_delay(attempts(2), secs(1), secs(60), None).await;
    assert_eq!(at_ceiling, [0, 60].map(secs));
    let raised = times_with_server_delay(attempts(2), secs(1), secs(61), Some(secs(120))).await;
    assert_eq!(raised, [0, 61].map(secs));
}

// A server delay that would cross the deadline gives up at once.
#[tokio::test(start_paused = true)]
async fn retry_after_crossing_the_deadline_gives_up_at_once() {
    let times = times_with_server_delay(deadline(secs(10)), secs(1), secs(8), None).await;
    assert_eq!(times, [0, 8].map(secs));
}

// --- the blocking path ------------------------------------------------------------------------

// `retry_blocking` with `NoSleep` runs every attempt at once, whatever the strategy says.
#[test]
fn retry_blocking_with_no_sleep_never_waits() {
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(fixed(Duration::from_secs(3600)))
        .sleeper(NoSleep)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let n = Counter::default();
    let start = std::time::Instant::now();
    let out: Result<(), Failure> = policy.retry_blocking(|| Err(Failure::busy(n.next())));
    assert_eq!(out, Err(Failure::busy(5)));
    assert!(start.elapsed() < Duration::from_secs(60), "slept for real");
}

// The blocking sleeper is asked for exactly the strategy's delays, one per retry.
#[test]
fn blocking_sleeper_is_asked_for_the_strategys_delays() {
    let sleeper = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(attempts(6))
        .wait(exponential(secs(1), secs(10)))
        .sleeper(&sleeper)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let out: Result<(), &str> = policy.retry_blocking(|| Err("down"));
    assert_eq!(out, Err("down"));
    assert_eq!(sleeper.delays(), [1, 2, 4, 8, 10].map(secs));
}

// Seeded jitter reaches the sleeper draw for draw as the strategy gives it, including
// decorrelated jitter, which is fed its own previous delay.
#[test]
fn blocking_sleeper_gets_the_seeded_jitter_sequence() {
    fn run<W: retry_runtime::wait::Wait>(wait: W, seed: u64) -> Vec<Duration> {
        let sleeper = RecordingSleep::new();
        let policy = RetryPolicy::builder()
            .stop(attempts(8))
            .wait(wait)
            .seed(seed)
            .sleeper(&sleeper)
            .log(LogLevel::Off)
            .build()
            .unwrap();
        let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
        sleeper.delays()
    }
    let full = full_jitter(secs(1), secs(60));
    let decorrelated = decorrelated_jitter(secs(1), secs(60));
    for seed in [0, 7, 42, u64::MAX] {
        assert_eq!(run(full, seed), replay::delays(&full, seed, 7), "seed {seed}");
        assert_eq!(run(decorrelated, seed), replay::delays(&decorrelated, seed, 7));
    }
    assert_eq!(
        run(decorrelated, 42)[..3],
        [Duration::from_nanos(2_628_610_291), Duration::from_nanos(3_195_347_760), Duration::from_nanos(9_447_757_911),],
        "the sequence pinned in wait_strategies.rs"
    );
}

// A seeded policy draws the same jitter on every call; an unseeded one draws afresh.
#[test]
fn seed_makes_every_call_draw_the_same_jitter() {
    let seeded = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(attempts(6))
        .wait(random(Duration::ZERO, secs(1)))
        .seed(9)
        .sleeper(&seeded)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    for _ in 0..2 {
        let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
    }
    let d = seeded.delays();
    assert_eq!(d.len(), 10);
    assert_eq!(d[..5], d[5..], "two calls of a seeded policy");

    let fresh = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(attempts(6))
        .wait(random(Duration::ZERO, secs(1)))
        .sleeper(&fresh)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    for _ in 0..2 {
        let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
    }
    let d = fresh.delays();
    assert_ne!(d[..5], d[5..], "two calls of an unseeded policy drew the same jitter");
}

// Time-based stops read the blocking sleeper's clock: on a fake clock that only sleeping
// moves, `elapsed(10s)` with `fixed(3s)` attempts at 0, 3, 6, 9 and 12 s, and `deadline`
// stops before a sleep that would cross it.
#[test]
fn blocking_time_based_stops_read_the_sleepers_clock() {
    let sleeper = RecordingSleep::new();
    let times = RefCell::new(Vec::new());
    let policy = RetryPolicy::builder()
        .stop(elapsed(secs(10)))
        .wait(fixed(secs(3)))
        .sleeper(&sleeper)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let _: Result<(), &str> = policy.retry_blocking(|| {
        times.borrow_mut().push(sleeper.elapsed());
        Err("down")
    });
    assert_eq!(times.into_inner(), [0, 3, 6, 9, 12].map(secs));

    let sleeper = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(deadline(secs(10)))
        .wait(exponential(secs(1), secs(60)))
        .sleeper(&sleeper)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
    assert_eq!(sleeper.delays(), [1, 2, 4].map(secs));
}

// A zero delay never reaches the sleeper: no timer, no syscall, for `none` or a zero step.
#[test]
fn zero_delays_never_reach_the_sleeper() {
    let sleeper = RecordingSleep::new();
    let policy =
        RetryPolicy::builder().stop(attempts(4)).wait(none()).sleeper(&sleeper).log(LogLevel::Off).build().unwrap();
    let n = Counter::default();
    let _: Result<(), &str> = policy.retry_blocking(|| {
        n.next();
        Err("down")
    });
    assert_eq!(n.get(), 4);
    assert!(sleeper.delays().is_empty());

    let sleeper = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(attempts(4))
        .wait(chain((none(), fixed(secs(1)))))
        .sleeper(&sleeper)
        .log(LogLevel::Off)
        .build()
        .unwrap();
    let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
    assert_eq!(sleeper.delays(), [secs(1), secs(1)]);
}

// The blocking path applies the same predicates: a non-retryable error after one attempt.
#[test]
fn retry_blocking_returns_a_non_retryable_error_at_once() {
    let sleeper = RecordingSleep::new();
    let policy = RetryPolicy::builder()
        .stop(attempts(5))
        .wait(fixed(secs(1)))
        .when(Failure::is_busy)
        .sleeper(&sleeper)
        .build()
        .unwrap();
    let n = Counter::default();
    let out: Result<(), Failure> = policy.retry_blocking(|| {
        let a = n.next();
        if a == 1 { Err(Failure::busy(a)) } else { Err(Failure::BadRequest { attempt: a }) }
    });
    assert_eq!(out, Err(Failure::BadRequest { attempt: 2 }));
    assert_eq!(sleeper.delays(), [secs(1)]);
}
