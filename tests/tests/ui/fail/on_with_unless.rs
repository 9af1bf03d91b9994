// `on` and `unless` exclude each other, in either order.
use retry_runtime::retry;

#[derive(Debug)]
enum LlmError {
    RateLimit,
    BadRequest,
}

#[retry(on = RateLimit, unless = BadRequest)]
fn fetch() -> Result<u32, LlmError> {
    Err(LlmError::RateLimit)
}

#[retry(unless = BadRequest, on = RateLimit)]
fn fetch_again() -> Result<u32, LlmError> {
    Err(LlmError::BadRequest)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
