//! `config::parse_wait` never panics, and what it accepts gives a delay at every attempt
//! number up to `u32::MAX`, under any seed, without overflowing.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use retry_runtime::config::parse_wait;
use retry_runtime::wait::{RetryRng, WaitContext};

fuzz_target!(|input: (u64, &str)| {
    let (seed, text) = input;
    match parse_wait(text) {
        Ok(wait) => {
            let mut rng = RetryRng::seeded(seed);
            let mut previous = Duration::ZERO;
            for n in [1, 2, 3, 32, 64, 1_000, u32::MAX - 1, u32::MAX] {
                previous = wait.delay(&mut WaitContext::new(n, previous, &mut rng));
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
            assert!(message.len() < 1024, "a {} byte message", message.len());
        }
    }
});
