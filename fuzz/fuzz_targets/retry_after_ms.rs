//! `headers::retry_after_ms` never panics and never exceeds the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retry_runtime::headers::{MAX_DELAY, retry_after_ms};

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    if let Some(delay) = retry_after_ms(&value) {
        assert!(delay <= MAX_DELAY);
    }
});
