//! `retry_runtime::tower::RetryLayer` around a service that posts to the failover demo's
//! stand-in provider on 127.0.0.1: every key of the policy, over real sockets.

use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll};
use std::error::Error as StdError;
use std::marker::PhantomData;
use std::time::Duration;

use examples::failover::Provider;
use examples::failover::server::Server;
use retry_runtime::classify::{HttpFailure, Transient};
use retry_runtime::stop::attempts;
use retry_runtime::tower::RetryLayer;
use retry_runtime::wait::fixed;
use retry_runtime::{Bulkhead, CircuitBreaker, CircuitOpen, RateLimiter, RetryBudget, RetryPolicy, presets};
use tower_layer::Layer;
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;
type Boxed<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// Posts request `id` (a `u32`, so `Clone`) to provider A; any status is a response.
#[derive(Clone)]
struct Chat {
    client: reqwest::Client,
    url: String,
}

impl Chat {
    fn new(server: &Server) -> Self {
        Self { client: reqwest::Client::new(), url: server.chat_url(Provider::A) }
    }
}

impl Service<u32> for Chat {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = Boxed<reqwest::Response, reqwest::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, id: u32) -> Self::Future {
        let body = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
        Box::pin(self.client.post(&self.url).header("x-request-id", id.to_string()).json(&body).send())
    }
}

/// [`Chat`] whose failing statuses are errors: an [`HttpFailure`] turned into `E`.
struct Strict<E>(Chat, PhantomData<fn() -> E>);

// By hand: a derive would ask for `E: Clone`, which a boxed error is not.
impl<E> Clone for Strict<E> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<E: From<HttpFailure> + Send + 'static> Service<u32> for Strict<E> {
    type Response = String;
    type Error = E;
    type Future = Boxed<String, E>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), E>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, id: u32) -> Self::Future {
        let sent = self.0.call(id);
        Box::pin(async move {
            let response = sent.await.expect("the stand-in server is up");
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.text().await.expect("a whole body");
            if status.is_success() { Ok(body) } else { Err(E::from(HttpFailure::new(status, headers, &body))) }
        })
    }
}

async fn call<S: Service<u32>>(service: &mut S, id: u32) -> Result<S::Response, S::Error> {
    poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(id).await
}

/// Guards `when_ok`: a 503 is a response, not an error, and is retried until the 200.
#[tokio::test]
async fn when_ok_retries_a_failing_response_until_the_success() {
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(fixed(Duration::from_millis(10)))
        .when_ok(|r: &reqwest::Response| r.is_transient())
        .build()
        .unwrap();
    let mut service = RetryLayer::new(policy).layer(Chat::new(&server));
    let response = call(&mut service, 6).await.expect("a response");
    assert_eq!(response.status(), 200);
    assert_eq!(server.attempts(Provider::A, 6), 3, "503, 503, 200");
}

/// Guards the error path: the OpenAI preset reads `retry-after-ms` from the error and sleeps it.
#[tokio::test]
async fn the_openai_preset_sleeps_what_the_server_asked() {
    let server = Server::tour().await.expect("the server starts");
    let mut service = RetryLayer::new(presets::openai().build().unwrap())
        .layer(Strict::<HttpFailure>(Chat::new(&server), PhantomData));
    let body = call(&mut service, 3).await.expect("the second attempt succeeds");
    assert!(body.contains("answer to hi"), "{body}");
    let arrivals = server.arrivals();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1].at - arrivals[0].at;
    assert!(gap >= Duration::from_millis(300), "came back after {gap:?}, sooner than `retry-after-ms: 300`");
    // A 400 is not retried, and is returned as the error.
    let refused = call(&mut service, 9).await.expect_err("a 400");
    assert_eq!(refused.status(), 400);
    assert_eq!(server.attempts(Provider::A, 9), 1);
}

/// Guards `breaker` and `budget` through the layer: they count the service's attempts.
#[tokio::test]
async fn the_breaker_and_the_budget_guard_the_inner_service() {
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(2, Duration::from_secs(30));
    static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
    let transient = |e: &BoxError| e.downcast_ref::<HttpFailure>().is_some_and(Transient::is_transient);
    let server = Server::tour().await.expect("the server starts");
    let strict = Strict::<BoxError>(Chat::new(&server), PhantomData);

    let policy = RetryPolicy::builder().stop(attempts(5)).wait(fixed(Duration::from_millis(5)));
    let mut guarded =
        RetryLayer::new(policy.clone().when(transient).breaker(&BREAKER).build().unwrap()).layer(strict.clone());
    // The second failure opens the breaker: the call gives up with it, the last real error,
    // and sends no third request; the next call is refused without one.
    let error = call(&mut guarded, 10).await.expect_err("A is down");
    assert_eq!(
        error.downcast_ref::<HttpFailure>().map(HttpFailure::status),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(server.attempts(Provider::A, 10), 2);
    let error = call(&mut guarded, 12).await.expect_err("refused");
    assert!(error.downcast_ref::<CircuitOpen>().is_some(), "{error}");
    assert_eq!(server.attempts(Provider::A, 12), 0, "refused without a request");

    let mut budgeted = RetryLayer::new(policy.when(transient).budget(&BUDGET).build().unwrap()).layer(strict);
    let error = call(&mut budgeted, 11).await.expect_err("A is down");
    assert_eq!(
        error.downcast_ref::<HttpFailure>().map(HttpFailure::status),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(server.attempts(Provider::A, 11), 3, "two retries of 5 tokens emptied the bucket of 10");
}

/// Guards `timeout` through the layer: the slow answer is cut and retried.
#[tokio::test]
async fn a_per_attempt_timeout_cuts_the_slow_answer() {
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(fixed(Duration::from_millis(5)))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut service = RetryLayer::new(policy).layer(Strict::<BoxError>(Chat::new(&server), PhantomData));
    let started = std::time::Instant::now();
    let body = call(&mut service, 8).await.expect("the second attempt is quick");
    assert!(body.contains("answer"));
    assert_eq!(server.attempts(Provider::A, 8), 2);
    assert!(started.elapsed() < Duration::from_millis(1000), "waited for the slow answer");
}

/// Guards `limiter` and `bulkhead` through the layer: the attempts take the limiter's permits
/// (two at once, then one every 500 ms) and give the bulkhead's place back.
#[tokio::test]
async fn the_limiter_paces_and_the_bulkhead_bounds_the_inner_service() {
    static PACED: RateLimiter = RateLimiter::per_second(2);
    static ONE_AT_A_TIME: Bulkhead = Bulkhead::new(1);
    let transient = |e: &BoxError| e.downcast_ref::<HttpFailure>().is_some_and(Transient::is_transient);
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(retry_runtime::wait::none())
        .when(transient)
        .limiter(&PACED)
        .bulkhead(&ONE_AT_A_TIME)
        .build()
        .unwrap();
    let mut service = RetryLayer::new(policy).layer(Strict::<BoxError>(Chat::new(&server), PhantomData));
    let body = call(&mut service, 6).await.expect("503, 503, then 200");
    assert!(body.contains("answer"), "{body}");
    let arrivals = server.arrivals();
    assert_eq!(arrivals.len(), 3);
    let gap = arrivals[2].at - arrivals[0].at;
    assert!(gap >= Duration::from_millis(450), "the third attempt came {gap:?} after the first, before its permit");
    assert_eq!(ONE_AT_A_TIME.available(), 1, "the place is given back");
}
