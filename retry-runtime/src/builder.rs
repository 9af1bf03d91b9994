//! [`RetryPolicyBuilder`]: the one builder of a [`RetryPolicy`], for users and for the
//! attribute.
//!
//! Its setters are `const fn`s, so that a policy whose keys are all constants is built at
//! compile time: the expansion writes `let policy = &const { … .build() };`, which rustc
//! promotes to a `&'static`, so the function's future holds 8 bytes of policy instead of
//! the policy itself (about 120 bytes), and no instruction builds it at run time.
//!
//! A `const fn` cannot drop a value of a generic type, and every setter replaces one. So
//! the builder holds each key in a `ManuallyDrop`: replacing one drops nothing, and the
//! builder itself has nothing to drop. The cost is that a key replaced, or a builder
//! dropped unbuilt, is leaked rather than dropped: nothing for the defaults, which own
//! nothing, and for the attribute, which sets each key once; a boxed strategy set twice
//! leaks its first box.
//!
//! Users' [`build`](RetryPolicyBuilder::build) checks the keys at run time; the attribute's
//! builder (`C` = [`Prechecked`]) has a `const` `build` instead, since the attribute
//! checked them at compile time.

use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::time::Duration;

use crate::guards::{Guards, NoBreaker, NoBudget};
use crate::hooks::{Hooks, NoHook};
use crate::log::LogLevel;
use crate::policy::{DEFAULT_NAME, DEFAULT_STOP, DEFAULT_WAIT, RetryPolicy, Settings, Spelled};
use crate::predicate::{AnyError, NoServerDelay, NoValue};
use crate::sleep::DefaultSleep;
use crate::stop::{Attempts, Stop};
use crate::timeout::{Execution, NoTimeout, WithTimeout};
use crate::wait::{FullJitter, Wait};
use crate::{CircuitBreaker, PolicyError, RetryBudget};

/// How the builder holds a group of keys: each key in a `ManuallyDrop` (see the module docs).
#[doc(hidden)]
pub trait Group {
    /// The group with every key in a `ManuallyDrop`.
    type Slots;
}

impl<B, F, L, G> Group for Hooks<B, F, L, G> {
    type Slots = Hooks<ManuallyDrop<B>, ManuallyDrop<F>, ManuallyDrop<L>, ManuallyDrop<G>>;
}

impl<Z, O> Group for Execution<Z, O> {
    type Slots = Execution<ManuallyDrop<Z>, ManuallyDrop<O>>;
}

impl<K, U> Group for Guards<K, U> {
    type Slots = Guards<ManuallyDrop<K>, ManuallyDrop<U>>;
}

/// The builder's `build` checks the keys at run time and returns a `Result`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Checked;

/// The builder's `build` is `const` and checks nothing: the attribute checked the keys at
/// compile time.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Prechecked;

/// Builds a [`RetryPolicy`]; every setter replaces one key.
///
/// Every setter is a `const fn`; a key replaced is not dropped (see the module source), so
/// set a key that owns memory, such as a boxed strategy, once.
///
/// ```
/// use retry_runtime::{RetryPolicy, stop::attempts, wait::none};
/// let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).build().unwrap();
/// let out: Result<(), &str> = policy.retry_blocking(|| Err("no"));
/// assert_eq!(out, Err("no"));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryPolicyBuilder<
    S = Attempts,
    W = FullJitter,
    P = AnyError,
    V = NoValue,
    A = NoServerDelay,
    X: Group = Execution,
    H: Group = Hooks,
    G: Group = Guards,
    C = Checked,
> {
    stop: ManuallyDrop<S>,
    wait: ManuallyDrop<W>,
    retry_error: ManuallyDrop<P>,
    retry_value: ManuallyDrop<V>,
    server_delay: ManuallyDrop<A>,
    execution: X::Slots,
    hooks: H::Slots,
    guards: G::Slots,
    settings: Settings,
    checks: PhantomData<C>,
}

/// A builder with every group spelled out.
type Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, C> =
    RetryPolicyBuilder<S, W, P, V, A, Execution<Z, O>, Hooks<B, F, L, G>, Guards<K, U>, C>;

/// The attribute's builder: the defaults, with a `const` [`build`](RetryPolicyBuilder::build).
#[doc(hidden)]
pub type KeysBuilder =
    RetryPolicyBuilder<Attempts, FullJitter, AnyError, NoValue, NoServerDelay, Execution, Hooks, Guards, Prechecked>;

impl RetryPolicy {
    /// A builder holding the defaults.
    pub const fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder::new()
    }
}

impl Default for RetryPolicyBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicyBuilder {
    /// The defaults: see [`RetryPolicy`].
    pub const fn new() -> Self {
        Self::defaults(DEFAULT_NAME)
    }
}

impl KeysBuilder {
    /// The defaults, reporting `name` as the function.
    pub const fn named(name: &'static str) -> Self {
        Self::defaults(name)
    }
}

impl<C> RetryPolicyBuilder<Attempts, FullJitter, AnyError, NoValue, NoServerDelay, Execution, Hooks, Guards, C> {
    const fn defaults(name: &'static str) -> Self {
        Self {
            stop: ManuallyDrop::new(DEFAULT_STOP),
            wait: ManuallyDrop::new(DEFAULT_WAIT),
            retry_error: ManuallyDrop::new(AnyError),
            retry_value: ManuallyDrop::new(NoValue),
            server_delay: ManuallyDrop::new(NoServerDelay),
            hooks: Hooks {
                before: ManuallyDrop::new(NoHook),
                after: ManuallyDrop::new(NoHook),
                before_sleep: ManuallyDrop::new(NoHook),
                on_give_up: ManuallyDrop::new(NoHook),
            },
            execution: Execution { sleeper: ManuallyDrop::new(DefaultSleep), timeout: ManuallyDrop::new(NoTimeout) },
            guards: Guards { breaker: ManuallyDrop::new(NoBreaker), budget: ManuallyDrop::new(NoBudget) },
            settings: Settings::named(name),
            checks: PhantomData,
        }
    }
}

// Every setter moves the other keys out of `self` field by field: the builder has no drop
// glue (every key is a `ManuallyDrop`), so a `const fn` may leave the replaced one behind.

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, C> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, C> {
    /// When to give up (`stop = …`): see [`stop`](crate::stop).
    pub const fn stop<S2: Stop>(self, stop: S2) -> Builder<S2, W, P, V, A, B, F, L, G, Z, O, K, U, C> {
        RetryPolicyBuilder {
            stop: ManuallyDrop::new(stop),
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// How long to sleep between attempts (`wait = …`): see [`wait`](crate::wait).
    pub const fn wait<W2: Wait>(self, wait: W2) -> Builder<S, W2, P, V, A, B, F, L, G, Z, O, K, U, C> {
        RetryPolicyBuilder {
            wait: ManuallyDrop::new(wait),
            stop: self.stop,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Which errors to retry (`when = …`, or what `on` / `unless` expand to).
    pub const fn when<P2>(self, retry_error: P2) -> Builder<S, W, P2, V, A, B, F, L, G, Z, O, K, U, C> {
        RetryPolicyBuilder {
            retry_error: ManuallyDrop::new(retry_error),
            stop: self.stop,
            wait: self.wait,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Which `Ok` values to retry as well (`when_ok = …`).
    pub const fn when_ok<V2>(self, retry_value: V2) -> Builder<S, W, P, V2, A, B, F, L, G, Z, O, K, U, C> {
        RetryPolicyBuilder {
            retry_value: ManuallyDrop::new(retry_value),
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Where to read a server-directed delay (`retry_after = …`): the next sleep is the
    /// larger of it and the wait strategy's delay.
    pub const fn retry_after<A2>(self, server_delay: A2) -> Builder<S, W, P, V, A2, B, F, L, G, Z, O, K, U, C> {
        RetryPolicyBuilder {
            server_delay: ManuallyDrop::new(server_delay),
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            hooks: self.hooks,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Called before every attempt (`before = …`).
    pub const fn before<B2>(self, hook: B2) -> Builder<S, W, P, V, A, B2, F, L, G, Z, O, K, U, C> {
        let hooks = Hooks {
            before: ManuallyDrop::new(hook),
            after: self.hooks.after,
            before_sleep: self.hooks.before_sleep,
            on_give_up: self.hooks.on_give_up,
        };
        RetryPolicyBuilder {
            hooks,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Called after every failed attempt (`after = …`): one whose outcome the policy
    /// retries, whether or not a retry follows; an error not retried returns without it.
    pub const fn after<F2>(self, hook: F2) -> Builder<S, W, P, V, A, B, F2, L, G, Z, O, K, U, C> {
        let hooks = Hooks {
            before: self.hooks.before,
            after: ManuallyDrop::new(hook),
            before_sleep: self.hooks.before_sleep,
            on_give_up: self.hooks.on_give_up,
        };
        RetryPolicyBuilder {
            hooks,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Called before each sleep (`before_sleep = …`).
    pub const fn before_sleep<L2>(self, hook: L2) -> Builder<S, W, P, V, A, B, F, L2, G, Z, O, K, U, C> {
        let hooks = Hooks {
            before: self.hooks.before,
            after: self.hooks.after,
            before_sleep: ManuallyDrop::new(hook),
            on_give_up: self.hooks.on_give_up,
        };
        RetryPolicyBuilder {
            hooks,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Called once when the call gives up on a retryable outcome (`on_give_up = …`).
    pub const fn on_give_up<G2>(self, hook: G2) -> Builder<S, W, P, V, A, B, F, L, G2, Z, O, K, U, C> {
        let hooks = Hooks {
            before: self.hooks.before,
            after: self.hooks.after,
            before_sleep: self.hooks.before_sleep,
            on_give_up: ManuallyDrop::new(hook),
        };
        RetryPolicyBuilder {
            hooks,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            execution: self.execution,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// What sleeps and tells the time: see [`sleep`](crate::sleep).
    pub const fn sleeper<Z2>(self, sleeper: Z2) -> Builder<S, W, P, V, A, B, F, L, G, Z2, O, K, U, C> {
        let execution = Execution { sleeper: ManuallyDrop::new(sleeper), timeout: self.execution.timeout };
        RetryPolicyBuilder {
            execution,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Cuts each attempt after `timeout` (`timeout = …`); the attempt then fails with
    /// `E::from(Elapsed)`, so [`retry`](RetryPolicy::retry) then needs
    /// `E: From<`[`Elapsed`](crate::Elapsed)`>`. With a `deadline`, each attempt's limit shrinks to what is
    /// left of it. Only for async calls: a blocking call cannot be cut short.
    ///
    /// ```
    /// use retry_runtime::{Elapsed, RetryPolicy, stop::attempts, wait::none};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct TimedOut;
    /// impl From<Elapsed> for TimedOut {
    ///     fn from(_: Elapsed) -> Self { TimedOut }
    /// }
    /// impl std::fmt::Display for TimedOut {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("timed out") }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(2))
    ///     .wait(none())
    ///     .timeout(Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// let out: Result<(), TimedOut> = policy
    ///     .retry(|| async { tokio::time::sleep(Duration::from_secs(60)).await; Ok(()) })
    ///     .await;
    /// assert_eq!(out, Err(TimedOut));
    /// assert_eq!(start.elapsed(), Duration::from_secs(2));
    /// # }
    /// ```
    pub const fn timeout(self, timeout: Duration) -> Builder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U, C> {
        self.timeout_marked(timeout, WithTimeout)
    }

    /// [`timeout`](Self::timeout) with the marker the attribute picked: `NoTimeout` when
    /// the error type lacks `From<Elapsed>`, so that the attribute's own check is the only
    /// error reported for it.
    #[doc(hidden)]
    pub const fn timeout_marked<O2>(
        self,
        limit: Duration,
        marker: O2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O2, K, U, C> {
        self.marker(Some(limit), marker)
    }

    /// A per-attempt timeout that may be absent at run time (from configuration): the
    /// policy then still needs `E: From<Elapsed>`.
    pub(crate) const fn optional_timeout(
        self,
        timeout: Option<Duration>,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U, C> {
        self.marker(timeout, WithTimeout)
    }

    const fn marker<O2>(
        mut self,
        limit: Option<Duration>,
        marker: O2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O2, K, U, C> {
        self.settings.timeout = limit;
        let execution = Execution { sleeper: self.execution.sleeper, timeout: ManuallyDrop::new(marker) };
        RetryPolicyBuilder {
            execution,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            guards: self.guards,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Admits every attempt through `breaker` (`breaker = …`): while it is open, the call
    /// fails fast with `E::from(CircuitOpen)` without running the attempt. Only errors the
    /// policy retries, and that carry no server-directed delay, count as failures.
    ///
    /// ```
    /// use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, RetryPolicy, stop::attempts, wait::none};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Down, Open }
    /// impl From<CircuitOpen> for Error { fn from(_: CircuitOpen) -> Self { Error::Open } }
    /// impl std::fmt::Display for Error {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
    /// }
    ///
    /// static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
    /// let policy = RetryPolicy::builder().stop(attempts(5)).wait(none()).breaker(&BREAKER).build().unwrap();
    /// let mut runs = 0;
    /// let out: Result<(), Error> = policy.retry_blocking(|| { runs += 1; Err(Error::Down) });
    /// assert_eq!((out, runs), (Err(Error::Open), 2)); // the third attempt was refused
    /// assert_eq!(BREAKER.state(), BreakerState::Open);
    /// ```
    pub const fn breaker(
        self,
        breaker: &CircuitBreaker,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, &CircuitBreaker, U, C> {
        self.breaker_marked(breaker)
    }

    /// [`breaker`](Self::breaker) with the guard chosen by the attribute: no breaker when the
    /// error type lacks `From<CircuitOpen>`, so that the attribute's own check is the only
    /// error reported for it.
    #[doc(hidden)]
    pub const fn breaker_marked<K2>(self, guard: K2) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K2, U, C> {
        let guards = Guards { breaker: ManuallyDrop::new(guard), budget: self.guards.budget };
        RetryPolicyBuilder {
            guards,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// Pays for every retry from `budget` (`budget = …`), shared by many calls: when it
    /// cannot pay, the call returns its error instead of retrying.
    ///
    /// A retry's tokens are withdrawn when the retry is decided, before its sleep, and are
    /// refunded only if that retry succeeds. A call dropped (cancelled) during the sleep or
    /// during the retried attempt therefore keeps them spent, as a retry that fails would;
    /// a call dropped during its first attempt, or a body that panics, takes nothing.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, RetryPolicy, stop::attempts, wait::none};
    ///
    /// static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
    /// let policy = RetryPolicy::builder().stop(attempts(10)).wait(none()).budget(&BUDGET).build().unwrap();
    /// let mut runs = 0;
    /// let _: Result<(), &str> = policy.retry_blocking(|| { runs += 1; Err("down") });
    /// assert_eq!(runs, 3); // two retries of 5 tokens each emptied the bucket
    /// ```
    pub const fn budget(self, budget: &RetryBudget) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, &RetryBudget, C> {
        let guards = Guards { breaker: self.guards.breaker, budget: ManuallyDrop::new(budget) };
        RetryPolicyBuilder {
            guards,
            stop: self.stop,
            wait: self.wait,
            retry_error: self.retry_error,
            retry_value: self.retry_value,
            server_delay: self.server_delay,
            hooks: self.hooks,
            execution: self.execution,
            settings: self.settings,
            checks: PhantomData,
        }
    }

    /// The largest server-directed delay worth waiting for (`retry_after_max = …`); a
    /// longer one makes the call give up at once.
    ///
    /// # Default
    /// 60 s.
    pub const fn retry_after_max(mut self, max: Duration) -> Self {
        self.settings.retry_after_max = max;
        self
    }

    /// The level of the default `tracing` events (`log = …`); [`LogLevel::Off`] silences them.
    pub const fn log(mut self, level: LogLevel) -> Self {
        self.settings.log = Some(level);
        self
    }

    /// Draws all jitter from a generator seeded with `seed`, so delays are reproducible.
    /// Every call of the policy then draws the same sequence: meant for tests and
    /// simulations, not for spreading real clients apart.
    pub const fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = Some(seed);
        self
    }

    /// The name the hooks and events report as the function.
    ///
    /// # Default
    /// `"retry"`; the attribute passes the function's path.
    pub const fn name(mut self, name: &'static str) -> Self {
        self.settings.name = name;
        self
    }

    /// Reads the clock at the start of every call even when nothing time-based needs it,
    /// so that [`RetryState::elapsed`](crate::RetryState::elapsed) is meaningful in the body.
    pub const fn track_time(mut self) -> Self {
        self.settings.track_time = true;
        self
    }

    /// The policy without run-time checks: for the attribute, which checked at compile time.
    #[doc(hidden)]
    pub const fn build_unchecked(self) -> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        RetryPolicy {
            stop: ManuallyDrop::into_inner(self.stop),
            wait: ManuallyDrop::into_inner(self.wait),
            retry_error: ManuallyDrop::into_inner(self.retry_error),
            retry_value: ManuallyDrop::into_inner(self.retry_value),
            server_delay: ManuallyDrop::into_inner(self.server_delay),
            hooks: Hooks {
                before: ManuallyDrop::into_inner(self.hooks.before),
                after: ManuallyDrop::into_inner(self.hooks.after),
                before_sleep: ManuallyDrop::into_inner(self.hooks.before_sleep),
                on_give_up: ManuallyDrop::into_inner(self.hooks.on_give_up),
            },
            execution: Execution {
                sleeper: ManuallyDrop::into_inner(self.execution.sleeper),
                timeout: ManuallyDrop::into_inner(self.execution.timeout),
            },
            guards: Guards {
                breaker: ManuallyDrop::into_inner(self.guards.breaker),
                budget: ManuallyDrop::into_inner(self.guards.budget),
            },
            settings: self.settings,
        }
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, Checked> {
    /// Checks the configuration with the attribute's rules and returns the policy.
    ///
    /// # Errors
    /// A [`PolicyError`] naming the first rule broken.
    pub fn build(self) -> Result<Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U>, PolicyError>
    where
        S: Stop,
        W: Wait,
    {
        self.stop.validate()?;
        self.wait.validate()?;
        if let Some(timeout) = self.settings.timeout {
            if timeout.is_zero() {
                return Err(PolicyError::ZeroDuration { what: retry_grammar::TIMEOUT.name });
            }
            if let Some(deadline) = self.stop.deadline()
                && timeout > deadline
            {
                return Err(PolicyError::TimeoutExceedsDeadline { timeout, deadline });
            }
        }
        Ok(self.build_unchecked())
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, Prechecked> {
    /// The policy, checked by the attribute at compile time.
    pub const fn build(self) -> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        self.build_unchecked()
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
    /// A builder holding this policy, to change some of its keys.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts};
    /// let three = RetryPolicy::builder().build().unwrap();
    /// let five = three.clone().into_builder().stop(attempts(5)).build().unwrap();
    /// # let _ = five;
    /// ```
    pub fn into_builder(self) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, Checked> {
        RetryPolicyBuilder {
            stop: ManuallyDrop::new(self.stop),
            wait: ManuallyDrop::new(self.wait),
            retry_error: ManuallyDrop::new(self.retry_error),
            retry_value: ManuallyDrop::new(self.retry_value),
            server_delay: ManuallyDrop::new(self.server_delay),
            hooks: Hooks {
                before: ManuallyDrop::new(self.hooks.before),
                after: ManuallyDrop::new(self.hooks.after),
                before_sleep: ManuallyDrop::new(self.hooks.before_sleep),
                on_give_up: ManuallyDrop::new(self.hooks.on_give_up),
            },
            execution: Execution {
                sleeper: ManuallyDrop::new(self.execution.sleeper),
                timeout: ManuallyDrop::new(self.execution.timeout),
            },
            guards: Guards {
                breaker: ManuallyDrop::new(self.guards.breaker),
                budget: ManuallyDrop::new(self.guards.budget),
            },
            settings: self.settings,
            checks: PhantomData,
        }
    }
}
