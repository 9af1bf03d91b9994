// An `async fn` of a trait, retried in the implementation.
use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

trait Provider {
    async fn complete(&self, prompt: &str) -> Result<String, String>;
}

struct Flaky {
    calls: AtomicU32,
}

impl Provider for Flaky {
    #[retry(stop = attempts(4), wait = exponential(1, 10))]
    async fn complete(&self, prompt: &str) -> Result<String, String> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < 2 {
            return Err("overloaded".into());
        }
        Ok(prompt.to_uppercase())
    }
}

async fn ask(provider: &impl Provider) -> String {
    provider.complete("hi").await.unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let provider = Flaky { calls: AtomicU32::new(0) };
    assert_eq!(rt.block_on(ask(&provider)), "HI");
}
