//! `headers::go_duration` never panics and never exceeds the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retry_runtime::headers::{MAX_DELAY, go_duration};

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    if let Some(delay) = go_duration(&value) {
        assert!(delay <= MAX_DELAY);
    }
});
