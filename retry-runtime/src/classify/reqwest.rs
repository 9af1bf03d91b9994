//! `reqwest`'s errors and responses.

use core::time::Duration;
use std::time::SystemTime;

use super::http::{response, server_delay};
use super::{Transient, status_is_transient};

/// Transient when the request may succeed if sent again:
///
/// Needs the `reqwest` feature.
///
/// | error | transient |
/// |---|---|
/// | has a status (from `error_for_status`) | by [`status_is_transient`] |
/// | `is_timeout()` | yes |
/// | `is_connect()` | yes: refused, reset or unreachable while connecting |
/// | `is_request()` | yes: the connection failed while sending |
/// | `is_body()` | yes: the connection failed while streaming a body |
/// | `is_builder()`, `is_redirect()`, `is_decode()`, anything else | no: the same request fails the same way |
///
/// It carries no headers, so it never knows a delay: to honour `Retry-After`, keep the
/// [`reqwest::Response`] (which implements [`Transient`] with its headers) or an
/// [`HttpFailure`](super::HttpFailure) instead of calling `error_for_status`.
///
/// ```
/// use retry_runtime::classify::Transient;
///
/// let busy = http::Response::builder().status(503).body("")?;
/// let err = reqwest::Response::from(busy).error_for_status().unwrap_err();
/// assert!(err.is_transient());
///
/// let bad = reqwest::Client::new().get("not a url").build().unwrap_err();
/// assert!(!bad.is_transient());
/// # Ok::<(), http::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl Transient for reqwest::Error {
    fn is_transient(&self) -> bool {
        match self.status() {
            Some(status) => status_is_transient(status.as_u16()),
            None => self.is_timeout() || self.is_connect() || self.is_request() || self.is_body(),
        }
    }
}

/// By [`response`] on its status and headers (the body is not read):
/// `x-should-retry`, then the status; the delay by [`server_delay`],
/// measured from the time of the call.
///
/// Needs the `reqwest` feature.
///
/// ```
/// use retry_runtime::classify::Transient;
/// use std::time::Duration;
///
/// let reply: reqwest::Response = http::Response::builder()
///     .status(429)
///     .header("retry-after", "2")
///     .body("")?
///     .into();
/// assert!(reply.is_transient());
/// assert_eq!(reply.retry_after(), Some(Duration::from_secs(2)));
/// # Ok::<(), http::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl Transient for reqwest::Response {
    fn is_transient(&self) -> bool {
        response(self.status(), self.headers(), "", SystemTime::now()).transient
    }
    fn retry_after(&self) -> Option<Duration> {
        server_delay(self.headers(), SystemTime::now())
    }
}
