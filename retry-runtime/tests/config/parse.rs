//! Every valid form gives the strategy the same words build in code.

use std::time::Duration;

use retry_runtime::config::{BoxStop, BoxWait, parse_duration, parse_stop, parse_wait};
use retry_runtime::stop::{StopContext, attempts, deadline, elapsed, never};
use retry_runtime::wait::{
    chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing, none, random,
};

use crate::{assert_same_stop, assert_same_wait};

const fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

const fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn durations_read_as_the_attribute_writes_them() {
    let table: &[(&str, Duration)] = &[
        ("1", s(1)),
        ("0.5", ms(500)),
        ("60", s(60)),
        ("0", Duration::ZERO),
        ("0.1", ms(100)),
        ("500us", Duration::from_micros(500)),
        ("500µs", Duration::from_micros(500)),
        ("500μs", Duration::from_micros(500)),
        ("7ns", Duration::from_nanos(7)),
        ("250ms", ms(250)),
        ("1.5s", ms(1_500)),
        ("2m", s(120)),
        ("1.25m", s(75)),
        ("1h", s(3_600)),
        ("1_000ms", s(1)),
        ("  7s\t", s(7)),
        ("18446744073709551615.999999999", Duration::MAX),
    ];
    for &(text, want) in table {
        assert_eq!(parse_duration(text), Ok(want), "`{text}`");
    }
}

#[test]
fn every_wait_form_matches_the_strategy_built_in_code() {
    let table: Vec<(&str, BoxWait)> = vec![
        ("none", Box::new(none())),
        ("fixed(1)", Box::new(fixed(s(1)))),
        ("fixed(250ms)", Box::new(fixed(ms(250)))),
        ("fixed(0)", Box::new(fixed(Duration::ZERO))),
        ("fixed(1.5h)", Box::new(fixed(s(5_400)))),
        ("random(0, 1)", Box::new(random(Duration::ZERO, s(1)))),
        ("random(100ms, 1.5s)", Box::new(random(ms(100), ms(1_500)))),
        ("exponential(1, 60)", Box::new(exponential(s(1), s(60)))),
        ("exponential(500ms, 1m, 3)", Box::new(exponential(ms(500), s(60)).with_base(3.0))),
        ("exponential(1s, 1h, 1.5)", Box::new(exponential(s(1), s(3_600)).with_base(1.5))),
        ("exp_jitter(1, 60, 5)", Box::new(exp_jitter(s(1), s(60), s(5)))),
        ("  exp_jitter ( 1s ,60s,\n 5s , ) ", Box::new(exp_jitter(s(1), s(60), s(5)))),
        ("full_jitter(1, 60)", Box::new(full_jitter(s(1), s(60)))),
        ("equal_jitter(100ms, 10s)", Box::new(equal_jitter(ms(100), s(10)))),
        ("decorrelated_jitter(1s, 30s)", Box::new(decorrelated_jitter(s(1), s(30)))),
        ("incrementing(1, 2, 6)", Box::new(incrementing(s(1), s(2), s(6)))),
        ("incrementing(0, 500ms, 3s)", Box::new(incrementing(Duration::ZERO, ms(500), s(3)))),
        ("chain(fixed(1), fixed(1), fixed(5))", Box::new(chain((fixed(s(1)), fixed(s(1)), fixed(s(5)))))),
        ("chain(fixed(1s), exp_jitter(1s, 60s, 5s))", Box::new(chain((fixed(s(1)), exp_jitter(s(1), s(60), s(5)))))),
        ("fixed(1) + random(0, 1)", Box::new(fixed(s(1)) + random(Duration::ZERO, s(1)))),
        (
            "fixed(1) + random(0, 1) + full_jitter(1, 10)",
            Box::new(fixed(s(1)) + random(Duration::ZERO, s(1)) + full_jitter(s(1), s(10))),
        ),
        ("(fixed(1) + none) + (equal_jitter(1, 2))", Box::new(fixed(s(1)) + none() + equal_jitter(s(1), s(2)))),
        (
            "chain(fixed(1) + random(0, 1), decorrelated_jitter(1, 8))",
            Box::new(chain((fixed(s(1)) + random(Duration::ZERO, s(1)), decorrelated_jitter(s(1), s(8))))),
        ),
        (
            "chain(chain(fixed(1), fixed(2)), fixed(3))",
            Box::new(chain((chain((fixed(s(1)), fixed(s(2)))), fixed(s(3))))),
        ),
    ];
    for (text, code) in &table {
        let parsed = parse_wait(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
        assert_same_wait(text, &*parsed, &**code);
    }
}

#[test]
fn every_stop_form_matches_the_condition_built_in_code() {
    let table: Vec<(&str, BoxStop)> = vec![
        ("attempts(5)", Box::new(attempts(5))),
        ("attempts(1)", Box::new(attempts(1))),
        ("attempts(4294967295)", Box::new(attempts(u32::MAX))),
        ("elapsed(30s)", Box::new(elapsed(s(30)))),
        ("elapsed(30)", Box::new(elapsed(s(30)))),
        ("elapsed(0.5m)", Box::new(elapsed(s(30)))),
        ("deadline(2m)", Box::new(deadline(s(120)))),
        ("never", Box::new(never())),
        ("attempts(5) | elapsed(30s)", Box::new(attempts(5) | elapsed(s(30)))),
        ("attempts(5) & elapsed(30s)", Box::new(attempts(5) & elapsed(s(30)))),
        ("attempts(5) | elapsed(30s) & deadline(2m)", Box::new(attempts(5) | (elapsed(s(30)) & deadline(s(120))))),
        ("attempts(5) & elapsed(30s) | deadline(2m)", Box::new((attempts(5) & elapsed(s(30))) | deadline(s(120)))),
        ("(attempts(5) | elapsed(30s)) & deadline(2m)", Box::new((attempts(5) | elapsed(s(30))) & deadline(s(120)))),
        ("deadline(1m) | deadline(2m) | attempts(3)", Box::new(deadline(s(60)) | deadline(s(120)) | attempts(3))),
        (
            "deadline(1m) & deadline(2m) & deadline(1h)",
            Box::new(deadline(s(60)) & deadline(s(120)) & deadline(s(3_600))),
        ),
        ("attempts(3)&never|deadline(60)", Box::new((attempts(3) & never()) | deadline(s(60)))),
        ("((attempts(2)))", Box::new(attempts(2))),
    ];
    for (text, code) in &table {
        let parsed = parse_stop(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
        assert_same_stop(text, &*parsed, &**code);
    }
}

/// Guards the balanced join: a long chain must mean what the left-leaning one in code
/// means, and must not nest one level per term (a hundred thousand frames would overflow).
#[test]
fn long_operator_chains_mean_what_they_say_and_stay_shallow() {
    let text = vec!["deadline(1h)"; 1_000].join(" | ") + " | attempts(7)";
    let parsed = parse_stop(&text).unwrap();
    assert_same_stop("…", &*parsed, &(deadline(s(3_600)) | attempts(7)));

    let text = vec!["fixed(1ms)"; 1_000].join("+");
    let parsed = parse_wait(&text).unwrap();
    assert_same_wait("…", &*parsed, &fixed(s(1)));

    // 1 900 terms of 5 tokens: as long a chain as `MAX_TOKENS` (10 000) lets in.
    let text = vec!["attempts(9)"; 1_900].join(" & ");
    let parsed = parse_stop(&text).unwrap();
    let at = |n| StopContext::new(n, Duration::ZERO, Duration::ZERO);
    assert!(!parsed.should_stop(&at(8)));
    assert!(parsed.should_stop(&at(9)));
    // 70 000 terms fit in `MAX_LEN` (1 MiB), but not in the token limit.
    let text = vec!["attempts(9)"; 70_000].join(" & ");
    assert!(parse_stop(&text).unwrap_err().to_string().contains("more than 10000 names, numbers and signs"));

    let text = format!("chain({})", vec!["none"; 4_000].join(", "));
    assert!(parse_wait(&text).is_ok());
}

#[test]
fn the_strategies_added_for_tenacity_and_the_sdks_read_as_in_the_attribute() {
    // `decrementing` and `scaled_jitter` are in the one table, so configuration takes them too.
    use retry_runtime::config::parse_wait;
    use retry_runtime::wait::{RetryRng, WaitContext};
    use std::time::Duration;
    let down = parse_wait("decrementing(10s, 3s, 0)").unwrap();
    let mut rng = RetryRng::seeded(0);
    let delays: Vec<u64> =
        (1..=5).map(|n| down.delay(&mut WaitContext::new(n, Duration::ZERO, &mut rng)).as_secs()).collect();
    assert_eq!(delays, [10, 7, 4, 1, 0]);
    let sdk = parse_wait("scaled_jitter(500ms, 8s, 0.25)").unwrap();
    let d = sdk.delay(&mut WaitContext::new(2, Duration::ZERO, &mut rng));
    assert!(d > Duration::from_millis(750) && d <= Duration::from_secs(1), "{d:?}");
    assert_eq!(
        parse_wait("scaled_jitter(500ms, 8s, 2)").unwrap_err().to_string(),
        "the fraction of `scaled_jitter(INITIAL, MAX, FRACTION)` must be a number from 0 to 1, found `2`"
    );
}
