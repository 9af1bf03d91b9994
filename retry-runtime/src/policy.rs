//! [`RetryPolicy`]: the attribute's keys as one value, grouped as the loop reads them.

use core::time::Duration;

use crate::guards::Guards;
use crate::hooks::Hooks;
use crate::log::LogLevel;
use crate::nested::Nested;
use crate::predicate::{AnyError, NoServerDelay, NoValue};
use crate::stop::Attempts;
use crate::timeout::Execution;
use crate::wait::FullJitter;

/// The name a policy reports until [`RetryPolicyBuilder::name`](crate::RetryPolicyBuilder::name)
/// gives it another.
pub(crate) const DEFAULT_NAME: &str = "retry";

/// The default ceiling on a server-directed delay: 60 s. This crate's own choice, not the
/// SDKs' (openai-python honours up to 120 s and refuses above, anthropic-python honours any
/// delay up to 4 294 967 s); the [`presets`](crate::presets) follow each SDK exactly.
pub(crate) const DEFAULT_RETRY_AFTER_MAX: Duration = Duration::from_secs(60);
/// The default stop: three attempts in all.
pub(crate) const DEFAULT_STOP: Attempts = Attempts(3);
/// The default wait: AWS's full jitter over 1 s to 60 s.
pub(crate) const DEFAULT_WAIT: FullJitter = FullJitter::new(Duration::from_secs(1), Duration::from_secs(60));

/// When to stop, how long to wait, what to retry and whom to tell: the attribute's keys as
/// a value.
///
/// Build one with [`RetryPolicy::builder`]; [`build`](crate::RetryPolicyBuilder::build)
/// checks it with the same rules the attribute applies at compile time. Every type
/// parameter has a default and is inferred from the builder calls: the first five are the
/// strategies users name (`stop`, `wait`, which errors, which values, the server's delay);
/// the last three group the sleeper with the per-attempt timeout
/// ([`Execution`](crate::sleep::Execution), the one a static's type may need to name, as
/// `RetryPolicy<Attempts, Fixed, AnyError, NoValue, NoServerDelay, Execution<MySleeper>>`),
/// the hooks (closures, which no type can name), and the breaker with the budget.
///
/// # Default
/// `attempts(3)`, `full_jitter(1s, 60s)`, every `Err` retried, no `Ok` retried, no hooks,
/// `tracing` events at `WARN`, `retry_after_max` 60 s, tokio's sleeper (thread sleep for
/// [`retry_blocking`](Self::retry_blocking)).
///
/// ```
/// use retry_runtime::{RetryPolicy, stop::{attempts, elapsed}, wait::fixed};
/// use std::time::Duration;
///
/// let policy = RetryPolicy::builder()
///     .stop(attempts(5) | elapsed(Duration::from_secs(30)))
///     .wait(fixed(Duration::ZERO))
///     .when(|e: &std::io::Error| e.kind() == std::io::ErrorKind::Interrupted)
///     .build()?;
/// let mut tries = 0;
/// let n = policy.retry_blocking(|| {
///     tries += 1;
///     if tries < 3 { Err(std::io::ErrorKind::Interrupted.into()) } else { Ok(tries) }
/// });
/// assert_eq!(n?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy<
    S = Attempts,
    W = FullJitter,
    P = AnyError,
    V = NoValue,
    A = NoServerDelay,
    X = Execution,
    H = Hooks,
    G = Guards,
> {
    pub(crate) stop: S,
    pub(crate) wait: W,
    pub(crate) retry_error: P,
    pub(crate) retry_value: V,
    pub(crate) server_delay: A,
    pub(crate) execution: X,
    pub(crate) hooks: H,
    pub(crate) guards: G,
    pub(crate) settings: Settings,
}

impl<S, W, P, V, A, X, H, G> RetryPolicy<S, W, P, V, A, X, H, G> {
    /// The same policy with other guards: how `policy = …` beside `breaker = …` or
    /// `budget = …` adds them to a run-time policy.
    pub(crate) fn map_guards<G2>(self, guard: impl FnOnce(G) -> G2) -> RetryPolicy<S, W, P, V, A, X, H, G2> {
        let Self { stop, wait, retry_error, retry_value, server_delay, hooks, execution, guards, settings } = self;
        RetryPolicy {
            stop,
            wait,
            retry_error,
            retry_value,
            server_delay,
            hooks,
            execution,
            guards: guard(guards),
            settings,
        }
    }
}

/// A policy with every group spelled out, for the code that needs each key's type.
pub(crate) type Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> =
    RetryPolicy<S, W, P, V, A, Execution<Z, O>, Hooks<B, F, L, G>, Guards<K, U, R, Q>>;

/// The keys whose type never changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) retry_after_max: Duration,
    /// Sleep the server's delay as asked, rather than at least the wait strategy's.
    pub(crate) retry_after_exact: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) log: Option<LogLevel>,
    pub(crate) seed: Option<u64>,
    pub(crate) name: &'static str,
    pub(crate) track_time: bool,
    pub(crate) nested: Nested,
    /// The stream form's bound on the wait for the first item.
    pub(crate) first_item_timeout: Option<Duration>,
}

impl Settings {
    /// The defaults, reporting `name` as the function.
    pub(crate) const fn named(name: &'static str) -> Self {
        Self {
            retry_after_max: DEFAULT_RETRY_AFTER_MAX,
            retry_after_exact: false,
            timeout: None,
            log: None,
            seed: None,
            name,
            track_time: false,
            nested: Nested::Inner,
            first_item_timeout: None,
        }
    }
}
