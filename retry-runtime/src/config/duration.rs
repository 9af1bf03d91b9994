//! Durations as the attribute writes them (§2): `1`, `0.5`, `250ms`, `1.5s`, `2m`, `1h`.

use core::fmt;
use core::time::Duration;

use super::suggest::one_of;
use super::syntax::snippet;

/// Units with their length in nanoseconds; a bare number is seconds.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
];

/// The units listed in messages (the Greek mu spelling is accepted but not advertised).
const UNIT_NAMES: &[&str] = &["ns", "us", "µs", "ms", "s", "m", "h"];

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Fraction digits past this many are finer than a nanosecond even in hours (10^18 ns
/// per 3.6·10^12): they are dropped.
const FRACTION_DIGITS: usize = 18;

/// What a mistaken unit most likely meant.
fn unit_hint(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "sec" | "secs" | "second" | "seconds" | "S" => "s",
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" | "H" => "h",
        "msec" | "msecs" | "millis" | "MS" | "Ms" => "ms",
        "usec" | "usecs" | "micros" => "us",
        "nsec" | "nsecs" | "nanos" => "ns",
        _ => return None,
    })
}

/// The list of valid units, for messages.
pub(crate) fn units_expected() -> String {
    format!("expected one of {} after the number, or none for seconds", one_of(UNIT_NAMES))
}

/// Reads one number token (`text`, whose unit starts at byte `unit`) as a duration.
///
/// Exact to the nanosecond: `0.1` is 100 ms, not the float nearest a tenth.
pub(crate) fn from_number(text: &str, unit: usize) -> Result<Duration, String> {
    let (number, suffix) = text.split_at_checked(unit).unwrap_or((text, ""));
    let scale = if suffix.is_empty() {
        NANOS_PER_SEC
    } else if let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == suffix) {
        scale
    } else {
        let mut message = format!("unknown unit `{}` in `{}`", snippet(suffix), snippet(text));
        if let Some(hint) = unit_hint(suffix) {
            message.push_str(&format!(" (did you mean `{}{hint}`?)", snippet(number)));
        }
        message.push_str("; ");
        message.push_str(&units_expected());
        return Err(message);
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let too_long = || format!("`{}` is longer than the longest duration, {}s", snippet(text), Duration::MAX.as_secs());
    let mut nanos: u128 = 0;
    for digit in whole.bytes().filter(u8::is_ascii_digit) {
        nanos = nanos.checked_mul(10).and_then(|n| n.checked_add(u128::from(digit - b'0'))).ok_or_else(too_long)?;
    }
    nanos = nanos.checked_mul(scale).ok_or_else(too_long)?;
    let mut numerator: u128 = 0;
    let mut denominator: u128 = 1;
    for digit in fraction.bytes().filter(u8::is_ascii_digit).take(FRACTION_DIGITS) {
        numerator = numerator * 10 + u128::from(digit - b'0');
        denominator *= 10;
    }
    nanos = nanos.checked_add(numerator * scale / denominator).ok_or_else(too_long)?;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).map_err(|_| too_long())?;
    Ok(Duration::new(secs, subsec))
}

/// A duration in the words [`from_number`] reads back exactly, in the largest unit that
/// keeps it whole: `250ms`, `90s`, `1500us`.
pub(crate) struct Words(pub(crate) Duration);

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let nanos = d.subsec_nanos();
        if nanos == 0 {
            let secs = d.as_secs();
            match secs {
                0 => f.write_str("0"),
                s if s % 3_600 == 0 => write!(f, "{}h", s / 3_600),
                s if s % 60 == 0 => write!(f, "{}m", s / 60),
                s => write!(f, "{s}s"),
            }
        } else if nanos.is_multiple_of(1_000_000) {
            write!(f, "{}ms", d.as_millis())
        } else if nanos.is_multiple_of(1_000) {
            write!(f, "{}us", d.as_micros())
        } else {
            write!(f, "{}ns", d.as_nanos())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Duration, String> {
        let unit = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(text.len());
        from_number(text, unit)
    }

    #[test]
    fn fractions_are_exact() {
        assert_eq!(read("0.1"), Ok(Duration::from_millis(100)));
        assert_eq!(read("1.5h"), Ok(Duration::from_secs(5_400)));
        assert_eq!(read("0.000000001"), Ok(Duration::from_nanos(1)));
        assert_eq!(read("0.0000000019"), Ok(Duration::from_nanos(1)));
        assert_eq!(read("2.5us"), Ok(Duration::from_nanos(2_500)));
    }

    #[test]
    fn the_largest_duration_is_reachable_and_one_more_is_not() {
        let max = format!("{}.999999999", u64::MAX);
        assert_eq!(read(&max), Ok(Duration::MAX));
        assert!(read(&format!("{}s", u128::from(u64::MAX) + 1)).is_err());
        assert!(read("99999999999999999999999999999999999999999999h").is_err());
    }

    #[test]
    fn words_read_back_exactly() {
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_micros(1_500),
            Duration::from_millis(250),
            Duration::from_secs(90),
            Duration::from_secs(120),
            Duration::from_secs(7_200),
            Duration::MAX,
        ] {
            let text = Words(d).to_string();
            assert_eq!(read(&text), Ok(d), "{text}");
        }
    }
}
