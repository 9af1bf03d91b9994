//! `Transient` for `reqwest::Error` and `reqwest::Response`, against servers on loopback
//! that refuse, stall or answer with a chosen status.
#![cfg(feature = "reqwest")]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::thread;
use std::time::Duration;

use retry_runtime::classify::Transient;

/// Serves one connection with `reply` (head and empty body), then closes.
fn serve_once(reply: &'static str) -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut request = Vec::new();
        let mut buf = [0; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.write_all(reply.as_bytes());
    });
    url
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    // Bind then drop: the port is closed, so connecting is refused.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
    let err = reqwest::get(format!("http://127.0.0.1:{port}/")).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn a_timeout_is_transient() {
    // Accepted by the kernel's backlog, never answered.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let err = client.get(url).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_transient());
    drop(listener);
}

#[tokio::test]
async fn a_503_response_is_transient_and_says_when() {
    let url = serve_once(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 7\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let reply = reqwest::get(url).await.unwrap();
    assert!(reply.is_transient());
    assert_eq!(reply.retry_after(), Some(Duration::from_secs(7)));
    let err = reply.error_for_status().unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.retry_after(), None, "an error carries no headers");
}

#[tokio::test]
async fn a_404_response_is_permanent() {
    let url = serve_once("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let reply = reqwest::get(url).await.unwrap();
    assert!(!reply.is_transient());
    assert!(!reply.error_for_status().unwrap_err().is_transient());
}

#[tokio::test]
async fn x_should_retry_overrides_the_status_of_a_response() {
    let url =
        serve_once("HTTP/1.1 409 Conflict\r\nx-should-retry: true\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    assert!(reqwest::get(url).await.unwrap().is_transient());
}

#[test]
fn a_request_that_cannot_be_built_is_permanent() {
    let err = reqwest::Client::new().get("not a url").build().unwrap_err();
    assert!(err.is_builder());
    assert!(!err.is_transient());
}

#[tokio::test]
async fn the_sdk_presets_read_reqwest_responses_and_errors_as_the_sdks_do() {
    use retry_runtime::classify::Sdk;
    use std::time::SystemTime;
    let now = SystemTime::now();
    // A 409 (lock timeout) the SDKs retry, with the SDKs' own header for the delay.
    let url =
        serve_once("HTTP/1.1 409 Conflict\r\nretry-after-ms: 250\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let reply = reqwest::get(url).await.unwrap();
    assert!(Sdk::OpenAi.should_retry(&reply, now));
    assert_eq!(Sdk::OpenAi.server_delay(&reply, now), Some(Duration::from_millis(250)));
    // 425 is transient for `classify::response`, but neither SDK retries it.
    let url = serve_once("HTTP/1.1 425 Too Early\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let reply = reqwest::get(url).await.unwrap();
    assert!(reply.is_transient());
    assert!(!Sdk::Anthropic.should_retry(&reply, now));
    // No response at all: both SDKs retry a refused connection.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
    let refused = reqwest::get(format!("http://127.0.0.1:{port}/")).await.unwrap_err();
    assert!(Sdk::OpenAi.should_retry(&refused, now) && Sdk::Anthropic.should_retry(&refused, now));
    // A status error carries the status but no headers: a 500 is retried on backoff.
    let url = serve_once("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let err = reqwest::get(url).await.unwrap().error_for_status().unwrap_err();
    assert!(Sdk::OpenAi.should_retry(&err, now));
    assert_eq!(Sdk::OpenAi.server_delay(&err, now), None);
}
