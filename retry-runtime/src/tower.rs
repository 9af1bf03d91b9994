//! [`RetryLayer`]: a [`RetryPolicy`](crate::RetryPolicy) as a `tower` layer, retrying any
//! service whose request is `Clone`. Needs the `tower` feature.
//!
//! Built on the `tower-layer` and `tower-service` traits only, not on tower itself: a
//! [`Retry`] service runs [`RetryPolicy::retry`](crate::RetryPolicy::retry) around the
//! inner service, so it honours every key the policy carries, as the attribute does: the
//! stop, the wait, the predicates on the error (`when`) and on the response (`when_ok`),
//! the server's delay (`retry_after`, `retry_after_max`, `retry_after_exact`), the
//! per-attempt `timeout`, the hooks, the events, the breaker, the budget, a `hedge`, and a
//! limiter and a bulkhead held as `&'static` ([`RateLimiter`],
//! [`Bulkhead`], and with the `redis` feature a `fleet::FleetLimiter`: the
//! service's future is `Send` only for a limiter it knows).
//!
//! Each attempt sends a clone of the request to a clone of the inner service. The first
//! attempt uses the clone that [`Service::poll_ready`] readied, as tower's own middleware
//! does; every retry clones the service again and waits until that clone is ready.
//!
//! | tower's `retry::Retry` | this crate's [`Retry`] |
//! |---|---|
//! | a `Policy` trait you implement: `retry`, `clone_request` | a [`RetryPolicy`](crate::RetryPolicy) value: keys, presets, configuration |
//! | backoff from `tower::retry::backoff`, budget `TpsBudget` | every `wait` strategy; [`RetryBudget`](crate::RetryBudget); [`CircuitBreaker`](crate::CircuitBreaker) |
//! | `Req: Clone` through `clone_request` | `Req: Clone` |

use core::fmt;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use tower_layer::Layer;
use tower_service::Service;

use crate::guards::{BreakerGuard, BudgetGuard};
use crate::hooks::Hook;
use crate::policy::Spelled;
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::shaping::{NoBulkhead, NoLimiter};
use crate::sleep::AsyncSleep;
use crate::stop::Stop;
use crate::timeout::{NoTimeout, WithTimeout};
use crate::wait::Wait;
#[cfg(feature = "tokio")]
use crate::{Bulkhead, BulkheadFull};
use crate::{Elapsed, RateLimited, RateLimiter};

/// Wraps services in [`Retry`] with one shared policy. Needs the `tower` feature.
///
/// ```
/// use core::future::{Ready, poll_fn, ready};
/// use core::task::{Context, Poll};
/// use retry_runtime::{RetryPolicy, stop::attempts, tower::RetryLayer, wait::none};
/// use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
/// use tower_layer::Layer;
/// use tower_service::Service;
///
/// /// Fails the first two calls of every request.
/// #[derive(Clone, Default)]
/// struct Flaky(Arc<AtomicU32>);
/// impl Service<&'static str> for Flaky {
///     type Response = String;
///     type Error = &'static str;
///     type Future = Ready<Result<String, &'static str>>;
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
///         Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, name: &'static str) -> Self::Future {
///         let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
///         ready(if n < 3 { Err("busy") } else { Ok(format!("hello, {name}")) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let policy = RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap();
/// let flaky = Flaky::default();
/// let mut service = RetryLayer::new(policy).layer(flaky.clone());
/// poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
/// assert_eq!(service.call("tower").await.unwrap(), "hello, tower");
/// assert_eq!(flaky.0.load(Ordering::Relaxed), 3);
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
#[derive(Debug)]
pub struct RetryLayer<Pol> {
    policy: Arc<Pol>,
}

impl<Pol> RetryLayer<Pol> {
    /// A layer whose services all follow `policy` (one policy, shared: a breaker or a
    /// budget in it counts every service's calls).
    pub fn new(policy: Pol) -> Self {
        Self { policy: Arc::new(policy) }
    }

    /// The policy the services follow.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, tower::RetryLayer};
    /// let layer = RetryLayer::new(RetryPolicy::builder().name("chat").build().unwrap());
    /// # let _ = layer.policy();
    /// ```
    pub fn policy(&self) -> &Pol {
        &self.policy
    }
}

/// Another handle on the same policy.
impl<Pol> Clone for RetryLayer<Pol> {
    fn clone(&self) -> Self {
        Self { policy: Arc::clone(&self.policy) }
    }
}

/// Needs the `tower` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
impl<Svc, Pol> Layer<Svc> for RetryLayer<Pol> {
    type Service = Retry<Svc, Pol>;

    fn layer(&self, inner: Svc) -> Retry<Svc, Pol> {
        Retry { inner, policy: Arc::clone(&self.policy) }
    }
}

/// A service that retries its inner service as its policy says: see [`RetryLayer`].
/// Needs the `tower` feature.
///
/// Its future is boxed ([`RetryFuture`]): the retry loop borrows the policy across its
/// awaits, and a future that names its own type would have to be written by hand.
///
/// ```
/// use core::future::{Ready, poll_fn, ready};
/// use core::task::{Context, Poll};
/// use retry_runtime::{RetryPolicy, stop::attempts, tower::RetryLayer, wait::none};
/// use tower_layer::Layer;
/// use tower_service::Service;
///
/// #[derive(Clone)]
/// struct Status(u16);
/// impl Service<()> for Status {
///     type Response = u16;
///     type Error = std::io::Error;
///     type Future = Ready<Result<u16, std::io::Error>>;
///     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
///         Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, (): ()) -> Self::Future {
///         ready(Ok(self.0))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // A 503 is a response, not an error: `when_ok` retries it, and the last one is returned.
/// let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).when_ok(|s: &u16| *s >= 500).build().unwrap();
/// let mut service = RetryLayer::new(policy).layer(Status(503));
/// poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
/// assert_eq!(service.call(()).await.unwrap(), 503);
/// assert_eq!(service.get_ref().0, 503);
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
#[derive(Debug)]
pub struct Retry<Svc, Pol> {
    inner: Svc,
    policy: Arc<Pol>,
}

impl<Svc, Pol> Retry<Svc, Pol> {
    /// The inner service.
    pub fn get_ref(&self) -> &Svc {
        &self.inner
    }

    /// The inner service, unwrapped.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, tower::RetryLayer};
    /// use tower_layer::Layer;
    /// let service = RetryLayer::new(RetryPolicy::builder().build().unwrap()).layer(7_u8);
    /// assert_eq!(service.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> Svc {
        self.inner
    }
}

/// A clone of the inner service, with the same policy.
impl<Svc: Clone, Pol> Clone for Retry<Svc, Pol> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), policy: Arc::clone(&self.policy) }
    }
}

/// The future of [`Retry`]'s `call`. Needs the `tower` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub type RetryFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// One attempt: `service` (already ready when `ready`) called with `request`.
async fn attempt<Svc: Service<Req>, Req>(
    mut service: Svc,
    ready: bool,
    request: Req,
) -> Result<Svc::Response, Svc::Error> {
    if !ready {
        poll_fn(|cx| service.poll_ready(cx)).await?;
    }
    service.call(request).await
}

// One impl per per-attempt timeout marker: whether the retry loop's future is `Send` depends
// on the future each marker's `AttemptTimeout::bound` returns, which only a concrete marker
// shows, and only when no where clause `Marker: AttemptTimeout<E>` hides its impl (so the
// bound each needs is written on the error instead).
macro_rules! retry_service {
    ($($(#[$cfg:meta])* $timeout:ty, $limiter:ty, $bulkhead:ty, [$($needs:tt)*]);* $(;)?) => {$(
        $(#[$cfg])*
        impl<Svc, Req, S, W, P, V, A, B, F, L, G, Z, K, U> Service<Req>
            for Retry<Svc, Spelled<S, W, P, V, A, B, F, L, G, Z, $timeout, K, U, $limiter, $bulkhead>>
        where
            Svc: Service<Req> + Clone + Send + 'static,
            Svc::Future: Send,
            Svc::Response: Send,
            Svc::Error: fmt::Debug + Send,
            Req: Clone + Send + 'static,
            // Each part rather than the whole policy: a bound on the policy, which names the
            // guards' `'static`, is not one the async block's erased lifetimes can meet.
            S: Send + Sync + 'static,
            W: Send + Sync + 'static,
            P: Send + Sync + 'static,
            V: Send + Sync + 'static,
            A: Send + Sync + 'static,
            B: Send + Sync + 'static,
            F: Send + Sync + 'static,
            L: Send + Sync + 'static,
            G: Send + Sync + 'static,
            Z: Send + Sync + 'static,
            K: Send + Sync + 'static,
            U: Send + Sync + 'static,
            S: Stop,
            W: Wait,
            P: RetryError<Svc::Error>,
            V: RetryValue<Svc::Response>,
            A: ServerDelay<Svc::Error>,
            B: Hook<Svc::Response, Svc::Error>,
            F: Hook<Svc::Response, Svc::Error>,
            L: Hook<Svc::Response, Svc::Error>,
            G: Hook<Svc::Response, Svc::Error>,
            Z: AsyncSleep,
            Z::Sleep: Send,
            $($needs)*
            K: BreakerGuard<Svc::Error>,
            K::Permit: Send,
            U: BudgetGuard,
        {
            type Response = Svc::Response;
            type Error = Svc::Error;
            type Future = RetryFuture<Svc::Response, Svc::Error>;

            fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Svc::Error>> {
                self.inner.poll_ready(cx)
            }

            fn call(&mut self, request: Req) -> Self::Future {
                // The readied service goes to the first attempt; a fresh clone stays here.
                let template = self.inner.clone();
                let ready = core::mem::replace(&mut self.inner, template.clone());
                let policy = Arc::clone(&self.policy);
                Box::pin(async move {
                    let mut first = Some(ready);
                    policy
                        .retry(move || match first.take() {
                            Some(ready) => attempt(ready, true, request.clone()),
                            None => attempt(template.clone(), false, request.clone()),
                        })
                        .await
                })
            }
        }
    )*};
}

// … and one per limiter and bulkhead, for the same reason: their waits are futures of a
// trait's method, `Send` only where the guard is known.
retry_service!(
    NoTimeout, NoLimiter, NoBulkhead, [];
    WithTimeout, NoLimiter, NoBulkhead, [Svc::Error: From<Elapsed>,];
    NoTimeout, &'static RateLimiter, NoBulkhead, [Svc::Error: From<RateLimited>,];
    WithTimeout, &'static RateLimiter, NoBulkhead, [Svc::Error: From<Elapsed> + From<RateLimited>,];
    #[cfg(feature = "tokio")]
    NoTimeout, NoLimiter, &'static Bulkhead, [Svc::Error: From<BulkheadFull>,];
    #[cfg(feature = "tokio")]
    WithTimeout, NoLimiter, &'static Bulkhead, [Svc::Error: From<Elapsed> + From<BulkheadFull>,];
    #[cfg(feature = "tokio")]
    NoTimeout, &'static RateLimiter, &'static Bulkhead, [Svc::Error: From<RateLimited> + From<BulkheadFull>,];
    #[cfg(feature = "tokio")]
    WithTimeout, &'static RateLimiter, &'static Bulkhead, [Svc::Error: From<Elapsed> + From<RateLimited> + From<BulkheadFull>,];
    #[cfg(feature = "redis")]
    NoTimeout, &'static crate::fleet::FleetLimiter, NoBulkhead, [Svc::Error: From<RateLimited>,];
    #[cfg(feature = "redis")]
    WithTimeout, &'static crate::fleet::FleetLimiter, NoBulkhead, [Svc::Error: From<Elapsed> + From<RateLimited>,];
    #[cfg(feature = "redis")]
    NoTimeout, &'static crate::fleet::FleetLimiter, &'static Bulkhead, [Svc::Error: From<RateLimited> + From<BulkheadFull>,];
    #[cfg(feature = "redis")]
    WithTimeout, &'static crate::fleet::FleetLimiter, &'static Bulkhead, [Svc::Error: From<Elapsed> + From<RateLimited> + From<BulkheadFull>,];
);
