//! `config::parse_stop` never panics, and what it accepts decides at any attempt number and
//! any time without panicking; what it refuses gets a short, house-style message.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use retry_runtime::config::parse_stop;
use retry_runtime::stop::StopContext;

fuzz_target!(|text: &str| {
    match parse_stop(text) {
        Ok(stop) => {
            for n in [1, 2, 3, u32::MAX] {
                for t in [Duration::ZERO, Duration::from_secs(30), Duration::MAX] {
                    let _ = stop.should_stop(&StopContext::new(n, t, t));
                }
            }
            let _ = (stop.needs_clock(), stop.deadline());
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
            assert!(message.len() < 1024, "a {} byte message", message.len());
        }
    }
});
