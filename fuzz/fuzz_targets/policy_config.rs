//! `PolicyConfig::from_str` never panics; a line it accepts builds a policy (it was
//! checked as `build` checks) and is written back as a line that reads back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retry_runtime::config::PolicyConfig;

fuzz_target!(|line: &str| {
    match line.parse::<PolicyConfig>() {
        Ok(config) => {
            assert_eq!(config.to_string().parse::<PolicyConfig>(), Ok(config.clone()));
            config.timed_builder().expect("a parsed line gives a builder").build().expect("and a policy");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
            assert!(message.len() < 1024, "a {} byte message", message.len());
        }
    }
});
