//! Annotated futures are `Send + 'static` whenever the body's is, whatever the error type's
//! lifetimes: `tokio::spawn` of a function returning `Box<dyn Error + Send + Sync>`,
//! `&'static str` or `Cow<'static, str>` once failed with "one type is more general than
//! the other", pointing into the runtime's timeout (an `impl Future` in a trait). That
//! breaks every axum handler and spawned task that returns a boxed error.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use retry_runtime::{Bulkhead, CircuitBreaker, RateLimiter, RetryBudget, RetryPolicy, retry};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(100, Duration::from_secs(30));
static BUDGET: RetryBudget = RetryBudget::aws_standard();
static LIMITER: RateLimiter = RateLimiter::per_second(1000);
static BULKHEAD: Bulkhead = Bulkhead::new(10);

#[retry(stop = attempts(2), wait = none)]
async fn boxed(runs: &'static AtomicU32) -> Result<u32, BoxError> {
    if runs.fetch_add(1, SeqCst) == 0 { Err("first".into()) } else { Ok(1) }
}

#[retry(stop = attempts(2), wait = none, timeout = 1s, breaker = BREAKER, budget = BUDGET, limiter = LIMITER, bulkhead = BULKHEAD)]
async fn boxed_with_every_guard(n: u32) -> Result<u32, BoxError> {
    Ok(n)
}

#[retry(stop = attempts(3), wait = none, hedge = after(100ms), state = s)]
async fn boxed_hedged(n: u32) -> Result<u32, BoxError> {
    Ok(n + s.attempt())
}

#[retry(stop = attempts(2), wait = none, fallback = static_fallback)]
async fn static_str(fail: bool) -> Result<u32, &'static str> {
    if fail { Err("down") } else { Ok(2) }
}

async fn static_fallback(_: bool) -> Result<u32, &'static str> {
    Ok(3)
}

#[retry(stop = attempts(2), wait = none)]
async fn cow() -> Result<Cow<'static, str>, Cow<'static, str>> {
    Ok(Cow::Borrowed("ok"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotated_futures_with_lifetime_carrying_errors_can_be_spawned() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    assert_eq!(tokio::spawn(boxed(&RUNS)).await.unwrap().unwrap(), 1);
    assert_eq!(RUNS.load(SeqCst), 2);
    assert_eq!(tokio::spawn(boxed_with_every_guard(4)).await.unwrap().unwrap(), 4);
    assert_eq!(tokio::spawn(boxed_hedged(4)).await.unwrap().unwrap(), 5);
    assert_eq!(tokio::spawn(static_str(false)).await.unwrap(), Ok(2));
    assert_eq!(tokio::spawn(static_str(true)).await.unwrap(), Ok(3));
    assert_eq!(tokio::spawn(cow()).await.unwrap(), Ok(Cow::Borrowed("ok")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_value_form_with_a_boxed_error_can_be_spawned() {
    let policy = RetryPolicy::builder()
        .stop(retry_runtime::stop::attempts(2))
        .timeout(Duration::from_secs(1))
        .breaker(&BREAKER)
        .budget(&BUDGET)
        .limiter(&LIMITER)
        .bulkhead(&BULKHEAD)
        .build()
        .unwrap();
    let out = tokio::spawn(async move { policy.retry(|| async { Ok::<u32, BoxError>(7) }).await }).await.unwrap();
    assert_eq!(out.unwrap(), 7);
    let plain = RetryPolicy::builder().wait(retry_runtime::wait::none()).build().unwrap();
    let out = tokio::spawn(async move { plain.retry(|| async { Err::<u32, &'static str>("no") }).await }).await;
    assert_eq!(out.unwrap(), Err("no"));
}
