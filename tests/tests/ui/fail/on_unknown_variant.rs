// A name in `on` or `unless` that is no variant is rustc's error at that name, with its
// suggestion; it never becomes a binding that matches every error.
use retry_runtime::retry;

#[derive(Debug)]
enum LlmError {
    RateLimit,
    Overload(u16),
    BadRequest { message: String },
}

#[retry(on = RateLimt | LlmError::Overlaod)]
fn fetch() -> Result<u32, LlmError> {
    Err(LlmError::RateLimit)
}

#[retry(unless = BadReqest)]
fn fetch_again() -> Result<u32, LlmError> {
    Err(LlmError::BadRequest { message: String::new() })
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
    let _ = LlmError::Overload(503);
}
