//! `config::parse_duration` never panics, and every duration it reads is written back by
//! `PolicyConfig`'s `Display` as words that read back to the same duration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retry_runtime::config::{PolicyConfig, parse_duration};

fuzz_target!(|text: &str| {
    match parse_duration(text) {
        Ok(d) => {
            let config = PolicyConfig { retry_after_max: Some(d), ..PolicyConfig::default() };
            assert_eq!(config.to_string().parse::<PolicyConfig>(), Ok(config));
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
            assert!(message.len() < 1024, "a {} byte message", message.len());
        }
    }
});
