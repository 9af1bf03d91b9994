use retry_runtime::{retry, CircuitBreaker, CircuitOpen};
use std::time::Duration;

#[derive(Debug)]
enum ApiError {
    Busy,
    Open,
}

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError::Open
    }
}

// A `const` is a new breaker at every use, which would never trip: the breaker must be a
// `static` (rustc's E0716 points at the name; docs/attribute.md explains it).
const BREAKER: CircuitBreaker = CircuitBreaker::consecutive(5, Duration::from_secs(30));

#[retry(stop = attempts(3), on = Busy, breaker = BREAKER)]
async fn call() -> Result<u32, ApiError> {
    Err(ApiError::Busy)
}

fn main() {}
