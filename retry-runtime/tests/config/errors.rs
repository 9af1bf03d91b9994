//! One message per class of mistake, pinned word for word: lowercase, the text quoted,
//! the valid choices listed.

use std::time::Duration;

use retry_runtime::PolicyError;
use retry_runtime::config::{parse_duration, parse_stop, parse_wait};

fn stop_err(text: &str) -> PolicyError {
    match parse_stop(text) {
        Ok(_) => panic!("`{text}` parsed"),
        Err(e) => e,
    }
}

fn wait_err(text: &str) -> PolicyError {
    match parse_wait(text) {
        Ok(_) => panic!("`{text}` parsed"),
        Err(e) => e,
    }
}

fn parse_message(err: PolicyError) -> String {
    match err {
        PolicyError::Parse { message } => message,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

const STOPS: &str = "expected one of `attempts`, `elapsed`, `deadline` or `never`";
const WAITS: &str = "expected one of `none`, `fixed`, `random`, `exponential`, `exp_jitter`, \
    `full_jitter`, `equal_jitter`, `decorrelated_jitter`, `incrementing`, `decrementing`, `scaled_jitter` or `chain`";
const UNITS: &str = "expected one of `ns`, `us`, `µs`, `ms`, `s`, `m` or `h` after the number, or none for seconds";

#[test]
fn unknown_names_suggest_the_nearest_and_list_the_rest() {
    let cases = [
        (stop_err("atempts(5)"), format!("unknown stop condition `atempts` (did you mean `attempts`?); {STOPS}")),
        (stop_err("elapse(5s)"), format!("unknown stop condition `elapse` (did you mean `elapsed`?); {STOPS}")),
        (stop_err("forever"), format!("unknown stop condition `forever`; {STOPS}")),
        (
            wait_err("exponental(1, 60)"),
            format!("unknown wait strategy `exponental` (did you mean `exponential`?); {WAITS}"),
        ),
        (wait_err("Fixed(1)"), format!("unknown wait strategy `Fixed` (did you mean `fixed`?); {WAITS}")),
        (
            wait_err("full_jiter(1, 60)"),
            format!("unknown wait strategy `full_jiter` (did you mean `full_jitter`?); {WAITS}"),
        ),
        (wait_err("backoff(1)"), format!("unknown wait strategy `backoff`; {WAITS}")),
        (
            wait_err("chain(fixed(1), expo(1, 2))"),
            format!("unknown wait strategy `expo` (did you mean `exponential`?); {WAITS}"),
        ),
    ];
    for (err, want) in cases {
        assert_eq!(parse_message(err), want);
    }
}

#[test]
fn a_name_from_the_other_table_says_which_table_it_is_from() {
    assert_eq!(
        parse_message(stop_err("fixed(1)")),
        format!("`fixed` is a wait strategy, not a stop condition; {STOPS}")
    );
    assert_eq!(
        parse_message(wait_err("attempts(3)")),
        format!("`attempts` is a stop condition, not a wait strategy; {WAITS}")
    );
}

#[test]
fn wrong_argument_counts_say_how_many_are_expected() {
    let cases = [
        (stop_err("attempts"), "`attempts` takes 1 argument (`attempts(N)`), found none"),
        (stop_err("attempts()"), "`attempts` takes 1 argument (`attempts(N)`), found 0"),
        (stop_err("elapsed(1, 2)"), "`elapsed` takes 1 argument (`elapsed(D)`), found 2"),
        (stop_err("never(1)"), "`never` takes no arguments; write `never` without parentheses"),
        (wait_err("none()"), "`none` takes no arguments; write `none` without parentheses"),
        (wait_err("random(1)"), "`random` takes 2 arguments (`random(MIN, MAX)`), found 1"),
        (
            wait_err("exponential(1)"),
            "`exponential` takes 2 or 3 arguments (`exponential(INITIAL, MAX)` or \
             `exponential(INITIAL, MAX, BASE)`), found 1",
        ),
        (wait_err("exp_jitter(1, 60)"), "`exp_jitter` takes 3 arguments (`exp_jitter(INITIAL, MAX, JITTER)`), found 2"),
        (
            wait_err("incrementing(1, 2, 3, 4)"),
            "`incrementing` takes 3 arguments (`incrementing(START, STEP, MAX)`), found 4",
        ),
        (wait_err("chain"), "`chain` takes at least 1 argument (`chain(W1, W2, …)`), found none"),
    ];
    for (err, want) in cases {
        assert_eq!(parse_message(err), want);
    }
    // As `build` says it, not as a parse error.
    assert_eq!(wait_err("chain()"), PolicyError::EmptyChain);
}

#[test]
fn values_break_the_same_rules_as_in_code() {
    assert_eq!(stop_err("attempts(0)"), PolicyError::ZeroAttempts);
    assert_eq!(stop_err("attempts(3) | elapsed(0)"), PolicyError::ZeroDuration { what: "elapsed" });
    assert_eq!(stop_err("deadline(0ms)"), PolicyError::ZeroDuration { what: "deadline" });
    assert_eq!(wait_err("exponential(0, 1)"), PolicyError::ZeroDuration { what: "exponential" });
    assert_eq!(wait_err("full_jitter(0s, 1s)"), PolicyError::ZeroDuration { what: "full_jitter" });
    assert_eq!(
        wait_err("exponential(10s, 5s)"),
        PolicyError::InitialExceedsMax {
            strategy: "exponential",
            initial: Duration::from_secs(10),
            max: Duration::from_secs(5),
        }
    );
    assert_eq!(
        wait_err("fixed(1) + random(2s, 1s)"),
        PolicyError::InitialExceedsMax {
            strategy: "random",
            initial: Duration::from_secs(2),
            max: Duration::from_secs(1),
        }
    );
    assert_eq!(
        wait_err("chain(none, incrementing(5, 1, 2))").to_string(),
        "`incrementing`: the start `5s` is larger than the maximum `2s`; swap them or raise the maximum"
    );
    assert_eq!(wait_err("exponential(1, 60, 0.5)"), PolicyError::InvalidBase { base: 0.5 });
    assert_eq!(wait_err("exponential(1, 60, -2)"), PolicyError::InvalidBase { base: -2.0 });
}

#[test]
fn arguments_of_the_wrong_kind_name_the_parameter() {
    let cases = [
        (stop_err("attempts(2.5)"), "`N` of `attempts` must be a whole number of attempts such as `5`, found `2.5`"),
        (stop_err("attempts(5s)"), "`N` of `attempts` must be a whole number of attempts such as `5`, found `5s`"),
        (stop_err("attempts(-1)"), "`N` of `attempts` must be a whole number of attempts such as `5`, found `-1`"),
        (stop_err("attempts(4294967296)"), "`N` of `attempts` must be at most 4294967295, found `4294967296`"),
        (
            stop_err("elapsed(never)"),
            "`D` of `elapsed` must be a duration such as `250ms`, `1.5s` or `2` (seconds), found `never`",
        ),
        (
            wait_err("exponential(1, 60, 2s)"),
            "`BASE` of `exponential` must be a plain number such as `2` or `1.5`, found `2s`",
        ),
        (
            wait_err("random(0, fixed(1))"),
            "`MAX` of `random` must be a duration such as `250ms`, `1.5s` or `2` (seconds), found `fixed(1)`",
        ),
        (
            wait_err("5s"),
            "expected a wait strategy such as `fixed(1s)` or `exp_jitter(1s, 60s, 5s)`, found `5s` \
             (write `fixed(5s)` for the same delay every time)",
        ),
        (stop_err("5"), "expected a stop condition such as `attempts(5)` or `elapsed(30s)`, found `5`"),
    ];
    for (err, want) in cases {
        assert_eq!(parse_message(err), want);
    }
}

#[test]
fn negative_durations_are_refused() {
    assert_eq!(parse_message(stop_err("elapsed(-1s)")), "`D` of `elapsed` cannot be negative, found `-1s`");
    assert_eq!(parse_message(wait_err("fixed(-0.5)")), "`D` of `fixed` cannot be negative, found `-0.5`");
    assert_eq!(parse_message(parse_duration("- 3ms").unwrap_err()), "a duration cannot be negative, found `- 3ms`");
}

#[test]
fn bad_units_list_the_valid_ones() {
    assert_eq!(
        parse_message(parse_duration("5sec").unwrap_err()),
        format!("unknown unit `sec` in `5sec` (did you mean `5s`?); {UNITS}")
    );
    assert_eq!(parse_message(wait_err("fixed(2d)")), format!("unknown unit `d` in `2d`; {UNITS}"));
    // One token, as Rust lexes it: not 1 hour and 30 minutes.
    assert_eq!(parse_message(stop_err("elapsed(1h30m)")), format!("unknown unit `h30m` in `1h30m`; {UNITS}"));
    assert_eq!(parse_message(parse_duration("1e3").unwrap_err()), format!("unknown unit `e3` in `1e3`; {UNITS}"));
    assert_eq!(
        parse_message(parse_duration("500 ms").unwrap_err()),
        "write the unit right after the number, `500ms`, not `500 ms` (column 5)"
    );
}

#[test]
fn nan_infinity_and_overflow_are_not_durations() {
    for text in ["nan", "NaN", "inf", "infinity"] {
        assert_eq!(
            parse_message(parse_duration(text).unwrap_err()),
            format!("expected a duration such as `250ms`, `1.5s` or `2` (seconds), found `{text}`")
        );
    }
    assert_eq!(
        parse_message(parse_duration("18446744073709551616").unwrap_err()),
        "`18446744073709551616` is longer than the longest duration, 18446744073709551615s"
    );
    assert_eq!(
        parse_message(parse_duration("5124095576030432h").unwrap_err()),
        "`5124095576030432h` is longer than the longest duration, 18446744073709551615s"
    );
    let huge = "9".repeat(200);
    assert_eq!(
        parse_message(parse_duration(&huge).unwrap_err()),
        format!("`{}…` is longer than the longest duration, 18446744073709551615s", "9".repeat(40))
    );
}

#[test]
fn trailing_text_is_pointed_at() {
    let cases = [
        (stop_err("attempts(5) elapsed(30s)"), "expected `|`, `&` or the end, found `elapsed` at column 13"),
        (wait_err("fixed(1) fixed(2)"), "expected `+` or the end, found `fixed` at column 10"),
        (parse_duration("1s 2s").unwrap_err(), "expected the end, found `2s` at column 4"),
        (wait_err("fixed(1 2)"), "expected `,` or `)`, found `2` at column 9"),
        (stop_err("attempts(5) |"), "expected a stop condition after `|` at column 13, found the end"),
        (stop_err("attempts(5) || never"), "write `|`, not `||` (column 13)"),
        (stop_err("attempts(5) && never"), "write `&`, not `&&` (column 13)"),
        (
            stop_err("attempts(5) + never"),
            "`+` adds wait strategies; join stop conditions with `|` \
             (stop when either does) or `&` (when both do)",
        ),
        (wait_err("fixed(1) | none"), "`|` joins stop conditions; add wait strategies with `+`"),
        (stop_err("attempts(5) $"), "expected `|`, `&` or the end, found `$` at column 13"),
    ];
    for (err, want) in cases {
        assert_eq!(parse_message(err), want);
    }
}

#[test]
fn unbalanced_parentheses_say_which_one() {
    let cases = [
        (stop_err("attempts(5"), "unclosed `(` at column 9; expected `)`"),
        (stop_err("(attempts(5) | never"), "unclosed `(` at column 1; expected `)`"),
        (stop_err("attempts(5))"), "unmatched `)` at column 12"),
        (stop_err(")"), "expected a stop condition, found `)` at column 1"),
        (wait_err("chain(fixed(1), none"), "unclosed `(` at column 6; expected `)`"),
        (wait_err("(fixed(1) none)"), "expected `)`, found `none` at column 11"),
    ];
    for (err, want) in cases {
        assert_eq!(parse_message(err), want);
    }
}

#[test]
fn empty_input_asks_for_an_example() {
    assert_eq!(
        parse_message(stop_err("")),
        "expected a stop condition, found nothing; write one such as `attempts(5) | elapsed(30s)`"
    );
    assert_eq!(
        parse_message(wait_err(" \n\t")),
        "expected a wait strategy, found nothing; write one such as `exp_jitter(1s, 60s, 5s)`"
    );
    assert_eq!(
        parse_message(parse_duration("").unwrap_err()),
        "expected a duration, found nothing; write one such as `250ms`, `1.5s` or `2` (seconds)"
    );
    assert_eq!(parse_message(wait_err("fixed(,)")), "expected an argument, found `,` at column 7");
}

#[test]
fn nesting_past_the_limit_is_an_error_not_a_stack_overflow() {
    let deep = |open: &str, n: usize| format!("{}attempts(1){}", open.repeat(n), ")".repeat(n));
    assert!(parse_stop(&deep("(", 63)).is_ok());
    assert_eq!(parse_message(stop_err(&deep("(", 65))), "parentheses nest deeper than 64 levels at column 65");
    assert_eq!(parse_message(wait_err(&"chain(".repeat(100))), "parentheses nest deeper than 64 levels at column 390");
}
