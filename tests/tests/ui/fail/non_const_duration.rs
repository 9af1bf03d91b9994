// A duration given as an expression must be a constant: the policy is built once.
use retry_runtime::retry;
use std::time::Duration;

fn configured() -> Duration {
    Duration::from_secs(1)
}

#[retry(wait = fixed(configured()))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = fixed(Duration::from_millis(millis)))]
fn fetch_with(millis: u64) -> Result<u64, String> {
    Ok(millis)
}

fn main() {
    let _ = fetch();
    let _ = fetch_with(5);
}
