//! Arbitrary input: nothing panics, nothing recurses without bound, and what parses can
//! be evaluated at any attempt number.

use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::PolicyError;
use retry_runtime::config::{PolicyConfig, parse_duration, parse_stop, parse_wait};
use retry_runtime::stop::StopContext;
use retry_runtime::wait::{RetryRng, WaitContext};

/// Pieces of the grammar, so random strings reach past the first token.
fn words() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "attempts",
        "elapsed",
        "deadline",
        "never",
        "none",
        "fixed",
        "random",
        "exponential",
        "exp_jitter",
        "full_jitter",
        "equal_jitter",
        "decorrelated_jitter",
        "incrementing",
        "chain",
        "(",
        ")",
        ",",
        "|",
        "&",
        "+",
        "-",
        " ",
        "0",
        "1",
        "5",
        "0.5",
        "1.5s",
        "250ms",
        "2m",
        "1h",
        "7ns",
        "3µs",
        "5sec",
        "18446744073709551616",
        "4294967296",
        "stop",
        "wait",
        "=",
        "timeout",
        "seed",
        "log",
        "warn",
        "retry_after_max",
        "é",
        ".",
        "_",
    ];
    let piece = prop::sample::select(PIECES);
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Messages follow the house style: lowercase, no trailing period, never empty.
fn assert_styled(err: &PolicyError) {
    let message = err.to_string();
    let first = message.chars().next().expect("an empty message");
    assert!(first == '`' || first.is_lowercase() || first.is_ascii_digit(), "not lowercase: {message}");
    assert!(!message.ends_with('.'), "trailing period: {message}");
}

/// Runs everything that parsed at every kind of attempt number.
fn exercise(text: &str) {
    match parse_stop(text) {
        Ok(stop) => {
            for n in [1, 2, u32::MAX] {
                for t in [Duration::ZERO, Duration::from_secs(30), Duration::MAX] {
                    let _ = stop.should_stop(&StopContext::new(n, t, t));
                }
            }
            let _ = (stop.needs_clock(), stop.deadline());
        }
        Err(e) => assert_styled(&e),
    }
    match parse_wait(text) {
        Ok(wait) => {
            let mut rng = RetryRng::seeded(1);
            let mut previous = Duration::ZERO;
            for n in [1, 2, 3, 64, u32::MAX] {
                previous = wait.delay(&mut WaitContext::new(n, previous, &mut rng));
            }
        }
        Err(e) => assert_styled(&e),
    }
    if let Err(e) = parse_duration(text) {
        assert_styled(&e);
    }
    match text.parse::<PolicyConfig>() {
        Ok(config) => assert_eq!(config.to_string().parse::<PolicyConfig>(), Ok(config)),
        Err(e) => assert_styled(&e),
    }
    if let Err(e) = text.parse::<retry_runtime::LogLevel>() {
        assert_styled(&e);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn strings_of_grammar_pieces_never_panic(text in words()) {
        exercise(&text);
    }

    #[test]
    fn any_duration_round_trips_through_the_line(secs in any::<u64>(), nanos in 0..1_000_000_000_u32) {
        let config = PolicyConfig {
            retry_after_max: Some(Duration::new(secs, nanos)),
            ..PolicyConfig::default()
        };
        prop_assert_eq!(config.to_string().parse::<PolicyConfig>(), Ok(config));
    }
}

/// Runs `f` on a thread with a small stack: overflowing it would abort the test binary,
/// so passing proves the depth is bounded.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(512 * 1024).spawn(f).unwrap().join().unwrap();
}

#[test]
fn a_hundred_thousand_open_parentheses_do_not_overflow_the_stack() {
    on_small_stack(|| {
        let open = "(".repeat(100_000);
        for err in [
            parse_stop(&open).err(),
            parse_wait(&open).err(),
            parse_duration(&open).err(),
            format!("stop = {open}").parse::<PolicyConfig>().err(),
        ] {
            let message = err.expect("parsed").to_string();
            // The lexer's token limit (10 000) comes before the parser's depth limit.
            assert!(
                message.contains("nest deeper than 64 levels") || message.contains("more than 10000 names"),
                "{message}"
            );
        }
        let balanced = format!("{open}never{}", ")".repeat(100_000));
        assert!(parse_stop(&balanced).is_err());
        let chains = format!("{}none{}", "chain(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_wait(&chains).is_err());
        let minus = "-".repeat(100_000);
        assert!(parse_duration(&minus).is_err());
    });
}

#[test]
fn the_deepest_accepted_nesting_runs_on_a_small_stack() {
    on_small_stack(|| {
        let wait = format!("{}fixed(1){}", "chain(".repeat(63), ")".repeat(63));
        let wait = parse_wait(&wait).unwrap();
        let mut rng = RetryRng::seeded(0);
        let d = wait.delay(&mut WaitContext::new(1, Duration::ZERO, &mut rng));
        assert_eq!(d, Duration::from_secs(1));
        let stop = format!("{}attempts(1){}", "(".repeat(63), ")".repeat(63));
        assert!(parse_stop(&stop).is_ok());
    });
}
