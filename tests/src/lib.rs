//! Integration tests of `retry-runtime` and `#[retry]`; the tests live in `tests/`.
