//! The `metrics` feature records exactly one fact per instrument, and a first-try success
//! touches only the attempts counter (`docs/metrics.md`).
#![cfg(feature = "metrics")]

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use retry_runtime::stop::attempts;
use retry_runtime::telemetry::{
    ATTEMPTS, BREAKER_STATE, BREAKER_TRANSITIONS, BUDGET_REFUSALS, DELAY, GIVE_UPS, RETRIES,
};
use retry_runtime::wait::{fixed, none};
use retry_runtime::{CircuitBreaker, CircuitOpen, RetryBudget, RetryPolicy};

/// `name{label=value,…}` → a counter's count, a gauge's value, or a histogram's number of samples.
fn recorded(run: impl FnOnce()) -> BTreeMap<String, f64> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, run);
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let mut labels: Vec<String> = key.key().labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            labels.sort();
            let value = match value {
                DebugValue::Counter(n) => n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                DebugValue::Histogram(samples) => samples.len() as f64,
            };
            (format!("{}{{{}}}", key.key().name(), labels.join(",")), value)
        })
        .filter(|(_, value)| *value != 0.0)
        .collect()
}

fn expect(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

#[derive(Debug, PartialEq)]
enum Error {
    Busy,
    Bad,
    Open,
    Full,
}
impl From<retry_runtime::BulkheadFull> for Error {
    fn from(_: retry_runtime::BulkheadFull) -> Self {
        Error::Full
    }
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

/// Guards the first-try budget of the spec (§13): one counter, nothing else.
#[test]
fn a_first_try_success_touches_only_the_attempts_counter() {
    let policy = RetryPolicy::builder().name("f").build().unwrap();
    let seen = recorded(|| {
        let _: Result<u32, Error> = policy.retry_blocking(|| Ok(1));
    });
    assert_eq!(seen, expect(&[(&format!("{ATTEMPTS}{{function=f,outcome=success}}"), 1.0)]));
}

/// Guards the retry path: each attempt, the retry and its delay, and no give-up.
#[test]
fn a_retry_counts_its_attempts_the_retry_and_the_delay() {
    let policy =
        RetryPolicy::builder().name("f").stop(attempts(3)).wait(fixed(Duration::from_millis(1))).build().unwrap();
    let seen = recorded(|| {
        let mut n = 0;
        let _: Result<u32, Error> = policy.retry_blocking(|| {
            n += 1;
            if n < 2 { Err(Error::Busy) } else { Ok(n) }
        });
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=retryable}}"), 1.0),
            (&format!("{ATTEMPTS}{{function=f,outcome=success}}"), 1.0),
            (&format!("{RETRIES}{{function=f,outcome=error}}"), 1.0),
            (&format!("{DELAY}{{function=f}}"), 1.0),
        ])
    );
}

/// Guards the give-up reasons `stop` and `not_retryable`.
#[test]
fn give_ups_say_why() {
    let policy = RetryPolicy::builder()
        .name("f")
        .stop(attempts(3))
        .wait(none())
        .when(|e: &Error| *e == Error::Busy)
        .build()
        .unwrap();
    let seen = recorded(|| {
        let _: Result<(), Error> = policy.retry_blocking(|| Err(Error::Busy));
        let _: Result<(), Error> = policy.retry_blocking(|| Err(Error::Bad));
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=not_retryable}}"), 1.0),
            (&format!("{ATTEMPTS}{{function=f,outcome=retryable}}"), 3.0),
            (&format!("{GIVE_UPS}{{function=f,reason=not_retryable}}"), 1.0),
            (&format!("{DELAY}{{function=f}}"), 2.0), // `none()`: two samples of 0 s
            (&format!("{GIVE_UPS}{{function=f,reason=stop}}"), 1.0),
            (&format!("{RETRIES}{{function=f,outcome=error}}"), 2.0),
        ])
    );
}

/// Guards the breaker's instruments: its transition, its state, and the give-up it causes.
#[test]
fn the_breaker_reports_its_transition_and_its_refusal() {
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30)).with_name("provider");
    let policy = RetryPolicy::builder().name("f").stop(attempts(3)).wait(none()).breaker(&BREAKER).build().unwrap();
    let seen = recorded(|| {
        // The failure opens the breaker: the call gives up with it, no retry decided.
        let out: Result<(), Error> = policy.retry_blocking(|| Err(Error::Busy));
        assert_eq!(out, Err(Error::Busy));
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=retryable}}"), 1.0),
            (&format!("{BREAKER_STATE}{{breaker=provider}}"), 2.0),
            (&format!("{BREAKER_TRANSITIONS}{{breaker=provider,from=closed,to=open}}"), 1.0),
            (&format!("{GIVE_UPS}{{function=f,reason=breaker}}"), 1.0),
        ])
    );
}

/// Guards the budget's refusal and the give-up it causes.
#[test]
fn the_budget_reports_its_refusal() {
    static BUDGET: RetryBudget = RetryBudget::token_bucket(5, 5, 10, 1);
    let policy = RetryPolicy::builder().name("f").stop(attempts(5)).wait(none()).budget(&BUDGET).build().unwrap();
    let seen = recorded(|| {
        let _: Result<(), Error> = policy.retry_blocking(|| Err(Error::Busy));
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=retryable}}"), 2.0),
            (&format!("{BUDGET_REFUSALS}{{kind=error}}"), 1.0),
            (&format!("{DELAY}{{function=f}}"), 1.0),
            (&format!("{GIVE_UPS}{{function=f,reason=budget}}"), 1.0),
            (&format!("{RETRIES}{{function=f,outcome=error}}"), 1.0),
        ])
    );
}

/// Guards the reason `server_delay_too_long`: a delay above `retry_after_max` is not waited.
#[test]
fn a_server_delay_above_the_ceiling_is_a_give_up_of_its_own() {
    let policy =
        RetryPolicy::builder().name("f").retry_after(|_: &Error| Some(Duration::from_secs(3600))).build().unwrap();
    let seen = recorded(|| {
        let _: Result<(), Error> = policy.retry_blocking(|| Err(Error::Busy));
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=retryable}}"), 1.0),
            (&format!("{GIVE_UPS}{{function=f,reason=server_delay_too_long}}"), 1.0),
        ])
    );
}

/// Guards the reason `limiter_or_bulkhead`: a full bulkhead refuses the attempt, which is
/// not one that ran.
#[test]
fn a_full_bulkhead_is_a_give_up_of_its_own() {
    static POOL: retry_runtime::Bulkhead = retry_runtime::Bulkhead::new(1);
    let policy = RetryPolicy::builder().name("f").bulkhead(&POOL).build().unwrap();
    let held = POOL.try_acquire().expect("the only place");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let seen = recorded(|| {
        let out: Result<(), Error> = runtime.block_on(policy.retry(|| async { Ok(()) }));
        assert_eq!(out, Err(Error::Full));
    });
    drop(held);
    assert_eq!(seen, expect(&[(&format!("{GIVE_UPS}{{function=f,reason=limiter_or_bulkhead}}"), 1.0)]));
}

/// Guards `retry_hedges_total`: the primary stalls, the hedge started at 100 ms answers, and
/// only the attempt that ended is counted (the dropped primary never returned).
#[test]
fn a_hedge_is_counted_when_it_starts() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let policy = RetryPolicy::builder()
        .name("f")
        .stop(attempts(3))
        .hedge(retry_runtime::Hedge::after(Duration::from_millis(100)))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let started = AtomicU32::new(0);
    let seen = recorded(|| {
        let out: Result<u32, Error> = runtime.block_on(policy.retry(|| {
            let n = started.fetch_add(1, Ordering::Relaxed);
            async move {
                if n == 0 {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
                Ok(n)
            }
        }));
        assert_eq!(out, Ok(1), "the hedge's answer");
    });
    assert_eq!(
        seen,
        expect(&[
            (&format!("{ATTEMPTS}{{function=f,outcome=success}}"), 1.0),
            (&format!("{}{{function=f}}", retry_runtime::telemetry::HEDGES), 1.0),
        ])
    );
}
