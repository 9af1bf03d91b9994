//! What the LLM providers add on top of HTTP: their rate-limit reset headers and the error
//! bodies whose meaning differs from their status code.

use core::time::Duration;
use std::time::SystemTime;

use http::HeaderMap;

use crate::headers::{go_duration, rfc3339_reset};

/// OpenAI's reset headers (Go durations), each beside the header saying what is left:
/// requests first, then tokens (the rate limiter reads them in that order).
pub(crate) const OPENAI_RESETS: [(&str, &str); 2] = [
    ("x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"),
    ("x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"),
];

/// Anthropic's reset headers are `anthropic-ratelimit-{limit}-reset` (RFC 3339), beside
/// `anthropic-ratelimit-{limit}-remaining`, for limits `requests`, `tokens`,
/// `input-tokens`, `output-tokens` and any added later.
pub(crate) const ANTHROPIC_PREFIX: &str = "anthropic-ratelimit-";
pub(crate) const RESET_SUFFIX: &str = "-reset";
pub(crate) const REMAINING_SUFFIX: &str = "-remaining";

/// Bodies of a 429 that no wait will cure: the account is out of money, not out of rate.
const OUT_OF_MONEY: [&str; 2] = [
    // Anthropic: the workspace's spend limit.
    "enforced_spend_limit_reached",
    // OpenAI: "You exceeded your current quota", sent with status 429.
    "insufficient_quota",
];

/// Anthropic's error type for a temporarily overloaded API (status 529, or inside a
/// stream that began with 200).
const OVERLOADED: &str = "overloaded_error";

/// The longest wait among the rate limits that are used up: a reset counts when its
/// `remaining` header reads 0 or is absent or unreadable; a limit with requests or tokens
/// left is not what the client waits for.
pub(super) fn reset(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let openai = OPENAI_RESETS.iter().filter_map(|&(reset, remaining)| {
        let wait = go_duration(value(headers, reset)?)?;
        used_up(headers, remaining).then_some(wait)
    });
    let anthropic = headers.keys().filter_map(|name| {
        let limit = name.as_str().strip_prefix(ANTHROPIC_PREFIX)?.strip_suffix(RESET_SUFFIX)?;
        let wait = rfc3339_reset(value(headers, name.as_str())?, now)?;
        let remaining = format!("{ANTHROPIC_PREFIX}{limit}{REMAINING_SUFFIX}");
        used_up(headers, &remaining).then_some(wait)
    });
    openai.chain(anthropic).max()
}

/// What the body says against its status: `Some(false)` for a 429 caused by money rather
/// than rate, `Some(true)` for Anthropic's `overloaded_error`, `None` to leave it to the
/// status.
pub(super) fn body_verdict(status: u16, body: &str) -> Option<bool> {
    if status == 429 && OUT_OF_MONEY.iter().any(|marker| body.contains(marker)) {
        Some(false)
    } else if (status >= 400 || body.contains("event: error")) && error_type_is(body, OVERLOADED) {
        // An error status, or a stream that began with 200 and then sent an error event.
        Some(true)
    } else {
        None
    }
}

/// Whether the body's error object names `kind` as its type or code: `"type": "kind"` or
/// `"code": "kind"` as JSON writes them, with the key's quote unescaped, so that a 400
/// quoting the user's prompt (`\"type\": \"overloaded_error\"` inside a string) does not match.
fn error_type_is(body: &str, kind: &str) -> bool {
    let quoted = format!("\"{kind}\"");
    body.match_indices(&quoted).any(|(at, _)| {
        // Before the value: optional whitespace, a colon, optional whitespace, then the key.
        let before = body[..at].trim_end_matches([' ', '\t', '\n', '\r']);
        let Some(before) = before.strip_suffix(':') else { return false };
        let before = before.trim_end_matches([' ', '\t', '\n', '\r']);
        ["\"type\"", "\"code\""].iter().any(|key| before.strip_suffix(key).is_some_and(|rest| !rest.ends_with('\\')))
    })
}

/// The first value of `name` as text. Not `HeaderValue::to_str`, which refuses non-ASCII
/// such as the `µ` of a Go duration; the readers reject whatever else they cannot read.
pub(crate) fn value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    core::str::from_utf8(headers.get(name)?.as_bytes()).ok()
}

/// `true` when the `remaining` header is absent (the reset alone is the server's word) or
/// reads 0; a value that is no count (`-5`, `soon`) says nothing, so its reset is no wait.
fn used_up(headers: &HeaderMap, remaining: &str) -> bool {
    match value(headers, remaining) {
        None => true,
        Some(left) => count(left) == Some(0),
    }
}

/// A `remaining` count as the providers write it: whole digits, saturating
/// (`99999999999999999999` is plenty left, not none), or a non-negative decimal (`5.0` is
/// 5). A sign, a negative, an exponent of nonsense or other text is `None`.
pub(crate) fn count(text: &str) -> Option<u64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    Some(whole.bytes().fold(0_u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}
