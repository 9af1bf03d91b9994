//! [`KeysBuilder`]: the attribute's keys as a builder of `const fn`s, so that a policy
//! whose keys are all constants is built at compile time.
//!
//! The expansion then writes `let policy = &const { … .build() };`, which rustc promotes to
//! a `&'static`: the function's future holds 8 bytes of policy instead of the policy itself
//! (about 120 bytes), and no instruction builds it at run time.
//!
//! [`RetryPolicyBuilder`](crate::RetryPolicyBuilder)'s setters cannot be `const`: each
//! drops the value it replaces, and a `const fn` cannot drop a value of a generic type.
//! Here every field is a `ManuallyDrop`, so replacing one drops nothing. The attribute sets
//! each key once, over a default that owns nothing, so nothing is ever leaked.

use core::mem::ManuallyDrop;
use core::time::Duration;

use crate::guards::{NoBreaker, NoBudget};
use crate::hooks::{Hooks, NoHook};
use crate::log::LogLevel;
use crate::policy::{DEFAULT_STOP, DEFAULT_WAIT, RetryPolicy, Settings};
use crate::predicate::{AnyError, NoServerDelay, NoValue};
use crate::sleep::DefaultSleep;
use crate::stop::Attempts;
use crate::timeout::{NoTimeout, WithTimeout};
use crate::wait::FullJitter;
use crate::{CircuitBreaker, RetryBudget};

/// The attribute's policy under construction; see the module docs.
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct KeysBuilder<
    S = Attempts,
    W = FullJitter,
    P = AnyError,
    V = NoValue,
    A = NoServerDelay,
    B = NoHook,
    F = NoHook,
    L = NoHook,
    G = NoHook,
    Z = DefaultSleep,
    O = NoTimeout,
    K = NoBreaker,
    U = NoBudget,
> {
    stop: ManuallyDrop<S>,
    wait: ManuallyDrop<W>,
    retry_error: ManuallyDrop<P>,
    retry_value: ManuallyDrop<V>,
    server_delay: ManuallyDrop<A>,
    before: ManuallyDrop<B>,
    after: ManuallyDrop<F>,
    before_sleep: ManuallyDrop<L>,
    on_give_up: ManuallyDrop<G>,
    sleeper: ManuallyDrop<Z>,
    timeout: ManuallyDrop<O>,
    breaker: ManuallyDrop<K>,
    budget: ManuallyDrop<U>,
    settings: Settings,
}

impl KeysBuilder {
    /// The defaults of [`RetryPolicy`], reporting `name` as the function.
    pub const fn named(name: &'static str) -> Self {
        Self {
            stop: ManuallyDrop::new(DEFAULT_STOP),
            wait: ManuallyDrop::new(DEFAULT_WAIT),
            retry_error: ManuallyDrop::new(AnyError),
            retry_value: ManuallyDrop::new(NoValue),
            server_delay: ManuallyDrop::new(NoServerDelay),
            before: ManuallyDrop::new(NoHook),
            after: ManuallyDrop::new(NoHook),
            before_sleep: ManuallyDrop::new(NoHook),
            on_give_up: ManuallyDrop::new(NoHook),
            sleeper: ManuallyDrop::new(DefaultSleep),
            timeout: ManuallyDrop::new(NoTimeout),
            breaker: ManuallyDrop::new(NoBreaker),
            budget: ManuallyDrop::new(NoBudget),
            settings: Settings::named(name),
        }
    }
}

/// Replaces one field, changing its type; the other fields are named at the call site so
/// that `macro_rules!` hygiene keeps them apart (as `rebuild!` in `policy.rs`).
macro_rules! replace {
    ($self:ident, $field:ident = $value:expr; $($other:ident),*) => {{
        let KeysBuilder { $field: _replaced, $($other),* } = $self;
        KeysBuilder { $field: ManuallyDrop::new($value), $($other),* }
    }};
}

impl<S, W, P, V, A, B, F, L, G, Z, O, K, U> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
    /// `stop = …`.
    pub const fn stop<S2>(self, stop: S2) -> KeysBuilder<S2, W, P, V, A, B, F, L, G, Z, O, K, U> {
        replace!(self, stop = stop; wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `wait = …`.
    pub const fn wait<W2>(self, wait: W2) -> KeysBuilder<S, W2, P, V, A, B, F, L, G, Z, O, K, U> {
        replace!(self, wait = wait; stop, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `on`, `unless`, `when`.
    pub const fn when<P2>(self, retry_error: P2) -> KeysBuilder<S, W, P2, V, A, B, F, L, G, Z, O, K, U> {
        replace!(self, retry_error = retry_error; stop, wait, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `when_ok = …`.
    pub const fn when_ok<V2>(self, retry_value: V2) -> KeysBuilder<S, W, P, V2, A, B, F, L, G, Z, O, K, U> {
        replace!(self, retry_value = retry_value; stop, wait, retry_error, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `retry_after = …`.
    pub const fn retry_after<A2>(self, server_delay: A2) -> KeysBuilder<S, W, P, V, A2, B, F, L, G, Z, O, K, U> {
        replace!(self, server_delay = server_delay; stop, wait, retry_error, retry_value, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `before = …`.
    pub const fn before<B2>(self, before: B2) -> KeysBuilder<S, W, P, V, A, B2, F, L, G, Z, O, K, U> {
        replace!(self, before = before; stop, wait, retry_error, retry_value, server_delay, after, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `after = …`.
    pub const fn after<F2>(self, after: F2) -> KeysBuilder<S, W, P, V, A, B, F2, L, G, Z, O, K, U> {
        replace!(self, after = after; stop, wait, retry_error, retry_value, server_delay, before, before_sleep, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `before_sleep = …`.
    pub const fn before_sleep<L2>(self, before_sleep: L2) -> KeysBuilder<S, W, P, V, A, B, F, L2, G, Z, O, K, U> {
        replace!(self, before_sleep = before_sleep; stop, wait, retry_error, retry_value, server_delay, before, after, on_give_up, sleeper, timeout, breaker, budget, settings)
    }

    /// `on_give_up = …`.
    pub const fn on_give_up<G2>(self, on_give_up: G2) -> KeysBuilder<S, W, P, V, A, B, F, L, G2, Z, O, K, U> {
        replace!(self, on_give_up = on_give_up; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, sleeper, timeout, breaker, budget, settings)
    }

    /// `sleeper = …`.
    pub const fn sleeper<Z2>(self, sleeper: Z2) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z2, O, K, U> {
        replace!(self, sleeper = sleeper; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, timeout, breaker, budget, settings)
    }

    /// `timeout = …`.
    pub const fn timeout(mut self, limit: Duration) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, WithTimeout, K, U> {
        self.settings.timeout = Some(limit);
        replace!(self, timeout = WithTimeout; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, breaker, budget, settings)
    }

    /// `breaker = …`.
    pub const fn breaker(
        self,
        breaker: &CircuitBreaker,
    ) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, O, &CircuitBreaker, U> {
        replace!(self, breaker = breaker; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, budget, settings)
    }

    /// `breaker = …` with the guard the attribute picked: no breaker when the error type
    /// lacks `From<CircuitOpen>`, so that the attribute's own check is the only error.
    pub const fn breaker_marked<K2>(self, guard: K2) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, O, K2, U> {
        replace!(self, breaker = guard; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, budget, settings)
    }

    /// `timeout = …` with the marker the attribute picked: [`NoTimeout`](crate::timeout::NoTimeout)
    /// when the error type lacks `From<Elapsed>`, so that the attribute's own check is the
    /// only error.
    pub const fn timeout_marked<O2>(
        mut self,
        limit: Duration,
        marker: O2,
    ) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, O2, K, U> {
        self.settings.timeout = Some(limit);
        replace!(self, timeout = marker; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, breaker, budget, settings)
    }

    /// `budget = …`.
    pub const fn budget(self, budget: &RetryBudget) -> KeysBuilder<S, W, P, V, A, B, F, L, G, Z, O, K, &RetryBudget> {
        replace!(self, budget = budget; stop, wait, retry_error, retry_value, server_delay, before, after, before_sleep, on_give_up, sleeper, timeout, breaker, settings)
    }

    /// `retry_after_max = …`.
    pub const fn retry_after_max(mut self, max: Duration) -> Self {
        self.settings.retry_after_max = max;
        self
    }

    /// `log = …`.
    pub const fn log(mut self, level: LogLevel) -> Self {
        self.settings.log = Some(level);
        self
    }

    /// `state = …`: the body reads the elapsed time.
    pub const fn track_time(mut self) -> Self {
        self.settings.track_time = true;
        self
    }

    /// The policy, checked by the attribute at compile time.
    pub const fn build(self) -> RetryPolicy<S, W, P, V, A, B, F, L, G, Z, O, K, U> {
        let KeysBuilder {
            stop,
            wait,
            retry_error,
            retry_value,
            server_delay,
            before,
            after,
            before_sleep,
            on_give_up,
            sleeper,
            timeout,
            breaker,
            budget,
            settings,
        } = self;
        RetryPolicy {
            stop: ManuallyDrop::into_inner(stop),
            wait: ManuallyDrop::into_inner(wait),
            retry_error: ManuallyDrop::into_inner(retry_error),
            retry_value: ManuallyDrop::into_inner(retry_value),
            server_delay: ManuallyDrop::into_inner(server_delay),
            hooks: Hooks {
                before: ManuallyDrop::into_inner(before),
                after: ManuallyDrop::into_inner(after),
                before_sleep: ManuallyDrop::into_inner(before_sleep),
                on_give_up: ManuallyDrop::into_inner(on_give_up),
            },
            sleeper: ManuallyDrop::into_inner(sleeper),
            timeout: ManuallyDrop::into_inner(timeout),
            breaker: ManuallyDrop::into_inner(breaker),
            budget: ManuallyDrop::into_inner(budget),
            settings,
        }
    }
}
