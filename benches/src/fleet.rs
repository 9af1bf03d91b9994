//! The fleet's guards (`retry_runtime::fleet`, Redis) beside the local ones, on the same
//! operation and policy: what sharing adds to a first-try success and to a refusal.
//!
//! [`join_fleet`] connects to the machine's Redis (`REDIS_URL`, default
//! `redis://127.0.0.1:6379`) from a thread of its own, joins the guards, and publishes an
//! opening of [`FLEET_OPEN`] whose local breaker it then closes: a call behind it is refused
//! for the fleet's reason alone, as in a process that never failed itself.

use core::cell::Cell;
use core::time::Duration;
use std::sync::mpsc;

use retry_runtime::fleet::{Fleet, FleetBreaker, FleetBudget, FleetLimiter, FleetOptions};
use retry_runtime::{CircuitBreaker, RateLimiter, RetryBudget, retry};

use crate::{LlmError, op};

/// Closed everywhere: every call succeeds.
pub static FLEET_CLOSED: FleetBreaker =
    FleetBreaker::new("bench-closed", CircuitBreaker::consecutive(5, Duration::from_secs(30)));
/// Opened by another process for an hour; closed here.
pub static FLEET_OPEN: FleetBreaker =
    FleetBreaker::new("bench-open", CircuitBreaker::consecutive(1, Duration::from_secs(3600)));
/// The AWS SDKs' standard budget, shared.
pub static FLEET_BUDGET: FleetBudget = FleetBudget::new("bench-budget", RetryBudget::aws_standard());

/// A shared limiter with room for every attempt, its cells taken in leases of 4 (the
/// default): an attempt spends a cell in hand, or asks Redis when the lease is spent before
/// the fleet's task has topped it up.
pub static FLEET_PACE: FleetLimiter = FleetLimiter::per_second("bench-pace", u32::MAX);
/// The same without a lease (`with_limiter_lease(0)`): one Redis round trip an attempt.
pub static FLEET_PACE_UNLEASED: FleetLimiter = FleetLimiter::per_second("bench-pace-unleased", u32::MAX);
/// The local limiter with the same room, for comparison.
pub static LOCAL_PACE: RateLimiter = RateLimiter::per_second(u32::MAX);

/// One permit from `limiter` and its report, on a runtime of the bench's own.
pub fn shaped_fleet(limiter: &FleetLimiter) {
    bench_runtime().block_on(async {
        limiter.acquire(None).await.expect("room").record(retry_runtime::limiter::Outcome::Success);
    });
}

/// The same with the local limiter, on the same runtime.
pub fn shaped_local(limiter: &RateLimiter) {
    bench_runtime().block_on(async {
        limiter.acquire(None).await.expect("room").record(retry_runtime::limiter::Outcome::Success);
    });
}

fn bench_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime"))
}

/// [`op`] behind the shared breaker and budget: `guarded_op`'s keys with the fleet's guards.
#[retry(
    stop = attempts(5),
    wait = exp_jitter(1, 60, 5),
    on = RateLimit | Overload,
    breaker = FLEET_CLOSED,
    budget = FLEET_BUDGET
)]
pub async fn fleet_guarded_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}

/// [`op`] behind [`FLEET_OPEN`]: refused at once, the body never runs.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, breaker = FLEET_OPEN)]
pub async fn fleet_refused_op(x: u64, runs: &Cell<u32>) -> Result<u64, LlmError> {
    runs.set(runs.get() + 1);
    op(x).await
}

/// Joins the guards to a fleet in the machine's Redis and opens [`FLEET_OPEN`] fleet-wide,
/// its local breaker closed. The fleet's task runs on a thread of its own, with a refresh of
/// a minute so that it adds next to nothing to a measurement.
///
/// # Panics
/// When Redis does not answer.
pub fn join_fleet() {
    let (ready, joined) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async move {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
            let namespace = format!("bench-{}", std::process::id());
            // A generous bound: under valgrind every round trip is tens of times slower.
            let options =
                FleetOptions::new().with_refresh(Duration::from_secs(60)).with_store_timeout(Duration::from_secs(5));
            let fleet = Fleet::connect_with(&url, &namespace, options).expect("a fleet");
            FLEET_CLOSED.join(&fleet).expect("joined once");
            FLEET_OPEN.join(&fleet).expect("joined once");
            FLEET_BUDGET.join(&fleet).expect("joined once");
            FLEET_PACE.join(&fleet).expect("joined once");
            let unleased = Fleet::connect_with(&url, &namespace, options.with_limiter_lease(0)).expect("a fleet");
            FLEET_PACE_UNLEASED.join(&unleased).expect("joined once");
            fleet.sync().await.expect("Redis answers");
            let _: Result<u64, LlmError> = fleet_refused_op_failing().await;
            fleet.sync().await.expect("Redis answers");
            FLEET_OPEN.local().reset();
            assert!(FLEET_OPEN.fleet_open_for().is_some(), "the opening is shared");
            ready.send(()).expect("the bench waits");
            core::future::pending::<()>().await;
        });
    });
    joined.recv().expect("the fleet joined");
}

#[retry(stop = attempts(1), on = RateLimit | Overload, breaker = FLEET_OPEN)]
async fn fleet_refused_op_failing() -> Result<u64, LlmError> {
    Err(LlmError::Overload)
}
