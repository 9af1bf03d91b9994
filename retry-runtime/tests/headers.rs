//! The header readers in `retry_runtime::headers`: a table of fixtures for every format and
//! its edge cases, and property tests that no input makes any of them panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use retry_runtime::headers::{MAX_DELAY, go_duration, retry_after, retry_after_ms, rfc3339_reset, should_retry};

/// Sun, 06 Nov 1994 08:49:37 GMT: RFC 9110's example date.
const HTTP_NOW: u64 = 784_111_777;
/// 2024-07-11T14:35:00Z.
const RFC3339_NOW: u64 = 1_720_708_500;

#[derive(Debug, Clone, Copy)]
enum Reader {
    RetryAfter,
    RetryAfterMs,
    Go,
    Rfc3339,
}

impl Reader {
    fn read(self, value: &str) -> Option<Duration> {
        match self {
            Reader::RetryAfter => retry_after(value, at(HTTP_NOW)),
            Reader::RetryAfterMs => retry_after_ms(value),
            Reader::Go => go_duration(value),
            Reader::Rfc3339 => rfc3339_reset(value, at(RFC3339_NOW)),
        }
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const fn secs(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}
const fn millis(ms: u64) -> Option<Duration> {
    Some(Duration::from_millis(ms))
}
const fn nanos(ns: u64) -> Option<Duration> {
    Some(Duration::from_nanos(ns))
}
const ZERO: Option<Duration> = Some(Duration::ZERO);
const CAPPED: Option<Duration> = Some(MAX_DELAY);
const NONE: Option<Duration> = None;

use Reader::{Go, RetryAfter, RetryAfterMs, Rfc3339};

#[rustfmt::skip]
const FIXTURES: &[(Reader, &str, Option<Duration>)] = &[
    // Retry-After: delay-seconds.
    (RetryAfter, "0", ZERO),
    (RetryAfter, "120", secs(120)),
    (RetryAfter, " \t120\t ", secs(120)),
    (RetryAfter, "007", secs(7)),
    (RetryAfter, "1.5", millis(1500)),           // fractional, as the SDKs accept
    (RetryAfter, "1.", secs(1)),
    (RetryAfter, "+5", NONE),                    // no sign in 1*DIGIT
    (RetryAfter, "-5", NONE),
    (RetryAfter, "5s", NONE),
    (RetryAfter, "1e3", NONE),
    (RetryAfter, "120, 60", NONE),
    (RetryAfter, "1 20", NONE),
    (RetryAfter, "\u{ff11}\u{ff12}", NONE),      // full-width digits
    (RetryAfter, "", NONE),
    (RetryAfter, "   ", NONE),
    (RetryAfter, "31536000", CAPPED),            // exactly a year
    (RetryAfter, "31536001", CAPPED),
    (RetryAfter, "99999999999999999999", CAPPED),
    (RetryAfter, "999999999999999999999999999999999999999999999999", CAPPED),
    // Retry-After: HTTP-date, all three forms.
    (RetryAfter, "Sun, 06 Nov 1994 08:50:37 GMT", secs(60)),
    (RetryAfter, "Sunday, 06-Nov-94 08:49:47 GMT", secs(10)),
    (RetryAfter, "Sun Nov  6 08:49:40 1994", secs(3)),
    (RetryAfter, "  Sun, 06 Nov 1994 08:50:37 GMT  ", secs(60)),
    (RetryAfter, "Sun, 06 Nov 1994 08:49:37 GMT", ZERO),   // now
    (RetryAfter, "Sat, 05 Nov 1994 08:49:37 GMT", ZERO),   // past
    (RetryAfter, "Thu, 01 Jan 1970 00:00:00 GMT", ZERO),
    (RetryAfter, "Fri, 31 Dec 9999 23:59:59 GMT", CAPPED), // year 9999
    (RetryAfter, "Wednesday, 06-Nov-69 08:49:37 GMT", CAPPED), // two-digit 69 is 2069
    (RetryAfter, "Mon, 06 Nov 1994 08:49:37 GMT", NONE),   // wrong weekday
    (RetryAfter, "Sun, 06 Nov 1994 08:49:37 UTC", NONE),
    (RetryAfter, "sun, 06 nov 1994 08:49:37 gmt", NONE),
    (RetryAfter, "Sun, 06 Nov 1994 25:00:00 GMT", NONE),
    (RetryAfter, "Sun, 31 Nov 1994 08:49:37 GMT", NONE),
    (RetryAfter, "Wed, 31 Dec 1969 23:59:59 GMT", NONE),   // before 1970
    (RetryAfter, "Sat, 01 Jan 10000 00:00:00 GMT", NONE),
    (RetryAfter, "Sun, 06 Nov 1994", NONE),
    (RetryAfter, "soon", NONE),
    (RetryAfter, "Sun, 06 Nov 1994 08:49:37 GMT\u{e9}", NONE),
    // retry-after-ms.
    (RetryAfterMs, "1500", millis(1500)),
    (RetryAfterMs, "0", ZERO),
    (RetryAfterMs, "250.5", nanos(250_500_000)),
    (RetryAfterMs, ".5", nanos(500_000)),
    (RetryAfterMs, " 20 ", millis(20)),
    (RetryAfterMs, "0.0000001", ZERO),           // below a nanosecond
    (RetryAfterMs, "0.000001", nanos(1)),
    (RetryAfterMs, "+20", NONE),
    (RetryAfterMs, "-20", NONE),
    (RetryAfterMs, "1e3", NONE),
    (RetryAfterMs, "NaN", NONE),
    (RetryAfterMs, "inf", NONE),
    (RetryAfterMs, "1,5", NONE),
    (RetryAfterMs, "1.2.3", NONE),
    (RetryAfterMs, ".", NONE),
    (RetryAfterMs, "", NONE),
    (RetryAfterMs, "99999999999999999999", CAPPED),
    // Go durations (OpenAI x-ratelimit-reset-*).
    (Go, "1s", secs(1)),
    (Go, "6m0s", secs(360)),
    (Go, "20ms", millis(20)),
    (Go, "1h2m3.5s", millis(3_723_500)),
    (Go, "500us", nanos(500_000)),
    (Go, "500\u{b5}s", nanos(500_000)),          // micro sign
    (Go, "500\u{3bc}s", nanos(500_000)),         // Greek mu
    (Go, "7ns", nanos(7)),
    (Go, "0", ZERO),
    (Go, "0s", ZERO),
    (Go, "+1s", secs(1)),
    (Go, ".5s", millis(500)),
    (Go, "1.s", secs(1)),
    (Go, "1.5h", secs(5400)),
    (Go, "1s1h", secs(3601)),                    // Go does not enforce unit order
    (Go, " 1s ", secs(1)),
    (Go, "2562047h47m16.854775807s", CAPPED),    // Go's largest duration
    (Go, "99999999999999999999999h", CAPPED),
    (Go, "-1s", NONE),
    (Go, "-0", NONE),
    (Go, "1h-1m", NONE),
    (Go, "1", NONE),                             // missing unit
    (Go, "1d", NONE),
    (Go, "1S", NONE),
    (Go, "1 s", NONE),
    (Go, "1.5.5s", NONE),
    (Go, "s", NONE),
    (Go, ".s", NONE),
    (Go, "+", NONE),
    (Go, "", NONE),
    // RFC 3339 (Anthropic anthropic-ratelimit-*-reset).
    (Rfc3339, "2024-07-11T14:35:12Z", secs(12)),
    (Rfc3339, "2024-07-11T14:35:12.5Z", millis(12_500)),
    (Rfc3339, "2024-07-11T14:35:12.123456789Z", nanos(12_123_456_789)),
    (Rfc3339, "2024-07-11T16:35:12+02:00", secs(12)),
    (Rfc3339, "2024-07-11T09:35:12-05:00", secs(12)),
    (Rfc3339, "2024-07-11T20:05:12+05:30", secs(12)),
    (Rfc3339, "2024-07-11T14:35:12+00:00", secs(12)),
    (Rfc3339, "  2024-07-11T14:35:12Z\t", secs(12)),
    (Rfc3339, "2024-07-11T14:35:00Z", ZERO),     // now
    (Rfc3339, "2024-07-11T14:00:00Z", ZERO),     // past
    (Rfc3339, "2024-07-11T16:00:00+02:00", ZERO), // past, though its local time is ahead
    (Rfc3339, "1970-01-01T00:00:00Z", ZERO),
    (Rfc3339, "0000-01-01T00:00:00Z", ZERO),
    (Rfc3339, "9999-12-31T23:59:59Z", CAPPED),   // year 9999
    (Rfc3339, "2024-07-11T14:35:12", NONE),      // no offset
    (Rfc3339, "2024-07-11", NONE),
    (Rfc3339, "2024-13-01T00:00:00Z", NONE),
    (Rfc3339, "2024-02-30T00:00:00Z", NONE),
    (Rfc3339, "2024-07-11T24:00:00Z", NONE),
    (Rfc3339, "2024-07-11T14:35:12+24:00", NONE),
    (Rfc3339, "10000-01-01T00:00:00Z", NONE),
    (Rfc3339, "1720708512", NONE),               // epoch seconds are not RFC 3339
    (Rfc3339, "Thu, 11 Jul 2024 14:35:12 GMT", NONE),
    (Rfc3339, "tomorrow", NONE),
    (Rfc3339, "", NONE),
];

#[test]
fn every_fixture_reads_as_expected() {
    assert!(FIXTURES.len() >= 40, "keep the table at 40 rows or more");
    let failures: Vec<String> = FIXTURES
        .iter()
        .filter_map(|&(reader, value, expected)| {
            let got = reader.read(value);
            (got != expected).then(|| format!("{reader:?}({value:?}): expected {expected:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} fixtures failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn should_retry_reads_true_and_false_only() {
    let table = [
        ("true", Some(true)),
        ("false", Some(false)),
        ("TRUE", Some(true)),
        ("False", Some(false)),
        (" true\t", Some(true)),
        ("1", None),
        ("0", None),
        ("yes", None),
        ("truee", None),
        ("t rue", None),
        ("", None),
    ];
    for (value, expected) in table {
        assert_eq!(should_retry(value), expected, "x-should-retry: {value:?}");
    }
}

#[test]
fn a_date_in_the_past_reads_as_zero_whatever_now_is() {
    // Guards against subtracting in the wrong order when `now` is far in the future.
    let far = at(253_402_300_799); // 9999-12-31T23:59:59Z
    assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", far), ZERO);
    assert_eq!(rfc3339_reset("1994-11-06T08:49:37Z", far), ZERO);
    // And a `now` before the epoch is no reason to fail.
    let before = UNIX_EPOCH - Duration::from_secs(10);
    assert_eq!(rfc3339_reset("1970-01-01T00:00:00Z", before), secs(10));
    assert_eq!(retry_after("Thu, 01 Jan 1970 00:00:00 GMT", before), secs(10));
}

/// Every reader, for the property tests: each must return without panicking and never
/// more than the cap.
fn read_all(value: &str, now: SystemTime) {
    for delay in [retry_after(value, now), retry_after_ms(value), go_duration(value), rfc3339_reset(value, now)]
        .into_iter()
        .flatten()
    {
        assert!(delay <= MAX_DELAY, "{value:?} gave {delay:?}");
    }
    let _ = should_retry(value);
}

/// Any time a `SystemTime` can hold here, before or after the epoch.
fn any_now() -> impl Strategy<Value = SystemTime> {
    (any::<bool>(), any::<u64>(), 0u32..1_000_000_000).prop_map(|(after, secs, nanos)| {
        let d = Duration::new(secs, nanos);
        let t = if after { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) };
        t.unwrap_or(UNIX_EPOCH)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_string_makes_a_reader_panic(value in any::<String>(), now in any_now()) {
        read_all(&value, now);
    }

    #[test]
    fn no_bytes_make_a_reader_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), now in any_now()) {
        read_all(&String::from_utf8_lossy(&bytes), now);
    }

    /// Strings made of the readers' own alphabet reach far deeper than random text.
    #[test]
    fn no_near_miss_makes_a_reader_panic(
        value in "[ \t0-9.+\\-:,TZtzGMTUCSunMonNovDecJanhmsuµμn]{0,40}",
        now in any_now(),
    ) {
        read_all(&value, now);
    }

    #[test]
    fn near_miss_dates_do_not_panic(
        day in "(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Sunday)",
        date in 0u32..40, month in "(Jan|Feb|Nov|Dec|Xyz)", year in 0u32..20000,
        h in 0u32..30, m in 0u32..70, s in 0u32..70,
        now in any_now(),
    ) {
        read_all(&format!("{day}, {date:02} {month} {year:04} {h:02}:{m:02}:{s:02} GMT"), now);
        read_all(&format!("{day}, {date:02}-{month}-{:02} {h:02}:{m:02}:{s:02} GMT", year % 100), now);
        read_all(&format!("{day} {month} {date:2} {h:02}:{m:02}:{s:02} {year:04}"), now);
        read_all(&format!("{year:04}-{:02}-{date:02}T{h:02}:{m:02}:{s:02}+{h:02}:{m:02}", date % 14), now);
    }

    #[test]
    fn delay_seconds_read_back(n in any::<u64>()) {
        let expected = Duration::from_secs(n).min(MAX_DELAY);
        prop_assert_eq!(retry_after(&n.to_string(), UNIX_EPOCH), Some(expected));
        let ms = Duration::from_millis(n).min(MAX_DELAY);
        prop_assert_eq!(retry_after_ms(&n.to_string()), Some(ms));
    }

    #[test]
    fn http_dates_read_back(secs in 0u64..253_402_300_800, now in 0u64..253_402_300_800) {
        let date = httpdate::fmt_http_date(at(secs));
        let expected = Duration::from_secs(secs.saturating_sub(now)).min(MAX_DELAY);
        prop_assert_eq!(retry_after(&date, at(now)), Some(expected));
    }

    #[test]
    fn go_durations_read_back(h in 0u64..10_000, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
        let expected = Duration::from_millis(((h * 60 + m) * 60 + s) * 1000 + ms).min(MAX_DELAY);
        prop_assert_eq!(go_duration(&format!("{h}h{m}m{s}.{ms:03}s")), Some(expected));
        prop_assert_eq!(go_duration(&format!("{h}h{m}m{s}s{ms}ms")), Some(expected));
    }

    #[test]
    fn rfc3339_offsets_name_the_same_instant(
        secs in -62_135_596_800i64..253_402_300_799,
        offset_minutes in -(23 * 60 + 59)..=(23i32 * 60 + 59),
        now in -62_135_596_800i64..253_402_300_799,
    ) {
        // Written with the time crate's calendar, read back from the text.
        let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
        let utc = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let local = utc.checked_to_offset(offset);
        prop_assume!(local.is_some_and(|l| (0..=9999).contains(&l.year())));
        let local = local.unwrap();
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            local.year(), u8::from(local.month()), local.day(),
            local.hour(), local.minute(), local.second(),
            offset_minutes.abs() / 60, offset_minutes.abs() % 60,
        );
        let now_time = if now >= 0 {
            UNIX_EPOCH + Duration::from_secs(now.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(now.unsigned_abs())
        };
        let ahead = u64::try_from(secs - now).map_or(Duration::ZERO, Duration::from_secs);
        prop_assert_eq!(rfc3339_reset(&text, now_time), Some(ahead.min(MAX_DELAY)), "{}", text);
    }
}

#[test]
fn the_parsers_are_at_the_path_the_spec_names() {
    // Spec §5 names `retry_runtime::headers`; it is the only path (`.ci/public-names` checks
    // that no second one appears in the docs).
    let parse: fn(&str) -> Option<Duration> = retry_runtime::headers::go_duration;
    assert_eq!(parse("1s"), Some(Duration::from_secs(1)));
}

#[test]
fn a_leap_second_in_retry_after_reads_as_the_next_second() {
    // RFC 9110 allows second 60; httpdate refuses it, and the header once read as nothing.
    let before = at(1_483_228_790); // Sat, 31 Dec 2016 23:59:50 GMT
    assert_eq!(retry_after("Sat, 31 Dec 2016 23:59:60 GMT", before), Some(Duration::from_secs(10)));
    assert_eq!(retry_after("Saturday, 31-Dec-16 23:59:60 GMT", before), Some(Duration::from_secs(10)));
    assert_eq!(retry_after("Sat Dec 31 23:59:60 2016", before), Some(Duration::from_secs(10)));
    // Only a clock's seconds: 60 elsewhere, or 61, is still no date.
    assert_eq!(retry_after("Sat, 31 Dec 2016 23:60:00 GMT", before), None);
    assert_eq!(retry_after("Sat, 31 Dec 2016 23:59:61 GMT", before), None);
    assert_eq!(retry_after(":60", before), None);
    // RFC 3339 too, in the crate's own reader.
    assert_eq!(rfc3339_reset("2016-12-31T23:59:60Z", before), Some(Duration::from_secs(10)));
    assert_eq!(rfc3339_reset("2016-12-31T23:59:61Z", before), None);
}

#[test]
fn rfc3339_resets_are_read_strictly() {
    let now = at(1_720_708_500); // 2024-07-11T14:35:00Z
    assert_eq!(rfc3339_reset("2024-07-11t14:35:01.5z", now), Some(Duration::from_millis(1_500)));
    assert_eq!(rfc3339_reset("2024-07-11T14:35:00.1234567899Z", now), Some(Duration::from_nanos(123_456_789)));
    assert_eq!(rfc3339_reset("2024-02-29T00:00:00Z", now), Some(Duration::ZERO), "a leap day");
    for bad in [
        "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-07-11T24:00:00Z",
        "2024-07-11T14:35:00",
        "2024-07-11T14:35:00.Z",
        "2024-07-11T14:35:00+0200",
        "2024-07-11T14:35:00+24:00",
        "24-07-11T14:35:00Z",
        "2024-07-11T14:35:00Zjunk",
        "",
    ] {
        assert_eq!(rfc3339_reset(bad, now), None, "{bad}");
    }
}
