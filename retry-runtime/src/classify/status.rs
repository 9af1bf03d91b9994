//! HTTP status codes: which say "try again later".

#[cfg(feature = "http")]
use super::Transient;

/// `true` for the status codes worth retrying: 408, 425, 429, 500, 502, 503, 504, 529.
///
/// | status | meaning | transient |
/// |---|---|---|
/// | 408 | Request Timeout | yes |
/// | 425 | Too Early | yes |
/// | 429 | Too Many Requests | yes |
/// | 500 | Internal Server Error | yes |
/// | 502 | Bad Gateway | yes |
/// | 503 | Service Unavailable | yes |
/// | 504 | Gateway Timeout | yes |
/// | 529 | Overloaded (Anthropic) | yes |
/// | other 4xx | the request itself is wrong (400, 401, 403, 404, 409, 422, …) | no |
/// | other 5xx | 501 Not Implemented, 505 HTTP Version Not Supported, …: a retry gets the same answer | no |
/// | 1xx, 2xx, 3xx | not a failure | no |
///
/// A whole response can say otherwise (`x-should-retry`, the body): see
/// [`response`](crate::classify) under the `http` feature.
///
/// ```
/// use retry_runtime::classify::status_is_transient;
/// assert!(status_is_transient(429));
/// assert!(status_is_transient(529));
/// assert!(!status_is_transient(404));
/// assert!(!status_is_transient(501));
/// ```
pub const fn status_is_transient(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504 | 529)
}

/// By [`status_is_transient`]; a bare status says nothing about when to retry.
///
/// Needs the `http` feature.
///
/// ```
/// use retry_runtime::classify::Transient;
/// use http::StatusCode;
/// assert!(StatusCode::SERVICE_UNAVAILABLE.is_transient());
/// assert!(!StatusCode::UNPROCESSABLE_ENTITY.is_transient());
/// assert_eq!(StatusCode::TOO_MANY_REQUESTS.retry_after(), None);
/// ```
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Transient for http::StatusCode {
    fn is_transient(&self) -> bool {
        status_is_transient(self.as_u16())
    }
}
