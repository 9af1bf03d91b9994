//! What sharing the breaker and the budget through Redis adds: a first-try success and a
//! refusal behind the fleet's guards (`benches/src/fleet.rs`), beside the local guards in the
//! same run. Needs Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`).
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench fleet`

use std::cell::Cell;

use benches::fleet::{fleet_guarded_op, fleet_refused_op, join_fleet};
use benches::{LlmError, guarded_op, poll_once, refused_op, retry_op};
use divan::black_box;

fn main() {
    benches::open_breakers();
    join_fleet();
    benches::warm_up();
    divan::main();
}

/// The attribute alone.
#[divan::bench]
fn first_try_unguarded() -> Result<u64, LlmError> {
    poll_once(retry_op(black_box(7)))
}

/// A local `consecutive` breaker and the local AWS standard budget.
#[divan::bench]
fn first_try_local_breaker_and_budget() -> Result<u64, LlmError> {
    poll_once(guarded_op(black_box(7)))
}

/// The same, shared through Redis (`FleetBreaker`, `FleetBudget`): no Redis on the path.
#[divan::bench]
fn first_try_fleet_breaker_and_budget() -> Result<u64, LlmError> {
    poll_once(fleet_guarded_op(black_box(7)))
}

/// A local breaker open in this process: refused, the body never runs.
#[divan::bench]
fn local_open_breaker_rejects() -> Result<u64, LlmError> {
    let runs = Cell::new(0);
    let out = poll_once(refused_op(black_box(7), &runs));
    debug_assert_eq!((out, runs.get()), (Err(LlmError::CircuitOpen), 0));
    out
}

/// Opened by another process: refused for the fleet's reason, its local breaker closed.
#[divan::bench]
fn fleet_open_breaker_rejects() -> Result<u64, LlmError> {
    let runs = Cell::new(0);
    let out = poll_once(fleet_refused_op(black_box(7), &runs));
    debug_assert_eq!((out, runs.get()), (Err(LlmError::CircuitOpen), 0));
    out
}

/// A local limiter with room: `acquire(None)` + `record(Success)` on a current-thread runtime.
#[divan::bench]
fn local_limiter_acquire_and_record() {
    benches::fleet::shaped_local(black_box(&benches::fleet::LOCAL_PACE));
}

/// The shared limiter with room, leases of 4 cells (the default): mostly a cell in hand.
#[divan::bench]
fn fleet_limiter_acquire_and_record() {
    benches::fleet::shaped_fleet(black_box(&benches::fleet::FLEET_PACE));
}

/// The shared limiter without a lease: every attempt's Redis round trip (GCRA in Lua).
#[divan::bench]
fn fleet_limiter_unleased_acquire_and_record() {
    benches::fleet::shaped_fleet(black_box(&benches::fleet::FLEET_PACE_UNLEASED));
}
