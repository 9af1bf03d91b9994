//! HTTP dates as Python's `email.utils.parsedate_tz` and `mktime_tz` read them: how the
//! OpenAI and Anthropic SDKs read a `Retry-After` date.
//!
//! No crate reads dates this leniently (`httpdate` rightly refuses a wrong weekday, a
//! missing zone or second 97), and a preset that must decide as the SDKs do has to read
//! them the same way; this is a port of CPython 3.11's `email._parseaddr._parsedate_tz`
//! with `calendar.timegm`, checked against the recorded SDK runs.

use super::python_float::is_digitpart;

const MONTHS: [&str; 24] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ZONES: [(&str, i64); 14] = [
    ("UT", 0),
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("AST", -400),
    ("ADT", -300),
    ("EST", -500),
    ("EDT", -400),
    ("CST", -600),
    ("CDT", -500),
    ("MST", -700),
    ("MDT", -600),
    ("PST", -800),
    ("PDT", -700),
];

/// Why a date could not become a time: Python returns `None` for the first and raises
/// `ValueError` (from `datetime.date`) for the second, which the two SDKs treat apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateError {
    /// `parsedate_tz` returned `None`.
    Unreadable,
    /// The year is outside 1..=9999.
    YearOutOfRange,
}

/// Seconds since the Unix epoch of `text`, as `mktime_tz(parsedate_tz(text))` gives them
/// with the local zone taken as UTC (where `parsedate_tz` finds no zone, `mktime_tz` uses
/// the local one; the fixtures were recorded with `TZ=UTC`, as servers run).
pub(crate) fn python_http_date(text: &str) -> Result<i64, DateError> {
    let fields = parsedate_tz(text).ok_or(DateError::Unreadable)?;
    timegm(fields).map(|t| t - fields.offset)
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    offset: i64,
}

/// Python's `int()` of a field: optional whitespace and sign, digits with single `_`.
fn int(text: &str) -> Option<i64> {
    let text = text.trim();
    if !is_digitpart(text.strip_prefix(['+', '-']).unwrap_or(text)) {
        return None;
    }
    // Years past i64 are no dates; refusing them is what `datetime.date` would do later.
    text.replace('_', "").parse().ok()
}

fn parsedate_tz(text: &str) -> Option<Fields> {
    let mut data: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    let first = data.first()?.clone();
    if first.ends_with(',') || DAYS.contains(&first.to_lowercase().as_str()) {
        data.remove(0);
    } else if let Some(i) = first.rfind(',') {
        data[0] = first[i + 1..].to_owned();
    }
    if data.len() == 3 {
        let stuff: Vec<String> = data[0].split('-').map(str::to_owned).collect();
        if stuff.len() == 3 {
            data = stuff.into_iter().chain(data[1..].iter().cloned()).collect();
        }
    }
    if data.len() == 4 {
        let s = data[3].clone();
        let i = s.find('+').or_else(|| s.find('-'));
        match i {
            Some(i) if i > 0 => {
                data.truncate(3);
                data.push(s[..i].to_owned());
                data.push(s[i..].to_owned());
            }
            _ => data.push(String::new()),
        }
    }
    if data.len() < 5 {
        return None;
    }
    let [mut dd, mut mm, mut yy, mut tm, mut tz] = [0, 1, 2, 3, 4].map(|i| data[i].clone());
    if dd.is_empty() || mm.is_empty() || yy.is_empty() {
        return None;
    }
    mm = mm.to_lowercase();
    if !MONTHS.contains(&mm.as_str()) {
        (dd, mm) = (mm, dd.to_lowercase());
        if !MONTHS.contains(&mm.as_str()) {
            return None;
        }
    }
    let mut month = MONTHS.iter().position(|m| *m == mm)? as i64 + 1;
    if month > 12 {
        month -= 12;
    }
    if dd.ends_with(',') {
        dd.pop();
    }
    if yy.find(':').is_some_and(|i| i > 0) {
        core::mem::swap(&mut yy, &mut tm);
    }
    if yy.ends_with(',') {
        yy.pop();
        if yy.is_empty() {
            return None;
        }
    }
    if !yy.starts_with(|c: char| c.is_numeric()) {
        core::mem::swap(&mut yy, &mut tz);
    }
    if tm.ends_with(',') {
        tm.pop();
    }
    let mut parts: Vec<&str> = tm.split(':').collect();
    if parts.len() == 1 && tm.contains('.') {
        parts = tm.split('.').collect();
    }
    let (thh, tmm, tss) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let (mut year, day, hour, minute, second) = (int(&yy)?, int(&dd)?, int(thh)?, int(tmm)?, int(tss)?);
    if year < 100 {
        year += if year > 68 { 1900 } else { 2000 };
    }
    let tz = tz.to_uppercase();
    let mut offset = match ZONES.iter().find(|(name, _)| *name == tz) {
        Some(&(_, hhmm)) => Some(hhmm),
        None => int(&tz).filter(|&n| !(n == 0 && tz.starts_with('-'))),
    };
    if let Some(hhmm) = offset.filter(|&o| o != 0) {
        let (sign, magnitude) = if hhmm < 0 { (-1, -hhmm) } else { (1, hhmm) };
        offset = Some(sign * ((magnitude / 100) * 3600 + (magnitude % 100) * 60));
    }
    Some(Fields { year, month, day, hour, minute, second, offset: offset.unwrap_or(0) })
}

/// `calendar.timegm`: days from the first of the month, so out-of-range days, hours,
/// minutes and seconds roll over as Python's do; the year must be one `datetime.date`
/// accepts.
fn timegm(f: Fields) -> Result<i64, DateError> {
    if !(1..=9999).contains(&f.year) {
        return Err(DateError::YearOutOfRange);
    }
    let days = days_from_civil(f.year, f.month) + f.day - 1;
    Ok(((days * 24 + f.hour) * 60 + f.minute) * 60 + f.second)
}

/// Days from 1970-01-01 to the first of `month` in `year` (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::{DateError, python_http_date};

    #[test]
    fn reads_the_forms_python_reads() {
        // Each value is CPython 3.11's `mktime_tz(parsedate_tz(text))` under TZ=UTC.
        for (text, unix) in [
            ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
            ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
            ("Sun Nov  6 08:49:37 1994", 784_111_777),
            ("Mon, 06 Nov 1994 08:49:37 GMT", 784_111_777),
            ("06 Nov 1994 08:49:37", 784_111_777),
            ("sun, 06 nov 1994 08:49:37 gmt", 784_111_777),
            ("Sun, 06 Nov 1994 08:49:37 +0100", 784_108_177),
            ("Sun, 06 Nov 1994 08:49:37 PST", 784_140_577),
            ("Sun, 06 Nov 1994 08:48:97 GMT", 784_111_777),
            ("Mon, 06 Nov 00 08:49:37 GMT", 973_500_577),
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ] {
            assert_eq!(python_http_date(text), Ok(unix), "{text}");
        }
    }

    #[test]
    fn refuses_what_python_refuses() {
        for text in ["", "   ", "soon", "Sun, 99 Foo 1994 25:61:61 GMT", "Sun, 06 Nov 1994", "06 Nov 1994 08"] {
            assert_eq!(python_http_date(text), Err(DateError::Unreadable), "{text:?}");
        }
        assert_eq!(python_http_date("Sun, 06 Nov 10000 08:49:37 GMT"), Err(DateError::YearOutOfRange));
    }
}
