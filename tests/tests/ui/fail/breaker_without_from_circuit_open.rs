// `breaker` needs a way to turn a refused call into the function's error: one error, at
// the breaker, naming the impl to add.
use retry_runtime::{CircuitBreaker, retry};
use std::time::Duration;

#[derive(Debug)]
enum LlmError {
    Overload,
}

static PROVIDER: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));

#[retry(stop = attempts(3), breaker = PROVIDER)]
async fn ask(prompt: &str) -> Result<String, LlmError> {
    let _ = prompt;
    Err(LlmError::Overload)
}

fn main() {
    let _ = ask("hi");
}
