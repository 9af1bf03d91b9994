// The README's quick start, as written there, with a stand-in client: it must compile and run.
use retry_runtime::{CircuitBreaker, CircuitOpen, Elapsed, RetryBudget, retry};
use std::time::Duration;

struct Client;

impl Client {
    async fn send(&self, prompt: &str) -> Result<String, LlmError> {
        Ok(prompt.to_owned())
    }
}

#[derive(Debug)]
#[allow(dead_code)]
enum LlmError {
    RateLimit,
    Overload(u16),
    BadRequest(String),
    Timeout(Elapsed),
    Open(CircuitOpen),
}
impl From<Elapsed> for LlmError {
    fn from(e: Elapsed) -> Self {
        Self::Timeout(e)
    }
}
impl From<CircuitOpen> for LlmError {
    fn from(e: CircuitOpen) -> Self {
        Self::Open(e)
    }
}

static PROVIDER_A: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));
static BUDGET: RetryBudget = RetryBudget::aws_standard();

#[retry(stop = attempts(5) | deadline(2m), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload | Timeout,
        timeout = 30s, breaker = PROVIDER_A, budget = BUDGET, fallback = ask_provider_b)]
async fn ask_provider_a(client: &Client, prompt: &str) -> Result<String, LlmError> {
    client.send(prompt).await
}

#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
async fn ask_provider_b(client: &Client, prompt: &str) -> Result<String, LlmError> {
    client.send(prompt).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(ask_provider_a(&Client, "hi").await.unwrap(), "hi");
}
