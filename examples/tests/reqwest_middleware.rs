//! `retry_runtime::reqwest_middleware::RetryMiddleware` in a `ClientWithMiddleware` against
//! the failover demo's stand-in provider on 127.0.0.1, over real sockets.

use std::time::Duration;

use examples::failover::Provider;
use examples::failover::server::Server;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use retry_runtime::classify::TransientErrors;
use retry_runtime::reqwest_middleware::RetryMiddleware;
use retry_runtime::stop::attempts;
use retry_runtime::wait::fixed;
use retry_runtime::{CircuitBreaker, CircuitOpen, RetryPolicy, presets};

fn client(middleware: impl reqwest_middleware::Middleware) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new()).with(middleware).build()
}

async fn send(
    client: &ClientWithMiddleware,
    server: &Server,
    id: u32,
) -> reqwest_middleware::Result<reqwest::Response> {
    let body = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    client.post(server.chat_url(Provider::A)).header("x-request-id", id.to_string()).body(body.to_string()).send().await
}

/// Guards the preset path: `presets::openai()` reads `retry-after-ms` from the failing response.
#[tokio::test]
async fn the_openai_preset_sleeps_what_the_server_asked() {
    let server = Server::tour().await.expect("the server starts");
    let client = client(RetryMiddleware::new(presets::openai().build().unwrap()));
    let response = send(&client, &server, 3).await.expect("a response");
    assert_eq!(response.status(), 200);
    let arrivals = server.arrivals();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1].at - arrivals[0].at;
    assert!(gap >= Duration::from_millis(300), "came back after {gap:?}, sooner than `retry-after-ms: 300`");
}

/// Guards `TransientErrors`: 503 twice, then the answer.
#[tokio::test]
async fn transient_errors_retry_until_the_success() {
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(3))
        .wait(fixed(Duration::from_millis(10)))
        .when(TransientErrors)
        .retry_after(TransientErrors)
        .build()
        .unwrap();
    let client = client(RetryMiddleware::new(policy));
    let response = send(&client, &server, 6).await.expect("a response");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("answer to hi"));
    assert_eq!(server.attempts(Provider::A, 6), 3);

    // A 400 is not retried, and comes back as the response it is.
    let refused = send(&client, &server, 9).await.expect("a response");
    assert_eq!(refused.status(), 400);
    assert_eq!(server.attempts(Provider::A, 9), 1);
}

/// Guards giving up and the breaker: the last response comes back as `Ok`, as the SDKs'
/// raw responses do; an open breaker refuses without a request, as a middleware error.
#[tokio::test]
async fn given_up_returns_the_last_response_and_the_breaker_refuses() {
    static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(3, Duration::from_secs(30));
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(fixed(Duration::from_millis(5)))
        .when(TransientErrors)
        .breaker(&BREAKER)
        .build()
        .unwrap();
    let client = client(RetryMiddleware::new(policy));
    let last = send(&client, &server, 10).await.expect("the last response");
    assert_eq!(last.status(), 503);
    assert_eq!(server.attempts(Provider::A, 10), 2);

    // The third failure opens the breaker: that call ends with its response, unslept; the
    // next is refused without a request.
    let last = send(&client, &server, 11).await.expect("the last response");
    assert_eq!(last.status(), 503);
    assert_eq!(server.attempts(Provider::A, 11), 1);
    let error = send(&client, &server, 12).await.expect_err("refused");
    assert!(
        matches!(&error, reqwest_middleware::Error::Middleware(e) if e.downcast_ref::<CircuitOpen>().is_some()),
        "{error}"
    );
    assert_eq!(server.attempts(Provider::A, 12), 0);
}

/// Guards `timeout`: the slow answer is cut (a middleware error, transient) and retried.
#[tokio::test]
async fn a_per_attempt_timeout_cuts_the_slow_answer() {
    let server = Server::tour().await.expect("the server starts");
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(fixed(Duration::from_millis(5)))
        .when(TransientErrors)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = client(RetryMiddleware::new(policy));
    let started = std::time::Instant::now();
    let response = send(&client, &server, 8).await.expect("a response");
    assert_eq!(response.status(), 200);
    assert_eq!(server.attempts(Provider::A, 8), 2);
    assert!(started.elapsed() < Duration::from_millis(1000), "waited for the slow answer");
}
