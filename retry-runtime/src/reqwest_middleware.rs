//! [`RetryMiddleware`]: a [`RetryPolicy`](crate::RetryPolicy) as a middleware of the
//! `reqwest-middleware` crate (0.5, on reqwest 0.13). Needs the `reqwest-middleware` feature.
//!
//! The policy sees each attempt as `Result<reqwest::Response, RequestFailure>`: a response
//! whose status is 400 to 599 is a [`RequestFailure::Status`], holding the response, and a
//! request that got no response is a [`RequestFailure::Error`]. [`RequestFailure`] is a
//! [`FailedRequest`] and a [`Transient`], so the SDKs' presets
//! ([`presets::openai`](crate::presets::openai), [`presets::anthropic`](crate::presets::anthropic))
//! and [`TransientErrors`](crate::classify::TransientErrors) read its status and its headers
//! (`x-should-retry`, `retry-after-ms`, `Retry-After`, the providers' rate-limit resets) as
//! they read any response; `when_ok` sees the successful responses.
//!
//! When the policy gives up on a failing status, or does not retry it, the middleware
//! returns that last response as `Ok`, as the `reqwest-retry` crate and the SDKs' raw
//! responses do: check its status as you would without the middleware. A request that got
//! no response returns its error.
//!
//! A request whose body is a stream cannot be sent twice: it is sent once, unretried.
//! The response bodies are not read, so the body rule of
//! [`classify::response`](crate::classify::response) (a 429 out of money is not retried)
//! does not apply here.
//!
//! | reqwest-retry | this crate |
//! |---|---|
//! | `RetryTransientMiddleware::new_with_policy(ExponentialBackoff::builder().build_with_max_retries(3))` | `RetryMiddleware::new(RetryPolicy::builder().stop(attempts(4)).build()?)` |
//! | `DefaultRetryableStrategy` | [`TransientErrors`](crate::classify::TransientErrors), or a preset's SDK rules |
//! | honours `Retry-After` only with its own strategy | `retry_after = …`; the presets read `retry-after-ms` and the rate-limit headers too |

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use crate::classify::{FailedRequest, Transient};
use crate::guards::{BreakerGuard, BudgetGuard};
use crate::hooks::Hook;
use crate::policy::Spelled;
use crate::predicate::{RetryError, RetryValue, ServerDelay};
use crate::shaping::{NoBulkhead, NoLimiter};
use crate::sleep::AsyncSleep;
use crate::stop::Stop;
use crate::timeout::{NoTimeout, WithTimeout};
use crate::wait::Wait;
use crate::{CircuitOpen, Elapsed, RateLimited, RateLimiter};

/// Retries the requests of a `reqwest_middleware::ClientWithMiddleware` as `policy` says.
/// Needs the `reqwest-middleware` feature.
///
/// ```
/// use retry_runtime::{classify::TransientErrors, reqwest_middleware::RetryMiddleware};
/// use retry_runtime::{RetryPolicy, stop::attempts, wait::exp_jitter};
/// use std::time::Duration;
///
/// let policy = RetryPolicy::builder()
///     .stop(attempts(4))
///     .wait(exp_jitter(Duration::from_millis(100), Duration::from_secs(10), Duration::from_millis(100)))
///     .when(TransientErrors)
///     .retry_after(TransientErrors)
///     .build()?;
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(RetryMiddleware::new(policy))
///     .build();
/// # let _ = client;
/// // Or exactly as openai-python decides:
/// let openai = RetryMiddleware::new(retry_runtime::presets::openai().build()?);
/// # let _ = openai;
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
#[derive(Debug, Clone)]
pub struct RetryMiddleware<Pol> {
    policy: Pol,
}

impl<Pol> RetryMiddleware<Pol> {
    /// A middleware that follows `policy` for every request.
    pub const fn new(policy: Pol) -> Self {
        Self { policy }
    }

    /// The policy it follows.
    ///
    /// ```
    /// use retry_runtime::{RetryPolicy, reqwest_middleware::RetryMiddleware};
    /// let middleware = RetryMiddleware::new(RetryPolicy::builder().name("api").build().unwrap());
    /// # let _ = middleware.policy();
    /// ```
    pub const fn policy(&self) -> &Pol {
        &self.policy
    }
}

/// How an attempt failed, as the policy sees it. Needs the `reqwest-middleware` feature.
///
/// ```
/// use retry_runtime::classify::{FailedRequest, Transient};
/// use retry_runtime::reqwest_middleware::RequestFailure;
/// use std::time::Duration;
///
/// let reply = http::Response::builder().status(429).header("retry-after-ms", "250").body("")?;
/// let failure = RequestFailure::Status(Box::new(reply.into()));
/// assert!(failure.is_transient());
/// assert_eq!(failure.retry_after(), Some(Duration::from_millis(250)));
/// assert_eq!(failure.status(), Some(429));
/// assert_eq!(failure.to_string(), "http status 429");
/// # Ok::<(), http::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
#[derive(Debug)]
pub enum RequestFailure {
    /// A response whose status is a client or server error (400 to 599); boxed, since a
    /// large error makes every `Result` that carries it costly to move.
    Status(Box<Response>),
    /// No response: the connection failed or timed out, a middleware below failed, or
    /// this crate refused the attempt (an open breaker, a timeout, a rate limiter).
    Error(reqwest_middleware::Error),
}

impl RequestFailure {
    /// The attempt's outcome as the policy sees it: a failing status becomes [`Status`](Self::Status).
    fn of(sent: reqwest_middleware::Result<Response>) -> Result<Response, Self> {
        match sent {
            Ok(response) if response.status().is_client_error() || response.status().is_server_error() => {
                Err(Self::Status(Box::new(response)))
            }
            Ok(response) => Ok(response),
            Err(error) => Err(Self::Error(error)),
        }
    }

    /// What the middleware returns: the last response, whatever its status, or the error.
    fn into_result(outcome: Result<Response, Self>) -> reqwest_middleware::Result<Response> {
        match outcome {
            Ok(response) => Ok(response),
            Err(Self::Status(response)) => Ok(*response),
            Err(Self::Error(error)) => Err(error),
        }
    }
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(response) => write!(f, "http status {}", response.status().as_u16()),
            Self::Error(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for RequestFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Status(_) => None,
            Self::Error(error) => Some(error),
        }
    }
}

/// A response by its `x-should-retry` and status, with its server delay; an error as
/// `reqwest::Error`'s [`Transient`] says, and a per-attempt timeout of this crate
/// ([`Elapsed`]) is transient.
///
/// Needs the `reqwest-middleware` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
impl Transient for RequestFailure {
    fn is_transient(&self) -> bool {
        match self {
            Self::Status(response) => response.is_transient(),
            Self::Error(reqwest_middleware::Error::Reqwest(error)) => error.is_transient(),
            Self::Error(reqwest_middleware::Error::Middleware(error)) => error.downcast_ref::<Elapsed>().is_some(),
        }
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status(response) => response.retry_after(),
            Self::Error(_) => None,
        }
    }
}

/// The response's status and headers; an error has no response (the SDKs retry those)
/// unless reqwest reports a status.
///
/// Needs the `reqwest-middleware` feature.
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
impl FailedRequest for RequestFailure {
    fn status(&self) -> Option<u16> {
        match self {
            Self::Status(response) => FailedRequest::status(&**response),
            Self::Error(error) => error.status().map(|status| status.as_u16()),
        }
    }
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        match self {
            Self::Status(response) => response.header(name),
            Self::Error(_) => None,
        }
    }
}

/// Each of this crate's refusals, as a middleware error (so that a `breaker`, a `timeout`
/// or a `limiter` can guard the requests).
macro_rules! refusal {
    ($($refusal:ty),*) => {$(
        impl From<$refusal> for RequestFailure {
            fn from(refusal: $refusal) -> Self {
                Self::Error(reqwest_middleware::Error::middleware(refusal))
            }
        }
    )*};
}

refusal!(CircuitOpen, Elapsed, RateLimited);
#[cfg(feature = "tokio")]
refusal!(crate::BulkheadFull);

// One impl per per-attempt timeout marker, as for `tower::Retry`: the future must be `Send`,
// which only a concrete marker's `AttemptTimeout::bound` shows (`RequestFailure` converts
// from `Elapsed`, so both markers apply).
macro_rules! retry_middleware {
    ($($(#[$cfg:meta])* $timeout:ty, $limiter:ty, $bulkhead:ty);* $(;)?) => {$(
        $(#[$cfg])*
        #[async_trait::async_trait]
        impl<S, W, P, V, A, B, F, L, G, Z, K, U> Middleware
            for RetryMiddleware<Spelled<S, W, P, V, A, B, F, L, G, Z, $timeout, K, U, $limiter, $bulkhead>>
        where
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
            P: RetryError<RequestFailure>,
            V: RetryValue<Response>,
            A: ServerDelay<RequestFailure>,
            B: Hook<Response, RequestFailure>,
            F: Hook<Response, RequestFailure>,
            L: Hook<Response, RequestFailure>,
            G: Hook<Response, RequestFailure>,
            Z: AsyncSleep,
            Z::Sleep: Send,
            K: BreakerGuard<RequestFailure>,
            K::Permit: Send,
            U: BudgetGuard,
        {
            async fn handle(
                &self,
                request: Request,
                extensions: &mut Extensions,
                next: Next<'_>,
            ) -> reqwest_middleware::Result<Response> {
                let Some(template) = request.try_clone() else {
                    return next.run(request, extensions).await;
                };
                // Every attempt starts from the extensions the request came with; the last
                // attempt's are handed back.
                let given = extensions.clone();
                let last = Mutex::new(None);
                let mut first = Some(request);
                let outcome = self
                    .policy
                    .retry(|| {
                        let request = first.take().unwrap_or_else(|| {
                            template.try_clone().expect("a request that cloned once clones again")
                        });
                        let (next, mut extensions, last) = (next.clone(), given.clone(), &last);
                        async move {
                            let sent = next.run(request, &mut extensions).await;
                            *last.lock().unwrap_or_else(PoisonError::into_inner) = Some(extensions);
                            RequestFailure::of(sent)
                        }
                    })
                    .await;
                if let Some(kept) = last.into_inner().unwrap_or_else(PoisonError::into_inner) {
                    *extensions = kept;
                }
                RequestFailure::into_result(outcome)
            }
        }
    )*};
}

// … and one per limiter and bulkhead, for the same reason: their waits are futures of a
// trait's method, `Send` only where the guard is known.
retry_middleware!(
    NoTimeout, NoLimiter, NoBulkhead;
    WithTimeout, NoLimiter, NoBulkhead;
    NoTimeout, &'static RateLimiter, NoBulkhead;
    WithTimeout, &'static RateLimiter, NoBulkhead;
    #[cfg(feature = "tokio")]
    NoTimeout, NoLimiter, &'static crate::Bulkhead;
    #[cfg(feature = "tokio")]
    WithTimeout, NoLimiter, &'static crate::Bulkhead;
    #[cfg(feature = "tokio")]
    NoTimeout, &'static RateLimiter, &'static crate::Bulkhead;
    #[cfg(feature = "tokio")]
    WithTimeout, &'static RateLimiter, &'static crate::Bulkhead;
    #[cfg(feature = "redis")]
    NoTimeout, &'static crate::fleet::FleetLimiter, NoBulkhead;
    #[cfg(feature = "redis")]
    WithTimeout, &'static crate::fleet::FleetLimiter, NoBulkhead;
    #[cfg(feature = "redis")]
    NoTimeout, &'static crate::fleet::FleetLimiter, &'static crate::Bulkhead;
    #[cfg(feature = "redis")]
    WithTimeout, &'static crate::fleet::FleetLimiter, &'static crate::Bulkhead;
);
