//! Asks a wait strategy for its delays the way one call of a policy does.

use core::time::Duration;

use retry_runtime::wait::{RetryRng, Wait, WaitContext};

/// The delays `wait` gives before attempts 2, 3, … `retries + 1` of one call whose jitter is
/// seeded with `seed`: one generator for the whole call, and each delay fed back as
/// `previous`, exactly as `RetryPolicy` drives a strategy.
///
/// ```
/// use retry_runtime::wait::fixed;
/// use std::time::Duration;
/// let d = tests_integration::replay::delays(&fixed(Duration::from_secs(1)), 0, 2);
/// assert_eq!(d, [Duration::from_secs(1); 2]);
/// ```
pub fn delays<W: Wait>(wait: &W, seed: u64, retries: u32) -> Vec<Duration> {
    let mut rng = RetryRng::seeded(seed);
    let mut previous = Duration::ZERO;
    (1..=retries)
        .map(|attempt| {
            previous = wait.delay(&mut WaitContext::new(attempt, previous, &mut rng));
            previous
        })
        .collect()
}

/// The delay `wait` gives after attempt `attempt` alone, with no earlier delay.
///
/// ```
/// use retry_runtime::wait::fixed;
/// use std::time::Duration;
/// let d = tests_integration::replay::delay_at(&fixed(Duration::from_secs(1)), 0, u32::MAX);
/// assert_eq!(d, Duration::from_secs(1));
/// ```
pub fn delay_at<W: Wait>(wait: &W, seed: u64, attempt: u32) -> Duration {
    let mut rng = RetryRng::seeded(seed);
    wait.delay(&mut WaitContext::new(attempt, Duration::ZERO, &mut rng))
}
