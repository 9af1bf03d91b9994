//! The one duration reader, exact to the nanosecond, and its writer.

use core::fmt;
use core::time::Duration;

use crate::problem::Problem;
use crate::table::Unit;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Reads `number` (decimal digits with `_` separators, an optional fraction and an optional
/// exponent, as Rust writes them) times `unit` (`""` for seconds) as a duration.
///
/// Exact to the nanosecond: `0.1` is 100 ms, not the float nearest a tenth. Digits finer
/// than a nanosecond are dropped (rounded toward zero), in the attribute and in
/// configuration alike: `0.0000000019` is 1 ns.
///
/// ```
/// use retry_grammar::read_duration;
/// use std::time::Duration;
/// assert_eq!(read_duration("1.5", "s"), Ok(Duration::from_millis(1_500)));
/// assert_eq!(read_duration("1_000", "us"), Ok(Duration::from_millis(1)));
/// assert_eq!(read_duration("2.5e-3", ""), Ok(Duration::from_micros(2_500)));
/// assert_eq!(read_duration("0.0000000019", ""), Ok(Duration::from_nanos(1)));
/// assert!(read_duration("5", "sec").is_err());
/// ```
///
/// # Errors
/// [`Problem::UnknownUnit`] for a unit not in [`UNITS`](crate::UNITS),
/// [`Problem::TooLong`] beyond [`Duration::MAX`], [`Problem::NotADuration`] for text that
/// is no decimal number.
pub fn read_duration(number: &str, unit: &str) -> Result<Duration, Problem> {
    let written = || format!("{number}{unit}");
    let scale = if unit.is_empty() {
        NANOS_PER_SEC
    } else {
        match Unit::find(unit) {
            Some(u) => u.nanos,
            None => return Err(Problem::UnknownUnit { unit: unit.to_owned(), number: number.to_owned() }),
        }
    };
    let not_a_number = || Problem::NotADuration { what: None, found: written() };
    let too_long = || Problem::TooLong { text: written() };
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.replace('_', "").parse::<i64>().map_err(|_| not_a_number())?),
        None => (number, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| -> Option<Vec<u8>> {
        s.bytes().filter(|&b| b != b'_').map(|b| b.is_ascii_digit().then(|| b - b'0')).collect()
    };
    let (Some(mut whole), Some(mut fraction)) = (digits(whole), digits(fraction)) else {
        return Err(not_a_number());
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(not_a_number());
    }
    // The exponent moves the point; far enough either way, the answer is known.
    if exponent > 0 {
        let shift = usize::try_from(exponent).unwrap_or(usize::MAX);
        if shift > 64 {
            return if whole.iter().chain(&fraction).all(|&d| d == 0) { Ok(Duration::ZERO) } else { Err(too_long()) };
        }
        let moved = shift.min(fraction.len());
        whole.extend(fraction.drain(..moved));
        whole.extend(core::iter::repeat_n(0, shift - moved));
    } else if exponent < 0 {
        let shift = usize::try_from(exponent.unsigned_abs()).unwrap_or(usize::MAX);
        if shift > 64 {
            return Ok(Duration::ZERO);
        }
        let moved = shift.min(whole.len());
        let mut fresh: Vec<u8> = core::iter::repeat_n(0, shift - moved).collect();
        fresh.extend(whole.drain(whole.len() - moved..));
        fresh.extend(fraction);
        fraction = fresh;
    }
    let mut nanos: u128 = 0;
    for &d in &whole {
        nanos = nanos.checked_mul(10).and_then(|n| n.checked_add(u128::from(d))).ok_or_else(too_long)?;
    }
    nanos = nanos.checked_mul(scale).ok_or_else(too_long)?;
    // floor(0.f1 f2 … fk · scale), right to left with an integer carry below `scale`:
    // floor((a + y) / 10) = floor((a + floor(y)) / 10) for a whole `a`, so this is exact.
    let mut carry: u128 = 0;
    for &d in fraction.iter().rev() {
        carry = (u128::from(d) * scale + carry) / 10;
    }
    nanos = nanos.checked_add(carry).ok_or_else(too_long)?;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).map_err(|_| too_long())?;
    Ok(Duration::new(secs, subsec))
}

/// A duration in the words [`read_duration`] reads back exactly, in the largest unit that
/// keeps it whole: `250ms`, `90s`, `1500us`.
///
/// ```
/// use retry_grammar::Words;
/// use std::time::Duration;
/// assert_eq!(Words(Duration::from_millis(250)).to_string(), "250ms");
/// assert_eq!(Words(Duration::from_secs(120)).to_string(), "2m");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words(pub Duration);

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let nanos = d.subsec_nanos();
        if nanos == 0 {
            match d.as_secs() {
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

    #[test]
    fn fractions_are_exact_and_sub_nanosecond_digits_dropped() {
        assert_eq!(read_duration("0.1", ""), Ok(Duration::from_millis(100)));
        assert_eq!(read_duration("1.5", "h"), Ok(Duration::from_secs(5_400)));
        assert_eq!(read_duration("0.000000001", ""), Ok(Duration::from_nanos(1)));
        assert_eq!(read_duration("0.0000000019", ""), Ok(Duration::from_nanos(1)));
        assert_eq!(read_duration("2.5", "us"), Ok(Duration::from_nanos(2_500)));
        assert_eq!(read_duration("1e3", ""), Ok(Duration::from_secs(1_000)));
        assert_eq!(read_duration("15e-1", "ms"), Ok(Duration::from_micros(1_500)));
    }

    #[test]
    fn the_largest_duration_is_reachable_and_one_more_is_not() {
        let max = format!("{}.999999999", u64::MAX);
        assert_eq!(read_duration(&max, ""), Ok(Duration::MAX));
        assert!(read_duration(&format!("{}", u128::from(u64::MAX) + 1), "s").is_err());
        assert!(read_duration("99999999999999999999999999999999999999999999", "h").is_err());
        assert!(read_duration("1e999", "").is_err());
    }

    #[test]
    fn words_read_back_exactly() {
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_micros(1_500),
            Duration::from_secs(7_200),
            Duration::MAX,
        ] {
            let text = Words(d).to_string();
            let unit = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
            assert_eq!(read_duration(&text[..unit], &text[unit..]), Ok(d), "{text}");
        }
    }
}
