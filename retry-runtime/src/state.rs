//! What a hook, or the body through `state = NAME`, can see of the call under way.

use core::fmt;
use core::time::Duration;
use std::sync::OnceLock;

/// A view of one call: which attempt, how long it has run, what the last attempt returned
/// and how long the next sleep will be.
///
/// Hooks receive `&RetryState<'_, T, E>`; `#[retry(state = s)]` binds one inside the body,
/// where [`outcome`](Self::outcome) is `None` because the attempt is still running.
///
/// ```
/// use retry_runtime::{RetryPolicy, RetryState, stop::attempts, wait::none};
/// use std::sync::Mutex;
///
/// let seen = Mutex::new(Vec::new());
/// let policy = RetryPolicy::builder()
///     .stop(attempts(3))
///     .wait(none())
///     .after(|s: &RetryState<'_, (), String>| {
///         seen.lock().unwrap().push((s.attempt(), s.error().cloned()));
///     })
///     .build()
///     .unwrap();
/// let _ = policy.retry_blocking(|| Err::<(), _>("down".to_string()));
/// let down = Some("down".to_string());
/// assert_eq!(*seen.lock().unwrap(), [(1, down.clone()), (2, down.clone()), (3, down)]);
/// ```
#[derive(Debug)]
pub struct RetryState<'a, T, E> {
    pub(crate) function: &'static str,
    /// This call's half of its idempotency key.
    pub(crate) key: u64,
    pub(crate) attempt: u32,
    pub(crate) elapsed: Duration,
    pub(crate) slept: Duration,
    pub(crate) outcome: Option<&'a Result<T, E>>,
    pub(crate) next_delay: Option<Duration>,
}

impl<T, E> Clone for RetryState<'_, T, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, E> Copy for RetryState<'_, T, E> {}

impl<'a, T, E> RetryState<'a, T, E> {
    /// The retried function's path, module included (`my_crate::client::call_llm`), or the
    /// name given to [`RetryPolicyBuilder::name`](crate::RetryPolicyBuilder::name).
    pub const fn function(&self) -> &'static str {
        self.function
    }

    /// The number of the attempt under way, or just ended in a hook; the first is 1.
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How many retries came before the attempt under way (`attempt() - 1`): what the
    /// OpenAI and Anthropic SDKs send as `x-stainless-retry-count`.
    ///
    /// ```
    /// use retry_runtime::{retry, RetryState};
    ///
    /// #[retry(stop = attempts(3), wait = none, state = s)]
    /// fn send(sent: &mut Vec<u32>) -> Result<(), &'static str> {
    ///     sent.push(s.retries()); // e.g. `.header("x-stainless-retry-count", s.retries())`
    ///     if s.retries() < 2 { Err("busy") } else { Ok(()) }
    /// }
    /// let mut sent = Vec::new();
    /// send(&mut sent).unwrap();
    /// assert_eq!(sent, [0, 1, 2]);
    /// ```
    pub const fn retries(&self) -> u32 {
        self.attempt.saturating_sub(1)
    }

    /// A key that is the same on every attempt of one call and differs between calls: for
    /// an `Idempotency-Key` header on a POST, so that a server that got the first attempt
    /// can recognise the retry. Written as a version-4 UUID.
    ///
    /// ```
    /// use retry_runtime::retry;
    ///
    /// #[retry(stop = attempts(3), wait = none, state = s)]
    /// fn post(keys: &mut Vec<String>) -> Result<(), &'static str> {
    ///     keys.push(s.idempotency_key().to_string()); // `.header("Idempotency-Key", …)`
    ///     if keys.len() < 3 { Err("busy") } else { Ok(()) }
    /// }
    /// let (mut first, mut second) = (Vec::new(), Vec::new());
    /// post(&mut first).unwrap();
    /// post(&mut second).unwrap();
    /// assert!(first.iter().all(|k| *k == first[0]), "one key for every attempt of a call");
    /// assert_ne!(first[0], second[0], "another call, another key");
    /// assert_eq!(first[0].len(), 36);
    /// ```
    pub fn idempotency_key(&self) -> IdempotencyKey {
        IdempotencyKey::of_call(self.key)
    }

    /// Time since the first attempt began, on the sleeper's clock.
    ///
    /// Zero when the policy reads no clock: a policy whose stop condition is not
    /// time-based and that has no hook reads none, so that a first-try success costs
    /// nothing.
    pub const fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Total time slept between attempts so far.
    pub const fn slept(&self) -> Duration {
        self.slept
    }

    /// What the attempt that just ended returned; `None` inside the body.
    pub const fn outcome(&self) -> Option<&'a Result<T, E>> {
        self.outcome
    }

    /// The error the attempt that just ended returned, if it returned one.
    pub fn error(&self) -> Option<&'a E> {
        match self.outcome {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The sleep before the next attempt: known in `before_sleep`, `None` elsewhere.
    pub const fn next_delay(&self) -> Option<Duration> {
        self.next_delay
    }
}

/// One call's idempotency key ([`RetryState::idempotency_key`]): shown as a version-4 UUID.
///
/// 64 random bits drawn once per process, beside 64 that number the call within the process
/// (its thread's number and the thread's count of calls): keys of one process never repeat,
/// and two processes share one only if their random halves collide.
///
/// ```
/// use retry_runtime::IdempotencyKey;
/// fn header(key: IdempotencyKey) -> (&'static str, String) { ("Idempotency-Key", key.to_string()) }
/// # let _ = header;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(uuid::Uuid);

impl IdempotencyKey {
    fn of_call(call: u64) -> Self {
        static PROCESS: OnceLock<u64> = OnceLock::new();
        let process = *PROCESS.get_or_init(crate::wait::entropy);
        let bits = (u128::from(process) << 64) | u128::from(call);
        Self(uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid())
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// A call's half of its key, never 0 (which a kept history reads as "not drawn"): the
/// thread's number in the high 32 bits and a count of the thread's calls in the low, so that
/// no two calls of a process share one. No generator and no allocation: `state = s` on a
/// first-try success must cost nothing (`tests/tests/attribute_alloc.rs`); the process's
/// random half is drawn only when a key is shown.
pub(crate) fn fresh_key() -> u64 {
    use core::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    static THREADS: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        static NEXT: Cell<u64> = const { Cell::new(0) };
    }
    NEXT.with(|next| {
        if next.get() == 0 {
            next.set((THREADS.fetch_add(1, Ordering::Relaxed) + 1) << 32);
        }
        next.set(next.get() + 1);
        next.get()
    })
}
