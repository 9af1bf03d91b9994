// A per-attempt `timeout` longer than the `deadline` of `stop` could never fire.
use retry_runtime::{Elapsed, retry};

#[derive(Debug)]
struct TimedOut;

impl From<Elapsed> for TimedOut {
    fn from(_: Elapsed) -> Self {
        TimedOut
    }
}

#[retry(stop = attempts(5) | deadline(10s), timeout = 30s)]
async fn fetch() -> Result<u32, TimedOut> {
    Ok(1)
}

fn main() {
    drop(fetch());
}
