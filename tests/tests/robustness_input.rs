//! No input makes a parser panic, allocate without bound, or read an absurd value as a
//! sensible one: huge strings are refused (configuration) or read in place (headers), and
//! absurd numbers are refused or saturate where a bound exists.
//!
//! Arbitrary strings, grammar pieces and near-miss headers are already fuzzed by proptest
//! (`retry-runtime/tests/config/fuzz.rs`, `retry-runtime/tests/headers.rs`) and by the
//! cargo-fuzz targets in `fuzz/`; the header fixtures already hold `Retry-After:
//! 99999999999999999999`, year 9999 and negative values. This file adds what those miss.
//!
//! Linking `allocation-counter` makes its per-thread counting allocator this binary's
//! global allocator, so `measure` sees exactly what the parser allocated.

use std::time::{Duration, Instant, SystemTime};

use allocation_counter::measure;
use retry_runtime::config::{MAX_LEN, PolicyConfig, parse_duration, parse_stop, parse_wait};
use retry_runtime::headers::{self, MAX_DELAY};
use retry_runtime::wait::{RetryRng, Wait, WaitContext};
use retry_runtime::{PolicyError, RetryPolicy};

const TEN_MB: usize = 10 * 1024 * 1024;

/// 10 MB of `unit` repeated: each shape stresses a different part of the parser (tokens,
/// nesting, chains, names, numbers).
fn ten_megabytes_of(unit: &str) -> String {
    unit.repeat(TEN_MB / unit.len())
}

const SHAPES: [&str; 9] = ["(", ")", "never | ", "fixed(1) + ", "a", "9", " ", "é", "stop = never, "];

fn message(result: Result<impl Sized, PolicyError>) -> String {
    match result {
        Ok(_) => panic!("a 10 MB text parsed"),
        Err(e) => e.to_string(),
    }
}

// Before the length check, 10 MB of `(` cost 836 MB of tokens and 6 s; a name was echoed
// whole into its error.
#[test]
fn ten_megabytes_are_refused_by_every_config_parser_before_anything_is_read() {
    for unit in SHAPES {
        let text = ten_megabytes_of(unit);
        let line = format!("stop = {text}");
        let started = Instant::now();
        let mut messages = Vec::new();
        let info = measure(|| {
            messages = vec![
                message(parse_stop(&text)),
                message(parse_wait(&text)),
                message(parse_duration(&text)),
                message(text.parse::<PolicyConfig>()),
                message(line.parse::<PolicyConfig>()),
            ];
        });
        let elapsed = started.elapsed();
        for m in &messages {
            assert!(m.contains(&format!("cannot be longer than {MAX_LEN} bytes")), "{unit:?}: {m}");
            assert!(m.len() < 120, "{unit:?}: a {} byte message", m.len());
        }
        assert!(info.bytes_max < 4096, "{unit:?}: {info:?}");
        assert!(elapsed < Duration::from_secs(1), "{unit:?}: {elapsed:?}");
    }
}

// Guards the bound that the length check exists for: text just within it costs at most 5
// bytes of memory a byte of text, whatever its shape. Chains of short names were the worst
// shapes (`a|a|…` 111 bytes a byte, `a|b&…` through `PolicyConfig` 218) until the lexer
// stopped at `MAX_TOKENS`; a megabyte-long name, copied into its entry and its message, is
// now the worst (4).
#[test]
fn text_at_the_length_limit_costs_memory_in_proportion() {
    let shapes = ["(", "fixed(1) + ", "never | ", "a|", "a&", "a+", "a|b&", "1s+", "f(a,", "a(", "|", "a"];
    for unit in shapes {
        let text = unit.repeat(MAX_LEN / unit.len());
        let line = format!("stop = {}", &text[..text.len() - 7]);
        let wait_line = format!("wait = {}", &text[..text.len() - 7]);
        let info = measure(|| {
            let _ = parse_stop(&text);
            let _ = parse_wait(&text);
            let _ = text.parse::<PolicyConfig>();
            let _ = line.parse::<PolicyConfig>();
            let _ = wait_line.parse::<PolicyConfig>();
        });
        assert!(info.bytes_max <= 5 * MAX_LEN as u64, "{unit:?}: {info:?}");
    }
}

// A chain longer than any policy is refused at the token past the limit, with its column.
#[test]
fn more_tokens_than_a_policy_needs_are_refused() {
    let text = "never | ".repeat(6_000);
    let message = message(parse_stop(&text));
    assert!(message.contains("more than 10000 names, numbers and signs"), "{message}");
    assert!(message.contains("column 40001"), "{message}");
    let fits = "never | ".repeat(4_000) + "never";
    assert!(parse_stop(&fits).is_ok());
}

// Header values are read in place: a megabyte (60 times what servers accept in a header)
// allocates nothing and digits saturate at the cap. The readers take time in proportion
// (10 MB through all five: under 70 ms in release, but 8 s unoptimised, too slow for CI).
#[test]
fn a_megabyte_of_header_value_is_read_without_allocating() {
    let now = SystemTime::now();
    let cases: [(&str, Option<Duration>, Option<Duration>, Option<Duration>); 3] = [
        // (value unit, Retry-After, retry-after-ms, Go duration)
        ("9", Some(MAX_DELAY), Some(MAX_DELAY), None),
        (" ", None, None, None),
        ("1h", None, None, Some(MAX_DELAY)),
    ];
    for (unit, retry_after, retry_after_ms, go) in cases {
        let value = unit.repeat((1 << 20) / unit.len());
        let mut read = None;
        let info = measure(|| {
            read = Some((
                headers::retry_after(&value, now),
                headers::retry_after_ms(&value),
                headers::go_duration(&value),
                headers::rfc3339_reset(&value, now),
                headers::should_retry(&value),
            ));
        });
        assert_eq!(read, Some((retry_after, retry_after_ms, go, None, None)), "{unit:?}");
        assert_eq!(info.bytes_total, 0, "{unit:?}: {info:?}");
    }
}

/// The error's message, or nothing if it parsed.
fn err<T>(result: Result<T, PolicyError>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

fn delay_at(wait: &dyn Wait, attempt: u32) -> Duration {
    wait.delay(&mut WaitContext::new(attempt, Duration::ZERO, &mut RetryRng::seeded(0)))
}

const HOURS_99999999999999: Duration = Duration::from_secs(99_999_999_999_999 * 3_600);

// Values past what the type holds are refused with the bound; values it holds are kept
// exact and saturate where they add up, at any attempt number.
#[test]
fn absurd_config_values_are_refused_or_saturate() {
    assert_eq!(
        err(parse_stop("attempts(99999999999)")),
        "`N` of `attempts` must be at most 4294967295, found `99999999999`"
    );
    assert_eq!(
        err(parse_wait("fixed(99999999999999999999h)")),
        "`99999999999999999999h` is longer than the longest duration, 18446744073709551615s"
    );
    assert_eq!(
        err(parse_stop("attempts(-99999999999)")),
        "`N` of `attempts` must be a whole number of attempts such as `5`, found `-99999999999`"
    );
    assert_eq!(
        err(parse_wait("fixed(-99999999999999h)")),
        "`D` of `fixed` cannot be negative, found `-99999999999999h`"
    );
    assert!(err("seed = 18446744073709551616".parse::<PolicyConfig>()).contains("`seed`"));
    assert!(err("seed = -1".parse::<PolicyConfig>()).contains("`seed`"));

    // 99 999 999 999 999 h fits in a `Duration` (3.6·10¹⁷ s): kept exact, at any attempt.
    let fixed = parse_wait("fixed(99999999999999h)").unwrap();
    assert_eq!(delay_at(&*fixed, 1), HOURS_99999999999999);
    assert_eq!(delay_at(&*fixed, u32::MAX), HOURS_99999999999999);
    let capped = parse_wait("exponential(1s, 99999999999999h)").unwrap();
    assert_eq!(delay_at(&*capped, u32::MAX), HOURS_99999999999999);
    let longest = "fixed(5124095576030431h)"; // the most whole hours a `Duration` holds
    let sum = parse_wait(&format!("{longest} + {longest} + {longest}")).unwrap();
    assert_eq!(delay_at(&*sum, u32::MAX), Duration::MAX);
    let config: PolicyConfig = "retry_after_max = 99999999999999h, stop = never".parse().unwrap();
    assert_eq!(config.retry_after_max, Some(HOURS_99999999999999));
    assert_eq!(
        err("stop = deadline(1h), timeout = 99999999999999h".parse::<PolicyConfig>()),
        "`timeout = 99999999999999h` is longer than `deadline(1h)`; every attempt would be cut by the deadline first"
    );
}

// A wait longer than the deadline is never started, however long: no overflow on the way.
#[test]
fn an_absurd_wait_from_configuration_gives_up_at_the_deadline_instead_of_sleeping() {
    let config: PolicyConfig =
        "stop = attempts(3) | deadline(1h), wait = fixed(18446744073709551615s)".parse().unwrap();
    let policy = config.builder().unwrap().log(retry_runtime::LogLevel::Off).build().unwrap();
    let started = Instant::now();
    let mut runs = 0;
    let out: Result<(), &str> = policy.retry_blocking(|| {
        runs += 1;
        Err("down")
    });
    assert_eq!((out, runs), (Err("down"), 1));
    assert!(started.elapsed() < Duration::from_secs(5));
}

// tokio bounds the sleep it is asked for; the loop asks for 3.6·10¹⁷ s and survives it.
#[tokio::test(start_paused = true)]
async fn an_absurd_wait_runs_on_the_paused_clock_without_a_panic() {
    let policy = RetryPolicy::builder()
        .stop(parse_stop("attempts(2)").unwrap())
        .wait(parse_wait("fixed(99999999999999h)").unwrap())
        .log(retry_runtime::LogLevel::Off)
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let mut runs = 0;
    let out: Result<(), &str> = policy
        .retry(|| {
            runs += 1;
            async { Err("down") }
        })
        .await;
    assert_eq!((out, runs), (Err("down"), 2));
    assert!(started.elapsed() > Duration::from_secs(365 * 24 * 3_600), "it did sleep, as long as tokio allows");
}
