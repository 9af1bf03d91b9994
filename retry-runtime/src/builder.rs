//! [`RetryPolicyBuilder`]: the one builder of a [`RetryPolicy`], for users and for the
//! attribute.
//!
//! The attribute's builder (`C` = [`Prechecked`], `__private::KeysBuilder`) is all
//! `const fn`, so that a policy whose keys are all constants is built at compile time: the
//! expansion writes `let policy = &const { … .build() };`, which rustc promotes to a
//! `&'static`, so the function's future holds 8 bytes of policy instead of the policy itself
//! (about 120 bytes), and no instruction builds it at run time.
//!
//! A `const fn` cannot drop a value of a generic type, so `C` also chooses how each key is
//! held ([`Checks::Slot`]):
//! - `Prechecked` holds it in a `ManuallyDrop`: the builder has no drop glue, and a `const`
//!   setter may replace a key. The attribute sets each key once, so what it replaces is a
//!   default, which has no drop glue: `Replaced::forget_default` asserts that at compile time.
//! - [`Checked`] (users) holds it as it is, so a builder dropped unbuilt, or by a `build`
//!   that fails, drops every key as any struct does; its key setters, which drop the key they
//!   replace, are not `const`.
//!
//! Each setter's logic is written once, as a `const` core on the `Prechecked` form that hands
//! back the key it replaced (a `const fn` generic over `C` could not take apart a form that
//! may need dropping); a user's setter moves the keys into that form and back, moves only,
//! and drops what the core handed back. One type with a slot chosen by `C`, rather than a
//! users' type wrapping the attribute's, keeps one set of settings' setters and needs no
//! hand-written `Drop`.
//!
//! Users' [`build`](RetryPolicyBuilder::build) checks the keys at run time; the attribute's
//! `build` is `const` and checks nothing, since the attribute checked them at compile time.

use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::time::Duration;

use crate::PolicyError;
use crate::guards::{Breaker, Budget, BudgetGuard, Guards, NoBreaker, NoBudget};
use crate::hooks::{Hooks, NoHook};
use crate::log::LogLevel;
use crate::policy::{DEFAULT_NAME, DEFAULT_STOP, DEFAULT_WAIT, RetryPolicy, Settings, Spelled};
use crate::predicate::{AnyError, NoServerDelay, NoValue};
use crate::shaping::{Limiter, NoBulkhead, NoLimiter};
use crate::sleep::DefaultSleep;
use crate::stop::{Attempts, Stop};
use crate::timeout::{Execution, NoTimeout, WithTimeout};
use crate::wait::{FullJitter, Wait};

/// The builder's `build` checks the keys at run time and returns a `Result`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Checked;

/// The builder's `build` is `const` and checks nothing: the attribute checked the keys at
/// compile time.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Prechecked;

/// What `build` checks decides how the builder holds each key (see the module docs).
#[doc(hidden)]
pub trait Checks {
    /// How a key of type `T` is held.
    type Slot<T>;
}

impl Checks for Checked {
    type Slot<T> = T;
}

impl Checks for Prechecked {
    type Slot<T> = ManuallyDrop<T>;
}

/// A group of keys with each key in the slot `C` chooses.
#[doc(hidden)]
pub trait Group {
    /// The group with every key in `C`'s slot.
    type Slots<C: Checks>;
}

impl<B, F, L, G> Group for Hooks<B, F, L, G> {
    type Slots<C: Checks> = Hooks<C::Slot<B>, C::Slot<F>, C::Slot<L>, C::Slot<G>>;
}

impl<Z, O> Group for Execution<Z, O> {
    type Slots<C: Checks> = Execution<C::Slot<Z>, C::Slot<O>>;
}

impl<K, U, R, Q> Group for Guards<K, U, R, Q> {
    type Slots<C: Checks> = Guards<C::Slot<K>, C::Slot<U>, C::Slot<R>, C::Slot<Q>>;
}

/// Builds a [`RetryPolicy`]; every setter replaces one key and drops the one it replaced.
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
    C: Checks = Checked,
> {
    /// The keys so far, each in `C`'s slot: for `Checked`, the policy `build` returns.
    pub(crate) keys:
        RetryPolicy<C::Slot<S>, C::Slot<W>, C::Slot<P>, C::Slot<V>, C::Slot<A>, X::Slots<C>, H::Slots<C>, G::Slots<C>>,
    checks: PhantomData<C>,
}

/// A builder with every group spelled out.
type Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, C> =
    RetryPolicyBuilder<S, W, P, V, A, Execution<Z, O>, Hooks<B, F, L, G>, Guards<K, U, R, Q>, C>;

/// A `Prechecked` builder's keys in the policy's order, for a core to take apart and put back
/// with one key replaced.
type Parts<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> = (
    ManuallyDrop<S>,
    ManuallyDrop<W>,
    ManuallyDrop<P>,
    ManuallyDrop<V>,
    ManuallyDrop<A>,
    Execution<ManuallyDrop<Z>, ManuallyDrop<O>>,
    Hooks<ManuallyDrop<B>, ManuallyDrop<F>, ManuallyDrop<L>, ManuallyDrop<G>>,
    Guards<ManuallyDrop<K>, ManuallyDrop<U>, ManuallyDrop<R>, ManuallyDrop<Q>>,
    Settings,
);

/// The attribute's builder: the defaults, with a `const` [`build`](RetryPolicyBuilder::build).
#[doc(hidden)]
pub type KeysBuilder =
    RetryPolicyBuilder<Attempts, FullJitter, AnyError, NoValue, NoServerDelay, Execution, Hooks, Guards, Prechecked>;

/// What a setter's core returns: the `Prechecked` builder with one key replaced, and the key
/// it replaced, for the public setter to forget (the attribute's) or drop (users').
struct Replaced<B, T> {
    builder: ManuallyDrop<B>,
    old: ManuallyDrop<T>,
}

impl<B, T> Replaced<B, T> {
    const fn new(builder: B, old: ManuallyDrop<T>) -> Self {
        Self { builder: ManuallyDrop::new(builder), old }
    }

    /// The builder, for the attribute's `const` setters, which cannot drop the key replaced.
    /// Nothing is lost: the attribute replaces only defaults, and a key with drop glue
    /// replaced here fails to compile rather than leak.
    const fn forget_default(self) -> B {
        const { assert!(!core::mem::needs_drop::<T>(), "a `const` setter replaced a key with drop glue") };
        ManuallyDrop::into_inner(self.builder)
    }

    /// The builder, for users' setters: the key replaced is dropped here, once.
    fn drop_old(self) -> B {
        drop(ManuallyDrop::into_inner(self.old));
        ManuallyDrop::into_inner(self.builder)
    }
}

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
        KeysBuilder::named(DEFAULT_NAME).build().into_builder()
    }
}

#[doc(hidden)]
impl KeysBuilder {
    /// The defaults, reporting `name` as the function.
    pub const fn named(name: &'static str) -> Self {
        Self::from_parts((
            ManuallyDrop::new(DEFAULT_STOP),
            ManuallyDrop::new(DEFAULT_WAIT),
            ManuallyDrop::new(AnyError),
            ManuallyDrop::new(NoValue),
            ManuallyDrop::new(NoServerDelay),
            Execution { sleeper: ManuallyDrop::new(DefaultSleep), timeout: ManuallyDrop::new(NoTimeout) },
            Hooks {
                before: ManuallyDrop::new(NoHook),
                after: ManuallyDrop::new(NoHook),
                before_sleep: ManuallyDrop::new(NoHook),
                on_give_up: ManuallyDrop::new(NoHook),
            },
            Guards {
                breaker: ManuallyDrop::new(NoBreaker),
                budget: ManuallyDrop::new(NoBudget),
                limiter: ManuallyDrop::new(NoLimiter),
                bulkhead: ManuallyDrop::new(NoBulkhead),
            },
            Settings::named(name),
        ))
    }
}

// The keys whose type never changes: one `const` setter for both forms, since replacing a
// setting drops nothing.
impl<S, W, P, V, A, X: Group, H: Group, G: Group, C: Checks> RetryPolicyBuilder<S, W, P, V, A, X, H, G, C> {
    /// The largest server-directed delay worth waiting for (`retry_after_max = …`); a
    /// longer one makes the call give up at once.
    ///
    /// # Default
    /// 60 s: this crate's choice, not the SDKs'. openai-python honours up to 120 s and does
    /// not retry above; anthropic-python honours any delay, cut to 4 294 967 s. The
    /// [`presets`](crate::presets) `openai` and `anthropic` set each SDK's value.
    pub const fn retry_after_max(mut self, max: Duration) -> Self {
        self.keys.settings.retry_after_max = max;
        self
    }

    /// Sleeps exactly the delay the server asked for, instead of the larger of it and the
    /// wait strategy's delay: the rule of the OpenAI and Anthropic SDKs, which the
    /// [`presets`](crate::presets) `openai` and `anthropic` set. A delay above
    /// [`retry_after_max`](Self::retry_after_max) still makes the call give up.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts, wait::fixed};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder()
    ///     .stop(attempts(2))
    ///     .wait(fixed(Duration::from_secs(5)))
    ///     .retry_after(|_: &&str| Some(Duration::from_millis(100)))
    ///     .retry_after_exact()
    ///     .build()
    ///     .unwrap();
    /// let start = tokio::time::Instant::now();
    /// let _: Result<(), &str> = policy.retry(|| async { Err("busy") }).await;
    /// assert_eq!(start.elapsed(), Duration::from_millis(100)); // not the strategy's 5 s
    /// # }
    /// ```
    pub const fn retry_after_exact(mut self) -> Self {
        self.keys.settings.retry_after_exact = true;
        self
    }

    /// The level of the default `tracing` events (`log = …`); [`LogLevel::Off`] silences them.
    pub const fn log(mut self, level: LogLevel) -> Self {
        self.keys.settings.log = Some(level);
        self
    }

    /// Draws all jitter from a generator seeded with `seed`, so delays are reproducible.
    /// Every call of the policy then draws the same sequence: meant for tests and
    /// simulations, not for spreading real clients apart.
    pub const fn seed(mut self, seed: u64) -> Self {
        self.keys.settings.seed = Some(seed);
        self
    }

    /// The name the hooks and events report as the function.
    ///
    /// # Default
    /// `"retry"`; the attribute passes the function's path.
    pub const fn name(mut self, name: &'static str) -> Self {
        self.keys.settings.name = name;
        self
    }

    /// Starts hedges beside a slow attempt (`hedge = after(D)`, `hedges = N`): see
    /// [`Hedge`](crate::Hedge) for what a round is and how hedges count. Only
    /// [`retry`](RetryPolicy::retry) (and `#[retry(policy = …)]` on an `async fn`) hedges;
    /// [`retry_blocking`](RetryPolicy::retry_blocking) and the stream forms run one attempt
    /// at a time whatever this says. [`build`](Self::build) refuses a zero delay and a count
    /// outside 1 to [`HEDGES_MAX`](retry_grammar::HEDGES_MAX).
    ///
    /// ```
    /// use retry_runtime::{Hedge, PolicyError, RetryPolicy};
    /// use std::time::Duration;
    /// let err = RetryPolicy::builder().hedge(Hedge::after(Duration::from_millis(100)).hedges(0)).build().unwrap_err();
    /// assert_eq!(err, PolicyError::InvalidHedges { hedges: 0 });
    /// ```
    pub const fn hedge(mut self, hedge: crate::Hedge) -> Self {
        self.keys.settings.hedge = Some(hedge);
        self
    }

    /// Reads the clock at the start of every call even when nothing time-based needs it,
    /// so that [`RetryState::elapsed`](crate::RetryState::elapsed) is meaningful in the body.
    pub const fn track_time(mut self) -> Self {
        self.keys.settings.track_time = true;
        self
    }
}

// Input:  a `Prechecked` builder, a new key
// Output: `Replaced { builder: the builder with that key, old: the key it held }`
// Each core moves the keys out as `Parts` and back with one replaced; a setter's logic is here.
impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
    const fn from_parts(parts: Parts<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>) -> Self {
        let (stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings) = parts;
        let keys =
            RetryPolicy { stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings };
        Self { keys, checks: PhantomData }
    }

    const fn into_parts(self) -> Parts<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
        let RetryPolicy { stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings } =
            self.keys;
        (stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings)
    }

    const fn swap_stop<S2>(
        self,
        stop: S2,
    ) -> Replaced<Builder<S2, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked>, S> {
        let (old, w, p, v, a, x, h, g, set) = self.into_parts();
        Replaced::new(Builder::from_parts((ManuallyDrop::new(stop), w, p, v, a, x, h, g, set)), old)
    }

    const fn swap_wait<W2>(
        self,
        wait: W2,
    ) -> Replaced<Builder<S, W2, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked>, W> {
        let (s, old, p, v, a, x, h, g, set) = self.into_parts();
        Replaced::new(Builder::from_parts((s, ManuallyDrop::new(wait), p, v, a, x, h, g, set)), old)
    }

    const fn swap_when<P2>(
        self,
        when: P2,
    ) -> Replaced<Builder<S, W, P2, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked>, P> {
        let (s, w, old, v, a, x, h, g, set) = self.into_parts();
        Replaced::new(Builder::from_parts((s, w, ManuallyDrop::new(when), v, a, x, h, g, set)), old)
    }

    const fn swap_when_ok<V2>(
        self,
        when_ok: V2,
    ) -> Replaced<Builder<S, W, P, V2, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked>, V> {
        let (s, w, p, old, a, x, h, g, set) = self.into_parts();
        Replaced::new(Builder::from_parts((s, w, p, ManuallyDrop::new(when_ok), a, x, h, g, set)), old)
    }

    const fn swap_retry_after<A2>(
        self,
        retry_after: A2,
    ) -> Replaced<Builder<S, W, P, V, A2, B, F, L, G, Z, O, K, U, R, Q, Prechecked>, A> {
        let (s, w, p, v, old, x, h, g, set) = self.into_parts();
        Replaced::new(Builder::from_parts((s, w, p, v, ManuallyDrop::new(retry_after), x, h, g, set)), old)
    }

    const fn swap_before<B2>(
        self,
        hook: B2,
    ) -> Replaced<Builder<S, W, P, V, A, B2, F, L, G, Z, O, K, U, R, Q, Prechecked>, B> {
        let (s, w, p, v, a, x, Hooks { before: old, after, before_sleep, on_give_up }, g, set) = self.into_parts();
        let hooks = Hooks { before: ManuallyDrop::new(hook), after, before_sleep, on_give_up };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, hooks, g, set)), old)
    }

    const fn swap_after<F2>(
        self,
        hook: F2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F2, L, G, Z, O, K, U, R, Q, Prechecked>, F> {
        let (s, w, p, v, a, x, Hooks { before, after: old, before_sleep, on_give_up }, g, set) = self.into_parts();
        let hooks = Hooks { before, after: ManuallyDrop::new(hook), before_sleep, on_give_up };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, hooks, g, set)), old)
    }

    const fn swap_before_sleep<L2>(
        self,
        hook: L2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L2, G, Z, O, K, U, R, Q, Prechecked>, L> {
        let (s, w, p, v, a, x, Hooks { before, after, before_sleep: old, on_give_up }, g, set) = self.into_parts();
        let hooks = Hooks { before, after, before_sleep: ManuallyDrop::new(hook), on_give_up };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, hooks, g, set)), old)
    }

    const fn swap_on_give_up<G2>(
        self,
        hook: G2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G2, Z, O, K, U, R, Q, Prechecked>, G> {
        let (s, w, p, v, a, x, Hooks { before, after, before_sleep, on_give_up: old }, g, set) = self.into_parts();
        let hooks = Hooks { before, after, before_sleep, on_give_up: ManuallyDrop::new(hook) };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, hooks, g, set)), old)
    }

    const fn swap_sleeper<Z2>(
        self,
        sleeper: Z2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z2, O, K, U, R, Q, Prechecked>, Z> {
        let (s, w, p, v, a, Execution { sleeper: old, timeout }, h, g, set) = self.into_parts();
        let execution = Execution { sleeper: ManuallyDrop::new(sleeper), timeout };
        Replaced::new(Builder::from_parts((s, w, p, v, a, execution, h, g, set)), old)
    }

    /// The timeout's marker, and the limit it marks.
    const fn swap_timeout<O2>(
        self,
        limit: Option<Duration>,
        marker: O2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z, O2, K, U, R, Q, Prechecked>, O> {
        let (s, w, p, v, a, Execution { sleeper, timeout: old }, h, g, mut set) = self.into_parts();
        set.timeout = limit;
        let execution = Execution { sleeper, timeout: ManuallyDrop::new(marker) };
        Replaced::new(Builder::from_parts((s, w, p, v, a, execution, h, g, set)), old)
    }

    const fn swap_breaker<K2>(
        self,
        breaker: K2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z, O, K2, U, R, Q, Prechecked>, K> {
        let (s, w, p, v, a, x, h, Guards { breaker: old, budget, limiter, bulkhead }, set) = self.into_parts();
        let guards = Guards { breaker: ManuallyDrop::new(breaker), budget, limiter, bulkhead };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, h, guards, set)), old)
    }

    const fn swap_budget<U2>(
        self,
        budget: U2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U2, R, Q, Prechecked>, U> {
        let (s, w, p, v, a, x, h, Guards { breaker, budget: old, limiter, bulkhead }, set) = self.into_parts();
        let guards = Guards { breaker, budget: ManuallyDrop::new(budget), limiter, bulkhead };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, h, guards, set)), old)
    }

    const fn swap_limiter<R2>(
        self,
        limiter: R2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R2, Q, Prechecked>, R> {
        let (s, w, p, v, a, x, h, Guards { breaker, budget, limiter: old, bulkhead }, set) = self.into_parts();
        let guards = Guards { breaker, budget, limiter: ManuallyDrop::new(limiter), bulkhead };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, h, guards, set)), old)
    }

    #[cfg(feature = "tokio")]
    const fn swap_bulkhead<Q2>(
        self,
        bulkhead: Q2,
    ) -> Replaced<Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q2, Prechecked>, Q> {
        let (s, w, p, v, a, x, h, Guards { breaker, budget, limiter, bulkhead: old }, set) = self.into_parts();
        let guards = Guards { breaker, budget, limiter, bulkhead: ManuallyDrop::new(bulkhead) };
        Replaced::new(Builder::from_parts((s, w, p, v, a, x, h, guards, set)), old)
    }

    /// The users' form of the same keys.
    fn into_checked(self) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.build().into_builder()
    }
}

// The attribute's setters: `const`, each its core with the key replaced (a default) forgotten.
#[doc(hidden)]
impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
    pub const fn stop<S2: Stop>(self, stop: S2) -> Builder<S2, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_stop(stop).forget_default()
    }

    pub const fn wait<W2: Wait>(self, wait: W2) -> Builder<S, W2, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_wait(wait).forget_default()
    }

    pub const fn when<P2>(self, retry_error: P2) -> Builder<S, W, P2, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_when(retry_error).forget_default()
    }

    pub const fn when_ok<V2>(
        self,
        retry_value: V2,
    ) -> Builder<S, W, P, V2, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_when_ok(retry_value).forget_default()
    }

    pub const fn retry_after<A2>(
        self,
        server_delay: A2,
    ) -> Builder<S, W, P, V, A2, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_retry_after(server_delay).forget_default()
    }

    pub const fn before<B2>(self, hook: B2) -> Builder<S, W, P, V, A, B2, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_before(hook).forget_default()
    }

    pub const fn after<F2>(self, hook: F2) -> Builder<S, W, P, V, A, B, F2, L, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_after(hook).forget_default()
    }

    pub const fn before_sleep<L2>(self, hook: L2) -> Builder<S, W, P, V, A, B, F, L2, G, Z, O, K, U, R, Q, Prechecked> {
        self.swap_before_sleep(hook).forget_default()
    }

    pub const fn on_give_up<G2>(self, hook: G2) -> Builder<S, W, P, V, A, B, F, L, G2, Z, O, K, U, R, Q, Prechecked> {
        self.swap_on_give_up(hook).forget_default()
    }

    pub const fn sleeper<Z2>(self, sleeper: Z2) -> Builder<S, W, P, V, A, B, F, L, G, Z2, O, K, U, R, Q, Prechecked> {
        self.swap_sleeper(sleeper).forget_default()
    }

    pub const fn timeout(
        self,
        timeout: Duration,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U, R, Q, Prechecked> {
        self.timeout_marked(timeout, WithTimeout)
    }

    /// The per-attempt timeout with the marker the attribute picked: `NoTimeout` when the
    /// error type lacks `From<Elapsed>`, so that the attribute's own check is the only error
    /// reported for it.
    pub const fn timeout_marked<O2>(
        self,
        limit: Duration,
        marker: O2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O2, K, U, R, Q, Prechecked> {
        self.swap_timeout(Some(limit), marker).forget_default()
    }

    /// The breaker with the guard the attribute picked: no breaker when the error type lacks
    /// `From<CircuitOpen>`, so that the attribute's own check is the only error reported for it.
    pub const fn breaker_marked<K2>(
        self,
        guard: K2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K2, U, R, Q, Prechecked> {
        self.swap_breaker(guard).forget_default()
    }

    pub const fn budget<U2: BudgetGuard>(
        self,
        budget: U2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U2, R, Q, Prechecked> {
        self.swap_budget(budget).forget_default()
    }

    /// The limiter with the guard the attribute picked (see `LimiterProbe`).
    pub const fn limiter_marked<R2>(
        self,
        guard: R2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R2, Q, Prechecked> {
        self.swap_limiter(guard).forget_default()
    }

    /// The bulkhead with the guard the attribute picked (see `BulkheadProbe`).
    ///
    /// Needs the `tokio` feature.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub const fn bulkhead_marked<Q2>(
        self,
        guard: Q2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q2, Prechecked> {
        self.swap_bulkhead(guard).forget_default()
    }

    /// The policy, checked by the attribute at compile time.
    pub const fn build(self) -> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
        let (stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings) =
            self.into_parts();
        RetryPolicy {
            stop: ManuallyDrop::into_inner(stop),
            wait: ManuallyDrop::into_inner(wait),
            retry_error: ManuallyDrop::into_inner(retry_error),
            retry_value: ManuallyDrop::into_inner(retry_value),
            server_delay: ManuallyDrop::into_inner(server_delay),
            execution: Execution {
                sleeper: ManuallyDrop::into_inner(execution.sleeper),
                timeout: ManuallyDrop::into_inner(execution.timeout),
            },
            hooks: Hooks {
                before: ManuallyDrop::into_inner(hooks.before),
                after: ManuallyDrop::into_inner(hooks.after),
                before_sleep: ManuallyDrop::into_inner(hooks.before_sleep),
                on_give_up: ManuallyDrop::into_inner(hooks.on_give_up),
            },
            guards: Guards {
                breaker: ManuallyDrop::into_inner(guards.breaker),
                budget: ManuallyDrop::into_inner(guards.budget),
                limiter: ManuallyDrop::into_inner(guards.limiter),
                bulkhead: ManuallyDrop::into_inner(guards.bulkhead),
            },
            settings,
        }
    }
}

// Users' setters: each its core, with the keys moved into the `Prechecked` form and back and
// the key replaced dropped.
impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
    /// When to give up (`stop = …`): see [`stop`](crate::stop).
    pub fn stop<S2: Stop>(self, stop: S2) -> Builder<S2, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_stop(stop).drop_old().into_checked()
    }

    /// How long to sleep between attempts (`wait = …`): see [`wait`](crate::wait).
    pub fn wait<W2: Wait>(self, wait: W2) -> Builder<S, W2, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_wait(wait).drop_old().into_checked()
    }

    /// Which errors to retry (`when = …`, or what `on` / `unless` expand to).
    pub fn when<P2>(self, retry_error: P2) -> Builder<S, W, P2, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_when(retry_error).drop_old().into_checked()
    }

    /// Which `Ok` values to retry as well (`when_ok = …`).
    pub fn when_ok<V2>(self, retry_value: V2) -> Builder<S, W, P, V2, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_when_ok(retry_value).drop_old().into_checked()
    }

    /// Where to read a server-directed delay (`retry_after = …`): the next sleep is the
    /// larger of it and the wait strategy's delay.
    pub fn retry_after<A2>(self, server_delay: A2) -> Builder<S, W, P, V, A2, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_retry_after(server_delay).drop_old().into_checked()
    }

    /// Called before every attempt (`before = …`).
    pub fn before<B2>(self, hook: B2) -> Builder<S, W, P, V, A, B2, F, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_before(hook).drop_old().into_checked()
    }

    /// Called after every failed attempt (`after = …`): one whose outcome the policy
    /// retries, whether or not a retry follows; an error not retried returns without it.
    pub fn after<F2>(self, hook: F2) -> Builder<S, W, P, V, A, B, F2, L, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_after(hook).drop_old().into_checked()
    }

    /// Called before each sleep (`before_sleep = …`).
    pub fn before_sleep<L2>(self, hook: L2) -> Builder<S, W, P, V, A, B, F, L2, G, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_before_sleep(hook).drop_old().into_checked()
    }

    /// Called once when the call gives up on a retryable outcome (`on_give_up = …`).
    pub fn on_give_up<G2>(self, hook: G2) -> Builder<S, W, P, V, A, B, F, L, G2, Z, O, K, U, R, Q, Checked> {
        self.into_slots().swap_on_give_up(hook).drop_old().into_checked()
    }

    /// What sleeps and tells the time: see [`sleep`](crate::sleep).
    pub fn sleeper<Z2>(self, sleeper: Z2) -> Builder<S, W, P, V, A, B, F, L, G, Z2, O, K, U, R, Q, Checked> {
        self.into_slots().swap_sleeper(sleeper).drop_old().into_checked()
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
    pub fn timeout(self, timeout: Duration) -> Builder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U, R, Q, Checked> {
        self.optional_timeout(Some(timeout))
    }

    /// A per-attempt timeout that may be absent at run time (from configuration): the
    /// policy then still needs `E: From<Elapsed>`.
    pub(crate) fn optional_timeout(
        self,
        timeout: Option<Duration>,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U, R, Q, Checked> {
        self.into_slots().swap_timeout(timeout, WithTimeout).drop_old().into_checked()
    }

    /// Admits every attempt through `breaker` (`breaker = …`): while it is open, the call
    /// fails fast with `E::from(CircuitOpen)` without running the attempt, and a failure
    /// that leaves it open past the next attempt ends the call at once with that failure
    /// (no sleep, no budget paid). Only errors the policy retries, and that carry no
    /// server-directed delay, count as failures.
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
    /// assert_eq!((out, runs), (Err(Error::Down), 2)); // the second failure opened it
    /// assert_eq!(BREAKER.state(), BreakerState::Open);
    /// let out: Result<(), Error> = policy.retry_blocking(|| { runs += 1; Err(Error::Down) });
    /// assert_eq!((out, runs), (Err(Error::Open), 2)); // refused without an attempt
    /// ```
    pub fn breaker<K2: Breaker + ?Sized>(
        self,
        breaker: &K2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, &K2, U, R, Q, Checked> {
        self.into_slots().swap_breaker(breaker).drop_old().into_checked()
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
    pub fn budget<U2: Budget + ?Sized>(
        self,
        budget: &U2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, &U2, R, Q, Checked> {
        self.into_slots().swap_budget(budget).drop_old().into_checked()
    }

    /// Paces every attempt through `limiter` (`limiter = …`), shared by many calls: before
    /// each attempt the call waits for a permit, never past its `deadline` stop (measured
    /// from the call's start); a wait that would cross it gives up with
    /// `E::from(RateLimited)`. After the attempt the permit reports `Ok` as a success, an
    /// error the policy retries whose `retry_after` says when to come back as a throttle,
    /// and any other error as a failure (what an adaptive limiter's rate follows).
    ///
    /// ```
    /// use retry_runtime::{RateLimited, RateLimiter, RetryPolicy, stop::attempts, wait::none};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Down, Limited }
    /// impl From<RateLimited> for Error { fn from(_: RateLimited) -> Self { Error::Limited } }
    /// impl std::fmt::Display for Error {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
    /// }
    ///
    /// static LIMITER: RateLimiter = RateLimiter::per_second(2);
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder().stop(attempts(4)).wait(none()).limiter(&LIMITER).build().unwrap();
    /// let start = tokio::time::Instant::now();
    /// let out: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
    /// assert_eq!(out, Err(Error::Down));
    /// // A burst of two, then one every 500 ms: the fourth attempt starts at 1 s.
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// # }
    /// ```
    pub fn limiter<R2: Limiter + ?Sized>(
        self,
        limiter: &R2,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, &R2, Q, Checked> {
        self.into_slots().swap_limiter(limiter).drop_old().into_checked()
    }

    /// Runs every attempt in a place of `bulkhead` (`bulkhead = …`), shared by many calls:
    /// the place is taken after the limiter's permit, held for the attempt only, and waited
    /// for (as the bulkhead's queue allows) never past the call's `deadline` stop; a refusal
    /// gives up with `E::from(BulkheadFull)`.
    ///
    /// ```
    /// use retry_runtime::{Bulkhead, BulkheadFull, RetryPolicy, stop::attempts, wait::none};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Full }
    /// impl From<BulkheadFull> for Error { fn from(_: BulkheadFull) -> Self { Error::Full } }
    /// impl std::fmt::Display for Error {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
    /// }
    ///
    /// static POOL: Bulkhead = Bulkhead::new(1);
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = RetryPolicy::builder().stop(attempts(1)).wait(none()).bulkhead(&POOL).build().unwrap();
    /// let out: Result<usize, Error> = policy.retry(|| async { Ok(POOL.available()) }).await;
    /// assert_eq!(out, Ok(0), "the attempt held the only place");
    /// assert_eq!(POOL.available(), 1, "and gave it back");
    /// let _held = POOL.try_acquire().unwrap();
    /// let out: Result<usize, Error> = policy.retry(|| async { Ok(0) }).await;
    /// assert_eq!(out, Err(Error::Full));
    /// # }
    /// ```
    ///
    /// Needs the `tokio` feature.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn bulkhead(
        self,
        bulkhead: &crate::Bulkhead,
    ) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, &crate::Bulkhead, Checked> {
        self.into_slots().swap_bulkhead(bulkhead).drop_old().into_checked()
    }

    /// Checks the configuration with the attribute's rules and returns the policy.
    ///
    /// # Errors
    /// A [`PolicyError`] naming the first rule broken; the keys are dropped.
    pub fn build(self) -> Result<Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q>, PolicyError>
    where
        S: Stop,
        W: Wait,
    {
        let policy = self.keys;
        policy.stop.validate()?;
        policy.wait.validate()?;
        if let Some(hedge) = policy.settings.hedge {
            hedge.validate()?;
        }
        if let Some(timeout) = policy.settings.timeout {
            if timeout.is_zero() {
                return Err(PolicyError::ZeroDuration { what: retry_grammar::TIMEOUT.name });
            }
            if let Some(deadline) = policy.stop.deadline()
                && timeout > deadline
            {
                return Err(PolicyError::TimeoutExceedsDeadline { timeout, deadline });
            }
        }
        Ok(policy)
    }

    /// The same keys, each in a `ManuallyDrop`, for a core to replace one.
    fn into_slots(self) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Prechecked> {
        let RetryPolicy { stop, wait, retry_error, retry_value, server_delay, execution, hooks, guards, settings } =
            self.keys;
        Builder::from_parts((
            ManuallyDrop::new(stop),
            ManuallyDrop::new(wait),
            ManuallyDrop::new(retry_error),
            ManuallyDrop::new(retry_value),
            ManuallyDrop::new(server_delay),
            Execution { sleeper: ManuallyDrop::new(execution.sleeper), timeout: ManuallyDrop::new(execution.timeout) },
            Hooks {
                before: ManuallyDrop::new(hooks.before),
                after: ManuallyDrop::new(hooks.after),
                before_sleep: ManuallyDrop::new(hooks.before_sleep),
                on_give_up: ManuallyDrop::new(hooks.on_give_up),
            },
            Guards {
                breaker: ManuallyDrop::new(guards.breaker),
                budget: ManuallyDrop::new(guards.budget),
                limiter: ManuallyDrop::new(guards.limiter),
                bulkhead: ManuallyDrop::new(guards.bulkhead),
            },
            settings,
        ))
    }
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> Spelled<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q> {
    /// A builder holding this policy, to change some of its keys.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, stop::attempts};
    /// let three = RetryPolicy::builder().build().unwrap();
    /// let five = three.clone().into_builder().stop(attempts(5)).build().unwrap();
    /// # let _ = five;
    /// ```
    pub const fn into_builder(self) -> Builder<S, W, P, V, A, B, F, L, G, Z, O, K, U, R, Q, Checked> {
        RetryPolicyBuilder { keys: self, checks: PhantomData }
    }
}

#[cfg(test)]
mod tests {
    use super::KeysBuilder;
    use crate::RetryPolicy;

    #[test]
    fn the_attribute_builder_and_the_default_policy_own_nothing_to_drop() {
        // The attribute's `const` setters forget the defaults they replace: this is why that
        // loses nothing.
        const { assert!(!core::mem::needs_drop::<KeysBuilder>()) };
        const { assert!(!core::mem::needs_drop::<RetryPolicy>()) };
    }
}
