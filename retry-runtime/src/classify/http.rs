//! A whole HTTP response: its status, headers and body read together.

use core::fmt;
use core::time::Duration;
use std::time::SystemTime;

use http::{HeaderMap, StatusCode};

use super::provider::{self, value};
use super::{Transient, status_is_transient};
use crate::headers::{retry_after, retry_after_ms, should_retry};

/// How long a response asks the client to wait, from the first of these that is present
/// and readable:
///
/// 1. `retry-after-ms` ([`headers::retry_after_ms`](crate::headers::retry_after_ms)),
///    the most precise;
/// 2. `Retry-After` ([`headers::retry_after`](crate::headers::retry_after)), seconds or a
///    date measured from `now`;
/// 3. the providers' rate-limit resets: OpenAI's `x-ratelimit-reset-requests` and
///    `x-ratelimit-reset-tokens` ([`headers::go_duration`](crate::headers::go_duration)),
///    Anthropic's `anthropic-ratelimit-*-reset`
///    ([`headers::rfc3339_reset`](crate::headers::rfc3339_reset)). Only the limits that
///    are used up count: a reset whose `remaining` header (`x-ratelimit-remaining-tokens`,
///    `anthropic-ratelimit-tokens-remaining`, …) reads `0` (or `0.0`), or is absent; a
///    count that is no number (`-5`, `lots`) says nothing, and a huge one is plenty left.
///    The answer is the largest of those, since the next request needs every one of them
///    reset.
///
/// `None` when none of them says anything (OpenAI sends its reset headers on every
/// response; with tokens and requests left they do not ask for a wait).
///
/// Needs the `http` feature.
///
/// ```
/// use retry_runtime::classify::server_delay;
/// use http::HeaderMap;
/// use std::time::{Duration, SystemTime};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-ratelimit-remaining-tokens", "0".parse()?);
/// headers.insert("x-ratelimit-reset-tokens", "6m0s".parse()?);
/// headers.insert("x-ratelimit-remaining-requests", "499".parse()?);
/// headers.insert("x-ratelimit-reset-requests", "120ms".parse()?);
/// let now = SystemTime::now();
/// assert_eq!(server_delay(&headers, now), Some(Duration::from_secs(360)));
///
/// headers.insert("retry-after", "20".parse()?);
/// assert_eq!(server_delay(&headers, now), Some(Duration::from_secs(20)));
/// headers.insert("retry-after-ms", "1500".parse()?);
/// assert_eq!(server_delay(&headers, now), Some(Duration::from_millis(1500)));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    value(headers, "retry-after-ms")
        .and_then(retry_after_ms)
        .or_else(|| value(headers, "retry-after").and_then(|v| retry_after(v, now)))
        .or_else(|| provider::reset(headers, now))
}

/// What a failed response means for a retry: the result of [`response`].
///
/// Needs the `http` feature.
///
/// ```
/// use retry_runtime::classify::{Transient, Verdict};
/// use std::time::Duration;
/// let v = Verdict { transient: true, retry_after: Some(Duration::from_secs(2)) };
/// assert!(v.is_transient());
/// assert_eq!(v.retry_after(), Some(Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub struct Verdict {
    /// Whether the same request may succeed later.
    pub transient: bool,
    /// How long the server asked to wait, if it said ([`server_delay`]); reported as read,
    /// whether or not the failure is transient.
    pub retry_after: Option<Duration>,
}

/// Needs the `http` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Transient for Verdict {
    fn is_transient(&self) -> bool {
        self.transient
    }
    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// Classifies a failed HTTP response from its status, headers and body. The first rule
/// that applies decides whether it is transient:
///
/// 1. `x-should-retry: true|false` ([`headers::should_retry`](crate::headers::should_retry)):
///    the server's own word, as the OpenAI and Anthropic SDKs obey it;
/// 2. a 429 whose body contains `enforced_spend_limit_reached` (Anthropic) or
///    `insufficient_quota` (OpenAI) is permanent: the account is out of money, which no
///    wait cures;
/// 3. Anthropic's error object `{"type": "overloaded_error", …}` in the body of an error
///    status (529 or any other), or in a stream's `event: error`, is transient; the word
///    elsewhere (a 400 quoting the user's prompt, a 200) is not;
/// 4. otherwise the status: [`status_is_transient`].
///
/// The delay is [`server_delay`]`(headers, now)`. The body is read as text, so a snippet of
/// it holding the error object is enough.
///
/// Needs the `http` feature.
///
/// ```
/// use retry_runtime::classify::response;
/// use http::{HeaderMap, StatusCode};
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::now();
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "3".parse()?);
/// let v = response(StatusCode::TOO_MANY_REQUESTS, &headers, "", now);
/// assert!(v.transient);
/// assert_eq!(v.retry_after, Some(Duration::from_secs(3)));
///
/// let spent = r#"{"error":{"type":"rate_limit_error","message":"enforced_spend_limit_reached"}}"#;
/// assert!(!response(StatusCode::TOO_MANY_REQUESTS, &headers, spent, now).transient);
///
/// headers.insert("x-should-retry", "true".parse()?);
/// assert!(response(StatusCode::BAD_REQUEST, &headers, "", now).transient);
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub fn response(status: StatusCode, headers: &HeaderMap, body: &str, now: SystemTime) -> Verdict {
    let transient = value(headers, "x-should-retry")
        .and_then(should_retry)
        .or_else(|| provider::body_verdict(status.as_u16(), body))
        .unwrap_or_else(|| status_is_transient(status.as_u16()));
    Verdict { transient, retry_after: server_delay(headers, now) }
}

/// By [`response`] on its status and headers (the body is not read), with the delay
/// measured from the time of the call.
///
/// Needs the `http` feature.
///
/// ```
/// use retry_runtime::classify::Transient;
/// use std::time::Duration;
///
/// let busy = http::Response::builder().status(503).header("retry-after", "7").body(())?;
/// assert!(busy.is_transient());
/// assert_eq!(busy.retry_after(), Some(Duration::from_secs(7)));
/// let gone = http::Response::builder().status(404).body(())?;
/// assert!(!gone.is_transient());
/// # Ok::<(), http::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<B> Transient for http::Response<B> {
    fn is_transient(&self) -> bool {
        response(self.status(), self.headers(), "", SystemTime::now()).transient
    }
    fn retry_after(&self) -> Option<Duration> {
        server_delay(self.headers(), SystemTime::now())
    }
}

/// A failed HTTP response kept as an error value: its status, headers and the start of
/// its body, classified by [`response`] when it is made. Put it in your error type and
/// forward [`Transient`] to it.
///
/// Needs the `http` feature.
///
/// The body is classified whole, then kept up to [`HttpFailure::BODY_LIMIT`] bytes (cut at
/// a character boundary) for messages.
///
/// ```
/// use retry_runtime::classify::{HttpFailure, Transient};
/// use http::{HeaderMap, StatusCode};
/// use std::time::Duration;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after-ms", "250".parse()?);
/// let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
/// let failure = HttpFailure::new(StatusCode::from_u16(529)?, headers, body);
/// assert!(failure.is_transient());
/// assert_eq!(failure.retry_after(), Some(Duration::from_millis(250)));
/// assert!(failure.to_string().starts_with("http status 529: {\"type\":\"error\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub struct HttpFailure {
    // Boxed: a `HeaderMap` alone is about 100 bytes, and an error type that large makes
    // every `Result` carrying it costly to move (clippy's `result_large_err`).
    inner: Box<Failure>,
}

#[derive(Debug, Clone)]
struct Failure {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    verdict: Verdict,
    received: SystemTime,
}

impl HttpFailure {
    /// How much of the body is kept, in bytes.
    pub const BODY_LIMIT: usize = 1024;

    /// Classifies the response now ([`response`] with `SystemTime::now()`).
    pub fn new(status: StatusCode, headers: HeaderMap, body: &str) -> Self {
        Self::at(status, headers, body, SystemTime::now())
    }

    /// Classifies the response as of `now` (for tests, or a response received earlier).
    ///
    /// ```
    /// use retry_runtime::classify::HttpFailure;
    /// use http::{HeaderMap, StatusCode};
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT".parse()?);
    /// let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
    /// let failure = HttpFailure::at(StatusCode::SERVICE_UNAVAILABLE, headers, "", now);
    /// assert_eq!(failure.verdict().retry_after, Some(Duration::from_secs(10)));
    /// # Ok::<(), http::header::InvalidHeaderValue>(())
    /// ```
    pub fn at(status: StatusCode, headers: HeaderMap, body: &str, now: SystemTime) -> Self {
        let verdict = response(status, &headers, body, now);
        let mut end = body.len().min(Self::BODY_LIMIT);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        let body = body[..end].to_owned();
        Self { inner: Box::new(Failure { status, headers, body, verdict, received: now }) }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The response's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The start of the body, at most [`BODY_LIMIT`](Self::BODY_LIMIT) bytes.
    pub fn body(&self) -> &str {
        &self.inner.body
    }

    /// The classification made when the failure was created.
    pub fn verdict(&self) -> Verdict {
        self.inner.verdict
    }

    /// When the response was received: the `now` it was classified at, from which a
    /// `Retry-After` date is measured.
    ///
    /// ```
    /// use retry_runtime::classify::HttpFailure;
    /// use http::{HeaderMap, StatusCode};
    /// use std::time::UNIX_EPOCH;
    /// let failure = HttpFailure::at(StatusCode::BAD_GATEWAY, HeaderMap::new(), "", UNIX_EPOCH);
    /// assert_eq!(failure.received_at(), UNIX_EPOCH);
    /// ```
    pub fn received_at(&self) -> SystemTime {
        self.inner.received
    }
}

/// Needs the `http` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Transient for HttpFailure {
    fn is_transient(&self) -> bool {
        self.inner.verdict.transient
    }
    fn retry_after(&self) -> Option<Duration> {
        self.inner.verdict.retry_after
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http status {}", self.inner.status.as_u16())?;
        if !self.inner.body.is_empty() {
            write!(f, ": {}", self.inner.body)?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpFailure {}
