//! The design card at work: a flaky "LLM" that rate-limits and overloads, called through
//! `#[retry]`, with every retry logged. Runs in about a second.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::retry;

/// What one attempt of a chat completion can fail with.
#[derive(Debug)]
enum LlmError {
    /// HTTP 429.
    RateLimit,
    /// HTTP 5xx or 529.
    Overload(u16),
    /// HTTP 400: retrying cannot help.
    BadRequest(String),
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RateLimit => f.write_str("429 rate limited"),
            Self::Overload(status) => write!(f, "{status} overloaded"),
            Self::BadRequest(why) => write!(f, "400 bad request: {why}"),
        }
    }
}

/// A stand-in provider: fails the first attempts of every call, in a fixed script.
struct Client {
    attempts: AtomicU32,
}

impl Client {
    fn send(&self, prompt: &str) -> Result<String, LlmError> {
        let n = self.attempts.fetch_add(1, Ordering::Relaxed);
        match (prompt, n % 4) {
            ("", _) => Err(LlmError::BadRequest("empty prompt".into())),
            (_, 0) => Err(LlmError::RateLimit),
            (_, 1) => Err(LlmError::Overload(529)),
            _ => Ok(format!("echo: {prompt}")),
        }
    }
}

// The design card, with durations small enough for a demo: 5 attempts, exponential backoff
// from 100 ms with up to 50 ms of jitter, only rate limits and overloads retried.
#[retry(stop = attempts(5), wait = exp_jitter(100ms, 2s, 50ms), on = RateLimit | Overload)]
async fn call_llm(client: &Client, prompt: &str) -> Result<String, LlmError> {
    client.send(prompt)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt().with_target(false).without_time().init();
    let client = Client { attempts: AtomicU32::new(0) };

    for prompt in ["hello", "how are you?", ""] {
        let started = Instant::now();
        let before = client.attempts.load(Ordering::Relaxed);
        let reply = call_llm(&client, prompt).await;
        let attempts = client.attempts.load(Ordering::Relaxed) - before;
        let took = started.elapsed();
        match reply {
            Ok(text) => println!("{prompt:?} -> {text:?} after {attempts} attempts in {}", ms(took)),
            Err(e) => println!("{prompt:?} -> error {e} after {attempts} attempt(s) in {}", ms(took)),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
