// `policy` replaces the keys that describe a policy; each one given beside it is an error.
use retry_runtime::stop::{Attempts, attempts};
use retry_runtime::{RetryPolicy, retry};
use std::sync::LazyLock;

static POLICY: LazyLock<RetryPolicy<Attempts>> =
    LazyLock::new(|| RetryPolicy::builder().stop(attempts(2)).build().unwrap());

#[derive(Debug)]
enum LlmError {
    RateLimit,
}

#[retry(policy = &*POLICY, stop = attempts(3), wait = none, on = RateLimit, when = |_| true)]
fn fetch() -> Result<u32, LlmError> {
    Err(LlmError::RateLimit)
}

#[retry(unless = RateLimit, policy = &*POLICY)]
fn fetch_again() -> Result<u32, LlmError> {
    Err(LlmError::RateLimit)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
