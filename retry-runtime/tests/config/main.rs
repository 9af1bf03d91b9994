//! Policies from configuration (`retry_runtime::config`): parsing, messages, `PolicyConfig`,
//! serde, and robustness on arbitrary input. One binary, so one link.

use std::time::Duration;

use retry_runtime::stop::{Stop, StopContext};
use retry_runtime::wait::{RetryRng, Wait, WaitContext};

#[cfg(feature = "serde")]
mod deserialize;
mod errors;
mod fuzz;
mod generated;
mod parse;
mod policy_config;

/// Seeds every jitter comparison runs under.
const SEEDS: [u64; 3] = [0, 7, 0xDEAD_BEEF];

/// Attempt numbers every wait comparison runs over: 1..=10 as the loop sees them, then
/// where exponents saturate.
fn attempts() -> impl Iterator<Item = u32> {
    (1..=10).chain([31, 32, 33, 64, 1_000, u32::MAX - 1, u32::MAX])
}

/// The delays `wait` gives under `seed`, each fed the previous one as the loop feeds it.
pub(crate) fn delays(wait: &dyn Wait, seed: u64) -> Vec<Duration> {
    let mut rng = RetryRng::seeded(seed);
    let mut previous = Duration::ZERO;
    attempts()
        .map(|n| {
            let d = wait.delay(&mut WaitContext::new(n, previous, &mut rng));
            previous = d;
            d
        })
        .collect()
}

/// Asserts that two wait strategies give the same delays under every seed.
pub(crate) fn assert_same_wait(text: &str, parsed: &dyn Wait, code: &dyn Wait) {
    for seed in SEEDS {
        assert_eq!(delays(parsed, seed), delays(code, seed), "`{text}` under seed {seed}");
    }
}

/// What a stop condition decides over a grid of attempts, elapsed times and next delays,
/// with its clock need and deadline.
pub(crate) fn decisions(stop: &dyn Stop) -> (Vec<bool>, bool, Option<Duration>) {
    let secs = Duration::from_secs;
    let mut out = Vec::new();
    for n in [1, 2, 3, 4, 5, 6, 10, 100, u32::MAX] {
        for elapsed in [0, 1, 29, 30, 31, 59, 60, 61, 119, 120, 121, 3_600] {
            for next in [0, 1, 10, 60, 3_600] {
                out.push(stop.should_stop(&StopContext::new(n, secs(elapsed), secs(next))));
            }
        }
    }
    (out, stop.needs_clock(), stop.deadline())
}

/// Asserts that two stop conditions decide alike everywhere on the grid.
pub(crate) fn assert_same_stop(text: &str, parsed: &dyn Stop, code: &dyn Stop) {
    assert_eq!(decisions(parsed), decisions(code), "`{text}`");
}
