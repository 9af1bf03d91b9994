//! Integration tests of `retry-runtime` and `#[retry]`; the tests live in `tests/`.
//!
//! This library holds only what several test files share.

pub mod capture;
pub mod fake_clock;
pub mod replay;
