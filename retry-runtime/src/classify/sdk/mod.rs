//! The retry decisions of the official OpenAI and Anthropic Python SDKs, reproduced: which
//! failures they retry and how long they sleep, read from the same headers the same way.
//!
//! Ported from `openai/_base_client.py` (openai-python 3.57) and
//! `anthropic/_base_client.py` (anthropic-python 2.16) — `_should_retry`,
//! `_parse_retry_after_header`, `_calculate_retry_timeout` — and checked against
//! decisions recorded by running those SDKs (`tools/sdk-decisions/record.py`,
//! `retry-runtime/tests/fixtures/sdk_decisions.json`).

use core::time::Duration;
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

mod python_date;
mod python_float;

use crate::predicate::{RetryError, ServerDelay};
use python_date::{DateError, python_http_date};
use python_float::python_float;

/// The longest server delay openai-python honours; above it, it does not retry at all.
pub const OPENAI_MAX_SERVER_DELAY: Duration = Duration::from_secs(120);

/// The longest sleep anthropic-python makes for a server delay: any longer one is cut to
/// this (`time.sleep`'s limit on some platforms).
pub const ANTHROPIC_MAX_SERVER_DELAY: Duration = Duration::from_secs(4_294_967);

/// An official SDK whose decisions a [preset](crate::presets) reproduces.
///
/// ```
/// use retry_runtime::classify::{FailedRequest, Sdk};
/// use std::borrow::Cow;
/// use std::time::{Duration, SystemTime};
///
/// struct Reply(u16, &'static str);
/// impl FailedRequest for Reply {
///     fn status(&self) -> Option<u16> { Some(self.0) }
///     fn header(&self, name: &str) -> Option<Cow<'_, str>> {
///         (name == "retry-after").then(|| Cow::Borrowed(self.1))
///     }
/// }
/// let now = SystemTime::now();
/// assert!(Sdk::OpenAi.should_retry(&Reply(429, "3"), now));
/// assert_eq!(Sdk::OpenAi.server_delay(&Reply(429, "3"), now), Some(Duration::from_secs(3)));
/// assert!(!Sdk::OpenAi.should_retry(&Reply(429, "121"), now)); // above 120 s: no retry
/// assert!(Sdk::Anthropic.should_retry(&Reply(429, "121"), now));
/// assert!(!Sdk::Anthropic.should_retry(&Reply(425, ""), now));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sdk {
    /// openai-python 3.57.
    OpenAi,
    /// anthropic-python 2.16.
    Anthropic,
}

/// A failed request as the SDKs see it: a response's status, headers and body, or no
/// response at all (a connection that failed or timed out, which both SDKs retry).
///
/// Implemented for [`HttpFailure`](super::HttpFailure), `http::Response<B>` (feature
/// `http`), `reqwest::Response` and `reqwest::Error` (feature `reqwest`) and
/// [`std::io::Error`]; implement it for your own error type by forwarding to the part that
/// holds the response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a failed request the SDK presets can read",
    note = "implement `retry_runtime::classify::FailedRequest` for it (status, headers, body), or make the error type a `classify::HttpFailure`"
)]
pub trait FailedRequest {
    /// The response's status, or `None` when no response came.
    fn status(&self) -> Option<u16>;

    /// Every value of header `name` (lowercase), joined with `", "` as the SDKs' HTTP
    /// client joins repeated headers; `None` when absent or no response came.
    fn header(&self, name: &str) -> Option<Cow<'_, str>>;

    /// The start of the response's body, for the money-not-rate markers.
    ///
    /// # Default
    /// Empty.
    fn body(&self) -> &str {
        ""
    }

    /// When the response was received, from which a `Retry-After` date is measured.
    ///
    /// # Default
    /// `None`: the time of the decision.
    fn received_at(&self) -> Option<SystemTime> {
        None
    }
}

/// `when = Sdk::OpenAi`: retries what the SDK retries, measuring dates from when the
/// response was received.
impl<E: FailedRequest> RetryError<E> for Sdk {
    #[inline]
    fn retry(&self, error: &E) -> bool {
        self.should_retry(error, error.received_at().unwrap_or_else(SystemTime::now))
    }
}

/// `retry_after = Sdk::OpenAi`: the delay the SDK sleeps on the server's word.
impl<E: FailedRequest> ServerDelay<E> for Sdk {
    #[inline]
    fn server_delay(&self, error: &E) -> Option<Duration> {
        Sdk::server_delay(*self, error, error.received_at().unwrap_or_else(SystemTime::now))
    }
}

/// Bodies of a 429 that no wait cures: the account is out of money, not out of rate. The
/// SDKs retry them as any 429; the presets do not (billing is permanent).
const OUT_OF_MONEY: [&str; 2] = ["insufficient_quota", "enforced_spend_limit_reached"];

impl Sdk {
    /// Whether the SDK would retry `failure` (attempts left aside): no response, then
    /// (OpenAI) a server delay above 120 s refuses, then `x-should-retry` compared exactly
    /// with `true` / `false`, then 408, 409, 429 and every status from 500. A 429 whose
    /// body says the account is out of money is not retried (the one deliberate
    /// difference from the SDKs).
    pub fn should_retry(self, failure: &impl FailedRequest, now: SystemTime) -> bool {
        let Some(status) = failure.status() else {
            return true;
        };
        let delay = self.read_delay(failure, now);
        match (self, delay) {
            // anthropic-python lets the `ValueError` of a year past 9999 out of the call.
            (Self::Anthropic, Err(DateError::YearOutOfRange)) => return false,
            (Self::OpenAi, Ok(Some(d))) if d.is_finite() && d > OPENAI_MAX_SERVER_DELAY.as_secs_f64() => return false,
            _ => {}
        }
        if status == 429 && OUT_OF_MONEY.iter().any(|marker| failure.body().contains(marker)) {
            return false;
        }
        match failure.header("x-should-retry").as_deref() {
            Some("true") => return true,
            Some("false") => return false,
            _ => {}
        }
        matches!(status, 408 | 409 | 429) || status >= 500
    }

    /// The sleep the SDK takes on the server's word, exactly; `None` where it backs off
    /// instead. OpenAI: a finite delay with 0 < d ≤ 120 s. Anthropic: any d > 0, at most
    /// [`ANTHROPIC_MAX_SERVER_DELAY`].
    pub fn server_delay(self, failure: &impl FailedRequest, now: SystemTime) -> Option<Duration> {
        let d = self.read_delay(failure, now).ok()??;
        let seconds = match self {
            Self::OpenAi => (d.is_finite() && d > 0.0 && d <= OPENAI_MAX_SERVER_DELAY.as_secs_f64()).then_some(d)?,
            Self::Anthropic => (d > 0.0).then(|| d.min(ANTHROPIC_MAX_SERVER_DELAY.as_secs_f64()))?,
        };
        Duration::try_from_secs_f64(seconds).ok()
    }

    /// `_parse_retry_after_header`: `retry-after-ms` as a float in ms, else `Retry-After`
    /// as a float in seconds, else `Retry-After` as a date, in seconds from `now` (maybe
    /// negative, infinite or not a number, as Python's float).
    fn read_delay(self, failure: &impl FailedRequest, now: SystemTime) -> Result<Option<f64>, DateError> {
        let overflow = |value: &str| {
            let literal = ["inf", "+inf", "infinity", "+infinity"];
            !literal.contains(&value.trim().to_lowercase().as_str())
        };
        for (name, divisor) in [("retry-after-ms", 1000.0), ("retry-after", 1.0)] {
            let Some(value) = failure.header(name) else { continue };
            let Some(delay) = python_float(&value) else { continue };
            // openai-python reads a finite number too large for a float as a refusal.
            if self == Self::OpenAi && delay == f64::INFINITY && overflow(&value) {
                return Ok(Some(OPENAI_MAX_SERVER_DELAY.as_secs_f64() + 1.0));
            }
            return Ok(Some(delay / divisor));
        }
        let Some(date) = failure.header("retry-after") else { return Ok(None) };
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs_f64(),
            Err(before) => -before.duration().as_secs_f64(),
        };
        match python_http_date(&date) {
            Ok(at) => Ok(Some(at as f64 - now)),
            Err(DateError::YearOutOfRange) if self == Self::Anthropic => Err(DateError::YearOutOfRange),
            Err(_) => Ok(None),
        }
    }
}

impl FailedRequest for std::io::Error {
    fn status(&self) -> Option<u16> {
        None
    }
    fn header(&self, _: &str) -> Option<Cow<'_, str>> {
        None
    }
}

#[cfg(feature = "http")]
mod http_impls {
    use std::borrow::Cow;

    use super::FailedRequest;
    use crate::classify::HttpFailure;

    /// All values of `name`, joined with `", "`, each read as text (not `to_str`, which
    /// refuses the non-ASCII bytes the SDKs read as Latin-1).
    pub(super) fn joined<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<Cow<'h, str>> {
        let mut values = headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()));
        let first = values.next()?;
        Some(values.fold(first, |all, next| Cow::Owned(format!("{all}, {next}"))))
    }

    /// Needs the `http` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    impl FailedRequest for HttpFailure {
        fn status(&self) -> Option<u16> {
            Some(self.status().as_u16())
        }
        fn header(&self, name: &str) -> Option<Cow<'_, str>> {
            joined(self.headers(), name)
        }
        fn body(&self) -> &str {
            HttpFailure::body(self)
        }
        fn received_at(&self) -> Option<std::time::SystemTime> {
            Some(HttpFailure::received_at(self))
        }
    }

    /// Needs the `http` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    impl<B> FailedRequest for http::Response<B> {
        fn status(&self) -> Option<u16> {
            Some(self.status().as_u16())
        }
        fn header(&self, name: &str) -> Option<Cow<'_, str>> {
            joined(self.headers(), name)
        }
    }
}

#[cfg(feature = "reqwest")]
mod reqwest_impls {
    use std::borrow::Cow;

    use super::FailedRequest;
    use super::http_impls::joined;

    /// Needs the `reqwest` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
    impl FailedRequest for reqwest::Response {
        fn status(&self) -> Option<u16> {
            Some(self.status().as_u16())
        }
        fn header(&self, name: &str) -> Option<Cow<'_, str>> {
            joined(self.headers(), name)
        }
    }

    /// A status from `error_for_status` (with no headers); otherwise a transport failure,
    /// which the SDKs retry whatever it was.
    ///
    /// Needs the `reqwest` feature.
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
    impl FailedRequest for reqwest::Error {
        fn status(&self) -> Option<u16> {
            reqwest::Error::status(self).map(|s| s.as_u16())
        }
        fn header(&self, _: &str) -> Option<Cow<'_, str>> {
            None
        }
    }
}
