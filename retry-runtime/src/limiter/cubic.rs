//! The AWS SDKs' adaptive retry mode: a token bucket whose fill rate follows CUBIC, cut by
//! throttling responses and grown back by the others.
//!
//! A port of smithy-rs's `ClientRateLimiter`
//! (`rust-runtime/aws-smithy-runtime/src/client/retries/client_rate_limiter.rs`), itself a
//! port of aws-sdk-go-v2's `aws/retry/adaptive_ratelimit.go`; the constants, the order of
//! the updates and the test vectors below are theirs. Times are seconds since the limiter's
//! first use, as `f64`, where smithy-rs counts from the Unix epoch: only differences and the
//! half-second buckets of the measured rate depend on it.
//!
//! One difference: smithy-rs charges a retry 5 tokens (10 after a timeout) from this bucket,
//! botocore and the SEP charge every attempt 1. Here every attempt costs 1, because retries
//! are already charged to a [`RetryBudget`](crate::RetryBudget), the standard mode's quota.

/// The lowest fill rate the bucket falls to, in tokens a second.
pub(super) const MIN_FILL_RATE: f64 = 0.5;
/// The smallest bucket.
const MIN_CAPACITY: f64 = 1.0;
/// The weight of the newest half-second bucket in the measured send rate.
const SMOOTH: f64 = 0.8;
/// The share of the rate kept after a throttling response (CUBIC's β).
const BETA: f64 = 0.7;
/// How fast the rate grows back after a throttling response (CUBIC's C).
const SCALE_CONSTANT: f64 = 0.4;
/// Every attempt's cost, see the module docs.
const COST: f64 = 1.0;

/// The bucket and the rate it is filled at; `seconds` are on the limiter's clock.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cubic {
    /// Tokens added a second.
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    /// When the bucket was last refilled; `None` before the first refill.
    last_refill: Option<f64>,
    /// Off until the first throttling response: until then every attempt is let through.
    enabled: bool,
    /// The smoothed rate at which attempts are sent.
    measured_tx_rate: f64,
    /// The start of the current half-second bucket of the measured rate.
    last_tx_rate_bucket: f64,
    /// Responses recorded in the current half-second bucket.
    request_count: u64,
    /// The rate when the last throttling response came.
    last_max_rate: f64,
    time_of_last_throttle: f64,
}

impl Cubic {
    /// The state of smithy-rs's `ClientRateLimiter::new(0.0)`.
    pub(super) const fn new() -> Self {
        Self {
            fill_rate: 0.0,
            max_capacity: f64::MAX,
            capacity: 0.0,
            last_refill: None,
            enabled: false,
            measured_tx_rate: MIN_FILL_RATE,
            last_tx_rate_bucket: 0.0,
            request_count: 0,
            last_max_rate: 0.0,
            time_of_last_throttle: 0.0,
        }
    }

    pub(super) const fn enabled(&self) -> bool {
        self.enabled
    }

    /// The rate the bucket is filled at, in tokens a second.
    pub(super) const fn fill_rate(&self) -> f64 {
        self.fill_rate
    }

    /// Takes one token at `now` if the wait for it is at most `max_wait` seconds, and
    /// returns that wait (0 when a token was there); otherwise takes nothing and returns
    /// the wait as the error. The token is owed while the caller waits: a caller that gives
    /// up the wait hands it back with [`refund`](Self::refund).
    pub(super) fn reserve(&mut self, now: f64, max_wait: f64) -> Result<f64, f64> {
        if !self.enabled {
            return Ok(0.0);
        }
        self.refill(now);
        let wait = if COST > self.capacity { (COST - self.capacity) / self.fill_rate } else { 0.0 };
        if wait > max_wait {
            return Err(wait);
        }
        self.capacity -= COST;
        Ok(wait)
    }

    /// Gives back a token [`reserve`](Self::reserve) took for an attempt that never ran.
    pub(super) fn refund(&mut self) {
        self.capacity = (self.capacity + COST).min(self.max_capacity);
    }

    /// smithy-rs's `update_rate_limiter`: called once a response (or an error) is in.
    pub(super) fn update(&mut self, now: f64, throttled: bool) {
        self.update_measured_rate(now);
        let calculated = if throttled {
            let rate = if self.enabled { self.measured_tx_rate.min(self.fill_rate) } else { self.measured_tx_rate };
            self.last_max_rate = rate;
            self.time_of_last_throttle = now;
            self.enabled = true;
            rate * BETA
        } else {
            self.cubic_success(now)
        };
        let new_rate = calculated.min(2.0 * self.measured_tx_rate);
        self.refill(now);
        self.fill_rate = new_rate.max(MIN_FILL_RATE);
        self.max_capacity = new_rate.max(MIN_CAPACITY);
        self.capacity = self.capacity.min(self.max_capacity);
    }

    fn refill(&mut self, now: f64) {
        if let Some(last) = self.last_refill {
            self.capacity = self.max_capacity.min(self.capacity + (now - last) * self.fill_rate);
        }
        self.last_refill = Some(now);
    }

    fn update_measured_rate(&mut self, now: f64) {
        let bucket = (now * 2.0).floor() / 2.0;
        self.request_count += 1;
        if bucket > self.last_tx_rate_bucket {
            let current = self.request_count as f64 / (bucket - self.last_tx_rate_bucket);
            self.measured_tx_rate = current * SMOOTH + self.measured_tx_rate * (1.0 - SMOOTH);
            self.request_count = 0;
            self.last_tx_rate_bucket = bucket;
        }
    }

    /// CUBIC's K: how long after a throttle the rate is back at `last_max_rate`.
    fn time_window(&self) -> f64 {
        (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
    }

    fn cubic_success(&self, now: f64) -> f64 {
        let dt = now - self.time_of_last_throttle - self.time_window();
        SCALE_CONSTANT * dt.powi(3) + self.last_max_rate
    }
}

#[cfg(test)]
mod tests {
    //! smithy-rs's own test vectors (`client_rate_limiter.rs`, module `tests`), which it ported
    //! from aws-sdk-go-v2 `aws/retry/adaptive_ratelimit_test.go`. smithy-rs compares with
    //! `approx::assert_relative_eq!` (relative 1e-15 by default, in f64 ulps); so does
    //! `close` below.

    use super::*;

    fn close(expected: f64, actual: f64) -> bool {
        (expected - actual).abs() <= f64::EPSILON * expected.abs().max(actual.abs()).max(1.0) * 4.0
    }

    /// smithy-rs's `ClientRateLimiter::builder().build()`: every field at its default.
    fn built() -> Cubic {
        Cubic { measured_tx_rate: 0.0, ..Cubic::new() }
    }

    // smithy-rs `should_match_beta_decrease`: a throttle keeps 70 % of the rate.
    #[test]
    fn a_throttle_keeps_seventy_percent_of_the_rate() {
        let cubic = Cubic { last_max_rate: 10.0, time_of_last_throttle: 1.0, ..built() };
        assert!(close(7.0, cubic.cubic_success(1.0)));
    }

    // smithy-rs `test_calculated_rate_with_successes`: CUBIC's curve after a throttle at 5 s.
    #[test]
    fn the_rate_grows_back_along_cubic_after_a_throttle() {
        let cubic = Cubic { last_max_rate: 10.0, time_of_last_throttle: 5.0, ..built() };
        let table = [
            (5.0, 7.0),
            (6.0, 9.64893600966),
            (7.0, 10.000030849917364),
            (8.0, 10.453284520772092),
            (9.0, 13.408697022224185),
            (10.0, 21.26626835427364),
            (11.0, 36.425998516920465),
        ];
        for (t, rate) in table {
            // smithy-rs's 9.64893600966 is rounded to 11 places; the others are exact.
            let tolerance = if t == 6.0 { 1e-10 } else { 0.0 };
            let got = cubic.cubic_success(t);
            assert!(close(rate, got) || (rate - got).abs() <= tolerance, "at {t}s: {got}, expected {rate}");
        }
    }

    // smithy-rs `test_client_sending_rates`: a response every 200 ms, throttled at 2.0 s and
    // 3.2 s; the measured send rate and the fill rate after each, to the last bit.
    #[test]
    fn measured_and_fill_rates_follow_smithy_rs_step_by_step() {
        let mut cubic = built();
        let table = [
            (false, 0.2, 0.0, 0.5),
            (false, 0.4, 0.0, 0.5),
            (false, 0.6, 4.800000000000001, 0.5),
            (false, 0.8, 4.800000000000001, 0.5),
            (false, 1.0, 4.16, 0.5),
            (false, 1.2, 4.16, 0.6912),
            (false, 1.4, 4.16, 1.0975999999999997),
            (false, 1.6, 5.632000000000001, 1.6384000000000005),
            (false, 1.8, 5.632000000000001, 2.3328),
            (true, 2.0, 4.3264, 3.0284799999999996),
            (false, 2.2, 4.3264, 3.48663917347026),
            (false, 2.4, 4.3264, 3.821874416040255),
            (false, 2.6, 5.66528, 4.053385727709987),
            (false, 2.8, 5.66528, 4.200373108479454),
            (false, 3.0, 4.333056, 4.282036558348658),
            (true, 3.2, 4.333056, 2.99742559084406),
            (false, 3.4, 4.333056, 3.4522263943863463),
        ];
        // smithy-rs steps a mock sleeper by 200 ms and reads `total_duration().as_secs_f64()`
        // (and asserts it equals the table's time): a `Duration` sum, exact, as here.
        let mut elapsed = std::time::Duration::ZERO;
        for (throttled, at, measured, fill) in table {
            elapsed += std::time::Duration::from_millis(200);
            let now = elapsed.as_secs_f64();
            assert_eq!(now, at);
            cubic.update(now, throttled);
            assert!(close(measured, cubic.measured_tx_rate), "at {at}s measured {}", cubic.measured_tx_rate);
            assert!(close(fill, cubic.fill_rate), "at {at}s fill {}", cubic.fill_rate);
        }
    }

    // smithy-rs `throttling_is_enabled_once_throttling_error_is_received`.
    #[test]
    fn the_bucket_is_off_until_the_first_throttle() {
        let mut cubic = built();
        assert_eq!(cubic.reserve(0.0, 0.0), Ok(0.0));
        cubic.update(0.0, false);
        assert!(!cubic.enabled());
        cubic.update(0.0, true);
        assert!(cubic.enabled());
    }

    #[test]
    fn a_reservation_past_max_wait_takes_nothing_and_a_refund_gives_back() {
        let mut cubic = Cubic::new();
        cubic.update(0.0, true); // measured 0.5 → fill rate max(0.35, 0.5) = 0.5, capacity 0
        assert_eq!(cubic.fill_rate(), MIN_FILL_RATE);
        assert_eq!(cubic.reserve(0.0, 1.0), Err(2.0), "one token at 0.5/s: 2 s away");
        assert_eq!(cubic.reserve(0.0, 2.0), Ok(2.0));
        assert_eq!(cubic.reserve(0.0, 3.0), Err(4.0), "the second token waits behind the first");
        cubic.refund();
        assert_eq!(cubic.reserve(0.0, 2.0), Ok(2.0), "the refund made the first token free again");
    }
}
