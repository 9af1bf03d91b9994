//! `PolicyConfig`: the `key = value, …` line, and a builder that carries every key.

use std::cell::RefCell;
use std::time::Duration;

use retry_runtime::config::PolicyConfig;
use retry_runtime::sleep::NoSleep;
use retry_runtime::stop::attempts;
use retry_runtime::wait::full_jitter;
use retry_runtime::{LogLevel, PolicyError, RetryPolicy, RetryState};

fn config_err(line: &str) -> String {
    match line.parse::<PolicyConfig>() {
        Ok(config) => panic!("`{line}` parsed as {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_line_reads_every_key_in_any_order() {
    let config: PolicyConfig = "log = INFO, seed = 1_000, timeout = 2.5s, \
        wait = chain(fixed(1s), exp_jitter(1s, 60s, 5s)), retry_after_max = 2m, \
        stop = attempts(5) | elapsed(30s),"
        .parse()
        .unwrap();
    assert_eq!(
        config,
        PolicyConfig {
            stop: Some("attempts(5) | elapsed(30s)".into()),
            wait: Some("chain(fixed(1s), exp_jitter(1s, 60s, 5s))".into()),
            retry_after_max: Some(Duration::from_secs(120)),
            timeout: Some(Duration::from_millis(2_500)),
            log: Some(LogLevel::Info),
            hedge: None,
            hedges: None,
            seed: Some(1_000),
        }
    );
    assert_eq!("".parse::<PolicyConfig>(), Ok(PolicyConfig::default()));
}

#[test]
fn display_writes_a_line_that_reads_back_equal() {
    let config = PolicyConfig {
        stop: Some("attempts(5) | elapsed(30s)".into()),
        wait: Some("fixed(250ms) + random(0, 1)".into()),
        retry_after_max: Some(Duration::from_millis(1_500)),
        timeout: Some(Duration::from_secs(7_200)),
        log: Some(LogLevel::Off),
        hedge: Some(Duration::from_millis(80)),
        hedges: Some(3),
        seed: Some(u64::MAX),
    };
    let line = config.to_string();
    assert_eq!(
        line,
        "stop = attempts(5) | elapsed(30s), wait = fixed(250ms) + random(0, 1), \
         retry_after_max = 1500ms, timeout = 2h, log = off, hedge = after(80ms), hedges = 3, \
         seed = 18446744073709551615"
    );
    assert_eq!(line.parse(), Ok(config));
}

#[test]
fn line_mistakes_name_the_key() {
    let cases = [
        (
            "stpo = attempts(5)",
            "unknown key `stpo` (did you mean `stop`?); expected one of `stop`, `wait`, \
             `retry_after_max`, `timeout`, `log`, `hedge`, `hedges` or `seed` (column 1)",
        ),
        ("stop = attempts(5), stop = never", "duplicate key `stop`; each key may appear once (column 21)"),
        ("stop", "expected `=` after `stop` (column 1); write `stop = …`"),
        ("stop = , wait = none", "`stop` needs a value: `stop = …`"),
        ("stop = attempts(5) wait = none", "expected `,` before `wait =` (column 20)"),
        ("= 5", "expected a key such as `stop` at column 1, found `=`"),
        (
            "on = RateLimit",
            "`on` takes Rust code, so it cannot come from configuration; add it to the \
             builder that `PolicyConfig::builder` returns",
        ),
        (
            "wait = exponental(1, 60)",
            "`wait`: unknown wait strategy `exponental` (did you mean `exponential`?); \
             expected one of `none`, `fixed`, `random`, `exponential`, `exp_jitter`, \
             `full_jitter`, `equal_jitter`, `decorrelated_jitter`, `incrementing`, `decrementing`, `scaled_jitter` or `chain`",
        ),
        ("stop = attempts(5", "`stop`: unclosed `(` at column 9; expected `)`"),
        (
            "timeout = 5sec",
            "`timeout`: unknown unit `sec` in `5sec` (did you mean `5s`?); expected one of \
             `ns`, `us`, `µs`, `ms`, `s`, `m` or `h` after the number, or none for seconds",
        ),
        ("retry_after_max = -1s", "`retry_after_max`: a duration cannot be negative, found `-1s`"),
        (
            "log = warning",
            "`log`: unknown log level `warning` (did you mean `warn`?); expected one of \
             `off`, `trace`, `debug`, `info`, `warn` or `error`",
        ),
        ("seed = -1", "`seed`: expected a whole number from 0 to 18446744073709551615, found `-1`"),
        ("stop = attempts(0)", "`attempts(0)` never runs the function; use `attempts(1)` or more"),
        ("timeout = 0", "`timeout` needs a positive duration, found zero"),
        (
            "stop = deadline(1s), timeout = 2s",
            "`timeout = 2s` is longer than `deadline(1s)`; every attempt would be cut by the deadline first",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(config_err(line), want, "`{line}`");
    }
}

/// The delays a policy sleeps before each retry, through the public loop.
fn slept<S, W>(builder: retry_runtime::RetryPolicyBuilder<S, W>) -> Vec<Duration>
where
    S: retry_runtime::stop::Stop,
    W: retry_runtime::wait::Wait,
{
    let seen = RefCell::new(Vec::new());
    let policy = builder
        .sleeper(NoSleep)
        .before_sleep(|s: &RetryState<'_, (), &'static str>| seen.borrow_mut().extend(s.next_delay()))
        .build()
        .unwrap();
    let _ = policy.retry_blocking(|| Err("down"));
    drop(policy);
    seen.into_inner()
}

#[test]
fn the_builder_carries_stop_wait_and_seed() {
    let config: PolicyConfig = "stop = attempts(6), wait = full_jitter(1s, 60s), seed = 42".parse().unwrap();
    let from_config = slept(config.builder().unwrap());
    let in_code = slept(
        RetryPolicy::builder()
            .stop(attempts(6))
            .wait(full_jitter(Duration::from_secs(1), Duration::from_secs(60)))
            .seed(42),
    );
    assert_eq!(from_config.len(), 5);
    assert_eq!(from_config, in_code);
}

#[test]
fn the_builder_carries_retry_after_max() {
    let config: PolicyConfig = "stop = attempts(5), wait = none, retry_after_max = 5s".parse().unwrap();
    let policy = config
        .builder()
        .unwrap()
        .sleeper(NoSleep)
        .retry_after(|_: &&'static str| Some(Duration::from_secs(10)))
        .build()
        .unwrap();
    let mut calls = 0;
    let out: Result<(), &'static str> = policy.retry_blocking(|| {
        calls += 1;
        Err("slow down")
    });
    // 10 s asked, 5 s allowed: give up at once rather than wait in vain.
    assert_eq!((out, calls), (Err("slow down"), 1));
}

#[test]
fn the_builder_carries_timeout_and_log() {
    let config = PolicyConfig {
        stop: Some("deadline(1s)".into()),
        timeout: Some(Duration::from_secs(2)),
        ..PolicyConfig::default()
    };
    assert!(matches!(config.timed_builder().unwrap().build(), Err(PolicyError::TimeoutExceedsDeadline { .. })));
    // An untimed builder refuses a configured timeout rather than drop it.
    assert!(matches!(config.builder(), Err(PolicyError::Parse { .. })));
    let policy =
        "log = error, timeout = 250ms".parse::<PolicyConfig>().unwrap().timed_builder().unwrap().build().unwrap();
    let debug = format!("{policy:?}");
    assert!(debug.contains("log: Some(Error)"), "{debug}");
    assert!(debug.contains("timeout: Some(250ms)"), "{debug}");
}

#[test]
fn unset_keys_keep_the_policy_defaults() {
    let from_config = slept(PolicyConfig::default().builder().unwrap().seed(3));
    let in_code = slept(RetryPolicy::builder().seed(3));
    assert_eq!(from_config.len(), 2); // attempts(3)
    assert_eq!(from_config, in_code); // full_jitter(1s, 60s)
}

// Guards "the text config accepts the same keys": `hedge` and `hedges` read, write back,
// build a hedged policy, and refuse what the attribute refuses, in its words.
#[test]
fn hedge_and_hedges_read_as_the_attribute_writes_them() {
    let config: PolicyConfig = "hedges = 2, hedge = after(150ms), stop = attempts(4)".parse().unwrap();
    assert_eq!((config.hedge, config.hedges), (Some(Duration::from_millis(150)), Some(2)));
    assert_eq!(config.to_string(), "stop = attempts(4), hedge = after(150ms), hedges = 2");
    assert_eq!(config.to_string().parse::<PolicyConfig>(), Ok(config.clone()));
    assert!(config.build().is_ok());

    assert_eq!(config_err("hedge = after(0s)"), "`hedge` needs a positive duration, found zero");
    assert_eq!(
        config_err("hedge = 150ms"),
        "`hedge`: `hedge` takes `after(D)`, the time an attempt runs before a hedge starts, \
         such as `hedge = after(200ms)`; found `150ms`"
    );
    assert_eq!(
        config_err("hedge = after(1s), hedges = 0"),
        "`hedges = 0` starts no hedge; use `hedges = 1` or more, or remove `hedge`"
    );
    assert_eq!(
        config_err("hedge = after(1s), hedges = 50"),
        "`hedges` must be at most 10, found `50`; each hedge is one more request in flight at once"
    );
    assert_eq!(
        config_err("hedges = 2"),
        "`hedges` sets how many hedges `hedge = after(D)` may start, but there is no `hedge`; add `hedge = after(…)`"
    );
    assert!(config_err("hedge = after(1s), hedge = after(2s)").starts_with("duplicate key `hedge`"));
}

// The configured hedge is the builder's: the hedge starts at exactly the configured delay.
#[tokio::test(start_paused = true)]
async fn a_configured_hedge_starts_at_its_delay() {
    let config: PolicyConfig = "stop = attempts(3), wait = none, hedge = after(150ms)".parse().unwrap();
    let policy = config.build().unwrap();
    let start = tokio::time::Instant::now();
    let calls = std::cell::Cell::new(0);
    let out: Result<u32, String> = policy
        .retry(|| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n == 1 {
                    std::future::pending::<()>().await;
                }
                Ok(n)
            }
        })
        .await;
    assert_eq!(out, Ok(2));
    assert_eq!(start.elapsed(), Duration::from_millis(150));
}
