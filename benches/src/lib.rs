//! What the benchmarks (`benches/`) and the deterministic tests (`tests/`) share: the
//! operation under retry, its error, a hand-written retry loop, and the `#[retry]` functions
//! that are measured against them.
//!
//! Every function retries the design card's policy: at most 5 attempts, `exp_jitter(1, 60,
//! 5)` between them, and only `RateLimit` or `Overload`.

use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::hint::black_box;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::time::Instant;

use rand::Rng;
use retry_runtime::sleep::{AsyncSleep, DefaultSleep, NoSleep};
use retry_runtime::{CircuitBreaker, CircuitOpen, RetryBudget, RetryPolicy, retry};
use std::future::Ready;

pub mod fleet;
pub mod users;

/// The error of the operation: two transient kinds and one that is never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmError {
    /// 429: retried.
    RateLimit,
    /// 5xx: retried.
    Overload,
    /// 400: returned at once.
    BadRequest,
    /// A circuit breaker refused the call.
    CircuitOpen,
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<retry_runtime::RateLimited> for LlmError {
    fn from(_: retry_runtime::RateLimited) -> Self {
        Self::RateLimit
    }
}

impl From<retry_runtime::BulkheadFull> for LlmError {
    fn from(_: retry_runtime::BulkheadFull) -> Self {
        Self::Overload
    }
}

impl From<CircuitOpen> for LlmError {
    fn from(_: CircuitOpen) -> Self {
        Self::CircuitOpen
    }
}

/// Attempts the policy allows in all.
pub const ATTEMPTS: u32 = 5;
const INITIAL: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(60);
const JITTER_NANOS: u64 = 5_000_000_000;

/// The operation: one attempt that succeeds at once. The floor every wrapper is measured
/// against.
pub async fn op(x: u64) -> Result<u64, LlmError> {
    Ok(black_box(x))
}

/// One attempt that fails with `RateLimit` while `failures_left` is above zero, counting it
/// down, and succeeds after that.
pub async fn flaky(failures_left: &Cell<u32>) -> Result<u64, LlmError> {
    let left = black_box(failures_left.get());
    if left > 0 {
        failures_left.set(left - 1);
        return Err(LlmError::RateLimit);
    }
    Ok(u64::from(left))
}

/// A future that is pending once, so that what it holds must live in the future's state.
#[derive(Debug, Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// An attempt whose future holds `N` bytes across an await: `N` + 16 B or so in all.
pub async fn sized<const N: usize>(x: u64) -> Result<u64, LlmError> {
    let buffer = [x as u8; N];
    YieldOnce::default().await;
    Ok(u64::from(black_box(&buffer)[N - 1]))
}

/// The stubbed sleeper of the retry-path benchmarks: never waits, but takes the delay
/// through `black_box`, so the compiler cannot drop the delay's computation as unused (as
/// it may with [`NoSleep`], which ignores it).
#[derive(Debug, Clone, Copy, Default)]
pub struct StubSleep;

impl AsyncSleep for StubSleep {
    type Sleep = Ready<()>;
    #[inline]
    fn sleep(&self, delay: Duration) -> Ready<()> {
        black_box(delay);
        std::future::ready(())
    }
    #[inline]
    fn now(&self) -> Instant {
        NoSleep.now()
    }
}

/// Polls `fut` once with a no-op waker: the benchmarks' executor, for futures that never
/// wait (the operation succeeds at once, the stubbed sleeper returns at once).
///
/// # Panics
/// If `fut` is pending.
#[inline(always)]
pub fn poll_once<F: Future>(fut: F) -> F::Output {
    let fut = pin!(fut);
    match fut.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a benchmarked future waited"),
    }
}

/// Polls `fut` to completion with a no-op waker, for futures that are only ever pending
/// for a moment ([`YieldOnce`], a stubbed sleeper).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Runs each retry path once, so that the thread's generators (`rand`'s, which the
/// hand-written loop uses, and the runtime's) are seeded before any timing starts: the
/// first draw on a thread reads the OS's entropy, and divan sizes its samples from the
/// first runs.
pub fn warm_up() {
    let left = Cell::new(1);
    let _ = block_on(hand_loop_flaky(&left));
    left.set(1);
    let _ = block_on(retry_flaky(&left));
}

/// The loop a user would write by hand for the same policy: the jitter from the thread's
/// generator, as `rand` recommends, and the sleep from `sleeper`.
pub async fn hand_loop<Z, F, Fut>(sleeper: Z, mut attempt: F) -> Result<u64, LlmError>
where
    Z: AsyncSleep,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, LlmError>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(LlmError::RateLimit | LlmError::Overload) if n < ATTEMPTS => {
                let base = INITIAL.saturating_mul(1 << (n - 1)).min(MAX);
                let jitter = Duration::from_nanos(rand::rng().random_range(0..=JITTER_NANOS));
                sleeper.sleep(base.saturating_add(jitter).min(MAX)).await;
                n += 1;
            }
            outcome => return outcome,
        }
    }
}

/// [`op`] under the hand-written loop, on tokio's timer.
pub async fn hand_loop_op(x: u64) -> Result<u64, LlmError> {
    hand_loop(DefaultSleep, || op(x)).await
}

/// [`flaky`] under the hand-written loop, with the sleeper stubbed out.
pub async fn hand_loop_flaky(failures_left: &Cell<u32>) -> Result<u64, LlmError> {
    hand_loop(StubSleep, || flaky(failures_left)).await
}

/// [`op`] under the design card's attribute.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
pub async fn retry_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}

/// [`flaky`] under the design card's attribute, with the sleeper stubbed out.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, sleeper = StubSleep)]
pub async fn retry_flaky(failures_left: &Cell<u32>) -> Result<u64, LlmError> {
    flaky(failures_left).await
}

/// The design card's policy as a value: what [`RetryPolicy::retry`](retry_runtime::RetryPolicy::retry)
/// and `retry_blocking` are measured with.
///
/// # Panics
/// Never: the policy is valid.
pub fn card_policy()
-> retry_runtime::RetryPolicy<retry_runtime::stop::Attempts, retry_runtime::wait::ExpJitter, fn(&LlmError) -> bool> {
    RetryPolicy::builder()
        .stop(retry_runtime::stop::attempts(ATTEMPTS))
        .wait(retry_runtime::wait::exp_jitter(INITIAL, MAX, Duration::from_nanos(JITTER_NANOS)))
        .when(transient as fn(&LlmError) -> bool)
        .build()
        .expect("a valid policy")
}

fn transient(e: &LlmError) -> bool {
    matches!(e, LlmError::RateLimit | LlmError::Overload)
}

/// A breaker that stays closed in the benchmarks: every call succeeds.
pub static CLOSED: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));
/// A breaker opened by [`open_breakers`], for an hour.
pub static OPEN: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(3600));
/// A breaker held open by hand by [`open_breakers`].
pub static ISOLATED: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(3600));

/// Opens [`OPEN`] with a failure and isolates [`ISOLATED`].
///
/// # Panics
/// If [`OPEN`] is isolated or half-open already.
pub fn open_breakers() {
    let now = Instant::now();
    if OPEN.state() == retry_runtime::BreakerState::Closed {
        OPEN.try_acquire(now).expect("a closed breaker").failure(now);
    }
    ISOLATED.isolate();
}
/// The AWS SDKs' standard retry budget.
pub static BUDGET: RetryBudget = RetryBudget::aws_standard();

/// [`op`] under the attribute, guarded by a closed breaker and a retry budget.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, breaker = CLOSED, budget = BUDGET)]
pub async fn guarded_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}

/// [`op`] under the attribute behind [`OPEN`]; `runs` counts the attempts that ran.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, breaker = OPEN)]
pub async fn refused_op(x: u64, runs: &Cell<u32>) -> Result<u64, LlmError> {
    runs.set(runs.get() + 1);
    op(x).await
}

/// [`op`] under the attribute behind [`ISOLATED`]; `runs` counts the attempts that ran.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, breaker = ISOLATED)]
pub async fn isolated_op(x: u64, runs: &Cell<u32>) -> Result<u64, LlmError> {
    runs.set(runs.get() + 1);
    op(x).await
}

/// The annotated function and the hand-written loop over [`sized`]`::<N>`, for the
/// future-size tests.
macro_rules! sized_pair {
    ($($retried:ident, $hand:ident, $n:literal;)*) => {$(
        #[doc = concat!("[`sized`]`::<", stringify!($n), ">` under the attribute.")]
        #[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
        pub async fn $retried(x: u64) -> Result<u64, LlmError> {
            sized::<$n>(x).await
        }

        #[doc = concat!("[`sized`]`::<", stringify!($n), ">` under the hand-written loop.")]
        pub async fn $hand(x: u64) -> Result<u64, LlmError> {
            hand_loop(DefaultSleep, || sized::<$n>(x)).await
        }
    )*};
}

sized_pair! {
    retry_sized_64, hand_loop_sized_64, 48;
    retry_sized_1k, hand_loop_sized_1k, 1008;
    retry_sized_8k, hand_loop_sized_8k, 8176;
}

/// An adaptive limiter before any throttle, and a fixed one whose quota is never used up:
/// both always have room, so the benchmarks measure the first-try path.
pub static ADAPTIVE: retry_runtime::RateLimiter = retry_runtime::RateLimiter::adaptive();
/// See [`ADAPTIVE`].
pub static FIXED: retry_runtime::RateLimiter = retry_runtime::RateLimiter::per_second(u32::MAX);

/// One attempt's traffic shaping with room: a permit before, its outcome after.
pub fn shaped(limiter: &retry_runtime::RateLimiter) {
    let permit = poll_once(limiter.acquire(None)).expect("room");
    permit.record(retry_runtime::limiter::Outcome::Success);
}

/// [`op`] under the design card's attribute, paced by [`FIXED`]: the first-try path of
/// `limiter = NAME` with room.
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, limiter = FIXED)]
pub async fn limited_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}

/// [`op`] under the design card's attribute, hedged after 1 s: what a first-try success
/// costs with `hedge` (the round's timer, its one boxed attempt), polled inside a tokio
/// runtime (the timer is tokio's).
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, hedge = after(1s))]
pub async fn hedged_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}

/// [`card_policy`], hedged after 1 s, for the value form's first try with `hedge`.
pub fn hedged_card_policy()
-> retry_runtime::RetryPolicy<retry_runtime::stop::Attempts, retry_runtime::wait::ExpJitter, fn(&LlmError) -> bool> {
    card_policy()
        .into_builder()
        .hedge(retry_runtime::Hedge::after(Duration::from_secs(1)))
        .build()
        .expect("a valid policy")
}

/// The same, paced by [`ADAPTIVE`].
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload, limiter = ADAPTIVE)]
pub async fn adaptive_limited_op(x: u64) -> Result<u64, LlmError> {
    op(x).await
}
