//! How the loop waits, and the clock that time-based stops read.
//!
//! Elapsed time, deadlines and delays all come from the sleeper, so under
//! `#[tokio::test(start_paused = true)]` a whole retry schedule runs on tokio's paused clock
//! and no test sleeps for real. A zero delay never reaches the sleeper: no timer is
//! registered for it.

use core::future::Future;
use core::time::Duration;
use std::time::Instant;

pub use crate::timeout::Execution;

/// Sleeps asynchronously and tells the time on the same clock.
///
/// ```
/// use retry_runtime::sleep::AsyncSleep;
/// use std::{future::Ready, time::{Duration, Instant}};
///
/// /// Never waits: measures only the retry bookkeeping.
/// struct Skip;
/// impl AsyncSleep for Skip {
///     type Sleep = Ready<()>;
///     fn sleep(&self, _: Duration) -> Ready<()> { std::future::ready(()) }
///     fn now(&self) -> Instant { Instant::now() }
/// }
/// ```
pub trait AsyncSleep {
    /// The future a sleep returns.
    type Sleep: Future<Output = ()>;
    /// Waits for `delay` (never called with zero).
    fn sleep(&self, delay: Duration) -> Self::Sleep;
    /// The current time on this sleeper's clock.
    fn now(&self) -> Instant;
}

/// Sleeps by blocking the thread, and tells the time on the same clock.
///
/// ```
/// use retry_runtime::sleep::{BlockingSleep, ThreadSleep};
/// use std::time::Duration;
/// let before = ThreadSleep.now();
/// ThreadSleep.sleep(Duration::from_millis(1));
/// assert!(ThreadSleep.now() >= before + Duration::from_millis(1));
/// ```
pub trait BlockingSleep {
    /// Blocks for `delay` (never called with zero).
    fn sleep(&self, delay: Duration);
    /// The current time on this sleeper's clock.
    fn now(&self) -> Instant;
}

/// `std::thread::sleep` on `std::time::Instant`: the sleeper of plain `fn`s.
///
/// ```
/// use retry_runtime::sleep::{BlockingSleep, ThreadSleep};
/// ThreadSleep.sleep(std::time::Duration::from_micros(10));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadSleep;

impl BlockingSleep for ThreadSleep {
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay);
    }
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// `tokio::time::sleep` on tokio's clock (which a paused test clock controls).
///
/// Needs the `tokio` feature.
///
/// ```
/// use retry_runtime::sleep::{AsyncSleep, TokioSleep};
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let before = TokioSleep.now();
/// TokioSleep.sleep(Duration::from_secs(3600)).await; // instant: the clock is paused
/// assert_eq!(TokioSleep.now() - before, Duration::from_secs(3600));
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub struct TokioSleep;

/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl AsyncSleep for TokioSleep {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        tokio::time::sleep(delay)
    }
    #[inline]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// Never waits, on the real clock: for benchmarks that measure only the bookkeeping, and
/// for tests that count attempts and do not care about time.
///
/// ```
/// use retry_runtime::sleep::{BlockingSleep, NoSleep};
/// NoSleep.sleep(std::time::Duration::from_secs(3600)); // returns at once
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoSleep;

impl AsyncSleep for NoSleep {
    type Sleep = core::future::Ready<()>;
    #[inline]
    fn sleep(&self, _: Duration) -> Self::Sleep {
        core::future::ready(())
    }
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }
}

impl BlockingSleep for NoSleep {
    #[inline]
    fn sleep(&self, _: Duration) {}
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The default sleeper: [`TokioSleep`] for async code (with the `tokio` feature) and
/// [`ThreadSleep`] for blocking code.
///
/// # Default
/// Every policy and every `#[retry]` uses it unless given another.
///
/// ```
/// use retry_runtime::sleep::{BlockingSleep, DefaultSleep};
/// DefaultSleep.sleep(std::time::Duration::from_micros(1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultSleep;

/// Needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl AsyncSleep for DefaultSleep {
    type Sleep = tokio::time::Sleep;
    #[inline]
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        TokioSleep.sleep(delay)
    }
    #[inline]
    fn now(&self) -> Instant {
        TokioSleep.now()
    }
}

impl BlockingSleep for DefaultSleep {
    #[inline]
    fn sleep(&self, delay: Duration) {
        ThreadSleep.sleep(delay);
    }
    #[inline]
    fn now(&self) -> Instant {
        ThreadSleep.now()
    }
}

impl<S: AsyncSleep + ?Sized> AsyncSleep for &S {
    type Sleep = S::Sleep;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        (**self).sleep(delay)
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

impl<S: BlockingSleep + ?Sized> BlockingSleep for &S {
    fn sleep(&self, delay: Duration) {
        (**self).sleep(delay)
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}
