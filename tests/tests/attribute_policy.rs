//! `policy = EXPR` through the attribute: a `RetryPolicy` built at run time drives the
//! loop instead of the literal keys (spec §3 "policy, crate", §7).

mod attribute_support;

use std::sync::LazyLock;
use std::time::Duration;

use attribute_support::{Attempts, LlmError, secs, timer_rounded};
use retry_runtime::predicate::AnyError;
use retry_runtime::stop::{Attempts as AttemptsStop, attempts};
use retry_runtime::wait::{Fixed, FullJitter, RetryRng, Wait, WaitContext, fixed, full_jitter};
use retry_runtime::{RetryPolicy, retry};

type FixedPolicy = RetryPolicy<AttemptsStop, Fixed>;

static FOUR_BY_ONE_SECOND: LazyLock<FixedPolicy> =
    LazyLock::new(|| RetryPolicy::builder().stop(attempts(4)).wait(fixed(secs(1))).build().unwrap());

fn fail(log: &Attempts) -> Result<(), LlmError> {
    Err(LlmError::Overload(log.begin()))
}

// `policy = &POLICY` with a `LazyLock` static: its stop and wait drive the call.
#[tokio::test(start_paused = true)]
async fn policy_from_a_lazy_static_by_reference() {
    #[retry(policy = &FOUR_BY_ONE_SECOND)]
    async fn call(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert_eq!(call(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.gaps(), [secs(1); 3]);
}

// `policy = POLICY` without the `&` works the same.
#[tokio::test(start_paused = true)]
async fn policy_from_a_lazy_static_by_name() {
    #[retry(policy = FOUR_BY_ONE_SECOND)]
    async fn call(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert_eq!(call(&log).await, Err(LlmError::Overload(4)));
    assert_eq!(log.gaps(), [secs(1); 3]);
}

fn shared_policy() -> &'static FixedPolicy {
    &FOUR_BY_ONE_SECOND
}

fn two_quick_attempts() -> FixedPolicy {
    RetryPolicy::builder().stop(attempts(2)).wait(fixed(Duration::from_millis(10))).build().unwrap()
}

// `policy = f()` where `f` returns a reference to a shared policy.
#[tokio::test(start_paused = true)]
async fn policy_from_a_function_returning_a_reference() {
    #[retry(policy = shared_policy())]
    async fn call(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert_eq!(call(&log).await, Err(LlmError::Overload(4)));
}

// `policy = f()` where `f` builds a policy and returns it by value.
#[tokio::test(start_paused = true)]
async fn policy_from_a_function_returning_a_policy() {
    #[retry(policy = two_quick_attempts())]
    async fn call(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert_eq!(call(&log).await, Err(LlmError::Overload(2)));
    assert_eq!(log.gaps(), [Duration::from_millis(10)]);
}

/// Only overloads are worth retrying.
fn overloaded(e: &LlmError) -> bool {
    matches!(e, LlmError::Overload(_))
}

static OVERLOAD_ONLY: LazyLock<RetryPolicy<AttemptsStop, Fixed, fn(&LlmError) -> bool>> = LazyLock::new(|| {
    RetryPolicy::builder()
        .stop(attempts(3))
        .wait(fixed(secs(1)))
        .when(overloaded as fn(&LlmError) -> bool)
        .build()
        .unwrap()
});

// The policy's error predicate decides what is retried, as `when` would.
#[tokio::test(start_paused = true)]
async fn policy_predicate_decides_what_is_retried() {
    #[retry(policy = &OVERLOAD_ONLY)]
    async fn call(log: &Attempts, error: LlmError) -> Result<(), LlmError> {
        log.begin();
        Err(error)
    }
    let log = Attempts::new();
    assert!(call(&log, LlmError::Overload(1)).await.is_err());
    assert_eq!(log.count(), 3);
    let log = Attempts::new();
    assert_eq!(call(&log, LlmError::BadRequest).await, Err(LlmError::BadRequest));
    assert_eq!(log.count(), 1);
}

static SEEDED: LazyLock<RetryPolicy<AttemptsStop, FullJitter, AnyError>> = LazyLock::new(|| {
    RetryPolicy::builder().stop(attempts(5)).wait(full_jitter(secs(1), secs(60))).seed(7).build().unwrap()
});

// A seeded policy makes the attribute's jitter reproducible: every call sleeps the
// sequence the strategy draws from that seed.
#[tokio::test(start_paused = true)]
async fn seeded_policy_sleeps_the_seeded_sequence() {
    #[retry(policy = &SEEDED)]
    async fn call(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let mut rng = RetryRng::seeded(7);
    let strategy = full_jitter(secs(1), secs(60));
    let mut previous = Duration::ZERO;
    let expected: Vec<Duration> = (1..=4)
        .map(|n| {
            previous = strategy.delay(&mut WaitContext::new(n, previous, &mut rng));
            timer_rounded(previous)
        })
        .collect();
    for _ in 0..3 {
        let log = Attempts::new();
        assert!(call(&log).await.is_err());
        assert_eq!(log.gaps(), expected);
    }
}
// `state = s` beside `policy`: the body still sees the time since the first attempt,
// even though the policy itself reads no clock.
#[tokio::test(start_paused = true)]
async fn state_beside_policy_sees_elapsed_time() {
    #[retry(policy = &FOUR_BY_ONE_SECOND, state = s)]
    async fn call(seen: &std::sync::Mutex<Vec<(u32, Duration)>>) -> Result<(), LlmError> {
        seen.lock().unwrap().push((s.attempt(), s.elapsed()));
        Err(LlmError::RateLimit)
    }
    let seen = std::sync::Mutex::default();
    assert!(call(&seen).await.is_err());
    assert_eq!(seen.into_inner().unwrap(), [(1, secs(0)), (2, secs(1)), (3, secs(2)), (4, secs(3))]);
}

static NAMED: LazyLock<FixedPolicy> =
    LazyLock::new(|| RetryPolicy::builder().stop(attempts(1)).wait(fixed(secs(1))).name("provider-a").build().unwrap());

// A shared policy names the function it runs for, as the attribute's keys would, so the
// state (and the events) tell its functions apart; a name the policy was given is kept.
#[tokio::test(start_paused = true)]
async fn state_beside_policy_names_the_function() {
    #[retry(policy = &FOUR_BY_ONE_SECOND, state = s)]
    async fn first() -> Result<&'static str, LlmError> {
        Ok(s.function())
    }
    #[retry(policy = &FOUR_BY_ONE_SECOND, state = s)]
    async fn second() -> Result<&'static str, LlmError> {
        Ok(s.function())
    }
    #[retry(policy = &NAMED, state = s)]
    async fn named() -> Result<&'static str, LlmError> {
        Ok(s.function())
    }
    assert_eq!(first().await, Ok("attribute_policy::first"));
    assert_eq!(second().await, Ok("attribute_policy::second"));
    assert_eq!(named().await, Ok("provider-a"));
}
