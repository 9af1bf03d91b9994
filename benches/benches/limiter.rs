//! Traffic shaping: what a rate limiter with room and a bulkhead with a free place cost an
//! attempt, beside governor's own GCRA check.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench limiter`

use std::num::NonZeroU32;

use benches::{ADAPTIVE, FIXED, poll_once, shaped};
use divan::black_box;
use governor::{Quota, RateLimiter as Governor};
use retry_runtime::Bulkhead;

fn main() {
    divan::main();
}

/// No limiter: the floor.
#[divan::bench]
fn no_limiter() {
    black_box(());
}

/// `RateLimiter::adaptive()` before its first throttle: `acquire` + `record`.
#[divan::bench]
fn adaptive_acquire_and_record() {
    shaped(black_box(&ADAPTIVE));
}

/// `RateLimiter::adaptive()` before its first throttle: `try_acquire` alone.
#[divan::bench]
fn adaptive_try_acquire() -> bool {
    ADAPTIVE.try_acquire().is_ok()
}

/// `RateLimiter::per_second(u32::MAX)`, never used up: `acquire` + `record`.
#[divan::bench]
fn fixed_acquire_and_record() {
    shaped(black_box(&FIXED));
}

/// governor's own `check()` on a direct limiter with its default clock: what the fixed
/// limiter wraps.
#[divan::bench]
fn governor_check(bencher: divan::Bencher) {
    let governor = Governor::direct(Quota::per_second(NonZeroU32::MAX));
    bencher.bench_local(|| black_box(&governor).check().is_ok());
}

static BULKHEAD: Bulkhead = Bulkhead::new(64);

/// A bulkhead with a free place: `acquire` and drop the permit.
#[divan::bench]
fn bulkhead_acquire_and_release() {
    drop(poll_once(BULKHEAD.acquire(None)).expect("a free place"));
}
