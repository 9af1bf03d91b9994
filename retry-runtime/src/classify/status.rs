//! HTTP status codes: which say "try again later".

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
