//! Numbers as Python's `float()` reads them: how the OpenAI and Anthropic SDKs read
//! `retry-after-ms` and `Retry-After`, so that a preset reads the same headers the same way.

/// Reads `text` as Python's `float(text)` does: surrounding whitespace, a sign, digits
/// with single `_` between them, a fraction, an exponent, and `inf`, `infinity` and `nan`
/// in any case. `None` where Python raises `ValueError`.
pub(crate) fn python_float(text: &str) -> Option<f64> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let special = ["inf", "infinity", "nan"].iter().any(|word| unsigned.eq_ignore_ascii_case(word));
    if !special && !is_decimal(unsigned) {
        return None;
    }
    // Rust's own reader takes the same forms once the separators are gone.
    text.replace('_', "").parse().ok()
}

/// `digitpart? "." digitpart | digitpart "."?`, then an optional exponent, where a
/// digitpart is digits with single underscores between them.
fn is_decimal(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let mantissa_ok = match fraction {
        None => is_digitpart(whole),
        Some(fraction) => {
            (whole.is_empty() || is_digitpart(whole))
                && (fraction.is_empty() || is_digitpart(fraction))
                && !(whole.is_empty() && fraction.is_empty())
        }
    };
    let exponent_ok = exponent.is_none_or(|e| is_digitpart(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Digits with single underscores between them: `1`, `1_000`, not `_1`, `1_`, `1__0`.
pub(super) fn is_digitpart(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('_')
        && !text.ends_with('_')
        && !text.contains("__")
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::python_float;

    #[test]
    fn reads_what_python_reads() {
        // Each pair was checked against CPython 3.11's float().
        for (text, value) in [
            ("3", 3.0),
            (" 7 ", 7.0),
            ("+5", 5.0),
            ("-2", -2.0),
            ("1.5", 1.5),
            ("1e2", 100.0),
            ("1E-3", 0.001),
            ("1_0", 10.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1_000.2_5", 1000.25),
            ("inf", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
        ] {
            assert_eq!(python_float(text), Some(value), "{text}");
        }
        assert!(python_float("nan").is_some_and(f64::is_nan));
        assert!(python_float("NaN").is_some_and(f64::is_nan));
    }

    #[test]
    fn refuses_what_python_refuses() {
        for text in
            ["", " ", "abc", "_1", "1_", "1__0", "1e", ".", "e5", "1.2.3", "0x10", "++1", "1 2", "infx", "1e2.5"]
        {
            assert_eq!(python_float(text), None, "{text:?}");
        }
    }
}
