//! `wait = …` through the attribute: the sleep before each retry, measured between attempts
//! on tokio's paused clock (spec §3 "wait", §2 durations). Strategies without jitter give
//! exact gaps; jittered ones stay inside their bounds. The paused clock moves only by the
//! sleeps, and tokio's timer rounds each sleep up to a whole millisecond.

mod attribute_support;

use std::time::Duration;

use attribute_support::{Attempts, LlmError, ms, secs, timer_rounded};
use retry_runtime::retry;
use tokio::time::Instant;

/// How many calls each jitter test makes, to see many draws.
const CALLS: usize = 40;

/// Asserts `lo <= gap <= hi`, allowing for tokio's millisecond timer above.
fn assert_within(gap: Duration, lo: Duration, hi: Duration, what: &str) {
    assert!(lo <= gap && gap <= timer_rounded(hi), "{what}: gap {gap:?} outside [{lo:?}, {hi:?}]");
}

fn fail(log: &Attempts) -> Result<(), LlmError> {
    Err(LlmError::Overload(log.begin()))
}

// `fixed(D)` sleeps D before every retry.
#[tokio::test(start_paused = true)]
async fn fixed_sleeps_the_same_before_every_retry() {
    #[retry(stop = attempts(4), wait = fixed(2s))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(2); 3]);
    assert_eq!(start.elapsed(), secs(6), "no sleep after the last attempt");
}

// `none` retries at once: the clock never moves.
#[tokio::test(start_paused = true)]
async fn none_retries_at_once() {
    #[retry(stop = attempts(4), wait = none)]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    let start = Instant::now();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [Duration::ZERO; 3]);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// `exponential(INITIAL, MAX)` doubles from INITIAL and stays at MAX.
#[tokio::test(start_paused = true)]
async fn exponential_doubles_up_to_its_max() {
    #[retry(stop = attempts(7), wait = exponential(1, 10))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [1, 2, 4, 8, 10, 10].map(secs));
}

// The third argument of `exponential` is the growth base.
#[tokio::test(start_paused = true)]
async fn exponential_with_a_base_grows_by_that_base() {
    #[retry(stop = attempts(6), wait = exponential(1s, 60s, 3))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [1, 3, 9, 27, 60].map(secs));
}

// A fractional base works too: 2 s · 1.5^(n−1).
#[tokio::test(start_paused = true)]
async fn exponential_with_a_fractional_base() {
    #[retry(stop = attempts(4), wait = exponential(2, 60, 1.5))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [ms(2000), ms(3000), ms(4500)]);
}

// `incrementing(START, STEP, MAX)` adds STEP each retry and stays at MAX.
#[tokio::test(start_paused = true)]
async fn incrementing_adds_a_step_up_to_its_max() {
    #[retry(stop = attempts(6), wait = incrementing(1, 2, 6))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [1, 3, 5, 6, 6].map(secs));
}

// `chain(W1, W2, W3)` uses Wi for the i-th retry and the last one thereafter.
#[tokio::test(start_paused = true)]
async fn chain_uses_each_strategy_in_turn_then_the_last() {
    #[retry(stop = attempts(6), wait = chain(fixed(1), fixed(2), fixed(5)))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [1, 2, 5, 5, 5].map(secs));
}

// Inside `chain`, each strategy sees the real attempt number, as in Tenacity: the
// exponential after one `none` starts at its second step.
#[tokio::test(start_paused = true)]
async fn chain_strategies_see_the_real_attempt_number() {
    #[retry(stop = attempts(5), wait = chain(none, exponential(1s, 60s)))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [0, 2, 4, 8].map(secs));
}

// `A + B` sleeps the sum of both delays.
#[tokio::test(start_paused = true)]
async fn sum_adds_the_delays() {
    #[retry(stop = attempts(4), wait = exponential(1, 8) + fixed(250ms))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [ms(1250), ms(2250), ms(4250)]);
}

// `fixed(1) + random(0, 1)`, the spec's example of a sum with jitter: 1 s to 2 s.
#[tokio::test(start_paused = true)]
async fn sum_with_random_stays_between_the_bounds() {
    #[retry(stop = attempts(5), wait = fixed(1) + random(0, 1))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        for gap in log.gaps() {
            assert_within(gap, secs(1), secs(2), "fixed(1) + random(0, 1)");
        }
    }
}

// Every spelling of a duration (§2) reaches the sleeper as the same length: bare seconds,
// a fraction, unit suffixes, and any expression of type `Duration`.
#[tokio::test(start_paused = true)]
async fn duration_spellings_all_sleep_as_written() {
    const PAUSE: Duration = Duration::from_millis(1250);

    #[retry(stop = attempts(2), wait = fixed(0.5))]
    async fn half(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(250ms))]
    async fn millis(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(1.5s))]
    async fn fraction(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(2m))]
    async fn minutes(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(1h))]
    async fn hours(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(3000us))]
    async fn micros(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(Duration::from_millis(750)))]
    async fn expression(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(2), wait = fixed(PAUSE))]
    async fn constant(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }

    /// One call; the single gap must be `expected`.
    macro_rules! sleeps {
        ($function:ident, $expected:expr, $spelling:literal) => {{
            let log = Attempts::new();
            assert!($function(&log).await.is_err());
            assert_eq!(log.gaps(), [$expected], $spelling);
        }};
    }
    sleeps!(half, ms(500), "fixed(0.5)");
    sleeps!(millis, ms(250), "fixed(250ms)");
    sleeps!(fraction, ms(1500), "fixed(1.5s)");
    sleeps!(minutes, secs(120), "fixed(2m)");
    sleeps!(hours, secs(3600), "fixed(1h)");
    sleeps!(micros, ms(3), "fixed(3000us)");
    sleeps!(expression, ms(750), "fixed(Duration::from_millis(750))");
    sleeps!(constant, PAUSE, "fixed(PAUSE)");
}

// `random(MIN, MAX)` draws each delay from [MIN, MAX], and does draw: not all equal.
#[tokio::test(start_paused = true)]
async fn random_stays_between_min_and_max() {
    #[retry(stop = attempts(10), wait = random(1, 3))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let mut all = Vec::new();
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        all.extend(log.gaps());
    }
    for &gap in &all {
        assert_within(gap, secs(1), secs(3), "random(1, 3)");
    }
    assert!(all.iter().any(|g| *g != all[0]), "random never varied");
}

// `exp_jitter(INITIAL, MAX, JITTER)`: INITIAL·2^(n−1) plus up to JITTER, never above MAX.
#[tokio::test(start_paused = true)]
async fn exp_jitter_adds_bounded_jitter_to_the_exponential() {
    #[retry(stop = attempts(8), wait = exp_jitter(1, 60, 500ms))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        let gaps = log.gaps();
        assert_eq!(gaps.len(), 7);
        for (i, gap) in gaps.into_iter().enumerate() {
            let base = secs(1 << i).min(secs(60));
            let hi = (base + ms(500)).min(secs(60));
            assert_within(gap, base, hi, &format!("exp_jitter retry {}", i + 1));
        }
    }
}

// `full_jitter(BASE, CAP)`: anywhere from 0 to min(CAP, BASE·2^(n−1)).
#[tokio::test(start_paused = true)]
async fn full_jitter_stays_under_the_capped_exponential() {
    #[retry(stop = attempts(7), wait = full_jitter(1, 8))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let mut late = Vec::new();
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        let gaps = log.gaps();
        assert_eq!(gaps.len(), 6);
        for (i, &gap) in gaps.iter().enumerate() {
            let v = secs(1 << i).min(secs(8));
            assert_within(gap, Duration::ZERO, v, &format!("full_jitter retry {}", i + 1));
        }
        late.push(gaps[5]);
    }
    // Jitter spreads callers: the draws under the 8 s cap are not all the same.
    assert!(late.iter().any(|g| *g != late[0]), "full_jitter never varied");
}

// `equal_jitter(BASE, CAP)`: at least half of min(CAP, BASE·2^(n−1)), at most all of it.
#[tokio::test(start_paused = true)]
async fn equal_jitter_stays_in_the_upper_half() {
    #[retry(stop = attempts(7), wait = equal_jitter(1, 8))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        let gaps = log.gaps();
        assert_eq!(gaps.len(), 6);
        for (i, gap) in gaps.into_iter().enumerate() {
            let v = secs(1 << i).min(secs(8));
            assert_within(gap, v / 2, v, &format!("equal_jitter retry {}", i + 1));
        }
    }
}

// `decorrelated_jitter(BASE, CAP)`: between BASE and 3× the previous delay (BASE at first),
// never above CAP.
#[tokio::test(start_paused = true)]
async fn decorrelated_jitter_stays_within_three_times_the_previous_delay() {
    #[retry(stop = attempts(8), wait = decorrelated_jitter(1, 10))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        let mut previous = secs(1);
        for (i, gap) in log.gaps().into_iter().enumerate() {
            let hi = (previous * 3).min(secs(10));
            assert_within(gap, secs(1), hi, &format!("decorrelated_jitter retry {}", i + 1));
            // The gap is the drawn delay rounded up by the timer, so 3× it bounds the next.
            previous = gap;
        }
    }
}

// Without `wait`, the default is `full_jitter(1, 60)`: the first retry within 1 s, the
// second within 2 s.
#[tokio::test(start_paused = true)]
async fn default_wait_is_full_jitter_from_one_second() {
    #[retry(stop = attempts(3))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        let gaps = log.gaps();
        assert_within(gaps[0], Duration::ZERO, secs(1), "default, retry 1");
        assert_within(gaps[1], Duration::ZERO, secs(2), "default, retry 2");
    }
}

// `decrementing(START, STEP, FLOOR)`: Tenacity's negative `wait_incrementing` step, exact.
#[tokio::test(start_paused = true)]
async fn decrementing_shrinks_to_its_floor() {
    #[retry(stop = attempts(6), wait = decrementing(10, 3, 1))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let log = Attempts::new();
    assert!(down(&log).await.is_err());
    assert_eq!(log.gaps(), [secs(10), secs(7), secs(4), secs(1), secs(1)]);
}

// `scaled_jitter(INITIAL, MAX, FRACTION)`: the SDKs' backoff, each delay in
// (1 − FRACTION, 1] of min(INITIAL·2^(n−1), MAX).
#[tokio::test(start_paused = true)]
async fn scaled_jitter_stays_in_the_sdks_band() {
    #[retry(stop = attempts(6), wait = scaled_jitter(0.5, 8, 0.25))]
    async fn down(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    for _ in 0..CALLS {
        let log = Attempts::new();
        assert!(down(&log).await.is_err());
        for (i, gap) in log.gaps().into_iter().enumerate() {
            let full = Duration::from_millis(500 << i).min(secs(8));
            assert_within(gap, full.mul_f64(0.75), full, &format!("scaled_jitter retry {}", i + 1));
        }
    }
}

const SEED: u64 = 42;

// `seed = N` on the attribute: the jitter is the same on every call, and the same as the
// value form's with that seed (the README says jitter is seedable for tests; once only the
// builder and configuration took a seed).
#[tokio::test(start_paused = true)]
async fn seed_makes_the_attribute_s_jitter_repeat_exactly() {
    #[retry(stop = attempts(5), wait = full_jitter(1, 60), seed = 42)]
    async fn seeded(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    #[retry(stop = attempts(5), wait = full_jitter(1, 60), seed = SEED)]
    async fn seeded_by_a_const(log: &Attempts) -> Result<(), LlmError> {
        fail(log)
    }
    let first = Attempts::new();
    assert!(seeded(&first).await.is_err());
    let second = Attempts::new();
    assert!(seeded(&second).await.is_err());
    let by_const = Attempts::new();
    assert!(seeded_by_a_const(&by_const).await.is_err());
    assert_eq!(first.gaps(), second.gaps());
    assert_eq!(first.gaps(), by_const.gaps());

    let policy = retry_runtime::RetryPolicy::builder()
        .stop(retry_runtime::stop::attempts(5))
        .wait(retry_runtime::wait::full_jitter(secs(1), secs(60)))
        .seed(SEED)
        .build()
        .unwrap();
    let value_form = Attempts::new();
    assert!(policy.retry(|| async { fail(&value_form) }).await.is_err());
    assert_eq!(first.gaps(), value_form.gaps());
    let distinct: std::collections::HashSet<_> = first.gaps().into_iter().collect();
    assert!(distinct.len() > 1, "jittered, not constant: {:?}", first.gaps());
}
