//! `headers::should_retry` never panics, and answers only for `true` or `false`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retry_runtime::headers::should_retry;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    if let Some(answer) = should_retry(&value) {
        let word = value.trim_matches([' ', '\t']);
        assert!(word.eq_ignore_ascii_case(if answer { "true" } else { "false" }));
    }
});
