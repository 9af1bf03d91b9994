// Waiting for a rate permit or a bulkhead's place is async: `limiter` and `bulkhead` need an
// `async fn`, each reported at its key.
use retry_runtime::{Bulkhead, BulkheadFull, RateLimited, RateLimiter, retry};

#[derive(Debug)]
struct Refused;

impl From<RateLimited> for Refused {
    fn from(_: RateLimited) -> Self {
        Refused
    }
}

impl From<BulkheadFull> for Refused {
    fn from(_: BulkheadFull) -> Self {
        Refused
    }
}

static PACE: RateLimiter = RateLimiter::per_second(5);
static POOL: Bulkhead = Bulkhead::new(4);

#[retry(limiter = PACE, bulkhead = POOL)]
fn fetch() -> Result<u32, Refused> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
