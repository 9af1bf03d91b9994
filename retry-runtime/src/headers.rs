//! Readers of the header values in which a server says how long to wait and whether to retry.
//!
//! Each reads one value, returns `None` for anything it cannot read, and never panics,
//! whatever the input (property tests and `cargo fuzz` targets check it). They need no
//! feature; [`classify::server_delay`](crate::classify) combines them for a whole response.
//!
//! | header | reader | example |
//! |---|---|---|
//! | `Retry-After` (RFC 9110 §10.2.3) | [`retry_after`] | `120`, `Sun, 06 Nov 1994 08:49:37 GMT` |
//! | `retry-after-ms` (OpenAI, Anthropic) | [`retry_after_ms`] | `1500`, `250.5` |
//! | `x-ratelimit-reset-requests` / `-tokens` (OpenAI) | [`go_duration`] | `1s`, `6m0s`, `20ms` |
//! | `anthropic-ratelimit-*-reset` (Anthropic) | [`rfc3339_reset`] | `2024-07-11T14:35:12Z` |
//! | `x-should-retry` (OpenAI, Anthropic) | [`should_retry`] | `true`, `false` |
//!
//! Common rules:
//! - spaces and tabs around the value (HTTP's optional whitespace) are ignored;
//! - a time already past reads as [`Duration::ZERO`];
//! - every delay is capped at [`MAX_DELAY`] rather than rejected: a server that asks for
//!   more than a year (`99999999999999999999`, a date in year 9999) is still read as asking
//!   for a very long wait, which the policy's `retry_after_max` then refuses, and no
//!   caller's clock arithmetic can overflow on it;
//! - fractions finer than a nanosecond are truncated.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest delay any reader returns: one year (365 days). Longer requests are capped
/// to it, see the [module docs](self).
///
/// ```
/// use retry_runtime::headers::{MAX_DELAY, retry_after_ms};
/// assert_eq!(retry_after_ms("99999999999999999999"), Some(MAX_DELAY));
/// ```
pub const MAX_DELAY: Duration = Duration::from_secs(365 * 24 * 60 * 60);

const NANOS_PER_MICRO: u128 = 1_000;
const NANOS_PER_MILLI: u128 = 1_000_000;
const NANOS_PER_SEC: u128 = 1_000_000_000;
const NANOS_PER_MIN: u128 = 60 * NANOS_PER_SEC;
const NANOS_PER_HOUR: u128 = 60 * NANOS_PER_MIN;

/// Fraction digits past this many cannot change a whole nanosecond of any unit up to an
/// hour (3.6e12 ns), and keep `fraction * unit` far inside `u128`.
const FRACTION_DIGITS: usize = 18;

/// Reads a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in the
/// IMF-fixdate, obsolete RFC 850 or asctime form, measured from `now`.
///
/// - delay-seconds are ASCII digits; as the OpenAI and Anthropic SDKs do, a decimal
///   fraction (`1.5`) is accepted too. A sign (`+5`, `-5`), an exponent or anything after
///   the number makes the value unreadable;
/// - dates are parsed by the `httpdate` crate (years 1970 to 9999; RFC 850's two-digit
///   years map to 1970–2069; the weekday must match the date); a date at or before `now`
///   gives [`Duration::ZERO`]. A leap second (`23:59:60`, which RFC 9110 allows) reads as
///   the second after `23:59:59`.
///
/// ```
/// use retry_runtime::headers::retry_after;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
/// assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(Duration::from_secs(60)));
/// assert_eq!(retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now), Some(Duration::from_secs(10)));
/// assert_eq!(retry_after("Sun Nov  6 08:49:40 1994", now), Some(Duration::from_secs(3)));
/// assert_eq!(retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now), Some(Duration::ZERO));
/// assert_eq!(retry_after("soon", now), None);
/// let leap = UNIX_EPOCH + Duration::from_secs(1_483_228_790); // Sat, 31 Dec 2016 23:59:50 GMT
/// assert_eq!(retry_after("Sat, 31 Dec 2016 23:59:60 GMT", leap), Some(Duration::from_secs(10)));
/// ```
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = trim_ows(value);
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        decimal(value, NANOS_PER_SEC).map(capped)
    } else {
        // httpdate checks `is_ascii` first and caps the year at 9999, so no input panics.
        match httpdate::parse_http_date(value) {
            Ok(at) => Some(until(at, now)),
            Err(_) => leap_second(value).map(|at| until(at, now)),
        }
    }
}

/// A date whose time is `hh:mm:60`, the leap second RFC 9110 allows and httpdate refuses:
/// read as the second after `hh:mm:59`.
fn leap_second(value: &str) -> Option<SystemTime> {
    let at = value.find(":60")?;
    let (before, after) = (&value[..at], &value[at + 3..]);
    let clock = before.get(before.len().checked_sub(5)?..)?;
    let shaped = clock.as_bytes()[2] == b':' && clock.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit());
    if !shaped || !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let second_before = httpdate::parse_http_date(&format!("{before}:59{after}")).ok()?;
    second_before.checked_add(Duration::from_secs(1))
}

/// Reads a `retry-after-ms` value: milliseconds, possibly fractional (`1500`, `250.5`,
/// `.5`), as the OpenAI and Anthropic SDKs read it. Signs and exponents are unreadable.
///
/// ```
/// use retry_runtime::headers::retry_after_ms;
/// use std::time::Duration;
/// assert_eq!(retry_after_ms("1500"), Some(Duration::from_millis(1500)));
/// assert_eq!(retry_after_ms(" 0.25 "), Some(Duration::from_micros(250)));
/// assert_eq!(retry_after_ms("-1"), None);
/// ```
pub fn retry_after_ms(value: &str) -> Option<Duration> {
    decimal(trim_ows(value), NANOS_PER_MILLI).map(capped)
}

/// Reads a Go duration, as OpenAI sends in `x-ratelimit-reset-requests` and
/// `x-ratelimit-reset-tokens`: `1s`, `6m0s`, `20ms`, `1h2m3.5s`, `0`.
///
/// The grammar of Go's `time.ParseDuration`, without negatives: one or more decimal numbers
/// (`1`, `1.5`, `.5`, `1.`) each followed by a unit, `ns`, `us` (or `µs`, `μs`), `ms`, `s`,
/// `m` or `h`, summed; a leading `+` is allowed; `0` alone needs no unit. A `-` sign, a
/// number without a unit or an unknown unit makes the value unreadable.
///
/// ```
/// use retry_runtime::headers::go_duration;
/// use std::time::Duration;
/// assert_eq!(go_duration("6m0s"), Some(Duration::from_secs(360)));
/// assert_eq!(go_duration("1h2m3.5s"), Some(Duration::from_millis(3_723_500)));
/// assert_eq!(go_duration("20ms"), Some(Duration::from_millis(20)));
/// assert_eq!(go_duration("-1s"), None);
/// assert_eq!(go_duration("1"), None);
/// ```
pub fn go_duration(value: &str) -> Option<Duration> {
    let value = trim_ows(value);
    let value = value.strip_prefix('+').unwrap_or(value);
    if value == "0" {
        return Some(Duration::ZERO);
    }
    if value.is_empty() {
        return None;
    }
    let is_number = |c: char| c.is_ascii_digit() || c == '.';
    let mut total: u128 = 0;
    let mut rest = value;
    while !rest.is_empty() {
        let (number, tail) = rest.split_at(rest.find(|c: char| !is_number(c)).unwrap_or(rest.len()));
        let (unit, next) = tail.split_at(tail.find(is_number).unwrap_or(tail.len()));
        let unit = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => NANOS_PER_MICRO,
            "ms" => NANOS_PER_MILLI,
            "s" => NANOS_PER_SEC,
            "m" => NANOS_PER_MIN,
            "h" => NANOS_PER_HOUR,
            _ => return None,
        };
        total = total.saturating_add(decimal(number, unit)?);
        rest = next;
    }
    Some(capped(total))
}

/// Reads an RFC 3339 timestamp, as Anthropic sends in `anthropic-ratelimit-*-reset`, and
/// returns the time from `now` until then.
///
/// Strict RFC 3339 (section 5.6): `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds, then
/// `Z` or a numeric offset (`+05:30`, `-08:00`); `T` and `Z` in either case; years 0000 to
/// 9999; a leap second (`:60`) reads as the second after `:59`. A time at or before `now`
/// gives [`Duration::ZERO`].
///
/// ```
/// use retry_runtime::headers::rfc3339_reset;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_720_708_500); // 2024-07-11T14:35:00Z
/// assert_eq!(rfc3339_reset("2024-07-11T14:35:12Z", now), Some(Duration::from_secs(12)));
/// assert_eq!(rfc3339_reset("2024-07-11T16:35:12+02:00", now), Some(Duration::from_secs(12)));
/// assert_eq!(rfc3339_reset("2024-07-11T14:35:00.25Z", now), Some(Duration::from_millis(250)));
/// assert_eq!(rfc3339_reset("2024-07-11T14:00:00Z", now), Some(Duration::ZERO));
/// assert_eq!(rfc3339_reset("2024-07-11 14:35:12", now), None);
/// assert_eq!(rfc3339_reset("2024-02-30T00:00:00Z", now), None);
/// ```
pub fn rfc3339_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let at = rfc3339_nanos(trim_ows(value))?;
    // Compared as signed nanoseconds since the epoch: no `SystemTime` arithmetic, which
    // could overflow on some platforms for far dates.
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |n| -n),
    };
    let ahead = at.saturating_sub(now);
    Some(u128::try_from(ahead).map_or(Duration::ZERO, capped))
}

/// An RFC 3339 date-time as signed nanoseconds since the Unix epoch.
fn rfc3339_nanos(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    let digits = |range: core::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i).is_some_and(|x| x.eq_ignore_ascii_case(&c));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let leap_year = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap_year { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid_day =
        usize::try_from(month - 1).ok().and_then(|m| month_days.get(m)).is_some_and(|&n| (1..=n).contains(&day));
    if !valid_day || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Fractional seconds, to the nanosecond (finer digits are dropped).
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        nanos *= 10_i64.pow(u32::try_from(9_usize.saturating_sub(i - start)).ok()?);
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            if sign == b'+' { h * 60 + m } else { -(h * 60 + m) }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm), then seconds.
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// Reads `x-should-retry`: `true` or `false` (ASCII case ignored), which OpenAI and
/// Anthropic send to override what the status code suggests.
///
/// ```
/// use retry_runtime::headers::should_retry;
/// assert_eq!(should_retry("true"), Some(true));
/// assert_eq!(should_retry(" False "), Some(false));
/// assert_eq!(should_retry("yes"), None);
/// ```
pub fn should_retry(value: &str) -> Option<bool> {
    let value = trim_ows(value);
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Strips HTTP's optional whitespace (spaces and horizontal tabs) from both ends.
fn trim_ows(value: &str) -> &str {
    value.trim_matches([' ', '\t'])
}

/// Reads `digits[.digits]` (at least one digit) as a count of `unit` nanoseconds,
/// saturating on overflow. Nothing else is accepted: no sign, exponent or space.
fn decimal(number: &str, unit: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole = whole.bytes().fold(0u128, |n, d| n.saturating_mul(10).saturating_add(u128::from(d - b'0')));
    let (numerator, denominator) = fraction
        .bytes()
        .take(FRACTION_DIGITS)
        .fold((0u128, 1u128), |(n, scale), d| (n * 10 + u128::from(d - b'0'), scale * 10));
    Some(whole.saturating_mul(unit).saturating_add(numerator * unit / denominator))
}

/// Nanoseconds as a duration no longer than [`MAX_DELAY`].
fn capped(nanos: u128) -> Duration {
    u64::try_from(nanos).map_or(MAX_DELAY, Duration::from_nanos).min(MAX_DELAY)
}

/// From `now` until `at`: zero if `at` is past, at most [`MAX_DELAY`].
fn until(at: SystemTime, now: SystemTime) -> Duration {
    at.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_saturates_instead_of_overflowing() {
        // 40 nines times an hour in nanoseconds overflows u128 if multiplied naively.
        let nines = "9".repeat(40);
        assert_eq!(decimal(&nines, NANOS_PER_HOUR), Some(u128::MAX));
        assert_eq!(capped(u128::MAX), MAX_DELAY);
    }

    #[test]
    fn decimal_truncates_below_a_nanosecond() {
        assert_eq!(decimal("0.0000000019", NANOS_PER_SEC), Some(1));
        let long = format!("1.{}", "9".repeat(100));
        assert_eq!(decimal(&long, NANOS_PER_SEC), Some(2 * NANOS_PER_SEC - 1));
    }
}
