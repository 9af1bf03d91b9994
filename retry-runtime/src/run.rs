//! [`RetryPolicy::retry`] and [`RetryPolicy::retry_blocking`]: the loops that drive a
//! [`Call`] without the macro, as the `#[retry]` expansion drives it with one.

use core::fmt;
use core::future::Future;

use crate::call::{Admit, ByDebug, Call, Kept, Next};
use crate::guards::{BreakerGuard, BudgetGuard};
use crate::hooks::Hook;
use crate::policy::Spelled;
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::shaping::{BulkheadGuard, LimiterGuard, Unshaped};
use crate::sleep::{AsyncSleep, BlockingSleep};
use crate::stop::Stop;
use crate::timeout::{AttemptTimeout, Blocking};
use crate::wait::Wait;

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
    /// Runs `op` until it succeeds, returns an error the policy does not retry, or the
    /// policy gives up; returns the last outcome unchanged.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::fixed};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(3))
    ///     .wait(fixed(Duration::from_secs(2)))
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// let out: Result<(), &str> = policy.retry(|| async { Err("down") }).await;
    /// assert_eq!(out, Err("down"));
    /// assert_eq!(start.elapsed(), Duration::from_secs(4)); // two sleeps, on the paused clock
    /// # }
    /// ```
    pub async fn retry<T, E, Op, Fut>(&self, mut op: Op) -> Result<T, E>
    where
        Op: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: fmt::Debug,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: AsyncSleep,
        O: AttemptTimeout<E>,
        K: BreakerGuard<E>,
        U: BudgetGuard,
        R: LimiterGuard<E>,
        Q: BulkheadGuard<E>,
    {
        let mut call = Call::new(self, <Z as AsyncSleep>::now, ByDebug, Kept::default());
        loop {
            let next = match call.before_attempt() {
                // Boxed, so that a policy without a hedge keeps its future's size.
                Admit::Run if call.hedging() => Box::pin(call.hedged(|_| op())).await,
                Admit::Run if !R::ACTIVE && !Q::ACTIVE => {
                    let outcome = call.run(call.attempt_timeout(), op()).await;
                    call.after(outcome)
                }
                Admit::Run => match call.shape().await {
                    Ok(shaped) => {
                        let outcome = call.run(call.attempt_timeout(), op()).await;
                        call.release_shaped(shaped, &outcome);
                        call.after(outcome)
                    }
                    Err(error) => Next::GiveUp(call.shaping_refused(error)),
                },
                Admit::Refused(error) => Next::GiveUp(call.refused(error)),
            };
            match next {
                Next::Return(outcome) | Next::GiveUp(outcome) => return outcome,
                Next::Again => {}
                Next::Sleep(delay) => call.sleep_async(delay).await,
                Next::SleepThenCheck(delay, last) => {
                    call.sleep_async(delay).await;
                    if let Some(outcome) = call.woke(last) {
                        return outcome;
                    }
                }
            }
        }
    }

    /// [`retry`](Self::retry) for blocking code: sleeps with the sleeper's
    /// [`BlockingSleep`] (the thread, by default).
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::none};
    /// let policy = RetryPolicy::builder().stop(attempts(4)).wait(none()).build().unwrap();
    /// let mut n = 0;
    /// let out: Result<u32, String> = policy.retry_blocking(|| {
    ///     n += 1;
    ///     if n < 4 { Err(format!("try {n}")) } else { Ok(n) }
    /// });
    /// assert_eq!(out, Ok(4));
    /// ```
    #[inline]
    pub fn retry_blocking<T, E, Op>(&self, mut op: Op) -> Result<T, E>
    where
        Op: FnMut() -> Result<T, E>,
        E: fmt::Debug,
        S: Stop,
        W: Wait,
        P: RetryError<E>,
        V: RetryValue<T>,
        A: ServerDelay<E>,
        B: Hook<T, E>,
        F: Hook<T, E>,
        L: Hook<T, E>,
        G: Hook<T, E>,
        Z: BlockingSleep,
        O: Blocking,
        K: BreakerGuard<E>,
        U: BudgetGuard,
        R: Unshaped,
        Q: Unshaped,
    {
        let mut call = Call::new(self, <Z as BlockingSleep>::now, ByDebug, Kept::default());
        loop {
            let next = match call.before_attempt() {
                Admit::Run => {
                    let outcome = call.run_blocking(&mut op);
                    call.after(outcome)
                }
                Admit::Refused(error) => Next::GiveUp(call.refused(error)),
            };
            match next {
                Next::Return(outcome) | Next::GiveUp(outcome) => return outcome,
                Next::Again => {}
                Next::Sleep(delay) => call.sleep_blocking(delay),
                Next::SleepThenCheck(delay, last) => {
                    call.sleep_blocking(delay);
                    if let Some(outcome) = call.woke(last) {
                        return outcome;
                    }
                }
            }
        }
    }
}
