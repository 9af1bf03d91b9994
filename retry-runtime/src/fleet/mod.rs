//! Past one machine: a circuit breaker, a retry budget and a rate limiter whose state
//! every process of an application shares through Redis. Needs the `redis` feature.
//!
//! A [`Fleet`] is one connection to Redis under one namespace, and one background task.
//! Each shared guard is a `static` like its local form, [joined](FleetBreaker::join) to the
//! fleet at start-up, and plugs into the same keys: `breaker = NAME`, `budget = NAME`,
//! `limiter = NAME`, or the builder's `.breaker(&B)`, `.budget(&B)`, `.limiter(&L)`.
//!
//! | guard | what is shared | what stays local |
//! |---|---|---|
//! | [`FleetBreaker`] | the open-until time (only ever raised), the half-open probe permits | the failure window that decides to open |
//! | [`FleetBudget`] | the bucket's tokens, lent to each process in small leases | the lease being spent |
//! | [`FleetLimiter`] | GCRA's theoretical arrival time, and the provider's requests window | the few cells of its lease, taken from the shared pace |
//!
//! # Redis is off the hot path
//! Local state decides every call. The background task refreshes what the others did (every
//! [`refresh`](FleetOptions::with_refresh), 500 ms by default) and writes what this process
//! did, batched: one script a guard a round. A first try that succeeds on a healthy
//! provider with a shared breaker and budget sends nothing to Redis and waits on nothing:
//! it costs 47 instructions more than with the local guards (callgrind, BENCHMARKS.md).
//! A shared limiter's attempt spends a cell its process holds; it asks Redis on the
//! attempt's path, within the store's bound, only when its lease is spent before the round
//! has topped it up, or the fleet's pace has no cell to give.
//!
//! # When the store is down, slow or answers garbage
//! Every Redis operation is bounded by [`store_timeout`](FleetOptions::with_store_timeout)
//! (50 ms by default); none runs on a call's path except a limiter's whose lease is spent,
//! which then paces by its local form. A failure emits one `WARN` event (target `retry`, field `namespace`,
//! "fleet store unreachable"), and its return one `INFO` event; the background task tries
//! again each round, and the connection manager reconnects on that try, off the calls' path. Meanwhile each guard
//! goes on with its local state: **fail open to local state**. The reason: the shared
//! state only makes the fleet stricter together (one process's opening refuses everywhere,
//! one bucket for all); refusing every call because the coordinator is away would turn a
//! Redis outage into an outage of every dependency behind it, which is the failure these
//! guards exist to prevent. Each process is then as protected as it would be alone.
//!
//! What was done meanwhile is not lost: an opening is published when the store returns
//! (the open-until time only rises, so a late write cannot shorten another's); the budget's
//! deposits wait in a counter, and what the process paid from its local bucket is charged
//! to the shared one; a request whose reply was lost is sent again with its sequence number,
//! and the script applies it once.
//!
//! ```
//! use retry_runtime::fleet::{Fleet, FleetBreaker, FleetBudget};
//! use retry_runtime::{CircuitBreaker, RetryBudget};
//! use std::time::Duration;
//!
//! static PROVIDER_A: FleetBreaker =
//!     FleetBreaker::new("provider-a", CircuitBreaker::consecutive(5, Duration::from_secs(30)));
//! static BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::aws_standard());
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), retry_runtime::fleet::FleetError> {
//! let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-fleet-module")?;
//! PROVIDER_A.join(&fleet)?;
//! BUDGET.join(&fleet)?;
//! fleet.sync().await?; // the first lease of tokens, the fleet's open state
//! assert!(fleet.is_store_up());
//! fleet.shutdown().await; // gives the unspent lease back
//! # Ok(()) }
//! ```

mod breaker;
mod budget;
mod limiter;
mod store;

use core::fmt;
use core::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

pub use breaker::{FleetBreaker, FleetBreakerPermit};
pub use budget::FleetBudget;
pub use limiter::{FleetLimiter, FleetRatePermit};
use store::Store;

/// How a [`Fleet`] talks to Redis. Needs the `redis` feature.
///
/// # Default
/// Refresh every 500 ms, no Redis operation longer than 50 ms, a half-open probe permit
/// held at most 10 s, idle keys kept 10 minutes, budget leases of 4 retries, limiter leases
/// of 4 cells.
///
/// ```
/// use retry_runtime::fleet::FleetOptions;
/// use std::time::Duration;
/// let options = FleetOptions::new().with_refresh(Duration::from_millis(200));
/// assert_eq!(options.refresh(), Duration::from_millis(200));
/// assert_eq!(options.store_timeout(), Duration::from_millis(50));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetOptions {
    refresh: Duration,
    store_timeout: Duration,
    probe_ttl: Duration,
    key_ttl: Duration,
    lease_retries: u32,
    lease_cells: u32,
}

impl Default for FleetOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl FleetOptions {
    /// The defaults (see [`FleetOptions`]).
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new(), FleetOptions::default());
    /// ```
    pub const fn new() -> Self {
        Self {
            refresh: Duration::from_millis(500),
            store_timeout: Duration::from_millis(50),
            probe_ttl: Duration::from_secs(10),
            key_ttl: Duration::from_secs(600),
            lease_retries: 4,
            lease_cells: 4,
        }
    }

    /// How often the background task reads what the other processes did and writes what
    /// this one did: the longest a shared read is cached. A guard's own news (an opening, a
    /// lease running low) wakes the task at once.
    ///
    /// # Default
    /// 500 ms.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// use std::time::Duration;
    /// assert_eq!(FleetOptions::new().with_refresh(Duration::from_secs(1)).refresh(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub const fn with_refresh(mut self, refresh: Duration) -> Self {
        self.refresh = refresh;
        self
    }

    /// The longest any Redis operation may take (connecting included) before the store
    /// counts as down for it.
    ///
    /// # Default
    /// 50 ms.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// use std::time::Duration;
    /// let options = FleetOptions::new().with_store_timeout(Duration::from_millis(20));
    /// assert_eq!(options.store_timeout(), Duration::from_millis(20));
    /// ```
    #[must_use]
    pub const fn with_store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// How long a half-open probe permit is held in Redis at most: a process that dies while
    /// probing frees its permit after this.
    ///
    /// # Default
    /// 10 s.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// use std::time::Duration;
    /// assert_eq!(FleetOptions::new().with_probe_ttl(Duration::from_secs(3)).probe_ttl(), Duration::from_secs(3));
    /// ```
    #[must_use]
    pub const fn with_probe_ttl(mut self, ttl: Duration) -> Self {
        self.probe_ttl = ttl;
        self
    }

    /// How long a key outlives its last use: a budget's bucket and leases, a limiter's
    /// arrival time, a breaker's open-until time past its end. A process that stops
    /// renewing its budget lease gets it refunded to the bucket after this too.
    ///
    /// # Default
    /// 10 minutes.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// use std::time::Duration;
    /// assert_eq!(FleetOptions::new().with_key_ttl(Duration::from_secs(5)).key_ttl(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub const fn with_key_ttl(mut self, ttl: Duration) -> Self {
        self.key_ttl = ttl;
        self
    }

    /// How many retries' worth of tokens a process borrows from a shared budget at a time
    /// (it holds at most twice that).
    ///
    /// # Default
    /// 4.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().with_lease_retries(1).lease_retries(), 1);
    /// ```
    #[must_use]
    pub const fn with_lease_retries(mut self, retries: u32) -> Self {
        self.lease_retries = retries;
        self
    }

    /// How many of a [`FleetLimiter`]'s cells a process takes from the fleet's pace at a time
    /// and holds, so that an attempt with a cell in hand does not wait on Redis. At most a
    /// quarter of the limiter's burst (at least 1); 0 takes one cell per attempt, each
    /// asked of Redis on the attempt's path.
    ///
    /// # Default
    /// 4.
    ///
    /// ```
    /// use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().with_limiter_lease(0).limiter_lease(), 0);
    /// ```
    #[must_use]
    pub const fn with_limiter_lease(mut self, cells: u32) -> Self {
        self.lease_cells = cells;
        self
    }

    /// See [`with_limiter_lease`](Self::with_limiter_lease).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().limiter_lease(), 4);
    /// ```
    pub const fn limiter_lease(&self) -> u32 {
        self.lease_cells
    }

    /// See [`with_refresh`](Self::with_refresh).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().refresh().as_millis(), 500);
    /// ```
    pub const fn refresh(&self) -> Duration {
        self.refresh
    }

    /// See [`with_store_timeout`](Self::with_store_timeout).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().store_timeout().as_millis(), 50);
    /// ```
    pub const fn store_timeout(&self) -> Duration {
        self.store_timeout
    }

    /// See [`with_probe_ttl`](Self::with_probe_ttl).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().probe_ttl().as_secs(), 10);
    /// ```
    pub const fn probe_ttl(&self) -> Duration {
        self.probe_ttl
    }

    /// See [`with_key_ttl`](Self::with_key_ttl).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().key_ttl().as_secs(), 600);
    /// ```
    pub const fn key_ttl(&self) -> Duration {
        self.key_ttl
    }

    /// See [`with_lease_retries`](Self::with_lease_retries).
    ///
    /// ```
    /// # use retry_runtime::fleet::FleetOptions;
    /// assert_eq!(FleetOptions::new().lease_retries(), 4);
    /// ```
    pub const fn lease_retries(&self) -> u32 {
        self.lease_retries
    }
}

/// Why a [`Fleet`] could not be made, a guard not joined, or a round of
/// [`sync`](Fleet::sync) not finished. Needs the `redis` feature.
///
/// ```
/// use retry_runtime::fleet::{Fleet, FleetError};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let err = Fleet::connect("http://nowhere", "app").unwrap_err();
/// assert!(matches!(err, FleetError::Url(_)));
/// assert!(err.to_string().starts_with("bad Redis URL"));
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FleetError {
    /// The URL is not one the Redis client can connect to.
    Url(String),
    /// A namespace or guard name that is empty, longer than 200 bytes, or holds whitespace
    /// or control characters (it is part of every key).
    Name(String),
    /// [`Fleet::connect`] was called outside a tokio runtime: the fleet's task needs one.
    NoRuntime,
    /// The guard has joined a fleet already.
    AlreadyJoined(&'static str),
    /// The store did not answer in time, or answered with an error.
    Store(String),
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(why) => write!(f, "bad Redis URL: {why}"),
            Self::Name(why) => write!(f, "bad fleet name: {why}"),
            Self::NoRuntime => f.write_str("a fleet must be connected inside a tokio runtime"),
            Self::AlreadyJoined(name) => write!(f, "`{name}` has joined a fleet already"),
            Self::Store(why) => write!(f, "fleet store: {why}"),
        }
    }
}

impl std::error::Error for FleetError {}

/// One application's shared state in Redis: a connection, a namespace that every key
/// starts with, and the background task that keeps the joined guards in step.
/// Needs the `redis` feature.
///
/// Cheap to clone (one `Arc`). The task runs until [`shutdown`](Self::shutdown) or the
/// end of the runtime.
///
/// ```
/// use retry_runtime::fleet::{Fleet, FleetOptions};
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), retry_runtime::fleet::FleetError> {
/// let options = FleetOptions::new().with_refresh(Duration::from_millis(250));
/// let fleet = Fleet::connect_with("redis://127.0.0.1:6379", "doc-fleet", options)?;
/// assert_eq!(fleet.namespace(), "doc-fleet");
/// fleet.sync().await?;
/// fleet.shutdown().await;
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

/// What the handle, the task and every joined guard share.
pub(crate) struct Inner {
    pub(crate) namespace: String,
    /// This process's name in the budget's leases.
    pub(crate) process: String,
    pub(crate) options: FleetOptions,
    pub(crate) store: Store,
    members: Mutex<Members>,
    wake: tokio::sync::Notify,
    stopped: AtomicBool,
    /// Serialises rounds: the task's and [`Fleet::sync`]'s.
    round: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Members {
    breakers: Vec<&'static FleetBreaker>,
    budgets: Vec<&'static FleetBudget>,
    limiters: Vec<&'static FleetLimiter>,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("namespace", &self.inner.namespace)
            .field("options", &self.inner.options)
            .field("store_up", &self.inner.store.is_up())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// Connects to Redis at `url` (`redis://host:port/db`) under `namespace`, with the
    /// default [`FleetOptions`]. The connection is made in the background: this never
    /// waits on Redis, and a store that is down now is reported by an event and tried again.
    ///
    /// # Errors
    /// [`FleetError::Url`] for a URL the client cannot use, [`FleetError::Name`] for an
    /// empty namespace or one with whitespace, [`FleetError::NoRuntime`] outside tokio.
    ///
    /// ```
    /// use retry_runtime::fleet::{Fleet, FleetError};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(Fleet::connect("redis://127.0.0.1:6379", "app").is_ok());
    /// assert!(matches!(Fleet::connect("redis://127.0.0.1:6379", "my app"), Err(FleetError::Name(_))));
    /// # }
    /// ```
    pub fn connect(url: &str, namespace: &str) -> Result<Self, FleetError> {
        Self::connect_with(url, namespace, FleetOptions::new())
    }

    /// [`connect`](Self::connect) with `options`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    ///
    /// ```
    /// use retry_runtime::fleet::{Fleet, FleetOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect_with("redis://127.0.0.1:6379", "app", FleetOptions::new()).unwrap();
    /// assert_eq!(fleet.options(), FleetOptions::new());
    /// # }
    /// ```
    pub fn connect_with(url: &str, namespace: &str, options: FleetOptions) -> Result<Self, FleetError> {
        check_name(namespace, "namespace")?;
        // A zero refresh would run rounds back to back, a zero timeout would fail them all.
        let floor = Duration::from_millis(1);
        let options =
            options.with_refresh(options.refresh.max(floor)).with_store_timeout(options.store_timeout.max(floor));
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| FleetError::NoRuntime)?;
        let store = Store::open(url, namespace, options.store_timeout)?;
        let inner = Arc::new(Inner {
            namespace: namespace.to_owned(),
            process: process_name(),
            options,
            store,
            members: Mutex::new(Members::default()),
            wake: tokio::sync::Notify::new(),
            stopped: AtomicBool::new(false),
            round: tokio::sync::Mutex::new(()),
        });
        runtime.spawn(run(Arc::clone(&inner)));
        Ok(Self { inner })
    }

    /// The namespace every key of this fleet starts with.
    ///
    /// ```
    /// # use retry_runtime::fleet::Fleet;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert_eq!(Fleet::connect("redis://127.0.0.1:6379", "app").unwrap().namespace(), "app");
    /// # }
    /// ```
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// The options it was connected with.
    ///
    /// ```
    /// # use retry_runtime::fleet::{Fleet, FleetOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert_eq!(Fleet::connect("redis://127.0.0.1:6379", "app").unwrap().options(), FleetOptions::new());
    /// # }
    /// ```
    pub fn options(&self) -> FleetOptions {
        self.inner.options
    }

    /// Whether the last Redis operation succeeded (`true` before the first).
    ///
    /// ```
    /// # use retry_runtime::fleet::Fleet;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "app").unwrap();
    /// fleet.sync().await.unwrap();
    /// assert!(fleet.is_store_up());
    /// # }
    /// ```
    pub fn is_store_up(&self) -> bool {
        self.inner.store.is_up()
    }

    /// Runs one round now, as the background task does each
    /// [`refresh`](FleetOptions::with_refresh): reads the shared state of every joined
    /// guard and writes this process's news.
    ///
    /// # Errors
    /// [`FleetError::Store`] if any of the round's operations failed; what it had to write
    /// is kept for the next round.
    ///
    /// ```
    /// # use retry_runtime::fleet::{Fleet, FleetError};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:1", "app").unwrap(); // nothing listens there
    /// assert!(matches!(fleet.sync().await, Ok(()) | Err(FleetError::Store(_))));
    /// # }
    /// ```
    pub async fn sync(&self) -> Result<(), FleetError> {
        self.inner.round(false).await
    }

    /// Gives back every unspent budget lease, writes what is left to write, and stops the
    /// background task. The joined guards go on with their local state.
    ///
    /// ```
    /// # use retry_runtime::fleet::Fleet;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "app").unwrap();
    /// fleet.shutdown().await;
    /// # }
    /// ```
    pub async fn shutdown(&self) {
        self.inner.stopped.store(true, Ordering::Release);
        let _ = self.inner.round(true).await;
        self.inner.wake.notify_one();
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }
}

impl Inner {
    /// Wakes the background task for a round now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn add_breaker(&self, breaker: &'static FleetBreaker) {
        lock(&self.members).breakers.push(breaker);
        self.wake();
    }

    pub(crate) fn add_budget(&self, budget: &'static FleetBudget) {
        lock(&self.members).budgets.push(budget);
        self.wake();
    }

    pub(crate) fn add_limiter(&self, limiter: &'static FleetLimiter) {
        lock(&self.members).limiters.push(limiter);
        self.wake();
    }

    /// One round over every member; `last` gives the budgets' leases back.
    async fn round(&self, last: bool) -> Result<(), FleetError> {
        let _one_at_a_time = self.round.lock().await;
        let (breakers, budgets, limiters) = {
            let members = lock(&self.members);
            (members.breakers.clone(), members.budgets.clone(), members.limiters.clone())
        };
        let mut failed = None;
        for breaker in breakers {
            if let Err(e) = breaker.sync(self).await {
                failed = Some(e);
            }
        }
        for budget in budgets {
            if let Err(e) = budget.sync(self, last).await {
                failed = Some(e);
            }
        }
        for limiter in limiters {
            if let Err(e) = limiter.sync(self, last).await {
                failed = Some(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

/// The background task: a round each refresh, or as soon as a guard has news.
async fn run(inner: Arc<Inner>) {
    while !inner.is_stopped() {
        let _ = tokio::time::timeout(inner.options.refresh, inner.wake.notified()).await;
        if inner.is_stopped() {
            break;
        }
        // A failure was reported by the store's event; the round's writes wait for the next.
        let _ = inner.round(false).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A namespace or guard name: non-empty, printable, no whitespace (it is part of every key).
pub(crate) fn check_name(name: &str, what: &str) -> Result<(), FleetError> {
    if name.is_empty() || name.len() > 200 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FleetError::Name(format!("the {what} `{name}` must be 1 to 200 characters without whitespace")));
    }
    Ok(())
}

/// This process in the budget's leases: its pid and a random part, since pids repeat
/// across machines and restarts.
fn process_name() -> String {
    format!("{}-{:016x}", std::process::id(), crate::wait::entropy())
}

/// Milliseconds since the Unix epoch on this machine's clock.
pub(crate) fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A duration in whole milliseconds, at least 1, for Redis.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
