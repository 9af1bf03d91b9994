// `limiter` needs a way to turn a refused call (no permit before the deadline) into the
// function's error: one error, at the limiter, naming the impl to add.
use retry_runtime::{RateLimiter, retry};

#[derive(Debug)]
enum LlmError {
    Overload,
}

static PACE: RateLimiter = RateLimiter::per_second(5);

#[retry(stop = attempts(3), limiter = PACE)]
async fn ask(prompt: &str) -> Result<String, LlmError> {
    let _ = prompt;
    Err(LlmError::Overload)
}

fn main() {
    let _ = ask("hi");
}
