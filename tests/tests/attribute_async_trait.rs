//! `#[retry]` on a method of an `#[async_trait]` impl. async-trait rewrites the impl first, so
//! `#[retry]` sees `fn … -> Pin<Box<dyn Future<Output = …> + Send + 'async_trait>>` whose
//! body is `Box::pin(async move { … })`; it once refused that shape. It retries the boxed
//! body, as tracing-attributes instruments it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use async_trait::async_trait;
use retry_runtime::retry;

#[derive(Debug, Clone, PartialEq)]
enum LlmError {
    Overload(u32),
    BadRequest,
}

#[async_trait]
trait Provider {
    async fn complete(&self, prompt: &str, model: String) -> Result<String, LlmError>;
    async fn refuse(&self) -> Result<String, LlmError>;
}

/// Fails twice with an overload, then answers.
struct Flaky {
    calls: AtomicU32,
}

#[async_trait]
impl Provider for Flaky {
    #[retry(stop = attempts(3), wait = fixed(1s), on = Overload, state = s)]
    async fn complete(&self, prompt: &str, model: String) -> Result<String, LlmError> {
        let n = self.calls.fetch_add(1, SeqCst) + 1;
        if n < 3 { Err(LlmError::Overload(n)) } else { Ok(format!("{model}: {prompt} (attempt {})", s.attempt())) }
    }

    #[retry(stop = attempts(3), wait = fixed(1s), on = Overload)]
    async fn refuse(&self) -> Result<String, LlmError> {
        self.calls.fetch_add(1, SeqCst);
        Err(LlmError::BadRequest)
    }
}

#[tokio::test(start_paused = true)]
async fn a_method_of_an_async_trait_impl_is_retried() {
    let provider = Flaky { calls: AtomicU32::new(0) };
    let start = tokio::time::Instant::now();
    let reply = provider.complete("hi", "gpt".to_owned()).await;
    assert_eq!(reply, Ok("gpt: hi (attempt 3)".to_owned()));
    assert_eq!(provider.calls.load(SeqCst), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(2), "two sleeps of 1 s on the paused clock");
    // What `on` does not name is returned at once.
    assert_eq!(provider.refuse().await, Err(LlmError::BadRequest));
    assert_eq!(provider.calls.load(SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_async_trait_method_is_send_and_can_be_spawned() {
    let provider: Arc<dyn Provider + Send + Sync> = Arc::new(Flaky { calls: AtomicU32::new(2) });
    let reply = tokio::spawn(async move { provider.complete("hi", "claude".to_owned()).await }).await.unwrap();
    assert_eq!(reply, Ok("claude: hi (attempt 1)".to_owned()));
}
