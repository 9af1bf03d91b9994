//! `RetryPolicyBuilder::build`: every invalid configuration becomes the right
//! `PolicyError` (the run-time twin of the attribute's compile errors, spec §6), never a
//! panic, and every valid edge case builds.

use std::time::Duration;

use retry_runtime::stop::{Stop, attempts, deadline, elapsed, never};
use retry_runtime::wait::{
    Fixed, Wait, chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing,
    none, random,
};
use retry_runtime::{PolicyError, RetryPolicy};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn stop_error(stop: impl Stop) -> Option<PolicyError> {
    RetryPolicy::builder().stop(stop).build().err()
}

fn wait_error(wait: impl Wait) -> Option<PolicyError> {
    RetryPolicy::builder().wait(wait).build().err()
}

fn timeout_error(stop: impl Stop, timeout: Duration) -> Option<PolicyError> {
    RetryPolicy::builder().stop(stop).timeout(timeout).build().err()
}

fn exceeds(strategy: &'static str, initial: Duration, max: Duration) -> Option<PolicyError> {
    Some(PolicyError::InitialExceedsMax { strategy, initial, max })
}

fn zero(what: &'static str) -> Option<PolicyError> {
    Some(PolicyError::ZeroDuration { what })
}

// `attempts(0)` would never run the function; it is refused wherever it hides.
#[test]
fn zero_attempts_is_refused() {
    assert_eq!(stop_error(attempts(0)), Some(PolicyError::ZeroAttempts));
    assert_eq!(stop_error(attempts(0) | elapsed(secs(1))), Some(PolicyError::ZeroAttempts));
    assert_eq!(stop_error(never() & attempts(0)), Some(PolicyError::ZeroAttempts));
    assert_eq!(stop_error(attempts(1)), None);
}

// A zero `elapsed` or `deadline` would give up before the first retry: refused.
#[test]
fn zero_time_limits_are_refused() {
    assert_eq!(stop_error(elapsed(Duration::ZERO)), zero("elapsed"));
    assert_eq!(stop_error(deadline(Duration::ZERO)), zero("deadline"));
    assert_eq!(stop_error(attempts(3) & deadline(Duration::ZERO)), zero("deadline"));
    assert_eq!(stop_error(elapsed(Duration::from_nanos(1))), None);
}

// Each growing strategy whose first delay is above its cap is refused, naming itself.
#[test]
fn initial_above_max_is_refused_for_every_strategy() {
    let (lo, hi) = (secs(5), secs(10));
    assert_eq!(wait_error(exponential(hi, lo)), exceeds("exponential", hi, lo));
    assert_eq!(wait_error(exp_jitter(hi, lo, secs(1))), exceeds("exp_jitter", hi, lo));
    assert_eq!(wait_error(full_jitter(hi, lo)), exceeds("full_jitter", hi, lo));
    assert_eq!(wait_error(equal_jitter(hi, lo)), exceeds("equal_jitter", hi, lo));
    assert_eq!(wait_error(decorrelated_jitter(hi, lo)), exceeds("decorrelated_jitter", hi, lo));
    assert_eq!(wait_error(incrementing(hi, secs(1), lo)), exceeds("incrementing", hi, lo));
    assert_eq!(wait_error(random(hi, lo)), exceeds("random", hi, lo));
}

// Equal first delay and cap is valid: the strategy is then constant.
#[test]
fn initial_equal_to_max_builds() {
    let d = secs(5);
    assert_eq!(wait_error(exponential(d, d)), None);
    assert_eq!(wait_error(exp_jitter(d, d, d)), None);
    assert_eq!(wait_error(full_jitter(d, d)), None);
    assert_eq!(wait_error(equal_jitter(d, d)), None);
    assert_eq!(wait_error(decorrelated_jitter(d, d)), None);
    assert_eq!(wait_error(incrementing(d, d, d)), None);
    assert_eq!(wait_error(random(d, d)), None);
    assert_eq!(wait_error(incrementing(Duration::ZERO, Duration::ZERO, d)), None);
}

// A zero first delay would never grow: refused for the strategies that multiply it.
#[test]
fn zero_initial_is_refused_where_it_would_never_grow() {
    let z = Duration::ZERO;
    assert_eq!(wait_error(exponential(z, secs(1))), zero("exponential"));
    assert_eq!(wait_error(exp_jitter(z, secs(1), secs(1))), zero("exp_jitter"));
    assert_eq!(wait_error(full_jitter(z, secs(1))), zero("full_jitter"));
    assert_eq!(wait_error(equal_jitter(z, secs(1))), zero("equal_jitter"));
    assert_eq!(wait_error(decorrelated_jitter(z, secs(1))), zero("decorrelated_jitter"));
}

// A base below 1 shrinks, and NaN or an infinity means nothing: refused, never a panic.
#[test]
fn invalid_exponential_base_is_refused() {
    for base in [0.999, 0.5, 0.0, -0.0, -2.0, f64::INFINITY, f64::NEG_INFINITY] {
        let err = wait_error(exponential(secs(1), secs(60)).with_base(base));
        assert_eq!(err, Some(PolicyError::InvalidBase { base }), "base {base}");
    }
    let err = wait_error(exponential(secs(1), secs(60)).with_base(f64::NAN));
    assert!(matches!(err, Some(PolicyError::InvalidBase { base }) if base.is_nan()), "{err:?}");
    assert_eq!(wait_error(exponential(secs(1), secs(60)).with_base(1.0)), None);
}

// `chain()` with nothing in it has no delay to give: refused for `Vec`s and arrays.
#[test]
fn empty_chain_is_refused() {
    assert_eq!(wait_error(chain(Vec::<Fixed>::new())), Some(PolicyError::EmptyChain));
    assert_eq!(wait_error(chain::<[Fixed; 0]>([])), Some(PolicyError::EmptyChain));
    assert_eq!(wait_error(chain(vec![none()])), None);
}

// An invalid strategy nested in a chain or a sum is still found.
#[test]
fn invalid_strategies_nested_in_chain_or_sum_are_refused() {
    let (lo, hi) = (secs(1), secs(2));
    assert_eq!(wait_error(chain((fixed(lo), exponential(hi, lo)))), exceeds("exponential", hi, lo));
    assert_eq!(wait_error(chain(vec![random(lo, hi), random(hi, lo)])), exceeds("random", hi, lo));
    assert_eq!(wait_error(fixed(lo) + full_jitter(hi, lo)), exceeds("full_jitter", hi, lo));
    assert_eq!(wait_error(chain((fixed(lo), chain(Vec::<Fixed>::new())))), Some(PolicyError::EmptyChain));
}

// A per-attempt timeout longer than the whole call's deadline could never run out.
#[test]
fn timeout_longer_than_the_deadline_is_refused() {
    let refused = |deadline| Some(PolicyError::TimeoutExceedsDeadline { timeout: secs(6), deadline });
    assert_eq!(timeout_error(deadline(secs(5)), secs(6)), refused(secs(5)));
    assert_eq!(timeout_error(attempts(3) | deadline(secs(5)), secs(6)), refused(secs(5)));
    assert_eq!(
        timeout_error(deadline(secs(9)) | deadline(secs(5)), secs(6)),
        refused(secs(5)),
        "the nearer deadline bounds the call"
    );
    assert_eq!(timeout_error(deadline(secs(5)), secs(5)), None);
    assert_eq!(timeout_error(attempts(3), secs(3600)), None, "no deadline, no bound");
    assert_eq!(
        timeout_error(attempts(3) & deadline(secs(5)), secs(6)),
        None,
        "`&` needs both sides, so the deadline alone does not bound the call"
    );
}

// A zero timeout would fail every attempt before it starts.
#[test]
fn zero_timeout_is_refused() {
    assert_eq!(timeout_error(attempts(3), Duration::ZERO), zero("timeout"));
    assert_eq!(timeout_error(deadline(secs(5)), Duration::ZERO), zero("timeout"));
}

// The stop condition is checked first, then the wait strategy, then the timeout.
#[test]
fn first_rule_broken_is_the_one_reported() {
    let err = RetryPolicy::builder()
        .stop(attempts(0))
        .wait(exponential(secs(2), secs(1)))
        .timeout(Duration::ZERO)
        .build()
        .err();
    assert_eq!(err, Some(PolicyError::ZeroAttempts));
    let err = RetryPolicy::builder().wait(exponential(secs(2), secs(1))).timeout(Duration::ZERO).build().err();
    assert_eq!(err, exceeds("exponential", secs(2), secs(1)));
}

// The defaults and a typical configuration build.
#[test]
fn valid_configurations_build() {
    assert!(RetryPolicy::builder().build().is_ok());
    let policy = RetryPolicy::builder()
        .stop(attempts(5) | elapsed(secs(30)))
        .wait(exp_jitter(secs(1), secs(60), secs(5)))
        .timeout(secs(10))
        .build();
    assert!(policy.is_ok());
}

// Messages follow the project's style: lowercase, no trailing period, the syntax quoted.
#[test]
fn error_messages_are_lowercase_and_quote_the_syntax() {
    let errors = [
        PolicyError::ZeroAttempts,
        PolicyError::ZeroDuration { what: "elapsed" },
        PolicyError::InitialExceedsMax { strategy: "exponential", initial: secs(10), max: secs(5) },
        PolicyError::InvalidBase { base: 0.5 },
        PolicyError::EmptyChain,
        PolicyError::TimeoutExceedsDeadline { timeout: secs(6), deadline: secs(5) },
    ];
    for err in errors {
        let message = err.to_string();
        let first = message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
        if !matches!(err, PolicyError::InvalidBase { .. }) {
            assert!(message.contains('`'), "{message}");
        }
    }
    assert_eq!(
        PolicyError::InitialExceedsMax { strategy: "exponential", initial: secs(10), max: secs(5) }.to_string(),
        "`exponential`: the initial delay `10s` is larger than the maximum `5s`; swap them or raise the maximum"
    );
}
