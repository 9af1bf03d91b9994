//! [`Bulkhead`]: a bound on how many attempts run at once against one dependency,
//! with a bounded queue and a bounded wait for the others.
//!
//! The permits are a tokio [`Semaphore`] (`Semaphore::const_new`, so a bulkhead can be a
//! `static`): fair, first come first served, and cancel-safe. A dropped wait leaves the
//! queue, and a dropped [`BulkheadPermit`] gives its place back.
//!
//! Needs the `tokio` feature.

use core::fmt;
use core::time::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::{Semaphore, SemaphorePermit};

/// At most `max_concurrent` attempts at once; others wait in a queue of bounded length for
/// a bounded time, or are refused with [`BulkheadFull`] (`bulkhead = NAME`).
///
/// Needs the `tokio` feature.
///
/// # Default
/// No queue: an attempt that finds every place taken is refused at once (Polly v8's
/// concurrency limiter, `QueueLimit = 0`). With a queue, a wait is bounded by the caller's
/// deadline and by [`with_max_wait`](Self::with_max_wait) (unbounded by default).
///
/// ```
/// use retry_runtime::bulkhead::Bulkhead;
/// use std::time::Duration;
///
/// static DATABASE: Bulkhead = Bulkhead::new(2).with_queue(8).with_max_wait(Duration::from_secs(1));
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), retry_runtime::bulkhead::BulkheadFull> {
/// let a = DATABASE.acquire(None).await?;
/// let b = DATABASE.acquire(None).await?;
/// assert_eq!(DATABASE.available(), 0);
/// let start = tokio::time::Instant::now();
/// assert!(DATABASE.acquire(None).await.is_err(), "queued for a second, then refused");
/// assert_eq!(start.elapsed(), Duration::from_secs(1));
/// drop((a, b));
/// assert_eq!(DATABASE.available(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub struct Bulkhead {
    permits: Semaphore,
    max_concurrent: usize,
    queue: usize,
    max_wait: Option<Duration>,
    waiting: AtomicUsize,
}

impl Bulkhead {
    /// Lets `max_concurrent` attempts run at once, with no queue.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// static POOL: Bulkhead = Bulkhead::new(16);
    /// assert_eq!(POOL.available(), 16);
    /// ```
    pub const fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Semaphore::const_new(max_concurrent),
            max_concurrent,
            queue: 0,
            max_wait: None,
            waiting: AtomicUsize::new(0),
        }
    }

    /// Lets up to `waiting` attempts wait for a place; more are refused at once.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// static POOL: Bulkhead = Bulkhead::new(4).with_queue(100);
    /// # let _ = &POOL;
    /// ```
    #[must_use]
    pub const fn with_queue(mut self, waiting: usize) -> Self {
        self.queue = waiting;
        self
    }

    /// Refuses a queued attempt that has waited `max_wait` without a place.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// use std::time::Duration;
    /// static POOL: Bulkhead = Bulkhead::new(4).with_queue(100).with_max_wait(Duration::from_millis(250));
    /// # let _ = &POOL;
    /// ```
    #[must_use]
    pub const fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// Places free now.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// let bulkhead = Bulkhead::new(1);
    /// let permit = bulkhead.try_acquire().unwrap();
    /// assert_eq!(bulkhead.available(), 0);
    /// drop(permit);
    /// assert_eq!(bulkhead.available(), 1);
    /// ```
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// The bound it was built with.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// assert_eq!(Bulkhead::new(3).max_concurrent(), 3);
    /// ```
    pub const fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// A place now, without waiting (and without passing attempts already queued).
    ///
    /// # Errors
    /// [`BulkheadFull`] when every place is taken or others are queued for one.
    ///
    /// ```
    /// use retry_runtime::bulkhead::{Bulkhead, BulkheadFull};
    /// let bulkhead = Bulkhead::new(1);
    /// let _held = bulkhead.try_acquire()?;
    /// assert_eq!(bulkhead.try_acquire().unwrap_err(), BulkheadFull);
    /// # Ok::<(), BulkheadFull>(())
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Result<BulkheadPermit<'_>, BulkheadFull> {
        self.permits.try_acquire().map(|permit| BulkheadPermit { _permit: permit }).map_err(|_| BulkheadFull)
    }

    /// A place for one attempt: at once if one is free, else after waiting in the queue,
    /// never past `deadline` (on tokio's clock, as the default sleeper reads it) nor longer
    /// than [`with_max_wait`](Self::with_max_wait).
    ///
    /// # Errors
    /// [`BulkheadFull`] at once when the queue is full, or when the wait reaches its bound.
    ///
    /// # Cancellation
    /// Dropping the future leaves the queue; it holds no place.
    ///
    /// ```
    /// use retry_runtime::bulkhead::Bulkhead;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let bulkhead = Bulkhead::new(1).with_queue(1);
    /// let held = bulkhead.acquire(None).await.unwrap();
    /// let deadline = tokio::time::Instant::now().into_std() + Duration::from_millis(300);
    /// assert!(bulkhead.acquire(Some(deadline)).await.is_err());
    /// drop(held);
    /// assert!(bulkhead.acquire(None).await.is_ok());
    /// # }
    /// ```
    pub async fn acquire(&self, deadline: Option<Instant>) -> Result<BulkheadPermit<'_>, BulkheadFull> {
        if let Ok(permit) = self.try_acquire() {
            return Ok(permit);
        }
        let _queued = Queued::join(&self.waiting, self.queue)?;
        let now = tokio::time::Instant::now();
        let by_wait = self.max_wait.map(|wait| now + wait);
        let by_deadline = deadline.map(tokio::time::Instant::from_std);
        let limit = match (by_wait, by_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = self.permits.acquire();
        let permit = match limit {
            None => wait.await,
            Some(at) => tokio::time::timeout_at(at, wait).await.map_err(|_| BulkheadFull)?,
        };
        // The semaphore is never closed.
        permit.map(|permit| BulkheadPermit { _permit: permit }).map_err(|_| BulkheadFull)
    }
}

/// A place in the queue, left when dropped.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(waiting: &'a AtomicUsize, bound: usize) -> Result<Self, BulkheadFull> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < bound).then_some(n + 1))
            .map(|_| Self(waiting))
            .map_err(|_| BulkheadFull)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A place in a [`Bulkhead`], given back when dropped (including when the attempt's future
/// is cancelled).
///
/// Needs the `tokio` feature.
///
/// ```
/// use retry_runtime::bulkhead::Bulkhead;
/// let bulkhead = Bulkhead::new(1);
/// {
///     let _permit = bulkhead.try_acquire().unwrap();
///     assert!(bulkhead.try_acquire().is_err());
/// }
/// assert!(bulkhead.try_acquire().is_ok());
/// ```
#[derive(Debug)]
#[must_use = "the place is given back as soon as the permit is dropped"]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub struct BulkheadPermit<'a> {
    _permit: SemaphorePermit<'a>,
}

/// The refusal of a [`Bulkhead`]: every place was taken and the queue full, or the wait
/// reached its bound. The attempt did not run. A function with `bulkhead = NAME` returns it
/// as `E::from(BulkheadFull)`.
///
/// Needs the `tokio` feature.
///
/// ```
/// use retry_runtime::bulkhead::BulkheadFull;
/// assert_eq!(BulkheadFull.to_string(), "bulkhead is full");
/// let _: &dyn std::error::Error = &BulkheadFull;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub struct BulkheadFull;

impl fmt::Display for BulkheadFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bulkhead is full")
    }
}

impl std::error::Error for BulkheadFull {}
