//! `headers::rfc3339_reset` never panics and never exceeds the cap, whatever the value and
//! whatever the clock says.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use retry_runtime::headers::{MAX_DELAY, rfc3339_reset};

fuzz_target!(|input: (bool, u64, &str)| {
    let (after_epoch, secs, value) = input;
    let offset = Duration::from_secs(secs);
    let now = if after_epoch {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    let now: SystemTime = now.unwrap_or(UNIX_EPOCH);
    if let Some(delay) = rfc3339_reset(value, now) {
        assert!(delay <= MAX_DELAY);
    }
});
