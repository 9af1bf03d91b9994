//! The providers' own counters: what a response says is left of the rate limit and when it
//! resets, and the gate that holds attempts back once it is used up.
//!
//! The gate keeps the last window a response described: how many attempts it still allows
//! and when it resets. Attempts sent after that response but not yet answered were not
//! counted in it, so it subtracts them (the attempts in flight besides the one answering).
//! Once the window is used up, attempts wait for its reset. When the reset passes with no
//! newer response, the gate expects a window like the largest it has seen (`remaining + 1`
//! of any response, over the longest reset it has read), so that the attempts that waited
//! do not all go at once into a window that cannot hold them.

use core::time::Duration;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// What a provider's response says about its rate limits, read from its headers by
/// `RateLimiter::observe_headers` (feature `http`) or filled in by
/// hand for [`RateLimiter::observe`](super::RateLimiter::observe). Every field is optional:
/// a limit the response does not describe stays as it was.
///
/// ```
/// use retry_runtime::limiter::ProviderLimits;
/// use std::time::Duration;
///
/// let limits = ProviderLimits {
///     remaining_requests: Some(0),
///     reset_requests: Some(Duration::from_secs(6)),
///     ..ProviderLimits::default()
/// };
/// assert_eq!(limits.remaining_tokens, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProviderLimits {
    /// Requests left before the requests limit resets (`x-ratelimit-remaining-requests`,
    /// `anthropic-ratelimit-requests-remaining`).
    pub remaining_requests: Option<u64>,
    /// Tokens left before the tokens limit resets (`x-ratelimit-remaining-tokens`,
    /// `anthropic-ratelimit-tokens-remaining`).
    pub remaining_tokens: Option<u64>,
    /// How long until the requests limit resets, from the response (`x-ratelimit-reset-requests`,
    /// `anthropic-ratelimit-requests-reset`).
    pub reset_requests: Option<Duration>,
    /// How long until the tokens limit resets, from the response (`x-ratelimit-reset-tokens`,
    /// `anthropic-ratelimit-tokens-reset`).
    pub reset_tokens: Option<Duration>,
}

#[cfg(feature = "http")]
impl ProviderLimits {
    /// Reads OpenAI's `x-ratelimit-{remaining,reset}-{requests,tokens}` (resets as Go
    /// durations, [`go_duration`](crate::headers::go_duration)) and Anthropic's
    /// `anthropic-ratelimit-{requests,tokens}-{remaining,reset}` (resets as RFC 3339 times,
    /// [`rfc3339_reset`](crate::headers::rfc3339_reset), measured from `now`). Where both
    /// are present, OpenAI's win; what cannot be read is `None`.
    ///
    /// Needs the `http` feature.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use retry_runtime::limiter::ProviderLimits;
    /// use std::time::{Duration, SystemTime};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-ratelimit-remaining-requests", "0".parse().unwrap());
    /// headers.insert("x-ratelimit-reset-requests", "1.5s".parse().unwrap());
    /// let limits = ProviderLimits::from_headers(&headers, SystemTime::now());
    /// assert_eq!(limits.remaining_requests, Some(0));
    /// assert_eq!(limits.reset_requests, Some(Duration::from_millis(1500)));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn from_headers(headers: &http::HeaderMap, now: std::time::SystemTime) -> Self {
        use crate::classify::provider::{
            ANTHROPIC_PREFIX, OPENAI_RESETS, REMAINING_SUFFIX, RESET_SUFFIX, count, value,
        };
        use crate::headers::{go_duration, rfc3339_reset};

        let count = |name: &str| value(headers, name).and_then(count);
        let limit = |index: usize, anthropic: &str| {
            let (reset, remaining) = OPENAI_RESETS[index];
            let anthropic = |suffix: &str| format!("{ANTHROPIC_PREFIX}{anthropic}{suffix}");
            let left = count(remaining).or_else(|| count(&anthropic(REMAINING_SUFFIX)));
            let reset = value(headers, reset)
                .and_then(go_duration)
                .or_else(|| value(headers, &anthropic(RESET_SUFFIX)).and_then(|v| rfc3339_reset(v, now)));
            (left, reset)
        };
        let (remaining_requests, reset_requests) = limit(0, "requests");
        let (remaining_tokens, reset_tokens) = limit(1, "tokens");
        Self { remaining_requests, remaining_tokens, reset_requests, reset_tokens }
    }
}

/// Holds attempts back while the provider's counters say its limits are used up.
#[derive(Debug)]
pub(super) struct Gate {
    /// Set by the first observation: until then nothing is known, and attempts skip the lock.
    active: AtomicBool,
    /// Attempts granted while the gate was active and not yet answered.
    in_flight: AtomicU64,
    window: Mutex<Window>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    /// Attempts the requests window still allows.
    left: u64,
    /// When the requests window resets; `None` when no reset is known.
    until: Option<Instant>,
    /// The largest window seen: `remaining + 1` of a response.
    capacity: u64,
    /// The longest reset read: the length of a window, as well as it is known.
    period: Duration,
    /// While the tokens are used up: when they reset.
    tokens_until: Option<Instant>,
}

impl Gate {
    pub(super) const fn new() -> Self {
        Self {
            active: AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
            window: Mutex::new(Window {
                left: 0,
                until: None,
                capacity: 0,
                period: Duration::ZERO,
                tokens_until: None,
            }),
        }
    }

    /// Whether an attempt granted now must be counted in flight.
    #[inline]
    pub(super) fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Lets one attempt through at `now` (`Ok(true)` when it was counted against the
    /// window, so that a later refusal must [`give_back`](Self::give_back)), or says how
    /// long until one may go.
    #[inline]
    pub(super) fn take(&self, now: Instant) -> Result<bool, Duration> {
        if !self.is_active() {
            return Ok(false);
        }
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = w.tokens_until {
            if now < at {
                return Err(at - now);
            }
            w.tokens_until = None;
        }
        let Some(until) = w.until else { return Ok(false) };
        if now >= until {
            // The window has reset and no response has described the new one yet.
            w.left = w.capacity;
            w.until = (!w.period.is_zero() && w.capacity > 0).then(|| next_reset(until, w.period, now));
            if w.until.is_none() {
                return Ok(false);
            }
        }
        if w.left == 0 {
            return Err(w.until.map_or(Duration::ZERO, |until| until - now));
        }
        w.left -= 1;
        Ok(true)
    }

    /// Returns an attempt [`take`](Self::take) counted but that never ran.
    pub(super) fn give_back(&self) {
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        w.left += 1;
    }

    pub(super) fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn answered(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Reads a response's counters, at `now` (when the response came in).
    pub(super) fn observe(&self, limits: ProviderLimits, now: Instant) {
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(remaining), Some(reset)) = (limits.remaining_requests, limits.reset_requests) {
            // The response's own attempt is still in flight: the others were sent after it
            // reached the provider, and are not counted in `remaining`.
            let others = self.in_flight.load(Ordering::Relaxed).saturating_sub(1);
            w.left = remaining.saturating_sub(others);
            w.until = Some(now + reset);
            w.capacity = w.capacity.max(remaining.saturating_add(1));
            w.period = w.period.max(reset);
        }
        if let (Some(0), Some(reset)) = (limits.remaining_tokens, limits.reset_tokens) {
            let at = now + reset;
            w.tokens_until = Some(w.tokens_until.map_or(at, |t| t.max(at)));
        }
        drop(w);
        self.active.store(true, Ordering::Release);
    }
}

/// The end of the window of length `period` that holds `now`, windows starting at `until`.
fn next_reset(until: Instant, period: Duration, now: Instant) -> Instant {
    let behind = (now - until).as_nanos() / period.as_nanos();
    let windows = u32::try_from(behind.saturating_add(1)).unwrap_or(u32::MAX);
    until + period.saturating_mul(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(remaining: u64, reset_ms: u64) -> ProviderLimits {
        ProviderLimits {
            remaining_requests: Some(remaining),
            reset_requests: Some(Duration::from_millis(reset_ms)),
            ..ProviderLimits::default()
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn remaining_counts_read_as_the_providers_write_them() {
        // A huge count once read as none left (the response then waited for the reset).
        let read = |remaining: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("x-ratelimit-remaining-tokens", remaining.parse().unwrap());
            headers.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
            ProviderLimits::from_headers(&headers, std::time::SystemTime::now()).remaining_tokens
        };
        assert_eq!(read("99999999999999999999"), Some(u64::MAX));
        assert_eq!(read("5.0"), Some(5));
        assert_eq!(read(" 7 "), Some(7));
        assert_eq!(read("-5"), None);
        assert_eq!(read("1e3"), None);
        assert_eq!(read("lots"), None);
    }

    #[test]
    fn an_unobserved_gate_lets_everything_through_uncounted() {
        let gate = Gate::new();
        assert_eq!(gate.take(Instant::now()), Ok(false));
    }

    #[test]
    fn a_used_up_window_holds_attempts_until_its_reset() {
        let gate = Gate::new();
        let t0 = Instant::now();
        gate.started();
        gate.observe(limits(1, 1000), t0);
        gate.answered();
        assert_eq!(gate.take(t0), Ok(true));
        assert_eq!(gate.take(t0 + Duration::from_millis(400)), Err(Duration::from_millis(600)));
        // After the reset, a window as large as the largest seen (1 + 1 = 2), lasting as long.
        let t1 = t0 + Duration::from_millis(1000);
        assert_eq!(gate.take(t1), Ok(true));
        assert_eq!(gate.take(t1), Ok(true));
        assert_eq!(gate.take(t1), Err(Duration::from_millis(1000)));
    }

    #[test]
    fn attempts_in_flight_are_subtracted_from_what_a_response_says_is_left() {
        let gate = Gate::new();
        let t0 = Instant::now();
        for _ in 0..4 {
            gate.started();
        }
        gate.observe(limits(5, 1000), t0); // three sent after the answering one
        assert_eq!((gate.take(t0), gate.take(t0), gate.take(t0)), (Ok(true), Ok(true), Err(Duration::from_secs(1))));
    }

    #[test]
    fn used_up_tokens_hold_attempts_until_their_reset() {
        let gate = Gate::new();
        let t0 = Instant::now();
        let tokens = ProviderLimits {
            remaining_tokens: Some(0),
            reset_tokens: Some(Duration::from_secs(3)),
            ..ProviderLimits::default()
        };
        gate.observe(tokens, t0);
        assert_eq!(gate.take(t0 + Duration::from_secs(1)), Err(Duration::from_secs(2)));
        assert_eq!(gate.take(t0 + Duration::from_secs(3)), Ok(false));
    }

    #[test]
    fn the_next_reset_skips_windows_nobody_observed() {
        let t0 = Instant::now();
        let period = Duration::from_secs(1);
        assert_eq!(next_reset(t0, period, t0), t0 + period);
        assert_eq!(next_reset(t0, period, t0 + Duration::from_millis(2500)), t0 + Duration::from_secs(3));
    }
}
