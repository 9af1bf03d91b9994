// A blocking call cannot be cut short: `timeout` needs an `async fn`.
use retry_runtime::{Elapsed, retry};

#[derive(Debug)]
struct TimedOut;

impl From<Elapsed> for TimedOut {
    fn from(_: Elapsed) -> Self {
        TimedOut
    }
}

#[retry(timeout = 5s)]
fn fetch() -> Result<u32, TimedOut> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
