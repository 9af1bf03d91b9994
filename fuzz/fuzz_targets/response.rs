//! `classify::response` (and so `server_delay` and every reader behind it) never panics on
//! any status, headers and body, and never reports a delay over the cap.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use retry_runtime::classify::response;
use retry_runtime::headers::MAX_DELAY;

/// Names the readers look for, so that the fuzzer reaches them without guessing them.
const NAMES: [&str; 10] = [
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-ratelimit-reset-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-remaining-tokens",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-x-reset",
];

fuzz_target!(|input: (u16, u64, Vec<(u8, &[u8], &[u8])>, &str)| {
    let (status, secs, pairs, body) = input;
    let Ok(status) = StatusCode::from_u16(status) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (pick, name, value) in pairs {
        let name = match NAMES.get(usize::from(pick)) {
            Some(known) => HeaderName::from_static(known),
            None => match HeaderName::from_bytes(name) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    let now = UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH);
    let verdict = response(status, &headers, body, now);
    if let Some(delay) = verdict.retry_after {
        assert!(delay <= MAX_DELAY);
    }
});
