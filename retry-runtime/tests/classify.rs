//! `retry_runtime::classify`: which failures are transient, how long a response asks to wait,
//! and that the trait's methods plug into a policy as they are.

use std::io::{self, ErrorKind};

use retry_runtime::classify::{Transient, status_is_transient};
use retry_runtime::{RetryPolicy, stop::attempts, wait::none};

#[test]
fn io_error_kinds_follow_the_documented_table() {
    let transient = [
        ErrorKind::TimedOut,
        ErrorKind::Interrupted,
        ErrorKind::WouldBlock,
        ErrorKind::ConnectionReset,
        ErrorKind::ConnectionAborted,
        ErrorKind::ConnectionRefused,
        ErrorKind::NotConnected,
        ErrorKind::BrokenPipe,
        ErrorKind::UnexpectedEof,
        ErrorKind::HostUnreachable,
        ErrorKind::NetworkUnreachable,
        ErrorKind::NetworkDown,
        ErrorKind::ResourceBusy,
    ];
    let permanent = [
        ErrorKind::NotFound,
        ErrorKind::PermissionDenied,
        ErrorKind::AlreadyExists,
        ErrorKind::AddrInUse,
        ErrorKind::AddrNotAvailable,
        ErrorKind::InvalidInput,
        ErrorKind::InvalidData,
        ErrorKind::WriteZero,
        ErrorKind::StorageFull,
        ErrorKind::Unsupported,
        ErrorKind::OutOfMemory,
        ErrorKind::Other,
    ];
    for kind in transient {
        assert!(kind.is_transient(), "{kind:?} should be transient");
        assert!(io::Error::new(kind, "x").is_transient(), "io::Error of {kind:?}");
        assert_eq!(io::Error::from(kind).retry_after(), None);
    }
    for kind in permanent {
        assert!(!kind.is_transient(), "{kind:?} should be permanent");
        assert!(!io::Error::new(kind, "x").is_transient(), "io::Error of {kind:?}");
    }
}

#[test]
fn status_codes_follow_the_spec_list() {
    let transient = [408, 425, 429, 500, 502, 503, 504, 529];
    for status in 0..=u16::MAX {
        assert_eq!(status_is_transient(status), transient.contains(&status), "status {status}");
    }
}

/// The trait's method paths are the attribute's `when = …` and `retry_after = …` as written.
#[test]
fn method_paths_fit_the_attribute_keys() {
    use std::cell::Cell;
    #[retry_runtime::retry(stop = attempts(3), wait = none, when = Transient::is_transient, retry_after = Transient::retry_after)]
    fn read(kind: ErrorKind, runs: &Cell<u32>) -> Result<(), io::Error> {
        runs.set(runs.get() + 1);
        Err(kind.into())
    }
    let runs = Cell::new(0);
    assert!(read(ErrorKind::TimedOut, &runs).is_err());
    assert_eq!(runs.get(), 3, "a timeout is transient: retried");
    let runs = Cell::new(0);
    assert!(read(ErrorKind::NotFound, &runs).is_err());
    assert_eq!(runs.get(), 1, "not found is permanent: returned at once");
}

#[test]
fn a_policy_retries_only_transient_io_errors() {
    let policy = RetryPolicy::builder()
        .stop(attempts(10))
        .wait(none())
        .when(Transient::is_transient)
        .retry_after(Transient::retry_after)
        .build()
        .unwrap();
    let mut kinds = vec![ErrorKind::Interrupted, ErrorKind::TimedOut, ErrorKind::InvalidData];
    kinds.reverse();
    let mut tries = 0;
    let out: Result<(), io::Error> = policy.retry_blocking(|| {
        tries += 1;
        Err(kinds.pop().unwrap_or(ErrorKind::Other).into())
    });
    assert_eq!(out.unwrap_err().kind(), ErrorKind::InvalidData);
    assert_eq!(tries, 3);
}

#[cfg(feature = "http")]
mod http_responses {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
    use retry_runtime::classify::{HttpFailure, Transient, Verdict, response, server_delay};
    use retry_runtime::headers::MAX_DELAY;
    use retry_runtime::{RetryPolicy, stop::attempts, wait::none};

    /// 2024-07-11T14:35:00Z, also Thu, 11 Jul 2024 14:35:00 GMT.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_720_708_500)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|&(name, value)| {
                (HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap())
            })
            .collect()
    }

    const SPEND: &str =
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"enforced_spend_limit_reached"}}"#;
    const QUOTA: &str = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
    const OVERLOADED: &str = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    /// A 400 whose message quotes a prompt holding an overloaded error object, escaped.
    const QUOTES_OVERLOADED: &str = r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad prompt: {\"type\": \"overloaded_error\"}"}}"#;
    /// A stream that began with 200 and then failed.
    const SSE_OVERLOADED: &str = "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";
    const RATE: &str = r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#;

    /// Header name and value pairs.
    type Pairs = &'static [(&'static str, &'static str)];

    #[rustfmt::skip]
    const ROWS: &[(u16, Pairs, &str, bool)] = &[
        // Retried by status.
        (408, &[], "", true),
        (425, &[], "", true),
        (429, &[], RATE, true),
        (500, &[], "", true),
        (502, &[], "<html>bad gateway</html>", true),
        (503, &[], "", true),
        (504, &[], "", true),
        (529, &[], OVERLOADED, true),
        (529, &[], "", true),
        // Not retried by status.
        (400, &[], r#"{"error":{"type":"invalid_request_error"}}"#, false),
        (401, &[], "", false),
        (403, &[], "", false),
        (404, &[], "", false),
        (409, &[], "", false),
        (422, &[], "", false),
        (501, &[], "", false),
        (505, &[], "", false),
        // The body against the status.
        (429, &[], SPEND, false),
        (429, &[], QUOTA, false),
        (500, &[], OVERLOADED, true),
        (400, &[], SPEND, false),
        (503, &[], SPEND, true),           // only a 429 is read as out of money
        // Anthropic's error object, not a substring: a 400 quoting the user's prompt, or a
        // 200 that mentions the word, is not overloaded; a stream's error event is.
        (400, &[], QUOTES_OVERLOADED, false),
        (400, &[], r#"{"error":{"type":"invalid_request_error","message":"what is overloaded_error?"}}"#, false),
        (200, &[], OVERLOADED, false),
        (200, &[], SSE_OVERLOADED, true),
        // x-should-retry overrides both ways, and beats the body.
        (503, &[("x-should-retry", "false")], "", false),
        (429, &[("x-should-retry", "false")], RATE, false),
        (400, &[("x-should-retry", "true")], "", true),
        (409, &[("x-should-retry", "true")], "", true),
        (429, &[("x-should-retry", "true")], SPEND, true),
        (529, &[("x-should-retry", "false")], OVERLOADED, false),
        (503, &[("x-should-retry", "FALSE")], "", false),
        // An unreadable x-should-retry is ignored.
        (503, &[("x-should-retry", "maybe")], "", true),
        (400, &[("x-should-retry", "1")], "", false),
    ];

    #[test]
    fn status_body_and_headers_decide_as_documented() {
        assert!(ROWS.len() >= 30);
        for &(status, pairs, body, expected) in ROWS {
            let status = StatusCode::from_u16(status).unwrap();
            let headers = headers(pairs);
            let verdict = response(status, &headers, body, now());
            assert_eq!(verdict.transient, expected, "{status} {pairs:?} {body}");
            let failure = HttpFailure::at(status, headers.clone(), body, now());
            assert_eq!(failure.is_transient(), expected, "HttpFailure {status} {pairs:?}");
            if body.is_empty() {
                // Without a body the http::Response impl agrees.
                let mut reply = http::Response::new(());
                *reply.status_mut() = status;
                *reply.headers_mut() = headers;
                assert_eq!(reply.is_transient(), expected, "http::Response {status} {pairs:?}");
            }
        }
    }

    #[test]
    fn status_code_impl_matches_the_u16_helper() {
        for code in 100..=999 {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status.is_transient(), retry_runtime::classify::status_is_transient(code));
            assert_eq!(status.retry_after(), None);
        }
    }

    #[rustfmt::skip]
    const DELAYS: &[(Pairs, Option<Duration>)] = &[
        (&[], None),
        (&[("retry-after-ms", "1500")], Some(Duration::from_millis(1500))),
        (&[("retry-after", "20")], Some(Duration::from_secs(20))),
        (&[("retry-after", "Thu, 11 Jul 2024 14:35:30 GMT")], Some(Duration::from_secs(30))),
        (&[("retry-after", "Thu, 11 Jul 2024 14:00:00 GMT")], Some(Duration::ZERO)),
        // retry-after-ms first, Retry-After second.
        (&[("retry-after", "20"), ("retry-after-ms", "1500")], Some(Duration::from_millis(1500))),
        // An unreadable one falls through to the next.
        (&[("retry-after", "20"), ("retry-after-ms", "soon")], Some(Duration::from_secs(20))),
        (&[("retry-after", "soon"), ("x-ratelimit-reset-requests", "2s")], Some(Duration::from_secs(2))),
        // Retry-After beats the provider resets.
        (&[("retry-after", "20"), ("x-ratelimit-reset-tokens", "6m0s")], Some(Duration::from_secs(20))),
        // OpenAI: only used-up limits count; the largest of them wins.
        (&[
            ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "6m0s"),
        ], Some(Duration::from_secs(360))),
        (&[
            ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "149984"), ("x-ratelimit-reset-tokens", "6m0s"),
        ], Some(Duration::from_secs(1))),
        (&[
            ("x-ratelimit-remaining-requests", "59"), ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "149984"), ("x-ratelimit-reset-tokens", "6m0s"),
        ], None),
        // No remaining header: the reset counts.
        (&[("x-ratelimit-reset-tokens", "20ms")], Some(Duration::from_millis(20))),
        // A remaining count that is no count says nothing: its reset is no wait (it once read
        // as used up, and a huge count made the response wait 360 s).
        (&[("x-ratelimit-reset-tokens", "20ms"), ("x-ratelimit-remaining-tokens", "lots")], None),
        (&[("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "-5")], None),
        // A huge count is plenty left, and `5.0` is 5.
        (&[("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "99999999999999999999")], None),
        (&[("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "5.0")], None),
        (&[("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "0.0")],
            Some(Duration::from_secs(360))),
        (&[("x-ratelimit-reset-tokens", "garbage")], None),
        // Anthropic: any *-reset whose *-remaining is 0 or absent.
        (&[
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2024-07-11T14:35:12Z"),
            ("anthropic-ratelimit-tokens-remaining", "5000"),
            ("anthropic-ratelimit-tokens-reset", "2024-07-11T14:36:00Z"),
        ], Some(Duration::from_secs(12))),
        (&[
            ("anthropic-ratelimit-input-tokens-remaining", "0"),
            ("anthropic-ratelimit-input-tokens-reset", "2024-07-11T14:35:40Z"),
            ("anthropic-ratelimit-output-tokens-remaining", "0"),
            ("anthropic-ratelimit-output-tokens-reset", "2024-07-11T16:35:45+02:00"),
        ], Some(Duration::from_secs(45))),
        (&[("anthropic-ratelimit-tokens-reset", "2024-07-11T14:00:00Z")], Some(Duration::ZERO)),
        (&[("anthropic-ratelimit-tokens-reset", "not a date")], None),
        (&[("anthropic-ratelimit-tokens-limit", "80000")], None),
        // Both providers' headers: the largest used-up reset.
        (&[
            ("x-ratelimit-reset-requests", "5s"),
            ("anthropic-ratelimit-requests-reset", "2024-07-11T14:35:07Z"),
        ], Some(Duration::from_secs(7))),
        // Absurd values are capped, not dropped.
        (&[("retry-after", "99999999999999999999")], Some(MAX_DELAY)),
        (&[("anthropic-ratelimit-requests-reset", "9999-12-31T23:59:59Z")], Some(MAX_DELAY)),
    ];

    #[test]
    fn server_delay_follows_the_documented_precedence() {
        for &(pairs, expected) in DELAYS {
            assert_eq!(server_delay(&headers(pairs), now()), expected, "{pairs:?}");
        }
    }

    #[test]
    fn non_ascii_header_values_are_read_as_text() {
        // HeaderValue::to_str refuses the micro sign; a Go duration may carry it.
        let mut map = HeaderMap::new();
        map.insert("x-ratelimit-reset-requests", HeaderValue::from_bytes("3\u{b5}s".as_bytes()).unwrap());
        assert_eq!(server_delay(&map, now()), Some(Duration::from_micros(3)));
        // Bytes that are not UTF-8 are unreadable, not a panic.
        map.insert("retry-after", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        assert_eq!(server_delay(&map, now()), Some(Duration::from_micros(3)));
    }

    #[test]
    fn verdict_carries_the_delay_even_when_permanent() {
        let map = headers(&[("retry-after", "5")]);
        let v = response(StatusCode::TOO_MANY_REQUESTS, &map, SPEND, now());
        assert_eq!(v, Verdict { transient: false, retry_after: Some(Duration::from_secs(5)) });
    }

    #[test]
    fn http_failure_keeps_a_bounded_snippet_cut_on_a_char_boundary() {
        let body = format!("{}{}", "a".repeat(HttpFailure::BODY_LIMIT - 1), "é".repeat(100));
        let failure = HttpFailure::at(StatusCode::BAD_GATEWAY, HeaderMap::new(), &body, now());
        assert_eq!(failure.body().len(), HttpFailure::BODY_LIMIT - 1);
        assert_eq!(failure.status(), StatusCode::BAD_GATEWAY);
        assert!(failure.headers().is_empty());
        assert_eq!(failure.to_string(), format!("http status 502: {}", failure.body()));
        let bare = HttpFailure::new(StatusCode::NOT_FOUND, HeaderMap::new(), "");
        assert_eq!(bare.to_string(), "http status 404");
    }

    #[test]
    fn http_failure_is_small_enough_to_return() {
        // Kept to a pointer so that `Result<T, HttpFailure>` stays cheap to move.
        assert_eq!(size_of::<HttpFailure>(), size_of::<usize>());
    }

    #[test]
    fn http_failure_is_classified_on_its_whole_body() {
        // The marker lies past the kept snippet, and still decides.
        let body = format!("{}enforced_spend_limit_reached", " ".repeat(5000));
        let failure = HttpFailure::at(StatusCode::TOO_MANY_REQUESTS, HeaderMap::new(), &body, now());
        assert!(!failure.is_transient());
    }

    #[test]
    fn a_policy_waits_as_asked_and_gives_up_on_a_delay_over_the_ceiling() {
        let policy = RetryPolicy::builder()
            .stop(attempts(5))
            .wait(none())
            .when(Transient::is_transient)
            .retry_after(Transient::retry_after)
            .build()
            .unwrap();
        let mut tries = 0;
        let out: Result<u32, HttpFailure> = policy.retry_blocking(|| {
            tries += 1;
            match tries {
                1 => Err(HttpFailure::new(StatusCode::TOO_MANY_REQUESTS, headers(&[("retry-after-ms", "1")]), "")),
                _ => Ok(tries),
            }
        });
        assert_eq!(out.unwrap(), 2);

        // 120 s is above the default 60 s ceiling: the call returns at once.
        let mut tries = 0;
        let out: Result<u32, HttpFailure> = policy.retry_blocking(|| {
            tries += 1;
            Err(HttpFailure::new(StatusCode::SERVICE_UNAVAILABLE, headers(&[("retry-after", "120")]), ""))
        });
        assert_eq!(out.unwrap_err().status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(tries, 1);
    }
}
