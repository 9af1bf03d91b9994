//! Feature `serde`: a configuration is parsed and checked while it is deserialized.

use std::time::Duration;

use retry_runtime::config::{BoxStop, BoxWait, PolicyConfig, parse_wait};
use retry_runtime::stop::{attempts, elapsed};
use retry_runtime::wait::exp_jitter;
use retry_runtime::{LogLevel, RetryPolicy};

use crate::assert_same_wait;

fn err(json: &str) -> String {
    match serde_json::from_str::<PolicyConfig>(json) {
        Ok(config) => panic!("{json} deserialized as {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_map_of_words_deserializes_to_the_policy_built_in_code() {
    let config: PolicyConfig = serde_json::from_str(
        r#"{
            "stop": "attempts(5) | elapsed(30s)",
            "wait": "exp_jitter(1s, 60s, 5s)",
            "retry_after_max": "60s",
            "timeout": "5s",
            "log": "warn",
            "seed": 9
        }"#,
    )
    .unwrap();
    assert_eq!(
        config,
        PolicyConfig {
            stop: Some("attempts(5) | elapsed(30s)".into()),
            wait: Some("exp_jitter(1s, 60s, 5s)".into()),
            retry_after_max: Some(Duration::from_secs(60)),
            timeout: Some(Duration::from_secs(5)),
            log: Some(LogLevel::Warn),
            hedge: None,
            hedges: None,
            seed: Some(9),
        }
    );
    let s = Duration::from_secs;
    let wait = parse_wait(config.wait.as_deref().unwrap()).unwrap();
    assert_same_wait("wait", &*wait, &exp_jitter(s(1), s(60), s(5)));
    let stop = retry_runtime::config::parse_stop(config.stop.as_deref().unwrap()).unwrap();
    crate::assert_same_stop("stop", &*stop, &(attempts(5) | elapsed(s(30))));
}

#[test]
fn durations_may_be_numbers_of_seconds_and_keys_may_be_null_or_missing() {
    let config: PolicyConfig =
        serde_json::from_str(r#"{ "retry_after_max": 90, "timeout": 0.25, "log": null, "stop": null }"#).unwrap();
    assert_eq!(
        config,
        PolicyConfig {
            retry_after_max: Some(Duration::from_secs(90)),
            timeout: Some(Duration::from_millis(250)),
            ..PolicyConfig::default()
        }
    );
    assert_eq!(serde_json::from_str::<PolicyConfig>("{}").unwrap(), PolicyConfig::default());
}

#[test]
fn the_attribute_line_deserializes_from_one_string() {
    let config: PolicyConfig = serde_json::from_str(r#""stop = attempts(2), wait = fixed(10ms), log = off""#).unwrap();
    assert_eq!(config.stop.as_deref(), Some("attempts(2)"));
    assert_eq!(config.log, Some(LogLevel::Off));
}

#[test]
fn a_bad_configuration_is_a_serde_error_with_our_message() {
    let cases = [
        (
            r#"{ "wait": "exponental(1, 60)" }"#,
            "`wait`: unknown wait strategy `exponental` (did you mean `exponential`?)",
        ),
        (r#"{ "stop": "attempts(0)" }"#, "`attempts(0)` never runs the function; use `attempts(1)` or more"),
        (r#"{ "stop": "attempts(5" }"#, "`stop`: unclosed `(` at column 9; expected `)`"),
        (r#"{ "timeout": "5sec" }"#, "`timeout`: unknown unit `sec` in `5sec` (did you mean `5s`?)"),
        (r#"{ "timeout": -1 }"#, "`timeout` cannot be negative, found -1"),
        (
            r#"{ "retry_after_max": -0.5 }"#,
            "`retry_after_max` must be a finite, non-negative number of seconds, found -0.5",
        ),
        (r#"{ "log": "loud" }"#, "unknown log level `loud`; expected one of `off`, `trace`"),
        (r#"{ "stpo": "never" }"#, "unknown field `stpo`, expected one of `stop`, `wait`"),
        (
            r#"{ "stop": "deadline(1s)", "timeout": "2s" }"#,
            "`timeout = 2s` is longer than `deadline(1s)`; every attempt would be cut by the deadline first",
        ),
        (r#""stop = never, stop = never""#, "duplicate key `stop`; each key may appear once (column 15)"),
        (r#"{ "seed": "seven" }"#, "invalid type: string \"seven\", expected u64"),
        (r#"[1, 2]"#, "invalid type: sequence, expected a map of `stop`, `wait`"),
    ];
    for (json, want) in cases {
        let got = err(json);
        assert!(got.starts_with(want), "{json}\n got: {got}\nwant: {want}…");
    }
}

#[test]
fn a_boxed_policy_deserializes_ready_to_run() {
    let policy: RetryPolicy<BoxStop, BoxWait> =
        serde_json::from_str(r#"{ "stop": "attempts(3)", "wait": "none" }"#).unwrap();
    let mut calls = 0;
    let out: Result<(), &str> = policy.retry_blocking(|| {
        calls += 1;
        Err("down")
    });
    assert_eq!((out, calls), (Err("down"), 3));
    let e = serde_json::from_str::<RetryPolicy<BoxStop, BoxWait>>(r#"{ "wait": "chain()" }"#).unwrap_err();
    assert!(e.to_string().starts_with("`chain()` needs at least one wait strategy"), "{e}");
}

/// serde reads the keys by its struct's field names; they must be the grammar's
/// configurable keys, no more and no fewer, or a map and the `key = value` line would differ.
#[test]
fn the_map_takes_exactly_the_configurable_keys() {
    let names = retry_grammar::Key::configurable_names();
    for name in &names {
        let one = format!("{{ \"{name}\": null }}");
        assert!(serde_json::from_str::<PolicyConfig>(&one).is_ok(), "{one}");
    }
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let message = err(r#"{ "nope": null }"#);
    let expected = format!("expected one of {} at line", listed.join(", "));
    assert!(message.contains(&expected), "{message}");
}

// `hedge` and `hedges` from a map, in the attribute's words, checked while deserializing.
#[test]
fn hedge_and_hedges_deserialize_from_a_map() {
    let config: PolicyConfig = serde_json::from_str(r#"{ "hedge": "after(200ms)", "hedges": 3 }"#).unwrap();
    assert_eq!((config.hedge, config.hedges), (Some(std::time::Duration::from_millis(200)), Some(3)));
    let err = serde_json::from_str::<PolicyConfig>(r#"{ "hedge": "after(200ms)", "hedges": 11 }"#).unwrap_err();
    assert!(err.to_string().starts_with("`hedges` must be at most 10, found `11`"), "{err}");
}
