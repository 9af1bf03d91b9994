// An exponential base below 1 would shrink the delays.
use retry_runtime::retry;

#[retry(wait = exponential(1, 60, 0.5))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
